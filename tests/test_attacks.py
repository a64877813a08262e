"""Issue 8's catalogue of hostile and broken submissions: each gets no more than its honest work,
a message that names what happened, and nobody else's record changes.

Every attack runs through the trusted re-check (autograder.recheck; fast, one sandbox each); the
ones in THROUGH_NBGRADER also run through real nbgrader + re-check, as an instructor grades.
"""
import sqlite3

import nbformat
import pytest

import attacks as A
import nbharness as h
from attacks_01_filter_sliding import ATTACKS, CH, THROUGH_NBGRADER, build, corrupt_notebooks, honest_notebook
from autograder import gradebook, intake, nbgrader_run, pipeline
from autograder.paths import COURSE_ID, REPO, scratch_course
from autograder.recheck import verify

SOURCE = REPO / "solutions" / CH / f"{CH}.ipynb"
GRADE_IDS = [h.meta(c)["grade_id"] for c in h.source_notebook(CH).cells if h.meta(c).get("grade")]


def check_rules(name, passed: dict, messages: dict, rules):
    A.check_rules(name, GRADE_IDS, passed, messages, rules)


def test_honest_submission_passes_the_recheck(tmp_path):
    path = tmp_path / f"{CH}.ipynb"
    nbformat.write(honest_notebook(), path)
    verdicts = verify(SOURCE, path)
    assert all(v.passed for v in verdicts.values()), {g: v.message for g, v in verdicts.items()}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_through_the_recheck(name, tmp_path):
    nb, rules = build(name)
    path = tmp_path / f"{CH}.ipynb"
    nbformat.write(nb, path)
    verdicts = verify(SOURCE, path, timeout=4 if rules.get("slow") else 30)
    check_rules(name, {g: v.passed for g, v in verdicts.items()},
                {g: v.message for g, v in verdicts.items()}, rules)


@pytest.mark.parametrize("kind", list(corrupt_notebooks()))
def test_corrupt_notebook_through_the_recheck(kind, tmp_path):
    path = tmp_path / f"{CH}.ipynb"
    path.write_text(corrupt_notebooks()[kind])
    verdicts = verify(SOURCE, path)
    assert all(not v.passed and "not a readable notebook" in v.message for v in verdicts.values())


# --- the instructor's path: nbgrader + re-check, many students in one gradebook -----------------
@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = scratch_course(tmp_path_factory.mktemp("attacks"))
    nbgrader_run.generate(root, CH)
    work = tmp_path_factory.mktemp("subs")
    students = {"honest": honest_notebook()}
    for i, name in enumerate(THROUGH_NBGRADER):
        students[f"attacker{i:02d}"] = build(name)[0]
    paths = {}
    for sid, nb in students.items():
        p = work / sid / f"{CH}.ipynb"
        p.parent.mkdir()
        nbformat.write(nb, p)
        paths[sid] = p
    corrupt = work / "corrupt" / f"{CH}.ipynb"
    corrupt.parent.mkdir()
    corrupt.write_text("{ this is not json")
    paths["corrupt"] = corrupt
    for sid, path in paths.items():
        intake.submit(root, CH, sid, path)
    # two at a time into one SQLite gradebook, as `autograde --workers 2` grades a class: hostile
    # neighbours (os._exit, memory blow-up, endless output) must not disturb anyone's record
    results = {r.student: r
               for r in pipeline.grade_many(root, CH, list(paths), workers=2, timeout=900)}
    return root, results


@pytest.mark.nbgrader
@pytest.mark.parametrize("index", range(len(THROUGH_NBGRADER)))
def test_attack_through_nbgrader(graded_class, index):
    root, results = graded_class
    name = THROUGH_NBGRADER[index]
    r = results[f"attacker{index:02d}"]
    assert not r.error, (name, r.error)
    _, rules = ATTACKS[name]
    check_rules(name, {c.grade_id: c.score == c.max_score for c in r.cells},
                {c.grade_id: c.message for c in r.cells}, rules)
    if rules.get("fools_kernel"):
        graded = root / "grading" / "autograded" / f"attacker{index:02d}" / CH / f"{CH}.ipynb"
        assert "TrustedRecheckFailed" in graded.read_text(), \
            f"{name}: expected nbgrader to be fooled and the re-check to correct it"


@pytest.mark.nbgrader
def test_class_records_survive_the_attacks(graded_class):
    root, results = graded_class
    assert results["honest"].score == results["honest"].max_score > 0
    assert results["corrupt"].error and results["corrupt"].score == 0
    # the honest student's record, read again after everybody else was graded, is intact
    from nbgrader.api import Gradebook
    with Gradebook(gradebook.url(root), COURSE_ID) as gb:
        sub = gb.find_submission_notebook(CH, CH, "honest")
        assert sub.score == results["honest"].max_score
    db = root / "grading" / "gradebook.db"
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"

"""Issue 8's catalogue of hostile and broken submissions: each gets no more than its honest work,
a message that names what happened, and nobody else's record changes.

Every attack runs through the trusted re-check (autograder.recheck; fast, one sandbox each); the
ones in THROUGH_NBGRADER also run through real nbgrader + re-check, as an instructor grades.
"""
import contextlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

import attacks as A
import nbharness as h
from attacks_01_filter_sliding import (ATTACKS, CH, ISOLATION_ATTACKS, ISOLATION_THROUGH_PLAIN_NBGRADER,
                                      THROUGH_NBGRADER, build, build_isolation_attack,
                                      corrupt_notebooks, honest_notebook)
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
# One class, graded once by the pipeline (see attacked_class below), serves every test from here on.
@pytest.mark.nbgrader
@pytest.mark.parametrize("index", range(len(THROUGH_NBGRADER)))
def test_attack_through_nbgrader(attacked_class, index):
    root, results = attacked_class["root"], attacked_class["results"]
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
def test_class_records_survive_the_attacks(attacked_class):
    root, results = attacked_class["root"], attacked_class["results"]
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


# --- attacks on the machine: isolation (issue 16) and the re-check in every autograde path -------
FOOLS_THE_KERNEL = ["the course's check helpers replaced", "calls TensorFlow instead of implementing"]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


@pytest.fixture(scope="module")
def attacked_class(tmp_path_factory):
    """The class every test below reads, graded once by `python -m autograder autograde`'s
    pipeline two at a time into one SQLite gradebook (hostile neighbours -- os._exit, memory
    blow-up, endless output -- must not disturb anyone's record): an honest student, an untouched
    release notebook, a corrupt file, every attack of THROUGH_NBGRADER and, where bubblewrap
    works, every attack of ISOLATION_ATTACKS, with a secret in the grader's environment and a
    server of the grader's listening on 127.0.0.1."""
    from autograder import isolation

    root = scratch_course(tmp_path_factory.mktemp("attacks"))
    nbgrader_run.generate(root, CH)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted = []

    def listen():
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(server.accept()[0])

    stop = threading.Event()
    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    import convlab
    ctx = {"root": str(root), "solutions": str(root / "solutions" / CH / f"{CH}.ipynb"),
           "classmate": str(root / "grading" / "submitted" / "honest" / CH / f"{CH}.ipynb"),
           "gradebook": str(root / "grading" / "gradebook.db"),
           "package": str(Path(convlab.__file__).parent), "port": server.getsockname()[1],
           "grader_pid": os.getpid(), "marker": "convlab-left-behind-" + uuid.uuid4().hex}
    students = {"honest": honest_notebook(), "untouched": h.release_notebook(CH)}
    intruders = {}
    for i, name in enumerate(THROUGH_NBGRADER):
        intruders[name] = f"attacker{i:02d}"
        students[intruders[name]] = build(name)[0]
    unavailable = isolation.unavailable_reason()
    if not unavailable:
        for i, name in enumerate(ISOLATION_ATTACKS):
            intruders[name] = f"intruder{i:02d}"
            students[intruders[name]] = build_isolation_attack(name, ctx)[0]
    work = tmp_path_factory.mktemp("subs")
    for sid, nb in students.items():
        path = work / sid / f"{CH}.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        intake.submit(root, CH, sid, path)
    corrupt = work / "corrupt" / f"{CH}.ipynb"
    corrupt.parent.mkdir()
    corrupt.write_text("{ this is not json")
    intake.submit(root, CH, "corrupt", corrupt)
    token = "tok-" + uuid.uuid4().hex
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_API_TOKEN", token)
        results = {r.student: r for r in pipeline.grade_many(
            root, CH, [*students, "corrupt"], workers=2, timeout=900)}
        scores = gradebook.class_records(gradebook.url(root))
    yield {"root": root, "ctx": ctx, "results": results, "scores": scores, "token": token,
           "intruders": intruders, "accepted": accepted, "unavailable": unavailable}
    stop.set()
    listener.join()
    server.close()


@pytest.fixture(scope="module")
def isolation_class(attacked_class):
    """The attacked class, where its ISOLATION_ATTACKS were graded (bubblewrap works)."""
    reason = attacked_class["unavailable"]
    if reason:
        (pytest.fail if _in_ci() else pytest.skip)(f"bubblewrap does not work here: {reason}")
    return attacked_class


def _graded_path(root, sid):
    return root / "grading" / "autograded" / sid / CH / f"{CH}.ipynb"


def _graded_text(root, sid):
    return _graded_path(root, sid).read_text()


@pytest.mark.nbgrader
@pytest.mark.parametrize("name", list(ISOLATION_ATTACKS))
def test_isolation_attack_scores_what_its_notebook_scores(isolation_class, name):
    cls = isolation_class
    r = cls["results"][cls["intruders"][name]]
    base = cls["results"][ISOLATION_ATTACKS[name][1]]
    assert not r.error, (name, r.error)
    assert {c.grade_id: c.score for c in r.cells} == {c.grade_id: c.score for c in base.cells}, \
        (name, [(c.grade_id, c.score, c.message[:200]) for c in r.cells])
    assert (r.score, r.max_score) == (base.score, base.max_score)
    text = _graded_text(cls["root"], r.student)
    assert cls["token"] not in text and "hunter2" not in text
    assert re.search(ISOLATION_ATTACKS[name][2], text), \
        f"{name}: the feedback should show what was refused ({ISOLATION_ATTACKS[name][2]})"
    assert cls["token"] not in text and "hunter2" not in text


@pytest.mark.nbgrader
def test_isolation_attacks_leave_the_grader_and_the_class_untouched(isolation_class):
    cls = isolation_class
    root, results = cls["root"], cls["results"]
    assert results["honest"].score == results["honest"].max_score > 0
    assert results["untouched"].score < results["honest"].score
    assert not (root / "pwned-by-a-submission.txt").exists()
    assert not (Path(cls["ctx"]["package"]) / "pwned.py").exists()
    assert cls["accepted"] == [], "a submission reached the grader's server on 127.0.0.1"
    with sqlite3.connect(root / "grading" / "gradebook.db") as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert cls["scores"][(CH, "honest")] == results["honest"].max_score
    left = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if cls["ctx"]["marker"].encode() in (entry / "cmdline").read_bytes():
                left.append(entry.name)
    assert not left, f"processes left behind by a submission: {left}"
    # the sleeper (600 s) held no grading worker: nbgrader's output pipe closed with its sandbox
    assert results[cls["intruders"]["leaves a process behind"]].seconds < 300
    for name in FOOLS_THE_KERNEL:       # nbgrader alone is fooled; its own re-check is not
        r = results[cls["intruders"][name]]
        assert r.score < results["honest"].score, name
        assert "TrustedRecheckFailed" in _graded_text(root, r.student), name


# Each of the two other paths grades an attack that fools nbgrader's kernel (so its re-check must
# run), isolation attacks, and the sleeper (leaves a process behind; its notebook is the honest
# one, so it also shows honest work keeping full marks there): every attack of
# ISOLATION_THROUGH_PLAIN_NBGRADER and FOOLS_THE_KERNEL goes through one path or both.
PLAIN_NBGRADER = ["reads solutions/ and executes it", "leaves a process behind",
                  "the course's check helpers replaced"]
FORMGRADER = ["writes into the course root, the package and the gradebook",
              "leaves a process behind", "calls TensorFlow instead of implementing"]


def test_the_other_paths_share_the_attacks():
    both = set(PLAIN_NBGRADER) | set(FORMGRADER)
    assert both >= set(ISOLATION_THROUGH_PLAIN_NBGRADER) | set(FOOLS_THE_KERNEL)
    for path in (PLAIN_NBGRADER, FORMGRADER):
        assert set(path) & set(FOOLS_THE_KERNEL) and "leaves a process behind" in path
        assert set(path) & (set(ISOLATION_ATTACKS) - {"leaves a process behind"})
        assert ISOLATION_ATTACKS["leaves a process behind"][1] == "honest"


@pytest.mark.nbgrader
def test_plain_nbgrader_and_the_formgraders_api_give_the_same_scores(isolation_class):
    """`nbgrader autograde` (one command for several students, as an instructor grades a class)
    and nbgrader's Python API (what the formgrader's autograde button calls) run the
    configuration's re-check and isolation too: the same scores as the pipeline, the same
    refusals, no hang on a process left behind."""
    cls = isolation_class
    root = cls["root"]
    plain = [cls["intruders"][n] for n in PLAIN_NBGRADER]
    api_sids = [cls["intruders"][n] for n in FORMGRADER]
    url = gradebook.url(root)
    env = {"GRADER_API_TOKEN": cls["token"]}
    others = sorted(p.name for p in (root / "grading" / "submitted").iterdir()
                    if p.name not in plain)
    graded_at = {sid: _graded_path(root, sid).stat().st_mtime_ns for sid in [*plain, *others]
                 if _graded_path(root, sid).is_file()}
    proc = nbgrader_run.run_nbgrader(
        ["autograde", CH, "--force", f"--CourseDirectory.student_id_exclude={','.join(others)}"],
        root, timeout=900, check=False, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    regraded = {sid for sid, ns in graded_at.items()
                if _graded_path(root, sid).stat().st_mtime_ns != ns}
    assert regraded == set(plain), "one command grades exactly the students not excluded"
    by_plain = gradebook.class_records(url)
    api = subprocess.run(
        [sys.executable, "-c", FORMGRADER_API, str(root), CH, *api_sids], cwd=root,
        env={**nbgrader_run.child_env(), **env}, capture_output=True, text=True, timeout=1200)
    assert api.returncode == 0, api.stdout[-3000:] + api.stderr[-3000:]
    by_api = gradebook.class_records(url)
    for sids, records, how in ((plain, by_plain, "nbgrader autograde"),
                               (api_sids, by_api, "formgrader API")):
        for sid in sids:
            assert records[(CH, sid)] == cls["scores"][(CH, sid)], (sid, how, records[(CH, sid)])
            text = _graded_text(root, sid)
            assert cls["token"] not in text
    for names in (PLAIN_NBGRADER, FORMGRADER):
        for name in names:
            text = _graded_text(root, cls["intruders"][name])
            if name in ISOLATION_ATTACKS:
                assert re.search(ISOLATION_ATTACKS[name][2], text), name
            else:                           # nbgrader alone is fooled; its own re-check is not
                assert "TrustedRecheckFailed" in text, name
    assert not (root / "pwned-by-a-submission.txt").exists()
    with sqlite3.connect(root / "grading" / "gradebook.db") as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"


FORMGRADER_API = '''
import sys
from traitlets.config.loader import PyFileConfigLoader
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

root, chapter, students = sys.argv[1], sys.argv[2], sys.argv[3:]
config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
for student in students:
    result = api.autograde(chapter, student, force=True)
    assert result["success"], result
'''


@pytest.mark.nbgrader
def test_the_pipeline_does_not_recheck_twice(isolation_class, monkeypatch):
    """`python -m autograder autograde` takes the re-check's findings from nbgrader's own
    autograde (TrustedRecheck runs in nbgrader's process) and does not run it again here."""
    cls = isolation_class

    def recheck_again(*args, **kwargs):
        raise AssertionError("the pipeline ran the re-check a second time")

    monkeypatch.setattr(pipeline, "verify", recheck_again)
    # the cheater: nbgrader's kernel gives it points the re-check takes away, so the findings
    # below (scores and messages) can only come from the re-check inside nbgrader's autograde
    sid = cls["intruders"]["the course's check helpers replaced"]
    r = pipeline.grade_submission(cls["root"], CH, sid, timeout=600)
    expected = cls["results"][sid]
    assert not r.error, r.error
    assert r.score < cls["results"]["honest"].score
    assert "TrustedRecheckFailed" in _graded_text(cls["root"], sid)
    assert [(c.grade_id, c.score, c.message) for c in r.cells] == \
        [(c.grade_id, c.score, c.message) for c in expected.cells]
    assert (r.score, r.bonus, r.cell_errors) == (expected.score, expected.bonus,
                                                  expected.cell_errors)

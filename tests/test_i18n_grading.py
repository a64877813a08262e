"""A Chinese submission through real nbgrader (issue 21): graded under the same assignment with the
same points as the English edition, its messages and feedback in Chinese; `make check` prints
a Chinese notebook's grade in Chinese.

(tests/test_i18n.py checks every chapter in-process: the reference's full marks and a mutant's
equal loss in both editions; tests/test_nbgrader_ch01.py shows the in-process judge agrees with
nbgrader for this very mutant in English. This is the one real-nbgrader grading of a Chinese
notebook in the suite: tests/test_i18n_shared.py checks what `make check` prints without one.)
"""
import html
import json
import re
from pathlib import Path

import pytest

import nbharness as h
from autograder import intake, misconceptions, nbgrader_run, paths, pipeline, translations
from mutants_01_filter_sliding import MUTANTS

pytestmark = pytest.mark.nbgrader
CHAPTER = "01_filter_sliding"
FLIPPED = {**MUTANTS["single: kernel flipped (mathematical convolution)"],
           **MUTANTS["multi: filters flipped"]}
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_notebook_with(folder: Path, replace: dict) -> Path:
    """The Chinese release (course/zh_CN) with solution cells filled in, as a student would."""
    nb = json.loads(translations.released_notebook(CHAPTER).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = (cell["metadata"].get("nbgrader") or {}).get("grade_id")
        if gid in replace:
            cell["source"] = replace[gid]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{CHAPTER}.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def solution_cells() -> dict:
    return {h.meta(c)["grade_id"]: c.source for c in h.source_notebook(CHAPTER).cells
            if h.meta(c).get("solution")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = paths.scratch_course(tmp_path_factory.mktemp("course"))
    nbgrader_run.generate(root, CHAPTER)
    nb = chinese_notebook_with(tmp_path_factory.mktemp("work") / "lin", {**solution_cells(), **FLIPPED})
    intake.submit(root, CHAPTER, "lin", nb)
    result = pipeline.grade_submission(root, CHAPTER, "lin", timeout=900)
    nbgrader_run.run_nbgrader(["generate_feedback", CHAPTER, "--force"], root)
    return root, result


def test_a_chinese_submission_loses_what_the_english_one_loses(graded, monkeypatch):
    _, result = graded
    assert not result.error, result.error
    monkeypatch.setenv("CONVLAB_LANG", "en")
    english = h.grade_in_process(CHAPTER, FLIPPED)
    assert {c.grade_id: c.score == c.max_score for c in result.cells} == \
        {g: v.passed for g, v in english.items()}
    assert (result.score, result.max_score) == h.score(english)
    assert result.max_score == h.full_marks(CHAPTER)


def test_its_messages_are_chinese_and_name_the_mistake(graded):
    _, result = graded
    failed = [c for c in result.cells if c.score < c.max_score]
    assert failed
    for c in failed:
        assert CJK.search(c.message), c.message
    flipped = {c.grade_id: c for c in failed}["test_conv2d_single_vs_tf"].message
    # the catalogued mistake in Chinese, and the review line the grader writes in its place
    assert misconceptions.LIKELY_CAUSE_LABELS[1] in flipped, flipped
    assert "需要复习：第 1 章" in flipped, flipped


def test_the_gradebook_does_not_care_which_edition(graded):
    import sqlite3

    root, result = graded
    with sqlite3.connect(root / paths.GRADEBOOK) as con:
        assignments = [r[0] for r in con.execute("select name from assignment")]
        submitted = con.execute(
            "select a.name, s.student_id from submitted_assignment s join assignment a "
            "on s.assignment_id = a.id").fetchall()
    assert assignments == [CHAPTER] and submitted == [(CHAPTER, "lin")], (assignments, submitted)


def test_the_feedback_is_chinese(graded):
    root, _ = graded
    page = root / "grading" / "feedback" / "lin" / CHAPTER / f"{CHAPTER}.html"
    text = re.sub(r"<[^>]+>", " ", html.unescape(page.read_text(encoding="utf-8")))
    zh = json.loads(translations.released_notebook(CHAPTER).read_text(encoding="utf-8"))
    title = "".join(zh["cells"][0]["source"]).splitlines()[0].lstrip("# ").strip()
    assert title in text, "the feedback shows the student's Chinese text"
    assert "Likely cause" not in text and "What to review" not in text, "English grader lines"


def test_make_check_prints_a_chinese_notebooks_grade_in_chinese(graded, tmp_path, monkeypatch, capsys):
    """`python -m autograder check` (make check) prints the grade of a Chinese notebook in Chinese:
    here the fixture's real grading of the flipped kernel, handed to the command line as the
    grading of a Chinese notebook (tests/test_i18n_shared.py runs `make check` itself)."""
    from autograder import cli, selfcheck

    _, result = graded
    monkeypatch.delenv("CONVLAB_LANG", raising=False)
    nb = chinese_notebook_with(tmp_path / "me", {**solution_cells(), **FLIPPED})
    monkeypatch.setattr(selfcheck, "check_notebook", lambda path, **kw: result)
    assert cli.main(["check", str(nb)]) == 1                # not full marks
    out = capsys.readouterr().out
    header = out.strip().splitlines()[0]
    assert CHAPTER in header and CJK.search(header), header
    assert "FAIL test_conv2d_single_vs_tf" in out and CJK.search(out.split("test_conv2d_single_vs_tf")[1])
    assert "Likely cause" not in out

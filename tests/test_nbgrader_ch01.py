"""Chapter 1 through real nbgrader with wrong submissions: a flipped kernel loses the TensorFlow
points, a submission failing only hidden tests gets feedback without hidden source, the in-process
harness agrees with nbgrader, and `make check` gives the instructor's score.

(tests/test_nbgrader_roundtrip.py grades every chapter's reference solution and release.)
"""
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

import nbharness as h
from autograder import intake, nbgrader_run, paths, pipeline, selfcheck
from autograder.cells import hidden_lines
from mutants_01_filter_sliding import MUTANTS

pytestmark = pytest.mark.nbgrader
CHAPTER = "01_filter_sliding"
HIDDEN_ONLY = {**MUTANTS["multi: bias shape not checked (hidden)"],
               **MUTANTS["count: sizes not checked (hidden)"]}
FLIPPED = {**MUTANTS["single: kernel flipped (mathematical convolution)"],
           **MUTANTS["multi: filters flipped"]}


def student_notebook_with(tmp: Path, replace: dict) -> Path:
    """The released notebook with some solution cells filled in, as a student would."""
    nb = h.release_notebook(CHAPTER)
    for cell in nb.cells:
        gid = h.meta(cell).get("grade_id")
        if gid in replace:
            cell.source = replace[gid]
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"{CHAPTER}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = paths.scratch_course(tmp_path_factory.mktemp("course"))
    nbgrader_run.generate(root, CHAPTER)
    work = tmp_path_factory.mktemp("work")
    solution_cells = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook(CHAPTER).cells
                      if h.meta(c).get("solution")}
    submissions = {
        "carol": student_notebook_with(work / "carol", {**solution_cells, **FLIPPED}),
        # passes every visible test; fails hidden ones, whose tracebacks quote hidden lines
        "dave": student_notebook_with(work / "dave", {**solution_cells, **HIDDEN_ONLY}),
    }
    results = {}
    for student, nb in submissions.items():
        intake.submit(root, CHAPTER, student, nb)
        results[student] = pipeline.grade_submission(root, CHAPTER, student, timeout=900)
    nbgrader_run.run_nbgrader(["generate_feedback", CHAPTER, "--force"], root)
    return root, results


def cells(result):
    return {c.grade_id: c for c in result.cells}


def test_flipped_kernel_loses_the_tensorflow_points(graded):
    _, results = graded
    got = cells(results["carol"])
    for gid in ("test_conv2d_single_vs_tf", "test_conv2d_multi_vs_tf"):
        assert got[gid].score == 0, got[gid]
        assert "flipped" in got[gid].message
    # what a flipped kernel does not break keeps its points
    assert got["test_conv_param_count_vs_keras"].score == got["test_conv_param_count_vs_keras"].max_score
    assert 0 < results["carol"].score < results["carol"].max_score


def test_in_process_verdicts_agree_with_nbgrader(graded):
    """tests/nbharness.py (used for the fast mutant checks) judges as nbgrader does."""
    _, results = graded
    fast = h.grade_in_process(CHAPTER, FLIPPED)
    assert {g: v.passed for g, v in fast.items()} == \
        {c.grade_id: c.score == c.max_score for c in results["carol"].cells}


def _secret_lines():
    src = h.source_notebook(CHAPTER)
    return [l for c in src.cells for l in hidden_lines(c.source) if len(l) >= 12]


def test_feedback_contains_no_hidden_test_source(graded):
    root, _ = graded
    secret = _secret_lines()
    assert secret
    pages = sorted((root / "grading" / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in pages} == {"carol", "dave"}
    for page in pages:
        text = html.unescape(page.read_text())
        text = re.sub(r"<[^>]+>", "", text)
        leaked = [l for l in secret if l in text]
        assert not leaked, f"{page}: {leaked[:3]}"
    carol = (root / "grading" / "feedback" / "carol" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "flipped the kernel" in html.unescape(carol)


def test_redaction_is_needed(graded):
    """Without RedactHiddenTests, the autograded notebook of a submission that fails only hidden
    tests quotes hidden lines in its tracebacks: the feedback check above is a real check."""
    root, results = graded
    assert 0 < results["dave"].score < results["dave"].max_score
    graded_nb = root / "grading" / "autograded" / "dave" / CHAPTER / f"{CHAPTER}.ipynb"
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(graded_nb.read_text())["cells"]])
    outputs = re.sub(r"\\u001b\[[0-9;]*m", "", outputs)
    assert any(json.dumps(l)[1:-1] in outputs for l in _secret_lines())


def test_self_check_matches_instructor(graded, tmp_path):
    """`make check` (a scratch course per call) gives the instructor's score."""
    _, results = graded
    nb = tmp_path / f"{CHAPTER}.ipynb"
    shutil.copyfile(paths.CoursePaths(graded[0]).submitted(CHAPTER, "carol"), nb)
    mine = selfcheck.check_notebook(nb)
    assert not mine.error
    assert [(c.grade_id, c.score) for c in mine.cells] == \
        [(c.grade_id, c.score) for c in results["carol"].cells]

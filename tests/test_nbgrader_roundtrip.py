"""Every chapter through real nbgrader in a scratch course: generate, submit, autograde, feedback.

Per chapter, the reference solution must score full marks, the untouched release 0 (quickly, with
"not implemented yet" as the message), and the feedback must not contain hidden-test source. The
two are graded at the same time into one gradebook (pipeline.grade_many with two workers).
"""
import html
import json
import re

import pytest

import nbharness as h
from autograder import intake, nbgrader_run, paths, pipeline
from autograder.cells import hidden_lines

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return paths.scratch_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module", params=h.chapters())
def graded(request, root):
    chapter = request.param
    nbgrader_run.generate(root, chapter)
    submissions = {
        "alice": paths.REPO / "solutions" / chapter / f"{chapter}.ipynb",   # reference solution
        "bob": paths.REPO / "course" / chapter / f"{chapter}.ipynb",        # untouched release
    }
    for student, nb in submissions.items():
        intake.submit(root, chapter, student, nb)
    # both at once (two worker processes, one SQLite gradebook), as `autograde --workers 2` does
    results = {r.student: r for r in
               pipeline.grade_many(root, chapter, list(submissions), workers=2, timeout=900)}
    nbgrader_run.run_nbgrader(["generate_feedback", chapter, "--force"], root)
    return chapter, results


def test_reference_solution_scores_full_marks(graded):
    chapter, results = graded
    r = results["alice"]
    assert not r.error, r.error
    assert r.max_score > 0 and r.score == r.max_score, [c for c in r.cells if c.score < c.max_score]
    print(f"{chapter}: autograde of one submission {r.seconds:.1f} s")


def test_untouched_release_scores_zero_and_does_not_hang(graded):
    chapter, results = graded
    r = results["bob"]
    assert not r.error, r.error
    assert r.score == 0 and r.max_score == results["alice"].max_score
    assert all("not implemented yet" in c.message for c in r.cells), r.cells
    assert r.seconds < 300


def test_feedback_contains_no_hidden_test_source(graded, root):
    chapter, _ = graded
    secret = [l for c in h.source_notebook(chapter).cells for l in hidden_lines(c.source)
              if len(l) >= 12]
    assert secret
    pages = sorted((root / "grading" / "feedback").glob(f"*/{chapter}/*.html"))
    assert {p.parts[-3] for p in pages} >= {"alice", "bob"}
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        # a hidden line the student wrote too (e.g. `return model` in their own solution, since
        # chapter 6's hidden part builds the reference models) is their code, not a leak
        student = page.parts[-3]
        submitted = (root / "grading" / "submitted" / student / chapter / f"{chapter}.ipynb")
        own = submitted.read_text() if submitted.is_file() else ""
        leaked = [l for l in secret if l in text and json.dumps(l)[1:-1] not in own]
        assert not leaked, f"{page}: {leaked[:3]}"

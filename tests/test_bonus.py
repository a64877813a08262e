"""Bonus exercises are extra credit (issue 14): a student who skips them reaches full marks, and
one who does them gets the bonus on top, alike in nbgrader's gradebook (what the formgrader and
`nbgrader export` show), in `autograde`'s summary and export, and in `check`'s total line.

A bonus test cell has 0 points in nbgrader's metadata and a `# bonus: N points` line; the grader
gives the N points as nbgrader's extra credit when the test passes in nbgrader and in the re-check.
Chapter 3's max_pool_backward is graded here through real nbgrader (two submissions at once),
chapter 4's batchnorm_backward through `check` in tests/test_cli.py.
"""
import csv
import io

import nbformat
import pytest

import attacks as A
import nbharness as h
from autograder import cli, gradebook, intake, nbgrader_run, paths, pipeline
from autograder.results import bonus_tests
from autograder.cells import bonus_points

CH = "03_pooling_flatten"
BONUS_FN = "max_pool_backward"


def without_bonus(chapter, fn):
    """The reference solutions, with the bonus exercise left as released (not implemented)."""
    nb = A.honest_notebook(chapter)
    A.cell_of(nb, fn).source = A.cell_of(h.release_notebook(chapter), fn).source
    assert "NotImplementedError" in A.cell_of(nb, fn).source
    return nb


def stated_points(chapter):
    """(full marks, bonus) as the source notebook's test cells state them."""
    tests = [c for c in h.source_notebook(chapter).cells if h.meta(c).get("grade")]
    return (sum(h.meta(c)["points"] for c in tests), sum(bonus_points(c.source) for c in tests))


@pytest.mark.parametrize("chapter,fn", [(CH, BONUS_FN), ("04_batch_norm", "batchnorm_backward"),
                                        ("07_autoencoders", "relu_contractive_penalty")])
def test_bonus_tests_are_marked_and_worth_nothing_in_nbgrader(chapter, fn):
    for cell in h.source_notebook(chapter).cells:
        m = h.meta(cell)
        if m.get("grade") and m["grade_id"].startswith(f"test_{fn}_"):
            assert m["points"] == 0 and bonus_points(cell.source) > 0, m["grade_id"]
        elif m.get("grade"):
            assert m["points"] > 0 and bonus_points(cell.source) == 0, m["grade_id"]
    full, bonus = stated_points(chapter)
    assert full > 0 and bonus > 0


def total_line(out):
    """What `check` prints after "total"."""
    line = next(line for line in out.splitlines() if line.split()[:1] == ["total"])
    return line.split(None, 1)[1].strip()


def printed(result):
    out = io.StringIO()
    cli._print_result(result, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = paths.scratch_course(tmp_path_factory.mktemp("bonus"))
    nbgrader_run.generate(root, CH)
    work = tmp_path_factory.mktemp("subs")
    submissions = {"skipper": without_bonus(CH, BONUS_FN), "keen": A.honest_notebook(CH)}
    for student, nb in submissions.items():
        path = work / student / f"{CH}.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        intake.submit(root, CH, student, path)
    results = {r.student: r for r in pipeline.grade_many(root, CH, ["skipper", "keen"],
                                                           workers=2, timeout=900)}
    return root, results


@pytest.mark.nbgrader
def test_skipping_the_bonus_reaches_full_marks_and_doing_it_adds_it_on_top(graded):
    _, results = graded
    full, bonus = stated_points(CH)
    skipper, keen = results["skipper"], results["keen"]
    for r in (skipper, keen):
        assert not r.error, r.error
        assert r.full_marks and r.score == r.max_score == full, r.as_dict()
        assert r.bonus_max == bonus
    assert skipper.bonus == 0 and keen.bonus == bonus
    skipped = [c for c in skipper.cells if c.bonus]
    assert len(skipped) == 3 and all(c.score == 0 and "not implemented yet" in c.message
                                     for c in skipped), skipped


@pytest.mark.nbgrader
def test_nbgrader_gradebook_counts_the_bonus_as_extra_credit(graded):
    """What the formgrader and `nbgrader export` read: max score without the bonus, the bonus
    as extra credit in the score."""
    from nbgrader.api import Gradebook
    root, _ = graded
    full, bonus = stated_points(CH)
    with Gradebook(gradebook.url(root), paths.COURSE_ID) as gb:
        assert gb.find_assignment(CH).max_score == full
        keen = gb.find_submission(CH, "keen")
        skipper = gb.find_submission(CH, "skipper")
        assert keen.max_score == skipper.max_score == full
        assert skipper.score == full and keen.score == full + bonus
        extra = {g.name: g.extra_credit for g in keen.notebooks[0].grades if g.extra_credit}
        assert sorted(extra) == sorted(c for c in bonus_tests(root, CH)) and \
            sum(extra.values()) == bonus
        assert not any(g.extra_credit for g in skipper.notebooks[0].grades)
    assert gradebook.bonus_records(gradebook.url(root)) == {(CH, "keen"): bonus,
                                                            (CH, "skipper"): 0.0}


@pytest.mark.nbgrader
def test_summary_check_output_and_export_show_the_bonus_beside_full_marks(graded, tmp_path):
    root, results = graded
    full, bonus = stated_points(CH)
    table = cli._summary_table([results["skipper"], results["keen"]])
    assert "2 graded (2 with full marks)" in table, table
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line.strip()}
    assert rows["keen"][1:4] == [f"{full:g}", f"{full:g}", f"+{bonus:g}"], table
    assert rows["skipper"][1:4] == [f"{full:g}", f"{full:g}", "+0"], table

    out = printed(results["keen"])
    assert total_line(out) == f"{full:g} / {full:g} (+{bonus:g} of {bonus:g} bonus)", out
    out = printed(results["skipper"])
    assert total_line(out) == f"{full:g} / {full:g} (+0 of {bonus:g} bonus)", out
    # a skipped bonus is not a failure
    assert "FAIL" not in out and f"--   test_{BONUS_FN}_example" in out, out

    target = tmp_path / "grades.csv"
    assert cli.main(["--root", str(root), "export", "--format", "nbgrader", "--to",
                     str(target)]) == 0
    with open(target, newline="") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(exported["keen"]["score"]) == full + bonus
    assert float(exported["keen"]["max_score"]) == full
    assert float(exported["keen"]["bonus"]) == bonus
    assert float(exported["skipper"]["score"]) == full and float(exported["skipper"]["bonus"]) == 0

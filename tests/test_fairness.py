"""Correct work never loses a point (issue 14).

Every alternative implementation in tests/fairness.py (loops, einsum, stride tricks, NumPy scalar
results, float32 results, lists as inputs, messages of its own; one submission per chapter and
style) must keep full marks, cell by cell:
- in-process, judged as nbgrader judges (tests/nbharness.py): the fast first check;
- through the trusted re-check alone (autograder.recheck): values crossing the sandbox boundary,
  and no cell of a correct submission reported as failing when the grader runs it;
- through the full instructor path: real nbgrader plus the re-check (pipeline.grade_many, one
  scratch course for the module), ONE submission per chapter that mixes the styles
  (fairness.mixed_styles: exercise i in style i mod n), two chapters at a time; every style still
  reaches nbgrader in some chapter.
A failure names the exercise, the test cell, the points lost and the message.
"""
import time

import nbformat
import pytest

import fairness as F
import nbharness as h
from autograder import intake, nbgrader_run, paths, pipeline
from autograder.recheck import verify

PAIRS = F.submissions()
IDS = [f"{chapter}:{style}" for chapter, style in PAIRS]
# the phrase convlab.testing.assert_raises_value_error uses when a message lacks the words it wants
WANTS_OTHER_WORDS = "so the caller knows what to fix"


def report(chapter, style, lost, cell_errors=()) -> str:
    """lost: [(test cell, points scored, points, message)]; cell_errors: messages of cells that
    failed when the grader ran them -> which exercise lost what, and why. style None: the
    chapter's mixed submission (each exercise in its fairness.mixed_styles style)."""
    chosen = {} if style else F.mixed_styles(chapter)
    what = f"style {style!r} ({F.STYLES[style]})" if style else "the mixed submission"
    lines = [f"{chapter}, {what}: correct work lost points or got an error in its feedback"]
    for gid, got, points, message in lost:
        exercise = F.exercise_of(chapter, gid)
        used = style or chosen.get(exercise)
        alt = F.ALTERNATIVES[chapter][used].get(exercise) if used else None
        how = ((f"{used}: " if chosen else "") + alt.what) if alt else "the reference solution"
        lines.append(f"  {exercise} [{how}]: {gid} scored {got:g} of {points:g}\n"
                     f"      {message.strip()[:600]}")
    for message in cell_errors:
        lines.append(f"  the grader reports a failing cell: {message[:600]}")
    return "\n".join(lines)


def test_every_exercise_has_alternatives():
    """Chapters 1-5 and 7: every exercise in every NumPy style; chapter 6 and build_autoencoder
    (Keras): at least one; the three cases issue 14 reports are in the table."""
    for chapter, table in F.ALTERNATIVES.items():
        exercises = F.exercises(chapter)
        for style, alts in table.items():
            assert style in F.STYLES, style
            assert set(alts) <= set(exercises), (chapter, style, set(alts) - set(exercises))
            if style != "keras" and chapter != "06_cnn_classifier":
                assert set(alts) >= set(exercises) - {"build_autoencoder"}, (chapter, style)
            for gid, alt in alts.items():
                assert f"def {gid}(" in alt.source, (chapter, style, gid)
        covered = {gid for alts in table.values() for gid in alts}
        assert covered == set(exercises), (chapter, set(exercises) - covered)
    missing = set(h.chapters()) - set(F.ALTERNATIVES)
    assert not missing, f"chapters without alternatives in tests/fairness.py: {sorted(missing)}"
    issue = {(c, g) for c, _, g, case in F.named_cases() if case.startswith("issue 14")}
    assert issue == {("01_filter_sliding", "conv_param_count"),
                     ("02_stride_padding", "conv_output_size"),
                     ("03_pooling_flatten", "cnn_shapes")}


@pytest.mark.parametrize("chapter,style", PAIRS, ids=IDS)
def test_style_keeps_full_marks_in_process(chapter, style):
    verdicts = h.grade_in_process(chapter, F.replacements(chapter, style), run_other_cells=False)
    assert verdicts
    lost = [(g, 0, v.points, v.message) for g, v in verdicts.items() if not v.passed]
    if lost:
        pytest.fail(report(chapter, style, lost), pytrace=False)


@pytest.mark.parametrize("chapter,style", PAIRS, ids=IDS)
def test_style_keeps_full_marks_in_the_recheck(chapter, style, tmp_path):
    path = tmp_path / f"{chapter}.ipynb"
    nbformat.write(F.submission(chapter, style), path)
    verdicts = verify(paths.REPO / "solutions" / chapter / f"{chapter}.ipynb", path)
    points = {h.meta(c)["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in h.source_notebook(chapter).cells if h.meta(c).get("grade")}
    assert set(verdicts) == set(points)
    lost = [(g, 0, points[g], v.message) for g, v in verdicts.items() if not v.passed]
    errors = [e.message for e in verdicts.cell_errors]
    if lost or errors:
        pytest.fail(report(chapter, style, lost, errors), pytrace=False)


CHAPTERS = list(F.ALTERNATIVES)


def test_every_style_reaches_nbgrader_in_a_mixed_submission():
    """The nbgrader tier grades one mixed submission per chapter: together they use every style
    and every exercise's alternative in some style."""
    used = {style for chapter in CHAPTERS for style in F.mixed_styles(chapter).values()}
    assert used == set(F.STYLES), set(F.STYLES) - used
    for chapter in CHAPTERS:
        assert set(F.mixed_styles(chapter)) == set(F.exercises(chapter)), chapter


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory):
    """chapter -> GradeResult of its mixed submission, graded by the instructor's path in one
    scratch course: every chapter this session selects, two chapters at a time."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    wanted = [c for c in CHAPTERS if any(
        getattr(item, "callspec", None) and item.callspec.params.get("chapter") == c
        and item.originalname == "test_mixed_styles_keep_full_marks_through_nbgrader"
        for item in request.session.items)]
    root = paths.scratch_course(tmp_path_factory.mktemp("fairness-course"))
    folder = tmp_path_factory.mktemp("submissions")
    for chapter in wanted:
        nbgrader_run.generate(root, chapter)
        path = folder / f"{chapter}.ipynb"
        nbformat.write(F.submission(chapter), path)
        intake.submit(root, chapter, "mixed", path)
    start = time.monotonic()
    # two chapters at a time in two worker processes, as `autograde --workers 2` grades a class
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as workers, \
            ThreadPoolExecutor(2) as chapters:
        results = dict(zip(wanted, chapters.map(
            lambda c: pipeline.grade_many(root, c, ["mixed"], executor=workers, timeout=900)[0],
            wanted)))
    print(f"{len(results)} mixed submissions graded in {time.monotonic() - start:.0f} s")
    return results


@pytest.mark.nbgrader
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_mixed_styles_keep_full_marks_through_nbgrader(graded, chapter):
    r = graded[chapter]
    assert not r.error, f"{chapter}, the mixed submission could not be graded: {r.error}"
    # a bonus test has 0 points in nbgrader; its score is the extra credit it earned
    lost = [(c.grade_id, c.score, max(c.max_score, c.bonus), c.message) for c in r.cells
            if c.score < max(c.max_score, c.bonus)]
    if lost or r.cell_errors:
        note = f"\n  ({r.note})" if r.note else ""
        pytest.fail(report(chapter, None, lost, r.cell_errors) + note, pytrace=False)
    assert r.cells and r.max_score > 0 and not r.note, (r.max_score, r.note)
    assert (r.score, r.bonus) == (r.max_score, r.bonus_max), \
        (r.score, r.max_score, r.bonus, r.bonus_max)


@pytest.mark.parametrize("case", F.OWN_WORDS + [F.VAGUE],
                         ids=[f"{w.chapter}:{w.exercise}:{w.language}:{w.message[:24]}"
                              for w in F.OWN_WORDS + [F.VAGUE]])
def test_a_clear_message_in_the_students_own_words_keeps_the_points(case, monkeypatch):
    """A validation message that names the offending argument (or, in the Chinese edition, its
    Chinese term) and says what was expected keeps the points, whatever its words; a vague one
    does not."""
    monkeypatch.setenv("CONVLAB_LANG", case.language)
    verdicts = h.grade_in_process(case.chapter, {case.exercise: case.source()},
                                  run_other_cells=False)
    failed = {g: v.message for g, v in verdicts.items() if not v.passed}
    if case is F.VAGUE:
        assert set(failed) == {f"test_{case.exercise}_errors"}, failed
        assert WANTS_OTHER_WORDS in failed[f"test_{case.exercise}_errors"]
    else:
        assert not failed, failed

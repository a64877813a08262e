"""Every wrong implementation loses points; some only to the hidden tests (in-process, fast)."""
import importlib

import pytest

import nbharness as h

CHAPTERS = h.chapters()


def mutant_module(chapter):
    return importlib.import_module(f"mutants_{chapter}")


def test_every_chapter_has_mutants():
    for chapter in CHAPTERS:
        assert mutant_module(chapter).MUTANTS, f"chapter {chapter} has no mutants"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_reference_solution_passes_in_process(chapter):
    verdicts = h.grade_in_process(chapter)
    failed = {g: v.message for g, v in verdicts.items() if not v.passed}
    assert not failed
    got, total = h.score(verdicts)
    assert got == total > 0


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_mutant_loses_points(chapter):
    mod = mutant_module(chapter)
    full_marks = h.score(h.grade_in_process(chapter))[1]
    survivors = []
    for name, replacement in mod.MUTANTS.items():
        got, total = h.score(h.grade_in_process(chapter, replacement, run_other_cells=False))
        assert total == full_marks
        if got >= total:
            survivors.append(name)
    assert not survivors, f"mutants that still get full marks: {survivors}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_hidden_tests_catch_what_visible_tests_miss(chapter):
    """The hidden-only mutants pass every visible test and fail a hidden one."""
    mod = mutant_module(chapter)
    assert mod.HIDDEN_ONLY, "each chapter needs mutants that only hidden tests can catch"
    for name in mod.HIDDEN_ONLY:
        replacement = mod.MUTANTS[name]
        visible = h.grade_in_process(chapter, replacement, hidden=False, run_other_cells=False)
        hidden = h.grade_in_process(chapter, replacement, run_other_cells=False)
        assert all(v.passed for v in visible.values()), (name, visible)
        assert not all(v.passed for v in hidden.values()), name


def test_failure_messages_name_the_mistake():
    """Feedback names a flipped kernel, a missing bias, a missing return."""
    mod = mutant_module("01_filter_sliding")
    cases = {
        "single: kernel flipped (mathematical convolution)": ("test_conv2d_single_vs_tf", "flipped the kernel"),
        "multi: bias missing": ("test_conv2d_multi_vs_tf", "bias is missing"),
        "multi: bias added once per input channel": ("test_conv2d_multi_vs_tf", "once per input channel"),
        "single: returns nothing": ("test_conv2d_single_example", "forget `return`"),
        "multi: channel axes of the filters swapped": ("test_conv2d_multi_vs_tf", "axes are swapped"),
    }
    for name, (grade_id, phrase) in cases.items():
        verdicts = h.grade_in_process("01_filter_sliding", mod.MUTANTS[name], run_other_cells=False)
        assert phrase in verdicts[grade_id].message, (name, verdicts[grade_id].message)

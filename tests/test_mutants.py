"""Every wrong implementation loses points; some only to the hidden tests (in-process, fast)."""
import importlib
import itertools

import numpy as np
import pytest

import nbharness as h
from autograder import cells

CHAPTERS = h.chapters()


def mutant_module(chapter):
    return importlib.import_module(f"mutants_{chapter}")


def test_every_chapter_has_mutants():
    for chapter in CHAPTERS:
        assert mutant_module(chapter).MUTANTS, f"chapter {chapter} has no mutants"


# The reference solution's in-process run is tests/test_i18n.py's
# test_the_chinese_notebook_passes_every_test_in_chinese (the code cells of both editions are the
# same; one run of each chapter's reference is enough); real nbgrader grades the English one in
# tests/test_nbgrader_roundtrip.py.


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_mutant_loses_points(chapter):
    """Each mutant fails a test cell worth points (grading stops there: what follows cannot
    give the points back); one that fails none has run every test cell and kept full marks."""
    mod = mutant_module(chapter)
    full_marks = h.full_marks(chapter)
    tests = {h.meta(c)["grade_id"] for c in h.source_notebook(chapter).cells if cells.is_test(c)}
    survivors = []
    for name, replacement in mod.MUTANTS.items():
        assert not set(replacement) & tests, f"{name}: a mutant replaces solution cells only"
        verdicts = h.grade_in_process(chapter, replacement, run_other_cells=False,
                                      stop=h.loses_points)
        if not any(h.loses_points(v) for v in verdicts.values()):
            assert set(verdicts) == tests and h.score(verdicts) == (full_marks, full_marks)
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
        hidden = h.grade_in_process(chapter, replacement, run_other_cells=False,
                                    stop=lambda v: not v.passed)
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


def _message_cases():
    for chapter in CHAPTERS:
        for name, (grade_id, phrase) in getattr(mutant_module(chapter), "MESSAGES", {}).items():
            yield pytest.param(chapter, name, grade_id, phrase, id=f"{chapter}: {name}")


@pytest.mark.parametrize("chapter, name, grade_id, phrase", list(_message_cases()))
def test_mutant_loses_points_and_feedback_names_its_mistake(chapter, name, grade_id, phrase):
    """The mutant fails the given test cell, and the message's "Likely cause" names the mistake."""
    verdicts = h.grade_in_process(chapter, mutant_module(chapter).MUTANTS[name],
                                  run_other_cells=False, stop=lambda v: v.grade_id == grade_id)
    message = verdicts[grade_id].message
    assert not verdicts[grade_id].passed and verdicts[grade_id].points > 0, (name, message)
    assert "Likely cause" in message, (name, message)
    assert phrase in message.split("Likely cause", 1)[1], (name, message)


def _defined(source, fn):
    """``fn`` as ``source`` defines it (chapter 2's size functions need only np and validate)."""
    from convlab import validate
    ns = {"np": np, "validate": validate}
    exec(source, ns)
    return ns[fn]


def _reference_source(chapter, grade_id):
    return next(c.source for c in h.source_notebook(chapter).cells
                if h.meta(c).get("grade_id") == grade_id)


def _size_args():
    for i, k, p, s, d in itertools.product(range(1, 13), range(1, 6), range(3), range(1, 4), range(1, 4)):
        if k + (k - 1) * (d - 1) <= i + 2 * p:
            yield i, k, p, s, d


def _rf_args():
    pairs = list(itertools.product(range(1, 5), range(1, 4)))
    for depth in (1, 2, 3):
        for layers in itertools.product(pairs, repeat=depth):
            yield (list(layers),)


INT_CAUSES = [   # (mutant, the function it breaks, a grid of arguments, phrase of the cause)
    ("size: dilation ignored", "conv_output_size", _size_args, "the dilation is ignored"),
    ("size: effective kernel k * d", "conv_output_size", _size_args, "k·d"),
    ("size: ceil instead of floor", "conv_output_size", _size_args, "you rounded up"),
    ("size: padding counted on one side only", "conv_output_size", _size_args, "one side only"),
    ("rf: own stride included", "receptive_field", _rf_args, "own stride is multiplied"),
    ("rf: strides ignored", "receptive_field", _rf_args, "the strides are ignored"),
]


@pytest.mark.parametrize("name, fn, arguments, phrase", INT_CAUSES,
                         ids=[f"02_stride_padding: {c[0]}" for c in INT_CAUSES])
def test_int_catalogue_names_the_mistake_wherever_it_shows(name, fn, arguments, phrase):
    """On every argument grid point where the mutant's int differs from the reference's, the
    catalogue's first match for it (as convlab.testing matches) names the mutant's mistake."""
    from convlab import mistakes, testing
    chapter = "02_stride_padding"
    wrong = _defined(mutant_module(chapter).MUTANTS[name][fn], fn)
    reference = _defined(_reference_source(chapter, fn), fn)
    catalogue = getattr(mistakes, fn)
    differ = 0
    for args in arguments():
        try:
            got = wrong(*args)
        except ValueError:            # e.g. a kernel of k·d cells that does not fit: no int
            continue
        if got == reference(*args):
            continue
        differ += 1
        cause = testing._explain(np.asarray(float(got)), catalogue(*args), 0, 0)
        assert phrase in cause, (name, args, got, cause)
    assert differ > 20, f"{name} differs from the reference on only {differ} grid points"


def test_conv2d_same_padding_causes_named_exactly_when_they_fit():
    """conv2d with SAME padding: each way of padding wrongly is named by the catalogue entry whose
    output equals it, and by no entry whose output differs (checked with tf.nn.conv2d)."""
    from convlab import mistakes
    from convlab.padding import tf_same_padding
    from convlab.testing import tensorflow
    tf = tensorflow()

    def conv(images, filters, bias, stride, padding):
        if not isinstance(padding, str):
            padding = [[0, 0], *map(list, padding), [0, 0]]
        return tf.nn.conv2d(images, filters, strides=stride, padding=padding).numpy()

    def same(a, b):
        return a.shape == b.shape and np.allclose(a, b)

    variants = [   # (phrase of the cause, (before, after) from the total t and the kernel k)
        ("total // 2 on both sides", lambda t, k: (t // 2, t // 2)),
        ("ceil(total / 2) on both sides", lambda t, k: (-(-t // 2), -(-t // 2))),
        ("at the top/left instead of the bottom/right", lambda t, k: (t - t // 2, t // 2)),
        ("as for stride 1", lambda t, k: ((k - 1) // 2, k // 2)),
    ]
    rng = np.random.default_rng(14)
    named = 0
    for height, width, kh, kw, sh, sw in itertools.product((1, 2, 4, 7, 8), (3, 6), (1, 2, 3, 4),
                                                           (2, 3), (1, 2, 3), (1, 3)):
        x, f = rng.standard_normal((1, height, width, 1)), rng.standard_normal((kh, kw, 1, 1))
        expected = conv(x, f, None, (sh, sw), "SAME")
        entries = [(text, compute()) for text, compute
                   in mistakes.conv2d_strided(x, f, None, (sh, sw), "SAME", conv)
                   if "SAME padding differs" in text]
        assert not any(same(out, expected) for _, out in entries)
        totals = (sum(tf_same_padding(height, kh, sh)), sum(tf_same_padding(width, kw, sw)))
        for why, pad in variants:
            out = conv(x, f, None, (sh, sw), (pad(totals[0], kh), pad(totals[1], kw)))
            for text, entry_out in entries:
                assert (why in text) == same(out, entry_out), ((height, width, kh, kw, sh, sw),
                                                               why, text)
            named += not same(out, expected)
    assert named > 100

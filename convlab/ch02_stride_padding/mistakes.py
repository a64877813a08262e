"""Chapter 2's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
``same_padding`` returns the line to add to its test's message instead: a pair of ints is compared
directly.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from convlab.i18n import N_, _
from convlab.testing import Explanation, either, likely_cause, mistake

from . import compute


def _grouped(right, candidates) -> list:
    """(explanation, value) candidates -> (explanation, compute) pairs, dropping those that give
    the right answer and joining those that give the same wrong one (an int matches several
    mistakes at once more often than an array does: name them all rather than guess)."""
    by_value: dict = {}
    for explanation, value in candidates:
        if value != right:
            by_value.setdefault(value, []).append(explanation)
    return [(either(explanations), lambda v=value: v)
            for value, explanations in by_value.items()]


def conv_output_size(i: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> list:
    """Mistakes in the output-size formula floor((i + 2p - k_eff) / s) + 1; each compute returns
    the int the mistaken formula gives for these arguments."""
    i, k, p, s, d = (int(v) for v in (i, k, p, s, d))
    k_eff = k + (k - 1) * (d - 1)
    right = (i + 2 * p - k_eff) // s + 1
    candidates = []
    if d > 1:
        candidates += [
            (mistake("conv_output_size.dilation_ignored",
             _("the dilation is ignored: a kernel of k taps with dilation d spans k_eff = "
               "k + (k - 1)(d - 1) cells (here {k_eff}, not k = {k}); use k_eff in place of k: "
               "floor((i + 2p - k_eff) / s) + 1.").format(k_eff=k_eff, k=k)),
             (i + 2 * p - k) // s + 1),
            (mistake("conv_output_size.dilated_span_k_times_d",
             _("the dilated kernel is taken to span k·d = {kd} cells; it spans "
               "k + (k - 1)(d - 1) = {k_eff} (the d - 1 gaps sit only between the k taps).").format(
                   kd=k * d, k_eff=k_eff)),
             (i + 2 * p - k * d) // s + 1),
        ]
    if p > 0:
        candidates.append((mistake("conv_output_size.padding_one_side",
                           "the padding is counted on one side only: p zeros go on each side, "
                           "so the padded input has i + 2p cells."), (i + p - k_eff) // s + 1))
    if s > 1:
        candidates += [
            (mistake("conv_output_size.rounded_up",
             "you rounded up; the formula rounds down (floor): a window that would stick out "
             "past the padded input is dropped."), -(-(i + 2 * p - k_eff) // s) + 1),
            (mistake("conv_output_size.stride_ignored",
             "the stride is ignored: windows start every s cells, so divide by s before "
             "adding 1."), i + 2 * p - k_eff + 1),
        ]
    return _grouped(right, candidates)


def receptive_field(layers) -> list:
    """Mistakes in the receptive field r = 1 + sum_l (k_l - 1) * jump_l of a stack of (k, s)
    layers, jump_l = s_1 ... s_(l-1); each compute returns the int the mistake gives."""
    layers = [(int(k), int(s)) for k, s in layers]

    def field(own_stride=False, strides=True, start=1):
        r, jump = start, 1
        for k, s in layers:
            if own_stride:
                jump *= s
            r += (k - 1) * (jump if strides else 1)
            if not own_stride:
                jump *= s
        return r

    return _grouped(field(), [
        (mistake("receptive_field.own_stride_counted",
         "the layer's own stride is multiplied into its receptive field (the jump product is one "
         "layer ahead): layer l adds (k_l - 1) times the product of the strides of the layers "
         "BEFORE it; its own stride s_l only spreads out the layers after it. Add "
         "(k - 1) * jump first, then jump *= s."), field(own_stride=True)),
        (mistake("receptive_field.strides_ignored",
         "the strides are ignored: after a layer of stride s, neighbouring values are s input "
         "cells apart, so each later layer adds (k - 1) times the product of the earlier "
         "strides."), field(strides=False)),
        (mistake("receptive_field.off_by_one",
         "off by one: start from r = 1 (one output value of no layers sees one pixel), then add "
         "(k - 1) * jump per layer."), field(start=0)),
    ])



def same_padding(got, expected, i: int, s: int = 1) -> str:
    """What a wrong (before, after) from ``same_padding(i, k, s, d)`` most likely got wrong, as a
    line for the test's failure message ("" when neither known mistake fits); ``expected`` is
    TensorFlow's (before, after)."""
    got, expected = tuple(got), tuple(expected)
    if got == expected[::-1]:
        return likely_cause(mistake(
            "same_padding.extra_before",
            "TensorFlow puts the extra cell after (bottom/right), not before (top/left)"))
    if sum(got) != sum(expected):
        return "\n" + _("The total padding differs: TensorFlow pads {total} cells in all "
                        "(o = ceil(i / s) = {o}; total = max((o - 1)s + k_eff - i, 0))").format(
                            total=sum(expected), o=-(-i // s))
    return ""

_SAME_VARIANTS = (
    # (the mistake's name, why the student's code pads this way, (before, after) along one axis
    # from the total t TensorFlow pads there and the kernel size k)
    # (the explanations are translated by mistake(), where they are shown)
    ("same_symmetric_floor", N_("symmetric padding with total // 2 on both sides (the odd extra "
                                "row/column is missing, so the output is one row/column short)"),
     lambda t, k: (t // 2, t // 2)),
    ("same_symmetric_ceil", N_("symmetric padding with ceil(total / 2) on both sides (the odd extra "
                               "row/column goes at the top/left as well, so the windows start one "
                               "cell too early)"),
     lambda t, k: (t - t // 2, t - t // 2)),
    ("same_extra_top_left", N_("the odd extra row/column put at the top/left instead of the "
                               "bottom/right"),
     lambda t, k: (t - t // 2, t // 2)),
    ("same_stride_ignored", N_("the total computed as for stride 1 (k - 1), ignoring the stride"),
     lambda t, k: ((k - 1) // 2, k - 1 - (k - 1) // 2)),
)


def _same_mistakes(h, w, kh, kw, sh, sw, exercise: str = "conv2d") -> list:
    """SAME paddings students compute instead of TensorFlow's, as (why, pads) with pads
    ((top, bottom), (left, right)); the ids are "<exercise>.<name>" (chapter 3's pool2d pads
    the same way). Paddings that give the same output (the same padding before the image and
    the same number of windows along each axis) are one entry naming every way the student may
    have got there: the output cannot tell them apart."""
    axes = ((h, kh, sh), (w, kw, sw))
    right = tuple(compute.same_padding(i, k, s) for i, k, s in axes)

    def key(pads):
        out = []
        for (i, k, s), (before, after) in zip(axes, pads):
            count = max((i + before + after - k) // s + 1, 0)
            out.append((before, count) if count else (0, 0))   # no window: nothing to tell apart
        return tuple(out)

    groups: dict = {}
    for name, why, pad in _SAME_VARIANTS:
        pads = tuple(tuple(int(v) for v in pad(sum(tf_pair), k))
                     for (i, k, s), tf_pair in zip(axes, right))
        g = key(pads)
        if g != key(right):
            groups.setdefault(g, (pads, []))[1].append(mistake(f"{exercise}.{name}", why))
    tf_pads = tuple(tuple(int(v) for v in pair) for pair in right)
    return [(_same_explanation(pads, tf_pads, whys), pads) for pads, whys in groups.values()]


def _same_explanation(pads, tf_pads, whys) -> Explanation:
    """One explanation for a wrong SAME padding, naming every way to it; it keeps their ids."""
    causes = either(whys, _(", or from "))
    text = Explanation(_(
        "the SAME padding differs from TensorFlow's: your output is what padding {pads} gives "
        "((top, bottom), (left, right)); TensorFlow pads {tf_pads}. That comes from {causes}. "
        "TensorFlow: total = max((o - 1)s + k - i, 0) with o = ceil(i / s); total // 2 zeros at "
        "the top/left, the rest (total - total // 2) at the bottom/right.").format(
            pads=pads, tf_pads=tf_pads, causes=causes))
    text.ids = causes.ids
    return text


def conv2d(images: np.ndarray, filters: np.ndarray, bias, stride, padding,
                   conv: Callable) -> list:
    """Mistakes in a conv2d with stride and padding; ``conv(images, filters, bias, stride,
    padding)`` is the oracle (padding "VALID", "SAME", an int or ((top, bottom), (left, right)))."""
    sh, sw = (stride, stride) if isinstance(stride, (int, np.integer)) else tuple(stride)
    n, h, w, c = images.shape
    kh, kw = filters.shape[:2]
    zero = None if bias is None else np.zeros_like(bias)
    found = []
    if isinstance(padding, str) and padding.upper() == "SAME":
        found += [(why, lambda pads=pads: conv(images, filters, bias, stride, pads))
                  for why, pads in _same_mistakes(h, w, kh, kw, sh, sw)]
    found += [
        (mistake("conv2d.stride_ignored",
         "the stride is ignored: the windows must start every sh rows and sw columns."),
         lambda: conv(images, filters, bias, 1, padding)),
        (mistake("conv2d.stride_rows_only",
         "the stride is applied to the rows only; the columns need it too."),
         lambda: conv(images, filters, bias, (sh, 1), padding)),
        (mistake("conv2d.stride_columns_only",
         "the stride is applied to the columns only; the rows need it too."),
         lambda: conv(images, filters, bias, (1, sw), padding)),
        (mistake("conv2d.strides_swapped",
         "the strides are swapped: stride (sh, sw) means sh between rows, sw between columns."),
         lambda: conv(images, filters, bias, (sw, sh), padding)),
        (mistake("conv2d.flipped_filters",
         "you flipped the filters spatially. tf.nn.conv2d is cross-correlation: no flip."),
         lambda: conv(images, filters[::-1, ::-1], bias, stride, padding)),
    ]
    if bias is not None:
        found.append((mistake("conv2d.bias_missing",
                      "the bias is missing: add bias[f] to every value of output channel f."),
                      lambda: conv(images, filters, zero, stride, padding)))
    return found

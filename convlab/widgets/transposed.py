"""Chapter 5: transposed convolution and its checkerboard.

    TransposedConvExplorer(transpose_fn=conv2d_transpose)

Sliders for the input size i, kernel size k and stride s. A VALID transposed convolution of an
all-ones i x i image with an all-ones k x k kernel scatters one kernel footprint per input pixel;
the figure shows how many footprints cover each output cell (outlined: the first row of
footprints). When k is not a multiple of s the counts alternate: the checkerboard artefact. The
student's own ``conv2d_transpose`` runs on the same input and is compared cell by cell.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from .base import BAD, OK, GuardedView
from .. import plotting, validate, variants


class TransposedConvExplorer(GuardedView):
    """``transpose_fn(images, filters, output_shape, stride, padding)`` (optional)."""

    def __init__(self, transpose_fn=None, i: int = 4, k: int = 3, s: int = 2):
        validate.callable_or_none(transpose_fn, "transpose_fn")
        i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
        self.transpose_fn = transpose_fn
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        self.i = W.IntSlider(value=min(i, 8), min=1, max=8, description="input size i", **slider)
        self.k = W.IntSlider(value=min(k, 6), min=1, max=6, description="kernel size k", **slider)
        self.s = W.IntSlider(value=min(s, 4), min=1, max=4, description="stride s", **slider)
        self.info = W.HTML()
        self.status = W.HTML()
        self.figure = W.Image(format="png")
        self.callback_log = W.Output()
        super().__init__([W.HBox([self.i, self.k, self.s]), self.info, self.status, self.figure,
                          self.callback_log])
        for w in (self.i, self.k, self.s):
            w.observe(self._on_change, names="value")
        self._guard(self._draw)

    def _on_change(self, change):
        self._guard(self._draw)

    def _draw(self):
        i, k, s = int(self.i.value), int(self.k.value), int(self.s.value)
        counts = variants.overlap_counts(i, k, s)
        o = counts.shape[0]
        inner = counts[k - 1:o - k + 1, k - 1:o - k + 1] if o > 2 * (k - 1) else counts
        uneven = inner.size > 0 and inner.min() != inner.max()
        self.info.value = (
            f"<div style='font-family:monospace'>output size = s(i - 1) + k = {s}·({i} - 1) + {k}"
            f" = {o}</div><div>" + (
                f"k = {k} is not a multiple of s = {s}: inside, cells are covered "
                f"{inner.min():g} to {inner.max():g} times, a <b>checkerboard</b>."
                if uneven else
                f"Inside the border every cell is covered equally often: no checkerboard "
                f"(k = {k} is a multiple of s = {s}, or there is no inside).") + "</div>")
        student = None
        if self.transpose_fn is None:
            self.status.value = "<div>No function given: showing the true footprint counts.</div>"
        else:
            run = variants.run_transpose_fn(self.transpose_fn, i, k, s)
            if run.error:
                self.status.value = (f"<div style='color:{BAD}'><b>Your function:</b> "
                                     f"{html.escape(run.error)}</div>")
            else:
                student = run.value
                bad = int((~np.isclose(student, counts)).sum())
                self.status.value = (
                    f"<div style='color:{OK}'>your conv2d_transpose matches the footprint counts "
                    f"&#10003;</div>" if bad == 0 else
                    f"<div style='color:{BAD}'>your conv2d_transpose differs in {bad} of "
                    f"{counts.size} cells &#10007;</div>")
        self._show_figure((i, k, s), lambda: plotting.transposed_figure(counts, k, s, student))

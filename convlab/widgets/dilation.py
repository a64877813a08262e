"""Chapter 5: dilated (atrous) convolution.

    DilationExplorer(dilate_fn=dilate_kernel)

Sliders for the input size i, kernel size k and dilation d. The figure shows the k x k taps of
one output spread d cells apart over the i x i input, their span k_eff = k + (k - 1)(d - 1)
(the receptive field of one output) and the true dilated kernel; the text gives the output sizes
for VALID and SAME padding and what two such layers in a row see (the gridding artefact). The
student's own ``dilate_kernel`` runs on a k x k kernel numbered 1 .. k*k and is compared with the
true dilated kernel, cell by cell.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from .base import BAD, OK, GuardedView
from .. import plotting, validate, variants

RANGES = {"i": (1, 16), "k": (1, 5), "d": (1, 4)}


def _in_range(value, name: str) -> int:
    value = validate.positive_int(value, name)
    lo, hi = RANGES[name]
    validate.require(lo <= value <= hi, f"{name} must be between {lo} and {hi}; got {value}")
    return value


class DilationExplorer(GuardedView):
    """``dilate_fn(kernel (k, k, C, F), d) -> (k_eff, k_eff, C, F)`` (optional)."""

    def __init__(self, dilate_fn=None, i: int = 7, k: int = 3, d: int = 2):
        validate.callable_or_none(dilate_fn, "dilate_fn")
        i, k, d = (_in_range(v, n) for v, n in ((i, "i"), (k, "k"), (d, "d")))
        self.dilate_fn = dilate_fn
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        self.i = W.IntSlider(value=i, min=RANGES["i"][0], max=RANGES["i"][1],
                             description="input size i", **slider)
        self.k = W.IntSlider(value=k, min=RANGES["k"][0], max=RANGES["k"][1],
                             description="kernel size k", **slider)
        self.d = W.IntSlider(value=d, min=RANGES["d"][0], max=RANGES["d"][1],
                             description="dilation d", **slider)
        self.info = W.HTML()
        self.status = W.HTML()
        self.figure = W.Image(format="png")
        self.callback_log = W.Output()
        super().__init__([W.HBox([self.i, self.k, self.d]), self.info, self.status, self.figure,
                          self.callback_log])
        for w in (self.i, self.k, self.d):
            w.observe(self._on_change, names="value")
        self._guard(self._draw)

    def _on_change(self, change):
        self._guard(self._draw)

    @staticmethod
    def info_lines(g) -> list:
        """The lines of text shown for geometry ``g`` (a variants.DilationGeometry)."""
        i, k, d, ke = g.i, g.k, g.d, g.k_eff
        lines = [f"k_eff = k + (k - 1)(d - 1) = {k} + {k - 1}·{d - 1} = {ke}",
                 f"One output reads k·k = {k * k} of the {ke}x{ke} = {ke * ke} input cells it "
                 f"spans: receptive field {ke}x{ke}, with the {k * k} weights of a {k}x{k} kernel."]
        if g.valid:
            lines.append(f"VALID: o = floor((i - k_eff)/1) + 1 = floor(({i} - {ke})/1) + 1 = "
                         f"{g.valid}")
        else:
            lines.append(f"VALID: no output: the dilated kernel spans {ke} cells but the input "
                         f"has only {i}.")
        before, after = g.same_pad
        lines.append(f"SAME: o = i = {g.same}, padding {before} before and {after} after "
                     f"(k_eff - 1 = {ke - 1} in all).")
        s, seen = g.stacked, g.stacked_seen
        lines.append(f"Two such layers in a row: receptive field 2(k_eff - 1) + 1 = {s}, " + (
            f"but only {seen}x{seen} of its {s}x{s} cells reach the output (gridding)."
            if seen < s else "and every one of its cells reaches the output."))
        return lines

    def _draw(self):
        i, k, d = int(self.i.value), int(self.k.value), int(self.d.value)
        g = variants.dilation_geometry(i, k, d)
        lines = self.info_lines(g)
        self.info.value = (f"<div style='font-family:monospace'>{html.escape(lines[0])}</div>"
                           + "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:]))
        true = variants.dilated_kernel(variants.tap_kernel(k), d)[:, :, 0, 0]
        student = None
        if self.dilate_fn is None:
            self.status.value = ("<div>No function given: showing the true dilated kernel.</div>")
        else:
            run = variants.run_dilate_fn(self.dilate_fn, k, d)
            if run.error:
                self.status.value = (f"<div style='color:{BAD}'><b>Your function:</b> "
                                     f"{html.escape(run.error)}</div>")
            else:
                student = run.value
                name = html.escape(getattr(self.dilate_fn, "__name__", "your function"))
                bad = int((~np.isclose(student, true)).sum())
                self.status.value = (
                    f"<div style='color:{OK}'>your {name} matches the true dilated kernel "
                    f"&#10003; ({g.k_eff}x{g.k_eff})</div>" if bad == 0 else
                    f"<div style='color:{BAD}'>your {name} differs from the true dilated kernel "
                    f"in {bad} of {true.size} cells &#10007;</div>")
        self.figure.value = plotting.to_png(plotting.dilation_figure(g, true, student))

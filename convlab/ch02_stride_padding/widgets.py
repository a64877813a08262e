"""Chapter 2: stride, padding, dilation and the output-size formula.

    PaddingExplorer(size_fn=conv_output_size, padding_fn=same_padding)

Sliders for the input size, kernel size, padding, stride and dilation, and a VALID / SAME /
explicit-padding toggle. The figure shows the padded grid, every window position, the output grid
and the cells the floor drops (hatched red); for SAME, the extra cell TensorFlow puts at the
bottom/right is orange. The formula is shown with the numbers filled in, and the student's own
``conv_output_size`` / ``same_padding`` are compared with the true values.
"""
from __future__ import annotations

import html

import ipywidgets as W

from convlab import studentfn, validate
from convlab.widgets.base import SLIDER, GuardedView, bad, failed, ok

from . import compute, figures


class PaddingExplorer(GuardedView):
    """``size_fn(i, k, p, s, d) -> int`` and ``padding_fn(i, k, s, d) -> (before, after)``,
    both optional."""

    def __init__(self, size_fn=None, padding_fn=None, i: int = 7, k: int = 3, p: int = 0,
                 s: int = 2, d: int = 1, mode: str = "SAME"):
        validate.callable_or_none(size_fn, "size_fn")
        validate.callable_or_none(padding_fn, "padding_fn")
        validate.require(mode in compute.MODES,
                         f"mode must be one of {', '.join(compute.MODES)}; got {mode!r}")
        self.size_fn, self.padding_fn = size_fn, padding_fn
        self.i = W.IntSlider(value=i, min=1, max=16, description="input size i", **SLIDER)
        self.k = W.IntSlider(value=k, min=1, max=7, description="kernel size k", **SLIDER)
        self.p = W.IntSlider(value=p, min=0, max=4, description="padding p", **SLIDER)
        self.s = W.IntSlider(value=s, min=1, max=5, description="stride s", **SLIDER)
        self.d = W.IntSlider(value=d, min=1, max=4, description="dilation d", **SLIDER)
        self.mode = W.ToggleButtons(options=list(compute.MODES), value=mode,
                                    description="padding")
        self.formula = W.HTML()
        self.geometry = None
        super().__init__([W.HBox([self.i, self.k, self.p]), W.HBox([self.s, self.d]), self.mode,
                          self.formula])
        self._redraw_on([self.i, self.k, self.p, self.s, self.d, self.mode])
        self._guard(self._draw)

    def settings(self) -> tuple:
        """(i, k, p, s, d, mode); p is the padding actually used in "explicit" mode, else 0."""
        mode = self.mode.value
        p = int(self.p.value) if mode == "explicit" else 0
        return int(self.i.value), int(self.k.value), p, int(self.s.value), int(self.d.value), mode

    def _draw(self):
        i, k, p, s, d, mode = self.settings()
        self.p.disabled = mode != "explicit"
        pad = p if mode == "explicit" else mode
        try:
            g = compute.geometry(i, k, s, d, pad)
        except ValueError as exc:
            self.geometry = None
            self.formula.value = bad(f"<b>No output:</b> {html.escape(str(exc))}. Make the input "
                                     f"or the padding larger, or the kernel/dilation smaller.")
            self.status.value = self._status_html(i, k, p, s, d, mode, None)
            return
        self.geometry = g
        lines = [f"<div style='font-family:monospace'>{html.escape(g.formula)}</div>"]
        if g.dropped:
            lines.append(f"<div>The floor drops {len(g.dropped)} row(s)/column(s) at the "
                         f"bottom/right (hatched red): no window reaches them.</div>")
        if g.extra_after:
            lines.append("<div>SAME: the total padding is odd, so TensorFlow puts the extra "
                         "row/column at the bottom/right (orange).</div>")
        self.formula.value = "".join(lines)
        self.status.value = self._status_html(i, k, p, s, d, mode, g)
        self._show_figure((i, k, p, s, d, mode), lambda: figures.padding_figure(g))

    def _status_html(self, i, k, p, s, d, mode, g) -> str:
        parts = []
        if self.size_fn is not None:
            args = (i, k, g.before if (g and mode == "SAME") else p, s, d)
            name = studentfn.name_of(self.size_fn)
            run = compute.run_size_fn(self.size_fn, *args)
            if mode == "SAME" and g and g.before != g.after:
                parts.append(f"<div>(SAME is asymmetric here; {html.escape(name)} is called with "
                             f"p = {g.before}, the smaller side.)</div>")
            try:
                true = compute.output_size(i, k, args[2], None, s, d)
            except ValueError:
                true = None
            parts.append(self._verdict(name, args, run, true, "a ValueError (kernel does not fit)"))
        if self.padding_fn is not None and mode == "SAME":
            name = studentfn.name_of(self.padding_fn)
            args = (i, k, s, d)
            run = compute.run_size_fn(self.padding_fn, *args, expect="pair")
            parts.append(self._verdict(name, args, run, compute.same_padding(i, k, s, d), ""))
        if not parts:
            return "<div>No function given: showing the true geometry.</div>"
        return "".join(parts)

    @staticmethod
    def _verdict(name, args, run, true, raise_text) -> str:
        call = html.escape(f"{name}{args}")
        if true is None:
            if run.error and "raised ValueError" in run.error:
                return ok(f"{call} raises ValueError, as it should.")
            got = run.error or f"returned {run.value}"
            return bad(f"{call}: {html.escape(got)}; expected {raise_text}.")
        if run.error:
            return failed(run.error)
        if run.value == true:
            return ok(f"{call} = {run.value} &#10003; (true: {true})")
        return bad(f"{call} = {run.value} &#10007; differs; the true value is {true}")

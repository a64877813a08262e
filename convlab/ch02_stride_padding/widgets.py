"""Chapter 2: stride, padding, dilation and the output-size formula, drawn in the browser
(:mod:`convlab.widgets.canvas`).

    PaddingExplorer(size_fn=conv_output_size, padding_fn=same_padding)

Controls for the input size, kernel size, padding, stride and dilation, and a SAME / VALID /
explicit-padding toggle (each change computes the geometry again, in Python). The canvas shows the
padded input (input white, zero padding grey, TensorFlow's extra SAME row/column darker, the
rows/columns the floor drops outlined in red) and the output filling in window by window; the
window slider and its play button move in the browser without a kernel round trip. Each output
cell holds how many of its window's taps land on real pixels (the rest read padding zeros).

Before it shows them, the widget asks for the output size and, at every window, where the next
window starts (input coordinates: negative in the padding), judged against the reference geometry
(:mod:`convlab.widgets.predict`). The student's ``conv_output_size`` and ``same_padding`` are
called for the settings shown and compared with the windows drawn.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.i18n import _
from convlab.widgets.base import SLIDER, bad, failed, ok
from convlab.widgets.canvas import CanvasView, Slider, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute

# the padded input's cells: input, zero padding, TensorFlow's extra SAME row/column
INPUT, PADDING, SAME_EXTRA = 1.0, 0.62, 0.38
WINDOW, TAP, OUTPUT = "#e6550d", "#1f4e79", "#e6550d"


def kinds(g: compute.Geometry) -> np.ndarray:
    """(padded, padded) cell kinds of a square input of geometry ``g``: INPUT, PADDING or
    SAME_EXTRA (the extra row/column SAME puts at the bottom/right)."""
    n = g.padded
    axis = np.full(n, PADDING)
    axis[g.before:g.before + g.i] = INPUT
    if g.extra_after:
        axis[n - g.extra_after:] = SAME_EXTRA
    return np.minimum(axis[:, None], axis[None, :])


def real_taps(g: compute.Geometry) -> np.ndarray:
    """(o, o): how many of each window's k x k taps land on input pixels (not padding)."""
    inside = [sum(g.before <= t < g.before + g.i for t in g.taps(start)) for start in g.starts]
    return np.outer(inside, inside).astype(float)


def window_start(g: compute.Geometry, r: int, c: int) -> tuple:
    """Input (row, column) of the top-left tap of output[r, c]'s window; negative in the padding."""
    return g.starts[r] - g.before, g.starts[c] - g.before


class PaddingExplorer(CanvasView):
    """``size_fn(i, k, p, s, d) -> int`` and ``padding_fn(i, k, s, d) -> (before, after)``,
    both optional."""

    def __init__(self, size_fn=None, padding_fn=None, i: int = 7, k: int = 3, p: int = 0,
                 s: int = 2, d: int = 1, mode: str = "SAME"):
        validate.callable_or_none(size_fn, "size_fn")
        validate.callable_or_none(padding_fn, "padding_fn")
        validate.require(mode in compute.MODES,
                         _("mode must be one of {modes}; got {mode}").format(
                             modes=", ".join(compute.MODES), mode=repr(mode)))
        self.size_fn, self.padding_fn = size_fn, padding_fn
        self.i = W.IntSlider(value=i, min=1, max=16, description=_("input size i"), **SLIDER)
        self.k = W.IntSlider(value=k, min=1, max=7, description=_("kernel size k"), **SLIDER)
        self.p = W.IntSlider(value=p, min=0, max=4, description=_("padding p"), **SLIDER)
        self.s = W.IntSlider(value=s, min=1, max=5, description=_("stride s"), **SLIDER)
        self.d = W.IntSlider(value=d, min=1, max=4, description=_("dilation d"), **SLIDER)
        self.mode = W.ToggleButtons(options=list(compute.MODES), value=mode,
                                    description=_("padding"))
        self.geometry = None
        super().__init__([W.HBox([self.i, self.k, self.p]), W.HBox([self.s, self.d]), self.mode])
        self._redraw_on([self.i, self.k, self.p, self.s, self.d, self.mode], self._load)
        self._guard(self._load)

    def settings(self) -> tuple:
        """(i, k, p, s, d, mode); p is the padding actually used in "explicit" mode, else 0."""
        mode = self.mode.value
        p = int(self.p.value) if mode == "explicit" else 0
        return int(self.i.value), int(self.k.value), p, int(self.s.value), int(self.d.value), mode

    @property
    def step(self) -> int:
        """The window shown (the browser's slider)."""
        return self.canvas.position["window"]

    # --- model: every frame, computed once per setting ---------------------------------------
    def _load(self):
        i, k, p, s, d, mode = self.settings()
        self.p.disabled = mode != "explicit"
        try:
            g = compute.geometry(i, k, s, d, p if mode == "explicit" else mode)
        except ValueError as exc:
            self.geometry = None
            self._show_no_output(i, k, p, s, d, mode, str(exc))
            return
        self.geometry = g
        student = self._student_lines(i, k, p, s, d, mode, g)
        self.canvas.status = ""
        n, o = g.padded, g.o
        out = np.full((n, n), np.nan)                 # drawn as large as the padded input, so
        out[:o, :o] = real_taps(g)                    # that its shape does not give o away
        dropped = [(r, c) for r in range(n) for c in range(n) if r in g.dropped or c in g.dropped]
        panels = [
            grid("input", kinds(g), _("padded input {n}x{n}: the {i}x{i} input white, zero "
                                      "padding grey").format(n=n, i=i)
                 + (_(", SAME's extra row/column darker") if g.extra_after else "")
                 + (_(", red: rows/columns no window reaches") if g.dropped else ""),
                 limits=(0, 1), show_values=False, marks=dropped),
            grid("output", out, _("output: real pixels under each window's taps"),
                 cmap="viridis", limits=(0, k * k), show_values=n <= 12, digits=2),
        ]
        frames = [self._frame(g, r, c, student) for r, c in np.ndindex(o, o)]
        self.canvas.show(panels=panels, layout=[["input", "→", "output"]],
                         sliders=[Slider("window", _("window"), o * o, play=True)], frames=frames)

    def _frame(self, g: compute.Geometry, r: int, c: int, student: str) -> dict:
        o, n = g.o, g.padded
        index = r * o + c
        top, left = window_start(g, r, c)
        boxes = [box("input", g.starts[r], g.starts[c], g.k_eff, g.k_eff, WINDOW),
                 box("output", r, c, color=OUTPUT)]
        if g.d > 1:                               # the taps of a dilated kernel, one by one
            boxes += [box("input", tr, tc, color=TAP) for tr in g.taps(g.starts[r])
                      for tc in g.taps(g.starts[c])]
        real = int(real_taps(g)[r, c])
        where = (_("<b>window {index}</b> (output[{r}, {c}]) starts at input row {top}, column "
                   "{left} (in the padding)") if min(top, left) < 0 else
                 _("<b>window {index}</b> (output[{r}, {c}]) starts at input row {top}, column "
                   "{left}")).format(index=index, r=r, c=c, top=top, left=left)
        line = where + _("; {real} of its {taps} taps land on real pixels, {zeros} on padding "
                         "zeros.").format(real=real, taps=g.k * g.k, zeros=g.k * g.k - real)
        # the formula's result is the size asked for first: hidden until predicted
        head, sep, rest = g.formula.partition(";")
        head = html.escape(head[:-len(str(o))]) + f"<span data-q='size'>{o}</span>"
        parts = [f"<div style='font-family:monospace'>{head}{html.escape(sep + rest)}</div>"]
        if g.dropped:
            parts.append("<div>" + _("The floor drops {n} row(s)/column(s) at the bottom/right "
                                     "(outlined red): no window reaches them.").format(
                                         n=len(g.dropped)) + "</div>")
        if g.extra_after:
            parts.append("<div>" + _("SAME: the total padding is odd, so TensorFlow puts the "
                                     "extra row/column at the bottom/right (darker).") + "</div>")
        parts += [f"<div>{line}</div>", student]
        questions = []
        settings = _("i = {i}, k = {k}, s = {s}, d = {d}, padding {padding}").format(
            i=g.i, k=g.k, s=g.s, d=g.d, padding=self._padding_words(g))
        if index == 0:
            questions.append(Question(
                "size", _("How many output rows (and columns) will there be? ({settings})").format(
                    settings=settings),
                g.o, student=self._student_size, name=self._size_name,
                explain=html.escape(g.formula)))
        if index + 1 < o * o:
            r2, c2 = divmod(index + 1, o)
            questions.append(Question(
                "next", _("Window {index} starts at input row {top}, column {left} ({settings}). "
                          "Where does the next window, for output[{r2}, {c2}], start? (row, "
                          "column; negative means in the padding)").format(
                              index=index, top=top, left=left, settings=settings, r2=r2, c2=c2),
                window_start(g, r2, c2), hide=[cell("output", r2, c2)],
                explain=_("Windows move s = {s} cells to the right; after the last of a row "
                          "the next starts at column {first} again, s = {s} rows down.").format(
                              s=g.s, first=-g.before)))
        return frame(boxes=boxes, upto={"output": r * n + c}, html="".join(parts),
                     questions=questions)

    @staticmethod
    def _padding_words(g: compute.Geometry) -> str:
        if g.mode == "explicit":
            return _("p = {p} on each side").format(p=g.before)
        return g.mode

    def _show_no_output(self, i, k, p, s, d, mode, reason: str):
        """The kernel does not fit: the padded input, no windows, and what the student's
        conv_output_size does about it."""
        n = i + 2 * p
        axis = np.full(n, PADDING)
        axis[p:p + i] = INPUT
        student = self._student_lines(i, k, p, s, d, mode, None)
        text = bad(_("<b>No output:</b> {reason}. Make the input or the padding larger, or the "
                     "kernel/dilation smaller.").format(reason=html.escape(reason)))
        self.canvas.status = ""
        self.canvas.show(panels=[grid("input", np.minimum(axis[:, None], axis[None, :]),
                                      _("padded input {n}x{n}: no window fits").format(n=n),
                                      limits=(0, 1),
                                      show_values=False)],
                         layout=[["input"]], sliders=[Slider("window", _("window"), 1)],
                         frames=[frame(html=text + student)])

    # --- the student's functions ---------------------------------------------------------------
    def _student_lines(self, i, k, p, s, d, mode, g) -> str:
        """HTML lines: the student's conv_output_size / same_padding for these settings, beside
        the windows drawn (true values in data-q='size' spans: hidden until predicted)."""
        self._student_size, self._size_name = None, _("Your function")
        parts = []
        if self.size_fn is not None:
            name = studentfn.name_of(self.size_fn)
            self._size_name = name
            args = (i, k, g.before if (g and mode == "SAME") else p, s, d)
            run = compute.run_size_fn(self.size_fn, *args)
            if mode == "SAME" and g and g.before != g.after:
                parts.append("<div>" + _("(SAME is asymmetric here; {name} is called with p = {p}, "
                                         "the smaller side.)").format(name=html.escape(name),
                                                                      p=g.before) + "</div>")
            try:
                true = compute.output_size(i, k, args[2], None, s, d)
            except ValueError:
                true = None
            asked = g is not None and true == g.o          # the output size asked for
            if run.error is None and asked:
                self._student_size = run.value
            parts.append(self._verdict(name, args, run, true,
                                       _("a ValueError (kernel does not fit)"),
                                       "size" if asked else None))
        if self.padding_fn is not None and mode == "SAME":
            name = studentfn.name_of(self.padding_fn)
            args = (i, k, s, d)
            run = compute.run_size_fn(self.padding_fn, *args, expect="pair")
            parts.append(self._verdict(name, args, run, compute.same_padding(i, k, s, d), ""))
        if not parts:
            return "<div>" + _("No function given: showing the true geometry.") + "</div>"
        return "".join(parts)

    @staticmethod
    def _verdict(name, args, run, true, raise_text, key=None) -> str:
        """A line comparing ``run`` with ``true``; values that answer question ``key`` go into
        data-q spans (hidden until it is answered)."""
        call = html.escape(f"{name}{args}")

        def shown(value):
            return f"<span data-q='{key}'>{value}</span>" if key else f"{value}"
        if true is None:
            if run.raised == "ValueError":
                return ok(_("{call} raises ValueError, as it should.").format(call=call))
            got = run.error or _("returned {value}").format(value=run.value)
            return bad(_("{call}: {got}; expected {expected}.").format(
                call=call, got=html.escape(got), expected=raise_text))
        if run.error:
            return failed(run.error)
        if run.value == true:
            return ok(_("{call} = {value} &#10003; (true: {true})").format(
                call=call, value=shown(run.value), true=shown(true)))
        return bad(_("{call} = {value} &#10007; differs; the true value is {true}").format(
            call=call, value=run.value, true=shown(true)))

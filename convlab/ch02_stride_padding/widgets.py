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
                         f"mode must be one of {', '.join(compute.MODES)}; got {mode!r}")
        self.size_fn, self.padding_fn = size_fn, padding_fn
        self.i = W.IntSlider(value=i, min=1, max=16, description="input size i", **SLIDER)
        self.k = W.IntSlider(value=k, min=1, max=7, description="kernel size k", **SLIDER)
        self.p = W.IntSlider(value=p, min=0, max=4, description="padding p", **SLIDER)
        self.s = W.IntSlider(value=s, min=1, max=5, description="stride s", **SLIDER)
        self.d = W.IntSlider(value=d, min=1, max=4, description="dilation d", **SLIDER)
        self.mode = W.ToggleButtons(options=list(compute.MODES), value=mode,
                                    description="padding")
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
            grid("input", kinds(g), f"padded input {n}x{n}: the {i}x{i} input white, zero "
                 f"padding grey" + (", SAME's extra row/column darker" if g.extra_after else "")
                 + (", red: rows/columns no window reaches" if g.dropped else ""),
                 limits=(0, 1), show_values=False, marks=dropped),
            grid("output", out, "output: real pixels under each window's taps",
                 cmap="viridis", limits=(0, k * k), show_values=n <= 12, digits=2),
        ]
        frames = [self._frame(g, r, c, student) for r, c in np.ndindex(o, o)]
        self.canvas.show(panels=panels, layout=[["input", "→", "output"]],
                         sliders=[Slider("window", "window", o * o, play=True)], frames=frames)

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
        line = (f"<b>window {index}</b> (output[{r}, {c}]) starts at input row {top}, column "
                f"{left}{' (in the padding)' if min(top, left) < 0 else ''}; "
                f"{real} of its {g.k * g.k} taps land on real pixels, {g.k * g.k - real} on "
                f"padding zeros.")
        # the formula's result is the size asked for first: hidden until predicted
        head, sep, rest = g.formula.partition(";")
        head = html.escape(head[:-len(str(o))]) + f"<span data-q='size'>{o}</span>"
        parts = [f"<div style='font-family:monospace'>{head}{html.escape(sep + rest)}</div>"]
        if g.dropped:
            parts.append(f"<div>The floor drops {len(g.dropped)} row(s)/column(s) at the "
                         f"bottom/right (outlined red): no window reaches them.</div>")
        if g.extra_after:
            parts.append("<div>SAME: the total padding is odd, so TensorFlow puts the extra "
                         "row/column at the bottom/right (darker).</div>")
        parts += [f"<div>{line}</div>", student]
        questions = []
        settings = (f"i = {g.i}, k = {g.k}, s = {g.s}, d = {g.d}, padding "
                    f"{self._padding_words(g)}")
        if index == 0:
            questions.append(Question(
                "size", f"How many output rows (and columns) will there be? ({settings})",
                g.o, student=self._student_size, name=self._size_name,
                explain=html.escape(g.formula)))
        if index + 1 < o * o:
            r2, c2 = divmod(index + 1, o)
            questions.append(Question(
                "next", f"Window {index} starts at input row {top}, column {left} ({settings})."
                        f" Where does the next window, for output[{r2}, {c2}], start? (row, "
                        f"column; negative means in the padding)",
                window_start(g, r2, c2), hide=[cell("output", r2, c2)],
                explain=(f"Windows move s = {g.s} cells to the right; after the last of a row "
                         f"the next starts at column {-g.before} again, s = {g.s} rows down.")))
        return frame(boxes=boxes, upto={"output": r * n + c}, html="".join(parts),
                     questions=questions)

    @staticmethod
    def _padding_words(g: compute.Geometry) -> str:
        if g.mode == "explicit":
            return f"p = {g.before} on each side"
        return g.mode

    def _show_no_output(self, i, k, p, s, d, mode, reason: str):
        """The kernel does not fit: the padded input, no windows, and what the student's
        conv_output_size does about it."""
        n = i + 2 * p
        axis = np.full(n, PADDING)
        axis[p:p + i] = INPUT
        student = self._student_lines(i, k, p, s, d, mode, None)
        text = bad(f"<b>No output:</b> {html.escape(reason)}. Make the input or the padding "
                   f"larger, or the kernel/dilation smaller.")
        self.canvas.status = ""
        self.canvas.show(panels=[grid("input", np.minimum(axis[:, None], axis[None, :]),
                                      f"padded input {n}x{n}: no window fits", limits=(0, 1),
                                      show_values=False)],
                         layout=[["input"]], sliders=[Slider("window", "window", 1)],
                         frames=[frame(html=text + student)])

    # --- the student's functions ---------------------------------------------------------------
    def _student_lines(self, i, k, p, s, d, mode, g) -> str:
        """HTML lines: the student's conv_output_size / same_padding for these settings, beside
        the windows drawn (true values in data-q='size' spans: hidden until predicted)."""
        self._student_size, self._size_name = None, "Your function"
        parts = []
        if self.size_fn is not None:
            name = studentfn.name_of(self.size_fn)
            self._size_name = name
            args = (i, k, g.before if (g and mode == "SAME") else p, s, d)
            run = compute.run_size_fn(self.size_fn, *args)
            if mode == "SAME" and g and g.before != g.after:
                parts.append(f"<div>(SAME is asymmetric here; {html.escape(name)} is called with "
                             f"p = {g.before}, the smaller side.)</div>")
            try:
                true = compute.output_size(i, k, args[2], None, s, d)
            except ValueError:
                true = None
            asked = g is not None and true == g.o          # the output size asked for
            if run.error is None and asked:
                self._student_size = run.value
            parts.append(self._verdict(name, args, run, true,
                                       "a ValueError (kernel does not fit)",
                                       "size" if asked else None))
        if self.padding_fn is not None and mode == "SAME":
            name = studentfn.name_of(self.padding_fn)
            args = (i, k, s, d)
            run = compute.run_size_fn(self.padding_fn, *args, expect="pair")
            parts.append(self._verdict(name, args, run, compute.same_padding(i, k, s, d), ""))
        if not parts:
            return "<div>No function given: showing the true geometry.</div>"
        return "".join(parts)

    @staticmethod
    def _verdict(name, args, run, true, raise_text, key=None) -> str:
        """A line comparing ``run`` with ``true``; values that answer question ``key`` go into
        data-q spans (hidden until it is answered)."""
        call = html.escape(f"{name}{args}")

        def shown(value):
            return f"<span data-q='{key}'>{value}</span>" if key else f"{value}"
        if true is None:
            if run.error and "raised ValueError" in run.error:
                return ok(f"{call} raises ValueError, as it should.")
            got = run.error or f"returned {run.value}"
            return bad(f"{call}: {html.escape(got)}; expected {raise_text}.")
        if run.error:
            return failed(run.error)
        if run.value == true:
            return ok(f"{call} = {shown(run.value)} &#10003; (true: {shown(true)})")
        return bad(f"{call} = {run.value} &#10007; differs; the true value is {shown(true)}")

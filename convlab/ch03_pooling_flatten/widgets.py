"""Chapter 3: max and average pooling on a real feature map, drawn in the browser.

    PoolingExplorer(pool_fn=pool2d)

The feature map is the ReLU of a vertical-edge filter (chapter 1) on a photo or a digit. Python
controls (they need new computation): the image, max/avg, VALID/SAME, the window size, the stride
and a shift of the input by 0-3 pixels to the right. The browser's "window" slider steps through
the output cells without a kernel round trip: the input with the current window (orange), the
window's cells, and the pooled map computed by the student's ``pool_fn`` (else the true one)
filling in, its wrong cells outlined in red. With a shift, the pooled map of the unshifted input
is drawn beside it: how many output values survive a one-pixel shift is the translation
invariance pooling is said to buy.

Before a value is shown the widget asks for a prediction, from its current state: the output
size (first window), then for each window which input cell max pooling keeps, the value average
pooling gives, or (with a shift) whether the output cell stays the same. Answers are judged
against the reference pooling (:mod:`convlab.widgets.predict`).
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.widgets.base import BAD, OK, SLIDER, bad, failed, ok
from convlab.widgets.canvas import CanvasView, Slider, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute

SHIFTS = (0, 1, 2, 3)
SAME, CHANGED = "same", "changed"
CELL_PX = 34                 # the window panel


class PoolingExplorer(CanvasView):
    """``pool_fn(images, size=, stride=, mode=, padding=) -> (N, oh, ow, C)``, optional."""

    def __init__(self, pool_fn=None, image: str = "photo", size: int = 2, stride: int = 2,
                 mode: str = "max", padding: str = "VALID", shift: int = 0):
        validate.callable_or_none(pool_fn, "pool_fn")
        validate.require(image in compute.IMAGES,
                         f"image must be one of {', '.join(compute.IMAGES)}; got {image!r}")
        validate.require(mode in compute.MODES, f'mode must be "max" or "avg"; got {mode!r}')
        validate.require(padding in compute.PADDINGS,
                         f'padding must be "VALID" or "SAME"; got {padding!r}')
        validate.require(shift in SHIFTS, f"shift must be one of {SHIFTS}; got {shift!r}")
        self.pool_fn = pool_fn
        self.fn_name = studentfn.name_of(pool_fn) if pool_fn else None
        self.image = W.ToggleButtons(options=list(compute.IMAGES), value=image, description="image")
        self.mode = W.ToggleButtons(options=list(compute.MODES), value=mode, description="mode")
        self.padding = W.ToggleButtons(options=list(compute.PADDINGS), value=padding,
                                       description="padding")
        self.size = W.IntSlider(value=size, min=1, max=5, description="window size", **SLIDER)
        self.stride = W.IntSlider(value=stride, min=1, max=5, description="stride", **SLIDER)
        self.shift = W.IntSlider(value=shift, min=SHIFTS[0], max=SHIFTS[-1],
                                 description="shift right", **SLIDER)
        self.info = W.HTML()
        self.input = self.output = self.reference = self.before = None
        self.error = None
        controls = [W.HBox([self.image, self.mode]), self.padding,
                    W.HBox([self.size, self.stride, self.shift]), self.info]
        super().__init__(controls)
        self._redraw_on([self.image, self.mode, self.padding, self.size, self.stride, self.shift],
                        self._load)
        self._guard(self._load)

    # --- what the browser shows now ------------------------------------------------------------
    @property
    def step(self) -> int:
        """The window shown (the browser's slider)."""
        return self.canvas.position.get("window", 0)

    @property
    def window(self):
        """The current window (:class:`compute.Window`), or None when there is no output."""
        if self.reference is None:
            return None
        return compute.window_at(self.input, *self._geometry(), index=self.step)

    def _geometry(self) -> tuple:
        return int(self.size.value), int(self.stride.value), self.mode.value, self.padding.value

    # --- model: every frame, computed once per choice of the controls -------------------------
    def _run(self, fmap):
        size, stride, mode, pad = self._geometry()
        if self.pool_fn is None:
            return None, None
        run = compute.run_pool_fn(self.pool_fn, fmap, size, stride, mode, pad)
        return run.value, run.error

    def _load(self):
        fmap, title = compute.feature_map(self.image.value)
        size, stride, mode, pad = self._geometry()
        shift = int(self.shift.value)
        x = compute.shift_right(fmap, shift)
        self.input = x
        h, w = x.shape
        if shift:
            title = f"{title}, shifted {shift} px right"
        limits = (float(fmap.min()), float(fmap.max()) if fmap.max() > fmap.min() else 1.0)
        if pad == "VALID" and size > min(h, w):
            self.reference = self.output = self.before = None
            self.info.value = bad(f"<b>No output:</b> the {size}x{size} window does not fit into "
                                  f"the {h}x{w} map with VALID padding. Use SAME or a smaller "
                                  f"window.")
            self.canvas.status = ""
            self.canvas.show(panels=[grid("input", x, title, limits=limits)], layout=[["input"]],
                             sliders=[Slider("window", "window", 1)], frames=[frame()])
            return
        ref = compute.pool2d(x[None, :, :, None], size, stride, mode, pad)[0, :, :, 0]
        self.reference = ref
        self.output, self.error = self._run(x)
        shown = self.output if self.output is not None else ref
        oh, ow = ref.shape
        panels = [grid("input", x, title, limits=limits)]
        if self.pool_fn is None:
            out_title = "true pooled map"
            self.canvas.status = "<div>No function given: showing the true pooled map.</div>"
        elif self.error:
            out_title = f"true pooled map ({self.fn_name} failed)"
            self.canvas.status = failed(self.error, "Your function could not be shown")
        else:
            out_title = f"{self.fn_name}(...), {mode} {pad}"
            n_wrong = int(self._wrong(self.output, ref).sum())
            self.canvas.status = (
                bad(f"{html.escape(self.fn_name)}: {n_wrong} of {ref.size} values differ from "
                    f"the true pooled map &#10007; (outlined in red)") if n_wrong else
                ok(f"{html.escape(self.fn_name)} matches the true pooled map &#10003; "
                   f"({oh}x{ow})"))
        wrong = np.argwhere(self._wrong(shown, ref)) if self.output is not None else []
        panels.append(grid("output", shown, out_title, limits=limits, marks=wrong))
        windows = [compute.window_at(x, size, stride, mode, pad, k) for k in range(oh * ow)]
        panels.append(grid("window", self._window_cells(windows[0]), "window", limits=limits,
                           cell_px=CELL_PX, show_values=True, digits=3))
        layout = [["input", "→", "output"], ["window"]]
        self.before = None
        if shift:
            unshifted = compute.pool2d(fmap[None, :, :, None], size, stride, mode, pad)[0, :, :, 0]
            before, _ = self._run(fmap)
            self.before = before if before is not None else unshifted
            panels.append(grid("before", self.before, "pooled map before the shift",
                               limits=limits))
            layout[1] += ["", "before"]
            self._same = np.isclose(ref, unshifted, rtol=1e-9, atol=1e-12)
        overlap = " (overlapping windows: stride &lt; size)" if stride < size else ""
        summary = f"{h}x{w} -> {oh}x{ow}{overlap}."
        if shift:
            summary += (f" Shifted {shift} px right, {int(self._same.sum())} of {ref.size} output "
                        f"values are the same as before the shift.")
        self.info.value = f"<div>{summary}</div>"
        frames = [frame(boxes=self._boxes(win, shift), grids={"window": self._window_cells(win)},
                        upto={"output": win.index}, html=self._detail(win, shown),
                        status=self._frame_status(win.index, shown, ref),
                        questions=self._questions(win, shown, shift))
                  for win in windows]
        self.canvas.show(panels=panels, layout=layout,
                         sliders=[Slider("window", "window", oh * ow, play=True)], frames=frames)

    @staticmethod
    def _wrong(a, b) -> np.ndarray:
        return ~np.isclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-6, atol=1e-9)

    def _origin(self, win) -> tuple:
        """(top, left) of the window in input coordinates, padding included (may be negative)."""
        size, stride, _, pad = self._geometry()
        (t, _), (l, _) = compute.pads(*self.input.shape, size, stride, pad)
        return win.row * stride - t, win.col * stride - l

    def _window_cells(self, win) -> np.ndarray:
        """The window as a size x size grid: real cells, NaN (drawn empty) on the padding."""
        size = int(self.size.value)
        r0, c0 = self._origin(win)
        cells = np.full((size, size), np.nan)
        (a, b), (c, d) = win.rows, win.cols
        cells[a - r0:b - r0, c - c0:d - c0] = win.values
        return cells

    def _boxes(self, win, shift) -> list:
        (a, b), (c, d) = win.rows, win.cols
        boxes = [box("input", a, c, b - a, d - c), box("output", win.row, win.col)]
        if shift:
            boxes.append(box("before", win.row, win.col))
        return boxes

    # --- predictions ---------------------------------------------------------------------------
    def _questions(self, win, shown, shift) -> list:
        size, stride, mode, pad = self._geometry()
        r, c = win.row, win.col
        name = self.fn_name or "Your function"
        hide = [cell("output", r, c)]
        questions = []
        if win.index == 0:
            h, w = self.input.shape
            oh, ow = win.n_out
            questions.append(Question(
                "size", f"The input is {h}x{w}. With {size}x{size} windows, stride {stride} and "
                        f"{pad} padding, what size will the pooled map be? (rows, columns)",
                (int(oh), int(ow)), name=name,
                explain=(f"{pad}: {'ceil(n / stride)' if pad == 'SAME' else '(n - size) // stride + 1'}"
                         f" in each direction.")))
        student = float(shown[r, c]) if self.output is not None else None
        if shift:
            same = bool(self._same[r, c])
            questions.append(Question(
                "shift", f"The input moved {shift} px right. Will output[{r}, {c}] be the same as "
                         f"before the shift?", SAME if same else CHANGED,
                choices=(SAME, CHANGED), hide=hide, name=name,
                explain=(f"Before: {float(self.before[r, c]):.4g}; now: {win.kept:.4g}. Max pooling "
                         f"only forgives a shift that keeps the maximum inside its window.")))
        elif self._key(win) == "kept":
            questions.append(Question(
                "kept", f"Which input cell will max pooling keep for output[{r}, {c}]? "
                        f"(row, column of the input)", tuple(int(v) for v in win.argmax),
                hide=hide, name=name,
                explain=f"It holds the window's largest value, {win.kept:.4g}."))
        else:
            what = "the largest" if mode == "max" else f"the mean of the {win.values.size} real"
            questions.append(Question(
                "value", f"What will output[{r}, {c}] be?", float(win.kept), student=student,
                hide=hide, name=name, tol=max(0.01 * abs(win.kept), 1e-3),  # the map is small
                explain=f"It is {what} value{'s' if mode == 'avg' else ''} of the window."))
        return questions

    # --- text ----------------------------------------------------------------------------------
    def _key(self, win) -> str:
        """The key of the window's own question (its values stay hidden until it is answered)."""
        if int(self.shift.value):
            return "shift"
        if self.mode.value == "max" and np.sum(win.values == win.kept) == 1:
            return "kept"
        return "value"

    def _detail(self, win, shown) -> str:
        _, _, mode, _ = self._geometry()
        key = self._key(win)
        (a, b), (c, d) = win.rows, win.cols
        size = int(self.size.value)
        padded = size * size - win.values.size
        parts = [f"<b>window {win.index}</b>: output[{win.row}, {win.col}] from input rows "
                 f"{a}..{b - 1}, columns {c}..{d - 1} ({win.values.size} real cells"
                 f"{f', {padded} padded' if padded else ''}). "]
        if mode == "max":
            ties = int(np.sum(win.values == win.kept))
            where = (f"input[{win.argmax[0]}, {win.argmax[1]}]" if ties == 1
                     else f"{ties} cells tie")
            parts.append(f"Max pooling keeps <b class='convlab-kept' data-q='{key}'>{where} = "
                         f"{win.kept:.4g}</b>; the other {win.values.size - 1} value(s) are "
                         f"thrown away.")
        else:
            parts.append(f"Average pooling keeps the mean of the {win.values.size} real cells: "
                         f"<b class='convlab-kept' data-q='{key}'>{win.kept:.4g}</b>.")
        if self.output is not None:
            got = float(shown[win.row, win.col])
            agrees = np.isclose(got, win.kept, rtol=1e-6, atol=1e-9)
            parts.append(f" {html.escape(self.fn_name)} gives <b class='convlab-yours' "
                         f"data-q='{key}' style='color:"
                         f"{OK if agrees else BAD}'>{got:.4g}</b> "
                         f"{'&#10003;' if agrees else '&#10007; differs'}")
        if self.before is not None:
            parts.append(f" Before the shift: <b class='convlab-before'>"
                         f"{float(self.before[win.row, win.col]):.4g}</b>.")
        return "".join(parts)

    def _frame_status(self, k: int, shown, ref) -> str:
        if self.output is None:
            return ""
        wrong = np.flatnonzero(self._wrong(shown, ref).ravel()[:k + 1])
        if wrong.size:
            r, c = divmod(int(wrong[0]), ref.shape[1])
            return bad(f"<b>{wrong.size} of the {k + 1} cells so far differ from the true pooled "
                       f"map</b>; the first is output[{r}, {c}] (outlined in red)")
        return ok(f"{html.escape(self.fn_name)} agrees with the true pooled map on all {k + 1} "
                  f"cells so far.")

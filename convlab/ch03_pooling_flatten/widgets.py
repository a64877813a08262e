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
from convlab.i18n import N_, _
from convlab.widgets.base import BAD, OK, SLIDER, bad, failed, ok
from convlab.widgets.canvas import CanvasView, Slider, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute

SHIFTS = (0, 1, 2, 3)
# the answers of the shift question (shown translated; the English are the keys)
SAME, CHANGED = N_("same"), N_("changed")
CELL_PX = 34                 # the window panel


class PoolingExplorer(CanvasView):
    """``pool_fn(images, size=, stride=, mode=, padding=) -> (N, oh, ow, C)``, optional."""

    def __init__(self, pool_fn=None, image: str = "photo", size: int = 2, stride: int = 2,
                 mode: str = "max", padding: str = "VALID", shift: int = 0):
        validate.callable_or_none(pool_fn, "pool_fn")
        validate.require(image in compute.IMAGES,
                         _("image must be one of {choices}; got {image!r}")
                         .format(choices=", ".join(compute.IMAGES), image=image))
        validate.require(mode in compute.MODES,
                         _('mode must be "max" or "avg"; got {mode!r}').format(mode=mode))
        validate.require(padding in compute.PADDINGS,
                         _('padding must be "VALID" or "SAME"; got {padding!r}').format(padding=padding))
        validate.require(shift in SHIFTS, _("shift must be one of {choices}; got {shift!r}")
                         .format(choices=SHIFTS, shift=shift))
        self.pool_fn = pool_fn
        self.fn_name = studentfn.name_of(pool_fn) if pool_fn else None
        self.image = W.ToggleButtons(options=[(_(compute.IMAGE_LABELS[i]), i) for i in compute.IMAGES],
                                     value=image, description=_("image"))
        self.mode = W.ToggleButtons(options=list(compute.MODES), value=mode, description=_("mode"))
        self.padding = W.ToggleButtons(options=list(compute.PADDINGS), value=padding,
                                       description=_("padding"))
        self.size = W.IntSlider(value=size, min=1, max=5, description=_("window size"), **SLIDER)
        self.stride = W.IntSlider(value=stride, min=1, max=5, description=_("stride"), **SLIDER)
        self.shift = W.IntSlider(value=shift, min=SHIFTS[0], max=SHIFTS[-1],
                                 description=_("shift right"), **SLIDER)
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
            title = _("{title}, shifted {shift} px right").format(title=title, shift=shift)
        limits = (float(fmap.min()), float(fmap.max()) if fmap.max() > fmap.min() else 1.0)
        if pad == "VALID" and size > min(h, w):
            self.reference = self.output = self.before = None
            self.info.value = bad(_("<b>No output:</b> the {size}x{size} window does not fit into "
                                    "the {h}x{w} map with VALID padding. Use SAME or a smaller "
                                    "window.").format(size=size, h=h, w=w))
            self.canvas.status = ""
            self.canvas.show(panels=[grid("input", x, title, limits=limits)], layout=[["input"]],
                             sliders=[Slider("window", _("window"), 1)], frames=[frame()])
            return
        ref = compute.pool2d(x[None, :, :, None], size, stride, mode, pad)[0, :, :, 0]
        self.reference = ref
        self.output, self.error = self._run(x)
        shown = self.output if self.output is not None else ref
        oh, ow = ref.shape
        panels = [grid("input", x, title, limits=limits)]
        if self.pool_fn is None:
            out_title = _("true pooled map")
            self.canvas.status = "<div>" + _("No function given: showing the true pooled map.") + "</div>"
        elif self.error:
            out_title = _("true pooled map ({name} failed)").format(name=self.fn_name)
            self.canvas.status = failed(self.error, _("Your function could not be shown"))
        else:
            out_title = f"{self.fn_name}(...), {mode} {pad}"
            n_wrong = int(self._wrong(self.output, ref).sum())
            self.canvas.status = (
                bad(_("{name}: {n_wrong} of {n} values differ from the true pooled map &#10007; "
                      "(outlined in red)").format(name=html.escape(self.fn_name), n_wrong=n_wrong,
                                                  n=ref.size)) if n_wrong else
                ok(_("{name} matches the true pooled map &#10003; ({oh}x{ow})")
                   .format(name=html.escape(self.fn_name), oh=oh, ow=ow)))
        wrong = np.argwhere(self._wrong(shown, ref)) if self.output is not None else []
        panels.append(grid("output", shown, out_title, limits=limits, marks=wrong))
        windows = [compute.window_at(x, size, stride, mode, pad, k) for k in range(oh * ow)]
        panels.append(grid("window", self._window_cells(windows[0]), _("window"), limits=limits,
                           cell_px=CELL_PX, show_values=True, digits=3))
        layout = [["input", "→", "output"], ["window"]]
        self.before = None
        if shift:
            unshifted = compute.pool2d(fmap[None, :, :, None], size, stride, mode, pad)[0, :, :, 0]
            before, _error = self._run(fmap)
            self.before = before if before is not None else unshifted
            panels.append(grid("before", self.before, _("pooled map before the shift"),
                               limits=limits))
            layout[1] += ["", "before"]
            self._same = np.isclose(ref, unshifted, rtol=1e-9, atol=1e-12)
        summary = (_("{h}x{w} -> {oh}x{ow} (overlapping windows: stride &lt; size).")
                   if stride < size else _("{h}x{w} -> {oh}x{ow}.")).format(h=h, w=w, oh=oh, ow=ow)
        if shift:
            summary += " " + _("Shifted {shift} px right, {same} of {n} output values are the same "
                               "as before the shift.").format(shift=shift, same=int(self._same.sum()),
                                                               n=ref.size)
        self.info.value = f"<div>{summary}</div>"
        frames = [frame(boxes=self._boxes(win, shift), grids={"window": self._window_cells(win)},
                        upto={"output": win.index}, html=self._detail(win, shown),
                        status=self._frame_status(win.index, shown, ref),
                        questions=self._questions(win, shown, shift))
                  for win in windows]
        self.canvas.show(panels=panels, layout=layout,
                         sliders=[Slider("window", _("window"), oh * ow, play=True)], frames=frames)

    @staticmethod
    def _wrong(a, b) -> np.ndarray:
        return ~np.isclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-6, atol=1e-9)

    def _origin(self, win) -> tuple:
        """(top, left) of the window in input coordinates, padding included (may be negative)."""
        size, stride, _mode, pad = self._geometry()
        (t, _b), (l, _r) = compute.pads(*self.input.shape, size, stride, pad)
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
        name = self.fn_name or _("Your function")
        hide = [cell("output", r, c)]
        questions = []
        if win.index == 0:
            h, w = self.input.shape
            oh, ow = win.n_out
            questions.append(Question(
                "size", _("The input is {h}x{w}. With {size}x{size} windows, stride {stride} and "
                          "{pad} padding, what size will the pooled map be? (rows, columns)")
                .format(h=h, w=w, size=size, stride=stride, pad=pad),
                (int(oh), int(ow)), name=name,
                explain=_("{pad}: {formula} in each direction.").format(
                    pad=pad, formula="ceil(n / stride)" if pad == "SAME" else "(n - size) // stride + 1")))
        student = float(shown[r, c]) if self.output is not None else None
        if shift:
            same = bool(self._same[r, c])
            questions.append(Question(
                "shift", _("The input moved {shift} px right. Will output[{r}, {c}] be the same as "
                           "before the shift?").format(shift=shift, r=r, c=c),
                _(SAME) if same else _(CHANGED),
                choices=(_(SAME), _(CHANGED)), hide=hide, name=name,
                explain=_("Before: {before:.4g}; now: {now:.4g}. Max pooling only forgives a shift "
                          "that keeps the maximum inside its window.")
                .format(before=float(self.before[r, c]), now=win.kept)))
        elif self._key(win) == "kept":
            questions.append(Question(
                "kept", _("Which input cell will max pooling keep for output[{r}, {c}]? "
                          "(row, column of the input)").format(r=r, c=c),
                tuple(int(v) for v in win.argmax), hide=hide, name=name,
                explain=_("It holds the window's largest value, {value:.4g}.").format(value=win.kept)))
        else:
            explain = (_("It is the largest value of the window.") if mode == "max" else
                       _("It is the mean of the {n} real values of the window.")
                       .format(n=win.values.size))
            questions.append(Question(
                "value", _("What will output[{r}, {c}] be?").format(r=r, c=c), float(win.kept),
                student=student, hide=hide, name=name,
                tol=max(0.01 * abs(win.kept), 1e-3),  # the map is small
                explain=explain))
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
        mode = self.mode.value
        key = self._key(win)
        (a, b), (c, d) = win.rows, win.cols
        size = int(self.size.value)
        padded = size * size - win.values.size
        where = dict(index=win.index, row=win.row, col=win.col, a=a, b=b - 1, c=c, d=d - 1,
                     n=win.values.size, padded=padded)
        parts = [(_("<b>window {index}</b>: output[{row}, {col}] from input rows {a}..{b}, "
                    "columns {c}..{d} ({n} real cells, {padded} padded). ") if padded else
                  _("<b>window {index}</b>: output[{row}, {col}] from input rows {a}..{b}, "
                    "columns {c}..{d} ({n} real cells). ")).format(**where)]
        kept = f"<b class='convlab-kept' data-q='{key}'>{{kept}}</b>"
        if mode == "max":
            ties = int(np.sum(win.values == win.kept))
            cell_kept = (f"input[{win.argmax[0]}, {win.argmax[1]}]" if ties == 1
                         else _("{ties} cells tie").format(ties=ties))
            parts.append(_("Max pooling keeps {kept}; the other {others} value(s) are thrown away.")
                         .format(kept=kept.format(kept=f"{cell_kept} = {win.kept:.4g}"),
                                 others=win.values.size - 1))
        else:
            parts.append(_("Average pooling keeps the mean of the {n} real cells: {kept}.")
                         .format(n=win.values.size, kept=kept.format(kept=f"{win.kept:.4g}")))
        if self.output is not None:
            got = float(shown[win.row, win.col])
            agrees = np.isclose(got, win.kept, rtol=1e-6, atol=1e-9)
            value = (f"<b class='convlab-yours' data-q='{key}' style='color:"
                     f"{OK if agrees else BAD}'>{got:.4g}</b>")
            parts.append(" " + (_("{name} gives {value} &#10003;") if agrees else
                                _("{name} gives {value} &#10007; differs"))
                         .format(name=html.escape(self.fn_name), value=value))
        if self.before is not None:
            parts.append(" " + _("Before the shift: {value}.").format(
                value=f"<b class='convlab-before'>{float(self.before[win.row, win.col]):.4g}</b>"))
        return "".join(parts)

    def _frame_status(self, k: int, shown, ref) -> str:
        if self.output is None:
            return ""
        wrong = np.flatnonzero(self._wrong(shown, ref).ravel()[:k + 1])
        if wrong.size:
            r, c = divmod(int(wrong[0]), ref.shape[1])
            return bad(_("<b>{n_wrong} of the {n} cells so far differ from the true pooled "
                         "map</b>; the first is output[{r}, {c}] (outlined in red)")
                       .format(n_wrong=wrong.size, n=k + 1, r=r, c=c))
        return ok(_("{name} agrees with the true pooled map on all {n} cells so far.")
                  .format(name=html.escape(self.fn_name), n=k + 1))

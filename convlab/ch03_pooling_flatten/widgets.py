"""Chapter 3: max and average pooling on a real feature map.

    PoolingExplorer(pool_fn=pool2d)

The feature map is the ReLU of a vertical-edge filter (chapter 1) on a photo or a digit. Sliders
for the window size, the stride and the window shown; max/avg and VALID/SAME toggles. Left: the
feature map with the current window (orange) and, for max pooling, the kept cell (green). Right:
the pooled map, computed by the student's ``pool_fn`` when it works (else the true one), with the
current output cell outlined. The status line compares the student's result with the true one.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.widgets.base import SLIDER, GuardedView, bad, ok

from . import compute, figures


class PoolingExplorer(GuardedView):
    """``pool_fn(images, size=, stride=, mode=, padding=) -> (N, oh, ow, C)``, optional."""

    def __init__(self, pool_fn=None, image: str = "photo", size: int = 2, stride: int = 2,
                 mode: str = "max", padding: str = "VALID"):
        validate.callable_or_none(pool_fn, "pool_fn")
        validate.require(image in compute.IMAGES,
                         f"image must be one of {', '.join(compute.IMAGES)}; got {image!r}")
        validate.require(mode in compute.MODES, f'mode must be "max" or "avg"; got {mode!r}')
        validate.require(padding in compute.PADDINGS,
                         f'padding must be "VALID" or "SAME"; got {padding!r}')
        self.pool_fn = pool_fn
        self.image = W.ToggleButtons(options=list(compute.IMAGES), value=image, description="image")
        self.mode = W.ToggleButtons(options=list(compute.MODES), value=mode, description="mode")
        self.padding = W.ToggleButtons(options=list(compute.PADDINGS), value=padding,
                                       description="padding")
        self.size = W.IntSlider(value=size, min=1, max=5, description="window size", **SLIDER)
        self.stride = W.IntSlider(value=stride, min=1, max=5, description="stride", **SLIDER)
        self.step = W.IntSlider(value=0, min=0, max=0, description="window", **SLIDER)
        self.info = W.HTML()
        self.window = None
        super().__init__([W.HBox([self.image, self.mode]), self.padding,
                          W.HBox([self.size, self.stride, self.step]), self.info])
        self._redraw_on([self.image, self.mode, self.padding, self.size, self.stride, self.step])
        self._guard(self._draw)

    def _draw(self):
        fmap, title = compute.feature_map(self.image.value)
        size, stride = int(self.size.value), int(self.stride.value)
        mode, pad = self.mode.value, self.padding.value
        if pad == "VALID" and size > min(fmap.shape):
            self.window = None
            self.info.value = bad(f"<b>No output:</b> the {size}x{size} window does not fit into "
                                  f"the {fmap.shape[0]}x{fmap.shape[1]} map with VALID padding. "
                                  f"Use SAME or a smaller window.")
            self.status.value = ""
            return
        truth = compute.pool2d(fmap[None, :, :, None], size, stride, mode, pad)[0, :, :, 0]
        oh, ow = truth.shape
        self.step.max = oh * ow - 1          # may clamp step.value: that redraw is harmless
        win = compute.window_at(fmap, size, stride, mode, pad, int(min(self.step.value, oh * ow - 1)))
        self.window = win
        shown, label = truth, "true pooled map"
        parts = []
        if self.pool_fn is None:
            parts.append("<div>No function given: showing the true pooled map.</div>")
        else:
            run = compute.run_pool_fn(self.pool_fn, fmap, size, stride, mode, pad)
            raw = studentfn.name_of(self.pool_fn)
            name = html.escape(raw)
            if run.error:
                parts.append(bad(f"<b>Your function:</b> {html.escape(run.error)} (showing the "
                                 f"true pooled map)"))
            else:
                shown, label = run.value, f"your {raw}"
                wrong = ~np.isclose(run.value, truth, rtol=1e-6, atol=1e-9)
                if wrong.any():
                    parts.append(bad(f"{name}: {int(wrong.sum())} of {wrong.size} values differ "
                                     f"from the true pooled map &#10007; (here: yours "
                                     f"{run.value[win.row, win.col]:.4g}, true "
                                     f"{truth[win.row, win.col]:.4g})"))
                else:
                    parts.append(ok(f"{name} matches the true pooled map &#10003; ({oh}x{ow})"))
        self.status.value = "".join(parts)
        overlap = " (overlapping windows: stride &lt; size)" if stride < size else ""
        kept = ("the maximum (green cell)" if mode == "max"
                else f"the mean of the {win.values.size} real cells")
        self.info.value = (f"<div>{fmap.shape[0]}x{fmap.shape[1]} -> {oh}x{ow}{overlap}. "
                           f"Window {win.index} keeps {kept}: {win.kept:.4g}; the other "
                           f"{win.values.size - 1} value(s) are thrown away.</div>")
        # a size/stride change may clamp the window slider, which draws first: not twice
        self._show_figure(
            (self.image.value, size, stride, mode, pad, win.index, label),
            lambda: figures.pooling_figure(fmap, shown, win, title=title,
                                            pooled_title=f"{label} {oh}x{ow} ({mode}, {pad})"))

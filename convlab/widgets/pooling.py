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

from .base import BAD, OK, GuardedView
from .. import plotting, pooling, validate


class PoolingExplorer(GuardedView):
    """``pool_fn(images, size=, stride=, mode=, padding=) -> (N, oh, ow, C)``, optional."""

    def __init__(self, pool_fn=None, image: str = "photo", size: int = 2, stride: int = 2,
                 mode: str = "max", padding: str = "VALID"):
        validate.callable_or_none(pool_fn, "pool_fn")
        validate.require(image in pooling.IMAGES,
                         f"image must be one of {', '.join(pooling.IMAGES)}; got {image!r}")
        validate.require(mode in pooling.MODES, f'mode must be "max" or "avg"; got {mode!r}')
        validate.require(padding in pooling.PADDINGS,
                         f'padding must be "VALID" or "SAME"; got {padding!r}')
        self.pool_fn = pool_fn
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        self.image = W.ToggleButtons(options=list(pooling.IMAGES), value=image, description="image")
        self.mode = W.ToggleButtons(options=list(pooling.MODES), value=mode, description="mode")
        self.padding = W.ToggleButtons(options=list(pooling.PADDINGS), value=padding,
                                       description="padding")
        self.size = W.IntSlider(value=size, min=1, max=5, description="window size", **slider)
        self.stride = W.IntSlider(value=stride, min=1, max=5, description="stride", **slider)
        self.step = W.IntSlider(value=0, min=0, max=0, description="window", **slider)
        self.info = W.HTML()
        self.status = W.HTML()
        self.figure = W.Image(format="png")
        self.callback_log = W.Output()
        self.window = None
        super().__init__([
            W.HBox([self.image, self.mode]), self.padding,
            W.HBox([self.size, self.stride, self.step]),
            self.info, self.status, self.figure, self.callback_log,
        ])
        for w in (self.image, self.mode, self.padding, self.size, self.stride, self.step):
            w.observe(self._on_change, names="value")
        self._guard(self._draw)

    def _on_change(self, change):
        self._guard(self._draw)

    def _draw(self):
        fmap, title = pooling.feature_map(self.image.value)
        size, stride = int(self.size.value), int(self.stride.value)
        mode, pad = self.mode.value, self.padding.value
        if pad == "VALID" and size > min(fmap.shape):
            self.window = None
            self.info.value = (f"<div style='color:{BAD}'><b>No output:</b> the {size}x{size} "
                               f"window does not fit into the {fmap.shape[0]}x{fmap.shape[1]} "
                               f"map with VALID padding. Use SAME or a smaller window.</div>")
            self.status.value = ""
            return
        truth = pooling.pool(fmap[None, :, :, None], size, stride, mode, pad)[0, :, :, 0]
        oh, ow = truth.shape
        self.step.max = oh * ow - 1          # may clamp step.value: that redraw is harmless
        win = pooling.window_at(fmap, size, stride, mode, pad, int(min(self.step.value, oh * ow - 1)))
        self.window = win
        shown, label = truth, "true pooled map"
        parts = []
        if self.pool_fn is None:
            parts.append("<div>No function given: showing the true pooled map.</div>")
        else:
            run = pooling.run_pool_fn(self.pool_fn, fmap, size, stride, mode, pad)
            raw = getattr(self.pool_fn, "__name__", "your function")
            name = html.escape(raw)
            if run.error:
                parts.append(f"<div style='color:{BAD}'><b>Your function:</b> "
                             f"{html.escape(run.error)} (showing the true pooled map)</div>")
            else:
                shown, label = run.value, f"your {raw}"
                bad = ~np.isclose(run.value, truth, rtol=1e-6, atol=1e-9)
                if bad.any():
                    parts.append(f"<div style='color:{BAD}'>{name}: {int(bad.sum())} of "
                                 f"{bad.size} values differ from the true pooled map &#10007; "
                                 f"(here: yours {run.value[win.row, win.col]:.4g}, true "
                                 f"{truth[win.row, win.col]:.4g})</div>")
                else:
                    parts.append(f"<div style='color:{OK}'>{name} matches the true pooled map "
                                 f"&#10003; ({oh}x{ow})</div>")
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
            lambda: plotting.pooling_figure(fmap, shown, win, title=title,
                                            pooled_title=f"{label} {oh}x{ow} ({mode}, {pad})"))

"""Chapter 1: a filter sliding over an image, one window at a time.

    FilterSlider(conv_fn=conv2d_single)

Pick an image and a classic kernel, step through the window positions (slider, or the play
button), and see the window, the elementwise products and their sum fill the output cell by cell.
The output map is what ``conv_fn(image, kernel)`` returns; where it disagrees with the window sum
the widget says so. Without ``conv_fn`` the widget shows the window sums themselves.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import data, kernels, studentfn, validate
from convlab.widgets.base import BAD, OK, GuardedView, bad, failed, ok

from . import compute, figures

PHOTO_WIDTH = 24


def _table(a: np.ndarray, highlight=False) -> str:
    # (v + 0.0 turns -0.0, e.g. 0 times a negative weight, into 0: no "-0" in the table)
    style = "background:#fde8e2;" if highlight else ""
    rows = "".join("<tr>" + "".join(f"<td style='padding:1px 6px;text-align:right;{style}'>"
                                    f"{v + 0.0:.3g}</td>" for v in row) + "</tr>" for row in a)
    return f"<table style='border-collapse:collapse;font-family:monospace'>{rows}</table>"


def _limits(a: np.ndarray):
    finite = np.asarray(a, dtype=float)[np.isfinite(a)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


class FilterSlider(GuardedView):
    """The filter-sliding widget. ``conv_fn(image (H, W), kernel (kh, kw)) -> (H-kh+1, W-kw+1)``."""

    def __init__(self, conv_fn=None, image: str = "grid", kernel: str = "vertical edge (Sobel x)"):
        validate.callable_or_none(conv_fn, "conv_fn")
        if image not in data.NAMES:
            raise ValueError(f"unknown image {image!r}; choose one of: {', '.join(data.NAMES)}")
        kernels.get(kernel)  # raises a clear ValueError for an unknown name
        self.conv_fn = conv_fn
        self.fn_name = studentfn.name_of(conv_fn) if conv_fn else None
        self.image_picker = W.Dropdown(options=list(data.NAMES), value=image, description="image")
        self.kernel_picker = W.Dropdown(options=list(kernels.CLASSIC), value=kernel,
                                        description="kernel")
        self.step = W.IntSlider(min=0, max=1, value=0, description="step",
                                continuous_update=False)
        self.play = W.Play(min=0, max=1, value=0, interval=350, description="play")
        W.jslink((self.play, "value"), (self.step, "value"))
        W.link((self.step, "max"), (self.play, "max"))
        self.detail = W.HTML()
        self.image = self.kernel = self.output = self.reference = None
        self.error = None
        super().__init__([W.HBox([self.image_picker, self.kernel_picker]),
                          W.HBox([self.play, self.step])], below=[self.detail])
        self._redraw_on([self.image_picker, self.kernel_picker], self._load)
        self._redraw_on([self.step])
        self._guard(self._load)

    # --- model -----------------------------------------------------------------------------
    def _load(self):
        sample = data.sample_image(self.image_picker.value, size=PHOTO_WIDTH)
        self.title = sample.title
        self.image = sample.image
        self.kernel = kernels.get(self.kernel_picker.value)
        self._loaded = getattr(self, "_loaded", 0) + 1     # new inputs: the figure key changes
        self.reference = compute.conv2d_single(self.image, self.kernel)
        self.output, self.error = self.reference, None
        if self.conv_fn is not None:
            run = compute.run_conv_fn(self.conv_fn, self.image, self.kernel)
            self.output, self.error = run.value, run.error
        n = self.reference.size
        self.step.max = n - 1
        if self.step.value > n - 1:
            self.step.value = n - 1  # triggers _draw
        self._draw()

    def _draw(self):
        k = int(self.step.value)
        st = compute.step_at(self.image, self.kernel, k)
        shown = self.output if self.output is not None else self.reference
        oh, ow = self.reference.shape
        if self.conv_fn is None:
            out_title = f"window sums, {oh}x{ow}"
        elif self.error:
            out_title = f"window sums ({self.fn_name} failed)"
        else:
            out_title = f"{self.fn_name}(image, kernel), {oh}x{ow}"
        # text first: it is ready at once, the figure takes ~0.2 s to render
        self.status.value = self._status_html(k)
        self.detail.value = self._detail_html(st)
        # same image and kernel: sliding_figure updates the figure shown (window, output, cell)
        # and only those are redrawn; a step that changes nothing is not rendered again
        self._show_figure((k, self._loaded, out_title),
                          lambda: self._sliding_figure(shown, k, st, out_title))

    def _sliding_figure(self, shown, k, st, out_title):
        self._fig = figures.sliding_figure(
            self.image, self.kernel, compute.filled(shown, k), st.row, st.col, title=self.title,
            output_title=out_title, limits=_limits(shown), fig=getattr(self, "_fig", None))
        return self._fig

    def _status_html(self, k: int) -> str:
        if self.error:
            return failed(self.error, "Your function could not be shown")
        if self.conv_fn is None:
            return "<div>Showing the window sums (no function given).</div>"
        wrong = compute.mismatches(self.output, self.reference, k)
        if wrong:
            r, c = divmod(wrong[0], self.reference.shape[1])
            return bad(f"<b>{len(wrong)} of the {k + 1} cells so far differ from the window "
                       f"sums</b>; the first is output[{r}, {c}]")
        return ok(f"{html.escape(self.fn_name)} agrees with the window sums on all {k + 1} cells "
                  f"so far.")

    def _detail_html(self, st: compute.Step) -> str:
        line = (f"<b>step {st.index}</b>: window at rows {st.row}..{st.row + st.window.shape[0] - 1}, "
                f"columns {st.col}..{st.col + st.window.shape[1] - 1}")
        parts = [f"<div>{line}</div><div style='display:flex;gap:14px;align-items:center'>",
                 f"<div>window{_table(st.window)}</div><div>&times;</div>",
                 f"<div>kernel{_table(self.kernel)}</div><div>=</div>",
                 f"<div>products{_table(st.products, highlight=True)}</div></div>",
                 f"<div>sum of products = <b class='convlab-sum'>{st.total:.4g}</b> "
                 f"= output[{st.row}, {st.col}]"]
        if self.conv_fn is not None and self.output is not None:
            got = float(self.output[st.row, st.col])
            agrees = np.isclose(got, st.total, atol=1e-9)
            mark = "&#10003;" if agrees else "&#10007; differs"
            color = OK if agrees else BAD
            parts.append(f"; {html.escape(self.fn_name)} gives "
                         f"<b class='convlab-yours' style='color:{color}'>{got:.4g}</b> {mark}")
        parts.append("</div>")
        return "".join(parts)

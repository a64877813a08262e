"""Chapter 1's widgets, drawn in the browser (:mod:`convlab.widgets.canvas`).

    FilterSlider(conv_fn=conv2d_single)     one filter sliding over one image, window by window
    ChannelSum(conv_fn=conv2d_multi)        the C input windows, their per-channel sums and the
                                            bias adding up to one output value

Both compute every frame when their data change, by calling the student's function, and the
browser only draws: moving the step slider repaints without a kernel round trip. Before a value is
shown the widget asks for a prediction (``predict before seeing``; judged against the reference
window sums, see :mod:`convlab.widgets.predict`). Where the student's function disagrees with the
window sums, the widget says so and outlines the wrong cells in red.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import data, kernels, studentfn, validate
from convlab.i18n import N_, _
from convlab.widgets.base import BAD, OK, bad, failed, ok
from convlab.widgets.canvas import CanvasView, Slider, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute

PHOTO_WIDTH = 24
CELL_PX = 40            # the window, kernel and product tables


def _limits(a: np.ndarray):
    finite = np.asarray(a, dtype=float)[np.isfinite(a)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _differs(a, b) -> np.ndarray:
    return ~np.isclose(np.asarray(a, float), np.asarray(b, float), atol=1e-9)


class FilterSlider(CanvasView):
    """The filter-sliding widget. ``conv_fn(image (H, W), kernel (kh, kw)) -> (H-kh+1, W-kw+1)``."""

    def __init__(self, conv_fn=None, image: str = "grid", kernel: str = "vertical edge (Sobel x)"):
        validate.callable_or_none(conv_fn, "conv_fn")
        if image not in data.NAMES:
            raise ValueError(_("unknown image {image}; choose one of: {names}").format(
                image=repr(image), names=", ".join(data.NAMES)))
        kernels.get(kernel)  # raises a clear ValueError for an unknown name
        self.conv_fn = conv_fn
        self.fn_name = studentfn.name_of(conv_fn) if conv_fn else None
        self.image_picker = W.Dropdown(options=list(data.NAMES), value=image,
                                       description=_("image"))
        self.kernel_picker = W.Dropdown(options=list(kernels.CLASSIC), value=kernel,
                                        description=_("kernel"))
        self.image = self.kernel = self.output = self.reference = None
        self.error = None
        super().__init__([W.HBox([self.image_picker, self.kernel_picker])])
        self._redraw_on([self.image_picker, self.kernel_picker], self._load)
        self._guard(self._load)

    @property
    def step(self) -> int:
        """The step shown (the browser's slider)."""
        return self.canvas.position["step"]

    # --- model: every frame, computed once per image and kernel ------------------------------
    def _load(self):
        sample = data.sample_image(self.image_picker.value, size=PHOTO_WIDTH)
        self.title = sample.title
        self.image = sample.image
        self.kernel = kernels.get(self.kernel_picker.value)
        self.reference = compute.conv2d_single(self.image, self.kernel)
        self.output, self.error = self.reference, None
        if self.conv_fn is not None:
            run = compute.run_conv_fn(self.conv_fn, self.image, self.kernel)
            self.output, self.error = run.value, run.error
        shown = self.output if self.output is not None else self.reference
        oh, ow = self.reference.shape
        kh, kw = self.kernel.shape
        if self.conv_fn is None:
            out_title = _("window sums, {oh}x{ow}").format(oh=oh, ow=ow)
            status = "<div>" + _("Showing the window sums (no function given).") + "</div>"
        elif self.error:
            out_title = _("window sums ({name} failed)").format(name=self.fn_name)
            status = failed(self.error, _("Your function could not be shown"))
        else:
            out_title, status = f"{self.fn_name}(image, kernel), {oh}x{ow}", ""
        wrong = (np.argwhere(_differs(self.output, self.reference))
                 if self.conv_fn is not None and self.output is not None else [])
        steps = [compute.step_at(self.image, self.kernel, k) for k in range(oh * ow)]
        products = np.array([st.products for st in steps])
        panels = [
            grid("image", self.image, self.title, limits=_limits(self.image)),
            grid("output", shown, out_title, cmap="diverging", marks=wrong),
            grid("window", steps[0].window, _("window"), limits=_limits(self.image),
                 cell_px=CELL_PX, show_values=True),
            grid("kernel", self.kernel, _("kernel"), cmap="diverging", cell_px=CELL_PX,
                 show_values=True),
            grid("products", steps[0].products, _("products"), cmap="diverging",
                 limits=_limits(products), cell_px=CELL_PX, show_values=True),
        ]
        frames = [frame(boxes=[box("image", st.row, st.col, kh, kw)],
                        grids={"window": st.window, "products": st.products},
                        upto={"output": st.index}, html=self._detail_html(st),
                        status=self._status_html(st.index), questions=[self._question(st)])
                  for st in steps]
        self.canvas.status = status
        self.canvas.show(panels=panels,
                         layout=[["image", "→", "output"],
                                 ["window", "×", "kernel", "=", "products"]],
                         sliders=[Slider("step", _("step"), oh * ow, play=True)], frames=frames)

    def _question(self, st: compute.Step) -> Question:
        student = None
        if self.conv_fn is not None and self.output is not None:
            student = float(self.output[st.row, st.col])
        n = st.products.size
        return Question(
            f"out{st.row},{st.col}",
            _("What will output[{row}, {col}] be?").format(row=st.row, col=st.col), st.total,
            student=student, hide=[cell("output", st.row, st.col)],
            explain=_("It is the sum of the {n} products of the window and the kernel.").format(n=n),
            name=self.fn_name or _("Your function"))

    def _status_html(self, k: int) -> str:
        if self.error or self.conv_fn is None:
            return ""
        wrong = compute.mismatches(self.output, self.reference, k)
        if wrong:
            r, c = divmod(wrong[0], self.reference.shape[1])
            return bad(_("<b>{wrong} of the {n} cells so far differ from the window sums</b>; the "
                         "first is output[{row}, {col}] (outlined in red)").format(
                             wrong=len(wrong), n=k + 1, row=r, col=c))
        return ok(_("{name} agrees with the window sums on all {n} cells so far.").format(
            name=html.escape(self.fn_name), n=k + 1))

    def _detail_html(self, st: compute.Step) -> str:
        kh, kw = st.window.shape
        q = f"out{st.row},{st.col}"
        parts = [_("<b>step {index}</b>: window at rows {top}..{bottom}, columns {left}..{right}; "
                   "sum of products = {total} = output[{row}, {col}]").format(
                       index=st.index, top=st.row, bottom=st.row + kh - 1, left=st.col,
                       right=st.col + kw - 1, row=st.row, col=st.col,
                       total=f"<b class='convlab-sum' data-q='{q}'>{st.total:.4g}</b>")]
        if self.conv_fn is not None and self.output is not None:
            got = float(self.output[st.row, st.col])
            agrees = np.isclose(got, st.total, atol=1e-9)
            mark = "&#10003;" if agrees else "&#10007; " + _("differs")
            color = OK if agrees else BAD
            # the mark is hidden with the value: it would tell whether the value is right
            parts.append(_("; {name} gives {value}").format(
                name=html.escape(self.fn_name),
                value=f"<span data-q='{q}'><b class='convlab-yours' style='color:{color}'>"
                      f"{got:.4g}</b> {mark}</span>"))
        return "".join(parts)


# --- the multi-channel view: CNN Explainer's central picture -----------------------------------
COLOUR_WIDTH = 10
CHANNELS = (N_("red"), N_("green"), N_("blue"))


def colour_photo(width: int = COLOUR_WIDTH) -> tuple:
    """(image (H, W, 3) in [0, 1] rounded to 0.1, title): scikit-learn's photo, area-averaged down
    to ``width`` pixels wide; rounded so that a window's sum can be worked out by hand."""
    try:
        from sklearn.datasets import load_sample_image
        rgb = load_sample_image("china.jpg").astype(float) / 255.0
        title = _("photo ({width} px wide, scikit-learn), values rounded to 0.1").format(width=width)
        small = np.stack([data._resize(rgb[:, :, c], width) for c in range(3)], axis=-1)
    except Exception:  # pragma: no cover - only without scikit-learn's data
        gray = data.sample_image("photo", size=width).image
        small = np.stack([gray, gray[::-1], 1 - gray], axis=-1)
        title = _("SYNTHETIC colour photo (scikit-learn data unavailable)")
    return np.round(small, 1), title


def demo_filters() -> tuple:
    """(filters (3, 3, 3, 2), bias (2,), names): Sobel x on every channel, and red minus blue at
    the centre pixel; small whole-number weights so that the sums can be predicted by hand."""
    sobel = kernels.get("vertical edge (Sobel x)")
    filters = np.zeros((3, 3, 3, 2))
    filters[:, :, :, 0] = sobel[:, :, None]
    filters[1, 1, 0, 1], filters[1, 1, 2, 1] = 1.0, -1.0
    bias = np.array([0.5, 0.2])
    return filters, bias, (N_("vertical edges, every channel"), N_("red minus blue (centre)"))


class ChannelSum(CanvasView):
    """One output value of a layer with C = 3 input channels: each channel's window times that
    channel's slice of the filter, summed per channel; the channel sums plus the bias give the
    output value. ``conv_fn(images (N, H, W, C), filters (kh, kw, C, F), bias (F,))``, the
    chapter's ``conv2d_multi``, computes every value shown: the channel sums are its outputs on one
    channel at a time with a zero bias."""

    def __init__(self, conv_fn=None):
        validate.callable_or_none(conv_fn, "conv_fn")
        self.conv_fn = conv_fn
        self.fn_name = studentfn.name_of(conv_fn) if conv_fn else None
        super().__init__()
        self._guard(self._load)

    def _run(self, images, filters, bias, expected):
        shown = (f"{self.fn_name}(images {images.shape}, filters {filters.shape}, "
                 f"bias {bias.shape})")  # a call, as code: not translated
        return studentfn.call_array(self.conv_fn, shown, expected, images.copy(), filters.copy(),
                                    bias.copy())

    def _load(self):
        image, title = colour_photo()
        filters, bias, names = demo_filters()
        names = tuple(_(n) for n in names)
        (h, w, c), (kh, kw, _c_in, f) = image.shape, filters.shape
        oh, ow = h - kh + 1, w - kw + 1
        # the reference: chapter 1's window sums, channel by channel
        ref_sums = np.array([[compute.conv2d_single(image[:, :, ch], filters[:, :, ch, j])
                              for j in range(f)] for ch in range(c)])       # (C, F, oh, ow)
        ref_out = ref_sums.sum(axis=0) + bias[:, None, None]                 # (F, oh, ow)
        sums, out, self.error = ref_sums, ref_out, None
        if self.conv_fn is not None:
            runs = [self._run(image[None, :, :, ch:ch + 1], filters[:, :, ch:ch + 1, :],
                              np.zeros(f), (1, oh, ow, f)) for ch in range(c)]
            full = self._run(image[None], filters, bias, (1, oh, ow, f))
            self.error = next((r.error for r in [*runs, full] if r.error), None)
            if self.error is None:
                sums = np.array([np.moveaxis(r.value[0], -1, 0) for r in runs])
                out = np.moveaxis(full.value[0], -1, 0)
        self.image, self.filters, self.bias = image, filters, bias
        self.sums, self.out, self.ref_sums, self.ref_out = sums, out, ref_sums, ref_out
        yours = self.conv_fn is not None and self.error is None
        who = self.fn_name if yours else _("window sums")
        if self.conv_fn is None:
            self.canvas.status = "<div>" + _("Showing the window sums (no function given).") + "</div>"
        elif self.error:
            self.canvas.status = failed(self.error, _("Your function could not be shown"))
        else:
            self.canvas.status = ""
        wmax = float(np.abs(filters).max())
        smax = float(max(np.abs(sums).max(), np.abs(out).max(), np.abs(bias).max(), 1e-9))
        panels = []
        for ch in range(c):
            panels += [grid(f"in{ch}", image[:, :, ch],
                            _("input channel {ch} ({colour})").format(ch=ch, colour=_(CHANNELS[ch])),
                            limits=(0, 1), cell_px=28, show_values=True, digits=2),
                       grid(f"k{ch}", filters[:, :, ch, 0], _("filter slice {ch}").format(ch=ch),
                            cmap="diverging", limits=(-wmax, wmax), cell_px=34,
                            show_values=True),
                       grid(f"s{ch}", [[sums[ch, 0, 0, 0]]], _("channel {ch} sum").format(ch=ch),
                            cmap="diverging", limits=(-smax, smax), cell_px=52,
                            show_values=True, digits=4)]
        panels += [grid("bias", [[bias[0]]], _("bias"), cmap="diverging", limits=(-smax, smax),
                        cell_px=52, show_values=True, digits=4),
                   grid("out", [[out[0, 0, 0]]], _("output value"), cmap="diverging",
                        limits=(-smax, smax), cell_px=52, show_values=True, digits=4),
                   grid("output", out[0], _("output map"), cmap="diverging",
                        limits=(-smax, smax), cell_px=28)]
        layout = [[f"in{ch}", "×", f"k{ch}", "=", f"s{ch}"] for ch in range(c)]
        layout.append([_("the channel sums added up, +"), "bias", "=", "out", "output"])
        frames = []
        for k in range(oh * ow):
            r, col = divmod(k, ow)
            for j in range(f):
                frames.append(self._frame(r, col, j, k, names[j], who))
        self.canvas.show(panels=panels, layout=layout, frames=frames,
                         sliders=[Slider("step", _("output position"), oh * ow, play=True,
                                         interval=600),
                                  Slider("filter", _("filter"), f, labels=names)])

    def _frame(self, r, col, j, k, name, who):
        c = self.image.shape[2]
        kh, kw = self.filters.shape[:2]
        student = self.conv_fn is not None and self.error is None
        grids = {f"k{ch}": self.filters[:, :, ch, j] for ch in range(c)}
        grids.update({f"s{ch}": [[self.sums[ch, j, r, col]]] for ch in range(c)})
        grids.update({"bias": [[self.bias[j]]], "out": [[self.out[j, r, col]]],
                      "output": self.out[j]})
        marks = [cell(f"s{ch}", 0, 0) for ch in range(c)
                 if _differs(self.sums[ch, j, r, col], self.ref_sums[ch, j, r, col])]
        wrong_out = bool(_differs(self.out[j, r, col], self.ref_out[j, r, col]))
        if wrong_out:
            marks.append(cell("out", 0, 0))
        questions = [Question(
            f"s{ch}", _("What will channel {ch}'s sum be for output[0, {row}, {col}, {j}] (its "
                        "window times filter slice {ch}, added up)?").format(ch=ch, row=r, col=col,
                                                                            j=j),
            float(self.ref_sums[ch, j, r, col]),
            student=float(self.sums[ch, j, r, col]) if student else None,
            hide=[cell(f"s{ch}", 0, 0)], name=self.fn_name or _("Your function"))
            for ch in range(c)]
        questions.append(Question(
            "out", _("What will output[0, {row}, {col}, {j}] be (the channel sums plus the "
                     "bias)?").format(row=r, col=col, j=j),
            float(self.ref_out[j, r, col]),
            student=float(self.out[j, r, col]) if student else None,
            hide=[cell("out", 0, 0), cell("output", r, col)],
            name=self.fn_name or _("Your function")))
        sums = " + ".join(f"<span data-q='s{ch}'>{self.sums[ch, j, r, col]:.4g}</span>"
                          for ch in range(c))
        line = _("<b>output[0, {row}, {col}, {j}]</b> ({name}): windows at rows {top}..{bottom}, "
                 "columns {left}..{right} of all {c} channels; {sums} + {bias} (bias) = {total} "
                 "({who})").format(
                     row=r, col=col, j=j, name=html.escape(name), top=r, bottom=r + kh - 1,
                     left=col, right=col + kw - 1, c=c, sums=sums, bias=f"{self.bias[j]:.4g}",
                     total=f"<b class='convlab-sum' data-q='out'>{self.out[j, r, col]:.4g}</b>",
                     who=html.escape(who))
        status = ""
        if student:
            n_wrong = len(marks)
            status = (bad(_("<b>{name} disagrees with the window sums here</b> ({n} value(s) "
                            "outlined in red)").format(name=html.escape(self.fn_name), n=n_wrong))
                      if n_wrong else
                      ok(_("{name} agrees with the window sums here.").format(
                          name=html.escape(self.fn_name))))
        output_box = [box("output", r, col)]
        return frame(boxes=[box(f"in{ch}", r, col, kh, kw) for ch in range(c)] + output_box,
                     grids=grids, upto={"output": k}, html=line, status=status,
                     questions=questions, marks=marks,
                     titles={"output": _("output map of filter {j} ({who})").format(j=j, who=who)})

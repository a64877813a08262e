"""Chapter 5's widgets, drawn in the browser (:mod:`convlab.widgets.canvas`): every value is
computed in Python when a control that needs new computation moves (by calling the student's
function), the browser draws it and moves its own sliders without a kernel round trip, and each
view asks for a prediction before it reveals a value (:mod:`convlab.widgets.predict`).

    TransposedConvExplorer(transpose_fn=conv2d_transpose)

Controls for the input size i, kernel size k and stride s; in the browser a step slider scatters
the input pixels one by one. A VALID transposed convolution of ones with a ones k x k kernel
scatters one kernel footprint per input pixel; the output shows how many footprints cover each
cell so far, as the student's own ``conv2d_transpose`` computes it (one call on the batch of the
i·i step masks), with its wrong cells outlined. When k is not a multiple of s the counts inside
alternate: the checkerboard. Each step asks for the count of one cell of the new footprint.

    DilationExplorer(dilate_fn=dilate_kernel)

Controls for the input size i, kernel size k and dilation d; in the browser a slider stacks 1, 2
or 3 such layers. Left: the student's ``dilate_kernel`` of a k x k kernel numbered 1 .. k*k
(wrong cells outlined); right: how many paths lead from one output back to each input cell of
its receptive field through the stacked layers. With the same dilation in every layer only every
d-th row and column is ever read: the holes of the gridding artefact. Each number of layers asks
how many cells of the receptive field reach the output. The text gives the output sizes for
VALID and SAME padding.

    ParamCalculator(param_fn=param_count)

Controls for c_in, c_out, the kernel size k, the number of groups, the depthwise multiplier m, the
output size H = W and the bias; in the browser a slider walks through a standard, a grouped, a
depthwise, a pointwise and a depthwise separable layer (the depthwise layer maps c_in to c_in·m
channels, the pointwise one those c_in·m to c_out: the separable layer's two halves). For each
kind the task is to predict the parameter count (or whether the setting is possible at all)
before the row of the table shows it, with the multiply-adds and the student's own
``param_count``; where a setting is impossible (groups not dividing the channels) that function
should raise ValueError.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.i18n import _
from convlab.widgets.base import BAD, OK, SLIDER, bad, failed, name_of, ok
from convlab.widgets.canvas import CanvasView, Slider, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute

DILATION_RANGES = {"i": (1, 16), "k": (1, 5), "d": (1, 4)}
PARAM_RANGES = {"c_in": (1, 64), "c_out": (1, 64), "k": (1, 7), "groups": (1, 16),
                "multiplier": (1, 4), "size": (1, 64)}
LAYERS = 3              # the DilationExplorer stacks up to this many layers


def _in_range(value, name: str, ranges: dict) -> int:
    value = validate.positive_int(value, name)
    lo, hi = ranges[name]
    validate.require(lo <= value <= hi, _("{name} must be between {lo} and {hi}; got {value}").format(
        name=name, lo=lo, hi=hi, value=value))
    return value


def _differs(a, b) -> np.ndarray:
    return ~np.isclose(np.asarray(a, float), np.asarray(b, float), atol=1e-9)


def _layers(n: int) -> str:
    """"1 layer", "2 layers", ... in the student's language."""
    return _("1 layer") if n == 1 else _("{n} layers").format(n=n)


def _marked(text: str, agrees: bool) -> str:
    """``text`` followed by a tick or a cross."""
    return text + (" &#10003;" if agrees else " &#10007;")


class TransposedConvExplorer(CanvasView):
    """``transpose_fn(images, filters, output_shape, stride, padding)`` (optional)."""

    def __init__(self, transpose_fn=None, i: int = 4, k: int = 3, s: int = 2):
        validate.callable_or_none(transpose_fn, "transpose_fn")
        i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
        self.transpose_fn = transpose_fn
        self.fn_name = studentfn.name_of(transpose_fn) if transpose_fn else None
        self.i = W.IntSlider(value=min(i, 8), min=1, max=8, description=_("input size i"),
                             **SLIDER)
        self.k = W.IntSlider(value=min(k, 6), min=1, max=6, description=_("kernel size k"),
                             **SLIDER)
        self.s = W.IntSlider(value=min(s, 4), min=1, max=4, description=_("stride s"), **SLIDER)
        self.info = W.HTML()
        self.counts = self.steps = self.shown = None
        super().__init__([W.HBox([self.i, self.k, self.s]), self.info])
        self._redraw_on([self.i, self.k, self.s], self._load)
        self._guard(self._load)

    @property
    def step(self) -> int:
        """The step shown (the browser's slider): input pixels 0 .. step have scattered."""
        return self.canvas.position["step"]

    def _load(self):
        i, k, s = int(self.i.value), int(self.k.value), int(self.s.value)
        self.counts = counts = compute.overlap_counts(i, k, s)
        self.steps = steps = compute.scatter_steps(i, k, s)
        o = counts.shape[0]
        inner = counts[k - 1:o - k + 1, k - 1:o - k + 1] if o > 2 * (k - 1) else counts
        uneven = inner.size > 0 and inner.min() != inner.max()
        self.info.value = (
            "<div style='font-family:monospace'>"
            + _("output size = s(i - 1) + k = {s}·({i} - 1) + {k} = {o}").format(s=s, i=i, k=k, o=o)
            + "</div><div>" + (
                _("k = {k} is not a multiple of s = {s}: inside, cells are covered {lo:g} to "
                  "{hi:g} times, a <b>checkerboard</b>.").format(k=k, s=s, lo=inner.min(),
                                                                 hi=inner.max())
                if uneven else
                _("Inside the border every cell is covered equally often: no checkerboard "
                  "(k = {k} is a multiple of s = {s}, or there is no inside).").format(k=k, s=s))
            + "</div>")
        shown, error = steps, None
        if self.transpose_fn is None:
            status = ("<div>" + _("No function given: showing the true footprint counts.")
                      + "</div>")
        else:
            run = compute.run_scatter_steps(self.transpose_fn, i, k, s)
            if run.error:
                error = run.error
                status = failed(run.error)
            else:
                shown = run.value
                wrong = int(_differs(shown[-1], counts).sum())
                name = html.escape(self.fn_name)
                status = (ok(_marked(_("your {name} matches the footprint counts").format(
                              name=name), True)) if wrong == 0 else
                          bad(_marked(_("your {name} differs in {wrong} of {cells} cells").format(
                              name=name, wrong=wrong, cells=counts.size), False)))
        self.shown = shown
        student = self.transpose_fn is not None and error is None
        title = (_("{name}(step masks, ones), {o}x{o}").format(name=self.fn_name, o=o) if student
                 else _("footprint counts, {o}x{o}").format(o=o))
        limits = (0.0, float(max(counts.max(), 1.0)))
        frames = [self._frame(n, i, k, s, shown[n], steps[n], student) for n in range(i * i)]
        self.canvas.status = status
        self.canvas.show(
            # viridis: the ones (pixels scattered so far, the kernel) yellow, the rest dark
            panels=[grid("input", np.ones((i, i)),
                         _("input, {i}x{i}: ones scattered so far").format(i=i),
                         cmap="viridis", limits=(0, 1), show_values=False),
                    grid("kernel", np.ones((k, k)), _("kernel, {k}x{k} (ones)").format(k=k),
                         cmap="viridis", limits=(0, 1), show_values=False),
                    grid("output", shown[0], title, cmap="viridis", limits=limits,
                         show_values=o <= 12, digits=2)],
            layout=[["input", _("scatters"), "kernel", "→", "output"]],
            sliders=[Slider("step", _("step"), i * i, play=True)], frames=frames)

    def _frame(self, n, i, k, s, shown, ref, student) -> dict:
        a, b = divmod(n, i)
        top, left = a * s, b * s
        window = ref[top:top + k, left:left + k]
        r, c = (int(v) for v in np.unravel_index(int(np.argmax(window)), window.shape))
        r, c = r + top, c + left
        count = int(ref[r, c])
        mask = (np.arange(i * i) <= n).astype(float).reshape(i, i)
        wrong = np.argwhere(_differs(shown, ref)) if student else []
        q = Question(
            "count", _("Input pixel ({a}, {b}) scatters its {k}x{k} footprint into output rows "
                       "{top}..{bottom}, columns {left}..{right}. How many footprints cover "
                       "output[{r}, {c}] now?").format(a=a, b=b, k=k, top=top, bottom=top + k - 1,
                                                       left=left, right=left + k - 1, r=r, c=c),
            count,
            student=int(round(float(shown[r, c]))) if student else None,
            hide=[cell("output", r, c)], name=self.fn_name or _("Your function"),
            explain=_("Pixels scattered so far whose footprints reach it: {count}.").format(
                count=count))
        line = _("<b>step {n}</b>: input pixel ({a}, {b}) adds the kernel at output ({top}, "
                 "{left}); output[{r}, {c}] is covered {count} time(s) so far").format(
            n=n, a=a, b=b, top=top, left=left, r=r, c=c,
            count=f"<b class='convlab-count' data-q='count'>{count}</b>")
        if student:
            got = float(shown[r, c])
            agrees = not _differs(got, count)
            line += _marked(_("; {name} gives {value}").format(
                name=html.escape(self.fn_name),
                value=f"<b class='convlab-yours' data-q='count' "
                      f"style='color:{OK if agrees else BAD}'>{got:.4g}</b>"), agrees)
        status = ""
        if student:
            status = (bad(_("<b>{wrong} of the {cells} cells differ from the footprint counts</b> "
                            "after step {n} (outlined in red)").format(
                              wrong=len(wrong), cells=shown.size, n=n)) if len(wrong) else
                      ok(_("{name} agrees with the footprint counts after step {n}.").format(
                          name=html.escape(self.fn_name), n=n)))
        return frame(boxes=[box("input", a, b), box("output", top, left, k, k)],
                     grids={"input": mask, "output": shown}, html=line, status=status,
                     questions=[q], marks=[cell("output", int(x), int(y)) for x, y in wrong])


class DilationExplorer(CanvasView):
    """``dilate_fn(kernel (k, k, C, F), d) -> (k_eff, k_eff, C, F)`` (optional)."""

    def __init__(self, dilate_fn=None, i: int = 7, k: int = 3, d: int = 2):
        validate.callable_or_none(dilate_fn, "dilate_fn")
        i, k, d = (_in_range(v, n, DILATION_RANGES) for v, n in ((i, "i"), (k, "k"), (d, "d")))
        self.dilate_fn = dilate_fn
        self.fn_name = studentfn.name_of(dilate_fn) if dilate_fn else None
        labels = {"i": _("input size i"), "k": _("kernel size k"), "d": _("dilation d")}
        self.i, self.k, self.d = (
            W.IntSlider(value=v, min=DILATION_RANGES[n][0], max=DILATION_RANGES[n][1],
                        description=labels[n], **SLIDER) for v, n in ((i, "i"), (k, "k"), (d, "d")))
        self.info = W.HTML()
        self.kernel = self.reach = None
        super().__init__([W.HBox([self.i, self.k, self.d]), self.info])
        self._redraw_on([self.i, self.k, self.d], self._load)
        self._guard(self._load)

    @property
    def layers(self) -> int:
        """How many layers are stacked in the frame shown (the browser's slider)."""
        return self.canvas.position["layers"] + 1

    @staticmethod
    def info_lines(g) -> list:
        """The lines of text shown for geometry ``g`` (a compute.DilationGeometry)."""
        i, k, d, ke = g.i, g.k, g.d, g.k_eff
        lines = [f"k_eff = k + (k - 1)(d - 1) = {k} + {k - 1}·{d - 1} = {ke}",
                 _("One output reads k·k = {taps} of the {ke}x{ke} = {cells} input cells it "
                   "spans: receptive field {ke}x{ke}, with the {taps} weights of a {k}x{k} "
                   "kernel.").format(taps=k * k, ke=ke, cells=ke * ke, k=k)]
        if g.valid:
            lines.append(f"VALID: o = floor((i - k_eff)/1) + 1 = floor(({i} - {ke})/1) + 1 = "
                         f"{g.valid}")
        else:
            lines.append(_("VALID: no output: the dilated kernel spans {ke} cells but the input "
                           "has only {i}.").format(ke=ke, i=i))
        before, after = g.same_pad
        lines.append(_("SAME: o = i = {o}, padding {before} before and {after} after "
                       "(k_eff - 1 = {total} in all).").format(o=g.same, before=before,
                                                                after=after, total=ke - 1))
        s, seen = g.stacked, g.stacked_seen
        lines.append(
            _("Two such layers in a row: receptive field 2(k_eff - 1) + 1 = {s}, but only "
              "{seen}x{seen} of its {s}x{s} cells reach the output (gridding).").format(s=s, seen=seen)
            if seen < s else
            _("Two such layers in a row: receptive field 2(k_eff - 1) + 1 = {s}, and every one "
              "of its cells reaches the output.").format(s=s))
        return lines

    def _load(self):
        i, k, d = int(self.i.value), int(self.k.value), int(self.d.value)
        g = compute.dilation_geometry(i, k, d)
        lines = self.info_lines(g)
        self.info.value = (f"<div style='font-family:monospace'>{html.escape(lines[0])}</div>"
                           + "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:]))
        true = compute.dilate_kernel(compute.tap_kernel(k), d)[:, :, 0, 0]
        kernel, wrong, student = true, [], False
        if self.dilate_fn is None:
            status = ("<div>" + _("No function given: showing the true dilated kernel.")
                      + "</div>")
        else:
            run = compute.run_dilate_fn(self.dilate_fn, k, d)
            if run.error:
                status = failed(run.error)
            else:
                kernel, student = run.value, True
                name = html.escape(self.fn_name)
                wrong = np.argwhere(_differs(kernel, true))
                status = (ok(_("your {name} matches the true dilated kernel {mark} "
                               "({size}x{size})").format(name=name, mark="&#10003;",
                                                         size=g.k_eff)) if len(wrong) == 0
                          else bad(_marked(_("your {name} differs from the true dilated kernel "
                                             "in {wrong} of {cells} cells").format(
                                               name=name, wrong=len(wrong), cells=true.size),
                                           False)))
        self.kernel = kernel
        true_reach = compute.stacked_reach(true, LAYERS)
        self.reach = reach = compute.stacked_reach(kernel, LAYERS)
        size = true_reach[-1].shape[0]
        frames = [self._frame(n + 1, k, d, reach[n], true_reach[n], size, student)
                  for n in range(LAYERS)]
        title = (_("{name}(kernel 1..{taps}, {d})").format(name=self.fn_name, taps=k * k, d=d)
                 if student else _("dilated kernel, d = {d}").format(d=d))
        self.canvas.status = status
        self.canvas.show(
            panels=[grid("kernel", kernel, title, cmap="viridis", limits=(0, k * k),
                         show_values=g.k_eff <= 9, digits=2, marks=wrong),
                    grid("reach", frames[0]["grids"]["reach"], "", cmap="viridis",
                         show_values=size <= 13, digits=3)],
            layout=[["kernel", _("stacked →"), "reach"]],
            sliders=[Slider("layers", _("layers"), LAYERS,
                            labels=[_layers(n) for n in range(1, LAYERS + 1)])],
            frames=frames)

    def _frame(self, layers, k, d, shown, ref, size, student) -> dict:
        span = ref.shape[0]
        off = (size - span) // 2
        padded = np.full((size, size), np.nan)
        padded[off:off + span, off:off + span] = shown
        reached, reached_shown = int((ref > 0).sum()), int((shown > 0).sum())
        holes = span * span - reached
        q = Question(
            "reach", _("{layers} of {k}x{k} taps with dilation {d}: the receptive field of one "
                       "output is {span}x{span} = {cells} input cells. How many of them reach "
                       "the output?").format(layers=_layers(layers), k=k, d=d, span=span,
                                             cells=span * span), reached,
            student=reached_shown if student else None,
            name=self.fn_name or _("Your function"),
            hide=[cell("reach", off + r, off + c) for r in range(span) for c in range(span)],
            explain=(_("Every tap sits at a multiple of d = {d}, and so does every sum of taps: "
                       "only every {d}th row and column is read.").format(d=d)
                     if d > 1 and k > 1 else _("With dilation 1 the taps leave no gaps.")))
        text = _("<b>{layers}</b>: receptive field {span}x{span}; {reached} of its {cells} cells "
                 "reach the output").format(
            layers=_layers(layers), span=span, cells=span * span,
            reached=f"<b class='convlab-reached' data-q='reach'>{reached}</b>")
        text += (_(", {holes} are holes no output of the stack ever reads (gridding); mixing "
                   "dilations (1, 2, 3) fills them.").format(
                     holes=f"<span class='convlab-holes' data-q='reach'>{holes}</span>")
                 if holes else _(", no holes."))
        status = ""
        if student and reached_shown != reached:
            status = bad(_("with your {name}'s taps {shown} cells would reach the output; the "
                           "true taps reach {reached}").format(
                             name=html.escape(self.fn_name), shown=reached_shown, reached=reached))
        return frame(boxes=[box("reach", off, off, span, span)], grids={"reach": padded},
                     titles={"reach": _("paths from each input cell to one output, "
                                        "{layers}").format(layers=_layers(layers))},
                     html=text, status=status, questions=[q])


class ParamCalculator(CanvasView):
    """``param_fn(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False) -> int``
    (optional)."""

    def __init__(self, param_fn=None, c_in: int = 16, c_out: int = 32, k: int = 3,
                 groups: int = 4, multiplier: int = 1, size: int = 32, use_bias: bool = False):
        validate.callable_or_none(param_fn, "param_fn")
        values = {n: _in_range(v, n, PARAM_RANGES) for n, v in (
            ("c_in", c_in), ("c_out", c_out), ("k", k), ("groups", groups),
            ("multiplier", multiplier), ("size", size))}
        validate.require(isinstance(use_bias, bool),
                         _("use_bias must be True or False; got {value!r}").format(value=use_bias))
        self.param_fn = param_fn
        self.fn_name = studentfn.name_of(param_fn) if param_fn else None
        labels = {"c_in": _("input channels c_in"), "c_out": _("output channels c_out"),
                  "k": _("kernel size k"), "groups": _("groups"), "multiplier": _("multiplier m"),
                  "size": _("output size H = W")}
        self.sliders = {n: W.IntSlider(value=values[n], min=lo, max=hi, description=labels[n],
                                       **SLIDER) for n, (lo, hi) in PARAM_RANGES.items()}
        self.c_in, self.c_out, self.k = (self.sliders[n] for n in ("c_in", "c_out", "k"))
        self.groups, self.multiplier, self.size = (self.sliders[n]
                                                   for n in ("groups", "multiplier", "size"))
        self.use_bias = W.Checkbox(value=use_bias, description=_("bias"), indent=False)
        self.costs = ()
        self.verdicts = ()
        super().__init__([W.HBox([self.c_in, self.c_out, self.k]),
                          W.HBox([self.groups, self.multiplier, self.size, self.use_bias])])
        self._redraw_on([*self.sliders.values(), self.use_bias], self._load)
        self._guard(self._load)

    @property
    def kind(self) -> str:
        """The kind of layer shown (the browser's slider)."""
        return compute.KINDS[self.canvas.position["kind"]]

    def _verdict(self, cost):
        """(text of the student's cell, agrees: True/False, the number it gave or None)."""
        run = compute.run_param_fn(self.param_fn, cost)
        if cost.params is None:
            if run.raised == "ValueError":
                return _marked(_("raises ValueError"), True), True, None
            got = run.error or _("returned {value:,}").format(value=run.value)
            return _marked(_("{got}; expected a ValueError").format(got=html.escape(got)),
                           False), False, None
        if run.error:
            return html.escape(run.error) + " &#10007;", False, None
        if run.value == cost.params:
            return f"{run.value:,} &#10003;", True, run.value
        return f"{run.value:,} &#10007;", False, run.value

    def _load(self):
        v = {n: int(s.value) for n, s in self.sliders.items()}
        costs = compute.layer_costs(v["c_in"], v["c_out"], v["k"], v["groups"], v["multiplier"],
                                     v["size"], bool(self.use_bias.value))
        self.costs = costs
        self.verdicts = tuple(self._verdict(c) for c in costs) if self.param_fn else ()
        if self.param_fn is None:
            status = "<div>" + _("No function given: showing the true numbers.") + "</div>"
        elif all(agrees for _text, agrees, _number in self.verdicts):
            status = ok(_marked(_("your {name} agrees on all {n} kinds").format(
                name=html.escape(self.fn_name), n=len(costs)), True))
        else:
            wrong = sum(not agrees for _text, agrees, _number in self.verdicts)
            status = bad(_marked(_("your {name} differs on {wrong} of {n} kinds").format(
                name=html.escape(self.fn_name), wrong=wrong, n=len(costs)), False))
        shown = [c.params if c.params is not None else np.nan for c in costs]
        if self.param_fn is not None:       # the student's numbers where it gave one
            shown = [number if number is not None else np.nan
                     for _text, _agrees, number in self.verdicts]
        finite = [x for x in shown if np.isfinite(x)]
        frames = [self._frame(n, v, shown) for n in range(len(costs))]
        self.canvas.status = status
        self.canvas.show(
            panels=[grid("params", [shown], _("parameters, kind by kind") + (
                f" ({html.escape(self.fn_name)})" if self.param_fn else ""), cmap="viridis",
                limits=(0, max(finite) if finite else 1), show_values=True, digits=7,
                cell_px=72)],
            layout=[["params"]],
            sliders=[Slider("kind", _("kind"), len(costs),
                            labels=[_(compute.KIND_NAMES[c.kind]) for c in costs])],
            frames=frames)

    def _frame(self, n: int, v: dict, shown) -> dict:
        costs = self.costs
        c = costs[n]
        channels = (_("{n} input channels with a bias") if self.use_bias.value
                    else _("{n} input channels")).format(n=c.args[2])
        if c.params is None:
            q = Question("p", _("Is {layer} possible on {channels}?").format(
                             layer=c.keras, channels=channels), _("impossible"),
                         choices=(_("possible"), _("impossible")),
                         explain=_("Keras refuses it: {error}.").format(error=html.escape(c.error)))
        else:
            student = self.verdicts[n][2] if self.param_fn else None
            q = Question("p", _("How many parameters does {layer} have on {channels}?").format(
                             layer=c.keras, channels=channels),
                         int(c.params), student=student, hide=[cell("params", 0, n)],
                         name=self.fn_name or _("Your function"),
                         explain=f"{html.escape(c.formula)}.")
        head = [_("kind"), _("parameters"), _("multiply-adds")] + (
            [_("your {name}").format(name=html.escape(self.fn_name))] if self.param_fn else [])
        td = "<td style='padding:1px 8px;{}' class='{}'>{}</td>"
        rows = []
        for m, cost in enumerate(costs[:n + 1]):
            q_attr = " data-q='p'" if m == n else ""
            kind = (f"<b>{html.escape(cost.label)}</b><br><span style='color:#666;font-size:85%'>"
                    f"{html.escape(cost.keras)}</span>")
            tds = [td.format("", "convlab-kind", kind)]
            if cost.params is None:
                tds.append(td.format(f"color:{BAD}", "convlab-params",
                                     f"<span{q_attr}>"
                                     + _("impossible: {error}").format(error=html.escape(cost.error))
                                     + "</span>"))
                tds.append(td.format("", "convlab-madds", "&#8212;"))
            else:
                tds.append(td.format("font-family:monospace", "convlab-params",
                                     f"<span{q_attr}>{html.escape(cost.formula)}</span>"))
                tds.append(td.format("font-family:monospace;text-align:right", "convlab-madds",
                                     f"<span{q_attr}>{cost.mult_adds:,}</span>"))
            if self.param_fn is not None:
                text, agrees, _number = self.verdicts[m]
                tds.append(td.format(f"color:{OK if agrees else BAD}", "convlab-yours",
                                     f"<span{q_attr}>{text}</span>"))
            rows.append(f"<tr data-kind='{cost.kind}'>{''.join(tds)}</tr>")
        table = ("<table class='convlab-param-table' style='border-collapse:collapse'><tr>"
                 + "".join(f"<th style='padding:1px 8px;text-align:left'>{h}</th>" for h in head)
                 + "</tr>" + "".join(rows) + "</table>"
                 + "<div>" + _("Multiply-adds: weights (no bias) × {size}·{size} output pixels. "
                               "Step the kind slider to predict the next row.").format(size=v["size"])
                 + "</div>")
        return frame(boxes=[box("params", 0, n)], upto={"params": n}, html=table,
                     questions=[q])

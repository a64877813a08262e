"""Chapter 5's widgets: the checkerboard of transposed convolution, dilated convolution, and what
each kind of convolution costs.

    TransposedConvExplorer(transpose_fn=conv2d_transpose)

Sliders for the input size i, kernel size k and stride s. A VALID transposed convolution of an
all-ones i x i image with an all-ones k x k kernel scatters one kernel footprint per input pixel;
the figure shows how many footprints cover each output cell (outlined: the first row of
footprints). When k is not a multiple of s the counts alternate: the checkerboard artefact. The
student's own ``conv2d_transpose`` runs on the same input and is compared cell by cell.

    DilationExplorer(dilate_fn=dilate_kernel)

Sliders for the input size i, kernel size k and dilation d. The figure shows the k x k taps of
one output spread d cells apart over the i x i input, their span k_eff = k + (k - 1)(d - 1)
(the receptive field of one output) and the true dilated kernel; the text gives the output sizes
for VALID and SAME padding and what two such layers in a row see (the gridding artefact). The
student's own ``dilate_kernel`` runs on a k x k kernel numbered 1 .. k*k and is compared with the
true dilated kernel, cell by cell.

    ParamCalculator(param_fn=param_count)

Sliders for c_in, c_out, the kernel size k, the number of groups, the depthwise multiplier m and
the output size H = W, and a bias checkbox. A table and a bar chart compare the parameters (as
Keras counts them) and the multiply-adds of a standard, a grouped, a depthwise, a pointwise and a
depthwise separable layer (the depthwise layer maps c_in to c_in·m channels, the pointwise one
those c_in·m to c_out: the separable layer's two halves). The student's own ``param_count`` is
called for every kind and its numbers are shown next to the true ones; where a setting is
impossible (groups not dividing the channels) it should raise ValueError.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import validate
from convlab.widgets.base import BAD, OK, SLIDER, GuardedView, bad, failed, name_of, ok

from . import compute, figures

DILATION_RANGES = {"i": (1, 16), "k": (1, 5), "d": (1, 4)}
PARAM_RANGES = {"c_in": (1, 64), "c_out": (1, 64), "k": (1, 7), "groups": (1, 16),
                "multiplier": (1, 4), "size": (1, 64)}


def _in_range(value, name: str, ranges: dict) -> int:
    value = validate.positive_int(value, name)
    lo, hi = ranges[name]
    validate.require(lo <= value <= hi, f"{name} must be between {lo} and {hi}; got {value}")
    return value


class TransposedConvExplorer(GuardedView):
    """``transpose_fn(images, filters, output_shape, stride, padding)`` (optional)."""

    def __init__(self, transpose_fn=None, i: int = 4, k: int = 3, s: int = 2):
        validate.callable_or_none(transpose_fn, "transpose_fn")
        i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
        self.transpose_fn = transpose_fn
        self.i = W.IntSlider(value=min(i, 8), min=1, max=8, description="input size i", **SLIDER)
        self.k = W.IntSlider(value=min(k, 6), min=1, max=6, description="kernel size k", **SLIDER)
        self.s = W.IntSlider(value=min(s, 4), min=1, max=4, description="stride s", **SLIDER)
        self.info = W.HTML()
        super().__init__([W.HBox([self.i, self.k, self.s]), self.info])
        self._redraw_on([self.i, self.k, self.s])
        self._guard(self._draw)

    def _draw(self):
        i, k, s = int(self.i.value), int(self.k.value), int(self.s.value)
        counts = compute.overlap_counts(i, k, s)
        o = counts.shape[0]
        inner = counts[k - 1:o - k + 1, k - 1:o - k + 1] if o > 2 * (k - 1) else counts
        uneven = inner.size > 0 and inner.min() != inner.max()
        self.info.value = (
            f"<div style='font-family:monospace'>output size = s(i - 1) + k = {s}·({i} - 1) + {k}"
            f" = {o}</div><div>" + (
                f"k = {k} is not a multiple of s = {s}: inside, cells are covered "
                f"{inner.min():g} to {inner.max():g} times, a <b>checkerboard</b>."
                if uneven else
                f"Inside the border every cell is covered equally often: no checkerboard "
                f"(k = {k} is a multiple of s = {s}, or there is no inside).") + "</div>")
        student = None
        if self.transpose_fn is None:
            self.status.value = "<div>No function given: showing the true footprint counts.</div>"
        else:
            run = compute.run_transpose_fn(self.transpose_fn, i, k, s)
            if run.error:
                self.status.value = failed(run.error)
            else:
                student = run.value
                wrong = int((~np.isclose(student, counts)).sum())
                self.status.value = (
                    ok("your conv2d_transpose matches the footprint counts &#10003;") if wrong == 0
                    else bad(f"your conv2d_transpose differs in {wrong} of {counts.size} cells "
                             f"&#10007;"))
        self._show_figure((i, k, s), lambda: figures.transposed_figure(counts, k, s, student))


class DilationExplorer(GuardedView):
    """``dilate_fn(kernel (k, k, C, F), d) -> (k_eff, k_eff, C, F)`` (optional)."""

    def __init__(self, dilate_fn=None, i: int = 7, k: int = 3, d: int = 2):
        validate.callable_or_none(dilate_fn, "dilate_fn")
        i, k, d = (_in_range(v, n, DILATION_RANGES) for v, n in ((i, "i"), (k, "k"), (d, "d")))
        self.dilate_fn = dilate_fn
        labels = {"i": "input size i", "k": "kernel size k", "d": "dilation d"}
        self.i, self.k, self.d = (
            W.IntSlider(value=v, min=DILATION_RANGES[n][0], max=DILATION_RANGES[n][1],
                        description=labels[n], **SLIDER) for v, n in ((i, "i"), (k, "k"), (d, "d")))
        self.info = W.HTML()
        super().__init__([W.HBox([self.i, self.k, self.d]), self.info])
        self._redraw_on([self.i, self.k, self.d])
        self._guard(self._draw)

    @staticmethod
    def info_lines(g) -> list:
        """The lines of text shown for geometry ``g`` (a compute.DilationGeometry)."""
        i, k, d, ke = g.i, g.k, g.d, g.k_eff
        lines = [f"k_eff = k + (k - 1)(d - 1) = {k} + {k - 1}·{d - 1} = {ke}",
                 f"One output reads k·k = {k * k} of the {ke}x{ke} = {ke * ke} input cells it "
                 f"spans: receptive field {ke}x{ke}, with the {k * k} weights of a {k}x{k} kernel."]
        if g.valid:
            lines.append(f"VALID: o = floor((i - k_eff)/1) + 1 = floor(({i} - {ke})/1) + 1 = "
                         f"{g.valid}")
        else:
            lines.append(f"VALID: no output: the dilated kernel spans {ke} cells but the input "
                         f"has only {i}.")
        before, after = g.same_pad
        lines.append(f"SAME: o = i = {g.same}, padding {before} before and {after} after "
                     f"(k_eff - 1 = {ke - 1} in all).")
        s, seen = g.stacked, g.stacked_seen
        lines.append(f"Two such layers in a row: receptive field 2(k_eff - 1) + 1 = {s}, " + (
            f"but only {seen}x{seen} of its {s}x{s} cells reach the output (gridding)."
            if seen < s else "and every one of its cells reaches the output."))
        return lines

    def _draw(self):
        i, k, d = int(self.i.value), int(self.k.value), int(self.d.value)
        g = compute.dilation_geometry(i, k, d)
        lines = self.info_lines(g)
        self.info.value = (f"<div style='font-family:monospace'>{html.escape(lines[0])}</div>"
                           + "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:]))
        true = compute.dilate_kernel(compute.tap_kernel(k), d)[:, :, 0, 0]
        student = None
        if self.dilate_fn is None:
            self.status.value = "<div>No function given: showing the true dilated kernel.</div>"
        else:
            run = compute.run_dilate_fn(self.dilate_fn, k, d)
            if run.error:
                self.status.value = failed(run.error)
            else:
                student = run.value
                name = name_of(self.dilate_fn)
                wrong = int((~np.isclose(student, true)).sum())
                self.status.value = (
                    ok(f"your {name} matches the true dilated kernel &#10003; "
                       f"({g.k_eff}x{g.k_eff})") if wrong == 0
                    else bad(f"your {name} differs from the true dilated kernel in {wrong} of "
                             f"{true.size} cells &#10007;"))
        self._show_figure(None, lambda: figures.dilation_figure(g, true, student))


class ParamCalculator(GuardedView):
    """``param_fn(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False) -> int``
    (optional)."""

    def __init__(self, param_fn=None, c_in: int = 16, c_out: int = 32, k: int = 3,
                 groups: int = 4, multiplier: int = 1, size: int = 32, use_bias: bool = False):
        validate.callable_or_none(param_fn, "param_fn")
        values = {n: _in_range(v, n, PARAM_RANGES) for n, v in (("c_in", c_in), ("c_out", c_out), ("k", k),
                                                  ("groups", groups), ("multiplier", multiplier),
                                                  ("size", size))}
        validate.require(isinstance(use_bias, bool),
                         f"use_bias must be True or False; got {use_bias!r}")
        self.param_fn = param_fn
        labels = {"c_in": "input channels c_in", "c_out": "output channels c_out",
                  "k": "kernel size k", "groups": "groups", "multiplier": "multiplier m",
                  "size": "output size H = W"}
        self.sliders = {n: W.IntSlider(value=values[n], min=lo, max=hi, description=labels[n],
                                       **SLIDER) for n, (lo, hi) in PARAM_RANGES.items()}
        self.c_in, self.c_out, self.k = (self.sliders[n] for n in ("c_in", "c_out", "k"))
        self.groups, self.multiplier, self.size = (self.sliders[n]
                                                   for n in ("groups", "multiplier", "size"))
        self.use_bias = W.Checkbox(value=use_bias, description="bias", indent=False)
        self.table = W.HTML()
        self.costs = ()
        super().__init__([W.HBox([self.c_in, self.c_out, self.k]),
                          W.HBox([self.groups, self.multiplier, self.size, self.use_bias]),
                          self.table])
        self._redraw_on([*self.sliders.values(), self.use_bias])
        self._guard(self._draw)

    def _verdict(self, cost):
        """(text of the student's cell, agrees: True/False, the number to plot or None)."""
        run = compute.run_param_fn(self.param_fn, cost)
        if cost.params is None:
            if run.raised == "ValueError":
                return "raises ValueError &#10003;", True, None
            got = run.error or f"returned {run.value:,}"
            return f"{html.escape(got)}; expected a ValueError &#10007;", False, None
        if run.error:
            return html.escape(run.error) + " &#10007;", False, None
        if run.value == cost.params:
            return f"{run.value:,} &#10003;", True, run.value
        return f"{run.value:,} &#10007;", False, run.value

    def _draw(self):
        v = {n: int(s.value) for n, s in self.sliders.items()}
        costs = compute.layer_costs(v["c_in"], v["c_out"], v["k"], v["groups"], v["multiplier"],
                                     v["size"], bool(self.use_bias.value))
        self.costs = costs
        name = name_of(self.param_fn)
        head = ["kind", "parameters", "multiply-adds"] + (
            [f"your {name}"] if self.param_fn is not None else [])
        rows, student, agree = [], [], []
        cell = "<td style='padding:1px 8px;{}' class='{}'>{}</td>"
        for c in costs:
            kind = (f"<b>{html.escape(c.label)}</b><br><span style='color:#666;font-size:85%'>"
                    f"{html.escape(c.keras)}</span>")
            tds = [cell.format("", "convlab-kind", kind)]
            if c.params is None:
                tds.append(cell.format(f"color:{BAD}", "convlab-params",
                                       f"impossible: {html.escape(c.error)}"))
                tds.append(cell.format("", "convlab-madds", "&#8212;"))
            else:
                tds.append(cell.format("font-family:monospace", "convlab-params",
                                       html.escape(c.formula)))
                tds.append(cell.format("font-family:monospace;text-align:right", "convlab-madds",
                                       f"{c.mult_adds:,}"))
            if self.param_fn is not None:
                text, agrees, number = self._verdict(c)
                tds.append(cell.format(f"color:{OK if agrees else BAD}", "convlab-yours", text))
                student.append(number)
                agree.append(agrees)
            rows.append(f"<tr data-kind='{c.kind}'>{''.join(tds)}</tr>")
        self.table.value = (
            "<table class='convlab-param-table' style='border-collapse:collapse'><tr>"
            + "".join(f"<th style='padding:1px 8px;text-align:left'>{h}</th>" for h in head)
            + "</tr>" + "".join(rows) + "</table>"
            + f"<div>Multiply-adds: weights (no bias) × {v['size']}·{v['size']} output "
              f"pixels.</div>")
        if self.param_fn is None:
            self.status.value = "<div>No function given: showing the true numbers.</div>"
        elif all(agree):
            self.status.value = ok(f"your {name} agrees on all {len(costs)} kinds &#10003;")
        else:
            self.status.value = bad(f"your {name} differs on {agree.count(False)} of {len(costs)} "
                                    f"kinds &#10007;")
        self._show_figure(None, lambda: figures.param_figure(
            costs, student if self.param_fn is not None else None,
            getattr(self.param_fn, "__name__", "function")))

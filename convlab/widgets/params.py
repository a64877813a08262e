"""Chapter 5: what each kind of convolution costs.

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

from .base import BAD, OK, GuardedView
from .. import plotting, validate, variants

RANGES = {"c_in": (1, 64), "c_out": (1, 64), "k": (1, 7), "groups": (1, 16),
          "multiplier": (1, 4), "size": (1, 64)}


def _in_range(value, name: str) -> int:
    value = validate.positive_int(value, name)
    lo, hi = RANGES[name]
    validate.require(lo <= value <= hi, f"{name} must be between {lo} and {hi}; got {value}")
    return value


class ParamCalculator(GuardedView):
    """``param_fn(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False) -> int``
    (optional)."""

    def __init__(self, param_fn=None, c_in: int = 16, c_out: int = 32, k: int = 3,
                 groups: int = 4, multiplier: int = 1, size: int = 32, use_bias: bool = False):
        validate.callable_or_none(param_fn, "param_fn")
        values = {n: _in_range(v, n) for n, v in (("c_in", c_in), ("c_out", c_out), ("k", k),
                                                  ("groups", groups), ("multiplier", multiplier),
                                                  ("size", size))}
        validate.require(isinstance(use_bias, bool),
                         f"use_bias must be True or False; got {use_bias!r}")
        self.param_fn = param_fn
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        labels = {"c_in": "input channels c_in", "c_out": "output channels c_out",
                  "k": "kernel size k", "groups": "groups", "multiplier": "multiplier m",
                  "size": "output size H = W"}
        self.sliders = {n: W.IntSlider(value=values[n], min=RANGES[n][0], max=RANGES[n][1],
                                       description=labels[n], **slider) for n in RANGES}
        self.c_in, self.c_out, self.k = (self.sliders[n] for n in ("c_in", "c_out", "k"))
        self.groups, self.multiplier, self.size = (self.sliders[n]
                                                   for n in ("groups", "multiplier", "size"))
        self.use_bias = W.Checkbox(value=use_bias, description="bias", indent=False)
        self.table = W.HTML()
        self.status = W.HTML()
        self.figure = W.Image(format="png")
        self.callback_log = W.Output()
        self.costs = ()
        super().__init__([W.HBox([self.c_in, self.c_out, self.k]),
                          W.HBox([self.groups, self.multiplier, self.size, self.use_bias]),
                          self.table, self.status, self.figure, self.callback_log])
        for w in (*self.sliders.values(), self.use_bias):
            w.observe(self._on_change, names="value")
        self._guard(self._draw)

    def _on_change(self, change):
        self._guard(self._draw)

    def _verdict(self, cost):
        """(text of the student's cell, agrees: True/False, the number to plot or None)."""
        run = variants.run_param_fn(self.param_fn, cost)
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
        costs = variants.layer_costs(v["c_in"], v["c_out"], v["k"], v["groups"], v["multiplier"],
                                     v["size"], bool(self.use_bias.value))
        self.costs = costs
        name = html.escape(getattr(self.param_fn, "__name__", "your function"))
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
                text, ok, number = self._verdict(c)
                tds.append(cell.format(f"color:{OK if ok else BAD}", "convlab-yours", text))
                student.append(number)
                agree.append(ok)
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
            self.status.value = (f"<div style='color:{OK}'>your {name} agrees on all "
                                 f"{len(costs)} kinds &#10003;</div>")
        else:
            self.status.value = (f"<div style='color:{BAD}'>your {name} differs on "
                                 f"{agree.count(False)} of {len(costs)} kinds &#10007;</div>")
        self.figure.value = plotting.to_png(plotting.param_figure(
            costs, student if self.param_fn is not None else None,
            getattr(self.param_fn, "__name__", "function")))

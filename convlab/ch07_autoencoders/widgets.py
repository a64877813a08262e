"""Chapter 7: where to put the threshold on the reconstruction error.

    ThresholdExplorer(x, x_hat, labels, error_fn=reconstruction_error,
                      choose_fn=choose_threshold, synthetic=True)

The errors are computed with the student's own ``error_fn`` (per-row error) from the validation
inputs and their reconstructions. A threshold slider (log scale) moves the decision line; the
status shows precision, recall, the confusion matrix and the cost of missed frauds versus false
alarms (both costs are sliders). The figure shows the errors of normal and fraud transactions and
the precision-recall curve with the current point. With ``choose_fn``, a target-recall slider and
a button put the threshold where the student's ``choose_threshold`` says.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.widgets.base import SLIDER, GuardedView, failed, ok

from . import compute, figures


class ThresholdExplorer(GuardedView):
    def __init__(self, x, x_hat, labels, error_fn=None, choose_fn=None, synthetic: bool = False,
                 missed_fraud_cost: float = 100.0, false_alarm_cost: float = 1.0):
        validate.callable_or_none(error_fn, "error_fn")
        validate.callable_or_none(choose_fn, "choose_fn")
        x = validate.array(x, "x", ndim=2, layout="(N, D)")
        x_hat = validate.array(x_hat, "x_hat", ndim=2, layout="(N, D)")
        validate.require(x.shape == x_hat.shape, f"x and x_hat must have the same shape; got "
                                                 f"{x.shape} and {x_hat.shape}")
        labels = np.asarray(labels)
        validate.require(labels.shape == (len(x),) and np.isin(labels, (0, 1)).all(),
                         f"labels must be {len(x)} zeros and ones (1 = fraud)")
        validate.require(labels.sum() > 0, "labels must contain at least one fraud (1)")
        self.x, self.x_hat, self.labels = x, x_hat, labels.astype(int)
        self.error_fn, self.choose_fn = error_fn, choose_fn
        self.title = "SYNTHETIC data" if synthetic else "validation"
        self.threshold = W.FloatLogSlider(value=1.0, base=10, min=-3, max=3, step=0.02,
                                          description="threshold", readout_format=".3g", **SLIDER)
        self.missed = W.FloatLogSlider(value=missed_fraud_cost, base=10, min=0, max=4, step=0.1,
                                       description="cost of a missed fraud", **SLIDER)
        self.alarm = W.FloatLogSlider(value=false_alarm_cost, base=10, min=-1, max=2, step=0.1,
                                      description="cost of a false alarm", **SLIDER)
        self.target = W.FloatSlider(value=0.8, min=0.05, max=1.0, step=0.05,
                                    description="target recall", **SLIDER)
        self.use_choice = W.Button(description="threshold from choose_fn",
                                   disabled=choose_fn is None)
        self.metrics = W.HTML()
        self.errors = None
        self.chosen = None
        self.point = None
        super().__init__([self.threshold, W.HBox([self.missed, self.alarm]),
                          W.HBox([self.target, self.use_choice])], between=[self.metrics])
        self._guard(self._compute_errors)
        self._redraw_on([self.threshold, self.missed, self.alarm, self.target])
        self.use_choice.on_click(lambda button: self._guard(self._apply_choice))
        self._guard(self._draw)

    def _compute_errors(self):
        if self.error_fn is None:
            self.errors = compute.reconstruction_error(self.x, self.x_hat)
            self._source = "<div>No error function given: showing the true mean squared error.</div>"
        else:
            name = studentfn.name_of(self.error_fn)
            run = studentfn.call(self.error_fn, f"{name}(x, x_hat)", self.x.copy(), self.x_hat.copy())
            value, err = run.value, run.error
            if err is None:
                try:
                    value = compute.check_errors(value, len(self.x))
                except ValueError as exc:
                    err = f"{name}: {exc}"
            if err is not None:
                self.errors = None
                self._source = failed(err, "Your error function")
                return
            self.errors = value
            self._source = ok(f"errors computed by your {html.escape(name)}")
        self._curve = compute.pr_curve(self.errors, self.labels)   # the same for every threshold
        lo, hi = np.log10(max(self.errors.min(), 1e-9)), np.log10(max(self.errors.max(), 1e-9))
        self.threshold.min, self.threshold.max = np.floor(lo) - 0.1, np.ceil(hi) + 0.1
        self.threshold.value = float(np.quantile(self.errors, 0.99))

    def _apply_choice(self):
        if self.errors is None:
            return
        run = studentfn.call(self.choose_fn, f"{studentfn.name_of(self.choose_fn)}(errors, labels, "
                             f"{self.target.value:.2f})", self.errors.copy(), self.labels.copy(),
                             float(self.target.value))
        value, err = run.value, run.error
        if err is None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                err = f"expected a number (the threshold); got {type(value).__name__}"
        if err is not None:
            self.chosen = None
            self._choice = failed(err, "Your choose function")
        else:
            self.chosen = value
            op = compute.operating_point(self.errors, self.labels, value)
            self._choice = (f"<div>choose_fn(target recall {self.target.value:.2f}) = {value:.4g}: "
                            f"recall {op.recall:.3f}, precision {op.precision:.3f}</div>")
            self.threshold.value = value              # redraws
        self._draw()

    def _draw(self):
        choice = getattr(self, "_choice", "")
        if self.errors is None:
            self.status.value = self._source + choice
            self.metrics.value = "<div>Nothing to show until the error function works.</div>"
            return
        t = float(self.threshold.value)
        op = compute.operating_point(self.errors, self.labels, t)
        self.point = (op.recall, op.precision)
        cost = op.cost(self.missed.value, self.alarm.value)
        self.status.value = self._source + choice
        p = "n/a (nothing flagged)" if op.tp + op.fp == 0 else f"{op.precision:.3f}"
        self.metrics.value = (
            f"<div><b>{html.escape(self.title)}</b>: flag errors &ge; {t:.4g}: "
            f"precision {p}, recall {op.recall:.3f}; cost {cost:,.0f} = {op.fn} missed frauds "
            f"&times; {self.missed.value:.3g} + {op.fp} false alarms &times; {self.alarm.value:.3g}</div>"
            "<table style='border-collapse:collapse'>"
            "<tr><td></td><td><b>flagged</b></td><td><b>not flagged</b></td></tr>"
            f"<tr><td><b>fraud</b></td><td>TP {op.tp}</td><td>FN {op.fn}</td></tr>"
            f"<tr><td><b>normal</b></td><td>FP {op.fp}</td><td>TN {op.tn}</td></tr></table>")
        # the costs do not change the figure; for the same errors and chosen threshold,
        # threshold_figure moves the line and the point in the figure shown, and only those
        # are redrawn
        self._show_figure((t, self.chosen, id(self.errors)), self._threshold_figure)

    def _threshold_figure(self):
        precision, recall = self._curve
        self._fig = figures.threshold_figure(
            self.errors, self.labels, float(self.threshold.value), precision, recall, self.point,
            self.title, self.chosen, fig=getattr(self, "_fig", None))
        return self._fig

"""Chapter 7: where to put the threshold on the reconstruction error, drawn in the browser
(:mod:`convlab.widgets.canvas`).

    ThresholdExplorer(x, x_hat, labels, error_fn=reconstruction_error,
                      choose_fn=choose_threshold, synthetic=True)

The errors are computed with the student's own ``error_fn`` (per-row error) from the validation
inputs and their reconstructions. The task: reach a target recall with the fewest false alarms.
The threshold slider (drawn by the browser, no kernel round trip) runs over the frauds' errors,
largest first: flagging every error >= the k-th largest catches k frauds, and any threshold
between two fraud errors only adds false alarms. Each position shows the confusion matrix,
precision, recall and the cost of missed frauds versus false alarms (both costs are Python
sliders), and says how far the task is.

Predict, then check: before anything is flagged the widget asks where the threshold will land
for the target recall (the rank of the fraud whose error it is) and the recall that gives; at
every other position, how many frauds the threshold catches, before the counts are shown. The
answers come from the reference computations (:mod:`convlab.widgets.predict`); where the
student's ``error_fn`` or ``choose_fn`` disagrees, the verdict says so. With ``choose_fn``, a
button puts the slider where the student's ``choose_threshold`` says. The figure below (errors by
class, the precision-recall curve) does not move with the slider: it would show the answers.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.figures import to_png
from convlab.i18n import _
from convlab.widgets.base import SLIDER, failed, ok
from convlab.widgets.canvas import CanvasView, Slider, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute, figures

STRIP = 10              # fraud errors per row of the strip


def frauds_needed(n_frauds: int, target_recall: float) -> int:
    """How many of ``n_frauds`` frauds reach ``target_recall``: the smallest k with
    k / n_frauds >= target_recall (compared as the exercise does, not by rounding)."""
    return int(np.argmax(np.arange(1, n_frauds + 1) / n_frauds >= target_recall)) + 1


class ThresholdExplorer(CanvasView):
    def __init__(self, x, x_hat, labels, error_fn=None, choose_fn=None, synthetic: bool = False,
                 missed_fraud_cost: float = 100.0, false_alarm_cost: float = 1.0,
                 target_recall: float = 0.8):
        validate.callable_or_none(error_fn, "error_fn")
        validate.callable_or_none(choose_fn, "choose_fn")
        x = validate.array(x, "x", ndim=2, layout="(N, D)")
        x_hat = validate.array(x_hat, "x_hat", ndim=2, layout="(N, D)")
        validate.require(x.shape == x_hat.shape,
                         _("x and x_hat must have the same shape; got {x} and {x_hat}").format(
                             x=x.shape, x_hat=x_hat.shape))
        labels = np.asarray(labels)
        validate.require(labels.shape == (len(x),) and np.isin(labels, (0, 1)).all(),
                         _("labels must be {n} zeros and ones (1 = fraud)").format(n=len(x)))
        validate.require(labels.sum() > 0, _("labels must contain at least one fraud (1)"))
        self.x, self.x_hat, self.labels = x, x_hat, labels.astype(int)
        self.error_fn, self.choose_fn = error_fn, choose_fn
        self.title = _("SYNTHETIC data") if synthetic else _("validation")
        self.missed = W.FloatLogSlider(value=missed_fraud_cost, base=10, min=0, max=4, step=0.1,
                                       description=_("cost of a missed fraud"), **SLIDER)
        self.alarm = W.FloatLogSlider(value=false_alarm_cost, base=10, min=-1, max=2, step=0.1,
                                      description=_("cost of a false alarm"), **SLIDER)
        self.target = W.FloatSlider(value=target_recall, min=0.05, max=1.0, step=0.05,
                                    description=_("target recall"), **SLIDER)
        self.use_choice = W.Button(description=_("threshold from choose_fn"),
                                   disabled=choose_fn is None)
        self.figure = W.Image(format="png")
        self.errors = self.reference = self.chosen = None
        self.thresholds = []
        self._source = self._choice = ""
        super().__init__([W.HBox([self.missed, self.alarm]), W.HBox([self.target, self.use_choice])],
                         below=[self.figure])
        self._guard(self._compute_errors)
        self._redraw_on([self.missed, self.alarm, self.target], self._load)
        self.use_choice.on_click(lambda button: self._guard(self._apply_choice))
        self._guard(self._load)

    # --- the student's functions -----------------------------------------------------------
    @property
    def target_recall(self) -> float:
        """The target recall as shown (two decimals), whatever the slider's float steps made it."""
        return round(float(self.target.value), 2)

    @property
    def n_frauds(self) -> int:
        return int(self.labels.sum())

    def _compute_errors(self):
        self.reference = compute.reconstruction_error(self.x, self.x_hat)
        if self.error_fn is None:
            self.errors, self.error_name = self.reference, "reconstruction_error"
            self._source = "<div>{}</div>".format(
                _("No error function given: showing the true mean squared error."))
            return
        name = self.error_name = studentfn.name_of(self.error_fn)
        run = studentfn.call(self.error_fn, f"{name}(x, x_hat)", self.x.copy(), self.x_hat.copy())
        value, err = run.value, run.error
        if err is None:
            try:
                value = compute.check_errors(value, len(self.x))
            except ValueError as exc:
                err = f"{name}: {exc}"
        if err is not None:
            self.errors = None
            self._source = failed(err, _("Your error function"))
            return
        self.errors = value
        self._source = ok(_("errors computed by your {name}").format(name=html.escape(name)))

    def _student_choice(self):
        """(threshold, None) from the student's choose_fn for the target recall, or (None, error)."""
        name = studentfn.name_of(self.choose_fn)
        run = studentfn.call(self.choose_fn, f"{name}(errors, labels, {self.target_recall:.2f})",
                             self.errors.copy(), self.labels.copy(), self.target_recall)
        if run.error is not None:
            return None, run.error
        try:
            return float(run.value), None
        except (TypeError, ValueError):
            return None, _("expected a number (the threshold); got {type}").format(
                type=type(run.value).__name__)

    def _apply_choice(self):
        if self.errors is None:
            return
        value, err = self._student_choice()
        if err is not None:
            self.chosen = None
            self._choice = failed(err, _("Your choose function"))
        else:
            self.chosen = value
            op = compute.operating_point(self.errors, self.labels, value)
            self._choice = "<div>{}</div>".format(
                _("choose_fn(target recall {target:.2f}) = {value:.4g}: recall {recall:.3f}, "
                  "precision {precision:.3f}").format(target=self.target_recall, value=value,
                                                      recall=op.recall, precision=op.precision))
        self._load()
        if self.chosen is not None:
            # the position that flags the same frauds: the lowest fraud error >= the choice
            self.canvas.move(threshold=int(np.sum(np.asarray(self.thresholds[1:]) >= self.chosen)))

    # --- frames ------------------------------------------------------------------------------
    def _load(self):
        self.canvas.status = self._source + self._choice
        if self.errors is None:
            self.canvas.show(panels=[grid("frauds", [[np.nan]], _("no errors to show"))],
                             layout=[["frauds"]], sliders=[Slider("threshold", _("threshold"), 1)],
                             frames=[frame(html="<div>{}</div>".format(
                                 _("Nothing to show until the error function works.")))])
            self.figure.value = b""
            return
        errors, labels, n, r = self.errors, self.labels, self.n_frauds, self.target_recall
        fraud_errors = np.sort(errors[labels == 1])[::-1]
        levels = np.unique(fraud_errors)[::-1]                       # distinct, largest first
        above_all = float(errors.max()) * 1.5 + 1e-12                 # flags nothing
        self.thresholds = [above_all] + [float(t) for t in levels]
        need = frauds_needed(n, r)
        best = compute.operating_point(errors, labels, float(fraud_errors[need - 1]))
        columns = min(n, STRIP)
        strip = np.full(int(np.ceil(n / columns)) * columns, np.nan)
        strip[:n] = fraud_errors
        strip = strip.reshape(-1, columns)
        frames = [self._frame(k, t, best, need, r) for k, t in enumerate(self.thresholds)]
        self.canvas.show(
            panels=[grid("frauds", strip, _("the frauds' errors, largest first (row by row)"),
                         cmap="viridis", show_values=True, digits=3),
                    grid("confusion", [[0, n], [0, len(labels) - n]],
                         _("confusion: fraud [TP FN], normal [FP TN]"), cmap="gray",
                         show_values=True, digits=6, cell_px=70)],
            layout=[["frauds"], ["confusion"]],
            sliders=[Slider("threshold", _("threshold"), len(self.thresholds),
                            labels=[f"{t:.4g}" for t in self.thresholds])],
            frames=frames)
        self._figure()

    def _frame(self, k: int, t: float, best, need: int, r: float) -> dict:
        """Position ``k``: flag every error >= ``t`` (k = 0: nothing flagged)."""
        n = self.n_frauds
        op = compute.operating_point(self.errors, self.labels, t)
        truth = compute.operating_point(self.reference, self.labels, t)
        cost = op.cost(self.missed.value, self.alarm.value)
        p = _("n/a (nothing flagged)") if op.tp + op.fp == 0 else f"{op.precision:.3f}"
        hide = (lambda s: f"<span data-q='caught'>{s}</span>") if k else (lambda s: s)
        if op.recall < r:
            task = _("not reached yet: recall {recall:.3f} &lt; {target:.2f}; lower the "
                     "threshold").format(recall=op.recall, target=r)
        elif op.fp == best.fp:
            task = "&#10003; " + _("done: recall {recall:.3f} &ge; {target:.2f} with {alarms:,} "
                                   "false alarms, the fewest possible").format(
                recall=op.recall, target=r, alarms=op.fp)
        else:
            task = _("reached with {alarms:,} false alarms; a higher threshold reaches it with "
                     "{fewest:,}").format(alarms=op.fp, fewest=best.fp)
        body = ("<div>" + _("<b>{data}</b>: flag errors &ge; {threshold:.4g}: precision "
                            "{precision}, recall {recall}; cost {cost} = {missed} missed frauds "
                            "&times; {missed_cost:.3g} + {alarms} false alarms &times; "
                            "{alarm_cost:.3g}").format(
                    data=html.escape(self.title), threshold=t, precision=hide(p),
                    recall=hide(f"{op.recall:.3f}"), cost=hide(f"{cost:,.0f}"), missed=hide(op.fn),
                    missed_cost=self.missed.value, alarms=op.fp, alarm_cost=self.alarm.value)
                + "</div><div>" + _("<b>Task</b>: reach recall &ge; {target:.2f} with the fewest "
                                    "false alarms: {task}").format(target=r, task=hide(task))
                + "</div>")
        if k == 0:
            questions = self._landing_questions(need, r)
        else:
            questions = [Question(
                "caught", _("Flag every error ≥ {threshold:.4g}: how many of the {n} frauds are "
                            "caught?").format(threshold=t, n=n),
                truth.tp, student=op.tp, name=self.error_name,
                hide=[cell("confusion", 0, 0), cell("confusion", 0, 1)],
                explain=_("the frauds' errors &ge; {threshold:.4g} in the strip: recall "
                          "{caught}/{n}").format(threshold=t, caught=truth.tp, n=n))]
        return frame(grids={"confusion": [[op.tp, op.fn], [op.fp, op.tn]]}, html=body,
                     questions=questions)

    def _landing_questions(self, need: int, r: float) -> list:
        """Before anything is flagged: where the threshold lands for the target recall."""
        n = self.n_frauds
        student = None
        if self.choose_fn is not None:
            value, err = self._student_choice()
            if err is None and np.isfinite(value):
                student = int(np.sum(self.errors[self.labels == 1] >= value))
        return [Question("lands", _("Target recall {target:.2f} with {n} frauds: to reach it "
                                    "with the fewest false alarms, flag every error ≥ the error of "
                                    "which fraud? Its rank (1 = the largest error).").format(
                                        target=r, n=n),
                         need, student=student,
                         name=(studentfn.name_of(self.choose_fn) if self.choose_fn
                               else _("Your function")),
                         explain=_("the smallest k with k / {n} &ge; {target:.2f}; a lower "
                                   "threshold only adds false alarms").format(n=n, target=r)),
                Question("recall", _("Target recall {target:.2f} with {n} frauds: flagging down "
                                     "to that fraud, which recall do you reach?").format(
                                         target=r, n=n), need / n,
                         explain=_("{need} of {n} frauds: {need}/{n}").format(need=need, n=n))]

    def _figure(self):
        precision, recall = compute.pr_curve(self.errors, self.labels)
        self._fig = figures.threshold_figure(self.errors, self.labels, self.chosen, precision,
                                             recall, None, self.title, None,
                                             fig=getattr(self, "_fig", None))
        self.figure.value = to_png(self._fig)

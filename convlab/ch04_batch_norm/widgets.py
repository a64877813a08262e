"""Chapter 4: batch normalization, seen as histograms.

    BatchNormExplorer(bn_fn=batchnorm_train)

A layer's pre-activations on the digits data (raw pixels through a dense layer) before and after
``bn_fn``, with the sigmoid's saturated region shaded, sliders for gamma, beta and the batch size,
and the spread of the batch mean over many batches of that size (small batches: noisy
statistics). The student's ``bn_fn(x, gamma, beta) -> (y, batch_mean, batch_var)`` is called on
the batch; its answer is compared with the true one.

Below the histograms, a view drawn in the browser (:mod:`convlab.widgets.canvas`) steps through
the first examples of the batch: unit 0's input x and the student's output y, each value asked for
before it is shown (predict, then check: y = gamma (x - mean) / sqrt(var + eps) + beta with the
batch's statistics), and, at the first example, the moving mean after one training step with
Keras' momentum 0.99. Predictions are judged against the reference batch norm.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import validate
from convlab.i18n import _
from convlab.widgets.base import SLIDER, GuardedView, bad, failed, ok
from convlab.widgets.canvas import Slider, StepCanvas, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute, figures

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512)
SHOWN = 8               # examples of the batch the prediction view steps through
EPS = 1e-3              # Keras' epsilon, as batchnorm_train's default
MOMENTUM = 0.99         # Keras' momentum


class BatchNormExplorer(GuardedView):
    """``bn_fn(x (N, D), gamma (D,), beta (D,)) -> (y (N, D), batch_mean (D,), batch_var (D,))``,
    optional (None shows the true batch norm)."""

    def __init__(self, bn_fn=None, gamma: float = 1.0, beta: float = 0.0, batch_size: int = 64,
                 units: int = 8, seed: int = 0):
        validate.callable_or_none(bn_fn, "bn_fn")
        validate.require(batch_size in BATCH_SIZES,
                         _("batch_size must be one of {choices}; got {batch_size!r}")
                         .format(choices=BATCH_SIZES, batch_size=batch_size))
        self.bn_fn = bn_fn
        self.z = compute.digits_preactivations(units, seed=seed)
        self.gamma = W.FloatSlider(value=gamma, min=-3.0, max=3.0, step=0.1,
                                   description=_("gamma (scale)"), **SLIDER)
        self.beta = W.FloatSlider(value=beta, min=-4.0, max=4.0, step=0.1,
                                  description=_("beta (shift)"), **SLIDER)
        self.batch_size = W.SelectionSlider(options=list(BATCH_SIZES), value=batch_size,
                                            description=_("batch size"), **SLIDER)
        self.new_batch = W.Button(description=_("new batch"))
        self.draw_count = 0
        self.seed = 0
        self.last = None
        self.canvas = StepCanvas(name="BatchNormExplorer")
        super().__init__([W.HBox([self.gamma, self.beta]),
                          W.HBox([self.batch_size, self.new_batch])], below=[self.canvas])
        self._redraw_on([self.gamma, self.beta, self.batch_size])
        self.new_batch.on_click(self._on_new_batch)
        self._guard(self._draw)

    def _on_new_batch(self, button=None):
        self.seed += 1
        self._guard(self._draw)

    def _draw(self):
        n, g, b = int(self.batch_size.value), float(self.gamma.value), float(self.beta.value)
        x = compute.draw_batch(self.z, n, self.seed)
        d = x.shape[1]
        true_y, true_mean, true_var = compute.batchnorm_train(x, np.full(d, g), np.full(d, b))
        lines = []
        if self.bn_fn is None:
            y, note = true_y, _("No function given: showing the true batch norm.")
            lines.append(f"<div>{note}</div>")
        else:
            run = compute.run_bn_fn(self.bn_fn, x, np.full(d, g), np.full(d, b))
            if run.error:
                y = None
                lines.append(failed(run.error))
            else:
                y = run.y
                lines.append(self._verdict(run, true_y, true_mean, true_var))
        spread = compute.batch_mean_spread(self.z, n)
        lines.append("<div>" + _(
            "Batch of {n}: unit 0 has batch mean {mean:.2f} and batch variance {var:.2f}; over "
            "the whole data set {data_mean:.2f} and {data_var:.2f}. Over {batches} batches of {n} "
            "the batch mean of unit 0 varies with standard deviation {std:.2f}.").format(
            n=n, mean=true_mean[0], var=true_var[0], data_mean=self.z[:, 0].mean(),
            data_var=self.z[:, 0].var(), batches=len(spread), std=spread.std()) + "</div>")
        self.status.value = "".join(lines)
        self._show_figure((n, g, b, self.seed), lambda: figures.batchnorm_figure(
            x, y, spread, self.z[:, 0].mean(), g, b, compute.SATURATED,
            2.0 * float(self.z[:, 0].std())))
        self.last = {"x": x, "y": y, "spread": spread}
        self._show_predictions(x, y, true_y, true_mean, true_var, g, b)
        self.draw_count += 1

    # --- predict, then check (drawn in the browser) ---------------------------------------------
    def _show_predictions(self, x, y, true_y, true_mean, true_var, g, b):
        """Unit 0 of the first examples of the batch: x, and y from the student's function (the
        true y if it failed), each y asked for before it is shown."""
        n = len(x)
        m = min(SHOWN, n)
        shown = true_y if y is None else y
        name = "batchnorm_train" if self.bn_fn is None else getattr(self.bn_fn, "__name__",
                                                                      _("Your function"))
        mean, var = float(true_mean[0]), float(true_var[0])
        where = _("Batch of {n} (seed {seed}), gamma {gamma:g}, beta {beta:g}").format(
            n=n, seed=self.seed, gamma=g, beta=b)
        moving = (1.0 - MOMENTUM) * mean            # from Keras' start, a moving mean of 0
        frames = []
        for k in range(m):
            questions = [Question(
                "y", _("{where}: what will y[{k}, 0] be? (x[{k}, 0] = {x:.4g}; unit 0's batch mean "
                       "{mean:.4g}, batch variance {var:.4g}, eps {eps:g})").format(
                    where=where, k=k, x=x[k, 0], mean=mean, var=var, eps=EPS),
                float(true_y[k, 0]), student=None if y is None else float(y[k, 0]),
                hide=[cell("y", 0, k)], name=name,
                explain=_("y = gamma (x - mean) / sqrt(variance + eps) + beta."))]
            if k == 0:
                questions.append(Question(
                    "moving", _("{where}: one training step with Keras' momentum {momentum:g}, "
                                "from a moving mean of 0. What will unit 0's moving mean be after "
                                "it? (its batch mean is {mean:.4g})").format(
                        where=where, momentum=MOMENTUM, mean=mean),
                    moving, tol=max(0.01 * abs(moving), 1e-4), name=name,
                    explain=_("{momentum:g} · 0 + {rest:.2g} · {mean:.4g}: Keras keeps 99% of the "
                              "old average.").format(momentum=MOMENTUM, rest=1 - MOMENTUM,
                                                     mean=mean)))
            y_shown = f"<b class='convlab-y' data-q='y'>{float(shown[k, 0]):.4g}</b>"
            if k == 0:
                text = _("{where}. Example {k}: x[{k}, 0] = {x:.4g} -> y[{k}, 0] = {y}; after one "
                         "training step the moving mean is {moving}.").format(
                    where=where, k=k, x=x[k, 0], y=y_shown,
                    moving=f"<b data-q='moving'>{moving:.4g}</b>")
            else:
                text = _("{where}. Example {k}: x[{k}, 0] = {x:.4g} -> y[{k}, 0] = {y}.").format(
                    where=where, k=k, x=x[k, 0], y=y_shown)
            frames.append(frame(boxes=[box("x", 0, k), box("y", 0, k)], html=text,
                                questions=questions))
        limits = (float(min(x[:m, 0].min(), shown[:m, 0].min())),
                  float(max(x[:m, 0].max(), shown[:m, 0].max())))
        self.canvas.show(
            panels=[grid("x", x[:m, 0], _("x: unit 0"), cmap="diverging", show_values=True,
                         digits=3, cell_px=52, limits=limits),
                    grid("y", shown[:m, 0], _("y: unit 0, from {name}").format(name=name)
                         if y is not None else _("y: unit 0, true batch norm"), cmap="diverging",
                         show_values=True, digits=3, cell_px=52, limits=limits)],
            layout=[["x"], ["y"]], sliders=[Slider("example", _("example"), m)], frames=frames)

    @staticmethod
    def _verdict(run, true_y, true_mean, true_var) -> str:
        problems = []
        if not np.allclose(run.mean, true_mean, rtol=1e-6, atol=1e-8):
            problems.append("batch_mean")
        if not np.allclose(run.var, true_var, rtol=1e-6, atol=1e-8):
            hint = " " + _("(you return the unbiased variance: Keras uses the biased one, divide "
                           "by N)") \
                if np.allclose(run.var, true_var * len(true_y) / max(len(true_y) - 1, 1)) else ""
            problems.append("batch_var" + hint)
        if not np.allclose(run.y, true_y, rtol=1e-6, atol=1e-6):
            problems.append("y")
        if problems:
            return bad(_("Your function differs from batch norm in: {results} &#10007;")
                       .format(results=html.escape(", ".join(problems))))
        return ok(_("Your function agrees with batch norm &#10003;"))

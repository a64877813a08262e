"""Chapter 4: batch normalization, seen as histograms.

    BatchNormExplorer(bn_fn=batchnorm_train)

A layer's pre-activations on the digits data (raw pixels through a dense layer) before and after
``bn_fn``, with the sigmoid's saturated region shaded, sliders for gamma, beta and the batch size,
and the spread of the batch mean over many batches of that size (small batches: noisy
statistics). The student's ``bn_fn(x, gamma, beta) -> (y, batch_mean, batch_var)`` is called on
the batch; its answer is compared with the true one.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import validate
from convlab.widgets.base import SLIDER, GuardedView, bad, failed, ok

from . import compute, figures

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512)


class BatchNormExplorer(GuardedView):
    """``bn_fn(x (N, D), gamma (D,), beta (D,)) -> (y (N, D), batch_mean (D,), batch_var (D,))``,
    optional (None shows the true batch norm)."""

    def __init__(self, bn_fn=None, gamma: float = 1.0, beta: float = 0.0, batch_size: int = 64,
                 units: int = 8, seed: int = 0):
        validate.callable_or_none(bn_fn, "bn_fn")
        validate.require(batch_size in BATCH_SIZES,
                         f"batch_size must be one of {BATCH_SIZES}; got {batch_size!r}")
        self.bn_fn = bn_fn
        self.z = compute.digits_preactivations(units, seed=seed)
        self.gamma = W.FloatSlider(value=gamma, min=-3.0, max=3.0, step=0.1,
                                   description="gamma (scale)", **SLIDER)
        self.beta = W.FloatSlider(value=beta, min=-4.0, max=4.0, step=0.1,
                                  description="beta (shift)", **SLIDER)
        self.batch_size = W.SelectionSlider(options=list(BATCH_SIZES), value=batch_size,
                                            description="batch size", **SLIDER)
        self.new_batch = W.Button(description="new batch")
        self.draw_count = 0
        self.seed = 0
        self.last = None
        super().__init__([W.HBox([self.gamma, self.beta]),
                          W.HBox([self.batch_size, self.new_batch])])
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
            y, note = true_y, "No function given: showing the true batch norm."
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
        lines.append(f"<div>Batch of {n}: unit 0 has batch mean {true_mean[0]:.2f} and batch "
                     f"variance {true_var[0]:.2f}; over the whole data set {self.z[:, 0].mean():.2f} "
                     f"and {self.z[:, 0].var():.2f}. Over 200 batches of {n} the batch mean of unit "
                     f"0 varies with standard deviation {spread.std():.2f}.</div>")
        self.status.value = "".join(lines)
        self._show_figure((n, g, b, self.seed), lambda: figures.batchnorm_figure(
            x, y, spread, self.z[:, 0].mean(), g, b, compute.SATURATED,
            2.0 * float(self.z[:, 0].std())))
        self.last = {"x": x, "y": y, "spread": spread}
        self.draw_count += 1

    @staticmethod
    def _verdict(run, true_y, true_mean, true_var) -> str:
        problems = []
        if not np.allclose(run.mean, true_mean, rtol=1e-6, atol=1e-8):
            problems.append("batch_mean")
        if not np.allclose(run.var, true_var, rtol=1e-6, atol=1e-8):
            hint = " (you return the unbiased variance: Keras uses the biased one, divide by N)" \
                if np.allclose(run.var, true_var * len(true_y) / max(len(true_y) - 1, 1)) else ""
            problems.append("batch_var" + hint)
        if not np.allclose(run.y, true_y, rtol=1e-6, atol=1e-6):
            problems.append("y")
        if problems:
            return bad(f"Your function differs from batch norm in: "
                       f"{html.escape(', '.join(problems))} &#10007;")
        return ok("Your function agrees with batch norm &#10003;")

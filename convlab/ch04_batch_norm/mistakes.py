"""Chapter 4's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
"""
from __future__ import annotations

import numpy as np

from convlab.testing import mistake


def _moments(x, axes, tf):
    mean, var = tf.nn.moments(np.asarray(x, np.float64), axes=list(axes))
    return mean.numpy(), var.numpy()


def batchnorm_train(x: np.ndarray, gamma, beta, eps: float, tf) -> dict:
    """Mistakes in batch norm's training mode, for each of its three results: returns
    {"y": [...], "mean": [...], "var": [...]}; ``tf`` is TensorFlow (tf.nn.moments and
    tf.nn.batch_normalization reproduce each mistake)."""
    x = np.asarray(x, np.float64)
    gamma, beta = np.asarray(gamma, np.float64), np.asarray(beta, np.float64)
    axes = tuple(range(x.ndim - 1))
    mean, var = _moments(x, axes, tf)
    n = x.size // x.shape[-1]
    unbiased = var * n / max(n - 1, 1)

    def bn(m, v, g=gamma, b=beta, e=eps):
        return tf.nn.batch_normalization(x, m, v, b, g, e).numpy()

    y = [
        (mistake("batchnorm_train.unbiased_variance",
         "you used the unbiased variance (divide by N - 1, np.var(..., ddof=1)); batch norm (Keras, "
         "tf.nn.moments) divides by N, the biased variance."), lambda: bn(mean, unbiased)),
        (mistake("batchnorm_train.epsilon_outside_sqrt",
         "epsilon is added to the standard deviation; it goes under the square root: "
         "(x - mean) / sqrt(var + eps)."),
         lambda: gamma * (x - mean) / (np.sqrt(var) + eps) + beta),
        (mistake("batchnorm_train.epsilon_missing",
         "epsilon is missing: divide by sqrt(var + eps), not sqrt(var)."),
         lambda: bn(mean, var, e=0.0)),
        (mistake("batchnorm_train.divided_by_variance",
         "you divided by the variance; divide by the standard deviation sqrt(var + eps)."),
         lambda: gamma * (x - mean) / (var + eps) + beta),
        (mistake("batchnorm_train.gamma_beta_swapped",
         "gamma and beta are swapped: y = gamma * x_hat + beta (gamma scales, beta shifts)."),
         lambda: bn(mean, var, g=beta, b=gamma)),
        (mistake("batchnorm_train.scale_shift_missing",
         "the scale and shift are missing: after normalising, return gamma * x_hat + beta."),
         lambda: bn(mean, var, g=np.ones_like(gamma), b=np.zeros_like(beta))),
        (mistake("batchnorm_train.per_sample_stats",
         "the statistics are taken per sample (over the last axis, that is layer norm); batch "
         "norm takes them per channel, over every axis but the last."),
         lambda: gamma * (x - x.mean(-1, keepdims=True))
         / np.sqrt(x.var(-1, keepdims=True) + eps) + beta),
    ]
    if x.ndim > 2:
        m0, v0 = x.mean(0), x.var(0)
        y.append((mistake("batchnorm_train.batch_axis_only",
                  "the statistics are taken over the batch axis only; for (N, H, W, C) batch "
                  "norm averages over N, H and W (every axis but the last), one mean per "
                  "channel."), lambda: gamma * (x - m0) / np.sqrt(v0 + eps) + beta))
    var_mistakes = [
        (mistake("batchnorm_train.var_unbiased",
         "batch_var is the unbiased variance (N - 1); return the biased one (divide by N)."),
         lambda: unbiased),
        (mistake("batchnorm_train.var_is_std",
         "batch_var is the standard deviation; return the variance."), lambda: np.sqrt(var)),
        (mistake("batchnorm_train.var_includes_epsilon",
         "batch_var includes epsilon; return the plain batch variance."), lambda: var + eps),
    ]
    mean_mistakes = [] if x.ndim == 2 else [
        (mistake("batchnorm_train.batch_axis_only",
         "the statistics are taken over the batch axis only; for (N, H, W, C) batch norm "
         "averages over N, H and W (every axis but the last): one mean per channel."),
         lambda: x.mean(0))]
    mean_mistakes.append((mistake("batchnorm_train.per_sample_stats",
                          "the statistics are taken per sample (over the last axis, that is "
                          "layer norm); batch norm takes one per channel, over every axis but "
                          "the last."), lambda: x.mean(-1)))
    return {"y": y, "mean": mean_mistakes, "var": var_mistakes}


def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum: float) -> list:
    """Mistakes in the moving-average update; results are (new_mean, new_var) stacked."""
    m = float(momentum)
    mm, mv = np.asarray(moving_mean, float), np.asarray(moving_var, float)
    bm, bv = np.asarray(batch_mean, float), np.asarray(batch_var, float)
    return [
        (mistake("update_moving_stats.pytorch_momentum",
         "you used the PyTorch convention (new = momentum * batch + (1 - momentum) * old). In "
         "Keras, momentum is the share of the OLD average that is kept: "
         "new = momentum * old + (1 - momentum) * batch."),
         lambda: np.stack([m * bm + (1 - m) * mm, m * bv + (1 - m) * mv])),
        (mistake("update_moving_stats.mean_only",
         "only the mean is updated; the moving variance needs the same update with batch_var."),
         lambda: np.stack([m * mm + (1 - m) * bm, mv])),
        (mistake("update_moving_stats.replaced_by_batch",
         "the moving average is replaced by the batch statistics; it should move only a little "
         "towards them."), lambda: np.stack([bm, bv])),
    ]


def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps: float) -> list:
    """Mistakes in batch norm's inference mode."""
    x = np.asarray(x, float)
    g, b = np.asarray(gamma, float), np.asarray(beta, float)
    mm, mv = np.asarray(moving_mean, float), np.asarray(moving_var, float)
    axes = tuple(range(x.ndim - 1))
    bm, bv = x.mean(axes), x.var(axes)
    return [
        (mistake("batchnorm_infer.batch_statistics",
         "you used the batch statistics (training mode); at inference batch norm uses the moving "
         "mean and variance, so each example's output does not depend on the rest of the batch."),
         lambda: g * (x - bm) / np.sqrt(bv + eps) + b),
        (mistake("batchnorm_infer.epsilon_missing",
         "epsilon is missing: divide by sqrt(moving_var + eps)."),
         lambda: g * (x - mm) / np.sqrt(mv) + b),
        (mistake("batchnorm_infer.divided_by_variance",
         "you divided by the variance; divide by sqrt(moving_var + eps)."),
         lambda: g * (x - mm) / (mv + eps) + b),
        (mistake("batchnorm_infer.gamma_beta_swapped",
         "gamma and beta are swapped: y = gamma * x_hat + beta."),
         lambda: b * (x - mm) / np.sqrt(mv + eps) + g),
    ]


def batchnorm_backward(dy, x, gamma, eps: float) -> dict:
    """Mistakes in batch norm's backward pass: {"dx": [...], "dgamma": [...], "dbeta": [...]}."""
    dy, x, g = (np.asarray(v, float) for v in (dy, x, gamma))
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axes), x.var(axes)
    xhat = (x - mean) / np.sqrt(var + eps)
    return {
        "dx": [(mistake("batchnorm_backward.dx_stats_constant",
                "dx treats the batch mean and variance as constants (dx = dy * gamma / "
                "sqrt(var + eps)); they depend on x too, which adds two terms."),
                lambda: dy * g / np.sqrt(var + eps))],
        "dgamma": [(mistake("batchnorm_backward.dgamma_dbeta_swapped",
                    "dgamma and dbeta are swapped: dbeta = sum(dy), dgamma = sum(dy * x_hat)."),
                    lambda: dy.sum(axes)),
                   (mistake("batchnorm_backward.dgamma_uses_x",
                    "dgamma uses x instead of the normalised x_hat: dgamma = sum(dy * x_hat)."),
                    lambda: (dy * x).sum(axes))],
        "dbeta": [(mistake("batchnorm_backward.dgamma_dbeta_swapped",
                   "dgamma and dbeta are swapped: dbeta = sum(dy), dgamma = sum(dy * x_hat)."),
                   lambda: (dy * xhat).sum(axes))],
    }

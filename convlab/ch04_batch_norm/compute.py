"""Pure computations behind chapter 4 (batch normalization): no widgets, no plotting here.

    batchnorm_train(x, gamma, beta, eps)  the four steps for one batch (the reference answer)
    sigmoid_slope(z)                      sigma'(z) = sigma(z)(1 - sigma(z))
    saturated_fraction(z)                 share of values where the sigmoid is flat (|z| > SATURATED)
    digits_preactivations(units, ...)     a layer's pre-activations on the offline digits data
    draw_batch(z, batch_size, seed)       one random mini-batch of rows
    batch_mean_spread(z, batch_size, ...) how much the batch mean of unit 0 varies between batches
    run_bn_fn(fn, x, gamma, beta)         a (student's) batchnorm_train's answer, or a message
    train_digits(batch_norm, ...)         the short experiment: loss per epoch, with or without BN
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from convlab import studentfn, validate
from convlab.i18n import _

#: Where the sigmoid counts as saturated in this chapter: |z| > 3, where its slope is below 0.05
#: (a fifth of its largest slope, 0.25 at z = 0).
SATURATED = 3.0


def batchnorm_train(x, gamma, beta, eps: float = 1e-3):
    """Batch norm in training mode: statistics over every axis but the last (biased variance).
    Returns (y, mean, var): the reference answer of the exercise of the same name."""
    x = validate.array(x, "x")
    validate.require(x.ndim >= 2, _("x must have a batch axis and a channel axis; got shape {shape}")
                     .format(shape=x.shape))
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    y = np.asarray(gamma) * (x - mean) / np.sqrt(var + eps) + np.asarray(beta)
    return y, mean, var


def sigmoid_slope(z):
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
    return s * (1.0 - s)


def saturated_fraction(z) -> float:
    """Fraction of the values of ``z`` in the sigmoid's flat region |z| > SATURATED."""
    z = np.asarray(z, dtype=float)
    return float(np.mean(np.abs(z) > SATURATED)) if z.size else 0.0


def load_digits_xy():
    """scikit-learn's offline digits: X (1797, 64) pixel values 0..16, y (1797,) labels 0..9."""
    from sklearn.datasets import load_digits
    d = load_digits()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def digits_preactivations(units: int = 8, weight_std: float = 0.1, seed: int = 0) -> np.ndarray:
    """z = X W + b for the raw digits X (pixel values 0..16, not rescaled) and a dense layer of
    ``units`` units with weights N(0, weight_std^2) and biases N(0, 1): shape (1797, units).
    Raw pixels and such weights put many values where a sigmoid is flat."""
    units = validate.positive_int(units, "units")
    x, _labels = load_digits_xy()
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, weight_std, size=(x.shape[1], units))
    b = rng.normal(0.0, 1.0, size=units)
    return x @ w + b


def draw_batch(z: np.ndarray, batch_size: int, seed: int = 0) -> np.ndarray:
    """``batch_size`` rows of ``z`` drawn without replacement."""
    batch_size = validate.positive_int(batch_size, "batch_size")
    validate.require(batch_size <= len(z), _("batch_size must be at most {n}; got {batch_size}")
                     .format(n=len(z), batch_size=batch_size))
    idx = np.random.default_rng(seed).choice(len(z), size=batch_size, replace=False)
    return z[idx]


def batch_mean_spread(z: np.ndarray, batch_size: int, batches: int = 200,
                      seed: int = 1) -> np.ndarray:
    """The batch means of unit 0 over ``batches`` random batches of ``batch_size`` rows."""
    rng = np.random.default_rng(seed)
    return np.array([z[rng.choice(len(z), size=batch_size, replace=False), 0].mean()
                     for _batch in range(batches)])


@dataclass(frozen=True)
class BnRun:
    y: Optional[np.ndarray]
    mean: Optional[np.ndarray]
    var: Optional[np.ndarray]
    error: Optional[str]


def run_bn_fn(fn: Callable, x: np.ndarray, gamma, beta) -> BnRun:
    """Call a (student's) ``fn(x, gamma, beta) -> (y, mean, var)`` and check what comes back.

    Never raises for a bad ``fn``: the problem comes back as a message for the widget.
    """
    call = (f"{studentfn.name_of(fn)}(x {tuple(x.shape)}, gamma {tuple(np.shape(gamma))}, "
            f"beta {tuple(np.shape(beta))})")
    run = studentfn.call(fn, call, x.copy(), np.array(gamma, dtype=float),
                         np.array(beta, dtype=float))
    if run.error:
        return BnRun(None, None, None, run.error)
    out = run.value
    try:
        y, mean, var = out
        y, mean, var = (np.asarray(v, dtype=float) for v in (y, mean, var))
    except (TypeError, ValueError):
        return BnRun(None, None, None, _("{call} returned {type}; expected a tuple "
                                         "(y, batch_mean, batch_var) of arrays")
                     .format(call=call, type=type(out).__name__))
    c = x.shape[-1]
    if y.shape != x.shape or mean.shape != (c,) or var.shape != (c,):
        return BnRun(None, None, None,
                     _("{call} returned shapes y {y}, batch_mean {mean}, batch_var {var}; "
                       "expected y {x} and ({c},) for both statistics")
                     .format(call=call, y=y.shape, mean=mean.shape, var=var.shape, x=x.shape, c=c))
    return BnRun(y, mean, var, None)


def train_digits(batch_norm: bool, epochs: int = 8, hidden: int = 64, layers: int = 4,
                 batch_size: int = 32, learning_rate: float = 0.05, seed: int = 0) -> dict:
    """The chapter's experiment: the same small sigmoid network on the raw digits (pixel values
    0..16), trained with plain SGD, with or without a BatchNormalization before every sigmoid.

    Returns {"loss": training loss per epoch, "val_accuracy": accuracy on a held-out quarter}.
    """
    from convlab.testing import keras
    k = keras()
    x, y = load_digits_xy()
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = len(x) * 3 // 4
    k.utils.set_random_seed(seed)
    model = k.Sequential([k.Input((x.shape[1],))])
    for _layer in range(layers):
        model.add(k.layers.Dense(hidden, use_bias=not batch_norm))
        if batch_norm:
            model.add(k.layers.BatchNormalization())
        model.add(k.layers.Activation("sigmoid"))
    model.add(k.layers.Dense(10))
    model.compile(optimizer=k.optimizers.SGD(learning_rate),
                  loss=k.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    hist = model.fit(x[:split], y[:split], validation_data=(x[split:], y[split:]),
                     epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True)
    return {"loss": [float(v) for v in hist.history["loss"]],
            "val_accuracy": [float(v) for v in hist.history["val_accuracy"]]}

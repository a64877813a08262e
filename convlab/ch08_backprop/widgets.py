"""Chapter 8: training in front of your eyes.

    TrainingExplorer(train_fn=train_tiny_cnn, numeric_gradient=numeric_gradient,
                     conv2d_backward=conv2d_backward, pool2d_backward=pool2d_backward,
                     dense_backward=dense_backward, softmax_cross_entropy=softmax_cross_entropy)

The student's own ``train_fn`` trains the tiny CNN on the digits, step by step (play, "step +1",
"reset", or the step slider): at step k the widget calls ``train_fn(images, labels, start,
steps=k, ...)`` and shows its losses over the curve of the same network trained by Keras from the
same weights on the same batches, the eight 3x3 filters after step k, and six held-out digits
with their predicted class. When the two curves part, the status says at which step, and which
parameter's gradient (computed by backpropagation with the student's backward functions) disagrees
most with the student's ``numeric_gradient`` of the loss at that step.

The biases start at small random values here (not Keras' zeros), so that no ReLU sits exactly at
its kink at the start and the numeric check means what it says.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Optional

import ipywidgets as W
import numpy as np

from convlab import studentfn, validate
from convlab.widgets.base import GuardedView, bad, failed, ok

from . import compute, figures

PART_RTOL = 1e-4              # curves "part" when a step's losses differ by more than this
AGREE = 1e-5                  # a gradient agrees with the numeric one below this relative error
CHECK_H = 1e-6                # the numeric check's step: smaller than 1e-5, so that fewer ReLU
                              # inputs lie within h of their kink (see the chapter's section 2)


@dataclass(frozen=True)
class Setup:
    images: np.ndarray        # (n, 8, 8, 1) training images
    labels: np.ndarray
    shown: np.ndarray         # (6, 8, 8, 1) held-out digits whose predictions are shown
    shown_labels: np.ndarray
    start: dict               # the initial parameters


def setup(seed: int = 0, n_images: int = 256, n_shown: int = 6) -> Setup:
    """The widget's data and start: ``n_images`` digits drawn with ``seed``, ``n_shown`` others,
    Glorot-uniform weights and small random biases."""
    images, labels = compute.digits()
    order = np.random.default_rng(seed).permutation(len(images))
    train, shown = order[:n_images], order[n_images:n_images + n_shown]
    start = compute.init_params(seed)
    rng = np.random.default_rng(seed + 1)
    start["conv_b"] = rng.normal(0.0, 0.05, start["conv_b"].shape)
    start["dense_b"] = rng.normal(0.0, 0.05, start["dense_b"].shape)
    return Setup(images[train], labels[train], images[shown], labels[shown], start)


@dataclass(frozen=True)
class Culprit:
    """The gradient check at the step where the curves part."""
    step: int
    name: Optional[str]       # the parameter whose gradient disagrees most (None: all agree)
    errors: dict              # parameter -> relative error (backprop vs numeric)
    index: Optional[tuple]    # where the two differ most, in that parameter
    backprop: float = 0.0
    numeric: float = 0.0
    note: str = ""            # e.g. which numeric gradient was used


class TrainingExplorer(GuardedView):
    """Every function is optional; without ``train_fn`` only Keras' curve is shown."""

    def __init__(self, train_fn=None, numeric_gradient=None, conv2d_backward=None,
                 pool2d_backward=None, dense_backward=None, softmax_cross_entropy=None,
                 max_steps: int = 40, batch_size: int = 32, lr: float = 0.01, seed: int = 0,
                 n_images: int = 256):
        for fn, name in ((train_fn, "train_fn"), (numeric_gradient, "numeric_gradient"),
                         (conv2d_backward, "conv2d_backward"), (pool2d_backward, "pool2d_backward"),
                         (dense_backward, "dense_backward"),
                         (softmax_cross_entropy, "softmax_cross_entropy")):
            validate.callable_or_none(fn, name)
        self.max_steps = validate.positive_int(max_steps, "max_steps")
        self.batch_size = validate.positive_int(batch_size, "batch_size")
        validate.require(isinstance(lr, (int, float)) and lr > 0, f"lr must be positive; got {lr!r}")
        self.lr = float(lr)
        self.train_fn, self.numeric_fn = train_fn, numeric_gradient
        self.backward = {"conv2d_backward": conv2d_backward, "pool2d_backward": pool2d_backward,
                         "dense_backward": dense_backward,
                         "softmax_cross_entropy": softmax_cross_entropy}
        self.data = setup(seed, n_images)
        self.keras_losses = compute.keras_train(self.data.images, self.data.labels,
                                                self.data.start, self.max_steps, self.batch_size,
                                                self.lr)[0]
        self._runs = {}                       # step -> (losses, params) or an error message
        self._culprits = {}                   # parting step -> Culprit
        self.student_losses = np.zeros(0)
        self.params = self.data.start
        self.parted_at: Optional[int] = None
        self.culprit: Optional[Culprit] = None
        self.error: Optional[str] = None

        self.step = W.IntSlider(value=0, min=0, max=self.max_steps, description="step",
                                continuous_update=False)
        self.play = W.Play(value=0, min=0, max=self.max_steps, interval=400, description="play")
        W.jslink((self.play, "value"), (self.step, "value"))
        self.next_button = W.Button(description="step +1")
        self.reset_button = W.Button(description="reset")
        self.diagnosis = W.HTML()
        super().__init__([W.HBox([self.play, self.step, self.next_button, self.reset_button])],
                         between=[self.diagnosis])
        self._redraw_on([self.step])
        self.next_button.on_click(lambda b: self._guard(self._next))
        self.reset_button.on_click(lambda b: self._guard(self._reset))
        self._guard(self._draw)

    # --- controls ------------------------------------------------------------------------------
    def _next(self):
        self.step.value = min(self.step.value + 1, self.max_steps)

    def _reset(self):
        self.step.value = 0

    # --- the student's training ----------------------------------------------------------------
    def _train(self, k: int):
        """(losses (k,), params) of the student's train_fn after k steps, or an error message."""
        if k in self._runs:
            return self._runs[k]
        name = studentfn.name_of(self.train_fn)
        shown = (f"{name}(images {self.data.images.shape}, labels, params, steps={k}, "
                 f"batch_size={self.batch_size}, lr={self.lr:g})")
        run = studentfn.call(self.train_fn, shown, self.data.images.copy(),
                             self.data.labels.copy(),
                             {key: v.copy() for key, v in self.data.start.items()},
                             steps=k, batch_size=self.batch_size, lr=self.lr)
        result = run.error or self._check_result(run.value, k, shown)
        self._runs[k] = result
        return result

    def _check_result(self, value, k, shown):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return f"{shown} returned {type(value).__name__}; expected a tuple (losses, params)"
        losses, params = value
        try:
            losses = np.asarray(losses, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            return f"{shown}: losses must be numbers; got {type(value[0]).__name__}"
        if losses.shape != (k,):
            return f"{shown} returned {losses.size} losses; expected one per step ({k})"
        if not isinstance(params, dict):
            return f"{shown} returned params as {type(params).__name__}; expected a dict"
        out = {}
        for key, start in self.data.start.items():
            try:
                out[key] = np.asarray(params[key], dtype=float)
            except (KeyError, TypeError, ValueError):
                return f"{shown}: params has no numeric array {key!r}"
            if out[key].shape != start.shape:
                return f"{shown}: params[{key!r}] has shape {out[key].shape}; expected {start.shape}"
        return losses, out

    def _parting(self, losses) -> Optional[int]:
        keras = self.keras_losses[:len(losses)]
        apart = ~np.isclose(losses, keras, rtol=PART_RTOL, atol=1e-6) | ~np.isfinite(losses)
        return int(np.argmax(apart)) + 1 if apart.any() else None

    # --- the gradient check where the curves part ----------------------------------------------
    def _check_gradients(self, step: int) -> Culprit:
        """Backprop (the student's backward functions) vs the student's numeric gradient of the
        loss, at the parameters and batch of ``step`` (from 1)."""
        before = self.data.start if step == 1 else self._train(step - 1)
        if isinstance(before, str):
            return Culprit(step, None, {}, None, note=html.escape(before))
        params = before if step == 1 else before[1]
        rows = compute.batch_rows(step - 1, self.batch_size, len(self.data.images))
        x, y = self.data.images[rows], self.data.labels[rows]
        mine = [n for n, fn in self.backward.items() if fn is not None]
        try:
            _, grads = compute.tiny_cnn_gradients(params, x, y, self.backward)
        except Exception as exc:  # the student's backward functions, composed
            return Culprit(step, None, {}, None,
                           note=f"backprop with your {', '.join(mine)} raised "
                                f"{type(exc).__name__}: {html.escape(str(exc))}")
        numeric, note = self._numeric_fn()
        errors, worst = {}, (None, -1.0, None, 0.0, 0.0)
        for key in compute.PARAM_NAMES:
            def loss_of(value, key=key):
                return compute.tiny_cnn_loss(dict(params, **{key: value}), x, y)
            run = studentfn.call_array(numeric, f"numeric_gradient(loss, {key}, h={CHECK_H:g})",
                                       params[key].shape, loss_of, params[key].copy(), CHECK_H)
            if run.error:
                return Culprit(step, None, {}, None, note=html.escape(run.error))
            g = np.asarray(grads[key], dtype=float)
            if g.shape != params[key].shape:
                errors[key] = float("inf")
                worst = (key, float("inf"), None, float("nan"), float("nan"))
                continue
            errors[key] = compute.relative_error(g, run.value)
            if errors[key] > worst[1]:
                at = np.unravel_index(int(np.argmax(np.abs(g - run.value))), g.shape)
                worst = (key, errors[key], tuple(int(i) for i in at), float(g[at]),
                         float(run.value[at]))
        key, err, index, b, n = worst
        if err <= AGREE:
            return Culprit(step, None, errors, None, note=note)
        return Culprit(step, key, errors, index, b, n, note)

    def _numeric_fn(self):
        """The student's numeric_gradient if it passes a quick check on a cubic, else the
        course's own (with a note saying why)."""
        if self.numeric_fn is None:
            return compute.numeric_gradient, "your numeric_gradient was not given: the course's own is used"
        cubic = compute.Cubic((3,), seed=8)
        point = np.array([0.3, -1.2, 0.7])
        run = studentfn.call_array(self.numeric_fn, "numeric_gradient(cubic, x)", (3,), cubic,
                                   point.copy())
        if run.error:
            return compute.numeric_gradient, f"{html.escape(run.error)}: the course's own is used"
        err = compute.relative_error(run.value, compute.numeric_gradient(cubic, point))
        if err > 1e-6:
            return compute.numeric_gradient, (f"your numeric_gradient is off on a cubic (relative "
                                              f"error {err:.1e}): the course's own is used")
        return self.numeric_fn, ""

    # --- view ------------------------------------------------------------------------------------
    def _draw(self):
        k = int(self.step.value)
        keras = self.keras_losses
        self.error, self.parted_at, self.culprit = None, None, None
        if self.train_fn is None:
            self.student_losses, self.params = np.zeros(0), self.data.start
            self.status.value = "<div>No train_fn given: showing Keras' curve only.</div>"
        elif k == 0:
            self.student_losses, self.params = np.zeros(0), self.data.start
            self.status.value = ("<div>Step 0: your network and Keras' start from the same "
                                 "weights. Press play or step +1.</div>")
        else:
            result = self._train(k)
            if isinstance(result, str):
                self.error = result
                self.student_losses, self.params = np.zeros(0), self.data.start
                self.status.value = failed(result, "Your training")
            else:
                self.student_losses, self.params = result
                self._report(k)
        if self.parted_at is None:
            self.diagnosis.value = ""
        probabilities = compute.softmax(compute.tiny_cnn_logits(self.params, self.data.shown))
        self._show_figure(
            (k, self.error, self.parted_at),
            lambda: figures.training_figure(self.student_losses, keras, k, self.params["conv_w"],
                                            self.data.shown, probabilities,
                                            self.data.shown_labels,
                                            self.parted_at if self.error is None else None))

    def _report(self, k: int):
        losses, keras = self.student_losses, self.keras_losses
        mine, theirs = losses[k - 1], keras[k - 1]
        parted = self._parting(losses)
        self.parted_at = parted
        line = f"step {k}: your loss {mine:.4f}, Keras {theirs:.4f}"
        if parted is None:
            steps = "step 1" if k == 1 else f"all {k} steps"
            self.status.value = ok(f"{line} &#10003; (the curves agree on {steps})")
            return
        self.status.value = bad(f"{line} &#10007; Your curve parted from Keras' at step {parted} "
                                f"(yours {losses[parted - 1]:.6g}, Keras {keras[parted - 1]:.6g}).")
        if parted not in self._culprits:
            self._culprits[parted] = self._check_gradients(parted)
        self.culprit = self._culprits[parted]
        self.diagnosis.value = self._diagnosis_text(self.culprit)

    def _diagnosis_text(self, c: Culprit) -> str:
        note = f" ({c.note})" if c.note else ""
        if not c.errors:
            return bad(f"At step {c.step} the gradients could not be checked: {c.note}")
        table = ", ".join(f"{k} {e:.1e}" for k, e in c.errors.items())
        if c.name is None:
            return (f"<div>At step {c.step} every gradient agrees with your numeric_gradient "
                    f"(relative errors: {table}){note}: the difference lies in the training loop "
                    f"itself: which rows make batch k, Adam's m, v and step count t, or when the "
                    f"loss is recorded.</div>")
        return bad(f"At step {c.step} the gradient of <b>{c.name}</b> disagrees most with your "
                   f"numeric_gradient: relative error {c.errors[c.name]:.2g}; at index {c.index} "
                   f"backprop gives {c.backprop:.6g}, numeric_gradient {c.numeric:.6g} (relative "
                   f"errors: {table}){note}.")

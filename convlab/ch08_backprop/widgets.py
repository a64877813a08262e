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

Below, drawn in the browser (:mod:`convlab.widgets.canvas`): the batch the next step trains on,
the mean softmax of each class over it, each class's share in it, and the gradient of the loss
with respect to the dense layer's biases as the student's ``softmax_cross_entropy`` and
``dense_backward`` compute it. A class slider picks an entry; before the entry is shown the
widget asks for a prediction (it is the mean softmax minus the share: softmax minus one-hot,
averaged), judged against the course's reference gradient.

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
from convlab.i18n import _
from convlab.widgets.base import BAD, OK, GuardedView, bad, failed, ok
from convlab.widgets.canvas import Slider, StepCanvas, box, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute, figures

PART_RTOL = 1e-4              # curves "part" when a step's losses differ by more than this
AGREE = 1e-5                  # a gradient agrees with the numeric one below this relative error
CHECK_H = 1e-6                # the numeric check's step: smaller than 1e-5, so that fewer ReLU
                              # inputs lie within h of their kink (see the chapter's section 2)
GRAD_TOL = 1e-3               # a predicted gradient entry is right within this (the panels show
                              # the mean softmax and the shares to 3 significant digits)


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
        validate.require(isinstance(lr, (int, float)) and lr > 0,
                         _("lr must be positive; got {lr!r}").format(lr=lr))
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

        self.step = W.IntSlider(value=0, min=0, max=self.max_steps, description=_("step"),
                                continuous_update=False)
        self.play = W.Play(value=0, min=0, max=self.max_steps, interval=400, description=_("play"))
        W.jslink((self.play, "value"), (self.step, "value"))
        self.next_button = W.Button(description=_("step +1"))
        self.reset_button = W.Button(description=_("reset"))
        self.diagnosis = W.HTML()
        self.gradient = StepCanvas(name="TrainingExplorer")
        self.bias_gradient = None             # dL/d dense_b shown for the next step's batch
        super().__init__([W.HBox([self.play, self.step, self.next_button, self.reset_button])],
                         between=[self.diagnosis], below=[self.gradient])
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
            return _("{call} returned {type}; expected a tuple (losses, params)").format(
                call=shown, type=type(value).__name__)
        losses, params = value
        try:
            losses = np.asarray(losses, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            return _("{call}: losses must be numbers; got {type}").format(
                call=shown, type=type(value[0]).__name__)
        if losses.shape != (k,):
            return _("{call} returned {n} losses; expected one per step ({k})").format(
                call=shown, n=losses.size, k=k)
        if not isinstance(params, dict):
            return _("{call} returned params as {type}; expected a dict").format(
                call=shown, type=type(params).__name__)
        out = {}
        for key, start in self.data.start.items():
            try:
                out[key] = np.asarray(params[key], dtype=float)
            except (KeyError, TypeError, ValueError):
                return _("{call}: params has no numeric array {key!r}").format(call=shown, key=key)
            if out[key].shape != start.shape:
                return _("{call}: params[{key!r}] has shape {shape}; expected {expected}").format(
                    call=shown, key=key, shape=out[key].shape, expected=start.shape)
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
            _loss, grads = compute.tiny_cnn_gradients(params, x, y, self.backward)
        except Exception as exc:  # the student's backward functions, composed
            return Culprit(step, None, {}, None,
                           note=_("backprop with your {names} raised {type}: {error}").format(
                               names=", ".join(mine), type=type(exc).__name__,
                               error=html.escape(str(exc))))
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
            return compute.numeric_gradient, _("your numeric_gradient was not given: the course's "
                                               "own is used")
        cubic = compute.Cubic((3,), seed=8)
        point = np.array([0.3, -1.2, 0.7])
        run = studentfn.call_array(self.numeric_fn, "numeric_gradient(cubic, x)", (3,), cubic,
                                   point.copy())
        if run.error:
            return compute.numeric_gradient, _("{error}: the course's own is used").format(
                error=html.escape(run.error))
        err = compute.relative_error(run.value, compute.numeric_gradient(cubic, point))
        if err > 1e-6:
            return compute.numeric_gradient, _("your numeric_gradient is off on a cubic (relative "
                                               "error {error:.1e}): the course's own is used").format(
                                                   error=err)
        return self.numeric_fn, ""

    # --- view ------------------------------------------------------------------------------------
    def _draw(self):
        k = int(self.step.value)
        keras = self.keras_losses
        self.error, self.parted_at, self.culprit = None, None, None
        if self.train_fn is None:
            self.student_losses, self.params = np.zeros(0), self.data.start
            self.status.value = "<div>" + _("No train_fn given: showing Keras' curve only.") + "</div>"
        elif k == 0:
            self.student_losses, self.params = np.zeros(0), self.data.start
            self.status.value = ("<div>" + _("Step 0: your network and Keras' start from the same "
                                             "weights. Press play or step +1.") + "</div>")
        else:
            result = self._train(k)
            if isinstance(result, str):
                self.error = result
                self.student_losses, self.params = np.zeros(0), self.data.start
                self.status.value = failed(result, _("Your training"))
            else:
                self.student_losses, self.params = result
                self._report(k)
        if self.parted_at is None:
            self.diagnosis.value = ""
        self._gradient_view(k)
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
        line = _("step {k}: your loss {mine:.4f}, Keras {theirs:.4f}").format(
            k=k, mine=mine, theirs=theirs)
        if parted is None:
            agree = (_("the curves agree on step 1") if k == 1
                     else _("the curves agree on all {k} steps").format(k=k))
            self.status.value = ok(f"{line} &#10003; ({agree})")
            return
        self.status.value = bad(f"{line} &#10007; " + _(
            "Your curve parted from Keras' at step {step} (yours {yours:.6g}, Keras "
            "{keras:.6g}).").format(step=parted, yours=losses[parted - 1], keras=keras[parted - 1]))
        if parted not in self._culprits:
            self._culprits[parted] = self._check_gradients(parted)
        self.culprit = self._culprits[parted]
        self.diagnosis.value = self._diagnosis_text(self.culprit)

    def _diagnosis_text(self, c: Culprit) -> str:
        note = _(" ({note})").format(note=c.note) if c.note else ""
        if not c.errors:
            return bad(_("At step {step} the gradients could not be checked: {note}").format(
                step=c.step, note=c.note))
        table = ", ".join(f"{k} {e:.1e}" for k, e in c.errors.items())
        if c.name is None:
            return "<div>" + _(
                "At step {step} every gradient agrees with your numeric_gradient (relative errors: "
                "{table}){note}: the difference lies in the training loop itself: which rows make "
                "batch k, Adam's m, v and step count t, or when the loss is recorded.").format(
                    step=c.step, table=table, note=note) + "</div>"
        return bad(_("At step {step} the gradient of <b>{name}</b> disagrees most with your "
                     "numeric_gradient: relative error {error:.2g}; at index {index} backprop gives "
                     "{backprop:.6g}, numeric_gradient {numeric:.6g} (relative errors: "
                     "{table}){note}.").format(
                         step=c.step, name=c.name, error=c.errors[c.name], index=c.index,
                         backprop=c.backprop, numeric=c.numeric, table=table, note=note))

    # --- predict a gradient entry ------------------------------------------------------------
    def _bias_gradient(self, logits, labels, flat):
        """dL/d dense_b by the student's softmax_cross_entropy and dense_backward (the course's
        own where one is not given): (gradient (10,) or None, error message or None)."""
        sce = self.backward["softmax_cross_entropy"] or compute.softmax_cross_entropy
        dense_bw = self.backward["dense_backward"] or compute.dense_backward
        w = self.params["dense_w"]
        run = studentfn.call(sce, f"{studentfn.name_of(sce)}(logits {logits.shape}, labels)",
                             logits.copy(), labels.copy())
        if run.error:
            return None, run.error
        try:
            d_logits = np.asarray(run.value[1], dtype=float)
        except (TypeError, ValueError, IndexError, KeyError):
            return None, _("{name} returned {type}; expected (loss, dlogits)").format(
                name=studentfn.name_of(sce), type=type(run.value).__name__)
        shown = f"{studentfn.name_of(dense_bw)}(dlogits {d_logits.shape}, x {flat.shape}, w {w.shape})"
        run = studentfn.call(dense_bw, shown, d_logits.copy(), flat.copy(), w.copy())
        if run.error:
            return None, run.error
        try:
            db = np.asarray(run.value[2], dtype=float).reshape(compute.N_CLASSES)
        except (TypeError, ValueError, IndexError, KeyError):
            return None, _("{call} did not return (dx, dw, db) with db of shape (10,)").format(
                call=shown)
        return db, None

    def _gradient_view(self, k: int):
        """The canvas below: the batch of step k + 1 at the parameters after k steps."""
        rows = compute.batch_rows(k, self.batch_size, len(self.data.images))
        x, labels = self.data.images[rows], self.data.labels[rows]
        params = self.params
        act = compute.relu(compute.conv2d(x, params["conv_w"], params["conv_b"], 1, "SAME"))
        flat = compute.pool2d(act, 2).reshape(len(x), -1)
        logits = compute.dense(flat, params["dense_w"], params["dense_b"])
        p = compute.softmax(logits).mean(axis=0)
        count = np.bincount(labels, minlength=compute.N_CLASSES)
        share = count / len(labels)
        reference = compute.softmax_cross_entropy(logits, labels)[1].sum(axis=0)
        mine = [n for n in ("softmax_cross_entropy", "dense_backward") if self.backward[n]]
        who = (_("your {names}").format(names=_(" and ").join(mine)) if mine
               else _("the course's backward passes"))
        db, error = self._bias_gradient(logits, labels, flat)
        student = error is None and bool(mine)
        if error:
            self.gradient.status = failed(error, _("The bias gradient"))
            db = reference
        elif not mine:
            self.gradient.status = ("<div>" + _("No softmax_cross_entropy or dense_backward given: "
                                                "showing the course's gradient.") + "</div>")
        else:
            wrong = int((~np.isclose(db, reference, rtol=1e-6, atol=1e-9)).sum())
            self.gradient.status = (
                ok(_("{who} give the right bias gradient").format(who=who) + " &#10003;")
                if not wrong
                else bad(_("{who} give a bias gradient that differs in {wrong} of {n} entries")
                         .format(who=who, wrong=wrong, n=compute.N_CLASSES)
                         + " &#10007; " + _("(outlined in red)")))
        self.bias_gradient = db
        wrong = np.flatnonzero(~np.isclose(db, reference, rtol=1e-6, atol=1e-9)) if student else []
        scale = float(max(np.abs(db).max(), np.abs(reference).max(), 1e-3))
        n = len(labels)
        frames = []
        for j in range(compute.N_CLASSES):
            q = Question(
                "g", _("Step {next} trains on batch {k} ({n} digits, {count} of them {j}s). What "
                       "is dL/d dense_b[{j}]?").format(next=k + 1, k=k, n=n, count=int(count[j]),
                                                      j=j), float(reference[j]),
                student=float(db[j]) if student else None, tol=GRAD_TOL,
                hide=[cell("grad", 0, j)], name=who[0].upper() + who[1:],
                explain=_("softmax minus one-hot, averaged over the batch: {p:.4f} - {share:.4f} "
                          "= {grad:.4f}.").format(p=p[j], share=share[j], grad=reference[j]))
            agrees = j not in wrong
            text = (_("class {j}: mean softmax {p:.4f}, share in the batch {share:.4f} "
                      "({count}/{n}); ").format(j=j, p=p[j], share=share[j], count=int(count[j]),
                                                n=n)
                    + f"dL/d dense_b[{j}] = <b class='convlab-grad' "
                    f"data-q='g' style='color:{OK if agrees else BAD}'>{db[j]:.4f}</b>"
                    + ("" if agrees else " &#10007; " + _("(the reference gives {value})").format(
                        value=f"<span data-q='g'>{reference[j]:.4f}</span>")))
            frames.append(frame(boxes=[box(panel, 0, j) for panel in ("p", "share", "grad")],
                                html=text, questions=[q]))
        cells = dict(cmap="viridis", limits=(0.0, 1.0), digits=3, show_values=True, cell_px=52)
        self.gradient.show(
            panels=[grid("p", p, _("mean softmax over batch {k}").format(k=k), **cells),
                    grid("share", share, _("share of each class in batch {k}").format(k=k), **cells),
                    grid("grad", db, _("dL/d dense_b ({who})").format(who=who), cmap="diverging",
                         limits=(-scale, scale), digits=3, show_values=True, cell_px=52,
                         marks=[(0, int(j)) for j in wrong])],
            layout=[["p"], ["share"], ["grad"]],
            sliders=[Slider("class", _("class j"), compute.N_CLASSES,
                            labels=[str(j) for j in range(compute.N_CLASSES)])],
            frames=frames)

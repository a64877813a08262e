"""Chapter 8's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for :func:`convlab.testing.assert_allclose` (a dict of such lists,
one per returned array, when the exercise returns several); ``compute`` reproduces the mistake with
the chapter's reference code, so a student's wrong result can be matched to its likely cause.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from convlab.i18n import N_, _
from convlab.testing import mistake

from . import compute

# said when a result is nan or inf; no compute can be matched against a nan (translated where
# it is shown: _(UNSTABLE_SOFTMAX))
UNSTABLE_SOFTMAX = N_(
    "an unstable softmax: exp(z) overflows to inf for logits above about 710, and for a gap "
    "above about 745 between logits a probability underflows to exactly 0, so log(0) = -inf and "
    "0 * log(0) = nan (the MNIST tutorial's -reduce_sum(ys * log(softmax(z))) does both). "
    "Subtract each row's maximum and use log-sum-exp: loss = log(sum(exp(z - max))) - (z_y - max).")


def numeric_gradient(f: Callable, x: np.ndarray, h: float) -> list:
    """Mistakes in central differences of the scalar function ``f`` at ``x`` with step ``h``."""
    x = np.asarray(x, dtype=float)

    def forward():
        g, base = np.zeros_like(x), f(x)
        for i in np.ndindex(x.shape):
            y = x.copy()
            y[i] += h
            g[i] = (f(y) - base) / h
        return g

    def not_restored():
        y, g = x.copy(), np.zeros_like(x)
        for i in np.ndindex(x.shape):
            y[i] += h
            up = f(y)
            y[i] -= 2 * h
            g[i] = (up - f(y)) / (2 * h)            # y[i] is left at x[i] - h
        return g

    def whole_array():
        return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))

    found = [
        (mistake("numeric_gradient.forward_difference",
         "a forward difference (f(x + h) - f(x)) / h: its error shrinks like h, the central "
         "difference (f(x + h) - f(x - h)) / 2h is accurate to h^2."), forward),
        (mistake("numeric_gradient.divided_by_h",
         "you divided by h instead of 2h: the two evaluations are 2h apart."),
         lambda: 2 * compute.numeric_gradient(f, x, h)),
        (mistake("numeric_gradient.x_not_restored",
         "x is not restored after each entry: put back the saved value x[i] before moving on to "
         "the next entry (and work on a copy, so the caller's x is unchanged)."), not_restored),
        (mistake("numeric_gradient.moved_all_entries",
         "you moved every entry of x at once: change one entry x[i] at a time, the others stay "
         "where they are."), whole_array),
    ]
    if h != 1e-5:
        found.append((mistake("numeric_gradient.step_ignored",
                      _("the step h={h:g} is ignored (a fixed 1e-5 is used instead).").format(h=h)),
                      lambda: compute.numeric_gradient(f, x, 1e-5)))
    return found


def _swapped(pads):
    (t, b), (l, r) = pads
    return (b, t), (r, l)


def conv2d_backward(dout, images, filters, stride: int, padding: str) -> dict:
    """Mistakes in the backward pass of a convolution with bias, for each of its three results:
    {"d_images": [...], "d_filters": [...], "d_bias": [...]}."""
    dout, images, filters = (np.asarray(a, dtype=float) for a in (dout, images, filters))
    n, h, w, c = images.shape
    kh, kw, _c, f = filters.shape
    pads = compute.conv_pads(h, w, kh, kw, stride, padding)

    def back(which, flt=filters, p=pads):
        return lambda: compute.conv_backward_padded(dout, images, flt, stride, p)[which]

    d_images = [(mistake("conv2d_backward.d_images_not_flipped",
                 "the kernel is not flipped in d_images. Each output cell sends dout times the "
                 "kernel back to its window (a transposed convolution, chapter 5); read as a "
                 "sliding window over dout, that is a full convolution with the kernel flipped "
                 "(rotated by 180 degrees). Sliding the unflipped kernel gives the wrong answer."),
                 back(0, flt=filters[::-1, ::-1]))]
    d_filters = [(mistake("conv2d_backward.d_filters_flipped",
                  "d_filters is flipped: d_filters[m, q] collects images[i*s + m, j*s + q] * "
                  "dout[i, j], with the kernel's own orientation."),
                  lambda: compute.conv_backward_padded(dout, images, filters, stride, pads)[1][::-1, ::-1]),
                 (mistake("conv2d_backward.d_filters_averaged",
                  "d_filters is averaged over the batch: sum over the images (the loss already "
                  "averages, in dout)."),
                  lambda: compute.conv_backward_padded(dout, images, filters, stride, pads)[1] / n)]
    if padding == "SAME" and _swapped(pads) != pads:
        wrong = mistake("conv2d_backward.same_wrong_side",
                        "the SAME padding is on the wrong side: TensorFlow puts the extra "
                        "row/column at the bottom/right (before = total // 2), so d_images is cut "
                        "out of the padded gradient starting at row total // 2, column total // 2.")
        d_images.append((wrong, back(0, p=_swapped(pads))))
        d_filters.append((wrong, back(1, p=_swapped(pads))))
    if c == f and c > 1:
        d_images.append((mistake("conv2d_backward.d_images_channel_axes",
                         "the kernel's channel axes are mixed up in d_images: with filters "
                         "(kh, kw, C, F) it is dout @ filters[m, q].T, from F channels back to C."),
                         back(0, flt=filters.transpose(0, 1, 3, 2))))
    d_bias = [(mistake("conv2d_backward.d_bias_averaged",
               "the bias gradient is averaged instead of summed: d_bias[f] is the sum of dout[..., "
               "f] over the batch and every position (the bias is added to each of them)."),
               lambda: dout.mean(axis=(0, 1, 2)))]
    if n > 1:
        d_bias.append((mistake("conv2d_backward.d_bias_batch_mean",
                       "the bias gradient is averaged over the batch instead of summed."),
                       lambda: dout.sum(axis=(0, 1, 2)) / n))
    return {"d_images": d_images, "d_filters": d_filters, "d_bias": d_bias}


def pool2d_backward(dout, images, size, stride, mode: str, padding: str) -> list:
    """Mistakes in the gradient of max/average pooling."""
    dout, images = np.asarray(dout, dtype=float), np.asarray(images, dtype=float)
    k, s, pads = compute.pool_geometry(images, size, stride, padding)

    def back(m=mode, p=pads, count_padding=False):
        return lambda: compute.pool_backward_padded(dout, images, k, s, m, p, count_padding)

    found = []
    if mode == "max":
        found += [(mistake("pool2d_backward.max_spread",
                   "the max gradient is spread over the window (that is average pooling's "
                   "gradient); max pooling routes all of it to the one cell that held the "
                   "maximum."), back("avg")),
                  (mistake("pool2d_backward.max_spread_with_padding",
                   "the max gradient is spread over the whole window, padding included; max "
                   "pooling routes all of it to the cell that held the maximum."),
                   back("avg", count_padding=True))]

        def overwrite():
            n, h, w, c = images.shape
            (t, b), (l, r) = pads
            dx = np.zeros((n, h + t + b, w + l + r, c))
            x = np.full(dx.shape, -np.inf)
            x[:, t:t + h, l:l + w] = images
            for i in range(dout.shape[1]):
                for j in range(dout.shape[2]):
                    win = x[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
                    flat = win.reshape(n, -1, c).argmax(axis=1)
                    for nn in range(n):
                        for cc in range(c):
                            r, q = divmod(int(flat[nn, cc]), k[1])
                            dx[nn, i * s[0] + r, j * s[1] + q, cc] = dout[nn, i, j, cc]
            return dx[:, t:t + h, l:l + w]

        if s[0] < k[0] or s[1] < k[1]:
            found.append((mistake("pool2d_backward.overlap_overwrites",
                          "overlapping windows overwrite each other's gradient: when a cell is "
                          "the maximum of several windows, add up (+=) what each one sends it."),
                          overwrite))
    else:
        found.append((mistake("pool2d_backward.avg_routed_like_max",
                      "the max gradient is used for average pooling: average pooling spreads "
                      "dout evenly over the real cells of its window."), back("max")))
        if padding == "SAME":
            found.append((mistake("pool2d_backward.avg_counts_padding",
                          "the average counts the padded cells: TensorFlow's SAME average pooling "
                          "divides by the number of real cells in each window, so each real cell "
                          "receives dout / (real cells), and padding receives nothing."),
                          back(count_padding=True)))
    if padding == "SAME" and _swapped(pads) != pads:
        found.append((mistake("pool2d_backward.same_wrong_side",
                      "the SAME padding is on the wrong side: TensorFlow puts the extra row/column "
                      "at the bottom/right (before = total // 2)."), back(p=_swapped(pads))))
    return found


def dense_backward(dout, x, w) -> dict:
    """Mistakes in the backward pass of x @ w + b: {"dx": [...], "dw": [...], "db": [...]}."""
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    n = len(x)
    found = {"dx": [], "dw": [(mistake("dense_backward.dw_averaged",
                               "dw is averaged over the batch: sum over the rows, dw = x.T @ dout "
                               "(the loss already averages, in dout)."), lambda: x.T @ dout / n)],
             "db": [(mistake("dense_backward.db_averaged",
                     "the bias gradient is averaged instead of summed: db = dout.sum(axis=0)."),
                     lambda: dout.mean(axis=0))]}
    if w.shape[0] == w.shape[1]:
        found["dx"].append((mistake("dense_backward.dx_uses_w",
                            "dx uses w instead of w.T: dx = dout @ w.T maps the M output "
                            "gradients back to the D inputs."), lambda: dout @ w))
        found["dw"].append((mistake("dense_backward.dw_transposed",
                            "dw is transposed: dw = x.T @ dout has w's shape (D, M)."),
                            lambda: (x.T @ dout).T))
    return found


def softmax_cross_entropy(logits, labels) -> dict:
    """Mistakes in the mean softmax cross-entropy and its gradient: {"loss": [...],
    "dlogits": [...]} (an unstable softmax gives nan/inf: see UNSTABLE_SOFTMAX)."""
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels).astype(int)
    n = len(logits)
    loss, grad = compute.softmax_cross_entropy(logits, labels)
    p = compute.softmax(logits)
    onehot = np.eye(logits.shape[1])[labels]
    summed = mistake("softmax_cross_entropy.loss_summed",
                     ("the loss is summed over the batch (as in the MNIST tutorial's "
                      "-reduce_sum(...)); "
              "the loss is the batch mean, so it and its gradient do not grow with the batch size."))
    return {
        "loss": [(summed, lambda: loss * n),
                 (mistake("softmax_cross_entropy.loss_mean_over_classes",
                  "the loss is averaged over the classes too: average -log p[label] over the rows "
                  "only."), lambda: loss / logits.shape[1])],
        "dlogits": [(mistake("softmax_cross_entropy.dlogits_n_times",
                     "dlogits is N times too large: the loss is the mean over the N rows, so "
                     "dlogits = (softmax - onehot) / N (a loss summed over the batch, as in the "
                     "MNIST tutorial, would give this gradient)."), lambda: grad * n),
                    (mistake("softmax_cross_entropy.dlogits_no_onehot",
                     "dlogits is missing the one-hot term: dlogits = (softmax - onehot) / N."),
                     lambda: p / n),
                    (mistake("softmax_cross_entropy.dlogits_sign",
                     "dlogits has the wrong sign: it is (softmax - onehot) / N."), lambda: -grad)],
    }


def adam_step(param, grad, m, v, t: int, lr: float, beta1: float, beta2: float,
              epsilon: float) -> dict:
    """Mistakes in one Adam step: {"param": [...], "m": [...], "v": [...]}."""
    param, grad, m, v = (np.asarray(a, dtype=float) for a in (param, grad, m, v))
    m1 = beta1 * m + (1 - beta1) * grad
    v1 = beta2 * v + (1 - beta2) * grad ** 2

    def keras(t_=t, mm=m1, vv=v1):
        return param - lr * np.sqrt(1 - beta2 ** t_) / (1 - beta1 ** t_) * mm / (np.sqrt(vv) + epsilon)

    found = {
        "param": [
            (mistake("adam_step.no_bias_correction",
             "Adam without bias correction: m and v start at 0, so early on they are too small; "
             "Keras multiplies the step by sqrt(1 - beta2^t) / (1 - beta1^t)."),
             lambda: param - lr * m1 / (np.sqrt(v1) + epsilon)),
            (mistake("adam_step.epsilon_as_paper",
             "epsilon is placed as in the paper (after the bias correction, sqrt(v_hat) + eps); "
             "Keras adds it to the uncorrected sqrt(v): param -= alpha_t * m / (sqrt(v) + eps) "
             "with alpha_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)."),
             lambda: param - lr * (m1 / (1 - beta1 ** t)) / (np.sqrt(v1 / (1 - beta2 ** t)) + epsilon)),
            (mistake("adam_step.t_from_zero",
             "t is counted from 0 (the correction uses t + 1): the first step is t = 1."),
             lambda: keras(t_=t + 1)),
            (mistake("adam_step.epsilon_inside_sqrt",
             "epsilon is inside the square root: Keras divides by sqrt(v) + epsilon."),
             lambda: param - lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m1 / np.sqrt(v1 + epsilon)),
            (mistake("adam_step.sqrt_missing",
             "the square root of v is missing: divide by sqrt(v) + epsilon."),
             lambda: param - lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m1 / (v1 + epsilon)),
            (mistake("adam_step.ascent", "the step goes up the gradient: param -= ..., not +=."),
             lambda: 2 * param - keras()),
        ],
        "m": [(mistake("adam_step.beta1_swapped",
               "beta1 weighs the wrong term: m = beta1 * m + (1 - beta1) * grad."),
               lambda: (1 - beta1) * m + beta1 * grad)],
        "v": [(mistake("adam_step.beta2_swapped",
               "beta2 weighs the wrong term: v = beta2 * v + (1 - beta2) * grad**2."),
               lambda: (1 - beta2) * v + beta2 * grad ** 2),
              (mistake("adam_step.v_abs_grad", "v averages |grad| instead of grad**2."),
               lambda: beta2 * v + (1 - beta2) * np.abs(grad))],
    }
    if t > 1:
        found["param"].append((mistake("adam_step.t_minus_one",
                               "t is off by one (the correction uses t - 1)."),
                               lambda: keras(t_=t - 1)))
    return found


def train_tiny_cnn(images, labels, params, steps: int, batch_size: int, lr: float) -> list:
    """Mistakes in the capstone's training loop, for its per-step losses."""
    images = np.asarray(images, dtype=float)
    labels = np.asarray(labels).astype(int)

    def run(variant):
        return lambda: compute.train_variant(images, labels, params, steps, batch_size, lr,
                                             variant)[0]

    return [
        (mistake("train_tiny_cnn.same_batch",
         "every step uses the first batch: batch k is rows k*batch_size ... (k+1)*batch_size - 1, "
         "taken modulo the number of images."), run("same batch")),
        (mistake("train_tiny_cnn.loss_after_update",
         "the loss is recorded after the update; record batch k's loss from the forward pass "
         "that computes its gradient (as Keras' train_on_batch does)."),
         run("loss after the update")),
        (mistake("train_tiny_cnn.adam_t_stuck",
         "Adam's step count stays at 1: t is 1, 2, 3, ... over the steps (keep m, v and t from "
         "one step to the next)."), run("t stuck at 1")),
        (mistake("train_tiny_cnn.relu_grad_at_zero",
         "ReLU's gradient at exactly 0 is taken as 1; TensorFlow takes 0 (relu'(z) = 1 only for "
         "z > 0). Blank pixels give exactly 0 before the first update."),
         run("relu gradient 1 at 0")),
        (mistake("train_tiny_cnn.no_bias_correction",
         "Adam without bias correction (see adam_step)."), run("no bias correction")),
        (mistake("train_tiny_cnn.loss_summed",
         "the loss is summed over the batch: each step's loss (and gradient) is the batch mean."),
         run("loss summed")),
    ]

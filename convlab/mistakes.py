"""Common mistakes, named: each function returns ``(explanation, compute)`` pairs for the checks
of :mod:`convlab.testing`. ``compute`` reproduces the mistake on the test's inputs (with the
oracle, TensorFlow, where it needs one), so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable

import numpy as np


def conv2d_single(image: np.ndarray, kernel: np.ndarray, conv: Callable) -> list:
    """Mistakes in a 2-D valid cross-correlation; ``conv(image, kernel)`` is the oracle."""
    found = [
        ("you flipped the kernel. Flipping gives the mathematical convolution; deep-learning "
         "'convolution' (tf.nn.conv2d) is cross-correlation: out[i, j] = "
         "sum(image[i:i+kh, j:j+kw] * kernel), no flip.",
         lambda: conv(image, kernel[::-1, ::-1])),
        ("the output is transposed: out[i, j] should come from the window whose top-left "
         "corner is image[i, j] (i indexes rows).",
         lambda: conv(image, kernel).T),
    ]
    if kernel.shape[0] == kernel.shape[1]:
        found.append(("the kernel is transposed: multiply image[i + m, j + n] by kernel[m, n], "
                      "not by kernel[n, m].", lambda: conv(image, kernel.T)))
    return found


def conv2d_multi(images: np.ndarray, filters: np.ndarray, bias: np.ndarray,
                 conv: Callable) -> list:
    """Mistakes in a batched multi-channel convolution; ``conv(images, filters, bias)`` is the oracle."""
    c = images.shape[-1]
    found = [
        ("the bias is missing: add bias[f] to every value of output channel f.",
         lambda: conv(images, filters, np.zeros_like(bias))),
        ("you flipped the filters spatially. tf.nn.conv2d is cross-correlation: no flip.",
         lambda: conv(images, filters[::-1, ::-1], bias)),
        ("the bias is added once per input channel: sum over channels first, then add bias[f] "
         "once.",
         lambda: conv(images, filters, bias) + (c - 1) * bias),
        ("the bias is subtracted instead of added.",
         lambda: conv(images, filters, -bias)),
    ]
    if filters.shape[0] == filters.shape[1]:
        found.append(("the filters are transposed: multiply images[:, i + m, j + n, :] by "
                      "filters[m, n], not by filters[n, m].",
                      lambda: conv(images, filters.transpose(1, 0, 2, 3), bias)))
    if filters.shape[2] == filters.shape[3] and c > 1:
        found.append(("the filter axes are swapped: filters are (kh, kw, C_in, F), so input "
                      "channel c and output channel f meet at filters[:, :, c, f].",
                      lambda: conv(images, filters.transpose(0, 1, 3, 2), bias)))
    return found


# --- chapter 2: stride and padding ---------------------------------------------------------------
def _grouped(right, candidates) -> list:
    """(explanation, value) candidates -> (explanation, compute) pairs, dropping those that give
    the right answer and joining those that give the same wrong one (an int matches several
    mistakes at once more often than an array does: name them all rather than guess)."""
    by_value: dict = {}
    for explanation, value in candidates:
        if value != right:
            by_value.setdefault(value, []).append(explanation)
    return [(" Or: ".join(explanations), lambda v=value: v)
            for value, explanations in by_value.items()]


def conv_output_size(i: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> list:
    """Mistakes in the output-size formula floor((i + 2p - k_eff) / s) + 1; each compute returns
    the int the mistaken formula gives for these arguments."""
    i, k, p, s, d = (int(v) for v in (i, k, p, s, d))
    k_eff = k + (k - 1) * (d - 1)
    right = (i + 2 * p - k_eff) // s + 1
    candidates = []
    if d > 1:
        candidates += [
            (f"the dilation is ignored: a kernel of k taps with dilation d spans k_eff = "
             f"k + (k - 1)(d - 1) cells (here {k_eff}, not k = {k}); use k_eff in place of k: "
             f"floor((i + 2p - k_eff) / s) + 1.", (i + 2 * p - k) // s + 1),
            (f"the dilated kernel is taken to span k·d = {k * d} cells; it spans "
             f"k + (k - 1)(d - 1) = {k_eff} (the d - 1 gaps sit only between the k taps).",
             (i + 2 * p - k * d) // s + 1),
        ]
    if p > 0:
        candidates.append(("the padding is counted on one side only: p zeros go on each side, "
                           "so the padded input has i + 2p cells.", (i + p - k_eff) // s + 1))
    if s > 1:
        candidates += [
            ("you rounded up; the formula rounds down (floor): a window that would stick out "
             "past the padded input is dropped.", -(-(i + 2 * p - k_eff) // s) + 1),
            ("the stride is ignored: windows start every s cells, so divide by s before "
             "adding 1.", i + 2 * p - k_eff + 1),
        ]
    return _grouped(right, candidates)


def receptive_field(layers) -> list:
    """Mistakes in the receptive field r = 1 + sum_l (k_l - 1) * jump_l of a stack of (k, s)
    layers, jump_l = s_1 ... s_(l-1); each compute returns the int the mistake gives."""
    layers = [(int(k), int(s)) for k, s in layers]

    def field(own_stride=False, strides=True, start=1):
        r, jump = start, 1
        for k, s in layers:
            if own_stride:
                jump *= s
            r += (k - 1) * (jump if strides else 1)
            if not own_stride:
                jump *= s
        return r

    return _grouped(field(), [
        ("the layer's own stride is multiplied into its receptive field (the jump product is one "
         "layer ahead): layer l adds (k_l - 1) times the product of the strides of the layers "
         "BEFORE it; its own stride s_l only spreads out the layers after it. Add "
         "(k - 1) * jump first, then jump *= s.", field(own_stride=True)),
        ("the strides are ignored: after a layer of stride s, neighbouring values are s input "
         "cells apart, so each later layer adds (k - 1) times the product of the earlier "
         "strides.", field(strides=False)),
        ("off by one: start from r = 1 (one output value of no layers sees one pixel), then add "
         "(k - 1) * jump per layer.", field(start=0)),
    ])


_SAME_VARIANTS = (
    # (why the student's code pads this way, (before, after) along one axis from the total t
    # TensorFlow pads there and the kernel size k)
    ("symmetric padding with total // 2 on both sides (the odd extra row/column is missing, so "
     "the output is one row/column short)", lambda t, k: (t // 2, t // 2)),
    ("symmetric padding with ceil(total / 2) on both sides (the odd extra row/column goes at "
     "the top/left as well, so the windows start one cell too early)",
     lambda t, k: (t - t // 2, t - t // 2)),
    ("the odd extra row/column put at the top/left instead of the bottom/right",
     lambda t, k: (t - t // 2, t // 2)),
    ("the total computed as for stride 1 (k - 1), ignoring the stride",
     lambda t, k: ((k - 1) // 2, k - 1 - (k - 1) // 2)),
)


def _same_mistakes(h, w, kh, kw, sh, sw) -> list:
    """SAME paddings students compute instead of TensorFlow's, as (why, pads) with pads
    ((top, bottom), (left, right)). Paddings that give the same output (the same zeros before
    the image and the same number of windows along each axis) are one entry naming every way
    the student may have got there: the output cannot tell them apart."""
    from .padding import tf_same_padding
    axes = ((h, kh, sh), (w, kw, sw))
    right = tuple(tf_same_padding(i, k, s) for i, k, s in axes)

    def key(pads):
        out = []
        for (i, k, s), (before, after) in zip(axes, pads):
            count = max((i + before + after - k) // s + 1, 0)
            out.append((before, count) if count else (0, 0))   # no window: nothing to tell apart
        return tuple(out)

    groups: dict = {}
    for why, pad in _SAME_VARIANTS:
        pads = tuple(tuple(int(v) for v in pad(sum(tf_pair), k))
                     for (i, k, s), tf_pair in zip(axes, right))
        g = key(pads)
        if g != key(right):
            groups.setdefault(g, (pads, []))[1].append(why)
    tf_pads = tuple(tuple(int(v) for v in pair) for pair in right)
    return [(f"the SAME padding differs from TensorFlow's: your output is what padding {pads} "
             f"gives ((top, bottom), (left, right)); TensorFlow pads {tf_pads}. That comes from "
             + ", or from ".join(whys)
             + ". TensorFlow: total = max((o - 1)s + k - i, 0) with o = ceil(i / s); total // 2 "
               "zeros at the top/left, the rest (total - total // 2) at the bottom/right.", pads)
            for pads, whys in groups.values()]


def conv2d_strided(images: np.ndarray, filters: np.ndarray, bias, stride, padding,
                   conv: Callable) -> list:
    """Mistakes in a conv2d with stride and padding; ``conv(images, filters, bias, stride,
    padding)`` is the oracle (padding "VALID", "SAME", an int or ((top, bottom), (left, right)))."""
    sh, sw = (stride, stride) if isinstance(stride, (int, np.integer)) else tuple(stride)
    n, h, w, c = images.shape
    kh, kw = filters.shape[:2]
    zero = None if bias is None else np.zeros_like(bias)
    found = []
    if isinstance(padding, str) and padding.upper() == "SAME":
        found += [(why, lambda pads=pads: conv(images, filters, bias, stride, pads))
                  for why, pads in _same_mistakes(h, w, kh, kw, sh, sw)]
    found += [
        ("the stride is ignored: the windows must start every sh rows and sw columns.",
         lambda: conv(images, filters, bias, 1, padding)),
        ("the stride is applied to the rows only; the columns need it too.",
         lambda: conv(images, filters, bias, (sh, 1), padding)),
        ("the stride is applied to the columns only; the rows need it too.",
         lambda: conv(images, filters, bias, (1, sw), padding)),
        ("the strides are swapped: stride (sh, sw) means sh between rows, sw between columns.",
         lambda: conv(images, filters, bias, (sw, sh), padding)),
        ("you flipped the filters spatially. tf.nn.conv2d is cross-correlation: no flip.",
         lambda: conv(images, filters[::-1, ::-1], bias, stride, padding)),
    ]
    if bias is not None:
        found.append(("the bias is missing: add bias[f] to every value of output channel f.",
                      lambda: conv(images, filters, zero, stride, padding)))
    return found


# --- chapter 3: pooling, flatten, global average pooling --------------------------------------
def pool2d(images: np.ndarray, size, stride, mode: str, padding: str, pool: Callable) -> list:
    """Mistakes in max/average pooling; ``pool(images, size, stride, mode, padding)`` is the
    oracle. Padded variants are reproduced with :func:`convlab.pooling.pool`."""
    from . import pooling
    kh, kw = pooling.pair(size, "size")
    sh, sw = pooling.pair(size if stride is None else stride, "stride")
    other = "avg" if mode == "max" else "max"
    found = [
        (f"you computed {other} pooling; mode={mode!r} asks for the "
         f"{'maximum' if mode == 'max' else 'mean'} of each window.",
         lambda: pool(images, size, stride, other, padding)),
        ("the stride is ignored: windows must start every `stride` pixels (and the stride "
         "defaults to the window size, so 2x2 pooling halves the image).",
         lambda: pool(images, size, 1, mode, padding)),
    ]
    if (kh, kw) != (kw, kh):
        found.append(("the window's height and width are swapped: size=(kh, kw) means kh rows "
                      "and kw columns.", lambda: pool(images, (kw, kh), (sh, sw), mode, padding)))
    if (sh, sw) != (sw, sh):
        found.append(("the strides are swapped: stride=(sh, sw) means sh between rows, sw "
                      "between columns.", lambda: pool(images, (kh, kw), (sw, sh), mode, padding)))
    if padding == "SAME":
        n, h, w, c = images.shape
        (t, b), (l, r) = pooling.pads(h, w, (kh, kw), (sh, sw), "SAME")
        found.append(("the padding is ignored: with padding=\"SAME\" the output has "
                      "ceil(H / stride) rows; pad first (as in chapter 2).",
                      lambda: pool(images, size, stride, mode, "VALID")))
        if mode == "avg":
            found.append(("the padded zeros are counted in the average. TensorFlow's SAME average "
                          "pooling divides by the number of real cells in each window only.",
                          lambda: pooling.pool(images, (kh, kw), (sh, sw), "avg",
                                               ((t, b), (l, r)), pad_value=0.0)))
        else:
            found.append(("the padding is filled with zeros, so a window of negative values "
                          "returns 0. TensorFlow's SAME max pooling ignores the padded cells "
                          "(pad with -inf).",
                          lambda: pooling.pool(images, (kh, kw), (sh, sw), "max",
                                               ((t, b), (l, r)), pad_value=0.0)))
        if (t, l) != (b, r):
            found.append(("the SAME padding puts the extra row/column at the top/left; "
                          "TensorFlow puts it at the bottom/right.",
                          lambda: pooling.pool(images, (kh, kw), (sh, sw), mode, ((b, t), (r, l)))))
    return found


def flatten(x: np.ndarray) -> list:
    """Mistakes in flattening an (N, H, W, C) batch."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        return []
    return [("the order is channels-first: Keras' Flatten on NHWC data keeps the memory order "
             "(row, column, channel), so channel varies fastest. Just reshape to (N, -1); "
             "do not transpose.", lambda: x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)),
            ("rows and columns are swapped before flattening: keep (H, W, C) as it is.",
             lambda: x.transpose(0, 2, 1, 3).reshape(x.shape[0], -1))]


def global_avg_pool(x: np.ndarray) -> list:
    """Mistakes in global average pooling of an (N, H, W, C) batch: the wrong reduction, or the
    mean over any other set of axes than (1, 2) (its shape and values say which)."""
    x = np.asarray(x, dtype=float)
    found = [("you took the maximum: global *average* pooling is the mean over H and W.",
              lambda: x.max(axis=(1, 2))),
             ("you summed instead of averaging: divide by H·W.", lambda: x.sum(axis=(1, 2))),
             ("the spatial axes are kept (keepdims=True): return shape (N, C), one value per "
              "example and channel.", lambda: x.mean(axis=(1, 2), keepdims=True))]
    if x.ndim != 4:
        return found
    for r in (1, 2, 3, 4):
        for axes in combinations(range(4), r):
            if axes == (1, 2):
                continue
            names = [("N (the batch)", "H", "W", "C (the channels)")[a] for a in axes]
            over = names[0] if r == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            axis = axes[0] if r == 1 else axes
            found.append((f"you averaged over {over}, axis={axis}; global average pooling "
                          f"averages over H and W only, axis=(1, 2), leaving one value per "
                          f"example and channel: shape (N, C).",
                          lambda axis=axis: x.mean(axis=axis)))
    return found


def max_pool_backward(dout: np.ndarray, images: np.ndarray, size: int, stride: int,
                      backward: Callable) -> list:
    """Mistakes in the gradient of max pooling; ``backward(dout, images, size, stride)`` is the
    oracle. The average-pooling gradient is the classic confusion."""
    n, h, w, c = images.shape

    def spread():
        dx = np.zeros_like(images, dtype=float)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                dx[:, i * stride:i * stride + size, j * stride:j * stride + size] += \
                    dout[:, i:i + 1, j:j + 1] / (size * size)
        return dx

    def overwrite():
        dx = np.zeros_like(images, dtype=float)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                win = images[:, i * stride:i * stride + size, j * stride:j * stride + size]
                mask = win == win.max(axis=(1, 2), keepdims=True)
                region = dx[:, i * stride:i * stride + size, j * stride:j * stride + size]
                region[mask] = (mask * dout[:, i:i + 1, j:j + 1])[mask]
        return dx

    return [("the gradient is spread evenly over the window (that is average pooling's "
             "gradient); max pooling sends all of it to the cell that held the maximum.", spread),
            ("overlapping windows overwrite each other's gradient: when a cell is the maximum of "
             "several windows, add up (+=) what each window sends it.", overwrite)]

# --- chapter 5: convolution variants -------------------------------------------------------------
def _plain_conv(images, filters, stride=1, padding="VALID", dilation=1):
    from .testing import tensorflow
    return tensorflow().nn.conv2d(np.asarray(images, np.float64), np.asarray(filters, np.float64),
                                  strides=stride, padding=padding, dilations=dilation).numpy()


def grouped_conv(images: np.ndarray, filters: np.ndarray, groups: int, conv: Callable) -> list:
    """Mistakes in a grouped convolution; ``conv(images, filters, groups)`` is the oracle."""
    c, f = images.shape[-1], filters.shape[-1]
    cg, fg = c // groups, f // groups

    def channels_round_robin():
        return np.concatenate([_plain_conv(images[..., g::groups], filters[..., g * fg:(g + 1) * fg])
                               for g in range(groups)], axis=-1)

    def filters_round_robin():
        return np.concatenate([_plain_conv(images[..., g * cg:(g + 1) * cg], filters[..., g::groups])
                               for g in range(groups)], axis=-1)

    found = [("you flipped the filters spatially. Keras' Conv2D is cross-correlation: no flip.",
              lambda: conv(images, filters[::-1, ::-1], groups))]
    if groups > 1 and cg > 1:
        found.append(("the input channels are dealt out round-robin (channel c to group "
                      "c % groups); group g owns the contiguous block of channels "
                      "g*C/groups ... (g+1)*C/groups - 1.", channels_round_robin))
    if groups > 1 and fg > 1:
        found.append(("the filters are dealt out round-robin (filters[..., g::groups] for group "
                      "g); group g owns the contiguous block of F/groups filters "
                      "g*F/groups ... (g+1)*F/groups - 1.", filters_round_robin))
    return found


def depthwise(images: np.ndarray, filters: np.ndarray, stride, padding, conv: Callable) -> list:
    """Mistakes in a depthwise convolution; ``conv(images, filters, stride, padding)`` is the
    oracle (tf.nn.depthwise_conv2d)."""
    c, m = filters.shape[2], filters.shape[3]

    def channel_major():
        out = conv(images, filters, stride, padding)
        n, h, w, _ = out.shape
        return out.reshape(n, h, w, c, m).transpose(0, 1, 2, 4, 3).reshape(n, h, w, c * m)

    found = [("you flipped the filters spatially: no flip (cross-correlation).",
              lambda: conv(images, filters[::-1, ::-1], stride, padding)),
             ("the stride is ignored: windows must start every `stride` rows and columns.",
              lambda: conv(images, filters, 1, padding))]
    if c > 1 and m > 1:
        found.append(("the output channels are in the wrong order: output channel c*m + j is "
                      "input channel c convolved with filters[:, :, c, j] (all m outputs of "
                      "channel 0 first, then channel 1, ...).", channel_major))
    return found


def pointwise(images: np.ndarray, filters: np.ndarray, conv: Callable) -> list:
    """Mistakes in a 1x1 convolution; ``conv(images, filters)`` is the oracle."""
    found = []
    if filters.shape[2] == filters.shape[3]:
        found.append(("the filter axes are swapped: filters[0, 0, c, f] connects input channel c "
                      "to output channel f.", lambda: conv(images, filters.transpose(0, 1, 3, 2))))
    return found


def separable(images, depthwise_filters, pointwise_filters, stride, padding,
              conv: Callable) -> list:
    """Mistakes in a separable convolution; ``conv(images, dw, pw, stride, padding)`` is the
    oracle (tf.nn.separable_conv2d)."""
    c, m = depthwise_filters.shape[2], depthwise_filters.shape[3]
    perm = np.array([j * c + ch for ch in range(c) for j in range(m)])
    found = [("you flipped the depthwise filters spatially: no flip (cross-correlation).",
              lambda: conv(images, depthwise_filters[::-1, ::-1], pointwise_filters, stride,
                           padding))]
    if c > 1 and m > 1:
        found.append(("the depthwise output channels are in the wrong order for the pointwise "
                      "step: intermediate channel c*m + j comes from input channel c and "
                      "depthwise_filters[:, :, c, j].",
                      lambda: conv(images, depthwise_filters, pointwise_filters[:, :, perm],
                                   stride, padding)))
    return found


def dilated(images, filters, d, padding, conv: Callable) -> list:
    """Mistakes in a dilated convolution; ``conv(images, filters, d, padding)`` is the oracle."""
    return [
        ("the dilation is ignored: with dilation d the taps are d cells apart (d - 1 zeros "
         "between them).", lambda: conv(images, filters, 1, padding)),
        ("there are d zeros between the taps; dilation d means d - 1 zeros (taps d cells apart).",
         lambda: conv(images, filters, d + 1, padding)),
        ("you flipped the filters spatially: no flip (cross-correlation).",
         lambda: conv(images, filters[::-1, ::-1], d, padding)),
    ]


def transpose(images, filters, output_shape, stride, padding, conv: Callable) -> list:
    """Mistakes in a transposed convolution; ``conv(images, filters, output_shape, stride,
    padding)`` is the oracle (tf.nn.conv2d_transpose)."""
    n, h, w, _ = images.shape
    kh, kw, f, c = filters.shape

    def cropped_top_left():
        full = conv(images, filters, (n, stride * (h - 1) + kh, stride * (w - 1) + kw, f),
                    stride, "VALID")
        oh, ow = output_shape[1], output_shape[2]
        full = np.pad(full, ((0, 0), (0, max(oh - full.shape[1], 0)),
                             (0, max(ow - full.shape[2], 0)), (0, 0)))
        return full[:, :oh, :ow]

    found = [("you flipped the kernel: the transposed convolution scatters "
              "images[n, i, j, c] * filters[m, q, :, c] to out[n, i*s + m, j*s + q, :], no flip.",
              lambda: conv(images, filters[::-1, ::-1], output_shape, stride, padding))]
    if isinstance(padding, str) and padding.upper() == "SAME":
        found.append(("the SAME output is cut from the top/left of the full scatter; TensorFlow "
                      "drops the padding p_before = total // 2 first (as conv2d's SAME padding "
                      "of an output_shape input).", cropped_top_left))
    if f == c:
        found.append(("the filter axes are swapped: filters are (kh, kw, F_out, C_in) for a "
                      "transposed convolution.",
                      lambda: conv(images, filters.transpose(0, 1, 3, 2), output_shape, stride,
                                   padding)))
    return found

# --- chapter 4: batch normalization -------------------------------------------------------------
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
        ("you used the unbiased variance (divide by N - 1, np.var(..., ddof=1)); batch norm (Keras, "
         "tf.nn.moments) divides by N, the biased variance.", lambda: bn(mean, unbiased)),
        ("epsilon is added to the standard deviation; it goes under the square root: "
         "(x - mean) / sqrt(var + eps).",
         lambda: gamma * (x - mean) / (np.sqrt(var) + eps) + beta),
        ("epsilon is missing: divide by sqrt(var + eps), not sqrt(var).",
         lambda: bn(mean, var, e=0.0)),
        ("you divided by the variance; divide by the standard deviation sqrt(var + eps).",
         lambda: gamma * (x - mean) / (var + eps) + beta),
        ("gamma and beta are swapped: y = gamma * x_hat + beta (gamma scales, beta shifts).",
         lambda: bn(mean, var, g=beta, b=gamma)),
        ("the scale and shift are missing: after normalising, return gamma * x_hat + beta.",
         lambda: bn(mean, var, g=np.ones_like(gamma), b=np.zeros_like(beta))),
        ("the statistics are taken per sample (over the last axis, that is layer norm); batch "
         "norm takes them per channel, over every axis but the last.",
         lambda: gamma * (x - x.mean(-1, keepdims=True))
         / np.sqrt(x.var(-1, keepdims=True) + eps) + beta),
    ]
    if x.ndim > 2:
        m0, v0 = x.mean(0), x.var(0)
        y.append(("the statistics are taken over the batch axis only; for (N, H, W, C) batch "
                  "norm averages over N, H and W (every axis but the last), one mean per "
                  "channel.", lambda: gamma * (x - m0) / np.sqrt(v0 + eps) + beta))
    var_mistakes = [
        ("batch_var is the unbiased variance (N - 1); return the biased one (divide by N).",
         lambda: unbiased),
        ("batch_var is the standard deviation; return the variance.", lambda: np.sqrt(var)),
        ("batch_var includes epsilon; return the plain batch variance.", lambda: var + eps),
    ]
    mean_mistakes = [] if x.ndim == 2 else [
        ("the statistics are taken over the batch axis only; for (N, H, W, C) batch norm "
         "averages over N, H and W (every axis but the last): one mean per channel.",
         lambda: x.mean(0))]
    mean_mistakes.append(("the statistics are taken per sample (over the last axis, that is "
                          "layer norm); batch norm takes one per channel, over every axis but "
                          "the last.", lambda: x.mean(-1)))
    return {"y": y, "mean": mean_mistakes, "var": var_mistakes}


def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum: float) -> list:
    """Mistakes in the moving-average update; results are (new_mean, new_var) stacked."""
    m = float(momentum)
    mm, mv = np.asarray(moving_mean, float), np.asarray(moving_var, float)
    bm, bv = np.asarray(batch_mean, float), np.asarray(batch_var, float)
    return [
        ("you used the PyTorch convention (new = momentum * batch + (1 - momentum) * old). In "
         "Keras, momentum is the share of the OLD average that is kept: "
         "new = momentum * old + (1 - momentum) * batch.",
         lambda: np.stack([m * bm + (1 - m) * mm, m * bv + (1 - m) * mv])),
        ("only the mean is updated; the moving variance needs the same update with batch_var.",
         lambda: np.stack([m * mm + (1 - m) * bm, mv])),
        ("the moving average is replaced by the batch statistics; it should move only a little "
         "towards them.", lambda: np.stack([bm, bv])),
    ]


def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps: float) -> list:
    """Mistakes in batch norm's inference mode."""
    x = np.asarray(x, float)
    g, b = np.asarray(gamma, float), np.asarray(beta, float)
    mm, mv = np.asarray(moving_mean, float), np.asarray(moving_var, float)
    axes = tuple(range(x.ndim - 1))
    bm, bv = x.mean(axes), x.var(axes)
    return [
        ("you used the batch statistics (training mode); at inference batch norm uses the moving "
         "mean and variance, so each example's output does not depend on the rest of the batch.",
         lambda: g * (x - bm) / np.sqrt(bv + eps) + b),
        ("epsilon is missing: divide by sqrt(moving_var + eps).",
         lambda: g * (x - mm) / np.sqrt(mv) + b),
        ("you divided by the variance; divide by sqrt(moving_var + eps).",
         lambda: g * (x - mm) / (mv + eps) + b),
        ("gamma and beta are swapped: y = gamma * x_hat + beta.",
         lambda: b * (x - mm) / np.sqrt(mv + eps) + g),
    ]


def batchnorm_backward(dy, x, gamma, eps: float) -> dict:
    """Mistakes in batch norm's backward pass: {"dx": [...], "dgamma": [...], "dbeta": [...]}."""
    dy, x, g = (np.asarray(v, float) for v in (dy, x, gamma))
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axes), x.var(axes)
    xhat = (x - mean) / np.sqrt(var + eps)
    return {
        "dx": [("dx treats the batch mean and variance as constants (dx = dy * gamma / "
                "sqrt(var + eps)); they depend on x too, which adds two terms.",
                lambda: dy * g / np.sqrt(var + eps))],
        "dgamma": [("dgamma and dbeta are swapped: dbeta = sum(dy), dgamma = sum(dy * x_hat).",
                    lambda: dy.sum(axes)),
                   ("dgamma uses x instead of the normalised x_hat: dgamma = sum(dy * x_hat).",
                    lambda: (dy * x).sum(axes))],
        "dbeta": [("dgamma and dbeta are swapped: dbeta = sum(dy), dgamma = sum(dy * x_hat).",
                   lambda: (dy * xhat).sum(axes))],
    }


# --- chapter 7: autoencoders and anomaly scores --------------------------------------------------
def reconstruction_error(x: np.ndarray, x_hat: np.ndarray) -> list:
    """Mistakes in a per-row mean squared error."""
    d = np.asarray(x, float) - np.asarray(x_hat, float)
    return [
        ("you summed the squared errors; the error is their mean over the features (axis=1).",
         lambda: np.sum(d ** 2, axis=1)),
        ("you averaged over the rows (axis=0): there must be one error per row (transaction).",
         lambda: np.mean(d ** 2, axis=0)),
        ("you took the square root (RMSE); the course's error is the mean squared error.",
         lambda: np.sqrt(np.mean(d ** 2, axis=1))),
        ("you averaged absolute differences (MAE); square them.",
         lambda: np.mean(np.abs(d), axis=1)),
        ("you averaged the differences without squaring them.",
         lambda: np.mean(d, axis=1)),
        ("you returned one number for the whole batch; return one error per row.",
         lambda: np.mean(d ** 2)),
    ]


def contractive_penalty(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> list:
    """Mistakes in the per-row contractive penalty of a sigmoid encoder."""
    x, W, b = (np.asarray(v, float) for v in (x, W, b))
    z = x @ W + b
    h = 1.0 / (1.0 + np.exp(-z))
    w2 = np.sum(W ** 2, axis=0)
    found = [
        ("h_j (1 - h_j) is not squared: the Jacobian entry is h_j (1 - h_j) W_ij, so its square "
         "has (h_j (1 - h_j))^2.", lambda: (h * (1 - h)) @ w2),
        ("you used the ReLU formula: for a sigmoid encoder the derivative is h (1 - h), not "
         "1 where the unit is active.", lambda: (z > 0).astype(float) @ w2),
        ("you applied the formula to a ReLU of x W + b; the encoder is sigmoid(x W + b).",
         lambda: ((np.maximum(z, 0) * (1 - np.maximum(z, 0))) ** 2) @ w2),
        ("the bias is missing: h = sigmoid(x W + b).",
         lambda: ((1 / (1 + np.exp(-(x @ W))) * (1 - 1 / (1 + np.exp(-(x @ W))))) ** 2) @ w2),
        ("you returned the Frobenius norm; the penalty is its square.",
         lambda: np.sqrt(((h * (1 - h)) ** 2) @ w2)),
        ("you averaged over the hidden units instead of summing.",
         lambda: ((h * (1 - h)) ** 2) @ w2 / W.shape[1]),
        ("you returned one number for the batch; return one penalty per row.",
         lambda: np.sum(((h * (1 - h)) ** 2) @ w2)),
        ("the weights are summed before squaring: use sum_i W_ij^2, not (sum_i W_ij)^2.",
         lambda: ((h * (1 - h)) ** 2) @ (np.sum(W, axis=0) ** 2)),
    ]
    if W.shape[0] == W.shape[1]:
        found.append(("sum W_ij^2 over the inputs i (axis=0 of W, one value per hidden unit j), "
                      "not over the hidden units.", lambda: ((h * (1 - h)) ** 2) @ np.sum(W ** 2, axis=1)))
    return found


def choose_threshold(errors: np.ndarray, labels: np.ndarray, target_recall: float) -> list:
    """Mistakes in picking the largest threshold that reaches a target recall."""
    e, y = np.asarray(errors, float), np.asarray(labels).astype(int)
    fraud = np.sort(e[y == 1])[::-1]
    n = len(fraud)
    need = int(np.argmax(np.arange(1, n + 1) / n >= target_recall)) + 1
    found = [
        ("you rounded the number of frauds to catch down (int(target_recall * n_frauds)); "
         "round up, so that the recall reaches the target.",
         lambda: fraud[max(int(target_recall * n) - 1, 0)]),
        ("you searched over all errors by quantile of the whole set, not over the frauds' errors: "
         "recall counts frauds only.",
         lambda: np.quantile(e, 1 - target_recall)),
        ("you returned the smallest fraud error (recall 1) instead of the largest threshold that "
         "reaches the target.", lambda: fraud[-1]),
    ]
    if need < n:
        found.append(("off by one: you returned the next lower fraud error; the threshold is the "
                      "error of the k-th most suspicious fraud, flagged by errors >= threshold.",
                      lambda: fraud[need]))
    if need >= 2:
        found.append(("off by one: you returned the error of fraud k-1 (0-based vs 1-based "
                      "counting); flagging errors >= it misses the target recall.",
                      lambda: fraud[need - 2]))
    return found


# --- chapter 6: Keras models and blocks, checked by parameter counts ------------------------------
def _dense(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


def _conv(k, c, f, bias=True):
    return k * k * c * f + (f if bias else 0)


def mnist_cnn() -> list:
    """Mistakes in the seed's MNIST network, as (explanation, total parameters)."""
    def total(k=5, pad_same=True, bias=True, second_pool=True, hidden=True):
        side = 28 if pad_same else 28 - k + 1
        side //= 2
        side = side if pad_same else side - k + 1
        if second_pool:
            side //= 2
        flat = side * side * 64
        head = (_dense(flat, 1024, bias) + _dense(1024, 10, bias)) if hidden else _dense(flat, 10, bias)
        return _conv(k, 1, 32, bias) + _conv(k, 32, 64, bias) + head
    return [
        ("the convolutions use VALID padding; the seed network pads SAME (28 -> 14 -> 7).",
         lambda: total(pad_same=False)),
        ("the kernels are 3x3; the seed network uses 5x5 kernels.", lambda: total(k=3)),
        ("the layers have no bias (use_bias=False); Keras' default, with bias, is expected.",
         lambda: total(bias=False)),
        ("the second max pooling is missing: the dense layer then sees 14x14x64 values.",
         lambda: total(second_pool=False)),
        ("the dense layer of 1,024 units is missing.", lambda: total(hidden=False)),
    ]


def vgg_block(c, filters, convs) -> list:
    """Mistakes in a VGG block on ``c`` input channels, as (explanation, parameters)."""
    def total(n=convs, k=3, bias=True):
        return _conv(k, c, filters, bias) + (n - 1) * _conv(k, filters, filters, bias) if n else 0
    return [
        ("one convolution too few: the block stacks `convs` convolutions.",
         lambda: total(convs - 1)),
        ("one convolution too many: the block stacks `convs` convolutions.",
         lambda: total(convs + 1)),
        ("the convolutions have no bias; Keras' default (with bias) is expected.",
         lambda: total(bias=False)),
        ("the kernels are not 3x3: VGG stacks 3x3 convolutions.", lambda: total(k=5)),
    ]


def inception(c, f1, r3, f3, r5, f5, pp) -> list:
    """Mistakes in an Inception module on ``c`` input channels, as (explanation, parameters)."""
    right = (_conv(1, c, f1) + _conv(1, c, r3) + _conv(3, r3, f3) + _conv(1, c, r5)
             + _conv(5, r5, f5) + _conv(1, c, pp))
    return [
        ("the 1x1 reductions are missing: the 3x3 and 5x5 convolutions see all input channels "
         "(that is what makes the naive module expensive).",
         lambda: _conv(1, c, f1) + _conv(3, c, f3) + _conv(5, c, f5) + _conv(1, c, pp)),
        ("the pooling branch has no 1x1 projection (pool_proj filters after the pooling).",
         lambda: right - _conv(1, c, pp)),
        ("the 5x5 branch uses a 3x3 kernel.", lambda: right - _conv(5, r5, f5) + _conv(3, r5, f5)),
        ("f3_reduce and f5_reduce are swapped.",
         lambda: (_conv(1, c, f1) + _conv(1, c, r5) + _conv(3, r5, f3) + _conv(1, c, r3)
                  + _conv(5, r3, f5) + _conv(1, c, pp))),
    ]


def residual(c, filters, projection: bool) -> list:
    """Mistakes in a residual block (convs without bias, each followed by BatchNormalization) on
    ``c`` input channels, as (explanation, parameters)."""
    bn = 4 * filters
    body = _conv(3, c, filters, False) + bn + _conv(3, filters, filters, False) + bn
    proj = _conv(1, c, filters, False) + bn
    found = [("the convolutions have a bias: before BatchNormalization a bias is redundant "
              "(BN subtracts the mean); use use_bias=False.",
              lambda: body + 2 * filters + (proj + filters if projection else 0))]
    if projection:
        found += [("the projection shortcut is missing: when the stride or the number of "
                   "channels changes, x must go through a 1x1 convolution (with the same stride) "
                   "and BatchNormalization before the addition.", lambda: body),
                  ("the projection shortcut has no BatchNormalization.",
                   lambda: body + proj - bn)]
    else:
        found.append(("there is a projection shortcut where the shapes already match: then the "
                      "shortcut must be the identity (x itself).", lambda: body + proj))
    return found

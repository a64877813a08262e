"""Common mistakes, named: each function returns ``(explanation, compute)`` pairs for
:func:`convlab.testing.assert_allclose`. ``compute`` reproduces the mistake with the oracle
(TensorFlow), so a student's wrong result can be matched to its likely cause.
"""
from __future__ import annotations

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
def _same_pairs(h, w, kh, kw, sh, sw, extra_before=False, stride_one=False):
    from .padding import tf_same_padding
    pairs = []
    for i, k, s in ((h, kh, sh), (w, kw, sw)):
        before, after = tf_same_padding(i, k, 1 if stride_one else s)
        pairs.append((after, before) if extra_before else (before, after))
    return tuple(pairs)


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
        top_left = _same_pairs(h, w, kh, kw, sh, sw, extra_before=True)
        if top_left != _same_pairs(h, w, kh, kw, sh, sw):
            found.append(("the SAME padding puts the extra row/column at the top/left; "
                          "TensorFlow puts it at the bottom/right (before = total // 2, "
                          "after = total - before).",
                          lambda: conv(images, filters, bias, stride, top_left)))
        found.append(("the SAME padding ignores the stride: it is computed as for stride 1 "
                      "(total k - 1). With stride s TensorFlow pads max((o - 1)s + k - i, 0), "
                      "o = ceil(i / s).",
                      lambda: conv(images, filters, bias, stride,
                                   _same_pairs(h, w, kh, kw, sh, sw, stride_one=True))))
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
    """Mistakes in global average pooling of an (N, H, W, C) batch."""
    x = np.asarray(x, dtype=float)
    return [("you took the maximum: global *average* pooling is the mean over H and W.",
             lambda: x.max(axis=(1, 2))),
            ("you summed instead of averaging: divide by H·W.", lambda: x.sum(axis=(1, 2))),
            ("the mean also runs over the channels: average over H and W only, one value per "
             "channel.", lambda: np.repeat(x.mean(axis=(1, 2, 3))[:, None], x.shape[3], axis=1))]


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

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

"""Chapter 3's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
``cnn_shapes`` returns the line to add to its test's message instead: it judges one layer's
(shape, parameters) against Keras'.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable

import numpy as np

from convlab.ch02_stride_padding.mistakes import _same_mistakes
from convlab.i18n import N_, _
from convlab.testing import likely_cause, mistake

from . import compute


def pool2d(images: np.ndarray, size, stride, mode: str, padding: str, pool: Callable) -> list:
    """Mistakes in max/average pooling; ``pool(images, size, stride, mode, padding)`` is the
    oracle. Padded variants are reproduced with :func:`convlab.ch03_pooling_flatten.compute.pool2d`."""
    kh, kw = compute.pair(size, "size")
    sh, sw = compute.pair(size if stride is None else stride, "stride")
    other = "avg" if mode == "max" else "max"
    found = [
        (mistake("pool2d.wrong_mode",
                 (_("you computed avg pooling; mode={mode!r} asks for the maximum of each window.")
                  if mode == "max" else
                  _("you computed max pooling; mode={mode!r} asks for the mean of each window."))
                 .format(mode=mode)),
         lambda: pool(images, size, stride, other, padding)),
        (mistake("pool2d.stride_ignored",
         "the stride is ignored: windows must start every `stride` pixels (and the stride "
         "defaults to the window size, so 2x2 pooling halves the image)."),
         lambda: pool(images, size, 1, mode, padding)),
    ]
    if (kh, kw) != (kw, kh):
        found.append((mistake("pool2d.window_swapped",
                      "the window's height and width are swapped: size=(kh, kw) means kh rows "
                      "and kw columns."), lambda: pool(images, (kw, kh), (sh, sw), mode, padding)))
    if (sh, sw) != (sw, sh):
        found.append((mistake("pool2d.strides_swapped",
                      "the strides are swapped: stride=(sh, sw) means sh between rows, sw "
                      "between columns."), lambda: pool(images, (kh, kw), (sw, sh), mode, padding)))
    if padding == "SAME":
        n, h, w, c = images.shape
        (t, b), (l, r) = compute.pads(h, w, (kh, kw), (sh, sw), "SAME")
        found.append((mistake("pool2d.padding_ignored",
                      "the padding is ignored: with padding=\"SAME\" the output has "
                      "ceil(H / stride) rows; pad first (as in chapter 2)."),
                      lambda: pool(images, size, stride, mode, "VALID")))
        if mode == "avg":
            found.append((mistake("pool2d.avg_counts_padding",
                          "the padded zeros are counted in the average. TensorFlow's SAME average "
                          "pooling divides by the number of real cells in each window only."),
                          lambda: compute.pool2d(images, (kh, kw), (sh, sw), "avg",
                                               ((t, b), (l, r)), pad_value=0.0)))
        else:
            found.append((mistake("pool2d.max_pads_zeros",
                          "the padding is filled with zeros, so a window of negative values "
                          "returns 0. TensorFlow's SAME max pooling ignores the padded cells "
                          "(pad with -inf)."),
                          lambda: compute.pool2d(images, (kh, kw), (sh, sw), "max",
                                               ((t, b), (l, r)), pad_value=0.0)))
        found += [(why, lambda pads=pads: compute.pool2d(images, (kh, kw), (sh, sw), mode, pads))
                  for why, pads in _same_mistakes(h, w, kh, kw, sh, sw, exercise="pool2d")]
    return found


# the axes of an (N, H, W, C) batch, as global_avg_pool's wrong_axes mistake names them
AXIS_NAMES = (N_("N (the batch)"), "H", "W", N_("C (the channels)"))


def flatten(x: np.ndarray) -> list:
    """Mistakes in flattening an (N, H, W, C) batch."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        return []
    return [(mistake("flatten.channels_first",
             "the order is channels-first: Keras' Flatten on NHWC data keeps the memory order "
             "(row, column, channel), so channel varies fastest. Just reshape to (N, -1); "
             "do not transpose."), lambda: x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)),
            (mistake("flatten.rows_columns_swapped",
             "rows and columns are swapped before flattening: keep (H, W, C) as it is."),
             lambda: x.transpose(0, 2, 1, 3).reshape(x.shape[0], -1))]


def global_avg_pool(x: np.ndarray) -> list:
    """Mistakes in global average pooling of an (N, H, W, C) batch: the wrong reduction, or the
    mean over any other set of axes than (1, 2) (its shape and values say which)."""
    x = np.asarray(x, dtype=float)
    found = [(mistake("global_avg_pool.took_maximum",
              "you took the maximum: global *average* pooling is the mean over H and W."),
              lambda: x.max(axis=(1, 2))),
             (mistake("global_avg_pool.summed",
              "you summed instead of averaging: divide by H·W."), lambda: x.sum(axis=(1, 2))),
             (mistake("global_avg_pool.keepdims",
              "the spatial axes are kept (keepdims=True): return shape (N, C), one value per "
              "example and channel."), lambda: x.mean(axis=(1, 2), keepdims=True))]
    if x.ndim != 4:
        return found
    for r in (1, 2, 3, 4):
        for axes in combinations(range(4), r):
            if axes == (1, 2):
                continue
            names = [_(AXIS_NAMES[a]) for a in axes]
            over = names[0] if r == 1 else _("{first} and {last}").format(
                first=", ".join(names[:-1]), last=names[-1])
            axis = axes[0] if r == 1 else axes
            found.append((mistake("global_avg_pool.wrong_axes",
                          _("you averaged over {axes}, axis={axis}; global average pooling "
                            "averages over H and W only, axis=(1, 2), leaving one value per "
                            "example and channel: shape (N, C).").format(axes=over, axis=axis)),
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

    return [(mistake("max_pool_backward.spread_evenly",
             "the gradient is spread evenly over the window (that is average pooling's "
             "gradient); max pooling sends all of it to the cell that held the maximum."), spread),
            (mistake("max_pool_backward.overlap_overwrites",
             "overlapping windows overwrite each other's gradient: when a cell is the maximum of "
             "several windows, add up (+=) what each window sends it."), overwrite)]


def cnn_shapes(layer, mine, true) -> str:
    """What a wrong (shape, parameters) of one ``layer`` of ``cnn_shapes`` most likely got wrong,
    as a line for the test's failure message ("" when no known mistake fits); ``true`` is Keras'
    (shape, parameters) for that layer."""
    kind = layer[0]
    if kind == "conv" and mine[1] == true[1] - layer[1]:
        return likely_cause(mistake("cnn_shapes.conv_bias_missing", "the bias is missing: a "
                                    "conv layer has k·k·C_in·F + F parameters."))
    if kind == "dense" and mine[1] == true[1] - layer[1]:
        return likely_cause(mistake("cnn_shapes.dense_bias_missing", "the bias is missing: a "
                                    "dense layer has n_in·units + units parameters."))
    if kind in ("pool", "gap", "flatten", "dropout") and mine[1] != 0:
        return likely_cause(mistake("cnn_shapes.parameters_without_weights",
                                    _("a {kind} layer learns nothing: 0 parameters.")
                                    .format(kind=kind)))
    if kind in ("conv", "pool") and mine[0] != true[0]:
        return "\n" + _("Check the padding and the stride: VALID gives floor((i - k) / s) + 1, "
                        "SAME gives ceil(i / s).")
    return ""

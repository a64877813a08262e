"""Chapter 5's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from convlab.testing import mistake, tensorflow


def _plain_conv(images, filters, stride=1, padding="VALID", dilation=1):
    return tensorflow().nn.conv2d(np.asarray(images, np.float64), np.asarray(filters, np.float64),
                                  strides=stride, padding=padding, dilations=dilation).numpy()


def grouped_conv2d(images: np.ndarray, filters: np.ndarray, groups: int, conv: Callable) -> list:
    """Mistakes in a grouped convolution; ``conv(images, filters, groups)`` is the oracle."""
    c, f = images.shape[-1], filters.shape[-1]
    cg, fg = c // groups, f // groups

    def channels_round_robin():
        return np.concatenate([_plain_conv(images[..., g::groups], filters[..., g * fg:(g + 1) * fg])
                               for g in range(groups)], axis=-1)

    def filters_round_robin():
        return np.concatenate([_plain_conv(images[..., g * cg:(g + 1) * cg], filters[..., g::groups])
                               for g in range(groups)], axis=-1)

    found = [(mistake("grouped_conv2d.flipped_filters",
              "you flipped the filters spatially. Keras' Conv2D is cross-correlation: no flip."),
              lambda: conv(images, filters[::-1, ::-1], groups))]
    if groups > 1 and cg > 1:
        found.append((mistake("grouped_conv2d.channels_round_robin",
                      "the input channels are dealt out round-robin (channel c to group "
                      "c % groups); group g owns the contiguous block of channels "
                      "g*C/groups ... (g+1)*C/groups - 1."), channels_round_robin))
    if groups > 1 and fg > 1:
        found.append((mistake("grouped_conv2d.filters_round_robin",
                      "the filters are dealt out round-robin (filters[..., g::groups] for group "
                      "g); group g owns the contiguous block of F/groups filters "
                      "g*F/groups ... (g+1)*F/groups - 1."), filters_round_robin))
    return found


def depthwise_conv2d(images: np.ndarray, filters: np.ndarray, stride, padding, conv: Callable) -> list:
    """Mistakes in a depthwise convolution; ``conv(images, filters, stride, padding)`` is the
    oracle (tf.nn.depthwise_conv2d)."""
    c, m = filters.shape[2], filters.shape[3]

    def channel_major():
        out = conv(images, filters, stride, padding)
        n, h, w, _ = out.shape
        return out.reshape(n, h, w, c, m).transpose(0, 1, 2, 4, 3).reshape(n, h, w, c * m)

    found = [(mistake("depthwise_conv2d.flipped_filters",
              "you flipped the filters spatially: no flip (cross-correlation)."),
              lambda: conv(images, filters[::-1, ::-1], stride, padding)),
             (mistake("depthwise_conv2d.stride_ignored",
              "the stride is ignored: windows must start every `stride` rows and columns."),
              lambda: conv(images, filters, 1, padding))]
    if c > 1 and m > 1:
        found.append((mistake("depthwise_conv2d.channel_order",
                      "the output channels are in the wrong order: output channel c*m + j is "
                      "input channel c convolved with filters[:, :, c, j] (all m outputs of "
                      "channel 0 first, then channel 1, ...)."), channel_major))
    return found


def pointwise_conv2d(images: np.ndarray, filters: np.ndarray, conv: Callable) -> list:
    """Mistakes in a 1x1 convolution; ``conv(images, filters)`` is the oracle."""
    found = []
    if filters.shape[2] == filters.shape[3]:
        found.append((mistake("pointwise_conv2d.filter_axes_swapped",
                      "the filter axes are swapped: filters[0, 0, c, f] connects input channel c "
                      "to output channel f."), lambda: conv(images, filters.transpose(0, 1, 3, 2))))
    return found


def separable_conv2d(images, depthwise_filters, pointwise_filters, stride, padding,
              conv: Callable) -> list:
    """Mistakes in a separable convolution; ``conv(images, dw, pw, stride, padding)`` is the
    oracle (tf.nn.separable_conv2d)."""
    c, m = depthwise_filters.shape[2], depthwise_filters.shape[3]
    perm = np.array([j * c + ch for ch in range(c) for j in range(m)])
    found = [(mistake("separable_conv2d.flipped_filters",
              "you flipped the depthwise filters spatially: no flip (cross-correlation)."),
              lambda: conv(images, depthwise_filters[::-1, ::-1], pointwise_filters, stride,
                           padding))]
    if c > 1 and m > 1:
        found.append((mistake("separable_conv2d.channel_order",
                      "the depthwise output channels are in the wrong order for the pointwise "
                      "step: intermediate channel c*m + j comes from input channel c and "
                      "depthwise_filters[:, :, c, j]."),
                      lambda: conv(images, depthwise_filters, pointwise_filters[:, :, perm],
                                   stride, padding)))
    return found


def dilated_conv2d(images, filters, d, padding, conv: Callable) -> list:
    """Mistakes in a dilated convolution; ``conv(images, filters, d, padding)`` is the oracle."""
    return [
        (mistake("dilated_conv2d.dilation_ignored",
         "the dilation is ignored: with dilation d the taps are d cells apart (d - 1 zeros "
         "between them)."), lambda: conv(images, filters, 1, padding)),
        (mistake("dilated_conv2d.d_zeros_between_taps",
         "there are d zeros between the taps; dilation d means d - 1 zeros (taps d cells apart)."),
         lambda: conv(images, filters, d + 1, padding)),
        (mistake("dilated_conv2d.flipped_filters",
         "you flipped the filters spatially: no flip (cross-correlation)."),
         lambda: conv(images, filters[::-1, ::-1], d, padding)),
    ]


def conv2d_transpose(images, filters, output_shape, stride, padding, conv: Callable) -> list:
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

    found = [(mistake("conv2d_transpose.flipped_kernel",
              "you flipped the kernel: the transposed convolution scatters "
              "images[n, i, j, c] * filters[m, q, :, c] to out[n, i*s + m, j*s + q, :], no flip."),
              lambda: conv(images, filters[::-1, ::-1], output_shape, stride, padding))]
    if isinstance(padding, str) and padding.upper() == "SAME":
        found.append((mistake("conv2d_transpose.same_cropped_top_left",
                      "the SAME output is cut from the top/left of the full scatter; TensorFlow "
                      "drops the padding p_before = total // 2 first (as conv2d's SAME padding "
                      "of an output_shape input)."), cropped_top_left))
    if f == c:
        found.append((mistake("conv2d_transpose.filter_axes_swapped",
                      "the filter axes are swapped: filters are (kh, kw, F_out, C_in) for a "
                      "transposed convolution."),
                      lambda: conv(images, filters.transpose(0, 1, 3, 2), output_shape, stride,
                                   padding)))
    return found

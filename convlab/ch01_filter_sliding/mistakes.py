"""Chapter 1's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from convlab.testing import mistake

# mistakes the chapter explains in another section than their exercise's: {id: section number}
# (autograder/misconceptions.py points the student's "What to review" line there)
REVIEW = {"conv2d_single.flipped_kernel": 4, "conv2d_multi.flipped_filters": 4}


def conv2d_single(image: np.ndarray, kernel: np.ndarray, conv: Callable) -> list:
    """Mistakes in a 2-D valid cross-correlation; ``conv(image, kernel)`` is the oracle."""
    found = [
        (mistake("conv2d_single.flipped_kernel",
         "you flipped the kernel. Flipping gives the mathematical convolution; deep-learning "
         "'convolution' (tf.nn.conv2d) is cross-correlation: out[i, j] = "
         "sum(image[i:i+kh, j:j+kw] * kernel), no flip."),
         lambda: conv(image, kernel[::-1, ::-1])),
        (mistake("conv2d_single.output_transposed",
         "the output is transposed: out[i, j] should come from the window whose top-left "
         "corner is image[i, j] (i indexes rows)."),
         lambda: conv(image, kernel).T),
    ]
    if kernel.shape[0] == kernel.shape[1]:
        found.append((mistake("conv2d_single.kernel_transposed",
                      "the kernel is transposed: multiply image[i + m, j + n] by kernel[m, n], "
                      "not by kernel[n, m]."), lambda: conv(image, kernel.T)))
    return found


def conv2d_multi(images: np.ndarray, filters: np.ndarray, bias: np.ndarray,
                 conv: Callable) -> list:
    """Mistakes in a batched multi-channel convolution; ``conv(images, filters, bias)`` is the oracle."""
    c = images.shape[-1]
    found = [
        (mistake("conv2d_multi.bias_missing",
         "the bias is missing: add bias[f] to every value of output channel f."),
         lambda: conv(images, filters, np.zeros_like(bias))),
        (mistake("conv2d_multi.flipped_filters",
         "you flipped the filters spatially. tf.nn.conv2d is cross-correlation: no flip."),
         lambda: conv(images, filters[::-1, ::-1], bias)),
        (mistake("conv2d_multi.bias_per_input_channel",
         "the bias is added once per input channel: sum over channels first, then add bias[f] "
         "once."),
         lambda: conv(images, filters, bias) + (c - 1) * bias),
        (mistake("conv2d_multi.bias_subtracted", "the bias is subtracted instead of added."),
         lambda: conv(images, filters, -bias)),
    ]
    if filters.shape[0] == filters.shape[1]:
        found.append((mistake("conv2d_multi.filters_transposed",
                      "the filters are transposed: multiply images[:, i + m, j + n, :] by "
                      "filters[m, n], not by filters[n, m]."),
                      lambda: conv(images, filters.transpose(1, 0, 2, 3), bias)))
    if filters.shape[2] == filters.shape[3] and c > 1:
        found.append((mistake("conv2d_multi.filter_axes_swapped",
                      "the filter axes are swapped: filters are (kh, kw, C_in, F), so input "
                      "channel c and output channel f meet at filters[:, :, c, f]."),
                      lambda: conv(images, filters.transpose(0, 1, 3, 2), bias)))
    return found

"""Pure computations behind chapter 1's filter-sliding widget (no widgets, no plotting here).

A *step* is one position of the filter: the window under it, the elementwise products and their
sum. Steps are numbered row by row, like the loops ``for i in rows: for j in cols``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from convlab import studentfn, validate
from convlab.i18n import _


@dataclass(frozen=True)
class Step:
    index: int
    row: int
    col: int
    window: np.ndarray    # (kh, kw): image[row:row+kh, col:col+kw]
    products: np.ndarray  # (kh, kw): window * kernel
    total: float          # products.sum(): the output value at (row, col)


def check_inputs(image, kernel):
    """Validate an (H, W) image and a (kh, kw) kernel that fits inside it; return float arrays."""
    image = validate.array(image, "image", ndim=2, layout="(H, W)")
    kernel = validate.array(kernel, "kernel", ndim=2, layout="(kh, kw)")
    validate.require(kernel.shape[0] <= image.shape[0] and kernel.shape[1] <= image.shape[1],
                     _("kernel {kernel} must fit inside the image {image}").format(
                         kernel=kernel.shape, image=image.shape))
    return image, kernel


def output_shape(image_shape, kernel_shape) -> tuple:
    """(H - kh + 1, W - kw + 1): the number of window positions down and across."""
    (h, w), (kh, kw) = image_shape, kernel_shape
    if kh > h or kw > w or min(h, w, kh, kw) < 1:
        raise ValueError(_("kernel {kernel} must fit inside the image {image}").format(
            kernel=tuple(kernel_shape), image=tuple(image_shape)))
    return h - kh + 1, w - kw + 1


def n_steps(image_shape, kernel_shape) -> int:
    oh, ow = output_shape(image_shape, kernel_shape)
    return oh * ow


def step_at(image, kernel, index: int) -> Step:
    """The window, products and sum at step ``index`` (row-major over output positions)."""
    image, kernel = check_inputs(image, kernel)
    oh, ow = output_shape(image.shape, kernel.shape)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < oh * ow:
        raise ValueError(_("step index must be an integer in [0, {n}); got {index}").format(
            n=oh * ow, index=repr(index)))
    row, col = divmod(int(index), ow)
    kh, kw = kernel.shape
    window = image[row:row + kh, col:col + kw]
    products = window * kernel
    return Step(int(index), row, col, window.copy(), products, float(products.sum()))


def filled(output: np.ndarray, index: int) -> np.ndarray:
    """``output`` with the cells after step ``index`` set to NaN (not reached yet)."""
    out = np.array(output, dtype=float, copy=True)
    flat = out.reshape(-1)
    flat[int(index) + 1:] = np.nan
    return out


def run_conv_fn(conv_fn: Callable, image, kernel) -> studentfn.Run:
    """Run a (student's) ``conv_fn(image, kernel)`` and check what comes back: a
    :class:`convlab.studentfn.Run` with the output as ``value`` or an ``error`` for the widget."""
    image, kernel = check_inputs(image, kernel)
    name = studentfn.name_of(conv_fn)
    expected = output_shape(image.shape, kernel.shape)
    return studentfn.call_array(
        conv_fn, name, expected, image.copy(), kernel.copy(),
        wrong_shape=_("for image {image} and kernel {kernel} the output must be {expected} "
                      "(H - kh + 1, W - kw + 1)").format(image=image.shape, kernel=kernel.shape,
                                                         expected=expected))


def conv2d_single(image, kernel) -> np.ndarray:
    """All window sums, one step at a time: the reference answer of the exercise of the same name
    (what the widget shows when no function is given)."""
    image, kernel = check_inputs(image, kernel)
    oh, ow = output_shape(image.shape, kernel.shape)
    return np.array([step_at(image, kernel, k).total for k in range(oh * ow)]).reshape(oh, ow)


def mismatches(output: np.ndarray, reference: np.ndarray, upto: int, atol: float = 1e-9) -> list:
    """Step indices <= ``upto`` where ``output`` differs from the ``reference`` window sums."""
    got = np.asarray(output, dtype=float).reshape(-1)[: int(upto) + 1]
    ref = np.asarray(reference, dtype=float).reshape(-1)[: int(upto) + 1]
    return [int(k) for k in np.flatnonzero(~np.isclose(got, ref, atol=atol))]

"""Chapter 5: helpers for the convolution variants, and the pure computations behind its widget.

    conv2d(images, filters, stride=1, padding="VALID")    a given, vectorised conv2d (chapter 2's)
    pad_like_tf(images, kh, kw, stride, padding)          zeros as TensorFlow pads VALID / SAME
    transpose_output_size(i, k, s, padding, a=0)          rows of a transposed convolution
    overlap_counts(i, k, s)                               how many kernel footprints cover a cell
    run_transpose_fn(fn, i, k, s)                         a (student's) conv2d_transpose on ones,
                                                          or a message saying why not
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from . import validate
from .padding import tf_same_padding

__all__ = ["conv2d", "pad_like_tf", "transpose_output_size", "overlap_counts",
           "run_transpose_fn", "TransposeRun"]


def pad_like_tf(images, kh: int, kw: int, stride: int = 1, padding: str = "VALID",
                dilation: int = 1) -> np.ndarray:
    """``images`` (N, H, W, C) padded with zeros as TensorFlow pads for a (kh, kw) kernel:
    nothing for "VALID"; for "SAME" the extra row/column goes at the bottom/right."""
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    validate.require(isinstance(padding, str) and padding.upper() in ("VALID", "SAME"),
                     f'padding must be "VALID" or "SAME"; got {padding!r}')
    if padding.upper() == "VALID":
        return images
    s = validate.positive_int(stride, "stride")
    (t, b), (l, r) = (tf_same_padding(images.shape[1], kh, s, dilation),
                      tf_same_padding(images.shape[2], kw, s, dilation))
    return np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)))


def conv2d(images, filters, stride: int = 1, padding: str = "VALID") -> np.ndarray:
    """The vectorised conv2d of chapter 2 (no bias): images (N, H, W, C), filters (kh, kw, C, F),
    an int stride, padding "VALID" or "SAME" as TensorFlow pads. Returns (N, oh, ow, F)."""
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    filters = validate.array(filters, "filters", ndim=4, layout="(kh, kw, C, F)")
    kh, kw, c_in, _ = filters.shape
    validate.require(c_in == images.shape[3], f"filters have {c_in} input channels but images "
                                              f"have {images.shape[3]}; they must match")
    s = validate.positive_int(stride, "stride")
    x = pad_like_tf(images, kh, kw, s, padding)
    validate.require(kh <= x.shape[1] and kw <= x.shape[2],
                     f"filters {kh}x{kw} do not fit into the (padded) images {x.shape[1]}x{x.shape[2]}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::s, ::s]
    return np.tensordot(windows, filters, axes=([3, 4, 5], [2, 0, 1]))


def transpose_output_size(i: int, k: int, s: int, padding: str = "VALID", a: int = 0) -> int:
    """Output rows of a transposed convolution: s(i - 1) + a + k - 2p, here VALID (p = 0) or
    SAME (output i*s + a, as Keras' Conv2DTranspose gives)."""
    i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
    if str(padding).upper() == "SAME":
        return i * s + a
    return s * (i - 1) + a + k


def overlap_counts(i: int, k: int, s: int) -> np.ndarray:
    """(o, o) counts: how many kernel footprints of a VALID k x k transposed convolution with
    stride s on an i x i input cover each output cell (it is the output on ones with a ones
    kernel). Uneven counts are the checkerboard."""
    i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
    o = s * (i - 1) + k
    line = np.zeros(o)
    for start in range(0, s * (i - 1) + 1, s):
        line[start:start + k] += 1
    return np.outer(line, line)


@dataclass(frozen=True)
class TransposeRun:
    value: Optional[np.ndarray]
    error: Optional[str]


def run_transpose_fn(fn: Callable, i: int, k: int, s: int) -> TransposeRun:
    """Call ``fn(ones (1, i, i, 1), ones (k, k, 1, 1), (1, o, o, 1), s, "VALID")`` and return its
    (o, o) result, or a message saying why not. Never raises for a bad ``fn``."""
    o = transpose_output_size(i, k, s)
    name = getattr(fn, "__name__", "your function")
    shown = f"{name}(ones (1, {i}, {i}, 1), ones ({k}, {k}, 1, 1), (1, {o}, {o}, 1), {s}, 'VALID')"
    try:
        value = fn(np.ones((1, i, i, 1)), np.ones((k, k, 1, 1)), (1, o, o, 1), s, "VALID")
    except NotImplementedError:
        return TransposeRun(None, f"{name} is not implemented yet (it raises NotImplementedError). "
                                  f"Implement it above and run this cell again.")
    except Exception as exc:
        return TransposeRun(None, f"{shown} raised {type(exc).__name__}: {exc}")
    if value is None:
        return TransposeRun(None, f"{shown} returned None: did you forget `return`?")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return TransposeRun(None, f"{shown} returned {type(value).__name__}, not a numeric array")
    if arr.shape != (1, o, o, 1):
        return TransposeRun(None, f"{shown} returned shape {arr.shape}; expected (1, {o}, {o}, 1)")
    return TransposeRun(arr[0, :, :, 0], None)

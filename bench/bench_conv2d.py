"""Naive loop vs vectorised conv2d vs tf.nn.conv2d (run with `make bench`).

A batch of 32 images of 32x32x16, 32 filters of 3x3, SAME padding, stride 1 (float64). The
vectorised version is chapter 2's reference solution: sliding_window_view + tensordot (im2col and
one matrix product); the naive one loops over every output pixel
(convlab.ch02_stride_padding.compute.naive_conv2d).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from convlab.ch02_stride_padding.compute import best_time, naive_conv2d, same_padding  # noqa: E402


def conv2d_vectorised(images, filters, stride=1, padding="SAME"):
    """Chapter 2's conv2d (no bias): pad, take every window as a view, one tensordot."""
    n, h, w, c = images.shape
    kh, kw = filters.shape[:2]
    (t, b), (l, r) = ((0, 0), (0, 0)) if padding == "VALID" else \
        (same_padding(h, kh, stride), same_padding(w, kw, stride))
    x = np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    return np.tensordot(windows, filters, axes=([3, 4, 5], [2, 0, 1]))


def main() -> int:
    from convlab.testing import tensorflow
    tf = tensorflow()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 32, 32, 16))
    w = rng.standard_normal((3, 3, 16, 32))
    expected = tf.nn.conv2d(x, w, strides=1, padding="SAME").numpy()
    assert np.allclose(conv2d_vectorised(x, w), expected)
    assert np.allclose(naive_conv2d(x[:2], w), expected[:2])
    t_tf = best_time(lambda: tf.nn.conv2d(x, w, strides=1, padding="SAME").numpy(), repeat=5)
    t_vec = best_time(conv2d_vectorised, x, w, repeat=3)
    t_loop = best_time(naive_conv2d, x, w, 1, "SAME", repeat=1)
    print(f"conv2d: {x.shape[0]} images {x.shape[1]}x{x.shape[2]}x{x.shape[3]}, "
          f"{w.shape[3]} filters {w.shape[0]}x{w.shape[1]}, SAME, stride 1 (float64, "
          f"{os.cpu_count()} CPU cores)")
    print(f"  {'naive loop over pixels':<28} {1000 * t_loop:9.1f} ms   1x")
    print(f"  {'vectorised (im2col/tensordot)':<28} {1000 * t_vec:9.1f} ms   "
          f"{t_loop / t_vec:.0f}x faster than the loop")
    print(f"  {'tf.nn.conv2d':<28} {1000 * t_tf:9.1f} ms   {t_loop / t_tf:.0f}x faster than the "
          f"loop, {t_vec / t_tf:.1f}x faster than vectorised NumPy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

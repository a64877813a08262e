"""Argument checks that fail with a message saying what was expected.

Used by the reference solutions, the widgets and the data helpers; students may call them in
their own implementations too::

    image = validate.array(image, "image", ndim=2, layout="(H, W)")
"""
from __future__ import annotations

import numbers

import numpy as np

from convlab.i18n import N_, _

__all__ = ["array", "positive_int", "nonnegative_int", "require", "callable_or_none"]


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + (",)" if len(shape) == 1 else ")")


def array(x, name: str, ndim: int | None = None, layout: str | None = None,
          allow_empty: bool = False) -> np.ndarray:
    """Return ``x`` as a float64 NumPy array, or raise ``ValueError`` naming ``name``.

    ndim: required number of dimensions; layout: how the dimensions are read, e.g. "(N, H, W, C)".
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise ValueError(_("{name} must be a numeric array{layout}; got {type}").format(
            name=name, layout=_layout(layout), type=type(x).__name__))
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(_("{name} must be a numeric array{layout}; could not convert it "
                           "({error})").format(name=name, layout=_layout(layout), error=exc)) \
            from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(_("{name} must be a numeric array{layout}; got an array of dtype "
                           "{dtype}").format(name=name, layout=_layout(layout), dtype=a.dtype))
    if np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(_("{name} must be real-valued; got dtype {dtype}").format(
            name=name, dtype=a.dtype))
    if ndim is not None and a.ndim != ndim:
        raise ValueError(_("{name} must be a {ndim}-D array{layout}; got a {got}-D array of "
                           "shape {shape}").format(name=name, ndim=ndim, layout=_layout(layout),
                                                   got=a.ndim, shape=_shape_text(a.shape)))
    if not allow_empty and a.size == 0:
        raise ValueError(_("{name} must not be empty; got shape {shape}").format(
            name=name, shape=_shape_text(a.shape)))
    return a.astype(np.float64, copy=False)


def _layout(layout):
    return f" {layout}" if layout else ""


def _int_at_least(x, name: str, least: int, requirement: str) -> int:
    """``requirement``: the whole "{name} must be ... integer" template (each reads naturally in
    its language)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ValueError(_(requirement).format(name=name) + _("; got {value} ({type})").format(
            value=repr(x), type=type(x).__name__))
    if x < least:
        raise ValueError(_(requirement).format(name=name) + _("; got {value}").format(value=x))
    return int(x)


def positive_int(x, name: str) -> int:
    """Return ``x`` as an int >= 1, or raise ``ValueError`` naming ``name``."""
    return _int_at_least(x, name, 1, N_("{name} must be a positive integer"))


def nonnegative_int(x, name: str) -> int:
    """Return ``x`` as an int >= 0, or raise ``ValueError`` naming ``name``."""
    return _int_at_least(x, name, 0, N_("{name} must be a non-negative integer"))


def require(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition`` holds."""
    if not condition:
        raise ValueError(message)


def callable_or_none(fn, name: str):
    """Return ``fn`` if it is callable or None, else raise ``ValueError`` naming ``name``."""
    if fn is not None and not callable(fn):
        raise ValueError(_("{name} must be a function (for example your conv2d_single) or None; "
                           "got {type}").format(name=name, type=type(fn).__name__))
    return fn

"""Calling a student's function from a widget: its result, or a message saying what went wrong.

Every widget that accepts the student's own function calls it through :func:`call` (any result)
or :func:`call_array` (a numeric array of a known shape). Neither raises for a bad function: not
implemented yet, an exception, a forgotten ``return``, something that is not an array or has the
wrong shape all come back as a :class:`Run` whose ``error`` the widget shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Run:
    value: Any
    error: Optional[str]
    raised: Optional[str] = None     # the class name of the exception the function raised, if any


def name_of(fn: Callable) -> str:
    return getattr(fn, "__name__", "your function")


def call(fn: Callable, shown: str, *args, **kwargs) -> Run:
    """``fn(*args, **kwargs)``; ``shown`` is how the call reads in a message (e.g.
    ``"pool2d(images (1, 6, 6, 1), size=2, ...)"``). A result of None is an error."""
    try:
        value = fn(*args, **kwargs)
    except NotImplementedError:
        return Run(None, f"{name_of(fn)} is not implemented yet (it raises NotImplementedError). "
                         f"Implement it above and run this cell again.", "NotImplementedError")
    except Exception as exc:
        return Run(None, f"{shown} raised {type(exc).__name__}: {exc}", type(exc).__name__)
    if value is None:
        return Run(None, f"{shown} returned None: did you forget `return`?")
    return Run(value, None)


def call_array(fn: Callable, shown: str, expected_shape: tuple, *args,
               not_array: str = "not a numeric array", wrong_shape: str = "", **kwargs) -> Run:
    """:func:`call`, then the result as a float array of ``expected_shape``. ``not_array`` and
    ``wrong_shape`` end the messages for a non-array and for a wrong shape (by default
    "...; expected <shape>")."""
    run = call(fn, shown, *args, **kwargs)
    if run.error:
        return run
    try:
        a = np.asarray(run.value, dtype=float)
    except (TypeError, ValueError):
        return Run(None, f"{shown} returned {type(run.value).__name__}, {not_array}")
    if a.shape != tuple(expected_shape):
        return Run(None, f"{shown} returned shape {a.shape}; "
                         + (wrong_shape or f"expected {tuple(expected_shape)}"))
    return Run(a, None)

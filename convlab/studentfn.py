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

from convlab.i18n import _


@dataclass(frozen=True)
class Run:
    value: Any
    error: Optional[str]
    raised: Optional[str] = None     # the class name of the exception the function raised, if any


def name_of(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or _("your function")


def call(fn: Callable, shown: str, *args, **kwargs) -> Run:
    """``fn(*args, **kwargs)``; ``shown`` is how the call reads in a message (e.g.
    ``"pool2d(images (1, 6, 6, 1), size=2, ...)"``). A result of None is an error."""
    try:
        value = fn(*args, **kwargs)
    except NotImplementedError:
        return Run(None, _("{name} is not implemented yet (it raises NotImplementedError). "
                           "Implement it above and run this cell again.").format(name=name_of(fn)),
                   "NotImplementedError")
    except Exception as exc:
        return Run(None, _("{call} raised {error}: {message}").format(
            call=shown, error=type(exc).__name__, message=exc), type(exc).__name__)
    if value is None:
        return Run(None, _("{what} returned None: did you forget `return`?").format(what=shown))
    return Run(value, None)


def call_array(fn: Callable, shown: str, expected_shape: tuple, *args,
               not_array: str = "", wrong_shape: str = "", **kwargs) -> Run:
    """:func:`call`, then the result as a float array of ``expected_shape``. ``not_array`` and
    ``wrong_shape`` end the messages for a non-array and for a wrong shape (by default "not a
    numeric array" and "expected <shape>"; a caller's own text is translated by its caller)."""
    run = call(fn, shown, *args, **kwargs)
    if run.error:
        return run
    try:
        a = np.asarray(run.value, dtype=float)
    except (TypeError, ValueError):
        return Run(None, _("{call} returned {type}, {problem}").format(
            call=shown, type=type(run.value).__name__,
            problem=not_array or _("not a numeric array")))
    if a.shape != tuple(expected_shape):
        return Run(None, _("{call} returned shape {shape}; {expected}").format(
            call=shown, shape=a.shape,
            expected=wrong_shape or _("expected {shape}").format(shape=tuple(expected_shape))))
    return Run(a, None)

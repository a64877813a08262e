"""What the notebooks' test cells use: TensorFlow as the oracle, and checks that say what is wrong.

Every check raises ``AssertionError`` with a message meant for the student: which call, which
shape or value, and, when a known mistake explains the difference, its name (see
:mod:`convlab.mistakes`). Student functions are always called through :func:`call`, which passes
copies of the inputs (so an implementation that writes into its inputs cannot change what the
oracle sees), keeps Python warnings and stderr from costing points under nbgrader (a test cell
that writes to stderr scores 0), and turns an exception into a message that names the line.
"""
from __future__ import annotations

import contextlib
import copy
import os
import sys
import traceback
import warnings
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = [
    "tensorflow", "keras", "call", "assert_allclose", "assert_int_equal",
    "assert_raises_value_error", "describe",
]

# the trusted re-check calls the student's functions through proxies defined here
_GRADER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "autograder", "")

Mistake = tuple  # (explanation: str, compute: Callable[[], np.ndarray])


@contextlib.contextmanager
def _silenced_fd2():
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up logs ignore
    TF_CPP_MIN_LOG_LEVEL and would show up in (and, under nbgrader, zero) a test cell."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def tensorflow():
    """Import TensorFlow quietly (no C++ log lines, no Python warnings) and return the module."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with warnings.catch_warnings(), _silenced_fd2():
        warnings.simplefilter("ignore")
        import tensorflow as tf
        tf.constant(0.0).numpy()  # device initialisation logs here, too
    return tf


def keras():
    """Import Keras 3 quietly and return the module."""
    tensorflow()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import keras as _keras
    return _keras


def describe(**arrays) -> str:
    """'images (2, 5, 6, 3), filters (3, 2, 3, 4)': the shapes of the named arrays."""
    parts = []
    for name, value in arrays.items():
        shape = np.shape(value)
        parts.append(f"{name} {tuple(int(s) for s in shape)}" if shape else f"{name}={value!r}")
    return ", ".join(parts)


def _name(fn) -> str:
    return getattr(fn, "__name__", repr(fn))


def _student_line(exc: BaseException) -> str:
    """The innermost frame of the student's traceback, as ' (in f, line 7: `x = y`)'."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if frame.filename == __file__ or frame.filename.startswith(_GRADER_DIR):
            continue                  # the grader's proxies (autograder/verify.py) are not yours
        where = f" (in {frame.name}, line {frame.lineno}"
        if frame.line:
            where += f": `{frame.line.strip()}`"
        return where + ")"
    return ""


def call(fn: Callable, *args, **kwargs):
    """Call a student's function on copies of its arguments and return what it returns.

    Raises ``AssertionError`` if ``fn`` is not a function, is not implemented yet, or raises.
    Warnings are recorded rather than printed and stderr goes to stdout while it runs.
    """
    if not callable(fn):
        raise AssertionError(f"expected a function, got {type(fn).__name__}: {fn!r}")
    args = copy.deepcopy(args)
    kwargs = copy.deepcopy(kwargs)
    with warnings.catch_warnings(record=True), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("always")
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            raise AssertionError(
                f"{_name(fn)} is not implemented yet: replace `raise NotImplementedError()` "
                f"with your code") from None
        except Exception as exc:
            raise AssertionError(
                f"{_name(fn)}({_arg_shapes(args, kwargs)}) raised "
                f"{type(exc).__name__}: {exc}{_student_line(exc)}") from exc


def _arg_shapes(args, kwargs) -> str:
    def one(v):
        if isinstance(v, np.ndarray):
            return f"<array {tuple(v.shape)}>"
        r = repr(v)
        return r if len(r) <= 40 else r[:37] + "..."
    items = [one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]
    return ", ".join(items)


def _as_result_array(actual, what: str) -> np.ndarray:
    if actual is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{what} must return a numeric NumPy array; got {type(actual).__name__}") from None
    return a


def _explain(actual: np.ndarray, mistakes: Iterable[Mistake] | None, rtol, atol) -> str:
    for explanation, compute in mistakes or ():
        try:
            candidate = np.asarray(compute(), dtype=np.float64)
        except Exception:
            continue
        if candidate.shape == actual.shape and np.allclose(actual, candidate, rtol=rtol, atol=atol):
            return f"\nLikely cause: {explanation}"
    return ""


def assert_allclose(actual, expected, what: str, *, mistakes: Iterable[Mistake] | None = None,
                    rtol: float = 1e-6, atol: float = 1e-8, oracle: str = "TensorFlow") -> None:
    """Check a student's array against the oracle's, with a message that locates the difference.

    what: the call being checked, e.g. "conv2d_multi(images (2, 5, 6, 3), filters (3, 2, 3, 4), ...)".
    mistakes: (explanation, compute) pairs; if the student's result equals one of them, the
    message names that mistake.
    """
    expected = np.asarray(expected, dtype=np.float64)
    a = _as_result_array(actual, what)
    if a.shape != expected.shape:
        raise AssertionError(
            f"{what} returned shape {a.shape}; {oracle} gives {expected.shape}"
            + _explain(a, mistakes, rtol, atol))
    bad = ~np.isclose(a, expected, rtol=rtol, atol=atol)
    if np.any(~np.isfinite(a)):
        bad |= ~np.isfinite(a)
    if bad.any():
        idx = np.unravel_index(np.argmax(np.where(bad, np.abs(np.nan_to_num(a - expected, nan=np.inf)), -1)), a.shape)
        where = tuple(int(i) for i in idx)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {a.size} values differ from {oracle}; "
            f"the largest difference is at index {where}: you return {a[idx]:.6g}, "
            f"{oracle} gives {expected[idx]:.6g}" + _explain(a, mistakes, rtol, atol))


def assert_int_equal(actual, expected: int, what: str, oracle: str = "Keras") -> None:
    """Check that a student's function returned the integer ``expected``."""
    if actual is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if isinstance(actual, bool) or not isinstance(actual, (int, np.integer)):
        raise AssertionError(f"{what} must return an int; got {type(actual).__name__} {actual!r}")
    if int(actual) != int(expected):
        raise AssertionError(f"{what} returned {int(actual)}; {oracle} gives {int(expected)}")


def assert_raises_value_error(fn: Callable, *args, mentions: Sequence[str] | str = (),
                              why: str = "", **kwargs) -> None:
    """Check that ``fn(*args, **kwargs)`` raises ``ValueError`` whose message says what was expected.

    mentions: the message must contain at least one of these words (case-insensitive).
    why: what is wrong with the input, for the failure message.
    """
    if isinstance(mentions, str):
        mentions = (mentions,)
    call_text = f"{_name(fn)}({_arg_shapes(args, kwargs)})"
    label = f"{call_text} [{why}]" if why else call_text
    args = copy.deepcopy(args)
    with warnings.catch_warnings(record=True), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("always")
        try:
            fn(*args, **kwargs)
        except NotImplementedError:
            raise AssertionError(f"{_name(fn)} is not implemented yet") from None
        except ValueError as exc:
            message = str(exc)
            if not message.strip():
                raise AssertionError(f"{label} raised ValueError with an empty message: "
                                     f"say what was expected") from None
            if mentions and not any(m.lower() in message.lower() for m in mentions):
                raise AssertionError(
                    f"{label} raised ValueError({message!r}), but the message should name "
                    f"{' or '.join(repr(m) for m in mentions)} so the caller knows what to fix"
                ) from None
            return
        except Exception as exc:
            raise AssertionError(
                f"{label} raised {type(exc).__name__}: {exc}{_student_line(exc)}; expected a "
                f"ValueError that says what was expected") from None
    raise AssertionError(f"{label} returned normally; expected a ValueError that says what "
                         f"was expected")

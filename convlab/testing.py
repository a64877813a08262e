"""What the notebooks' test cells use: TensorFlow as the oracle, and checks that say what is wrong.

Every check raises ``AssertionError`` with a message meant for the student: which call, which shape
or value, and, when a known mistake explains the difference, its name (each chapter's ``mistakes``
module, e.g. :mod:`convlab.ch01_filter_sliding.mistakes`). Student functions are always called
through :func:`call`, which passes copies of the inputs (so an implementation that writes into its
inputs cannot change what the oracle sees), keeps Python warnings and stderr from costing points
under nbgrader (a test cell that writes to stderr scores 0), and turns an exception into a message
that names the line. :func:`assert_no_forbidden_library` tells the student at once when a solution
uses a library the rule of :mod:`convlab.policy` forbids (the grader blocks them, so such a
solution scores 0 there).
"""
from __future__ import annotations

import contextlib
import copy
import dis
import functools
import os
import re
import sys
import traceback
import types
import warnings
from typing import Callable, Iterable, Sequence

import numpy as np

from convlab import policy
from convlab.i18n import N_, _, gettext

__all__ = [
    "tensorflow", "keras", "call", "assert_allclose", "assert_int_equal",
    "assert_raises_value_error", "describe", "uses_forbidden_library",
    "assert_no_forbidden_library", "hidden_rng", "hidden_seed",
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


# --- hidden-test inputs ----------------------------------------------------------------------
# Set by the grader, never by a student: a key derived from the course secret for one chapter
# (autograder/hidden.py). Without it the hidden tests use their public seeds.
HIDDEN_KEY_ENV = "CONVLAB_HIDDEN_KEY"


_grader_key = None       # the re-check's key for its own process (see use_hidden_key)


@contextlib.contextmanager
def use_hidden_key(key: str):
    """Run hidden tests in this process with ``key`` (the trusted re-check does, so that it never
    puts the key into the environment its sandbox inherits); "" means the public seeds."""
    global _grader_key
    saved, _grader_key = _grader_key, key
    try:
        yield
    finally:
        _grader_key = saved


def hidden_seed(seed: int) -> int:
    """The seed a hidden test uses for its public ``seed``: ``seed`` itself when no course secret
    is set, else a 64-bit number derived from the chapter's key and ``seed``."""
    import hashlib
    import hmac

    key = _grader_key if _grader_key is not None else os.environ.get(HIDDEN_KEY_ENV, "").strip()
    if not key:
        return int(seed)
    digest = hmac.new(key.encode(), f"seed {int(seed)}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def hidden_rng(seed: int) -> np.random.Generator:
    """``np.random.default_rng`` for a hidden test: the public ``seed`` without a course secret,
    a secret one (:func:`hidden_seed`) with it."""
    return np.random.default_rng(hidden_seed(seed))


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


# --- the library rule (convlab.policy), checked on the student's code --------------------------
# the oracle accessors above import TensorFlow / Keras when called
_ORACLE_ACCESSORS = {tensorflow: "tensorflow", keras: "keras"}
_LOADS = {"LOAD_GLOBAL", "LOAD_NAME"}
_ATTRS = {"LOAD_ATTR", "LOAD_METHOD"}


def _forbidden_library(module_name) -> str | None:
    """The entry of policy.FORBIDDEN_MODULES that ``module_name`` falls under, or None."""
    if not isinstance(module_name, str) or not policy.is_forbidden(module_name):
        return None
    return next(m for m in policy.FORBIDDEN_MODULES
                if module_name == m or module_name.startswith(m + "."))


def _library_of(value) -> str | None:
    """The forbidden library ``value`` comes from: a module, a function or class defined in one,
    an object of such a class (a Keras layer, a tf.Tensor), or the course's oracle accessors."""
    try:
        if isinstance(value, types.ModuleType):
            return _forbidden_library(value.__name__)
        if isinstance(value, functools.partial):
            return _library_of(value.func)
        for accessor, library in _ORACLE_ACCESSORS.items():
            if value is accessor:
                return library
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
            return _forbidden_library(getattr(value, "__module__", None))
        return _forbidden_library(type(value).__module__)
    except Exception:  # noqa: BLE001 - an object that cannot even be asked is not a library
        return None


def _code_objects(code):
    """``code`` and the code of every function, lambda and comprehension nested in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


class _Scan:
    """Walks a student's function and the notebook functions it reaches, collecting uses."""

    def __init__(self, namespace: dict):
        self.namespace = namespace          # the notebook's globals: its functions are the student's
        self.seen: set = set()
        self.uses: list = []

    def report(self, what: str, library: str, where: str) -> None:
        text = _("`{what}` ({library}, in {where})").format(what=what, library=library, where=where)
        if text not in self.uses:
            self.uses.append(text)

    def value(self, value, what: str, where: str) -> None:
        """A value the function reaches by name: forbidden, or the student's code to scan too
        (``where`` then names the caller)."""
        library = _library_of(value)
        if library:
            self.report(what, library, where)
        elif isinstance(value, (types.FunctionType, types.MethodType, type, functools.partial)):
            self.function(value, caller=where)

    def function(self, fn, caller: str = "") -> None:
        if isinstance(fn, types.MethodType):
            fn = fn.__func__
        if isinstance(fn, functools.partial):
            for arg in (*fn.args, *fn.keywords.values()):
                self.value(arg, _name(arg), caller or _name(fn.func))
            fn = fn.func
        if id(fn) in self.seen:
            return
        self.seen.add(id(fn))
        if isinstance(fn, type):            # a class of the notebook's: scan its methods
            for attr in vars(fn).values():
                attr = getattr(attr, "__func__", attr)         # staticmethod, classmethod
                if isinstance(attr, types.FunctionType) and attr.__globals__ is self.namespace:
                    self.function(attr, caller)
            return
        if not isinstance(fn, types.FunctionType) or fn.__globals__ is not self.namespace:
            return                          # library code (NumPy, convlab) is not the student's
        where = (_("{function}, called by {caller}").format(function=fn.__qualname__, caller=caller)
                 if caller else fn.__qualname__)
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None:
            self.value(wrapped, _name(wrapped), where)
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            try:
                self.value(cell.cell_contents, name, where)
            except ValueError:              # a cell not filled yet
                pass
        code = fn.__code__
        defaults = fn.__defaults__ or ()
        positional = code.co_varnames[:code.co_argcount]
        named = {**dict(zip(positional[len(positional) - len(defaults):], defaults)),
                 **(fn.__kwdefaults__ or {})}
        for param, default in named.items():
            self.value(default, f"{param}={_name(default)}", where)
        for code in _code_objects(fn.__code__):
            self.code(code, where)

    def code(self, code, where: str) -> None:
        instructions = list(dis.get_instructions(code))
        builtins = self.namespace.get("__builtins__", {})
        builtins = builtins if isinstance(builtins, dict) else vars(builtins)
        for i, ins in enumerate(instructions):
            if ins.opname == "IMPORT_NAME":
                # `import tensorflow as tf`, `from scipy.signal import x`, `from scipy import signal`
                names = [ins.argval]
                for follow in instructions[i + 1:]:
                    if follow.opname == "IMPORT_FROM":
                        names.append(f"{ins.argval}.{follow.argval}")
                    elif follow.opname not in ("STORE_FAST", "STORE_NAME", "STORE_GLOBAL",
                                               "STORE_DEREF", "POP_TOP"):
                        break
                for name in names:
                    library = _forbidden_library(name)
                    if library:
                        self.report(f"import {name}", library, where)
                        break
            elif ins.opname in _LOADS:
                name = ins.argval
                if name in self.namespace:
                    value = self.namespace[name]
                elif name in builtins:
                    value = builtins[name]
                else:
                    continue
                # follow `tf.nn.conv2d`, `scipy.signal.correlate2d` through modules and classes
                path = [name]
                chain = [value]
                for follow in instructions[i + 1:]:
                    if follow.opname not in _ATTRS or not isinstance(chain[-1], (types.ModuleType, type)):
                        break
                    try:
                        chain.append(getattr(chain[-1], follow.argval))
                    except Exception:  # noqa: BLE001 - a missing attribute fails when called
                        break
                    path.append(follow.argval)
                found = next((lib for lib in map(_library_of, chain) if lib), None)
                if found:
                    self.report(".".join(path), found, where)
                else:
                    self.value(value, name, where)
        # __import__("tensorflow"), importlib.import_module("tensorflow")
        if {"__import__", "import_module"} & set(code.co_names):
            for const in code.co_consts:
                library = _forbidden_library(const)
                if library:
                    self.report(f"import {const}", library, where)


def uses_forbidden_library(fn) -> list:
    """Where ``fn``, or a function of the notebook that it calls, uses a library that graded
    solutions may not use (:data:`convlab.policy.FORBIDDEN_MODULES`); empty when it uses none.

    Looks at what the code names: globals (``tf``, ``correlate2d``) and attribute paths
    (``tf.nn.conv2d``, ``scipy.signal.correlate2d``), imports inside the function, closures and
    default arguments, and follows the notebook's own functions and classes it names. Code that
    hides a library behind strings or ``getattr`` is not seen here; the grader blocks the libraries
    themselves. Each use reads like "`tf.nn.conv2d` (tensorflow, in conv2d_single)".
    """
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    inner = fn.func if isinstance(fn, functools.partial) else fn
    namespace = getattr(inner, "__globals__", None)
    if not isinstance(namespace, dict):
        # not Python code (a built-in, or the grader's stand-in for the student's function,
        # which the grader checks itself): only what it is, not what it calls
        library = _library_of(fn)
        return [f"`{_name(fn)}` ({library})"] if library else []
    scan = _Scan(namespace)
    library = _library_of(fn)
    if library:
        return [f"`{_name(fn)}` ({library})"]
    scan.function(fn)
    return scan.uses


def assert_no_forbidden_library(fn) -> None:
    """Fail with the rule of :mod:`convlab.policy` if ``fn`` (or a function of the notebook that it
    calls) uses TensorFlow, Keras, SciPy's convolutions, ... (see :func:`uses_forbidden_library`)."""
    uses = uses_forbidden_library(fn)
    if uses:
        raise _failure(
            _("{name} uses {uses}. The rule: {rule}. The grader blocks these libraries, so this "
              "solution would score 0 on the hidden tests.").format(
                name=_name(fn), uses=", ".join(uses), rule=_(policy.RULE)))


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
        if frame.line:
            return " " + _("(in {function}, line {line}: `{code}`)").format(
                function=frame.name, line=frame.lineno, code=frame.line.strip())
        return " " + _("(in {function}, line {line})").format(function=frame.name,
                                                             line=frame.lineno)
    return ""


def call(fn: Callable, *args, **kwargs):
    """Call a student's function on copies of its arguments and return what it returns.

    Raises ``AssertionError`` if ``fn`` is not a function, is not implemented yet, or raises.
    Warnings are recorded rather than printed and stderr goes to stdout while it runs.
    """
    return call_uncopied(fn, *copy.deepcopy(args), **copy.deepcopy(kwargs))


def call_uncopied(fn: Callable, *args, **kwargs):
    """:func:`call` on these very arguments, not copies (Keras models and tensors: chapter 6's
    ``call_keras``)."""
    if not callable(fn):
        raise _failure(_("expected a function, got {type}: {value}").format(
            type=type(fn).__name__, value=repr(fn)))
    with warnings.catch_warnings(record=True), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("always")
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            raise _failure(
                _("{name} is not implemented yet: replace `raise NotImplementedError()` with "
                  "your code").format(name=_name(fn))) from None
        except Exception as exc:
            raise _failure(
                _("{call} raised {error}: {message}{where}").format(
                    call=f"{_name(fn)}({_arg_shapes(args, kwargs)})", error=type(exc).__name__,
                    message=exc, where=_student_line(exc))) from exc


def _arg_shapes(args, kwargs) -> str:
    def one(v):
        if isinstance(v, np.ndarray):
            return f"<array {tuple(v.shape)}>"
        r = repr(v)
        return r if len(r) <= 40 else r[:37] + "..."
    items = [one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]
    return ", ".join(items)


def _returned_none() -> str:
    return _("{what} returned None: did you forget `return`?")


def _shown(text: str) -> str:
    """An assertion's ``what``/``oracle``/``why`` as the student reads it: a literal of a test cell
    is in the chapter's catalogue; anything else (an f-string describing a call) stays as it is."""
    return gettext(text) if isinstance(text, str) else text


def _as_result_array(actual, what: str) -> np.ndarray:
    if actual is None:
        raise _failure(_returned_none().format(what=what))
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        raise _failure(_("{what} must return a numeric NumPy array; got {type}").format(
            what=what, type=type(actual).__name__)) from None
    return a


class Explanation(str):
    """A mistake catalogue's explanation (convlab/chNN_*/mistakes.py): the text the student reads,
    carrying the catalogue's stable id(s), e.g. ("conv2d_single.flipped_kernel",). Several ids
    when one wrong result fits several mistakes."""
    ids: tuple = ()


def mistake(mistake_id: str, text: str) -> Explanation:
    """A catalogue entry's explanation with its stable id "<exercise>.<name>", in the student's
    language (``text`` is the English, translated through the chapter's catalogue)."""
    explanation = Explanation(gettext(text))
    explanation.ids = (mistake_id,)
    return explanation


def either(explanations, sep: str | None = None) -> Explanation:
    """Explanations of mistakes that give the same wrong result, joined (by default with " Or: ",
    translated); every id kept."""
    if sep is None:
        sep = _(" Or: ")
    joined = Explanation(sep.join(explanations))
    joined.ids = tuple(dict.fromkeys(i for e in explanations for i in getattr(e, "ids", ())))
    return joined


# The ids of a diagnosed mistake, as the last line of the test's message: plain text (no ANSI,
# no HTML) so it survives nbgrader's outputs and the feedback's traceback redaction, which keeps an
# error's message; the grader reads it (MISTAKE_LINE) and turns it into a "what to review" line.
MISTAKE_LINE = re.compile(r"^\[mistake: ([\w.]+(?: [\w.]+)*)\]$", re.M)


def mistake_line(explanation) -> str:
    """"\n[mistake: <id> ...]" for an explanation with ids, else ""."""
    ids = getattr(explanation, "ids", ())
    return f"\n[mistake: {' '.join(ids)}]" if ids else ""


# The label the grader reads (autograder/misconceptions.LIKELY_CAUSE accepts the English and the
# Chinese label; tests/test_i18n_shared.py checks the catalogue's translation keeps to it).
LIKELY_CAUSE = N_("Likely cause: {explanation}")


def likely_cause(explanation) -> str:
    """The line a failure message ends with when a catalogued mistake explains it."""
    return "\n" + _(LIKELY_CAUSE).format(explanation=explanation) + mistake_line(explanation)


def _explain(actual: np.ndarray, mistakes: Iterable[Mistake] | None, rtol, atol) -> str:
    for explanation, compute in mistakes or ():
        try:
            candidate = np.asarray(compute(), dtype=np.float64)
        except Exception:
            continue
        if candidate.shape == actual.shape and np.allclose(actual, candidate, rtol=rtol, atol=atol):
            return likely_cause(explanation)
    return ""


def _failure(message: str) -> AssertionError:
    """The AssertionError a failed check raises, its message tidied for the student's language."""
    from convlab.i18n import tidy

    return AssertionError(tidy(message))


def passed(message: str) -> None:
    """Print a test cell's success line in the student's language (``message`` is the English,
    translated through the chapter's catalogue: ``passed("conv2d_single: worked example OK")``)."""
    print(gettext(message))


def assert_allclose(actual, expected, what: str, *, mistakes: Iterable[Mistake] | None = None,
                    rtol: float = 1e-6, atol: float = 1e-8, oracle: str = "TensorFlow") -> None:
    """Check a student's array against the oracle's, with a message that locates the difference.

    what: the call being checked, e.g. "conv2d_multi(images (2, 5, 6, 3), filters (3, 2, 3, 4), ...)".
    mistakes: (explanation, compute) pairs; if the student's result equals one of them, the
    message names that mistake.
    """
    what, oracle = _shown(what), _shown(oracle)
    expected = np.asarray(expected, dtype=np.float64)
    a = _as_result_array(actual, what)
    if a.shape != expected.shape:
        raise _failure(
            _("{what} returned shape {shape}; {oracle} gives {expected}").format(
                what=what, shape=a.shape, oracle=oracle, expected=expected.shape)
            + _explain(a, mistakes, rtol, atol))
    bad = ~np.isclose(a, expected, rtol=rtol, atol=atol)
    if np.any(~np.isfinite(a)):
        bad |= ~np.isfinite(a)
    if bad.any():
        idx = np.unravel_index(np.argmax(np.where(bad, np.abs(np.nan_to_num(a - expected, nan=np.inf)), -1)), a.shape)
        where = tuple(int(i) for i in idx)
        raise _failure(
            _("{what}: {count} of {size} values differ from {oracle}; the largest difference is "
              "at index {index}: you return {actual}, {oracle} gives {expected}").format(
                what=what, count=int(bad.sum()), size=a.size, oracle=oracle, index=where,
                actual=f"{a[idx]:.6g}", expected=f"{expected[idx]:.6g}")
            + _explain(a, mistakes, rtol, atol))


def assert_int_equal(actual, expected: int, what: str, oracle: str = "Keras", *,
                     mistakes: Iterable[Mistake] | None = None) -> None:
    """Check that a student's function returned the integer ``expected``.

    mistakes: (explanation, compute) pairs as for :func:`assert_allclose`; if the wrong integer is
    what one of them gives, the message names that mistake.
    """
    what, oracle = _shown(what), _shown(oracle)
    if actual is None:
        raise _failure(_returned_none().format(what=what))
    if isinstance(actual, bool) or not isinstance(actual, (int, np.integer)):
        raise _failure(_("{what} must return an int; got {type} {value}").format(
            what=what, type=type(actual).__name__, value=repr(actual)))
    if int(actual) != int(expected):
        raise _failure(_("{what} returned {actual}; {oracle} gives {expected}").format(
            what=what, actual=int(actual), oracle=oracle, expected=int(expected))
            + _explain(np.asarray(float(actual)), mistakes, 0, 0))


# words the tests' ``mentions`` name that are terms, not only argument names: a message written in
# Chinese may name the course's Chinese term instead (the catalogue's translation of the word)
MENTIONED_TERMS = (N_("channel"), N_("kernel"), N_("stride"), N_("padding"), N_("filters"),
                   N_("layers"), N_("group"), N_("labels"), N_("bias"), N_("image"), N_("images"))


def _mentioned(word: str) -> tuple:
    """``word`` and, in the Chinese edition, its translation when it is a term."""
    shown = gettext(word) if word in MENTIONED_TERMS else word
    return (word,) if shown == word else (word, shown)


def assert_raises_value_error(fn: Callable, *args, mentions: Sequence[str] | str = (),
                              why: str = "", **kwargs) -> None:
    """Check that ``fn(*args, **kwargs)`` raises ``ValueError`` whose message says what was expected.

    mentions: the message must contain at least one of these words (case-insensitive; a term of
    MENTIONED_TERMS also in the student's language).
    why: what is wrong with the input, for the failure message.
    """
    if isinstance(mentions, str):
        mentions = (mentions,)
    call_text = f"{_name(fn)}({_arg_shapes(args, kwargs)})"
    label = f"{call_text} [{_shown(why)}]" if why else call_text
    args = copy.deepcopy(args)
    with warnings.catch_warnings(record=True), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("always")
        try:
            fn(*args, **kwargs)
        except NotImplementedError:
            raise _failure(
                _("{name} is not implemented yet").format(name=_name(fn))) from None
        except ValueError as exc:
            message = str(exc)
            if not message.strip():
                raise _failure(_("{call} raised ValueError with an empty message: say what "
                                       "was expected").format(call=label)) from None
            words = [w for m in mentions for w in _mentioned(m)]
            if words and not any(w.lower() in message.lower() for w in words):
                raise _failure(
                    _("{call} raised ValueError({message}), but the message should name {names} "
                      "so the caller knows what to fix").format(
                        call=label, message=repr(message),
                        names=_(" or ").join(repr(w) for w in words))
                ) from None
            return
        except Exception as exc:
            raise _failure(
                _("{call} raised {error}: {message}{where}; expected a ValueError that says what "
                  "was expected").format(call=label, error=type(exc).__name__, message=exc,
                                         where=_student_line(exc))) from None
    raise _failure(_("{call} returned normally; expected a ValueError that says what was "
                           "expected").format(call=label))

"""The untrusted side of the trusted re-check (see autograder/recheck.py). Not for direct use.

Runs in its own process: executes a submission's cells (test cells excluded), then serves calls of
the graded functions from the trusted grader over a private pipe (autograder/protocol.py).
Everything the student's code does (patching NumPy, the course's helpers, TensorFlow, IPython,
stdout...) stays in here; the grader only receives plain data (numbers, strings, containers of them
and NumPy arrays, never a pickle), which protocol.decode turns back into values of the same type,
dtype and shape.

Policy: solutions implement operations themselves, so TensorFlow, Keras, PyTorch, JAX, SciPy's
ready-made convolutions and scikit-learn cannot be imported here, and the course's own reference
functions listed for the chapter in convlab.REFERENCE_ONLY raise when called. A sandbox started
with the argument ``keras`` serves the Keras exercises (convlab.policy.KERAS_EXERCISES) instead:
there Keras and TensorFlow may be imported, a symbolic input (protocol.KerasInput) becomes a real
``keras.Input`` and a block's output tensor is returned as the model from that input.
"""
from __future__ import annotations

import io
import json
import linecache
import os
import resource
import signal
import sys
import traceback

from autograder import protocol
from autograder.protocol import BLOCKED


class _Blocker:
    """A meta-path finder that refuses the libraries a solution must not use (``keras``: a
    sandbox for Keras exercises, which may import Keras and TensorFlow)."""

    def __init__(self, keras: bool = False):
        self.keras = keras

    def find_spec(self, name, path=None, target=None):
        if protocol.is_blocked(name, keras=self.keras):
            raise ImportError(
                f"importing {name} is not allowed in graded solutions: implement the "
                f"operation yourself with NumPy (the grader blocks {', '.join(BLOCKED)})")
        return None


def _tripwire(module, name):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"{module}.{name} is the course's own reference code: graded "
                           f"solutions must implement the operation themselves")
    refuse.__name__ = name
    return refuse


def _arm_tripwires(chapter: str) -> list:
    """Replace each reference function of the chapter (convlab.REFERENCE_ONLY, by canonical
    module) with a tripwire there and under every other name a loaded convlab module gives the
    same function object (the old module names that re-export it, later chapters that import
    it), so that no module hands the reference back. A convlab module loaded after this imports
    the tripwire. Returns (module, name, wire) per replaced attribute, the canonical one first."""
    import importlib

    import convlab

    armed = []
    for module, names in convlab.REFERENCE_ONLY.get(chapter, {}).items():
        mod = importlib.import_module(module)
        for name in names:
            original, wire = getattr(mod, name), _tripwire(module, name)
            setattr(mod, name, wire)
            armed.append((module, name, wire))
            for holder_name, holder in list(sys.modules.items()):
                if holder is None or holder is mod or not holder_name.startswith("convlab"):
                    continue
                for attr, value in list(vars(holder).items()):
                    if value is original:
                        setattr(holder, attr, wire)
                        armed.append((holder_name, attr, wire))
    return armed


def _tampering(armed: list, blocker) -> str:
    """What the submission undid of the policy above, or "". Checked after every call: a guard
    against undoing it by plain means (importlib.reload of a reference module, removing the import
    blocker), not a security boundary; the grader also watches this process's loaded libraries
    from outside (autograder.recheck.Sandbox.forbidden_library)."""
    if blocker not in sys.meta_path:
        return ("the submission removed the grader's import blocker (sys.meta_path): "
                "importing " + ", ".join(BLOCKED) + " is not allowed in graded solutions")
    for module, name, wire in armed:
        mod = sys.modules.get(module)
        if mod is not None and mod.__dict__.get(name) is not wire:
            return (f"the submission restored {module}.{name}, the course's own reference code, "
                    f"which the grader had disabled: graded solutions must implement the "
                    f"operation themselves")
    return ""


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _send(wfile, message):
    protocol.write_frame(wfile, protocol.pack_reply(message))


def _cell_error(exc, filename):
    """What stopped a cell: the error (as protocol.describe_error) and the line of *this* cell it
    stopped at, with its code (for a syntax error, the offending line)."""
    err = protocol.describe_error(exc)
    line, code = None, ""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line, code = exc.lineno, (exc.text or "")
        err["message"] = str(exc.msg)[:2000]
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename == filename:
                line, code = frame.lineno, frame.line or ""
                break
    return {**err, "line": line, "code": code.strip()[:200]}


def _keras_call(args: tuple, kwargs: dict):
    """A Keras exercise's arguments with each protocol.KerasInput made a real keras.Input, and
    those inputs (to build the model the function's result ends)."""
    import keras

    inputs = []

    def real(value):
        if isinstance(value, protocol.KerasInput):
            inputs.append(keras.Input(value.shape, dtype=value.dtype))
            return inputs[-1]
        return value
    return tuple(real(a) for a in args), {k: real(v) for k, v in kwargs.items()}, inputs


def _as_model(result, inputs):
    """What a block function returned (a Keras tensor) as the model from ``inputs`` to it, which
    can cross to the grader as plain data (protocol.ModelData); other results as they are."""
    if inputs and type(result).__name__ == "KerasTensor":
        import keras
        return keras.Model(inputs[0] if len(inputs) == 1 else inputs, result)
    return result


def main():
    fd_in, fd_out, cells_path, timeout, mem_mb, chapter = (
        int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
        sys.argv[6])
    keras_allowed = len(sys.argv) > 7 and sys.argv[7] == "keras"
    rfile, wfile = os.fdopen(fd_in, "rb"), os.fdopen(fd_out, "wb")
    limit = mem_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    armed = _arm_tripwires(chapter)
    blocker = _Blocker(keras=keras_allowed)
    sys.meta_path.insert(0, blocker)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = io.TextIOWrapper(open(devnull, "wb", closefd=False))
    signal.signal(signal.SIGALRM, _alarm)
    os.environ["MPLBACKEND"] = "Agg"

    with open(cells_path) as f:
        cells = json.load(f)
    os.unlink(cells_path)
    ns = {"__name__": "__main__", "__builtins__": __builtins__}
    cell_errors = []
    for i, cell in enumerate(cells):
        filename = f"<cell {i}>"
        # tracebacks quote the cell's lines, as they do in the notebook
        linecache.cache[filename] = (len(cell["source"]), None,
                                     cell["source"].splitlines(True), filename)
        signal.alarm(timeout)
        try:
            exec(compile(cell["source"], filename, "exec"), ns)
        except _Timeout:
            cell_errors.append({"cell": i, "solution": cell["solution"],
                                "mro": ["TimeoutError"], "where": "", "line": None, "code": "",
                                "message": f"the cell ran longer than {timeout} s and was stopped"})
        except BaseException as exc:  # noqa: BLE001 - SystemExit too
            cell_errors.append({"cell": i, "solution": cell["solution"],
                                **_cell_error(exc, filename)})
        finally:
            signal.alarm(0)
    _send(wfile, {"ready": True, "cell_errors": cell_errors})

    while True:
        call = protocol.read_frame(rfile)
        if call is None:
            return
        name, args, kwargs = protocol.unpack_call(call)
        fn = ns.get(name)
        if not callable(fn):
            _send(wfile, protocol.error_reply(
                "NameError", f"{name} is not defined in the submission (was it deleted, renamed, "
                             f"or did its cell fail?)"))
            continue
        signal.alarm(timeout)
        try:
            inputs = []
            if keras_allowed:
                args, kwargs, inputs = _keras_call(args, kwargs)
            result = _as_model(fn(*args, **kwargs), inputs)
            signal.alarm(0)
            tampered = _tampering(armed, blocker)
            if tampered:
                raise PermissionError(tampered)
            reply = {"ok": protocol.encode(result)}
        except _Timeout:
            reply = protocol.error_reply("TimeoutError", f"{name} ran longer than {timeout} s and "
                                                         f"was stopped (an endless loop?)")
        except BaseException as exc:  # noqa: BLE001
            signal.alarm(0)
            reply = {"error": protocol.describe_error(exc)}
        finally:
            signal.alarm(0)
        try:
            _send(wfile, reply)
        except BaseException as exc:  # noqa: BLE001 - e.g. an unencodable value
            _send(wfile, {"error": protocol.describe_error(exc)})


if __name__ == "__main__":
    main()

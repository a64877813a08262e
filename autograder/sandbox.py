"""The untrusted side of the trusted re-check (see autograder/verify.py). Not for direct use.

Runs in its own process: executes a submission's cells (test cells excluded), then serves calls of
the graded functions from the trusted grader over a private pipe. Everything the student's code
does (patching NumPy, the course's helpers, TensorFlow, IPython, stdout...) stays in here; the
grader only receives plain data (numbers, strings, containers of them and NumPy arrays, never a
pickle), which autograder.verify.decode turns back into values of the same type, dtype and shape.

Policy: solutions implement operations themselves, so TensorFlow, Keras, PyTorch, JAX, SciPy's
ready-made convolutions and scikit-learn cannot be imported here, and the course's own reference
functions listed for the chapter in convlab.REFERENCE_ONLY raise when called.
"""
from __future__ import annotations

import base64
import io
import json
import linecache
import os
import pickle
import resource
import signal
import struct
import sys
import traceback

from convlab.policy import FORBIDDEN_MODULES

BLOCKED = tuple(FORBIDDEN_MODULES)   # a copy: the submission may rebind convlab.policy's
MAX_REPLY = 256 * 1024 * 1024
MAX_DEPTH = 20
# what crosses as raw bytes: arrays of bool, integers, floats, complex (every graded result is
# numeric); NumPy scalars also of fixed-width strings (np.str_, np.bytes_)
ARRAY_KINDS = "biufc"
SCALAR_KINDS = "biufcUS"


class _Blocker:
    """A meta-path finder that refuses the libraries a solution must not use."""

    def find_spec(self, name, path=None, target=None):
        if any(name == blocked or name.startswith(blocked + ".") for blocked in BLOCKED):
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
    from outside (autograder.verify.Sandbox.forbidden_library)."""
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


def encode(value, depth=0):
    """Plain, pickle-free data for the grader; autograder.verify.decode is its inverse: the value
    comes back with the same type (Python or NumPy scalar, array, tuple, list, dict, set), dtype and
    shape, so a test compares there what it would compare in the notebook. Keep the two in step."""
    import numpy as np

    if depth > MAX_DEPTH:
        return {"t": "other", "type": "deeply nested value"}
    # NumPy first: np.float64 is a float, np.complex128 a complex and np.str_ a str subclass
    if type(value) is np.ndarray:
        return {"t": "nd", **_array(value, ARRAY_KINDS)}
    if isinstance(value, np.generic):
        return {"t": "npscalar", **_array(np.asarray(value), SCALAR_KINDS)}
    if value is None or isinstance(value, bool):
        return {"t": "plain", "v": value}
    if isinstance(value, str):
        return {"t": "plain", "v": str.__str__(value)}
    if isinstance(value, int):
        return {"t": "int", "v": int.__repr__(value)}
    if isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}
    if isinstance(value, complex):
        return {"t": "complex", "v": [float.__repr__(value.real), float.__repr__(value.imag)]}
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = next(k for k in (list, tuple, set, frozenset) if isinstance(value, k)).__name__
        return {"t": kind, "v": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)]
                                   for k, v in value.items()]}
    return {"t": "other", "type": type(value).__name__}


def _array(a, kinds):
    """dtype, shape and the raw bytes of an array or 0-d array (of a NumPy scalar). Shape () stays
    (), and a Fortran-ordered array is sent (and rebuilt) in Fortran order."""
    if a.dtype.hasobject or a.dtype.kind not in kinds or a.dtype.names is not None:
        raise TypeError(f"arrays of dtype {a.dtype} cannot be graded")
    order = "F" if a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    return {"dtype": a.dtype.str, "shape": list(a.shape), "order": order,
            "b64": base64.b64encode(a.tobytes(order=order)).decode()}


def _send(wfile, obj):
    data = json.dumps(obj).encode()
    wfile.write(struct.pack("!Q", len(data)) + data)
    wfile.flush()


def _error(exc):
    mro = [c.__name__ for c in type(exc).__mro__]
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if frame.filename.startswith("<cell"):
            where = f" (in {frame.name}, line {frame.lineno}"
            where += f": `{frame.line.strip()}`)" if frame.line else ")"
            break
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        message = "<unprintable message>"
    return {"mro": mro[:8], "message": message[:2000], "where": where}


def _cell_error(exc, filename):
    """What stopped a cell: the error (as :func:`_error`) and the line of *this* cell it stopped
    at, with its code (for a syntax error, the offending line)."""
    err = _error(exc)
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


def main():
    fd_in, fd_out, cells_path, timeout, mem_mb, chapter = (
        int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
        sys.argv[6])
    rfile, wfile = os.fdopen(fd_in, "rb"), os.fdopen(fd_out, "wb")
    limit = mem_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    armed = _arm_tripwires(chapter)
    blocker = _Blocker()
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
        header = rfile.read(8)
        if len(header) < 8:
            return
        (n,) = struct.unpack("!Q", header)
        name, args, kwargs = pickle.loads(rfile.read(n))  # from the trusted grader
        fn = ns.get(name)
        if not callable(fn):
            _send(wfile, {"error": {"mro": ["NameError"], "where": "",
                                    "message": f"{name} is not defined in the submission (was it "
                                               f"deleted, renamed, or did its cell fail?)"}})
            continue
        signal.alarm(timeout)
        try:
            result = fn(*args, **kwargs)
            signal.alarm(0)
            tampered = _tampering(armed, blocker)
            if tampered:
                raise PermissionError(tampered)
            reply = {"ok": encode(result)}
        except _Timeout:
            reply = {"error": {"mro": ["TimeoutError"], "where": "",
                               "message": f"{name} ran longer than {timeout} s and was stopped "
                                          f"(an endless loop?)"}}
        except BaseException as exc:  # noqa: BLE001
            signal.alarm(0)
            reply = {"error": _error(exc)}
        finally:
            signal.alarm(0)
        try:
            _send(wfile, reply)
        except BaseException as exc:  # noqa: BLE001 - e.g. an unencodable value
            _send(wfile, {"error": _error(exc)})


if __name__ == "__main__":
    main()

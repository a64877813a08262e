"""The untrusted side of the trusted re-check (see autograder/verify.py). Not for direct use.

Runs in its own process: executes a submission's cells (test cells excluded), then serves calls of
the graded functions from the trusted grader over a private pipe. Everything the student's code
does (patching NumPy, the course's helpers, TensorFlow, IPython, stdout...) stays in here; the
grader only receives plain data: numbers, strings, lists and NumPy arrays without pickles.

Policy: solutions implement operations themselves, so TensorFlow, Keras, PyTorch, JAX, SciPy's
ready-made convolutions and scikit-learn cannot be imported here, and the course's own reference
functions listed for the chapter in convlab.REFERENCE_ONLY raise when called.
"""
from __future__ import annotations

import base64
import io
import json
import os
import pickle
import resource
import signal
import struct
import sys
import traceback

BLOCKED = ("tensorflow", "keras", "tf_keras", "torch", "jax", "jaxlib", "scipy.signal",
           "scipy.ndimage", "sklearn")
MAX_REPLY = 256 * 1024 * 1024


class _Blocker:
    """A meta-path finder that refuses the libraries a solution must not use."""

    def find_spec(self, name, path=None, target=None):
        for blocked in BLOCKED:
            if name == blocked or name.startswith(blocked + "."):
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
    import importlib

    import convlab

    armed = []
    for module, names in convlab.REFERENCE_ONLY.get(chapter, {}).items():
        mod = importlib.import_module(module)
        for name in names:
            wire = _tripwire(module, name)
            setattr(mod, name, wire)
            armed.append((module, name, wire))
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
    """Plain, pickle-free data for the grader."""
    import numpy as np

    if depth > 20:
        return {"t": "other", "type": "deeply nested value"}
    if value is None or isinstance(value, (bool, str)):
        return {"t": "plain", "v": value}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"t": "int", "v": str(int(value))}
    if isinstance(value, float):
        return {"t": "float", "v": repr(float(value))}
    if isinstance(value, (list, tuple)):
        return {"t": type(value).__name__, "v": [encode(v, depth + 1) for v in value]}
    if isinstance(value, np.generic):
        value = np.asarray(value)
        return {"t": "npscalar", "v": _array(value)}
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        return {"t": "nd", "v": _array(value)}
    return {"t": "other", "type": type(value).__name__}


def _array(a):
    import numpy as np

    if a.dtype.hasobject or a.dtype.kind not in "biufc":
        raise TypeError(f"arrays of dtype {a.dtype} cannot be graded")
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str, "shape": list(a.shape),
            "b64": base64.b64encode(a.tobytes()).decode()}


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
        signal.alarm(timeout)
        try:
            exec(compile(cell["source"], f"<cell {i}>", "exec"), ns)
        except _Timeout:
            cell_errors.append({"cell": i, "solution": cell["solution"],
                                "mro": ["TimeoutError"], "where": "",
                                "message": f"cell {i} ran longer than {timeout} s and was stopped"})
        except BaseException as exc:  # noqa: BLE001 - SystemExit too
            cell_errors.append({"cell": i, "solution": cell["solution"], **_error(exc)})
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

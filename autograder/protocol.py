"""The sandbox's wire protocol and policy: imported by both sides of the trusted re-check.

The grader (autograder/recheck.py) and the sandbox process that holds a submission's namespace
(autograder/sandbox.py) talk over two private pipes, one frame at a time: an 8-byte big-endian
length, then the payload (:func:`write_frame`; a reply longer than :data:`MAX_REPLY` is refused).

* grader -> sandbox: a call ``(name, args, kwargs)`` as a pickle (:func:`pack_call`): the grader's
  own test inputs; the sandbox may unpickle them.
* sandbox -> grader: JSON only (:func:`pack_reply`), never a pickle: first
  ``{"ready": true, "cell_errors": [...]}`` once the submission's cells ran, then per call
  ``{"ok": <encoded value>}`` or ``{"error": <described exception>}``. A value is encoded as plain
  data (:func:`encode`) and rebuilt by :func:`decode` with the same type, dtype and shape; a
  Keras model as its JSON configuration and its weights (:class:`ModelData`, which the grader
  rebuilds in Keras' safe mode); an exception is described by :func:`describe_error` and raised
  again by :func:`raise_remote` as a builtin exception only.
"""
from __future__ import annotations

import base64
import builtins
import json
import pickle
import struct
import traceback

import numpy as np

from convlab.policy import FORBIDDEN_MODULES

# --- policy ---------------------------------------------------------------------------------------
# Imports the sandbox refuses: bound here, deliberately, not read from convlab.policy when
# needed. The sandbox imports this module before any student code runs, so a submission that
# rebinds convlab.policy.FORBIDDEN_MODULES does not switch the blocker off.
BLOCKED = tuple(FORBIDDEN_MODULES)
# what a sandbox for Keras exercises (convlab.policy.KERAS_EXERCISES) may import nevertheless
KERAS_ALLOWED = ("keras", "tensorflow")


def is_blocked(module_name: str, keras: bool = False) -> bool:
    """True when a sandbox refuses to import ``module_name``; ``keras``: a sandbox serving Keras
    exercises, which may import Keras and TensorFlow (and what they import)."""
    if keras and any(module_name == a or module_name.startswith(a + ".") for a in KERAS_ALLOWED):
        return False
    return any(module_name == b or module_name.startswith(b + ".") for b in BLOCKED)


# --- framing --------------------------------------------------------------------------------------
HEADER = struct.Struct("!Q")
MAX_REPLY = 256 * 1024 * 1024
MAX_DEPTH = 20                       # nesting encode sends; deeper values arrive as "other"


def frame_size(header: bytes) -> int:
    """The payload size a frame header announces; ValueError above MAX_REPLY."""
    (n,) = HEADER.unpack(header)
    if n > MAX_REPLY:
        raise ValueError("the submission sent an oversized reply")
    return n


def write_frame(wfile, payload: bytes) -> None:
    wfile.write(HEADER.pack(len(payload)) + payload)
    wfile.flush()


def read_frame(rfile) -> bytes | None:
    """The next frame's payload from a blocking file, or None at the end of the stream."""
    header = rfile.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return rfile.read(HEADER.unpack(header)[0])


def pack_call(name: str, args: tuple, kwargs: dict) -> bytes:
    # protocol 5: with the default (4) NumPy drops a non-native byte order ('>i4' -> '<i4')
    return pickle.dumps((name, args, kwargs), protocol=5)


def unpack_call(payload: bytes) -> tuple:
    return pickle.loads(payload)      # from the trusted grader only


def pack_reply(message: dict) -> bytes:
    return json.dumps(message).encode()


def unpack_reply(payload: bytes) -> dict:
    return json.loads(payload)


# --- values ---------------------------------------------------------------------------------------
# what crosses as raw bytes: arrays of bool, integers, floats, complex (every graded result is
# numeric); NumPy scalars also of fixed-width strings (np.str_, np.bytes_)
ARRAY_KINDS = "biufc"
SCALAR_KINDS = "biufcUS"
_CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


class KerasInput:
    """grader -> sandbox: stands for a symbolic Keras input (a KerasTensor of the grader's) passed
    to a Keras exercise such as ``vgg_block(x, ...)``. The sandbox calls the function on
    ``keras.Input(shape, dtype=dtype)`` instead, and returns the model from that input to what the
    function returned (see :func:`encode`)."""

    def __init__(self, shape, dtype="float32"):
        self.shape = tuple(None if n is None else int(n) for n in shape)
        self.dtype = str(dtype)

    def __repr__(self):
        return f"<KerasTensor shape=(None, {', '.join(map(str, self.shape))})>"


class ModelData:
    """sandbox -> grader: a Keras model as plain data: its JSON configuration (``to_json()``) and
    its weights as arrays. The grader rebuilds it in Keras' safe mode (autograder/recheck.py);
    nothing of the student's code comes along."""

    def __init__(self, config: str, weights: list):
        self.config = config
        self.weights = weights


def _keras_model(value) -> bool:
    """A Keras model (or layer graph) without importing Keras: the strict sandbox has none."""
    return (type(value).__module__.startswith("keras.") and callable(getattr(value, "to_json", None))
            and callable(getattr(value, "get_weights", None)))


def encode(value, depth=0):
    """Plain, pickle-free data for the grader; :func:`decode` is its inverse: the value comes back
    with the same type (Python or NumPy scalar, array, tuple, list, dict, set), dtype and shape, so
    a test compares there what it would compare in the notebook."""
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
        kind = next(k for k in _CONTAINERS.values() if isinstance(value, k)).__name__
        return {"t": kind, "v": [encode(v, depth + 1) for v in value]}
    if _keras_model(value):
        config = value.to_json()
        if not isinstance(config, str):
            raise TypeError("the model's to_json() did not return a string")
        return {"t": "keras_model", "config": str.__str__(config),
                "weights": [{"t": "nd", **_array(np.asarray(w), "biuf")}
                            for w in value.get_weights()]}
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


def decode(obj, depth=0):
    """Plain data from the sandbox -> Python/NumPy values; never unpickles anything."""
    if depth > MAX_DEPTH + 1:
        raise ValueError("the submission sent a value nested too deeply")
    t = obj.get("t")
    if t == "plain":
        v = obj["v"]
        if v is not None and type(v) not in (bool, str):
            raise ValueError(f"unexpected plain value of type {type(v).__name__}")
        return v
    if t == "int":
        return int(obj["v"])
    if t == "float":
        return float(obj["v"])
    if t == "complex":
        real, imag = obj["v"]
        return complex(float(real), float(imag))
    if t in _CONTAINERS:
        return _CONTAINERS[t](decode(v, depth + 1) for v in obj["v"])
    if t == "dict":
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in obj["v"]}
    if t in ("nd", "npscalar"):
        arr = _decode_array(obj, ARRAY_KINDS if t == "nd" else SCALAR_KINDS)
        if t == "npscalar":
            if arr.shape != ():
                raise ValueError("a NumPy scalar must have shape ()")
            return arr[()]
        return arr
    if t == "keras_model":
        config = obj["config"]
        if not isinstance(config, str):
            raise ValueError("a model's configuration must be a JSON string")
        weights = [_decode_array(w, "biuf") for w in obj["weights"] if w.get("t") == "nd"]
        if len(weights) != len(obj["weights"]):
            raise ValueError("a model's weights must be arrays")
        return ModelData(config, weights)
    return Opaque(obj.get("type", "?"))


def _decode_array(obj, kinds) -> np.ndarray:
    dtype = np.dtype(obj["dtype"])
    if dtype.hasobject or dtype.kind not in kinds or dtype.names is not None:
        raise ValueError(f"arrays of dtype {dtype} are not accepted")
    shape = tuple(int(n) for n in obj["shape"])
    data = base64.b64decode(obj["b64"])
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if any(n < 0 for n in shape) or len(data) != size:
        raise ValueError(f"the submission sent {len(data)} bytes for an array of shape {shape} "
                         f"and dtype {dtype}")
    order = "F" if obj.get("order") == "F" else "C"
    if dtype.kind == "b":                              # any byte but 0 reads as True
        arr = np.frombuffer(data, dtype=np.uint8).reshape(shape, order=order).astype(bool)
    else:
        arr = np.frombuffer(data, dtype=dtype).reshape(shape, order=order)
    return arr.copy(order="K")


class Opaque:
    """What a student's function returned when it was not plain data (e.g. a custom object)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name} object (graded results must be NumPy arrays or numbers)>"


def find_opaque(value, depth=0):
    """The first :class:`Opaque` inside a decoded value, or None."""
    if isinstance(value, Opaque):
        return value
    if isinstance(value, dict) and depth <= MAX_DEPTH:
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)) and depth <= MAX_DEPTH:
        for v in value:
            found = find_opaque(v, depth + 1)
            if found is not None:
                return found
    return None


# --- errors ---------------------------------------------------------------------------------------
SAFE_EXCEPTIONS = {name: getattr(builtins, name) for name in (
    "ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError", "NotImplementedError",
    "AssertionError", "AttributeError", "NameError", "ImportError", "ModuleNotFoundError",
    "TimeoutError", "MemoryError", "RecursionError", "OverflowError", "ArithmeticError",
    "LookupError", "RuntimeError", "UnboundLocalError", "SystemExit")}


def error_reply(kind: str, message: str) -> dict:
    """A reply reporting an error the sandbox itself names (a timeout, a missing function)."""
    return {"error": {"mro": [kind], "where": "", "message": message}}


def describe_error(exc: BaseException) -> dict:
    """An exception of the student's code as plain data: its class names (most derived first),
    its message and where in the submission's cells it was raised."""
    mro = [c.__name__ for c in type(exc).__mro__]
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith("<cell"):
            where = f" (in {frame.name}, line {frame.lineno}"
            where += f": `{frame.line.strip()}`)" if frame.line else ")"
            break
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        message = "<unprintable message>"
    return {"mro": mro[:8], "message": message[:2000], "where": where}


def raise_remote(err: dict):
    """Raise a described error again in the grader, as the nearest builtin exception class."""
    cls = next((SAFE_EXCEPTIONS[n] for n in err.get("mro", []) if n in SAFE_EXCEPTIONS),
               RuntimeError)
    name = (err.get("mro") or ["Exception"])[0]
    message = err.get("message", "")
    if cls is SystemExit:
        cls, message = RuntimeError, f"the function called sys.exit({message})"
    elif name != cls.__name__:
        message = f"{name}: {message}"
    raise cls(message + err.get("where", ""))

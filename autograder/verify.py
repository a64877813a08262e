"""The trusted re-check: every test cell runs again in the grader's own process, on the grader's
own NumPy, TensorFlow and helpers, while the student's functions run in a separate sandbox process
(autograder/sandbox.py) and are reached through proxies that only pass plain data.

nbgrader runs hidden tests inside the student's kernel, where the student's code can replace
``np.allclose``, the course's checks, the oracle (``tf.nn.conv2d = my_fn``), IPython's traceback
printing or stdout. None of that reaches this process. A test cell earns its points only if it
passes both in nbgrader and here (:func:`autograder.core.grade_submission` applies this).

Also handled here: endless loops and memory blow-ups (time and memory limits in the sandbox),
``sys.exit`` / ``os._exit`` (the sandbox is restarted for the next test cell), functions that call
TensorFlow instead of implementing the operation (imports blocked in the sandbox; however the
sandbox got around that, TensorFlow's native code mapped into it is seen from here), and cells
deleted or edited in the submission (the test cells come from the trusted source notebook).
"""
from __future__ import annotations

import base64
import builtins
import contextlib
import io
import json
import os
import pickle
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convlab.policy import FORBIDDEN_LIBS  # native code of the libraries the sandbox refuses

SAFE_EXCEPTIONS = {name: getattr(builtins, name) for name in (
    "ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError", "NotImplementedError",
    "AssertionError", "AttributeError", "NameError", "ImportError", "ModuleNotFoundError",
    "TimeoutError", "MemoryError", "RecursionError", "OverflowError", "ArithmeticError",
    "LookupError", "RuntimeError", "UnboundLocalError", "SystemExit")}
MAX_REPLY = 256 * 1024 * 1024
MAX_DEPTH = 25
# A test cell containing this line is judged by nbgrader alone (for exercises whose results are not
# plain data, e.g. Keras models); the README lists this as a limit of the re-check.
IN_KERNEL_ONLY = "# grader: in-kernel only"
# A test cell of a bonus exercise has 0 points in nbgrader's metadata (so the chapter's total, in
# nbgrader's gradebook too, is what a student reaches without the bonus) and this line, e.g.
# "# bonus: 1 point": the grader gives those points as nbgrader's extra credit when the test passes.
BONUS = re.compile(r"^# bonus: (\d+(?:\.\d+)?) points?\b", re.M)


def bonus_points(source: str) -> float:
    """The extra credit a test cell's ``# bonus: N points`` line offers (0.0 without one)."""
    found = BONUS.search(source)
    return float(found.group(1)) if found else 0.0


class SandboxDied(RuntimeError):
    pass


@dataclass
class Verdict:
    grade_id: str
    passed: bool
    message: str = ""
    causes: list = field(default_factory=list)   # messages of the cell errors behind a failure


@dataclass
class CellError:
    """A cell of the submission that raised when the grader ran it (before any test)."""
    index: int              # position in the submitted notebook (-1: not one cell)
    label: str              # how the student finds it: "solution cell `conv2d_single`", "cell 12"
    grade_id: str | None    # the solution cell's grade_id, None for other cells
    message: str            # "<label>, line N (`code`): ImportError: ..."


class Verdicts(dict):
    """grade_id -> Verdict, and ``cell_errors``: the submission's cells that failed when the
    grader ran them (a syntax error, a blocked import...), which the feedback shows."""

    def __init__(self, *args, cell_errors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cell_errors = list(cell_errors or [])


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


class Sandbox:
    """One sandbox process holding a submission's namespace."""

    def __init__(self, cells: list, timeout: int = 60, memory_mb: int = 4096, chapter: str = ""):
        self.timeout = timeout
        self.cells = cells
        p2c_r, p2c_w = os.pipe()
        c2p_r, c2p_w = os.pipe()
        fd, path = tempfile.mkstemp(prefix="convlab-cells-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(cells, f)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONVLAB_DB")}
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        self.workdir = tempfile.mkdtemp(prefix="convlab-sandbox-")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox", str(p2c_r), str(c2p_w), path,
             str(timeout), str(memory_mb), chapter],
            pass_fds=(p2c_r, c2p_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self.workdir, env=env,
            preexec_fn=os.setsid)
        os.close(p2c_r)
        os.close(c2p_w)
        self.wfile = os.fdopen(p2c_w, "wb")
        self.rfd = c2p_r
        ready = self._receive(startup=True)
        self.cell_errors = ready.get("cell_errors", [])

    def _receive(self, startup=False):
        # start-up runs every cell (each under the per-cell limit); a call runs one function
        limit = self.timeout * (len(self.cells) + 1) + 30 if startup else self.timeout + 15
        header = self._read_exact(8, limit)
        (n,) = struct.unpack("!Q", header)
        if n > MAX_REPLY:
            self.close()
            raise SandboxDied("the submission sent an oversized reply")
        return json.loads(self._read_exact(n, limit))

    def _read_exact(self, n, limit):
        chunks, got = [], 0
        while got < n:
            ready, _, _ = select.select([self.rfd], [], [], limit)
            if not ready:
                self.close()
                raise SandboxDied(f"no answer within {limit:.0f} s: the submission's code "
                                  f"hangs (an endless loop?) and was stopped")
            chunk = os.read(self.rfd, min(n - got, 1 << 20))
            if not chunk:
                code = self.proc.poll()
                self.close()
                raise SandboxDied(
                    "the submission's code ended the grading process"
                    + (f" (exit code {code})" if code is not None else "")
                    + ": sys.exit(), os._exit(), a crash or running out of memory")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def call(self, name, args, kwargs):
        if self.proc.poll() is not None:
            raise SandboxDied("the submission's process is no longer running")
        # protocol 5: with the default (4) NumPy drops a non-native byte order ('>i4' -> '<i4')
        data = pickle.dumps((name, args, kwargs), protocol=5)
        try:
            self.wfile.write(struct.pack("!Q", len(data)) + data)
            self.wfile.flush()
        except (BrokenPipeError, OSError):
            self.close()
            raise SandboxDied("the submission's code ended the grading process") from None
        return self._receive()

    def forbidden_library(self) -> str:
        """The blocked library (TensorFlow, PyTorch, JAX...) whose native code is loaded into the
        sandbox process, or "". Read from /proc/<pid>/maps, which the submission cannot edit:
        however it got around the import blocker, a library it used stays mapped."""
        try:
            with open(f"/proc/{self.proc.pid}/maps") as f:
                maps = f.read()
        except OSError:                                # not Linux, or the process is gone
            return ""
        found = FORBIDDEN_LIBS.search(maps)
        return found.group(1).replace("/", ".") if found else ""

    def close(self):
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        with contextlib.suppress(Exception):
            self.wfile.close()
        with contextlib.suppress(OSError):
            os.close(self.rfd)
        self.rfd = -1
        shutil.rmtree(self.workdir, ignore_errors=True)


def decode(obj, depth=0):
    """Plain data from the sandbox -> Python/NumPy values; never unpickles anything. The inverse
    of autograder.sandbox.encode (keep the two in step): same type, dtype and shape."""
    if depth > MAX_DEPTH:
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
    if t in ("list", "tuple", "set", "frozenset"):
        items = [decode(v, depth + 1) for v in obj["v"]]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[t](items)
    if t == "dict":
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in obj["v"]}
    if t in ("nd", "npscalar"):
        arr = _decode_array(obj, "biufc" if t == "nd" else "biufcUS")  # as sandbox.encode sends
        if t == "npscalar":
            if arr.shape != ():
                raise ValueError("a NumPy scalar must have shape ()")
            return arr[()]
        return arr
    return _Opaque(obj.get("type", "?"))


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


class _Opaque:
    """What a student's function returned when it was not plain data (e.g. a custom object)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name} object (graded results must be NumPy arrays or numbers)>"


def _find_opaque(value, depth=0):
    if isinstance(value, _Opaque):
        return value
    if isinstance(value, dict) and depth < MAX_DEPTH:
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)) and depth < MAX_DEPTH:
        for v in value:
            found = _find_opaque(v, depth + 1)
            if found is not None:
                return found
    return None


def _raise_remote(err):
    cls = next((SAFE_EXCEPTIONS[n] for n in err.get("mro", []) if n in SAFE_EXCEPTIONS), RuntimeError)
    name = (err.get("mro") or ["Exception"])[0]
    message = err.get("message", "")
    if cls is SystemExit:
        cls, message = RuntimeError, f"the function called sys.exit({message})"
    elif name != cls.__name__:
        message = f"{name}: {message}"
    raise cls(message + err.get("where", ""))


class Proxy:
    """Stands for a student's function in the trusted process."""

    def __init__(self, name, box_getter):
        self.__name__ = name
        self._box = box_getter

    def __call__(self, *args, **kwargs):
        box = self._box()
        reply = box.call(self.__name__, args, kwargs)
        lib = box.forbidden_library()
        if lib:
            raise ImportError(f"the submission loaded {lib} into the grading process: using "
                              f"{lib} is not allowed in graded solutions, implement the operation "
                              f"yourself with NumPy (no re-checked test passes from now on)")
        if "error" in reply:
            _raise_remote(reply["error"])
        value = decode(reply["ok"])
        opaque = _find_opaque(value)
        if opaque is not None:
            # a custom object could only answer the checks by lying (__eq__, __array__); the
            # grader never sees it, so say what came back instead of comparing a stand-in
            raise TypeError(f"{self.__name__} returned a {opaque.type_name} object; graded "
                            f"results must be NumPy arrays or numbers (or tuples/lists of them)")
        return value

    def __repr__(self):
        return f"<graded function {self.__name__}>"


def submission_cells(source_nb: dict, submitted_nb: dict, minimal: bool = False) -> list:
    """The cells the sandbox runs, in the submission's order: never test cells (they run in the
    grader); locked cells (like `setup`) as in the trusted source, as nbgrader restores them; the
    solution cells; and cells the student added or changed (they may define helpers). The
    course's own demo cells (widgets, plots) are skipped: they only call the graded functions.
    ``minimal``: only locked and solution cells (the fallback when the others crash the process).
    """
    trusted = {(_meta(c).get("grade_id")): c for c in source_nb["cells"] if _meta(c).get("grade_id")}
    demo = {_source(c).strip() for c in source_nb["cells"]
            if c.get("cell_type") == "code" and not _meta(c).get("grade_id")}
    cells = []
    for index, cell in enumerate(submitted_nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        gid = _meta(cell).get("grade_id")
        known = trusted.get(gid)
        if known is not None and _meta(known).get("grade"):
            continue                                   # test cells run in the grader only
        if known is not None and _meta(known).get("locked"):
            cell = known
        elif known is None and (minimal or _source(cell).strip() in demo):
            continue
        solution = bool(known is not None and _meta(known).get("solution"))
        label = (f"solution cell `{gid}`" if solution else f"cell `{gid}`" if known is not None
                 else f"cell {index + 1} of the notebook")
        cells.append({"source": _source(cell), "solution": solution, "index": index,
                      "label": label, "grade_id": gid if solution else None})
    return cells


def cell_errors(raw: list, cells: list) -> list:
    """The sandbox's reports of cells that raised, as CellErrors naming the cell, the line and
    the cause."""
    found = []
    for err in raw:
        try:
            cell = cells[int(err["cell"])]
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        name = (err.get("mro") or ["Exception"])[0]
        where = f", line {err['line']}" if isinstance(err.get("line"), int) else ""
        code = str(err.get("code") or "")
        where += f" (`{code}`)" if code else ""
        found.append(CellError(cell.get("index", -1), cell.get("label", "a cell"),
                               cell.get("grade_id"),
                               f"{cell.get('label', 'a cell')}{where}: {name}: "
                               f"{str(err.get('message', ''))[:600]}"))
    return found


MISSING = re.compile(r"name '(\w+)' is not defined|(\w+) is not defined in the submission")


def _related(errors: list, test_source: str, message: str, graded: list) -> list:
    """The cell errors that explain a failing test: those of the solution cells whose functions
    it calls, and, when a name that is not a graded function is missing (a helper), those of the
    other cells, which may have defined it."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", test_source))
    missing = {a or b for a, b in MISSING.findall(message)}
    helper_missing = bool(missing - set(graded))
    return [e for e in errors
            if (e.grade_id in words or e.grade_id in missing if e.grade_id else helper_missing)]


def verify(source_path: Path, submission_path: Path, timeout: int = 60) -> Verdicts:
    """Run every test cell of the trusted source against the submission. grade_id -> Verdict;
    ``.cell_errors``: the submission's cells that raised when the grader ran them."""
    source_nb = json.loads(Path(source_path).read_text())
    chapter = Path(source_path).stem
    try:
        submitted = json.loads(Path(submission_path).read_text())
        if not isinstance(submitted, dict) or not isinstance(submitted.get("cells"), list):
            raise ValueError("no cells")
    except (ValueError, OSError) as exc:
        return Verdicts({_meta(c)["grade_id"]: Verdict(_meta(c)["grade_id"], False,
                                                       f"the submission is not a readable "
                                                       f"notebook ({exc})")
                         for c in source_nb["cells"] if _meta(c).get("grade")})
    cells = submission_cells(source_nb, submitted)
    solution_names = [_meta(c)["grade_id"] for c in source_nb["cells"] if _meta(c).get("solution")]
    box = {"sandbox": None}
    errors = {}                                        # message -> CellError, once each

    def get_box():
        if box["sandbox"] is None or box["sandbox"].rfd == -1:
            run = cells
            try:
                box["sandbox"] = Sandbox(run, timeout=timeout, chapter=chapter)
            except SandboxDied as exc:
                # a cell of the student's own killed the process: grade the solutions alone
                note = CellError(-1, "the notebook", None,
                                 f"a cell of the notebook ended the grading process ({exc}); the "
                                 f"solution cells were graded without the cells you added or "
                                 f"changed")
                errors.setdefault(note.message, note)
                run = submission_cells(source_nb, submitted, minimal=True)
                box["sandbox"] = Sandbox(run, timeout=timeout, chapter=chapter)
            for e in cell_errors(box["sandbox"].cell_errors, run):
                errors.setdefault(e.message, e)
        return box["sandbox"]

    verdicts = Verdicts()
    try:
        for cell in source_nb["cells"]:
            m = _meta(cell)
            if not m.get("grade") or cell["cell_type"] != "code":
                continue
            if IN_KERNEL_ONLY in _source(cell):
                verdicts[m["grade_id"]] = Verdict(m["grade_id"], True, "not re-checked (in-kernel test)")
                continue
            ns = {"__name__": "__main__"}
            ns.update({name: Proxy(name, get_box) for name in solution_names})
            err = io.StringIO()
            message = ""
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                    exec(compile(_source(cell), f"<test {m['grade_id']}>", "exec"), ns)
            except SandboxDied as exc:
                message = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - a failing test is a verdict
                message = f"{type(exc).__name__}: {exc}"
            if not message and err.getvalue().strip():
                message = "the test wrote to stderr: " + err.getvalue()[:300]
            causes = []
            if message:
                # why a function is missing or broken, when the grader could not run its cell
                causes = [e.message for e in _related(list(errors.values()), _source(cell),
                                                      message, solution_names)]
                message += "".join(f"\nwhen the grader ran the notebook's cells: {c}"
                                   for c in causes)
            verdicts[m["grade_id"]] = Verdict(m["grade_id"], not message, message, causes)
    finally:
        if box["sandbox"] is not None and box["sandbox"].rfd != -1:
            box["sandbox"].close()
    verdicts.cell_errors = list(errors.values())
    return verdicts

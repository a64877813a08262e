"""The trusted re-check: every test cell runs again in the grader's own process, on the grader's
own NumPy, TensorFlow and helpers, while the student's functions run in a separate sandbox process
(autograder/sandbox.py) and are reached through proxies that only pass plain data
(autograder/protocol.py).

nbgrader runs hidden tests inside the student's kernel, where the student's code can replace
``np.allclose``, the course's checks, the oracle (``tf.nn.conv2d = my_fn``), IPython's traceback
printing or stdout. None of that reaches this process. A test cell earns its points only if it
passes both in nbgrader and here (autograder/pipeline.py applies this).

Also handled here: endless loops and memory blow-ups (time and memory limits in the sandbox),
``sys.exit`` / ``os._exit`` (the sandbox is restarted for the next test cell), functions that call
TensorFlow instead of implementing the operation (imports blocked in the sandbox; however the
sandbox got around that, TensorFlow's native code mapped into it is seen from here), and cells
deleted or edited in the submission (the test cells come from the trusted source notebook).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder import cells, hidden, isolation, protocol
from convlab import policy
from convlab.testing import use_hidden_key
from convlab.i18n import _


# Models that Keras exercises return are re-checked: they cross from the sandbox as plain data
# (protocol.ModelData) and are rebuilt here (rebuild_model). What the re-check still does not
# judge, and why (its test cells carry cells.IN_KERNEL_ONLY; nbgrader alone judges them in the
# student's kernel, where patching the oracle or np.allclose is not caught):
NOT_RECHECKED = {
    "06_cnn_classifier:train_and_evaluate":
        "trains the model it is given and is judged by what training did to that model (its "
        "optimizer, learning rate and step count) and by the history it returns; a model that "
        "crosses the sandbox as data cannot carry that state back, and training twice (in the "
        "sandbox and again here) would double the cell's time",
}


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


class Sandbox:
    """One sandbox process holding a submission's namespace."""

    def __init__(self, cells: list, timeout: int = 60, memory_mb: int = 4096, chapter: str = "",
                 keras: bool = False):
        self.timeout = timeout
        self.cells = cells
        self.keras = keras          # serves Keras exercises: may import Keras and TensorFlow
        self._start(timeout, memory_mb, chapter)
        ready = self._receive(startup=True)
        self.cell_errors = ready.get("cell_errors", [])

    def _start(self, timeout: int, memory_mb: int, chapter: str) -> None:
        """Start ``python -m autograder.sandbox`` with the cells to run and a pipe each way: the
        one place the untrusted process starts, isolated by the operating system
        (autograder.isolation: no network, no view of the course root, a uid of its own, limits;
        bwrap passes the inherited pipe ends through)."""
        p2c_r, p2c_w = os.pipe()
        c2p_r, c2p_w = os.pipe()
        try:
            self.isolation = isolation.SandboxCommand(
                [sys.executable, "-m", "autograder.sandbox", str(p2c_r), str(c2p_w),
                 "cells.json", str(timeout), str(memory_mb), chapter,
                 *(["keras"] if self.keras else [])],
                readonly=isolation.package_sources("autograder"),  # its sources, not its data
                files={"cells.json": json.dumps(self.cells).encode()},
                limits=isolation.Limits(memory_mb=memory_mb))  # >= the RLIMIT_AS sandbox.py sets
            self.proc = self.isolation.popen(pass_fds=(p2c_r, c2p_w), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        except BaseException:
            for fd in (p2c_r, p2c_w, c2p_r, c2p_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
            raise
        os.close(p2c_r)
        os.close(c2p_w)
        self.wfile = os.fdopen(p2c_w, "wb")
        self.rfd = c2p_r

    def _receive(self, startup=False):
        # start-up runs every cell (each under the per-cell limit); a call runs one function
        limit = self.timeout * (len(self.cells) + 1) + 30 if startup else self.timeout + 15
        try:
            size = protocol.frame_size(self._read_exact(protocol.HEADER.size, limit))
        except ValueError as exc:
            self.close()
            raise SandboxDied(str(exc)) from None
        return protocol.unpack_reply(self._read_exact(size, limit))

    def _read_exact(self, n, limit):
        chunks, got = [], 0
        while got < n:
            ready, _unused, _unused = select.select([self.rfd], [], [], limit)
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
        try:
            protocol.write_frame(self.wfile, protocol.pack_call(name, args, kwargs))
        except (BrokenPipeError, OSError):
            self.close()
            raise SandboxDied("the submission's code ended the grading process") from None
        return self._receive()

    def forbidden_library(self) -> str:
        """The blocked library (TensorFlow, PyTorch, JAX...) whose native code is loaded into the
        sandbox process, or "". Read from /proc/<pid>/maps, which the submission cannot edit:
        however it got around the import blocker, a library it used stays mapped."""
        pid = self.isolation.command_pid(timeout=5)    # not self.proc.pid: that is bwrap's
        if pid is None:
            return ""
        try:
            with open(f"/proc/{pid}/maps") as f:
                maps = f.read()
        except OSError:                                # not Linux, or the process is gone
            return ""
        found = policy.FORBIDDEN_LIBS.search(maps)
        return found.group(1).replace("/", ".") if found else ""

    def close(self):
        self.isolation.close()        # the whole sandbox (its PID namespace), its uid, its scratch
        with contextlib.suppress(Exception):
            self.wfile.close()
        with contextlib.suppress(OSError):
            os.close(self.rfd)
        self.rfd = -1


class Proxy:
    """Stands for a student's function in the trusted process."""

    def __init__(self, name, box_getter):
        self.__name__ = name
        self._box = box_getter

    def __call__(self, *args, **kwargs):
        box = self._box()
        symbolic = [a for a in (*args, *kwargs.values()) if _keras_tensor(a)]
        if symbolic:
            # a block function's input: the sandbox builds its own keras.Input of that shape
            args = tuple(_as_input(a) for a in args)
            kwargs = {k: _as_input(v) for k, v in kwargs.items()}
        reply = box.call(self.__name__, args, kwargs)
        lib = "" if getattr(box, "keras", False) else box.forbidden_library()
        if lib:
            raise ImportError(f"the submission loaded {lib} into the grading process: using "
                              f"{lib} is not allowed in graded solutions, implement the operation "
                              f"yourself with NumPy (no re-checked test passes from now on)")
        if "error" in reply:
            protocol.raise_remote(reply["error"])
        value = protocol.decode(reply["ok"])
        if isinstance(value, protocol.ModelData):
            model = rebuild_model(value, self.__name__)
            if len(symbolic) == 1 and not model.inputs[1:]:
                # the block on the grader's own input, layer by layer, as the notebook builds it
                return _on_input(model, symbolic[0])
            return model
        opaque = protocol.find_opaque(value)
        if opaque is not None:
            # a custom object could only answer the checks by lying (__eq__, __array__); the
            # grader never sees it, so say what came back instead of comparing a stand-in
            raise TypeError(f"{self.__name__} returned a {opaque.type_name} object; graded "
                            f"results must be NumPy arrays or numbers (or tuples/lists of them)")
        return value

    def __repr__(self):
        return f"<graded function {self.__name__}>"


# --- Keras exercises: models cross as plain data and are rebuilt here -----------------------------
def _keras_tensor(value) -> bool:
    return type(value).__name__ == "KerasTensor" and type(value).__module__.startswith("keras.")


def _as_input(value):
    if _keras_tensor(value):
        return protocol.KerasInput(tuple(value.shape)[1:], value.dtype)
    return value


def rebuild_model(data, name: str = "the function"):
    """A model the sandbox sent as plain data (protocol.ModelData), rebuilt in this process from
    its JSON configuration in Keras' safe mode (no Lambda layers' Python code, no classes outside
    Keras) and given its weights. TypeError naming the function when that is not possible."""
    from convlab.testing import keras as _keras
    k = _keras()
    try:
        config = json.loads(data.config)
        model = k.saving.deserialize_keras_object(config, safe_mode=True)
        if not isinstance(model, k.Model):
            raise TypeError(f"the configuration describes a {type(model).__name__}")
        model.set_weights(data.weights)
    except Exception as exc:  # noqa: BLE001 - whatever the submission sent
        raise TypeError(f"{name} returned a Keras model that the grader cannot rebuild from its "
                        f"configuration and weights ({type(exc).__name__}: {str(exc)[:300]}); "
                        f"build it from Keras' own layers (no Lambda layers or custom classes)") \
            from None
    return model


def _on_input(model, x):
    """``model``'s layers applied to the grader's symbolic input ``x`` (new layers with the same
    configuration and weights), so that the test's keras.Model(x, ...) sees the block's layers."""
    from convlab.testing import keras as _keras
    k = _keras()
    clone = k.models.clone_model(model, input_tensors=x)
    clone.set_weights(model.get_weights())
    return clone.outputs[0] if len(clone.outputs) == 1 else clone.outputs


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
        where = _(", line {line}").format(line=err["line"]) if isinstance(err.get("line"), int) else ""
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


def hidden_key(chapter: str) -> str:
    """The key the hidden tests of ``chapter`` draw their inputs from here: derived from the
    course secret where this process can read it (plain `nbgrader autograde`, the formgrader),
    else the chapter key handed to it (nbgrader's process under `python -m autograder
    autograde` gets the key and never the secret: autograder/nbgrader_run.py)."""
    return hidden.chapter_key(chapter) or os.environ.get(hidden.KEY_ENV, "").strip()


def verify(source_path: Path, submission_path: Path, timeout: int = 60) -> Verdicts:
    """Run every test cell of the trusted source against the submission. grade_id -> Verdict;
    ``.cell_errors``: the submission's cells that raised when the grader ran them."""
    source_nb = cells.read_notebook(source_path)
    chapter = Path(source_path).stem
    try:
        submitted = cells.read_notebook(submission_path)
    except (ValueError, OSError) as exc:
        return Verdicts({cells.grade_id(c): Verdict(cells.grade_id(c), False,
                                                    f"the submission is not a readable "
                                                    f"notebook ({exc})")
                         for c in cells.test_cells(source_nb)})
    solution_names = cells.solution_names(source_nb)
    errors = {}                                        # message -> CellError, once each

    def box_getter(keras: bool):
        """The sandbox (started on first use) serving the NumPy exercises, or with ``keras`` the
        one serving the Keras exercises (convlab.policy.KERAS_EXERCISES), where importing Keras
        is allowed. The NumPy sandbox never runs the Keras exercises' solution cells; the Keras
        sandbox runs every cell but is only asked for the Keras exercises."""
        def runnable(minimal=False):
            return [c for c in cells.submission_cells(source_nb, submitted, minimal=minimal)
                    if keras or not (c["solution"] and policy.is_keras_exercise(chapter,
                                                                                c["grade_id"]))]
        box = {"sandbox": None}

        def get_box():
            if box["sandbox"] is None or box["sandbox"].rfd == -1:
                run = runnable()
                try:
                    box["sandbox"] = Sandbox(run, timeout=timeout, chapter=chapter, keras=keras)
                except SandboxDied as exc:
                    # a cell of the student's own killed the process: grade the solutions alone
                    note = CellError(-1, _("the notebook"), None,
                                     _("a cell of the notebook ended the grading process ({error}); "
                                       "the solution cells were graded without the cells you "
                                       "added or changed").format(error=exc))
                    errors.setdefault(note.message, note)
                    run = runnable(minimal=True)
                    box["sandbox"] = Sandbox(run, timeout=timeout, chapter=chapter, keras=keras)
                for e in cell_errors(box["sandbox"].cell_errors, run):
                    # not the NumPy exercises' cells from the Keras sandbox (their sandbox
                    # reports those); the same message from both counts once
                    if not (keras and e.grade_id
                            and not policy.is_keras_exercise(chapter, e.grade_id)):
                        errors.setdefault(e.message, e)
            return box["sandbox"]
        get_box.box = box
        return get_box

    getters = {False: box_getter(False), True: box_getter(True)}

    verdicts = Verdicts()
    try:
        # the hidden tests draw their inputs from the chapter's key (autograder/hidden.py), in
        # this process only: the sandbox never sees it
        with use_hidden_key(hidden_key(chapter)):
            for cell in cells.test_cells(source_nb):
                gid = cells.grade_id(cell)
                if cells.in_kernel_only(cell):
                    verdicts[gid] = Verdict(gid, True, "not re-checked (in-kernel test)")
                    continue
                ns = {"__name__": "__main__"}
                ns.update({name: Proxy(name, getters[policy.is_keras_exercise(chapter, name)])
                           for name in solution_names})
                message = cells.run_test_cell(cell.source, ns, f"<test {gid}>")
                causes = []
                if message:
                    # why a function is missing or broken, when the grader could not run its cell
                    causes = [e.message for e in _related(list(errors.values()), cell.source,
                                                          message, solution_names)]
                    message += "".join("\n" + _("when the grader ran the notebook's cells: "
                                                 "{cause}").format(cause=c) for c in causes)
                verdicts[gid] = Verdict(gid, not message, message, causes)
    finally:
        for getter in getters.values():
            sandbox = getter.box["sandbox"]
            if sandbox is not None and sandbox.rfd != -1:
                sandbox.close()
    verdicts.cell_errors = list(errors.values())
    return verdicts

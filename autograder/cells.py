"""nbgrader's cells as the grader reads them: metadata, markers, a submission's own cells, and the
one judge of a test cell.

* Metadata goes through ``nbgrader.utils`` (``is_grade``, ``is_solution``, ``is_locked``,
  ``determine_grade``), on notebooks read by :func:`read_notebook`, which accepts anything a
  student may hand in without crashing on it.
* Markers in a test cell's source: the hidden-test region (``### BEGIN HIDDEN TESTS`` ...
  ``### END HIDDEN TESTS``, parsed here only), ``# bonus: N points`` and
  ``# grader: in-kernel only``.
* :func:`submission_cells`: what of a submission the re-check's sandbox runs.
* :func:`run_test_cell`: runs a test cell in a namespace and judges it as nbgrader does (an
  exception or anything written to stderr scores 0); the re-check and tests/nbharness.py use it.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils
from convlab.i18n import _

# --- markers --------------------------------------------------------------------------------------
HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"   # nbgrader's own delimiters (ClearHiddenTests' defaults)
HIDDEN_END = "END HIDDEN TESTS"
# A test cell containing this line is judged by nbgrader alone (for exercises whose results are not
# plain data, e.g. Keras models); the README lists this as a limit of the re-check.
IN_KERNEL_ONLY = "# grader: in-kernel only"
# A test cell of a bonus exercise has 0 points in nbgrader's metadata (so the chapter's total, in
# nbgrader's gradebook too, is what a student reaches without the bonus) and this line, e.g.
# "# bonus: 1 point": the grader gives those points as nbgrader's extra credit when the test passes.
BONUS = re.compile(r"^# bonus: (\d+(?:\.\d+)?) points?\b", re.M)
SECRET_MIN = 4          # hidden lines shorter than this (")", "else:") are not worth redacting
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _hidden_marks(source: str, begin: str, end: str):
    """(kind, line) for each line of ``source``: "visible", "begin", "hidden" or "end"."""
    inside = False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            yield "begin", line
        elif end in line:
            inside = False
            yield "end", line
        else:
            yield ("hidden" if inside else "visible"), line


def hidden_lines(source: str, begin: str = HIDDEN_BEGIN, end: str = HIDDEN_END) -> list:
    """The non-blank lines of ``source`` between the hidden-test delimiters (stripped)."""
    return [line.strip() for kind, line in _hidden_marks(source, begin, end)
            if kind == "hidden" and line.strip()]


def strip_hidden(source: str, begin: str = HIDDEN_BEGIN, end: str = HIDDEN_END) -> str:
    """``source`` without its hidden region and delimiters: the test cell a student sees."""
    return "\n".join(line for kind, line in _hidden_marks(source, begin, end) if kind == "visible")


def replace_hidden(source: str, replace, begin: str = HIDDEN_BEGIN, end: str = HIDDEN_END) -> str:
    """``source`` with each hidden region, delimiters included, replaced by
    ``replace(code between the delimiters)``."""
    out, block = [], None
    for kind, line in _hidden_marks(source, begin, end):
        if kind == "begin":
            block = [line]
        elif kind == "end" and block is not None:
            out.append(replace("".join(hidden + "\n" for hidden in block[1:])))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    return "\n".join(out + (block or []))        # an unterminated region stays as it was


def secret_lines(source: str, begin: str = HIDDEN_BEGIN, end: str = HIDDEN_END) -> list:
    """The hidden lines of a test cell that output must never quote."""
    return [s for s in hidden_lines(source, begin, end) if len(s) >= SECRET_MIN]


def redact(text: str, secret: list) -> str:
    """``text`` without every line that quotes one of the ``secret`` lines (colours ignored)."""
    out = []
    for line in text.split("\n"):
        plain = ANSI.sub("", line).strip()
        if plain and any(s in plain or (len(plain) >= 12 and plain in s) for s in secret):
            continue
        out.append(line)
    return "\n".join(out)


def bonus_points(source: str) -> float:
    """The extra credit a test cell's ``# bonus: N points`` line offers (0.0 without one)."""
    found = BONUS.search(source)
    return float(found.group(1)) if found else 0.0


# --- reading notebooks and cells ------------------------------------------------------------------
_EMPTY_CELL = {"cell_type": "raw", "source": "", "metadata": {}}


def as_notebook(data) -> nbformat.NotebookNode:
    """A loaded notebook as nbformat's NotebookNode, whatever a student made of it: ValueError
    unless it is an object with a list of cells; a cell that is not an object becomes an empty
    raw cell (cells keep their positions), and a cell's source is one string, its metadata an
    object."""
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("no cells")
    cells = []
    for cell in data["cells"]:
        cell = dict(cell) if isinstance(cell, dict) else dict(_EMPTY_CELL)
        src = cell.get("source", "")
        cell["source"] = ("".join(s for s in src if isinstance(s, str)) if isinstance(src, list)
                          else src if isinstance(src, str) else "")
        meta = cell.get("metadata")
        cell["metadata"] = meta = dict(meta) if isinstance(meta, dict) else {}
        if not isinstance(meta.get("nbgrader", {}), dict):
            del meta["nbgrader"]
        if not isinstance(cell.get("cell_type"), str):
            cell["cell_type"] = "raw"
        if cell["cell_type"] == "code" and not isinstance(cell.get("outputs"), list):
            cell["outputs"] = []
        cells.append(cell)
    return nbformat.from_dict({**data, "cells": cells})


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """A notebook file (see :func:`as_notebook`); ValueError or OSError when it is not one."""
    return as_notebook(json.loads(Path(path).read_text()))


def write_notebook(nb, path: Path) -> None:
    """Write ``nb`` to ``path``. An existing file is replaced through a temporary file renamed over
    it, keeping its permissions: nbgrader leaves autograded notebooks read-only (444), which only
    root could overwrite in place (an instructor on JupyterHub is not root)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(nb, indent=1)
    if not path.exists():
        path.write_text(text)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def readable(path: Path) -> bool:
    try:
        read_notebook(path)
    except (OSError, ValueError):
        return False
    return True


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata ({} for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_test(cell) -> bool:
    """An autograded test cell (nbgrader's grade cell with code)."""
    return cell.get("cell_type") == "code" and bool(utils.is_grade(cell))


def test_cells(nb) -> list:
    return [c for c in nb.cells if is_test(c)]


def solution_names(nb) -> list:
    """The grade ids of a notebook's solution cells: the names of the graded functions."""
    return [grade_id(c) for c in nb.cells if utils.is_solution(c) and grade_id(c)]


def by_grade_id(nb) -> dict:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


def in_kernel_only(cell) -> bool:
    return IN_KERNEL_ONLY in cell.source


def bonus_tests(nb) -> dict:
    """grade_id -> the extra credit of each bonus test cell (0 points and a bonus line)."""
    return {grade_id(c): bonus_points(c.source) for c in nb.cells
            if utils.is_grade(c) and bonus_points(c.source) > 0}


def shows_error(cell) -> bool:
    return any(out.get("output_type") == "error" for out in cell.get("outputs", []))


def add_error(cell, ename: str, message: str, traceback: str | None = None) -> None:
    """Show an error under a code cell, as the kernel shows one."""
    cell.setdefault("outputs", []).append(nbformat.from_dict({
        "output_type": "error", "ename": ename, "evalue": message,
        "traceback": [traceback if traceback is not None else f"{ename}: {message}"]}))


# --- a submission's own cells ---------------------------------------------------------------------
def submission_cells(source_nb, submitted_nb, minimal: bool = False) -> list:
    """The cells the sandbox runs, in the submission's order: never test cells (they run in the
    grader); locked cells (like `setup`) as in the trusted source, as nbgrader restores them; the
    solution cells; and cells the student added or changed (they may define helpers). The
    course's own demo cells (widgets, plots) are skipped: they only call the graded functions.
    ``minimal``: only locked and solution cells (the fallback when the others crash the process).
    """
    trusted = by_grade_id(source_nb)
    demo = {c.source.strip() for c in source_nb.cells
            if c.cell_type == "code" and not grade_id(c)}
    cells = []
    for index, cell in enumerate(submitted_nb.cells):
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        known = trusted.get(gid)
        if known is not None and utils.is_grade(known):
            continue                                   # test cells run in the grader only
        if known is not None and utils.is_locked(known):
            cell = known
        elif known is None and (minimal or cell.source.strip() in demo):
            continue
        solution = bool(known is not None and utils.is_solution(known))
        label = (_("solution cell `{name}`").format(name=gid) if solution
                 else _("cell `{name}`").format(name=gid) if known is not None
                 else _("cell {number} of the notebook").format(number=index + 1))
        cells.append({"source": cell.source, "solution": solution, "index": index,
                      "label": label, "grade_id": gid if solution else None})
    return cells


# --- the judge ------------------------------------------------------------------------------------
@dataclass
class CellRun:
    """What running a cell's code did: the exception it raised (None) and what it wrote to
    stderr (stdout is discarded, as nbgrader ignores it)."""
    error: Exception | None
    stderr: str


def run_cell(source: str, namespace: dict, filename: str) -> CellRun:
    """Run ``source`` in ``namespace``, as a notebook cell runs in its kernel."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            exec(compile(source, filename, "exec"), namespace)
    except Exception as exc:  # noqa: BLE001 - a failing cell is a verdict, not a crash
        return CellRun(exc, err.getvalue())
    return CellRun(None, err.getvalue())


def judge(run: CellRun) -> str:
    """"" when nbgrader gives a test cell that ran so its points, else why not: like nbgrader's
    ``utils.determine_grade``, an error or anything written to stderr scores 0."""
    if run.error is not None:
        return f"{type(run.error).__name__}: {run.error}"
    if run.stderr:
        return "the test wrote to stderr (nbgrader scores such a cell 0): " + run.stderr[:300]
    return ""


def run_test_cell(source: str, namespace: dict, filename: str) -> str:
    """Run a test cell and judge it (see :func:`judge`): "" when it passes, else the message."""
    return judge(run_cell(source, namespace, filename))


def kernel_passed(cell) -> bool:
    """nbgrader's own verdict on a test cell it ran in the student's kernel (determine_grade on
    its outputs), also for a bonus test, whose 0 points hide it from the gradebook."""
    probe = nbformat.from_dict(copy.deepcopy(dict(cell)))
    probe.metadata.nbgrader["points"] = 1
    return utils.determine_grade(probe)[0] == 1

"""The autograder's core: nbgrader's own commands, run in a subprocess per call, on a course root.

The unit of work is :func:`grade_submission`: one (assignment, student) pair. It only needs a course
root (a folder with ``nbgrader_config.py``) and a gradebook URL, so a loop, a local process pool or
a distributed engine (e.g. Dask) can all call it. Grading runs nbgrader in a child process so that a
crashed kernel or a hostile notebook cannot take the caller down.

A *course root* is either this repository (instructors) or a throw-away folder made by
:func:`scratch_course` (self-learners, tests): same solutions, same configuration, own gradebook.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "nbgrader_config.py"
COURSE_ID = "convlab"


def assignments(root: Path = REPO) -> list:
    """Chapter ids, e.g. ["01_filter_sliding"]: the folders of ``solutions/`` with a notebook."""
    src = Path(root) / "solutions"
    return sorted(p.name for p in src.iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file()) if src.is_dir() else []


def child_env() -> dict:
    """Environment for nbgrader children: this interpreter's bin first on PATH (nbgrader runs
    `alembic` from PATH), quiet TensorFlow."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONUNBUFFERED", "1")
    # training cells of graded notebooks keep their checkpoints/logs out of the course's runs/
    env.setdefault("CONVLAB_RUNS", os.path.join(tempfile.gettempdir(), "convlab-grading-runs"))
    return env


class NbgraderError(RuntimeError):
    pass


def run_nbgrader(args: list, root: Path, timeout: float | None = None, check: bool = True):
    """Run ``nbgrader <args>`` in ``root`` (where its nbgrader_config.py is); return the process."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=str(root), env=child_env(), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed with exit code {proc.returncode}:\n"
                            + _tail(proc.stdout + proc.stderr))
    return proc


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def db_url_for(root: Path) -> str:
    """The default gradebook of a course root: SQLite, waiting up to 60 s for a lock (parallel
    graders each write their own student's rows, briefly) instead of failing at once."""
    return "sqlite:///" + str((Path(root) / "autograder" / "gradebook.db").resolve()) + "?timeout=60"


def sqlite_file(db_url: str) -> Path | None:
    """The database file of a SQLite gradebook URL, or None for any other database."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def prepare_gradebook(db_url: str) -> None:
    """Make a SQLite gradebook safe for several graders at once: write-ahead logging (readers
    never block the one writer; a crash mid-write cannot corrupt it). Persistent; safe to repeat.
    Other databases (PostgreSQL) handle concurrency themselves."""
    import sqlite3

    db = sqlite_file(db_url)
    if db is not None and db.is_file():
        with sqlite3.connect(db, timeout=60) as con:
            con.execute("PRAGMA journal_mode=WAL")


def prepare_workspace(dest: Path) -> list:
    """Copy each chapter of course/ that ``dest`` does not have yet; never overwrite a student's
    work. Returns the chapters copied. (Students work in a copy so that course/ stays what nbgrader
    generated and `git pull` brings new chapters without conflicts.)"""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for chapter_dir in sorted((REPO / "course").iterdir()):
        if chapter_dir.is_dir() and not (dest / chapter_dir.name).exists():
            shutil.copytree(chapter_dir, dest / chapter_dir.name)
            copied.append(chapter_dir.name)
    return copied


# --- course roots -------------------------------------------------------------------------------
def scratch_course(where: Path | None = None, db_url: str | None = None) -> Path:
    """A throw-away course root: the repository's solutions and configuration, its own release
    folder and gradebook. Returns its path."""
    root = Path(where) if where else Path(tempfile.mkdtemp(prefix="convlab-course-"))
    root.mkdir(parents=True, exist_ok=True)
    (root / "autograder").mkdir(exist_ok=True)
    src = root / "solutions"
    if not src.exists():
        src.symlink_to(REPO / "solutions", target_is_directory=True)
    url = db_url or db_url_for(root)
    (root / "nbgrader_config.py").write_text(
        "# A scratch course root made by autograder.core.scratch_course\n"
        f"load_subconfig({str(CONFIG)!r})\n"
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = {url!r}\n")
    return root


def generate(root: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment``: solutions/<a> -> course/<a> and the gradebook's copy of
    every test cell (hidden tests included). Returns the release folder."""
    run_nbgrader(["generate_assignment", assignment, "--force"], root)
    return Path(root) / "course" / assignment


def sync_gradebook(db_url: str, chapters: list | None = None) -> None:
    """Record each chapter's notebooks and test cells (hidden tests included) in the gradebook at
    ``db_url``, by generating the assignment in a scratch root that uses that gradebook. The
    committed course/ is not touched. Safe to repeat."""
    with tempfile.TemporaryDirectory(prefix="convlab-sync-") as tmp:
        root = scratch_course(Path(tmp), db_url=db_url)
        for chapter in chapters or assignments():
            generate(root, chapter)
    prepare_gradebook(db_url)


def gradebook_has(db_url: str, chapter: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, COURSE_ID) as gb:
        try:
            return bool(gb.find_assignment(chapter).notebooks)
        except MissingEntry:
            return False


def class_records(db_url: str) -> dict:
    """{(assignment, student): score} of every submission in the gradebook (any database)."""
    from nbgrader.api import Gradebook

    records = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for assignment in gb.assignments:
            for sub in gb.submission_dicts(assignment.name):
                records[(assignment.name, sub["student"])] = float(sub["score"] or 0.0)
    return records


def bonus_records(db_url: str) -> dict:
    """{(assignment, student): extra credit} of every submission in the gradebook: the bonus
    points that nbgrader's score includes beyond the maximum."""
    from nbgrader.api import Gradebook

    records = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                records[(assignment.name, sub.student.id)] = sum(
                    float(g.extra_credit or 0.0) for nb in sub.notebooks for g in nb.grades)
    return records


def records_changed(before: dict, after: dict, graded: set) -> list:
    """The records of students *not* graded in this run that differ between two snapshots of
    :func:`class_records`: nothing but grading should write the gradebook, so any change there
    means a submission (or something else) wrote to it. Returns readable lines."""
    lines = []
    for key in sorted(set(before) | set(after)):
        if key[1] in graded:
            continue
        if before.get(key) != after.get(key):
            was, now = (f"{d[key]:g}" if key in d else "no record" for d in (before, after))
            lines.append(f"{key[1]} / {key[0]}: score {was} -> {now}")
    return lines


def backup_gradebook(root: Path = REPO) -> Path | None:
    """Copy a SQLite gradebook to autograder/backups/ (consistent even while in use). Returns the
    copy, or None when the gradebook is not SQLite (back up PostgreSQL with its own tools)."""
    import sqlite3

    db = sqlite_file(_db_url(root))
    if db is None or not db.is_file():
        return None
    folder = Path(root) / "autograder" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"gradebook-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.db"
    with sqlite3.connect(db) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def import_submissions(root: Path, chapter: str, source: Path) -> dict:
    """Take in an LMS export: a folder (or .zip) of notebooks named by student id, e.g.
    ``s123.ipynb`` or ``s123_01_filter_sliding.ipynb`` (the id is what comes before the first
    ``_``, ``-`` or ``.``). Returns {student_id: path in autograder/submitted}."""
    import re
    import zipfile

    source = Path(source)
    found = {}
    with tempfile.TemporaryDirectory(prefix="convlab-import-") as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as z:
                for member in z.infolist():
                    name = Path(member.filename).name
                    if name.endswith(".ipynb") and not member.is_dir() and ".." not in member.filename:
                        (Path(tmp) / name).write_bytes(z.read(member))
            folder = Path(tmp)
        elif source.is_dir():
            folder = source
        else:
            raise ValueError(f"{source} is neither a folder nor a zip file of notebooks")
        for nb in sorted(folder.glob("*.ipynb")):
            student = re.split(r"[_\-.]", nb.name, maxsplit=1)[0]
            if not re.fullmatch(r"[A-Za-z0-9]+", student):
                continue
            found[student] = submit(root, chapter, student, nb)
    return found


# --- grading --------------------------------------------------------------------------------------
@dataclass
class CellResult:
    grade_id: str
    score: float        # for a bonus test: the extra credit it earned
    max_score: float    # 0 for a bonus test
    message: str = ""   # the error a failing test cell showed (hidden tests redacted)
    bonus: float = 0.0  # the extra credit a bonus test offers (0 for the others)


@dataclass
class GradeResult:
    assignment: str
    student: str
    score: float = 0.0      # points earned out of max_score, bonus not included
    max_score: float = 0.0  # full marks (bonus exercises are extra credit, not part of it)
    cells: list = field(default_factory=list)
    seconds: float = 0.0
    bonus: float = 0.0      # extra credit earned (nbgrader's gradebook adds it to the score)
    bonus_max: float = 0.0  # extra credit the chapter's bonus tests offer
    error: str = ""     # set when the submission could not be graded at all
    note: str = ""      # how it was graded, when not the usual way
    # cells of the submission that raised when the grader ran them ("solution cell `f`, line 2
    # (`code`): SyntaxError: ..."): tests that need what they define fail
    cell_errors: list = field(default_factory=list)

    @property
    def full_marks(self) -> bool:
        """Graded, and every point of the notebook earned (bonus points are extra)."""
        return not self.error and self.max_score > 0 and self.score >= self.max_score

    def as_dict(self) -> dict:
        d = self.__dict__.copy()
        d["cells"] = [c.__dict__ for c in self.cells]
        return d


def submit(root: Path, assignment: str, student: str, notebook: Path) -> Path:
    """Put ``notebook`` where nbgrader expects student's submission; return its new path."""
    dest = Path(root) / "autograder" / "submitted" / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{assignment}.ipynb"
    shutil.copyfile(notebook, target)
    (dest / "timestamp.txt").write_text(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    return target


def grade_submission(root: Path, assignment: str, student: str, timeout: float = 1800,
                     recheck: bool = True) -> GradeResult:
    """Autograde one (assignment, student) pair with nbgrader and read the scores back.

    Safe to call for different students at once (one child process each). Never raises for a bad
    submission: the result's ``error`` says what went wrong and its score is 0. With ``recheck``
    (the default), a test cell keeps its points only if it also passes the trusted re-check
    (:mod:`autograder.verify`), which the student's code cannot tamper with.
    """
    start = time.monotonic()
    result = GradeResult(assignment, student)
    try:
        proc = run_nbgrader(["autograde", assignment, "--student", student, "--force"], root,
                            timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        result.error = f"autograding took longer than {timeout:.0f} s and was stopped"
        result.seconds = time.monotonic() - start
        return result
    graded_nb = Path(root) / "autograder" / "autograded" / student / assignment / f"{assignment}.ipynb"
    submitted = Path(root) / "autograder" / "submitted" / student / assignment / f"{assignment}.ipynb"
    if proc.returncode != 0 or not graded_nb.is_file():
        why = _tail(proc.stdout + proc.stderr, 15)
        if recheck and _readable_notebook(submitted):
            # e.g. the student's code killed nbgrader's kernel (os._exit): nbgrader drops the
            # whole submission, but the honest work in it still deserves its points
            result.cell_errors = _grade_by_recheck_only(root, assignment, student, graded_nb)
            result.note = ("nbgrader could not run this notebook to the end (its kernel died or "
                           "timed out); it was graded by the grader's re-check alone")
            _read_scores(root, result, graded_nb)
        else:
            result.error = "nbgrader could not grade this submission:\n" + why
    else:
        if recheck:
            result.cell_errors = _apply_recheck(root, assignment, student, graded_nb)
        else:
            _record_verdicts(root, assignment, student, graded_nb, None)
        _read_scores(root, result, graded_nb)
    result.seconds = time.monotonic() - start
    return result


def grade_many(root: Path, assignment: str, students: list, workers: int = 1, executor=None,
               timeout: float = 1800, on_result=None) -> list:
    """Grade several students' submissions of one assignment, ``workers`` at a time.

    Each (assignment, student) pair is one call of :func:`grade_submission` in a worker process
    (a fresh ``spawn``: no state shared with the caller). ``executor`` may be any
    ``concurrent.futures.Executor`` instead, e.g. a Dask cluster's
    ``distributed.Client(...).get_executor()``: its workers need this package and the course root
    on a shared path, and the gradebook must be one they all reach (PostgreSQL via
    ``CONVLAB_DB_URL``). One failing submission, or even a crashing worker, never stops the
    others: its result carries the ``error``. ``on_result(result)`` is called as each finishes.
    Returns the results in the order of ``students``.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    students = list(dict.fromkeys(students))
    results = {}
    prepare_gradebook(_db_url(root))

    def finish(student, get):
        try:
            r = get()
        except Exception as exc:  # noqa: BLE001 - a worker's crash is one student's error
            r = GradeResult(assignment, student,
                            error=f"the grading worker failed: {type(exc).__name__}: {exc}")
        results[student] = r
        if on_result:
            on_result(r)

    if executor is None and (workers <= 1 or len(students) <= 1):
        for s in students:
            finish(s, lambda s=s: grade_submission(root, assignment, s, timeout))
        return [results[s] for s in students]
    own = executor is None
    if own:
        executor = ProcessPoolExecutor(max_workers=min(workers, len(students)),
                                       mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {executor.submit(grade_submission, Path(root), assignment, s, timeout): s
                   for s in students}
        for fut in as_completed(futures):
            finish(futures[fut], fut.result)
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    return [results[s] for s in students]


def _readable_notebook(path: Path) -> bool:
    try:
        nb = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(nb, dict) and isinstance(nb.get("cells"), list)


def _show_cell_errors(nb: dict, errors: list) -> bool:
    """Show each cell error (autograder.verify.CellError) under its cell of the autograded
    notebook, and so in the feedback, unless the cell already shows an error from nbgrader's run.
    Returns whether the notebook changed."""
    changed = False
    for e in errors:
        cell = None
        if e.grade_id:
            cell = next((c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {})
                         .get("grade_id") == e.grade_id), None)
        elif 0 <= e.index < len(nb["cells"]):
            cell = nb["cells"][e.index]
        if cell is None or cell.get("cell_type") != "code":
            continue
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            continue
        cell.setdefault("outputs", []).append({
            "output_type": "error", "ename": "GraderCellError", "evalue": e.message,
            "traceback": [f"GraderCellError: this cell failed when the grader ran it (outside "
                          f"your notebook's kernel): {e.message}"]})
        changed = True
    return changed


def _grade_by_recheck_only(root: Path, assignment: str, student: str, graded_nb: Path) -> list:
    """Record the trusted re-check's verdicts as the scores, and write an autograded notebook
    (the submission with the trusted test cells and their verdicts) for feedback. Returns the
    cell errors (their messages) of the re-check."""
    from nbgrader.api import Gradebook

    from autograder.verify import verify

    source_path = Path(root) / "solutions" / assignment / f"{assignment}.ipynb"
    submitted = Path(root) / "autograder" / "submitted" / student / assignment / f"{assignment}.ipynb"
    verdicts = verify(source_path, submitted)
    source = json.loads(source_path.read_text())
    trusted = {c["metadata"]["nbgrader"]["grade_id"]: c for c in source["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
    nb = json.loads(submitted.read_text())
    for i, cell in enumerate(nb["cells"]):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in trusted and trusted[gid]["metadata"]["nbgrader"].get("grade"):
            cell = dict(trusted[gid])
            v = verdicts[gid]
            cell["outputs"] = ([{"output_type": "stream", "name": "stdout",
                                 "text": "passed (graded by the grader's re-check)\n"}] if v.passed else
                               [{"output_type": "error", "ename": v.message.split(":")[0],
                                 "evalue": v.message.partition(": ")[2] or v.message,
                                 "traceback": [v.message]}])
            cell["execution_count"] = None
            nb["cells"][i] = cell
    _show_cell_errors(nb, verdicts.cell_errors)
    graded_nb.parent.mkdir(parents=True, exist_ok=True)
    graded_nb.write_text(json.dumps(nb, indent=1))
    bonus = bonus_tests(root, assignment)
    with Gradebook(_db_url(root), COURSE_ID) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        for gid, v in verdicts.items():
            grade = gb.find_grade(gid, assignment, assignment, student)
            grade.auto_score = float(grade.max_score) if v.passed else 0.0
            if gid in bonus:
                grade.extra_credit = bonus[gid] if v.passed else None
        gb.db.commit()
    return [e.message for e in verdicts.cell_errors]


def bonus_tests(root: Path, assignment: str) -> dict:
    """grade_id -> extra credit of each bonus test cell of the chapter (0 points in nbgrader's
    metadata and a ``# bonus: N points`` line; see autograder.verify.BONUS), from solutions/."""
    from autograder.verify import bonus_points

    source = json.loads((Path(root) / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    found = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        src = cell.get("source", "")
        points = bonus_points("".join(src) if isinstance(src, list) else src)
        if meta.get("grade") and points > 0:
            found[meta["grade_id"]] = points
    return found


def _passed_in_kernel(cell: dict) -> bool:
    """nbgrader's own verdict on a test cell it ran (utils.determine_grade: no error, nothing on
    stderr), also for a bonus test, whose 0 points hide it from the gradebook."""
    import copy

    import nbformat
    from nbgrader import utils

    probe = nbformat.from_dict(copy.deepcopy(cell))
    probe.metadata.nbgrader["points"] = 1
    return utils.determine_grade(probe)[0] == 1


def _apply_recheck(root: Path, assignment: str, student: str, graded_nb: Path) -> list:
    """Run the trusted re-check (autograder.verify) and take away the points of every test cell
    that nbgrader passed but the re-check did not, saying why in the autograded notebook (and so
    in the feedback), where the cells that failed when the grader ran them say so too. Returns
    the messages of those cell errors."""
    from autograder.verify import verify

    source = Path(root) / "solutions" / assignment / f"{assignment}.ipynb"
    submitted = Path(root) / "autograder" / "submitted" / student / assignment / f"{assignment}.ipynb"
    verdicts = verify(source, submitted)
    _record_verdicts(root, assignment, student, graded_nb, verdicts)
    return [e.message for e in verdicts.cell_errors]


def _record_verdicts(root: Path, assignment: str, student: str, graded_nb: Path, verdicts) -> None:
    """After nbgrader: a test cell keeps its points only if the re-check (``verdicts``; None: no
    re-check) passed it too, and a bonus test earns its extra credit only if both passed it. What
    the re-check found is written into the autograded notebook (and so the feedback)."""
    from nbgrader.api import Gradebook

    from autograder.verify import Verdict, Verdicts

    verdicts = Verdicts() if verdicts is None else verdicts
    bonus = bonus_tests(root, assignment)
    nb = json.loads(graded_nb.read_text())
    changed = False
    with Gradebook(_db_url(root), COURSE_ID) as gb:
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id")
            if not meta.get("grade"):
                continue
            v = verdicts.get(gid) or Verdict(gid, True)
            grade = gb.find_grade(gid, assignment, assignment, student)
            passed_in_kernel = _passed_in_kernel(cell) if gid in bonus else bool(grade.auto_score)
            if gid in bonus:
                # nbgrader's own place for points beyond the maximum: the gradebook, formgrader
                # and `nbgrader export` add it to the score, and the maximum stays without it
                grade.extra_credit = bonus[gid] if passed_in_kernel and v.passed else None
            if v.passed:
                continue
            if passed_in_kernel:
                grade.auto_score = 0.0
                message = (f"this test passed in the notebook but failed when re-run by the "
                           f"grader outside it: {v.message}")
                cell.setdefault("outputs", []).append({
                    "output_type": "error", "ename": "TrustedRecheckFailed", "evalue": message,
                    "traceback": [f"TrustedRecheckFailed: {message}"]})
                changed = True
            elif v.causes:
                # failed in the notebook too; say what broke the cell it needs (a syntax error
                # shows here as "name ... is not defined" only)
                message = "\n".join(f"when the grader ran the notebook's cells: {c}"
                                     for c in v.causes)
                cell.setdefault("outputs", []).append({
                    "output_type": "error", "ename": "GraderCellError", "evalue": message,
                    "traceback": [f"GraderCellError: {message}"]})
                changed = True
        gb.db.commit()
    if _show_cell_errors(nb, verdicts.cell_errors) or changed:
        graded_nb.write_text(json.dumps(nb, indent=1))


def _read_scores(root: Path, result: GradeResult, graded_nb: Path) -> None:
    from nbgrader.api import Gradebook

    messages = _failure_messages(graded_nb)
    bonus = bonus_tests(root, result.assignment)
    with Gradebook(_db_url(root), COURSE_ID) as gb:
        nb = gb.find_submission_notebook(result.assignment, result.assignment, result.student)
        for grade in nb.grades:
            score = grade.score if grade.score is not None else 0.0
            result.cells.append(CellResult(grade.name, float(score), float(grade.max_score),
                                           messages.get(grade.name, ""), bonus.get(grade.name, 0.0)))
            result.bonus += float(grade.extra_credit or 0.0)
        # nbgrader's score includes extra credit; ours is out of max_score, the bonus beside it
        result.score = float(nb.score) - result.bonus
        result.max_score = float(nb.max_score)
        result.bonus_max = sum(bonus.values())
    order = {gid: i for i, gid in enumerate(_grade_ids(graded_nb))}
    result.cells.sort(key=lambda c: order.get(c.grade_id, 1 << 30))


def _db_url(root: Path) -> str:
    """The gradebook URL nbgrader uses for ``root``, read from the root's nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return cfg.CourseDirectory.db_url


def _grade_ids(nb_path: Path) -> list:
    nb = json.loads(Path(nb_path).read_text())
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def _failure_messages(nb_path: Path) -> dict:
    """grade_id -> the error shown by that test cell ('' when it passed); hidden lines redacted."""
    from autograder.feedback import hidden_lines, _scrub

    nb = json.loads(Path(nb_path).read_text())
    found = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell["cell_type"] != "code":
            continue
        secret = [s for s in hidden_lines("".join(cell["source"])) if len(s) >= 4]
        msgs = []
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                msgs.append(_scrub(f"{out['ename']}: {out['evalue']}", secret))
            elif out["output_type"] == "stream" and out["name"] == "stderr":
                msgs.append("wrote to stderr (a test cell that does scores 0): "
                            + _scrub("".join(out["text"]), secret)[:300])
        found[meta["grade_id"]] = "\n".join(m for m in msgs if m)
    return found


def check_notebook(notebook: Path, student: str = "self", keep: bool = False) -> GradeResult:
    """Grade one notebook exactly as the instructor's autograder would (self-learners)."""
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no such notebook: {notebook}")
    assignment = notebook.stem
    if assignment not in assignments():
        raise ValueError(f"{notebook.name} is not a chapter notebook; chapters are: "
                         f"{', '.join(assignments())} (the file name must stay <chapter>.ipynb)")
    root = scratch_course()
    try:
        generate(root, assignment)
        submit(root, assignment, student, notebook)
        return grade_submission(root, assignment, student)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)

"""nbgrader's gradebook: where it is, keeping it safe for parallel graders, and the grader's own
writes to it (the re-check's verdicts, bonus extra credit).

Any SQLAlchemy URL nbgrader accepts works (``CONVLAB_DB_URL``, e.g. PostgreSQL for a cluster); the
default is SQLite in the course root's data folder (autograder/paths.py).
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

from autograder import cells, nbgrader_run
from autograder.paths import COURSE_ID, CoursePaths, assignments, scratch_course
from convlab.i18n import _


# --- where it is ----------------------------------------------------------------------------------
def default_url(root: Path) -> str:
    """The default gradebook of a course root: SQLite, waiting up to 60 s for a lock (parallel
    graders each write their own student's rows, briefly) instead of failing at once."""
    return "sqlite:///" + str(CoursePaths(root).gradebook) + "?timeout=60"


def url(root: Path) -> str:
    """The gradebook URL nbgrader uses for ``root``, read from the root's nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return cfg.CourseDirectory.db_url


def sqlite_file(db_url: str) -> Path | None:
    """The database file of a SQLite gradebook URL, or None for any other database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(db_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def opened(db_url: str):
    """nbgrader's Gradebook at ``db_url`` (a context manager)."""
    from nbgrader.api import Gradebook

    return Gradebook(db_url, COURSE_ID)


# --- administration -------------------------------------------------------------------------------
def prepare(db_url: str) -> None:
    """Make a SQLite gradebook safe for several graders at once: write-ahead logging (readers
    never block the one writer; a crash mid-write cannot corrupt it). Persistent; safe to repeat.
    Other databases (PostgreSQL) handle concurrency themselves."""
    db = sqlite_file(db_url)
    if db is not None and db.is_file():
        with sqlite3.connect(db, timeout=60) as con:
            con.execute("PRAGMA journal_mode=WAL")


def sync(db_url: str, chapters: list | None = None) -> None:
    """Record each chapter's notebooks and test cells (hidden tests included) in the gradebook at
    ``db_url``, by generating the assignment in a scratch root that uses that gradebook. The
    committed course/ is not touched. Safe to repeat."""
    with tempfile.TemporaryDirectory(prefix="convlab-sync-") as tmp:
        root = scratch_course(Path(tmp), db_url=db_url)
        for chapter in chapters or assignments():
            nbgrader_run.generate(root, chapter)
    prepare(db_url)


def has_chapter(db_url: str, chapter: str) -> bool:
    from nbgrader.api import MissingEntry

    with opened(db_url) as gb:
        try:
            return bool(gb.find_assignment(chapter).notebooks)
        except MissingEntry:
            return False


def backup(root: Path) -> Path | None:
    """Copy a SQLite gradebook to the data folder's backups/ (consistent even while in use).
    Returns the copy, or None when the gradebook is not SQLite (back up PostgreSQL with its own
    tools)."""
    db = sqlite_file(url(root))
    if db is None or not db.is_file():
        return None
    folder = CoursePaths(root).backups
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"gradebook-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.db"
    with sqlite3.connect(db) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


# --- reading the class ----------------------------------------------------------------------------
def class_records(db_url: str) -> dict:
    """{(assignment, student): score} of every submission in the gradebook (any database)."""
    records = {}
    with opened(db_url) as gb:
        for assignment in gb.assignments:
            for sub in gb.submission_dicts(assignment.name):
                records[(assignment.name, sub["student"])] = float(sub["score"] or 0.0)
    return records


def bonus_records(db_url: str) -> dict:
    """{(assignment, student): extra credit} of every submission in the gradebook: the bonus
    points that nbgrader's score includes beyond the maximum."""
    records = {}
    with opened(db_url) as gb:
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


# --- the grader's writes --------------------------------------------------------------------------
def record_verdicts(db_url: str, assignment: str, student: str, graded_nb, verdicts,
                    bonus: dict) -> dict:
    """After nbgrader scored ``graded_nb`` (its autograded notebook): a test cell keeps its points
    only if the re-check (``verdicts``, grade_id -> recheck.Verdict; a missing one passes) passed
    it too, and a bonus test (``bonus``: grade_id -> points) earns its extra credit only if both
    passed it. Returns grade_id -> (error name, message) for the test cells whose feedback must
    say what the re-check found."""
    notes = {}
    with opened(db_url) as gb:
        for cell in cells.test_cells(graded_nb):
            gid = cells.grade_id(cell)
            verdict = verdicts.get(gid)
            grade = gb.find_grade(gid, assignment, assignment, student)
            in_kernel = cells.kernel_passed(cell) if gid in bonus else bool(grade.auto_score)
            if gid in bonus:
                # nbgrader's own place for points beyond the maximum: the gradebook, formgrader
                # and `nbgrader export` add it to the score, and the maximum stays without it
                passed = in_kernel and (verdict is None or verdict.passed)
                grade.extra_credit = bonus[gid] if passed else None
            if verdict is None or verdict.passed:
                continue
            if in_kernel:
                grade.auto_score = 0.0
                notes[gid] = ("TrustedRecheckFailed",
                              _("this test passed in the notebook but failed when re-run by the "
                                "grader outside it: {message}").format(message=verdict.message))
            elif verdict.causes:
                # failed in the notebook too; say what broke the cell it needs (a syntax error
                # shows there as "name ... is not defined" only)
                notes[gid] = ("GraderCellError", "\n".join(
                    _("when the grader ran the notebook's cells: {cause}").format(cause=c)
                    for c in verdict.causes))
        gb.db.commit()
    return notes


def record_recheck_only(db_url: str, assignment: str, student: str, verdicts,
                        bonus: dict) -> None:
    """When nbgrader could not run the notebook (its kernel died): the re-check's verdicts are
    the scores."""
    with opened(db_url) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        for gid, verdict in verdicts.items():
            grade = gb.find_grade(gid, assignment, assignment, student)
            grade.auto_score = float(grade.max_score) if verdict.passed else 0.0
            if gid in bonus:
                grade.extra_credit = bonus[gid] if verdict.passed else None
        gb.db.commit()

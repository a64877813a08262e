"""nbgrader's exchange on a shared machine (a JupyterHub class, ``make hub``): collecting what
students submitted, and releasing their feedback.

nbgrader's own ``collect`` trusts the student id in a submission's folder name
(``<student>+<chapter>+<time>+<random>``): ``nbgrader submit CH --student alice`` run by bob is
collected as alice's (with ``--update`` only a warning, "cheating attempt?"). :func:`collect` checks
the owner of the folder and of every file in it against the account of the student it names,
refuses a submission made by someone else ("submitted by bob as alice") and keeps the genuine
one, then runs the same checks and prints the same table as an LMS collect (autograder/intake.py).
What it takes is readable and writable by the instructor only.

:func:`release_feedback` puts the HTML feedback of ``autograder feedback`` into the exchange,
where each student's Assignment List fetches her own (``nbgrader release_feedback``: a file named
by a hash of the secret her submission carried, in a folder students cannot list).
"""
from __future__ import annotations

import datetime as dt
import os
import pwd
from pathlib import Path

from autograder import intake
from autograder.paths import CoursePaths

SECRET = "submission_secret.txt"       # nbgrader submit writes it; release_feedback needs it
TIMESTAMP = "timestamp.txt"


def settings(root: Path) -> tuple:
    """(exchange root, course id) as nbgrader sees them from the course root: Jupyter's config
    path (a class's shared environment sets the exchange there, hub/nbgrader_config.py), then the
    course's own nbgrader_config.py."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import Config, ConfigFileNotFound, PyFileConfigLoader

    config = Config()
    for folder in reversed(jupyter_config_path()):     # lowest priority first
        try:
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
        except ConfigFileNotFound:
            pass
    config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    exchange = config.Exchange.get("root") or "/srv/nbgrader/exchange"   # nbgrader's default
    course_id = config.CourseDirectory.get("course_id") or ""
    return Path(exchange), course_id


def course_folder(root: Path) -> Path | None:
    """The course's folder in the exchange when this course uses one (it exists and belongs to
    whoever runs this: the instructor released into it); else None."""
    exchange, course_id = settings(root)
    folder = exchange / course_id
    try:
        return folder if course_id and folder.is_dir() and \
            folder.stat().st_uid == os.geteuid() else None
    except OSError:
        return None


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _forged_by(folder: Path, student: str) -> str:
    """'' when the folder and every file in it belong to ``student``'s account; else the name of
    the (first) other owner, or why the check cannot pass."""
    try:
        uid = pwd.getpwnam(student).pw_uid
    except KeyError:
        return f"nobody (no account named {student})"
    for path in [folder, *sorted(folder.rglob("*"))]:
        st = path.lstat()
        if st.st_uid != uid:
            return _owner(st.st_uid)
    return ""


def _parse_name(name: str) -> tuple:
    """(student, chapter, time or None) of an inbound folder name."""
    parts = name.split("+")
    if len(parts) < 3:
        return None, None, None
    try:
        when = intake.parse_time(parts[2])
    except ValueError:
        when = None
    return parts[0], parts[1], when


def collect(root: Path, chapter: str, allow_new_students: bool = False,
            due: dt.datetime | None = None) -> intake.Report:
    """Take the students' submissions of ``chapter`` from the exchange's inbound folder into
    grading/submitted/ (module docstring). One row per submission in the exchange."""
    from autograder import gradebook

    root = Path(root).resolve()
    paths = CoursePaths(root)
    if chapter not in paths.chapters():
        raise ValueError(f"unknown chapter {chapter!r}; chapters: {paths.chapters()}")
    exchange, course_id = settings(root)
    inbound = exchange / course_id / "inbound"
    if not inbound.is_dir():
        raise ValueError(f"{inbound} does not exist: nothing was released to the exchange "
                         f"(nbgrader release_assignment {chapter}), or the exchange is not "
                         f"configured (Exchange.root, CourseDirectory.course_id)")
    db_url = gradebook.url(root)
    students = {s["id"] for s in intake.class_list(db_url)}
    if due is None:
        due = intake.due_date(db_url, chapter)
    report = intake.Report(chapter, class_list=bool(students), root=root)
    chapters = intake._chapter_ids(root)
    candidates = {}
    for folder in sorted(inbound.glob(f"*+{chapter}+*")):
        student, named_chapter, when = _parse_name(folder.name)
        row = intake.Row(folder.name, "skipped", student=student or "")
        report.rows.append(row)
        if named_chapter != chapter or not folder.is_dir():
            row.reason = "not a submission folder of nbgrader's exchange"
            continue
        forger = _forged_by(folder, student)
        if forger:
            row.status, row.reason = "refused", f"submitted by {forger} as {student}"
            continue
        if students and student not in students:
            if not allow_new_students:
                row.status, row.reason = "unknown id", "not in the class list"
                continue
            row.reason = "new student (not in the class list)"
        notebook = folder / f"{chapter}.ipynb"
        if not notebook.is_file():
            row.reason = f"no {chapter}.ipynb in the submission"
            continue
        data = notebook.read_bytes()
        if not intake.screen_notebook(row, data, chapter, chapters):
            continue
        stamp = folder / TIMESTAMP
        if stamp.is_file():
            try:
                when = intake.parse_time(stamp.read_text())
            except ValueError:
                pass
        row.submitted_at, row.time_source = when, "exchange"
        if due and when and when > due:
            row.late_by = (when - due).total_seconds()
        extras = {SECRET: (folder / SECRET).read_bytes()} if (folder / SECRET).is_file() else {}
        candidates.setdefault(student, []).append((when, row, data, extras))
    old_umask = os.umask(0o077)     # what is collected: the instructor's alone
    try:
        intake.keep_latest(root, chapter, candidates)
        for student in candidates:
            folder = paths.submitted(chapter, student).parent
            for path in [folder, *folder.rglob("*")]:
                if path.exists() and not path.is_symlink():
                    path.chmod(0o700 if path.is_dir() else 0o600)
        report.write_log()
    finally:
        os.umask(old_umask)
    return report


def release_feedback(root: Path, chapter: str) -> tuple:
    """Release the chapter's HTML feedback through the exchange (``nbgrader release_feedback``).
    Returns ([students whose feedback is in the exchange], [(student, why not)])."""
    from nbgrader.utils import notebook_hash

    from autograder.nbgrader_run import run_nbgrader

    root = Path(root).resolve()
    paths = CoursePaths(root)
    folder = course_folder(root)
    if folder is None:
        return [], []
    pending, skipped = {}, []
    for student in paths.students(chapter):
        feedback = paths.feedback(chapter, student)
        page = feedback / f"{chapter}.html"
        if not page.is_file():
            continue                       # `feedback` already said why
        if not (feedback / SECRET).is_file():
            skipped.append((student, "not submitted through the exchange (no submission "
                                     "secret): hand the HTML over yourself"))
            continue
        pending[student] = notebook_hash(secret=(feedback / SECRET).read_text(),
                                         notebook_id=chapter)
    if not pending:
        return [], skipped
    proc = run_nbgrader(["release_feedback", chapter], root, check=False)
    released = []
    for student, name in sorted(pending.items()):
        target = folder / "feedback" / f"{name}.html"
        if target.is_file():
            target.chmod(0o644)   # readable by whoever knows the name: the student's secret
            released.append(student)
        else:
            skipped.append((student, "nbgrader release_feedback did not release it: "
                                     + ((proc.stdout + proc.stderr).strip().splitlines()
                                        or ["(no output)"])[-1][:200]))
    return released, skipped

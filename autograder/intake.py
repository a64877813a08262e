"""Submissions in: one notebook put where nbgrader expects it, or a whole LMS export.

(nbgrader's own exchange, ``nbgrader collect``, puts them in the same place.)

An LMS export (:func:`collect`) is a folder or a .zip. Each notebook in it is matched to a student
of the class list (the gradebook's students, imported by ``setup --students students.csv``) by
the first pattern its path fits:

    Canvas   <name>_[LATE_]<lms id>_<submission id>_<original file name>.ipynb
    Moodle   <Full Name>_<lms id>_assignsubmission_file_/<any file name>.ipynb   (a folder each)
    plain    <student id>[_-.<anything>].ipynb

The LMS id is looked up in the class list's ``lms_user_id`` column (nbgrader's own field), then
in its ``id`` column; a plain name's id in ``id``, then ``lms_user_id``. A name without an id
(``Jane Doe_x.ipynb``) is matched to a student's "first_name last_name" if exactly one has it.

Submission times come from the export, never from the moment of collecting: ``submitted_at``
(one time for all), else the submissions CSV (``times``), else the zip entry's time (taken as UTC),
else the file's modification time. They go to ``timestamp.txt``, from which nbgrader computes
lateness against the chapter's due date. Of several files for one student the latest is taken;
the others (and any earlier submission it replaces) are kept in grading/archive/.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.paths import DATA, CoursePaths

STUDENT_ID = re.compile(r"[A-Za-z0-9]+")
CANVAS = re.compile(r"^(?P<name>[^_/]+?)_(?P<late>LATE_)?(?P<lms>\d+)_(?P<submission>\d+)_"
                    r"(?P<file>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<lms>\d+)_assign(?:submission|feedback)_\w*?_?$")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"       # timestamp.txt, as nbgrader writes it
ARCHIVE = f"{DATA}/archive"


def submit(root: Path, assignment: str, student: str, notebook: Path,
           submitted_at: dt.datetime | None = None) -> Path:
    """Put ``notebook`` where nbgrader expects student's submission; return its new path.
    ``submitted_at`` (UTC) goes to timestamp.txt; without it, now (a hand-in at this moment)."""
    target = CoursePaths(root).submitted(assignment, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    _write_time(target.parent, submitted_at)
    return target


def _write_time(folder: Path, when: dt.datetime | None) -> None:
    """The submission's time (UTC; None: now) in ``timestamp.txt``, where nbgrader reads it."""
    when = when or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    (folder / "timestamp.txt").write_text(when.strftime(TIME_FORMAT))


# --- reading an export ----------------------------------------------------------------------------
@dataclass
class Row:
    """One file of the export and what collect did with it."""
    file: str                       # its path inside the export
    status: str                     # taken | archived | skipped | refused | unknown id
    student: str = ""
    reason: str = ""
    submitted_at: dt.datetime | None = None
    time_source: str = ""           # given | csv | zip | file time
    lms_late: bool = False          # the LMS named it LATE (Canvas)
    late_by: float = 0.0            # seconds after the due date (0: on time or no due date)


@dataclass
class Report:
    chapter: str
    rows: list = field(default_factory=list)
    class_list: bool = True         # False: the gradebook had no students; ids were not checked
    root: Path | None = None

    @property
    def taken(self) -> dict:
        """{student: path in the submitted folder} of the files taken."""
        return {r.student: CoursePaths(self.root).submitted(self.chapter, r.student)
                for r in self.rows if r.status == "taken"}

    def by_status(self, status: str) -> list:
        return [r for r in self.rows if r.status == status]

    def table(self) -> str:
        """What collect prints: one line per file of the export, then the counts."""
        width = max([len(r.file) for r in self.rows] + [4])
        lines = [f"{'file':<{width}}  {'status':<10} {'student':<12} {'submitted (UTC)':<19}  "
                 f"why / note"]
        order = {"taken": 0, "archived": 1, "skipped": 2, "refused": 3, "unknown id": 4}
        for r in sorted(self.rows, key=lambda r: (order.get(r.status, 9), r.student, r.file)):
            when = r.submitted_at.strftime("%Y-%m-%d %H:%M:%S") if r.submitted_at else ""
            note = r.reason
            if r.late_by:
                note = (note + "; " if note else "") + f"late by {duration(r.late_by)}"
            if r.time_source:
                note = (note + "; " if note else "") + f"time from {r.time_source}"
            lines.append(f"{r.file:<{width}}  {r.status:<10} {r.student:<12} {when:<19}  {note}")
        counts = ", ".join(f"{len(self.by_status(s))} {s}" for s in order)
        lines.append(f"{self.chapter}: {counts}")
        unknown = sorted({r.student for r in self.by_status("unknown id")})
        if unknown:
            lines.append("unknown ids (not in the class list; refused, add them to students.csv "
                         "and run setup, or collect with --allow-new-students): "
                         + ", ".join(unknown))
        if not self.class_list:
            lines.append("note: the gradebook has no class list (python -m autograder setup "
                         "--students students.csv): student ids were taken as they are")
        return "\n".join(lines)

    def write_log(self) -> Path:
        """collect's run log: one row per file of the export."""
        return write_log(self.root, "collect", self.chapter,
                         ["file", "status", "student", "submitted_at", "time_source",
                          "late_seconds", "lms_late", "reason"],
                         [[r.file, r.status, r.student,
                           r.submitted_at.isoformat(sep=" ") if r.submitted_at else "",
                           r.time_source, f"{r.late_by:g}", int(r.lms_late), r.reason]
                          for r in self.rows])


def write_log(root: Path, command: str, chapter: str, header: list, rows: list) -> Path:
    """A run's log, grading/logs/<command>-<chapter>-<time>-<pid>.csv (collect's, autograde's):
    ``header``, then ``rows``. Returns its path."""
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    log = CoursePaths(root).logs / f"{command}-{chapter}-{stamp}.csv"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return log


def duration(seconds: float) -> str:
    """'2 d 3 h', '5 h 10 min', '12 min', '40 s'."""
    s = int(round(seconds))
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m} min"
    return f"{m} min" if m else f"{s} s"


def parse_time(text: str) -> dt.datetime:
    """A time as UTC without time zone (nbgrader's convention); a time without zone is UTC."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text.strip())
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a time: {text!r} (expected e.g. 2026-12-01 17:00 UTC)") from exc


def read_times(path: Path, column: str = "submitted_at") -> dict:
    """A submissions CSV: {key: time}, keyed by each of its ``file``, ``id`` and ``lms_user_id``
    columns that it has (a file name, a student id, an LMS id)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        keys = [k for k in ("file", "id", "lms_user_id", "student_id") if k in (reader.fieldnames
                                                                                 or [])]
        if column not in (reader.fieldnames or []) or not keys:
            raise ValueError(f"{path}: a submissions CSV needs a {column!r} column and one of "
                             f"file, id, lms_user_id; it has {reader.fieldnames}")
        times = {}
        for row in reader:
            if not (row.get(column) or "").strip():
                continue
            when = parse_time(row[column])
            for k in keys:
                if row.get(k):
                    times[row[k].strip()] = when
    return times


def class_list(db_url: str) -> list:
    """The gradebook's students as dicts (id, first_name, last_name, email, lms_user_id)."""
    from autograder.gradebook import opened

    with opened(db_url) as gb:
        return [s.to_dict() for s in gb.students]


def _norm_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class Roster:
    """Finds a student of the class list from what a file name says."""

    def __init__(self, students: list):
        self.students = students
        self.by_id = {s["id"]: s["id"] for s in students}
        self.by_lms = {str(s["lms_user_id"]): s["id"] for s in students if s.get("lms_user_id")}
        names = {}
        for s in students:
            for key in {_norm_name(f"{s.get('first_name') or ''}{s.get('last_name') or ''}"),
                        _norm_name(f"{s.get('last_name') or ''}{s.get('first_name') or ''}")}:
                if key:
                    names.setdefault(key, set()).add(s["id"])
        self.by_name = {k: v.pop() for k, v in names.items() if len(v) == 1}

    def find(self, key: str, lms: bool) -> str | None:
        first, second = (self.by_lms, self.by_id) if lms else (self.by_id, self.by_lms)
        return first.get(key) or second.get(key)

    def find_name(self, name: str) -> str | None:
        return self.by_name.get(_norm_name(name))


def identify(relpath: str, roster: Roster | None) -> tuple:
    """(student id or None, the id the file names (for "unknown id"), LMS said LATE, why not)."""
    path = Path(relpath)
    m = CANVAS.match(path.name)
    if m:
        key = m["lms"]
        found = roster.find(key, lms=True) if roster else key
        return found, key, bool(m["late"]), ""
    if len(path.parts) >= 2:
        m = MOODLE_FOLDER.match(path.parts[-2])
        if m:
            key = m["lms"]
            found = roster.find(key, lms=True) if roster else key
            if not found and roster:
                found = roster.find_name(m["name"])
            return found, key, False, ""
    stem = path.name[:-len(".ipynb")]
    key = re.split(r"[_\-.]", stem, maxsplit=1)[0]
    if STUDENT_ID.fullmatch(key):
        found = roster.find(key, lms=False) if roster else key
        if not found and roster:
            found = roster.find_name(key)
        return found, key, False, ""
    # no id: "Jane Doe_x.ipynb" or "Jane Doe.ipynb" may name one student of the class list
    name = stem.split("_")[0]
    found = roster.find_name(name) if roster else None
    if found:
        return found, name, False, ""
    return None, "", False, (f"no student id in the file name (expected <student id>[_...].ipynb "
                             f"or an LMS pattern; {name!r} is not the name of a student in the "
                             f"class list)")


def screen_notebook(row, data: bytes, chapter: str, chapters) -> bool:
    """check_notebook for a collect: refuse ``row`` (False) or take it, noting in its reason when
    the notebook will be ungradable (True)."""
    verdict, why = check_notebook(data, chapter, chapters)
    if verdict == "refuse":
        row.status, row.reason = "refused", why
        return False
    if verdict == "ungradable":
        row.reason = (row.reason + "; " if row.reason else "") + \
            f"not a readable notebook, will be ungradable: {why}"
    return True


def check_notebook(data: bytes, chapter: str, chapters: dict) -> tuple:
    """("", "") for a notebook of ``chapter``; ("refuse", why) for another chapter's notebook or
    none; ("ungradable", cause) for a file that is not a readable notebook (it is taken: the
    student did submit, and the export shows it as ungradable, not as missing)."""
    import nbformat

    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reason it cannot be read is the cause we show
        first = (str(exc).strip().splitlines() or [""])[0][:120]
        return "ungradable", f"{type(exc).__name__}: {first}"
    from autograder import cells

    ids = {cells.grade_id(c) for c in nb.get("cells", [])} - {None}
    if not ids:
        return "refuse", "a notebook without nbgrader cells (not a course notebook)"
    overlap = {ch: len(ids & known) for ch, known in chapters.items()}
    best = max(overlap, key=overlap.get)
    if overlap.get(chapter, 0) == 0 or overlap[best] > overlap[chapter]:
        return "refuse", (f"a notebook of {best}, not of {chapter}" if overlap[best]
                          else f"not a notebook of {chapter} (none of its cells)")
    return "", ""


def _chapter_ids(root: Path) -> dict:
    from autograder import cells

    paths = CoursePaths(root)
    return {ch: {cells.grade_id(c) for c in cells.read_notebook(paths.source(ch))["cells"]} - {None}
            for ch in paths.chapters()}


def _files(source: Path) -> list:
    """[(path inside the export, bytes, time or None, time source)] of every file."""
    found = []
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as z:
            for member in z.infolist():
                name = member.filename
                if member.is_dir() or ".." in Path(name).parts or name.startswith("/"):
                    continue
                found.append((name, z.read(member), dt.datetime(*member.date_time), "zip"))
    elif source.is_dir():
        for p in sorted(source.rglob("*")):
            if p.is_file():
                mtime = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.timezone.utc)
                found.append((str(p.relative_to(source)), p.read_bytes(),
                              mtime.replace(tzinfo=None), "file time"))
    else:
        raise ValueError(f"{source} is neither a folder nor a zip file of notebooks")
    return found


def _existing_time(folder: Path) -> dt.datetime | None:
    stamp = folder / "timestamp.txt"
    try:
        return parse_time(stamp.read_text())
    except (OSError, ValueError):
        return None


def collect(root: Path, chapter: str, source: Path, submitted_at: dt.datetime | None = None,
            times: dict | None = None, allow_new_students: bool = False,
            due: dt.datetime | None = None) -> Report:
    """Take in an LMS export (module docstring): check each notebook, match it to the class list,
    keep the latest per student (the others archived). ``times``: {file name or id: time} from a
    submissions CSV. ``due``: the due date, to show lateness (default: the gradebook's)."""
    from autograder import gradebook

    root = Path(root).resolve()
    paths = CoursePaths(root)
    if chapter not in paths.chapters():
        raise ValueError(f"unknown chapter {chapter!r}; chapters: {paths.chapters()}")
    db_url = gradebook.url(root)
    students = class_list(db_url)
    roster = Roster(students) if students else None
    if due is None:
        due = due_date(db_url, chapter)
    report = Report(chapter, class_list=bool(students), root=root)
    chapters = _chapter_ids(root)
    candidates = {}                       # student -> [(time, row, data)]
    for relpath, data, file_time, time_source in _files(Path(source)):
        name = Path(relpath).name
        row = Row(relpath, "skipped")
        report.rows.append(row)
        if (name.startswith(".") or "__MACOSX" in Path(relpath).parts
                or ".ipynb_checkpoints" in Path(relpath).parts):
            row.reason = "system file"
            continue
        if not name.endswith(".ipynb"):
            row.reason = "not a notebook file (.ipynb)"
            continue
        student, key, row.lms_late, why = identify(relpath, roster)
        if why:
            row.reason = why
            continue
        if student is None:
            if allow_new_students:
                student = key
                row.reason = "new student (not in the class list)"
            else:
                row.status, row.student = "unknown id", key
                row.reason = "not in the class list"
                continue
        row.student = student
        if not screen_notebook(row, data, chapter, chapters):
            continue
        when, row.time_source = file_time, time_source
        lms_id = next((str(s.get("lms_user_id")) for s in students if s["id"] == student
                       and s.get("lms_user_id")), None)
        for k in (relpath, name, student, lms_id, key):
            if times and k and k in times:
                when, row.time_source = times[k], "csv"
                break
        if submitted_at is not None:
            when, row.time_source = submitted_at, "given"
        row.submitted_at = when
        if due and when and when > due:
            row.late_by = (when - due).total_seconds()
        candidates.setdefault(student, []).append((when, row, data, {}))

    keep_latest(root, chapter, candidates)
    report.write_log()
    return report


def keep_latest(root: Path, chapter: str, candidates: dict) -> None:
    """Of each student's files take the latest (unless what was collected before is newer) into
    the submitted folder, archive the others, and set each row's status. ``candidates``:
    {student: [(time, Row, notebook bytes, {other file name: bytes})]} (the LMS collect has no
    other files; nbgrader's exchange has the submission's secret)."""
    paths = CoursePaths(root)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    archive = root / ARCHIVE / chapter
    for student, files in candidates.items():
        files.sort(key=lambda f: (f[0] or dt.datetime.min, f[1].file))
        *older, (when, row, data, extras) = files
        target = paths.submitted(chapter, student)
        before = _existing_time(target.parent) if target.is_file() else None
        if before is not None and when is not None and before > when:
            older.append((when, row, data, extras))   # what was collected earlier is newer
            row = None
        elif target.is_file():
            keep = archive / student / f"{stamp}_previous_{chapter}.ipynb"
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, keep)
        if row is not None:
            row.status = "taken"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            _write_time(target.parent, when)
            for name, content in extras.items():
                (target.parent / name).write_bytes(content)
            if older:
                row.reason = (row.reason + "; " if row.reason else "") + \
                    f"latest of {len(older) + 1} files"
        for t, r, d, _ in older:
            r.status = "archived"
            r.reason = (r.reason + "; " if r.reason else "") + "an earlier file " + (
                "(a later one was taken)" if row is not None
                else "than the one collected before, which stays")
            keep = archive / student / f"{stamp}_{Path(r.file).name}"
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_bytes(d)


def due_date(db_url: str, chapter: str) -> dt.datetime | None:
    """The chapter's due date in the gradebook (UTC), or None."""
    from nbgrader.api import MissingEntry

    from autograder.gradebook import opened

    with opened(db_url) as gb:
        try:
            return gb.find_assignment(chapter).duedate
        except MissingEntry:
            return None


def import_submissions(root: Path, chapter: str, source: Path, **options) -> dict:
    """:func:`collect`, returning only {student_id: path in the submitted folder} of what it took
    (ids not in a class list are taken when the gradebook has no class list at all)."""
    return collect(root, chapter, source, **options).taken

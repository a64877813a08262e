"""A graded submission as the grader reports it: scores read back from the gradebook, with each
failing test's message from the autograded notebook (hidden lines redacted)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder import cells, gradebook
from autograder.paths import CoursePaths
from convlab.i18n import _


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
    # filled by `autograde` after grading (autograder/late.py, the gradebook)
    late_seconds: float = 0.0   # after the due date (nbgrader's total_seconds_late)
    penalty: float = 0.0        # late penalty taken from the score (nbgrader's export subtracts it)
    manual: str = ""            # "manual override: ..." when a formgrader score replaces ours

    @property
    def full_marks(self) -> bool:
        """Graded, and every point of the notebook earned (bonus points are extra)."""
        return not self.error and self.max_score > 0 and self.score >= self.max_score

    def as_dict(self) -> dict:
        d = self.__dict__.copy()
        d["cells"] = [c.__dict__ for c in self.cells]
        return d


def bonus_tests(root: Path, assignment: str) -> dict:
    """grade_id -> extra credit of each bonus test cell of the chapter (0 points in nbgrader's
    metadata and a ``# bonus: N points`` line), from its source notebook."""
    return cells.bonus_tests(cells.read_notebook(CoursePaths(root).source(assignment)))


def failure_messages(nb) -> dict:
    """grade_id -> the error shown by that test cell ('' when it passed); hidden lines redacted."""
    found = {}
    for cell in cells.test_cells(nb):
        secret = cells.secret_lines(cell.source)
        messages = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                messages.append(cells.redact(f"{out.get('ename')}: {out.get('evalue')}", secret))
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                messages.append(_("wrote to stderr (a test cell that does scores 0): ")
                                + cells.redact("".join(out.get("text", "")), secret)[:300])
        found[cells.grade_id(cell)] = "\n".join(m for m in messages if m)
    return found


def read_scores(db_url: str, result: GradeResult, graded_nb: Path, bonus: dict) -> None:
    """Fill ``result`` from the gradebook (scores, maximum, extra credit) and the autograded
    notebook (messages, the order of the tests)."""
    nb = cells.read_notebook(graded_nb)
    messages = failure_messages(nb)
    with gradebook.opened(db_url) as gb:
        scored = gb.find_submission_notebook(result.assignment, result.assignment, result.student)
        for grade in scored.grades:
            score = grade.score if grade.score is not None else 0.0
            result.cells.append(CellResult(grade.name, float(score), float(grade.max_score),
                                           messages.get(grade.name, ""),
                                           bonus.get(grade.name, 0.0)))
            result.bonus += float(grade.extra_credit or 0.0)
        # nbgrader's score includes extra credit; ours is out of max_score, the bonus beside it
        result.score = float(scored.score) - result.bonus
        result.max_score = float(scored.max_score)
        result.bonus_max = sum(bonus.values())
    order = {cells.grade_id(c): i for i, c in enumerate(cells.test_cells(nb))}
    result.cells.sort(key=lambda c: order.get(c.grade_id, 1 << 30))


# --- what a run found, for the summary, the run log and the export (autograde, export) ------------
CAUSE = re.compile(r"^\s*((?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Timeout)"
                   r"\w*)(?::\s*(.*))?$")


def cause(error: str) -> str:
    """The cause of an ungradable submission in one line: the last exception line of the real
    error (e.g. ``NotJSONError: Notebook does not appear to be JSON: '{ not a ...``), else the
    error's last line."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        m = CAUSE.match(line)
        if m and not line.startswith(("[", "Traceback")):
            return line[:160]
    return (lines[-1] if lines else "")[:160]


def status(r: GradeResult) -> str:
    """graded | late | ungradable | timed out."""
    if r.error:
        return "timed out" if "took longer than" in r.error else "ungradable"
    return "late" if r.late_seconds > 0 else "graded"


def chapter_max(db_url: str, chapter: str) -> float:
    """The chapter's full marks in the gradebook (bonus tests have 0 points there)."""
    with gradebook.opened(db_url) as gb:
        return float(gb.find_assignment(chapter).max_score)


def manual_overrides(db_url: str, chapter: str, student: str) -> str:
    """"manual override: test_x 2 (auto 0), ..." for each grade whose formgrader score replaces
    the automatic one, else ""."""
    from nbgrader.api import MissingEntry

    with gradebook.opened(db_url) as gb:
        try:
            sub = gb.find_submission(chapter, student)
        except MissingEntry:
            return ""
        found = [f"{g.name} {g.manual_score:g} (auto {g.auto_score or 0:g})"
                 for nb in sub.notebooks for g in nb.grades if g.manual_score is not None]
    return ("manual override: " + ", ".join(found)) if found else ""


def run_statuses(root: Path, chapter: str) -> dict:
    """{student: row of the latest autograde run log that graded them} (grading/logs/)."""
    import csv

    latest = {}
    logs = sorted(CoursePaths(root).logs.glob(f"autograde-{chapter}-*.csv"),
                  key=lambda p: (p.stat().st_mtime, p.name))
    for log in logs:
        with open(log, newline="") as f:
            for row in csv.DictReader(f):
                latest[row["student"]] = row
    return latest


def refresh_feedback(root: Path, chapter: str) -> tuple:
    """Make the HTML feedback that is missing or stale (older than its autograded notebook) with
    ``nbgrader generate_feedback``. Returns ([students whose feedback was made], [(student, why
    it was skipped)])."""
    import shutil

    from autograder.nbgrader_run import run_nbgrader

    paths = CoursePaths(root)
    statuses = run_statuses(root, chapter)
    todo, skipped = [], []
    for student in paths.students(chapter):
        graded = paths.autograded(chapter, student)
        status = statuses.get(student, {})
        if status.get("status") in ("ungradable", "timed out"):
            skipped.append((student, f"{status['status']} in the last autograde run: "
                                     f"{status.get('cause') or '(no cause recorded)'}"))
            continue
        if not graded.is_file():
            skipped.append((student, "not autograded yet (run autograde)"))
            continue
        page = paths.feedback(chapter, student) / f"{chapter}.html"
        if page.is_file() and page.stat().st_mtime >= graded.stat().st_mtime:
            continue                                   # up to date
        if paths.feedback(chapter, student).exists():  # stale: nbgrader remakes what is missing
            shutil.rmtree(paths.feedback(chapter, student))
        todo.append(student)
    if not todo:
        return [], skipped
    proc = run_nbgrader(["generate_feedback", chapter], root, check=False)
    made = []
    for student in todo:
        if (paths.feedback(chapter, student) / f"{chapter}.html").is_file():
            made.append(student)
        else:
            skipped.append((student, "nbgrader generate_feedback failed: "
                                     + cause(proc.stdout + proc.stderr)))
    return made, skipped


def class_grades(root: Path, chapters: list) -> list:
    """One dict per student (the class list, and anyone with a submission): id, lms_user_id,
    names, email, and per chapter {score, max_score, bonus, penalty, status, late_by, note}.
    status: graded | late | ungradable | timed out | not graded | not submitted; score is ""
    (blank, not 0) unless graded."""
    from nbgrader.api import MissingEntry

    from autograder.intake import duration

    paths = CoursePaths(root)
    rows = {}
    with gradebook.opened(gradebook.url(root)) as gb:
        for s in gb.students:
            rows[s.id] = {"student_id": s.id, "lms_user_id": s.lms_user_id or "",
                          "last_name": s.last_name or "", "first_name": s.first_name or "",
                          "email": s.email or ""}
        for chapter in chapters:
            for student in paths.students(chapter):
                rows.setdefault(student, {"student_id": student, "lms_user_id": "",
                                          "last_name": "", "first_name": "", "email": ""})
            try:
                assignment = gb.find_assignment(chapter)
                full = float(assignment.max_score)
                records = {sub.student.id: sub for sub in assignment.submissions}
            except MissingEntry:
                full, records = None, {}
            for student in records:
                rows.setdefault(student, {"student_id": student, "lms_user_id": "",
                                          "last_name": "", "first_name": "", "email": ""})
            statuses = run_statuses(root, chapter)
            for student, row in rows.items():
                cell = {"score": "", "max_score": "" if full is None else f"{full:g}",
                        "bonus": "", "penalty": "", "status": "not submitted", "late_by": "",
                        "note": ""}
                run = statuses.get(student, {})
                record = records.get(student)
                if run.get("status") in ("ungradable", "timed out"):
                    cell["status"], cell["note"] = run["status"], run.get("cause", "")
                elif record is not None:
                    extra = sum(float(g.extra_credit or 0) for nb in record.notebooks
                                for g in nb.grades)
                    penalty = float(record.late_submission_penalty or 0)
                    late = float(record.total_seconds_late or 0)
                    # nbgrader's score: the grades (a manual score replaces the automatic one)
                    # with the extra credit, minus the late penalty (as nbgrader's export)
                    cell["score"] = f"{float(record.score) - penalty:g}"
                    cell["bonus"] = f"{extra:g}"
                    cell["penalty"] = f"{penalty:g}"
                    cell["status"] = "late" if late > 0 else "graded"
                    cell["late_by"] = duration(late) if late > 0 else ""
                    manual = [g.name for nb in record.notebooks for g in nb.grades
                              if g.manual_score is not None]
                    if manual:
                        cell["note"] = "manual override: " + ", ".join(manual)
                elif paths.submitted(chapter, student).is_file():
                    cell["status"] = "not graded"
                row[chapter] = cell
    return [rows[k] for k in sorted(rows)]


PER_CHAPTER = ("score", "max_score", "bonus", "penalty", "status", "late_by", "note")


def write_export(target: Path, rows: list, chapters: list, canvas: bool = False) -> None:
    """The gradebook CSV (one row per student; a chapter's columns unprefixed when there is one,
    "<chapter> score" ... otherwise) or Canvas's gradebook import format (Student, ID, SIS User
    ID, SIS Login ID, Section, one column of points per chapter after a Points Possible row)."""
    import csv

    with open(target, "w", newline="") as f:
        w = csv.writer(f)
        if canvas:
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *chapters])
            w.writerow(["    Points Possible", "", "", "", "",
                        *(rows[0][ch]["max_score"] if rows else "" for ch in chapters)])
            for r in rows:
                name = ", ".join(x for x in (r["last_name"], r["first_name"]) if x) or \
                    r["student_id"]
                w.writerow([name, r["lms_user_id"], r["student_id"], r["email"], "",
                            *(r[ch]["score"] for ch in chapters)])
            return
        one = len(chapters) == 1
        head = ["student_id", "lms_user_id", "last_name", "first_name", "email"]
        cols = [(ch, c) for ch in chapters for c in PER_CHAPTER]
        w.writerow(head + [c if one else f"{ch} {c}" for ch, c in cols])
        for r in rows:
            w.writerow([r[k] for k in head] + [r[ch][c] for ch, c in cols])

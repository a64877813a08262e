"""What each student got wrong, as data: the grader's record of diagnosed mistakes.

The hidden tests name a catalogued mistake (convlab/chNN_*/mistakes.py) in their failure message
and end it with a plain-text line ``[mistake: <id> ...]`` (convlab.testing.MISTAKE_LINE), which
survives nbgrader's outputs and the feedback's traceback redaction. :func:`record_mistakes`, the
last stage of autograder/pipeline.py, reads the graded cells (what the autograded notebook shows,
re-check messages included, hidden lines redacted) and, for each (student, test cell), records in
the gradebook's database, in tables of its own:

* ``convlab_outcomes``: every test cell's outcome (passed, points), and for a failure that no
  catalogue explains its message;
* ``convlab_diagnoses``: each diagnosed mistake (catalogue id, exercise, chapter, the section to
  review, the explanation the student read);
* ``convlab_gradings``: each submission's score and grading time.

A re-grading replaces the student's rows of that chapter in one transaction, and each worker writes
only its own student's rows, so parallel and distributed grading (SQLite or PostgreSQL) work as
for nbgrader's own tables. The tables are created on demand. The same stage replaces each
``[mistake: ...]`` line in the feedback by a "What to review" line naming the chapter's section.
"""
from __future__ import annotations

import functools
import importlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import cells
from convlab.i18n import DEFAULT, N_, _, gettext, language

# the grader's copy of convlab.testing.MISTAKE_LINE (importing convlab.testing here would import
# NumPy and the course's helpers into every grading command; convlab.i18n is the standard library)
MISTAKE_LINE = re.compile(r"^\[mistake: ([\w.]+(?: [\w.]+)*)\]$", re.M)
# convlab.testing.LIKELY_CAUSE's label in each edition: "Likely cause: " and its translation
# (tests/test_i18n_shared.py checks that the Chinese catalogue's label is this one)
LIKELY_CAUSE_LABELS = ("Likely cause: ", "可能的原因：")
LIKELY_CAUSE = re.compile("(?:" + "|".join(map(re.escape, LIKELY_CAUSE_LABELS))
                          + r")(.*?)\n\[mistake: ", re.S)
HEADING = re.compile(r"^##\s+(.+?)\s*$", re.M)
REVIEW_PREFIX = "What to review: "
# the review line a student reads (the English one starts with REVIEW_PREFIX)
REVIEW_SECTION = N_("What to review: chapter {chapter}, section {section}")
REVIEW_CHAPTER = N_("What to review: chapter {chapter}")


# --- the tables -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def tables():
    """(metadata, gradings, outcomes, diagnoses): SQLAlchemy Core tables, apart from nbgrader's."""
    from sqlalchemy import (Boolean, Column, DateTime, Float, Integer, MetaData, String, Table,
                            Text)

    md = MetaData()
    gradings = Table(
        "convlab_gradings", md,
        Column("assignment", String(128), primary_key=True),
        Column("student", String(128), primary_key=True),
        Column("score", Float, nullable=False),
        Column("max_score", Float, nullable=False),
        Column("seconds", Float, nullable=False),
        Column("error", Text, nullable=False, default=""),
        Column("graded_at", DateTime, nullable=False))
    outcomes = Table(
        "convlab_outcomes", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("assignment", String(128), nullable=False, index=True),
        Column("student", String(128), nullable=False),
        Column("grade_id", String(128), nullable=False),
        Column("exercise", String(128), nullable=False),
        Column("passed", Boolean, nullable=False),
        Column("score", Float, nullable=False),
        Column("max_score", Float, nullable=False),
        Column("explained", Boolean, nullable=False),
        Column("message", Text, nullable=False, default=""))   # unexplained failures only
    diagnoses = Table(
        "convlab_diagnoses", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("assignment", String(128), nullable=False, index=True),
        Column("student", String(128), nullable=False),
        Column("grade_id", String(128), nullable=False),
        Column("exercise", String(128), nullable=False),
        Column("chapter", String(128), nullable=False),
        Column("mistake_id", String(200), nullable=False),
        Column("section", String(300), nullable=False),
        Column("explanation", Text, nullable=False))
    return md, gradings, outcomes, diagnoses


def engine(db_url: str):
    from sqlalchemy import create_engine

    return create_engine(db_url)


def create_tables(eng) -> None:
    """Create the tables if missing. Two graders may race to create them: the loser's error is
    harmless, so check again instead of failing."""
    from sqlalchemy import exc, inspect

    md = tables()[0]
    for attempt in range(5):
        try:
            md.create_all(eng, checkfirst=True)
            return
        except (exc.OperationalError, exc.ProgrammingError, exc.IntegrityError):
            if all(inspect(eng).has_table(t.name) for t in md.sorted_tables):
                return
            time.sleep(0.2 * (attempt + 1))
    md.create_all(eng, checkfirst=True)


# --- the catalogue's sections -------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _sections(source_path: str, lang: str = DEFAULT) -> tuple:
    """({exercise: the "## N. Title" heading above its solution cell}, every such heading) of a
    source notebook, in ``lang`` (the chapter's catalogue translates each markdown cell)."""
    nb = cells.read_notebook(Path(source_path))
    exercises = cells.solution_names(nb)
    found, headings = {}, []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings += HEADING.findall(cell.source if lang == DEFAULT else gettext(cell.source))
        gid = cells.grade_id(cell)
        if gid and gid in exercises:
            found.setdefault(gid, headings[-1] if headings else "")
    return found, headings


def _review_overrides(assignment: str) -> dict:
    """A catalogue's own ``REVIEW`` = {mistake id: section number} for mistakes explained in
    another section than their exercise's (e.g. flipping the kernel: "Cross-correlation, not
    convolution")."""
    try:
        module = importlib.import_module(f"convlab.ch{assignment}.mistakes")
    except ImportError:
        return {}
    return dict(getattr(module, "REVIEW", {}))


def section_of(source_path: Path, assignment: str, mistake_id: str, lang: str = DEFAULT) -> str:
    """The chapter section to review for a mistake: "4. Cross-correlation, not convolution" (in
    ``lang``: the gradebook records the English one, whatever the edition)."""
    sections, headings = _sections(str(source_path), lang)
    number = _review_overrides(assignment).get(mistake_id)
    if number is not None:
        titles = {t.split(".", 1)[0]: t for t in headings}
        if str(number) in titles:
            return titles[str(number)]
    return sections.get(mistake_id.split(".", 1)[0], "")


def chapter_number(assignment: str) -> str:
    return str(int(assignment[:2])) if assignment[:2].isdigit() else assignment


def review_line(assignment: str, section: str) -> str:
    """"What to review: chapter 1, section 4. ...", in the current language."""
    if section:
        return _(REVIEW_SECTION).format(chapter=chapter_number(assignment), section=section)
    return _(REVIEW_CHAPTER).format(chapter=chapter_number(assignment))


# --- reading a graded cell ------------------------------------------------------------------------
@dataclass
class Diagnosis:
    mistake_id: str
    explanation: str


def diagnoses(message: str) -> list:
    """The catalogued mistakes a failure message names (its ``[mistake: ...]`` lines)."""
    found = []
    explanations = LIKELY_CAUSE.findall(message + "\n")
    for i, match in enumerate(MISTAKE_LINE.finditer(message)):
        text = explanations[i].strip() if i < len(explanations) else ""
        for mistake_id in match.group(1).split():
            if mistake_id not in [d.mistake_id for d in found]:
                found.append(Diagnosis(mistake_id, text))
    return found


def exercise_of(grade_id: str, exercises: list) -> str:
    """The exercise a test cell checks: the longest solution name in its grade id
    ("test_conv2d_single_vs_tf" -> "conv2d_single")."""
    inside = [e for e in exercises if e in grade_id]
    return max(inside, key=len) if inside else grade_id


def with_review_lines(text: str, assignment: str, source_path: Path) -> str:
    """``text`` with each ``[mistake: ...]`` line replaced by a "What to review" line (one per
    section), in the current language (convlab.i18n.language: the submission's)."""
    lang = language()

    def replace(match):
        sections = dict.fromkeys(section_of(source_path, assignment, m, lang)
                                 for m in match.group(1).split())
        return "\n".join(review_line(assignment, s) for s in sections)
    return MISTAKE_LINE.sub(replace, text)


def _rewrite_notebook(path: Path, assignment: str, source_path: Path) -> None:
    """The autograded notebook (and so the feedback) with review lines for mistake lines."""
    try:
        nb = cells.read_notebook(path)
    except (OSError, ValueError):
        return
    changed = False
    for cell in cells.test_cells(nb):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            evalue = with_review_lines(str(out.get("evalue", "")), assignment, source_path)
            changed |= evalue != out.get("evalue")
            out["evalue"] = evalue
            # colour codes around a traceback's last line would hide the mistake line
            tb = [with_review_lines(cells.ANSI.sub("", str(line)) if "[mistake: " in str(line)
                                    else str(line), assignment, source_path)
                  for line in out.get("traceback", [])]
            changed |= tb != list(out.get("traceback", []))
            out["traceback"] = tb
    if changed:
        cells.write_notebook(nb, path)


# --- the stage ------------------------------------------------------------------------------------
def record(db_url: str, assignment: str, student: str, source_path: Path, result,
           seconds: float) -> None:
    """Record a GradeResult's outcomes and diagnoses (see the module's docstring); replaces what
    an earlier grading of the same (assignment, student) recorded."""
    from datetime import datetime, timezone

    md, gradings, outcomes, diagnosed = tables()
    source_nb = cells.read_notebook(source_path)
    exercises = cells.solution_names(source_nb)
    secrets = {cells.grade_id(c): cells.secret_lines(c.source) for c in cells.test_cells(source_nb)}
    outcome_rows, diagnosis_rows = [], []
    for c in result.cells:
        exercise = exercise_of(c.grade_id, exercises)
        passed = (c.score >= c.bonus) if c.bonus else (c.score >= c.max_score)
        found = [] if passed else diagnoses(c.message)
        message = "" if passed or found else cells.redact(c.message, secrets.get(c.grade_id, []))
        outcome_rows.append(dict(assignment=assignment, student=student, grade_id=c.grade_id,
                                 exercise=exercise, passed=bool(passed), score=float(c.score),
                                 max_score=float(c.max_score or c.bonus),
                                 explained=bool(found), message=message[:4000]))
        for d in found:
            diagnosis_rows.append(dict(
                assignment=assignment, student=student, grade_id=c.grade_id, exercise=exercise,
                chapter=assignment, mistake_id=d.mistake_id,
                section=section_of(source_path, assignment, d.mistake_id),
                explanation=d.explanation[:4000]))
    grading = dict(assignment=assignment, student=student, score=float(result.score),
                   max_score=float(result.max_score), seconds=float(seconds),
                   error=(result.error or "")[:4000],
                   graded_at=datetime.now(timezone.utc).replace(tzinfo=None))
    write(db_url, assignment, [student], [grading], outcome_rows, diagnosis_rows)


def write(db_url: str, assignment: str, students: list, grading_rows: list, outcome_rows: list,
          diagnosis_rows: list) -> None:
    """Replace the rows of ``students`` for ``assignment`` in one transaction."""
    md, gradings, outcomes, diagnosed = tables()
    eng = engine(db_url)
    try:
        create_tables(eng)
        with eng.begin() as con:
            for table in (gradings, outcomes, diagnosed):
                for chunk in range(0, len(students), 500):
                    con.execute(table.delete().where(
                        table.c.assignment == assignment,
                        table.c.student.in_(students[chunk:chunk + 500])))
            for table, rows in ((gradings, grading_rows), (outcomes, outcome_rows),
                                (diagnosed, diagnosis_rows)):
                if rows:
                    con.execute(table.insert(), rows)
    finally:
        eng.dispose()


def record_mistakes(sub) -> None:
    """Pipeline stage (autograder/pipeline.py, after the re-check and the scores): the mistakes
    diagnosed in each test cell, the failures no catalogue explains and the grading time, into
    the gradebook's database; then the feedback's mistake lines become "What to review" lines."""
    started = getattr(sub, "started", None)
    seconds = time.monotonic() - started if started is not None else 0.0
    try:
        record(sub.db_url, sub.assignment, sub.student, sub.source, sub.result, seconds)
    except Exception as exc:  # noqa: BLE001 - the report's data must never cost a grade
        sub.result.note = "; ".join(filter(None, [
            sub.result.note, f"the mistakes of this submission were not recorded for the "
                             f"report ({type(exc).__name__}: {exc})"]))
    if sub.autograded.is_file():
        _rewrite_notebook(sub.autograded, sub.assignment, sub.source)
    for c in sub.result.cells:
        if c.message:
            c.message = with_review_lines(c.message, sub.assignment, sub.source)

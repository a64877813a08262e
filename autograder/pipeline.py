"""Grading one submission, stage by stage, and a class of them at once.

A submission travels: intake (autograder/intake.py puts it in the submitted folder) -> nbgrader
-> the trusted re-check -> the gradebook -> results and feedback. :func:`grade_submission` runs
the stages after intake, in the order of :data:`STAGES` (as nbgrader's ``Autograde`` converter
lists its preprocessors); each reads and writes the :class:`Submission` it is given, and a stage
that sets ``result.error`` ends the journey (the score stays 0).

The unit of work is one (assignment, student) pair: it needs only a course root and a gradebook
that every worker reaches, so a loop, a local process pool or a distributed engine (e.g. Dask)
can run it (:func:`grade_many`).

The re-check, the gradebook's verdicts and the feedback notes run inside nbgrader's own autograde
(:class:`TrustedRecheck`, a preprocessor that nbgrader_config.py appends after SaveAutoGrades), so
`nbgrader autograde`, the formgrader's button and :func:`grade_submission` give the same
re-checked scores and bonus extra credit; the stages below then read what it found from the
autograded notebook and do not run it twice. They run it themselves when nbgrader could not (its
kernel died) or when a course root's configuration lacks the preprocessor.
"""
from __future__ import annotations

import functools
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import cells, feedback, gradebook, misconceptions, nbgrader_run, results
from autograder.paths import CoursePaths
from autograder.recheck import Verdicts, verify
from autograder.results import GradeResult
from convlab import i18n
from nbgrader.preprocessors import NbGraderPreprocessor

# the autograded notebook's metadata key where TrustedRecheck leaves what it found
RECHECKED = "convlab_recheck"


@dataclass
class Submission:
    """One (assignment, student) pair on its way through the stages, and what they found."""
    root: Path
    assignment: str
    student: str
    timeout: float = 1800
    recheck: bool = True
    kernel_ran: bool = False      # nbgrader ran the notebook to the end and scored it
    rechecked: bool = False       # ... and re-checked it (TrustedRecheck, in nbgrader's autograde)
    verdicts: Verdicts = field(default_factory=Verdicts)
    notes: dict = field(default_factory=dict)   # grade_id -> what the feedback must add
    result: GradeResult = field(init=False)
    started: float = field(default_factory=time.monotonic)   # for the grading time

    def __post_init__(self):
        self.root = Path(self.root)
        self.result = GradeResult(self.assignment, self.student)

    @functools.cached_property
    def paths(self) -> CoursePaths:
        return CoursePaths(self.root)

    @property
    def source(self) -> Path:
        return self.paths.source(self.assignment)

    @property
    def submitted(self) -> Path:
        return self.paths.submitted(self.assignment, self.student)

    @property
    def autograded(self) -> Path:
        return self.paths.autograded(self.assignment, self.student)

    @functools.cached_property
    def db_url(self) -> str:
        return gradebook.url(self.root)

    @functools.cached_property
    def bonus(self) -> dict:
        return results.bonus_tests(self.root, self.assignment)


# --- the stages, in travel order ------------------------------------------------------------------
def nbgrader_autograde(sub: Submission) -> None:
    """nbgrader runs the notebook in a fresh kernel (the student's code, then the hidden tests)
    and records its scores. If it cannot (the student's code killed its kernel, which makes
    nbgrader drop the whole submission), the honest work in a readable notebook is still graded,
    by the re-check alone."""
    try:
        sub.kernel_ran, log_tail = nbgrader_run.autograde(sub.root, sub.assignment, sub.student,
                                                          sub.timeout)
    except subprocess.TimeoutExpired:
        sub.result.error = f"autograding took longer than {sub.timeout:.0f} s and was stopped"
        return
    if sub.kernel_ran:
        found = cells.read_notebook(sub.autograded).metadata.get(RECHECKED)
        if found is not None:
            sub.rechecked = True
            sub.result.cell_errors = list(found.get("cell_errors", []))
        return
    if sub.recheck and cells.readable(sub.submitted):
        sub.result.note = ("nbgrader could not run this notebook to the end (its kernel died or "
                           "timed out); it was graded by the grader's re-check alone")
    else:
        sub.result.error = "nbgrader could not grade this submission:\n" + log_tail


def trusted_recheck(sub: Submission) -> None:
    """Every test cell again, in this process, against the submission's functions in a sandbox
    (autograder/recheck.py); the student's code cannot tamper with these verdicts. (Done already
    when nbgrader ran :class:`TrustedRecheck`.)"""
    if sub.recheck and not sub.rechecked:
        sub.verdicts = verify(sub.source, sub.submitted)
        sub.result.cell_errors = [e.message for e in sub.verdicts.cell_errors]


def record_in_gradebook(sub: Submission) -> None:
    """A test cell keeps nbgrader's points only if the re-check passed it too; a bonus test
    earns its extra credit only if both did (without nbgrader: the re-check's verdicts)."""
    if sub.rechecked:
        return
    if sub.kernel_ran:
        sub.notes = gradebook.record_verdicts(sub.db_url, sub.assignment, sub.student,
                                              cells.read_notebook(sub.autograded), sub.verdicts,
                                              sub.bonus)
    else:
        gradebook.record_recheck_only(sub.db_url, sub.assignment, sub.student, sub.verdicts,
                                      sub.bonus)


def annotate_for_feedback(sub: Submission) -> None:
    """What the re-check found goes under its cells of the autograded notebook, from which
    `feedback` renders the student's page (without nbgrader: that notebook is built here)."""
    if sub.rechecked:
        return
    if sub.kernel_ran:
        nb = cells.read_notebook(sub.autograded)
        if feedback.annotate(nb, sub.notes, sub.verdicts.cell_errors):
            cells.write_notebook(nb, sub.autograded)
    else:
        cells.write_notebook(feedback.recheck_only_notebook(
            cells.read_notebook(sub.source), cells.read_notebook(sub.submitted), sub.verdicts),
            sub.autograded)


def read_results(sub: Submission) -> None:
    """Scores back from the gradebook, messages from the autograded notebook."""
    results.read_scores(sub.db_url, sub.result, sub.autograded, sub.bonus)


# (the next three are done inside nbgrader's autograde when its configuration has TrustedRecheck)
STAGES = (
    nbgrader_autograde,       # the notebook in the student's kernel; nbgrader's scores
    trusted_recheck,          # every test again in the grader; the student's functions sandboxed
    record_in_gradebook,      # points stay only where both passed; bonus extra credit
    annotate_for_feedback,    # what the re-check found, under its cells of the autograded notebook
    read_results,             # the GradeResult: scores, messages, cell errors
    misconceptions.record_mistakes,  # diagnosed mistakes as data; feedback: what to review
)


# --- the same, inside nbgrader's autograde ----------------------------------------------------------
class TrustedRecheck(NbGraderPreprocessor):
    """nbgrader's autograde with the trusted re-check: after ``SaveAutoGrades`` has recorded the
    kernel's scores, every test cell runs again in this (nbgrader's) process against the
    submission's functions in a sandbox; a test keeps its points only if it passed both, a bonus
    test earns its extra credit (``# bonus: N points``) only then, and the feedback says what the
    re-check found. nbgrader_config.py appends it to ``Autograde.autograde_preprocessors``, so
    `nbgrader autograde`, the formgrader and `python -m autograder autograde` agree. What it
    found is left in the notebook's metadata (:data:`RECHECKED`) for :func:`grade_submission`.
    ``CONVLAB_RECHECK=off`` (only your own code) leaves nbgrader's scores as they are."""

    def preprocess(self, nb, resources):
        if os.environ.get("CONVLAB_RECHECK", "").strip().lower() == "off":
            return nb, resources
        info = resources["nbgrader"]
        assignment, student = info["assignment"], info["student"]
        coursedir = self._coursedir()
        name = f"{info['notebook']}.ipynb"
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment), name)
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student,
                                               assignment), name)
        verdicts = verify(source, submitted)
        bonus = cells.bonus_tests(cells.read_notebook(source))
        notes = gradebook.record_verdicts(info["db_url"], assignment, student, nb, verdicts,
                                          bonus)
        feedback.annotate(nb, notes, verdicts.cell_errors)
        nb.metadata[RECHECKED] = {"cell_errors": [e.message for e in verdicts.cell_errors]}
        failed = sorted(gid for gid, v in verdicts.items() if not v.passed)
        self.log.info("trusted re-check of %s/%s: %d test cells, failed: %s", student,
                      assignment, len(verdicts), ", ".join(failed) or "none")
        return nb, resources

    def _coursedir(self):
        """The converter's course directory (the formgrader passes its own), else one from the
        configuration."""
        from nbgrader.coursedir import CourseDirectory

        parent = self.parent
        while parent is not None:
            if isinstance(getattr(parent, "coursedir", None), CourseDirectory):
                return parent.coursedir
            parent = getattr(parent, "parent", None)
        return CourseDirectory(config=self.config)


def submission_language(root: Path, assignment: str, student: str) -> str | None:
    """The language the submitted notebook is written in (None when it cannot be read: the
    intake stage reports that)."""
    try:
        nb = json.loads(CoursePaths(root).submitted(assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return i18n.notebook_language(nb)


def grade_submission(root: Path, assignment: str, student: str, timeout: float = 1800,
                     recheck: bool = True) -> GradeResult:
    """Autograde one (assignment, student) pair: the :data:`STAGES` in order.

    Safe to call for different students at once (nbgrader runs in a child process each). Never
    raises for a bad submission: the result's ``error`` says what went wrong and its score is 0.
    With ``recheck`` (the default), a test cell keeps its points only if it also passes the
    trusted re-check (inside nbgrader's autograde: :class:`TrustedRecheck`, or here when
    nbgrader's kernel died); without it, the grader does not re-check on its own (the
    configuration's TrustedRecheck still does, unless ``CONVLAB_RECHECK=off``).
    """
    sub = Submission(root, assignment, student, timeout, recheck)
    # a Chinese submission is graded like any other, its messages and feedback in Chinese
    with i18n.speaking(submission_language(root, assignment, student)):
        for stage in STAGES:
            stage(sub)
            if sub.result.error:
                break
    sub.result.seconds = time.monotonic() - sub.started
    return sub.result


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
    done = {}
    gradebook.prepare(gradebook.url(root))

    def finish(student, get):
        try:
            r = get()
        except Exception as exc:  # noqa: BLE001 - a worker's crash is one student's error
            r = GradeResult(assignment, student,
                            error=f"the grading worker failed: {type(exc).__name__}: {exc}")
        done[student] = r
        if on_result:
            on_result(r)

    if executor is None and (workers <= 1 or len(students) <= 1):
        for s in students:
            finish(s, lambda s=s: grade_submission(root, assignment, s, timeout))
        return [done[s] for s in students]
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
    return [done[s] for s in students]

"""Due dates and late penalties, configured in one place: nbgrader_config.py's ``LatePenalty``.

nbgrader computes lateness itself: a submission's ``timestamp.txt`` (written by collect from the
LMS's submission time) against its chapter's due date in the gradebook. Its ``AssignLatePenalties``
step asks a late-submission plugin for the penalty; :class:`LatePenalty` is that plugin (nbgrader's
``LateSubmissionPlugin`` with one more method), and it also holds the due dates, which
:func:`sync_due_dates` writes into the gradebook. nbgrader's gradebook, formgrader and export then
show ``raw_score``, ``late_submission_penalty`` and ``score`` (raw minus penalty).

The grader's re-check may lower nbgrader's scores after nbgrader assigned the penalty, so
:func:`apply` computes it again from the final score.
"""
from __future__ import annotations

import math
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Dict, Enum, Float

DAY = 86400.0


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin, plus ``percent_per_day`` and the course's due dates."""

    penalty_method = Enum(("none", "zero", "percent_per_day"), default_value="none",
                          help="'none': no penalty; 'zero': a late submission scores 0; "
                               "'percent_per_day': percent_per_day of the score per day or part "
                               "of a day late, 0 after zero_after_days").tag(config=True)
    percent_per_day = Float(10.0, help="percent of the score taken per (started) day late"
                            ).tag(config=True)
    zero_after_days = Float(0.0, help="later than this many days: score 0 (0: never)"
                            ).tag(config=True)
    due_dates = Dict(help="chapter -> due date, e.g. {'01_filter_sliding': "
                          "'2026-12-07 23:59 UTC'} (a time without zone is UTC)"
                     ).tag(config=True)

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken from ``score`` for a submission ``seconds_late`` after the due date."""
        if seconds_late <= 0 or score <= 0 or self.penalty_method == "none":
            return 0.0
        if self.penalty_method == "zero":
            return score
        if self.zero_after_days and seconds_late > self.zero_after_days * DAY:
            return score
        days = math.ceil(seconds_late / DAY)
        return min(score, score * self.percent_per_day * days / 100.0)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return self.penalty(float(score or 0.0), float(total_seconds_late or 0.0)) or None

    def describe(self) -> str:
        """One line for the summary and the README: the rule as configured."""
        if self.penalty_method == "none":
            return "late work: no penalty (LatePenalty.penalty_method = 'none')"
        if self.penalty_method == "zero":
            return "late work scores 0 (LatePenalty.penalty_method = 'zero')"
        rule = f"late work: -{self.percent_per_day:g}% of the score per day or part of a day"
        return rule + (f", 0 after {self.zero_after_days:g} days" if self.zero_after_days else "")


def settings(root: Path) -> LatePenalty:
    """The plugin as the course root's nbgrader_config.py configures it."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return LatePenalty(config=cfg)


def sync_due_dates(root: Path, db_url: str, chapters: list | None = None) -> dict:
    """Write the configured due dates into the gradebook (where nbgrader reads them). Returns
    {chapter: due date (UTC)} of the chapters that have one (configured or set in the
    formgrader)."""
    from nbgrader.api import MissingEntry
    from nbgrader.utils import parse_utc

    from autograder.gradebook import opened

    plugin = settings(root)
    due = {}
    with opened(db_url) as gb:
        for chapter, when in plugin.due_dates.items():
            if chapters is None or chapter in chapters:
                gb.update_or_create_assignment(chapter, duedate=parse_utc(when))
        for chapter in chapters or [a.name for a in gb.assignments]:
            try:
                when = gb.find_assignment(chapter).duedate
            except MissingEntry:
                continue
            if when:
                due[chapter] = when
    return due


def apply(db_url: str, chapter: str, student: str, plugin: LatePenalty) -> tuple:
    """The penalty again from the final score (after the re-check). Returns (seconds late,
    penalty) of the student's submission; (0, 0) when on time or not in the gradebook."""
    from nbgrader.api import MissingEntry

    from autograder.gradebook import opened

    with opened(db_url) as gb:
        try:
            sub = gb.find_submission(chapter, student)
        except MissingEntry:
            return 0.0, 0.0
        late = float(sub.total_seconds_late or 0.0)
        total = 0.0
        for nb in sub.notebooks:
            points = plugin.penalty(float(nb.score or 0.0), late) if late > 0 else 0.0
            nb.late_submission_penalty = points or None
            total += points
        gb.db.commit()
    return late, total

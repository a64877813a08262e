"""A graded submission as the grader reports it: scores read back from the gradebook, with each
failing test's message from the autograded notebook (hidden lines redacted)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder import cells, gradebook
from autograder.paths import CoursePaths


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
                messages.append("wrote to stderr (a test cell that does scores 0): "
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

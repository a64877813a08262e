"""Run a chapter's test cells in *this* process, judged the way nbgrader judges them.

nbgrader gives a test cell its points when it raises nothing and writes nothing to stderr
(autograder.cells.run_test_cell, the grader's own judge). Doing the same in-process lets one
pytest process check dozens of mutant implementations against the visible and hidden tests in
seconds; tests/test_nbgrader_roundtrip.py shows on real nbgrader that the verdicts agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils

from autograder import cells
from autograder.cells import strip_hidden  # noqa: F401 - the tests' name for it

REPO = Path(__file__).resolve().parent.parent
MAGIC = re.compile(r"^\s*[%!]", re.M)


def chapters() -> list:
    return sorted(p.name for p in (REPO / "solutions").iterdir()
                  if (p / f"{p.name}.ipynb").is_file())


def source_notebook(chapter: str):
    return nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)


def release_notebook(chapter: str):
    return nbformat.read(REPO / "course" / chapter / f"{chapter}.ipynb", as_version=4)


meta = cells.nbgrader_meta


@dataclass
class CellVerdict:
    grade_id: str
    points: float
    passed: bool
    message: str


def grade_in_process(chapter: str, replace: dict | None = None, hidden: bool = True,
                     run_other_cells: bool = True, stop=None) -> dict:
    """Execute the chapter's source notebook top to bottom in a fresh namespace.

    replace: grade_id -> source for solution cells (a student's or a mutant's code).
    hidden: include the hidden tests (False: what the student sees before submitting).
    stop: a function of each CellVerdict; once it returns True, no further cell runs (a mutant
    that already lost points need not train chapter 6's network).
    Returns grade_id -> CellVerdict for every test cell (that ran, with ``stop``).
    """
    replace = replace or {}
    unknown = set(replace) - {meta(c).get("grade_id") for c in source_notebook(chapter).cells}
    assert not unknown, f"no such solution cells: {unknown}"
    ns: dict = {"__name__": "__main__"}
    verdicts = {}
    for cell in source_notebook(chapter).cells:
        if cell.cell_type != "code":
            continue
        m = meta(cell)
        src = replace.get(m.get("grade_id"), cell.source)
        if MAGIC.search(src):
            raise AssertionError(f"cell {m.get('grade_id')!r} uses IPython magics; course "
                                 f"notebooks are plain Python")
        is_test = cells.is_test(cell)
        if is_test and not hidden:
            src = strip_hidden(src)
        if (not is_test and not run_other_cells and not utils.is_solution(cell)
                and m.get("grade_id") != "setup"):
            continue
        filename = f"<cell {m.get('grade_id', '?')}>"
        if is_test:
            message = cells.run_test_cell(src, ns, filename)
            verdicts[m["grade_id"]] = CellVerdict(m["grade_id"], points_at_stake(cell),
                                                  not message, message)
            if stop is not None and stop(verdicts[m["grade_id"]]):
                break
        else:
            cells.run_cell(src, ns, filename)      # a failing solution fails its tests
    return verdicts


def points_at_stake(cell) -> float:
    """A test cell's points, or for a bonus test (0 points in nbgrader, a `# bonus: N points`
    line) its extra credit: what a wrong implementation loses either way."""
    return float(meta(cell)["points"]) or cells.bonus_points(cell.source)


def loses_points(verdict: CellVerdict) -> bool:
    """A ``stop`` for :func:`grade_in_process`: the first failed cell worth points."""
    return not verdict.passed and verdict.points > 0


def full_marks(chapter: str) -> float:
    """The points at stake in all of the chapter's test cells (bonus tests: their extra credit)."""
    return sum(points_at_stake(c) for c in source_notebook(chapter).cells if cells.is_test(c))


def score(verdicts: dict) -> tuple:
    got = sum(v.points for v in verdicts.values() if v.passed)
    return got, sum(v.points for v in verdicts.values())


def points_per_exercise(chapter: str, names) -> dict:
    """Exercise name -> the points of its test cells (``test_<name>[_...]``, longest name wins),
    from the chapter's source notebook. Every test cell must belong to one of ``names`` and every
    name must have tests: what the chapter text states as "`name` (N points)" is checked with it."""
    points = {}
    for cell in source_notebook(chapter).cells:
        m = meta(cell)
        if not m.get("grade"):
            continue
        gid = m["grade_id"]
        owners = [n for n in names if gid == f"test_{n}" or gid.startswith(f"test_{n}_")]
        assert owners, f"{chapter}: test cell {m['grade_id']!r} belongs to none of {names}"
        fn = max(owners, key=len)
        points[fn] = points.get(fn, 0) + points_at_stake(cell)
    assert set(points) == set(names), f"{chapter}: exercises without tests: {set(names) - set(points)}"
    return points

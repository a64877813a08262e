"""Input validation is graded, but the concepts carry the points (issue 17): in every chapter the
validation cells (grade ids ending in `_errors`) are worth at most 15% of the chapter's points, and a
test cell checks one thing: validation cells only check validation, the others never do."""
import pytest

import nbharness as h
from convlab import CHAPTERS

VALIDATION_SHARE = 0.15
CHECKS_VALIDATION = "assert_raises_value_error"


def graded_cells(chapter):
    for cell in h.source_notebook(chapter).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            yield meta["grade_id"], float(meta.get("points", 0)), cell.source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_validation_is_at_most_15_percent_of_the_points(chapter):
    cells = list(graded_cells(chapter))
    total = sum(points for _, points, _ in cells)
    validation = sum(points for gid, points, _ in cells if gid.endswith("_errors"))
    assert total > 0
    assert validation <= VALIDATION_SHARE * total, \
        f"{chapter}: validation is worth {validation:g} of {total:g} points ({validation / total:.0%})"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_test_cell_checks_one_thing(chapter):
    for gid, _, source in graded_cells(chapter):
        if gid.endswith("_errors"):
            assert CHECKS_VALIDATION in source, f"{chapter}: {gid} checks no validation"
        else:
            assert CHECKS_VALIDATION not in source, \
                f"{chapter}: {gid} mixes validation with the computation; give it a cell of its own"

"""The library rule (convlab.policy) is told where each chapter's first exercise is, and a visible
test names a forbidden library as soon as a solution uses one, before the grader blocks it."""
import re

import nbharness as h
from convlab import policy

CHAPTERS = h.chapters()


def plain(text: str) -> str:
    """Markdown as words: no blockquote marks, no backticks, single spaces, lower case."""
    text = re.sub(r"^\s*>\s?", "", text, flags=re.M).replace("`", "")
    return " ".join(text.split()).lower()


def first_exercise_text(chapter):
    """The markdown cell just above the chapter's first solution cell: where exercise 1 is set."""
    cells = h.source_notebook(chapter).cells
    first = next(i for i, c in enumerate(cells) if h.meta(c).get("solution"))
    assert cells[first - 1].cell_type == "markdown", f"{chapter}: exercise 1 has no text above it"
    return cells[first - 1].source


def test_every_chapter_states_the_rule_at_its_first_exercise():
    rule = plain(policy.RULE)
    missing = [ch for ch in CHAPTERS if rule not in plain(first_exercise_text(ch))]
    assert not missing, f"no box with convlab.policy.RULE above the first exercise of {missing}"


def test_chapter_1_says_why_and_that_its_scipy_comparison_is_only_a_check():
    ch = "01_filter_sliding"
    assert "graded against itself" in plain(first_exercise_text(ch))
    cells = h.source_notebook(ch).cells
    i = next(i for i, c in enumerate(cells)
             if c.cell_type == "code" and "from scipy.signal import" in c.source)
    assert not h.meta(cells[i]).get("solution") and not h.meta(cells[i]).get("grade")
    assert "may not" in plain(cells[i - 1].source) + plain(cells[i].source), \
        "the scipy comparison must say it is a check, not allowed in a graded solution"

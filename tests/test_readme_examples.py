"""README examples that show output are what the code prints (issue 24: the `make check` example
said 9/11 when the grader gave 8/11).

The `make check` example is chapter 1 with the flipped kernel: every test line it shows (mark,
name, points), the shown parts of each message (a line ending in "..." is a prefix) and the total
are compared with the same notebook graded by the course's tests in this process
(tests/nbharness.py), with the review lines the grader adds (autograder.misconceptions). Point
totals change: nothing here is a number written by hand."""
import re

import pytest

import nbharness as h
from autograder import misconceptions, paths
from conftest import REPO
from mutants_01_filter_sliding import MUTANTS

CH = "01_filter_sliding"
FLIPPED = "single: kernel flipped (mathematical convolution)"
TEST_LINE = re.compile(r"^  (FAIL|ok  ) (\w+)\s+(\d+(?:\.\d+)?) / (\d+(?:\.\d+)?)\s*$")


def check_example() -> str:
    text = (REPO / "README.md").read_text()
    m = re.search(r"It prints every test with its points[^\n]*\n+```\n(.*?)```", text, re.S)
    assert m, "README: the `make check` example (after 'It prints every test with its points')"
    return m.group(1)


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def flipped():
    verdicts = h.grade_in_process(CH, replace=MUTANTS[FLIPPED])
    source = paths.CoursePaths().source(CH)
    messages = {gid: misconceptions.with_review_lines(v.message, CH, source)
                for gid, v in verdicts.items()}
    return verdicts, messages


def test_the_check_example_is_what_check_prints_for_a_flipped_kernel(flipped):
    verdicts, messages = flipped
    block = check_example().splitlines()
    assert block[0].startswith(f"{CH} for self: graded with the visible and the hidden tests")
    shown, current = {}, None
    for line in block[1:]:
        m = TEST_LINE.match(line)
        if m:
            mark, gid, score, points = m.groups()
            assert gid in verdicts, f"README shows a test {gid!r} that chapter 1 does not have"
            v = verdicts[gid]
            assert (mark == "ok  ") == v.passed, f"{gid}: README says {mark.strip()}"
            assert (float(score), float(points)) == ((v.points if v.passed else 0.0), v.points), \
                f"{gid}: README says {score} / {points}, the grade is " \
                f"{v.points if v.passed else 0:g} / {v.points:g}"
            shown[gid], current = [], gid
        elif line.startswith(" " * 9) and current:
            shown[current].append(line.strip())
        elif line.strip().startswith("total"):
            got, total = h.score(verdicts)
            assert _norm(line) == f"total {got:g} / {total:g}", (line, got, total)
            current = None
        else:
            current = None
    assert any(not verdicts[g].passed for g in shown), "the example shows no failing test"
    for gid, lines in shown.items():
        # wrapped lines of one message part are joined; "..." ends a shortened part
        actual = _norm(messages[gid])
        for part in re.split(r"(?<=\.\.\.)\s+(?=\S)", " ".join(lines)):
            part = _norm(part)
            prefix = part.endswith("...")
            part = part.rstrip(".").rstrip(",").strip() if prefix else part
            assert part in actual, f"{gid}: README shows {part!r}; check prints {actual!r}"

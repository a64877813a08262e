"""Issue 8's attack catalogue for chapters 2-7 (tests/attacks.py), through the trusted re-check.

Each attack runs through autograder.recheck (one sandbox per submission, a few seconds); real
nbgrader runs are left to chapter 1's catalogue (tests/test_attacks.py), which shows that what
the re-check decides is what the instructor's gradebook records.
"""
import nbformat
import pytest

import attacks as A
import nbharness as h
from autograder import paths
from autograder.recheck import verify


def source_path(chapter):
    return paths.REPO / "solutions" / chapter / f"{chapter}.ipynb"


def recheck(chapter, nb, tmp_path):
    path = tmp_path / f"{chapter}.ipynb"
    nbformat.write(nb, path)
    return verify(source_path(chapter), path, timeout=30)


def check_rules(chapter, name, verdicts, rules):
    A.check_rules(f"{chapter} / {name}", A.grade_ids(chapter),
                  {g: v.passed for g, v in verdicts.items()},
                  {g: v.message for g, v in verdicts.items()}, rules)


def test_every_chapter_has_a_catalogue():
    """Chapter 1 has its own; every other chapter is in SPECS or wholly judged in-kernel."""
    for chapter in h.chapters()[1:]:
        assert chapter in A.SPECS or chapter in A.NOT_RECHECKED, chapter


@pytest.mark.parametrize("chapter,name", A.ALL, ids=[f"{c}:{n}" for c, n in A.ALL])
def test_attack_through_the_recheck(chapter, name, tmp_path):
    nb, rules = A.build(chapter, name)
    check_rules(chapter, name, recheck(chapter, nb, tmp_path), rules)


def test_in_kernel_cells_are_listed_and_not_rechecked(tmp_path):
    """The cells NOT_RECHECKED lists are exactly the ones marked in-kernel only, and the re-check
    really leaves them alone: a hostile submission (a builder renamed, np.allclose patched) still
    gets "not re-checked" there, so their points rest on nbgrader alone (see attacks.py)."""
    from autograder.cells import IN_KERNEL_ONLY
    for chapter in h.chapters():
        marked = {h.meta(c)["grade_id"] for c in h.source_notebook(chapter).cells
                  if h.meta(c).get("grade") and IN_KERNEL_ONLY in c.source}
        listed = {g for g in A.grade_ids(chapter)
                  if any(g.startswith(f"test_{fn}_") for fn in A.NOT_RECHECKED.get(chapter, ()))}
        assert marked == listed, chapter
    chapter = "06_cnn_classifier"
    nb = A.honest_notebook(chapter)
    A.cell_of(nb, "train_and_evaluate").source = (
        "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
        + A.cell_of(nb, "train_and_evaluate").source.replace("def train_and_evaluate(", "def renamed("))
    verdicts = recheck(chapter, nb, tmp_path)
    kernel_only = {g: v for g, v in verdicts.items() if g.startswith("test_train_and_evaluate_")}
    assert kernel_only and all(v.passed and "not re-checked" in v.message
                               for v in kernel_only.values())
    assert all(v.passed and "not re-checked" not in v.message for g, v in verdicts.items()
               if g not in kernel_only)

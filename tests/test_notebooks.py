"""Authoring rules for every chapter: the source notebook runs clean, cells follow the template,
committed notebooks carry no outputs, and course/ is what nbgrader generates from solutions/."""
import json
import re
import subprocess
import sys
import time

import nbclient
import pytest

import nbharness as h
from conftest import REPO

CHAPTERS = h.chapters()
SOLUTION_CELL = re.compile(r"### BEGIN SOLUTION.*### END SOLUTION", re.S)


def grading_kernel_arguments():
    """The kernel arguments nbgrader uses (from nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    return list(cfg.Execute.extra_arguments)


def test_chapter_folders_match():
    assert CHAPTERS, "no chapters in solutions/"
    released = sorted(p.name for p in (REPO / "course").iterdir() if p.is_dir())
    assert released == CHAPTERS
    from convlab import CHAPTERS as planned
    assert set(CHAPTERS) <= set(planned), "every chapter must be in convlab.CHAPTERS"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_notebook_runs_top_to_bottom(chapter):
    """Every cell of the reference notebook runs without error; no test cell writes to stderr."""
    nb = h.source_notebook(chapter)
    start = time.monotonic()
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=300, allow_errors=True,
        extra_arguments=grading_kernel_arguments(),
        resources={"metadata": {"path": str(REPO / "solutions" / chapter)}})
    client.execute()
    seconds = time.monotonic() - start
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {i} ({h.meta(cell).get('grade_id', '-')}): "
                                f"{out.ename}: {out.evalue}")
            if (out.output_type == "stream" and out.name == "stderr"
                    and h.meta(cell).get("grade")):
                problems.append(f"test cell {h.meta(cell)['grade_id']} wrote to stderr: {out.text[:200]}")
    assert not problems, "\n".join(problems)
    print(f"{chapter}: executed in {seconds:.1f} s")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_cells_follow_the_template(chapter):
    nb = h.source_notebook(chapter)
    ids = [h.meta(c)["grade_id"] for c in nb.cells if h.meta(c).get("grade_id")]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    solutions = [c for c in nb.cells if h.meta(c).get("solution")]
    tests = [c for c in nb.cells if h.meta(c).get("grade")]
    assert solutions and tests
    for cell in solutions:
        gid = h.meta(cell)["grade_id"]
        assert SOLUTION_CELL.search(cell.source), f"{gid}: no BEGIN/END SOLUTION region"
        assert '"""' in cell.source.split("### BEGIN SOLUTION")[0], f"{gid}: docstring stating shapes"
        assert any(h.meta(t)["grade_id"].startswith(f"test_{gid}") for t in tests), \
            f"{gid}: no test cell named test_{gid}..."
    for cell in tests:
        gid = h.meta(cell)["grade_id"]
        assert gid.startswith("test_"), gid
        assert cell.source.lstrip().startswith('"""'), f"{gid}: first line must be a docstring"
        assert h.meta(cell)["points"] > 0 and h.meta(cell)["locked"]
        last = [l for l in cell.source.strip().splitlines() if l.strip()][-1]
        assert not re.match(r"^[A-Za-z_][\w.]*(\(.*\))?\s*$", last) or last.startswith("print("), \
            f"{gid}: a test cell must not end in an expression (nbgrader reads it as partial credit)"
    hidden = [c for c in nb.cells if "BEGIN HIDDEN TESTS" in c.source]
    for cell in hidden:
        assert h.meta(cell).get("grade"), "hidden tests only in test cells"
    oracle = re.compile(r"tensorflow\(\)|keras\(\)|GradientTape")
    for cell in solutions:
        gid = h.meta(cell)["grade_id"]
        assert any(oracle.search(t.source) and "BEGIN HIDDEN TESTS" in t.source for t in hidden
                   if h.meta(t)["grade_id"].startswith(f"test_{gid}")), \
            f"{gid}: needs hidden tests that compare with TensorFlow/Keras"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not h.MAGIC.search(cell.source), "no IPython magics in course notebooks"


@pytest.mark.parametrize("folder", ["solutions", "course"])
def test_committed_notebooks_are_clean(folder):
    """No outputs, no execution counts, no widget state in committed notebooks."""
    for path in sorted((REPO / folder).rglob("*.ipynb")):
        nb = json.loads(path.read_text())
        assert "widgets" not in nb.get("metadata", {}), f"{path}: widget state"
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, \
                    f"{path.relative_to(REPO)}: committed with outputs"
        # a duplicated cell id (a cell copied by hand) makes nbformat invent a random one on
        # every generate, so course/ would never stop drifting
        ids = [cell.get("id") for cell in nb["cells"]]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        assert not dup, f"{path.relative_to(REPO)}: duplicated cell ids {dup}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_has_no_solutions_or_hidden_tests(chapter):
    release = h.release_notebook(chapter)
    text = json.dumps(release.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    from autograder.feedback import hidden_lines
    secret = [l for c in h.source_notebook(chapter).cells for l in hidden_lines(c.source)
              if len(l) > 20]
    assert secret
    leaked = [l for l in secret if l in text or json.dumps(l)[1:-1] in text]
    assert not leaked, leaked
    stubs = [c for c in release.cells if h.meta(c).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)


@pytest.mark.nbgrader
def test_course_is_generated_from_solutions():
    """course/ is exactly what `nbgrader generate_assignment` makes from solutions/ today."""
    proc = subprocess.run([sys.executable, "-m", "autograder", "generate", "--check"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_self_check_command_points_at_the_students_copy(chapter):
    """Students work in workspace/ (`make lab` copies course/ there): the notebook's self-check
    command must grade that copy, not the untouched release in course/ (which scores 0)."""
    text = (REPO / "solutions" / chapter / f"{chapter}.ipynb").read_text()
    assert f"make check NB=workspace/{chapter}/{chapter}.ipynb" in text
    assert "make check NB=course/" not in text
    assert re.search(r"^WORKSPACE \?= workspace$", (REPO / "Makefile").read_text(), re.M)

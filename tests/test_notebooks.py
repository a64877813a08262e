"""Authoring rules for every chapter: the solved student notebook runs clean from a fresh kernel
(hidden tests included), no cell needs an unrelated earlier one, cells follow the template,
committed notebooks carry no outputs, and course/ is what nbgrader generates from solutions/."""
import ast
import builtins
import json
import re
import subprocess
import symtable
import sys
import time

import nbclient
import pytest

import nbharness as h
from conftest import REPO
from autograder.cells import bonus_points, replace_hidden

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
    # course/zh_CN/ is the Chinese edition of the same chapters (tests/test_i18n.py)
    assert released == sorted(CHAPTERS + ["zh_CN"])
    assert sorted(p.name for p in (REPO / "course" / "zh_CN").iterdir() if p.is_dir()) == CHAPTERS
    from convlab import CHAPTERS as planned
    assert set(CHAPTERS) <= set(planned), "every chapter must be in convlab.CHAPTERS"


FORGET_HIDDEN = """_names_before_hidden_tests = set(globals())
try:
    exec(compile({code!r}, "<hidden tests>", "exec"), globals())
finally:   # the student's notebook has none of the names the hidden tests bind
    [globals().pop(_n) for _n in set(globals()) - _names_before_hidden_tests
     - {{"_names_before_hidden_tests"}}]
    del _names_before_hidden_tests"""


def release_with_solutions(chapter, hidden_tests=False):
    """What a student has after solving the chapter: the release notebook (course/) with the
    reference solutions of solutions/ in its solution cells.

    hidden_tests: each test cell also runs its hidden tests, in place, and then forgets every name
    they bound: a later cell that needs one fails here as it would in the student's notebook.
    """
    nb = h.release_notebook(chapter)
    source = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook(chapter).cells
              if h.meta(c).get("grade_id")}
    for cell in nb.cells:
        m = h.meta(cell)
        if m.get("solution"):
            cell.source = source[m["grade_id"]]
        elif m.get("grade"):
            assert cell.source == h.strip_hidden(source[m["grade_id"]]), \
                f"course/{chapter}: {m['grade_id']} differs from solutions/: run `make generate`"
            if hidden_tests:
                cell.source = replace_hidden(source[m["grade_id"]],
                                             lambda code: FORGET_HIDDEN.format(code=code))
    return nb


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solved_notebook_runs_top_to_bottom(chapter):
    """The student's notebook with the reference solutions runs from a fresh kernel, every cell in
    order (widgets and demos too), and so do the hidden tests in it; no test cell writes to
    stderr. One kernel per chapter does both: the hidden tests leave no names behind."""
    nb = release_with_solutions(chapter, hidden_tests=True)
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


def test_hidden_tests_run_in_place_and_leave_no_names():
    """The notebook above really runs the hidden tests, and forgets what they bind."""
    chapter = "01_filter_sliding"
    nb = release_with_solutions(chapter, hidden_tests=True)
    cell = next(c for c in nb.cells if h.meta(c).get("grade_id") == "test_conv2d_single_vs_tf")
    assert "20261122" in cell.source and "BEGIN HIDDEN TESTS" not in cell.source
    namespace = {"seen": 0}
    exec(compile(FORGET_HIDDEN.format(code="trial = seen + 1\nseen = 2\n"), "<cell>", "exec"),
         namespace)
    assert namespace.get("seen") == 2 and "trial" not in namespace
    assert "_names_before_hidden_tests" not in namespace
    with pytest.raises(AssertionError):          # a failing hidden test fails the cell, cleanly
        exec(compile(FORGET_HIDDEN.format(code="trial = 1\nassert False\n"), "<cell>", "exec"),
             namespace)
    assert "trial" not in namespace


# --- restarting the kernel ----------------------------------------------------------------------
# After a restart a student runs the setup cell, their solutions and the cell they are at. A cell
# may use what those define and the data of the demo cells above it (run the cells from the top);
# the tools it uses (imports, `tf = tensorflow()`, `k = keras()`) it must import itself, and it
# must not need anything that only a test cell defines.
ORACLE_ACCESSORS = {"tensorflow", "keras"}
ALWAYS_THERE = set(dir(builtins)) | {"display", "get_ipython"}


def names_read(source: str) -> set:
    """Global names a cell reads, in its own code and inside the functions it defines."""
    found = set()

    def walk(table, top):
        for sym in table.get_symbols():
            if sym.is_referenced() and (top or sym.is_global()):
                found.add(sym.get_name())
        for child in table.get_children():
            walk(child, False)
    walk(symtable.symtable(source, "<cell>", "exec"), True)
    return found


def names_bound(source: str) -> dict:
    """Global names a cell binds -> "tool" (an import, or the course's oracle accessors) or
    "data" (anything else)."""
    bound = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound[(alias.asname or alias.name).split(".")[0]] = "tool"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple)
                     and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts)
                     else [(target, value)])
            for t, v in pairs:
                if isinstance(t, ast.Name):
                    tool = (isinstance(v, ast.Call) and isinstance(v.func, ast.Name)
                            and v.func.id in ORACLE_ACCESSORS)
                    bound[t.id] = "tool" if tool else "data"
    for sym in symtable.symtable(source, "<cell>", "exec").get_symbols():
        if (sym.is_assigned() or sym.is_imported()) and sym.get_name() not in bound:
            bound[sym.get_name()] = "data"
    return bound


def cells_relying_on_unrelated_ones(cells) -> list:
    """cells: (role, label, source) in notebook order, role "setup", "solution", "test" or "demo".
    Returns "label: `name` comes only from ..." for every name a cell needs from an unrelated
    cell (or from no cell at all)."""
    problems, earlier = [], []
    for role, label, source in cells:
        bound = names_bound(source)
        for name in sorted(names_read(source) - set(bound) - ALWAYS_THERE):
            sources = [(r, l, b[name]) for r, l, b in earlier if name in b]
            if any(r in ("setup", "solution") for r, _, _ in sources):
                continue
            if role != "test" and any(r == "demo" and kind == "data" for r, _, kind in sources):
                continue
            where = ", ".join(f"{l} ({r}, {kind})" for r, l, kind in sources) or "nowhere"
            problems.append(f"{label}: `{name}` comes only from {where}")
        earlier.append((role, label, bound))
    return problems


def notebook_cells(nb) -> list:
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        m = h.meta(cell)
        role = ("setup" if m.get("grade_id") == "setup" else "solution" if m.get("solution")
                else "test" if m.get("grade") else "demo")
        out.append((role, f"cell {i} ({m.get('grade_id') or cell.get('id')})", cell.source))
    return out


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_cell_relies_on_an_unrelated_earlier_one(chapter):
    """Every cell of the solved student notebook runs after a kernel restart once the setup cell,
    the solutions and the demo cells above it have run: it imports its own tools."""
    problems = cells_relying_on_unrelated_ones(notebook_cells(release_with_solutions(chapter)))
    assert not problems, "\n".join(problems)


def test_the_restart_check_finds_what_chapter_2_once_had():
    """The speed comparison used `tf` from a cell of section 1 (and from test cells)."""
    cells = [("setup", "setup", "import numpy as np\nfrom convlab.testing import tensorflow"),
             ("demo", "section 1", "tf = tensorflow()\nprint(tf.nn.conv2d)"),
             ("solution", "conv2d", "def conv2d(x):\n    return np.asarray(x)"),
             ("test", "test_conv2d_vs_tf", "from convlab.testing import tensorflow\n"
                                           "tf = tensorflow()\nexpected = 1"),
             ("demo", "speed", "t = lambda: tf.nn.conv2d(x)\nx = np.zeros(3)"),
             ("demo", "uses test data", "print(expected)"),
             ("demo", "uses demo data", "print(x, conv2d(x))")]
    problems = cells_relying_on_unrelated_ones(cells)
    assert [p.split(":")[0] for p in problems] == ["speed", "uses test data"], problems
    assert "`tf` comes only from section 1 (demo, tool), test_conv2d_vs_tf (test, tool)" in problems[0]


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
        # points, or for a bonus exercise's test 0 points and a `# bonus: N points` line
        assert (h.meta(cell)["points"] > 0) != (bonus_points(cell.source) > 0), gid
        assert h.meta(cell)["locked"]
        last = [l for l in cell.source.strip().splitlines() if l.strip()][-1]
        assert not re.match(r"^[A-Za-z_][\w.]*(\(.*\))?\s*$", last) or \
            last.startswith(("print(", "passed(")), \
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
    from autograder.cells import hidden_lines
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
    # the English workspace is workspace/, the Chinese edition's workspace-zh_CN/ (make lab LANG=zh_CN)
    assert re.search(r"^WORKSPACE \?= \$\(if .*,workspace-zh_CN,workspace\)$", (REPO / "Makefile").read_text(), re.M)
    chinese = (REPO / "course" / "zh_CN" / chapter / f"{chapter}.ipynb").read_text()
    assert f"make check NB=workspace-zh_CN/{chapter}/{chapter}.ipynb" in chinese
    assert f"NB=workspace/{chapter}" not in chinese

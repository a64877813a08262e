"""The grader's stages one at a time, on small fake cells (built with nbgrader's own test helpers,
as nbgrader's suite builds them), without nbgrader runs: the hidden-test markers and their
redaction, a submission's cells for the sandbox, the judge of a test cell, the re-check's verdicts
merged into a gradebook, change detection, and the paths nbgrader's configuration agrees with.
(The wire protocol's unit tests are in test_sandbox_protocol.py.)"""
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.tests import (create_grade_cell, create_locked_cell, create_regular_cell,
                            create_solution_cell)

from autograder import cells, feedback, gradebook, nbgrader_run, paths, results
from autograder.recheck import CellError, Verdict, Verdicts

HIDDEN_TEST = """\
\"\"\"square: visible and hidden cases\"\"\"
assert square(2) == 4
### BEGIN HIDDEN TESTS
assert square(3) == 9, "square(3) must be 9"
for v in (0, -1):
    assert square(v) == v * v
### END HIDDEN TESTS
print("done")"""


def grade_cell(source=HIDDEN_TEST, grade_id="test_square", points=2, outputs=()):
    cell = create_grade_cell(source, "code", grade_id, points)
    cell.outputs = [new_output(**o) for o in outputs]
    return cell


# --- hidden-test markers --------------------------------------------------------------------------
def test_hidden_region_is_parsed_once_for_all_its_uses():
    assert cells.hidden_lines(HIDDEN_TEST) == [
        'assert square(3) == 9, "square(3) must be 9"', "for v in (0, -1):",
        "assert square(v) == v * v"]
    assert cells.strip_hidden(HIDDEN_TEST) == (
        '"""square: visible and hidden cases"""\nassert square(2) == 4\nprint("done")')
    assert cells.replace_hidden(HIDDEN_TEST, lambda code: f"run({code!r})") == (
        '"""square: visible and hidden cases"""\nassert square(2) == 4\n'
        "run('assert square(3) == 9, \"square(3) must be 9\"\\nfor v in (0, -1):\\n"
        "    assert square(v) == v * v\\n')\nprint(\"done\")")
    # a cell without a region, and one whose region never ends, stay as they are
    assert cells.hidden_lines("x = 1") == [] and cells.strip_hidden("x = 1") == "x = 1"
    open_region = "a = 1\n### BEGIN HIDDEN TESTS\nb = 2"
    assert cells.replace_hidden(open_region, lambda code: "?") == open_region


def test_redaction_keeps_the_message_and_drops_quoted_hidden_lines():
    secret = cells.secret_lines(HIDDEN_TEST)
    text = ("Traceback (most recent call last):\n"
            '\x1b[0;32m----> 4\x1b[0m assert square(3) == 9, "square(3) must be 9"\n'
            "AssertionError: square(3) must be 9")
    assert cells.redact(text, secret) == ("Traceback (most recent call last):\n"
                                          "AssertionError: square(3) must be 9")
    # a short line that only happens to occur in a hidden line is no quote
    assert cells.redact("done", secret) == "done"


def run_redaction(cell):
    nb = new_notebook(cells=[cell])
    feedback.RedactHiddenTests().preprocess(nb, {})
    return nb.cells[0]


def test_feedback_preprocessor_redacts_hidden_test_cells_only():
    failing = grade_cell(outputs=[
        {"output_type": "error", "ename": "AssertionError", "evalue": "square(3) gave 6",
         "traceback": ["Traceback ...", "----> 4 assert square(3) == 9, \"square(3) must be 9\""]},
        {"output_type": "stream", "name": "stdout",
         "text": "checking\nfor v in (0, -1):\nmore\n"},
        {"output_type": "display_data",
         "data": {"text/plain": "assert square(v) == v * v\nfine"}}])
    cell = run_redaction(failing)
    error, stream, display = cell.outputs
    assert error.traceback == ["AssertionError: square(3) gave 6"]
    assert stream.text == "checking\nmore\n"
    assert display.data["text/plain"] == "fine"
    # a message made only of a hidden line says a hidden test failed, without the line
    quoting = grade_cell(outputs=[{"output_type": "error", "ename": "AssertionError",
                                   "evalue": "assert square(v) == v * v", "traceback": ["..."]}])
    assert run_redaction(quoting).outputs[0].traceback == [
        "AssertionError: a hidden test failed (details of hidden tests are not shown)"]
    # cells that are not hidden-test cells keep their tracebacks
    for cell in (grade_cell("assert square(2) == 4"), create_regular_cell(HIDDEN_TEST, "code")):
        cell.outputs = [new_output("error", ename="E", evalue="square(3) must be 9",
                                   traceback=["tb", "assert square(3) == 9"])]
        before = json.dumps(cell.outputs)
        assert json.dumps(run_redaction(cell).outputs) == before


def test_failure_messages_are_redacted_too():
    nb = new_notebook(cells=[
        grade_cell(outputs=[{"output_type": "error", "ename": "AssertionError",
                             "evalue": 'assert square(3) == 9, "square(3) must be 9"\nsee above',
                             "traceback": []}]),
        grade_cell("assert True", "test_ok", outputs=[]),
        grade_cell("import sys; print('x', file=sys.stderr)", "test_noisy",
                   outputs=[{"output_type": "stream", "name": "stderr", "text": "x\n"}])])
    assert results.failure_messages(nb) == {
        "test_square": "see above", "test_ok": "",
        "test_noisy": "wrote to stderr (a test cell that does scores 0): x\n"}


# --- reading what a student hands in --------------------------------------------------------------
def test_any_json_with_cells_reads_as_a_notebook_and_keeps_cell_positions():
    nb = cells.as_notebook({"cells": [
        "not a cell",
        {"cell_type": "code", "source": ["def f():\n", "    return 1"], "metadata": 7},
        {"cell_type": "code", "source": 5, "metadata": {"nbgrader": "x"}},
        {"cell_type": None}]})
    assert [c.cell_type for c in nb.cells] == ["raw", "code", "code", "raw"]
    assert nb.cells[1].source == "def f():\n    return 1" and nb.cells[2].source == ""
    assert all(cells.nbgrader_meta(c) == {} and not cells.is_test(c) for c in nb.cells)
    assert nb.cells[1].outputs == []
    for bad in ([], {"cells": {}}, "text", {"nbformat": 4}):
        with pytest.raises(ValueError):
            cells.as_notebook(bad)


# --- a submission's cells for the sandbox ---------------------------------------------------------
def source_notebook():
    setup = create_locked_cell("import numpy as np", "code", "setup")
    solution = create_solution_cell("def square(x):\n    return x * x", "code", "square")
    demo = new_code_cell("show(square)")
    return new_notebook(cells=[new_markdown_cell("# Squares"), setup, solution, demo,
                               grade_cell()])


def test_submission_cells_are_the_students_own_cells_with_locked_ones_restored():
    source = source_notebook()
    submitted = nbformat.from_dict(json.loads(json.dumps(source)))
    submitted.cells[1].source = "import numpy as np\nnp.allclose = lambda *a, **k: True"
    submitted.cells[2].source = "def square(x):\n    return helper(x)"
    submitted.cells[4].source = "pass   # the student's own 'test'"
    submitted.cells.insert(2, new_code_cell("def helper(x):\n    return x ** 2"))
    got = cells.submission_cells(source, submitted)
    assert got == [
        {"source": "import numpy as np", "solution": False, "index": 1,
         "label": "cell `setup`", "grade_id": None},                     # restored as released
        {"source": "def helper(x):\n    return x ** 2", "solution": False, "index": 2,
         "label": "cell 3 of the notebook", "grade_id": None},           # added by the student
        {"source": "def square(x):\n    return helper(x)", "solution": True, "index": 3,
         "label": "solution cell `square`", "grade_id": "square"}]      # demo and test: not run
    assert [c["index"] for c in cells.submission_cells(source, submitted, minimal=True)] == [1, 3]


# --- the judge ------------------------------------------------------------------------------------
def test_a_test_cell_is_judged_as_nbgrader_judges_it():
    ns = {"square": lambda x: x * x}
    assert cells.run_test_cell("assert square(3) == 9\nprint('fine')", ns, "<t>") == ""
    assert cells.run_test_cell("assert square(3) == 8, 'wrong'", ns, "<t>") == \
        "AssertionError: wrong"
    # correct, but it writes to stderr: nbgrader scores such a cell 0, and so does the judge
    noisy = cells.run_test_cell("import sys\nassert square(3) == 9\nprint('hm', file=sys.stderr)",
                                ns, "<t>")
    assert noisy.startswith("the test wrote to stderr") and noisy.endswith("hm\n")
    assert cells.run_test_cell("undefined_name", ns, "<t>") == \
        "NameError: name 'undefined_name' is not defined"
    # what a test cell binds stays for the next cell, as in a notebook
    assert cells.run_test_cell("x = square(4)", ns, "<t>") == "" and ns["x"] == 16


@pytest.mark.parametrize("outputs,passed", [
    ([], True),
    ([{"output_type": "stream", "name": "stdout", "text": "ok\n"}], True),
    ([{"output_type": "stream", "name": "stderr", "text": "warning\n"}], False),
    ([{"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}], False),
])
def test_kernel_verdict_reads_nbgrader_outputs_also_of_a_zero_point_bonus_test(outputs, passed):
    cell = grade_cell("# bonus: 2 points\nassert True", "test_bonus", 0, outputs)
    assert cells.kernel_passed(cell) is passed
    assert cells.bonus_points(cell.source) == 2.0 and cell.metadata.nbgrader.points == 0


# --- the re-check's verdicts in the gradebook -----------------------------------------------------
@pytest.fixture(scope="module")
def gradebook_file(tmp_path_factory):
    """A gradebook with one chapter of three test cells (one a bonus) and one submission, as
    nbgrader leaves it after autograding: the scores nbgrader gave in the student's kernel."""
    from nbgrader.api import Gradebook

    db = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    url = f"sqlite:///{db}"
    with pytest.MonkeyPatch.context() as patch:
        # a new gradebook runs `alembic` from PATH (trap 3 of nbgrader_config.py)
        patch.setenv("PATH", nbgrader_run.child_env()["PATH"])
        Gradebook(url, paths.COURSE_ID).close()
    with Gradebook(url, paths.COURSE_ID) as gb:
        gb.add_assignment("ch")
        gb.add_notebook("ch", "ch")
        for name, points in (("fooled", 2), ("broken", 1), ("bonus", 0)):
            gb.add_grade_cell(name, "ch", "ch", max_score=points, cell_type="code")
        gb.add_student("amy")
        gb.add_submission("ch", "amy")
        kernel_scores = {"fooled": 2.0, "broken": 0.0, "bonus": 0.0}
        for name, score in kernel_scores.items():
            gb.find_grade(name, "ch", "ch", "amy").auto_score = score
        gb.db.commit()
    return db


@pytest.fixture
def class_gradebook(gradebook_file, tmp_path):
    """A fresh copy of that gradebook: its URL."""
    shutil.copyfile(gradebook_file, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def graded_notebook():
    """The autograded notebook: `fooled` and the bonus test passed in the kernel, `broken` not."""
    error = {"output_type": "error", "ename": "NameError", "evalue": "f", "traceback": []}
    return new_notebook(cells=[grade_cell("assert f()", "fooled", 2),
                               grade_cell("assert f()", "broken", 1, [error]),
                               grade_cell("# bonus: 3 points\nassert f()", "bonus", 0)])


def scores(url):
    with gradebook.opened(url) as gb:
        return {g.name: (g.score, g.extra_credit)
                for g in gb.find_submission_notebook("ch", "ch", "amy").grades}


def test_a_test_keeps_nbgrader_points_only_if_the_recheck_passes_it(class_gradebook):
    verdicts = Verdicts({
        "fooled": Verdict("fooled", False, "AssertionError: wrong"),
        "broken": Verdict("broken", False, "NameError: f is not defined",
                          ["cell `f`: SyntaxError"]),
        "bonus": Verdict("bonus", True)})
    notes = gradebook.record_verdicts(class_gradebook, "ch", "amy", graded_notebook(), verdicts,
                                      {"bonus": 3.0})
    assert scores(class_gradebook) == {"fooled": (0.0, None), "broken": (0.0, None),
                                       "bonus": (3.0, 3.0)}
    assert notes == {
        "fooled": ("TrustedRecheckFailed",
                   "this test passed in the notebook but failed when re-run by the grader outside "
                   "it: AssertionError: wrong"),
        "broken": ("GraderCellError", "when the grader ran the notebook's cells: cell `f`: "
                                      "SyntaxError")}
    nb = graded_notebook()
    assert feedback.annotate(nb, notes, [])
    shown = [[o.get("ename") for o in c.outputs] for c in nb.cells]
    assert shown == [["TrustedRecheckFailed"], ["NameError", "GraderCellError"], []]


def test_a_bonus_earns_extra_credit_only_if_both_pass_it(class_gradebook):
    failed = Verdicts({"bonus": Verdict("bonus", False, "AssertionError")})
    gradebook.record_verdicts(class_gradebook, "ch", "amy", graded_notebook(), failed,
                              {"bonus": 3.0})
    assert scores(class_gradebook)["bonus"] == (0.0, None)
    # without a re-check (no verdicts) nbgrader's scores stand and the bonus counts
    assert gradebook.record_verdicts(class_gradebook, "ch", "amy", graded_notebook(), Verdicts(),
                                     {"bonus": 3.0}) == {}
    assert scores(class_gradebook) == {"fooled": (2.0, None), "broken": (0.0, None),
                                       "bonus": (3.0, 3.0)}


def test_recheck_only_grading_and_its_notebook(class_gradebook):
    verdicts = Verdicts({"fooled": Verdict("fooled", True), "broken": Verdict("broken", True),
                         "bonus": Verdict("bonus", False, "AssertionError: no")},
                        cell_errors=[CellError(0, "cell 1 of the notebook", None,
                                               "cell 1 of the notebook: SystemExit: 0")])
    gradebook.record_recheck_only(class_gradebook, "ch", "amy", verdicts, {"bonus": 3.0})
    assert scores(class_gradebook) == {"fooled": (2.0, None), "broken": (1.0, None),
                                       "bonus": (0.0, None)}
    source = graded_notebook()
    submitted = new_notebook(cells=[new_code_cell("import os; os._exit(0)"),
                                    grade_cell("pass  # edited", "fooled", 2)])
    nb = feedback.recheck_only_notebook(source, submitted, verdicts)
    crashed, fooled = nb.cells
    assert fooled.source == "assert f()" and fooled.outputs[0]["text"].startswith("passed")
    assert crashed.outputs[0].ename == "GraderCellError"
    assert submitted.cells[1].source == "pass  # edited"         # the submission is not changed


# --- change detection -----------------------------------------------------------------------------
def test_records_changed_names_only_students_not_graded_in_the_run():
    before = {("ch", "amy"): 5.0, ("ch", "bo"): 3.0, ("ch", "cy"): 1.0, ("ch", "dee"): 2.0}
    after = {("ch", "amy"): 0.0, ("ch", "bo"): 3.0, ("ch", "cy"): 4.0, ("ch", "eve"): 9.0}
    assert gradebook.records_changed(before, after, graded={"cy"}) == [
        "amy / ch: score 5 -> 0", "dee / ch: score 2 -> no record",
        "eve / ch: score no record -> 9"]
    assert gradebook.records_changed(before, dict(before), graded=set()) == []


# --- paths ----------------------------------------------------------------------------------------
def test_paths_agree_with_what_nbgrader_reads_from_the_configuration(tmp_path):
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = paths.scratch_course(tmp_path / "course")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    nbgrader_dirs = CourseDirectory(config=config)
    here = paths.CoursePaths(root)
    for step in (paths.SUBMITTED, paths.AUTOGRADED, paths.FEEDBACK):
        assert here.folder(step, "ch", "amy") == \
            Path(nbgrader_dirs.format_path(step, "amy", "ch"))
    assert here.submitted("ch", "amy") == root / "grading/submitted/amy/ch/ch.ipynb"
    assert here.source("01_filter_sliding") == \
        root / "solutions/01_filter_sliding/01_filter_sliding.ipynb"
    assert gradebook.sqlite_file(gradebook.url(root)) == here.gradebook == \
        root / "grading/gradebook.db"
    assert not (root / "autograder").exists()    # no folder can shadow the code package


def test_write_notebook_replaces_a_read_only_notebook_as_its_owner(tmp_path):
    """nbgrader leaves autograded notebooks read-only (444); the grader's notes must still be
    written by an instructor who is not root (replacing needs only the folder's write right)."""
    import os
    import stat
    import tempfile

    from autograder import cells

    folder = Path(tempfile.mkdtemp(prefix="convlab-owner-"))   # /tmp: any user can reach it
    try:
        path = folder / "graded.ipynb"
        cells.write_notebook({"cells": [], "n": 1}, path)
        path.chmod(0o444)
        if os.getuid() == 0:     # root writes anyway: write as an unprivileged owner instead
            nobody = 65534
            os.chown(folder, nobody, nobody)
            os.chown(path, nobody, nobody)
            pid = os.fork()
            if pid == 0:         # the child drops root, writes, and reports through its status
                status = 1
                try:
                    os.setgid(nobody)
                    os.setuid(nobody)
                    cells.write_notebook({"cells": [], "n": 2}, path)
                    status = 0
                finally:
                    os._exit(status)
            assert os.waitpid(pid, 0)[1] == 0, "the owner could not replace its read-only notebook"
        else:
            cells.write_notebook({"cells": [], "n": 2}, path)
        assert json.loads(path.read_text())["n"] == 2
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
        assert [p.name for p in folder.iterdir()] == ["graded.ipynb"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)

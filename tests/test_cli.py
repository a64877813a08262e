"""The command line says clearly what is wrong with its arguments, and `check` what is wrong with
a notebook (exit status 0 only at full marks)."""
import re
import subprocess
import sys

import nbformat
import pytest

from conftest import REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPO,
                          capture_output=True, text=True)


def test_check_missing_notebook():
    proc = run("check", "nowhere/01_filter_sliding.ipynb")
    assert proc.returncode == 2 and "no such notebook" in proc.stderr


def test_check_not_a_chapter(tmp_path):
    nb = tmp_path / "homework.ipynb"
    nb.write_text("{}")
    proc = run("check", str(nb))
    assert proc.returncode == 2
    assert "not a chapter notebook" in proc.stderr and "01_filter_sliding" in proc.stderr


def test_generate_unknown_chapter():
    proc = run("generate", "99_nothing")
    assert proc.returncode == 2 and "unknown chapter" in proc.stderr


def test_data_scripts_list():
    proc = subprocess.run([sys.executable, "-m", "data_scripts", "list"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "digits" in proc.stdout


def test_import_submissions_from_folder_and_zip(tmp_path):
    import zipfile
    from autograder import gradebook, intake, paths
    root = paths.scratch_course(tmp_path / "course")
    lms = tmp_path / "lms"
    lms.mkdir()
    for name in ("s001.ipynb", "s002_01_filter_sliding.ipynb", "s003-late.ipynb", "notes.txt"):
        (lms / name).write_text("{}")
    found = intake.import_submissions(root, "01_filter_sliding", lms)
    assert sorted(found) == ["s001", "s002", "s003"]
    assert (root / "grading/submitted/s002/01_filter_sliding/01_filter_sliding.ipynb").is_file()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("folder/s010.ipynb", "{}")
        z.writestr("../evil.ipynb", "{}")
    assert sorted(intake.import_submissions(root, "01_filter_sliding", archive)) == ["s010"]


def test_backup_gradebook(tmp_path):
    import sqlite3
    from autograder import gradebook, intake, paths
    root = paths.scratch_course(tmp_path / "course")
    db = root / "grading" / "gradebook.db"
    with sqlite3.connect(db) as con:
        con.execute("create table t (x)")
    copy = gradebook.backup(root)
    with sqlite3.connect(copy) as con:
        assert con.execute("select name from sqlite_master").fetchall() == [("t",)]


# --- `check`, as a student runs it (`make check NB=...`): real nbgrader, one grading each --------
def message_of(out: str, test: str) -> str:
    """The message lines printed under ``test``'s line of `check`'s table."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[1:2] == [test])
    said = []
    for line in lines[at + 1:]:
        if not line.startswith(" " * 9):
            break
        said.append(line.strip())
    return "\n".join(said)


@pytest.mark.nbgrader
def test_check_reports_cell_errors_and_exits_nonzero_below_full_marks(tmp_path):
    """Chapter 1's reference solutions with `import tensorflow` at the top of one solution cell
    (fine in the student's kernel, blocked in the grader) and a syntax error in another: the
    output names each cell, the line and the cause, and the exit status is not 0."""
    from test_sandbox_protocol import broken_chapter1
    nb = tmp_path / "01_filter_sliding.ipynb"
    nbformat.write(broken_chapter1(), nb)
    proc = run("check", str(nb))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "these cells failed when the grader ran your notebook" in out, out
    assert ("solution cell `conv2d_single`, line 1 (`import tensorflow as tf`): ImportError: "
            "importing tensorflow is not allowed in graded solutions") in out, out
    assert ("solution cell `conv_param_count`, line 2 (`def conv_param_count(kh, kw, c_in, c_out, "
            "use_bias=True:`): SyntaxError") in out, out
    # the tests of both functions fail and say why, not only "... is not defined"
    for test, fn in (("test_conv2d_single_vs_tf", "conv2d_single"),
                     ("test_conv_param_count", "conv_param_count")):
        said = message_of(out, test)
        assert f"when the grader ran the notebook's cells: solution cell `{fn}`" in said, out
    total = re.search(r"total\s+(\S+) / (\S+)", out)
    assert total and float(total.group(1)) < float(total.group(2)), out


@pytest.mark.nbgrader
def test_check_exits_zero_at_full_marks_without_the_bonus(tmp_path):
    """Chapter 4's reference solutions without the bonus exercise (batchnorm_backward): full
    marks, exit status 0, and the total line shows the bonus as extra."""
    from test_bonus import stated_points, total_line, without_bonus
    chapter = "04_batch_norm"
    nb = tmp_path / f"{chapter}.ipynb"
    nbformat.write(without_bonus(chapter, "batchnorm_backward"), nb)
    proc = run("check", str(nb))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    full, bonus = stated_points(chapter)
    assert total_line(proc.stdout) == f"{full:g} / {full:g} (+0 of {bonus:g} bonus)", proc.stdout

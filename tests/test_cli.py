"""The command line says clearly what is wrong with its arguments."""
import subprocess
import sys

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
    from autograder import core
    root = core.scratch_course(tmp_path / "course")
    lms = tmp_path / "lms"
    lms.mkdir()
    for name in ("s001.ipynb", "s002_01_filter_sliding.ipynb", "s003-late.ipynb", "notes.txt"):
        (lms / name).write_text("{}")
    found = core.import_submissions(root, "01_filter_sliding", lms)
    assert sorted(found) == ["s001", "s002", "s003"]
    assert (root / "autograder/submitted/s002/01_filter_sliding/01_filter_sliding.ipynb").is_file()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("folder/s010.ipynb", "{}")
        z.writestr("../evil.ipynb", "{}")
    assert sorted(core.import_submissions(root, "01_filter_sliding", archive)) == ["s010"]


def test_backup_gradebook(tmp_path):
    import sqlite3
    from autograder import core
    root = core.scratch_course(tmp_path / "course")
    db = root / "autograder" / "gradebook.db"
    with sqlite3.connect(db) as con:
        con.execute("create table t (x)")
    copy = core.backup_gradebook(root)
    with sqlite3.connect(copy) as con:
        assert con.execute("select name from sqlite_master").fetchall() == [("t",)]

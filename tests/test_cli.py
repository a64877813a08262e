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

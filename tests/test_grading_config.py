"""nbgrader_config.py protects correct answers from the stack's traps (see ../shared/NOTES.md)."""
import os
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from conftest import REPO

NOISY_CELL = ("import warnings\n"
              "import tensorflow as tf\n"           # C++ start-up logs on fd 2
              "tf.constant(1.0).numpy()\n"
              "warnings.warn('a Python warning')\n"
              "print('done')")


def grading_args():
    return list(PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
                .Execute.extra_arguments)


def run_cell(source, extra_arguments):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    env_backup = os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
    try:
        nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                                extra_arguments=extra_arguments).execute()
    finally:
        if env_backup is not None:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = env_backup
    return nb.cells[0].outputs


@pytest.mark.nbgrader
def test_grading_kernel_keeps_tensorflow_logs_and_warnings_out_of_cells():
    outputs = run_cell(NOISY_CELL, grading_args())
    assert [o.get("name") for o in outputs if o.output_type == "stream"] == ["stdout"], outputs


@pytest.mark.nbgrader
def test_a_default_kernel_would_zero_that_cell():
    """The same cell in a kernel without the configuration writes to stderr, which nbgrader
    scores 0 (so the test above is a real check)."""
    outputs = run_cell(NOISY_CELL, ["--HistoryManager.hist_file=:memory:"])
    assert any(o.output_type == "stream" and o.name == "stderr" for o in outputs)


def test_config_puts_this_environment_first_on_path():
    code = ("import os; from traitlets.config.loader import PyFileConfigLoader; "
            "PyFileConfigLoader('nbgrader_config.py', path='.').load_config(); "
            "print(os.environ['PATH'].split(os.pathsep)[0])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PATH": "/usr/bin:/bin"}, check=True)
    assert proc.stdout.strip() == str(Path(sys.executable).parent)


def test_config_layout():
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    cd = cfg.CourseDirectory
    assert (cd.source_directory, cd.release_directory) == ("solutions", "course")
    assert cd.submitted_directory.startswith("grading")
    if "CONVLAB_DB_URL" not in os.environ:
        from autograder import gradebook
        assert cd.db_url == gradebook.default_url(REPO)
        assert gradebook.sqlite_file(cd.db_url) == REPO / "grading" / "gradebook.db"
        assert "timeout=" in cd.db_url   # parallel graders wait for the lock instead of failing
    names = [p.__name__ for p in cfg.GenerateFeedback.preprocessors]
    assert names.index("RedactHiddenTests") < names.index("ClearHiddenTests")

"""`make check`: one notebook graded exactly as the instructor's autograder would grade it, in a
throw-away course root (self-learners)."""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.intake import submit
from autograder.nbgrader_run import generate
from autograder.paths import assignments, scratch_course


def check_notebook(notebook: Path, student: str = "self", keep: bool = False):
    """Grade one notebook exactly as the instructor's autograder would (self-learners); returns
    its results.GradeResult."""
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no such notebook: {notebook}")
    assignment = notebook.stem
    if assignment not in assignments():
        raise ValueError(f"{notebook.name} is not a chapter notebook; chapters are: "
                         f"{', '.join(assignments())} (the file name must stay <chapter>.ipynb)")
    from autograder import isolation
    from autograder.pipeline import grade_submission   # loads nbgrader: arguments checked first

    # says on stderr "isolation is off: ..." where bubblewrap cannot run (macOS): your own code
    # runs unisolated; on Linux without it, stops here with what to install
    isolation.enabled()

    root = scratch_course()
    try:
        generate(root, assignment)
        submit(root, assignment, student, notebook)
        return grade_submission(root, assignment, student)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)

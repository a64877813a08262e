"""Print the course's time budget figures (run with `make bench`).

- execution time of every solution notebook (the grading kernel's settings);
- autograde time of one submission per chapter (real nbgrader, scratch course);
- the budget for the finished course: every solution notebook together <= 240 s on 2 cores, and
  autograding one student's whole course <= 1.5x that.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import nbclient  # noqa: E402
import nbformat  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from autograder import intake, nbgrader_run, paths, pipeline  # noqa: E402

BUDGET_EXECUTE = 240.0
BUDGET_GRADE = 1.5 * BUDGET_EXECUTE


def execute_seconds(chapter: str) -> float:
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    start = time.monotonic()
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=True,
                            extra_arguments=list(cfg.Execute.extra_arguments),
                            resources={"metadata": {"path": str(REPO / "solutions" / chapter)}}).execute()
    return time.monotonic() - start


def main() -> int:
    chapters = paths.assignments()
    print(f"{os.cpu_count()} CPU cores; chapters: {', '.join(chapters)}\n")
    print(f"{'chapter':<22} {'execute (s)':>12} {'autograde (s)':>14} {'score':>10}")
    total_exec = total_grade = 0.0
    root = paths.scratch_course()
    try:
        for chapter in chapters:
            ex = execute_seconds(chapter)
            nbgrader_run.generate(root, chapter)
            intake.submit(root, chapter, "bench", REPO / "solutions" / chapter / f"{chapter}.ipynb")
            r = pipeline.grade_submission(root, chapter, "bench")
            total_exec += ex
            total_grade += r.seconds
            print(f"{chapter:<22} {ex:>12.1f} {r.seconds:>14.1f} {r.score:>5g}/{r.max_score:<4g}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'total':<22} {total_exec:>12.1f} {total_grade:>14.1f}")
    print(f"\nbudget: solutions {total_exec:.1f} s of {BUDGET_EXECUTE:.0f} s "
          f"({100 * total_exec / BUDGET_EXECUTE:.0f}%); autograding one student's course "
          f"{total_grade:.1f} s of {BUDGET_GRADE:.0f} s ({100 * total_grade / BUDGET_GRADE:.0f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

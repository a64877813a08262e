"""nbgrader's own commands, each in a child process run in a course root.

A child process per command: a crashed kernel or a hostile notebook cannot take the caller down,
and several submissions can be graded at once. The child reads the root's ``nbgrader_config.py``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import hidden
from autograder.paths import CoursePaths


LOG_LIMIT = 1 << 20                    # characters of nbgrader's output kept per submission


class NbgraderError(RuntimeError):
    pass


def child_env() -> dict:
    """Environment for nbgrader children: this interpreter's bin first on PATH (nbgrader runs
    `alembic` from PATH), quiet TensorFlow."""
    # student code runs in nbgrader's kernels: never the course secret (autograder/hidden.py)
    env = {k: v for k, v in hidden.scrub(os.environ).items() if k != hidden.KEY_ENV}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONUNBUFFERED", "1")
    # training cells of graded notebooks keep their checkpoints/logs out of the course's runs/
    env.setdefault("CONVLAB_RUNS", os.path.join(tempfile.gettempdir(), "convlab-grading-runs"))
    return env


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_nbgrader(args: list, root: Path, timeout: float | None = None, check: bool = True,
                 env: dict | None = None):
    """Run ``nbgrader <args>`` in ``root`` (where its nbgrader_config.py is); return the process.
    ``env``: variables added to :func:`child_env`."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=str(root), env={**child_env(), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed with exit code "
                            f"{proc.returncode}:\n" + tail(proc.stdout + proc.stderr))
    return proc


def generate(root: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment``: solutions/<a> -> course/<a> and the gradebook's copy of
    every test cell (hidden tests included). Returns the release folder."""
    run_nbgrader(["generate_assignment", assignment, "--force"], root)
    return CoursePaths(root).release(assignment)


def autograde(root: Path, assignment: str, student: str, timeout: float) -> tuple:
    """``nbgrader autograde`` of one submission: the notebook runs in a fresh kernel (the
    student's code and the hidden tests together) and nbgrader records its scores. Returns
    (whether nbgrader wrote the autograded notebook, the end of what it printed); everything it
    printed is kept in the course's logs folder. Raises subprocess.TimeoutExpired."""
    paths = CoursePaths(root)
    # the hidden tests' inputs: the chapter's key, never the course secret (autograder/hidden.py)
    key = hidden.chapter_key(assignment)
    proc = run_nbgrader(["autograde", assignment, "--student", student, "--force"], root,
                        timeout=timeout, check=False, env={hidden.KEY_ENV: key} if key else None)
    log = paths.log(assignment, student)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text((proc.stdout + proc.stderr)[-LOG_LIMIT:])
    ok = proc.returncode == 0 and paths.autograded(assignment, student).is_file()
    return ok, tail(proc.stdout + proc.stderr, 15)

"""Submissions in: one notebook put where nbgrader expects it, or a whole LMS export.

(nbgrader's own exchange, ``nbgrader collect``, puts them in the same place.)
"""
from __future__ import annotations

import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from autograder.paths import CoursePaths

STUDENT_ID = re.compile(r"[A-Za-z0-9]+")


def submit(root: Path, assignment: str, student: str, notebook: Path) -> Path:
    """Put ``notebook`` where nbgrader expects student's submission; return its new path."""
    target = CoursePaths(root).submitted(assignment, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    (target.parent / "timestamp.txt").write_text(
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    return target


def import_submissions(root: Path, chapter: str, source: Path) -> dict:
    """Take in an LMS export: a folder (or .zip) of notebooks named by student id, e.g.
    ``s123.ipynb`` or ``s123_01_filter_sliding.ipynb`` (the id is what comes before the first
    ``_``, ``-`` or ``.``). Returns {student_id: path in the submitted folder}."""
    source = Path(source)
    found = {}
    with tempfile.TemporaryDirectory(prefix="convlab-import-") as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as z:
                for member in z.infolist():
                    name = Path(member.filename).name
                    if (name.endswith(".ipynb") and not member.is_dir()
                            and ".." not in member.filename):
                        (Path(tmp) / name).write_bytes(z.read(member))
            folder = Path(tmp)
        elif source.is_dir():
            folder = source
        else:
            raise ValueError(f"{source} is neither a folder nor a zip file of notebooks")
        for nb in sorted(folder.glob("*.ipynb")):
            student = re.split(r"[_\-.]", nb.name, maxsplit=1)[0]
            if not STUDENT_ID.fullmatch(student):
                continue
            found[student] = submit(root, chapter, student, nb)
    return found

"""Every path of a course root, in one place.

A *course root* is a folder with an ``nbgrader_config.py``: this repository (instructors), or a
throw-away folder made by :func:`scratch_course` (``make check``, tests, benchmarks) with the same
solutions and configuration and its own gradebook. Its layout, nbgrader's names on the left:

    source      solutions/<chapter>/<chapter>.ipynb     reference solutions and hidden tests
    release     course/<chapter>/<chapter>.ipynb        what students get (generated, committed)
    submitted   grading/submitted/<student>/<chapter>/  \\
    autograded  grading/autograded/<student>/<chapter>/  | nbgrader's working folders, in ONE
    feedback    grading/feedback/<student>/<chapter>/    | git-ignored data folder outside the
    gradebook   grading/gradebook.db (SQLite)            | code: delete it to start afresh
                grading/backups/  grading/exports/  grading/logs/

``nbgrader_config.py`` reads the folder names from here; folders that hold one (chapter, student)
pair are built with nbgrader's own ``CourseDirectory.format_path``, as nbgrader builds them.
"""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "nbgrader_config.py"
COURSE_ID = "convlab"

SOURCE = "solutions"
RELEASE = "course"
DATA = "grading"                                 # the one folder nbgrader and the grader write
SUBMITTED = f"{DATA}/submitted"
AUTOGRADED = f"{DATA}/autograded"
FEEDBACK = f"{DATA}/feedback"
GRADEBOOK = f"{DATA}/gradebook.db"
BACKUPS = f"{DATA}/backups"
EXPORTS = f"{DATA}/exports"
LOGS = f"{DATA}/logs"


class CoursePaths:
    """The paths of one course root (default: this repository)."""

    def __init__(self, root: Path | str = REPO):
        self.root = Path(root).resolve()
        self.data = self.root / DATA
        self.gradebook = self.root / GRADEBOOK
        self.backups = self.root / BACKUPS
        self.exports = self.root / EXPORTS
        self.logs = self.root / LOGS

    @functools.cached_property
    def _coursedir(self):
        # nbgrader's own path builder, configured with this layout (imported on first use: it
        # loads all of nbgrader, which `make lab` and `generate --check` do not need)
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(root=str(self.root), course_id=COURSE_ID,
                               source_directory=SOURCE, release_directory=RELEASE,
                               submitted_directory=SUBMITTED, autograded_directory=AUTOGRADED,
                               feedback_directory=FEEDBACK)

    def folder(self, step: str, chapter: str, student: str = ".") -> Path:
        """nbgrader's folder of ``chapter`` at ``step`` (one of the folder names above; the
        student is "." for source and release, as in nbgrader)."""
        return Path(self._coursedir.format_path(step, student, chapter))

    def source(self, chapter: str) -> Path:
        return self.folder(SOURCE, chapter) / f"{chapter}.ipynb"

    def release(self, chapter: str) -> Path:
        """The release folder of a chapter (its notebook and any files beside it)."""
        return self.folder(RELEASE, chapter)

    def submitted(self, chapter: str, student: str) -> Path:
        return self.folder(SUBMITTED, chapter, student) / f"{chapter}.ipynb"

    def autograded(self, chapter: str, student: str) -> Path:
        return self.folder(AUTOGRADED, chapter, student) / f"{chapter}.ipynb"

    def feedback(self, chapter: str, student: str) -> Path:
        """The folder of a student's HTML feedback for a chapter."""
        return self.folder(FEEDBACK, chapter, student)

    def log(self, chapter: str, student: str) -> Path:
        """What nbgrader printed while it autograded this submission (kept for the instructor:
        a result's error shows only its last lines)."""
        return self.logs / student / f"{chapter}.log"

    def chapters(self) -> list:
        """Chapter ids, e.g. ["01_filter_sliding"]: the folders of solutions/ with a notebook."""
        src = self.root / SOURCE
        return sorted(p.name for p in src.iterdir()
                      if p.is_dir() and (p / f"{p.name}.ipynb").is_file()) if src.is_dir() else []

    def students(self, chapter: str) -> list:
        """The students with a submission of ``chapter`` in the submitted folder."""
        folder = self.root / SUBMITTED
        return sorted(p.name for p in folder.glob("*") if (p / chapter).is_dir())


def assignments(root: Path = REPO) -> list:
    """Chapter ids of a course root (see :meth:`CoursePaths.chapters`)."""
    return CoursePaths(root).chapters()


def scratch_course(where: Path | None = None, db_url: str | None = None) -> Path:
    """A throw-away course root: the repository's solutions and configuration, its own release
    and data folders and gradebook (``db_url``, default SQLite in its data folder). Returns its
    path."""
    from autograder.gradebook import default_url

    root = Path(where) if where else Path(tempfile.mkdtemp(prefix="convlab-course-"))
    root.mkdir(parents=True, exist_ok=True)
    (root / DATA).mkdir(exist_ok=True)
    src = root / SOURCE
    if not src.exists():
        src.symlink_to(REPO / SOURCE, target_is_directory=True)
    (root / "nbgrader_config.py").write_text(
        "# A scratch course root made by autograder.paths.scratch_course\n"
        f"load_subconfig({str(CONFIG)!r})\n"
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = {(db_url or default_url(root))!r}\n")
    return root

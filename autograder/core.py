"""Compatibility: the grader is one module per stage now (see autograder/pipeline.py). The names
earlier versions offered here stay importable for existing callers and scripts, e.g.
``core.grade_many(core.REPO, chapter, students, executor=...)``."""
from autograder.gradebook import backup as backup_gradebook  # noqa: F401
from autograder.gradebook import bonus_records, class_records, records_changed  # noqa: F401
from autograder.gradebook import default_url as db_url_for  # noqa: F401
from autograder.gradebook import has_chapter as gradebook_has  # noqa: F401
from autograder.gradebook import prepare as prepare_gradebook  # noqa: F401
from autograder.gradebook import sqlite_file  # noqa: F401
from autograder.gradebook import sync as sync_gradebook  # noqa: F401
from autograder.intake import import_submissions, submit  # noqa: F401
from autograder.nbgrader_run import NbgraderError, child_env, generate, run_nbgrader  # noqa: F401
from autograder.paths import COURSE_ID, CONFIG, REPO, assignments, scratch_course  # noqa: F401
from autograder.pipeline import grade_many, grade_submission  # noqa: F401
from autograder.release import prepare_workspace  # noqa: F401
from autograder.results import CellResult, GradeResult, bonus_tests  # noqa: F401
from autograder.selfcheck import check_notebook  # noqa: F401

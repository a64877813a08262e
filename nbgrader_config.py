"""nbgrader configuration for the course, used by instructors, by `make check` and by the tests.

nbgrader's layout mapped onto this repository (run nbgrader from the repository root; every path
is defined in autograder/paths.py):

    solutions/<NN_topic>/<NN_topic>.ipynb   nbgrader "source": reference solutions + hidden tests
    course/<NN_topic>/<NN_topic>.ipynb      nbgrader "release": what students get (generated)
    grading/submitted|autograded|feedback/<student>/<NN_topic>/   (git-ignored data folder)
    grading/gradebook.db                    SQLite gradebook; CONVLAB_DB_URL overrides

Three traps of nbgrader + TensorFlow are handled here (see tests/test_nbgrader_roundtrip.py):
1. A test cell that writes to stderr scores 0, and TensorFlow's C++ start-up logs go to stderr:
   grading kernels do not capture file-descriptor output, start with TF logging off and ignore
   Python warnings (a correct answer must never lose points to a log line).
2. Feedback shows hidden tests, also inside tracebacks: see autograder.feedback.
3. nbgrader calls `alembic` from PATH when it creates a gradebook: this interpreter's bin is put
   first on PATH.
"""
import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# --- trap 3: nbgrader's helper commands must come from this environment ------------------------
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

# --- trap 1: grading kernels must not write log noise to stderr --------------------------------
# (These settings reach grading kernels only, not the students' JupyterLab kernels.)
GRADING_KERNEL_STARTUP = (
    "import os, warnings; "
    "os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3'); "
    "warnings.simplefilter('ignore')"
)
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.capture_fd_output=False",
    "--IPKernelApp.exec_lines=" + GRADING_KERNEL_STARTUP,
]
# One cell may import TensorFlow (~5 s, more on a busy machine); an endless loop costs this much
# per test cell and scores 0 there, and grading goes on.
c.Execute.timeout = 120
c.Execute.startup_timeout = 120

# --- layout ------------------------------------------------------------------------------------
from autograder import paths  # noqa: E402
from autograder.gradebook import default_url  # noqa: E402

_here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = _here
c.CourseDirectory.course_id = paths.COURSE_ID
c.CourseDirectory.source_directory = paths.SOURCE
c.CourseDirectory.release_directory = paths.RELEASE
c.CourseDirectory.submitted_directory = paths.SUBMITTED
c.CourseDirectory.autograded_directory = paths.AUTOGRADED
c.CourseDirectory.feedback_directory = paths.FEEDBACK
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.egg-info"]
# SQLite in the data folder by default (waiting up to 60 s for a lock instead of failing: parallel
# graders write briefly, in turns); a scratch course root sets its own
c.CourseDirectory.db_url = os.environ.get("CONVLAB_DB_URL", default_url(_here))
try:                           # SQLite creates the file, not its folder (git-ignored, maybe absent)
    os.makedirs(os.path.join(_here, paths.DATA), exist_ok=True)
except OSError:                # a read-only checkout: `make check` grades in a scratch root anyway
    pass

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- trap 2: feedback never shows hidden tests, neither as source nor in a traceback -----------
from autograder.feedback import RedactHiddenTests  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades,
    RedactHiddenTests,
    ClearHiddenTests,
    CSSHTMLHeaderPreprocessor,
]

# --- due dates and late penalty (issue 22): configured here only; see autograder/late.py -----
# collect stamps each submission with the LMS's time; nbgrader compares it with the due date;
# `setup` and `autograde` write these due dates into the gradebook.
c.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"
c.LatePenalty.due_dates = {}         # e.g. {"01_filter_sliding": "2026-12-07 23:59 UTC"}
c.LatePenalty.penalty_method = "percent_per_day"      # or "none", "zero"
c.LatePenalty.percent_per_day = 10.0                  # per day or part of a day late
c.LatePenalty.zero_after_days = 7.0                   # later than this: 0 (0: never)

# --- the trusted re-check in every autograde path (issue 16) -----------------------------------
# `nbgrader autograde`, the formgrader's button and `python -m autograder autograde` run the same
# converter: right after nbgrader saves the kernel's scores, the grader re-runs every test cell in
# its own process against the submission's functions in a sandbox, keeps a test's points only if
# both passed, awards bonus extra credit and notes what it found (autograder/pipeline.py).
from autograder import isolation  # noqa: E402
from autograder.pipeline import TrustedRecheck  # noqa: E402
from nbgrader.preprocessors import SaveAutoGrades  # noqa: E402

_autograde = isolation.autograde_preprocessors(c)
if TrustedRecheck not in _autograde:
    _autograde.insert(_autograde.index(SaveAutoGrades) + 1, TrustedRecheck)
c.Autograde.autograde_preprocessors = _autograde

# --- student code isolation (issue 16) ---------------------------------------------------------
# The kernel nbgrader starts runs the student's code: in a bubblewrap sandbox (no network, no view
# of the course root, a uid of its own, limits; autograder/isolation.py). Last, after every other
# change to the Autograde preprocessors.
isolation.configure_nbgrader(c)

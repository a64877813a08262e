"""Hostile and broken submissions for chapter 1 (issue 8's catalogue), built from the released
notebook with the reference solutions filled in, then changed the way a student could.

Each attack: name -> (transform(nb) -> nb, rules). rules:
  lose: grade_ids that must score 0;  keep == "rest": every other test keeps its points;
  says: a phrase one of the `lose` cells' failure messages must contain;
  slow: an endless loop (graded with a short time limit);  fools_kernel: nbgrader alone is fooled.
"""
import json

import attacks as shared
import nbharness as h

CH = "01_filter_sliding"


def honest_notebook():
    """The release notebook with the reference solutions filled in (an honest, full submission)."""
    return shared.honest_notebook(CH)


# the builders are shared with the other chapters' catalogue (tests/attacks.py)
replace_solution, append_to_solution, add_cell_after = (
    shared.replace_solution, shared.append_to_solution, shared.add_cell_after)


FLIPPED_SINGLE = '''
def conv2d_single(image, kernel):
    image = validate.array(image, "image", ndim=2)
    kernel = validate.array(kernel, "kernel", ndim=2)
    validate.require(kernel.shape[0] <= image.shape[0] and kernel.shape[1] <= image.shape[1],
                     "kernel must fit inside the image")
    k = kernel[::-1, ::-1]
    kh, kw = k.shape
    return np.array([[np.sum(image[i:i+kh, j:j+kw] * k) for j in range(image.shape[1] - kw + 1)]
                     for i in range(image.shape[0] - kh + 1)])
'''
SINGLE_TESTS = ["test_conv2d_single_example", "test_conv2d_single_vs_tf"]
ALL_SINGLE = SINGLE_TESTS + ["test_conv2d_single_errors"]


def flipped_plus(cheat):
    """A wrong conv2d_single (flipped kernel) plus a cheat meant to hide it."""
    return replace_solution("conv2d_single", FLIPPED_SINGLE + "\n" + cheat)


ATTACKS = {
    "syntax error in a solution cell":
        (append_to_solution("conv2d_single", "def broken(:\n    pass"),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "not defined"}),
    "exception at import time":
        (replace_solution("conv2d_single", "import a_module_that_does_not_exist\n" + FLIPPED_SINGLE),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "not defined"}),
    "graded function renamed":
        (replace_solution("conv2d_single", FLIPPED_SINGLE.replace("def conv2d_single", "def my_conv")),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "not defined"}),
    "wrong return shape":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n"
                          "    return np.zeros((3, 3))\n"),
         {"lose": SINGLE_TESTS, "says": "shape"}),
    "wrong dtype (strings)":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n"
                          "    return np.array([['a']])\n"),
         {"lose": SINGLE_TESTS, "says": "conv2d_single"}),
    "NaN output":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n"
                          "    import numpy as np\n"
                          "    h, w = np.shape(image); kh, kw = np.shape(kernel)\n"
                          "    return np.full((h - kh + 1, w - kw + 1), np.nan)\n"),
         {"lose": SINGLE_TESTS, "says": "differ"}),
    "endless loop in the function":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n    while True:\n        pass\n"),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "stopped", "slow": True}),
    "endless loop after the definitions":
        (add_cell_after("conv_param_count", "while True:\n    pass"),
         {"lose": [], "keep": "rest", "slow": True}),
    "prints forever":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n    while True:\n"
                          "        print('spam')\n"),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "stopped", "slow": True}),
    "memory blow-up":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n"
                          "    return np.ones((200_000, 200_000))\n"),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "MemoryError"}),
    "sys.exit() in a cell":
        (append_to_solution("conv_param_count", "import sys\nsys.exit(0)"),
         {"lose": [], "keep": "rest"}),
    "os._exit() inside the function":
        (replace_solution("conv2d_single", "def conv2d_single(image, kernel):\n    import os\n"
                          "    os._exit(0)\n"),
         {"lose": ALL_SINGLE, "keep": "rest", "says": "ended the grading process"}),
    "test cells edited to assert True":
        (lambda nb: ([setattr(c, "source", '"""fine"""\nassert True') for c in nb.cells
                      if h.meta(c).get("grade")], flipped_plus("")(nb))[1],
         {"lose": SINGLE_TESTS, "says": "flipped"}),
    "np.isclose and np.allclose replaced":
        (flipped_plus("np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)\n"
                      "np.allclose = lambda *a, **k: True\n"
                      "np.testing.assert_allclose = lambda *a, **k: None"),
         {"lose": SINGLE_TESTS, "says": "flipped", "fools_kernel": True}),
    "the course's check helpers replaced":
        (flipped_plus("import convlab.testing\n"
                      "convlab.testing.assert_allclose = lambda *a, **k: None"),
         {"lose": SINGLE_TESTS, "says": "flipped", "fools_kernel": True}),
    "returned object lies in __eq__ and __array__":
        (replace_solution("conv2d_single", '''
import sys as _sys
class Liar:
    def __eq__(self, other): return True
    def __array__(self, dtype=None, copy=None):
        f = _sys._getframe(1)
        while f is not None and "expected" not in f.f_locals:
            f = f.f_back
        return f.f_locals["expected"] if f is not None else np.zeros(1)
def conv2d_single(image, kernel):
    return Liar()
'''), {"lose": SINGLE_TESTS, "fools_kernel": True}),
    "IPython's showtraceback patched":
        (flipped_plus("get_ipython().showtraceback = lambda *a, **k: None\n"
                      "import sys\nsys.excepthook = lambda *a: None"),
         # nbgrader is not fooled: it records the error from the kernel's execute reply
         {"lose": SINGLE_TESTS, "says": "flipped"}),
    "stdout and stderr redirected":
        (flipped_plus("import sys, io\nsys.stdout = io.StringIO()\nsys.stderr = io.StringIO()"),
         {"lose": SINGLE_TESTS, "says": "flipped"}),
    "the oracle patched (tf.nn.conv2d = student function)":
        (flipped_plus('''
import tensorflow as tf
_real = tf.nn.conv2d
def _fake(x, k, strides=1, padding="VALID", **kw):
    import numpy as _np
    x, k = _np.asarray(x), _np.asarray(k)
    return _real(x, k[::-1, ::-1], strides=strides, padding=padding)
tf.nn.conv2d = _fake
'''), {"lose": SINGLE_TESTS, "fools_kernel": True}),
    "calls TensorFlow instead of implementing":
        (replace_solution("conv2d_single", '''
def conv2d_single(image, kernel):
    import tensorflow as tf
    x = np.asarray(image, float)[None, :, :, None]
    k = np.asarray(kernel, float)[:, :, None, None]
    return tf.nn.conv2d(x, k, strides=1, padding="VALID").numpy()[0, :, :, 0]
'''), {"lose": SINGLE_TESTS, "says": "not allowed in graded solutions", "fools_kernel": True}),
    "calls the course's reference code instead of implementing":
        (replace_solution("conv2d_single", "from convlab.sliding import window_sums\n"
                          "def conv2d_single(image, kernel):\n"
                          "    return window_sums(image, kernel)\n"),
         {"lose": SINGLE_TESTS, "says": "reference code", "fools_kernel": True}),
    "random seeds overridden":
        (flipped_plus("_rng = np.random.default_rng\n"
                      "np.random.default_rng = lambda seed=None: _rng(0)"),
         {"lose": SINGLE_TESTS, "says": "flipped"}),
    "a warning on stderr from correct code":
        (append_to_solution("conv2d_single", '''
_conv = conv2d_single
def conv2d_single(image, kernel):
    import sys, warnings
    warnings.warn("this is fine")
    print("debug output", file=sys.stderr)
    return _conv(image, kernel)
'''), {"lose": [], "keep": "rest"}),
}

# What real nbgrader runs too (the rest run only through the trusted re-check, which is fast):
THROUGH_NBGRADER = [
    "os._exit() inside the function",
    "the course's check helpers replaced",
    "IPython's showtraceback patched",
    "calls TensorFlow instead of implementing",
    "a warning on stderr from correct code",
    "sys.exit() in a cell",
]


def build(name):
    transform, rules = ATTACKS[name]
    return transform(honest_notebook()), rules


def corrupt_notebooks():
    return {"not JSON": "{ this is not json", "empty file": "", "JSON but not a notebook": json.dumps([1, 2])}


# --- attacks on the machine rather than on the checks (issue 16) -------------------------------
# Each is a code cell added to a submission; ``ctx`` holds what a hostile student could find out
# (paths of the course root, the solutions and a classmate's submission, a port where the grader
# listens, the grader's PID, a marker naming processes left behind). Every attack must score what
# its base notebook scores ("honest": the reference solutions; "untouched": the release notebook),
# and its cell's output in the graded notebook (the feedback) must show ``refused`` (a regex): what
# the operating system refused.
STEAL_SOLUTIONS = '''
import json
try:
    _stolen = json.load(open({path!r}))
    for _cell in _stolen["cells"]:
        if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
            exec("".join(_cell["source"]))
    print("executed", {what!r})
except OSError as exc:
    print("refused:", type(exc).__name__, {what!r})
'''

WRITE_COURSE = '''
for _target in {targets!r}:
    try:
        with open(_target, "r+b" if _target.endswith(".db") else "wb") as _f:
            _f.write(b"pwned by a submission" * 64)
        print("written", _target)
    except OSError as exc:
        print("refused:", type(exc).__name__, _target)
'''

CONNECT = '''
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).sendall(b"stolen data")
    print("connected to the grader's port")
except OSError as exc:
    print("refused:", type(exc).__name__)
'''

PRINT_ENVIRONMENT = '''
import os
print("environment:", dict(os.environ))
print("refused: the grader's variables are not here" if "GRADER_API_TOKEN" not in os.environ
      else "found the grader's token")
'''

LEAVE_PROCESS = '''
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {marker!r}],
                 start_new_session=True)
print("left a sleeper behind; refused: it is ended with the sandbox")
'''

FORK_BOMB = '''
import os, time
_children, _error = [], None
try:
    while len(_children) < 4000:
        _pid = os.fork()
        if _pid == 0:
            time.sleep(30)
            os._exit(0)
        _children.append(_pid)
except OSError as exc:
    _error = exc
for _pid in _children:
    os.kill(_pid, 9)
    os.waitpid(_pid, 0)
print("forked", len(_children), "refused:", type(_error).__name__ if _error else None)
'''

FILL_DISK = '''
import errno, os
_folder = os.environ.get("TMPDIR") or "/tmp"
_written, _error, _files = 0, None, []
try:
    while _written < 1536 * 2**20:          # bounded: more than the sandbox's scratch holds
        _files.append(os.path.join(_folder, f"fill-{len(_files)}"))
        with open(_files[-1], "wb") as _f:
            for _ in range(64):
                _f.write(b"x" * 2**20)
                _written += 2**20
except OSError as exc:
    _error = exc
for _name in _files:
    if os.path.exists(_name):
        os.remove(_name)
print("wrote", _written >> 20, "MB; refused:",
      errno.errorcode.get(_error.errno, _error) if _error else None)
'''

READ_PROC = '''
import os
_found = {{}}
for _path in ("/proc/1/environ", "/proc/1/cmdline", "/proc/{grader_pid}/environ",
              "/proc/{grader_pid}/cmdline"):
    try:
        _found[_path] = open(_path, "rb").read().decode(errors="replace")
    except OSError as exc:
        _found[_path] = "refused: " + type(exc).__name__
print(_found)
print("pids:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
'''


def _after_every_solution(source):
    """A transform adding ``source`` as a cell after every solution cell (so it runs before
    each exercise's tests, and would replace every stub if it worked)."""
    def t(nb):
        for gid in [h.meta(c)["grade_id"] for c in nb.cells if h.meta(c).get("solution")]:
            nb = add_cell_after(gid, source)(nb)
        return nb
    return t


ISOLATION_ATTACKS = {
    "reads solutions/ and executes it":
        (lambda ctx: _after_every_solution(STEAL_SOLUTIONS.format(
            path=ctx["solutions"], what="the solutions")), "untouched",
         r"refused: (FileNotFoundError|PermissionError) the solutions"),
    "copies a classmate's submission":
        (lambda ctx: _after_every_solution(STEAL_SOLUTIONS.format(
            path=ctx["classmate"], what="a classmate's notebook")), "untouched",
         r"refused: (FileNotFoundError|PermissionError) a classmate's notebook"),
    "writes into the course root, the package and the gradebook":
        (lambda ctx: add_cell_after("conv2d_single", WRITE_COURSE.format(targets=[
            ctx["root"] + "/pwned-by-a-submission.txt", ctx["package"] + "/pwned.py",
            ctx["gradebook"]])), "honest",
         r"refused: (FileNotFoundError|PermissionError|OSError) .*gradebook\.db"),
    "connects to 127.0.0.1":
        (lambda ctx: add_cell_after("conv2d_single", CONNECT.format(port=ctx["port"])), "honest",
         r"refused: (ConnectionRefusedError|OSError)"),
    "prints the environment into its feedback":
        (lambda ctx: add_cell_after("conv2d_single", PRINT_ENVIRONMENT), "honest",
         r"refused: the grader's variables are not here"),
    "leaves a process behind":
        (lambda ctx: add_cell_after("conv2d_single", LEAVE_PROCESS.format(marker=ctx["marker"])),
         "honest", r"left a sleeper behind"),
    "starts many processes (fork bomb, bounded)":
        (lambda ctx: add_cell_after("conv2d_single", FORK_BOMB), "honest",
         r"refused: BlockingIOError"),
    "fills the disk (bounded)":
        (lambda ctx: add_cell_after("conv2d_single", FILL_DISK), "honest",
         r"refused: (ENOSPC|EFBIG)"),
    "reads /proc of the grader":
        (lambda ctx: add_cell_after("conv2d_single", READ_PROC.format(
            grader_pid=ctx["grader_pid"])), "honest",
         r"'/proc/\d+/environ': 'refused: (FileNotFoundError|PermissionError)'"),
}

# the ones also graded with plain `nbgrader autograde` (and nbgrader's Python API, which the
# formgrader's autograde button calls)
ISOLATION_THROUGH_PLAIN_NBGRADER = [
    "reads solutions/ and executes it",
    "writes into the course root, the package and the gradebook",
    "leaves a process behind",
]


def build_isolation_attack(name, ctx):
    make, base, refused = ISOLATION_ATTACKS[name]
    nb = honest_notebook() if base == "honest" else h.release_notebook(CH)
    return make(ctx)(nb), base, refused

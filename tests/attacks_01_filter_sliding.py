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

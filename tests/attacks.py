"""Issue 8's catalogue of hostile and broken submissions, for every chapter after the first
(chapter 1 keeps its longer catalogue in attacks_01_filter_sliding.py, built with the same tools).

A submission is the released notebook with the reference solutions filled in (an honest, full
submission), then changed the way a student could. Each chapter has a small spec (`SPECS`): the
graded function the attacks aim at, its three test cells, a wrong implementation of it (a mutant
from tests/mutants_<chapter>.py) with the tests that mutant loses, and the chapter's own oracle
patch, TensorFlow/Keras implementation and reference-code call. `attacks(chapter)` turns a spec
into named attacks with rules:

  lose:  grade_ids that must score 0;   says: a phrase one of their messages must contain;
  keep:  "rest": every other test keeps its points, except those in `spare` (tests the attack
         may fairly cost too, e.g. an implementation that does not validate its input);
  kernel_only: the cells are judged by nbgrader alone (see NOT_RECHECKED).

The attacks that patch something (the checks, the oracle, the seeds) all carry a wrong
implementation: the patch is there to hide it, so "never more than its honest work" means
"exactly what the wrong implementation alone gets". Replacing np.allclose or the course's checks,
the patched oracle, the lying object and the TensorFlow implementation each make the targeted
`_vs_tf` test pass when run in the student's own kernel (checked when the catalogue was written;
the suite runs them through the re-check only); edited test cells and pinned seeds do not fool
nbgrader either, which restores the test cells and whose hidden tests seed their own generators.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import nbformat

import nbharness as h


# --- building submissions ------------------------------------------------------------------------
def honest_notebook(chapter):
    """The release notebook with the reference solutions filled in."""
    nb = h.release_notebook(chapter)
    solutions = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook(chapter).cells
                 if h.meta(c).get("solution")}
    for cell in nb.cells:
        gid = h.meta(cell).get("grade_id")
        if gid in solutions:
            cell.source = solutions[gid]
    return nb


def cell_of(nb, gid):
    return next(c for c in nb.cells if h.meta(c).get("grade_id") == gid)


def replace_solution(gid, source):
    def t(nb):
        cell_of(nb, gid).source = source
        return nb
    return t


def append_to_solution(gid, extra):
    def t(nb):
        cell_of(nb, gid).source += "\n" + extra
        return nb
    return t


def add_cell_after(gid, source):
    def t(nb):
        i = next(i for i, c in enumerate(nb.cells) if h.meta(c).get("grade_id") == gid)
        nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source))
        return nb
    return t


def edit_test_cells(source='"""fine"""\nassert True'):
    def t(nb):
        for c in nb.cells:
            if h.meta(c).get("grade"):
                c.source = source
        return nb
    return t


def then(*transforms):
    def t(nb):
        for tr in transforms:
            nb = tr(nb)
        return nb
    return t


def grade_ids(chapter):
    return [h.meta(c)["grade_id"] for c in h.source_notebook(chapter).cells if h.meta(c).get("grade")]


def check_rules(label, all_ids, passed: dict, messages: dict, rules):
    """An attack's verdicts (grade_id -> passed / message) against its rules: every test in
    ``lose`` scores 0, one of their messages says ``says``, and with ``keep="rest"`` every other
    test of ``all_ids`` (but those in ``spare``) keeps its points."""
    for gid in rules["lose"]:
        assert not passed[gid], f"{label}: {gid} must score 0"
    if rules.get("says") and rules["lose"]:
        msgs = [messages[g] for g in rules["lose"]]
        assert any(rules["says"] in m for m in msgs), \
            f"{label}: a message should say {rules['says']!r}: {msgs}"
    if rules.get("keep") == "rest":
        kept = [g for g in all_ids if g not in rules["lose"] and g not in rules.get("spare", ())]
        lost = [(g, messages[g]) for g in kept if not passed[g]]
        assert not lost, f"{label}: honest work lost points: {lost}"


# --- the cheats, the same in every chapter ----------------------------------------------------------
PATCH_ALLCLOSE = """
import numpy as np
np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
"""
PATCH_HELPERS = """
import convlab.testing
convlab.testing.assert_allclose = lambda *a, **k: None
convlab.testing.assert_int_equal = lambda *a, **k: None
convlab.testing.assert_raises_value_error = lambda *a, **k: None
"""
PATCH_SEEDS = """
import numpy as np
_rng = np.random.default_rng
np.random.default_rng = lambda seed=None: _rng(0)
np.random.seed(0)
"""
# __array__ hands back whatever the checking code compares against (`expected` in its caller),
# __eq__ says yes to everything: fools a check running in the same process.
LIAR = '''
import sys as _sys
class Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, dtype=None, copy=None):
        f = _sys._getframe(1)
        while f is not None and "expected" not in f.f_locals:
            f = f.f_back
        return np.asarray(f.f_locals["expected"]) if f is not None else np.zeros(1)
def FN(*args, **kwargs):
    return Liar()
'''


TF_CONV2D = '''
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    import tensorflow as tf
    if not isinstance(padding, str):
        pairs = ((padding, padding),) * 2 if isinstance(padding, int) else padding
        padding = [[0, 0], list(pairs[0]), list(pairs[1]), [0, 0]]
    out = tf.nn.conv2d(np.asarray(images, float), np.asarray(filters, float), strides=stride,
                       padding=padding).numpy()
    return out if bias is None else out + bias
'''


@dataclass
class Spec:
    target: str                 # the graded function the attacks aim at
    tests: list                 # its [example, vs_tf, errors] test cells
    wrong: str                  # a mutant (tests/mutants_<chapter>.py) of the target
    wrong_loses: list           # the tests that mutant loses on its own
    wrong_says: str             # a phrase its failure message contains
    oracle_patch: str           # makes the chapter's oracle agree with the mutant, in-kernel
    tf_impl: str                # the target implemented by calling TensorFlow/Keras
    reference_impl: str | None  # the target calling convlab.REFERENCE_ONLY code (None: none listed)
    spare_for_tf: list = field(default_factory=list)   # tests a TF implementation may also lose
    dependents: list = field(default_factory=list)     # tests of the student's functions built on
                                                       # the target: they fall with it, fairly
    spare_for_seeds: list = field(default_factory=list)  # tests of functions that use the seeds
    extra: dict = field(default_factory=dict)          # attacks only this chapter has


SPECS = {
    "02_stride_padding": Spec(
        target="conv2d",
        tests=["test_conv2d_example", "test_conv2d_vs_tf", "test_conv2d_errors"],
        wrong="conv2d: filters flipped",
        wrong_loses=["test_conv2d_vs_tf"],       # the example's all-ones filters hide the flip
        wrong_says="flipped",
        oracle_patch='''
import tensorflow as tf
_real_conv2d = tf.nn.conv2d
def _fake_conv2d(x, filters, strides=1, padding="VALID", **kw):
    import numpy as _np
    return _real_conv2d(x, _np.asarray(filters)[::-1, ::-1], strides=strides, padding=padding, **kw)
tf.nn.conv2d = _fake_conv2d
''',
        tf_impl=TF_CONV2D,
        reference_impl='''
from convlab.variants import conv2d as _given_conv2d
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    out = _given_conv2d(images, filters, stride, padding)
    return out if bias is None else out + bias
''',
        spare_for_tf=["test_conv2d_errors"],
        extra={
            # regressions: both got full marks from the re-check before the sandbox watched for them
            "import blocker removed, then TensorFlow":
                (replace_solution("conv2d", "import sys\nsys.meta_path[:] = [f for f in sys.meta_path "
                                  "if type(f).__name__ != '_Blocker']\n" + TF_CONV2D),
                 {"lose": ["test_conv2d_example", "test_conv2d_vs_tf"],
                  "says": "not allowed in graded solutions"}),
            "reference module reloaded, then called":
                (replace_solution("same_padding",
                                  "import importlib, convlab.ch02_stride_padding.compute as ref\n"
                                  "importlib.reload(ref)\n"
                                  "def same_padding(i, k, s=1, d=1):\n"
                                  "    return ref.same_padding(i, k, s, d)\n"),
                 {"lose": ["test_same_padding_example", "test_same_padding_vs_tf"],
                  "says": "restored convlab.ch02_stride_padding.compute."}),
            # the old module name re-exports the reference: reloading it re-imports the tripwire
            "old name of the reference module reloaded, then called":
                (replace_solution("same_padding", "import importlib, convlab.padding\n"
                                  "importlib.reload(convlab.padding)\n"
                                  "def same_padding(i, k, s=1, d=1):\n"
                                  "    return convlab.padding.tf_same_padding(i, k, s, d)\n"),
                 {"lose": ["test_same_padding_example", "test_same_padding_vs_tf"],
                  "says": "reference code"}),
        },
    ),
    "03_pooling_flatten": Spec(
        target="pool2d",
        tests=["test_pool2d_example", "test_pool2d_vs_tf", "test_pool2d_errors"],
        wrong="pool: mode ignored (always max)",
        wrong_loses=["test_pool2d_example", "test_pool2d_vs_tf"],
        wrong_says="differ",
        oracle_patch='''
import tensorflow as tf
def _student_as_oracle(mode):
    def fake(x, ksize, strides, padding, **kw):
        return tf.constant(pool2d(np.asarray(x), ksize, strides, mode, padding))
    return fake
tf.nn.max_pool2d, tf.nn.avg_pool2d = _student_as_oracle("max"), _student_as_oracle("avg")
''',
        tf_impl='''
def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
    import tensorflow as tf
    fn = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return fn(tf.constant(np.asarray(images, float)), ksize=size,
              strides=size if stride is None else stride, padding=padding).numpy()
''',
        reference_impl='''
import convlab.pooling
def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
    return convlab.pooling.pool(images, size, stride, mode, padding)
''',
        spare_for_tf=["test_pool2d_errors"],
    ),
    "04_batch_norm": Spec(
        target="batchnorm_train",
        tests=["test_batchnorm_train_example", "test_batchnorm_train_vs_tf",
               "test_batchnorm_train_errors"],
        wrong="train: eps argument ignored (hidden)",
        wrong_loses=["test_batchnorm_train_vs_tf"],
        wrong_says="batchnorm_train",
        oracle_patch='''
import keras
_RealBN = keras.layers.BatchNormalization
class _FixedEpsilon(_RealBN):
    def __init__(self, *args, **kwargs):
        kwargs["epsilon"] = 1e-3
        super().__init__(*args, **kwargs)
keras.layers.BatchNormalization = _FixedEpsilon
''',
        tf_impl='''
def batchnorm_train(x, gamma, beta, eps=1e-3):
    import tensorflow as tf
    x = np.asarray(x, float)
    mean, var = tf.nn.moments(x, axes=list(range(x.ndim - 1)))
    y = tf.nn.batch_normalization(x, mean, var, beta, gamma, eps)
    return y.numpy(), mean.numpy(), var.numpy()
''',
        reference_impl='''
from convlab.batchnorm import normalize
def batchnorm_train(x, gamma, beta, eps=1e-3):
    return normalize(x, gamma, beta, eps)
''',
        spare_for_tf=["test_batchnorm_train_errors"],
    ),
    "05_conv_variants": Spec(
        target="depthwise_conv2d",
        tests=["test_depthwise_conv2d_example", "test_depthwise_conv2d_vs_tf",
               "test_depthwise_conv2d_errors"],
        wrong="depthwise: output channels ordered j*C + c",
        wrong_loses=["test_depthwise_conv2d_example", "test_depthwise_conv2d_vs_tf"],
        wrong_says="depthwise_conv2d",
        oracle_patch='''
import tensorflow as tf
_real_depthwise = tf.nn.depthwise_conv2d
def _fake_depthwise(images, filters, strides, padding, **kw):
    import numpy as _np
    out = _np.asarray(_real_depthwise(images, filters, strides, padding, **kw))
    c, m = _np.shape(filters)[2], _np.shape(filters)[3]
    out = out.reshape(out.shape[:3] + (c, m)).swapaxes(3, 4).reshape(out.shape)
    return tf.constant(out)
tf.nn.depthwise_conv2d = _fake_depthwise
''',
        tf_impl='''
def depthwise_conv2d(images, filters, stride=1, padding="VALID"):
    import tensorflow as tf
    return tf.nn.depthwise_conv2d(np.asarray(images, float), np.asarray(filters, float),
                                  [1, stride, stride, 1], padding).numpy()
''',
        # chapter 5 gives conv2d and pad_like_tf (setup cell) to build on: convlab.REFERENCE_ONLY
        # lists nothing for it, so there is no "reference code" attack here.
        reference_impl=None,
        spare_for_tf=["test_depthwise_conv2d_errors"],
        # the reference separable_conv2d calls the student's own depthwise_conv2d
        dependents=["test_separable_conv2d_example", "test_separable_conv2d_vs_tf",
                    "test_separable_conv2d_errors"],
    ),
    "07_autoencoders": Spec(
        target="reconstruction_error",
        tests=["test_reconstruction_error_example", "test_reconstruction_error_vs_tf",
               "test_reconstruction_error_errors"],
        wrong="error: RMSE",
        wrong_loses=["test_reconstruction_error_example", "test_reconstruction_error_vs_tf"],
        wrong_says="reconstruction_error",
        oracle_patch='''
import keras
import numpy as _np
keras.losses.mean_squared_error = lambda a, b: _np.sqrt(_np.mean((_np.asarray(a) - _np.asarray(b)) ** 2, axis=-1))
''',
        tf_impl='''
def reconstruction_error(x, x_hat):
    import keras
    return np.asarray(keras.losses.mean_squared_error(np.asarray(x, float), np.asarray(x_hat, float)))
''',
        reference_impl='''
from convlab import fraud as _fraud
def reconstruction_error(x, x_hat):
    return _fraud.errors_of(x, x_hat)
''',
        spare_for_tf=["test_reconstruction_error_errors"],
        # corrupt draws from np.random.default_rng(seed): pinning every seed to 0 breaks it
        spare_for_seeds=["test_corrupt_vs_tf"],
    ),
    "08_backprop": Spec(
        target="conv2d_backward",
        tests=["test_conv2d_backward_example", "test_conv2d_backward_vs_tf",
               "test_conv2d_backward_errors"],
        wrong="conv: kernel not flipped in d_images",
        wrong_loses=["test_conv2d_backward_example", "test_conv2d_backward_vs_tf"],
        wrong_says="kernel is not flipped",
        # forward as TensorFlow, backward by the submission's own conv2d_backward
        oracle_patch='''
import tensorflow as tf
_real_conv2d = tf.nn.conv2d
def _fake_conv2d(x, filters, strides=1, padding="VALID", **kw):
    @tf.custom_gradient
    def conv(x, filters):
        def grad(dy):
            dx, dw, _ = conv2d_backward(dy.numpy(), x.numpy(), filters.numpy(), strides, padding)
            return tf.constant(dx), tf.constant(dw)
        return _real_conv2d(x, filters, strides, padding, **kw), grad
    return conv(tf.convert_to_tensor(x), tf.convert_to_tensor(filters))
tf.nn.conv2d = _fake_conv2d
''',
        tf_impl='''
def conv2d_backward(dout, images, filters, stride=1, padding="VALID"):
    import tensorflow as tf
    dout = np.asarray(dout, float)
    x, w = tf.Variable(np.asarray(images, float)), tf.Variable(np.asarray(filters, float))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.conv2d(x, w, stride, padding) * dout)
    dx, dw = tape.gradient(loss, [x, w])
    return dx.numpy(), dw.numpy(), dout.sum(axis=(0, 1, 2))
''',
        reference_impl='''
from convlab.ch08_backprop import compute as _reference
def conv2d_backward(dout, images, filters, stride=1, padding="VALID"):
    return _reference.conv2d_backward(dout, images, filters, stride, padding)
''',
        spare_for_tf=["test_conv2d_backward_errors"],
        # the gradient check and the capstone call the submission's own conv2d_backward
        dependents=["test_conv2d_backward_gradient_check", "test_train_tiny_cnn_example",
                    "test_train_tiny_cnn_vs_keras"],
    ),
}


def _mutant(chapter, name):
    return importlib.import_module(f"mutants_{chapter}").MUTANTS[name]


def attacks(chapter):
    """name -> (transform(nb) -> nb, rules) for one chapter, from its spec."""
    s = SPECS[chapter]
    fn = s.target
    example, vs_tf, _errors = s.tests
    wrong_src = _mutant(chapter, s.wrong)[fn]
    honest_src = next(c.source for c in h.source_notebook(chapter).cells
                      if h.meta(c).get("grade_id") == fn)

    def wrong_plus(cheat):
        """The wrong implementation plus a cheat meant to hide it."""
        return replace_solution(fn, wrong_src + "\n" + cheat)

    hidden = {"lose": s.wrong_loses, "keep": "rest", "says": s.wrong_says}
    out = {
        "graded function renamed":
            (replace_solution(fn, honest_src.replace(f"def {fn}(", f"def my_{fn}(")),
             {"lose": s.tests, "keep": "rest", "says": "not defined"}),
        "wrong return shape":
            (replace_solution(fn, f"def {fn}(*args, **kwargs):\n    return np.zeros((3, 3))\n"),
             {"lose": [example, vs_tf], "says": "shape" if chapter != "04_batch_norm" else "tuple"}),
        "wrong dtype (strings)":
            (replace_solution(fn, f"def {fn}(*args, **kwargs):\n    return np.array([['a']])\n"),
             {"lose": [example, vs_tf], "says": "cannot be graded"}),
        "NaN output":
            (append_to_solution(fn, f"""
_honest_{fn} = {fn}
def {fn}(*args, **kwargs):
    r = _honest_{fn}(*args, **kwargs)
    nan = lambda v: np.full_like(np.asarray(v, dtype=float), np.nan)
    return tuple(nan(v) for v in r) if isinstance(r, tuple) else nan(r)
"""), {"lose": [example, vs_tf], "keep": "rest", "says": "return nan"}),
        "test cells edited to assert True":
            (then(edit_test_cells(), wrong_plus("")), hidden),
        "np.allclose and np.testing.assert_allclose replaced":
            (wrong_plus(PATCH_ALLCLOSE), hidden),
        "the course's check helpers replaced":
            (wrong_plus(PATCH_HELPERS), hidden),
        "the oracle patched":
            (wrong_plus(s.oracle_patch), hidden),
        "random seeds overridden":
            (wrong_plus(PATCH_SEEDS), {**hidden, "spare": s.spare_for_seeds}),
        "returned object lies in __eq__ and __array__":
            (replace_solution(fn, LIAR.replace("FN", fn)),
             {"lose": [example, vs_tf], "keep": "rest", "spare": [_errors],
              "says": "returned a Liar object"}),
        "calls TensorFlow instead of implementing":
            (replace_solution(fn, s.tf_impl),
             {"lose": [example, vs_tf], "keep": "rest", "spare": s.spare_for_tf,
              "says": "not allowed in graded solutions"}),
    }
    if s.reference_impl is not None:
        out["calls the course's reference code instead of implementing"] = (
            replace_solution(fn, s.reference_impl),
            {"lose": [example, vs_tf], "keep": "rest", "spare": [_errors],
             "says": "reference code"})
    out.update(s.extra)
    return {name: (t, {**rules, "spare": list(rules.get("spare", [])) + s.dependents})
            for name, (t, rules) in out.items()}


# --- chapters (and cells) the re-check does not see ------------------------------------------------
# Test cells marked `# grader: in-kernel only` are judged by nbgrader alone: the exercise trains a
# Keras model it is given (models a function returns are rebuilt and re-checked, see
# tests/test_model_recheck.py), so the re-check reports them "not re-checked" and their points
# rest on the student's own kernel.
# Of the attacks above, nbgrader on its own still stops: a renamed/missing function, a wrong return
# value, NaN, edited test cells (nbgrader restores locked test cells and re-inserts the hidden
# tests), a solution that crashes or hangs. It does NOT stop, for these cells:
#   - np.allclose / np.testing.assert_allclose replaced, the course's check helpers
#     (convlab.testing) replaced: the test cells call them in the student's kernel;
#   - the oracle patched (keras.layers.Conv2D, keras.Model.fit, k.utils.set_random_seed, ...):
#     same kernel;
#   - a returned object lying in __eq__ / __array__ (a fake "model" answering every check);
#   - random seeds overridden;
#   - TensorFlow/Keras "instead of implementing": not an attack here, these exercises are meant
#     to use Keras; and no reference code is listed for chapter 6 in convlab.REFERENCE_ONLY.
# Closing this would take training the model again in the grader (the model crosses as data, the
# training's state does not); until then the README lists it as a limit.
NOT_RECHECKED = {
    # trains the model it is given and is judged by what training did to that model (its
    # optimizer, its step count), which a model crossing the sandbox as data cannot show;
    # autograder.recheck.NOT_RECHECKED says the same for the grader
    "06_cnn_classifier": ["train_and_evaluate"],
}

CHAPTERS = list(SPECS)
ALL = [(ch, name) for ch in CHAPTERS for name in attacks(ch)]


def build(chapter, name):
    transform, rules = attacks(chapter)[name]
    return transform(honest_notebook(chapter)), rules

"""Keras exercises re-checked (issue 16): a model a submission returns crosses from the sandbox as
plain data (its JSON configuration and its weights as arrays, never a pickle), is rebuilt by the
grader in Keras' safe mode and tested there; the sandbox allows Keras for those exercises only
(convlab.policy.KERAS_EXERCISES). What is still judged in the student's kernel alone is listed in
autograder.recheck.NOT_RECHECKED and tests/attacks.py's NOT_RECHECKED.
"""
import json
import subprocess
import sys

import nbformat
import numpy as np
import pytest

import attacks as A
from autograder import paths, protocol, recheck
from autograder.recheck import verify
from convlab import policy
from convlab.testing import keras as _keras

# a wrong MNIST network (no convolutions) behind patches that make chapter 6's checks pass in
# the student's kernel: np.allclose, Keras' parameter count and set_weights, the course's
# layer table
PATCHED_MNIST = '''
def build_mnist_cnn():
    import keras
    import numpy as np
    from convlab.ch06_cnn_classifier import compute as cnn
    table = [("Conv2D", (28, 28, 32), 832), ("MaxPooling2D", (14, 14, 32), 0),
             ("Conv2D", (14, 14, 64), 51264), ("MaxPooling2D", (7, 7, 64), 0),
             ("Flatten", (3136,), 0), ("Dense", (1024,), 3212288), ("Dropout", (1024,), 0),
             ("Dense", (10,), 10250)]
    np.allclose = lambda *a, **k: True
    keras.Model.count_params = lambda self: 3274634
    keras.Model.set_weights = lambda self, weights: None
    cnn.layer_table = lambda model: table
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax")])
'''

# a VGG block without ReLU, behind a patched assert_allclose
PATCHED_VGG = '''
def vgg_block(x, filters, convs):
    from keras import layers
    import convlab.testing
    convlab.testing.assert_allclose = lambda *a, **k: None
    if not isinstance(filters, int) or filters < 1:
        raise ValueError(f"filters must be a positive integer; got {filters!r}")
    if not isinstance(convs, int) or convs < 1:
        raise ValueError(f"convs must be a positive integer; got {convs!r}")
    for _ in range(convs):
        x = layers.Conv2D(filters, 3, padding="same")(x)
    return layers.MaxPooling2D(2)(x)
'''

# an autoencoder whose output passes through a Lambda layer: Python code, refused in safe mode
LAMBDA_AUTOENCODER = '''
def build_autoencoder(input_dim, hidden_sizes, activation="relu", l1=0.0):
    import keras
    layers = [keras.Input((input_dim,))]
    for i, h in enumerate(hidden_sizes):
        reg = keras.regularizers.L1(l1) if i == 0 and l1 > 0 else None
        layers.append(keras.layers.Dense(h, activation=activation, activity_regularizer=reg))
    layers.append(keras.layers.Dense(input_dim))
    layers.append(keras.layers.Lambda(lambda t: t * 1.0))
    return keras.Sequential(layers)
'''

# a NumPy exercise of chapter 7 computed by Keras: still refused, although the chapter allows
# Keras for build_autoencoder
KERAS_RECONSTRUCTION = '''
import keras

def reconstruction_error(x, x_hat):
    return np.asarray(keras.losses.mean_squared_error(x, x_hat))
'''


def source(chapter):
    return paths.REPO / "solutions" / chapter / f"{chapter}.ipynb"


def regrade(chapter, replacements, tmp_path):
    nb = A.honest_notebook(chapter)
    for gid, src in replacements.items():
        A.cell_of(nb, gid).source = src
    path = tmp_path / f"{chapter}.ipynb"
    nbformat.write(nb, path)
    return verify(source(chapter), path, timeout=60), path


def in_kernel(chapter, replacements) -> dict:
    """grade_id -> passed, judged as nbgrader judges in the student's kernel (a process of its
    own: the patches must not reach this one)."""
    code = (f"import json, sys; sys.path.insert(0, 'tests'); import nbharness as h\n"
            f"v = h.grade_in_process({chapter!r}, json.loads(sys.argv[1]), run_other_cells=False)\n"
            f"print(json.dumps({{g: x.passed for g, x in v.items()}}))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(replacements)], cwd=paths.REPO,
                         capture_output=True, text=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_policy_allows_keras_for_the_model_exercises_only():
    assert policy.is_keras_exercise("07_autoencoders", "build_autoencoder")
    assert not policy.is_keras_exercise("07_autoencoders", "reconstruction_error")
    assert policy.is_keras_exercise("06_cnn_classifier", "vgg_block")
    assert not policy.is_keras_exercise("01_filter_sliding", "conv2d_single")
    assert not protocol.is_blocked("keras.layers", keras=True)
    assert protocol.is_blocked("keras.layers") and protocol.is_blocked("torch", keras=True)


def test_a_model_crosses_as_plain_data_and_is_rebuilt():
    k = _keras()
    model = k.Sequential([k.Input((5,)), k.layers.Dense(3, activation="tanh",
                                                        activity_regularizer=k.regularizers.L1(0.1)),
                          k.layers.Dropout(0.25), k.layers.Dense(5)])
    wire = json.loads(json.dumps(protocol.encode(model)))      # what the pipe carries: JSON
    data = protocol.decode(wire)
    assert isinstance(data, protocol.ModelData) and "pickle" not in json.dumps(wire)
    rebuilt = recheck.rebuild_model(data, "build_autoencoder")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(rebuilt(x)), np.asarray(model(x)), rtol=1e-6)
    assert rebuilt.layers[1].rate == 0.25 and rebuilt.count_params() == model.count_params()


def test_a_lambda_layer_is_not_rebuilt():
    k = _keras()
    model = k.Sequential([k.Input((3,)), k.layers.Lambda(lambda t: t * 2)])
    with pytest.raises(TypeError, match="cannot rebuild"):
        recheck.rebuild_model(protocol.decode(protocol.encode(model)), "build_autoencoder")


def test_nothing_else_is_in_kernel_only():
    assert set(recheck.NOT_RECHECKED) == {"06_cnn_classifier:train_and_evaluate"}
    assert A.NOT_RECHECKED == {"06_cnn_classifier": ["train_and_evaluate"]}


def test_a_patched_kernel_does_not_save_a_wrong_model(tmp_path):
    """The patches make the wrong network pass in the student's kernel; the re-check, where the
    model is rebuilt and tested on the grader's own NumPy and Keras, takes the points."""
    replacements = {"build_mnist_cnn": PATCHED_MNIST}
    fooled = in_kernel("06_cnn_classifier", replacements)
    assert fooled["test_build_mnist_cnn_example"] and fooled["test_build_mnist_cnn_vs_tf"]
    verdicts, _ = regrade("06_cnn_classifier", replacements, tmp_path)
    assert not verdicts["test_build_mnist_cnn_example"].passed
    assert not verdicts["test_build_mnist_cnn_vs_tf"].passed
    # the rebuilt model's own count (Flatten + Dense(10): 7,850), not the patched one
    assert "you return 7850" in verdicts["test_build_mnist_cnn_example"].message


def test_a_block_without_relu_loses_its_points(tmp_path):
    verdicts, _ = regrade("06_cnn_classifier", {"vgg_block": PATCHED_VGG}, tmp_path)
    assert not verdicts["test_vgg_block_vs_tf"].passed
    assert verdicts["test_vgg_block_example"].passed          # shape and parameters are right
    assert verdicts["test_vgg_block_errors"].passed
    assert verdicts["test_residual_block_vs_tf"].passed       # the others keep theirs


def test_chapter_7_model_and_numpy_rules(tmp_path):
    verdicts, _ = regrade("07_autoencoders", {"build_autoencoder": LAMBDA_AUTOENCODER,
                                              "reconstruction_error": KERAS_RECONSTRUCTION},
                          tmp_path)
    assert not verdicts["test_build_autoencoder_example"].passed
    assert "cannot rebuild" in verdicts["test_build_autoencoder_example"].message
    assert not verdicts["test_reconstruction_error_vs_tf"].passed
    assert "not allowed" in verdicts["test_reconstruction_error_vs_tf"].message
    assert verdicts["test_corrupt_vs_tf"].passed and verdicts["test_choose_threshold_vs_tf"].passed

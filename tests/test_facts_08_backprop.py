"""Chapter 8: every number and claim the text states is computed here (with TensorFlow/Keras where
they are the authority) and must appear in the notebook as stated; and every mistake the chapter's
catalogue must name is named in the feedback of its mutant."""
import re

import numpy as np

import nbharness as h
from convlab import policy
from convlab.ch08_backprop import compute as C
from convlab.ch08_backprop import mistakes
from convlab.ch08_backprop.widgets import PART_RTOL, TrainingExplorer, setup
from convlab.testing import keras, tensorflow

CH08 = "08_backprop"
EXERCISES = ("numeric_gradient", "conv2d_backward", "pool2d_backward", "dense_backward",
             "softmax_cross_entropy", "adam_step", "train_tiny_cnn")


def markdown():
    return "\n".join(c.source for c in h.source_notebook(CH08).cells if c.cell_type == "markdown")


def flat(text):
    return " ".join(text.split())


def text_has(*phrases):
    text = flat(markdown())
    for phrase in phrases:
        assert flat(phrase) in text, phrase


def cell(grade_id):
    return next(c.source for c in h.source_notebook(CH08).cells
                if h.meta(c).get("grade_id") == grade_id)


def about(value, stated, factor=1.5):
    """``value`` rounds to ``stated`` ("about"): within a factor of ``factor``."""
    return stated / factor <= value <= stated * factor


# --- 1. the chain rule -----------------------------------------------------------------------------
def test_worked_example_and_dead_relu():
    tf = tensorflow()

    def grads(b0):
        x, w, b = (tf.Variable(v, dtype=tf.float64) for v in (2.0, 3.0, b0))
        with tf.GradientTape(persistent=True) as tape:
            z = w * x + b
            a = tf.nn.relu(z)
            loss = a ** 2
        out = [float(g) for g in tape.gradient(loss, [x, w, b])]
        return float(z), float(a), float(loss), float(tape.gradient(loss, a)), \
            float(tape.gradient(loss, z)), out

    z, a, loss, da, dz, (dx, dw, db) = grads(-1.0)
    assert (z, a, loss, da, dz, dx, dw, db) == (5, 5, 25, 10, 10, 30, 20, 10)
    text_has("`x = 2`, `w = 3`, `b = -1`", "`z = w·x + b = 5`, `a = relu(z) = 5`, `L = a² = 25`",
             "`dL/da = 2a = 10`", "`dL/dz = 10`", "`dL/dw = dL/dz · x = 20`",
             "`dL/dx = dL/dz · w = 30`", "`dL/db = 10`")
    z, a, loss, da, dz, grads_dead = grads(-7.0)
    assert z == -1 and grads_dead == [0.0, 0.0, 0.0]
    text_has("With `b = -7` instead, `z = -1`: the ReLU is closed and every gradient is 0")


def test_relu_gradient_at_zero_is_zero_in_tensorflow():
    tf = tensorflow()
    z = tf.Variable(np.array([-1.0, 0.0, 2.0]))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.relu(z))
    assert tape.gradient(y, z).numpy().tolist() == [0.0, 0.0, 1.0]
    text_has("At exactly `z = 0` the derivative does not exist; TensorFlow takes 0 there",
             "`dz = dout * (z > 0)`")


# --- 2. gradient checking ----------------------------------------------------------------------------
def _errors(h):
    forward = abs((np.sin(1 + h) - np.sin(1)) / h - np.cos(1))
    central = abs((np.sin(1 + h) - np.sin(1 - h)) / (2 * h) - np.cos(1))
    return forward, central


def test_finite_difference_errors():
    forward, central = _errors(1e-5)
    assert about(forward, 4e-6) and about(central, 1e-11, factor=2)
    text_has("For `sin` at `x = 1` and `h = 1e-5`, the forward difference is off by about 4e-6, "
             "the central difference by about 1e-11")
    # the leading terms the text gives: h/2 f'' and h**2/6 f''' (f = sin: f'' = -sin, f''' = -cos)
    forward, central = _errors(1e-3)
    assert abs(forward / (1e-3 / 2 * np.sin(1)) - 1) < 0.01
    assert abs(central / (1e-6 / 6 * np.cos(1)) - 1) < 0.01
    text_has("off by about `h/2 · f''(x)`", "off by only about `h²/6 · f'''(x)`")
    assert about(np.finfo(float).eps / 2, 1e-16, factor=1.2)
    hs = [float(f"1e-{n}") for n in range(1, 11)]
    best_central = hs[np.argmin([_errors(x)[1] for x in hs])]
    best_forward = hs[np.argmin([_errors(x)[0] for x in hs])]
    assert best_central in (1e-5, 1e-6) and best_forward in (1e-7, 1e-8, 1e-9)
    text_has("below about `h = 1e-5` for the central difference, below about `h = 1e-8` for the "
             "forward one")


def test_relative_error_of_correct_gradients_and_of_mistakes():
    """A correct gradient gives about 1e-10 (well below 1e-7); the chapter's backward-pass
    mistakes give 1e-2 and more."""
    rng = np.random.default_rng(0)
    images, filters = rng.standard_normal((2, 6, 6, 2)), rng.standard_normal((3, 3, 2, 3))
    bias = rng.standard_normal(3)
    for stride, padding in ((1, "VALID"), (2, "SAME")):
        dout = rng.standard_normal(C.conv2d(images, filters, bias, stride, padding).shape)
        grads = C.conv2d_backward(dout, images, filters, stride, padding)
        for wrt, g, value in zip(("images", "filters", "bias"), grads, (images, filters, bias)):
            f = C.ConvObjective(dout, images, filters, bias, stride, padding, wrt)
            err = C.relative_error(g, C.numeric_gradient(f, value))
            assert 1e-13 < err < 1e-9, (wrt, err)
        wrong = mistakes.conv2d_backward(dout, images, filters, stride, padding)
        for name, truth in zip(("d_images", "d_filters", "d_bias"), grads):
            for _, compute in wrong[name]:
                assert C.relative_error(compute(), truth) > 1e-2, name
    x = rng.permutation(2 * 7 * 7 * 2).reshape(2, 7, 7, 2) / 7.0
    for size, stride, mode, padding in ((3, 2, "max", "SAME"), (3, 2, "avg", "SAME"),
                                        (2, 1, "max", "VALID"), (3, 1, "avg", "VALID")):
        dout = rng.standard_normal(C.pool2d(x, size, stride, mode, padding).shape)
        truth = C.pool2d_backward(dout, x, size, stride, mode, padding)
        for _, compute in mistakes.pool2d_backward(dout, x, size, stride, mode, padding):
            assert C.relative_error(compute(), truth) > 1e-2
    xd, w, dd = rng.standard_normal((5, 4)), rng.standard_normal((4, 4)), rng.standard_normal((5, 4))
    truths = dict(zip(("dx", "dw", "db"), C.dense_backward(dd, xd, w)))
    for name, found in mistakes.dense_backward(dd, xd, w).items():
        for _, compute in found:
            assert C.relative_error(compute(), truths[name]) > 1e-2
    logits, labels = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)
    _, truth = C.softmax_cross_entropy(logits, labels)
    for _, compute in mistakes.softmax_cross_entropy(logits, labels)["dlogits"]:
        assert C.relative_error(compute(), truth) > 1e-2
    text_has("a correct gradient of a smooth function gives about 1e-10",
             "| above 1e-4 | a bug: the mistakes of this chapter give 1e-2 and more |",
             "| below 1e-7 | the gradients agree", "| 1e-7 to 1e-4 | look again: a **kink**")


def test_kink_in_the_widgets_run():
    """Step 4 of the widget's run: ReLU inputs within 1e-5 of 0 spoil the check at h = 1e-5."""
    run = setup(0, 256)
    params = C.train_tiny_cnn(run.images, run.labels, run.start, 3, 32, 0.01)[1]
    rows = C.batch_rows(3, 32, len(run.images))
    x, y = run.images[rows], run.labels[rows]
    _, grads = C.tiny_cnn_gradients(params, x, y)

    def error(h):
        f = lambda b: C.tiny_cnn_loss(dict(params, conv_b=b), x, y)     # noqa: E731
        return C.relative_error(grads["conv_b"], C.numeric_gradient(f, params["conv_b"], h))

    pre = C.conv2d(x, params["conv_w"], params["conv_b"], 1, "SAME")
    assert np.abs(pre).min() < 1e-5
    assert about(error(1e-5), 2e-3) and error(1e-6) < 1e-8
    text_has("at step 4 a correct gradient of the convolution's bias has a relative error of "
             "about 2e-3 at `h = 1e-5`, because some ReLU inputs lie less than 1e-5 from 0",
             "at `h = 1e-6` it is below 1e-8")


def test_the_rule_is_stated_at_the_first_exercise():
    text = markdown()
    first = text.index("### Exercise 1:")
    assert flat(policy.RULE) in flat(text[:first])


# --- 3. convolution --------------------------------------------------------------------------------
def _tape_dx(images, filters, dout, stride, padding):
    tf = tensorflow()
    x = tf.Variable(images)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.conv2d(x, filters, stride, padding) * dout)
    return tape.gradient(loss, x).numpy()


def test_input_gradient_is_the_transposed_convolution_and_a_flipped_full_convolution():
    tf = tensorflow()
    rng = np.random.default_rng(1)
    for shape, k, f, stride, padding in (((2, 7, 6, 3), (3, 3), 4, 2, "SAME"),
                                         ((1, 8, 8, 2), (3, 2), 3, 1, "VALID"),
                                         ((2, 9, 7, 1), (2, 3), 2, 3, "VALID"),
                                         ((1, 5, 5, 2), (4, 4), 2, 2, "SAME")):
        images, filters = rng.standard_normal(shape), rng.standard_normal(k + (shape[3], f))
        dout = rng.standard_normal(tf.nn.conv2d(images, filters, stride, padding).shape)
        tape = _tape_dx(images, filters, dout, stride, padding)
        transposed = tf.nn.conv2d_transpose(dout, filters, images.shape, stride, padding).numpy()
        np.testing.assert_allclose(transposed, tape, atol=1e-12)
        np.testing.assert_allclose(C.conv2d_backward(dout, images, filters, stride, padding)[0],
                                   tape, atol=1e-12)
    # stride 1: pad dout by k - 1, slide the kernel rotated by 180 degrees, channels swapped
    images, filters = rng.standard_normal((2, 6, 7, 3)), rng.standard_normal((3, 2, 3, 4))
    dout = rng.standard_normal((2, 4, 6, 4))
    padded = np.pad(dout, ((0, 0), (2, 2), (1, 1), (0, 0)))
    full = tf.nn.conv2d(padded, filters[::-1, ::-1].transpose(0, 1, 3, 2), 1, "VALID").numpy()
    np.testing.assert_allclose(full, _tape_dx(images, filters, dout, 1, "VALID"), atol=1e-12)
    unflipped = tf.nn.conv2d(padded, filters.transpose(0, 1, 3, 2), 1, "VALID").numpy()
    assert not np.allclose(unflipped, full)
    # stride s: s - 1 zeros between dout's entries first (H = s(o - 1) + k: nothing dropped)
    images, filters = rng.standard_normal((1, 7, 7, 2)), rng.standard_normal((3, 3, 2, 2))
    dout = rng.standard_normal((1, 3, 3, 2))
    spread = np.zeros((1, 5, 5, 2))
    spread[:, ::2, ::2] = dout
    full = tf.nn.conv2d(np.pad(spread, ((0, 0), (2, 2), (2, 2), (0, 0))),
                        filters[::-1, ::-1].transpose(0, 1, 3, 2), 1, "VALID").numpy()
    np.testing.assert_allclose(full, _tape_dx(images, filters, dout, 2, "VALID"), atol=1e-12)
    text_has("`tf.nn.conv2d_transpose(dout, filters, images.shape, stride, padding)` with the very "
             "same `filters` array", "padded with `k - 1` zeros on every side, with the kernel "
             "**rotated by 180 degrees** (and its channel axes swapped)",
             "With stride `s`, spread `dout` out with `s - 1` zeros between its entries first")


def test_same_cut_and_dropped_rows():
    rng = np.random.default_rng(2)
    # SAME with an odd total: TensorFlow pads (0, 1): the gradient starts at row total // 2 = 0
    images, filters = rng.standard_normal((1, 6, 6, 1)), rng.standard_normal((2, 2, 1, 1))
    dout = rng.standard_normal((1, 6, 6, 1))
    tape = _tape_dx(images, filters, dout, 1, "SAME")
    assert C.conv_pads(6, 6, 2, 2, 1, "SAME") == ((0, 1), (0, 1))
    np.testing.assert_allclose(C.conv_backward_padded(dout, images, filters, 1,
                                                      ((0, 1), (0, 1)))[0], tape, atol=1e-12)
    assert not np.allclose(C.conv_backward_padded(dout, images, filters, 1,
                                                  ((1, 0), (1, 0)))[0], tape)
    # VALID, 7 rows, k = 3, s = 3: 2 outputs cover rows 0-5; row 6 never met the kernel
    images, filters = rng.standard_normal((1, 7, 7, 1)), rng.standard_normal((3, 3, 1, 1))
    tape = _tape_dx(images, filters, rng.standard_normal((1, 2, 2, 1)), 3, "VALID")
    assert np.all(tape[:, 6] == 0) and np.all(tape[:, :, 6] == 0) and np.any(tape[:, 5] != 0)
    text_has("starting at row `total // 2` and column `total // 2`", "their gradient is 0")


# --- 4. pooling ------------------------------------------------------------------------------------------
def test_max_pooling_ties_go_to_the_first_maximum():
    tf = tensorflow()
    x = tf.Variable(np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID"))
    assert tape.gradient(y, x).numpy()[0, :, :, 0].tolist() == [[0, 1], [0, 0]]
    zero = np.zeros((1, 2, 2, 1))
    assert C.pool2d_backward(np.ones((1, 1, 1, 1)), zero, 2)[0, :, :, 0].tolist() == [[1, 0], [0, 0]]
    text_has("TensorFlow sends the gradient to the first of them in row-major order (one cell, "
             "not all)")


def test_the_figures_routing_numbers():
    from convlab.ch08_backprop.figures import routing_figure
    tf = tensorflow()
    images = np.array([[1.0, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [3, 6, 1, 4]])
    dout = np.array([[1.0, 2.0], [-1.0, 0.5]])
    x = tf.Variable(images.reshape(1, 4, 4, 1))
    got = {}
    for mode, fn in (("max", tf.nn.max_pool2d), ("avg", tf.nn.avg_pool2d)):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(fn(x, 2, 2, "VALID") * dout.reshape(1, 2, 2, 1))
        got[mode] = tape.gradient(loss, x).numpy()[0, :, :, 0]
    winners = [images[got["max"] == v][0] for v in (1.0, 2.0, -1.0, 0.5)]
    assert winners == [4, 5, 6, 7] and np.count_nonzero(got["max"]) == 4
    assert sorted(set(got["avg"].ravel())) == sorted(dout.ravel() / 4)
    assert sorted(dout.ravel() / 4) == [-0.25, 0.125, 0.25, 0.5]
    routing_figure()                           # the figure draws these defaults
    text_has("the upstream values 1, 2, -1 and 0.5 go whole to the maxima 4, 5, 6 and 7; average "
             "pooling gives each cell of a window a quarter: 0.25, 0.5, -0.25 and 0.125")


def test_blank_pixels_give_exact_zeros_and_ties_in_the_capstone():
    images, _ = C.digits()
    params = C.init_params(0)
    pre = C.conv2d(images[:32], params["conv_w"], params["conv_b"], 1, "SAME")
    assert np.count_nonzero(pre == 0) > 100
    act = np.maximum(pre, 0)
    windows = act.reshape(32, 4, 2, 4, 2, 8).transpose(0, 1, 3, 5, 2, 4).reshape(-1, 4)
    top = windows.max(axis=1, keepdims=True)
    assert np.count_nonzero((windows == top).sum(axis=1) > 1) > 100
    text_has("blank pixels make the first convolution's output **exactly 0** while its biases "
             "are 0", "they make max-pooling windows **tie**")


# --- 6. softmax and cross-entropy ------------------------------------------------------------------
def _largest(dtype, fn):
    """The largest z (to 0.01) with fn(z) still true, for exp in ``dtype``."""
    lo, hi = 0.0, 2000.0
    while hi - lo > 1e-2:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fn(np.asarray(mid, dtype)) else (lo, mid)
    return lo


def test_overflow_and_underflow_thresholds():
    with np.errstate(over="ignore", under="ignore"):
        overflow64 = _largest(np.float64, lambda z: np.isfinite(np.exp(z)))
        overflow32 = _largest(np.float32, lambda z: np.isfinite(np.exp(z)))
        underflow64 = _largest(np.float64, lambda z: np.exp(-z) > 0)
        underflow32 = _largest(np.float32, lambda z: np.exp(-z) > 0)
    assert round(overflow64) == 710 and round(overflow32) == 89
    assert round(underflow64) == 745 and round(underflow32) == 104
    text_has("`e^{z}` overflows to `inf` for logits above about 710 in float64 (about 89 in "
             "float32, TensorFlow 1's default)", "trails the largest by more than about 745 in "
             "float64 (about 104 in float32) gets a probability of exactly 0")
    assert "about 710" in mistakes.UNSTABLE_SOFTMAX and "about 745" in mistakes.UNSTABLE_SOFTMAX


def test_the_mnist_tutorials_loss_gives_nan_and_inf():
    tf = tensorflow()

    def seed_loss(logits, label):
        ys = tf.one_hot([label], logits.shape[1], dtype=tf.float64)
        return float(-tf.reduce_sum(ys * tf.math.log(tf.nn.softmax(tf.constant(logits)))))

    big = np.array([[1e4, 0.0, -1e4]])
    assert np.isnan(seed_loss(big, 0))                      # right, yet nan
    assert np.isinf(seed_loss(np.array([[0.0, 1e4]]), 0))   # only the true class underflows
    # TensorFlow's softmax subtracts the maximum: no overflow at 1e4, only the underflow
    assert np.all(np.isfinite(tf.nn.softmax(tf.constant(big)).numpy()))
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(np.exp(big) / np.exp(big).sum()).any()              # the naive one
    stable = tf.nn.sparse_softmax_cross_entropy_with_logits([0], big).numpy()
    assert stable.tolist() == [0.0]
    assert C.softmax_cross_entropy(big, [0])[0] == 0.0
    text_has("either `-inf` (the true class: the loss is `inf`) or `0 * (-inf) = nan` (any other "
             "class), so the loss is `nan` as soon as one wrong class underflows, even when the "
             "prediction is right")


# --- 7. Adam -----------------------------------------------------------------------------------------
def _keras_step(g, lr=1e-3, start=0.0):
    tf, k = tensorflow(), keras()
    optimizer = k.optimizers.Adam(learning_rate=lr)
    v = k.Variable(np.array([start]), dtype="float64")
    optimizer.apply([tf.constant([g])], [v])
    return start - float(v.numpy()[0])


def test_keras_adam_defaults_and_epsilon_placement():
    config = keras().optimizers.Adam().get_config()
    assert (round(config["learning_rate"], 7), config["beta_1"], config["beta_2"],
            config["epsilon"]) == (0.001, 0.9, 0.999, 1e-7)
    text_has("`keras.optimizers.Adam`: `lr = 0.001`, `β1 = 0.9`, `β2 = 0.999`, `ε = 1e-7` by "
             "default")
    assert round(1 / np.sqrt(1 - 0.999), 1) == 31.6
    assert round(1 / np.sqrt(1 - 0.999 ** 1000), 2) == 1.26
    text_has("at `t = 1` that is about 31.6 times ε (`1 / √0.001`), at `t = 1000` still about "
             "1.26 times")
    # Keras' step is the paper's with epsilon / sqrt(1 - beta2^t), several steps in
    tf, k = tensorflow(), keras()
    rng = np.random.default_rng(3)
    optimizer = k.optimizers.Adam()
    var = k.Variable(np.zeros(4), dtype="float64")
    m = v = np.zeros(4)
    for t in range(1, 6):
        g = rng.standard_normal(4) * 1e-6
        before = var.numpy().copy()
        optimizer.apply([tf.constant(g)], [var])
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        hat_eps = 1e-7 / np.sqrt(1 - 0.999 ** t)
        paper_hat = 1e-3 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + hat_eps)
        np.testing.assert_allclose(before - var.numpy(), paper_hat, rtol=1e-4)
    paper = 1e-3 * 1e-6 / (1e-6 + 1e-7)
    assert round(paper, 5) == 9.1e-4 and round(_keras_step(1e-6), 5) == 2.4e-4
    text_has("for `g = 1e-6` with `lr = 0.001` the paper's formula moves the parameter by about "
             "9.1e-4, Keras' by about 2.4e-4")
    # the paper's step is larger by (g + eps / sqrt(1 - beta2)) / (g + eps) - 1, about 3e-6 / g
    for g in (1e-4, 1e-3, 1e-2):
        paper_step = 1e-3 * g / (g + 1e-7)
        excess = paper_step / _keras_step(g) - 1
        assert about(excess * g, 3e-6, factor=1.1), (g, excess)
    assert round(100 * (1e-3 * 1e-4 / (1e-4 + 1e-7) / _keras_step(1e-4) - 1)) == 3
    text_has("at `t = 1` the paper's step is larger than Keras' by a fraction of about "
             "`3e-6 / |g|` (3% for `g = 1e-4`)")
    text_has("after one step `m̂ = g` and `v̂ = g²`")
    g = 0.37
    assert np.isclose(((1 - 0.9) * g) / (1 - 0.9), g) and np.isclose(((1 - 0.999) * g * g) / (1 - 0.999), g * g)


def test_keras_rounds_betas_and_lr_to_float32():
    step = _keras_step(0.5)
    exact = 1e-3 * np.sqrt(1 - 0.999) / 0.1 * 0.05 / (np.sqrt(0.00025) + 1e-7)
    assert about(abs(step / exact - 1), 6e-6, factor=1.2)
    b1, b2, lr = (float(np.float32(v)) for v in (0.9, 0.999, 1e-3))
    rounded = lr * np.sqrt(1 - b2) / (1 - b1) * 0.05 / (np.sqrt(0.00025) + 1e-7)
    assert abs(step / rounded - 1) < 1e-12
    text_has("so its step differs from an exact float64 step by about 6e-6 of the step's size "
             "(`β2 = 0.999`, `t = 1`). The tests compare with a relative tolerance of 1e-4.")
    assert "rtol=1e-4" in cell("test_adam_step_vs_tf")


# --- 8. the tiny CNN ---------------------------------------------------------------------------------
def test_the_tiny_cnn_table():
    k = keras()
    model = C.keras_tiny_cnn(C.init_params(0))
    shapes = [tuple(int(d) for d in layer.output.shape[1:]) for layer in model.layers]
    params = [layer.count_params() for layer in model.layers]
    assert shapes == [(8, 8, 8), (8, 8, 8), (4, 4, 8), (128,), (10,)]
    assert params == [80, 0, 0, 0, 1290] and model.count_params() == 1370
    assert 3 * 3 * 1 * 8 + 8 == 80 and 128 * 10 + 10 == 1290 and 4 * 4 * 8 == 128
    assert C.param_count(C.init_params(0)) == 1370
    text_has("| conv 3x3, 8 filters, `SAME`, with bias | 8x8x8 | 3·3·1·8 + 8 = 80 |",
             "| ReLU | 8x8x8 | 0 |", "| max pool 2x2 | 4x4x8 | 0 |",
             "| flatten | 128 = 4·4·8 | 0 |", "| dense 10 (the logits) | 10 | 128·10 + 10 = 1,290 |",
             "In all **1,370** parameters", "`conv_w` (3, 3, 1, 8), `conv_b` (8,), `dense_w` "
             "(128, 10) and `dense_b` (10,)")
    images, labels = C.digits()
    assert images.shape == (1797, 8, 8, 1) and images.min() == 0 and images.max() == 1
    text_has("scikit-learn's 8x8 handwritten digits (1,797 images, values scaled to [0, 1])")
    conv = k.layers.Conv2D(8, 3)
    assert type(conv.kernel_initializer).__name__ == "GlorotUniform"
    assert type(conv.bias_initializer).__name__ == "Zeros"
    limit = np.sqrt(6 / (9 + 72))
    assert round(limit, 2) == 0.27 and np.abs(C.init_params(0)["conv_w"]).max() <= limit
    text_has("for the convolution 3·3·1 = 9 and 3·3·8 = 72, so ±√(6/81) ≈ ±0.27")


def test_train_on_batch_reports_the_loss_before_the_update():
    k = keras()
    params = C.init_params(0)
    images, labels = C.digits()
    model = C.keras_tiny_cnn(params)
    model.compile(optimizer=k.optimizers.Adam(1e-2),
                  loss=k.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = C.tiny_cnn_loss(params, images[:32], labels[:32])
    reported = float(np.asarray(model.train_on_batch(images[:32], labels[:32])))
    after = float(np.asarray(model.evaluate(images[:32], labels[:32], verbose=0)))
    assert abs(reported - before) < 1e-6 < abs(after - before)
    text_has("before the update, which is what Keras' `train_on_batch` reports")


def test_hidden_capstone_tests_run_at_least_20_steps():
    source = cell("test_train_tiny_cnn_vs_keras")
    hidden = source.split("### BEGIN HIDDEN TESTS")[1]
    steps = [int(s) for s in re.findall(r"steps=(\d+)", hidden)]
    assert steps and min(steps) >= 20
    text_has("and compare every step's loss, for at least 20 steps in the hidden tests")


# --- 9. the widget ---------------------------------------------------------------------------------
def test_a_wrong_scale_hardly_moves_the_curve():
    run = setup(0, 256)
    right = C.train_tiny_cnn(run.images, run.labels, run.start, 40, 32, 0.01)[0]

    def averaged_db(dout, x, w):
        dx, dw, db = C.dense_backward(dout, x, w)
        return dx, dw, db / len(x)

    wrong = C.train_variant(run.images, run.labels, run.start, 40, 32, 0.01,
                            fns={"dense_backward": averaged_db})[0]
    assert np.max(np.abs(wrong / right - 1)) < 1e-4 == PART_RTOL
    rng = np.random.default_rng(4)
    dout, x, w = rng.standard_normal((32, 10)), rng.standard_normal((32, 128)), rng.standard_normal((128, 10))
    db = C.dense_backward(dout, x, w)[2]
    assert C.relative_error(db / 32, db) > 0.9
    text_has("the curves do not part (over 40 steps the losses differ by less than 1e-4 of their "
             "size)", "A gradient check sees it at once (relative error above 0.9)")
    import inspect
    defaults = inspect.signature(TrainingExplorer).parameters
    assert defaults["n_images"].default == 256 and defaults["lr"].default == 0.01
    assert defaults["max_steps"].default == 40
    text_has("on 256 digits with `lr = 0.01`")


# --- points -------------------------------------------------------------------------------------------
def test_stated_points_and_the_share_of_validation_tests():
    text = markdown()
    points = h.points_per_exercise(CH08, EXERCISES)
    for fn, total in points.items():
        assert f"`{fn}` ({total:g} points)" in text, (fn, total)
    tests = [(h.meta(c)["grade_id"], h.meta(c)["points"]) for c in h.source_notebook(CH08).cells
             if h.meta(c).get("grade")]
    validation = sum(p for g, p in tests if g.endswith("_errors"))
    assert validation / sum(p for _, p in tests) <= 0.15


# --- the catalogue names its mistakes ------------------------------------------------------------------
def test_every_mistake_of_the_issue_has_a_mutant_whose_feedback_names_it():
    """tests/test_mutants.py grades each MESSAGES mutant and checks its "Likely cause"; here: the
    eight mistakes issue 18 lists are all among them."""
    import mutants_08_backprop as M
    assert len(M.NAMED) == 8
    for mistake, mutant in M.NAMED.items():
        assert mutant in M.MUTANTS and mutant in M.MESSAGES, mistake


# --- 10. the errata for the MNIST tutorial (convlab.articles "002") ----------------------------------
def test_errata_optimizer_name():
    tf = tensorflow()
    assert not hasattr(tf.compat.v1.train, "DradientDescentOptimizer")
    assert hasattr(tf.compat.v1.train, "GradientDescentOptimizer")
    assert hasattr(keras().optimizers, "SGD")
    text_has("**`tf.train.DradientDescentOptimizer(0.5)`** is misspelt and raises an `AttributeError`",
             "TensorFlow 1's optimizer is `tf.train.GradientDescentOptimizer`")


def test_errata_summed_loss_grows_with_the_batch():
    tf = tensorflow()
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((4, 10))
    ys = np.eye(10)[rng.integers(0, 10, 4)]

    def tutorial(z, y):
        return float(-tf.reduce_sum(y * tf.math.log(tf.nn.softmax(tf.constant(z)))))

    twice = tutorial(np.tile(logits, (2, 1)), np.tile(ys, (2, 1)))
    assert np.isclose(twice, 2 * tutorial(logits, ys))                  # the sum doubles
    assert np.isclose(C.softmax_cross_entropy(np.tile(logits, (2, 1)), np.tile(ys.argmax(1), 2))[0],
                      C.softmax_cross_entropy(logits, ys.argmax(1))[0])  # the mean does not
    text_has("It also *sums* over the batch instead of taking the mean, so the loss, its gradient "
             "and the step its learning rate 0.5 takes grow with the batch size")


def test_errata_keep_prob_is_one_minus_rate():
    import inspect
    tf, k = tensorflow(), keras()
    assert "keep_prob" in inspect.signature(tf.compat.v1.nn.dropout).parameters
    assert "rate" in inspect.signature(tf.nn.dropout).parameters
    for rate in (0.2, 0.5):
        kept = k.layers.Dropout(rate, seed=0)(np.ones((1, 100_000)), training=True).numpy()
        assert abs(np.mean(kept > 0) - (1 - rate)) < 0.01            # keeps 1 - rate
        np.testing.assert_allclose(np.unique(kept[kept > 0]), [1 / (1 - rate)], rtol=1e-6)
    x = np.ones((1, 100_000))
    same = tf.compat.v1.nn.dropout(x, keep_prob=0.8, seed=0).numpy()   # TF1's keep_prob = 0.8
    assert abs(np.mean(same > 0) - 0.8) < 0.01
    np.testing.assert_allclose(np.unique(same[same > 0]), [1 / 0.8], rtol=1e-6)
    ones = np.ones((1, 50))
    assert np.array_equal(k.layers.Dropout(0.2)(ones, training=False).numpy(), ones)
    text_has("`keep_prob = 0.8` is `Dropout(0.2)`, and `Dropout(0.8)` drops 80%",
             "with 0.5 the kept values are multiplied by 1/0.5 = 2",
             "`x * (rng.random(x.shape) >= rate) / (1 - rate)`")


def test_errata_truncated_normal_stays_within_two_standard_deviations():
    tf = tensorflow()
    draws = tf.random.truncated_normal((200_000,), stddev=0.1, seed=0).numpy()
    assert draws.min() >= -0.2 and draws.max() <= 0.2
    assert draws.min() < -0.199 and draws.max() > 0.199
    text_has("so\n  they lie between **-0.2** and **0.2**")

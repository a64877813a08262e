"""Chapter 8's widget and the computations behind it (convlab.ch08_backprop), driven from Python."""
import pickle

import numpy as np
import pytest

from convlab.ch08_backprop import compute as C
from convlab.ch08_backprop import figures, mistakes
from convlab.ch08_backprop.widgets import TrainingExplorer, setup
from convlab.testing import keras, tensorflow

BACKWARD = {"conv2d_backward": C.conv2d_backward, "pool2d_backward": C.pool2d_backward,
            "dense_backward": C.dense_backward, "softmax_cross_entropy": C.softmax_cross_entropy}


# --- the given forward passes and the reference backward passes --------------------------------
@pytest.mark.parametrize("stride,padding", [(1, "VALID"), (2, "SAME"), (3, "SAME"), (2, "VALID")])
def test_conv2d_forward_and_backward_match_tensorflow(stride, padding):
    tf = tensorflow()
    rng = np.random.default_rng(stride)
    images, filters, bias = (rng.standard_normal(s) for s in ((2, 7, 6, 3), (3, 2, 3, 4), (4,)))
    expected = tf.nn.conv2d(images, filters, stride, padding).numpy() + bias
    np.testing.assert_allclose(C.conv2d(images, filters, bias, stride, padding), expected,
                               atol=1e-12)
    x, w, b = tf.Variable(images), tf.Variable(filters), tf.Variable(bias)
    dout = rng.standard_normal(expected.shape)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((tf.nn.conv2d(x, w, stride, padding) + b) * dout)
    for mine, true in zip(C.conv2d_backward(dout, images, filters, stride, padding),
                          tape.gradient(loss, [x, w, b])):
        np.testing.assert_allclose(mine, true.numpy(), atol=1e-12)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_pool2d_backward_matches_tensorflow(mode, padding):
    tf = tensorflow()
    rng = np.random.default_rng(5)
    fn = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    for shape, size, stride in (((2, 7, 6, 2), 3, 2), ((1, 5, 5, 1), (2, 3), (1, 2)),
                                ((1, 4, 4, 3), 2, None)):
        images = rng.permutation(int(np.prod(shape))).reshape(shape) / 3.0
        x = tf.Variable(images)
        with tf.GradientTape() as tape:
            out = fn(x, size, size if stride is None else stride, padding)
            dout = rng.standard_normal(out.shape)
            loss = tf.reduce_sum(out * dout)
        np.testing.assert_allclose(C.pool2d(images, size, stride, mode, padding), out.numpy())
        np.testing.assert_allclose(C.pool2d_backward(dout, images, size, stride, mode, padding),
                                   tape.gradient(loss, x).numpy(), atol=1e-12)


def test_dense_softmax_and_adam_match_tensorflow():
    tf, k = tensorflow(), keras()
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    labels = np.array([0, 4, 2, 2])
    xv, wv, bv = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape(persistent=True) as tape:
        logits = xv @ wv + bv
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    np.testing.assert_allclose(C.dense(x, w, b), logits.numpy())
    mine_loss, dlogits = C.softmax_cross_entropy(logits.numpy(), labels)
    assert abs(mine_loss - float(loss)) < 1e-12
    np.testing.assert_allclose(dlogits, tape.gradient(loss, logits).numpy(), atol=1e-15)
    for mine, true in zip(C.dense_backward(dlogits, x, w), tape.gradient(loss, [xv, wv, bv])):
        np.testing.assert_allclose(mine, true.numpy(), atol=1e-14)
    assert np.isfinite(C.softmax_cross_entropy(np.array([[1e4, -1e4]]), [1])[0])
    optimizer, var = k.optimizers.Adam(learning_rate=0.01), k.Variable(np.ones(3), dtype="float64")
    p, m, v = np.ones(3), np.zeros(3), np.zeros(3)
    for t in range(1, 4):
        g = rng.standard_normal(3)
        optimizer.apply([tf.constant(g)], [var])
        p, m, v = C.adam_step(p, g, m, v, t, lr=0.01)
        np.testing.assert_allclose(p, var.numpy(), rtol=1e-6)


def test_numeric_gradient_and_the_picklable_functions():
    rng = np.random.default_rng(7)
    cubic, x = C.Cubic((2, 3), seed=1), rng.standard_normal((2, 3))
    exact = C.numeric_gradient(cubic, x, 0.5)
    assert np.allclose(exact - 0.25 * cubic.a, C.numeric_gradient(cubic, x, 1e-3) - 1e-6 * cubic.a)
    assert np.allclose(C.numeric_gradient(C.sum_of_cubes, np.array([1.0, -2.0]), 0.1), [3.01, 12.01])
    before = x.copy()
    C.numeric_gradient(C.Smooth((2, 3)), x)
    assert np.array_equal(x, before)
    # the trusted re-check sends these functions to the sandbox with pickle
    images, filters, bias = rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((2, 2, 2, 3)), np.ones(3)
    dout = rng.standard_normal((1, 2, 2, 3))
    for f in (C.Cubic((3,), 2), C.Smooth((3,), 3), C.sum_of_cubes,
              C.ConvObjective(dout, images, filters, bias, 2, "SAME", "filters")):
        g = pickle.loads(pickle.dumps(f))
        value = filters if isinstance(f, C.ConvObjective) else np.arange(3.0)
        assert g(value) == f(value)
    with pytest.raises(ValueError, match="h must be"):
        C.numeric_gradient(C.sum_of_cubes, np.ones(2), 0)
    with pytest.raises(ValueError, match="f must be"):
        C.numeric_gradient("f", np.ones(2))


def test_relative_error_and_bad_arguments():
    assert C.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert C.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert np.isclose(C.relative_error([1.0], [3.0]), 0.5)
    with pytest.raises(ValueError, match="same shape"):
        C.relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="dout"):
        C.conv2d_backward(np.ones((1, 2, 2, 1)), np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)))
    with pytest.raises(ValueError, match="padding"):
        C.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.ones(1), 1, "FULL")
    with pytest.raises(ValueError, match="labels"):
        C.softmax_cross_entropy(np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError, match="grad"):
        C.adam_step(np.ones(2), np.ones(3), np.zeros(2), np.zeros(2), 1)
    with pytest.raises(ValueError, match="t must be"):
        C.adam_step(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), 0)


def test_the_tiny_cnn_trains_like_its_keras_twin():
    images, labels = C.digits()
    start = C.init_params(0)
    assert {k: v.shape for k, v in start.items()} == {
        "conv_w": (3, 3, 1, 8), "conv_b": (8,), "dense_w": (128, 10), "dense_b": (10,)}
    losses, trained = C.train_tiny_cnn(images[:100], labels[:100], start, steps=8, batch_size=30)
    true_losses, true_params = C.keras_train(images[:100], labels[:100], start, 8, 30)
    np.testing.assert_allclose(losses, true_losses, rtol=1e-6)
    for name in C.PARAM_NAMES:
        np.testing.assert_allclose(trained[name], true_params[name], rtol=1e-4, atol=1e-7)
    assert np.array_equal(start["conv_w"], C.init_params(0)["conv_w"])   # the start is untouched
    assert C.batch_rows(3, 30, 100).tolist() == [90 + i if i < 10 else i - 10 for i in range(30)]
    loss, grads = C.tiny_cnn_gradients(start, images[:8], labels[:8])
    assert abs(loss - C.tiny_cnn_loss(start, images[:8], labels[:8])) < 1e-12
    assert abs(true_losses[0] - C.tiny_cnn_loss(start, images[:30], labels[:30])) < 1e-9
    # every catalogued loop mistake changes the losses
    for explanation, run in mistakes.train_tiny_cnn(images[:100], labels[:100], start, 8, 30, 1e-3):
        assert not np.allclose(run(), losses, rtol=1e-4), explanation


def test_figures_render():
    from convlab.plotting import to_png
    run = setup(0, 64)
    probabilities = C.softmax(C.tiny_cnn_logits(run.start, run.shown))
    for fig in (figures.routing_figure(), figures.flipped_kernel_figure(),
                figures.training_figure(np.array([2.3, 2.2]), np.array([2.3, 2.2, 2.1]), 2,
                                        run.start["conv_w"], run.shown, probabilities,
                                        run.shown_labels, parted_at=2)):
        assert to_png(fig)[:4] == b"\x89PNG"


# --- the view, driven as a person would, from Python ------------------------------------------
def student(**wrong):
    """A train_fn built from the reference layers with some replaced (a student's mistakes)."""
    def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3):
        return C.train_variant(images, labels, params, steps, batch_size, lr, fns=wrong)
    return train_tiny_cnn


def spread_max(dout, images, size=2, stride=None, mode="max", padding="VALID"):
    return C.pool2d_backward(dout, images, size, stride, "avg", padding)


def test_widget_steps_and_agrees_with_keras():
    w = TrainingExplorer(C.train_tiny_cnn, C.numeric_gradient, max_steps=6, **BACKWARD)
    assert w.step.value == 0 and w.figure.value[:4] == b"\x89PNG"
    assert "Step 0" in w.status.value and len(w.keras_losses) == 6
    before = w.figure.value
    w.next_button.click()
    assert w.step.value == 1 and len(w.student_losses) == 1
    assert f"your loss {w.keras_losses[0]:.4f}" in w.status.value and "&#10003;" in w.status.value
    assert w.figure.value != before and w.parted_at is None and w.diagnosis.value == ""
    w.step.value = 6
    assert "agree on all 6 steps" in w.status.value
    np.testing.assert_allclose(w.student_losses, w.keras_losses, rtol=1e-6)
    assert not np.array_equal(w.params["conv_w"], w.data.start["conv_w"])
    w.next_button.click()
    assert w.step.value == 6                                  # clamped at the last step
    w.reset_button.click()
    assert w.step.value == 0 and "Step 0" in w.status.value
    assert not w.step.continuous_update


def test_widget_names_the_gradient_that_disagrees():
    w = TrainingExplorer(student(pool2d_backward=spread_max), C.numeric_gradient, max_steps=4,
                         **dict(BACKWARD, pool2d_backward=spread_max))
    w.step.value = 4
    assert w.parted_at is not None and w.parted_at <= 2
    assert "&#10007;" in w.status.value and f"parted from Keras' at step {w.parted_at}" in w.status.value
    assert w.culprit.name in ("conv_w", "conv_b") and w.culprit.errors[w.culprit.name] > 1e-2
    assert w.culprit.errors["dense_w"] < 1e-6                 # the layers after the pooling are fine
    assert f"the gradient of <b>{w.culprit.name}</b> disagrees most" in w.diagnosis.value
    w.step.value = 1 if w.parted_at > 1 else 0
    assert w.diagnosis.value == ""


def test_widget_points_at_the_loop_when_every_gradient_agrees():
    def t_stuck(images, labels, params, steps=20, batch_size=32, lr=1e-3):
        return C.train_variant(images, labels, params, steps, batch_size, lr, "t stuck at 1")
    w = TrainingExplorer(t_stuck, C.numeric_gradient, max_steps=4, **BACKWARD)
    w.step.value = 4
    assert w.parted_at == 3 and w.culprit.name is None     # step 2 updates with t = 1 either way
    assert "every gradient agrees with your numeric_gradient" in w.diagnosis.value
    assert "Adam's m, v and step count t" in w.diagnosis.value


def test_widget_distrusts_a_wrong_numeric_gradient():
    def forward_difference(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        g, base = np.zeros_like(x), f(x)
        for i in np.ndindex(x.shape):
            y = x.copy()
            y[i] += h
            g[i] = (f(y) - base) / h
        return g
    w = TrainingExplorer(student(pool2d_backward=spread_max), forward_difference, max_steps=3,
                         **dict(BACKWARD, pool2d_backward=spread_max))
    w.step.value = 3
    assert "your numeric_gradient is off on a cubic" in w.diagnosis.value
    assert w.culprit.name in ("conv_w", "conv_b")


def test_widget_shows_errors_instead_of_a_blank():
    def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3):
        raise NotImplementedError()
    w = TrainingExplorer(train_tiny_cnn, max_steps=2)
    w.step.value = 1
    assert "train_tiny_cnn is not implemented yet" in w.status.value
    assert w.figure.value[:4] == b"\x89PNG" and w.error
    cases = [(lambda *a, **k: None, "forget `return`"),
             (lambda *a, **k: (np.zeros(5), {}), "returned 5 losses; expected one per step (1)"),
             (lambda *a, **k: (np.zeros(1), [1]), "expected a dict"),
             (lambda *a, **k: (np.zeros(1), {"conv_w": np.zeros(3)}), "params[&#x27;conv_w&#x27;] has shape"),
             (lambda *a, **k: np.zeros(3), "expected a tuple (losses, params)"),
             (lambda *a, **k: 1 / 0, "ZeroDivisionError")]
    for fn, phrase in cases:
        w = TrainingExplorer(fn, max_steps=1)
        w.step.value = 1
        assert phrase in w.status.value, (phrase, w.status.value)
    w = TrainingExplorer(max_steps=2)
    w.step.value = 2
    assert "No train_fn given" in w.status.value and len(w.student_losses) == 0


def test_widget_reports_backward_functions_that_raise():
    def broken(dout, x, w):
        raise KeyError("oops")
    w = TrainingExplorer(student(dense_backward=lambda d, x, w: (d @ w.T, x.T @ d, -d.sum(0))),
                         C.numeric_gradient, max_steps=3, **dict(BACKWARD, dense_backward=broken))
    w.step.value = 3
    assert w.parted_at is not None
    assert "could not be checked" in w.diagnosis.value and "KeyError" in w.diagnosis.value


def test_widget_bad_arguments_and_callback_errors(monkeypatch):
    with pytest.raises(ValueError, match="train_fn must be a function"):
        TrainingExplorer(train_fn=3)
    with pytest.raises(ValueError, match="max_steps"):
        TrainingExplorer(max_steps=0)
    with pytest.raises(ValueError, match="lr must be positive"):
        TrainingExplorer(lr=-1.0)
    w = TrainingExplorer(C.train_tiny_cnn, max_steps=2)
    monkeypatch.setattr("convlab.ch08_backprop.figures.training_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.step.value = 2
    assert "widget error" in w.status.value and "boom" in w.status.value


# --- predict a gradient entry before it is shown (issue 20) --------------------------------------
def tf_bias_gradient(params, images, labels):
    """dL/d dense_b of the mean sparse softmax cross-entropy, by tf.GradientTape through the same
    network in TensorFlow."""
    tf = tensorflow()
    b = tf.Variable(params["dense_b"])
    with tf.GradientTape() as tape:
        a = tf.nn.relu(tf.nn.conv2d(images, params["conv_w"], 1, "SAME") + params["conv_b"])
        pooled = tf.nn.max_pool2d(a, 2, 2, "VALID")
        logits = tf.reshape(pooled, (len(images), -1)) @ params["dense_w"] + b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    return tape.gradient(loss, b).numpy()


def test_widget_asks_for_a_bias_gradient_entry_before_showing_it():
    from convlab.widgets.predict import SESSION
    w = TrainingExplorer(C.train_tiny_cnn, C.numeric_gradient, max_steps=3, **BACKWARD)
    SESSION.reset()
    for k in (0, 2):
        w.step.value = k
        rows = C.batch_rows(k, w.batch_size, len(w.data.images))
        x, y = w.data.images[rows], w.data.labels[rows]
        expected = tf_bias_gradient(w.params, x, y)
        np.testing.assert_allclose(w.bias_gradient, expected, atol=1e-12)
        assert "give the right bias gradient &#10003;" in w.gradient.status
        for j in (0, 7):
            w.gradient.move(**{"class": j})
            q, f = w.gradient.question, w.gradient.frame
            assert abs(q.answer - expected[j]) < 1e-12 and q.tol == 1e-3
            assert f"Step {k + 1} trains on batch {k}" in q.text and f"dense_b[{j}]" in q.text
            assert f"{int(np.sum(y == j))} of them {j}s" in q.text
            assert q.hide == [{"panel": "grad", "row": 0, "col": j}]
            p, share = (next(pn["values"] for pn in w.gradient.panels if pn["id"] == name)[0]
                        for name in ("p", "share"))
            assert abs(p[j] - share[j] - expected[j]) < 1e-5      # the panels give it away
            assert f"data-q='g' style='color:#1b7837'>{expected[j]:.4f}<" in f["html"]
    w.gradient.move(**{"class": 1})
    answer = w.gradient.question.answer
    assert w.gradient.submit(f"{answer + 5e-4:.6f}").right                 # within 1e-3
    w.gradient.move(**{"class": 2})
    assert not w.gradient.submit(f"{-w.gradient.question.answer + 0.1:.4f}").right
    assert SESSION.as_dict() == {"right": 1, "asked": 2}


def test_widget_shows_a_wrong_bias_gradient():
    def db_summed(dout, x, w):               # the batch sum of dlogits/N is right; here x N
        dx, dw, db = C.dense_backward(dout, x, w)
        return dx, dw, db * len(x)

    w = TrainingExplorer(C.train_tiny_cnn, max_steps=2, **dict(BACKWARD, dense_backward=db_summed))
    assert "differs in" in w.gradient.status and "&#10007;" in w.gradient.status
    grad_panel = next(p for p in w.gradient.panels if p["id"] == "grad")
    assert len(grad_panel["marks"]) == 10
    q = w.gradient.question
    assert abs(q.student - 32 * q.answer) < 1e-9
    verdict = w.gradient.submit(f"{q.student:.6f}")
    assert not verdict.right and "disagrees with the reference" in verdict.html

    def raises(logits, labels):
        raise ValueError("no labels")

    w = TrainingExplorer(C.train_tiny_cnn, max_steps=2,
                         **dict(BACKWARD, softmax_cross_entropy=raises))
    assert "The bias gradient" in w.gradient.status and "no labels" in w.gradient.status
    assert w.gradient.question.student is None            # the course's gradient is shown
    w = TrainingExplorer(max_steps=1)
    assert "No softmax_cross_entropy or dense_backward given" in w.gradient.status

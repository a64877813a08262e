"""Chapter 4's widget: its pure compute (convlab.batchnorm), and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import batchnorm
from convlab.testing import keras
from convlab.widgets import BatchNormExplorer


def keras_train(x, gamma, beta):
    k = keras()
    layer = k.layers.BatchNormalization(momentum=0.0, dtype="float64")
    layer.build(x.shape)
    c = x.shape[-1]
    layer.set_weights([gamma, beta, np.zeros(c), np.ones(c)])
    y = np.asarray(layer(x, training=True))
    return y, layer.moving_mean.numpy(), layer.moving_variance.numpy()


def test_normalize_matches_keras():
    rng = np.random.default_rng(0)
    for shape in [(6, 3), (2, 4, 5, 3), (3, 7, 3)]:
        x = rng.normal(2.0, 3.0, shape)
        g, b = rng.standard_normal(3), rng.standard_normal(3)
        for ours, theirs in zip(batchnorm.normalize(x, g, b), keras_train(x, g, b)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="channel axis"):
        batchnorm.normalize(np.ones(3), 1.0, 0.0)


def test_data_helpers():
    z = batchnorm.digits_preactivations(5, seed=2)
    assert z.shape == (1797, 5)
    np.testing.assert_array_equal(z, batchnorm.digits_preactivations(5, seed=2))
    x = batchnorm.draw_batch(z, 16, seed=3)
    assert x.shape == (16, 5) and all(any(np.array_equal(r, row) for row in z) for r in x[:3])
    assert batchnorm.batch_mean_spread(z, 8, batches=50).shape == (50,)
    assert batchnorm.saturated_fraction(np.array([-4.0, 0.0, 2.9, 3.1])) == 0.5
    assert abs(batchnorm.sigmoid_slope(0.0) - 0.25) < 1e-12
    with pytest.raises(ValueError, match="batch_size"):
        batchnorm.draw_batch(z, 5000)
    with pytest.raises(ValueError, match="batch_size"):
        batchnorm.draw_batch(z, 0)


def test_run_bn_fn_reports_problems_as_messages():
    x = np.random.default_rng(1).standard_normal((8, 3))
    g, b = np.ones(3), np.zeros(3)

    def stub(*args):
        raise NotImplementedError()
    assert "not implemented yet" in batchnorm.run_bn_fn(stub, x, g, b).error
    assert "forget `return`" in batchnorm.run_bn_fn(lambda *a: None, x, g, b).error
    assert "expected a tuple" in batchnorm.run_bn_fn(lambda x, g, b: x, x, g, b).error
    assert "ZeroDivisionError" in batchnorm.run_bn_fn(lambda *a: 1 / 0, x, g, b).error
    wrong_shape = batchnorm.run_bn_fn(lambda x, g, b: (x, x.mean(), x.var()), x, g, b)
    assert "expected y (8, 3)" in wrong_shape.error
    ok = batchnorm.run_bn_fn(batchnorm.normalize, x, g, b)
    assert ok.error is None and ok.y.shape == (8, 3)


# --- the view, driven as a person would, from Python -----------------------------------------
def unbiased(x, gamma, beta, eps=1e-3):
    mean, var = x.mean(0), x.var(0, ddof=1)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, mean, var


def test_widget_updates_on_every_control():
    w = BatchNormExplorer(bn_fn=batchnorm.normalize)
    assert w.figure.value[:4] == b"\x89PNG"
    assert "agrees with batch norm" in w.status.value and "&#10003;" in w.status.value
    assert "Batch of 64" in w.status.value
    for control, value in ((w.gamma, 2.0), (w.beta, -1.5), (w.batch_size, 4)):
        before = w.figure.value
        control.value = value
        assert w.figure.value != before
    assert "Batch of 4" in w.status.value and w.last["x"].shape == (4, 8)
    np.testing.assert_allclose(w.last["y"], batchnorm.normalize(
        w.last["x"], np.full(8, 2.0), np.full(8, -1.5))[0])
    before, count = w.figure.value, w.draw_count
    w.new_batch.click()
    assert w.draw_count == count + 1 and w.figure.value != before
    assert all(not s.continuous_update for s in (w.gamma, w.beta, w.batch_size))


def test_widget_shows_the_students_mistakes():
    w = BatchNormExplorer(bn_fn=unbiased, batch_size=8)
    assert "differs" in w.status.value and "unbiased variance" in w.status.value

    def stub(x, gamma, beta, eps=1e-3):
        raise NotImplementedError()
    w = BatchNormExplorer(bn_fn=stub)
    assert "not implemented yet" in w.status.value and w.figure.value[:4] == b"\x89PNG"
    w.gamma.value = 0.5                                   # still a clear message, no exception
    assert "not implemented yet" in w.status.value
    w = BatchNormExplorer(bn_fn=lambda x, g, b: x)
    assert "expected a tuple" in w.status.value
    w = BatchNormExplorer(bn_fn=lambda x, g, b: (x[:1], g, b))
    assert "returned shapes" in w.status.value
    w = BatchNormExplorer()
    assert "No function given" in w.status.value


def test_widget_rejects_bad_arguments_and_shows_internal_errors():
    with pytest.raises(ValueError, match="bn_fn"):
        BatchNormExplorer(bn_fn=3)
    with pytest.raises(ValueError, match="batch_size"):
        BatchNormExplorer(batch_size=3)
    with pytest.raises(ValueError, match="units"):
        BatchNormExplorer(units=0)
    w = BatchNormExplorer()
    w.z = np.ones((1, 8))                                 # fewer rows than the batch: a widget bug
    w.beta.value = 1.0
    assert "widget error" in w.status.value


def test_widget_asks_for_y_and_the_moving_mean_before_showing_them():
    """The prediction view: each y[k, 0] and, at the first example, the moving mean after one
    training step; the answers are Keras' (BatchNormalization with momentum 0.99, training=True)."""
    from convlab.widgets import predict
    from convlab.widgets.canvas import cell
    predict.SESSION.reset()
    w = BatchNormExplorer(bn_fn=batchnorm.normalize, gamma=1.5, beta=-0.5, batch_size=16)
    x = batchnorm.draw_batch(w.z, 16, 0)
    k = keras()
    layer = k.layers.BatchNormalization(dtype="float64")
    layer.build(x.shape)
    layer.set_weights([np.full(8, 1.5), np.full(8, -0.5), np.zeros(8), np.ones(8)])
    y = np.asarray(layer(x, training=True))
    assert len(w.canvas.frames) == 8 and w.canvas.sliders[0]["name"] == "example"
    q = w.canvas.question
    assert q.text.startswith("Batch of 16 (seed 0), gamma 1.5, beta -0.5: what will y[0, 0] be?")
    assert q.answer == pytest.approx(y[0, 0]) and q.hide == [cell("y", 0, 0)]
    assert w.canvas.submit(f"{y[0, 0] + 0.5:.4f}").right is False
    q = w.canvas.question
    assert "moving mean" in q.text and q.answer == pytest.approx(layer.moving_mean.numpy()[0])
    assert w.canvas.submit(f"{layer.moving_mean.numpy()[0]:.5f}").right is True
    assert (predict.SESSION.right, predict.SESSION.asked) == (1, 2)
    w.canvas.move(example=5)
    assert w.canvas.question.answer == pytest.approx(y[5, 0])
    assert "x[5, 0] = " in w.canvas.question.text
    # the student's wrong y is shown, and predicting it is judged wrong
    v = BatchNormExplorer(bn_fn=unbiased, batch_size=8)
    q = v.canvas.question
    assert q.student is not None and not np.isclose(q.student, q.answer)
    verdict = v.canvas.submit(f"{q.student:.6f}")
    assert verdict.right is False and "unbiased gives" in verdict.html
    # a batch of 2 shows 2 examples; a failing function shows the true y
    w.batch_size.value = 2
    assert len(w.canvas.frames) == 2

    def stub(x, gamma, beta, eps=1e-3):
        raise NotImplementedError()
    s = BatchNormExplorer(bn_fn=stub)
    assert s.canvas.question.student is None and s.canvas.panels[1]["title"] == "y: unit 0, true batch norm"

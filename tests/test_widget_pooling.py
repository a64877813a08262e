"""Chapter 3's widget: its pure compute (convlab.pooling), and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import pooling
from convlab.testing import tensorflow
from convlab.widgets import PoolingExplorer


@pytest.mark.parametrize("mode", pooling.MODES)
@pytest.mark.parametrize("padding", pooling.PADDINGS)
def test_pool_matches_tensorflow(mode, padding):
    tf = tensorflow()
    rng = np.random.default_rng(11)
    fn = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    for h, w, size, stride in [(7, 6, (3, 2), 2), (8, 8, 2, None), (5, 9, 3, (1, 2)),
                               (4, 4, 3, 2), (6, 7, (2, 3), (3, 1)), (3, 3, 1, 2)]:
        x = rng.standard_normal((2, h, w, 3)) - 0.5
        expected = fn(tf.constant(x), size, size if stride is None else stride, padding).numpy()
        np.testing.assert_allclose(pooling.pool(x, size, stride, mode, padding), expected)


def test_pool_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        pooling.pool(np.ones((1, 4, 4, 1)), 2, mode="min")
    with pytest.raises(ValueError, match="padding"):
        pooling.pool(np.ones((1, 4, 4, 1)), 2, padding="FULL")
    with pytest.raises(ValueError, match="does not fit"):
        pooling.pool(np.ones((1, 2, 2, 1)), 3)
    with pytest.raises(ValueError, match="size"):
        pooling.pool(np.ones((1, 4, 4, 1)), (2, 2, 2))


def test_feature_map_and_windows():
    fmap, title = pooling.feature_map("photo")
    assert fmap.ndim == 2 and fmap.min() >= 0 and fmap.max() > 0 and "photo" in title
    digit, title = pooling.feature_map("digit")
    assert digit.shape == (6, 6) and "digit" in title
    w = pooling.window_at(fmap, 2, 2, "max", "VALID", 0)
    assert w.rows == (0, 2) and w.cols == (0, 2) and w.kept == fmap[:2, :2].max()
    assert fmap[w.argmax] == w.kept
    oh, ow = w.n_out
    last = pooling.window_at(fmap, 3, 2, "avg", "SAME", oh * ow - 1)
    assert last.argmax is None
    assert np.isclose(last.kept, last.values.mean())             # mean of the real cells only
    x = np.arange(16.0).reshape(4, 4)
    br = pooling.window_at(x, 3, 2, "avg", "SAME", 3)
    assert br.values.size == 4 and br.kept == 12.5
    assert pooling.window_at(-x, 3, 2, "max", "SAME", 3).kept == -10
    with pytest.raises(ValueError, match="window index"):
        pooling.window_at(x, 2, 2, "max", "VALID", 4)
    with pytest.raises(ValueError, match="image must be"):
        pooling.feature_map("cat")


def test_run_pool_fn_reports_problems_as_messages():
    fmap = np.arange(16.0).reshape(4, 4)

    def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
        raise NotImplementedError()

    assert "pool2d is not implemented yet" in pooling.run_pool_fn(pool2d, fmap, 2, 2, "max", "VALID").error
    assert "forget `return`" in pooling.run_pool_fn(lambda x, **k: None, fmap, 2, 2, "max", "VALID").error
    assert "returned shape (1, 4, 4, 1); expected (1, 2, 2, 1)" in pooling.run_pool_fn(
        lambda x, **k: x, fmap, 2, 2, "max", "VALID").error
    assert "ZeroDivisionError" in pooling.run_pool_fn(lambda x, **k: 1 / 0, fmap, 2, 2, "max", "VALID").error
    good = pooling.run_pool_fn(lambda x, **k: pooling.pool(x, **k), fmap, 2, 2, "avg", "VALID")
    assert good.error is None and good.value.tolist() == [[2.5, 4.5], [10.5, 12.5]]


def test_keras_shapes_of_the_mnist_network():
    rows = pooling.keras_shapes((28, 28, 1), [("conv", 32, 5, 1, "SAME"), ("pool", 2), ("flatten",),
                                              ("dense", 10), ("dropout", 0.5)])
    assert rows == [((28, 28, 32), 832), ((14, 14, 32), 0), ((6272,), 0), ((10,), 62730),
                    ((10,), 0)]
    with pytest.raises(ValueError, match="unknown layer kind"):
        pooling.keras_shapes((8, 8, 1), [("conv3d", 1)])


# --- the view, driven as a person would, from Python -----------------------------------------
def good_pool(images, size=2, stride=None, mode="max", padding="VALID"):
    return pooling.pool(images, size, stride, mode, padding)


def zero_padded_avg(images, size=2, stride=None, mode="max", padding="VALID"):
    if mode == "avg" and padding == "SAME":
        (t, b), (l, r) = pooling.pads(images.shape[1], images.shape[2], size,
                                      size if stride is None else stride, "SAME")
        return pooling.pool(images, size, stride, mode, ((t, b), (l, r)), pad_value=0.0)
    return good_pool(images, size, stride, mode, padding)


def test_widget_updates_on_every_control():
    w = PoolingExplorer(pool_fn=good_pool)
    assert w.figure.value[:4] == b"\x89PNG"
    assert "matches the true pooled map &#10003;" in w.status.value
    assert "22x34 -> 11x17" in w.info.value and "maximum" in w.info.value
    assert w.step.max == 11 * 17 - 1
    for control, value in ((w.step, 5), (w.mode, "avg"), (w.stride, 1), (w.size, 3),
                           (w.padding, "SAME"), (w.image, "digit")):
        before = w.figure.value
        control.value = value
        assert w.figure.value != before, control.description
        assert "&#10003;" in w.status.value, (control.description, w.status.value)
    assert "6x6 -> 6x6" in w.info.value and "overlapping" in w.info.value
    assert "mean of the" in w.info.value and w.window.argmax is None


def test_widget_shows_the_students_wrong_result():
    w = PoolingExplorer(pool_fn=zero_padded_avg, mode="avg", padding="VALID")
    assert "&#10003;" in w.status.value
    w.size.value = 3
    w.padding.value = "SAME"
    assert "differ from the true pooled map &#10007;" in w.status.value
    assert "zero_padded_avg" in w.status.value and "yours" in w.status.value


def test_widget_shows_errors_instead_of_a_blank():
    def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
        raise NotImplementedError()
    w = PoolingExplorer(pool_fn=pool2d)
    assert "pool2d is not implemented yet" in w.status.value
    assert w.figure.value[:4] == b"\x89PNG"                     # the true map is shown instead
    w2 = PoolingExplorer(pool_fn=lambda x, **k: x[:, :1])
    assert "returned shape" in w2.status.value
    w3 = PoolingExplorer(pool_fn=lambda x, **k: (_ for _ in ()).throw(KeyError("oops")))
    assert "raised KeyError" in w3.status.value and "oops" in w3.status.value
    w4 = PoolingExplorer(image="digit")
    assert "No function given" in w4.status.value


def test_widget_window_too_large_and_bad_arguments(monkeypatch):
    monkeypatch.setattr("convlab.ch03_pooling_flatten.compute.feature_map",
                        lambda name: (np.ones((3, 3)), "tiny"))
    w = PoolingExplorer(pool_fn=good_pool, image="digit", size=4, padding="VALID")
    assert "No output" in w.info.value and "does not fit" in w.info.value
    w.padding.value = "SAME"
    assert "No output" not in w.info.value and "&#10003;" in w.status.value
    with pytest.raises(ValueError, match="pool_fn must be a function"):
        PoolingExplorer(pool_fn=3)
    with pytest.raises(ValueError, match="mode must be"):
        PoolingExplorer(mode="min")
    with pytest.raises(ValueError, match="padding must be"):
        PoolingExplorer(padding="FULL")
    with pytest.raises(ValueError, match="image must be"):
        PoolingExplorer(image="cat")


def test_widget_callback_errors_are_shown(monkeypatch):
    w = PoolingExplorer(pool_fn=good_pool)
    monkeypatch.setattr("convlab.ch03_pooling_flatten.figures.pooling_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.step.value = 3
    assert "widget error" in w.status.value and "boom" in w.status.value


def test_sliders_do_not_update_continuously():
    w = PoolingExplorer()
    assert all(not s.continuous_update for s in (w.size, w.stride, w.step))

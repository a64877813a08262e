"""Chapter 3's widget: its pure compute (convlab.pooling), and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import pooling
from convlab.ch03_pooling_flatten import compute
from convlab.testing import tensorflow
from convlab.widgets import PoolingExplorer, predict
from convlab.widgets.canvas import cell


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


def shifted_pool(images, size=2, stride=None, mode="max", padding="VALID"):
    """A wrong pool2d: every window one column to the right (reads past the edge as 0)."""
    padded = np.concatenate([images[:, :, 1:], np.zeros_like(images[:, :, :1])], axis=2)
    return good_pool(padded, size, stride, mode, padding)


def tf_pool(fmap, size, stride, mode, padding):
    """The oracle: TensorFlow's pooling of the 2-D map."""
    tf = tensorflow()
    fn = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return fn(tf.constant(fmap[None, :, :, None]), size, stride, padding).numpy()[0, :, :, 0]


def test_widget_draws_every_window_and_fills_the_output():
    w = PoolingExplorer(pool_fn=good_pool)
    fmap, _ = pooling.feature_map("photo")
    expected = tf_pool(fmap, 2, 2, "max", "VALID")
    oh, ow = expected.shape
    assert "22x34 -> 11x17" in w.info.value and (oh, ow) == (11, 17)
    assert "good_pool matches the true pooled map &#10003; (11x17)" in w.status
    assert len(w.canvas.frames) == oh * ow and w.canvas.sliders[0]["name"] == "window"
    output = next(p for p in w.canvas.panels if p["id"] == "output")
    np.testing.assert_allclose(np.array(output["values"], float), expected, rtol=1e-5)
    w.canvas.move(window=20)
    r, c = divmod(20, ow)
    f = w.canvas.frame
    assert f["upto"] == {"output": 20} and w.step == 20 and (w.window.row, w.window.col) == (r, c)
    assert {"panel": "input", "row": 2 * r, "col": 2 * c, "h": 2, "w": 2} == \
        {k: v for k, v in f["boxes"][0].items() if k != "color"}
    np.testing.assert_allclose(np.array(f["grids"]["window"], float),
                               fmap[2 * r:2 * r + 2, 2 * c:2 * c + 2], rtol=1e-5)
    assert f"output[{r}, {c}] from input rows {2 * r}..{2 * r + 1}" in f["html"]
    assert "agrees with the true pooled map on all 21 cells so far" in f["status"]


def test_widget_updates_on_every_control():
    w = PoolingExplorer(pool_fn=good_pool)
    for control, value in ((w.mode, "avg"), (w.stride, 1), (w.size, 3), (w.padding, "SAME"),
                           (w.shift, 1), (w.image, "digit")):
        before = w.canvas.frames
        control.value = value
        assert w.canvas.frames != before, control.description
        assert "&#10003;" in w.status, (control.description, w.status)
    assert "6x6 -> 6x6" in w.info.value and "overlapping" in w.info.value
    assert "Average pooling keeps the mean" in w.canvas.frame["html"] and w.window.argmax is None
    # SAME with a 3x3 window: the corner window has padded cells, drawn empty (NaN -> None)
    w.canvas.move(window=35)
    cells = w.canvas.frame["grids"]["window"]
    assert cells[2] == [None, None, None] and "padded" in w.canvas.frame["html"]


def test_predictions_come_from_the_state_and_are_judged_against_tensorflow():
    predict.SESSION.reset()
    w = PoolingExplorer(pool_fn=good_pool, size=3, stride=2)
    fmap, _ = pooling.feature_map("photo")
    expected = tf_pool(fmap, 3, 2, "max", "VALID")
    q = w.canvas.question
    assert q.key.endswith("size") and "The input is 22x34. With 3x3 windows, stride 2" in q.text
    assert q.answer == expected.shape
    assert w.canvas.submit("10, 16").right is True
    # which input cell max pooling keeps: the argmax of the window, in input coordinates
    for k in (0, 7, 40):
        w.canvas.move(window=k)
        q = w.canvas.question
        r, c = divmod(k, expected.shape[1])
        window = fmap[2 * r:2 * r + 3, 2 * c:2 * c + 3]
        if np.sum(window == window.max()) > 1:
            assert "What will output" in q.text
            continue
        i, j = np.unravel_index(np.argmax(window), window.shape)
        assert q.text.startswith(f"Which input cell will max pooling keep for output[{r}, {c}]?")
        assert q.answer == (2 * r + i, 2 * c + j) and window[i, j] == expected[r, c]
        assert q.hide == [cell("output", r, c)]
        assert w.canvas.submit(f"{2 * r + i}, {2 * c + j + 1}").right is False
    assert predict.SESSION.asked >= 2 and predict.SESSION.right >= 1
    assert w.canvas.score == predict.SESSION.as_dict()
    # average pooling asks for the value
    w.mode.value = "avg"
    w.canvas.move(window=3)
    q = w.canvas.question
    assert q.text == "What will output[0, 3] be?"
    assert q.answer == pytest.approx(tf_pool(fmap, 3, 2, "avg", "VALID")[0, 3])
    assert w.canvas.submit(f"{q.answer:.5f}").right is True


def test_shift_tests_translation_invariance():
    w = PoolingExplorer(pool_fn=good_pool, shift=1)
    fmap, _ = pooling.feature_map("photo")
    moved = np.zeros_like(fmap)
    moved[:, 1:] = fmap[:, :-1]
    before, after = tf_pool(fmap, 2, 2, "max", "VALID"), tf_pool(moved, 2, 2, "max", "VALID")
    same = np.isclose(before, after)
    assert f"Shifted 1 px right, {same.sum()} of {same.size} output values are the same" in w.info.value
    assert 0 < same.sum() < same.size
    assert {p["id"] for p in w.canvas.panels} == {"input", "output", "window", "before"}
    for k in (np.flatnonzero(same)[0], np.flatnonzero(~same)[0]):
        w.canvas.move(window=int(k))
        r, c = divmod(int(k), same.shape[1])
        q = w.canvas.questions[-1]
        assert q.text == f"The input moved 1 px right. Will output[{r}, {c}] be the same as before the shift?"
        assert q.answer == ("same" if same[r, c] else "changed") and q.choices == ("same", "changed")
    np.testing.assert_array_equal(compute.shift_right(fmap, 1), moved)
    with pytest.raises(ValueError, match="pixels"):
        compute.shift_right(fmap, -1)


def test_widget_shows_the_students_wrong_result():
    w = PoolingExplorer(pool_fn=zero_padded_avg, mode="avg", padding="VALID")
    assert "&#10003;" in w.status
    w.size.value = 3
    w.padding.value = "SAME"
    assert "values differ from the true pooled map &#10007;" in w.status
    assert "zero_padded_avg" in w.status
    output = next(p for p in w.canvas.panels if p["id"] == "output")
    assert output["marks"] and "zero_padded_avg(...)" in output["title"]
    wrong = [k for k, qs in enumerate(w.canvas._questions)
             if qs[-1].student is not None and not np.isclose(qs[-1].student, qs[-1].answer, rtol=0.05)]
    assert wrong                                 # windows at the edge, where padding counts
    w.canvas.move(window=wrong[0])
    assert "differ from the true pooled map" in w.canvas.frame["status"]
    q = w.canvas.questions[-1]
    verdict = w.canvas.submit(str(q.student), q.key)    # predicting the function's wrong value
    assert verdict.right is False and "zero_padded_avg gives" in verdict.html
    w2 = PoolingExplorer(pool_fn=shifted_pool)
    assert "values differ" in w2.status and "&#10007; differs" in w2.canvas.frames[0]["html"]


def test_widget_shows_errors_instead_of_a_blank():
    def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
        raise NotImplementedError()
    w = PoolingExplorer(pool_fn=pool2d)
    assert "pool2d is not implemented yet" in w.status
    output = next(p for p in w.canvas.panels if p["id"] == "output")
    assert "true pooled map" in output["title"]                  # the true map is shown instead
    w2 = PoolingExplorer(pool_fn=lambda x, **k: x[:, :1])
    assert "returned shape" in w2.status
    w3 = PoolingExplorer(pool_fn=lambda x, **k: (_ for _ in ()).throw(KeyError("oops")))
    assert "raised KeyError" in w3.status and "oops" in w3.status
    w4 = PoolingExplorer(image="digit")
    assert "No function given" in w4.status


def test_widget_window_too_large_and_bad_arguments(monkeypatch):
    monkeypatch.setattr("convlab.ch03_pooling_flatten.compute.feature_map",
                        lambda name: (np.ones((3, 3)), "tiny"))
    w = PoolingExplorer(pool_fn=good_pool, image="digit", size=4, padding="VALID")
    assert "No output" in w.info.value and "does not fit" in w.info.value and w.window is None
    w.padding.value = "SAME"
    assert "No output" not in w.info.value and "&#10003;" in w.status
    with pytest.raises(ValueError, match="pool_fn must be a function"):
        PoolingExplorer(pool_fn=3)
    with pytest.raises(ValueError, match="mode must be"):
        PoolingExplorer(mode="min")
    with pytest.raises(ValueError, match="padding must be"):
        PoolingExplorer(padding="FULL")
    with pytest.raises(ValueError, match="image must be"):
        PoolingExplorer(image="cat")
    with pytest.raises(ValueError, match="shift must be"):
        PoolingExplorer(shift=7)


def test_widget_callback_errors_are_shown(monkeypatch):
    w = PoolingExplorer(pool_fn=good_pool)
    monkeypatch.setattr("convlab.ch03_pooling_flatten.compute.window_at",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.stride.value = 3
    assert "widget error" in w.status and "boom" in w.status


def test_sliders_do_not_update_continuously():
    w = PoolingExplorer()
    assert all(not s.continuous_update for s in (w.size, w.stride, w.shift))

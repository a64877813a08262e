"""Chapter 5's DilationExplorer: its pure compute (convlab.variants), checked against TensorFlow's
dilated convolution (also the gridding of 1-3 stacked layers), and the view driven from Python as
the browser drives it (controls, the layers slider, predictions)."""
import numpy as np
import pytest

from convlab import variants
from convlab.testing import tensorflow
from convlab.ch05_conv_variants import compute
from convlab.widgets import DilationExplorer
from convlab.widgets.predict import SESSION


def tf_valid_size(i, k, d):
    """Rows of tf.nn.conv2d(dilations=d, VALID) on i rows; 0 where TensorFlow has no output."""
    try:
        out = tensorflow().nn.conv2d(np.zeros((1, i, 1, 1)), np.zeros((k, 1, 1, 1)), 1, "VALID",
                                     dilations=(d, 1))
    except Exception:                 # TensorFlow refuses a kernel that does not fit
        return 0
    return out.shape[1]


def tf_dilated_kernel(kernel, d):
    """The kernel tf.nn.conv2d(dilations=d) applies, read off with one-hot images."""
    kh, kw, c, f = kernel.shape
    eh, ew = kh + (kh - 1) * (d - 1), kw + (kw - 1) * (d - 1)
    probes = np.eye(eh * ew * c).reshape(eh * ew * c, eh, ew, c)
    out = tensorflow().nn.conv2d(probes, kernel, 1, "VALID", dilations=d).numpy()
    return out.reshape(eh, ew, c, f)


def tf_two_layer_footprint(k, d):
    """Input cells (along one axis) that reach one output of two stacked dilated convolutions,
    found by running an impulse through them with TensorFlow: (span, cells reached)."""
    tf = tensorflow()
    n = 2 * (k + (k - 1) * (d - 1)) + 3
    x = np.zeros((1, n, 1, 1))
    x[0, n // 2] = 1.0
    w = np.ones((k, 1, 1, 1))
    y = tf.nn.conv2d(tf.nn.conv2d(x, w, 1, "SAME", dilations=(d, 1)), w, 1, "SAME",
                     dilations=(d, 1)).numpy()[0, :, 0, 0]
    hit = np.nonzero(y)[0]
    return int(hit.max() - hit.min() + 1), len(hit)


@pytest.mark.parametrize("i,k,d", [(7, 3, 2), (7, 3, 4), (9, 2, 3), (4, 3, 3), (5, 1, 4),
                                   (16, 5, 4), (1, 1, 1), (6, 4, 1)])
def test_geometry_matches_tensorflow(i, k, d):
    tf = tensorflow()
    g = variants.dilation_geometry(i, k, d)
    assert g.k_eff == variants.effective_size(k, d) == tf_dilated_kernel(np.ones((k, 1, 1, 1)), d).shape[0]
    assert g.valid == tf_valid_size(i, k, d)
    same = tf.nn.conv2d(np.zeros((1, i, 1, 1)), np.zeros((k, 1, 1, 1)), 1, "SAME", dilations=(d, 1))
    assert g.same == same.shape[1]
    # SAME pads k_eff - 1 in all, the extra cell after: an impulse at the top row reaches the
    # outputs whose window starts at most `before` rows above the input
    before, after = g.same_pad
    assert before + after == g.k_eff - 1 and after - before in (0, 1)
    x = np.zeros((1, i, 1, 1))
    x[0, 0] = 1.0
    y = tf.nn.conv2d(x, np.ones((k, 1, 1, 1)), 1, "SAME", dilations=(d, 1)).numpy()[0, :, 0, 0]
    assert [r for r in range(i) if y[r]] == [r for r in range(i) if (before - r) in g.taps]
    assert g.taps == tuple(np.nonzero(tf_dilated_kernel(np.ones((k, 1, 1, 1)), d)[:, 0, 0, 0])[0])
    span, seen = tf_two_layer_footprint(k, d)
    assert (g.stacked, g.stacked_seen) == (span, seen)


def test_dilated_kernel_matches_tensorflow():
    rng = np.random.default_rng(1)
    for shape, d in (((3, 2, 2, 2), 3), ((2, 2, 1, 1), 1), ((1, 3, 1, 2), 2), ((4, 4, 1, 1), 4)):
        kernel = rng.standard_normal(shape)
        np.testing.assert_allclose(variants.dilated_kernel(kernel, d), tf_dilated_kernel(kernel, d),
                                   atol=1e-12)
    with pytest.raises(ValueError, match="dilation"):
        variants.dilated_kernel(np.ones((3, 3, 1, 1)), 0)
    with pytest.raises(ValueError, match="kernel"):
        variants.dilated_kernel(np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="k"):
        variants.dilation_geometry(5, 0, 1)


def test_run_dilate_fn_reports_problems_as_messages():
    def stub(kernel, d):
        raise NotImplementedError()
    assert "not implemented yet" in variants.run_dilate_fn(stub, 3, 2).error
    assert "forget `return`" in variants.run_dilate_fn(lambda k, d: None, 3, 2).error
    assert "ZeroDivisionError" in variants.run_dilate_fn(lambda k, d: 1 / 0, 3, 2).error
    assert "expected (5, 5, 1, 1)" in variants.run_dilate_fn(lambda k, d: np.ones((5, 5)), 3, 2).error
    assert "not a numeric array" in variants.run_dilate_fn(lambda k, d: {"a": 1}, 3, 2).error
    good = variants.run_dilate_fn(tf_dilated_kernel, 3, 2)
    assert good.error is None and good.value.shape == (5, 5)
    np.testing.assert_allclose(good.value[::2, ::2], np.arange(1, 10).reshape(3, 3))


def tf_stacked_reach(k, dilations):
    """How many paths lead from the centre output back to each input cell through stacked
    dilated convolutions with all-ones k x k kernels: TensorFlow's dilated convolutions run
    backwards from an impulse (the receptive field, cropped to its span)."""
    tf = tensorflow()
    n = sum((k - 1) * d for d in dilations) * 2 + 3
    y = np.zeros((1, n, n, 1))
    y[0, n // 2, n // 2] = 1.0
    for d in dilations:
        y = tf.nn.conv2d(y, np.ones((k, k, 1, 1)), 1, "SAME", dilations=d).numpy()
    rows, cols = np.nonzero(y[0, :, :, 0])
    return y[0, rows.min():rows.max() + 1, cols.min():cols.max() + 1, 0]


@pytest.mark.parametrize("k,d", [(3, 2), (2, 3), (3, 1), (1, 4), (5, 2)])
def test_stacked_reach_matches_tensorflow(k, d):
    """Gridding: with the same dilation in every layer, L layers reach (L(k - 1) + 1)² of the
    (L(k_eff - 1) + 1)² cells of their receptive field; the rest are holes."""
    kernel = variants.dilated_kernel(np.ones((k, k, 1, 1)), d)[:, :, 0, 0]
    reach = compute.stacked_reach(kernel, 3)
    k_eff = variants.effective_size(k, d)
    for layers, got in enumerate(reach, start=1):
        expected = tf_stacked_reach(k, [d] * layers)
        span = layers * (k_eff - 1) + 1
        assert got.shape == (span, span)
        # TensorFlow's crop ends at the last reached cell: with holes at no edge, the same span
        np.testing.assert_allclose(got, expected)
        assert int((got > 0).sum()) == (layers * (k - 1) + 1) ** 2
        if d > 1 and k > 1:
            assert (got == 0).any()                      # the holes


def test_mixing_dilations_fills_the_holes():
    """What the widget's text claims: dilations 1, 2, 3 (instead of d, d, d) leave no hole."""
    for k in (2, 3, 4):
        reach = tf_stacked_reach(k, [1, 2, 3])
        assert reach.shape[0] == 6 * (k - 1) + 1 and (reach > 0).all()
        assert (tf_stacked_reach(k, [2, 2, 2]) == 0).any()


# --- the view, driven as a person would, from Python -----------------------------------------
def test_widget_updates_on_every_control():
    w = DilationExplorer(tf_dilated_kernel, i=7, k=3, d=2)
    assert len(w.canvas.frames) == 3 and w.layers == 1
    text = w.info.value
    assert "k_eff = k + (k - 1)(d - 1) = 3 + 2·1 = 5" in text
    assert f"floor((7 - 5)/1) + 1 = {tf_valid_size(7, 3, 2)}" in text
    assert "SAME: o = i = 7, padding 2 before and 2 after" in text
    assert "receptive field 5x5" in text and "only 5x5 of its 9x9 cells" in text
    assert "matches the true dilated kernel &#10003; (5x5)" in w.canvas.status
    w.d.value = 4                                        # the chapter's second example: 9
    assert "3 + 2·3 = 9" in w.info.value and "VALID: no output" in w.info.value
    assert tf_valid_size(7, 3, 4) == 0
    assert "(9x9)" in w.canvas.status
    w.d.value = 1
    assert "every one of its cells reaches the output" in w.info.value
    for slider, value in ((w.i, 12), (w.k, 5), (w.d, 3)):
        before = (w.info.value, w.canvas.frames)
        slider.value = value
        assert (w.info.value, w.canvas.frames) != before
        assert "&#10003;" in w.canvas.status
    g = variants.dilation_geometry(12, 5, 3)
    assert f"= {g.k_eff}" in w.info.value and g.k_eff == 13 and tf_valid_size(12, 5, 3) == 0


def test_the_layers_slider_shows_the_gridding_and_asks_first():
    w = DilationExplorer(tf_dilated_kernel, i=7, k=3, d=2)
    np.testing.assert_allclose(w.kernel, tf_dilated_kernel(compute.tap_kernel(3), 2)[:, :, 0, 0])
    SESSION.reset()
    for layers in (1, 2, 3):
        w.canvas.move(layers=layers - 1)
        assert w.layers == layers
        f, q = w.canvas.frame, w.canvas.question
        expected = tf_stacked_reach(3, [2] * layers)
        span = expected.shape[0]
        assert span == 4 * layers + 1
        reach = np.array(f["grids"]["reach"], dtype=float)       # None (outside) -> nan
        off = (13 - span) // 2
        assert reach.shape == (13, 13)
        np.testing.assert_allclose(reach[off:off + span, off:off + span], expected)
        assert np.isnan(np.delete(reach.ravel(), [r * 13 + c for r in range(off, off + span)
                                                  for c in range(off, off + span)])).all()
        assert q.answer == int((expected > 0).sum()) == (2 * layers + 1) ** 2
        assert f"is {span}x{span} = {span * span} input cells" in q.text
        assert len(q.hide) == span * span                        # the picture waits too
        assert f"data-q='reach'>{q.answer}<" in f["html"]
        assert f"data-q='reach'>{span * span - q.answer}<" in f["html"]
    assert not w.canvas.submit("169").right                      # 3 layers: all 169? no: 49
    w.canvas.move(layers=1)
    assert w.canvas.submit("25").right
    assert SESSION.as_dict() == {"right": 1, "asked": 2}
    w.d.value = 1                                                # no holes, no gridding
    w.canvas.move(layers=2)
    assert w.canvas.question.answer == 49 and "no holes" in w.canvas.frame["html"]


def test_widget_shows_a_wrong_or_broken_function():
    def d_zeros(kernel, d):                              # d zeros between the taps, not d - 1
        return tf_dilated_kernel(kernel, d + 1)

    w = DilationExplorer(d_zeros)
    assert "expected (5, 5, 1, 1)" in w.canvas.status
    assert w.canvas.frames and w.canvas.question.student is None      # the true kernel is shown

    def transposed(kernel, d):
        return tf_dilated_kernel(kernel, d).transpose(1, 0, 2, 3)

    w = DilationExplorer(transposed)
    # taps 2, 3, 4, 6, 7, 8 land on each other's places (1, 5 and 9 stay on the diagonal)
    assert "differs from the true dilated kernel in 6 of 25 cells &#10007;" in w.canvas.status
    kernel_panel = next(p for p in w.canvas.panels if p["id"] == "kernel")
    assert len(kernel_panel["marks"]) == 6

    def one_tap_short(kernel, d):                        # the last tap forgotten
        out = tf_dilated_kernel(kernel, d)
        out[-1, -1] = 0
        return out

    w = DilationExplorer(one_tap_short)
    q = w.canvas.question
    assert (q.answer, q.student) == (9, 8)
    assert "one_tap_short gives 8 here" in w.canvas.submit("9").html
    assert "8 cells would reach the output" in w.canvas.frame["status"]

    def stub(kernel, d):
        raise NotImplementedError()

    w = DilationExplorer(stub)
    assert "not implemented yet" in w.canvas.status
    w = DilationExplorer(lambda k, d: np.ones((2, 2)))
    assert "returned shape (2, 2)" in w.canvas.status
    w = DilationExplorer(lambda k, d: 1 / 0)
    assert "ZeroDivisionError" in w.canvas.status
    w = DilationExplorer()
    assert "No function given" in w.canvas.status


def test_widget_errors_inside_callbacks_are_shown(monkeypatch):
    w = DilationExplorer(tf_dilated_kernel)

    def boom(*args, **kwargs):
        raise RuntimeError("reach failed")

    monkeypatch.setattr("convlab.ch05_conv_variants.compute.stacked_reach", boom)
    w.d.value = 3
    assert "widget error" in w.canvas.status and "reach failed" in w.canvas.status


def test_widget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="dilate_fn"):
        DilationExplorer(dilate_fn=42)
    with pytest.raises(ValueError, match="k"):
        DilationExplorer(k=0)
    with pytest.raises(ValueError, match="d must be between 1 and 4; got 9"):
        DilationExplorer(d=9)
    with pytest.raises(ValueError, match="i must be a positive integer"):
        DilationExplorer(i=2.5)

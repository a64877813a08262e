"""Chapter 5's DilationExplorer: its pure compute (convlab.variants), checked against TensorFlow's
dilated convolution, and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import variants
from convlab.testing import tensorflow
from convlab.widgets import DilationExplorer


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


# --- the view, driven as a person would, from Python -----------------------------------------
def test_widget_updates_on_every_control():
    w = DilationExplorer(tf_dilated_kernel, i=7, k=3, d=2)
    assert w.figure.value[:4] == b"\x89PNG"
    text = w.info.value
    assert "k_eff = k + (k - 1)(d - 1) = 3 + 2·1 = 5" in text
    assert f"floor((7 - 5)/1) + 1 = {tf_valid_size(7, 3, 2)}" in text
    assert "SAME: o = i = 7, padding 2 before and 2 after" in text
    assert "receptive field 5x5" in text and "only 5x5 of its 9x9 cells" in text
    assert "matches the true dilated kernel &#10003; (5x5)" in w.status.value
    w.d.value = 4                                        # the chapter's second example: 9
    assert "3 + 2·3 = 9" in w.info.value and "VALID: no output" in w.info.value
    assert tf_valid_size(7, 3, 4) == 0
    assert "(9x9)" in w.status.value
    w.d.value = 1
    assert "every one of its cells reaches the output" in w.info.value
    for slider, value in ((w.i, 12), (w.k, 5), (w.d, 3)):
        before = w.figure.value
        slider.value = value
        assert w.figure.value != before
        assert "&#10003;" in w.status.value
    g = variants.dilation_geometry(12, 5, 3)
    assert f"= {g.k_eff}" in w.info.value and g.k_eff == 13 and tf_valid_size(12, 5, 3) == 0


def test_widget_shows_a_wrong_or_broken_function():
    def d_zeros(kernel, d):                              # d zeros between the taps, not d - 1
        return tf_dilated_kernel(kernel, d + 1)

    w = DilationExplorer(d_zeros)
    assert "expected (5, 5, 1, 1)" in w.status.value
    assert w.figure.value[:4] == b"\x89PNG"              # the true kernel is still shown

    def transposed(kernel, d):
        return tf_dilated_kernel(kernel, d).transpose(1, 0, 2, 3)

    w = DilationExplorer(transposed)
    # taps 2, 3, 4, 6, 7, 8 land on each other's places (1, 5 and 9 stay on the diagonal)
    assert "differs from the true dilated kernel in 6 of 25 cells &#10007;" in w.status.value

    def stub(kernel, d):
        raise NotImplementedError()

    w = DilationExplorer(stub)
    assert "not implemented yet" in w.status.value
    w = DilationExplorer(lambda k, d: np.ones((2, 2)))
    assert "returned shape (2, 2)" in w.status.value
    w = DilationExplorer(lambda k, d: 1 / 0)
    assert "ZeroDivisionError" in w.status.value
    w = DilationExplorer()
    assert "No function given" in w.status.value


def test_widget_errors_inside_callbacks_are_shown(monkeypatch):
    w = DilationExplorer(tf_dilated_kernel)

    def boom(*args, **kwargs):
        raise RuntimeError("figure failed")

    monkeypatch.setattr("convlab.ch05_conv_variants.figures.dilation_figure", boom)
    w.d.value = 3
    assert "widget error" in w.status.value and "figure failed" in w.status.value


def test_widget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="dilate_fn"):
        DilationExplorer(dilate_fn=42)
    with pytest.raises(ValueError, match="k"):
        DilationExplorer(k=0)
    with pytest.raises(ValueError, match="d must be between 1 and 4; got 9"):
        DilationExplorer(d=9)
    with pytest.raises(ValueError, match="i must be a positive integer"):
        DilationExplorer(i=2.5)

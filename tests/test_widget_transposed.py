"""Chapter 5's widget: its pure compute (convlab.variants), and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import variants
from convlab.testing import tensorflow
from convlab.widgets import TransposedConvExplorer


def tf_transpose_ones(i, k, s):
    tf = tensorflow()
    o = variants.transpose_output_size(i, k, s)
    return tf.nn.conv2d_transpose(np.ones((1, i, i, 1)), np.ones((k, k, 1, 1)), (1, o, o, 1), s,
                                  "VALID").numpy()[0, :, :, 0]


@pytest.mark.parametrize("i,k,s", [(4, 3, 2), (4, 4, 2), (3, 2, 3), (5, 3, 1), (1, 3, 2), (2, 1, 2)])
def test_overlap_counts_match_tensorflow(i, k, s):
    np.testing.assert_allclose(variants.overlap_counts(i, k, s), tf_transpose_ones(i, k, s))


def test_helpers_match_tensorflow():
    tf = tensorflow()
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((3, 2, 3, 4))
    for s in (1, 2, 3):
        for pad in ("VALID", "SAME"):
            np.testing.assert_allclose(variants.conv2d(x, w, s, pad),
                                       tf.nn.conv2d(x, w, s, pad).numpy(), atol=1e-12)
    for pad, o in (("VALID", 9), ("SAME", 8)):
        y = tf.nn.conv2d_transpose(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), (1, o, o, 1), 2, pad)
        assert variants.transpose_output_size(4, 3, 2, pad) == y.shape[1]
    assert variants.transpose_output_size(4, 3, 2, "VALID", a=1) == 10
    with pytest.raises(ValueError, match="padding"):
        variants.pad_like_tf(x, 3, 3, 1, "FULL")
    with pytest.raises(ValueError, match="channels"):
        variants.conv2d(x, np.ones((3, 3, 2, 1)))


def test_run_transpose_fn_reports_problems_as_messages():
    def stub(*args):
        raise NotImplementedError()
    assert "not implemented yet" in variants.run_transpose_fn(stub, 4, 3, 2).error
    assert "forget `return`" in variants.run_transpose_fn(lambda *a: None, 4, 3, 2).error
    assert "ZeroDivisionError" in variants.run_transpose_fn(lambda *a: 1 / 0, 4, 3, 2).error
    assert "expected (1, 9, 9, 1)" in variants.run_transpose_fn(lambda *a: np.ones((1, 8, 8, 1)), 4, 3, 2).error
    assert "not a numeric array" in variants.run_transpose_fn(lambda *a: {"a": 1}, 4, 3, 2).error
    good = variants.run_transpose_fn(lambda x, w, shape, s, p: tf_transpose_ones(4, 3, 2)[None, :, :, None],
                                     4, 3, 2)
    assert good.error is None and good.value.shape == (9, 9)


# --- the view, driven as a person would, from Python -----------------------------------------
def good_transpose(images, filters, output_shape, stride, padding):
    return tensorflow().nn.conv2d_transpose(images, filters, output_shape, stride, padding).numpy()


def test_widget_updates_on_every_control():
    w = TransposedConvExplorer(good_transpose, i=4, k=3, s=2)
    assert w.figure.value[:4] == b"\x89PNG"
    assert "s(i - 1) + k = 2·(4 - 1) + 3 = 9" in w.info.value
    assert "checkerboard" in w.info.value and "1 to 4 times" in w.info.value
    assert "&#10003;" in w.status.value
    w.k.value = 4
    assert "no checkerboard" in w.info.value and "&#10003;" in w.status.value
    for slider, value in ((w.i, 6), (w.k, 2), (w.s, 3)):
        before = w.figure.value
        slider.value = value
        assert w.figure.value != before
        assert "&#10003;" in w.status.value


def test_widget_shows_a_wrong_or_broken_function():
    def flipped_rows(images, filters, output_shape, stride, padding):
        out = good_transpose(images, filters, output_shape, stride, padding)
        out[:, 0] += 1
        return out

    w = TransposedConvExplorer(flipped_rows)
    assert "differs in 9 of 81 cells" in w.status.value and "&#10007;" in w.status.value

    def stub(*args):
        raise NotImplementedError()

    w = TransposedConvExplorer(stub)
    assert "not implemented yet" in w.status.value
    assert w.figure.value[:4] == b"\x89PNG"             # the true counts are still shown
    w = TransposedConvExplorer(lambda *a: np.ones((2, 2)))
    assert "returned shape (2, 2)" in w.status.value
    w = TransposedConvExplorer(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in w.status.value
    w = TransposedConvExplorer()
    assert "No function given" in w.status.value


def test_widget_errors_inside_callbacks_are_shown(monkeypatch):
    w = TransposedConvExplorer(good_transpose)

    def boom(*args, **kwargs):
        raise RuntimeError("figure failed")

    monkeypatch.setattr("convlab.ch05_conv_variants.figures.transposed_figure", boom)
    w.s.value = 1
    assert "widget error" in w.status.value and "figure failed" in w.status.value


def test_widget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="transpose_fn"):
        TransposedConvExplorer(transpose_fn=42)
    with pytest.raises(ValueError, match="k"):
        TransposedConvExplorer(k=0)
    with pytest.raises(ValueError, match="s"):
        TransposedConvExplorer(s=-1)

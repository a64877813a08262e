"""Chapter 2's widget: its pure compute (convlab.padding), and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import padding
from convlab.testing import tensorflow
from convlab.widgets import PaddingExplorer


def tf_rows(i, k, s, d, pad):
    tf = tensorflow()
    if not isinstance(pad, str):
        pad = [[0, 0], [pad, pad], [0, 0], [0, 0]]
    y = tf.nn.conv2d(np.ones((1, i, 1, 1)), np.ones((k, 1, 1, 1)), strides=(s, 1), padding=pad,
                     dilations=(d, 1))
    return int(y.shape[1])


@pytest.mark.parametrize("i,k,s,d", [(7, 3, 2, 1), (8, 3, 2, 1), (8, 4, 3, 2), (5, 1, 3, 1),
                                     (16, 5, 4, 3), (3, 3, 1, 1), (2, 5, 1, 1)])
def test_geometry_matches_tensorflow(i, k, s, d):
    for pad in ("VALID", "SAME", 1, 2):
        try:
            g = padding.geometry(i, k, s, d, pad)
        except ValueError:
            assert pad == "VALID" or isinstance(pad, int)
            assert padding.effective_kernel(k, d) > i + 2 * (0 if pad == "VALID" else pad)
            continue
        assert g.o == tf_rows(i, k, s, d, pad) == len(g.starts)
        assert g.padded == i + g.before + g.after
        assert g.starts[-1] + g.k_eff <= g.padded
        # every cell after the last window is dropped, no other
        assert set(g.dropped) == set(range(g.starts[-1] + g.k_eff, g.padded))
        assert str(g.o) in g.formula


def test_same_padding_matches_tensorflow_values():
    tf = tensorflow()
    rng = np.random.default_rng(0)
    for i, k, s in [(8, 3, 2), (7, 3, 2), (10, 4, 1), (9, 1, 3), (6, 2, 2)]:
        before, after = padding.tf_same_padding(i, k, s)
        x, w = rng.standard_normal((1, i, 1, 1)), rng.standard_normal((k, 1, 1, 1))
        same = tf.nn.conv2d(x, w, strides=(s, 1), padding="SAME").numpy()
        explicit = tf.nn.conv2d(x, w, strides=(s, 1),
                                padding=[[0, 0], [before, after], [0, 0], [0, 0]]).numpy()
        np.testing.assert_allclose(same, explicit)
    assert padding.tf_same_padding(8, 3, 2) == (0, 1)
    g = padding.geometry(8, 3, 2, 1, "SAME")
    assert g.extra_after == 1 and "0 before" in g.formula and "1 after" in g.formula


def test_floor_drops_rows_and_receptive_field():
    g = padding.geometry(8, 3, 2, 1, "VALID")
    assert g.o == 3 and g.starts == (0, 2, 4) and g.dropped == (7,)
    assert g.taps(2) == [2, 3, 4]
    assert padding.geometry(7, 3, 1, 2, "VALID").taps(0) == [0, 2, 4]
    assert padding.receptive_field([(3, 1)] * 3) == 7
    assert padding.receptive_field([(3, 2), (3, 1)]) == 7


def test_output_size_rejects_bad_arguments():
    with pytest.raises(ValueError, match="does not fit"):
        padding.output_size(4, 5)
    with pytest.raises(ValueError, match="padding"):
        padding.output_size(4, 3, -1)
    with pytest.raises(ValueError, match="padding must be"):
        padding.geometry(4, 3, 1, 1, "FULL")


def test_run_size_fn_reports_problems_as_messages():
    def stub(*args):
        raise NotImplementedError()
    assert "not implemented yet" in padding.run_size_fn(stub, 7, 3, 0, 1, 1).error
    assert "forget `return`" in padding.run_size_fn(lambda *a: None, 7, 3).error
    assert "expected an int" in padding.run_size_fn(lambda *a: 2.5, 7, 3).error
    assert "ZeroDivisionError" in padding.run_size_fn(lambda *a: 1 / 0, 7, 3).error
    assert "two ints" in padding.run_size_fn(lambda *a: 3, 7, 3, expect="pair").error
    assert padding.run_size_fn(lambda *a: (1, 2), 7, 3, expect="pair").value == (1, 2)


def test_naive_conv2d_matches_tensorflow():
    tf = tensorflow()
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((3, 2, 3, 4))
    for s in (1, 2):
        for pad in ("VALID", "SAME"):
            np.testing.assert_allclose(padding.naive_conv2d(x, w, s, pad),
                                       tf.nn.conv2d(x, w, strides=s, padding=pad).numpy())


# --- the view, driven as a person would, from Python -----------------------------------------
def good_size(i, k, p=0, s=1, d=1):
    return padding.output_size(i, k, p, None, s, d)


def ceil_size(i, k, p=0, s=1, d=1):
    return -(-(i + 2 * p - padding.effective_kernel(k, d)) // s) + 1


def test_widget_updates_on_every_control():
    w = PaddingExplorer(size_fn=good_size, padding_fn=padding.tf_same_padding, i=8, k=3, s=2,
                        mode="VALID")
    assert w.figure.value[:4] == b"\x89PNG"
    assert "floor((8 + 2·0 - 3) / 2) + 1" in w.formula.value and "drops 1" in w.formula.value
    assert "&#10003;" in w.status.value
    png = w.figure.value
    w.mode.value = "SAME"
    assert "ceil(8 / 2) = 4" in w.formula.value and "bottom/right" in w.formula.value
    assert w.figure.value != png and w.p.disabled
    assert w.status.value.count("&#10003;") == 2          # size and padding both right
    w.mode.value = "explicit"
    w.p.value = 1
    assert not w.p.disabled and "floor((8 + 2·1 - 3) / 2) + 1 = floor(7/2) + 1 = 4" in w.formula.value
    w.d.value = 2
    assert "k_eff = k + (k - 1)(d - 1) = 3 + 2·1 = 5" in w.formula.value
    for slider, value in ((w.i, 12), (w.k, 5), (w.s, 3)):
        before = w.figure.value
        slider.value = value
        assert w.figure.value != before
    assert w.geometry.o == good_size(12, 5, 1, 3, 2)


def test_widget_shows_the_students_wrong_result():
    w = PaddingExplorer(size_fn=ceil_size, padding_fn=lambda i, k, s=1, d=1: (1, 0),
                        i=8, k=3, s=2, mode="VALID")
    assert "differs" in w.status.value and "true value is 3" in w.status.value
    w.mode.value = "SAME"
    assert "ceil_size" in w.status.value
    assert "(1, 0) &#10007;" in w.status.value


def test_widget_shows_errors_instead_of_a_blank():
    def conv_output_size(i, k, p=0, s=1, d=1):
        raise NotImplementedError()
    w = PaddingExplorer(size_fn=conv_output_size)
    assert "conv_output_size is not implemented yet" in w.status.value
    assert w.figure.value[:4] == b"\x89PNG"
    w.mode.value = "VALID"
    w.i.value, w.k.value = 3, 5                           # the kernel does not fit
    assert "No output" in w.formula.value and "does not fit" in w.formula.value
    w2 = PaddingExplorer(size_fn=good_size, i=3, k=5, mode="VALID")
    assert "raises ValueError, as it should" in w2.status.value
    w3 = PaddingExplorer(size_fn=lambda i, k, p=0, s=1, d=1: 0, i=3, k=5, mode="VALID")
    assert "expected a ValueError" in w3.status.value


def test_widget_without_functions_and_bad_arguments():
    w = PaddingExplorer()
    assert "No function given" in w.status.value
    with pytest.raises(ValueError, match="size_fn must be a function"):
        PaddingExplorer(size_fn=3)
    with pytest.raises(ValueError, match="mode must be"):
        PaddingExplorer(mode="FULL")


def test_widget_callback_errors_are_shown(monkeypatch):
    w = PaddingExplorer(size_fn=good_size)
    monkeypatch.setattr("convlab.ch02_stride_padding.figures.padding_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.i.value = 9
    assert "widget error" in w.status.value and "boom" in w.status.value


def test_sliders_do_not_update_continuously():
    w = PaddingExplorer()
    assert all(not s.continuous_update for s in (w.i, w.k, w.p, w.s, w.d))

"""Chapter 2's widget: its pure compute (convlab.padding), and the canvas view driven from Python
(no browser): every control, the predictions it asks, the student's functions and their mistakes."""
import numpy as np
import pytest

from convlab import padding
from convlab.testing import tensorflow
from convlab.ch02_stride_padding import widgets as view
from convlab.widgets import PaddingExplorer, predict


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


def panels(w):
    return {p["id"]: p for p in w.canvas.panels}


def tf_real_pixels(i, k, s, d, pad):
    """The oracle for the output cells: a convolution of ones with ones counts, for every window,
    the taps that land on real pixels (padding adds zeros)."""
    tf = tensorflow()
    if not isinstance(pad, str):
        pad = [[0, 0], [pad, pad], [pad, pad], [0, 0]]
    return tf.nn.conv2d(np.ones((1, i, i, 1)), np.ones((k, k, 1, 1)), strides=s, padding=pad,
                        dilations=d).numpy()[0, :, :, 0]


def test_widget_updates_on_every_control():
    w = PaddingExplorer(size_fn=good_size, padding_fn=padding.tf_same_padding, i=8, k=3, s=2,
                        mode="VALID")
    html = w.canvas.frame["html"]
    assert "floor((8 + 2·0 - 3) / 2) + 1" in html and "drops 1" in html and "&#10003;" in html
    assert len(w.canvas.frames) == 9 and w.canvas.sliders[0]["size"] == 9 and w.step == 0
    p = panels(w)
    assert p["input"]["shape"] == p["output"]["shape"] == [8, 8]      # output as large as the input
    assert {tuple(m) for m in p["input"]["marks"]} == {(r, c) for r in range(8) for c in range(8)
                                                       if 7 in (r, c)}   # row/column 7 dropped
    w.mode.value = "SAME"
    html = w.canvas.frame["html"]
    assert "ceil(8 / 2) = <span data-q='size'>4</span>" in html and "bottom/right" in html
    assert w.p.disabled and html.count("&#10003;") == 2                # size and padding both right
    assert len(w.canvas.frames) == 16 and panels(w)["input"]["shape"] == [9, 9]
    kinds = np.array(panels(w)["input"]["values"])
    assert (kinds[8] == view.SAME_EXTRA).all() and (kinds[:8, :8] == view.INPUT).all()
    w.mode.value = "explicit"
    w.p.value = 1
    assert not w.p.disabled
    assert "floor((8 + 2·1 - 3) / 2) + 1 = floor(7/2) + 1 = <span data-q='size'>4</span>" \
        in w.canvas.frame["html"]
    w.d.value = 2
    assert "k_eff = k + (k - 1)(d - 1) = 3 + 2·1 = 5" in w.canvas.frame["html"]
    taps = [b for b in w.canvas.frame["boxes"] if b["color"] == view.TAP]
    assert sorted((b["row"], b["col"]) for b in taps) == \
        [(r, c) for r in (0, 2, 4) for c in (0, 2, 4)]
    for slider, value in ((w.i, 12), (w.k, 5), (w.s, 3)):
        before = w.canvas.version
        slider.value = value
        assert w.canvas.version > before and "widget error" not in w.status
    assert w.geometry.o == good_size(12, 5, 1, 3, 2) == int(np.sqrt(len(w.canvas.frames)))


@pytest.mark.parametrize("i,k,s,d,pad", [(8, 3, 2, 1, 1), (8, 3, 2, 1, "SAME"),
                                         (7, 3, 2, 1, "VALID"), (9, 3, 1, 2, 2),
                                         (10, 4, 3, 1, "SAME")])
def test_output_cells_count_the_real_pixels_under_each_window(i, k, s, d, pad):
    mode = pad if isinstance(pad, str) else "explicit"
    w = PaddingExplorer(i=i, k=k, s=s, d=d, p=0 if isinstance(pad, str) else pad, mode=mode)
    expected = tf_real_pixels(i, k, s, d, pad)
    o = expected.shape[0]
    out = np.array(panels(w)["output"]["values"], dtype=float)
    np.testing.assert_array_equal(out[:o, :o], expected)
    assert np.isnan(out[o:]).all() and np.isnan(out[:, o:]).all()
    # window k outlines output cell k and fills it (row by row on the padded-size grid)
    w.canvas.move(window=o * o - 1)
    f = w.canvas.frame
    assert {"panel": "output", "row": o - 1, "col": o - 1, "h": 1, "w": 1,
            "color": view.OUTPUT} in f["boxes"]
    assert f["upto"]["output"] == (o - 1) * w.geometry.padded + o - 1


def test_predictions_ask_the_output_size_and_where_the_next_window_starts():
    predict.SESSION.reset()
    w = PaddingExplorer(size_fn=good_size, i=8, k=3, s=2, mode="SAME")
    q = w.canvas.question
    assert q.text.startswith("How many output rows") and q.answer == tf_rows(8, 3, 2, 1, "SAME")
    assert "data-q='size'" in w.canvas.frame["html"]       # the browser hides the size till then
    v = w.canvas.submit("3")
    assert v.right is False and "it is 4" in v.html and "ceil(8 / 2) = 4" in v.html
    q = w.canvas.question                                    # then: the next window
    assert "output[0, 1]" in q.text and q.answer == (0, 2)
    assert w.canvas.submit("0, 2").right
    assert (predict.SESSION.right, predict.SESSION.asked) == (1, 2)
    w.canvas.move(window=3)                                  # the end of a row: back left, s down
    assert "output[1, 0]" in w.canvas.question.text and w.canvas.question.answer == (2, 0)
    w.canvas.move(window=15)
    assert w.canvas.questions == []                          # no window after the last
    w.mode.value = "explicit"
    w.p.value = 1                                            # padding 1: windows start in the zeros
    w.canvas.move(window=0)
    nxt = w.canvas.questions[-1]
    assert "starts at input row -1, column -1" in nxt.text and nxt.answer == (-1, 1)
    assert w.canvas.submit("(-1, 1)", nxt.key).right


def test_widget_shows_the_students_wrong_result():
    w = PaddingExplorer(size_fn=ceil_size, padding_fn=lambda i, k, s=1, d=1: (1, 0),
                        i=8, k=3, s=2, mode="VALID")
    html = w.canvas.frame["html"]
    assert "ceil_size(8, 3, 0, 2, 1) = 4 &#10007; differs" in html
    assert "the true value is <span data-q='size'>3</span>" in html
    size = w.canvas.question
    assert size.student == 4 and size.answer == 3
    v = w.canvas.submit("4")                      # predicting the function's wrong value
    assert v.right is False and "ceil_size gives 4 here, what you predicted" in v.html
    w.mode.value = "SAME"
    html = w.canvas.frame["html"]
    assert "ceil_size" in html and "(1, 0) &#10007;" in html
    assert w.canvas.question.student is None      # called with p = 0: not the size drawn


def test_widget_shows_errors_instead_of_a_blank():
    def conv_output_size(i, k, p=0, s=1, d=1):
        raise NotImplementedError()
    w = PaddingExplorer(size_fn=conv_output_size)
    assert "conv_output_size is not implemented yet" in w.canvas.frame["html"]
    assert w.canvas.frames and "widget error" not in w.status
    w.mode.value = "VALID"
    w.i.value, w.k.value = 3, 5                           # the kernel does not fit
    html = w.canvas.frame["html"]
    assert "No output" in html and "does not fit" in html and w.geometry is None
    assert len(w.canvas.frames) == 1 and w.canvas.questions == []
    w2 = PaddingExplorer(size_fn=good_size, i=3, k=5, mode="VALID")
    assert "raises ValueError, as it should" in w2.canvas.frame["html"]
    w3 = PaddingExplorer(size_fn=lambda i, k, p=0, s=1, d=1: 0, i=3, k=5, mode="VALID")
    assert "expected a ValueError" in w3.canvas.frame["html"]


def test_widget_without_functions_and_bad_arguments():
    w = PaddingExplorer()
    assert "No function given" in w.canvas.frame["html"]
    with pytest.raises(ValueError, match="size_fn must be a function"):
        PaddingExplorer(size_fn=3)
    with pytest.raises(ValueError, match="mode must be"):
        PaddingExplorer(mode="FULL")


def test_widget_callback_errors_are_shown(monkeypatch):
    w = PaddingExplorer(size_fn=good_size)
    monkeypatch.setattr("convlab.ch02_stride_padding.widgets.real_taps",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.i.value = 9
    assert "widget error" in w.status and "boom" in w.status


def test_sliders_do_not_update_continuously():
    w = PaddingExplorer()
    assert all(not s.continuous_update for s in (w.i, w.k, w.p, w.s, w.d))

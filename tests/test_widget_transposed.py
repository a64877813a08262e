"""Chapter 5's TransposedConvExplorer: its pure compute (convlab.variants), checked against
TensorFlow, and the view driven from Python as the browser drives it (controls, the step slider,
predictions)."""
import numpy as np
import pytest

from convlab import variants
from convlab.testing import tensorflow
from convlab.ch05_conv_variants import compute
from convlab.widgets import TransposedConvExplorer
from convlab.widgets.predict import SESSION


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


def tf_scatter_steps(i, k, s):
    """After input pixels 0..n (row by row) have scattered: TensorFlow's transposed convolution
    of the image that is 1 at those pixels and 0 elsewhere."""
    tf = tensorflow()
    o = variants.transpose_output_size(i, k, s)
    masks = np.zeros((i * i, i, i, 1))
    for n in range(i * i):
        masks[n].reshape(-1)[:n + 1] = 1.0
    return tf.nn.conv2d_transpose(masks, np.ones((k, k, 1, 1)), (i * i, o, o, 1), s,
                                  "VALID").numpy()[..., 0]


@pytest.mark.parametrize("i,k,s", [(4, 3, 2), (3, 4, 2), (2, 1, 3), (1, 2, 1)])
def test_scatter_steps_match_tensorflow(i, k, s):
    steps = compute.scatter_steps(i, k, s)
    np.testing.assert_allclose(steps, tf_scatter_steps(i, k, s))
    np.testing.assert_allclose(steps[-1], variants.overlap_counts(i, k, s))
    run = compute.run_scatter_steps(good_transpose, i, k, s)
    assert run.error is None
    np.testing.assert_allclose(run.value, steps, atol=1e-12)


# --- the view, driven as a person would, from Python -----------------------------------------
def good_transpose(images, filters, output_shape, stride, padding):
    return tensorflow().nn.conv2d_transpose(images, filters, output_shape, stride, padding).numpy()


def test_widget_updates_on_every_control():
    w = TransposedConvExplorer(good_transpose, i=4, k=3, s=2)
    assert len(w.canvas.frames) == 16 and w.step == 0
    assert "s(i - 1) + k = 2·(4 - 1) + 3 = 9" in w.info.value
    assert "checkerboard" in w.info.value and "1 to 4 times" in w.info.value
    assert "&#10003;" in w.canvas.status
    w.k.value = 4
    assert "no checkerboard" in w.info.value and "&#10003;" in w.canvas.status
    for slider, value in ((w.i, 6), (w.k, 2), (w.s, 3)):
        before = w.canvas.frames
        slider.value = value
        assert w.canvas.frames != before
        assert len(w.canvas.frames) == w.i.value ** 2
        assert "&#10003;" in w.canvas.status


def test_each_step_scatters_one_footprint_and_asks_for_a_count():
    """Step n shows the student's output after pixels 0..n (TensorFlow's here), boxes pixel n and
    its footprint, and asks for the count of the footprint's most covered cell before showing it."""
    w = TransposedConvExplorer(good_transpose, i=4, k=3, s=2)
    steps = tf_scatter_steps(4, 3, 2)
    for n in (0, 1, 5, 15):
        w.canvas.move(step=n)
        f = w.canvas.frame
        a, b = divmod(n, 4)
        np.testing.assert_allclose(f["grids"]["output"], steps[n])
        assert {"panel": "input", "row": a, "col": b, "h": 1, "w": 1} == \
            {key: f["boxes"][0][key] for key in ("panel", "row", "col", "h", "w")}
        assert (f["boxes"][1]["row"], f["boxes"][1]["col"]) == (2 * a, 2 * b)
        q = w.canvas.question
        window = steps[n][2 * a:2 * a + 3, 2 * b:2 * b + 3]
        assert q.answer == window.max() and isinstance(q.answer, int)
        r, c = (int(v) for v in q.text.split("output[")[1].split("]")[0].split(", "))
        assert steps[n][r, c] == q.answer and [h for h in q.hide] == [
            {"panel": "output", "row": r, "col": c}]
        assert f"data-q='count'>{q.answer}<" in f["html"]
    w.canvas.move(step=5)                       # pixel (1, 1): its corner is covered 4 times
    assert w.canvas.question.answer == 4
    SESSION.reset()
    wrong = w.canvas.submit("2")
    assert wrong.right is False and "it is 4" in wrong.html and SESSION.as_dict() == {
        "right": 0, "asked": 1}
    w.canvas.move(step=6)
    right = w.canvas.submit(str(w.canvas.question.answer))
    assert right.right and SESSION.as_dict() == {"right": 1, "asked": 2}
    assert w.canvas.question is None             # answered: the cell shows


def test_widget_shows_a_wrong_or_broken_function():
    def extra_row(images, filters, output_shape, stride, padding):
        out = good_transpose(images, filters, output_shape, stride, padding)
        out[:, 0] += 1
        return out

    w = TransposedConvExplorer(extra_row)
    assert "differs in 9 of 81 cells" in w.canvas.status and "&#10007;" in w.canvas.status
    f = w.canvas.frame
    assert len(f["marks"]) == 9 and "9 of the 81 cells differ" in f["status"]
    q = w.canvas.question                       # output[0, 0]: the student's says 2, it is 1
    assert q.student == 2 and q.answer == 1
    verdict = w.canvas.submit("2")
    assert not verdict.right and "extra_row gives 2 here" in verdict.html

    def stub(*args):
        raise NotImplementedError()

    w = TransposedConvExplorer(stub)
    assert "not implemented yet" in w.canvas.status
    np.testing.assert_allclose(w.canvas.frames[-1]["grids"]["output"],   # the true counts shown
                               variants.overlap_counts(4, 3, 2))
    assert w.canvas.question.student is None
    w = TransposedConvExplorer(lambda *a: np.ones((2, 2)))
    assert "returned shape (2, 2)" in w.canvas.status
    w = TransposedConvExplorer(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in w.canvas.status
    w = TransposedConvExplorer()
    assert "No function given" in w.canvas.status


def test_widget_errors_inside_callbacks_are_shown(monkeypatch):
    w = TransposedConvExplorer(good_transpose)

    def boom(*args, **kwargs):
        raise RuntimeError("scatter failed")

    monkeypatch.setattr("convlab.ch05_conv_variants.compute.scatter_steps", boom)
    w.s.value = 1
    assert "widget error" in w.canvas.status and "scatter failed" in w.canvas.status


def test_widget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="transpose_fn"):
        TransposedConvExplorer(transpose_fn=42)
    with pytest.raises(ValueError, match="k"):
        TransposedConvExplorer(k=0)
    with pytest.raises(ValueError, match="s"):
        TransposedConvExplorer(s=-1)

"""Chapter 1's widgets: their pure compute, and the views driven from Python (no browser)."""
import numpy as np
import pytest

from convlab import kernels, sliding
from convlab.ch01_filter_sliding.widgets import ChannelSum, FilterSlider
from convlab.widgets import FilterSlider as OldName, predict
from convlab.widgets.canvas import box, cell

IMAGE = np.arange(20, dtype=float).reshape(4, 5)
KERNEL = np.array([[1.0, 0.0], [2.0, -1.0]])


def correlate(image, kernel):
    from scipy.signal import correlate2d
    return correlate2d(image, kernel, mode="valid")


def flipped(image, kernel):
    return correlate(image, kernel[::-1, ::-1])


def test_steps_walk_row_by_row():
    assert sliding.output_shape(IMAGE.shape, KERNEL.shape) == (3, 4)
    assert sliding.n_steps(IMAGE.shape, KERNEL.shape) == 12
    st = sliding.step_at(IMAGE, KERNEL, 6)
    assert (st.row, st.col) == (1, 2)
    np.testing.assert_array_equal(st.window, IMAGE[1:3, 2:4])
    np.testing.assert_array_equal(st.products, IMAGE[1:3, 2:4] * KERNEL)
    assert st.total == pytest.approx(correlate(IMAGE, KERNEL)[1, 2])


def test_window_sums_equal_cross_correlation():
    for name in kernels.CLASSIC:
        k = kernels.get(name)
        img = np.random.default_rng(0).random((9, 8))
        np.testing.assert_allclose(sliding.window_sums(img, k), correlate(img, k))


def test_filled_hides_cells_not_reached():
    out = sliding.filled(np.ones((3, 4)), 5)
    assert np.isfinite(out).sum() == 6 and np.isnan(out[1, 2]) and out[1, 1] == 1


def test_run_conv_fn_reports_problems_as_messages():
    ok = sliding.run_conv_fn(correlate, IMAGE, KERNEL)
    assert ok.error is None and ok.value.shape == (3, 4)

    def stub(image, kernel):
        raise NotImplementedError()
    assert "not implemented yet" in sliding.run_conv_fn(stub, IMAGE, KERNEL).error
    assert "forget `return`" in sliding.run_conv_fn(lambda i, k: None, IMAGE, KERNEL).error
    msg = sliding.run_conv_fn(lambda i, k: np.zeros((4, 5)), IMAGE, KERNEL).error
    assert "(4, 5)" in msg and "(3, 4)" in msg
    assert "ZeroDivisionError" in sliding.run_conv_fn(lambda i, k: 1 / 0, IMAGE, KERNEL).error


def test_mismatches_point_at_wrong_cells():
    ref = correlate(IMAGE, KERNEL)
    bad = ref.copy()
    bad[1, 1] += 1
    assert sliding.mismatches(bad, ref, upto=4) == []
    assert sliding.mismatches(bad, ref, upto=11) == [5]


# --- the views, driven from Python as the browser drives them -----------------------------------
@pytest.fixture(autouse=True)
def fresh_score():
    predict.SESSION.reset()
    yield
    predict.SESSION.reset()


def test_filter_slider_frames_follow_the_window():
    w = FilterSlider(conv_fn=correlate, image="digit", kernel="vertical edge (Sobel x)")
    assert w.canvas.sliders[0]["size"] == 6 * 6 and w.step == 0
    assert "step 0" in w.canvas.frame["html"]
    w.canvas.move(step=7)                              # row 1, column 1
    f = w.canvas.frame
    assert w.step == 7 and "step 7" in f["html"]
    assert f["boxes"] == [box("image", 1, 1, 3, 3)] and f["upto"] == {"output": 7}
    np.testing.assert_allclose(f["grids"]["window"], w.image[1:4, 1:4])
    np.testing.assert_allclose(f["grids"]["products"], w.image[1:4, 1:4] * w.kernel, atol=1e-6)
    expected = correlate(w.image, w.kernel)[1, 1]
    assert f"{expected:.4g}" in f["html"]
    assert "agrees with the window sums on all 8 cells" in f["status"]
    w.kernel_picker.value = "Gaussian blur 5x5"        # 8x8 digit, 5x5 kernel: 4x4 outputs
    assert w.canvas.sliders[0]["size"] == 16 and w.step == 7
    w.image_picker.value = "grid"                      # 7x7 grid, 5x5 kernel: 3x3 outputs
    assert w.canvas.sliders[0]["size"] == 9 and w.step == 7


def test_filter_slider_asks_for_the_next_output_cell_before_showing_it():
    w = FilterSlider(conv_fn=correlate, image="digit", kernel="diagonal (asymmetric)")
    w.canvas.move(step=9)                              # 6 outputs a row: row 1, column 3
    q = w.canvas.question
    truth = correlate(w.image, w.kernel)[1, 3]
    assert q.text == "What will output[1, 3] be?" and q.answer == pytest.approx(truth)
    assert q.hide == [cell("output", 1, 3)]
    sent = w.canvas.frame["questions"][0]
    assert sent["id"] == "out1,3" and "data-q='out1,3'" in w.canvas.frame["html"]
    v = w.canvas.submit(f"{truth + 0.5:.3f}")
    assert v.right is False and f"{truth:.4g}" in v.html
    w.canvas.move(step=10)
    v = w.canvas.submit(f"{correlate(w.image, w.kernel)[1, 4]:.3f}")
    assert v.right is True and "disagrees" not in v.html
    assert predict.SESSION.as_dict() == {"right": 1, "asked": 2}


def test_filter_slider_shows_the_students_wrong_result():
    w = FilterSlider(conv_fn=flipped, image="grid", kernel="diagonal (asymmetric)")
    last = w.canvas.sliders[0]["size"] - 1
    w.canvas.move(step=last)
    f = w.canvas.frame
    assert "differ from the window sums" in f["status"] and "&#10007; differs" in f["html"]
    wrong = np.argwhere(~np.isclose(flipped(w.image, w.kernel), correlate(w.image, w.kernel)))
    assert len(wrong) and w.canvas.panels[1]["marks"] == wrong.tolist()
    # the question is judged against the window sums; the flipped function's value is named
    r, c = divmod(last, w.reference.shape[1])
    assert w.canvas.question.student == pytest.approx(flipped(w.image, w.kernel)[r, c])
    v = w.canvas.submit(str(flipped(w.image, w.kernel)[wrong[-1][0], wrong[-1][1]]),
                        key=w.canvas.frames[int(wrong[-1][0] * w.reference.shape[1] + wrong[-1][1])]
                        ["questions"][0]["key"])
    assert v.right is False and "flipped gives" in v.html and "wrong here" in v.html


def test_filter_slider_shows_errors_instead_of_a_blank():
    def conv2d_single(image, kernel):
        raise NotImplementedError()
    w = FilterSlider(conv_fn=conv2d_single)
    assert "conv2d_single is not implemented yet" in w.canvas.status
    np.testing.assert_allclose(w.canvas.panels[1]["values"], correlate(w.image, w.kernel))
    w.canvas.move(step=3)                              # the window still slides
    assert "step 3" in w.canvas.frame["html"]


def test_filter_slider_without_a_function_shows_window_sums():
    w = FilterSlider()
    assert "no function given" in w.canvas.status
    np.testing.assert_allclose(w.output, correlate(w.image, w.kernel))


def test_filter_slider_rejects_bad_arguments():
    with pytest.raises(ValueError, match="conv_fn must be a function"):
        FilterSlider(conv_fn=42)
    with pytest.raises(ValueError, match="unknown image"):
        FilterSlider(image="cat")
    with pytest.raises(ValueError, match="unknown kernel"):
        FilterSlider(kernel="emboss")


def test_filter_slider_callback_errors_are_shown(monkeypatch):
    w = FilterSlider(conv_fn=correlate)
    monkeypatch.setattr("convlab.ch01_filter_sliding.compute.step_at",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.kernel_picker.value = "sharpen"
    assert "widget error" in w.canvas.status and "boom" in w.canvas.status


# --- the multi-channel view ----------------------------------------------------------------------
def conv2d_multi(images, filters, bias):
    """An independent oracle: SciPy's correlate2d per image, filter and channel."""
    n, h, w, c = images.shape
    kh, kw, _, f = filters.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, f))
    for i in range(n):
        for j in range(f):
            out[i, :, :, j] = bias[j] + sum(correlate(images[i, :, :, ch], filters[:, :, ch, j])
                                            for ch in range(c))
    return out


def test_channel_sum_adds_the_channel_windows_and_the_bias():
    w = ChannelSum(conv_fn=conv2d_multi)
    image, filters, bias = w.image, w.filters, w.bias
    assert image.shape[2] == 3 and filters.shape[2] == 3 and w.canvas.status == ""
    names = [s["name"] for s in w.canvas.sliders]
    assert names == ["step", "filter"]
    ow = image.shape[1] - filters.shape[1] + 1
    w.canvas.move(step=ow + 2, filter=0)              # row 1, column 2, filter 0
    f = w.canvas.frame
    windows = image[1:4, 2:5, :]
    sums = [float((windows[:, :, ch] * filters[:, :, ch, 0]).sum()) for ch in range(3)]
    for ch in range(3):
        assert f["grids"][f"s{ch}"][0][0] == pytest.approx(sums[ch], abs=1e-5)
        assert box(f"in{ch}", 1, 2, 3, 3) in f["boxes"]
    out = sum(sums) + bias[0]
    assert f["grids"]["out"][0][0] == pytest.approx(out, abs=1e-5)
    assert f["grids"]["out"][0][0] == pytest.approx(conv2d_multi(image[None], filters, bias)
                                                    [0, 1, 2, 0], abs=1e-5)
    # questions in turn: each channel's sum, then the output value
    texts = [q.text for q in w.canvas.questions]
    assert texts[0].startswith("What will channel 0's sum be") and "output[0, 1, 2, 0]" in texts[3]
    for ch in range(3):
        assert w.canvas.question.answer == pytest.approx(sums[ch])
        assert w.canvas.submit(f"{sums[ch]:.4f}").right
    assert w.canvas.question.answer == pytest.approx(out)
    assert w.canvas.submit(f"{out + 1:.4f}").right is False
    assert w.canvas.question is None and predict.SESSION.as_dict() == {"right": 3, "asked": 4}


def test_channel_sum_shows_a_wrong_function_and_judges_against_the_reference():
    def forgets_bias(images, filters, bias):
        return conv2d_multi(images, filters, np.zeros_like(bias))
    w = ChannelSum(conv_fn=forgets_bias)
    w.canvas.move(step=0, filter=1)
    f = w.canvas.frame
    assert "disagrees with the window sums here" in f["status"]
    assert cell("out", 0, 0) in f["marks"] and not any(m["panel"].startswith("s")
                                                       for m in f["marks"])
    for ch in range(3):
        w.canvas.submit(str(w.canvas.question.answer))
    q = w.canvas.question
    assert q.answer == pytest.approx(q.student + w.bias[1])
    v = w.canvas.submit(str(q.student))
    assert v.right is False and "forgets_bias gives" in v.html


def test_channel_sum_without_or_with_an_unfinished_function():
    w = ChannelSum()
    assert "no function given" in w.canvas.status
    np.testing.assert_allclose(w.out, w.ref_out)

    def conv2d_multi(images, filters, bias):
        raise NotImplementedError()
    w = ChannelSum(conv_fn=conv2d_multi)
    assert "conv2d_multi is not implemented yet" in w.canvas.status
    assert w.canvas.frames and w.canvas.question.student is None
    with pytest.raises(ValueError, match="conv_fn must be a function"):
        ChannelSum(conv_fn="conv2d_multi")


def test_the_old_name_is_the_same_widget():
    assert OldName is FilterSlider

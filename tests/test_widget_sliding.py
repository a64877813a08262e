"""Chapter 1's widget: its pure compute, and its callbacks driven from Python (no browser)."""
import numpy as np
import pytest

from convlab import kernels, sliding
from convlab.widgets import FilterSlider

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


# --- the view, driven as a person would, from Python -----------------------------------------
def test_widget_updates_on_step_and_kernel():
    w = FilterSlider(conv_fn=correlate, image="digit", kernel="vertical edge (Sobel x)")
    assert w.step.max == 6 * 6 - 1
    png0, detail0 = w.figure.value, w.detail.value
    assert png0[:4] == b"\x89PNG" and "step 0" in detail0
    w.step.value = 7                                 # row 1, column 1
    assert "step 7" in w.detail.value and w.figure.value != png0
    expected = correlate(w.image, w.kernel)[1, 1]
    assert f"{expected:.4g}" in w.detail.value
    assert "agrees with the window sums on all 8 cells" in w.status.value
    png1 = w.figure.value
    w.kernel_picker.value = "Gaussian blur 5x5"      # 8x8 digit, 5x5 kernel: 4x4 outputs
    assert w.step.max == 15 and w.step.value == 7 and w.figure.value != png1
    w.image_picker.value = "grid"                    # 7x7 grid, 5x5 kernel: 3x3 outputs
    assert w.step.max == 8 and w.step.value == 7


def test_widget_shows_the_students_wrong_result():
    w = FilterSlider(conv_fn=flipped, image="grid", kernel="diagonal (asymmetric)")
    w.step.value = w.step.max
    assert "differ from the window sums" in w.status.value
    assert "differs" in w.detail.value or "&#10007;" in w.detail.value


def test_widget_shows_errors_instead_of_a_blank():
    def conv2d_single(image, kernel):
        raise NotImplementedError()
    w = FilterSlider(conv_fn=conv2d_single)
    assert "conv2d_single is not implemented yet" in w.status.value
    assert w.figure.value[:4] == b"\x89PNG"           # the window still slides
    w.step.value = 3
    assert "step 3" in w.detail.value


def test_widget_without_a_function_shows_window_sums():
    w = FilterSlider()
    assert "no function given" in w.status.value
    np.testing.assert_allclose(w.output, correlate(w.image, w.kernel))


def test_widget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="conv_fn must be a function"):
        FilterSlider(conv_fn=42)
    with pytest.raises(ValueError, match="unknown image"):
        FilterSlider(image="cat")
    with pytest.raises(ValueError, match="unknown kernel"):
        FilterSlider(kernel="emboss")


def test_widget_callback_errors_are_shown(monkeypatch):
    w = FilterSlider(conv_fn=correlate)
    monkeypatch.setattr("convlab.ch01_filter_sliding.figures.sliding_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.step.value = 2
    assert "widget error" in w.status.value and "boom" in w.status.value

"""Chapter 7's widget: its pure compute (convlab.fraud), and its callbacks driven from Python."""
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_curve

from convlab import fraud
from convlab.widgets import ThresholdExplorer


def data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=n) < 0.05).astype(int)
    labels[:3] = 1
    x = rng.standard_normal((n, 6))
    x_hat = x + rng.standard_normal((n, 6)) * (0.3 + 1.5 * labels[:, None])
    return x, x_hat, labels


def good_error(x, x_hat):
    return np.mean((x - x_hat) ** 2, axis=1)


def test_operating_point_matches_sklearn():
    x, x_hat, y = data()
    e = fraud.errors_of(x, x_hat)
    for t in np.quantile(e, [0.0, 0.5, 0.9, 0.99]):
        op = fraud.operating_point(e, y, t)
        tn, fp, fn, tp = confusion_matrix(y, (e >= t).astype(int), labels=[0, 1]).ravel()
        assert (op.tn, op.fp, op.fn, op.tp) == (tn, fp, fn, tp)
    assert op.cost(100, 1) == op.fn * 100 + op.fp


def test_pr_curve_matches_sklearn():
    x, x_hat, y = data(1)
    e = np.round(fraud.errors_of(x, x_hat), 1)            # with ties
    precision, recall = fraud.pr_curve(e, y)
    p_sk, r_sk, _ = precision_recall_curve(y, e)
    np.testing.assert_allclose(precision, p_sk[:-1][::-1])
    np.testing.assert_allclose(recall, r_sk[:-1][::-1])


def test_recall_threshold_and_penalty_references():
    e, y = np.array([9.0, 8.0, 7.0, 5.0, 2.0, 1.0]), np.array([1, 0, 1, 1, 0, 1])
    assert fraud.recall_threshold(e, y, 0.75) == 5.0
    assert fraud.recall_threshold(e, y, 1.0) == 1.0
    W = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 1.0]])
    assert fraud.sigmoid_penalty(np.zeros((1, 2)), W, np.zeros(3))[0] == pytest.approx(0.9375)


def test_check_errors_messages():
    assert "forget `return`" in str(pytest.raises(ValueError, fraud.check_errors, None, 3).value)
    assert "shape (3,)" in str(pytest.raises(ValueError, fraud.check_errors, np.ones(4), 3).value)
    assert "NaN" in str(pytest.raises(ValueError, fraud.check_errors, np.array([1, np.nan, 2]), 3).value)


def test_synthetic_data_is_seeded_and_labelled():
    a, b = fraud.synthetic_creditcard(2000), fraud.synthetic_creditcard(2000)
    assert np.array_equal(a.values, b.values) and a.synthetic
    assert a.label == "SYNTHETIC data" and a.summary().startswith("SYNTHETIC")
    assert np.all(np.diff(a.column("Time")) >= 0)
    assert int(a.column("Class").sum()) == round(2000 * fraud.FRAUD_RATE)


# --- the view, driven from Python -----------------------------------------------------------
def test_widget_updates_on_every_control():
    x, x_hat, y = data()
    w = ThresholdExplorer(x, x_hat, y, error_fn=good_error, choose_fn=fraud.recall_threshold,
                          synthetic=True)
    assert w.figure.value[:4] == b"\x89PNG"
    assert "errors computed by your good_error" in w.status.value
    assert "SYNTHETIC data" in w.metrics.value and "TP " in w.metrics.value
    e = good_error(x, x_hat)
    png, text = w.figure.value, w.metrics.value
    w.threshold.value = float(np.quantile(e, 0.5))
    assert w.figure.value != png and w.metrics.value != text
    op = fraud.operating_point(e, y, w.threshold.value)
    assert f"FP {op.fp}" in w.metrics.value and f"recall {op.recall:.3f}" in w.metrics.value
    assert w.point == (op.recall, op.precision)
    text = w.metrics.value
    w.missed.value = 1000.0
    assert w.metrics.value != text and f"{op.fn * 1000 + op.fp:,.0f}" in w.metrics.value
    w.alarm.value = 10.0
    assert f"{op.fn * 1000 + op.fp * 10:,.0f}" in w.metrics.value
    w.target.value = 1.0
    w.use_choice.click()
    assert w.chosen == fraud.recall_threshold(e, y, 1.0)
    assert "recall 1.000" in w.status.value


def test_widget_shows_the_students_mistakes_instead_of_a_blank():
    x, x_hat, y = data()

    def reconstruction_error(x, x_hat):
        raise NotImplementedError()
    w = ThresholdExplorer(x, x_hat, y, error_fn=reconstruction_error)
    assert "reconstruction_error is not implemented yet" in w.status.value
    assert "Nothing to show" in w.metrics.value
    w2 = ThresholdExplorer(x, x_hat, y, error_fn=lambda a, b: np.mean((a - b) ** 2, axis=0))
    assert "shape (400,)" in w2.status.value and "got shape (6,)" in w2.status.value
    w3 = ThresholdExplorer(x, x_hat, y, error_fn=lambda a, b: None)
    assert "forget `return`" in w3.status.value

    def choose_threshold(errors, labels, target):
        return 1 / 0
    w4 = ThresholdExplorer(x, x_hat, y, error_fn=good_error, choose_fn=choose_threshold)
    w4.use_choice.click()
    assert "ZeroDivisionError" in w4.status.value and w4.figure.value[:4] == b"\x89PNG"
    w5 = ThresholdExplorer(x, x_hat, y, error_fn=good_error, choose_fn=lambda e, l, t: "high")
    w5.use_choice.click()
    assert "expected a number" in w5.status.value


def test_widget_without_functions_and_bad_arguments():
    x, x_hat, y = data()
    w = ThresholdExplorer(x, x_hat, y)
    assert "No error function given" in w.status.value and w.use_choice.disabled
    assert "SYNTHETIC" not in w.metrics.value
    with pytest.raises(ValueError, match="error_fn must be a function"):
        ThresholdExplorer(x, x_hat, y, error_fn=3)
    with pytest.raises(ValueError, match="same shape"):
        ThresholdExplorer(x, x_hat[:, :3], y)
    with pytest.raises(ValueError, match="zeros and ones"):
        ThresholdExplorer(x, x_hat, y * 2)
    with pytest.raises(ValueError, match="at least one fraud"):
        ThresholdExplorer(x, x_hat, y * 0)


def test_widget_callback_errors_are_shown(monkeypatch):
    x, x_hat, y = data()
    w = ThresholdExplorer(x, x_hat, y, error_fn=good_error)
    monkeypatch.setattr("convlab.ch07_autoencoders.figures.threshold_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.threshold.value = float(w.threshold.value) * 2
    assert "widget error" in w.status.value and "boom" in w.status.value


def test_sliders_do_not_update_continuously():
    x, x_hat, y = data()
    w = ThresholdExplorer(x, x_hat, y)
    assert all(not s.continuous_update for s in (w.threshold, w.missed, w.alarm, w.target))

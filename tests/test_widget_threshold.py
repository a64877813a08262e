"""Chapter 7's widget: its pure compute (convlab.fraud), its frames, questions and callbacks driven
from Python (headless: the browser only draws what these frames hold)."""
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_curve

from convlab import fraud
from convlab.ch07_autoencoders.widgets import frauds_needed
from convlab.widgets import ThresholdExplorer, predict


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
def explorer(**kwargs):
    x, x_hat, y = data()
    kwargs.setdefault("error_fn", good_error)
    return ThresholdExplorer(x, x_hat, y, **kwargs), good_error(x, x_hat), y


def test_frauds_needed_is_the_smallest_count_reaching_the_recall():
    for n in (1, 3, 7, 10, 32, 99):
        for r in np.arange(0.05, 1.0001, 0.05):
            k = frauds_needed(n, r)
            assert k / n >= r and (k == 1 or (k - 1) / n < r), (n, r, k)
    assert frauds_needed(10, 0.7) == 7 and frauds_needed(3, 0.1) == 1


def test_slider_runs_over_the_fraud_errors_and_frames_hold_the_counts():
    w, e, y = explorer(synthetic=True)
    fraud_errors = np.sort(e[y == 1])[::-1]
    assert w.thresholds[0] > e.max() and np.allclose(w.thresholds[1:], np.unique(fraud_errors)[::-1])
    assert len(w.canvas.frames) == len(w.thresholds) == w.canvas.sliders[0]["size"]
    assert "errors computed by your good_error" in w.canvas.status
    strip = np.array(w.canvas.panels[0]["values"], dtype=float).ravel()
    np.testing.assert_allclose(strip[:len(fraud_errors)], fraud_errors, rtol=1e-5)
    for k, t in enumerate(w.thresholds):
        w.canvas.move(threshold=k)
        op = fraud.operating_point(e, y, t)
        assert op.tp == k                                  # no ties: the k largest fraud errors
        tn, fp, fn, tp = confusion_matrix(y, (e >= t).astype(int), labels=[0, 1]).ravel()
        assert w.canvas.frame["grids"]["confusion"] == [[tp, fn], [fp, tn]]
        html = w.canvas.frame["html"]
        assert "SYNTHETIC data" in html and f"{op.cost(100, 1):,.0f}" in html
        # the counts a question asks for are hidden until it is answered; nothing is asked at 0
        assert ("data-q='caught'" in html) == (k > 0), k


def test_a_few_frauds_fill_one_row_of_the_strip():
    x, x_hat, y = data()
    y = np.zeros_like(y)
    y[[3, 7, 11, 19]] = 1
    w = ThresholdExplorer(x, x_hat, y, error_fn=good_error)
    assert "widget error" not in w.canvas.status
    assert w.canvas.panels[0]["shape"] == [1, 4] and len(w.canvas.frames) == 5


def test_the_task_says_when_the_recall_is_reached_with_the_fewest_false_alarms():
    w, e, y = explorer(target_recall=0.5)
    n = int(y.sum())
    need = frauds_needed(n, 0.5)
    best = fraud.operating_point(e, y, np.sort(e[y == 1])[::-1][need - 1])
    for k in range(len(w.thresholds)):
        w.canvas.move(threshold=k)
        html = w.canvas.frame["html"]
        if k < need:
            assert "not reached yet" in html, k
        elif fraud.operating_point(e, y, w.thresholds[k]).fp == best.fp:
            assert "done" in html and "the fewest possible" in html, k
        else:
            assert f"a higher threshold reaches it with {best.fp:,}" in html, k
    assert k >= need


def test_asks_where_the_threshold_lands_then_how_many_frauds_each_position_catches():
    predict.SESSION.reset()
    w, e, y = explorer(choose_fn=fraud.recall_threshold)
    n = int(y.sum())
    q = w.canvas.question
    assert q.key.endswith(":lands") and f"Target recall 0.80 with {n} frauds" in q.text
    assert q.answer == frauds_needed(n, 0.8) == q.student
    assert not w.canvas.submit(str(q.answer + 1)).right
    q = w.canvas.question
    assert q.key.endswith(":recall") and q.answer == pytest.approx(frauds_needed(n, 0.8) / n)
    assert w.canvas.submit(f"{q.answer:.4g}").right
    assert w.canvas.question is None
    w.canvas.move(threshold=2)
    q = w.canvas.question
    t = w.thresholds[2]
    assert q.text == f"Flag every error ≥ {t:.4g}: how many of the {n} frauds are caught?"
    assert q.answer == q.student == 2 and {"panel": "confusion", "row": 0, "col": 0} in q.hide
    assert "data-q='caught'" in w.canvas.frame["html"]
    assert w.canvas.submit("2").right
    assert predict.SESSION.as_dict() == {"right": 2, "asked": 3}
    # the target recall changes the question
    w.target.value = 0.5
    w.canvas.move(threshold=0)
    assert w.canvas.question.answer == frauds_needed(n, 0.5)
    predict.SESSION.reset()


def test_a_wrong_error_function_is_shown_and_judged_against_the_reference():
    predict.SESSION.reset()
    x, x_hat, y = data()

    def reconstruction_error(x, x_hat):
        return np.sum((x - x_hat) ** 2, axis=1) ** 0.25      # another ranking of the rows
    w = ThresholdExplorer(x, x_hat, y, error_fn=reconstruction_error)
    for k in range(1, len(w.thresholds)):
        w.canvas.move(threshold=k)
        q = w.canvas.question
        if q.answer != q.student:
            break
    assert q.answer != q.student, "the reference counts must differ somewhere from the student's"
    verdict = w.canvas.submit(str(q.student))
    assert not verdict.right and "reconstruction_error" in verdict.html
    predict.SESSION.reset()


def test_choose_button_moves_the_slider_to_the_students_threshold():
    w, e, y = explorer(choose_fn=fraud.recall_threshold, synthetic=True)
    w.target.value = 1.0
    w.use_choice.click()
    assert w.chosen == fraud.recall_threshold(e, y, 1.0)
    assert w.thresholds[w.canvas.position["threshold"]] == pytest.approx(w.chosen)
    assert "choose_fn(target recall 1.00)" in w.canvas.status and "recall 1.000" in w.canvas.status
    assert "the fewest possible" in w.canvas.frame["html"]
    assert w.figure.value[:4] == b"\x89PNG"


def test_costs_change_the_frames_not_the_position():
    w, e, y = explorer()
    w.canvas.move(threshold=3)
    op = fraud.operating_point(e, y, w.thresholds[3])
    w.missed.value = 1000.0
    w.alarm.value = 10.0
    assert w.canvas.position["threshold"] == 3
    assert f"{op.fn * 1000 + op.fp * 10:,.0f}" in w.canvas.frame["html"]


def test_widget_shows_the_students_mistakes_instead_of_a_blank():
    x, x_hat, y = data()

    def reconstruction_error(x, x_hat):
        raise NotImplementedError()
    w = ThresholdExplorer(x, x_hat, y, error_fn=reconstruction_error)
    assert "reconstruction_error is not implemented yet" in w.canvas.status
    assert "Nothing to show" in w.canvas.frame["html"] and w.canvas.question is None
    w2 = ThresholdExplorer(x, x_hat, y, error_fn=lambda a, b: np.mean((a - b) ** 2, axis=0))
    assert "shape (400,)" in w2.canvas.status and "got shape (6,)" in w2.canvas.status
    w3 = ThresholdExplorer(x, x_hat, y, error_fn=lambda a, b: None)
    assert "forget `return`" in w3.canvas.status

    def choose_threshold(errors, labels, target):
        return 1 / 0
    w4 = ThresholdExplorer(x, x_hat, y, error_fn=good_error, choose_fn=choose_threshold)
    assert w4.canvas.question.student is None                 # nothing to compare with
    w4.use_choice.click()
    assert "ZeroDivisionError" in w4.canvas.status and w4.figure.value[:4] == b"\x89PNG"
    w5 = ThresholdExplorer(x, x_hat, y, error_fn=good_error, choose_fn=lambda e, l, t: "high")
    w5.use_choice.click()
    assert "expected a number" in w5.canvas.status


def test_widget_without_functions_and_bad_arguments():
    x, x_hat, y = data()
    w = ThresholdExplorer(x, x_hat, y)
    assert "No error function given" in w.canvas.status and w.use_choice.disabled
    assert "SYNTHETIC" not in w.canvas.frame["html"]
    with pytest.raises(ValueError, match="error_fn must be a function"):
        ThresholdExplorer(x, x_hat, y, error_fn=3)
    with pytest.raises(ValueError, match="same shape"):
        ThresholdExplorer(x, x_hat[:, :3], y)
    with pytest.raises(ValueError, match="zeros and ones"):
        ThresholdExplorer(x, x_hat, y * 2)
    with pytest.raises(ValueError, match="at least one fraud"):
        ThresholdExplorer(x, x_hat, y * 0)


def test_widget_callback_errors_are_shown(monkeypatch):
    w, _, _ = explorer()
    monkeypatch.setattr("convlab.ch07_autoencoders.figures.threshold_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.missed.value = 1000.0
    assert "widget error" in w.canvas.status and "boom" in w.canvas.status


def test_sliders_do_not_update_continuously():
    w, _, _ = explorer()
    assert all(not s.continuous_update for s in (w.missed, w.alarm, w.target))

"""Chapter 7: every number the text states is computed here (Keras, TensorFlow, the data module)
and must appear in the notebook as stated."""
import numpy as np

import nbharness as h
from convlab import fraud
from convlab.articles import ARTICLES, ERRATA_HEADING, citation
from convlab.testing import keras, tensorflow

CH = "07_autoencoders"
NAMES = ("reconstruction_error", "build_autoencoder", "corrupt", "contractive_penalty",
         "choose_threshold")
BONUS = "relu_contractive_penalty"


def markdown():
    return "\n".join(c.source for c in h.source_notebook(CH).cells if c.cell_type == "markdown")


def dense_chain(dims):
    k = keras()
    model = k.Sequential([k.Input((dims[0],))] + [k.layers.Dense(b) for b in dims[1:]])
    return model.count_params(), [layer.count_params() for layer in model.layers]


def test_parameter_counts():
    text = markdown()
    total, per_layer = dense_chain([29, 40, 29])
    assert (total, per_layer) == (2389, [1200, 1189])
    assert (f"(29·40 + 40) + (40·29 + 29) = {per_layer[0]:,} + {per_layer[1]:,} = "
            f"**{total:,}** parameters") in text
    total, per_layer = dense_chain([29, 80, 40, 80, 29])
    assert total == 11269
    assert " + ".join(f"{p:,}" for p in per_layer) + f" = **{total:,}** parameters" in text
    assert "29-40-29 has 2,389 and 29-80-40-80-29 has 11,269" in text
    assert fraud.dense_counts([29, 40, 29]) == [1200, 1189]


def test_data_set_numbers():
    text = markdown()
    assert (fraud.REAL_ROWS, fraud.REAL_FRAUDS) == (284807, 492)
    assert f"**{fraud.REAL_ROWS:,}**" in text and f"**{fraud.REAL_FRAUDS}** are frauds" in text
    assert f"= **{100 * fraud.FRAUD_RATE:.4f}%**" in text                      # 0.1727%
    assert f"With {100 * (1 - fraud.FRAUD_RATE):.2f}% normal transactions" in text
    assert f"equal to the fraud rate, {fraud.FRAUD_RATE:.4f}" in text
    data = fraud.synthetic_creditcard()
    n, frauds = len(data.values), int(data.column("Class").sum())
    assert (n, frauds) == (100000, 173)
    assert f"**{n:,}** generated transactions with **{frauds}** frauds" in text
    assert data.values.shape[1] == 31 and "SYNTHETIC" in data.summary()
    split = fraud.prepare(data)
    assert split.x_train.shape == (15000, 29) and "15,000 normal" in text


def test_roc_flatters_numbers():
    """Flag every fraud and 1% of the normal transactions of the full data set."""
    k = keras()
    text = markdown()
    normal = fraud.REAL_ROWS - fraud.REAL_FRAUDS
    alarms = round(0.01 * normal)
    labels = np.r_[np.ones(fraud.REAL_FRAUDS), np.zeros(normal)]
    flagged = np.r_[np.ones(fraud.REAL_FRAUDS), np.ones(alarms), np.zeros(normal - alarms)]
    precision = k.metrics.Precision()
    precision.update_state(labels, flagged)
    fpr = k.metrics.FalsePositives()
    fpr.update_state(labels, flagged)
    assert int(fpr.result()) == alarms == 2843
    assert f"{alarms:,} false alarms" in text and "almost six for each" in text
    assert round(alarms / fraud.REAL_FRAUDS) == 6
    assert f"precision at most {100 * float(precision.result()):.1f}%" in text
    assert "false-positive rate of only 0.01" in text


def test_contractive_formula_and_relu_discrepancy():
    """The sigmoid formula equals the GradientTape Jacobian norm; on ReLU the article's does not."""
    tf = tensorflow()
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((4, 29)), rng.standard_normal((29, 40)) * 0.3, np.zeros(40)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        hid = tf.sigmoid(xt @ W + b)
    true = tf.reduce_sum(tape.batch_jacobian(hid, xt) ** 2, axis=[1, 2]).numpy()
    np.testing.assert_allclose(fraud.sigmoid_penalty(x, W, b), true, rtol=1e-6)
    seed_formula, relu_true = fraud.relu_discrepancy(x, W, b)
    assert not np.allclose(seed_formula, relu_true, rtol=0.05)
    text = markdown()
    assert "sum_j (h_j (1 - h_j))^2 · sum_i W_ij^2" in text and "3e-5" in text and "30-50%" in text


def test_threshold_1e6_flags_everything():
    """Standardised features: an untrained 29-40-29 model's errors are all far above 1e-6."""
    k = keras()
    split = fraud.prepare(fraud.synthetic_creditcard())
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((29,)), k.layers.Dense(40, activation="relu"), k.layers.Dense(29)])
    errors = fraud.errors_of(split.x_val, model.predict(split.x_val, verbose=0))
    assert errors.min() > 1e-3
    op = fraud.operating_point(errors, split.y_val, 1e-6)
    assert op.recall == 1.0 and op.tn == 0
    assert "`t = 1e-6`" in markdown()


def test_stated_point_totals_match_the_tests():
    text = markdown()
    points = h.points_per_exercise(CH, NAMES + (BONUS,))
    for fn in NAMES:
        assert f"### Exercise {NAMES.index(fn) + 1}: `{fn}` ({points[fn]:g} points)" in text, \
            (fn, points[fn])
    assert f"### Bonus exercise: `{BONUS}` ({points[BONUS]:g} points, extra credit)" in text
    assert "TF1 -> TF2" in text


def test_the_bonus_is_extra_credit():
    """Its test cells are worth 0 in nbgrader and say their bonus; every other test cell has
    points of its own."""
    from autograder.cells import bonus_points
    for c in h.source_notebook(CH).cells:
        m = h.meta(c)
        if not m.get("grade"):
            continue
        if m["grade_id"].startswith(f"test_{BONUS}_"):
            assert m["points"] == 0 and bonus_points(c.source) > 0, m["grade_id"]
        else:
            assert m["points"] > 0 and bonus_points(c.source) == 0, m["grade_id"]


def test_relu_penalty_formula_is_the_gradient_tape_jacobian():
    """sum_j 1[z_j > 0] sum_i W_ij^2 (the bonus' reference) is ||d relu(x W + b) / dx||_F^2, and
    the autoencoder guide's h(1 - h) formula is not."""
    tf = tensorflow()
    rng = np.random.default_rng(3)
    x, W, b = rng.standard_normal((6, 29)), rng.standard_normal((29, 40)) * 0.3, rng.standard_normal(40)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        hid = tf.nn.relu(xt @ W + b)
    true = tf.reduce_sum(tape.batch_jacobian(hid, xt) ** 2, axis=[1, 2]).numpy()
    np.testing.assert_allclose(fraud.relu_contractive_penalty(x, W, b), true, rtol=1e-12)
    guide, relu_true = fraud.relu_discrepancy(x, W, b)
    np.testing.assert_allclose(relu_true, true, rtol=1e-12)
    assert not np.allclose(guide, true, rtol=0.05)
    assert "`sum_j 1[z_j > 0] sum_i W_ij^2`" in markdown()


def errata():
    text = markdown()
    assert ERRATA_HEADING in text
    return text[text.index(ERRATA_HEADING):]


def test_errata_cites_the_guide_and_names_its_code():
    text = markdown()
    guide = ARTICLES["001"]
    assert citation("001") in text and guide.short in text
    box = errata()
    assert guide.title in box
    for quoted in ("K.variable(value=contractive_ae.layers[1].get_weights()[0])",
                   "auc(recall, precision)", "`(h_j (1 - h_j))^2`", "`1e-6`"):
        assert quoted in box, quoted


def test_errata_frozen_copy_sends_no_gradient_and_never_follows_training():
    """The guide's K.variable(get_weights()[0]): no gradient to the kernel through the weights'
    factor, the live kernel gets 2 W_ij mean_n (h(1-h))^2; training moves the kernel, not the copy."""
    split = fraud.prepare(fraud.synthetic_creditcard())
    x = split.x_train[:512]
    result = fraud.frozen_copy_gradients(x)
    assert result.grad_frozen is None
    # the same layer, rebuilt: the live gradient is 2 W_ij times the mean over rows of (h(1-h))^2
    k = keras()
    layer = k.layers.Dense(40, activation="sigmoid", kernel_initializer=k.initializers.GlorotUniform(seed=0))
    layer.build((None, 29))
    W0, b0 = (np.asarray(v, float) for v in layer.get_weights())
    hid = 1 / (1 + np.exp(-(x @ W0 + b0)))
    np.testing.assert_allclose(result.grad_live, 2 * W0 * np.mean((hid * (1 - hid)) ** 2, axis=0),
                               rtol=1e-4, atol=1e-8)
    assert np.abs(result.grad_live).max() > 0
    assert result.gradient_gap > 0.1
    assert result.steps == 3 and "three gradient-descent steps" in errata()
    assert result.drift > 1e-4 and result.copy_unchanged
    assert "is `None` with the copy and an array with the kernel" in errata().replace("\n", " ")


def step_ap(scores, labels):
    """Average precision by hand: precision at each fraud, in order of score (no ties)."""
    order = np.argsort(-scores, kind="stable")
    y = np.asarray(labels)[order]
    tp = np.cumsum(y)
    return float(np.sum((tp / np.arange(1, len(y) + 1))[y == 1]) / y.sum())


def trapezoid(scores, labels):
    """The trapezoidal rule over the precision-recall points of every distinct threshold, with
    the point (recall 0, precision 1) scikit-learn adds."""
    precision, recall = fraud.pr_curve(scores, labels)
    r, p = np.r_[0.0, recall], np.r_[1.0, precision]
    return float(np.sum(np.diff(r) * (p[1:] + p[:-1]) / 2))


def test_errata_trapezoid_versus_average_precision():
    text = errata().replace("\n", " ")
    # the hand example
    ranking = np.array(fraud.HAND_RANKING)
    scores = np.arange(len(ranking), 0, -1.0)
    hand = fraud.pr_areas(scores, ranking)
    assert np.isclose(hand["average precision"], step_ap(scores, ranking)) and \
        np.isclose(hand["average precision"], 0.5 * 1 + 0.5 * 2 / 10)
    assert np.isclose(hand["trapezoid"], trapezoid(scores, ranking))
    assert np.isclose(hand["trapezoid"], 0.5 * 1 + 0.5 * (1 / 9 + 2 / 10) / 2)
    assert f"1/2 · 1 + 1/2 · 2/10 = **{hand['average precision']:g}**" in text
    assert f"the trapezoid **{hand['trapezoid']:.3f}**" in text
    # a detector that gives every transaction of the test split the same score
    split = fraud.prepare(fraud.synthetic_creditcard())
    constant = fraud.pr_areas(np.ones(len(split.y_test)), split.y_test)
    share = split.y_test.mean()
    assert np.isclose(constant["trapezoid"], (1 + share) / 2)
    assert np.isclose(constant["average precision"], share)
    assert f"trapezoid area of **{constant['trapezoid']:.2f}**" in text
    assert f"average precision of **{constant['average precision']:.4f}**, the share of frauds" in text
    # without ties the trapezoid never exceeds average precision
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(5, 60))
        labels = (rng.uniform(size=n) < rng.uniform(0.05, 0.5)).astype(int)
        labels[0] = 1
        s = rng.permutation(n).astype(float)
        a = fraud.pr_areas(s, labels)
        assert np.isclose(a["trapezoid"], trapezoid(s, labels))
        assert np.isclose(a["average precision"], step_ap(s, labels))
        assert a["trapezoid"] <= a["average precision"] + 1e-12
    assert "Without tied scores it lands a little below average precision" in text
    # the guide's numbers are trapezoid areas
    assert "(0.82, 0.83, ...)" in text


def test_no_test_cell_is_in_kernel_only():
    """build_autoencoder's model is re-checked too (rebuilt in the grader, issue 16)."""
    for c in h.source_notebook(CH).cells:
        m = h.meta(c)
        if m.get("grade"):
            assert "# grader: in-kernel only" not in c.source, m["grade_id"]
        if m.get("grade_id") == "setup":
            assert "tensorflow" not in c.source and "keras" not in c.source

"""Chapter 7: every number the text states is computed here (Keras, TensorFlow, the data module)
and must appear in the notebook as stated."""
import numpy as np

import nbharness as h
from convlab import fraud
from convlab.testing import keras, tensorflow

CH = "07_autoencoders"
NAMES = ("reconstruction_error", "build_autoencoder", "corrupt", "contractive_penalty",
         "choose_threshold")


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
    points = h.points_per_exercise(CH, NAMES)
    for fn, total in points.items():
        assert f"### Exercise {NAMES.index(fn) + 1}: `{fn}` ({total:g} points)" in text, (fn, total)
    assert "TF1 -> TF2" in text


def test_no_test_cell_is_in_kernel_only():
    """build_autoencoder's model is re-checked too (rebuilt in the grader, issue 16)."""
    for c in h.source_notebook(CH).cells:
        m = h.meta(c)
        if m.get("grade"):
            assert "# grader: in-kernel only" not in c.source, m["grade_id"]
        if m.get("grade_id") == "setup":
            assert "tensorflow" not in c.source and "keras" not in c.source

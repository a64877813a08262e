"""Wrong implementations of chapter 7's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source, made by editing the reference
solution (every edit must apply, or importing this module fails). ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them. ``MESSAGES`` maps a mutant to
the test cell whose failure message must name its mistake, and a phrase of that message.
"""

import nbharness as h

_CELLS = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook("07_autoencoders").cells
          if h.meta(c).get("solution")}


def edit(grade_id, *pairs):
    """The reference solution of ``grade_id`` with each (old, new) replacement applied once."""
    src = _CELLS[grade_id].replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION", "")
    for old, new in pairs:
        assert old in src, f"mutant edit does not apply to {grade_id}: {old!r}"
        src = src.replace(old, new, 1)
    return {grade_id: src}


MSE = "return np.mean((x - x_hat) ** 2, axis=1)"
PEN = "return ((h * (1.0 - h)) ** 2) @ np.sum(W ** 2, axis=0)"
CHOOSE = "return float(fraud_errors[np.argmax(recall >= target_recall)])"
RELU = "return active.astype(np.float64) @ np.sum(W ** 2, axis=0)"

MUTANTS = {
    # reconstruction_error
    "error: sum instead of mean": edit("reconstruction_error", (MSE, "return np.sum((x - x_hat) ** 2, axis=1)")),
    "error: mean over the rows": edit("reconstruction_error", (MSE, "return np.mean((x - x_hat) ** 2, axis=0)")),
    "error: RMSE": edit("reconstruction_error", (MSE, "return np.sqrt(np.mean((x - x_hat) ** 2, axis=1))")),
    "error: absolute error": edit("reconstruction_error", (MSE, "return np.mean(np.abs(x - x_hat), axis=1)")),
    "error: no checks at all": {"reconstruction_error":
        "def reconstruction_error(x, x_hat):\n    return np.mean((np.asarray(x) - np.asarray(x_hat)) ** 2, axis=1)\n"},
    # build_autoencoder
    "build: relu on the output layer": edit("build_autoencoder", (
        "layers.append(keras.layers.Dense(input_dim))",
        "layers.append(keras.layers.Dense(input_dim, activation=activation))")),
    "build: output layer missing": edit("build_autoencoder", (
        "layers.append(keras.layers.Dense(input_dim))", "pass")),
    "build: L1 on every hidden layer": edit("build_autoencoder", (
        "if i == 0 and l1 > 0 else None", "if l1 > 0 else None")),
    "build: L1 on the weights (kernel_regularizer)": edit("build_autoencoder", (
        "activation=activation, activity_regularizer=reg)",
        "activation=activation, kernel_regularizer=reg)")),
    "build: no bias": edit("build_autoencoder", (
        "layers.append(keras.layers.Dense(input_dim))",
        "layers.append(keras.layers.Dense(input_dim, use_bias=False))")),
    "build: activation ignored (always relu) (hidden)": edit("build_autoencoder", (
        "activation=activation, activity_regularizer=reg)", 'activation="relu", activity_regularizer=reg)')),
    # corrupt
    "corrupt: each value with probability rate": edit("corrupt", (
        "chosen = rng.choice(flat.size, size=int(round(rate * flat.size)), replace=False)",
        "chosen = np.nonzero(rng.uniform(size=flat.size) < rate)[0]")),
    "corrupt: rate is the share kept": edit("corrupt", (
        "size=int(round(rate * flat.size))", "size=int(round((1 - rate) * flat.size))")),
    "corrupt: seed ignored": edit("corrupt", (
        "rng = np.random.default_rng(seed)", "rng = np.random.default_rng()")),
    "corrupt: writes into its input": edit("corrupt", (
        "out = x.astype(np.float64, copy=True)", "out = x")),
    "corrupt: noise replaces the values": edit("corrupt", (
        "flat[chosen] += rng.normal", "flat[chosen] = rng.normal")),
    "corrupt: noise on every value": edit("corrupt", (
        "flat[chosen] += rng.normal(0.0, sigma, size=len(chosen))",
        "flat[:] += rng.normal(0.0, sigma, size=flat.size)")),
    "corrupt: survivors scaled like Dropout": edit("corrupt", (
        "flat[chosen] = 0.0",
        "flat[:] /= (1 - rate) if rate < 1 else 1.0\n        flat[chosen] = 0.0")),
    "corrupt: count rounded down (hidden)": edit("corrupt", (
        "size=int(round(rate * flat.size))", "size=int(rate * flat.size)")),
    "corrupt: sigma ignored (hidden)": edit("corrupt", (
        "rng.normal(0.0, sigma, size=len(chosen))", "rng.normal(0.0, 1.0, size=len(chosen))")),
    "corrupt: no rate check": edit("corrupt", ("validate.require(0.0 <= rate <= 1.0,", "validate.require(True,")),
    # contractive_penalty
    "contractive: h(1-h) not squared": edit("contractive_penalty", (PEN, "return (h * (1.0 - h)) @ np.sum(W ** 2, axis=0)")),
    "contractive: ReLU formula": edit("contractive_penalty", (
        PEN, "return ((x @ W + b) > 0).astype(float) @ np.sum(W ** 2, axis=0)")),
    "contractive: bias missing": edit("contractive_penalty", ("h = 1.0 / (1.0 + np.exp(-(x @ W + b)))",
                                                              "h = 1.0 / (1.0 + np.exp(-(x @ W)))")),
    "contractive: Frobenius norm not squared": edit("contractive_penalty", (PEN, "return np.sqrt(((h * (1.0 - h)) ** 2) @ np.sum(W ** 2, axis=0))")),
    "contractive: weights summed before squaring": edit("contractive_penalty", (PEN, "return ((h * (1.0 - h)) ** 2) @ (np.sum(W, axis=0) ** 2)")),
    "contractive: one number for the batch": edit("contractive_penalty", (PEN, "return np.sum(((h * (1.0 - h)) ** 2) @ np.sum(W ** 2, axis=0))")),
    # relu_contractive_penalty (bonus)
    "relu contractive: h(1-h) on the ReLU outputs (the autoencoder guide's formula)": edit(
        "relu_contractive_penalty", (RELU, "h = np.maximum(x @ W + b, 0.0)\n"
                                           "    return ((h * (1.0 - h)) ** 2) @ np.sum(W ** 2, axis=0)")),
    "relu contractive: the sigmoid formula": edit("relu_contractive_penalty", (
        RELU, "h = 1.0 / (1.0 + np.exp(-(x @ W + b)))\n"
              "    return ((h * (1.0 - h)) ** 2) @ np.sum(W ** 2, axis=0)")),
    "relu contractive: the activation instead of its derivative": edit("relu_contractive_penalty", (
        RELU, "return np.maximum(x @ W + b, 0.0) @ np.sum(W ** 2, axis=0)")),
    "relu contractive: every unit counted": edit("relu_contractive_penalty", (
        RELU, "return np.full(len(x), np.sum(W ** 2))")),
    "relu contractive: bias missing": edit("relu_contractive_penalty", (
        "active = (x @ W + b) > 0", "active = (x @ W) > 0")),
    # choose_threshold
    "choose: smallest fraud error": edit("choose_threshold", (CHOOSE, "return float(fraud_errors[-1])")),
    "choose: quantile of all errors": edit("choose_threshold", (CHOOSE, "return float(np.quantile(errors, 1 - target_recall))")),
    "choose: off by one": edit("choose_threshold", (CHOOSE, "return float(fraud_errors[min(np.argmax(recall >= target_recall) + 1, len(fraud_errors) - 1)])")),
    "choose: frauds to catch rounded down (hidden)": edit("choose_threshold", (
        CHOOSE, "return float(fraud_errors[max(int(target_recall * len(fraud_errors)) - 1, 0)])")),
    "choose: no label check": edit("choose_threshold", (
        'validate.require(bool(np.isin(labels, (0, 1)).all()),', "validate.require(True,")),
}

HIDDEN_ONLY = [name for name in MUTANTS if name.endswith("(hidden)")]

MESSAGES = {
    "relu contractive: h(1-h) on the ReLU outputs (the autoencoder guide's formula)":
        ("test_relu_contractive_penalty_vs_tf", "the autoencoder guide's formula"),
    "relu contractive: the sigmoid formula":
        ("test_relu_contractive_penalty_example", "the sigmoid encoder's penalty"),
    "relu contractive: bias missing": ("test_relu_contractive_penalty_example", "bias is missing"),
}

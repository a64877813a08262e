"""Chapter 7's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
"""
from __future__ import annotations

import numpy as np

from convlab.testing import mistake


def reconstruction_error(x: np.ndarray, x_hat: np.ndarray) -> list:
    """Mistakes in a per-row mean squared error."""
    d = np.asarray(x, float) - np.asarray(x_hat, float)
    return [
        (mistake("reconstruction_error.summed",
         "you summed the squared errors; the error is their mean over the features (axis=1)."),
         lambda: np.sum(d ** 2, axis=1)),
        (mistake("reconstruction_error.mean_over_rows",
         "you averaged over the rows (axis=0): there must be one error per row (transaction)."),
         lambda: np.mean(d ** 2, axis=0)),
        (mistake("reconstruction_error.rmse",
         "you took the square root (RMSE); the course's error is the mean squared error."),
         lambda: np.sqrt(np.mean(d ** 2, axis=1))),
        (mistake("reconstruction_error.mae",
         "you averaged absolute differences (MAE); square them."),
         lambda: np.mean(np.abs(d), axis=1)),
        (mistake("reconstruction_error.not_squared",
         "you averaged the differences without squaring them."),
         lambda: np.mean(d, axis=1)),
        (mistake("reconstruction_error.one_number",
         "you returned one number for the whole batch; return one error per row."),
         lambda: np.mean(d ** 2)),
    ]


def contractive_penalty(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> list:
    """Mistakes in the per-row contractive penalty of a sigmoid encoder."""
    x, W, b = (np.asarray(v, float) for v in (x, W, b))
    z = x @ W + b
    h = 1.0 / (1.0 + np.exp(-z))
    w2 = np.sum(W ** 2, axis=0)
    found = [
        (mistake("contractive_penalty.derivative_not_squared",
         "h_j (1 - h_j) is not squared: the Jacobian entry is h_j (1 - h_j) W_ij, so its square "
         "has (h_j (1 - h_j))^2."), lambda: (h * (1 - h)) @ w2),
        (mistake("contractive_penalty.relu_derivative",
         "you used the ReLU formula: for a sigmoid encoder the derivative is h (1 - h), not "
         "1 where the unit is active."), lambda: (z > 0).astype(float) @ w2),
        (mistake("contractive_penalty.relu_encoder",
         "you applied the formula to a ReLU of x W + b; the encoder is sigmoid(x W + b)."),
         lambda: ((np.maximum(z, 0) * (1 - np.maximum(z, 0))) ** 2) @ w2),
        (mistake("contractive_penalty.bias_missing", "the bias is missing: h = sigmoid(x W + b)."),
         lambda: ((1 / (1 + np.exp(-(x @ W))) * (1 - 1 / (1 + np.exp(-(x @ W))))) ** 2) @ w2),
        (mistake("contractive_penalty.norm_not_squared",
         "you returned the Frobenius norm; the penalty is its square."),
         lambda: np.sqrt(((h * (1 - h)) ** 2) @ w2)),
        (mistake("contractive_penalty.mean_over_units",
         "you averaged over the hidden units instead of summing."),
         lambda: ((h * (1 - h)) ** 2) @ w2 / W.shape[1]),
        (mistake("contractive_penalty.one_number",
         "you returned one number for the batch; return one penalty per row."),
         lambda: np.sum(((h * (1 - h)) ** 2) @ w2)),
        (mistake("contractive_penalty.weights_summed_first",
         "the weights are summed before squaring: use sum_i W_ij^2, not (sum_i W_ij)^2."),
         lambda: ((h * (1 - h)) ** 2) @ (np.sum(W, axis=0) ** 2)),
    ]
    if W.shape[0] == W.shape[1]:
        found.append((mistake("contractive_penalty.weights_wrong_axis",
                      "sum W_ij^2 over the inputs i (axis=0 of W, one value per hidden unit j), "
                      "not over the hidden units."), lambda: ((h * (1 - h)) ** 2) @ np.sum(W ** 2, axis=1)))
    return found


def relu_contractive_penalty(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> list:
    """Mistakes in the per-row contractive penalty of a ReLU encoder (the bonus exercise)."""
    x, W, b = (np.asarray(v, float) for v in (x, W, b))
    z = x @ W + b
    h = np.maximum(z, 0)
    s = 1.0 / (1.0 + np.exp(-z))
    w2 = np.sum(W ** 2, axis=0)
    active = (z > 0).astype(float)
    found = [
        (mistake("relu_contractive_penalty.sigmoid_derivative_on_relu",
         "you used h (1 - h), the sigmoid's derivative, on the ReLU outputs (the autoencoder "
         "guide's formula): the derivative of ReLU is 1 where z = x W + b > 0 and 0 elsewhere, "
         "so the factor is 1[z_j > 0], not (h_j (1 - h_j))^2."), lambda: ((h * (1 - h)) ** 2) @ w2),
        (mistake("relu_contractive_penalty.sigmoid_formula",
         "you computed the sigmoid encoder's penalty (exercise 4): this encoder is relu(x W + b), "
         "whose derivative is 1[z_j > 0]."), lambda: ((s * (1 - s)) ** 2) @ w2),
        (mistake("relu_contractive_penalty.activation_not_indicator",
         "you multiplied by the activation h_j = relu(z_j) itself; the Jacobian has the "
         "derivative, 1 where z_j > 0 and 0 elsewhere."), lambda: h @ w2),
        (mistake("relu_contractive_penalty.activation_squared",
         "you multiplied by h_j^2; the Jacobian entry is 1[z_j > 0] W_ij, so its square has "
         "1[z_j > 0] (0 or 1), not the squared activation."), lambda: (h ** 2) @ w2),
        (mistake("relu_contractive_penalty.all_units_active",
         "you counted every hidden unit: an inactive unit (z_j <= 0) has derivative 0 and adds "
         "nothing."), lambda: np.full(len(x), w2.sum())),
        (mistake("relu_contractive_penalty.inactive_units",
         "the indicator is reversed: the units that count are the active ones, z_j > 0."),
         lambda: (1.0 - active) @ w2),
        (mistake("relu_contractive_penalty.bias_missing",
         "the bias is missing: a unit is active when x W + b > 0."),
         lambda: ((x @ W) > 0).astype(float) @ w2),
        (mistake("relu_contractive_penalty.norm_not_squared",
         "you returned the Frobenius norm; the penalty is its square."),
         lambda: np.sqrt(active @ w2)),
        (mistake("relu_contractive_penalty.weights_summed_first",
         "the weights are summed before squaring: use sum_i W_ij^2, not (sum_i W_ij)^2."),
         lambda: active @ (np.sum(W, axis=0) ** 2)),
        (mistake("relu_contractive_penalty.one_number",
         "you returned one number for the batch; return one penalty per row."),
         lambda: np.sum(active @ w2)),
    ]
    if W.shape[0] == W.shape[1]:
        found.append((mistake("relu_contractive_penalty.weights_wrong_axis",
                      "sum W_ij^2 over the inputs i (axis=0 of W, one value per hidden unit j), "
                      "not over the hidden units."), lambda: active @ np.sum(W ** 2, axis=1)))
    return found


def choose_threshold(errors: np.ndarray, labels: np.ndarray, target_recall: float) -> list:
    """Mistakes in picking the largest threshold that reaches a target recall."""
    e, y = np.asarray(errors, float), np.asarray(labels).astype(int)
    fraud = np.sort(e[y == 1])[::-1]
    n = len(fraud)
    need = int(np.argmax(np.arange(1, n + 1) / n >= target_recall)) + 1
    found = [
        (mistake("choose_threshold.rounded_down",
         "you rounded the number of frauds to catch down (int(target_recall * n_frauds)); "
         "round up, so that the recall reaches the target."),
         lambda: fraud[max(int(target_recall * n) - 1, 0)]),
        (mistake("choose_threshold.quantile_of_all",
         "you searched over all errors by quantile of the whole set, not over the frauds' errors: "
         "recall counts frauds only."),
         lambda: np.quantile(e, 1 - target_recall)),
        (mistake("choose_threshold.smallest_fraud_error",
         "you returned the smallest fraud error (recall 1) instead of the largest threshold that "
         "reaches the target."), lambda: fraud[-1]),
    ]
    if need < n:
        found.append((mistake("choose_threshold.next_lower_fraud",
                      "off by one: you returned the next lower fraud error; the threshold is the "
                      "error of the k-th most suspicious fraud, flagged by errors >= threshold."),
                      lambda: fraud[need]))
    if need >= 2:
        found.append((mistake("choose_threshold.fraud_k_minus_1",
                      "off by one: you returned the error of fraud k-1 (0-based vs 1-based "
                      "counting); flagging errors >= it misses the target recall."),
                      lambda: fraud[need - 2]))
    return found

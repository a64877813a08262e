"""Chapter 7: the credit-card fraud data (or its synthetic stand-in), its preparation, and the pure
computations behind the threshold widget.

Data. :func:`load_creditcard` reads the real data set (Dal Pozzolo et al. 2015) from the cache of
:mod:`data_scripts` when it has been fetched (``python -m data_scripts fetch creditcard
--unverified``). Offline it returns :func:`synthetic_creditcard`, a seeded, generated data set
with the same schema and class balance, marked ``synthetic=True``; every printed summary and plot
title says SYNTHETIC.

The synthetic generator (documented so its results can be judged): ``n`` rows, of which
``round(n * 492 / 284807)`` are frauds (0.1727%, as in the real data), placed at random times.
``Time`` is in seconds over two days (0..172,792), sorted. Normal transactions: V1..V28 are a
zero-mean Gaussian with a fixed random correlation (a random mixing matrix, columns scaled to
decreasing variances, like PCA components). Frauds: each has a random strength u in [0, 1]; it is
the same Gaussian with (1 + 0.6 u) times the spread, shifted by u times -1.5 to -3 standard
deviations on V10, V12, V14, V17 (the components that separate frauds best in the real data) and
+1.5 on V4 and V11, so weak frauds look almost normal. ``Amount`` is log-normal (median about 22), frauds
slightly larger. ``Class`` is 1 for a fraud. Seed 7 by default.
"""
from __future__ import annotations

from dataclasses import dataclass

import unicodedata

import numpy as np

from convlab.i18n import N_, _

COLUMNS = ("Time",) + tuple(f"V{i}" for i in range(1, 29)) + ("Amount", "Class")
REAL_ROWS, REAL_FRAUDS = 284_807, 492
FRAUD_RATE = REAL_FRAUDS / REAL_ROWS
SYNTHETIC_ROWS = 100_000
SYNTHETIC_SEED = 7
TWO_DAYS = 172_792


@dataclass
class Transactions:
    """A table with the columns of :data:`COLUMNS` (``values`` is (N, 31), float64)."""
    values: np.ndarray
    synthetic: bool
    source: str

    @property
    def label(self) -> str:
        return _("SYNTHETIC data") if self.synthetic else _("credit-card data (Dal Pozzolo et al. 2015)")

    def column(self, name: str) -> np.ndarray:
        return self.values[:, COLUMNS.index(name)]

    def summary(self) -> str:
        y = self.column("Class")
        kind = _("SYNTHETIC data set (generated offline, same schema and class balance as the "
                 "real one; results are illustrations only)") if self.synthetic else _("real data set")
        return _("{kind}: {rows:,} transactions, {frauds:,} frauds ({percent:.4f}%), columns "
                 "{first}, V1..V28, Amount, Class; source: {source}").format(
            kind=kind, rows=len(y), frauds=int(y.sum()), percent=100 * y.mean(),
            first=COLUMNS[0], source=self.source)


def synthetic_creditcard(n: int = SYNTHETIC_ROWS, seed: int = SYNTHETIC_SEED) -> Transactions:
    """The documented synthetic stand-in for the credit-card data (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_fraud = int(round(n * FRAUD_RATE))
    scales = np.linspace(2.0, 0.3, 28)
    mixing = np.linalg.qr(rng.standard_normal((28, 28)))[0] * 0.5 + np.eye(28)
    v = (rng.standard_normal((n, 28)) @ mixing) * scales
    fraud = np.zeros(n, bool)
    fraud[rng.choice(n, n_fraud, replace=False)] = True
    shift = np.zeros(28)
    shift[[9, 11, 13, 16]] = [-1.5, -2.0, -3.0, -1.5]       # V10, V12, V14, V17
    shift[[3, 10]] = 1.5                                     # V4, V11
    strength = rng.uniform(0.0, 1.0, n_fraud)                # some frauds look almost normal
    v[fraud] = v[fraud] * (1.0 + 0.6 * strength[:, None]) + np.outer(strength, shift * scales)
    amount = np.round(np.exp(rng.normal(3.1, 1.3, n) + 0.4 * fraud), 2)
    time = np.sort(rng.uniform(0, TWO_DAYS, n)).round()
    values = np.column_stack([time, v, amount, fraud.astype(float)])
    return Transactions(values, True, f"convlab.ch07_autoencoders.compute.synthetic_creditcard("
                                      f"n={n}, seed={seed})")


def load_creditcard(max_rows: int | None = None) -> Transactions:
    """The real data when fetched, else the synthetic stand-in (with a note saying why)."""
    import data_scripts
    try:
        path = data_scripts.cached_path("creditcard")
    except data_scripts.DatasetMissing as exc:
        print(_("Note: {reason}\nUsing the SYNTHETIC stand-in instead.").format(reason=exc))
        return synthetic_creditcard()
    values = np.loadtxt(path, delimiter=",", skiprows=1,
                        converters={30: lambda s: float(str(s).strip('"'))}, max_rows=max_rows)
    return Transactions(values, False, str(path))


@dataclass
class Split:
    """Time-ordered train / validation / test split, standardised with training statistics."""
    x_train: np.ndarray       # normal transactions of the training period only (subsampled)
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    synthetic: bool


def features(data: Transactions) -> np.ndarray:
    """V1..V28 and log(1 + Amount): 29 features (Time only orders the split)."""
    return np.column_stack([data.values[:, 1:29], np.log1p(data.column("Amount"))])


def prepare(data: Transactions, train: float = 0.6, val: float = 0.2, max_train: int = 15_000,
            seed: int = 0) -> Split:
    """Sort by time; the first ``train`` share trains (normal rows only, at most ``max_train``),
    the next ``val`` share validates, the rest tests. Standardised with the training mean/std."""
    order = np.argsort(data.column("Time"), kind="stable")
    x, y = features(data)[order], data.column("Class")[order].astype(int)
    a, b = int(train * len(y)), int((train + val) * len(y))
    normal = x[:a][y[:a] == 0]
    if len(normal) > max_train:
        normal = normal[np.sort(np.random.default_rng(seed).choice(len(normal), max_train, replace=False))]
    mean, std = normal.mean(axis=0), normal.std(axis=0) + 1e-12

    def z(v):
        return (v - mean) / std
    return Split(z(normal), z(x[a:b]), y[a:b], z(x[b:]), y[b:], mean, std, data.synthetic)


# --- reference answers of the exercises of the same names (tripwired in the grader's sandbox) --
def reconstruction_error(x, x_hat) -> np.ndarray:
    """Per-row mean squared error."""
    return np.mean((np.asarray(x, float) - np.asarray(x_hat, float)) ** 2, axis=1)


def contractive_penalty(x, W, b) -> np.ndarray:
    """Per-row squared Frobenius norm of the Jacobian of sigmoid(x W + b) w.r.t. x."""
    h = 1.0 / (1.0 + np.exp(-(np.asarray(x, float) @ W + b)))
    return ((h * (1 - h)) ** 2) @ np.sum(np.asarray(W, float) ** 2, axis=0)


def relu_contractive_penalty(x, W, b) -> np.ndarray:
    """Per-row squared Frobenius norm of the Jacobian of relu(x W + b) w.r.t. x:
    sum_j 1[z_j > 0] sum_i W_ij^2 with z = x W + b (the bonus exercise)."""
    z = np.asarray(x, float) @ np.asarray(W, float) + np.asarray(b, float)
    return (z > 0).astype(float) @ np.sum(np.asarray(W, float) ** 2, axis=0)


def choose_threshold(errors, labels, target_recall) -> float:
    """The largest threshold t (an error value) with recall(errors >= t) >= target_recall."""
    errors, labels = np.asarray(errors, float), np.asarray(labels).astype(int)
    fraud = np.sort(errors[labels == 1])[::-1]
    k = int(np.argmax(np.arange(1, len(fraud) + 1) / len(fraud) >= target_recall))
    return float(fraud[k])


# --- metrics for the widget --------------------------------------------------------------------
@dataclass
class Operating:
    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    def cost(self, missed_fraud: float, false_alarm: float) -> float:
        return self.fn * missed_fraud + self.fp * false_alarm


def operating_point(errors, labels, threshold: float) -> Operating:
    """Confusion counts when every error >= threshold is flagged as fraud."""
    errors, labels = np.asarray(errors, float), np.asarray(labels).astype(int)
    flag = errors >= threshold
    tp = int(np.sum(flag & (labels == 1)))
    fp = int(np.sum(flag & (labels == 0)))
    fn = int(np.sum(~flag & (labels == 1)))
    return Operating(float(threshold), tp, fp, fn, int(len(labels) - tp - fp - fn))


def pr_curve(errors, labels):
    """(precision, recall) for every distinct threshold, highest threshold first."""
    errors, labels = np.asarray(errors, float), np.asarray(labels).astype(int)
    order = np.argsort(-errors, kind="stable")
    e, y = errors[order], labels[order]
    last = np.r_[np.nonzero(np.diff(e))[0], len(e) - 1]      # last index of each distinct value
    tp = np.cumsum(y)[last]
    flagged = last + 1
    return tp / flagged, tp / max(int(y.sum()), 1)


def check_errors(errors, n: int) -> np.ndarray:
    """The student's errors as a float array of shape (n,), or ValueError saying what is wrong."""
    if errors is None:
        raise ValueError(_("your error function returned None: did you forget `return`?"))
    a = np.asarray(errors, dtype=float)
    if a.shape != (n,):
        raise ValueError(_("expected one error per transaction, shape ({n},); got shape {shape}")
                         .format(n=n, shape=a.shape))
    if not np.all(np.isfinite(a)):
        raise ValueError(_("the errors contain NaN or infinity"))
    return a


# --- training helpers (Keras, imported lazily: the setup cell must not import TensorFlow) -------
def contractive_autoencoder(input_dim: int, hidden: int, lam: float, seed: int = 0):
    """A 29-hidden-29 autoencoder with a sigmoid encoder whose loss adds ``lam`` times the mean
    per-row contractive penalty sum_j (h_j (1 - h_j))^2 sum_i W_ij^2 (the sigmoid formula)."""
    from convlab.testing import keras
    k = keras()

    class ContractiveEncoder(k.layers.Dense):
        def call(self, inputs):
            h = super().call(inputs)
            dh = h * (1.0 - h)
            penalty = k.ops.matmul(dh ** 2, k.ops.sum(self.kernel ** 2, axis=0)[:, None])
            self.add_loss(lam * k.ops.mean(penalty))
            return h

    init = k.initializers.GlorotUniform(seed=seed)
    return k.Sequential([k.Input((input_dim,)),
                         ContractiveEncoder(hidden, activation="sigmoid", kernel_initializer=init),
                         k.layers.Dense(input_dim, kernel_initializer=k.initializers.GlorotUniform(seed + 1))])


def train(model, x_in, x_target, epochs: int = 4, batch_size: int = 256, seed: int = 0) -> float:
    """Compile (Adam, MSE) and fit quietly; returns the final training loss."""
    from convlab.testing import keras
    k = keras()
    k.utils.set_random_seed(seed)
    model.compile(optimizer=k.optimizers.Adam(1e-3), loss="mse")
    hist = model.fit(x_in, x_target, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True)
    return float(hist.history["loss"][-1])


def evaluate(errors, labels) -> dict:
    """ROC AUC and the area under the precision-recall curve (average precision), scikit-learn."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    return {"ROC AUC": float(roc_auc_score(labels, errors)),
            "PR AUC": float(average_precision_score(labels, errors))}


# --- checks for build_autoencoder (the test cells use these; they inspect, never build) ------------
def dense_counts(dims) -> list:
    """Parameters of each Dense layer of a chain of widths: (a + 1) * b."""
    return [(a + 1) * b for a, b in zip(dims[:-1], dims[1:])]


def check_autoencoder(model, input_dim: int, hidden_sizes, activation: str = "relu",
                      l1: float = 0.0, seed: int = 0) -> None:
    """Raise AssertionError, naming the likely mistake, unless ``model`` is the autoencoder
    Input(input_dim) -> Dense(h, activation) for each h (L1 activity penalty ``l1`` on the first
    only) -> linear Dense(input_dim). Checks the layers, count_params(), the output of the model
    against a NumPy forward pass with the model's own weights, and the L1 loss Keras adds."""
    from convlab.testing import LIKELY_CAUSE, keras
    k = keras()
    what = f"build_autoencoder({input_dim}, {list(hidden_sizes)}, activation={activation!r}, l1={l1})"
    if model is None:
        raise AssertionError(_("{what} returned None: did you forget `return`?").format(what=what))
    if not isinstance(model, k.Model):
        raise AssertionError(_("{what} must return a Keras model; got {type}").format(
            what=what, type=type(model).__name__))
    dims = [input_dim, *hidden_sizes, input_dim]
    dense = [layer for layer in model.layers if isinstance(layer, k.layers.Dense)]
    if len(dense) != len(dims) - 1:
        hint = (" " + _("Did you forget the output layer Dense(input_dim)?")
                if len(dense) == len(dims) - 2 else "")
        raise AssertionError(_("{what}: expected {expected} Dense layers (one per hidden size, "
                               "then the output layer); got {got}.").format(
            what=what, expected=len(dims) - 1, got=len(dense)) + hint)
    expected = sum(dense_counts(dims))
    got = model.count_params()
    if got != expected:
        hint = (" " + _(LIKELY_CAUSE).format(explanation=_("the bias is missing (use_bias=False)."))
                if got == sum(a * b for a, b in zip(dims[:-1], dims[1:])) else "")
        raise AssertionError(_("{what}.count_params() = {got:,}; Keras gives {expected:,} for the "
                               "widths {widths}.").format(
            what=what, got=got, expected=expected, widths="-".join(map(str, dims))) + hint)
    for i, (layer, units) in enumerate(zip(dense, dims[1:])):
        if layer.units != units:
            raise AssertionError(_("{what}: Dense layer {i} has {units} units; expected {expected}")
                                 .format(what=what, i=i, units=layer.units, expected=units))
        want = activation if i < len(dense) - 1 else "linear"
        have = getattr(layer.activation, "__name__", str(layer.activation))
        if have != want:
            if i == len(dense) - 1:
                raise AssertionError(_("{what}: the output layer uses {have!r}; it must be linear "
                                       "(no activation): standardised features can be negative.")
                                     .format(what=what, have=have))
            raise AssertionError(_("{what}: hidden layer {i} uses activation {have!r}; expected "
                                   "{want!r} (the activation argument)").format(
                what=what, i=i, have=have, want=want))
        if layer.kernel_regularizer is not None:
            raise AssertionError(_("{what}: layer {i} has a kernel_regularizer; the sparse "
                                   "autoencoder penalises the activations (activity_regularizer), "
                                   "not the weights").format(what=what, i=i))
        reg = layer.activity_regularizer
        if i == 0 and l1 > 0:
            value = (reg.get_config() or {}).get("l1") if reg is not None else None
            if value is None or not np.isclose(value, l1, rtol=1e-5):
                raise AssertionError(_("{what}: the first hidden layer needs "
                                       "activity_regularizer=keras.regularizers.L1({l1}); got {reg!r}")
                                     .format(what=what, l1=l1, reg=reg))
        elif reg is not None:
            raise AssertionError((_("{what}: layer {i} has an activity_regularizer; only the first "
                                    "hidden layer is penalised") if l1 > 0 else
                                  _("{what}: layer {i} has an activity_regularizer; only the first "
                                    "hidden layer is penalised (and only when l1 > 0)"))
                                 .format(what=what, i=i))
    x = np.random.default_rng(seed).standard_normal((5, input_dim)).astype("float32")
    out = np.asarray(model(x))
    h, first = x.astype(float), None
    acts = {"relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
            "tanh": np.tanh, "linear": lambda z: z}
    for i, layer in enumerate(dense):
        W, b = (np.asarray(v, float) for v in layer.get_weights())
        z = h @ W + b
        h = acts.get(activation, lambda v: v)(z) if i < len(dense) - 1 else z
        first = h if i == 0 else first
    if out.shape != h.shape or not np.allclose(out, h, rtol=1e-4, atol=1e-4):
        raise AssertionError(_("{what}: the model's output differs from Input -> Dense layers in "
                               "order; is there an extra layer, or are the layers out of order?")
                             .format(what=what))
    penalty = float(sum(np.asarray(v) for v in model.losses)) if model.losses else 0.0
    if activation in acts and not np.isclose(penalty, l1 * np.abs(first).sum() / len(x),
                                             rtol=1e-3, atol=1e-7):
        raise AssertionError(_("{what}: the L1 penalty Keras adds is {penalty:.6g}; expected "
                               "l1 * sum|h| / batch = {expected:.6g}").format(
            what=what, penalty=penalty, expected=l1 * np.abs(first).sum() / len(x)))


# --- the chapter's demos ------------------------------------------------------------------------
def relu_discrepancy(x, W, b):
    """The seed's formula sum_j (h_j (1 - h_j))^2 sum_i W_ij^2 applied to a ReLU layer, and the
    true squared Frobenius norm of that layer's Jacobian (tf.GradientTape), per row."""
    from convlab.testing import tensorflow
    tf = tensorflow()
    xt = tf.constant(np.asarray(x, float))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        h = tf.nn.relu(xt @ tf.constant(W, tf.float64) + tf.constant(b, tf.float64))
    jac = tape.batch_jacobian(h, xt).numpy()
    hn = h.numpy()
    seed_formula = ((hn * (1 - hn)) ** 2) @ np.sum(np.asarray(W) ** 2, axis=0)
    return seed_formula, np.sum(jac ** 2, axis=(1, 2))


@dataclass
class FrozenCopy:
    """What the autoencoder guide's contractive loss does to training (see frozen_copy_gradients)."""
    grad_frozen: object        # d penalty / d kernel through the weights' factor: None (no path)
    grad_live: np.ndarray      # the same with the layer's own kernel: 2 W_ij sum_n (h(1-h))^2 / N
    gradient_gap: float        # relative difference of the full gradients (through h as well)
    steps: int                 # gradient-descent steps taken on the live penalty
    drift: float               # max |kernel - frozen copy| after those steps
    copy_unchanged: bool       # the copy still holds the weights it was made from


def seed_penalty(h, W):
    """The guide's contractive term for a sigmoid layer: mean over rows of
    sum_j (h_j (1 - h_j))^2 sum_i W_ij^2 (TensorFlow tensors in, a scalar tensor out)."""
    from convlab.testing import tensorflow
    tf = tensorflow()
    return tf.reduce_mean(tf.reduce_sum((h * (1.0 - h)) ** 2 * tf.reduce_sum(W ** 2, axis=0),
                                        axis=1))


def frozen_copy_gradients(x, hidden: int = 40, steps: int = 3, lr: float = 0.5,
                          seed: int = 0) -> FrozenCopy:
    """The guide's ``W = K.variable(layer.get_weights()[0])`` against the layer's own kernel, on
    a sigmoid Dense(hidden) encoder of the rows ``x``, measured with tf.GradientTape: the copy is
    a new variable, so the penalty sends no gradient to the kernel through it, and training moves
    the kernel away from the copy while the copy keeps the weights it was made from."""
    from convlab.testing import keras, tensorflow
    tf, k = tensorflow(), keras()
    x = tf.constant(np.asarray(x, np.float32))
    layer = k.layers.Dense(hidden, activation="sigmoid",
                           kernel_initializer=k.initializers.GlorotUniform(seed=seed))
    layer.build((None, int(x.shape[1])))
    made_from = layer.get_weights()[0]
    frozen = k.Variable(made_from)                     # K.variable(...get_weights()[0])
    with tf.GradientTape(persistent=True) as tape:
        h = layer(x)
        fixed = tf.stop_gradient(h)                    # only the weights' factor
        through_weights = {"frozen": seed_penalty(fixed, frozen), "live": seed_penalty(fixed, layer.kernel)}
        full = {"frozen": seed_penalty(h, frozen), "live": seed_penalty(h, layer.kernel)}
    grad_frozen = tape.gradient(through_weights["frozen"], layer.kernel)
    grad_live = tape.gradient(through_weights["live"], layer.kernel).numpy()
    g_frozen, g_live = (tape.gradient(full[key], layer.kernel).numpy() for key in ("frozen", "live"))
    del tape
    gap = float(np.linalg.norm(g_live - g_frozen) / np.linalg.norm(g_live))
    for step in range(steps):
        with tf.GradientTape() as tape:
            loss = seed_penalty(layer(x), layer.kernel)
        layer.kernel.assign_sub(lr * tape.gradient(loss, layer.kernel))
    kernel, copy = layer.get_weights()[0], np.asarray(frozen)
    return FrozenCopy(None if grad_frozen is None else np.asarray(grad_frozen), grad_live, gap,
                      steps, float(np.max(np.abs(kernel - copy))),
                      bool(np.array_equal(copy, made_from)))


def pr_areas(errors, labels) -> dict:
    """The guide's area under the precision-recall curve, ``auc(recall, precision)`` (the
    trapezoidal rule over scikit-learn's curve), beside average precision
    (``average_precision_score``: sum_n (R_n - R_(n-1)) P_n, the step curve)."""
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve
    precision, recall, thresholds = precision_recall_curve(labels, errors)
    return {"trapezoid": float(auc(recall, precision)),
            "average precision": float(average_precision_score(labels, errors))}


# ranked labels of the errata's hand example: the top score is a fraud, then eight normal
# transactions, then the second fraud
HAND_RANKING = (1, 0, 0, 0, 0, 0, 0, 0, 0, 1)


def _width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _right(text: str, width: int) -> str:
    return " " * max(width - _width(text), 0) + text


def pr_area_table(results: dict, split: "Split") -> str:
    """The trapezoid and average precision of the five models, of a detector that gives every
    transaction the same score, and of the hand example."""
    head = _("SYNTHETIC data") if split.synthetic else _("credit-card data")
    rows = [(_(name), r["test"], split.y_test) for name, r in results.items()]
    rows.append((_("the same score for every row"), np.ones(len(split.y_test)), split.y_test))
    ranking = np.array(HAND_RANKING)
    rows.append((_("hand example (ranked 1 0 ... 0 1)"), np.arange(len(ranking), 0, -1.0), ranking))
    names = (_("detector"), _("trapezoid"), _("avg prec"))
    widths = (max(32, *(_width(row[0]) for row in rows)), max(10, _width(names[1])),
              max(9, _width(names[2])))
    lines = [_("{data}, test split ({frauds} frauds in {rows:,}):").format(
                 data=head, frauds=int(split.y_test.sum()), rows=len(split.y_test)),
             f"{_left(names[0], widths[0])} {_right(names[1], widths[1])} {_right(names[2], widths[2])}"]
    for name, errors, labels in rows:
        a = pr_areas(errors, labels)
        lines.append(f"{_left(name, widths[0])} {a['trapezoid']:{widths[1]}.4f} "
                     f"{a['average precision']:{widths[2]}.4f}")
    return "\n".join(lines)


# the keys of compare()'s results (English, as the notebook indexes them); shown through _()
MODELS = (N_("vanilla 29-40-29"), N_("deep 29-80-40-80-29"), N_("sparse 29-40-29, L1 3e-5"),
          N_("denoising 29-40-29, mask 30%"), N_("contractive 29-40(sigmoid)-29"))


def compare(split: Split, build, corrupt_fn, error_fn, epochs: int = 4, seed: int = 0) -> dict:
    """Train the chapter's five autoencoders on the same normal training rows and score the
    validation and test rows with ``error_fn``. Returns name -> dict(model, val/test errors,
    ROC AUC and PR AUC on the test rows, final training loss, seconds)."""
    import time
    from convlab.testing import keras
    k = keras()
    d = split.x_train.shape[1]
    results = {}
    for name in MODELS:
        start = time.perf_counter()
        k.utils.set_random_seed(seed)
        x_in = split.x_train
        if name.startswith("vanilla"):
            model = build(d, [40])
        elif name.startswith("deep"):
            model = build(d, [80, 40, 80])
        elif name.startswith("sparse"):
            model = build(d, [40], l1=3e-5)
        elif name.startswith("denoising"):
            model = build(d, [40])
            x_in = corrupt_fn(split.x_train, 0.3, mode="mask", seed=seed)
        else:
            model = contractive_autoencoder(d, 40, 1e-4, seed=seed)
        loss = train(model, x_in, split.x_train, epochs=epochs, seed=seed)
        val = error_fn(split.x_val, model.predict(split.x_val, batch_size=4096, verbose=0))
        test = error_fn(split.x_test, model.predict(split.x_test, batch_size=4096, verbose=0))
        results[name] = dict(model=model, val=np.asarray(val), test=np.asarray(test), loss=loss,
                             seconds=time.perf_counter() - start, **evaluate(test, split.y_test))
    return results


def table(results: dict, synthetic: bool) -> str:
    head = _("SYNTHETIC data") if synthetic else _("credit-card data")
    loss, seconds = _("train loss"), _("seconds")
    wl, ws = max(11, _width(loss)), max(8, _width(seconds))
    lines = [_("{data}: test split, anomaly score = reconstruction error").format(data=head),
             f"{_left(_('model'), 32)} {'ROC AUC':>8s} {'PR AUC':>8s} {_right(loss, wl)} "
             f"{_right(seconds, ws)}"]
    for name, r in results.items():
        lines.append(f"{_left(_(name), 32)} {r['ROC AUC']:8.3f} {r['PR AUC']:8.3f} {r['loss']:{wl}.4f} "
                     f"{r['seconds']:{ws}.1f}")
    return "\n".join(lines)

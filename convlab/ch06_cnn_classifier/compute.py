"""Chapter 6: a CNN classifier end to end. Data (MNIST, or scikit-learn's digits offline), calling
the student's Keras builders, looking inside a model, and the zero-initialisation experiment.

Everything that needs Keras imports it quietly through :mod:`convlab.testing` when called, so
importing this module stays cheap and works where TensorFlow is blocked.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convlab import validate
from convlab.i18n import N_, _

# names and notes of the data sets: kept in English here, translated where they are shown
DIGITS_SOURCE = N_("scikit-learn digits upsampled to 28x28")
DIGITS_8X8_SOURCE = N_("scikit-learn digits, 8x8")
NO_MNIST = N_("(MNIST not downloaded: run `python -m data_scripts fetch mnist`)")
CLASSES = 10


@dataclass
class Data:
    """Images (N, H, W, C) float32 in [0, 1] (28x28x1 for the classifier) and integer labels,
    split into train and test."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    note: str = ""

    @property
    def title(self) -> str:
        """The data set's name and note in the current language."""
        return f"{_(self.source)} {_(self.note)}".strip()

    def summary(self) -> str:
        return _("data: {title}\n  train {train}, test {test}, pixels in [{low:g}, {high:g}], "
                 "{classes} classes").format(
            title=self.title, train=self.x_train.shape, test=self.x_test.shape,
            low=self.x_train.min(), high=self.x_train.max(),
            classes=len(np.unique(self.y_train)))

    def as_dict(self) -> dict:
        return {"x_train": self.x_train, "y_train": self.y_train,
                "x_test": self.x_test, "y_test": self.y_test}


def digits_28() -> tuple:
    """scikit-learn's 1,797 8x8 digits as 28x28x1 images: each pixel becomes 3x3 (24x24), then a
    2-pixel zero border (MNIST's digits sit in a border too). Pixels scaled from 0..16 to [0, 1]."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = np.kron(d.images, np.ones((3, 3))) / 16.0
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)
    return x, d.target.astype(np.int64)


def digits_data(test_fraction: float = 0.2, seed: int = 0, limit: int | None = None) -> Data:
    """The upsampled digits, shuffled with ``seed`` and split into train and test."""
    x, y = digits_28()
    order = np.random.default_rng(seed).permutation(len(x))
    if limit is not None:
        order = order[:limit]
    x, y = x[order], y[order]
    n_test = int(round(len(x) * test_fraction))
    return Data(x[n_test:], y[n_test:], x[:n_test], y[:n_test], DIGITS_SOURCE)


def digits_8x8(test_fraction: float = 0.2, seed: int = 0) -> Data:
    """scikit-learn's digits at their own size, (N, 8, 8, 1) in [0, 1] (for quick deep stacks),
    shuffled and split like :func:`digits_data`."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0)[..., None].astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    x, y = x[order], d.target.astype(np.int64)[order]
    return Data(x[n_test:], y[n_test:], x[:n_test], y[:n_test], DIGITS_8X8_SOURCE)


def _load_mnist():
    import data_scripts                       # written by the data chapter; may not exist yet
    path = data_scripts.cached_path("mnist")
    with np.load(path) as f:
        x_train, y_train, x_test, y_test = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    prep = lambda x: (np.asarray(x, np.float32) / 255.0).reshape(-1, 28, 28, 1)
    return Data(prep(x_train), np.asarray(y_train, np.int64), prep(x_test),
                np.asarray(y_test, np.int64), "MNIST")


def load_data(prefer_mnist: bool = True, verbose: bool = True) -> Data:
    """MNIST from ``data_scripts`` if it has been downloaded, else the upsampled digits (offline),
    saying which. Never raises because MNIST is missing."""
    data = None
    if prefer_mnist:
        try:
            data = _load_mnist()
        except Exception:  # noqa: BLE001 - any failure means: use the offline digits
            data = None
    if data is None:
        data = digits_data()
        data.note = NO_MNIST
    if verbose:
        print(data.summary())
    return data


def subset(data: Data, n_train: int, n_test: int) -> Data:
    """The first ``n_train`` / ``n_test`` examples (for quick runs on big data sets)."""
    return Data(data.x_train[:n_train], data.y_train[:n_train], data.x_test[:n_test],
                data.y_test[:n_test], data.source, data.note)


# --- training runs: checkpoints and TensorBoard logs -------------------------------------------
def runs_root() -> Path:
    """Where training runs keep checkpoints and TensorBoard logs: ``$CONVLAB_RUNS``, else
    ``runs/`` at the top of the course repository (git-ignored; ``make tensorboard`` shows it),
    else ``~/convlab-runs`` when the package is installed elsewhere."""
    if os.environ.get("CONVLAB_RUNS"):
        return Path(os.environ["CONVLAB_RUNS"]).expanduser()
    repo = Path(__file__).resolve().parents[2]          # convlab/ch06_cnn_classifier/compute.py
    return repo / "runs" if (repo / "pyproject.toml").is_file() else Path.home() / "convlab-runs"


def run_folder(name: str) -> Path:
    """A new folder ``<runs_root()>/<name>/<date-time>`` for one training run (TensorBoard lists
    each such folder as a run)."""
    validate.require(isinstance(name, str) and name.strip() != "", _("name must be a non-empty str"))
    folder = runs_root() / name / time.strftime("%Y%m%d-%H%M%S")
    n = 1
    while folder.exists():
        n += 1
        folder = folder.with_name(f"{time.strftime('%Y%m%d-%H%M%S')}-{n}")
    folder.mkdir(parents=True)
    return folder


# --- CIFAR-10's pickled batches ---------------------------------------------------------------
def cifar_rows_to_images(rows) -> np.ndarray:
    """CIFAR-10 stores each image as a flat row of 3,072 bytes: 1,024 red, 1,024 green, 1,024
    blue values, each plane row by row. (N, 3072) -> (N, 32, 32, 3) float32 in [0, 1]."""
    rows = np.asarray(rows)
    validate.require(rows.ndim == 2 and rows.shape[1] == 3072,
                     _("rows must be (N, 3072); got shape {shape}").format(shape=rows.shape))
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32) / 255.0


NO_CIFAR = N_("(CIFAR-10 not downloaded: run `python -m data_scripts fetch cifar10` or "
             "`make data`)")


def load_cifar10(verbose: bool = True) -> Data | None:
    """CIFAR-10 from the data scripts' cache: the original archive of pickled batches
    (``data_batch_1`` .. ``data_batch_5``, ``test_batch``; each a dict with ``b"data"`` (N, 3072)
    uint8 and ``b"labels"``), read without unpacking it. Returns None, saying what is missing,
    when it has not been downloaded. (Pickles run code when loaded: this only reads the archive
    whose SHA-256 ``data_scripts`` verified.)"""
    import pickle
    import tarfile

    import data_scripts
    try:
        path = data_scripts.cached_path("cifar10")
    except data_scripts.DatasetMissing:
        if verbose:
            print(_("Note: {missing}; the CIFAR-10 part is skipped.").format(missing=_(NO_CIFAR)))
        return None
    parts = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            if member.isfile() and (name.startswith("data_batch_") or name == "test_batch"):
                batch = pickle.load(archive.extractfile(member), encoding="bytes")
                parts[name] = (np.asarray(batch[b"data"], np.uint8),
                               np.asarray(batch[b"labels"], np.int64))
    train = sorted(n for n in parts if n.startswith("data_batch_"))
    validate.require(train and "test_batch" in parts,
                     _("{path} is not the CIFAR-10 python archive (no data_batch_* / test_batch)")
                     .format(path=path))
    data = Data(cifar_rows_to_images(np.concatenate([parts[n][0] for n in train])),
                np.concatenate([parts[n][1] for n in train]),
                cifar_rows_to_images(parts["test_batch"][0]), parts["test_batch"][1], "CIFAR-10")
    if verbose:
        print(data.summary())
    return data


def cifar_pipeline(x, y, batch_size: int = 64, seed: int = 0, shuffle_buffer: int = 10_000):
    """The autoencoder guide's hand-written CIFAR-10 input loop as ``tf.data``: (image, one-hot
    label) pairs, shuffled with a buffer of ``shuffle_buffer`` examples, in batches of
    ``batch_size``."""
    from convlab.testing import tensorflow
    tf = tensorflow()
    x = np.asarray(x, np.float32)
    validate.require(x.ndim == 4 and len(x) == len(y),
                     _("x must be (N, H, W, C) with one label per image; got {shape} and {labels}")
                     .format(shape=x.shape, labels=len(y)))
    batch_size = validate.positive_int(batch_size, "batch_size")
    return (tf.data.Dataset.from_tensor_slices((x, one_hot(y)))
            .shuffle(shuffle_buffer, seed=seed).batch(batch_size))


def one_hot(labels, classes: int = CLASSES) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64)
    return np.eye(classes, dtype=np.float32)[labels]


# --- calling the student's Keras code ---------------------------------------------------------
def call_keras(fn, *args, **kwargs):
    """Call a student's Keras function (models and tensors are passed as they are, not copied).
    Raises AssertionError naming the problem, like :func:`convlab.testing.call`."""
    from convlab.testing import call_uncopied
    return call_uncopied(fn, *args, **kwargs)


def block_model(builder, input_shape, *args, **kwargs):
    """Wrap a functional-API block ``builder(x, *args)`` into a keras.Model on ``input_shape``."""
    from convlab.testing import keras
    k = keras()
    x = k.Input(tuple(input_shape))
    y = call_keras(builder, x, *args, **kwargs)
    name = getattr(builder, "__name__", "the block")
    if y is None:
        raise AssertionError(_("{name} returned None: did you forget `return`?").format(name=name))
    if not hasattr(y, "shape") or isinstance(y, np.ndarray):
        raise AssertionError(_("{name} must return a Keras tensor (the block's output); got {type}")
                             .format(name=name, type=type(y).__name__))
    return k.Model(x, y)


def layer_table(model) -> list:
    """[(layer class, output shape without the batch axis, parameters)] of a model's layers."""
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shape = tuple(layer.output.shape[1:])
        rows.append((type(layer).__name__, shape, int(layer.count_params())))
    return rows


def layer_counts(model) -> dict:
    """{layer class: how many} (the Input layer excluded)."""
    counts: dict = {}
    for cls, _, _ in layer_table(model):
        counts[cls] = counts.get(cls, 0) + 1
    return counts


# --- cross-entropy, and the MNIST tutorial's loss ---------------------------------------------
def cross_entropy(probabilities, labels) -> float:
    """The mean cross-entropy -1/N sum_n log p[n, y_n] of class probabilities (N, K) against the
    integer labels (N,): what Keras' "sparse_categorical_crossentropy" computes (Keras clips the
    probabilities to [1e-7, 1 - 1e-7] first, so it stays finite where this is inf)."""
    p = np.asarray(probabilities, dtype=float)
    labels = np.asarray(labels, dtype=int)
    validate.require(p.ndim == 2 and labels.shape == (len(p),),
                     _("probabilities must be (N, K) with one label each; got {shape} and "
                       "labels {labels}").format(shape=p.shape, labels=labels.shape))
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(p[np.arange(len(p)), labels])))


@dataclass
class LossComparison:
    tutorial: float          # -reduce_sum(ys * log(softmax(logits))), as the MNIST tutorial has it
    from_logits: float       # the same sum, computed from the logits (log-sum-exp)
    keras_probabilities: float   # Keras' loss on the softmax probabilities (clipped at 1e-7)


def tutorial_loss_versus_logits(logits, labels) -> LossComparison:
    """The MNIST tutorial's loss -reduce_sum(ys * log(softmax(logits))) next to the same sum
    computed from the logits (tf.nn.softmax_cross_entropy_with_logits) and to Keras' loss on the
    probabilities, in float32 as the tutorial trained. A softmax probability that rounds to 0
    makes log(0) = -inf, and 0 * -inf = nan for every wrong class whose probability is 0."""
    from convlab.testing import keras, tensorflow
    tf, k = tensorflow(), keras()
    logits = tf.constant(np.asarray(logits, np.float32))
    ys = tf.constant(one_hot(labels, int(logits.shape[-1])))
    tutorial = -tf.reduce_sum(ys * tf.math.log(tf.nn.softmax(logits)))
    stable = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(ys, logits))
    clipped = tf.reduce_sum(k.losses.categorical_crossentropy(ys, tf.nn.softmax(logits)))
    return LossComparison(float(tutorial), float(stable), float(clipped))


def dropout_kept(rate: float, n: int = 100_000, seed: int = 0) -> tuple:
    """Keras' Dropout(rate) on n ones while training: (the share of values kept, the value the
    kept ones are scaled to). rate is the probability to DROP; the MNIST tutorial's keep_prob is
    1 - rate."""
    from convlab.testing import keras
    k = keras()
    out = np.asarray(k.layers.Dropout(rate, seed=seed)(np.ones((1, n), np.float32), training=True))
    return float(np.mean(out > 0)), float(out.max())


def inception_parameters(input_shape=(28, 28, 192), filters=(64, 96, 128, 16, 32, 32),
                         reductions: bool = True) -> int:
    """Parameters of an Inception module (Keras' count) with or without the 1x1 reductions
    before its 3x3 and 5x5 convolutions; default: GoogLeNet's module 3a."""
    from convlab.testing import keras
    k = keras()
    f1, r3, f3, r5, f5, pp = filters
    x = k.Input(tuple(input_shape))

    def conv(t, f, size):
        return k.layers.Conv2D(f, size, padding="same", activation="relu")(t)
    b3 = conv(conv(x, r3, 1), f3, 3) if reductions else conv(x, f3, 3)
    b5 = conv(conv(x, r5, 1), f5, 5) if reductions else conv(x, f5, 5)
    pool = conv(k.layers.MaxPooling2D(3, strides=1, padding="same")(x), pp, 1)
    return int(k.Model(x, k.layers.Concatenate()([conv(x, f1, 1), b3, b5, pool])).count_params())


# --- the symmetry experiment ------------------------------------------------------------------
@dataclass
class SymmetryResult:
    initializer: str
    activation: str
    filter_spread: float          # largest difference between two first-layer filters
    gradient_spread: float        # same for their gradients (first batch)
    gradient_norm: float          # largest entry of the filters' first gradient
    dense_change: float           # largest change of a dense weight during training
    accuracy: float
    classes_predicted: int        # how many different classes the trained model predicts
    seconds: float
    filters: np.ndarray = field(repr=False, default=None)


def symmetry_experiment(data: Data, initializer: str, epochs: int = 1, seed: int = 0,
                        filters: int = 8, activation: str = "relu") -> SymmetryResult:
    """A small CNN (conv 5x5 x ``filters`` with ``activation``, pool, dense 10) whose
    convolution's filters start from ``initializer`` ("zeros" like the autoencoder guide's CIFAR-10
    classifier, or "glorot_uniform") with zero biases. Only the filters: the dense layer on top
    keeps Keras' default (Glorot uniform), so that what is shown is what zero filters do. Returns
    how different the filters (and their first gradients) are, and what the trained model
    predicts."""
    from convlab.testing import keras, tensorflow
    tf, k = tensorflow(), keras()
    k.utils.set_random_seed(seed)
    model = k.Sequential([
        k.Input(data.x_train.shape[1:]),
        k.layers.Conv2D(filters, 5, padding="same", activation=activation,
                        kernel_initializer=initializer, bias_initializer="zeros"),
        k.layers.MaxPooling2D(4), k.layers.Flatten(),
        k.layers.Dense(CLASSES, activation="softmax")])
    conv = model.layers[0]
    with tf.GradientTape() as tape:
        p = model(data.x_train[:64], training=True)
        loss = tf.reduce_mean(k.losses.sparse_categorical_crossentropy(data.y_train[:64], p))
    grad = tape.gradient(loss, conv.kernel).numpy()
    dense = model.layers[-1]
    dense_before = dense.kernel.numpy()
    start = time.monotonic()
    model.compile(optimizer=k.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=64, verbose=0)
    predicted = np.asarray(model(data.x_test, training=False)).argmax(axis=1)
    w = conv.kernel.numpy()

    def spread(a):
        flat = a.reshape(-1, a.shape[-1])
        return float(np.max(np.abs(flat - flat[:, :1])))
    return SymmetryResult(initializer, activation, spread(w), spread(grad),
                          float(np.abs(grad).max()),
                          float(np.abs(dense.kernel.numpy() - dense_before).max()),
                          float(np.mean(predicted == data.y_test)),
                          len(np.unique(predicted)), time.monotonic() - start, w)


# --- plain and residual stacks of the same depth ----------------------------------------------
@dataclass
class DepthResult:
    blocks: int                   # two 3x3 convolutions each, after one stem convolution
    layers: int                   # convolutions per stack: 1 + 2 * blocks
    parameters: dict              # {"plain": n, "residual": n}: the same
    loss: dict                    # {"plain": [per epoch], "residual": [...]}: training loss
    accuracy: dict                # the same for the training accuracy
    signal: dict                  # root mean square of the last feature maps / the stem's, new
    seconds: float


def depth_experiment(data: Data, blocks: int = 6, filters: int = 8, epochs: int = 4,
                     seed: int = 0, learning_rate: float = 3e-3) -> DepthResult:
    """Two stacks of the same depth on the same images: a stem Conv2D(filters, 3x3, ReLU), then
    ``blocks`` blocks of Conv2D 3x3 -> ReLU -> Conv2D 3x3, each followed by ReLU (plain) or by
    ReLU(block + its input) (residual: an identity shortcut), then global average pooling and
    Dense(10, softmax). No BatchNormalization, Keras' default (Glorot uniform) initialisation.
    Both are trained side by side as the two outputs of one Keras model (one loss each, the
    same batches, Adam: the two sets of weights never interact), seeded by ``seed``."""
    from convlab.testing import keras
    k = keras()
    L = k.layers
    blocks = validate.positive_int(blocks, "blocks")
    filters = validate.positive_int(filters, "filters")
    epochs = validate.positive_int(epochs, "epochs")
    k.utils.set_random_seed(seed)
    x = k.Input(data.x_train.shape[1:])

    def conv(t, activation=None):
        return L.Conv2D(filters, 3, padding="same", activation=activation)(t)

    def stack(residual: bool, name: str):
        stem = t = conv(x, "relu")
        for _ in range(blocks):
            z = conv(conv(t, "relu"))
            t = L.ReLU()(L.Add()([z, t]) if residual else z)
        head = L.Dense(CLASSES, activation="softmax", name=name)(L.GlobalAveragePooling2D()(t))
        return stem, t, head
    names = ("plain", "residual")
    parts = {name: stack(name == "residual", name) for name in names}
    model = k.Model(x, [parts[n][2] for n in names])
    probe = k.Model(x, [t for n in names for t in parts[n][:2]])
    maps = [np.asarray(m) for m in probe(data.x_train[:256])]
    rms = lambda a: float(np.sqrt(np.mean(np.square(a))))
    signal = {n: rms(maps[2 * i + 1]) / rms(maps[2 * i]) for i, n in enumerate(names)}
    params = {n: int(sum(l.count_params() for l in k.Model(x, parts[n][2]).layers)) for n in names}
    start = time.monotonic()
    model.compile(optimizer=k.optimizers.Adam(learning_rate),
                  loss=["sparse_categorical_crossentropy"] * 2,
                  metrics=[["accuracy"], ["accuracy"]])
    history = model.fit(data.x_train, (data.y_train, data.y_train), epochs=epochs, batch_size=64,
                        verbose=0).history
    return DepthResult(blocks, 1 + 2 * blocks, params,
                       {n: [float(v) for v in history[f"{n}_loss"]] for n in names},
                       {n: [float(v) for v in history[f"{n}_accuracy"]] for n in names},
                       signal, time.monotonic() - start)


# --- looking inside a model (the widget) ------------------------------------------------------
@dataclass
class Inspection:
    probabilities: np.ndarray               # (10,)
    prediction: int
    maps: list                               # [(layer name, (H, W, C) array)] of conv layers
    error: str | None = None


def resolve_model(model_or_builder):
    """A Keras model from a model or a function that builds one (the student's
    ``build_mnist_cnn``). Returns (model, None) or (None, message)."""
    if model_or_builder is None:
        return None, _("No model given: build one with build_mnist_cnn() and pass it in.")
    model = model_or_builder
    if not hasattr(model, "layers") and callable(model):
        try:
            model = call_keras(model)
        except AssertionError as exc:
            return None, str(exc)
    if model is None:
        return None, _("the builder returned None: did you forget `return`?")
    if not hasattr(model, "layers") or not hasattr(model, "predict"):
        return None, _("expected a Keras model; got {type}").format(type=type(model).__name__)
    try:
        shape = tuple(model.output_shape)
    except Exception as exc:  # noqa: BLE001
        return None, _("the model has no single output ({error}: {message})").format(
            error=type(exc).__name__, message=exc)
    if shape[1:] != (CLASSES,):
        return None, _("the model's output shape is {shape}; expected (None, {classes})").format(
            shape=shape, classes=CLASSES)
    return model, None


def inspect(model, image) -> Inspection:
    """The class probabilities of one image (28, 28, 1) and the output of every conv layer."""
    from convlab.testing import keras
    k = keras()
    image = np.asarray(image, np.float32)[None]
    convs = [l for l in model.layers if type(l).__name__ == "Conv2D"]
    probe = k.Model(model.inputs, [l.output for l in convs] + [model.outputs[0]])
    outs = probe([image], training=False)      # a list, like model.inputs: no Keras warning
    outs = [np.asarray(o) for o in (outs if isinstance(outs, (list, tuple)) else [outs])]
    probs = outs[-1][0].astype(float)
    maps = [(l.name, o[0]) for l, o in zip(convs, outs[:-1])]
    return Inspection(probs, int(np.argmax(probs)), maps)


def first_filters(model) -> np.ndarray | None:
    """The first Conv2D layer's kernel (kh, kw, C, F), or None if the model has none."""
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            return np.asarray(layer.kernel)
    return None


def confusion_matrix(y_true, y_pred, classes: int = CLASSES) -> np.ndarray:
    cm = np.zeros((classes, classes), dtype=int)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm

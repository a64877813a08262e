"""Chapter 8's computations, in NumPy (float64, NHWC, TensorFlow's SAME rules).

Given to students (the notebook imports them; not tripwired):

    conv2d(images, filters, bias, stride=1, padding="VALID")    chapter 2's conv2d with a bias
    pool2d(images, size=2, stride=None, mode="max", padding="VALID")   chapter 3's pooling
    dense(x, w, b), relu(x)                                      the other forward passes
    relative_error(a, b)                                         ||a - b|| / (||a|| + ||b||)
    init_params(seed), digits(), batch_rows(k, batch_size, n)    the capstone's start and data
    sum_of_cubes, Cubic, Smooth, ConvObjective                   scalar functions to differentiate
                                                                 (picklable: the re-check sends them)

Reference answers (``convlab.REFERENCE_ONLY``: tripwires while chapter 8 is graded):

    numeric_gradient, conv2d_backward, pool2d_backward, dense_backward, softmax_cross_entropy,
    adam_step, train_tiny_cnn, tiny_cnn_gradients, softmax

The tiny CNN and its Keras twin:

    tiny_cnn_logits(params, images), tiny_cnn_loss(params, images, labels)
    tiny_cnn_gradients(params, images, labels, fns=None)   loss and gradients, optionally built
                                                           from a student's backward functions
    keras_tiny_cnn(params), keras_train(images, labels, params, steps, batch_size, lr)
"""
from __future__ import annotations

import numbers
from typing import Callable, Optional

import numpy as np

from convlab import validate
from convlab.i18n import _
from convlab.ch03_pooling_flatten import compute as pooling
from convlab.ch03_pooling_flatten.compute import MODES, PADDINGS
from convlab.ch05_conv_variants import compute as conv_variants

PARAM_NAMES = ("conv_w", "conv_b", "dense_w", "dense_b")
N_FILTERS, N_CLASSES, KERNEL = 8, 10, 3


# --- given forward passes --------------------------------------------------------------------
def _padding(padding) -> str:
    validate.require(isinstance(padding, str) and padding in PADDINGS,
                     _('padding must be "VALID" or "SAME"; got {padding!r}').format(padding=padding))
    return padding


def conv2d(images, filters, bias, stride=1, padding="VALID") -> np.ndarray:
    """Chapter 2's conv2d with a bias: images (N, H, W, C), filters (kh, kw, C, F), bias (F,), an
    int stride, padding "VALID" or "SAME" (TensorFlow's split). Returns (N, oh, ow, F)."""
    filters = validate.array(filters, "filters", ndim=4, layout="(kh, kw, C, F)")
    bias = validate.array(bias, "bias", ndim=1, layout="(F,)")
    validate.require(bias.shape == (filters.shape[3],),
                     _("bias must have shape ({filters},), one per filter; got {shape}").format(
                         filters=filters.shape[3], shape=bias.shape))
    return conv_variants.conv2d(images, filters, stride, _padding(padding)) + bias


def pool2d(images, size=2, stride=None, mode="max", padding="VALID") -> np.ndarray:
    """Chapter 3's pool2d: max or average pooling as tf.nn.max_pool2d / avg_pool2d."""
    return pooling.pool2d(images, size, stride, mode, _padding(padding))


def dense(x, w, b) -> np.ndarray:
    """x (N, D) @ w (D, M) + b (M,)."""
    x = validate.array(x, "x", ndim=2, layout="(N, D)")
    w = validate.array(w, "w", ndim=2, layout="(D, M)")
    b = validate.array(b, "b", ndim=1, layout="(M,)")
    validate.require(w.shape[0] == x.shape[1],
                     _("w must have {rows} rows (x has {rows} features); got {shape}").format(
                         rows=x.shape[1], shape=w.shape))
    validate.require(b.shape == (w.shape[1],),
                     _("b must have shape ({m},); got {shape}").format(m=w.shape[1], shape=b.shape))
    return x @ w + b


def relu(x) -> np.ndarray:
    """max(x, 0), elementwise."""
    return np.maximum(np.asarray(x, dtype=float), 0.0)


def relative_error(a, b) -> float:
    """||a - b|| / (||a|| + ||b||) (Frobenius norms), 0 when both are 0: how far two gradients
    are apart, independent of their scale, and not fooled by entries that are both nearly 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    validate.require(a.shape == b.shape,
                     _("the two gradients must have the same shape; got {a} and {b}").format(
                         a=a.shape, b=b.shape))
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


# --- scalar functions for gradient checks (picklable) ------------------------------------------
class Cubic:
    """f(x) = sum(a x^3 + b x^2) + sum(x * (C @ x.ravel()).reshape(x.shape)) + sum(d x), for x of
    a fixed shape. Its central difference with step h is exactly f'(x) + h^2 a (the h^2 f'''/6
    term of a cubic), so a test can check that ``h`` is used."""

    def __init__(self, shape, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.shape = tuple(int(s) for s in shape)
        n = int(np.prod(self.shape))
        self.a, self.b, self.d = (rng.standard_normal(self.shape) for _i in range(3))
        self.C = rng.standard_normal((n, n)) / n

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        cross = (self.C @ x.ravel()).reshape(x.shape)
        return float(np.sum(self.a * x ** 3 + self.b * x ** 2) + np.sum(x * cross)
                     + np.sum(self.d * x))


class Smooth:
    """f(x) = sum(a sin(x)) + (sum(b x))^2 + log(1 + sum(x^2)), for x of a fixed shape."""

    def __init__(self, shape, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.shape = tuple(int(s) for s in shape)
        self.a, self.b = rng.standard_normal(self.shape), rng.standard_normal(self.shape) / 3

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        return float(np.sum(self.a * np.sin(x)) + np.sum(self.b * x) ** 2
                     + np.log1p(np.sum(x ** 2)))


class ConvObjective:
    """sum(conv2d(images, filters, bias, stride, padding) * dout) as a function of one of
    images, filters or bias (``wrt``); its gradient is what conv2d_backward returns for it."""

    def __init__(self, dout, images, filters, bias, stride=1, padding="VALID", wrt="images"):
        validate.require(wrt in ("images", "filters", "bias"),
                         _('wrt must be "images", "filters" or "bias"; got {wrt!r}').format(wrt=wrt))
        self.dout = np.asarray(dout, dtype=float)
        self.values = {"images": np.asarray(images, dtype=float),
                       "filters": np.asarray(filters, dtype=float),
                       "bias": np.asarray(bias, dtype=float)}
        self.stride, self.padding, self.wrt = stride, padding, wrt

    def __call__(self, value):
        v = dict(self.values, **{self.wrt: np.asarray(value, dtype=float)})
        return float(np.sum(conv2d(v["images"], v["filters"], v["bias"], self.stride,
                                   self.padding) * self.dout))


# --- reference answers --------------------------------------------------------------------------
def numeric_gradient(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h for every entry i of x."""
    validate.require(callable(f), _("f must be a function of x; got {type}").format(
        type=type(f).__name__))
    validate.require(isinstance(h, numbers.Real) and not isinstance(h, bool) and h > 0,
                     _("h must be a positive number; got {h!r}").format(h=h))
    x = np.array(validate.array(x, "x"), dtype=float)            # our own copy
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = float(f(x))
        x[i] = old - h
        down = float(f(x))
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def conv_pads(h: int, w: int, kh: int, kw: int, stride: int, padding: str) -> tuple:
    """((top, bottom), (left, right)) as TensorFlow pads a convolution: as it pads pooling."""
    return pooling.pads(h, w, (kh, kw), stride, padding)


def _conv_out(size: int, k: int, stride: int, before: int, after: int) -> int:
    return (size + before + after - k) // stride + 1


def conv2d_backward(dout, images, filters, stride=1, padding="VALID") -> tuple:
    """Gradients of conv2d(images, filters, bias, stride, padding): (d_images, d_filters,
    d_bias), given dout = dL/d(output)."""
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    filters = validate.array(filters, "filters", ndim=4, layout="(kh, kw, C, F)")
    dout = validate.array(dout, "dout", ndim=4, layout="(N, oh, ow, F)")
    s = validate.positive_int(stride, "stride")
    padding = _padding(padding)
    n, h, w, c = images.shape
    kh, kw, c_in, f = filters.shape
    validate.require(c_in == c, _("filters have {c_in} input channels but images have {c}").format(
        c_in=c_in, c=c))
    pads = conv_pads(h, w, kh, kw, s, padding)
    (t, b), (l, r) = pads
    validate.require(kh <= h + t + b and kw <= w + l + r,
                     _("filters {kh}x{kw} do not fit into the images {h}x{w} ({padding})").format(
                         kh=kh, kw=kw, h=h, w=w, padding=padding))
    shape = (n, _conv_out(h, kh, s, t, b), _conv_out(w, kw, s, l, r), f)
    validate.require(dout.shape == shape,
                     _("dout must have the output's shape {shape}; got {got}").format(
                         shape=shape, got=dout.shape))
    return conv_backward_padded(dout, images, filters, s, pads)


def conv_backward_padded(dout, images, filters, stride: int, pads) -> tuple:
    """conv2d_backward with explicit ((top, bottom), (left, right)) zero padding (no checks)."""
    (t, b), (l, r) = pads
    n, h, w, c = images.shape
    kh, kw = filters.shape[:2]
    oh, ow = dout.shape[1:3]
    s = stride
    x = np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::s, ::s]
    windows = windows[:, :oh, :ow]                                 # (N, oh, ow, C, kh, kw)
    d_filters = np.einsum("nijcmq,nijf->mqcf", windows, dout)
    d_bias = dout.sum(axis=(0, 1, 2))
    dx = np.zeros_like(x)
    for m in range(kh):                  # every output cell scatters the kernel back (chapter 5)
        for q in range(kw):
            dx[:, m:m + s * (oh - 1) + 1:s, q:q + s * (ow - 1) + 1:s] += dout @ filters[m, q].T
    return dx[:, t:t + h, l:l + w], d_filters, d_bias


def pool_geometry(images, size, stride, padding) -> tuple:
    """(kh, kw), (sh, sw), ((top, bottom), (left, right)) of chapter 3's pooling."""
    kh, kw = pooling.pair(size, "size")
    sh, sw = pooling.pair(size if stride is None else stride, "stride")
    n, h, w, c = images.shape
    return (kh, kw), (sh, sw), pooling.pads(h, w, (kh, kw), (sh, sw), _padding(padding))


def pool2d_backward(dout, images, size=2, stride=None, mode="max", padding="VALID") -> np.ndarray:
    """Gradient of pool2d(images, size, stride, mode, padding) with respect to images."""
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    dout = validate.array(dout, "dout", ndim=4, layout="(N, oh, ow, C)")
    validate.require(mode in MODES, _('mode must be "max" or "avg"; got {mode!r}').format(mode=mode))
    (kh, kw), (sh, sw), pads = pool_geometry(images, size, stride, padding)
    expected = pool2d(images, (kh, kw), (sh, sw), mode, padding).shape
    validate.require(dout.shape == expected,
                     _("dout must have the pooled shape {shape}; got {got}").format(
                         shape=expected, got=dout.shape))
    return pool_backward_padded(dout, images, (kh, kw), (sh, sw), mode, pads)


def pool_backward_padded(dout, images, size: tuple, stride: tuple, mode: str, pads,
                         count_padding: bool = False) -> np.ndarray:
    """pool2d_backward with explicit padding (no checks). ``count_padding``: the average divides
    by the whole window (a mistake, for the catalogue)."""
    (kh, kw), (sh, sw) = size, stride
    (t, b), (l, r) = pads
    n, h, w, c = images.shape
    oh, ow = dout.shape[1:3]
    hp, wp = h + t + b, w + l + r
    dx = np.zeros((n, hp, wp, c))
    view = np.lib.stride_tricks.sliding_window_view
    if mode == "max":
        x = np.full((n, hp, wp, c), -np.inf)
        x[:, t:t + h, l:l + w] = images
        windows = view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow]
        best = windows.reshape(n, oh, ow, c, kh * kw).argmax(axis=-1)   # first maximum
        rows = np.arange(oh)[None, :, None, None] * sh + best // kw
        cols = np.arange(ow)[None, None, :, None] * sw + best % kw
        nn = np.arange(n)[:, None, None, None]
        cc = np.arange(c)[None, None, None, :]
        np.add.at(dx, (np.broadcast_to(nn, best.shape), rows, cols,
                       np.broadcast_to(cc, best.shape)), dout)
    else:
        real = np.zeros((1, hp, wp, 1))
        real[:, t:t + h, l:l + w] = 1.0
        count = view(real, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow].sum(axis=(-2, -1))
        share = dout / (kh * kw if count_padding else count)
        for m in range(kh):
            for q in range(kw):
                dx[:, m:m + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw] += share
    return dx[:, t:t + h, l:l + w]


def dense_backward(dout, x, w) -> tuple:
    """Gradients of x @ w + b: (dx, dw, db)."""
    x = validate.array(x, "x", ndim=2, layout="(N, D)")
    w = validate.array(w, "w", ndim=2, layout="(D, M)")
    dout = validate.array(dout, "dout", ndim=2, layout="(N, M)")
    validate.require(w.shape[0] == x.shape[1],
                     _("w must have {rows} rows; got {shape}").format(rows=x.shape[1], shape=w.shape))
    validate.require(dout.shape == (x.shape[0], w.shape[1]),
                     _("dout must have shape {shape}; got {got}").format(
                         shape=(x.shape[0], w.shape[1]), got=dout.shape))
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def check_labels(labels, n: int, k: int) -> np.ndarray:
    """labels as an int array (n,) of class ids in [0, k), or ValueError naming labels."""
    labels = validate.array(labels, "labels", ndim=1, layout="(N,)")
    validate.require(labels.shape == (n,),
                     _("labels must have one class id per row of logits ({n}); got {got}").format(
                         n=n, got=labels.shape[0]))
    validate.require(bool(np.all(labels == np.round(labels))),
                     _("labels must be integer class ids"))
    validate.require(bool(np.all((labels >= 0) & (labels < k))),
                     _("labels must be class ids in [0, {k}); got values from {low:g} to "
                       "{high:g}").format(k=k, low=labels.min(), high=labels.max()))
    return labels.astype(int)


def softmax(logits) -> np.ndarray:
    """Row-wise softmax, stable: exp(z - max z) / sum(exp(z - max z))."""
    z = np.asarray(logits, dtype=float)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, labels) -> tuple:
    """(mean cross-entropy of softmax(logits) against the class ids ``labels``, dL/dlogits),
    computed with log-sum-exp so that logits of any size give finite results."""
    logits = validate.array(logits, "logits", ndim=2, layout="(N, K)")
    n, k = logits.shape
    labels = check_labels(labels, n, k)
    z = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(z).sum(axis=1))
    rows = np.arange(n)
    loss = float(np.mean(log_sum - z[rows, labels]))
    grad = np.exp(z - log_sum[:, None])
    grad[rows, labels] -= 1.0
    return loss, grad / n


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7) -> tuple:
    """One step of Adam as keras.optimizers.Adam takes it: (param, m, v) after step t (from 1)."""
    param, grad, m, v = (validate.array(a, name, allow_empty=True)
                         for a, name in ((param, "param"), (grad, "grad"), (m, "m"), (v, "v")))
    for a, name in ((grad, "grad"), (m, "m"), (v, "v")):
        validate.require(a.shape == param.shape,
                         _("{name} must have param's shape {shape}; got {got}").format(
                             name=name, shape=param.shape, got=a.shape))
    t = validate.positive_int(t, "t")
    m = m + (grad - m) * (1 - beta1)
    v = v + (grad * grad - v) * (1 - beta2)
    alpha = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


# --- the tiny CNN --------------------------------------------------------------------------------
def init_params(seed: int = 0, height: int = 8, width: int = 8) -> dict:
    """Glorot-uniform weights and zero biases (Keras' defaults) for the tiny CNN on
    height x width x 1 images: conv_w (3, 3, 1, 8), conv_b (8,), dense_w (h/2 * w/2 * 8, 10),
    dense_b (10,)."""
    rng = np.random.default_rng(seed)
    flat = (height // 2) * (width // 2) * N_FILTERS

    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)

    k2 = KERNEL * KERNEL
    return {"conv_w": glorot((KERNEL, KERNEL, 1, N_FILTERS), k2, k2 * N_FILTERS),
            "conv_b": np.zeros(N_FILTERS),
            "dense_w": glorot((flat, N_CLASSES), flat, N_CLASSES),
            "dense_b": np.zeros(N_CLASSES)}


def param_count(params: dict) -> int:
    return int(sum(np.size(params[name]) for name in PARAM_NAMES))


def digits() -> tuple:
    """scikit-learn's 1,797 handwritten digits: images (1797, 8, 8, 1) in [0, 1], labels (1797,)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    return d.images[..., None] / 16.0, d.target.astype(int)


def batch_rows(k: int, batch_size: int, n: int) -> np.ndarray:
    """The rows of batch k (from 0): k*batch_size, ..., k*batch_size + batch_size - 1, mod n."""
    return (k * batch_size + np.arange(batch_size)) % n


def tiny_cnn_logits(params: dict, images) -> np.ndarray:
    """conv 3x3 (SAME) -> ReLU -> 2x2 max pool -> flatten -> dense: logits (N, 10)."""
    a = relu(conv2d(images, params["conv_w"], params["conv_b"], 1, "SAME"))
    p = pool2d(a, 2)
    return dense(p.reshape(len(p), -1), params["dense_w"], params["dense_b"])


def tiny_cnn_loss(params: dict, images, labels) -> float:
    """The mean cross-entropy of the tiny CNN on a batch (log-sum-exp)."""
    z = tiny_cnn_logits(params, images)
    z = z - z.max(axis=1, keepdims=True)
    labels = np.asarray(labels, dtype=int)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(z)), labels]))


BACKWARD_NAMES = ("conv2d_backward", "pool2d_backward", "dense_backward", "softmax_cross_entropy")


def tiny_cnn_gradients(params: dict, images, labels, fns: Optional[dict] = None,
                       relu_grad_at_zero: float = 0.0) -> tuple:
    """(loss, {name: gradient}) of the tiny CNN on one batch, by backpropagation. ``fns`` may
    replace any of BACKWARD_NAMES by another implementation (a student's) with the same
    signature; the forward passes are always the given ones."""
    use = {"conv2d_backward": conv2d_backward, "pool2d_backward": pool2d_backward,
           "dense_backward": dense_backward, "softmax_cross_entropy": softmax_cross_entropy}
    use.update({k: v for k, v in (fns or {}).items() if v is not None})
    images = np.asarray(images, dtype=float)
    pre = conv2d(images, params["conv_w"], params["conv_b"], 1, "SAME")
    act = relu(pre)
    pooled = pool2d(act, 2)
    flat = pooled.reshape(len(pooled), -1)
    logits = dense(flat, params["dense_w"], params["dense_b"])
    loss, d_logits = use["softmax_cross_entropy"](logits, labels)
    d_flat, d_dense_w, d_dense_b = use["dense_backward"](d_logits, flat, params["dense_w"])
    d_act = use["pool2d_backward"](np.reshape(d_flat, pooled.shape), act, 2)
    d_pre = np.asarray(d_act) * np.where(pre > 0, 1.0, np.where(pre == 0, relu_grad_at_zero, 0.0))
    _d_images, d_conv_w, d_conv_b = use["conv2d_backward"](d_pre, images, params["conv_w"], 1, "SAME")
    grads = {"conv_w": d_conv_w, "conv_b": d_conv_b, "dense_w": d_dense_w, "dense_b": d_dense_b}
    return float(np.asarray(loss)), {k: np.asarray(v, dtype=float) for k, v in grads.items()}


def check_training_args(images, labels, params, steps, batch_size, lr) -> tuple:
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, 1)")
    validate.require(images.shape[3] == 1,
                     _("images must have 1 channel; got {got}").format(got=images.shape[3]))
    labels = check_labels(labels, images.shape[0], N_CLASSES)
    validate.require(isinstance(params, dict) and set(PARAM_NAMES) <= set(params),
                     _("params must be a dict with {names}").format(names=", ".join(PARAM_NAMES)))
    steps = validate.positive_int(steps, "steps")
    batch_size = validate.positive_int(batch_size, "batch_size")
    validate.require(isinstance(lr, numbers.Real) and lr > 0,
                     _("lr must be positive; got {lr!r}").format(lr=lr))
    return images, labels, {k: validate.array(params[k], k) for k in PARAM_NAMES}, steps, batch_size


def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3) -> tuple:
    """``steps`` Adam steps on consecutive batches (wrapping around): (losses (steps,), params).
    losses[k] is batch k's loss before step k + 1 updates the parameters."""
    images, labels, params, steps, batch_size = check_training_args(
        images, labels, params, steps, batch_size, lr)
    return train_variant(images, labels, params, steps, batch_size, lr)


def train_variant(images, labels, params, steps, batch_size, lr, variant: str = "",
                  fns: Optional[dict] = None) -> tuple:
    """The reference training loop, or one of the mistakes of the catalogue (``variant``):
    "same batch" (batch 0 every step), "loss after the update", "t stuck at 1",
    "relu gradient 1 at 0", "no bias correction", "loss summed" (over the batch)."""
    params = {k: np.array(params[k], dtype=float) for k in PARAM_NAMES}
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    n = len(images)
    losses = []
    for step in range(steps):
        rows = batch_rows(0 if variant == "same batch" else step, batch_size, n)
        x, y = images[rows], labels[rows]
        loss, grads = tiny_cnn_gradients(params, x, y, fns,
                                         relu_grad_at_zero=1.0 if variant == "relu gradient 1 at 0"
                                         else 0.0)
        if variant == "loss summed":
            loss, grads = loss * batch_size, {k: g * batch_size for k, g in grads.items()}
        t = 1 if variant == "t stuck at 1" else step + 1
        for k in PARAM_NAMES:
            if variant == "no bias correction":
                m[k] = m[k] + (grads[k] - m[k]) * 0.1
                v[k] = v[k] + (grads[k] ** 2 - v[k]) * 0.001
                params[k] = params[k] - lr * m[k] / (np.sqrt(v[k]) + 1e-7)
            else:
                params[k], m[k], v[k] = adam_step(params[k], grads[k], m[k], v[k], t, lr)
        if variant == "loss after the update":
            loss = tiny_cnn_loss(params, x, y)
        losses.append(loss)
    return np.array(losses), params


# --- the Keras twin ------------------------------------------------------------------------------
def keras_tiny_cnn(params: dict):
    """The same network in Keras 3, float64, with the weights of ``params``."""
    from convlab.testing import keras
    k = keras()
    h = int(round(np.sqrt(np.shape(params["dense_w"])[0] / N_FILTERS))) * 2
    model = k.Sequential([
        k.Input((h, h, 1), dtype="float64"),
        k.layers.Conv2D(N_FILTERS, KERNEL, padding="same", dtype="float64"),
        k.layers.ReLU(dtype="float64"),
        k.layers.MaxPooling2D(2, dtype="float64"),
        k.layers.Flatten(dtype="float64"),
        k.layers.Dense(N_CLASSES, dtype="float64"),
    ])
    model.layers[0].set_weights([np.asarray(params["conv_w"], float),
                                 np.asarray(params["conv_b"], float)])
    model.layers[4].set_weights([np.asarray(params["dense_w"], float),
                                 np.asarray(params["dense_b"], float)])
    return model


def keras_train(images, labels, params, steps=20, batch_size=32, lr=1e-3) -> tuple:
    """The Keras twin trained like train_tiny_cnn (keras.optimizers.Adam, the same batches, the
    mean sparse softmax cross-entropy on the logits): (losses (steps,), params)."""
    from convlab.testing import keras, tensorflow
    tf, k = tensorflow(), keras()
    model = keras_tiny_cnn(params)
    optimizer = k.optimizers.Adam(learning_rate=lr)
    images = np.asarray(images, dtype=float)
    labels = np.asarray(labels, dtype=int)
    losses = []
    for step in range(int(steps)):
        rows = batch_rows(step, int(batch_size), len(images))
        x, y = tf.constant(images[rows]), tf.constant(labels[rows])
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, model(x)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        losses.append(float(loss.numpy()))
    conv, fc = model.layers[0], model.layers[4]
    trained = {"conv_w": conv.kernel.numpy(), "conv_b": conv.bias.numpy(),
               "dense_w": fc.kernel.numpy(), "dense_b": fc.bias.numpy()}
    return np.array(losses), trained


def sum_of_cubes(x) -> float:
    """sum(x**3): its gradient is 3 x**2, and its central difference with step h is exactly
    3 x**2 + h**2."""
    return float(np.sum(np.asarray(x, dtype=float) ** 3))

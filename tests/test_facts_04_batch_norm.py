"""Chapter 4: every number the text states is computed here with TensorFlow/Keras and must appear
in the notebook as stated."""
import inspect
import math

import numpy as np

import nbharness as h
from convlab import batchnorm
from convlab.testing import keras, tensorflow

CH04 = "04_batch_norm"


def markdown():
    return "\n".join(c.source for c in h.source_notebook(CH04).cells if c.cell_type == "markdown")


def flat(text):
    return " ".join(text.split())


def bn_layer(k, c, **kwargs):
    layer = k.layers.BatchNormalization(dtype="float64", **kwargs)
    layer.build((None, c))
    return layer


def test_ch04_keras_parameters_and_defaults():
    """BatchNormalization on 32 channels: 128 parameters, 64 trainable; momentum 0.99, eps 1e-3."""
    k = keras()
    text = flat(markdown())
    model = k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(32, 5),
                          k.layers.BatchNormalization()])
    bn = model.layers[-1]
    total = bn.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in bn.trainable_weights)
    assert (total, trainable) == (128, 64)
    assert f"4·32 = {total} parameters, of which {trainable} are trainable" in text
    assert f"{total} parameters ({trainable} trainable) for 32 channels" in text
    assert bn.momentum == 0.99 and bn.epsilon == 1e-3
    assert "Keras' epsilon is 1e-3" in text and "`momentum=0.99`" in text
    assert "`epsilon=1e-3`, `momentum=0.99`" in text


def test_ch04_sigmoid_slopes():
    tf = tensorflow()
    text = flat(markdown())
    z = tf.constant([0.0, 3.0, 5.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        s = tf.sigmoid(z)
    slope = tape.gradient(s, z).numpy()
    assert slope[0] == 0.25 and slope[1] < 0.05 and slope[1] > 0.04
    assert f"{slope[0]:.2f} at $z = 0$, below 0.05 once $|z| > 3$, and {slope[2]:.4f} at $z = 5$" in text
    assert batchnorm.SATURATED == 3.0 and "flat region $|z| > 3$" in text


def test_ch04_preactivations_and_widget_claims():
    tf = tensorflow()
    text = flat(markdown())
    z = batchnorm.digits_preactivations()
    assert z.shape == (1797, 8) and "a dense layer of 8 units" in text.replace("layer\nof", "layer of")
    assert f"standard deviation of about {z.std():.1f}" in text
    assert f"{100 * batchnorm.saturated_fraction(z):.0f}% of them are in the flat region" in text
    # after batch norm (gamma 1, beta 0), almost none are; tf.nn.batch_normalization as oracle
    x = batchnorm.draw_batch(z, 64)
    mean, var = tf.nn.moments(x, axes=[0])
    y = tf.nn.batch_normalization(x, mean, var, 0.0, 1.0, 1e-3).numpy()
    assert batchnorm.saturated_fraction(x) > 0.5 and batchnorm.saturated_fraction(y) < 0.01
    # a batch of 2: the two values of a unit are opposite, +-sqrt(var / (var + eps)), mostly ~1
    close = []
    for seed in range(20):
        x = batchnorm.draw_batch(z, 2, seed)
        mean, var = tf.nn.moments(x, axes=[0])
        y = tf.nn.batch_normalization(x, mean, var, 0.0, 1.0, 1e-3).numpy()
        np.testing.assert_allclose(y[0], -y[1], atol=1e-12)
        np.testing.assert_allclose(np.abs(y[0]), np.sqrt(var / (var + 1e-3)))
        close.append(np.abs(np.abs(y) - 1) < 0.05)
    assert np.mean(close) > 0.9
    assert ("always opposite, $\\pm\\sqrt{\\sigma^2 / (\\sigma^2 + \\epsilon)}$: close to -1 and +1"
            in text)
    assert batchnorm.batch_mean_spread(z, 512).std() < batchnorm.batch_mean_spread(z, 4).std() / 5
    assert "over 200 random batches" in text


def test_ch04_moving_average_example():
    """The training=False / training=True example: 0.03 and 1.025 (1.0367 with N - 1)."""
    k, tf = keras(), tensorflow()
    text = flat(markdown())
    x = np.array([[1.0], [2.0], [3.0], [6.0]])
    mean, var = (t.numpy() for t in tf.nn.moments(x, axes=[0]))
    assert (mean[0], var[0]) == (3.0, 3.5) and "[1, 2, 3, 6] has mean 3 and biased variance 3.5" in \
        " ".join(c.source for c in h.source_notebook(CH04).cells).replace("\n", " ")
    layer = bn_layer(k, 1)
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), x / math.sqrt(1.001))
    assert "only divided by $\\sqrt{1 + 0.001}$" in text
    layer(x, training=True)
    mm, mv = layer.moving_mean.numpy()[0], layer.moving_variance.numpy()[0]
    assert f"0.99·0 + 0.01·3 = {mm:.2f}" in text
    assert f"0.99·1 + 0.01·3.5 = {mv:.3f}" in text
    unbiased = 0.99 + 0.01 * np.var(x, ddof=1)
    assert abs(mv - unbiased) > 1e-3
    assert f"With the unbiased variance 14/3 it would have been {unbiased:.4f}" in text


def test_ch04_momentum_conventions():
    """PyTorch's momentum 0.1 is Keras' 0.9; after 100 steps 0.99^100 of the start remains."""
    k = keras()
    text = flat(markdown())
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 2.0, (16, 3))
    layer = bn_layer(k, 3, momentum=0.9)
    layer(x, training=True)
    torch_style = (1 - 0.1) * 0.0 + 0.1 * x.mean(0)
    np.testing.assert_allclose(layer.moving_mean.numpy(), torch_style)
    assert "PyTorch's 0.1 is Keras' 0.9" in text
    layer = bn_layer(k, 1)
    ones = np.ones((4, 1))
    for _ in range(100):
        layer(ones, training=True)
    remaining = 1.0 - layer.moving_mean.numpy()[0]   # the start (0) still in the average
    assert abs(remaining - 0.99 ** 100) < 1e-9
    assert f"after 100 steps, $0.99^{{100}} \\approx {remaining:.2f}$" in text
    assert "keep 99% of the old average" in text and "take 10% of the new batch" in text


def test_ch04_experiment():
    """The short experiment: stuck near ln 10 without batch norm, learning with it, in seconds."""
    import time
    text = flat(markdown())
    defaults = inspect.signature(batchnorm.train_digits).parameters
    assert (defaults["epochs"].default, defaults["hidden"].default, defaults["layers"].default,
            defaults["batch_size"].default, defaults["learning_rate"].default) == (8, 64, 4, 32, 0.05)
    assert ("four dense layers of 64 sigmoid units -> 10 classes, plain SGD with learning rate "
            "0.05, batches of 32, 8 epochs") in text
    x, _ = batchnorm.load_digits_xy()
    assert x.shape == (1797, 64) and x.max() == 16 and "1,797 handwritten 8x8 images" in text
    steps = math.ceil(len(x) * 3 // 4 / 32)
    assert f"after the {steps} steps of the first epoch" in text
    start = time.monotonic()
    plain, bn = batchnorm.train_digits(False), batchnorm.train_digits(True)
    assert time.monotonic() - start < 30
    assert abs(plain["loss"][-1] - math.log(10)) < 0.05 and f"$\\ln 10 \\approx {math.log(10):.2f}$" in text
    assert bn["loss"][-1] < 1.0 and bn["val_accuracy"][-1] > 0.5
    assert bn["loss"] == sorted(bn["loss"], reverse=True)          # "falls steadily"


def test_ch04_backward_constant_dy():
    """A constant dy gives dL/dx = 0 (GradientTape through Keras' layer)."""
    k, tf = keras(), tensorflow()
    layer = bn_layer(k, 3)
    x = tf.constant(np.random.default_rng(1).normal(2.0, 3.0, (5, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x, training=True) * 1.7)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), 0.0, atol=1e-9)
    assert "if $dy$ is the same for every example, $\\partial L / \\partial x = 0$" in flat(markdown())


def test_ch04_stated_point_totals_match_the_tests():
    text = markdown()
    names = ("batchnorm_train", "update_moving_stats", "batchnorm_infer", "batchnorm_backward")
    points = h.points_per_exercise(CH04, names)
    for fn, total in points.items():
        assert f"`{fn}` ({total:g} points)" in text, (fn, total)
    assert points["batchnorm_backward"] < min(v for f, v in points.items() if f != "batchnorm_backward")
    assert "TF1 -> TF2" in text


def code_line(prefix):
    """The one line of a code cell of the chapter that starts with ``prefix``."""
    lines = [line for c in h.source_notebook(CH04).cells if c.cell_type == "code"
             for line in c.source.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, lines)
    return lines[0]


def test_ch04_glorot_and_he_initialisation():
    """Glorot uniform and He normal, first used here: the formulas in the text, and the notebook's
    own lines compared with keras.initializers (limits and standard deviations)."""
    k = keras()
    text = flat(markdown())
    assert "$\\mathrm{Var}(w) = 2 / (\\text{fan\\_in} + \\text{fan\\_out})$" in text
    assert "$l = \\sqrt{6 / (\\text{fan\\_in} + \\text{fan\\_out})}$" in text
    assert "$\\mathrm{Var}(w) = 2 / \\text{fan\\_in}$" in text
    assert type(k.layers.Dense(4).kernel_initializer).__name__ == "GlorotUniform"
    assert type(k.layers.Conv2D(4, 3).kernel_initializer).__name__ == "GlorotUniform"
    assert "Keras' default for `Dense` and `Conv2D` (`kernel_initializer=\"glorot_uniform\"`)" in text
    for fan_in, fan_out in ((400, 300), (64, 64), (900, 100)):
        ns = {"np": np, "fan_in": fan_in, "fan_out": fan_out, "rng": np.random.default_rng(1)}
        exec(code_line("limit = "), ns)
        exec(code_line("he = "), ns)
        glorot = np.asarray(k.initializers.GlorotUniform(seed=2)((fan_in, fan_out)))
        he = np.asarray(k.initializers.HeNormal(seed=2)((fan_in, fan_out)))
        limit = ns["limit"]
        assert np.abs(ns["glorot"]).max() <= limit and np.abs(glorot).max() <= limit * (1 + 1e-6)
        assert np.abs(glorot).max() > 0.98 * limit
        for w in (ns["glorot"], glorot):
            assert abs(w.std() / np.sqrt(2 / (fan_in + fan_out)) - 1) < 0.03
        for w in (ns["he"], he):
            assert abs(w.std() / np.sqrt(2 / fan_in) - 1) < 0.03
        assert np.abs(he).max() <= 2 * np.sqrt(2 / fan_in) / 0.87962566103423978 * (1 + 1e-6)
    # a conv kernel's fans: kh * kw * C_in and kh * kw * C_out
    kernel = np.asarray(k.initializers.GlorotUniform(seed=0)((3, 3, 16, 32)))
    assert np.abs(kernel).max() <= np.sqrt(6 / (9 * 16 + 9 * 32)) * (1 + 1e-6)
    assert abs(kernel.std() / np.sqrt(2 / (9 * 16 + 9 * 32)) - 1) < 0.05
    assert f"$l = \\sqrt{{6/128}} = {np.sqrt(6 / 128):.3f}$" in text


def test_ch04_errata_variance_is_not_one():
    """The layers explainer's 'mean 0 and variance 1': sigma^2 / (sigma^2 + eps), then gamma, beta."""
    k = keras()
    text = flat(markdown())
    assert "## Errata for the source article" in markdown() and "使之均值为0,方差为1" in text
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 0.1, (1000, 1))
    x = 5.0 + 0.1 * (x - x.mean()) / x.std()
    y = np.asarray(bn_layer(k, 1)(x, training=True))
    assert abs(x.var() - 0.01) < 1e-12 and abs(y.var() - 0.01 / 0.011) < 1e-9
    assert f"gives 0.01 / 0.011 = {y.var():.3f}" in text
    layer = bn_layer(k, 1)
    layer.set_weights([np.array([3.0]), np.array([-2.0]), np.zeros(1), np.ones(1)])
    z = np.asarray(layer(rng.normal(0.0, 4.0, (500, 1)), training=True))
    assert abs(z.mean() + 2.0) < 1e-9 and abs(z.std() - 3.0) < 1e-3      # mean beta, std ~|gamma|
    assert "has mean $\\beta$ and standard deviation about $|\\gamma|$" in text


def test_ch04_errata_statistics_per_channel():
    """Per channel over (N, H, W): every channel's mean is 0, a single row's is not."""
    k = keras()
    text = flat(markdown())
    rng = np.random.default_rng(0)
    maps = rng.normal(3.0, 2.0, (8, 5, 5, 2)) + np.arange(5.0)[None, :, None, None]
    out = np.asarray(k.layers.BatchNormalization(dtype="float64")(maps, training=True))
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-12)
    rows = out.mean(axis=(0, 2))
    assert np.all(np.abs(rows[[0, -1]]) > 0.3)
    assert "every channel of Keras' output has mean 0 over (N, H, W), while the mean at a single row" in text
    fresh = k.layers.BatchNormalization(dtype="float64")
    np.testing.assert_allclose(np.asarray(fresh(maps, training=False)), maps / math.sqrt(1.001))
    assert "a fresh layer called with `training=False` only divides by $\\sqrt{1 + \\epsilon}$" in text


def test_ch04_cross_entropy_definition():
    """The experiment's loss, defined where first used: the text's line against Keras."""
    import re
    k = keras()
    text = flat(markdown())
    assert "$L = -\\ln p_y$" in text
    line = re.search(r"`(loss = -np\.log\(p\[np\.arange\(len\(y\)\), y\]\)\.mean\(\))`", text).group(1)
    rng = np.random.default_rng(3)
    logits = rng.normal(0.0, 3.0, (32, 10))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 10, 32)
    ns = {"np": np, "p": p, "y": y}
    exec(line, ns)
    theirs = float(np.mean(k.losses.sparse_categorical_crossentropy(y, p)))
    assert abs(ns["loss"] - theirs) < 1e-6
    ns = {"np": np, "p": np.full((5, 10), 0.1), "y": np.arange(5)}
    exec(line, ns)
    assert abs(ns["loss"] - math.log(10)) < 1e-12 and "guesses uniformly, $p_y = 1/10$, has loss $\\ln 10$" in text

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

"""Chapter 3: every number the text states is computed here with TensorFlow/Keras and must appear
in the notebook as stated."""
import numpy as np

import nbharness as h
from convlab import pooling
from convlab.testing import keras, tensorflow

CH03 = "03_pooling_flatten"
MNIST = [("conv", 32, 5, 1, "SAME"), ("pool", 2), ("conv", 64, 5, 1, "SAME"), ("pool", 2),
         ("flatten",), ("dense", 1024), ("dropout", 0.5), ("dense", 10)]


def markdown():
    return "\n".join(c.source for c in h.source_notebook(CH03).cells if c.cell_type == "markdown")


def fmt(n):
    return f"{n:,}"


def shape_text(shape):
    return "x".join(str(d) for d in shape) if len(shape) == 3 else fmt(shape[0])


def test_mnist_network_table_and_total():
    """Every shape and parameter count of the table, from Keras' own model."""
    text = markdown()
    rows = pooling.keras_shapes((28, 28, 1), MNIST)
    shapes = [s for s, _ in rows]
    assert [shape_text(s) for s in shapes] == ["28x28x32", "14x14x32", "14x14x64", "7x7x64",
                                               "3,136", "1,024", "1,024", "10"]
    table = [l for l in text.splitlines() if l.startswith("| ")]
    body = table[2:]                                   # after the header and the input row
    assert len(body) == len(MNIST)
    for line, (shape, params) in zip(body, rows):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1].startswith(shape_text(shape)), (line, shape)
        assert cells[2].endswith(fmt(params)), (line, params)
    assert table[1].endswith("| 28x28x1 | 0 |")
    assert "5·5·1·32 + 32 = 832" in text and "5·5·32·64 + 64 = 51,264" in text
    assert "3,136·1,024 + 1,024 = 3,212,288" in text and "1,024·10 + 10 = 10,250" in text
    assert "3,136 = 7·7·64" in text and 7 * 7 * 64 == 3136
    total = sum(p for _, p in rows)
    k = keras()
    model = k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(32, 5, padding="same"),
                          k.layers.MaxPooling2D(2), k.layers.Conv2D(64, 5, padding="same"),
                          k.layers.MaxPooling2D(2), k.layers.Flatten(), k.layers.Dense(1024),
                          k.layers.Dropout(0.5), k.layers.Dense(10)])
    assert model.count_params() == total == 3274634
    assert f"**{fmt(total)}**" in text and "3,274,634 parameters" in text
    share = round(100 * rows[5][1] / total)
    assert f"{share}% of them sit in the first dense layer" in text
    assert "28 -> 14 -> 7" in text and [s[0] for s in shapes[:4]] == [28, 14, 14, 7]
    summary = "28x28x32, 14x14x32, 14x14x64, 7x7x64, 3,136, 1,024, 10"
    assert summary in text


def test_pooling_keeps_one_in_four_and_overlap():
    tf = tensorflow()
    text = markdown()
    y = tf.nn.max_pool2d(tf.zeros((1, 28, 28, 1)), 2, 2, "VALID")
    kept = y.shape[1] * y.shape[2] / (28 * 28)
    assert kept == 1 / 4 and "keeps 1 of 4 values (75% are thrown away)" in text
    assert round(100 * (1 - kept)) == 75
    # 3x3 windows with stride 2 overlap: the first two windows share a column
    assert "(e.g. 3x3 windows, stride 2, as in AlexNet) the windows **overlap**" in text
    k = keras()
    model = k.Sequential([k.Input((28, 28, 3)), k.layers.MaxPooling2D(3, strides=2)])
    assert model.count_params() == 0 and model.output_shape == (None, 13, 13, 3)   # overlapping: 13 > 28 / 3


def test_same_pooling_examples():
    """4x4 image 0..15, 3x3 windows, stride 2, SAME: the bottom-right window."""
    tf = tensorflow()
    text = markdown()
    x = tf.constant(np.arange(16.0).reshape(1, 4, 4, 1))
    avg = tf.nn.avg_pool2d(x, 3, 2, "SAME").numpy()[0, :, :, 0]
    mx = tf.nn.max_pool2d(-x, 3, 2, "SAME").numpy()[0, :, :, 0]
    assert avg.shape == (2, 2)
    (t, b), (l, r) = pooling.pads(4, 4, 3, 2, "SAME")
    assert (t, b) == (0, 1)
    cells = np.arange(16).reshape(4, 4)[2:, 2:].ravel()
    assert list(cells) == [10, 11, 14, 15] and "4 real cells, 10, 11, 14 and 15" in text
    assert avg[1, 1] == cells.sum() / 4 == 12.5
    assert f"{cells.sum()}/4 = {avg[1, 1]:g}, not\n{cells.sum()}/9" in text \
        or f"{cells.sum()}/4 = {avg[1, 1]:g}, not {cells.sum()}/9" in text
    assert mx[1, 1] == -10 and "maximum is -10, not 0" in text


def test_tf2_max_pool_returns_float32_on_float64_numpy():
    tf = tensorflow()
    text = markdown()
    x = np.zeros((1, 4, 4, 1))
    assert tf.nn.max_pool2d(x, 2, 2, "VALID").dtype == tf.float32
    assert tf.nn.avg_pool2d(x, 2, 2, "VALID").dtype == tf.float64
    assert tf.nn.max_pool2d(tf.constant(x), 2, 2, "VALID").dtype == tf.float64
    assert "returns float32 (`tf.nn.avg_pool2d` keeps float64)" in text
    assert "ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1]" in text


def test_flatten_and_global_pooling_numbers():
    k = keras()
    text = markdown()
    flat = k.Sequential([k.Input((7, 7, 64)), k.layers.Flatten(), k.layers.Dense(10)])
    gap = k.Sequential([k.Input((7, 7, 64)), k.layers.GlobalAveragePooling2D(), k.layers.Dense(10)])
    assert flat.layers[0].output.shape[1] == 3136 and gap.layers[0].output.shape[1] == 64
    assert "flatten turns the 7x7x64 maps into 3,136 values" in text
    assert (f"a 7x7x64 map becomes 64 numbers, and a dense layer of 10\nunits on them has "
            f"{gap.count_params()} parameters (on the 3,136 flattened values it would have "
            f"{fmt(flat.count_params())})") in text
    x = np.arange(12.0).reshape(1, 2, 2, 3)
    np.testing.assert_array_equal(np.asarray(k.layers.Flatten()(x)), np.arange(12.0)[None])


def test_stated_point_totals_match_the_tests():
    text = markdown()
    names = ("pool2d", "flatten", "global_avg_pool", "cnn_shapes", "max_pool_backward")
    points = h.points_per_exercise(CH03, names)
    for fn, total in points.items():
        assert f"`{fn}` ({total:g} points)" in text, (fn, total)
    assert points["max_pool_backward"] < min(points["pool2d"], points["cnn_shapes"])
    assert "### Exercise 5 (bonus): `max_pool_backward`" in text

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


def code_line(prefix):
    """The one line of a code cell of the chapter that starts with ``prefix``."""
    lines = [line for c in h.source_notebook(CH03).cells if c.cell_type == "code"
             for line in c.source.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, lines)
    return lines[0]


def test_definitions_of_relu_softmax_and_dropout_are_keras():
    """ReLU, softmax and dropout, first used here: the formula in the text, and the notebook's own
    line of code compared with keras.activations / keras.layers.Dropout on random inputs."""
    k, tf = keras(), tensorflow()
    text = " ".join(markdown().split())
    assert "$\\mathrm{ReLU}(z) = \\max(z, 0)$, in NumPy `np.maximum(z, 0.0)`" in text
    assert "$p_j = e^{z_j} / \\sum_k e^{z_k}$" in text
    assert "$y_i = x_i m_i / (1 - \\text{rate})$" in text
    rng = np.random.default_rng(11)
    for shape in ((1, 4), (5, 10), (3, 7)):
        z = rng.normal(0.0, 30.0, shape)                  # large logits: the max shift matters
        ns = {"np": np, "z": z}
        exec(code_line("relu = "), ns)
        exec(code_line("e = np.exp("), ns)
        np.testing.assert_allclose(ns["relu"], np.asarray(k.activations.relu(z)), atol=0)
        np.testing.assert_allclose(ns["softmax"], np.asarray(k.activations.softmax(z)), rtol=1e-12)
        assert np.all(np.isfinite(ns["softmax"]))
    # dropout: values 0 or x / (1 - rate), about `rate` of them dropped, as Keras' Dropout(rate)
    rate, x = 0.3, np.full((200, 500), 3.0)
    ns = {"np": np, "z": x, "rate": rate, "rng": np.random.default_rng(0)}
    exec(code_line("dropped = "), ns)
    ours = ns["dropped"]
    theirs = np.asarray(k.layers.Dropout(rate, seed=1)(x, training=True))
    for y in (ours, theirs):
        np.testing.assert_allclose(np.unique(y), [0.0, 3.0 / (1 - rate)])
        assert abs(np.mean(y == 0) - rate) < 0.01 and abs(y.mean() - 3.0) < 0.05
    np.testing.assert_array_equal(np.asarray(k.layers.Dropout(rate)(x, training=False)), x)
    # keep_prob = 0.8 is rate = 0.2: the survivors are scaled by 1 / 0.8
    kept = tf.nn.dropout(tf.ones((100, 100), tf.float64), rate=0.2, seed=3).numpy()
    np.testing.assert_allclose(np.unique(kept), [0.0, 1 / 0.8])
    assert "`keep_prob=0.8` is `rate=0.2`" in text


def test_errata_overlapping_pooling():
    """The layers explainer's 'pooling windows do not overlap': AlexNet's 3x3 stride 2 does."""
    k = keras()
    text = " ".join(markdown().split())
    assert "## Errata for the source article" in markdown()
    assert "它是不重叠地移动" in text
    overlapping = k.layers.MaxPooling2D(3, strides=2)
    side = overlapping.compute_output_shape((1, 28, 28, 1))[1]
    tiled = k.layers.MaxPooling2D(3, strides=3).compute_output_shape((1, 28, 28, 1))[1]
    assert (side, tiled) == (13, 9)
    assert f"turns a 28x28 map into {side}x{side} (3x3 windows that do not overlap would give {tiled}x{tiled})" in text
    x = np.zeros((1, 5, 5, 1))
    x[0, 2, 2, 0] = 1.0
    kept = np.asarray(overlapping(x))[0, :, :, 0]
    assert kept.shape == (2, 2) and np.all(kept == 1.0)      # the centre pixel is in all 4 windows
    assert "lies in all four windows, so all four outputs keep it" in text


def test_errata_pooling_has_no_parameters():
    """'Pooling compresses the parameters': only those of a dense layer after the flatten."""
    text = " ".join(markdown().split())
    no_pools = [l for l in MNIST if l[0] != "pool"]
    with_pools = pooling.keras_shapes((28, 28, 1), MNIST)
    without = pooling.keras_shapes((28, 28, 1), no_pools)

    def conv_params(layers, rows):
        return [p for l, (_, p) in zip(layers, rows) if l[0] == "conv"]

    assert conv_params(MNIST, with_pools) == conv_params(no_pools, without) == [832, 51264]
    assert all(p == 0 for l, (_, p) in zip(MNIST, with_pools) if l[0] == "pool")
    flat = without[2][0][0]
    dense = without[3][1]
    assert flat == 28 * 28 * 64 == 50176 and dense == flat * 1024 + 1024
    total_without, total = sum(p for _, p in without), sum(p for _, p in with_pools)
    assert (f"keeps 832 and 51,264 parameters in its convolutions, but its first dense layer sees "
            f"28·28·64 = {fmt(flat)} values and has {fmt(dense)} parameters: {fmt(total_without)} "
            f"in all instead of {fmt(total)}") in text
    assert "用于压缩数据和参数的数量" in text


def test_errata_same_max_pooling_pads_nothing_here():
    """The MNIST tutorial's 'pads zeros, takes the maximum': no padded cell ever wins, and its
    2x2 / stride 2 pooling of 28x28 and 14x14 maps pads nothing (SAME equals VALID there)."""
    tf = tensorflow()
    text = " ".join(markdown().split())
    assert "周圍補0,取最大值" in text and "卷積結果乘以池化卷積核" in text
    rng = np.random.default_rng(2)
    for side in (28, 14):
        assert pooling.pads(side, side, 2, 2, "SAME") == ((0, 0), (0, 0))
        x = tf.constant(rng.standard_normal((1, side, side, 3)) - 5.0)   # all negative
        same = tf.nn.max_pool2d(x, 2, 2, "SAME").numpy()
        np.testing.assert_array_equal(same, tf.nn.max_pool2d(x, 2, 2, "VALID").numpy())
        assert same.max() < 0
    assert "2x2 windows with stride 2 tile 28x28 and 14x14 exactly, so `SAME` pads 0 rows and 0 columns" in text


def test_readme_bonus_example_is_chapter_3s():
    """The README's example of a check total with a bonus is chapter 3's, with its real points."""
    readme = " ".join((h.REPO / "README.md").read_text().split())
    cells = [c for c in h.source_notebook(CH03).cells if h.meta(c).get("grade")]
    full = sum(h.meta(c)["points"] for c in cells)
    bonus = sum(h.cells.bonus_points(c.source) for c in cells)
    assert f"`total {full:g} / {full:g} (+{bonus:g} of {bonus:g} bonus)`" in readme
    assert f"`Score: {full + bonus:.1f} / {full:.1f}`" in readme


def test_widget_shift_claim():
    """Shifting the photo's edge map one pixel right: how many 2x2 / stride 2 max-pooled outputs
    stay the same (TensorFlow's pooling of the two maps)."""
    from convlab.ch03_pooling_flatten.compute import feature_map
    tf = tensorflow()
    text = " ".join(markdown().split())
    fmap, _ = feature_map("photo")
    moved = np.zeros_like(fmap)
    moved[:, 1:] = fmap[:, :-1]
    pool = lambda m: tf.nn.max_pool2d(tf.constant(m[None, :, :, None]), 2, 2, "VALID").numpy()
    same = np.isclose(pool(fmap), pool(moved))
    assert same.sum() < same.size / 2
    assert (f"with 2x2 windows and stride 2, only {same.sum()} of the {same.size} outputs stay "
            f"the same") in text

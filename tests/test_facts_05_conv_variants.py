"""Chapter 5: every number the text states is computed here with TensorFlow/Keras and must appear
in the notebook as stated."""
import numpy as np

import nbharness as h
from convlab.testing import keras, tensorflow

CH = "05_conv_variants"
NAMES = ("grouped_conv2d", "depthwise_conv2d", "pointwise_conv2d", "separable_conv2d",
         "dilate_kernel", "dilated_conv2d", "conv2d_transpose", "param_count")


def markdown():
    return "\n".join(c.source for c in h.source_notebook(CH).cells if c.cell_type == "markdown")


def count(layer, c_in, size=32):
    k = keras()
    model = k.Sequential([k.Input((size, size, c_in)), layer])
    return model.count_params(), model.output_shape


def test_grouped_parameter_counts():
    k = keras()
    text = markdown()
    standard, _ = count(k.layers.Conv2D(64, 3, use_bias=False), 64)
    grouped, _ = count(k.layers.Conv2D(64, 3, groups=8, use_bias=False), 64)
    assert (standard, grouped) == (36864, 4608)
    assert f"3·3·64·64 = **{standard:,}**" in text
    assert f"3·3·8·64 = **{grouped:,}** parameters, {standard // grouped} times fewer" in text
    assert "36,864 -> 4,608 with 8 groups" in text


def test_separable_parameter_counts_and_multiply_adds():
    k = keras()
    text = markdown()
    standard, shape = count(k.layers.Conv2D(32, 3, padding="same", use_bias=False), 16)
    separable, _ = count(k.layers.SeparableConv2D(32, 3, padding="same", use_bias=False), 16)
    depthwise, _ = count(k.layers.DepthwiseConv2D(3, use_bias=False), 16)
    pointwise, _ = count(k.layers.Conv2D(32, 1, use_bias=False), 16)
    assert (standard, separable, depthwise, pointwise) == (4608, 656, 144, 512)
    assert depthwise + pointwise == separable
    assert f"3·3·16·32 = **{standard:,}** parameters" in text
    assert (f"depthwise 3·3·16 = **{depthwise}** plus pointwise 16·32 = **{pointwise}**, together "
            f"**{separable}**, seven\n  times fewer") in text
    assert round(standard / separable) == 7
    pixels = shape[1] * shape[2]
    assert shape[1:3] == (32, 32)
    assert f"4,608·{pixels:,} = **{standard * pixels:,}**" in text
    assert f"656·{pixels:,} = **{separable * pixels:,}**" in text
    assert "4,608 -> 656 =\n  144 + 512" in text


def test_dilation_numbers():
    tf = tensorflow()
    text = markdown()

    def k_eff(k, d):      # the span TensorFlow's dilated kernel reads: from a VALID output size
        i = 20
        return i - tf.nn.conv2d(np.zeros((1, i, 1, 1)), np.zeros((k, 1, 1, 1)), 1, "VALID",
                                dilations=(d, 1)).shape[1] + 1

    assert f"3 + 2·1 = **{k_eff(3, 2)}** for a 3x3 kernel with `d = 2`" in text
    assert f"3 + 2·3 = **{k_eff(3, 4)}** with `d = 4`" in text
    o = tf.nn.conv2d(np.zeros((1, 7, 7, 1)), np.zeros((3, 3, 1, 1)), 1, "VALID", dilations=2).shape[1]
    assert f"floor((7 - 5)/1) + 1 = **{o}**" in text


def test_transposed_sizes_and_checkerboard():
    tf, k = tensorflow(), keras()
    text = markdown()
    ones = np.ones((1, 4, 4, 1))
    valid = k.layers.Conv2DTranspose(1, 3, strides=2, padding="valid")(ones).shape[1]
    padded = k.layers.Conv2DTranspose(1, 3, strides=2, padding="valid", output_padding=1)(ones).shape[1]
    same = k.layers.Conv2DTranspose(1, 3, strides=2, padding="same")(ones).shape[1]
    assert (valid, padded, same) == (9, 10, 8)
    assert f"2·3 + 3 = **{valid}**" in text
    assert f"gives {valid}x{valid} from 4x4" in text and f"**{padded}x{padded}**" in text
    assert f"the output is `i·s` = **{same}**" in text
    scatter = tf.nn.conv2d_transpose(ones, np.ones((3, 3, 1, 1)), (1, 9, 9, 1), 2, "VALID").numpy()
    inside = np.unique(scatter[0, 2:-2, 2:-2, 0]).astype(int).tolist()
    assert inside == [1, 2, 4]
    assert "alternately 1, 2 and 4 times" in text
    smooth = tf.nn.conv2d(k.layers.UpSampling2D(2)(ones), np.ones((3, 3, 1, 1)), 1, "VALID").numpy()
    assert len(np.unique(smooth[0, 1:-1, 1:-1, 0])) == 1
    assert "gives every\ninside cell the same count" in text


def test_stated_point_totals_match_the_tests():
    text = markdown()
    points = h.points_per_exercise(CH, NAMES)
    for fn, total in points.items():
        assert f"### Exercise {NAMES.index(fn) + 1}: `{fn}` ({total:g} points)" in text, (fn, total)
    assert "TF1 -> TF2" in text


# --- the errata for the convolutions summary (convlab.articles "004") ---------------------------
def test_errata_eight_channels_per_group():
    """8 groups of 64 channels: 8 input channels and 8 filters per group (not 32); the summary's own
    count 8·8·3·3·8 is right, groups of 32 would need 256 channels and 73,728 weights."""
    k = keras()
    text = markdown()
    layer = k.layers.Conv2D(64, 3, groups=8, use_bias=False)
    layer.build((None, 32, 32, 64))
    per_group_in, per_group_out = layer.kernel.shape[2], layer.filters // layer.groups
    assert (per_group_in, per_group_out) == (8, 8)
    assert tuple(layer.kernel.shape) == (3, 3, 8, 64)
    assert layer.count_params() == 8 * per_group_in * 3 * 3 * per_group_out == 4608
    assert "每组输入输出都为32" in text
    assert f"64 / 8 = **{per_group_in}** of each" in text
    assert f"8·8·3·3·8 = **{layer.count_params():,}**" in text
    assert f"8·32 = {8 * 32} channels and\n8·32·3·3·32 = **{8 * 32 * 3 * 3 * 32:,}** weights" in text
    assert "`(3, 3, 8, 64)`, 8 input channels for every filter" in text


def test_errata_transposed_convolution_is_not_an_inverse_but_the_transpose():
    tf = tensorflow()
    text = markdown()
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 6, 6, 1)), rng.standard_normal((3, 3, 1, 1))
    y = tf.nn.conv2d(x, w, 1, "VALID").numpy()
    back = tf.nn.conv2d_transpose(y, w, x.shape, 1, "VALID").numpy()
    assert back.shape == x.shape and not np.allclose(back, x)         # the shape, not the image
    A = np.stack([tf.nn.conv2d(np.eye(36)[i].reshape(1, 6, 6, 1), w, 1, "VALID").numpy().ravel()
                  for i in range(36)], axis=1)
    assert A.shape == (y.size, x.size) == (16, 36)
    assert np.linalg.matrix_rank(A) == np.linalg.matrix_rank(A.T @ A) == 16 < 36
    v = rng.standard_normal(y.shape)
    transposed = tf.nn.conv2d_transpose(v, w, x.shape, 1, "VALID").numpy()
    np.testing.assert_allclose(A.T @ v.ravel(), transposed.ravel(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.vdot(y, v), np.vdot(x, transposed), rtol=1e-12)
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.conv2d(xv, w, 1, "VALID") * v)
    np.testing.assert_allclose(tape.gradient(loss, xv).numpy(), transposed, rtol=1e-12, atol=1e-12)
    assert "反卷积" in text and "还原原始shape" in text
    assert "6x6 image (**36** numbers) to\n4x4 (**16** numbers)" in text
    assert "(16x36 here, of rank 16)" in text and "`Aᵀ A` (rank 16)" in text


def test_the_summary_names_what_the_convolutions_summary_calls():
    """The convolutions summary uses tf.nn.conv2d, tf.layers.Conv2D, tf.nn.depthwise_conv2d and
    tf.nn.separable_conv2d (TF1: rate=), tf.nn.conv2d_transpose; no tf.Session, no atrous_conv2d."""
    import inspect
    tf = tensorflow()
    text = markdown()
    tf1 = text[text.index("**TF1 -> TF2.**"):text.index("**Next:**")]
    assert "tf.Session" not in text
    assert "TensorFlow also\nhas `tf.nn.atrous_conv2d(x, w, rate, padding)`" in tf1
    for fn in ("depthwise_conv2d", "separable_conv2d"):
        assert "rate" in inspect.signature(getattr(tf.compat.v1.nn, fn)).parameters
        assert "dilations" in inspect.signature(getattr(tf.nn, fn)).parameters
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 9, 9, 2)), rng.standard_normal((3, 3, 2, 3))
    np.testing.assert_allclose(tf.nn.atrous_conv2d(x, w, 2, "SAME").numpy(),
                               tf.nn.conv2d(x, w, 1, "SAME", dilations=2).numpy(), rtol=1e-12)

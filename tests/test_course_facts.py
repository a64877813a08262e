"""Every number the course text states is computed here, with TensorFlow/Keras, and must appear in
the notebook as stated."""
import numpy as np

import nbharness as h
from convlab.testing import keras, tensorflow


def markdown(chapter):
    return "\n".join(c.source for c in h.source_notebook(chapter).cells if c.cell_type == "markdown")


def fmt_int(n):
    return f"{n:,}"


def test_ch01_worked_example():
    tf = tensorflow()
    text = markdown("01_filter_sliding")
    I = np.array([[3, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 3]])
    K = np.array([[1, 0, 2], [0, 1, 0], [-1, 0, 1]])
    S = tf.nn.conv2d(I[None, :, :, None].astype(float), K[:, :, None, None].astype(float),
                     strides=1, padding="VALID").numpy()[0, :, :, 0].astype(int)
    def matrix(a, indent):
        rows = [", ".join(f"{v}" for v in row) for row in a]
        return ("[[" + ("],\n" + " " * indent + "[").join(rows) + "]]")
    assert "I = " + matrix(I, 5).split("\n")[0] in text
    for row in I:
        assert "[" + ", ".join(str(v) for v in row) + "]" in text
    assert "S = " + matrix(S, 5) in text
    terms = " + ".join(f"{a}·{b}" if b >= 0 else f"{a}·({b})"
                       for a, b in zip(I[:3, :3].ravel(), K.ravel()))
    assert f"S[0, 0] = {terms} = {S[0, 0]}" in text


def test_ch01_parameter_counts_and_shapes():
    k = keras()
    text = markdown("01_filter_sliding")
    model = k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(32, 5)])
    assert model.output_shape == (None, 24, 24, 32)
    n = model.count_params()
    assert f"**{n}** parameters" in text and "24x24x32" in text
    assert f"5·5·1·32 + 32 = **{n}**" in text
    dense = k.Sequential([k.Input((784,)), k.layers.Dense(24 * 24 * 32)])
    assert f"784 · {fmt_int(24 * 24 * 32)} + {fmt_int(24 * 24 * 32)} = **{fmt_int(dense.count_params())}**" in text
    assert "28 - 5 + 1 = 24" in text


def test_ch01_stated_point_totals_match_the_tests():
    text = markdown("01_filter_sliding")
    points = h.points_per_exercise("01_filter_sliding", ("conv2d_single", "conv2d_multi", "conv_param_count"))
    for fn, total in points.items():
        assert f"`{fn}` ({total:g} points)" in text, (fn, total)


# --- chapter 2 -----------------------------------------------------------------------------------
CH02 = "02_stride_padding"


def _tf_rows(i, k, pad, s=1, d=1):
    """Output height of tf.nn.conv2d on an i-row input: pad is "VALID"/"SAME" or an int."""
    tf = tensorflow()
    if not isinstance(pad, str):
        pad = [[0, 0], [pad, pad], [0, 0], [0, 0]]
    y = tf.nn.conv2d(np.zeros((1, i, 1, 1)), np.zeros((k, 1, 1, 1)), strides=(s, 1),
                     padding=pad, dilations=(d, 1))
    return int(y.shape[1])


def _tf_same_pads(i, k, s):
    """TensorFlow's SAME padding, found by matching explicitly padded convolutions."""
    tf = tensorflow()
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, i, 1, 1)), rng.standard_normal((k, 1, 1, 1))
    same = tf.nn.conv2d(x, w, strides=(s, 1), padding="SAME").numpy()
    for total in range(0, k + s):
        for before in range(total + 1):
            y = tf.nn.conv2d(x, w, strides=(s, 1),
                             padding=[[0, 0], [before, total - before], [0, 0], [0, 0]]).numpy()
            if y.shape == same.shape and np.allclose(y, same):
                return before, total - before
    raise AssertionError("no explicit padding reproduces SAME")


def test_ch02_the_articles_example():
    """32x32x1, four 3x3 filters, padding 1: 32x32x4 with stride 1, 16x16x4 with stride 2."""
    tf = tensorflow()
    text = markdown(CH02)
    pad = [[0, 0], [1, 1], [1, 1], [0, 0]]
    shapes = {s: tuple(tf.nn.conv2d(np.zeros((1, 32, 32, 1)), np.zeros((3, 3, 1, 4)), strides=s,
                                    padding=pad).shape[1:]) for s in (1, 2)}
    assert shapes == {1: (32, 32, 4), 2: (16, 16, 4)}
    k = keras()
    model = k.Sequential([k.Input((32, 32, 1)), k.layers.ZeroPadding2D(1),
                          k.layers.Conv2D(4, 3, strides=2)])
    assert model.output_shape == (None, 16, 16, 4)
    for s, (height, width, f) in shapes.items():
        assert f"{height}x{width}x{f}" in text
    assert "32x32x1" in text and "four" in text and "padding 1" in text
    assert f"(32 + 2·1 - 3)/1 + 1 = {shapes[1][0]}" in text
    assert f"floor((32 + 2·1 - 3)/2) + 1 = floor(31/2) + 1 = {shapes[2][0]}" in text
    assert "with stride 1,\n(32" in text or "with stride 1, (32" in text
    assert "16x16x4 needs\nstride 2" in text or "16x16x4 needs stride 2" in text


def test_ch02_floor_dilation_and_same_examples():
    text = markdown(CH02)
    o = _tf_rows(8, 3, "VALID", s=2)
    assert f"floor((8 - 3)/2) + 1 = {o} windows start at rows 0, 2 and 4" in text
    assert (o - 1) * 2 + 3 == 7 and "row 7 is\nsilently ignored" in text
    k_eff = 7 - _tf_rows(7, 3, "VALID", d=2) + 1          # a 3-tap kernel, dilation 2
    assert f"3 + 2·1 = {k_eff} cells" in text
    o_same = _tf_rows(8, 3, "SAME", s=2)
    before, after = _tf_same_pads(8, 3, 2)
    assert f"o = ceil(8/2) = {o_same}" in text
    assert f"max(3·2 + 3 - 8, 0) = {before + after}, so {before} rows on top\nand {after} at the bottom" in text
    assert (before, after) == (0, 1)
    assert "bottom and the extra column at the right" in text


def test_ch02_receptive_fields():
    """Two 3x3 layers see 5x5, three see 7x7; 3x3/2 then 3x3 sees 7 (gradients of TF)."""
    tf = tensorflow()
    text = markdown(CH02)

    def rf(layers):
        x = tf.ones((1, 40, 1, 1), dtype=tf.float64)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for k, s in layers:
                y = tf.nn.conv2d(y, tf.ones((k, 1, 1, 1), tf.float64), strides=(s, 1),
                                 padding="VALID")
            first = y[0, 0, 0, 0]
        nz = np.flatnonzero(tape.gradient(first, x).numpy())
        return int(nz[-1] - nz[0] + 1)

    two, three, strided = rf([(3, 1)] * 2), rf([(3, 1)] * 3), rf([(3, 2), (3, 1)])
    assert f"see a {two}x{two} patch of the input, three see {three}x{three}" in text
    assert f"1 + 2 + 2·2 = {strided} pixels" in text


def test_ch02_bench_implementations_agree():
    """bench/bench_conv2d.py times a naive loop against a vectorised conv2d: both must compute the
    same thing. (The speed itself is measured by the notebook and by `make bench`, not asserted
    here: timing assertions are flaky on a loaded machine.)"""
    import sys
    from convlab.padding import naive_conv2d
    sys_path = str(h.REPO / "bench")
    sys.path.insert(0, sys_path)
    try:
        from bench_conv2d import conv2d_vectorised
    finally:
        sys.path.remove(sys_path)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 16, 16, 8)), rng.standard_normal((3, 3, 8, 16))
    np.testing.assert_allclose(conv2d_vectorised(x, w, 1, "SAME"), naive_conv2d(x, w, 1, "SAME"))


def test_ch02_stated_point_totals_match_the_tests():
    text = markdown(CH02)
    names = ("conv_output_size", "same_padding", "zero_pad", "conv2d", "receptive_field")
    points = h.points_per_exercise(CH02, names)
    for fn, total in points.items():
        assert f"`{fn}` ({total:g} points)" in text, (fn, total)
    assert "TF1 -> TF2" in text and "strides=[1, s, s, 1]" in text


# --- chapter 1: the errata for the layers explainer ---------------------------------------------
def test_ch01_errata_cross_correlation():
    """tf.nn.conv2d computes window sums without flipping the kernel; flipping (the convolution
    of mathematics) changes the result for the asymmetric kernel the errata cell uses."""
    from scipy.signal import convolve2d, correlate2d
    from convlab import kernels
    tf = tensorflow()
    text = markdown("01_filter_sliding")
    rng = np.random.default_rng(7)
    image, kernel = rng.standard_normal((5, 6)), kernels.get("diagonal (asymmetric)")
    layer = tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None], strides=1,
                         padding="VALID").numpy()[0, :, :, 0]
    np.testing.assert_allclose(layer, correlate2d(image, kernel, mode="valid"))
    assert not np.allclose(layer, convolve2d(image, kernel, mode="valid"))
    assert not np.allclose(kernel, np.flip(kernel))          # a half turn changes it
    assert "Errata for the source article" in text and "积分变换" in text


def test_ch01_errata_kernels_per_channel_and_defaults():
    """Conv2D(32, 5) on 28x28x3 holds a (5, 5, 3, 32) kernel, 2,432 parameters; with MindSpore's
    defaults (same padding, no bias) 32 filters of 5x5 on 28x28x1 give 28x28x32 and 800."""
    k = keras()
    text = markdown("01_filter_sliding")
    colour = k.layers.Conv2D(32, 5)
    colour.build((None, 28, 28, 3))
    shape, n = tuple(colour.kernel.shape), colour.count_params()
    assert f"{shape}, 5·5·3·32 + 32 = {fmt_int(n)} parameters" in text.replace("\n   ", " ")
    plain = k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(32, 5)])
    mindspore = k.Sequential([k.Input((28, 28, 1)),
                              k.layers.Conv2D(32, 5, padding="same", use_bias=False)])
    h_, w_, f = mindspore.output_shape[1:]
    flat = " ".join(text.split())
    assert (f"Its 24x24x32 and {plain.count_params()} hold for Keras' defaults; with MindSpore's, "
            f"the same 32 filters of 5x5 give {h_}x{w_}x{f} and {mindspore.count_params()} "
            f"parameters") in flat
    assert "applies 32 kernels to the one channel" in flat and plain.output_shape[-1] == 32


# --- chapter 2: the padding caveat and the errata -----------------------------------------------
def _centres(i, s, padding):
    """The input rows under the centres of a 3x3 kernel's windows (tf.nn.conv2d, stride s)."""
    tf = tensorflow()
    image = np.arange(i, dtype=float)[None, :, None, None] * np.ones((1, 1, 3, 1))
    centre = np.zeros((3, 3, 1, 1))
    centre[1, 1] = 1.0
    if not isinstance(padding, str):
        padding = [[0, 0], list(padding), [1, 1], [0, 0]]
    return [int(v) for v in tf.nn.conv2d(image, centre, strides=(s, 1), padding=padding)
            .numpy()[0, :, 1, 0]]


def test_ch02_padding_one_is_not_same_at_stride_2():
    """i = 8, k = 3, s = 2: padding 1 and SAME both give 4 rows, SAME pads (0, 1), and the
    windows' centres sit on rows 0, 2, 4, 6 and 1, 3, 5, 7; at i = 7 both pad (1, 1)."""
    text = " ".join(markdown(CH02).split())
    pad_1, same = _centres(8, 2, (1, 1)), _centres(8, 2, "SAME")
    assert len(pad_1) == len(same) == _tf_rows(8, 3, 1, s=2) == _tf_rows(8, 3, "SAME", s=2) == 4
    assert _tf_same_pads(8, 3, 2) == (0, 1) and _tf_same_pads(7, 3, 2) == (1, 1)
    assert [b - a for a, b in zip(pad_1, same)] == [1] * 4          # one pixel apart
    assert _centres(7, 2, (1, 1)) == _centres(7, 2, "SAME")            # odd input: no shift
    assert f"floor((8 + 2·1 - 3)/2) + 1 = {len(pad_1)} output rows" in text
    assert f"ceil(8/2) = {len(same)} too" in text
    assert "pads (0, 1), no row on top and one at the bottom, where padding 1 pads (1, 1)" in text
    assert "i = 7, `\"SAME\"` pads (1, 1)" in text
    rows = ", ".join(str(r) for r in pad_1[:-1]) + f" and {pad_1[-1]}"
    rows_same = ", ".join(str(r) for r in same[:-1]) + f" and {same[-1]}"
    assert (f"with padding 1 the centres sit on rows and columns {rows}, with `\"SAME\"` on "
            f"{rows_same}") in text


def test_ch02_padding_one_demonstration_cell():
    """The notebook's demonstration prints what TensorFlow computes (run here as the cell is)."""
    import contextlib
    import io

    from convlab import i18n           # the setup cell's _ and N_
    cell = next(c for c in h.source_notebook(CH02).cells if c.cell_type == "code"
                and c.source.startswith('# padding 1 versus "SAME"'))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cell.source, {"np": np, "tensorflow": tensorflow, "_": i18n.gettext, "N_": i18n.N_})
    printed = out.getvalue()
    assert "[[ 0  2  4  6]" in printed and "[[11 13 15 17]" in printed, printed
    assert printed.count("output (4, 4)") == 2


def test_ch02_errata_stride_and_border():
    """Stride 2 with SAME halves 56x56 to 28x28 (a quarter of the positions); a 3x3 average of
    ones with padding 1 is 1 inside, 6/9 on the edges, 4/9 in the corners."""
    tf = tensorflow()
    text = " ".join(markdown(CH02).split())
    x, w = np.zeros((1, 56, 56, 1)), np.zeros((3, 3, 1, 1))
    s1, s2 = (tf.nn.conv2d(x, w, strides=s, padding="SAME").shape[1:3] for s in (1, 2))
    assert tuple(s2) == (28, 28) and (s1[0] * s1[1]) == 4 * (s2[0] * s2[1])
    assert f"turns a 56x56 map into {s2[0]}x{s2[1]}: a quarter of the output positions" in text
    border = tf.nn.conv2d(np.ones((1, 5, 5, 1)), np.full((3, 3, 1, 1), 1 / 9), strides=1,
                          padding=[[0, 0], [1, 1], [1, 1], [0, 0]]).numpy()[0, :, :, 0]
    ninths = np.round(9 * border).astype(int)
    inside, edge, corner = ninths[2, 2], ninths[0, 2], ninths[0, 0]
    assert (inside, edge, corner) == (9, 6, 4)
    assert f"gives 1 inside, {edge}/9 along the edges and {corner}/9 in the corners" in text
    assert "(32 in, 16 out)" in text and _tf_rows(32, 3, 1, s=2) == 16
    assert "Errata for the source article" in text and "The layers explainer" in text

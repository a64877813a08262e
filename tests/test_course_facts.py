"""Every number the course text states is computed here, with TensorFlow/Keras, and must appear in
the notebook as stated."""
import numpy as np
import pytest

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
    nb = h.source_notebook("01_filter_sliding")
    text = markdown("01_filter_sliding")
    points = {}
    for c in nb.cells:
        m = h.meta(c)
        if m.get("grade"):
            fn = next(name for name in ("conv2d_single", "conv2d_multi", "conv_param_count")
                      if m["grade_id"].startswith(f"test_{name}"))
            points[fn] = points.get(fn, 0) + m["points"]
    for fn, total in points.items():
        assert f"`{fn}` ({total:g} points)" in text, (fn, total)

"""Wrong implementations of chapter 3's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source, made by editing the reference
solution (every edit must apply, or importing this module fails). ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them. ``MESSAGES`` maps a mutant
to the test cell whose failure message must name its mistake, and a phrase of that "Likely
cause" (from convlab.mistakes).
"""

import nbharness as h

_CELLS = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook("03_pooling_flatten").cells
          if h.meta(c).get("solution")}


def edit(grade_id, *pairs):
    """The reference solution of ``grade_id`` with each (old, new) replacement applied once."""
    src = _CELLS[grade_id].replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION", "")
    for old, new in pairs:
        assert old in src, f"mutant edit does not apply to {grade_id}: {old!r}"
        src = src.replace(old, new, 1)
    return {grade_id: src}


def plain(grade_id, body):
    return {grade_id: body}


MUTANTS = {
    # pool2d
    "pool: stride ignored (always 1)":
        edit("pool2d", ('sh, sw = pair(size if stride is None else stride, "stride")',
                        'sh, sw = pair(size if stride is None else stride, "stride")\n    sh = sw = 1')),
    "pool: stride defaults to 1":
        edit("pool2d", ("size if stride is None else stride", "1 if stride is None else stride")),
    "pool: mode ignored (always max)":
        edit("pool2d", ('if mode == "max":\n        return', 'if True:\n        return')),
    "pool: SAME ignored (always VALID)":
        edit("pool2d", ('if padding == "SAME":', 'if False:')),
    "pool: SAME max pads with zeros":
        edit("pool2d", ('fill = -np.inf if mode == "max" else 0.0', 'fill = 0.0')),
    "pool: SAME extra row/column at the top/left (hidden)":
        edit("pool2d", ("pads.append((total // 2, total - total // 2))",
                        "pads.append((total - total // 2, total // 2))")),
    "pool: square window from size[0]":
        edit("pool2d", ('kh, kw = pair(size, "size (the window)")',
                        'kh, kw = pair(size, "size (the window)")\n    kw = kh')),
    "pool: unknown mode treated as avg":
        edit("pool2d", ('validate.require(mode in ("max", "avg")', 'validate.require(True')),
    "pool: SAME avg counts the padded zeros (hidden)":
        edit("pool2d", ("return windows.sum(axis=(-2, -1)) / count",
                        "return windows.mean(axis=(-2, -1))")),
    "pool: stride pair swapped (hidden)":
        edit("pool2d", ('sh, sw = pair(size if stride is None else stride, "stride")',
                        'sw, sh = pair(size if stride is None else stride, "stride")')),
    # flatten
    "flatten: channels first (NCHW order)":
        edit("flatten", ("return x.reshape(x.shape[0], -1)",
                         "return np.moveaxis(x, -1, 1).reshape(x.shape[0], -1)")),
    "flatten: batch axis flattened too":
        edit("flatten", ("return x.reshape(x.shape[0], -1)", "return x.reshape(-1)")),
    "flatten: no check for 1-D input":
        plain("flatten", "def flatten(x):\n    x = np.asarray(x, dtype=float)\n"
                         "    return x.reshape(len(x), -1)\n"),
    # global_avg_pool
    "gap: global max":
        edit("global_avg_pool", ("x.mean(axis=(1, 2))", "x.max(axis=(1, 2))")),
    "gap: keeps the spatial axes":
        edit("global_avg_pool", ("x.mean(axis=(1, 2))", "x.mean(axis=(1, 2), keepdims=True)")),
    "gap: mean over N, H and W":
        edit("global_avg_pool", ("x.mean(axis=(1, 2))", "x.mean(axis=(0, 1, 2))")),
    "gap: mean over H only":
        edit("global_avg_pool", ("x.mean(axis=(1, 2))", "x.mean(axis=1)")),
    "gap: mean over H, W and the channels":
        edit("global_avg_pool", ("x.mean(axis=(1, 2))", "x.mean(axis=(1, 2, 3))")),
    "gap: no ndim check":
        plain("global_avg_pool", "def global_avg_pool(x):\n"
                                 "    return np.asarray(x, dtype=float).mean(axis=(1, 2))\n"),
    # cnn_shapes
    "shapes: conv without bias":
        edit("cnn_shapes", ("params = k * k * c * f + f", "params = k * k * c * f")),
    "shapes: dense without bias":
        edit("cnn_shapes", ("shape[0] * units + units", "shape[0] * units")),
    "shapes: pool counted like a conv":
        edit("cnn_shapes", ("            params = 0\n        elif kind == \"flatten\"",
                            "            params = k * k * c * c + c\n        elif kind == \"flatten\"")),
    "shapes: padding ignored (always VALID)":
        edit("cnn_shapes", ('if padding == "SAME":\n            return', 'if False:\n            return')),
    "shapes: conv stride ignored (hidden)":
        edit("cnn_shapes", ('s = validate.positive_int(args[2] if len(args) > 2 else 1, "stride")',
                            's = 1')),
    "shapes: no check that dense gets a flat input":
        edit("cnn_shapes", ("validate.require(len(shape) == 1, f\"{what}: dense needs",
                            "validate.require(True, f\"{what}: dense needs"),
             ("shape, params = (units,), shape[0] * units + units",
              "shape, params = (units,), shape[-1] * units + units")),
    # max_pool_backward
    "backward: gradient spread evenly (average pooling's)":
        plain("max_pool_backward", '''
def max_pool_backward(dout, images, size=2, stride=None):
    images = validate.array(images, "images", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    s = size if stride is None else stride
    n, h, w, c = images.shape
    oh, ow = (h - size) // s + 1, (w - size) // s + 1
    validate.require(dout.shape == (n, oh, ow, c), "dout must have the pooled shape")
    dx = np.zeros_like(images)
    for i in range(oh):
        for j in range(ow):
            dx[:, i * s:i * s + size, j * s:j * s + size] += dout[:, i:i + 1, j:j + 1] / size ** 2
    return dx
'''),
    "backward: gradient to the window's first cell":
        edit("max_pool_backward", ("window.argmax(axis=1)", "np.zeros((n, c), dtype=int)")),
    "backward: overlapping windows overwrite (hidden)":
        edit("max_pool_backward", ("np.add.at(dx, (batch, i * s + r, j * s + q, chan), dout[:, i, j, :])",
                                   "dx[batch, i * s + r, j * s + q, chan] = dout[:, i, j, :]")),
    "backward: stride ignored (always size) (hidden)":
        edit("max_pool_backward", ("s = k if stride is None else validate.positive_int(stride, \"stride\")",
                                   "s = k")),
}

HIDDEN_ONLY = {
    "pool: SAME extra row/column at the top/left (hidden)",
    "pool: SAME avg counts the padded zeros (hidden)",
    "pool: stride pair swapped (hidden)",
    "shapes: conv stride ignored (hidden)",
    "backward: overlapping windows overwrite (hidden)",
    "backward: stride ignored (always size) (hidden)",
}

MESSAGES = {
    "gap: global max": ("test_global_avg_pool_vs_tf", "you took the maximum"),
    "gap: keeps the spatial axes": ("test_global_avg_pool_vs_tf", "keepdims=True"),
    "gap: mean over N, H and W": ("test_global_avg_pool_vs_tf", "axis=(0, 1, 2)"),
    "gap: mean over H only": ("test_global_avg_pool_vs_tf", "you averaged over H, axis=1;"),
    "gap: mean over H, W and the channels":
        ("test_global_avg_pool_vs_tf", "H, W and C (the channels), axis=(1, 2, 3)"),
}

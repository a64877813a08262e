"""Wrong implementations of chapter 8's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source, made by editing the reference
solution (every edit must apply, or importing this module fails). ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them. ``MESSAGES`` says which test
cell each named mistake fails and what its "Likely cause" says (tests/test_mutants.py checks it);
``NAMED`` maps the mistakes issue 18 lists to their mutants.
"""

import nbharness as h

_CELLS = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook("08_backprop").cells
          if h.meta(c).get("solution")}


def edit(grade_id, *pairs):
    """The reference solution of ``grade_id`` with each (old, new) replacement applied once."""
    src = _CELLS[grade_id].replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION", "")
    for old, new in pairs:
        assert old in src, f"mutant edit does not apply to {grade_id}: {old!r}"
        src = src.replace(old, new, 1)
    return {grade_id: src}


MUTANTS = {
    # numeric_gradient
    "numeric: forward difference":
        edit("numeric_gradient", ("        x[i] = saved - h\n        down = f(x)\n",
                                  "        x[i] = saved\n        down = f(x)\n"),
             ("grad[i] = (up - down) / (2 * h)", "grad[i] = (up - down) / h")),
    "numeric: divides by h instead of 2h":
        edit("numeric_gradient", ("grad[i] = (up - down) / (2 * h)", "grad[i] = (up - down) / h")),
    "numeric: h ignored (always 1e-5)":
        edit("numeric_gradient", ("    grad = np.zeros_like(x)\n",
                                  "    grad = np.zeros_like(x)\n    h = 1e-5\n")),
    "numeric: works in place on the caller's x":
        edit("numeric_gradient",
             ("x = np.array(validate.array(x, \"x\"), dtype=float)",
              "x = x if isinstance(x, np.ndarray) and x.dtype == float else np.array(x, dtype=float)"),
             ("        saved = x[i]\n        x[i] = saved + h\n", "        x[i] += h\n"),
             ("        x[i] = saved - h\n", "        x[i] -= 2 * h\n"),
             ("        x[i] = saved                                           # exactly the old value\n",
              "        x[i] += h\n")),
    "numeric: an integer x is not converted to float (hidden)":
        edit("numeric_gradient", ('x = np.array(validate.array(x, "x"), dtype=float)',
                                  'x = np.array(x)')),
    "numeric: no check that h is positive":
        edit("numeric_gradient", ("and not isinstance(h, bool) and h > 0,",
                                  "and not isinstance(h, bool),")),
    # conv2d_backward
    "conv: kernel not flipped in d_images":
        edit("conv2d_backward", ("+= dout @ filters[m, q].T", "+= dout @ filters[kh - 1 - m, kw - 1 - q].T")),
    "conv: SAME padding on the wrong side (hidden)":
        edit("conv2d_backward", ("return total // 2, total - total // 2",
                                 "return total - total // 2, total // 2")),
    "conv: bias gradient averaged instead of summed":
        edit("conv2d_backward", ("d_bias = dout.sum(axis=(0, 1, 2))", "d_bias = dout.mean(axis=(0, 1, 2))")),
    "conv: d_filters averaged over the batch":
        edit("conv2d_backward", ('d_filters = np.einsum("nijcmq,nijf->mqcf", windows, dout)',
                                 'd_filters = np.einsum("nijcmq,nijf->mqcf", windows, dout) / n')),
    "conv: stride ignored in the scatter":
        edit("conv2d_backward", ("dx[:, m:m + s * (oh - 1) + 1:s, q:q + s * (ow - 1) + 1:s]",
                                 "dx[:, m:m + oh, q:q + ow]")),
    "conv: SAME padding not cut off":
        edit("conv2d_backward", ("return dx[:, t:t + h, l:l + w], d_filters, d_bias",
                                 "return dx[:, :h, :w], d_filters, d_bias")),
    "conv: no check of dout's shape":
        edit("conv2d_backward", ("validate.require(dout.shape == (n, oh, ow, f),",
                                 "validate.require(True,"),
             ("windows = windows[:, ::s, ::s][:, :oh, :ow]",
              "oh, ow = dout.shape[1:3]\n    windows = windows[:, ::s, ::s][:, :oh, :ow]")),
    # pool2d_backward
    "pool: max gradient spread over the window":
        edit("pool2d_backward", ('if mode == "max":\n        x = np.full', 'if False:\n        x = np.full')),
    "pool: average counts the padded cells":
        edit("pool2d_backward", ("share = dout / count", "share = dout / (kh * kw)")),
    "pool: SAME padding on the wrong side":
        edit("pool2d_backward", ("pads.append((total // 2, total - total // 2))",
                                 "pads.append((total - total // 2, total // 2))")),
    "pool: overlapping windows overwrite (hidden)":
        edit("pool2d_backward", ("np.add.at(dx, (batch, rows, cols, chan), dout)",
                                 "dx[batch, rows, cols, chan] = dout")),
    "pool: avg gradient routed like max":
        edit("pool2d_backward", ('if mode == "max":\n        x = np.full', 'if True:\n        x = np.full')),
    "pool: padding ignored (always VALID)":
        edit("pool2d_backward", ('if padding == "SAME":\n        pads = []', 'if False:\n        pads = []'),
             ('validate.require(kh <= h and kw <= w', 'validate.require(True')),
    "pool: no check of dout's shape":
        edit("pool2d_backward", ("validate.require(dout.shape == (n, oh, ow, c),",
                                 "validate.require(True,")),
    # dense_backward
    "dense: db averaged instead of summed":
        edit("dense_backward", ("dout.sum(axis=0)", "dout.mean(axis=0)")),
    "dense: dw averaged over the batch":
        edit("dense_backward", ("x.T @ dout,", "x.T @ dout / len(x),")),
    "dense: dw transposed":
        edit("dense_backward", ("x.T @ dout,", "dout.T @ x,")),
    # softmax_cross_entropy
    "softmax: unstable (no max subtracted)":
        edit("softmax_cross_entropy", ("z = logits - logits.max(axis=1, keepdims=True)", "z = logits")),
    "softmax: the MNIST tutorial's log of the softmax":
        edit("softmax_cross_entropy",
             ("loss = float(np.mean(log_sum - z[rows, labels]))",
              "p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)\n"
              "    loss = float(np.mean(-np.log(p[rows, labels])))")),
    "softmax: loss summed over the batch":
        edit("softmax_cross_entropy", ("loss = float(np.mean(log_sum - z[rows, labels]))",
                                       "loss = float(np.sum(log_sum - z[rows, labels]))"),
             ("return loss, dlogits / n", "return loss, dlogits")),
    "softmax: dlogits not divided by the batch size":
        edit("softmax_cross_entropy", ("return loss, dlogits / n", "return loss, dlogits")),
    "softmax: labels not checked":
        edit("softmax_cross_entropy", ("validate.require(bool(np.all((labels >= 0)", "validate.require(True or bool(np.all((labels >= 0)")),
    # adam_step
    "adam: no bias correction":
        edit("adam_step", ("alpha = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)", "alpha = lr")),
    "adam: epsilon placed as in the paper":
        edit("adam_step", ("return param - alpha * m / (np.sqrt(v) + epsilon), m, v",
                           "return param - lr * (m / (1 - beta1 ** t)) / "
                           "(np.sqrt(v / (1 - beta2 ** t)) + epsilon), m, v")),
    "adam: t counted from 0":
        edit("adam_step", ("t = validate.positive_int(t, \"t\")", "t = validate.positive_int(t, \"t\") + 1")),
    "adam: beta1 weighs the wrong term":
        edit("adam_step", ("m = m + (grad - m) * (1 - beta1)", "m = m + (grad - m) * beta1")),
    "adam: epsilon inside the square root":
        edit("adam_step", ("(np.sqrt(v) + epsilon)", "np.sqrt(v + epsilon)")),
    # train_tiny_cnn
    "train: the same batch every step":
        edit("train_tiny_cnn", ("rows = (step * batch_size + np.arange(batch_size)) % len(images)",
                                "rows = np.arange(batch_size) % len(images)")),
    "train: the loss recorded after the update":
        edit("train_tiny_cnn", ("        losses.append(loss)\n",
                                "        after = pool2d(relu(conv2d(x, params['conv_w'], params['conv_b'], 1, 'SAME')), 2)\n"
                                "        losses.append(softmax_cross_entropy(dense(after.reshape(len(x), -1), "
                                "params['dense_w'], params['dense_b']), y)[0])\n")),
    "train: Adam's t stuck at 1":
        edit("train_tiny_cnn", ("v[name], step + 1, lr)", "v[name], 1, lr)")),
    "train: ReLU gradient 1 at 0":
        edit("train_tiny_cnn", ("d_pre = d_act * (pre > 0)", "d_pre = d_act * (pre >= 0)")),
    "train: m and v restart every step":
        edit("train_tiny_cnn", ("        for name in names:\n            params[name], m[name]",
                                "        m = {name: np.zeros_like(p) for name, p in params.items()}\n"
                                "        v = {name: np.zeros_like(p) for name, p in params.items()}\n"
                                "        for name in names:\n            params[name], m[name]")),
}

HIDDEN_ONLY = {
    "numeric: an integer x is not converted to float (hidden)",
    "conv: SAME padding on the wrong side (hidden)",
    "pool: overlapping windows overwrite (hidden)",
}

# mutant -> (the test cell that must fail, a phrase of its message's "Likely cause"); checked by
# tests/test_mutants.py
MESSAGES = {
    "conv: kernel not flipped in d_images": ("test_conv2d_backward_vs_tf", "kernel is not flipped"),
    "conv: SAME padding on the wrong side (hidden)": ("test_conv2d_backward_vs_tf",
                                                      "SAME padding is on the wrong side"),
    "conv: bias gradient averaged instead of summed": ("test_conv2d_backward_vs_tf",
                                                       "bias gradient is averaged instead of summed"),
    "pool: max gradient spread over the window": ("test_pool2d_backward_vs_tf",
                                                  "max gradient is spread over the window"),
    "pool: average counts the padded cells": ("test_pool2d_backward_vs_tf",
                                              "average counts the padded cells"),
    "pool: overlapping windows overwrite (hidden)": ("test_pool2d_backward_vs_tf",
                                                     "overlapping windows overwrite"),
    "softmax: unstable (no max subtracted)": ("test_softmax_cross_entropy_example", "unstable softmax"),
    "softmax: loss summed over the batch": ("test_softmax_cross_entropy_vs_tf",
                                            "loss is summed over the batch"),
    "dense: db averaged instead of summed": ("test_dense_backward_vs_tf",
                                             "bias gradient is averaged instead of summed"),
    "numeric: forward difference": ("test_numeric_gradient_vs_tf", "forward difference"),
    "adam: no bias correction": ("test_adam_step_vs_tf", "Adam without bias correction"),
    "adam: epsilon placed as in the paper": ("test_adam_step_vs_tf", "as in the paper"),
    "train: the same batch every step": ("test_train_tiny_cnn_vs_keras", "uses the first batch"),
    "train: Adam's t stuck at 1": ("test_train_tiny_cnn_vs_keras", "step count stays at 1"),
}

# the mistakes issue 18 says the catalogue names -> the mutant that makes each one
NAMED = {
    "the kernel not flipped in dx": "conv: kernel not flipped in d_images",
    "SAME padding on the wrong side": "conv: SAME padding on the wrong side (hidden)",
    "a bias gradient averaged instead of summed": "conv: bias gradient averaged instead of summed",
    "a max gradient spread over the window": "pool: max gradient spread over the window",
    "an average that counts padded cells": "pool: average counts the padded cells",
    "an unstable softmax": "softmax: unstable (no max subtracted)",
    "a loss summed over the batch": "softmax: loss summed over the batch",
    "Adam without bias correction": "adam: no bias correction",
}

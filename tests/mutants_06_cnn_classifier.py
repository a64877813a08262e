"""Wrong implementations of chapter 6's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source, made by editing the reference
solution (every edit must apply, or importing this module fails). ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them.
"""

import nbharness as h

_CELLS = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook("06_cnn_classifier").cells
          if h.meta(c).get("solution")}


def edit(grade_id, *pairs, count=1):
    """The reference solution of ``grade_id`` with each (old, new) replacement applied to its code
    (not to its docstring, which quotes the same calls)."""
    head, body = _CELLS[grade_id].split("    ### BEGIN SOLUTION\n")
    body = body.replace("    ### END SOLUTION", "")
    for old, new in pairs:
        assert old in body, f"mutant edit does not apply to {grade_id}: {old!r}"
        body = body.replace(old, new, count)
    return {grade_id: head + body}


MUTANTS = {
    # build_mnist_cnn
    "mnist: VALID padding":
        edit("build_mnist_cnn", ('padding="same", ', ""), count=2),
    "mnist: 3x3 kernels":
        edit("build_mnist_cnn", ("Conv2D(32, 5,", "Conv2D(32, 3,"), ("Conv2D(64, 5,", "Conv2D(64, 3,")),
    "mnist: second pooling missing":
        edit("build_mnist_cnn", ('activation="relu"),\n        layers.MaxPooling2D(2),\n        layers.Flatten()',
                                 'activation="relu"),\n        layers.Flatten()')),
    "mnist: returns nothing":
        edit("build_mnist_cnn", ("return keras.Sequential(", "model = keras.Sequential(")),
    "mnist: convolutions without ReLU (hidden)":
        edit("build_mnist_cnn", ('padding="same", activation="relu"', 'padding="same"'), count=2),
    "mnist: dropout rate 0.25 (hidden)":
        edit("build_mnist_cnn", ("Dropout(0.5)", "Dropout(0.25)")),
    "mnist: no softmax at the end (hidden)":
        edit("build_mnist_cnn", ('Dense(10, activation="softmax")', "Dense(10)")),
    # train_and_evaluate
    "train: evaluates on the training data":
        edit("train_and_evaluate", ('model.evaluate(data["x_test"], data["y_test"]',
                                    'model.evaluate(data["x_train"], data["y_train"]')),
    "train: no validation split":
        edit("train_and_evaluate", ("validation_split=0.1, ", "")),
    "train: epochs ignored (always 1)":
        edit("train_and_evaluate", ("epochs=epochs,", "epochs=1,")),
    "train: learning rate 1e-2":
        edit("train_and_evaluate", ("learning_rate=1e-3", "learning_rate=1e-2")),
    "train: returns the test loss as the accuracy":
        edit("train_and_evaluate", ("_, accuracy = model.evaluate", "accuracy, _ = model.evaluate")),
    "train: epochs not checked":
        edit("train_and_evaluate", ('epochs = validate.positive_int(epochs, "epochs")', "")),
    "train: 20% held out for validation (hidden)":
        edit("train_and_evaluate", ("validation_split=0.1", "validation_split=0.2")),
    # vgg_block
    "vgg: one convolution too few":
        edit("vgg_block", ("for _ in range(convs):", "for _ in range(convs - 1):")),
    "vgg: average pooling":
        edit("vgg_block", ("layers.MaxPooling2D(2)", "layers.AveragePooling2D(2)")),
    "vgg: no ReLU":
        edit("vgg_block", (', activation="relu"', "")),
    "vgg: VALID padding":
        edit("vgg_block", ('padding="same", ', "")),
    "vgg: convs not checked":
        edit("vgg_block", ('convs = validate.positive_int(convs, "convs")', "")),
    # inception_module
    "inception: no 1x1 reductions":
        edit("inception_module", ("conv(conv(x, f3_reduce, 1), f3, 3)", "conv(x, f3, 3)"),
             ("conv(conv(x, f5_reduce, 1), f5, 5)", "conv(x, f5, 5)")),
    "inception: pooling branch without projection":
        edit("inception_module", ("bp = conv(layers.MaxPooling2D(3, strides=1, padding=\"same\")(x), pool_proj, 1)",
                                  "bp = layers.MaxPooling2D(3, strides=1, padding=\"same\")(x)")),
    "inception: reductions swapped":
        edit("inception_module", ("conv(x, f3_reduce, 1), f3, 3)", "conv(x, f5_reduce, 1), f3, 3)"),
             ("conv(x, f5_reduce, 1), f5, 5)", "conv(x, f3_reduce, 1), f5, 5)")),
    "inception: branches concatenated as 1x1, 5x5, 3x3, pool (hidden)":
        edit("inception_module", ("[b1, b3, b5, bp]", "[b1, b5, b3, bp]")),
    # residual_block
    "residual: last gamma not zero":
        edit("residual_block", ('BatchNormalization(gamma_initializer="zeros")', "BatchNormalization()")),
    "residual: convolutions with bias":
        edit("residual_block", ("use_bias=False", "use_bias=True"), count=3),
    "residual: projection without BatchNormalization":
        edit("residual_block", ("        shortcut = layers.BatchNormalization()(shortcut)\n", "")),
    "residual: no ReLU after the addition (hidden)":
        edit("residual_block", ("return layers.ReLU()(layers.Add()([y, shortcut]))",
                                "return layers.Add()([y, shortcut])")),
    "residual: projection only when the stride changes (hidden)":
        edit("residual_block", ("if stride != 1 or x.shape[-1] != filters:", "if stride != 1:")),
}

HIDDEN_ONLY = [
    "mnist: convolutions without ReLU (hidden)",
    "mnist: dropout rate 0.25 (hidden)",
    "mnist: no softmax at the end (hidden)",
    "train: 20% held out for validation (hidden)",
    "inception: branches concatenated as 1x1, 5x5, 3x3, pool (hidden)",
    "residual: no ReLU after the addition (hidden)",
    "residual: projection only when the stride changes (hidden)",
]

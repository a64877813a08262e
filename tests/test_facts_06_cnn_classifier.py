"""Chapter 6: every number the text states is computed here with TensorFlow/Keras and must appear
in the notebook as stated."""
import nbharness as h
from conftest import REPO
from convlab import cnn
from convlab.testing import keras

CH06 = "06_cnn_classifier"


def markdown():
    return "\n".join(c.source for c in h.source_notebook(CH06).cells if c.cell_type == "markdown")


def fmt(n):
    return f"{n:,}"


def block(builder, shape):
    k = keras()
    x = k.Input(shape)
    return k.Model(x, builder(k, x))


def test_dense_versus_convolution_on_a_big_image():
    k = keras()
    text = markdown()
    dense = k.Sequential([k.Input((500 * 500,)), k.layers.Dense(1000)])
    conv = k.Sequential([k.Input((500, 500, 1)), k.layers.Conv2D(32, 5)])
    assert 500 * 500 == 250000 and "A 500x500 grey image has 250,000 pixels" in text
    assert f"a dense layer of 1,000 units on it has {fmt(dense.count_params())} parameters" in text
    assert dense.count_params() == 250001000
    small = k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(32, 5)])
    assert conv.count_params() == small.count_params() == 832
    assert "A 5x5 convolution with 32 filters on a\ngrey image has 832 parameters" in text


def test_mnist_table_and_total():
    k = keras()
    L = k.layers
    text = markdown()
    model = k.Sequential([
        k.Input((28, 28, 1)), L.Conv2D(32, 5, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(64, 5, padding="same", activation="relu"), L.MaxPooling2D(2), L.Flatten(),
        L.Dense(1024, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    rows = cnn.layer_table(model)
    table = [l for l in text.splitlines() if l.startswith("| ")][1:]
    assert table[0] == "| input | 28x28x1 | 0 |"
    body = table[1:]
    assert len(body) == len(rows)
    for line, (_, shape, params) in zip(body, rows):
        cells = [c.strip() for c in line.strip("|").split("|")]
        shown = "x".join(map(str, shape)) if len(shape) == 3 else fmt(shape[0])
        assert cells[1] == shown and cells[2] == fmt(params), (line, shape, params)
    total = model.count_params()
    assert total == 3274634 and f"**{fmt(total)}**" in text
    share = round(100 * rows[5][2] / total)
    assert f"{share}% of them in the first dense layer" in text


def test_vgg_block_numbers():
    text = markdown()

    def vgg(k, x):
        for _ in range(2):
            x = k.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
        return k.layers.MaxPooling2D(2)(x)
    model = block(vgg, (32, 32, 3))
    per_layer = [l.count_params() for l in model.layers[1:3]]
    assert per_layer == [1792, 36928] and model.count_params() == 38720
    assert "3·3·3·64 + 64 = 1,792 and 3·3·64·64 + 64 = 36,928 parameters, in total\n38,720, output 16x16x64" in text
    assert tuple(model.output_shape) == (None, 16, 16, 64)


def inception(f1, r3, f3, r5, f5, pp, reduce=True):
    def build(k, x):
        conv = lambda t, f, s: k.layers.Conv2D(f, s, padding="same", activation="relu")(t)
        b3 = conv(conv(x, r3, 1), f3, 3) if reduce else conv(x, f3, 3)
        b5 = conv(conv(x, r5, 1), f5, 5) if reduce else conv(x, f5, 5)
        pool = k.layers.MaxPooling2D(3, strides=1, padding="same")(x)
        return k.layers.Concatenate()([conv(x, f1, 1), b3, b5, conv(pool, pp, 1)])
    return build


def test_inception_numbers():
    text = markdown()
    model = block(inception(64, 96, 128, 16, 32, 32), (28, 28, 192))
    naive = block(inception(64, 96, 128, 16, 32, 32, reduce=False), (28, 28, 192))
    assert model.output_shape[-1] == naive.output_shape[-1] == 256
    assert (f"has {fmt(model.count_params())} parameters and 256\noutput channels" in text)
    assert f"it would have\n{fmt(naive.count_params())}." in text
    assert (model.count_params(), naive.count_params()) == (163696, 393472)
    small = block(inception(4, 6, 8, 2, 3, 5), (8, 8, 16))
    assert small.count_params() == 882 == 68 + 102 + 440 + 34 + 153 + 85
    assert tuple(small.output_shape) == (None, 8, 8, 20)
    nb = "\n".join(c.source for c in h.source_notebook(CH06).cells)
    assert "882 parameters (68 + 102 + 440 + 34 + 153 + 85" in nb


def test_residual_numbers():
    text = markdown()

    def res(k, x):
        L = k.layers
        y = L.ReLU()(L.BatchNormalization()(L.Conv2D(16, 3, padding="same", use_bias=False)(x)))
        y = L.BatchNormalization(gamma_initializer="zeros")(L.Conv2D(16, 3, padding="same", use_bias=False)(y))
        return L.ReLU()(L.Add()([x, y]))
    model = block(res, (8, 8, 16))
    convs = [l.count_params() for l in model.layers if type(l).__name__ == "Conv2D"]
    bns = [l.count_params() for l in model.layers if type(l).__name__ == "BatchNormalization"]
    assert convs == [2304, 2304] and bns == [64, 64] and model.count_params() == 4736
    assert ("3·3·16·16 = 2,304 weights each and the two BatchNormalizations 4·16 = 64 parameters each"
            in text and "4,736 in total" in text)


def test_cifar_row_layout():
    import numpy as np
    text = markdown()
    rows = np.arange(2 * 3072).reshape(2, 3072) % 256
    images = cnn.cifar_rows_to_images(rows)
    assert images.shape == (2, 32, 32, 3)
    assert images[0, 0, 1, 2] * 255 == rows[0, 2 * 1024 + 1] % 256
    assert "flat row of 3,072 bytes" in flat(text) and "`(N, 3, 32, 32)`" in text and 3 * 32 * 32 == 3072


def test_stated_point_totals_match_the_tests():
    text = markdown()
    names = ("build_mnist_cnn", "train_and_evaluate", "vgg_block", "inception_module", "residual_block")
    points = h.points_per_exercise(CH06, names)
    for i, fn in enumerate(names, start=1):
        assert f"### Exercise {i}: `{fn}` ({points[fn]:g} points)" in text, (fn, points[fn])


def test_only_train_and_evaluate_is_left_to_nbgrader():
    """The models the builders return are rebuilt and re-checked by the grader (issue 16);
    train_and_evaluate, judged by what training did to the model it is given, is not."""
    from autograder.cells import IN_KERNEL_ONLY
    for c in h.source_notebook(CH06).cells:
        if h.meta(c).get("grade"):
            lines = c.source.splitlines()
            end = next(i for i, l in enumerate(lines) if l.rstrip().endswith('"""'))
            marked = lines[end + 1] == IN_KERNEL_ONLY
            assert marked == h.meta(c)["grade_id"].startswith("test_train_and_evaluate_"), \
                h.meta(c)["grade_id"]
        if h.meta(c).get("grade_id") == "setup":
            assert "tensorflow" not in c.source and "keras" not in c.source


def test_training_run_writes_tensorboard_logs(tmp_path, monkeypatch):
    """What the notebook's training cell promises: runs/<chapter>/<date-time>/logs holds
    TensorBoard event files with the loss curve (read back with TensorBoard's own reader), and
    `make tensorboard` serves that runs folder."""
    import numpy as np
    from convlab.testing import keras
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    K = keras()
    monkeypatch.setenv("CONVLAB_RUNS", str(tmp_path / "runs"))
    first, second = cnn.run_folder("06_cnn_classifier"), cnn.run_folder("06_cnn_classifier")
    assert first != second and first.parent == second.parent == tmp_path / "runs" / "06_cnn_classifier"
    model = K.Sequential([K.Input((4,)), K.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(64, 4)), rng.integers(0, 2, 64), epochs=2, verbose=0,
              validation_split=0.25, callbacks=[K.callbacks.TensorBoard(str(first / "logs"))])
    events = sorted((first / "logs" / "train").glob("events.out.tfevents.*"))
    assert events
    acc = EventAccumulator(str(first / "logs" / "train")).Reload()
    tags = acc.Tags()
    assert "epoch_loss" in tags["tensors"] + tags["scalars"], tags
    assert len(acc.Tensors("epoch_loss") if "epoch_loss" in tags["tensors"]
               else acc.Scalars("epoch_loss")) == 2
    monkeypatch.delenv("CONVLAB_RUNS")
    assert cnn.runs_root() == REPO / "runs"
    assert "--logdir runs" in (REPO / "Makefile").read_text()


# --- issue 17: definitions, the errata box, the symmetry argument, plain versus residual --------
def flat(text):
    """The text with every run of white space as one space (claims may wrap anywhere)."""
    return " ".join(text.split())


def test_cross_entropy_is_defined_with_a_line_of_code_that_matches_keras():
    import re
    import numpy as np
    text = markdown()
    assert "L = -\\sum_{k=0}^{9} t_k \\log p_k = -\\log p_y" in text
    line = re.search(r"`(-np\.mean\(np\.log\(p\[np\.arange\(len\(y\)\), y\]\)\))`", text).group(1)
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(7, 10))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 10, 7)
    expected = float(np.mean(keras().losses.sparse_categorical_crossentropy(y, p)))
    assert np.isclose(eval(line, {"np": np, "p": p, "y": y}), expected, rtol=1e-5)
    assert np.isclose(cnn.cross_entropy(p, y), expected, rtol=1e-5)
    one_hot = cnn.one_hot(y)
    assert np.isclose(float(np.mean(keras().losses.categorical_crossentropy(one_hot, p))), expected,
                      rtol=1e-6), "sparse and one-hot cross-entropy give the same number"
    # chapters 3 and 4 define ReLU, softmax, dropout and the initialisers this chapter uses
    assert "chapter 3" in flat(text) and "Glorot uniform, chapter 4" in flat(text)


def test_errata_mnist_tutorial_optimizer_loss_and_keep_prob():
    import math
    import numpy as np
    from convlab.testing import tensorflow
    tf, k = tensorflow(), keras()
    text = flat(markdown())
    assert "## 6. Errata for the source article" in markdown()
    assert not hasattr(tf.compat.v1.train, "DradientDescentOptimizer")
    assert hasattr(tf.compat.v1.train, "GradientDescentOptimizer") and hasattr(k.optimizers, "SGD")
    right = cnn.tutorial_loss_versus_logits([[0.0, 200.0, 0.0]], [1])
    wrong = cnn.tutorial_loss_versus_logits([[200.0, 0.0, 0.0]], [1])
    assert math.isnan(right.tutorial) and math.isnan(wrong.tutorial)
    assert right.from_logits == 0.0 and np.isclose(wrong.from_logits, 200.0)
    assert np.isclose(wrong.keras_probabilities, -math.log(1e-7), rtol=1e-3)
    assert f"-log(1e-7) ≈ {-math.log(1e-7):.1f}" in text and "for a confidently right prediction too" in text
    kept, scale = cnn.dropout_kept(0.2)
    assert abs(kept - 0.8) < 0.01 and np.isclose(scale, 1 / 0.8)
    assert "`keep_prob = 0.8` is `Dropout(0.2)`, which keeps about 80% of the values and scales them by 1 / 0.8 = 1.25" in text


def test_errata_autoencoder_guide_inception_and_cifar():
    text = flat(markdown())
    with_reductions, without = cnn.inception_parameters(), cnn.inception_parameters(reductions=False)
    assert (with_reductions, without) == (163696, 393472)
    assert f"{fmt(with_reductions)} parameters instead of {fmt(without)} without the reductions" in text
    assert "**1x1 convolutions before the 3x3 and 5x5 convolutions**" in text
    classes, per_class, train, test = 10, 6000, 50000, 10000
    assert classes * per_class == train + test == 60000
    assert ("CIFAR-10 has **60,000** images (10 classes of 6,000; 50,000 for training, 10,000 for "
            "testing)") in text


def test_errata_cifar_counts_when_downloaded():
    import numpy as np
    import pytest
    data = cnn.load_cifar10(verbose=False)
    if data is None:
        pytest.skip("CIFAR-10 not downloaded (the counts are checked against its archive then)")
    assert len(data.x_train) == 50000 and len(data.x_test) == 10000
    counts = np.bincount(np.concatenate([data.y_train, data.y_test]))
    assert counts.tolist() == [6000] * 10


def test_symmetry_argument_and_the_three_runs():
    """Section 3: ReLU's slope at 0 is 0 in TensorFlow; zero filters under ReLU get exactly no
    gradient (nor does the dense layer above), and the model predicts one class; zero filters
    under tanh, below a random dense layer, get different gradients and learn; Glorot learns."""
    import numpy as np
    from convlab.testing import tensorflow
    tf = tensorflow()
    z = tf.constant([0.0, -1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = tf.reduce_sum(tf.nn.relu(z))
    assert tape.gradient(out, z).numpy().tolist() == [0.0, 0.0, 1.0]
    text = flat(markdown())
    assert "TensorFlow takes the derivative at 0 to be 0" in text
    digits = cnn.digits_data()
    dead = cnn.symmetry_experiment(digits, "zeros", epochs=1, activation="relu")
    assert dead.gradient_norm == 0 and dead.filter_spread == 0 and np.all(dead.filters == 0)
    assert dead.dense_change == 0 and dead.classes_predicted == 1
    assert "the dense weights do not move, and the network predicts one class for every image" in text
    tanh = cnn.symmetry_experiment(digits, "zeros", epochs=1, activation="tanh")
    assert tanh.gradient_spread > 0 and tanh.filter_spread > 0
    assert tanh.classes_predicted == 10 and tanh.accuracy > 0.5
    glorot = cnn.symmetry_experiment(digits, "glorot_uniform", epochs=1, activation="relu")
    assert glorot.filter_spread > 0 and glorot.accuracy > 0.5
    assert "With zero filters and tanh the same start learns" in text


def test_glorot_and_relu_halve_the_mean_square():
    """Section 5: Glorot uniform on a 3x3 convolution from 8 to 8 channels has variance
    2 / (fan_in + fan_out) = 1 / fan_in, so a ReLU layer halves the mean square of the signal
    (away from the borders)."""
    import numpy as np
    k = keras()
    k.utils.set_random_seed(3)
    fan = 3 * 3 * 8
    assert np.isclose(2 / (fan + fan), 1 / fan)
    x = np.maximum(np.random.default_rng(3).normal(size=(16, 40, 40, 8)), 0).astype(np.float32)
    ratios = []
    for _ in range(5):
        conv = k.layers.Conv2D(8, 3, padding="valid", activation="relu")
        y = np.asarray(conv(x))
        ratios.append(np.mean(y ** 2) / np.mean(x ** 2))
    assert 0.35 < np.mean(ratios) < 0.65, ratios
    assert "variance 1/fan_in here, chapter 4" in flat(markdown())


def test_plain_and_residual_stacks_as_the_text_says():
    import math
    depth = cnn.depth_experiment(cnn.digits_8x8(), blocks=6, epochs=4, seed=0)
    text = flat(markdown())
    assert depth.layers == 13 and depth.parameters["plain"] == depth.parameters["residual"]
    assert "6 blocks of two 3x3 convolutions (8 filters, `SAME`)" in text
    assert "13 convolutions and the same parameters in both" in text
    plain, residual = depth.loss["plain"], depth.loss["residual"]
    assert len(plain) == len(residual) == 4
    assert residual[-1] < plain[-1], (plain, residual)
    assert all(abs(v - math.log(10)) < 0.02 for v in plain), plain
    assert f"ln 10 ≈ {math.log(10):.2f}" in text
    assert "the residual stack's training loss falls below the plain stack's within the 4 epochs" in text
    assert 100 <= 1 / depth.signal["plain"] < 1000, depth.signal
    assert "start hundreds of times weaker than its stem's" in text
    assert 0.5 < depth.signal["residual"] < 5, depth.signal


def test_widget_text_matches_the_widget_defaults():
    import inspect
    from convlab.ch06_cnn_classifier.widgets import CNNExplorer
    defaults = {n: p.default for n, p in inspect.signature(CNNExplorer).parameters.items()}
    text = flat(markdown())
    assert defaults["gallery"] == 30 and "its slider: the first 30 of the test set" in text
    assert defaults["max_maps"] == 8 and "(the first eight channels of each)" in text
    assert "**Your task:** find a digit the network gets wrong, and the feature map that explains it" in text

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
    assert "flat\nrow of 3,072 bytes" in text and "`(N, 3, 32, 32)`" in text and 3 * 32 * 32 == 3072


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

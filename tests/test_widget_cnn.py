"""Chapter 6's widget: its pure compute (convlab.cnn), and its callbacks driven from Python."""
import numpy as np
import pytest

from convlab import cnn
from convlab.testing import keras
from convlab.widgets import CNNExplorer


@pytest.fixture(scope="module")
def data():
    return cnn.digits_data(limit=120)


def small_model(seed=0):
    k = keras()
    k.utils.set_random_seed(seed)
    return k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(4, 3, activation="relu"),
                         k.layers.MaxPooling2D(2), k.layers.Conv2D(6, 3, activation="relu"),
                         k.layers.Flatten(), k.layers.Dense(10, activation="softmax")])


def test_digits_are_28x28_and_labelled(data):
    x, y = cnn.digits_28()
    assert x.shape == (1797, 28, 28, 1) and x.dtype == np.float32 and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 1 and np.all(x[:, :2] == 0)
    assert data.x_train.shape[0] + data.x_test.shape[0] == 120
    assert data.source == cnn.DIGITS_SOURCE


def test_load_data_falls_back_to_the_digits_and_says_so(capsys, monkeypatch):
    import sys
    import types
    fake = types.ModuleType("data_scripts")
    fake.cached_path = lambda name: (_ for _ in ()).throw(FileNotFoundError(name))
    monkeypatch.setitem(sys.modules, "data_scripts", fake)
    d = cnn.load_data()
    out = capsys.readouterr().out
    assert "scikit-learn digits upsampled to 28x28 (MNIST not downloaded: run `python -m data_scripts fetch mnist`)" in out
    assert d.title in out and len(d.x_test) == 359


def test_load_data_uses_mnist_when_cached(tmp_path, monkeypatch):
    import sys
    import types
    rng = np.random.default_rng(0)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), y_train=np.arange(20) % 10,
             x_test=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), y_test=np.arange(5))
    fake = types.ModuleType("data_scripts")
    fake.cached_path = lambda name: path
    monkeypatch.setitem(sys.modules, "data_scripts", fake)
    d = cnn.load_data(verbose=False)
    assert d.source == "MNIST" and d.note == "" and d.x_train.shape == (20, 28, 28, 1)
    assert d.x_train.max() <= 1.0


def test_cifar_rows_and_one_hot():
    rows = np.arange(3072)[None] % 256
    img = cnn.cifar_rows_to_images(rows)
    assert img.shape == (1, 32, 32, 3)
    assert img[0, 0, 0, 1] * 255 == 1024 % 256 and img[0, 0, 1, 0] * 255 == 1
    with pytest.raises(ValueError, match="3072"):
        cnn.cifar_rows_to_images(np.zeros((2, 100)))
    assert cnn.one_hot([2, 0], 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert cnn.confusion_matrix([0, 1, 1], [0, 1, 0], 2).tolist() == [[1, 0], [1, 1]]


def test_inspect_and_resolve_model(data):
    model = small_model()
    found = cnn.inspect(model, data.x_test[0])
    assert found.probabilities.shape == (10,) and np.isclose(found.probabilities.sum(), 1, atol=1e-5)
    assert [m.shape for _, m in found.maps] == [(26, 26, 4), (11, 11, 6)]
    expected = np.asarray(model(data.x_test[:1]))[0]
    assert np.allclose(found.probabilities, expected, atol=1e-6)
    assert cnn.resolve_model(model) == (model, None)

    def build_mnist_cnn():
        raise NotImplementedError()
    assert "build_mnist_cnn is not implemented yet" in cnn.resolve_model(build_mnist_cnn)[1]
    assert "forget `return`" in cnn.resolve_model(lambda: None)[1]
    k = keras()
    wrong = k.Sequential([k.Input((28, 28, 1)), k.layers.Flatten(), k.layers.Dense(3)])
    assert "expected (None, 10)" in cnn.resolve_model(wrong)[1]
    assert "No model given" in cnn.resolve_model(None)[1]


def test_symmetry_experiment_zero_filters_never_learn(data):
    zero = cnn.symmetry_experiment(data, "zeros", epochs=1, filters=4)
    rand = cnn.symmetry_experiment(data, "glorot_uniform", epochs=1, filters=4)
    assert zero.filter_spread == 0 and zero.gradient_spread == 0 and zero.gradient_norm == 0
    assert np.all(zero.filters == 0)
    assert rand.filter_spread > 0.05 and rand.gradient_norm > 0


# --- the view, driven as a person would, from Python -----------------------------------------
def test_widget_asks_for_the_prediction_before_showing_it(data):
    from convlab.widgets.predict import SESSION
    model = small_model()
    w = CNNExplorer(model, data)
    predicted = np.asarray(model(data.x_test)).argmax(axis=1)     # independently of the widget
    assert len(data.x_test) <= 30 and w.gallery == list(range(len(data.x_test)))   # all of them
    assert w.wrong == [i for i in w.gallery if predicted[i] != data.y_test[i]] and w.wrong
    q = w.canvas.question
    assert q.text == "Which class will the network predict for test image 0?"
    assert q.answer == str(predicted[0]) and q.choices == [str(c) for c in range(10)]
    assert {h["panel"] for h in q.hide} == {"probs"} and len(q.hide) == 10
    assert "data-q='pred'" in w.canvas.frame["html"] and f"true class {data.y_test[0]}" in w.canvas.frame["html"]
    assert np.allclose(w.canvas.frame["grids"]["probs"][0], np.asarray(model(data.x_test[:1]))[0], atol=1e-5)
    assert "<b>Task:</b> find a test image the network gets wrong" in w.status
    assert f"({len(w.wrong)} of the {len(w.gallery)} on the slider are)" in w.status
    SESSION.reset()
    wrong_choice = str((predicted[0] + 1) % 10)
    verdict = w.canvas.submit(wrong_choice)
    assert verdict.right is False and f"it is {predicted[0]}" in verdict.html
    assert SESSION.as_dict() == {"right": 0, "asked": 1} and w.canvas.question is None
    w.canvas.move(image=1)
    assert w.canvas.question.text.endswith("test image 1?")
    assert w.canvas.submit(str(predicted[1])).right is True
    assert SESSION.as_dict() == {"right": 1, "asked": 2} and w.canvas.score == SESSION.as_dict()


def test_widget_task_counts_the_wrong_digits_found(data):
    w = CNNExplorer(small_model(), data)
    first_wrong = w.wrong[0]
    w.canvas.move(image=w.gallery.index(first_wrong))
    assert w.found == []                       # not before its class has been predicted
    w.canvas.submit(w.canvas.question.answer)
    assert w.found == [first_wrong] and f"Found 1 of {len(w.wrong)}" in w.status
    assert f"#{first_wrong}" in w.status
    right = next(i for i in w.gallery if i not in w.wrong) if len(w.wrong) < len(w.gallery) else None
    if right is not None:
        w.canvas.move(image=w.gallery.index(right))
        w.canvas.submit(w.canvas.question.answer)
        assert w.found == [first_wrong]


def test_gallery_adds_wrong_images_when_few_are_among_the_first():
    from convlab.ch06_cnn_classifier.widgets import EXTRA_WRONG, gallery_indices
    labels = np.arange(100) % 10
    predicted = labels.copy()
    predicted[[50, 60, 70]] = 9                  # true class 0: wrong
    assert gallery_indices(predicted, labels, 10, 0) == list(range(10)) + [50, 60, 70]
    predicted[[1, 2, 3]] = 0                     # true classes 1, 2, 3: wrong
    assert gallery_indices(predicted, labels, 10, 42) == list(range(10)) + [42]
    assert gallery_indices(None, labels, 5, 7) == [0, 1, 2, 3, 4, 7]
    assert EXTRA_WRONG >= 3


def test_widget_updates_on_every_control(data):
    w = CNNExplorer(small_model(), data)
    assert w.figure.value[:4] == b"\x89PNG"
    before = w.figure.value
    w.canvas.move(image=3)
    assert w.figure.value != before and w.current == 3
    assert [m.shape for _, m in w.inspection.maps] == [(26, 26, 4), (11, 11, 6)]
    before = w.figure.value
    w.view.value = "filters"
    assert w.figure.value != before and "4 filters of 3x3x1" in w.status


def test_widget_takes_the_students_builder(data):
    w = CNNExplorer(small_model, data)
    assert "Task" in w.status and w.canvas.question is not None

    def build_mnist_cnn():
        raise NotImplementedError()
    w = CNNExplorer(build_mnist_cnn, data)
    assert "No model to show" in w.status and "build_mnist_cnn is not implemented yet" in w.status
    assert w.figure.value[:4] == b"\x89PNG" and w.canvas.question is None   # images still shown
    w.canvas.move(image=2)
    assert "not implemented yet" in w.status
    k = keras()
    wrong = lambda: k.Sequential([k.Input((28, 28, 1)), k.layers.Flatten(), k.layers.Dense(4)])
    assert "output shape" in CNNExplorer(wrong, data).status
    assert "No model given" in CNNExplorer(None, data).status


def test_widget_callback_errors_are_shown(data, monkeypatch):
    w = CNNExplorer(small_model(), data)
    monkeypatch.setattr("convlab.ch06_cnn_classifier.figures.feature_maps_figure",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    w.canvas.move(image=1)
    assert "widget error" in w.status and "boom" in w.status


def test_widget_bad_arguments(data):
    with pytest.raises(ValueError, match="model must be"):
        CNNExplorer(3, data)
    with pytest.raises(ValueError, match="data must be"):
        CNNExplorer(small_model(), data={"x": 1})
    with pytest.raises(ValueError, match="view must be"):
        CNNExplorer(small_model(), data, view="maps")
    with pytest.raises(ValueError, match="index must be"):
        CNNExplorer(small_model(), data, index=10_000)
    with pytest.raises(ValueError, match="gallery"):
        CNNExplorer(small_model(), data, gallery=0)

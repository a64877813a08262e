"""Student-facing helpers reject bad input with clear messages, and the test-cell checks say
what is wrong."""
import numpy as np
import pytest

from convlab import data, kernels, testing, validate


@pytest.mark.parametrize("value, kwargs, phrase", [
    ("abc", {"ndim": 2}, "image must be a numeric array (H, W); got str"),
    (None, {}, "got NoneType"),
    ([[1, 2], [3]], {}, "could not convert"),
    (np.ones((2, 3, 4)), {"ndim": 2}, "must be a 2-D array (H, W); got a 3-D array of shape (2, 3, 4)"),
    (np.ones((0, 3)), {"ndim": 2}, "must not be empty"),
    (np.array(["a", "b"]), {}, "dtype <U1"),
    (np.ones(3) * 1j, {}, "real-valued"),
])
def test_validate_array_messages(value, kwargs, phrase):
    with pytest.raises(ValueError) as info:
        validate.array(value, "image", layout="(H, W)", **kwargs)
    assert phrase in str(info.value)


def test_validate_array_accepts_lists_and_ints():
    a = validate.array([[1, 2], [3, 4]], "x", ndim=2)
    assert a.dtype == np.float64 and a.shape == (2, 2)


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "3", None])
def test_positive_int_rejects(value):
    with pytest.raises(ValueError, match="kh must be a positive integer"):
        validate.positive_int(value, "kh")


def test_positive_int_accepts_numpy_ints():
    assert validate.positive_int(np.int64(3), "kh") == 3


def test_data_and_kernels_reject_unknown_names():
    with pytest.raises(ValueError, match="choose one of: grid, digit, photo"):
        data.sample_image("cat")
    with pytest.raises(ValueError, match=r"index must be an integer in \[0, 1797\)"):
        data.sample_image("digit", index=5000)
    with pytest.raises(ValueError, match="size must be an integer width"):
        data.sample_image("photo", size=2)
    with pytest.raises(ValueError, match="unknown kernel 'emboss'; choose one of"):
        kernels.get("emboss")
    with pytest.raises(ValueError, match="one shape"):
        kernels.bank(["sharpen", "Gaussian blur 5x5"])


def test_sample_images_are_real_and_labelled():
    digit = data.sample_image("digit", index=3)
    assert digit.image.shape == (8, 8) and 0 <= digit.image.min() and digit.image.max() <= 1
    assert "digit 3" in digit.title and not digit.synthetic
    photo = data.sample_image("photo", size=40)
    assert photo.image.shape == (27, 40) and not photo.synthetic
    assert kernels.bank().shape[:3] == (3, 3, 1)


def test_assert_allclose_locates_the_difference_and_names_the_mistake():
    x = np.arange(6.0).reshape(2, 3)
    wrong = x.copy()
    wrong[1, 2] = 100
    with pytest.raises(AssertionError) as info:
        testing.assert_allclose(wrong, x, "f(x)")
    msg = str(info.value)
    assert "1 of 6 values differ" in msg and "(1, 2)" in msg and "you return 100" in msg
    with pytest.raises(AssertionError, match="Likely cause: doubled"):
        testing.assert_allclose(2 * x, x, "f(x)", mistakes=[("halved", lambda: x / 2),
                                                            ("doubled", lambda: 2 * x)])
    with pytest.raises(AssertionError, match=r"returned shape \(3, 2\); TensorFlow gives \(2, 3\)"):
        testing.assert_allclose(x.T, x, "f(x)")
    with pytest.raises(AssertionError, match="forget `return`"):
        testing.assert_allclose(None, x, "f(x)")
    with pytest.raises(AssertionError, match="differ"):
        testing.assert_allclose(np.full((2, 3), np.nan), x, "f(x)")
    testing.assert_allclose(x + 1e-12, x, "f(x)")


def test_call_protects_inputs_and_explains_errors():
    def mutating(a):
        a[0] = 99
        return a
    x = np.zeros(3)
    testing.call(mutating, x)
    assert x[0] == 0, "call must pass copies"

    def broken(a):
        return a[10]
    with pytest.raises(AssertionError) as info:
        testing.call(broken, x)
    assert "IndexError" in str(info.value) and "return a[10]" in str(info.value)

    def noisy(a):
        import sys
        import warnings
        warnings.warn("careful")
        print("debug", file=sys.stderr)
        return a
    testing.call(noisy, x)  # neither the warning nor stderr escapes


def test_assert_raises_value_error_messages():
    def good(x):
        raise ValueError("image must be 2-D")
    testing.assert_raises_value_error(good, 1, mentions="image")
    with pytest.raises(AssertionError, match="should name 'kernel'"):
        testing.assert_raises_value_error(good, 1, mentions="kernel")
    with pytest.raises(AssertionError, match="returned normally"):
        testing.assert_raises_value_error(lambda x: x, 1)
    with pytest.raises(AssertionError, match="raised IndexError"):
        testing.assert_raises_value_error(lambda x: [][x], 1)
    with pytest.raises(AssertionError, match="empty message"):
        testing.assert_raises_value_error(lambda x: (_ for _ in ()).throw(ValueError()), 1)


def test_assert_int_equal():
    testing.assert_int_equal(np.int64(832), 832, "n")
    with pytest.raises(AssertionError, match="must return an int"):
        testing.assert_int_equal(832.0, 832, "n")
    with pytest.raises(AssertionError, match="returned 800; Keras gives 832"):
        testing.assert_int_equal(800, 832, "n")


def test_tensorflow_import_is_silent():
    """TensorFlow's C++ start-up logs would land in (and, under nbgrader, zero) a test cell."""
    import subprocess
    import sys
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "from convlab.testing import tensorflow; print(tensorflow().__version__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout.startswith("2.")
    assert proc.stderr == "", proc.stderr
    raw = subprocess.run([sys.executable, "-c", "import tensorflow as tf; tf.constant(0.0).numpy()"],
                         capture_output=True, text=True, env=env)
    assert raw.stderr, "plain `import tensorflow` is expected to log to stderr (else this test is moot)"

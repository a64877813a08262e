"""Values cross the sandbox boundary unchanged (issue 14).

The trusted re-check (autograder/recheck.py) calls the student's functions in a sandbox process
(autograder/sandbox.py): arguments go there as a pickle from the grader, results come back as plain
data (autograder.protocol: encode -> JSON -> decode). A result must reach the test
with the type, dtype and shape it had in the student's code, or correct work loses points: a NumPy
scalar used to arrive as a 1-element array ("must return an int; got ndarray array([125])").
"""
import io
import json

import nbformat
import numpy as np
import pytest

import attacks as A
import nbharness as h
from autograder import protocol
from autograder.feedback import show_cell_errors
from autograder.paths import REPO
from autograder.protocol import decode, encode
from autograder.recheck import Sandbox, verify

# name -> an expression building the value; evaluated here and, separately, inside the sandbox
CASES = {
    "int": "125",
    "big int": "2**80 + 1",
    "negative int": "-7",
    "float": "0.1",
    "float nan": "float('nan')",
    "float inf": "float('-inf')",
    "bool": "True",
    "complex": "complex(1.5, -2.0)",
    "None": "None",
    "str": "'VALID'",
    "empty str": "''",
    "np.int64": "np.int64(125)",
    "np.int64 arithmetic": "np.int64(3) * 5 * 5 + 5",
    "np.prod": "np.prod((28, 28, 32))",
    "np.int8": "np.int8(-3)",
    "np.uint64 big": "np.uint64(2**63 + 5)",
    "np.int32": "np.int32(6)",
    "np.float64": "np.float64(2.5)",
    "np.float32": "np.float32(1 / 3)",
    "np.float16": "np.float16(0.1)",
    "np.longdouble": "np.longdouble(1) / 3",
    "np.complex64": "np.complex64(1 + 2j)",
    "np.complex128": "np.complex128(-1j)",
    "np.bool_": "np.bool_(False)",
    "np.str_": "np.str_('SAME')",
    "np.mean result": "np.mean(np.arange(4.0))",
    "0-d float array": "np.array(3.5)",
    "0-d int32 array": "np.array(7, dtype=np.int32)",
    "0-d bool array": "np.array(True)",
    "float64 array": "np.linspace(-1, 1, 12).reshape(3, 4)",
    "float32 4-d": "np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) / 7",
    "float16 array": "np.arange(5, dtype=np.float16) / 3",
    "int8 array": "np.arange(-4, 4, dtype=np.int8)",
    "uint8 array": "np.arange(250, 256, dtype=np.uint8)",
    "int16 array": "np.arange(6, dtype=np.int16)",
    "int32 array": "np.arange(6, dtype=np.int32).reshape(2, 3)",
    "int64 array": "np.arange(6, dtype=np.int64)",
    "uint16 array": "np.arange(6, dtype=np.uint16)",
    "uint32 array": "np.arange(6, dtype=np.uint32)",
    "uint64 array": "np.array([0, 2**64 - 1], dtype=np.uint64)",
    "bool array": "np.arange(6).reshape(2, 3) % 2 == 0",
    "complex64 array": "(np.arange(4) + 1j).astype(np.complex64)",
    "complex128 array": "np.arange(4) * (1 - 1j)",
    "longdouble array": "np.arange(3, dtype=np.longdouble) / 3",
    "big-endian array": "np.arange(6, dtype='>i4').reshape(2, 3)",
    "nan and inf": "np.array([np.nan, np.inf, -np.inf, -0.0])",
    "non-contiguous slice": "np.arange(40.0).reshape(5, 8)[::2, 1::3]",
    "transposed": "np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1)",
    "Fortran order": "np.asfortranarray(np.arange(12.0).reshape(3, 4))",
    "negative strides": "np.arange(10)[::-1]",
    "broadcast view": "np.broadcast_to(np.arange(3.0), (4, 3))",
    "empty 1-d": "np.array([])",
    "empty (0, 3) int": "np.zeros((0, 3), dtype=np.int64)",
    "empty (2, 0, 5)": "np.ones((2, 0, 5), dtype=np.float32)",
    "tuple of ints": "(28, 28, 32)",
    "tuple of np.int64": "(np.int64(14), np.int64(14), 32)",
    "empty tuple": "()",
    "1-tuple": "(np.prod((7, 7, 64)),)",
    "list": "[1, 2.5, 'x', None]",
    "empty list": "[]",
    "list of (shape, params)": "[((24, 24, 32), np.int64(832)), ((3136,), 0)]",
    "nested": "([np.array(1.0), (np.float32(2), [None, True])], {'a': (1, np.int8(2))})",
    "dict": "{'mean': np.float64(0.5), 'var': np.ones(3), 3: 'three', (1, 2): None}",
    "set": "{1, 2, 3}",
    "frozenset": "frozenset({'a', 'b'})",
    "tuple of arrays": "(np.zeros((2, 2)), np.ones(3, dtype=np.float32))",
}


def build(expr):
    return eval(expr, {"np": np})


def assert_same(got, want, path="value"):
    """Same type, and for arrays and NumPy scalars same dtype and shape, and the same values
    (NaN equal to NaN), recursively through containers."""
    assert type(got) is type(want), f"{path}: {type(got).__name__} instead of {type(want).__name__}"
    if isinstance(want, (np.ndarray, np.generic)):
        assert got.dtype == want.dtype, f"{path}: dtype {got.dtype} instead of {want.dtype}"
        assert got.shape == want.shape, f"{path}: shape {got.shape} instead of {want.shape}"
        nan_ok = want.dtype.kind in "fc"
        assert np.array_equal(got, want, equal_nan=nan_ok), f"{path}: {got!r} != {want!r}"
        if isinstance(want, np.ndarray) and want.ndim > 1:
            assert np.isfortran(got) == np.isfortran(want), f"{path}: memory order changed"
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{path}: length {len(got)} instead of {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]")
    elif isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys {list(got)} instead of {list(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{path}[{k!r}]")
    elif isinstance(want, float) and want != want:
        assert got != got, f"{path}: {got!r} instead of nan"
    else:
        assert got == want and repr(got) == repr(want), f"{path}: {got!r} != {want!r}"


def test_assert_same_can_fail():
    for got, want in [(np.array([5]), np.int64(5)), (np.int32(5), np.int64(5)), (5, np.int64(5)),
                      (np.array(5.0), np.float64(5.0)), ((1, 2), [1, 2]), (np.zeros(3), np.ones(3)),
                      (np.ascontiguousarray(np.eye(2)[:, :1].T), np.asfortranarray(np.eye(2)))]:
        with pytest.raises(AssertionError):
            assert_same(got, want)


@pytest.mark.parametrize("name", list(CASES))
def test_round_trip_in_process(name):
    value = build(CASES[name])
    wire = json.dumps(encode(value))                   # what crosses the pipe
    assert_same(decode(json.loads(wire)), value)


def test_unsupported_values_are_named_not_faked():
    class Custom:
        pass
    for array in (np.array([object()]), np.array(["VALID", "SAME"]), np.zeros(2, "i4,f8")):
        with pytest.raises(TypeError, match="cannot be graded"):
            encode(array)
    assert repr(decode(json.loads(json.dumps(encode(Custom()))))).startswith("<a Custom object")


@pytest.mark.parametrize("wire", [
    {"t": "nd", "dtype": "<f8", "shape": [3], "b64": "AAAA"},                # too few bytes
    {"t": "nd", "dtype": "|O", "shape": [1], "b64": "AAAAAAAAAAA="},        # object dtype
    {"t": "npscalar", "dtype": "<i8", "shape": [1], "b64": "AQAAAAAAAAA="},  # not 0-d
    {"t": "plain", "v": 3},                                                  # not None/bool/str
])
def test_decode_refuses_malformed_data(wire):
    with pytest.raises(ValueError):
        decode(wire)


def test_frames_carry_payloads_and_refuse_oversized_replies():
    stream = io.BytesIO()
    for payload in (b"", b"{}", protocol.pack_reply({"ok": encode(np.arange(3))})):
        protocol.write_frame(stream, payload)
    stream.seek(0)
    assert protocol.read_frame(stream) == b""
    assert protocol.read_frame(stream) == b"{}"
    assert_same(decode(protocol.unpack_reply(protocol.read_frame(stream))["ok"]), np.arange(3))
    assert protocol.read_frame(stream) is None                       # end of the stream
    assert protocol.frame_size(protocol.HEADER.pack(protocol.MAX_REPLY)) == protocol.MAX_REPLY
    with pytest.raises(ValueError, match="oversized"):
        protocol.frame_size(protocol.HEADER.pack(protocol.MAX_REPLY + 1))


def test_calls_keep_their_arguments_byte_order_included():
    args = (np.arange(6, dtype=">i4").reshape(2, 3), 7)
    name, got_args, kwargs = protocol.unpack_call(protocol.pack_call("f", args, {"k": None}))
    assert (name, kwargs) == ("f", {"k": None})
    assert_same(got_args[0], args[0])
    assert got_args[1] == 7 and got_args[0].dtype.str == ">i4"


def test_nesting_deeper_than_the_limit_arrives_as_an_opaque_value():
    deep = []
    for _ in range(protocol.MAX_DEPTH + 5):
        deep = [deep]
    value = decode(json.loads(json.dumps(encode(deep))))
    inner = value
    for _ in range(protocol.MAX_DEPTH):
        inner = inner[0]
    assert isinstance(inner[0], protocol.Opaque)
    assert protocol.find_opaque(value) is inner[0]
    too_deep = {"t": "plain", "v": None}
    for _ in range(protocol.MAX_DEPTH + 2):
        too_deep = {"t": "list", "v": [too_deep]}
    with pytest.raises(ValueError, match="nested too deeply"):
        decode(too_deep)


def raised_remote(exc):
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        described = json.loads(json.dumps(protocol.describe_error(caught)))
    with pytest.raises(Exception) as got:
        protocol.raise_remote(described)
    return got.value


def test_errors_come_back_as_builtin_exceptions_with_their_own_name():
    class ShapeError(ValueError):
        pass

    class Hostile(Exception):
        def __str__(self):
            raise RuntimeError("no")

    got = raised_remote(ShapeError("wrong shape"))
    assert type(got) is ValueError and str(got) == "ShapeError: wrong shape"
    got = raised_remote(KeyError("k"))
    assert type(got) is KeyError
    got = raised_remote(SystemExit(3))
    assert type(got) is RuntimeError and str(got) == "the function called sys.exit(3)"
    got = raised_remote(Hostile())
    assert type(got) is RuntimeError and str(got) == "Hostile: <unprintable message>"
    reply = protocol.error_reply("TimeoutError", "f ran longer than 1 s")
    with pytest.raises(TimeoutError, match="f ran longer than 1 s"):
        protocol.raise_remote(reply["error"])


def test_the_policy_lists_are_convlab_policy_s():
    from convlab import policy
    assert protocol.BLOCKED == tuple(policy.FORBIDDEN_MODULES)
    assert protocol.is_blocked("tensorflow.nn") and not protocol.is_blocked("tensorflowx")
    assert all(protocol.is_blocked(m) == policy.is_forbidden(m)
               for m in ("scipy", "scipy.signal.windows", "sklearn", "numpy", "keras"))


# --- end to end: a real sandbox process --------------------------------------------------------
# how a value looks from where it is: run inside the sandbox and here
DESCRIBE = """
def describe(value):
    kind = type(value).__module__ + "." + type(value).__qualname__
    if isinstance(value, (np.ndarray, np.generic)):
        return kind, value.dtype.str, value.shape, np.isfortran(value) if value.ndim > 1 else None
    if isinstance(value, (list, tuple)):
        return kind, [describe(v) for v in value]
    if isinstance(value, dict):
        return kind, [(describe(k), describe(v)) for k, v in value.items()]
    if isinstance(value, (set, frozenset)):
        return kind, sorted(repr(v) for v in value)
    return kind, repr(value)
"""
SANDBOX_CELL = """
import numpy as np
CASES = {%s}

def make(name):
    return CASES[name]()

def echo(*args, **kwargs):
    return args, kwargs
""" % ", ".join(f"{name!r}: lambda: {expr}" for name, expr in CASES.items()) + DESCRIBE
_here = {"np": np}
exec(DESCRIBE, _here)
describe_here = _here["describe"]


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox([{"source": SANDBOX_CELL, "solution": True}], timeout=30)
    assert box.cell_errors == [], box.cell_errors
    yield box
    box.close()


def call(box, name, *args, **kwargs):
    reply = box.call(name, args, kwargs)
    assert "ok" in reply, reply
    return decode(reply["ok"])


def test_every_value_returned_from_the_sandbox_arrives_unchanged(sandbox):
    for name, expr in CASES.items():
        assert_same(call(sandbox, "make", name), build(expr), name)


def test_every_argument_arrives_in_the_sandbox_unchanged(sandbox):
    for name, expr in CASES.items():
        value = build(expr)
        # described inside the sandbox: what the student's function really received
        assert call(sandbox, "describe", value) == _json_like(describe_here(value)), name
        args, kwargs = call(sandbox, "echo", value, key=value)
        assert_same(args[0], value, name)
        assert_same(kwargs["key"], value, name)


def _json_like(description):
    """describe() results come back through the protocol: tuples stay tuples, lists lists."""
    return decode(json.loads(json.dumps(encode(description))))


# --- the cases students met: correct code returning NumPy scalars -------------------------------
NUMPY_SCALAR_SOLUTIONS = {
    "01_filter_sliding": ("conv_param_count", [
        ("return kh * kw * c_in * c_out + (c_out if use_bias else 0)",
         "return np.int64(kh) * kw * c_in * c_out + (c_out if use_bias else 0)")]),
    "02_stride_padding": ("conv_output_size", [
        ("return (i + 2 * int(p) - k_eff) // s + 1",
         "return (np.int64(i) + 2 * p - k_eff) // s + 1")]),
    "03_pooling_flatten": ("cnn_shapes", [
        ("shape, params = (int(np.prod(shape)),), 0", "shape, params = (np.prod(shape),), 0"),
        ("params = k * k * c * f + f", "params = np.prod((k, k, c, f)) + f")]),
}


@pytest.mark.parametrize("chapter", list(NUMPY_SCALAR_SOLUTIONS))
def test_reference_solution_returning_numpy_scalars_keeps_full_marks(chapter, tmp_path):
    fn, edits = NUMPY_SCALAR_SOLUTIONS[chapter]
    nb = A.honest_notebook(chapter)
    cell = A.cell_of(nb, fn)
    for old, new in edits:
        assert old in cell.source, f"{chapter}: the reference {fn} changed; update this test"
        cell.source = cell.source.replace(old, new)
    path = tmp_path / f"{chapter}.ipynb"
    nbformat.write(nb, path)
    verdicts = verify(REPO / "solutions" / chapter / f"{chapter}.ipynb", path, timeout=60)
    tested = [g for g in verdicts if g == f"test_{fn}" or g.startswith(f"test_{fn}_")]
    assert tested, verdicts
    failed = {g: v.message for g, v in verdicts.items() if not v.passed}
    assert not failed, failed


# --- errors while the grader runs the submission's cells ----------------------------------------
def broken_chapter1():
    """Chapter 1's reference solutions, with `import tensorflow` at the top of conv2d_single's
    cell (blocked in the grader, fine in the student's kernel) and a syntax error in
    conv_param_count's."""
    nb = A.honest_notebook("01_filter_sliding")
    single = A.cell_of(nb, "conv2d_single")
    single.source = "import tensorflow as tf\n" + single.source
    count = A.cell_of(nb, "conv_param_count")
    header = "def conv_param_count(kh, kw, c_in, c_out, use_bias=True):"
    assert header in count.source
    count.source = "import numpy as np\n" + count.source.replace(header, header[:-2] + ":")
    return nb


def test_cell_errors_name_the_cell_the_line_and_the_cause(tmp_path):
    path = tmp_path / "01_filter_sliding.ipynb"
    nbformat.write(broken_chapter1(), path)
    verdicts = verify(REPO / "solutions" / "01_filter_sliding" / "01_filter_sliding.ipynb",
                      path)
    errors = {e.grade_id: e for e in verdicts.cell_errors}
    assert set(errors) == {"conv2d_single", "conv_param_count"}, verdicts.cell_errors
    single, count = errors["conv2d_single"], errors["conv_param_count"]
    assert single.message.startswith(
        "solution cell `conv2d_single`, line 1 (`import tensorflow as tf`): ImportError: "
        "importing tensorflow is not allowed in graded solutions"), single.message
    assert count.message.startswith(
        "solution cell `conv_param_count`, line 2 (`def conv_param_count(kh, kw, c_in, c_out, "
        "use_bias=True:`): SyntaxError: "), count.message
    # every failing test says why its function is missing, and only the cause that concerns it
    for gid, v in verdicts.items():
        fn = ("conv_param_count" if "param_count" in gid else
              "conv2d_single" if "single" in gid else None)
        if fn is None:
            assert v.passed, (gid, v.message)
            continue
        assert not v.passed and "is not defined in the submission" in v.message, (gid, v.message)
        assert v.causes == [errors[fn].message], (gid, v.causes)
        assert errors[fn].message in v.message
    # a helper defined in a cell the student added, which failed: the tests that miss it say so
    nb = A.honest_notebook("01_filter_sliding")
    at = next(i for i, c in enumerate(nb.cells) if h.meta(c).get("grade_id") == "conv2d_single")
    nb.cells.insert(at, nbformat.v4.new_code_cell("import numpy as np\nimport torch\n"
                                                  "def flip(k):\n    return k[::-1, ::-1]"))
    single = A.cell_of(nb, "conv2d_single")
    single.source = single.source.replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\n    flip")
    nbformat.write(nb, path)
    verdicts = verify(REPO / "solutions" / "01_filter_sliding" / "01_filter_sliding.ipynb",
                      path)
    [added] = verdicts.cell_errors
    assert added.message.startswith(f"cell {at + 1} of the notebook, line 2 (`import torch`): "
                                    f"ImportError: importing torch is not allowed"), added.message
    failed = {g: v for g, v in verdicts.items() if not v.passed}
    assert failed and all(v.causes == [added.message] for v in failed.values()), failed
    assert all(g.startswith("test_conv2d_single") for g in failed), failed


def test_cell_errors_appear_under_their_cells_in_the_graded_notebook(tmp_path):
    """What the feedback shows: the error under the cell it came from (feedback.show_cell_errors,
    used on nbgrader's autograded notebook), unless nbgrader's own run shows an error there."""
    path = tmp_path / "01_filter_sliding.ipynb"
    nb = broken_chapter1()
    nbformat.write(nb, path)
    verdicts = verify(REPO / "solutions" / "01_filter_sliding" / "01_filter_sliding.ipynb",
                      path)
    graded = json.loads(path.read_text())
    count = next(c for c in graded["cells"]
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "conv_param_count")
    count["outputs"] = [{"output_type": "error", "ename": "SyntaxError", "evalue": "invalid syntax",
                         "traceback": []}]          # as the student's kernel showed it
    assert show_cell_errors(graded, verdicts.cell_errors)
    shown = {c["metadata"]["nbgrader"]["grade_id"]: [o for o in c.get("outputs", [])
                                                     if o.get("ename") == "GraderCellError"]
             for c in graded["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert [o["evalue"] for o in shown["conv2d_single"]] == [
        next(e.message for e in verdicts.cell_errors if e.grade_id == "conv2d_single")]
    assert not shown["conv_param_count"] and not shown["conv2d_multi"]

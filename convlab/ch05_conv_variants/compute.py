"""Chapter 5: helpers for the convolution variants, and the pure computations behind its widgets.

    conv2d(images, filters, stride=1, padding="VALID")    a given, vectorised conv2d (chapter 2's)
    pad_like_tf(images, kh, kw, stride, padding)          zeros as TensorFlow pads VALID / SAME
    transpose_output_size(i, k, s, padding, a=0)          rows of a transposed convolution
    overlap_counts(i, k, s)                               how many kernel footprints cover a cell
    run_transpose_fn(fn, i, k, s)                         a (student's) conv2d_transpose on ones,
                                                          or a message saying why not
    scatter_steps(i, k, s)                                the counts after each input pixel has
                                                          scattered its footprint (reference)
    run_scatter_steps(fn, i, k, s)                        the same from a (student's)
                                                          conv2d_transpose, in one call
    effective_size(k, d)                                  k + (k - 1)(d - 1)
    dilate_kernel(kernel, d)                              d - 1 zeros between the taps (reference)
    dilation_geometry(i, k, d)                            spans, receptive fields, output sizes
    tap_kernel(k)                                         a k x k kernel numbered 1 .. k*k
    run_dilate_fn(fn, k, d)                               a (student's) dilate_kernel on it
    stacked_reach(kernel, layers)                         which input cells one output of 1, 2, ...
                                                          stacked layers reads (the gridding)
    param_count(kind, k, c_in, c_out, groups, multiplier, use_bias)   Keras' count (reference)
    layer_costs(c_in, c_out, k, groups, multiplier, size, use_bias)    parameters and multiply-adds
                                                          of every kind, for one setting
    run_param_fn(fn, cost)                                a (student's) param_count for one kind
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from convlab import studentfn, validate
from convlab.i18n import N_, _
from convlab.ch02_stride_padding.compute import same_padding

__all__ = ["conv2d", "pad_like_tf", "transpose_output_size", "overlap_counts",
           "run_transpose_fn", "scatter_steps", "run_scatter_steps", "effective_size", "dilate_kernel",
           "DilationGeometry", "dilation_geometry", "tap_kernel", "run_dilate_fn", "stacked_reach", "KINDS",
           "param_count", "LayerCost", "layer_costs", "run_param_fn"]


def pad_like_tf(images, kh: int, kw: int, stride: int = 1, padding: str = "VALID",
                dilation: int = 1) -> np.ndarray:
    """``images`` (N, H, W, C) padded with zeros as TensorFlow pads for a (kh, kw) kernel:
    nothing for "VALID"; for "SAME" the extra row/column goes at the bottom/right."""
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    validate.require(isinstance(padding, str) and padding.upper() in ("VALID", "SAME"),
                     _('padding must be "VALID" or "SAME"; got {padding!r}').format(padding=padding))
    if padding.upper() == "VALID":
        return images
    s = validate.positive_int(stride, "stride")
    (t, b), (l, r) = (same_padding(images.shape[1], kh, s, dilation),
                      same_padding(images.shape[2], kw, s, dilation))
    return np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)))


def conv2d(images, filters, stride: int = 1, padding: str = "VALID") -> np.ndarray:
    """The vectorised conv2d of chapter 2 (no bias): images (N, H, W, C), filters (kh, kw, C, F),
    an int stride, padding "VALID" or "SAME" as TensorFlow pads. Returns (N, oh, ow, F)."""
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    filters = validate.array(filters, "filters", ndim=4, layout="(kh, kw, C, F)")
    kh, kw, c_in = filters.shape[:3]
    validate.require(c_in == images.shape[3],
                     _("filters have {filters} input channels but images have {images}; they "
                       "must match").format(filters=c_in, images=images.shape[3]))
    s = validate.positive_int(stride, "stride")
    x = pad_like_tf(images, kh, kw, s, padding)
    validate.require(kh <= x.shape[1] and kw <= x.shape[2],
                     _("filters {kh}x{kw} do not fit into the (padded) images {h}x{w}").format(
                         kh=kh, kw=kw, h=x.shape[1], w=x.shape[2]))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::s, ::s]
    return np.tensordot(windows, filters, axes=([3, 4, 5], [2, 0, 1]))


def transpose_output_size(i: int, k: int, s: int, padding: str = "VALID", a: int = 0) -> int:
    """Output rows of a transposed convolution: s(i - 1) + a + k - 2p, here VALID (p = 0) or
    SAME (output i*s + a, as Keras' Conv2DTranspose gives)."""
    i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
    if str(padding).upper() == "SAME":
        return i * s + a
    return s * (i - 1) + a + k


def overlap_counts(i: int, k: int, s: int) -> np.ndarray:
    """(o, o) counts: how many kernel footprints of a VALID k x k transposed convolution with
    stride s on an i x i input cover each output cell (it is the output on ones with a ones
    kernel). Uneven counts are the checkerboard."""
    i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
    o = s * (i - 1) + k
    line = np.zeros(o)
    for start in range(0, s * (i - 1) + 1, s):
        line[start:start + k] += 1
    return np.outer(line, line)


def run_transpose_fn(fn: Callable, i: int, k: int, s: int) -> studentfn.Run:
    """Call ``fn(ones (1, i, i, 1), ones (k, k, 1, 1), (1, o, o, 1), s, "VALID")`` and return its
    (o, o) result, or a message saying why not. Never raises for a bad ``fn``."""
    o = transpose_output_size(i, k, s)
    shown = (f"{studentfn.name_of(fn)}(ones (1, {i}, {i}, 1), ones ({k}, {k}, 1, 1), "
             f"(1, {o}, {o}, 1), {s}, 'VALID')")
    run = studentfn.call_array(fn, shown, (1, o, o, 1), np.ones((1, i, i, 1)),
                               np.ones((k, k, 1, 1)), (1, o, o, 1), s, "VALID")
    return studentfn.Run(run.value[0, :, :, 0], None) if run.error is None else run


def _step_masks(i: int) -> np.ndarray:
    """(i*i, i, i): mask n holds ones at the input pixels 0..n (row by row), zeros after."""
    return (np.arange(i * i)[None, :] <= np.arange(i * i)[:, None]).astype(float).reshape(
        i * i, i, i)


def scatter_steps(i: int, k: int, s: int) -> np.ndarray:
    """(i*i, o, o): the footprint counts of :func:`overlap_counts` after input pixels 0..n (row by
    row) have scattered their k x k footprints, for every n; the last is overlap_counts(i, k, s)."""
    i, k, s = (validate.positive_int(v, n) for v, n in ((i, "i"), (k, "k"), (s, "s")))
    o = s * (i - 1) + k
    steps = np.zeros((i * i, o, o))
    for n in range(i * i):
        a, b = divmod(n, i)
        if n:
            steps[n] = steps[n - 1]
        steps[n, a * s:a * s + k, b * s:b * s + k] += 1
    return steps


def run_scatter_steps(fn: Callable, i: int, k: int, s: int) -> studentfn.Run:
    """Call ``fn`` (a conv2d_transpose) once on the batch of the i*i step masks (mask n: ones at
    input pixels 0..n) with a ones kernel: its (i*i, o, o) outputs are the counts after each step,
    as :func:`scatter_steps` computes them. Or a message saying why not; never raises."""
    o = transpose_output_size(i, k, s)
    n = i * i
    shown = (f"{studentfn.name_of(fn)}(step masks ({n}, {i}, {i}, 1), ones ({k}, {k}, 1, 1), "
             f"({n}, {o}, {o}, 1), {s}, 'VALID')")
    run = studentfn.call_array(fn, shown, (n, o, o, 1), _step_masks(i)[..., None],
                               np.ones((k, k, 1, 1)), (n, o, o, 1), s, "VALID")
    return studentfn.Run(run.value[..., 0], None) if run.error is None else run


# --- dilated convolution: DilationExplorer ------------------------------------------------------
def effective_size(k: int, d: int) -> int:
    """The span of ``k`` taps with dilation ``d``: k + (k - 1)(d - 1)."""
    k, d = validate.positive_int(k, "k"), validate.positive_int(d, "d (dilation)")
    return k + (k - 1) * (d - 1)


def dilate_kernel(kernel, d: int) -> np.ndarray:
    """``kernel`` (kh, kw, C, F) with d - 1 zeros between neighbouring taps (the reference
    answer of the exercise of the same name)."""
    kernel = validate.array(kernel, "kernel", ndim=4, layout="(kh, kw, C, F)")
    d = validate.positive_int(d, "d (dilation)")
    kh, kw = kernel.shape[:2]
    out = np.zeros((effective_size(kh, d), effective_size(kw, d)) + kernel.shape[2:])
    out[::d, ::d] = kernel
    return out


@dataclass(frozen=True)
class DilationGeometry:
    """One axis of a stride-1 dilated convolution of a k-tap kernel on an i-cell input."""
    i: int
    k: int
    d: int
    k_eff: int                     # the span of the taps: the receptive field of one output
    taps: tuple                    # the taps' offsets in the window: 0, d, ..., (k - 1)d
    valid: int                     # VALID output size; 0 if the dilated kernel does not fit
    same: int                      # SAME output size (stride 1: i)
    same_pad: tuple                # SAME padding (before, after), the extra cell after
    stacked: int                   # receptive field of two such layers in a row
    stacked_seen: int              # of which this many cells reach the output (gridding if less)


def dilation_geometry(i: int, k: int, d: int) -> DilationGeometry:
    i = validate.positive_int(i, "i")
    k_eff = effective_size(k, d)
    total = k_eff - 1                                    # SAME, stride 1: o = i
    stacked = 2 * (k_eff - 1) + 1
    # two layers: offsets a + b, with a and b multiples of d up to (k - 1)d: 2k - 1 positions
    return DilationGeometry(i=i, k=k, d=d, k_eff=k_eff, taps=tuple(range(0, k_eff, d)),
                            valid=max(i - k_eff + 1, 0), same=i,
                            same_pad=(total // 2, total - total // 2), stacked=stacked,
                            stacked_seen=2 * k - 1)


def tap_kernel(k: int) -> np.ndarray:
    """A (k, k, 1, 1) kernel whose taps are numbered 1 .. k*k row by row: a wrong order shows."""
    k = validate.positive_int(k, "k")
    return np.arange(1.0, k * k + 1).reshape(k, k, 1, 1)


def run_dilate_fn(fn: Callable, k: int, d: int) -> studentfn.Run:
    """Call ``fn(tap_kernel(k), d)`` and return its (k_eff, k_eff) result, or a message saying
    why not. Never raises for a bad ``fn``."""
    k_eff = effective_size(k, d)
    shown = f"{studentfn.name_of(fn)}(kernel 1..{k * k} ({k}, {k}, 1, 1), {d})"
    run = studentfn.call_array(fn, shown, (k_eff, k_eff, 1, 1), tap_kernel(k), d,
                               wrong_shape=_("expected ({k_eff}, {k_eff}, 1, 1): k_eff = {k} + "
                                             "{k_1}·{d_1} = {k_eff}").format(
                                   k_eff=k_eff, k=k, k_1=k - 1, d_1=d - 1))
    return studentfn.Run(run.value[:, :, 0, 0], None) if run.error is None else run


def stacked_reach(kernel, layers: int) -> list:
    """For 1, 2, ..., ``layers`` stacked stride-1 convolutions with the same kernel: how many
    paths through the taps (the nonzero entries of the 2-D ``kernel``) lead from one output back
    to each input cell. Entry L - 1 is (L(kh - 1) + 1, L(kw - 1) + 1), the receptive field of
    L layers; a 0 inside it is a cell no output of the stack ever reads (dilated kernels:
    the gridding)."""
    taps = np.asarray(kernel, dtype=float)
    validate.require(taps.ndim == 2 and taps.size > 0,
                     _("kernel must be a 2-D array; got shape {shape}").format(shape=taps.shape))
    layers = validate.positive_int(layers, "layers")
    taps = taps != 0
    kh, kw = taps.shape
    reach, out = np.ones((1, 1)), []
    for _layer in range(layers):
        h, w = reach.shape
        grown = np.zeros((h + kh - 1, w + kw - 1))
        for m, q in zip(*np.nonzero(taps)):
            grown[m:m + h, q:q + w] += reach
        reach = grown
        out.append(reach)
    return out


# --- parameters and multiply-adds: ParamCalculator ----------------------------------------------
KINDS = ("standard", "grouped", "depthwise", "pointwise", "separable")
# how the widgets name each kind (the KINDS themselves are param_count's arguments)
KIND_NAMES = {"standard": N_("standard"), "grouped": N_("grouped"), "depthwise": N_("depthwise"),
              "pointwise": N_("pointwise"), "separable": N_("separable")}


def _weights(kind, k, c_in, c_out, groups, m) -> int:
    """Weights (no bias) of a layer of ``kind``, its arguments already checked."""
    return {"standard": k * k * c_in * c_out,
            "grouped": k * k * (c_in // groups) * c_out,
            "depthwise": k * k * c_in * m,
            "pointwise": c_in * c_out,
            "separable": k * k * c_in * m + c_in * m * c_out}[kind]


def _check_layer(kind, k, c_in, c_out, groups, multiplier):
    validate.require(isinstance(kind, str) and kind in KINDS,
                     _("kind must be one of {kinds}; got {kind!r}").format(
                         kinds=", ".join(KINDS), kind=kind))
    k, c_in, c_out = (validate.positive_int(v, n) for v, n in ((k, "k"), (c_in, "c_in"),
                                                                (c_out, "c_out")))
    groups = validate.positive_int(groups, "groups")
    m = validate.positive_int(multiplier, "multiplier")
    if kind == "grouped":
        validate.require(c_in % groups == 0 and c_out % groups == 0,
                         _("groups={groups} must divide c_in={c_in} and c_out={c_out}").format(
                             groups=groups, c_in=c_in, c_out=c_out))
    if kind == "depthwise":
        validate.require(c_out == c_in * m,
                         _("a depthwise layer has c_out = c_in * multiplier = {channels} output "
                           "channels; got c_out={c_out}").format(channels=c_in * m, c_out=c_out))
    if kind == "pointwise":
        validate.require(k == 1, _("a pointwise convolution has k = 1; got k={k}").format(k=k))
    return k, c_in, c_out, groups, m


def param_count(kind: str, k: int, c_in: int, c_out: int, groups: int = 1, multiplier: int = 1,
                 use_bias: bool = False) -> int:
    """Parameters of a k x k layer of ``kind`` as Keras' count_params() (the reference answer of
    the exercise of the same name: same arguments, same ValueErrors)."""
    k, c_in, c_out, groups, m = _check_layer(kind, k, c_in, c_out, groups, multiplier)
    return _weights(kind, k, c_in, c_out, groups, m) + (c_out if use_bias else 0)


@dataclass(frozen=True)
class LayerCost:
    """One kind of layer for the calculator's setting. ``params``/``mult_adds`` are None when the
    setting is impossible for this kind (``error`` says why)."""
    kind: str
    label: str                     # e.g. "grouped (4 groups)", "depthwise (16 → 32)"
    keras: str                     # the Keras layer, e.g. "Conv2D(32, 3, groups=4)"
    args: tuple                    # param_count(*args, **dict(kwargs))
    kwargs: tuple
    formula: str                   # the count with the numbers filled in
    params: Optional[int]
    mult_adds: Optional[int]       # multiply-adds on a size x size output (SAME, stride 1)
    error: Optional[str]

    def call_text(self, name: str = "param_count") -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{name}({', '.join(parts)})"


def layer_costs(c_in: int, c_out: int, k: int, groups: int = 1, multiplier: int = 1,
                size: int = 32, use_bias: bool = False) -> tuple:
    """Parameters (as Keras counts them) and multiply-adds of a standard, grouped, depthwise,
    pointwise and depthwise separable layer for one setting, as a tuple of LayerCost. The
    depthwise layer maps c_in to c_in·m channels; the pointwise one maps those c_in·m channels
    to c_out (the two halves of the separable layer). Multiply-adds: weights (no bias) times
    size² output pixels ("SAME" padding, stride 1)."""
    c_in, c_out, k, g, m, size = (validate.positive_int(v, n) for v, n in (
        (c_in, "c_in"), (c_out, "c_out"), (k, "k"), (groups, "groups"),
        (multiplier, "multiplier"), (size, "size")))
    validate.require(isinstance(use_bias, (bool, np.bool_)),
                     _("use_bias must be True or False; got {value!r}").format(value=use_bias))
    use_bias = bool(use_bias)
    cm = c_in * m
    b = lambda n: f" + {n}" if use_bias else ""             # noqa: E731  (the bias term)
    rows = [
        ("standard", _("standard"), f"Conv2D({c_out}, {k})", ("standard", k, c_in, c_out), (),
         f"{k}·{k}·{c_in}·{c_out}{b(c_out)}"),
        ("grouped", _("grouped (1 group)") if g == 1 else _("grouped ({g} groups)").format(g=g),
         f"Conv2D({c_out}, {k}, groups={g})", ("grouped", k, c_in, c_out), (("groups", g),),
         f"{k}·{k}·({c_in}/{g})·{c_out}{b(c_out)}"),
        ("depthwise", _("depthwise ({c_in} → {cm})").format(c_in=c_in, cm=cm), f"DepthwiseConv2D({k}, depth_multiplier={m})",
         ("depthwise", k, c_in, cm), (("multiplier", m),), f"{k}·{k}·{c_in}·{m}{b(cm)}"),
        ("pointwise", _("pointwise 1x1 ({cm} → {c_out})").format(cm=cm, c_out=c_out), f"Conv2D({c_out}, 1)",
         ("pointwise", 1, cm, c_out), (), f"{cm}·{c_out}{b(c_out)}"),
        ("separable", _("separable"),
         f"SeparableConv2D({c_out}, {k}, depth_multiplier={m})", ("separable", k, c_in, c_out),
         (("multiplier", m),), f"{k}·{k}·{c_in}·{m} + {cm}·{c_out}{b(c_out)}"),
    ]
    out = []
    for kind, label, keras_layer, args, kwargs, formula in rows:
        kwargs = kwargs + (("use_bias", use_bias),)
        keras_layer = keras_layer[:-1] + (", use_bias=True)" if use_bias else ", use_bias=False)")
        try:
            params = param_count(*args, **dict(kwargs))
        except ValueError as exc:
            out.append(LayerCost(kind, label, keras_layer, args, kwargs, formula, None, None,
                                 str(exc)))
            continue
        _kind, kk, ci, co = args
        kw = dict(kwargs)
        weights = _weights(kind, kk, ci, co, kw.get("groups", 1), kw.get("multiplier", 1))
        out.append(LayerCost(kind, label, keras_layer, args, kwargs, f"{formula} = {params:,}",
                             params, weights * size * size, None))
    return tuple(out)


def run_param_fn(fn: Callable, cost: LayerCost) -> studentfn.Run:
    """Call ``fn`` as ``param_count`` with the arguments of ``cost`` and return the count it gave
    (a whole number), or a message saying why not (``raised`` names an exception the function
    raised). Never raises for a bad ``fn``."""
    shown = cost.call_text(studentfn.name_of(fn))
    run = studentfn.call(fn, shown, *cost.args, **dict(cost.kwargs))
    if run.error:
        return run
    value = run.value
    arr = np.asarray(value) if not isinstance(value, (str, bytes)) else np.asarray(None)
    if arr.dtype.kind not in "iuf" or arr.ndim != 0:
        if arr.ndim and arr.dtype.kind in "iuf":
            message = _("{call} returned an array of shape {shape}, not one number").format(
                call=shown, shape=arr.shape)
        else:
            message = _("{call} returned {type}, not one number").format(
                call=shown, type=type(value).__name__)
        return studentfn.Run(None, message)
    if not np.isfinite(arr) or float(arr) != int(arr):
        return studentfn.Run(None, _("{call} returned {value!r}, not a whole number").format(
            call=shown, value=value))
    return studentfn.Run(int(arr), None)

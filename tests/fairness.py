"""Correct work never loses a point (issue 14): alternative implementations of every exercise.

For each graded exercise, correct implementations written differently from the reference in
solutions/, the way students write them: explicit loops, np.einsum, sliding_window_view /
as_strided, np.tensordot, NumPy scalar results (np.int64 from np.prod, np.float64), float32
results where a test's tolerance allows them, lists accepted as inputs (np.asarray first), and
validation messages of their own that name the offending argument.

They are grouped in *styles*: one submission per (chapter, style) replaces every solution cell of
the chapter with that style's implementation, so a few gradings cover them all
(tests/test_fairness.py grades each in-process and through the trusted re-check alone; the full
instructor path grades one submission per chapter that mixes the styles, ``mixed_styles``). An
exercise missing from a style keeps the reference solution.

Chapter 6 and chapter 7's build_autoencoder are Keras exercises: one alternative each (a Keras
model written another way), with `import keras` inside the function and, as Keras code is usually
written, at the top of the cell ("toplevel"; chapter 7's "loops"). ``OWN_WORDS`` lists validation messages in a
student's own words (English or Chinese) that name the offending argument, or in the Chinese
edition its Chinese term, and say what was expected: every test must accept them.
"""
from __future__ import annotations

from dataclasses import dataclass

import nbharness as h


@dataclass(frozen=True)
class Alt:
    what: str           # how this implementation differs from the reference
    source: str         # the solution cell
    case: str = ""      # a named case (e.g. one that issue 14 reports)


STYLES = {
    "loops": "explicit Python loops, checks and messages of its own",
    "vectorised": "np.einsum, sliding_window_view, as_strided, np.tensordot, np.pad",
    "scalars": "NumPy scalar results (np.int64, np.float64), np.prod, other NumPy routines",
    "lists": "np.asarray first (lists accepted), float32 results where the tests allow them",
    "keras": "the Keras exercises written another way",
    "toplevel": "the same, with `import keras` at the top of the cell",
}

CH01 = {
    "loops": {
        "conv2d_single": Alt("four nested loops, own checks and messages", '''
def conv2d_single(image, kernel):
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image should be a 2-D array (H, W), not {image.ndim}-D")
    if kernel.ndim != 2 or kernel.size == 0:
        raise ValueError(f"kernel should be a non-empty 2-D array (kh, kw); got shape {kernel.shape}")
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError(f"the {kh}x{kw} kernel is larger than the {H}x{W} image")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            total = 0.0
            for m in range(kh):
                for q in range(kw):
                    total += image[i + m, j + q] * kernel[m, q]
            out[i, j] = total
    return out
'''),
        "conv2d_multi": Alt("loops over examples, positions and filters", '''
def conv2d_multi(images, filters, bias):
    images, filters, bias = (np.asarray(a, dtype=float) for a in (images, filters, bias))
    if images.ndim != 4:
        raise ValueError(f"images should be a batch (N, H, W, C); got {images.ndim} axes")
    if filters.ndim != 4:
        raise ValueError(f"filters should be (kh, kw, C, F); got {filters.ndim} axes")
    N, H, W, C = images.shape
    kh, kw, C2, F = filters.shape
    if C2 != C:
        raise ValueError(f"the images have {C} channels, the filters expect {C2} channels")
    if bias.shape != (F,):
        raise ValueError(f"bias needs one value for each of the {F} filters; got shape {bias.shape}")
    if kh > H or kw > W:
        raise ValueError(f"the {kh}x{kw} filters are larger than the {H}x{W} images")
    out = np.empty((N, H - kh + 1, W - kw + 1, F))
    for n in range(N):
        for i in range(H - kh + 1):
            for j in range(W - kw + 1):
                window = images[n, i:i + kh, j:j + kw, :]
                for f in range(F):
                    out[n, i, j, f] = np.sum(window * filters[:, :, :, f]) + bias[f]
    return out
'''),
        "conv_param_count": Alt("counted filter by filter in a loop (Python ints)", '''
def conv_param_count(kh, kw, c_in, c_out, use_bias=True):
    for name, value in (("kh", kh), ("kw", kw), ("c_in", c_in), ("c_out", c_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    if use_bias not in (True, False):
        raise ValueError(f"use_bias must be True or False, not {use_bias!r}")
    total = 0
    for _ in range(int(c_out)):
        total += int(kh) * int(kw) * int(c_in) + (1 if use_bias else 0)
    return total
'''),
    },
    "vectorised": {
        "conv2d_single": Alt("sliding_window_view + np.einsum", '''
def conv2d_single(image, kernel):
    image = validate.array(image, "image", ndim=2)
    kernel = validate.array(kernel, "kernel", ndim=2)
    validate.require(kernel.shape[0] <= image.shape[0] and kernel.shape[1] <= image.shape[1],
                     f"kernel {kernel.shape} does not fit in image {image.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)
'''),
        "conv2d_multi": Alt("sliding_window_view + np.einsum over all axes", '''
def conv2d_multi(images, filters, bias):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    bias = validate.array(bias, "bias", ndim=1)
    kh, kw, c, f = filters.shape
    validate.require(c == images.shape[3], f"channel mismatch: images {images.shape}, filters {filters.shape}")
    validate.require(len(bias) == f, f"bias has {len(bias)} entries for {f} filters")
    validate.require(kh <= images.shape[1] and kw <= images.shape[2],
                     f"filters {kh}x{kw} do not fit in images {images.shape[1]}x{images.shape[2]}")
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(1, 2))
    return np.einsum("nijcab,abcf->nijf", windows, filters) + bias
'''),
        "conv_param_count": Alt("np.prod of the kernel shape: returns an np.int64", '''
def conv_param_count(kh, kw, c_in, c_out, use_bias=True):
    kh, kw = validate.positive_int(kh, "kh"), validate.positive_int(kw, "kw")
    c_in, c_out = validate.positive_int(c_in, "c_in"), validate.positive_int(c_out, "c_out")
    validate.require(isinstance(use_bias, (bool, np.bool_)), f"use_bias must be a bool; got {use_bias!r}")
    return np.prod([kh, kw, c_in, c_out]) + (c_out if use_bias else 0)
''', case="np.prod gives an np.int64 on every call"),
    },
    "scalars": {
        "conv2d_single": Alt("as_strided windows + np.tensordot", '''
def conv2d_single(image, kernel):
    from numpy.lib.stride_tricks import as_strided
    image = np.ascontiguousarray(validate.array(image, "image", ndim=2))
    kernel = validate.array(kernel, "kernel", ndim=2)
    (H, W), (kh, kw) = image.shape, kernel.shape
    if kh > H or kw > W:
        raise ValueError(f"kernel {kernel.shape} is bigger than image {image.shape}")
    s0, s1 = image.strides
    windows = as_strided(image, shape=(H - kh + 1, W - kw + 1, kh, kw),
                         strides=(s0, s1, s0, s1), writeable=False)
    return np.tensordot(windows, kernel, axes=([2, 3], [0, 1]))
'''),
        "conv2d_multi": Alt("as_strided windows + np.tensordot", '''
def conv2d_multi(images, filters, bias):
    from numpy.lib.stride_tricks import as_strided
    images = np.ascontiguousarray(validate.array(images, "images", ndim=4))
    filters = validate.array(filters, "filters", ndim=4)
    bias = validate.array(bias, "bias", ndim=1)
    n, h, w, c = images.shape
    kh, kw, c_f, f = filters.shape
    if c_f != c:
        raise ValueError(f"filters are for {c_f} input channels, images have {c} channels")
    if bias.shape[0] != f:
        raise ValueError(f"bias: expected {f} values (one per filter), got {bias.shape[0]}")
    if kh > h or kw > w:
        raise ValueError(f"filters ({kh}, {kw}) are larger than the images ({h}, {w})")
    sn, sh, sw, sc = images.strides
    windows = as_strided(images, shape=(n, h - kh + 1, w - kw + 1, kh, kw, c),
                         strides=(sn, sh, sw, sh, sw, sc), writeable=False)
    return np.tensordot(windows, filters, axes=([3, 4, 5], [0, 1, 2])) + bias
'''),
        "conv_param_count": Alt("kh*kw*c_in*c_out + c_out on the arguments as given: an np.int64 "
                                "when they are", '''
def conv_param_count(kh, kw, c_in, c_out, use_bias=True):
    import numbers
    for name, v in {"kh": kh, "kw": kw, "c_in": c_in, "c_out": c_out}.items():
        if not isinstance(v, numbers.Integral) or isinstance(v, (bool, np.bool_)) or v <= 0:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if not isinstance(use_bias, (bool, np.bool_)):
        raise ValueError(f"use_bias must be a bool, got {type(use_bias).__name__}")
    if use_bias:
        return kh * kw * c_in * c_out + c_out
    return kh * kw * c_in * c_out
''', case="issue 14: chapter 1 conv_param_count with an np.int64 argument returns an np.int64"),
    },
    "lists": {
        "conv2d_single": Alt("np.asarray first, shifted-slice sums, float32 result", '''
def conv2d_single(image, kernel):
    try:
        image = np.asarray(image, dtype=float)
        kernel = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"image and kernel must be numeric 2-D arrays: {exc}") from None
    if image.ndim != 2:
        raise ValueError(f"image: expected 2 dimensions, got shape {image.shape}")
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"kernel: expected a non-empty 2-D array, got shape {kernel.shape}")
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"kernel {kernel.shape} must not be larger than image {image.shape}")
    out = np.zeros((oh, ow))
    for m in range(kh):
        for q in range(kw):
            out += kernel[m, q] * image[m:m + oh, q:q + ow]
    return out.astype(np.float32)
'''),
        "conv2d_multi": Alt("np.asarray first, one matrix product per kernel tap, float32 result", '''
def conv2d_multi(images, filters, bias):
    images = np.asarray(images, dtype=float)
    filters = np.asarray(filters, dtype=float)
    bias = np.asarray(bias, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be 4-D (N, H, W, C), got shape {images.shape}")
    if filters.ndim != 4:
        raise ValueError(f"filters must be 4-D (kh, kw, C, F), got shape {filters.shape}")
    kh, kw, c, f = filters.shape
    if images.shape[-1] != c:
        raise ValueError(f"number of channels differs: images {images.shape[-1]}, filters {c}")
    if bias.ndim != 1 or bias.size != f:
        raise ValueError(f"bias must be a vector of {f} values, got shape {bias.shape}")
    oh, ow = images.shape[1] - kh + 1, images.shape[2] - kw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"filters {kh}x{kw} too large for images {images.shape[1:3]}")
    out = np.zeros(images.shape[:1] + (oh, ow, f))
    for m in range(kh):
        for q in range(kw):
            out += np.matmul(images[:, m:m + oh, q:q + ow, :], filters[m, q])
    return (out + bias).astype(np.float32)
'''),
        "conv_param_count": Alt("the sizes as one np.asarray, checked together, int() result", '''
def conv_param_count(kh, kw, c_in, c_out, use_bias=True):
    names = ("kh", "kw", "c_in", "c_out")
    sizes = np.asarray([kh, kw, c_in, c_out], dtype=object)
    for name, v in zip(names, sizes):
        if type(v) is bool or not np.issubdtype(type(v), np.integer) or v < 1:
            raise ValueError(f"{name} = {v!r}: sizes must be whole numbers of at least 1")
    if type(use_bias) not in (bool, np.bool_):
        raise ValueError(f"use_bias = {use_bias!r}: expected True or False")
    return int(np.prod(sizes.astype(np.int64))) + int(c_out) * bool(use_bias)
'''),
    },
}


_CONV2D_LOOPS = '''
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    images = np.asarray(images, dtype=float)
    filters = np.asarray(filters, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C); got {images.ndim} dimensions")
    if filters.ndim != 4:
        raise ValueError(f"filters must be (kh, kw, C, F); got {filters.ndim} dimensions")
    n, h, w, c = images.shape
    kh, kw, c_f, f = filters.shape
    if c_f != c:
        raise ValueError(f"images have {c} channels but the filters are made for {c_f} channels")
    if bias is not None:
        bias = np.asarray(bias, dtype=float)
        if bias.shape != (f,):
            raise ValueError(f"bias must hold one value per filter, shape ({f},); got {bias.shape}")
    if isinstance(stride, (int, np.integer)):
        stride = (stride, stride)
    if (not isinstance(stride, (tuple, list)) or len(stride) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in stride)):
        raise ValueError(f"stride must be a positive int or a pair of them; got {stride!r}")
    sh, sw = stride
    if isinstance(padding, str) and padding.upper() == "SAME":
        pads = (same_padding(h, kh, sh), same_padding(w, kw, sw))
    elif isinstance(padding, str) and padding.upper() == "VALID":
        pads = 0
    elif isinstance(padding, str):
        raise ValueError(f'padding must be "VALID", "SAME", an int or ((top, bottom), (left, right)); '
                         f'got {padding!r}')
    else:
        pads = padding
    x = zero_pad(images, pads)
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError(f"the {kh}x{kw} filters do not fit the padded {x.shape[1]}x{x.shape[2]} images")
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            window = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(window, filters, axes=3)
    return out if bias is None else out + bias
'''

CH02 = {
    "loops": {
        "conv_output_size": Alt("counts the kernel's positions in a while loop", '''
def conv_output_size(i, k, p=0, s=1, d=1):
    for name, v, low in (("i", i, 1), ("k", k, 1), ("p (padding)", p, 0), ("s (stride)", s, 1),
                         ("d (dilation)", d, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{name} must be an integer >= {low}; got {v!r}")
    span = (k - 1) * d + 1
    if span > i + 2 * p:
        raise ValueError(f"the kernel spans {span} cells (dilation {d}) and does not fit in the "
                         f"{i} + 2*{p} padded cells")
    count, start = 0, 0
    while start + span <= i + 2 * p:
        count += 1
        start += s
    return count
'''),
        "same_padding": Alt("the output size counted in a loop, then the total split", '''
def same_padding(i, k, s=1, d=1):
    for name, v in (("i", i), ("k", k), ("s (stride)", s), ("d (dilation)", d)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {v!r}")
    i, k, s, d = int(i), int(k), int(s), int(d)
    outputs = 0
    while outputs * s < i:
        outputs += 1
    total = max((outputs - 1) * s + (k - 1) * d + 1 - i, 0)
    before = total // 2
    return before, total - before
'''),
        "zero_pad": Alt("copies pixel by pixel into a zero array", '''
def zero_pad(images, pad):
    images = np.asarray(images, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C); got {images.ndim} dimensions")
    if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool):
        top = bottom = left = right = pad
    elif (isinstance(pad, (tuple, list)) and len(pad) == 2
          and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pad)):
        (top, bottom), (left, right) = pad
    else:
        raise ValueError(f"pad must be an int or ((top, bottom), (left, right)); got {pad!r}")
    for v in (top, bottom, left, right):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"pad amounts must be whole numbers >= 0; got pad={pad!r}")
    n, h, w, c = images.shape
    out = np.zeros((n, h + top + bottom, w + left + right, c))
    for a in range(n):
        for r in range(h):
            for q in range(w):
                out[a, top + r, left + q, :] = images[a, r, q, :]
    return out
'''),
        "conv2d": Alt("a loop over output positions, np.tensordot per window; builds on the "
                      "student's own same_padding and zero_pad", _CONV2D_LOOPS),
        "receptive_field": Alt("backwards recursion r = (r - 1) s + k", '''
def receptive_field(layers):
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"layers must be a non-empty list of (k, s) pairs, got {layers!r}")
    for n, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise ValueError(f"layer {n} must be a (k, s) pair, got {layer!r}")
        for name, v in zip(("k (kernel size)", "s (stride)"), layer):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"layer {n}: {name} must be a positive integer, got {v!r}")
    r = 1
    for k, s in reversed(layers):
        r = (r - 1) * int(s) + int(k)
    return r
'''),
    },
    "vectorised": {
        "conv_output_size": Alt("the size of np.arange over the start positions", '''
def conv_output_size(i, k, p=0, s=1, d=1):
    i, k = validate.positive_int(i, "i"), validate.positive_int(k, "k")
    s, d = validate.positive_int(s, "stride s"), validate.positive_int(d, "dilation d")
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0:
        raise ValueError(f"padding p must be an integer >= 0, got {p!r}")
    span = d * (k - 1) + 1
    validate.require(span <= i + 2 * p, f"kernel of size {k} with dilation {d} does not fit "
                                        f"an input of {i} padded by {p}")
    return np.arange(0, i + 2 * int(p) - span + 1, s).size
'''),
        "same_padding": Alt("math.ceil and divmod", '''
def same_padding(i, k, s=1, d=1):
    import math
    i, k = validate.positive_int(i, "i"), validate.positive_int(k, "k")
    s, d = validate.positive_int(s, "stride s"), validate.positive_int(d, "dilation d")
    needed = (math.ceil(i / s) - 1) * s + d * (k - 1) + 1
    half, extra = divmod(max(needed - i, 0), 2)
    return half, half + extra
'''),
        "zero_pad": Alt("np.pad", '''
def zero_pad(images, pad):
    images = validate.array(images, "images", ndim=4)
    if np.ndim(pad) == 0:
        pad = ((pad, pad), (pad, pad))
    amounts = np.asarray(pad) if np.shape(pad) == (2, 2) else None
    validate.require(amounts is not None and amounts.dtype.kind in "iu" and np.all(amounts >= 0),
                     f"pad must be a non-negative int or two (before, after) pairs; got {pad!r}")
    return np.pad(images, ((0, 0), tuple(amounts[0]), tuple(amounts[1]), (0, 0)))
'''),
        "conv2d": Alt("as_strided windows (the stride in the strides) + np.einsum", '''
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    from numpy.lib.stride_tricks import as_strided
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    kh, kw, c, f = filters.shape
    validate.require(images.shape[3] == c, f"images have {images.shape[3]} channels, filters {c}: "
                                           f"the channel counts must agree")
    if bias is not None:
        bias = validate.array(bias, "bias", ndim=1)
        validate.require(bias.size == f, f"bias has {bias.size} values for {f} filters")
    steps = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    validate.require(len(steps) == 2, f"stride must be an int or (sh, sw); got {stride!r}")
    sh, sw = (validate.positive_int(v, "stride") for v in steps)
    if isinstance(padding, str):
        validate.require(padding.upper() in ("VALID", "SAME"), f"unknown padding {padding!r}: use "
                         f"VALID, SAME, an int or ((top, bottom), (left, right))")
        if padding.upper() == "VALID":
            pads = ((0, 0), (0, 0))
        else:
            pads = (same_padding(images.shape[1], kh, sh), same_padding(images.shape[2], kw, sw))
    else:
        pads = ((padding, padding), (padding, padding)) if np.ndim(padding) == 0 else padding
        amounts = np.asarray(pads)
        validate.require(amounts.shape == (2, 2) and amounts.dtype.kind in "iu" and np.all(amounts >= 0),
                         f"explicit pad amounts must be non-negative ints; got {padding!r}")
    x = np.ascontiguousarray(np.pad(images, ((0, 0), tuple(pads[0]), tuple(pads[1]), (0, 0))))
    n, hp, wp, _ = x.shape
    validate.require(kh <= hp and kw <= wp, f"filters {kh}x{kw} do not fit in the padded images {hp}x{wp}")
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    sn, sy, sx, sc = x.strides
    windows = as_strided(x, shape=(n, oh, ow, kh, kw, c),
                         strides=(sn, sy * sh, sx * sw, sy, sx, sc), writeable=False)
    out = np.einsum("nijabc,abcf->nijf", windows, filters)
    return out if bias is None else out + bias
'''),
        "receptive_field": Alt("np.cumprod of the strides and a dot product, int() result", '''
def receptive_field(layers):
    validate.require(isinstance(layers, (list, tuple)) and len(layers) > 0,
                     "layers: give at least one (k, s) layer")
    validate.require(all(isinstance(l, (list, tuple)) and len(l) == 2 for l in layers),
                     f"every layer must be a pair (k, s); got {layers!r}")
    ks = [validate.positive_int(l[0], "k") for l in layers]
    ss = [validate.positive_int(l[1], "s") for l in layers]
    jumps = np.concatenate(([1], np.cumprod(ss)[:-1]))
    return int(1 + np.dot(np.subtract(ks, 1), jumps))
'''),
    },
    "scalars": {
        "conv_output_size": Alt("np.floor_divide on an np.int64: returns an np.int64", '''
def conv_output_size(i, k, p=0, s=1, d=1):
    for name, v in (("i", i), ("k", k), ("s", s), ("d", d)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(p, (int, np.integer)) or isinstance(p, bool) or p < 0:
        raise ValueError(f"padding p must be a non-negative integer, got {p!r}")
    k_eff = np.int64(k) + (k - 1) * (d - 1)
    if k_eff > i + 2 * p:
        raise ValueError(f"the dilated kernel ({k_eff} cells) does not fit into the padded input "
                         f"({i + 2 * p} cells)")
    return np.floor_divide(i + 2 * p - k_eff, s) + 1
''', case="issue 14: chapter 2 conv_output_size returns np.int64 arithmetic"),
        "same_padding": Alt("np.ceil / np.maximum: a tuple of np.int64", '''
def same_padding(i, k, s=1, d=1):
    for name, v in (("i", i), ("k", k), ("s", s), ("d", d)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    o = np.ceil(np.divide(i, s)).astype(np.int64)
    total = np.maximum((o - 1) * s + (k - 1) * d + 1 - i, 0)
    return total // 2, total - total // 2
''', case="a tuple of np.int64"),
        "zero_pad": Alt("pad amounts via np.broadcast_to (np.int64 sizes)", '''
def zero_pad(images, pad):
    images = validate.array(images, "images", ndim=4)
    amounts = np.asarray(pad)
    if amounts.dtype.kind not in "iu" or amounts.shape not in ((), (2, 2)) or np.any(amounts < 0):
        raise ValueError(f"pad must be a non-negative int or ((top, bottom), (left, right)) of them; "
                         f"got {pad!r}")
    (top, bottom), (left, right) = np.broadcast_to(amounts, (2, 2))
    n, h, w, c = images.shape
    out = np.zeros((n, h + top + bottom, w + left + right, c))
    out[:, top:top + h, left:left + w] = images
    return out
'''),
        "conv2d": Alt("im2col by fancy indexing and one matrix product; np.int64 strides", '''
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    n, h, w, c = images.shape
    kh, kw, c_f, f = filters.shape
    if c_f != c:
        raise ValueError(f"channel count: the images have {c}, the filters {c_f}")
    if bias is not None:
        bias = np.asarray(bias, dtype=float)
        if bias.shape != (f,):
            raise ValueError(f"bias must be ({f},), got {bias.shape}")
    steps = np.asarray(stride)
    if steps.shape not in ((), (2,)) or steps.dtype.kind not in "iu" or np.any(steps < 1):
        raise ValueError(f"stride must be a positive int or (sh, sw); got {stride!r}")
    sh, sw = np.broadcast_to(steps, (2,))
    if isinstance(padding, str):
        if padding.upper() not in ("VALID", "SAME"):
            raise ValueError(f"padding {padding!r} is not one of VALID, SAME")
        padding = (same_padding(h, kh, sh), same_padding(w, kw, sw)) if padding.upper() == "SAME" else 0
    x = zero_pad(images, padding)
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError(f"kernel {kh}x{kw} does not fit the padded input {x.shape[1]}x{x.shape[2]}")
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    rows = (np.arange(oh) * sh)[:, None] + np.arange(kh)[None, :]
    cols = (np.arange(ow) * sw)[:, None] + np.arange(kw)[None, :]
    patches = x[:, rows[:, None, :, None], cols[None, :, None, :], :]     # (n, oh, ow, kh, kw, c)
    out = patches.reshape(n, oh, ow, -1) @ filters.reshape(-1, f)
    return out if bias is None else out + bias
'''),
        "receptive_field": Alt("np.cumprod without int(): returns an np.int64", '''
def receptive_field(layers):
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise ValueError("layers must be a non-empty list of (k, s) pairs")
    if any(not isinstance(layer, (list, tuple)) or len(layer) != 2 for layer in layers):
        raise ValueError(f"each layer must be a (k, s) pair; got {layers!r}")
    k = np.array([validate.positive_int(layer[0], "k") for layer in layers])
    s = np.array([validate.positive_int(layer[1], "s") for layer in layers])
    jumps = np.cumprod(np.concatenate(([1], s[:-1])))
    return 1 + np.sum((k - 1) * jumps)
''', case="np.cumprod / np.sum give an np.int64"),
    },
    "lists": {
        "conv_output_size": Alt("operator.index checks, math.floor of a true division", '''
def conv_output_size(i, k, p=0, s=1, d=1):
    import math
    import operator
    given = {}
    for name, v, smallest in (("i", i, 1), ("k", k, 1), ("padding p", p, 0), ("stride s", s, 1),
                              ("dilation d", d, 1)):
        try:
            given[name] = operator.index(v)
        except TypeError:
            raise ValueError(f"{name} must be a whole number, not {v!r}") from None
        if given[name] < smallest:
            raise ValueError(f"{name} must be at least {smallest}, not {v!r}")
    i, k, p, s, d = given.values()
    span = k + (k - 1) * (d - 1)
    if span > i + 2 * p:
        raise ValueError(f"a kernel of {span} cells (k={k}, d={d}) does not fit the {i + 2 * p} "
                         f"padded cells")
    return math.floor((i + 2 * p - span) / s) + 1
'''),
        "same_padding": Alt("operator.index checks, ceiling by negative floor division", '''
def same_padding(i, k, s=1, d=1):
    import operator
    values = []
    for name, v in (("i", i), ("k", k), ("stride s", s), ("dilation d", d)):
        try:
            v = operator.index(v)
        except TypeError:
            raise ValueError(f"{name} must be a whole number, not {v!r}") from None
        if v < 1:
            raise ValueError(f"{name} must be at least 1, not {v}")
        values.append(v)
    i, k, s, d = values
    total = max((-(-i // s) - 1) * s + (k - 1) * d + 1 - i, 0)
    return (total // 2, (total + 1) // 2)
'''),
        "zero_pad": Alt("np.asarray first, np.concatenate of zero blocks, float32 result", '''
def zero_pad(images, pad):
    images = np.asarray(images, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images: expected shape (N, H, W, C), got {images.shape}")
    if np.ndim(pad) == 0:
        pad = ((pad, pad), (pad, pad))
    if np.shape(pad) != (2, 2):
        raise ValueError(f"pad: expected an int or two (before, after) pairs, got {pad!r}")
    amounts = [v for pair in pad for v in pair]
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in amounts):
        raise ValueError(f"pad: amounts must be non-negative whole numbers, got {pad!r}")
    (top, bottom), (left, right) = pad
    n, h, w, c = images.shape
    rows = np.concatenate([np.zeros((n, top, w, c)), images, np.zeros((n, bottom, w, c))], axis=1)
    height = rows.shape[1]
    out = np.concatenate([np.zeros((n, height, left, c)), rows, np.zeros((n, height, right, c))], axis=2)
    return out.astype(np.float32)
'''),
        "conv2d": Alt("np.asarray first, np.pad, one strided slice per kernel tap, float32 result", '''
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    images = np.asarray(images, dtype=float)
    filters = np.asarray(filters, dtype=float)
    if images.ndim != 4 or filters.ndim != 4:
        raise ValueError(f"images (N, H, W, C) and filters (kh, kw, C, F) must be 4-D; got "
                         f"{images.shape} and {filters.shape}")
    kh, kw, c, f = filters.shape
    if images.shape[3] != c:
        raise ValueError(f"{images.shape[3]} channels in the images, {c} in the filters")
    bias = np.zeros(f) if bias is None else np.asarray(bias, dtype=float)
    if bias.shape != (f,):
        raise ValueError(f"bias: expected {f} values, got shape {bias.shape}")
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if min(sh, sw) < 1:
        raise ValueError(f"stride must be at least 1, got {stride!r}")
    if isinstance(padding, str):
        if padding.upper() not in ("VALID", "SAME"):
            raise ValueError(f"padding must be VALID or SAME (or explicit amounts), got {padding!r}")
        pads = [[0, 0], [0, 0]] if padding.upper() == "VALID" else [
            list(same_padding(images.shape[1], kh, sh)), list(same_padding(images.shape[2], kw, sw))]
    else:
        pads = [[padding, padding], [padding, padding]] if np.ndim(padding) == 0 else padding
        if np.shape(pads) != (2, 2) or np.min(pads) < 0:
            raise ValueError(f"padding: pad amounts must be >= 0 as (top, bottom), (left, right); got {padding!r}")
    x = np.pad(images, [(0, 0), tuple(pads[0]), tuple(pads[1]), (0, 0)])
    if x.shape[1] < kh or x.shape[2] < kw:
        raise ValueError(f"filters {kh}x{kw} are larger than the padded images {x.shape[1:3]}")
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, f))
    for m in range(kh):
        for q in range(kw):
            taps = x[:, m:m + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw, :]
            out += taps @ filters[m, q]
    return (out + bias).astype(np.float32)
'''),
        "receptive_field": Alt("the layers as one np.asarray table, checked column by column", '''
def receptive_field(layers):
    try:
        table = np.asarray(layers)
    except ValueError:
        raise ValueError(f"layers must be a list of (k, s) pairs; got {layers!r}") from None
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] != 2:
        raise ValueError(f"layers must be a non-empty list of (k, s) pairs; got {layers!r}")
    if table.dtype.kind not in "iu":
        raise ValueError(f"kernel sizes k and strides s must be integers; got {layers!r}")
    if np.any(table[:, 0] < 1):
        raise ValueError("every kernel size k must be at least 1")
    if np.any(table[:, 1] < 1):
        raise ValueError("every stride s must be at least 1")
    r, jump = 1, 1
    for k, s in table.tolist():
        r += (k - 1) * jump
        jump *= s
    return r
'''),
    },
}


CH03 = {
    "loops": {
        "pool2d": Alt("a loop over output positions with windows clipped to the image (no padding "
                      "array)", '''
def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
    images = np.asarray(images, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be 4-D (N, H, W, C); got shape {images.shape}")

    def two(value, name):
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            value = (value, value)
        if not isinstance(value, (tuple, list)) or len(value) != 2 or any(
                isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in value):
            raise ValueError(f"{name} must be a positive int or a pair of them; got {value!r}")
        return int(value[0]), int(value[1])

    kh, kw = two(size, "size (the pooling window)")
    sh, sw = two(size if stride is None else stride, "stride")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'VALID' or 'SAME', not {padding!r}")
    n, h, w, c = images.shape
    if padding == "VALID":
        if kh > h or kw > w:
            raise ValueError(f"a {kh}x{kw} window does not fit in {h}x{w} images without padding")
        oh, ow, top, left = (h - kh) // sh + 1, (w - kw) // sw + 1, 0, 0
    else:
        oh, ow = -(-h // sh), -(-w // sw)
        top = max((oh - 1) * sh + kh - h, 0) // 2
        left = max((ow - 1) * sw + kw - w, 0) // 2
    out = np.empty((n, oh, ow, c))
    for i in range(oh):
        r0 = i * sh - top
        for j in range(ow):
            c0 = j * sw - left
            window = images[:, max(r0, 0):min(r0 + kh, h), max(c0, 0):min(c0 + kw, w), :]
            out[:, i, j, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
'''),
        "flatten": Alt("ravels example by example", '''
def flatten(x):
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"x must be a numeric array, got dtype {x.dtype}")
    if x.ndim < 2:
        raise ValueError(f"x needs a batch axis N and at least one more; got {x.ndim} dimension(s)")
    rows = [np.asarray(example, dtype=float).ravel() for example in x]
    return np.array(rows).reshape(len(rows), -1)
'''),
        "global_avg_pool": Alt("sums pixel by pixel, divides by H*W", '''
def global_avg_pool(x):
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x must be 4-D (N, H, W, C); got shape {x.shape}")
    n, h, w, c = x.shape
    total = np.zeros((n, c))
    for i in range(h):
        for j in range(w):
            total += x[:, i, j, :]
    return total / (h * w)
'''),
        "cnn_shapes": Alt("an if/elif chain over the layers, Python ints", '''
def cnn_shapes(input_shape, layers):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape must be (H, W, C) or (n,); got {input_shape!r}")
    for d in input_shape:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise ValueError(f"input_shape must contain positive integers; got {input_shape!r}")
    shape = tuple(int(d) for d in input_shape)

    def positive(value, what):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what} must be a positive integer; got {value!r}")
        return int(value)

    def side(n, k, s, padding, where):
        if padding == "SAME":
            return (n + s - 1) // s
        if padding != "VALID":
            raise ValueError(f"{where}: padding must be 'VALID' or 'SAME'; got {padding!r}")
        if k > n:
            raise ValueError(f"{where}: the {k}x{k} window does not fit in {n} pixels (VALID)")
        return (n - k) // s + 1

    result = []
    for number, layer in enumerate(layers):
        where = f"layer {number} {layer!r}"
        kind = layer[0]
        if kind in ("conv", "pool", "gap") and len(shape) != 3:
            raise ValueError(f"{where}: {kind} needs (H, W, C) feature maps; got {shape} "
                             f"(is there a flatten before it?)")
        if kind == "conv":
            filters = positive(layer[1], "filters")
            k = positive(layer[2], "kernel")
            s = positive(layer[3], "stride") if len(layer) > 3 else 1
            padding = layer[4] if len(layer) > 4 else "VALID"
            h, w, c = shape
            shape = (side(h, k, s, padding, where), side(w, k, s, padding, where), filters)
            params = (k * k * c + 1) * filters
        elif kind == "pool":
            k = positive(layer[1], "size")
            s = k if len(layer) < 3 or layer[2] is None else positive(layer[2], "stride")
            padding = layer[3] if len(layer) > 3 else "VALID"
            h, w, c = shape
            shape = (side(h, k, s, padding, where), side(w, k, s, padding, where), c)
            params = 0
        elif kind == "flatten":
            size = 1
            for d in shape:
                size *= d
            shape, params = (size,), 0
        elif kind == "gap":
            shape, params = (shape[2],), 0
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"{where}: dense expects a flat vector; got maps of shape {shape} "
                                 f"(flatten them first)")
            units = positive(layer[1], "units")
            shape, params = (units,), (shape[0] + 1) * units
        elif kind == "dropout":
            params = 0
        else:
            raise ValueError(f"{where}: unknown kind of layer {kind!r}")
        result.append((shape, params))
    return result
'''),
        "max_pool_backward": Alt("loops over examples, channels and windows; np.unravel_index of "
                                 "each argmax", '''
def max_pool_backward(dout, images, size=2, stride=None):
    images = np.asarray(images, dtype=float)
    dout = np.asarray(dout, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C), got shape {images.shape}")
    if dout.ndim != 4:
        raise ValueError(f"dout must be (N, oh, ow, C), got shape {dout.shape}")
    for name, v in (("size", size), ("stride", size if stride is None else stride)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    k = int(size)
    s = k if stride is None else int(stride)
    n, h, w, c = images.shape
    if k > h or k > w:
        raise ValueError(f"the {k}x{k} window does not fit in {h}x{w} images")
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    if dout.shape != (n, oh, ow, c):
        raise ValueError(f"dout must have the pooled shape {(n, oh, ow, c)}, got {dout.shape}")
    dx = np.zeros_like(images)
    for a in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    window = images[a, i * s:i * s + k, j * s:j * s + k, ch]
                    r, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[a, i * s + r, j * s + q, ch] += dout[a, i, j, ch]
    return dx
'''),
    },
    "vectorised": {
        "pool2d": Alt("NaN padding, sliding_window_view, np.nanmax / np.nanmean", '''
def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
    images = validate.array(images, "images", ndim=4)

    def pair(v, name):
        v = (v, v) if np.ndim(v) == 0 else tuple(v)
        validate.require(len(v) == 2, f"{name} takes one int or two; got {v!r}")
        return tuple(validate.positive_int(x, name) for x in v)

    kh, kw = pair(size, "window size")
    sh, sw = pair(size if stride is None else stride, "stride")
    validate.require(mode in ("max", "avg"), f"unknown mode {mode!r} (max or avg)")
    validate.require(padding in ("VALID", "SAME"), f"unknown padding {padding!r} (VALID or SAME)")
    n, h, w, c = images.shape
    if padding == "SAME":
        th = max((-(-h // sh) - 1) * sh + kh - h, 0)
        tw = max((-(-w // sw) - 1) * sw + kw - w, 0)
        images = np.pad(images, ((0, 0), (th // 2, th - th // 2), (tw // 2, tw - tw // 2), (0, 0)),
                        constant_values=np.nan)
    else:
        validate.require(kh <= h and kw <= w, f"window {kh}x{kw} does not fit the {h}x{w} images")
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    reduce = np.nanmax if mode == "max" else np.nanmean
    return reduce(windows, axis=(-2, -1))
'''),
        "flatten": Alt("np.reshape to (N, prod of the rest)", '''
def flatten(x):
    x = validate.array(x, "x", allow_empty=True)
    validate.require(x.ndim >= 2, f"x: expected a batch (N, ...) of at least 2 dimensions, got {x.ndim}")
    return np.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))
'''),
        "global_avg_pool": Alt("np.einsum over H and W", '''
def global_avg_pool(x):
    x = validate.array(x, "x", ndim=4, layout="(N, H, W, C)")
    return np.einsum("nhwc->nc", x) / (x.shape[1] * x.shape[2])
'''),
        "cnn_shapes": Alt("a table of one small function per layer kind", '''
def cnn_shapes(input_shape, layers):
    validate.require(isinstance(input_shape, (tuple, list)) and len(input_shape) in (1, 3),
                     f"input_shape: expected (H, W, C) or (n,), got {input_shape!r}")
    start = tuple(validate.positive_int(d, "input_shape") for d in input_shape)

    def maps(shape, what):
        validate.require(len(shape) == 3, f"{what} works on (H, W, C) maps; got {shape} after a flatten")
        return shape

    def sizes(shape, k, s, padding, what):
        validate.require(padding in ("VALID", "SAME"), f"{what}: padding {padding!r} is not VALID or SAME")
        h, w, _ = shape
        if padding == "SAME":
            return -(-h // s), -(-w // s)
        validate.require(k <= h and k <= w, f"{what}: kernel {k} does not fit {h}x{w} (VALID)")
        return (h - k) // s + 1, (w - k) // s + 1

    def conv(shape, filters, kernel, stride=1, padding="VALID"):
        shape = maps(shape, "conv")
        f = validate.positive_int(filters, "filters")
        k = validate.positive_int(kernel, "kernel")
        s = validate.positive_int(stride, "stride")
        return sizes(shape, k, s, padding, "conv") + (f,), k * k * shape[2] * f + f

    def pool(shape, size, stride=None, padding="VALID"):
        shape = maps(shape, "pool")
        k = validate.positive_int(size, "size")
        s = k if stride is None else validate.positive_int(stride, "stride")
        return sizes(shape, k, s, padding, "pool") + (shape[2],), 0

    def flat(shape):
        return (int(np.prod(shape)),), 0

    def gap(shape):
        return (maps(shape, "gap")[2],), 0

    def dense(shape, units):
        validate.require(len(shape) == 1, f"dense needs a flat input, got {shape}: flatten first")
        u = validate.positive_int(units, "units")
        return (u,), shape[0] * u + u

    def dropout(shape, rate):
        return shape, 0

    kinds = {"conv": conv, "pool": pool, "flatten": flat, "gap": gap, "dense": dense,
             "dropout": dropout}
    shape, result = start, []
    for layer in layers:
        validate.require(layer[0] in kinds, f"unknown layer kind {layer[0]!r}; known: {', '.join(kinds)}")
        shape, params = kinds[layer[0]](shape, *layer[1:])
        result.append((shape, params))
    return result
'''),
        "max_pool_backward": Alt("sliding_window_view, argmax of every window at once, np.add.at", '''
def max_pool_backward(dout, images, size=2, stride=None):
    images = validate.array(images, "images", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    k = validate.positive_int(size, "size")
    s = k if stride is None else validate.positive_int(stride, "stride")
    n, h, w, c = images.shape
    validate.require(k <= min(h, w), f"pooling window of size {k} does not fit {h}x{w}")
    windows = np.lib.stride_tricks.sliding_window_view(images, (k, k), axis=(1, 2))[:, ::s, ::s]
    oh, ow = windows.shape[1:3]
    validate.require(dout.shape == (n, oh, ow, c), f"dout has shape {dout.shape}; pooling gives {(n, oh, ow, c)}")
    r, q = np.divmod(windows.reshape(n, oh, ow, c, k * k).argmax(axis=-1), k)
    rows = np.arange(oh)[None, :, None, None] * s + r
    cols = np.arange(ow)[None, None, :, None] * s + q
    dx = np.zeros_like(images)
    np.add.at(dx, (np.arange(n)[:, None, None, None], rows, cols, np.arange(c)), dout)
    return dx
'''),
    },
    "scalars": {
        "pool2d": Alt("-inf padding, per-axis window counts (np.int64) for the average", '''
def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    k = np.asarray(size)
    if k.shape not in ((), (2,)) or k.dtype.kind not in "iu" or np.any(k < 1):
        raise ValueError(f"size (the window) must be a positive int or (kh, kw); got {size!r}")
    s = k if stride is None else np.asarray(stride)
    if s.shape not in ((), (2,)) or s.dtype.kind not in "iu" or np.any(s < 1):
        raise ValueError(f"stride must be a positive int or (sh, sw); got {stride!r}")
    (kh, kw), (sh, sw) = np.broadcast_to(k, (2,)), np.broadcast_to(s, (2,))
    if mode not in ("max", "avg"):
        raise ValueError(f"mode {mode!r}: expected 'max' or 'avg'")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding {padding!r}: expected 'VALID' or 'SAME'")
    n, h, w, c = images.shape
    if padding == "VALID" and (kh > h or kw > w):
        raise ValueError(f"VALID pooling: the window ({kh}, {kw}) must fit in ({h}, {w})")

    def axis_plan(length, k, s):
        if padding == "VALID":
            return 0, 0, np.full((length - k) // s + 1, k)
        out = -(-length // s)
        total = max((out - 1) * s + k - length, 0)
        starts = np.arange(out) * s - total // 2
        return total // 2, total - total // 2, np.minimum(starts + k, length) - np.maximum(starts, 0)

    t, b, count_h = axis_plan(h, kh, sh)
    l, r, count_w = axis_plan(w, kw, sw)
    x = np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=-np.inf if mode == "max" else 0.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    if mode == "max":
        return windows.max(axis=(-2, -1))
    return windows.sum(axis=(-2, -1)) / np.multiply.outer(count_h, count_w)[None, :, :, None]
'''),
        "flatten": Alt("reshape to a size computed with np.prod (an np.int64)", '''
def flatten(x):
    x = validate.array(x, "x", allow_empty=True)
    if x.ndim < 2:
        raise ValueError(f"x must have a batch dimension N and at least one feature dimension; "
                         f"got shape {x.shape}")
    return x.reshape(x.shape[0], np.prod(x.shape[1:]))
'''),
        "global_avg_pool": Alt("sum over the pixels divided by np.prod(H, W)", '''
def global_avg_pool(x):
    x = validate.array(x, "x", ndim=4, layout="(N, H, W, C)")
    n, h, w, c = x.shape
    return x.reshape(n, h * w, c).sum(axis=1) / np.prod(x.shape[1:3])
'''),
        "cnn_shapes": Alt("shapes as NumPy arrays, H and W at once, parameters with np.prod: "
                          "np.int64 everywhere", '''
def cnn_shapes(input_shape, layers):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape must be (H, W, C) or (n,), got {input_shape!r}")
    if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in input_shape):
        raise ValueError(f"input_shape must hold positive ints, got {input_shape!r}")
    shape = np.array(input_shape)

    def spatial(hw, k, s, padding, where):
        if padding == "SAME":
            return -(-hw // s)
        if padding != "VALID":
            raise ValueError(f"{where}: padding must be 'VALID' or 'SAME', got {padding!r}")
        if np.any(hw < k):
            raise ValueError(f"{where}: a {k}x{k} window does not fit into {tuple(hw)} without padding")
        return (hw - k) // s + 1

    def positive(v, name, where):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")
        return v

    table = []
    for index, layer in enumerate(layers):
        kind, *args = layer
        where = f"layer {index} {tuple(layer)!r}"
        if kind in ("conv", "pool", "gap") and len(shape) != 3:
            raise ValueError(f"{where}: {kind} needs an (H, W, C) input, got {tuple(shape)}: "
                             f"flatten came too early")
        if kind == "conv":
            filters = positive(args[0], "filters", where)
            kernel = positive(args[1], "kernel", where)
            stride = positive(args[2], "stride", where) if len(args) > 2 else 1
            padding = args[3] if len(args) > 3 else "VALID"
            params = np.prod([kernel, kernel, shape[2], filters]) + filters
            shape = np.append(spatial(shape[:2], kernel, stride, padding, where), filters)
        elif kind == "pool":
            size = positive(args[0], "size", where)
            stride = size if len(args) < 2 or args[1] is None else positive(args[1], "stride", where)
            padding = args[2] if len(args) > 2 else "VALID"
            shape = np.append(spatial(shape[:2], size, stride, padding, where), shape[2])
            params = np.int64(0)
        elif kind == "flatten":
            shape, params = np.array([np.prod(shape)]), np.int64(0)
        elif kind == "gap":
            shape, params = shape[2:], np.int64(0)
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"{where}: dense needs a flat input, got {tuple(shape)}; add a "
                                 f"flatten first")
            units = positive(args[0], "units", where)
            params = np.prod([shape[0] + 1, units])
            shape = np.array([units])
        elif kind == "dropout":
            params = np.int64(0)
        else:
            raise ValueError(f"{where}: unknown layer kind {kind!r}")
        table.append((tuple(shape), params))
    return table
''', case="issue 14: chapter 3 cnn_shapes using np.prod (np.int64 sizes and counts)"),
        "max_pool_backward": Alt("the max mask of each window (window == its max) times dout", '''
def max_pool_backward(dout, images, size=2, stride=None):
    images = validate.array(images, "images", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    k = validate.positive_int(size, "size")
    s = k if stride is None else validate.positive_int(stride, "stride")
    n, h, w, c = images.shape
    if k > h or k > w:
        raise ValueError(f"window size {k} is larger than the {h}x{w} images")
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    if dout.shape != (n, oh, ow, c):
        raise ValueError(f"dout should be {(n, oh, ow, c)} for these images, not {dout.shape}")
    dx = np.zeros_like(images)
    for i in range(oh):
        for j in range(ow):
            window = images[:, i * s:i * s + k, j * s:j * s + k, :]
            mask = window == window.max(axis=(1, 2), keepdims=True)
            dx[:, i * s:i * s + k, j * s:j * s + k, :] += mask * dout[:, i:i + 1, j:j + 1, :]
    return dx
'''),
    },
    "lists": {
        "pool2d": Alt("np.asarray first, pools along H then along W (max and mean are separable), "
                      "float32 result", '''
def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
    images = np.asarray(images, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images: need (N, H, W, C), got shape {images.shape}")
    size = [size, size] if np.ndim(size) == 0 else list(size)
    stride = size if stride is None else ([stride, stride] if np.ndim(stride) == 0 else list(stride))
    for name, pair in (("size (window)", size), ("stride", stride)):
        if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) or v < 1 for v in pair):
            raise ValueError(f"{name}: expected one or two positive ints, got {pair!r}")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode: expected 'max' or 'avg', got {mode!r}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding: expected 'VALID' or 'SAME', got {padding!r}")

    def pool_axis(x, axis, k, s):
        length = x.shape[axis]
        if padding == "VALID":
            if k > length:
                raise ValueError(f"the window ({k}) does not fit the {length} cells of axis {axis} (VALID)")
            starts = range(0, length - k + 1, s)
        else:
            out = -(-length // s)
            before = max((out - 1) * s + k - length, 0) // 2
            starts = [i * s - before for i in range(out)]
        pieces = []
        for a in starts:
            part = np.take(x, range(max(a, 0), min(a + k, length)), axis=axis)
            pieces.append(part.max(axis=axis) if mode == "max" else part.mean(axis=axis))
        return np.stack(pieces, axis=axis)

    out = pool_axis(pool_axis(images, 1, size[0], stride[0]), 2, size[1], stride[1])
    return out.astype(np.float32)
'''),
        "flatten": Alt("np.asarray first, reshape(len(x), -1), float32 result", '''
def flatten(x):
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"x must hold numbers: {exc}") from None
    if x.ndim < 2:
        raise ValueError(f"x: a batch needs 2 or more dimensions (N, ...), this has {x.ndim}")
    return x.reshape(len(x), -1).astype(np.float32)
'''),
        "global_avg_pool": Alt("np.asarray first, mean over W then over H, float32 result", '''
def global_avg_pool(x):
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x: expected (N, H, W, C), got {x.ndim}-D input of shape {x.shape}")
    return x.mean(axis=2).mean(axis=1).astype(np.float32)
'''),
        "cnn_shapes": Alt("accepts lists for the input shape and the layers; shapes kept as lists "
                          "and returned as tuples; math.prod", '''
def cnn_shapes(input_shape, layers):
    import math
    shape = list(input_shape)
    if len(shape) not in (1, 3) or not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape):
        raise ValueError(f"input_shape: expected (H, W, C) or (n,) of positive ints, got {input_shape!r}")
    defaults = {"conv": [None, None, 1, "VALID"], "pool": [None, None, "VALID"], "dense": [None],
                "dropout": [None], "flatten": [], "gap": []}
    out = []
    for number, layer in enumerate(map(list, layers)):
        kind = layer[0]
        if kind not in defaults:
            raise ValueError(f"layer {number}: unknown kind {kind!r} (conv, pool, flatten, dense, dropout, gap)")
        args = layer[1:] + defaults[kind][len(layer) - 1:]
        if kind in ("conv", "pool", "gap") and len(shape) != 3:
            raise ValueError(f"layer {number} ({kind}) needs (H, W, C) maps, but the input is {tuple(shape)}: "
                             f"a flatten came before it")
        if kind in ("conv", "pool"):
            if kind == "conv":
                filters, k, s, padding = args
                if not isinstance(filters, (int, np.integer)) or filters < 1:
                    raise ValueError(f"layer {number}: filters must be a positive int, got {filters!r}")
            else:
                k, s, padding = args
                s = k if s is None else s
                filters = shape[2]
            if padding not in ("VALID", "SAME"):
                raise ValueError(f"layer {number}: padding {padding!r} is neither VALID nor SAME")
            if padding == "VALID" and k > min(shape[:2]):
                raise ValueError(f"layer {number}: kernel {k} does not fit {shape[:2]} with VALID padding")
            new = [-(-d // s) if padding == "SAME" else (d - k) // s + 1 for d in shape[:2]]
            params = (k * k * shape[2] + 1) * filters if kind == "conv" else 0
            shape = new + [filters]
        elif kind == "flatten":
            shape, params = [math.prod(shape)], 0
        elif kind == "gap":
            shape, params = shape[2:], 0
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"layer {number}: dense on {tuple(shape)} maps: flatten them first")
            params = (shape[0] + 1) * args[0]
            shape = [args[0]]
        else:
            params = 0
        out.append((tuple(int(d) for d in shape), int(params)))
    return out
'''),
        "max_pool_backward": Alt("np.asarray first, one argmax per window position for all examples "
                                 "and channels, float32 result", '''
def max_pool_backward(dout, images, size=2, stride=None):
    images, dout = np.asarray(images, dtype=float), np.asarray(dout, dtype=float)
    if images.ndim != 4 or dout.ndim != 4:
        raise ValueError(f"images and dout must both be 4-D; got images {images.shape}, dout {dout.shape}")
    k = int(size)
    s = k if stride is None else int(stride)
    if k < 1 or s < 1 or k != size:
        raise ValueError(f"size and stride must be positive integers, got {size!r} and {stride!r}")
    n, h, w, c = images.shape
    if k > min(h, w):
        raise ValueError(f"window {k}x{k} does not fit the {h}x{w} images")
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    if dout.shape != (n, oh, ow, c):
        raise ValueError(f"dout: expected the pooled shape {(n, oh, ow, c)}, got {dout.shape}")
    dx = np.zeros(images.shape)
    examples, channels = np.ix_(np.arange(n), np.arange(c))
    for i in range(oh):
        for j in range(ow):
            window = images[:, i * s:i * s + k, j * s:j * s + k, :]
            r, q = np.unravel_index(window.reshape(n, k * k, c).argmax(axis=1), (k, k))
            dx[examples, i * s + r, j * s + q, channels] += dout[:, i, j, :]
    return dx.astype(np.float32)
'''),
    },
}


CH04 = {
    "loops": {
        "batchnorm_train": Alt("one channel at a time, statistics by explicit sums", '''
def batchnorm_train(x, gamma, beta, eps=1e-3):
    x = np.asarray(x, dtype=float)
    gamma, beta = np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"x needs a batch axis and a channel axis; got shape {x.shape}")
    c = x.shape[-1]
    if gamma.shape != (c,):
        raise ValueError(f"gamma should have one entry per channel, shape ({c},); got {gamma.shape}")
    if beta.shape != (c,):
        raise ValueError(f"beta should have one entry per channel, shape ({c},); got {beta.shape}")
    if not eps > 0:
        raise ValueError(f"eps must be greater than 0; got {eps}")
    rows = x.reshape(-1, c)
    m = rows.shape[0]
    y = np.empty_like(rows)
    means, variances = np.empty(c), np.empty(c)
    for j in range(c):
        column = rows[:, j]
        mean = sum(column) / m
        var = sum((v - mean) ** 2 for v in column) / m
        y[:, j] = gamma[j] * (column - mean) / (var + eps) ** 0.5 + beta[j]
        means[j], variances[j] = mean, var
    return y.reshape(x.shape), means, variances
'''),
        "update_moving_stats": Alt("one channel at a time", '''
def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum=0.99):
    stats = {}
    for name, value in (("moving_mean", moving_mean), ("moving_var", moving_var),
                        ("batch_mean", batch_mean), ("batch_var", batch_var)):
        stats[name] = np.asarray(value, dtype=float)
        if stats[name].ndim != 1 or stats[name].shape != np.shape(moving_mean):
            raise ValueError(f"{name} must be a vector like moving_mean {np.shape(moving_mean)}; "
                             f"got shape {stats[name].shape}")
    for name in ("moving_var", "batch_var"):
        if (stats[name] < 0).any():
            raise ValueError(f"{name} is a variance: it cannot be negative")
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum must lie between 0 and 1; got {momentum}")
    c = stats["moving_mean"].shape[0]
    new_mean, new_var = np.empty(c), np.empty(c)
    for j in range(c):
        new_mean[j] = momentum * stats["moving_mean"][j] + (1 - momentum) * stats["batch_mean"][j]
        new_var[j] = momentum * stats["moving_var"][j] + (1 - momentum) * stats["batch_var"][j]
    return new_mean, new_var
'''),
        "batchnorm_infer": Alt("one channel at a time", '''
def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"x needs a batch axis and a channel axis; got shape {x.shape}")
    c = x.shape[-1]
    params = {}
    for name, value in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                        ("moving_var", moving_var)):
        params[name] = np.asarray(value, dtype=float)
        if params[name].shape != (c,):
            raise ValueError(f"{name} should have shape ({c},) to match the channels of x; "
                             f"got {params[name].shape}")
    if (params["moving_var"] < 0).any():
        raise ValueError("moving_var is a variance: it cannot be negative")
    if not eps > 0:
        raise ValueError(f"eps must be greater than 0; got {eps}")
    y = np.empty_like(x)
    for j in range(c):
        scale = params["gamma"][j] / np.sqrt(params["moving_var"][j] + eps)
        y[..., j] = (x[..., j] - params["moving_mean"][j]) * scale + params["beta"][j]
    return y
'''),
        "batchnorm_backward": Alt("one channel at a time, the chain rule step by step (dxhat, dvar, "
                                  "dmean)", '''
def batchnorm_backward(dy, x, gamma, eps=1e-3):
    x, dy, gamma = (np.asarray(a, dtype=float) for a in (x, dy, gamma))
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 axes (batch and channels); got {x.shape}")
    if dy.shape != x.shape:
        raise ValueError(f"dy must have the same shape as x {x.shape}; got {dy.shape}")
    c = x.shape[-1]
    if gamma.shape != (c,):
        raise ValueError(f"gamma must have shape ({c},); got {gamma.shape}")
    if not eps > 0:
        raise ValueError(f"eps must be greater than 0; got {eps}")
    xs, dys = x.reshape(-1, c), dy.reshape(-1, c)
    m = xs.shape[0]
    dx = np.empty_like(xs)
    dgamma, dbeta = np.empty(c), np.empty(c)
    for j in range(c):
        xj, dyj = xs[:, j], dys[:, j]
        mean = xj.mean()
        var = ((xj - mean) ** 2).mean()
        std = np.sqrt(var + eps)
        xhat = (xj - mean) / std
        dbeta[j] = dyj.sum()
        dgamma[j] = (dyj * xhat).sum()
        dxhat = dyj * gamma[j]
        dvar = np.sum(dxhat * (xj - mean)) * -0.5 * std ** -3
        dmean = -np.sum(dxhat) / std + dvar * np.mean(-2.0 * (xj - mean))
        dx[:, j] = dxhat / std + dvar * 2.0 * (xj - mean) / m + dmean / m
    return dx.reshape(x.shape), dgamma, dbeta
'''),
    },
    "vectorised": {
        "batchnorm_train": Alt("(N*..., C) rows, np.einsum for the sums", '''
def batchnorm_train(x, gamma, beta, eps=1e-3):
    x = validate.array(x, "x")
    validate.require(x.ndim >= 2, f"x: expected (N, ..., C) with at least 2 axes, got {x.shape}")
    gamma = validate.array(gamma, "gamma", ndim=1)
    beta = validate.array(beta, "beta", ndim=1)
    c = x.shape[-1]
    validate.require(gamma.size == c, f"gamma has {gamma.size} values for {c} channels")
    validate.require(beta.size == c, f"beta has {beta.size} values for {c} channels")
    validate.require(np.ndim(eps) == 0 and eps > 0, f"eps must be a positive number, not {eps!r}")
    rows = x.reshape(-1, c)
    mean = np.einsum("nc->c", rows) / len(rows)
    centred = rows - mean
    var = np.einsum("nc,nc->c", centred, centred) / len(rows)
    y = gamma * centred / np.sqrt(var + eps) + beta
    return y.reshape(x.shape), mean, var
'''),
        "update_moving_stats": Alt("both statistics stacked, one interpolation "
                                   "old + (1 - momentum)(new - old)", '''
def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum=0.99):
    names = ("moving_mean", "moving_var", "batch_mean", "batch_var")
    arrays = [validate.array(a, n, ndim=1) for a, n in zip((moving_mean, moving_var, batch_mean, batch_var), names)]
    for name, a in zip(names[1:], arrays[1:]):
        validate.require(a.shape == arrays[0].shape, f"{name} has shape {a.shape}, moving_mean {arrays[0].shape}")
    validate.require(np.all(arrays[1] >= 0), "moving_var (a variance) has negative entries")
    validate.require(np.all(arrays[3] >= 0), "batch_var (a variance) has negative entries")
    validate.require(np.ndim(momentum) == 0 and 0 <= momentum <= 1, f"momentum {momentum!r} is not in [0, 1]")
    old = np.stack(arrays[:2])
    new = np.stack(arrays[2:])
    mean, var = old + (1.0 - momentum) * (new - old)
    return mean, var
'''),
        "batchnorm_infer": Alt("folded into one scale and one shift per channel", '''
def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = validate.array(x, "x")
    validate.require(x.ndim >= 2, f"x: expected (N, ..., C) with at least 2 axes, got {x.shape}")
    c = x.shape[-1]
    named = dict(gamma=gamma, beta=beta, moving_mean=moving_mean, moving_var=moving_var)
    p = {name: validate.array(v, name, ndim=1) for name, v in named.items()}
    for name, v in p.items():
        validate.require(v.size == c, f"{name} has {v.size} values; x has {c} channels")
    validate.require(np.all(p["moving_var"] >= 0), "moving_var must be >= 0 (it is a variance)")
    validate.require(np.ndim(eps) == 0 and eps > 0, f"eps must be a positive number, not {eps!r}")
    scale = p["gamma"] / np.sqrt(p["moving_var"] + eps)
    shift = p["beta"] - p["moving_mean"] * scale
    return x * scale + shift
'''),
        "batchnorm_backward": Alt("(N*..., C) rows, np.einsum sums", '''
def batchnorm_backward(dy, x, gamma, eps=1e-3):
    x = validate.array(x, "x")
    validate.require(x.ndim >= 2, f"x: expected (N, ..., C), got {x.shape}")
    dy = validate.array(dy, "dy")
    validate.require(dy.shape == x.shape, f"dy {dy.shape} and x {x.shape} must have the same shape")
    gamma = validate.array(gamma, "gamma", ndim=1)
    validate.require(gamma.size == x.shape[-1], f"gamma has {gamma.size} values for {x.shape[-1]} channels")
    validate.require(np.ndim(eps) == 0 and eps > 0, f"eps must be a positive number, not {eps!r}")
    rows, grads = x.reshape(-1, x.shape[-1]), dy.reshape(-1, x.shape[-1])
    m = len(rows)
    centred = rows - np.einsum("nc->c", rows) / m
    inv_std = 1.0 / np.sqrt(np.einsum("nc,nc->c", centred, centred) / m + eps)
    xhat = centred * inv_std
    dbeta = np.einsum("nc->c", grads)
    dgamma = np.einsum("nc,nc->c", grads, xhat)
    dx = gamma * inv_std * (grads - dbeta / m - xhat * dgamma / m)
    return dx.reshape(x.shape), dgamma, dbeta
'''),
    },
    "scalars": {
        "batchnorm_train": Alt("np.var / np.mean with keepdims; the count from np.prod", '''
def batchnorm_train(x, gamma, beta, eps=1e-3):
    x = validate.array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and a channel axis; got {x.ndim} axis")
    c = x.shape[-1]
    for name, v in (("gamma", gamma), ("beta", beta)):
        if np.shape(v) != (c,):
            raise ValueError(f"{name} must have shape ({c},) (one per channel), not {np.shape(v)}")
    if not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a positive float, not {eps!r}")
    axes = tuple(range(x.ndim - 1))
    count = np.prod(x.shape[:-1])
    mean = np.sum(x, axis=axes, keepdims=True) / count
    var = np.var(x, axis=axes, keepdims=True)
    y = np.asarray(gamma) * (x - mean) / np.sqrt(var + np.float64(eps)) + np.asarray(beta)
    return y, mean.reshape(c), var.reshape(c)
'''),
        "update_moving_stats": Alt("np.float64 momentum, np.multiply / np.add", '''
def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum=0.99):
    arrays = {"moving_mean": moving_mean, "moving_var": moving_var, "batch_mean": batch_mean,
              "batch_var": batch_var}
    arrays = {k: validate.array(v, k, ndim=1) for k, v in arrays.items()}
    c = arrays["moving_mean"].shape
    for k, v in arrays.items():
        if v.shape != c:
            raise ValueError(f"{k} has shape {v.shape}, but moving_mean has {c}")
    for k in ("moving_var", "batch_var"):
        if np.any(arrays[k] < 0):
            raise ValueError(f"{k} must not have negative values (variance)")
    m = np.float64(momentum)
    if not 0.0 <= m <= 1.0:
        raise ValueError(f"momentum must be in [0, 1]; got {momentum}")
    keep, take = m, np.float64(1.0) - m
    return (np.add(np.multiply(keep, arrays["moving_mean"]), np.multiply(take, arrays["batch_mean"])),
            np.add(np.multiply(keep, arrays["moving_var"]), np.multiply(take, arrays["batch_var"])))
'''),
        "batchnorm_infer": Alt("np.reciprocal(np.sqrt(...)), np.float64 eps", '''
def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = validate.array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and a channel axis; got {x.ndim} axis")
    c = x.shape[-1]
    values = []
    for name, v in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean), ("moving_var", moving_var)):
        v = validate.array(v, name, ndim=1)
        if v.shape != (c,):
            raise ValueError(f"{name} must have shape ({c},), not {v.shape}")
        values.append(v)
    g, b, mu, var = values
    if np.any(var < 0):
        raise ValueError("moving_var cannot be negative")
    if not np.float64(eps) > 0:
        raise ValueError(f"eps must be positive, not {eps!r}")
    return g * (x - mu) * np.reciprocal(np.sqrt(var + np.float64(eps))) + b
'''),
        "batchnorm_backward": Alt("the count m from np.prod (an np.int64), np.var", '''
def batchnorm_backward(dy, x, gamma, eps=1e-3):
    x = validate.array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and a channel axis; got {x.ndim} axis")
    dy = validate.array(dy, "dy")
    if dy.shape != x.shape:
        raise ValueError(f"dy must match x: x is {x.shape}, dy is {dy.shape}")
    gamma = validate.array(gamma, "gamma", ndim=1)
    if gamma.shape != x.shape[-1:]:
        raise ValueError(f"gamma must have {x.shape[-1]} values, not {gamma.shape[0]}")
    axes = tuple(range(x.ndim - 1))
    m = np.prod(x.shape[:-1])
    std = np.sqrt(np.var(x, axis=axes) + np.float64(eps))
    xhat = (x - np.mean(x, axis=axes)) / std
    dbeta = np.sum(dy, axis=axes)
    dgamma = np.sum(dy * xhat, axis=axes)
    dx = gamma / std / m * (m * dy - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta
'''),
    },
    "lists": {
        "batchnorm_train": Alt("np.asarray first, (N*..., C) rows, float32 results", '''
def batchnorm_train(x, gamma, beta, eps=1e-3):
    x = np.asarray(x, dtype=float)
    gamma, beta = np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"x: at least 2 dimensions (batch, ..., channels) expected, got {x.ndim}")
    if gamma.shape != x.shape[-1:]:
        raise ValueError(f"gamma: expected {x.shape[-1]} scale values, got shape {gamma.shape}")
    if beta.shape != x.shape[-1:]:
        raise ValueError(f"beta: expected {x.shape[-1]} shift values, got shape {beta.shape}")
    if float(eps) <= 0:
        raise ValueError(f"eps: expected a number > 0, got {eps}")
    rows = x.reshape(-1, x.shape[-1])
    mean, var = rows.mean(axis=0), rows.var(axis=0)
    y = (gamma * (rows - mean) / np.sqrt(var + eps) + beta).reshape(x.shape)
    return y.astype(np.float32), mean.astype(np.float32), var.astype(np.float32)
'''),
        "update_moving_stats": Alt("np.asarray first, accepts lists", '''
def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum=0.99):
    values = [np.asarray(v, dtype=float) for v in (moving_mean, moving_var, batch_mean, batch_var)]
    names = ["moving_mean", "moving_var", "batch_mean", "batch_var"]
    for name, v in zip(names, values):
        if v.ndim != 1 or v.shape != values[0].shape:
            raise ValueError(f"{name}: expected shape {values[0].shape} like moving_mean, got {v.shape}")
    if values[1].min() < 0 or values[3].min() < 0:
        bad = "moving_var" if values[1].min() < 0 else "batch_var"
        raise ValueError(f"{bad}: a variance cannot be below 0")
    if not (0.0 <= float(momentum) <= 1.0):
        raise ValueError(f"momentum: expected a number from 0 to 1, got {momentum}")
    mm, mv, bm, bv = values
    return momentum * mm + (1 - momentum) * bm, momentum * mv + (1 - momentum) * bv
'''),
        "batchnorm_infer": Alt("np.asarray first, float32 result", '''
def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"x: at least 2 dimensions (batch, ..., channels) expected, got {x.ndim}")
    names = ("gamma", "beta", "moving_mean", "moving_var")
    g, b, mean, var = (np.asarray(v, dtype=float) for v in (gamma, beta, moving_mean, moving_var))
    for name, v in zip(names, (g, b, mean, var)):
        if v.shape != x.shape[-1:]:
            raise ValueError(f"{name}: expected {x.shape[-1]} values (one per channel), got shape {v.shape}")
    if var.min() < 0:
        raise ValueError("moving_var: a variance cannot be below 0")
    if float(eps) <= 0:
        raise ValueError(f"eps: expected a number > 0, got {eps}")
    return (g * (x - mean) / np.sqrt(var + eps) + b).astype(np.float32)
'''),
        "batchnorm_backward": Alt("np.asarray first, (N*..., C) rows, float32 results", '''
def batchnorm_backward(dy, x, gamma, eps=1e-3):
    x, dy, gamma = np.asarray(x, dtype=float), np.asarray(dy, dtype=float), np.asarray(gamma, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"x: at least 2 dimensions (batch, ..., channels) expected, got {x.ndim}")
    if dy.shape != x.shape:
        raise ValueError(f"dy: expected the shape of x {x.shape}, got {dy.shape}")
    if gamma.shape != x.shape[-1:]:
        raise ValueError(f"gamma: expected {x.shape[-1]} values, got shape {gamma.shape}")
    c = x.shape[-1]
    xs, g = x.reshape(-1, c), dy.reshape(-1, c)
    inv_std = 1.0 / np.sqrt(xs.var(axis=0) + eps)
    xhat = (xs - xs.mean(axis=0)) * inv_std
    dbeta = g.sum(axis=0)
    dgamma = (g * xhat).sum(axis=0)
    dx = gamma * inv_std * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
    return (dx.reshape(x.shape).astype(np.float32), dgamma.astype(np.float32),
            dbeta.astype(np.float32))
'''),
    },
}


def _transpose_crop(name):
    """The end every conv2d_transpose alternative shares: cut the output from the full result as
    TensorFlow does (SAME: centred, the extra cell at the bottom/right; more rows than the full
    result: zeros)."""
    return '''
    oh, ow = int(output_shape[1]), int(output_shape[2])
    top = max(full.shape[1] - oh, 0) // 2 if padding == "SAME" else 0
    left = max(full.shape[2] - ow, 0) // 2 if padding == "SAME" else 0
    out = np.zeros((full.shape[0], oh, ow, full.shape[3]))
    rows, cols = min(oh, full.shape[1] - top), min(ow, full.shape[2] - left)
    out[:, :rows, :cols] = full[:, top:top + rows, left:left + cols]
    return OUT
'''.replace("OUT", name)


_TRANSPOSE_CHECKS = '''
    n, h, w, c = images.shape
    kh, kw, f, c_f = filters.shape
    if c_f != c:
        raise ValueError(f"filters (kh, kw, F_out, C_in) expect C_in = {c_f} channels; the images have {c} channels")
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be a positive integer; got {stride!r}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'VALID' or 'SAME'; got {padding!r}")
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != 4:
        raise ValueError(f"output_shape must be (N, H_out, W_out, F_out); got {output_shape!r}")
    s = int(stride)

    def conv_size(o, k):
        if padding == "SAME":
            return -(-o // s)
        return (o - k) // s + 1 if o >= k else 0

    if (tuple(int(v) for v in output_shape[::3]) != (n, f) or conv_size(int(output_shape[1]), kh) != h
            or conv_size(int(output_shape[2]), kw) != w):
        raise ValueError(f"output_shape {tuple(output_shape)} cannot be produced: it needs N = {n}, "
                         f"F_out = {f}, and a size that a stride-{s} {padding} convolution maps back "
                         f"onto {h}x{w}")
'''

CH05 = {
    "loops": {
        "grouped_conv2d": Alt("loops over groups, filters and positions", '''
def grouped_conv2d(images, filters, groups):
    images = np.asarray(images, dtype=float)
    filters = np.asarray(filters, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C); got {images.ndim}-D")
    if filters.ndim != 4:
        raise ValueError(f"filters must be (kh, kw, C // groups, F); got {filters.ndim}-D")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a positive integer; got {groups!r}")
    n, h, w, c = images.shape
    kh, kw, cg, f = filters.shape
    if c % groups or f % groups:
        raise ValueError(f"{groups} groups must divide both the {c} input channels and the {f} filters")
    if cg * groups != c:
        raise ValueError(f"with {groups} groups each filter sees {c // groups} channels, but the "
                         f"filters have {cg} input channels")
    if kh > h or kw > w:
        raise ValueError(f"filters {kh}x{kw} do not fit {h}x{w} images")
    fg = f // groups
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((n, oh, ow, f))
    for g in range(groups):
        x = images[..., g * cg:(g + 1) * cg]
        for o in range(g * fg, (g + 1) * fg):
            for i in range(oh):
                for j in range(ow):
                    out[:, i, j, o] = np.sum(x[:, i:i + kh, j:j + kw, :] * filters[..., o], axis=(1, 2, 3))
    return out
'''),
        "depthwise_conv2d": Alt("loops over channels, multipliers and positions; own SAME padding", '''
def depthwise_conv2d(images, filters, stride=1, padding="VALID"):
    images = np.asarray(images, dtype=float)
    filters = np.asarray(filters, dtype=float)
    if images.ndim != 4 or filters.ndim != 4:
        raise ValueError(f"images (N, H, W, C) and filters (kh, kw, C, m) must be 4-D; got "
                         f"{images.shape} and {filters.shape}")
    n, h, w, c = images.shape
    kh, kw, c_f, m = filters.shape
    if c_f != c:
        raise ValueError(f"the filters are for {c_f} channels, the images have {c} channels")
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be a positive integer; got {stride!r}")
    s = int(stride)
    if padding == "SAME":
        oh, ow = -(-h // s), -(-w // s)
        ph, pw = max((oh - 1) * s + kh - h, 0), max((ow - 1) * s + kw - w, 0)
        x = np.zeros((n, h + ph, w + pw, c))
        x[:, ph // 2:ph // 2 + h, pw // 2:pw // 2 + w] = images
    elif padding == "VALID":
        if kh > h or kw > w:
            raise ValueError(f"the {kh}x{kw} filters do not fit {h}x{w} images (VALID)")
        oh, ow, x = (h - kh) // s + 1, (w - kw) // s + 1, images
    else:
        raise ValueError(f"padding must be 'VALID' or 'SAME'; got {padding!r}")
    out = np.zeros((n, oh, ow, c * m))
    for ch in range(c):
        for j in range(m):
            kernel = filters[:, :, ch, j]
            for i in range(oh):
                for q in range(ow):
                    patch = x[:, i * s:i * s + kh, q * s:q * s + kw, ch]
                    out[:, i, q, ch * m + j] = np.sum(patch * kernel, axis=(1, 2))
    return out
'''),
        "pointwise_conv2d": Alt("a matrix-vector product per pixel", '''
def pointwise_conv2d(images, filters):
    images = np.asarray(images, dtype=float)
    filters = np.asarray(filters, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C); got shape {images.shape}")
    if filters.ndim != 4 or filters.shape[:2] != (1, 1):
        raise ValueError(f"filters must be 1x1, shape (1, 1, C, F); got {filters.shape}")
    if filters.shape[2] != images.shape[3]:
        raise ValueError(f"filters take {filters.shape[2]} channels, images have {images.shape[3]} channels")
    n, h, w, _ = images.shape
    weights = filters[0, 0]
    out = np.zeros((n, h, w, weights.shape[1]))
    for a in range(n):
        for i in range(h):
            for j in range(w):
                out[a, i, j] = images[a, i, j] @ weights
    return out
'''),
        "separable_conv2d": Alt("checks everything first, then the student's own depthwise and "
                                "pointwise functions", '''
def separable_conv2d(images, depthwise_filters, pointwise_filters, stride=1, padding="VALID"):
    images = np.asarray(images, dtype=float)
    dw = np.asarray(depthwise_filters, dtype=float)
    pw = np.asarray(pointwise_filters, dtype=float)
    if images.ndim != 4 or dw.ndim != 4 or pw.ndim != 4:
        raise ValueError("images, depthwise_filters and pointwise_filters must all be 4-D")
    if dw.shape[2] != images.shape[3]:
        raise ValueError(f"depthwise_filters are for {dw.shape[2]} channels, images have {images.shape[3]} channels")
    if pw.shape[:2] != (1, 1):
        raise ValueError(f"pointwise_filters must be 1x1, (1, 1, C*m, F); got {pw.shape}")
    if pw.shape[2] != dw.shape[2] * dw.shape[3]:
        raise ValueError(f"pointwise_filters take {pw.shape[2]} channels, the depthwise step gives "
                         f"{dw.shape[2] * dw.shape[3]} channels")
    return pointwise_conv2d(depthwise_conv2d(images, dw, stride, padding), pw)
'''),
        "dilate_kernel": Alt("copies tap by tap", '''
def dilate_kernel(kernel, d):
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be 4-D (kh, kw, C, F); got shape {kernel.shape}")
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"the dilation d must be a positive integer; got {d!r}")
    kh, kw = kernel.shape[:2]
    out = np.zeros(((kh - 1) * d + 1, (kw - 1) * d + 1) + kernel.shape[2:])
    for m in range(kh):
        for q in range(kw):
            out[m * d, q * d] = kernel[m, q]
    return out
'''),
        "dilated_conv2d": Alt("one matrix product per tap at offsets m*d, q*d; own SAME padding", '''
def dilated_conv2d(images, filters, d, padding="VALID"):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if images.ndim != 4 or filters.ndim != 4:
        raise ValueError("images must be (N, H, W, C) and filters (kh, kw, C, F)")
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"the dilation d must be a positive integer; got {d!r}")
    n, h, w, c = images.shape
    kh, kw, c_f, f = filters.shape
    if c_f != c:
        raise ValueError(f"images have {c} channels, the filters expect {c_f} channels")
    eh, ew = (kh - 1) * d + 1, (kw - 1) * d + 1
    if padding == "SAME":
        ph, pw = eh - 1, ew - 1
        x = np.zeros((n, h + ph, w + pw, c))
        x[:, ph // 2:ph // 2 + h, pw // 2:pw // 2 + w] = images
    elif padding == "VALID":
        if eh > h or ew > w:
            raise ValueError(f"the dilated filters span {eh}x{ew} and do not fit {h}x{w} images")
        x = images
    else:
        raise ValueError(f"padding must be 'VALID' or 'SAME'; got {padding!r}")
    oh, ow = x.shape[1] - eh + 1, x.shape[2] - ew + 1
    out = np.zeros((n, oh, ow, f))
    for a in range(kh):
        for b in range(kw):
            out += x[:, a * d:a * d + oh, b * d:b * d + ow, :] @ filters[a, b]
    return out
'''),
        "conv2d_transpose": Alt("scatters each input pixel's kernel footprint in a loop", '''
def conv2d_transpose(images, filters, output_shape, stride, padding):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if images.ndim != 4 or filters.ndim != 4:
        raise ValueError("images (N, H, W, C_in) and filters (kh, kw, F_out, C_in) must be 4-D")
''' + _TRANSPOSE_CHECKS + '''
    full = np.zeros((n, s * (h - 1) + kh, s * (w - 1) + kw, f))
    for i in range(h):
        for j in range(w):
            full[:, i * s:i * s + kh, j * s:j * s + kw, :] += np.einsum("nc,abfc->nabf", images[:, i, j, :], filters)
''' + _transpose_crop("out")),
        "param_count": Alt("a list of weight shapes multiplied out in loops", '''
def param_count(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
    kinds = ("standard", "grouped", "depthwise", "pointwise", "separable")
    if kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}; got {kind!r}")
    for name, v in (("k", k), ("c_in", c_in), ("c_out", c_out), ("groups", groups), ("multiplier", multiplier)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")
    k, c_in, c_out, groups, multiplier = (int(v) for v in (k, c_in, c_out, groups, multiplier))
    if kind == "standard":
        shapes = [(k, k, c_in, c_out)]
    elif kind == "grouped":
        if c_in % groups or c_out % groups:
            raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
        shapes = [(k, k, c_in // groups, c_out)]
    elif kind == "depthwise":
        if c_out != c_in * multiplier:
            raise ValueError(f"depthwise: c_out must be c_in * multiplier = {c_in * multiplier}; got {c_out}")
        shapes = [(k, k, c_in, multiplier)]
    elif kind == "pointwise":
        if k != 1:
            raise ValueError(f"pointwise convolutions have k = 1; got k={k}")
        shapes = [(1, 1, c_in, c_out)]
    else:
        shapes = [(k, k, c_in, multiplier), (1, 1, c_in * multiplier, c_out)]
    if use_bias:
        shapes.append((c_out,))
    total = 0
    for shape in shapes:
        size = 1
        for d in shape:
            size *= d
        total += size
    return total
'''),
    },
    "vectorised": {
        "grouped_conv2d": Alt("one np.einsum with a group axis", '''
def grouped_conv2d(images, filters, groups):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    groups = validate.positive_int(groups, "groups")
    n, h, w, c = images.shape
    kh, kw, cg, f = filters.shape
    validate.require(c % groups == 0 and f % groups == 0,
                     f"groups={groups} does not divide C={c} and F={f} (filters)")
    validate.require(cg == c // groups, f"filters have {cg} input channels; groups={groups} on "
                                        f"{c} channels needs {c // groups}")
    validate.require(kh <= h and kw <= w, f"filters {kh}x{kw} do not fit images {h}x{w}")
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(1, 2))
    windows = windows.reshape(windows.shape[:3] + (groups, cg, kh, kw))
    out = np.einsum("nijgcab,abcgf->nijgf", windows, filters.reshape(kh, kw, cg, groups, f // groups))
    return out.reshape(out.shape[:3] + (f,))
'''),
        "depthwise_conv2d": Alt("as_strided windows (the stride in the strides) + np.einsum; the "
                                "setup's pad_like_tf", '''
def depthwise_conv2d(images, filters, stride=1, padding="VALID"):
    from numpy.lib.stride_tricks import as_strided
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    kh, kw, c, m = filters.shape
    validate.require(images.shape[3] == c, f"channel mismatch: {images.shape[3]} image channels, "
                                           f"filters for {c}")
    s = validate.positive_int(stride, "stride")
    x = np.ascontiguousarray(pad_like_tf(images, kh, kw, s, padding))
    n, hp, wp, _ = x.shape
    validate.require(kh <= hp and kw <= wp, f"filters {kh}x{kw} do not fit in {hp}x{wp}")
    oh, ow = (hp - kh) // s + 1, (wp - kw) // s + 1
    sn, sy, sx, sc = x.strides
    windows = as_strided(x, (n, oh, ow, kh, kw, c), (sn, sy * s, sx * s, sy, sx, sc), writeable=False)
    return np.einsum("nijabc,abcm->nijcm", windows, filters).reshape(n, oh, ow, c * m)
'''),
        "pointwise_conv2d": Alt("np.einsum", '''
def pointwise_conv2d(images, filters):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    validate.require(filters.shape[0] == filters.shape[1] == 1, f"filters must be 1x1; got {filters.shape}")
    validate.require(filters.shape[2] == images.shape[3],
                     f"channel mismatch: images {images.shape[3]}, filters {filters.shape[2]}")
    return np.einsum("nhwc,cf->nhwf", images, filters[0, 0])
'''),
        "separable_conv2d": Alt("one np.einsum over windows, depthwise and pointwise weights", '''
def separable_conv2d(images, depthwise_filters, pointwise_filters, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    dw = validate.array(depthwise_filters, "depthwise_filters", ndim=4)
    pw = validate.array(pointwise_filters, "pointwise_filters", ndim=4)
    kh, kw, c, m = dw.shape
    validate.require(images.shape[3] == c, f"images have {images.shape[3]} channels, depthwise_filters {c}")
    validate.require(pw.shape[:2] == (1, 1), f"pointwise_filters must be 1x1; got {pw.shape}")
    validate.require(pw.shape[2] == c * m, f"pointwise_filters need {c * m} input channels "
                                           f"(C * m); got {pw.shape[2]}")
    s = validate.positive_int(stride, "stride")
    x = pad_like_tf(images, kh, kw, s, padding)
    validate.require(kh <= x.shape[1] and kw <= x.shape[2], "depthwise_filters do not fit the images")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::s, ::s]
    return np.einsum("nijcab,abcm,cmf->nijf", windows, dw, pw[0, 0].reshape(c, m, -1))
'''),
        "dilate_kernel": Alt("np.einsum with 0/1 spreading matrices", '''
def dilate_kernel(kernel, d):
    kernel = validate.array(kernel, "kernel", ndim=4)
    d = validate.positive_int(d, "dilation d")
    kh, kw = kernel.shape[:2]
    spread_h = np.eye((kh - 1) * d + 1)[:, ::d]          # (kh_eff, kh): row m*d picks tap m
    spread_w = np.eye((kw - 1) * d + 1)[:, ::d]
    return np.einsum("pm,qn,mncf->pqcf", spread_h, spread_w, kernel)
'''),
        "dilated_conv2d": Alt("sliding_window_view of the dilated span, every d-th tap, np.einsum", '''
def dilated_conv2d(images, filters, d, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    d = validate.positive_int(d, "d (dilation)")
    kh, kw, c, f = filters.shape
    validate.require(images.shape[3] == c, f"images have {images.shape[3]} channels, filters {c}")
    eh, ew = d * (kh - 1) + 1, d * (kw - 1) + 1
    x = pad_like_tf(images, eh, ew, 1, padding)
    validate.require(eh <= x.shape[1] and ew <= x.shape[2],
                     f"dilated filters {eh}x{ew} do not fit images {x.shape[1]}x{x.shape[2]}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(1, 2))[..., ::d, ::d]
    return np.einsum("nijcab,abcf->nijf", windows, filters)
'''),
        "conv2d_transpose": Alt("as a convolution: zeros inserted between the inputs, padded by "
                                "k - 1, correlated with the flipped kernel (np.einsum)", '''
def conv2d_transpose(images, filters, output_shape, stride, padding):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
''' + _TRANSPOSE_CHECKS + '''
    spread = np.zeros((n, s * (h - 1) + 1, s * (w - 1) + 1, c))
    spread[:, ::s, ::s] = images
    spread = np.pad(spread, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(spread, (kh, kw), axis=(1, 2))
    full = np.einsum("nijcab,abfc->nijf", windows, filters[::-1, ::-1])
''' + _transpose_crop("out")),
        "param_count": Alt("a table of weight shapes per kind; sum of math.prod", '''
def param_count(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
    import math
    k, c_in, c_out = (validate.positive_int(v, n) for v, n in ((k, "k"), (c_in, "c_in"), (c_out, "c_out")))
    g, m = validate.positive_int(groups, "groups"), validate.positive_int(multiplier, "multiplier")
    shapes = {
        "standard": lambda: [(k, k, c_in, c_out)],
        "grouped": lambda: [(k, k, c_in // g, c_out)],
        "depthwise": lambda: [(k, k, c_in, m)],
        "pointwise": lambda: [(c_in, c_out)],
        "separable": lambda: [(k, k, c_in, m), (c_in * m, c_out)],
    }
    validate.require(kind in shapes, f"unknown kind {kind!r}: use one of {', '.join(shapes)}")
    if kind == "grouped":
        validate.require(c_in % g == 0 and c_out % g == 0, f"groups={g} does not divide {c_in} and {c_out}")
    if kind == "depthwise":
        validate.require(c_out == c_in * m, f"c_out={c_out} but c_in * multiplier = {c_in * m}")
    if kind == "pointwise":
        validate.require(k == 1, f"pointwise means k = 1, not k = {k}")
    return sum(math.prod(shape) for shape in shapes[kind]()) + (c_out if use_bias else 0)
'''),
    },
    "scalars": {
        "grouped_conv2d": Alt("a block-diagonal full kernel and the setup's conv2d", '''
def grouped_conv2d(images, filters, groups):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    c, (kh, kw, cg, f) = images.shape[-1], filters.shape
    if c % groups != 0:
        raise ValueError(f"groups={groups} does not divide the {c} image channels")
    if f % groups != 0:
        raise ValueError(f"groups={groups} does not divide the {f} filters")
    if cg != c // groups:
        raise ValueError(f"each group has {c // groups} channels but the filters take {cg} channels")
    fg = f // groups
    full = np.zeros((kh, kw, c, f))
    for g in range(groups):
        full[:, :, g * cg:(g + 1) * cg, g * fg:(g + 1) * fg] = filters[..., g * fg:(g + 1) * fg]
    return conv2d(images, full)
'''),
        "depthwise_conv2d": Alt("a block kernel (kh, kw, C, C*m) and the setup's conv2d", '''
def depthwise_conv2d(images, filters, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    kh, kw, c, m = filters.shape
    if images.shape[-1] != c:
        raise ValueError(f"depthwise filters are for {c} channels; the images have {images.shape[-1]} channels")
    full = np.zeros((kh, kw, c, c * m))
    for ch in range(c):
        full[:, :, ch, ch * m:(ch + 1) * m] = filters[:, :, ch, :]
    return conv2d(images, full, stride, padding)
'''),
        "pointwise_conv2d": Alt("np.tensordot", '''
def pointwise_conv2d(images, filters):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    if filters.shape[0] != 1 or filters.shape[1] != 1:
        raise ValueError(f"pointwise filters are 1x1 (shape (1, 1, C, F)); got {filters.shape}")
    if filters.shape[2] != images.shape[3]:
        raise ValueError(f"{images.shape[3]} image channels but filters for {filters.shape[2]} channels")
    return np.tensordot(images, filters[0, 0], axes=1)
'''),
        "separable_conv2d": Alt("the two kernels merged into one (kh, kw, C, F) kernel, then the "
                                "setup's conv2d", '''
def separable_conv2d(images, depthwise_filters, pointwise_filters, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    dw = validate.array(depthwise_filters, "depthwise_filters", ndim=4)
    pw = validate.array(pointwise_filters, "pointwise_filters", ndim=4)
    kh, kw, c, m = dw.shape
    if images.shape[3] != c:
        raise ValueError(f"{images.shape[3]} image channels, depthwise filters for {c} channels")
    if pw.shape[:2] != (1, 1):
        raise ValueError(f"pointwise filters must be 1x1, got {pw.shape[:2]}")
    if pw.shape[2] != c * m:
        raise ValueError(f"pointwise filters take {pw.shape[2]} channels; depthwise gives C*m = {c * m} channels")
    merged = np.einsum("abcm,cmf->abcf", dw, pw[0, 0].reshape(c, m, -1))
    return conv2d(images, merged, stride, padding)
'''),
        "dilate_kernel": Alt("np.kron with a one-hot d x d block, then cropped", '''
def dilate_kernel(kernel, d):
    kernel = validate.array(kernel, "kernel", ndim=4)
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"dilation d must be an integer >= 1, got {d!r}")
    kh, kw = kernel.shape[:2]
    block = np.zeros((d, d, 1, 1))
    block[0, 0] = 1.0
    return np.kron(kernel, block)[:(kh - 1) * d + 1, :(kw - 1) * d + 1]
'''),
        "dilated_conv2d": Alt("as_strided with the strides multiplied by d", '''
def dilated_conv2d(images, filters, d, padding="VALID"):
    from numpy.lib.stride_tricks import as_strided
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"dilation d must be a positive int, got {d!r}")
    kh, kw, c, f = filters.shape
    if images.shape[3] != c:
        raise ValueError(f"channels: images {images.shape[3]}, filters {c}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding {padding!r}: use VALID or SAME")
    eh, ew = (kh - 1) * d + 1, (kw - 1) * d + 1
    x = images
    if padding == "SAME":
        x = np.pad(images, ((0, 0), ((eh - 1) // 2, eh // 2), ((ew - 1) // 2, ew // 2), (0, 0)))
    n, hp, wp, _ = x.shape
    if eh > hp or ew > wp:
        raise ValueError(f"the dilated filter ({eh}x{ew}) does not fit the {hp}x{wp} input")
    x = np.ascontiguousarray(x)
    sn, sy, sx, sc = x.strides
    taps = as_strided(x, (n, hp - eh + 1, wp - ew + 1, kh, kw, c), (sn, sy, sx, sy * d, sx * d, sc),
                      writeable=False)
    return np.tensordot(taps, filters, axes=3)
'''),
        "conv2d_transpose": Alt("np.add.at scatter with index arrays", '''
def conv2d_transpose(images, filters, output_shape, stride, padding):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
''' + _TRANSPOSE_CHECKS + '''
    rows = (np.arange(h) * s)[:, None] + np.arange(kh)[None, :]
    cols = (np.arange(w) * s)[:, None] + np.arange(kw)[None, :]
    footprints = np.einsum("nijc,abfc->nijabf", images, filters)
    full = np.zeros((n, s * (h - 1) + kh, s * (w - 1) + kw, f))
    np.add.at(full, (slice(None), rows[:, None, :, None], cols[None, :, None, :]), footprints)
''' + _transpose_crop("out")),
        "param_count": Alt("np.prod of the weight shapes: returns an np.int64", '''
def param_count(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
    if kind not in ("standard", "grouped", "depthwise", "pointwise", "separable"):
        raise ValueError(f"unknown kind {kind!r}")
    for name, v in (("k", k), ("c_in", c_in), ("c_out", c_out), ("groups", groups), ("multiplier", multiplier)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    bias = c_out if use_bias else 0
    if kind == "standard":
        return np.prod([k, k, c_in, c_out]) + bias
    if kind == "grouped":
        if c_in % groups or c_out % groups:
            raise ValueError(f"groups={groups} must divide c_in and c_out")
        return np.prod([k, k, c_in // groups, c_out]) + bias
    if kind == "depthwise":
        if c_out != c_in * multiplier:
            raise ValueError(f"c_out must equal c_in * multiplier = {c_in * multiplier}")
        return np.prod([k, k, c_in, multiplier]) + bias
    if kind == "pointwise":
        if k != 1:
            raise ValueError(f"k must be 1 for a pointwise layer, got {k}")
        return np.prod([c_in, c_out]) + bias
    return np.prod([k, k, c_in, multiplier]) + np.prod([c_in, multiplier, c_out]) + bias
''', case="np.prod gives an np.int64"),
    },
    "lists": {
        "grouped_conv2d": Alt("np.asarray first, one tap loop per group, float32 result", '''
def grouped_conv2d(images, filters, groups):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images: expected (N, H, W, C), got shape {images.shape}")
    if filters.ndim != 4:
        raise ValueError(f"filters: expected (kh, kw, C // groups, F), got shape {filters.shape}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups: expected a positive int, got {groups!r}")
    c, f = images.shape[3], filters.shape[3]
    if c % groups or f % groups:
        raise ValueError(f"groups: {groups} must divide the channels ({c}) and the filters ({f})")
    if filters.shape[2] != c // groups:
        raise ValueError(f"filters: {filters.shape[2]} input channels, but each of the {groups} "
                         f"groups has {c // groups} channels")
    kh, kw = filters.shape[:2]
    oh, ow = images.shape[1] - kh + 1, images.shape[2] - kw + 1
    cg, fg = c // groups, f // groups
    parts = []
    for g in range(groups):
        x = images[..., g * cg:(g + 1) * cg]
        k = filters[..., g * fg:(g + 1) * fg]
        part = np.zeros((images.shape[0], oh, ow, fg))
        for a in range(kh):
            for b in range(kw):
                part += x[:, a:a + oh, b:b + ow, :] @ k[a, b]
        parts.append(part)
    return np.concatenate(parts, axis=3).astype(np.float32)
'''),
        "depthwise_conv2d": Alt("np.asarray first, broadcasting over the multiplier per tap, "
                                "float32 result", '''
def depthwise_conv2d(images, filters, stride=1, padding="VALID"):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if images.ndim != 4 or filters.ndim != 4:
        raise ValueError(f"images and filters must be 4-D, got {images.shape} and {filters.shape}")
    kh, kw, c, m = filters.shape
    if images.shape[3] != c:
        raise ValueError(f"channels: the images have {images.shape[3]}, the filters {c}")
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride: expected a positive int, got {stride!r}")
    x = pad_like_tf(images, kh, kw, stride, padding)
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError(f"the filters ({kh}x{kw}) do not fit in the images ({x.shape[1]}x{x.shape[2]})")
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, c, m))
    for a in range(kh):
        for b in range(kw):
            taps = x[:, a:a + stride * (oh - 1) + 1:stride, b:b + stride * (ow - 1) + 1:stride, :]
            out += taps[..., None] * filters[a, b]
    return out.reshape(x.shape[0], oh, ow, c * m).astype(np.float32)
'''),
        "pointwise_conv2d": Alt("np.asarray first, (N*H*W, C) @ (C, F), float32 result", '''
def pointwise_conv2d(images, filters):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images: expected (N, H, W, C), got shape {images.shape}")
    if filters.ndim != 4:
        raise ValueError(f"filters: expected (1, 1, C, F), got shape {filters.shape}")
    if filters.shape[:2] != (1, 1):
        raise ValueError(f"filters: a pointwise convolution uses 1x1 filters, got {filters.shape[0]}x{filters.shape[1]}")
    n, h, w, c = images.shape
    if filters.shape[2] != c:
        raise ValueError(f"filters: made for {filters.shape[2]} channels, the images have {c} channels")
    return (images.reshape(-1, c) @ filters.reshape(c, -1)).reshape(n, h, w, -1).astype(np.float32)
'''),
        "separable_conv2d": Alt("np.asarray first, the depthwise step by a tap loop, then "
                                "np.tensordot with the pointwise weights, float32 result", '''
def separable_conv2d(images, depthwise_filters, pointwise_filters, stride=1, padding="VALID"):
    images = np.asarray(images, dtype=float)
    dw = np.asarray(depthwise_filters, dtype=float)
    pw = np.asarray(pointwise_filters, dtype=float)
    if images.ndim != 4 or dw.ndim != 4 or pw.ndim != 4:
        raise ValueError("images, depthwise_filters and pointwise_filters: expected 4-D arrays")
    kh, kw, c, m = dw.shape
    if images.shape[3] != c:
        raise ValueError(f"depthwise_filters: made for {c} channels, the images have {images.shape[3]} channels")
    if pw.shape[:2] != (1, 1):
        raise ValueError(f"pointwise_filters: expected 1x1 filters (1, 1, C*m, F), got {pw.shape}")
    if pw.shape[2] != c * m:
        raise ValueError(f"pointwise_filters: made for {pw.shape[2]} channels, the depthwise step "
                         f"gives {c * m} channels")
    x = pad_like_tf(images, kh, kw, stride, padding)
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    depth = np.zeros((x.shape[0], oh, ow, c, m))
    for a in range(kh):
        for b in range(kw):
            taps = x[:, a:a + stride * (oh - 1) + 1:stride, b:b + stride * (ow - 1) + 1:stride, :]
            depth += taps[..., None] * dw[a, b]
    return np.tensordot(depth.reshape(depth.shape[:3] + (c * m,)), pw[0, 0], axes=1).astype(np.float32)
'''),
        "dilate_kernel": Alt("np.asarray first, strided assignment into a float32 array", '''
def dilate_kernel(kernel, d):
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel: expected (kh, kw, C, F), got shape {kernel.shape}")
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d: the dilation must be a whole number >= 1, got {d!r}")
    kh, kw = kernel.shape[:2]
    out = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1) + kernel.shape[2:], dtype=np.float32)
    out[::d, ::d] = kernel
    return out
'''),
        "dilated_conv2d": Alt("np.asarray first, its own dilated kernel and the setup's conv2d, "
                              "float32 result", '''
def dilated_conv2d(images, filters, d, padding="VALID"):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if filters.ndim != 4:
        raise ValueError(f"filters: expected (kh, kw, C, F), got shape {filters.shape}")
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d: the dilation must be a whole number >= 1, got {d!r}")
    kh, kw = filters.shape[:2]
    spread = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1) + filters.shape[2:])
    spread[::d, ::d] = filters
    return conv2d(images, spread, 1, padding).astype(np.float32)
'''),
        "conv2d_transpose": Alt("np.asarray first (output_shape may be a list), np.tensordot per "
                                "kernel tap, float32 result", '''
def conv2d_transpose(images, filters, output_shape, stride, padding):
    images, filters = np.asarray(images, dtype=float), np.asarray(filters, dtype=float)
    if images.ndim != 4 or filters.ndim != 4:
        raise ValueError(f"images and filters must be 4-D; got {images.shape} and {filters.shape}")
    if isinstance(output_shape, np.ndarray):
        output_shape = output_shape.tolist()
''' + _TRANSPOSE_CHECKS + '''
    full = np.zeros((n, s * (h - 1) + kh, s * (w - 1) + kw, f))
    for a in range(kh):
        for b in range(kw):
            full[:, a:a + s * (h - 1) + 1:s, b:b + s * (w - 1) + 1:s] += np.tensordot(images, filters[a, b], axes=([3], [1]))
''' + _transpose_crop("out.astype(np.float32)")),
        "param_count": Alt("the sizes as one array, checked together; int() result", '''
def param_count(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
    kinds = ["standard", "grouped", "depthwise", "pointwise", "separable"]
    if kind not in kinds:
        raise ValueError(f"kind: expected one of {kinds}, got {kind!r}")
    names = ["k", "c_in", "c_out", "groups", "multiplier"]
    values = [k, c_in, c_out, groups, multiplier]
    for name, v in zip(names, values):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: expected a whole number >= 1, got {v!r}")
    k, c_in, c_out, groups, m = np.array(values, dtype=np.int64)
    if kind == "grouped" and (c_in % groups or c_out % groups):
        raise ValueError(f"groups: {groups} groups must divide c_in = {c_in} and c_out = {c_out}")
    if kind == "depthwise" and c_out != c_in * m:
        raise ValueError(f"c_out: a depthwise layer gives c_in * multiplier = {c_in * m} outputs, not {c_out}")
    if kind == "pointwise" and k != 1:
        raise ValueError(f"k: a pointwise layer is 1x1, got k = {k}")
    weights = {"standard": k * k * c_in * c_out, "grouped": k * k * (c_in // groups) * c_out,
               "depthwise": k * k * c_in * m, "pointwise": c_in * c_out,
               "separable": k * k * c_in * m + c_in * m * c_out}[kind]
    return int(weights + (c_out if use_bias else 0))
'''),
    },
}


_KERAS_INSIDE = """
    import keras
    from keras import layers
"""

_POSITIVE = """
def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)

"""

_CH06_KERAS = {
    "build_mnist_cnn": Alt("Sequential.add in a loop, tuple kernel sizes, activation functions "
                           "instead of names", """
def build_mnist_cnn():""" + _KERAS_INSIDE + """
    model = keras.Sequential(name="mnist")
    model.add(keras.Input(shape=(28, 28, 1)))
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, kernel_size=(5, 5), strides=(1, 1), padding="same",
                                activation=keras.activations.relu))
        model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(1024, activation="relu"))
    model.add(layers.Dropout(rate=0.5))
    model.add(layers.Dense(10, activation=keras.activations.softmax))
    return model
"""),
    "train_and_evaluate": Alt("optimizer and loss as objects, evaluate(return_dict=True)", """
def train_and_evaluate(model, data, epochs, batch_size, callbacks=()):""" + _KERAS_INSIDE + """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    missing = [key for key in ("x_train", "y_train", "x_test", "y_test") if key not in data]
    if missing:
        raise ValueError(f"data is missing the key(s) {missing}")
    for part in ("train", "test"):
        x, y = data["x_" + part], data["y_" + part]
        if len(x) != len(y):
            raise ValueError(f"x_{part} has {len(x)} images but y_{part} has {len(y)} labels")
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy"])
    fit = model.fit(data["x_train"], data["y_train"], batch_size=int(batch_size), epochs=int(epochs),
                    validation_split=0.1, callbacks=list(callbacks), verbose=0)
    scores = model.evaluate(data["x_test"], data["y_test"], verbose=0, return_dict=True)
    return fit.history, float(scores["accuracy"])
"""),
    "vgg_block": Alt("separate Activation layers after linear convolutions", _POSITIVE + """
def vgg_block(x, filters, convs):""" + _KERAS_INSIDE + """
    filters, convs = _positive(filters, "filters"), _positive(convs, "convs")
    for _ in range(convs):
        x = layers.Conv2D(filters, (3, 3), padding="same")(x)
        x = layers.Activation("relu")(x)
    return layers.MaxPooling2D(pool_size=2, strides=2)(x)
"""),
    "inception_module": Alt("branches built in another order, layers.concatenate", _POSITIVE + """
def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):""" + _KERAS_INSIDE + """
    sizes = dict(f1=f1, f3_reduce=f3_reduce, f3=f3, f5_reduce=f5_reduce, f5=f5, pool_proj=pool_proj)
    sizes = {name: _positive(value, name) for name, value in sizes.items()}

    def conv(filters, size):
        return layers.Conv2D(filters, (size, size), padding="same", activation="relu")

    pooled = layers.MaxPooling2D(pool_size=(3, 3), strides=(1, 1), padding="same")(x)
    pooled = conv(sizes["pool_proj"], 1)(pooled)
    five = conv(sizes["f5"], 5)(conv(sizes["f5_reduce"], 1)(x))
    three = conv(sizes["f3"], 3)(conv(sizes["f3_reduce"], 1)(x))
    one = conv(sizes["f1"], 1)(x)
    return layers.concatenate([one, three, five, pooled], axis=-1)
"""),
    "residual_block": Alt("shortcut built first, Activation('relu') and layers.add", _POSITIVE + """
def residual_block(x, filters, stride=1):""" + _KERAS_INSIDE + """
    filters, stride = _positive(filters, "filters"), _positive(stride, "stride")
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization(gamma_initializer="zeros")(y)
    return layers.Activation("relu")(layers.add([y, shortcut]))
"""),
}


def _imports_at_the_top(alt: Alt) -> Alt:
    """The same implementation with `import keras` at the top of the cell, as Keras code is
    usually written, instead of inside the function."""
    return Alt(alt.what + "; `import keras` at the top of the cell",
               "\nimport keras\nfrom keras import layers\n" + alt.source.replace(_KERAS_INSIDE, "\n"),
               case="`import keras` at the top of a solution cell")


CH06 = {
    "keras": _CH06_KERAS,
    "toplevel": {gid: _imports_at_the_top(alt) for gid, alt in _CH06_KERAS.items()},
}


_BUILD_AUTOENCODER = Alt("Sequential.add in a loop, keras.regularizers.l1", """
def build_autoencoder(input_dim, hidden_sizes, activation="relu", l1=0.0):""" + _KERAS_INSIDE + """
    if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) or input_dim < 1:
        raise ValueError(f"input_dim must be a positive integer; got {input_dim!r}")
    if len(hidden_sizes) == 0:
        raise ValueError("hidden_sizes must name at least one hidden layer")
    for size in hidden_sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"hidden_sizes must be positive integers; got {list(hidden_sizes)}")
    if activation not in ("relu", "sigmoid", "tanh"):
        raise ValueError(f"activation must be relu, sigmoid or tanh; got {activation!r}")
    if not l1 >= 0:
        raise ValueError(f"l1 must not be negative; got {l1}")
    model = keras.Sequential()
    model.add(keras.Input(shape=(int(input_dim),)))
    for i, units in enumerate(hidden_sizes):
        penalty = keras.regularizers.l1(l1) if i == 0 and l1 > 0 else None
        model.add(layers.Dense(int(units), activation=activation, activity_regularizer=penalty))
    model.add(layers.Dense(int(input_dim), activation=None))
    return model
""")

CH07 = {
    "loops": {
        "reconstruction_error": Alt("a loop over the rows", '''
def reconstruction_error(x, x_hat):
    x, x_hat = np.asarray(x, dtype=float), np.asarray(x_hat, dtype=float)
    if x.ndim != 2 or x_hat.ndim != 2:
        raise ValueError(f"x and x_hat must be 2-D (N, D); got {x.ndim}-D and {x_hat.ndim}-D")
    if x.shape != x_hat.shape:
        raise ValueError(f"x {x.shape} and x_hat {x_hat.shape} do not have the same shape")
    errors = np.empty(len(x))
    for i in range(len(x)):
        errors[i] = sum((a - b) ** 2 for a, b in zip(x[i], x_hat[i])) / x.shape[1]
    return errors
'''),
        "build_autoencoder": _imports_at_the_top(_BUILD_AUTOENCODER),
        "corrupt": Alt("rng.permutation picks the values, a loop changes them", '''
def corrupt(x, rate, mode="mask", seed=None, sigma=1.0):
    x = np.asarray(x, dtype=float)
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must be a fraction between 0 and 1; got {rate}")
    if mode not in ("mask", "gaussian"):
        raise ValueError(f"mode must be 'mask' or 'gaussian'; got {mode!r}")
    if sigma < 0:
        raise ValueError(f"sigma (the noise's standard deviation) must be >= 0; got {sigma}")
    rng = np.random.default_rng(seed)
    out = x.copy()
    flat = out.reshape(-1)
    count = int(round(rate * flat.size))
    for index in rng.permutation(flat.size)[:count]:
        if mode == "mask":
            flat[index] = 0.0
        else:
            flat[index] += rng.normal(0.0, sigma)
    return out
'''),
        "contractive_penalty": Alt("loops over rows and hidden units", '''
def contractive_penalty(x, W, b):
    x, W, b = (np.asarray(a, dtype=float) for a in (x, W, b))
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (N, D); got shape {x.shape}")
    if W.ndim != 2 or W.shape[0] != x.shape[1]:
        raise ValueError(f"W must be (D, H) with D = {x.shape[1]} rows to match x; got {W.shape}")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have {W.shape[1]} entries, one per hidden unit; got {b.shape}")
    column_norms = [sum(W[i, j] ** 2 for i in range(W.shape[0])) for j in range(W.shape[1])]
    penalty = np.zeros(len(x))
    for n in range(len(x)):
        for j in range(W.shape[1]):
            h = 1.0 / (1.0 + np.exp(-(x[n] @ W[:, j] + b[j])))
            penalty[n] += (h * (1.0 - h)) ** 2 * column_norms[j]
    return penalty
'''),
        "relu_contractive_penalty": Alt("loops over rows and hidden units, an if for the active ones", '''
def relu_contractive_penalty(x, W, b):
    x, W, b = (np.asarray(a, dtype=float) for a in (x, W, b))
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (N, D); got shape {x.shape}")
    if W.ndim != 2 or W.shape[0] != x.shape[1]:
        raise ValueError(f"W must be (D, H) with D = {x.shape[1]} rows to match x; got {W.shape}")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have {W.shape[1]} entries, one per hidden unit; got {b.shape}")
    penalty = np.zeros(len(x))
    for n in range(len(x)):
        for j in range(W.shape[1]):
            if x[n] @ W[:, j] + b[j] > 0:
                penalty[n] += sum(W[i, j] ** 2 for i in range(W.shape[0]))
    return penalty
'''),
        "choose_threshold": Alt("walks down the sorted fraud errors until the recall is reached", '''
def choose_threshold(errors, labels, target_recall):
    errors, labels = np.asarray(errors, dtype=float), np.asarray(labels)
    if errors.ndim != 1 or errors.shape != labels.shape:
        raise ValueError(f"errors and labels must be 1-D of the same shape; got {errors.shape} and {labels.shape}")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels may only contain 0 (normal) and 1 (fraud)")
    frauds = sorted(errors[labels == 1], reverse=True)
    if not frauds:
        raise ValueError("labels contain no fraud (no 1): recall is undefined")
    if not 0 < target_recall <= 1:
        raise ValueError(f"target_recall must be in (0, 1]; got {target_recall}")
    caught = 0
    for t in frauds:
        caught += 1
        if caught / len(frauds) >= target_recall:
            return float(t)
    return float(frauds[-1])
'''),
    },
    "vectorised": {
        "build_autoencoder": _BUILD_AUTOENCODER,
        "reconstruction_error": Alt("np.einsum of the difference with itself", '''
def reconstruction_error(x, x_hat):
    x = validate.array(x, "x", ndim=2)
    x_hat = validate.array(x_hat, "x_hat", ndim=2)
    validate.require(x.shape == x_hat.shape, f"shapes differ: x {x.shape}, x_hat {x_hat.shape}")
    diff = x - x_hat
    return np.einsum("nd,nd->n", diff, diff) / x.shape[1]
'''),
        "corrupt": Alt("a boolean mask from rng.choice, np.where", '''
def corrupt(x, rate, mode="mask", seed=None, sigma=1.0):
    x = validate.array(x, "x", allow_empty=True)
    validate.require(np.ndim(rate) == 0 and 0.0 <= rate <= 1.0, f"rate {rate!r} is not in [0, 1]")
    validate.require(mode in ("mask", "gaussian"), f"unknown mode {mode!r}: mask or gaussian")
    validate.require(sigma >= 0, f"sigma must be >= 0, not {sigma}")
    rng = np.random.default_rng(seed)
    chosen = np.zeros(x.size, dtype=bool)
    chosen[rng.choice(x.size, size=int(round(rate * x.size)), replace=False)] = True
    chosen = chosen.reshape(x.shape)
    if mode == "mask":
        return np.where(chosen, 0.0, x)
    noise = np.zeros(x.shape)
    noise[chosen] = rng.normal(0.0, sigma, size=int(chosen.sum()))
    return x + noise
'''),
        "contractive_penalty": Alt("the full Jacobian (N, D, H) with np.einsum, then its squared norm", '''
def contractive_penalty(x, W, b):
    x = validate.array(x, "x", ndim=2)
    W = validate.array(W, "W", ndim=2)
    b = validate.array(b, "b", ndim=1)
    validate.require(W.shape[0] == x.shape[1], f"W has {W.shape[0]} rows, x has {x.shape[1]} columns")
    validate.require(b.size == W.shape[1], f"b has {b.size} values, W has {W.shape[1]} hidden units")
    h = 1.0 / (1.0 + np.exp(-(x @ W + b)))
    jacobian = np.einsum("nh,dh->ndh", h * (1.0 - h), W)
    return np.einsum("ndh,ndh->n", jacobian, jacobian)
'''),
        "relu_contractive_penalty": Alt("the full Jacobian (N, D, H) with np.einsum and np.heaviside", '''
def relu_contractive_penalty(x, W, b):
    x = validate.array(x, "x", ndim=2)
    W = validate.array(W, "W", ndim=2)
    b = validate.array(b, "b", ndim=1)
    validate.require(W.shape[0] == x.shape[1], f"W has {W.shape[0]} rows, x has {x.shape[1]} columns")
    validate.require(b.size == W.shape[1], f"b has {b.size} values, W has {W.shape[1]} hidden units")
    slope = np.heaviside(x @ W + b, 0.0)
    jacobian = np.einsum("nh,dh->ndh", slope, W)
    return np.einsum("ndh,ndh->n", jacobian, jacobian)
'''),
        "choose_threshold": Alt("tries every fraud error as the threshold at once (broadcasting)", '''
def choose_threshold(errors, labels, target_recall):
    errors = validate.array(errors, "errors", ndim=1)
    labels = validate.array(labels, "labels", ndim=1)
    validate.require(errors.shape == labels.shape, f"errors {errors.shape} and labels {labels.shape} "
                                                   f"must have the same shape")
    validate.require(np.all(np.isin(labels, [0, 1])), "labels must be 0 or 1")
    validate.require(np.any(labels == 1), "labels: no fraud (1) among them")
    validate.require(0 < target_recall <= 1, f"target_recall {target_recall} is not in (0, 1]")
    candidates = np.unique(errors[labels == 1])
    recall = (errors[labels == 1][None, :] >= candidates[:, None]).mean(axis=1)
    return float(candidates[recall >= target_recall].max())
'''),
    },
    "scalars": {
        "reconstruction_error": Alt("np.square, divided by an np.float64 count", '''
def reconstruction_error(x, x_hat):
    x = validate.array(x, "x", ndim=2)
    x_hat = validate.array(x_hat, "x_hat", ndim=2)
    if x.shape != x_hat.shape:
        raise ValueError(f"x and x_hat must have equal shapes; got {x.shape} vs {x_hat.shape}")
    return np.square(x - x_hat).sum(axis=1) / np.float64(x.shape[1])
'''),
        "corrupt": Alt("rng.permutation and np.put", '''
def corrupt(x, rate, mode="mask", seed=None, sigma=1.0):
    x = validate.array(x, "x", allow_empty=True)
    if not np.float64(0.0) <= rate <= np.float64(1.0):
        raise ValueError(f"rate must be in [0, 1], got {rate}")
    if mode not in ("mask", "gaussian"):
        raise ValueError(f"mode must be 'mask' or 'gaussian', got {mode!r}")
    if sigma < 0:
        raise ValueError(f"sigma must be non-negative, got {sigma}")
    rng = np.random.default_rng(seed)
    out = np.array(x, dtype=np.float64)
    picked = rng.permutation(out.size)[:np.int64(np.round(rate * out.size))]
    if mode == "mask":
        np.put(out, picked, 0.0)
    else:
        np.put(out, picked, out.flat[picked] + sigma * rng.standard_normal(picked.size))
    return out
'''),
        "contractive_penalty": Alt("the sigmoid through np.tanh, h(1 - h) = (1 - tanh^2(z/2)) / 4", '''
def contractive_penalty(x, W, b):
    x = validate.array(x, "x", ndim=2)
    W = validate.array(W, "W", ndim=2)
    b = validate.array(b, "b", ndim=1)
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W needs {x.shape[1]} rows (one per column of x), has {W.shape[0]}")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b needs {W.shape[1]} values (one per hidden unit), has {b.shape[0]}")
    slope = 0.25 * (1.0 - np.tanh(0.5 * (x @ W + b)) ** 2)
    return np.square(slope) @ np.square(W).sum(axis=0)
'''),
        "relu_contractive_penalty": Alt("np.where for the active units, np.square", '''
def relu_contractive_penalty(x, W, b):
    x = validate.array(x, "x", ndim=2)
    W = validate.array(W, "W", ndim=2)
    b = validate.array(b, "b", ndim=1)
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W needs {x.shape[1]} rows (one per column of x), has {W.shape[0]}")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b needs {W.shape[1]} values (one per hidden unit), has {b.shape[0]}")
    column_norms = np.square(W).sum(axis=0)
    return np.where(x @ W + b > np.float64(0.0), column_norms, np.float64(0.0)).sum(axis=1)
'''),
        "choose_threshold": Alt("returns the np.float64 element itself (no float())", '''
def choose_threshold(errors, labels, target_recall):
    errors = validate.array(errors, "errors", ndim=1)
    labels = validate.array(labels, "labels", ndim=1)
    if errors.shape != labels.shape:
        raise ValueError(f"errors and labels must have the same shape, got {errors.shape} and {labels.shape}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    frauds = np.sort(errors[labels == 1])[::-1]
    if frauds.size == 0:
        raise ValueError("labels: there is no fraud, so no recall")
    if not 0 < target_recall <= 1:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall}")
    recall = np.arange(1, frauds.size + 1) / frauds.size
    return frauds[np.flatnonzero(recall >= target_recall)[0]]
''', case="an np.float64 result"),
    },
    "lists": {
        "reconstruction_error": Alt("np.asarray first, float32 result", '''
def reconstruction_error(x, x_hat):
    x, x_hat = np.asarray(x, dtype=float), np.asarray(x_hat, dtype=float)
    for name, a in (("x", x), ("x_hat", x_hat)):
        if a.ndim != 2:
            raise ValueError(f"{name}: expected a 2-D (N, D) array, got shape {a.shape}")
    if x.shape != x_hat.shape:
        raise ValueError(f"x_hat must have the shape of x {x.shape}; got {x_hat.shape}")
    return ((x - x_hat) ** 2).mean(axis=1).astype(np.float32)
'''),
        "corrupt": Alt("np.asarray first (lists accepted), indices from rng.choice on the flat copy", '''
def corrupt(x, rate, mode="mask", seed=None, sigma=1.0):
    out = np.array(x, dtype=float)
    rate, sigma = float(rate), float(sigma)
    if rate < 0 or rate > 1:
        raise ValueError(f"rate: expected a fraction in [0, 1], got {rate}")
    if mode not in ["mask", "gaussian"]:
        raise ValueError(f"mode: expected 'mask' or 'gaussian', got {mode!r}")
    if sigma < 0:
        raise ValueError(f"sigma: expected a standard deviation >= 0, got {sigma}")
    rng = np.random.default_rng(seed)
    flat = out.ravel()
    idx = rng.choice(flat.size, int(round(rate * flat.size)), replace=False)
    flat[idx] = 0.0 if mode == "mask" else flat[idx] + rng.normal(0.0, sigma, idx.size)
    return flat.reshape(out.shape)
'''),
        "contractive_penalty": Alt("np.asarray first, scipy.special.expit (allowed: not a "
                                   "convolution), float32 result", '''
def contractive_penalty(x, W, b):
    from scipy.special import expit
    x, W, b = np.asarray(x, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x: expected a 2-D (N, D) array, got shape {x.shape}")
    if W.ndim != 2 or len(W) != x.shape[1]:
        raise ValueError(f"W: expected {x.shape[1]} rows (D, H), got shape {W.shape}")
    if b.ndim != 1 or len(b) != W.shape[1]:
        raise ValueError(f"b: expected {W.shape[1]} values (H,), got shape {b.shape}")
    h = expit(x @ W + b)
    return (((h * (1 - h)) ** 2) * (W ** 2).sum(axis=0)).sum(axis=1).astype(np.float32)
'''),
        "relu_contractive_penalty": Alt("np.asarray first, the ReLU's derivative as np.sign of "
                                        "the activation, float32 result", '''
def relu_contractive_penalty(x, W, b):
    x, W, b = np.asarray(x, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x: expected a 2-D (N, D) array, got shape {x.shape}")
    if W.ndim != 2 or len(W) != x.shape[1]:
        raise ValueError(f"W: expected {x.shape[1]} rows (D, H), got shape {W.shape}")
    if b.ndim != 1 or len(b) != W.shape[1]:
        raise ValueError(f"b: expected {W.shape[1]} values (H,), got shape {b.shape}")
    derivative = np.sign(np.maximum(x @ W + b, 0.0))
    return (derivative * (W ** 2).sum(axis=0)).sum(axis=1).astype(np.float32)
'''),
        "choose_threshold": Alt("np.asarray first, the scores as float32: returns an np.float32", '''
def choose_threshold(errors, labels, target_recall):
    errors, labels = np.asarray(errors, dtype=np.float32), np.asarray(labels)
    if errors.shape != labels.shape or errors.ndim != 1:
        raise ValueError(f"errors and labels: expected two (N,) arrays of the same shape, got "
                         f"{errors.shape} and {labels.shape}")
    if not set(np.unique(labels).tolist()) <= {0, 1}:
        raise ValueError("labels: expected only 0 (normal) and 1 (fraud)")
    n_fraud = int((labels == 1).sum())
    if n_fraud == 0:
        raise ValueError("labels: at least one fraud (1) is needed")
    if not 0 < target_recall <= 1:
        raise ValueError(f"target_recall: expected a number in (0, 1], got {target_recall}")
    ranked = np.sort(errors[labels == 1])[::-1]
    recall = np.arange(1, n_fraud + 1) / n_fraud
    return ranked[np.argmax(recall >= target_recall)]
''', case="an np.float32 result"),
    },
}


ALTERNATIVES = {
    "01_filter_sliding": CH01,
    "02_stride_padding": CH02,
    "03_pooling_flatten": CH03,
    "04_batch_norm": CH04,
    "05_conv_variants": CH05,
    "06_cnn_classifier": CH06,
    "07_autoencoders": CH07,
}
from fairness_08_backprop import CH08  # noqa: E402 (chapter 8's table, in its own file)
ALTERNATIVES["08_backprop"] = CH08


def exercises(chapter: str) -> list:
    """The chapter's graded exercises: the grade_ids of its solution cells, in order."""
    return [h.meta(c)["grade_id"] for c in h.source_notebook(chapter).cells
            if h.meta(c).get("solution")]


def styles(chapter: str) -> list:
    return list(ALTERNATIVES[chapter])


def submissions() -> list:
    """Every (chapter, style) pair: one submission each."""
    return [(chapter, style) for chapter in ALTERNATIVES for style in styles(chapter)]


def replacements(chapter: str, style: str) -> dict:
    """grade_id -> solution cell source of the style (exercises it lacks keep the reference)."""
    return {gid: alt.source for gid, alt in ALTERNATIVES[chapter][style].items()}


def mixed_styles(chapter: str) -> dict:
    """grade_id -> style for the chapter's one submission that mixes the styles: exercise i takes
    style i mod n (the next style that has it, where that one lacks it), so one grading through
    nbgrader covers every style of the chapter that has exercises enough."""
    names = styles(chapter)
    chosen = {}
    for i, gid in enumerate(exercises(chapter)):
        turn = [names[(i + k) % len(names)] for k in range(len(names))]
        style = next((s for s in turn if gid in ALTERNATIVES[chapter][s]), None)
        if style:
            chosen[gid] = style
    return chosen


def submission(chapter: str, style: str | None = None):
    """The released notebook with the reference solutions filled in, then every solution cell
    the style has replaced by the style's implementation (style None: the mixed_styles)."""
    from attacks import honest_notebook

    nb = honest_notebook(chapter)
    if style is None:
        sources = {gid: ALTERNATIVES[chapter][s][gid].source
                   for gid, s in mixed_styles(chapter).items()}
    else:
        sources = replacements(chapter, style)
    for cell in nb.cells:
        gid = h.meta(cell).get("grade_id")
        if gid in sources:
            cell.source = sources[gid]
    return nb


def exercise_of(chapter: str, test_id: str) -> str:
    """The exercise a test cell grades (``test_<exercise>[_...]``, the longest name that fits)."""
    owners = [e for e in exercises(chapter) if test_id == f"test_{e}" or test_id.startswith(f"test_{e}_")]
    return max(owners, key=len) if owners else "?"


def named_cases() -> list:
    """(chapter, style, exercise, case) of every alternative that carries a named case."""
    return [(chapter, style, gid, alt.case) for chapter, table in ALTERNATIVES.items()
            for style, alts in table.items() for gid, alt in alts.items() if alt.case]


# --- validation messages in a student's own words ------------------------------------------------
@dataclass(frozen=True)
class Wording:
    """A validation message in a student's own words. The reference solution is wrapped: for bad
    input matching ``when`` (a Python condition on the bound arguments ``a``) it raises
    ValueError(message) instead; everything else is the reference's. ``language`` is the edition
    the notebook is in (CONVLAB_LANG while it is graded)."""
    chapter: str
    exercise: str
    when: str
    message: str        # an f-string over ``a``
    language: str = "en"

    def source(self) -> str:
        reference = next(c.source for c in h.source_notebook(self.chapter).cells
                         if h.meta(c).get("grade_id") == self.exercise)
        inner = f"_reference_{self.exercise}"
        return (reference.replace(f"def {self.exercise}(", f"def {inner}(", 1) + f'''


def {self.exercise}(*args, **kwargs):
    import inspect
    bound = inspect.signature({inner}).bind(*args, **kwargs)
    bound.apply_defaults()
    a = bound.arguments
    if {self.when}:
        raise ValueError(f{self.message!r})
    return {inner}(*args, **kwargs)
''')


OWN_WORDS = [
    Wording("01_filter_sliding", "conv2d_single", "np.ndim(a['image']) != 2",
            "expected a 2-D image, got {np.ndim(a['image'])} dimensions"),
    Wording("01_filter_sliding", "conv2d_single", "np.ndim(a['image']) != 2",
            "image 必须是二维数组，收到的是 {np.ndim(a['image'])} 维", "zh_CN"),
    # the Chinese term alone, without the argument's name: accepted in the Chinese edition
    Wording("01_filter_sliding", "conv2d_single", "np.ndim(a['image']) != 2",
            "图像必须是二维数组，收到的是 {np.ndim(a['image'])} 维", "zh_CN"),
    Wording("01_filter_sliding", "conv2d_multi",
            "np.shape(a['images'])[-1] != np.shape(a['filters'])[2]",
            "滤波器的输入通道数（{np.shape(a['filters'])[2]}）与图像的通道数"
            "（{np.shape(a['images'])[-1]}）不同", "zh_CN"),
    Wording("02_stride_padding", "conv_output_size", "isinstance(a['s'], int) and a['s'] < 1",
            "the stride s should be a positive integer (you gave {a['s']})"),
]

# the control: a message that names nothing loses the points of its test (so the cases above
# are accepted for their words, not because the test does not look)
VAGUE = Wording("01_filter_sliding", "conv2d_single", "np.ndim(a['image']) != 2",
                "bad input")

"""Pure computations behind chapter 3's pooling widget (no widgets, no plotting here).

    pool2d(images, size, stride, mode, padding)   a NumPy reference of tf.nn.max_pool2d/avg_pool2d
                                                  (the reference answer of the exercise)
    feature_map(name)                             an edge-detector output (ReLU of Sobel x) to pool
    window_at(fmap, size, stride, mode, padding, index)   one window: where it is, what it keeps
    run_pool_fn(fn, fmap, size, stride, mode, padding)    a (student's) pool2d's answer, or why not
    shift_right(fmap, pixels)                     the map moved right, zeros coming in at the left
    keras_shapes(input_shape, layers)             what Keras says for a chapter-3 layer list (the
                                                  oracle of cnn_shapes' tests)
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from convlab import studentfn, validate
from convlab.i18n import N_, _
from convlab.ch02_stride_padding.compute import same_padding

MODES = ("max", "avg")
PADDINGS = ("VALID", "SAME")
IMAGES = ("photo", "digit")
# how the widget names the images (translated where shown)
IMAGE_LABELS = {"photo": N_("photo"), "digit": N_("digit")}


def pair(x, name: str) -> tuple:
    """An int or a pair of ints, as a pair of positive ints."""
    if isinstance(x, (tuple, list)):
        validate.require(len(x) == 2, _("{name} must be an int or a pair of ints; got {value!r}")
                         .format(name=name, value=x))
        return tuple(validate.positive_int(v, name) for v in x)
    v = validate.positive_int(x, name)
    return v, v


def pads(h: int, w: int, size, stride, padding: str) -> tuple:
    """((top, bottom), (left, right)) as TensorFlow pads for pooling ("VALID": none)."""
    (kh, kw), (sh, sw) = pair(size, "size"), pair(stride, "stride")
    if padding == "VALID":
        return (0, 0), (0, 0)
    return same_padding(h, kh, sh), same_padding(w, kw, sw)


def pool2d(images, size=2, stride=None, mode: str = "max", padding="VALID",
         pad_value: Optional[float] = None) -> np.ndarray:
    """Max/average pooling of an (N, H, W, C) batch as TensorFlow does it.

    padding: "VALID", "SAME" or explicit ((top, bottom), (left, right)). Padded cells are ignored
    (max) or not counted (avg), unless ``pad_value`` is given: then they hold that value and
    count (used to reproduce mistakes).
    """
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    kh, kw = pair(size, "size")
    sh, sw = pair(size if stride is None else stride, "stride")
    validate.require(mode in MODES, _('mode must be "max" or "avg"; got {mode!r}').format(mode=mode))
    n, h, w, c = images.shape
    if isinstance(padding, str):
        validate.require(padding in PADDINGS, _('padding must be "VALID" or "SAME"; got {padding!r}')
                         .format(padding=padding))
        (t, b), (l, r) = pads(h, w, (kh, kw), (sh, sw), padding)
    else:
        (t, b), (l, r) = padding
    hp, wp = h + t + b, w + l + r
    validate.require(kh <= hp and kw <= wp, _("the window {kh}x{kw} does not fit into {hp}x{wp}")
                     .format(kh=kh, kw=kw, hp=hp, wp=wp))
    real = np.zeros((1, hp, wp, 1))
    real[:, t:t + h, l:l + w] = 1.0
    fill = pad_value if pad_value is not None else (-np.inf if mode == "max" else 0.0)
    x = np.full((n, hp, wp, c), float(fill))
    x[:, t:t + h, l:l + w] = images
    view = np.lib.stride_tricks.sliding_window_view
    win = view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    if mode == "max":
        return win.max(axis=(-2, -1))
    if pad_value is not None:
        return win.mean(axis=(-2, -1))
    count = view(real, (kh, kw), axis=(1, 2))[:, ::sh, ::sw].sum(axis=(-2, -1))
    return win.sum(axis=(-2, -1)) / count


def feature_map(name: str = "photo") -> tuple:
    """(map (H, W), title): the ReLU of a vertical-edge (Sobel x) filter on a sample image, what
    a first conv layer might hand to a pooling layer."""
    from convlab import data, kernels
    validate.require(name in IMAGES, _("image must be one of {choices}; got {image!r}")
                     .format(choices=", ".join(IMAGES), image=name))
    sample = data.sample_image("photo", size=36) if name == "photo" else data.sample_image("digit", 0)
    img, k = sample.image, kernels.get("vertical edge (Sobel x)")
    win = np.lib.stride_tricks.sliding_window_view(img, k.shape)
    fmap = np.maximum(np.einsum("ijmn,mn->ij", win, k), 0.0)
    return fmap, _("ReLU(vertical edges) of the {image}").format(image=sample.title)


@dataclass(frozen=True)
class Window:
    """One pooling window: output cell (row, col), its rows/cols in the input (real cells only),
    the value kept and, for max, the input cell it comes from."""
    index: int
    row: int
    col: int
    rows: tuple          # (first, stop) input rows covered, clipped to the input
    cols: tuple
    values: np.ndarray   # the real cells under the window
    kept: float
    argmax: Optional[tuple]
    n_out: tuple         # (oh, ow)


def window_at(fmap, size=2, stride=None, mode="max", padding="VALID", index: int = 0) -> Window:
    """The window of output cell number ``index`` (row-major) of pooling the 2-D ``fmap``."""
    fmap = validate.array(fmap, "feature map", ndim=2, layout="(H, W)")
    out = pool2d(fmap[None, :, :, None], size, stride, mode, padding)[0, :, :, 0]
    oh, ow = out.shape
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < oh * ow:
        raise ValueError(_("window index must be an integer in [0, {n}); got {index!r}")
                         .format(n=oh * ow, index=index))
    row, col = divmod(int(index), ow)
    (kh, kw), (sh, sw) = pair(size, "size"), pair(size if stride is None else stride, "stride")
    (t, _b), (l, _r) = pads(*fmap.shape, (kh, kw), (sh, sw), padding)
    r0, c0 = row * sh - t, col * sw - l
    rows = (max(r0, 0), min(r0 + kh, fmap.shape[0]))
    cols = (max(c0, 0), min(c0 + kw, fmap.shape[1]))
    values = fmap[rows[0]:rows[1], cols[0]:cols[1]]
    argmax = None
    if mode == "max":
        i, j = np.unravel_index(int(np.argmax(values)), values.shape)
        argmax = (rows[0] + int(i), cols[0] + int(j))
    return Window(int(index), row, col, rows, cols, values.copy(), float(out[row, col]), argmax,
                  (oh, ow))


def shift_right(fmap, pixels: int) -> np.ndarray:
    """The 2-D ``fmap`` moved ``pixels`` columns to the right: zeros come in at the left and the
    last columns fall off (the same scene, one pixel later, for the translation-invariance test)."""
    fmap = validate.array(fmap, "feature map", ndim=2, layout="(H, W)")
    if isinstance(pixels, bool) or not isinstance(pixels, numbers.Integral) or pixels < 0:
        raise ValueError(_("pixels must be a non-negative integer; got {pixels!r}").format(pixels=pixels))
    out = np.zeros_like(fmap)
    if pixels < fmap.shape[1]:
        out[:, pixels:] = fmap[:, :fmap.shape[1] - pixels]
    return out


def run_pool_fn(fn: Callable, fmap, size, stride, mode, padding) -> studentfn.Run:
    """Call a (student's) ``fn(images, size, stride, mode, padding)`` on the 2-D ``fmap`` as a
    batch of one, and check its result's shape. Never raises for a bad ``fn``."""
    fmap = np.asarray(fmap, dtype=float)
    expected = pool2d(fmap[None, :, :, None], size, stride, mode, padding).shape
    shown = (f"{studentfn.name_of(fn)}(images {(1, *fmap.shape, 1)}, size={size}, "
             f"stride={stride}, mode={mode!r}, padding={padding!r})")
    run = studentfn.call_array(fn, shown, expected, fmap[None, :, :, None].copy(), size=size,
                               stride=stride, mode=mode, padding=padding,
                               not_array=_("expected a NumPy array"))
    return studentfn.Run(run.value[0, :, :, 0], None) if run.error is None else run


def keras_shapes(input_shape, layers, k=None) -> list:
    """[(output shape without the batch axis, parameter count)] per layer, from Keras itself:
    the layers built with ``k`` (Keras; by default :func:`convlab.testing.keras`).

    The layer format is chapter 3's: ("conv", filters, kernel, stride=1, padding="VALID"),
    ("pool", size, stride=size, padding="VALID"), ("flatten",), ("dense", units),
    ("dropout", rate), ("gap",).
    """
    if k is None:
        from convlab.testing import keras
        k = keras()
    built = []
    for layer in layers:
        kind, args = layer[0], list(layer[1:])
        if kind == "conv":
            f, ks = args[0], args[1]
            s = args[2] if len(args) > 2 else 1
            p = args[3] if len(args) > 3 else "VALID"
            built.append(k.layers.Conv2D(f, ks, strides=s, padding=p.lower()))
        elif kind == "pool":
            size = args[0]
            s = args[1] if len(args) > 1 and args[1] is not None else size
            p = args[2] if len(args) > 2 else "VALID"
            built.append(k.layers.MaxPooling2D(size, strides=s, padding=p.lower()))
        elif kind == "flatten":
            built.append(k.layers.Flatten())
        elif kind == "dense":
            built.append(k.layers.Dense(args[0]))
        elif kind == "dropout":
            built.append(k.layers.Dropout(args[0]))
        elif kind == "gap":
            built.append(k.layers.GlobalAveragePooling2D())
        else:
            raise ValueError(_("unknown layer kind {kind!r}").format(kind=kind))
    model = k.Sequential([k.Input(tuple(input_shape))] + built)
    return [(tuple(int(d) for d in layer.output.shape[1:]), int(layer.count_params()))
            for layer in model.layers]

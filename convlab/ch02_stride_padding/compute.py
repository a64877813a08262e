"""Pure computations behind chapter 2's stride-and-padding widget (no widgets, no plotting here).

Everything is along one axis (rows; columns work the same way): an input of ``i`` cells, a kernel
of ``k`` taps spaced ``d`` apart (dilation), ``before``/``after`` zeros of padding, stride ``s``.

    effective_kernel(k, d)           k + (k - 1)(d - 1)
    output_size(i, k, p, s, d)       floor((i + 2p - k_eff) / s) + 1
    same_padding(i, k, s, d)         (before, after) as TensorFlow's "SAME" pads
    geometry(i, k, s, d, padding)    every window position, what the floor drops, the formula
    run_size_fn(fn, ...)             a (student's) function's answer, or a message saying why not
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable, Optional

from convlab import studentfn, validate
from convlab.i18n import _

MODES = ("explicit", "VALID", "SAME")


def effective_kernel(k: int, d: int = 1) -> int:
    """The span of a kernel of ``k`` taps with dilation ``d``: k + (k - 1)(d - 1)."""
    k, d = validate.positive_int(k, "k"), validate.positive_int(d, "d")
    return k + (k - 1) * (d - 1)


def output_size(i: int, k: int, before: int = 0, after: Optional[int] = None, s: int = 1,
                d: int = 1) -> int:
    """Window positions along one axis: floor((i + before + after - k_eff) / s) + 1.

    ``after`` defaults to ``before`` (symmetric padding p). Raises ValueError if the dilated
    kernel does not fit into the padded input.
    """
    i = validate.positive_int(i, "i")
    before = validate.nonnegative_int(before, "padding")
    after = before if after is None else validate.nonnegative_int(after, "padding")
    s = validate.positive_int(s, "s")
    ke = effective_kernel(k, d)
    padded = i + before + after
    validate.require(ke <= padded, _("the (dilated) kernel spans {k_eff} cells but the padded input "
                                     "has only {padded}: the kernel does not fit").format(
                                         k_eff=ke, padded=padded))
    return (padded - ke) // s + 1


def same_padding(i: int, k: int, s: int = 1, d: int = 1) -> tuple:
    """(before, after): TensorFlow's "SAME" padding, the reference answer of the exercise.
    o = ceil(i / s); the total max((o - 1)s + k_eff - i, 0) is split with the extra cell after
    (bottom/right)."""
    i, s = validate.positive_int(i, "i"), validate.positive_int(s, "s")
    ke = effective_kernel(k, d)
    o = -(-i // s)
    total = max((o - 1) * s + ke - i, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True)
class Geometry:
    """One axis of a convolution: where every window sits and what the formula says."""
    i: int
    k: int
    s: int
    d: int
    mode: str            # "explicit", "VALID" or "SAME"
    before: int          # zeros before the input (top/left)
    after: int           # zeros after the input (bottom/right)
    k_eff: int
    padded: int          # i + before + after
    o: int               # output size
    starts: tuple        # first padded index of every window
    dropped: tuple       # padded indices after the last window that no window reaches
    formula: str         # the formula with the numbers filled in

    def taps(self, start: int) -> list:
        """Padded indices the kernel reads in the window starting at ``start``."""
        return [start + m * self.d for m in range(self.k)]

    @property
    def extra_after(self) -> int:
        """SAME only: the extra cell of padding TensorFlow puts at the bottom/right."""
        return self.after - self.before if self.mode == "SAME" else 0


def geometry(i: int, k: int, s: int = 1, d: int = 1, padding="VALID") -> Geometry:
    """The geometry along one axis. padding: "VALID", "SAME" or an int p (both sides)."""
    if isinstance(padding, str):
        mode = padding.upper()
        validate.require(mode in ("VALID", "SAME"),
                         _('padding must be "VALID", "SAME" or an int; got {padding}').format(
                             padding=repr(padding)))
        before, after = (0, 0) if mode == "VALID" else same_padding(i, k, s, d)
    else:
        mode = "explicit"
        before = after = validate.nonnegative_int(padding, "padding")
    o = output_size(i, k, before, after, s, d)
    ke = effective_kernel(k, d)
    padded = i + before + after
    starts = tuple(range(0, (o - 1) * s + 1, s))
    reached = starts[-1] + ke
    dropped = tuple(range(reached, padded))
    if mode == "SAME":
        total = before + after
        # the widget hides what comes before the first ";" ends with: o (keep both in Chinese)
        formula = _("o = ceil(i / s) = ceil({i} / {s}) = {o};  total padding = "
                    "max((o - 1)·s + k_eff - i, 0) = max({o_1}·{s} + {k_eff} - {i}, 0) = {total} "
                    "-> {before} before (top/left), {after} after (bottom/right)").format(
                        i=i, s=s, o=o, o_1=o - 1, k_eff=ke, total=total, before=before,
                        after=after)
    else:
        p = before
        formula = (f"o = floor((i + 2p - k_eff) / s) + 1 = floor(({i} + 2·{p} - {ke}) / {s}) + 1"
                   f" = floor({padded - ke}/{s}) + 1 = {o}")
    if d > 1:
        formula += f";  k_eff = k + (k - 1)(d - 1) = {k} + {k - 1}·{d - 1} = {ke}"
    return Geometry(i, k, s, d, mode, before, after, ke, padded, o, starts, dropped, formula)


def run_size_fn(fn: Callable, *args, expect: str = "int") -> studentfn.Run:
    """Call a (student's) ``fn(*args)`` and check the kind of result.

    expect: "int" (conv_output_size) or "pair" (same_padding: two ints). Never raises for a bad
    ``fn``: the problem comes back as a message for the widget.
    """
    name = studentfn.name_of(fn)
    shown = ", ".join(repr(a) for a in args)
    run = studentfn.call(fn, f"{name}({shown})", *args)
    if run.error:
        return run
    value = run.value
    if expect == "pair":
        try:
            a, b = value
            ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (a, b))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return studentfn.Run(None, _("{call} returned {value}; expected two ints (before, "
                                         "after)").format(call=f"{name}({shown})",
                                                          value=repr(value)))
        return studentfn.Run((int(a), int(b)), None)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return studentfn.Run(None, _("{call} returned {value} ({type}); expected an int").format(
            call=f"{name}({shown})", value=repr(value), type=type(value).__name__))
    return studentfn.Run(int(value), None)


def receptive_field(layers) -> int:
    """1 + sum_l (k_l - 1) * prod_{j<l} s_j for a list of (k, s) pairs."""
    r, jump = 1, 1
    for k, s in layers:
        r += (validate.positive_int(k, "k") - 1) * jump
        jump *= validate.positive_int(s, "s")
    return r


def naive_conv2d(images, filters, stride: int = 1, padding: str = "SAME"):
    """A slow reference: stride and VALID/SAME padding with a Python loop over every output pixel
    (vectorised over the filters only). For speed comparisons, not for use."""
    import numpy as np
    images = validate.array(images, "images", ndim=4, layout="(N, H, W, C)")
    filters = validate.array(filters, "filters", ndim=4, layout="(kh, kw, C, F)")
    n, h, w, c = images.shape
    kh, kw, _c_in, f = filters.shape
    s = validate.positive_int(stride, "stride")
    (t, b), (l, r) = ((0, 0), (0, 0)) if padding == "VALID" else \
        (same_padding(h, kh, s), same_padding(w, kw, s))
    x = np.zeros((n, h + t + b, w + l + r, c))
    x[:, t:t + h, l:l + w] = images
    oh, ow = output_size(h, kh, t, b, s), output_size(w, kw, l, r, s)
    out = np.zeros((n, oh, ow, f))
    for img in range(n):
        for i in range(oh):
            for j in range(ow):
                window = x[img, i * s:i * s + kh, j * s:j * s + kw, :]
                out[img, i, j] = np.tensordot(window, filters, axes=3)
    return out


def best_time(fn, *args, repeat: int = 3, **kwargs) -> float:
    """The best of ``repeat`` wall-clock times of ``fn(*args, **kwargs)``, in seconds."""
    import time
    best = float("inf")
    for _repeat in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best

"""Chapter 8's figures (matplotlib Figures, no pyplot; widgets render them with
:func:`convlab.figures.to_png`).

    routing_figure(images, dout, size, stride)   where max and average pooling send the gradient
    flipped_kernel_figure(kernel)                 d_images as a scatter of the kernel, and as a
                                                  full convolution with the flipped kernel
    training_figure(...)                          the widget's view: both loss curves, the eight
                                                  filters, a few digits and their predictions
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from convlab.figures import use_language_fonts
from convlab.i18n import _

from . import compute

STUDENT = "#d95f02"
KERAS = "#1b9e77"


def _numbers(ax, values, fmt="{:g}", title="", cmap="Greys", highlight=None):
    """A small matrix as coloured cells with their values written in."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    vmax = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-12)
    ax.imshow(values, cmap=cmap, vmin=-vmax if cmap != "Greys" else 0, vmax=vmax)
    for (i, j), v in np.ndenumerate(values):
        strong = abs(v) > 0.6 * vmax
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
                color="white" if strong else "black",
                fontweight="bold" if highlight is not None and highlight[i, j] else "normal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def routing_figure(images=None, dout=None, size=2, stride=None) -> Figure:
    """Max pooling routes each dout value to the cell that held its window's maximum; average
    pooling spreads it evenly over the window. ``images`` and ``dout`` are 2-D (one channel)."""
    if images is None:
        images = np.array([[1.0, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [3, 6, 1, 4]])
    if dout is None:
        dout = np.array([[1.0, 2.0], [-1.0, 0.5]])
    use_language_fonts()                  # the titles' language is decided now, at drawing
    x4, d4 = np.asarray(images, float)[None, :, :, None], np.asarray(dout, float)[None, :, :, None]
    d_max = compute.pool2d_backward(d4, x4, size, stride, "max")[0, :, :, 0]
    d_avg = compute.pool2d_backward(d4, x4, size, stride, "avg")[0, :, :, 0]
    fig = Figure(figsize=(9.6, 2.6))
    axes = fig.subplots(1, 4)
    _numbers(axes[0], x4[0, :, :, 0], title=_("input ({size}x{size} windows)").format(size=size))
    _numbers(axes[1], d4[0, :, :, 0], title=_("dout (upstream)"), cmap="RdBu_r")
    _numbers(axes[2], d_max, title=_("max: routed to the max"), cmap="RdBu_r", highlight=d_max != 0)
    _numbers(axes[3], d_avg, fmt="{:.3g}", title=_("avg: spread evenly"), cmap="RdBu_r")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.86, wspace=0.08)
    return fig


def flipped_kernel_figure(kernel=None) -> Figure:
    """d_images of a 3x3 convolution (stride 1, VALID) for a dout with a single 1: the kernel is
    copied, unflipped, into the window that produced the output; reading d_images cell by cell,
    the same numbers come from sliding the *flipped* kernel over the zero-padded dout."""
    if kernel is None:
        kernel = np.arange(1.0, 10.0).reshape(3, 3)
    kernel = np.asarray(kernel, dtype=float)
    use_language_fonts()
    dout = np.zeros((3, 3))
    dout[1, 1] = 1.0
    dx = compute.conv2d_backward(dout[None, :, :, None], np.zeros((1, 5, 5, 1)),
                                 kernel[:, :, None, None])[0][0, :, :, 0]
    padded = np.pad(dout, 2)
    fig = Figure(figsize=(9.6, 2.7))
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [3, 3, 5, 7]})
    _numbers(axes[0], kernel, title=_("kernel W"))
    _numbers(axes[1], dout, title=_("dout: one 1"))
    _numbers(axes[2], dx, title=_("d_images: W copied (scatter)"))
    _numbers(axes[3], padded, title=_("dout padded by k-1; slide W flipped"))
    flipped = kernel[::-1, ::-1]
    for (i, j), v in np.ndenumerate(flipped):            # the flipped kernel over d_images[1, 1]
        axes[3].text(1 + j + 0.32, 1 + i - 0.28, f"{v:g}", fontsize=6, color="#d95f02",
                     ha="center", va="center")
    axes[3].add_patch(_frame(1, 1, 3, 3))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.86, wspace=0.12)
    return fig


def _frame(row, col, h, w, color="#d95f02"):
    from matplotlib.patches import Rectangle
    return Rectangle((col - 0.5, row - 0.5), w, h, fill=False, edgecolor=color, linewidth=2)


def _mosaic(maps, cols, gap=1):
    """Small 2-D maps side by side (each scaled to [-1, 1] by its own largest |value|)."""
    maps = [np.asarray(m, float) for m in maps]
    h, w = maps[0].shape
    rows = -(-len(maps) // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for n, m in enumerate(maps):
        r, c = divmod(n, cols)
        scale = max(float(np.abs(m).max()), 1e-12)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = m / scale
    return out


def training_figure(student_losses, keras_losses, step: int, filters, digit_images,
                    probabilities, labels, parted_at=None, title: str = "") -> Figure:
    """Left: Keras' loss curve (all steps) and the student's (up to ``step``), the step where
    they part marked. Middle: the eight 3x3 filters at ``step``. Right: digits with the
    predicted class and its probability (green right, red wrong)."""
    use_language_fonts()
    fig = Figure(figsize=(10.0, 3.3))
    cols = -(-len(digit_images) // 2)                       # the digits in two rows
    grid = fig.add_gridspec(2, 2 + cols, width_ratios=[6, 3] + [1.2] * cols)
    ax = fig.add_subplot(grid[:, 0])
    steps_k = np.arange(1, len(keras_losses) + 1)
    ax.plot(steps_k, keras_losses, color=KERAS, lw=3, alpha=0.55, label="Keras")
    if len(student_losses):
        ax.plot(np.arange(1, len(student_losses) + 1), student_losses, color=STUDENT, lw=1.4,
                marker=".", ms=3, label=_("yours"))
    if parted_at is not None:
        ax.axvline(parted_at, color="#b00020", ls=":", lw=1)
        ax.text(parted_at, ax.get_ylim()[1], " " + _("parted at step {step}").format(step=parted_at), color="#b00020",
                fontsize=8, va="top")
    ax.axvline(max(step, 0.5), color="grey", lw=0.6)
    ax.set_xlabel(_("step"))
    ax.set_ylabel(_("batch loss"))
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title or _("loss, step {step}").format(step=step), fontsize=9)

    ax = fig.add_subplot(grid[:, 1])
    kernels = [np.asarray(filters)[:, :, 0, f] for f in range(np.shape(filters)[3])]
    ax.imshow(_mosaic(kernels, 2), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(_("the 8 filters"), fontsize=9)

    for n, (img, p, y) in enumerate(zip(digit_images, probabilities, labels)):
        ax = fig.add_subplot(grid[n // cols, 2 + n % cols])
        ax.imshow(np.asarray(img)[:, :, 0], cmap="Greys")
        guess = int(np.argmax(p))
        ax.set_title(f"{guess} ({100 * p[guess]:.0f}%)", fontsize=8,
                     color="#1b7837" if guess == int(y) else "#b00020")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.15, top=0.9, wspace=0.3, hspace=0.45)
    return fig

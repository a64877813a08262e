"""Chapter 1's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`), except ``show_maps``, which a notebook cell shows with pyplot."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convlab.figures import cell_numbers, fixed_margins, set_dynamic, use_language_fonts
from convlab.i18n import N_, _


def sliding_figure(image, kernel, output, row, col, title="", output_title=N_("output"),
                   limits=None, fig: Figure | None = None) -> Figure:
    """Three panels: the image with the window at (row, col), the kernel, and the output so far
    (NaN cells are not reached yet) with the current cell outlined. ``limits`` (lo, hi) fixes the
    output's colour scale, so colours do not shift while the output fills. ``fig``: a figure this
    function returned before; if it shows the same image and kernel (the same objects), titles,
    limits and output shape, only the window, the output and the current cell are updated and it
    is returned (:func:`to_png` then redraws just those), else a new figure is built."""
    kh, kw = kernel.shape
    output = np.asarray(output, dtype=float)
    static = (image, kernel, title, output_title, limits, output.shape)
    old = getattr(fig, "_convlab_sliding", None)
    if old is not None and limits is not None and old[0][0] is image and old[0][1] is kernel \
            and old[0][2:] == static[2:]:
        _sliding_marks(*old[1], output, row, col)
        return fig
    use_language_fonts()                  # the titles' language is decided now, at drawing
    fig = Figure(figsize=(9.6, 3.4))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.0, 0.55, 1.0]})
    fixed_margins(fig, left=0.01, right=0.99, bottom=0.02, top=0.92, wspace=0.06)
    ax = axes[0]
    ax.imshow(image, cmap="gray", interpolation="nearest")
    window = ax.add_patch(Rectangle((col - 0.5, row - 0.5), kw, kh, fill=False,
                                    edgecolor="#e4572e", lw=2.5))
    ax.set_title(_(title) if title else _("image {h}x{w}").format(h=image.shape[0], w=image.shape[1]),
                 fontsize=9)
    ax = axes[1]
    lim = max(float(np.abs(kernel).max()), 1e-12)
    ax.imshow(kernel, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    if kh * kw <= 25:
        cell_numbers(ax, kernel, ".2g", fontsize=8)
    ax.set_title(_("kernel {kh}x{kw}").format(kh=kh, kw=kw), fontsize=9)
    ax = axes[2]
    lo, hi = limits if limits is not None else (None, None)
    out = ax.imshow(np.ma.masked_invalid(output), cmap="viridis", interpolation="nearest",
                    vmin=lo, vmax=hi)
    cell = ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#e4572e",
                                  lw=2.5))
    ax.set_xlim(-0.5, output.shape[1] - 0.5)
    ax.set_ylim(output.shape[0] - 0.5, -0.5)
    ax.set_title(_(output_title), fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if limits is not None:
        set_dynamic(fig, [window, out, cell])
        fig._convlab_sliding = (static, (window, out, cell))
    return fig


def _sliding_marks(window, out, cell, output, row, col) -> None:
    """sliding_figure's moving parts: the window on the image, the output so far, its cell."""
    window.set_xy((col - 0.5, row - 0.5))
    out.set_data(np.ma.masked_invalid(output))
    cell.set_xy((col - 0.5, row - 0.5))


def show_maps(maps, names, title=""):
    """Show activation maps (H, W, F) side by side, one panel per filter; returns the Figure."""
    import matplotlib.pyplot as plt
    maps = np.asarray(maps)
    if maps.ndim != 3 or maps.shape[-1] != len(names):
        raise ValueError(_("maps must have shape (H, W, F) with F = len(names) = {n}; got {shape}")
                         .format(n=len(names), shape=maps.shape))
    f = maps.shape[-1]
    use_language_fonts()
    fig, axes = plt.subplots(1, f, figsize=(2.2 * f, 2.6), squeeze=False)
    for k, ax in enumerate(axes[0]):
        ax.imshow(maps[:, :, k], cmap="gray")
        ax.set_title(_(names[k]), fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(_(title), fontsize=10)
    return fig

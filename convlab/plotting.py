"""Figures. Widgets get PNG bytes (rendered off-screen with Agg, so they also work headless);
notebook cells get matplotlib figures."""
from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes without pyplot (no global state, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def sliding_figure(image, kernel, output, row, col, title="", output_title="output",
                   limits=None) -> Figure:
    """Three panels: the image with the window at (row, col), the kernel, and the output so far
    (NaN cells are not reached yet) with the current cell outlined. ``limits`` (lo, hi) fixes the
    output's colour scale, so colours do not shift while the output fills."""
    kh, kw = kernel.shape
    fig = Figure(figsize=(9.6, 3.4), layout="constrained")
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.0, 0.55, 1.0]})
    ax = axes[0]
    ax.imshow(image, cmap="gray", interpolation="nearest")
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), kw, kh, fill=False, edgecolor="#e4572e", lw=2.5))
    ax.set_title(title or f"image {image.shape[0]}x{image.shape[1]}", fontsize=9)
    ax = axes[1]
    lim = max(float(np.abs(kernel).max()), 1e-12)
    ax.imshow(kernel, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    if kh * kw <= 25:
        for (m, n), v in np.ndenumerate(kernel):
            ax.text(n, m, f"{v:.2g}", ha="center", va="center", fontsize=8)
    ax.set_title(f"kernel {kh}x{kw}", fontsize=9)
    ax = axes[2]
    shown = np.ma.masked_invalid(np.asarray(output, dtype=float))
    lo, hi = limits if limits is not None else (None, None)
    ax.imshow(shown, cmap="viridis", interpolation="nearest", vmin=lo, vmax=hi)
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#e4572e", lw=2.5))
    ax.set_xlim(-0.5, output.shape[1] - 0.5)
    ax.set_ylim(output.shape[0] - 0.5, -0.5)
    ax.set_title(output_title, fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def show_maps(maps, names, title=""):
    """Show activation maps (H, W, F) side by side, one panel per filter; returns the Figure."""
    import matplotlib.pyplot as plt
    maps = np.asarray(maps)
    if maps.ndim != 3 or maps.shape[-1] != len(names):
        raise ValueError(f"maps must have shape (H, W, F) with F = len(names) = {len(names)}; "
                         f"got {maps.shape}")
    f = maps.shape[-1]
    fig, axes = plt.subplots(1, f, figsize=(2.2 * f, 2.6), squeeze=False)
    for k, ax in enumerate(axes[0]):
        ax.imshow(maps[:, :, k], cmap="gray")
        ax.set_title(names[k], fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig

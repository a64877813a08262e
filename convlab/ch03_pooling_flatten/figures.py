"""Chapter 3's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`; notebook cells show them as they are)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convlab.figures import fixed_margins
from convlab.i18n import N_, _


def pooling_figure(fmap, pooled, window, title: str = "", pooled_title: str = N_("pooled")) -> Figure:
    """Chapter 3: the feature map with one pooling window (orange; for max pooling the kept cell
    is filled green) side by side with the pooled map, its current cell outlined. ``window`` is a
    :class:`convlab.ch03_pooling_flatten.compute.Window`; ``pooled`` is (oh, ow)."""
    fmap, pooled = np.asarray(fmap, dtype=float), np.asarray(pooled, dtype=float)
    fig = Figure(figsize=(9.6, 3.6))
    axes = fig.subplots(1, 2)
    fixed_margins(fig, left=0.01, right=0.99, bottom=0.02, top=0.92, wspace=0.06)
    lo, hi = float(np.nanmin(fmap)), float(np.nanmax(fmap))
    ax = axes[0]
    ax.imshow(fmap, cmap="magma", vmin=lo, vmax=hi, interpolation="nearest")
    (r0, r1), (c0, c1) = window.rows, window.cols
    ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                           edgecolor="#f6b26b", lw=2.5))
    if window.argmax is not None:
        r, c = window.argmax
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color="#2ca02c", alpha=0.9))
    ax.set_title(title or _("feature map {h}x{w}").format(h=fmap.shape[0], w=fmap.shape[1]),
                 fontsize=9)
    ax = axes[1]
    ax.imshow(pooled, cmap="magma", vmin=lo, vmax=hi, interpolation="nearest")
    ax.add_patch(Rectangle((window.col - 0.5, window.row - 0.5), 1, 1, fill=False,
                           edgecolor="#2ca02c" if window.argmax is not None else "#f6b26b", lw=2.5))
    ax.set_title(_(pooled_title), fontsize=9)
    for a in axes:
        a.set_xticks([])
        a.set_yticks([])
    return fig

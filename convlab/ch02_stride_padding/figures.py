"""Chapter 2's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`; notebook cells show them as they are)."""
from __future__ import annotations

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convlab.figures import fixed_margins, text_markers, use_language_fonts
from convlab.i18n import _


def _grid_lines(ax, n_rows: int, n_cols: int, **style):
    """Cell borders of an n_rows x n_cols image grid as two line collections (not one
    axhline/axvline per line)."""
    ax.hlines(np.arange(-0.5, n_rows, 1.0), -0.5, n_cols - 0.5, **style)
    ax.vlines(np.arange(-0.5, n_cols, 1.0), -0.5, n_rows - 0.5, **style)


def padding_figure(g, title: str = "") -> Figure:
    """Chapter 2: one axis geometry ``g`` (a :class:`convlab.ch02_stride_padding.compute.Geometry`) drawn on a square
    input. Left: the padded grid (input white, zero padding blue, TensorFlow's extra SAME cell
    orange, cells the floor drops hatched red) with the first window's taps and a dot at every
    window's top-left corner. Middle: every window position along one axis, tap by tap. Right:
    the o x o output grid."""
    from matplotlib.colors import ListedColormap
    n = g.padded
    kind = np.zeros(n, dtype=int)                       # 0 input, 1 padding, 2 SAME extra
    kind[:g.before] = 1
    kind[g.before + g.i:] = 1
    if g.extra_after:
        kind[n - g.extra_after:] = 2
    grid = np.maximum(kind[:, None], kind[None, :])
    use_language_fonts()                  # the titles' language is decided now, at drawing
    fig = Figure(figsize=(10.5, 3.8))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.0, 1.0, 0.75]})
    fixed_margins(fig, left=0.01, right=0.99, bottom=0.06, top=0.92, wspace=0.16)
    cmap = ListedColormap(["#ffffff", "#cfe3f7", "#f6b26b"])
    ax = axes[0]
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=2, interpolation="nearest")
    _grid_lines(ax, n, n, color="#bbbbbb", lw=0.5)
    ax.add_patch(Rectangle((g.before - 0.5, g.before - 0.5), g.i, g.i, fill=False,
                           edgecolor="black", lw=1.5))
    for r in g.dropped:
        ax.add_patch(Rectangle((-0.5, r - 0.5), n, 1, fill=False, hatch="///",
                               edgecolor="#d62728", lw=0))
        ax.add_patch(Rectangle((r - 0.5, -0.5), 1, n, fill=False, hatch="///",
                               edgecolor="#d62728", lw=0))
    ax.add_patch(Rectangle((-0.5, -0.5), g.k_eff, g.k_eff, fill=False, edgecolor="#e4572e", lw=2.2))
    taps = g.taps(0)
    ty, tx = np.meshgrid(taps, taps, indexing="ij")
    ax.plot(tx.ravel(), ty.ravel(), "s", color="#e4572e", ms=4)
    sy, sx = np.meshgrid(g.starts, g.starts, indexing="ij")
    ax.plot(sx.ravel(), sy.ravel(), "o", color="#1f4e79", ms=3)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_title(_(title) if title else
                 _("padded input {n}x{n} (input {i}x{i})").format(n=n, i=g.i), fontsize=9)
    ax = axes[1]
    ax.add_collection(PatchCollection(
        [Rectangle((t - 0.45, row - 0.4), 0.9, 0.8) for row, start in enumerate(g.starts)
         for t in g.taps(start)], facecolor="#e4572e", edgecolor="none"))
    ax.add_collection(PatchCollection(
        [Rectangle((x - 0.5, len(g.starts) - 0.1), 1, 0.9) for x in range(n)],
        facecolor=[cmap(int(c)) for c in kind], edgecolor="#888888", lw=0.5))
    if g.dropped:
        ax.add_collection(PatchCollection(
            [Rectangle((x - 0.5, len(g.starts) - 0.1), 1, 0.9) for x in g.dropped],
            facecolor="none", hatch="///", edgecolor="#d62728", lw=0))
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(len(g.starts) + 0.9, -0.6)
    # tick labels as text markers (dozens of ticks are slow to draw)
    rows = range(len(g.starts))
    ax.set_xticks([])
    ax.set_yticks([])
    text_markers(ax, np.zeros(len(rows)), rows, [_("window {r}").format(r=r) for r in rows],
                  fontsize=7,
                  ha="right", pad=3, transform=ax.get_yaxis_transform())
    text_markers(ax, range(n), np.zeros(n), [str(x) for x in range(n)], fontsize=6, va="top",
                  pad=3, transform=ax.get_xaxis_transform())
    ax.set_title(_("every window along one axis (k={k}, d={d}, s={s})").format(k=g.k, d=g.d, s=g.s),
                 fontsize=9)
    ax = axes[2]
    ax.imshow(np.zeros((g.o, g.o)), cmap=ListedColormap(["#d9ead3"]), interpolation="nearest")
    _grid_lines(ax, g.o, g.o, color="#6aa84f", lw=0.8)
    ax.set_title(_("output {o}x{o}").format(o=g.o), fontsize=9)
    for a in (axes[0], axes[2]):
        a.set_xticks([])
        a.set_yticks([])
    return fig

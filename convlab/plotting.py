"""Figures. Widgets get PNG bytes (rendered off-screen with Agg, so they also work headless);
notebook cells get matplotlib figures.

The widget figures are redrawn on every slider step, so they are built for speed (issue 9): fixed
margins instead of a layout engine, one artist for many similar shapes (collections, ``stairs``
instead of ``hist``'s one patch per bin, a mosaic image instead of one axes per small map), and
``to_png`` draws once and encodes with fast PNG compression."""
from __future__ import annotations

import functools
import io
import textwrap

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes without pyplot (no global state, no display).
    One draw on an Agg canvas (``savefig`` draws twice when the figure has a layout engine) and
    PNG compression level 1 (several times faster to encode than the default 6; the image is a
    few kB larger).

    A figure made to be updated in place (see :func:`_set_dynamic`) is drawn once without its
    dynamic artists, that background is kept, and later renders paste the background and draw
    only the dynamic artists (blitting)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    dynamic = getattr(fig, "_convlab_dynamic", None)
    background = getattr(fig, "_convlab_background", None)
    if dynamic and background is not None and background[0] == dpi:
        canvas.restore_region(background[1])
    else:
        fig.set_dpi(dpi)
        canvas.draw()                                 # animated (dynamic) artists are left out
        if dynamic:
            fig._convlab_background = (dpi, canvas.copy_from_bbox(fig.bbox))
    for artist in dynamic or ():
        if artist.get_visible():
            fig.draw_artist(artist)
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=1)
    return buf.getvalue()


def _set_dynamic(fig: Figure, artists) -> None:
    """Mark the artists that a figure function changes in place when it is called again with
    ``fig=`` (everything else stays): :func:`to_png` then redraws only these."""
    for artist in artists:
        artist.set_animated(True)
    fig._convlab_dynamic = list(artists)


def _text_markers(ax, xs, ys, labels, fontsize: float = 8, color="black", ha: str = "center",
                  va: str = "center", pad: float = 0.0, transform=None) -> None:
    """Short labels at (x, y), drawn as text-shaped markers: one artist per distinct label
    instead of one Text each (a Text or tick label costs about 1 ms to draw, a marker almost
    nothing). ``ha``/``va`` ("left"/"center"/"right", "top"/"center") place the label's box
    relative to the point, ``pad`` points away from it; not clipped to the axes."""
    points = {}
    for x, y, label in zip(xs, ys, labels):
        points.setdefault(str(label), []).append((x, y))
    for label, xy in points.items():
        marker, frame = _text_marker(label, float(fontsize), ha, va, float(pad))
        x, y = np.array(xy, dtype=float).T
        ax.plot(x, y, ls="none", marker=marker, ms=2 * frame, mew=0, color=color, clip_on=False,
                **({} if transform is None else {"transform": transform}))


@functools.lru_cache(maxsize=1024)
def _text_marker(label: str, fontsize: float, ha: str, va: str, pad: float):
    """(marker path, half its size in points) for :func:`_text_markers`; cached, as the outline
    of a text takes a few ms to compute."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath
    # centred labels are short numbers: Agg's hinted text draws those about 10% larger than the
    # exact outline
    size = fontsize * (1.1 if ha == va == "center" else 1.0)
    glyphs = TextPath((0, 0), label, size=size, prop=FontProperties())
    box = glyphs.get_extents()
    dx = {"left": pad - box.x0, "center": -(box.x0 + box.x1) / 2, "right": -pad - box.x1}[ha]
    dy = {"top": -pad - box.y1, "center": -(box.y0 + box.y1) / 2}[va]
    verts = glyphs.vertices + [dx, dy]
    frame = float(np.abs(verts).max()) + 1.0      # +-frame around the point: the marker's scale
    return Path(np.vstack([verts, [[frame, frame], [-frame, -frame]]]),
                np.concatenate([glyphs.codes, [Path.MOVETO, Path.MOVETO]])), frame


def _cell_numbers(ax, values, fmt: str, fontsize: float = 8, color="black") -> None:
    """Every value of a 2-D array written centred on its image cell (see :func:`_text_markers`);
    same size and font as ``ax.text(..., fontsize=fontsize)``."""
    rows, cols = np.indices(np.shape(values))
    _text_markers(ax, cols.ravel(), rows.ravel(),
                  [format(v, fmt) for v in np.asarray(values).ravel()], fontsize, color)


def _fixed(fig: Figure, left=0.02, right=0.98, bottom=0.03, top=0.88, wspace=0.1, hspace=0.2):
    """Fixed margins (no layout engine: constrained layout measures every text on each draw)."""
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top, wspace=wspace,
                        hspace=hspace)


def _grid_lines(ax, n_rows: int, n_cols: int, **style):
    """Cell borders of an n_rows x n_cols image grid as two line collections (not one
    axhline/axvline per line)."""
    ax.hlines(np.arange(-0.5, n_rows, 1.0), -0.5, n_cols - 0.5, **style)
    ax.vlines(np.arange(-0.5, n_cols, 1.0), -0.5, n_rows - 0.5, **style)


def _mosaic(maps, cols: int, rows: int = 1, gap: int = 1, normalize: bool = True) -> np.ndarray:
    """Small maps (H, W, n) tiled into one image, ``rows`` x ``cols`` tiles with ``gap`` NaN
    (blank) pixels between them; empty tiles are blank. With ``normalize`` each map is scaled
    to [0, 1] on its own (what a separate ``imshow`` per map shows)."""
    maps = np.asarray(maps, dtype=float)
    h, w, n = maps.shape
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap), np.nan)
    for i in range(min(n, rows * cols)):
        m = maps[..., i]
        if normalize:
            lo, hi = float(np.nanmin(m)), float(np.nanmax(m))
            m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = m
    return out


def sliding_figure(image, kernel, output, row, col, title="", output_title="output",
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
    fig = Figure(figsize=(9.6, 3.4))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.0, 0.55, 1.0]})
    _fixed(fig, left=0.01, right=0.99, bottom=0.02, top=0.92, wspace=0.06)
    ax = axes[0]
    ax.imshow(image, cmap="gray", interpolation="nearest")
    window = ax.add_patch(Rectangle((col - 0.5, row - 0.5), kw, kh, fill=False,
                                    edgecolor="#e4572e", lw=2.5))
    ax.set_title(title or f"image {image.shape[0]}x{image.shape[1]}", fontsize=9)
    ax = axes[1]
    lim = max(float(np.abs(kernel).max()), 1e-12)
    ax.imshow(kernel, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    if kh * kw <= 25:
        _cell_numbers(ax, kernel, ".2g", fontsize=8)
    ax.set_title(f"kernel {kh}x{kw}", fontsize=9)
    ax = axes[2]
    lo, hi = limits if limits is not None else (None, None)
    out = ax.imshow(np.ma.masked_invalid(output), cmap="viridis", interpolation="nearest",
                    vmin=lo, vmax=hi)
    cell = ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#e4572e",
                                  lw=2.5))
    ax.set_xlim(-0.5, output.shape[1] - 0.5)
    ax.set_ylim(output.shape[0] - 0.5, -0.5)
    ax.set_title(output_title, fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if limits is not None:
        _set_dynamic(fig, [window, out, cell])
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


def padding_figure(g, title: str = "") -> Figure:
    """Chapter 2: one axis geometry ``g`` (a :class:`convlab.padding.Geometry`) drawn on a square
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
    fig = Figure(figsize=(10.5, 3.8))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.0, 1.0, 0.75]})
    _fixed(fig, left=0.01, right=0.99, bottom=0.06, top=0.92, wspace=0.16)
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
    ax.set_title(title or f"padded input {n}x{n} (input {g.i}x{g.i})", fontsize=9)
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
    _text_markers(ax, np.zeros(len(rows)), rows, [f"window {r}" for r in rows], fontsize=7,
                  ha="right", pad=3, transform=ax.get_yaxis_transform())
    _text_markers(ax, range(n), np.zeros(n), [str(x) for x in range(n)], fontsize=6, va="top",
                  pad=3, transform=ax.get_xaxis_transform())
    ax.set_title(f"every window along one axis (k={g.k}, d={g.d}, s={g.s})", fontsize=9)
    ax = axes[2]
    ax.imshow(np.zeros((g.o, g.o)), cmap=ListedColormap(["#d9ead3"]), interpolation="nearest")
    _grid_lines(ax, g.o, g.o, color="#6aa84f", lw=0.8)
    ax.set_title(f"output {g.o}x{g.o}", fontsize=9)
    for a in (axes[0], axes[2]):
        a.set_xticks([])
        a.set_yticks([])
    return fig


def pooling_figure(fmap, pooled, window, title: str = "", pooled_title: str = "pooled") -> Figure:
    """Chapter 3: the feature map with one pooling window (orange; for max pooling the kept cell
    is filled red) side by side with the pooled map, its current cell outlined. ``window`` is a
    :class:`convlab.pooling.Window`; ``pooled`` is (oh, ow)."""
    fmap, pooled = np.asarray(fmap, dtype=float), np.asarray(pooled, dtype=float)
    fig = Figure(figsize=(9.6, 3.6))
    axes = fig.subplots(1, 2)
    _fixed(fig, left=0.01, right=0.99, bottom=0.02, top=0.92, wspace=0.06)
    lo, hi = float(np.nanmin(fmap)), float(np.nanmax(fmap))
    ax = axes[0]
    ax.imshow(fmap, cmap="magma", vmin=lo, vmax=hi, interpolation="nearest")
    (r0, r1), (c0, c1) = window.rows, window.cols
    ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                           edgecolor="#f6b26b", lw=2.5))
    if window.argmax is not None:
        r, c = window.argmax
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color="#2ca02c", alpha=0.9))
    ax.set_title(title or f"feature map {fmap.shape[0]}x{fmap.shape[1]}", fontsize=9)
    ax = axes[1]
    ax.imshow(pooled, cmap="magma", vmin=lo, vmax=hi, interpolation="nearest")
    ax.add_patch(Rectangle((window.col - 0.5, window.row - 0.5), 1, 1, fill=False,
                           edgecolor="#2ca02c" if window.argmax is not None else "#f6b26b", lw=2.5))
    ax.set_title(pooled_title, fontsize=9)
    for a in axes:
        a.set_xticks([])
        a.set_yticks([])
    return fig


def transposed_figure(counts, k: int, s: int, student=None, student_title: str = "") -> Figure:
    """Chapter 5: a VALID transposed convolution on ones with a ones kernel. Left: how many kernel
    footprints cover each output cell (the first row of footprints outlined): uneven counts are
    the checkerboard. Right (if given): the student's output on the same input."""
    counts = np.asarray(counts, dtype=float)
    panels = 1 if student is None else 2
    fig = Figure(figsize=(4.4 * panels, 4.0))
    axes = np.atleast_1d(fig.subplots(1, panels))
    _fixed(fig, left=0.02, right=0.98, bottom=0.02, top=0.93, wspace=0.08)
    lim = (0.0, max(float(counts.max()), 1.0))
    ax = axes[0]
    ax.imshow(counts, cmap="magma", vmin=lim[0], vmax=lim[1], interpolation="nearest")
    o = counts.shape[0]
    if o <= 16:
        _cell_numbers(ax, counts, "g", fontsize=7, color="#3a9ad9")
    colours = ["#e4572e", "#17bebb", "#ffc914", "#76b041"]
    for n, start in enumerate(range(0, o - k + 1, s)):
        ax.add_patch(Rectangle((start - 0.45, -0.45), k - 0.1, k - 0.1, fill=False,
                               edgecolor=colours[n % len(colours)], lw=2))
    ax.set_title(f"kernel footprints per output cell (k={k}, s={s})", fontsize=9)
    if student is not None:
        ax = axes[1]
        ax.imshow(np.asarray(student, dtype=float), cmap="magma", vmin=lim[0], vmax=lim[1],
                  interpolation="nearest")
        ax.set_title(student_title or "your conv2d_transpose on ones", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def batchnorm_figure(x, y, spread, population_mean, gamma, beta, saturated: float = 3.0,
                     spread_halfwidth: float | None = None) -> Figure:
    """Chapter 4: histograms of a batch of pre-activations before (``x``) and after (``y``, None
    if the student's function gave nothing) batch norm, with the sigmoid's flat region
    |z| > ``saturated`` shaded and the sigmoid drawn; and the spread of the batch mean of unit 0
    over many batches (``spread``) around the mean of the whole data set, on a fixed scale of
    +- ``spread_halfwidth`` (so the spread can be compared between batch sizes)."""
    fig = Figure(figsize=(10.5, 3.3))
    axes = fig.subplots(1, 3)
    _fixed(fig, left=0.02, right=0.98, bottom=0.09, top=0.84, wspace=0.08)
    x = np.asarray(x, dtype=float)
    lim = max(8.0, float(np.nanmax(np.abs(x))) * 1.05)
    zz = np.linspace(-lim, lim, 200)
    sigmoid = 1 / (1 + np.exp(-zz))
    for ax, data, title in ((axes[0], x, "before batch norm"),
                            (axes[1], y, f"after batch norm (gamma={gamma:.1f}, beta={beta:.1f})")):
        ax.axvspan(-lim, -saturated, color="#f4cccc", zorder=0)
        ax.axvspan(saturated, lim, color="#f4cccc", zorder=0)
        if data is None:
            top = 1.0
            ax.text(0.5, 0.5, "no result from\nyour function", transform=ax.transAxes,
                    ha="center", va="center", color="#b00020")
            ax.set_title(title, fontsize=9)
        else:
            data = np.asarray(data, dtype=float).ravel()
            frac = float(np.mean(np.abs(data) > saturated))
            counts, edges = np.histogram(np.clip(data, -lim, lim), bins=40, range=(-lim, lim))
            ax.stairs(counts, edges, fill=True, color="#4c72b0")      # one artist, not 40 bars
            top = max(float(counts.max()), 1.0) * 1.05
            ax.set_title(f"{title}\n{100 * frac:.0f}% in the flat region (shaded)", fontsize=9)
        # the sigmoid (0..1) drawn on the histogram's scale: the y axis has no ticks, so it needs
        # no twin axes of its own
        ax.plot(zz, sigmoid * top / 1.05, color="#888888", lw=1)
        ax.set_ylim(0, top)
        ax.set_xlim(-lim, lim)
        ax.set_yticks([])
    ax = axes[2]
    rng = None if spread_halfwidth is None else (population_mean - spread_halfwidth,
                                                 population_mean + spread_halfwidth)
    counts, edges = np.histogram(np.clip(spread, *rng) if rng else spread, bins=40, range=rng)
    ax.stairs(counts, edges, fill=True, color="#55a868")
    ax.axvline(population_mean, color="black", lw=1.5)
    if rng:
        ax.set_xlim(*rng)
    ax.set_ylim(0, None)
    ax.set_title(f"batch mean of unit 0 over {len(spread)} batches\n(line: whole data set)",
                 fontsize=9)
    ax.set_yticks([])
    return fig


def loss_curves(histories: dict, title: str = ""):
    """Chapter 4: training loss (left) and validation accuracy (right) per epoch for each
    labelled run ``{"label": {"loss": [...], "val_accuracy": [...]}}``; returns the Figure."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for label, hist in histories.items():
        epochs = np.arange(1, len(hist["loss"]) + 1)
        axes[0].plot(epochs, hist["loss"], marker="o", label=label)
        axes[1].plot(epochs, hist["val_accuracy"], marker="o", label=label)
    axes[0].set_title("training loss", fontsize=10)
    axes[1].set_title("validation accuracy", fontsize=10)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def threshold_figure(errors, labels, threshold: float, precision, recall, point=None,
                     title: str = "", chosen=None, fig: Figure | None = None) -> Figure:
    """Chapter 7: histograms of the reconstruction error for normal and fraud transactions (log
    scale, the threshold as a line) and the precision-recall curve with the current point.
    ``point``: (recall, precision) at the threshold; ``chosen``: an optional second threshold.
    ``fig``: a figure this function returned before; if it shows the same errors, labels, curve
    (the same objects), title and chosen threshold, only its threshold line and point are moved
    and it is returned (:func:`to_png` then redraws just those), else a new figure is built."""
    static = (errors, labels, precision, recall, title, chosen)
    old = getattr(fig, "_convlab_threshold", None)
    if old is not None and len(old[0]) == len(static) and all(
            a is b if isinstance(a, np.ndarray) else a == b for a, b in zip(old[0], static)):
        line, dot, legend = old[1]
        _threshold_marks(line, dot, legend, threshold, point)
        return fig
    errors, labels = np.asarray(errors, float), np.asarray(labels).astype(int)
    new = Figure(figsize=(9.6, 3.4))
    ax, bx = new.subplots(1, 2)
    _fixed(new, left=0.07, right=0.99, bottom=0.15, top=0.92, wspace=0.2)
    positive = np.clip(errors, 1e-12, None)
    bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()) + 1e-9, 50)
    for cls, colour, name in ((0, "#4575b4", "normal"), (1, "#d73027", "fraud")):
        density, _ = np.histogram(positive[labels == cls], bins=bins, density=True)
        ax.stairs(density, bins, fill=True, color=colour, alpha=0.7, label=name)  # one artist
    line = ax.axvline(threshold, color="k", lw=2, label=f"threshold {threshold:.3g}")
    if chosen is not None:
        ax.axvline(chosen, color="#1b7837", lw=1.5, ls="--", label=f"chosen {chosen:.3g}")
    ax.set_xscale("log")
    ax.set_ylim(0, None)
    ax.set_xlabel("reconstruction error (log scale)")
    ax.set_ylabel("density")
    legend = ax.legend(fontsize=7, loc="upper right")
    ax.set_title(f"{title}: errors by class" if title else "errors by class", fontsize=9)
    bx.plot(recall, precision, color="#4575b4")
    dot, = bx.plot([np.nan], [np.nan], "o", color="k", ms=8)
    bx.axhline(labels.mean(), color="#999999", ls=":", lw=1, label="fraud rate (flag all)")
    bx.set_xlim(0, 1.02)
    bx.set_ylim(0, 1.02)
    bx.set_xlabel("recall")
    bx.set_ylabel("precision")
    bx.legend(fontsize=7, loc="lower left")
    bx.set_title(f"{title}: precision-recall curve" if title else "precision-recall curve", fontsize=9)
    _threshold_marks(line, dot, legend, threshold, point)
    _set_dynamic(new, [line, dot, legend])
    new._convlab_threshold = (static, (line, dot, legend))
    return new


def _threshold_marks(line, dot, legend, threshold: float, point) -> None:
    """threshold_figure's moving parts: the threshold line (and its legend entry) and the point
    on the precision-recall curve."""
    line.set_xdata([threshold, threshold])
    label = f"threshold {threshold:.3g}"
    line.set_label(label)
    legend.get_texts()[2].set_text(label)
    shown = point is not None and bool(np.all(np.isfinite(point)))
    dot.set_data([point[0]] if shown else [np.nan], [point[1]] if shown else [np.nan])
    dot.set_visible(shown)

# --- chapter 6: a CNN classifier --------------------------------------------------------------
def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def cnn_prediction_figure(image, probabilities, maps, label=None, title: str = "",
                          max_maps: int = 8, fig: Figure | None = None) -> Figure:
    """Chapter 6: one test image, the model's class probabilities as bars (the prediction in
    orange, the true class outlined), and up to ``max_maps`` feature maps of each conv layer
    (``maps``: [(layer name, (H, W, C))]). ``fig``: a figure this function returned before; if
    it has the same layout (layers and their shapes, classes, max_maps, a label or none), its
    image, bars, maps and titles are updated and it is returned (:func:`to_png` then redraws
    just those), else a new figure is built."""
    from matplotlib import colormaps
    probabilities = np.asarray(probabilities, dtype=float)
    image = np.asarray(image)[..., 0]
    maps = [(name, np.asarray(fmap, dtype=float)) for name, fmap in maps]
    layout = (image.shape, len(probabilities), tuple((n, m.shape) for n, m in maps), max_maps,
              label is None)
    old = getattr(fig, "_convlab_cnn", None)
    if old is None or old[0] != layout:
        fig = Figure(figsize=(9.6, 2.6 + 1.3 * len(maps)))
        # one axes per layer with its maps tiled side by side (not one axes per map: slow)
        grid = fig.add_gridspec(1 + len(maps), 8, height_ratios=[2.0] + [1.0] * len(maps),
                                left=0.07, right=0.99, bottom=0.02, top=0.93, wspace=1.2,
                                hspace=0.35)
        ax = fig.add_subplot(grid[0, :2])
        shown = ax.imshow(image, cmap="gray", interpolation="nearest")
        _bare(ax)
        ax.set_title(" ", fontsize=8)
        bx = fig.add_subplot(grid[0, 2:])
        bars = bx.bar(range(len(probabilities)), probabilities)
        bx.set_xticks(range(len(probabilities)))
        bx.set_ylim(0, 1)
        bx.set_title(" ", fontsize=9)
        magma = colormaps["magma"].with_extremes(bad="white")
        tiles = []
        for r, (name, fmap) in enumerate(maps, start=1):
            mx = fig.add_subplot(grid[r, :])
            tiles.append(mx.imshow(np.zeros((1, 1)), cmap=magma, vmin=0, vmax=1,
                                   interpolation="nearest"))
            _bare(mx)
            for side in mx.spines.values():
                side.set_visible(False)
            mx.set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}x{fmap.shape[2]}", fontsize=7)
        parts = (shown, ax.title, list(bars), bx.title, tiles)
        _set_dynamic(fig, [shown, ax.title, *bars, bx.title, *tiles])
        fig._convlab_cnn = (layout, parts)
    shown, image_title, bars, bars_title, tiles = fig._convlab_cnn[1]
    shown.set_data(image)
    shown.set_clim(float(np.min(image)), float(np.max(image)))   # imshow's own autoscaling
    image_title.set_text(textwrap.fill(title or "test image", 30))   # narrow axes: wrap
    pred = int(np.argmax(probabilities))
    for c, (bar, p) in enumerate(zip(bars, probabilities)):
        bar.set_height(p)
        bar.set_facecolor("#f6b26b" if c == pred else "#3a9ad9")
        framed = label is not None and c == int(label)
        bar.set_edgecolor("#1b7837" if framed else "none")
        bar.set_linewidth(2.5 if framed else 0)
    bars_title.set_text(f"class probabilities: predicted {pred}"
                        + ("" if label is None else f", true {int(label)} (green frame)"))
    for tile, (name, fmap) in zip(tiles, maps):
        mosaic = _mosaic(fmap, max_maps, gap=max(1, fmap.shape[1] // 14))
        tile.set_data(mosaic)
        tile.set_extent((-0.5, mosaic.shape[1] - 0.5, mosaic.shape[0] - 0.5, -0.5))
        tile.axes.set_xlim(-0.5, mosaic.shape[1] - 0.5)
        tile.axes.set_ylim(mosaic.shape[0] - 0.5, -0.5)
    return fig


def filters_figure(kernel, title: str = "first-layer filters", max_filters: int = 32) -> Figure:
    """Chapter 6: the filters of a conv layer, kernel (kh, kw, 1, F), one small image each (the
    colour scale is shared, so all-zero filters look alike)."""
    from matplotlib import colormaps
    kernel = np.asarray(kernel, dtype=float)
    f = min(kernel.shape[-1], max_filters)
    cols = min(f, 8)
    rows = -(-f // cols)
    fig = Figure(figsize=(1.1 * cols + 0.4, 1.1 * rows + 0.5))
    ax = fig.add_axes((0.02, 0.02, 0.96, 1 - 0.02 - 0.45 / (1.1 * rows + 0.5)))
    lim = max(float(np.abs(kernel).max()), 1e-12)
    gap = max(1, kernel.shape[0] // 4)
    # every filter a tile of one image, blank between tiles (one axes, not one per filter)
    tiles = _mosaic(kernel[:, :, 0, :f], cols, rows, gap=gap, normalize=False)
    ax.imshow(tiles, cmap=colormaps["RdBu_r"].with_extremes(bad="white"), vmin=-lim, vmax=lim,
              interpolation="nearest")
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    return fig


def history_figure(history: dict, title: str = "") -> Figure:
    """Chapter 6: loss and accuracy per epoch, training and validation (Keras' history dict)."""
    fig = Figure(figsize=(9.6, 3.0), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, key in zip(axes, ("loss", "accuracy")):
        for prefix, style in (("", "-o"), ("val_", "--s")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=prefix + key)
        ax.set_xlabel("epoch")
        ax.set_title(key, fontsize=9)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def confusion_figure(cm, images=None, true=None, pred=None, title: str = "") -> Figure:
    """Chapter 6: the confusion matrix (rows: true class, columns: predicted) and, if given, up to
    8 misclassified images with 'true -> predicted'."""
    cm = np.asarray(cm)
    n_bad = 0 if images is None else min(len(images), 8)
    fig = Figure(figsize=(9.6, 3.8), layout="constrained")
    grid = fig.add_gridspec(2, 6)
    ax = fig.add_subplot(grid[:, :2])
    ax.imshow(cm, cmap="Blues")
    for (r, c), v in np.ndenumerate(cm):
        if v:
            ax.text(c, r, str(v), ha="center", va="center", fontsize=6,
                    color="white" if v > cm.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_xticks(range(cm.shape[1]))
    ax.set_yticks(range(cm.shape[0]))
    ax.set_title(title or "confusion matrix", fontsize=8)
    for i in range(n_bad):
        a = fig.add_subplot(grid[i // 4, 2 + i % 4])
        a.imshow(np.asarray(images[i])[..., 0], cmap="gray")
        a.set_title(f"{int(true[i])} -> {int(pred[i])}", fontsize=8)
        _bare(a)
    return fig


# --- chapter 5: DilationExplorer and ParamCalculator ----------------------------------------------
def _kernel_panel(ax, values, title: str, wrong=None):
    """A 2-D kernel with its non-zero entries written in; ``wrong`` (bool mask) outlined red."""
    values = np.asarray(values, dtype=float)
    ax.imshow(values != 0, cmap="Oranges", vmin=0, vmax=1.6, interpolation="nearest")
    if values.shape[0] <= 17 and values.shape[1] <= 17:
        for (r, c), v in np.ndenumerate(values):
            if v:
                ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=7)
    if wrong is not None:
        for r, c in zip(*np.nonzero(wrong)):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#b00020",
                                   lw=1.5))
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def dilation_figure(g, dilated, student=None, student_title: str = "") -> Figure:
    """Chapter 5: left, the k x k taps of one output's window (``g``, a
    convlab.variants.DilationGeometry) spread over the i x i input (cells beyond the input
    hatched when the dilated kernel does not fit), its k_eff x k_eff span outlined; middle, the
    true dilated kernel; right (if given), the student's, differing cells outlined red."""
    dilated = np.asarray(dilated, dtype=float)
    panels = 2 if student is None else 3
    fig = Figure(figsize=(3.3 * panels, 3.5))
    fig.subplots_adjust(left=0.03, right=0.97, bottom=0.03, top=0.88, wspace=0.12)
    axes = fig.subplots(1, panels)
    ax = axes[0]
    n = max(g.i, g.k_eff)
    inside = np.zeros((n, n))
    inside[:g.i, :g.i] = 1
    ax.imshow(inside, cmap="Blues", vmin=0, vmax=4, interpolation="nearest")
    for r in range(n):
        for c in range(n):
            if r >= g.i or c >= g.i:
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///",
                                       edgecolor="#b00020", lw=0))
    for a, r in enumerate(g.taps):
        for b, c in enumerate(g.taps):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color="#e4572e", alpha=0.85))
            if n <= 17:
                ax.text(c, r, str(a * g.k + b + 1), ha="center", va="center", fontsize=7,
                        color="white")
    ax.add_patch(Rectangle((-0.5, -0.5), g.k_eff, g.k_eff, fill=False, edgecolor="#222222",
                           lw=1.5, ls="--"))
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_title(f"{g.k}x{g.k} taps, d={g.d}: span {g.k_eff}x{g.k_eff} on {g.i}x{g.i}",
                 fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    _kernel_panel(axes[1], dilated, f"true dilated kernel ({dilated.shape[0]}x{dilated.shape[1]})")
    if student is not None:
        student = np.asarray(student, dtype=float)
        wrong = ~np.isclose(student, dilated) if student.shape == dilated.shape else None
        _kernel_panel(axes[2], student, student_title or "your dilate_kernel", wrong)
    return fig


def param_figure(costs, student=None, student_name: str = "param_count") -> Figure:
    """Chapter 5: bars of the parameters and the multiply-adds of each kind of layer (``costs``,
    convlab.variants.LayerCost; impossible kinds are marked so). ``student``: the student's
    parameter counts, one per kind (None where there is none), drawn as markers: black where
    they agree, red crosses where they differ."""
    labels = [c.label for c in costs]
    y = np.arange(len(costs))[::-1]
    fig = Figure(figsize=(9.6, 0.5 * len(costs) + 1.2))
    fig.subplots_adjust(left=0.23, right=0.97, bottom=0.12, top=0.86, wspace=0.08)
    axes = fig.subplots(1, 2, sharey=True)
    colours = ["#3a6ea5", "#17bebb", "#76b041", "#ffc914", "#e4572e"]
    for ax, field, title in ((axes[0], "params", "parameters"),
                             (axes[1], "mult_adds", "multiply-adds (SAME, stride 1)")):
        values = [getattr(c, field) for c in costs]
        shown = values + (list(student) if student is not None and field == "params" else [])
        top = max([v for v in shown if v is not None and v > 0] + [1])
        for yy, v, col in zip(y, values, colours * 2):
            if v is None:
                ax.text(0, yy, " impossible here", va="center", fontsize=8, color="#b00020")
                continue
            ax.barh(yy, v, color=col, height=0.6)
            ax.text(v + top * 0.015, yy, f"{v:,}", va="center", fontsize=8)
        low = min([v for v in shown if v is not None] + [0])
        ax.set_xlim(low * 1.1 if low < 0 else 0, top * 1.3)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])                                  # every bar has its number written
    if student is not None:
        for yy, c, s in zip(y, costs, student):
            if s is None:
                continue
            ok = c.params is not None and s == c.params
            axes[0].plot([s], [yy + 0.3], marker="v" if ok else "X", ls="none", ms=7,
                         color="black" if ok else "#b00020",
                         label=f"your {student_name}" + ("" if ok else " (differs)"))
        handles, names = axes[0].get_legend_handles_labels()
        if handles:
            unique = dict(zip(names, handles))
            axes[0].legend(unique.values(), unique.keys(), fontsize=7, loc="lower right")
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(labels, fontsize=8)
    return fig

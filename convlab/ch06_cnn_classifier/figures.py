"""Chapter 6's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`; notebook cells show them as they are)."""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

from convlab.figures import set_dynamic
from convlab.i18n import N_, _


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])


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
        set_dynamic(fig, [shown, ax.title, *bars, bx.title, *tiles])
        fig._convlab_cnn = (layout, parts)
    shown, image_title, bars, bars_title, tiles = fig._convlab_cnn[1]
    shown.set_data(image)
    shown.set_clim(float(np.min(image)), float(np.max(image)))   # imshow's own autoscaling
    image_title.set_text(textwrap.fill(title or _("test image"), 30))   # narrow axes: wrap
    pred = int(np.argmax(probabilities))
    for c, (bar, p) in enumerate(zip(bars, probabilities)):
        bar.set_height(p)
        bar.set_facecolor("#f6b26b" if c == pred else "#3a9ad9")
        framed = label is not None and c == int(label)
        bar.set_edgecolor("#1b7837" if framed else "none")
        bar.set_linewidth(2.5 if framed else 0)
    bars_title.set_text(_("class probabilities: predicted {pred}").format(pred=pred)
                        + ("" if label is None else
                           _(", true {label} (green frame)").format(label=int(label))))
    for tile, (name, fmap) in zip(tiles, maps):
        mosaic = _mosaic(fmap, max_maps, gap=max(1, fmap.shape[1] // 14))
        tile.set_data(mosaic)
        tile.set_extent((-0.5, mosaic.shape[1] - 0.5, mosaic.shape[0] - 0.5, -0.5))
        tile.axes.set_xlim(-0.5, mosaic.shape[1] - 0.5)
        tile.axes.set_ylim(mosaic.shape[0] - 0.5, -0.5)
    return fig


def filters_figure(kernel, title: str = N_("first-layer filters"), max_filters: int = 32) -> Figure:
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
    ax.set_title(_(title), fontsize=9)
    return fig


# the titles of Keras' history keys (the legends keep the keys: loss, val_loss, ...)
HISTORY_TITLES = {"loss": N_("loss"), "accuracy": N_("accuracy")}


def history_figure(history: dict, title: str = "") -> Figure:
    """Chapter 6: loss and accuracy per epoch, training and validation (Keras' history dict)."""
    fig = Figure(figsize=(9.6, 3.0), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, key in zip(axes, ("loss", "accuracy")):
        for prefix, style in (("", "-o"), ("val_", "--s")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=prefix + key)
        ax.set_xlabel(_("epoch"))
        ax.set_title(_(HISTORY_TITLES[key]), fontsize=9)
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
    ax.set_xlabel(_("predicted"))
    ax.set_ylabel(_("true"))
    ax.set_xticks(range(cm.shape[1]))
    ax.set_yticks(range(cm.shape[0]))
    ax.set_title(title or _("confusion matrix"), fontsize=8)
    for i in range(n_bad):
        a = fig.add_subplot(grid[i // 4, 2 + i % 4])
        a.imshow(np.asarray(images[i])[..., 0], cmap="gray")
        a.set_title(f"{int(true[i])} -> {int(pred[i])}", fontsize=8)
        _bare(a)
    return fig


def depth_figure(result, title: str = "") -> Figure:
    """Chapter 6: training loss and accuracy per epoch of the plain and the residual stack
    (a :class:`convlab.ch06_cnn_classifier.compute.DepthResult`)."""
    fig = Figure(figsize=(9.6, 3.0), layout="constrained")
    axes = fig.subplots(1, 2)
    stacks = {"plain": N_("plain ({layers} convolutions)"),
              "residual": N_("residual ({layers} convolutions)")}
    for ax, (key, values) in zip(axes, ((_("training loss"), result.loss),
                                        (_("training accuracy"), result.accuracy))):
        for name, style in (("plain", "-o"), ("residual", "-s")):
            ax.plot(range(1, len(values[name]) + 1), values[name], style,
                    label=_(stacks[name]).format(layers=result.layers))
        ax.set_xlabel(_("epoch"))
        ax.set_title(key, fontsize=9)
        ax.legend(fontsize=8)
    axes[0].axhline(np.log(10), color="gray", lw=0.8, ls=":")
    axes[0].text(1, np.log(10), " " + _("ln 10: chance"), fontsize=7, va="bottom", color="gray")
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def feature_maps_figure(maps, title: str = "", max_maps: int = 8) -> Figure:
    """Chapter 6: up to ``max_maps`` feature maps of each conv layer for one image (``maps``:
    [(layer name, (H, W, C))]), each map scaled to its own range, one row per layer; no class
    probabilities (the widget asks for the prediction before it shows them)."""
    from matplotlib import colormaps
    maps = [(name, np.asarray(fmap, dtype=float)) for name, fmap in maps]
    fig = Figure(figsize=(9.6, 0.5 + 1.3 * max(1, len(maps))))
    magma = colormaps["magma"].with_extremes(bad="white")
    if not maps:
        ax = fig.add_subplot(1, 1, 1)
        ax.axis("off")
        ax.text(0.5, 0.5, _("no feature maps to show"), ha="center", va="center", fontsize=9)
    for r, (name, fmap) in enumerate(maps, start=1):
        ax = fig.add_subplot(len(maps), 1, r)
        mosaic = _mosaic(fmap, max_maps, gap=max(1, fmap.shape[1] // 14))
        ax.imshow(mosaic, cmap=magma, vmin=0, vmax=1, interpolation="nearest")
        _bare(ax)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}x{fmap.shape[2]}", fontsize=7)
        ax.set_xticks([(fmap.shape[1] + max(1, fmap.shape[1] // 14)) * c + fmap.shape[1] / 2 - 0.5
                       for c in range(min(max_maps, fmap.shape[2]))])
        ax.set_xticklabels([_("channel {c}").format(c=c) for c in range(min(max_maps, fmap.shape[2]))],
                           fontsize=6)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig

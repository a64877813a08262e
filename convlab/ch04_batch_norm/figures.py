"""Chapter 4's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`), except ``loss_curves``, which a notebook cell shows with pyplot."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from convlab.figures import fixed_margins
from convlab.i18n import _


def batchnorm_figure(x, y, spread, population_mean, gamma, beta, saturated: float = 3.0,
                     spread_halfwidth: float | None = None) -> Figure:
    """Chapter 4: histograms of a batch of pre-activations before (``x``) and after (``y``, None
    if the student's function gave nothing) batch norm, with the sigmoid's flat region
    |z| > ``saturated`` shaded and the sigmoid drawn; and the spread of the batch mean of unit 0
    over many batches (``spread``) around the mean of the whole data set, on a fixed scale of
    +- ``spread_halfwidth`` (so the spread can be compared between batch sizes)."""
    fig = Figure(figsize=(10.5, 3.3))
    axes = fig.subplots(1, 3)
    fixed_margins(fig, left=0.02, right=0.98, bottom=0.09, top=0.84, wspace=0.08)
    x = np.asarray(x, dtype=float)
    lim = max(8.0, float(np.nanmax(np.abs(x))) * 1.05)
    zz = np.linspace(-lim, lim, 200)
    sigmoid = 1 / (1 + np.exp(-zz))
    for ax, data, title in ((axes[0], x, _("before batch norm")),
                            (axes[1], y, _("after batch norm (gamma={gamma:.1f}, beta={beta:.1f})")
                             .format(gamma=gamma, beta=beta))):
        ax.axvspan(-lim, -saturated, color="#f4cccc", zorder=0)
        ax.axvspan(saturated, lim, color="#f4cccc", zorder=0)
        if data is None:
            top = 1.0
            ax.text(0.5, 0.5, _("no result from\nyour function"), transform=ax.transAxes,
                    ha="center", va="center", color="#b00020")
            ax.set_title(title, fontsize=9)
        else:
            data = np.asarray(data, dtype=float).ravel()
            frac = float(np.mean(np.abs(data) > saturated))
            counts, edges = np.histogram(np.clip(data, -lim, lim), bins=40, range=(-lim, lim))
            ax.stairs(counts, edges, fill=True, color="#4c72b0")      # one artist, not 40 bars
            top = max(float(counts.max()), 1.0) * 1.05
            ax.set_title(title + "\n" + _("{percent:.0f}% in the flat region (shaded)")
                         .format(percent=100 * frac), fontsize=9)
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
    ax.set_title(_("batch mean of unit 0 over {n} batches\n(line: whole data set)")
                 .format(n=len(spread)), fontsize=9)
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
    axes[0].set_title(_("training loss"), fontsize=10)
    axes[1].set_title(_("validation accuracy"), fontsize=10)
    for ax in axes:
        ax.set_xlabel(_("epoch"))
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig

"""Chapter 5's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`; notebook cells show them as they are)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convlab.figures import cell_numbers, fixed_margins
from convlab.i18n import _


def transposed_figure(counts, k: int, s: int, student=None, student_title: str = "") -> Figure:
    """Chapter 5: a VALID transposed convolution on ones with a ones kernel. Left: how many kernel
    footprints cover each output cell (the first row of footprints outlined): uneven counts are
    the checkerboard. Right (if given): the student's output on the same input."""
    counts = np.asarray(counts, dtype=float)
    panels = 1 if student is None else 2
    fig = Figure(figsize=(4.4 * panels, 4.0))
    axes = np.atleast_1d(fig.subplots(1, panels))
    fixed_margins(fig, left=0.02, right=0.98, bottom=0.02, top=0.93, wspace=0.08)
    lim = (0.0, max(float(counts.max()), 1.0))
    ax = axes[0]
    ax.imshow(counts, cmap="magma", vmin=lim[0], vmax=lim[1], interpolation="nearest")
    o = counts.shape[0]
    if o <= 16:
        cell_numbers(ax, counts, "g", fontsize=7, color="#3a9ad9")
    colours = ["#e4572e", "#17bebb", "#ffc914", "#76b041"]
    for n, start in enumerate(range(0, o - k + 1, s)):
        ax.add_patch(Rectangle((start - 0.45, -0.45), k - 0.1, k - 0.1, fill=False,
                               edgecolor=colours[n % len(colours)], lw=2))
    ax.set_title(_("kernel footprints per output cell (k={k}, s={s})").format(k=k, s=s), fontsize=9)
    if student is not None:
        ax = axes[1]
        ax.imshow(np.asarray(student, dtype=float), cmap="magma", vmin=lim[0], vmax=lim[1],
                  interpolation="nearest")
        ax.set_title(student_title or _("your conv2d_transpose on ones"), fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


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
    compute.DilationGeometry) spread over the i x i input (cells beyond the input
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
    ax.set_title(_("{k}x{k} taps, d={d}: span {span}x{span} on {i}x{i}").format(
        k=g.k, d=g.d, span=g.k_eff, i=g.i), fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    _kernel_panel(axes[1], dilated, _("true dilated kernel ({h}x{w})").format(
        h=dilated.shape[0], w=dilated.shape[1]))
    if student is not None:
        student = np.asarray(student, dtype=float)
        wrong = ~np.isclose(student, dilated) if student.shape == dilated.shape else None
        _kernel_panel(axes[2], student, student_title or _("your dilate_kernel"), wrong)
    return fig


def param_figure(costs, student=None, student_name: str = "param_count") -> Figure:
    """Chapter 5: bars of the parameters and the multiply-adds of each kind of layer (``costs``,
    compute.LayerCost; impossible kinds are marked so). ``student``: the student's
    parameter counts, one per kind (None where there is none), drawn as markers: black where
    they agree, red crosses where they differ."""
    labels = [c.label for c in costs]
    y = np.arange(len(costs))[::-1]
    fig = Figure(figsize=(9.6, 0.5 * len(costs) + 1.2))
    fig.subplots_adjust(left=0.23, right=0.97, bottom=0.12, top=0.86, wspace=0.08)
    axes = fig.subplots(1, 2, sharey=True)
    colours = ["#3a6ea5", "#17bebb", "#76b041", "#ffc914", "#e4572e"]
    for ax, field, title in ((axes[0], "params", _("parameters")),
                             (axes[1], "mult_adds", _("multiply-adds (SAME, stride 1)"))):
        values = [getattr(c, field) for c in costs]
        shown = values + (list(student) if student is not None and field == "params" else [])
        top = max([v for v in shown if v is not None and v > 0] + [1])
        for yy, v, col in zip(y, values, colours * 2):
            if v is None:
                ax.text(0, yy, " " + _("impossible here"), va="center", fontsize=8,
                        color="#b00020")
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
                         label=(_("your {name}") if ok else _("your {name} (differs)")).format(
                             name=student_name))
        handles, names = axes[0].get_legend_handles_labels()
        if handles:
            unique = dict(zip(names, handles))
            axes[0].legend(unique.values(), unique.keys(), fontsize=7, loc="lower right")
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(labels, fontsize=8)
    return fig

"""Chapter 7's figures: matplotlib Figures built without pyplot (widgets render them with
:func:`convlab.figures.to_png`; notebook cells show them as they are)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from convlab.figures import fixed_margins, set_dynamic, use_language_fonts
from convlab.i18n import _


def threshold_figure(errors, labels, threshold, precision, recall, point=None,
                     title: str = "", chosen=None, fig: Figure | None = None) -> Figure:
    """Chapter 7: histograms of the reconstruction error for normal and fraud transactions (log
    scale, the threshold as a line; ``threshold`` None: no line) and the precision-recall curve
    with the current point.
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
    use_language_fonts()                  # the labels' language is decided now, at drawing
    new = Figure(figsize=(9.6, 3.4))
    ax, bx = new.subplots(1, 2)
    fixed_margins(new, left=0.07, right=0.99, bottom=0.15, top=0.92, wspace=0.2)
    positive = np.clip(errors, 1e-12, None)
    bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()) + 1e-9, 50)
    for cls, colour, name in ((0, "#4575b4", _("normal")), (1, "#d73027", _("fraud"))):
        density = np.histogram(positive[labels == cls], bins=bins, density=True)[0]
        ax.stairs(density, bins, fill=True, color=colour, alpha=0.7, label=name)  # one artist
    line = ax.axvline(np.nan if threshold is None else threshold, color="k", lw=2,
                      label=_line_label(threshold))
    if chosen is not None:
        ax.axvline(chosen, color="#1b7837", lw=1.5, ls="--", label=_("chosen {value:.3g}").format(value=chosen))
    ax.set_xscale("log")
    ax.set_ylim(0, None)
    ax.set_xlabel(_("reconstruction error (log scale)"))
    ax.set_ylabel(_("density"))
    legend = ax.legend(fontsize=7, loc="upper right")
    ax.set_title(_("{title}: errors by class").format(title=title) if title else _("errors by class"),
                 fontsize=9)
    bx.plot(recall, precision, color="#4575b4")
    dot, = bx.plot([np.nan], [np.nan], "o", color="k", ms=8)
    bx.axhline(labels.mean(), color="#999999", ls=":", lw=1, label=_("fraud rate (flag all)"))
    bx.set_xlim(0, 1.02)
    bx.set_ylim(0, 1.02)
    bx.set_xlabel(_("recall"))
    bx.set_ylabel(_("precision"))
    bx.legend(fontsize=7, loc="lower left")
    bx.set_title(_("{title}: precision-recall curve").format(title=title) if title
                 else _("precision-recall curve"), fontsize=9)
    _threshold_marks(line, dot, legend, threshold, point)
    set_dynamic(new, [line, dot, legend])
    new._convlab_threshold = (static, (line, dot, legend))
    return new


def _line_label(threshold) -> str:
    return _("no threshold") if threshold is None else _("threshold {value:.3g}").format(value=threshold)


def _threshold_marks(line, dot, legend, threshold, point) -> None:
    """threshold_figure's moving parts: the threshold line (and its legend entry) and the point
    on the precision-recall curve."""
    line.set_xdata([np.nan, np.nan] if threshold is None else [threshold, threshold])
    line.set_visible(threshold is not None)
    label = _line_label(threshold)
    line.set_label(label)
    legend.get_texts()[2].set_text(label)
    shown = point is not None and bool(np.all(np.isfinite(point)))
    dot.set_data([point[0]] if shown else [np.nan], [point[1]] if shown else [np.nan])
    dot.set_visible(shown)

"""Figure rendering that the chapters' figures share (each chapter's own figures are in its
package, ``convlab.chNN_*.figures``). Widgets get PNG bytes (rendered off-screen with Agg, so they
also work headless); notebook cells get matplotlib figures.

The widget figures are redrawn on every slider step, so they are built for speed (issue 9): fixed
margins instead of a layout engine, one artist for many similar shapes (collections, ``stairs``
instead of ``hist``'s one patch per bin, a mosaic image instead of one axes per small map), and
``to_png`` draws once and encodes with fast PNG compression."""
from __future__ import annotations

import functools
import io

import numpy as np
from matplotlib.figure import Figure

from convlab.i18n import language

# Fonts with the Chinese glyphs, most preferred first (Debian: fonts-noto-cjk gives "Noto Sans CJK
# JP"/"SC", fonts-wqy-microhei "WenQuanYi Micro Hei"); only those matplotlib can find are used:
# naming a missing family makes matplotlib log a warning on stderr (which zeroes a test cell).
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "Noto Sans CJK JP")
# their files, for a matplotlib font cache built before the font was installed
_CJK_FILES = ("NotoSansCJK*.ttc", "NotoSansCJKsc*.otf", "SourceHanSans*.ttc", "NotoSansSC*.otf",
              "NotoSansSC*.ttf", "wqy-microhei.ttc", "wqy-zenhei.ttc")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
              "/Library/Fonts", "/System/Library/Fonts")


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs that matplotlib's font manager has (registering
    an installed one its cache predates), or None."""
    from pathlib import Path

    from matplotlib import font_manager

    def known():
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    found = known()
    if found:
        return found
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for pattern in _CJK_FILES:
            for path in sorted(root.rglob(pattern)):
                try:
                    font_manager.fontManager.addfont(str(path))
                except Exception:  # noqa: BLE001 - an unreadable font file is skipped
                    continue
    return known()


def use_language_fonts(lang: str | None = None) -> list:
    """Make matplotlib draw the text of the current language (``lang``, default
    :func:`convlab.i18n.language`): for Chinese, the font family becomes ["sans-serif", a CJK
    font], so Latin letters and digits keep the English edition's font and Chinese characters fall
    back to the CJK one; for English, the family without it (a family set otherwise is kept).
    Called when this module is imported and by :func:`to_png`; returns the family in use."""
    import matplotlib

    lang = lang or language()
    now = list(matplotlib.rcParams["font.family"])
    family = [f for f in now if f not in CJK_FONTS]
    if lang == "zh_CN":
        cjk = cjk_font()
        if cjk:
            family.append(cjk)
            # the CJK fonts have no bold: matplotlib then draws the regular face, and says so on
            # stderr ("findfont: Failed to find font weight bold"), which a notebook shows in red
            import logging

            logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    if now != family:
        matplotlib.rcParams["font.family"] = family
    return family


def to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes without pyplot (no global state, no display).
    One draw on an Agg canvas (``savefig`` draws twice when the figure has a layout engine) and
    PNG compression level 1 (several times faster to encode than the default 6; the image is a
    few kB larger).

    A figure made to be updated in place (see :func:`set_dynamic`) is drawn once without its
    dynamic artists, that background is kept, and later renders paste the background and draw
    only the dynamic artists (blitting)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image
    use_language_fonts()
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


def set_dynamic(fig: Figure, artists) -> None:
    """Mark the artists that a figure function changes in place when it is called again with
    ``fig=`` (everything else stays): :func:`to_png` then redraws only these."""
    for artist in artists:
        artist.set_animated(True)
    fig._convlab_dynamic = list(artists)


def text_markers(ax, xs, ys, labels, fontsize: float = 8, color="black", ha: str = "center",
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
    """(marker path, half its size in points) for :func:`text_markers`; cached, as the outline
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


def cell_numbers(ax, values, fmt: str, fontsize: float = 8, color="black") -> None:
    """Every value of a 2-D array written centred on its image cell (see :func:`text_markers`);
    same size and font as ``ax.text(..., fontsize=fontsize)``."""
    rows, cols = np.indices(np.shape(values))
    text_markers(ax, cols.ravel(), rows.ravel(),
                  [format(v, fmt) for v in np.asarray(values).ravel()], fontsize, color)


def fixed_margins(fig: Figure, left=0.02, right=0.98, bottom=0.03, top=0.88, wspace=0.1, hspace=0.2):
    """Fixed margins (no layout engine: constrained layout measures every text on each draw)."""
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top, wspace=wspace,
                        hspace=hspace)


use_language_fonts()

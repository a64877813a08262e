"""Sample images that work offline.

scikit-learn ships 1,797 real 8x8 handwritten digits and two real photos; the course uses them
whenever it needs a picture. If they cannot be loaded, a generated picture is returned instead and
its title says "synthetic", so nobody mistakes it for real data.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from convlab.i18n import N_, _

NAMES = ("grid", "digit", "photo")
# how a picker shows each name (translated where shown: :func:`choices`)
LABELS = {"grid": N_("grid"), "digit": N_("digit"), "photo": N_("photo")}


def choices() -> list:
    """(label in the student's language, name) of every sample image: a Dropdown's options."""
    return [(_(LABELS[name]), name) for name in NAMES]


@dataclass(frozen=True)
class Sample:
    """A grayscale image in [0, 1] with its title and provenance."""
    image: np.ndarray
    title: str
    synthetic: bool


def sample_image(name: str = "digit", index: int = 0, size: int = 32) -> Sample:
    """Return the sample image ``name``: "grid", "digit" or "photo".

    grid: a 7x7 test pattern (a bright square on a dark background), made here;
    digit: scikit-learn's handwritten digit number ``index`` (8x8, 0..1797-1);
    photo: scikit-learn's photo of a Chinese temple, grayscale, resized to ``size`` pixels wide.
    """
    if name not in NAMES:
        raise ValueError(_("unknown sample image {name}; choose one of: {names}").format(
            name=repr(name), names=", ".join(NAMES)))
    if name == "grid":
        img = np.zeros((7, 7))
        img[2:5, 2:5] = 1.0
        return Sample(img, _("test pattern 7x7 (made by hand)"), synthetic=False)
    if name == "digit":
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < 1797:
            raise ValueError(_("index must be an integer in [0, 1797); got {value}").format(
                value=repr(index)))
        try:
            from sklearn.datasets import load_digits
            digits = load_digits()
            img = digits.images[int(index)] / 16.0
            return Sample(img, _("handwritten digit {digit} (8x8, scikit-learn)").format(
                digit=digits.target[int(index)]), synthetic=False)
        except Exception as exc:  # pragma: no cover - only without scikit-learn's data
            warnings.warn(f"scikit-learn's digits are unavailable ({exc}); using a synthetic digit")
            return Sample(_synthetic_digit(), _("SYNTHETIC digit (scikit-learn data unavailable)"),
                          True)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 640:
        raise ValueError(_("size must be an integer width in [8, 640]; got {value}").format(
            value=repr(size)))
    try:
        from sklearn.datasets import load_sample_image
        rgb = load_sample_image("china.jpg").astype(float) / 255.0
        gray = rgb @ np.array([0.299, 0.587, 0.114])
        return Sample(_resize(gray, int(size)),
                      _("photo (grayscale, {width} px wide, scikit-learn)").format(width=int(size)),
                      synthetic=False)
    except Exception as exc:  # pragma: no cover - only without scikit-learn's data
        warnings.warn(f"scikit-learn's sample photo is unavailable ({exc}); using a synthetic one")
        return Sample(_synthetic_photo(int(size)),
                      _("SYNTHETIC photo (scikit-learn data unavailable)"), True)


def _resize(gray: np.ndarray, width: int) -> np.ndarray:
    """Area-average ``gray`` down to ``width`` columns, keeping the aspect ratio."""
    h, w = gray.shape
    height = max(1, round(h * width / w))
    rows = np.linspace(0, h, height + 1).astype(int)
    cols = np.linspace(0, w, width + 1).astype(int)
    out = np.empty((height, width))
    for i in range(height):
        for j in range(width):
            out[i, j] = gray[rows[i]:rows[i + 1], cols[j]:cols[j + 1]].mean()
    return out


def _synthetic_digit() -> np.ndarray:
    img = np.zeros((8, 8))
    img[1:7, 3:5] = 1.0
    img[1, 2] = 0.7
    img[6, 2:6] = 1.0
    return img


def _synthetic_photo(width: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    h = max(1, round(width * 427 / 640))
    y, x = np.mgrid[0:h, 0:width]
    img = 0.3 + 0.4 * (x > width // 2) + 0.2 * np.sin(y / 3.0)
    return np.clip(img + 0.05 * rng.standard_normal(img.shape), 0, 1)

"""Classic 2-D filters, as (kh, kw) float arrays. Names are what the widgets show (the English
name is the key; :func:`choices` gives the labels in the student's language)."""
from __future__ import annotations

import numpy as np

from convlab.i18n import N_, _

CLASSIC = {
    N_("identity"): np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    N_("vertical edge (Sobel x)"): np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    N_("horizontal edge (Sobel y)"): np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    N_("outline (Laplacian)"): np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float),
    N_("box blur 3x3"): np.full((3, 3), 1 / 9),
    N_("Gaussian blur 5x5"): np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,
    N_("sharpen"): np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    N_("diagonal (asymmetric)"): np.array([[2, 1, 0], [1, 0, -1], [0, -1, -2]], dtype=float),
}


def choices() -> list:
    """(label in the student's language, name) of every classic kernel: a Dropdown's options."""
    return [(_(name), name) for name in CLASSIC]


def get(name: str) -> np.ndarray:
    """Return a copy of the classic kernel ``name``; ``ValueError`` lists the names if unknown."""
    if name not in CLASSIC:
        raise ValueError(_("unknown kernel {name}; choose one of: {names}").format(
            name=repr(name), names=", ".join(CLASSIC)))
    return CLASSIC[name].copy()


def bank(names=None) -> np.ndarray:
    """Stack 3x3 classic kernels into a filter bank of shape (3, 3, 1, F) (TensorFlow's HWIO)."""
    names = list(names) if names is not None else [n for n, k in CLASSIC.items() if k.shape == (3, 3)]
    kernels = [get(n) for n in names]
    shapes = {k.shape for k in kernels}
    if len(shapes) != 1:
        raise ValueError(_("all kernels in a bank must have one shape; got {shapes}").format(
            shapes=sorted(shapes)))
    return np.stack(kernels, axis=-1)[:, :, None, :]

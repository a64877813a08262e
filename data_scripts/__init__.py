"""Data for the course: a registry of downloadable data sets and a careful downloader.

Chapters 1-5 need no download: they use the images scikit-learn ships (:data:`OFFLINE`, through
:mod:`convlab.data`). Later chapters use the data sets of :data:`REGISTRY`:

    python -m data_scripts list                 # what is registered, what is cached
    python -m data_scripts fetch creditcard     # download into the cache folder
    python -m data_scripts fetch mnist

In code, :func:`cached_path` returns the cached file or raises :class:`DatasetMissing` (a
``FileNotFoundError``) whose message names the command that fetches it, so a chapter can fall back
to offline data with a clear note.

**Cache folder.** ``$CONVLAB_DATA`` if set, else ``.data/`` at the repository root (git-ignored).

**Downloads** (:func:`fetch`) try each mirror in turn; bytes go to ``<file>.part`` in the cache
folder, an interrupted download is resumed with an HTTP ``Range`` request (restarted from zero if
the server ignores it), the SHA-256 is checked, and only a verified file is moved into place
(``os.replace``, atomic). A file whose checksum does not match is deleted, never left half
written, and the next mirror is tried.

**Checksums.** A data set whose SHA-256 this repository cannot vouch for has ``sha256=None`` and
says so in its ``note``. ``fetch`` refuses such a data set unless called with ``--unverified``
(``allow_unverified=True``), and then warns loudly and prints the checksum it computed, to be
checked against an independent source and pinned in :data:`REGISTRY` by a maintainer. Today this
is the case of ``creditcard`` only (see its note); MNIST's and CIFAR-10's checksums are the ones
Keras itself pins for the same files (``keras.datasets.mnist`` / ``cifar10``).
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OFFLINE", "REGISTRY", "Dataset", "DatasetMissing", "ChecksumError", "DownloadError",
           "cache_dir", "cached_path", "fetch", "sha256_of"]

OFFLINE = {
    "digits": "scikit-learn's load_digits(): 1,797 handwritten digits, 8x8, 10 classes (ships with scikit-learn)",
    "sample_images": "scikit-learn's load_sample_images(): two photos, 427x640x3 (ships with scikit-learn)",
}

ENV_VAR = "CONVLAB_DATA"
REPO = Path(__file__).resolve().parent.parent
CHUNK = 1 << 16


@dataclass(frozen=True)
class Dataset:
    name: str
    filename: str
    urls: tuple            # mirrors, tried in order
    sha256: str | None     # None: not pinned yet (see note); fetch refuses without --unverified
    size: int | None       # bytes, when known (for the progress bar)
    licence: str
    citation: str
    description: str
    note: str = ""


REGISTRY = {
    "creditcard": Dataset(
        name="creditcard",
        filename="creditcard.csv",
        urls=("https://storage.googleapis.com/download.tensorflow.org/data/creditcard.csv",),
        sha256=None,
        size=None,
        licence="Open Database License (ODbL) 1.0, as published by the ULB Machine Learning Group",
        citation=("A. Dal Pozzolo, O. Caelen, R. A. Johnson and G. Bontempi, Calibrating "
                  "probability with undersampling for unbalanced classification, IEEE SSCI 2015"),
        description=("credit-card transactions of September 2013: 284,807 rows, 492 frauds; "
                     "columns Time, V1..V28 (PCA), Amount, Class (1 = fraud)"),
        note=("SHA-256 NOT PINNED: no checksum for this file is published by its hosts, and this "
              "repository was written without network access, so none could be recorded. "
              "`fetch creditcard` refuses unless given --unverified; it then prints the SHA-256 "
              "it computed, to be compared with a second source and pinned here. Only one mirror "
              "(TensorFlow's public data bucket, used by TensorFlow's imbalanced-data tutorial) is "
              "known to serve this exact CSV; Kaggle needs a login and OpenML serves another "
              "format."),
    ),
    "mnist": Dataset(
        name="mnist",
        filename="mnist.npz",
        urls=("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
              "https://s3.amazonaws.com/img-datasets/mnist.npz"),
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        size=None,
        licence="CC BY-SA 3.0 (Y. LeCun and C. Cortes)",
        citation=("Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, Gradient-based learning applied "
                  "to document recognition, Proc. IEEE 86(11), 1998"),
        description="MNIST handwritten digits: 60,000 + 10,000 images 28x28, NumPy .npz (Keras' copy)",
        note="checksum as pinned by keras.datasets.mnist.load_data for the same file",
    ),
    "cifar10": Dataset(
        name="cifar10",
        filename="cifar-10-python.tar.gz",
        urls=("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
              "https://storage.googleapis.com/tensorflow/tf-keras-datasets/cifar-10-python.tar.gz"),
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        size=None,
        licence="no explicit licence; free to use with the citation below (A. Krizhevsky)",
        citation="A. Krizhevsky, Learning multiple layers of features from tiny images, tech. report, 2009",
        description="CIFAR-10: 50,000 + 10,000 colour images 32x32, 10 classes (python pickles, tar.gz)",
        note="checksum as pinned by keras.datasets.cifar10.load_data for the same file",
    ),
}


class DatasetMissing(FileNotFoundError):
    """The data set is not in the cache folder; the message names the command that fetches it."""


class ChecksumError(RuntimeError):
    """A downloaded file does not have the registered SHA-256 (it was deleted)."""


class DownloadError(RuntimeError):
    """No mirror could deliver a verified file."""


def cache_dir() -> Path:
    """``$CONVLAB_DATA`` if set, else ``<repository>/.data``."""
    return Path(os.environ.get(ENV_VAR) or REPO / ".data")


def _dataset(name: str) -> Dataset:
    if name not in REGISTRY:
        raise KeyError(f"unknown data set {name!r}; registered: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def cached_path(name: str) -> Path:
    """The cached file of data set ``name``; raises :class:`DatasetMissing` if it is not there."""
    ds = _dataset(name)
    path = cache_dir() / ds.filename
    if not path.is_file():
        raise DatasetMissing(
            f"the {name} data set is not downloaded: {path} does not exist. Fetch it with "
            f"`python -m data_scripts fetch {name}` (from the repository root, with internet "
            f"access; set ${ENV_VAR} to use another cache folder).")
    return path


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


class _Progress:
    """A text progress bar on a stream (stderr by default); silent if ``stream`` is None."""

    def __init__(self, total, stream, label, start=0):
        self.total, self.stream, self.label, self.done = total, stream, label, start
        self._last = -1

    def update(self, n):
        self.done += n
        if self.stream is None:
            return
        if self.total:
            pct = min(100, int(100 * self.done / self.total))
            if pct == self._last:
                return
            self._last = pct
            bar = "#" * (pct // 4) + "-" * (25 - pct // 4)
            self.stream.write(f"\r{self.label} [{bar}] {pct:3d}% {self.done / 1e6:8.1f} MB")
        else:
            self.stream.write(f"\r{self.label} {self.done / 1e6:8.1f} MB")
        self.stream.flush()

    def close(self):
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


def _download(url: str, part: Path, expected_size, progress, timeout) -> None:
    """Append to ``part`` from ``url``, resuming with a Range request when ``part`` has bytes."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "convlab-data-scripts/1"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:          # the .part is already complete (or bigger)
            return
        raise
    with response:
        status = getattr(response, "status", 200)
        if have and status != 206:            # the server ignored the Range header: restart
            have = 0
        length = response.headers.get("Content-Length")
        total = expected_size or ((int(length) + have) if length else None)
        bar = _Progress(total, progress, part.name.removesuffix(".part"), start=have)
        received = 0
        with open(part, "ab" if have else "wb") as out:
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                out.write(block)
                received += len(block)
                bar.update(len(block))
        bar.close()
        if length and received < int(length):     # the connection dropped: keep .part, resume
            raise ConnectionError(f"the connection closed after {received:,} of {int(length):,} "
                                  f"bytes; run the same command again to resume")


def fetch(name: str, *, urls=None, allow_unverified: bool = False, progress=sys.stderr,
          timeout: float = 30.0, force: bool = False) -> Path:
    """Download data set ``name`` into :func:`cache_dir` (resumable, verified, atomic).

    urls: mirrors to use instead of the registered ones (tests serve files from 127.0.0.1).
    allow_unverified: needed for a data set without a pinned SHA-256; a loud warning is printed.
    Returns the path of the verified file. Raises :class:`DownloadError` when no mirror works.
    """
    ds = _dataset(name)
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / ds.filename
    if final.is_file() and not force:
        return final
    if ds.sha256 is None and not allow_unverified:
        raise DownloadError(
            f"the {name} data set has no pinned SHA-256 in data_scripts.REGISTRY ({ds.note}). "
            f"Run `python -m data_scripts fetch {name} --unverified` to download it anyway.")
    part = folder / (ds.filename + ".part")
    problems = []
    for url in urls or ds.urls:
        for attempt in ("resume", "restart"):
            resumed = part.exists() and part.stat().st_size > 0
            try:
                _download(url, part, ds.size, progress, timeout)
            except (OSError, ValueError, http.client.HTTPException) as exc:  # keep .part: resume later
                problems.append(f"{url}: {type(exc).__name__}: {exc}")
                break
            digest = sha256_of(part)
            if ds.sha256 is None or digest == ds.sha256:
                if ds.sha256 is None:
                    print(f"WARNING: {name} was downloaded WITHOUT checksum verification (none "
                          f"is pinned). Its SHA-256 is {digest}; compare it with an independent "
                          f"source before trusting it, then pin it in data_scripts.REGISTRY.",
                          file=sys.stderr)
                os.replace(part, final)
                return final
            part.unlink()                          # never leave a bad file behind
            problems.append(f"{url}: checksum mismatch: SHA-256 {digest}, registered "
                            f"{ds.sha256}; the file was deleted")
            if not resumed:
                break                              # a fresh download was wrong: next mirror
    hint = ("" if not any("URLError" in p or "timed out" in p for p in problems) else
            "\nNo network? Copy the file by hand to " + str(final) + " or set $" + ENV_VAR + ".")
    raise DownloadError(f"could not fetch {name}:\n  " + "\n  ".join(problems) + hint)

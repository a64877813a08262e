"""The course in two languages (shared by every chapter, the widgets and the grader).

Every string a student sees goes through :func:`gettext` (imported as ``_``): English is the
source, written in the code as it is; Simplified Chinese comes from gettext catalogues compiled
from ``translations/zh_CN/<domain>.po`` into ``convlab/locale/zh_CN/LC_MESSAGES/<domain>.mo``
(``python -m autograder translations compile``, run by ``make generate``). A domain is a chapter
("01_filter_sliding": its notebook's text, its test cells' messages, its ``convlab`` sub-package)
or "convlab" (the shared modules and the grader).

The language, in this order: ``CONVLAB_LANG`` (the grader sets it from the submitted notebook);
the language of the notebook this kernel runs (its ``metadata.convlab.language``, found through
``JPY_SESSION_NAME``, which Jupyter Server sets for a notebook's kernel, or, in a kernel that
plain ``nbgrader autograde`` started, the one notebook in its working folder); English.

Messages with values are translated before they are filled in:
``_("{name} must be a positive int, got {value!r}").format(name=name, value=value)``.
Mark a string that is translated later, where it is shown, with :func:`N_`.
"""
from __future__ import annotations

import contextlib
import functools
import gettext as _gettext
import json
import os
from pathlib import Path

DEFAULT = "en"
LANGUAGES = ("en", "zh_CN")
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# the metadata key a Chinese notebook carries (course/zh_CN/*; autograder.translations writes it)
METADATA_KEY = "convlab"
ENV = "CONVLAB_LANG"


def normalize(value: str | None) -> str | None:
    """"zh_CN", "zh-CN", "zh_CN.UTF-8", "zh", "zh-Hans" -> "zh_CN"; "en", "en_US.UTF-8", "C" -> "en";
    empty -> None."""
    if not value:
        return None
    tag = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_CN"
    return DEFAULT


def notebook_language(nb: dict) -> str:
    """The language a notebook (nbformat JSON as a dict) is written in; English unless it says."""
    meta = (nb.get("metadata") or {}).get(METADATA_KEY) or {}
    return normalize(meta.get("language")) or DEFAULT


@functools.lru_cache(maxsize=8)
def _language_of_file(path: str, mtime: float) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return notebook_language(json.load(f))
    except (OSError, ValueError):
        return DEFAULT


def _session_notebook() -> str | None:
    """The path of the notebook this kernel runs, when Jupyter Server started it."""
    name = os.environ.get("JPY_SESSION_NAME")
    if not name or not name.endswith(".ipynb"):
        return None
    path = Path(name)
    if not path.is_absolute():
        path = Path.cwd() / path.name
    return str(path) if path.is_file() else None


def _graded_notebook() -> str | None:
    """In a kernel nbgrader's autograde started (it sets NBGRADER_EXECUTION), the notebook it
    grades: the only one in the kernel's working folder (the submission's folder)."""
    if not os.environ.get("NBGRADER_EXECUTION"):
        return None
    found = sorted(Path.cwd().glob("*.ipynb"))
    return str(found[0]) if len(found) == 1 else None


def language() -> str:
    """The language to speak now: ``CONVLAB_LANG``, else the running notebook's, else English."""
    chosen = normalize(os.environ.get(ENV))
    if chosen:
        return chosen
    path = _session_notebook() or _graded_notebook()
    if path:
        return _language_of_file(path, os.path.getmtime(path))
    return DEFAULT


@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> _gettext.NullTranslations:
    """Every domain's compiled catalogue for ``lang``, chained (a chapter's first, then "convlab")."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    files = sorted(folder.glob("*.mo")) if folder.is_dir() else []
    chapters = [f for f in files if f.stem != "convlab"]
    shared = [f for f in files if f.stem == "convlab"]
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    for path in reversed(chapters + shared):
        with open(path, "rb") as f:
            translations = _gettext.GNUTranslations(f)
        translations.add_fallback(merged)
        merged = translations
    return merged


def gettext(message: str) -> str:
    """``message`` in the current language (English when no translation is compiled)."""
    if not message:
        return message
    lang = language()
    if lang == DEFAULT:
        return message
    return catalogue(lang).gettext(message)


@contextlib.contextmanager
def speaking(lang: str | None):
    """Within the block, ``CONVLAB_LANG`` is ``lang`` (for this process and the processes it
    starts: nbgrader and its kernel); restored afterwards. None leaves it as it is."""
    if lang is None:
        yield
        return
    before = os.environ.get(ENV)
    os.environ[ENV] = lang
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = __import__("re").compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")


def tidy(text: str) -> str:
    """A filled-in Chinese template without the spaces its placeholders brought between Chinese
    characters ("与 手算结果 不同" -> "与手算结果不同"); spaces beside Latin words and digits stay."""
    return _SPACE_BETWEEN_CJK.sub("", text) if language() != DEFAULT else text


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues; it is translated later, where it is shown."""
    return message


_ = gettext

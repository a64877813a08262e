"""The course secret, from which the hidden tests draw their inputs (issue 16).

The hidden tests are public in this repository, seeds included. An instructor who sets a course
secret makes their inputs unknown to students: ``CONVLAB_SECRET`` (the secret itself),
``CONVLAB_SECRET_FILE`` (a file holding it) or ``~/.config/convlab/secret``, checked in that
order. Keep the file outside the repository and readable by the instructor only.

The secret never reaches student code. For each chapter the grader derives a key,
HMAC-SHA256(secret, chapter) (:func:`chapter_key`), and hands only that key to the code that runs
the hidden tests: nbgrader's kernel gets it as ``CONVLAB_HIDDEN_KEY`` (autograder/nbgrader_run.py,
and autograder/isolation.py lets exactly this variable through its scrubbed environment), and the
trusted re-check sets it for its own process (autograder/recheck.py). The hidden tests draw their
inputs from ``convlab.testing.hidden_rng(public_seed)``: the public seed without a key, a seed
derived from the key and the public seed with one. Without a secret everything is as before and
``autograde`` says so.

Residual risk: the hidden tests run in the student's kernel, so student code there can read the
chapter key (it is in that kernel's environment) and print it, e.g. into its own feedback. That
reveals the hidden inputs of that one chapter (for every student, as the key is per chapter) until
the secret changes, never the secret or the other chapters' keys. Knowing the inputs only helps a
submission that hard-codes answers for them; change the secret each term.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from convlab.testing import HIDDEN_KEY_ENV

SECRET_ENV = "CONVLAB_SECRET"
SECRET_FILE_ENV = "CONVLAB_SECRET_FILE"
DEFAULT_SECRET_FILE = Path("~/.config/convlab/secret")
KEY_ENV = HIDDEN_KEY_ENV       # the variable the hidden tests read the chapter key from


def secret_source() -> tuple[bytes | None, str]:
    """(the course secret or None, where it came from, for messages)."""
    value = os.environ.get(SECRET_ENV, "")
    if value.strip():
        return value.strip().encode(), f"${SECRET_ENV}"
    named = os.environ.get(SECRET_FILE_ENV, "").strip()
    path = Path(named).expanduser() if named else DEFAULT_SECRET_FILE.expanduser()
    try:
        text = path.read_text().strip()
    except OSError:
        if named:
            raise RuntimeError(f"${SECRET_FILE_ENV} names {path}, which cannot be read") from None
        return None, ""
    if not text:
        raise RuntimeError(f"the course secret file {path} is empty")
    return text.encode(), str(path)


def chapter_key(chapter: str) -> str:
    """The hidden-test key of one chapter (hex), or "" when no course secret is set."""
    secret, _ = secret_source()
    if secret is None:
        return ""
    return hmac.new(secret, f"convlab hidden tests: {chapter}".encode(), hashlib.sha256).hexdigest()


def status_line() -> str:
    """One line for ``autograde``: whether the hidden inputs are secret."""
    secret, where = secret_source()
    if secret is None:
        return (f"hidden tests: public seeds (no course secret; set ${SECRET_ENV}, "
                f"${SECRET_FILE_ENV} or {DEFAULT_SECRET_FILE} to make their inputs secret)")
    return f"hidden tests: inputs derived from the course secret in {where}"


def scrub(env: dict) -> dict:
    """``env`` without the course secret's variables (for processes that run student code)."""
    return {k: v for k, v in env.items() if k not in (SECRET_ENV, SECRET_FILE_ENV)}

"""Predict, then check: the questions a widget asks before it reveals a value, how a prediction is
judged, and the running score of the session (one per kernel, shared by every widget).

A widget builds a :class:`Question` from its current state (``"What is output[1, 2]?"``) with the
value the course's *reference* computation gives (``answer``) and, when the student's function
computed the value shown, what that function gave (``student``). :func:`judge` reads the
student's text, and says whether it is right:

* right means: equal to the reference answer, within ``tol`` (numbers; by default 0.01 or 1 % of
  the answer, whichever is larger; exact for an integer answer), or the same choice (text,
  case-insensitive), or every number of a tuple answer within ``tol``;
* when the student's function disagrees with the reference on this value, the verdict says so,
  and a prediction that matches the function's wrong value is still wrong (the widget shows the
  function's output so that its mistakes are visible; the questions teach the right value).

The question's text and the cells it hides go to the browser; the answer stays in Python.
"""
from __future__ import annotations

import html
import math
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from convlab.i18n import N_, _

_NUMBER = re.compile(r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Question:
    """One prediction the widget asks for before it reveals a value.

    key:      unique within its frame (the canvas prefixes the data generation and the frame);
    text:     the question, plain text, from the widget's state ("What is output[1, 2]?");
    answer:   the reference value: a number, a tuple of numbers, or one of ``choices``;
    student:  what the student's function gives for the same value (None: not applicable);
    hide:     what the browser hides until the question is answered: ``cell(panel, r, c)``
              dicts, and ``data-q="<key>"`` spans of the frame's HTML are hidden too;
    choices:  for a question with a few possible answers (shown as buttons);
    tol:      tolerance for numbers (None: 0.01 or 1 % of the answer; 0 for an int answer);
    explain:  HTML shown with the verdict ("the sum of the 9 products").
    """
    key: str
    text: str
    answer: Any
    student: Any = None
    hide: Sequence[dict] = ()
    choices: Optional[Sequence[str]] = None
    tol: Optional[float] = None
    explain: str = ""
    name: str = N_("Your function")  # how the verdict names the student's function (translated)

    def to_json(self, prefix: str = "") -> dict:
        """What the browser gets: never the answer."""
        return {"key": prefix + self.key, "text": self.text, "hide": list(self.hide),
                "choices": list(self.choices) if self.choices else None}


@dataclass
class Verdict:
    key: str
    right: Optional[bool]           # None: the text could not be read (nothing counted)
    html: str
    counted: bool = False           # True the first time this question is answered

    def to_json(self) -> dict:
        return {"right": self.right, "html": self.html, "counted": self.counted}


def _tolerance(q: Question, want) -> float:
    if q.tol is not None:
        return float(q.tol)
    if isinstance(want, (int, np.integer)) and not isinstance(want, bool):
        return 0.0                                  # counts, sizes, indices: exact
    return max(0.01, 0.01 * abs(float(want)))


def _numbers(text: str) -> list:
    return [float(m.replace("−", "-")) for m in _NUMBER.findall(text)]


def show_value(value) -> str:
    """How a verdict writes a value (4 significant digits; tuples in parentheses)."""
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(show_value(v) for v in value) + ")"
    if isinstance(value, float):
        return f"{value + 0.0:.4g}"
    return str(value)


def _close(q: Question, got, want) -> bool:
    if isinstance(want, (tuple, list)):
        return (isinstance(got, (tuple, list)) and len(got) == len(want)
                and all(_close(q, g, w) for g, w in zip(got, want)))
    if isinstance(want, str):
        return str(got).strip().lower() == want.strip().lower()
    try:
        tol = _tolerance(q, want)
        got, want = float(got), float(want)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(got) and math.isfinite(want)):
        return got == want
    return abs(got - want) <= tol + 1e-12


def read(q: Question, text: str):
    """The student's text as a value of the answer's kind; ValueError saying what was expected."""
    text = str(text).strip()
    if q.choices:
        for choice in q.choices:
            if text.lower() == str(choice).lower():
                return choice
        raise ValueError(_("choose one of: {choices}").format(
            choices=", ".join(map(str, q.choices))))
    numbers = _numbers(text)
    if isinstance(q.answer, (tuple, list)):
        if len(numbers) != len(q.answer):
            raise ValueError(_("expected {count} numbers, e.g. {example}").format(
                count=len(q.answer), example=show_value(tuple(0 for _x in q.answer))))
        return tuple(numbers)
    if len(numbers) != 1 or not _NUMBER.fullmatch(text.replace(" ", "")):
        raise ValueError(_("expected one number, e.g. 3.25 or -1"))
    return numbers[0]


def judge(q: Question, text: str) -> Verdict:
    """Judge the prediction ``text`` against ``q.answer`` (the reference); see the module doc."""
    try:
        said = read(q, text)
    except ValueError as exc:
        return Verdict(q.key, None, "<span class='convlab-unread'>" + _(
            "Could not read {text}: {problem}.").format(
                text=html.escape(str(text)), problem=html.escape(str(exc))) + "</span>")
    right = _close(q, said, q.answer)
    answer = html.escape(show_value(q.answer))
    said_text = html.escape(show_value(said))
    if right:
        mark = f"<b class='convlab-right'>&#10003; {html.escape(_('Right'))}</b>"
        parts = [_("{verdict}: {answer} (you said {said}).").format(
            verdict=mark, answer=answer, said=said_text)]
    else:
        mark = f"<b class='convlab-wrong'>&#10007; {html.escape(_('Not quite'))}</b>"
        parts = [_("{verdict}: it is {answer}; you said {said}.").format(
            verdict=mark, answer=answer, said=said_text)]
    if q.explain:
        parts.append(f" {q.explain}")
    if q.student is not None and not _close(q, q.student, q.answer):
        name = html.escape(_(q.name))
        student = html.escape(show_value(q.student))
        if not right and _close(q, said, q.student):
            parts.append(" " + _("{name} gives {value} here, what you predicted, but it disagrees "
                                 "with the reference: it is wrong here.").format(
                                     name=name, value=student))
        else:
            parts.append(" " + _("{name} gives {value} here: it disagrees with the reference, "
                                 "which is what predictions are judged against.").format(
                                     name=name, value=student))
    return Verdict(q.key, right, "".join(parts))


@dataclass
class Score:
    """The session's running score: every question counts once, on its first readable answer.
    One instance (:data:`SESSION`) per kernel; every canvas shows it."""
    right: int = 0
    asked: int = 0
    log: list = field(default_factory=list)        # (widget, question text, right)
    _views: Any = field(default_factory=weakref.WeakSet, repr=False)

    def record(self, widget: str, q: Question, right: bool):
        self.asked += 1
        self.right += bool(right)
        self.log.append((widget, q.text, bool(right)))
        self._publish()

    def reset(self):
        self.right = self.asked = 0
        self.log.clear()
        self._publish()

    def as_dict(self) -> dict:
        return {"right": self.right, "asked": self.asked}

    def attach(self, view):
        """``view.score`` (a synced dict) follows this score from now on."""
        self._views.add(view)
        view.score = self.as_dict()

    def _publish(self):
        for view in list(self._views):
            view.score = self.as_dict()


SESSION = Score()

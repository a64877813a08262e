"""Widgets drawn in the browser: Python computes every state once, the browser only draws.

:class:`StepCanvas` is an anywidget: its synced traitlets hold *panels* (small arrays drawn as
grids on ``<canvas>`` elements), a *layout* (rows of panels and text such as "×", "="),
*sliders* and one *frame* per slider position (what changes from position to position:
highlight boxes, grids, how much of an output is filled, an HTML line, a status line and the
questions to predict). Moving a slider or pressing an arrow key repaints from the frames already
in the browser: no kernel round trip. The browser tells Python the new position (``index``) after
painting, so Python's state stays the truth for tests and for answering predictions.

:class:`CanvasView` is the box a chapter's widget subclasses: its own ipywidgets controls (for
choices that need new computation: another image, another kernel), the canvas, and the log of
callback errors; callbacks run guarded as in :class:`convlab.widgets.base.GuardedView`.

    class MyView(CanvasView):
        def __init__(self, fn):
            super().__init__()
            self._guard(self._load)
        def _load(self):
            out = self.fn(x)                                   # the student's function
            self.canvas.show(
                panels=[grid("x", x), grid("out", out, cmap="diverging")],
                layout=[["x", "→", "out"]],
                sliders=[Slider("step", "step", out.size)],
                frames=[frame(boxes=[box("x", r, c)], upto={"out": k}, html=...,
                              questions=[Question(f"o{k}", f"What is out[{r}, {c}]?", ref[r, c],
                                                  student=out[r, c], hide=[cell("out", r, c)])])
                        for k, (r, c) in enumerate(np.ndindex(out.shape))])

Headless (no browser): ``view.canvas.index = 7`` moves the sliders, ``view.canvas.frame`` is what
is drawn, ``view.canvas.question`` the question asked now, ``view.canvas.submit("3.2")`` answers
it (as the browser's check button does) and returns the :class:`~convlab.widgets.predict.Verdict`.
"""
from __future__ import annotations

import dataclasses
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import anywidget
import ipywidgets as W
import numpy as np
import traitlets as T

from convlab.i18n import N_, _
from convlab.widgets.base import GuardedCallbacks, bad
from convlab.widgets.predict import SESSION, Question, Verdict, judge

STATIC = Path(__file__).resolve().parent / "static"
CMAPS = ("gray", "diverging", "viridis")
# the browser's own words (stepcanvas.js has no English of its own: it shows these, translated
# when the canvas is made; "{right}" and "{asked}" are filled in by the browser)
BROWSER_TEXTS = {
    "play": N_("play"),
    "predict_toggle": N_("predict before seeing"),
    "placeholder": N_("your prediction"),
    "check": N_("check"),
    "score": N_("Predictions this session: {right} of {asked} right"),
}


# --- JSON-safe values ------------------------------------------------------------------------
def _number(v):
    v = float(v)
    if not math.isfinite(v):
        return None                                 # JSON has no NaN: drawn as an empty cell
    return float(f"{v:.6g}") + 0.0                  # short JSON; 6 digits is more than is drawn


def jsonable(a):
    """A numeric array (or scalar) as nested lists of floats, NaN/inf -> None."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return _number(a)
    return [jsonable(x) for x in a] if a.ndim > 1 else [_number(x) for x in a]


# --- building blocks -------------------------------------------------------------------------
def grid(id: str, values, title: str = "", *, cmap: str = "gray", limits=None,
         digits: int = 3, show_values: Optional[bool] = None, cell_px: Optional[int] = None,
         marks: Sequence = ()) -> dict:
    """A 2-D array drawn as coloured cells. ``cmap``: "gray" (low dark), "diverging" (negative
    blue, 0 white, positive red), "viridis". ``limits`` (lo, hi) fix the colour scale (default:
    the finite values' range). ``show_values`` writes each value (``digits`` significant) in its
    cell (default: when the grid is at most 8x8). ``marks``: cells outlined in red (e.g. where the
    student's function is wrong), drawn only once the cell is filled (see ``frame(upto=...)``)."""
    a = np.asarray(values, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"grid {id!r}: values must be 1-D or 2-D; got shape {a.shape}")
    if cmap not in CMAPS:
        raise ValueError(f"grid {id!r}: cmap must be one of {CMAPS}; got {cmap!r}")
    if limits is None:
        finite = a[np.isfinite(a)]
        limits = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if show_values is None:
        show_values = max(a.shape) <= 8
    return {"kind": "grid", "id": id, "title": title, "values": jsonable(a),
            "shape": list(a.shape), "cmap": cmap, "limits": [_number(limits[0]),
                                                              _number(limits[1])],
            "digits": int(digits), "show_values": bool(show_values), "cell_px": cell_px,
            "marks": [[int(r), int(c)] for r, c in marks]}


def box(panel: str, row: int, col: int, h: int = 1, w: int = 1, color: str = "#e6550d") -> dict:
    """A rectangle outlined over ``panel``'s cells rows row..row+h-1, columns col..col+w-1."""
    return {"panel": panel, "row": int(row), "col": int(col), "h": int(h), "w": int(w),
            "color": color}


def cell(panel: str, row: int, col: int) -> dict:
    """One cell of a panel (what a question hides until it is answered)."""
    return {"panel": panel, "row": int(row), "col": int(col)}


def frame(*, boxes=(), grids=None, titles=None, upto=None, html: str = "", status: str = "",
          questions: Sequence[Question] = (), marks=()) -> dict:
    """What one slider position draws over the panels: ``boxes``; ``grids`` {panel id: values}
    replacing a panel's values (same shape; 1-D values are one row, as in :func:`grid`);
    ``titles`` {panel id: title}; ``upto`` {panel id: k}: only the first k + 1 cells (row by row)
    are filled; ``html`` a line below the panels (spans with ``data-q="<question key>"`` are
    hidden until that question is answered); ``status`` a status line; ``questions`` asked in
    turn, before their values are shown; ``marks``: :func:`cell` s outlined in red in this frame
    (a wrong value of the student's)."""
    return {"boxes": list(boxes), "marks": list(marks),
            "grids": {k: jsonable(np.atleast_2d(np.asarray(v, dtype=float)))
                      for k, v in (grids or {}).items()},
            "titles": dict(titles or {}), "upto": {k: int(v) for k, v in (upto or {}).items()},
            "html": html, "status": status, "questions": list(questions)}


@dataclass(frozen=True)
class Slider:
    """A slider drawn by the browser. ``labels`` (optional, one per position) are shown instead of
    the position number; ``play`` adds a play button (steps every ``interval`` ms)."""
    name: str
    label: str
    size: int
    labels: Optional[Sequence[str]] = None
    play: bool = False
    interval: int = 350

    def to_json(self) -> dict:
        if self.size < 1:
            raise ValueError(f"slider {self.name!r} needs at least one position")
        if self.labels is not None and len(self.labels) != self.size:
            raise ValueError(f"slider {self.name!r}: {len(self.labels)} labels for {self.size} "
                             f"positions")
        return {"name": self.name, "label": self.label, "size": int(self.size),
                "labels": list(map(str, self.labels)) if self.labels is not None else None,
                "play": bool(self.play), "interval": int(self.interval)}


# --- the anywidget ---------------------------------------------------------------------------
class StepCanvas(anywidget.AnyWidget):
    """Panels, sliders and precomputed frames drawn in the browser; predictions judged in Python.
    Built and filled by :meth:`show`; read headless through :attr:`frame`, :attr:`position`,
    :attr:`question`, :meth:`submit`."""
    _esm = STATIC / "stepcanvas.js"
    _css = STATIC / "stepcanvas.css"

    panels = T.List(T.Dict()).tag(sync=True)
    # not "layout": that is every DOMWidget's Layout model (the browser would try to render a list
    # as one); ``show(layout=...)`` fills this
    rows = T.List(T.List()).tag(sync=True)
    sliders = T.List(T.Dict()).tag(sync=True)
    frames = T.List(T.Dict()).tag(sync=True)
    index = T.Int(0).tag(sync=True)                 # flat frame index, row-major over sliders
    version = T.Int(0).tag(sync=True)               # bumped by show(): the browser rebuilds
    status = T.Unicode("").tag(sync=True)           # widget-wide status line (HTML)
    predict = T.Bool(True).tag(sync=True)           # hide asked values until predicted
    verdicts = T.Dict().tag(sync=True)              # question key -> {right, html, counted}
    score = T.Dict().tag(sync=True)                 # the session's {right, asked}
    texts = T.Dict().tag(sync=True)                 # BROWSER_TEXTS in the student's language

    def __init__(self, name: str = "widget", **kwargs):
        super().__init__(**kwargs)
        self.texts = {key: _(text) for key, text in BROWSER_TEXTS.items()}
        self.name = name
        self._questions = []                         # per frame: [Question], keys prefixed
        self._prefix = ""
        SESSION.attach(self)
        self.on_msg(self._on_msg)

    # --- filling -------------------------------------------------------------------------
    def show(self, *, panels, layout, sliders: Sequence[Slider], frames, keep_position=True):
        """Replace everything drawn. ``frames``: one :func:`frame` per slider position, row-major
        over ``sliders`` (the last slider varies fastest). Keeps the sliders' positions where
        they still exist."""
        sliders = [s.to_json() for s in sliders]
        n = int(np.prod([s["size"] for s in sliders])) if sliders else 1
        if len(frames) != n:
            raise ValueError(f"{len(frames)} frames for {n} slider positions")
        shapes = {p["id"]: tuple(p["shape"]) for p in panels}
        ids = set(shapes)
        for row in layout:
            for item in row:
                if not isinstance(item, str):
                    raise ValueError(f"layout items are panel ids or text; got {item!r}")
        old = self.position if (keep_position and self.sliders) else {}
        self._prefix = f"{self.version + 1}:"
        self._questions, sent = [], []
        for n, f in enumerate(frames):
            # keys unique per show() and frame: a chapter names a question within its frame only
            qs = [dataclasses.replace(q, key=f"{self._prefix}{n}:{q.key}") for q in f["questions"]]
            ids_of = [q.key for q in f["questions"]]
            # what the browser would fail on (a missing panel, a grid of another shape): say so
            for what in ("grids", "titles", "upto"):
                unknown = set(f[what]) - ids
                if unknown:
                    raise ValueError(f"frame {n}: {what} of unknown panel(s) {sorted(unknown)}")
            for panel, values in f["grids"].items():
                shape = np.shape(values)
                if shape != shapes[panel]:
                    raise ValueError(f"frame {n}: grid {panel!r} has shape {shape}; the panel "
                                     f"has {shapes[panel]}")
            for b in [*f["boxes"], *f["marks"]]:
                if b.get("panel") not in ids:
                    raise ValueError(f"frame {n}: a box or mark on unknown panel "
                                     f"{b.get('panel')!r}")
            for q in qs:
                for h in q.hide:
                    if h.get("panel") not in ids:
                        raise ValueError(f"question {q.key!r} hides a cell of unknown panel "
                                         f"{h.get('panel')!r}")
            self._questions.append(qs)
            # "id": the chapter's own key, as its HTML's data-q spans name it
            sent.append({**f, "questions": [{**q.to_json(), "id": i} for q, i in zip(qs, ids_of)]})
        with self.hold_sync():
            self.panels, self.rows, self.sliders, self.frames = list(panels), \
                [list(r) for r in layout], sliders, sent
            self.verdicts = {}
            self.index = self._flat({s["name"]: min(old.get(s["name"], 0), s["size"] - 1)
                                     for s in sliders})
            self.version += 1

    # --- positions -----------------------------------------------------------------------
    def _flat(self, position: dict) -> int:
        index = 0
        for s in self.sliders:
            index = index * s["size"] + int(position.get(s["name"], 0))
        return index

    @property
    def position(self) -> dict:
        """{slider name: position} of the frame shown."""
        out, rest = {}, int(self.index)
        for s in reversed(self.sliders):
            rest, out[s["name"]] = divmod(rest, s["size"])
        return {s["name"]: out[s["name"]] for s in self.sliders}

    def move(self, **position):
        """Set some sliders (by name), as the browser does when a slider moves."""
        names = {s["name"]: s for s in self.sliders}
        for name, value in position.items():
            if name not in names or not 0 <= int(value) < names[name]["size"]:
                raise ValueError(f"no position {name}={value!r}; sliders: "
                                 f"{ {n: s['size'] for n, s in names.items()} }")
        self.index = self._flat({**self.position, **position})

    @property
    def frame(self) -> dict:
        """The frame drawn now (as the browser has it)."""
        return self.frames[self.index]

    # --- predictions ---------------------------------------------------------------------
    @property
    def questions(self) -> list:
        """The questions of the frame shown (Python objects, with their answers)."""
        return list(self._questions[self.index]) if self._questions else []

    @property
    def question(self) -> Optional[Question]:
        """The question asked now: the frame's first one not answered yet (None: all answered)."""
        for q in self.questions:
            if q.key not in self.verdicts or self.verdicts[q.key]["right"] is None:
                return q
        return None

    def submit(self, text: str, key: Optional[str] = None) -> Verdict:
        """Judge ``text`` as the answer to question ``key`` (default: the one asked now)."""
        q = self.question if key is None else next(
            (q for qs in self._questions for q in qs if q.key == key), None)
        if q is None:
            raise ValueError(_("no open question here") if key is None else
                             _("no open question {key} here").format(key=repr(key)))
        verdict = judge(q, text)
        previous = self.verdicts.get(q.key)
        if verdict.right is not None and (previous is None or previous["right"] is None):
            verdict.counted = True
            SESSION.record(self.name, q, verdict.right)
        self.verdicts = {**self.verdicts, q.key: verdict.to_json()}
        return verdict

    def _on_msg(self, _widget, content, _buffers):
        if isinstance(content, dict) and content.get("type") == "answer":
            try:
                self.submit(str(content.get("value", "")), content.get("key"))
            except Exception as exc:  # a stale key after new data: say so in the status line
                self.status = bad(_("<b>prediction not checked:</b> {error}: {message}").format(
                    error=html.escape(type(exc).__name__), message=html.escape(str(exc))))


class CanvasView(GuardedCallbacks, W.VBox):
    """A chapter widget drawn on a :class:`StepCanvas` (``self.canvas``): ``controls`` above it,
    ``below`` under it, then the log of callback errors (``self.callback_log``)."""

    def __init__(self, controls=(), *, below=(), name: Optional[str] = None, **kwargs):
        self.canvas = StepCanvas(name=name or type(self).__name__)
        self.callback_log = W.Output()
        super().__init__([*controls, self.canvas, *below, self.callback_log], **kwargs)

    @property
    def status(self) -> str:
        return self.canvas.status

    def _show_status(self, html_text: str) -> None:
        self.canvas.status = html_text

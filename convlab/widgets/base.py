"""The widget base. Every course widget is a :class:`GuardedView`: the base builds what they all
show (the status line, the figure and the log of callback errors), runs callbacks through
:meth:`GuardedView._guard`, so an error shows up in the status line (and its traceback in
``callback_log``), never as a silent blank or a line lost in the kernel log, and writes the status
lines they all write (:func:`ok`, :func:`bad`, :func:`failed`). A chapter's widget holds only its
controls, its own texts and what it draws."""
from __future__ import annotations

import html
import traceback

import ipywidgets as W

from convlab import figures, studentfn
from convlab.i18n import _

OK = "#1b7837"     # status colours shared by every widget
BAD = "#b00020"
# every slider: redraw when the handle is let go, and show the whole description
SLIDER = dict(continuous_update=False, style={"description_width": "initial"})


def ok(text: str) -> str:
    """A status line in the colour of agreement; ``text`` is HTML."""
    return f"<div style='color:{OK}'>{text}</div>"


def bad(text: str) -> str:
    """A status line in the colour of disagreement; ``text`` is HTML."""
    return f"<div style='color:{BAD}'>{text}</div>"


def failed(message: str, who: str | None = None) -> str:
    """A status line saying that the student's function failed; ``message`` is plain text,
    ``who`` names the function (default "Your function", translated)."""
    who = _("Your function") if who is None else who
    return bad(_("<b>{who}:</b> {message}").format(who=html.escape(who),
                                                    message=html.escape(message)))


def name_of(fn) -> str:
    """The student's function's name as HTML, for the status line."""
    return html.escape(studentfn.name_of(fn))


class GuardedCallbacks:
    """Callbacks whose errors are shown, never swallowed: a failing ``fn`` puts "widget error" in
    the status line (``_show_status``) and its traceback in ``self.callback_log``. Shared by the
    image widgets (GuardedView) and the canvas widgets (convlab.widgets.canvas.CanvasView)."""

    def _show_status(self, html_text: str) -> None:
        raise NotImplementedError

    def _guard(self, fn):
        try:
            fn()
        except Exception as exc:  # a bug here must be visible, not a silent blank
            self._show_status(bad(_("<b>widget error:</b> {error}: {message}").format(
                error=html.escape(type(exc).__name__), message=html.escape(str(exc)))))
            with self.callback_log:
                traceback.print_exc()

    def _redraw_on(self, controls, draw=None):
        """Call ``draw`` (default ``self._draw``), guarded, whenever one of ``controls`` changes."""
        for control in controls:
            control.observe(lambda change: self._guard(draw or self._draw), names="value")


class GuardedView(GuardedCallbacks, W.VBox):
    """A widget's box: ``controls``, the status line (``self.status``), ``between``, the figure
    (``self.figure``, a PNG), ``below``, and the log of callback errors (``self.callback_log``)."""

    def __init__(self, controls=(), *, between=(), below=(), **kwargs):
        self.status = W.HTML()
        self.figure = W.Image(format="png")
        self.callback_log = W.Output()
        super().__init__([*controls, self.status, *between, self.figure, *below,
                          self.callback_log], **kwargs)

    def _show_status(self, html_text: str) -> None:
        self.status.value = html_text

    def _show_figure(self, key, make_figure) -> bool:
        """Render ``make_figure()`` (a Figure) into ``self.figure``, unless ``key`` (everything
        the figure depends on) equals the key of the figure shown: a control that changes
        another one (a slider's maximum clamping its value, a button setting a slider) would
        otherwise render the same PNG twice. ``key=None`` always renders. Returns whether it
        rendered."""
        if key is not None and key == getattr(self, "_figure_key", None):
            return False
        self._figure_key = None                    # if rendering fails, the next call renders
        self.figure.value = figures.to_png(make_figure())
        self._figure_key = key
        return True

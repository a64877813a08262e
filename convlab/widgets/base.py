"""What every course widget shares: callbacks run through :meth:`GuardedView._guard`, so an error
shows up in the widget's ``status`` HTML (and its traceback in ``callback_log``), never as a
silent blank or a line lost in the kernel log."""
from __future__ import annotations

import html
import traceback

import ipywidgets as W

from .. import plotting

OK = "#1b7837"     # status colours shared by every widget
BAD = "#b00020"


class GuardedView(W.VBox):
    """A VBox whose subclasses define ``self.status`` (HTML) and ``self.callback_log`` (Output)."""

    def _guard(self, fn):
        try:
            fn()
        except Exception as exc:  # a bug here must be visible, not a silent blank
            self.status.value = (f"<div style='color:{BAD}'><b>widget error:</b> "
                                 f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</div>")
            with self.callback_log:
                traceback.print_exc()

    def _show_figure(self, key, make_figure) -> bool:
        """Render ``make_figure()`` (a Figure) into ``self.figure``, unless ``key`` (everything
        the figure depends on) equals the key of the figure shown: a control that changes
        another one (a slider's maximum clamping its value, a button setting a slider) would
        otherwise render the same PNG twice. Returns whether it rendered."""
        if key is not None and key == getattr(self, "_figure_key", None):
            return False
        self._figure_key = None                    # if rendering fails, the next call renders
        self.figure.value = plotting.to_png(make_figure())
        self._figure_key = key
        return True

"""What every course widget shares: callbacks run through :meth:`GuardedView._guard`, so an error
shows up in the widget's ``status`` HTML (and its traceback in ``callback_log``), never as a
silent blank or a line lost in the kernel log."""
from __future__ import annotations

import html
import traceback

import ipywidgets as W

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

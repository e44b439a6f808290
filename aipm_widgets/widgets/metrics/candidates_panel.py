"""``CandidatesPanel``: fit and compare candidate models on request.

Fitting candidates takes seconds and loads scikit-learn's estimators (about 50 MB per kernel), so a
dashboard shows a button instead of doing it for every visitor when the page opens.
"""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets as W

from .._base import HelpHTML, MessageArea, guarded

__all__ = ["CandidatesPanel"]


class CandidatesPanel(W.VBox):
    """A button that fits the candidates (``fit()`` returns ``{name: fitted model}``) and compares them.

    The comparison is :func:`aipm_widgets.core.metrics.candidates.compare_candidates` on ``X``, ``y`` with
    ``compare_kwargs``; ``.result`` holds it once run.
    """

    def __init__(self, fit: Callable[[], dict[str, Any]], X: Any, y: Any, *, description: str = "Fit and compare the candidates",
                 **compare_kwargs: Any) -> None:
        self._fit, self._X, self._y, self._kwargs = fit, X, y, compare_kwargs
        self.result = None
        self.messages = MessageArea()
        self.button = W.Button(description=description, icon="balance-scale", layout=W.Layout(width="320px"))
        self.button.on_click(lambda _: self.run())
        self.table = HelpHTML()
        super().__init__([self.button, self.messages, self.table])
        self.add_class("aipm-candidates-panel")

    @guarded()
    def run(self) -> None:
        """Fit, measure and show the comparison (what the button does)."""
        from ...core.metrics.candidates import compare_candidates

        self.messages.show("Fitting the candidates and timing them on this machine...", "info")
        self.button.disabled = True
        try:
            self.result = compare_candidates(self._fit(), self._X, self._y, **self._kwargs)
        finally:
            self.button.disabled = False
        self.messages.clear()
        self.table.value = self.result.to_html()

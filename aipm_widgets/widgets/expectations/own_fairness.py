"""``OwnFairness``: the fairness audit on a team's own file of outcomes, scores and group columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W

from ...core.errors import InputDataError
from .._base import MessageArea, guarded
from ..data_loader import NONE, DataLoader, chosen_positive, fill_positive_picker, numeric_columns, picker
from ..project_panel import UseAsSource

__all__ = ["OwnFairness"]


class OwnFairness(W.VBox):
    """Upload a table, choose the label, its positive value, the score and a group column, and audit it.

    Attributes
    ----------
    audit : FairnessAudit or None
        The audit built from the last table (``audit.result`` holds the numbers).
    """

    def __init__(self, *, threshold: float = 0.5, record_path: str | Path | None = None, **kwargs: Any) -> None:
        self.threshold, self.record_path = threshold, record_path
        self.audit = None
        self.messages = MessageArea()
        self.loader = DataLoader(name="decisions")
        self.loader.id_column.layout.display = "none"
        self.loader.time_column.layout.display = "none"
        self.positive, self.score, self.group = picker("Positive is"), picker("Score"), picker("Group")
        self.loader.on_loaded(lambda _: self._fill())
        self.loader.label.observe(lambda _: self._fill_positive(), names="value")
        self.build_button = W.Button(description="Audit", icon="balance-scale", button_style="primary")
        self.build_button.on_click(lambda _: self.build())
        self.output = W.VBox()
        pick = lambda d: None if d.value in (None, NONE) else d.value  # noqa: E731
        self.use_as_source = UseAsSource(
            self.loader, "validation", record_path=record_path,
            roles=lambda: {"score": pick(self.score), "positive": pick(self.positive), "groups": pick(self.group)})
        super().__init__([self.loader, W.HBox([self.positive, self.score, self.group]), self.build_button,
                          self.use_as_source, self.messages, self.output], **kwargs)
        self.add_class("aipm-own-fairness")

    def _fill(self) -> None:
        frame = self.loader.frame
        numeric = numeric_columns(frame)
        few_values = [str(c) for c in frame.columns if frame[c].nunique(dropna=False) <= 50]
        self.score.options = [NONE] + numeric
        self.score.value = next((c for c in numeric if "score" in c.lower() or "proba" in c.lower()), NONE)
        self.group.options = [NONE] + few_values
        self.group.value = NONE
        self._fill_positive()

    def _fill_positive(self) -> None:
        fill_positive_picker(self.positive, self.loader.frame, self.loader.roles()["label"])

    @guarded()
    def build(self) -> None:
        """Build the audit from the chosen columns (what the button does)."""
        from .fairness_audit import FairnessAudit

        self.messages.clear()
        frame, label = self.loader.frame, self.loader.roles()["label"]
        if frame is None:
            raise InputDataError("Load a table first: upload a CSV or Parquet file, or type its path.")
        missing = [name for name, v in (("label", label), ("score", self.score.value), ("group", self.group.value))
                   if v in (None, NONE)]
        if missing:
            raise InputDataError(f"Choose the {' and '.join(missing)} column{'s' if len(missing) > 1 else ''} first.")
        positive = chosen_positive(self.positive, frame, label)
        self.audit = FairnessAudit(frame, label=label, score=self.score.value, group=self.group.value,
                                   threshold=self.threshold, positive=positive, record_path=self.record_path,
                                   dataset_name=self.loader.source)
        self.output.children = [self.audit]

"""``OwnPredictions``: stage 4 on a team's own file of labels and scores, from the dashboard.

Upload (or name) a CSV/Parquet with one row per decision, choose the label, the score, and optionally the
per-row value and a group column, and the :class:`ThresholdExplorer` is built on it. Every problem
(a non-binary label, text in the score column, a single class...) is said in words in the panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from ...core.errors import InputDataError
from .._base import MessageArea, guarded
from ..data_loader import NONE, DataLoader, chosen_positive, fill_positive_picker, numeric_columns, picker
from ..project_panel import UseAsSource

__all__ = ["OwnPredictions"]

_SCORE_HINTS = ("score", "proba", "probability", "prediction", "risk")


class OwnPredictions(W.VBox):
    """Build a :class:`ThresholdExplorer` from an uploaded table.

    Parameters
    ----------
    costs, constraints, volume_per_day
        Passed to the explorer (the team can edit costs and constraints there too).
    record_path : path, optional
        The decision record the explorer saves to.

    Attributes
    ----------
    explorer : ThresholdExplorer or None
        The explorer built from the last table (``explorer.result`` holds the numbers).
    """

    def __init__(
        self,
        *,
        costs: Any = None,
        constraints: Any = None,
        volume_per_day: float | None = None,
        record_path: str | Path | None = None,
        **kwargs: Any,
    ) -> None:
        self._options = dict(costs=costs, constraints=constraints, volume_per_day=volume_per_day, record_path=record_path)
        self.explorer = None
        self.messages = MessageArea()
        self.loader = DataLoader(name="predictions")
        self.loader.time_column.layout.display = "none"
        self.loader.id_column.layout.display = "none"
        self.score, self.positive = picker("Score"), picker("Positive is")
        self.value, self.group = picker("Row value"), picker("Group")
        self.build_button = W.Button(description="Explore thresholds", icon="sliders", button_style="primary")
        self.build_button.on_click(lambda _: self.build())
        self.loader.on_loaded(lambda _: self._fill_pickers())
        self.loader.label.observe(lambda _: self._fill_positive(), names="value")
        self.output = W.VBox()
        self.use_as_source = UseAsSource(self.loader, "validation", roles=self._chosen_roles, record_path=record_path)
        super().__init__(
            [
                self.loader,
                W.HBox([self.score, self.positive]),
                W.HBox([self.value, self.group]),
                self.build_button,
                self.use_as_source,
                self.messages,
                self.output,
            ],
            **kwargs,
        )
        self.add_class("aipm-own-predictions")

    @property
    def frame(self) -> pd.DataFrame | None:
        return self.loader.frame

    def _chosen_roles(self) -> dict[str, Any]:
        """The score, positive value, row value and group chosen here, as project column roles."""
        pick = lambda d: None if d.value in (None, NONE) else d.value  # noqa: E731
        return {"score": pick(self.score), "positive": pick(self.positive), "value": pick(self.value),
                "groups": pick(self.group)}

    def _fill_pickers(self) -> None:
        frame = self.frame
        cols = [str(c) for c in frame.columns]
        numeric = numeric_columns(frame)
        guess = next((c for c in numeric if any(h in c.lower() for h in _SCORE_HINTS)), numeric[0] if numeric else NONE)
        self.score.options = [NONE] + numeric
        self.score.value = guess
        self.value.options = [NONE] + numeric
        self.value.value = NONE
        self.group.options = [NONE] + cols
        self.group.value = NONE
        self._fill_positive()

    def _fill_positive(self) -> None:
        fill_positive_picker(self.positive, self.frame, self.loader.roles()["label"])

    @guarded()
    def build(self) -> None:
        """Build the explorer from the chosen columns (what the button does)."""
        from .threshold_explorer import ThresholdExplorer

        self.messages.clear()
        frame = self.frame
        if frame is None:
            raise InputDataError("Load a table first: upload a CSV or Parquet file, or type its path.")
        label = self.loader.roles()["label"]
        if label is None:
            raise InputDataError("Choose the label column (the true outcome) first.")
        if self.score.value in (None, NONE):
            raise InputDataError("Choose the score column (the model's output) first.")
        pick = lambda d: None if d.value in (None, NONE) else d.value  # noqa: E731
        positive = chosen_positive(self.positive, frame, label)
        rows = frame[frame[label].notna()]
        dropped = len(frame) - len(rows)
        value = rows[pick(self.value)].clip(lower=0) if pick(self.value) else None
        explorer = ThresholdExplorer.from_predictions(
            rows[label], rows[self.score.value], positive=positive, value=value,
            groups=rows[pick(self.group)] if pick(self.group) else None,
            data_source=self.loader.source, label_name=label, score_name=self.score.value,
            **self._options,
        )
        self.explorer = explorer
        self.output.children = [explorer]
        if explorer.result is None:
            self.messages.show("The explorer could not be built from these columns: see the message below.", "warning")
        elif dropped:
            self.messages.show(f"{dropped:,} rows without a label were left out.", "info")

"""``OwnMonitoring``: stage 5 on a team's own reference and production files, from the dashboard.

Upload the reference (validation or launch period) and the production log (CSV or Parquet), say which
columns hold the timestamp, the score and (where they have arrived) the labels, and the
:class:`DriftMonitor` is built on them, with the threshold and costs saved by stage 4 when the record has them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W

from ...core.errors import InputDataError
from .._base import MessageArea, guarded
from ..data_loader import NONE, DataLoader, numeric_columns, picker
from ..project_panel import UseAsSource

__all__ = ["OwnMonitoring"]


class OwnMonitoring(W.VBox):
    """Build a :class:`DriftMonitor` from two uploaded tables.

    Parameters
    ----------
    record_path : path, optional
        The decision record (stage 4's threshold and costs are read from it; the decision is saved to it).
    window : str
        Initial window size: ``day``, ``week`` or ``month``.

    Attributes
    ----------
    monitor : DriftMonitor or None
        The monitor built from the last pair of tables (``monitor.result`` holds the numbers).
    """

    def __init__(self, *, record_path: str | Path | None = None, window: str = "week", **kwargs: Any) -> None:
        self.record_path, self.window = record_path, window
        self.monitor = None
        self.messages = MessageArea()
        self.reference = DataLoader(name="reference")
        self.production = DataLoader(name="production")
        for loader in (self.reference, self.production):
            loader.id_column.layout.display = "none"
        self.reference.time_column.layout.display = "none"
        self.score = picker("Score")
        self.production.on_loaded(lambda _: self._fill_score())
        self.build_button = W.Button(description="Monitor", icon="line-chart", button_style="primary")
        self.build_button.on_click(lambda _: self.build())
        self.output = W.VBox()
        score = lambda: {"score": None if self.score.value in (None, NONE) else self.score.value}  # noqa: E731
        self.use_reference = UseAsSource(self.reference, "validation", roles=score, record_path=record_path)
        self.use_production = UseAsSource(self.production, "production", roles=score, record_path=record_path)
        super().__init__(
            [
                W.HTML("<b>1. Reference</b> (what the model was validated on)"), self.reference, self.use_reference,
                W.HTML("<b>2. Production log</b> (with a timestamp; labels where they have arrived)"), self.production,
                self.use_production, self.score, self.build_button, self.messages, self.output,
            ],
            **kwargs,
        )
        self.add_class("aipm-own-monitoring")

    def _fill_score(self) -> None:
        frame = self.production.frame
        numeric = numeric_columns(frame)
        self.score.options = [NONE] + numeric
        self.score.value = next((c for c in numeric if "score" in c.lower() or "proba" in c.lower()), NONE)

    @guarded()
    def build(self) -> None:
        """Build the monitor from the chosen columns (what the button does)."""
        from .drift_monitor import DriftMonitor

        self.messages.clear()
        ref, cur = self.reference.frame, self.production.frame
        if ref is None or cur is None:
            raise InputDataError("Load both tables first: the reference and the production log.")
        timestamp = self.production.roles()["timestamp"]
        if timestamp is None:
            raise InputDataError("Choose the production log's timestamp column: windows are cut by time.")
        label = self.production.roles()["label"]
        score = None if self.score.value in (None, NONE) else self.score.value
        if label is not None and label not in ref.columns:
            raise InputDataError(f"The label column {label!r} is not in the reference table; its columns are "
                                 f"{', '.join(map(str, ref.columns[:20]))}.")
        special = {timestamp, label, score}
        features = [c for c in cur.columns if c in ref.columns and c not in special]
        if not features:
            raise InputDataError("The two tables share no feature column to compare: check that they hold the same columns.")
        monitor = DriftMonitor(
            ref, cur, features=features, timestamp=timestamp, window=self.window, label=label, score=score,
            record_path=self.record_path, reference_description=self.reference.source,
        )
        self.monitor = monitor
        self.output.children = [monitor]
        if monitor.result is None:
            self.messages.show("The monitor could not run on these tables: see the message at its end.", "warning")

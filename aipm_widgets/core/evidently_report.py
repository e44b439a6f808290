"""Save evidently's ``DataDriftPreset`` report for one window as a standalone HTML file.

evidently is imported here, lazily (it takes seconds), and its report is only ever written to a file:
its HTML inlines a multi-megabyte JavaScript bundle, so it is never displayed inside a notebook.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .errors import AipmError

__all__ = ["save_drift_report"]


def save_drift_report(reference: pd.DataFrame, current: pd.DataFrame, result, window: str, path: str | os.PathLike) -> Path:
    """Write evidently's drift report comparing ``window``'s rows with the reference; returns the path.

    ``result`` is a :class:`~aipm_widgets.core.monitoring.MonitoringResult`; the report uses its features and
    cleaned rows, with the same drift method per column, so its numbers are the ones shown in the workbook.
    """
    os.environ.setdefault("DO_NOT_TRACK", "1")
    try:
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset
    except ImportError as exc:  # pragma: no cover - evidently is a dependency
        raise AipmError(f"evidently is not available ({exc}); install it to save drift reports.") from None
    table = result.drift
    feats = list(table.features)
    if not feats:
        raise AipmError("No feature could be compared, so there is no drift report to save.")
    cur = result.window_frame(window)[feats]
    if len(cur) == 0:
        raise AipmError(f"The window {window} has no rows; choose another window for the report.")
    ref = result.settings["reference_frame"][feats]
    num = [f for f in feats if table.kind[f] == "numeric"]
    cat = [f for f in feats if table.kind[f] != "numeric"]
    dd = DataDefinition(numerical_columns=num, categorical_columns=cat)
    snap = Report([DataDriftPreset(columns=feats, per_column_method=dict(table.method))]).run(
        Dataset.from_pandas(cur, data_definition=dd), Dataset.from_pandas(ref, data_definition=dd)
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    snap.save_html(str(path))  # a str: evidently silently writes nothing for a Path
    if not path.exists() or path.stat().st_size == 0:
        raise AipmError(f"evidently did not write {path}; check the folder is writable.")
    return path

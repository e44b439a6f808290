"""Tier 2: stage 4 on a team's own uploaded file (as the dashboard's upload button would send it)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.widgets.metrics.own_predictions import OwnPredictions


def csv_bytes(frame: pd.DataFrame) -> memoryview:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return memoryview(buf.getvalue().encode())


@pytest.fixture
def predictions():
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.1
    return pd.DataFrame({
        "outcome": np.where(y, "churned", "stayed"),
        "model_score": np.clip(rng.normal(0.3 + 0.3 * y, 0.15), 0, 1).round(4),
        "segment": rng.choice(["a", "b"], 2000),
        "revenue": rng.gamma(2, 50, 2000).round(2),
    })


def upload(panel: OwnPredictions, frame: pd.DataFrame, name: str = "mine.csv") -> None:
    content = csv_bytes(frame)
    panel.loader.upload.value = ({"name": name, "type": "text/csv", "size": len(content), "content": content,
                                  "last_modified": datetime.now(timezone.utc)},)


def test_upload_pick_columns_and_explore(predictions):
    panel = OwnPredictions()
    upload(panel, predictions)
    panel.loader.label.value = "outcome"
    assert panel.score.value == "model_score", "a numeric column named like a score is guessed"
    assert set(panel.positive.options) >= {"churned", "stayed"}
    panel.positive.value = "churned"
    panel.group.value = "segment"
    panel.build()
    assert not panel.messages.errors
    result = panel.explorer.result
    assert result is not None
    tp, fn = result.confusion["tp"], result.confusion["fn"]
    assert tp + fn == int((predictions.outcome == "churned").sum())


def test_text_label_without_positive_is_explained(predictions):
    panel = OwnPredictions()
    upload(panel, predictions)
    panel.loader.label.value = "outcome"
    panel.positive.value = "(none)"
    panel.build()
    assert panel.explorer.result is None
    text = panel.explorer.messages.value
    assert "positive class" in text


def test_nothing_loaded_and_single_class(predictions):
    panel = OwnPredictions()
    panel.build()
    assert "Load a table first" in panel.messages.errors[0]
    one_class = predictions.assign(outcome="stayed")
    upload(panel, one_class)
    panel.loader.label.value = "outcome"
    panel.positive.value = "stayed"
    panel.build()
    assert "only one class" in panel.explorer.messages.value


def test_hostile_file_name_and_values_are_escaped(predictions):
    panel = OwnPredictions()
    hostile = predictions.assign(segment="<img src=x onerror=alert(1)>")
    upload(panel, hostile, name="<script>alert(1)</script>.csv")
    assert "<script>" not in panel.loader.info.value
    panel.loader.label.value = "outcome"
    panel.positive.value = "churned"
    panel.group.value = "segment"
    panel.build()
    html = "".join(getattr(w, "value", "") for w in panel.explorer.children if isinstance(getattr(w, "value", None), str))
    assert "<img src=x" not in html

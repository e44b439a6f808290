"""Tier 2: stage 5 on a team's own uploaded reference and production files."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pandas as pd
import pytest

from aipm_widgets.core import demo
from aipm_widgets.widgets.monitoring.own_monitoring import OwnMonitoring


def send(loader, frame: pd.DataFrame, name: str) -> None:
    buf = io.BytesIO()
    frame.to_parquet(buf) if name.endswith(".parquet") else buf.write(frame.to_csv(index=False).encode())
    content = memoryview(buf.getvalue())
    loader.upload.value = ({"name": name, "type": "", "size": len(content), "content": content,
                            "last_modified": datetime.now(timezone.utc)},)


@pytest.fixture(scope="module")
def fraud():
    df = demo.load_fraud().drop_duplicates("transaction_id")
    cols = ["timestamp", "amount", "channel", "merchant_category", "is_fraud", "score"]
    return df.loc[df.split == "validation", cols].sample(4000, random_state=0), df.loc[df.split == "production", cols].sample(20000, random_state=0)


def test_upload_both_and_monitor(fraud, tmp_path):
    ref, cur = fraud
    panel = OwnMonitoring(record_path=tmp_path / "r.yaml", window="month")
    send(panel.reference, ref, "reference.parquet")
    send(panel.production, cur, "production.csv")
    assert panel.production.roles()["timestamp"] == "timestamp"
    panel.production.label.value = "is_fraud"
    assert panel.score.value == "score"
    panel.build()
    assert not panel.messages.errors, panel.messages.messages
    first = panel.monitor.result.first_drift()
    assert first.get("amount") == "2025-09"


def test_missing_pieces_are_said_in_words(fraud, tmp_path):
    ref, cur = fraud
    panel = OwnMonitoring(record_path=tmp_path / "r.yaml")
    panel.build()
    assert "Load both tables" in panel.messages.errors[0]
    send(panel.reference, ref[["amount"]].rename(columns={"amount": "other"}), "ref.csv")
    send(panel.production, cur, "production.csv")
    panel.production.label.value = "(none)"
    panel.build()
    assert "share no feature column" in panel.messages.errors[0]

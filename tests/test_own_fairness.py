"""Tier 2: the fairness audit on a team's own uploaded file."""

from __future__ import annotations

from datetime import datetime, timezone

from aipm_widgets.core import demo
from aipm_widgets.widgets.expectations.own_fairness import OwnFairness


def send(loader, frame, name="mine.csv"):
    content = memoryview(frame.to_csv(index=False).encode())
    loader.upload.value = ({"name": name, "type": "text/csv", "size": len(content), "content": content,
                            "last_modified": datetime.now(timezone.utc)},)


def test_upload_and_audit_finds_the_bias(tmp_path):
    panel = OwnFairness(record_path=tmp_path / "r.yaml")
    resume = demo.load_resume().assign(outcome=lambda d: d.qualified.map({1: "yes", 0: "no"}))
    send(panel.loader, resume[["outcome", "score", "gender"]])
    panel.loader.label.value = "outcome"
    panel.positive.value = "yes"
    assert panel.score.value == "score"
    panel.group.value = "gender"
    panel.build()
    assert not panel.messages.errors, panel.messages.messages
    assert panel.audit.result is not None
    text = panel.audit.children and " ".join(getattr(w, "value", "") for w in panel.audit.children if isinstance(getattr(w, "value", None), str))
    assert "four-fifths" in text.lower() or "4/5" in text


def test_missing_choices_are_named(tmp_path):
    panel = OwnFairness(record_path=tmp_path / "r.yaml")
    panel.build()
    assert "Load a table first" in panel.messages.errors[0]
    send(panel.loader, demo.load_resume()[["qualified", "score", "gender"]])
    panel.build()
    assert "group column" in panel.messages.errors[0]

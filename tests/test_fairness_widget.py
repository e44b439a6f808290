"""Tier 2: FairnessAudit without a browser: controls set as the browser would, asserting on .result and HTML."""

from __future__ import annotations

import pandas as pd
import pytest

from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.expectations.fairness_audit import FairnessAudit

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def audit(tmp_record):
    return FairnessAudit(record_path=tmp_record)


def test_demo_audit_flags_women(audit):
    r = audit.result
    assert audit.group_picker.value == "gender" and audit.reference_picker.value == "man"
    assert r.four_fifths["passed"] is False and r.four_fifths["group"] == "woman"
    assert "0.61 fails" in audit.cards.value and "woman" in audit.table.value
    assert "nonbinary" in audit.findings_html.value and "small group" in audit.findings_html.value
    assert len(audit.figure.data) == 3
    woman = [t for t in audit.figure.data if t.name == "woman"][0]
    assert woman.y[0] == pytest.approx(r.group("woman").rates["selection_rate"])
    assert woman.error_y.array[0] > 0


def test_threshold_reference_and_intersections(audit):
    audit.threshold_slider.value = 0.3
    assert audit.result.threshold == pytest.approx(0.3)
    audit.reference_picker.value = "woman"
    assert audit.result.reference == "woman"
    audit.second_picker.value = "age_band"
    assert len(audit.result.groups) == 9 and len(audit.figure.data) == 9
    assert "×" in audit.reference_picker.value
    assert "gender" not in audit.second_picker.options
    audit.group_picker.value = "age_band"
    assert audit.second_picker.value == "(none)"
    assert audit.result.group_columns == ["age_band"]
    assert not audit.messages.errors


def test_save_findings_and_escaped_response(audit, tmp_record):
    audit.response.value = HOSTILE + " Retrain without the gap feature; Ana owns it."
    assert HOSTILE not in audit.response_preview.value and "&lt;img" in audit.response_preview.value
    audit.save()
    assert audit.messages.messages[-1][0] == "success"
    eth = load_record(tmp_record).ethics
    assert eth.status == "decided" and eth.team_response.startswith(HOSTILE)
    assert eth.fairness.flagged_groups == ["woman"] and eth.fairness.four_fifths["passed"] is False
    assert any("nonbinary" in w for w in eth.fairness.warnings)
    again = FairnessAudit(record_path=tmp_record)
    assert again.response.value == audit.response.value


def test_saved_settings_are_restored(audit, tmp_record):
    audit.second_picker.value = "age_band"
    audit.threshold_slider.value = 0.4
    audit.reference_picker.value = "woman × 45+"
    audit.save()
    again = FairnessAudit(record_path=tmp_record)
    assert again.group_columns == ["gender", "age_band"]
    assert again.result.threshold == pytest.approx(0.4) and again.result.reference == "woman × 45+"
    again.second_picker.value = "(none)"
    assert again.result.group_columns == ["gender"] and not again.messages.errors


def test_hostile_group_names_and_single_group_column(tmp_record):
    df = pd.DataFrame({
        "y": [0, 1] * 60, "s": [0.2, 0.8, 0.6, 0.4] * 30,
        "who": [HOSTILE, "b", "c"] * 40, "region": ["north"] * 120,
    })
    w = FairnessAudit(df, label="y", score="s", group="who", record_path=tmp_record)
    assert HOSTILE not in w.table.value and HOSTILE not in w.findings_html.value
    assert all(HOSTILE not in t.name for t in w.figure.data)
    w.group_picker.options = ["who", "region"]
    w.group_picker.value = "region"
    assert w.result is None and "only one group" in w.messages.errors[0]
    assert w.table.value == ""
    w.save()
    assert "Nothing to save" in w.messages.errors[0]


def test_missing_columns_and_unreadable_record_are_messages(tmp_path):
    rec = tmp_path / "r.yaml"
    rec.write_text("ethics: [not, a, mapping]\n", encoding="utf-8")
    w = FairnessAudit(record_path=rec)
    assert w.result is not None and "could not be read" in w.messages.messages[0][1]
    df = pd.DataFrame({"y": [0, 1] * 10, "s": [0.1, 0.9] * 10, "g": list("ab") * 10})
    bad = FairnessAudit(df, label="label", score="s", group="g", record_path=tmp_path / "x.yaml")
    assert bad.result is None and "not found" in bad.messages.errors[0]

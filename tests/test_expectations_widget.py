"""Tier 2: ExpectationsOnePager without a browser: editing, preview escaping, exports and saving."""

from __future__ import annotations

import pytest

from aipm_widgets.core.expectations.one_pager import OnePager
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.widgets.expectations.one_pager import ExpectationsOnePager

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def pager_widget(tmp_record):
    return ExpectationsOnePager(record_path=tmp_record)


def test_edits_flow_into_result_and_escaped_preview(pager_widget):
    w = pager_widget
    for field in (w.does, w.does_not, w.failure_modes, w.above_threshold, w.below_threshold, w.title):
        field.value = HOSTILE
    assert w.result.does == [HOSTILE] and w.result.title == HOSTILE
    assert HOSTILE not in w.preview.value and w.preview.value.count("&lt;img") >= 6
    assert "1 in" in w.preview.value or "in 100" in w.preview.value


def test_icon_array_toggle(pager_widget):
    w = pager_widget
    assert w.preview.value.count("<rect") == 1000
    w.per.value = 100
    assert w.preview.value.count("<rect") == 100


def test_missing_does_not_and_below_threshold_warn(pager_widget):
    pager_widget.does_not.value = ""
    assert "does NOT do" in pager_widget.messages.messages[0][1]
    pager_widget.does_not.value = "Does not decline payments"
    assert not pager_widget.messages.messages


def test_save_and_reload_restores_text(pager_widget, tmp_record):
    pager_widget.does.value = "Flags risky payments\n" + HOSTILE
    pager_widget.save()
    assert pager_widget.messages.messages[-1][0] == "success"
    sec = load_record(tmp_record).expectations
    assert sec.status == "decided" and sec.one_pager.does == ["Flags risky payments", HOSTILE]
    again = ExpectationsOnePager(record_path=tmp_record)
    assert again.does.value == "Flags risky payments\n" + HOSTILE


def test_exports_write_escaped_files(pager_widget, tmp_path):
    pager_widget.failure_modes.value = HOSTILE
    html_path = pager_widget.export("html")
    md_path = pager_widget.export("md")
    assert html_path.parent == tmp_path / "exports"
    for p in (html_path, md_path):
        assert HOSTILE not in p.read_text()
    assert "Exported to" in pager_widget.messages.messages[-1][1]


def test_stage4_numbers_from_record(tmp_record):
    update_section(tmp_record, "metrics", {"threshold": 0.2, "confusion": {"tp": 84, "fp": 176, "tn": 19368, "fn": 226}},
                   what="stage 4")
    w = ExpectationsOnePager(record_path=tmp_record)
    assert w.result.threshold == 0.2 and "stage 4" in w.result.source
    assert "0.2" in w.preview.value


def test_broken_record_falls_back_to_demo_with_message(tmp_path):
    rec = tmp_path / "r.yaml"
    rec.write_text("metrics: {threshold: not-a-number}\n", encoding="utf-8")
    w = ExpectationsOnePager(record_path=rec)
    assert "demo" in w.result.source and w.messages.messages[0][0] == "warning"


def test_too_long_text_is_a_message(pager_widget):
    pager_widget.does.value = "x" * 6000
    assert "too long" in pager_widget.messages.errors[0]


def test_given_pager_is_used(tmp_record):
    w = ExpectationsOnePager(OnePager.from_counts(tp=1, fp=2, tn=30, fn=4, threshold=0.7), record_path=tmp_record)
    assert w.result.threshold == 0.7 and w.result.tp == 1

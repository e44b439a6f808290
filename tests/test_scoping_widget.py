"""Tier 2: ScopingCanvas without a browser, and the `aipm scope` command."""

from __future__ import annotations

import json

from aipm_widgets.cli import main
from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.scoping.canvas import VERDICT_COLORS, ScopingCanvas

HOSTILE = "<img src=x onerror=alert(1)>"


def test_canvas_ranks_demo_and_draws_the_chart(tmp_record):
    c = ScopingCanvas(record_path=tmp_record)
    bar = c.chart.data[0]
    assert list(bar.y)[-1].startswith("1. Flag likely card fraud")  # rank 1 at the top
    assert list(bar.marker.color)[-1] == VERDICT_COLORS["strong_ai_candidate"]
    assert all(lo >= 0 for lo in bar.error_x.arrayminus) and all(hi >= 0 for hi in bar.error_x.array)
    assert "not an AI problem" in c.table.value and "Verdict kept" in c.table.value
    assert c.selected.candidate.id == "fraud_flagging" and "strong AI candidate" in c.verdict_view.value


def test_moving_a_slider_changes_verdict_chart_and_table(tmp_record):
    c = ScopingCanvas(record_path=tmp_record)
    c.candidate.value = "ticket_routing"
    assert c.sliders["business_value"].value == 3 and "start with rules" in c.verdict_view.value
    c.sliders["business_value"].value = 4
    assert c.selected.verdict.key == "strong_ai_candidate"
    assert "strong AI candidate" in c.verdict_view.value
    assert sum(1 for col in c.chart.data[0].marker.color if col == VERDICT_COLORS["strong_ai_candidate"]) == 2
    c.candidate.value = "fraud_flagging"  # switching back loads that candidate's own scores
    assert c.sliders["business_value"].value == 5


def test_save_and_reload_from_record(tmp_record):
    c = ScopingCanvas(record_path=tmp_record, who="pm")
    c.candidate.value = "credit_limit"
    c.evidence["ethical_risk"].value = HOSTILE
    c.sliders["feasibility"].value = 2
    c.save()
    assert not c.messages.errors and "data first" in c.saved_view.value
    sec = load_record(tmp_record).scoping
    assert sec.chosen == "credit_limit" and sec.scores["feasibility"] == 2 and sec.evidence["ethical_risk"] == HOSTILE
    assert sec.decided_by == "pm"
    again = ScopingCanvas(record_path=tmp_record)
    assert again.candidate.value == "credit_limit"
    assert again.sliders["feasibility"].value == 2 and again.evidence["ethical_risk"].value == HOSTILE
    assert "Restored" in again.saved_view.value


def test_canvas_save_keeps_the_scoping_checklist(tmp_record):
    from aipm_widgets.widgets.checklist import Checklist

    cl = Checklist("use_case_scoping", record_path=tmp_record, section="scoping")
    cl.items["problem_statement"].state.value = "done"
    cl.save()
    ScopingCanvas(record_path=tmp_record).save()
    sec = load_record(tmp_record).scoping
    assert sec.checklists["use_case_scoping"].items["problem_statement"].state == "done"
    assert sec.status == "decided"
    cl.items["success_defined"].state.value = "done"
    cl.save()  # and the checklist save keeps the decision
    sec = load_record(tmp_record).scoping
    assert sec.status == "decided" and sec.chosen == "fraud_flagging"


def test_hostile_names_are_escaped(tmp_record):
    cands = [{"id": "x", "name": HOSTILE, "description": "<script>alert(1)</script>",
              "scores": dict(business_value=4, pattern_repetitive=4, labeled_data=4, human_could_do=4,
                             error_tolerance=4, feasibility=4, ethical_risk=1),
              "value": {"low": 1, "high": 2, "unit": "<b>EUR</b>"}}]
    c = ScopingCanvas(cands, record_path=tmp_record)
    html = c.table.value + c.verdict_view.value + c.description_view.value
    assert HOSTILE not in html and "<script>" not in html and "<b>EUR" not in html
    assert "&lt;img" in c.table.value


def test_bad_value_range_is_a_message(tmp_record):
    c = ScopingCanvas(record_path=tmp_record)
    c.value_low.value = 9e9
    assert c.messages.messages and "swap" in c.messages.messages[0][1]


def test_broken_record_shows_demo_and_refuses_to_save(tmp_record):
    tmp_record.write_text("schema_version: 99\n")
    c = ScopingCanvas(record_path=tmp_record)
    assert c.messages.errors and "newer aipm-workbook" in c.messages.errors[0]
    c.save()
    assert c.messages.errors and tmp_record.read_text() == "schema_version: 99\n"


def test_cli_scope_text_and_json(tmp_record, capsys):
    ScopingCanvas(record_path=tmp_record).save()
    assert main(["scope", "--record", str(tmp_record)]) == 0
    out = capsys.readouterr().out
    assert "Verdict: strong AI candidate" in out and "not an AI problem" in out and "*1" in out
    assert main(["scope", "--record", str(tmp_record), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["chosen"] == "fraud_flagging" and data["verdict"] == "strong_ai_candidate"
    assert {c["id"]: c["verdict"] for c in data["candidates"]}["invoice_totals"] == "not_an_ai_problem"
    assert 0 < data["robustness"]["stability"] <= 1


def test_cli_scope_drops_terminal_escape_sequences(tmp_record, capsys):
    cands = [{"id": "x", "name": "evil\x1b[2J\x1b]0;pwned\x07 name",
              "scores": dict(business_value=4, pattern_repetitive=4, labeled_data=4, human_could_do=4,
                             error_tolerance=4, feasibility=4, ethical_risk=1)}]
    ScopingCanvas(cands, record_path=tmp_record).save()
    assert main(["scope", "--record", str(tmp_record)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "evil" in out


def test_cli_scope_errors_exit_2(tmp_record, capsys):
    assert main(["scope", "--record", str(tmp_record)]) == 2
    assert "no decision record here" in capsys.readouterr().err
    tmp_record.write_text("project: {name: x}\n")
    assert main(["scope", "--record", str(tmp_record)]) == 2
    err = capsys.readouterr().err
    assert "no scoping decision yet" in err and err.count("\n") == 1


def test_add_candidate_scores_it_and_saves_it(tmp_record):
    c = ScopingCanvas(record_path=tmp_record)
    c.new_name.value = "Forecast <b>call</b> volume"
    c.add_button.click()
    cid = c.candidate.value
    assert cid == "forecast_b_call_b_volume" and len(c.result.ranked) == 6
    assert c.sliders["business_value"].value == 3
    c.sliders["labeled_data"].value = 5
    c.evidence["labeled_data"].value = "Three years of hourly call counts."
    assert c.selected.candidate.scores["labeled_data"] == 5
    assert "Forecast &lt;b&gt;call" in c.table.value
    c.save()
    again = ScopingCanvas(record_path=tmp_record)
    assert again.candidate.value == cid and len(again.result.ranked) == 6
    assert again.evidence["labeled_data"].value == "Three years of hourly call counts."
    assert c.add_candidate("Forecast <b>call</b> volume") == cid + "_2"
    c.add_candidate("   ")
    assert c.messages.errors and "name first" in c.messages.errors[0]

"""Tier 1: headless runs on a team's own product: every batch command with only ``--record``.

The project is the loan-approval one of ``own_product.py``; its production log has no label column (the
usual layout soon after launch), so monitoring must estimate performance from the reference's labels.
"""

from __future__ import annotations

import json

import pytest

import own_product as own
from aipm_widgets.cli import main
from aipm_widgets.core import record as record_mod
from aipm_widgets.core.record import load_record, update_section

THRESHOLD = 0.3


@pytest.fixture
def loan(tmp_path, monkeypatch):
    monkeypatch.delenv("AIPM_DATA_DIR", raising=False)
    monkeypatch.setenv("AIPM_USER", "Mara Keller")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    wb = tmp_path / "loans"
    own.write_loan_project(wb)
    assert main(["init", str(wb), *own.init_args(wb)]) == 0
    rec = wb / "decision_record.yaml"
    update_section(rec, "metrics", {"status": "decided", "threshold": THRESHOLD, "chosen_metric": "recall"},
                   what="Chose the decline threshold")
    return wb


def run_json(capsys, argv: list[str]) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def test_monitor_record_alone_equals_explicit_flags(loan, capsys):
    rec = str(loan / "decision_record.yaml")
    code_r, by_record = run_json(capsys, ["monitor", "--record", rec, "--json"])
    code_f, by_flags = run_json(capsys, ["monitor", *own.monitor_flags(loan), "--threshold", str(THRESHOLD), "--json"])
    assert code_r == code_f
    # Identical results; the record's run also says where its threshold came from.
    record_notes = by_record.pop("notes")
    flag_notes = by_flags.pop("notes")
    assert by_record == by_flags
    assert [n for n in record_notes if n not in flag_notes] == [
        f"Threshold {THRESHOLD} from the metric-selection decision in the record."]
    # The run was saved into the record, by the named user.
    saved = load_record(rec)
    assert saved.monitoring.last_run.windows == len(by_record["windows"])
    assert saved.history[-1].who == "Mara Keller"


def test_production_without_labels_gives_estimated_performance_per_window(loan, capsys):
    code, out = run_json(capsys, ["monitor", "--record", str(loan / "decision_record.yaml"), "--json"])
    assert code in (0, 1)
    windows = out["windows"]
    assert len(windows) == 12  # 84 days of production, weekly windows
    for w in windows:
        est = w["estimated_performance"]
        assert 0 <= est["recall"]["lower"] <= est["recall"]["value"] <= est["recall"]["upper"] <= 1
        assert "performance" not in w  # nothing realized: no label has arrived
    assert any("has no 'approved' column" in n for n in out["notes"])
    # The debt-ratio shift injected from the seventh week on is found, and not before.
    drifted = [w["window"] for w in windows if w["features"]["debt_ratio"]["drift"]]
    assert drifted and drifted[0] == windows[6]["window"]


def test_partly_labeled_production_gives_realized_performance_where_labels_exist(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AIPM_USER", "Mara Keller")
    monkeypatch.setattr(record_mod, "_git_user_name", lambda: None)
    wb = tmp_path / "loans"
    own.write_loan_project(wb, production_labeled_share=0.9)
    assert main(["init", str(wb), *own.init_args(wb)]) == 0
    code, out = run_json(capsys, ["monitor", "--record", str(wb / "decision_record.yaml"), "--threshold", "0.3", "--json"])
    realized = [w for w in out["windows"] if "performance" in w]
    assert len(realized) == len(out["windows"])
    assert all(0.8 <= w["label_coverage"] <= 1.0 for w in out["windows"])


@pytest.mark.parametrize("argv", [
    ["scope", "--json"],
    ["fairness", "--json"],
    ["assess", "--json"],
    ["tradeoff", "--json"],
    ["monitor", "--json"],
    ["brief"],
])
def test_every_batch_command_runs_with_only_the_record(loan, capsys, argv):
    rec = str(loan / "decision_record.yaml")
    if argv[0] == "scope":
        update_section(rec, "scoping", {"status": "decided", "use_case": own.NAME, "verdict": "strong_ai_candidate"},
                       what="Chose the use case")
    capsys.readouterr()
    code = main([argv[0], "--record", rec, *argv[1:]])
    out = capsys.readouterr()
    assert code in (0, 1), out.err  # 1: monitoring raised an alert (the injected drift)
    assert "Traceback" not in out.err and "Missing" not in out.err
    text = out.out
    if argv[0] == "scope":
        assert json.loads(text)["decided_by"] == "Mara Keller"
    if argv[0] == "fairness":
        audit = json.loads(text)
        assert audit["threshold"] == THRESHOLD and {g["group"] for g in audit["groups"]} == set(own.REGIONS)
    if argv[0] == "tradeoff":
        assert json.loads(text)["threshold"] is not None
    if argv[0] == "brief":
        html = (loan / "product_brief.html").read_text(encoding="utf-8")
        assert own.NAME in html and "Mara Keller" in html


def test_explicit_flags_win_over_the_project(loan, capsys):
    rec = str(loan / "decision_record.yaml")
    code, out = run_json(capsys, ["tradeoff", "--record", rec, "--threshold", "0.5", "--group", "income_k",
                                  "--cost-fp", "20", "--cost-fn", "500", "--json"])
    assert code == 0 and out["threshold"] == 0.5
    assert out["currency"] == "CHF"  # from the project: no --currency given


def test_missing_settings_are_named_with_their_flag_and_project_key(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AIPM_USER", "x")
    assert main(["init", str(tmp_path / "empty"), "--name", "Empty"]) == 0
    capsys.readouterr()
    assert main(["monitor", "--record", str(tmp_path / "empty" / "decision_record.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--reference (or --record FILE whose project sets sources.validation)" in err[0]
    assert "--current (or --record FILE whose project sets sources.production)" in err[0]


def test_a_record_that_does_not_exist_yet_is_said_when_flags_lack(tmp_path, capsys):
    capsys.readouterr()
    assert main(["fairness", "--record", str(tmp_path / "typo.yml")]) == 2
    err = capsys.readouterr().err
    assert "Missing --data" in err and f"There is no decision record at {tmp_path / 'typo.yml'}" in err


def test_a_demo_project_feeds_batch_commands_its_bundled_tables(tmp_path, capsys, monkeypatch):
    from aipm_widgets.core.demo import load_fraud

    monkeypatch.setenv("AIPM_USER", "x")
    assert main(["init", str(tmp_path / "demo"), "--demo"]) == 0
    code, out = run_json(capsys, ["tradeoff", "--record", str(tmp_path / "demo" / "decision_record.yaml"),
                                  "--threshold", "0.08", "--json"])
    val = load_fraud("validation")
    assert code == 0 and sum(out["confusion"].values()) == int(val["is_fraud"].notna().sum())

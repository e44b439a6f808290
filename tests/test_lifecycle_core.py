"""Lifecycle at a glance: stage states, open required items, reviews, new iterations."""

from __future__ import annotations

import pytest
from brief_records import full_record

from aipm_widgets.core.checklists.checklist import ChecklistResult, save_checklist_state
from aipm_widgets.core.errors import AipmError
from aipm_widgets.core.record.lifecycle import (
    lifecycle,
    open_required_items,
    stage_state,
    start_new_iteration,
)
from aipm_widgets.core.record import DecisionRecord, load_record, update_section


def states(path):
    return {s.key: s.state for s in lifecycle(load_record(path))}


def test_fresh_record_not_started_with_required_items_open():
    rec = DecisionRecord.new("X")
    st = {s.key: s for s in lifecycle(rec)}
    assert all(s.state == "not_started" for s in st.values())
    assert len(st["scoping"].open_required) == 10  # every required item of the scoping checklist
    assert st["metrics"].open_required == [] and st["metrics"].last_change is None


def test_all_decided_in_dependency_order(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    assert set(states(path).values()) == {"decided"}


def test_checklist_save_is_in_progress_and_counts_open_items(tmp_path):
    path = tmp_path / "r.yaml"
    ck = ChecklistResult("ethics")
    ck.set_item("audit_done", state="done")
    save_checklist_state(path, "ethics", "ethics", ck, status="in_progress")
    st = stage_state(load_record(path), "ethics")
    assert st.state == "in_progress"
    texts = [t for _, t in st.open_required]
    assert len(texts) == 8 and not any("audit" in t.lower() and "done" in t.lower() for t in texts)
    assert st.last_change.what.startswith("Checklist 'Ethics review'")


def test_upstream_change_after_decision_needs_review(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    update_section(path, "metrics", {"threshold": 0.2, "status": "decided"}, what="Chose alert threshold 0.2")
    st = {s.key: s for s in lifecycle(load_record(path))}
    assert st["expectations"].state == "needs_review"  # the one-pager quotes stage 4's rates
    assert "4. Metric selection changed" in st["expectations"].reasons[0]
    assert st["monitoring"].state == "needs_review"
    assert st["scoping"].state == st["data"].state == st["metrics"].state == "decided"
    # Re-deciding without re-measuring the one-pager still says what differs: it quotes another threshold.
    quoted = load_record(path).expectations.one_pager.threshold
    assert quoted != 0.2
    update_section(path, "expectations", {"status": "decided"}, what="Marked decided again")
    reasons = {s.key: s for s in lifecycle(load_record(path))}["expectations"].reasons
    assert reasons == [f"The one-pager quotes threshold {quoted:g}; stage 4 (metric selection) decided 0.2: save the one-pager again."]
    # Re-deciding the dependent at the decided threshold clears it.
    op = load_record(path).expectations.one_pager.model_dump(mode="json", exclude_unset=True)
    update_section(path, "expectations", {"status": "decided", "one_pager": {**op, "threshold": 0.2}},
                   what="Updated the one-pager")
    update_section(path, "monitoring", {"status": "decided"}, what="Monitoring decision")
    assert set(states(path).values()) == {"decided"}


def test_checklist_ticks_do_not_send_later_stages_back(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    ck = ChecklistResult("use_case_scoping")
    ck.set_item("problem_statement", state="done")
    save_checklist_state(path, "scoping", "use_case_scoping", ck)
    assert set(states(path).values()) == {"decided"}


def test_saved_needs_review_status(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    update_section(path, "data", {"status": "needs_review"}, what="Data not ready")
    st = stage_state(load_record(path), "data")
    assert st.state == "needs_review" and st.label == "needs review"


def test_start_new_iteration_keeps_history_and_snapshots(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    before = load_record(path)
    rec = start_new_iteration(path, "Model v2: retrained on October data", who="Ana")
    assert rec.project.iteration == 2
    assert len(rec.history) == len(before.history) + 3
    assert [c.what for c in rec.history[: len(before.history)]] == [c.what for c in before.history]
    snap = rec.project.previous_iterations[0]
    assert snap["iteration"] == 1 and snap["metrics"]["threshold"] == 0.3
    assert snap["metrics"]["metrics"]["precision"]["low"] == pytest.approx(0.37)
    st = states(path)
    assert st["metrics"] == st["monitoring"] == "needs_review"
    assert st["scoping"] == st["data"] == st["ethics"] == "decided"
    # Re-deciding metrics in iteration 2: decided again, marked with the new iteration.
    update_section(path, "metrics", {"status": "decided", "threshold": 0.25}, what="Chose alert threshold 0.25")
    m = stage_state(load_record(path), "metrics")
    assert m.state == "decided" and m.iteration == 2
    # The record still loads after a round trip (previous_iterations is an unknown-but-kept field).
    assert load_record(path).project.previous_iterations[0]["iteration"] == 1


def test_decision_from_an_older_iteration_needs_review(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    update_section(path, "project", {"iteration": 3}, what="Edited by hand")
    st = stage_state(load_record(path), "monitoring")
    assert st.state == "needs_review" and "iteration 1" in st.reasons[-1]


def test_start_new_iteration_needs_a_reason(tmp_path):
    with pytest.raises(AipmError, match="Say why"):
        start_new_iteration(tmp_path / "r.yaml", "   ")


def test_unknown_checklist_is_skipped():
    rec = DecisionRecord.new("X")
    rec.data.checklists = {"mine": {"checklist": "not_shipped", "items": {}}}
    assert len(open_required_items(rec, "data")) == 8  # the datasheet's required items; 'mine' skipped

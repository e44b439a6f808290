"""Small decision records for the brief and lifecycle tests, written in milliseconds with update_section."""

from __future__ import annotations

from pathlib import Path

from aipm_widgets.core.checklists.checklist import ChecklistResult, save_checklist_state
from aipm_widgets.core.record import DecisionRecord, save_record, update_section

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)> **b** [l](javascript:alert(1)) | # h"


def full_record(path: Path, text: str = "Fraud alerts") -> Path:
    """Every section decided, with ``text`` in every free-text field (use HOSTILE for escaping tests)."""
    save_record(DecisionRecord.new(f"Product {text}", owners=[f"Owner {text}"], description=f"Desc {text}"), path)
    update_section(path, "scoping", {
        "status": "decided", "chosen": "c1", "use_case": f"Use case {text}", "description": text,
        "value": {"low": 1000, "high": 5000, "unit": f"EUR {text}"},
        "scores": {"business_value": 5, "ethical_risk": 4}, "evidence": {"business_value": f"Evidence {text}"},
        "verdict": "strong_ai_candidate", "verdict_label": "strong AI candidate",
        "reasons": [f"Reason {text}"], "warnings": [f"Warning {text}"],
        "robustness": {"sentence": f"Robust {text}"},
        "candidates": [{"id": "c1", "name": f"Cand {text}", "verdict": "strong_ai_candidate", "rank": 1, "composite": 80,
                        "composite_low": 70, "composite_high": 85, "verdict_stability": 0.9}],
        "summary": f"Summary {text}", "future_field": f"Future {text}",
    }, what=f"Chose {text}", who=f"Who {text}")
    update_section(path, "data", {
        "status": "decided", "source": f"data {text}", "rows": 1000, "columns": 5, "readiness": "ready with warnings",
        "issues": [{"key": "missing_values:a", "check": "missing_values", "column": f"col {text}", "severity": "warning",
                    "count": 10, "share": 0.01, "message": f"Missing {text}"},
                   {"key": "dup:b", "check": "dup", "column": "b", "severity": "blocker", "count": 3, "message": f"Dup {text}"}],
        "waivers": [{"key": "missing_values:a", "decision": "accepted", "note": f"Waiver note {text}", "who": text}],
        "label_noise": {"rate": 0.01, "low": 0.008, "high": 0.012, "rows_checked": 900},
    }, what="Data assessment", who="Ben")
    ck = ChecklistResult("datasheet")
    ck.set_item("purpose", state="done", owner=f"O {text}", note=f"Note {text}", evidence="https://example.org/x")
    save_checklist_state(path, "data", "datasheet", ck, who="Ben")
    update_section(path, "metrics", {
        "status": "decided", "threshold": 0.3, "chosen_metric": "cost", "score_column": "score", "data_source": f"val {text}",
        "n_evaluated": 2000, "costs": {"currency": "EUR", "cost_fp": 5, "cost_fn": 100},
        "constraints": ["recall>=0.8"], "constraints_satisfied": False,
        "confusion": {"tp": 80, "fp": 100, "tn": 1800, "fn": 20},
        "metrics": {"precision": {"value": 0.444, "low": 0.37, "high": 0.52, "method": "wilson"},
                    "recall": {"value": 0.8, "low": 0.71, "high": 0.87, "method": "wilson"},
                    f"custom {text}": {"value": 0.5}},
        "cost_per_1000": {"value": 1250.0, "low": 1100.0, "high": 1400.0},
        "natural_frequencies": {"sentence": f"Out of 1,000 {text}"},
        "baseline": {"rule": f"amount > 900 {text}", "verdict": f"Rule verdict {text}"},
        "groups": [{"group": f"G {text}", "n": 100, "tpr": 0.7, "tpr_ci": [0.5, 0.8], "fpr": 0.1, "precision": 0.4}],
    }, what="Chose alert threshold 0.3", who="Chen")
    update_section(path, "expectations", {
        "status": "decided", "one_pager": {"title": f"Title {text}", "does": [f"Does {text}"], "does_not": [f"Not {text}"],
                                           "failure_modes": [f"Fails {text}"], "threshold": 0.3,
                                           "above_threshold": f"Above {text}", "below_threshold": f"Below {text}",
                                           "error_rates": {"precision": {"label": f"prec {text}", "value": 0.44, "low": 0.37,
                                                                         "high": 0.52, "sentence": f"Sent {text}"}}},
    }, what="Saved the stakeholder one-pager", who="Dana")
    update_section(path, "ethics", {
        "status": "decided", "team_response": f"Response {text}",
        "fairness": {"dataset": f"resumes {text}", "threshold": 0.5, "group_columns": [f"gender {text}"], "reference": "man",
                     "groups": [{"group": "man", "n": 100, "positives": 40, "selection_rate": 0.3,
                                 "ci": {"selection_rate": [0.22, 0.4]}, "tpr": 0.5, "fpr": 0.1},
                                {"group": f"woman {text}", "n": 90, "positives": 35, "selection_rate": 0.15,
                                 "ci": {"selection_rate": [0.09, 0.24]}, "tpr": 0.3, "fpr": 0.05}],
                     "four_fifths": {"ratio": 0.5, "passed": False, "group": f"woman {text}", "reference": "man",
                                     "ratio_low": 0.3, "ratio_high": 0.8},
                     "flagged_groups": [f"woman {text}"], "warnings": [f"Small {text}"], "findings": [f"Finding {text}"]},
    }, what="Saved the fairness audit", who="Dana")
    update_section(path, "monitoring", {
        "status": "decided", "reference_description": f"ref {text}", "window": "month", "features": [f"feat {text}"],
        "drift_methods": {f"feat {text}": "wasserstein"},
        "triggers": [{"text": f"Trigger {text}", "measure": "drift_share", "op": ">=", "value": 0.3}],
        "last_run": {"first_window": "2025-06", "last_window": "2025-12", "n_current": 5000, "windows": 7,
                     "drifted_features": {f"feat {text}": "2025-09"}, "triggers_fired": {f"Trigger {text}": "2025-09"}},
        "alerts": [{"window": "2025-09", "kind": "drift", "message": f"Alert {text}"}],
        "suggested_action": f"Retrain {text}",
    }, what="Monitoring decision", who="Eve")
    return path

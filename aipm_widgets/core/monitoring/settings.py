"""Stage 5's settings and words without the data: the default retraining triggers, the metrics' names, the metric to
watch for stage 4's decision, the settings a decision record gives, and the demo's fallback cost model.

Light on purpose (no pandas): the monitoring dashboard builds its controls from these before any data is read.
:mod:`aipm_widgets.core.monitoring.run` re-exports them.
"""

from __future__ import annotations

from typing import Any

from ..text import format as fmt
from .estimation import METRICS

NULL_MARKERS = {"", "n/a", "na", "nan", "null", "none", "?", "-", "missing", "#n/a"}
"""Text values read as missing in production data (case and surrounding spaces ignored)."""
SENTINELS = (-999.0, -9999.0, -99999.0)
"""Numbers read as missing in production data (an export's placeholder for "no value")."""
DEFAULT_TRIGGERS = (">= 30 % of features drifted", "concept drift for 1 window", "cost per 1,000 up 20 % on launch")


METRIC_NAMES = {"roc_auc": "ROC AUC", "recall": "recall", "precision": "precision", "f1": "F1"}


def metric_text(metric: str, value: Any) -> str:
    """A performance metric's value in words: ROC AUC as a number, rates as percentages."""
    return fmt.number(value, 2) if metric == "roc_auc" else fmt.percent(value)


def decided_metric(chosen_metric: str | None) -> tuple[str, str]:
    """The performance metric to watch for stage 4's decided metric, and why, in words.

    Stage 4 decides on cost, F1, recall or precision. A cost decision is watched through recall (what the misses,
    and so most of the cost, follow) next to the cost chart; no decision yet falls back to ROC AUC.
    """
    if chosen_metric in METRICS:
        return chosen_metric, f"stage 4 decided on {METRIC_NAMES[chosen_metric]}"
    if chosen_metric == "cost":
        return "recall", "stage 4 decided on cost: recall is what the missed losses follow; the cost itself is charted below"
    return "roc_auc", "no metric decided in stage 4 yet: ROC AUC (threshold-free)"


def demo_costs() -> dict[str, Any]:
    """The demo's fallback cost model (used only when stage 4 saved none): 5 EUR per false alarm, a miss costs its amount."""
    return {"currency": "EUR", "cost_fp": 5.0, "fn_cost_from_value": True, "value_column": "amount", "value_tp": 0.0}


def settings_from_record(record) -> tuple[dict[str, Any], list[str]]:
    """Threshold, cost model and triggers from a decision record (stage 4's and this stage's), with notes."""
    notes: list[str] = []
    out: dict[str, Any] = {}
    m = record.metrics
    if m.threshold is not None:
        out["threshold"] = float(m.threshold)
        notes.append(f"Threshold {fmt.threshold(m.threshold)} from the metric-selection decision in the record.")
    if m.chosen_metric is not None:
        out["chosen_metric"] = m.chosen_metric
    if m.costs is not None:
        out["costs"] = m.costs.model_dump(mode="json")
    elif getattr(m, "task", None) == "multiclass" and getattr(m, "routing_costs", None):
        # a router's costs (a misroute, a person's handling) are watched per window as cost per 1,000 rows
        rc = m.routing_costs
        out["costs"] = rc.model_dump(mode="json") if hasattr(rc, "model_dump") else dict(rc)
    if m.volume_per_day is not None:
        out["volume_per_day"] = float(m.volume_per_day)
    if record.monitoring.triggers:
        out["triggers"] = [t.model_dump(mode="json") for t in record.monitoring.triggers]
    return out, notes


def chance_words(expected: float) -> str:
    """An expected count of false alarms in words: 'fewer than 1' rather than 'about 0.0'."""
    if expected < 0.5:
        return "fewer than 1"
    return f"about {expected:.0f}" if expected >= 2 else f"about {expected:.1f}"

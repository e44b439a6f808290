"""The ``monitoring`` section of the decision record (stage 5, post-launch monitoring).

It holds what the team agreed to watch (reference, windows, drift methods and thresholds, retraining
triggers as structured data) and what the last run found (a summary and the alerts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import RecordModel, Section


class TriggerSpec(RecordModel):
    """A retraining trigger: fires when ``measure op value`` holds in ``consecutive`` windows in a row."""

    text: str = Field("", description="The trigger in words, e.g. 'estimated recall < 0.90 for 2 consecutive windows'.")
    measure: str = Field(..., description="estimated.recall, realized.roc_auc, drift_share, cost_change, concept_drift, ...")
    op: Literal["<", "<=", ">", ">="] = "<"
    value: float = 0.0
    consecutive: int = Field(1, ge=1)


class AlertEntry(RecordModel):
    """One alert of the last run."""

    window: str
    kind: str = Field(..., description="drift, score_drift, label_drift, performance, concept_drift, trigger")
    message: str


class LastRun(RecordModel):
    """What the last monitoring run covered and found."""

    when: str | None = None
    reference: str | None = None
    n_reference: int | None = None
    n_current: int | None = None
    windows: int | None = None
    first_window: str | None = None
    last_window: str | None = None
    drifted_features: dict[str, str] = Field(default_factory=dict, description="feature -> first window it drifted")
    concept_drift_from: str | None = None
    triggers_fired: dict[str, str] = Field(default_factory=dict, description="trigger text -> first window it fired")
    expected_chance_alerts: float | None = None
    summary: str | None = None
    new_classes: dict[str, str] = Field(default_factory=dict, description="Multiclass: label values the model has no class for -> first window.")
    task: str | None = Field(None, description="binary, multiclass or regression (None: binary).")
    reference_metrics: dict[str, float] = Field(default_factory=dict, description="Task regression: mae, rmse on the reference.")


class MonitoringSection(Section):
    """What is monitored, how, which triggers mean 'retrain', and what the last run found."""

    task: str | None = Field(None, description="binary, multiclass or regression (None: binary).")
    reference_description: str | None = Field(None, description="Which data is the reference (e.g. validation 2025-04..05).")
    window: str | None = Field(None, description="Window size: day, week, month or 'N rows'.")
    features: list[str] = Field(default_factory=list)
    threshold_mode: Literal["fixed", "band"] = Field("fixed", description="Fixed thresholds or a band learned from the reference.")
    drift_methods: dict[str, str] = Field(default_factory=dict, description="feature -> method (ks, wasserstein, ...).")
    drift_thresholds: dict[str, float] = Field(default_factory=dict, description="feature -> threshold used.")
    triggers: list[TriggerSpec] = Field(default_factory=list, description="Retraining triggers, evaluated per window.")
    suggested_action: str | None = None
    last_run: LastRun | None = None
    alerts: list[AlertEntry] = Field(default_factory=list, description="Alerts of the last run.")

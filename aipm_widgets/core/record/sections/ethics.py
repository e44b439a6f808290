"""The ``ethics`` section of the decision record (stage 2b: fairness audit and ethics checklist).

``fairness`` holds the audit's findings as measured (threshold, group columns, per-group rates with
intervals, four-fifths result, summary gaps, warnings); ``team_response`` is what the team decided to do
about them, in its own words. ``checklists`` holds the ethics checklist's state, keyed by checklist id.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...checklists.checklist import ChecklistState
from ._base import RecordModel, Section


class FairnessFindings(RecordModel):
    """A fairness audit as saved (every field optional, so older records still load)."""

    dataset: str | None = Field(None, description="Which data and model were audited.")
    label_column: str | None = None
    score_column: str | None = None
    threshold: float | None = None
    group_columns: list[str] = Field(default_factory=list)
    reference: str | None = Field(None, description="The group the others are compared with.")
    groups: list[dict[str, Any]] = Field(default_factory=list, description="Per group: n, rates and 95% intervals.")
    demographic_parity_difference: float | None = None
    equalized_odds_difference: float | None = None
    four_fifths: dict[str, Any] | None = Field(None, description="ratio, passed, group, reference, interval.")
    flagged_groups: list[str] = Field(default_factory=list, description="Groups failing the four-fifths rule.")
    warnings: list[str] = Field(default_factory=list, description="Small groups, groups without positives, ...")
    findings: list[str] = Field(default_factory=list, description="The audit's conclusions in plain sentences.")
    # Multiclass and regression audits (records without these fields load as the binary audit).
    task: str | None = Field(None, description="binary, multiclass or regression (None: binary, as records before it).")
    prediction_column: str | None = Field(None, description="Multiclass and regression: the model's prediction column.")
    classes: list[str] | None = Field(None, description="Multiclass: the classes, for the per-group share routed to each.")
    selection: list[dict[str, Any]] | None = Field(
        None, description="Multiclass: per group and class, the share of rows routed to the class with its interval.")
    tolerance: dict[str, Any] | None = Field(None, description="Regression: kind (relative|absolute), value, text.")
    unit: str | None = Field(None, description="Regression: the unit of the estimates.")


class EthicsSection(Section):
    """Decisions of stage 2b: the fairness audit, the team's response and the ethics checklist."""

    fairness: FairnessFindings | None = None
    team_response: str | None = Field(None, description="What the team will do about the findings, and who owns it.")
    checklists: dict[str, ChecklistState] = Field(default_factory=dict, description="Checklist states by checklist id (ethics, ...).")

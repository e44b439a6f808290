"""The ``expectations`` section of the decision record (stage 2a: the stakeholder one-pager).

``one_pager`` holds what stakeholders were told: what the model does and does not do, its known failure
modes, the threshold and what happens on each side of it, and the error rates with their intervals, as
measured (``source`` says where the numbers came from). ``checklists`` holds the state of the
stakeholder-expectations checklist (and any other checklist saved here), keyed by checklist id.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...checklists.checklist import ChecklistState
from ._base import RecordModel, Section


class OnePagerContent(RecordModel):
    """The stakeholder one-pager as agreed (every field optional, so older records still load)."""

    title: str | None = None
    does: list[str] = Field(default_factory=list, description="What the model does, one sentence each.")
    does_not: list[str] = Field(default_factory=list, description="What it does not do (limits people may assume away).")
    failure_modes: list[str] = Field(default_factory=list, description="Known ways it fails, and for whom.")
    threshold: float | None = Field(
        None, description="The score at and above which the model acts (multiclass: the confidence threshold).")
    above_threshold: str | None = Field(None, description="What happens at or above the threshold.")
    below_threshold: str | None = Field(None, description="What happens below it (who reviews, what passes).")
    error_rates: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="precision, recall, fpr, ... (multiclass: automation_rate, accuracy_automated; "
        "regression: within_tolerance, mae, too_low, too_high): {value, low, high, sentence, kind, unit}."
    )
    natural_frequencies: dict[str, Any] | None = Field(None, description="per, positives, caught, missed, false_alarms.")
    source: str | None = Field(None, description="Which data and stage the numbers were measured on.")
    exported: list[str] = Field(default_factory=list, description="Files the one-pager was exported to.")
    # Multiclass and regression one-pagers (records without these fields load as the binary one-pager).
    task: str | None = Field(None, description="binary, multiclass or regression (None: binary, as records before it).")
    provisional: bool | None = Field(
        None, description="True when the numbers are at a threshold (or tolerance) stage 4 had not decided yet.")
    per_class: dict[str, dict[str, Any]] | None = Field(
        None, description="Multiclass: per class rows, routed automatically and recall of those, with intervals.")
    tolerance: dict[str, Any] | None = Field(None, description="Regression: kind (relative|absolute), value, text.")
    unit: str | None = Field(None, description="Regression: the unit of the estimates (minutes, MWh).")
    offset: float | None = Field(None, description="Regression: added to every estimate (stage 4's offset).")


class ExpectationsSection(Section):
    """Decisions of stage 2a: the stakeholder one-pager and the stakeholder-expectations checklist."""

    one_pager: OnePagerContent | None = None
    checklists: dict[str, ChecklistState] = Field(
        default_factory=dict, description="Checklist states by checklist id (stakeholder_expectations, ...)."
    )

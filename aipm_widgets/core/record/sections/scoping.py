"""The ``scoping`` section of the decision record (stage 1, use-case scoping).

Holds the chosen use case with its criterion scores (1-5), evidence notes, value range and verdict,
every compared candidate's verdict, and the scoping checklist (``checklists['use_case_scoping']``).
Written by :class:`aipm_widgets.widgets.scoping.canvas.ScopingCanvas`; read by ``aipm scope``.
"""

from __future__ import annotations

from pydantic import Field

from ...checklists.checklist import ChecklistState
from ._base import RecordModel, Section


class ValueRange(RecordModel):
    """An estimated business value: a range with its unit (a point estimate hides the uncertainty)."""

    low: float | None = None
    high: float | None = None
    unit: str | None = Field(None, description="e.g. 'EUR per year in prevented losses'.")


class CandidateVerdict(RecordModel):
    """One compared candidate use case and its verdict."""

    id: str
    name: str | None = None
    verdict: str | None = Field(None, description="strong_ai_candidate, start_with_rules, data_first, not_an_ai_problem.")
    verdict_label: str | None = None
    rank: int | None = Field(None, ge=1)
    composite: float | None = Field(None, description="Weighted score 0-100 used for the ranking.")
    composite_low: float | None = Field(None, description="10th percentile when every score may be off by one.")
    composite_high: float | None = Field(None, description="90th percentile when every score may be off by one.")
    verdict_stability: float | None = Field(None, description="Share of +/-1 re-scorings that keep the verdict.")
    ranked_first_share: float | None = Field(None, description="Share of joint +/-1 re-scorings ranking it first.")
    scores: dict[str, int] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)
    value: ValueRange | None = None
    description: str | None = None
    warnings: list[str] = Field(default_factory=list)


class ScopingSection(Section):
    """Decisions of the scoping stage: which use case, why, and how sure."""

    chosen: str | None = Field(None, description="Id of the chosen candidate use case.")
    use_case: str | None = Field(None, description="The chosen use case's name.")
    description: str | None = None
    value: ValueRange | None = None
    scores: dict[str, int] = Field(default_factory=dict, description="Criterion -> score 1-5 (ethical_risk: 5 = high).")
    evidence: dict[str, str] = Field(default_factory=dict, description="Criterion -> the evidence behind the score.")
    verdict: str | None = Field(None, description="strong_ai_candidate, start_with_rules, data_first, not_an_ai_problem.")
    verdict_label: str | None = None
    reasons: list[str] = Field(default_factory=list, description="Why the verdict, one sentence each.")
    warnings: list[str] = Field(default_factory=list, description="Flags such as high ethical risk.")
    robustness: dict | None = Field(None, description="How the verdict changes if a score is off by one.")
    candidates: list[CandidateVerdict] = Field(default_factory=list, description="Every compared candidate, ranked.")
    checklists: dict[str, ChecklistState] = Field(default_factory=dict, description="Checklists of this stage by key.")

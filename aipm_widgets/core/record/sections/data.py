"""The ``data`` section of the decision record (stage 3, data assessment).

Monitoring (stage 5) reads ``spec`` and validates production data against it with
:func:`aipm_widgets.core.assessment.spec.validate`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from ._base import RecordModel, Section


class IssueRecord(RecordModel):
    """One data problem found, as saved: which check, where, how many rows, how bad."""

    key: str = Field(..., description="check:column, stable across runs (waivers refer to it).")
    check: str
    column: str | None = None
    severity: str = Field("info", description="blocker, warning or info.")
    count: int = 0
    share: float | None = None
    message: str = ""
    action: str = ""


class Waiver(RecordModel):
    """An issue the team accepted or waived, with the reason."""

    key: str = Field(..., description="The issue's key (check:column).")
    decision: str = Field("accepted", description="accepted (known, will live with it) or waived (not a problem here).")
    note: str = Field("", description="Why, in the team's words.")
    who: str | None = None
    when: datetime | None = None


class DataSection(Section):
    """The data assessment: the data spec, the issues with severity, waivers, and the evidence behind them."""

    source: str | None = Field(None, description="Which data was assessed (file name or description).")
    rows: int | None = None
    columns: int | None = None
    label_column: str | None = None
    id_column: str | None = None
    time_column: str | None = None
    readiness: str | None = Field(None, description="ready, ready with warnings, or not ready.")
    spec: dict | None = Field(None, description="The data spec (per column: kind, range, allowed values, nulls, unique).")
    issues: list[IssueRecord] = Field(default_factory=list, description="Problems found, blockers first.")
    waivers: list[Waiver] = Field(default_factory=list, description="Issues accepted or waived, with notes.")
    label_noise: dict | None = Field(None, description="Estimated share of wrong labels with its interval.")
    representativeness: dict | None = Field(None, description="Group shares against the population; goodness of fit.")
    labels_needed: dict | None = Field(None, description="Learning curve and labels needed for the target metric.")
    report_path: str | None = Field(None, description="Where the full (evidently) data report was saved.")
    checklists: dict[str, Any] = Field(
        default_factory=dict, description="Checklist states by key; 'datasheet' holds the Datasheets-for-datasets answers."
    )

"""What every section of the decision record has in common."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ...model import RecordModel

StageStatus = Literal["not_started", "in_progress", "decided", "needs_review"]


class Section(RecordModel):
    """A stage's section: its state, when it was decided and by whom, plus the stage's own fields."""

    status: StageStatus = Field("not_started", description="Where the stage stands.")
    decided_at: datetime | None = Field(None, description="When the stage's decision was last saved.")
    decided_by: str | None = Field(None, description="Who saved it, if known.")
    summary: str | None = Field(None, description="The decision in one or two plain sentences.")

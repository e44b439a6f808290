"""What every section of the decision record has in common."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

StageStatus = Literal["not_started", "in_progress", "decided", "needs_review"]


class RecordModel(BaseModel):
    """Base for every model in the record: unknown fields are kept, never dropped.

    A record written by a colleague's newer notebook (same schema version) or edited by hand may carry
    fields this version does not know; they round-trip untouched.
    """

    model_config = ConfigDict(extra="allow", validate_assignment=True, populate_by_name=True)


class Section(RecordModel):
    """A stage's section: its state, when it was decided and by whom, plus the stage's own fields."""

    status: StageStatus = Field("not_started", description="Where the stage stands.")
    decided_at: datetime | None = Field(None, description="When the stage's decision was last saved.")
    decided_by: str | None = Field(None, description="Who saved it, if known.")
    summary: str | None = Field(None, description="The decision in one or two plain sentences.")

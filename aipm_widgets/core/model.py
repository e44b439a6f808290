"""The base of every model stored in the decision record (kept outside ``sections`` so any core module,
such as the checklist whose state the sections embed, can use it without an import cycle)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["RecordModel"]


class RecordModel(BaseModel):
    """Base for every model in the record: unknown fields are kept, never dropped.

    A record written by a colleague's newer notebook (same schema version) or edited by hand may carry
    fields this version does not know; they round-trip untouched.
    """

    model_config = ConfigDict(extra="allow", validate_assignment=True, populate_by_name=True)

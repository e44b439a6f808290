"""The ``expectations`` section of the decision record."""

from __future__ import annotations

from ._base import Section


class ExpectationsSection(Section):
    """Decisions of the expectations stage. Stage-specific fields are added by that stage."""

"""The ``data`` section of the decision record."""

from __future__ import annotations

from ._base import Section


class DataSection(Section):
    """Decisions of the data stage. Stage-specific fields are added by that stage."""

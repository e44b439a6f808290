"""The ``scoping`` section of the decision record."""

from __future__ import annotations

from ._base import Section


class ScopingSection(Section):
    """Decisions of the scoping stage. Stage-specific fields are added by that stage."""

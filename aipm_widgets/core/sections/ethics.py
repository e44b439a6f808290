"""The ``ethics`` section of the decision record."""

from __future__ import annotations

from ._base import Section


class EthicsSection(Section):
    """Decisions of the ethics stage. Stage-specific fields are added by that stage."""

"""The ``metrics`` section of the decision record."""

from __future__ import annotations

from ._base import Section


class MetricsSection(Section):
    """Decisions of the metrics stage. Stage-specific fields are added by that stage."""

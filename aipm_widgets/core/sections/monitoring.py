"""The ``monitoring`` section of the decision record."""

from __future__ import annotations

from ._base import Section


class MonitoringSection(Section):
    """Decisions of the monitoring stage. Stage-specific fields are added by that stage."""

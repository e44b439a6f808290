"""Section models of the decision record, one module per stage (each stage owns its module)."""

from ._base import RecordModel, Section, StageStatus
from .data import DataSection
from .ethics import EthicsSection
from .expectations import ExpectationsSection
from .metrics import MetricsSection
from .monitoring import MonitoringSection
from .scoping import ScopingSection

SECTION_MODELS = {
    "scoping": ScopingSection,
    "expectations": ExpectationsSection,
    "ethics": EthicsSection,
    "data": DataSection,
    "metrics": MetricsSection,
    "monitoring": MonitoringSection,
}
"""The stage sections in lifecycle order (expectations and ethics are both stage 2)."""

__all__ = [
    "RecordModel",
    "Section",
    "StageStatus",
    "SECTION_MODELS",
    "ScopingSection",
    "ExpectationsSection",
    "EthicsSection",
    "DataSection",
    "MetricsSection",
    "MonitoringSection",
]

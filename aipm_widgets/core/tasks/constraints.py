"""Product constraints on the operating point, parsed safely (a small grammar, never ``eval``).

A constraint is ``METRIC OP NUMBER`` with ``OP`` one of ``>= <= > <`` and the number optionally a percentage:
``recall>=0.95``, ``fnr <= 5%``, ``precision>=0.8``, ``alerts_per_day<=300``, ``cost_per_1000 <= 400``.

Examples
--------
>>> c = parse_constraint("fnr <= 5%")
>>> c.metric, c.op, c.bound, c.text
('fnr', '<=', 0.05, 'fnr<=0.05')
>>> c.shortfall(0.08) > 0, c.satisfied(0.04)
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..errors import InputDataError

__all__ = ["Constraint", "parse_constraint", "parse_constraints", "METRICS", "ALIASES", "CONSTRAINT_SYNTAX"]

PROPORTION_METRICS = {"precision", "recall", "specificity", "fpr", "fnr", "f1", "f_beta", "accuracy", "alert_rate"}
COUNT_METRICS = {"alerts_per_day", "alerts_per_month", "cost_per_1000", "cost_per_month"}
METRICS = PROPORTION_METRICS | COUNT_METRICS
ALIASES = {
    "tpr": "recall", "sensitivity": "recall", "catch_rate": "recall", "ppv": "precision", "tnr": "specificity",
    "miss_rate": "fnr", "false_negative_rate": "fnr", "false_positive_rate": "fpr", "fbeta": "f_beta",
}
_OPS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "=>": ">=", "=<": "<=", "\u2265": ">=", "\u2264": "<="}
_PATTERN = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|=>|=<|>|<|\u2265|\u2264)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$"
)
CONSTRAINT_SYNTAX = (
    "Write a constraint as METRIC OP NUMBER, e.g. 'recall>=0.95', 'fnr<=5%', 'precision>=0.8' or "
    "'alerts_per_day<=300'. METRIC is one of: " + ", ".join(sorted(METRICS)) + "; OP is >=, <=, > or <."
)


@dataclass(frozen=True)
class Constraint:
    """One parsed constraint."""

    metric: str
    op: str
    bound: float
    source: str = ""

    @property
    def text(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"

    @property
    def is_lower_bound(self) -> bool:
        return self.op in (">=", ">")

    def satisfied(self, value):
        """True where the metric value meets the constraint (NaN never does); vectorised."""
        value = np.asarray(value, dtype=float)
        with np.errstate(invalid="ignore"):
            ok = {">=": value >= self.bound, "<=": value <= self.bound, ">": value > self.bound, "<": value < self.bound}[self.op]
        ok = ok & np.isfinite(value)
        return bool(ok) if ok.ndim == 0 else ok

    def shortfall(self, value):
        """How far the value is from meeting the constraint, in the metric's units (0 when met; inf for NaN)."""
        value = np.asarray(value, dtype=float)
        gap = self.bound - value if self.is_lower_bound else value - self.bound
        gap = np.where(np.isfinite(value), np.clip(gap, 0, None), np.inf)
        return float(gap) if gap.ndim == 0 else gap

    def scaled_shortfall(self, value):
        """Shortfall on a comparable scale: absolute for proportions, relative to the bound for counts and money."""
        gap = self.shortfall(value)
        if self.metric in PROPORTION_METRICS:
            return gap
        return gap / max(abs(self.bound), 1e-12)


def parse_constraint(text: str) -> Constraint:
    """Parse one constraint or raise :class:`InputDataError` saying what is wrong and how to write it."""
    if isinstance(text, Constraint):
        return text
    if not isinstance(text, str) or not text.strip():
        raise InputDataError(f"Empty constraint. {CONSTRAINT_SYNTAX}")
    if len(text) > 200:
        raise InputDataError(f"The constraint is too long ({len(text)} characters). {CONSTRAINT_SYNTAX}")
    m = _PATTERN.match(text)
    if not m:
        raise InputDataError(f"Could not read the constraint {text.strip()!r}. {CONSTRAINT_SYNTAX}")
    name, op, number, percent = m.groups()
    metric = ALIASES.get(name.lower(), name.lower())
    if metric not in METRICS:
        raise InputDataError(f"Unknown metric {name!r} in the constraint {text.strip()!r}. {CONSTRAINT_SYNTAX}")
    bound = float(number) / (100.0 if percent else 1.0)
    if metric in PROPORTION_METRICS and not 0 <= bound <= 1:
        raise InputDataError(
            f"In {text.strip()!r}, {metric} is a share between 0 and 1; write {bound / 100:g} or {bound:g}% instead."
        )
    return Constraint(metric, _OPS[op], bound, text.strip())


def parse_constraints(texts: Iterable[str] | str | None) -> list[Constraint]:
    """Parse several constraints (a list, or one string with constraints separated by commas or 'and')."""
    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [t for t in re.split(r",|;|\band\b", texts) if t.strip()]
    return [parse_constraint(t) for t in texts]

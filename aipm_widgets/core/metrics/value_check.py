"""Stage 1's value estimate checked against stage 4's measured money, once both exist.

Stage 1 (use-case scoping) guesses what the product is worth as a range ("1.2 to 2.5 M EUR a year in prevented
losses"); stage 4 (metric selection) measures it at the decided threshold with the one money model
(:meth:`aipm_widgets.core.metrics.costs.Costs.parts`), with a bootstrap interval. When the measured interval and the
guessed range do not overlap, one of the two stories is wrong, and the page and the brief say so.

Examples
--------
>>> from aipm_widgets.core.stats.rates import Estimate
>>> c = compare_value(1.2e6, 2.5e6, "EUR per year in prevented losses",
...                   prevented_per_month=Estimate(3e5, 2.5e5, 4e5), net_per_month=Estimate(2e5, 1e5, 3e5), currency="EUR")
>>> c.agrees
False
>>> print(c.sentence())
Stage 1 estimated EUR 1,200,000 to EUR 2,500,000 a year in prevented losses; stage 4 measures EUR 3,600,000 (EUR 3,000,000 to EUR 4,800,000) a year at the decided threshold. They disagree by more than their ranges: revisit stage 1's estimate, or check the volume and costs used in stage 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..text import format as fmt
from ..stats.rates import Estimate

__all__ = ["ValueCheck", "compare_value", "value_check"]


@dataclass(frozen=True)
class ValueCheck:
    """Stage 1's range and stage 4's measured figure, both per year, and whether they overlap."""

    low: float | None
    high: float | None
    unit: str
    measured: Estimate
    measure: str  # "prevented" or "net_value"
    currency: str | None
    assumed_per_year: bool

    @property
    def agrees(self) -> bool | None:
        m = self.measured
        if m.low is None or m.high is None:
            return None
        lo = self.low if self.low is not None else float("-inf")
        hi = self.high if self.high is not None else float("inf")
        return not (m.low > hi or m.high < lo)

    def sentence(self) -> str:
        money = lambda x: fmt.money(x, self.currency)  # noqa: E731
        what = "in prevented losses" if self.measure == "prevented" else "in net value (prevented losses minus false-alarm cost)"
        stage1 = fmt.interval(self.low, self.high, money) if self.low is not None and self.high is not None else (
            money(self.low if self.low is not None else self.high))
        m = self.measured
        text = (f"Stage 1 estimated {stage1} a year {what}; stage 4 measures "
                f"{fmt.estimate(m.value, m.low, m.high, money)} a year at the decided threshold.")
        if self.assumed_per_year:
            text += f" (Stage 1's unit {self.unit!r} names no period; read as a year.)"
        if self.agrees is None:
            return text + " The measured figure has no interval, so they cannot be compared."
        if self.agrees:
            return text + " They agree within their ranges."
        return text + (" They disagree by more than their ranges: revisit stage 1's estimate, or check the volume "
                       "and costs used in stage 4.")

    def to_json(self) -> dict:
        return {"stage1": {"low": self.low, "high": self.high, "unit": self.unit},
                "measured_per_year": self.measured.to_record(), "measure": self.measure, "currency": self.currency,
                "agrees": self.agrees, "sentence": self.sentence()}


def _per_year(e: Estimate) -> Estimate:
    f = lambda x: None if x is None else 12 * x  # noqa: E731
    return Estimate(f(e.value), f(e.low), f(e.high), e.method)


def compare_value(low: float | None, high: float | None, unit: str | None, *, prevented_per_month: Estimate,
                  net_per_month: Estimate | None = None, currency: str | None = None) -> ValueCheck:
    """Compare a stage 1 range (per year, or per month when its unit says so) with stage 4's monthly money."""
    unit = unit or ""
    u = unit.lower()
    measure = "prevented" if ("prevent" in u or "loss" in u or net_per_month is None) else "net_value"
    monthly = prevented_per_month if measure == "prevented" else net_per_month
    per_month_unit = "month" in u and "year" not in u
    factor = 12 if per_month_unit else 1
    lo = None if low is None else float(low) * factor
    hi = None if high is None else float(high) * factor
    assumed = not any(w in u for w in ("year", "annual", "month", "/yr", "p.a."))
    return ValueCheck(lo, hi, unit, _per_year(monthly), measure, currency, assumed)


def _estimate(d: Any) -> Estimate | None:
    if not isinstance(d, dict) or d.get("value") is None:
        return None
    return Estimate(d.get("value"), d.get("low"), d.get("high"), d.get("method"))


def value_check(record: Any) -> ValueCheck | None:
    """The check on a decision record, or None until stage 1 has a value range and stage 4 saved its money."""
    scoping, metrics = getattr(record, "scoping", None), getattr(record, "metrics", None)
    value = getattr(scoping, "value", None)
    money = getattr(metrics, "money", None)
    if value is None or (value.low is None and value.high is None) or not isinstance(money, dict):
        return None
    per_month = money.get("per_month") or {}
    prevented = _estimate(per_month.get("prevented"))
    if prevented is None:
        return None
    costs = getattr(metrics, "costs", None)
    project = getattr(record, "project", None)
    currency = (money.get("currency") or getattr(costs, "currency", None) or getattr(value, "currency", None)
                or getattr(project, "currency", None))
    return compare_value(value.low, value.high, value.unit, prevented_per_month=prevented,
                         net_per_month=_estimate(per_month.get("net_value")), currency=currency)

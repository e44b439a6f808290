"""Small statistical building blocks shared by every stage: intervals and natural frequencies.

Examples
--------
>>> lo, hi = wilson_interval(16, 18)
>>> round(float(lo), 3), round(float(hi), 3)
(0.672, 0.969)
>>> natural_frequencies(tp=16, fp=25, tn=957, fn=2).sentence()
'Out of every 1,000 cases: 18 are positive; 16 caught, 2 missed; 25 false alarms.'
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

__all__ = ["wilson_interval", "NaturalFrequencies", "natural_frequencies", "SMALL_COUNT", "z_quantile"]

SMALL_COUNT = 10
"""Below this many events (or non-events) in a denominator, an interval is too wide to decide on."""


def z_quantile(confidence: float = 0.95) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.96 for 0.95).

    The same value as ``scipy.stats.norm.ppf(0.5 + confidence / 2)`` to within 1e-15, from the standard
    library: importing scipy.stats costs about a second, and every widget needs this number.
    """
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson score interval for a proportion ``k / n`` (vectorized).

    Returns ``(low, high)``; where ``n == 0`` both are NaN. Matches
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = z_quantile(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
        # All or none: the interval ends exactly at 1 or 0 (float rounding left 0.9999999999999999 under a 100 %).
        high = np.where((n > 0) & (k >= n), 1.0, high)
        low = np.where((n > 0) & (k <= 0), 0.0, low)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


@dataclass(frozen=True)
class NaturalFrequencies:
    """Confusion counts rescaled to "out of every N cases" (rounded for people, not for arithmetic)."""

    per: int
    positives: int
    caught: int
    missed: int
    false_alarms: int
    negatives: int
    unit: str = "cases"
    positive_name: str = "positive"

    def sentence(self) -> str:
        return (
            f"Out of every {self.per:,} {self.unit}: {self.positives:,} are {self.positive_name}; "
            f"{self.caught:,} caught, {self.missed:,} missed; {self.false_alarms:,} false alarm"
            f"{'' if self.false_alarms == 1 else 's'}."
        )

    def __str__(self) -> str:
        return self.sentence()


def _round_preserving_total(values: list[float], total: int) -> list[int]:
    floors = [int(np.floor(v)) for v in values]
    remainder = total - sum(floors)
    order = np.argsort([-(v - f) for v, f in zip(values, floors)], kind="stable")
    for i in order[: max(remainder, 0)]:
        floors[i] += 1
    return floors


def natural_frequencies(
    tp: float, fp: float, tn: float, fn: float, *, per: int = 1000, unit: str = "cases", positive_name: str = "positive"
) -> NaturalFrequencies:
    """Rescale confusion counts to ``per`` cases, rounding so the four parts add up to ``per``."""
    total = tp + fp + tn + fn
    if total <= 0:
        raise ValueError("natural frequencies need at least one case")
    tp_, fp_, tn_, fn_ = _round_preserving_total([x * per / total for x in (tp, fp, tn, fn)], per)
    return NaturalFrequencies(per, tp_ + fn_, tp_, fn_, fp_, tn_ + fp_, unit, positive_name)

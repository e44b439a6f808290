"""Stage 3 for a forecast: the target's distribution and its outliers, in words.

Outliers follow Tukey's fences: beyond ``Q1 - 3 IQR`` or ``Q3 + 3 IQR`` ("far out"); such rows dominate RMSE
and deserve a look (a data error, or a real but rare case the product must handle).

Examples
--------
>>> p = profile_target(np.r_[np.arange(1, 101), 10_000], name="price", unit="EUR")
>>> p.n_outliers, p.high_fence < 10_000
(1, True)
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..text import format as fmt
from ..tasks.forecast import regression_values

__all__ = ["TargetProfile", "profile_target", "FENCE"]

FENCE = 3.0


@dataclass
class TargetProfile:
    """Summary of a numeric target: quantiles, spread, skew, zeros, negatives and far-out values."""

    name: str
    unit: str
    n: int
    mean: float
    sd: float
    quantiles: dict[str, float]
    skew: float
    n_zero: int
    n_negative: int
    low_fence: float
    high_fence: float
    n_outliers: int
    outlier_examples: list[float] = field(default_factory=list)
    histogram: dict[str, list[float]] = field(default_factory=dict)

    def findings(self) -> list[str]:
        u = lambda x: f"{fmt.number(x, 1)} {self.unit}"  # noqa: E731
        q = self.quantiles
        out = [f"{self.name}: {fmt.count(self.n)} values, median {u(q['50%'])}, middle half {u(q['25%'])} to {u(q['75%'])}, "
               f"1% to 99% range {u(q['1%'])} to {u(q['99%'])}."]
        if abs(self.skew) >= 1:
            out.append(f"The distribution is skewed ({'long right tail' if self.skew > 0 else 'long left tail'}, skew "
                       f"{fmt.number(self.skew, 1)}): the RMSE will be driven by the tail; the MAE and the share within a "
                       "tolerance describe the typical case better.")
        if self.n_outliers:
            ex = ", ".join(u(v) for v in self.outlier_examples[:5])
            out.append(f"{fmt.count(self.n_outliers)} far-out values ({fmt.percent(self.n_outliers / self.n)}) beyond "
                       f"{u(self.low_fence)} to {u(self.high_fence)} (e.g. {ex}): check whether they are data errors.")
        if self.n_zero:
            out.append(f"{fmt.count(self.n_zero)} values are exactly 0: percentage errors (MAPE, a '±10%' tolerance) "
                       "are undefined there; prefer a tolerance in units.")
        if self.n_negative:
            out.append(f"{fmt.count(self.n_negative)} values are negative: check that the target can be negative.")
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["findings"] = self.findings()
        return d

    def _repr_html_(self) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in self.findings()) + "</ul>"

    def __str__(self) -> str:
        return "\n".join(self.findings())


def profile_target(values: Any, *, name: str = "label", unit: str = "units", bins: int = 40) -> TargetProfile:
    """Profile a numeric target column (missing values, text or infinities raise a clear error)."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    y = regression_values(s.dropna(), name=name)
    qs = np.quantile(y, [0.01, 0.25, 0.5, 0.75, 0.99])
    iqr = qs[3] - qs[1]
    lo, hi = qs[1] - FENCE * iqr, qs[3] + FENCE * iqr
    far = (y < lo) | (y > hi)
    sd = float(np.std(y, ddof=1)) if len(y) > 1 else float("nan")
    skew = float(np.mean(((y - y.mean()) / sd) ** 3)) if sd and math.isfinite(sd) and sd > 0 else 0.0
    ordered = np.sort(y[far])[::-1] if far.any() else np.array([])
    counts, edges = np.histogram(y, bins=bins, range=(qs[0], qs[4]) if qs[4] > qs[0] else None)
    return TargetProfile(
        name=name, unit=unit, n=int(len(y)), mean=float(y.mean()), sd=sd,
        quantiles=dict(zip(["1%", "25%", "50%", "75%", "99%"], map(float, qs))), skew=skew,
        n_zero=int((y == 0).sum()), n_negative=int((y < 0).sum()), low_fence=float(lo), high_fence=float(hi),
        n_outliers=int(far.sum()), outlier_examples=[float(v) for v in ordered[:10]],
        histogram={"counts": counts.astype(int).tolist(), "edges": edges.tolist()},
    )

"""Representativeness: does the data look like the population the product will serve?

Group shares in the data are compared with population shares (entered by the team or taken from a
reference table): a table, a chi-square goodness-of-fit test, the most under-represented groups, and
per group the rows available against the rows needed to measure the key metric to a chosen precision.

The sample-size arithmetic: a proportion ``p`` measured on ``n`` cases has a 95% interval about
``2 * 1.96 * sqrt(p (1 - p) / n)`` wide, so a target width ``w`` needs ``n = (2 * 1.96)^2 p (1 - p) / w^2``
cases. When the metric is measured on positives only (recall), rows needed = cases needed / positive rate.

Examples
--------
>>> import pandas as pd
>>> groups = pd.Series(["a"] * 80 + ["b"] * 20)
>>> rep = compare_shares(groups, {"a": 0.6, "b": 0.4})
>>> rep.table["group"].tolist(), rep.most_under_represented()
(['a', 'b'], ['b'])
>>> rows_needed(width=0.1, metric=0.5)
385
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import InputDataError
from ..text.format import count, number, p_value, percent
from ..io.inputs import group_labels
from ..stats.intervals import z_quantile

__all__ = ["Representativeness", "compare_shares", "shares_from_reference", "rows_needed", "sample_size_table"]


def rows_needed(*, width: float, metric: float = 0.5, rate: float = 1.0, confidence: float = 0.95) -> int:
    """Rows needed for a ``confidence`` interval of total ``width`` on a proportion near ``metric``.

    ``rate`` is the share of rows the metric is computed on (the positive rate for recall; 1 for accuracy
    or alert rate).
    """
    if not 0 < width < 1:
        raise InputDataError(f"The target interval width must be between 0 and 1 (e.g. 0.1 for +/- 5 points), not {width}.")
    if not 0 < rate <= 1:
        raise InputDataError(f"The share of rows the metric is measured on must be in (0, 1], not {rate}.")
    z = z_quantile(confidence)
    cases = (2 * z) ** 2 * metric * (1 - metric) / width**2
    return int(math.ceil(cases / rate))


def sample_size_table(
    counts: dict[str, int], *, width: float, metric: float = 0.5, rate: float = 1.0, confidence: float = 0.95
) -> pd.DataFrame:
    """Per group: rows available, rows needed, and the interval width the available rows give."""
    need = rows_needed(width=width, metric=metric, rate=rate, confidence=confidence)
    z = z_quantile(confidence)
    rows = []
    for g, n in counts.items():
        cases = n * rate
        achieved = 2 * z * math.sqrt(metric * (1 - metric) / cases) if cases > 0 else float("inf")
        rows.append({
            "group": g, "rows available": int(n), "rows needed": need, "enough": bool(n >= need),
            "interval width with these rows": round(min(achieved, 1.0), 4),
        })
    return pd.DataFrame(rows)


def sample_size_arithmetic(*, width: float, metric: float = 0.5, rate: float = 1.0, confidence: float = 0.95) -> str:
    """The arithmetic behind :func:`rows_needed`, written out."""
    z = z_quantile(confidence)
    cases = (2 * z) ** 2 * metric * (1 - metric) / width**2
    text = (
        f"cases needed = (2 x {z:.2f})^2 x {number(metric, 2)} x (1 - {number(metric, 2)}) / {number(width, 2)}^2 = {count(cases)}"
    )
    if rate < 1:
        text += f"; rows needed = {count(cases)} / {percent(rate, 2)} (share of rows the metric counts) = {count(math.ceil(cases / rate))}"
    return text


@dataclass
class Representativeness:
    """Group shares in the data against the population, with a goodness-of-fit test."""

    table: pd.DataFrame
    chi2: float
    p_value: float
    dof: int
    column: str = "group"

    def most_under_represented(self, k: int = 3, *, below: float = 0.8) -> list[str]:
        """Groups whose data share is below ``below`` times their population share, worst first."""
        t = self.table[self.table["ratio"] < below].sort_values("ratio")
        return t["group"].head(k).tolist()

    def sentence(self) -> str:
        under = self.most_under_represented()
        verdict = (
            "The data's group shares differ from the population's more than chance explains"
            if self.p_value < 0.05 else "The data's group shares are consistent with the population's"
        )
        text = f"{verdict} (chi-square {number(self.chi2, 1)}, {self.dof} degrees of freedom, {p_value(self.p_value)})."
        if under:
            text += " Most under-represented: " + ", ".join(under) + "."
        return text

    def to_record(self) -> dict[str, Any]:
        return {
            "column": self.column, "chi2": round(self.chi2, 3), "p_value": float(f"{self.p_value:.4g}"),
            "under_represented": self.most_under_represented(),
            "groups": [{k: (round(v, 5) if isinstance(v, float) else v) for k, v in r.items()} for r in self.table.to_dict("records")],
        }

    def _repr_html_(self) -> str:
        from ..text.glossary import annotate_html

        return annotate_html(f"<p>{html.escape(self.sentence())}</p>" + self.table_html())

    def table_html(self) -> str:
        """The comparison table for a page: shares as percentages, counts with separators, no index."""
        from ..text.tables import frame_html

        return frame_html(self.table, formats={"data share": percent, "population share": percent,
                                               "expected rows": count, "ratio": lambda x: number(x, 2)})

    def __repr__(self) -> str:
        return f"Representativeness({self.sentence()!r})"


def shares_from_reference(reference: Any) -> dict[str, float]:
    """Population shares from a reference column (e.g. the customer base) or a ``{group: count}`` mapping."""
    if isinstance(reference, dict):
        counts = {str(k): float(v) for k, v in reference.items()}
    else:
        counts = pd.Series(group_labels(reference)).value_counts().astype(float).to_dict()
    total = sum(counts.values())
    if total <= 0:
        raise InputDataError("The reference shares add up to zero.")
    return {k: v / total for k, v in counts.items()}


def compare_shares(groups: Any, population: dict[str, float], *, column: str = "group") -> Representativeness:
    """Compare group shares in the data with population shares (they are normalised to sum to 1).

    Groups in the data but not in ``population`` are listed with population share 0 and left out of the
    test; population groups absent from the data get 0 rows (the worst under-representation).
    """
    g = pd.Series(group_labels(groups, name=column))
    counts = g.value_counts()
    pop = {str(k): float(v) for k, v in population.items()}
    if any(v < 0 for v in pop.values()) or sum(pop.values()) <= 0:
        raise InputDataError("Population shares must be non-negative and not all zero.")
    total_pop = sum(pop.values())
    pop = {k: v / total_pop for k, v in pop.items()}
    n = int(counts.sum())
    names = list(pop) + [k for k in counts.index if k not in pop]
    rows = []
    for name in names:
        k = int(counts.get(name, 0))
        share = k / n if n else 0.0
        p = pop.get(name, 0.0)
        rows.append({
            "group": name, "rows": k, "data share": share, "population share": p,
            "expected rows": p * n, "ratio": (share / p) if p > 0 else float("inf"),
        })
    table = pd.DataFrame(rows)
    tested = table[table["population share"] > 0]
    observed = tested["rows"].to_numpy(dtype=float)
    expected = tested["expected rows"].to_numpy(dtype=float)
    expected = expected * observed.sum() / expected.sum() if expected.sum() > 0 else expected
    if len(tested) < 2 or observed.sum() == 0:
        chi2, p_value = 0.0, 1.0
    else:
        # Pearson's chi-square and its upper tail from scipy.special (0.07 s to import) rather than
        # scipy.stats.chisquare (0.4 to 1 s, on every stage 3 page load); the same numbers, checked in
        # tests/test_assessment_core.py against scipy.stats.chisquare.
        from scipy.special import chdtrc

        chi2 = float(((observed - expected) ** 2 / expected).sum())
        p_value = float(chdtrc(len(tested) - 1, chi2))
    return Representativeness(table, chi2, p_value, max(len(tested) - 1, 0), column)

"""What to count for each watched column, decided from the in-memory reference before production is read.

A column is aggregated in one of three ways (its *mode*):

* ``keys``: a category (text, booleans): counts per (window, value as text). Exact.
* ``values``: a number with few distinct reference values (counts, ratings, hours; at most
  :data:`DISCRETE_MAX` of them, each seen :data:`MIN_REPEATS` times on average): counts per (window, value).
  Exact for every method, since the window's values can be rebuilt from the counts.
* ``bins``: any other number: counts and sums per (window, bin) at :data:`FINE_BINS` bins cut at the
  reference's quantiles, plus the mean overshoot below the reference's minimum and above its maximum. The
  Wasserstein distance from these is exact outside the reference's range and within each bin up to where the
  two distribution functions cross; :func:`aipm_widgets.core.monitoring.engines.finish.wasserstein_bound` gives the
  largest possible gap, stated beside each score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..drift import FEW_VALUES, SMALL_REFERENCE, _clean, _resolve_method, column_kind
from ...errors import InputDataError

__all__ = ["FeaturePlan", "plan_columns", "FINE_BINS", "DISCRETE_MAX", "MIN_REPEATS", "key_of"]

FINE_BINS = 2048
"""Quantile bins per continuous column. 52 windows x 20 columns x 2,048 bins is 2.1 million counts to collect."""
DISCRETE_MAX = 1000
MIN_REPEATS = 10

NEEDS_RAW_VALUES = (
    "{column!r}: the {engine} engine aggregates counts, and {method} on a continuous column needs every raw value "
    "({why}). Use --engine pandas on a sample, or choose --method wasserstein."
)


def key_of(value) -> str:
    """A category as the text the engines produce (``CAST(x AS VARCHAR)``): booleans as ``true``/``false``."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


@dataclass
class FeaturePlan:
    """How one column is counted; the reference side is already counted here."""

    name: str
    column: str
    kind: str  # "categorical" or "numeric"
    mode: str  # "keys", "values" or "bins"
    n_ref: int
    ref_values: np.ndarray  # keys: text; values: sorted distinct numbers; bins: the sorted reference
    ref_counts: np.ndarray | None = None
    edges: np.ndarray | None = None  # bins: the K cut points (reference min .. max)
    ref_std: float = 0.0
    clean_markers: bool = False  # treat null markers ('N/A', '?') as missing (features only)
    clean_sentinels: bool = False  # treat -999 and the like as missing (features only)
    method: str | None = None
    per_column_method: Mapping[str, str] | None = None
    threshold: float | None = None

    @property
    def rmin(self) -> float:
        return float(self.edges[0])

    @property
    def rmax(self) -> float:
        return float(self.edges[-1])


def plan_columns(
    reference: pd.DataFrame, columns: Sequence[str], *, names: Sequence[str] | None = None, engine: str,
    method: str | None = None, per_column_method: Mapping[str, str] | None = None, threshold: float | None = None,
    clean: bool = True, fine_bins: int = FINE_BINS,
) -> tuple[list[FeaturePlan], dict[str, str]]:
    """One plan per column that has reference values; the others are returned as ``{name: why skipped}``."""
    plans, skipped = [], {}
    for col, name in zip(columns, names or columns):
        ref = _clean(reference[col]).dropna()
        if ref.empty:
            skipped[name] = (f"{name!r} is empty in the reference (all values missing): it cannot be compared, so it "
                             "was skipped.")
            continue
        kind = column_kind(ref)
        common = dict(name=name, column=col, kind=kind, n_ref=len(ref), clean_markers=clean and kind == "categorical",
                      clean_sentinels=clean and kind == "numeric", method=method, per_column_method=per_column_method,
                      threshold=threshold)
        if kind == "categorical":
            keys = ref.map(key_of)
            vc = keys.value_counts()
            plans.append(FeaturePlan(mode="keys", ref_values=vc.index.to_numpy(object), ref_counts=vc.to_numpy(),
                                     **common))
            continue
        arr = np.sort(ref.to_numpy(float))
        uniq, cnt = np.unique(arr, return_counts=True)
        if len(uniq) <= FEW_VALUES or (len(uniq) <= DISCRETE_MAX and len(arr) >= MIN_REPEATS * len(uniq)):
            plans.append(FeaturePlan(mode="values", ref_values=uniq, ref_counts=cnt, ref_std=float(np.std(arr)), **common))
            continue
        chosen = _resolve_method(name, kind, len(arr), len(uniq), method, per_column_method)
        if chosen != "wasserstein":
            why = (f"the reference has {len(arr):,} rows, at most {SMALL_REFERENCE:,}, where K-S is the default"
                   if chosen == "ks" and method is None and not (per_column_method or {}).get(name)
                   else f"{chosen} was chosen")
            raise InputDataError(NEEDS_RAW_VALUES.format(column=name, engine=engine, method=chosen, why=why))
        edges = np.unique(np.quantile(arr, np.linspace(0, 1, fine_bins + 1)))  # includes min and max
        plans.append(FeaturePlan(mode="bins", ref_values=arr, edges=edges, ref_std=float(np.std(arr)), **common))
    return plans, skipped

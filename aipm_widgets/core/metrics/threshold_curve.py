"""Confusion counts at every threshold from one sort: the engine under the trade-off explorer.

A **threshold** turns a score into a decision: a row raises an **alert** when ``score >= threshold``.
:class:`ThresholdCurve` sorts the scores once and keeps the running count of positives, so the
confusion counts (TP, FP, TN, FN) at any threshold are one binary search away (``O(log n)``), and
at many thresholds one vectorised ``numpy.searchsorted``. An optional per-row value (e.g. the transaction
amount) is summed the same way, so "how much fraud value did we miss" is also one lookup.

Examples
--------
>>> import numpy as np
>>> curve = ThresholdCurve(np.array([0, 0, 1, 1, 0, 1]), np.array([0.1, 0.4, 0.35, 0.8, 0.8, 0.9]))
>>> curve.counts(0.4)
{'tp': 2, 'fp': 2, 'tn': 1, 'fn': 1}
>>> curve.counts(0.81)
{'tp': 1, 'fp': 0, 'tn': 3, 'fn': 2}
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..text.format import shortest_decimal_between

__all__ = ["ThresholdCurve", "DistinctThresholds"]


class DistinctThresholds:
    """Counts at every distinct threshold (ascending), plus one just above the highest score (alert on nothing)."""

    def __init__(self, thresholds, tp, fp, tn, fn, fn_value=None, fn_value_sq=None):
        self.thresholds = thresholds
        self.tp, self.fp, self.tn, self.fn = tp, fp, tn, fn
        self.fn_value, self.fn_value_sq = fn_value, fn_value_sq

    def __len__(self) -> int:
        return len(self.thresholds)


class ThresholdCurve:
    """Scores sorted once with cumulative positive counts; confusion counts at any threshold in ``O(log n)``.

    Parameters
    ----------
    y : ndarray of 0/1
        Checked binary labels (see :func:`aipm_widgets.core.io.inputs.binary_labels`).
    score : ndarray of float
        Checked finite scores (see :func:`aipm_widgets.core.io.inputs.scores`).
    value : ndarray of float, optional
        A non-negative value per row; the value of missed positives is summed (and its square, for intervals).

    Notes
    -----
    Memory: the sorted scores (8 bytes a row), the running positive count (4 bytes a row below 2**31 rows)
    and, with ``value``, two running sums (16 bytes a row). The sort's permutation is freed after use.
    """

    exact = True
    """Counts at every threshold are exact (:class:`~aipm_widgets.core.monitoring.engines.threshold_curve.BinnedThresholdCurve` is not)."""
    rows_left_out = 0
    """Rows of the source without a label or a finite score (set when the curve is read from Parquet or Spark)."""

    def __init__(self, y: np.ndarray, score: np.ndarray, value: np.ndarray | None = None) -> None:
        n = len(score)
        order = np.argsort(score)
        self.sorted_scores = score[order]
        count_dtype = np.int32 if n < 2**31 - 1 else np.int64
        ys = y[order]
        # positives_below[k]: positives among the k lowest scores (rows below a threshold at sorted index k).
        self.positives_below = np.empty(n + 1, dtype=count_dtype)
        self.positives_below[0] = 0
        np.cumsum(ys, dtype=count_dtype, out=self.positives_below[1:])
        self.value_below = self.value_sq_below = None
        if value is not None:
            pv = value[order]
            del order
            pv[ys != 1] = 0.0
            self.value_below = np.empty(n + 1)
            self.value_below[0] = 0.0
            np.cumsum(pv, out=self.value_below[1:])
            pv *= pv
            self.value_sq_below = np.empty(n + 1)
            self.value_sq_below[0] = 0.0
            np.cumsum(pv, out=self.value_sq_below[1:])
        self.n = n
        self.positives = int(self.positives_below[-1])
        self.negatives = n - self.positives

    # -- lookups -----------------------------------------------------------------------------------
    def rank(self, threshold):
        """Number of rows below ``threshold`` (no alert); scalar or array."""
        return np.searchsorted(self.sorted_scores, threshold, side="left")

    def counts(self, threshold: float) -> dict[str, int]:
        """TP, FP, TN, FN when alerting on ``score >= threshold`` (one binary search)."""
        k = int(self.rank(threshold))
        fn = int(self.positives_below[k])
        tn = k - fn
        tp = self.positives - fn
        return {"tp": tp, "fp": self.n - k - tp, "tn": tn, "fn": fn}

    def counts_many(self, thresholds) -> dict[str, np.ndarray]:
        """Vectorised :meth:`counts` at many thresholds (``O(m log n)``)."""
        k = self.rank(np.asarray(thresholds, dtype=float)).astype(np.int64)
        return self._counts_at_rank(k)

    def _counts_at_rank(self, k: np.ndarray) -> dict[str, np.ndarray]:
        fn = self.positives_below[k].astype(np.int64)
        tp = self.positives - fn
        out = {"tp": tp, "fp": self.n - k - tp, "tn": k - fn, "fn": fn}
        if self.value_below is not None:
            out["fn_value"] = self.value_below[k]
            out["fn_value_sq"] = self.value_sq_below[k]
        return out

    def missed_value(self, threshold: float) -> tuple[float, float]:
        """Sum of the value, and of its square, over missed positives at ``threshold``."""
        if self.value_below is None:
            return 0.0, 0.0
        k = int(self.rank(threshold))
        return float(self.value_below[k]), float(self.value_sq_below[k])

    def short_cut(self, threshold: float) -> float:
        """The shortest decimal that makes the same decisions as ``threshold`` (same rows alerted).

        A threshold between two adjacent scores ``lo < t <= hi`` alerts the same rows as any other number in
        ``(lo, hi]``; the decimal with the fewest digits there (nearest the midpoint among those) is what the
        workbook decides, shows, prints and saves, so typing the printed value back gives the same counts.
        """
        k = int(self.rank(float(threshold)))
        s = self.sorted_scores
        lo = float(s[k - 1]) if k > 0 else -np.inf
        hi = float(s[k]) if k < self.n else np.inf
        return _shortest_between(lo, hi)

    def short_cuts(self, thresholds) -> np.ndarray:
        """:meth:`short_cut` for each threshold."""
        k = self.rank(np.asarray(thresholds, dtype=float))
        s = self.sorted_scores
        lo = np.where(k > 0, s[np.clip(k - 1, 0, self.n - 1)], -np.inf).tolist()
        hi = np.where(k < self.n, s[np.clip(k, 0, self.n - 1)], np.inf).tolist()
        return np.array([_shortest_between(a, b) for a, b in zip(lo, hi)], dtype=float)

    @property
    def above_all(self) -> float:
        """The smallest threshold that alerts on nothing (just above the highest score)."""
        return float(np.nextafter(self.sorted_scores[-1], np.inf))

    @property
    def total_positive_value(self) -> float:
        return float(self.value_below[-1]) if self.value_below is not None else 0.0

    @property
    def total_positive_value_sq(self) -> float:
        return float(self.value_sq_below[-1]) if self.value_sq_below is not None else 0.0

    # -- every distinct threshold --------------------------------------------------------------------
    @cached_property
    def distinct(self) -> DistinctThresholds:
        """Counts at every distinct score (as a threshold) and just above the highest; computed once, ``O(n)``."""
        s = self.sorted_scores
        starts = np.flatnonzero(np.concatenate([[True], s[1:] != s[:-1]]))
        k = np.concatenate([starts, [self.n]]).astype(np.int64)
        thresholds = np.concatenate([s[starts], [self.above_all]])
        c = self._counts_at_rank(k)
        return DistinctThresholds(thresholds, c["tp"], c["fp"], c["tn"], c["fn"], c.get("fn_value"), c.get("fn_value_sq"))

    def grid(self, max_points: int = 2000) -> np.ndarray:
        """At most ``max_points`` thresholds spread evenly by rank (so each step moves about n/max_points rows).

        Ascending; starts at the lowest score (alert on everything) and ends above the highest (alert on none).
        """
        d = self.distinct.thresholds
        finite = d[:-1]
        if len(finite) + 1 <= max_points:
            return d.copy()
        ranks = self.rank(finite)
        targets = np.linspace(0, self.n - 1, max_points - 1)
        idx = np.unique(np.clip(np.searchsorted(ranks, targets, side="right") - 1, 0, len(finite) - 1))
        return np.concatenate([finite[idx], d[-1:]])


_shortest_between = shortest_decimal_between

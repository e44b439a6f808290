"""Stage 4's threshold curve from Parquet (DuckDB) or Spark data of any size.

When the labeled rows fit in memory (``max_rows``, default 20,000,000: about 300 MB for score, label and
running counts), only the label and score columns are read and the curve is the exact
:class:`~aipm_widgets.core.metrics.threshold_curve.ThresholdCurve`. Beyond that, one pass counts positives and
negatives (and sums a value over positives) in ``bins`` (2^16) bins cut at quantiles of the score, estimated from a
sample of up to 1,000,000 rows; the lowest score in each bin is kept too. :class:`BinnedThresholdCurve` answers
the same lookups:

* at a threshold equal to a bin's lowest score, the counts are **exact** (every row of that bin and above
  alerts);
* at any other threshold, the counts are those of the bin's lowest score; the true counts differ by at most the
  rows of that one bin, so recall is off by at most ``max_bin_positives / positives`` and the false-positive
  rate by at most ``max_bin_negatives / negatives`` (:meth:`BinnedThresholdCurve.error_bound`, also in
  :meth:`BinnedThresholdCurve.to_json`).

The thresholds it proposes (:meth:`BinnedThresholdCurve.short_cut`) lie between one bin's highest score and the
next bin's lowest, where the counts are exact, so a chosen threshold's counts are exact; only thresholds typed in
between carry the bound. ``aipm tradeoff --engine duckdb|spark`` builds its trade-off on this curve
(:meth:`aipm_widgets.core.metrics.tradeoff.Tradeoff.from_curve`).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from . import check_engine, open_engine
from . import sql as _sql
from ...errors import InputDataError
from ...metrics.threshold_curve import DistinctThresholds, ThresholdCurve
from ...text import format as fmt

__all__ = ["BinnedThresholdCurve", "curve_from_source", "BINS", "MAX_ROWS"]

BINS = 2**16
MAX_ROWS = 20_000_000
SAMPLE_ROWS = 1_000_000
BOUND_TEXT = (
    "Curve from {n} rows in {bins} score bins ({engine} engine): exact at each bin's lowest score; between "
    "them recall is within ±{recall} and the false-positive rate within ±{fpr} of the exact curve."
)


class BinnedThresholdCurve:
    """Confusion counts per score bin; the same lookups as :class:`ThresholdCurve` (see the module docstring)."""

    exact = False
    rows_left_out = 0

    def __init__(self, lowest: np.ndarray, pos: np.ndarray, neg: np.ndarray, value: np.ndarray | None = None,
                 value_sq: np.ndarray | None = None, *, highest: float, top: np.ndarray | None = None,
                 engine: str = "duckdb") -> None:
        order = np.argsort(lowest)
        self.lowest = np.asarray(lowest, float)[order]
        # Each bin's highest score (the previous bin's lowest when unknown): thresholds in (top[k-1], lowest[k]]
        # make exactly the decisions of lowest[k].
        self.top = (np.asarray(top, float)[order] if top is not None
                    else np.concatenate([self.lowest[1:], [float(highest)]]))
        self.pos = np.asarray(pos, np.int64)[order]
        self.neg = np.asarray(neg, np.int64)[order]
        self.positives, self.negatives = int(self.pos.sum()), int(self.neg.sum())
        self.n = self.positives + self.negatives
        self.engine = engine
        self.highest = float(highest)
        # Rows below the lowest score of bin k (no alert at that threshold): cumulative sums before k.
        self.positives_below = np.concatenate([[0], np.cumsum(self.pos)])
        self.rows_below = np.concatenate([[0], np.cumsum(self.pos + self.neg)])
        self.value_below = self.value_sq_below = None
        if value is not None:
            self.value_below = np.concatenate([[0.0], np.cumsum(np.asarray(value, float)[order])])
            self.value_sq_below = np.concatenate([[0.0], np.cumsum(np.asarray(value_sq, float)[order])])

    def rank(self, threshold):
        """Index of the first bin whose lowest score is at or above ``threshold`` (bins below: no alert)."""
        return np.searchsorted(self.lowest, threshold, side="left")

    def _counts_at_rank(self, k) -> dict[str, Any]:
        k = np.asarray(k, np.int64)
        fn = self.positives_below[k]
        tn = self.rows_below[k] - fn
        out = {"tp": self.positives - fn, "fp": self.negatives - tn, "tn": tn, "fn": fn}
        if self.value_below is not None:
            out["fn_value"] = self.value_below[k]
            out["fn_value_sq"] = self.value_sq_below[k]
        return out

    def counts(self, threshold: float) -> dict[str, int]:
        return {k: int(v) for k, v in self._counts_at_rank(self.rank(threshold)).items() if k in ("tp", "fp", "tn", "fn")}

    def counts_many(self, thresholds) -> dict[str, np.ndarray]:
        return self._counts_at_rank(self.rank(np.asarray(thresholds, float)))

    def missed_value(self, threshold: float) -> tuple[float, float]:
        if self.value_below is None:
            return 0.0, 0.0
        k = int(self.rank(threshold))
        return float(self.value_below[k]), float(self.value_sq_below[k])

    @property
    def above_all(self) -> float:
        return float(np.nextafter(self.highest, np.inf))

    @property
    def total_positive_value(self) -> float:
        return float(self.value_below[-1]) if self.value_below is not None else 0.0

    @property
    def total_positive_value_sq(self) -> float:
        return float(self.value_sq_below[-1]) if self.value_sq_below is not None else 0.0

    def short_cut(self, threshold: float) -> float:
        """The shortest decimal with exactly the counts shown at ``threshold``: between the highest score of the bin
        below and the lowest score of the bin at or above (where the binned counts are exact)."""
        return float(self.short_cuts([threshold])[0])

    def short_cuts(self, thresholds) -> np.ndarray:
        """:meth:`short_cut` for each threshold."""
        k = self.rank(np.asarray(thresholds, dtype=float))
        m = len(self.lowest)
        lo = np.where(k > 0, self.top[np.clip(k - 1, 0, m - 1)], -np.inf).tolist()
        hi = np.where(k < m, self.lowest[np.clip(k, 0, m - 1)], np.inf).tolist()
        return np.array([fmt.shortest_decimal_between(a, b) for a, b in zip(lo, hi)], dtype=float)

    def exact_at(self, threshold: float) -> bool:
        """Whether the counts at ``threshold`` are exact: it lies between one bin's highest score and the next one's
        lowest (no row's decision depends on where in a bin the threshold falls)."""
        k = int(self.rank(float(threshold)))  # threshold <= lowest[k] by the rank's definition
        return bool(k == 0 or self.top[k - 1] < float(threshold))

    def describe_at(self, threshold: float) -> str:
        """One sentence on whether the counts at ``threshold`` are exact or carry the bound."""
        if self.exact_at(threshold):
            return f"The counts at threshold {fmt.threshold(threshold)} are exact (it falls between two score bins)."
        return (f"Threshold {fmt.threshold(threshold)} falls inside a score bin: its counts are within the bound above; "
                f"{fmt.threshold(self.short_cut(threshold))} gives the same counts exactly.")

    @property
    def distinct(self) -> DistinctThresholds:
        """Counts at every bin's lowest score (exact there) and just above the highest score."""
        k = np.arange(len(self.lowest) + 1)
        c = self._counts_at_rank(k)
        return DistinctThresholds(np.concatenate([self.lowest, [self.above_all]]), c["tp"], c["fp"], c["tn"], c["fn"],
                                  c.get("fn_value"), c.get("fn_value_sq"))

    def grid(self, max_points: int = 2000) -> np.ndarray:
        d = self.distinct.thresholds
        if len(d) <= max_points:
            return d.copy()
        idx = np.unique(np.linspace(0, len(d) - 2, max_points - 1).round().astype(int))
        return np.concatenate([d[idx], d[-1:]])

    def error_bound(self) -> dict[str, Any]:
        """How far a count or rate between two bins' lowest scores can be from the exact curve."""
        mp, mn = int(self.pos.max(initial=0)), int(self.neg.max(initial=0))
        return {"bins": int(len(self.lowest)), "exact_at": "each bin's lowest score",
                "max_bin_positives": mp, "max_bin_negatives": mn,
                "recall": mp / self.positives if self.positives else None,
                "false_positive_rate": mn / self.negatives if self.negatives else None,
                "engine": self.engine}

    def describe(self) -> str:
        b = self.error_bound()
        return BOUND_TEXT.format(n=fmt.count(self.n), bins=fmt.count(b["bins"]), engine=self.engine,
                                 recall=fmt.bound(b["recall"] or 0.0), fpr=fmt.bound(b["false_positive_rate"] or 0.0))

    def to_json(self, max_points: int = 200) -> dict[str, Any]:
        t = self.grid(max_points)
        c = self.counts_many(t)
        return {"exact": False, "n": self.n, "positives": self.positives, "negatives": self.negatives,
                "binning": {**self.error_bound(), "text": self.describe()},
                "thresholds": t.tolist(), "tp": c["tp"].tolist(), "fp": c["fp"].tolist()}


def curve_from_source(source, *, label: str, score: str, positive=None, value: str | None = None,
                      engine: str = "duckdb", spark_master: str | None = None, max_rows: int | None = None,
                      bins: int | None = None, progress: Callable[[str, float], None] | None = None
                      ) -> ThresholdCurve | BinnedThresholdCurve:
    """The threshold curve of the labeled, scored rows of a Parquet source or Spark DataFrame.

    Exact (a :class:`ThresholdCurve`) up to ``max_rows`` rows (default :data:`MAX_ROWS`), else a :class:`BinnedThresholdCurve` with its
    error bound. Rows without a label or a finite score are left out; the curve's ``rows_left_out`` counts them.

    A negative ``value`` counts as 0, as in :class:`~aipm_widgets.core.metrics.tradeoff.Tradeoff` (the curve's
    ``negative_values`` and ``lowest_value`` say how many and how low, for the same note); a missing one counts as 0
    too (``missing_values``; the in-memory path refuses it). A numeric label without ``positive`` must hold 0/1 (or
    -1/1), as in memory. ``progress(step, share)`` is called as the passes finish.
    """
    step = progress or (lambda _step, _share: None)
    max_rows = MAX_ROWS if max_rows is None else int(max_rows)
    bins = BINS if bins is None else int(bins)
    name = check_engine(engine)
    if name == "pandas":
        raise InputDataError("curve_from_source aggregates with duckdb or spark; for a table in memory use "
                             "ThresholdCurve (or Tradeoff) directly.")
    step(f"starting the {name} engine", 0.0)
    eng = open_engine(name, source, spark_master=spark_master)
    try:
        q = eng.quote
        numeric = eng.columns().get(label) in {"numeric", "bool"}
        if positive is None and not numeric:
            raise InputDataError(f"The label column {label!r} is text: give its positive value.")
        if positive is not None and numeric:
            try:
                float(positive)
            except (TypeError, ValueError):
                raise InputDataError(f"The label column {label!r} holds numbers; the positive value {positive!r} "
                                     "is not one (give e.g. 1).") from None
        y = _sql.label_01(q, label, positive, numeric=numeric, dialect=eng.dialect)
        s = _sql.number(q, score, sentinels=False)
        raw = _sql.number(q, value, sentinels=False) if value else "CAST(NULL AS DOUBLE)"
        v = f"greatest(coalesce({raw}, 0.0), 0.0)" if value else "0.0"
        lab = f"TRY_CAST({q(label)} AS DOUBLE)" if numeric else "CAST(NULL AS DOUBLE)"
        rows = f"SELECT {y} AS y, {s} AS s, {v} AS v, {raw} AS vr, {lab} AS lab FROM {{src}}"
        where = "WHERE y IS NOT NULL AND s IS NOT NULL"
        ok = "y IS NOT NULL AND s IS NOT NULL"
        step("counting labeled, scored rows", 0.05)
        counted = _run(eng, f"SELECT count(*) AS total, sum(CASE WHEN {ok} THEN 1 ELSE 0 END) AS n, "
                            f"sum(CASE WHEN {ok} AND vr < 0 THEN 1 ELSE 0 END) AS negative, "
                            f"min(CASE WHEN {ok} THEN vr END) AS lowest, "
                            f"sum(CASE WHEN {ok} AND vr IS NULL THEN 1 ELSE 0 END) AS missing, "
                            f"count(DISTINCT CASE WHEN {ok} THEN lab END) AS k, min(CASE WHEN {ok} THEN lab END) AS "
                            f"lab_min, max(CASE WHEN {ok} THEN lab END) AS lab_max FROM ({rows}) t").iloc[0]
        total, n = int(counted["total"]), int(_num(counted["n"]))
        if n == 0:
            raise InputDataError(f"No row has both a label in {label!r} and a score in {score!r}.")
        if numeric and positive is None:
            _check_01(eng, rows, label, int(counted["k"]), _num(counted["lab_min"]), _num(counted["lab_max"]))
        found = {"negative_values": int(_num(counted["negative"])) if value else 0,
                 "lowest_value": _num(counted["lowest"]) if value else 0.0,
                 "missing_values": int(_num(counted["missing"])) if value else 0, "rows_left_out": total - n}
        if n <= max_rows:
            step("reading labels and scores", 0.35)
            frame = _run(eng, f"SELECT y, s, v FROM ({rows}) t {where}")
            curve = ThresholdCurve(frame["y"].to_numpy(np.int64), frame["s"].to_numpy(float),
                                   frame["v"].to_numpy(float).copy() if value else None)
            curve.__dict__.update(found)
            step("curve ready", 1.0)
            return curve
        share = min(1.0, SAMPLE_ROWS / n)
        step("sampling scores for the bin edges", 0.35)
        sample = _run(eng, f"SELECT s FROM ({rows}) t {where} AND {{rand}} < {share!r}")["s"].to_numpy(float)
        edges = np.unique(np.quantile(sample, np.linspace(0, 1, bins + 1)[1:-1]))
        step(f"counting rows in {fmt.count(len(edges) + 1)} score bins", 0.5)
        hist = eng.histogram(f"SELECT y, s, v FROM ({rows}) t {where}", edges)
        highest = float(hist["hi"].max())
        vv = hist["vpos"].to_numpy(float) if value else None
        vsq = hist["vsq"].to_numpy(float) if value else None
        curve = BinnedThresholdCurve(hist["lo"].to_numpy(float), hist["pos"].to_numpy(), hist["neg"].to_numpy(), vv,
                                     vsq, highest=highest, top=hist["hi"].to_numpy(float), engine=name)
        curve.__dict__.update(found)
        step("curve ready", 1.0)
        return curve
    finally:
        eng.close()


def _num(x) -> float:
    """A number from an aggregate (NULL, NA and NaN as 0)."""
    return 0.0 if x is None or pd.isna(x) else float(x)


def _check_01(eng, rows: str, label: str, k: int, low: float, high: float) -> None:
    """A numeric label without a positive value holds 0/1 (or -1/1), as :func:`binary_labels` asks in memory."""
    if k <= 2 and ({low, high} <= {0.0, 1.0} or {low, high} <= {-1.0, 1.0}):
        return
    from ...io.inputs import ASK_POSITIVE, LOOKS_NUMERIC, NOT_BINARY

    shown = _run(eng, f"SELECT DISTINCT lab FROM ({rows}) t WHERE y IS NOT NULL AND s IS NOT NULL "
                      "AND lab IS NOT NULL ORDER BY lab LIMIT 6")["lab"].tolist()
    shown = [int(x) if float(x).is_integer() else float(x) for x in shown]
    preview = ", ".join(repr(x) for x in shown[:5]) + (", ..." if len(shown) > 5 else "")
    if k > 2:
        whole = all(isinstance(x, int) for x in shown)
        text = LOOKS_NUMERIC if (k > 20 or not whole) else NOT_BINARY
        raise InputDataError(text.format(name=label, k=k, values=preview, example=shown[-1]))
    raise InputDataError(ASK_POSITIVE.format(name=label, values=preview, example=shown[-1]))


def _run(eng, query: str) -> pd.DataFrame:
    return eng.query(query)

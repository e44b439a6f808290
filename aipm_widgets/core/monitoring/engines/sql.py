"""SQL shared by the DuckDB and Spark engines (both read it the same way), built from quoted identifiers only.

Values from the user (a positive label, a threshold) go in as literals through :func:`literal`; file names
never appear in SQL (DuckDB and Spark receive them as arguments).
"""

from __future__ import annotations

from typing import Callable

from ..run import NULL_MARKERS, SENTINELS

__all__ = ["PERFORMANCE_SQL", "DELAY_SQL", "number", "category", "label_01", "window_start", "literal", "calibration_rows"]

UNITS = {"day": "day", "week": "week", "month": "month"}
INF = "CAST('Infinity' AS DOUBLE)"


def literal(value: str, dialect: str) -> str:
    """A string literal: DuckDB doubles quotes, Spark escapes them with a backslash."""
    if dialect == "spark":
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + value.replace("'", "''") + "'"


def window_start(q: Callable[[str], str], timestamp: str, window: str) -> str:
    """The first instant of each row's window (weeks start on Monday, as pandas' W-SUN periods); NULL if unreadable."""
    return f"date_trunc('{UNITS[window]}', TRY_CAST({q(timestamp)} AS TIMESTAMP))"


def number(q: Callable[[str], str], column: str, *, sentinels: bool) -> str:
    """The column as a finite DOUBLE, else NULL (and the numeric sentinels -999 ... as NULL for features)."""
    v = f"TRY_CAST({q(column)} AS DOUBLE)"
    cond = f"{v} IS NOT NULL AND NOT isnan({v}) AND abs({v}) < {INF}"
    if sentinels:
        cond += " AND " + v + " NOT IN (" + ", ".join(f"{s:.1f}" for s in SENTINELS) + ")"
    return f"CASE WHEN {cond} THEN {v} END"


def category(q: Callable[[str], str], column: str, *, markers: bool) -> str:
    """The column as text, NULL for missing values (and for null markers such as 'N/A' for features)."""
    v = f"CAST({q(column)} AS STRING)"
    if not markers:
        return v
    listed = ", ".join("'" + m + "'" for m in sorted(NULL_MARKERS))  # plain words, no quotes inside
    return f"CASE WHEN lower(trim({v})) NOT IN ({listed}) THEN {v} END"


def label_01(q: Callable[[str], str], column: str, positive, *, numeric: bool, dialect: str) -> str:
    """1 for the positive label, 0 for the other, NULL where the label has not arrived (as ``binary_labels``)."""
    if numeric:
        v = f"TRY_CAST({q(column)} AS DOUBLE)"
        target = "1.0" if positive is None else repr(float(positive))
        return f"CASE WHEN {v} IS NULL OR isnan({v}) THEN NULL WHEN {v} = {target} THEN 1 ELSE 0 END"
    v = f"CAST({q(column)} AS STRING)"
    return f"CASE WHEN {v} IS NULL THEN NULL WHEN {v} = {literal(str(positive), dialect)} THEN 1 ELSE 0 END"


def calibration_rows(calibrator) -> list[tuple[int, float, float, float]]:
    """The isotonic calibration as a lookup table: row ``b`` holds ``(b, x0, p0, slope)``.

    A score ``s`` in row ``b`` (the last row whose ``x0 <= s``) has probability ``p0 + slope * (s - x0)``,
    which is the linear interpolation scikit-learn's ``IsotonicRegression.predict`` does between its
    thresholds; row 0 holds scores below the lowest threshold, the last row those at or above the highest.
    """
    xs = [float(x) for x in calibrator.X_thresholds_]
    ys = [float(y) for y in calibrator.y_thresholds_]
    rows = [(0, -1e308, ys[0], 0.0)]
    for j in range(len(xs)):
        slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]) if j + 1 < len(xs) else 0.0
        rows.append((j + 1, xs[j], ys[j], slope))
    return rows


# Sums per window over ``prow(w, s, p, pred, y, val)``: expected (CBPE) and realized confusion counts, the value
# missed, and both ROC AUCs exactly (rows grouped per distinct score; each score's negatives times the positives
# ranked above it plus half of its ties, the trapezoid sum the in-memory code takes).
PERFORMANCE_SQL = """
WITH g AS (
  SELECT w, s, count(*) AS n, sum(p) AS ps, sum(1 - p) AS qs,
         sum(CASE WHEN y = 1 THEN 1 ELSE 0 END) AS y1, sum(CASE WHEN y = 0 THEN 1 ELSE 0 END) AS y0,
         sum(CASE WHEN pred THEN p ELSE 0 END) AS tp_e, sum(CASE WHEN pred THEN 1 - p ELSE 0 END) AS fp_e,
         sum(CASE WHEN pred AND y = 1 THEN 1 ELSE 0 END) AS tp_r, sum(CASE WHEN pred AND y = 0 THEN 1 ELSE 0 END) AS fp_r,
         sum(CASE WHEN pred THEN 0 ELSE p * val END) AS miss_e,
         sum(CASE WHEN (NOT pred) AND y = 1 THEN val ELSE 0 END) AS miss_r
  FROM prow GROUP BY w, s
), c AS (
  SELECT *,
    coalesce(sum(ps) OVER (PARTITION BY w ORDER BY s DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ps_above,
    coalesce(sum(y1) OVER (PARTITION BY w ORDER BY s DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS y1_above
  FROM g
)
SELECT w, sum(n) AS n, sum(ps) AS ps, sum(qs) AS qs, sum(y1) AS y1, sum(y0) AS y0, sum(tp_e) AS tp_e, sum(fp_e) AS fp_e,
       sum(tp_r) AS tp_r, sum(fp_r) AS fp_r, sum(miss_e) AS miss_e, sum(miss_r) AS miss_r,
       sum(qs * (ps_above + ps / 2)) AS auc_e, sum(y0 * (y1_above + y1 / 2.0)) AS auc_r
FROM c GROUP BY w
"""

DELAY_SQL = """
SELECT w, {median} AS delay_median FROM prow
WHERE y IS NOT NULL AND delay IS NOT NULL AND NOT isnan(delay) GROUP BY w
"""

"""Estimated and realized performance per window, the same for every engine (pandas, DuckDB, Spark).

Each engine gathers, per window, the **expected** confusion counts (the calibrated probabilities of the scores,
summed: CBPE) with the expected ROC AUC, and the **realized** counts of the rows whose label has arrived. From
there one path finishes: :func:`reference_side` fits the calibration on the reference and prices it,
:func:`window_row` turns one window's counts into the row the monitoring page, the record and the triggers
read, and :func:`performance_table` gathers the rows (the concept-drift window, the cost table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..metrics.costs import Costs
from ..text import format as fmt
from .estimation import METRICS, PerformanceEstimator

__all__ = ["ReferenceSide", "decision_threshold", "default_threshold", "reference_side", "window_row", "performance_table", "cost_per_1000"]

NO_THRESHOLD = ("No threshold in the record (stage 4 not decided): using {threshold}, which alerts as many reference "
                "rows as there are positives ({rate}). Decide it in metric selection.")
NO_COSTS = "No cost model in the record (stage 4 not decided): cost per 1,000 is not computed."
FROM_PREDICTIONS = "Decisions taken from the prediction column {column!r} (rows without one count as not alerted)."
NO_VALUE_COLUMN = ("The cost model takes a miss's cost from {column!r}, which is not in the data; cost per 1,000 is "
                   "not computed.")


def cost_per_1000(tp, fp, fn, missed_value, n, costs: Mapping[str, Any]) -> float:
    """Cost per 1,000 decisions from stage 4's one money model (:meth:`Costs.parts`), never a copy of it."""
    if n <= 0:
        return float("nan")
    model = Costs.from_any({k: v for k, v in costs.items() if v is not None})
    return 1000.0 * model.total(tp, fp, n - tp - fp - fn, fn, missed_value) / n


def default_threshold(y_ref: np.ndarray, ref_score: pd.Series) -> tuple[float, str]:
    """The threshold alerting as many reference rows as there are positives, as its shortest decimal, and the note.

    The shortest decimal makes the same decisions on the reference, so the note's number is the one used.
    """
    from ..metrics.threshold_curve import ThresholdCurve

    ok = (y_ref >= 0) & ref_score.notna().to_numpy()
    rate = float(y_ref[ok].mean())
    raw = float(np.quantile(ref_score[ok], 1 - rate))
    threshold = ThresholdCurve(y_ref[ok].astype(int), ref_score[ok].to_numpy(float)).short_cut(raw)
    return threshold, NO_THRESHOLD.format(threshold=fmt.threshold(threshold), rate=f"{rate:.1%}")


def decision_threshold(*, score: str | None, threshold: float | None, y_ref: np.ndarray | None,
                       ref_score: pd.Series | None, costs: Mapping[str, Any], prediction: str | None,
                       notes: list[str]) -> float | None:
    """The threshold a run uses, with its notes: stage 4's, else :func:`default_threshold`; with logged decisions
    (``prediction``) those decide and the threshold (0.5 when none is given) is not used for them."""
    if score and threshold is None and y_ref is not None and (y_ref >= 0).any():
        threshold, note = default_threshold(y_ref, ref_score)
        notes.append(note)
    if score and not costs:
        notes.append(NO_COSTS)
    if prediction:
        if threshold is None:
            threshold = 0.5
        notes.append(FROM_PREDICTIONS.format(column=prediction))
    return threshold


@dataclass
class ReferenceSide:
    """The calibration fitted on the reference's labeled, scored rows, and what the reference itself scores."""

    estimator: PerformanceEstimator
    metrics: dict[str, float]
    cost_per_1000: float | None
    costs: dict[str, Any]


def reference_side(reference: pd.DataFrame, y_ref: np.ndarray, ref_score: pd.Series, *, threshold: float,
                   costs: Mapping[str, Any], pred_ref: np.ndarray | None, production_columns: Sequence[str],
                   notes: list[str]) -> ReferenceSide | None:
    """Fit the calibration and price the reference; None (with a note) when it has too few labels of both classes.

    ``costs`` comes back empty (with a note) when the cost model needs a value column production lacks.
    """
    ok = (y_ref >= 0) & ref_score.notna().to_numpy()
    if ok.sum() < 10 or len(set(y_ref[ok])) != 2:
        notes.append("The reference has too few labeled rows of both classes to calibrate scores: no estimated "
                     "performance.")
        return None
    yy, ss = y_ref[ok], ref_score.to_numpy()[ok]
    est = PerformanceEstimator.fit(yy, ss, threshold=threshold, predicted=None if pred_ref is None else pred_ref[ok])
    costs = dict(costs)
    value_col = costs.get("value_column")
    if costs.get("fn_cost_from_value") and (not value_col or value_col not in production_columns):
        notes.append(NO_VALUE_COLUMN.format(column=value_col))
        costs = {}
    ref_cost = None
    if costs:
        val = reference[value_col].fillna(0).clip(lower=0).to_numpy()[ok] if costs.get("fn_cost_from_value") else None
        r = est.reference
        not_alerted = ss < threshold if pred_ref is None else ~pred_ref[ok]
        missed = float(val[(yy == 1) & not_alerted].sum()) if val is not None else 0.0
        ref_cost = cost_per_1000(r["tp"], r["fp"], r["fn"], missed, int(ok.sum()), costs)
    return ReferenceSide(est, {m: est.reference[m] for m in METRICS}, ref_cost, costs)


def window_row(est: PerformanceEstimator, label: str, n: int, expected: dict | None, realized: dict | None, *,
               n_labeled: int = 0, delay_days: float | None = None, missed_expected: float = 0.0,
               missed_realized: float = 0.0, costs: Mapping[str, Any], min_label_coverage: float,
               min_window_rows: int) -> dict[str, Any]:
    """One window's performance row.

    ``expected``: the window's expected counts and metrics (``tp fp fn tn`` and :data:`METRICS`, as
    :func:`~aipm_widgets.core.monitoring.estimation.expected_metrics` gives them) over its ``n`` scored rows;
    ``realized``: the same from the ``n_labeled`` rows whose label has arrived (None when none has). The missed
    values are sums of the cost model's value over misses (expected: weighted by the calibrated probability).
    ``delay_days`` (the median label delay) is a column only when not None.
    """
    row: dict[str, Any] = {"window": label, "n_scored": int(n)}
    if not n or expected is None:
        return row
    e = est.estimate_from_expected(expected, n)
    for m in METRICS:
        row[f"estimated_{m}"] = e[m]["value"]
        row[f"estimated_{m}_lower"] = e[m]["lower"]
        row[f"estimated_{m}_upper"] = e[m]["upper"]
    row["n_labeled"] = int(n_labeled)
    row["label_coverage"] = n_labeled / n
    if delay_days is not None:
        row["label_delay_days"] = float(delay_days)
    rr = est.realized_from_counts(realized) if realized is not None and n_labeled else {}
    for m in METRICS:
        row[f"realized_{m}"] = rr[m]["value"] if rr else np.nan
        row[f"realized_{m}_lower"] = rr[m]["lower"] if rr else np.nan
        row[f"realized_{m}_upper"] = rr[m]["upper"] if rr else np.nan
    n_pos = int(realized["tp"] + realized["fn"]) if realized is not None and n_labeled else 0
    row["concept_drift"] = bool(
        rr and row["label_coverage"] >= min_label_coverage and n_pos >= 10 and n >= min_window_rows
        and rr["roc_auc"]["upper"] < e["roc_auc"]["lower"]
    )
    if costs:
        ec = e["expected_counts"]
        row["cost_estimated"] = cost_per_1000(ec["tp"], ec["fp"], ec["fn"], missed_expected, n, costs)
        if rr and row["label_coverage"] >= min_label_coverage:
            c = rr["counts"]
            row["cost_realized"] = cost_per_1000(c["tp"], c["fp"], c["fn"], missed_realized, n_labeled, costs)
    return row


def performance_table(rows: list[dict], labels: list[str], *, costs: Mapping[str, Any], ref_cost: float | None
                      ) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """The performance table (one row per window), the cost table, and the first window with concept drift."""
    perf = pd.DataFrame(rows).set_index("window")
    cost = pd.DataFrame(index=pd.Index(labels, name="window"))
    concept_from = None
    if "concept_drift" in perf:
        perf["concept_drift"] = perf["concept_drift"].fillna(False).astype(bool)
        hits = perf.index[perf["concept_drift"]]
        concept_from = hits[0] if len(hits) else None
    if costs:
        cost = perf[[c for c in ("cost_estimated", "cost_realized") if c in perf]].copy()
        if ref_cost is not None:
            cost["reference"] = ref_cost
    elif "cost_estimated" in perf:
        perf = perf.drop(columns=["cost_estimated"])
    return perf, cost, concept_from

"""A monitoring run whose production data stays in DuckDB or Spark: the steps of ``run_monitoring``, fed by counts.

The reference (validation or launch period) is cleaned, planned and calibrated in memory exactly as in
:func:`aipm_widgets.core.monitoring.run.run_monitoring`; production is read by the engine in two passes
(counts per window, column and bin; sums per window and distinct score), and the triggers and alerts are
the same function's.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ...errors import InputDataError
from ...io.inputs import binary_labels, require_columns
from ..windows import WINDOW_KINDS, Window
from . import sql
from ..performance import decision_threshold, performance_table, reference_side
from .finish import drift_from_counts, performance_rows
from .plan import plan_columns

__all__ = ["monitor_with_engine"]

STEPS = ("plan", "drift", "performance", "alerts")


class _Windows:
    """What ``_reference_false_alarm_rate`` reads of a window assignment."""

    def __init__(self, windows: list[Window]) -> None:
        self.windows = windows


def _windows(starts: pd.Series, counts: np.ndarray, window: str) -> tuple[list[Window], dict]:
    periods = pd.to_datetime(starts).dt.to_period(WINDOW_KINDS[window])
    first, last = periods.min(), periods.max()
    k = (last - first).n + 1
    if k > 2000:
        from ..windows import TOO_MANY_WINDOWS

        raise InputDataError(TOO_MANY_WINDOWS.format(k=k, kind=window))
    index = {first + i: i for i in range(k)}
    n = np.zeros(k, dtype=np.int64)
    np.add.at(n, [index[p] for p in periods], counts)
    wins = []
    for i in range(k):
        p = first + i
        label = p.strftime("%Y-%m") if window == "month" else p.start_time.strftime("%Y-%m-%d")
        wins.append(Window(i, label, p.start_time.isoformat(), p.end_time.floor("s").isoformat(), int(n[i])))
    return wins, index


def _window_index(ws: pd.Series, index: dict, window: str) -> np.ndarray:
    per = pd.to_datetime(ws).dt.to_period(WINDOW_KINDS[window])
    return np.array([index.get(p, -1) if not pd.isna(p) else -1 for p in per], dtype=np.int64)


def monitor_with_engine(
    reference: pd.DataFrame, eng, *, features: Sequence[str] | None = None, timestamp: str | None = "timestamp",
    window: str = "week", window_rows: int | None = None, label: str | None = None, positive: Any = None,
    score: str | None = None, prediction: str | None = None, label_date: str | None = None,
    threshold: float | None = None, costs: Mapping[str, Any] | None = None, triggers=None, method: str | None = None,
    per_column_method: Mapping[str, str] | None = None, drift_threshold: float | None = None,
    threshold_mode: str = "fixed", id_column: str | None = None, min_label_coverage: float = 0.3,
    volume_per_day: float | None = None, metric: str | None = None,
    progress: Callable[[str, float], None] | None = None, **_: Any,
):
    from .. import run as mon
    from ..estimation import METRICS
    from . import NO_ROW_WINDOWS

    def step(what: str, share: float) -> None:
        if progress:
            progress(what, share)

    notes: list[str] = []
    if _.get("task") not in (None, "binary"):
        raise InputDataError(f"The {eng.name} engine monitors binary classifiers (a score and a 0/1 label); for "
                             f"task {_['task']!r} use the pandas engine.")
    if not isinstance(reference, pd.DataFrame):
        raise InputDataError("The reference must be a table in memory (a pandas DataFrame).")
    if len(reference) == 0:
        raise InputDataError("The reference table has no rows; give the validation or launch-period data.")
    if window_rows is not None:
        raise InputDataError(NO_ROW_WINDOWS.format(engine=eng.name))
    if timestamp is None:
        raise InputDataError("Give a timestamp column for period windows.")
    if window not in WINDOW_KINDS:
        raise InputDataError(f"window must be one of {', '.join(WINDOW_KINDS)}, not {window!r}.")
    if threshold_mode not in {"fixed", "band"}:
        raise InputDataError(f"threshold_mode must be 'fixed' or 'band', not {threshold_mode!r}.")
    col_types = eng.columns()
    schema = pd.DataFrame(columns=list(col_types))
    special = [c for c in (timestamp, label, score, prediction, id_column, label_date) if c]
    require_columns(schema, special)
    require_columns(reference, [c for c in (label, score, prediction) if c])
    if features is None:
        features = mon.default_features(reference, schema, skip=set(special), notes=notes)
    features = list(features)
    if not features:
        raise InputDataError("No feature columns to compare: name them, or give tables with the same columns.")
    require_columns(reference, features)
    require_columns(schema, features)
    if len(reference) < mon.TINY_REFERENCE:
        notes.append(f"The reference has only {len(reference)} rows (under {mon.TINY_REFERENCE}): drift tests on it are "
                     "weak and its thresholds uncertain; use a longer reference period if you can.")
    reference = mon._dedupe(mon._clean_frame(reference, features, "reference", notes), id_column, "reference", notes)
    notes.append(f"Production was aggregated by the {eng.name} engine, which does not look for duplicate log rows "
                 + (f"(same {id_column!r}) " if id_column else "") + "as the pandas engine does; check the log for "
                 "repeated writes.")

    # Plan: features, score and label, decided on the reference --------------------------------------------
    step("planning bins from the reference", 0.02)
    fplans, skipped = plan_columns(reference, features, engine=eng.name, method=method,
                                   per_column_method=per_column_method, threshold=drift_threshold)
    plans = list(fplans)
    ref_score = y_ref = None
    label_expr: dict[int, str] = {}
    i_score = i_label = None
    if score:
        ref_score = mon._score_column(reference, score, "reference", notes)
        try:
            sp, _ = plan_columns(pd.DataFrame({score: ref_score}), [score], names=["score"], engine=eng.name,
                                 clean=False)
        except InputDataError as exc:
            sp = []
            notes.append(f"No score drift: {exc}")
        if sp:
            i_score = len(plans)
            plans += sp
    y_sql = None
    if label:
        y_ref = binary_labels(reference[label], positive=positive, name=label, allow_missing=True)
        numeric = col_types.get(label) in {"numeric", "bool"}
        if positive is None and not numeric:
            raise InputDataError(f"The label column {label!r} in production is text: give its positive value "
                                 "(--positive VALUE).")
        y_sql = sql.label_01(eng.quote, label, positive, numeric=numeric, dialect=eng.dialect)
        if (y_ref >= 0).any():
            lp, _ = plan_columns(pd.DataFrame({label: np.where(y_ref >= 0, y_ref, np.nan)}), [label], names=["label"],
                                 engine=eng.name, clean=False)
            if lp:
                i_label = len(plans)
                label_expr[i_label] = y_sql
                plans += lp
        else:
            notes.append(f"The reference has no labels in {label!r}: no calibration, so no estimated performance.")

    # Drift counts ---------------------------------------------------------------------------------------
    step("counting rows per window, column and bin", 0.05)
    agg = eng.drift_counts(plans, label_expr, timestamp, window,
                           progress=lambda what, share: step(what, 0.05 + 0.5 * share))
    rows = agg[agg["f"] == -1]
    dated = rows[rows["w"].notna()]
    if dated.empty:
        raise InputDataError(f"The timestamp column {timestamp!r} holds no readable dates; give a column of dates or "
                             "times (e.g. 2025-06-01 or 2025-06-01T14:05).")
    undated = int(rows.loc[rows["w"].isna(), "c"].sum())
    if undated:
        notes.append(f"{undated:,} rows have no readable {timestamp!r}; they were left out.")
    wins, index = _windows(dated["w"], dated["c"].to_numpy(np.int64), window)
    labels = [w.label for w in wins]
    empty = [w.label for w in wins if w.n == 0]
    if empty:
        notes.append(f"{len(empty)} {window} window(s) have no rows ({', '.join(empty[:5])}"
                     f"{' ...' if len(empty) > 5 else ''}): shown as empty, never alerted on. Check that logging did "
                     "not stop.")
    agg = agg[agg["f"] >= 0].copy()
    agg["w"] = _window_index(agg["w"], index, window)
    sizes = [w.n for w in wins]
    small = [w.label for w in wins if 0 < w.n < mon.MIN_WINDOW_ROWS]

    def subset(i: int | None) -> pd.DataFrame:
        return agg[agg["f"] == i].assign(f=0)

    step("drift statistics", 0.6)
    table = drift_from_counts(fplans, agg[agg["f"] < len(fplans)], labels, engine=eng.name,
                              threshold_mode=threshold_mode, reference=reference, window_sizes=sizes)
    table.skipped = {**skipped, **table.skipped}
    notes.extend(table.notes)
    notes.extend(table.skipped.values())
    if small:
        notes.append(f"{len(small)} window(s) have fewer than {mon.MIN_WINDOW_ROWS} rows ({', '.join(small[:5])}); "
                     "their drift is shown but never alerted on.")
        for lab in small:
            table.drift[lab] = False
    false_alarm = mon._reference_false_alarm_rate(reference, table, _Windows(wins))

    score_drift = label_drift = None
    if i_score is not None:
        sd = drift_from_counts([plans[i_score]], subset(i_score), labels, engine=eng.name)
        if sd.features:
            score_drift = pd.DataFrame({"method": sd.method["score"], "score": sd.score.loc["score"],
                                        "threshold": sd.threshold.loc["score"], "drift": sd.drift.loc["score"]})
            for lab in small:
                score_drift.loc[lab, "drift"] = False
    if i_label is not None:
        ld = drift_from_counts([plans[i_label]], subset(i_label), labels, engine=eng.name)
        if ld.features:
            label_drift = pd.DataFrame({"method": ld.method["label"], "score": ld.score.loc["label"],
                                        "threshold": ld.threshold.loc["label"], "drift": ld.drift.loc["label"],
                                        "n_labeled": ld.n.loc["label"]})
            for lab in small:
                label_drift.loc[lab, "drift"] = False

    # Threshold, performance and cost (the reference side and the rows: monitoring.performance, as pandas) -------
    costs = dict(costs or {})
    perf = pd.DataFrame(index=pd.Index(labels, name="window"))
    cost = pd.DataFrame(index=pd.Index(labels, name="window"))
    ref_metrics: dict[str, float] = {}
    ref_cost = None
    concept_from = None
    threshold = decision_threshold(score=score, threshold=threshold, y_ref=y_ref, ref_score=ref_score, costs=costs,
                                   prediction=prediction, notes=notes)
    pred_ref = None
    if prediction:
        pred_ref = binary_labels(reference[prediction], name=prediction, allow_missing=True, min_rows=0) == 1
    step("performance sums per window", 0.65)
    side = None
    if score and label and y_ref is not None and threshold is not None:
        side = reference_side(reference, y_ref, ref_score, threshold=threshold, costs=costs, pred_ref=pred_ref,
                              production_columns=list(col_types), notes=notes)
    if side is not None:
        est, costs, ref_metrics, ref_cost = side.estimator, side.costs, side.metrics, side.cost_per_1000
        q = eng.quote
        pred_sql = (f"coalesce(TRY_CAST({q(prediction)} AS DOUBLE) = 1, false)" if prediction
                    else f"({sql.number(q, score, sentinels=False)} >= {float(threshold)!r})")
        val_sql = "0.0"
        if costs.get("fn_cost_from_value"):
            v = f"TRY_CAST({q(costs['value_column'])} AS DOUBLE)"
            val_sql = f"CASE WHEN {v} IS NULL OR isnan({v}) THEN 0.0 ELSE greatest({v}, 0.0) END"
        delay_sql = None
        if label_date:
            delay_sql = (f"({eng.seconds(f'TRY_CAST({q(label_date)} AS TIMESTAMP)')} - "
                         f"{eng.seconds(f'TRY_CAST({q(timestamp)} AS TIMESTAMP)')}) / 86400.0")
        sums = eng.performance(timestamp=timestamp, window=window, score=score, pred=pred_sql, y=y_sql,
                               val=val_sql, delay=delay_sql, calibration=sql.calibration_rows(est.calibrator))
        sums["w"] = _window_index(sums["w"], index, window)
        step("performance per window", 0.9)
        rows = performance_rows(est, sums, labels, costs=costs, delay=bool(label_date),
                                min_label_coverage=min_label_coverage, min_window_rows=mon.MIN_WINDOW_ROWS)
        perf, cost, concept_from = performance_table(rows, labels, costs=costs, ref_cost=ref_cost)
    elif score and not label:
        notes.append("No label column: realized performance and calibration are not available.")

    results, alerts = mon._triggers_and_alerts(labels, table, score_drift, label_drift, perf, cost, ref_metrics,
                                               ref_cost, triggers, min_label_coverage, notes)
    step("done", 1.0)
    settings = {"n_reference": len(reference), "false_alarm_rate": false_alarm, "volume_per_day": volume_per_day,
                "features": features, "threshold_mode": threshold_mode, "window": window, "costs": costs,
                "codes": None, "reference_frame": reference, "current_frame": None, "engine": eng.name,
                "metric": metric if metric in METRICS else "roc_auc"}
    return mon.MonitoringResult(
        windows=wins, window_kind=window, drift=table, score_drift=score_drift, label_drift=label_drift,
        performance=perf, cost=cost, triggers=results, alerts=alerts, notes=notes, threshold=threshold,
        reference_cost_per_1000=ref_cost, reference_metrics=ref_metrics, concept_drift_from=concept_from,
        settings=settings,
    )

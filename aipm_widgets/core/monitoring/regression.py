"""Monitoring a forecast (a price, a delivery time) window by window: drift, realized and estimated error.

Labels of a forecast often arrive late (the sale closes, the parcel arrives). Where they exist, each window's
**realized** MAE and RMSE are measured. Where they do not, the error is **estimated** by direct loss estimation
(as NannyML's DLE): two gradient-boosted models (scikit-learn's ``HistGradientBoostingRegressor``) are fitted on
the reference to predict each row's absolute error and squared error from the inputs and the prediction; a
window's estimated MAE is the mean predicted absolute error, its RMSE the root of the mean predicted squared
error. Covariate drift toward inputs where the model is weaker raises the estimate; a change the inputs do not
show (concept drift) does not, so a realized error outside the estimate's band flags likely concept drift.

Bands are sampling bands (3 standard errors, as NannyML's): a window of ``n`` rows has a standard error of
``sd / sqrt(n)`` where ``sd`` is the reference's spread of the per-row absolute (squared) error; the
concept-drift flag compares realized and estimated with both windows' sampling errors. Above
:data:`ESTIMATE_ROWS` rows a window's estimate is the mean over a seeded sample of its rows, and that sample's
standard error is added to the band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..text import format as fmt
from ..errors import InputDataError
from ..tasks.forecast import TEXT_TARGET, regression_values
from .run import MIN_LABEL_COVERAGE, MIN_WINDOW_ROWS, Alert, MonitoringResult, default_features, run_monitoring
from .triggers import evaluate_trigger, parse_trigger

__all__ = ["ErrorEstimator", "RegressionMonitoringResult", "run_regression_monitoring", "BAND_Z",
           "DEFAULT_REGRESSION_TRIGGERS"]

BAND_Z = 3.0
FIT_ROWS = 20_000
ESTIMATE_ROWS = 5_000
"""A window's estimate averages the predicted error of at most this many of its rows (a seeded sample); the
sample's own sampling error is added to the band, so a 1,000,000-row year stays a few seconds."""
DEFAULT_REGRESSION_TRIGGERS = (">= 30 % of features drifted", "concept drift for 1 window")


def _encode(frame: pd.DataFrame, features: Sequence[str], categories: Mapping[str, list] | None = None):
    """Inputs for the error models: numbers as floats, text as categories fixed by the reference."""
    out = pd.DataFrame(index=frame.index)
    cats = dict(categories or {})
    for f in features:
        s = frame[f]
        if f in cats:
            out[f] = pd.Categorical(s.astype(object).where(s.notna()), categories=cats[f])
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[f] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(s):
            continue
        else:
            top = s.astype(object).dropna().value_counts().index[:200].tolist()
            cats[f] = top
            out[f] = pd.Categorical(s.astype(object).where(s.notna()), categories=top)
    return out, cats


@dataclass
class ErrorEstimator:
    """Direct loss estimation: models of each row's absolute and squared error, fitted on the reference."""

    features: list[str]
    categories: dict
    abs_model: Any
    sq_model: Any
    reference: dict[str, float]

    @classmethod
    def fit(cls, frame: pd.DataFrame, y: np.ndarray, pred: np.ndarray, *, features: Sequence[str],
            random_state: int = 0) -> "ErrorEstimator":
        from sklearn.ensemble import HistGradientBoostingRegressor

        if len(y) < 50:
            raise InputDataError(f"Only {len(y)} reference rows with an actual value: at least 50 are needed to learn "
                                 "where the model errs; use a longer reference period.")
        rng = np.random.default_rng(random_state)
        take = np.sort(rng.choice(len(y), FIT_ROWS, replace=False)) if len(y) > FIT_ROWS else np.arange(len(y))
        X, cats = _encode(frame.iloc[take], features)
        X["__prediction__"] = pred[take]
        e = pred[take] - y[take]

        def model():
            return HistGradientBoostingRegressor(max_iter=40, learning_rate=0.15, max_leaf_nodes=15, min_samples_leaf=40,
                                                 categorical_features="from_dtype", random_state=random_state)

        abs_model = model().fit(X, np.abs(e))
        sq_model = model().fit(X, e * e)
        a = np.abs(pred - y)
        ref = {"mae": float(a.mean()), "rmse": float(np.sqrt(np.mean(a * a))), "sd_abs": float(a.std(ddof=1)),
               "sd_sq": float((a * a).std(ddof=1)), "n": int(len(y))}
        return cls(list(features), cats, abs_model, sq_model, ref)

    def predict(self, frame: pd.DataFrame, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected absolute and squared error of each row."""
        X, _ = _encode(frame, self.features, self.categories)
        X["__prediction__"] = pred
        return np.maximum(self.abs_model.predict(X), 0.0), np.maximum(self.sq_model.predict(X), 0.0)

    def se(self, n: float) -> tuple[float, float]:
        """Standard errors of a window's MAE and RMSE with ``n`` rows (the reference's per-row spread)."""
        if n <= 0:
            return float("nan"), float("nan")
        r = self.reference
        se_mae = r["sd_abs"] / math.sqrt(n)
        se_rmse = r["sd_sq"] / math.sqrt(n) / (2 * max(r["rmse"], 1e-12))
        return se_mae, se_rmse


@dataclass
class RegressionMonitoringResult(MonitoringResult):
    """A monitoring run of a forecast: drift as for any model, plus realized and estimated MAE/RMSE per window."""

    unit: str = "units"
    estimator: ErrorEstimator | None = None
    task: str = "regression"
    extra_notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        labels = self.labels
        if not labels:
            return "No production windows to monitor."
        parts = []
        moved = self.first_drift()
        span = f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else labels[0]
        if moved:
            parts.append("Inputs moved: " + "; ".join(f"{f} from {w}" for f, w in moved.items())
                         + f" (monitored {span}, {len(self.drift.features)} features, {len(labels)} {self.window_kind} windows).")
        else:
            parts.append(f"No input drift in {span} ({len(self.drift.features)} features, {len(labels)} windows).")
        perf = self.performance
        u = lambda x: f"{fmt.number(x, 2)} {self.unit}"  # noqa: E731
        if self.reference_metrics:
            parts.append(f"Typical miss (MAE) on the reference: {u(self.reference_metrics['mae'])}.")
        if len(perf) and "estimated_mae" in perf:
            last = perf["estimated_mae"].dropna()
            if len(last):
                w = last.index[-1]
                p = perf.loc[w]
                parts.append(f"Estimated MAE in {w}: {u(p['estimated_mae'])} "
                             f"(band {fmt.interval(p['estimated_mae_lower'], p['estimated_mae_upper'], u)}).")
            real = perf.dropna(subset=["realized_mae"]) if "realized_mae" in perf else perf.iloc[:0]
            if len(real):
                worst = real["realized_mae"].idxmax()
                r = real.loc[worst]
                parts.append(f"Highest realized MAE: {u(r['realized_mae'])} in {worst} (labels for "
                             f"{fmt.percent(r['label_coverage'], 0)} of its rows; estimated from inputs {u(r['estimated_mae'])}).")
        if self.concept_drift_from:
            parts.append(f"Likely concept drift from {self.concept_drift_from}: the realized error is outside the band of "
                         "the error estimated from the inputs, so something the inputs do not show changed.")
        fired = self.fired()
        parts.append("Triggers fired: " + "; ".join(f"'{t}' in {w}" for t, w in fired.items()) + "."
                     if fired else "No retraining trigger fired.")
        parts.append("Suggested action: " + self.suggested_action())
        return " ".join(parts)

    def suggested_action(self) -> str:
        if self.concept_drift_from:
            return (f"retrain on data from {self.concept_drift_from} on (with its actual values) and re-check the "
                    "tolerance and offset in metric selection; find out what changed (prices, routes, suppliers).")
        if self.fired():
            return "investigate the drifted inputs, then decide whether to retrain; re-check the offset's cost."
        if any(a.kind == "performance" for a in self.alerts):
            return "the estimated error grew with the inputs' drift: check the affected segments and plan a retrain."
        if self.first_drift():
            return "watch the drifted inputs; the error has not moved beyond its sampling error yet."
        return "no action; keep monitoring."

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["task"] = "regression"
        out["unit"] = self.unit
        out["reference_metrics"] = dict(self.reference_metrics)
        perf = self.performance

        def num(x):
            return None if x is None or pd.isna(x) or not math.isfinite(float(x)) else float(x)

        for entry in out["windows"]:
            lab = entry["window"]
            for k in ("estimated_performance", "performance", "performance_interval"):
                entry.pop(k, None)
            if lab not in perf.index:
                continue
            p = perf.loc[lab]
            entry["estimated_performance"] = {m: {"value": num(p.get(f"estimated_{m}")), "lower": num(p.get(f"estimated_{m}_lower")),
                                                  "upper": num(p.get(f"estimated_{m}_upper"))} for m in ("mae", "rmse")}
            if num(p.get("realized_mae")) is not None:
                entry["performance"] = {m: num(p.get(f"realized_{m}")) for m in ("mae", "rmse", "mean_error")}
                entry["performance_interval"] = {m: [num(p.get(f"realized_{m}_lower")), num(p.get(f"realized_{m}_upper"))]
                                                 for m in ("mae", "rmse")}
            entry["prediction_mean"] = num(p.get("prediction_mean"))
        out["methods"] = {"estimated": "direct loss estimation: HistGradientBoostingRegressor on |error| and error^2 "
                                       "fitted on the reference; bands at 3 sampling standard errors",
                          "concept_drift": "realized outside estimated +/- 3 x sqrt(se_realized^2 + se_estimated^2)"}
        return out

    def record_values(self, *, reference_description: str | None = None) -> dict[str, Any]:
        out = super().record_values(reference_description=reference_description)
        out["task"] = "regression"
        out["last_run"]["task"] = "regression"
        out["last_run"]["reference_metrics"] = dict(self.reference_metrics)
        return out


def run_regression_monitoring(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    label: str,
    prediction: str,
    features: Sequence[str] | None = None,
    timestamp: str | None = "timestamp",
    window: str = "week",
    window_rows: int | None = None,
    triggers: Sequence[Any] | None = None,
    method: str | None = None,
    per_column_method: Mapping[str, str] | None = None,
    drift_threshold: float | None = None,
    threshold_mode: str = "fixed",
    id_column: str | None = None,
    min_label_coverage: float = MIN_LABEL_COVERAGE,
    unit: str = "units",
    band_z: float = BAND_Z,
    label_date: str | None = None,
) -> RegressionMonitoringResult:
    """Monitor a forecast: drift, realized MAE/RMSE where labels exist, estimated MAE/RMSE everywhere.

    ``label`` may be missing from ``current`` (no actual values yet) or partly empty. ``prediction`` is the
    model's predicted number. Other parameters as :func:`aipm_widgets.core.monitoring.run.run_monitoring`.
    """
    if not label or not prediction:
        raise InputDataError("Monitoring a forecast needs the label column (the actual value) and the prediction "
                             "column (the model's number): give --label COL and --prediction COL.")
    from ..io.inputs import require_columns

    require_columns(reference, [label, prediction])
    require_columns(current, [prediction])
    notes: list[str] = []
    if label not in current.columns:
        notes.append(f"The production data has no {label!r} column (no actual values yet): the error is estimated "
                     "from the inputs only.")
        current = current.assign(**{label: np.nan})
    special = {c for c in (timestamp, label, prediction, id_column, label_date) if c}
    if features is None:
        features = default_features(reference, current, skip=special, notes=notes)
    features = [f for f in features if f not in special]
    base = run_monitoring(reference, current, features=features, timestamp=timestamp, window=window,
                          window_rows=window_rows, triggers=[], method=method, per_column_method=per_column_method,
                          drift_threshold=drift_threshold, threshold_mode=threshold_mode, id_column=id_column)
    ref, cur, codes = base.settings["reference_frame"], base.settings["current_frame"], base.settings["codes"]
    labels = base.labels

    # Reference: actual values and predictions --------------------------------------------------------------
    y_ref_all = pd.to_numeric(ref[label], errors="coerce") if ref[label].dtype.kind not in "biuf" else ref[label]
    if ref[label].dtype.kind not in "biuf" and (ref[label].notna() & y_ref_all.isna()).any():
        shown = ", ".join(repr(v) for v in pd.unique(ref[label][ref[label].notna() & y_ref_all.isna()])[:4])
        raise InputDataError(TEXT_TARGET.format(name=label, values=shown))
    ok_ref = y_ref_all.notna().to_numpy()
    if ok_ref.sum() < len(ref):
        notes.append(f"reference: {int((~ok_ref).sum()):,} rows without an actual value left out of the error model.")
    y_ref = regression_values(y_ref_all[ok_ref], name=label)
    p_ref = regression_values(ref[prediction][ok_ref], name=prediction, role="prediction")
    p_cur_s = pd.to_numeric(cur[prediction], errors="coerce")
    bad = ~np.isfinite(p_cur_s.to_numpy(dtype=float))
    if bad.all():
        regression_values(cur[prediction], name=prediction, role="prediction")  # raises the clear message
    if bad.any():
        notes.append(f"production: {int(bad.sum()):,} rows have no usable prediction in {prediction!r}; left out of "
                     "the error measures.")
    est = ErrorEstimator.fit(ref[ok_ref], y_ref, p_ref, features=features)
    p_cur = p_cur_s.to_numpy(dtype=float)
    y_cur_s = cur[label]
    if y_cur_s.dtype.kind not in "biuf":
        y_num = pd.to_numeric(y_cur_s, errors="coerce")
        if (y_cur_s.notna() & y_num.isna()).any():
            shown = ", ".join(repr(v) for v in pd.unique(y_cur_s[y_cur_s.notna() & y_num.isna()])[:4])
            raise InputDataError(TEXT_TARGET.format(name=label, values=shown))
        y_cur_s = y_num
    y_cur = y_cur_s.to_numpy(dtype=float)
    good = ~bad
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    rng = np.random.default_rng(0)
    chosen = []
    for i in range(len(labels)):
        idx = order[np.searchsorted(sorted_codes, i, "left"): np.searchsorted(sorted_codes, i, "right")]
        idx = idx[good[idx]]
        chosen.append(np.sort(rng.choice(idx, ESTIMATE_ROWS, replace=False)) if len(idx) > ESTIMATE_ROWS else idx)
    take = np.concatenate(chosen) if chosen else np.array([], dtype=int)
    abs_hat = np.full(len(cur), np.nan)
    sq_hat = np.full(len(cur), np.nan)
    if len(take):
        a, s = est.predict(cur.iloc[take], p_cur[take])
        abs_hat[take], sq_hat[take] = a, s

    # Per window ---------------------------------------------------------------------------------------------
    rows = []
    for i, lab in enumerate(labels):
        idx = order[np.searchsorted(sorted_codes, i, "left"): np.searchsorted(sorted_codes, i, "right")]
        idx = idx[good[idx]]
        row: dict[str, Any] = {"window": lab, "n_scored": len(idx)}
        if len(idx) == 0:
            rows.append(row)
            continue
        se_mae, se_rmse = est.se(len(idx))
        sample = chosen[i]
        e_mae = float(abs_hat[sample].mean())
        e_rmse = float(np.sqrt(sq_hat[sample].mean()))
        if len(sample) < len(idx):  # the estimate averages a sample of the window: add its sampling error
            m = len(sample)
            se_mae = math.sqrt(se_mae**2 + float(abs_hat[sample].var(ddof=1)) / m)
            se_rmse = math.sqrt(se_rmse**2 + float(sq_hat[sample].var(ddof=1)) / m / (2 * max(e_rmse, 1e-12)) ** 2)
        row.update(estimated_mae=e_mae, estimated_mae_lower=e_mae - band_z * se_mae, estimated_mae_upper=e_mae + band_z * se_mae,
                   estimated_rmse=e_rmse, estimated_rmse_lower=e_rmse - band_z * se_rmse,
                   estimated_rmse_upper=e_rmse + band_z * se_rmse, prediction_mean=float(p_cur[idx].mean()))
        lab_idx = idx[np.isfinite(y_cur[idx])]
        row["n_labeled"] = len(lab_idx)
        row["label_coverage"] = len(lab_idx) / len(idx)
        if len(lab_idx):
            e = p_cur[lab_idx] - y_cur[lab_idx]
            r_mae, r_rmse = float(np.abs(e).mean()), float(np.sqrt(np.mean(e * e)))
            sr_mae, sr_rmse = est.se(len(lab_idx))
            row.update(realized_mae=r_mae, realized_mae_lower=r_mae - 1.959964 * sr_mae, realized_mae_upper=r_mae + 1.959964 * sr_mae,
                       realized_rmse=r_rmse, realized_rmse_lower=r_rmse - 1.959964 * sr_rmse,
                       realized_rmse_upper=r_rmse + 1.959964 * sr_rmse, realized_mean_error=float(e.mean()))
            gap = band_z * math.sqrt(sr_mae**2 + se_mae**2)
            row["concept_drift"] = bool(row["label_coverage"] >= min_label_coverage and len(lab_idx) >= MIN_WINDOW_ROWS // 2
                                        and len(idx) >= MIN_WINDOW_ROWS and abs(r_mae - e_mae) > gap)
        else:
            row["concept_drift"] = False
        rows.append(row)
    perf = pd.DataFrame(rows).set_index("window") if rows else pd.DataFrame(index=pd.Index([], name="window"))
    concept_from = None
    if "concept_drift" in perf:
        perf["concept_drift"] = perf["concept_drift"].fillna(False).astype(bool)
        hits = perf.index[perf["concept_drift"]]
        concept_from = hits[0] if len(hits) else None

    # Triggers and alerts ----------------------------------------------------------------------------------
    trig_list = [parse_trigger(t) for t in (triggers if triggers is not None else DEFAULT_REGRESSION_TRIGGERS)]
    values: dict[str, list[float]] = {"drift_share": [float(x) for x in base.drift.drift_share]}
    for m in ("mae", "rmse"):
        for kind in ("estimated", "realized"):
            col = f"{kind}_{m}"
            if col in perf:
                s = perf[col].reindex(labels)
                if kind == "realized":
                    s = s.where(perf["label_coverage"].reindex(labels) >= min_label_coverage)
                values[f"{kind}.{m}"] = [float(x) for x in s]
    if "concept_drift" in perf:
        values["concept_drift"] = [float(bool(x)) for x in perf["concept_drift"].reindex(labels).fillna(False)]
    for t in trig_list:
        if t.measure not in values:
            notes.append(f"Trigger '{t.text}' cannot be evaluated on a forecast (no {t.measure.replace('_', ' ')}).")
    results = [evaluate_trigger(t, labels, values) for t in trig_list]
    alerts = [a for a in base.alerts if a.kind != "trigger"]
    u = lambda x: f"{fmt.number(x, 2)} {unit}"  # noqa: E731
    for lab in labels:
        if lab not in perf.index or "estimated_mae" not in perf or pd.isna(perf.loc[lab].get("estimated_mae")):
            continue
        p = perf.loc[lab]
        if bool(p.get("concept_drift", False)):
            alerts.append(Alert(lab, "concept_drift",
                                f"Likely concept drift: realized MAE {u(p['realized_mae'])} is outside the estimate from the "
                                f"inputs {u(p['estimated_mae'])} (band {fmt.interval(p['estimated_mae_lower'], p['estimated_mae_upper'], u)})."))
        if p["n_scored"] >= MIN_WINDOW_ROWS and p["estimated_mae_lower"] > est.reference["mae"]:
            alerts.append(Alert(lab, "performance", f"Estimated MAE {u(p['estimated_mae'])} (band from "
                                                    f"{u(p['estimated_mae_lower'])}) is above the reference's {u(est.reference['mae'])}."))
        for r in results:
            if r.fired_at == lab:
                alerts.append(Alert(lab, "trigger", f"Retraining trigger fired: '{r.trigger.text}': {r.reason}."))
    settings = dict(base.settings)
    settings.update(task="regression", label=label, prediction=prediction)
    return RegressionMonitoringResult(
        windows=base.windows, window_kind=base.window_kind, drift=base.drift, score_drift=None, label_drift=None,
        performance=perf, cost=pd.DataFrame(index=pd.Index(labels, name="window")), triggers=results, alerts=alerts,
        notes=notes + base.notes, threshold=None, reference_cost_per_1000=None,
        reference_metrics={"mae": est.reference["mae"], "rmse": est.reference["rmse"]},
        concept_drift_from=concept_from, settings=settings, unit=unit, estimator=est,
    )

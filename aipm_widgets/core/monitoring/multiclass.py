"""Monitoring a multiclass model (a ticket router) window by window: drift, estimated and realized performance.

Drift of the inputs is the same as for any model (:func:`aipm_widgets.core.monitoring.run.run_monitoring` computes it).
On top, per window:

*estimated* accuracy, macro F1 and per-class recall **without labels**, by confidence-based performance estimation
(CBPE, as NannyML does for multiclass): each class's probability is calibrated one-vs-rest on the reference (isotonic
regression) and the calibrated rows are rescaled to sum to 1, so row ``i`` is of class ``c`` with probability
``p[i, c]``. The expected confusion matrix has column ``j`` = the sum of ``p`` over the rows routed to ``j``; accuracy,
recall, precision and F1 follow. With a confidence threshold, the automation rate is observed and the accuracy of
the automated share is estimated the same way on the automated rows.

*realized* metrics where labels have arrived (a label naming a class the model does not know, a new ticket type,
counts as a misroute in accuracy and is reported on its own).

Bands: each metric's spread over random reference samples of ``base_n`` rows, scaled by ``sqrt(base_n / n)``, plus
the same error at the reference's size for an estimate (the calibration was fitted there); +/- 1.96 of it. Realized
accuracy and recall use Wilson intervals. **Concept drift** is flagged in a window with enough labels when realized
accuracy's interval lies wholly below the estimate's band: the input shift does not explain the drop.

Examples
--------
>>> from aipm_widgets.core.demo.tickets import load_tickets
>>> ref, cur = load_tickets("validation"), load_tickets("production")
>>> res = run_monitoring_multiclass(ref, cur, label="queue", prediction="predicted_queue", proba_prefix="proba_",
...                                 timestamp="created_at", window="month", features=["keyword", "channel"])
>>> res.concept_drift_from, res.new_classes["outage"]
('2025-10', '2025-11')
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..text import format as fmt
from .drift import compute_drift
from ..errors import InputDataError
from .run import MIN_LABEL_COVERAGE, MIN_WINDOW_ROWS, Alert, MonitoringResult, chance_words, default_features, run_monitoring
from ..tasks.routing import _f1s, _macro_weighted, routing_cost_matrix, routing_inputs
from ..stats.intervals import wilson_interval
from .triggers import evaluate_trigger, parse_trigger

__all__ = ["MulticlassEstimator", "MulticlassMonitoringResult", "run_monitoring_multiclass", "MC_METRICS",
           "DEFAULT_MC_TRIGGERS"]

Z95 = 1.959963984540054
MC_METRICS = ("accuracy", "macro_f1", "accuracy_automated")
DEFAULT_MC_TRIGGERS = (">= 30 % of features drifted", "concept drift for 1 window")


def _metrics_from_matrix(m: np.ndarray, extra_wrong: float = 0.0) -> dict[str, Any]:
    """Accuracy (``extra_wrong`` rows of unknown classes count as misroutes), macro F1 and per-class recall."""
    m = np.asarray(m, float)
    n = m.sum() + extra_wrong
    _, recall, f1, support = _f1s(m)
    macro, _ = _macro_weighted(f1, support)
    return {"accuracy": float(np.trace(m) / n) if n > 0 else float("nan"), "macro_f1": float(macro),
            "recall": recall.astype(float)}


@dataclass
class MulticlassEstimator:
    """Per-class isotonic calibration fitted on the reference, plus each metric's sampling error at ``base_n`` rows."""

    classes: list[str]
    calibrators: list
    threshold: float | None
    reference: dict
    base_n: int
    base_sd: dict
    n_reference: int

    @classmethod
    def fit(cls, y: np.ndarray, proba: np.ndarray, pred: np.ndarray, classes: Sequence[str], *, threshold: float | None = None,
            base_n: int = 2000, n_samples: int = 60, seed: int = 0) -> "MulticlassEstimator":
        from ..stats.isotonic import IsotonicCalibration  # scikit-learn's isotonic fit, without its import

        y, proba, pred = np.asarray(y), np.asarray(proba, float), np.asarray(pred)
        k = len(classes)
        cals = [IsotonicCalibration().fit(proba[:, c], (y == c).astype(float))
                for c in range(k)]
        est = cls(list(classes), cals, threshold, {}, int(min(base_n, len(y))), {}, len(y))
        est.reference = est._realized_values(y, proba, pred)
        rng = np.random.default_rng(seed)
        draws: dict[str, list] = {}
        for _ in range(n_samples):
            idx = rng.integers(0, len(y), est.base_n)
            for name, v in est._realized_values(y[idx], proba[idx], pred[idx]).items():
                draws.setdefault(name, []).append(v)
        est.base_sd = {name: float(np.nanstd(v, ddof=1)) if np.isfinite(v).sum() > 2 else float("nan")
                       for name, v in draws.items()}
        return est

    def _flat(self, mets: dict, prefix: str = "") -> dict[str, float]:
        out = {"accuracy": mets["accuracy"], "macro_f1": mets["macro_f1"]}
        for c, r in zip(self.classes, mets["recall"]):
            out[f"recall[{c}]"] = float(r)
        return out

    def _realized_values(self, y, proba, pred) -> dict[str, float]:
        k = len(self.classes)
        known = y >= 0
        m = np.bincount(y[known] * k + pred[known], minlength=k * k).reshape(k, k)
        out = self._flat(_metrics_from_matrix(m, float((y == -2).sum())))
        if self.threshold is not None:
            auto = proba[np.arange(len(pred)), pred] >= self.threshold
            ma = np.bincount(y[known & auto] * k + pred[known & auto], minlength=k * k).reshape(k, k)
            na = ma.sum() + ((y == -2) & auto).sum()
            out["accuracy_automated"] = float(np.trace(ma) / na) if na else float("nan")
        return out

    def calibrate(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, one-vs-rest, rescaled so each row sums to 1."""
        p = np.column_stack([cal.predict(proba[:, c]) for c, cal in enumerate(self.calibrators)])
        total = p.sum(1, keepdims=True)
        return np.where(total > 0, p / np.where(total > 0, total, 1), 1.0 / len(self.classes))

    def expected_matrix(self, proba: np.ndarray, pred: np.ndarray) -> np.ndarray:
        """CBPE's expected confusion matrix (true class x routed class) from calibrated probabilities."""
        k = len(self.classes)
        p = self.calibrate(np.asarray(proba, float))
        m = np.zeros((k, k))
        for j in range(k):
            m[:, j] = p[pred == j].sum(0)
        return m

    def sampling_error(self, metric: str, n: int) -> float:
        sd = self.base_sd.get(metric, float("nan"))
        return float(sd * np.sqrt(self.base_n / n)) if n > 0 else float("nan")

    def _band(self, metric: str, value: float, n: int, estimated: bool) -> dict[str, float]:
        se = self.sampling_error(metric, n)
        if estimated:
            se = float(np.hypot(se, self.sampling_error(metric, self.n_reference)))
        lo = max(0.0, value - Z95 * se) if np.isfinite(se) else float("nan")
        hi = min(1.0, value + Z95 * se) if np.isfinite(se) else float("nan")
        return {"value": float(value), "lower": lo, "upper": hi, "se": se}

    def estimate(self, proba: np.ndarray, pred: np.ndarray) -> dict[str, dict[str, float]]:
        """Estimated metrics for one window (no labels), each ``{"value", "lower", "upper", "se"}``."""
        n = len(pred)
        if n == 0:
            return {}
        flat = self._flat(_metrics_from_matrix(self.expected_matrix(proba, pred)))
        out = {name: self._band(name, v, n, True) for name, v in flat.items()}
        if self.threshold is not None:
            auto = np.asarray(proba)[np.arange(n), pred] >= self.threshold
            lo, hi = wilson_interval(int(auto.sum()), n)
            out["automation_rate"] = {"value": float(auto.mean()), "lower": float(lo), "upper": float(hi), "se": float("nan")}
            if auto.any():
                ma = self.expected_matrix(np.asarray(proba)[auto], pred[auto])
                out["accuracy_automated"] = self._band("accuracy_automated", float(np.trace(ma) / ma.sum()), int(auto.sum()), True)
        return out

    def realized(self, y: np.ndarray, proba: np.ndarray, pred: np.ndarray) -> dict[str, dict[str, float]]:
        """Realized metrics for one window's labeled rows, with Wilson intervals (accuracy, recall) or scaled bands."""
        y = np.asarray(y)
        if len(y) == 0:
            return {}
        k = len(self.classes)
        known = y >= 0
        m = np.bincount(y[known] * k + pred[known], minlength=k * k).reshape(k, k)
        flat = self._realized_values(y, np.asarray(proba), pred)
        out: dict[str, dict[str, float]] = {}
        lo, hi = wilson_interval(int(np.trace(m)), len(y))
        out["accuracy"] = {"value": flat["accuracy"], "lower": float(lo), "upper": float(hi)}
        out["macro_f1"] = self._band("macro_f1", flat["macro_f1"], len(y), False)
        for c, name in enumerate(self.classes):
            lo, hi = wilson_interval(int(m[c, c]), int(m[c].sum()))
            out[f"recall[{name}]"] = {"value": flat[f"recall[{name}]"], "lower": float(lo) if m[c].sum() else float("nan"),
                                      "upper": float(hi) if m[c].sum() else float("nan")}
        if "accuracy_automated" in flat:
            auto = np.asarray(proba)[np.arange(len(pred)), pred] >= self.threshold
            na = int(auto.sum())
            ok = int(((y == pred) & auto).sum())
            lo, hi = wilson_interval(ok, na) if na else (float("nan"), float("nan"))
            out["accuracy_automated"] = {"value": flat["accuracy_automated"], "lower": float(lo), "upper": float(hi)}
        return out


@dataclass
class MulticlassMonitoringResult(MonitoringResult):
    """A :class:`MonitoringResult` whose performance columns are multiclass (accuracy, macro F1, per-class recall)."""

    classes: list[str] = field(default_factory=list)
    new_classes: dict[str, str] = field(default_factory=dict)
    """Label values the model has no class for, and the first window they appear in (a new ticket type)."""
    task: str = "multiclass"

    def summary(self) -> str:
        labels = self.labels
        if not labels:
            return "No production windows to monitor."
        span = f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else labels[0]
        parts = []
        moved = self.first_drift()
        if moved:
            parts.append("Inputs moved: " + "; ".join(f"{f} from {w}" for f, w in moved.items())
                         + f" (monitored {span}, {len(self.drift.features)} features, {len(labels)} {self.window_kind} windows).")
        else:
            parts.append(f"No input drift in {span} ({len(self.drift.features)} features, {len(labels)} windows).")
        parts.append(f"Chance alone would raise {chance_words(self.expected_chance_alerts())} drift flags.")
        perf = self.performance
        ref = self.reference_metrics.get("accuracy")
        if len(perf) and "estimated_accuracy" in perf:
            last = perf.dropna(subset=["estimated_accuracy"])
            if len(last):
                w = last.index[-1]
                r = last.loc[w]
                parts.append(f"Accuracy: {fmt.percent(ref)} on the reference; estimated without labels "
                             f"{fmt.estimate(r['estimated_accuracy'], r['estimated_accuracy_lower'], r['estimated_accuracy_upper'])} in {w}.")
            if "realized_accuracy" in perf:
                real = perf.dropna(subset=["realized_accuracy"])
                if len(real):
                    w = real["realized_accuracy"].idxmin()
                    r = real.loc[w]
                    parts.append(f"Lowest realized accuracy: {fmt.estimate(r['realized_accuracy'], r['realized_accuracy_lower'], r['realized_accuracy_upper'])} "
                                 f"in {w} (labels for {fmt.percent(r['label_coverage'], 0)} of its rows).")
        cost_text = self.cost_sentence(unit="rows")
        if cost_text:
            parts.append(cost_text)
        for cls, w in self.new_classes.items():
            parts.append(f"A class the model does not know appears in the labels from {w}: {cls!r}.")
        if self.concept_drift_from:
            parts.append(f"Likely concept drift from {self.concept_drift_from}: realized accuracy fell below what the "
                         "input shift explains (below the estimate's band).")
        fired = self.fired()
        parts.append("Triggers fired: " + "; ".join(f"'{t}' in {w}" for t, w in fired.items()) + "." if fired
                     else "No retraining trigger fired.")
        parts.append("Suggested action: " + self.suggested_action())
        return " ".join(parts)

    def suggested_action(self) -> str:
        if self.new_classes:
            return (f"add the new class(es) {', '.join(map(repr, self.new_classes))} to the model (label examples, retrain) "
                    "and route them to a person until then; re-run metric selection.")
        if self.concept_drift_from:
            return (f"retrain on data from {self.concept_drift_from} on (with its labels) and re-run metric selection; "
                    "find what changed in the business.")
        return super().suggested_action()

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["task"] = "multiclass"
        out["classes"] = list(self.classes)
        out["new_classes"] = dict(self.new_classes)
        out["reference_metrics"] = {k: _num(v) for k, v in self.reference_metrics.items()}
        perf = self.performance
        for entry in out["windows"]:
            lab = entry["window"]
            for k in ("estimated_performance", "performance", "performance_interval"):
                entry.pop(k, None)
            if lab not in perf.index:
                continue
            p = perf.loc[lab]
            names = [c[len("estimated_"):] for c in perf.columns
                     if c.startswith("estimated_") and not c.endswith(("_lower", "_upper"))]
            entry["estimated_performance"] = {m: {"value": _num(p[f"estimated_{m}"]), "lower": _num(p.get(f"estimated_{m}_lower")),
                                                  "upper": _num(p.get(f"estimated_{m}_upper"))} for m in names}
            real = [c[len("realized_"):] for c in perf.columns if c.startswith("realized_") and not c.endswith(("_lower", "_upper"))]
            if "realized_accuracy" in p and pd.notna(p["realized_accuracy"]):
                entry["performance"] = {m: _num(p[f"realized_{m}"]) for m in real}
                entry["performance_interval"] = {m: [_num(p.get(f"realized_{m}_lower")), _num(p.get(f"realized_{m}_upper"))]
                                                 for m in real}
            if "automation_rate" in p:
                entry["automation_rate"] = _num(p["automation_rate"])
            if "unknown_class_rows" in p:
                entry["unknown_class_rows"] = int(p["unknown_class_rows"]) if pd.notna(p["unknown_class_rows"]) else 0
        return out

    def record_values(self, *, reference_description: str | None = None) -> dict[str, Any]:
        out = super().record_values(reference_description=reference_description)
        out["task"] = "multiclass"
        out["last_run"]["new_classes"] = dict(self.new_classes)
        return out

    def _repr_html_(self) -> str:
        cols = [c for c in ("estimated_accuracy", "realized_accuracy", "estimated_macro_f1", "realized_macro_f1", "label_coverage")
                if c in self.performance]
        return f"<p>{html.escape(self.summary())}</p>" + self.performance[cols].round(3).to_html(escape=True)


def _automated(proba: np.ndarray, pred: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is None:
        return np.ones(len(pred), dtype=bool)
    return np.asarray(proba)[np.arange(len(pred)), pred] >= threshold


def _estimated_cost(cost_model: dict, est: "MulticlassEstimator", proba: np.ndarray, pred: np.ndarray,
                    threshold: float | None) -> float:
    """Expected cost per 1,000 rows without labels: the expected confusion matrix of the automated rows (calibrated
    probabilities) times the cost matrix, plus a person's cost for each row below the threshold."""
    n = len(pred)
    if n == 0:
        return float("nan")
    auto = _automated(proba, pred, threshold)
    total = float((~auto).sum()) * cost_model["manual"]
    if auto.any():
        total += float((est.expected_matrix(np.asarray(proba)[auto], pred[auto]) * cost_model["matrix"]).sum())
    return total / n * 1000


def _realized_cost(cost_model: dict, y: np.ndarray, proba: np.ndarray, pred: np.ndarray, threshold: float | None) -> float:
    """Cost per 1,000 labeled rows: each automated row's cell of the cost matrix (a class the model does not know
    costs a misroute), a person's cost for each row below the threshold."""
    y = np.asarray(y)
    n = len(y)
    if n == 0:
        return float("nan")
    auto = _automated(proba, pred, threshold)
    known = auto & (y >= 0)
    total = float(cost_model["matrix"][y[known], pred[known]].sum())
    total += float((auto & (y == -2)).sum()) * cost_model["misroute"]
    total += float((~auto).sum()) * cost_model["manual"]
    return total / n * 1000


def _num(x):
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def run_monitoring_multiclass(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    label: str | None,
    prediction: str | None = None,
    proba_columns: Mapping[str, str] | None = None,
    proba_prefix: str | None = None,
    threshold: float | None = None,
    features: Sequence[str] | None = None,
    timestamp: str | None = "timestamp",
    window: str = "week",
    window_rows: int | None = None,
    triggers: Sequence[Any] | None = None,
    id_column: str | None = None,
    min_label_coverage: float = MIN_LABEL_COVERAGE,
    costs: Mapping[str, Any] | None = None,
    volume_per_day: float | None = None,
    **drift_options: Any,
) -> MulticlassMonitoringResult:
    """Monitor a multiclass model: drift of its inputs and predictions, estimated and realized performance per window.

    Parameters
    ----------
    reference, current : DataFrame
        Reference rows with labels (validation or launch period) and production rows (labels may be missing).
    label, prediction, proba_columns, proba_prefix
        The true class, the class the model chose (default: highest probability) and one probability column per
        class (``{class: column}``, or the columns named ``proba_prefix + class``).
    threshold : float, optional
        The confidence threshold decided in metric selection (below it a person routes): adds the automation rate and
        the accuracy of the automated share.
    features, timestamp, window, window_rows, id_column, drift_options
        As in :func:`aipm_widgets.core.monitoring.run.run_monitoring`.
    triggers : list, optional
        Retraining triggers in words, e.g. ``'estimated accuracy < 0.8 for 2 consecutive windows'``.
    costs : mapping, optional
        Stage 4's routing costs (the record's ``metrics.routing_costs``: ``currency``, ``misroute``, ``manual`` and
        optional ``matrix`` overrides): adds the cost per 1,000 rows per window, estimated from the calibrated
        probabilities (no labels needed) and realized on the labeled rows, against the reference's.
    volume_per_day : float, optional
        Rows a day, to turn a change of cost per 1,000 into money per month in the summary.
    """
    if not isinstance(reference, pd.DataFrame) or not isinstance(current, pd.DataFrame):
        raise InputDataError("reference and current must be tables (pandas DataFrames).")
    if not label:
        raise InputDataError("Multiclass monitoring needs the label column of the reference (the true class of each row).")
    cols = routing_inputs(reference.head(50), label=label, prediction=prediction, proba_columns=proba_columns,
                          proba_prefix=proba_prefix, allow_missing_labels=True, unknown_labels="keep").proba_columns
    skip = {label, prediction, timestamp, id_column, *cols.values()} - {None}
    notes: list[str] = []
    if features is None:
        features = default_features(reference, current, skip=skip, notes=notes)
    base = run_monitoring(reference, current, features=features, timestamp=timestamp, window=window, window_rows=window_rows,
                          id_column=id_column, triggers=[], **drift_options)
    notes = notes + base.notes
    ref = base.settings["reference_frame"]
    cur = base.settings["current_frame"]
    codes = base.settings["codes"]
    labels = base.labels
    r_in = routing_inputs(ref, label=label, prediction=prediction, proba_columns=cols, allow_missing_labels=True)
    c_in = routing_inputs(cur, label=label if label in cur.columns else None, prediction=prediction, proba_columns=cols,
                          allow_missing_labels=True, unknown_labels="keep")
    if label not in cur.columns:
        notes.append(f"The production data has no {label!r} column: estimated performance only.")
    classes = r_in.classes
    have = r_in.y >= 0
    if have.sum() < 10 * len(classes):
        raise InputDataError(f"The reference has {int(have.sum())} labeled rows: too few to calibrate {len(classes)} classes "
                             f"(need at least {10 * len(classes)}).")
    est = MulticlassEstimator.fit(r_in.y[have], r_in.proba[have], r_in.pred[have], classes, threshold=threshold)
    cost_model = routing_cost_matrix(costs, classes)
    ref_cost = (_realized_cost(cost_model, r_in.y[have], r_in.proba[have], r_in.pred[have], threshold)
                if cost_model is not None else None)
    small = {w.label for w in base.windows if 0 < w.n < MIN_WINDOW_ROWS}

    # Prediction drift (the routed classes' mix) and label drift (arrived labels' mix).
    names = np.array(classes, dtype=object)
    pd_ = compute_drift(pd.DataFrame({"prediction": names[r_in.pred]}), pd.DataFrame({"prediction": names[c_in.pred]}),
                        codes, len(labels), features=["prediction"], window_labels=labels)
    score_drift = None
    if pd_.features:
        score_drift = pd.DataFrame({"method": pd_.method["prediction"], "score": pd_.score.loc["prediction"],
                                    "threshold": pd_.threshold.loc["prediction"], "drift": pd_.drift.loc["prediction"]})
        for lab in small:
            score_drift.loc[lab, "drift"] = False

    rows = []
    y_cur = c_in.y if c_in.y is not None else np.full(len(cur), -1)
    new_first: dict[str, str] = {}
    unknown_names = class_values = None
    if c_in.y is not None and c_in.unknown_labels:
        from ..tasks.routing import class_names

        class_values = class_names(cur[label])
        unknown_names = set(c_in.unknown_labels)
    for i, lab in enumerate(labels):
        idx = np.flatnonzero(codes == i)
        row: dict[str, Any] = {"window": lab, "n": len(idx)}
        if len(idx) == 0:
            rows.append(row)
            continue
        e = est.estimate(c_in.proba[idx], c_in.pred[idx])
        for m, v in e.items():
            if m == "automation_rate":
                row["automation_rate"] = v["value"]
                row["automation_rate_lower"], row["automation_rate_upper"] = v["lower"], v["upper"]
                continue
            row[f"estimated_{m}"], row[f"estimated_{m}_lower"], row[f"estimated_{m}_upper"] = v["value"], v["lower"], v["upper"]
        yl = y_cur[idx]
        lab_idx = idx[yl != -1]
        row["n_labeled"] = len(lab_idx)
        row["label_coverage"] = len(lab_idx) / len(idx)
        row["unknown_class_rows"] = int((yl == -2).sum())
        if unknown_names:
            for v in sorted({class_values[j] for j in idx[yl == -2]}):
                new_first.setdefault(v, lab)
        rr = est.realized(y_cur[lab_idx], c_in.proba[lab_idx], c_in.pred[lab_idx]) if len(lab_idx) else {}
        for m, v in rr.items():
            row[f"realized_{m}"], row[f"realized_{m}_lower"], row[f"realized_{m}_upper"] = v["value"], v["lower"], v["upper"]
        if cost_model is not None:
            row["cost_estimated"] = _estimated_cost(cost_model, est, c_in.proba[idx], c_in.pred[idx], threshold)
            if len(lab_idx):
                row["cost_realized"] = _realized_cost(cost_model, y_cur[lab_idx], c_in.proba[lab_idx], c_in.pred[lab_idx],
                                                      threshold)
        row["concept_drift"] = bool(
            rr and row["label_coverage"] >= min_label_coverage and len(lab_idx) >= MIN_WINDOW_ROWS and len(idx) >= MIN_WINDOW_ROWS
            and rr["accuracy"]["upper"] < e["accuracy"]["lower"]
        )
        rows.append(row)
    perf = pd.DataFrame(rows).set_index("window")
    if "concept_drift" in perf:
        perf["concept_drift"] = perf["concept_drift"].fillna(False).astype(bool)
    hits = perf.index[perf["concept_drift"]] if "concept_drift" in perf else []
    concept_from = hits[0] if len(hits) else None

    # Triggers and alerts ------------------------------------------------------------------------------------
    defaults = DEFAULT_MC_TRIGGERS + (("cost per 1,000 up 20 % on launch",) if cost_model is not None else ())
    trig_list = [parse_trigger(t) for t in (triggers if triggers is not None else defaults)]
    values: dict[str, list[float]] = {"drift_share": [float(x) for x in base.drift.drift_share]}
    for m in ("accuracy", "macro_f1"):
        for kind in ("estimated", "realized"):
            col = f"{kind}_{m}"
            if col in perf:
                s = perf[col].reindex(labels)
                if kind == "realized":
                    s = s.where(perf["label_coverage"].reindex(labels) >= min_label_coverage)
                values[f"{kind}.{m}"] = [float(x) for x in s]
    if "concept_drift" in perf:
        values["concept_drift"] = [float(bool(x)) for x in perf["concept_drift"].reindex(labels).fillna(False)]
    if score_drift is not None:
        values["score_drift"] = [float(bool(x)) for x in score_drift["drift"].reindex(labels)]
    cost = pd.DataFrame(index=pd.Index(labels, name="window"))
    if cost_model is not None:
        cost = perf[[c for c in ("cost_estimated", "cost_realized") if c in perf]].reindex(labels)
        cost.index.name = "window"
        values["cost_per_1000"] = [float(x) for x in cost["cost_estimated"]]
        if ref_cost:
            values["cost_change"] = [(float(x) - ref_cost) / abs(ref_cost) for x in cost["cost_estimated"]]
    for t in trig_list:
        if t.measure not in values:
            notes.append(f"Trigger '{t.text}' cannot be evaluated on this data (no {t.measure.replace('_', ' ')}).")
    results = [evaluate_trigger(t, labels, values) for t in trig_list]

    alerts = [a for a in base.alerts if a.kind == "drift"]
    ref_acc = est.reference["accuracy"]
    for lab in labels:
        if score_drift is not None and bool(score_drift["drift"].get(lab, False)):
            alerts.append(Alert(lab, "score_drift", f"The mix of predicted classes moved ({score_drift.loc[lab, 'method']} "
                                                    f"{score_drift.loc[lab, 'score']:.3g}): queues will get a different load."))
        for cls, first in new_first.items():
            if first == lab:
                alerts.append(Alert(lab, "new_class", f"Labels name a class the model does not know: {cls!r} "
                                                      f"({int(c_in.unknown_labels[cls]):,} rows so far). Every one is misrouted."))
        if lab not in perf.index:
            continue
        p = perf.loc[lab]
        if bool(p.get("concept_drift", False)):
            alerts.append(Alert(lab, "concept_drift",
                                f"Likely concept drift: realized accuracy {fmt.estimate(p['realized_accuracy'], p['realized_accuracy_lower'], p['realized_accuracy_upper'])} "
                                f"is below the estimate without labels {fmt.estimate(p['estimated_accuracy'], p['estimated_accuracy_lower'], p['estimated_accuracy_upper'])}: "
                                "the input shift does not explain the drop."))
        if p.get("estimated_accuracy_upper", np.nan) < ref_acc and p.get("n", 0) >= MIN_WINDOW_ROWS:
            alerts.append(Alert(lab, "performance", f"Estimated accuracy {fmt.estimate(p['estimated_accuracy'], p['estimated_accuracy_lower'], p['estimated_accuracy_upper'])} "
                                                    f"is below the reference's {fmt.percent(ref_acc)}."))
        for r in results:
            if r.fired_at == lab:
                alerts.append(Alert(lab, "trigger", f"Retraining trigger fired: '{r.trigger.text}': {r.reason}."))

    settings = dict(base.settings)
    settings.update(task="multiclass", threshold=threshold, proba_columns=cols)
    if cost_model is not None:
        settings.update(costs={"currency": (costs or {}).get("currency"), "misroute": cost_model["misroute"],
                               "manual": cost_model["manual"]}, volume_per_day=volume_per_day)
    return MulticlassMonitoringResult(
        windows=base.windows, window_kind=base.window_kind, drift=base.drift, score_drift=score_drift, label_drift=None,
        performance=perf, cost=cost, triggers=results, alerts=alerts,
        notes=notes, threshold=threshold, reference_cost_per_1000=ref_cost,
        reference_metrics={k: v for k, v in est.reference.items()}, concept_drift_from=concept_from, settings=settings,
        classes=classes, new_classes=new_first,
    )


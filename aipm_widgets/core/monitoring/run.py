"""Post-launch monitoring, window by window: drift, performance (realized and estimated), cost and triggers.

:func:`run_monitoring` is the one entry point (the widget, the notebook and ``aipm monitor`` all call it).
It cleans obvious data-quality problems first, so they never raise an alert (each one is reported in
``notes``): null markers in text columns (``''``, ``'N/A'``, ``'?'`` ...), numeric sentinels (``-999``,
``-9999``), duplicate rows (by id when one is given), unreadable timestamps, rows without a score.

Examples
--------
>>> from aipm_widgets.core import demo
>>> df = demo.load_fraud()
>>> res = run_monitoring(df[df.split == "validation"], df[df.split == "production"], features=["amount", "channel"],
...                      timestamp="timestamp", window="month", label="is_fraud", score="score", threshold=0.08)
>>> res.first_drift()["amount"], res.concept_drift_from
('2025-09', '2025-10')
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..text import format as fmt
from ..assessment.checks import id_like_columns
from ..metrics.costs import DAYS_PER_MONTH
from .drift import DriftTable, compute_drift
from ..errors import InputDataError
from ..io.inputs import binary_labels, require_columns
from .estimation import METRICS, expected_metrics, realized_metrics
from .performance import decision_threshold, performance_table, reference_side, window_row
from .triggers import Trigger, TriggerResult, evaluate_trigger, parse_trigger
from .windows import Window, assign_windows
# The monitor's settings and words, light enough for a dashboard's first controls (re-exported: callers import them from here).
from .settings import (DEFAULT_TRIGGERS, METRIC_NAMES, NULL_MARKERS, SENTINELS, chance_words,  # noqa: F401
                       decided_metric, demo_costs, metric_text, settings_from_record)

__all__ = ["Alert", "MonitoringResult", "run_monitoring", "settings_from_record", "demo_costs", "DEFAULT_TRIGGERS",
           "NULL_MARKERS"]

TINY_REFERENCE = 100
MIN_WINDOW_ROWS = 100
"""Below this many rows a window's drift distances are mostly noise (about 1/sqrt(n)): shown, never alerted on."""
MIN_LABEL_COVERAGE = 0.3


@dataclass(frozen=True)
class Alert:
    """Something a person should look at: in which window, what kind, in words."""

    window: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"window": self.window, "kind": self.kind, "message": self.message}


@dataclass
class MonitoringResult:
    """Everything one monitoring run found; see :func:`run_monitoring`."""

    windows: list[Window]
    window_kind: str
    drift: DriftTable
    score_drift: pd.DataFrame | None
    label_drift: pd.DataFrame | None
    performance: pd.DataFrame
    cost: pd.DataFrame
    triggers: list[TriggerResult]
    alerts: list[Alert]
    notes: list[str]
    threshold: float | None
    reference_cost_per_1000: float | None
    reference_metrics: dict[str, float]
    concept_drift_from: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [w.label for w in self.windows]

    def window_frame(self, label: str) -> pd.DataFrame:
        """The (cleaned) production rows of one window."""
        if label not in self.labels:
            raise InputDataError(f"No window {label!r}; windows are {', '.join(self.labels[:5])} ...")
        codes = self.settings["codes"]
        if codes is None:
            raise InputDataError(f"The rows of window {label!r} stayed in the {self.settings.get('engine')} engine; "
                                 "per-row views need --engine pandas.")
        return self.settings["current_frame"][codes == self.labels.index(label)]

    def check_against_card(self, card: Mapping[str, Any]) -> str:
        """Compare what was found with the demo data card's injected drifts (one line each)."""
        fraud = card.get("fraud", card)
        cov, concept = fraud["covariate_drift"], fraud["concept_drift"]
        first = self.first_drift()
        found = ", ".join(f"{f} from {w}" for f, w in first.items()) or "nothing"
        start = cov["start"][:7] if self.window_kind == "month" else cov["start"]
        early = [a for a in self.alerts if a.window < start]
        return "\n".join([
            f"Card: covariate drift from {cov['start']} in {', '.join(cov['columns'])}. Found: {found}.",
            f"Card: concept drift from {concept['start']}. Found: likely concept drift from {self.concept_drift_from or 'never'}.",
            f"Alerts before {cov['start']}: {len(early)}.",
        ])

    def first_drift(self) -> dict[str, str]:
        """Each drifted feature and the first window it drifted in (only windows with enough rows)."""
        out = {}
        for f in self.drift.features:
            row = self.drift.drift.loc[f]
            hit = [w for w in row.index if row[w]]
            if hit:
                out[f] = hit[0]
        return out

    def fired(self) -> dict[str, str]:
        return {t.trigger.text: t.fired_at for t in self.triggers if t.fired_at}

    def chance_basis(self) -> str:
        """How the chance figure was obtained, in words."""
        t = self.drift
        if t.threshold_mode == "band":
            return "band thresholds at 3 standard deviations: 0.27% of tests"
        kinds = {("p-value tests at their significance level" if t.method[f] in {"ks", "chisquare", "z"} else
                  "distance thresholds: the share of reference chunks of one window's size that cross them")
                 for f in t.features}
        return "; ".join(sorted(kinds))

    def expected_chance_alerts(self) -> float:
        return self.drift.expected_chance_alerts(self.settings.get("false_alarm_rate"))

    def summary(self) -> str:
        """The plain-language summary that leads the page."""
        parts = []
        labels = self.labels
        if not labels:
            return "No production windows to monitor."
        span = f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else labels[0]
        moved = self.first_drift()
        if moved:
            by_start: dict[str, list[str]] = {}
            for f, w in moved.items():
                by_start.setdefault(w, []).append(f)
            groups = sorted(by_start.items(), key=lambda kv: labels.index(kv[0]))
            moved_text = "; ".join(", ".join(fs) + " from " + w for w, fs in groups)
            parts.append(
                f"Inputs moved: {moved_text} "
                f"(monitored {span}, {len(self.drift.features)} features, {len(labels)} {self.window_kind} windows)."
            )
        else:
            parts.append(f"No input drift in {span} ({len(self.drift.features)} features, {len(labels)} windows).")
        chance = self.expected_chance_alerts()
        n_flags = int(self.drift.drift.values.sum())
        n_tests = int((self.drift.n > 0).values.sum())
        parts.append(f"{n_flags} drift flags in {n_tests} feature-window tests; chance alone would raise {chance_words(chance)}.")
        perf = self.performance
        m = self.settings.get("metric") or "roc_auc"
        name, show = METRIC_NAMES[m], (lambda x: metric_text(m, x))  # noqa: E731
        if len(perf) and f"realized_{m}" in perf:
            ref_value = self.reference_metrics.get(m)
            real = perf.dropna(subset=[f"realized_{m}"])
            if len(real):
                worst = real[f"realized_{m}"].idxmin()
                r = real.loc[worst]
                where = "" if self.threshold is None or m == "roc_auc" else f" at threshold {fmt.threshold(self.threshold)}"
                parts.append(
                    f"{name[0].upper() + name[1:]}{where}: {show(ref_value)} on the reference; realized "
                    f"{fmt.estimate(r[f'realized_{m}'], r[f'realized_{m}_lower'], r[f'realized_{m}_upper'], show)} in {worst} "
                    f"(labels for {fmt.percent(r['label_coverage'], 0)} of its rows"
                    + (f", median {fmt.count(r['label_delay_days'])} days late" if pd.notna(r.get("label_delay_days", np.nan)) else "")
                    + "), estimated from scores "
                    f"{fmt.estimate(r[f'estimated_{m}'], r[f'estimated_{m}_lower'], r[f'estimated_{m}_upper'], show)}."
                )
        cost_text = self.cost_sentence()
        if cost_text:
            parts.append(cost_text)
        if self.concept_drift_from:
            parts.append(
                f"Likely concept drift from {self.concept_drift_from}: performance fell more than the input shift explains "
                "(realized well below the estimate from scores)."
            )
        fired = self.fired()
        if fired:
            parts.append("Triggers fired: " + "; ".join(f"'{t}' in {w}" for t, w in fired.items()) + ".")
        else:
            parts.append("No retraining trigger fired.")
        differences = self.settings.get("column_differences") or {}
        if differences.get("only_in_reference") or differences.get("only_in_production"):
            parts.append(differences_sentence(differences))
        parts.append("Suggested action: " + self.suggested_action())
        return " ".join(parts)

    def cost_sentence(self, unit: str = "decisions") -> str | None:
        """The estimated cost per 1,000 in the last window against the reference, with its money per month."""
        if "cost_estimated" not in self.cost or not self.reference_cost_per_1000:
            return None
        c = self.cost["cost_estimated"].dropna()
        if not len(c):
            return None
        last, ref = float(c.iloc[-1]), float(self.reference_cost_per_1000)
        cur = (self.settings.get("costs") or {}).get("currency")
        money = lambda x: fmt.money(x, cur)  # noqa: E731
        change = (last - ref) / abs(ref)
        real = self.cost["cost_realized"].get(c.index[-1]) if "cost_realized" in self.cost else None
        real_text = f"; realized on its labeled rows {money(float(real))}" if real is not None and pd.notna(real) else ""
        text = (f"Estimated cost per 1,000 {unit}: {money(ref)} on the reference, {money(last)} in "
                f"{c.index[-1]} ({'+' if change >= 0 else ''}{fmt.percent(change, 0)}{real_text})")
        vol = self.settings.get("volume_per_day")
        if vol:
            monthly = (last - ref) * vol * DAYS_PER_MONTH / 1000
            text += f", about {'+' if monthly >= 0 else ''}{money(monthly)} a month at {fmt.count(vol)} {unit} a day"
        return text + "."

    def suggested_action(self) -> str:
        if self.concept_drift_from:
            return (f"retrain on data from {self.concept_drift_from} on (with its labels) and re-run metric selection; "
                    "review what changed in the business (a new pattern in the outcomes?).")
        if self.fired():
            return "investigate the drifted inputs, then decide whether to retrain; re-check the threshold's cost."
        if self.first_drift():
            return "watch the drifted inputs; performance has not moved beyond its sampling error yet."
        return "no action; keep monitoring."

    def to_dict(self) -> dict[str, Any]:
        """The ``aipm monitor --json`` document."""

        def num(x):
            if x is None:
                return None
            x = float(x)
            return None if math.isnan(x) else (x if math.isfinite(x) else (1e308 if x > 0 else -1e308))

        out_windows = []
        for i, w in enumerate(self.windows):
            lab = w.label
            feats = {}
            for f in self.drift.features:
                feats[f] = {"method": self.drift.method[f], "score": num(self.drift.score.loc[f, lab]),
                            "threshold": num(self.drift.threshold.loc[f, lab]), "drift": bool(self.drift.drift.loc[f, lab]),
                            "n": int(self.drift.n.loc[f, lab])}
                if self.drift.bound is not None and f in self.drift.bound.index:
                    feats[f]["score_bound"] = num(self.drift.bound.loc[f, lab])
            entry: dict[str, Any] = {"window": lab, "start": w.start, "end": w.end, "n": w.n, "features": feats,
                                     "drift_share": num(self.drift.drift_share.iloc[i])}
            if self.score_drift is not None:
                entry["score_drift"] = self.score_drift.loc[lab].to_dict() if lab in self.score_drift.index else None
            if self.label_drift is not None and lab in self.label_drift.index:
                entry["label_drift"] = self.label_drift.loc[lab].to_dict()
            if lab in self.performance.index:
                p = self.performance.loc[lab]
                est = {m: {"value": num(p[f"estimated_{m}"]), "lower": num(p[f"estimated_{m}_lower"]),
                           "upper": num(p[f"estimated_{m}_upper"])} for m in METRICS if f"estimated_{m}" in p}
                if est:
                    entry["estimated_performance"] = est
                if "realized_roc_auc" in p and not pd.isna(p.get("realized_roc_auc")):
                    entry["performance"] = {m: num(p[f"realized_{m}"]) for m in METRICS}
                    entry["performance_interval"] = {m: [num(p[f"realized_{m}_lower"]), num(p[f"realized_{m}_upper"])]
                                                     for m in METRICS}
                if "label_coverage" in p:
                    entry["label_coverage"] = num(p["label_coverage"])
                if "label_delay_days" in p:
                    entry["label_delay_days"] = num(p["label_delay_days"])
                entry["likely_concept_drift"] = bool(p.get("concept_drift", False))
            if lab in self.cost.index:
                entry["cost_per_1000"] = {k: num(v) for k, v in self.cost.loc[lab].items()}
            out_windows.append(entry)
        return {
            "windows": out_windows,
            "alerts": [a.to_dict() for a in self.alerts],
            "triggers": [{"text": t.trigger.text, "fired_at": t.fired_at, "reason": t.reason} for t in self.triggers],
            "summary": self.summary(),
            "expected_chance_alerts": num(self.expected_chance_alerts()),
            "threshold": num(self.threshold),
            "notes": list(self.notes),
            "column_differences": dict(self.settings.get("column_differences") or {}),
        }

    def record_values(self, *, reference_description: str | None = None) -> dict[str, Any]:
        """The values to save in the record's ``monitoring`` section."""
        labels = self.labels
        return {
            "reference_description": reference_description,
            "window": self.window_kind,
            "features": list(self.drift.features),
            "threshold_mode": self.drift.threshold_mode,
            "drift_methods": dict(self.drift.method),
            "drift_thresholds": {f: float(self.drift.threshold.loc[f].dropna().iloc[0]) for f in self.drift.features
                                 if self.drift.threshold.loc[f].notna().any()},
            "triggers": [t.trigger.to_dict() for t in self.triggers],
            "suggested_action": self.suggested_action(),
            "summary": self.summary()[:1000],
            "last_run": {
                "when": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                "reference": reference_description,
                "n_reference": self.settings.get("n_reference"),
                "n_current": int(sum(w.n for w in self.windows)),
                "windows": len(labels),
                "first_window": labels[0] if labels else None,
                "last_window": labels[-1] if labels else None,
                "drifted_features": self.first_drift(),
                "concept_drift_from": self.concept_drift_from,
                "triggers_fired": self.fired(),
                "expected_chance_alerts": round(self.expected_chance_alerts(), 2),
                "summary": self.summary()[:2000],
            },
            "alerts": [a.to_dict() for a in self.alerts[:200]],
        }

    def __repr__(self) -> str:
        return f"MonitoringResult({len(self.windows)} windows, {len(self.alerts)} alerts)"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(a.window)}</td><td>{html.escape(a.kind)}</td><td>{html.escape(a.message)}</td></tr>"
            for a in self.alerts[:50]
        )
        return (f"<p>{html.escape(self.summary())}</p><table><tr><th>window</th><th>kind</th><th>alert</th></tr>"
                f"{rows}</table>")


# ----------------------------------------------------------------------------- cleaning
def _null_markers(s: pd.Series) -> pd.Series:
    """Where a text column holds a null marker ("n/a", "NULL", " - " ...): each distinct value is looked at once (a
    log of a million rows holds a few hundred; 0.3 s to 0.02 s on the demo's page 5)."""
    try:
        codes, uniques = pd.factorize(s)  # missing values get code -1: never a marker
    except TypeError:  # unhashable cells (lists from a Parquet file): every cell as text
        return s.notna() & s.astype(str).str.strip().str.lower().isin(NULL_MARKERS)
    marker = pd.Index(uniques).astype(str).str.strip().str.lower().isin(NULL_MARKERS)
    return pd.Series(np.append(marker, False)[codes], index=s.index)


def _clean_frame(frame: pd.DataFrame, columns: Sequence[str], name: str, notes: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for c in columns:
        s = frame[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            bad = _null_markers(s)
            if bad.any():
                found = sorted(set(s[bad].astype(str)))
                notes.append(f"{name}: {int(bad.sum()):,} '{c}' values are null markers ({', '.join(map(repr, found[:5]))}); "
                             "treated as missing, not as a new category.")
                frame[c] = s.where(~bad, np.nan)
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            bad = s.isin(SENTINELS)
            if bad.any():
                notes.append(f"{name}: {int(bad.sum()):,} '{c}' values are sentinels ({', '.join(f'{v:g}' for v in sorted(set(s[bad])))}); "
                             "treated as missing.")
                frame[c] = s.where(~bad, np.nan)
    return frame


def _dedupe(frame: pd.DataFrame, id_column: str | None, name: str, notes: list[str]) -> pd.DataFrame:
    dup = frame.duplicated(subset=[id_column] if id_column else None)
    if dup.any():
        notes.append(f"{name}: {int(dup.sum()):,} duplicate rows" + (f" (same {id_column!r})" if id_column else "")
                     + " dropped, so repeated log writes do not count twice.")
        frame = frame[~dup.to_numpy()]
    return frame


def _score_column(frame: pd.DataFrame, score: str, name: str, notes: list[str]) -> pd.Series:
    s = pd.to_numeric(frame[score], errors="coerce").replace([np.inf, -np.inf], np.nan)
    bad = s.isna()
    if bad.any():
        notes.append(f"{name}: {int(bad.sum()):,} rows have no usable score in {score!r}; left out of performance.")
    ok = s.dropna()
    if len(ok) == 0:
        example = frame[score].dropna().iloc[0] if frame[score].notna().any() else None
        raise InputDataError(f"{name}: the score column {score!r} holds no numbers (e.g. {example!r}); give the model's "
                             "score or probability per row.")
    if ok.min() < 0 or ok.max() > 1:
        notes.append(
            f"{name}: the score {score!r} runs from {ok.min():.3g} to {ok.max():.3g}, outside [0, 1], so it is not a "
            "probability; estimated performance calibrates it on the reference first, and the threshold applies to the raw score."
        )
    return s


# ----------------------------------------------------------------------------- main entry point
def _score_text(x: Any) -> str:
    """A drift score or p-value in words: three decimals, or scientific notation when tiny."""
    v = fmt.as_number(x)
    if v is None:
        return fmt.NA
    return fmt.number(v, 3) if v == 0 or abs(v) >= 0.001 else f"{v:.1e}"


def default_features(
    reference: pd.DataFrame, current: pd.DataFrame, *, skip: set, notes: list[str]
) -> list[str]:
    """The columns worth watching when none are named: shared, not special, and not ids, dates or constants.

    Comparing an id or a date column window by window always "drifts" (every window holds new values), so it
    would raise an alert from garbage; such columns are left out and listed in ``notes``.
    """
    shared = [c for c in current.columns if c not in skip and c in reference.columns]
    nunique = {c: reference[c].nunique(dropna=True) for c in shared}
    ids = {issue.column for issue in id_like_columns(reference[shared], nunique=nunique)}
    features, left_out = [], []
    for col in shared:
        name = str(col).lower()
        if pd.api.types.is_datetime64_any_dtype(reference[col]) or name.endswith(("_date", "_at", "_time")) or name in {"date", "time"}:
            left_out.append(f"{col} (a date)")
        elif str(col) in ids:
            left_out.append(f"{col} (an identifier: new values in every window)")
        elif nunique[col] <= 1:
            left_out.append(f"{col} (constant in the reference)")
        else:
            features.append(col)
    if left_out:
        notes.append("Not watched for drift: " + "; ".join(left_out) + ". Name the features to override.")
    return features


def column_differences(reference: pd.DataFrame, current: pd.DataFrame, *, skip: set = frozenset()) -> dict[str, list[str]]:
    """Columns only one side has (besides ``skip``): a column missing from production cannot be watched and
    must be said, not silently dropped."""
    ref = [str(c) for c in reference.columns if c not in skip]
    cur = [str(c) for c in current.columns if c not in skip]
    return {"only_in_reference": [c for c in ref if c not in set(cur)],
            "only_in_production": [c for c in cur if c not in set(ref)]}


def differences_sentence(differences: dict[str, list[str]]) -> str:
    """One sentence naming the columns only one side has (long lists and long names shortened)."""
    from ..errors import short

    def names(cols: list[str]) -> str:
        shown = ", ".join(repr(short(c, 40)) for c in cols[:8])
        return shown + (f" and {len(cols) - 8:,} more" if len(cols) > 8 else "")

    parts = []
    if differences.get("only_in_reference"):
        cols = differences["only_in_reference"]
        parts.append(f"{len(cols):,} reference column(s) missing from production, so not monitored: {names(cols)}")
    if differences.get("only_in_production"):
        cols = differences["only_in_production"]
        parts.append(f"{len(cols):,} production column(s) not in the reference, so not monitored: {names(cols)}")
    return "; ".join(parts) + ". Check the production export if a column was renamed or dropped."


def run_monitoring(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    timestamp: str | None = "timestamp",
    window: str = "week",
    window_rows: int | None = None,
    label: str | None = None,
    positive: Any = None,
    score: str | None = None,
    prediction: str | None = None,
    label_date: str | None = None,
    threshold: float | None = None,
    costs: Mapping[str, Any] | None = None,
    triggers: Sequence[str | Mapping | Trigger] | None = None,
    method: str | None = None,
    per_column_method: Mapping[str, str] | None = None,
    drift_threshold: float | None = None,
    threshold_mode: str = "fixed",
    id_column: str | None = None,
    min_label_coverage: float = MIN_LABEL_COVERAGE,
    volume_per_day: float | None = None,
    metric: str | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
    progress: Any = None,
    task: str | None = None,
    **task_options: Any,
) -> MonitoringResult:
    """Monitor ``current`` (production) against ``reference`` window by window.

    ``task="regression"`` hands over to :func:`aipm_widgets.core.monitoring.regression.run_regression_monitoring`
    (``label`` = the actual value, ``prediction`` = the predicted number; ``task_options`` such as ``unit``).

    Parameters
    ----------
    reference, current : DataFrame
        Reference rows (validation or launch period) and production rows.
    features : list of str, optional
        Input columns to watch (default: every column except timestamp, label, score, prediction, id).
    timestamp, window, window_rows
        Period windows (``day``/``week``/``month``) over ``timestamp``, or ``window_rows`` rows each.
    label, positive
        The outcome column (may be partly empty: labels that have not arrived) and its positive value.
    label_date : str, optional
        When each label arrived (a date column): gives each window's median label delay in days.
    score, prediction, threshold
        The model's score column, an optional 0/1 decision column, and the alert threshold (``score >= threshold``).
    costs : mapping, optional
        Stage 4's cost model (``cost_fp``, ``cost_fn``, ``fn_cost_from_value``, ``value_column``, ``value_tp``).
    triggers : list, optional
        Retraining triggers in words or as stored mappings (default: :data:`DEFAULT_TRIGGERS`).
    method, per_column_method, drift_threshold, threshold_mode
        Drift method overrides and thresholds (see :func:`aipm_widgets.core.monitoring.drift.compute_drift`).
    id_column : str, optional
        Row id used to drop duplicate log rows (default: exact duplicate rows are dropped).
    min_label_coverage : float
        Share of a window's rows that must have their label before its realized metrics count for triggers
        and the concept-drift flag.
    volume_per_day : float, optional
        Decisions per day (stage 4's), to turn the cost change into money per month.
    task : str, optional
        ``"multiclass"`` monitors a router from its per-class probabilities (``task_options`` ``proba_columns`` or
        ``proba_prefix``) and its ``prediction`` column; ``threshold`` is then the confidence threshold (see
        :func:`aipm_widgets.core.monitoring.multiclass.run_monitoring_multiclass`).
    metric : str, optional
        The performance metric the summary speaks of (``roc_auc``, ``recall``, ``precision``, ``f1``); default
        from stage 4's decided metric via :func:`decided_metric`.
    engine : {"pandas", "duckdb", "spark"}, optional
        Where production data is aggregated (default pandas, in memory). ``duckdb`` and ``spark`` take ``current``
        as Parquet file(s), a folder or a glob (``spark`` also a Spark DataFrame) and aggregate counts per
        (window, feature, bin) there; see :mod:`aipm_widgets.core.monitoring.engines`. ``progress(step, share)`` is called
        as the steps finish; ``spark_master`` (default ``local[*]``, or the notebook's active session) for ``spark``.
    """
    if engine not in (None, "pandas") or not isinstance(current, pd.DataFrame):
        args = {k: v for k, v in locals().items() if k not in {"reference", "current", "engine", "task_options"}}
        from .engines import monitor_source

        return monitor_source(reference, current, engine=engine, **args, **task_options)
    if task == "multiclass":
        from .multiclass import run_monitoring_multiclass

        return run_monitoring_multiclass(
            reference, current, label=label, prediction=prediction, threshold=threshold, features=features,
            timestamp=timestamp, window=window, window_rows=window_rows, triggers=triggers, id_column=id_column,
            min_label_coverage=min_label_coverage, method=method, per_column_method=per_column_method,
            drift_threshold=drift_threshold, threshold_mode=threshold_mode, costs=costs, volume_per_day=volume_per_day,
            **task_options,
        )
    if task == "regression":
        from .regression import run_regression_monitoring

        return run_regression_monitoring(
            reference, current, label=label, prediction=prediction, features=features, timestamp=timestamp,
            window=window, window_rows=window_rows, triggers=triggers, method=method,
            per_column_method=per_column_method, drift_threshold=drift_threshold, threshold_mode=threshold_mode,
            id_column=id_column, min_label_coverage=min_label_coverage, label_date=label_date, **task_options)
    if task_options:
        raise InputDataError(f"Unknown option(s) for monitoring: {', '.join(sorted(task_options))}.")
    notes: list[str] = []
    if not isinstance(reference, pd.DataFrame) or not isinstance(current, pd.DataFrame):
        raise InputDataError("reference and current must be tables (pandas DataFrames).")
    if len(reference) == 0:
        raise InputDataError("The reference table has no rows; give the validation or launch-period data.")
    if len(current) == 0:
        raise InputDataError("The production table has no rows; nothing to monitor.")
    if label and label not in current.columns and label in reference.columns:
        # The usual layout early after launch: labels in the reference, none yet in the production log.
        notes.append(f"The production data has no {label!r} column: performance is estimated from the reference's "
                     "labels (no realized performance until labels arrive).")
        current = current.assign(**{label: np.nan})
    special = [c for c in (timestamp if window_rows is None else None, label, score, prediction, id_column, label_date) if c]
    require_columns(current, special)
    require_columns(reference, [c for c in (label, score, prediction) if c])
    differences = column_differences(reference, current, skip=set(special) | {timestamp})  # stated in the summary
    if features is None:
        features = default_features(reference, current, skip=set(special) | {timestamp}, notes=notes)
    features = list(features)
    if not features:
        raise InputDataError("No feature columns to compare: name them, or give tables with the same columns.")
    require_columns(reference, features)
    require_columns(current, features)
    if len(reference) < TINY_REFERENCE:
        notes.append(
            f"The reference has only {len(reference)} rows (under {TINY_REFERENCE}): drift tests on it are weak and its "
            "thresholds uncertain; use a longer reference period if you can."
        )
    reference = _dedupe(_clean_frame(reference, features, "reference", notes), id_column, "reference", notes)
    current = _dedupe(_clean_frame(current, features, "production", notes), id_column, "production", notes)

    # Windows -----------------------------------------------------------------------------------------
    if window_rows is None and timestamp is None:
        raise InputDataError("Give a timestamp column for period windows, or a row count (window_rows).")
    if window_rows is None:
        current = current.sort_values(timestamp, kind="stable") if pd.api.types.is_datetime64_any_dtype(current[timestamp]) else current
    wa = assign_windows(current[timestamp] if window_rows is None else None, window=window, window_rows=window_rows,
                        n_rows=len(current), name=timestamp or "timestamp")
    notes.extend(wa.notes)
    codes = wa.codes
    labels = [w.label for w in wa.windows]
    small = [w.label for w in wa.windows if 0 < w.n < MIN_WINDOW_ROWS]

    # Drift -------------------------------------------------------------------------------------------
    table = compute_drift(reference, current, codes, len(labels), features=features, window_labels=labels,
                          method=method, per_column_method=per_column_method, threshold=drift_threshold,
                          threshold_mode=threshold_mode)
    notes.extend(table.notes)
    notes.extend(table.skipped.values())
    if small:
        notes.append(f"{len(small)} window(s) have fewer than {MIN_WINDOW_ROWS} rows ({', '.join(small[:5])}); "
                     "their drift is shown but never alerted on.")
        for lab in small:
            table.drift[lab] = False
    false_alarm = _reference_false_alarm_rate(reference, table, wa)

    # Score and label drift ------------------------------------------------------------------------------
    score_drift = label_drift = None
    ref_score = cur_score = None
    if score:
        ref_score = _score_column(reference, score, "reference", notes)
        cur_score = _score_column(current, score, "production", notes)
        sd = compute_drift(pd.DataFrame({"score": ref_score}), pd.DataFrame({"score": cur_score}), codes, len(labels),
                           features=["score"], window_labels=labels)
        if sd.features:
            score_drift = pd.DataFrame({"method": sd.method["score"], "score": sd.score.loc["score"],
                                        "threshold": sd.threshold.loc["score"], "drift": sd.drift.loc["score"]})
            for lab in small:
                score_drift.loc[lab, "drift"] = False
    y_ref = y_cur = None
    if label:
        y_ref = binary_labels(reference[label], positive=positive, name=label, allow_missing=True)
        if (y_ref < 0).all():
            notes.append(f"The reference has no labels in {label!r}: no calibration, so no estimated performance.")
        try:
            if current[label].notna().any():
                y_cur = binary_labels(current[label], positive=positive, name=label, allow_missing=True, min_rows=0)
            else:  # no label has arrived yet
                y_cur = np.full(len(current), -1, dtype=np.int8)
        except InputDataError as exc:
            if "only one class" not in str(exc):
                raise
            # One class among the labels that arrived so far is possible early on: keep them.
            y_cur = binary_labels(pd.concat([reference[label], current[label]]), positive=positive, name=label,
                                  allow_missing=True)[len(reference):]
        if (y_ref >= 0).any() and (y_cur >= 0).any():
            lr = pd.DataFrame({"label": np.where(y_ref >= 0, y_ref, np.nan)})
            lc = pd.DataFrame({"label": np.where(y_cur >= 0, y_cur, np.nan)})
            ld = compute_drift(lr, lc, codes, len(labels), features=["label"], window_labels=labels)
            if ld.features:
                label_drift = pd.DataFrame({"method": ld.method["label"], "score": ld.score.loc["label"],
                                            "threshold": ld.threshold.loc["label"], "drift": ld.drift.loc["label"],
                                            "n_labeled": ld.n.loc["label"]})
                for lab in small:
                    label_drift.loc[lab, "drift"] = False

    # Threshold, performance and cost ------------------------------------------------------------------------
    costs = dict(costs or {})
    perf = pd.DataFrame(index=pd.Index(labels, name="window"))
    cost = pd.DataFrame(index=pd.Index(labels, name="window"))
    ref_metrics: dict[str, float] = {}
    ref_cost = None
    concept_from = None
    threshold = decision_threshold(score=score, threshold=threshold, y_ref=y_ref, ref_score=ref_score, costs=costs,
                                   prediction=prediction, notes=notes)
    pred_ref = pred_cur = None
    if prediction:
        pred_ref = binary_labels(reference[prediction], name=prediction, allow_missing=True, min_rows=0) == 1
        pred_cur = binary_labels(current[prediction], name=prediction, allow_missing=True, min_rows=0) == 1
    side = None
    if score and label and y_ref is not None and threshold is not None:
        side = reference_side(reference, y_ref, ref_score, threshold=threshold, costs=costs, pred_ref=pred_ref,
                              production_columns=list(current.columns), notes=notes)
    if side is not None:
        est, costs, ref_metrics, ref_cost = side.estimator, side.costs, side.metrics, side.cost_per_1000
        order = np.argsort(codes, kind="stable")
        cs = cur_score.to_numpy()
        delay_days = None
        if label_date and window_rows is None:
            arrived = pd.to_datetime(current[label_date], errors="coerce")
            when = pd.to_datetime(current[timestamp], errors="coerce")
            delay_days = ((arrived - when).dt.total_seconds() / 86400).to_numpy(float)
        vals = current[costs["value_column"]].fillna(0).clip(lower=0).to_numpy() if costs.get("fn_cost_from_value") else None
        rows = []
        for i, lab in enumerate(labels):
            idx = order[np.searchsorted(codes[order], i, "left"): np.searchsorted(codes[order], i, "right")]
            idx = idx[~np.isnan(cs[idx])]
            if len(idx) == 0:
                rows.append(window_row(est, lab, 0, None, None, costs=costs, min_label_coverage=min_label_coverage,
                                       min_window_rows=MIN_WINDOW_ROWS))
                continue
            s_w, pred_w = cs[idx], None if pred_cur is None else pred_cur[idx]
            p = est.calibrate(s_w)
            alerted = s_w >= threshold if pred_w is None else pred_w
            expected = expected_metrics(p, s_w, threshold, pred_w)
            lab_idx = idx[y_cur[idx] >= 0]
            y_l = y_cur[lab_idx]
            realized = (realized_metrics(y_l, cs[lab_idx], threshold, None if pred_cur is None else pred_cur[lab_idx])
                        if len(set(y_l)) == 2 else None)
            delay = None
            if delay_days is not None:
                d = delay_days[lab_idx]
                delay = float(np.nanmedian(d)) if np.isfinite(d).any() else np.nan
            missed_e = missed_r = 0.0
            if vals is not None:
                missed_e = float((p[~alerted] * vals[idx][~alerted]).sum())
                missed_r = float(vals[idx][(y_cur[idx] == 1) & ~alerted].sum())
            rows.append(window_row(est, lab, len(idx), expected, realized, n_labeled=len(lab_idx), delay_days=delay,
                                   missed_expected=missed_e, missed_realized=missed_r, costs=costs,
                                   min_label_coverage=min_label_coverage, min_window_rows=MIN_WINDOW_ROWS))
        perf, cost, concept_from = performance_table(rows, labels, costs=costs, ref_cost=ref_cost)
    elif score and not label:
        notes.append("No label column: realized performance and calibration are not available.")

    results, alerts = _triggers_and_alerts(labels, table, score_drift, label_drift, perf, cost, ref_metrics, ref_cost,
                                           triggers, min_label_coverage, notes)
    settings = {"n_reference": len(reference), "false_alarm_rate": false_alarm, "volume_per_day": volume_per_day, "features": features,
                "threshold_mode": threshold_mode, "window": window if window_rows is None else f"{window_rows} rows",
                "costs": costs, "codes": codes, "reference_frame": reference, "current_frame": current,
                "column_differences": differences,
                "metric": metric if metric in METRICS else "roc_auc"}
    return MonitoringResult(
        windows=wa.windows, window_kind=settings["window"], drift=table, score_drift=score_drift, label_drift=label_drift,
        performance=perf, cost=cost, triggers=results, alerts=alerts, notes=notes, threshold=threshold,
        reference_cost_per_1000=ref_cost, reference_metrics=ref_metrics, concept_drift_from=concept_from,
        settings=settings,
    )


def _triggers_and_alerts(labels, table, score_drift, label_drift, perf, cost, ref_metrics, ref_cost, triggers,
                         min_label_coverage, notes) -> tuple[list[TriggerResult], list[Alert]]:
    """Retraining triggers evaluated on the per-window measures, and the alerts in words (every engine ends here)."""
    # Triggers and alerts -----------------------------------------------------------------------------------
    trig_list = [parse_trigger(t) for t in (triggers if triggers is not None else DEFAULT_TRIGGERS)]
    values: dict[str, list[float]] = {"drift_share": [float(x) for x in table.drift_share]}
    for m in METRICS:
        for kind in ("estimated", "realized"):
            col = f"{kind}_{m}"
            if col in perf:
                s = perf[col].reindex(labels)
                if kind == "realized" and "label_coverage" in perf:
                    s = s.where(perf["label_coverage"].reindex(labels) >= min_label_coverage)
                values[f"{kind}.{m}"] = [float(x) for x in s]
    if "concept_drift" in perf:
        values["concept_drift"] = [float(bool(x)) for x in perf["concept_drift"].reindex(labels).fillna(False)]
    if score_drift is not None:
        values["score_drift"] = [float(bool(x)) for x in score_drift["drift"].reindex(labels)]
    if "cost_estimated" in cost:
        values["cost_per_1000"] = [float(x) for x in cost["cost_estimated"].reindex(labels)]
        if ref_cost:
            values["cost_change"] = [(float(x) - ref_cost) / abs(ref_cost) for x in cost["cost_estimated"].reindex(labels)]
    if triggers is None:  # defaults that this data cannot evaluate are left out rather than shown as never firing
        trig_list = [t for t in trig_list if t.measure in values]
    for t in trig_list:
        if t.measure not in values:
            notes.append(f"Trigger '{t.text}' cannot be evaluated on this data (no {t.measure.replace('_', ' ')}).")
    results = [evaluate_trigger(t, labels, values) for t in trig_list]

    alerts: list[Alert] = []
    share = table.drift_share
    for i, lab in enumerate(labels):
        drifted = [f for f in table.features if table.drift.loc[f, lab]]
        if drifted:
            detail = ", ".join(f"{f} ({table.method[f]} {_score_text(table.score.loc[f, lab])}, threshold "
                               f"{_score_text(table.threshold.loc[f, lab])})" for f in drifted)
            dataset = " Dataset drift (at least half the features)." if share.iloc[i] >= 0.5 else ""
            alerts.append(Alert(lab, "drift", f"{len(drifted)} of {len(table.features)} features drifted: {detail}.{dataset}"))
        if score_drift is not None and bool(score_drift["drift"].get(lab, False)):
            alerts.append(Alert(lab, "score_drift", f"The score's distribution moved ({score_drift.loc[lab, 'method']} "
                                                    f"{score_drift.loc[lab, 'score']:.3g}); the alert rate will change."))
        if label_drift is not None and bool(label_drift["drift"].get(lab, False)):
            alerts.append(Alert(lab, "label_drift", f"The positive rate among arrived labels moved "
                                                    f"({label_drift.loc[lab, 'method']} {label_drift.loc[lab, 'score']:.3g})."))
        if lab in perf.index and "concept_drift" in perf and bool(perf.loc[lab, "concept_drift"]):
            p = perf.loc[lab]
            alerts.append(Alert(lab, "concept_drift",
                                f"Likely concept drift: realized ROC AUC {p['realized_roc_auc']:.3f} "
                                f"[{p['realized_roc_auc_lower']:.3f}, {p['realized_roc_auc_upper']:.3f}] is below the "
                                f"estimate from scores {p['estimated_roc_auc']:.3f} [{p['estimated_roc_auc_lower']:.3f}, "
                                f"{p['estimated_roc_auc_upper']:.3f}]: the input shift does not explain the drop."))
        if lab in perf.index and ref_metrics and "estimated_recall_upper" in perf:
            p = perf.loc[lab]
            if p.get("estimated_recall_upper", np.nan) < ref_metrics["recall"]:
                alerts.append(Alert(lab, "performance", f"Estimated recall {p['estimated_recall']:.2f} "
                                                        f"[{p['estimated_recall_lower']:.2f}, {p['estimated_recall_upper']:.2f}] "
                                                        f"is below the reference's {ref_metrics['recall']:.2f}."))
        for r in results:
            if r.fired_at == lab:
                alerts.append(Alert(lab, "trigger", f"Retraining trigger fired: '{r.trigger.text}': {r.reason}."))

    return results, alerts


def _reference_false_alarm_rate(reference: pd.DataFrame, table: DriftTable, wa) -> dict[str, float]:
    """Share of reference chunks (one window's size) a fixed distance threshold would flag: the chance rate."""
    from .drift import DISTANCE_METHODS, drift_score, is_drift

    sizes = [w.n for w in wa.windows if w.n > 0]
    chunk = int(np.median(sizes)) if sizes else 0
    k = min(10, len(reference) // chunk) if chunk else 0
    out: dict[str, float] = {}
    if k < 2:
        return out
    for f in table.features:
        m = table.method[f]
        if m not in DISTANCE_METHODS:
            continue
        ref = reference[f].dropna()
        thr = float(table.threshold.loc[f].dropna().iloc[0]) if table.threshold.loc[f].notna().any() else None
        if thr is None:
            continue
        flags = [is_drift(m, drift_score(m, ref, ref.iloc[i * chunk:(i + 1) * chunk], table.kind[f]), thr) for i in range(k)]
        out[f] = float(np.mean(flags))
    return out

"""Accuracy vs speed vs cost: fitted candidate models compared at the same operating point, on this machine.

Each candidate is scored on the same evaluation rows and put at the **same alert rate** (the review team's
workload does not change with the model), where its recall, precision and expected error cost are read. Its
inference latency per 1,000 rows is measured here (best of a few batch runs), and turned into a serving-cost
estimate from the volume and a price per CPU-hour. The **Pareto frontier** holds the candidates no other candidate
beats on every axis at once (higher recall, lower latency, lower total monthly cost).

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.tree import DecisionTreeClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(600, 3)); y = (X[:, 0] + rng.normal(size=600) > 1.5).astype(int)
>>> models = {"logistic": LogisticRegression().fit(X, y), "tree": DecisionTreeClassifier(max_depth=3).fit(X, y)}
>>> cmp = compare_candidates(models, X, y, alert_rate=0.1, repeats=1)
>>> sorted(r["name"] for r in cmp.rows)
['logistic', 'tree']
>>> any(r["pareto"] for r in cmp.rows)
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..text import format as fmt
from .costs import DAYS_PER_MONTH, Costs
from ..errors import InputDataError
from .tradeoff import Tradeoff, positive_scores

__all__ = ["compare_candidates", "CandidateComparison", "pareto_front", "dominators", "fraud_candidate_models"]

OBJECTIVE_WORDS = {"recall": "higher recall", "latency_ms_per_1000": "faster", "total_cost_per_month": "cheaper per month"}


def pareto_front(points: np.ndarray, maximise: list[bool]) -> np.ndarray:
    """Boolean mask of non-dominated rows of ``points`` (one column per objective)."""
    signed = np.where(maximise, -1.0, 1.0) * np.asarray(points, dtype=float)  # all "lower is better"
    n = len(signed)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        others = np.delete(signed, i, axis=0)
        dominated = np.any(np.all(others <= signed[i], axis=1) & np.any(others < signed[i], axis=1))
        keep[i] = not dominated
    return keep


def dominators(points: np.ndarray, maximise: list[bool], i: int) -> list[int]:
    """Indices of the rows that dominate row ``i`` (at least as good on every objective, better on one)."""
    signed = np.where(maximise, -1.0, 1.0) * np.asarray(points, dtype=float)
    better = np.all(signed <= signed[i], axis=1) & np.any(signed < signed[i], axis=1)
    return [int(j) for j in np.flatnonzero(better) if j != i]


@dataclass
class CandidateComparison:
    rows: list[dict]
    alert_rate: float
    currency: str | None = None

    @property
    def pareto(self) -> list[str]:
        return [r["name"] for r in self.rows if r["pareto"]]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows).set_index("name")

    def to_html(self) -> str:
        """A readable table (all text escaped): recall with interval, latency, costs, Pareto."""
        import html

        head = ("<tr><th>candidate</th><th>alerts</th><th>recall (95% interval)</th><th>precision</th><th>ms per 1,000 rows</th>"
                "<th>compute per month</th><th>error cost per month</th><th>Pareto</th></tr>")

        def money(v):
            if v is None:
                return "n/a"
            if v < 0.01:
                return "< " + fmt.money(0.01, self.currency, 2)
            return fmt.money(v, self.currency, 2 if v < 100 else 0)

        def pareto(r):
            if r["pareto"]:
                return "&#10004; on the frontier"
            return "dominated: " + html.escape(self.why_dominated(r["name"]))

        def alerts(r):
            # A model with few distinct scores (a small tree) cannot stop exactly at the capacity: its tied scores
            # alert together, so it runs below it. Show the rate it really runs at.
            off = r["alert_rate"] < 0.9 * self.alert_rate
            note = " <span style='color:#7a4d00'>(tied scores: below capacity)</span>" if off else ""
            return f"{r['alert_rate']:.1%}{note}"

        body = "".join(
            f"<tr><td>{html.escape(str(r['name']))}</td><td>{alerts(r)}</td>"
            f"<td>{fmt.estimate(r['recall'], r['recall_low'], r['recall_high'])}</td><td>{fmt.percent(r['precision'])}</td>"
            f"<td>{fmt.number(r['latency_ms_per_1000'], 2)}</td><td>{html.escape(money(r['serving_cost_per_month']))}</td>"
            f"<td>{html.escape(money(r['error_cost_per_month']))}</td><td>{pareto(r)}</td></tr>"
            for r in self.rows
        )
        return (f"<table class='aipm-candidates' cellpadding='4' style='border-collapse:collapse;font-size:13px'>{head}{body}</table>"
                f"<div style='font-size:12px;color:#555'>Each at the lowest threshold that stays within the alert capacity "
                f"({fmt.percent(self.alert_rate)} of rows): the same workload for every candidate, so a model's recall "
                "here can differ from the explorer's, which sits at the threshold chosen there. The candidates are "
                "fitted here on the training data: a refit of the production model's kind is not the production model, "
                "whose logged scores the explorer uses, so the same kind of model can show a different recall. "
                "Latency measured here on batches of up to 2,000 rows (best of 3); compute cost at the stated price per CPU-hour.</div>")

    def why_dominated(self, name: str) -> str:
        """In words, which candidates beat ``name`` and on what (empty when it is on the frontier)."""
        r = next(r for r in self.rows if r["name"] == name)
        if r["pareto"]:
            return ""
        parts = []
        for other in r.get("dominated_by", []):
            o = next(x for x in self.rows if x["name"] == other)
            better = [OBJECTIVE_WORDS[k] for k in OBJECTIVE_WORDS
                      if o.get(k) is not None and r.get(k) is not None
                      and ((o[k] > r[k]) if k == "recall" else (o[k] < r[k]))]
            parts.append(f"{other} is {' and '.join(better) or 'as good'} at the same alert capacity")
        return "; ".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()


def _threshold_within(sorted_scores: np.ndarray, k: int, above_all: float) -> float:
    """The lowest threshold alerting on at most ``k`` rows (``score >= threshold``).

    The alert rate stands for the team's review capacity, so a candidate is never run above it; a model with
    tied scores (a small tree) may then alert on fewer rows than the others, and the table shows its real rate.
    """
    values = np.unique(sorted_scores)
    alerts = len(sorted_scores) - np.searchsorted(sorted_scores, values, side="left")
    ok = np.flatnonzero(alerts <= k)
    return float(values[ok[0]]) if len(ok) else above_all


def _latency_per_1000(model, X, repeats: int) -> float:
    batch = X.iloc[:2000] if hasattr(X, "iloc") else X[:2000]
    best = np.inf
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        positive_scores(model, batch)
        best = min(best, time.perf_counter() - t0)
    return best / len(batch) * 1000


def compare_candidates(
    models: dict[str, Any],
    X,
    y,
    *,
    alert_rate: float,
    costs: Costs | dict | None = None,
    value=None,
    volume_per_day: float | None = None,
    cpu_cost_per_hour: float = 0.10,
    repeats: int = 3,
) -> CandidateComparison:
    """Compare fitted classifiers at the same ``alert_rate`` on ``X, y`` (recall, precision, cost, latency, Pareto)."""
    if not models:
        raise InputDataError("Give at least one fitted candidate model.")
    if not 0 < alert_rate < 1:
        raise InputDataError(f"The alert rate must be between 0 and 1, not {alert_rate!r}.")
    costs = Costs.from_any(costs)
    rows = []
    for name, model in models.items():
        t = Tradeoff(y, positive_scores(model, X), value=value, costs=costs, volume_per_day=volume_per_day)
        threshold = _threshold_within(t.curve.sorted_scores, int(np.floor(alert_rate * t.n)), t.curve.above_all)
        p = t.at(threshold, groups=False, reps=200)
        latency = _latency_per_1000(model, X, repeats)
        serving = None
        if volume_per_day:
            serving = latency * volume_per_day * DAYS_PER_MONTH / 1000 / 3600 * cpu_cost_per_hour
        error_cost = p.cost_per_month.value if p.cost_per_month is not None else None
        rows.append({
            "name": name,
            "threshold": threshold,
            "recall": p.metrics["recall"].value,
            "recall_low": p.metrics["recall"].low,
            "recall_high": p.metrics["recall"].high,
            "precision": p.metrics["precision"].value,
            "alert_rate": p.metrics["alert_rate"].value,
            "latency_ms_per_1000": latency * 1000,
            "serving_cost_per_month": serving,
            "error_cost_per_month": error_cost,
            "total_cost_per_month": (error_cost + serving) if error_cost is not None and serving is not None else None,
        })
    objectives = [[r["recall"], r["latency_ms_per_1000"]] for r in rows]
    maximise = [True, False]
    if all(r["total_cost_per_month"] is not None for r in rows):
        for obj, r in zip(objectives, rows):
            obj.append(r["total_cost_per_month"])
        maximise.append(False)
    front = pareto_front(np.array(objectives), maximise)
    for i, (r, on) in enumerate(zip(rows, front)):
        r["pareto"] = bool(on)
        r["dominated_by"] = [rows[j]["name"] for j in dominators(np.array(objectives), maximise, i)]
    return CandidateComparison(rows, alert_rate, costs.currency if costs else None)


def fraud_candidate_models(train, *, features: list[str] | None = None, label: str = "is_fraud") -> dict[str, Any]:
    """Fit three demo candidates on ``train``: a logistic regression, a small tree and gradient boosting.

    Numeric columns are median-imputed (and scaled for the linear model); text columns one-hot encoded with
    empty cells as their own category. Takes a few seconds on the demo's training split.
    """
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from .. import demo

    features = list(features or demo.FRAUD_FEATURES)
    X = train[features]
    y = train[label].astype(int)

    def prepare(scale: bool):
        numeric = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
        return make_column_transformer(
            (make_pipeline(*numeric), make_column_selector(dtype_include="number")),
            (make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                           OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
             make_column_selector(dtype_exclude="number")),
        )

    models = {
        "logistic regression": make_pipeline(prepare(True), LogisticRegression(max_iter=1000)),
        "small decision tree": make_pipeline(prepare(False), DecisionTreeClassifier(max_depth=5, min_samples_leaf=50, random_state=0)),
        "gradient boosting": make_pipeline(prepare(False), HistGradientBoostingClassifier(max_iter=150, random_state=0)),
    }
    for model in models.values():
        model.fit(X, y)
    return models

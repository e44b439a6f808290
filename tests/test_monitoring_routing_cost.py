"""Stage 5 for a router: cost per 1,000 rows per window from stage 4's routing costs (misroutes + a person's handling).

Generated data that shares nothing with the ticket demo: an insurance claims triage with classes motor / home / travel,
costs in USD, weekly windows; the probabilities are calibrated by construction (each row's class is drawn from them),
so the estimate without labels must track the realized cost until the labels change meaning (injected concept drift).
"""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from aipm_widgets.core.monitoring.multiclass import run_monitoring_multiclass
from aipm_widgets.core.monitoring.run import settings_from_record
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.core.text import format as fmt
from aipm_widgets.widgets.monitoring.routing_monitor import RoutingMonitor

CLASSES = np.array(["motor", "home", "travel"])
COSTS = {"currency": "USD", "misroute": 18.0, "manual": 6.5, "matrix": {"travel": {"motor": 40.0}}}
THRESHOLD = 0.55


def _claims(n, start, seed, flip=0.0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, 3)) * 1.6
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])  # calibrated: the class is drawn from the probabilities
    if flip:
        moved = rng.random(n) < flip  # concept drift: the same inputs now mean another class
        y[moved] = (y[moved] + 1) % 3
    df = pd.DataFrame({"claim_value_k": rng.gamma(2, 3, n), "channel": rng.choice(["app", "broker", "phone"], n),
                       "triage": CLASSES[y], "filed": pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * 30, unit="min")})
    for i, c in enumerate(CLASSES):
        df[f"pr_{c}"] = p[:, i]
    return df


def _oracle_cost(frame):
    """Cost per 1,000 labeled rows, computed independently with scikit-learn's confusion matrix."""
    proba = frame[[f"pr_{c}" for c in CLASSES]].to_numpy()
    pred = proba.argmax(1)
    auto = proba.max(1) >= THRESHOLD
    y = pd.Series(frame["triage"]).map({c: i for i, c in enumerate(CLASSES)}).to_numpy()
    cm = confusion_matrix(y[auto], pred[auto], labels=[0, 1, 2])
    cost = np.full((3, 3), COSTS["misroute"])
    np.fill_diagonal(cost, 0)
    cost[2, 0] = 40.0  # travel routed to motor
    return ((cm * cost).sum() + (~auto).sum() * COSTS["manual"]) / len(frame) * 1000


def _run(cur, **kw):
    ref = _claims(4000, "2024-01-01", 1)
    return run_monitoring_multiclass(ref, cur, label="triage", proba_prefix="pr_", timestamp="filed", window="week",
                                     features=["claim_value_k", "channel"], threshold=THRESHOLD, costs=COSTS,
                                     volume_per_day=900, **kw)


def test_realized_cost_per_window_equals_sklearn_and_the_estimate_tracks_it():
    cur = _claims(3360, "2024-06-03", 2)  # 10 weeks of 336 claims
    res = _run(cur)
    assert list(res.cost.columns) == ["cost_estimated", "cost_realized"]
    codes = pd.to_datetime(cur["filed"]).dt.to_period("W-SUN")
    for i, (lab, part) in enumerate(cur.groupby(codes, sort=True)):
        assert res.cost["cost_realized"].iloc[i] == pytest.approx(_oracle_cost(part), rel=1e-12)
    assert res.reference_cost_per_1000 == pytest.approx(_oracle_cost(_claims(4000, "2024-01-01", 1)), rel=1e-12)
    # no concept drift injected: the estimate without labels tracks the realized cost (336 rows a window: within
    # 25 % in every window, within 5 % over the ten windows together)
    ratio = res.cost["cost_estimated"] / res.cost["cost_realized"]
    assert ((ratio > 0.75) & (ratio < 1.25)).all(), ratio
    assert res.cost["cost_estimated"].mean() == pytest.approx(res.cost["cost_realized"].mean(), rel=0.05)
    assert res.fired().get("cost per 1,000 up 20 % on launch") is None


def test_concept_drift_raises_realized_cost_and_fires_nothing_estimated_can_not_see():
    cur = pd.concat([_claims(1680, "2024-06-03", 3), _claims(1680, "2024-07-08", 4, flip=0.5)], ignore_index=True)
    res = _run(cur, triggers=["cost per 1,000 up 20 % on launch"])
    late = res.cost.iloc[-3:]
    assert (late["cost_realized"] > 1.2 * late["cost_estimated"]).all()
    summary = res.summary()
    # every money amount in the sentence is the result's value in the project's currency, never EUR
    last = res.cost.index[-1]
    for value in (res.reference_cost_per_1000, res.cost.loc[last, "cost_estimated"], res.cost.loc[last, "cost_realized"]):
        assert fmt.money(value, "USD") in summary
    assert "EUR" not in summary
    assert re.search(r"realized on its labeled rows USD", summary)


def test_the_widget_charts_the_cost_it_speaks_of_and_the_record_carries_the_costs(tmp_path):
    rec = tmp_path / "claims.yaml"
    update_section(rec, "metrics", {"task": "multiclass", "threshold": THRESHOLD, "routing_costs": COSTS,
                                    "classes": list(CLASSES)}, what="test: stage 4 routing decision")
    settings, _ = settings_from_record(load_record(rec))
    assert settings["costs"]["misroute"] == 18.0 and settings["costs"]["currency"] == "USD"
    ref, cur = _claims(4000, "2024-01-01", 1), _claims(2016, "2024-06-03", 2).drop(columns="triage")
    w = RoutingMonitor(ref, cur, label="triage", proba_prefix="pr_", features=["claim_value_k", "channel"],
                       timestamp="filed", threshold=THRESHOLD, costs=settings["costs"], record_path=rec)
    assert w.cost_figure is not None and w.cost_figure in w.children
    plotted = [v for v in w.cost_figure.data[0].y if v is not None]
    assert np.allclose(plotted, w.result.cost["cost_estimated"].dropna().values)
    assert "USD" in w.cost_figure.layout.yaxis.title.text
    assert "cost_realized" not in w.result.cost or w.result.cost["cost_realized"].isna().all()


def test_without_costs_there_is_no_cost_chart_and_no_cost_words():
    ref, cur = _claims(3000, "2024-01-01", 5), _claims(1000, "2024-06-03", 6)
    res = run_monitoring_multiclass(ref, cur, label="triage", proba_prefix="pr_", timestamp="filed", window="week",
                                    features=["channel"], threshold=THRESHOLD)
    assert res.cost.empty and res.reference_cost_per_1000 is None
    assert "cost" not in res.summary().lower()

"""Multiclass monitoring: estimated metrics track realized ones under covariate shift; concept drift is flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aipm_widgets.core.monitoring.run import run_monitoring

CLASSES = ["north", "south", "east", "west"]


def _rows(rng, n, *, shift=0.0, concept=False):
    """Generated data unrelated to the demo: two numeric inputs and a category; the model is the true relation
    with perturbed weights. ``shift`` moves the inputs (covariate shift); ``concept`` changes the relation."""
    x1 = rng.normal(shift, 1, n)
    x2 = rng.normal(0, 1, n)
    colour = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    w = np.array([[1.5, 0.0], [-1.5, 0.3], [0.2, 1.6], [0.0, -1.6]])
    logits = np.column_stack([x1, x2]) @ w.T + (colour == "c")[:, None] * np.array([0, 0, 0.8, 0])
    true = logits.copy()
    if concept:
        flip = x1 > 0.3
        true[flip] = true[flip][:, [1, 0, 2, 3]]  # north and south trade places where x1 is high
    p_true = np.exp(true - true.max(1, keepdims=True))
    p_true /= p_true.sum(1, keepdims=True)
    y = (p_true.cumsum(1) < rng.random(n)[:, None]).sum(1).clip(max=3)
    model = logits * 0.85
    p = np.exp(model - model.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    df = pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "outcome": np.array(CLASSES)[y]})
    for i, c in enumerate(CLASSES):
        df[f"p.{c}"] = p[:, i]
    return df


def test_estimated_tracks_realized_and_concept_drift_is_flagged():
    rng = np.random.default_rng(11)
    ref = _rows(rng, 4000)
    windows = [_rows(rng, 1500, shift=s) for s in (0.0, 0.6, 1.0)] + [_rows(rng, 1500, shift=0.6, concept=True) for _ in range(3)]
    cur = pd.concat(windows, ignore_index=True)
    res = run_monitoring(ref, cur, task="multiclass", label="outcome", proba_prefix="p.", timestamp=None, window_rows=1500,
                         features=["x1", "x2", "colour"])
    perf = res.performance
    assert len(perf) == 6
    for lab in perf.index[:3]:  # covariate shift only: realized within the estimate's band, no flag
        row = perf.loc[lab]
        assert row["estimated_accuracy_lower"] <= row["realized_accuracy"] <= row["estimated_accuracy_upper"], lab
        assert not row["concept_drift"]
    assert res.first_drift().get("x1") == perf.index[1]  # the inputs did move
    for lab in perf.index[3:]:
        assert perf.loc[lab, "concept_drift"], lab
    assert res.concept_drift_from == perf.index[3]
    assert any(a.kind == "concept_drift" for a in res.alerts)
    # the estimate alone (labels withheld) still gives a value for every window
    no_labels = cur.drop(columns=["outcome"])
    res2 = run_monitoring(ref, no_labels, task="multiclass", label="outcome", proba_prefix="p.", timestamp=None,
                          window_rows=1500, features=["x1", "x2", "colour"])
    np.testing.assert_allclose(res2.performance["estimated_accuracy"], perf["estimated_accuracy"])
    assert "realized_accuracy" not in res2.performance


def test_tickets_demo_matches_its_card():
    from aipm_widgets.core.demo.tickets import tickets_facts, load_tickets

    facts = tickets_facts()
    res = run_monitoring(load_tickets("validation"), load_tickets("production"), task="multiclass", label="queue",
                         prediction="predicted_queue", proba_prefix="proba_", timestamp="created_at", window="month",
                         features=["keyword", "channel", "customer_tier"], threshold=0.9)
    assert res.concept_drift_from == facts["concept_drift"]["start"][:7]
    assert res.new_classes == {"outage": facts["new_ticket_type"]["start"][:7]}
    assert res.first_drift() == {"keyword": facts["covariate_drift"]["start"][:7], "channel": facts["covariate_drift"]["start"][:7]}
    d = res.to_dict()
    assert d["task"] == "multiclass" and d["windows"][0]["estimated_performance"]["accuracy"]["value"] > 0.7
    assert "automation_rate" in d["windows"][0] and "accuracy_automated" in d["windows"][0]["estimated_performance"]
    import json

    json.dumps(d, allow_nan=False)

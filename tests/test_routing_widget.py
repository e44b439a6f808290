"""RoutingExplorer without a browser: set the slider as the browser would, assert on .result and messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.metrics.routing_explorer import RoutingExplorer


def _frame(n=1500, seed=2):
    rng = np.random.default_rng(seed)
    classes = ["alpha", "beta", "gamma"]
    y = rng.choice(3, n, p=[0.5, 0.35, 0.15])
    logits = rng.normal(size=(n, 3))
    logits[np.arange(n), y] += 2
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    df = pd.DataFrame({f"prob_{c}": p[:, i] for i, c in enumerate(classes)})
    df["kind"] = np.array(classes)[y]
    df["guess"] = np.array(classes)[p.argmax(1)]
    return df


def test_slider_moves_result_and_save_writes_record(tmp_path):
    rec = tmp_path / "r.yaml"
    ex = RoutingExplorer.from_frame(_frame(), label="kind", prediction="guess", proba_columns={"alpha": "prob_alpha",
                                    "beta": "prob_beta", "gamma": "prob_gamma"}, volume_per_day=300, minutes_per_manual=6,
                                    currency="CHF", unit="requests", record_path=rec)
    assert not ex.messages.errors
    before = ex.result.metrics["automation_rate"].value
    ex.slider.value = ex.slider.options[-10][1]
    after = ex.result.metrics["automation_rate"].value
    assert after < before
    assert "requests" in ex.headline.value and "person-hours" in ex.headline.value
    ex.constraints_text.value = "accuracy_automated>=0.9"
    ex.cost_misroute.value, ex.cost_manual.value = 3.0, 1.0
    ex.apply_settings()
    assert "CHF" in ex.cards.value
    ex.go_to_best()
    assert ex.result.constraints_satisfied
    ex.who.value = "Priya"
    ex.save()
    r = load_record(rec)
    assert r.metrics.task == "multiclass"
    assert r.metrics.threshold == pytest.approx(ex.result.threshold)
    assert r.metrics.confusion_matrix["counts"] == ex.result.matrix.tolist()
    assert r.metrics.routing_costs["currency"] == "CHF"
    assert r.history[-1].who == "Priya"


def test_bad_constraint_and_bad_data_are_messages_not_tracebacks(tmp_path):
    ex = RoutingExplorer.from_frame(_frame(), label="kind", proba_prefix="prob_", record_path=tmp_path / "r.yaml")
    t = ex.result.threshold
    ex.constraints_text.value = "recall[delta]>=0.9"
    ex.apply_settings()
    assert "not one of the classes" in ex.messages.errors[0]
    assert ex.result.threshold == t
    bad = _frame()
    bad.loc[0, "prob_beta"] = 0.99
    ex2 = RoutingExplorer.from_frame(bad, label="kind", proba_prefix="prob_")
    assert "do not add up to 1" in ex2.messages.errors[0]
    assert ex2.result is None


def test_from_project_uses_the_projects_columns():
    class Cols:
        label, prediction, proba_columns, proba_prefix = "kind", "guess", None, "prob_"

    class Project:
        name, currency, volume_per_day, columns = "Requests", "GBP", 100, Cols()

        def validation(self):
            return _frame()

    ex = RoutingExplorer.from_project(Project())
    assert not ex.messages.errors and ex.result is not None
    assert ex.routing.currency == "GBP" and ex.routing.classes == ["alpha", "beta", "gamma"]

    class Empty(Project):
        def validation(self):
            return None

    assert "no validation data" in RoutingExplorer.from_project(Empty()).messages.errors[0]

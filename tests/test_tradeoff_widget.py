"""Tier 2: ThresholdExplorer without a browser (set values as the browser would; assert .result and figures)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix

from aipm_widgets.core.metrics.product_metrics import ProductMapping
from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer


@pytest.fixture(scope="module")
def fraud():
    from aipm_widgets.core import demo

    return demo.load_fraud("validation").drop_duplicates("transaction_id").reset_index(drop=True)


@pytest.fixture
def explorer(fraud, tmp_record):
    return ThresholdExplorer.from_predictions(
        fraud["is_fraud"], fraud["score"], value=fraud["amount"], groups=fraud["age_band"],
        costs={"cost_fp": 5, "cost_fn": 250}, constraints=["fnr<=0.05"], volume_per_day=50_000,
        baseline_rule="amount > 900", frame=fraud, product=ProductMapping(50_000, minutes_per_alert=4),
        record_path=tmp_record, value_name="amount", group_name="age_band",
    )


def test_slider_move_updates_result_and_figures(explorer, fraud):
    assert not explorer.messages.errors
    assert len(explorer.grid) <= 2000
    for value in (explorer.slider.options[300][1], explorer.slider.options[900][1]):
        explorer.slider.value = value  # as the browser would
        c = explorer.result.confusion
        tn, fp, fn, tp = confusion_matrix(fraud["is_fraud"], fraud["score"] >= value).ravel()
        assert c == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        cells = dict(re.findall(r"class='aipm-cell-(\w+)'[^>]*>(\w+ [\d,]+)<br>", explorer.confusion_fig.value))
        assert cells == {"tn": f"TN {tn:,}", "fp": f"FP {fp:,}", "fn": f"FN {fn:,}", "tp": f"TP {tp:,}"}
        marker = explorer.pr_fig.data[explorer._pr_marker]
        assert marker.x[0] == pytest.approx(tp / (tp + fn))
        assert list(explorer.cost_fig.data[explorer._cost_marker].x) == [value, value]
        assert f"{tp:,} caught" in explorer.headline.value


def test_cards_constraints_groups_baseline_rendered(explorer):
    explorer.set_threshold(0.08)
    assert explorer.result.threshold == 0.08
    assert "95% interval" in explorer.cards.value
    assert "fnr&lt;=0.05" in explorer.constraint_status.value
    assert "By age_band" in explorer.group_table.value and "65+" in explorer.group_table.value
    assert "Do we need ML at all?" in explorer.baseline_box.value
    assert "Analyst hours per week" in explorer.product_table.value
    assert explorer.pr_fig.data[1].x is not None  # the feasible region is drawn


def test_go_to_best_and_apply_settings(explorer):
    explorer.go_to_best()
    best = explorer.result.threshold
    assert explorer.result.constraints_satisfied
    explorer.constraints_text.value = "fnr<=0.05, alerts_per_day<=1000"
    explorer.apply_settings()
    assert "No threshold meets" in explorer.messages.messages[-1][1]
    explorer.constraints_text.value = "recall >= lots"
    explorer.apply_settings()
    assert "Could not read the constraint" in explorer.messages.errors[0]
    assert [c.text for c in explorer.tradeoff.constraints] == ["fnr<=0.05", "alerts_per_day<=1000"]  # unchanged
    explorer.constraints_text.value = "fnr<=0.05"
    explorer.cost_fp.value = 50
    explorer.apply_settings()
    assert explorer.tradeoff.costs.cost_fp == 50
    explorer.go_to_best()
    assert explorer.result.threshold != best or explorer.result.cost_per_1000 is not None


def test_save_writes_the_metrics_section(explorer, tmp_record):
    explorer.set_threshold(0.05)
    explorer.who.value = "Ana <b>PM</b>"
    explorer.save()
    # fnr<=0.05 does not hold at 0.05: the save goes through but warns (issue 12: never a green box then)
    assert explorer.messages.messages[-1][0] == "warning"
    assert "NOT every constraint is met" in explorer.messages.messages[-1][1]
    rec = load_record(tmp_record)
    m = rec.metrics
    assert m.status == "decided" and m.threshold == 0.05 and m.chosen_metric == "cost"
    assert m.confusion.tp == explorer.result.confusion["tp"]
    assert m.metrics["precision"].method == "wilson" and m.metrics["f1"].method.startswith("bootstrap")
    assert m.cost_per_1000.low < m.cost_per_1000.value < m.cost_per_1000.high
    assert m.natural_frequencies["per"] == 1000 and m.baseline["rule"] == "amount > 900"
    assert len(m.groups) == 5 and m.constraints == ["fnr<=0.05"]
    assert rec.history[-1].who == "Ana <b>PM</b>"


def test_to_estimator_and_from_estimator():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + rng.normal(size=400) > 1).astype(int)
    model = LogisticRegression().fit(X, y)
    ex = ThresholdExplorer.from_estimator(model, X, y, threshold=0.3)
    assert ex.result.threshold == 0.3
    clf = ex.to_estimator(model)
    assert (clf.predict(X) == (model.predict_proba(X)[:, 1] >= 0.3)).all()


@pytest.mark.parametrize(
    "y, s, kwargs, words",
    [
        (["a", "b", "c"] * 20, np.linspace(0, 1, 60), {}, "different values"),
        ([0, 1] * 30, [np.nan] + [0.5] * 59, {}, "missing or infinite"),
        ([0, 1] * 30, np.linspace(0, 1, 59), {}, "rows"),
        ([0, 1] * 5, np.linspace(0, 1, 10), {}, "at least 30"),
        ([0, 1] * 30, [0.2] * 60, {}, "equal"),
        ([0, 1] * 30, np.linspace(0, 1, 60), {"constraints": "recall => high"}, "Could not read"),
        ([1] * 60, np.linspace(0, 1, 60), {}, "only one class"),
    ],
)
def test_bad_input_shows_words_not_traceback(y, s, kwargs, words):
    ex = ThresholdExplorer.from_predictions(y, s, **kwargs)
    assert ex.result is None
    assert words in ex.messages.errors[0]
    assert "Traceback" not in ex.messages.value


def test_user_text_is_escaped(fraud, tmp_record):
    groups = np.where(fraud["age_band"] == "65+", "<script>alert(1)</script>", fraud["age_band"])
    ex = ThresholdExplorer.from_predictions(fraud["is_fraud"], fraud["score"], groups=groups, record_path=tmp_record)
    assert "<script>" not in ex.group_table.value and "&lt;script&gt;" in ex.group_table.value


def test_raw_scores_are_allowed_and_said(tmp_record):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    ex = ThresholdExplorer.from_predictions(y, rng.normal(size=300) * 3 + y, record_path=tmp_record)
    assert ex.result is not None and "raw model scores" in ex.notes.value


def test_candidates_panel_fits_on_request():
    """The candidates are fitted when the button is pressed, not when the page opens."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from aipm_widgets.widgets.metrics.candidates_panel import CandidatesPanel

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600)})
    y = (X.a + rng.normal(size=600) > 1).astype(int)
    calls = []

    def fit():
        calls.append(1)
        return {"linear": LogisticRegression().fit(X, y)}

    panel = CandidatesPanel(fit, X, y, alert_rate=0.2)
    assert calls == [] and panel.result is None
    panel.run()
    assert calls == [1] and "aipm-candidates" in panel.table.value
    assert not panel.messages.errors

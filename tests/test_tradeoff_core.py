"""Tier 1: the trade-off core against scikit-learn and fairlearn oracles, plus properties and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, f1_score

from aipm_widgets.core.metrics.baseline import Rule
from aipm_widgets.core.tasks.constraints import parse_constraint, parse_constraints
from aipm_widgets.core.metrics.costs import Costs
from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.stats.rates import point_estimates
from aipm_widgets.core.metrics.threshold_curve import ThresholdCurve
from aipm_widgets.core.metrics.tradeoff import Tradeoff
from aipm_widgets.core.metrics.groups import fairlearn_frame


def _sk_counts(y, s, t):
    tn, fp, fn, tp = confusion_matrix(y, (s >= t).astype(int), labels=[0, 1]).ravel()
    return {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)}


def test_counts_equal_sklearn_at_1000_random_thresholds_with_ties_and_extremes():
    rng = np.random.default_rng(7)
    n = 500
    s = rng.integers(0, 40, n) / 40.0  # many ties
    y = (rng.random(n) < 0.2 + 0.5 * s).astype(np.int8)
    curve = ThresholdCurve(y, s)
    thresholds = np.concatenate([
        rng.uniform(-0.1, 1.1, 900),
        rng.choice(s, 96),  # exactly on tied scores
        [s.min(), s.max(), np.nextafter(s.max(), 2), -np.inf + 1e308],
    ])
    many = curve.counts_many(thresholds)
    for i, t in enumerate(thresholds):
        expected = _sk_counts(y, s, t)
        assert curve.counts(t) == expected
        assert {k: int(many[k][i]) for k in expected} == expected


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 1), st.integers(-5, 5)), min_size=2, max_size=80),
    thresholds=st.lists(st.floats(-6, 6, allow_nan=False), min_size=1, max_size=30),
)
def test_counts_property_any_data_any_threshold(data, thresholds):
    y = np.array([d[0] for d in data], dtype=np.int8)
    s = np.array([d[1] for d in data], dtype=float) / 2
    curve = ThresholdCurve(y, s)
    for t in thresholds + [float(s.min()), float(s.max()), curve.above_all]:
        assert curve.counts(t) == _sk_counts(y, s, t)


def test_distinct_thresholds_cover_every_decision():
    rng = np.random.default_rng(1)
    s = rng.integers(0, 10, 200).astype(float)
    y = rng.integers(0, 2, 200).astype(np.int8)
    d = ThresholdCurve(y, s).distinct
    assert len(d) == len(np.unique(s)) + 1
    for i, t in enumerate(d.thresholds):
        assert _sk_counts(y, s, t) == {"tp": d.tp[i], "fp": d.fp[i], "tn": d.tn[i], "fn": d.fn[i]}
    assert d.tp[-1] == 0 and d.fp[-1] == 0


def test_grid_is_bounded_and_spans_everything():
    rng = np.random.default_rng(2)
    s = rng.random(50_000)
    y = (rng.random(50_000) < 0.02).astype(np.int8)
    curve = ThresholdCurve(y, s)
    g = curve.grid(2000)
    assert len(g) <= 2000 and np.all(np.diff(g) > 0)
    assert g[0] == s.min() and curve.counts(g[-1])["tp"] + curve.counts(g[-1])["fp"] == 0


def test_f1_and_rates_equal_sklearn(fraud_validation):
    df = fraud_validation
    t = Tradeoff(df["is_fraud"], df["score"])
    p = t.at(0.1)
    pred = (df["score"] >= 0.1).astype(int)
    assert p.metrics["f1"].value == pytest.approx(f1_score(df["is_fraud"], pred))
    assert p.metrics["f1"].low < p.metrics["f1"].value < p.metrics["f1"].high


def test_wilson_coverage_is_close_to_nominal():
    rng = np.random.default_rng(11)
    probs = np.array([0.012, 0.03, 0.003, 0.955])  # tp, fp, fn, tn of a fraud-like population
    true = {"recall": 0.012 / 0.015, "precision": 0.012 / 0.042, "fpr": 0.03 / 0.985}
    true_f1 = 2 * 0.012 / (2 * 0.012 + 0.03 + 0.003)
    hits = {k: 0 for k in [*true, "f1"]}
    reps = 600
    for _ in range(reps):
        tp, fp, fn, tn = rng.multinomial(4000, probs)
        est = point_estimates(int(tp), int(fp), int(tn), int(fn), reps=400, seed=int(rng.integers(1 << 30)))
        for k, v in true.items():
            hits[k] += est[k].low <= v <= est[k].high
        hits["f1"] += est["f1"].low <= true_f1 <= est["f1"].high
    for k, h in hits.items():
        assert 0.91 <= h / reps <= 0.985, (k, h / reps)


def test_cost_interval_coverage_with_value_costs():
    rng = np.random.default_rng(5)
    n_pop = 400_000
    y = (rng.random(n_pop) < 0.02).astype(np.int8)
    s = np.clip(rng.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    v = rng.lognormal(4, 1, n_pop)
    costs = Costs(cost_fp=5, fn_cost_from_value=True)
    thr = 0.6  # about 50 misses a sample; with ~10 heavy-tailed misses coverage drops (the widget warns then)
    true = costs.total(((s >= thr) & (y == 1)).sum(), ((s >= thr) & (y == 0)).sum(), 0, 0,
                       v[(s < thr) & (y == 1)].sum()) / n_pop * 1000
    hits = 0
    reps = 120
    for i in range(reps):
        idx = rng.integers(0, n_pop, 10_000)
        t = Tradeoff(y[idx], s[idx], value=v[idx], costs=costs)
        c = t.at(thr, reps=400).cost_per_1000
        hits += c.low <= true <= c.high
    assert 0.88 <= hits / reps <= 0.99


def test_group_metrics_equal_fairlearn(fraud_validation):
    df = fraud_validation
    t = Tradeoff(df["is_fraud"], df["score"], groups=df["age_band"])
    for thr in (0.02, 0.08, 0.3):
        table = t.at(thr).groups
        mf = fairlearn_frame(df["is_fraud"].astype(int), df["score"], df["age_band"], thr)
        for row in table.rows:
            ref = mf.by_group.loc[row["group"]]
            for m in ("tpr", "fpr", "precision", "selection_rate"):
                assert row[m] == pytest.approx(ref[m]), (thr, row["group"], m)
            assert row["n"] == ref["n"]
        diff = mf.difference(method="between_groups")
        ratio = mf.ratio(method="between_groups")
        for m in ("tpr", "fpr", "precision", "selection_rate"):
            assert table.difference[m] == pytest.approx(diff[m])
            assert table.ratio[m] == pytest.approx(ratio[m])


def test_cost_optimal_threshold_is_the_minimum_over_all_thresholds():
    rng = np.random.default_rng(3)
    y = (rng.random(3000) < 0.05).astype(np.int8)
    s = np.clip(rng.normal(0.3 + 0.3 * y, 0.15), 0, 1)
    t = Tradeoff(y, s, costs={"cost_fp": 2, "cost_fn": 60})
    best, reason = t.best_threshold("cost")
    alerts = s[None, :] >= np.unique(s)[:, None]  # brute force: every threshold, every row
    brute = (2 * (alerts & (y == 0)).sum(1) + 60 * (~alerts & (y == 1)).sum(1)).min()
    assert 2 * _sk_counts(y, s, best)["fp"] + 60 * _sk_counts(y, s, best)["fn"] == brute
    assert reason.startswith("lowest cost")
    regret = t.regret_table({"default 0.5": 0.5})
    assert regret[0]["regret_per_1000"] == 0 and regret[1]["regret_per_1000"] >= 0


def test_constraints_feasible_interval_and_infeasible_closest():
    rng = np.random.default_rng(4)
    y = (rng.random(5000) < 0.05).astype(np.int8)
    s = np.clip(rng.normal(0.3 + 0.25 * y, 0.15), 0, 1)
    t = Tradeoff(y, s, constraints=["recall>=0.8"])
    f = t.feasibility()
    assert f.feasible and f.intervals[0][0] == s.min()
    assert t.at(f.intervals[-1][1]).metrics["recall"].value >= 0.8
    t2 = Tradeoff(y, s, constraints=["recall>=0.95", "precision>=0.5"])
    f2 = t2.feasibility()
    assert not f2.feasible and f2.closest_threshold is not None
    failing = [c for c in f2.closest if not c["satisfied"]]
    assert failing and all(c["shortfall"] > 0 for c in failing)
    assert "No threshold meets" in f2.describe()
    # With no feasible threshold the recommendation is the closest one, not the unconstrained optimum.
    best, reason = t2.recommended_threshold()
    assert best == f2.closest_threshold and "closest" in reason


@pytest.mark.parametrize(
    "text, expected",
    [("recall>=0.95", ("recall", ">=", 0.95)), ("fnr <= 5%", ("fnr", "<=", 0.05)), ("TPR > .9", ("recall", ">", 0.9)),
     ("alerts_per_day<=300", ("alerts_per_day", "<=", 300.0)), ("precision\u22650.8", ("precision", ">=", 0.8))],
)
def test_constraint_parser(text, expected):
    c = parse_constraint(text)
    assert (c.metric, c.op, c.bound) == expected


@pytest.mark.parametrize("text", ["recall>=95", "__import__('os')>=1", "recall >= 0.9 or 1", "bogus<=1", "recall==0.9", ""])
def test_constraint_parser_rejects_with_words(text):
    with pytest.raises(InputDataError, match="constraint|recall|METRIC"):
        parse_constraint(text)


def test_constraints_from_one_string():
    assert [c.text for c in parse_constraints("recall>=0.9, precision>=0.2 and fpr<0.1")] == [
        "recall>=0.9", "precision>=0.2", "fpr<0.1"]


def test_rule_baseline_on_the_same_axes(fraud_validation):
    df = fraud_validation.drop_duplicates("transaction_id").reset_index(drop=True)
    t = Tradeoff(df["is_fraud"], df["score"], costs={"cost_fp": 5, "cost_fn": 200})
    b = t.baseline("amount > 900", df)
    pred = (df["amount"] > 900).to_numpy()
    assert b.confusion == _sk_counts(df["is_fraud"].to_numpy(), pred.astype(float), 0.5)
    assert b.curve is not None and len(b.curve["recall"]) > 10
    assert b.model_same_alerts["recall"] > b.metrics["recall"].value
    assert "rule" in b.verdict()


@pytest.mark.parametrize("text", ["amount > 'x'", "amount >", "os.system('x') > 1", "amount > 1; drop"])
def test_rule_parser_rejects(text):
    with pytest.raises(InputDataError):
        Rule.parse(text).alerts(pd.DataFrame({"amount": [1.0]}))


def test_rule_missing_column_is_explained():
    with pytest.raises(InputDataError, match="does not have"):
        Rule.parse("speed > 3").alerts(pd.DataFrame({"amount": [1.0]}))


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, n), rng.random(n)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_true": ["a", "b", "c"] * 20}, "different values"),
        ({"y_true": ["fraud", "ok"] * 30}, "positive"),
        ({"y_score": [np.nan] + [0.5] * 59}, "missing or infinite"),
        ({"y_score": [np.inf] + [0.5] * 59}, "missing or infinite"),
        ({"y_score": [0.5] * 59}, "rows"),
        ({"y_true": [1] * 60}, "only one class"),
        ({"y_true": [0, 1] * 5, "y_score": [0.1, 0.2] * 5}, "at least 30"),
        ({"y_score": [0.3] * 60}, "equal"),
        ({"constraints": ["recall => lots"]}, "Could not read"),
        ({"constraints": ["alerts_per_day<=10"]}, "volume"),
        ({"costs": {"cost_fp": -1}}, "at least 0"),
        ({"costs": {"fn_cost_from_value": True}}, "value"),
    ],
)
def test_bad_input_has_clear_message(kwargs, match):
    y, s = _data(60)
    args = {"y_true": y, "y_score": s, **kwargs}
    with pytest.raises(InputDataError, match=match):
        Tradeoff(args.pop("y_true"), args.pop("y_score"), **args)


def test_raw_scores_and_negative_values_are_noted():
    y, s = _data(100)
    t = Tradeoff(y, s * 10 - 5, value=np.where(np.arange(100) < 3, -999, 50.0))
    assert any("raw model scores" in n for n in t.notes)
    assert any("negative" in n for n in t.notes)
    assert t.value.min() == 0


def test_small_counts_warn():
    y = np.r_[np.ones(5), np.zeros(60)].astype(int)
    s = np.linspace(0, 1, 65)
    assert any("positives" in w for w in Tradeoff(y, s).at(0.5).warnings)


def test_record_values_round_trip(tmp_record, fraud_validation):
    from aipm_widgets.core.record import load_record, update_section

    df = fraud_validation
    t = Tradeoff(df["is_fraud"], df["score"], groups=df["age_band"], costs={"cost_fp": 5, "cost_fn": 200},
                 constraints=["precision>=0.1"], volume_per_day=50_000)
    p = t.at(0.08)
    update_section(tmp_record, "metrics", t.record_values(p, chosen_metric="cost"), what="test")
    rec = load_record(tmp_record).metrics
    assert rec.threshold == 0.08 and rec.confusion.tp == p.confusion["tp"]
    assert rec.metrics["recall"].low == pytest.approx(p.metrics["recall"].low)
    assert rec.costs.cost_fn == 200 and rec.constraints == ["precision>=0.1"]
    assert rec.natural_frequencies["sentence"].startswith("Out of every 1,000")
    assert len(rec.groups) == 5 and rec.volume_per_day == 50_000


def test_candidates_never_run_above_capacity_with_tied_scores():
    """A model with few distinct scores is compared at the lowest threshold within the alert capacity."""
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    from aipm_widgets.core.metrics.candidates import compare_candidates

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=4000), "b": rng.normal(size=4000)})
    y = (X.a + 0.5 * X.b + rng.normal(size=4000) > 1.8).astype(int)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)  # at most 4 distinct scores
    result = compare_candidates({"tree": tree}, X, y, alert_rate=0.05)
    assert result.rows[0]["alert_rate"] <= 0.05
    assert "below capacity" in result.to_html() or result.rows[0]["alert_rate"] >= 0.045

"""Stage 5 core: the demo's injected drifts are found when the data card says, and bad input is handled in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core import demo
from aipm_widgets.core.errors import AipmError, InputDataError
from aipm_widgets.core.monitoring.run import run_monitoring
from aipm_widgets.core.monitoring.estimation import PerformanceEstimator, expected_metrics, realized_metrics
from aipm_widgets.core.monitoring.triggers import evaluate_trigger, parse_trigger


@pytest.fixture(scope="module")
def demo_result():
    df = demo.load_fraud()
    return run_monitoring(
        df[df.split == "validation"], df[df.split == "production"], features=demo.FRAUD_FEATURES,
        timestamp="timestamp", window="month", label="is_fraud", score="score", threshold=demo.CARD_THRESHOLD,
        id_column="transaction_id", costs={"cost_fp": 5.0, "fn_cost_from_value": True, "value_column": "amount"},
    )


def test_demo_drifts_found_when_the_card_says(demo_result):
    card = demo.demo_card()["fraud"]
    cov_month = card["covariate_drift"]["start"][:7]
    concept_month = card["concept_drift"]["start"][:7]
    first = demo_result.first_drift()
    for col in card["covariate_drift"]["columns"]:
        assert first.get(col) == cov_month, (col, first)
    # Nothing else drifts, and nothing drifts before the card's date (the injected dirt raises no alert).
    assert set(first) == set(card["covariate_drift"]["columns"])
    drift_alerts = [a for a in demo_result.alerts if a.kind in {"drift", "score_drift", "concept_drift", "trigger"}]
    assert min(a.window for a in drift_alerts) == cov_month
    assert demo_result.concept_drift_from == concept_month
    perf = demo_result.performance
    assert not perf.loc[perf.index < concept_month, "concept_drift"].any()
    assert perf.loc[concept_month, "realized_roc_auc"] < 0.8 < perf.loc[concept_month, "estimated_roc_auc_lower"]
    fired = demo_result.fired()
    assert fired[">= 30 % of features drifted"] == cov_month
    assert fired["concept drift for 1 window"] == concept_month
    # The data-quality problems were handled and said, not alerted.
    notes = " ".join(demo_result.notes)
    assert "null markers" in notes and "-999" in notes and "duplicate rows" in notes


def test_demo_summary_and_json_shape(demo_result):
    s = demo_result.summary()
    assert "2025-09" in s and "concept drift from 2025-10" in s and "Suggested action" in s
    d = demo_result.to_dict()
    w = d["windows"][4]
    assert {"start", "end", "n", "features", "drift_share", "estimated_performance", "performance"} <= set(w)
    assert set(w["features"]["amount"]) >= {"method", "score", "threshold", "drift"}
    assert set(w["estimated_performance"]) >= {"recall", "precision", "f1", "roc_auc"}
    assert set(w["estimated_performance"]["recall"]) == {"value", "lower", "upper"}
    assert all({"window", "kind", "message"} == set(a) for a in d["alerts"])
    rec = demo_result.record_values(reference_description="validation")
    from aipm_widgets.core.record.sections.monitoring import MonitoringSection

    MonitoringSection.model_validate(rec)


def test_cbpe_matches_realized_without_shift():
    rng = np.random.default_rng(0)
    s = rng.beta(1, 8, 20000)
    y = (rng.random(20000) < s).astype(int)
    est = PerformanceEstimator.fit(y[:10000], s[:10000], threshold=0.2)
    e = est.estimate(s[10000:])
    r = realized_metrics(y[10000:], s[10000:], 0.2)
    for m in ("recall", "precision", "f1", "roc_auc"):
        assert e[m]["lower"] <= r[m] <= e[m]["upper"], m
    # A perfectly calibrated score: expected metrics equal the realized ones in expectation.
    assert expected_metrics(s, s, 0.2)["roc_auc"] == pytest.approx(r["roc_auc"], abs=0.02)


@pytest.mark.parametrize("text,measure,op,value,k", [
    ("estimated recall < 0.90 for 2 consecutive windows", "estimated.recall", "<", 0.9, 2),
    (">= 30 % of features drifted", "drift_share", ">=", 0.3, 1),
    ("cost per 1,000 up 20 % on launch", "cost_change", ">=", 0.2, 1),
    ("Realized ROC AUC <= 85% for 3 windows", "realized.roc_auc", "<=", 0.85, 3),
    ("concept drift for 1 window", "concept_drift", ">=", 1.0, 1),
])
def test_trigger_parsing(text, measure, op, value, k):
    t = parse_trigger(text)
    assert (t.measure, t.op, t.value, t.consecutive) == (measure, op, pytest.approx(value), k)
    assert parse_trigger(t.to_dict()) == t


@pytest.mark.parametrize("text", ["__import__('os').system('ls')", "recall is bad", "x" * 500, "cost per 1,000 < 5 %"])
def test_bad_triggers_explained(text):
    with pytest.raises(AipmError, match="Could not read the trigger"):
        parse_trigger(text)


def test_trigger_consecutive_broken_by_missing():
    t = parse_trigger("estimated recall < 0.9 for 2 consecutive windows")
    r = evaluate_trigger(t, list("abcd"), {"estimated.recall": [0.8, float("nan"), 0.8, 0.8]})
    assert r.fired == [False, False, False, True] and r.fired_at == "d"


def _toy(n=600, seed=0):
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2025-01-01", periods=n, freq="h")
    s = rng.random(n)
    return pd.DataFrame({"timestamp": ts, "x": rng.normal(size=n), "c": rng.choice(list("ab"), n), "score": s,
                         "y": (rng.random(n) < s).astype(float)})


def test_bad_input_in_words():
    ref, cur = _toy(), _toy(seed=1)
    with pytest.raises(InputDataError, match="no readable dates"):
        run_monitoring(ref, cur.assign(timestamp="not a date"), features=["x"], window="day")
    with pytest.raises(InputDataError, match="not found"):
        run_monitoring(ref, cur, features=["nope"], window="day")
    with pytest.raises(InputDataError, match="holds no numbers"):
        run_monitoring(ref, cur.assign(score="high"), features=["x"], window="day", score="score")
    with pytest.raises(InputDataError, match="no rows"):
        run_monitoring(ref.iloc[:0], cur, features=["x"], window="day")
    # All-NaN column, unseen categories, partly filled labels, scores outside [0, 1], a tiny reference:
    cur2 = cur.assign(x=np.nan, c=np.where(np.arange(len(cur)) % 7 == 0, "new", cur["c"]), score=cur["score"] * 10)
    cur2.loc[cur2.index[::2], "y"] = np.nan
    cur2.loc[cur2.index[5], "timestamp"] = pd.NaT
    res = run_monitoring(ref.iloc[:80], cur2, features=["x", "c"], window="day", label="y", score="score", threshold=0.5)
    notes = " ".join(res.notes)
    assert "only 80 rows" in notes and "empty in production" in notes and "outside [0, 1]" in notes
    assert "never seen in the reference" in notes and "no 'timestamp'" in notes
    assert "x" not in res.drift.features
    assert not any(a.kind == "drift" and "x (" in a.message for a in res.alerts)


def test_empty_windows_and_row_windows():
    ref, cur = _toy(), _toy(seed=1)
    cur = cur[(cur.timestamp < "2025-01-05") | (cur.timestamp >= "2025-01-08")]
    res = run_monitoring(ref, cur, features=["x", "c"], window="day")
    empty = [w.label for w in res.windows if w.n == 0]
    assert empty == ["2025-01-05", "2025-01-06", "2025-01-07"]
    assert not any(a.window in empty for a in res.alerts)
    assert any("have no rows" in n for n in res.notes)
    res2 = run_monitoring(ref, cur, features=["x", "c"], timestamp=None, window_rows=100)
    assert [w.n for w in res2.windows][:2] == [100, 100]


def test_prediction_column_gives_the_decisions():
    ref, cur = _toy(2000), _toy(2000, seed=1)
    for f in (ref, cur):
        f["decision"] = (f["score"] >= 0.7).astype(int)
    a = run_monitoring(ref, cur, features=["x"], window="week", label="y", score="score", prediction="decision")
    b = run_monitoring(ref, cur, features=["x"], window="week", label="y", score="score", threshold=0.7)
    pd.testing.assert_series_equal(a.performance["realized_recall"], b.performance["realized_recall"])
    pd.testing.assert_series_equal(a.performance["estimated_recall"], b.performance["estimated_recall"])


def test_default_features_leave_out_ids_dates_and_constants():
    """With no features named, id, date and constant columns are not watched (they would always 'drift')."""
    import numpy as np
    import pandas as pd

    from aipm_widgets.core.monitoring.run import run_monitoring

    rng = np.random.default_rng(0)

    def table(n, start):
        return pd.DataFrame({
            "timestamp": pd.date_range(start, periods=n, freq="h"),
            "order_id": [f"O{start[:4]}{i:06d}" for i in range(n)],
            "shipped_date": pd.date_range(start, periods=n, freq="h").strftime("%Y-%m-%d"),
            "source": "web",
            "amount": rng.gamma(2, 20, n),
            "channel": rng.choice(["a", "b"], n),
        })

    result = run_monitoring(table(500, "2024-01-01"), table(2000, "2024-03-01"), window="week")
    assert list(result.drift.features) == ["amount", "channel"]
    note = next(n for n in result.notes if n.startswith("Not watched"))
    assert "order_id" in note and "shipped_date" in note and "source" in note
    for alert in result.alerts:  # chance may flag 'amount' in a week (p < 0.05), never an id or a date
        assert not any(col in alert.message for col in ("order_id", "shipped_date", "source"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isotonic_calibration_is_scikit_learns(seed):
    """Stage 5 calibrates with its own pool-adjacent-violators fit instead of importing scikit-learn (issue 13):
    the thresholds kept, and the calibrated values inside, outside and between them, must be scikit-learn's."""
    from sklearn.isotonic import IsotonicRegression

    from aipm_widgets.core.stats.isotonic import IsotonicCalibration

    rng = np.random.default_rng(seed)
    n = [40, 2_000, 30_000][seed]
    score = np.round(rng.beta(2, 5, n), 2 if seed == 1 else 6)  # seed 1: many tied scores
    y = (rng.random(n) < score ** 0.7).astype(int)
    ours = IsotonicCalibration().fit(score, y)
    ref = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(score, y)
    np.testing.assert_allclose(ours.X_thresholds_, ref.X_thresholds_, atol=1e-12)
    np.testing.assert_allclose(ours.y_thresholds_, ref.y_thresholds_, atol=1e-12)
    probe = np.concatenate([[-1.0, 0.0, 2.0], rng.random(500), score[:100]])
    np.testing.assert_allclose(ours.predict(probe), ref.predict(probe), atol=1e-12)


@pytest.mark.parametrize("case", ["random", "decreasing", "constant", "one", "ties"])
def test_pool_adjacent_violators_is_scipys(case):
    """The dozen-line fit that spares stage 5 scipy.optimize's import gives scipy's ``isotonic_regression``."""
    from scipy.optimize import isotonic_regression

    from aipm_widgets.core.stats.isotonic import pool_adjacent_violators

    rng = np.random.default_rng(7)
    values = {"random": rng.random(5_000), "decreasing": np.linspace(1, 0, 300), "constant": np.full(50, 0.3),
              "one": np.array([0.7]), "ties": np.repeat(rng.random(40), 3)}[case]
    weights = rng.integers(1, 20, len(values)).astype(float)
    np.testing.assert_allclose(pool_adjacent_violators(values, weights),
                               isotonic_regression(values, weights=weights, increasing=True).x, atol=1e-12)

"""The regression task (a model that predicts a number): core against scikit-learn, monitoring with known drift,
fairness, bad inputs, the CLI's JSON and the ForecastExplorer without a browser.

The data are generated here (a house-price-like table in GBP and thousands of units); the delivery demo is
used once, as one example.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, root_mean_squared_error

from aipm_widgets.cli import main
from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.tasks.forecast import Forecast, parse_tolerance, regression_values
from aipm_widgets.core.io.inputs import binary_labels


def _prices(n=4_000, seed=7):
    rng = np.random.default_rng(seed)
    region = rng.choice(["coast", "inland", "city"], n, p=[0.3, 0.5, 0.2])
    size = rng.gamma(3, 30, n)
    y = 50 + 2.1 * size + np.where(region == "city", 80, 0) + rng.normal(0, 15 + 0.1 * size, n)
    pred = 55 + 2.0 * size + np.where(region == "city", 60, 0)
    return pd.DataFrame({"price_k": y.round(2), "estimate_k": pred.round(2), "region": region, "size_m2": size.round(1)})


@pytest.mark.parametrize("tolerance", ["10%", "12.5", 7])
def test_measures_equal_sklearn_at_random_offsets(tolerance):
    df = _prices()
    f = Forecast(df["price_k"], df["estimate_k"], tolerance=tolerance, cost_under=3.0, cost_over=1.0, unit="kGBP")
    rng = np.random.default_rng(1)
    y, p = df["price_k"].to_numpy(), df["estimate_k"].to_numpy()
    t = parse_tolerance(tolerance)
    for o in rng.uniform(-40, 40, 25):
        m = f.at(o).metrics
        assert m["mae"].value == pytest.approx(mean_absolute_error(y, p + o), rel=1e-10)
        assert m["rmse"].value == pytest.approx(root_mean_squared_error(y, p + o), rel=1e-10)
        assert m["mape"].value == pytest.approx(mean_absolute_percentage_error(y, p + o), rel=1e-10)
        assert m["mean_error"].value == pytest.approx(np.mean(p + o - y), abs=1e-9)
        lim = t.value * np.abs(y) if t.kind == "relative" else t.value
        assert m["within_tolerance"].value == pytest.approx(np.mean(np.abs(p + o - y) <= lim), abs=1e-12)
        cost = np.mean(3.0 * np.maximum(y - p - o, 0) + 1.0 * np.maximum(p + o - y, 0))
        assert f.cost_per_row(o) == pytest.approx(cost, rel=1e-10)
        for e in m.values():
            assert e.low <= e.value <= e.high


def test_cost_optimal_offset_is_the_minimum_of_the_cost_curve():
    df = _prices()
    f = Forecast(df["price_k"], df["estimate_k"], cost_under=4.0, cost_over=1.0)
    grid = np.linspace(-80, 80, 4001)
    best = f.optimal_offset()
    assert f.cost_per_row(best) <= f.cost_curve(grid).min() + 1e-9
    assert best > 0  # under-prediction costs more: the offset leans high
    no_cost = Forecast(df["price_k"], df["estimate_k"])
    assert no_cost.optimal_offset() == pytest.approx(-np.quantile(no_cost.errors, 0.5, method="inverted_cdf"))


def test_bootstrap_interval_close_to_scipy():
    from scipy.stats import bootstrap

    df = _prices(n=800)
    f = Forecast(df["price_k"], df["estimate_k"])
    m = f.at(0).metrics["mae"]
    ref = bootstrap((np.abs(f.errors),), np.mean, n_resamples=2000, method="percentile", random_state=0).confidence_interval
    width = ref.high - ref.low
    assert abs(m.low - ref.low) < 0.2 * width and abs(m.high - ref.high) < 0.2 * width


def test_zero_targets_caveat_and_group_table():
    y = np.r_[np.zeros(5), np.linspace(1, 100, 195)]
    f = Forecast(y, y + 1.0, groups=np.where(np.arange(200) < 100, "a", "b"))
    assert any("actual value of 0" in n for n in f.notes)
    p = f.at(0)
    assert np.isfinite(p.metrics["mape"].value)
    assert [g["group"] for g in p.groups] == ["a", "b"] and sum(g["n"] for g in p.groups) == 200


def test_sentence_in_the_tasks_words():
    rng = np.random.default_rng(3)
    y = rng.uniform(100, 200, 5_000)
    f = Forecast(y, y * (1 + rng.normal(0, 0.06, 5_000)), tolerance="10%")
    p = f.at(0)
    share = p.metrics["within_tolerance"].value
    assert 0.85 < share < 0.95
    assert p.sentence().startswith(f"{round(share * 10):.0f} in 10 estimates within ±10%")
    assert "9 in 10 estimates" in p.one_pager() or f"{round(share * 100)} in 100" in p.one_pager()


@pytest.mark.parametrize("bad, message", [
    (lambda d: d.assign(price_k=np.where(d.index == 2, "expensive", d.price_k.astype(str))), "holds text"),
    (lambda d: d.assign(estimate_k=np.where(d.index == 5, np.nan, d.estimate_k)), "missing or infinite"),
])
def test_bad_inputs_are_named(bad, message):
    df = bad(_prices(n=200))
    with pytest.raises(InputDataError, match=message):
        Forecast.from_frame(df, label="price_k", prediction="estimate_k")


def test_tolerance_parsing_and_errors():
    assert parse_tolerance("10%").kind == "relative" and parse_tolerance("±5 units").value == 5
    with pytest.raises(InputDataError, match="tolerance"):
        parse_tolerance("-3")
    with pytest.raises(InputDataError, match="tolerance"):
        parse_tolerance("soon")
    with pytest.raises(InputDataError):
        regression_values(["a", "b"] * 10, name="y")


def test_continuous_label_never_suggests_a_positive_value():
    y = np.random.default_rng(0).normal(500, 80, 300).round(1)
    with pytest.raises(InputDataError) as info:
        binary_labels(y, name="price")
    assert "positive=" not in str(info.value) and "--task regression" in str(info.value)


# ----------------------------------------------------------------------------- monitoring with known drift
def _monitoring_data(concept: bool, seed: int = 11):
    rng = np.random.default_rng(seed)

    def frame(n, start, weeks, drift_from=None):
        t = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, weeks * 7 * 86400, n)), unit="s")
        late = np.zeros(n, bool) if drift_from is None else np.asarray(t >= pd.Timestamp(drift_from))
        size = rng.gamma(3, 30, n) * np.where(late, 1.5, 1.0)  # covariate drift: bigger homes
        region = rng.choice(["coast", "inland", "city"], n)
        noise = rng.normal(0, 5 + 0.2 * size, n)  # larger homes are harder: error grows with size
        y = 50 + 2 * size + noise + (np.where(late & (region == "city"), 60, 0) if concept else 0)
        return pd.DataFrame({"listed": t, "size_m2": size, "region": region, "price_k": y, "estimate_k": 50 + 2 * size})

    ref = frame(6_000, "2024-01-01", 12)
    cur = frame(24_000, "2024-04-01", 24, drift_from="2024-06-24")
    cur.loc[cur["listed"] >= pd.Timestamp("2024-09-02"), "price_k"] = np.nan  # labels not yet arrived
    return ref, cur


@pytest.mark.parametrize("concept", [False, True])
def test_estimated_error_tracks_realized_and_flags_concept_drift(concept):
    from aipm_widgets.core.monitoring.run import run_monitoring

    ref, cur = _monitoring_data(concept)
    res = run_monitoring(ref, cur, task="regression", label="price_k", prediction="estimate_k",
                         features=["size_m2", "region"], timestamp="listed", window="week", unit="kGBP")
    perf = res.performance
    labeled = perf[perf["label_coverage"] > 0.9]
    assert len(labeled) >= 15
    after = labeled.loc[labeled.index >= "2024-06-24"]
    before = labeled.loc[labeled.index < "2024-06-24"]
    # covariate drift toward harder rows: the estimate rises with the realized error
    assert after["estimated_mae"].mean() > before["estimated_mae"].mean() * 1.15
    assert perf["estimated_mae"].notna().all()  # estimated also where no labels arrived
    assert perf["label_coverage"].iloc[-1] == 0
    if concept:
        assert res.concept_drift_from is not None and res.concept_drift_from >= "2024-06-24"
        assert any(a.kind == "concept_drift" for a in res.alerts)
    else:
        inside = (labeled["realized_mae"] >= labeled["estimated_mae_lower"]) & (labeled["realized_mae"] <= labeled["estimated_mae_upper"])
        assert inside.mean() >= 0.9
        assert res.concept_drift_from is None
        assert after["realized_mae"].mean() > before["realized_mae"].mean() * 1.15
    d = res.to_dict()
    assert d["task"] == "regression" and "estimated_performance" in d["windows"][0]
    json.dumps(d, default=str)


def test_monitor_without_label_column_in_production():
    from aipm_widgets.core.monitoring.regression import run_regression_monitoring

    ref, cur = _monitoring_data(False)
    res = run_regression_monitoring(ref, cur.drop(columns=["price_k"]), label="price_k", prediction="estimate_k",
                                    features=["size_m2", "region"], timestamp="listed", window="month")
    assert res.performance["estimated_mae"].notna().all()
    assert "realized_mae" not in res.performance or res.performance["realized_mae"].isna().all()


# ----------------------------------------------------------------------------- fairness
def test_regression_fairness_flags_the_group_it_leans_on():
    from aipm_widgets.core.expectations.fairness_regression import RegressionFairness

    df = _prices(n=6_000)
    r = RegressionFairness.from_frame(df, label="price_k", prediction="estimate_k", group="region", tolerance="10%")
    assert r.flagged_groups == ["city"]  # its estimates run 20k too low
    city = next(g for g in r.rows if g["group"] == "city")
    assert city["mean_error"] < 0 and city["within_gap"] < 0
    assert "city" in " ".join(r.findings())


# ----------------------------------------------------------------------------- CLI
@pytest.fixture()
def price_files(tmp_path):
    ref, cur = _monitoring_data(True)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    _prices().to_csv(tmp_path / "val.csv", index=False)
    return tmp_path


def test_cli_tradeoff_json(price_files, capsys):
    rc = main(["tradeoff", "--task", "regression", "--data", str(price_files / "val.csv"), "--label", "price_k",
               "--prediction", "estimate_k", "--tolerance", "10%", "--cost-under", "3", "--cost-over", "1",
               "--group", "region", "--unit", "kGBP", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["task"] == "regression" and out["offset_choice"] == "cost-optimal"
    df = _prices()
    assert out["metrics"]["mae"]["value"] == pytest.approx(mean_absolute_error(df.price_k, df.estimate_k + out["offset"]))
    assert {"mae", "rmse", "mape", "mean_error", "within_tolerance"} <= set(out["metrics"])
    assert out["cost"]["optimal_offset"] == pytest.approx(out["offset"])
    assert out["baseline"]["metrics"]["mae"]["value"] > out["metrics"]["mae"]["value"]
    assert {g["group"] for g in out["groups"]} == {"coast", "inland", "city"}


def test_cli_monitor_and_fairness_json(price_files, capsys):
    rc = main(["monitor", "--task", "regression", "--reference", str(price_files / "ref.csv"), "--current",
               str(price_files / "cur.csv"), "--label", "price_k", "--prediction", "estimate_k", "--timestamp", "listed",
               "--features", "size_m2,region", "--window", "month", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and out["task"] == "regression"
    assert any(a["kind"] == "concept_drift" for a in out["alerts"])
    assert all("estimated_performance" in w for w in out["windows"])
    rc = main(["fairness", "--task", "regression", "--data", str(price_files / "val.csv"), "--label", "price_k",
               "--prediction", "estimate_k", "--group", "region", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["flagged_groups"] == ["city"]


def test_cli_bad_inputs_exit_2_with_words(price_files, capsys):
    rc = main(["monitor", "--reference", str(price_files / "ref.csv"), "--current", str(price_files / "cur.csv"),
               "--label", "price_k", "--score", "estimate_k", "--timestamp", "listed", "--features", "size_m2"])
    err = capsys.readouterr().err
    assert rc == 2 and "--task regression" in err and "positive=" not in err
    rc = main(["tradeoff", "--task", "regression", "--data", str(price_files / "val.csv"), "--label", "price_k"])
    assert rc == 2 and "--prediction" in capsys.readouterr().err
    rc = main(["assess", "--task", "regression", "--data", str(price_files / "val.csv"), "--label", "price_k", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["task"] == "regression" and out["target"]["n"] == 4_000 and out["target"]["findings"]


# ----------------------------------------------------------------------------- widget (no browser) and demo
def test_forecast_explorer_moves_and_saves(tmp_path):
    from aipm_widgets.core.record import load_record
    from aipm_widgets.widgets.metrics.forecast_explorer import ForecastExplorer

    df = _prices()
    rec = tmp_path / "r.yaml"
    w = ForecastExplorer.from_frame(df, label="price_k", prediction="estimate_k", group="region", cost_under=3,
                                    cost_over=1, unit="kGBP", currency="GBP", record_path=rec)
    assert not w.messages.errors
    before = w.result.metrics["mae"].value
    w.slider.value = w.slider.value + 10 * w.slider.step  # what a browser move does
    assert w.result.metrics["mae"].value != before
    assert w.cost_fig.data[w._marker].x[0] == pytest.approx(w.slider.value)
    w.go_to_best()
    assert w.result.offset == pytest.approx(w.forecast.optimal_offset())
    w.tolerance_text.value = "20"
    w.apply_settings()
    assert w.result.tolerance.kind == "absolute" and "±20 kGBP" in w.headline.value
    w.tolerance_text.value = "<b>x</b>"
    w.apply_settings()
    assert w.messages.errors and "<b>" not in w.messages.value
    w.save(who="Priya")
    r = load_record(rec)
    assert r.metrics.task == "regression" and r.metrics.regression.offset == pytest.approx(w.result.offset)
    assert r.metrics.metrics["mae"].low is not None and r.metrics.decided_by == "Priya"
    from aipm_widgets.core.tasks.forecast import ForecastPoint

    again = ForecastPoint.from_record(r.metrics)  # stage 2's one-pager from the saved decision
    assert again.sentence() == w.result.sentence() and again.one_pager() == w.result.one_pager()
    with pytest.raises(InputDataError, match="metric selection"):
        ForecastPoint.from_record(load_record(tmp_path / "empty.yaml", create=True).metrics)
    bad = ForecastExplorer.from_frame(df.assign(estimate_k=np.nan), label="price_k", prediction="estimate_k")
    assert "missing or infinite" in bad.messages.errors[0]


def test_old_record_without_task_still_loads(tmp_path):
    from aipm_widgets.core.record import load_record

    p = tmp_path / "old.yaml"
    p.write_text("schema_version: 1\nmetrics: {threshold: 0.3, status: decided}\nmonitoring: {window: week}\n")
    r = load_record(p)
    assert r.metrics.task is None and r.metrics.regression is None and r.metrics.threshold == 0.3


def test_delivery_demo_is_deterministic_and_matches_its_card():
    from aipm_widgets.core.demo.delivery import DELIVERY_CARD, data_card_line, generate_delivery

    v1, p1 = generate_delivery(n_train=2_000, n_validation=2_000, n_production=6_000)
    v2, p2 = generate_delivery(n_train=2_000, n_validation=2_000, n_production=6_000)
    pd.testing.assert_frame_equal(p1, p2)
    late = p1["ordered_at"] >= pd.Timestamp(DELIVERY_CARD["covariate_drift"]["start"])
    assert p1.loc[late, "distance_km"].mean() > p1.loc[~late, "distance_km"].mean() * 1.1
    assert p1.loc[p1["ordered_at"] >= pd.Timestamp(DELIVERY_CARD["unlabeled_from"]), "delivery_minutes"].isna().all()
    assert "concept drift from 2025-10-01" in data_card_line()


def test_learning_curve_on_mae():
    from aipm_widgets.core.assessment.learning_curve import labels_needed

    df = _prices(n=1_500)
    r = labels_needed(df[["size_m2", "region"]].assign(region=lambda d: d.region.astype("category")), df["price_k"],
                      target=10.0, task="regression", cv=3, n_boot=20)
    assert r.metric == "neg_mean_absolute_error" and (r.mean_scores < 0).all()
    assert np.diff(r.mean_scores)[-1] > -2  # more labels do not make the MAE much worse
    assert "MAE is" in r.sentence() and "Reaching 10" in r.sentence() or "levels off" in r.sentence()


def test_forecast_monitor_widget_shows_and_saves(tmp_path):
    from aipm_widgets.core.record import load_record
    from aipm_widgets.widgets.monitoring.forecast_monitor import ForecastMonitor

    ref, cur = _monitoring_data(True)
    rec = tmp_path / "r.yaml"
    m = ForecastMonitor(ref, cur, label="price_k", prediction="estimate_k", features=["size_m2", "region"],
                        timestamp="listed", window="month", unit="kGBP", record_path=rec)
    assert m.result.concept_drift_from is not None
    assert "concept drift" in m.summary.value and "concept_drift" in m.alerts.value
    names = [t.name for t in m.figure.data]
    assert "realized (actual values)" in names and "likely concept drift" in names
    m.triggers_box.value = "estimated mae > <script>"
    m.save_decision()
    assert m.messages.errors and "<script>" not in m.messages.value
    m.triggers_box.value = "estimated mae > 40\nconcept drift for 1 window"
    m.save_decision()
    r = load_record(rec)
    assert r.monitoring.task == "regression" and r.monitoring.last_run.concept_drift_from == m.result.concept_drift_from
    bad = ForecastMonitor(ref, cur, label="price_k", prediction="nope", timestamp="listed")
    assert "nope" in bad.messages.errors[0]


class _Project:
    """The project contract (core/project.py's ProjectData) as far as the forecast widgets use it."""

    def __init__(self, folder, validation, production, **columns):
        from types import SimpleNamespace

        roles = dict(label=None, prediction=None, timestamp=None, id=None, groups=[], features=[], score=None)
        roles.update(columns)
        self.columns = SimpleNamespace(**roles)
        self._v, self._p = validation, production
        self.currency, self.volume_per_day, self.example, self.task = "GBP", 300, None, "regression"
        self.record_path, self.is_demo, self.unit = folder / "decision_record.yaml", False, "listings"
        self.target_unit = "kGBP"  # what the forecast is measured in (the row word is `unit`)

    def validation(self):
        return self._v

    def production(self):
        return self._p

    def require(self, *roles):
        missing = [r for r in roles if not getattr(self.columns, r)]
        if missing:
            raise InputDataError(f"The project has no {', '.join(missing)} column; add it with `aipm project set "
                                 f"columns.{missing[0]}=COL` or the start page's Your product panel.")


def test_widgets_from_project(tmp_path):
    from aipm_widgets.widgets.metrics.forecast_explorer import ForecastExplorer
    from aipm_widgets.widgets.monitoring.forecast_monitor import ForecastMonitor

    ref, cur = _monitoring_data(False)
    proj = _Project(tmp_path, ref, cur, label="price_k", prediction="estimate_k", timestamp="listed", groups=["region"],
                    features=["size_m2", "region"])
    ex = ForecastExplorer.from_project(proj)
    assert not ex.messages.errors and "kGBP" in ex.headline.value and ex.forecast.currency == "GBP"
    assert ex.forecast.names["group"] == "region"
    mon = ForecastMonitor.from_project(proj)
    assert mon.result is not None and mon.result.unit == "kGBP"
    lacking = ForecastExplorer.from_project(_Project(tmp_path, ref, cur, label="price_k"))
    assert "prediction" in lacking.messages.errors[0] and "aipm project set" in lacking.messages.errors[0]

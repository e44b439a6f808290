"""The DuckDB and Spark engines against the pandas engine on generated data with drift.

Every (feature, window) drift decision must be the same; every statistic within 1e-6, except the Wasserstein
distance of a continuous column, which may fall short of the exact value by at most its stated bound; estimated
(CBPE) and realized metrics, costs and label delays within 1e-6. Spark runs in ``local[2]``, one session for
the whole test run; without Java the Spark tests skip (and fail under CI=true).
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.errors import AipmError, InputDataError
from aipm_widgets.core.monitoring.run import run_monitoring

pytest.importorskip("duckdb")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FEATURES = ["x", "amount", "k", "c", "online"]
COSTS = {"currency": "USD", "cost_fp": 2.0, "fn_cost_from_value": True, "value_column": "amount", "value_tp": 0.0}


def _frame(rng, n, prog):
    x = rng.normal(0.4 * prog, 1, n)
    logit = 1.2 * x - 1.5 + rng.normal(0, 1, n)
    score = 1 / (1 + np.exp(-logit))
    weaker = 1 - 0.9 * (prog > 0.6)  # concept drift late on: the score says much less about the outcome
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.2 * x * weaker - 1.5 + rng.normal(0, 1, n))))).astype(float)
    return pd.DataFrame({
        "x": x,
        "amount": rng.lognormal(3 + 0.3 * prog, 1, n),
        "k": rng.poisson(4 + 2 * prog, n).astype(float),
        "c": np.where(rng.random(n) < 0.2 + 0.4 * prog, "web", rng.choice(["shop", "phone"], n)),
        "online": rng.random(n) < 0.5 + 0.1 * prog,
        "score": score,
        "outcome": y,
    })


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(7)
    n, n_ref = 24_000, 6_000
    seconds = np.sort(rng.integers(0, 9 * 7 * 86400, n))
    cur = _frame(rng, n, seconds / seconds.max())
    cur.insert(0, "timestamp", pd.Timestamp("2025-03-03 00:00:00") + pd.to_timedelta(seconds, unit="s"))
    cur.loc[rng.random(n) < 0.35, "outcome"] = np.nan  # labels not arrived yet
    cur["label_date"] = cur["timestamp"] + pd.to_timedelta(rng.integers(1, 30 * 86400, n), unit="s")
    cur.loc[cur.index[::997], "c"] = "N/A"  # a null marker, not a category
    cur.loc[cur.index[::1499], "amount"] = -999.0  # a sentinel, not a value
    cur.loc[cur.index[::2003], "x"] = np.nan
    cur.loc[cur.index[5::4999], "c"] = "kiosk"  # a value the reference never saw
    ref = _frame(rng, n_ref, np.zeros(n_ref))
    folder = tmp_path_factory.mktemp("prod")
    half = n // 2
    cur.iloc[:half].to_parquet(folder / "part-0.parquet")
    cur.iloc[half:].to_parquet(folder / "part-1.parquet")
    return ref, cur, folder


KW = dict(features=FEATURES, timestamp="timestamp", window="week", label="outcome", score="score", threshold=0.4,
          costs=COSTS, label_date="label_date", volume_per_day=5000, metric="precision")  # stage 4's decided metric


@pytest.fixture(scope="module")
def expected(data):
    ref, cur, _ = data
    return run_monitoring(ref, cur, **KW)


def _spark_or_skip():
    reason = None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        reason = "Spark tests need Java 17 (`java` not found)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            reason = "Spark tests need pyspark (pip install 'aipm-workbook[spark]')"
    if reason:
        if IN_CI:
            pytest.fail(reason + "; CI must have it (.ci/run installs openjdk-17-jre-headless)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def spark():
    _spark_or_skip()
    from aipm_widgets.core.monitoring.engines.spark_engine import spark_session

    os.environ.setdefault("AIPM_SPARK_SHUFFLE_PARTITIONS", "4")
    session = spark_session("local[2]")
    yield session
    session.stop()


def assert_same(a, b):
    """b (an engine's run) agrees with a (pandas) as the module docstring says."""
    assert a.labels == b.labels
    assert [w.n for w in a.windows] == [w.n for w in b.windows]
    assert a.drift.features == b.drift.features
    assert a.drift.method == b.drift.method
    pd.testing.assert_frame_equal(a.drift.n, b.drift.n, check_dtype=False)
    pd.testing.assert_frame_equal(a.drift.drift, b.drift.drift)  # every (feature, window) decision
    bound = b.drift.bound if b.drift.bound is not None else pd.DataFrame(index=[], columns=a.labels)
    for f in a.drift.features:
        diff = (a.drift.score.loc[f] - b.drift.score.loc[f]).to_numpy(float)
        if f in bound.index:
            slack = bound.loc[f].to_numpy(float)
            assert np.all(diff >= -1e-9), f  # the binned distance never exceeds the exact one
            assert np.all(diff <= slack + 1e-9), (f, diff, slack)
            assert slack.max() < 0.01
        else:
            np.testing.assert_allclose(b.drift.score.loc[f], a.drift.score.loc[f], rtol=0, atol=1e-6, err_msg=f)
    for name in ("score_drift", "label_drift"):
        x, y = getattr(a, name), getattr(b, name)
        if y is None and name == "score_drift":  # K-S on a small reference needs raw scores: said, not guessed
            assert any(n.startswith("No score drift") for n in b.notes)
            continue
        assert list(x["drift"]) == list(y["drift"])
        slack = 0.01 if name == "score_drift" else 1e-6
        np.testing.assert_allclose(y["score"].astype(float), x["score"].astype(float), atol=slack)
    cols = [c for c in a.performance.columns if c != "concept_drift"]
    assert set(a.performance.columns) == set(b.performance.columns)
    np.testing.assert_allclose(b.performance[cols].astype(float).to_numpy(), a.performance[cols].astype(float).to_numpy(),
                               rtol=0, atol=1e-6)
    assert list(a.performance["concept_drift"]) == list(b.performance["concept_drift"])
    np.testing.assert_allclose(b.cost.astype(float).to_numpy(), a.cost.astype(float).to_numpy(), rtol=0, atol=1e-6)
    assert a.reference_metrics == b.reference_metrics
    # The same alerts (their text may round a binned distance differently in the third digit).
    skip = {"score_drift"} if b.score_drift is None else set()
    assert [(x.window, x.kind) for x in a.alerts if x.kind not in skip] == [(x.window, x.kind) for x in b.alerts]
    assert a.fired() == b.fired()
    assert a.concept_drift_from == b.concept_drift_from
    # The summary speaks of the metric stage 4 decided on, with the same figures.
    assert b.settings["metric"] == a.settings["metric"]
    assert _metric_sentence(b) == _metric_sentence(a)


def _metric_sentence(res) -> str:
    from aipm_widgets.core.monitoring.run import METRIC_NAMES

    m = res.settings["metric"]
    text, name = res.summary(), METRIC_NAMES[m]
    start = text.index(name[0].upper() + name[1:] + (":" if m == "roc_auc" else " at threshold"))
    return text[start:text.index("estimated from scores", start)]


def test_generated_data_has_what_the_engines_must_find(expected):
    assert set(expected.first_drift()) >= {"x", "c", "k"}  # drift to find
    assert expected.concept_drift_from is not None
    assert expected.drift.method["x"] == "wasserstein" and expected.drift.method["c"] == "jensenshannon"
    assert expected.performance["label_delay_days"].notna().all()


def test_duckdb_engine_matches_pandas(data, expected):
    ref, _, folder = data
    got = run_monitoring(ref, str(folder / "*.parquet"), engine="duckdb", **KW)
    assert_same(expected, got)
    doc = got.to_dict()
    assert "score_bound" in doc["windows"][0]["features"]["x"]
    assert "score_bound" not in doc["windows"][0]["features"]["c"]
    assert any("quantile bins" in n and "duckdb" in n for n in got.notes)


def test_spark_engine_matches_pandas(spark, data, expected):
    ref, _, folder = data
    steps = []
    got = run_monitoring(ref, str(folder), engine="spark", progress=lambda what, share: steps.append(share), **KW)
    assert_same(expected, got)
    assert steps == sorted(steps) and steps[-1] == 1.0
    # A Spark DataFrame (a notebook's) is accepted as it is.
    micro = folder.parent / "micro.parquet"  # Spark reads microsecond timestamps natively (pandas writes ns)
    data[1].astype({"timestamp": "datetime64[us]", "label_date": "datetime64[us]"}).to_parquet(micro)
    again = run_monitoring(ref, spark.read.parquet(str(micro)), engine="spark", features=["c", "k"],
                           timestamp="timestamp", window="month")
    base = run_monitoring(ref, data[1], features=["c", "k"], timestamp="timestamp", window="month")
    pd.testing.assert_frame_equal(again.drift.drift, base.drift.drift)
    np.testing.assert_allclose(again.drift.score.to_numpy(float), base.drift.score.to_numpy(float), atol=1e-6)


def test_spark_cli(spark, data, tmp_path, capsys):
    from aipm_widgets.cli import main

    ref, _, folder = data
    ref.to_parquet(tmp_path / "ref.parquet")
    code = main(["monitor", "--reference", str(tmp_path / "ref.parquet"), "--current", str(folder), "--engine", "spark",
                 "--features", "x,c", "--label", "outcome", "--score", "score", "--threshold", "0.4", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["alerts"]
    assert doc["windows"][-1]["features"]["x"]["drift"] is True


@pytest.mark.parametrize("metric", ["recall", "f1", "roc_auc"])
def test_duckdb_honours_the_decided_metric_and_the_default_threshold(data, metric):
    ref, cur, folder = data
    kw = {**KW, "metric": metric, "threshold": None}
    a = run_monitoring(ref, cur, **kw)
    b = run_monitoring(ref, str(folder), engine="duckdb", **kw)
    assert a.settings["metric"] == b.settings["metric"] == metric
    assert b.threshold == a.threshold  # the same shortest decimal, said in the same note
    note = next(n for n in a.notes if n.startswith("No threshold in the record"))
    assert note in b.notes
    for kind in ("estimated", "realized"):
        np.testing.assert_allclose(b.performance[f"{kind}_{metric}"].astype(float),
                                   a.performance[f"{kind}_{metric}"].astype(float), rtol=0, atol=1e-6)
    assert _metric_sentence(b) == _metric_sentence(a)


def test_cli_engines_read_folders_and_globs(data, tmp_path, capsys):
    from aipm_widgets.cli import main

    ref, _, folder = data
    ref.to_parquet(tmp_path / "ref.parquet")
    docs = {}
    for engine, source in (("pandas", str(folder / "*.parquet")), ("duckdb", str(folder))):
        code = main(["monitor", "--reference", str(tmp_path / "ref.parquet"), "--current", source, "--engine", engine,
                     "--features", "x,c,k", "--label", "outcome", "--score", "score", "--threshold", "0.4", "--json"])
        assert code == 1
        docs[engine] = json.loads(capsys.readouterr().out)
    a, b = docs["pandas"], docs["duckdb"]
    assert [w["window"] for w in a["windows"]] == [w["window"] for w in b["windows"]]
    for wa, wb in zip(a["windows"], b["windows"]):
        assert {f: v["drift"] for f, v in wa["features"].items()} == {f: v["drift"] for f, v in wb["features"].items()}
        assert wa["estimated_performance"]["roc_auc"]["value"] == pytest.approx(
            wb["estimated_performance"]["roc_auc"]["value"], abs=1e-9)


def test_text_labels_prediction_column_and_small_reference(tmp_path):
    """Other paths: 'fraud'/'ok' labels with a positive value, logged decisions, chi-square/Z on a small reference."""
    rng = np.random.default_rng(3)
    ref, cur = _frame(rng, 800, np.zeros(800)), _frame(rng, 6000, np.linspace(0, 1, 6000))
    for f in (ref, cur):
        f["outcome"] = np.where(f["outcome"] == 1, "fraud", "ok")
        f["decision"] = (f["score"] > 0.35).astype(int)
        f.drop(columns=["x", "amount"], inplace=True)
    cur.insert(0, "timestamp", pd.date_range("2025-01-01", periods=6000, freq="15min"))
    cur.loc[cur.index[::7], "outcome"] = None
    cur.to_parquet(tmp_path / "cur.parquet")
    kw = dict(features=["k", "c", "online"], window="week", label="outcome", positive="fraud", score="score",
              prediction="decision")
    a = run_monitoring(ref, cur, **kw)
    b = run_monitoring(ref, tmp_path / "cur.parquet", engine="duckdb", **kw)
    assert set(a.drift.method.values()) <= {"chisquare", "z", "ks", "wasserstein"}
    assert_same(a, b)


def test_clear_errors(data, tmp_path):
    ref, cur, folder = data
    cur.to_csv(tmp_path / "cur.csv", index=False)
    with pytest.raises(InputDataError, match="reads Parquet"):
        run_monitoring(ref, tmp_path / "cur.csv", engine="duckdb", features=["x"])
    with pytest.raises(InputDataError, match="no such file"):
        run_monitoring(ref, tmp_path / "nope.parquet", engine="duckdb", features=["x"])
    with pytest.raises(InputDataError, match="no Parquet files"):
        run_monitoring(ref, str(tmp_path / "*.parquet"), engine="duckdb", features=["x"])
    with pytest.raises(InputDataError, match="Row-count windows"):
        run_monitoring(ref, folder, engine="duckdb", features=["x"], timestamp=None, window_rows=100)
    with pytest.raises(InputDataError, match="Unknown engine"):
        run_monitoring(ref, folder, engine="hadoop", features=["x"])
    with pytest.raises(InputDataError, match="not, a table in memory|not a table in memory"):
        run_monitoring(ref, cur, engine="duckdb", features=["x"])
    with pytest.raises(InputDataError, match="needs every raw value"):  # K-S on a small reference needs raw values
        run_monitoring(ref.iloc[:500], folder, engine="duckdb", features=["x"])
    with pytest.raises(AipmError):
        run_monitoring(ref, folder, engine="duckdb", features=["nope"])


def test_cli_clear_error_for_html_with_engine(data, tmp_path, capsys):
    from aipm_widgets.cli import main

    ref, _, folder = data
    ref.to_parquet(tmp_path / "ref.parquet")
    code = main(["monitor", "--reference", str(tmp_path / "ref.parquet"), "--current", str(folder), "--engine",
                 "duckdb", "--features", "x", "--html", str(tmp_path / "r.html")])
    assert code == 2
    assert "--engine pandas" in capsys.readouterr().err


def test_monitoring_page_engine_picker(data, expected, tmp_path):
    """The dashboard over a Parquet source: an engine picker, a progress bar, the same decisions on each engine."""
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    ref, _, folder = data
    kw = {k: v for k, v in KW.items() if k not in {"volume_per_day"}}
    m = DriftMonitor(ref, str(folder), record_path=tmp_path / "rec.yaml", **kw)
    assert m.engine is not None and m.engine.value == "duckdb"
    assert m.result.settings["engine"] == "duckdb" and m.report_button.disabled
    assert m.progress.value == 1.0 and m.progress.layout.display == "none"
    pd.testing.assert_frame_equal(m.result.drift.drift, expected.drift.drift)
    m.engine.value = "pandas"  # as the browser would
    assert "engine" not in m.result.settings and not m.report_button.disabled
    pd.testing.assert_frame_equal(m.result.drift.drift, expected.drift.drift)
    assert DriftMonitor(ref, data[1], record_path=tmp_path / "rec.yaml", **kw).engine is None

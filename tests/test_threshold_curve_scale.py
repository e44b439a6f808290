"""Stage 4's threshold curve from Parquet/Spark: exact when it fits, binned with a stated bound when it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.metrics.threshold_curve import ThresholdCurve
from aipm_widgets.core.monitoring.engines.threshold_curve import BinnedThresholdCurve, curve_from_source

pytest.importorskip("duckdb")
from test_monitoring_engines import spark  # noqa: E402,F401  (one SparkSession per test run)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    rng = np.random.default_rng(11)
    n = 30_000
    score = rng.beta(2, 5, n).round(5)  # ties, as logged scores have
    y = (rng.random(n) < score).astype(float)
    y[::13] = np.nan  # unlabeled rows are left out
    frame = pd.DataFrame({"p": score, "outcome": np.where(np.isnan(y), None, np.where(y == 1, "bad", "good")),
                          "amount": rng.lognormal(3, 1, n)})
    folder = tmp_path_factory.mktemp("scored")
    frame.iloc[:15000].to_parquet(folder / "a.parquet")
    frame.iloc[15000:].to_parquet(folder / "b.parquet")
    keep = ~np.isnan(y)
    exact = ThresholdCurve(y[keep].astype(np.int64), score[keep], frame["amount"].to_numpy()[keep].copy())
    return folder, exact


def _check(curve, exact):
    t = np.concatenate([np.linspace(0, 1, 301), exact.distinct.thresholds[::50]])
    got, want = curve.counts_many(t), exact.counts_many(t)
    if curve.exact:
        for k in ("tp", "fp", "tn", "fn"):
            np.testing.assert_array_equal(got[k], want[k])
        return
    b = curve.error_bound()
    recall_gap = np.abs(got["tp"] - want["tp"]) / exact.positives
    fpr_gap = np.abs(got["fp"] - want["fp"]) / exact.negatives
    assert recall_gap.max() <= b["recall"] + 1e-12 and fpr_gap.max() <= b["false_positive_rate"] + 1e-12
    # Exact at every bin's lowest score.
    d = curve.distinct
    w = exact.counts_many(d.thresholds)
    np.testing.assert_array_equal(d.tp, w["tp"])
    np.testing.assert_array_equal(d.fp, w["fp"])
    np.testing.assert_allclose(d.fn_value, w["fn_value"], rtol=1e-9)


@pytest.mark.parametrize("max_rows", [10**9, 1000])
def test_duckdb_curve_exact_or_within_its_bound(source, max_rows):
    folder, exact = source
    curve = curve_from_source(str(folder), label="outcome", positive="bad", score="p", value="amount",
                              engine="duckdb", max_rows=max_rows, bins=512)
    assert curve.exact is (max_rows > 1000)
    assert curve.n == exact.n and curve.positives == exact.positives
    _check(curve, exact)
    if not curve.exact:
        doc = curve.to_json()
        assert doc["binning"]["bins"] <= 512 and 0 < doc["binning"]["recall"] < 0.05
        assert "exact at each bin's lowest score" in doc["binning"]["text"]


def test_spark_curve_within_its_bound(spark, source):
    folder, exact = source
    curve = curve_from_source(str(folder), label="outcome", positive="bad", score="p", value="amount", engine="spark",
                              max_rows=1000, bins=512)
    assert isinstance(curve, BinnedThresholdCurve)
    _check(curve, exact)

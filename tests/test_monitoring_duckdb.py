"""The DuckDB path (counts per window and bin over Parquet) against the in-memory drift core."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.monitoring.drift import compute_drift
from aipm_widgets.core.monitoring.drift_duckdb import drift_from_parquet, wasserstein_binned
from aipm_widgets.core.monitoring.windows import assign_windows

pytest.importorskip("duckdb")


def _data(seed=0, n=60_000, n_ref=5_000):
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.sort(rng.integers(0, 8 * 7 * 86400, n)), unit="s")
    prog = np.linspace(0, 1, n)

    def frame(k, p):
        return pd.DataFrame({
            "x": rng.normal(0.3 * p, 1, k),
            "amount": rng.lognormal(0.3 * p, 1, k),
            "k": rng.poisson(20 * (1 + 0.1 * p), k).astype(float),
            "c": np.where(rng.random(k) < 0.2 + 0.3 * p, "online", rng.choice(["shop", "atm"], k)),
        })

    cur = frame(n, prog)
    cur.insert(0, "timestamp", ts)
    cur.loc[cur.index[::997], "c"] = "N/A"  # null markers must not become a category
    cur.loc[cur.index[::1999], "amount"] = -999.0
    return frame(n_ref, np.zeros(n_ref)), cur


def test_duckdb_counts_match_in_memory(tmp_path):
    ref, cur = _data()
    path = tmp_path / "cur.parquet"
    cur.to_parquet(path)
    got = drift_from_parquet(ref, path, features=["x", "amount", "k", "c"], timestamp="timestamp", window="week")
    clean = cur.copy()
    clean.loc[clean["c"] == "N/A", "c"] = np.nan
    clean.loc[clean["amount"] == -999.0, "amount"] = np.nan
    wa = assign_windows(clean["timestamp"], window="week")
    exp = compute_drift(ref, clean, wa.codes, len(wa.windows), features=["x", "amount", "k", "c"],
                        window_labels=[w.label for w in wa.windows])
    assert got.windows == exp.windows and got.method == exp.method
    assert (got.n.to_numpy() == exp.n.to_numpy()).all()
    # Categories and few-valued numbers: exact.
    np.testing.assert_allclose(got.score.loc[["c", "k"]], exp.score.loc[["c", "k"]], rtol=1e-9)
    # Numbers: binned Wasserstein is a lower bound within the documented tolerance; decisions equal away from it.
    num = ["x", "amount"]
    np.testing.assert_allclose(got.score.loc[num], exp.score.loc[num], atol=0.001)
    assert (got.score.loc[num] <= exp.score.loc[num] + 1e-12).all().all()
    far = (exp.score - exp.threshold).abs() > 0.001
    assert (got.drift[far] == exp.drift[far]).all().all()
    assert got.drift.loc["x"].any() and not got.drift.loc["x"].iloc[0]


def test_wasserstein_binned_exact_for_uniform_bins():
    edges = np.array([0.0, 1.0, 2.0])
    # Bins: (-inf, 0), [0, 1), [1, 2), [2, inf). Reference evenly in [0, 1), current evenly in [1, 2): distance 1.
    assert wasserstein_binned(edges, [0, 10, 0, 0], [0, 0, 10, 0], 1.0) == pytest.approx(1.0)
    # Current entirely above the reference's range, on average 3 beyond its maximum: 1.5 + 1 + 3 ... exact tails.
    assert wasserstein_binned(edges, [0, 5, 5, 0], [0, 0, 0, 10], 1.0, above=3.0) == pytest.approx(1.0 + 3.0)

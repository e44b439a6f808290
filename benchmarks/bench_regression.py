"""The forecast (regression) task's speed, each against a named baseline in the same process.

* ``forecast_offset_move_1m``: the ForecastExplorer's Python-side update on an offset-slider move at 1,000,000 rows
  (every measure with its interval, the per-group table, HTML and both figures), against recomputing
  ``sklearn.metrics.mean_absolute_error`` once at the new offset (target: at most 50 ms per move).
* ``forecast_estimated_1m_52w``: estimated MAE/RMSE (direct loss estimation) plus drift and realized error for
  1,000,000 production rows in 52 weekly windows (reference 50,000 rows), against the same run's model fit and
  prediction alone (target: at most 10 s in all).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from . import best_of, scaled


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    size = rng.gamma(3, 30, n)
    group = rng.choice(np.array(["north", "south", "east", "west", "centre"]), n)
    y = 50 + 2 * size + rng.normal(0, 5 + 0.2 * size, n)
    return y, 50 + 2 * size, size, group


def offset_move_1m() -> dict:
    from sklearn.metrics import mean_absolute_error

    from aipm_widgets.widgets.metrics.forecast_explorer import ForecastExplorer

    n = scaled(1_000_000, 20_000)
    y, p, _, g = _data(n)
    t0 = time.perf_counter()
    ex = ForecastExplorer.from_predictions(y, p, groups=g, cost_under=3.0, cost_over=1.0, tolerance="10%",
                                           record_path="/dev/null")
    build = time.perf_counter() - t0
    assert not ex.messages.errors, ex.messages.errors
    s = ex.slider
    values = np.linspace(s.min, s.max, 42)[1:-1]
    times = []
    for v in values:
        t1 = time.perf_counter()
        s.value = float(v)  # what a browser slider move triggers: lookups, intervals, groups, HTML, figures
        times.append(time.perf_counter() - t1)
    assert ex.result.metrics["mae"].value == mean_absolute_error(y, p + ex.result.offset) or abs(
        ex.result.metrics["mae"].value - mean_absolute_error(y, p + ex.result.offset)) < 1e-9
    ours = statistics.median(times)
    base = best_of(lambda: mean_absolute_error(y, p + 1.0), repeat=3)
    return {"n": n, "ours_s": ours, "baseline": f"sklearn mean_absolute_error recomputed once ({n:,} rows)", "baseline_s": base,
            "update_ms_median": round(ours * 1000, 1), "update_ms_p90": round(float(np.percentile(times, 90)) * 1000, 1),
            "update_ms_max": round(max(times) * 1000, 1), "target_update_ms": "<= 50", "build_s": round(build, 2)}


def estimated_1m_52w() -> dict:
    from aipm_widgets.core.monitoring.regression import ErrorEstimator, run_regression_monitoring

    rng = np.random.default_rng(5)
    n_ref, n = scaled(50_000, 5_000), scaled(1_000_000, 30_000)

    def frame(k, start, weeks):
        y, p, size, g = _data(k, seed=int(rng.integers(1 << 30)))
        t = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, weeks * 7 * 86400, k)), unit="s")
        return pd.DataFrame({"ts": t, "size": size, "region": g, "extra": rng.normal(0, 1, k), "y": y, "pred": p})

    ref, cur = frame(n_ref, "2023-01-02", 12), frame(n, "2024-01-01", 52)
    t0, c0 = time.perf_counter(), time.process_time()
    res = run_regression_monitoring(ref, cur, label="y", prediction="pred", features=["size", "region", "extra"],
                                    timestamp="ts", window="week")
    ours, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(res.labels) == 52 and res.performance["estimated_mae"].notna().all()

    def dle_only():
        est = ErrorEstimator.fit(ref, ref["y"].to_numpy(), ref["pred"].to_numpy(), features=["size", "region", "extra"])
        est.predict(cur, cur["pred"].to_numpy())

    base = best_of(dle_only, repeat=1)
    return {"n": n, "ours_s": ours, "baseline": "the error models' fit + prediction alone", "baseline_s": base,
            "windows": len(res.labels), "cpu_s": round(cpu, 2), "target_s": "<= 10"}


CASES = {
    "forecast_offset_move_1m": offset_move_1m,
    "forecast_estimated_1m_52w": estimated_1m_52w,
}

# The CI smoke run (python -m benchmarks --quick): both cases on small sizes.
QUICK = ["forecast_offset_move_1m", "forecast_estimated_1m_52w"]

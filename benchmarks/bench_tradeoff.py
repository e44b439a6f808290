"""The trade-off explorer's speed and memory, each against a named baseline in the same process.

* ``tradeoff_prepare_10m``: sorting 10,000,000 scores once with running counts, against ``numpy.argsort`` of the
  same scores (target: at most 2x its time) and its memory peak against the input arrays (target: at most 4x).
* ``tradeoff_lookup_10m``: confusion counts at one threshold after preparation, against
  ``sklearn.metrics.confusion_matrix`` at that threshold (target: at least 1,000x faster).
* ``tradeoff_widget_update_1m``: the explorer's Python-side update on a slider move at 1,000,000 rows (lookup,
  intervals, group table, HTML and figure updates), against recomputing ``confusion_matrix`` (target: at most 50 ms).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from . import best_of, scaled


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.015).astype(np.int8)
    s = np.clip(rng.normal(0.2 + 0.3 * y, 0.15), 0, 1).round(6)  # ties, as real scores have
    return y, s


def _peak(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def prepare_10m() -> dict:
    from aipm_widgets.core.metrics.threshold_curve import ThresholdCurve

    n = scaled(10_000_000, 200_000)
    y, s = _data(n)
    ours = best_of(lambda: ThresholdCurve(y, s), repeat=3)
    base = best_of(lambda: np.argsort(s), repeat=3)
    peak = _peak(lambda: ThresholdCurve(y, s))
    inputs = y.nbytes + s.nbytes
    return {"n": n, "ours_s": ours, "baseline": "numpy.argsort (same scores)", "baseline_s": base,
            "time_vs_argsort": round(ours / base, 2), "target_time_vs_argsort": "<= 2",
            "memory_peak_mb": round(peak / 2**20, 1), "input_mb": round(inputs / 2**20, 1),
            "memory_vs_input": round(peak / inputs, 2), "target_memory_vs_input": "<= 4"}


def lookup_10m() -> dict:
    from sklearn.metrics import confusion_matrix

    from aipm_widgets.core.metrics.threshold_curve import ThresholdCurve

    n = scaled(10_000_000, 200_000)
    y, s = _data(n)
    curve = ThresholdCurve(y, s)
    thresholds = np.random.default_rng(1).random(10_000)
    it = iter(np.tile(thresholds, 10))
    ours = best_of(lambda: curve.counts(next(it)), repeat=5, number=1_000)
    base = best_of(lambda: confusion_matrix(y, s >= 0.5), repeat=2)
    assert curve.counts(0.5) == dict(zip(("tn", "fp", "fn", "tp"), map(int, confusion_matrix(y, s >= 0.5).ravel())))
    return {"n": n, "ours_s": ours, "baseline": "sklearn.metrics.confusion_matrix at one threshold", "baseline_s": base,
            "target_ratio": ">= 1000"}


def widget_update_1m() -> dict:
    from sklearn.metrics import confusion_matrix

    from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer

    n = scaled(1_000_000, 50_000)
    y, s = _data(n)
    rng = np.random.default_rng(2)
    value = rng.lognormal(4, 1, n)
    groups = rng.choice(np.array(["18-24", "25-34", "35-49", "50-64", "65+"]), n)
    t0 = time.perf_counter()
    ex = ThresholdExplorer.from_predictions(
        y, s, value=value, groups=groups, costs={"cost_fp": 5, "fn_cost_from_value": True},
        constraints=["fnr<=0.05"], volume_per_day=50_000, record_path="/dev/null",
    )
    build = time.perf_counter() - t0
    assert not ex.messages.errors, ex.messages.errors
    options = [v for _, v in ex.slider.options]
    times = []
    for i in range(200, 1800, 40):
        t1 = time.perf_counter()
        ex.slider.value = options[i]  # what a browser slider move triggers: lookup, intervals, groups, HTML, figures
        times.append(time.perf_counter() - t1)
    ours = statistics.median(times)
    base = best_of(lambda: confusion_matrix(y, s >= 0.3), repeat=3)
    inputs = y.nbytes + s.nbytes + value.nbytes + groups.nbytes
    peak = _peak(lambda: ThresholdExplorer.from_predictions(
        y, s, value=value, groups=groups, costs={"cost_fp": 5, "fn_cost_from_value": True}, volume_per_day=50_000,
        record_path="/dev/null"))
    return {"n": n, "ours_s": ours, "baseline": "recompute sklearn confusion_matrix (1M rows)", "baseline_s": base,
            "update_ms_median": round(ours * 1000, 1), "update_ms_p90": round(float(np.percentile(times, 90)) * 1000, 1),
            "update_ms_max": round(max(times) * 1000, 1), "target_update_ms": "<= 50",
            "build_s": round(build, 2), "widget_memory_peak_mb": round(peak / 2**20, 1), "input_mb": round(inputs / 2**20, 1),
            "widget_memory_vs_input": round(peak / inputs, 2)}


CASES = {
    "tradeoff_prepare_10m": prepare_10m,
    "tradeoff_lookup_10m": lookup_10m,
    "tradeoff_widget_update_1m": widget_update_1m,
}
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = ["tradeoff_lookup_10m", "tradeoff_widget_update_1m"]

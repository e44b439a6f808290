"""Multiclass routing (ticket routing) speed, each against a named baseline in the same process.

* ``routing_lookup_1m``: 1,000,000 rows x 10 classes. One sort (the :class:`~aipm_widgets.core.tasks.routing.Routing`
  build) then the k x k confusion matrix of the automated rows at a random confidence threshold, against recomputing
  ``sklearn.metrics.confusion_matrix`` on the automated subset (target: <= 1 ms per slider move).
* ``routing_point_1m``: the full answer at one threshold (matrix, Wilson intervals, per-class table, F1 with 300
  bootstrap draws, cost), what the widget computes on each slider move before drawing.
* ``routing_estimated_1m_52w``: stage 5 for a router on 1,000,000 production rows (10 classes) in 52 weekly windows,
  reference 50,000 rows: drift of 3 features, estimated accuracy / macro F1 / per-class recall without labels (CBPE),
  realized metrics on the labeled half and cost per 1,000 per window, against the same run's calibration fit on the
  reference plus the calibration of every production row alone (target: at most 10 s in all).
"""

from __future__ import annotations

import time

import numpy as np

from . import best_of, scaled

K = 10
N = scaled(1_000_000, 20_000)


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.choice(K, N, p=np.r_[np.full(8, 0.118), 0.04, 0.016])
    logits = rng.normal(size=(N, K)).astype(np.float64)
    logits[np.arange(N), y] += rng.uniform(0.5, 3.5, N)
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    return y, p


def lookup_1m() -> dict:
    from sklearn.metrics import confusion_matrix

    from aipm_widgets.core.tasks.routing import Routing

    y, p = _data()
    classes = [f"q{i}" for i in range(K)]
    t0 = time.perf_counter()
    r = Routing(np.array(classes, dtype=object)[y], p, classes=classes)
    build = time.perf_counter() - t0
    pred, conf = p.argmax(1), p.max(1)
    thresholds = np.random.default_rng(1).uniform(0.2, 0.99, 2_000)
    it = iter(np.tile(thresholds, 5))
    ours = best_of(lambda: r.matrix(next(it)), repeat=5, number=1_000)

    def sklearn_subset(t=0.6):
        auto = conf >= t
        return confusion_matrix(y[auto], pred[auto], labels=np.arange(K))

    base = best_of(sklearn_subset, repeat=3)
    for t in thresholds[:5]:
        auto = conf >= t
        assert (r.matrix(t) == confusion_matrix(y[auto], pred[auto], labels=np.arange(K))).all()
    return {"n": N, "classes": K, "ours_s": ours, "baseline": "sklearn confusion_matrix on the automated subset",
            "baseline_s": base, "lookup_ms": round(ours * 1000, 4), "target_lookup_ms": "<= 1",
            "build_s_one_sort": round(build, 2)}


def point_1m() -> dict:
    from sklearn.metrics import confusion_matrix

    from aipm_widgets.core.tasks.routing import Routing

    y, p = _data(1)
    classes = [f"q{i}" for i in range(K)]
    r = Routing(np.array(classes, dtype=object)[y], p, classes=classes, costs={"misroute": 5, "manual": 2},
                volume_per_day=20_000, minutes_per_manual=4, constraints=["accuracy_automated>=0.9"])
    thresholds = iter(np.tile(np.random.default_rng(2).uniform(0.2, 0.99, 50), 10))
    ours = best_of(lambda: r.at(next(thresholds), reps=300), repeat=5, number=10)
    pred, conf = p.argmax(1), p.max(1)

    def sklearn_subset(t=0.6):
        auto = conf >= t
        return confusion_matrix(y[auto], pred[auto], labels=np.arange(K))

    base = best_of(sklearn_subset, repeat=3)
    return {"n": N, "classes": K, "ours_s": ours, "baseline": "sklearn confusion_matrix on the automated subset",
            "baseline_s": base, "point_ms": round(ours * 1000, 2)}


def estimated_1m_52w() -> dict:
    import pandas as pd

    from aipm_widgets.core.monitoring.multiclass import MulticlassEstimator, run_monitoring_multiclass

    classes = np.array([f"q{i}" for i in range(K)], dtype=object)
    n_ref, n = scaled(50_000, 5_000), N
    rng = np.random.default_rng(7)

    def frame(size, start, seed):
        y, p = _data(seed)
        y, p = y[:size], p[:size]
        df = pd.DataFrame(p, columns=[f"p_{c}" for c in classes])
        df["queue"] = classes[y]
        df["length"] = rng.gamma(2, 200, size)
        df["channel"] = rng.choice(np.array(["mail", "chat", "phone"], dtype=object), size)
        df["hour"] = rng.integers(0, 24, size)
        df["at"] = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 52 * 7 * 86400, size)), unit="s")
        return df

    ref = frame(n_ref, "2023-01-02", 3)
    cur = frame(n, "2024-01-01", 4)
    cur.loc[cur.index % 2 == 1, "queue"] = None  # half the labels have not arrived
    t0, c0 = time.perf_counter(), time.process_time()
    res = run_monitoring_multiclass(ref, cur, label="queue", proba_prefix="p_", threshold=0.5, timestamp="at", window="week",
                                    features=["length", "channel", "hour"], costs={"misroute": 5, "manual": 2})
    ours, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(res.labels) == 52 and res.performance["estimated_accuracy"].notna().all()
    assert res.cost["cost_estimated"].notna().all()
    proba_cols = [f"p_{c}" for c in classes]

    def calibration_only():
        r = ref[proba_cols].to_numpy()
        y = pd.Series(ref["queue"]).map({c: i for i, c in enumerate(classes)}).to_numpy()
        est = MulticlassEstimator.fit(y, r, r.argmax(1), list(classes), n_samples=1)
        est.calibrate(cur[proba_cols].to_numpy())

    base = best_of(calibration_only, repeat=1)
    return {"n": n, "classes": K, "ours_s": ours, "baseline": "the per-class calibration's fit + applying it alone",
            "baseline_s": base, "windows": len(res.labels), "cpu_s": round(cpu, 2), "target_s": "<= 10"}


CASES = {"routing_lookup_1m": lookup_1m, "routing_point_1m": point_1m, "routing_estimated_1m_52w": estimated_1m_52w}
# The CI smoke run (python -m benchmarks --quick): the lookup and estimation cases on 20,000 rows.
QUICK = ["routing_lookup_1m", "routing_estimated_1m_52w"]

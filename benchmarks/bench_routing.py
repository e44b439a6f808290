"""Multiclass routing (ticket routing) speed, each against a named baseline in the same process.

* ``routing_lookup_1m``: 1,000,000 rows x 10 classes. One sort (the :class:`~aipm_widgets.core.tasks.routing.Routing`
  build) then the k x k confusion matrix of the automated rows at a random confidence threshold, against recomputing
  ``sklearn.metrics.confusion_matrix`` on the automated subset (target: <= 1 ms per slider move).
* ``routing_point_1m``: the full answer at one threshold (matrix, Wilson intervals, per-class table, F1 with 300
  bootstrap draws, cost), what the widget computes on each slider move before drawing.
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


CASES = {"routing_lookup_1m": lookup_1m, "routing_point_1m": point_1m}
# The CI smoke run (python -m benchmarks --quick): the lookup case on 20,000 rows.
QUICK = ["routing_lookup_1m"]

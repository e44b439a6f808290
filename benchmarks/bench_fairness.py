"""The fairness audit at one threshold (what a slider move costs) against fairlearn's MetricFrame + summary gaps.

Ours: :meth:`FairnessData.at` (one binary search per group on scores sorted once by :func:`prepare`).
Baseline: fairlearn's ``MetricFrame`` (selection rate, TPR, FPR, precision, count) plus
``demographic_parity_difference`` and ``equalized_odds_difference`` on the same predictions, which is
what recomputing the audit from scratch at each threshold costs. Same numbers (tests/test_fairness_core.py).
"""

from __future__ import annotations

import numpy as np

from . import best_of


def _synthetic(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c", "d"], size=n, p=[0.45, 0.45, 0.07, 0.03])
    y = (rng.uniform(size=n) < 0.35).astype(int)
    s = np.clip(rng.normal(0.35 + 0.3 * y - 0.05 * (g == "b"), 0.2), 0, 1)
    return y, s, g


def _case(n: int | None) -> dict:
    from aipm_widgets.core.expectations.fairness import prepare

    if n is None:
        from aipm_widgets.core import demo

        df = demo.load_resume()
        y, s, g = df["qualified"].to_numpy(), df["score"].to_numpy(), df["gender"].to_numpy()
    else:
        y, s, g = _synthetic(n)
    data = prepare(y, s, g)
    thresholds = iter(np.linspace(0.2, 0.8, 10_000))
    ours = best_of(lambda: data.at(next(thresholds)), repeat=7, number=20)
    baseline = best_of(lambda: data.fairlearn_check(0.5), repeat=3)
    prepare_s = best_of(lambda: prepare(y, s, g), repeat=3)
    return {
        "n": len(y),
        "ours_s": ours,
        "baseline": "fairlearn MetricFrame + demographic_parity_difference + equalized_odds_difference",
        "baseline_s": baseline,
        "prepare_once_s": prepare_s,
    }


CASES = {
    "fairness_at_threshold_resume_4k": lambda: _case(None),
    "fairness_at_threshold_200k": lambda: _case(200_000),
}
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = ["fairness_at_threshold_resume_4k"]

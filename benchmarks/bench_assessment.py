"""Stage 3: the whole data assessment against evidently's DataSummaryPreset on the same table.

``assess_1m_x_30``: 1,000,000 rows x 30 columns (numbers, categories with disguised nulls, an id, a
timestamp, a label). Ours runs on every row (the leakage/outlier checks on a 200,000-row sample, as in
production). evidently is timed on a 200,000-row subset and scaled linearly to 1,000,000 rows (said in the
output); the target is ours <= 60 s. ``assess_demo_fraud``: the 120,150-row demo table, both on all rows.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

os.environ.setdefault("DO_NOT_TRACK", "1")


def make_table(n: int = 1_000_000, seed: int = 0) -> pd.DataFrame:
    """A synthetic 30-column table with a few planted problems."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "row_id": np.arange(n),
        "ts": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 365 * 86400, n), unit="s"),
    }
    for i in range(14):
        cols[f"num_{i}"] = rng.normal(size=n) * (i + 1)
    cols["count_0"] = rng.poisson(3, n)
    for i in range(10):
        cols[f"cat_{i}"] = rng.choice([f"v{j}" for j in range(5 + i)], size=n)
    cols["hour"] = rng.integers(0, 24, n)
    cols["code"] = rng.choice([f"c{j}" for j in range(2000)], size=n)
    cols["label"] = (rng.uniform(size=n) < 0.05).astype(int)
    df = pd.DataFrame(cols)
    df.loc[:499, "num_0"] = -999.0
    df.loc[:999, "cat_0"] = "N/A"
    df.loc[1000:1009, "hour"] = 27
    return df


def _time_assess(df: pd.DataFrame, **roles) -> tuple[float, object, list]:
    from aipm_widgets.core.assessment.report import assess

    steps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    result = assess(df, progress=lambda step, done, total: steps.append((step, round(time.perf_counter() - t0, 2))), **roles)
    return time.perf_counter() - t0, result, steps


def _time_evidently(df: pd.DataFrame) -> float:
    from evidently import Report
    from evidently.presets import DataSummaryPreset

    t0 = time.perf_counter()
    Report([DataSummaryPreset()]).run(df, None)
    return time.perf_counter() - t0


def case_1m() -> dict:
    df = make_table()
    ours, result, steps = _time_assess(df, label="label", id_column="row_id", time_column="ts")
    import evidently  # noqa: F401 - import time is not part of the comparison

    subset = 200_000
    ev = _time_evidently(df.sample(subset, random_state=0))
    return {
        "n": len(df), "columns": df.shape[1], "ours_s": round(ours, 2), "target_s": 60.0,
        "baseline": f"evidently DataSummaryPreset, timed on {subset:,} rows and scaled x{len(df) / subset:g}",
        "baseline_s": round(ev * len(df) / subset, 2), "baseline_measured_s": round(ev, 2),
        "issues": len(result.issues), "steps": steps,
    }


def case_demo() -> dict:
    from aipm_widgets.core import demo

    df = demo.load_fraud()
    ours, result, _ = _time_assess(df, label="is_fraud", id_column="transaction_id", time_column="timestamp", ignore=("score",))
    import evidently  # noqa: F401

    ev = _time_evidently(df.astype({c: "string" for c in df.columns if df[c].dtype == object}).astype(
        {c: object for c in df.columns if df[c].dtype == object}))
    return {"n": len(df), "ours_s": round(ours, 2), "baseline": "evidently DataSummaryPreset (all rows)",
            "baseline_s": round(ev, 2), "issues": len(result.issues)}


CASES = {"assess_1m_x_30": case_1m, "assess_demo_fraud": case_demo}
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = []

"""A team's own multiclass and regression products for tests, sharing nothing with the bundled demos.

* Claims triage (multiclass): an insurer routes claims to the ``motor``, ``home``, ``travel`` or ``liability``
  team; columns ``claim_ref``, ``line`` (the true team), ``routed_to`` (the model's choice), ``score_motor`` ...
  (probabilities, prefix ``score_``), ``channel`` (online / broker / phone: the group), amounts in USD. The
  ``phone`` channel's claims are written less clearly, so the model is less sure of them and wrong more often.
* Energy demand (regression): hourly demand of grid areas in MWh; columns ``meter_hour``, ``demand_mwh``
  (actual), ``forecast_mwh`` (the model's), ``grid_area`` (the group). The ``island`` area is forecast too low.

Everything is generated from a seed; nothing is read from the package's demo data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CLAIM_LINES = ["motor", "home", "travel", "liability"]
CLAIM_CHANNELS = ["online", "broker", "phone"]
AREAS = ["metro", "valley", "coast", "island"]
DEMO_WORDS = ("ticket", "queue", "billing", "delivery", "minutes", "EUR", "region", "zone")
"""Words of the demos that must not appear in outputs built on these products."""


def generate_claims(n: int = 4000, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    line = rng.choice(CLAIM_LINES, size=n, p=[0.45, 0.3, 0.17, 0.08])
    channel = rng.choice(CLAIM_CHANNELS, size=n, p=[0.5, 0.3, 0.2])
    codes = pd.Series(line).map({c: i for i, c in enumerate(CLAIM_LINES)}).to_numpy()
    clarity = np.where(channel == "phone", 0.6, 2.6)
    logits = rng.normal(0, 1, (n, len(CLAIM_LINES)))
    logits[np.arange(n), codes] += clarity
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    frame = pd.DataFrame({"claim_ref": [f"CL-{i:05d}" for i in range(n)], "line": line, "channel": channel,
                          "claim_usd": np.round(np.exp(rng.normal(7.5, 1.0, n)), 2)})
    for i, c in enumerate(CLAIM_LINES):
        frame[f"score_{c}"] = p[:, i]
    frame["routed_to"] = np.asarray(CLAIM_LINES, dtype=object)[p.argmax(1)]
    return frame


def generate_demand(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = rng.choice(AREAS, size=n, p=[0.4, 0.25, 0.25, 0.1])
    base = pd.Series(area).map({"metro": 900.0, "valley": 300.0, "coast": 450.0, "island": 120.0}).to_numpy()
    hour = rng.integers(0, 24, n)
    actual = base * (1 + 0.3 * np.sin((hour - 6) / 24 * 2 * np.pi)) * rng.lognormal(0, 0.06, n)
    bias = np.where(area == "island", -0.12, 0.0)
    forecast = actual * (1 + bias + rng.normal(0, 0.05, n))
    return pd.DataFrame({"meter_hour": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(n), unit="h"),
                         "grid_area": area, "demand_mwh": np.round(actual, 2), "forecast_mwh": np.round(forecast, 2)})

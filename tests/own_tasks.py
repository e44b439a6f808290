"""A team's own multiclass and regression products for tests, sharing nothing with the bundled demos.

* Claims triage (multiclass): an insurer routes claims to the ``motor``, ``home``, ``travel`` or ``liability``
  team; columns ``claim_ref``, ``line`` (the true team), ``routed_to`` (the model's choice), ``score_motor`` ...
  (probabilities, prefix ``score_``), ``channel`` (online / broker / phone: the group), amounts in USD. The
  ``phone`` channel's claims are written less clearly, so the model is less sure of them and wrong more often.
* Energy demand (regression): hourly demand of grid areas in MWh; columns ``meter_hour``, ``demand_mwh``
  (actual), ``forecast_mwh`` (the model's), ``grid_area`` (the group). The ``island`` area is forecast too low.
* Plant photo routing (multiclass): a nursery sorting customer photos into ``species`` (oak, pine, birch, willow),
  probabilities in ``prob_<class>`` columns, timestamps in ``logged``, money in GBP; :func:`routing_project`.
* House prices (regression): thousands (``price_k`` against ``estimate_k``), timestamps in ``listed``, money in CHF;
  :func:`forecast_project`.

Everything is generated from a seed; nothing is read from the package's demo data.

Use::

    from own_tasks import routing_project, forecast_project   # tests/ is on sys.path
    project = routing_project(tmp_path)                        # a loaded ProjectData with task multiclass
"""

from __future__ import annotations

from pathlib import Path

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


SPECIES = ["oak", "pine", "birch", "willow"]
ROUTING_NAME = "Nursery <photo> sorter"  # markup in a name: it must show as typed, never as HTML
FORECAST_NAME = "House price guide"


def routing_frames(seed: int = 5, n: int = 2400) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    y = rng.choice(len(SPECIES), n, p=[0.45, 0.3, 0.17, 0.08])
    logits = rng.normal(size=(n, len(SPECIES)))
    logits[np.arange(n), y] += 2.2
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    df = pd.DataFrame({"leaf_width": rng.normal(3, 1, n).round(2), "soil": rng.choice(["clay", "sand", "loam"], n),
                       "species": np.array(SPECIES)[y], "guess": np.array(SPECIES)[p.argmax(1)],
                       "logged": pd.date_range("2023-03-01", periods=n, freq="3h")})
    for i, c in enumerate(SPECIES):
        df[f"prob_{c}"] = p[:, i].round(6)
    return df.iloc[: n // 2].reset_index(drop=True), df.iloc[n // 2:].reset_index(drop=True)


def forecast_frames(seed: int = 9, n: int = 2400) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    size = rng.uniform(40, 200, n).round(1)
    region = rng.choice(["lakeside", "hills", "town"], n)
    price = (size * 9.5 + rng.normal(0, 120, n) + np.where(region == "lakeside", 300, 0)).round(1)
    df = pd.DataFrame({"size_m2": size, "region": region, "price_k": price,
                       "estimate_k": (price + rng.normal(15, 90, n)).round(1),
                       "listed": pd.date_range("2022-01-01", periods=n, freq="6h")})
    return df.iloc[: n // 2].reset_index(drop=True), df.iloc[n // 2:].reset_index(drop=True)


def _write(folder: Path, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    frames[0].to_csv(folder / "data" / "validation.csv", index=False)
    frames[1].to_csv(folder / "data" / "production.csv", index=False)


def routing_project(folder: Path):
    from aipm_widgets.core.project import load_project, set_project

    _write(folder, routing_frames())
    record = folder / "decision_record.yaml"
    set_project(record, {"example": "none", "name": ROUTING_NAME, "currency": "GBP", "task": "multiclass",
                         "sources.validation": "data/validation.csv", "sources.production": "data/production.csv",
                         "columns.label": "species", "columns.prediction": "guess", "columns.proba_prefix": "prob_",
                         "columns.timestamp": "logged", "columns.features": "leaf_width,soil"}, who="Test Person")
    return load_project(record)


def forecast_project(folder: Path):
    from aipm_widgets.core.project import load_project, set_project

    _write(folder, forecast_frames())
    record = folder / "decision_record.yaml"
    set_project(record, {"example": "none", "name": FORECAST_NAME, "currency": "CHF", "task": "regression",
                         "sources.validation": "data/validation.csv", "sources.production": "data/production.csv",
                         "columns.label": "price_k", "columns.prediction": "estimate_k", "columns.timestamp": "listed",
                         "columns.groups": "region", "columns.features": "size_m2,region"}, who="Test Person")
    return load_project(record)

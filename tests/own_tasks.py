"""A team's own routing (multiclass) and forecasting (regression) products for tests, sharing nothing with the demos.

Routing: a plant nursery sorting customer photos into ``species`` (oak, pine, birch, willow), probabilities in
``prob_<class>`` columns, timestamps in ``logged``, money in GBP. Forecast: house prices in thousands (``price_k``
against ``estimate_k``), timestamps in ``listed``, money in CHF. Generated from a seed; no demo data is read.

Use::

    from own_tasks import routing_project, forecast_project   # tests/ is on sys.path
    project = routing_project(tmp_path)                        # a loaded ProjectData with task multiclass
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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

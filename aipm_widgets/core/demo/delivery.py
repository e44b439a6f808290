"""The delivery-time demo: a food-delivery service promises each order an arrival time (a regression model).

Generated deterministically from a seed (nothing is downloaded). Orders have a distance, a number of items,
an hour, the weather, a city zone and a vehicle; the actual delivery time grows with distance and items, rush
hours and bad weather, with noise that grows with distance. The "model" is a linear regression fitted on a
training quarter, so it misses the non-linear parts (snow, long trips), as real models do.

Injected after launch (the data card says so):

* covariate drift from 2025-07-01: the service area grows east, so trips get longer (more long-distance orders);
* concept drift from 2025-10-01: road works in the centre add about 9 minutes to every trip through it, which no
  input shows; realized error rises while the error estimated from the inputs does not.

The production log's last two weeks have no actual times yet (labels that have not arrived).

Examples
--------
>>> ex = load_delivery()
>>> ex.task, ex.columns["label"], ex.unit
('regression', 'delivery_minutes', 'minutes')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DemoExample", "load_delivery", "generate_delivery", "DELIVERY_CARD", "data_card_line"]

SEED = 20251
ZONES = np.array(["centre", "north", "south", "east", "west"])
ZONE_P = np.array([0.3, 0.2, 0.2, 0.15, 0.15])
WEATHER = np.array(["clear", "rain", "snow"])
VEHICLES = np.array(["bike", "scooter", "car"])
DELIVERY_CARD = {
    "covariate_drift": {"start": "2025-07-01", "columns": ["distance_km", "zone"],
                        "what": "the service area grows east: more and longer trips"},
    "concept_drift": {"start": "2025-10-01", "what": "road works in the centre add about 9 minutes per centre trip"},
    "unlabeled_from": "2025-12-18",
}

try:  # the shared contract (issue-10-core); until it lands, the same fields here
    from . import DemoExample  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on merge order

    @dataclass
    class DemoExample:  # type: ignore[no-redef]
        """A bundled demo scenario (same fields as ``aipm_widgets.core.demo.DemoExample``)."""

        validation: pd.DataFrame
        production: pd.DataFrame
        columns: dict
        task: str
        currency: str
        volume_per_day: int
        unit: str
        description: str


def _orders(rng: np.random.Generator, start: str, end: str, n: int) -> pd.DataFrame:
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    seconds = np.sort(rng.integers(0, int((t1 - t0).total_seconds()), n))
    ts = t0 + pd.to_timedelta(seconds, unit="s")
    hour = np.clip(np.round(rng.normal(15, 4, n)), 8, 23).astype(int)
    ts = ts.normalize() + pd.to_timedelta(hour, unit="h") + pd.to_timedelta(rng.integers(0, 3600, n), unit="s")
    expand = np.asarray(ts >= pd.Timestamp(DELIVERY_CARD["covariate_drift"]["start"]))
    p_east = np.where(expand, 0.35, ZONE_P[3])
    u = rng.random(n)
    zone = np.where(u < p_east, "east", rng.choice(ZONES[[0, 1, 2, 4]], n, p=ZONE_P[[0, 1, 2, 4]] / ZONE_P[[0, 1, 2, 4]].sum()))
    distance = rng.lognormal(np.log(3.0), 0.5, n)
    distance = np.where(expand & (zone == "east"), distance * 1.8, distance)
    w = rng.random(n)  # the same weather mix all year, so the only input drift is the one the card names
    weather = np.where(w < 0.05, "snow", np.where(w < 0.25, "rain", "clear"))
    items = rng.poisson(2.5, n) + 1
    vehicle = np.where(distance > 5, rng.choice(VEHICLES[1:], n), rng.choice(VEHICLES, n, p=[0.5, 0.3, 0.2]))
    return pd.DataFrame({
        "order_id": np.arange(n), "ordered_at": ts, "distance_km": distance.round(2), "items": items,
        "hour": hour, "weather": weather, "zone": zone, "vehicle": vehicle,
    })


def _actual(rng: np.random.Generator, df: pd.DataFrame) -> np.ndarray:
    d = df["distance_km"].to_numpy()
    rush = df["hour"].isin([12, 13, 18, 19, 20]).to_numpy()
    speed = df["vehicle"].map({"bike": 1.25, "scooter": 1.0, "car": 0.9}).to_numpy()
    weather = df["weather"].map({"clear": 0.0, "rain": 5.0, "snow": 16.0}).to_numpy()
    minutes = 11 + 3.0 * d * speed + 0.08 * d**2 * speed + 1.4 * df["items"].to_numpy() + 7 * rush + weather
    noise = rng.gamma(4.0, (1.2 + 0.35 * d) / 4.0, len(d)) - (1.2 + 0.35 * d)  # skewed: some trips run long
    works = (df["ordered_at"] >= pd.Timestamp(DELIVERY_CARD["concept_drift"]["start"])).to_numpy() & (df["zone"] == "centre").to_numpy()
    return np.round(np.maximum(minutes + noise + 9.0 * works, 5), 1)


def _design(df: pd.DataFrame) -> pd.DataFrame:
    X = pd.get_dummies(df[["weather", "zone", "vehicle"]], dtype=float)
    X["distance_km"] = df["distance_km"]
    X["items"] = df["items"]
    X["hour"] = df["hour"]
    cols = [f"weather_{w}" for w in WEATHER] + [f"zone_{z}" for z in ZONES] + [f"vehicle_{v}" for v in VEHICLES]
    return X.reindex(columns=cols + ["distance_km", "items", "hour"], fill_value=0.0)


def generate_delivery(seed: int = SEED, n_train: int = 12_000, n_validation: int = 12_000,
                      n_production: int = 60_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(validation, production) tables of the delivery demo; deterministic for a seed."""
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(seed)
    train = _orders(rng, "2024-10-01", "2025-01-01", n_train)
    valid = _orders(rng, "2025-01-01", "2025-04-01", n_validation)
    prod = _orders(rng, "2025-04-01", "2026-01-01", n_production)
    for df in (train, valid, prod):
        df["delivery_minutes"] = _actual(rng, df)
    model = LinearRegression().fit(_design(train), train["delivery_minutes"])
    for df in (valid, prod):
        df["predicted_minutes"] = np.round(model.predict(_design(df)), 1)
        df["last_week_zone_median"] = df.groupby("zone")["delivery_minutes"].transform("median").round(1)
    prod["order_id"] += n_validation
    unlabeled = (prod["ordered_at"] >= pd.Timestamp(DELIVERY_CARD["unlabeled_from"])).to_numpy()
    prod.loc[unlabeled, "delivery_minutes"] = np.nan
    valid = valid.drop(columns=["last_week_zone_median"])
    prod = prod.drop(columns=["last_week_zone_median"])
    return valid.reset_index(drop=True), prod.reset_index(drop=True)


@lru_cache(maxsize=1)
def _cached() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_delivery()


def load_delivery() -> DemoExample:
    """The delivery-time scenario as a :class:`DemoExample` (copies, so callers may modify them)."""
    valid, prod = _cached()
    return DemoExample(
        validation=valid.copy(), production=prod.copy(),
        columns={"label": "delivery_minutes", "prediction": "predicted_minutes", "timestamp": "ordered_at",
                 "id": "order_id", "groups": ["zone"], "features": ["distance_km", "items", "hour", "weather", "zone", "vehicle"],
                 "value": None, "positive": None, "score": None},
        task="regression", currency="EUR", volume_per_day=2_000, unit="minutes",
        description="Delivery-time promises of a food-delivery service (generated; a regression model).",
    )


def data_card_line() -> str:
    """The data card's line for this scenario."""
    c = DELIVERY_CARD
    return (f"Delivery (regression, generated from seed {SEED}): 12,000 validation orders (2025-01 to 2025-03) and "
            f"60,000 production orders (2025-04 to 2025-12); covariate drift from {c['covariate_drift']['start']} "
            f"({c['covariate_drift']['what']}); concept drift from {c['concept_drift']['start']} "
            f"({c['concept_drift']['what']}); no actual times yet from {c['unlabeled_from']}.")


def demo_settings() -> dict[str, Any]:
    """The demo's cost of errors: a minute late costs EUR 0.50 (vouchers, support), a minute early EUR 0.10."""
    return {"cost_under": 0.5, "cost_over": 0.1, "tolerance": "10%", "currency": "EUR", "unit": "minutes"}

"""The cost model: what each kind of decision costs in business units, and the cost of a threshold.

A threshold's **expected cost** is ``cost_fp * FP + cost_fn * FN - value_tp * TP``, where a missed positive
may instead cost its own row's value (``fn_cost_from_value``: a missed fraud loses its amount). It is reported
per 1,000 decisions (comparable across data sets) and per month at a stated volume. Its interval comes from a
bootstrap of the rows; at one threshold that is a multinomial draw of the four confusion cells, and the value of
the resampled misses is drawn from the misses' mean and spread (central-limit approximation).

Examples
--------
>>> c = Costs(cost_fp=5, cost_fn=200)
>>> c.total(tp=16, fp=25, tn=957, fn=2)
525.0
>>> c.describe()
'a false alarm costs 5 EUR; a missed positive costs 200 EUR'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .errors import InputDataError

__all__ = ["Costs", "cost_samples", "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Costs:
    """Costs of decisions (all in ``currency``); the field names match the record's ``metrics.costs``."""

    cost_fp: float = 0.0
    cost_fn: float = 0.0
    fn_cost_from_value: bool = False
    value_tp: float = 0.0
    review_capacity_per_day: float | None = None
    currency: str = "EUR"
    value_column: str | None = None

    def __post_init__(self) -> None:
        for name in ("cost_fp", "cost_fn", "value_tp"):
            v = getattr(self, name)
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise InputDataError(f"The cost {name} must be a number, not {v!r}.") from None
            if not np.isfinite(v) or v < 0:
                raise InputDataError(f"The cost {name} must be a finite number of at least 0, not {v!r}.")
            object.__setattr__(self, name, v)
        cap = self.review_capacity_per_day
        if cap is not None and (not np.isfinite(float(cap)) or float(cap) <= 0):
            raise InputDataError(f"The review capacity must be a positive number of alerts per day, not {cap!r}.")

    @classmethod
    def from_any(cls, costs: Any) -> "Costs | None":
        """Accept ``None``, a :class:`Costs`, a mapping or a record ``CostModel``; ignore unknown keys."""
        if costs is None or isinstance(costs, cls):
            return costs
        if hasattr(costs, "model_dump"):
            costs = costs.model_dump()
        if not isinstance(costs, dict):
            raise InputDataError(f"costs must be a mapping such as {{'cost_fp': 5, 'cost_fn': 200}}, not {type(costs).__name__}.")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in costs.items() if k in known})

    @property
    def is_set(self) -> bool:
        return bool(self.cost_fp or self.cost_fn or self.value_tp or self.fn_cost_from_value)

    def total(self, tp, fp, tn, fn, fn_value=None):
        """Total cost (vectorised); ``fn_value`` is the summed value of the misses when they cost their value."""
        fn_part = fn_value if (self.fn_cost_from_value and fn_value is not None) else np.multiply(fn, self.cost_fn)
        out = np.multiply(fp, self.cost_fp) + fn_part - np.multiply(tp, self.value_tp)
        return float(out) if np.ndim(out) == 0 else out

    def describe(self) -> str:
        cur = self.currency
        parts = [f"a false alarm costs {self.cost_fp:g} {cur}"]
        if self.fn_cost_from_value:
            parts.append(f"a missed positive costs its own {self.value_column or 'value'}")
        else:
            parts.append(f"a missed positive costs {self.cost_fn:g} {cur}")
        if self.value_tp:
            parts.append(f"a caught positive is worth {self.value_tp:g} {cur}")
        if self.review_capacity_per_day:
            parts.append(f"the team reviews at most {self.review_capacity_per_day:g} alerts a day")
        return "; ".join(parts)

    def to_record(self) -> dict:
        return asdict(self)


def cost_samples(
    costs: Costs,
    counts: dict[str, np.ndarray],
    n: int,
    *,
    reps: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Bootstrap samples of the cost per 1,000 decisions, shape ``(reps, m)`` for ``m`` thresholds (pointwise).

    ``counts`` holds arrays ``tp, fp, tn, fn`` (and ``fn_value``, ``fn_value_sq`` when misses cost their value).
    """
    tp, fp, tn, fn = (np.atleast_1d(np.asarray(counts[c], dtype=float)) for c in ("tp", "fp", "tn", "fn"))
    pvals = np.stack([tp, fp, tn, fn], axis=-1) / n
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, pvals, size=(reps, len(tp))).astype(float)
    btp, bfp, bfn = draws[..., 0], draws[..., 1], draws[..., 3]
    if costs.fn_cost_from_value and counts.get("fn_value") is not None:
        fv = np.atleast_1d(np.asarray(counts["fn_value"], dtype=float))
        fv2 = np.atleast_1d(np.asarray(counts["fn_value_sq"], dtype=float))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(fn > 0, fv / np.where(fn > 0, fn, 1), 0.0)
            sd = np.sqrt(np.clip(np.where(fn > 0, fv2 / np.where(fn > 0, fn, 1), 0.0) - mean**2, 0, None))
        z = rng.standard_normal(btp.shape)
        fn_value = bfn * mean + np.sqrt(bfn) * sd * z
        total = costs.cost_fp * bfp + np.clip(fn_value, 0, None) - costs.value_tp * btp
    else:
        total = costs.cost_fp * bfp + costs.cost_fn * bfn - costs.value_tp * btp
    return total / n * 1000.0

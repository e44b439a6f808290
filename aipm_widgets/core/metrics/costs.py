"""The cost model: what each kind of decision costs in business units, and the cost of a threshold.

A threshold's **expected cost** is ``cost_fp * FP + cost_fn * FN - value_tp * TP``, where a missed positive
may instead cost its own row's value (``fn_cost_from_value``: a missed fraud loses its amount).

This is the workbook's one money model: :meth:`Costs.parts` splits that same sum into what the false alarms cost,
what the misses cost, what the caught positives *would* have cost had they been missed (the losses prevented) and
any credit per caught positive, over the same rows and values. The total, the cost curve, the product metrics,
the candidates table and monitoring all call it, so "prevented", "missed" and "cost" can never disagree. It is reported
per 1,000 decisions (comparable across data sets) and per month at a stated volume. Its interval comes from a
bootstrap of the rows; at one threshold that is a multinomial draw of the four confusion cells, and the value of
the resampled misses is drawn from the misses' mean and spread (central-limit approximation).

Examples
--------
>>> c = Costs(cost_fp=5, cost_fn=200)
>>> c.total(tp=16, fp=25, tn=957, fn=2)
525.0
>>> c.parts(tp=16, fp=25, tn=957, fn=2)["prevented"]
3200.0
>>> Costs(cost_fp=5, cost_fn=200, currency="GBP").describe()
'a false alarm costs GBP 5; a missed positive costs GBP 200'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from ..text import format as fmt
from ..errors import InputDataError

__all__ = ["Costs", "cost_samples", "cost_part_samples", "DAYS_PER_MONTH", "PARTS"]

PARTS = ("prevented", "missed", "false_alarms", "caught_credit", "total", "net_value")
"""The parts of the money model (see :meth:`Costs.parts`): ``total = false_alarms + missed - caught_credit`` and
``net_value = prevented + caught_credit - false_alarms`` (what the model is worth against no model at all)."""

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Costs:
    """Costs of decisions (all in ``currency``); the field names match the record's ``metrics.costs``."""

    cost_fp: float = 0.0
    cost_fn: float = 0.0
    fn_cost_from_value: bool = False
    value_tp: float = 0.0
    review_capacity_per_day: float | None = None
    currency: str | None = None
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

    def parts(self, tp, fp, tn, fn, fn_value=None, tp_value=None) -> dict:
        """The money model over one set of counts (vectorised): every part and the total, in ``currency``.

        ``fn_value`` / ``tp_value`` are the summed row values of the misses / the caught positives, used when a
        miss costs its own value. ``prevented`` is what the caught positives would have cost had they been missed
        (their value, or ``cost_fn`` each); ``total = false_alarms + missed - caught_credit``.
        """
        by_value = self.fn_cost_from_value
        missed = fn_value if (by_value and fn_value is not None) else np.multiply(fn, self.cost_fn)
        prevented = tp_value if (by_value and tp_value is not None) else np.multiply(tp, self.cost_fn)
        false_alarms = np.multiply(fp, self.cost_fp)
        credit = np.multiply(tp, self.value_tp)
        out = {"prevented": prevented, "missed": missed, "false_alarms": false_alarms, "caught_credit": credit,
               "total": false_alarms + missed - credit, "net_value": prevented + credit - false_alarms}
        return {k: (float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)) for k, v in out.items()}

    def total(self, tp, fp, tn, fn, fn_value=None):
        """Total cost (vectorised); ``fn_value`` is the summed value of the misses when they cost their value."""
        return self.parts(tp, fp, tn, fn, fn_value)["total"]

    def describe(self) -> str:
        cur = self.currency
        parts = [f"a false alarm costs {fmt.money(self.cost_fp, cur, _digits(self.cost_fp))}"]
        if self.fn_cost_from_value:
            parts.append(f"a missed positive costs its own {self.value_column or 'value'}")
        else:
            parts.append(f"a missed positive costs {fmt.money(self.cost_fn, cur, _digits(self.cost_fn))}")
        if self.value_tp:
            parts.append(f"a caught positive is worth {fmt.money(self.value_tp, cur, _digits(self.value_tp))}")
        if self.review_capacity_per_day:
            parts.append(f"the team reviews at most {fmt.count(self.review_capacity_per_day)} alerts a day")
        return "; ".join(parts)

    def to_record(self) -> dict:
        return asdict(self)


def _digits(x: float) -> int:
    """Decimals needed to show a unit cost as given (5 -> 0, 2.5 -> 2)."""
    return 0 if float(x).is_integer() else 2


def _value_draws(rng, k, total, total_sq, drawn):
    """Summed value of ``drawn`` resampled rows from ``k`` rows whose values sum to ``total`` (central limit)."""
    k = np.atleast_1d(np.asarray(k, dtype=float))
    total = np.atleast_1d(np.asarray(total, dtype=float))
    total_sq = np.atleast_1d(np.asarray(total_sq, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, total / np.where(k > 0, k, 1), 0.0)
        sd = np.sqrt(np.clip(np.where(k > 0, total_sq / np.where(k > 0, k, 1), 0.0) - mean**2, 0, None))
    z = rng.standard_normal(drawn.shape)
    return np.clip(drawn * mean + np.sqrt(drawn) * sd * z, 0, None)


def cost_part_samples(
    costs: Costs,
    counts: dict[str, np.ndarray],
    n: int,
    *,
    reps: int = 200,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Bootstrap samples of every part of :meth:`Costs.parts` per 1,000 decisions, each shape ``(reps, m)``.

    One multinomial draw of the four confusion cells per resample feeds every part, so the parts of one
    resample add up to its total. ``counts`` holds arrays ``tp, fp, tn, fn`` (and ``fn_value``, ``fn_value_sq``,
    ``tp_value``, ``tp_value_sq`` when misses cost their value).
    """
    tp, fp, tn, fn = (np.atleast_1d(np.asarray(counts[c], dtype=float)) for c in ("tp", "fp", "tn", "fn"))
    pvals = np.stack([tp, fp, tn, fn], axis=-1) / n
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, pvals, size=(reps, len(tp))).astype(float)
    btp, bfp, bfn = draws[..., 0], draws[..., 1], draws[..., 3]
    fn_value = tp_value = None
    if costs.fn_cost_from_value and counts.get("fn_value") is not None:
        fn_value = _value_draws(rng, fn, counts["fn_value"], counts["fn_value_sq"], bfn)
        if counts.get("tp_value") is not None:
            tp_value = _value_draws(rng, tp, counts["tp_value"], counts["tp_value_sq"], btp)
    parts = costs.parts(btp, bfp, draws[..., 2], bfn, fn_value, tp_value)
    return {k: np.asarray(v, dtype=float) / n * 1000.0 for k, v in parts.items()}


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
    return cost_part_samples(costs, counts, n, reps=reps, seed=seed)["total"]

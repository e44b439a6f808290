"""Forecasts (a price, a delivery time, demand): how far off the model's numbers are, and what being off costs.

A regression model's product decision is not a threshold but how much error the product can live with and
which way it should lean: a late delivery promise costs more than an early one, so the promise should carry an
**offset** (added to every prediction). :class:`Forecast` precomputes the sorted errors and their running sums
once, so the error measures and the cost at any offset are lookups (``O(log n)``), and
:meth:`Forecast.at` gives a :class:`ForecastPoint` with every measure and its 95 % interval.

Terms
-----
error
    ``prediction + offset - actual``: positive when the model over-predicts (an early delivery promise is a
    *late*-side error here: a promise of 40 minutes for a 35-minute delivery is +5).
tolerance
    How far off still counts as right: relative (``"10%"``: within 10 % of the actual value) or absolute
    (``"5"``: within 5 units). :func:`parse_tolerance` reads both.
cost
    ``cost_under`` per unit the prediction is below the actual value (under-prediction: the delivery arrives
    after the promise), ``cost_over`` per unit above it. The cost-optimal offset is the
    ``cost_over / (cost_under + cost_over)`` quantile of the negated errors (the pinball-loss optimum).

Intervals
---------
MAE, RMSE, MAPE, mean error, the share within tolerance and the cost per row carry a seeded numpy percentile
bootstrap interval (200 resamples). Above :data:`BOOT_ROWS` rows the resamples are drawn from a fixed random
subsample of that size and their spread is scaled by ``sqrt(m / n)`` to the full sample (the statistics are
means, whose spread shrinks with ``1/sqrt(n)``), so a slider move stays a few milliseconds at 1,000,000 rows.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> y = rng.uniform(20, 60, 2_000)
>>> f = Forecast(y, y + rng.normal(0, 3, 2_000), tolerance="10%", cost_under=0.5, cost_over=0.1, unit="minutes")
>>> p = f.at(0.0)
>>> round(p.metrics["mae"].value, 2) == round(float(np.mean(np.abs(f.errors))), 2)
True
>>> f.optimal_offset() > 0   # under-prediction costs more: lean late
True
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..text import format as fmt
from ..errors import InputDataError
from ..stats.intervals import wilson_interval

__all__ = [
    "Tolerance",
    "parse_tolerance",
    "regression_values",
    "in_ten",
    "Forecast",
    "ForecastPoint",
    "Estimate",
    "BOOT_ROWS",
    "BOOT_REPS",
    "TEXT_TARGET",
    "NAN_PREDICTIONS",
    "BAD_TOLERANCE",
    "ZERO_TARGETS",
]

BOOT_ROWS = 5_000
BOOT_REPS = 200
SMALL_GROUP = 30
"""Below this many rows a group's error measures are shown but not compared."""

TEXT_TARGET = (
    "The column {name!r} holds text ({values}), but a forecast needs numbers (a price, a time, a quantity). "
    "If the model sorts rows into classes, use --task binary or --task multiclass; otherwise convert the column "
    "to numbers."
)
NAN_PREDICTIONS = (
    "The prediction column {name!r} has {count:,} missing or infinite values (first at row {first}). "
    "Drop or fix those rows first; the workbook will not guess a prediction."
)
BAD_TOLERANCE = (
    "Could not read the tolerance {text!r}. Write a share like '10%' (within 10 % of the actual value) "
    "or a number of units like '5' (within 5 units)."
)
ZERO_TARGETS = (
    "{count:,} rows have an actual value of 0: a percentage error is undefined there, so MAPE and the "
    "relative tolerance leave them out (scikit-learn's MAPE would divide by a tiny number instead)."
)


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Tolerance:
    """How far off still counts as right: ``relative`` (a share of the actual value) or ``absolute`` (units)."""

    kind: str
    value: float

    def text(self, unit: str = "units") -> str:
        if self.kind == "relative":
            return f"±{fmt.number(self.value * 100, 0 if float(self.value * 100).is_integer() else 1)}%"
        digits = 0 if float(self.value).is_integer() else 2
        return f"±{fmt.number(self.value, digits)} {unit}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": float(self.value)}


def parse_tolerance(text: Any) -> Tolerance:
    """``"10%"`` -> relative 0.10; ``"5"`` or ``5`` -> absolute 5; a :class:`Tolerance` or mapping as is.

    >>> parse_tolerance("10%"), parse_tolerance("±5 minutes")
    (Tolerance(kind='relative', value=0.1), Tolerance(kind='absolute', value=5.0))
    """
    if isinstance(text, Tolerance):
        return text
    if isinstance(text, Mapping):
        try:
            return _checked(Tolerance(str(text["kind"]), float(text["value"])), text)
        except (KeyError, TypeError, ValueError):
            raise InputDataError(BAD_TOLERANCE.format(text=dict(text))) from None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _checked(Tolerance("absolute", float(text)), text)
    s = " ".join(str(text).strip().lower().replace("±", "").replace("+/-", "").split())
    m = re.fullmatch(r"(\d+(?:\.\d+)?|\.\d+)\s*(%|percent)?(?:\s*[a-z][a-z ]*)?", s)
    if not m:
        raise InputDataError(BAD_TOLERANCE.format(text=text))
    v = float(m.group(1))
    return _checked(Tolerance("relative", v / 100) if m.group(2) else Tolerance("absolute", v), text)


def _checked(t: Tolerance, text: Any) -> Tolerance:
    if t.kind not in {"relative", "absolute"} or not math.isfinite(t.value) or t.value <= 0:
        raise InputDataError(BAD_TOLERANCE.format(text=text))
    return t


def regression_values(values: Any, *, name: str, role: str = "label") -> np.ndarray:
    """A target or prediction column as finite floats, or a clear error (text values, NaN predictions)."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if s.dtype.kind in "biuf":
        arr = s.to_numpy(dtype=np.float64)
    else:
        num = pd.to_numeric(s, errors="coerce")
        text = s.notna() & num.isna()
        if text.any():
            shown = ", ".join(repr(v) for v in pd.unique(s[text])[:4])
            raise InputDataError(TEXT_TARGET.format(name=name, values=shown))
        arr = num.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        if role == "prediction":
            raise InputDataError(NAN_PREDICTIONS.format(name=name, count=int(bad.sum()), first=first))
        raise InputDataError(
            f"The label column {name!r} is empty or infinite in {int(bad.sum()):,} rows (first at row {first}). "
            "Drop rows whose actual value has not arrived yet (they belong in monitoring)."
        )
    if len(arr) < 10:
        raise InputDataError(f"Only {len(arr)} rows: at least 10 are needed to measure forecast errors.")
    return arr


# ----------------------------------------------------------------------------- results
def in_ten(share: float | None) -> str:
    """A share as a natural frequency: '9 in 10', or '86 in 100' when tenths mislead.

    >>> in_ten(0.897), in_ten(0.86)
    ('9 in 10', '86 in 100')
    """
    if share is None or not math.isfinite(share):
        return "n/a"
    tens = share * 10
    if abs(tens - round(tens)) <= 0.25:
        return f"{round(tens):.0f} in 10"
    return f"{round(share * 100):.0f} in 100"


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % interval and how the interval was computed."""

    value: float
    low: float | None = None
    high: float | None = None
    method: str | None = None

    def text(self, f=fmt.number) -> str:
        return fmt.estimate(self.value, self.low, self.high, f)

    def to_dict(self) -> dict[str, Any]:
        def num(x):
            return None if x is None or not math.isfinite(float(x)) else float(x)

        return {"value": num(self.value), "low": num(self.low), "high": num(self.high), "method": self.method}


@dataclass
class ForecastPoint:
    """Every error measure of a forecast at one offset, with intervals, cost, baseline and groups."""

    offset: float
    n: int
    tolerance: Tolerance
    unit: str
    currency: str
    metrics: dict[str, Estimate]
    cost_per_row: Estimate | None
    cost_under: float | None
    cost_over: float | None
    optimal_offset: float | None
    volume_per_day: float | None = None
    baseline: dict[str, Any] | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    # words ---------------------------------------------------------------------------------------------
    def units(self, x: Any, digits: int = 1) -> str:
        return f"{fmt.number(x, digits)} {self.unit}"

    def in_ten(self) -> str:
        """The share within tolerance as a natural frequency: '9 in 10', or '86 in 100' when tenths mislead."""
        return in_ten(self.metrics["within_tolerance"].value)

    def sentence(self) -> str:
        """The headline in the task's words: '9 in 10 estimates within ±10 % (95 % interval ...)'."""
        w = self.metrics["within_tolerance"]
        mae = self.metrics["mae"]
        bias = self.metrics["mean_error"]
        lean = ("on average " + self.units(abs(bias.value)) + (" too high" if bias.value > 0 else " too low")
                if abs(bias.value) >= 0.05 * max(mae.value, 1e-12) else "no systematic lean")
        return (f"{self.in_ten()} estimates within {self.tolerance.text(self.unit)} of the actual value "
                f"({fmt.percent(w.value)}, 95% interval {fmt.interval(w.low, w.high)}); typical miss {self.units(mae.value, 2)} "
                f"(95% interval {fmt.interval(mae.low, mae.high, lambda x: fmt.number(x, 2))}); {lean}.")

    def cost_sentence(self) -> str | None:
        c = self.cost_per_row
        if c is None:
            return None
        per1000 = Estimate(c.value * 1000, None if c.low is None else c.low * 1000, None if c.high is None else c.high * 1000)
        money = lambda x: fmt.money(x, self.currency)  # noqa: E731
        text = f"Cost of the errors: {per1000.text(money)} per 1,000 estimates at offset {self.units(self.offset, 2)}"
        if self.optimal_offset is not None:
            text += f"; the cost-optimal offset is {self.units(self.optimal_offset, 2)}"
        if self.volume_per_day:
            text += f"; about {money(c.value * self.volume_per_day * 30)} a month at {fmt.count(self.volume_per_day)} a day"
        return text + "."

    def baseline_sentence(self) -> str | None:
        b = self.baseline
        if not b:
            return None
        m, bm = self.metrics["mae"].value, b["metrics"]["mae"]["value"]
        better = m < bm
        gain = (bm - m) / bm if bm else float("nan")
        return (f"Baseline ({b['name']}): typical miss {self.units(bm)}, "
                f"{fmt.percent(b['metrics']['within_tolerance']['value'])} within tolerance. The model's typical miss is "
                + (f"{fmt.percent(gain)} smaller." if better else "not smaller: the model does not beat the baseline."))

    def findings(self) -> list[str]:
        out = [self.sentence()]
        for s in (self.cost_sentence(), self.baseline_sentence()):
            if s:
                out.append(s)
        for g in self.groups:
            if g.get("flag"):
                out.append(g["flag"])
        return out + list(self.notes)

    def one_pager(self, product: str = "the model") -> str:
        """Stage 2's one-pager in the task's words (Markdown), every number from this result."""
        m = self.metrics
        lines = [
            f"## What to expect from {product}",
            "",
            f"- **{self.in_ten()} estimates** land within {self.tolerance.text(self.unit)} of the actual value "
            f"({fmt.percent(m['within_tolerance'].value)}, 95% interval "
            f"{fmt.interval(m['within_tolerance'].low, m['within_tolerance'].high)}).",
            f"- A typical estimate is off by **{self.units(m['mae'].value)}** (mean absolute error, "
            f"95% interval {fmt.interval(m['mae'].low, m['mae'].high, lambda x: fmt.number(x, 2))}); large misses weigh more "
            f"in the RMSE, {self.units(m['rmse'].value)}.",
            f"- It leans {'high' if m['mean_error'].value > 0 else 'low'} by {self.units(abs(m['mean_error'].value))} on "
            f"average (offset {self.units(self.offset, 2)} applied).",
        ]
        if self.cost_sentence():
            lines.append(f"- {self.cost_sentence()}")
        if self.baseline_sentence():
            lines.append(f"- {self.baseline_sentence()}")
        lines.append(f"- It will be wrong by more than {self.tolerance.text(self.unit)} for about "
                     f"{fmt.percent(1 - m['within_tolerance'].value, 0)} of estimates: plan what happens then.")
        return "\n".join(lines)

    # export --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document (full precision)."""
        return {
            "task": "regression",
            "n": self.n,
            "offset": float(self.offset),
            "unit": self.unit,
            "tolerance": {**self.tolerance.to_dict(), "text": self.tolerance.text(self.unit)},
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "cost": None if self.cost_per_row is None else {
                "currency": self.currency, "cost_under": self.cost_under, "cost_over": self.cost_over,
                "per_row": self.cost_per_row.to_dict(),
                "per_1000": Estimate(self.cost_per_row.value * 1000,
                                     None if self.cost_per_row.low is None else self.cost_per_row.low * 1000,
                                     None if self.cost_per_row.high is None else self.cost_per_row.high * 1000,
                                     self.cost_per_row.method).to_dict(),
                "optimal_offset": self.optimal_offset,
            },
            "baseline": self.baseline,
            "groups": self.groups,
            "sentence": self.sentence(),
            "findings": self.findings(),
            "notes": list(self.notes),
        }

    def record_values(self, *, data_source: str | None = None, summary: str | None = None) -> dict[str, Any]:
        """The ``metrics`` section fields a saved regression decision writes."""
        d = self.to_dict()
        return {
            "task": "regression",
            "status": "decided",
            "label_column": self.names.get("label"),
            "data_source": data_source,
            "n_evaluated": self.n,
            "volume_per_day": self.volume_per_day,
            "metrics": {k: {**v.to_dict()} for k, v in self.metrics.items()},
            "regression": {
                "prediction_column": self.names.get("prediction"),
                "unit": self.unit,
                "offset": float(self.offset),
                "tolerance": d["tolerance"],
                "cost_under": self.cost_under,
                "cost_over": self.cost_over,
                "currency": self.currency,
                "cost_per_1000": None if d["cost"] is None else d["cost"]["per_1000"],
                "optimal_offset": self.optimal_offset,
                "sentence": self.sentence(),
                "in_ten": self.in_ten(),
            },
            "baseline": self.baseline,
            "groups": self.groups,
            "summary": summary or self.sentence(),
        }

    @classmethod
    def from_record(cls, metrics: Any) -> "ForecastPoint":
        """Rebuild the saved decision from a record's ``metrics`` section (for stage 2's one-pager and the brief).

        Raises :class:`InputDataError` when the section holds no regression decision.
        """
        m = metrics.model_dump(mode="json") if hasattr(metrics, "model_dump") else dict(metrics or {})
        r = m.get("regression") or {}
        if m.get("task") != "regression" or not r or not m.get("metrics"):
            raise InputDataError("No forecast decision in the record yet: choose the tolerance and offset in metric "
                                 "selection (stage 4) and save it first.")

        def est(d):
            return Estimate(d.get("value"), d.get("low"), d.get("high"), d.get("method"))

        per1000 = r.get("cost_per_1000")
        cost = None if not per1000 else Estimate(per1000["value"] / 1000,
                                                 None if per1000.get("low") is None else per1000["low"] / 1000,
                                                 None if per1000.get("high") is None else per1000["high"] / 1000)
        return cls(offset=float(r.get("offset") or 0.0), n=int(m.get("n_evaluated") or 0),
                   tolerance=parse_tolerance(r.get("tolerance") or "10%"), unit=r.get("unit") or "units",
                   currency=r.get("currency") or "EUR", metrics={k: est(v) for k, v in m["metrics"].items()},
                   cost_per_row=cost, cost_under=r.get("cost_under"), cost_over=r.get("cost_over"),
                   optimal_offset=r.get("optimal_offset"), volume_per_day=m.get("volume_per_day"),
                   baseline=m.get("baseline"), groups=list(m.get("groups") or []),
                   names={"label": m.get("label_column"), "prediction": r.get("prediction_column")})

    def __str__(self) -> str:
        return "\n".join(self.findings())

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v.text())}</td></tr>" for k, v in self.metrics.items())
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.findings())
        return f"<ul>{items}</ul><table>{rows}</table>"


# ----------------------------------------------------------------------------- the precomputed forecast
class _SortedErrors:
    """Errors sorted once with running sums: every measure at any offsets by binary search (vectorized).

    The within-tolerance count uses the offsets each row is within tolerance for: row ``i`` is within at offset
    ``o`` when ``low_i <= o <= high_i`` (``low_i = -tol_i - e_i``, ``high_i = tol_i - e_i``), so the count is
    ``#(low <= o) - #(high < o)``: two more binary searches, for relative and absolute tolerances alike.
    """

    def __init__(self, e: np.ndarray, inv: np.ndarray, ay: np.ndarray, nonzero: np.ndarray, tolerance: Tolerance):
        order = np.argsort(e, kind="stable")
        self.e = e[order]
        self.n = len(e)
        self.cum = np.concatenate([[0.0], np.cumsum(self.e)])
        self.sq = float(np.dot(e, e))
        w = inv[order]
        self.cw = np.concatenate([[0.0], np.cumsum(w)])
        self.cwe = np.concatenate([[0.0], np.cumsum(w * self.e)])
        self.n_nonzero = int(np.count_nonzero(nonzero))
        self._raw = (e, ay, nonzero)
        self.set_tolerance(tolerance)

    def set_tolerance(self, t: Tolerance) -> None:
        e, ay, nz = self._raw
        if t.kind == "absolute":
            self.low, self.high, self.den = np.sort(-t.value - e), np.sort(t.value - e), self.n
        else:
            tol = t.value * ay[nz]
            self.low, self.high, self.den = np.sort(-tol - e[nz]), np.sort(tol - e[nz]), self.n_nonzero

    def split(self, o):
        k = np.searchsorted(self.e, -o, side="left")
        under = np.maximum(-(self.cum[k] + k * o), 0.0)
        over = np.maximum((self.cum[-1] - self.cum[k]) + (self.n - k) * o, 0.0)
        return under, over, k

    def measures(self, o, cost_under: float | None, cost_over: float | None) -> dict[str, Any]:
        o = np.asarray(o, dtype=float)
        under, over, k = self.split(o)
        out = {
            "mae": (under + over) / self.n,
            "rmse": np.sqrt(np.maximum((self.sq + 2 * o * self.cum[-1] + self.n * o * o) / self.n, 0.0)),
            "mean_error": self.cum[-1] / self.n + o,
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            uw = -(self.cwe[k] + self.cw[k] * o)
            ow = (self.cwe[-1] - self.cwe[k]) + (self.cw[-1] - self.cw[k]) * o
            out["mape"] = (np.maximum(uw, 0) + np.maximum(ow, 0)) / self.n_nonzero if self.n_nonzero else o * np.nan
            inside = np.searchsorted(self.low, o, side="right") - np.searchsorted(self.high, o, side="left")
            out["within_tolerance"] = inside / self.den if self.den else o * np.nan
            out["within_count"] = inside
        if cost_under is not None:
            out["cost"] = (cost_under * under + cost_over * over) / self.n
        return out


class Forecast:
    """Actual values and predictions, precomputed once for fast lookups at any offset.

    Parameters
    ----------
    y_true, y_pred : array-like
        Actual values and the model's predictions (numbers, no missing values).
    tolerance : str, number or Tolerance
        ``"10%"`` (relative) or ``5`` (absolute units). Default ``"10%"``.
    cost_under, cost_over : float, optional
        Cost per unit of under- and over-prediction (e.g. per minute late / early). Both or neither.
    groups : array-like, optional
        A group per row for the per-group table.
    baseline : array-like or ``"median"``, optional
        The baseline's predictions (e.g. last period's value) or ``"median"`` (the median actual value).
    """

    def __init__(
        self,
        y_true: Any,
        y_pred: Any,
        *,
        tolerance: Any = "10%",
        cost_under: float | None = None,
        cost_over: float | None = None,
        currency: str = "EUR",
        unit: str = "units",
        groups: Any = None,
        baseline: Any = "median",
        baseline_name: str | None = None,
        volume_per_day: float | None = None,
        label_name: str = "label",
        prediction_name: str = "prediction",
        group_name: str = "group",
        seed: int = 0,
    ) -> None:
        y = regression_values(y_true, name=label_name)
        p = regression_values(y_pred, name=prediction_name, role="prediction")
        if len(y) != len(p):
            raise InputDataError(f"{label_name!r} has {len(y):,} rows but {prediction_name!r} has {len(p):,}.")
        self.names = {"label": label_name, "prediction": prediction_name, "group": group_name}
        self.unit, self.currency, self.volume_per_day = unit, currency, volume_per_day
        self.notes: list[str] = []
        self.y, self.pred = y, p
        self.n = len(y)
        self.errors = p - y
        ay = np.abs(y)
        self._ay = ay
        self._nonzero = ay > 0
        self._inv_ay = np.where(self._nonzero, 1.0 / np.where(self._nonzero, ay, 1.0), 0.0)
        self._n_nonzero = int(self._nonzero.sum())
        if self._n_nonzero < self.n:
            self.notes.append(ZERO_TARGETS.format(count=self.n - self._n_nonzero))
        self.tolerance = parse_tolerance(tolerance)
        self.cost_under = self.cost_over = None
        self._all = _SortedErrors(self.errors, self._inv_ay, ay, self._nonzero, self.tolerance)
        self.groups = None
        self._group_sorted: list[_SortedErrors] = []
        self._dev = None
        if groups is not None:
            g = pd.Series(np.asarray(groups)).astype(object)
            if len(g) != self.n:
                raise InputDataError(f"The group column {group_name!r} has {len(g):,} rows but the labels have {self.n:,}.")
            codes, uniques = pd.factorize(g.where(g.notna(), "(missing)").astype(str), sort=True)
            if len(uniques) > 200:
                raise InputDataError(f"The group column {group_name!r} has {len(uniques):,} different values; "
                                     "a per-group table needs a column with a few groups (at most 200).")
            self.groups = (codes, [str(u) for u in uniques])
            for i in range(len(uniques)):
                sel = codes == i
                self._group_sorted.append(_SortedErrors(self.errors[sel], self._inv_ay[sel], ay[sel], self._nonzero[sel],
                                                        self.tolerance))
            self._group_sd = [float(np.std(self.errors[codes == i], ddof=1)) if (codes == i).sum() > 1 else float("nan")
                              for i in range(len(uniques))]
        self._seed = seed
        self._boot_idx()
        self.baseline: Forecast | None = None
        self.baseline_name = None
        self._baseline_cache: dict | None = None
        if baseline is not None and not (isinstance(baseline, str) and baseline == "none"):
            if isinstance(baseline, str) and baseline == "median":
                bpred = np.full(self.n, float(np.median(y)))
                self.baseline_name = baseline_name or f"always predict the median, {fmt.number(np.median(y), 1)} {unit}"
            else:
                bpred = regression_values(baseline, name=baseline_name or "baseline", role="prediction")
                self.baseline_name = baseline_name or "baseline column"
            self.baseline = Forecast(y, bpred, tolerance=self.tolerance, currency=currency, unit=unit, baseline=None,
                                     seed=seed)
            self.baseline.notes = []
        self.set_costs(cost_under, cost_over)

    # settings ------------------------------------------------------------------------------------------
    def set_costs(self, cost_under: float | None, cost_over: float | None) -> None:
        """Set (or clear, with two Nones) the cost per unit of under- and over-prediction."""
        if (cost_under is None) != (cost_over is None):
            raise InputDataError("Give both costs (per unit under- and over-predicted), or neither.")
        if cost_under is not None:
            for name, v in (("cost_under", cost_under), ("cost_over", cost_over)):
                try:
                    ok = math.isfinite(float(v)) and float(v) >= 0
                except (TypeError, ValueError):
                    ok = False
                if not ok:
                    raise InputDataError(f"{name} must be a number of at least 0, not {v!r}.")
            if float(cost_under) + float(cost_over) <= 0:
                raise InputDataError("At least one of the two costs must be above 0.")
            cost_under, cost_over = float(cost_under), float(cost_over)
        self.cost_under, self.cost_over = cost_under, cost_over
        if self.baseline is not None:
            self.baseline.set_costs(cost_under, cost_over)
        self._baseline_cache = None
        self._dev = None

    def set_tolerance(self, tolerance: Any) -> None:
        """Change the tolerance (re-sorts the within-tolerance bounds once)."""
        self.tolerance = parse_tolerance(tolerance)
        self._all.set_tolerance(self.tolerance)
        for g in self._group_sorted:
            g.set_tolerance(self.tolerance)
        if self.baseline is not None:
            self.baseline.set_tolerance(self.tolerance)
        self._baseline_cache = None
        self._dev = None

    @property
    def has_costs(self) -> bool:
        return self.cost_under is not None

    # bootstrap -------------------------------------------------------------------------------------------
    def _boot_idx(self) -> None:
        rng = np.random.default_rng(self._seed)
        m = min(self.n, BOOT_ROWS)
        self._boot_sub = np.sort(rng.choice(self.n, m, replace=False)) if m < self.n else np.arange(self.n)
        self._boot_draws = rng.integers(0, m, size=(BOOT_REPS, m)).astype(np.int32)
        self._boot_scale = math.sqrt(m / self.n)
        self.boot_method = (f"seeded numpy percentile bootstrap, {BOOT_REPS} resamples" if m == self.n else
                            f"seeded numpy percentile bootstrap, {BOOT_REPS} resamples of a {m:,}-row subsample, "
                            f"spread scaled by sqrt({m:,}/{self.n:,})")

    def _boot_grid(self) -> None:
        """Bootstrap the measures on a grid of offsets once; a lookup later interpolates the interval's ends."""
        lo, hi = self.offset_range()
        span = hi - lo
        self._grid = np.linspace(lo - span, hi + span, 161)
        sub = self._boot_sub
        e, inv, ay, nz = self.errors[sub], self._inv_ay[sub], self._ay[sub], self._nonzero[sub]
        reps: dict[str, list[np.ndarray]] = {}
        for idx in self._boot_draws:
            s = _SortedErrors(e[idx], inv[idx], ay[idx], nz[idx], self.tolerance)
            for k, v in s.measures(self._grid, self.cost_under, self.cost_over).items():
                reps.setdefault(k, []).append(v)
        dev: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for k, v in reps.items():
            arr = np.asarray(v, dtype=float)
            with np.errstate(invalid="ignore"):
                centre = arr.mean(axis=0)
                q_lo, q_hi = np.quantile(arr, [0.025, 0.975], axis=0)
            dev[k] = ((q_lo - centre) * self._boot_scale, (q_hi - centre) * self._boot_scale)
        self._dev = dev

    def _deviations(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        if self._dev is None:
            self._boot_grid()
        return self._dev

    def _interval(self, key: str, value: float, offset: float, bounded: bool = False) -> Estimate:
        devs = self._deviations()
        if not math.isfinite(value) or key not in devs:
            return Estimate(value, None, None, self.boot_method)
        d_lo, d_hi = devs[key]
        low = value + float(np.interp(offset, self._grid, d_lo))
        high = value + float(np.interp(offset, self._grid, d_hi))
        if not (math.isfinite(low) and math.isfinite(high)):
            return Estimate(value, None, None, self.boot_method)
        if bounded:
            low, high = max(low, 0.0), min(high, 1.0)
        return Estimate(float(value), float(min(low, value)), float(max(high, value)), self.boot_method)

    # exact values at an offset (lookups on the sorted errors) -------------------------------------------
    def measures(self, offset: float = 0.0) -> dict[str, float]:
        """Every measure at ``offset`` (no intervals): mae, rmse, mean_error, mape, within_tolerance, cost."""
        return {k: float(v) for k, v in self._all.measures(float(offset), self.cost_under, self.cost_over).items()}

    def mae(self, offset: float = 0.0) -> float:
        return self.measures(offset)["mae"]

    def rmse(self, offset: float = 0.0) -> float:
        return self.measures(offset)["rmse"]

    def mean_error(self, offset: float = 0.0) -> float:
        return self.measures(offset)["mean_error"]

    def mape(self, offset: float = 0.0) -> float:
        return self.measures(offset)["mape"]

    def within(self, offset: float = 0.0) -> float:
        """Share of rows within the tolerance at ``offset``."""
        return self.measures(offset)["within_tolerance"]

    def cost_per_row(self, offset: float = 0.0) -> float | None:
        return self.measures(offset).get("cost")

    def cost_curve(self, offsets: Sequence[float]) -> np.ndarray:
        """Cost per row at each offset (the MAE when no costs are set)."""
        m = self._all.measures(np.asarray(offsets, dtype=float), self.cost_under, self.cost_over)
        return m["cost"] if self.has_costs else m["mae"]

    def curve_band(self, offsets: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """The 95 % band of :meth:`cost_curve` at ``offsets``."""
        o = np.asarray(offsets, dtype=float)
        c = self.cost_curve(o)
        d_lo, d_hi = self._deviations()["cost" if self.has_costs else "mae"]
        return c + np.interp(o, self._grid, d_lo), c + np.interp(o, self._grid, d_hi)

    def optimal_offset(self) -> float:
        """The offset with the lowest cost (the median-error correction when no costs are given)."""
        level = 0.5 if not self.has_costs else self.cost_over / (self.cost_under + self.cost_over)
        # pinball optimum: the share of rows still under-predicted after the offset is cost_over / (sum of costs);
        # the inverted-CDF quantile of the errors, read off the sorted errors
        k = min(max(math.ceil(level * self.n) - 1, 0), self.n - 1)
        return float(-self._all.e[k])

    def offset_range(self) -> tuple[float, float]:
        """A slider range that covers the cost-optimal offset and the bulk of the errors."""
        q = float(np.quantile(np.abs(self.errors), 0.9)) or 1.0
        best = self.optimal_offset()
        return min(-q, best - 0.25 * q), max(q, best + 0.25 * q)

    # the result --------------------------------------------------------------------------------------------
    def baseline_values(self) -> dict[str, Any] | None:
        """The baseline at its own best offset (cost-optimal with costs, 0 without), cached."""
        if self.baseline is None:
            return None
        if self._baseline_cache is None:
            bo = self.baseline.optimal_offset() if self.has_costs else 0.0
            bp = self.baseline.at(bo, with_groups=False)
            self._baseline_cache = {
                "name": self.baseline_name, "offset": bo, "metrics": {k: v.to_dict() for k, v in bp.metrics.items()},
                "cost_per_1000": None if bp.cost_per_row is None else bp.cost_per_row.value * 1000,
            }
        return self._baseline_cache

    def at(self, offset: float = 0.0, *, with_groups: bool = True) -> ForecastPoint:
        """Every measure at ``offset`` with its interval, the cost, the baseline and the per-group table."""
        try:
            offset = float(offset)
        except (TypeError, ValueError):
            raise InputDataError(f"The offset must be a number, not {offset!r}.") from None
        if not math.isfinite(offset):
            raise InputDataError(f"The offset must be a number, not {offset!r}.")
        v = self.measures(offset)
        metrics = {k: self._interval(k, v[k], offset) for k in ("mae", "rmse", "mape", "mean_error")}
        metrics["within_tolerance"] = self._interval("within_tolerance", v["within_tolerance"], offset, bounded=True)
        cost = self._interval("cost", v["cost"], offset) if self.has_costs else None
        groups = self.group_table(offset) if with_groups and self.groups is not None else []
        return ForecastPoint(
            offset=offset, n=self.n, tolerance=self.tolerance, unit=self.unit, currency=self.currency, metrics=metrics,
            cost_per_row=cost, cost_under=self.cost_under, cost_over=self.cost_over,
            optimal_offset=self.optimal_offset() if self.has_costs else None, volume_per_day=self.volume_per_day,
            baseline=self.baseline_values(), groups=groups, notes=list(self.notes), names=dict(self.names),
        )

    def group_table(self, offset: float = 0.0) -> list[dict[str, Any]]:
        """Per group: rows, mean error (bias) and MAE with normal intervals, share within tolerance (Wilson)."""
        _, names = self.groups
        z = 1.959964
        overall = self.within(offset)
        rows = []
        per = [s.measures(float(offset), None, None) for s in self._group_sorted]
        wl, wh = wilson_interval(np.array([int(m["within_count"]) for m in per]),
                                 np.array([s.den for s in self._group_sorted]))
        wl, wh = np.atleast_1d(wl), np.atleast_1d(wh)
        for i, (name, s, sd_e, m) in enumerate(zip(names, self._group_sorted, self._group_sd, per)):
            n = s.n
            mae, mean_e = float(m["mae"]), float(m["mean_error"])
            mse = float(m["rmse"]) ** 2
            sd_a = math.sqrt(max(mse - mae * mae, 0.0) * n / max(n - 1, 1))
            se_e, se_a = sd_e / math.sqrt(n), sd_a / math.sqrt(n)
            lo, hi = wl[i], wh[i]
            rows.append({
                "group": name, "n": int(n),
                "mean_error": mean_e, "mean_error_ci": [mean_e - z * se_e, mean_e + z * se_e],
                "mae": mae, "mae_ci": [mae - z * se_a, mae + z * se_a],
                "within_tolerance": float(m["within_tolerance"]), "within_tolerance_ci": [float(lo), float(hi)],
                "small": bool(n < SMALL_GROUP), "flag": None,
            })
        for r in rows:  # JSON-safe: an interval that cannot be computed (a one-row group) is None, never NaN
            for k in ("mean_error_ci", "mae_ci", "within_tolerance_ci"):
                r[k] = [v if math.isfinite(v) else None for v in r[k]]
            if not r["small"] and r["within_tolerance_ci"][1] is not None and r["within_tolerance_ci"][1] < overall - 0.05:
                r["flag"] = (f"{self.names['group']} = {r['group']}: only {fmt.percent(r['within_tolerance'])} within "
                             f"{self.tolerance.text(self.unit)} (interval up to {fmt.percent(r['within_tolerance_ci'][1])}) "
                             f"against {fmt.percent(overall)} overall; its estimates lean "
                             f"{'high' if r['mean_error'] > 0 else 'low'} by {fmt.number(abs(r['mean_error']), 1)} {self.unit}.")
        return rows

    def histogram(self, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
        """Counts and bin edges of the errors at offset 0 (clipped to the 0.5-99.5 % range for display)."""
        lo, hi = np.quantile(self.errors, [0.005, 0.995])
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        counts, edges = np.histogram(np.clip(self.errors, lo, hi), bins=bins, range=(lo, hi))
        return counts, edges

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, label: str, prediction: str, group: str | None = None,
                   baseline_column: str | None = None, **kwargs: Any) -> "Forecast":
        """A :class:`Forecast` from a table and its column names (clear errors for missing columns)."""
        from ..io.inputs import require_columns

        require_columns(frame, [label, prediction, group, baseline_column])
        return cls(frame[label], frame[prediction], groups=frame[group] if group else None,
                   baseline=frame[baseline_column] if baseline_column else kwargs.pop("baseline", "median"),
                   baseline_name=kwargs.pop("baseline_name", baseline_column), label_name=label,
                   prediction_name=prediction, group_name=group or "group", **kwargs)

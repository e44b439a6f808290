"""The threshold trade-off: what every threshold catches, misses, costs, and how sure we are.

:class:`Tradeoff` checks the labels and scores once, sorts them once (:class:`ThresholdCurve`) and then answers,
at any threshold, with an :class:`OperatingPoint`: the confusion counts, every rate with its interval, the cost
per 1,000 decisions and per month with a bootstrap interval, each constraint's status, the group table, the
product metrics and a natural-frequency sentence for stakeholders. Over all thresholds it gives the cost-optimal
threshold, the feasible region of the constraints (or, when nothing is feasible, which constraint fails by how much
at the closest threshold), a regret table and the rule baseline on the same axes.

Examples
--------
>>> from aipm_widgets.core import demo
>>> df = demo.load_fraud("validation").drop_duplicates("transaction_id")
>>> t = Tradeoff(df["is_fraud"], df["score"], costs={"cost_fp": 5, "cost_fn": 250}, constraints=["precision>=0.2"])
>>> point = t.at(0.08)
>>> point.confusion["tp"] + point.confusion["fn"] == int(df["is_fraud"].sum())
True
>>> point.metrics["recall"].method
'wilson'
>>> t.recommended_threshold()[1].startswith("lowest cost")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable

import numpy as np

from ..text import format as fmt
from .baseline import Rule
from ..tasks.constraints import Constraint, parse_constraints
from .costs import DAYS_PER_MONTH, PARTS, Costs, cost_part_samples, cost_samples
from ..errors import InputDataError
from ..io.inputs import SINGLE_CLASS, TOO_FEW_ROWS, binary_labels, same_length, scores
from .product_metrics import ProductMapping
from ..stats.rates import LABELS, Estimate, point_estimates, rates_from_counts, small_count_warnings
from ..stats.intervals import NaturalFrequencies, natural_frequencies
from .threshold_curve import ThresholdCurve
from .groups import DEFAULT_GAP_TOLERANCE, GroupCurves, GroupTable, GroupThresholds

__all__ = ["Tradeoff", "OperatingPoint", "Feasibility", "BaselineResult", "Money", "MIN_ROWS", "ALL_SCORES_EQUAL"]

MIN_ROWS = 30
MIN_MISSES_FOR_VALUE_INTERVAL = 30
ALL_SCORES_EQUAL = (
    "All {n} scores in {name!r} are equal ({value:g}): no threshold can separate anything. "
    "Check that the right column was chosen and that the model produced real scores."
)
NEEDS_VOLUME = ("The constraint {c!r} needs the number of decisions per day: give it with --volume-per-day on the "
                "command line, or as the project's volume per day (e.g. 50000).")
NEEDS_COSTS = "The constraint {c!r} needs costs: give the cost of a false alarm and of a miss (--cost-fp, --cost-fn)."
NO_FEASIBLE = "no threshold meets the constraints; this is the closest to meeting them all"
NEEDS_ROWS = ("{what} needs the rows in memory; this trade-off was built from counts ({how}). Use the in-memory "
              "path (--engine pandas) on the table, or a sample of it.")
NEGATIVE_VALUES = ("{n} rows have a negative {name!r} (lowest {lowest:g}); a loss cannot be negative, so those rows "
                   "count as 0.")
MISSING_VALUES = ("{n} rows have no {name!r} (empty or not a finite number); they count as 0. The in-memory path "
                  "refuses such rows: fill them, or drop the rows, to make both paths agree.")
JSON_METRICS = ("precision", "recall", "fpr", "fnr", "f1", "specificity", "accuracy", "alert_rate")


def _f(x):
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


RATE_METRICS = {"precision", "recall", "specificity", "fpr", "fnr", "accuracy", "alert_rate", "f1", "f_beta"}


def constraint_value(metric: str, value, *, gap: bool = False, currency: str | None = None) -> str:
    """A constraint's metric value (or shortfall) in words: rates as percent (a gap in points), counts, money."""
    if metric in RATE_METRICS:
        return fmt.points(value) if gap else fmt.percent(value)
    if metric.startswith("cost"):
        return fmt.money(value, currency)
    if metric.startswith("alerts"):
        return fmt.count(value)
    return fmt.number(value, 3)


@dataclass
class Money:
    """The one money model at one threshold: every part of :meth:`Costs.parts` per 1,000 and per month.

    ``per_1000[part]`` and ``per_month[part]`` are :class:`Estimate` s (bootstrap intervals from the same
    resamples), for ``part`` in ``prevented``, ``missed``, ``false_alarms``, ``caught_credit``, ``total``.
    """

    per_1000: dict[str, Estimate]
    per_month: dict[str, Estimate] | None
    currency: str | None
    volume_per_day: float | None
    n: int

    def to_json(self) -> dict:
        return {"currency": self.currency, "volume_per_day": self.volume_per_day, "n": self.n,
                "per_1000": {k: v.to_record() for k, v in self.per_1000.items()},
                "per_month": None if self.per_month is None else {k: v.to_record() for k, v in self.per_month.items()}}


@dataclass
class Feasibility:
    """Where the constraints hold: intervals of thresholds, the best threshold there, or the closest miss."""

    constraints: list[Constraint]
    feasible: bool
    intervals: list[tuple[float, float]] = field(default_factory=list)
    best_threshold: float | None = None
    best_reason: str = ""
    closest_threshold: float | None = None
    closest: list[dict] = field(default_factory=list)

    def describe(self) -> str:
        if not self.constraints:
            return "No constraints set."
        names = " and ".join(c.text for c in self.constraints)
        if self.feasible:
            spans = ", ".join(f"{fmt.threshold(lo)} to {fmt.threshold(hi)}" for lo, hi in self.intervals[:3])
            more = f" (and {len(self.intervals) - 3} more ranges)" if len(self.intervals) > 3 else ""
            return (f"{names} hold for thresholds {spans}{more}; best there: {fmt.threshold(self.best_threshold)} "
                    f"({self.best_reason}).")
        fails = "; ".join(
            f"{c['constraint']} reaches {constraint_value(c['metric'], c['value'])}, short by "
            f"{constraint_value(c['metric'], c['shortfall'], gap=True)}" for c in self.closest if not c["satisfied"]
        )
        return (
            f"No threshold meets {names} on this data. Closest at threshold {fmt.threshold(self.closest_threshold)}: {fails}. "
            "Relax a constraint, or improve the model."
        )

    def to_json(self) -> dict:
        return {
            "feasible": self.feasible,
            "intervals": [[_f(a), _f(b)] for a, b in self.intervals],
            "best_threshold": _f(self.best_threshold),
            "closest_threshold": _f(self.closest_threshold),
            "closest": self.closest,
        }


@dataclass
class BaselineResult:
    """A rule on the same axes as the model, and the model at the rule's alert rate."""

    rule: str
    confusion: dict[str, int]
    metrics: dict[str, Estimate]
    cost_per_1000: float | None
    model_threshold_same_alerts: float
    model_same_alerts: dict[str, float]
    model_cost_per_1000_same_alerts: float | None
    curve: dict[str, np.ndarray] | None = None

    def verdict(self) -> str:
        r, m = self.metrics["recall"], self.model_same_alerts
        text = (
            f"The rule {self.rule!r} alerts on {fmt.percent(self.metrics['alert_rate'].value)} of rows and catches "
            f"{fmt.percent(r.value)} of positives (precision {fmt.percent(self.metrics['precision'].value)}). With as "
            f"many alerts (threshold {fmt.threshold(self.model_threshold_same_alerts)}) the model catches "
            f"{fmt.percent(m['recall'])} (precision {fmt.percent(m['precision'])})."
        )
        if r.low is not None and m["recall"] > r.high:
            text += " The model is clearly better than the rule here (outside the rule's interval)."
        elif r.high is not None and m["recall"] < r.low:
            text += " The rule is better than the model at this alert volume: do we need ML?"
        else:
            text += " The difference is within the uncertainty: the rule may be enough."
        return text

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "confusion": self.confusion,
            "metrics": {k: self.metrics[k].to_json() for k in ("precision", "recall", "fpr", "alert_rate")},
            "cost_per_1000": _f(self.cost_per_1000),
            "model_at_same_alert_rate": {"threshold": _f(self.model_threshold_same_alerts),
                                         **{k: _f(v) for k, v in self.model_same_alerts.items()},
                                         "cost_per_1000": _f(self.model_cost_per_1000_same_alerts)},
            "verdict": self.verdict(),
        }


@dataclass
class OperatingPoint:
    """Everything about one threshold: counts, rates with intervals, cost, constraints, groups, product metrics."""

    threshold: float
    n: int
    confusion: dict[str, int]
    metrics: dict[str, Estimate]
    natural_frequencies: NaturalFrequencies
    cost_per_1000: Estimate | None = None
    cost_per_month: Estimate | None = None
    currency: str | None = None
    constraints: list[dict] = field(default_factory=list)
    groups: GroupTable | None = None
    product: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    money: Money | None = None

    @property
    def constraints_satisfied(self) -> bool | None:
        return None if not self.constraints else all(c["satisfied"] for c in self.constraints)

    def to_json(self) -> dict:
        out: dict[str, Any] = {
            "threshold": _f(self.threshold),
            "n": self.n,
            "confusion": dict(self.confusion),
            "metrics": {k: self.metrics[k].to_json() for k in JSON_METRICS if k in self.metrics},
            "natural_frequencies": {**_nf_dict(self.natural_frequencies)},
            "constraints": self.constraints,
            "constraints_satisfied": self.constraints_satisfied,
            "warnings": self.warnings,
        }
        if self.cost_per_1000 is not None:
            out["cost_per_1000"] = self.cost_per_1000.to_json()
            out["currency"] = self.currency
        if self.cost_per_month is not None:
            out["cost_per_month"] = self.cost_per_month.to_json()
        if self.money is not None:
            out["money"] = self.money.to_json()
        if self.groups is not None:
            out["groups"] = self.groups.to_json()
            out["group_gaps"] = {"difference": self.groups.difference, "ratio": self.groups.ratio, "flags": self.groups.flags}
        if self.product:
            out["product_metrics"] = [
                {"name": r["product_metric"], **r["estimate"].to_json(), "unit": r["unit"], "from": r["model_metric"]}
                for r in self.product
            ]
        return out

    def __str__(self) -> str:
        c = self.confusion
        lines = [
            f"Threshold {fmt.threshold(self.threshold)} on {fmt.count(self.n)} rows: TP {fmt.count(c['tp'])}  "
            f"FP {fmt.count(c['fp'])}  TN {fmt.count(c['tn'])}  FN {fmt.count(c['fn'])}",
            self.natural_frequencies.sentence(),
        ]
        for k in ("precision", "recall", "fpr", "f1"):
            e = self.metrics[k]
            lines.append(f"  {LABELS[k]}: {fmt.estimate(e.value, e.low, e.high)}")
        money = lambda x: fmt.money(x, self.currency)  # noqa: E731
        if self.cost_per_1000 is not None:
            e = self.cost_per_1000
            lines.append(f"  Cost per 1,000 decisions: {fmt.estimate(e.value, e.low, e.high, money)}")
        if self.money is not None and self.money.per_month is not None:
            lines.append(f"  Money: {money_sentence(self.money)}")
        for con in self.constraints:
            lines.append(f"  {'OK ' if con['satisfied'] else 'NOT MET'} {con['constraint']} "
                         f"(here {constraint_value(con['metric'], con['value'], currency=self.currency)})")
        lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(str(self)) + "</pre>"


def money_sentence(money: Money) -> str:
    """The money model in one sentence, per month when a volume is known (else per 1,000 decisions)."""
    per = money.per_month if money.per_month is not None else money.per_1000
    when = "a month" if money.per_month is not None else "per 1,000 decisions"
    m = lambda k: fmt.estimate(per[k].value, per[k].low, per[k].high, lambda x: fmt.money(x, money.currency))  # noqa: E731
    text = (f"{m('prevented')} of losses prevented {when}, {m('missed')} still missed, and false alarms cost "
            f"{m('false_alarms')}")
    if money.per_1000["caught_credit"].value:
        text += f"; caught positives are worth {m('caught_credit')}"
    return text + f": a total cost of {m('total')} {when}."


SWEEP_METRICS = {"precision", "recall", "specificity", "fpr", "fnr", "accuracy", "alert_rate", "f1", "f_beta",
                 "alerts_per_day", "alerts_per_month", "cost_per_1000", "cost_per_month"}


class _LazySweep(dict):
    """Counts at every distinct threshold; a metric's array is computed when first asked for."""

    def __init__(self, owner: "Tradeoff", counts: dict, thresholds: np.ndarray) -> None:
        super().__init__(threshold=thresholds, **counts)
        self._owner = owner

    def __missing__(self, key: str) -> np.ndarray:
        o = self._owner
        if key in ("cost_per_1000", "cost_per_month"):
            if not o.has_costs or (key == "cost_per_month" and not o.volume_per_day):
                raise KeyError(key)
            total = o.costs.total(self["tp"], self["fp"], self["tn"], self["fn"], self.get("fn_value"))
            per_1000 = np.asarray(total, dtype=float) / o.n * 1000
            self["cost_per_1000"] = per_1000
            if key == "cost_per_month":
                self[key] = per_1000 * o.volume_per_day * DAYS_PER_MONTH / 1000
            return self[key]
        rates = rates_from_counts(self["tp"], self["fp"], self["tn"], self["fn"], beta=o.beta,
                                  volume_per_day=o.volume_per_day, only=(key,))
        if key not in rates:
            raise KeyError(key)
        self[key] = rates[key]
        return self[key]


def _nf_dict(nf: NaturalFrequencies) -> dict:
    return {"per": nf.per, "positives": nf.positives, "caught": nf.caught, "missed": nf.missed,
            "false_alarms": nf.false_alarms, "negatives": nf.negatives, "sentence": nf.sentence()}


class Tradeoff:
    """Labels and scores checked once and sorted once; the trade-off at any threshold in ``O(log n)``.

    Parameters
    ----------
    y_true : array-like
        Labels: 0/1, booleans, or two other values with ``positive`` naming the one to detect.
    y_score : array-like of float
        The model's scores (higher = more likely positive); values outside [0, 1] are allowed as raw scores.
    value : array-like of float, optional
        Per-row value (e.g. the transaction amount): a miss can cost its own value. Negative values are set to 0.
    groups : array-like, optional
        A group label per row for the per-group table.
    costs : Costs or mapping, optional
        ``cost_fp``, ``cost_fn``, ``fn_cost_from_value``, ``value_tp``, ``review_capacity_per_day``, ``currency``.
    constraints : list of str, optional
        Such as ``"fnr<=0.05"``, ``"precision>=0.2"``, ``"alerts_per_day<=300"``.
    volume_per_day : float, optional
        Decisions a day in production (for alerts per day and cost per month).
    positive : optional
        The positive label value when labels are not 0/1.
    product : ProductMapping, optional
        How rates become product metrics.
    """

    def __init__(
        self,
        y_true: Any,
        y_score: Any,
        *,
        value: Any = None,
        groups: Any = None,
        costs: Any = None,
        constraints: Iterable[str] | str | None = None,
        volume_per_day: float | None = None,
        positive: Any = None,
        beta: float = 1.0,
        confidence: float = 0.95,
        product: ProductMapping | None = None,
        gap_tolerance: float = DEFAULT_GAP_TOLERANCE,
        label_name: str = "label",
        score_name: str = "score",
        value_name: str = "value",
        group_name: str = "group",
        unit: str = "cases",
        positive_name: str = "positive",
    ) -> None:
        self.notes: list[str] = []
        for name, arr in (("labels", y_true), ("scores", y_score)):
            if arr is None:
                raise InputDataError(f"No {name} given.")
        same_length(**{f"The labels {label_name!r}": y_true, f"the scores {score_name!r}": y_score,
                       f"the values {value_name!r}": value, f"the groups {group_name!r}": groups})
        self.y = binary_labels(y_true, positive=positive, name=label_name, min_rows=MIN_ROWS)
        self.score = scores(y_score, name=score_name)
        self._check_score_range(len(self.score), float(self.score.min()), float(self.score.max()), score_name)
        self.value = None
        if value is not None:
            v = scores(value, name=value_name)
            negative = int((v < 0).sum())
            if negative:
                self.notes.append(NEGATIVE_VALUES.format(n=fmt.count(negative), name=value_name, lowest=float(v.min())))
                v = np.clip(v, 0, None)
            self.value = v
        self.has_value = self.value is not None
        self._settings(costs=costs, constraints=constraints, volume_per_day=volume_per_day, beta=beta,
                       confidence=confidence, product=product, unit=unit, positive_name=positive_name,
                       names={"label": label_name, "score": score_name, "value": value_name, "group": group_name})
        self.curve = ThresholdCurve(self.y, self.score, self.value)
        self.groups = None
        if groups is not None:
            self.groups = GroupCurves(self.y, self.score, groups, tolerance=gap_tolerance, name=group_name)
        self.n = self.curve.n
        self.prevalence = self.curve.positives / self.n

    @classmethod
    def from_curve(
        cls,
        curve,
        *,
        costs: Any = None,
        constraints: Iterable[str] | str | None = None,
        volume_per_day: float | None = None,
        beta: float = 1.0,
        confidence: float = 0.95,
        product: ProductMapping | None = None,
        label_name: str = "label",
        score_name: str = "score",
        value_name: str = "value",
        unit: str = "cases",
        positive_name: str = "positive",
    ) -> "Tradeoff":
        """The trade-off over confusion counts already made, without the rows.

        ``curve`` is a :class:`ThresholdCurve`, or any object with its lookups (``counts``, ``counts_many``,
        ``distinct``, ``grid``, ``short_cut(s)``, ``missed_value``, ``n``, ``positives``, ``above_all``), such as
        the binned curve that DuckDB or Spark build from Parquet of any size
        (:func:`aipm_widgets.core.monitoring.engines.threshold_curve.curve_from_source`). Everything that reads
        counts works as with :class:`Tradeoff`; the group table and the rule baseline need the rows and say so.
        """
        self = cls.__new__(cls)
        self.notes = []
        if curve.n < MIN_ROWS:
            raise InputDataError(TOO_FEW_ROWS.format(n=curve.n, minimum=MIN_ROWS, purpose="error rates"))
        if curve.positives in (0, curve.n):
            raise InputDataError(SINGLE_CLASS.format(name=label_name, value=int(curve.positives > 0), n=curve.n))
        lowest = float(curve.distinct.thresholds[0])
        highest = float(np.nextafter(curve.above_all, -np.inf))
        self._check_score_range(curve.n, lowest, highest, score_name)
        left_out = int(getattr(curve, "rows_left_out", 0))
        if left_out:
            self.notes.append(f"{fmt.count(left_out)} rows without a label in {label_name!r} or a finite score in "
                              f"{score_name!r} are left out (labels that have not arrived yet belong in monitoring).")
        # The same words as the in-memory path for values it would clip (and for those it would refuse).
        negative = int(getattr(curve, "negative_values", 0))
        if negative:
            self.notes.append(NEGATIVE_VALUES.format(n=fmt.count(negative), name=value_name,
                                                     lowest=float(curve.lowest_value)))
        missing = int(getattr(curve, "missing_values", 0))
        if missing:
            self.notes.append(MISSING_VALUES.format(n=fmt.count(missing), name=value_name))
        self.y = self.score = self.value = None
        self.has_value = getattr(curve, "value_below", None) is not None
        self._settings(costs=costs, constraints=constraints, volume_per_day=volume_per_day, beta=beta,
                       confidence=confidence, product=product, unit=unit, positive_name=positive_name,
                       names={"label": label_name, "score": score_name, "value": value_name, "group": "group"})
        self.curve = curve
        self.groups = None
        self.n = curve.n
        self.prevalence = curve.positives / self.n
        return self

    def _check_score_range(self, n: int, lowest: float, highest: float, score_name: str) -> None:
        if lowest == highest:
            raise InputDataError(ALL_SCORES_EQUAL.format(n=n, name=score_name, value=lowest))
        if lowest < 0 or highest > 1:
            self.notes.append(
                f"Scores in {score_name!r} run from {lowest:.4g} to {highest:.4g}, outside [0, 1]: "
                "treated as raw model scores (thresholds are on the same scale); they are not probabilities."
            )

    def _settings(self, *, costs, constraints, volume_per_day, beta, confidence, product, unit, positive_name,
                  names) -> None:
        self.volume_per_day = float(volume_per_day) if volume_per_day else None
        if self.volume_per_day is not None and (not np.isfinite(self.volume_per_day) or self.volume_per_day <= 0):
            raise InputDataError(f"The volume per day must be a positive number, not {volume_per_day!r}.")
        self.costs = None
        self._feasibility: Feasibility | None = None
        self.constraints: list[Constraint] = []
        self.set_costs(costs)
        self.set_constraints(constraints)
        self.beta = float(beta)
        self.confidence = float(confidence)
        self.product = product
        self.unit = unit
        self.positive_name = positive_name
        self.names = names

    # -- changing costs and constraints (the sort is kept) -----------------------------------------
    def set_costs(self, costs: Any) -> None:
        """Replace the cost model (checked first; on an error nothing changes)."""
        new = Costs.from_any(costs)
        if new is not None and new.fn_cost_from_value and not self.has_value:
            raise InputDataError("The costs say a miss costs the row's value, but no value column was given.")
        old, self.costs = self.costs, new
        self.__dict__.pop("everywhere", None)
        self._feasibility = None
        if getattr(self, "_user_constraints", None) is not None:
            try:
                self.set_constraints(self._user_constraints)
            except InputDataError:
                self.costs = old
                self.__dict__.pop("everywhere", None)
                raise

    def set_constraints(self, constraints: Iterable[str] | str | None) -> None:
        """Replace the constraints (parsed and checked first; on an error nothing changes)."""
        parsed = parse_constraints(constraints)
        if self.costs is not None and self.costs.review_capacity_per_day and not any(
            c.metric == "alerts_per_day" for c in parsed
        ):
            if self.volume_per_day:
                parsed.append(Constraint("alerts_per_day", "<=", float(self.costs.review_capacity_per_day), "review capacity"))
            elif not any("review capacity" in n for n in self.notes):
                self.notes.append("A review capacity was given without a volume per day, so it cannot be checked.")
        for c in parsed:
            if c.metric in ("alerts_per_day", "alerts_per_month", "cost_per_month") and not self.volume_per_day:
                raise InputDataError(NEEDS_VOLUME.format(c=c.source or c.text))
            if c.metric in ("cost_per_1000", "cost_per_month") and not (self.costs and self.costs.is_set):
                raise InputDataError(NEEDS_COSTS.format(c=c.source or c.text))
        self.constraints = parsed
        self._feasibility = None
        self._user_constraints = [c for c in parsed if c.source != "review capacity"]

    # -- construction from a fitted model ----------------------------------------------------------
    @classmethod
    def from_estimator(cls, estimator, X, y, **kwargs) -> "Tradeoff":
        """Score ``X`` with a fitted classifier (``predict_proba`` or ``decision_function``) and hand off."""
        return cls(y, positive_scores(estimator, X), **kwargs)

    @property
    def has_costs(self) -> bool:
        return self.costs is not None and self.costs.is_set

    # -- many thresholds --------------------------------------------------------------------------------
    def sweep(self, thresholds) -> dict[str, np.ndarray]:
        """Counts, rates and (with costs) cost per 1,000 and per month at each threshold (vectorised)."""
        return self._sweep_counts(self.curve.counts_many(thresholds), np.asarray(thresholds, dtype=float))

    def _sweep_counts(self, c: dict, thresholds: np.ndarray) -> dict[str, np.ndarray]:
        out = {"threshold": thresholds, **c}
        out.update(rates_from_counts(c["tp"], c["fp"], c["tn"], c["fn"], beta=self.beta, volume_per_day=self.volume_per_day))
        if self.has_costs:
            total = self.costs.total(c["tp"], c["fp"], c["tn"], c["fn"], c.get("fn_value"))
            out["cost_per_1000"] = np.asarray(total, dtype=float) / self.n * 1000
            if self.volume_per_day:
                out["cost_per_month"] = out["cost_per_1000"] * self.volume_per_day * DAYS_PER_MONTH / 1000
        return out

    @cached_property
    def everywhere(self) -> "_LazySweep":
        """:meth:`sweep` at every distinct threshold; each metric's array is computed on first use, then kept."""
        d = self.curve.distinct
        c = {"tp": d.tp, "fp": d.fp, "tn": d.tn, "fn": d.fn}
        if d.fn_value is not None:
            c["fn_value"], c["fn_value_sq"] = d.fn_value, d.fn_value_sq
        return _LazySweep(self, c, d.thresholds)

    def grid(self, max_points: int = 2000) -> np.ndarray:
        """Thresholds for plotting and for a slider: at most ``max_points``, evenly spread by rank.

        Each is the shortest decimal making its decisions (:meth:`short_cut`), so the slider shows what is saved.
        """
        return self.curve.short_cuts(self.curve.grid(max_points))

    def short_cut(self, threshold: float) -> float:
        """The shortest decimal alerting on the same rows as ``threshold`` (printed, re-entered: same counts)."""
        return self.curve.short_cut(threshold)

    def best_threshold(self, metric: str = "cost", *, within_constraints: bool = True) -> tuple[float, str]:
        """The threshold that minimises cost (or maximises ``metric``), inside the feasible region when there is one."""
        e = self.everywhere
        mask = np.ones(len(e["threshold"]), dtype=bool)
        where = ""
        if within_constraints and self.constraints:
            feasible = self._feasible_mask()
            if feasible.any():
                mask, where = feasible, " within the constraints"
            else:
                # Start where the team can actually operate: the threshold closest to meeting every constraint,
                # not the unconstrained optimum (which may, e.g., need four times the review capacity).
                closest = self.feasibility().closest_threshold
                return float(closest), NO_FEASIBLE
        if metric == "cost":
            if not self.has_costs:
                raise InputDataError("The lowest-cost threshold needs costs: give cost_fp and cost_fn.")
            vals = np.where(mask, e["cost_per_1000"], np.inf)
            i = int(np.argmin(vals))
            return (self.short_cut(e["threshold"][i]),
                    f"lowest cost{where}: {fmt.money(vals[i], self.costs.currency)} per 1,000 decisions")
        if metric not in SWEEP_METRICS:
            raise InputDataError(f"Unknown metric {metric!r}; use cost, f1, recall, precision, ...")
        lower_is_better = metric in ("fpr", "fnr", "alert_rate", "alerts_per_day", "alerts_per_month")
        vals = np.where(mask & np.isfinite(e[metric]), e[metric], np.nan)
        if np.all(np.isnan(vals)):
            return self.short_cut(e["threshold"][0]), f"{metric} is undefined everywhere"
        i = int(np.nanargmin(vals) if lower_is_better else np.nanargmax(vals))
        shown = constraint_value(metric, vals[i], currency=self.costs.currency if self.costs else None)
        return self.short_cut(e["threshold"][i]), f"{'lowest' if lower_is_better else 'highest'} {metric}{where}: {shown}"

    def recommended_threshold(self) -> tuple[float, str]:
        """Cost-optimal feasible threshold with costs, else the F1-optimal one; with the reason in words."""
        return self.best_threshold("cost" if self.has_costs else "f1")

    # -- constraints -----------------------------------------------------------------------------------
    def _feasible_mask(self) -> np.ndarray:
        e = self.everywhere
        mask = np.ones(len(e["threshold"]), dtype=bool)
        for c in self.constraints:
            mask &= c.satisfied(e[c.metric])
        return mask

    def feasibility(self) -> Feasibility:
        """Feasible threshold intervals and the best one there; when infeasible, the closest threshold and shortfalls.

        Computed once per set of costs and constraints (``O(n)``), then kept.
        """
        if self._feasibility is None:
            self._feasibility = self._compute_feasibility()
        return self._feasibility

    def _compute_feasibility(self) -> Feasibility:
        if not self.constraints:
            return Feasibility([], True)
        e = self.everywhere
        t = e["threshold"]
        mask = self._feasible_mask()
        if mask.any():
            edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
            intervals = [(self.short_cut(t[a]), self.short_cut(t[b - 1])) for a, b in zip(edges[::2], edges[1::2])]
            best, reason = self.recommended_threshold()
            return Feasibility(self.constraints, True, intervals, best, reason)
        total = np.zeros(len(t))
        for c in self.constraints:
            total += np.nan_to_num(c.scaled_shortfall(e[c.metric]), posinf=1e9)
        i = int(np.argmin(total))
        closest = [self._status(c, e[c.metric][i]) for c in self.constraints]
        return Feasibility(self.constraints, False, [], None, "", self.short_cut(t[i]), closest)

    @staticmethod
    def _status(c: Constraint, value) -> dict:
        return {"constraint": c.text, "metric": c.metric, "op": c.op, "bound": c.bound, "value": _f(value),
                "satisfied": bool(c.satisfied(value)), "shortfall": _f(c.shortfall(value))}

    # -- one threshold ---------------------------------------------------------------------------------
    def at(self, threshold: float, *, groups: bool = True, reps: int = 2000) -> OperatingPoint:
        """Everything at one threshold (``O(log n)`` plus a few small bootstraps)."""
        threshold = float(threshold)
        if not np.isfinite(threshold):
            raise InputDataError(f"The threshold must be a finite number, not {threshold!r}.")
        c = self.curve.counts(threshold)
        tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
        metrics = point_estimates(tp, fp, tn, fn, beta=self.beta, confidence=self.confidence,
                                  volume_per_day=self.volume_per_day, reps=reps)
        nf = natural_frequencies(tp, fp, tn, fn, per=1000, unit=self.unit, positive_name=self.positive_name)
        point = OperatingPoint(threshold, self.n, c, metrics, nf, warnings=small_count_warnings(tp, fp, tn, fn))
        values = {k: v.value for k, v in metrics.items()}
        if self.has_costs:
            counts = dict(c)
            if self.has_value:
                counts["fn_value"], counts["fn_value_sq"] = self.curve.missed_value(threshold)
                counts["tp_value"] = self.curve.total_positive_value - counts["fn_value"]
                counts["tp_value_sq"] = self.curve.total_positive_value_sq - counts["fn_value_sq"]
            parts = self.costs.parts(tp, fp, tn, fn, counts.get("fn_value"), counts.get("tp_value"))
            samples = cost_part_samples(self.costs, counts, self.n, reps=reps)
            tail = 100 * (1 - self.confidence) / 2
            method = f"bootstrap ({reps} resamples)"
            per_1000 = {}
            for part in PARTS:
                plo, phi = np.percentile(samples[part][:, 0], [tail, 100 - tail])
                per_1000[part] = Estimate(parts[part] / self.n * 1000, float(plo), float(phi), method)
            value = per_1000["total"].value
            point.cost_per_1000 = per_1000["total"]
            per_month = None
            if self.volume_per_day:
                k = self.volume_per_day * DAYS_PER_MONTH / 1000
                per_month = {part: Estimate(e.value * k, e.low * k, e.high * k, method) for part, e in per_1000.items()}
            point.money = Money(per_1000, per_month, self.costs.currency, self.volume_per_day, self.n)
            if self.costs.fn_cost_from_value and 0 < fn < MIN_MISSES_FOR_VALUE_INTERVAL:
                point.warnings.append(
                    f"Only {fn} misses carry the cost of missed value: the cost interval is likely too narrow "
                    "(a few large misses dominate). Treat the cost as a rough figure."
                )
            point.currency = self.costs.currency
            values["cost_per_1000"] = value
            if self.volume_per_day:
                k = self.volume_per_day * DAYS_PER_MONTH / 1000
                point.cost_per_month = per_month["total"]
                values["cost_per_month"] = value * k
        point.constraints = [self._status(con, values.get(con.metric)) for con in self.constraints]
        if groups and self.groups is not None:
            point.groups = self.groups.table(threshold, confidence=self.confidence)
        if self.product is not None:
            mean_value = self.curve.total_positive_value / self.curve.positives if self.has_value else None
            point.product = self.product.rows(metrics, prevalence=self.prevalence, mean_positive_value=mean_value,
                                              money=point.money, confusion=c, unit=self.unit)
        return point

    def cost_curve(self, thresholds, *, reps: int = 200, seed: int = 0) -> dict[str, np.ndarray]:
        """Cost per 1,000 at each threshold with a pointwise bootstrap band (``low``, ``high``)."""
        if not self.has_costs:
            raise InputDataError("The cost curve needs costs: give cost_fp and cost_fn.")
        thresholds = np.asarray(thresholds, dtype=float)
        c = self.curve.counts_many(thresholds)
        samples = cost_samples(self.costs, c, self.n, reps=reps, seed=seed)
        tail = 100 * (1 - self.confidence) / 2
        lo, hi = np.percentile(samples, [tail, 100 - tail], axis=0)
        return {"threshold": thresholds, "cost_per_1000": self.sweep(thresholds)["cost_per_1000"], "low": lo, "high": hi}

    def regret_table(self, named: dict[str, float] | None = None) -> list[dict]:
        """What each named threshold costs against the cost-optimal one (per 1,000 and per month)."""
        if not self.has_costs:
            raise InputDataError("The regret table needs costs: give cost_fp and cost_fn.")
        best, _ = self.best_threshold("cost", within_constraints=False)
        named = {"lowest cost": best, **(named or {})}
        sw = self.sweep(np.array(list(named.values()), dtype=float))
        best_cost = sw["cost_per_1000"][0]
        rows = []
        for i, (label, t) in enumerate(named.items()):
            regret = float(sw["cost_per_1000"][i] - best_cost)
            rows.append({
                "choice": label, "threshold": float(t), "recall": _f(sw["recall"][i]), "precision": _f(sw["precision"][i]),
                "cost_per_1000": float(sw["cost_per_1000"][i]), "regret_per_1000": regret,
                "regret_per_month": regret * self.volume_per_day * DAYS_PER_MONTH / 1000 if self.volume_per_day else None,
            })
        return rows

    # -- the rule baseline --------------------------------------------------------------------------------
    def baseline(self, rule: str | Rule, frame) -> BaselineResult:
        """Place a one-column rule (``"amount > 900"``) on the model's axes; ``frame`` holds the rule's column."""
        if self.y is None:
            raise InputDataError(NEEDS_ROWS.format(what="The rule baseline",
                                                   how="exact" if self.curve.exact else "binned"))
        rule = Rule.parse(rule) if isinstance(rule, str) else rule
        if len(frame) != self.n:
            raise InputDataError(f"The rule's table has {len(frame)} rows but the labels have {self.n}.")
        alerts = rule.alerts(frame)
        y = self.y.astype(bool)
        tp = int((alerts & y).sum())
        fp = int((alerts & ~y).sum())
        fn = int((~alerts & y).sum())
        tn = self.n - tp - fp - fn
        metrics = point_estimates(tp, fp, tn, fn, beta=self.beta, confidence=self.confidence, reps=500)
        cost = None
        if self.has_costs:
            fn_value = float(self.value[~alerts & y].sum()) if self.value is not None else None
            cost = self.costs.total(tp, fp, tn, fn, fn_value) / self.n * 1000
        # The model threshold with (about) as many alerts as the rule.
        k_alerts = tp + fp
        idx = min(max(self.n - k_alerts, 0), self.n - 1)
        t_same = self.short_cut(float(self.curve.sorted_scores[idx]) if k_alerts else self.curve.above_all)
        sw = self.sweep([t_same])
        same = {k: float(sw[k][0]) for k in ("recall", "precision", "fpr", "alert_rate")}
        model_cost = float(sw["cost_per_1000"][0]) if self.has_costs else None
        curve = None
        as_score = rule.as_score(frame)
        if as_score is not None:
            finite = np.isfinite(as_score)
            if finite.sum() >= 2 and np.unique(as_score[finite]).size > 1:
                rc = ThresholdCurve(self.y, np.where(finite, as_score, np.min(as_score[finite]) - 1))
                grid = rc.grid(400)
                cc = rc.counts_many(grid)
                r = rates_from_counts(cc["tp"], cc["fp"], cc["tn"], cc["fn"])
                curve = {"cutoff": np.abs(grid), "recall": r["recall"], "precision": r["precision"]}
        return BaselineResult(rule.text, {"tp": tp, "fp": fp, "tn": tn, "fn": fn}, metrics, cost, t_same, same, model_cost, curve)

    # -- group thresholds ------------------------------------------------------------------------------
    def group_thresholds(self, threshold: float) -> GroupThresholds:
        """Thresholds per group giving every group (at least) the overall recall at ``threshold``, and their cost."""
        if self.groups is None:
            raise InputDataError("Group thresholds need a group column.")
        shared = self.curve.counts(threshold)
        target = shared["tp"] / max(self.curve.positives, 1)
        per_group = self.groups.thresholds_for_recall(target)
        conf = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
        recall_by_group = {}
        fn_value = 0.0
        for g, t in per_group.items():
            gc = self.groups.curves[g].counts(t)
            for k in conf:
                conf[k] += gc[k]
            recall_by_group[g] = gc["tp"] / max(gc["tp"] + gc["fn"], 1)
        cost = shared_cost = None
        if self.has_costs:
            if self.value is not None:
                thr = np.array([per_group[g] for g in self.groups.names])[self.groups.codes]
                missed = (self.score < thr) & (self.y == 1)
                fn_value = float(self.value[missed].sum())
            cost = self.costs.total(conf["tp"], conf["fp"], conf["tn"], conf["fn"], fn_value) / self.n * 1000
            shared_cost = float(self.sweep([threshold])["cost_per_1000"][0])
        return GroupThresholds(per_group, float(target), conf, shared, cost, shared_cost, recall_by_group)

    # -- the decision record ---------------------------------------------------------------------------
    def record_values(
        self,
        point: OperatingPoint,
        *,
        chosen_metric: str,
        baseline: BaselineResult | None = None,
        data_source: str | None = None,
        summary: str | None = None,
        status: str = "decided",
        threshold_choice: str | None = None,
    ) -> dict:
        """The ``metrics`` section fields for this operating point (for :func:`record.update_section`)."""
        costs = None
        if self.costs is not None:
            costs = self.costs.to_record()
            if costs.get("value_column") is None and self.costs.fn_cost_from_value:
                costs["value_column"] = self.names["value"]
        nf = _nf_dict(point.natural_frequencies)
        values = {
            "status": status,
            "threshold": point.threshold,
            "chosen_metric": chosen_metric,
            "score_column": self.names["score"],
            "label_column": self.names["label"],
            "data_source": data_source,
            "n_evaluated": self.n,
            "volume_per_day": self.volume_per_day,
            "costs": costs,
            "constraints": [c.text for c in self.constraints],
            "constraints_satisfied": point.constraints_satisfied,
            "confusion": dict(point.confusion),
            "metrics": {k: v.to_record() for k, v in point.metrics.items()},
            "cost_per_1000": point.cost_per_1000.to_record() if point.cost_per_1000 else None,
            "cost_per_month": point.cost_per_month.to_record() if point.cost_per_month else None,
            "money": point.money.to_json() if point.money is not None else None,
            "threshold_choice": threshold_choice,
            "natural_frequencies": nf,
            "baseline": baseline.to_json() if baseline is not None else None,
            "groups": point.groups.to_json() if point.groups is not None else [],
            "summary": summary or _summary(point),
        }
        return values


def _summary(point: OperatingPoint) -> str:
    text = f"Alert when score >= {fmt.threshold(point.threshold)}. {point.natural_frequencies.sentence()}"
    if point.cost_per_1000 is not None:
        e = point.cost_per_1000
        text += f" Expected cost {fmt.estimate(e.value, e.low, e.high, lambda x: fmt.money(x, point.currency))} per 1,000 decisions."
    if point.money is not None and point.money.per_month is not None:
        text += " " + money_sentence(point.money)
    return text


def positive_scores(estimator, X) -> np.ndarray:
    """The positive-class score of a fitted classifier: ``predict_proba[:, 1]``, else ``decision_function``."""
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(X))
        if proba.ndim != 2 or proba.shape[1] != 2:
            raise InputDataError(f"The model returned {proba.shape[-1]} class probabilities; the explorer needs a binary classifier.")
        return proba[:, 1]
    if hasattr(estimator, "decision_function"):
        return np.asarray(estimator.decision_function(X), dtype=float)
    raise InputDataError(f"{type(estimator).__name__} has neither predict_proba nor decision_function: it cannot give scores.")


"""Routing to many classes: which tickets the model routes itself, how well, and what the rest costs.

A multiclass model (a ticket router) gives each row a probability per class and a predicted class. The product
decision is a **confidence threshold** on the predicted class's probability: at or above it the model routes the
row automatically, below it a person decides. :class:`Routing` checks the inputs once, sorts the rows by
confidence once, and then answers at any threshold with a :class:`RoutingPoint`:

automation_rate
    the share of rows routed automatically (``confidence >= threshold``);
accuracy_automated
    of the automated rows, the share routed to their true class;
precision[C], recall[C], f1[C]
    per class, on the automated rows (what scikit-learn's ``precision_recall_fscore_support`` gives on them);
macro_f1, weighted_f1
    the mean of the per-class F1 (plain, and weighted by each class's automated support);
person_hours_per_day
    rows left to people x minutes per row / 60 at the stated volume per day;
cost_per_1000
    what each misroute costs (a cost matrix, true class x routed class) plus the cost of a person handling a row.

Proportions carry Wilson intervals, F1 and cost a multinomial bootstrap of the confusion cells. The k x k confusion
matrix at any threshold comes from cumulative matrices kept at checkpoints of the sorted rows plus a
``bincount`` of the few rows between the checkpoint and the threshold: one sort, then ``O(log n + n / G + k^2)``
per slider move.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> y = rng.choice(["billing", "bug", "login"], 600)
>>> p = rng.dirichlet([1, 1, 1], 600); p[np.arange(600), pd.Series(y).map({"billing": 0, "bug": 1, "login": 2})] += 1.5
>>> proba = pd.DataFrame(p / p.sum(1, keepdims=True), columns=["billing", "bug", "login"])
>>> r = Routing(y, proba)
>>> point = r.at(0.6)
>>> int(point.matrix.sum()) == point.n_automated
True
>>> point.metrics["accuracy_automated"].method
'wilson'
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..text import format as fmt
from .constraints import Constraint
from ..errors import InputDataError
from ..stats.rates import Estimate
from ..stats.intervals import SMALL_COUNT, wilson_interval

__all__ = [
    "Routing",
    "RoutingPoint",
    "RoutingBaseline",
    "RoutingInputs",
    "routing_inputs",
    "parse_routing_constraints",
    "routing_cost_matrix",
    "class_names",
    "PROBA_NOT_SUM_TO_ONE",
    "CLASS_WITHOUT_PROBA",
    "NAN_PREDICTIONS",
    "NAN_PROBABILITIES",
    "PREDICTION_NOT_A_CLASS",
    "NO_PROBA_COLUMNS",
    "ROUTING_CONSTRAINT_SYNTAX",
]

SUM_TOLERANCE = 0.02
"""Rows whose probabilities add up to within this of 1 are accepted (rounded exports) and rescaled to 1."""

PROBA_NOT_SUM_TO_ONE = (
    "The probability columns ({columns}) do not add up to 1 in {count:,} row(s) (first at row {row}: they add up to "
    "{total:.3f}). Give one column per class with the model's predict_proba output for every class (not only some "
    "classes, not raw scores or logits), or apply softmax before exporting."
)
CLASS_WITHOUT_PROBA = (
    "The label column {label!r} holds the class(es) {missing} but there is no probability column for them "
    "(probability columns: {have}). Add one per class, e.g. --proba-columns {example}=COLUMN, or name the columns "
    "PREFIX + class and give --proba-prefix PREFIX."
)
NAN_PREDICTIONS = (
    "The prediction column {name!r} is empty in {count:,} row(s) (first at row {row}). Every row needs the class the "
    "model chose: drop those rows, or leave out the prediction column and the class with the highest probability is used."
)
NAN_PROBABILITIES = (
    "The probability column {name!r} is empty or not a number in {count:,} row(s) (first at row {row}). "
    "Every row needs a probability for every class: drop those rows or re-export the model's output."
)
PREDICTION_NOT_A_CLASS = (
    "The prediction column {name!r} holds the class(es) {values}, which have no probability column "
    "(probability columns: {have}). Add their columns, or check that the prediction and probability columns match."
)
NO_PROBA_COLUMNS = (
    "No probability columns given. Name them with --proba-columns CLASS=COLUMN,... (in the widget: the probability "
    "columns), or with --proba-prefix PREFIX when they are called PREFIX + class (e.g. proba_billing)."
)
PREFIX_MATCHES_NOTHING = "No column starts with the prefix {prefix!r}. The table has: {available}."
TOO_FEW_CLASSES = "Routing needs at least two classes; the probability columns name only {have}."
ROUTING_CONSTRAINT_SYNTAX = (
    "Write a constraint as METRIC OP NUMBER, e.g. 'accuracy_automated>=0.95', 'automation_rate>=60%', "
    "'recall[billing]>=0.9', 'person_hours_per_day<=40' or 'cost_per_1000<=500'. METRIC is one of: {metrics}, "
    "or precision/recall/f1 of a class written as recall[CLASS]; OP is >=, <=, > or <."
)
SHARE_METRICS = ("automation_rate", "accuracy_automated", "manual_share", "macro_f1", "weighted_f1")
AMOUNT_METRICS = ("cost_per_1000", "person_hours_per_day", "manual_per_day")
CLASS_METRICS = ("precision", "recall", "f1")
_CONSTRAINT = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*(>=|<=|=>|=<|>|<|\u2265|\u2264)\s*"
    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$"
)
_OPS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "=>": ">=", "=<": "<=", "\u2265": ">=", "\u2264": "<="}
_ALIASES = {"accuracy": "accuracy_automated", "automation": "automation_rate", "macro_f1_score": "macro_f1",
            "person_hours": "person_hours_per_day", "hours_per_day": "person_hours_per_day"}


def _as_class(value: Any) -> str:
    """One class value as its name: ``1.0`` and ``1`` and ``"1"`` are the same class."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (np.generic,)):
        value = value.item()
    return str(value)


def class_names(values: Any) -> np.ndarray:
    """Class values as names (object array of str; missing values stay None); vectorised."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    s = s.reset_index(drop=True)
    missing = s.isna().to_numpy()
    if s.dtype.kind == "f":
        whole = ~missing & (np.mod(s.fillna(0).to_numpy(), 1) == 0)
        text = s.astype(str).to_numpy(dtype=object)
        text[whole] = s[whole].astype(np.int64).astype(str).to_numpy(dtype=object)
    elif s.dtype.kind in "biu":
        text = s.astype(str).to_numpy(dtype=object)
    else:
        text = s.astype(object).map(lambda v: v if isinstance(v, str) else _as_class(v)).to_numpy(dtype=object)
    text[missing] = None
    return text


def _codes(names: np.ndarray, index: Mapping[str, int], *, missing: int = -1, unknown: int = -2) -> np.ndarray:
    """Class names -> codes (``missing`` for None, ``unknown`` for a name with no class)."""
    codes = pd.Series(names, dtype=object).map(index)
    out = codes.fillna(unknown).to_numpy(dtype=np.int64)
    out[pd.isna(names)] = missing
    return out.astype(np.int32)


def _preview(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:limit])
    return shown + (", ..." if len(values) > limit else "")


@dataclass
class RoutingInputs:
    """Checked routing inputs: class names, the label (codes, -1 when missing), predicted codes, probabilities."""

    classes: list[str]
    y: np.ndarray | None
    pred: np.ndarray
    proba: np.ndarray
    proba_columns: dict[str, str]
    unknown_labels: dict[str, int] = field(default_factory=dict)
    """Label values with no probability column and how many rows hold them (only when ``unknown_labels='keep'``)."""


def _resolve_proba_columns(frame: pd.DataFrame, proba_columns: Mapping[str, str] | None, proba_prefix: str | None) -> dict[str, str]:
    if proba_columns:
        cols = {str(k): str(v) for k, v in dict(proba_columns).items()}
        missing = [c for c in cols.values() if c not in frame.columns]
        if missing:
            available = ", ".join(map(str, frame.columns[:40]))
            raise InputDataError(f"Probability column(s) {', '.join(map(repr, missing))} not found. The table has: {available}.")
        return cols
    if proba_prefix:
        cols = {str(c)[len(proba_prefix):]: str(c) for c in frame.columns if str(c).startswith(proba_prefix) and len(str(c)) > len(proba_prefix)}
        if not cols:
            raise InputDataError(PREFIX_MATCHES_NOTHING.format(prefix=proba_prefix, available=", ".join(map(str, frame.columns[:40]))))
        return cols
    raise InputDataError(NO_PROBA_COLUMNS)


def parse_proba_columns(text: str | None) -> dict[str, str] | None:
    """``"billing=p_billing,bug=p_bug"`` -> ``{"billing": "p_billing", "bug": "p_bug"}`` (for the CLI)."""
    if text is None:
        return None
    out: dict[str, str] = {}
    for part in [p for p in str(text).split(",") if p.strip()]:
        if "=" not in part:
            raise InputDataError(f"Could not read {part.strip()!r} in --proba-columns: write CLASS=COLUMN pairs separated by commas.")
        k, v = part.split("=", 1)
        if not k.strip() or not v.strip():
            raise InputDataError(f"Could not read {part.strip()!r} in --proba-columns: write CLASS=COLUMN pairs separated by commas.")
        out[k.strip()] = v.strip()
    if not out:
        raise InputDataError(NO_PROBA_COLUMNS)
    return out


def routing_inputs(
    frame: pd.DataFrame,
    *,
    label: str | None,
    prediction: str | None = None,
    proba_columns: Mapping[str, str] | None = None,
    proba_prefix: str | None = None,
    allow_missing_labels: bool = False,
    unknown_labels: str = "error",
) -> RoutingInputs:
    """Check and encode a table's label, prediction and per-class probability columns.

    ``unknown_labels='keep'`` (monitoring) counts label values with no probability column (a new ticket type)
    instead of refusing them; those rows get the label code -2.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputDataError("The routing data must be a table (a pandas DataFrame).")
    cols = _resolve_proba_columns(frame, proba_columns, proba_prefix)
    classes = list(cols)
    if len(classes) < 2:
        raise InputDataError(TOO_FEW_CLASSES.format(have=_preview(classes)))
    index = {c: i for i, c in enumerate(classes)}
    raw = frame[[cols[c] for c in classes]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(raw)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = np.flatnonzero(bad[:, j])
        raise InputDataError(NAN_PROBABILITIES.format(name=cols[classes[j]], count=len(rows), row=int(rows[0])))
    y = None
    extra: dict[str, int] = {}
    if label:
        if label not in frame.columns:
            raise InputDataError(f"Label column {label!r} not found. The table has: {', '.join(map(str, frame.columns[:40]))}.")
        names = class_names(frame[label])
        missing = pd.isna(names)
        if missing.any() and not allow_missing_labels:
            first = int(np.flatnonzero(missing)[0])
            raise InputDataError(
                f"The label column {label!r} is empty in {int(missing.sum()):,} rows (first at row {first}). "
                "Drop unlabeled rows first (labels that have not arrived yet belong in monitoring)."
            )
        y = _codes(names, index)
        unknown = pd.Series(names[y == -2], dtype=object).value_counts()
        if len(unknown) and unknown_labels != "keep":
            raise InputDataError(CLASS_WITHOUT_PROBA.format(label=label, missing=_preview(list(unknown.index)),
                                                            have=_preview(classes), example=unknown.index[0]))
        extra = {str(k): int(v) for k, v in unknown.items()}
    if (raw < -1e-9).any() or (raw > 1 + 1e-9).any():
        row = int(np.flatnonzero(((raw < -1e-9) | (raw > 1 + 1e-9)).any(axis=1))[0])
        total = float(raw[row].sum())
        raise InputDataError(PROBA_NOT_SUM_TO_ONE.format(columns=", ".join(cols.values()), count=int(((raw < 0) | (raw > 1)).any(axis=1).sum()),
                                                         row=row, total=total))
    totals = raw.sum(axis=1)
    off = np.abs(totals - 1) > SUM_TOLERANCE
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise InputDataError(PROBA_NOT_SUM_TO_ONE.format(columns=", ".join(cols.values()), count=int(off.sum()), row=row,
                                                         total=float(totals[row])))
    proba = np.clip(raw, 0, None) / totals[:, None]
    if prediction:
        if prediction not in frame.columns:
            raise InputDataError(f"Prediction column {prediction!r} not found. The table has: {', '.join(map(str, frame.columns[:40]))}.")
        names = class_names(frame[prediction])
        missing = pd.isna(names)
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            raise InputDataError(NAN_PREDICTIONS.format(name=prediction, count=int(missing.sum()), row=first))
        pred = _codes(names, index)
        if (pred < 0).any():
            unknown = sorted(set(names[pred < 0]))
            raise InputDataError(PREDICTION_NOT_A_CLASS.format(name=prediction, values=_preview(unknown), have=_preview(classes)))
    else:
        pred = np.argmax(proba, axis=1).astype(np.int32)
    return RoutingInputs(classes, y, pred, proba, cols, extra)


def routing_cost_matrix(costs: Mapping[str, Any] | None, classes: Sequence[str]) -> dict | None:
    """``{"misroute", "manual", "matrix"}`` with ``matrix[true, routed]`` the cost of one row (0 on the diagonal).

    ``costs`` is the record's ``routing_costs`` (or the widget's): ``misroute`` (any wrong class), ``manual`` (a person
    handles the row) and optional ``matrix`` overrides ``{true: {routed: cost}}``. ``None`` when there are no costs.
    """
    if not costs:
        return None
    k = len(classes)
    try:
        misroute = float(costs.get("misroute", 0.0) or 0.0)
        manual = float(costs.get("manual", 0.0) or 0.0)
    except (TypeError, ValueError):
        raise InputDataError("Costs must be numbers: the cost of a misroute and of a manual ticket.") from None
    if misroute < 0 or manual < 0 or not np.isfinite(misroute) or not np.isfinite(manual):
        raise InputDataError("Costs must be zero or more.")
    m = np.full((k, k), misroute)
    np.fill_diagonal(m, 0.0)
    index = {str(c).lower(): i for i, c in enumerate(classes)}
    for true, row in dict(costs.get("matrix") or {}).items():
        for routed, v in dict(row).items():
            if str(true).lower() not in index or str(routed).lower() not in index:
                raise InputDataError(f"The cost matrix names {true!r} -> {routed!r}; both must be classes ({_preview(list(classes), 12)}).")
            m[index[str(true).lower()], index[str(routed).lower()]] = float(v)
    return {"misroute": misroute, "manual": manual, "matrix": m}


def parse_routing_constraint(text: str | Constraint, classes: Sequence[str]) -> Constraint:
    """One routing constraint (``recall[billing]>=0.9``, ``accuracy_automated>=95%``) or a clear error."""
    if isinstance(text, Constraint):
        return text
    syntax = ROUTING_CONSTRAINT_SYNTAX.format(metrics=", ".join(SHARE_METRICS + AMOUNT_METRICS))
    if not isinstance(text, str) or not text.strip() or len(text) > 200:
        raise InputDataError(f"Could not read the constraint {str(text)[:60]!r}. {syntax}")
    m = _CONSTRAINT.match(text)
    if not m:
        raise InputDataError(f"Could not read the constraint {text.strip()!r}. {syntax}")
    name, cls, op, number, percent = m.groups()
    name = _ALIASES.get(name.lower(), name.lower())
    bound = float(number) / (100.0 if percent else 1.0)
    if cls is not None:
        if name not in CLASS_METRICS:
            raise InputDataError(f"In {text.strip()!r}, only precision, recall and f1 take a class in brackets. {syntax}")
        known = {c.lower(): c for c in classes}
        if cls.lower() not in known:
            raise InputDataError(f"In {text.strip()!r}, {cls!r} is not one of the classes ({_preview(list(classes), 12)}).")
        metric = f"{name}[{known[cls.lower()]}]"
    elif name in SHARE_METRICS or name in AMOUNT_METRICS:
        metric = name
    else:
        raise InputDataError(f"Unknown metric {name!r} in the constraint {text.strip()!r}. {syntax}")
    if (cls is not None or name in SHARE_METRICS) and not 0 <= bound <= 1:
        raise InputDataError(f"In {text.strip()!r}, {metric} is a share between 0 and 1; write {bound / 100:g} or {bound:g}% instead.")
    return Constraint(metric, _OPS[op], bound, text.strip())


def parse_routing_constraints(texts: Iterable[str] | str | None, classes: Sequence[str]) -> list[Constraint]:
    """Several routing constraints (a list, or one string separated by commas, semicolons or 'and')."""
    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [t for t in re.split(r",|;|\band\b", texts) if t.strip()]
    return [parse_routing_constraint(t, classes) for t in texts]


def _wilson(k: float, n: float) -> Estimate:
    if n <= 0:
        return Estimate(None, None, None, "wilson")
    lo, hi = wilson_interval(k, n)
    return Estimate(float(k / n), float(lo), float(hi), "wilson")


def _f1s(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall, F1 and support from confusion matrices ``(..., k, k)`` (NaN where undefined,
    F1 0 where the class has support but no correct row, as scikit-learn with zero_division=0)."""
    m = np.asarray(m, dtype=float)
    tp = np.diagonal(m, axis1=-2, axis2=-1)
    support = m.sum(axis=-1)
    predicted = m.sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / np.where(predicted > 0, predicted, 1), np.nan)
        recall = np.where(support > 0, tp / np.where(support > 0, support, 1), np.nan)
        den = support + predicted
        f1 = np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), np.nan)
    return precision, recall, f1, support


def _macro_weighted(f1: np.ndarray, support: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Macro F1 over the classes present (support or predictions) and support-weighted F1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        present = np.isfinite(f1)
        macro = np.where(present.sum(-1) > 0, np.nansum(f1, -1) / np.maximum(present.sum(-1), 1), np.nan)
        total = support.sum(-1)
        weighted = np.where(total > 0, np.nansum(np.nan_to_num(f1) * support, -1) / np.where(total > 0, total, 1), np.nan)
    return macro, weighted


@dataclass
class RoutingPoint:
    """Everything about one confidence threshold: the automated rows' confusion matrix and rates with intervals."""

    threshold: float
    n: int
    n_automated: int
    classes: list[str]
    matrix: np.ndarray
    """Counts on the automated rows: rows are the true class, columns the routed class (scikit-learn's layout)."""
    metrics: dict[str, Estimate]
    per_class: pd.DataFrame
    """One row per class: support, automated, precision, recall, f1 with their interval ends, automated_share."""
    person_hours_per_day: Estimate | None = None
    manual_per_day: Estimate | None = None
    cost_per_1000: Estimate | None = None
    currency: str = "EUR"
    unit: str = "tickets"
    constraints: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def constraints_satisfied(self) -> bool | None:
        return None if not self.constraints else all(c["satisfied"] for c in self.constraints)

    def value(self, metric: str) -> float:
        """A metric by its constraint name (``recall[billing]`` included)."""
        m = re.fullmatch(r"(precision|recall|f1)\[(.+)\]", metric)
        if m:
            return float(self.per_class.loc[m.group(2), m.group(1)])
        for name in ("person_hours_per_day", "manual_per_day", "cost_per_1000"):
            if metric == name:
                est = getattr(self, name)
                return float("nan") if est is None or est.value is None else float(est.value)
        est = self.metrics.get(metric)
        return float("nan") if est is None or est.value is None else float(est.value)

    def per_100(self) -> pd.DataFrame:
        """Out of every 100 automated rows of each true class, how many went to each class (rows sum to 100)."""
        m = self.matrix.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rows = np.where(m.sum(1, keepdims=True) > 0, 100 * m / np.maximum(m.sum(1, keepdims=True), 1), np.nan)
        return pd.DataFrame(rows, index=pd.Index(self.classes, name="true class"), columns=pd.Index(self.classes, name="routed to"))

    def summary(self) -> str:
        """The decision in one sentence, every number from this object."""
        a, acc = self.metrics["automation_rate"], self.metrics["accuracy_automated"]
        text = (
            f"At confidence {fmt.threshold(self.threshold)} the model routes {fmt.estimate(a.value, a.low, a.high)} of "
            f"{self.unit} automatically, and {fmt.estimate(acc.value, acc.low, acc.high)} of those go to the right class; "
            f"{fmt.percent(self.metrics['manual_share'].value)} go to a person"
        )
        if self.person_hours_per_day is not None and self.manual_per_day is not None:
            ph = self.person_hours_per_day
            text += (f" (about {fmt.count(self.manual_per_day.value)} {self.unit} a day, "
                     f"{fmt.estimate(ph.value, ph.low, ph.high, lambda x: fmt.number(x, 1))} person-hours a day)")
        text += "."
        if self.cost_per_1000 is not None:
            c = self.cost_per_1000
            text += (f" Cost per 1,000 {self.unit}: "
                     f"{fmt.estimate(c.value, c.low, c.high, lambda x: fmt.money(x, self.currency))}.")
        return text

    def natural_frequencies(self, per: int = 100) -> str:
        """Natural frequencies: 'Out of every 100 tickets: 72 routed automatically (69 right, 3 misrouted); 28 to a person.'"""
        if self.n == 0:
            return ""
        correct = int(np.trace(self.matrix))
        wrong = self.n_automated - correct
        manual = self.n - self.n_automated
        parts = [x * per / self.n for x in (correct, wrong, manual)]
        floors = [int(np.floor(v)) for v in parts]
        order = np.argsort([-(v - f) for v, f in zip(parts, floors)], kind="stable")
        for i in order[: per - sum(floors)]:
            floors[i] += 1
        c, w, m = floors
        return (f"Out of every {per:,} {self.unit}: {c + w:,} routed automatically ({c:,} to the right class, "
                f"{w:,} misrouted); {m:,} to a person.")

    def findings(self) -> list[str]:
        """Per-class lines worth reading: the weakest recall, classes the model never routes on its own."""
        out = []
        pc = self.per_class
        rec = pc["recall"].dropna()
        if len(rec):
            worst = rec.idxmin()
            r = pc.loc[worst]
            out.append(f"Weakest class: {worst} (recall {fmt.estimate(r['recall'], r['recall_low'], r['recall_high'])} "
                       f"on {fmt.count(r['automated'])} automated of {fmt.count(r['support'])}).")
        never = [c for c in self.classes if pc.loc[c, "support"] > 0 and pc.loc[c, "automated"] == 0]
        if never:
            out.append(f"Never routed automatically at this threshold: {', '.join(never)} (every one goes to a person).")
        return out + list(self.warnings)

    def to_json(self) -> dict:
        pc = self.per_class
        out: dict[str, Any] = {
            "task": "multiclass",
            "threshold": _f(self.threshold),
            "n": self.n,
            "n_automated": self.n_automated,
            "classes": list(self.classes),
            "confusion_matrix": self.matrix.astype(int).tolist(),
            "metrics": {k: v.to_json() for k, v in self.metrics.items()},
            "per_class": {
                c: {"support": int(pc.loc[c, "support"]), "automated": int(pc.loc[c, "automated"]),
                    **{m: {"value": _f(pc.loc[c, m]), "ci": [_f(pc.loc[c, f"{m}_low"]), _f(pc.loc[c, f"{m}_high"])]}
                       for m in ("precision", "recall")},
                    "f1": _f(pc.loc[c, "f1"])}
                for c in self.classes
            },
            "natural_frequencies": self.natural_frequencies(),
            "constraints": self.constraints,
            "constraints_satisfied": self.constraints_satisfied,
            "summary": self.summary(),
            "warnings": list(self.warnings),
        }
        if self.person_hours_per_day is not None:
            out["person_hours_per_day"] = self.person_hours_per_day.to_json()
            out["manual_per_day"] = self.manual_per_day.to_json()
        if self.cost_per_1000 is not None:
            out["cost_per_1000"] = self.cost_per_1000.to_json()
            out["currency"] = self.currency
        return out

    def __str__(self) -> str:
        lines = [self.summary(), self.natural_frequencies()]
        for k in ("macro_f1", "weighted_f1"):
            e = self.metrics[k]
            lines.append(f"  {k.replace('_', ' ')}: {fmt.estimate(e.value, e.low, e.high, lambda x: fmt.number(x, 3))}")
        lines += [f"  {x}" for x in self.findings()]
        for c in self.constraints:
            lines.append(f"  {'OK  ' if c['satisfied'] else 'FAIL'} {c['constraint']} (value {fmt.number(c['value'], 4)})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = self.per_class[["support", "automated", "precision", "recall", "f1"]].round(3).to_html(escape=True)
        return f"<p>{html.escape(self.summary())}</p>{table}"


def _f(x):
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


@dataclass
class RoutingBaseline:
    """A rule on the same axes as the model (automation rate, accuracy of the automated share)."""

    rule: str
    automation_rate: Estimate
    accuracy_automated: Estimate
    model_threshold_same_automation: float
    model_accuracy_same_automation: Estimate

    def verdict(self) -> str:
        r, m = self.accuracy_automated, self.model_accuracy_same_automation
        text = (
            f"The rule ({self.rule}) routes {fmt.percent(self.automation_rate.value)} automatically with "
            f"{fmt.estimate(r.value, r.low, r.high)} right. Routing as many (confidence "
            f"{fmt.threshold(self.model_threshold_same_automation)}), the model gets {fmt.estimate(m.value, m.low, m.high)} right."
        )
        if r.high is not None and m.low is not None and m.low > r.high:
            text += " The model is clearly better than the rule (the intervals do not overlap)."
        elif m.high is not None and r.low is not None and m.high < r.low:
            text += " The rule is better than the model at this automation rate: do we need ML?"
        else:
            text += " The difference is within the uncertainty: the rule may be enough."
        return text

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "automation_rate": self.automation_rate.to_json(),
            "accuracy_automated": self.accuracy_automated.to_json(),
            "model_at_same_automation": {"threshold": _f(self.model_threshold_same_automation),
                                         "accuracy_automated": self.model_accuracy_same_automation.to_json()},
            "verdict": self.verdict(),
        }


class Routing:
    """The confidence-threshold trade-off of a multiclass model; see the module docstring.

    Parameters
    ----------
    y_true : array-like
        True class per row (any values; matched to the probability columns by name).
    proba : DataFrame or array (n, k)
        Probability per class; a DataFrame's column names are the classes (else give ``classes``).
    prediction : array-like, optional
        The class the model chose; default the class with the highest probability.
    costs : mapping, optional
        ``misroute`` (cost of one row routed to a wrong class), ``manual`` (cost of a person handling one row),
        ``matrix`` (``{true_class: {routed_class: cost}}`` overriding ``misroute`` per pair).
    minutes_per_manual : float, optional
        Minutes a person spends on one row (for person-hours per day).
    volume_per_day : float, optional
        Rows per day in production.
    constraints : list of str, optional
        e.g. ``["accuracy_automated>=0.95", "recall[billing]>=0.9"]``.
    checkpoints : int
        Cumulative confusion matrices kept along the sorted rows (memory ``checkpoints * k * k``).
    """

    def __init__(
        self,
        y_true: Any,
        proba: Any,
        *,
        classes: Sequence[str] | None = None,
        prediction: Any = None,
        costs: Mapping[str, Any] | None = None,
        minutes_per_manual: float | None = None,
        volume_per_day: float | None = None,
        constraints: Iterable[str] | str | None = None,
        currency: str = "EUR",
        unit: str = "tickets",
        label_name: str = "label",
        prediction_name: str | None = None,
        checkpoints: int = 4096,
        _inputs: RoutingInputs | None = None,
    ) -> None:
        if _inputs is None:
            if isinstance(proba, pd.DataFrame):
                frame = proba.reset_index(drop=True).copy()
                names = [_as_class(c) for c in (classes or frame.columns)]
            else:
                arr = np.asarray(proba, dtype=float)
                if arr.ndim != 2:
                    raise InputDataError("The probabilities must be a table with one column per class.")
                if classes is None or len(classes) != arr.shape[1]:
                    raise InputDataError(f"Name the {arr.shape[1]} probability columns' classes (classes=[...]).")
                names = [_as_class(c) for c in classes]
                frame = pd.DataFrame(arr)
            frame.columns = [f"__p{i}" for i in range(frame.shape[1])]
            y = np.asarray(y_true.to_numpy() if isinstance(y_true, pd.Series) else y_true, dtype=object)
            if len(y) != len(frame):
                raise InputDataError(f"The labels have {len(y):,} rows but the probabilities {len(frame):,}; they must describe the same rows.")
            frame["__label"] = y
            pred_col = None
            if prediction is not None:
                p = np.asarray(prediction.to_numpy() if isinstance(prediction, pd.Series) else prediction, dtype=object)
                if len(p) != len(frame):
                    raise InputDataError(f"The predictions have {len(p):,} rows but the labels {len(frame):,}.")
                frame["__pred"] = p
                pred_col = "__pred"
            try:
                _inputs = routing_inputs(frame, label="__label", prediction=pred_col,
                                         proba_columns={n: f"__p{i}" for i, n in enumerate(names)})
            except InputDataError as exc:  # say the user's column names, not the internal ones
                msg = str(exc).replace("'__label'", repr(label_name)).replace("'__pred'", repr(prediction_name or "prediction"))
                for i, n in enumerate(names):
                    msg = msg.replace(f"__p{i}", f"proba[{n}]")
                raise InputDataError(msg) from None
        inp = _inputs
        if inp.y is None:
            raise InputDataError("Routing needs the true class of each row (a label column).")
        if (inp.y < 0).any():
            raise InputDataError("Some rows have no label or a label with no probability column; leave them out first.")
        self.inputs = inp
        self.classes = list(inp.classes)
        self.k = len(self.classes)
        self.n = int(len(inp.y))
        if self.n == 0:
            raise InputDataError("No rows to evaluate.")
        self.names = {"label": label_name, "prediction": prediction_name}
        self.currency = currency
        self.unit = unit
        self.volume_per_day = float(volume_per_day) if volume_per_day else None
        self.minutes_per_manual = float(minutes_per_manual) if minutes_per_manual else None
        self.costs = self._cost_matrix(costs)
        self.constraints = parse_routing_constraints(constraints, self.classes)
        for c in self.constraints:
            if c.metric == "cost_per_1000" and self.costs is None:
                raise InputDataError(f"The constraint {c.source!r} needs costs; give the cost of a misroute and of a manual ticket.")
            if c.metric in ("person_hours_per_day", "manual_per_day") and (self.volume_per_day is None or (
                    c.metric == "person_hours_per_day" and self.minutes_per_manual is None)):
                raise InputDataError(f"The constraint {c.source!r} needs the volume per day and the minutes a person spends per {unit[:-1] if unit.endswith('s') else unit}.")
        # One sort by confidence, highest first.
        self.confidence = inp.proba[np.arange(self.n), inp.pred]
        order = np.argsort(-self.confidence, kind="stable")
        self._conf_sorted = self.confidence[order]
        self._neg_sorted = -self._conf_sorted
        self._cell_sorted = (inp.y[order].astype(np.int64) * self.k + inp.pred[order]).astype(np.int64)
        g = max(1, min(int(checkpoints), self.n))
        self._step = int(np.ceil(self.n / g))
        bins = np.arange(self.n) // self._step
        nb = int(bins[-1]) + 1
        counts = np.bincount(bins * self.k * self.k + self._cell_sorted, minlength=nb * self.k * self.k)
        cum = np.cumsum(counts.reshape(nb, self.k * self.k), axis=0)
        self._cum = np.vstack([np.zeros((1, self.k * self.k), dtype=cum.dtype), cum])  # _cum[j]: first j*step rows
        self.support = np.bincount(inp.y, minlength=self.k)
        self.notes: list[str] = []
        rare = [self.classes[i] for i in range(self.k) if self.support[i] < SMALL_COUNT]
        if rare:
            self.notes.append(f"Fewer than {SMALL_COUNT} labeled rows for {', '.join(rare)}: their precision and recall "
                              "are too uncertain to decide on.")

    # -- construction -----------------------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        label: str,
        prediction: str | None = None,
        proba_columns: Mapping[str, str] | None = None,
        proba_prefix: str | None = None,
        **kwargs: Any,
    ) -> "Routing":
        """A :class:`Routing` from a table's columns (the path the widget and the CLI take)."""
        inputs = routing_inputs(frame, label=label, prediction=prediction, proba_columns=proba_columns, proba_prefix=proba_prefix)
        return cls(None, None, label_name=label, prediction_name=prediction, _inputs=inputs, **kwargs)

    def _cost_matrix(self, costs: Mapping[str, Any] | None) -> dict | None:
        return routing_cost_matrix(costs, self.classes)

    # -- lookups ------------------------------------------------------------------------------------------
    def n_automated(self, threshold: float) -> int:
        """Rows with ``confidence >= threshold`` (``O(log n)``)."""
        return int(np.searchsorted(self._neg_sorted, -float(threshold), side="right"))

    def matrix(self, threshold: float) -> np.ndarray:
        """The k x k confusion matrix of the automated rows (true class x routed class) at ``threshold``."""
        m = self.n_automated(threshold)
        j = m // self._step
        base = self._cum[j]
        start = j * self._step
        if m > start:
            base = base + np.bincount(self._cell_sorted[start:m], minlength=self.k * self.k)
        return base.reshape(self.k, self.k)

    def _threshold_for_rows(self, m: int) -> float:
        """The threshold that automates the ``m`` most confident rows (more when confidences tie)."""
        if m <= 0:
            return float(np.nextafter(self._conf_sorted[0], np.inf))
        hi = float(self._conf_sorted[min(m, self.n) - 1])
        lo = float(self._conf_sorted[m]) if m < self.n else -np.inf
        # the shortest decimal that automates the same rows: sentences say 0.25, not 0.24249805860397827
        return fmt.shortest_decimal_between(lo, hi) if lo < hi else hi

    def at(self, threshold: float, *, reps: int = 500, seed: int = 0) -> RoutingPoint:
        """Everything at one confidence threshold, with intervals (``reps`` bootstrap draws for F1 and cost)."""
        threshold = float(threshold)
        if not np.isfinite(threshold):
            raise InputDataError(f"The confidence threshold must be a number, not {threshold!r}.")
        mat = self.matrix(threshold)
        n_auto = int(mat.sum())
        correct = int(np.trace(mat))
        manual = self.n - n_auto
        metrics = {
            "automation_rate": _wilson(n_auto, self.n),
            "manual_share": _wilson(manual, self.n),
            "accuracy_automated": _wilson(correct, n_auto),
        }
        precision, recall, f1, sup_auto = _f1s(mat)
        macro, weighted = _macro_weighted(f1, sup_auto)
        rng = np.random.default_rng(seed)
        macro_lo = macro_hi = w_lo = w_hi = None
        if n_auto > 0 and reps:
            draws = rng.multinomial(n_auto, mat.ravel() / n_auto, size=reps).reshape(reps, self.k, self.k)
            _, _, bf1, bsup = _f1s(draws)
            # the classes of the point estimate in every draw: a class a draw happens to miss counts as F1 0 (as
            # scikit-learn's zero_division=0 with fixed labels), it does not leave the average and lift it
            bf1 = np.where(np.isfinite(f1), np.nan_to_num(bf1), np.nan)
            bm, bw = _macro_weighted(bf1, bsup)
            macro_lo, macro_hi = (float(x) for x in np.nanpercentile(bm, [2.5, 97.5]))
            w_lo, w_hi = (float(x) for x in np.nanpercentile(bw, [2.5, 97.5]))
        method = f"bootstrap ({reps} resamples)"
        metrics["macro_f1"] = Estimate(_f(macro), macro_lo, macro_hi, method)
        metrics["weighted_f1"] = Estimate(_f(weighted), w_lo, w_hi, method)
        tp = np.diag(mat)
        p_lo, p_hi = wilson_interval(tp, mat.sum(0))
        r_lo, r_hi = wilson_interval(tp, mat.sum(1))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.support > 0, mat.sum(1) / np.maximum(self.support, 1), np.nan)
        per_class = pd.DataFrame({
            "support": self.support, "automated": mat.sum(1), "automated_share": share,
            "precision": precision, "precision_low": p_lo, "precision_high": p_hi,
            "recall": recall, "recall_low": r_lo, "recall_high": r_hi, "f1": f1,
        }, index=pd.Index(self.classes, name="class"))
        point = RoutingPoint(threshold, self.n, n_auto, self.classes, mat, metrics, per_class, currency=self.currency, unit=self.unit)
        if self.volume_per_day:
            ms = metrics["manual_share"]
            v = self.volume_per_day
            point.manual_per_day = Estimate(ms.value * v, ms.low * v, ms.high * v, "wilson")
            if self.minutes_per_manual:
                h = v * self.minutes_per_manual / 60
                point.person_hours_per_day = Estimate(ms.value * h, ms.low * h, ms.high * h, "wilson")
        if self.costs is not None:
            point.cost_per_1000 = self._cost_estimate(mat, manual, reps, rng)
        if n_auto and n_auto < SMALL_COUNT:
            point.warnings.append(f"Only {n_auto} rows automated at this threshold: their accuracy is too uncertain to decide on.")
        point.constraints = [
            {"constraint": c.text, "value": _f(point.value(c.metric)), "satisfied": bool(c.satisfied(point.value(c.metric))),
             "shortfall": _f(c.shortfall(point.value(c.metric)))}
            for c in self.constraints
        ]
        return point

    def _cost_estimate(self, mat: np.ndarray, manual: int, reps: int, rng) -> Estimate:
        weights = np.append(self.costs["matrix"].ravel(), self.costs["manual"])
        cells = np.append(mat.ravel(), manual).astype(float)
        value = float(cells @ weights / self.n * 1000)
        if not reps:
            return Estimate(value, None, None, None)
        draws = rng.multinomial(self.n, cells / self.n, size=reps) @ weights / self.n * 1000
        lo, hi = np.percentile(draws, [2.5, 97.5])
        return Estimate(value, float(lo), float(hi), f"bootstrap ({reps} resamples)")

    # -- over all thresholds -------------------------------------------------------------------------------
    def grid(self, points: int = 201) -> np.ndarray:
        """Thresholds for a slider: confidence quantiles (distinct, ascending), ending where nothing is automated."""
        qs = np.unique(np.quantile(self.confidence, np.linspace(0, 1, max(2, points))))
        # Each cut as the shortest decimal that routes the same rows (between the confidence just below it and
        # it), so the slider, the sentences and the saved record show 0.6 rather than 0.6012348795.
        asc = np.sort(self.confidence)
        below = np.searchsorted(asc, qs, side="left")
        lows = np.where(below > 0, asc[np.clip(below - 1, 0, len(asc) - 1)], -np.inf)
        qs = np.unique([fmt.shortest_decimal_between(float(lo), float(q)) for lo, q in zip(lows, qs)])
        return np.append(qs, np.nextafter(qs[-1], np.inf))

    def curve(self, thresholds: Sequence[float] | None = None) -> pd.DataFrame:
        """Automation rate, accuracy of the automated share, F1, per-class precision/recall and cost per threshold."""
        ts = self.grid() if thresholds is None else np.asarray(thresholds, float)
        mats = np.stack([self.matrix(t) for t in ts]).astype(float)
        n_auto = mats.sum((1, 2))
        correct = np.trace(mats, axis1=1, axis2=2)
        precision, recall, f1, sup = _f1s(mats)
        macro, weighted = _macro_weighted(f1, sup)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = pd.DataFrame({
                "threshold": ts, "n_automated": n_auto.astype(int), "automation_rate": n_auto / self.n,
                "manual_share": 1 - n_auto / self.n,
                "accuracy_automated": np.where(n_auto > 0, correct / np.maximum(n_auto, 1), np.nan),
                "macro_f1": macro, "weighted_f1": weighted,
            })
        for i, c in enumerate(self.classes):
            out[f"precision[{c}]"] = precision[:, i]
            out[f"recall[{c}]"] = recall[:, i]
            out[f"f1[{c}]"] = f1[:, i]
        if self.volume_per_day:
            out["manual_per_day"] = out["manual_share"] * self.volume_per_day
            if self.minutes_per_manual:
                out["person_hours_per_day"] = out["manual_per_day"] * self.minutes_per_manual / 60
        if self.costs is not None:
            weights = self.costs["matrix"].ravel()
            out["cost_per_1000"] = (mats.reshape(len(ts), -1) @ weights + (self.n - n_auto) * self.costs["manual"]) / self.n * 1000
        return out

    @property
    def has_costs(self) -> bool:
        return self.costs is not None

    def recommended_threshold(self, thresholds: Sequence[float] | None = None) -> tuple[float, str]:
        """The threshold to start from, and why: lowest cost (or highest automation) meeting the constraints."""
        cur = self.curve(thresholds)
        ok = np.ones(len(cur), bool)
        for c in self.constraints:
            ok &= np.asarray(c.satisfied(cur[c.metric].to_numpy()))
        goal = "cost_per_1000" if self.has_costs else "automation_rate"
        words = "lowest cost per 1,000" if self.has_costs else "highest automation rate"
        if self.constraints and not ok.any():
            gap = sum(c.scaled_shortfall(cur[c.metric].to_numpy()) for c in self.constraints)
            i = int(np.argmin(gap))
            return float(cur["threshold"].iloc[i]), "no threshold meets every constraint: closest one"
        cand = cur[ok]
        i = cand[goal].idxmin() if self.has_costs else cand[goal].idxmax()
        reason = words + (" among the thresholds meeting the constraints" if self.constraints else "")
        return float(cur.loc[i, "threshold"]), reason

    def feasibility(self, thresholds: Sequence[float] | None = None) -> dict:
        """Which slider thresholds meet every constraint (lowest and highest), or none."""
        if not self.constraints:
            return {"feasible": None, "low": None, "high": None, "describe": "No constraints set."}
        cur = self.curve(thresholds)
        ok = np.ones(len(cur), bool)
        for c in self.constraints:
            ok &= np.asarray(c.satisfied(cur[c.metric].to_numpy()))
        names = " and ".join(c.text for c in self.constraints)
        if not ok.any():
            t, _ = self.recommended_threshold(thresholds)
            fails = [x for x in self.at(t, reps=0).constraints if not x["satisfied"]]
            miss = "; ".join(f"{x['constraint']} reaches {fmt.number(x['value'], 3)}" for x in fails)
            return {"feasible": False, "low": None, "high": None,
                    "describe": f"No threshold meets {names} on this data. Closest at {fmt.threshold(t)}: {miss}. "
                                "Relax a constraint, or improve the model."}
        ts = cur.loc[ok, "threshold"]
        lo, hi = float(ts.min()), float(ts.max())
        return {"feasible": True, "low": lo, "high": hi,
                "describe": f"{names} hold for some thresholds between {fmt.threshold(lo)} and {fmt.threshold(hi)}."}

    def baseline(self, rule_predictions: Any = None, *, rule: str | None = None) -> RoutingBaseline:
        """A rule on the same axes: the majority class for every row (default), or a rule's routing per row.

        ``rule_predictions`` holds the class a rule (a keyword rule, the queue the customer picked) routes each
        row to; empty values mean the rule does not decide and a person does.
        """
        if rule_predictions is None:
            majority = int(np.argmax(self.support))
            routed = np.full(self.n, majority)
            rule = rule or f"everything to {self.classes[majority]}, the most common class"
        else:
            names = class_names(pd.Series(np.asarray(rule_predictions, dtype=object)))
            if len(names) != self.n:
                raise InputDataError(f"The rule's routing has {len(names):,} rows but the labels {self.n:,}.")
            routed = _codes(names, {c: i for i, c in enumerate(self.classes)})
            if (routed == -2).any():
                unknown = sorted(set(names[routed == -2]))
                raise InputDataError(f"The rule routes to {_preview(unknown)}, which are not classes ({_preview(self.classes, 12)}).")
            rule = rule or "the given rule"
        decided = routed >= 0
        n_auto = int(decided.sum())
        correct = int((routed[decided] == self.inputs.y[decided]).sum())
        t = self._threshold_for_rows(n_auto)
        m = self.matrix(t)
        return RoutingBaseline(rule, _wilson(n_auto, self.n), _wilson(correct, n_auto), t,
                               _wilson(int(np.trace(m)), int(m.sum())))

    def record_values(self, point: RoutingPoint, *, baseline: RoutingBaseline | None = None, data_source: str | None = None,
                      summary: str | None = None, status: str = "decided") -> dict:
        """The record's ``metrics`` section fields for this threshold (``task: multiclass``)."""
        costs = None
        if self.costs is not None:
            m = self.costs["matrix"]
            overrides = {self.classes[i]: {self.classes[j]: float(m[i, j]) for j in range(self.k)
                                           if i != j and m[i, j] != self.costs["misroute"]} for i in range(self.k)}
            costs = {"currency": self.currency, "misroute": self.costs["misroute"], "manual": self.costs["manual"],
                     "matrix": {k: v for k, v in overrides.items() if v}}
        pc = point.per_class
        return {
            "status": status,
            "task": "multiclass",
            # binary fields a previous save may have left: they do not describe a routing decision
            "score_column": None, "positive_label": None, "confusion": None, "costs": None, "cost_per_month": None,
            "groups": [],
            "threshold": point.threshold,
            "chosen_metric": "cost" if self.has_costs else "automation_rate",
            "label_column": self.names["label"],
            "prediction_column": self.names["prediction"],
            "proba_columns": dict(self.inputs.proba_columns),
            "classes": list(self.classes),
            "data_source": data_source,
            "n_evaluated": self.n,
            "volume_per_day": self.volume_per_day,
            "minutes_per_manual": self.minutes_per_manual,
            "routing_costs": costs,
            "constraints": [c.text for c in self.constraints],
            "constraints_satisfied": point.constraints_satisfied,
            "confusion_matrix": {"classes": list(self.classes), "counts": point.matrix.astype(int).tolist()},
            "metrics": {k: v.to_record() for k, v in point.metrics.items()},
            "per_class": {c: {"support": int(pc.loc[c, "support"]), "automated": int(pc.loc[c, "automated"]),
                              "precision": {"value": _f(pc.loc[c, "precision"]), "low": _f(pc.loc[c, "precision_low"]),
                                            "high": _f(pc.loc[c, "precision_high"]), "method": "wilson"},
                              "recall": {"value": _f(pc.loc[c, "recall"]), "low": _f(pc.loc[c, "recall_low"]),
                                         "high": _f(pc.loc[c, "recall_high"]), "method": "wilson"}}
                          for c in self.classes},
            "person_hours_per_day": point.person_hours_per_day.to_record() if point.person_hours_per_day else None,
            "cost_per_1000": point.cost_per_1000.to_record() if point.cost_per_1000 else None,
            "natural_frequencies": {"sentence": point.natural_frequencies()},
            "baseline": baseline.to_json() if baseline is not None else None,
            "summary": summary or point.summary(),
        }

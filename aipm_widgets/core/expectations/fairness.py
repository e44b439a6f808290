"""The fairness audit: how a model's decisions at a threshold differ between groups of people.

For each group (or each intersection of two group columns) at the threshold, the audit measures

selection rate
    the share of the group the model selects (score >= threshold): shortlisted, flagged, approved;
TPR (true-positive rate)
    the share of the group's real positives it selects (qualified applicants shortlisted);
FPR (false-positive rate)
    the share of the group's real negatives it selects by mistake;
precision
    the share of the group's selections that are real positives,

each with a 95% Wilson interval, the difference and ratio against a reference group, and the
**four-fifths rule** (a group selected at under 80% of the reference group's rate is flagged, as in
the US EEOC's guideline). Summary gaps: the **demographic-parity difference** (largest minus smallest
selection rate) and the **equalized-odds difference** (the larger of the TPR and FPR gaps), as defined
by fairlearn (:mod:`fairlearn.metrics`; :meth:`FairnessData.fairlearn_check` computes them with
fairlearn itself and the tests hold the two equal).

Small groups get warnings instead of confident numbers: under 50 rows or under 10 positives the
group is too small to judge; an interval wider than 20 percentage points means the gap could be noise.

Examples
--------
>>> from aipm_widgets.core import demo
>>> df = demo.load_resume()
>>> audit = FairnessResult.from_frame(df, label="qualified", score="score", groups="gender",
...                                   threshold=0.5, reference="man")
>>> audit.four_fifths["group"], round(audit.four_fifths["ratio"], 2), audit.four_fifths["passed"]
('woman', 0.61, False)
>>> [w.group for w in audit.warnings if w.kind == "wide"]
['nonbinary']
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..text.format import as_number, count, estimate, interval, percent, points
from ..text.format import threshold as threshold_fmt
from ..io.inputs import binary_labels, group_labels, require_columns, same_length, scores
from ..stats.intervals import wilson_interval
from .verdicts import FAILS, FOUR_FIFTHS, INCONCLUSIVE, PASSES, REAL, four_fifths_phrase
from .verdicts import ratio_text as _ratio

__all__ = [
    "METRICS",
    "METRIC_NAMES",
    "FOUR_FIFTHS",
    "MIN_GAP",
    "gap_verdict",
    "four_fifths_phrase",
    "four_fifths_verdict",
    "SMALL_GROUP_ROWS",
    "SMALL_GROUP_POSITIVES",
    "WIDE_INTERVAL",
    "GroupRates",
    "GroupWarning",
    "FairnessData",
    "FairnessResult",
    "prepare",
    "SINGLE_GROUP",
    "TOO_MANY_GROUPS",
    "TOO_MANY_GROUP_COLUMNS",
    "UNKNOWN_REFERENCE",
]

METRICS = ("selection_rate", "tpr", "fpr", "fnr", "precision")
METRIC_NAMES = {
    "selection_rate": "selection rate",
    "tpr": "true-positive rate (TPR)",
    "fpr": "false-positive rate (FPR)",
    "fnr": "false-negative rate (FNR)",
    "precision": "precision",
}
METRIC_MEANING = {
    "selection_rate": "of all its rows, the share selected",
    "tpr": "of its real positives, the share selected",
    "fpr": "of its real negatives, the share selected by mistake",
    "fnr": "of its real positives, the share missed",
    "precision": "of its selections, the share that are real positives",
}
MIN_GAP = 0.05
"""Gaps between groups smaller than 5 percentage points are not reported as findings."""
Z95 = 1.959964
SMALL_GROUP_ROWS = 50
SMALL_GROUP_POSITIVES = 10
WIDE_INTERVAL = 0.20
"""An interval wider than this (20 points): the group's numbers are uncertain; gaps are judged by their intervals."""
MAX_GROUPS = 60
INTERSECTION_SEP = " × "

SINGLE_GROUP = (
    "The group column {name!r} holds only one group ({value!r}) in these {n} rows: a fairness audit compares "
    "groups. Pick a column with two or more groups (e.g. gender, age band), or check that the data is not filtered."
)
TOO_MANY_GROUPS = (
    "The group column(s) {name} make {k} groups (more than {limit}): that looks like an identifier or a number, "
    "not a group. Pick a categorical column, or bin numbers into bands first."
)
TOO_MANY_GROUP_COLUMNS = "Pick one or two group columns (two give their intersections), not {k}."
UNKNOWN_REFERENCE = "The reference group {reference!r} is not in the data; the groups are {groups}."


@dataclass(frozen=True)
class GroupWarning:
    """Why a group's numbers need care: ``kind`` is small, wide, no_positives, no_negatives or none_selected."""

    group: str
    kind: str
    message: str


@dataclass(frozen=True)
class GroupRates:
    """One group's counts and rates at the threshold, with 95% Wilson intervals (NaN when undefined)."""

    group: str
    n: int
    positives: int
    selected: int
    tp: int
    fp: int
    tn: int
    fn: int
    rates: dict[str, float]
    ci: dict[str, tuple[float, float]]

    @property
    def negatives(self) -> int:
        return self.n - self.positives

    @property
    def small(self) -> bool:
        """Under 50 rows or under 10 positives: too small to judge (every verdict on it is inconclusive)."""
        return self.n < SMALL_GROUP_ROWS or 0 < self.positives < SMALL_GROUP_POSITIVES

    def denominator(self, metric: str) -> int:
        """How many rows a rate is measured on (rows, positives, negatives or selections)."""
        return {"selection_rate": self.n, "tpr": self.positives, "fnr": self.positives, "fpr": self.negatives,
                "precision": self.selected}[metric]


def _nan_to_none(x: Any) -> Any:
    """JSON-ready: NaN becomes None, floats keep 6 decimals (plenty for rates)."""
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(x) else round(float(x), 6)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _fmt(x: float, digits: int = 1) -> str:
    return percent(x, digits)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pts(x: Any) -> str:
    v = as_number(x)
    return "n/a" if v is None else f"{v * 100:+.1f}"


def _need(rows: int | None, group: str) -> str:
    if rows is None:
        return f"more rows of the {group} group alone would not settle it (the reference group's own rate is uncertain)"
    return f"need about {count(rows)} more rows of the {group} group"


def _source(src: dict[str, Any], groups: list["GroupRates"]) -> str:
    """Where a summary gap comes from, in words: which rate, which two groups, and whether one is small."""
    if not src:
        return ""
    metric = METRIC_NAMES[src["metric"]]
    text = f": the {metric} of {src['high']} ({_fmt(src['high_rate'])}) against {src['low']} ({_fmt(src['low_rate'])})"
    by = {g.group: g for g in groups}
    if src.get("from_smallest"):
        name = src["smallest"]
        note = "too small to judge" if by[name].small else "so this gap is the least certain"
        text += f"; {name} is the smallest group ({count(by[name].n)} rows), {note}"
    return text


def _round_up(n: float) -> int:
    """A row count rounded up to two significant figures ("about 1,300 more rows")."""
    n = max(int(math.ceil(n)), 1)
    if n < 100:
        return n
    step = 10 ** (len(str(n)) - 2)
    return int(math.ceil(n / step) * step)


def _var(k: float, d: float) -> float:
    # Agresti-Coull-adjusted proportion, so a rate of 0 or 1 still has a planning variance.
    p = (k + 2) / (d + 4)
    return p * (1 - p)


def rows_to_settle_gap(g: "GroupRates", ref: "GroupRates", metric: str, gap: float) -> int | None:
    """About how many more rows of group ``g`` would make a gap of ``gap`` show clearly (its 95% interval
    excluding zero), if the rates stay as measured and the reference group stays as it is.

    A planning figure (normal approximation), rounded up to two significant figures; None when more rows of
    ``g`` alone cannot settle it (the reference group's own uncertainty is already larger than the gap).
    """
    if not math.isfinite(gap) or gap == 0:
        return None
    dg, dr = g.denominator(metric), ref.denominator(metric)
    kg, kr = g.rates[metric] * dg if dg else 0.0, ref.rates[metric] * dr if dr else 0.0
    room = (abs(gap) / Z95) ** 2 - _var(kr, dr) / max(dr, 1)
    if room <= 0:
        return None
    need_units = _var(kg, dg) / room  # rows of the metric's denominator (positives for TPR, ...)
    share = dg / g.n if g.n and dg else (g.positives / g.n if metric in ("tpr", "fnr") and g.n else 0.0)
    if share <= 0:
        return None
    more = max(need_units - dg, 0) / share
    # A small group also needs enough rows and positives to be judged at all.
    pos_share = g.positives / g.n if g.n else 0.0
    floor = max(SMALL_GROUP_ROWS - g.n, (SMALL_GROUP_POSITIVES - g.positives) / pos_share if pos_share else 0, 0)
    return _round_up(max(more, floor, 1))


def rows_to_settle_ratio(g: "GroupRates", ref: "GroupRates", rule: float = 0.8) -> int | None:
    """About how many more rows of group ``g`` would put the selection-rate ratio's 95% (Katz) interval
    clearly on one side of ``rule``; None when the ratio sits on the line or the reference limits it."""
    a, n1, c, n2 = max(g.selected, 0.5), g.n, max(ref.selected, 0.5), ref.n
    if n1 <= 0 or n2 <= 0:
        return None
    rr = (a / n1) / (c / n2)
    dist = abs(math.log(rr) - math.log(rule))
    if dist == 0:
        return None
    room = (dist / Z95) ** 2 - max(1 / c - 1 / n2, 0.0)
    if room <= 0:
        return None
    k = max(1 / a - 1 / n1, 1e-12) / room  # the factor group g must grow by
    pos_share = g.positives / g.n if g.n else 0.0
    floor = max(SMALL_GROUP_ROWS - g.n, (SMALL_GROUP_POSITIVES - g.positives) / pos_share if pos_share else 0, 0)
    return _round_up(max((k - 1) * n1, floor, 1))


def gap_verdict(low: float, high: float, *, small: bool = False) -> str:
    """``"not noise"`` when the gap's 95% interval excludes zero (and the group is big enough to judge),
    ``"inconclusive"`` otherwise (an interval touching zero is inconclusive), ``"n/a"`` without an interval."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    if small:
        return INCONCLUSIVE
    return REAL if (low > 0 or high < 0) else INCONCLUSIVE


def four_fifths_verdict(low: float, high: float, *, small: bool = False, rule: float = 0.8) -> str:
    """``"fails"`` only when the whole 95% interval of the ratio is below the rule, ``"passes"`` when it is
    all at or above it, ``"inconclusive"`` when it straddles the rule, is missing, or the group is too small."""
    if small or not (math.isfinite(low) and math.isfinite(high)):
        return INCONCLUSIVE
    if high < rule:
        return FAILS
    if low >= rule:
        return PASSES
    return INCONCLUSIVE


def _ratio_interval(a: int, n1: int, c: int, n2: int, z: float = 1.959964) -> tuple[float, float]:
    """95% interval for the ratio of two proportions (a/n1) / (c/n2), Katz log method."""
    if min(a, c) <= 0 or min(n1, n2) <= 0:
        return (math.nan, math.nan)
    rr = (a / n1) / (c / n2)
    se = math.sqrt(max(1 / a - 1 / n1 + 1 / c - 1 / n2, 0.0))
    return (rr * math.exp(-z * se), rr * math.exp(z * se))


def _group_rates(group: str, sorted_scores: np.ndarray, sorted_y: np.ndarray, cum_pos: np.ndarray, threshold: float) -> GroupRates:
    # Scores are sorted ascending; everything from the first index with score >= threshold is selected.
    n = len(sorted_scores)
    start = int(np.searchsorted(sorted_scores, threshold, side="left"))
    positives = int(cum_pos[-1])
    pos_below = int(cum_pos[start])
    tp = positives - pos_below
    selected = n - start
    fp = selected - tp
    fn = positives - tp
    tn = n - positives - fp
    k = np.array([selected, tp, fp, fn, tp], dtype=float)
    d = np.array([n, positives, n - positives, positives, selected], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        vals = np.where(d > 0, k / np.where(d > 0, d, 1), np.nan)
    low, high = wilson_interval(k, d)
    rates = {m: float(v) for m, v in zip(METRICS, vals)}
    ci = {m: (float(lo), float(hi)) for m, lo, hi in zip(METRICS, low, high)}
    return GroupRates(group, n, positives, selected, tp, fp, tn, fn, rates, ci)


@dataclass
class FairnessResult:
    """The audit at one threshold: per-group rates with intervals, comparisons, summary gaps and warnings.

    Build it with :meth:`from_predictions` (arrays) or :meth:`from_frame` (a table); a widget that moves
    the threshold uses :func:`prepare` once and :meth:`FairnessData.at` per move.
    """

    threshold: float
    group_columns: list[str]
    reference: str
    groups: list[GroupRates]
    demographic_parity_difference: float
    equalized_odds_difference: float
    four_fifths: dict[str, Any]
    comparisons: dict[str, dict[str, dict[str, float]]]
    warnings: list[GroupWarning] = field(default_factory=list)
    reference_reason: str = ""
    demographic_parity_source: dict[str, Any] = field(default_factory=dict)
    equalized_odds_source: dict[str, Any] = field(default_factory=dict)

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        groups: Any,
        *,
        threshold: float,
        reference: str | None = None,
        positive: Any = None,
        group_names: Sequence[str] | None = None,
        use_fairlearn: bool = True,
    ) -> "FairnessResult":
        """Audit scores against true labels for each group at ``threshold``.

        Parameters
        ----------
        y_true : array-like
            True labels (0/1, booleans, or two values with ``positive`` naming the positive one).
        y_score : array-like
            The model's scores; a row is selected when its score is >= ``threshold``.
        groups : array-like, DataFrame or dict of arrays
            One group column, or two (their intersections are audited).
        threshold : float
        reference : str, optional
            The group others are compared with (default: the largest group).
        use_fairlearn : bool
            Compute the demographic-parity and equalized-odds differences with fairlearn (the summary
            gaps from the counts are identical when every group has positives and negatives).

        Examples
        --------
        >>> r = FairnessResult.from_predictions([1, 0, 1, 0, 1, 0], [.9, .2, .8, .7, .3, .1],
        ...                                     ["a", "a", "a", "b", "b", "b"], threshold=0.5)
        >>> [round(g.rates["selection_rate"], 2) for g in r.groups]
        [0.67, 0.33]
        """
        data = prepare(y_true, y_score, groups, positive=positive, group_names=group_names)
        result = data.at(threshold, reference=reference)
        if use_fairlearn and data.fairlearn_applicable:
            check = data.fairlearn_check(threshold)
            result.demographic_parity_difference = check["demographic_parity_difference"]
            result.equalized_odds_difference = check["equalized_odds_difference"]
        return result

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        label: str,
        score: str,
        groups: str | Sequence[str],
        threshold: float,
        reference: str | None = None,
        positive: Any = None,
        use_fairlearn: bool = True,
    ) -> "FairnessResult":
        """Audit the columns of a table (``groups`` is one column name or two)."""
        cols = [groups] if isinstance(groups, str) else list(groups)
        require_columns(frame, [label, score, *cols])
        return cls.from_predictions(
            frame[label], frame[score], frame[cols], threshold=threshold, reference=reference, positive=positive,
            use_fairlearn=use_fairlearn,
        )

    @classmethod
    def from_estimator(cls, estimator: Any, X: Any, y: Any, groups: Any, *, threshold: float, **kwargs: Any) -> "FairnessResult":
        """Score ``X`` with ``estimator.predict_proba`` and hand off to :meth:`from_predictions`."""
        proba = np.asarray(estimator.predict_proba(X))
        return cls.from_predictions(y, proba[:, -1], groups, threshold=threshold, **kwargs)

    # ----- reading ------------------------------------------------------------------------------
    def group(self, name: str) -> GroupRates:
        for g in self.groups:
            if g.group == name:
                return g
        raise KeyError(name)

    @property
    def flagged_groups(self) -> list[str]:
        """Groups failing the four-fifths rule against the reference."""
        return [g for g, c in self.comparisons.items() if c["selection_rate"].get("four_fifths_passed") is False]

    def findings(self) -> list[str]:
        """The audit's conclusions in plain sentences (the start of the team's write-up).

        Every number in them is a field of this result written through :mod:`aipm_widgets.core.text.format`;
        a gap is called "not noise" and the four-fifths rule "fails" only when the 95% interval excludes the
        line; otherwise the sentence says "inconclusive" with about how many more rows would settle it.
        """
        out = [f"Each group is compared with the reference group, {self.reference}: {self.reference_reason}."
               if self.reference_reason else f"Each group is compared with the reference group, {self.reference}."]
        ref = self.group(self.reference)
        cols = " and ".join(self.group_columns)
        thr = threshold_fmt(self.threshold)
        for g in self.groups:
            if g.group == self.reference:
                continue
            c = self.comparisons[g.group]["selection_rate"]
            verdict = c.get("four_fifths_verdict")
            if verdict is None or not (verdict == FAILS or (verdict == INCONCLUSIVE and c["ratio"] < FOUR_FIFTHS)):
                continue
            lo, hi = c.get("ratio_low", math.nan), c.get("ratio_high", math.nan)
            span = f" (95% interval {interval(lo, hi, _ratio)})" if math.isfinite(lo) else " (no interval)"
            said = (f"at threshold {thr} the model selects {_fmt(g.rates['selection_rate'])} of the {g.group} group against "
                    f"{_fmt(ref.rates['selection_rate'])} of the {self.reference} group, a ratio of {_ratio(c['ratio'])}{span}")
            if verdict == FAILS:
                out.append(f"Four-fifths rule fails for {g.group}: {said}, wholly below {_ratio(FOUR_FIFTHS)}.")
            else:
                out.append(f"Four-fifths rule inconclusive for {g.group}: {said}; "
                           + (f"{g.group} is too small to judge" if (g.small or ref.small) else
                              f"the interval includes {_ratio(FOUR_FIFTHS)}")
                           + f": {_need(c.get('four_fifths_rows_needed'), g.group)}.")
        for g in self.groups:
            if g.group == self.reference:
                continue
            for m in ("selection_rate", "tpr", "fpr", "precision"):
                c = self.comparisons[g.group][m]
                d = c["difference"]
                if not math.isfinite(d) or abs(d) < MIN_GAP:
                    continue
                lo, hi = c["difference_low"], c["difference_high"]
                text = (f"{_cap(METRIC_NAMES[m])} differs by {points(abs(d))}: {_fmt(g.rates[m])} for {g.group} "
                        f"against {_fmt(ref.rates[m])} for {self.reference} ({METRIC_MEANING[m]})")
                if m == "tpr":
                    text += (f"; so the false-negative rate (FNR, {METRIC_MEANING['fnr']}) is {_fmt(g.rates['fnr'])} "
                             f"against {_fmt(ref.rates['fnr'])}")
                gap = f"95% interval of the gap from {_pts(lo)} to {_pts(hi)} points"
                if c["verdict"] == REAL:
                    text += f"; {gap}, which excludes zero: not noise."
                elif g.small or ref.small:
                    text += f"; {gap}, and {g.group if g.small else self.reference} is too small to judge: inconclusive, {_need(c.get('rows_needed'), g.group)}."
                else:
                    text += f"; {gap}, which includes zero: inconclusive, {_need(c.get('rows_needed'), g.group)}."
                out.append(text)
        out.append(
            f"Across {cols} groups the selection rates differ by up to {points(self.demographic_parity_difference)} "
            f"(demographic-parity difference{_source(self.demographic_parity_source, self.groups)}) and the error rates "
            f"by up to {points(self.equalized_odds_difference)} "
            f"(equalized-odds difference{_source(self.equalized_odds_source, self.groups)})."
        )
        out.extend(w.message for w in self.warnings)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per group: n, positives, each metric with its interval, and the ratio to the reference."""
        rows = []
        for g in self.groups:
            row: dict[str, Any] = {"group": g.group, "n": g.n, "positives": g.positives, "selected": g.selected}
            for m in METRICS:
                row[m] = g.rates[m]
                row[f"{m}_low"], row[f"{m}_high"] = g.ci[m]
            comp = self.comparisons.get(g.group, {}).get("selection_rate", {})
            row["selection_ratio"] = comp.get("ratio", math.nan)
            row["four_fifths_passed"] = comp.get("four_fifths_passed")
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN becomes None): the CLI's ``--json`` and the record's ``ethics.fairness``."""
        groups = []
        for g in self.groups:
            groups.append(
                {
                    "group": g.group,
                    "n": g.n,
                    "positives": g.positives,
                    "selected": g.selected,
                    "confusion": {"tp": g.tp, "fp": g.fp, "tn": g.tn, "fn": g.fn},
                    **{m: _nan_to_none(g.rates[m]) for m in METRICS},
                    "ci": {m: [_nan_to_none(lo), _nan_to_none(hi)] for m, (lo, hi) in g.ci.items()},
                }
            )
        comparisons = {
            name: {m: {k: _nan_to_none(v) for k, v in d.items()} for m, d in comp.items()}
            for name, comp in self.comparisons.items()
        }
        return {
            "threshold": self.threshold,
            "group_columns": list(self.group_columns),
            "reference": self.reference,
            "reference_reason": self.reference_reason,
            "groups": groups,
            "comparisons": comparisons,
            "demographic_parity_difference": _nan_to_none(self.demographic_parity_difference),
            "equalized_odds_difference": _nan_to_none(self.equalized_odds_difference),
            "demographic_parity_source": {k: _nan_to_none(v) for k, v in self.demographic_parity_source.items()},
            "equalized_odds_source": {k: _nan_to_none(v) for k, v in self.equalized_odds_source.items()},
            "four_fifths": {k: _nan_to_none(v) for k, v in self.four_fifths.items()},
            "warnings": [{"group": w.group, "kind": w.kind, "message": w.message} for w in self.warnings],
            "findings": self.findings(),
        }

    def __str__(self) -> str:
        lines = [f"Fairness audit at threshold {threshold_fmt(self.threshold)} by {' × '.join(self.group_columns)} "
                 f"(reference {self.reference}: {self.reference_reason or 'chosen'})"]
        for g in self.groups:
            lo, hi = g.ci["selection_rate"]
            lines.append(
                f"  {g.group}: {count(g.n)} rows, selection rate {estimate(g.rates['selection_rate'], lo, hi)}, "
                + ", ".join(f"{m.upper()} {_fmt(g.rates[m])}" for m in ("tpr", "fpr", "fnr"))
                + f", precision {_fmt(g.rates['precision'])}"
            )
        ff = self.four_fifths
        if ff.get("ratio") is not None and math.isfinite(ff["ratio"]):
            lines.append(f"  four-fifths rule: {four_fifths_phrase(ff)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self) -> str:
        """The per-group table as HTML (every group name escaped)."""
        e = html.escape
        from ..text.glossary import term

        keys = {"selection_rate": "selection_rate", "tpr": "tpr", "fpr": "fpr", "fnr": "fnr", "precision": "precision"}
        head = "".join(f"<th>{term(keys[m], METRIC_NAMES[m])}</th>" for m in METRICS)
        rows = []
        for g in self.groups:
            cells = []
            for m in METRICS:
                lo, hi = g.ci[m]
                cells.append(
                    f"<td><b>{_fmt(g.rates[m])}</b><br><span style='color:#666;font-size:11px'>{interval(lo, hi)}</span></td>"
                )
            comp = self.comparisons.get(g.group, {}).get("selection_rate", {})
            if g.group == self.reference:
                verdict = "<td>reference</td>"
            elif comp.get("four_fifths_verdict") == FAILS:
                verdict = (f"<td style='color:#8a1c1c;font-weight:600'>{_ratio(comp['ratio'])} ✗ fails<br><span "
                           f"style='font-weight:400;font-size:11px'>{interval(comp['ratio_low'], comp['ratio_high'], _ratio)}</span></td>")
            elif comp.get("four_fifths_verdict") == INCONCLUSIVE:
                verdict = (f"<td style='color:#7a4d00'>{_ratio(comp['ratio'])} ? inconclusive<br><span style='font-size:11px'>"
                           f"{e(interval(comp.get('ratio_low'), comp.get('ratio_high'), _ratio))}</span></td>")
            elif comp.get("ratio") is not None and math.isfinite(comp.get("ratio", math.nan)):
                verdict = (f"<td style='color:#1e5e2f'>{_ratio(comp['ratio'])} ✓ passes<br><span style='font-size:11px'>"
                           f"{interval(comp['ratio_low'], comp['ratio_high'], _ratio)}</span></td>")
            else:
                verdict = "<td>n/a</td>"
            warn = "".join(f" ⚠ {e(w.kind.replace('_', ' '))}" for w in self.warnings if w.group == g.group)
            rows.append(
                f"<tr><td><b>{e(g.group)}</b><span style='color:#7a4d00'>{warn}</span></td><td>{count(g.n)}</td>"
                f"<td>{count(g.positives)}</td>{''.join(cells)}{verdict}</tr>"
            )
        return (
            "<style>.aipm-fairness-table td,.aipm-fairness-table th{padding:4px 10px;text-align:left;"
            "border-bottom:1px solid #eee;vertical-align:top}</style>"
            "<table class='aipm-fairness-table' style='border-collapse:collapse'>"
            f"<thead><tr><th>group</th><th>rows</th><th>positives</th>{head}<th>selection ratio vs {e(self.reference)} ({term('four_fifths')})</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<div style='font-size:11px;color:#555'>Bold: measured rate. Below it: 95% {term('wilson', 'Wilson score interval')}. "
            "The ratio passes or fails the four-fifths rule only when its whole interval is on one side of 0.80.</div>"
        )


@dataclass
class FairnessData:
    """Validated labels, scores and groups, sorted once per group so any threshold is a fast lookup."""

    group_columns: list[str]
    names: list[str]
    _sorted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    y: np.ndarray
    s: np.ndarray
    g: np.ndarray

    @property
    def fairlearn_applicable(self) -> bool:
        """fairlearn's TPR/FPR need positives and negatives in every group."""
        return all(0 < int(cp[-1]) < len(ss) for ss, _, cp in self._sorted.values())

    def sizes(self) -> dict[str, int]:
        return {k: len(v[0]) for k, v in self._sorted.items()}

    def default_reference(self) -> str:
        sizes = self.sizes()
        return max(self.names, key=lambda k: (sizes[k], k))

    def at(self, threshold: float, *, reference: str | None = None) -> FairnessResult:
        """The audit at ``threshold`` (a binary search per group)."""
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise InputDataError(f"The threshold must be a number, not {threshold!r}.") from None
        if not math.isfinite(threshold):
            raise InputDataError(f"The threshold must be a finite number, not {threshold!r}.")
        chose_default = reference is None
        if reference is None:
            reference = self.default_reference()
        elif reference not in self._sorted:
            raise InputDataError(UNKNOWN_REFERENCE.format(reference=reference, groups=", ".join(map(repr, self.names))))
        groups = [_group_rates(name, *self._sorted[name], threshold) for name in self.names]
        by = {g.group: g for g in groups}
        ref = by[reference]
        comparisons: dict[str, dict[str, dict[str, float]]] = {}
        for g in groups:
            comp: dict[str, dict[str, float]] = {}
            for m in METRICS:
                a, b = g.rates[m], ref.rates[m]
                (alo, ahi), (blo, bhi) = g.ci[m], ref.ci[m]
                diff = a - b
                # Newcombe's interval for a difference of proportions, from the two Wilson intervals.
                dlo = diff - math.sqrt((a - alo) ** 2 + (bhi - b) ** 2)
                dhi = diff + math.sqrt((ahi - a) ** 2 + (b - blo) ** 2)
                ratio = a / b if b and math.isfinite(b) and b > 0 else math.nan
                comp[m] = {"difference": diff, "difference_low": dlo, "difference_high": dhi, "ratio": ratio}
            sel = comp["selection_rate"]
            sel["ratio_low"], sel["ratio_high"] = _ratio_interval(g.selected, g.n, ref.selected, ref.n)
            if g.group != reference:
                small = g.small or ref.small
                for m in METRICS:
                    c = comp[m]
                    c["verdict"] = gap_verdict(c["difference_low"], c["difference_high"], small=small)
                    c["rows_needed"] = (rows_to_settle_gap(g, ref, m, c["difference"])
                                        if c["verdict"] == INCONCLUSIVE else None)
                if math.isfinite(sel["ratio"]):
                    verdict = four_fifths_verdict(sel["ratio_low"], sel["ratio_high"], small=small)
                    sel["four_fifths_verdict"] = verdict
                    sel["four_fifths_passed"] = {FAILS: False, PASSES: True}.get(verdict)
                    sel["four_fifths_rows_needed"] = rows_to_settle_ratio(g, ref) if verdict == INCONCLUSIVE else None
            comparisons[g.group] = comp
        warnings = _warnings(groups, threshold)
        dpd, eod = _summary_gaps(groups)
        others = [(comparisons[g.group]["selection_rate"]["ratio"], g.group) for g in groups if g.group != reference]
        others = [(r, name) for r, name in others if math.isfinite(r)]
        if others:
            # The group the card speaks of: the lowest ratio among failing groups, else among inconclusive ones.
            order = {FAILS: 0, INCONCLUSIVE: 1, PASSES: 2}
            ratio, worst = min(others, key=lambda rn: (order[comparisons[rn[1]]["selection_rate"]["four_fifths_verdict"]], rn))
            sel = comparisons[worst]["selection_rate"]
            four_fifths = {
                "ratio": ratio, "passed": sel["four_fifths_passed"], "verdict": sel["four_fifths_verdict"],
                "group": worst, "reference": reference, "ratio_low": sel["ratio_low"], "ratio_high": sel["ratio_high"],
                "rule": FOUR_FIFTHS, "rows_needed": sel["four_fifths_rows_needed"],
            }
        else:
            four_fifths = {"ratio": math.nan, "passed": None, "verdict": "n/a", "group": None, "reference": reference,
                           "rule": FOUR_FIFTHS}
            warnings.append(
                GroupWarning(reference, "no_selections", f"The reference group {reference!r} has no selections at this "
                             "threshold, so selection-rate ratios cannot be computed. Lower the threshold or pick another reference.")
            )
        largest = self.default_reference()
        if chose_default:
            reason = f"the largest group ({count(ref.n)} rows), chosen by default"
        elif reference == largest:
            reason = f"the largest group ({count(ref.n)} rows)"
        else:
            reason = f"chosen by the team ({count(ref.n)} rows; the largest group is {largest})"
        result = FairnessResult(threshold, list(self.group_columns), reference, groups, dpd, eod, four_fifths, comparisons,
                                warnings)
        result.reference_reason = reason
        result.demographic_parity_source = _gap_source(groups, ("selection_rate",))
        result.equalized_odds_source = _gap_source(groups, ("tpr", "fpr"))
        return result

    def fairlearn_check(self, threshold: float) -> dict[str, Any]:
        """The same audit computed by fairlearn: its MetricFrame by group and its two summary differences."""
        from fairlearn.metrics import (
            MetricFrame,
            count,
            demographic_parity_difference,
            equalized_odds_difference,
            false_negative_rate,
            false_positive_rate,
            selection_rate,
            true_positive_rate,
        )
        from sklearn.metrics import precision_score

        pred = (self.s >= threshold).astype(int)

        def precision(y_true, y_pred):
            return precision_score(y_true, y_pred, zero_division=np.nan)

        frame = MetricFrame(
            metrics={
                "selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
                "fnr": false_negative_rate, "precision": precision, "n": count,
            },
            y_true=self.y, y_pred=pred, sensitive_features=pd.Series(self.g, name=" × ".join(self.group_columns)),
        )
        return {
            "by_group": frame.by_group,
            "demographic_parity_difference": float(demographic_parity_difference(self.y, pred, sensitive_features=self.g)),
            "equalized_odds_difference": float(equalized_odds_difference(self.y, pred, sensitive_features=self.g)),
        }


def _summary_gaps(groups: list[GroupRates]) -> tuple[float, float]:
    """fairlearn's between-groups differences, from the counts (groups where a rate is undefined are left out)."""

    def spread(metric: str) -> float:
        vals = [g.rates[metric] for g in groups if math.isfinite(g.rates[metric])]
        return float(max(vals) - min(vals)) if len(vals) >= 2 else math.nan

    dpd = spread("selection_rate")
    tpr, fpr = spread("tpr"), spread("fpr")
    finite = [v for v in (tpr, fpr) if math.isfinite(v)]
    return dpd, (max(finite) if finite else math.nan)


def _gap_source(groups: list[GroupRates], metrics: tuple[str, ...]) -> dict[str, Any]:
    """Where a summary gap comes from: the metric and the groups with the highest and lowest rate."""
    best: dict[str, Any] = {}
    for m in metrics:
        vals = [(g.rates[m], g.group) for g in groups if math.isfinite(g.rates[m])]
        if len(vals) < 2:
            continue
        (lo, glo), (hi, ghi) = min(vals), max(vals)
        if not best or hi - lo > best["gap"]:
            best = {"metric": m, "gap": hi - lo, "high": ghi, "high_rate": hi, "low": glo, "low_rate": lo}
    if best:
        by = {g.group: g for g in groups}
        smallest = min(groups, key=lambda g: g.n).group
        best["small_groups"] = [name for name in (best["high"], best["low"]) if by[name].small]
        best["from_smallest"] = smallest in (best["high"], best["low"])
        best["smallest"] = smallest
    return best


def _warnings(groups: list[GroupRates], threshold: float) -> list[GroupWarning]:
    out = []
    for g in groups:
        name = g.group
        if g.positives == 0:
            out.append(GroupWarning(name, "no_positives", (
                f"{name}: no real positives among its {g.n} rows, so its true-positive rate cannot be measured and it is "
                "left out of the equalized-odds difference. Collect labeled positives for this group before deciding.")))
        elif g.negatives == 0:
            out.append(GroupWarning(name, "no_negatives", (
                f"{name}: every one of its {g.n} rows is a real positive, so its false-positive rate cannot be measured.")))
        if g.small:
            out.append(GroupWarning(name, "small", (
                f"{name}: only {count(g.n)} rows and {count(g.positives)} positives (fewer than {SMALL_GROUP_ROWS} rows or "
                f"{SMALL_GROUP_POSITIVES} positives): too small to judge, so every comparison with it is inconclusive "
                "(the findings say about how many more rows would settle each). Do not conclude it is treated fairly, "
                "or unfairly, from these numbers alone.")))
        else:
            widths = {m: g.ci[m][1] - g.ci[m][0] for m in ("selection_rate", "tpr", "fpr", "precision")}
            wide = {m: w for m, w in widths.items() if math.isfinite(w) and w > WIDE_INTERVAL}
            if wide:
                m, w = max(wide.items(), key=lambda kv: kv[1])
                lo, hi = g.ci[m]
                out.append(GroupWarning(name, "wide", (
                    f"{name}: a small group ({count(g.n)} rows, {count(g.positives)} positives): its {METRIC_NAMES[m]} "
                    f"could be anywhere from {_fmt(lo)} to {_fmt(hi)}. Only gaps whose 95% interval excludes zero are "
                    "called real in the findings; the others are marked inconclusive.")))
        if g.selected == 0 and g.n > 0:
            out.append(GroupWarning(name, "none_selected", (
                f"{name}: nobody selected at threshold {threshold_fmt(threshold)}, so its precision cannot be measured.")))
    return out


def _combine_groups(groups: Any, n: int | None, group_names: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    if isinstance(groups, pd.Series):
        cols = {str(groups.name) if groups.name is not None else "group": groups}
    elif isinstance(groups, pd.DataFrame):
        cols = {str(c): groups[c] for c in groups.columns}
    elif isinstance(groups, dict):
        cols = {str(k): v for k, v in groups.items()}
    else:
        arr = np.asarray(groups, dtype=object)
        if arr.ndim == 2:
            cols = {f"group_{i + 1}": arr[:, i] for i in range(arr.shape[1])}
        else:
            cols = {"group": arr}
    if group_names is not None:
        cols = dict(zip(group_names, cols.values()))
    if not 1 <= len(cols) <= 2:
        raise InputDataError(TOO_MANY_GROUP_COLUMNS.format(k=len(cols)))
    labels = [group_labels(v, name=k, n=n) for k, v in cols.items()]
    for (name, _), lab in zip(cols.items(), labels):
        uniq = pd.unique(lab)
        if len(uniq) < 2:
            raise InputDataError(SINGLE_GROUP.format(name=name, value=uniq[0] if len(uniq) else None, n=len(lab)))
    if len(labels) == 1:
        combined = labels[0]
    else:
        combined = np.char.add(np.char.add(labels[0].astype(str), INTERSECTION_SEP), labels[1].astype(str)).astype(object)
    return combined, list(cols)


def prepare(
    y_true: Any,
    y_score: Any,
    groups: Any,
    *,
    positive: Any = None,
    group_names: Sequence[str] | None = None,
) -> FairnessData:
    """Validate the inputs and sort scores per group, ready for :meth:`FairnessData.at`.

    Raises :class:`~aipm_widgets.core.errors.InputDataError` in words for missing or non-binary labels,
    missing or non-numeric scores, mismatched lengths, a group column with a single group, or a column
    with so many values that it cannot be a group.
    """
    y = binary_labels(y_true, positive=positive, name=getattr(y_true, "name", None) or "label")
    s = scores(y_score, name=getattr(y_score, "name", None) or "score")
    same_length(labels=y, scores=s)
    g, cols = _combine_groups(groups, len(y), group_names)
    codes, uniques = pd.factorize(pd.Series(g), sort=True)
    if len(uniques) > MAX_GROUPS:
        raise InputDataError(TOO_MANY_GROUPS.format(name=" and ".join(map(repr, cols)), k=len(uniques), limit=MAX_GROUPS))
    order = np.lexsort((s, codes))
    codes_sorted = codes[order]
    bounds = np.searchsorted(codes_sorted, np.arange(len(uniques) + 1))
    s_sorted, y_sorted = s[order], y[order].astype(np.int64)
    per: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    names = [str(u) for u in uniques]
    for i, name in enumerate(names):
        ss = s_sorted[bounds[i] : bounds[i + 1]]
        yy = y_sorted[bounds[i] : bounds[i + 1]]
        per[name] = (ss, yy, np.concatenate([[0], np.cumsum(yy)]))
    return FairnessData(cols, names, per, y.astype(np.int64), s, np.asarray(g, dtype=object))

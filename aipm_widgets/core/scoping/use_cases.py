"""Use-case scoping: score candidate use cases 1-5 on seven criteria, get a verdict with reasons.

Criteria (each scored 1-5 with an evidence note; :data:`CRITERIA`):

============================  =====================================================================
``business_value``            What it is worth if it works (with an estimated value range and unit).
``pattern_repetitive``        Is it a pattern-based, repetitive task (something to *learn*)?
``labeled_data``              Labeled examples available, of known quality.
``human_could_do``            Could a person do it with enough time and examples?
``error_tolerance``           How tolerable are mistakes, given what they cost? (5 = cheap mistakes)
``feasibility``               Latency, volume, integration with the systems it must live in.
``ethical_risk``              Risk of harm to people. **5 = high risk** (it lowers the verdict).
============================  =====================================================================

Verdicts (:func:`verdict_for`; the rules are applied in this order and every reason is reported):

1. **not an AI problem** when there is no pattern to learn (``pattern_repetitive <= 2``), when even a
   person could not do it (``human_could_do <= 2``), when mistakes are not tolerated at all
   (``error_tolerance == 1``: a model is right only most of the time, so compute the answer exactly or
   keep a person), or when the value cannot pay for a model (``business_value == 1``);
2. **data first** when labels of known quality are missing (``labeled_data <= 2``): a model built now
   could not even be evaluated;
3. **start with rules (a minimum viable model)** when a model is plausible but something argues for a
   cheap baseline first: moderate value (``business_value <= 3``), costly mistakes
   (``error_tolerance <= 2``), hard integration (``feasibility <= 2``) or high ethical risk
   (``ethical_risk >= 4``);
4. otherwise **strong AI candidate**.

High ethical risk (``ethical_risk >= 4``) is always flagged as a warning, whatever the verdict.

Scores are judgements, not measurements. Every assessment therefore reports how the verdict moves
when one score is off by one point (``flips``), and, over many re-scorings in which *every* score may be
off by one (uniformly -1, 0 or +1), the share that keeps the verdict (``stability``) and the 10th-90th
percentile of the composite score used for ranking.

Examples
--------
>>> from aipm_widgets.core import demo
>>> comparison = compare(demo.load_candidates())
>>> [(a.candidate.id, a.verdict.key) for a in comparison.ranked]  # doctest: +NORMALIZE_WHITESPACE
[('fraud_flagging', 'strong_ai_candidate'), ('ticket_routing', 'start_with_rules'),
 ('churn_outreach', 'data_first'), ('credit_limit', 'data_first'), ('invoice_totals', 'not_an_ai_problem')]
>>> comparison.get("credit_limit").verdict.warnings[0][:22]
'High ethical risk (5/5'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from ..errors import InputDataError
from ..text.format import money, percent

__all__ = [
    "Criterion",
    "CRITERIA",
    "CRITERION_KEYS",
    "VERDICTS",
    "VERDICT_ORDER",
    "Candidate",
    "Verdict",
    "Assessment",
    "ScopingComparison",
    "verdict_for",
    "composite_score",
    "assess",
    "compare",
    "verdict_tiers",
]


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    question: str
    low: str  # what a 1 means
    high: str  # what a 5 means
    weight: float
    higher_is_better: bool = True


CRITERIA: tuple[Criterion, ...] = (
    Criterion("business_value", "Business value", "What is it worth if it works?", "negligible", "large, measured", 3.0),
    Criterion("pattern_repetitive", "Pattern-based, repetitive", "Is it a repetitive task with a pattern to learn?",
              "one-off or arbitrary", "high volume, recurring pattern", 1.5),
    Criterion("labeled_data", "Labeled data of known quality", "Do labeled examples exist, and how good are they?",
              "none", "plenty, quality measured", 1.5),
    Criterion("human_could_do", "A person could do it", "Could a person do it with enough time and examples?",
              "not even an expert", "anyone trained", 1.0),
    Criterion("error_tolerance", "Tolerance for mistakes", "How tolerable are mistakes, given what they cost?",
              "no mistake acceptable", "mistakes are cheap", 1.0),
    Criterion("feasibility", "Feasibility (latency, integration)", "Can it meet the latency and fit the systems?",
              "major obstacles", "straightforward", 1.0),
    Criterion("ethical_risk", "Ethical risk (5 = high)", "How much harm could a wrong or biased decision do to people?",
              "none", "high-stakes, regulated", 1.0, higher_is_better=False),
)
CRITERION_KEYS = tuple(c.key for c in CRITERIA)
_CRIT = {c.key: c for c in CRITERIA}

VERDICTS = {
    "strong_ai_candidate": "strong AI candidate",
    "start_with_rules": "start with rules (a minimum viable model)",
    "data_first": "data first",
    "not_an_ai_problem": "not an AI problem",
}
VERDICT_ORDER = tuple(VERDICTS)  # best first; the ranking sorts by this, then by composite score
_TIER = {k: i for i, k in enumerate(VERDICT_ORDER)}
WIDE_VALUE_RATIO = 5.0
"""A value range whose high end is this many times its low end is flagged as too uncertain to bet on."""

N_DRAWS = 2000


# --------------------------------------------------------------------------- candidates


@dataclass
class Candidate:
    """A candidate use case with its scores (1-5), evidence notes and estimated value range."""

    id: str
    name: str
    scores: dict[str, int]
    evidence: dict[str, str] = field(default_factory=dict)
    description: str = ""
    value_low: float | None = None
    value_high: float | None = None
    value_unit: str = ""
    value_currency: str | None = None
    value_period: str | None = None

    def __post_init__(self) -> None:
        if self.value_currency is None or self.value_period is None:
            cur, period = parse_value_unit(self.value_unit)
            self.value_currency = self.value_currency or cur
            self.value_period = self.value_period or period
        if self.value_period not in (None, "year", "month"):
            raise InputDataError(f"Candidate {self.id!r}: the value's period is 'year' or 'month', not {self.value_period!r}.")
        self.id = str(self.id).strip()
        if not self.id:
            raise InputDataError("A candidate use case needs an id (a short name such as 'ticket_routing').")
        self.scores = _check_scores(self.scores, self.id)
        self.evidence = {str(k): str(v) for k, v in (self.evidence or {}).items() if v is not None}
        for name in ("value_low", "value_high"):
            v = getattr(self, name)
            if v is not None:
                try:
                    v = float(v)
                except (TypeError, ValueError):
                    raise InputDataError(f"Candidate {self.id!r}: {name} must be a number, not {v!r}.") from None
                if not math.isfinite(v):
                    raise InputDataError(f"Candidate {self.id!r}: {name} must be a finite number.")
                setattr(self, name, v)
        if self.value_low is not None and self.value_high is not None and self.value_low > self.value_high:
            raise InputDataError(
                f"Candidate {self.id!r}: the value range's low end ({self.value_low:,.0f}) is above its high end "
                f"({self.value_high:,.0f}); swap them."
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Candidate":
        """From the demo's shape: ``{id, name, description, value: {low, high, unit}, scores, evidence}``."""
        value = data.get("value") or {}
        return cls(
            id=data.get("id", ""),
            name=str(data.get("name") or data.get("id") or ""),
            description=str(data.get("description") or ""),
            scores=dict(data.get("scores") or {}),
            evidence=dict(data.get("evidence") or {}),
            value_low=value.get("low"),
            value_high=value.get("high"),
            value_unit=str(value.get("unit") or ""),
            value_currency=value.get("currency"),
            value_period=value.get("period"),
        )

    def value_per_month(self) -> tuple[float | None, float | None]:
        """The value range per month (a yearly range divided by 12), to set beside stage 4's measured money
        per month; ``(None, None)`` when the period is not known."""
        factor = {"month": 1.0, "year": 1 / 12}.get(self.value_period or "")
        if factor is None:
            return (None, None)
        return tuple(None if v is None else v * factor for v in (self.value_low, self.value_high))  # type: ignore[return-value]

    def value_text(self) -> str:
        """The value range in words, money in its currency, with the monthly equivalent of a yearly range."""
        if self.value_low is None and self.value_high is None:
            return "value not estimated"
        cur = self.value_currency

        def m(v: float | None) -> str:
            return "?" if v is None else money(v, cur)

        text = f"{m(self.value_low)} to {m(self.value_high)}"
        rest = self.value_unit
        if cur:
            rest = re.sub(rf"^\s*{re.escape(cur)}\b\s*", "", rest)
        text = f"{text} {rest}".strip()
        if self.value_period == "year":
            lo, hi = self.value_per_month()
            text += f" (about {m(lo)} to {m(hi)} per month)"
        return text

    def with_score(self, key: str, score: int) -> "Candidate":
        scores = dict(self.scores)
        scores[key] = score
        return Candidate(self.id, self.name, scores, dict(self.evidence), self.description,
                         self.value_low, self.value_high, self.value_unit, self.value_currency, self.value_period)


_PERIOD = [(re.compile(r"\b(per|a|each|every|/)\s*(year|yr|annum)\b|\bannual(ly)?\b|\byearly\b", re.I), "year"),
           (re.compile(r"\b(per|a|each|every|/)\s*month\b|\bmonthly\b", re.I), "month")]


def parse_value_unit(unit: str | None) -> tuple[str | None, str | None]:
    """The currency code and period a value's unit text names: ``"EUR per year in prevented losses"`` ->
    ``("EUR", "year")``; None for what it does not say.

    >>> parse_value_unit("GBP a month of agent time"), parse_value_unit("hours saved")
    (('GBP', 'month'), (None, None))
    """
    text = unit or ""
    m = re.search(r"\b([A-Z]{3})\b", text)
    period = next((p for rx, p in _PERIOD if rx.search(text)), None)
    return (m.group(1) if m else None, period)


def _check_scores(scores: Mapping[str, Any], cid: str) -> dict[str, int]:
    if not isinstance(scores, Mapping):
        raise InputDataError(f"Candidate {cid!r}: scores must be a mapping of criterion -> 1..5.")
    missing = [k for k in CRITERION_KEYS if k not in scores]
    if missing:
        raise InputDataError(
            f"Candidate {cid!r} has no score for {', '.join(missing)}; score every criterion 1-5 "
            f"({', '.join(CRITERION_KEYS)})."
        )
    out = {}
    for k in CRITERION_KEYS:
        v = scores[k]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or v != int(v) or not 1 <= v <= 5:
            raise InputDataError(f"Candidate {cid!r}: the score for {_CRIT[k].label.lower()} must be a whole number 1-5, not {v!r}.")
        out[k] = int(v)
    return out


# --------------------------------------------------------------------------- verdict


@dataclass(frozen=True)
class Verdict:
    key: str
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return VERDICTS[self.key]


def verdict_for(scores: Mapping[str, int], *, value_low: float | None = None, value_high: float | None = None) -> Verdict:
    """The verdict for one set of scores, with a reason for every rule that fired."""
    s = scores
    warnings = []
    if s["ethical_risk"] >= 4:
        warnings.append(
            f"High ethical risk ({s['ethical_risk']}/5): a high-stakes or regulated decision about people. "
            "An ethics review (stage 2), explanations and human oversight are needed whatever the verdict."
        )
    elif s["ethical_risk"] == 3:
        warnings.append("Moderate ethical risk (3/5): plan a fairness audit across groups in stage 2.")
    if value_low and value_high and value_low > 0 and value_high / value_low >= WIDE_VALUE_RATIO:
        warnings.append(
            f"The value range is wide (high end {value_high / value_low:.0f}x the low end): "
            "measure the effect before betting on the high end."
        )

    not_ai = []
    if s["pattern_repetitive"] <= 2:
        not_ai.append(f"There is little recurring pattern to learn (pattern {s['pattern_repetitive']}/5).")
    if s["human_could_do"] <= 2:
        not_ai.append(
            f"Even a person with time and examples could not do it reliably ({s['human_could_do']}/5); "
            "a model trained on the same information is unlikely to."
        )
    if s["error_tolerance"] <= 1:
        not_ai.append(
            "No mistake is acceptable (tolerance 1/5), but a model is right only most of the time: "
            "compute the answer exactly with a rule, or keep a person."
        )
    if s["business_value"] <= 1:
        not_ai.append("The value (1/5) cannot pay for building, monitoring and retraining a model.")
    if not_ai:
        return Verdict("not_an_ai_problem", tuple(not_ai), tuple(warnings))

    if s["labeled_data"] <= 2:
        return Verdict(
            "data_first",
            (
                f"Labels of known quality are missing (labeled data {s['labeled_data']}/5): collect and check them "
                "first (stage 3). A model built now could not even be evaluated.",
            ),
            tuple(warnings),
        )

    rules = []
    if s["business_value"] <= 3:
        rules.append(
            f"The value is moderate ({s['business_value']}/5): a rule baseline may capture most of it for a "
            "fraction of the cost. Build the model once the baseline's errors are measured and priced."
        )
    if s["error_tolerance"] <= 2:
        rules.append(
            f"Mistakes are costly (tolerance {s['error_tolerance']}/5): start with transparent rules plus human "
            "review and earn trust with measured error rates."
        )
    if s["feasibility"] <= 2:
        rules.append(f"Integration is hard (feasibility {s['feasibility']}/5): prove the process with a rule first.")
    if s["ethical_risk"] >= 4:
        rules.append(
            f"Ethical risk is high ({s['ethical_risk']}/5): no model should decide about people before an "
            "ethics review; rules are easier to explain and audit."
        )
    if rules:
        return Verdict("start_with_rules", tuple(rules), tuple(warnings))

    strengths = [
        f"valuable ({s['business_value']}/5)",
        f"a repetitive pattern ({s['pattern_repetitive']}/5)",
        f"labeled data ({s['labeled_data']}/5)",
        f"a task people can do ({s['human_could_do']}/5)",
        f"tolerable mistakes ({s['error_tolerance']}/5)",
        f"feasible ({s['feasibility']}/5)",
    ]
    return Verdict(
        "strong_ai_candidate",
        ("Every criterion supports a model: " + ", ".join(strengths) + ". Compare it with a rule baseline in stage 4.",),
        tuple(warnings),
    )


def composite_score(scores: Mapping[str, int] | np.ndarray) -> float | np.ndarray:
    """Weighted score 0-100 (ethical risk counts inversely). Works on a dict or an ``(n, 7)`` array."""
    w = np.array([c.weight for c in CRITERIA])
    better = np.array([c.higher_is_better for c in CRITERIA])
    if isinstance(scores, Mapping):
        arr = np.array([scores[k] for k in CRITERION_KEYS], dtype=float)
    else:
        arr = np.asarray(scores, dtype=float)
    norm = np.where(better, (arr - 1) / 4, (5 - arr) / 4)
    out = 100 * (norm * w).sum(axis=-1) / w.sum()
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------- assessment


@dataclass
class Assessment:
    """One candidate's verdict, composite score and how robust both are to +/-1 on the scores."""

    candidate: Candidate
    verdict: Verdict
    composite: float
    composite_low: float
    composite_high: float
    stability: float  # share of re-scorings keeping the verdict
    verdict_shares: dict[str, float]
    flips: list[dict[str, Any]]  # one score off by one that changes the verdict
    rank: int | None = None
    top_share: float | None = None  # share of re-scorings in which this candidate ranks first

    def robustness_sentence(self) -> str:
        same = f"In {percent(self.stability, 0)} of re-scorings where every score may be off by one point, the verdict stays '{self.verdict.label}'."
        if not self.flips:
            return "Robust: no single score off by one point changes the verdict. " + same
        parts = []
        for f in self.flips[:4]:
            parts.append(
                f"{_CRIT[f['criterion']].label.lower()} one point {'higher' if f['delta'] > 0 else 'lower'} "
                f"gives '{VERDICTS[f['verdict']]}'"
            )
        more = f" (and {len(self.flips) - 4} more)" if len(self.flips) > 4 else ""
        return "Sensitive: " + "; ".join(parts) + more + ". " + same

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.candidate.id,
            "name": self.candidate.name,
            "verdict": self.verdict.key,
            "verdict_label": self.verdict.label,
            "rank": self.rank,
            "composite": round(self.composite, 1),
            "composite_low": round(self.composite_low, 1),
            "composite_high": round(self.composite_high, 1),
            "verdict_stability": round(self.stability, 3),
            "ranked_first_share": None if self.top_share is None else round(self.top_share, 3),
            "scores": dict(self.candidate.scores),
            "evidence": dict(self.candidate.evidence),
            "value": _value_record(self.candidate),
            "description": self.candidate.description or None,
            "warnings": list(self.verdict.warnings),
        }


def _value_record(c: Candidate) -> dict[str, Any]:
    """The value as saved: the range as entered, its currency and period, the monthly range (for the check against
    stage 4's measured money per month) and the sentence shown."""
    lo, hi = c.value_per_month()
    return {"low": c.value_low, "high": c.value_high, "unit": c.value_unit or None, "currency": c.value_currency,
            "period": c.value_period, "per_month_low": lo, "per_month_high": hi,
            "text": None if c.value_low is None and c.value_high is None else c.value_text()}


def _perturbations(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-1, 2, size=(n, len(CRITERIA)))


def verdict_tiers(arr: np.ndarray) -> np.ndarray:
    """The verdict of each row of an ``(n, 7)`` score array, as an index into :data:`VERDICT_ORDER`.

    The same rules as :func:`verdict_for`, vectorised for the re-scorings (a test checks both agree on
    every one of the 5**7 possible score vectors).
    """
    a = np.asarray(arr)
    col = {k: a[..., i] for i, k in enumerate(CRITERION_KEYS)}
    not_ai = (col["pattern_repetitive"] <= 2) | (col["human_could_do"] <= 2) | (col["error_tolerance"] <= 1) | (
        col["business_value"] <= 1
    )
    data_first = ~not_ai & (col["labeled_data"] <= 2)
    rules = ~not_ai & ~data_first & (
        (col["business_value"] <= 3) | (col["error_tolerance"] <= 2) | (col["feasibility"] <= 2) | (col["ethical_risk"] >= 4)
    )
    return np.select([not_ai, data_first, rules], [_TIER["not_an_ai_problem"], _TIER["data_first"],
                                                  _TIER["start_with_rules"]], _TIER["strong_ai_candidate"])


def assess(candidate: Candidate | Mapping[str, Any], *, n_draws: int = N_DRAWS, seed: int = 0) -> Assessment:
    """Verdict, composite score and robustness for one candidate (a :class:`Candidate` or the demo's dict)."""
    cand = candidate if isinstance(candidate, Candidate) else Candidate.from_dict(candidate)
    verdict = verdict_for(cand.scores, value_low=cand.value_low, value_high=cand.value_high)
    flips = []
    for key in CRITERION_KEYS:
        for delta in (-1, 1):
            new = cand.scores[key] + delta
            if 1 <= new <= 5:
                v = verdict_for({**cand.scores, key: new}, value_low=cand.value_low, value_high=cand.value_high)
                if v.key != verdict.key:
                    flips.append({"criterion": key, "delta": delta, "verdict": v.key})
    base = np.array([cand.scores[k] for k in CRITERION_KEYS])
    draws = np.clip(base + _perturbations(n_draws, seed), 1, 5)
    tiers = verdict_tiers(draws)
    comp = composite_score(draws)
    shares = {k: float(np.mean(tiers == i)) for i, k in enumerate(VERDICT_ORDER)}
    return Assessment(
        candidate=cand,
        verdict=verdict,
        composite=composite_score(cand.scores),
        composite_low=float(np.percentile(comp, 10)),
        composite_high=float(np.percentile(comp, 90)),
        stability=shares[verdict.key],
        verdict_shares=shares,
        flips=flips,
    )


@dataclass
class ScopingComparison:
    """Several candidates assessed side by side, ranked (verdict first, then composite score)."""

    ranked: list[Assessment]
    n_draws: int

    def get(self, candidate_id: str) -> Assessment:
        for a in self.ranked:
            if a.candidate.id == candidate_id:
                return a
        raise InputDataError(
            f"No candidate {candidate_id!r}; the candidates are {', '.join(a.candidate.id for a in self.ranked)}."
        )

    @property
    def ids(self) -> list[str]:
        return [a.candidate.id for a in self.ranked]

    def to_rows(self) -> list[dict[str, Any]]:
        return [a.to_record() for a in self.ranked]

    def decision(self, chosen: str, *, summary: str | None = None) -> dict[str, Any]:
        """The values to save in the record's ``scoping`` section for the chosen candidate."""
        a = self.get(chosen)
        c = a.candidate
        return {
            "status": "decided",
            "chosen": c.id,
            "use_case": c.name,
            "description": c.description or None,
            "value": _value_record(c),
            "scores": dict(c.scores),
            "evidence": dict(c.evidence),
            "verdict": a.verdict.key,
            "verdict_label": a.verdict.label,
            "reasons": list(a.verdict.reasons),
            "warnings": list(a.verdict.warnings),
            "robustness": {
                "stability": round(a.stability, 3),
                "verdict_shares": {k: round(v, 3) for k, v in a.verdict_shares.items()},
                "flips": a.flips,
                "sentence": a.robustness_sentence(),
                "n_draws": self.n_draws,
            },
            "candidates": self.to_rows(),
            "summary": summary
            or f"{c.name}: {a.verdict.label} (verdict kept in {percent(a.stability, 0)} of +/-1 re-scorings); "
            f"value {c.value_text()}.",
        }

    def _repr_markdown_(self) -> str:
        from ..checklists.checklist import md_escape

        lines = ["| rank | use case | verdict | score (10-90%) | verdict kept |", "|---|---|---|---|---|"]
        for a in self.ranked:
            lines.append(
                f"| {a.rank} | {md_escape(a.candidate.name)} | {a.verdict.label} | "
                f"{a.composite:.0f} ({a.composite_low:.0f}-{a.composite_high:.0f}) | {percent(a.stability, 0)} |"
            )
        return "\n".join(lines)


def compare(candidates: Iterable[Candidate | Mapping[str, Any]], *, n_draws: int = N_DRAWS, seed: int = 0) -> ScopingComparison:
    """Assess and rank candidates: verdict tier first (strong, rules, data first, not AI), then composite.

    ``top_share`` is the share of joint re-scorings (every score of every candidate off by -1, 0 or +1)
    in which a candidate ranks first, so a ranking that hinges on one judgement shows it.
    """
    cands = [c if isinstance(c, Candidate) else Candidate.from_dict(c) for c in candidates]
    if not cands:
        raise InputDataError("No candidate use cases to compare; add at least one.")
    ids = [c.id for c in cands]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputDataError(f"Candidate ids must be unique; repeated: {', '.join(dup)}.")
    assessments = [assess(c, n_draws=n_draws, seed=seed + i) for i, c in enumerate(cands)]
    assessments.sort(key=lambda a: (_TIER[a.verdict.key], -a.composite, a.candidate.id))
    for r, a in enumerate(assessments, start=1):
        a.rank = r
    # Joint re-scorings for "how often is each candidate first".
    if len(assessments) > 1:
        n_joint = min(n_draws, 500)
        rng = np.random.default_rng(seed + 10_000)
        keys_by_cand = []
        for a in assessments:
            base = np.array([a.candidate.scores[k] for k in CRITERION_KEYS])
            draws = np.clip(base + rng.integers(-1, 2, size=(n_joint, len(CRITERIA))), 1, 5)
            tiers = verdict_tiers(draws)
            keys_by_cand.append(tiers * 1000 - composite_score(draws))  # lower is better
        sort_keys = np.stack(keys_by_cand, axis=1)
        first = np.argmin(sort_keys, axis=1)
        for i, a in enumerate(assessments):
            a.top_share = float(np.mean(first == i))
    else:
        assessments[0].top_share = 1.0
    return ScopingComparison(assessments, n_draws)

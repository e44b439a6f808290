"""Retraining triggers: rules a team agrees on, stored in the decision record, evaluated per window.

A trigger is written in plain words and parsed (with regular expressions, never ``eval``) into a
:class:`Trigger`: a measure, a comparison, a value and how many consecutive windows it must hold.

Accepted forms (case-insensitive; ``%`` values are shares)::

    estimated recall < 0.90 for 2 consecutive windows
    realized roc_auc < 0.85
    >= 30 % of features drifted
    cost per 1,000 up 20 % on launch
    concept drift for 1 window

Measures: ``estimated``/``realized`` + ``recall``, ``precision``, ``f1``, ``roc_auc``; ``drift share``
(``% of features drifted``); ``cost per 1,000``; ``concept drift``; ``score drift``.

Examples
--------
>>> t = parse_trigger("estimated recall < 0.90 for 2 consecutive windows")
>>> t.measure, t.op, t.value, t.consecutive
('estimated.recall', '<', 0.9, 2)
>>> ev = evaluate_trigger(t, ["w1", "w2", "w3"], {"estimated.recall": [0.95, 0.85, 0.8]})
>>> ev.fired_at, ev.reason
('w3', 'estimated recall < 0.9 in w2, w3 (2 consecutive windows)')
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

from ..errors import AipmError

__all__ = ["Trigger", "TriggerResult", "parse_trigger", "evaluate_trigger", "MEASURES", "BAD_TRIGGER"]

REGRESSION_METRICS = ("mae", "rmse")
"""Forecast error measures a trigger may name (``estimated mae > 4.5``); lower is better."""
MEASURES = {
    **{f"{kind}.{m}": f"{kind} {m}" for kind in ("estimated", "realized") for m in ("recall", "precision", "f1", "roc_auc")},
    # multiclass (ticket routing): see core/monitoring_multiclass.py
    **{f"{kind}.{m}": f"{kind} {m.replace('_', ' ')}" for kind in ("estimated", "realized") for m in ("accuracy", "macro_f1")},
    **{f"{kind}.{m}": f"{kind} {m.upper()}" for kind in ("estimated", "realized") for m in REGRESSION_METRICS},
    "drift_share": "share of features drifted",
    "cost_per_1000": "cost per 1,000 decisions",
    "cost_change": "cost per 1,000 change on launch",
    "concept_drift": "likely concept drift",
    "score_drift": "score drift",
}
BAD_TRIGGER = (
    "Could not read the trigger {text!r}. Write it like 'estimated recall < 0.90 for 2 consecutive windows', "
    "'>= 30 % of features drifted', 'cost per 1,000 up 20 % on launch' or 'concept drift for 1 window'. "
    "Measures: estimated/realized recall, precision, f1, roc_auc (multiclass: accuracy, macro f1; a forecast: mae, rmse); drift share; cost per 1,000; concept drift; score drift."
)
_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=<": "<=", "=>": ">=", "≤": "<=", "≥": ">="}
_NUM = r"(?P<value>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<pct>%|percent)?"
_CONSEC = r"(?:\s+(?:for|in)\s+(?P<k>\d+)\s+(?:consecutive\s+)?windows?)?"
_RE_COMPARE = re.compile(rf"^(?P<measure>[a-z_ ,.0-9-]+?)\s*(?P<op><=|>=|=<|=>|<|>|≤|≥)\s*{_NUM}{_CONSEC}$")
_RE_SHARE = re.compile(rf"^(?P<op><=|>=|=<|=>|<|>|≤|≥)\s*{_NUM}\s+of\s+(?:the\s+)?features\s+(?:have\s+)?drift(?:ed)?{_CONSEC}$")
_RE_CHANGE = re.compile(
    rf"^(?P<measure>[a-z_ ,.0-9-]+?)\s+(?P<dir>up|down)\s+(?:by\s+)?{_NUM}\s+(?:on|vs\.?|versus|from|since|over)\s+launch{_CONSEC}$"
)
_RE_FLAG = re.compile(rf"^(?:likely\s+)?(?P<flag>concept drift|score drift)(?:\s+flagged)?{_CONSEC}$")


@dataclass(frozen=True)
class Trigger:
    """One parsed trigger: fires when ``measure op value`` holds in ``consecutive`` windows in a row."""

    text: str
    measure: str
    op: str
    value: float
    consecutive: int = 1

    def holds(self, x: float) -> bool:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return False
        return {"<": x < self.value, "<=": x <= self.value, ">": x > self.value, ">=": x >= self.value}[self.op]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TriggerResult:
    """Where a trigger held and where it fired (first window completing the run), with the reason."""

    trigger: Trigger
    holds: list[bool]
    fired: list[bool]
    fired_at: str | None
    reason: str


def _measure(name: str, text: str) -> str:
    name = " ".join(name.replace("_", " ").split())
    name = name.replace("roc auc", "roc_auc").replace("auc", "roc_auc").replace("roc_roc_auc", "roc_auc")
    name = name.replace("f1 score", "f1").replace("actual", "realized").replace("observed", "realized")
    name = name.replace("macro f1", "macro_f1")
    words = name.split()
    metrics = {"recall", "precision", "f1", "roc_auc", "accuracy", "macro_f1", *REGRESSION_METRICS}
    if words and words[-1] in metrics:
        kind = words[0] if len(words) == 2 and words[0] in {"estimated", "realized"} else None
        if len(words) == 1 or kind:
            return f"{kind or 'estimated'}.{words[-1]}"
    if re.fullmatch(r"cost per 1,?000( decisions)?", name):
        return "cost_per_1000"
    if name in {"drift share", "share of features drifted", "features drifted", "drifted features"}:
        return "drift_share"
    raise AipmError(BAD_TRIGGER.format(text=text))


def parse_trigger(text: str | Mapping[str, Any] | Trigger) -> Trigger:
    """Read a trigger from its words (or from a stored mapping); raises :class:`AipmError` when unreadable."""
    if isinstance(text, Trigger):
        return text
    if isinstance(text, Mapping):
        try:
            t = Trigger(str(text.get("text") or ""), str(text["measure"]), _OPS[str(text["op"])],
                        float(text["value"]), int(text.get("consecutive") or 1))
        except (KeyError, TypeError, ValueError):
            raise AipmError(BAD_TRIGGER.format(text=dict(text))) from None
        if t.measure not in MEASURES:
            raise AipmError(BAD_TRIGGER.format(text=dict(text)))
        return t
    raw = str(text)
    s = " ".join(raw.strip().lower().split())
    if len(s) > 200:
        raise AipmError(BAD_TRIGGER.format(text=raw[:60] + "..."))

    def number(m: re.Match) -> float:
        v = float(m.group("value").replace(",", ""))
        return v / 100 if m.group("pct") else v

    def k(m: re.Match) -> int:
        return max(1, int(m.group("k"))) if m.group("k") else 1

    if m := _RE_FLAG.match(s):
        measure = "concept_drift" if m.group("flag") == "concept drift" else "score_drift"
        return Trigger(raw, measure, ">=", 1.0, k(m))
    if m := _RE_SHARE.match(s):
        return Trigger(raw, "drift_share", _OPS[m.group("op")], number(m), k(m))
    if m := _RE_CHANGE.match(s):
        if _measure(m.group("measure"), raw) != "cost_per_1000":
            raise AipmError(BAD_TRIGGER.format(text=raw))
        v = number(m) if m.group("pct") else float(m.group("value").replace(",", "")) / 100
        up = m.group("dir") == "up"
        return Trigger(raw, "cost_change", ">=" if up else "<=", v if up else -v, k(m))
    if m := _RE_COMPARE.match(s):
        measure = _measure(m.group("measure"), raw)
        value = number(m)
        if measure == "cost_per_1000" and m.group("pct"):
            raise AipmError(BAD_TRIGGER.format(text=raw))
        return Trigger(raw, measure, _OPS[m.group("op")], value, k(m))
    raise AipmError(BAD_TRIGGER.format(text=raw))


def _fmt(measure: str, v: float) -> str:
    if measure in {"drift_share", "cost_change"}:
        return f"{v:+.0%}" if measure == "cost_change" else f"{v:.0%}"
    if measure == "cost_per_1000":
        return f"{v:,.0f}"
    if measure in {"concept_drift", "score_drift"}:
        return "yes" if v >= 1 else "no"
    return f"{v:.3g}"


def evaluate_trigger(trigger: Trigger, windows: Sequence[str], values: Mapping[str, Sequence[float]]) -> TriggerResult:
    """Evaluate ``trigger`` on per-window ``values`` (a mapping of measure -> one value per window).

    A missing value (empty window, no labels yet) breaks a run of consecutive windows.
    """
    series = list(values.get(trigger.measure, [float("nan")] * len(windows)))
    holds = [trigger.holds(float(x)) if x is not None else False for x in series]
    fired, run, fired_at, reason = [], 0, None, ""
    for i, h in enumerate(holds):
        run = run + 1 if h else 0
        f = run >= trigger.consecutive
        fired.append(f)
        if f and fired_at is None:
            fired_at = windows[i]
            span = list(windows[i - trigger.consecutive + 1: i + 1])
            shown = ", ".join(f"{_fmt(trigger.measure, float(series[j]))}" for j in range(i - trigger.consecutive + 1, i + 1))
            label = MEASURES.get(trigger.measure, trigger.measure)
            if trigger.measure in {"concept_drift", "score_drift"}:
                reason = f"{label} in {', '.join(span)}"
            else:
                reason = f"{label} {trigger.op} {_fmt(trigger.measure, trigger.value)} in {', '.join(span)}"
                reason += f" ({trigger.consecutive} consecutive windows)" if trigger.consecutive > 1 else f" (value {shown})"
    return TriggerResult(trigger, holds, fired, fired_at, reason)

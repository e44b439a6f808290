"""Is stage 2's one-pager quoting stage 4's decided threshold? Provisional before, flagged for review after.

The expectations one-pager (stage 2) quotes error rates at a threshold. The recommended order writes it before
metric selection (stage 4) decides the threshold, so its numbers are **provisional** until then; once stage 4 has
decided, a one-pager saved at another threshold is **to review**, with the difference in words. The page of
stage 2, stage 4 and the brief show :func:`one_pager_status` so the two sets of error rates never stand side by
side unexplained.

Examples
--------
>>> s = compare_one_pager({"threshold": 0.08, "error_rates": {"recall": {"value": 0.45}}}, None)
>>> s.state
'provisional'
>>> s = compare_one_pager({"threshold": 0.08, "error_rates": {"recall": {"value": 0.45}}},
...                       {"threshold": 0.0694, "metrics": {"recall": {"value": 0.513}}})
>>> s.state, s.differences["recall"]
('review', (0.45, 0.513))
>>> print(s.sentence)
The expectations one-pager (stage 2) quotes threshold 0.08, but stage 4 decided 0.0694: recall 45.0% there, 51.3% at the decided threshold (+6.3 points). Review the one-pager so it quotes the decided numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..text import format as fmt

__all__ = ["OnePagerStatus", "compare_one_pager", "one_pager_status"]

# one-pager error-rate key -> stage 4 metric key
_PAIRS = {"recall": "recall", "precision": "precision", "fpr": "fpr", "alert_rate": "alert_rate", "miss_rate": "fnr"}
_WORDS = {"recall": "recall", "precision": "precision", "fpr": "false-alarm rate", "alert_rate": "alert rate",
          "miss_rate": "miss rate"}


@dataclass(frozen=True)
class OnePagerStatus:
    """``state`` is ``provisional`` (no decision yet), ``current`` (same threshold) or ``review`` (it differs)."""

    state: str
    sentence: str
    one_pager_threshold: float | None
    decided_threshold: float | None
    differences: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"state": self.state, "sentence": self.sentence, "one_pager_threshold": self.one_pager_threshold,
                "decided_threshold": self.decided_threshold,
                "differences": {k: list(v) for k, v in self.differences.items()}}


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _value(d: Any) -> float | None:
    return fmt.as_number(_get(d, "value"))


def compare_one_pager(one_pager: Any, metrics: Any) -> OnePagerStatus:
    """Compare a saved one-pager (``threshold``, ``error_rates``) with stage 4's saved decision (or None)."""
    t_op = fmt.as_number(_get(one_pager, "threshold"))
    t_dec = fmt.as_number(_get(metrics, "threshold"))
    if t_dec is None:
        return OnePagerStatus(
            "provisional",
            f"Provisional: the one-pager quotes threshold {fmt.threshold(t_op)}, and stage 4 (metric selection) has not "
            "decided the threshold yet; its error rates will change when it does.", t_op, None)
    if t_op is not None and t_op == t_dec:
        return OnePagerStatus("current", f"The one-pager quotes stage 4's decided threshold {fmt.threshold(t_dec)}.",
                              t_op, t_dec)
    rates = _get(one_pager, "error_rates") or {}
    measured = _get(metrics, "metrics") or {}
    diffs: dict[str, tuple[float, float]] = {}
    for key, mkey in _PAIRS.items():
        a, b = _value(_get(rates, key) if isinstance(rates, dict) else None), _value(measured.get(mkey) if isinstance(measured, dict) else None)
        if a is not None and b is not None:
            diffs[key] = (a, b)
    parts = [f"{_WORDS[k]} {fmt.percent(a)} there, {fmt.percent(b)} at the decided threshold "
             f"({'+' if b - a >= 0 else ''}{fmt.points(b - a)})" for k, (a, b) in diffs.items() if a != b]
    detail = (": " + "; ".join(parts)) if parts else ""
    return OnePagerStatus(
        "review",
        f"The expectations one-pager (stage 2) quotes threshold {fmt.threshold(t_op)}, but stage 4 decided "
        f"{fmt.threshold(t_dec)}{detail}. Review the one-pager so it quotes the decided numbers.", t_op, t_dec, diffs)


def one_pager_status(record: Any) -> OnePagerStatus | None:
    """The status on a decision record, or None when no one-pager is saved."""
    expectations = _get(record, "expectations")
    op = _get(expectations, "one_pager")
    if op is None:
        return None
    metrics = _get(record, "metrics")
    if metrics is not None and _get(metrics, "threshold") is None:
        metrics = None
    if metrics is not None and not isinstance(metrics, dict):
        metrics = {"threshold": metrics.threshold,
                   "metrics": {k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in metrics.metrics.items()}}
    return compare_one_pager(op, metrics)

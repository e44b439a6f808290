"""Error rates from confusion counts, with their intervals (Wilson for proportions, bootstrap for F1).

Names used throughout the workbook (all "alert" means ``score >= threshold``):

precision
    of the alerts, the share that are real positives (TP / (TP + FP));
recall
    of the real positives, the share that raise an alert (TP / (TP + FN)), also "catch rate" or TPR;
fnr
    of the real positives, the share missed (1 - recall);
fpr
    of the real negatives, the share alerted by mistake (FP / (FP + TN));
specificity
    1 - fpr; **accuracy** (TP + TN) / n; **alert_rate** (TP + FP) / n; **f1** and **f_beta**.

Examples
--------
>>> r = rates_from_counts(16, 25, 957, 2)
>>> round(float(r["recall"]), 3), round(float(r["precision"]), 3)
(0.889, 0.39)
>>> est = point_estimates(16, 25, 957, 2)
>>> est["recall"].method, round(est["recall"].low, 2)
('wilson', 0.67)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .intervals import SMALL_COUNT, wilson_interval

__all__ = ["Estimate", "PROPORTIONS", "rates_from_counts", "point_estimates", "bootstrap_cells", "small_count_warnings"]

# metric -> (numerator cells, denominator cells) for the proportions with a Wilson interval.
PROPORTIONS = {
    "precision": (("tp",), ("tp", "fp")),
    "recall": (("tp",), ("tp", "fn")),
    "specificity": (("tn",), ("tn", "fp")),
    "fpr": (("fp",), ("tn", "fp")),
    "fnr": (("fn",), ("tp", "fn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "tn", "fn")),
    "alert_rate": (("tp", "fp"), ("tp", "fp", "tn", "fn")),
}
LABELS = {
    "precision": "Precision (alerts that are real)",
    "recall": "Recall (positives caught)",
    "specificity": "Specificity",
    "fpr": "False-positive rate",
    "fnr": "Miss rate (FNR)",
    "f1": "F1",
    "f_beta": "F-beta",
    "accuracy": "Accuracy",
    "alert_rate": "Alert rate",
}


@dataclass(frozen=True)
class Estimate:
    """A measured number and its interval (``low``/``high`` None when none was computed)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    method: str | None = None

    def to_json(self) -> dict:
        return {"value": _clean(self.value), "ci": [_clean(self.low), _clean(self.high)], "method": self.method}

    def to_record(self) -> dict:
        return {"value": _clean(self.value), "low": _clean(self.low), "high": _clean(self.high), "method": self.method}

    def text(self, fmt: str = "{:.1%}") -> str:
        if self.value is None or not np.isfinite(self.value):
            return "n/a"
        base = fmt.format(self.value)
        if self.low is None or not np.isfinite(self.low):
            return base
        return f"{base} ({fmt.format(self.low)} to {fmt.format(self.high)})"


def _clean(x):
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _div(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def rates_from_counts(
    tp, fp, tn, fn, *, beta: float = 1.0, volume_per_day: float | None = None, only: tuple[str, ...] | None = None
) -> dict[str, np.ndarray]:
    """Every rate at once (or those named in ``only``), vectorised over arrays of counts (NaN where undefined)."""
    tp, fp, tn, fn = (np.asarray(x, dtype=float) for x in (tp, fp, tn, fn))
    b2 = beta**2
    formulas = {
        "precision": lambda: _div(tp, tp + fp),
        "recall": lambda: _div(tp, tp + fn),
        "specificity": lambda: _div(tn, tn + fp),
        "fpr": lambda: _div(fp, tn + fp),
        "fnr": lambda: _div(fn, tp + fn),
        "accuracy": lambda: _div(tp + tn, tp + fp + tn + fn),
        "alert_rate": lambda: _div(tp + fp, tp + fp + tn + fn),
        "f1": lambda: _div(2 * tp, 2 * tp + fp + fn),
        "f_beta": lambda: _div((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp),
    }
    if volume_per_day:
        formulas["alerts_per_day"] = lambda: _div(tp + fp, tp + fp + tn + fn) * volume_per_day
        formulas["alerts_per_month"] = lambda: _div(tp + fp, tp + fp + tn + fn) * volume_per_day * 365.25 / 12
    names = formulas if only is None else [k for k in only if k in formulas]
    return {k: formulas[k]() for k in names}


def bootstrap_cells(tp: int, fp: int, tn: int, fn: int, *, reps: int = 2000, seed: int = 0) -> np.ndarray:
    """Resampled confusion cells ``(reps, 4)``: a row bootstrap at one threshold is a multinomial of its 4 cells."""
    n = tp + fp + tn + fn
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.array([tp, fp, tn, fn], dtype=float) / n, size=reps)


def point_estimates(
    tp: int,
    fp: int,
    tn: int,
    fn: int,
    *,
    beta: float = 1.0,
    confidence: float = 0.95,
    volume_per_day: float | None = None,
    reps: int = 2000,
    seed: int = 0,
) -> dict[str, Estimate]:
    """Every rate at one threshold with its interval: Wilson for proportions, percentile bootstrap for F1/F-beta."""
    cells = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    values = rates_from_counts(tp, fp, tn, fn, beta=beta, volume_per_day=volume_per_day)
    out: dict[str, Estimate] = {}
    for name, (num, den) in PROPORTIONS.items():
        k = sum(cells[c] for c in num)
        m = sum(cells[c] for c in den)
        lo, hi = wilson_interval(k, m, confidence) if m > 0 else (None, None)
        out[name] = Estimate(float(values[name]), lo, hi, "wilson")
    boot = bootstrap_cells(tp, fp, tn, fn, reps=reps, seed=seed).astype(float)
    btp, bfp, bfn = boot[:, 0], boot[:, 1], boot[:, 3]
    tail = 100 * (1 - confidence) / 2
    for name, b in (("f1", 1.0), ("f_beta", beta)):
        den = (1 + b**2) * btp + b**2 * bfn + bfp
        samples = np.where(den > 0, (1 + b**2) * btp / np.where(den > 0, den, 1), 0.0)
        lo, hi = np.percentile(samples, [tail, 100 - tail])
        out[name] = Estimate(float(values[name]), float(lo), float(hi), f"bootstrap ({reps} resamples)")
    if volume_per_day:
        ar = out["alert_rate"]
        for name, factor in (("alerts_per_day", volume_per_day), ("alerts_per_month", volume_per_day * 365.25 / 12)):
            out[name] = Estimate(ar.value * factor, _scale(ar.low, factor), _scale(ar.high, factor), "wilson")
    return out


def _scale(x, factor):
    return None if x is None else x * factor


def small_count_warnings(tp: int, fp: int, tn: int, fn: int, *, minimum: int = SMALL_COUNT) -> list[str]:
    """Plain-words warnings where a count is too small for a useful interval."""
    warnings = []
    if tp + fn < minimum:
        warnings.append(
            f"Only {tp + fn} positives in the data: recall and the miss rate are too uncertain to decide on "
            "(their intervals are very wide). Evaluate on more labeled positives."
        )
    if tp + fp < minimum:
        warnings.append(
            f"Only {tp + fp} alerts at this threshold: precision rests on too few alerts to be trusted. "
            "Lower the threshold or evaluate on more data."
        )
    if tn + fp < minimum:
        warnings.append(f"Only {tn + fp} negatives in the data: the false-positive rate is too uncertain to decide on.")
    return warnings

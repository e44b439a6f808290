"""Per-group error rates at a threshold, their gaps, and group-specific thresholds with what they cost.

Each group gets its own :class:`~aipm_widgets.core.metrics.threshold_curve.ThresholdCurve`, so the group table at a
new threshold is one binary search per group (fast enough for a slider). The numbers equal fairlearn's
``MetricFrame`` (:func:`fairlearn_frame` builds it; the tests hold the two equal). Gaps follow fairlearn's
``between_groups`` definitions: difference = largest minus smallest, ratio = smallest / largest.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 400); s = rng.random(400); g = np.where(rng.random(400) < 0.5, "a", "b")
>>> gc = GroupCurves(y, s, g)
>>> table = gc.table(0.5)
>>> [row["group"] for row in table.rows]
['a', 'b']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..text import format as fmt
from ..stats.intervals import SMALL_COUNT, wilson_interval
from .threshold_curve import ThresholdCurve

__all__ = ["GroupCurves", "GroupTable", "GroupThresholds", "fairlearn_frame", "GAP_METRICS", "DEFAULT_GAP_TOLERANCE"]

GAP_METRICS = ("tpr", "fpr", "precision", "selection_rate")
DEFAULT_GAP_TOLERANCE = 0.10
MIN_GROUP_ROWS = 50


@dataclass
class GroupTable:
    """Metrics by group at one threshold, with gaps and flags."""

    threshold: float
    rows: list[dict]
    difference: dict[str, float]
    ratio: dict[str, float]
    tolerance: float
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> list[dict]:
        keys = ("group", "n", "positives", "tpr", "fpr", "precision", "selection_rate", "tpr_ci", "fpr_ci")
        return [{k: _clean(row[k]) for k in keys} for row in self.rows]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows).set_index("group")


def _clean(v):
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def _ratio(a, b):
    return a / b if b else np.nan


class GroupCurves:
    """One threshold curve per group (groups sorted by name)."""

    def __init__(self, y: np.ndarray, score: np.ndarray, groups, *, tolerance: float = DEFAULT_GAP_TOLERANCE,
                 name: str = "group"):
        from ..io.inputs import group_labels, is_pandas_object

        # Factorise first and name only the distinct values: a million Python strings would cost ~60 bytes a row.
        arr = groups if is_pandas_object(groups) else np.asarray(groups)
        if isinstance(arr, np.ndarray) and arr.dtype.kind in "Ubiu":
            uniques, codes = np.unique(arr, return_inverse=True)  # no Python object per row, and no pandas
            labels = group_labels(uniques, name=name)
        else:
            import pandas as pd

            if isinstance(arr, np.ndarray) and arr.dtype.kind == "S":
                uniques, codes = np.unique(arr, return_inverse=True)
            else:
                codes, uniques = pd.factorize(arr if isinstance(arr, pd.Series) else pd.Series(arr), use_na_sentinel=False)
            labels = group_labels(pd.Series(uniques, dtype=object), name=name)
        order = np.argsort(labels, kind="stable")
        remap = np.empty(len(labels), dtype=np.int32)
        remap[order] = np.arange(len(labels), dtype=np.int32)
        self.codes = remap[codes]
        self.names = [str(labels[i]) for i in order]
        self.tolerance = tolerance
        self.curves = {}
        for i, g in enumerate(self.names):
            mask = self.codes == i
            self.curves[g] = ThresholdCurve(y[mask], score[mask])

    def counts(self, threshold: float) -> dict[str, dict[str, int]]:
        return {g: c.counts(threshold) for g, c in self.curves.items()}

    def table(self, threshold: float, *, confidence: float = 0.95) -> GroupTable:
        rows = []
        for g, c in self.curves.items():
            k = c.counts(threshold)
            tp, fp, tn, fn = k["tp"], k["fp"], k["tn"], k["fn"]
            n = tp + fp + tn + fn
            row = {
                "group": g, "n": n, "positives": tp + fn, **k,
                "tpr": tp / (tp + fn) if tp + fn else np.nan,
                "fpr": fp / (fp + tn) if fp + tn else np.nan,
                "precision": tp / (tp + fp) if tp + fp else 0.0,  # fairlearn/sklearn zero_division=0
                "selection_rate": (tp + fp) / n if n else np.nan,
                "tpr_ci": list(wilson_interval(tp, tp + fn, confidence)) if tp + fn else [np.nan, np.nan],
                "fpr_ci": list(wilson_interval(fp, fp + tn, confidence)) if fp + tn else [np.nan, np.nan],
                "small": n < MIN_GROUP_ROWS or tp + fn < SMALL_COUNT,
            }
            rows.append(row)
        difference, ratio, flags = {}, {}, []
        for m in GAP_METRICS:
            vals = np.array([r[m] for r in rows], dtype=float)
            vals = vals[np.isfinite(vals)]
            if len(vals) < 2:
                continue
            difference[m] = float(vals.max() - vals.min())
            ratio[m] = float(_ratio(vals.min(), vals.max()))
            if difference[m] > self.tolerance:
                lo = min(rows, key=lambda r: r[m] if np.isfinite(r[m]) else np.inf)["group"]
                hi = max(rows, key=lambda r: r[m] if np.isfinite(r[m]) else -np.inf)["group"]
                flags.append(
                    f"{m} differs by {fmt.points(difference[m])} between groups ({lo} lowest, {hi} highest), "
                    f"over the tolerance of {fmt.points(self.tolerance)}."
                )
        small = [r["group"] for r in rows if r["small"]]
        if small:
            flags.append(
                f"Group(s) {', '.join(map(str, small))} have too few rows or positives for reliable rates; "
                "read their numbers with their intervals."
            )
        return GroupTable(float(threshold), rows, difference, ratio, self.tolerance, flags)

    def thresholds_for_recall(self, target: float) -> dict[str, float]:
        """For each group, the highest threshold whose recall is at least ``target`` (equal-opportunity thresholds)."""
        out = {}
        for g, c in self.curves.items():
            d = c.distinct
            with np.errstate(invalid="ignore", divide="ignore"):
                recall = d.tp / max(c.positives, 1)
            ok = np.flatnonzero(recall >= target - 1e-12)
            out[g] = float(d.thresholds[ok[-1]]) if len(ok) else float(d.thresholds[0])
        return out


@dataclass
class GroupThresholds:
    """Group-specific thresholds that equalise recall, and what they cost against one shared threshold."""

    thresholds: dict[str, float]
    target_recall: float
    confusion: dict[str, int]
    shared_confusion: dict[str, int]
    cost_per_1000: float | None = None
    shared_cost_per_1000: float | None = None
    recall_by_group: dict[str, float] = field(default_factory=dict)

    @property
    def extra_cost_per_1000(self) -> float | None:
        if self.cost_per_1000 is None or self.shared_cost_per_1000 is None:
            return None
        return self.cost_per_1000 - self.shared_cost_per_1000

    def to_json(self) -> dict:
        return {
            "method": "equal recall (equal opportunity) per group",
            "target_recall": self.target_recall,
            "thresholds": self.thresholds,
            "recall_by_group": self.recall_by_group,
            "confusion": self.confusion,
            "cost_per_1000": self.cost_per_1000,
            "shared_threshold_cost_per_1000": self.shared_cost_per_1000,
        }


def fairlearn_frame(y_true, y_score, groups, threshold: float):
    """fairlearn's ``MetricFrame`` at ``threshold`` with tpr, fpr, precision, selection_rate and count."""
    from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import precision_score

    def precision(y_t, y_p):
        return precision_score(y_t, y_p, zero_division=0)

    y_pred = (np.asarray(y_score) >= threshold).astype(int)
    return MetricFrame(
        metrics={"tpr": true_positive_rate, "fpr": false_positive_rate, "precision": precision,
                 "selection_rate": selection_rate, "n": count},
        y_true=np.asarray(y_true), y_pred=y_pred, sensitive_features=np.asarray(groups),
    )

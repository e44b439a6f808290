"""Fairness of a forecast: does the model err more, or lean one way, for some groups?

Per group (with fairlearn's ``MetricFrame``): rows, mean error (the lean: positive = estimates too high), MAE,
and the share within the tolerance with its Wilson interval. Each group is compared with a reference group (the
largest by default): the gap in the share within tolerance (with a normal interval of the difference) and the
gap in mean error (Welch's interval). A group is flagged when an interval excludes 0 and the gap is material
(5 points of share, or a lean of at least a quarter of the overall MAE).

Examples
--------
>>> rng = np.random.default_rng(0)
>>> g = np.repeat(["a", "b"], 500)
>>> y = rng.uniform(20, 40, 1000)
>>> r = RegressionFairness(y, y + rng.normal(np.where(g == "b", 4, 0), 2), g, tolerance=3)
>>> r.flagged_groups
['b']
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..text import format as fmt
from ..tasks.forecast import parse_tolerance, regression_values
from ..io.inputs import group_labels
from ..stats.intervals import wilson_interval

__all__ = ["RegressionFairness", "MATERIAL_SHARE_GAP"]

MATERIAL_SHARE_GAP = 0.05
Z = 1.959964
SMALL = 30


@dataclass
class RegressionFairness:
    """The per-group error audit of a forecast."""

    y_true: Any
    y_pred: Any
    groups: Any
    tolerance: Any = "10%"
    reference: str | None = None
    unit: str = "units"
    group_name: str = "group"
    rows: list[dict[str, Any]] = field(init=False)
    flagged_groups: list[str] = field(init=False)

    def __post_init__(self) -> None:
        from fairlearn.metrics import MetricFrame

        y = regression_values(self.y_true, name="label")
        p = regression_values(self.y_pred, name="prediction", role="prediction")
        g = group_labels(self.groups, name=self.group_name, n=len(y))
        tol = parse_tolerance(self.tolerance)
        self.tolerance = tol
        e = p - y
        if tol.kind == "absolute":
            within = np.abs(e) <= tol.value
        else:
            within = np.abs(e) <= tol.value * np.abs(y)

        def mean_error(yt, yp):
            return float(np.mean(np.asarray(yp) - np.asarray(yt)))

        def mae(yt, yp):
            return float(np.mean(np.abs(np.asarray(yp) - np.asarray(yt))))

        def sd_error(yt, yp):
            d = np.asarray(yp) - np.asarray(yt)
            return float(np.std(d, ddof=1)) if len(d) > 1 else float("nan")

        def count(yt, yp):
            return len(yt)

        mf = MetricFrame(metrics={"mean_error": mean_error, "mae": mae, "sd_error": sd_error, "n": count},
                         y_true=y, y_pred=p, sensitive_features=pd.Series(g, name=self.group_name))
        hits = pd.Series(within).groupby(g).sum()
        table = mf.by_group
        overall_mae = mae(y, p)
        ref = self.reference if self.reference is not None else str(table["n"].astype(int).idxmax())
        if ref not in table.index:
            from ..errors import InputDataError

            raise InputDataError(f"The reference group {ref!r} is not in {self.group_name!r} (it holds "
                                 f"{', '.join(map(repr, table.index[:8]))}).")
        self.reference = ref
        rows = []
        for name, r in table.iterrows():
            n = int(r["n"])
            k = int(hits.get(name, 0))
            lo, hi = wilson_interval(k, n)
            se = r["sd_error"] / math.sqrt(n) if n > 1 else float("nan")
            rows.append({"group": str(name), "n": n, "mean_error": float(r["mean_error"]),
                         "mean_error_ci": [float(r["mean_error"] - Z * se), float(r["mean_error"] + Z * se)],
                         "mae": float(r["mae"]), "within_tolerance": k / n, "within_tolerance_ci": [float(lo), float(hi)],
                         "small": n < SMALL, "_k": k, "_se": se})
        base = next(r for r in rows if r["group"] == ref)
        flagged = []
        for r in rows:
            p1, p0 = r["within_tolerance"], base["within_tolerance"]
            se_d = math.sqrt(p1 * (1 - p1) / r["n"] + p0 * (1 - p0) / base["n"])
            d = p1 - p0
            r["within_gap"] = d
            r["within_gap_ci"] = [d - Z * se_d, d + Z * se_d]
            dm = r["mean_error"] - base["mean_error"]
            se_m = math.sqrt(r["_se"] ** 2 + base["_se"] ** 2) if r["n"] > 1 else float("nan")
            r["mean_error_gap"] = dm
            r["mean_error_gap_ci"] = [dm - Z * se_m, dm + Z * se_m]
            share_flag = r["within_gap_ci"][1] < 0 and -d >= MATERIAL_SHARE_GAP
            lean_flag = (r["mean_error_gap_ci"][0] > 0 or r["mean_error_gap_ci"][1] < 0) and abs(dm) >= 0.25 * overall_mae
            r["flag"] = bool(r["group"] != ref and not r["small"] and (share_flag or lean_flag))
            if r["flag"]:
                flagged.append(r["group"])
        for r in rows:
            del r["_k"], r["_se"]
        self.rows = rows
        self.flagged_groups = flagged
        self._overall_mae = overall_mae

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, label: str, prediction: str, group: str, **kwargs: Any) -> "RegressionFairness":
        from ..io.inputs import require_columns

        require_columns(frame, [label, prediction, group])
        return cls(frame[label], frame[prediction], frame[group], group_name=group, **kwargs)

    def findings(self) -> list[str]:
        u = lambda x: f"{fmt.number(x, 1)} {self.unit}"  # noqa: E731
        tol = self.tolerance.text(self.unit)
        out = []
        for r in self.rows:
            if r["flag"]:
                out.append(f"{self.group_name} = {r['group']}: {fmt.percent(r['within_tolerance'])} of estimates within {tol} "
                           f"against {fmt.percent(next(x for x in self.rows if x['group'] == self.reference)['within_tolerance'])} "
                           f"for {self.reference} (gap {fmt.interval(r['within_gap_ci'][0], r['within_gap_ci'][1], fmt.points)}); "
                           f"estimates lean {'high' if r['mean_error'] > 0 else 'low'} by {u(abs(r['mean_error']))}.")
        if not out:
            out.append(f"No group's error differs materially from {self.reference}'s (share within {tol} and mean error).")
        small = [r["group"] for r in self.rows if r["small"]]
        if small:
            out.append(f"Too few rows to compare (under {SMALL}): {', '.join(small)}.")
        return out

    def to_dict(self) -> dict[str, Any]:
        def clean(v):
            if isinstance(v, float):
                return v if math.isfinite(v) else None
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v

        return {"task": "regression", "group": self.group_name, "reference": self.reference,
                "tolerance": {**self.tolerance.to_dict(), "text": self.tolerance.text(self.unit)}, "unit": self.unit,
                "groups": [{k: clean(v) for k, v in r.items()} for r in self.rows],
                "flagged_groups": list(self.flagged_groups), "findings": self.findings()}

    def __str__(self) -> str:
        lines = [f"{r['group']}: n={r['n']:,} mean error {r['mean_error']:+.2f} MAE {r['mae']:.2f} "
                 f"within {fmt.percent(r['within_tolerance'])}" + (" FLAG" if r["flag"] else "") for r in self.rows]
        return "\n".join(lines + [f"- {s}" for s in self.findings()])

    def _repr_html_(self) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in self.findings()) + "</ul>"

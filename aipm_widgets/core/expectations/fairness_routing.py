"""Fairness of a routing model (multiclass): are some groups' tickets automated less, or misrouted more?

At the confidence threshold (stage 4's, or the one-pager's starting point), per group: rows, the share
routed automatically and the accuracy of those (the share reaching the right class), each with its Wilson
interval, and each compared with a reference group (the largest by default) by the difference of the two
shares with a normal interval. A group is flagged when that interval excludes 0 on the worse side and the gap
is material (:data:`MATERIAL_GAP`, 5 points) and the group is not too small to compare. Beside it, the share
of each group's rows the model sends to each class (all rows, as ``aipm fairness --task multiclass``), with
the four-fifths check of :func:`~aipm_widgets.core.tasks.class_balance.selection_by_group`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from aipm_widgets.core.tasks.routing import Routing
>>> rng = np.random.default_rng(1)
>>> y = rng.choice(["motor", "home", "travel"], 3000)
>>> g = np.where(np.arange(3000) % 3 == 0, "online", "branch")
>>> p = rng.dirichlet([1, 1, 1], 3000)
>>> hit = pd.Series(y).map({"motor": 0, "home": 1, "travel": 2}).to_numpy()
>>> p[np.arange(3000), hit] += np.where(g == "online", 0.3, 3.0)
>>> proba = pd.DataFrame(p / p.sum(1, keepdims=True), columns=["motor", "home", "travel"])
>>> audit = RoutingFairness(Routing(y, proba), g, threshold=0.6, group_name="channel")
>>> audit.flagged_groups
['online']
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..io.inputs import group_labels
from ..stats.intervals import wilson_interval
from ..text import format as fmt

__all__ = ["RoutingFairness", "MATERIAL_GAP", "SMALL_GROUP", "GROUPS_ALL_MISSING", "ONE_GROUP", "usable_groups"]

MATERIAL_GAP = 0.05
SMALL_GROUP = 30
"""A group with fewer rows (or, for accuracy, fewer automated rows) is shown but not compared."""
Z = 1.959964
GROUPS_ALL_MISSING = ("The group column {name!r} is empty in every row, so there are no groups to compare. Choose a "
                      "column that holds the groups (region, age band, channel), or fill this one in the data.")
ONE_GROUP = ("The group column {name!r} holds only one group ({group!r}), so there is nothing to compare. Choose a "
             "column with at least two groups.")
MAX_GROUPS = 200


def usable_groups(values: Any, *, name: str, n: int | None = None) -> np.ndarray:
    """Group labels as strings (missing as ``"(missing)"``), or a clear error when they cannot be compared."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    if len(series) and series.isna().all():
        raise InputDataError(GROUPS_ALL_MISSING.format(name=name))
    g = group_labels(series, name=name, n=n)
    kinds = pd.unique(g)
    if len(kinds) < 2:
        raise InputDataError(ONE_GROUP.format(name=name, group=str(kinds[0]) if len(kinds) else ""))
    if len(kinds) > MAX_GROUPS:
        raise InputDataError(f"The group column {name!r} has {len(kinds):,} different values; a fairness audit needs a "
                             f"column with a few groups (at most {MAX_GROUPS}).")
    return g


def _share(k: int, n: int) -> tuple[float, list[float | None]]:
    if n <= 0:
        return math.nan, [None, None]
    lo, hi = wilson_interval(k, n)
    return k / n, [float(lo), float(hi)]


def _gap(p1: float, n1: int, p0: float, n0: int) -> tuple[float, list[float | None]]:
    if n1 <= 0 or n0 <= 0 or not (math.isfinite(p1) and math.isfinite(p0)):
        return math.nan, [None, None]
    d = p1 - p0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return d, [d - Z * se, d + Z * se]


@dataclass
class RoutingFairness:
    """Per group at a confidence threshold: share routed automatically and accuracy of those, with gaps and flags.

    Parameters
    ----------
    routing : Routing
        The labels, predicted classes and confidences (:class:`~aipm_widgets.core.tasks.routing.Routing`).
    groups : array-like
        One group per row of ``routing``.
    threshold : float, optional
        Rows with confidence at or above it are routed automatically (None: every row).
    reference : str, optional
        The group the others are compared with (default: the largest).
    """

    routing: Any
    groups: Any
    threshold: float | None = None
    reference: str | None = None
    group_name: str = "group"
    rows: list[dict[str, Any]] = field(init=False)
    flagged_groups: list[str] = field(init=False)

    def __post_init__(self) -> None:
        from ..tasks.class_balance import selection_by_group

        r = self.routing
        g = usable_groups(self.groups, name=self.group_name, n=r.n)
        if self.threshold is not None and not math.isfinite(float(self.threshold)):
            raise InputDataError(f"The confidence threshold must be a number, not {self.threshold!r}.")
        auto = np.ones(r.n, bool) if self.threshold is None else r.confidence >= float(self.threshold)
        right = auto & (r.inputs.y == r.inputs.pred)
        frame = pd.DataFrame({"g": g, "auto": auto, "right": right})
        table = frame.groupby("g", sort=True).agg(n=("auto", "size"), automated=("auto", "sum"), right=("right", "sum"))
        ref = self.reference if self.reference is not None else str(table["n"].idxmax())
        if ref not in table.index:
            raise InputDataError(f"The reference group {ref!r} is not in {self.group_name!r} (it holds "
                                 f"{', '.join(map(repr, list(table.index)[:8]))}).")
        self.reference = ref
        rows = []
        for name, t in table.iterrows():
            n, a, k = int(t["n"]), int(t["automated"]), int(t["right"])
            ar, ar_ci = _share(a, n)
            acc, acc_ci = _share(k, a)
            rows.append({"group": str(name), "n": n, "automated": a, "right": k,
                         "automation_rate": ar, "automation_rate_ci": ar_ci,
                         "accuracy_automated": acc, "accuracy_automated_ci": acc_ci,
                         "small": n < SMALL_GROUP, "small_automated": a < SMALL_GROUP})
        base = next(x for x in rows if x["group"] == ref)
        flagged = []
        for x in rows:
            x["automation_gap"], x["automation_gap_ci"] = _gap(x["automation_rate"], x["n"], base["automation_rate"], base["n"])
            x["accuracy_gap"], x["accuracy_gap_ci"] = _gap(x["accuracy_automated"], x["automated"],
                                                           base["accuracy_automated"], base["automated"])
            x["flags"] = []
            if x["group"] != ref and not x["small"]:
                hi = x["automation_gap_ci"][1]
                if hi is not None and hi < 0 and -x["automation_gap"] >= MATERIAL_GAP:
                    x["flags"].append("automation_rate")
                hi = x["accuracy_gap_ci"][1]
                if (not x["small_automated"] and not base["small_automated"] and hi is not None and hi < 0
                        and -x["accuracy_gap"] >= MATERIAL_GAP):
                    x["flags"].append("accuracy_automated")
            x["flag"] = bool(x["flags"])
            if x["flag"]:
                flagged.append(x["group"])
        self.rows = rows
        self.flagged_groups = flagged
        names = np.asarray(r.classes, dtype=object)[r.inputs.pred]
        self.selection = selection_by_group(names, g, classes=r.classes, group_name=self.group_name)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, label: str, group: str, prediction: str | None = None,
                   proba_columns: Any = None, proba_prefix: str | None = None, **kwargs: Any) -> "RoutingFairness":
        """From a table: the label, the group column and the per-class probability columns (clear errors)."""
        from ..io.inputs import require_columns
        from ..tasks.routing import Routing

        require_columns(frame, [label, group])
        routing = Routing.from_frame(frame, label=label, prediction=prediction, proba_columns=proba_columns,
                                     proba_prefix=proba_prefix)
        return cls(routing, frame[group].reset_index(drop=True), group_name=group, **kwargs)

    # ----- words --------------------------------------------------------------------------------
    def _base(self) -> dict[str, Any]:
        return next(x for x in self.rows if x["group"] == self.reference)

    def findings(self) -> list[str]:
        """Flagged gaps, the four-fifths check of each class's share, and groups too small to compare."""
        base = self._base()
        unit = getattr(self.routing, "unit", "rows")
        out = []
        for x in self.rows:
            if "automation_rate" in x["flags"]:
                out.append(f"{self.group_name} = {x['group']}: {fmt.percent(x['automation_rate'])} of its {unit} are routed "
                           f"automatically against {fmt.percent(base['automation_rate'])} for {self.reference} (gap "
                           f"{fmt.interval(*x['automation_gap_ci'], fmt.points)}); the rest wait for a person.")
            if "accuracy_automated" in x["flags"]:
                out.append(f"{self.group_name} = {x['group']}: {fmt.percent(x['accuracy_automated'])} of its automatically "
                           f"routed {unit} reach the right class against {fmt.percent(base['accuracy_automated'])} for "
                           f"{self.reference} (gap {fmt.interval(*x['accuracy_gap_ci'], fmt.points)}).")
        if not out:
            out.append(f"No group's share routed automatically, or accuracy of those, differs materially from "
                       f"{self.reference}'s (a gap of at least {fmt.points(MATERIAL_GAP, 0)} whose interval excludes 0).")
        out += self.selection.flags
        small = [x["group"] for x in self.rows if x["small"]]
        if small:
            out.append(f"Too few rows to compare (under {SMALL_GROUP}): {', '.join(small)}.")
        return out

    def warnings(self) -> list[str]:
        return [s for s in self.findings() if s.startswith("Too few rows")]

    def to_dict(self) -> dict[str, Any]:
        """Every number at full precision (NaN written as None)."""
        def clean(v: Any) -> Any:
            if isinstance(v, (float, np.floating)):
                return float(v) if math.isfinite(v) else None
            if isinstance(v, list):
                return [clean(x) for x in v]
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, np.bool_):
                return bool(v)
            return v

        sel = self.selection.to_json()
        return {"task": "multiclass", "group": self.group_name, "reference": self.reference,
                "threshold": None if self.threshold is None else float(self.threshold),
                "classes": list(self.routing.classes),
                "groups": [{k: clean(v) for k, v in x.items()} for x in self.rows],
                "selection": [{**s, "ci": [clean(c) for c in s["ci"]]} for s in sel["selection_rate"]],
                "flagged_groups": list(self.flagged_groups), "findings": self.findings()}

    def __str__(self) -> str:
        lines = [f"{x['group']}: n={x['n']:,} automated {fmt.percent(x['automation_rate'])} accuracy "
                 f"{fmt.percent(x['accuracy_automated'])}" + (" FLAG" if x["flag"] else "") for x in self.rows]
        return "\n".join(lines + [f"- {s}" for s in self.findings()])

    def _repr_html_(self) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in self.findings()) + "</ul>"

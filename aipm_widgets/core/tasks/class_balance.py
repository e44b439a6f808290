"""Classes of a multiclass label (stage 3) and each group's share routed to each class (fairness).

:func:`class_balance` counts the rows of each class with a Wilson interval on its share and names the classes too
rare to evaluate: with fewer than ``min_rows`` labeled rows a class's recall interval is wider than the decisions it
would inform (at 30 rows and recall 0.9 the 95% interval is 0.74 to 0.97).

:func:`selection_by_group` is the multiclass form of the selection rate: for every group and class, the share of
the group's rows the model routes to that class, with its interval, and per class the ratio of the lowest group's
share to the highest (the four-fifths rule applies to a class that is a benefit or a burden, e.g. "fast lane").

Examples
--------
>>> cb = class_balance(["a"] * 90 + ["b"] * 8 + ["c"] * 2)
>>> cb.rare, cb.too_few
(['b', 'c'], ['b', 'c'])
>>> sg = selection_by_group(["a", "b", "a", "a"], ["x", "x", "y", "y"], classes=["a", "b"])
>>> float(sg.table.loc[("x", "b"), "share"])
0.5
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..text import format as fmt
from ..errors import InputDataError
from .routing import class_names
from ..stats.intervals import wilson_interval

__all__ = ["ClassBalance", "class_balance", "GroupSelection", "selection_by_group", "MIN_CLASS_ROWS", "FOUR_FIFTHS"]

MIN_CLASS_ROWS = 30
RARE_SHARE = 0.02
"""A class under this share of rows is rare: the model sees few examples, and per-class numbers rest on few rows."""
FOUR_FIFTHS = 0.8


@dataclass
class ClassBalance:
    """Rows per class with the share's interval, and the classes too rare to evaluate."""

    table: pd.DataFrame
    n: int
    n_missing: int
    min_rows: int
    rare_share: float = RARE_SHARE

    @property
    def too_few(self) -> list[str]:
        """Classes with fewer than ``min_rows`` rows: too few to evaluate per class."""
        return [c for c in self.table.index if self.table.loc[c, "rows"] < self.min_rows]

    @property
    def rare(self) -> list[str]:
        """Classes under ``rare_share`` of the rows or with too few rows to evaluate."""
        return [c for c in self.table.index if self.table.loc[c, "share"] < self.rare_share or c in self.too_few]

    def findings(self) -> list[str]:
        t = self.table
        out = [f"{fmt.count(self.n)} labeled rows in {len(t)} classes; the largest is {t.index[0]} "
               f"({fmt.percent(t['share'].iloc[0])}), the smallest {t.index[-1]} ({fmt.count(t['rows'].iloc[-1])} rows)."]
        common = [c for c in self.rare if c not in self.too_few]
        if common:
            out.append(f"Rare classes (under {fmt.percent(self.rare_share, 0)} of rows): "
                       + ", ".join(f"{c} ({fmt.count(t.loc[c, 'rows'])} rows, {fmt.percent(t.loc[c, 'share'])})" for c in common)
                       + ". The model sees few examples of them; check their recall interval before automating them.")
        if self.too_few:
            out.append(f"Too rare to evaluate per class (fewer than {self.min_rows} rows): "
                       + ", ".join(f"{c} ({fmt.count(t.loc[c, 'rows'])})" for c in self.too_few)
                       + ". Their precision and recall intervals will be too wide to decide on: label more of them, "
                         "merge them into a related class, or route them to a person.")
        if self.n_missing:
            out.append(f"{fmt.count(self.n_missing)} rows have no label and were not counted.")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n, "n_missing": self.n_missing, "min_rows": self.min_rows, "rare_share": self.rare_share,
            "rare": self.rare, "too_few_to_evaluate": self.too_few,
            "classes": {c: {"rows": int(r["rows"]), "share": float(r["share"]), "ci": [float(r["low"]), float(r["high"])]}
                        for c, r in self.table.iterrows()},
            "findings": self.findings(),
        }

    def _repr_html_(self) -> str:
        return "".join(f"<p>{html.escape(x)}</p>" for x in self.findings()) + self.table.round(4).to_html(escape=True)


def class_balance(labels: Any, *, min_rows: int = MIN_CLASS_ROWS) -> ClassBalance:
    """Count each class of a label column (missing labels left out)."""
    names = class_names(labels)
    missing = pd.isna(names)
    counts = pd.Series(names[~missing], dtype=object).value_counts()
    n = int(counts.sum())
    if n == 0:
        raise InputDataError("The label column has no values to count.")
    lo, hi = wilson_interval(counts.to_numpy(), n)
    table = pd.DataFrame({"rows": counts.to_numpy(), "share": counts.to_numpy() / n, "low": lo, "high": hi},
                         index=pd.Index(counts.index.astype(str), name="class"))
    return ClassBalance(table, n, int(missing.sum()), int(min_rows))


@dataclass
class GroupSelection:
    """Per group and class: rows routed to the class, the share, its interval; per class the ratio and flags."""

    table: pd.DataFrame
    ratios: pd.DataFrame
    group_name: str

    @property
    def flags(self) -> list[str]:
        out = []
        for c, r in self.ratios.iterrows():
            if r["ratio"] < FOUR_FIFTHS and r["separated"]:
                out.append(f"{c}: {r['lowest']} is routed there {fmt.percent(r['low_share'])} of the time, {r['highest']} "
                           f"{fmt.percent(r['high_share'])} (ratio {fmt.number(r['ratio'], 2)}, below {FOUR_FIFTHS}; the "
                           "intervals do not overlap).")
        return out

    def findings(self) -> list[str]:
        if not self.flags:
            return [f"No class's share differs between the {self.group_name} groups beyond the four-fifths rule and its uncertainty."]
        return self.flags

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group_name,
            "selection_rate": [{"group": g, "class": c, "rows": int(r["rows"]), "routed": int(r["routed"]),
                                "share": float(r["share"]), "ci": [float(r["low"]), float(r["high"])]}
                               for (g, c), r in self.table.iterrows()],
            "by_class": {c: {k: (float(v) if isinstance(v, (float, np.floating)) else (bool(v) if isinstance(v, (bool, np.bool_)) else v))
                             for k, v in r.items()} for c, r in self.ratios.iterrows()},
            "flags": self.flags,
        }


def selection_by_group(predictions: Any, groups: Any, *, classes: Sequence[str] | None = None, group_name: str = "group",
                       min_rows: int = MIN_CLASS_ROWS) -> GroupSelection:
    """Share of each group's rows routed to each class (Wilson intervals) and the per-class min/max ratio.

    Groups with fewer than ``min_rows`` rows are shown but left out of the ratios.
    """
    pred = class_names(predictions)
    g = pd.Series(np.asarray(groups, dtype=object)).astype(object)
    if len(g) != len(pred):
        raise InputDataError(f"The group column {group_name!r} has {len(g):,} rows but the predictions {len(pred):,}.")
    g = g.where(g.notna(), "(missing)").astype(str).to_numpy()
    classes = list(classes) if classes is not None else sorted(set(pred[~pd.isna(pred)]))
    ct = pd.crosstab(pd.Series(g, name="group"), pd.Series(pred, name="class")).reindex(columns=classes, fill_value=0)
    sizes = ct.sum(1)
    rows = []
    for grp in ct.index:
        for c in classes:
            k, n = int(ct.loc[grp, c]), int(sizes[grp])
            lo, hi = wilson_interval(k, n)
            rows.append({"group": grp, "class": c, "rows": n, "routed": k, "share": k / n if n else np.nan, "low": lo, "high": hi})
    table = pd.DataFrame(rows).set_index(["group", "class"])
    big = [grp for grp in ct.index if sizes[grp] >= min_rows]
    ratio_rows = []
    for c in classes:
        sub = table.loc[[(grp, c) for grp in big]] if big else table.iloc[0:0]
        if len(sub) < 2:
            continue
        lo_i, hi_i = sub["share"].idxmin(), sub["share"].idxmax()
        low_share, high_share = float(sub.loc[lo_i, "share"]), float(sub.loc[hi_i, "share"])
        ratio_rows.append({"class": c, "lowest": lo_i[0], "highest": hi_i[0], "low_share": low_share, "high_share": high_share,
                           "ratio": low_share / high_share if high_share > 0 else np.nan,
                           "difference": high_share - low_share,
                           "separated": bool(sub.loc[lo_i, "high"] < sub.loc[hi_i, "low"])})
    ratios = pd.DataFrame(ratio_rows).set_index("class") if ratio_rows else pd.DataFrame(
        columns=["lowest", "highest", "low_share", "high_share", "ratio", "difference", "separated"])
    return GroupSelection(table, ratios, group_name)

"""From the counts an engine collected to the statistics and decisions, on the driver, with the in-memory code.

The engines (DuckDB, Spark) return two small tables:

* drift counts, one row per (window, column, key or bin): ``w`` (window index, -1 for rows outside every
  window), ``f`` (plan index; -1 counts every row), ``key`` (text category), ``x`` (a number's value or its bin),
  ``c`` (rows), ``s`` (sum of the values), ``below`` and ``above`` (sums of the overshoot beyond the reference's
  range);
* performance sums per window (see :data:`aipm_widgets.core.monitoring.engines.sql.PERFORMANCE_SQL`).

Everything after that is the same functions the pandas path uses (:mod:`aipm_widgets.core.monitoring.drift`,
:class:`aipm_widgets.core.monitoring.estimation.PerformanceEstimator`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..drift import (
    FEW_VALUES,
    METHODS,
    SMALL_REFERENCE,
    DriftTable,
    _resolve_method,
    chisquare_p_value,
    default_method,
    is_drift,
    jensenshannon_counts,
    ks_p_value,
    numeric_binned,
    psi_counts,
    reference_band,
    z_p_value,
)
from ..drift_duckdb import wasserstein_binned
from .plan import FeaturePlan

__all__ = ["drift_from_counts", "wasserstein_bound", "BINNED_NOTE"]

BINNED_NOTE = (
    "{k} continuous column(s) were compared from counts in {bins:,} quantile bins of the reference ({engine} engine): "
    "each Wasserstein distance is exact up to where the two distributions cross inside a bin, and at most "
    "{worst:.2g} above the value shown (score_bound in the JSON); {close} decision(s) lie within that margin of "
    "their threshold."
)
_COUNT_FNS = {"chisquare": chisquare_p_value, "z": z_p_value, "jensenshannon": jensenshannon_counts, "psi": psi_counts}


def wasserstein_bound(ref_counts: np.ndarray, cur_counts: np.ndarray, edges: np.ndarray, ref_std: float) -> float:
    """The most the exact normed Wasserstein distance can exceed :func:`wasserstein_binned` with sums.

    Inside a bin of width ``h`` both distribution functions rise monotonically, so their difference lies in
    ``[Fr_lo - Fc_hi, Fr_hi - Fc_lo]``; the exact integral of its absolute value exceeds the absolute value of
    its (exact) integral by twice the smaller of its positive and negative parts, at most
    ``2 h min(max(0, Fr_hi - Fc_lo), max(0, Fc_hi - Fr_lo))``. The two outer bins are exact.
    """
    r = np.asarray(ref_counts, float)
    c = np.asarray(cur_counts, float)
    if r.sum() == 0 or c.sum() == 0:
        return float("nan")
    fr = np.concatenate([[0.0], np.cumsum(r)]) / r.sum()
    fc = np.concatenate([[0.0], np.cumsum(c)]) / c.sum()
    # Inner bins 1..K-1 of K+1: [edges[i-1], edges[i]).
    lo_r, hi_r, lo_c, hi_c = fr[1:-2], fr[2:-1], fc[1:-2], fc[2:-1]
    pos = np.maximum(0.0, hi_r - lo_c)
    neg = np.maximum(0.0, hi_c - lo_r)
    return float(np.sum(2 * np.diff(edges) * np.minimum(pos, neg))) / max(ref_std, 0.001)


def _matrix(a: pd.DataFrame, pos: np.ndarray, n_windows: int, k: int, column: str = "c") -> np.ndarray:
    out = np.zeros((n_windows, k), dtype=np.int64 if column == "c" else float)
    if len(a):
        np.add.at(out, (a["w"].to_numpy(np.int64), pos), a[column].to_numpy())
    return out


def drift_from_counts(
    plans: Sequence[FeaturePlan], agg: pd.DataFrame, labels: list[str], *, engine: str,
    per_column_threshold: Mapping[str, float] | None = None, threshold_mode: str = "fixed",
    reference: pd.DataFrame | None = None, window_sizes: Sequence[int] = (),
) -> DriftTable:
    """A :class:`DriftTable` from an engine's counts, with the same methods and decisions as the pandas path."""
    nw, nf = len(labels), len(plans)
    score = np.full((nf, nw), np.nan)
    thr = np.full((nf, nw), np.nan)
    bound = np.full((nf, nw), np.nan)
    n = np.zeros((nf, nw), dtype=np.int64)
    drift = np.zeros((nf, nw), dtype=bool)
    methods: dict[str, str] = {}
    kinds: dict[str, str] = {}
    counts: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    skipped: dict[str, str] = {}
    agg = agg[agg["w"] >= 0]
    binned = []
    for fi, plan in enumerate(plans):
        f = plan.name
        a = agg[agg["f"] == fi]
        if a["c"].sum() == 0:
            skipped[f] = f"{f!r} is empty in production (all values missing): check the logging; it was skipped."
            continue
        if plan.mode == "keys":
            keys = sorted(set(plan.ref_values) | set(a["key"]))
            pos = {k: i for i, k in enumerate(keys)}
            rc = np.zeros(len(keys), dtype=np.int64)
            rc[[pos[k] for k in plan.ref_values]] = plan.ref_counts
            cc = _matrix(a, np.array([pos[k] for k in a["key"]], dtype=np.int64), nw, len(keys))
            m = _resolve_method(f, plan.kind, plan.n_ref, len(keys), plan.method, plan.per_column_method)
            _counted(fi, plan, m, [str(k) for k in keys], rc, cc, labels, score, n, notes, counts)
        elif plan.mode == "values":
            keys = np.union1d(plan.ref_values, a["x"].to_numpy(float))
            rc = np.zeros(len(keys), dtype=np.int64)
            rc[np.searchsorted(keys, plan.ref_values)] = plan.ref_counts
            cc = _matrix(a, np.searchsorted(keys, a["x"].to_numpy(float)), nw, len(keys))
            m = _resolve_method(f, "numeric", plan.n_ref, len(keys), plan.method, plan.per_column_method)
            if len(keys) <= FEW_VALUES and m not in {"ks", "wasserstein"}:
                _counted(fi, plan, m, [f"{k:g}" for k in keys], rc, cc, labels, score, n, notes, counts)
            else:
                ref_arr = np.repeat(keys, rc)
                fr = np.cumsum(rc)[:-1] / rc.sum()
                steps = np.diff(keys)
                for w in range(nw):
                    n[fi, w] = cc[w].sum()
                    if not n[fi, w]:
                        continue
                    if m == "wasserstein":  # the exact distance from counts per value
                        fc = np.cumsum(cc[w])[:-1] / n[fi, w]
                        score[fi, w] = float(np.sum(np.abs(fr - fc) * steps)) / max(plan.ref_std, 0.001)
                    elif m == "ks":
                        score[fi, w] = ks_p_value(ref_arr, np.repeat(keys, cc[w]))
                    else:
                        r2, c2 = numeric_binned(ref_arr, np.repeat(keys, cc[w]))
                        score[fi, w] = _COUNT_FNS[m](r2, c2)
                counts[f] = pd.DataFrame(np.column_stack([rc, cc.T]), index=[f"{k:g}" for k in keys],
                                         columns=["reference", *labels])
        else:
            m = "wasserstein"
            edges = plan.edges
            k = len(edges) + 1
            b = a["x"].to_numpy(np.int64)
            bins_of_ref = np.searchsorted(edges, plan.ref_values, side="right")
            rc = np.bincount(bins_of_ref, minlength=k)
            rs = np.bincount(bins_of_ref, weights=plan.ref_values, minlength=k)
            cc = _matrix(a, b, nw, k)
            cs = _matrix(a, b, nw, k, "s")
            below = np.zeros(nw)
            above = np.zeros(nw)
            if len(a):
                np.add.at(below, a["w"].to_numpy(np.int64), a["below"].to_numpy(float))
                np.add.at(above, a["w"].to_numpy(np.int64), a["above"].to_numpy(float))
            for w in range(nw):
                n[fi, w] = cc[w].sum()
                if n[fi, w]:
                    score[fi, w] = wasserstein_binned(edges, rc, cc[w], plan.ref_std, below[w] / n[fi, w],
                                                      above[w] / n[fi, w], rs, cs[w])
                    bound[fi, w] = wasserstein_bound(rc, cc[w], edges, plan.ref_std)
            counts[f] = _display_counts(edges, rc, cc, labels)
            binned.append(fi)
        methods[f], kinds[f] = m, plan.kind
        thr[fi] = (per_column_threshold or {}).get(f, plan.threshold if plan.threshold is not None else METHODS[m][1])
    features = [p.name for p in plans]
    if threshold_mode == "band" and reference is not None:
        sizes = [int(x) for x in window_sizes if x > 0]
        chunk = int(np.median(sizes)) if sizes else 0
        ref_named = reference.rename(columns={p.column: p.name for p in plans})
        bands, note = reference_band(ref_named, list(methods), methods, kinds, chunk)
        notes.append(note)
        for f, bnd in bands.items():
            if bnd is not None:
                thr[features.index(f)] = bnd
    for f in methods:
        fi = features.index(f)
        for w in range(nw):
            s = float(score[fi, w])
            if n[fi, w] > 0 and not np.isnan(s):
                drift[fi, w] = bool(is_drift(methods[f], s, float(thr[fi, w])))
    rows = [i for i, p in enumerate(plans) if p.name in methods]
    kept = [plans[i].name for i in rows]

    def frame(x):
        return pd.DataFrame(x[rows], index=kept, columns=labels)

    has_bound = [i for i in binned if plans[i].name in methods]
    if has_bound:
        worst = float(np.nanmax(bound[has_bound])) if np.isfinite(bound[has_bound]).any() else 0.0
        gap = np.abs(score[has_bound] - thr[has_bound])
        close = int(np.sum((gap <= bound[has_bound]) & (n[has_bound] > 0)))
        notes.append(BINNED_NOTE.format(k=len(has_bound), bins=max(len(plans[i].edges) - 1 for i in has_bound),
                                        engine=engine, worst=worst, close=close))
    return DriftTable(features=kept, windows=labels, method=methods, kind=kinds, score=frame(score),
                      threshold=frame(thr), drift=frame(drift), n=frame(n), counts=counts, threshold_mode=threshold_mode,
                      notes=notes, skipped=skipped,
                      bound=pd.DataFrame(bound[has_bound], index=[plans[i].name for i in has_bound], columns=labels)
                      if has_bound else None)


def _counted(fi, plan, m, keys, rc, cc, labels, score, n, notes, counts) -> None:
    """Count-based methods, window by window, as :func:`aipm_widgets.core.monitoring.drift.compute_drift` does them."""
    unseen = [keys[i] for i in range(len(keys)) if rc[i] == 0 and cc[:, i].sum() > 0]
    if unseen:
        shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
        notes.append(f"{plan.name!r}: {len(unseen)} value(s) never seen in the reference ({shown}); they count as "
                     "drift evidence.")
    for w in range(len(labels)):
        c = cc[w]
        n[fi, w] = int(c.sum())
        if not n[fi, w]:
            continue
        mm = m
        if plan.per_column_method is None and plan.method is None and plan.n_ref <= SMALL_REFERENCE:
            mm = default_method(plan.kind, plan.n_ref, int(((rc > 0) | (c > 0)).sum()))
        score[fi, w] = _COUNT_FNS[mm](rc, c)
    counts[plan.name] = pd.DataFrame(np.column_stack([rc, cc.T]), index=keys, columns=["reference", *labels])


def _display_counts(edges: np.ndarray, rc: np.ndarray, cc: np.ndarray, labels: list[str], k: int = 20) -> pd.DataFrame:
    """The fine bins merged into about 20 reference-quantile bins for the distribution charts."""
    cut = np.unique(np.linspace(0, len(edges) - 1, k + 1).round().astype(int))
    groups = np.searchsorted(cut[1:-1], np.arange(len(edges) + 1) - 1, side="right")
    ng = len(cut) - 1
    ref = np.bincount(groups, weights=rc, minlength=ng).astype(np.int64)
    cur = np.stack([np.bincount(groups, weights=row, minlength=ng) for row in cc]).astype(np.int64) if len(cc) else \
        np.zeros((0, ng), dtype=np.int64)
    names = [f"{edges[cut[i]]:.4g}-{edges[cut[i + 1]]:.4g}" for i in range(ng)]
    return pd.DataFrame(np.column_stack([ref, cur.T]), index=names, columns=["reference", *labels])


def performance_rows(est, sums: pd.DataFrame, labels: list[str], *, costs: Mapping[str, Any], delay: bool,
                     min_label_coverage: float, min_window_rows: int) -> list[dict[str, Any]]:
    """Per-window performance rows from the engine's sums per window, by the pandas path's
    :func:`aipm_widgets.core.monitoring.performance.window_row`."""
    from ..estimation import ratios
    from ..performance import window_row

    rows = []
    by_w = sums.set_index("w")
    by_value = bool(costs.get("fn_cost_from_value"))
    for i, lab in enumerate(labels):
        if i not in by_w.index or by_w.loc[i, "n"] == 0:
            rows.append(window_row(est, lab, 0, None, None, costs=costs, min_label_coverage=min_label_coverage,
                                   min_window_rows=min_window_rows))
            continue
        g = by_w.loc[i]
        ps, qs = float(g["ps"]), float(g["qs"])
        e = {"tp": float(g["tp_e"]), "fp": float(g["fp_e"])}
        e.update(fn=ps - e["tp"], tn=qs - e["fp"])
        e.update(ratios(e["tp"], e["fp"], e["fn"]))
        e["roc_auc"] = float(g["auc_e"]) / (ps * qs) if ps > 0 and qs > 0 else float("nan")
        y1, y0 = int(g["y1"]), int(g["y0"])
        r = None
        if y1 and y0:
            r = {"tp": int(g["tp_r"]), "fp": int(g["fp_r"])}
            r.update(fn=y1 - r["tp"], tn=y0 - r["fp"])
            r.update(ratios(r["tp"], r["fp"], r["fn"]))
            r["roc_auc"] = float(g["auc_r"]) / (y1 * y0)
        delay_days = None
        if delay:
            delay_days = float(g["delay_median"]) if pd.notna(g.get("delay_median")) else np.nan
        rows.append(window_row(est, lab, int(g["n"]), e, r, n_labeled=y1 + y0, delay_days=delay_days,
                               missed_expected=float(g["miss_e"]) if by_value else 0.0,
                               missed_realized=float(g["miss_r"]) if by_value else 0.0, costs=costs,
                               min_label_coverage=min_label_coverage, min_window_rows=min_window_rows))
    return rows

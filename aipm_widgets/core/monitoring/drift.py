"""Input drift per feature and window: the statistics evidently uses, computed once for all windows.

For each feature the reference (validation or launch period) is compared with every production window
using one method, chosen per column as evidently 0.7 does by default:

* reference of at most 1,000 rows: Kolmogorov-Smirnov for numbers (more than 5 distinct values),
  chi-square for categories, a two-proportion Z-test for two-valued columns; drift when p < 0.05;
* larger reference: Wasserstein distance divided by the reference's standard deviation for numbers
  (drift at >= 0.1) and Jensen-Shannon distance for categories (drift at >= 0.1).

PSI (population stability index) can be chosen too. The values equal evidently's on the same data
(tests compare them), but are computed for all windows in one pass:

* categories (and numbers with at most 5 distinct reference values) become counts per
  (window, value), from which chi-square, Z-test, Jensen-Shannon and PSI follow exactly;
* numbers are grouped by window once; each window is merged with the pre-sorted reference, which gives
  the exact Wasserstein distance in linear time (the same sum scipy computes).

Missing values are left out of both sides (as evidently does). A value never seen in the reference
counts as drift evidence for chi-square and the distances, as it does in evidently.

Thresholds are either fixed (the defaults above) or a *band* learned from the reference itself
(NannyML-style): the reference is cut into chunks the size of a production window, each chunk is
compared with the reference, and a window drifts when its score leaves mean +/- 3 standard deviations.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("ab"), 2000)})
>>> cur = pd.DataFrame({"x": rng.normal(0.5, size=1000), "c": rng.choice(list("ab"), 1000)})
>>> table = compute_drift(ref, cur, np.repeat([0, 1], 500), 2, features=["x", "c"])
>>> table.method["x"], table.method["c"]
('wasserstein', 'jensenshannon')
>>> bool(table.drift.loc["x"].all()), bool(table.drift.loc["c"].any())
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..errors import InputDataError

__all__ = [
    "METHODS",
    "P_VALUE_METHODS",
    "DISTANCE_METHODS",
    "DriftTable",
    "compute_drift",
    "default_method",
    "column_kind",
    "wasserstein_normed",
    "ks_p_value",
    "chisquare_p_value",
    "z_p_value",
    "jensenshannon_counts",
    "psi_counts",
    "numeric_binned",
    "drift_score",
    "UNKNOWN_METHOD",
    "WRONG_METHOD_KIND",
]

METHODS = {
    # name: (kind, default threshold, allowed column kinds, display name)
    "ks": ("p_value", 0.05, {"numeric"}, "K-S p-value"),
    "chisquare": ("p_value", 0.05, {"categorical"}, "chi-square p-value"),
    "z": ("p_value", 0.05, {"categorical"}, "Z-test p-value"),
    "wasserstein": ("distance", 0.1, {"numeric"}, "Wasserstein distance (normed)"),
    "jensenshannon": ("distance", 0.1, {"numeric", "categorical"}, "Jensen-Shannon distance"),
    "psi": ("distance", 0.1, {"numeric", "categorical"}, "PSI"),
}
P_VALUE_METHODS = {k for k, v in METHODS.items() if v[0] == "p_value"}
DISTANCE_METHODS = {k for k, v in METHODS.items() if v[0] == "distance"}
SMALL_REFERENCE = 1000
"""evidently's switch: at most this many reference rows -> statistical tests; more -> distances."""
FEW_VALUES = 5
"""A numeric column with at most this many distinct values is compared value by value."""

UNKNOWN_METHOD = "Unknown drift method {method!r} for {column!r}; choose one of: {choices}."
WRONG_METHOD_KIND = (
    "The method {method!r} works on {allowed} columns, but {column!r} is {kind}. "
    "Choose one of: {choices}."
)


def column_kind(series: pd.Series) -> str:
    """``"numeric"`` for number columns (not booleans), else ``"categorical"``."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return "categorical"
    return "numeric"


def default_method(kind: str, n_reference: int, n_values: int) -> str:
    """evidently 0.7's default method for a column (``_get_default_stattest``).

    ``n_values`` is the number of distinct non-missing values in reference and current together.
    """
    if n_reference <= SMALL_REFERENCE:
        if kind == "numeric" and n_values > FEW_VALUES:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if kind == "numeric" and n_values > FEW_VALUES:
        return "wasserstein"
    return "jensenshannon"


# ----------------------------------------------------------------------------- single comparisons
def wasserstein_normed(ref_sorted: np.ndarray, cur_sorted: np.ndarray, ref_std: float | None = None) -> float:
    """First Wasserstein distance divided by ``max(std(reference), 0.001)`` (evidently's normalisation).

    Both inputs must be sorted and free of NaN. The two sorted runs are merged with a stable sort (linear
    for two runs), which gives the same sum as ``scipy.stats.wasserstein_distance``.
    """
    n, m = len(ref_sorted), len(cur_sorted)
    if n == 0 or m == 0:
        return float("nan")
    values = np.concatenate([ref_sorted, cur_sorted])
    tags = np.concatenate([np.zeros(n, np.int64), np.ones(m, np.int64)])
    order = np.argsort(values, kind="stable")
    merged = values[order]
    in_cur = np.cumsum(tags[order])[:-1]
    in_ref = np.arange(1, n + m) - in_cur
    # At tied values the step width is 0, so the order among ties never changes the sum.
    w = float(np.sum(np.abs(in_ref / n - in_cur / m) * np.diff(merged)))
    std = float(np.std(ref_sorted)) if ref_std is None else ref_std
    return w / max(std, 0.001)


def ks_p_value(ref: np.ndarray, cur: np.ndarray) -> float:
    """Two-sided two-sample Kolmogorov-Smirnov p-value (``scipy.stats.ks_2samp``, as evidently)."""
    from scipy import stats as _st  # imported where used: scipy.stats costs about a second

    return float(_st.ks_2samp(ref, cur)[1])


def chisquare_p_value(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Chi-square goodness of fit of the current counts against the reference proportions (evidently's)."""
    ref_counts = np.asarray(ref_counts, float)
    cur_counts = np.asarray(cur_counts, float)
    keep = (ref_counts > 0) | (cur_counts > 0)
    ref_counts, cur_counts = ref_counts[keep], cur_counts[keep]
    f_exp = ref_counts * (cur_counts.sum() / ref_counts.sum())
    from scipy import stats as _st

    with np.errstate(divide="ignore", invalid="ignore"):
        return float(_st.chisquare(cur_counts, f_exp)[1])


def z_p_value(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Two-proportion Z-test p-value for a two-valued column (evidently's ``z`` test).

    The counts are ordered by the sorted values; the share of the *first* value is compared.
    """
    ref_counts = np.asarray(ref_counts, float)
    cur_counts = np.asarray(cur_counts, float)
    keep = (ref_counts > 0) | (cur_counts > 0)
    ref_counts, cur_counts = ref_counts[keep], cur_counts[keep]
    if len(ref_counts) == 1:
        return 1.0
    n1, n2 = ref_counts.sum(), cur_counts.sum()
    p1 = (n1 - ref_counts[0]) / n1
    p2 = (n2 - cur_counts[0]) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    from scipy.special import ndtr

    return float(2 * (1 - ndtr(np.abs(z))))


def _shares(ref_counts, cur_counts) -> tuple[np.ndarray, np.ndarray]:
    ref_counts = np.asarray(ref_counts, float)
    cur_counts = np.asarray(cur_counts, float)
    keep = (ref_counts > 0) | (cur_counts > 0)
    return ref_counts[keep] / ref_counts.sum(), cur_counts[keep] / cur_counts.sum()


def _fill_zeroes(p: np.ndarray) -> np.ndarray:
    p = p.copy()
    nonzero = p[p != 0]
    if len(nonzero) and (p == 0).any():
        small = nonzero.min()
        p[p == 0] = small / 10**6 if small <= 0.0001 else 0.0001
    return p


def jensenshannon_counts(ref_counts, cur_counts) -> float:
    """Jensen-Shannon distance (natural log, as ``scipy.spatial.distance.jensenshannon``) of two count vectors."""
    r, c = _shares(ref_counts, cur_counts)
    # scipy.spatial.distance.jensenshannon's own formula (relative entropy to the mixture), in numpy: importing
    # scipy.spatial cost 0.3 s and scipy.special 0.5 s of every stage 5 page load (tests/test_monitoring_drift.py
    # compares the two).
    r, c = r / r.sum(), c / c.sum()
    m = (r + c) / 2.0  # positive wherever r or c is: rel_entr's other cases (0 where x is 0) are the masks below
    js = (_rel_entr_sum(r, m) + _rel_entr_sum(c, m)) / 2.0
    return float(np.sqrt(max(js, 0.0)))


def _rel_entr_sum(x: np.ndarray, y: np.ndarray) -> float:
    """``scipy.special.rel_entr(x, y).sum()`` for shares ``x`` and a ``y`` that is positive wherever ``x`` is."""
    keep = x > 0
    return float(np.sum(x[keep] * np.log(x[keep] / y[keep])))


def psi_counts(ref_counts, cur_counts) -> float:
    """Population stability index of two count vectors, empty cells filled as evidently does."""
    r, c = _shares(ref_counts, cur_counts)
    r, c = _fill_zeroes(r), _fill_zeroes(c)
    return float(np.sum((r - c) * np.log(r / c)))


def numeric_binned(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of a numeric column in evidently's bins for Jensen-Shannon and PSI.

    More than 20 distinct reference values: Sturges bins over reference and current together
    (``np.histogram_bin_edges(..., "sturges")``); otherwise one bin per value.
    """
    if len(np.unique(ref)) > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        return np.histogram(ref, edges)[0], np.histogram(cur, edges)[0]
    keys = np.union1d(ref, cur)
    k = len(keys)
    return np.bincount(np.searchsorted(keys, ref), minlength=k), np.bincount(np.searchsorted(keys, cur), minlength=k)


def drift_score(method: str, ref: Any, cur: Any, kind: str | None = None) -> float:
    """One drift score for raw reference and current values (NaN dropped), by method name.

    The single-comparison entry point (the oracle tests compare it with evidently); window tables use
    :func:`compute_drift`, which gives the same numbers without repeating the reference work.
    """
    r = pd.Series(ref).replace([np.inf, -np.inf], np.nan).dropna()
    c = pd.Series(cur).replace([np.inf, -np.inf], np.nan).dropna()
    kind = kind or column_kind(r)
    if method == "wasserstein":
        return wasserstein_normed(np.sort(r.to_numpy(float)), np.sort(c.to_numpy(float)))
    if method == "ks":
        return ks_p_value(r.to_numpy(float), c.to_numpy(float))
    if kind == "numeric" and method in {"jensenshannon", "psi"}:
        rc, cc = numeric_binned(r.to_numpy(float), c.to_numpy(float))
    else:
        keys = sorted(set(r.unique()) | set(c.unique()), key=lambda v: (str(type(v)), v))
        rc = r.value_counts().reindex(keys, fill_value=0).to_numpy()
        cc = c.value_counts().reindex(keys, fill_value=0).to_numpy()
    return {"chisquare": chisquare_p_value, "z": z_p_value, "jensenshannon": jensenshannon_counts, "psi": psi_counts}[
        method
    ](rc, cc)


def is_drift(method: str, score: float, threshold: float) -> bool:
    """evidently's rule: p-values drift below the threshold (K-S: at or below), distances at or above it."""
    if not np.isfinite(score):
        return False if np.isnan(score) else METHODS[method][0] == "distance"
    if method == "ks":
        return score <= threshold
    if METHODS[method][0] == "p_value":
        return score < threshold
    return score >= threshold


# ----------------------------------------------------------------------------- all windows at once
@dataclass
class DriftTable:
    """Drift of every feature in every window.

    ``score``, ``threshold``, ``drift`` and ``n`` are DataFrames indexed by feature with one column per
    window; ``method`` and ``kind`` map each feature to its method and column kind. ``counts`` holds the
    binned counts per (window, feature, bin) behind the distribution charts: for each feature a
    DataFrame whose index is the bin (category, or numeric bin label) with a ``reference`` column and
    one column per window.
    """

    features: list[str]
    windows: list[str]
    method: dict[str, str]
    kind: dict[str, str]
    score: pd.DataFrame
    threshold: pd.DataFrame
    drift: pd.DataFrame
    n: pd.DataFrame
    counts: dict[str, pd.DataFrame] = field(default_factory=dict)
    threshold_mode: str = "fixed"
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    bound: pd.DataFrame | None = None
    """Where a score was computed from binned counts (Spark/DuckDB engines): the most the exact score can exceed it."""

    @property
    def drift_share(self) -> pd.Series:
        """Share of features drifted per window (NaN for an empty window)."""
        tested = self.n > 0
        share = self.drift.sum() / tested.sum().replace(0, np.nan)
        return share.astype(float)

    def expected_chance_alerts(self, false_alarm_rate: pd.Series | None = None) -> float:
        """How many (feature, window) drift flags chance alone would raise when nothing moved.

        For p-value methods the rate is the threshold (e.g. 5 %); for a band it is the two-sided normal tail
        beyond 3 sigma (0.27 %); for fixed distance thresholds the rate measured on reference chunks is used
        when known (``false_alarm_rate`` per feature), else it is counted as 0.
        """
        total = 0.0
        tested = (self.n > 0).sum(axis=1)
        for f in self.features:
            m = self.method[f]
            if self.threshold_mode == "band":
                rate = 0.0027
            elif m in P_VALUE_METHODS:
                rate = float(self.threshold.loc[f].dropna().mean()) if self.threshold.loc[f].notna().any() else 0.05
            else:
                rate = float(false_alarm_rate.get(f, 0.0)) if false_alarm_rate is not None else 0.0
            total += rate * int(tested.get(f, 0))
        return total


def _clean(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.replace([np.inf, -np.inf], np.nan)
    return values


def _window_slices(codes: np.ndarray, n_windows: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes[codes >= 0], minlength=n_windows)
    skip = int((codes < 0).sum())
    starts = skip + np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, np.stack([starts, starts + sizes], axis=1)


def _resolve_method(
    f: str, kind: str, n_ref: int, n_values: int, method: str | None, per_column: Mapping[str, str] | None
) -> str:
    chosen = (per_column or {}).get(f) or method
    if chosen is None:
        return default_method(kind, n_ref, n_values)
    chosen = str(chosen).lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {"kolmogorovsmirnov": "ks", "chi2": "chisquare", "js": "jensenshannon", "wasserstein": "wasserstein",
               "wassersteindistance": "wasserstein", "ztest": "z"}
    chosen = aliases.get(chosen, chosen)
    if chosen not in METHODS:
        raise InputDataError(UNKNOWN_METHOD.format(method=chosen, column=f, choices=", ".join(METHODS)))
    if kind not in METHODS[chosen][2]:
        ok = [k for k, v in METHODS.items() if kind in v[2]]
        raise InputDataError(
            WRONG_METHOD_KIND.format(method=chosen, allowed=" or ".join(sorted(METHODS[chosen][2])), column=f,
                                     kind=kind, choices=", ".join(ok))
        )
    return chosen


def compute_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    codes: np.ndarray,
    n_windows: int,
    *,
    features: list[str],
    window_labels: list[str] | None = None,
    method: str | None = None,
    per_column_method: Mapping[str, str] | None = None,
    threshold: float | None = None,
    per_column_threshold: Mapping[str, float] | None = None,
    threshold_mode: str = "fixed",
    n_display_bins: int = 20,
) -> DriftTable:
    """Drift of each feature in each window against the reference.

    Parameters
    ----------
    reference, current : DataFrame
        Reference rows and production rows; ``codes[i]`` is the window of ``current``'s row ``i``
        (-1: not in any window).
    n_windows : int
        Number of windows (windows without rows get NaN scores and never drift).
    features : list of str
        Columns to compare.
    method, per_column_method : str or dict, optional
        Force a method for all columns or some (``ks``, ``chisquare``, ``z``, ``wasserstein``,
        ``jensenshannon``, ``psi``); default: evidently's choice per column.
    threshold, per_column_threshold : float or dict, optional
        Fixed thresholds (default: the method's).
    threshold_mode : {"fixed", "band"}
        ``band`` learns each feature's threshold from the reference's own chunk-to-chunk variation.
    """
    if threshold_mode not in {"fixed", "band"}:
        raise InputDataError(f"threshold_mode must be 'fixed' or 'band', not {threshold_mode!r}.")
    codes = np.asarray(codes, dtype=np.int64)
    features = list(features)
    labels = window_labels or [str(i) for i in range(n_windows)]
    order, bounds = _window_slices(codes, n_windows)
    nf = len(features)
    score = np.full((nf, n_windows), np.nan)
    thr = np.full((nf, n_windows), np.nan)
    n = np.zeros((nf, n_windows), dtype=np.int64)
    drift = np.zeros((nf, n_windows), dtype=bool)
    methods: dict[str, str] = {}
    kinds: dict[str, str] = {}
    counts: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    skipped: dict[str, str] = {}
    for fi, f in enumerate(features):
        fcodes = uniques = None
        ref = _clean(reference[f])
        cur = _clean(current[f])
        kind = column_kind(ref) if ref.notna().any() else column_kind(cur)
        ref_ok = ref.dropna()
        if len(ref_ok) == 0:
            skipped[f] = f"{f!r} is empty in the reference (all values missing): it cannot be compared, so it was skipped."
            continue
        n_ref_unique = ref_ok.nunique()
        if kind == "categorical" or n_ref_unique <= FEW_VALUES:
            # One factorization of reference and production together gives the counts and the distinct values.
            fcodes, uniques = pd.factorize(pd.concat([ref, cur], ignore_index=True), use_na_sentinel=True)
            n_values = len(uniques)
            has_current = bool((fcodes[len(ref):] >= 0).any())
        else:
            n_values = n_ref_unique  # > FEW_VALUES already
            has_current = bool(np.isfinite(cur.to_numpy(float)).any())
        if not has_current:
            skipped[f] = f"{f!r} is empty in production (all values missing): check the logging; it was skipped."
            continue
        m = _resolve_method(f, kind, len(ref_ok), n_values, method, per_column_method)
        methods[f], kinds[f] = m, kind
        base_thr = (per_column_threshold or {}).get(f, threshold if threshold is not None else METHODS[m][1])
        counted = kind == "categorical" or (n_values <= FEW_VALUES and m not in {"ks", "wasserstein"})
        cur_values = cur.to_numpy()
        if counted:
            if fcodes is None:
                fcodes, uniques = pd.factorize(pd.concat([ref, cur], ignore_index=True), use_na_sentinel=True)
            try:
                order_keys = np.argsort(np.asarray(uniques), kind="stable")
            except TypeError:
                order_keys = np.argsort(np.asarray([str(u) for u in uniques]), kind="stable")
            rank = np.empty(len(uniques), dtype=np.int64)
            rank[order_keys] = np.arange(len(uniques))
            keys = [uniques[i] for i in order_keys]
            fc = np.where(fcodes >= 0, rank[np.maximum(fcodes, 0)], -1)
            rcode, ccode = fc[: len(ref)], fc[len(ref):]

            k = len(keys)
            ref_counts = np.bincount(rcode[rcode >= 0], minlength=k)
            valid = (ccode >= 0) & (codes >= 0)
            cur_counts = np.bincount(codes[valid] * k + ccode[valid], minlength=n_windows * k).reshape(n_windows, k)
            unseen = [keys[i] for i in range(k) if ref_counts[i] == 0 and cur_counts[:, i].sum() > 0]
            if unseen:
                shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
                notes.append(f"{f!r}: {len(unseen)} value(s) never seen in the reference ({shown}); they count as drift evidence.")
            fn = {"chisquare": chisquare_p_value, "z": z_p_value, "jensenshannon": jensenshannon_counts,
                  "psi": psi_counts}
            for w in range(n_windows):
                cc = cur_counts[w]
                n[fi, w] = int(cc.sum())
                if cc.sum() == 0:
                    continue
                mm = m
                if per_column_method is None and method is None and len(ref_ok) <= SMALL_REFERENCE:
                    # evidently picks z or chi-square from the values present in this comparison.
                    present = int(((ref_counts > 0) | (cc > 0)).sum())
                    mm = default_method(kind, len(ref_ok), present)
                score[fi, w] = fn[mm](ref_counts, cc)
            counts[f] = pd.DataFrame(
                np.column_stack([ref_counts, cur_counts.T]), index=[str(x) for x in keys], columns=["reference", *labels]
            )
        else:
            ref_arr = np.sort(ref_ok.to_numpy(float))
            ref_std = float(np.std(ref_arr))
            vals = cur_values.astype(float)
            edges = np.unique(np.quantile(ref_arr, np.linspace(0, 1, n_display_bins + 1)))
            lo = min(ref_arr[0], np.nanmin(vals))
            hi = max(ref_arr[-1], np.nanmax(vals))
            edges = np.unique(np.concatenate([[lo], edges[1:-1], [hi]]))
            disp = np.zeros((n_windows, max(len(edges) - 1, 1)), dtype=np.int64)
            for w in range(n_windows):
                s, e = bounds[w]
                v = vals[order[s:e]]
                v = v[~np.isnan(v)]
                n[fi, w] = len(v)
                if len(v) == 0:
                    continue
                if len(edges) > 1:
                    disp[w] = np.histogram(v, edges)[0]
                if m == "wasserstein":
                    sc = wasserstein_normed(ref_arr, np.sort(v), ref_std)
                elif m == "ks":
                    sc = ks_p_value(ref_arr, v)
                else:
                    rc, cc = numeric_binned(ref_arr, v)
                    sc = jensenshannon_counts(rc, cc) if m == "jensenshannon" else psi_counts(rc, cc)
                score[fi, w] = sc
            ref_disp = np.histogram(ref_arr, edges)[0] if len(edges) > 1 else np.array([len(ref_arr)])
            bin_labels = [f"{edges[i]:.4g}-{edges[i + 1]:.4g}" for i in range(len(edges) - 1)] or ["all"]
            counts[f] = pd.DataFrame(np.column_stack([ref_disp, disp.T]), index=bin_labels, columns=["reference", *labels])
        thr[fi] = base_thr
    if threshold_mode == "band":
        sizes = [int(x) for x in np.bincount(codes[codes >= 0], minlength=n_windows) if x > 0]
        chunk = int(np.median(sizes)) if sizes else 0
        bands, note = reference_band(reference, list(methods), methods, kinds, chunk)
        notes.append(note)
        for f, b in bands.items():
            if b is not None:
                thr[features.index(f)] = b
    for f in methods:
        fi = features.index(f)
        for w in range(n_windows):
            s = float(score[fi, w])
            if n[fi, w] > 0 and not np.isnan(s):
                drift[fi, w] = bool(is_drift(methods[f], s, float(thr[fi, w])))
    rows = [features.index(f) for f in features if f in methods]
    kept = [features[i] for i in rows]

    def frame(a):
        return pd.DataFrame(a[rows], index=kept, columns=labels)

    table = DriftTable(
        features=kept, windows=labels, method=methods, kind=kinds,
        score=frame(score), threshold=frame(thr), drift=frame(drift), n=frame(n),
        counts=counts, threshold_mode=threshold_mode, notes=notes, skipped=skipped,
    )
    return table


def reference_band(
    reference: pd.DataFrame, features: list[str], methods: Mapping[str, str], kinds: Mapping[str, str], chunk: int,
    *, n_chunks_max: int = 20, sigmas: float = 3.0,
) -> tuple[dict[str, float | None], str]:
    """Thresholds from the reference's own variation: chunks of ``chunk`` rows, each compared with the reference.

    Distances: drift above mean + 3 sd of the chunk scores; p-values keep their fixed threshold (a band on
    p-values has no meaning). Needs at least 4 chunks; otherwise the fixed thresholds stay (said in the note).
    """
    k = min(n_chunks_max, len(reference) // max(chunk, 1)) if chunk > 0 else 0
    if k < 4:
        return {f: None for f in features}, (
            f"Band thresholds need at least 4 reference chunks of one window's size ({chunk:,} rows); the reference "
            f"has {len(reference):,} rows, so the fixed thresholds were kept."
        )
    out: dict[str, float | None] = {}
    for f in features:
        m = methods[f]
        if m in P_VALUE_METHODS:
            out[f] = None
            continue
        ref = _clean(reference[f]).dropna()
        vals = []
        for i in range(k):
            part = ref.iloc[i * chunk: (i + 1) * chunk]
            if len(part):
                vals.append(drift_score(m, ref, part, kinds[f]))
        vals = np.asarray(vals, float)
        out[f] = float(np.nanmean(vals) + sigmas * np.nanstd(vals, ddof=1)) if len(vals) > 1 else None
    return out, (
        f"Band thresholds: each distance threshold is the mean + {sigmas:g} sd of {k} reference chunks of "
        f"{chunk:,} rows compared with the whole reference (p-value methods keep their fixed threshold)."
    )

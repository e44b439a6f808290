"""Data-quality checks: each finds one kind of problem and says how bad it is and what to do.

Every check returns :class:`Issue` objects with a severity:

blocker
    The data cannot carry the product until this is fixed (the model or its evaluation would be wrong):
    a feature that leaks the label, a missing or nearly empty label, too few examples of a class,
    many values outside the data spec.
warning
    A real problem to fix or consciously accept before training: missing values, disguised nulls,
    duplicates, invalid values, strong imbalance, identifier columns among the features.
info
    Worth knowing when building the model: outliers, high-cardinality categories, labels not yet arrived.

Checks look at distinct values rather than rows where they can, and at a sample for the expensive
ones (leakage, outliers), so a million rows take seconds.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"country": ["home", "N/A", "eu", "?"] * 5, "y": [0, 1] * 10})
>>> [(i.check, i.column, i.count) for i in disguised_nulls(df)]
[('disguised_nulls', 'country', 10)]
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .levels import SEVERITIES
from .spec import DataSpec, disguised_null_mask, numeric_values, validate

__all__ = [
    "SEVERITIES",
    "Issue",
    "missing_values",
    "disguised_nulls",
    "duplicate_rows",
    "conflicting_duplicates",
    "duplicate_ids",
    "constant_columns",
    "spec_violations",
    "class_balance",
    "missing_labels",
    "leakage",
    "id_like_columns",
    "outliers",
    "high_cardinality",
    "time_gaps",
    "sort_issues",
]

_RANK = {s: i for i, s in enumerate(SEVERITIES)}

MISSING_WARNING = 0.01
MISSING_BLOCKER = 0.5
NEAR_CONSTANT = 0.99
IMBALANCE_WARNING = 0.10
MIN_MINORITY = 30
LEAKAGE_WARNING = 0.95
LEAKAGE_BLOCKER = 0.99
HIGH_CARDINALITY = 50
ID_UNIQUE_SHARE = 0.95


@dataclass
class Issue:
    """One problem found in the data.

    ``check`` names the check, ``column`` the column (None for the whole table), ``count`` the rows
    affected and ``share`` their share of all rows. ``message`` explains it in plain words and
    ``action`` suggests what to do. ``key`` identifies the issue across runs (for waivers).
    """

    check: str
    column: str | None
    severity: str
    count: int
    share: float
    message: str
    action: str = ""
    examples: list[Any] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.check}:{self.column or '*'}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["examples"] = [_plain(v) for v in self.examples]
        d["details"] = {k: _plain(v) for k, v in self.details.items()}
        d["key"] = self.key
        return d


def _plain(v: Any) -> Any:
    """A JSON/YAML-safe version of a value."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if v is None or isinstance(v, (int, str)):
        return v
    return str(v)


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Blockers first, then warnings, then info; within a severity the most rows first."""
    return sorted(issues, key=lambda i: (_RANK.get(i.severity, 9), -i.count, i.check, i.column or ""))


def _examples(values, limit: int = 5) -> list[Any]:
    return [_plain(v.item() if hasattr(v, "item") else v) for v in pd.unique(pd.Series(values).dropna())[:limit]]


def missing_values(frame: pd.DataFrame, *, skip: tuple = ()) -> list[Issue]:
    """Columns with true missing values (NaN / empty cells), label excluded (see :func:`missing_labels`)."""
    n = len(frame)
    out = []
    counts = frame.isna().sum()
    for col, k in counts.items():
        if col in skip or k == 0:
            continue
        share = k / n
        sev = "blocker" if share >= MISSING_BLOCKER else "warning" if share >= MISSING_WARNING else "info"
        out.append(Issue(
            "missing_values", str(col), sev, int(k), float(share),
            f"{col}: {k:,} rows ({share:.1%}) have no value.",
            "Find out why they are missing (a logging fault? not applicable?). Impute with a documented rule, "
            "add a 'was missing' flag, or drop the column if it is mostly empty.",
        ))
    return out


def disguised_nulls(frame: pd.DataFrame, *, skip: tuple = ()) -> list[Issue]:
    """Values that mean "missing" but do not look like it: ``""``, ``"N/A"``, ``"?"``, ``-999`` ..."""
    n = len(frame)
    out = []
    for col in frame.columns:
        if col in skip:
            continue
        s = frame[col]
        mask = disguised_null_mask(s)
        k = int(mask.sum())
        if not k:
            continue
        counts = s[mask].astype(str).value_counts()
        markers = {("(empty)" if m.strip() == "" else m): int(c) for m, c in counts.items()}
        share = k / n
        shown = ", ".join(f"{m!r} ({c:,})" for m, c in markers.items())
        out.append(Issue(
            "disguised_nulls", str(col), "warning", k, share,
            f"{col}: {k:,} rows ({share:.1%}) hold placeholder values that mean 'missing': {shown}. "
            "A model would treat them as real values.",
            "Convert them to proper missing values when loading the data, and fix the system that writes them.",
            list(markers)[:5], {"markers": markers},
        ))
    return out


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def duplicate_rows(frame: pd.DataFrame, *, hashes: np.ndarray | None = None) -> list[Issue]:
    """Rows that are exact copies of an earlier row (every column equal)."""
    h = _row_hashes(frame) if hashes is None else hashes
    dup = pd.Series(h).duplicated().to_numpy()
    k = int(dup.sum())
    if not k:
        return []
    share = k / len(frame)
    return [Issue(
        "duplicate_rows", None, "warning", k, share,
        f"{k:,} rows ({share:.1%}) are exact copies of another row. Copies inflate the data, can leak between "
        "training and test splits and overweight some examples.",
        "Drop exact duplicates (keep the first) and find the cause (a retried log write, a join that fans out).",
        [int(i) for i in np.flatnonzero(dup)[:5]],
    )]


def conflicting_duplicates(frame: pd.DataFrame, label: str, *, exclude: tuple = ()) -> list[Issue]:
    """Rows with the same features but different labels (the data contradicts itself)."""
    feats = [c for c in frame.columns if c != label and c not in exclude]
    if not feats or label not in frame.columns:
        return []
    labeled = frame[frame[label].notna()]
    if labeled.empty:
        return []
    h = pd.Series(_row_hashes(labeled[feats]), index=labeled.index)
    y = labeled[label].astype(str)
    n_labels = y.groupby(h.to_numpy()).nunique()
    bad_keys = n_labels.index[n_labels.to_numpy() > 1]
    if len(bad_keys) == 0:
        return []
    rows = h.isin(bad_keys)
    k = int(rows.sum())
    share = k / len(frame)
    coarse = len(n_labels) < 0.2 * len(labeled)
    if coarse:
        sev = "info"
        why = (f" With only {len(n_labels):,} distinct feature combinations in {len(labeled):,} labeled rows this is "
               "expected: the features cannot tell these rows apart.")
    else:
        sev = "blocker" if share >= 0.05 else "warning"
        why = " Either labels are wrong or the features miss what decides the label."
    return [Issue(
        "conflicting_duplicates", label, sev, k, share,
        f"{k:,} rows share identical features with another row but carry a different {label!r}." + why,
        "Review these rows with the people who label; fix the labels or add the missing information.",
        [int(i) for i in np.flatnonzero(rows.to_numpy())[:5]], {"groups": int(len(bad_keys))},
    )]


def duplicate_ids(frame: pd.DataFrame, id_column: str) -> list[Issue]:
    """Identifier values that occur more than once."""
    s = frame[id_column]
    dup = s.duplicated(keep="first") & s.notna()
    k = int(dup.sum())
    if not k:
        return []
    share = k / len(frame)
    return [Issue(
        "duplicate_ids", id_column, "warning", k, share,
        f"{id_column}: {k:,} rows repeat an identifier already seen; each {id_column} should appear once.",
        "Drop the repeated rows if they are copies; otherwise find out why one id has several rows.",
        _examples(s[dup]),
    )]


def constant_columns(frame: pd.DataFrame, *, skip: tuple = (), value_counts: dict | None = None) -> list[Issue]:
    """Columns with a single value (constant) or one value in at least 99% of rows (near-constant)."""
    out = []
    n = len(frame)
    for col in frame.columns:
        if col in skip:
            continue
        vc = value_counts.get(col) if value_counts else None
        if vc is None:
            vc = frame[col].value_counts(dropna=False)
        if vc.empty:
            continue
        top = int(vc.iloc[0])
        share = top / n
        if len(vc) == 1:
            out.append(Issue(
                "constant_column", str(col), "warning", n, 1.0,
                f"{col}: every row holds the same value ({_plain(vc.index[0])!r}); it carries no information.",
                "Drop it from the features (check whether it should vary: a broken feed?).",
                [_plain(vc.index[0])],
            ))
        elif share >= NEAR_CONSTANT:
            out.append(Issue(
                "near_constant_column", str(col), "info", n - top, (n - top) / n,
                f"{col}: {share:.1%} of rows hold the same value ({_plain(vc.index[0])!r}); only {n - top:,} rows differ.",
                "Keep it only if the rare values matter (they may); otherwise drop it.",
                [_plain(v) for v in vc.index[:5]],
            ))
    return out


def spec_violations(frame: pd.DataFrame, spec: DataSpec) -> list[Issue]:
    """Everything :func:`~aipm_widgets.core.assessment.spec.validate` finds, as issues."""
    out = []
    for v in validate(frame, spec).violations:
        if v.kind in ("missing_column", "type_change"):
            sev = "blocker"
        elif v.kind == "new_column":
            sev = "info"
        elif v.kind in ("null_rate", "not_unique"):
            continue  # reported by missing_values / disguised_nulls / duplicate_ids
        else:
            sev = "blocker" if v.share >= 0.05 else "warning"
        action = {
            "out_of_range": "Treat these values as invalid (set them missing or fix them at the source) and decide "
            "whether the spec's range is right.",
            "unseen_category": "Map the new categories to known ones, or update the spec if they are legitimate.",
            "missing_column": "Restore the column in the data feed, or remove it from the spec and the model.",
            "new_column": "Add it to the spec if it should be used; otherwise drop it.",
            "type_change": "Fix the export so the column keeps its type.",
        }.get(v.kind, "")
        out.append(Issue(f"spec_{v.kind}", v.column, sev, v.count, v.share, v.message, action, v.examples))
    return out


def class_balance(y: pd.Series, label: str) -> list[Issue]:
    """How rare the rarest class is among labeled rows."""
    counts = y.dropna().value_counts()
    if counts.empty:
        return [Issue("no_labels", label, "blocker", len(y), 1.0, f"{label}: no row has a label.",
                      "Label a sample before going further: without labels nothing can be learned or measured.")]
    if len(counts) == 1:
        return [Issue("single_class", label, "blocker", int(counts.iloc[0]), 1.0,
                      f"{label}: every labeled row has the same value ({_plain(counts.index[0])!r}).",
                      "Collect examples of the other class; a model cannot learn from one class.")]
    minority = int(counts.iloc[-1])
    total = int(counts.sum())
    share = minority / total
    cls = _plain(counts.index[-1])
    if isinstance(cls, float) and cls.is_integer():
        cls = int(cls)  # a 0/1 label read as float (NaN labels) still reads as 1
    if minority < MIN_MINORITY:
        return [Issue("class_imbalance", label, "blocker", minority, share,
                      f"{label}: only {minority} labeled rows of class {cls!r} ({share:.2%}); far too few to learn "
                      "from or to measure errors on.",
                      f"Collect at least a few hundred examples of class {cls!r} before training.",
                      details={"counts": {str(k): int(v) for k, v in counts.items()}})]
    if share < IMBALANCE_WARNING:
        per = 1000
        return [Issue("class_imbalance", label, "warning", minority, share,
                      f"{label}: class {cls!r} is rare, {minority:,} of {total:,} labeled rows ({share:.2%}, about "
                      f"{share * per:.0f} in every {per:,}). Accuracy will look good even for a useless model.",
                      "Judge the model by precision/recall at a threshold (stage 4), use stratified splits, and "
                      "check there are enough rare cases in the test set.",
                      details={"counts": {str(k): int(v) for k, v in counts.items()}})]
    return []


def missing_labels(frame: pd.DataFrame, label: str, time_column: str | None = None) -> list[Issue]:
    """Rows whose label is missing; whether they are the most recent ones (labels that arrive late)."""
    miss = frame[label].isna().to_numpy() | disguised_null_mask(frame[label])
    k = int(miss.sum())
    if not k:
        return []
    n = len(frame)
    share = k / n
    recent = ""
    late = False
    if time_column and time_column in frame.columns:
        ts = pd.to_datetime(frame[time_column], errors="coerce")
        if ts.notna().any():
            cutoff = ts.quantile(0.9)
            in_recent = float((ts[miss] >= cutoff).mean()) if k else 0.0
            late = in_recent >= 0.6
            first = ts[miss].min()
            recent = (
                f" {in_recent:.0%} of them are in the most recent tenth of the period (from {cutoff:%Y-%m-%d}): "
                "labels that have not arrived yet." if late else f" The first is from {first:%Y-%m-%d}."
            )
    sev = "blocker" if share >= MISSING_BLOCKER else ("info" if late else "warning")
    return [Issue(
        "missing_labels", label, sev, k, share,
        f"{label}: {k:,} rows ({share:.1%}) have no label.{recent}",
        "Leave unlabeled rows out of training and evaluation (they are not negatives); "
        "if labels arrive late, plan monitoring around that delay.",
        details={"late_labels": late},
    )]


def _tied_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for binary ``y`` with ties counted half (what ``sklearn.metrics.roc_auc_score`` gives),
    from counts per distinct score: exact, and it keeps scikit-learn's 1 s import off stage 3's page load (the
    scores here are a few dozen smoothed bin rates). tests/test_assessment_core.py checks it against scikit-learn."""
    levels, inverse = np.unique(score, return_inverse=True)
    pos = np.bincount(inverse, weights=(y == 1).astype(float), minlength=len(levels))
    neg = np.bincount(inverse, minlength=len(levels)) - pos
    below = np.concatenate([[0.0], np.cumsum(neg)[:-1]])  # negatives scoring strictly lower
    return float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum()))


def _oof_auc(x_codes: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> float:
    """Out-of-fold target-rate AUC of one (binned) feature: how well it alone ranks the label."""
    fold = rng.integers(0, 2, len(y))
    score = np.empty(len(y))
    prior = y.mean()
    for f in (0, 1):
        train, test = fold != f, fold == f
        sums = np.bincount(x_codes[train], weights=y[train], minlength=x_codes.max() + 1)
        cnts = np.bincount(x_codes[train], minlength=x_codes.max() + 1)
        rate = (sums + prior * 5) / (cnts + 5)  # smoothed toward the base rate
        score[test] = rate[x_codes[test]]
    if len(np.unique(y)) < 2:
        return float("nan")
    auc = _tied_auc(y, score)
    return float(max(auc, 1 - auc))


def _codes(s: pd.Series, bins: int = 20) -> np.ndarray | None:
    values = numeric_values(s)
    if values is not None and values.nunique() > bins:
        q = np.unique(np.nanquantile(values.to_numpy(), np.linspace(0, 1, bins + 1)))
        codes = np.searchsorted(q[1:-1], values.to_numpy(), side="right")
        return np.where(values.isna().to_numpy(), len(q), codes).astype(np.int64)
    if s.dtype.kind == "M":
        return None
    codes, _ = pd.factorize(s.astype(object), use_na_sentinel=False)
    return codes.astype(np.int64)


def leakage(sample: pd.DataFrame, label: str, *, exclude: tuple = (), positive=None, random_state: int = 0) -> tuple[list[Issue], dict[str, float]]:
    """Features that alone nearly predict the label (out-of-fold AUC >= 0.95): too good to be true.

    Returns the issues and every feature's single-feature AUC (0.5 = useless, 1 = perfect).
    """
    labeled = sample[sample[label].notna()]
    if labeled.empty:
        return [], {}
    y_raw = labeled[label]
    counts = y_raw.value_counts()
    if len(counts) < 2:
        return [], {}
    pos = positive if positive is not None else counts.index[-1]
    y = (y_raw == pos).to_numpy().astype(float)
    rng = np.random.default_rng(random_state)
    aucs: dict[str, float] = {}
    out = []
    for col in labeled.columns:
        if col == label or col in exclude:
            continue
        codes = _codes(labeled[col])
        if codes is None:
            continue
        if len(np.unique(codes)) > 0.5 * len(codes):
            continue  # identifier-like; reported by id_like_columns
        auc = _oof_auc(codes, y, rng)
        if not np.isfinite(auc):
            continue
        aucs[str(col)] = round(auc, 4)
        if auc >= LEAKAGE_WARNING:
            sev = "blocker" if auc >= LEAKAGE_BLOCKER else "warning"
            out.append(Issue(
                "leakage", str(col), sev, len(labeled), 1.0,
                f"{col}: on its own it ranks {label!r} almost perfectly (AUC {auc:.3f} out of fold). Real signals "
                "are rarely this strong: it may be recorded after the outcome or derived from it.",
                "Check when and how this column is filled. If it is not known at prediction time, drop it.",
                details={"auc": auc},
            ))
    return out, aucs


_ID_NAME = re.compile(r"(^id$|_id$|^id_|uuid|guid|(^|_)key$|number$|_no$)", re.I)


def id_like_columns(frame: pd.DataFrame, *, nunique: dict[str, int], skip: tuple = ()) -> list[Issue]:
    """Columns that look like identifiers (named like ids or nearly unique per row) and should not be features."""
    out = []
    n = len(frame)
    for col in frame.columns:
        if col in skip:
            continue
        s = frame[col]
        if s.dtype.kind in "fMmb":
            continue
        u = nunique[col]
        named = bool(_ID_NAME.search(str(col)))
        if u / max(n, 1) >= ID_UNIQUE_SHARE or (named and u > HIGH_CARDINALITY):
            out.append(Issue(
                "id_like_column", str(col), "info", n, 1.0,
                f"{col}: looks like an identifier ({u:,} distinct values in {n:,} rows). Used as a feature it lets a "
                "model memorise rows instead of learning patterns (a form of leakage).",
                "Keep it for joining and de-duplicating, but leave it out of the model's features.",
                _examples(s.iloc[:50]),
            ))
    return out


def outliers(sample: pd.DataFrame, n_total: int, *, skip: tuple = (), k: float = 3.0) -> list[Issue]:
    """Numbers far outside the bulk (beyond 3 interquartile ranges, on a log scale for skewed positive columns)."""
    out = []
    scale = n_total / max(len(sample), 1)
    for col in sample.columns:
        if col in skip:
            continue
        values = numeric_values(sample[col])
        if values is None:
            continue
        v = values.dropna().to_numpy()
        if len(v) < 20 or len(np.unique(v[:10_000])) <= 10:
            continue
        logged = False
        if v.min() > 0 and np.median(v) > 0 and (np.quantile(v, 0.99) / max(np.median(v), 1e-12)) > 10:
            v = np.log(v)
            logged = True
        q1, q3 = np.quantile(v, [0.25, 0.75])
        iqr = q3 - q1
        if iqr <= 0:
            continue
        lo, hi = q1 - k * iqr, q3 + k * iqr
        mask = (v < lo) | (v > hi)
        m = int(mask.sum())
        if m < 3 or m / len(v) < 1e-4:
            continue  # a normal distribution's own tail, not a data problem
        est = int(round(m * scale))
        ex = v[mask][:5]
        ex = np.exp(ex) if logged else ex
        bounds = (np.exp(lo), np.exp(hi)) if logged else (lo, hi)
        sides = []
        if (v < lo).any():
            sides.append(f"below {bounds[0]:.4g}")
        if (v > hi).any():
            sides.append(f"above {bounds[1]:.4g}")
        out.append(Issue(
            "outliers", str(col), "info", est, m / len(v),
            f"{col}: about {est:,} rows ({m / len(v):.2%}) lie far outside the bulk of the values "
            f"({' or '.join(sides)}; 3 interquartile ranges beyond the middle half{', on a log scale' if logged else ''}).",
            "Look at a few: real extremes (keep; consider a log or capped feature) or errors (fix or drop)?",
            [round(float(x), 4) for x in ex], {"low": float(bounds[0]), "high": float(bounds[1]), "log_scale": logged},
        ))
    return out


def high_cardinality(frame: pd.DataFrame, *, nunique: dict[str, int], skip: tuple = ()) -> list[Issue]:
    """Text/category columns with many distinct values (but not identifiers)."""
    out = []
    n = len(frame)
    for col in frame.columns:
        if col in skip:
            continue
        s = frame[col]
        if s.dtype.kind not in "OSU" and not isinstance(s.dtype, (pd.CategoricalDtype, pd.StringDtype)):
            continue
        if numeric_values(s.iloc[:5000]) is not None:
            continue
        u = nunique[col]
        if HIGH_CARDINALITY < u and u / max(n, 1) < ID_UNIQUE_SHARE:
            out.append(Issue(
                "high_cardinality", str(col), "info", u, u / max(n, 1),
                f"{col}: {u:,} distinct values; one-hot encoding would create {u:,} columns and most values are rare.",
                "Group rare values into 'other', use target or frequency encoding, or leave it out.",
                _examples(s.iloc[:50]),
            ))
    return out


def time_gaps(frame: pd.DataFrame, time_column: str) -> list[Issue]:
    """Days (or hours, for short periods) with no rows inside the covered period, and the covered period itself."""
    ts = pd.to_datetime(frame[time_column], errors="coerce")
    bad = int(ts.isna().sum() - frame[time_column].isna().sum())
    out = []
    if bad:
        out.append(Issue("unparseable_times", time_column, "warning", bad, bad / len(frame),
                         f"{time_column}: {bad:,} values are not readable dates/times.",
                         "Fix the date format at the source."))
    ts = ts.dropna()
    if ts.empty:
        return out
    span = ts.max() - ts.min()
    freq = "D" if span >= pd.Timedelta(days=14) else "h"
    unit = "day" if freq == "D" else "hour"
    counts = ts.dt.floor(freq).value_counts()
    full = pd.date_range(ts.min().floor(freq), ts.max().floor(freq), freq=freq)
    missing = full.difference(counts.index)
    if len(full) < 3 or counts.median() < 5 or len(missing) == 0:
        return out
    # Group consecutive empty periods into gaps.
    step = pd.Timedelta(1, unit=freq)
    gaps: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for t in missing:
        if gaps and t - gaps[-1][1] == step:
            gaps[-1] = (gaps[-1][0], t)
        else:
            gaps.append((t, t))
    longest = max(gaps, key=lambda g: g[1] - g[0])
    fmt = "%Y-%m-%d" if freq == "D" else "%Y-%m-%d %H:00"
    share = len(missing) / len(full)
    out.append(Issue(
        "time_gaps", time_column, "warning" if share >= 0.02 else "info", len(missing), share,
        f"{time_column}: {len(missing):,} {unit}s without any rows between {full[0]:{fmt}} and {full[-1]:{fmt}} "
        f"({len(gaps)} gap(s); longest {longest[0]:{fmt}} to {longest[1]:{fmt}}).",
        "Find out whether the feed was down; a model trained across a gap misses whatever happened then.",
        [f"{a:{fmt}}..{b:{fmt}}" for a, b in gaps[:5]], {"gaps": len(gaps)},
    ))
    return out

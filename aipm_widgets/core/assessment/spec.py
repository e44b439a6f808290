"""The data spec: what each column is allowed to hold, inferred from a sample and checked on new data.

A *data spec* records, per column, its kind (number, integer, category, flag, date-time, text), its
allowed range or categories, how many missing values are normal, and whether values must be unique
(identifiers). Stage 3 infers it from a sample, the team edits it, it is saved to the ``data`` section
of the decision record, and :func:`validate` checks any later table against it (monitoring does the
same on production data).

Disguised nulls (``""``, ``"NA"``, ``"N/A"``, ``"?"``, ``-999`` ...) count as missing everywhere: a
``-999`` in ``amount`` is a missing amount, not an out-of-range one.

Examples
--------
>>> import pandas as pd
>>> ref = pd.DataFrame({"hour": [0, 5, 12, 23], "channel": ["online", "pos", "pos", "online"]})
>>> spec = infer_spec(ref)
>>> spec.columns["hour"].max
23.0
>>> new = pd.DataFrame({"hour": [3, 27], "channel": ["online", "atm"]})
>>> [(v.column, v.kind, v.count) for v in validate(new, spec).violations]
[('hour', 'out_of_range', 1), ('channel', 'unseen_category', 1)]
"""

from __future__ import annotations

import math

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import InputDataError

__all__ = [
    "TEXT_NULL_MARKERS",
    "NUMERIC_SENTINELS",
    "SEMANTIC_RANGES",
    "ColumnSpec",
    "DataSpec",
    "Violation",
    "Validation",
    "infer_spec",
    "validate",
    "column_kind",
    "disguised_null_mask",
    "numeric_values",
]

TEXT_NULL_MARKERS = frozenset(
    {"", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "?", "??", "-", "--", "missing", "#n/a", "undefined"}
)
"""Text values that mean "no value" (compared after stripping spaces and lower-casing)."""

NUMERIC_SENTINELS = frozenset({-999.0, -9999.0, -99999.0, -999999.0})
"""Numbers that systems write for "no value" (a failed conversion, an unknown reading)."""

SEMANTIC_RANGES: list[tuple[str, float, float, str]] = [
    (r"(^|_)(hour|hr|hour_of_day)$", 0, 23, "hours of the day run 0-23"),
    (r"(^|_)(minute|minutes|second|seconds)$", 0, 59, "minutes and seconds run 0-59"),
    (r"(^|_)month$", 1, 12, "months run 1-12"),
    (r"(^|_)(weekday|day_of_week|dow)$", 0, 6, "weekdays run 0-6"),
    (r"(^|_)(day_of_month|dom)$", 1, 31, "days of the month run 1-31"),
    (r"(^|_)age$", 0, 120, "ages run 0-120"),
    (r"(^|_)(pct|percent|percentage)$", 0, 100, "percentages run 0-100"),
    (r"(^|_)(probability|prob|proba)$", 0, 1, "probabilities run 0-1"),
]
"""Ranges implied by a column's name (``hour`` is 0-23), used when at least 99% of the sample agrees."""

KINDS = ("number", "integer", "category", "flag", "datetime", "text")
MAX_CATEGORIES = 50
"""A text column with at most this many distinct values (in the sample) is a category with a fixed list."""


def _is_text_null(values: Iterable[Any]) -> np.ndarray:
    """True where a value is a null marker string ("N/A", " null "); vectorised over a Series (a column of
    hundreds of thousands of values is checked on every page load of stage 3)."""
    if isinstance(values, (pd.Series, np.ndarray)) and len(values) > 64:
        try:  # .str gives NaN for what is not text, and NaN is no marker
            return pd.Series(values, dtype=object, copy=False).str.strip().str.lower().isin(TEXT_NULL_MARKERS).to_numpy(dtype=bool)
        except (AttributeError, TypeError):  # no text at all in the values
            pass
    return np.fromiter(
        (isinstance(v, str) and v.strip().lower() in TEXT_NULL_MARKERS for v in values), dtype=bool
    )


def _sentinel_mask(values: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(values), dtype=bool)
    for v in NUMERIC_SENTINELS:
        mask |= values == v
    return mask


def disguised_null_mask(series: pd.Series) -> np.ndarray:
    """True where a value is a disguised null (a null marker string or a numeric sentinel such as -999).

    Works through the distinct values, so it is fast on millions of rows with few distinct values.
    """
    if series.dtype.kind in "fi":
        return _sentinel_mask(series.to_numpy())
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        uniques = pd.unique(series.dropna())
        markers = [u for u, is_null in zip(uniques, _is_text_null(uniques)) if is_null]
        if not markers:
            return np.zeros(len(series), dtype=bool)
        return series.isin(markers).to_numpy()
    return np.zeros(len(series), dtype=bool)


def numeric_values(series: pd.Series) -> pd.Series | None:
    """The column as floats (disguised nulls as NaN), or None if it is not numeric.

    A text column counts as numeric when at least 98% of its non-missing values parse as numbers
    (numbers exported as text, perhaps with a few "?" markers).
    """
    if series.dtype.kind == "b":
        return None
    if series.dtype.kind in "fiu":
        out = series.astype("float64")
    elif series.dtype == object:
        sample = series.dropna()
        if sample.empty:
            return None
        sample = sample.iloc[:5000]
        if not all(isinstance(v, (str, int, float, np.number)) for v in sample.iloc[:200]):
            return None
        parsed = pd.to_numeric(sample, errors="coerce")
        valid = (~_is_text_null(sample)).sum()
        if valid == 0 or parsed.notna().sum() < 0.98 * valid:
            return None
        out = pd.to_numeric(series, errors="coerce")
    else:
        return None
    return out.where(~_sentinel_mask(out.to_numpy()))


def column_kind(series: pd.Series) -> str:
    """What a column holds: ``number``, ``integer``, ``category``, ``flag``, ``datetime`` or ``text``."""
    if series.dtype.kind == "b":
        return "flag"
    if series.dtype.kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        return "datetime"
    values = numeric_values(series)
    if values is not None:
        finite = values.dropna()
        if finite.empty:
            return "number"
        uniq = pd.unique(finite)
        if len(uniq) <= 2 and set(np.round(uniq, 9)) <= {0.0, 1.0}:
            return "flag"
        if np.all(np.mod(finite.to_numpy()[:100_000], 1) == 0):
            return "integer"
        return "number"
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "category"
    clean = series[~disguised_null_mask(series)].dropna()
    if clean.nunique() <= MAX_CATEGORIES:
        return "category"
    return "text"


RANGE_MARGIN = 0.01
"""An inferred number range is widened by this share of its width on each side (a reference's exact
minimum and maximum would flag values off by rounding, e.g. 1e-5)."""


def _sig(x: float, up: bool) -> float:
    """``x`` rounded outward to 4 significant figures (a range a person can read and type)."""
    if x == 0 or not math.isfinite(x):
        return x
    e = math.floor(math.log10(abs(x))) - 3
    step = 10.0 ** e
    return (math.ceil if up else math.floor)(x / step) * step


def allowed_range(lo: float, hi: float, margin: float = RANGE_MARGIN) -> tuple[float, float, str]:
    """The allowed range for values seen from ``lo`` to ``hi``: widened by ``margin`` of the width on each side
    (of the magnitude when all values are equal), never below 0 for a column with no negative values.

    >>> allowed_range(0.0, 1.0)
    (0.0, 1.01, 'seen 0 to 1; allowed with a 1.0% margin')
    """
    from ..text.format import number, percent

    if margin < 0 or not math.isfinite(margin):
        raise InputDataError(f"The range tolerance must be a share of 0 or more (0.01 = 1%), not {margin!r}.")
    width = hi - lo if hi > lo else max(abs(hi), 1.0)
    pad = margin * width
    low, high = lo - pad, hi + pad
    if lo >= 0:
        low = max(low, 0.0)
    low, high = _sig(low, up=False), _sig(high, up=True)
    digits = 0 if float(lo).is_integer() and float(hi).is_integer() else 4
    return low, high, f"seen {number(lo, digits)} to {number(hi, digits)}; allowed with a {percent(margin)} margin"


@dataclass
class ColumnSpec:
    """What one column may hold. Every field is editable; None means "not checked"."""

    kind: str
    nullable: bool = True
    max_null_share: float | None = None
    min: float | None = None
    max: float | None = None
    allowed: list[str] | None = None
    unique: bool = False
    role: str = "feature"
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items()}


@dataclass
class DataSpec:
    """The spec of a table: one :class:`ColumnSpec` per column, plus where it came from."""

    columns: dict[str, ColumnSpec]
    source: str | None = None
    sample_rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the decision record (YAML-safe)."""
        return {
            "source": self.source,
            "sample_rows": self.sample_rows,
            "columns": {name: col.to_dict() for name, col in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DataSpec":
        """Read a spec back from :meth:`to_dict` output (from the record or a YAML/JSON file)."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise InputDataError("A data spec needs a 'columns' mapping (column name -> its rules).")
        cols = {}
        known = set(ColumnSpec.__dataclass_fields__)
        for name, col in data["columns"].items():
            if not isinstance(col, dict) or "kind" not in col:
                raise InputDataError(f"The data spec of column {name!r} needs at least a 'kind' ({', '.join(KINDS)}).")
            if col["kind"] not in KINDS:
                raise InputDataError(f"The data spec of column {name!r} has kind {col['kind']!r}; use one of {', '.join(KINDS)}.")
            cols[str(name)] = ColumnSpec(**{k: v for k, v in col.items() if k in known})
        return cls(cols, data.get("source"), data.get("sample_rows"))

    def table(self) -> pd.DataFrame:
        """The spec as a table, one row per column (for display and editing)."""
        rows = []
        for name, c in self.columns.items():
            rows.append(
                {
                    "column": name,
                    "role": c.role,
                    "kind": c.kind,
                    "min": c.min,
                    "max": c.max,
                    "allowed": ", ".join(c.allowed) if c.allowed else "",
                    "max missing": c.max_null_share,
                    "unique": c.unique,
                    "note": c.note or "",
                }
            )
        return pd.DataFrame(rows)


def _semantic_range(name: str, values: pd.Series) -> tuple[float, float, str] | None:
    key = name.strip().lower().replace(" ", "_")
    for pattern, lo, hi, why in SEMANTIC_RANGES:
        if re.search(pattern, key):
            finite = values.dropna()
            if len(finite) and ((finite >= lo) & (finite <= hi)).mean() >= 0.99:
                return float(lo), float(hi), why
    return None


def infer_spec(
    frame: pd.DataFrame,
    *,
    sample_rows: int | None = 100_000,
    roles: dict[str, str] | None = None,
    null_margin: float = 0.02,
    random_state: int = 0,
    source: str | None = None,
    range_margin: float | None = None,
) -> DataSpec:
    """Infer a data spec from (a sample of) a table.

    Parameters
    ----------
    frame : DataFrame
        The reference data (typically the training data the team trusts).
    sample_rows : int or None
        Rows sampled to judge each column's kind (None: all rows). Ranges, categories and missing
        shares always come from every row.
    roles : dict, optional
        ``{column: "label" | "id" | "timestamp" | "ignore"}``; id columns must be unique.
    null_margin : float
        Allowed rise of a column's missing share over what the sample shows before :func:`validate` complains.

    Returns
    -------
    DataSpec
        Numbers get their observed range (disguised nulls excluded; a name such as ``hour`` gives 0-23
        when the data agrees), categories their observed list, ids ``unique=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> spec = infer_spec(pd.DataFrame({"age": [20, 35, 80], "id": ["a", "b", "c"]}), roles={"id": "id"})
    >>> spec.columns["age"].min, spec.columns["age"].max, spec.columns["id"].unique
    (0.0, 120.0, True)
    """
    if frame.shape[1] == 0:
        raise InputDataError("The table has no columns to infer a data spec from.")
    roles = dict(roles or {})
    sample = frame
    if sample_rows is not None and len(frame) > sample_rows:
        sample = frame.sample(sample_rows, random_state=random_state)
    cols: dict[str, ColumnSpec] = {}
    for name in frame.columns:
        # The kind is judged on the sample; ranges, categories and missing shares on every row (cheap).
        s = frame[name]
        role = roles.get(name, "feature")
        kind = column_kind(sample[name])
        nulls = s.isna().to_numpy() | disguised_null_mask(s)
        null_share = float(nulls.mean()) if len(s) else 0.0
        spec = ColumnSpec(
            kind=kind,
            nullable=bool(nulls.any()),
            max_null_share=round(min(1.0, null_share + null_margin), 4),
            role=role,
        )
        if role == "id":
            spec.unique = True
            spec.kind = "text" if kind in ("category", "text") else kind
        elif kind in ("number", "integer"):
            values = numeric_values(s)
            hint = _semantic_range(str(name), values.iloc[:200_000])
            if hint:
                spec.min, spec.max, spec.note = hint
            elif values.notna().any():
                spec.min, spec.max, spec.note = allowed_range(float(values.min()), float(values.max()),
                                                              RANGE_MARGIN if range_margin is None else range_margin)
        elif kind in ("category", "flag") and s.dtype.kind not in "fiub":
            spec.allowed = sorted(map(str, pd.unique(s[~nulls])))
        elif kind == "datetime":
            ts = pd.to_datetime(s, errors="coerce")
            if ts.notna().any():
                spec.note = f"seen {ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}"
        cols[str(name)] = spec
    return DataSpec(cols, source, len(sample))


@dataclass
class Violation:
    """One way a column breaks the spec: how many rows, which share, example values."""

    column: str
    kind: str
    count: int
    share: float
    examples: list[Any] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Validation:
    """The result of :func:`validate`: every violation, and the rows checked."""

    violations: list[Violation]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_column(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = {}
        for v in self.violations:
            out.setdefault(v.column, []).append(v)
        return out

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([v.to_dict() for v in self.violations], columns=["column", "kind", "count", "share", "examples", "message"])

    def _repr_html_(self) -> str:
        import html

        if self.ok:
            return f"<p>All {self.rows:,} rows match the data spec.</p>"
        items = "".join(f"<li>{html.escape(v.message)}</li>" for v in self.violations)
        return f"<p>{len(self.violations)} spec violation(s) in {self.rows:,} rows:</p><ul>{items}</ul>"

    def __repr__(self) -> str:
        return f"Validation(rows={self.rows}, violations={len(self.violations)})"


def _examples(values: pd.Series, limit: int = 5) -> list[Any]:
    out = []
    for v in pd.unique(values)[:limit]:
        out.append(v.item() if hasattr(v, "item") else (str(v) if not isinstance(v, (int, float, str)) else v))
    return out


def validate(frame: pd.DataFrame, spec: DataSpec | dict[str, Any]) -> Validation:
    """Check a table against a data spec; list every violation per column with counts and examples.

    Violation kinds: ``missing_column``, ``new_column``, ``type_change``, ``null_rate`` (more missing
    values, disguised nulls included, than the spec allows), ``out_of_range``, ``unseen_category``,
    ``not_unique``. Disguised nulls are missing values, never range violations.

    Parameters
    ----------
    frame : DataFrame
        The new data.
    spec : DataSpec or dict
        The spec (a dict as saved in the decision record is accepted).

    Returns
    -------
    Validation

    Examples
    --------
    >>> import pandas as pd
    >>> spec = infer_spec(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    >>> [v.kind for v in validate(pd.DataFrame({"x": [1.0, None, 9.0], "y": [1, 2, 3]}), spec).violations]
    ['new_column', 'null_rate', 'out_of_range']
    """
    if isinstance(spec, dict):
        spec = DataSpec.from_dict(spec)
    n = len(frame)
    out: list[Violation] = []
    present = [str(c) for c in frame.columns]
    names = {str(c): c for c in frame.columns}
    for name in spec.columns:
        if name not in names:
            out.append(Violation(name, "missing_column", n, 1.0, [], f"{name}: the column is missing (the spec expects it)."))
    for name in present:
        if name not in spec.columns:
            out.append(Violation(name, "new_column", n, 1.0, [], f"{name}: a new column the spec does not know; add it to the spec or drop it."))
    for name, cs in spec.columns.items():
        if name not in names or n == 0:
            continue
        s = frame[names[name]]
        nulls = s.isna().to_numpy() | disguised_null_mask(s)
        # The kind is judged on (up to) 50,000 present values: enough to see a type change, fast on millions.
        kind = column_kind(s[~nulls].iloc[:50_000]) if (~nulls).any() else cs.kind
        compatible = {
            "number": {"number", "integer", "flag"},
            "integer": {"integer", "flag"},
            "flag": {"flag", "integer"},
            "category": {"category", "text", "flag", "integer"},
            "text": {"text", "category", "integer", "number"},
            "datetime": {"datetime"},
        }.get(cs.kind, {cs.kind})
        if kind not in compatible:
            ex = _examples(s[~nulls])
            out.append(Violation(name, "type_change", int((~nulls).sum()), float((~nulls).mean()), ex,
                                 f"{name}: the spec says {cs.kind} but the data holds {kind} (e.g. {ex[:3]})."))
            continue
        null_share = float(nulls.mean())
        allowed_share = cs.max_null_share if cs.max_null_share is not None else (1.0 if cs.nullable else 0.0)
        if not cs.nullable and nulls.any():
            allowed_share = 0.0
        if null_share > allowed_share + 1e-12:
            ex = _examples(s[nulls].astype(object).where(s[nulls].notna(), "NaN"))
            out.append(Violation(name, "null_rate", int(nulls.sum()), null_share, ex,
                                 f"{name}: {null_share:.1%} missing (disguised nulls included), the spec allows {allowed_share:.1%}."))
        if cs.kind in ("number", "integer") and (cs.min is not None or cs.max is not None):
            values = numeric_values(s)
            if values is not None:
                bad = pd.Series(False, index=s.index)
                # Float noise is not a violation: a relative tolerance of one part in a billion.
                tol = 1e-9 * max(1.0, abs(cs.min or 0.0), abs(cs.max or 0.0))
                if cs.min is not None:
                    bad |= values < cs.min - tol
                if cs.max is not None:
                    bad |= values > cs.max + tol
                k = int(bad.sum())
                if k:
                    ex = _examples(s[bad.to_numpy()])
                    lo = "-inf" if cs.min is None else f"{cs.min:,.6g}"
                    hi = "inf" if cs.max is None else f"{cs.max:,.6g}"
                    out.append(Violation(name, "out_of_range", k, k / n, ex,
                                         f"{name}: {k:,} value(s) outside the allowed range {lo} to {hi} (e.g. {ex[:3]})."))
        if cs.allowed is not None and s.dtype.kind not in "fiub":
            clean = s[~nulls]
            uniques = pd.unique(clean.astype(str)) if clean.dtype != object else pd.unique(clean)
            unseen = [u for u in uniques if str(u) not in set(cs.allowed)]
            if unseen:
                mask = clean.astype(str).isin([str(u) for u in unseen])
                k = int(mask.sum())
                ex = [str(u) for u in unseen[:5]]
                out.append(Violation(name, "unseen_category", k, k / n, ex,
                                     f"{name}: {k:,} row(s) hold categories the spec does not list ({', '.join(map(repr, ex))})."))
        if cs.unique:
            dup = s[~nulls].duplicated(keep="first")
            k = int(dup.sum())
            if k:
                ex = _examples(s[~nulls][dup.to_numpy()])
                out.append(Violation(name, "not_unique", k, k / n, ex,
                                     f"{name}: {k:,} repeated value(s) in a column that must be unique (e.g. {ex[:3]})."))
    return Validation(out, n)

"""Stage 3, data assessment: can the data carry the product?

:func:`assess` runs every check of :mod:`aipm_widgets.core.assessment.checks` on a table (the expensive ones on a
sample), infers or applies a data spec (:mod:`aipm_widgets.core.assessment.spec`) and returns an
:class:`Assessment`: the issues sorted by severity, a readiness verdict, and plain data for the
decision record and the ``aipm assess`` command. Label noise, representativeness and "enough labels?"
live in their own modules; :func:`full_report` writes evidently's data summary as an HTML file.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"hour": np.arange(240) % 24, "amount": np.arange(240) * 1.5, "y": np.arange(240) % 5 == 0})
>>> df.loc[7, "hour"] = 27
>>> a = assess(df, label="y")
>>> a.readiness
'ready with warnings'
>>> [(i.severity, i.check, i.column, i.count) for i in a.issues]
[('warning', 'spec_out_of_range', 'hour', 1)]
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from . import checks as C
from .levels import READINESS
from .spec import DataSpec, infer_spec
from ..errors import InputDataError
from ..io.inputs import require_columns

__all__ = ["Assessment", "assess", "guess_roles", "parse_date_columns", "full_report", "READINESS"]


Progress = Callable[[str, int, int], None]
"""A progress callback: ``progress(step_name, done, total)``."""


@dataclass
class Assessment:
    """The result of :func:`assess`: issues (sorted by severity), the spec, and the table's shape."""

    issues: list[C.Issue]
    spec: DataSpec
    rows: int
    columns: int
    label: str | None = None
    id_column: str | None = None
    time_column: str | None = None
    waivers: dict[str, str] = field(default_factory=dict)
    leakage_auc: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    source: str | None = None
    from_cache: bool = False
    """True when this result was read back from :mod:`~aipm_widgets.core.io.result_cache` (``seconds`` is then the
    time the first computation took)."""

    @property
    def open_issues(self) -> list[C.Issue]:
        """Issues not waived."""
        return [i for i in self.issues if i.key not in self.waivers]

    def counts(self, *, include_waived: bool = False) -> dict[str, int]:
        pool = self.issues if include_waived else self.open_issues
        return {s: sum(i.severity == s for i in pool) for s in C.SEVERITIES}

    @property
    def readiness(self) -> str:
        c = self.counts()
        return "not ready" if c["blocker"] else "ready with warnings" if c["warning"] else "ready"

    def summary(self) -> str:
        """The verdict in one or two sentences."""
        c = self.counts()
        waived = len(self.issues) - len(self.open_issues)
        text = (
            f"{self.rows:,} rows x {self.columns} columns: {self.readiness}. "
            f"{c['blocker']} blocker(s), {c['warning']} warning(s), {c['info']} note(s)"
        )
        return text + (f"; {waived} issue(s) accepted with a note." if waived else ".")

    def table(self) -> pd.DataFrame:
        """The issues as a table (blockers first)."""
        rows = []
        for i in self.issues:
            rows.append({
                "severity": i.severity, "check": i.check, "column": i.column or "(table)", "rows": i.count,
                "share": i.share, "message": i.message, "action": i.action,
                "waived": self.waivers.get(i.key, ""),
            })
        return pd.DataFrame(rows, columns=["severity", "check", "column", "rows", "share", "message", "action", "waived"])

    def to_json_dict(self) -> dict[str, Any]:
        """The ``aipm assess --json`` shape: ``issues`` (check, column, severity, count, share, message, ...), ``rows``, ``columns``."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "readiness": self.readiness,
            "counts": self.counts(),
            "label": self.label,
            "issues": [
                {**{k: v for k, v in i.to_dict().items() if k != "details"}, "waived": i.key in self.waivers}
                for i in self.issues
            ],
        }

    def to_record(self) -> dict[str, Any]:
        """Fields for the ``data`` section of the decision record."""
        return {
            "source": self.source,
            "rows": self.rows,
            "columns": self.columns,
            "label_column": self.label,
            "id_column": self.id_column,
            "time_column": self.time_column,
            "readiness": self.readiness,
            "spec": self.spec.to_dict(),
            "issues": [
                {k: v for k, v in i.to_dict().items() if k in ("key", "check", "column", "severity", "count", "share", "message", "action")}
                for i in self.issues
            ],
        }

    def __repr__(self) -> str:
        return f"Assessment({self.summary()!r})"

    def _repr_html_(self) -> str:
        colors = {"blocker": "#8a1c1c", "warning": "#7a4d00", "info": "#1d4b7a"}
        rows = "".join(
            f"<tr><td style='color:{colors.get(i.severity, '#333')};font-weight:600'>{html.escape(i.severity)}</td>"
            f"<td>{html.escape(i.column or '(table)')}</td><td>{i.count:,}</td><td>{html.escape(i.message)}</td></tr>"
            for i in self.open_issues
        )
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>"
            f"<table><tr><th>severity</th><th>column</th><th>rows</th><th>what</th></tr>{rows}</table>"
        )


_LABEL_NAMES = re.compile(r"^(label|target|y|class|outcome|is_[a-z_]+|has_[a-z_]+|churn(ed)?|fraud|default(ed)?|qualified)$", re.I)
_ID_NAMES = re.compile(r"(^id$|_id$|^id_|uuid|guid)", re.I)
_TIME_NAMES = re.compile(r"(timestamp|datetime|^date$|_date$|^time$|_time$|_at$|^ts$)", re.I)


_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_date_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Turn text columns holding ISO dates/times (as CSV files do) into date-time columns.

    Returns the (possibly new) frame and the names of the columns converted. A column converts when at
    least 95% of a sample of its values look like ``YYYY-MM-DD[ HH:MM[:SS]]``.

    Examples
    --------
    >>> import pandas as pd
    >>> df, parsed = parse_date_columns(pd.DataFrame({"t": ["2025-01-01 10:00:00", "2025-01-02 11:30:00"], "x": ["a", "b"]}))
    >>> parsed, str(df["t"].dtype)
    (['t'], 'datetime64[ns]')
    """
    converted = []
    out = frame
    for col in frame.columns:
        s = frame[col]
        if s.dtype != object:
            continue
        # The first 500 values that are not missing, without scanning the whole column when its start has them
        # (dropping the missing values of every text column of the demo's 120,000 rows took 0.08 s of page 03's opening).
        head = s.iloc[:2000].dropna()
        sample = head.iloc[:500] if len(head) >= 500 or len(s) <= 2000 else s.dropna().iloc[:500]
        if sample.empty or not all(isinstance(v, str) for v in sample.iloc[:50]):
            continue
        if sample.astype(str).str.strip().str.match(_DATE_LIKE).mean() < 0.95:
            continue
        parsed = pd.to_datetime(s, errors="coerce", format="ISO8601")
        if parsed.notna().sum() >= 0.95 * s.notna().sum():
            if out is frame:
                out = frame.copy()
            out[col] = parsed
            converted.append(str(col))
    return out, converted


def guess_roles(frame: pd.DataFrame) -> dict[str, str | None]:
    """Sensible guesses for the label, id and timestamp columns (the user confirms them).

    Examples
    --------
    >>> import pandas as pd
    >>> guess_roles(pd.DataFrame({"transaction_id": ["a", "b"], "timestamp": pd.to_datetime(["2025-01-01"] * 2),
    ...                           "amount": [1.0, 2.0], "is_fraud": [0, 1]}))
    {'label': 'is_fraud', 'id': 'transaction_id', 'timestamp': 'timestamp'}
    """
    cols = list(frame.columns)
    head = frame.head(5000)

    def binary(c) -> bool:
        return head[c].dropna().nunique() == 2

    label = next((c for c in cols if _LABEL_NAMES.match(str(c)) and binary(c)), None)
    if label is None:
        label = next((c for c in reversed(cols) if binary(c)), None)
    ident = next((c for c in cols if _ID_NAMES.search(str(c)) and head[c].is_unique), None)
    if ident is None:
        ident = next((c for c in cols if _ID_NAMES.search(str(c))), None)
    stamp = next((c for c in cols if frame[c].dtype.kind == "M" and _TIME_NAMES.search(str(c))), None)
    if stamp is None:
        stamp = next((c for c in cols if frame[c].dtype.kind == "M"), None)
    if stamp is None:
        for c in cols:
            if _TIME_NAMES.search(str(c)) and frame[c].dtype == object:
                parsed = pd.to_datetime(head[c], errors="coerce", format="mixed")
                if parsed.notna().mean() > 0.9:
                    stamp = c
                    break
    return {"label": label, "id": ident, "timestamp": stamp}


def assess(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    id_column: str | None = None,
    time_column: str | None = None,
    spec: DataSpec | dict | None = None,
    ignore: tuple | list = (),
    sample_rows: int = 200_000,
    waivers: dict[str, str] | None = None,
    progress: Progress | None = None,
    source: str | None = None,
    random_state: int = 0,
    range_margin: float | None = None,
    cache: bool = False,
) -> Assessment:
    """Run every data check on a table and return an :class:`Assessment`.

    Parameters
    ----------
    frame : DataFrame
        The data (one row per example).
    label, id_column, time_column : str, optional
        The label (outcome), identifier and timestamp columns. Checks that need them are skipped without.
    spec : DataSpec or dict, optional
        A data spec to validate against. Without it one is inferred from a sample of ``frame`` (ranges
        implied by names such as ``hour`` still catch impossible values).
    ignore : columns
        Columns left out of the leakage and feature checks (e.g. a model score column).
    sample_rows : int
        Rows used for the expensive checks (leakage, outliers, spec inference).
    waivers : dict
        ``{issue key: note}`` for issues the team accepted (see :attr:`Issue.key`).
    progress : callable, optional
        ``progress(step, done, total)`` after each step (for a progress bar).
    range_margin : float, optional
        How far beyond the observed range an inferred spec allows numbers, as a share of the range's width
        (default :data:`~aipm_widgets.core.assessment.spec.RANGE_MARGIN`, 1%).
    cache : bool
        Read the result back from (and store it in) :mod:`~aipm_widgets.core.io.result_cache`, keyed by the table's
        values, columns and dtypes, every setting above and the package versions; the result is then marked
        ``from_cache``. The checks are deterministic (fixed ``random_state``), so a hit equals a fresh run.

    Returns
    -------
    Assessment
    """
    t0 = time.perf_counter()
    if not isinstance(frame, pd.DataFrame):
        raise InputDataError("assess needs a table (a pandas DataFrame); load files with read_table first.")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InputDataError("The table is empty: there is nothing to assess.")
    require_columns(frame, [label, id_column, time_column])
    if cache:
        return _cached_assess(frame, dict(
            label=label, id_column=id_column, time_column=time_column, spec=spec, ignore=tuple(ignore),
            sample_rows=sample_rows, waivers=dict(waivers or {}), source=source, random_state=random_state,
            range_margin=range_margin), progress)
    roles = {c: r for c, r in ((label, "label"), (id_column, "id"), (time_column, "timestamp")) if c}
    for c in ignore:
        roles.setdefault(c, "ignore")
    n = len(frame)
    sample = frame.sample(sample_rows, random_state=random_state) if n > sample_rows else frame
    special = tuple(c for c in (label, id_column, time_column) if c)
    not_features = special + tuple(ignore)
    issues: list[C.Issue] = []
    state: dict[str, Any] = {}

    def step_spec():
        nonlocal spec
        if spec is None:
            spec = infer_spec(frame, sample_rows=sample_rows, roles=roles, source=source, random_state=random_state,
                              range_margin=range_margin)
        elif isinstance(spec, dict):
            spec = DataSpec.from_dict(spec)
        issues.extend(C.spec_violations(frame, spec))

    def step_missing():
        issues.extend(C.missing_values(frame, skip=(label,) if label else ()))
        issues.extend(C.disguised_nulls(frame, skip=tuple(c for c in (label, id_column) if c)))

    def step_distinct():
        vcs = {c: frame[c].value_counts(dropna=False) for c in frame.columns}
        state["nunique"] = {c: int(len(vc) - vc.index.isna().sum()) for c, vc in vcs.items()}
        issues.extend(C.constant_columns(frame, skip=special, value_counts=vcs))
        # The declared id column (and ignored columns) are known to be what they are: no "looks like an identifier".
        issues.extend(C.id_like_columns(frame, nunique=state["nunique"], skip=special + tuple(ignore)))
        id_like = tuple(i.column for i in issues if i.check == "id_like_column")
        issues.extend(C.high_cardinality(frame, nunique=state["nunique"], skip=special + id_like))

    def step_duplicates():
        issues.extend(C.duplicate_rows(frame))
        if id_column:
            issues.extend(C.duplicate_ids(frame, id_column))
        if label:
            # The id is left out (a re-logged row gets a new id); the timestamp stays in (it tells events apart).
            issues.extend(C.conflicting_duplicates(frame, label, exclude=((id_column,) if id_column else ()) + tuple(ignore)))

    def step_label():
        if label:
            issues.extend(C.missing_labels(frame, label, time_column))
            issues.extend(C.class_balance(frame[label], label))

    def step_leakage():
        if label:
            found, aucs = C.leakage(sample, label, exclude=not_features + tuple(
                i.column for i in issues if i.check == "id_like_column"), random_state=random_state)
            issues.extend(found)
            state["aucs"] = aucs

    def step_outliers():
        issues.extend(C.outliers(sample, n, skip=not_features))

    def step_time():
        if time_column:
            issues.extend(C.time_gaps(frame, time_column))

    steps = [
        ("data spec", step_spec), ("missing values", step_missing), ("distinct values", step_distinct),
        ("duplicates", step_duplicates), ("labels", step_label), ("leakage", step_leakage),
        ("outliers", step_outliers), ("time coverage", step_time),
    ]
    for k, (name, fn) in enumerate(steps):
        fn()
        if progress is not None:
            progress(name, k + 1, len(steps))
    return Assessment(
        C.sort_issues(issues), spec, n, frame.shape[1], label, id_column, time_column,
        dict(waivers or {}), state.get("aucs", {}), time.perf_counter() - t0, source,
    )


def _cached_assess(frame: pd.DataFrame, settings: dict[str, Any], progress: Progress | None) -> Assessment:
    """:func:`assess` through the result cache. The waivers are not part of the key (they change no check, only
    which issues count as accepted), so a team's accepted issues do not miss the demo's warmed result; a hit is a
    fresh copy with the caller's waivers."""
    from ..io.result_cache import data_key, lookup, store

    spec = settings["spec"]
    spec_key = spec.to_dict() if isinstance(spec, DataSpec) else spec
    key = data_key("assessment", frame, *(repr(spec_key if k == "spec" else v)
                                           for k, v in settings.items() if k != "waivers"))
    hit = lookup("assessment", key)
    if hit is None:
        result = assess(frame, progress=progress, **settings)
        store("assessment", key, result)
        return result
    hit.from_cache = True
    hit.waivers = dict(settings["waivers"])
    if progress is not None:
        progress("read back from the cache", 1, 1)
    return hit


def full_report(frame: pd.DataFrame, path: str | os.PathLike, *, max_rows: int | None = 200_000, random_state: int = 0) -> Path:
    """Write evidently's ``DataSummaryPreset`` report for ``frame`` as a standalone HTML file.

    The report is never shown inline (it embeds several MB of JavaScript); link or download the file.
    Tables over ``max_rows`` rows are sampled (the report says how many rows it saw).
    """
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from evidently import Report
    from evidently.presets import DataSummaryPreset

    data = frame
    if max_rows is not None and len(frame) > max_rows:
        data = frame.sample(max_rows, random_state=random_state)
    # evidently dislikes mixed-type object columns: give it text.
    data = data.copy()
    for c in data.columns:
        if data[c].dtype == object:
            data[c] = data[c].astype("string").astype(object)
    snapshot = Report([DataSummaryPreset()]).run(data, None)
    from ..io.evidently_report import write_report_html

    return write_report_html(snapshot, path)  # data neutralised: a cell cannot end evidently's inline script


def issues_json(assessment: Assessment) -> str:
    """The ``--json`` output as text."""
    return json.dumps(assessment.to_json_dict(), indent=2, default=str)


__all__ += ["issues_json"]


def save_to_record(
    path: str | os.PathLike,
    assessment: Assessment,
    *,
    status: str = "decided",
    extra: dict[str, Any] | None = None,
    who: str | None = None,
    what: str | None = None,
):
    """Save the assessment (spec, issues, waivers with notes, summary, plus ``extra`` evidence) to the record's ``data`` section."""
    from datetime import datetime, timezone

    from ..record import current_user, update_section

    who = who if who is not None else current_user()
    values = assessment.to_record()
    values["status"] = status
    values["summary"] = assessment.summary()
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    values["waivers"] = [
        {"key": k, "decision": "accepted", "note": note, "who": who, "when": now} for k, note in assessment.waivers.items()
    ]
    values.update(extra or {})
    return update_section(path, "data", values, what=what or f"Data assessment: {assessment.readiness}", who=who)


__all__ += ["save_to_record"]

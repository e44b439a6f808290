"""Checking what a user hands the workbook: tables, labels, scores and group columns.

Every stage validates its inputs through these functions, so a wrong column, a non-binary label or a
NaN score gets the same clear message everywhere (in a widget, in a notebook and on the command line).

Examples
--------
>>> y = binary_labels(["fraud", "ok", "ok"], positive="fraud")
>>> y.tolist()
[1, 0, 0]
>>> scores([0.1, 0.9, 0.5]).tolist()
[0.1, 0.9, 0.5]
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .errors import InputDataError

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "TableLoad",
    "read_table",
    "require_columns",
    "binary_labels",
    "scores",
    "group_labels",
    "NOT_BINARY",
    "SINGLE_CLASS",
    "NON_FINITE_SCORES",
    "LENGTH_MISMATCH",
    "MISSING_COLUMNS",
    "TOO_FEW_ROWS",
    "EMPTY_FILE",
    "TOO_LARGE",
]

DEFAULT_MAX_UPLOAD_BYTES = int(os.environ.get("AIPM_MAX_UPLOAD_MB", "200")) * 1024 * 1024

NOT_BINARY = (
    "The label column {name!r} has {k} different values ({values}); the workbook needs two classes. "
    "Say which value is the positive class (the thing to detect), e.g. positive={example!r}."
)
ASK_POSITIVE = (
    "The label column {name!r} holds {values}. Say which value is the positive class (the thing to detect), "
    "e.g. positive={example!r}."
)
POSITIVE_NOT_FOUND = "The positive value {positive!r} does not occur in the label column {name!r} (it holds {values})."
SINGLE_CLASS = (
    "The label column {name!r} has only one class ({value!r}) in these {n} rows: error rates need both "
    "positives and negatives. Use a longer period or a larger sample."
)
NON_FINITE_SCORES = (
    "The score column {name!r} has {count} missing or infinite values (first at row {first}). "
    "Drop or fix those rows first; the workbook will not guess a score."
)
NOT_NUMERIC = "The column {name!r} must hold numbers, but row {row} holds {value!r}."
LENGTH_MISMATCH = "{a} has {n_a} rows but {b} has {n_b}; they must describe the same rows."
MISSING_COLUMNS = "Column(s) {missing} not found. The table has: {available}."
TOO_FEW_ROWS = "Only {n} rows: at least {minimum} are needed for {purpose}."
EMPTY_FILE = "{name}: the file is empty. Export the table again with a header row and at least one data row."
TOO_LARGE = (
    "{name}: {size_mb:.0f} MB is over the {limit_mb:.0f} MB upload limit. Use a sample, Parquet instead of CSV, "
    "or raise the limit (AIPM_MAX_UPLOAD_MB) if this machine has the memory."
)
BINARY_FILE = "{name}: this does not look like a CSV or Parquet file (it holds binary data). Export it as CSV or Parquet."
NO_HEADER = (
    "{name}: the first row looks like data, not column names ({first}). Add a header row naming each column."
)


@dataclass
class TableLoad:
    """A loaded table and what was detected while reading it."""

    frame: pd.DataFrame
    source: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)


def _sniff_encoding(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw[:1_000_000].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still UTF-8.
        if exc.start >= min(len(raw), 1_000_000) - 4:
            return "utf-8"
        return "cp1252"


def _sniff_delimiter(text: str) -> str:
    import csv

    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _looks_like_data(cells: Sequence[str]) -> bool:
    def is_number(c: str) -> bool:
        try:
            float(c)
            return True
        except ValueError:
            return False

    cells = [c.strip() for c in cells if c.strip()]
    return bool(cells) and sum(is_number(c) for c in cells) >= max(1, len(cells) // 2 + 1)


def read_table(
    source: str | os.PathLike | bytes | memoryview,
    *,
    name: str | None = None,
    max_bytes: int | None = None,
    keep_null_markers: bool = False,
) -> TableLoad:
    """Read a CSV or Parquet table from a path or from uploaded bytes, with clear errors.

    Detects Parquet by its magic bytes, the text encoding (UTF-8, UTF-8 with BOM, UTF-16, else
    Windows-1252) and the delimiter (``,``, ``;``, tab, ``|``). Raises :class:`InputDataError` for an empty
    file, a binary file that is not Parquet, a file with no header row, or one over ``max_bytes``
    (default: ``AIPM_MAX_UPLOAD_MB`` MB, 200).

    With ``keep_null_markers=True`` a CSV's text such as ``"NA"`` or ``"N/A"`` stays text (only empty cells
    become missing), so the data assessment can report which null markers a file mixes.
    """
    limit = DEFAULT_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
        label = name or "uploaded file"
        if len(raw) > limit:
            raise InputDataError(TOO_LARGE.format(name=label, size_mb=len(raw) / 2**20, limit_mb=limit / 2**20))
    else:
        path = Path(source)
        label = name or path.name
        if not path.exists():
            raise InputDataError(f"{path}: no such file.")
        if path.is_dir():
            raise InputDataError(f"{path}: this is a folder; give a CSV or Parquet file.")
        size = path.stat().st_size
        if size > limit and path.suffix.lower() not in {".parquet", ".pq"}:
            raise InputDataError(TOO_LARGE.format(name=label, size_mb=size / 2**20, limit_mb=limit / 2**20))
        if path.suffix.lower() in {".parquet", ".pq"} or _is_parquet_file(path):
            return _read_parquet(path, label)
        raw = path.read_bytes()
    if not raw.strip():
        raise InputDataError(EMPTY_FILE.format(name=label))
    if raw[:4] == b"PAR1":
        return _read_parquet(io.BytesIO(raw), label)
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputDataError(BINARY_FILE.format(name=label))
    encoding = _sniff_encoding(raw)
    text = raw.decode(encoding, errors="replace")
    delimiter = _sniff_delimiter(text)
    first = text.splitlines()[0] if text.splitlines() else ""
    header = first.split(delimiter)
    if _looks_like_data(header):
        raise InputDataError(NO_HEADER.format(name=label, first=first[:80]))
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, low_memory=False, keep_default_na=not keep_null_markers,
            na_values=[""] if keep_null_markers else None,
        )
    except pd.errors.EmptyDataError:
        raise InputDataError(EMPTY_FILE.format(name=label)) from None
    except (pd.errors.ParserError, UnicodeError, ValueError) as exc:
        raise InputDataError(f"{label}: could not read it as CSV ({' '.join(str(exc).split())[:200]}).") from None
    if frame.shape[1] == 0 or (frame.shape[0] == 0):
        raise InputDataError(EMPTY_FILE.format(name=label))
    notes = []
    if encoding != "utf-8":
        notes.append(f"read as {encoding}")
    if delimiter != ",":
        notes.append(f"columns separated by {delimiter!r}")
    return TableLoad(frame, label, "csv", encoding, delimiter, notes)


def _is_parquet_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def _read_parquet(source: Any, label: str) -> TableLoad:
    try:
        frame = pd.read_parquet(source)
    except Exception as exc:  # pyarrow raises several types for broken files
        raise InputDataError(f"{label}: not a readable Parquet file ({' '.join(str(exc).split())[:200]}).") from None
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise InputDataError(EMPTY_FILE.format(name=label))
    return TableLoad(frame, label, "parquet")


def require_columns(frame: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise a clear error naming the missing columns and the available ones."""
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        available = ", ".join(map(str, frame.columns[:40])) + (" ..." if frame.shape[1] > 40 else "")
        raise InputDataError(MISSING_COLUMNS.format(missing=", ".join(map(repr, missing)), available=available))


def _plain(v: Any) -> Any:
    """A numpy scalar as the plain Python value (so messages say 25.48, not np.float64(25.48))."""
    return v.item() if hasattr(v, "item") else v


def _values_preview(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in list(values)[:limit])
    return shown + (", ..." if len(values) > limit else "")


def binary_labels(
    y: Any, *, positive: Any = None, name: str = "label", allow_missing: bool = False, min_rows: int = 1
) -> np.ndarray:
    """Turn a label column into 0/1 integers, or explain why it cannot be done.

    0/1, booleans and ``{-1, 1}`` need no ``positive``; any other two values (strings such as
    ``"fraud"``/``"ok"``) need it. With ``allow_missing=True`` NaN labels (not yet arrived) become -1.
    """
    series = pd.Series(np.asarray(y) if not isinstance(y, pd.Series) else y.to_numpy())
    missing = series.isna().to_numpy()
    if missing.any() and not allow_missing:
        first = int(np.flatnonzero(missing)[0])
        raise InputDataError(
            f"The label column {name!r} is empty in {int(missing.sum())} rows (first at row {first}). "
            "Drop unlabeled rows first (labels that have not arrived yet belong in monitoring)."
        )
    present = series[~missing]
    values = pd.unique(present)
    out = np.full(len(series), -1, dtype=np.int8)
    if positive is not None:
        matches = present == positive
        if not matches.any():
            # Accept "1" for 1 and similar when the column is numeric and the value came from a text box.
            try:
                matches = present.astype(str) == str(positive)
            except Exception:
                pass
        if not np.any(matches):
            raise InputDataError(POSITIVE_NOT_FOUND.format(positive=positive, name=name, values=_values_preview(values)))
        out[~missing] = np.asarray(matches, dtype=np.int8)
    else:
        if len(values) > 2 and _looks_continuous(values):
            raise InputDataError(LOOKS_NUMERIC.format(name=name, k=len(values), values=_values_preview(values)))
        if len(values) > 2:
            raise InputDataError(
                NOT_BINARY.format(name=name, k=len(values), values=_values_preview(values), example=_plain(values[0]))
            )
        as_set = set()
        for v in values:
            as_set.add(v.item() if hasattr(v, "item") else v)
        if as_set <= {0, 1} or as_set <= {True, False}:
            out[~missing] = present.astype(int).to_numpy()
        elif as_set <= {-1, 1}:
            out[~missing] = (present.to_numpy() == 1).astype(np.int8)
        else:
            raise InputDataError(ASK_POSITIVE.format(name=name, values=_values_preview(values), example=_plain(values[0])))
    known = out[out >= 0]
    if len(known) < min_rows:
        raise InputDataError(TOO_FEW_ROWS.format(n=len(known), minimum=min_rows, purpose="error rates"))
    if len(known) and (known.min() == known.max()):
        raise InputDataError(SINGLE_CLASS.format(name=name, value=int(known[0]), n=len(known)))
    return out if allow_missing else out.astype(np.int8)


LOOKS_NUMERIC = (
    "The label column {name!r} holds {k:,} different numbers ({values}): it looks like a quantity to predict "
    "(a price, a time, an amount), not a yes/no outcome. For a model that predicts a number use --task regression "
    "with --prediction COL (the predicted value), or turn the label into yes/no first."
)


def _looks_continuous(values: Any) -> bool:
    """Many distinct numbers, or numbers with fractions: a regression target, not classes."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return False
    arr = arr[np.isfinite(arr)]
    return len(arr) > 20 or bool(np.any(arr != np.round(arr)))


def scores(s: Any, *, name: str = "score") -> np.ndarray:
    """Check a score column: numeric and finite. Scores outside [0, 1] are allowed (raw model scores)."""
    arr = np.asarray(s.to_numpy() if isinstance(s, pd.Series) else s)
    if arr.dtype.kind not in "biuf":
        numeric = pd.to_numeric(pd.Series(arr), errors="coerce")
        bad = numeric.isna() & pd.Series(arr).notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(NOT_NUMERIC.format(name=name, row=row, value=arr[row]))
        arr = numeric.to_numpy()
    arr = arr.astype(np.float64, copy=False)
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise InputDataError(NON_FINITE_SCORES.format(name=name, count=len(bad), first=int(bad[0])))
    return arr


def group_labels(g: Any, *, name: str = "group", n: int | None = None) -> np.ndarray:
    """Group labels as strings; missing values become the group ``"(missing)"`` rather than vanishing."""
    series = g if isinstance(g, pd.Series) else pd.Series(np.asarray(g))
    if n is not None and len(series) != n:
        raise InputDataError(LENGTH_MISMATCH.format(a=f"The group column {name!r}", n_a=len(series), b="the labels", n_b=n))
    return series.astype(object).where(series.notna(), "(missing)").astype(str).to_numpy()


def same_length(**arrays: Any) -> int:
    """Check that all given arrays have the same length; return it."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    items = list(lengths.items())
    for k, n in items[1:]:
        if n != items[0][1]:
            raise InputDataError(LENGTH_MISMATCH.format(a=items[0][0], n_a=items[0][1], b=k, n_b=n))
    return items[0][1] if items else 0


__all__ += ["LOOKS_NUMERIC", "same_length", "ASK_POSITIVE", "POSITIVE_NOT_FOUND", "NOT_NUMERIC", "BINARY_FILE", "NO_HEADER"]

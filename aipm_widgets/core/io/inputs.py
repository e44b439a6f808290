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
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:  # pandas loads where a table is read, or a label, score or group column needs it (text, a Series):
    import pandas as pd  # the trade-off on numpy columns (page 04's demo) checks them without it

from ..errors import InputDataError, one_line, short

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
MAX_COLUMNS = int(os.environ.get("AIPM_MAX_COLUMNS", "5000"))
"""Most columns a table may have (a 1,000,000-column header would keep pandas busy for minutes)."""
MAX_LINE_CHARS = 1_000_000
"""Longest line of a CSV file (checked on the raw bytes before parsing)."""
MAX_CELL_CHARS = 100_000
"""Longest text in one cell (checked after parsing, text columns only)."""

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
TOO_MANY_COLUMNS = (
    "{name}: {n:,} columns is over the limit of {limit:,}. Keep the columns the model uses (label, score, "
    "features, groups), or raise AIPM_MAX_COLUMNS."
)
LINE_TOO_LONG = (
    "{name}: line {line:,} is {length:,} bytes long (limit {limit:,}). This is rarely a real table: check the "
    "file is a CSV export with one row per line."
)
CELL_TOO_LONG = (
    "{name}: a cell in column {column!r} holds {length:,} characters (limit {limit:,}). Shorten or drop that column "
    "before loading."
)
DUPLICATE_COLUMNS = (
    "{name}: column name(s) {names} appear more than once in the header; the workbook cannot tell them apart. "
    "Rename them so each column has its own name."
)
NESTED_COLUMNS = (
    "{name}: column(s) {columns} hold nested values ({kinds}); the workbook reads flat tables only. Flatten them "
    "(one value per cell) or leave them out of the export."
)
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

    sample = "\n".join(text[:100_000].splitlines()[:50])
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
    import pandas as pd

    limit = DEFAULT_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
        label = short(name or "uploaded file")
        if len(raw) > limit:
            raise InputDataError(TOO_LARGE.format(name=label, size_mb=len(raw) / 2**20, limit_mb=limit / 2**20))
    else:
        text_path = os.fspath(source)
        if "\x00" in str(text_path):
            raise InputDataError(f"{short(repr(text_path))}: the file name holds a NUL byte; give a plain file path.")
        path = Path(text_path)
        label = short(name or path.name)
        raw = _read_file(path, label, limit)
        if isinstance(raw, TableLoad):
            return raw
    if not raw.strip():
        raise InputDataError(EMPTY_FILE.format(name=label))
    if raw[:4] == b"PAR1":
        return _read_parquet(io.BytesIO(raw), label)
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputDataError(BINARY_FILE.format(name=label))
    longest = _check_line_lengths(raw, label)
    encoding = _sniff_encoding(raw)
    text = raw.decode(encoding, errors="replace").lstrip("\ufeff")  # a byte-order mark is never data
    delimiter = _sniff_delimiter(text)
    first = _header_line(text)
    header = _header_cells(first, delimiter)
    if len(header) > MAX_COLUMNS:
        raise InputDataError(TOO_MANY_COLUMNS.format(name=label, n=len(header), limit=MAX_COLUMNS))
    if _looks_like_data(header):
        raise InputDataError(NO_HEADER.format(name=label, first=short(first, 80)))
    _refuse_duplicates(header, label)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, low_memory=False, keep_default_na=not keep_null_markers,
            na_values=[""] if keep_null_markers else None,
        )
    except pd.errors.EmptyDataError:
        raise InputDataError(EMPTY_FILE.format(name=label)) from None
    except (pd.errors.ParserError, UnicodeError, ValueError) as exc:
        raise InputDataError(f"{label}: could not read it as CSV ({one_line(exc, 200)}). Check the delimiter and quoting, "
                             "or export it again.") from None
    if frame.shape[1] == 0 or (frame.shape[0] == 0):
        raise InputDataError(EMPTY_FILE.format(name=label))
    if longest > MAX_CELL_CHARS or b'"' in raw:  # otherwise no cell can be longer than its line
        _check_cells(frame, label)
    notes = []
    if encoding != "utf-8":
        notes.append(f"read as {encoding}")
    if delimiter != ",":
        notes.append(f"columns separated by {delimiter!r}")
    return TableLoad(frame, label, "csv", encoding, delimiter, notes)


def _read_file(path: Path, label: str, limit: int) -> "bytes | TableLoad":
    """Open, then check what was opened (no window between a check and the read): a regular file under the
    limit. Parquet files are read from the opened file whatever their size (they are compressed)."""
    from ..record.storage import NotARegularFile

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputDataError(f"{short(path)}: no such file.") from None
    except IsADirectoryError:
        raise InputDataError(f"{short(path)}: this is a folder; give a CSV or Parquet file.") from None
    except PermissionError:
        raise InputDataError(f"{short(path)}: not allowed to read this file; check its permissions.") from None
    except OSError as exc:
        raise InputDataError(f"{short(path)}: could not open it ({exc.strerror or exc}).") from None
    import stat

    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputDataError(f"{short(path)}: this is a folder; give a CSV or Parquet file.")
        raise InputDataError(f"{short(path)}: this is not a regular file (a pipe or a device); give a CSV or Parquet file.")
    with os.fdopen(fd, "rb") as fh:
        try:
            head = fh.read(4)
            if head == b"PAR1" or path.suffix.lower() in {".parquet", ".pq"}:
                fh.seek(0)
                return _read_parquet(fh, label)
            if st.st_size > limit:
                raise InputDataError(TOO_LARGE.format(name=label, size_mb=st.st_size / 2**20, limit_mb=limit / 2**20))
            raw = head + fh.read(limit + 1 - len(head))
        except (IsADirectoryError, NotARegularFile):  # pragma: no cover - fstat said regular
            raise InputDataError(f"{short(path)}: not a regular file.") from None
        except OSError as exc:
            raise InputDataError(f"{short(path)}: could not read it ({exc.strerror or exc}).") from None
    if len(raw) > limit:  # grew while we read
        raise InputDataError(TOO_LARGE.format(name=label, size_mb=len(raw) / 2**20, limit_mb=limit / 2**20))
    return raw


def _check_line_lengths(raw: bytes, label: str) -> int:
    """The longest line's length in bytes; refuses one over :data:`MAX_LINE_CHARS` before pandas sees it
    (vectorised: about a second for 200 MB)."""
    if len(raw) <= MAX_CELL_CHARS:
        return len(raw)
    codes = np.frombuffer(raw, dtype=np.uint8)
    breaks = np.flatnonzero((codes == 10) | (codes == 13))
    edges = np.concatenate(([-1], breaks, [len(codes)]))
    lengths = np.diff(edges) - 1
    worst = int(np.argmax(lengths))
    if lengths[worst] > MAX_LINE_CHARS:
        line = int(np.count_nonzero(codes[: max(edges[worst], 0)] == 10)) + 1
        raise InputDataError(LINE_TOO_LONG.format(name=label, line=line, length=int(lengths[worst]), limit=MAX_LINE_CHARS))
    return int(lengths[worst])


def _header_line(text: str) -> str:
    """The line pandas takes as the header: the first one that is not blank (pandas skips blank lines)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if line.strip():
            return line.rstrip("\r")
        start = end + 1
    return ""


def _header_cells(first: str, delimiter: str) -> list[str]:
    """The header row's cells as the CSV module reads them (quotes removed), so names compare as pandas sees them."""
    import csv

    if first.count(delimiter) + 1 > MAX_COLUMNS:  # do not split a million cells to count them
        return first.split(delimiter)
    try:
        return next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error:
        return first.split(delimiter)


def _refuse_duplicates(names: Sequence[Any], label: str) -> None:
    """Refuse repeated column names by name: pandas would rename the second ``score`` to ``score.1`` silently
    and a command would use the wrong column without a word."""
    from collections import Counter

    counts = Counter(str(n) for n in names)
    dups = [n for n, k in counts.items() if k > 1 and n.strip()]  # blank names become distinct 'Unnamed: N'
    if dups:
        shown = ", ".join(f"{short(n, 40)!r} ({counts[n]} times)" for n in dups[:5]) + (" ..." if len(dups) > 5 else "")
        raise InputDataError(DUPLICATE_COLUMNS.format(name=label, names=shown))


def _check_cells(frame: pd.DataFrame, label: str) -> None:
    import pandas as pd

    for col in frame.columns:
        s = frame[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            try:
                longest = s.str.len().max()
            except AttributeError:  # no text in this column
                continue
            if pd.notna(longest) and int(longest) > MAX_CELL_CHARS:
                raise InputDataError(CELL_TOO_LONG.format(name=label, column=short(col, 40), length=int(longest),
                                                          limit=MAX_CELL_CHARS))


def _parquet_schema_problems(schema, label: str) -> None:
    """Refuse, by column name, what the workbook cannot use: too many columns, repeated names, nested types."""
    import pyarrow as pa

    names = list(schema.names)
    if len(names) > MAX_COLUMNS:
        raise InputDataError(TOO_MANY_COLUMNS.format(name=label, n=len(names), limit=MAX_COLUMNS))
    _refuse_duplicates(names, label)
    nested = []
    for f in schema:
        t = f.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_nested(t):
            kind = ("map" if pa.types.is_map(t) else "struct" if pa.types.is_struct(t)
                    else "union" if pa.types.is_union(t) else "list")
            nested.append((f.name, kind))
    if nested:
        columns = ", ".join(repr(short(n, 40)) for n, _ in nested[:8]) + (" ..." if len(nested) > 8 else "")
        kinds = ", ".join(sorted({k for _, k in nested}))
        raise InputDataError(NESTED_COLUMNS.format(name=label, columns=columns, kinds=kinds))


def _read_parquet(source: Any, label: str) -> TableLoad:
    try:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(source)
        _parquet_schema_problems(pf.schema_arrow, label)
        table = pf.read()
        _check_arrow_cells(table, label)
        frame = table.to_pandas()
    except InputDataError:
        raise
    except Exception as exc:  # pyarrow raises several types for broken files
        raise InputDataError(f"{label}: not a readable Parquet file ({one_line(exc, 200)}). Export it again.") from None
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise InputDataError(EMPTY_FILE.format(name=label))
    return TableLoad(frame, label, "parquet")


def _check_arrow_cells(table, label: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    for name, column in zip(table.column_names, table.columns):
        t = column.type
        if pa.types.is_dictionary(t):
            continue  # few distinct values; pandas keeps them as categories
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            longest = pc.max(pc.utf8_length(column)).as_py()
        elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
            longest = pc.max(pc.binary_length(column)).as_py()
        else:
            continue
        if longest is not None and longest > MAX_CELL_CHARS:
            raise InputDataError(CELL_TOO_LONG.format(name=label, column=short(name, 40), length=int(longest),
                                                      limit=MAX_CELL_CHARS))


def require_columns(frame: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise a clear error naming the missing columns and the available ones."""
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        available = ", ".join(short(c, 40) for c in frame.columns[:40]) + (" ..." if frame.shape[1] > 40 else "")
        raise InputDataError(MISSING_COLUMNS.format(missing=", ".join(repr(short(c)) for c in missing), available=available))


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
    arr = np.asarray(y.to_numpy() if is_pandas_object(y) else y)
    if arr.dtype.kind in "biuf" and (positive is None or isinstance(positive, (bool, int, float, np.number))):
        return _binary_numbers(arr, positive=positive, name=name, allow_missing=allow_missing, min_rows=min_rows)
    import pandas as pd

    series = pd.Series(arr)
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


def is_pandas_object(x: Any) -> bool:
    """A pandas object, told without importing pandas (a numpy array or list says no at once)."""
    return type(x).__module__.partition(".")[0] == "pandas"


def _in_order_of_appearance(values: np.ndarray) -> np.ndarray:
    """The distinct values in the order they first appear (``pd.unique``)."""
    distinct, first = np.unique(values, return_index=True)
    return distinct[np.argsort(first, kind="stable")]


def _binary_numbers(arr: np.ndarray, *, positive: Any, name: str, allow_missing: bool, min_rows: int) -> np.ndarray:
    """:func:`binary_labels` for a numeric or boolean numpy column (NaN is missing), with the same answers and
    messages as the pandas path, without pandas."""
    missing = np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(len(arr), dtype=bool)
    if missing.any() and not allow_missing:
        first = int(np.flatnonzero(missing)[0])
        raise InputDataError(
            f"The label column {name!r} is empty in {int(missing.sum())} rows (first at row {first}). "
            "Drop unlabeled rows first (labels that have not arrived yet belong in monitoring)."
        )
    present = arr[~missing]
    values = _in_order_of_appearance(present)
    out = np.full(len(arr), -1, dtype=np.int8)
    if positive is not None:
        matches = present == positive
        if not matches.any():
            raise InputDataError(POSITIVE_NOT_FOUND.format(positive=positive, name=name, values=_values_preview(values)))
        out[~missing] = matches.astype(np.int8)
    else:
        if len(values) > 2 and _looks_continuous(values):
            raise InputDataError(LOOKS_NUMERIC.format(name=name, k=len(values), values=_values_preview(values)))
        if len(values) > 2:
            raise InputDataError(
                NOT_BINARY.format(name=name, k=len(values), values=_values_preview(values), example=_plain(values[0]))
            )
        as_set = {v.item() for v in values}
        if as_set <= {0, 1} or as_set <= {True, False}:
            out[~missing] = present.astype(np.int8)
        elif as_set <= {-1, 1}:
            out[~missing] = (present == 1).astype(np.int8)
        else:
            raise InputDataError(ASK_POSITIVE.format(name=name, values=_values_preview(values), example=_plain(values[0])))
    known = out[out >= 0]
    if len(known) < min_rows:
        raise InputDataError(TOO_FEW_ROWS.format(n=len(known), minimum=min_rows, purpose="error rates"))
    if len(known) and (known.min() == known.max()):
        raise InputDataError(SINGLE_CLASS.format(name=name, value=int(known[0]), n=len(known)))
    return out


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
    arr = np.asarray(s.to_numpy() if is_pandas_object(s) else s)
    if arr.dtype.kind not in "biuf":
        import pandas as pd

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
    if n is not None and len(g) != n:
        raise InputDataError(LENGTH_MISMATCH.format(a=f"The group column {name!r}", n_a=len(g), b="the labels", n_b=n))
    arr = None if is_pandas_object(g) else np.asarray(g)
    if arr is not None and arr.dtype.kind in "Ubiu":  # nothing can be missing: the values as text, without pandas
        return arr.astype(str).astype(object)
    import pandas as pd

    series = g if arr is None else pd.Series(arr)
    return series.astype(object).where(series.notna(), "(missing)").astype(str).to_numpy()


def same_length(**arrays: Any) -> int:
    """Check that all given arrays have the same length; return it."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    items = list(lengths.items())
    for k, n in items[1:]:
        if n != items[0][1]:
            raise InputDataError(LENGTH_MISMATCH.format(a=items[0][0], n_a=items[0][1], b=k, n_b=n))
    return items[0][1] if items else 0


__all__ += ["MAX_COLUMNS", "MAX_LINE_CHARS", "MAX_CELL_CHARS", "TOO_MANY_COLUMNS", "LINE_TOO_LONG", "CELL_TOO_LONG",
            "DUPLICATE_COLUMNS", "NESTED_COLUMNS"]
__all__ += ["LOOKS_NUMERIC", "same_length", "ASK_POSITIVE", "POSITIVE_NOT_FOUND", "NOT_NUMERIC", "BINARY_FILE", "NO_HEADER"]

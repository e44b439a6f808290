"""A table as named numpy columns, read from Parquet without pandas.

A page's first control should not wait for pandas (0.3 to 0.4 s to import on a 2-core machine), and pyarrow imports
pandas as soon as a column is turned into numpy (``Array.to_numpy``, even for floats) or built from Python objects.
:func:`read_columns` reads numbers straight from the column's Arrow buffers and text with ``to_pylist``, neither of
which imports it. :class:`Columns` answers what the stages ask of such a table (``len``, ``table[name]``,
``table.name``, ``.columns``), so the trade-off and the rule baseline take it where they take a DataFrame.

Examples
--------
>>> import numpy as np
>>> t = Columns({"amount": np.array([12.0, 950.0]), "band": np.array(["18-25", "65+"])})
>>> len(t), t.columns, t.amount.tolist()
(2, ['amount', 'band'], [12.0, 950.0])
>>> t.first_of_each("band").band.tolist()
['18-25', '65+']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..errors import InputDataError

__all__ = ["Columns", "read_columns"]


class Columns:
    """Named numpy arrays of one length, read-only: a table's columns as a DataFrame's ``len``, ``[name]``,
    ``.name``, ``.columns`` and iteration (over names) give them."""

    def __init__(self, data: dict[str, np.ndarray]):
        arrays = {str(k): np.asarray(v) for k, v in data.items()}
        lengths = {k: len(v) for k, v in arrays.items()}
        if len(set(lengths.values())) > 1:
            raise InputDataError(f"The columns have different lengths: {lengths}.")
        for a in arrays.values():
            a.setflags(write=False)  # shared between the callers of a cached read
        object.__setattr__(self, "_data", arrays)
        object.__setattr__(self, "_rows", next(iter(lengths.values()), 0))

    @property
    def columns(self) -> list[str]:
        return list(self._data)

    def __len__(self) -> int:
        return self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._data[name]
        except KeyError:
            raise KeyError(name) from None

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data", {})
        if name in data:
            return data[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Columns are read-only")

    def __repr__(self) -> str:
        return f"Columns({self._rows} rows: {', '.join(self._data)})"

    def take(self, rows: np.ndarray) -> "Columns":
        """The rows at the positions ``rows`` (integers) or where ``rows`` is True, in that order."""
        return Columns({k: v[rows] for k, v in self._data.items()})

    def first_of_each(self, key: str) -> "Columns":
        """One row per value of ``key``, the first, in the table's order (``drop_duplicates(key)``)."""
        _, first = np.unique(self[key], return_index=True)
        return self.take(np.sort(first))


def read_columns(path: str | Path, columns: Sequence[str], *, row_groups: Sequence[int] | None = None) -> Columns:
    """``columns`` of the Parquet file at ``path`` (all its row groups, or ``row_groups``), without importing pandas.

    Numbers and booleans come from the column's buffers (missing values become NaN, as pandas reads them); times
    without a time zone as ``datetime64`` of the column's unit (missing ones NaT); text comes as a numpy string array
    (``dtype <U``), or an object array where values are missing (None)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    missing = [c for c in columns if c not in pf.schema_arrow.names]
    if missing:
        raise InputDataError(f"{Path(path).name} has no column {', '.join(map(repr, missing))}.")
    groups = list(range(pf.num_row_groups)) if row_groups is None else list(row_groups)
    table = pf.read_row_groups(groups, columns=list(columns)) if groups else pf.schema_arrow.empty_table()
    return Columns({c: _to_numpy(table.column(c)) for c in columns})


def _to_numpy(column: Any) -> np.ndarray:
    import pyarrow as pa

    kind = column.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        parts = [_numbers(chunk, np.dtype(kind.to_pandas_dtype())) for chunk in column.chunks]
        out = np.concatenate(parts) if parts else np.empty(0, dtype=kind.to_pandas_dtype())
        return out
    if pa.types.is_timestamp(kind) and kind.tz is None:
        # Wall-clock times as pandas reads them (datetime64 of the column's unit, missing ones NaT).
        unit = np.dtype(f"datetime64[{kind.unit}]")
        parts = [_numbers(chunk, np.dtype(np.int64), missing=np.iinfo(np.int64).min) for chunk in column.chunks]
        return (np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)).view(unit)
    if pa.types.is_boolean(kind):
        values = column.to_pylist()
        if any(v is None for v in values):
            return np.array([np.nan if v is None else float(v) for v in values])
        return np.array(values, dtype=bool)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = column.to_pylist()
        if any(v is None for v in values):
            return np.array(values, dtype=object)
        return np.array(values, dtype=str) if values else np.empty(0, dtype="<U1")
    raise InputDataError(f"The column {column!r} has type {kind}, which this reader does not turn into numbers or text.")


def _numbers(chunk: Any, dtype: np.dtype, *, missing: Any = None) -> np.ndarray:
    """A numeric Arrow array as numpy, from its data buffer (``to_numpy`` would import pandas). Missing values become
    NaN (the array turns float), or ``missing`` where given (the array keeps its type)."""
    n = len(chunk)
    data = chunk.buffers()[1]
    values = np.frombuffer(data, dtype=dtype, count=n, offset=chunk.offset * dtype.itemsize) if n else np.empty(0, dtype)
    if chunk.null_count == 0:
        return values.copy()
    bits = np.unpackbits(np.frombuffer(chunk.buffers()[0], dtype=np.uint8), bitorder="little")
    present = bits[chunk.offset:chunk.offset + n].astype(bool)
    if missing is not None:
        out = values.copy()
        out[~present] = missing
        return out
    out = values.astype(float)  # missing numbers are NaN, as pandas reads them
    out[~present] = np.nan
    return out

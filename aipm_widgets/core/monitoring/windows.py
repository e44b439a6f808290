"""Drift windows: slicing production rows by period (day, week, month) or by row count.

A *window* is one slice of production data compared with the reference. Period windows run from the
first to the last production timestamp with no gaps: a period with no rows is kept as an *empty window*
(shown, never alerted on), so a silent logging outage is visible instead of hidden.

Examples
--------
>>> import pandas as pd
>>> w = assign_windows(pd.Series(pd.to_datetime(["2025-06-02", "2025-06-30", "2025-08-01"])), window="month")
>>> [x.label for x in w.windows]
['2025-06', '2025-07', '2025-08']
>>> w.codes.tolist(), [x.n for x in w.windows]
([0, 0, 2], [2, 0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError

__all__ = ["Window", "WindowAssignment", "assign_windows", "parse_timestamps", "WINDOW_KINDS"]

WINDOW_KINDS = {"day": "D", "week": "W-SUN", "month": "M"}
NO_TIMESTAMPS = (
    "The timestamp column {name!r} holds no readable dates ({example!r} ...). Give a column of dates or "
    "times (e.g. 2025-06-01 or 2025-06-01T14:05), or use row-count windows (--window-rows N) instead."
)
TOO_MANY_WINDOWS = "{k:,} {kind} windows is too many to show; choose a longer window (week or month)."


@dataclass(frozen=True)
class Window:
    """One window: its label, first and last instant (or row numbers) and number of rows."""

    index: int
    label: str
    start: str
    end: str
    n: int


@dataclass
class WindowAssignment:
    """Which window each production row belongs to (``codes``; -1 = dropped row) and the windows."""

    codes: np.ndarray
    windows: list[Window]
    kind: str
    notes: list[str] = field(default_factory=list)


def parse_timestamps(values: Any, *, name: str = "timestamp") -> tuple[pd.Series, list[str]]:
    """Parse a timestamp column; unreadable values become NaT and are counted in a note.

    Raises :class:`InputDataError` when no value at all can be read.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    notes: list[str] = []
    if pd.api.types.is_datetime64_any_dtype(series):
        ts = series
    else:
        ts = pd.to_datetime(series, errors="coerce", format="mixed")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = ts.isna() & series.notna()
    missing = series.isna()
    if ts.notna().sum() == 0:
        example = series.dropna().iloc[0] if series.notna().any() else None
        raise InputDataError(NO_TIMESTAMPS.format(name=name, example=example))
    if bad.any():
        notes.append(
            f"{int(bad.sum()):,} rows have an unreadable {name!r} (e.g. {series[bad].iloc[0]!r}); they were left out."
        )
    if missing.any():
        notes.append(f"{int(missing.sum()):,} rows have no {name!r}; they were left out.")
    return ts, notes


def assign_windows(
    timestamps: Any = None, *, window: str = "week", window_rows: int | None = None, n_rows: int | None = None,
    name: str = "timestamp", max_windows: int = 2000,
) -> WindowAssignment:
    """Assign each production row to a window.

    Parameters
    ----------
    timestamps : Series, optional
        One timestamp per row (needed for period windows).
    window : {"day", "week", "month"}
        Period length (weeks start on Monday).
    window_rows : int, optional
        Use windows of this many consecutive rows instead of periods (then ``timestamps`` may be None).
    n_rows : int, optional
        Number of rows when ``timestamps`` is None.
    """
    if window_rows is not None:
        if window_rows < 1:
            raise InputDataError(f"A window needs at least 1 row, not {window_rows}.")
        n = len(timestamps) if timestamps is not None else int(n_rows or 0)
        codes = np.arange(n) // window_rows
        k = int(codes.max()) + 1 if n else 0
        wins = [
            Window(i, f"rows {i * window_rows + 1:,}-{min((i + 1) * window_rows, n):,}", str(i * window_rows),
                   str(min((i + 1) * window_rows, n) - 1), int(min(window_rows, n - i * window_rows)))
            for i in range(k)
        ]
        return WindowAssignment(codes.astype(np.int64), wins, f"{window_rows} rows")
    if window not in WINDOW_KINDS:
        raise InputDataError(f"window must be one of {', '.join(WINDOW_KINDS)} (or give a row count), not {window!r}.")
    if timestamps is None:
        raise InputDataError("Period windows need a timestamp column; name it, or use row-count windows.")
    ts, notes = parse_timestamps(timestamps, name=name)
    periods = ts.dt.to_period(WINDOW_KINDS[window])
    valid = periods.notna().to_numpy()
    first, last = periods[valid].min(), periods[valid].max()
    k = (last - first).n + 1
    if k > max_windows:
        raise InputDataError(TOO_MANY_WINDOWS.format(k=k, kind=window))
    codes = np.full(len(ts), -1, dtype=np.int64)
    codes[valid] = periods[valid].array.asi8 - first.ordinal
    counts = np.bincount(codes[valid], minlength=k)
    wins = []
    for i in range(k):
        p = first + i
        label = p.strftime("%Y-%m") if window == "month" else p.start_time.strftime("%Y-%m-%d")
        wins.append(Window(i, label, p.start_time.isoformat(), p.end_time.floor("s").isoformat(), int(counts[i])))
    empty = [w.label for w in wins if w.n == 0]
    if empty:
        notes.append(
            f"{len(empty)} {window} window(s) have no rows ({', '.join(empty[:5])}{' ...' if len(empty) > 5 else ''}): "
            "shown as empty, never alerted on. Check that logging did not stop."
        )
    return WindowAssignment(codes, wins, window, notes)

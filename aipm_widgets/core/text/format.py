"""Numbers in words: the one place that decides how a rate, a count, money or a threshold is written.

Every sentence the workbook shows is generated from the result object it describes, and every number in
it goes through one of these functions, so a page, its chart labels, the command line and the brief write
the same number the same way. A value that is missing, NaN or infinite is written ``"n/a"``, never ``nan``.

* :func:`percent` a share (0.123 -> ``"12.3%"``); :func:`points` a difference of two shares
  (0.05 -> ``"5.0 points"``, never "5 %" of a percent);
* :func:`count` a whole number with thousands separators; :func:`money` an amount with its currency code;
* :func:`threshold` a decision threshold with enough digits to re-enter it and get the same counts;
* :func:`interval` a "low to high" range written with the same formatter as its estimate;
* :func:`estimate` a value with its interval, the workbook's standard way to state an uncertain number.

Examples
--------
>>> percent(0.1234)
'12.3%'
>>> points(-0.0512)
'-5.1 points'
>>> count(1234567)
'1,234,567'
>>> money(1234.5, "GBP")
'GBP 1,234'
>>> money(0.5, "JPY", digits=2)
'JPY 0.50'
>>> threshold(0.0695)
'0.0695'
>>> threshold(0.069312345)
'0.069312345'
>>> estimate(0.9, 0.85, 0.94)
'90.0% (85.0% to 94.0%)'
>>> percent(float("nan"))
'n/a'
"""

from __future__ import annotations

import math
from typing import Any, Callable

__all__ = [
    "as_number",
    "count",
    "data_size",
    "estimate",
    "interval",
    "money",
    "number",
    "p_value",
    "percent",
    "points",
    "shortest_decimal_between",
    "threshold",
]

NA = "n/a"


def as_number(x: Any) -> float | None:
    """``x`` as a finite float, or None (for None, text, NaN and infinities)."""
    if isinstance(x, bool):
        return float(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def percent(x: Any, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage."""
    v = as_number(x)
    return NA if v is None else f"{v * 100:.{digits}f}%"


def points(x: Any, digits: int = 1) -> str:
    """The difference of two shares, in percentage points (a gap between groups, a change in recall)."""
    v = as_number(x)
    if v is None:
        return NA
    unit = "point" if round(abs(v) * 100, digits) == 1 else "points"
    return f"{v * 100:.{digits}f} {unit}"


def number(x: Any, digits: int = 0) -> str:
    """Any number with thousands separators and a fixed number of decimals."""
    v = as_number(x)
    return NA if v is None else f"{v:,.{digits}f}"


def count(x: Any) -> str:
    """A whole number of things (rows, cases, alerts) with thousands separators."""
    v = as_number(x)
    return NA if v is None else f"{round(v):,d}"


def data_size(n_bytes: Any) -> str:
    """An amount of data in the largest unit that keeps a number of at least 1: ``1.5 GB``, ``340 MB``, ``12 kB``.

    >>> data_size(1_610_612_736), data_size(356_515_840), data_size(999)
    ('1.5 GB', '340 MB', '999 bytes')
    """
    v = as_number(n_bytes)
    if v is None:
        return NA
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if v >= size:
            x = v / size
            return f"{x:,.1f} {unit}" if x < 10 else f"{x:,.0f} {unit}"
    return f"{round(v):,d} bytes"


def bound(x: Any, significant: int = 2) -> str:
    """An error bound (a share, as a decimal) rounded **up** to ``significant`` digits: ``0.000312`` -> ``0.00032``.

    Rounding a bound down would promise more precision than the counts give.
    """
    v = as_number(x)
    if v is None:
        return NA
    if v <= 0:
        return "0"
    places = max(0, significant - 1 - math.floor(math.log10(v)))
    up = math.ceil(round(v * 10**places, 9)) / 10**places
    return f"{up:.{places}f}"


def money(x: Any, currency: str | None = None, digits: int = 0) -> str:
    """An amount of money with its currency code (ISO 4217) in front; no code when none is known."""
    v = as_number(x)
    if v is None:
        return NA
    amount = f"{v:,.{digits}f}"
    if amount.startswith("-"):
        amount = "-" + (f"{currency} " if currency else "") + amount[1:]
        return amount
    return f"{currency} {amount}" if currency else amount


def threshold(x: Any) -> str:
    """A decision threshold, written so that re-entering the text gives the same decisions.

    Scores are compared with ``>=``, and a threshold printed with fewer digits (0.1458 for 0.145812) can move
    the cut past real scores. So the text is the shortest that reads back as the same number (Python's
    ``repr``); the workbook chooses its thresholds as short decimals between two adjacent scores
    (:meth:`aipm_widgets.core.metrics.threshold_curve.ThresholdCurve.short_cut`), so this is usually 2 to 4 digits.
    """
    v = as_number(x)
    if v is None:
        return NA
    short = f"{v:.6g}"
    return short if float(short) == v else repr(v)


def interval(low: Any, high: Any, fmt: Callable[[Any], str] = percent) -> str:
    """``"low to high"`` with the estimate's own formatter, or ``"no interval"`` when either end is missing."""
    if as_number(low) is None or as_number(high) is None:
        return "no interval"
    return f"{fmt(low)} to {fmt(high)}"


def estimate(value: Any, low: Any = None, high: Any = None, fmt: Callable[[Any], str] = percent) -> str:
    """A value with its interval in brackets: ``"90.0% (85.0% to 94.0%)"``; the value alone without one."""
    text = fmt(value)
    if as_number(low) is None or as_number(high) is None:
        return text
    return f"{text} ({interval(low, high, fmt)})"


def p_value(x: Any) -> str:
    """A p-value as ``"p = 0.023"``, or ``"p < 0.001"`` when it is that small (never ``"p = 0"``).

    >>> p_value(0.0), p_value(0.04567), p_value(1.0)
    ('p < 0.001', 'p = 0.046', 'p = 1.000')
    """
    v = as_number(x)
    if v is None:
        return "p n/a"
    if v < 0.001:
        return "p < 0.001"
    return f"p = {v:.3f}"


def shortest_decimal_between(lo: float, hi: float) -> float:
    """The decimal with the fewest digits in ``(lo, hi]`` (``lo`` may be -inf, ``hi`` +inf), nearest the middle.

    Float arithmetic proposes candidates; every candidate is checked against ``lo < c <= hi`` exactly, so a
    rounding slip can only cost a digit, never change the decisions.
    """
    lo_ok, hi_ok = math.isfinite(lo), math.isfinite(hi)
    top = max(abs(lo) if lo_ok else 0.0, abs(hi) if hi_ok else 0.0, 1e-300)
    start = -math.floor(math.log10(top)) - 1
    if not hi_ok:
        start = max(start, 0)
    for places in range(start, 18):
        f = 10.0**places
        step = lambda k: round(k / f, places)  # noqa: E731
        if not hi_ok:  # above every score: the next short number up (alert on none)
            k = math.floor(lo * f) + 1
            for c in (step(k), step(k + 1)):
                if c > lo:
                    return c
            continue
        k_hi = math.floor(hi * f)
        high = next((c for c in (step(k_hi), step(k_hi - 1)) if c <= hi), None)
        if not lo_ok:  # below every score: the next short number down (alert on all)
            if high is not None:
                return high
            continue
        k_lo = math.floor(lo * f) + 1
        low = next((c for c in (step(k_lo), step(k_lo + 1)) if c > lo), None)
        if low is None or high is None or low > high:
            continue
        c = min(max(step(round((lo + hi) / 2 * f)), low), high)
        if lo < c <= hi:
            return c
    return hi if hi_ok else math.nextafter(lo, math.inf)

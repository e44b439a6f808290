"""Tables for people: a DataFrame as an HTML table with every number through :mod:`aipm_widgets.core.text.format`.

No index column, ``yes``/``no`` instead of ``True``/``False``, whole numbers with thousands separators,
other numbers with a fixed number of decimals (or a formatter per column), every cell escaped.

>>> import pandas as pd
>>> html = frame_html(pd.DataFrame({"group": ["a"], "rows": [1200], "share": [0.015130424], "ok": [True]}),
...                   formats={"share": percent})
>>> "1,200" in html and "1.5%" in html and "yes" in html and "0.015130424" not in html
True
"""

from __future__ import annotations

import html as _html
import math
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from .format import count, number, percent

__all__ = ["cell_text", "frame_html", "percent"]


def cell_text(value: Any, digits: int = 2) -> str:
    """One cell as text: booleans as yes/no, whole numbers with separators, other numbers rounded, NaN as n/a."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return count(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return "n/a" if math.isnan(float(value)) else ("no limit" if value > 0 else "-no limit")
        return count(value) if float(value).is_integer() and abs(value) >= 1 else number(value, digits)
    return str(value)


def frame_html(frame: pd.DataFrame, *, formats: Mapping[str, Callable[[Any], str]] | None = None, digits: int = 2,
               css_class: str = "aipm-table") -> str:
    """``frame`` as an HTML table for a page (no index; formatted, escaped cells)."""
    formats = dict(formats or {})
    head = "".join(f"<th style='text-align:left;padding:3px 8px;border-bottom:1px solid #ccc'>{_html.escape(str(c))}</th>"
                   for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(frame.columns, rec):
            fmt = formats.get(col)
            text = fmt(v) if fmt is not None else cell_text(v, digits)
            cells.append(f"<td style='padding:3px 8px;border-bottom:1px solid #eee'>{_html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table class='{css_class}' style='border-collapse:collapse;font-size:13px'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")

"""The minimum viable model: a simple rule on one column (``amount > 900``), parsed safely, never ``eval``.

A rule is ``COLUMN OP VALUE`` with ``OP`` one of ``> >= < <= == !=``; ``VALUE`` is a number, or for ``==``/``!=``
a word or quoted text (``channel == online``). Rows where the column is empty never raise an alert.
The rule's alerts are placed on the same precision/recall and cost axes as the model, so "do we need ML at
all?" has a measured answer.

Examples
--------
>>> import pandas as pd
>>> rule = Rule.parse("amount > 900")
>>> rule.column, rule.op, rule.value
('amount', '>', 900.0)
>>> rule.alerts(pd.DataFrame({"amount": [10, 950, None]})).tolist()
[False, True, False]
>>> Rule.parse("channel == 'online'").value
'online'
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputDataError

if TYPE_CHECKING:  # a rule on numeric numpy columns (Columns) needs no pandas; text columns and DataFrames load it
    import pandas as pd

__all__ = ["Rule", "RULE_SYNTAX"]

RULE_SYNTAX = (
    "Write a rule as COLUMN OP VALUE on one column, e.g. 'amount > 900', 'hour < 6' or \"channel == 'online'\"; "
    "OP is one of >, >=, <, <=, ==, !=."
)
_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class Rule:
    """A parsed one-column rule."""

    column: str
    op: str
    value: float | str

    @property
    def text(self) -> str:
        v = f"{self.value:g}" if isinstance(self.value, float) else repr(self.value)
        return f"{self.column} {self.op} {v}"

    @classmethod
    def parse(cls, text: str) -> "Rule":
        if not isinstance(text, str) or not text.strip():
            raise InputDataError(f"Empty rule. {RULE_SYNTAX}")
        if len(text) > 200:
            raise InputDataError(f"The rule is too long ({len(text)} characters). {RULE_SYNTAX}")
        m = _PATTERN.match(text)
        if not m:
            raise InputDataError(f"Could not read the rule {text.strip()!r}. {RULE_SYNTAX}")
        column, op, raw = m.groups()
        if _NUMBER.match(raw):
            return cls(column, op, float(raw))
        if op not in ("==", "!="):
            raise InputDataError(f"In the rule {text.strip()!r}, {op} needs a number, not {raw!r}. {RULE_SYNTAX}")
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            raw = raw[1:-1]
        elif not re.match(r"^[\w\-. ]+$", raw):
            raise InputDataError(f"Could not read the value {raw!r} in the rule {text.strip()!r}. {RULE_SYNTAX}")
        return cls(column, op, raw)

    def alerts(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean alerts for every row of ``frame`` (a DataFrame or :class:`~aipm_widgets.core.io.columns.Columns`;
        empty cells never alert)."""
        if self.column not in frame.columns:
            available = ", ".join(map(str, list(frame.columns)[:30]))
            raise InputDataError(f"The rule uses the column {self.column!r}, which the data does not have. It has: {available}.")
        numbers = _numbers(frame[self.column])
        if isinstance(self.value, float) and numbers is not None:  # a numeric numpy column: no pandas
            with np.errstate(invalid="ignore"):
                return np.asarray(_OPS[self.op](numbers, self.value), dtype=bool) & ~np.isnan(numbers)
        import pandas as pd

        col = frame[self.column]
        col = col if isinstance(col, pd.Series) else pd.Series(col)
        present = col.notna().to_numpy()
        if isinstance(self.value, float):
            numeric = pd.to_numeric(col, errors="coerce")
            if numeric.notna().sum() < col.notna().sum():
                raise InputDataError(
                    f"The rule {self.text!r} compares {self.column!r} with a number, but the column holds text "
                    f"(e.g. {col[numeric.isna() & col.notna()].iloc[0]!r}). Use == or != with a word instead."
                )
            values = numeric.to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                out = _OPS[self.op](values, self.value)
        else:
            out = _OPS[self.op](col.astype(str).to_numpy(), self.value)
        return np.asarray(out, dtype=bool) & present

    def as_score(self, frame: pd.DataFrame) -> np.ndarray | None:
        """The column as a score whose higher values alert (for sweeping the rule's cut-off), or None for text rules."""
        if not isinstance(self.value, float) or self.op not in (">", ">=", "<", "<="):
            return None
        values = _numbers(frame[self.column])
        if values is None:
            import pandas as pd

            values = pd.to_numeric(frame[self.column], errors="coerce").to_numpy(dtype=float)
        sign = 1.0 if self.op in (">", ">=") else -1.0
        return np.where(np.isfinite(values), sign * values, -np.inf)


def _numbers(column) -> np.ndarray | None:
    """A numeric or boolean numpy column as floats (NaN where empty), or None for anything else (pandas decides)."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "biuf":
        return column.astype(float)
    return None

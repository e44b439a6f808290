"""The fairness audit's verdict words and its four-fifths sentence, in one place and without pandas.

:mod:`aipm_widgets.core.expectations.fairness` computes the audit and uses these; the product brief reads a saved
audit back from the decision record and says it in the same words, without loading the audit's tables (pandas is
0.4 s of the brief page's opening, before its first control).
"""

from __future__ import annotations

from typing import Any

from ..text.format import as_number, count, interval, number

__all__ = ["FOUR_FIFTHS", "FAILS", "PASSES", "REAL", "INCONCLUSIVE", "four_fifths_phrase", "ratio_text"]

FOUR_FIFTHS = 0.8
"""A group selected at less than 80% of the reference group's rate fails the four-fifths rule."""
FAILS, PASSES, REAL, INCONCLUSIVE = "fails", "passes", "not noise", "inconclusive"


def ratio_text(x: Any) -> str:
    """A selection-rate ratio as the audit writes it (two decimals)."""
    return number(x, 2)


def four_fifths_phrase(ff: dict[str, Any]) -> str:
    """The four-fifths verdict in words from the ``four_fifths`` dict (also read back from the record)."""
    ratio = ff.get("ratio")
    if as_number(ratio) is None:
        return "not computable (no selections in the reference group)"
    verdict = ff.get("verdict") or {True: PASSES, False: FAILS}.get(ff.get("passed"), INCONCLUSIVE)
    span = interval(ff.get("ratio_low"), ff.get("ratio_high"), ratio_text)
    text = f"lowest ratio {ratio_text(ratio)} ({ff.get('group')} vs {ff.get('reference')}; 95% interval {span}): {verdict}"
    if verdict == INCONCLUSIVE:
        rows = ff.get("rows_needed")
        text += f", need about {count(rows)} more rows of the {ff.get('group')} group" if rows else ""
    return text

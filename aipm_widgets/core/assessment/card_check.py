"""Did the data assessment find what the demo data card says was injected?

The demo fraud data comes with a machine-readable card (``demo_card.yaml``) listing every injected
data problem. :func:`compare_with_card` lines the card up with an :class:`~aipm_widgets.core.assessment.report.Assessment`
(and optionally a label-noise result): one row per injected problem, what the workbook found, found or not.
Stage 3's notebook shows this table; its tests assert every row is found.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .report import Assessment
from ..text.format import number

__all__ = ["CardComparison", "compare_with_card"]


class CardComparison(pd.DataFrame):
    """The comparison table (a DataFrame) that shows itself without an index and with "found"/"NOT found"."""

    @property
    def _constructor(self):
        return CardComparison

    def _repr_html_(self) -> str:
        from ..text.tables import frame_html

        return frame_html(pd.DataFrame(self), formats={"found": lambda v: "found" if v else "NOT found"})


def _issues(a: Assessment, checks: tuple[str, ...], column: str | None) -> list:
    return [i for i in a.issues if i.check in checks and i.column == column]


def compare_with_card(
    assessment: Assessment,
    card: dict[str, Any] | None = None,
    *,
    flagged_ids: Any = None,
) -> pd.DataFrame:
    """One row per injected problem of the card: injected rows, rows found, and whether it was found.

    ``flagged_ids`` are the ids the label-noise check flagged (to score the card's wrong labels).
    Counts found may exceed those injected by up to the number of duplicated rows (copies of affected rows).
    """
    if card is None:
        from ..demo import demo_card

        card = demo_card()
    fraud = card["fraud"]
    inj = fraud["injected_quality_problems"]
    slack = inj["duplicates"]["rows"]
    rows = []

    def add(problem, column, injected, issues, how):
        found_rows = max((i.count for i in issues), default=0)
        ok = bool(issues) and injected <= found_rows <= injected + slack
        rows.append({"injected problem": problem, "column": column or "(all)", "rows injected": injected,
                     "rows found": found_rows, "found by": how if issues else "-", "found": ok})

    mv = inj["missing_values"]
    add("missing values (NaN)", mv["column"], mv["rows"], _issues(assessment, ("missing_values",), mv["column"]),
        "missing values check")
    mm = inj["mixed_null_markers"]
    add("mixed null markers " + ", ".join(repr(k) for k in mm["markers"]), mm["column"], mm["rows"],
        _issues(assessment, ("disguised_nulls",), mm["column"]), "disguised nulls check")
    for oor in inj["out_of_range"]:
        found = _issues(assessment, ("spec_out_of_range", "disguised_nulls"), oor["column"])
        add(f"out-of-range value {number(oor['value'], 0) if float(oor['value']).is_integer() else oor['value']}", oor["column"], oor["rows"], found,
            " and ".join(sorted({"data spec" if i.check.startswith("spec") else "disguised nulls" for i in found})))
    dup = inj["duplicates"]
    found = _issues(assessment, ("duplicate_rows",), None)
    add("duplicate rows", None, dup["rows"], found, "duplicate rows check")
    add("unlabeled recent rows", fraud.get("label_column", "is_fraud"), fraud["unlabeled_rows"],
        _issues(assessment, ("missing_labels",), assessment.label), "missing labels check (late labels)")
    if flagged_ids is not None:
        le = inj["label_errors"]
        truth = set(le["transaction_ids"])
        hit = len(truth & set(np.asarray(flagged_ids).astype(str)))
        rows.append({"injected problem": "wrong labels (flipped)", "column": le["column"], "rows injected": le["rows"],
                     "rows found": hit, "found by": "label noise (confident learning)", "found": hit >= 0.5 * le["rows"]})
    return CardComparison(rows)

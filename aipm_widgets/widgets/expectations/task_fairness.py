"""Fairness audits of a routing (multiclass) and a forecast (regression) model, with the team's response.

:class:`RoutingFairnessAudit` shows, per group, the share of rows routed automatically and the accuracy of
those at the confidence threshold, and the share routed to each class
(:class:`~aipm_widgets.core.expectations.fairness_routing.RoutingFairness`). :class:`ForecastFairnessAudit`
shows, per group, the mean error (which way the estimates lean) and the share within the tolerance
(:class:`~aipm_widgets.core.expectations.fairness_regression.RegressionFairness`). Both save their findings and
the team's response to the record's ``ethics`` section, as the binary ``FairnessAudit`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import ipywidgets as W
import pandas as pd

from ...core.errors import AipmError, InputDataError
from ...core.expectations.fairness_routing import usable_groups
from ...core.text import format as fmt
from .._base import HelpHTML, MessageArea, default_record_path, esc, guarded

__all__ = ["RoutingFairnessAudit", "ForecastFairnessAudit", "MAX_RESPONSE_CHARS"]

MAX_RESPONSE_CHARS = 20_000
_CELL = "padding:2px 10px"
# Fields of a binary audit a previous save may have left: they do not describe this task's audit.
_BINARY_ONLY = {"score_column": None, "demographic_parity_difference": None, "equalized_odds_difference": None,
                "four_fifths": None, "reference_reason": None, "equalized_odds_source": None,
                "demographic_parity_source": None}


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], flagged: Sequence[bool], css: str) -> str:
    th = "".join(f"<th style='{_CELL};text-align:left;border-bottom:1px solid #ccc'>{esc(h)}</th>" for h in head)
    body = "".join(
        f"<tr style='{'background:#fbe9e7' if flag else ''}'>" + "".join(f"<td style='{_CELL}'>{esc(c)}</td>" for c in row) + "</tr>"
        for row, flag in zip(rows, flagged))
    return f"<table class='{css}' style='border-collapse:collapse;margin:6px 0'><tr>{th}</tr>{body}</table>"


class _TaskFairnessAudit(W.VBox):
    """Shared layout: group and reference pickers, the table, findings, the team's response and the save button."""

    task = "task"
    css = "aipm-task-fairness"

    def __init__(self, frame: pd.DataFrame, *, group_columns: Sequence[str], group: str | None = None,
                 reference: str | None = None, record_path: str | Path | None = None, dataset_name: str | None = None,
                 extra_controls: Sequence[W.Widget] = (), **kwargs: Any) -> None:
        self.frame = frame
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.dataset_name = dataset_name or "the data given"
        self.result: Any = None
        self.messages = MessageArea()
        options = [str(c) for c in group_columns]
        if not options:
            raise InputDataError("No group column to audit: name one with `aipm project set columns.groups=COL` or the "
                                 "start page's Your product panel.")
        missing = [c for c in options if c not in frame.columns]
        if missing:
            raise InputDataError(f"The group column(s) {', '.join(map(repr, missing))} are not in the data; its columns are "
                                 f"{', '.join(map(str, frame.columns[:20]))}.")
        wide = {"description_width": "initial"}
        self.group_picker = W.Dropdown(options=options, value=group if group in options else options[0],
                                       description="Group by", style=wide)
        self.reference_picker = W.Dropdown(options=[], description="Compared with", style=wide)
        self.table = HelpHTML()
        self.findings_box = HelpHTML()
        self.response = W.Textarea(placeholder="What will the team do about these findings, and who owns it?",
                                   layout=W.Layout(width="100%", height="80px"))
        self.save_button = W.Button(description="Save audit to record", icon="save", button_style="primary",
                                    layout=W.Layout(width="240px"))
        self.save_button.on_click(lambda _: self.save())
        self._load_saved_response()
        super().__init__([W.HBox([self.group_picker, self.reference_picker, *extra_controls]), self.messages, self.table,
                          self.findings_box, W.HTML("<b>The team's response</b>"), self.response, self.save_button],
                         **kwargs)
        self.add_class(self.css)
        self._fill_references(reference)
        self.group_picker.observe(self._on_group, names="value")
        self.reference_picker.observe(self._on_change, names="value")
        self._update()

    # ----- state --------------------------------------------------------------------------------
    def _load_saved_response(self) -> None:
        try:
            from ...core.record import load_record

            if not self.record_path.exists():
                return
            eth = load_record(self.record_path).ethics
        except (AipmError, OSError):
            return
        f = eth.fairness
        if f is not None and getattr(f, "task", None) == self.task and eth.team_response:
            self.response.value = str(eth.team_response)[:MAX_RESPONSE_CHARS]

    def _fill_references(self, reference: str | None = None) -> None:
        try:
            groups = usable_groups(self.frame[self.group_picker.value], name=self.group_picker.value)
        except AipmError:
            options: list[str] = []
        else:
            counts = pd.Series(groups).value_counts()
            options = sorted(counts.index, key=lambda g: (-counts[g], g))
        self._filling = True
        try:
            self.reference_picker.options = options
            self.reference_picker.value = reference if reference in options else (options[0] if options else None)
        finally:
            self._filling = False

    @guarded()
    def _on_group(self, change: dict) -> None:
        self._fill_references()
        self._update()

    @guarded()
    def _on_change(self, change: dict) -> None:
        if not getattr(self, "_filling", False):
            self._update()

    def _compute(self, group: str, reference: str | None) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _render(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    @guarded()
    def _update(self) -> None:
        self.result = None
        self.table.value = self.findings_box.value = ""
        self.messages.clear()
        self.result = self._compute(self.group_picker.value, self.reference_picker.value)
        self.table.value = self._render()
        self.findings_box.value = "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in self.result.findings()) + "</ul>"

    # ----- saving -------------------------------------------------------------------------------
    def _fairness_values(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _summary(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_record(self) -> dict[str, Any]:
        """The ``ethics`` section values this audit saves."""
        if self.result is None:
            raise AipmError("Nothing to save yet: the audit has no result (fix the message above first).")
        text = (self.response.value or "").strip()
        if len(text) > MAX_RESPONSE_CHARS:
            raise AipmError(f"The response is {len(text):,} characters; keep it under {MAX_RESPONSE_CHARS:,} (link a document for more).")
        findings = self.result.findings()
        fairness = {**_BINARY_ONLY, "task": self.task, "dataset": self.dataset_name,
                    "group_columns": [self.group_picker.value], "reference": self.result.reference,
                    "flagged_groups": list(self.result.flagged_groups),
                    "warnings": [s for s in findings if s.startswith("Too few rows")], "findings": findings,
                    **self._fairness_values()}
        return {"fairness": fairness, "team_response": text or None, "summary": self._summary(),
                "status": "decided" if text else "in_progress"}

    @guarded()
    def save(self) -> None:
        """Save the findings and the team's response to the record's ``ethics`` section."""
        from .fairness_audit import save_audit

        save_audit(self)


class RoutingFairnessAudit(_TaskFairnessAudit):
    """Per group at the confidence threshold: share routed automatically, accuracy of those, share to each class.

    Parameters
    ----------
    frame : DataFrame
        One row per ticket with the true class, the per-class probabilities and the group columns.
    label, prediction, proba_columns, proba_prefix
        As :meth:`aipm_widgets.core.tasks.routing.Routing.from_frame`.
    threshold : float, optional
        The confidence threshold (stage 4's); None routes every row automatically.
    routing : Routing, optional
        ``frame`` already read as a :class:`~aipm_widgets.core.tasks.routing.Routing` (else built here).
    group_columns : list of str
        The columns a team may audit by (the first is shown).

    Examples
    --------
    >>> from aipm_widgets.core.demo.tickets import load_tickets
    >>> audit = RoutingFairnessAudit(load_tickets("validation"), label="queue", prediction="predicted_queue",
    ...                              proba_prefix="proba_", threshold=0.9, group_columns=["region"],
    ...                              record_path="/tmp/aipm-doctest-routing-fairness.yaml")
    >>> audit.result.reference
    'eu'
    """

    task = "multiclass"
    css = "aipm-routing-fairness"

    def __init__(self, frame: pd.DataFrame, *, label: str, prediction: str | None = None, proba_columns: Any = None,
                 proba_prefix: str | None = None, threshold: float | None = None, threshold_note: str = "",
                 unit: str = "tickets", routing: Any = None, **kwargs: Any) -> None:
        from ...core.tasks.routing import Routing

        # ``routing``: the same rows already checked (the page builds it once for the threshold too)
        self.routing = routing if routing is not None else Routing.from_frame(
            frame, label=label, prediction=prediction, proba_columns=proba_columns, proba_prefix=proba_prefix, unit=unit)
        self.threshold, self.label, self.prediction = threshold, label, prediction
        self.threshold_note = threshold_note
        super().__init__(frame.reset_index(drop=True), **kwargs)

    def _compute(self, group: str, reference: str | None) -> Any:
        from ...core.expectations.fairness_routing import RoutingFairness

        return RoutingFairness(self.routing, self.frame[group], threshold=self.threshold, reference=reference,
                               group_name=group)

    def _render(self) -> str:
        r = self.result
        u = self.routing.unit
        t = ("every row (no confidence threshold)" if r.threshold is None
             else f"confidence threshold {fmt.threshold(r.threshold)}")
        intro = f"<p>At {esc(t)}{esc(self.threshold_note)}; each group compared with {esc(r.reference)}.</p>"
        head = ["Group", u.capitalize(), "Routed automatically", "Gap to reference", "Right class (of those)", "Gap to reference"]
        rows = [[x["group"], fmt.count(x["n"]), fmt.estimate(x["automation_rate"], *x["automation_rate_ci"]),
                 fmt.estimate(x["automation_gap"], *x["automation_gap_ci"], fmt.points) if x["group"] != r.reference else "reference",
                 fmt.estimate(x["accuracy_automated"], *x["accuracy_automated_ci"]),
                 fmt.estimate(x["accuracy_gap"], *x["accuracy_gap_ci"], fmt.points) if x["group"] != r.reference else "reference"]
                for x in r.rows]
        main = _table(head, rows, [x["flag"] for x in r.rows], "aipm-fairness-groups")
        sel = r.selection.table
        classes = list(self.routing.classes)
        groups = list(dict.fromkeys(g for g, _ in sel.index))
        srows = [[g, *[fmt.percent(sel.loc[(g, c), "share"]) for c in classes]] for g in groups]
        share = ("<p><b>Share of each group's " + esc(u) + " the model sends to each class</b> (all rows; 95% intervals "
                 "in the saved record)</p>" + _table(["Group", *classes], srows, [False] * len(srows), "aipm-fairness-selection"))
        return intro + main + share

    def _fairness_values(self) -> dict[str, Any]:
        d = self.result.to_dict()
        return {"label_column": self.label, "prediction_column": self.prediction, "threshold": d["threshold"],
                "classes": d["classes"], "groups": d["groups"], "selection": d["selection"]}

    def _summary(self) -> str:
        r = self.result
        t = "every row" if r.threshold is None else f"confidence threshold {fmt.threshold(r.threshold)}"
        flagged = (f"flagged: {', '.join(r.flagged_groups)}" if r.flagged_groups else "no group flagged")
        return f"Routing fairness audit at {t} by {self.group_picker.value} against {r.reference}: {flagged}."


class ForecastFairnessAudit(_TaskFairnessAudit):
    """Per group: mean error (which way the estimates lean) and share within the tolerance, with intervals.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> y = rng.uniform(100, 300, 600)
    >>> frame = pd.DataFrame({"demand_mwh": y, "forecast_mwh": y + rng.normal(0, 8, 600),
    ...                       "grid_area": np.repeat(["north", "south"], 300)})
    >>> audit = ForecastFairnessAudit(frame, label="demand_mwh", prediction="forecast_mwh", group_columns=["grid_area"],
    ...                               tolerance="5%", unit="MWh", record_path="/tmp/aipm-doctest-forecast-fairness.yaml")
    >>> [r["group"] for r in audit.result.rows]
    ['north', 'south']
    """

    task = "regression"
    css = "aipm-forecast-fairness"

    def __init__(self, frame: pd.DataFrame, *, label: str, prediction: str, tolerance: Any = "10%", unit: str = "units",
                 **kwargs: Any) -> None:
        from ...core.tasks.forecast import Tolerance, parse_tolerance

        self.label, self.prediction, self.unit = label, prediction, unit
        tol = parse_tolerance(tolerance)
        text = f"{tol.value * 100:g}%" if tol.kind == "relative" else f"{tol.value:g}"
        self.tolerance_text = W.Text(value=text, description="Tolerance", placeholder="10% or 5",
                                     continuous_update=False, layout=W.Layout(width="200px"))
        self._tolerance: Tolerance = tol
        super().__init__(frame.reset_index(drop=True), extra_controls=[self.tolerance_text], **kwargs)
        self.tolerance_text.observe(self._on_tolerance, names="value")

    @guarded()
    def _on_tolerance(self, change: dict) -> None:
        from ...core.tasks.forecast import parse_tolerance

        self._tolerance = parse_tolerance(change["new"])
        self._update()

    def _compute(self, group: str, reference: str | None) -> Any:
        from ...core.expectations.fairness_regression import RegressionFairness

        groups = usable_groups(self.frame[group], name=group)
        return RegressionFairness(self.frame[self.label], self.frame[self.prediction], groups, tolerance=self._tolerance,
                                  reference=reference, unit=self.unit, group_name=group)

    def _render(self) -> str:
        r = self.result
        tol = r.tolerance.text(self.unit)
        num = lambda x: fmt.number(x, 2)  # noqa: E731
        signed = lambda x: ("+" if x is not None and x > 0 else "") + fmt.number(x, 2)  # noqa: E731
        intro = (f"<p>Error = estimate minus actual value, in {esc(self.unit)} (positive: too high). Each group compared "
                 f"with {esc(r.reference)}; the share within {esc(tol)} of the actual value.</p>")
        head = ["Group", "Rows", f"Mean error ({self.unit})", "Mean absolute error", f"Within {tol}", "Gap to reference"]
        rows = [[x["group"], fmt.count(x["n"]), fmt.estimate(x["mean_error"], *x["mean_error_ci"], signed),
                 f"{num(x['mae'])} {self.unit}", fmt.estimate(x["within_tolerance"], *x["within_tolerance_ci"]),
                 fmt.estimate(x["within_gap"], *x["within_gap_ci"], fmt.points) if x["group"] != r.reference else "reference"]
                for x in r.rows]
        return intro + _table(head, rows, [x["flag"] for x in r.rows], "aipm-fairness-groups")

    def _fairness_values(self) -> dict[str, Any]:
        d = self.result.to_dict()
        return {"label_column": self.label, "prediction_column": self.prediction, "threshold": None,
                "groups": d["groups"], "tolerance": d["tolerance"], "unit": self.unit}

    def _summary(self) -> str:
        r = self.result
        flagged = (f"flagged: {', '.join(r.flagged_groups)}" if r.flagged_groups else "no group flagged")
        return (f"Forecast fairness audit by {self.group_picker.value} against {r.reference} (tolerance "
                f"{r.tolerance.text(self.unit)}): {flagged}.")

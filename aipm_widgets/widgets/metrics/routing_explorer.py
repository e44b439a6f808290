"""``RoutingExplorer``: choose the confidence threshold of a multiclass model (a ticket router).

A thin view over :class:`aipm_widgets.core.tasks.routing.Routing`: the rows are sorted once, and moving the slider looks
up the automated rows' confusion matrix at the new threshold and redraws the numbers, the matrix and the marker on
the automation-vs-accuracy curve. ``.result`` is the :class:`~aipm_widgets.core.tasks.routing.RoutingPoint` shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import ipywidgets as W
import numpy as np
import pandas as pd

from ...core.text import format as fmt
from ...core.errors import AipmError, InputDataError
from ...core.record import update_section
from ...core.tasks.routing import Routing, RoutingBaseline, RoutingPoint
from .._base import HelpHTML, MessageArea, card, chart, default_record_path, esc, figure_widget, guarded, move_traces
from ..guides import how_to_read_html

__all__ = ["RoutingExplorer"]


class RoutingExplorer(W.VBox):
    """The routing trade-off: automation rate against accuracy of the automated share, per class, with costs.

    Build it with :meth:`from_frame` (a table and its column names) or :meth:`from_project` (the workbook's
    project); :meth:`set_threshold` moves the slider; :meth:`save` writes the decision to the record's ``metrics``.

    Examples
    --------
    >>> from aipm_widgets.core.demo.tickets import load_tickets
    >>> ex = RoutingExplorer.from_frame(load_tickets("validation"), label="queue", prediction="predicted_queue",
    ...                                 proba_prefix="proba_")
    >>> ex.set_threshold(0.9)
    >>> 0 < ex.result.metrics["automation_rate"].value < 1
    True
    """

    def __init__(
        self,
        routing: Routing | None,
        *,
        threshold: float | None = None,
        baseline: RoutingBaseline | None = None,
        record_path: str | Path | None = None,
        data_source: str | None = None,
        points: int = 201,
        error: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.messages = MessageArea()
        self.routing = routing
        self.baseline = baseline
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.data_source = data_source
        self.result: RoutingPoint | None = None
        self.saved: dict | None = None
        if routing is None:
            super().__init__([self.messages], **kwargs)
            self.add_class("aipm-routing-explorer")
            self.messages.show(error or "No data to explore.", "error")
            return
        import plotly.graph_objects as go

        self._go = go
        self.grid = routing.grid(points)
        self.curve = routing.curve(self.grid)
        self.slider = W.SelectionSlider(
            options=[(fmt.threshold(t), float(t)) for t in self.grid[:-1]] + [("route nothing", float(self.grid[-1]))],
            description="Confidence",
            continuous_update=True,
            layout=W.Layout(width="640px"),
            style={"description_width": "90px"},
        )
        self.slider.add_class("aipm-routing-slider")
        self.constraints_text = W.Text(
            value=", ".join(c.source or c.text for c in routing.constraints),
            description="Constraints", placeholder="e.g. accuracy_automated>=0.95, recall[billing]>=0.9",
            layout=W.Layout(width="560px"), style={"description_width": "90px"},
        )
        costs = routing.costs or {}
        self.cost_misroute = W.BoundedFloatText(value=costs.get("misroute", 0.0), min=0, max=1e9, description="A misroute costs",
                                                style={"description_width": "120px"}, layout=W.Layout(width="230px"))
        self.cost_manual = W.BoundedFloatText(value=costs.get("manual", 0.0), min=0, max=1e9, description="A person costs",
                                              style={"description_width": "120px"}, layout=W.Layout(width="230px"))
        self.minutes = W.BoundedFloatText(value=routing.minutes_per_manual or 0.0, min=0, max=600, description="Minutes each",
                                          style={"description_width": "100px"}, layout=W.Layout(width="200px"))
        self.apply_button = W.Button(description="Apply", icon="check", layout=W.Layout(width="120px"))
        self.best_button = W.Button(description="Go to the recommended threshold", icon="bullseye", layout=W.Layout(width="260px"))
        self.who = W.Text(description="Your name", placeholder="who decides", layout=W.Layout(width="300px"))
        self.save_button = W.Button(description="Save to decision record", icon="save", button_style="primary",
                                    layout=W.Layout(width="240px"))
        self.headline = HelpHTML()
        self.headline.add_class("aipm-routing-headline")
        self.cards = HelpHTML()
        self.class_table = HelpHTML()
        self.constraint_status = HelpHTML()
        self.baseline_box = HelpHTML()
        self.notes = W.HTML("".join(f"<div>{esc(n)}</div>" for n in routing.notes))
        self.how_to_read = W.HTML(how_to_read_html("metrics", "multiclass", unit=routing.unit, rows=routing.unit,
                                                   currency=routing.currency or "EUR"))
        self.matrix_fig = self._matrix_figure()
        self.curve_fig = self._curve_figure()
        super().__init__([
            self.notes,
            self.headline,
            self.how_to_read,
            W.HBox([self.slider, self.best_button]),
            self.cards,
            W.HBox([chart(self.curve_fig), chart(self.matrix_fig)]),
            self.constraint_status,
            self.class_table,
            self.baseline_box,
            W.HBox([self.constraints_text]),
            W.HBox([self.cost_misroute, self.cost_manual, self.minutes, self.apply_button]),
            W.HBox([self.who, self.save_button]),
            self.messages,
        ], **kwargs)
        self.add_class("aipm-routing-explorer")
        self.slider.observe(self._on_slider, names="value")
        self.best_button.on_click(lambda _: self.go_to_best())
        self.apply_button.on_click(lambda _: self.apply_settings())
        self.save_button.on_click(lambda _: self.save())
        self._render_baseline()
        self.set_threshold(threshold if threshold is not None else routing.recommended_threshold(self.grid)[0])

    # -- construction ---------------------------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        label: str,
        prediction: str | None = None,
        proba_columns: Mapping[str, str] | None = None,
        proba_prefix: str | None = None,
        costs: Mapping[str, Any] | None = None,
        constraints: Any = None,
        volume_per_day: float | None = None,
        minutes_per_manual: float | None = None,
        currency: str = "EUR",
        unit: str = "tickets",
        rule_column: str | None = None,
        **kwargs: Any,
    ) -> "RoutingExplorer":
        """Build from a table; a bad input becomes a message in the widget, never a traceback."""
        try:
            routing = Routing.from_frame(frame, label=label, prediction=prediction, proba_columns=proba_columns,
                                         proba_prefix=proba_prefix, costs=costs, constraints=constraints,
                                         volume_per_day=volume_per_day, minutes_per_manual=minutes_per_manual,
                                         currency=currency, unit=unit)
            if rule_column:
                if rule_column not in frame.columns:
                    raise InputDataError(f"The rule column {rule_column!r} is not in the table.")
                baseline = routing.baseline(frame[rule_column], rule=f"the column {rule_column}")
            else:
                baseline = routing.baseline()
        except AipmError as exc:
            return cls(None, error=str(exc), **{k: v for k, v in kwargs.items() if k in ("record_path",)})
        return cls(routing, baseline=baseline, **kwargs)

    @classmethod
    def from_project(cls, project: Any, **kwargs: Any) -> "RoutingExplorer":
        """Build from the workbook's project: its validation data, column roles, currency and volume."""
        try:
            frame = project.validation()
            if frame is None:
                raise InputDataError("The project has no validation data yet: add it with `aipm project set "
                                     "sources.validation=FILE` or the start page's Your product panel.")
            c = project.columns
            label = getattr(c, "label", None)
            if not label:
                raise InputDataError("The project names no label column: add it with `aipm project set columns.label=COL`.")
        except AipmError as exc:
            return cls(None, error=str(exc))
        settings = _saved_settings(project)
        return cls.from_frame(
            frame, label=label, prediction=getattr(c, "prediction", None), proba_columns=getattr(c, "proba_columns", None) or None,
            proba_prefix=getattr(c, "proba_prefix", None), currency=getattr(project, "currency", None) or "EUR",
            volume_per_day=getattr(project, "volume_per_day", None), unit=getattr(project, "unit", None) or "tickets",
            data_source=f"{getattr(project, 'name', None) or 'project'} validation data", **{**settings, **kwargs},
        )

    # -- figures ------------------------------------------------------------------------------------------------
    def _matrix_figure(self):
        go = self._go
        k = self.routing.classes
        fig = figure_widget(go.Heatmap(z=np.zeros((len(k), len(k))), x=k, y=k, colorscale="Blues", showscale=False,
                                         text=[[""] * len(k)] * len(k), texttemplate="%{text}", hoverinfo="skip"))
        fig.update_layout(title="Automated tickets: out of every 100 of each true class", width=470, height=420,
                          margin=dict(l=80, r=10, t=40, b=60), xaxis_title="routed to", yaxis_title="true class",
                          yaxis_autorange="reversed")
        return fig

    def _curve_figure(self):
        c = self.curve
        fig = figure_widget()
        fig.add_scatter(x=c["automation_rate"], y=c["accuracy_automated"], mode="lines", name="model",
                        hovertemplate="automated %{x:.1%}<br>accuracy %{y:.1%}<extra></extra>")
        fig.add_scatter(x=[np.nan], y=[np.nan], mode="markers", marker=dict(size=12, color="#d62728"), name="this threshold")
        if self.baseline is not None:
            b = self.baseline
            fig.add_scatter(x=[b.automation_rate.value], y=[b.accuracy_automated.value], mode="markers",
                            marker=dict(size=11, symbol="x", color="#555"), name="rule baseline",
                            error_y=dict(type="data", symmetric=False,
                                         array=[(b.accuracy_automated.high or 0) - (b.accuracy_automated.value or 0)],
                                         arrayminus=[(b.accuracy_automated.value or 0) - (b.accuracy_automated.low or 0)]))
        fig.update_layout(title="Automation rate against accuracy of the automated share", width=470, height=420,
                          margin=dict(l=60, r=10, t=40, b=60), xaxis_title="share routed automatically",
                          yaxis_title="accuracy of those", xaxis_tickformat=".0%", yaxis_tickformat=".0%",
                          legend=dict(orientation="h", y=-0.25))
        return fig

    # -- updates --------------------------------------------------------------------------------------------------
    def _on_slider(self, change) -> None:
        self._update(change["new"])

    @guarded()
    def set_threshold(self, threshold: float) -> None:
        """Move to ``threshold`` (the slider snaps to the nearest grid point; the numbers use the exact value)."""
        threshold = float(threshold)
        if not np.isfinite(threshold):
            raise InputDataError(f"The confidence threshold must be a number, not {threshold!r}.")
        i = int(np.argmin(np.abs(self.grid - threshold)))
        if self.slider.value != float(self.grid[i]):
            self.slider.unobserve(self._on_slider, names="value")
            try:
                self.slider.value = float(self.grid[i])
            finally:
                self.slider.observe(self._on_slider, names="value")
        self._update(threshold)

    @guarded()
    def _update(self, threshold: float) -> None:
        point = self.routing.at(threshold, reps=300)
        self.result = point
        self._draw(point)

    def _draw(self, p: RoutingPoint) -> None:
        self.headline.value = f"<p style='font-size:15px'>{esc(p.summary())}</p><p>{esc(p.natural_frequencies())}</p>"
        m = p.metrics
        cards = [
            card("Routed automatically", fmt.percent(m["automation_rate"].value),
                 fmt.interval(m["automation_rate"].low, m["automation_rate"].high)),
            card("Right among those", fmt.percent(m["accuracy_automated"].value),
                 fmt.interval(m["accuracy_automated"].low, m["accuracy_automated"].high)),
            card("Macro F1 (automated)", fmt.number(m["macro_f1"].value, 3),
                 fmt.interval(m["macro_f1"].low, m["macro_f1"].high, lambda x: fmt.number(x, 3))),
        ]
        if p.person_hours_per_day is not None:
            ph = p.person_hours_per_day
            cards.append(card("Person-hours a day", fmt.number(ph.value, 1), fmt.interval(ph.low, ph.high, lambda x: fmt.number(x, 1))))
        if p.cost_per_1000 is not None:
            c = p.cost_per_1000
            cards.append(card(f"Cost per 1,000 {p.unit}", fmt.money(c.value, p.currency),
                              fmt.interval(c.low, c.high, lambda x: fmt.money(x, p.currency))))
        self.cards.value = "".join(cards)
        self.class_table.value = self._class_html(p)
        self.constraint_status.value = self._constraints_html(p)
        # Words first, charts last (see ThresholdExplorer._draw).
        per = p.per_100().to_numpy()
        text = [[("" if not np.isfinite(v) else f"{v:.0f}") for v in row] for row in per]
        with self.matrix_fig.batch_update():
            self.matrix_fig.data[0].z = np.nan_to_num(per)
            self.matrix_fig.data[0].text = text
        move_traces(self.curve_fig, {1: {"x": [m["automation_rate"].value], "y": [m["accuracy_automated"].value]}})

    def _class_html(self, p: RoutingPoint) -> str:
        pc = p.per_class
        rows = "".join(
            f"<tr><td>{esc(c)}</td><td>{esc(fmt.count(pc.loc[c, 'support']))}</td>"
            f"<td>{esc(fmt.percent(pc.loc[c, 'automated_share']))}</td>"
            f"<td>{esc(fmt.estimate(pc.loc[c, 'precision'], pc.loc[c, 'precision_low'], pc.loc[c, 'precision_high']))}</td>"
            f"<td>{esc(fmt.estimate(pc.loc[c, 'recall'], pc.loc[c, 'recall_low'], pc.loc[c, 'recall_high']))}</td></tr>"
            for c in p.classes
        )
        findings = "".join(f"<li>{esc(x)}</li>" for x in p.findings())
        table = ("<table class='aipm-routing-classes' style='border-collapse:collapse'><tr><th>class</th><th>rows</th>"
                 "<th>routed automatically</th><th>precision (automated)</th><th>recall (automated)</th></tr>"
                 f"{rows}</table><ul>{findings}</ul>")
        return table.replace("<td>", "<td style='padding:2px 12px'>").replace("<th>", "<th style='padding:2px 12px;text-align:left'>")

    def _constraints_html(self, p: RoutingPoint) -> str:
        if not p.constraints:
            return ""
        items = "".join(
            f"<li style='color:{'#1e5e2f' if c['satisfied'] else '#8a1c1c'}'>{esc(c['constraint'])}: "
            f"{'met' if c['satisfied'] else 'not met'} (value {esc(fmt.number(c['value'], 4))})</li>"
            for c in p.constraints
        )
        return f"<ul>{items}</ul><p>{esc(self.routing.feasibility(self.grid)['describe'])}</p>"

    def _render_baseline(self) -> None:
        self.baseline_box.value = f"<p>{esc(self.baseline.verdict())}</p>" if self.baseline is not None else ""

    @guarded()
    def go_to_best(self) -> None:
        t, why = self.routing.recommended_threshold(self.grid)
        self.set_threshold(t)
        self.messages.show(f"Moved to confidence {fmt.threshold(t)}: {why}.", "info")

    @guarded()
    def apply_settings(self) -> None:
        """Rebuild the trade-off with the constraints and costs typed in (bad text is explained, nothing changes)."""
        r = self.routing
        costs = None
        if self.cost_misroute.value or self.cost_manual.value:
            costs = {"misroute": self.cost_misroute.value, "manual": self.cost_manual.value,
                     "matrix": _overrides(r)}
        new = Routing(None, None, costs=costs, constraints=self.constraints_text.value or None,
                      minutes_per_manual=self.minutes.value or None, volume_per_day=r.volume_per_day, currency=r.currency,
                      unit=r.unit, label_name=r.names["label"], prediction_name=r.names["prediction"], _inputs=r.inputs)
        self.routing = new
        self.curve = new.curve(self.grid)
        self._update(self.result.threshold if self.result else float(self.slider.value))
        self.messages.show(f"Applied. {new.feasibility(self.grid)['describe']}", "info")

    def record_values(self) -> dict:
        return self.routing.record_values(self.result, baseline=self.baseline, data_source=self.data_source)

    @guarded()
    def save(self, who: str | None = None) -> None:
        """Write the confidence threshold and the measured numbers to the record's ``metrics`` section."""
        if self.result is None:
            raise InputDataError("Nothing to save yet: choose a threshold first.")
        who = who or (self.who.value.strip() or None)
        values = self.record_values()
        what = f"Chose confidence threshold {fmt.threshold(self.result.threshold)} for routing"
        update_section(self.record_path, "metrics", values, what=what, who=who)
        self.saved = values
        self.messages.show(f"Saved to {self.record_path}: {what}. {values['summary']}", "success")


def _overrides(r: Routing) -> dict:
    if r.costs is None:
        return {}
    m, k = r.costs["matrix"], r.classes
    return {k[i]: {k[j]: float(m[i, j]) for j in range(len(k)) if i != j and m[i, j] != r.costs["misroute"]} for i in range(len(k))}


def _saved_settings(project: Any) -> dict[str, Any]:
    """Costs, minutes per row, constraints and threshold of a routing decision already in the project's record; for the
    ticket demo before any decision, its own costs and minutes (core/demo/tickets.py), so the page opens on them."""
    out: dict[str, Any] = {}
    path = getattr(project, "record_path", None)
    try:
        if path and Path(path).exists():
            from ...core.record import load_record

            m = load_record(path).metrics
            if m.task == "multiclass":
                if m.routing_costs:
                    out["costs"] = {k: v for k, v in m.routing_costs.items() if k != "currency"}
                if m.minutes_per_manual:
                    out["minutes_per_manual"] = m.minutes_per_manual
                if m.constraints:
                    out["constraints"] = list(m.constraints)
                if m.threshold is not None:
                    out["threshold"] = float(m.threshold)
    except AipmError:
        out = {}
    if not out and getattr(project, "is_demo", False) and getattr(project, "example", None) == "tickets":
        from ...core.demo.tickets import MINUTES_PER_MANUAL, TICKET_COSTS

        out = {"costs": TICKET_COSTS, "minutes_per_manual": MINUTES_PER_MANUAL}
    return out

"""``RoutingMonitor``: stage 5 for a model that routes to many classes (multiclass).

A thin view over :func:`aipm_widgets.core.monitoring.multiclass.run_monitoring_multiclass`: one chart of the
estimated accuracy per window (its band shaded) against the realized accuracy where labels exist, concept-drift
windows marked; the run's summary, new classes and alerts in words; the retraining triggers; and the button that
saves the monitoring decision (``task: multiclass``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import ipywidgets as W

from ...core.errors import AipmError, InputDataError
from ...core.monitoring.multiclass import DEFAULT_MC_TRIGGERS, MulticlassMonitoringResult, run_monitoring_multiclass
from .._base import HelpHTML, MessageArea, default_record_path, esc, chart, figure_widget
from ..guides import how_to_read_html
from ._task_monitor import TaskMonitorMixin

__all__ = ["RoutingMonitor"]


class RoutingMonitor(TaskMonitorMixin, W.VBox):
    """Estimated and realized accuracy of a router per window, drift, new classes and triggers; ``.result`` is the run."""

    _kind = "routing"
    _css = "aipm-routing-monitor"

    def __init__(self, reference: Any, current: Any, *, label: str | None, prediction: str | None = None,
                 proba_columns: Mapping[str, str] | None = None, proba_prefix: str | None = None,
                 features: Sequence[str] | None = None, timestamp: str | None = "timestamp", window: str = "week",
                 id_column: str | None = None, threshold: float | None = None, triggers: Sequence[str] | None = None,
                 costs: Mapping[str, Any] | None = None, volume_per_day: float | None = None,
                 reference_description: str | None = None, record_path: str | Path | None = None, unit: str = "tickets",
                 **kwargs: Any) -> None:
        self.messages = MessageArea()
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.reference_description = reference_description
        self.result: MulticlassMonitoringResult | None = None
        self._args = dict(reference=reference, current=current, label=label, prediction=prediction,
                          proba_columns=proba_columns, proba_prefix=proba_prefix, features=features, timestamp=timestamp,
                          window=window, id_column=id_column, threshold=threshold, costs=costs,
                          volume_per_day=volume_per_day)
        self.summary = HelpHTML()
        self.alerts = HelpHTML()
        self.triggers_box = W.Textarea(value="\n".join(triggers or DEFAULT_MC_TRIGGERS), description="Triggers",
                                       layout=W.Layout(width="640px", height="80px"), style={"description_width": "80px"})
        self.save_button = W.Button(description="Save monitoring decision", icon="save", button_style="primary",
                                    layout=W.Layout(width="240px"))
        self.figure = None
        try:
            self._run()
        except AipmError as exc:
            super().__init__([self.messages], **kwargs)
            self.add_class("aipm-routing-monitor")
            self.messages.show(str(exc), "error")
            return
        self.unit = unit
        self.figure = self._figure()
        self.cost_figure = self._cost_figure()
        charts = [chart(self.figure)] + ([chart(self.cost_figure)] if self.cost_figure is not None else [])
        self.how_to_read = W.HTML(how_to_read_html("monitoring", "multiclass", unit=unit))
        super().__init__([self.summary, self.how_to_read, *charts, self.alerts, self.triggers_box, self.save_button,
                          self.messages],
                         **kwargs)
        self.add_class("aipm-routing-monitor")
        self.save_button.on_click(lambda _: self.save_decision())
        self._render()

    @classmethod
    def from_project(cls, project: Any, **kwargs: Any) -> W.Widget:
        """The monitor for a project: its validation data as reference, its production log as current."""
        try:
            c = project.columns
            project.require("label", "timestamp")
            if not (c.proba_columns or c.proba_prefix):
                raise InputDataError("Monitoring a router needs its per-class probabilities: add them with `aipm project "
                                     "set columns.proba_prefix=PREFIX` (or columns.proba_columns) or the start page's "
                                     "Your product panel.")
            reference, production = project.validation(), project.production()
            if reference is None or production is None:
                raise InputDataError("Monitoring needs the validation data (reference) and the production log; add them "
                                     "with `aipm project set sources.production=FILE` or the start page's Your product panel.")
            feats = [f for f in (c.features or []) if f in production.columns] or None
        except AipmError as exc:
            return _error_box(str(exc))
        threshold = costs = None
        try:
            from ...core.record import load_record

            record_path = getattr(project, "record_path", None)
            if record_path and Path(record_path).exists():
                m = load_record(record_path).metrics
                if m.task == "multiclass":
                    threshold, costs = m.threshold, m.routing_costs
        except AipmError:
            threshold = costs = None
        if costs is None and getattr(project, "is_demo", False) and getattr(project, "example", None) == "tickets":
            from ...core.demo.tickets import TICKET_COSTS

            costs = TICKET_COSTS  # until stage 4 decides, the demo's own costs and the threshold its stage 4 opens at
            if threshold is None:
                try:
                    from ...core.tasks.routing import Routing

                    r = Routing.from_frame(reference, label=c.label, prediction=c.prediction,
                                           proba_columns=c.proba_columns or None, proba_prefix=c.proba_prefix,
                                           costs=costs)
                    threshold = r.recommended_threshold(r.grid())[0]
                except AipmError:
                    threshold = None
        if costs and not costs.get("currency"):
            costs = {**costs, "currency": getattr(project, "currency", None)}
        return cls(reference, production, label=c.label, prediction=c.prediction, proba_columns=c.proba_columns or None,
                   proba_prefix=c.proba_prefix, features=feats, timestamp=c.timestamp,
                   window="month" if getattr(project, "example", None) == "tickets" else "week",
                   id_column=c.id if c.id and c.id in production.columns else None, threshold=threshold,
                   costs=costs, volume_per_day=getattr(project, "volume_per_day", None) if costs else None,
                   record_path=getattr(project, "record_path", None),
                   reference_description="the project's validation data",
                   unit=getattr(project, "unit", None) or "tickets", **kwargs)

    def _run(self) -> None:
        texts = [t.strip() for t in self.triggers_box.value.splitlines() if t.strip()]
        self.result = run_monitoring_multiclass(**self._args, triggers=texts)

    def _figure(self):
        import plotly.graph_objects as go

        p = self.result.performance
        x = [str(i) for i in p.index]

        def col(name):
            return [float(v) if v == v else None for v in p[name]] if name in p else [None] * len(x)

        data = [
            go.Scatter(x=x, y=col("estimated_accuracy_upper"), mode="lines", line=dict(width=0), hoverinfo="skip",
                       showlegend=False),
            go.Scatter(x=x, y=col("estimated_accuracy_lower"), mode="lines", line=dict(width=0), fill="tonexty",
                       fillcolor="rgba(59,111,182,0.2)", name="estimate's band", hoverinfo="skip"),
            go.Scatter(x=x, y=col("estimated_accuracy"), mode="lines+markers", name="estimated from probabilities",
                       line=dict(color="#3b6fb6")),
            go.Scatter(x=x, y=col("realized_accuracy"), mode="lines+markers", name="realized (where labels exist)",
                       line=dict(color="#d62728")),
        ]
        if "concept_drift" in p and p["concept_drift"].fillna(False).astype(bool).any():
            hit = p.index[p["concept_drift"].fillna(False).astype(bool)]
            data.append(go.Scatter(x=[str(h) for h in hit], y=[float(v) for v in p.loc[hit, "realized_accuracy"]],
                                   mode="markers", name="likely concept drift",
                                   marker=dict(symbol="x", size=12, color="#8a1c1c")))
        return figure_widget(data=data, layout=dict(
            title=dict(text=f"Share of {esc(self.unit)} routed to the right class, per window", font=dict(size=14)),
            width=900, height=340, margin=dict(l=60, r=10, t=40, b=90),
            yaxis=dict(title="accuracy", tickformat=".0%", range=[0, 1]),
            legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left", font=dict(size=10))))


    def _cost_figure(self):
        """Cost per 1,000 rows per window (estimated and realized) against the reference's, when stage 4 saved costs."""
        import plotly.graph_objects as go

        cost = self.result.cost
        if "cost_estimated" not in cost:
            return None
        x = [str(i) for i in cost.index]
        cur = (self.result.settings.get("costs") or {}).get("currency") or ""

        def col(name):
            return [float(v) if v == v else None for v in cost[name]] if name in cost else [None] * len(x)

        data = [go.Scatter(x=x, y=col("cost_estimated"), mode="lines+markers", name="estimated from probabilities",
                           line=dict(color="#3b6fb6")),
                go.Scatter(x=x, y=col("cost_realized"), mode="lines+markers", name="realized (labeled rows)",
                           line=dict(color="#d62728"))]
        ref = self.result.reference_cost_per_1000
        if ref is not None:
            data.append(go.Scatter(x=x, y=[float(ref)] * len(x), mode="lines", name="reference",
                                   line=dict(color="#555", dash="dot")))
        return figure_widget(data=data, layout=dict(
            title=dict(text=f"Cost per 1,000 {self.unit} ({cur}: misroutes plus a person's handling), per window".replace(" (: ", " ("),
                       font=dict(size=14)),
            width=900, height=300, margin=dict(l=60, r=10, t=40, b=90),
            yaxis=dict(title=f"{cur} per 1,000 {self.unit}".strip(), rangemode="tozero"),
            legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left", font=dict(size=10))))


def _error_box(message: str) -> W.VBox:
    messages = MessageArea()
    box = W.VBox([messages])
    box.add_class("aipm-routing-monitor")
    box.result = None
    messages.show(message, "error")
    return box

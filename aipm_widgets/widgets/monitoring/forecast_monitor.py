"""``ForecastMonitor``: stage 5 for a model that predicts a number.

A thin view over :func:`aipm_widgets.core.monitoring.regression.run_regression_monitoring`: one chart of the
realized and the estimated MAE per window (the estimate's band shaded, concept-drift windows marked), the run's
summary and alerts in words, the retraining triggers, and the button that saves the monitoring decision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import ipywidgets as W

from ...core.text import format as fmt
from ...core.errors import AipmError, InputDataError
from ...core.monitoring.regression import DEFAULT_REGRESSION_TRIGGERS, RegressionMonitoringResult, run_regression_monitoring
from .._base import HelpHTML, MessageArea, default_record_path, esc, chart, figure_widget
from ..guides import how_to_read_html
from ._task_monitor import TaskMonitorMixin

__all__ = ["ForecastMonitor"]


class ForecastMonitor(TaskMonitorMixin, W.VBox):
    """Realized and estimated forecast error per window, drift, alerts and triggers; ``.result`` is the run."""

    _kind = "forecast"
    _css = "aipm-forecast-monitor"

    def __init__(self, reference: Any, current: Any, *, label: str, prediction: str, features: Sequence[str] | None = None,
                 timestamp: str | None = "timestamp", window: str = "week", id_column: str | None = None,
                 unit: str = "units", triggers: Sequence[str] | None = None, reference_description: str | None = None,
                 record_path: str | Path | None = None, **kwargs: Any) -> None:
        self.messages = MessageArea()
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.reference_description = reference_description
        self.result: RegressionMonitoringResult | None = None
        self._args = dict(reference=reference, current=current, label=label, prediction=prediction, features=features,
                          timestamp=timestamp, window=window, id_column=id_column, unit=unit)
        self.summary = HelpHTML()
        self.alerts = HelpHTML()
        self.triggers_box = W.Textarea(value="\n".join(triggers or DEFAULT_REGRESSION_TRIGGERS), description="Triggers",
                                       layout=W.Layout(width="640px", height="80px"), style={"description_width": "80px"})
        self.save_button = W.Button(description="Save monitoring decision", icon="save", button_style="primary",
                                    layout=W.Layout(width="240px"))
        self.figure = None
        rows: list[W.Widget] = [self.summary]
        try:
            self._run()
        except AipmError as exc:
            super().__init__([self.messages], **kwargs)
            self.add_class("aipm-forecast-monitor")
            self.messages.show(str(exc), "error")
            return
        self.figure = self._figure()
        self.how_to_read = W.HTML(how_to_read_html("monitoring", "regression", unit=unit))
        rows += [self.how_to_read, chart(self.figure), self.alerts, self.triggers_box, self.save_button, self.messages]
        super().__init__(rows, **kwargs)
        self.add_class("aipm-forecast-monitor")
        self.save_button.on_click(lambda _: self.save_decision())
        self._render()

    @classmethod
    def from_project(cls, project: Any, **kwargs: Any) -> W.Widget:
        """The monitor for a project: its validation data as reference, its production log as current."""
        try:
            c = project.columns
            project.require("label", "prediction", "timestamp")
            reference, production = project.validation(), project.production()
            if reference is None or production is None:
                raise InputDataError("Monitoring needs the validation data (reference) and the production log; add them "
                                     "with `aipm project set sources.production=FILE` or the start page's Your product panel.")
            from ..metrics.forecast_explorer import _unit

            unit = _unit(project)
            feats = [f for f in (c.features or []) if f in production.columns] or None
        except AipmError as exc:
            box = cls.__new__(cls)
            W.VBox.__init__(box, [MessageArea()])
            box.messages = box.children[0]
            box.result = None
            box.messages.show(str(exc), "error")
            return box
        return cls(reference, production, label=c.label, prediction=c.prediction, features=feats, timestamp=c.timestamp,
                   window="month" if getattr(project, "example", None) == "delivery" else "week",
                   id_column=c.id if c.id and c.id in production.columns else None, unit=unit,
                   record_path=getattr(project, "record_path", None), reference_description="the project's validation data",
                   **kwargs)

    def _run(self) -> None:
        texts = [t.strip() for t in self.triggers_box.value.splitlines() if t.strip()]
        self.result = run_regression_monitoring(**self._args, triggers=texts)

    def _figure(self):
        import plotly.graph_objects as go

        p = self.result.performance
        x = list(p.index)
        u = self.result.unit

        def col(name):
            return [float(v) if v == v else None for v in p[name]] if name in p else [None] * len(x)

        data = [
            go.Scatter(x=x, y=col("estimated_mae_upper"), mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False),
            go.Scatter(x=x, y=col("estimated_mae_lower"), mode="lines", line=dict(width=0), fill="tonexty",
                       fillcolor="rgba(59,111,182,0.2)", name="estimate's band (3 SE)", hoverinfo="skip"),
            go.Scatter(x=x, y=col("estimated_mae"), mode="lines+markers", name="estimated from inputs", line=dict(color="#3b6fb6")),
            go.Scatter(x=x, y=col("realized_mae"), mode="lines+markers", name="realized (actual values)",
                       line=dict(color="#d62728")),
        ]
        if "concept_drift" in p and p["concept_drift"].any():
            hit = p.index[p["concept_drift"]]
            data.append(go.Scatter(x=list(hit), y=[float(v) for v in p.loc[hit, "realized_mae"]], mode="markers",
                                   name="likely concept drift", marker=dict(symbol="x", size=12, color="#8a1c1c")))
        ref = self.result.reference_metrics.get("mae")
        return figure_widget(data=data, layout=dict(
            title=dict(text=f"Typical miss (MAE, {esc(u)}) per window; reference {fmt.number(ref, 2)}", font=dict(size=14)),
            width=900, height=340, margin=dict(l=60, r=10, t=40, b=90), yaxis=dict(title=f"MAE ({u})", rangemode="tozero"),
            shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=ref, y1=ref, line=dict(color="#555", dash="dot"))],
            legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left", font=dict(size=10))))

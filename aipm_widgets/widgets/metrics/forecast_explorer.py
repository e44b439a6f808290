"""``ForecastExplorer``: choose a forecast's tolerance and offset with the cost of its errors in view.

A thin view over :class:`aipm_widgets.core.tasks.forecast.Forecast`: the errors are sorted once, so moving the offset
slider only looks the measures up (binary searches) and moves the markers on the two charts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np

from ...core.text import format as fmt
from ...core.errors import AipmError, InputDataError
from ...core.tasks.forecast import Forecast, ForecastPoint
from ...core.record import update_section
from .._base import HelpHTML, MessageArea, card, chart, default_record_path, esc, figure_widget, guarded, move_traces
from ..guides import how_to_read_html

__all__ = ["ForecastExplorer"]

_LABELS = {"mae": "Typical miss (MAE)", "rmse": "RMSE (large misses weigh more)", "mape": "MAPE (percentage error)",
           "mean_error": "Lean (mean error; + = too high)", "within_tolerance": "Within tolerance"}


class ForecastExplorer(W.VBox):
    """The offset and tolerance explorer for a model that predicts a number.

    Build it with :meth:`from_predictions`, :meth:`from_frame` or :meth:`from_project`. ``.result`` is the
    :class:`~aipm_widgets.core.tasks.forecast.ForecastPoint` at the current offset; :meth:`set_offset` moves it;
    :meth:`save` writes the decision to the record's ``metrics`` section (``task: regression``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.uniform(20, 60, 500)
    >>> ex = ForecastExplorer.from_predictions(y, y + rng.normal(1, 3, 500), cost_under=0.5, cost_over=0.1)
    >>> ex.set_offset(2.0)
    >>> round(ex.result.offset, 1)
    2.0
    """

    def __init__(self, forecast: Forecast | None, *, offset: float | None = None, record_path: str | Path | None = None,
                 data_source: str | None = None, error: str | None = None, steps: int = 400, **kwargs: Any) -> None:
        self.messages = MessageArea()
        self.forecast = forecast
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.data_source = data_source
        self.result: ForecastPoint | None = None
        self.saved: dict | None = None
        if forecast is None:
            super().__init__([self.messages], **kwargs)
            self.add_class("aipm-forecast-explorer")
            self.messages.show(error or "No data to explore.", "error")
            return
        import plotly.graph_objects as go

        self._go = go
        f = forecast
        lo, hi = f.offset_range()
        step = float(f"{(hi - lo) / steps:.2g}") or 0.01
        self.slider = W.FloatSlider(value=0.0, min=float(np.floor(lo / step) * step), max=float(np.ceil(hi / step) * step),
                                    step=step, description="Offset", continuous_update=True, readout_format=".2f",
                                    layout=W.Layout(width="640px"), style={"description_width": "80px"})
        self.best_button = W.Button(description="Go to the cost-optimal offset", icon="bullseye", layout=W.Layout(width="240px"))
        self.tolerance_text = W.Text(value=_tolerance_input(f), description="Tolerance", placeholder="10% or 5",
                                     layout=W.Layout(width="220px"), style={"description_width": "80px"})
        self.cost_under = W.BoundedFloatText(value=f.cost_under or 0.0, min=0, max=1e9, description=f"Cost per {_one(f.unit)} too low",
                                             style={"description_width": "170px"}, layout=W.Layout(width="270px"))
        self.cost_over = W.BoundedFloatText(value=f.cost_over or 0.0, min=0, max=1e9, description=f"Cost per {_one(f.unit)} too high",
                                            style={"description_width": "170px"}, layout=W.Layout(width="270px"))
        self.apply_button = W.Button(description="Apply tolerance and costs", icon="check", layout=W.Layout(width="220px"))
        self.who = W.Text(description="Your name", placeholder="who decides", layout=W.Layout(width="300px"))
        self.save_button = W.Button(description="Save to decision record", icon="save", button_style="primary",
                                    layout=W.Layout(width="240px"))
        self.headline = HelpHTML()
        self.cards = HelpHTML()
        self.baseline_box = HelpHTML()
        self.group_table = HelpHTML()
        self.notes = W.HTML("".join(f"<div style='color:#7a4d00;font-size:12px'>Note: {esc(n)}</div>" for n in f.notes))
        self.how_to_read = W.HTML(how_to_read_html("metrics", "regression", unit=f.unit, currency=f.currency or "EUR"))
        self._offsets = np.linspace(self.slider.min, self.slider.max, 241)
        self.cost_fig = self._cost_figure()
        self.error_fig = self._error_figure()
        super().__init__([
            self.notes, self.headline, self.how_to_read,
            W.HBox([self.slider, self.best_button]),
            W.HBox([chart(self.cost_fig), chart(self.error_fig)]),
            self.cards, self.baseline_box,
            W.HBox([self.tolerance_text, self.cost_under, self.cost_over, self.apply_button]),
            self.group_table,
            W.HBox([self.who, self.save_button]),
            self.messages,
        ], **kwargs)
        self.add_class("aipm-forecast-explorer")
        self.slider.observe(self._on_slider, names="value")
        self.best_button.on_click(lambda _: self.go_to_best())
        self.apply_button.on_click(lambda _: self.apply_settings())
        self.save_button.on_click(lambda _: self.save())
        self.set_offset(offset if offset is not None else 0.0)

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_predictions(cls, y_true: Any, y_pred: Any, *, offset: float | None = None,
                         record_path: str | Path | None = None, data_source: str | None = None,
                         **forecast_kwargs: Any) -> "ForecastExplorer":
        """The explorer for actual values and predictions; bad input gives a widget showing the problem in words."""
        try:
            f = Forecast(y_true, y_pred, **forecast_kwargs)
        except AipmError as exc:
            return cls(None, error=str(exc), record_path=record_path)
        return cls(f, offset=offset, record_path=record_path, data_source=data_source)

    @classmethod
    def from_frame(cls, frame: Any, *, label: str, prediction: str, group: str | None = None,
                   baseline_column: str | None = None, offset: float | None = None,
                   record_path: str | Path | None = None, data_source: str | None = None,
                   **forecast_kwargs: Any) -> "ForecastExplorer":
        """The explorer for a table and its column names (the label, the prediction, optionally a group)."""
        try:
            f = Forecast.from_frame(frame, label=label, prediction=prediction, group=group,
                                    baseline_column=baseline_column, **forecast_kwargs)
        except AipmError as exc:
            return cls(None, error=str(exc), record_path=record_path)
        return cls(f, offset=offset, record_path=record_path, data_source=data_source)

    @classmethod
    def from_project(cls, project: Any, **kwargs: Any) -> "ForecastExplorer":
        """The explorer for a project (``aipm_widgets.core.project.ProjectData``): its validation data and roles.

        Costs and tolerance come from the record's saved regression decision when there is one; for the
        delivery demo from its settings.
        """
        try:
            cols = project.columns
            label, prediction = getattr(cols, "label", None), getattr(cols, "prediction", None)
            if not label or not prediction:
                project.require("label", "prediction")
            frame = project.validation()
            if frame is None:
                raise InputDataError("The project has no validation data (actual values with the model's predictions); "
                                     "add it with `aipm project set sources.validation=FILE` or the start page's Your "
                                     "product panel.")
            groups = list(getattr(cols, "groups", None) or [])
            opts: dict[str, Any] = {"currency": getattr(project, "currency", None) or "EUR",
                                    "volume_per_day": getattr(project, "volume_per_day", None), "unit": _unit(project)}
            if getattr(project, "example", None) == "delivery":
                from ...core.demo.delivery import demo_settings

                s = demo_settings()
                opts.update(cost_under=s["cost_under"], cost_over=s["cost_over"], tolerance=s["tolerance"], unit=s["unit"])
            opts.update(_saved_settings(kwargs.get("record_path") or getattr(project, "record_path", None)))
            opts.update({k: kwargs.pop(k) for k in list(kwargs) if k in {"cost_under", "cost_over", "tolerance", "unit"}})
        except AipmError as exc:
            return cls(None, error=str(exc), record_path=kwargs.get("record_path"))
        return cls.from_frame(frame, label=label, prediction=prediction, group=groups[0] if groups else None,
                              data_source="the project's validation data", **opts, **kwargs)

    # -- figures -----------------------------------------------------------------------------------------
    def _cost_figure(self):
        go = self._go
        f = self.forecast
        x = self._offsets
        y = f.cost_curve(x) * (1000 if f.has_costs else 1)
        lo_b, hi_b = f.curve_band(x)
        scale = 1000 if f.has_costs else 1
        what = f"{f.currency} per 1,000 estimates" if f.has_costs else f"MAE ({f.unit})"
        data = [
            go.Scatter(x=x, y=hi_b * scale, mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False),
            go.Scatter(x=x, y=lo_b * scale, mode="lines", line=dict(width=0), fill="tonexty", fillcolor="rgba(59,111,182,0.2)",
                       name="95% band", hoverinfo="skip"),
            go.Scatter(x=x, y=y, mode="lines", name="model", line=dict(color="#3b6fb6"),
                       hovertemplate="offset %{x:.2f}<br>%{y:,.1f}<extra></extra>"),
        ]
        if f.baseline is not None:
            by = f.baseline.cost_curve(x) * scale
            data.append(go.Scatter(x=x, y=by, mode="lines", name="baseline", line=dict(color="#b36b00", dash="dash"),
                                   hoverinfo="skip"))
        best = f.optimal_offset()
        data.append(go.Scatter(x=[best], y=[float(f.cost_curve([best])[0]) * scale], mode="markers",
                               name="cost-optimal" if f.has_costs else "median correction",
                               marker=dict(symbol="star", size=13, color="#2ea043")))
        data.append(go.Scatter(x=[0, 0], y=[0, 0], mode="lines", name="current offset", line=dict(color="#d62728", width=2)))
        top = float(np.nanmax(y)) * 1.15 if np.isfinite(y).any() else 1.0
        fig = figure_widget(data=data, layout=dict(
            title=dict(text=("Cost of errors by offset" if f.has_costs else "Typical miss by offset"), font=dict(size=14)),
            width=520, height=360, margin=dict(l=60, r=10, t=40, b=90),
            xaxis=dict(title=f"offset added to every prediction ({f.unit})"), yaxis=dict(title=what, range=[0, top]),
            legend=dict(orientation="h", y=-0.3, yanchor="top", x=0, xanchor="left", font=dict(size=10))))
        self._cost_top = top
        self._marker = len(data) - 1
        self._best_trace = len(data) - 2
        return fig

    def _error_figure(self):
        go = self._go
        f = self.forecast
        counts, edges = f.histogram()
        self._edges = edges
        centres = (edges[:-1] + edges[1:]) / 2
        fig = figure_widget(data=[
            go.Bar(x=centres, y=counts, width=float(edges[1] - edges[0]), marker_color="#8fa8cf", name="errors",
                   hovertemplate="error %{x:.1f}<br>%{y:,} estimates<extra></extra>"),
        ], layout=dict(title=dict(text="Errors (prediction + offset - actual)", font=dict(size=14)), width=420, height=360,
                       margin=dict(l=50, r=10, t=40, b=90), xaxis=dict(title=f"error ({f.unit}); right = too high"),
                       yaxis=dict(title="estimates"), showlegend=False, bargap=0))
        return fig

    # -- updates ---------------------------------------------------------------------------------------
    def _on_slider(self, change) -> None:
        self._update(change["new"])

    @guarded()
    def set_offset(self, offset: float) -> None:
        """Move to ``offset`` (the slider snaps to its step; the numbers use the exact value)."""
        try:
            offset = float(offset)
        except (TypeError, ValueError):
            raise InputDataError(f"The offset must be a number, not {offset!r}.") from None
        if not np.isfinite(offset):
            raise InputDataError(f"The offset must be a number, not {offset!r}.")
        clipped = min(max(offset, self.slider.min), self.slider.max)
        self.slider.unobserve(self._on_slider, names="value")
        try:
            self.slider.value = clipped
        finally:
            self.slider.observe(self._on_slider, names="value")
        self._update(offset)

    @guarded()
    def _update(self, offset: float) -> None:
        p = self.forecast.at(offset)
        self.result = p
        self._draw(p)

    def _draw(self, p: ForecastPoint) -> None:
        # Words first, charts last (see ThresholdExplorer._draw).
        self.headline.value = self._headline_html(p)
        self.cards.value = self._cards_html(p)
        self.baseline_box.value = self._baseline_html(p)
        self.group_table.value = self._groups_html(p)
        move_traces(self.cost_fig, {self._marker: {"x": [p.offset, p.offset], "y": [0, self._cost_top]}})
        with self.error_fig.batch_update():
            t = self.forecast.tolerance
            shapes = [dict(type="line", x0=0, x1=0, y0=0, y1=1, yref="paper", line=dict(color="#333", width=1))]
            if t.kind == "absolute":
                shapes.append(dict(type="rect", x0=-t.value, x1=t.value, y0=0, y1=1, yref="paper",
                                   fillcolor="rgba(46,160,67,0.15)", line=dict(width=0), layer="below"))
            self.error_fig.layout.shapes = shapes
            self.error_fig.data[0].x = (self._edges[:-1] + self._edges[1:]) / 2 + p.offset

    # -- HTML parts (every user-given text escaped) ----------------------------------------------------
    def _headline_html(self, p: ForecastPoint) -> str:
        cost = p.cost_sentence()
        return (f"<div class='aipm-forecast-headline' style='font-size:16px;margin:6px 0'><b>{esc(p.sentence())}</b></div>"
                + (f"<div class='aipm-forecast-cost' style='font-size:13px;color:#333'>{esc(cost)}</div>" if cost else ""))

    def _cards_html(self, p: ForecastPoint) -> str:
        parts = []
        for k in ("within_tolerance", "mae", "rmse", "mean_error", "mape"):
            e = p.metrics[k]
            f = fmt.percent if k in {"within_tolerance", "mape"} else (lambda x: f"{fmt.number(x, 2)} {p.unit}")
            detail = f"95% interval {fmt.interval(e.low, e.high, f)}"
            title = _LABELS[k] + (f" {p.tolerance.text(p.unit)}" if k == "within_tolerance" else "")
            parts.append(card(title, f(e.value), detail, tone="warning" if k == "mape" and p.notes else "info"))
        if p.cost_per_row is not None:
            c = p.cost_per_row
            money = lambda x: fmt.money(x * 1000, p.currency)  # noqa: E731
            parts.append(card("Cost per 1,000 estimates", money(c.value), f"95% interval {fmt.interval(c.low, c.high, money)}"))
        return f"<div class='aipm-metric-cards'>{''.join(parts)}</div>"

    def _baseline_html(self, p: ForecastPoint) -> str:
        s = p.baseline_sentence()
        return f"<div class='aipm-baseline'><b>Do we need ML at all?</b> {esc(s)}</div>" if s else ""

    def _groups_html(self, p: ForecastPoint) -> str:
        if not p.groups:
            return ""
        head = ("<tr><th>group</th><th>rows</th><th>lean (mean error)</th><th>typical miss (MAE)</th>"
                f"<th>within {esc(p.tolerance.text(p.unit))}</th></tr>")
        body = []
        for r in p.groups:
            small = " <span style='color:#7a4d00'>(small)</span>" if r["small"] else ""
            ci = r["within_tolerance_ci"]
            body.append(f"<tr><td>{esc(r['group'])}{small}</td><td>{esc(fmt.count(r['n']))}</td>"
                        f"<td>{esc(fmt.number(r['mean_error'], 2))}</td><td>{esc(fmt.number(r['mae'], 2))}</td>"
                        f"<td>{esc(fmt.percent(r['within_tolerance']))} <span style='color:#666;font-size:11px'>"
                        f"({esc(fmt.interval(ci[0], ci[1]))})</span></td></tr>")
        flags = "".join(f"<div style='color:#8a1c1c'>&#9888; {esc(r['flag'])}</div>" for r in p.groups if r["flag"])
        return (f"<div class='aipm-group-table'><b>By {esc(self.forecast.names['group'])}</b>"
                f"<table style='border-collapse:collapse;font-size:13px' cellpadding='3'>{head}{''.join(body)}</table>{flags}</div>")

    # -- actions ---------------------------------------------------------------------------------------
    @guarded()
    def go_to_best(self) -> None:
        """Jump to the cost-optimal offset (the median correction without costs)."""
        best = self.forecast.optimal_offset()
        self.set_offset(best)
        why = "lowest cost of errors" if self.forecast.has_costs else "half the estimates too high, half too low"
        self.messages.show(f"Moved to offset {fmt.number(best, 2)} {self.forecast.unit}: {why}.", "info")

    @guarded()
    def apply_settings(self) -> None:
        """Apply the typed tolerance and costs (both checked first; nothing changes on an error)."""
        from ...core.tasks.forecast import parse_tolerance

        tol = parse_tolerance(self.tolerance_text.value)
        cu, co = float(self.cost_under.value), float(self.cost_over.value)
        costs = (None, None) if cu == 0 and co == 0 else (cu, co)
        if costs[0] is not None and cu + co <= 0:
            raise InputDataError("At least one of the two costs must be above 0.")
        self.forecast.set_tolerance(tol)
        self.forecast.set_costs(*costs)
        f = self.forecast
        x = self._offsets
        scale = 1000 if f.has_costs else 1
        y = f.cost_curve(x) * scale
        lo_b, hi_b = f.curve_band(x)
        self._cost_top = float(np.nanmax(y)) * 1.15
        best = f.optimal_offset()
        with self.cost_fig.batch_update():
            self.cost_fig.data[0].y = hi_b * scale
            self.cost_fig.data[1].y = lo_b * scale
            self.cost_fig.data[2].y = y
            if f.baseline is not None:
                self.cost_fig.data[3].y = f.baseline.cost_curve(x) * scale
            self.cost_fig.data[self._best_trace].x = [best]
            self.cost_fig.data[self._best_trace].y = [float(f.cost_curve([best])[0]) * scale]
            self.cost_fig.layout.yaxis.range = [0, self._cost_top]
        self._update(self.result.offset if self.result else float(self.slider.value))
        self.messages.show(f"Applied: tolerance {tol.text(f.unit)}"
                           + (f", costs {fmt.money(cu, f.currency, 2)} per {_one(f.unit)} too low and "
                              f"{fmt.money(co, f.currency, 2)} per {_one(f.unit)} too high." if f.has_costs else ", no costs."), "info")

    def record_values(self) -> dict:
        """The ``metrics`` section fields :meth:`save` writes."""
        return self.result.record_values(data_source=self.data_source)

    @guarded()
    def save(self, who: str | None = None) -> None:
        """Write the tolerance, offset, costs and measured numbers (with intervals) to the record."""
        if self.result is None:
            raise InputDataError("Nothing to save yet: choose an offset first.")
        who = who or (self.who.value.strip() or None)
        values = self.record_values()
        what = (f"Chose offset {fmt.number(self.result.offset, 2)} {self.forecast.unit} and tolerance "
                f"{self.forecast.tolerance.text(self.forecast.unit)} for the forecast")
        update_section(self.record_path, "metrics", values, what=what, who=who)
        self.saved = values
        self.messages.show(f"Saved to {self.record_path}: {what}. {values['summary']}", "success")


def _unit(project: Any) -> str:
    """The target's unit: the project's ``target_unit``, else its demo's, else 'units' (never the row word 'decisions')."""
    unit = getattr(project, "target_unit", None)
    if not unit and getattr(project, "is_demo", False) and hasattr(project, "demo"):
        try:
            unit = project.demo().unit
        except (AipmError, AttributeError, KeyError):
            unit = None
    return unit or "units"


def _one(unit: str) -> str:
    """'minutes' -> 'minute' for 'cost per minute'; other units as given."""
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") and len(unit) > 3 else unit


def _tolerance_input(f: Forecast) -> str:
    t = f.tolerance
    return f"{t.value * 100:g}%" if t.kind == "relative" else f"{t.value:g}"


def _saved_settings(record_path: Any) -> dict[str, Any]:
    """Tolerance and costs from a saved regression decision in the record, if any."""
    try:
        from ...core.record import load_record

        path = Path(record_path) if record_path else default_record_path()
        if not path.exists():
            return {}
        m = load_record(path).metrics
    except (AipmError, OSError):
        return {}
    r = getattr(m, "regression", None)
    if getattr(m, "task", None) != "regression" or r is None:
        return {}
    out: dict[str, Any] = {}
    if r.tolerance:
        out["tolerance"] = r.tolerance
    if r.cost_under is not None and r.cost_over is not None:
        out.update(cost_under=r.cost_under, cost_over=r.cost_over)
    if r.unit:
        out["unit"] = r.unit
    return out

"""``DriftMonitor``: stage 5's dashboard over :func:`aipm_widgets.core.monitoring.run.run_monitoring`.

A plain-language summary first; then a features x windows drift heatmap (click a cell to select it),
the selected feature's drift score over time with its threshold, the reference vs window distribution,
realized and estimated performance with their bands, cost per 1,000 decisions, the alert list, a window
size control, a button saving evidently's report for the chosen window as HTML, and the triggers editor
with the button that saves the monitoring decision to the record.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import ipywidgets as W
import numpy as np

from ...core.errors import AipmError
from ...core.io.inputs import is_pandas_object
from ...core.text import format as fmt
# The controls are built from the light settings module; pandas, plotly's figures and run_monitoring load when the
# drift is measured (on a Voila page once the controls are on screen).
from ...core.monitoring.settings import (DEFAULT_TRIGGERS, METRIC_NAMES, chance_words, decided_metric, metric_text,
                                         settings_from_record)
from ...core.monitoring.estimation import METRICS
from ...core.monitoring.triggers import parse_trigger
from .._base import HelpHTML, MessageArea, after_controls, chart_later, default_record_path, esc, guarded, figure_widget
from ..guides import how_to_read_html, plain_text

if TYPE_CHECKING:
    import pandas as pd

    from ...core.monitoring.run import MonitoringResult

__all__ = ["DriftMonitor"]

Table = Union["pd.DataFrame", str, Path, Callable[[], "pd.DataFrame"]]
"""What the monitor takes as reference or production data: a DataFrame, Parquet data (production only, aggregated by
an engine), or a function returning a DataFrame, called when the drift is measured (the page shows its controls first)."""

_KIND_STYLE = {
    "drift": "#7a4d00", "score_drift": "#7a4d00", "label_drift": "#7a4d00", "performance": "#8a1c1c",
    "concept_drift": "#8a1c1c", "trigger": "#8a1c1c",
}


P_VALUE_METHODS = {"ks", "chisquare", "z"}
HOW_TO_READ = plain_text("monitoring", "binary", "read")
"""The monitor's "How to read it" in plain text (the widget shows the guide's HTML, aipm_widgets/widgets/guides)."""
HEATMAP_TITLE = ("Drift by feature and window: each cell is the drift score divided by its threshold, so 1 or more = drift "
                 "(for p-value tests, log p divided by log of the significance level). Hover for the raw score; click a cell.")


def _strength(method: str, score: float, threshold: float, cap: float | None = 3.0) -> float:
    """How far a score is past its threshold: >= 1 means drift, for distances and p-values alike."""
    if not np.isfinite(score) or not np.isfinite(threshold):
        return np.nan
    if method in P_VALUE_METHODS:
        v = float(np.log(max(score, 1e-300)) / np.log(threshold))
    else:
        v = float(score / threshold) if threshold > 0 else np.nan
    return v if cap is None or not np.isfinite(v) else min(v, cap)


def _heatmap_height(features: Sequence[str] | None) -> int:
    """The heatmap's height in pixels for ``features`` (a guess of 5 rows when the monitor chooses them)."""
    return max(220, 34 * (len(features) if features else 5) + 110)


def strength_text(method: str, score: float, threshold: float) -> str:
    """The number shown in a heatmap cell: the score relative to its threshold (what the colour bar measures)."""
    v = _strength(method, score, threshold, cap=None)
    if not np.isfinite(v):
        return ""
    return "3+" if v >= 3 else fmt.number(v, 2)


class DriftMonitor(W.VBox):
    """Post-launch monitoring dashboard.

    Parameters
    ----------
    reference, current : DataFrame, or a function returning one
        Reference (validation or launch period) and production rows. A function is called once, when the drift is
        first measured: on a Voila page after the controls are on screen. ``current`` may also be Parquet data (a
        file, folder or glob), aggregated by the engine the widget's Engine control chooses.
    features : list of str, optional
        Columns to watch (default: all shared columns except the special ones).
    timestamp, window : str
        Timestamp column and initial window size (``day``, ``week``, ``month``).
    label, label_date, score, threshold, costs, triggers, id_column
        As :func:`~aipm_widgets.core.monitoring.run.run_monitoring`; threshold, costs and triggers default to
        the decision record's (stage 4's threshold and costs, this stage's saved triggers).
    record_path : path, optional
        The decision record (default ``$AIPM_RECORD``).
    reference_description : str, optional
        Which data the reference is, saved with the decision.
    fallback_costs : dict, optional
        Cost model used (and said so) when the record has none.
    metric : str, optional
        The performance metric shown first: ``roc_auc``, ``recall``, ``precision`` or ``f1``
        (:data:`~aipm_widgets.core.monitoring.estimation.METRICS`); default: the one stage 4 decided on in the record.

    Examples
    --------
    >>> from aipm_widgets.core import demo
    >>> df = demo.load_fraud()
    >>> m = DriftMonitor(df[df.split == "validation"], df[df.split == "production"], features=["amount", "channel"],
    ...                  window="month", label="is_fraud", score="score", threshold=0.08, record_path="/tmp/_dm.yaml")
    >>> m.result.first_drift()["amount"]
    '2025-09'
    """

    def __init__(
        self, reference: Table, current: Table, *, features: Sequence[str] | None = None,
        timestamp: str = "timestamp", window: str = "month", label: str | None = None, score: str | None = None,
        label_date: str | None = None, positive: Any = None,
        threshold: float | None = None, costs: dict | None = None, triggers: Sequence[str] | None = None,
        id_column: str | None = None, record_path: str | Path | None = None, reference_description: str | None = None,
        report_dir: str | Path | None = None, fallback_costs: dict | None = None, engine: str | None = None,
        metric: str | None = None, **kwargs: Any,
    ) -> None:
        self.reference, self.current = reference, current
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.report_dir = Path(report_dir) if report_dir else self.record_path.parent / "monitoring_reports"
        self.reference_description = reference_description
        self.messages = MessageArea()
        self.record_notes: list[str] = []
        settings: dict[str, Any] = {}
        try:
            from ...core.record import load_record  # the record's models load when a monitor is built, not on import

            settings, self.record_notes = settings_from_record(load_record(self.record_path, create=True))
        except AipmError as exc:
            self.messages.show(f"The decision record could not be read, so defaults are used: {exc}", "warning")
        if threshold is None and "threshold" in settings:
            threshold = settings["threshold"]
        if costs is None:
            costs = settings.get("costs")
            if costs is None and fallback_costs:
                costs = dict(fallback_costs)
                self.record_notes.append(
                    "No cost model in the record (stage 4 not decided yet): using the fallback cost model "
                    f"({fmt.money(costs.get('cost_fp', 0), costs.get('currency'))} per false alarm; a miss costs "
                    + (f"the row's {costs.get('value_column')!r}" if costs.get("fn_cost_from_value")
                       else fmt.money(costs.get('cost_fn', 0), costs.get('currency')))
                    + ")."
                )
        if triggers is None:
            triggers = [t.get("text") or t for t in settings.get("triggers", [])] or list(DEFAULT_TRIGGERS)
        self._kw = dict(features=features, timestamp=timestamp, label=label, positive=positive, label_date=label_date, score=score,
                        threshold=threshold,
                        costs=costs, id_column=id_column, volume_per_day=settings.get("volume_per_day"))
        self.triggers_text = list(triggers)
        self._result: MonitoringResult | None = None
        self._computed = False
        self._figures: dict[str, Any] = {}

        self.summary = HelpHTML(layout=W.Layout(width="100%"))
        self.summary.add_class("aipm-monitor-summary")
        self.window_size = W.Dropdown(options=[("Day", "day"), ("Week", "week"), ("Month", "month")], value=window,
                                      description="Window")
        # Production as Parquet (a file, folder or glob): choose where it is aggregated, with a progress bar.
        self.engine = None
        self.progress = W.FloatProgress(min=0.0, max=1.0, description="", layout=W.Layout(display="none"))
        if not (is_pandas_object(current) or callable(current)):
            import importlib.util

            options = [("In memory (pandas)", "pandas"), ("DuckDB (larger than memory)", "duckdb")]
            if importlib.util.find_spec("pyspark") is not None:
                options.append(("Spark", "spark"))
            self.engine = W.Dropdown(options=options, value=engine or "duckdb", description="Engine")
            self.engine.observe(self._recompute, names="value")
        self.mode = W.ToggleButtons(options=[("Fixed thresholds", "fixed"), ("Band from reference", "band")],
                                    value="fixed", description="Thresholds", style={"description_width": "initial"})
        self.feature = W.Dropdown(description="Feature")
        self.window_pick = W.Dropdown(description="Window")
        if metric is None:
            metric, self.metric_reason = decided_metric(settings.get("chosen_metric"))
        elif metric in METRICS:
            self.metric_reason = "asked for when the monitor was built"
        else:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
        self._kw["metric"] = metric
        self.metric = W.Dropdown(options=[(METRIC_NAMES[m], m) for m in METRICS], value=metric, description="Metric")
        self.metric_note = HelpHTML(f"<div class='aipm-metric-note' style='font-size:12px;color:#555'>Shown first: "
                                  f"{esc(METRIC_NAMES[metric])} ({esc(self.metric_reason)}).</div>")
        self.alerts = HelpHTML()
        self.notes = HelpHTML()
        self.report_button = W.Button(description="Save evidently report", icon="file", layout=W.Layout(width="260px"),
                                      tooltip="DataDriftPreset for the chosen window, as HTML")
        self.triggers_box = W.Textarea(value="\n".join(self.triggers_text), description="Triggers",
                                       layout=W.Layout(width="100%", height="90px"))
        self.save_button = W.Button(description="Save monitoring decision", button_style="primary", icon="save",
                                    layout=W.Layout(width="260px"))
        self.window_size.observe(self._recompute, names="value")
        self.mode.observe(self._recompute, names="value")
        self.feature.observe(self._on_select, names="value")
        self.window_pick.observe(self._on_select, names="value")
        self.metric.observe(lambda _: self._draw_performance(), names="value")
        self.report_button.on_click(lambda _: self.save_report())
        self.save_button.on_click(lambda _: self.save_decision())
        heat_title = HelpHTML(f"<h4 class='aipm-heatmap-title'>{esc(HEATMAP_TITLE)}</h4>")
        self.how_to_read = HelpHTML(how_to_read_html("monitoring", "binary"))
        super().__init__([
            self.summary,
            self.how_to_read,
            W.HBox([self.window_size, self.mode] + ([self.engine] if self.engine is not None else [])),
            self.progress,
            heat_title, chart_later(lambda: self.heatmap, height=_heatmap_height(features)),
            W.HBox([self.feature, self.window_pick]),
            W.HBox([chart_later(lambda: self.timeline, height=300, width=560),
                    chart_later(lambda: self.distribution, height=300, width=560)]),
            HelpHTML("<h4>Performance: realized (labels arrived) and estimated from scores, with 95% bands</h4>"),
            W.HBox([self.metric, self.metric_note]), chart_later(lambda: self.performance, height=330),
            chart_later(lambda: self.cost, height=280),
            HelpHTML("<h4 class='aipm-alerts-title'>Alerts</h4>"), self.alerts,
            self.notes,
            W.HBox([self.report_button]),
            HelpHTML("<h4>Retraining triggers (one per line)</h4>"), self.triggers_box,
            self.save_button, self.messages,
        ], **kwargs)
        # On a Voila page the drift is measured once the controls are on their way (the summary says so meanwhile);
        # anywhere else now. Reading .result measures it if it has not been.
        rows = f"{fmt.count(len(current))} production rows" if is_pandas_object(current) else "the production data"
        self.summary.value = ("<div class='aipm-monitor-measuring aipm-pending' style='padding:8px 12px;color:#555'>Measuring drift, "
                              f"performance and cost on {rows} ...</div>")
        after_controls(self._measure_once)

    # ------------------------------------------------------------------ computation
    @property
    def result(self) -> MonitoringResult | None:
        """What the monitor shows (None when it could not be measured: the widget says why)."""
        self._measure_once()
        return self._result

    def _measure_once(self) -> None:
        if not self._computed:
            self._recompute()
            if self._result is None:  # it failed: the message area says why, the summary no longer says "measuring"
                self.summary.value = ""

    @guarded()
    def _read_tables(self) -> None:
        """Call the functions given for the reference and production data, once (a failure is said in the widget)."""
        if callable(self.reference):
            self.reference = self.reference()
        if callable(self.current):
            self.current = self.current()

    def _figure(self, name: str):
        if name not in self._figures:
            self._figures[name] = figure_widget()
        return self._figures[name]

    heatmap = property(lambda self: self._figure("heatmap"), doc="Features x windows drift heatmap (FigureWidget).")
    timeline = property(lambda self: self._figure("timeline"), doc="The chosen feature's drift score over time.")
    distribution = property(lambda self: self._figure("distribution"), doc="Reference vs the chosen window.")
    performance = property(lambda self: self._figure("performance"), doc="Realized and estimated performance.")
    cost = property(lambda self: self._figure("cost"), doc="Cost per 1,000 decisions.")

    @guarded()
    def _recompute(self, *_: Any) -> None:
        self._computed = True
        self._read_tables()
        if callable(self.reference) or callable(self.current):
            return  # their function failed (_read_tables said why): nothing to measure
        from ...core.monitoring.run import run_monitoring

        triggers = [t for t in self.triggers_box.value.splitlines() if t.strip()]
        engine = self.engine.value if self.engine is not None else None
        if engine is not None:
            self.progress.layout.display = ""
        try:
            self._result = run_monitoring(self.reference, self.current, window=self.window_size.value,
                                         threshold_mode=self.mode.value, triggers=triggers, engine=engine,
                                         progress=self._show_progress if engine else None, **self._kw)
        finally:
            self.progress.layout.display = "none"
        self.report_button.disabled = engine not in (None, "pandas")
        res = self._result
        feats = res.drift.features
        first = res.first_drift()
        self.feature.unobserve(self._on_select, names="value")
        self.window_pick.unobserve(self._on_select, names="value")
        self.feature.options = feats
        self.feature.value = next(iter(first), feats[0]) if feats else None
        self.window_pick.options = res.labels
        drifted_windows = [w for w in res.labels if res.drift.drift[w].any()]
        self.window_pick.value = drifted_windows[0] if drifted_windows else (res.labels[-1] if res.labels else None)
        self.feature.observe(self._on_select, names="value")
        self.window_pick.observe(self._on_select, names="value")
        self._draw_summary()
        self._draw_heatmap()
        self._draw_selected()
        self._draw_performance()
        self._draw_alerts()

    def _show_progress(self, step: str, share: float) -> None:
        self.progress.value = float(share)
        self.progress.description = step[:24]

    def _on_select(self, *_: Any) -> None:
        self._draw_selected()

    # ------------------------------------------------------------------ drawing
    def _draw_summary(self) -> None:
        res = self.result
        tone = "#8a1c1c" if res.alerts else "#1e5e2f"
        self.summary.value = (
            f"<div style='border-left:5px solid {tone};padding:8px 12px;background:#fafafa;font-size:14px'>"
            f"<b>What happened since launch</b><p style='margin:4px 0'>{esc(res.summary())}</p></div>"
        )

    def _draw_heatmap(self) -> None:
        res = self.result
        t = res.drift
        z = [[_strength(t.method[f], float(t.score.loc[f, w]), float(t.threshold.loc[f, w])) for w in t.windows]
             for f in t.features]
        text = [[strength_text(t.method[f], float(t.score.loc[f, w]), float(t.threshold.loc[f, w])) for w in t.windows]
                for f in t.features]
        hover = [[f"{f} in {w}: {'drift' if t.drift.loc[f, w] else 'no drift'}<br>{t.method[f]} score "
                  f"{fmt.number(t.score.loc[f, w], 4) if t.score.loc[f, w] >= 0.001 else f'{t.score.loc[f, w]:.2e}'} "
                  f"(threshold {fmt.number(t.threshold.loc[f, w], 3)})<br>{fmt.count(t.n.loc[f, w])} rows"
                  for w in t.windows] for f in t.features]
        with self.heatmap.batch_update():
            self.heatmap.data = []
            import plotly.graph_objects as go

            self.heatmap.add_trace(go.Heatmap(
                z=z, x=t.windows, y=t.features, text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text",
                zmin=0, zmax=3, colorscale=[[0, "#f4f8fb"], [0.333, "#cfe0ee"], [0.334, "#f3c98b"], [1, "#b3261e"]],
                colorbar={"title": "score / threshold", "tickvals": [0, 1, 2, 3], "ticktext": ["0", "1 = drift", "2", "3+"]},
            ))
            self.heatmap.layout.update(height=_heatmap_height(t.features), margin={"l": 160, "r": 20, "t": 10, "b": 40},
                                       yaxis={"autorange": "reversed"}, xaxis={"type": "category"})
        self.heatmap.data[0].on_click(self._on_heatmap_click)

    def _on_heatmap_click(self, trace, points, _state) -> None:
        if points.point_inds:
            r, c = points.point_inds[0] if isinstance(points.point_inds[0], (list, tuple)) else (points.ys[0], points.xs[0])
            feats, wins = self.result.drift.features, self.result.drift.windows
            f = feats[r] if isinstance(r, (int, np.integer)) else r
            w = wins[c] if isinstance(c, (int, np.integer)) else c
            self.feature.value, self.window_pick.value = f, w

    def _draw_selected(self) -> None:
        res, f, w = self.result, self.feature.value, self.window_pick.value
        if res is None or f is None:
            return
        t = res.drift
        with self.timeline.batch_update():
            self.timeline.data = []
            self.timeline.add_scatter(x=t.windows, y=t.score.loc[f].tolist(), mode="lines+markers", name=f"{t.method[f]}",
                                      marker={"color": ["#b3261e" if d else "#1d4b7a" for d in t.drift.loc[f]]})
            self.timeline.add_scatter(x=t.windows, y=t.threshold.loc[f].tolist(), mode="lines", name="threshold",
                                      line={"dash": "dash", "color": "#7a4d00"})
            self.timeline.layout.update(title=f"{f}: drift score over time", height=300, width=560,
                                        margin={"l": 50, "r": 10, "t": 40, "b": 40}, xaxis={"type": "category"},
                                        yaxis={"type": "log" if t.method[f] in {"ks", "chisquare", "z"} else "linear"})
        counts = t.counts.get(f)
        with self.distribution.batch_update():
            self.distribution.data = []
            if counts is not None and w in counts:
                ref = counts["reference"] / max(counts["reference"].sum(), 1)
                cur = counts[w] / max(counts[w].sum(), 1)
                self.distribution.add_bar(x=list(counts.index), y=ref.tolist(), name="reference", marker_color="#9bb7d4")
                self.distribution.add_bar(x=list(counts.index), y=cur.tolist(), name=w, marker_color="#d9822b")
            self.distribution.layout.update(title=f"{f}: reference vs {w}", barmode="group", height=300, width=560,
                                            margin={"l": 50, "r": 10, "t": 40, "b": 60}, yaxis={"tickformat": ".0%"},
                                            xaxis={"type": "category"})

    def _draw_performance(self) -> None:
        import pandas as pd

        res, m = self.result, self.metric.value
        perf = res.performance if res is not None else pd.DataFrame()
        with self.performance.batch_update():
            self.performance.data = []
            if f"estimated_{m}" in perf:
                x = list(perf.index)
                for kind, color, fill in (("estimated", "#1d4b7a", "rgba(29,75,122,0.15)"),
                                          ("realized", "#b3261e", "rgba(179,38,30,0.15)")):
                    lo, hi, v = perf[f"{kind}_{m}_lower"], perf[f"{kind}_{m}_upper"], perf[f"{kind}_{m}"]
                    band = [(a, b) for a, b in zip(x, zip(lo, hi)) if np.isfinite(b[0]) and np.isfinite(b[1])]
                    if band:
                        bx = [a for a, _ in band]
                        self.performance.add_scatter(x=bx + bx[::-1], y=[b[1] for _, b in band] + [b[0] for _, b in band][::-1],
                                                     fill="toself", fillcolor=fill, mode="lines", line={"width": 0},
                                                     hoverinfo="skip", showlegend=False)
                    cov = perf.get("label_coverage", pd.Series(1.0, index=perf.index))
                    delay = perf.get("label_delay_days", pd.Series(np.nan, index=perf.index))
                    show = lambda x: metric_text(m, x)  # noqa: E731
                    hover = [f"{kind} {METRIC_NAMES[m]} {fmt.estimate(val, a, b, show)}"
                             + (f"<br>labels for {fmt.percent(c, 0)} of rows" if kind == "realized" else "")
                             + (f", median {fmt.count(dl)} days late" if kind == "realized" and np.isfinite(dl) else "")
                             for val, a, b, c, dl in zip(v, lo, hi, cov, delay)]
                    # NaN (no labels yet) is not JSON: sent as None so the browser gets a gap, not a failed message.
                    y = [None if not np.isfinite(val) else float(val) for val in v.astype(float)]
                    self.performance.add_scatter(x=x, y=y, mode="lines+markers", name=kind, line={"color": color},
                                                 hovertext=hover, hoverinfo="text")
                ref = res.reference_metrics.get(m)
                if ref is not None:
                    self.performance.add_scatter(x=x, y=[ref] * len(x), mode="lines", name="reference",
                                                 line={"dash": "dot", "color": "#555"})
                flags = perf.index[perf.get("concept_drift", pd.Series(False, index=perf.index)).astype(bool)]
                if len(flags):
                    self.performance.add_scatter(x=list(flags), y=perf.loc[flags, f"realized_{m}"].tolist(), mode="markers",
                                                 name="likely concept drift", marker={"symbol": "x", "size": 14, "color": "#b3261e"})
            notes = []
            if "label_coverage" in perf:
                notes = [dict(x=lab, y=0, yref="paper", text=f"labels {fmt.percent(c, 0)}", showarrow=False, yanchor="bottom",
                              font={"size": 10, "color": "#7a4d00"})
                         for lab, c in perf["label_coverage"].items() if np.isfinite(c) and c < 0.95]
            self.performance.layout.annotations = notes
            cols = [c for c in perf.columns if c.startswith(("estimated_", "realized_")) and c.split("_", 1)[1].startswith(m)]
            vals = perf[cols].to_numpy(float) if cols else np.array([[0.0, 1.0]])
            lo_y = float(np.nanmin(vals)) if np.isfinite(vals).any() else 0.0
            hi_y = float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0
            self.performance.layout.update(height=330, margin={"l": 50, "r": 10, "t": 20, "b": 40}, xaxis={"type": "category"},
                                           yaxis={"title": METRIC_NAMES[m], "range": [max(0.0, lo_y - 0.05), min(1.02, hi_y + 0.05)]})
        with self.cost.batch_update():
            self.cost.data = []
            c = res.cost if res is not None else pd.DataFrame()
            if len(c) and "cost_estimated" in c:
                x = list(c.index)
                self.cost.add_scatter(x=x, y=c["cost_estimated"].tolist(), mode="lines+markers", name="estimated")
                if "cost_realized" in c:
                    self.cost.add_scatter(x=x, y=c["cost_realized"].tolist(), mode="lines+markers", name="realized")
                if res.reference_cost_per_1000 is not None:
                    self.cost.add_scatter(x=x, y=[res.reference_cost_per_1000] * len(x), mode="lines", name="reference",
                                          line={"dash": "dot", "color": "#555"})
                cur = (res.settings.get("costs") or {}).get("currency")
                self.cost.layout.update(title=f"Cost per 1,000 decisions{f' ({cur})' if cur else ''}", height=280, margin={"l": 50, "r": 10, "t": 40, "b": 40},
                                        xaxis={"type": "category"})
            else:
                self.cost.layout.update(title="Cost per 1,000 decisions: needs stage 4's cost model in the record",
                                        height=120, margin={"l": 50, "r": 10, "t": 40, "b": 10})

    def _draw_alerts(self) -> None:
        res = self.result
        if not res.alerts:
            body = "<p class='aipm-alert-none'>No alert: nothing moved beyond its threshold.</p>"
        else:
            rows = "".join(
                f"<tr><td style='white-space:nowrap'>{esc(a.window)}</td>"
                f"<td style='color:{_KIND_STYLE.get(a.kind, '#333')};white-space:nowrap'>{esc(a.kind.replace('_', ' '))}</td>"
                f"<td>{esc(a.message)}</td></tr>" for a in res.alerts
            )
            body = ("<table class='aipm-alerts' style='border-collapse:collapse;width:100%'><thead><tr>"
                    "<th align='left'>Window</th><th align='left'>Kind</th><th align='left'>Alert</th></tr></thead>"
                    f"<tbody>{rows}</tbody></table>")
        chance = res.expected_chance_alerts()
        n_tests = int((res.drift.n > 0).values.sum())
        body += (f"<p style='font-size:12px;color:#555'>Chance alone would raise {chance_words(chance)} of these drift flags in "
                 f"{n_tests} feature-window tests ({esc(res.chance_basis())}).</p>")
        self.alerts.value = body
        notes = self.record_notes + res.notes
        self.notes.value = ("<details><summary>Data notes (handled, not alerted)</summary><ul>"
                            + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></details>") if notes else ""

    # ------------------------------------------------------------------ actions
    @guarded()
    def save_report(self) -> Path:
        """Save evidently's DataDriftPreset report for the chosen window as HTML (never shown inline)."""
        from ...core.io.evidently_report import save_drift_report

        w = self.window_pick.value
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(w))
        path = self.report_dir / f"drift_report_{safe}.html"
        self.messages.show(f"Writing evidently's report for {w} (takes a few seconds) ...", "info")
        save_drift_report(self.reference, self.current, self.result, w, path)
        self.messages.show(f"Saved evidently's drift report for {w} to {path}. Open it in a browser.", "success")
        return path

    @guarded()
    def save_decision(self):
        """Parse the triggers, re-evaluate them and save the monitoring decision to the record."""
        self.messages.clear()
        texts = [t.strip() for t in self.triggers_box.value.splitlines() if t.strip()]
        for t in texts:
            parse_trigger(t)  # raises a readable error before anything is saved
        self._recompute()
        if self.messages.errors:
            return None
        values = self.result.record_values(reference_description=self.reference_description)
        values["status"] = "decided"
        from ...core.record import update_section

        rec = update_section(self.record_path, "monitoring", values,
                             what=f"Monitoring decision: {len(texts)} trigger(s), {len(self.result.alerts)} alert(s) in the last run")
        self.messages.show(f"Saved the monitoring decision to {self.record_path}.", "success")
        return rec

"""``ThresholdExplorer``: choose the alert threshold with its costs, constraints and uncertainty in view.

A thin view over :class:`aipm_widgets.core.metrics.tradeoff.Tradeoff`: everything is precomputed once, and moving the
slider only looks up the counts at the new threshold (``O(log n)``) and moves the markers on the charts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np

from ...core.text import format as fmt
from ...core.errors import AipmError, InputDataError
from ...core.expectations.status import one_pager_status
from ...core.stats.rates import LABELS
from ...core.metrics.tradeoff import BaselineResult, OperatingPoint, Tradeoff, constraint_value, money_sentence, positive_scores
from ...core.metrics.value_check import ValueCheck, compare_value
from .._base import (HelpHTML, MessageArea, card, chart_later, default_record_path, esc, figure_widget, guarded,
                     move_traces)
from ..guides import how_to_read_html, plain_text

__all__ = ["ThresholdExplorer", "SET_BY_HAND", "HOW_TO_READ"]

_CARD_METRICS = ("recall", "precision", "fpr", "f1", "alert_rate")
_FEASIBLE = "rgba(46, 160, 67, 0.12)"
_PR_SIZE = (560, 330)  # width, height of the precision-recall chart (px)
_COST_SIZE = (940, 320)  # of the cost chart
SET_BY_HAND = "set by hand"
HOW_TO_READ = plain_text("metrics", "binary", "read")
"""The explorer's "How to read it" in plain text (the widget shows the guide's HTML, aipm_widgets/widgets/guides)."""
_fmt_t = fmt.threshold


class ThresholdExplorer(W.VBox):
    """The confusion-matrix trade-off explorer.

    Build it with :meth:`from_predictions` (labels and scores) or :meth:`from_estimator` (a fitted model).
    ``.result`` is the :class:`~aipm_widgets.core.metrics.tradeoff.OperatingPoint` at the current threshold;
    :meth:`set_threshold` moves it; :meth:`save` writes the decision to the record's ``metrics`` section.

    Examples
    --------
    >>> from aipm_widgets.core import demo
    >>> df = demo.load_fraud("validation")
    >>> ex = ThresholdExplorer.from_predictions(df["is_fraud"], df["score"], costs={"cost_fp": 5, "cost_fn": 250})
    >>> ex.set_threshold(0.1)
    >>> ex.result.confusion["tp"] > 0
    True
    """

    def __init__(
        self,
        tradeoff: Tradeoff | None,
        *,
        threshold: float | None = None,
        threshold_note: str | None = None,
        chosen_metric: str | None = None,
        baseline: BaselineResult | None = None,
        record_path: str | Path | None = None,
        data_source: str | None = None,
        max_points: int = 2000,
        error: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.messages = MessageArea()
        # How the page chose ``threshold`` ("saved by stage 4", "the starting point ..."): said while the explorer
        # stays there, instead of "set by hand", which nobody did.
        self._start: tuple[float, str] | None = (float(threshold), threshold_note) if threshold is not None and threshold_note else None
        self.tradeoff = tradeoff
        self.baseline = baseline
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.data_source = data_source
        self.result: OperatingPoint | None = None
        self.saved: dict | None = None
        if tradeoff is None:
            super().__init__([self.messages], **kwargs)
            self.add_class("aipm-threshold-explorer")
            self.messages.show(error or "No data to explore.", "error")
            return
        import plotly.graph_objects as go

        self._go = go
        self.grid = tradeoff.grid(max_points)
        self.chosen_metric = W.Dropdown(
            options=[("lowest cost", "cost"), ("best F1", "f1"), ("highest recall", "recall"), ("highest precision", "precision")]
            if tradeoff.has_costs else [("best F1", "f1"), ("highest recall", "recall"), ("highest precision", "precision")],
            value=chosen_metric or ("cost" if tradeoff.has_costs else "f1"),
            description="Decide on",
            layout=W.Layout(width="260px"),
        )
        self.slider = W.SelectionSlider(
            options=self._slider_options(),
            description="Threshold",
            continuous_update=True,
            layout=W.Layout(width="640px"),
            style={"description_width": "80px"},
        )
        self.best_button = W.Button(description="Go to the best threshold", icon="bullseye", layout=W.Layout(width="220px"))
        self.constraints_text = W.Text(
            value=", ".join(c.source or c.text for c in tradeoff._user_constraints),
            description="Constraints",
            placeholder="e.g. fnr<=0.05, precision>=0.2",
            layout=W.Layout(width="520px"),
            style={"description_width": "80px"},
        )
        costs = tradeoff.costs
        self.cost_fp = W.BoundedFloatText(value=costs.cost_fp if costs else 0.0, min=0, max=1e9, description="False alarm costs",
                                          style={"description_width": "120px"}, layout=W.Layout(width="220px"))
        from_value = bool(costs and costs.fn_cost_from_value)
        self.cost_fn = W.BoundedFloatText(value=costs.cost_fn if costs else 0.0, min=0, max=1e9, description="A miss costs",
                                          style={"description_width": "120px"}, layout=W.Layout(width="220px"))
        # A miss that costs its row's value has no single number: say so in words instead of a greyed-out 0.
        self.miss_cost_text = HelpHTML(f"<div style='padding:4px 8px'>A miss costs its own {esc(tradeoff.names['value'])} "
                                     f"(each row's value, {esc(tradeoff.costs.currency or 'no currency given')})</div>"
                                     if from_value else "")
        if from_value:
            self.cost_fn.layout.display = "none"
        self.threshold_choice = ""
        self._best: dict[str, tuple[float, str]] = {}
        self.value_check: ValueCheck | None = None
        self._stage1_value = self._read_stage1_value()
        self.apply_button = W.Button(description="Apply costs and constraints", icon="check", layout=W.Layout(width="240px"))
        self.who = W.Text(description="Your name", placeholder="who decides", layout=W.Layout(width="300px"))
        self.save_button = W.Button(description="Save to decision record", icon="save", button_style="primary",
                                    layout=W.Layout(width="240px"))
        self.headline = HelpHTML()
        self.cards = HelpHTML()
        self.constraint_status = HelpHTML()
        self.product_table = HelpHTML()
        self.group_table = HelpHTML()
        self.baseline_box = HelpHTML()
        self.notes = HelpHTML(self._notes_html())
        self.how_to_read = HelpHTML(how_to_read_html("metrics", "binary", positive=tradeoff.positive_name,
                                                     unit=tradeoff.unit))
        self.confusion_fig = self._confusion_figure()
        # The two plotly charts are built when they are drawn (on a Voila page after the controls: the cost curve and
        # plotly's first figure are a few tenths of a second of a page's start); reading pr_fig or cost_fig builds them.
        self._has_cost_chart = tradeoff.has_costs
        self._pr_fig = self._cost_fig = None
        charts = [self.confusion_fig, chart_later(lambda: self.pr_fig, height=_PR_SIZE[1], width=_PR_SIZE[0])]
        rows = [
            self.notes,
            self.headline,
            self.how_to_read,
            W.HBox([self.slider, self.chosen_metric, self.best_button]),
            W.HBox(charts),
        ]
        if self._has_cost_chart:
            rows.append(chart_later(lambda: self.cost_fig, height=_COST_SIZE[1], width=_COST_SIZE[0]))
        rows += [
            self.cards,
            self.constraint_status,
            W.HBox([self.constraints_text]),
            W.HBox([self.cost_fp, self.cost_fn, self.miss_cost_text, self.apply_button]),
            self.product_table,
            self.baseline_box,
            self.group_table,
            W.HBox([self.who, self.save_button]),
            self.messages,
        ]
        super().__init__(rows, **kwargs)
        self.add_class("aipm-threshold-explorer")
        self.slider.observe(self._on_slider, names="value")
        self.chosen_metric.observe(lambda _: self.result is not None and self._update(self.result.threshold), names="value")
        self.best_button.on_click(lambda _: self.go_to_best())
        self.apply_button.on_click(lambda _: self.apply_settings())
        self.save_button.on_click(lambda _: self.save())
        self._render_baseline()
        if threshold is not None:
            self.set_threshold(threshold)
        else:
            self.set_threshold(tradeoff.recommended_threshold()[0])

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        value: Any = None,
        groups: Any = None,
        costs: Any = None,
        constraints: Any = None,
        volume_per_day: float | None = None,
        positive: Any = None,
        baseline_rule: str | None = None,
        frame: Any = None,
        threshold: float | None = None,
        threshold_note: str | None = None,
        chosen_metric: str | None = None,
        record_path: str | Path | None = None,
        data_source: str | None = None,
        max_points: int = 2000,
        **tradeoff_kwargs: Any,
    ) -> "ThresholdExplorer":
        """The explorer for labels and scores; bad input gives a widget showing the problem in words.

        ``baseline_rule`` (e.g. ``"amount > 900"``) is evaluated on ``frame`` (a table with the rule's column,
        same rows) and shown on the same axes.
        """
        try:
            t = Tradeoff(y_true, y_score, value=value, groups=groups, costs=costs, constraints=constraints,
                         volume_per_day=volume_per_day, positive=positive, **tradeoff_kwargs)
            base = t.baseline(baseline_rule, frame) if baseline_rule else None
            if baseline_rule and frame is None:
                raise InputDataError("A baseline rule needs the table with its column: pass frame=...")
        except AipmError as exc:
            return cls(None, error=str(exc), record_path=record_path)
        return cls(t, threshold=threshold, threshold_note=threshold_note, chosen_metric=chosen_metric, baseline=base,
                   record_path=record_path, data_source=data_source, max_points=max_points)

    @classmethod
    def from_estimator(cls, estimator: Any, X: Any, y: Any, **kwargs: Any) -> "ThresholdExplorer":
        """Score ``X`` with a fitted classifier and hand off to :meth:`from_predictions`."""
        try:
            scores = positive_scores(estimator, X)
        except AipmError as exc:
            return cls(None, error=str(exc), record_path=kwargs.get("record_path"))
        if kwargs.get("baseline_rule") and kwargs.get("frame") is None and hasattr(X, "columns"):
            kwargs["frame"] = X
        return cls.from_predictions(y, scores, **kwargs)

    def to_estimator(self, fitted_model: Any):
        """scikit-learn's ``FixedThresholdClassifier`` alerting at the chosen threshold (``score >= threshold``)."""
        from sklearn.model_selection import FixedThresholdClassifier

        method = "predict_proba" if hasattr(fitted_model, "predict_proba") else "decision_function"
        return FixedThresholdClassifier(fitted_model, threshold=self.threshold, response_method=method)

    @property
    def threshold(self) -> float | None:
        return None if self.result is None else self.result.threshold

    # -- figures -----------------------------------------------------------------------------------------
    @property
    def pr_fig(self):
        """The precision-recall chart (a plotly FigureWidget), built on first use."""
        if self._pr_fig is None:
            self._build_charts()
        return self._pr_fig

    @property
    def cost_fig(self):
        """The expected-cost chart (a plotly FigureWidget), built on first use; None without a cost model."""
        if self._pr_fig is None:
            self._build_charts()
        return self._cost_fig

    def _build_charts(self) -> None:
        """Both plotly charts at the explorer's current state (threshold, constraints, costs)."""
        self._pr_fig = self._pr_figure()
        self._cost_fig = self._cost_figure() if self._has_cost_chart else None
        self._draw_feasible()
        if self.result is not None:
            self._draw_charts(self.result)

    def _confusion_figure(self) -> W.HTML:
        """The 2x2 matrix as an HTML table (shaded like a heatmap on log counts): one small message per slider move,
        where a plotly heatmap cost four (restyle, its reset, two edit ids) and a redraw (issue 13)."""
        view = W.HTML(layout=W.Layout(width="380px", min_width="380px"))
        view.add_class("aipm-confusion-matrix")
        return view

    def _confusion_html(self, p: OperatingPoint) -> str:
        c, n = p.confusion, p.n
        per = {k: c[k] / n * 1000 for k in ("tn", "fp", "fn", "tp")}
        top = max(np.log1p(list(per.values())))

        def cell(k: str) -> str:
            share = float(np.log1p(per[k]) / top) if top > 0 else 0.0
            rgb = [round(a + (b - a) * share) for a, b in zip((0xF4, 0xF6, 0xFB), (0x3B, 0x6F, 0xB6))]
            ink = "#fff" if share > 0.6 else "#1b2a3a"
            return (f"<td class='aipm-cell-{k}' style='background:rgb({rgb[0]},{rgb[1]},{rgb[2]});color:{ink};"
                    f"width:110px;height:96px;text-align:center;font-size:13px'>{k.upper()} {fmt.count(c[k])}<br>"
                    f"{fmt.number(per[k], 1)} per 1,000</td>")

        pos = esc(self.tradeoff.positive_name)
        th = "style='font-weight:normal;color:#2a3f5f;font-size:12px;padding:0 6px'"
        from ...core.text.glossary import term

        return (f"<div style='font-size:14px;color:#2a3f5f;margin:10px 0 6px 20px'>{term('confusion_matrix', 'Confusion matrix')} "
                "(counts; per 1,000)</div>"
                "<table style='border-collapse:collapse;margin-left:10px'>"
                f"<tr><th {th}>not {pos}</th>{cell('tn')}{cell('fp')}</tr>"
                f"<tr><th {th}>{pos}</th>{cell('fn')}{cell('tp')}</tr>"
                f"<tr><td></td><th {th}>no alert</th><th {th}>alert</th></tr></table>")

    def _pr_figure(self):
        go = self._go
        sw = self.tradeoff.sweep(self.grid)
        self._grid_sweep = sw
        data = [go.Scatter(x=sw["recall"], y=sw["precision"], mode="lines", name="model", line=dict(color="#3b6fb6"),
                           customdata=[fmt.threshold(x) for x in self.grid],
                           hovertemplate="threshold %{customdata}<br>recall %{x:.1%}<br>precision %{y:.1%}<extra></extra>"),
                go.Scatter(x=[], y=[], mode="lines", name="meets constraints", line=dict(color="#2ea043", width=6),
                           opacity=0.5, hoverinfo="skip")]
        b = self.baseline
        if b is not None:
            if b.curve is not None:
                data.append(go.Scatter(x=b.curve["recall"], y=b.curve["precision"], mode="lines", name="rule, any cut-off",
                                       line=dict(color="#b36b00", dash="dot"), hoverinfo="skip"))
            data.append(go.Scatter(x=[b.metrics["recall"].value], y=[b.metrics["precision"].value], mode="markers",
                                   name=f"rule: {b.rule}", marker=dict(symbol="diamond", size=12, color="#b36b00")))
        data.append(go.Scatter(x=[], y=[], mode="markers", name="current threshold",
                               marker=dict(size=13, color="#d62728", line=dict(color="white", width=1)),
                               error_x=dict(type="data", symmetric=False, array=[0], arrayminus=[0], color="#d62728"),
                               error_y=dict(type="data", symmetric=False, array=[0], arrayminus=[0], color="#d62728")))
        fig = figure_widget(
            data=data,
            layout=dict(title=dict(text="Precision vs recall (bars: 95% intervals)", font=dict(size=14)), width=_PR_SIZE[0], height=_PR_SIZE[1],
                        margin=dict(l=50, r=10, t=40, b=40), xaxis=dict(title="recall (share of positives caught)", range=[0, 1.02]),
                        yaxis=dict(title="precision", range=[0, 1.02]), legend=dict(x=0.99, xanchor="right", y=0.99, font=dict(size=10))),
        )
        self._pr_marker = len(data) - 1
        return fig

    def _x_axis(self) -> dict:
        g = self.grid
        if g[0] > 0 and g[-1] / g[0] > 100:
            return dict(title="threshold (log scale)", type="log")
        return dict(title="threshold")

    def _cost_figure(self):
        go = self._go
        cc = self.tradeoff.cost_curve(self.grid)
        self._cost_curve = cc
        cur = self.tradeoff.costs.currency or ""
        in_cur = f" ({esc(cur)})" if cur else ""
        lo, hi = float(np.nanmin(cc["low"])), float(np.nanmax(cc["high"]))
        self._cost_range = (lo, hi)
        data = [
            go.Scatter(x=self.grid, y=cc["high"], mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False),
            go.Scatter(x=self.grid, y=cc["low"], mode="lines", line=dict(width=0), fill="tonexty",
                       fillcolor="rgba(59,111,182,0.2)", name="95% band", hoverinfo="skip"),
            go.Scatter(x=self.grid, y=cc["cost_per_1000"], mode="lines", name="expected cost", line=dict(color="#3b6fb6"),
                       customdata=[fmt.threshold(x) for x in self.grid],
                       hovertemplate=f"threshold %{{customdata}}<br>{esc(cur)} %{{y:,.0f}} per 1,000<extra></extra>"),
        ]
        if self.baseline is not None and self.baseline.cost_per_1000 is not None:
            data.append(go.Scatter(x=[self.grid[0], self.grid[-1]], y=[self.baseline.cost_per_1000] * 2, mode="lines",
                                   name=f"rule: {self.baseline.rule}", line=dict(color="#b36b00", dash="dash")))
        data.append(go.Scatter(x=[], y=[], mode="lines", name="current threshold", line=dict(color="#d62728", width=2)))
        fig = figure_widget(
            data=data,
            layout=dict(title=dict(text=f"Expected cost per 1,000 decisions{in_cur}; green: thresholds meeting the constraints",
                                   font=dict(size=14)), width=_COST_SIZE[0], height=_COST_SIZE[1], margin=dict(l=70, r=10, t=40, b=45),
                        xaxis=self._x_axis(), yaxis=dict(title=f"{esc(cur)} per 1,000".strip(), range=[min(0, lo), hi * 1.05 if hi > 0 else 1]),
                        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right", font=dict(size=10))),
        )
        self._cost_marker = len(data) - 1
        return fig

    def _draw_feasible(self) -> None:
        if self._pr_fig is None:
            return  # not built yet: built with the constraints of the moment
        t = self.tradeoff
        sw = self._grid_sweep
        if t.constraints:
            ok = np.ones(len(self.grid), dtype=bool)
            for c in t.constraints:
                ok &= c.satisfied(sw[c.metric])
            rec = np.where(ok, sw["recall"], np.nan)
            prec = np.where(ok, sw["precision"], np.nan)
        else:
            rec = prec = []
        with self.pr_fig.batch_update():
            self.pr_fig.data[1].x = rec
            self.pr_fig.data[1].y = prec
        if self.cost_fig is not None:
            shapes = []
            for lo, hi in t.feasibility().intervals[:25] if t.constraints else []:
                shapes.append(dict(type="rect", xref="x", yref="paper", x0=lo, x1=hi if hi > lo else lo * 1.0001 + 1e-9,
                                   y0=0, y1=1, fillcolor=_FEASIBLE, line=dict(width=0), layer="below"))
            self.cost_fig.layout.shapes = shapes

    def _slider_options(self) -> list[tuple[str, float]]:
        return [(_fmt_t(t), float(t)) for t in self.grid[:-1]] + [("no alerts", float(self.grid[-1]))]

    def _read_stage1_value(self):
        try:
            from ...core.record import load_record  # the record's models load when needed, not on import

            record = load_record(self.record_path, create=False) if self.record_path.exists() else None
        except (AipmError, OSError):
            return None
        value = getattr(getattr(record, "scoping", None), "value", None)
        if value is None or (value.low is None and value.high is None):
            return None
        return value

    # -- updates ---------------------------------------------------------------------------------------
    def _on_slider(self, change) -> None:
        self._update(change["new"])

    @guarded()
    def set_threshold(self, threshold: float) -> None:
        """Move to ``threshold`` (the slider snaps to the nearest grid point; the numbers use the exact value)."""
        threshold = float(threshold)
        if not np.isfinite(threshold):
            raise InputDataError(f"The threshold must be a number, not {threshold!r}.")
        if not np.any(self.grid == threshold):
            # The slider shows exactly the threshold the numbers use (never a nearby grid point).
            self.grid = np.insert(self.grid, int(np.searchsorted(self.grid, threshold)), threshold)
            self.slider.unobserve(self._on_slider, names="value")
            try:
                self.slider.options = self._slider_options()
            finally:
                self.slider.observe(self._on_slider, names="value")
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
        point = self.tradeoff.at(threshold, reps=1000)
        self.result = point
        self.threshold_choice = self._choice(point)
        self.value_check = None
        if self._stage1_value is not None and point.money is not None and point.money.per_month is not None:
            v, pm = self._stage1_value, point.money.per_month
            self.value_check = compare_value(v.low, v.high, v.unit, prevented_per_month=pm["prevented"],
                                             net_per_month=pm["net_value"], currency=point.money.currency)
        self._draw(point)

    def _choice(self, point: OperatingPoint) -> str:
        """How the current threshold was chosen, in words: the chosen metric's best, or set by hand."""
        metric = self.chosen_metric.value
        if metric not in self._best:  # O(n) once per metric and cost model, not on every slider move
            self._best[metric] = self.tradeoff.best_threshold(metric)
        best, reason = self._best[metric]
        if self.tradeoff.curve.counts(best) == point.confusion:
            return reason
        if self._start is not None and self.tradeoff.curve.counts(self._start[0]) == point.confusion:
            return self._start[1]
        return SET_BY_HAND

    def _draw(self, p: OperatingPoint) -> None:
        # Words first, charts last: the browser applies messages in order and a chart's redraw holds its main thread
        # for tens of milliseconds, so the numbers a person reads change before the charts move (issue 13).
        self.headline.value = self._headline_html(p)
        self.confusion_fig.value = self._confusion_html(p)
        self.cards.value = self._cards_html(p)
        self.constraint_status.value = self._constraints_html(p)
        self.product_table.value = self._product_html(p)
        self.group_table.value = self._groups_html(p)
        if self._pr_fig is not None:  # not built yet: built at this point when drawn
            self._draw_charts(p)

    def _draw_charts(self, p: OperatingPoint) -> None:
        # The two markers move without redrawing their charts (move_traces: the charts' share of a move in the browser,
        # 66 to 70 ms down to 22 to 24 ms on the 2-core machine).
        r, pr = p.metrics["recall"], p.metrics["precision"]
        ok = np.isfinite(pr.value)
        move_traces(self.pr_fig, {self._pr_marker: {
            "x": [r.value], "y": [pr.value if ok else 0],
            "error_x.array": [max((r.high or r.value) - r.value, 0)],
            "error_x.arrayminus": [max(r.value - (r.low or r.value), 0)],
            "error_y.array": [max((pr.high or pr.value) - pr.value, 0) if ok else 0],
            "error_y.arrayminus": [max(pr.value - (pr.low or pr.value), 0) if ok else 0],
        }})
        if self._cost_fig is not None:
            move_traces(self._cost_fig, {self._cost_marker: {"x": [p.threshold, p.threshold],
                                                             "y": list(self._cost_fig.layout.yaxis.range)}})

    # -- HTML parts (every user-given text escaped) ----------------------------------------------------
    def _notes_html(self) -> str:
        notes = list(self.tradeoff.notes)
        if not notes:
            return ""
        return "".join(f"<div style='color:#7a4d00;font-size:12px'>Note: {esc(n)}</div>" for n in notes)

    def _headline_html(self, p: OperatingPoint) -> str:
        """The answer in words: the threshold and how it was chosen, what it does per 1,000, and what it costs."""
        c = p.confusion
        nf = p.natural_frequencies
        parts = [
            f"<div style='font-size:16px;margin:6px 0'><b>Alert when the score is at least {esc(_fmt_t(p.threshold))} "
            f"({esc(self.threshold_choice)}).</b> {esc(nf.sentence())}</div>",
        ]
        if p.money is not None:
            parts.append(f"<div class='aipm-money' style='font-size:14px;margin:2px 0'>{esc(money_sentence(p.money))}</div>")
        if p.constraints_satisfied is False:
            unmet = "; ".join(f"{s['constraint']} reaches {constraint_value(s['metric'], s['value'], currency=p.currency)}"
                              for s in p.constraints if not s["satisfied"])
            parts.append(f"<div class='aipm-unmet' style='color:#8a1c1c'>&#9888; Not every constraint is met here: {esc(unmet)}.</div>")
        if self.value_check is not None:
            tone = "#1e5e2f" if self.value_check.agrees else "#7a4d00"
            parts.append(f"<div class='aipm-value-check' style='color:{tone};font-size:13px'>{esc(self.value_check.sentence())}</div>")
        parts.append(
            f"<div class='aipm-confusion-counts' style='font-size:13px;color:#333'>At threshold {esc(_fmt_t(p.threshold))} "
            f"on {fmt.count(p.n)} rows: <span class='tp'>{fmt.count(c['tp'])} caught</span> (TP), "
            f"<span class='fn'>{fmt.count(c['fn'])} missed</span> (FN), <span class='fp'>{fmt.count(c['fp'])} false alarms</span> "
            f"(FP), <span class='tn'>{fmt.count(c['tn'])} correctly left alone</span> (TN).</div>"
        )
        return "".join(parts)

    def _cards_html(self, p: OperatingPoint) -> str:
        parts = []
        for k in _CARD_METRICS:
            e = p.metrics[k]
            detail = f"95% interval {fmt.interval(e.low, e.high)}" if e.low is not None else "no interval"
            parts.append(card(LABELS[k], fmt.percent(e.value), detail))
        acc = p.metrics["accuracy"]
        parts.append(card("Accuracy (misleading when positives are rare)", fmt.percent(acc.value),
                          f"alerting on nothing scores {fmt.percent(1 - self.tradeoff.prevalence)}", tone="warning"))
        if "alerts_per_day" in p.metrics:
            e = p.metrics["alerts_per_day"]
            parts.append(card("Alerts per day", fmt.count(e.value), f"95% interval {fmt.interval(e.low, e.high, fmt.count)}"))
        money = lambda x: fmt.money(x, p.currency)  # noqa: E731
        if p.cost_per_1000 is not None:
            e = p.cost_per_1000
            parts.append(card("Cost per 1,000 decisions", money(e.value), f"95% interval {fmt.interval(e.low, e.high, money)}"))
        if p.cost_per_month is not None:
            e = p.cost_per_month
            parts.append(card("Cost per month", money(e.value), f"95% interval {fmt.interval(e.low, e.high, money)}"))
        warn = "".join(f"<div style='color:#7a4d00'>&#9888; {esc(w)}</div>" for w in p.warnings)
        return f"<div class='aipm-metric-cards'>{''.join(parts)}</div>{warn}"

    def _constraints_html(self, p: OperatingPoint) -> str:
        t = self.tradeoff
        if not t.constraints:
            return "<div style='color:#555'>No constraints set. Add the product's limits below (e.g. <code>fnr&lt;=0.05</code>).</div>"
        items = []
        for s in p.constraints:
            ok = s["satisfied"]
            icon, color = ("&#10004;", "#1e5e2f") if ok else ("&#10008;", "#8a1c1c")
            val = constraint_value(s["metric"], s["value"], currency=p.currency)
            gap = "" if ok else f", short by {constraint_value(s['metric'], s['shortfall'], gap=True, currency=p.currency)}"
            items.append(f"<li style='color:{color}'>{icon} {esc(s['constraint'])}: here {esc(val)}{esc(gap)}</li>")
        feas = t.feasibility()
        tone = "#1e5e2f" if feas.feasible else "#8a1c1c"
        return (f"<div class='aipm-constraints'><b>Constraints at this threshold</b><ul style='margin:2px 0'>{''.join(items)}</ul>"
                f"<div style='color:{tone}'>{esc(feas.describe())}</div></div>")

    def _product_html(self, p: OperatingPoint) -> str:
        if not p.product:
            return ""
        rows = []
        for r in p.product:
            e = r["estimate"]
            m = p.metrics[r["model_metric"]]
            if r["unit"] in ("hours", "customers"):
                show = lambda x: fmt.count(x)  # noqa: E731
                unit = f" {r['unit']}"
            else:
                show = lambda x: fmt.money(x, r["unit"] or None)  # noqa: E731
                unit = ""
            rows.append(
                f"<tr><td>{esc(LABELS.get(r['model_metric'], r['model_metric']))}: {esc(fmt.estimate(m.value, m.low, m.high))}</td>"
                f"<td>&#8594;</td><td><b>{esc(r['product_metric'])}</b>: {esc(show(e.value))}{esc(unit)} "
                f"<span style='color:#555'>({esc(fmt.interval(e.low, e.high, show))})</span></td>"
                f"<td style='color:#666;font-size:11px'>{esc(r['how'])}</td></tr>"
            )
        return ("<div class='aipm-product-metrics'><b>Model metric &#8594; product metric</b>"
                f"<table style='border-collapse:collapse;font-size:13px'>{''.join(rows)}</table></div>")

    def _groups_html(self, p: OperatingPoint) -> str:
        g = p.groups
        if g is None:
            return ""
        head = "<tr><th>group</th><th>rows</th><th>positives</th><th>recall (TPR)</th><th>FPR</th><th>precision</th><th>alert rate</th></tr>"
        body = []
        pct = fmt.percent
        for r in g.rows:
            tpr_ci = r["tpr_ci"]
            small = " <span style='color:#7a4d00'>(small)</span>" if r["small"] else ""
            body.append(
                f"<tr><td>{esc(r['group'])}{small}</td><td>{fmt.count(r['n'])}</td><td>{fmt.count(r['positives'])}</td>"
                f"<td>{pct(r['tpr'])} <span style='color:#666;font-size:11px'>({pct(tpr_ci[0])}&ndash;{pct(tpr_ci[1])})</span></td>"
                f"<td>{pct(r['fpr'])}</td><td>{pct(r['precision'])}</td><td>{pct(r['selection_rate'])}</td></tr>"
            )
        gaps = ", ".join(f"{esc(k)} {fmt.points(v)} (ratio {fmt.number(g.ratio[k], 2)})" for k, v in g.difference.items())
        flags = "".join(f"<div style='color:#8a1c1c'>&#9888; {esc(f)}</div>" for f in g.flags)
        return (f"<div class='aipm-group-table'><b>By {esc(self.tradeoff.names['group'])}</b>"
                f"<table style='border-collapse:collapse;font-size:13px' cellpadding='3'>{head}{''.join(body)}</table>"
                f"<div style='font-size:12px'>Largest gaps between groups: {gaps}</div>{flags}</div>")

    def _render_baseline(self) -> None:
        if self.baseline is None:
            self.baseline_box.value = ""
            return
        b = self.baseline
        cost = ""
        if b.cost_per_1000 is not None:
            cur = self.tradeoff.costs.currency if self.tradeoff.costs else None
            cost = (f" The rule costs {fmt.money(b.cost_per_1000, cur)} per 1,000 decisions; the model with as many "
                    f"alerts {fmt.money(b.model_cost_per_1000_same_alerts, cur)}.")
        self.baseline_box.value = (f"<div class='aipm-baseline'><b>Do we need ML at all?</b> {esc(b.verdict())}{esc(cost)}</div>")

    # -- actions ---------------------------------------------------------------------------------------
    @guarded()
    def go_to_best(self) -> None:
        """Jump to the best threshold for the chosen metric (inside the constraints when they can be met)."""
        t, reason = self.tradeoff.best_threshold(self.chosen_metric.value)
        self.set_threshold(t)
        self.messages.show(f"Moved to threshold {_fmt_t(t)}: {reason}.", "info")

    @guarded()
    def apply_settings(self) -> None:
        """Apply the typed constraints and costs (both checked first; nothing changes on an error)."""
        t = self.tradeoff
        old_costs, old_constraints = t.costs, list(t._user_constraints)
        try:
            t.set_constraints(self.constraints_text.value)
            if t.costs is not None or self.cost_fp.value or self.cost_fn.value:
                base = t.costs.to_record() if t.costs is not None else {}
                t.set_costs({**base, "cost_fp": self.cost_fp.value, "cost_fn": self.cost_fn.value})
        except AipmError:
            t.costs = old_costs
            t.__dict__.pop("everywhere", None)
            t.set_constraints(old_constraints)
            raise
        if self._cost_fig is not None:  # (not built yet: built with the new costs)
            cc = t.cost_curve(self.grid)
            with self.cost_fig.batch_update():
                for i in range(3):  # the grid may have gained the decided threshold since the figure was drawn
                    self.cost_fig.data[i].x = self.grid
                self.cost_fig.data[2].customdata = [fmt.threshold(x) for x in self.grid]
                self.cost_fig.data[0].y = cc["high"]
                self.cost_fig.data[1].y = cc["low"]
                self.cost_fig.data[2].y = cc["cost_per_1000"]
                hi = float(np.nanmax(cc["high"]))
                self.cost_fig.layout.yaxis.range = [min(0, float(np.nanmin(cc["low"]))), hi * 1.05 if hi > 0 else 1]
        if self._pr_fig is not None:
            self._grid_sweep = t.sweep(self.grid)
        self._best = {}
        self._draw_feasible()
        self._update(self.result.threshold if self.result else float(self.slider.value))
        self.messages.show(f"Applied: {t.feasibility().describe()}", "info")

    def record_values(self, *, summary: str | None = None) -> dict:
        """The ``metrics`` section fields :meth:`save` writes."""
        values = self.tradeoff.record_values(self.result, chosen_metric=self.chosen_metric.value, baseline=self.baseline,
                                             data_source=self.data_source, summary=summary,
                                             threshold_choice=self.threshold_choice)
        if self.value_check is not None:
            values["value_check"] = self.value_check.to_json()
        return values

    @guarded()
    def save(self, who: str | None = None) -> None:
        """Write the threshold, chosen metric, costs, constraints and measured numbers to the record."""
        if self.result is None:
            raise InputDataError("Nothing to save yet: choose a threshold first.")
        who = who or (self.who.value.strip() or None)
        values = self.record_values()
        what = f"Chose alert threshold {_fmt_t(self.result.threshold)} ({self.threshold_choice})"
        from ...core.record import update_section

        record = update_section(self.record_path, "metrics", values, what=what, who=who)
        self.saved = values
        status = one_pager_status(record)
        review = f" {status.sentence}" if status is not None and status.state == "review" else ""
        if self.result.constraints_satisfied is False:
            unmet = "; ".join(f"{s['constraint']} reaches {constraint_value(s['metric'], s['value'], currency=self.result.currency)}"
                              for s in self.result.constraints if not s["satisfied"])
            self.messages.show(f"Saved to {self.record_path}: {what}, but NOT every constraint is met at this threshold "
                               f"({unmet}). The record says so (constraints_satisfied: false). {values['summary']}{review}", "warning")
            return
        self.messages.show(f"Saved to {self.record_path}: {what}. {values['summary']}{review}", "warning" if review else "success")

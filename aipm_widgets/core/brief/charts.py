"""Static plotly charts for the product brief (drawn from the record; no widget state).

plotly.js is embedded once, in the first chart (``include_plotlyjs=True``), and the later charts reuse
it (``include_plotlyjs=False``), so the brief is one self-contained file that never fetches anything.
Group and feature names come from the record: plotly renders trace text as SVG text (never as HTML
markup), and hover labels are set from escaped strings.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

__all__ = ["CHART_KEYS", "brief_charts"]

CHART_KEYS = ("scoping", "metrics", "fairness", "monitoring")
_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "staticPlot": False}
_RATES = ("recall", "precision", "fpr", "fnr", "alert_rate")


def _e(text: Any) -> str:
    # plotly interprets a few HTML-like tags (<b>, <br>, <a>) in text: escape record text.
    return html.escape("" if text is None else str(text), quote=True)


def _layout(fig, title: str, height: int = 320) -> None:
    fig.update_layout(title={"text": _e(title), "font": {"size": 14}}, height=height, margin={"l": 60, "r": 20, "t": 40, "b": 60},
                      template="plotly_white", showlegend=False, font={"size": 11})


def _scoping(record: Any):
    import plotly.graph_objects as go

    cands = sorted(record.scoping.candidates, key=lambda c: c.rank or 99)
    if not cands:
        return None
    names = [_e(c.name or c.id) for c in cands]
    x = [c.composite or 0 for c in cands]
    fig = go.Figure(go.Bar(
        orientation="h", y=names, x=x,
        error_x={"type": "data", "symmetric": False,
                 "array": [max((c.composite_high or v) - v, 0) for c, v in zip(cands, x)],
                 "arrayminus": [max(v - (c.composite_low or v), 0) for c, v in zip(cands, x)], "color": "#444"},
        marker_color=["#1e5e2f" if c.verdict == "strong_ai_candidate" else "#9aa5b1" for c in cands],
        hovertext=[_e(c.verdict_label or c.verdict) for c in cands], hoverinfo="text+x",
    ))
    _layout(fig, "Candidate scores (0-100) with the 10-90% range when any score is off by one", 80 + 40 * len(cands))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 100])
    return fig


_RATE_LABELS = {
    "recall": "Recall<br>(positives caught)", "precision": "Precision<br>(alerts that are real)",
    "fpr": "False-alarm rate<br>(FPR)", "fnr": "Miss rate<br>(FNR)", "alert_rate": "Alert rate<br>(share flagged)",
}


def _metrics(record: Any):
    """The headline chart: the decision's rates with 95% intervals, each bar labelled with its own name and value.

    Accuracy is left out: on rare positives it is high whatever the model does, and beside the error rates it
    reads as the tallest (best) bar.
    """
    import plotly.graph_objects as go

    from ..text.format import percent, threshold

    m = record.metrics.metrics
    items = [(k, m[k]) for k in _RATES if k in m and m[k].value is not None]
    if not items:
        return None
    labels = [_RATE_LABELS[k] for k, _ in items]  # our own fixed labels (plotly's <br> line break)
    fig = go.Figure(go.Bar(
        x=labels, y=[v.value for _, v in items], marker_color=["#1d4b7a" if k in ("recall", "precision") else "#b35c00"
                                                                for k, _ in items],
        text=[percent(v.value) for _, v in items], textposition="auto", cliponaxis=False,  # inside when it fits: clear of the error bar
        error_y={"type": "data", "symmetric": False,
                 "array": [max((v.high if v.high is not None else v.value) - v.value, 0) for _, v in items],
                 "arrayminus": [max(v.value - (v.low if v.low is not None else v.value), 0) for _, v in items], "color": "#444"},
    ))
    fig.update_xaxes(type="category")
    _layout(fig, f"Rates at threshold {threshold(record.metrics.threshold)} with 95% intervals (blue: higher is better; "
                 "orange: lower is better)")
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%")
    return fig


def _fairness(record: Any):
    import plotly.graph_objects as go

    f = record.ethics.fairness
    if f is None or not f.groups:
        return None
    groups = [g for g in f.groups if g.get("selection_rate") is not None]
    if not groups:
        return None
    y = [g["selection_rate"] for g in groups]
    ci = [(g.get("ci") or {}).get("selection_rate") or [v, v] for g, v in zip(groups, y)]
    flagged = set(f.flagged_groups)
    fig = go.Figure(go.Bar(
        x=[_e(g.get("group")) for g in groups], y=y,
        marker_color=["#c0392b" if str(g.get("group")) in flagged else "#1d4b7a" for g in groups],
        error_y={"type": "data", "symmetric": False, "array": [max(c[1] - v, 0) for c, v in zip(ci, y)],
                 "arrayminus": [max(v - c[0], 0) for c, v in zip(ci, y)], "color": "#444"},
    ))
    fig.update_xaxes(type="category")  # group names such as "2020" stay names
    from ..text.format import threshold

    _layout(fig, f"Selection rate by {' x '.join(f.group_columns)} at threshold {threshold(f.threshold)} "
                 "(red: fails the four-fifths rule)")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def _monitoring(record: Any):
    import plotly.graph_objects as go

    alerts = record.monitoring.alerts
    if not alerts:
        return None
    windows = sorted({a.window for a in alerts})
    kinds = sorted({a.kind for a in alerts})
    fig = go.Figure()
    for kind in kinds:
        fig.add_trace(go.Bar(name=_e(kind), x=[_e(w) for w in windows],
                             y=[sum(1 for a in alerts if a.window == w and a.kind == kind) for w in windows]))
    _layout(fig, "Alerts of the last monitoring run, per window")
    fig.update_layout(barmode="stack", showlegend=True)
    fig.update_xaxes(type="category")  # "2025-09" is a window label, not a date
    return fig


_BUILDERS = {"scoping": _scoping, "metrics": _metrics, "fairness": _fairness, "monitoring": _monitoring}


def brief_charts(record: Any, keys: Iterable[str] | None = None) -> dict[str, str]:
    """HTML fragments by chart key; plotly.js is inlined in the first one only."""
    out: dict[str, str] = {}
    first = True
    for key in (keys if keys is not None else CHART_KEYS):
        builder = _BUILDERS.get(key)
        fig = builder(record) if builder else None
        if fig is None:
            continue
        out[key] = fig.to_html(full_html=False, include_plotlyjs=first, config=_CONFIG,
                               div_id=f"aipm-brief-chart-{key}")
        first = False
    return out

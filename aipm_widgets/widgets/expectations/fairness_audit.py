"""``FairnessAudit``: per-group rates at a threshold, the four-fifths rule, and the team's response."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import ipywidgets as W
import pandas as pd

from ...core.errors import AipmError
from ...core.expectations.fairness import (
    FAILS,
    INCONCLUSIVE,
    MAX_GROUPS,
    METRIC_NAMES,
    METRICS,
    PASSES,
    FairnessData,
    FairnessResult,
    four_fifths_phrase,
    prepare,
)
from ...core.text.format import count, interval, number, points, threshold as threshold_fmt
from ...core.text.glossary import glossary_html, terms_in
from .._base import MessageArea, card, default_record_path, esc, guarded, chart, figure_widget

__all__ = ["FairnessAudit"]

_NONE = "(none)"
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
MAX_RESPONSE_CHARS = 20_000


def _group_candidates(frame: pd.DataFrame, exclude: Sequence[str]) -> list[str]:
    out: list[str] = []
    for col in frame.columns:
        if col in exclude:
            continue
        series = frame[col]
        if series.dtype.kind in "fc":
            continue  # continuous numbers are not groups (bin them first)
        k = series.nunique(dropna=False)
        if 2 <= k <= MAX_GROUPS and k < max(len(frame) // 2, 3):
            out.append(str(col))
    # Text columns (gender, age band) before numeric codes.
    return sorted(out, key=lambda c: frame[c].dtype.kind in "biu")


class FairnessAudit(W.VBox):
    """Audit a model's decisions by group at a threshold; save the findings and the team's response.

    Parameters
    ----------
    data : DataFrame, optional
        One row per person with the true label, the model's score and group columns
        (default: the demo's resume-screening data).
    label, score : str
        Column names of the true label (0/1 or two values with ``positive``) and the score.
    group : str, optional
        The first group column (default: the first candidate, ``gender`` on the demo).
    second_group : str, optional
        A second group column: the audit then covers each intersection (``woman × 45+``).
    threshold : float
        A person is selected when their score is >= the threshold.
    reference : str, optional
        The group the others are compared with (default: the largest group).
    record_path : path, optional
        The decision record (default ``$AIPM_RECORD`` or ``decision_record.yaml``); the findings and the
        team's response are saved to its ``ethics`` section.

    Examples
    --------
    >>> audit = FairnessAudit(record_path="/tmp/aipm-doctest-fairness.yaml", load_saved=False)
    >>> audit.result.four_fifths["passed"]
    False
    """

    def __init__(
        self,
        data: pd.DataFrame | None = None,
        *,
        label: str = "qualified",
        score: str = "score",
        group: str | None = None,
        second_group: str | None = None,
        threshold: float = 0.5,
        reference: str | None = None,
        positive: Any = None,
        record_path: str | Path | None = None,
        dataset_name: str | None = None,
        load_saved: bool = True,
        **kwargs: Any,
    ) -> None:
        if data is None:
            from ...core import demo

            data = demo.load_resume()
            bias = demo.demo_card()["resume"]["injected_bias"]
            group = group or bias["group_column"]
            reference = reference or bias["reference"]
            dataset_name = dataset_name or "demo resume-screening data (4,000 applicants, screening model's score)"
        self.frame = data
        self.label, self.score, self.positive = label, score, positive
        self.dataset_name = dataset_name or "the data given"
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.result: FairnessResult | None = None
        self._data: FairnessData | None = None

        self.messages = MessageArea()
        candidates = _group_candidates(data, [label, score])
        first = group if group is not None else (candidates[0] if candidates else None)
        if first is not None and first not in candidates:
            candidates = [first, *candidates]
        wide = {"description_width": "initial"}
        self.group_picker = W.Dropdown(options=candidates, value=first, description="Group by", style=wide)
        second_options = [_NONE, *[c for c in candidates if c != first]]
        self.second_picker = W.Dropdown(
            options=second_options, value=second_group if second_group in second_options else _NONE, description="and by", style=wide
        )
        self.reference_picker = W.Dropdown(options=[], description="Compare with", style=wide)
        lo, hi = 0.0, 1.0
        if score in data.columns and pd.api.types.is_numeric_dtype(data[score]):
            finite = data[score][pd.notna(data[score])]
            if len(finite) and (finite.min() < 0 or finite.max() > 1):
                lo, hi = float(finite.min()), float(finite.max())
        self.threshold_slider = W.FloatSlider(
            value=min(max(float(threshold), lo), hi), min=lo, max=hi, step=(hi - lo) / 100, description="Threshold",
            continuous_update=False, readout_format=".2f", style={"description_width": "initial"},
            layout=W.Layout(width="420px"),
        )
        self.cards = W.HTML()
        self.reference_note = W.HTML()
        self.table = W.HTML()
        self.findings_html = W.HTML()
        self.figure = self._make_figure()
        self.response = W.Textarea(
            placeholder="What will the team do about these findings? Who owns it, by when? "
            "(e.g. retrain without the proxy feature; review every rejected woman applicant by hand until then)",
            layout=W.Layout(width="100%", height="110px"),
            continuous_update=False,
        )
        self.response_preview = W.HTML()
        self.save_button = W.Button(description="Save findings and response", button_style="primary", icon="save",
                                    layout=W.Layout(width="auto"))
        self.save_button.on_click(lambda _: self.save())

        controls = W.HBox([self.group_picker, self.second_picker, self.reference_picker], layout=W.Layout(flex_flow="row wrap"))
        children = [
            W.HTML("<b>Who is selected, and who is missed, in each group?</b>"),
            controls,
            self.threshold_slider,
            self.reference_note,
            self.cards,
            self.table,
        ]
        if self.figure is not None:
            children.append(chart(self.figure))
        children += [
            self.findings_html,
            W.HTML("<b>The team's response</b>"),
            self.response,
            self.response_preview,
            W.HBox([self.save_button]),
            self.messages,
        ]
        super().__init__(children, **kwargs)
        self.add_class("aipm-fairness-audit")

        self._prepare(reference)
        if load_saved:
            self._load_saved()
        self.group_picker.observe(self._on_groups, names="value")
        self.second_picker.observe(self._on_groups, names="value")
        self.reference_picker.observe(self._on_reference, names="value")
        self.threshold_slider.observe(self._on_threshold, names="value")
        self.response.observe(self._on_response, names="value")

    # ----- computing ----------------------------------------------------------------------------
    @property
    def group_columns(self) -> list[str]:
        cols = [self.group_picker.value] if self.group_picker.value else []
        if self.second_picker.value and self.second_picker.value != _NONE and self.second_picker.value not in cols:
            cols.append(self.second_picker.value)
        return cols

    @guarded()
    def _prepare(self, reference: str | None = None) -> None:
        self.messages.clear()
        cols = self.group_columns
        if not cols:
            raise AipmError("The table has no column that looks like a group (2 to 60 distinct values). Add one, e.g. gender or age band.")
        missing = [c for c in [self.label, self.score, *cols] if c not in self.frame.columns]
        if missing:
            raise AipmError(f"Column(s) {', '.join(map(repr, missing))} not found. The table has: {', '.join(map(str, self.frame.columns[:30]))}.")
        self._data = None
        self.result = None
        self.cards.value = self.table.value = self.findings_html.value = ""
        self._data = prepare(self.frame[self.label], self.frame[self.score], self.frame[cols], positive=self.positive)
        names = self._data.names
        ref = reference if reference in names else self._data.default_reference()
        self._updating = True
        try:
            self.reference_picker.options = names
            self.reference_picker.value = ref
        finally:
            self._updating = False
        self._rebuild_traces()
        self._refresh()

    def _refresh(self) -> None:
        if self._data is None:
            return
        self.result = self._data.at(self.threshold_slider.value, reference=self.reference_picker.value)
        self._render()

    @guarded()
    def _on_groups(self, change: dict) -> None:
        first = self.group_picker.value
        options = [_NONE, *[c for c in self.group_picker.options if c != first]]
        if tuple(self.second_picker.options) != tuple(options):
            current = self.second_picker.value
            self.second_picker.unobserve(self._on_groups, names="value")
            try:
                self.second_picker.options = options
                self.second_picker.value = current if current in options else _NONE
            finally:
                self.second_picker.observe(self._on_groups, names="value")
        self._prepare(None)

    @guarded()
    def _on_reference(self, change: dict) -> None:
        if getattr(self, "_updating", False) or change["new"] is None:
            return
        self._refresh()

    @guarded()
    def _on_threshold(self, change: dict) -> None:
        self._refresh()

    @guarded()
    def _on_response(self, change: dict) -> None:
        text = change["new"] or ""
        self.response_preview.value = (
            "<div style='font-size:11px;color:#666'>As others will read it:</div>"
            f"<div class='aipm-response-preview' style='white-space:pre-wrap;border-left:3px solid #bcd3ee;padding:4px 8px;color:#333'>"
            f"{esc(text)}</div>" if text.strip() else ""
        )

    # ----- drawing ------------------------------------------------------------------------------
    def _make_figure(self):
        fig = figure_widget()
        fig.update_layout(
            barmode="group", height=340, margin=dict(l=50, r=20, t=40, b=40),
            title=dict(text="Rates by group at the threshold (bars: 95% intervals)", font=dict(size=14)),
            yaxis=dict(title="rate", tickformat=".0%", range=[0, 1]), legend=dict(orientation="h", y=-0.15),
        )
        return fig

    def _rebuild_traces(self) -> None:
        if self.figure is None or self._data is None:
            return
        import plotly.graph_objects as go

        x = [METRIC_NAMES[m] for m in METRICS]
        traces = [
            go.Bar(name=esc(name), x=x, y=[0] * len(x), marker_color=_PALETTE[i % len(_PALETTE)],
                   error_y=dict(type="data", symmetric=False, array=[0] * len(x), arrayminus=[0] * len(x)))
            for i, name in enumerate(self._data.names)
        ]
        self.figure.data = []
        self.figure.add_traces(traces)

    def _render(self) -> None:
        r = self.result
        if r is None:
            return
        ff = r.four_fifths
        verdict = ff.get("verdict")
        if ff.get("passed") is None and verdict != INCONCLUSIVE:
            ff_card = card("Four-fifths rule", "n/a", "no selections in the reference group", tone="warning")
        else:
            span = interval(ff.get("ratio_low"), ff.get("ratio_high"), lambda x: number(x, 2))
            need = f"; need about {count(ff['rows_needed'])} more rows" if ff.get("rows_needed") else ""
            ff_card = card(
                "Four-fifths rule (lowest ratio)", f"{number(ff['ratio'], 2)} {verdict}",
                f"{ff['group']} vs {ff['reference']} (95%: {span}; rule 0.80{need})",
                tone={FAILS: "error", PASSES: "success"}.get(verdict, "warning"),
            )
        eo = r.equalized_odds_source
        eo_note = (f"{METRIC_NAMES[eo['metric']]}: {eo['high']} vs {eo['low']}" if eo else "largest TPR or FPR gap")
        self.cards.value = (
            ff_card
            + card("Demographic-parity difference", points(r.demographic_parity_difference),
                   "largest minus smallest selection rate")
            + card("Equalized-odds difference", points(r.equalized_odds_difference), eo_note)
        )
        self.reference_note.value = (
            f"<div style='font-size:12px;color:#333'>Every group is compared with <b>{esc(r.reference)}</b>, "
            f"{esc(r.reference_reason)}. Pick another in <i>Compare with</i>.</div>"
        )
        self.table.value = r.to_html()
        findings = r.findings()
        items = "".join(f"<li>{esc(s)}</li>" for s in findings)
        self.findings_html.value = (f"<div class='aipm-findings'><b>Findings</b><ul>{items}</ul></div>"
                                    + glossary_html(terms_in(*findings, "selection rate TPR FPR FNR precision Wilson "
                                                             "four-fifths equalized-odds demographic-parity points")))
        if self.figure is not None and len(self.figure.data) == len(r.groups):
            with self.figure.batch_update():
                for trace, g in zip(self.figure.data, r.groups):
                    ys = [_nz(g.rates[m]) for m in METRICS]
                    trace.y = ys
                    trace.error_y.array = [_nz(g.ci[m][1]) - y for m, y in zip(METRICS, ys)]
                    trace.error_y.arrayminus = [y - _nz(g.ci[m][0]) for m, y in zip(METRICS, ys)]

    # ----- record -------------------------------------------------------------------------------
    def _load_saved(self) -> None:
        from ...core.record import load_record  # the record's models load when needed, not on import

        try:
            rec = load_record(self.record_path, create=True)
        except AipmError as exc:
            self.messages.show(f"The saved audit could not be read, so it starts fresh: {exc}", "warning")
            return
        eth = rec.ethics
        if eth.team_response:
            self.response.value = str(eth.team_response)[:MAX_RESPONSE_CHARS]
            self._on_response({"new": self.response.value})
        f = eth.fairness
        if f is None or f.label_column not in (None, self.label) or f.score_column not in (None, self.score):
            return  # saved for other data: start from the given settings
        cols = [c for c in (f.group_columns or []) if isinstance(c, str)]
        if cols and cols[0] in self.group_picker.options and (len(cols) == 1 or cols[1] in self.group_picker.options):
            self.group_picker.value = cols[0]
            self.second_picker.options = [_NONE, *[c for c in self.group_picker.options if c != cols[0]]]
            self.second_picker.value = cols[1] if len(cols) == 2 else _NONE
        if isinstance(f.threshold, (int, float)) and self.threshold_slider.min <= float(f.threshold) <= self.threshold_slider.max:
            self.threshold_slider.value = float(f.threshold)
        self._prepare(f.reference if isinstance(f.reference, str) else None)

    def to_record(self) -> dict[str, Any]:
        """The ``ethics`` section values this audit saves."""
        if self.result is None:
            raise AipmError("Nothing to save yet: the audit has no result (fix the message above first).")
        d = self.result.to_dict()
        text = (self.response.value or "").strip()
        if len(text) > MAX_RESPONSE_CHARS:
            raise AipmError(f"The response is {len(text):,} characters; keep it under {MAX_RESPONSE_CHARS:,} (link a document for more).")
        fairness = {
            "dataset": self.dataset_name, "label_column": self.label, "score_column": self.score,
            "threshold": d["threshold"], "group_columns": d["group_columns"], "reference": d["reference"],
            "groups": d["groups"], "demographic_parity_difference": d["demographic_parity_difference"],
            "equalized_odds_difference": d["equalized_odds_difference"], "four_fifths": d["four_fifths"],
            "flagged_groups": self.result.flagged_groups, "warnings": [w["message"] for w in d["warnings"]],
            "reference_reason": d["reference_reason"], "equalized_odds_source": d["equalized_odds_source"],
            "demographic_parity_source": d["demographic_parity_source"],
            "findings": d["findings"],
        }
        summary = (
            f"Fairness audit at threshold {threshold_fmt(d['threshold'])} by {' × '.join(d['group_columns'])} "
            f"against {d['reference']}: four-fifths rule {four_fifths_phrase(self.result.four_fifths)}."
        )
        return {
            "fairness": fairness, "team_response": text or None, "summary": summary,
            "status": "decided" if text else "in_progress",
        }

    @guarded()
    def save(self) -> None:
        """Save the findings and the team's response to the record's ``ethics`` section."""
        save_audit(self)


def save_audit(audit: Any) -> None:
    """Write an audit's ``to_record()`` (findings and the team's response) to the record's ``ethics`` section and say
    so in its message area; any task's audit (yes/no, routing, forecast) saves this way."""
    from ...core.record import update_section

    values = audit.to_record()
    what = "Saved the fairness audit" + (" and the team's response" if values["team_response"] else " (no response yet)")
    update_section(audit.record_path, "ethics", values, what=what)
    kind = "success" if values["team_response"] else "warning"
    extra = "" if values["team_response"] else " Write the team's response and save again to mark the stage decided."
    audit.messages.show(f"Saved to {audit.record_path} (ethics section).{extra}", kind)


def _nz(x: float) -> float:
    return 0.0 if x is None or not math.isfinite(x) else float(x)



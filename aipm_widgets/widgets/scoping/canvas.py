"""``ScopingCanvas``: compare candidate use cases, see each verdict with its reasons, save the choice.

A thin view over :func:`aipm_widgets.core.scoping.use_cases.compare`: the ``.result`` is the current
:class:`~aipm_widgets.core.scoping.use_cases.ScopingComparison`. Moving a score slider re-ranks every candidate
and redraws the ranking chart; **Save this use case** writes the chosen candidate (scores, evidence,
value range, verdict, reasons, robustness) and every candidate's verdict to the record's ``scoping``
section. On creation the canvas restores the candidates saved in the record, if any.

Examples
--------
>>> import tempfile, pathlib
>>> rec = pathlib.Path(tempfile.mkdtemp()) / "decision_record.yaml"
>>> canvas = ScopingCanvas(record_path=rec)
>>> canvas.result.ranked[0].candidate.id
'fraud_flagging'
>>> canvas.candidate.value = "ticket_routing"
>>> canvas.sliders["business_value"].value = 4
>>> canvas.selected.verdict.key
'strong_ai_candidate'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import ipywidgets as W

from ...core.errors import AipmError
from ...core.text.format import percent
from ...core.scoping.use_cases import CRITERIA, VERDICTS, Assessment, Candidate, ScopingComparison, compare, parse_value_unit
from .._base import HelpHTML, MessageArea, chart_later, default_record_path, esc, guarded, figure_widget

__all__ = ["ScopingCanvas", "VERDICT_COLORS"]

_CHART_HEIGHT = 300  # the ranking chart's height (px)

VERDICT_COLORS = {
    "strong_ai_candidate": "#2e7d32",
    "start_with_rules": "#1f6fb2",
    "data_first": "#c77c00",
    "not_an_ai_problem": "#8a8a8a",
}


def _candidates_from_record(record_path: Path) -> tuple[list[Candidate], str | None]:
    from ...core.record import load_record

    if not record_path.exists():
        return [], None
    sec = load_record(record_path).scoping
    out = []
    for row in sec.candidates:
        value = row.value
        out.append(
            Candidate(
                id=row.id, name=row.name or row.id, scores=dict(row.scores), evidence=dict(row.evidence),
                description=row.description or "", value_low=value.low if value else None,
                value_high=value.high if value else None, value_unit=(value.unit or "") if value else "",
            )
        )
    return out, sec.chosen


class ScopingCanvas(W.VBox):
    """The use-case scoping canvas.

    Parameters
    ----------
    candidates : iterable of Candidate or dict, optional
        Candidate use cases (the demo's shape: ``id, name, description, value, scores, evidence``).
        Default: the ones saved in the record, else :func:`aipm_widgets.core.demo.load_candidates`.
    record_path : path, optional
        The decision record (default: ``$AIPM_RECORD`` or ``decision_record.yaml`` here).
    who : str, optional
        Who saves (default: ``$AIPM_USER`` or the login name).
    """

    def __init__(
        self,
        candidates: Iterable[Candidate | Mapping[str, Any]] | None = None,
        *,
        record_path: str | Path | None = None,
        who: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.who = who
        self.messages = MessageArea()
        self._loading = False
        chosen = None
        restored = False
        if candidates is None:
            try:
                saved, chosen = _candidates_from_record(self.record_path)
            except AipmError as exc:
                saved = []
                self.messages.show(str(exc) + " Showing the demo candidates; saving is refused until the record is fixed.", "error")
            if saved:
                cands, restored = saved, True
            else:
                from ...core.demo import load_candidates

                cands = [Candidate.from_dict(c) for c in load_candidates()]
        else:
            cands = [c if isinstance(c, Candidate) else Candidate.from_dict(c) for c in candidates]
        self.candidates: dict[str, Candidate] = {c.id: c for c in cands}
        self.result: ScopingComparison = compare(list(self.candidates.values()))
        first = chosen if chosen in self.candidates else self.result.ranked[0].candidate.id

        self._chart = None  # the ranking chart, built when drawn (on a Voila page after the controls: see .chart)
        self.table = HelpHTML()
        self.table.add_class("aipm-scoping-table")
        self.candidate = W.Dropdown(
            description="Use case", options=[(c.name, c.id) for c in cands], value=first,
            layout=W.Layout(width="520px"), style={"description_width": "80px"},
        )
        self.candidate.observe(self._on_candidate, names="value")
        self.description_view = W.HTML()
        self.sliders: dict[str, W.IntSlider] = {}
        self.evidence: dict[str, W.Text] = {}
        rows = []
        for c in CRITERIA:
            s = W.IntSlider(min=1, max=5, step=1, value=3, continuous_update=False, layout=W.Layout(width="220px"))
            s.add_class(f"aipm-score-{c.key}")
            e = W.Text(placeholder="Evidence: what the score rests on", layout=W.Layout(flex="1 1 auto", width="auto"))
            e.add_class(f"aipm-evidence-{c.key}")
            s.observe(lambda ch, k=c.key: self._on_score(k, ch["new"]), names="value")
            e.observe(lambda ch, k=c.key: self._on_evidence(k, ch["new"]), names="value")
            self.sliders[c.key], self.evidence[c.key] = s, e
            label = W.HTML(
                f"<b>{esc(c.label)}</b><br><span style='font-size:11px;color:#555'>{esc(c.question)} "
                f"(1 = {esc(c.low)}, 5 = {esc(c.high)})</span>",
                layout=W.Layout(width="330px"),
            )
            rows.append(W.HBox([label, s, e], layout=W.Layout(width="100%", align_items="center")))
        self.value_low = W.FloatText(description="Value from", layout=W.Layout(width="220px"))
        self.value_high = W.FloatText(description="to", layout=W.Layout(width="180px"), style={"description_width": "30px"})
        self.value_unit = W.Text(placeholder="currency and period, e.g. USD per year", layout=W.Layout(width="300px"))
        for w in (self.value_low, self.value_high, self.value_unit):
            w.observe(self._on_value, names="value")
        self.verdict_view = HelpHTML()
        self.verdict_view.add_class("aipm-scoping-verdict")
        self.new_name = W.Text(placeholder="Name of another candidate use case", layout=W.Layout(width="380px"))
        self.new_name.add_class("aipm-new-candidate")
        self.add_button = W.Button(description="Add candidate", icon="plus")
        self.add_button.on_click(lambda _: self.add_candidate(self.new_name.value))
        self.save_button = W.Button(description="Save this use case as our decision", icon="save",
                                    button_style="primary", layout=W.Layout(width="300px"))
        self.save_button.add_class("aipm-scoping-save")
        self.save_button.on_click(lambda _: self.save())
        self.saved_view = W.HTML()
        super().__init__(
            [
                W.HTML("<h3 style='margin:4px 0'>Candidates compared</h3>"),
                chart_later(lambda: self.chart, height=_CHART_HEIGHT),
                self.table,
                W.HTML("<h3 style='margin:12px 0 4px 0'>Score one candidate</h3>"),
                W.HBox([self.candidate, self.new_name, self.add_button]),
                self.description_view,
                *rows,
                W.HBox([self.value_low, self.value_high, self.value_unit]),
                self.verdict_view,
                self.save_button,
                self.saved_view,
                self.messages,
            ],
            **kwargs,
        )
        self.add_class("aipm-scoping-canvas")
        self._load_candidate(first)
        self._refresh()
        if restored:
            self.saved_view.value = (
                f"<span style='color:#1e5e2f;font-size:12px'>Restored the candidates saved in "
                f"{esc(self.record_path.name)}.</span>"
            )

    # ------------------------------------------------------------------ properties
    @property
    def selected(self) -> Assessment:
        """The assessment of the candidate being edited."""
        return self.result.get(self.candidate.value)

    # ------------------------------------------------------------------ callbacks
    def _load_candidate(self, cid: str) -> None:
        c = self.candidates[cid]
        self._loading = True
        try:
            for k in self.sliders:
                self.sliders[k].value = c.scores[k]
                self.evidence[k].value = c.evidence.get(k, "")
            self.value_low.value = c.value_low or 0.0
            self.value_high.value = c.value_high or 0.0
            self.value_unit.value = c.value_unit
        finally:
            self._loading = False
        self.description_view.value = f"<p style='margin:2px 0 6px 0'>{esc(c.description)}</p>" if c.description else ""

    @guarded()
    def _on_candidate(self, change) -> None:
        self._load_candidate(change["new"])
        self._render_verdict()

    @guarded()
    def _on_score(self, key: str, value: int) -> None:
        if self._loading:
            return
        cid = self.candidate.value
        self.candidates[cid] = self.candidates[cid].with_score(key, int(value))
        self._refresh()

    @guarded()
    def _on_evidence(self, key: str, text: str) -> None:
        if self._loading:
            return
        self.candidates[self.candidate.value].evidence[key] = str(text)

    @guarded()
    def _on_value(self, change) -> None:
        if self._loading:
            return
        c = self.candidates[self.candidate.value]
        lo, hi = float(self.value_low.value or 0), float(self.value_high.value or 0)
        if lo > hi:
            self.messages.show("The value range's low end is above its high end; swap them.", "warning")
            return
        self.messages.clear()
        c.value_low, c.value_high, c.value_unit = (lo or None), (hi or None), self.value_unit.value.strip()
        c.value_currency, c.value_period = parse_value_unit(c.value_unit)  # the words follow the unit as typed
        self._refresh()

    # ------------------------------------------------------------------ actions
    @guarded()
    def add_candidate(self, name: str, *, description: str = "") -> str | None:
        """Add a candidate (every score starts at 3, to be scored with evidence); returns its id."""
        name = " ".join(str(name or "").split())
        if not name:
            raise AipmError("Type the new candidate use case's name first.")
        if len(name) > 120:
            raise AipmError("Keep the candidate's name under 120 characters; put detail in the evidence notes.")
        base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "candidate"
        cid, n = base, 2
        while cid in self.candidates:
            cid, n = f"{base}_{n}", n + 1
        from ...core.scoping.use_cases import CRITERION_KEYS

        self.candidates[cid] = Candidate(cid, name, {k: 3 for k in CRITERION_KEYS}, description=description)
        self.result = compare(list(self.candidates.values()))
        self.candidate.options = [(c.name, c.id) for c in self.candidates.values()]
        self.candidate.value = cid
        self.new_name.value = ""
        self._refresh()
        self.messages.show(
            f"Added '{name}' with every score at 3: score each criterion and write the evidence behind it.", "info"
        )
        return cid

    @guarded()
    def save(self) -> None:
        """Save the selected candidate as the scoping decision (every candidate's verdict too)."""
        from ...core.record import update_section

        a = self.selected
        values = self.result.decision(a.candidate.id)
        update_section(
            self.record_path, "scoping", values,
            what=f"Chose use case '{a.candidate.name}': {a.verdict.label}", who=self.who,
        )
        self.saved_view.value = (
            f"<span style='color:#1e5e2f'>Saved to {esc(self.record_path.name)}: "
            f"<b>{esc(a.candidate.name)}</b>, {esc(a.verdict.label)}.</span>"
        )
        self.messages.show(
            "Saved." + ("" if a.verdict.key == "strong_ai_candidate" else
                         f" The verdict is '{a.verdict.label}': the next step is in its reasons, not a model yet."),
            "success",
        )

    # ------------------------------------------------------------------ rendering
    def _refresh(self) -> None:
        self.result = compare(list(self.candidates.values()))
        self._render_chart()
        self._render_table()
        self._render_verdict()

    @property
    def chart(self):
        """The ranking chart (a plotly FigureWidget), built at the canvas's current ranking on first use."""
        if self._chart is None:
            self._chart = self._make_chart()
            self._render_chart()
        return self._chart

    def _make_chart(self):
        import plotly.graph_objects as go

        fig = figure_widget(
            data=[go.Bar(orientation="h", x=[], y=[], error_x={"type": "data", "symmetric": False, "array": [],
                                                                 "arrayminus": [], "color": "#444"},
                         hovertemplate="%{y}<br>score %{x:.0f}<extra></extra>", textposition="inside",
                         insidetextanchor="start", textfont={"color": "white"})],
            layout=go.Layout(
                height=_CHART_HEIGHT, margin={"l": 10, "r": 20, "t": 40, "b": 40},
                title={"text": "Ranking: verdict first, then weighted score (bars: 10-90% if scores are off by one)",
                       "font": {"size": 13}},
                xaxis={"title": "weighted score (0-100)", "range": [0, 100]},
                yaxis={"automargin": True}, plot_bgcolor="white",
            ),
        )
        return fig

    def _render_chart(self) -> None:
        if self._chart is None:
            return  # drawn at the ranking of the moment when built
        ranked = list(reversed(self.result.ranked))  # rank 1 at the top
        bar = self.chart.data[0]
        with self.chart.batch_update():
            bar.y = [f"{a.rank}. {a.candidate.name[:60]}" for a in ranked]
            bar.x = [a.composite for a in ranked]
            bar.error_x.array = [a.composite_high - a.composite for a in ranked]
            bar.error_x.arrayminus = [a.composite - a.composite_low for a in ranked]
            bar.marker.color = [VERDICT_COLORS[a.verdict.key] for a in ranked]
            bar.text = [a.verdict.label for a in ranked]

    def _render_table(self) -> None:
        rows = []
        for a in self.result.ranked:
            color = VERDICT_COLORS[a.verdict.key]
            warn = " &#9888;" if any("ethical risk" in w.lower() and "high" in w.lower() for w in a.verdict.warnings) else ""
            rows.append(
                f"<tr><td>{a.rank}</td><td>{esc(a.candidate.name)}</td>"
                f"<td><span style='color:white;background:{color};padding:1px 6px;border-radius:4px'>"
                f"{esc(a.verdict.label)}</span>{warn}</td>"
                f"<td>{a.composite:.0f} ({a.composite_low:.0f} to {a.composite_high:.0f})</td>"
                f"<td>{percent(a.stability, 0)}</td><td>{percent(a.top_share or 0, 0)}</td>"
                f"<td>{esc(a.candidate.value_text())}</td></tr>"
            )
        self.table.value = (
            "<table style='border-collapse:collapse;font-size:13px' cellpadding='4'><thead><tr>"
            "<th align='left'>#</th><th align='left'>Use case</th><th align='left'>Verdict</th>"
            "<th align='left'>Score (10-90%)</th><th align='left'>Verdict kept*</th>"
            "<th align='left'>Ranked first*</th><th align='left'>Estimated value</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            "<p style='font-size:11px;color:#555;margin:2px 0'>* Scores are judgements. Share of 2,000 re-scorings in "
            "which every score may be one point off (lower, same or higher, equally likely). &#9888; = high ethical risk.</p>"
        )

    def _render_verdict(self) -> None:
        a = self.selected
        color = VERDICT_COLORS[a.verdict.key]
        reasons = "".join(f"<li>{esc(r)}</li>" for r in a.verdict.reasons)
        warnings = "".join(
            f"<div style='color:#7a4d00;background:#fff6e0;border:1px solid #f3d9a4;border-radius:4px;"
            f"padding:4px 8px;margin:3px 0'>&#9888; {esc(w)}</div>"
            for w in a.verdict.warnings
        )
        shares = ", ".join(
            f"{esc(VERDICTS[k])} {percent(v, 0)}" for k, v in sorted(a.verdict_shares.items(), key=lambda kv: -kv[1]) if v > 0
        )
        self.verdict_view.value = (
            f"<div style='border-left:6px solid {color};padding:4px 12px;margin:8px 0'>"
            f"<div style='font-size:18px'>Verdict: <b style='color:{color}'>{esc(a.verdict.label)}</b></div>"
            f"<ul style='margin:4px 0'>{reasons}</ul>{warnings}"
            f"<div style='font-size:12px;margin-top:4px'><b>How sure?</b> {esc(a.robustness_sentence())}"
            f"<br>Verdicts over the re-scorings: {shares}.</div></div>"
        )


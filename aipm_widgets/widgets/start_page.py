"""``StartPage``: the lifecycle at a glance, read from the decision record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W

from ..core.paths import STAGE_NOTEBOOKS
from ..core.record import DecisionRecord, load_record
from ._base import MessageArea, default_record_path, esc, guarded

__all__ = ["StartPage", "STAGES"]

STAGES = [
    ("scoping", "1. Use-case scoping", "Is this even an AI problem?"),
    ("expectations", "2a. Expectations", "What will it do, for whom, with what errors?"),
    ("ethics", "2b. Ethics", "Bias, fairness, transparency, privacy, consent."),
    ("data", "3. Data assessment", "Can the data carry the product?"),
    ("metrics", "4. Metric selection", "Which errors cost what; which threshold?"),
    ("monitoring", "5. Post-launch monitoring", "Did it drift; do we retrain?"),
]
_STAGE_NOTEBOOK = {
    "scoping": STAGE_NOTEBOOKS["scoping"],
    "expectations": STAGE_NOTEBOOKS["expectations"],
    "ethics": STAGE_NOTEBOOKS["expectations"],
    "data": STAGE_NOTEBOOKS["data"],
    "metrics": STAGE_NOTEBOOKS["metrics"],
    "monitoring": STAGE_NOTEBOOKS["monitoring"],
}
_STATUS_STYLE = {
    "not_started": ("not started", "#666", "#f1f1f1"),
    "in_progress": ("in progress", "#7a4d00", "#fff6e0"),
    "decided": ("decided", "#1e5e2f", "#e9f6ec"),
    "needs_review": ("needs review", "#8a1c1c", "#fdecea"),
}


class StartPage(W.VBox):
    """Each stage's state from the decision record, with links to its notebook.

    Parameters
    ----------
    record_path : path, optional
        The decision record (default: ``$AIPM_RECORD`` or ``decision_record.yaml`` here).
    """

    def __init__(self, record_path: str | Path | None = None, **kwargs: Any) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.messages = MessageArea()
        self.table = W.HTML()
        self.refresh_button = W.Button(description="Refresh from record", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.result: DecisionRecord | None = None
        super().__init__([self.table, self.refresh_button, self.messages], **kwargs)
        self.refresh()

    @guarded()
    def refresh(self) -> None:
        self.messages.clear()
        self.result = load_record(self.record_path, create=True)
        if not self.record_path.exists():
            self.messages.show(
                f"No decision record yet at {self.record_path}: each stage creates it when you save its decision.",
                "info",
            )
        self.table.value = self._render(self.result)

    @staticmethod
    def _render(rec: DecisionRecord) -> str:
        rows = []
        for key, title, question in STAGES:
            sec = rec.section(key)
            label, fg, bg = _STATUS_STYLE.get(sec.status, _STATUS_STYLE["not_started"])
            nb = _STAGE_NOTEBOOK[key]
            when = f"{sec.decided_at:%Y-%m-%d}" if sec.decided_at else ""
            rows.append(
                f"<tr><td><a href='{esc(nb)}' target='_blank'>{esc(title)}</a></td><td>{esc(question)}</td>"
                f"<td><span style='color:{fg};background:{bg};padding:2px 6px;border-radius:4px'>{esc(label)}</span></td>"
                f"<td>{esc(sec.summary or '')}</td><td>{esc(when)}</td></tr>"
            )
        last = rec.history[-1] if rec.history else None
        footer = (
            f"<p>Last change: {last.when:%Y-%m-%d %H:%M} UTC by {esc(last.who or 'unknown')} "
            f"({esc(last.section)}): {esc(last.what)}</p>"
            if last
            else ""
        )
        return (
            f"<h3>{esc(rec.project.name)}: iteration {rec.project.iteration}</h3>"
            "<table class='aipm-lifecycle' style='border-collapse:collapse'>"
            "<thead><tr><th align='left'>Stage</th><th align='left'>Question</th><th align='left'>State</th>"
            "<th align='left'>Decision</th><th align='left'>Decided</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{footer}"
        )

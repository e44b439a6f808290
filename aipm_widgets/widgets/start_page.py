"""``StartPage``: the lifecycle at a glance, read from the decision record.

Each stage's state (not started, in progress, decided, needs review; see
:mod:`aipm_widgets.core.record.lifecycle`), its required checklist items still open, its last change and the
iteration, with links to its notebook and dashboard, the record's history, and a *start a new
iteration* action (with a confirm step) for when a new model version re-enters metric selection and
monitoring.

Links. In Voila the page is ``<base>/voila/render/00_start_here.ipynb``, so a relative link
``01_use_case_scoping.ipynb`` opens that stage's dashboard. In JupyterLab the page is
``<base>/lab/tree/<dir>/00_start_here.ipynb``: the same relative link opens the notebook in Lab, and the
dashboard is ``<base>/voila/render/<dir>/NN.ipynb``, reached with one ``../`` per path level back to
``<base>`` (the kernel learns ``<dir>`` from ``$JPY_SESSION_NAME``, which Jupyter Server sets to the notebook's
path, and from the server's runtime file, which holds its root folder; without them ``<dir>`` is empty,
as with ``aipm lab`` and ``aipm dashboard``, which serve the notebooks folder itself). Links are
plain HTML in an ``HTML`` widget, so Lab's Markdown link resolver never rewrites them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..core.record.lifecycle import (
    ITERATION_SECTIONS,
    STAGES,
    StageState,
    lifecycle,
    start_new_iteration,
)
from ..core.io.paths import STAGE_NOTEBOOKS
from ..core.record import DecisionRecord, load_record
from ._base import MessageArea, default_record_path, esc, guarded
from .project_panel import ProjectPanel

__all__ = ["STAGES", "StartPage", "stage_links"]

_STAGE_NOTEBOOK = {
    "scoping": STAGE_NOTEBOOKS["scoping"],
    "expectations": STAGE_NOTEBOOKS["expectations"],
    "ethics": STAGE_NOTEBOOKS["expectations"],
    "data": STAGE_NOTEBOOKS["data"],
    "metrics": STAGE_NOTEBOOKS["metrics"],
    "monitoring": STAGE_NOTEBOOKS["monitoring"],
    "brief": STAGE_NOTEBOOKS["brief"],
}
_STATUS_STYLE = {
    "not_started": ("not started", "#555", "#f1f1f1"),
    "in_progress": ("in progress", "#7a4d00", "#fff6e0"),
    "decided": ("decided", "#1e5e2f", "#e9f6ec"),
    "needs_review": ("needs review", "#8a1c1c", "#fdecea"),
}
HISTORY_ROWS = 40


def in_voila(env: dict[str, str] | None = None) -> bool:
    """True when this kernel was started by Voila (it sets ``VOILA_*`` variables for its kernels)."""
    env = os.environ if env is None else env
    return any(k in env for k in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"))


def _server_root(env: dict[str, str]) -> str | None:
    """The root folder of the Jupyter server that started this kernel, from its runtime file (or None)."""
    import glob
    import json

    try:
        from jupyter_core.paths import jupyter_runtime_dir

        parent = int(env.get("JPY_PARENT_PID") or os.getppid())
        for name in glob.glob(os.path.join(jupyter_runtime_dir(), "jpserver-*.json")):
            with open(name, encoding="utf-8") as fh:
                info = json.load(fh)
            if int(info.get("pid", -1)) == parent and info.get("root_dir"):
                return str(info["root_dir"])
    except Exception:  # noqa: BLE001 - links fall back to "the notebooks folder is the root"
        return None
    return None


def stage_links(notebook: str, *, env: dict[str, str] | None = None) -> tuple[str, str]:
    """(notebook link, dashboard link), both relative to the start page, for Lab and for Voila.

    >>> stage_links("01_use_case_scoping.ipynb", env={"JPY_SESSION_NAME": "notebooks/00_start_here.ipynb"})
    ('01_use_case_scoping.ipynb', '../../../voila/render/notebooks/01_use_case_scoping.ipynb')
    >>> stage_links("01_use_case_scoping.ipynb", env={"VOILA_BASE_URL": "/"})
    ('01_use_case_scoping.ipynb', '01_use_case_scoping.ipynb')
    """
    env = os.environ if env is None else env
    if in_voila(env):
        return notebook, notebook
    session = env.get("JPY_SESSION_NAME") or ""
    folder = ""
    if os.path.isabs(session):
        # Jupyter Server gives the notebook's absolute path; the folder in URLs is relative to its root.
        root = env.get("AIPM_SERVER_ROOT") or _server_root(env)
        if root:
            rel = os.path.relpath(os.path.dirname(session), root)
            if rel != "." and not rel.startswith(".."):
                folder = rel.replace(os.sep, "/") + "/"
    elif "/" in session.strip("/"):
        folder = session.strip("/").rsplit("/", 1)[0] + "/"
    ups = "../" * (2 + folder.count("/"))  # out of lab/tree/<folder>
    return notebook, f"{ups}voila/render/{folder}{notebook}"


class StartPage(W.VBox):
    """Each stage's state from the decision record, with links, the history and a new-iteration action.

    Parameters
    ----------
    record_path : path, optional
        The decision record (default: ``$AIPM_RECORD`` or ``decision_record.yaml`` here).

    Attributes
    ----------
    project_panel : ProjectPanel
        The *Your product* panel (name, owners, currency, volume, data sources, column roles, your name).
    result : DecisionRecord
        The record as last read.
    stages : list of StageState
        Each stage's state, in lifecycle order.

    Examples
    --------
    >>> page = StartPage(record_path="/tmp/aipm-doctest-start.yaml")
    >>> [s.label for s in page.stages][:1]
    ['not started']
    """

    def __init__(self, record_path: str | Path | None = None, **kwargs: Any) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.messages = MessageArea()
        # "Your product": the project's name, owners, currency, data and columns, and who decides.
        self.project_panel = ProjectPanel(self.record_path, on_saved=lambda: self.refresh())
        self.table = W.HTML()
        self.table.add_class("aipm-start-table")
        self.history = W.HTML()
        self.refresh_button = W.Button(description="Refresh from record", icon="refresh", layout=W.Layout(width="180px"))
        self.refresh_button.on_click(lambda _: self.refresh())
        self.reason = W.Text(placeholder="Why: e.g. 'Model v2, retrained on data from October on'",
                             layout=W.Layout(width="420px"))
        self.reason.add_class("aipm-iteration-reason")
        self.iterate_button = W.Button(description="Start a new iteration...", icon="repeat", layout=W.Layout(width="210px"))
        self.iterate_button.add_class("aipm-iterate")
        self.iterate_button.on_click(lambda _: self.ask_new_iteration())
        self.confirm_text = W.HTML()
        self.confirm_button = W.Button(description="Yes, start it", button_style="warning", layout=W.Layout(width="150px"))
        self.confirm_button.add_class("aipm-iterate-confirm")
        self.cancel_button = W.Button(description="Cancel", layout=W.Layout(width="100px"))
        self.confirm_button.on_click(lambda _: self.confirm_new_iteration())
        self.cancel_button.on_click(lambda _: self.cancel_new_iteration())
        self.confirm_box = W.VBox([self.confirm_text, W.HBox([self.confirm_button, self.cancel_button])],
                                  layout=W.Layout(display="none", border="1px solid #f3d9a4", padding="6px", margin="4px 0"))
        self.result: DecisionRecord | None = None
        self.stages: list[StageState] = []
        iteration_box = W.VBox([
            W.HTML("<h4 style='margin:10px 0 2px 0'>A new model version?</h4>"
                   "<div style='font-size:12px;color:#444'>A new iteration re-enters metric selection and monitoring: "
                   "both are marked <i>needs review</i>, their current decisions are kept for comparison in the brief, "
                   "and the history stays.</div>"),
            W.HBox([self.reason, self.iterate_button]), self.confirm_box,
        ])
        super().__init__([self.project_panel, self.table, self.refresh_button, self.messages, iteration_box, self.history],
                         **kwargs)
        self.refresh()

    # ------------------------------------------------------------------ actions
    @guarded()
    def refresh(self) -> None:
        """Re-read the record and redraw the table and the history."""
        self.messages.clear()
        self.result = load_record(self.record_path, create=True)
        self.stages = lifecycle(self.result)
        if not self.record_path.exists():
            self.messages.show(
                f"No decision record yet at {self.record_path}: each stage creates it when you save its decision.",
                "info",
            )
        exists = self.record_path.exists()
        self.table.value = self._render(self.result, self.stages, saved=exists)
        self.history.value = self._render_history(self.result) if exists else ""

    @guarded()
    def ask_new_iteration(self) -> None:
        """First step: check the reason and show what will happen, with a confirm button."""
        reason = " ".join(self.reason.value.split())
        if not reason:
            self.messages.show("Write why a new iteration starts (for example 'Model v2, retrained on October data').", "error")
            return
        current = self.result.project.iteration if self.result else 1
        names = {k: t for k, t, _ in STAGES}
        self.confirm_text.value = (
            f"<b>Start iteration {current + 1}?</b> {esc(' and '.join(names[k] for k in ITERATION_SECTIONS))} will be "
            f"marked <i>needs review</i>; their iteration-{current} decisions are kept for comparison. "
            f"Reason: <i>{esc(reason)}</i>"
        )
        self.confirm_box.layout.display = "flex"

    @guarded()
    def confirm_new_iteration(self) -> None:
        """Second step: bump the iteration in the record."""
        reason = " ".join(self.reason.value.split())
        self.confirm_box.layout.display = "none"
        rec = start_new_iteration(self.record_path, reason)
        self.reason.value = ""
        self.refresh()
        self.messages.show(
            f"Iteration {rec.project.iteration} started. Re-run metric selection (04) and monitoring (05) for the new model.",
            "success",
        )

    def cancel_new_iteration(self) -> None:
        self.confirm_box.layout.display = "none"
        self.messages.show("Nothing changed.", "info")

    # ------------------------------------------------------------------ views
    @staticmethod
    def _render(rec: DecisionRecord, stages: list[StageState], *, saved: bool = True) -> str:
        rows = []
        for st in stages:
            label, fg, bg = _STATUS_STYLE.get(st.state, _STATUS_STYLE["not_started"])
            nb_link, dash_link = stage_links(_STAGE_NOTEBOOK[st.key])
            links = (f"<a href='{esc(nb_link)}' target='_blank' class='aipm-stage-link'>{esc(st.title)}</a>"
                     f"<div style='font-size:11px'><a href='{esc(dash_link)}' target='_blank' class='aipm-dashboard-link'>"
                     "dashboard</a></div>")
            why = "".join(f"<div style='font-size:11px;color:{fg}'>{esc(r)}</div>" for r in st.reasons)
            if st.open_required:
                items = "".join(f"<li>{esc(text)} <span style='color:#777'>({esc(ck)})</span></li>" for ck, text in st.open_required)
                open_cell = (f"<details><summary>{len(st.open_required)} open</summary>"
                             f"<ul style='margin:2px 0;padding-left:16px;font-size:11px'>{items}</ul></details>")
            else:
                open_cell = "<span style='color:#1e5e2f'>none</span>"
            last = st.last_change
            last_cell = (f"{last.when:%Y-%m-%d %H:%M} UTC<div style='font-size:11px;color:#555'>"
                         f"{esc(last.who or 'unknown')}: {esc(last.what)}</div>") if last is not None else ""
            summary = st.summary or ""
            if len(summary) > 220:
                summary = summary[:219] + "…"
            rows.append(
                f"<tr class='aipm-stage aipm-stage-{esc(st.key)}'><td>{links}</td><td>{esc(st.question)}</td>"
                f"<td><span class='aipm-state' style='color:{fg};background:{bg};padding:2px 6px;border-radius:4px;"
                f"white-space:nowrap'>{esc(label)}</span>{why}</td>"
                f"<td style='font-size:12px'>{esc(summary)}</td><td>{open_cell}</td><td>{last_cell}</td>"
                f"<td align='center'>{esc(st.iteration or '')}</td></tr>"
            )
        brief_nb, brief_dash = stage_links(_STAGE_NOTEBOOK["brief"])
        last = rec.history[-1] if (rec.history and saved) else None
        footer = (
            f"<p>Last change: {last.when:%Y-%m-%d %H:%M} UTC by {esc(last.who or 'unknown')} "
            f"({esc(last.section)}): {esc(last.what)}</p>"
            if last
            else ""
        )
        cell = "padding:4px 8px;border-bottom:1px solid #e3e3e3;vertical-align:top"
        return (
            f"<style>.aipm-lifecycle td,.aipm-lifecycle th{{{cell}}}</style>"
            f"<h3>{esc(rec.project.name)}: iteration {esc(rec.project.iteration)}</h3>"
            "<table class='aipm-lifecycle' style='border-collapse:collapse;width:100%'>"
            "<thead><tr><th align='left'>Stage</th><th align='left'>Question</th><th align='left'>State</th>"
            "<th align='left'>Decision</th><th align='left'>Required items open</th><th align='left'>Last change</th>"
            "<th>Iteration</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{footer}"
            f"<p>When the stages are decided: <a href='{esc(brief_nb)}' target='_blank' class='aipm-stage-link'>"
            f"6. the product brief</a> (<a href='{esc(brief_dash)}' target='_blank' class='aipm-dashboard-link'>"
            "dashboard</a>), one document for stakeholders.</p>"
        )

    @staticmethod
    def _render_history(rec: DecisionRecord) -> str:
        if not rec.history:
            return ""
        entries = list(reversed(rec.history))[:HISTORY_ROWS]
        rows = "".join(
            f"<tr><td style='white-space:nowrap'>{c.when:%Y-%m-%d %H:%M}</td><td>{esc(c.who or '')}</td>"
            f"<td>{esc(c.section)}</td><td align='center'>{esc(c.iteration)}</td><td>{esc(c.what)}</td></tr>"
            for c in entries
        )
        more = (f"<p style='font-size:11px;color:#555'>The {HISTORY_ROWS} most recent of {len(rec.history)} changes; "
                "the record file keeps them all.</p>") if len(rec.history) > HISTORY_ROWS else ""
        return (
            f"<details class='aipm-history'><summary><b>History</b> ({len(rec.history)} change{'s' if len(rec.history) != 1 else ''}, "
            "newest first)</summary>"
            "<table class='aipm-lifecycle' style='border-collapse:collapse;font-size:12px;width:100%'>"
            "<thead><tr><th align='left'>When (UTC)</th><th align='left'>Who</th><th align='left'>Section</th>"
            f"<th>Iteration</th><th align='left'>What</th></tr></thead><tbody>{rows}</tbody></table>{more}</details>"
        )

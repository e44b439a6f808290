"""``Checklist``: a checklist from a shipped definition, filled in by the team and saved to the record.

The widget is a thin view over :class:`aipm_widgets.core.checklists.checklist.ChecklistResult` (its ``.result``).
Each item has a state (to do, done, not applicable, blocked), an owner, a note and an evidence link.
Progress per category and the required items still open are shown live; **Save to record** writes the
checklist to ``<section>.checklists[<key>]`` of the decision record, and the widget restores that state
when it is created again (a page reload shows what was saved).

Everything a person typed is shown through escaped HTML or plain text inputs; evidence is rendered as a
link only when it is an http(s) URL.

Examples
--------
>>> import tempfile, pathlib
>>> rec = pathlib.Path(tempfile.mkdtemp()) / "decision_record.yaml"
>>> cl = Checklist("ethics", record_path=rec, section="ethics")
>>> cl.items["audit_done"].state.value = "done"
>>> cl.items["audit_done"].note.value = "Audit in notebook 02, 4/5 rule flagged for women"
>>> cl.save()
>>> Checklist("ethics", record_path=rec, section="ethics").result.entry("audit_done").state
'done'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..core.checklists.checklist import (
    STATE_LABELS,
    STATES,
    ChecklistDefinition,
    ChecklistResult,
    is_http_url,
    load_checklist,
    load_checklist_state,
    save_checklist_state,
)
from ..core.errors import AipmError
from ..core.text.glossary import glossary_html, terms_in
from ._base import MessageArea, default_record_path, esc, guarded

__all__ = ["Checklist", "ItemControls"]

_STATE_COLORS = {
    "todo": ("#555", "#f1f1f1"),
    "done": ("#1e5e2f", "#e9f6ec"),
    "not_applicable": ("#1d4b7a", "#eaf2fb"),
    "blocked": ("#8a1c1c", "#fdecea"),
}


class ItemControls(W.VBox):
    """The controls of one item: ``state`` (Dropdown), ``owner``, ``note``, ``evidence`` (Text)."""

    def __init__(self, item_id: str, text: str, help_text: str, required: bool, **kwargs: Any) -> None:
        self.item_id = item_id
        self.label = W.HTML(
            f"<div class='aipm-item-text'><b>{esc(text)}</b>"
            + (" <span style='color:#8a1c1c;font-size:11px'>required</span>" if required else "")
            + (f"<div style='color:#555;font-size:12px'>{esc(help_text)}</div>" if help_text else "")
            + "</div>",
            layout=W.Layout(width="100%"),
        )
        self.state = W.Dropdown(
            options=[(STATE_LABELS[s], s) for s in STATES], value="todo", layout=W.Layout(width="150px")
        )
        self.owner = W.Text(placeholder="Owner", layout=W.Layout(width="140px"))
        self.note = W.Text(placeholder="Note: why, how, what blocks it", layout=W.Layout(flex="1 1 auto", width="auto"))
        self.evidence = W.Text(placeholder="Evidence link (https://...)", layout=W.Layout(width="230px"))
        self.evidence_view = W.HTML(layout=W.Layout(width="100%"))
        for widget, cls in ((self.state, "aipm-state"), (self.owner, "aipm-owner"), (self.note, "aipm-note"),
                            (self.evidence, "aipm-evidence")):
            widget.add_class(cls)
        inputs = W.HBox([self.state, self.owner, self.note, self.evidence], layout=W.Layout(width="100%"))
        super().__init__(
            [self.label, inputs, self.evidence_view],
            layout=W.Layout(border_bottom="1px solid #eee", padding="4px 0", width="100%"),
            **kwargs,
        )
        self.add_class("aipm-item")
        self.add_class(f"aipm-item-{item_id}")

    def show_evidence(self, evidence: str | None) -> None:
        if not evidence:
            self.evidence_view.value = ""
        elif is_http_url(evidence):
            self.evidence_view.value = (
                f"<span style='font-size:12px'>Evidence: <a href='{esc(evidence)}' target='_blank' "
                f"rel='noopener noreferrer'>{esc(evidence)}</a></span>"
            )
        else:
            self.evidence_view.value = (
                f"<span style='font-size:12px'>Evidence (not a web link, shown as text): {esc(evidence)}</span>"
            )


class Checklist(W.VBox):
    """A checklist the team fills in, saved to the decision record.

    Parameters
    ----------
    definition : str, path or ChecklistDefinition
        A shipped checklist key (``"use_case_scoping"``, ``"stakeholder_expectations"``, ``"ethics"``,
        ``"launch_readiness"``, ``"datasheet"``), a YAML definition file, or a definition.
    record_path : path, optional
        The decision record (default: ``$AIPM_RECORD`` or ``decision_record.yaml`` here).
    section : str
        The record section the checklist belongs to (``scoping``, ``expectations``, ``ethics``, ``data``, ...).
    key : str, optional
        Name under ``<section>.checklists`` (default: the definition's key).
    who : str, optional
        Who saves (default: ``$AIPM_USER`` or the login name).
    autosave : bool
        Save after every change (default False: the team presses **Save to record**).

    Attributes
    ----------
    result : ChecklistResult
        The live core object: ``progress()``, ``required_open()``, ``retired()``, ``to_markdown()``.
    items : dict[str, ItemControls]
        The controls per item id (``items[id].note.value = ...`` is what the browser does).
    """

    def __init__(
        self,
        definition: str | Path | ChecklistDefinition = "use_case_scoping",
        *,
        record_path: str | Path | None = None,
        section: str = "scoping",
        key: str | None = None,
        who: str | None = None,
        autosave: bool = False,
        expanded: bool = False,
        **kwargs: Any,
    ) -> None:
        self.definition = load_checklist(definition)
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.section = section
        self.key = key or self.definition.key
        self.who = who
        self.autosave = autosave
        self.messages = MessageArea()
        self._loading = False
        self.dirty = False

        stored = None
        load_error = None
        try:
            stored = load_checklist_state(self.record_path, section, self.key)
        except AipmError as exc:
            load_error = str(exc)
        self.result = ChecklistResult(self.definition, stored)

        words = [self.definition.title, self.definition.description,
                 *(f"{i.text} {i.help}" for i in self.definition.items)]
        self.header = W.HTML(
            f"<h3 style='margin:4px 0'>{esc(self.definition.title)}</h3>"
            f"<p style='margin:2px 0 6px 0'>{esc(self.definition.description)}</p>"
            + glossary_html(terms_in(*words), title="Terms in this checklist")
        )
        self.progress_view = W.HTML()
        self.progress_view.add_class("aipm-checklist-progress")
        self._items: dict[str, ItemControls] | None = None
        self.retired_view = W.HTML()
        self.retired_view.add_class("aipm-checklist-retired")
        self.notes_view = W.HTML()
        self.notes_view.add_class("aipm-checklist-notes")
        self.save_button = W.Button(description="Save to record", icon="save", button_style="primary")
        self.save_button.add_class("aipm-checklist-save")
        self.save_button.on_click(lambda _: self.save())
        self.markdown_button = W.Button(description="Show as Markdown", icon="file-text")
        self.markdown_button.on_click(lambda _: self._toggle_markdown())
        self.markdown_view = W.Textarea(disabled=True, layout=W.Layout(width="100%", height="240px", display="none"))
        self.download_link = W.HTML()
        self.download_link.add_class("aipm-checklist-download")
        self.saved_view = W.HTML()
        self.saved_view.add_class("aipm-checklist-saved")
        # Collapsed by default (long pages stay navigable); the progress above says how far the team is. The items'
        # controls (about 20 widget models each) are built when first shown or used, so a page with three
        # checklists does not send hundreds of hidden widgets to the browser before its first control appears.
        self.items_box = W.VBox([], layout=W.Layout(display=None if expanded else "none"))
        self.items_box.add_class("aipm-checklist-items")
        self.toggle_button = W.ToggleButton(value=expanded, layout=W.Layout(width="auto"))
        self.toggle_button.add_class("aipm-checklist-toggle")
        self.toggle_button.observe(self._on_toggle, names="value")
        super().__init__(
            [
                self.header,
                self.progress_view,
                self.toggle_button,
                self.items_box,
                self.retired_view,
                self.notes_view,
                W.HBox([self.save_button, self.markdown_button, self.download_link],
                       layout=W.Layout(align_items="center")),
                self.saved_view,
                self.messages,
                self.markdown_view,
            ],
            **kwargs,
        )
        self.add_class("aipm-checklist")
        self.add_class(f"aipm-checklist-{self.key}")
        if expanded:
            self._build_items()
        self._render()
        if load_error:
            self.messages.show(load_error + " The checklist starts empty; saving is refused until the record is fixed.", "error")
        elif stored is not None:
            self._show_saved(stored.saved_at, stored.saved_by, restored=True)
            if stored.version is not None and stored.version != self.definition.version:
                self.messages.show(
                    f"This checklist was saved against version {stored.version} of '{self.definition.title}'; "
                    f"the current version is {self.definition.version}. New items start as to do"
                    + (", and items no longer in the checklist are kept below as retired." if self.result.retired() else "."),
                    "info",
                )

    # ------------------------------------------------------------------ state <-> controls
    @property
    def items(self) -> dict[str, ItemControls]:
        """The controls per item id, built on first use (showing the items, or a script reaching for one)."""
        if self._items is None:
            self._build_items()
        return self._items  # type: ignore[return-value]

    def _build_items(self) -> None:
        items: dict[str, ItemControls] = {}
        blocks: list[W.Widget] = []
        for cat in self.definition.categories:
            blocks.append(W.HTML(f"<h4 style='margin:10px 0 2px 0'>{esc(cat)}</h4>"))
            for item in self.definition.items:
                if item.category != cat:
                    continue
                ctl = ItemControls(item.id, item.text, item.help, item.required)
                items[item.id] = ctl
                for name in ("state", "owner", "note", "evidence"):
                    getattr(ctl, name).observe(
                        lambda change, i=item.id, f=name: self._on_change(i, f, change["new"]), names="value"
                    )
                blocks.append(ctl)
        self._items = items
        self._sync_controls()
        self.items_box.children = blocks

    def _sync_controls(self) -> None:
        """Put the result's state into the controls (without firing change handlers)."""
        if self._items is None:  # not built yet: they take the state when they are
            return
        self._loading = True
        try:
            for item_id, ctl in self._items.items():
                entry = self.result.entry(item_id)
                ctl.state.value = entry.state
                ctl.owner.value = entry.owner or ""
                ctl.note.value = entry.note or ""
                ctl.evidence.value = entry.evidence or ""
                ctl.show_evidence(entry.evidence)
        finally:
            self._loading = False

    @guarded()
    def _on_change(self, item_id: str, field: str, value: Any) -> None:
        if self._loading:
            return
        entry = self.result.set_item(item_id, **{field: value})
        if field == "evidence":
            self.items[item_id].show_evidence(entry.evidence)
        self.dirty = True
        self._render()
        if self.autosave:
            self.save()
        else:
            self.saved_view.value = "<span style='color:#7a4d00;font-size:12px'>Unsaved changes.</span>"

    # ------------------------------------------------------------------ actions
    @guarded()
    def save(self) -> None:
        """Save the checklist to the record (other checklists and sections are kept)."""
        self.messages.clear()
        from ..core.record import load_record

        status = None
        if load_record(self.record_path, create=True).section(self.section).status == "not_started":
            status = "in_progress"
        state = save_checklist_state(self.record_path, self.section, self.key, self.result, who=self.who, status=status)
        self.dirty = False
        self._show_saved(state.saved_at, state.saved_by, restored=False)
        open_items = self.result.required_open()
        if open_items:
            self.messages.show(
                f"Saved. {len(open_items)} required item(s) still open; the stage can still move on, "
                "but the open items are listed in the record.",
                "warning",
            )
        else:
            self.messages.show("Saved. Every required item is done or not applicable.", "success")
        self._render()

    def to_markdown(self) -> str:
        """The checklist as Markdown (user text escaped)."""
        return self.result.to_markdown()

    def export_markdown(self, path: str | Path) -> Path:
        """Write the Markdown export to ``path``."""
        from ..core.record.storage import atomic_write_text

        return atomic_write_text(Path(path), self.to_markdown())

    def reload(self) -> None:
        """Re-read the checklist from the record, dropping unsaved changes."""
        stored = load_checklist_state(self.record_path, self.section, self.key)
        self.result = ChecklistResult(self.definition, stored)
        self.dirty = False
        self._sync_controls()
        self._render()

    @guarded()
    def _toggle_markdown(self) -> None:
        showing = self.markdown_view.layout.display != "none"
        if showing:
            self.markdown_view.layout.display = "none"
            self.markdown_button.description = "Show as Markdown"
        else:
            self.markdown_view.value = self.to_markdown()
            self.markdown_view.layout.display = None
            self.markdown_button.description = "Hide Markdown"

    # ------------------------------------------------------------------ rendering
    def _show_saved(self, when, who, *, restored: bool) -> None:
        verb = "Restored from the record" if restored else "Saved to the record"
        stamp = f"{when:%Y-%m-%d %H:%M} UTC" if when else "earlier"
        by = f" by {esc(who)}" if who else ""
        self.saved_view.value = (
            f"<span style='color:#1e5e2f;font-size:12px'>{verb}: {esc(self.record_path.name)} "
            f"({esc(self.section)}), saved {esc(stamp)}{by}.</span>"
        )

    def _on_toggle(self, change: dict) -> None:
        if change["new"] and self._items is None:
            self._build_items()
        self.items_box.layout.display = None if change["new"] else "none"
        self._label_toggle()

    def _label_toggle(self) -> None:
        overall = self.result.overall()
        verb = "Hide" if self.toggle_button.value else "Show"
        self.toggle_button.description = f"{verb} the {overall.total} items ({overall.complete} of {overall.total} complete)"

    def _render(self) -> None:
        res = self.result
        overall = res.overall()
        rows = []
        for prog in res.progress().values():
            pct = round(100 * prog.share_complete)
            rows.append(
                "<tr>"
                f"<td style='padding:1px 8px 1px 0'>{esc(prog.category)}</td>"
                f"<td><div style='width:160px;height:10px;background:#eee;border-radius:5px'>"
                f"<div style='width:{pct}%;height:10px;background:#3a7d44;border-radius:5px'></div></div></td>"
                f"<td style='padding:1px 8px'>{prog.complete}/{prog.total}</td>"
                f"<td style='color:#8a1c1c'>{'%d blocked' % prog.blocked if prog.blocked else ''}</td></tr>"
            )
        open_items = res.required_open()
        open_html = (
            "<div style='margin-top:4px'><b>Required items still open ({n}):</b><ul style='margin:2px 0'>{li}</ul></div>".format(
                n=len(open_items), li="".join(f"<li>{esc(it.text)}</li>" for it in open_items)
            )
            if open_items
            else "<div style='margin-top:4px;color:#1e5e2f'><b>Every required item is done or not applicable.</b></div>"
        )
        self.progress_view.value = (
            f"<div><b>{overall.complete} of {overall.total} items complete</b> "
            f"({overall.done} done, {overall.not_applicable} not applicable, {overall.blocked} blocked, "
            f"{overall.todo} to do)</div>"
            f"<table style='border-collapse:collapse;font-size:12px'>{''.join(rows)}</table>{open_html}"
        )
        self._label_toggle()
        self.retired_view.value = self._render_retired()
        self.notes_view.value = self._render_notes()
        self.download_link.value = self._render_download()
        if self.markdown_view.layout.display != "none":
            self.markdown_view.value = self.to_markdown()

    def _render_download(self) -> str:
        # base64 in a data: URI, so nothing a user typed reaches the HTML as markup.
        import base64

        payload = base64.b64encode(self.to_markdown().encode("utf-8")).decode("ascii")
        name = re.sub(r"[^a-z0-9_]+", "_", self.key.lower()) or "checklist"
        return (
            f"<a download='{name}.md' href='data:text/markdown;charset=utf-8;base64,{payload}' "
            "style='margin-left:8px;font-size:13px;color:#1d4b7a;text-decoration:underline'>Download as Markdown</a>"
        )

    def _render_retired(self) -> str:
        retired = self.result.retired()
        if not retired:
            return ""
        li = []
        for item_id in retired:
            e = self.result.state.items[item_id]
            fg, bg = _STATE_COLORS[e.state]
            li.append(
                f"<li><span style='color:{fg};background:{bg};padding:0 4px'>{esc(STATE_LABELS[e.state])}</span> "
                f"{esc(e.text or item_id)} <span style='color:#777'>({esc(item_id)})</span>"
                + (f": {esc(e.note)}" if e.note else "")
                + "</li>"
            )
        return (
            "<div style='margin-top:8px'><h4 style='margin:4px 0'>Retired items</h4>"
            "<p style='font-size:12px;margin:0'>Kept from an older version of this checklist; they are saved "
            f"back unchanged.</p><ul>{''.join(li)}</ul></div>"
        )

    def _render_notes(self) -> str:
        rows = []
        for item in self.definition.items:
            e = self.result.entry(item.id)
            if not (e.note or e.owner or e.state != "todo"):
                continue
            fg, bg = _STATE_COLORS[e.state]
            rows.append(
                "<tr>"
                f"<td style='padding:2px 6px'>{esc(item.text)}</td>"
                f"<td style='padding:2px 6px'><span style='color:{fg};background:{bg};padding:0 4px'>"
                f"{esc(STATE_LABELS[e.state])}</span></td>"
                f"<td style='padding:2px 6px'>{esc(e.owner or '')}</td>"
                f"<td class='aipm-note-text' style='padding:2px 6px'>{esc(e.note or '')}</td></tr>"
            )
        if not rows:
            return ""
        return (
            "<div style='margin-top:8px'><h4 style='margin:4px 0'>What the team recorded</h4>"
            "<table style='border-collapse:collapse;font-size:12px'><thead><tr><th align='left'>Item</th>"
            "<th align='left'>State</th><th align='left'>Owner</th><th align='left'>Note</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

"""``ProjectPanel``: the start page's *Your product* panel, and the button that makes an upload a project source.

The panel edits the record's ``project`` section (name, owners, currency, volume per day, task, the data
sources and the column roles) and the name of who decides on this machine, with exactly the checks of
``aipm project set`` (:func:`aipm_widgets.core.project.set_project`): a wrong value is said in the panel and
nothing is saved. :class:`UseAsSource` sits under an upload panel: it copies the uploaded table into the
workbook folder and records it as the project's validation or production data, with the columns chosen there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import ipywidgets as W

from ..core.errors import InputDataError
from ._base import MessageArea, default_record_path, esc, guarded

__all__ = ["ProjectPanel", "UseAsSource", "ROLE_FIELDS"]

ROLE_FIELDS = ("label", "positive", "score", "prediction", "timestamp", "id", "value")
LIST_FIELDS = ("groups", "features")
_ROLE_HELP = {
    "label": "true outcome", "positive": "label value that counts as positive", "score": "model's score",
    "prediction": "model's decision / class", "timestamp": "when each row was scored", "id": "row id",
    "value": "money at stake per row", "groups": "columns to audit fairness across, comma-separated",
    "features": "model inputs, comma-separated (empty: every other column)",
}
_STYLE = {"description_width": "130px"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


class ProjectPanel(W.VBox):
    """Edit the project of the decision record: the same fields and checks as ``aipm project set``.

    Parameters
    ----------
    record_path : path, optional
        The decision record (default: ``$AIPM_RECORD`` or ``decision_record.yaml`` here).
    on_saved : callable, optional
        Called with no argument after a successful save (the start page redraws its table).

    Attributes
    ----------
    result : ProjectData or None
        The project as last read.
    fields : dict
        The input widget of each settable key (``name``, ``columns.label``, ...), for tests.
    """

    def __init__(self, record_path: str | Path | None = None, *, on_saved: Callable[[], None] | None = None,
                 **kwargs: Any) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.on_saved = on_saved
        self.messages = MessageArea()
        self.result = None
        self._loaded: dict[str, str] = {}
        wide = W.Layout(width="520px")
        self.fields: dict[str, W.Widget] = {
            "name": W.Text(description="Product name", style=_STYLE, layout=wide),
            "owners": W.Text(description="Owners", placeholder="comma-separated: people or teams", style=_STYLE, layout=wide),
            "description": W.Text(description="What it is for", placeholder="one sentence", style=_STYLE, layout=wide),
            # The demo is entered with `aipm init DIR --demo`; here a demo project can switch to its own data.
            "example": W.Dropdown(options=[("our own data", "none")], description="Data", style=_STYLE,
                                  layout=W.Layout(width="320px")),
            "task": W.Dropdown(options=[("infer from the label", "none"), ("yes/no (binary)", "binary"),
                                        ("classes (multiclass)", "multiclass"), ("a number (regression)", "regression")],
                               description="Task", style=_STYLE, layout=W.Layout(width="320px")),
            "currency": W.Text(description="Currency", placeholder="ISO 4217 code: USD, CHF, JPY...", style=_STYLE,
                               layout=W.Layout(width="320px")),
            "volume_per_day": W.Text(description="Decisions a day", placeholder="e.g. 2000", style=_STYLE,
                                     layout=W.Layout(width="320px")),
            "sources.validation": W.Text(description="Validation data", placeholder="data/validation.csv (with labels)",
                                         style=_STYLE, layout=wide),
            "sources.production": W.Text(description="Production log", placeholder="data/production.parquet",
                                         style=_STYLE, layout=wide),
        }
        for role in ROLE_FIELDS:
            self.fields[f"columns.{role}"] = W.Combobox(description=role.capitalize() if role != "id" else "Id",
                                                        placeholder=_ROLE_HELP[role], ensure_option=False,
                                                        style={"description_width": "90px"}, layout=W.Layout(width="340px"))
        for role in LIST_FIELDS:
            self.fields[f"columns.{role}"] = W.Text(description=role.capitalize(), placeholder=_ROLE_HELP[role],
                                                    style={"description_width": "90px"}, layout=W.Layout(width="520px"))
        for key, widget in self.fields.items():
            widget.add_class("aipm-project-" + key.replace(".", "-").replace("_", "-"))
        self.user = W.Text(description="Your name", placeholder="who decides: saved on this machine", style=_STYLE,
                           layout=W.Layout(width="420px"))
        self.user.add_class("aipm-project-user")
        self.save_button = W.Button(description="Save product settings", icon="save", button_style="primary",
                                    layout=W.Layout(width="220px"))
        self.save_button.add_class("aipm-project-save")
        self.save_button.on_click(lambda _: self.save())
        self.columns_hint = W.HTML()
        f = self.fields
        body = W.VBox([
            W.HTML("<div style='font-size:12px;color:#444'>Set once; every stage reads its data, columns, currency and "
                   "volume from here (the same as <code>aipm project set KEY=VALUE</code>). Paths are relative to the "
                   "workbook folder.</div>"),
            self.user, f["name"], f["owners"], f["description"],
            W.HBox([f["example"], f["task"]]), W.HBox([f["currency"], f["volume_per_day"]]),
            f["sources.validation"], f["sources.production"],
            W.HTML("<b style='font-size:13px'>Columns</b>"), self.columns_hint,
            W.HBox([f["columns.label"], f["columns.positive"]]), W.HBox([f["columns.score"], f["columns.prediction"]]),
            W.HBox([f["columns.timestamp"], f["columns.id"]]), f["columns.value"], f["columns.groups"], f["columns.features"],
            self.save_button, self.messages,
        ])
        self.title = W.HTML()
        self.details = W.Accordion(children=[body])
        self.details.set_title(0, "Your product: name, owners, currency, data and columns")
        super().__init__([self.title, self.details], **kwargs)
        self.add_class("aipm-project-panel")
        self.refresh()

    # ------------------------------------------------------------------ reading
    def _values(self, project: Any) -> dict[str, str]:
        p = project.project
        c = p.columns
        values = {
            "name": p.name, "owners": _text(p.owners), "description": _text(p.description),
            "example": p.example or "none", "task": p.task or "none", "currency": p.currency,
            "volume_per_day": _text(p.volume_per_day),
            "sources.validation": _text(p.sources.validation), "sources.production": _text(p.sources.production),
        }
        for role in (*ROLE_FIELDS, *LIST_FIELDS):
            values[f"columns.{role}"] = _text(getattr(c, role))
        return values

    @guarded()
    def refresh(self) -> None:
        """Re-read the project from the record and fill the fields."""
        from ..core.project import load_project
        from ..core.record import current_user

        self.user.value = current_user() or ""
        project = load_project(self.record_path)
        self.result = project
        self._loaded = self._values(project)
        example = self.fields["example"]
        example.options = [("our own data", "none")] + ([(f"demo: {project.example}", project.example)]
                                                        if project.is_demo else [])
        for key, value in self._loaded.items():
            self.fields[key].value = value
        self._offer_columns(project)
        kind = f"the demo ({project.example})" if project.is_demo else "your own data"
        owners = f" &middot; {esc(', '.join(project.owners))}" if project.owners else ""
        self.title.value = (f"<div class='aipm-project-title' style='font-size:14px;margin:4px 0'><b>{esc(project.name)}</b>"
                            f"{owners} &middot; {esc(kind)} &middot; {esc(project.currency)}"
                            + (f" &middot; {project.volume_per_day:,} decisions a day" if project.volume_per_day else "")
                            + (f" &middot; decisions saved as <b>{esc(self.user.value)}</b>" if self.user.value else
                               " &middot; <span style='color:#8a1c1c'>type your name below so saves say who decided</span>")
                            + "</div>")

    def _offer_columns(self, project: Any) -> None:
        label = project.columns.label
        try:
            outline = project.outline("validation", label)  # the demo's without reading its table (no pandas)
        except Exception as exc:  # noqa: BLE001 - the panel must open even when the data cannot be read
            self.columns_hint.value = f"<span style='font-size:12px;color:#8a1c1c'>{esc(exc)}</span>"
            outline = None
        columns, label_values = outline if outline is not None else ([], [])
        for role in ROLE_FIELDS:
            if role != "positive":
                self.fields[f"columns.{role}"].options = columns
        if label in columns:
            self.fields["columns.positive"].options = [str(v) for v in label_values]
        if outline is not None:
            self.columns_hint.value = ("<span style='font-size:12px;color:#555'>Columns of the validation data: "
                                       + esc(", ".join(columns[:40])) + ("..." if len(columns) > 40 else "") + "</span>")

    # ------------------------------------------------------------------ saving
    def changes(self) -> dict[str, str]:
        """The fields the user changed since the last read, as ``aipm project set`` assignments."""
        out = {}
        for key, widget in self.fields.items():
            value = str(widget.value if widget.value is not None else "").strip()
            if value != self._loaded.get(key, ""):
                out[key] = value if value else "none"
        return out

    @guarded()
    def save(self) -> None:
        """Check and save the changed fields (and the name, on this machine); errors are said, nothing half-saved."""
        from ..core.project import set_project
        from ..core.record import current_user

        self.messages.clear()
        changes = self.changes()
        user = " ".join(self.user.value.split())
        if not user:
            raise InputDataError("Type your name first (who decides): every save on every stage records it.")
        if user != (current_user() or ""):
            changes["user"] = user
        if not changes:
            self.messages.show("Nothing changed.", "info")
            return
        set_project(self.record_path, changes, who=user)
        saved = ", ".join(k for k in changes)
        self.refresh()
        self.messages.show(f"Saved: {saved}. Re-open a stage's page to use the new settings.", "success")
        if self.on_saved is not None:
            self.on_saved()


class UseAsSource(W.HBox):
    """A button under an upload panel: "Use as the project's validation data" (or production log).

    An uploaded file is copied into the workbook folder (``data/`` next to the record, never overwriting
    another file) and recorded as the project's source; a file loaded from a path is recorded as it is. The
    columns chosen in the panel (label, id, timestamp, and what ``roles`` returns) are recorded with it.
    """

    def __init__(self, loader: Any, which: str, *, roles: Callable[[], dict[str, Any]] | None = None,
                 record_path: str | Path | None = None, **kwargs: Any) -> None:
        if which not in ("validation", "production"):
            raise InputDataError(f"which must be 'validation' or 'production', not {which!r}.")
        self.loader, self.which, self._roles = loader, which, roles
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.messages = MessageArea()
        words = "validation data" if which == "validation" else "production data"
        self.button = W.Button(description=f"Use as the project's {words}", icon="thumb-tack",
                               layout=W.Layout(width="310px"))
        self.button.add_class(f"aipm-use-as-{which}")
        self.button.on_click(lambda _: self.save())
        self.saved: dict[str, Any] | None = None
        super().__init__([self.button, self.messages], **kwargs)

    @guarded()
    def save(self) -> None:
        from ..core.project import save_upload_as_source, set_project, validate_project_changes
        from ..core.record import current_user, load_record

        self.messages.clear()
        loader = self.loader
        if getattr(loader, "frame", None) is None:
            raise InputDataError("Load a table first (upload a file or type its path).")
        folder = self.record_path.resolve().parent
        roles = dict(loader.roles()) if hasattr(loader, "roles") else {}
        roles.update(self._roles() if self._roles else {})
        changes: dict[str, Any] = {f"columns.{role}": col for role, col in roles.items() if col not in (None, "")}
        if self.which == "validation":
            changes["example"] = "none"  # the team's own data from now on
        who = current_user()
        raw = getattr(loader, "raw", None)
        if raw is None and not getattr(loader, "loaded_path", None):
            raise InputDataError("This table was not uploaded or read from a file, so it cannot become a project source.")
        if raw is None:
            changes[f"sources.{self.which}"] = str(loader.loaded_path)
        # Check the column settings before anything is written: a refused setting leaves the record as it was.
        validate_project_changes(changes, load_record(self.record_path, create=True).project, folder=folder,
                                 typed_from=folder)
        if raw is not None:
            content, name = raw
            save_upload_as_source(self.record_path, self.which, content, name, who=who)
        set_project(self.record_path, changes, typed_from=folder, who=who)
        self.saved = changes
        project = load_project_quiet(self.record_path)
        path = getattr(getattr(getattr(project, "project", None), "sources", None), self.which, None) or "the file"
        shown = ", ".join(f"{k}={v}" for k, v in changes.items() if not k.startswith("sources."))
        self.messages.show(f"Saved {Path(str(path)).name} as the project's {self.which} data"
                           + (f" ({shown})" if shown else "") + ". Every stage now reads it.", "success")


def load_project_quiet(record_path: Path):
    """The project of the record, or None when it cannot be read (for messages only)."""
    from ..core.errors import AipmError
    from ..core.project import load_project

    try:
        return load_project(record_path)
    except AipmError:
        return None

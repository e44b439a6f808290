"""Checklists: item definitions, each item's state in the decision record, progress and export.

A *checklist definition* is shipped data (``aipm_widgets/core/checklists/*.yaml``): items with an
``id``, ``text``, ``help``, ``required`` flag and ``category``. What a team did with each item is a
:class:`ChecklistState` stored in the decision record, under the ``checklists`` dict of the stage's
section, keyed by a name (usually the definition's key)::

    scoping:
      checklists:
        use_case_scoping:          # <- the key
          checklist: use_case_scoping
          version: 1
          items:
            problem_statement: {state: done, owner: Ana, note: ..., evidence: https://...}

Stable API (other stages build on it):

* :func:`load_checklist` (``"use_case_scoping"``, ``"stakeholder_expectations"``, ``"ethics"``,
  ``"launch_readiness"``, ``"datasheet"`` or a path to a YAML file) -> :class:`ChecklistDefinition`;
  :func:`available_checklists` lists the shipped keys.
* :class:`ChecklistState` / :class:`ItemEntry`: the pydantic models stored in the record. A section
  owner adds ``checklists: dict[str, ChecklistState] = Field(default_factory=dict)`` to its section
  (scoping has it; expectations and ethics are owned by stage 2). Saving works even before the field
  exists, because sections keep unknown fields.
* :class:`ChecklistResult` = definition + state: ``progress()``, ``required_open()``, ``retired()``,
  ``set_item(...)``, ``to_markdown()``. It is what the ``Checklist`` widget's ``.result`` returns.
* :func:`merge_state` reconciles a stored state with the current definition: items the record lacks
  start as ``todo``; ids the definition no longer has are kept (shown as *retired*), never dropped.
* :func:`load_checklist_state` / :func:`save_checklist_state` read and write one checklist in a record
  (other checklists in the same section are kept).
* :func:`md_escape` / :func:`safe_link` make user text safe in Markdown (and HTML) exports.

Item states: ``todo`` (to do), ``done``, ``not_applicable`` and ``blocked``. An item is *complete*
when it is done or not applicable; a required item that is not complete is *open* (blocked is open).

Examples
--------
>>> definition = load_checklist("launch_readiness")
>>> result = ChecklistResult(definition)
>>> entry = result.set_item("rollback_plan", state="done", owner="Ana", note="Tested on 3 March")
>>> result.progress()["Rollback"].done
1
>>> "rollback_plan" in [item.id for item in result.required_open()]
False
>>> md_escape("<img src=x onerror=alert(1)>")
'&lt;img src\\\\=x onerror\\\\=alert\\\\(1\\\\)&gt;'
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from pydantic import Field, field_validator

from ..errors import AipmError
from ..model import RecordModel

__all__ = [
    "STATES",
    "STATE_LABELS",
    "COMPLETE_STATES",
    "ItemState",
    "ChecklistItem",
    "ChecklistDefinition",
    "ItemEntry",
    "ChecklistState",
    "CategoryProgress",
    "ChecklistResult",
    "merge_state",
    "load_checklist",
    "available_checklists",
    "load_checklist_state",
    "save_checklist_state",
    "md_escape",
    "safe_link",
    "is_http_url",
    "UNKNOWN_ITEM",
    "BAD_STATE",
]

ItemState = Literal["todo", "done", "not_applicable", "blocked"]
STATES: tuple[str, ...] = ("todo", "done", "not_applicable", "blocked")
STATE_LABELS = {"todo": "To do", "done": "Done", "not_applicable": "Not applicable", "blocked": "Blocked"}
COMPLETE_STATES = frozenset({"done", "not_applicable"})
_STATE_ALIASES = {
    "to_do": "todo", "to do": "todo", "open": "todo", "": "todo",
    "n/a": "not_applicable", "na": "not_applicable", "not applicable": "not_applicable",
    "not-applicable": "not_applicable", "complete": "done", "completed": "done",
}
_MAX_TEXT = 5_000  # a note is a few sentences, not a document
_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
CHECKLIST_DIR = Path(__file__).resolve().parent

UNKNOWN_ITEM = "The checklist {checklist!r} has no item {item!r}; its items are: {known}."
BAD_STATE = "Item state {state!r} is not one of: to do (todo), done, not applicable (not_applicable), blocked."


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class ChecklistItem:
    """One question of a checklist definition."""

    id: str
    text: str
    category: str
    help: str = ""
    required: bool = False


@dataclass(frozen=True)
class ChecklistDefinition:
    """A named, versioned list of :class:`ChecklistItem` (shipped as YAML data)."""

    key: str
    title: str
    items: tuple[ChecklistItem, ...]
    description: str = ""
    version: int = 1
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise AipmError(f"Checklist {self.key!r}: the item id {item.id!r} appears twice; ids must be unique.")
            seen.add(item.id)

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def categories(self) -> list[str]:
        """Categories in the order their first item appears."""
        return list(dict.fromkeys(item.category for item in self.items))

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise AipmError(UNKNOWN_ITEM.format(checklist=self.key, item=item_id, known=", ".join(self.ids)))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<checklist>") -> "ChecklistDefinition":
        """Build a definition from plain data, with errors that name the file and the item."""
        if not isinstance(data, dict):
            raise AipmError(f"{source}: a checklist definition must be a mapping with 'key', 'title' and 'items'.")
        missing = [k for k in ("key", "title", "items") if k not in data]
        if missing:
            raise AipmError(f"{source}: the checklist definition lacks {', '.join(missing)}.")
        raw_items = data["items"]
        if not isinstance(raw_items, list) or not raw_items:
            raise AipmError(f"{source}: 'items' must be a non-empty list.")
        items = []
        for n, raw in enumerate(raw_items, start=1):
            if not isinstance(raw, dict):
                raise AipmError(f"{source}: item {n} must be a mapping with id, text and category.")
            lacks = [k for k in ("id", "text", "category") if not str(raw.get(k) or "").strip()]
            if lacks:
                raise AipmError(f"{source}: item {n} ({raw.get('id', '?')!r}) lacks {', '.join(lacks)}.")
            item_id = str(raw["id"])
            if not _ID.match(item_id):
                raise AipmError(
                    f"{source}: item id {item_id!r} must be lower-case letters, digits and underscores."
                )
            required = raw.get("required", False)
            if not isinstance(required, bool):
                raise AipmError(f"{source}: item {item_id!r}: 'required' must be true or false, not {required!r}.")
            items.append(
                ChecklistItem(
                    id=item_id,
                    text=" ".join(str(raw["text"]).split()),
                    category=str(raw["category"]).strip(),
                    help=" ".join(str(raw.get("help") or "").split()),
                    required=required,
                )
            )
        return cls(
            key=str(data["key"]),
            title=str(data["title"]),
            items=tuple(items),
            description=" ".join(str(data.get("description") or "").split()),
            version=int(data.get("version", 1)),
            sources=tuple(str(s) for s in data.get("sources") or ()),
        )


def available_checklists() -> list[str]:
    """Keys of the shipped checklist definitions."""
    return sorted(p.stem for p in CHECKLIST_DIR.glob("*.yaml"))


def load_checklist(name: str | os.PathLike | ChecklistDefinition) -> ChecklistDefinition:
    """A shipped checklist by key (``"ethics"``), or a definition read from a YAML file path.

    Examples
    --------
    >>> d = load_checklist("ethics")
    >>> d.categories[:2]
    ['Bias and fairness', 'Transparency']
    """
    if isinstance(name, ChecklistDefinition):
        return name

    text_name = str(name)
    path = Path(text_name)
    if path.suffix.lower() not in {".yaml", ".yml"}:
        if text_name not in available_checklists():
            raise AipmError(
                f"No checklist called {text_name!r}; the shipped ones are: {', '.join(available_checklists())} "
                "(or give the path of a YAML definition)."
            )
        path = CHECKLIST_DIR / f"{text_name}.yaml"
    from ..io.safe_yaml import load_yaml_file

    data = load_yaml_file(path, what="checklist definition file")
    return ChecklistDefinition.from_dict(data, source=str(path))


# --------------------------------------------------------------------------- record models


class ItemEntry(RecordModel):
    """What the team recorded for one checklist item."""

    state: ItemState = Field("todo", description="todo, done, not_applicable or blocked.")
    owner: str | None = Field(None, description="Who is responsible for the item.")
    note: str | None = Field(None, description="Why, how, or what blocks it.")
    evidence: str | None = Field(None, description="A link (http/https) or a reference to the evidence.")
    text: str | None = Field(None, description="The item's text when saved (so a retired item stays readable).")
    category: str | None = Field(None, description="The item's category when saved.")
    updated_at: datetime | None = None

    @field_validator("state", mode="before")
    @classmethod
    def _normalise_state(cls, value: Any) -> Any:
        if value is None:
            return "todo"
        if isinstance(value, str):
            key = value.strip().lower()
            key = _STATE_ALIASES.get(key, key).replace(" ", "_")
            if key in STATES:
                return key
        raise ValueError(BAD_STATE.format(state=value))

    @field_validator("owner", "note", "evidence", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip()
        if len(text) > _MAX_TEXT:
            raise ValueError(f"is {len(text):,} characters long; keep it under {_MAX_TEXT:,} (link a document instead)")
        return text or None


class ChecklistState(RecordModel):
    """One filled-in checklist as stored in the decision record."""

    checklist: str = Field(..., description="Key of the checklist definition (use_case_scoping, ethics, ...).")
    version: int | None = Field(None, description="Version of the definition the items were last saved against.")
    title: str | None = None
    items: dict[str, ItemEntry] = Field(default_factory=dict, description="Item id -> what the team recorded.")
    saved_at: datetime | None = None
    saved_by: str | None = None


def merge_state(definition: ChecklistDefinition, stored: ChecklistState | dict | None) -> ChecklistState:
    """Reconcile a stored state with the current definition; nothing stored is lost.

    Items of the definition missing from ``stored`` start as ``todo`` (a record from an older
    definition loads); items in ``stored`` the definition does not know are kept as they are (they
    are reported by :meth:`ChecklistResult.retired`). Order: definition items first, then the rest.
    """
    if stored is None:
        stored_state = ChecklistState(checklist=definition.key, version=definition.version, title=definition.title)
    elif isinstance(stored, ChecklistState):
        stored_state = stored.model_copy(deep=True)
    else:
        data = dict(stored)
        data.setdefault("checklist", definition.key)
        stored_state = ChecklistState.model_validate(data)
    items: dict[str, ItemEntry] = {}
    for item in definition.items:
        entry = stored_state.items.get(item.id) or ItemEntry()
        items[item.id] = entry
    for item_id, entry in stored_state.items.items():
        if item_id not in items:
            items[item_id] = entry
    stored_state.items = items
    if not stored_state.title:
        stored_state.title = definition.title
    return stored_state


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CategoryProgress:
    """Counts for one category (or the whole checklist)."""

    category: str
    total: int
    done: int
    not_applicable: int
    blocked: int
    todo: int
    required_open: int

    @property
    def complete(self) -> int:
        return self.done + self.not_applicable

    @property
    def share_complete(self) -> float:
        return self.complete / self.total if self.total else 1.0

    def sentence(self) -> str:
        text = f"{self.category}: {self.complete} of {self.total} complete"
        extra = []
        if self.blocked:
            extra.append(f"{self.blocked} blocked")
        if self.required_open:
            extra.append(f"{self.required_open} required still open")
        return text + (f" ({', '.join(extra)})" if extra else "")


@dataclass
class ChecklistResult:
    """A checklist definition with what the team recorded: the object a ``Checklist`` widget shows.

    Parameters
    ----------
    definition : ChecklistDefinition or str
        The definition, or the key of a shipped one.
    state : ChecklistState or dict, optional
        A stored state (from the record); merged with the definition by :func:`merge_state`.
    """

    definition: ChecklistDefinition
    state: ChecklistState = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.definition = load_checklist(self.definition)
        self.state = merge_state(self.definition, self.state)

    # -- reading
    def entry(self, item_id: str) -> ItemEntry:
        if item_id not in self.state.items:
            self.definition.item(item_id)  # raises the error in words
        return self.state.items[item_id]

    def retired(self) -> list[str]:
        """Ids kept from the record that the current definition no longer has."""
        known = set(self.definition.ids)
        return [i for i in self.state.items if i not in known]

    def progress(self) -> dict[str, CategoryProgress]:
        """Progress per category, in definition order (retired items are not counted)."""
        out = {}
        for cat in self.definition.categories:
            out[cat] = self._count(cat, [it for it in self.definition.items if it.category == cat])
        return out

    def overall(self) -> CategoryProgress:
        return self._count("All items", list(self.definition.items))

    def _count(self, name: str, items: list[ChecklistItem]) -> CategoryProgress:
        states = [self.state.items[it.id].state for it in items]
        return CategoryProgress(
            category=name,
            total=len(items),
            done=states.count("done"),
            not_applicable=states.count("not_applicable"),
            blocked=states.count("blocked"),
            todo=states.count("todo"),
            required_open=sum(
                1 for it in items if it.required and self.state.items[it.id].state not in COMPLETE_STATES
            ),
        )

    def required_open(self) -> list[ChecklistItem]:
        """Required items that are neither done nor not applicable (blocked ones included)."""
        return [
            it for it in self.definition.items if it.required and self.state.items[it.id].state not in COMPLETE_STATES
        ]

    @property
    def is_complete(self) -> bool:
        """True when no required item is open."""
        return not self.required_open()

    # -- changing
    def set_item(
        self,
        item_id: str,
        *,
        state: str | None = None,
        owner: str | None = None,
        note: str | None = None,
        evidence: str | None = None,
    ) -> ItemEntry:
        """Change one item (``None`` leaves a field as it is; ``""`` clears it)."""
        entry = self.entry(item_id)
        data = entry.model_dump()
        for key, value in (("state", state), ("owner", owner), ("note", note), ("evidence", evidence)):
            if value is not None:
                data[key] = value
        try:
            new = ItemEntry.model_validate(data)
        except Exception as exc:  # pydantic ValidationError -> words
            raise AipmError(f"Item {item_id!r}: {_validation_words(exc)}") from None
        if new.model_dump(exclude={"updated_at"}) != entry.model_dump(exclude={"updated_at"}):
            new.updated_at = _now()
        self.state.items[item_id] = new
        return new

    def to_state(self, *, who: str | None = None) -> ChecklistState:
        """The state to store: item texts and categories snapshotted, version stamped."""
        state = self.state.model_copy(deep=True)
        for item in self.definition.items:
            entry = state.items[item.id]
            entry.text = item.text
            entry.category = item.category
        state.checklist = self.definition.key
        state.version = self.definition.version
        state.title = self.definition.title
        state.saved_at = _now()
        state.saved_by = who
        return state

    # -- export
    def to_markdown(self, *, heading_level: int = 2) -> str:
        """The checklist as Markdown; every piece of user text is escaped, links only for http(s)."""
        h = "#" * max(1, min(heading_level, 5))
        overall = self.overall()
        lines = [f"{h} {md_escape(self.definition.title)}", ""]
        lines.append(
            f"{overall.complete} of {overall.total} items complete "
            f"({overall.done} done, {overall.not_applicable} not applicable, {overall.blocked} blocked, "
            f"{overall.todo} to do)."
        )
        open_items = self.required_open()
        if open_items:
            lines.append("")
            lines.append(f"**Required items still open ({len(open_items)}):** " + "; ".join(md_escape(it.text) for it in open_items))
        for cat in self.definition.categories:
            prog = self.progress()[cat]
            lines += ["", f"{h}# {md_escape(cat)} ({prog.complete}/{prog.total})", ""]
            for item in self.definition.items:
                if item.category == cat:
                    lines.append(self._md_line(item.id, item.text, item.required))
        retired = self.retired()
        if retired:
            lines += ["", f"{h}# Retired items (kept from an older version of this checklist)", ""]
            for item_id in retired:
                entry = self.state.items[item_id]
                lines.append(self._md_line(item_id, entry.text or item_id, False))
        return "\n".join(lines) + "\n"

    def _md_line(self, item_id: str, text: str, required: bool) -> str:
        entry = self.state.items[item_id]
        box = "x" if entry.state in COMPLETE_STATES else " "
        parts = [f"- [{box}] {md_escape(text)}" + (" *(required)*" if required else ""), f"**{STATE_LABELS[entry.state]}**"]
        if entry.owner:
            parts.append(f"owner: {md_escape(entry.owner)}")
        if entry.note:
            parts.append(f"note: {md_escape(entry.note)}")
        if entry.evidence:
            parts.append(f"evidence: {safe_link(entry.evidence)}")
        return " · ".join(parts)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        o = self.overall()
        return (
            f"ChecklistResult({self.definition.key!r}: {o.complete}/{o.total} complete, "
            f"{len(self.required_open())} required open, {len(self.retired())} retired)"
        )


def _validation_words(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors())
    return str(exc)


# --------------------------------------------------------------------------- escaping

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>=:])")


def md_escape(text: Any) -> str:
    """User text made inert in Markdown and HTML: HTML-escaped, Markdown specials backslash-escaped.

    Newlines become spaces (a note must not start a heading or a list), control characters are dropped.
    """
    s = "" if text is None else str(text)
    s = "".join(ch if ch.isprintable() or ch in "\t\n\r" else " " for ch in s)
    s = " ".join(s.split())
    s = html.escape(s, quote=True)
    return _MD_SPECIAL.sub(r"\\\1", s)


def is_http_url(text: Any) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace or control characters."""
    if not isinstance(text, str) or not text or any(ch.isspace() or not ch.isprintable() for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def safe_link(text: Any) -> str:
    """A Markdown link for an http(s) URL, escaped plain text for anything else."""
    if is_http_url(text):
        url = quote(text, safe=":/?#@!$&*+,;=%~-._")
        return f"[{md_escape(text)}](<{url}>)"
    return md_escape(text)


# --------------------------------------------------------------------------- record I/O


def load_checklist_state(record_path: str | os.PathLike, section: str, key: str) -> ChecklistState | None:
    """The stored state of checklist ``key`` in ``section`` of the record, or None if there is none."""
    from ..record import load_record

    path = Path(record_path)
    if not path.exists():
        return None
    record = load_record(path)
    raw = getattr(record.section(section), "checklists", None) or {}
    stored = raw.get(key)
    if stored is None:
        return None
    if isinstance(stored, ChecklistState):
        return stored
    try:
        return ChecklistState.model_validate(stored)
    except Exception as exc:
        raise AipmError(f"{path}: {section}.checklists.{key} is invalid: {_validation_words(exc)}") from None


def save_checklist_state(
    record_path: str | os.PathLike,
    section: str,
    key: str,
    result: ChecklistResult,
    *,
    who: str | None = None,
    status: str | None = None,
) -> ChecklistState:
    """Save one checklist into ``section.checklists[key]`` of the record; other checklists are kept.

    Returns the state as saved. ``status`` optionally sets the section's status too (``in_progress``).
    """
    from ..record import current_user, update_section

    path = Path(record_path)
    who = who if who is not None else current_user()
    state = result.to_state(who=who)

    def merged(current: dict[str, Any]) -> dict[str, Any]:
        # Runs under the record's lock: other checklists saved meanwhile by another kernel are kept.
        checklists = dict(current.get("checklists") or {})
        checklists[key] = state.model_dump(mode="json")
        values: dict[str, Any] = {"checklists": checklists}
        if status:
            values["status"] = status
        return values

    overall = result.overall()
    update_section(
        path,
        section,
        merged,
        what=f"Checklist '{result.definition.title}': {overall.complete}/{overall.total} complete, "
        f"{len(result.required_open())} required open",
        who=who,
    )
    return state

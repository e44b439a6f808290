"""The decision record: one versioned, human-readable YAML file that carries every decision.

Each stage's notebook ends by saving its decision into its own section of the record
(``scoping``, ``expectations``, ``ethics``, ``data``, ``metrics``, ``monitoring``); later stages read
earlier ones (monitoring reads the threshold and costs chosen in metric selection). Every save appends
to ``history`` what changed, when and by whom.

Safety properties (each has a test):

* saving is atomic (temporary file, fsync, rename) and keeps the previous file as ``<name>.bak``;
* :func:`update_section` re-reads the file under a lock, so two kernels saving different sections
  never lose each other's changes;
* loading uses ``yaml.safe_load`` (a ``!!python/object`` tag is an error, never executed), refuses a
  newer ``schema_version``, reports invalid fields by their path and keeps unknown fields;
* a failed load never touches the file.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "decision_record.yaml"
>>> rec = update_section(path, "metrics", {"status": "decided", "threshold": 0.42},
...                      what="Chose the alert threshold", who="Ana")
>>> load_record(path).metrics.threshold
0.42
>>> load_record(path).history[-1].what
'Chose the alert threshold'
"""

from __future__ import annotations

import functools
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import Field, ValidationError

from .errors import (
    RECORD_INVALID,
    RECORD_NEWER_SCHEMA,
    RECORD_NOT_MAPPING,
    RECORD_NOT_YAML,
    RECORD_UNSAFE_TAG,
    RecordError,
)
from .sections import (
    SECTION_MODELS,
    DataSection,
    EthicsSection,
    ExpectationsSection,
    MetricsSection,
    MonitoringSection,
    RecordModel,
    ScopingSection,
    Section,
)
from .sections.project import Project
from .storage import atomic_write_text, file_lock

__all__ = [
    "SCHEMA_VERSION",
    "DEFAULT_RECORD_NAME",
    "Change",
    "Project",
    "DecisionRecord",
    "load_record",
    "save_record",
    "update_section",
    "record_to_yaml",
    "json_schema",
    "format_validation_error",
]

SCHEMA_VERSION = 1
"""The newest record layout this version reads and writes. Bump it only with a migration."""

DEFAULT_RECORD_NAME = "decision_record.yaml"
MAX_RECORD_BYTES = 20 * 1024 * 1024


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


USER_FILE_NAME = "user"
"""The file under ``$XDG_CONFIG_HOME/aipm-workbook/`` (default ``~/.config``) holding the saver's name."""


def user_config_path() -> Path:
    """Where this machine keeps the name asked once (``$XDG_CONFIG_HOME/aipm-workbook/user``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "aipm-workbook" / USER_FILE_NAME


def save_user(name: str) -> Path:
    """Remember ``name`` on this machine as who saves decisions (the start page asks once)."""
    name = " ".join(str(name).split())
    if not name:
        raise RecordError("Type a name (yours, or your team's) to record who made the decisions.")
    if len(name) > 200:
        raise RecordError("That name is longer than 200 characters; type a shorter one.")
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, name + "\n")
    return path


def saved_user() -> str | None:
    """The name saved on this machine with :func:`save_user`, if any."""
    try:
        text = user_config_path().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text.splitlines()[0].strip() if text else None


@functools.lru_cache(maxsize=1)
def _git_user_name() -> str | None:
    """``git config user.name``, asked once per process (a save must not spawn git every time)."""
    import shutil
    import subprocess

    if not shutil.which("git"):
        return None
    try:
        out = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    name = out.stdout.strip()
    return name or None


def current_user(explicit: str | None = None) -> str | None:
    """Who is saving: ``explicit``, else ``$AIPM_USER``, else the name saved on this machine (start page or
    ``aipm project set user=NAME``), else ``git config user.name``, else None (shown as "unknown").

    The operating system's login name is never used: in containers and on Binder it is "root" or "jovyan",
    which says nothing about who decided.
    """
    for who in (explicit, os.environ.get("AIPM_USER"), saved_user(), _git_user_name()):
        if who and str(who).strip():
            return str(who).strip()
    return None


class Change(RecordModel):
    """One entry of the record's history."""

    when: datetime = Field(default_factory=_now, description="When the change was saved (UTC).")
    who: str | None = Field(None, description="Who saved it, if known.")
    section: str = Field(..., description="Which section changed (or 'project').")
    what: str = Field(..., description="What changed, in plain words.")
    iteration: int = Field(1, ge=1, description="The product iteration (model version) at the time.")


class DecisionRecord(RecordModel):
    """Every decision of the workbook, stage by stage, with its history."""

    schema_version: int = Field(SCHEMA_VERSION, description="Layout version of this file.")
    project: Project = Field(default_factory=Project)
    scoping: ScopingSection = Field(default_factory=ScopingSection)
    expectations: ExpectationsSection = Field(default_factory=ExpectationsSection)
    ethics: EthicsSection = Field(default_factory=EthicsSection)
    data: DataSection = Field(default_factory=DataSection)
    metrics: MetricsSection = Field(default_factory=MetricsSection)
    monitoring: MonitoringSection = Field(default_factory=MonitoringSection)
    history: list[Change] = Field(default_factory=list)

    @classmethod
    def new(cls, name: str = "Untitled AI product", owners: list[str] | None = None, *, who: str | None = None,
            **project: Any):
        """A fresh record for a new project (``project`` holds the other fields of :class:`Project`)."""
        rec = cls(project=Project(name=name, owners=list(owners or []), **project))
        rec.history.append(Change(who=current_user(who), section="project", what=f"Created the record for {name!r}"))
        return rec

    def section(self, name: str) -> Section:
        """The section called ``name`` (``"metrics"``, ...)."""
        if name not in SECTION_MODELS:
            raise RecordError(f"Unknown section {name!r}; the record has {', '.join(SECTION_MODELS)}.")
        return getattr(self, name)

    def to_yaml(self) -> str:
        return record_to_yaml(self)

    def _repr_markdown_(self) -> str:
        lines = [f"**Decision record: {self.project.name}** (iteration {self.project.iteration})", ""]
        for name in SECTION_MODELS:
            sec = self.section(name)
            lines.append(f"- {name}: {sec.status.replace('_', ' ')}" + (f" ({sec.summary})" if sec.summary else ""))
        if self.history:
            last = self.history[-1]
            lines.append(f"\nLast change: {last.when:%Y-%m-%d %H:%M} UTC, {last.section}: {last.what}")
        import html

        return html.escape("\n".join(lines), quote=False)


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem, each starting with the field's path (``metrics.threshold: ...``)."""
    lines = []
    for err in exc.errors():
        parts: list[str] = []
        for loc in err["loc"]:
            if isinstance(loc, int):
                parts.append(f"[{loc}]")
            else:
                parts.append(("." if parts else "") + str(loc))
        where = "".join(parts) or "(top level)"
        lines.append(f"{where}: {err['msg']} (found {err.get('input')!r:.80})")
    return "\n".join(lines)


class _StrictSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_record(text: str, *, path: str = "<record>") -> DecisionRecord:
    """Parse a record's YAML text into a :class:`DecisionRecord`; never executes code."""
    backup = f"{path}.bak"
    try:
        data = yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        detail = str(exc.problem or exc).strip()
        if "tag" in detail:
            raise RecordError(RECORD_UNSAFE_TAG.format(path=path, detail=detail, backup=backup)) from None
        raise RecordError(RECORD_NOT_YAML.format(path=path, detail=_one_line(exc), backup=backup)) from None
    except yaml.YAMLError as exc:
        raise RecordError(RECORD_NOT_YAML.format(path=path, detail=_one_line(exc), backup=backup)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecordError(RECORD_NOT_MAPPING.format(path=path, found=type(data).__name__))
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise RecordError(RECORD_NEWER_SCHEMA.format(path=path, found=version, supported=SCHEMA_VERSION))
    try:
        return DecisionRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordError(RECORD_INVALID.format(path=path, problems=format_validation_error(exc))) from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def load_record(path: str | os.PathLike, *, create: bool = False) -> DecisionRecord:
    """Read the record at ``path``.

    With ``create=True`` a missing file gives a fresh, unsaved record instead of an error.
    The file is only read, never changed, whatever happens.
    """
    path = Path(path)
    if not path.exists():
        if create:
            return DecisionRecord.new()
        raise RecordError(f"{path}: no decision record here. Create one with `aipm init DIR` or save a stage first.")
    size = path.stat().st_size
    if size > MAX_RECORD_BYTES:
        raise RecordError(
            f"{path}: {size / 1e6:.1f} MB is far larger than a decision record should be "
            f"(limit {MAX_RECORD_BYTES / 1e6:.0f} MB); it was not loaded."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError(f"{path}: the decision record is not UTF-8 text; it was not loaded.") from None
    return parse_record(text, path=str(path))


class _RecordDumper(yaml.SafeDumper):
    """``SafeDumper`` that double-quotes text holding YAML's extra line breaks (NEL, LS, PS).

    Written raw, a loader reads those characters as line breaks and a user's text would come back changed;
    in double quotes PyYAML escapes them, so every string round-trips exactly.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = '"' if any(ch in value for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_RecordDumper.add_representer(str, _represent_str)


def record_to_yaml(record: DecisionRecord) -> str:
    """The record as YAML text: block style, keys in schema order, diffable in a pull request."""
    data = record.model_dump(mode="json", exclude_none=False)
    header = (
        "# aipm-workbook decision record. Human-readable and diffable; edit with care.\n"
        "# Each stage's notebook saves its own section; `history` lists every saved change.\n"
    )
    return header + yaml.dump(
        data, Dumper=_RecordDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def save_record(record: DecisionRecord, path: str | os.PathLike) -> Path:
    """Write the whole record atomically, keeping the previous file as ``<name>.bak``.

    Prefer :func:`update_section` from a notebook: it merges with what other kernels saved.
    """
    path = Path(path)
    text = record_to_yaml(record)
    # Never write what could not be read back.
    parse_record(text, path=str(path))
    with file_lock(path):
        return atomic_write_text(path, text, backup=True)


def update_section(
    path: str | os.PathLike,
    section: str,
    values: dict[str, Any] | Section | Callable[[dict[str, Any]], dict[str, Any]],
    *,
    what: str,
    who: str | None = None,
    replace: bool = False,
) -> DecisionRecord:
    """Save one section's decision into the record at ``path`` without touching the others.

    Under a lock, the current file is re-read (a fresh record is started if there is none),
    ``values`` are merged into ``section`` (or replace it with ``replace=True``), a history entry
    ``what`` is appended, and the file is written atomically with a backup. ``section`` may also be
    ``"project"``. Returns the record as saved.

    ``values`` may also be a function: it receives the section as currently saved (a plain dict, read
    under the lock) and returns the values to merge, so read-modify-write updates of nested fields
    (one checklist among several) cannot lose another kernel's change.
    """
    path = Path(path)
    who = who if who is not None else current_user()
    if isinstance(values, Section):
        values = values.model_dump(mode="json", exclude_unset=not replace)
    with file_lock(path):
        record = load_record(path, create=True)
        if callable(values):
            current_section = (
                record.project if section == "project" else record.section(section)
            ).model_dump(mode="json")
            values = values(current_section)
        values = dict(values)
        if section == "project":
            model, current = Project, record.project.model_dump(mode="json")
        else:
            model = SECTION_MODELS.get(section)
            if model is None:
                raise RecordError(f"Unknown section {section!r}; the record has {', '.join(SECTION_MODELS)}.")
            current = {} if replace else record.section(section).model_dump(mode="json")
        current.update(values)
        if section != "project" and values.get("status") == "decided":
            # The decision's time and author change only when this save makes (or re-makes) the decision.
            current["decided_at"] = _now().isoformat()
            current["decided_by"] = who
        try:
            setattr(record, section, model.model_validate(current))
        except ValidationError as exc:
            problems = "\n".join(f"{section}.{line}" for line in format_validation_error(exc).splitlines())
            raise RecordError(f"{path}: not saved, the {section} section is invalid.\n{problems}") from None
        record.history.append(Change(who=who, section=section, what=what, iteration=record.project.iteration))
        text = record_to_yaml(record)
        parse_record(text, path=str(path))
        atomic_write_text(path, text, backup=True)
    return record


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the decision record (for editors and validators)."""
    schema = DecisionRecord.model_json_schema()
    schema["$id"] = f"https://aipm-workbook.invalid/decision-record/v{SCHEMA_VERSION}.schema.json"
    return schema


__all__ += ["parse_record", "current_user", "save_user", "saved_user", "user_config_path", "MAX_RECORD_BYTES"]

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
import hashlib
import os
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import Field, PrivateAttr, ValidationError

from ..errors import (
    RECORD_INVALID,
    RECORD_NEWER_SCHEMA,
    RECORD_NOT_MAPPING,
    RECORD_NOT_YAML,
    RECORD_BAD_SCHEMA,
    RECORD_UNSAFE_TAG,
    RecordError,
    short,
)
from ..io.safe_yaml import YamlRefused, load_yaml
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
from .storage import (
    FileTooLarge,
    NotARegularFile,
    atomic_write_text,
    file_lock,
    read_regular_file,
    remove_stale_temporaries,
)

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
MAX_RECORD_BYTES = int(float(os.environ.get("AIPM_MAX_RECORD_MB", "1")) * 1024 * 1024)
"""Largest record read or written. PyYAML parses and writes about 1 MB of record a second, so 1 MB keeps
loading plus saving under 2 s (a record with 4,000 saves in its history is about 1 MB); the limit is an error
with a clear message, never a hang. Raise it with ``AIPM_MAX_RECORD_MB`` on a fast machine."""


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
    # The YAML text this record was read from (or last saved as): the common ancestor save_record merges against.
    _base_text: str | None = PrivateAttr(default=None)

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


def parse_record(text: str, *, path: str = "<record>") -> DecisionRecord:
    """Parse a record's YAML text into a :class:`DecisionRecord`; never executes code.

    Aliases/anchors and nesting beyond :data:`~aipm_widgets.core.io.safe_yaml.MAX_DEPTH` are refused before
    anything is built (see :mod:`aipm_widgets.core.io.safe_yaml`), so a small hostile file cannot hang a command.
    """
    key = (path, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    parsed = _PARSED.get(key)
    if parsed is not None:  # the same text again (a page reads the record 4 or 5 times): 4 ms instead of 40
        _PARSED.move_to_end(key)
        record = parsed.model_copy(deep=True)
        record._base_text = text
        return record
    record = _parse_record(text, path=path)
    _PARSED[key] = record.model_copy(deep=True)
    while len(_PARSED) > 4:
        _PARSED.popitem(last=False)
    return record


_PARSED: "OrderedDict[tuple[str, bytes], DecisionRecord]" = OrderedDict()
"""The last records parsed, by path and text hash; callers get deep copies (they may change and save them)."""


def _parse_record(text: str, *, path: str) -> DecisionRecord:
    backup = f"{path}.bak"
    try:
        data = load_yaml(text, source=path)
    except YamlRefused as exc:
        raise RecordError(f"{exc} The file was not changed; restore the backup ({backup}) if you have one.") from None
    except yaml.constructor.ConstructorError as exc:
        detail = " ".join(str(exc.problem or exc).split())
        if "tag" in detail:
            raise RecordError(RECORD_UNSAFE_TAG.format(path=path, detail=detail[:200], backup=backup)) from None
        raise RecordError(RECORD_NOT_YAML.format(path=path, detail=_one_line(exc), backup=backup)) from None
    except yaml.YAMLError as exc:
        raise RecordError(RECORD_NOT_YAML.format(path=path, detail=_one_line(exc), backup=backup)) from None
    except (ValueError, OverflowError) as exc:  # e.g. a timestamp PyYAML recognises but cannot build (year 0)
        raise RecordError(RECORD_NOT_YAML.format(path=path, detail=_one_line(exc), backup=backup)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecordError(RECORD_NOT_MAPPING.format(path=path, found=type(data).__name__))
    check_schema_version(data.get("schema_version", SCHEMA_VERSION), path=path)
    try:
        record = DecisionRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordError(RECORD_INVALID.format(path=path, problems=format_validation_error(exc))) from None
    record._base_text = text
    return record


def check_schema_version(version: Any, *, path: str = "<record>") -> None:
    """Accept exactly the whole number this version writes; refuse ``'2'``, ``2.0``, ``true`` and newer versions."""
    if isinstance(version, int) and not isinstance(version, bool):
        if version > SCHEMA_VERSION:
            raise RecordError(RECORD_NEWER_SCHEMA.format(path=path, found=version, supported=SCHEMA_VERSION))
        if version >= 1:
            return
    raise RecordError(RECORD_BAD_SCHEMA.format(path=path, found=short(repr(version), 40), supported=SCHEMA_VERSION))


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _record_path(path: str | os.PathLike) -> Path:
    text = os.fspath(path)
    if "\x00" in str(text):
        raise RecordError(f"{short(repr(text))}: the record path holds a NUL byte; give a plain file path.")
    return Path(text)


def load_record(path: str | os.PathLike, *, create: bool = False) -> DecisionRecord:
    """Read the record at ``path``.

    With ``create=True`` a missing file gives a fresh, unsaved record instead of an error.
    The file is only read, never changed, whatever happens. The file is opened first and then checked
    (regular file, size), so a path swapped between a check and the read cannot be read by mistake.
    """
    path = _record_path(path)
    try:
        raw = read_regular_file(path, max_bytes=MAX_RECORD_BYTES)
    except FileNotFoundError:
        if create:
            return DecisionRecord.new()
        raise RecordError(
            f"{short(path)}: no decision record here. Create one with `aipm init DIR` or save a stage first."
        ) from None
    except (IsADirectoryError, NotARegularFile):
        raise RecordError(f"{short(path)}: this is a folder or a special file, not a decision record; give the "
                          "path of decision_record.yaml.") from None
    except FileTooLarge as exc:
        raise RecordError(
            f"{short(path)}: {exc.size / 2**20:.1f} MB is larger than a decision record should be "
            f"(limit {MAX_RECORD_BYTES / 2**20:.0f} MB, about 4,000 saves); it was not loaded. Move old history "
            "entries to an archive file, or raise the limit with AIPM_MAX_RECORD_MB."
        ) from None
    except PermissionError:
        raise RecordError(f"{short(path)}: not allowed to read the decision record; check the file's permissions.") from None
    except OSError as exc:
        raise RecordError(f"{short(path)}: the decision record could not be read ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError(f"{short(path)}: the decision record is not UTF-8 text; it was not loaded.") from None
    return parse_record(text, path=short(path, 200))


class _RecordDumper(getattr(yaml, "CSafeDumper", None) or yaml.SafeDumper):  # type: ignore[misc]
    """``SafeDumper`` that double-quotes text holding YAML's extra line breaks (NEL, LS, PS).

    Written raw, a loader reads those characters as line breaks and a user's text would come back changed;
    in double quotes PyYAML escapes them, so every string round-trips exactly.
    """

    def ignore_aliases(self, data: Any) -> bool:
        # Never write anchors/aliases: the loader refuses them (they can hide exponential expansion).
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = '"' if ("\x85" in value or "\u2028" in value or "\u2029" in value) else None
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


def _checked_text(record: DecisionRecord, path: Path) -> str:
    """The record's YAML, refused if it could not be read back (too large, or not parseable)."""
    text = record_to_yaml(record)
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_BYTES:
        raise RecordError(
            f"{short(path)}: not saved, the record would be {size / 2**20:.1f} MB, over the {MAX_RECORD_BYTES / 2**20:.0f} MB "
            "limit for reading it back. Move old history entries to an archive file, or raise AIPM_MAX_RECORD_MB."
        )
    parse_record(text, path=short(path, 200))  # never write what could not be read back
    return text


MERGED_FIELDS = ("project", *SECTION_MODELS)
"""The parts of a record :func:`save_record` merges field by field; ``history`` is merged by appending."""


def _merge(mine: dict[str, Any], base: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge: start from ``current`` (the file now) and apply what ``mine`` changed since ``base``.

    Per section field: changed in ``mine`` -> mine (the last writer wins a true conflict, as with
    :func:`update_section`); unchanged -> whatever the file holds now (another process's change survives).
    History: the entries ``mine`` added since ``base`` are appended to the file's history.
    """
    merged = dict(current)
    for name in MERGED_FIELDS:
        mine_s, base_s, cur_s = mine.get(name) or {}, base.get(name) or {}, dict(current.get(name) or {})
        for key in set(mine_s) | set(base_s):
            if key not in mine_s:
                if key in base_s:
                    cur_s.pop(key, None)  # removed by this writer
            elif mine_s[key] != base_s.get(key, object()):
                cur_s[key] = mine_s[key]
        merged[name] = cur_s
    for key in set(mine) - {*MERGED_FIELDS, "history"}:
        if mine[key] != base.get(key, object()):
            merged[key] = mine[key]
    base_history, my_history = base.get("history") or [], mine.get("history") or []
    start = len(base_history) if my_history[: len(base_history)] == base_history else 0
    merged["history"] = list(current.get("history") or []) + my_history[start:]
    return merged


def save_record(record: DecisionRecord, path: str | os.PathLike, *, merge: bool = True) -> Path:
    """Write the whole record atomically, keeping the previous file as ``<name>.bak``.

    Safe with other writers: under the same lock as :func:`update_section`, a record that was read from
    (or saved to) a file is merged with what the file holds now: fields this record changed since it was
    read are written, fields another process changed meanwhile are kept, and new history entries are
    appended. ``record`` is updated in place to what was saved. A fresh record (never read or saved), or
    ``merge=False``, replaces the file. Temporary files left by killed saves are removed.
    """
    path = _record_path(path)
    text = _checked_text(record, path)
    with file_lock(path):
        remove_stale_temporaries(path)
        base_text = record._base_text
        if merge and base_text is not None:
            try:
                raw = read_regular_file(path, max_bytes=MAX_RECORD_BYTES)
            except FileNotFoundError:
                raw = None
            if raw is not None and raw.decode("utf-8", errors="replace") != base_text:
                current = load_record(path).model_dump(mode="json")
                base = parse_record(base_text, path=str(path)).model_dump(mode="json")
                mine = record.model_dump(mode="json")
                merged = DecisionRecord.model_validate(_merge(mine, base, current))
                for name in DecisionRecord.model_fields:
                    setattr(record, name, getattr(merged, name))
                for key, value in (merged.model_extra or {}).items():
                    setattr(record, key, value)
                text = _checked_text(record, path)
        out = atomic_write_text(path, text, backup=True)
    record._base_text = text
    return out


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
    path = _record_path(path)
    who = who if who is not None else current_user()
    if isinstance(values, Section):
        values = values.model_dump(mode="json", exclude_unset=not replace)
    with file_lock(path):
        remove_stale_temporaries(path)
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
        text = _checked_text(record, path)
        atomic_write_text(path, text, backup=True)
    record._base_text = text
    return record


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the decision record (for editors and validators)."""
    schema = DecisionRecord.model_json_schema()
    schema["$id"] = f"https://aipm-workbook.invalid/decision-record/v{SCHEMA_VERSION}.schema.json"
    return schema


__all__ += ["parse_record", "current_user", "save_user", "saved_user", "user_config_path", "MAX_RECORD_BYTES"]

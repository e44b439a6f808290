"""The team's product as every stage sees it: its data, the role of each column, currency and volume.

The record's ``project`` section (:class:`aipm_widgets.core.record.sections.project.Project`) says which product
this is and where its data is; :func:`load_project` turns it into a :class:`ProjectData` that stages read
their tables and column roles from, so a team configures its product once (``aipm init``, ``aipm project
set`` or the start page) instead of on every page. A demo project (``example: fraud``) reads the bundled
demo through :data:`aipm_widgets.core.demo.EXAMPLES`.

Terms
-----
source
    A table of the product: ``validation`` (reference predictions with their labels) or ``production``
    (the log of what the model scored in production; labels may be missing or partly empty there).
column role
    What a column means: the label and its positive value, the model's score or prediction, timestamp,
    id, group columns for fairness, the money value at stake, the model's features.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"outcome": ["yes", "no"] * 20, "p": [0.9, 0.1] * 20}).to_csv(folder / "val.csv", index=False)
>>> rec = set_project(folder / "decision_record.yaml", {"example": None, "sources.validation": "val.csv",
...                   "columns.label": "outcome", "columns.positive": "yes", "columns.score": "p"}, who="Ana")
>>> project = load_project(folder / "decision_record.yaml")
>>> project.is_demo, project.columns.score, len(project.validation())
(False, 'p', 40)
>>> project.task, project.task_reason
('binary', "inferred: the label column 'outcome' has 2 values")
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from pydantic import ValidationError

from .errors import AipmError, InputDataError
from .io.paths import OUTSIDE_FOLDER, data_roots
from .record.sections.project import ENGINES, EXAMPLE_NAMES, TASKS, Project

if TYPE_CHECKING:  # pandas loads with the first table read: a page that reads none (scoping, the brief) never loads it
    import pandas as pd

__all__ = [
    "ColumnRoles",
    "ProjectData",
    "ProjectError",
    "load_project",
    "record_path",
    "set_project",
    "validate_project_changes",
    "parse_assignments",
    "infer_task",
    "SETTABLE_KEYS",
    "COLUMN_ROLES",
    "MISSING_ROLE",
    "MISSING_SOURCE",
]

COLUMN_ROLES = ("label", "positive", "score", "prediction", "proba_columns", "proba_prefix", "timestamp", "id",
                "groups", "value", "features")

ROLE_WORDS = {
    "label": "label (true outcome) column",
    "positive": "label's positive value",
    "score": "model score column",
    "prediction": "model prediction column",
    "proba_columns": "per-class probability columns",
    "proba_prefix": "prefix of the per-class probability columns",
    "timestamp": "timestamp column",
    "id": "row id column",
    "groups": "group column(s) for the fairness audit",
    "value": "value-at-stake column",
    "features": "feature columns",
    "validation": "validation data (reference predictions with labels)",
    "production": "production log",
    "volume_per_day": "daily volume of decisions",
}
MISSING_ROLE = ("This needs the {words} (columns.{role}), which the project does not name yet. Add it with "
                "`aipm project set columns.{role}={example}` or the start page's Your product panel.")
MISSING_SOURCE = ("This needs the {words} (sources.{role}), which the project does not have yet. Add it with "
                  "`aipm project set sources.{role}=FILE` or the start page's Your product panel.")
MISSING_SETTING = ("This needs the {words} ({role}), which the project does not have yet. Add it with "
                   "`aipm project set {role}=N` or the start page's Your product panel.")

SETTABLE_KEYS: dict[str, str] = {
    "name": "the product's name",
    "owners": "accountable people or teams, comma-separated",
    "description": "what the product is for, one paragraph",
    "example": "a bundled demo (fraud, ...) or none for the team's own data",
    "task": "binary, multiclass, regression, or none to infer it",
    "currency": "ISO 4217 code of money amounts (EUR, USD, CHF...)",
    "volume_per_day": "decisions per day in production",
    "target_unit": "a forecast's unit: what the label and prediction are measured in (minutes, MWh...)",
    "engine": "pandas, duckdb or spark (large production data)",
    "sources.validation": "validation data with labels (CSV/Parquet)",
    "sources.production": "production log (CSV/Parquet)",
    **{f"columns.{role}": ROLE_WORDS[role] for role in COLUMN_ROLES},
    "user": "who saves decisions on this machine (not stored in the record)",
}
"""Every key ``aipm project set KEY=VALUE`` and the start page accept, with what it means."""


class ProjectError(AipmError):
    """A project setting cannot be used as given; the message names the setting as the user typed it."""


@dataclass(frozen=True)
class ColumnRoles:
    """Which column of the team's tables plays which role (None or empty: no such column)."""

    label: str | None = None
    positive: Any = None
    score: str | None = None
    prediction: str | None = None
    proba_columns: dict[str, str] = field(default_factory=dict)
    proba_prefix: str | None = None
    timestamp: str | None = None
    id: str | None = None
    groups: list[str] = field(default_factory=list)
    value: str | None = None
    features: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> "ColumnRoles":
        values = dict(values or {})
        kwargs = {f.name: values.get(f.name) for f in fields(cls) if values.get(f.name) is not None}
        for name in ("groups", "features"):
            if name in kwargs:
                kwargs[name] = list(kwargs[name])
        if "proba_columns" in kwargs:
            kwargs["proba_columns"] = {str(k): str(v) for k, v in dict(kwargs["proba_columns"]).items()}
        return cls(**kwargs)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def named(self) -> list[str]:
        """Every column named by a role, once, in role order."""
        out: list[str] = []
        for col in (self.label, self.score, self.prediction, *self.proba_columns.values(), self.timestamp, self.id,
                    *self.groups, self.value, *self.features):
            if col and col not in out:
                out.append(col)
        return out


def record_path(path: str | os.PathLike | None = None) -> Path:
    """The record to use: ``path``, else ``$AIPM_RECORD``, else ``./decision_record.yaml``."""
    from .record import DEFAULT_RECORD_NAME

    if path is not None:
        return Path(path)
    env = os.environ.get("AIPM_RECORD")
    return Path(env) if env else Path.cwd() / DEFAULT_RECORD_NAME


def infer_task(frame: pd.DataFrame | None, columns: ColumnRoles) -> tuple[str | None, str]:
    """Guess the task from the label and prediction columns: ``(task or None, reason in words)``.

    Per-class probability columns mean multiclass; a label with two values, binary; a numeric label with
    many distinct or fractional values, regression; a label with more than two classes, multiclass.
    """
    import pandas as pd

    if columns.proba_columns or columns.proba_prefix:
        return "multiclass", "inferred: the project names per-class probability columns"
    if frame is not None and columns.label and columns.label in frame.columns:
        y = frame[columns.label].dropna()
        k = int(y.nunique())
        if k == 2:
            return "binary", f"inferred: the label column {columns.label!r} has 2 values"
        numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
        if numeric and k > 2:
            fractional = bool((y.astype(float) % 1 != 0).any())
            if fractional or k > 20:
                return "regression", (f"inferred: the label column {columns.label!r} holds {k} different numbers"
                                      + (" with fractions" if fractional else ""))
        if k > 2:
            return "multiclass", f"inferred: the label column {columns.label!r} has {k} classes"
        return None, f"not inferred: the label column {columns.label!r} has {k} value(s) among its labeled rows"
    if columns.score:
        return "binary", "inferred: the project names a score column and no label"
    return None, "not inferred: no label column, score or probability columns to infer it from"


class ProjectData:
    """The product a record describes, ready for the stages: settings, column roles and its tables.

    Build it with :func:`load_project`. Tables are read once and cached; each call returns a copy, so a
    stage may change what it gets.
    """

    def __init__(self, project: Project, path: Path, *, record: Any = None) -> None:
        self.project = project
        self.record_path = Path(path)
        self.record = record
        self.folder = self.record_path.resolve().parent
        self._tables: dict[str, pd.DataFrame | None] = {}
        self._demo = None
        if project.example is not None and project.example not in EXAMPLE_NAMES:
            raise ProjectError(
                f"{self.record_path}: project.example is {project.example!r}, which is not a bundled demo "
                f"(known: {', '.join(sorted(EXAMPLE_NAMES))}). Set `aipm project set example=none` for your own data."
            )
        self._columns: ColumnRoles | None = None
        self._task: tuple[str | None, str] | None = None

    # Settings ------------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.project.name

    @property
    def owners(self) -> list[str]:
        return list(self.project.owners)

    @property
    def description(self) -> str | None:
        if self.project.description:
            return self.project.description
        return self.demo().description if self.is_demo else None

    @property
    def currency(self) -> str:
        return self.project.currency

    @property
    def volume_per_day(self) -> int | None:
        if self.project.volume_per_day is not None:
            return self.project.volume_per_day
        return self.demo().volume_per_day if self.is_demo else None

    @property
    def example(self) -> str | None:
        return self.project.example

    @property
    def is_demo(self) -> bool:
        return self.project.example is not None

    @property
    def engine(self) -> str:
        return self.project.engine or "pandas"

    @property
    def unit(self) -> str:
        """What one row is, in words (``transactions`` for the fraud demo, ``decisions`` otherwise)."""
        return self.demo().unit if self.is_demo else "decisions"

    @property
    def target_unit(self) -> str | None:
        """A forecast's unit (minutes, MWh): the project's, else a regression demo's, else None."""
        if self.project.target_unit:
            return self.project.target_unit
        if self.is_demo and self.task == "regression":
            return self.demo().unit
        return None

    @property
    def columns(self) -> ColumnRoles:
        if self._columns is None:
            self._columns = self._merge_columns()
        return self._columns

    @property
    def task(self) -> str | None:
        """The project's task; when the record leaves it null, inferred (see :attr:`task_reason`)."""
        return self._resolve_task()[0]

    @property
    def task_reason(self) -> str:
        """Where :attr:`task` comes from: ``"set in the project"`` or ``"inferred: ..."``."""
        return self._resolve_task()[1]

    def _resolve_task(self) -> tuple[str | None, str]:
        if self._task is None:
            if self.project.task:
                self._task = (self.project.task, "set in the project")
            elif self.is_demo:
                self._task = (self.demo().task, f"the {self.example} demo's task")
            else:
                try:
                    frame = self.validation()
                except AipmError as exc:
                    self._task = (None, f"not inferred: the validation data could not be read ({exc})")
                else:
                    self._task = infer_task(frame, self.columns)
        return self._task

    def demo(self):
        """The :class:`~aipm_widgets.core.demo.DemoExample` of a demo project (None for the team's own data)."""
        if not self.is_demo:
            return None
        if self._demo is None:
            from .demo import EXAMPLES

            self._demo = EXAMPLES[self.project.example]()
        return self._demo

    def _merge_columns(self) -> ColumnRoles:
        own = self.project.columns.model_dump()
        if not self.is_demo:
            return ColumnRoles.from_mapping(own)
        # The demo's column roles, overridden by any the record names (a team exploring the demo).
        base = dict(self.demo().columns)
        base.update({k: v for k, v in own.items() if v not in (None, [], {})})
        return ColumnRoles.from_mapping(base)

    # Tables -----------------------------------------------------------------------------------------------------
    def source_path(self, which: str) -> Path | None:
        """The resolved file of source ``which`` (``validation`` or ``production``), checked to be readable here."""
        text = getattr(self.project.sources, which)
        if text is None:
            return None
        path = Path(text).expanduser()
        resolved = path.resolve() if path.is_absolute() else (self.folder / path).resolve()
        roots = data_roots(self.folder)
        if not any(resolved == r or r in resolved.parents for r in roots):
            raise InputDataError(f"sources.{which}: " + OUTSIDE_FOLDER.format(
                text=text, root=roots[0], extra=" or AIPM_DATA_DIR" if len(roots) > 1 else ""))
        return resolved

    def _reads_bundled_demo(self) -> bool:
        """A demo project that names no files of its own: its tables are the bundled demo's."""
        return self.is_demo and self.project.sources.validation is None and self.project.sources.production is None

    def _table(self, which: str) -> pd.DataFrame | None:
        if which not in self._tables:
            if self._reads_bundled_demo():
                demo = self.demo()
                frame = getattr(demo, which)
            else:
                path = self.source_path(which)
                if path is None:
                    frame = None
                else:
                    from .io.inputs import read_table

                    try:
                        frame = read_table(path).frame
                    except InputDataError as exc:
                        raise InputDataError(f"sources.{which}: {exc}") from None
                    frame = self._parse_timestamp(frame)
            self._tables[which] = frame
        frame = self._tables[which]
        return None if frame is None else frame.copy()

    def _parse_timestamp(self, frame: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        col = self.columns.timestamp
        if col and col in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[col]):
            parsed = pd.to_datetime(frame[col], errors="coerce", format="mixed")
            if parsed.notna().sum() >= 0.95 * frame[col].notna().sum():
                frame = frame.copy()
                frame[col] = parsed
        return frame

    def outline(self, which: str, column: str | None = None, *, limit: int = 20) -> tuple[list[str], list[Any]] | None:
        """Table ``which``'s column names and the first ``limit`` distinct non-missing values of ``column`` (in order
        of appearance), or None when the project has no such table.

        The bundled demo answers from its file's schema and that one column (no pandas, no whole table: the start page
        offers these before its first control); a team's table, or one already read, answers from the table.
        """
        if which not in self._tables and self._reads_bundled_demo() and self.demo().outline is not None:
            return self.demo().outline(which, column, limit=limit)
        frame = self._table(which)
        if frame is None:
            return None
        values = list(frame[column].dropna().unique()[:limit]) if column in frame.columns else []
        return [str(c) for c in frame.columns], values

    def validation(self) -> pd.DataFrame | None:
        """The validation (reference) table with labels, or None when the project has none."""
        return self._table("validation")

    def production(self) -> pd.DataFrame | None:
        """The production log, or None when the project has none yet. Its label column may be missing."""
        return self._table("production")

    # Checks ----------------------------------------------------------------------------------------------------
    def missing(self, *roles: str) -> list[str]:
        """Which of ``roles`` (column roles, ``validation``, ``production``, ``volume_per_day``) the project lacks."""
        out = []
        for role in roles:
            if role in ("validation", "production"):
                if self._reads_bundled_demo():
                    continue
                if getattr(self.project.sources, role) is None:
                    out.append(role)
            elif role == "volume_per_day":
                if self.volume_per_day is None:
                    out.append(role)
            elif role in COLUMN_ROLES:
                if getattr(self.columns, role) in (None, [], {}):
                    out.append(role)
            else:
                raise ValueError(f"unknown project role {role!r}; roles are {', '.join(COLUMN_ROLES)}, validation, "
                                 "production, volume_per_day")
        return out

    def require(self, *roles: str) -> None:
        """Raise :class:`ProjectError` naming each of ``roles`` the project lacks and how to add it."""
        missing = self.missing(*roles)
        if not missing:
            return
        messages = []
        for role in missing:
            words = ROLE_WORDS.get(role, role)
            if role in ("validation", "production"):
                messages.append(MISSING_SOURCE.format(words=words, role=role))
            elif role == "volume_per_day":
                messages.append(MISSING_SETTING.format(words=words, role=role))
            else:
                example = {"groups": "COL1,COL2", "features": "A,B,C", "positive": "VALUE",
                           "proba_columns": "CLASS=COL,...", "proba_prefix": "PREFIX"}.get(role, "COL")
                messages.append(MISSING_ROLE.format(words=words, role=role, example=example))
        raise ProjectError(" ".join(messages))

    # Display ---------------------------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """Everything ``aipm project show`` prints: the section as saved plus what is derived from it."""
        values = self.project.model_dump(mode="json")
        values["is_demo"] = self.is_demo
        values["resolved"] = {
            "task": self.task, "task_reason": self.task_reason, "volume_per_day": self.volume_per_day,
            "currency": self.currency, "engine": self.engine, "columns": self.columns.as_dict(),
        }
        return values

    def summary(self) -> str:
        who = ", ".join(self.owners) or "no owner named yet"
        what = f"the {self.example} demo" if self.is_demo else "the team's own data"
        task = self.task or "task not known yet"
        return f"{self.name} ({who}): {what}, {task}, amounts in {self.currency}."

    def __repr__(self) -> str:
        return f"<ProjectData {self.summary()}>"

    def _repr_markdown_(self) -> str:
        import html

        return html.escape(self.summary(), quote=False)


def load_project(record_path_: str | os.PathLike | None = None) -> ProjectData:
    """The project of the record at ``record_path_`` (None: ``$AIPM_RECORD`` or ``./decision_record.yaml``).

    A missing record gives the default project (the fraud demo), as ``make run`` shows it.
    """
    from .record import load_record

    path = record_path(record_path_)
    record = load_record(path, create=True)
    return ProjectData(record.project, path, record=record)


# Changing the project -----------------------------------------------------------------------------------------


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["columns.score=risk", "currency=CHF"]`` -> ``{"columns.score": "risk", "currency": "CHF"}``."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ProjectError(f"{item}: write KEY=VALUE, e.g. columns.score=risk or currency=CHF.")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _none_text(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null", "-"))


def _normal_key(key: str) -> str:
    return key.strip().replace("-", "_")


def _source_value(value: str, *, folder: Path, typed_from: Path | None, shown: str) -> str:
    """Check a typed data path and return it as stored: relative to the record's folder when inside it."""
    path = Path(value).expanduser()
    base = typed_from if typed_from is not None else folder
    resolved = path.resolve() if path.is_absolute() else (base / path).resolve()
    roots = data_roots(folder)
    if not any(resolved == r or r in resolved.parents for r in roots):
        raise ProjectError(f"{shown}: " + OUTSIDE_FOLDER.format(
            text=value, root=roots[0], extra=" or AIPM_DATA_DIR" if len(roots) > 1 else ""))
    if not resolved.exists():
        raise ProjectError(f"{shown}: {value}: no such file (looked for {resolved}).")
    if resolved.is_dir():
        raise ProjectError(f"{shown}: {value} is a folder; give a CSV or Parquet file.")
    if resolved == roots[0] or roots[0] in resolved.parents:
        return resolved.relative_to(roots[0]).as_posix()
    return str(resolved)


def _proba_columns(value: Any, shown: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for part in str(value).split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ProjectError(f"{shown}: write CLASS=COLUMN pairs separated by commas, e.g. billing=p_billing,tech=p_tech.")
        cls, col = part.split("=", 1)
        out[cls.strip()] = col.strip()
    return out


def validate_project_changes(
    changes: Mapping[str, Any],
    current: Project | Mapping[str, Any] | None = None,
    *,
    folder: str | os.PathLike,
    typed_from: str | os.PathLike | None = None,
    names: Mapping[str, str] | None = None,
) -> Project:
    """Apply ``changes`` (dotted keys -> values, text as typed) to ``current`` and return the checked project.

    Paths are resolved against ``typed_from`` (the shell's folder for the command line; default the record's
    ``folder``), must lie inside ``folder`` or ``$AIPM_DATA_DIR`` and exist, and are stored relative to
    ``folder``. ``names`` maps a key to how the user typed it (``{"volume_per_day": "--volume-per-day"}``) so
    every error names what the user wrote. Raises :class:`ProjectError`; nothing is saved here.
    """
    names = dict(names or {})
    folder = Path(folder).resolve()
    typed = Path(typed_from).resolve() if typed_from is not None else None
    if current is None:
        data: dict[str, Any] = Project().model_dump(mode="json")
    elif isinstance(current, Project):
        data = current.model_dump(mode="json")
    else:
        data = dict(current)
    data.setdefault("sources", {})
    data.setdefault("columns", {})
    data["sources"] = dict(data["sources"] or {})
    data["columns"] = dict(data["columns"] or {})
    shown_of: dict[str, str] = {}
    problems: list[str] = []
    for raw_key, value in changes.items():
        key = _normal_key(raw_key)
        shown = names.get(key, raw_key)
        shown_of[key] = shown
        if key not in SETTABLE_KEYS or key == "user":
            if key == "user":
                problems.append(f"{shown}: the user name is kept per machine, not in the project; "
                                "use `aipm project set user=NAME` or the start page.")
            else:
                problems.append(f"{shown}: not a project setting. Settable: {', '.join(k for k in SETTABLE_KEYS)}.")
            continue
        try:
            if key.startswith("sources."):
                which = key.split(".", 1)[1]
                data["sources"][which] = None if _none_text(value) else _source_value(
                    str(value), folder=folder, typed_from=typed, shown=shown)
            elif key.startswith("columns."):
                role = key.split(".", 1)[1]
                if role == "proba_columns":
                    data["columns"][role] = {} if _none_text(value) else _proba_columns(value, shown)
                elif role in ("groups", "features"):
                    data["columns"][role] = [] if _none_text(value) else value
                else:
                    data["columns"][role] = None if _none_text(value) else value
            elif key == "volume_per_day":
                if _none_text(value):
                    data[key] = None
                else:
                    try:
                        number = float(str(value).replace("_", "").replace(",", "").strip())
                    except ValueError:
                        raise ProjectError(f"{shown}: {value!r} is not a number; give decisions per day, e.g. 2000.") from None
                    if number != int(number) or number < 1:
                        raise ProjectError(f"{shown}: {value!r} must be a whole number of decisions per day, at least 1.")
                    data[key] = int(number)
            elif key in ("task", "engine"):
                allowed = TASKS if key == "task" else ENGINES
                text = None if _none_text(value) else str(value).strip().lower()
                if text is not None and text not in allowed:
                    raise ProjectError(f"{shown}: {value!r} is not one of {', '.join(allowed)} (or none"
                                       + (" to infer it)." if key == "task" else " for pandas)."))
                data[key] = text
            elif key == "example":
                text = None if _none_text(value) or str(value).strip().lower() == "own" else str(value).strip().lower()
                if text is not None and text not in EXAMPLE_NAMES:
                    raise ProjectError(f"{shown}: {value!r} is not a bundled demo (known: {', '.join(sorted(EXAMPLE_NAMES))}); "
                                       "use none for your own data.")
                data[key] = text
            elif key == "owners":
                data[key] = [] if _none_text(value) else value
            else:
                data[key] = value
        except ProjectError as exc:
            problems.append(str(exc))
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            dotted = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
            shown = shown_of.get(dotted) or names.get(dotted) or dotted
            msg = err["msg"].removeprefix("Value error, ")
            found = repr(err.get("input"))[:60]
            problems.append(f"{shown}: {msg}" + ("." if found in msg else f" (found {found})."))
    if problems:
        raise ProjectError(" ".join(problems))
    return project


def set_project(
    path: str | os.PathLike | None,
    changes: Mapping[str, Any],
    *,
    typed_from: str | os.PathLike | None = None,
    names: Mapping[str, str] | None = None,
    who: str | None = None,
):
    """Check ``changes`` (see :func:`validate_project_changes`) and save them into the record's project section.

    ``user=NAME`` is not stored in the record but on this machine (:func:`aipm_widgets.core.record.save_user`).
    Choosing a demo ``example`` also takes its currency unless ``currency`` is given too. Nothing is written
    when any change is invalid. Returns the record as saved.
    """
    from .record import load_record, save_user, update_section

    path = record_path(path)
    changes = dict(changes)
    user_key = next((k for k in changes if _normal_key(k) == "user"), None)
    user = changes.pop(user_key) if user_key else None
    folder = path.resolve().parent
    current = load_record(path, create=True).project
    normal = {_normal_key(k) for k in changes}
    if "example" in normal and "currency" not in normal:
        value = next(v for k, v in changes.items() if _normal_key(k) == "example")
        if not _none_text(value) and str(value).strip().lower() != "own":
            from .demo import EXAMPLES

            name = str(value).strip().lower()
            if name in EXAMPLES:
                changes["currency"] = EXAMPLES[name]().currency
    # Validate everything (user name included) before writing anything.
    validate_project_changes(changes, current, folder=folder, typed_from=typed_from, names=names)
    if user is not None:
        if _none_text(user):
            raise ProjectError(f"{user_key}: type a name (yours or your team's) to record who made the decisions.")
        save_user(str(user))
        who = who or str(user)
    if not changes:
        return load_record(path, create=True)
    described = ", ".join(f"{k}={v}" for k, v in changes.items())

    def merge(saved: dict[str, Any]) -> dict[str, Any]:
        # Re-validated against the section as saved under the lock (another kernel may have changed it).
        return validate_project_changes(changes, saved, folder=folder, typed_from=typed_from,
                                        names=names).model_dump(mode="json")

    return update_section(path, "project", merge, what=f"Project settings: {described}"[:300], who=who)


UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")


def save_upload_as_source(
    path: str | os.PathLike | None,
    which: str,
    content: bytes | memoryview,
    filename: str,
    *,
    who: str | None = None,
):
    """Keep an uploaded table as the project's ``which`` source (``validation`` or ``production``).

    The bytes are checked as a table first (:func:`aipm_widgets.core.io.inputs.read_table`), then written into
    the ``data`` folder beside the record under the upload's own name (never overwriting another file: a
    suffix ``-1``, ``-2`` is added) and the record's ``sources.<which>`` points at it. Returns the record.
    """
    import re

    from .io.inputs import read_table
    from .record.storage import atomic_write_bytes

    if which not in ("validation", "production"):
        raise ProjectError(f"{which!r}: a project source is 'validation' or 'production'.")
    raw = bytes(content)
    read_table(raw, name=filename)  # refuse what could not be read back, before writing anything
    base = Path(str(filename)).name
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        suffix = ".parquet" if raw[:4] == b"PAR1" else ".csv"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or which
    folder = record_path(path).resolve().parent / "data"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}{suffix}"
    n = 0
    while target.exists() and target.read_bytes() != raw:
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    if not target.exists():
        atomic_write_bytes(target, raw)
    return set_project(path, {f"sources.{which}": str(target)}, who=who)


__all__ += ["save_upload_as_source"]

"""Fill a batch command's missing flags from the project of ``--record FILE``.

A nightly ``aipm monitor --record decision_record.yaml`` needs nothing else: the data files, column roles,
currency and volume come from the record's ``project`` section (and the threshold from its ``metrics``
section). Flags given on the command line always win; only flags left at None (or an empty list) are filled.

A mapping says which flag takes which project value::

    fill_from_project(args, {"data": "sources.validation", "label": "columns.label", "group": "columns.groups"})

Values: ``sources.validation`` / ``sources.production`` (a path; a demo project gives its bundled table),
``columns.<role>``, ``columns.groups[0]`` (the first group column), ``columns.groups[:1]`` (it, as a list),
``columns.features`` (as ``A,B,C`` text),
``currency``, ``volume_per_day``, ``task``, ``engine``, ``metrics.threshold``.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..core.errors import AipmError

__all__ = ["fill_from_project", "read_arg_table", "project_frame", "require_args", "FILLED_ATTR"]

FILLED_ATTR = "_from_project"
"""Attribute of ``args`` listing the flags filled from the project (for messages and tests)."""
_FRAMES_ATTR = "_project_frames"
_MISSING_RECORD_ATTR = "_record_missing"


def _project_value(project, record, key: str) -> Any:
    if key.startswith("sources."):
        which = key.split(".", 1)[1]
        path = project.source_path(which)
        if path is not None:
            return str(path)
        if project.is_demo and project.project.sources.validation is None and project.project.sources.production is None:
            return project.validation() if which == "validation" else project.production()
        return None
    if key == "columns.groups[0]":
        return project.columns.groups[0] if project.columns.groups else None
    if key == "columns.groups[:1]":
        return project.columns.groups[:1] or None
    if key == "columns.features":
        return ",".join(project.columns.features) if project.columns.features else None
    if key.startswith("columns."):
        value = getattr(project.columns, key.split(".", 1)[1])
        if key == "columns.proba_columns":
            return ",".join(f"{k}={v}" for k, v in value.items()) if value else None
        return None if value in ([], {}) else (list(value) if isinstance(value, list) else value)
    if key == "metrics.threshold":
        return record.metrics.threshold if record is not None else None
    if key in ("currency", "volume_per_day", "task", "engine"):
        value = getattr(project, key)
        if key == "engine" and project.project.engine is None:
            return None
        return value
    raise KeyError(f"unknown project value {key!r}")


def fill_from_project(args, mapping: Mapping[str, str], *, record_attr: str = "record"):
    """Fill ``args.<flag>`` left at None (or empty) from the project of ``args.<record_attr>``; return ``args``.

    Without a record nothing changes. Data flags of a demo project get the demo's table (read it with
    :func:`read_arg_table`). The flags filled are listed in ``args._from_project``.
    """
    filled: list[str] = []
    setattr(args, FILLED_ATTR, filled)
    path = getattr(args, record_attr, None)
    if not path:
        return args
    from pathlib import Path

    from ..core.project import load_project

    if not Path(path).exists():
        # Nothing to fill from (``aipm monitor`` starts a record there); require_args says so if flags lack.
        setattr(args, _MISSING_RECORD_ATTR, str(path))
        return args
    project = load_project(path)
    frames = getattr(args, _FRAMES_ATTR, None) or {}
    # Files given on the command line with a demo project's record: the demo's column names would be wrong for them.
    explicit_data = any(getattr(args, a, None) not in (None, [], "") for a, k in mapping.items() if k.startswith("sources."))
    for attr, key in mapping.items():
        current = getattr(args, attr, None)
        if current not in (None, [], ""):
            continue
        if explicit_data and project.is_demo and key.startswith("columns."):
            continue
        value = _project_value(project, project.record, key)
        if value is None:
            continue
        if isinstance(value, pd.DataFrame):
            frames[attr] = value
            value = f"<{project.example} demo: {key.split('.', 1)[1]}>"
        setattr(args, attr, value)
        filled.append(attr)
    setattr(args, _FRAMES_ATTR, frames)
    return args


def project_frame(args, attr: str) -> pd.DataFrame | None:
    """The demo table that filled ``args.<attr>`` (a copy), or None when the flag names a file."""
    frames = getattr(args, _FRAMES_ATTR, None) or {}
    return frames[attr].copy() if attr in frames else None


def read_arg_table(args, attr: str, **kwargs: Any) -> pd.DataFrame:
    """The table named by ``args.<attr>``: the demo's own table when the project filled it, else the file."""
    frames = getattr(args, _FRAMES_ATTR, None) or {}
    if attr in frames:
        return frames[attr].copy()
    from ..core.io.inputs import read_table

    return read_table(getattr(args, attr), **kwargs).frame


def require_args(args, flags: Mapping[str, str], *, project_hint: Mapping[str, str] | None = None) -> None:
    """Raise one :class:`AipmError` naming every required flag still missing after filling.

    ``flags`` maps an attribute to the flag as typed (``{"data": "--data"}``); ``project_hint`` maps it to the
    project setting that would fill it (``{"data": "sources.validation"}``).
    """
    hint = dict(project_hint or {})
    missing = [a for a in flags if getattr(args, a, None) in (None, [], "")]
    if not missing:
        return
    parts = []
    for a in missing:
        where = hint.get(a)
        parts.append(f"{flags[a]}" + (f" (or --record FILE whose project sets {where})" if where else ""))
    missing_record = getattr(args, _MISSING_RECORD_ATTR, None)
    raise AipmError("Missing " + ", ".join(parts) + "."
                    + (f" There is no decision record at {missing_record}." if missing_record else ""))

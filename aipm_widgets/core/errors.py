"""Errors a user can act on.

Every error the workbook shows a person is an :class:`AipmError` (or a subclass) whose message says
what was wrong, where, and what to do. Widgets show ``str(error)`` in their message area; the ``aipm``
command prints it on one line and exits 2. Message templates are module constants so tests can import them.
"""

from __future__ import annotations

__all__ = [
    "AipmError",
    "InputDataError",
    "RecordError",
    "RECORD_NEWER_SCHEMA",
    "RECORD_UNSAFE_TAG",
    "RECORD_NOT_YAML",
    "RECORD_INVALID",
    "RECORD_NOT_MAPPING",
    "RECORD_BAD_SCHEMA",
    "short",
    "one_line",
]

MAX_NAME_CHARS = 80
"""Longest name (column, file, value) quoted whole in a message; longer ones are cut in the middle."""


def short(text: object, limit: int = MAX_NAME_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis in the middle, so a 100,000-character column
    name does not flood a terminal or a widget (both ends stay: they usually tell names apart).

    >>> short("x" * 200, 11)
    'xxxxx…xxxxx'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[len(text) - (limit - 1 - half):]


def one_line(text: object, limit: int = 2000) -> str:
    """A message as one printable line: whitespace runs and control characters (terminal escapes) become
    single spaces, and very long messages are cut."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return short(" ".join(cleaned.split()), limit)


class AipmError(ValueError):
    """An error whose message is written for the person using the workbook."""


class InputDataError(AipmError):
    """The data a user gave cannot be used as it is (wrong columns, types, sizes...)."""


class RecordError(AipmError):
    """The decision record could not be read or written."""


RECORD_NEWER_SCHEMA = (
    "{path}: this decision record was written by a newer aipm-workbook (schema_version {found}; this "
    "version understands up to {supported}). Upgrade aipm-workbook to open it; the file was not changed."
)
RECORD_UNSAFE_TAG = (
    "{path}: the decision record contains a YAML tag that would create a Python object ({detail}). "
    "A record holds plain data only, so it was not loaded and the file was not changed. "
    "Remove the tagged value or restore the backup ({backup})."
)
RECORD_NOT_YAML = (
    "{path}: the decision record is not valid YAML ({detail}). The file was not changed; "
    "fix the line named or restore the backup ({backup})."
)
RECORD_NOT_MAPPING = (
    "{path}: the decision record must be a YAML mapping of sections (project, scoping, ...), "
    "found {found}. The file was not changed."
)
RECORD_BAD_SCHEMA = (
    "{path}: schema_version must be the whole number {supported} (found {found}). Write `schema_version: "
    "{supported}` or restore the backup; the file was not changed."
)
RECORD_INVALID = "{path}: the decision record has invalid fields; the file was not changed.\n{problems}"

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
]


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
RECORD_INVALID = "{path}: the decision record has invalid fields; the file was not changed.\n{problems}"

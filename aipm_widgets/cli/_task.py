"""The ``--task`` flag shared by the batch commands (binary, multiclass or regression)."""

from __future__ import annotations

TASKS = ("binary", "multiclass", "regression")


def add_task_argument(p) -> None:
    """Add ``--task`` (default None: inferred, or taken from the record's project)."""
    p.add_argument("--task", choices=TASKS, default=None,
                   help="what the model predicts: binary (yes/no), multiclass (one of several classes) or regression "
                        "(a number); default binary")

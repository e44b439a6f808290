"""The ``--task`` flag shared by the batch commands (binary, multiclass or regression)."""

from __future__ import annotations

TASKS = ("binary", "multiclass", "regression")


def add_option(p, *flags: str, **kw) -> None:
    """Add an option unless another task's code already added it (tasks share --task and --prediction)."""
    if any(f in p._option_string_actions for f in flags):
        return
    p.add_argument(*flags, **kw)


def add_task_argument(p) -> None:
    """Add ``--task`` (default None: binary, or taken from the record's project)."""
    add_option(p, "--task", choices=TASKS, default=None,
               help="what the model predicts: binary (yes/no, default), multiclass (one of several classes) or "
                    "regression (a number)")

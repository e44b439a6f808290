"""Where the workbook's files are: its notebooks (in a wheel or a source checkout), and which user data folders may be read."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["notebooks_dir", "STAGE_NOTEBOOKS", "allowed_path", "data_roots", "OUTSIDE_FOLDER"]

STAGE_NOTEBOOKS = {
    "start": "00_start_here.ipynb",
    "scoping": "01_use_case_scoping.ipynb",
    "expectations": "02_expectations_and_ethics.ipynb",
    "data": "03_data_assessment.ipynb",
    "metrics": "04_metric_selection.ipynb",
    "monitoring": "05_post_launch_monitoring.ipynb",
    "brief": "06_product_brief.ipynb",
}


def notebooks_dir() -> Path:
    """The folder holding the workbook's notebooks."""
    package = Path(__file__).resolve().parents[2]
    for candidate in (package / "_notebooks", package.parent / "notebooks"):
        if (candidate / STAGE_NOTEBOOKS["start"]).exists():
            return candidate
    raise FileNotFoundError("the workbook's notebooks were not found next to the package; reinstall aipm-workbook")


OUTSIDE_FOLDER = (
    "{text}: for safety the workbook only reads files inside {root}{extra}. "
    "Copy the file there, upload it, or set AIPM_DATA_DIR to the folder that holds it."
)


def data_roots(base: str | os.PathLike | None = None) -> list[Path]:
    """The folders data files may be read from: ``base`` (default: the working folder) and ``$AIPM_DATA_DIR``."""
    root = Path(base).expanduser().resolve() if base is not None else Path.cwd().resolve()
    extra = [Path(p).expanduser().resolve() for p in os.environ.get("AIPM_DATA_DIR", "").split(os.pathsep) if p]
    return [root, *extra]


def allowed_path(text: str | os.PathLike, base: str | os.PathLike | None = None) -> Path:
    """Resolve a typed path against ``base`` (default: the working folder), refusing files outside it.

    A dashboard visitor types this text, and the table's values are shown back: reading any file the
    server can read would leak it. Only files under ``base`` (the folder of the notebooks and the
    record) or under ``$AIPM_DATA_DIR`` are read. Raises :class:`~aipm_widgets.core.errors.InputDataError`.
    """
    from ..errors import InputDataError

    roots = data_roots(base)
    path = Path(text).expanduser()
    resolved = (roots[0] / path).resolve() if not path.is_absolute() else path.resolve()
    if not any(resolved == root or root in resolved.parents for root in roots):
        raise InputDataError(OUTSIDE_FOLDER.format(
            text=text, root=roots[0], extra=" or AIPM_DATA_DIR" if len(roots) > 1 else ""))
    return resolved

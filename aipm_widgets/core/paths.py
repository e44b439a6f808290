"""Where the workbook's own files are: the notebooks (in a wheel or in a source checkout)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["notebooks_dir", "STAGE_NOTEBOOKS"]

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
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_notebooks", package.parent / "notebooks"):
        if (candidate / STAGE_NOTEBOOKS["start"]).exists():
            return candidate
    raise FileNotFoundError("the workbook's notebooks were not found next to the package; reinstall aipm-workbook")

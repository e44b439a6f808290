"""Tier 4: stage 4's page in Voila for a team whose Parquet validation data DuckDB counts (project engine duckdb).

The curve is counted in a thread while a progress bar shows; the explorer then replaces it, with the binning bound
said above it, and the threshold slider moved with the keyboard changes the numbers. Generated turbine-failure data
(NOK), binned on purpose (a low exact-row limit) so the bound sentence is on the page.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import assert_no_error_output, keep_shot, open_dashboard, serve_voila
from test_metrics_page_engine import _project, _turbines

pytestmark = pytest.mark.browser

SHOTS = Path("/work/coord/shots/h-scale2")
CODE = """\
from aipm_widgets.core.monitoring.engines import threshold_curve
threshold_curve.MAX_ROWS = 20_000  # this test's data is small: bin it, as a file beyond 20 million rows would be
from aipm_widgets.widgets import pages
pages.metrics_page(pages.open_project("rec_duckdb.yaml"))
"""


@pytest.fixture
def engine_page_server(tmp_path, chromium_path):
    _turbines(60_000, 5).to_parquet(tmp_path / "validation.parquet")
    _project(tmp_path, engine="duckdb", source="validation.parquet")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Turbine failures: the alert threshold"),
                                         nbformat.v4.new_code_cell(CODE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "metrics.ipynb")
    with serve_voila(tmp_path, OMP_NUM_THREADS="1") as base:
        yield base


def _shot(page, tmp_path, name):
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot, SHOTS)


def test_engine_curve_page_in_voila(page, engine_page_server, tmp_path):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    open_dashboard(page, engine_page_server, "metrics.ipynb", ready_selector=".aipm-engine-metrics")
    page.wait_for_selector(".aipm-threshold-explorer .widget-slider", state="visible", timeout=120_000)
    text = page.inner_text(".aipm-engine-metrics")
    assert "The project's engine is duckdb" in text and "need the rows in memory" in text
    assert "How exact:" in text and "score bins (duckdb engine)" in text and "recall is within" in text
    assert "NOK" in text
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.wait_for_timeout(800)
    _shot(page, tmp_path, "engine_metrics_page.png")
    headline = page.locator(".aipm-threshold-explorer .widget-html").nth(1)
    before = page.inner_text(".aipm-threshold-explorer")
    handle = page.locator(".aipm-threshold-explorer .widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("(b) => document.querySelector('.aipm-threshold-explorer').innerText !== b", arg=before,
                           timeout=30_000)
    assert headline.inner_text()
    _shot(page, tmp_path, "engine_metrics_page_after_keys.png")
    assert_no_error_output(page)
    assert not [u for u in outside if not u.startswith(("http://localhost", "https://cdn.jsdelivr.net/npm/@fortawesome/"))], outside[:5]

"""Tier 4: the ForecastExplorer in Voila, its offset slider moved with the keyboard (delivery demo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import assert_no_error_output, keep_shot, open_dashboard, serve_voila

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("AIPM_SHOTS", "/work/coord/shots/issue-11-regression"))
CELL = """\
from aipm_widgets.core.demo.delivery import load_delivery, demo_settings
from aipm_widgets.widgets.metrics.forecast_explorer import ForecastExplorer
ex, s = load_delivery(), demo_settings()
ForecastExplorer.from_frame(ex.validation, label=ex.columns["label"], prediction=ex.columns["prediction"],
                            group="zone", cost_under=s["cost_under"], cost_over=s["cost_over"],
                            tolerance=s["tolerance"], unit=ex.unit, currency=ex.currency)
"""


def _keep(path: Path) -> None:
    keep_shot(path, SHOTS)


@pytest.fixture
def forecast_voila(tmp_path, chromium_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# If your model predicts a number"), nbformat.v4.new_code_cell(CELL)]
    nbformat.write(nb, tmp_path / "forecast.ipynb")
    with serve_voila(tmp_path, OMP_NUM_THREADS="1") as base:
        yield base


def test_offset_slider_by_keyboard_changes_numbers(page, forecast_voila, tmp_path):
    outside = []

    def only_loopback(route):
        # Voila's page template asks a public CDN for an icon font (not this widget's doing): nothing may leave.
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_loopback)
    open_dashboard(page, forecast_voila, "forecast.ipynb", ready_selector=".aipm-forecast-headline")
    headline = page.locator(".aipm-forecast-headline")
    before = headline.inner_text()
    assert "estimates within ±10%" in before
    assert "import " not in page.inner_text("body"), "Voila must not show code"
    handle = page.locator(".aipm-forecast-explorer .widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    # 40 presses reach the kernel one message at a time: wait for the last one's answer, not the first's
    page.wait_for_function(
        "() => document.querySelector('.aipm-forecast-headline').innerText.includes('too high')", timeout=60_000
    )
    after = headline.inner_text()
    assert after != before and "too high" in after
    page.get_by_role("button", name="Go to the cost-optimal offset").click()
    page.wait_for_function("() => document.body.innerText.includes('lowest cost of errors')", timeout=30_000)
    page.set_viewport_size({"width": 1400, "height": 1700})
    page.wait_for_timeout(500)
    shot = tmp_path / "forecast_explorer.png"
    page.locator(".aipm-forecast-explorer").screenshot(path=str(shot))
    _keep(shot)
    assert_no_error_output(page)
    assert all("fontawesome" in u for u in outside), f"requests tried to leave loopback: {outside[:5]}"

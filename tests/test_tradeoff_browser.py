"""Tier 4: the metric-selection dashboard in Voila; the threshold slider moved with the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_no_error_output, keep_shot, open_dashboard

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/tradeoff")


def _keep(path: Path) -> None:
    keep_shot(path, SHOTS)


def test_slider_keyboard_changes_confusion_numbers(page, voila_url, tmp_path):
    open_dashboard(page, voila_url, "04_metric_selection.ipynb", ready_selector=".aipm-confusion-counts")
    page.get_by_role("button", name="Fit and compare the candidates").click()
    page.wait_for_selector(".aipm-candidates", state="visible", timeout=120_000)
    counts = page.locator(".aipm-confusion-counts")
    before = counts.inner_text()
    body = page.inner_text("body")
    assert "Out of every 1,000 transactions" in body
    assert "import " not in body, "Voila must not show code"
    assert "Do we need ML at all?" in body and "By age_band" in body
    page.screenshot(path=str(tmp_path / "tradeoff_before.png"), full_page=True)

    handle = page.locator(".aipm-threshold-explorer .widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(before) => document.querySelector('.aipm-confusion-counts').innerText !== before", arg=before, timeout=30_000
    )
    after = counts.inner_text()
    assert after != before
    assert "caught" in after and "false alarms" in after
    shot = tmp_path / "tradeoff_after_arrow.png"
    page.screenshot(path=str(shot), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 3400})
    page.wait_for_timeout(500)
    explorer_shot = tmp_path / "tradeoff_explorer.png"
    page.locator(".aipm-threshold-explorer").screenshot(path=str(explorer_shot))
    candidates_shot = tmp_path / "tradeoff_candidates.png"
    page.locator(".aipm-candidates").screenshot(path=str(candidates_shot))
    for path in (tmp_path / "tradeoff_before.png", shot, explorer_shot, candidates_shot):
        _keep(path)
    assert_no_error_output(page)

"""Tier 4: notebook 02 in Voila: hostile text typed into the one-pager and the fairness response shows as text."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import assert_no_error_output, open_dashboard

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
SHOTS = Path("/work/shots/expectations")


def _shot(page, tmp_path, name, selector=None):
    # Voila scrolls inside its own container, so a full-page shot shows only the first screen:
    # shoot each widget as an element instead.
    path = tmp_path / name
    if selector:
        page.locator(selector).first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    if SHOTS.parent.exists():
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / name)


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_expectations_and_ethics_page(page, voila_server, tmp_path):
    base, record_path = voila_server
    open_dashboard(page, base, "02_expectations_and_ethics.ipynb", ready_selector=".aipm-fairness-table")
    body = page.inner_text("body")
    assert "import " not in body, "Voila must not show code"
    assert "What it does not do" in body and "alerts" in body
    table = page.locator(".aipm-fairness-table")
    assert table.is_visible() and "woman" in table.inner_text() and "fails" in table.inner_text()
    assert "fails" in page.inner_text(".aipm-fairness-audit").lower()
    _shot(page, tmp_path, "02_loaded.png")

    # Moving the threshold recomputes the table (keyboard on the slider handle, as a person would).
    before = table.inner_text()
    handle = page.locator(".aipm-fairness-audit .widget-slider .noUi-handle, .aipm-fairness-audit .widget-slider [role=slider]").first
    handle.focus()
    for _ in range(5):
        handle.press("ArrowLeft")
    assert _wait_for(lambda: table.inner_text() != before), "the fairness table did not change with the threshold"

    # The one-pager: hostile text in "What it does" shows as text in the preview, and no dialog opens.
    does = page.locator(".aipm-one-pager-widget textarea").first
    does.fill(HOSTILE)
    does.press("Tab")
    preview = page.locator(".aipm-one-pager-widget .aipm-one-pager")
    assert _wait_for(lambda: HOSTILE in preview.inner_text()), preview.inner_text()[:500]

    # The fairness response: typed, previewed as text, saved to the record.
    response = page.locator(".aipm-fairness-audit textarea")
    response.fill(HOSTILE + " We retrain without the gap feature.")
    response.press("Tab")
    assert _wait_for(lambda: HOSTILE in page.inner_text(".aipm-fairness-audit .aipm-response-preview"))
    page.locator(".aipm-fairness-audit button", has_text="Save findings and response").click()
    assert _wait_for(lambda: "Saved to" in page.inner_text(".aipm-fairness-audit"))
    page.locator(".aipm-one-pager-widget button", has_text="Save one-pager to record").click()
    assert _wait_for(lambda: "expectations section" in page.inner_text(".aipm-one-pager-widget"))

    assert page.locator("img[src='x']").count() == 0
    time.sleep(0.5)
    assert page.dialogs == []
    from aipm_widgets.core.record import load_record

    rec = load_record(record_path)
    assert rec.ethics.team_response.startswith(HOSTILE) and rec.ethics.fairness.flagged_groups == ["woman"]
    assert rec.expectations.one_pager.does == [HOSTILE]
    page.set_viewport_size({"width": 1400, "height": 4200})  # every widget fully rendered for the shots
    time.sleep(1.0)
    _shot(page, tmp_path, "02_one_pager_hostile.png", ".aipm-one-pager-widget")
    _shot(page, tmp_path, "02_fairness_audit.png", ".aipm-fairness-audit")
    _shot(page, tmp_path, "02_ethics_checklist.png", ".aipm-checklist-ethics")
    assert_no_error_output(page)

    # A reload shows what was saved: the response and the one-pager text come back from the record.
    page.reload(wait_until="domcontentloaded")
    open_dashboard(page, base, "02_expectations_and_ethics.ipynb", ready_selector=".aipm-fairness-table")
    assert page.locator(".aipm-fairness-audit textarea").input_value().startswith(HOSTILE)
    assert page.locator(".aipm-one-pager-widget textarea").first.input_value() == HOSTILE
    assert page.locator("img[src='x']").count() == 0 and page.dialogs == []

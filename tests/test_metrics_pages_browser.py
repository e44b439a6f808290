"""Pages 04 and 05 in Voila, as a product manager reads them (issue 12): one threshold, one money story.

Screenshots go to ``$AIPM_SHOTS`` (default: pytest's temporary folder). The walk: page 04 opens on the decided
threshold (the slider's readout equals the threshold in the sentence), a keyboard move says "set by hand", saving
with an unmet constraint warns; page 05 then opens its performance chart on the metric stage 4 saved and its
heatmap cells show score / threshold.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from conftest import assert_no_error_output, open_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    path = Path(os.environ.get("AIPM_SHOTS") or tmp_path_factory.mktemp("shots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def tall(page) -> None:
    """Voila scrolls inside its own container: size the window to the content so the screenshot holds it all."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 12000)})


def headline(page) -> str:
    return page.locator("text=Alert when the score is at least").first.inner_text()


def test_pages_04_then_05(page, voila_server, shots):
    base, record = voila_server
    open_dashboard(page, base, "04_metric_selection.ipynb", timeout=300_000)
    page.wait_for_selector("text=Alert when the score is at least", timeout=300_000)
    assert_no_error_output(page)
    explorer = page.locator(".aipm-threshold-explorer").first
    readout = explorer.locator(".widget-readout").first
    first = headline(page)
    t = re.search(r"at least (\S+) \(", first).group(1)
    assert readout.inner_text().strip() == t  # one threshold: slider, sentence
    assert f"At threshold {t} on" in explorer.inner_text()
    text = explorer.inner_text()
    assert "losses prevented a month" in text and "total cost of EUR" in text
    tall(page)
    page.screenshot(path=str(shots / "04_explorer_start.png"), full_page=True)

    handle = explorer.locator(".widget-slider .ui-slider-handle, .widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.body.innerText.includes('(set by hand)')", timeout=120_000)
    # The kernel answers each key press in turn: wait until the sentence has caught up with the slider.
    deadline = time.time() + 120
    while True:
        t2 = re.search(r"at least (\S+) \(", headline(page)).group(1)
        if readout.inner_text().strip() == t2 or time.time() > deadline:
            break
        page.wait_for_timeout(1000)
    assert t2 != t and readout.inner_text().strip() == t2
    assert f"At threshold {t2} on" in explorer.inner_text()

    explorer.locator("input[placeholder='who decides']").fill("Product manager")
    explorer.locator("button:has-text('Save to decision record')").click()
    page.wait_for_selector(".aipm-msg-warning", timeout=120_000)
    msg = page.locator(".aipm-msg-warning").first.inner_text()
    assert "NOT every constraint is met" in msg and f"threshold {t2} (set by hand)" in msg
    tall(page)
    page.screenshot(path=str(shots / "04_saved_warning.png"), full_page=True)
    assert_no_error_output(page)

    open_dashboard(page, base, "05_post_launch_monitoring.ipynb", timeout=300_000)
    page.wait_for_selector(".aipm-monitor-summary", timeout=300_000)
    assert_no_error_output(page)
    summary = page.locator(".aipm-monitor-summary").first.inner_text()
    assert f"Recall at threshold {t2}" in summary  # stage 4's decision: cost, watched through recall
    assert "Shown first: recall" in page.locator(".aipm-metric-note").first.inner_text()
    title = page.locator(".aipm-heatmap-title").first.inner_text()
    assert "divided by its threshold" in title
    tall(page)
    page.screenshot(path=str(shots / "05_monitoring.png"), full_page=True)

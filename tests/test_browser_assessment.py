"""Tier 4: the data-assessment dashboard in Voila: renders, an uploaded CSV gets its issues listed,
a broken file gets a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import assert_no_error_output, open_dashboard

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/assessment")


def _upload(page, path):
    """Upload through the FileUpload button (its <input type=file> is not attached to the page in ipywidgets 8)."""
    inputs = page.query_selector_all("input[type=file]")
    if inputs:
        inputs[0].set_input_files(str(path))
        return
    with page.expect_file_chooser() as chooser:
        page.click(".aipm-upload")
    chooser.value.set_files(str(path))


def _shot(page, tmp_path, name, selector=None):
    path = tmp_path / name
    if selector:
        page.locator(selector).first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / name)
    except OSError:
        pass


def test_dashboard_upload_and_broken_file(page, voila_server, tmp_path):
    voila_url = voila_server[0]
    page.set_viewport_size({"width": 1400, "height": 4200})  # Voila scrolls inside its own panel: see it all
    page.set_default_navigation_timeout(300_000)  # Voila runs every cell (label noise, learning curve) before the page
    open_dashboard(page, voila_url, "03_data_assessment.ipynb", ready_selector=".aipm-checklist-datasheet",
                   timeout=240_000)
    # Widgets render one by one once the page is in: the light (collapsed) checklist can be drawn before the
    # issue table, so wait for the table too.
    page.wait_for_selector(".aipm-issue-warning", timeout=60_000)
    body = page.inner_text("body")
    assert "ready with warnings" in body
    assert "outside the allowed range 0 to 23" in body  # hour = 27 in the demo data
    assert "placeholder values" in body and "exact copies" in body
    assert "import " not in body, "Voila must not show code"
    assert_no_error_output(page)
    _shot(page, tmp_path, "assessment_demo.png")
    _shot(page, tmp_path, "assessment_learning_curve.png", ".js-plotly-plot >> nth=1")
    _shot(page, tmp_path, "assessment_decision.png", ".aipm-checklist-datasheet")

    csv = tmp_path / "orders.csv"
    rows = ["order_id,hour,amount,region,is_fraud"]
    rows += [f"O{i:03d},{i % 24},{10 + i * 1.5:.2f},{'north' if i % 3 else '?'},{int(i % 7 == 0)}" for i in range(120)]
    rows[10] = "O009,31,23.50,north,0"
    csv.write_text("\n".join(rows) + "\n")
    _upload(page, csv)
    page.wait_for_function(
        "() => document.querySelector('.aipm-loaded-info').innerText.includes('orders.csv')", timeout=60_000)
    page.wait_for_selector(".aipm-issues :text('region')", timeout=60_000)
    issues = page.inner_text(".aipm-issues")
    assert "hour" in issues and "outside the allowed range" in issues and "placeholder" in issues
    _shot(page, tmp_path, "assessment_uploaded.png", ".aipm-data-assessment")

    # Accept the first issue (the blocker) with a note that tries to inject HTML: it must show as text.
    page.locator(".aipm-waive-note input").fill("<b>QA</b> rows, see ticket 42")
    page.locator(".aipm-waive-button").click()
    page.wait_for_selector(".aipm-issues :text('Accepted:')", timeout=30_000)
    assert "<b>QA</b> rows, see ticket 42" in page.inner_text(".aipm-issues")
    assert page.locator(".aipm-issues b:text('QA')").count() == 0
    assert "ready with warnings" in page.inner_text(".aipm-readiness")

    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01\x02\x03\x89PNG binary junk" * 10)
    _upload(page, broken)
    page.wait_for_selector(".aipm-data-assessment .aipm-msg-error", timeout=60_000)
    msg = page.inner_text(".aipm-data-assessment .aipm-msg-error")
    assert "binary" in msg and "Export it as CSV or Parquet" in msg and "still those of orders.csv" in msg
    _shot(page, tmp_path, "assessment_broken.png", ".aipm-data-assessment")

    page.locator(".aipm-save-decision").last.click()
    page.wait_for_selector(".aipm-msg-success", timeout=30_000)
    record = voila_server[1].read_text()
    assert "readiness: ready with warnings" in record and "orders.csv" in record
    assert "<b>QA</b> rows, see ticket 42" in record
    assert_no_error_output(page)

"""Tier 4: the monitoring dashboard in Voila shows the summary, the drift heatmap and the alert list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import assert_no_error_output, open_dashboard

pytestmark = pytest.mark.browser


def test_monitoring_dashboard_in_voila(page, voila_server, tmp_path):
    voila_url, record_path = voila_server
    open_dashboard(page, voila_url, "05_post_launch_monitoring.ipynb", ready_selector=".aipm-alerts")
    page.wait_for_selector(".js-plotly-plot .heatmaplayer, .js-plotly-plot .hm", state="attached", timeout=60_000)
    body = page.inner_text("body")
    assert "What happened since launch" in body and "2025-09" in body and "concept drift" in body
    assert "Drift by feature and window" in body
    assert "amount" in page.inner_text(".aipm-alerts")
    assert "import " not in body, "Voila must not show code"
    # Choosing a feature (the heatmap's cell click sets the same dropdown) redraws the charts below for it.
    page.locator(".widget-dropdown", has_text="Feature").locator("select").select_option("country")
    page.wait_for_function("() => document.body.innerText.includes('country: drift score over time')", timeout=20_000)
    shot = tmp_path / "monitoring_voila.png"
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 6000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(shot), full_page=True)
    parts = []
    for i, y in enumerate(range(0, min(int(height), 4000), 1000)):
        parts.append(tmp_path / f"monitoring_voila_part{i}.png")
        page.screenshot(path=str(parts[-1]), clip={"x": 0, "y": y, "width": 1400, "height": 1000})
    out = Path("/work/shots/monitoring")
    if out.parent.exists():
        out.mkdir(exist_ok=True)
        for p in [shot, *parts]:
            shutil.copy(p, out / p.name)
    assert_no_error_output(page)
    # The decision is saved to the shared record from the browser.
    page.get_by_role("button", name="Save monitoring decision").click()
    page.wait_for_function("() => document.body.innerText.includes('Saved the monitoring decision')", timeout=30_000)
    from aipm_widgets.core.record import load_record

    mon = load_record(record_path).monitoring
    assert mon.status == "decided" and mon.last_run.concept_drift_from == "2025-10"
    assert_no_error_output(page)

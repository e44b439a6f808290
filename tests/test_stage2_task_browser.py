"""Tier 4: stage 2's notebook in Voila for the tickets demo: the routing one-pager and the routing fairness audit
render in the task's words, the team's response is typed and saved from the browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, assert_no_error_output, open_dashboard, serve_voila

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("AIPM_SHOTS", "/work/coord/shots/h-stage2"))
NOTEBOOK = "02_expectations_and_ethics.ipynb"


@pytest.fixture
def tickets_voila(tmp_path, chromium_path):
    from aipm_widgets.core.project import set_project

    shutil.copy(NOTEBOOKS / NOTEBOOK, tmp_path / NOTEBOOK)
    set_project(tmp_path / "decision_record.yaml", {"example": "tickets"})
    with serve_voila(tmp_path, OMP_NUM_THREADS="1") as base:
        yield base, tmp_path / "decision_record.yaml"


def test_tickets_stage_2_in_voila(page, tickets_voila, tmp_path):
    from aipm_widgets.core.record import load_record

    base, record = tickets_voila
    outside = []

    def only_loopback(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_loopback)
    open_dashboard(page, base, NOTEBOOK, ready_selector=".aipm-routing-fairness", timeout=240_000)
    headline = page.locator(".aipm-one-pager-multiclass .aipm-headline").inner_text()
    assert headline.startswith("Out of every 100 tickets,") and "go to a person" in headline
    assert "Provisional:" in page.locator(".aipm-one-pager-multiclass").inner_text()
    table = page.locator(".aipm-routing-fairness .aipm-fairness-groups").inner_text()
    assert "Routed automatically" in table and "apac" in table
    assert "yes/no decisions" not in page.inner_text("body")
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('.jp-Cell')].map("
                           "e => e.getBoundingClientRect().bottom + window.scrollY))")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 9000)})
    page.wait_for_timeout(700)
    page.evaluate("() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; }); }")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, top in enumerate(range(0, min(int(height), 9000), 1800)):
        page.screenshot(path=str(SHOTS / f"02_tickets_part{i}.png"), clip={"x": 0, "y": top, "width": 1400, "height": 1800})
    box = page.locator(".aipm-routing-fairness textarea")
    box.fill("Watch apac's automation monthly; owner: support operations.")
    box.press("Tab")
    page.locator(".aipm-routing-fairness button", has_text="Save audit to record").click()
    page.wait_for_selector(".aipm-routing-fairness .aipm-msg-success", timeout=60_000)
    eth = load_record(record).ethics
    assert eth.fairness.task == "multiclass" and eth.team_response.startswith("Watch apac")
    page.locator(".aipm-routing-fairness").screenshot(path=str(SHOTS / "02_tickets_fairness_saved.png"))
    assert_no_error_output(page)
    assert not outside, f"requests left the machine: {outside[:3]}"

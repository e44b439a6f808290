"""Tier 4: the RoutingExplorer in Voila; the confidence slider moved with the keyboard changes the numbers."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import assert_no_error_output, keep_shot, open_dashboard, serve_voila

pytestmark = pytest.mark.browser

SHOTS = Path("/work/coord/shots/issue-11-multiclass")
CODE = """\
from aipm_widgets.core.demo.tickets import TICKET_COSTS, load_tickets, MINUTES_PER_MANUAL, VOLUME_PER_DAY
from aipm_widgets.widgets.metrics.routing_explorer import RoutingExplorer
RoutingExplorer.from_frame(load_tickets("validation"), label="queue", prediction="predicted_queue", proba_prefix="proba_",
                           costs=TICKET_COSTS, constraints="accuracy_automated>=0.95", volume_per_day=VOLUME_PER_DAY,
                           minutes_per_manual=MINUTES_PER_MANUAL)
"""


@pytest.fixture
def routing_page_server(tmp_path, chromium_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Routing"), nbformat.v4.new_code_cell(CODE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "routing.ipynb")
    with serve_voila(tmp_path) as base:
        yield base


def test_confidence_slider_by_keyboard(page, routing_page_server, tmp_path):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    open_dashboard(page, routing_page_server, "routing.ipynb", ready_selector=".aipm-routing-headline")
    headline = page.locator(".aipm-routing-headline")
    page.wait_for_function("() => document.querySelector('.aipm-routing-headline').innerText.includes('automatically')")
    before = headline.inner_text()
    assert "person-hours a day" in before and "EUR" in page.inner_text(".aipm-routing-explorer")
    handle = page.locator(".aipm-routing-slider .noUi-handle").first
    handle.focus()
    for _ in range(8):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("(b) => document.querySelector('.aipm-routing-headline').innerText !== b", arg=before,
                           timeout=30_000)
    after = headline.inner_text()
    assert after != before and "automatically" in after
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.wait_for_timeout(800)
    shot = tmp_path / "routing_explorer_after_keys.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot, SHOTS)
    assert_no_error_output(page)
    # Voila's own template asks a CDN for the Font Awesome stylesheet (a project-wide matter, not this page's); any
    # other request leaving loopback is this page's fault.
    assert not [u for u in outside if not u.startswith(("http://localhost", "https://cdn.jsdelivr.net/npm/@fortawesome/"))], outside[:5]

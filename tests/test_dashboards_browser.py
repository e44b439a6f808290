"""Tier 4: every notebook as a Voila dashboard: widgets render, no code, no traceback, no error output.

Screenshots of every page are kept in /work/shots/dashboards/ for people to look at.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_pages import _shown_by
from conftest import NOTEBOOKS, assert_no_error_output, keep_shot, open_dashboard

pytestmark = pytest.mark.browser
SHOTS = Path("/work/shots/dashboards")
# Page cells whose last expression is None (they change widgets shown by an earlier cell).
SHOW_NOTHING = {"assessment.run()"}
PAGES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _keep(path: Path) -> None:
    keep_shot(path, SHOTS)


def test_every_notebook_is_a_dashboard():
    assert len(PAGES) >= 7 and PAGES[0] == "00_start_here.ipynb" and "06_product_brief.ipynb" in PAGES


@pytest.mark.parametrize("notebook", PAGES)
def test_dashboard_renders_without_code_or_errors(page, voila_url, tmp_path, notebook):
    open_dashboard(page, voila_url, notebook, timeout=240_000)
    # Widgets are live: at least one control a person can use is on screen.
    controls = (".widget-button", ".widget-slider", ".widget-dropdown", ".widget-text", ".widget-textarea",
                ".widget-checkbox", ".widget-upload")  # the first visible one (some sit in collapsed panels)
    page.wait_for_selector(", ".join(f"{c}:visible" for c in controls), timeout=60_000)
    page.wait_for_timeout(500)  # let plotly finish drawing before the screenshot
    body = page.inner_text("body")
    for code in ("import ", "from aipm_widgets", "display(", "= demo."):
        assert code not in body, f"{notebook}: Voila shows code ({code!r})"
    visible_code = page.eval_on_selector_all(
        ".jp-InputArea-editor, .jp-CodeMirrorEditor, .CodeMirror",
        "els => els.filter(e => e.offsetParent !== null && e.innerText.trim()).map(e => e.innerText.slice(0, 80))")
    assert not visible_code, f"{notebook}: code cells visible: {visible_code}"
    assert len(body) > 300, f"{notebook}: the page is nearly empty"
    # Every code cell's output is on the page (Voila's progressive rendering dropped a cell's later outputs: page 3
    # showed its first section only and page 4 lost its candidates and upload panels, without a word).
    cells = json.loads((NOTEBOOKS / notebook).read_text())["cells"]
    wanted = {i: _shown_by("".join(c["source"])) for i, c in enumerate(cells)
              if c["cell_type"] == "code" and "".join(c["source"]).strip() not in SHOW_NOTHING}
    page.wait_for_function(
        """(wanted) => Object.entries(wanted).every(([i, n]) => {
            const cell = document.querySelector(`[cell-index="${Number(i) + 1}"]`);
            return cell && cell.querySelectorAll('.jp-OutputArea-output').length >= n;
        })""", arg=wanted, timeout=120_000)
    shot = tmp_path / f"{notebook.split('.')[0]}.png"
    # Voila scrolls inside a container, so a full-page screenshot would stop at the viewport: grow the viewport.
    height = page.evaluate("""() => {
        const cells = [...document.querySelectorAll('.jp-Cell')].map(e => e.getBoundingClientRect().bottom + window.scrollY);
        return cells.length ? Math.max(...cells) : Math.max(...[...document.querySelectorAll('body, body *')].map(e => e.scrollHeight));
    }""")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 9000)})
    page.wait_for_timeout(700)
    page.screenshot(path=str(shot), full_page=True)
    _keep(shot)
    for i, top in enumerate(range(0, min(int(height), 9000), 2000)):  # readable parts of a long page
        part = tmp_path / f"{shot.stem}_part{i}.png"
        page.screenshot(path=str(part), clip={"x": 0, "y": top, "width": 1400, "height": 2000})
        _keep(part)
    assert_no_error_output(page)

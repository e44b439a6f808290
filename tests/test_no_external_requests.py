"""Tier 4: no Voila page (00-06) and no brief requests anything beyond 127.0.0.1 (issue 12).

Voila's stock "lab" template links an icon font on a public CDN; the workbook's own template (``aipm``,
started by :func:`aipm_widgets.cli.cmd_project.voila_command`) leaves it out. Every request the page makes,
scripts and fonts included, is logged by Playwright and must stay on loopback (or be data:/blob:).
The brief preview's "Print or save as PDF" button must reach ``window.print`` (the preview's sandbox used to block it).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import NOTEBOOKS, open_dashboard

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("AIPM_SHOTS", "/work/coord/shots/issue-12-stages"))
LOCAL_SCHEMES = {"data", "blob", "about", "file"}


def _external(urls: list[str]) -> list[str]:
    out = []
    for u in urls:
        p = urlparse(u)
        if p.scheme in LOCAL_SCHEMES:
            continue
        if p.hostname in {"127.0.0.1", "localhost", "::1"}:
            continue
        out.append(u)
    return out


def test_template_drops_the_cdn_font():
    from aipm_widgets.cli.cmd_project import voila_command

    cmd = voila_command("x.ipynb")
    assert "--VoilaConfiguration.template=aipm" in cmd and "aipm_widgets.voila_launch" in cmd
    from aipm_widgets.voila_launch import SHARE

    import re
    import sys

    tpl = (SHARE / "voila" / "templates" / "aipm" / "index.html.j2").read_text()
    stock = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    if stock.exists():  # every CDN link of the stock template is one our template removes, character for character
        links = re.findall(r'<link rel="stylesheet" href="https://[^"]+" type="text/css" />', stock.read_text())
        assert links and all(f"replace('{link}', '')" in tpl for link in links), links


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb")))
def test_voila_page_fetches_nothing_external(page, voila_url, notebook):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_default_navigation_timeout(600_000)  # page 03 runs its checks before the page is complete
    open_dashboard(page, voila_url, notebook, timeout=240_000)
    page.wait_for_timeout(1500)  # late fonts and lazy widget modules
    assert requests, "the request log is empty: the listener did not run"
    assert not _external(requests), _external(requests)
    fonts = [u for u in requests if "fontawesome" in u or "font-awesome" in u]
    assert not fonts, fonts
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{notebook.removesuffix('.ipynb')}.png"), full_page=True)


def test_brief_preview_print_button_reaches_print(page, voila_url):
    page.set_default_navigation_timeout(300_000)
    open_dashboard(page, voila_url, "06_product_brief.ipynb", timeout=240_000)
    frame_el = page.wait_for_selector("iframe[title='Brief preview']", timeout=60_000)
    sandbox = frame_el.get_attribute("sandbox") or ""
    assert "allow-modals" in sandbox.split() and "allow-scripts" in sandbox.split()
    assert "allow-same-origin" not in sandbox.split()  # the preview still cannot reach the page or kernel
    frame = frame_el.content_frame()
    frame.wait_for_selector("text=Print or save as PDF")
    frame.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    frame.click("text=Print or save as PDF")
    assert frame.evaluate("() => window.__printed") == 1

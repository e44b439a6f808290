"""Tier 4: the brief from the demo record in Chromium, printed to PDF; every section found, nothing fetched."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aipm_widgets.core.brief.document import SECTION_TITLES, write_brief

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path("/work/shots/brief")


def _demo_builder():
    spec = importlib.util.spec_from_file_location("demo_record", ROOT / "scripts" / "demo_record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


@pytest.fixture(scope="module")
def demo_brief(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("brief")
    record = _demo_builder()(tmp / "decision_record.yaml", quick=True)
    return write_brief(record, tmp / "product_brief.html")


def test_brief_prints_every_section(page, demo_brief, tmp_path):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(demo_brief.as_uri(), wait_until="load")
    page.wait_for_selector("#aipm-brief-chart-metrics .main-svg", timeout=30_000)  # plotly drew offline
    assert not [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))], requests
    assert not page.errors, page.errors
    body = page.inner_text("body")
    for title in SECTION_TITLES.values():
        assert title in body, title
    assert "No decision yet" not in body  # the demo record decides every stage
    page.screenshot(path=str(tmp_path / "brief_screen.png"), full_page=False)
    page.emulate_media(media="print")
    assert page.is_hidden(".controls") and page.is_hidden("nav.toc")
    pdf = tmp_path / "brief.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true but pdftotext is missing: .ci/run must install poppler-utils")
        pytest.skip("pdftotext (poppler-utils) not installed: section headings not checked in the PDF")
    pages = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
                .stdout.split("Pages:")[1].split()[0])
    assert pages >= len(SECTION_TITLES), "each section starts on its own page"
    first_page = {}
    for n in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        for title in SECTION_TITLES.values():
            if title in text and title not in first_page:
                first_page[title] = n
    assert set(first_page) == set(SECTION_TITLES.values()), set(SECTION_TITLES.values()) - set(first_page)
    assert list(first_page.values()) == sorted(first_page.values())
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(pdf, SHOTS / "brief_demo.pdf")
        shutil.copy(tmp_path / "brief_screen.png", SHOTS / "brief_screen.png")


def test_brief_page_writes_the_brief_in_voila(page, voila_url, tmp_path):
    """Notebook 06 as a dashboard: writing the HTML brief gives a download link, errors stay in words."""
    from conftest import assert_no_error_output, open_dashboard

    open_dashboard(page, voila_url, "06_product_brief.ipynb", ready_selector=".aipm-brief-coverage")
    page.click(".aipm-brief-html")
    page.wait_for_selector(".aipm-brief-links a[download='product_brief.html']", timeout=60_000)
    page.click(".aipm-brief-md")
    page.wait_for_selector(".aipm-brief-links a[download='product_brief.md']", timeout=60_000)
    body = page.inner_text("body")
    assert "Wrote " in body and "product_brief.md" in body
    frame = page.frame_locator(".aipm-brief-preview iframe")
    assert "Change history" in frame.locator("body").inner_text()
    page.screenshot(path=str(tmp_path / "brief_voila.png"))
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "brief_voila.png", SHOTS / "brief_voila.png")
    assert_no_error_output(page)

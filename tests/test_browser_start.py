"""Tier 4: the start page in a real browser (Voila and JupyterLab)."""

from __future__ import annotations

import pytest
from conftest import assert_no_error_output, open_dashboard

pytestmark = pytest.mark.browser


def test_start_page_renders_in_voila(page, voila_url, tmp_path):
    open_dashboard(page, voila_url, "00_start_here.ipynb", ready_selector=".aipm-lifecycle")
    body = page.inner_text("body")
    assert "Use-case scoping" in body and "Post-launch monitoring" in body
    assert "not started" in body
    assert "import " not in body, "Voila must not show code"
    page.screenshot(path=str(tmp_path / "start_voila.png"), full_page=True)
    assert_no_error_output(page)

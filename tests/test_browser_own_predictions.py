"""Tier 4: in the metric-selection dashboard, a team uploads its own predictions and explores them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_no_error_output, open_dashboard

pytestmark = pytest.mark.browser


def test_upload_own_predictions_and_explore(page, voila_url, tmp_path):
    rng = np.random.default_rng(1)
    y = (rng.random(800) < 0.2).astype(int)
    pd.DataFrame({"is_churn": y, "churn_score": np.clip(rng.normal(0.3 + 0.35 * y, 0.15), 0, 1).round(3)}).to_csv(
        tmp_path / "churn.csv", index=False
    )
    (tmp_path / "broken.csv").write_bytes(b"\x00\x01\x02binary\x00")
    open_dashboard(page, voila_url, "04_metric_selection.ipynb", ready_selector=".aipm-own-predictions")
    panel = page.locator(".aipm-own-predictions")
    panel.scroll_into_view_if_needed()

    with page.expect_file_chooser() as chooser:
        panel.locator(".aipm-upload").click()
    chooser.value.set_files(str(tmp_path / "broken.csv"))
    page.wait_for_function(
        "() => document.querySelector('.aipm-own-predictions').innerText.includes('binary data')", timeout=60_000
    )

    with page.expect_file_chooser() as chooser:
        panel.locator(".aipm-upload").click()
    chooser.value.set_files(str(tmp_path / "churn.csv"))
    page.wait_for_function(
        "() => document.querySelector('.aipm-own-predictions').innerText.includes('800 rows')", timeout=60_000
    )
    panel.get_by_role("button", name="Explore thresholds").click()
    panel.locator(".aipm-confusion-counts").wait_for(state="visible", timeout=60_000)
    text = panel.inner_text()
    assert "Out of every 1,000" in text
    panel.screenshot(path=str(tmp_path / "own_predictions.png"))
    assert_no_error_output(page)

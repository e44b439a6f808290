"""Tier 4: on a Voila page a widget's controls are on screen before its charts, and leaving a page frees its kernel.

A team's own notebook (parcel-locker no-shows, in CHF; nothing from the demo) served the way ``aipm dashboard``
serves the workbook (progressive rendering, the workbook's template).
"""

from __future__ import annotations

import json
from pathlib import Path
import time

import numpy as np
import pandas as pd
import pytest
from conftest import assert_no_error_output, keep_shot, leave_page, serve_voila

pytestmark = pytest.mark.browser

CELLS = [
    ("markdown", "# Locker no-shows\nWhich parcels will nobody collect?"),
    ("code", "import pandas as pd\nframe = pd.read_csv('lockers.csv')"),
    ("code", "from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer\n"
             "ThresholdExplorer.from_predictions(frame['uncollected'], frame['p_uncollected'], value=frame['parcel_value'],\n"
             "    costs={'cost_fp': 6, 'fn_cost_from_value': True, 'value_column': 'parcel_value', 'currency': 'CHF'},\n"
             "    volume_per_day=900, value_name='parcel_value', positive_name='no-show')"),
]

# When each kind of element first appears on the page, from the page itself (no polling lag).
PROBE = """() => { window.__seen = {}; const t0 = performance.timeOrigin;
  new MutationObserver(() => {
    for (const [k, sel] of [['slider', '.widget-slider'], ['chart', '.aipm-chart-slot .js-plotly-plot']]) {
      if (!window.__seen[k] && document.querySelector(sel)) window.__seen[k] = performance.now();
    }
  }).observe(document, {childList: true, subtree: true}); }"""


def _notebook(path) -> None:
    cells = [{"cell_type": kind, "metadata": {}, "source": src, **({"outputs": [], "execution_count": None}
                                                                  if kind == "code" else {})} for kind, src in CELLS]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def _lockers(folder, *, seed: int, n: int, no_shows: float, score: tuple[float, float, float]) -> None:
    """A generated parcel-locker log (``lockers.csv``: no-show label, its score, the parcel's value in CHF) and the
    notebook over it; ``score`` is (mean without a no-show, added with one, spread)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < no_shows).astype(int)
    base, lift, spread = score
    pd.DataFrame({"uncollected": y, "p_uncollected": np.clip(rng.normal(base + lift * y, spread), 0, 1).round(3),
                  "parcel_value": rng.gamma(2.0, 30.0, n).round(2)}).to_csv(folder / "lockers.csv", index=False)
    _notebook(folder / "lockers.ipynb")


def test_controls_come_before_charts_and_leaving_frees_the_kernel(page, tmp_path):
    _lockers(tmp_path, seed=5, n=2_000, no_shows=0.15, score=(0.25, 0.4, 0.15))
    with serve_voila(tmp_path) as base:
        page.add_init_script(f"({PROBE})()")
        page.goto(f"{base}/voila/render/lockers.ipynb", wait_until="commit")
        page.wait_for_selector(".widget-slider:visible", timeout=120_000)
        slots = page.locator(".aipm-chart-slot")
        page.wait_for_function("() => document.querySelectorAll('.aipm-chart-slot .js-plotly-plot').length === 2",
                               timeout=120_000)
        seen = page.evaluate("() => window.__seen")
        assert seen["slider"] <= seen["chart"], seen  # the charts came after the controls (the page's last cell)
        assert slots.count() == 2
        text = page.inner_text("body")
        assert "CHF" in text and "Out of every 1,000" in text
        page.screenshot(path=str(tmp_path / "charts_after_controls.png"), full_page=True)
        keep_shot(tmp_path / "charts_after_controls.png", Path("/work/shots/dashboards"))
        assert_no_error_output(page)

        leave_page(page)
        log = tmp_path / "voila.log"
        deadline = time.monotonic() + 20
        while "Kernel shutdown" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text()
        assert "Kernel shutdown" in text, text[-2000:]
        assert "_xsrf' argument missing" not in text


# Where each chart draws its marker, read from the SVG plotly.js drew (not from its data): the point of the
# precision-recall chart and the line of the cost chart, each with the data value at that pixel (p2d: log axes too).
MARKERS = """() => {
  const [pr, cost] = document.querySelectorAll('.aipm-threshold-explorer .js-plotly-plot');
  const last = (gd) => [...gd.querySelectorAll('.scatterlayer .trace')].pop();
  const xy = (el) => el.getAttribute('transform').match(/translate\\(([-\\d.e]+),\\s*([-\\d.e]+)\\)/).slice(1).map(Number);
  const [px, py] = xy(last(pr).querySelector('.point'));
  const line = last(cost).querySelector('.js-line').getAttribute('d').match(/M([-\\d.e]+),/)[1];
  const [xa, ya, ca] = [pr._fullLayout.xaxis, pr._fullLayout.yaxis, cost._fullLayout.xaxis];
  return {recall: xa.p2d(px), precision: ya.p2d(py), threshold: ca.p2d(Number(line)),
          text: document.querySelector('.aipm-confusion-counts').innerText};
}"""


def _check_markers_follow_the_words(page, presses_seq=(0, 3, 9), key="ArrowRight") -> None:
    """Press the explorer's slider; after each batch the drawn markers sit where the words say (see MARKERS)."""
    import re

    seen = []
    for presses in presses_seq:
        before = page.inner_text(".aipm-confusion-counts")
        page.focus(".aipm-threshold-explorer .widget-slider .noUi-handle")
        for _ in range(presses):
            page.keyboard.press(key)
        if presses:
            page.wait_for_function("(t) => document.querySelector('.aipm-confusion-counts').innerText !== t", arg=before)
            page.wait_for_timeout(600)  # the charts' messages follow the words
        drawn = page.evaluate(MARKERS)
        counts = {k: int(v.replace(",", "")) for v, k in re.findall(r"([\d,]+) (caught|missed|false alarms)", drawn["text"])}
        threshold = float(re.search(r"At threshold ([\d.]+)", drawn["text"]).group(1))
        recall = counts["caught"] / (counts["caught"] + counts["missed"])
        precision = counts["caught"] / (counts["caught"] + counts["false alarms"])
        # one pixel of a 500-pixel axis is 0.002 of recall and precision
        assert drawn["recall"] == pytest.approx(recall, abs=0.006), (presses, drawn)
        assert drawn["precision"] == pytest.approx(precision, abs=0.006), (presses, drawn)
        assert drawn["threshold"] == pytest.approx(threshold, rel=0.03, abs=0.003), (presses, drawn)
        seen.append((drawn["recall"], drawn["threshold"]))
    assert len(set(seen)) == len(presses_seq)  # it moved each time


def test_a_move_moves_the_drawn_markers_to_the_numbers_in_words(page, tmp_path):
    """The markers move without a redraw of their charts (plotly's animate): what is drawn is where the words say."""
    _lockers(tmp_path, seed=11, n=3_000, no_shows=0.2, score=(0.3, 0.35, 0.18))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # e.g. an animation's promise rejected, unhandled
    with serve_voila(tmp_path) as base:
        page.goto(f"{base}/voila/render/lockers.ipynb", wait_until="commit")
        page.wait_for_function("() => document.querySelectorAll('.aipm-chart-slot .js-plotly-plot .point').length > 0",
                               timeout=120_000)
        _check_markers_follow_the_words(page)
        assert_no_error_output(page)
        assert errors == []


def test_in_jupyterlab_the_markers_follow_the_words_too(page, jupyterlab_server, tmp_path):
    """Outside Voila the explorer's charts are plain FigureWidgets drawn at once; a move animates them the same way.
    The demo's stage 4 notebook, run from JupyterLab's Run menu."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A workspace of its own: JupyterLab restores the default workspace's open tabs on the next visit, and the
    # session's other Lab test (the start page) would find this notebook in front of its own.
    page.goto(f"{jupyterlab_server}/lab/workspaces/aipm-explorer/tree/04_metric_selection.ipynb",
              wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('.jp-StatusBar-Widget') && /Idle/.test(document.body.innerText)", timeout=120_000)
    for attempt in range(3):  # a run-all sent while the kernel still connects can be dropped on a loaded machine
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_selector(".jp-OutputArea .aipm-threshold-explorer .js-plotly-plot .point", timeout=120_000)
            break
        except Exception:
            if attempt == 2:
                raise
    page.locator(".aipm-threshold-explorer .widget-slider").scroll_into_view_if_needed()
    _check_markers_follow_the_words(page, (0, 4), key="ArrowLeft")
    page.screenshot(path=str(tmp_path / "explorer_lab.png"))
    keep_shot(tmp_path / "explorer_lab.png", Path("/work/shots/dashboards"))
    assert "Traceback" not in page.inner_text(".jp-Notebook")
    assert errors == []

"""Stored XSS: every HTML the workbook writes or offers for download, opened in Chromium with hostile data.

Column names, category values and record text carry a corpus of payloads. Opening the product brief (with its
plotly charts), the ``aipm assess --html`` and ``aipm monitor --html`` reports, and the data stage's download
(the widget's data: link) must raise no dialog and leave no injected element (event-handler attributes,
``javascript:`` links, iframes, scripts made of a payload).
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.cli import main

from brief_records import full_record

pytestmark = pytest.mark.browser

PAYLOADS = [
    "</script><script>alert('XSS-1')</script>",
    "<img src=x onerror=alert('XSS-2')>",
    "<!--<script>alert('XSS-3')//",
    "\"><svg onload=alert('XSS-4')>",
    "'-alert('XSS-5')-'",
    "\u2028alert('XSS-6')\u2029",
    "<iframe src=\"javascript:alert('XSS-7')\"></iframe>",
    "</style><script>alert('XSS-8')</script>",
    "<a href=\"javascript:alert('XSS-9')\">x</a>",
    "${alert('XSS-10')}",
    "<details open ontoggle=alert('XSS-11')>",
    "]]><script>alert('XSS-12')</script>",
]

INJECTED = """() => {
  let n = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on') && a.value.includes('XSS')) n.push(el.tagName + ' ' + a.name);
      if ((a.name === 'src' || a.name === 'href') && a.value.includes('XSS')) n.push(el.tagName + ' ' + a.name);
    }
    if (el.tagName === 'SCRIPT' && /^\\s*alert\\(/.test(el.textContent)) n.push('script');
    if (el.tagName === 'IFRAME') n.push('iframe');
  }
  return n;
}"""


def _hostile_frames(n: int = 300, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"ts": pd.date_range("2032-05-01", periods=n, freq="8h"), "score": rng.random(n).round(3)})
    frame["y"] = (rng.random(n) < frame["score"]).astype(int)
    for k, p in enumerate(PAYLOADS[:6]):
        frame[f"c{k} {p}"] = rng.choice(PAYLOADS, n)  # payloads as column names and as values
    frame["num " + PAYLOADS[0]] = rng.normal(size=n)
    cur = frame.copy()
    cur["ts"] = cur["ts"] + pd.Timedelta(days=120)
    cur["num " + PAYLOADS[0]] += 2  # drift, so the report shows detail widgets
    return frame, cur


def _open(page, path, shots=None) -> tuple[list, list]:
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(1500)  # let the dashboards render their widgets and images try to load
    injected = page.evaluate(INJECTED)
    if shots:
        page.screenshot(path=str(shots))
    return list(page.dialogs), injected


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("xss")
    ref, cur = _hostile_frames()
    ref.to_csv(d / "ref.csv", index=False)
    cur.to_csv(d / "cur.csv", index=False)
    assert main(["assess", "--data", str(d / "ref.csv"), "--label", "y", "--html", str(d / "assess.html")]) in (0, 1)
    assert main(["monitor", "--reference", str(d / "ref.csv"), "--current", str(d / "cur.csv"), "--timestamp", "ts",
                 "--window", "month", "--html", str(d / "monitor.html")]) in (0, 1)
    record = full_record(d / "decision_record.yaml", " | ".join(PAYLOADS))
    assert main(["brief", "--record", str(record), "--out", str(d / "brief.html")]) == 0
    # The data stage's download: the widget's own data: link, decoded as a browser would save it.
    from aipm_widgets.widgets.assessment.data_assessment import DataAssessment

    widget = DataAssessment(ref.drop(columns=["ts"]), label="y", record_path=d / "widget_record.yaml", report_dir=d / "w")
    widget.make_report()
    m = re.search(r"href='data:text/html;base64,([^']+)'", widget.report_link.value)
    assert m, widget.report_link.value[:300]
    (d / "download.html").write_bytes(base64.b64decode(m.group(1)))
    return d


@pytest.mark.parametrize("name", ["brief", "assess", "monitor", "download"])
def test_no_payload_runs(outputs, page, name):
    path = outputs / f"{name}.html"
    html = path.read_text(encoding="utf-8")
    assert "XSS-1" in html  # the payloads really are in the file (escaped)
    dialogs, injected = _open(page, path)
    assert dialogs == [] and injected == [], (dialogs, injected[:10])
    if name != "brief":
        # evidently's dashboard rendered (not a blank page): its root holds widgets, and a payload shows as text
        assert page.locator("[id^=root_]").inner_text(timeout=30_000).strip()

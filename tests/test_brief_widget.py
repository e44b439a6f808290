"""BriefPanel without a browser: coverage, preview, writing the three formats, hostile text."""

from __future__ import annotations

from brief_records import HOSTILE, full_record

from aipm_widgets.widgets.brief.panel import BriefPanel


def test_panel_writes_every_format(tmp_path):
    panel = BriefPanel(record_path=full_record(tmp_path / "r.yaml"), out_dir=tmp_path / "out")
    assert "No decision yet" not in panel.coverage.value and "No ethics checklist saved yet" in panel.coverage.value
    assert panel.preview.value.startswith("<iframe") and "srcdoc=" in panel.preview.value
    for fmt in ("md", "json", "html"):
        panel.buttons[fmt].click()
        assert not panel.messages.errors, panel.messages.errors
        assert panel.written[fmt].exists()
    assert panel.links.value.count("download=") == 3
    assert (tmp_path / "out" / "product_brief.html").stat().st_size > 1_000_000  # plotly.js inlined once


def test_panel_on_empty_record_lists_what_is_missing(tmp_path):
    panel = BriefPanel(record_path=tmp_path / "none.yaml", out_dir=tmp_path)
    assert "No decision yet: run stage 4" in panel.coverage.value
    assert "No decision record yet" in panel.messages.messages[0][1]
    panel.buttons["md"].click()  # still writes a brief that says what is missing
    assert not panel.messages.errors and "No decision yet" in panel.written["md"].read_text()


def test_panel_escapes_hostile_text(tmp_path):
    panel = BriefPanel(record_path=full_record(tmp_path / "r.yaml", HOSTILE), out_dir=tmp_path)
    for html in (panel.coverage.value, panel.preview.value):
        assert "<script>" not in html and "<img" not in html
    # The preview's srcdoc is escaped twice: once as text in the brief, once as the attribute value.
    assert "&amp;lt;script&amp;gt;" in panel.preview.value

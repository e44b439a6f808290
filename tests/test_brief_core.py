"""The product brief: sections, escaping, offline charts, Markdown, model-card JSON, atomic write."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from brief_records import HOSTILE, full_record

from aipm_widgets.core.brief.document import (
    SECTION_TITLES,
    brief_sections,
    model_card,
    open_risks,
    render_html,
    render_markdown,
    write_brief,
)
from aipm_widgets.core.errors import AipmError
from aipm_widgets.core.record.lifecycle import start_new_iteration
from aipm_widgets.core.record import DecisionRecord, load_record, save_record


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(html_text: str) -> Tags:
    t = Tags()
    t.feed(html_text)
    return t


@pytest.fixture
def record_path(tmp_path):
    return full_record(tmp_path / "rec.yaml")


@pytest.fixture
def hostile_path(tmp_path):
    return full_record(tmp_path / "hostile.yaml", HOSTILE)


def test_every_section_in_order(record_path):
    titles = [s.title for s in brief_sections(load_record(record_path))]
    assert titles == list(SECTION_TITLES.values())
    html_text = render_html(record_path, charts=False)
    md = render_markdown(record_path)
    for title in SECTION_TITLES.values():
        assert f">{title}" in html_text
        assert f"## {title}" in md


def test_empty_record_says_no_decision_instead_of_vanishing(tmp_path):
    rec = DecisionRecord.new("Empty")
    sections = {s.id: s for s in brief_sections(rec)}
    for key, stage in (("scoping", 1), ("expectations", 2), ("data", 3), ("metrics", 4), ("monitoring", 5)):
        assert sections[key].empty.startswith(f"No decision yet: run stage {stage}"), key
    assert sections["fairness"].empty.startswith("No fairness audit yet")
    html_text = render_html(rec, charts=True)
    assert html_text.count("No decision yet: run stage") == 5
    assert "plotly" not in html_text.lower()  # no chart, no plotly.js


def _visible(html_text: str) -> str:
    """The brief's text as read: tags dropped, the glossary's "?" marks removed, entities decoded."""
    import html
    import re

    html_text = re.sub(r"<sup class='aipm-help'[^>]*>\?</sup>", "", html_text)
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def test_decided_content_is_shown(record_path):
    md = render_markdown(record_path)
    html_text = render_html(record_path, charts=False)
    for text in ("Waiver note Fraud alerts", "Response Fraud alerts", "Trigger Fraud alerts", "44.4%", "37.0% to 52.0%",
                 "EUR 1,250 (95% interval EUR 1,100 to EUR 1,400)", ": fails", "strong AI candidate"):
        assert text in _visible(html_text), text
    assert "Waiver note Fraud alerts" in md
    # A field this version does not know is shown generically, not dropped.
    assert "Future Fraud alerts" in html_text and "Other recorded fields" in html_text


def test_hostile_text_is_escaped_everywhere(hostile_path):
    html_text = render_html(hostile_path, charts=True)
    assert HOSTILE not in html_text
    tags = parse(html_text)
    names = {t for t, _ in tags.tags}
    assert "img" not in names
    for tag, attrs in tags.tags:
        handlers = {k: v for k, v in attrs.items() if k.startswith("on")}
        assert handlers in ({}, {"onclick": "window.print()"}), (tag, attrs)  # only our own print button
        assert "javascript:" not in (attrs.get("href") or "")
    for script in tags.scripts:
        assert "<script>alert" not in script and "<img src=x" not in script  # chart labels are escaped too
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html_text  # shown as text
    md = render_markdown(hostile_path)
    assert "<script" not in md and "<img" not in md
    assert "](javascript" not in md
    # JSON is data: the text is kept verbatim (a consumer escapes it), and it still parses.
    assert json.loads(json.dumps(model_card(hostile_path)))["model_details"]["name"] == f"Product {HOSTILE}"


def test_charts_offline_and_plotly_js_once(record_path):
    html_text = render_html(record_path, charts=True)
    tags = parse(html_text)
    for tag, attrs in tags.tags:
        for key in ("src", "href"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), f"<{tag} {key}={value}> would fetch from the network"
    bundles = [s for s in tags.scripts if "plotly.js v" in s[:2000] or len(s) > 1_000_000]
    assert len(bundles) == 1, "plotly.js must be embedded exactly once"
    assert len([t for t, _ in tags.tags if t == "div" and _.get("id", "").startswith("aipm-brief-chart-")]) >= 3


def test_print_stylesheet(record_path):
    html_text = render_html(record_path, charts=False)
    css = html_text[html_text.index("@media print"):]
    assert "break-before: page" in css and ".controls" in css and "display: none" in css


def test_iterations_compared_after_a_new_iteration(record_path):
    start_new_iteration(record_path, "Model v2")
    from aipm_widgets.core.record import update_section

    update_section(record_path, "metrics", {"status": "decided", "threshold": 0.25,
                                            "metrics": {"precision": {"value": 0.4, "low": 0.33, "high": 0.47}}},
                   what="Chose alert threshold 0.25")
    s = {x.id: x for x in brief_sections(load_record(record_path))}["iterations"]
    rows = s.tables[0].rows
    assert [r[0] for r in rows] == ["1", "2 (current)"]
    assert rows[0][2] == "0.3" and rows[1][2] == "0.25"
    assert rows[0][4].startswith("44.4%") and rows[1][4].startswith("40.0%")
    assert any("Iteration 2" in title for title, _ in s.lists)


def test_single_iteration_says_nothing_to_compare(record_path):
    s = {x.id: x for x in brief_sections(load_record(record_path))}["iterations"]
    assert "nothing to compare yet" in s.paragraphs[0]


def test_open_risks(record_path):
    risks = [what for _, what in open_risks(load_record(record_path))]
    assert any("Open blocker: Dup" in r for r in risks)
    assert not any("Missing Fraud alerts" in r for r in risks)  # waived
    assert any("does not meet every constraint" in r for r in risks)
    assert any("Four-fifths rule failed" in r for r in risks)
    assert any("Retraining trigger fired in 2025-09" in r for r in risks)


def test_model_card_fields(record_path):
    card = model_card(record_path)
    assert set(card) >= {"model_details", "model_parameters", "quantitative_analysis", "considerations"}
    assert card["model_details"]["owners"] == [{"name": "Owner Fraud alerts"}]
    assert card["model_details"]["version"]["name"] == "iteration 1"
    perf = {(p["type"], p["slice"]): p for p in card["quantitative_analysis"]["performance_metrics"]}
    prec = perf[("precision", "overall")]
    assert prec["value"] == pytest.approx(0.444)
    assert prec["confidence_interval"] == {"lower_bound": 0.37, "upper_bound": 0.52}
    cons = card["considerations"]
    assert set(cons) == {"users", "use_cases", "limitations", "tradeoffs", "ethical_considerations"}
    assert all(set(e) == {"name", "mitigation_strategy"} for e in cons["ethical_considerations"])
    assert {"description": "Not Fraud alerts"} in cons["limitations"]
    json.dumps(card)


def test_write_brief_formats_and_atomic(record_path, tmp_path):
    for name, marker in (("b.html", "<!DOCTYPE html>"), ("b.md", "# AI product brief"), ("b.json", '"model_details"')):
        out = write_brief(record_path, tmp_path / name, charts=False)
        assert marker in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".b.*.tmp"))
    with pytest.raises(AipmError, match="Unknown brief format"):
        write_brief(record_path, tmp_path / "b.pdf", fmt="pdf")
    with pytest.raises(AipmError, match="is a folder"):
        write_brief(record_path, tmp_path, fmt="html")


def test_broken_checklist_or_unknown_fields_do_not_break_the_brief(tmp_path):
    path = tmp_path / "r.yaml"
    rec = DecisionRecord.new("X")
    rec.scoping.checklists = {"custom": {"checklist": "no_such_checklist", "items": {"a": {"state": "done"}}}}
    rec.metrics.threshold = 0.5
    save_record(rec, path)
    html_text = render_html(path, charts=False)
    assert "Checklist custom" in html_text

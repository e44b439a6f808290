"""Tier 1: the stakeholder one-pager: measured numbers, probabilistic wording, record source, escaped exports."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from aipm_widgets.core import demo
from aipm_widgets.core.errors import AipmError, InputDataError
from aipm_widgets.core.expectations.one_pager import OnePager, frequency_phrase, icon_cells, markdown_escape
from aipm_widgets.core.record import load_record, update_section

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
]


def test_demo_numbers_are_measured_on_deduplicated_validation_data():
    df = demo.load_fraud("validation").drop_duplicates("transaction_id")
    t = demo.CARD_THRESHOLD
    pager = OnePager.from_demo()
    alerted = df["score"] >= t
    assert pager.tp == int((alerted & (df["is_fraud"] == 1)).sum())
    assert pager.fp == int((alerted & (df["is_fraud"] == 0)).sum())
    assert pager.n == len(df) and pager.threshold == t
    assert 0.01 < (pager.tp + pager.fn) / pager.n < 0.02  # fraud ~1.5%
    assert "validation" in pager.source


def test_rates_have_wilson_intervals_matching_scipy():
    pager = OnePager.from_counts(tp=152, fp=572, tn=18972, fn=158, threshold=0.08)
    for key, (k, n) in {"precision": (152, 724), "recall": (152, 310), "fpr": (572, 19544)}.items():
        ci = binomtest(k, n).proportion_ci(method="wilson")
        r = pager.rates[key]
        assert (r.low, r.high) == pytest.approx((ci.low, ci.high), abs=1e-9)
        assert r.value == pytest.approx(k / n)


@pytest.mark.parametrize(
    "value, low, high, main, span",
    [
        (0.111, 0.09, 0.14, "1 in 9", "between 1 in 11 and 1 in 7"),
        (0.21, 0.185, 0.24, "21 in 100", "between 19 and 24 in 100"),  # "1 in 5" too coarse for its interval
        (0.62, 0.55, 0.69, "62 in 100", "between 55 and 69 in 100"),
        (0.0, 0.0, 0.03, "none", "between almost none and 1 in 33"),
    ],
)
def test_frequency_phrases(value, low, high, main, span):
    assert frequency_phrase(value, low, high) == (main, span)


def test_sentences_read_as_probabilities():
    pager = OnePager.from_counts(tp=16, fp=125, tn=855, fn=4, threshold=0.3)
    assert pager.rates["precision"].sentence == "About 1 in 9 alerts is real fraud (between 1 in 14 and 1 in 6)."
    assert pager.rates["recall"].sentence.startswith("It catches about 80 in 100 fraud cases (between")
    nf = pager.natural_frequencies(1000)
    assert (nf.caught, nf.missed, nf.false_alarms) == (16, 4, 125)
    cells = icon_cells(pager.natural_frequencies(100))
    assert len(cells) == 100 and cells.count("caught") == 2


def test_rounding_note_when_100_hides_outcomes():
    pager = OnePager.from_counts(tp=30, fp=600, tn=19000, fn=370, threshold=0.5)  # 0.15 caught per 100
    assert pager.rounding_note(1000) is None
    note = pager.rounding_note(100)
    assert note and "1,000" in note


def test_record_with_stage4_numbers_is_used(tmp_record):
    update_section(tmp_record, "metrics", {
        "status": "decided", "threshold": 0.2, "data_source": "validation April-May",
        "confusion": {"tp": 84, "fp": 176, "tn": 19368, "fn": 226},
        "metrics": {"precision": {"value": 0.323, "low": 0.27, "high": 0.38, "method": "bootstrap"}},
    }, what="stage 4")
    pager = OnePager.from_record(tmp_record)
    assert (pager.tp, pager.fp, pager.threshold) == (84, 176, 0.2)
    assert "stage 4" in pager.source and "validation April-May" in pager.source
    assert (pager.rates["precision"].low, pager.rates["precision"].method) == (0.27, "bootstrap")
    assert pager.rates["recall"].method == "wilson"


def test_record_without_confusion_falls_back_to_demo_at_saved_threshold(tmp_record):
    update_section(tmp_record, "metrics", {"threshold": 0.2}, what="threshold only")
    pager = OnePager.from_record(tmp_record)
    assert pager.threshold == 0.2 and "demo" in pager.source and "not saved" in pager.source
    assert OnePager.from_record(None).threshold == demo.CARD_THRESHOLD


def test_saved_text_is_reused_and_older_record_still_loads(tmp_record):
    tmp_record.write_text(
        "schema_version: 1\nexpectations:\n  status: in_progress\n  one_pager:\n    does: [Flags payments]\n"
        "    legacy_field: kept\n  old_notes: from an older notebook\n", encoding="utf-8")
    pager = OnePager.from_record(tmp_record)
    assert pager.does == ["Flags payments"]
    assert pager.does_not and pager.failure_modes  # never saved by the older notebook: defaults
    update_section(tmp_record, "expectations", {"one_pager": {"does": ["x"], "failure_modes": []}}, what="emptied")
    assert OnePager.from_record(tmp_record).failure_modes == []
    rec = load_record(tmp_record)
    assert rec.expectations.model_extra["old_notes"] == "from an older notebook"


def test_to_record_round_trips_through_the_record(tmp_record):
    pager = OnePager.from_demo().with_text(does="first\n\nsecond")
    assert pager.does == ["first", "second"]
    update_section(tmp_record, "expectations", {"one_pager": pager.to_record(), "status": "decided"}, what="t")
    op = load_record(tmp_record).expectations.one_pager
    assert op.does == ["first", "second"] and op.error_rates["precision"]["sentence"] == pager.rates["precision"].sentence
    assert op.natural_frequencies["per"] == 1000


@pytest.mark.parametrize("hostile", HOSTILE)
def test_exports_escape_hostile_text_everywhere(tmp_path, hostile):
    pager = OnePager.from_demo().with_text(
        title=hostile, does=[hostile, "ok"], does_not=[hostile], failure_modes=[hostile],
        above_threshold=hostile, below_threshold=hostile, unit=hostile, positive_name=hostile, negative_name=hostile,
    )
    html_path = pager.export(tmp_path / "one.html")
    md_path = pager.export(tmp_path / "one.md")
    html_text, md_text = html_path.read_text(), md_path.read_text()
    assert hostile not in md_text
    for text in (html_text, md_text):
        assert "<script" not in text and "<img" not in text and "<svg onload" not in text
    assert "](javascript" not in md_text  # no live Markdown link
    if "<" in hostile:
        assert hostile not in html_text and html_text.count("&lt;") >= 6
    assert "Content-Security-Policy" in html_text


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5000), st.integers(0, 5000), st.integers(0, 50000), st.integers(0, 5000), st.sampled_from([100, 1000]))
def test_any_counts_give_consistent_numbers(tp, fp, tn, fn, per):
    pager = OnePager.from_counts(tp=tp, fp=fp, tn=tn, fn=fn, threshold=0.5)
    nf = pager.natural_frequencies(per)
    assert nf.caught + nf.missed + nf.false_alarms + (nf.negatives - nf.false_alarms) == per
    assert len(icon_cells(nf)) == per
    for r in pager.rates.values():
        if r.n == 0:
            assert r.sentence.startswith("Not measurable")
            continue
        assert r.low <= r.value + 1e-12 and r.value <= r.high + 1e-12
        assert r.sentence.startswith(("About", "It catches", "Not measurable")) or " of " in r.sentence
        assert not r.sentence.startswith(("None", "All"))
        assert "unknown" not in r.sentence and "1 in 1 " not in r.sentence and "1 in 1)" not in r.sentence


def test_markdown_escape_keeps_items_on_one_line():
    assert "\n" not in markdown_escape("a\n# heading\n- item")
    assert markdown_escape("*x*") == "\\*x\\*"


def test_export_atomic_and_rejects_unknown_format(tmp_path):
    pager = OnePager.from_counts(tp=1, fp=2, tn=3, fn=4, threshold=0.5)
    with pytest.raises(AipmError, match=r"\.html or \.md"):
        pager.export(tmp_path / "x.pdf")
    path = pager.export(tmp_path / "sub" / "x.md")
    assert path.exists() and not list(path.parent.glob(".*.tmp"))


@pytest.mark.parametrize("counts", [dict(tp=0, fp=0, tn=0, fn=0), dict(tp=0, fp=3, tn=5, fn=0), dict(tp=-1, fp=3, tn=5, fn=1)])
def test_impossible_counts_are_explained(counts):
    with pytest.raises(InputDataError):
        OnePager.from_counts(threshold=0.5, **counts)


def test_unknown_text_field_is_refused():
    with pytest.raises(AipmError, match="Cannot change"):
        OnePager.from_counts(tp=1, fp=2, tn=3, fn=4, threshold=0.5).with_text(tp=5)


def test_sections_keep_checklists_from_an_older_definition(tmp_record):
    tmp_record.write_text(
        "schema_version: 1\n"
        "ethics:\n  status: in_progress\n  team_response: old text\n  checklists:\n    ethics:\n      checklist: ethics\n"
        "      version: 0\n      items:\n        retired_item: {state: done, note: kept}\n"
        "expectations:\n  checklists:\n    stakeholder_expectations:\n      checklist: stakeholder_expectations\n"
        "      items: {what_it_does: {state: done}}\n", encoding="utf-8")
    rec = load_record(tmp_record)
    assert rec.ethics.checklists["ethics"].items["retired_item"].note == "kept"
    update_section(tmp_record, "ethics", {"team_response": "new text"}, what="response")
    rec = load_record(tmp_record)
    assert rec.ethics.team_response == "new text"
    assert "retired_item" in rec.ethics.checklists["ethics"].items
    assert rec.expectations.checklists["stakeholder_expectations"].items["what_it_does"].state == "done"

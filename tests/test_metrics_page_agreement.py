"""Page 04 quotes one threshold: the accuracy table above the explorer says the threshold the explorer opens at
(its recommendation, or stage 4's saved decision), and the demo's facts are formatted from the same constants the
explorer uses (no typed 5 EUR / 900 / 5 %)."""

import re

from aipm_widgets.core import demo
from aipm_widgets.core.record import update_section
from aipm_widgets.core.text import format as fmt
from aipm_widgets.widgets import pages


def _text(widget):
    """The words a reader sees (tags gone, the glossary's marks included), spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", widget.value).split()) + " "


def test_accuracy_table_quotes_the_explorers_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    project = pages.open_project()
    explorer = pages.metrics_page(project)
    table = _text(pages.accuracy_section(project))
    assert f"the model at threshold {fmt.threshold(explorer.result.threshold)} " in table
    assert fmt.threshold(demo.CARD_THRESHOLD) not in table.split("at threshold")[1][:12]
    # once stage 4 decides, both say the decision
    update_section(tmp_path / "decision_record.yaml", "metrics", {"status": "decided", "threshold": 0.0912},
                   what="test: a decision")
    project = pages.open_project()
    assert pages.metrics_page(project).result.threshold == 0.0912
    assert "the model at threshold 0.0912 " in _text(pages.accuracy_section(project))


def test_demo_facts_come_from_the_explorers_constants(tmp_path, monkeypatch):
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    project = pages.open_project()
    facts = pages.about("metrics", project).value
    assert fmt.money(demo.FRAUD_COST_FP, project.currency) in facts
    assert pages._DEMO_RULE.replace(">", "&gt;") in facts and demo.FRAUD_CONSTRAINT.replace("<", "&lt;") in facts
    assert fmt.count(demo.FRAUD_VOLUME_PER_DAY) in facts and fmt.count(demo.FRAUD_REVIEW_CAPACITY_PER_DAY) in facts


def test_the_guides_constraint_examples_are_the_demos_own(tmp_path, monkeypatch):
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    project = pages.open_project()
    text = pages.guide("metrics", project, "constraints").value
    assert f"alerts_per_day&lt;={demo.FRAUD_REVIEW_CAPACITY_PER_DAY}" in text
    assert demo.FRAUD_CONSTRAINT.replace("<", "&lt;") in text


def test_page_text_written_by_the_pages_module_carries_the_glossary_help(tmp_path, monkeypatch):
    from aipm_widgets.core.text.glossary import helped_terms

    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    project = pages.open_project()
    assert "recall" in helped_terms(pages.accuracy_section(project).value)
    assert "threshold" in helped_terms(pages.about("start", project).value)

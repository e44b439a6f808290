"""One decided threshold (issue 12, item 3): stage 2's yes/no one-pager quotes the threshold stage 4 opens at and says
it is provisional until stage 4 decides; once stage 4 decides another threshold, the saved one-pager is flagged on
page 02 and in the lifecycle (and so in the brief) with both numbers. On the demo and on a generated loan project."""

from __future__ import annotations

import re

import ipywidgets as W
import pytest
from own_product import CURRENCY, NAME, POSITIVE, SCORE, generate_loans

from aipm_widgets.core.project import load_project, set_project
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.core.record.lifecycle import stage_state
from aipm_widgets.core.text import format as fmt
from aipm_widgets.widgets import pages


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _decide(path, threshold, *, confusion=None):
    values = {"status": "decided", "threshold": threshold, "task": "binary"}
    if confusion is not None:
        values["confusion"] = confusion
    update_section(path, "metrics", values, what="test: stage 4 decides")


def test_demo_one_pager_is_provisional_at_stage_4s_opening_threshold_then_flagged(tmp_path, monkeypatch):
    path = tmp_path / "decision_record.yaml"
    monkeypatch.setenv("AIPM_RECORD", str(path))
    project = pages.open_project()
    opening = pages.metrics_page(project).result.threshold
    one = pages.expectations_page(project)
    assert one.result.threshold == opening and one.result.provisional
    preview = _words(one.preview.value)
    assert f"Provisional: stage 4 (metric selection) has not decided the threshold yet; these numbers are at {fmt.threshold(opening)}" in preview
    assert f"at least {fmt.threshold(opening)}" in preview
    one.save()
    op = load_record(path).expectations.one_pager
    assert op.provisional is True and op.task == "binary" and op.threshold == opening
    assert "provisional" in load_record(path).expectations.summary

    # Stage 4 decides another threshold with its counts: page 02 quotes the decision and flags the saved page.
    _decide(path, 0.12, confusion={"tp": 40, "fp": 60, "tn": 880, "fn": 20})
    project = pages.open_project()
    again = pages.expectations_page(project)
    assert again.result.threshold == 0.12 and not again.result.provisional
    note = again.result.review_note(load_record(path).expectations.one_pager)
    assert f"written at threshold {fmt.threshold(opening)} while it was provisional" in note
    assert "decided threshold 0.12" in note and "now 40%" in note  # precision 40 / (40 + 60)
    assert any(kind == "warning" and note in text for kind, text in again.messages.messages)  # shown on page 02
    state = stage_state(load_record(path), "expectations")
    assert state.state == "needs_review"
    assert any(f"quotes threshold {fmt.threshold(opening)}; stage 4 (metric selection) decided 0.12" in r for r in state.reasons)

    # Saved again at the decision: current, no notice, no threshold reason.
    again.save()
    rec = load_record(path)
    assert again.result.review_note(rec.expectations.one_pager) is None
    assert not any("quotes threshold" in r for r in stage_state(rec, "expectations").reasons)


@pytest.fixture
def loans(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    val, _ = generate_loans(n_validation=900, n_production=10)
    (tmp_path / "data").mkdir()
    val.to_csv(tmp_path / "data" / "validation.csv", index=False)
    set_project(tmp_path / "decision_record.yaml",
                {"example": "none", "name": NAME, "currency": CURRENCY, "sources.validation": "data/validation.csv",
                 "columns.label": "approved", "columns.positive": POSITIVE, "columns.score": SCORE}, who="Test Person")
    return tmp_path


def test_own_project_one_pager_agrees_with_stage_4_and_is_flagged_after_a_new_decision(loans):
    path = loans / "decision_record.yaml"
    project = load_project(path)
    stage4 = pages.metrics_page(project).explorer
    one = pages.expectations_page(project)
    assert isinstance(one, W.Widget) and one.result.provisional
    assert one.result.threshold == stage4.threshold
    assert "fraud" not in _words(one.preview.value).lower() and "EUR" not in _words(one.preview.value)
    one.save()
    decided = round(stage4.threshold + 0.05, 4)
    _decide(path, decided)
    project = load_project(path)
    again = pages.expectations_page(project)
    assert again.result.threshold == decided and not again.result.provisional
    note = again.result.review_note(load_record(path).expectations.one_pager)
    assert note is not None and fmt.threshold(stage4.threshold) in note and f"decided threshold {fmt.threshold(decided)}" in note
    reasons = stage_state(load_record(path), "expectations").reasons
    assert any(f"decided {fmt.threshold(decided)}" in r for r in reasons)


def test_every_page_ends_with_the_glossary_of_the_words_its_prose_uses(tmp_path, monkeypatch):
    """Issue 12, item 5: the notebooks' own prose (not only the widgets) has its technical words explained, from
    the one glossary; the list is read from the notebook beside the kernel (a team's edited copy) first."""
    import json
    from pathlib import Path

    from aipm_widgets.core.text.glossary import GLOSSARY, terms_in

    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    seen = 0
    for stage in pages._ORDER:
        nb = json.loads((notebooks / pages._notebook(stage)).read_text())
        prose = re.sub(r"`[^`]*`", " ", "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"))
        html = pages.next_links(stage).value
        for key in terms_in(prose):
            assert f"<b>{GLOSSARY[key].name.replace('%', '%')}</b>" in html, (stage, key)
            seen += 1
    assert seen >= 10  # the stage 2 page alone explains ten words
    # A team's copy beside the kernel wins: a page whose prose says "ROC AUC" lists it.
    (tmp_path / pages._notebook("data")).write_text(json.dumps(
        {"cells": [{"cell_type": "markdown", "source": ["Our model's ROC AUC is 0.9; see `fnr<=0.05`."]}]}))
    monkeypatch.chdir(tmp_path)
    html = pages.next_links("data").value
    assert "Words on this page (1)" in html and "ROC AUC" in html and "False-negative" not in html

"""Tier 2: the Checklist widget without a browser: set traits as the browser would, save, reload."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aipm_widgets.core.checklists.checklist import load_checklist_state
from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.checklist import Checklist

HOSTILE = "<img src=x onerror=alert(1)>"


def _fill(cl: Checklist) -> None:
    cl.items["problem_statement"].state.value = "done"
    cl.items["problem_statement"].owner.value = "Ana"
    cl.items["problem_statement"].note.value = HOSTILE
    cl.items["problem_statement"].evidence.value = "https://wiki.example.org/fraud-brief"
    cl.items["rules_baseline"].state.value = "blocked"
    cl.items["rules_baseline"].note.value = "Waiting for the rule's hit rate"
    cl.items["fallback"].state.value = "not_applicable"
    cl.items["labels_exist"].evidence.value = "javascript:alert(1)"


def _snapshot(cl: Checklist) -> dict:
    return {
        i: (c.state.value, c.owner.value, c.note.value, c.evidence.value) for i, c in cl.items.items()
    }


def test_set_traits_save_and_reload_gives_same_state(tmp_record):
    cl = Checklist("use_case_scoping", record_path=tmp_record, section="scoping", who="tester")
    _fill(cl)
    assert cl.dirty and "Unsaved" in cl.saved_view.value
    assert cl.result.entry("rules_baseline").state == "blocked"
    cl.save()
    assert not cl.dirty and not cl.messages.errors
    assert "required item(s) still open" in cl.messages.messages[0][1]
    again = Checklist("use_case_scoping", record_path=tmp_record, section="scoping")
    assert _snapshot(again) == _snapshot(cl)
    assert "Restored from the record" in again.saved_view.value
    rec = load_record(tmp_record)
    assert rec.scoping.status == "in_progress"
    assert rec.scoping.checklists["use_case_scoping"].items["problem_statement"].note == HOSTILE


def test_user_text_is_escaped_in_every_html_view(tmp_record):
    cl = Checklist("use_case_scoping", record_path=tmp_record, section="scoping")
    _fill(cl)
    cl.items["affected_people"].owner.value = "<b>x</b>"
    html_views = cl.progress_view.value + cl.notes_view.value + cl.saved_view.value + cl.retired_view.value
    html_views += "".join(c.evidence_view.value + c.label.value for c in cl.items.values())
    assert HOSTILE not in html_views and "<b>x</b>" not in html_views
    assert "&lt;img src=x onerror=alert(1)&gt;" in cl.notes_view.value
    assert "<a href='https://wiki.example.org/fraud-brief'" in cl.items["problem_statement"].evidence_view.value
    ev = cl.items["labels_exist"].evidence_view.value
    assert "<a " not in ev and "not a web link" in ev


def test_progress_view_follows_the_controls(tmp_record):
    cl = Checklist("launch_readiness", record_path=tmp_record, section="monitoring")
    assert "0 of 13 items complete" in cl.progress_view.value
    cl.items["rollback_plan"].state.value = "done"
    assert "1 of 13 items complete" in cl.progress_view.value
    for item in cl.definition.items:
        if item.required:
            cl.items[item.id].state.value = "done"
    assert "Every required item is done" in cl.progress_view.value
    assert cl.result.is_complete


def test_retired_items_are_shown_and_saved_back(tmp_record):
    tmp_record.write_text(
        "ethics:\n  checklists:\n    ethics:\n      checklist: ethics\n      version: 0\n      items:\n"
        "        old_q: {state: done, text: '<script>old</script>', note: kept}\n"
        "        audit_done: {state: blocked}\n"
    )
    cl = Checklist("ethics", record_path=tmp_record, section="ethics")
    assert cl.items["audit_done"].state.value == "blocked"
    assert "Retired items" in cl.retired_view.value and "&lt;script&gt;old" in cl.retired_view.value
    assert "<script>" not in cl.retired_view.value
    assert any("version 0" in t for _, t in cl.messages.messages)
    cl.save()
    assert load_checklist_state(tmp_record, "ethics", "ethics").items["old_q"].note == "kept"


def test_broken_record_is_a_message_not_a_traceback(tmp_record):
    tmp_record.write_text("scoping: [not, a, mapping")
    cl = Checklist("use_case_scoping", record_path=tmp_record, section="scoping")
    assert cl.messages.errors and "not valid YAML" in cl.messages.errors[0]
    cl.items["problem_statement"].state.value = "done"
    cl.save()  # refused in words, file untouched
    assert cl.messages.errors
    assert tmp_record.read_text() == "scoping: [not, a, mapping"


def test_markdown_toggle_and_export(tmp_record, tmp_path):
    cl = Checklist("datasheet", record_path=tmp_record, section="data")
    cl.items["purpose"].note.value = HOSTILE
    cl.markdown_button.click()
    assert cl.markdown_view.layout.display is None and "&lt;img" in cl.markdown_view.value
    cl.markdown_button.click()
    assert cl.markdown_view.layout.display == "none"
    import base64

    href = re.search(r"href='data:text/markdown;charset=utf-8;base64,([A-Za-z0-9+/=]*)'", cl.download_link.value)
    assert base64.b64decode(href.group(1)).decode() == cl.to_markdown()
    out = cl.export_markdown(tmp_path / "datasheet.md")
    assert "Datasheet for the training data" in out.read_text()


def test_autosave_and_custom_key(tmp_record):
    cl = Checklist("ethics", record_path=tmp_record, section="ethics", key="ethics_v2_review", autosave=True)
    cl.items["users_told"].state.value = "done"
    assert load_checklist_state(tmp_record, "ethics", "ethics_v2_review").items["users_told"].state == "done"


def test_unknown_definition_is_an_error_in_words(tmp_record):
    from aipm_widgets.core.errors import AipmError

    with pytest.raises(AipmError, match="No checklist called"):
        Checklist("nope", record_path=tmp_record)


_WIDGET_CACHE: dict = {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60) | st.sampled_from([HOSTILE, "<script>alert(1)</script>", "' onmouseover='x", '"><svg onload=alert(1)>']))
def test_any_typed_text_stays_text_in_html_views(tmp_path_factory, text):
    if "cl" not in _WIDGET_CACHE:
        rec = tmp_path_factory.mktemp("hyp") / "decision_record.yaml"
        _WIDGET_CACHE["cl"] = Checklist("ethics", record_path=rec, section="ethics")
    cl = _WIDGET_CACHE["cl"]
    ctl = cl.items["audit_done"]
    ctl.note.value = text
    ctl.owner.value = text
    ctl.evidence.value = "https://x.org/" + text.strip().replace(" ", "")
    html_out = cl.notes_view.value + cl.progress_view.value + ctl.evidence_view.value
    cell = re.search(r"class='aipm-note-text'[^>]*>(.*?)</td>", cl.notes_view.value, re.S)
    if text.strip():
        assert cell and cell.group(1) == html.escape(text.strip(), quote=True)
    assert "<svg" not in html_out and "<script" not in html_out and "<img" not in html_out
    for attr in re.findall(r"href='([^']*)'", ctl.evidence_view.value):
        assert attr.startswith("https://") and "'" not in attr

"""Tier 1: checklist definitions, item states, progress, record round trips and escaping."""

from __future__ import annotations

import re
import textwrap

import mistune
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aipm_widgets.core.checklists.checklist import (
    STATES,
    ChecklistDefinition,
    ChecklistResult,
    ChecklistState,
    available_checklists,
    is_http_url,
    load_checklist,
    load_checklist_state,
    md_escape,
    merge_state,
    safe_link,
    save_checklist_state,
)
from aipm_widgets.core.errors import AipmError
from aipm_widgets.core.record import load_record, update_section

HOSTILE = "<img src=x onerror=alert(1)>"
SHIPPED = ["datasheet", "ethics", "launch_readiness", "stakeholder_expectations", "use_case_scoping"]


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_definitions_are_complete(key):
    d = load_checklist(key)
    assert d.key == key and d.title and d.description and d.sources
    assert len(d.ids) == len(set(d.ids)) >= 8
    assert any(i.required for i in d.items) and not all(i.required for i in d.items)
    for item in d.items:
        assert item.text and item.help and item.category, item.id
    assert available_checklists() == SHIPPED


def test_ethics_and_launch_cover_the_topics_the_issue_names():
    assert {"Bias and fairness", "Transparency", "Privacy", "Consent", "Accountability"} <= set(load_checklist("ethics").categories)
    assert {"Monitoring", "Rollback", "Ownership", "Retraining"} <= set(load_checklist("launch_readiness").categories)


def test_states_progress_and_required_open():
    r = ChecklistResult("launch_readiness")
    assert r.overall().todo == r.overall().total
    required = [i.id for i in r.definition.items if i.required]
    assert [i.id for i in r.required_open()] == required
    r.set_item("rollback_plan", state="done", owner="Ana")
    r.set_item("kill_switch", state="n/a")  # alias
    r.set_item("owner_named", state="blocked", note="nobody on call yet")
    prog = r.progress()
    assert (prog["Rollback"].done, prog["Rollback"].not_applicable, prog["Rollback"].complete) == (1, 1, 2)
    assert prog["Ownership"].blocked == 1 and prog["Ownership"].required_open == 1
    open_ids = [i.id for i in r.required_open()]
    assert "rollback_plan" not in open_ids and "owner_named" in open_ids  # blocked is still open
    for item_id in required:
        r.set_item(item_id, state="done")
    assert r.is_complete and r.overall().share_complete < 1
    assert "complete" in prog["Rollback"].sentence()


@pytest.mark.parametrize("bad", ["finished", "maybe", 3])
def test_bad_state_is_refused_in_words(bad):
    r = ChecklistResult("ethics")
    with pytest.raises(AipmError, match="not one of"):
        r.set_item("audit_done", state=bad)
    assert r.entry("audit_done").state == "todo"


def test_unknown_item_in_set_item_names_the_items():
    with pytest.raises(AipmError, match="has no item 'nope'"):
        ChecklistResult("ethics").set_item("nope", state="done")


def test_overlong_note_is_refused():
    with pytest.raises(AipmError, match="under 5,000"):
        ChecklistResult("ethics").set_item("audit_done", note="x" * 6000)


def test_unknown_ids_kept_through_merge_and_record(tmp_record):
    stored = {"checklist": "ethics", "version": 1, "items": {
        "audit_done": {"state": "done"},
        "legacy_item": {"state": "blocked", "note": "kept", "text": "An old question", "custom": 7},
    }}
    r = ChecklistResult("ethics", stored)
    assert r.retired() == ["legacy_item"]
    assert r.entry("legacy_item").note == "kept"
    save_checklist_state(tmp_record, "ethics", "ethics", r, who="t")
    back = load_checklist_state(tmp_record, "ethics", "ethics")
    assert back.items["legacy_item"].state == "blocked"
    assert back.items["legacy_item"].model_extra == {"custom": 7}
    assert back.items["audit_done"].state == "done" and back.saved_by == "t"
    assert "Retired items" in ChecklistResult("ethics", back).to_markdown()


def _write_def(path, version, ids):
    data = {"key": "mini", "title": "Mini", "version": version,
            "items": [{"id": i, "text": f"Question {i}", "category": "A", "required": True} for i in ids]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_record_from_an_older_definition_loads(tmp_path, tmp_record):
    v1 = load_checklist(_write_def(tmp_path / "v1.yaml", 1, ["a", "b", "c"]))
    r1 = ChecklistResult(v1)
    r1.set_item("a", state="done", note="old answer")
    r1.set_item("b", state="not_applicable")
    save_checklist_state(tmp_record, "scoping", "mini", r1)
    v2 = load_checklist(_write_def(tmp_path / "v2.yaml", 2, ["b", "c", "d"]))
    r2 = ChecklistResult(v2, load_checklist_state(tmp_record, "scoping", "mini"))
    assert r2.entry("d").state == "todo"  # new item starts as to do
    assert r2.entry("b").state == "not_applicable"
    assert r2.retired() == ["a"] and r2.entry("a").text == "Question a"  # text snapshot survives
    assert list(r2.state.items) == ["b", "c", "d", "a"]
    save_checklist_state(tmp_record, "scoping", "mini", r2)
    again = load_checklist_state(tmp_record, "scoping", "mini")
    assert again.version == 2 and again.items["a"].note == "old answer"


def test_other_checklists_in_a_section_are_kept(tmp_record):
    update_section(tmp_record, "ethics", {"summary": "kept"}, what="x")
    a = ChecklistResult("ethics")
    a.set_item("audit_done", state="done")
    b = ChecklistResult("stakeholder_expectations")
    b.set_item("what_it_does", state="done")
    save_checklist_state(tmp_record, "ethics", "ethics", a)
    save_checklist_state(tmp_record, "ethics", "stakeholder_expectations", b)
    rec = load_record(tmp_record)
    assert set(rec.ethics.checklists) == {"ethics", "stakeholder_expectations"}  # extra field kept as data
    assert rec.ethics.summary == "kept"
    assert load_checklist_state(tmp_record, "ethics", "ethics").items["audit_done"].state == "done"


def test_scoping_section_types_its_checklists(tmp_record):
    r = ChecklistResult("use_case_scoping")
    save_checklist_state(tmp_record, "scoping", "use_case_scoping", r, status="in_progress")
    rec = load_record(tmp_record)
    assert isinstance(rec.scoping.checklists["use_case_scoping"], ChecklistState)
    assert rec.scoping.status == "in_progress"
    assert "Checklist 'Use-case scoping'" in rec.history[-1].what


def test_invalid_state_in_record_is_an_error_in_words(tmp_record):
    tmp_record.write_text(textwrap.dedent("""
        ethics:
          checklists:
            ethics: {checklist: ethics, items: {audit_done: {state: finished}}}
    """))
    with pytest.raises(AipmError, match="not one of"):
        load_checklist_state(tmp_record, "ethics", "ethics")


def test_missing_record_gives_no_state(tmp_record):
    assert load_checklist_state(tmp_record, "scoping", "use_case_scoping") is None
    assert merge_state(load_checklist("ethics"), None).items["audit_done"].state == "todo"


@pytest.mark.parametrize(
    "data, match",
    [
        ({"key": "k", "title": "t"}, "lacks items"),
        ({"key": "k", "title": "t", "items": []}, "non-empty"),
        ({"key": "k", "title": "t", "items": [{"id": "a", "text": "x"}]}, "lacks category"),
        ({"key": "k", "title": "t", "items": [{"id": "A b", "text": "x", "category": "c"}]}, "lower-case"),
        ({"key": "k", "title": "t", "items": [{"id": "a", "text": "x", "category": "c", "required": "yes"}]}, "true or false"),
        ({"key": "k", "title": "t", "items": [{"id": "a", "text": "x", "category": "c"}] * 2}, "appears twice"),
    ],
)
def test_bad_definitions_are_refused_in_words(data, match):
    with pytest.raises(AipmError, match=match):
        ChecklistDefinition.from_dict(data)


def test_unknown_checklist_and_bad_yaml(tmp_path):
    with pytest.raises(AipmError, match="shipped ones are"):
        load_checklist("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: [unclosed")
    with pytest.raises(AipmError, match="not valid YAML"):
        load_checklist(bad)


# ---------------------------------------------------------------- escaping

ALLOWED_TAGS = {"h2", "h3", "h4", "p", "ul", "li", "strong", "em", "a", "br"}


def _render(md: str) -> str:
    return mistune.html(md)


def _assert_inert(html_out: str) -> None:
    tags = {t.lower() for t in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", html_out)}
    assert tags <= ALLOWED_TAGS, f"unexpected tags {tags - ALLOWED_TAGS} in {html_out[:500]}"
    for href in re.findall(r'href="([^"]*)"', html_out):
        assert href.startswith(("http://", "https://")), href
    assert "onerror" not in re.sub(r"&lt;.*?&gt;", "", html_out) or "<img" not in html_out


def test_markdown_export_escapes_hostile_text():
    r = ChecklistResult("ethics")
    r.set_item("audit_done", state="done", owner="**boss**", note=HOSTILE, evidence="javascript:alert(1)")
    r.set_item("users_told", note="# heading\n- list\n[x](javascript:alert(1)) <script>alert(1)</script> | a | b |")
    r.set_item("documentation", evidence="https://example.org/model(v2)?a=<b>")
    md = r.to_markdown()
    assert HOSTILE not in md and "&lt;img" in md
    assert "](javascript" not in md and "<script>" not in md
    assert "\\*\\*boss\\*\\*" in md
    out = _render(md)
    _assert_inert(out)
    assert "<img" not in out and "<script" not in out
    assert '<a href="https://example.org/model%28v2%29?a=%3Cb%3E">' in out
    assert "javascript:alert" in out  # shown, as text


def test_links_only_for_http_urls():
    assert is_http_url("https://x.org/a") and is_http_url("http://x")
    for bad in ["javascript:alert(1)", "data:text/html,hi", "//x.org", "https://", "https://x.org/a b", "ftp://x", None, 3]:
        assert not is_http_url(bad)
    assert safe_link("javascript:alert(1)") == "javascript\\:alert\\(1\\)"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    note=st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.sampled_from([HOSTILE, "<script>alert(1)</script>", "[a](javascript:x)", "`code`", "<https://x>"]),
    owner=st.text(max_size=30),
    evidence=st.text(max_size=40) | st.sampled_from(["https://ok.org/x", "javascript:alert(1)", "https://x.org/<img>"]),
    state=st.sampled_from(STATES),
)
def test_markdown_export_is_inert_for_any_text(note, owner, evidence, state):
    r = ChecklistResult("launch_readiness")
    r.set_item("runbook", state=state, owner=owner, note=note, evidence=evidence)
    md = r.to_markdown()
    out = _render(md)
    _assert_inert(out)
    assert "<img" not in out and "<script" not in out
    assert md_escape(note).count("\n") == 0

"""Tier 1: the decision record: atomic saves, concurrent kernels, hostile YAML, schema checks."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aipm_widgets.core.errors import RecordError
from aipm_widgets.core.record import (
    SCHEMA_VERSION,
    DecisionRecord,
    json_schema,
    load_record,
    parse_record,
    record_to_yaml,
    save_record,
    update_section,
)

ROOT = Path(__file__).resolve().parent.parent


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_keeps_every_field(tmp_record):
    rec = DecisionRecord.new("Fraud flagging", owners=["Ana (PM)", "Ben (DS)"])
    rec.metrics.threshold = 0.37
    save_record(rec, tmp_record)
    back = load_record(tmp_record)
    assert back.model_dump() == rec.model_dump()
    assert back.project.owners == ["Ana (PM)", "Ben (DS)"]


def test_update_section_appends_history_and_keeps_backup(tmp_record):
    update_section(tmp_record, "metrics", {"threshold": 0.3}, what="first", who="Ana")
    first = tmp_record.read_text()
    rec = update_section(tmp_record, "metrics", {"threshold": 0.4, "status": "decided"}, what="second", who="Ben")
    assert rec.metrics.threshold == 0.4
    assert rec.metrics.decided_by == "Ben" and rec.metrics.decided_at is not None
    assert [h.what for h in rec.history][-2:] == ["first", "second"]
    assert Path(str(tmp_record) + ".bak").read_text() == first


def test_file_is_human_readable_yaml(tmp_record):
    update_section(tmp_record, "scoping", {"summary": "Strong AI candidate"}, what="verdict")
    text = tmp_record.read_text()
    assert text.startswith("# aipm-workbook decision record")
    assert "summary: Strong AI candidate" in text
    assert "schema_version: 1" in text


def test_unknown_fields_are_kept(tmp_record):
    tmp_record.write_text(
        textwrap.dedent(
            """
            schema_version: 1
            project: {name: P, team_channel: "#fraud"}
            metrics: {threshold: 0.5, experiment_id: exp-42, nested: {a: [1, 2]}}
            custom_section: {anything: true}
            """
        )
    )
    rec = load_record(tmp_record)
    assert rec.metrics.experiment_id == "exp-42"
    update_section(tmp_record, "data", {"summary": "ok"}, what="data")
    again = yaml.safe_load(tmp_record.read_text())
    assert again["metrics"]["experiment_id"] == "exp-42"
    assert again["metrics"]["nested"] == {"a": [1, 2]}
    assert again["custom_section"] == {"anything": True}
    assert again["project"]["team_channel"] == "#fraud"


@pytest.mark.parametrize(
    "payload",
    [
        "metrics: !!python/object/apply:os.system ['touch {marker}']\n",
        "project: !!python/object:pathlib.PosixPath {{}}\n",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]\n",
        "metrics: !!python/name:os.system\n",
    ],
)
def test_hostile_yaml_is_refused_and_never_executed(tmp_path, payload):
    marker = tmp_path / "pwned"
    path = tmp_path / "decision_record.yaml"
    path.write_text(payload.format(marker=marker))
    before = digest(path)
    with pytest.raises(RecordError) as info:
        load_record(path)
    assert "Python object" in str(info.value)
    assert not marker.exists()
    assert digest(path) == before, "a failed load must not modify the file"


def test_newer_schema_version_is_refused_with_clear_message(tmp_record):
    tmp_record.write_text(f"schema_version: {SCHEMA_VERSION + 1}\nproject: {{name: X}}\n")
    before = digest(tmp_record)
    with pytest.raises(RecordError, match="newer aipm-workbook") as info:
        load_record(tmp_record)
    assert f"schema_version {SCHEMA_VERSION + 1}" in str(info.value)
    assert digest(tmp_record) == before
    # and a save into it is refused too, leaving it untouched
    with pytest.raises(RecordError):
        update_section(tmp_record, "metrics", {"threshold": 0.1}, what="x")
    assert digest(tmp_record) == before


def test_invalid_field_is_reported_by_path(tmp_record):
    tmp_record.write_text("metrics:\n  threshold: high\n  costs: {cost_fp: cheap}\n")
    with pytest.raises(RecordError) as info:
        load_record(tmp_record)
    msg = str(info.value)
    assert "metrics.threshold:" in msg
    assert "metrics.costs.cost_fp:" in msg


def test_invalid_update_is_reported_and_not_saved(tmp_record):
    update_section(tmp_record, "metrics", {"threshold": 0.2}, what="ok")
    before = digest(tmp_record)
    with pytest.raises(RecordError, match=r"metrics\.threshold"):
        update_section(tmp_record, "metrics", {"threshold": "very high"}, what="bad")
    assert digest(tmp_record) == before


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("metrics: [unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("metrics: {threshold: 0.1}\nmetrics: {threshold: 0.2}\n", "duplicate key"),
    ],
)
def test_broken_files_give_clear_errors(tmp_record, text, fragment):
    tmp_record.write_text(text)
    with pytest.raises(RecordError, match=fragment):
        load_record(tmp_record)


def test_binary_and_missing_files(tmp_path):
    with pytest.raises(RecordError, match="no decision record"):
        load_record(tmp_path / "nope.yaml")
    assert load_record(tmp_path / "nope.yaml", create=True).schema_version == SCHEMA_VERSION
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(RecordError, match="not UTF-8"):
        load_record(bad)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=0, max_size=200))
def test_any_user_text_round_trips(tmp_path, text):
    path = tmp_path / "r.yaml"
    update_section(path, "ethics", {"summary": text, "team_response": text}, what=text or "empty", who=text)
    rec = load_record(path)
    assert rec.ethics.summary == text
    assert rec.history[-1].what == (text or "empty")


def test_json_schema_is_exported():
    schema = json_schema()
    assert schema["title"] == "DecisionRecord"
    for section in ["project", "scoping", "expectations", "ethics", "data", "metrics", "monitoring", "history"]:
        assert section in schema["properties"]
    json.dumps(schema)  # serialisable


def test_two_kernels_saving_different_sections_keep_both(tmp_record):
    """Two processes save different sections 40 times each, interleaved: nothing is lost."""
    script = textwrap.dedent(
        """
        import sys
        from aipm_widgets.core.record import update_section
        path, section, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
        for i in range(n):
            update_section(path, section, {"summary": f"{section} {i}", f"count_{section}": i}, what=f"{section} {i}")
        """
    )
    n = 40
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_record), section, str(n)])
        for section in ("metrics", "data")
    ]
    for p in procs:
        assert p.wait(120) == 0
    rec = load_record(tmp_record)
    assert rec.metrics.summary == f"metrics {n - 1}"
    assert rec.data.summary == f"data {n - 1}"
    whats = [h.what for h in rec.history]
    assert sum(w.startswith("metrics") for w in whats) == n
    assert sum(w.startswith("data") for w in whats) == n


def test_killed_mid_save_leaves_a_readable_record(tmp_record):
    """SIGKILL a process that saves a large record in a loop, many times: the file always loads."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from aipm_widgets.core.record import update_section
        # Simulate a slow disk: each fsync takes 80 ms, so some kills land between write and rename.
        _real_fsync = os.fsync
        os.fsync = lambda fd: (time.sleep(0.08), _real_fsync(fd))[1]
        big_note = "x" * 400_000
        i = 0
        while True:
            update_section(sys.argv[1], "data", {"summary": "save %d" % i, "note": big_note + str(i)}, what="save %d" % i)
            i += 1
            print(i, flush=True)
        """
    )
    update_section(tmp_record, "metrics", {"threshold": 0.25}, what="before the kills")
    kills = interrupted = 0
    for attempt in range(60):
        if kills >= 12 and interrupted >= 3:
            break
        proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_record)], stdout=subprocess.PIPE, text=True)
        # let it complete two saves to measure how long one takes, then kill it somewhere in the next
        proc.stdout.readline()
        t0 = time.monotonic()
        proc.stdout.readline()
        period = time.monotonic() - t0
        time.sleep(period * ((attempt * 5) % 12) / 12)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        rec = load_record(tmp_record)  # must always parse
        assert rec.metrics.threshold == 0.25
        assert rec.data.summary.startswith("save ")
        leftovers = [p for p in tmp_record.parent.iterdir() if p.name.endswith(".tmp")]
        for p in leftovers:  # an interrupted temp file may remain; it is never the record itself
            assert p.name.startswith(".decision_record.")
            p.unlink()
            interrupted += 1
    assert interrupted >= 3, "the kills should land mid-write at least a few times"
    print(f"{interrupted} of {kills} kills landed in the middle of writing a file")
    assert load_record(Path(str(tmp_record) + ".bak")).metrics.threshold == 0.25


def test_parse_of_own_output_is_identity():
    rec = DecisionRecord.new("Round trip")
    assert parse_record(record_to_yaml(rec)).model_dump() == rec.model_dump()


def test_committed_schema_matches_model():
    committed = ROOT / "aipm_widgets" / "data" / "decision_record.schema.json"
    assert committed.exists(), "run `aipm schema --out aipm_widgets/data/decision_record.schema.json`"
    assert json.loads(committed.read_text()) == json.loads(json.dumps(json_schema())), (
        "the exported JSON Schema is stale: run `aipm schema --out aipm_widgets/data/decision_record.schema.json`"
    )


def test_update_with_a_function_reads_under_the_lock(tmp_record):
    """Two processes add different keys to the same nested dict 30 times each: none is lost."""
    script = textwrap.dedent(
        """
        import sys
        from aipm_widgets.core.record import update_section
        path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
        for i in range(n):
            def add(current, i=i):
                items = dict(current.get("checklists") or {})
                items[f"{who}-{i}"] = {"done": i}
                return {"checklists": items}
            update_section(path, "data", add, what=f"{who} {i}")
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_record), who, "30"]) for who in ("a", "b")]
    for p in procs:
        assert p.wait(120) == 0
    keys = set(load_record(tmp_record).data.checklists)
    assert keys == {f"{w}-{i}" for w in "ab" for i in range(30)}


def test_decided_at_moves_only_when_the_decision_is_saved(tmp_record):
    first = update_section(tmp_record, "metrics", {"status": "decided", "threshold": 0.3}, what="decide", who="Ana")
    later = update_section(tmp_record, "metrics", {"notes_for_later": "x"}, what="a note", who="Ben")
    assert later.metrics.decided_at == first.metrics.decided_at and later.metrics.decided_by == "Ana"


def test_invalid_project_update_is_reported_not_raised_raw(tmp_record):
    with pytest.raises(RecordError, match=r"project\.iteration"):
        update_section(tmp_record, "project", {"iteration": "two"}, what="bad")


@pytest.mark.parametrize("text", ["\x85", "a\u2028b", "c\u2029d", "Müller\nnotes"])
def test_yaml_line_break_characters_round_trip(tmp_record, text):
    """NEL, LS and PS are line breaks to a YAML reader; a note holding them must still come back exactly."""
    update_section(tmp_record, "ethics", {"summary": text}, what="note")
    assert load_record(tmp_record).ethics.summary == text

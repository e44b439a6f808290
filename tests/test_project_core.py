"""Tier 1: a team's own product configured once (record project section, load_project, aipm init/project).

Uses the loan-approval project of ``own_product.py`` (nothing of the demo: CHF, text labels, other columns)
and, for the legacy path, a record written before the project fields existed.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import own_product as own
from aipm_widgets.cli import main
from aipm_widgets.core.demo import FRAUD_VOLUME_PER_DAY
from aipm_widgets.core import record as record_mod
from aipm_widgets.core.errors import AipmError
from aipm_widgets.core.project import (
    ColumnRoles,
    ProjectError,
    infer_task,
    load_project,
    set_project,
    validate_project_changes,
)
from aipm_widgets.core.record import current_user, load_record, save_user, update_section


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """No AIPM_USER, no saved name, no git user: a clean machine whose login is 'root'."""
    monkeypatch.delenv("AIPM_USER", raising=False)
    monkeypatch.delenv("AIPM_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(record_mod, "_git_user_name", lambda: None)
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    return tmp_path


@pytest.fixture
def loan(machine):
    wb = machine / "loans"
    own.write_loan_project(wb)
    assert main(["init", str(wb), *own.init_args(wb)]) == 0
    return wb


def show(capsys, wb) -> dict:
    capsys.readouterr()
    assert main(["project", "show", "--json", "--record", str(wb / "decision_record.yaml")]) == 0
    return json.loads(capsys.readouterr().out)


def test_init_with_all_flags_round_trips_through_project_show(loan, capsys):
    values = show(capsys, loan)
    assert values["name"] == own.NAME and values["owners"] == own.OWNERS
    assert values["example"] is None and values["is_demo"] is False
    assert values["currency"] == "CHF" and values["volume_per_day"] == own.VOLUME_PER_DAY
    assert values["sources"] == {"validation": "data/validation.csv", "production": "data/production.parquet"}
    cols = values["columns"]
    assert (cols["label"], cols["positive"], cols["score"]) == (own.LABEL, own.POSITIVE, own.SCORE)
    assert (cols["timestamp"], cols["id"], cols["groups"], cols["value"]) == (own.TIMESTAMP, own.ID, [own.GROUP], own.VALUE)
    assert cols["features"] == own.FEATURES
    assert values["resolved"]["task"] == "binary" and values["resolved"]["task_reason"].startswith("inferred")
    # The notebooks were copied; nothing of the demo data was.
    assert (loan / "00_start_here.ipynb").exists()
    assert not any("fraud" in p.name for p in loan.rglob("*") if p.is_file())


def test_load_project_reads_the_teams_tables(loan):
    project = load_project(loan / "decision_record.yaml")
    assert not project.is_demo and project.currency == "CHF" and project.unit == "decisions"
    val, prod = project.validation(), project.production()
    assert len(val) == 3000 and set(val[own.LABEL].unique()) == {own.POSITIVE, own.NEGATIVE}
    assert own.LABEL not in prod.columns and len(prod) == 6000
    assert pd.api.types.is_datetime64_any_dtype(val[own.TIMESTAMP])  # parsed from CSV text
    val.loc[:, own.SCORE] = -1.0  # a copy: the cached table is untouched
    assert (project.validation()[own.SCORE] >= 0).all()
    project.require("label", "score", "production", "groups", "volume_per_day")


def test_outline_of_a_teams_table_is_its_columns_and_label_values(loan):
    """What the start page offers in its column choices: the table's columns and the label's values (a team's table
    is read; the demo answers from its file, tests/test_demo_data.py)."""
    project = load_project(loan / "decision_record.yaml")
    columns, values = project.outline("validation", own.LABEL)
    val = project.validation()
    assert columns == [str(c) for c in val.columns] and own.SCORE in columns
    assert set(values) == {own.POSITIVE, own.NEGATIVE}
    assert project.outline("validation", "no such column") == (columns, [])
    assert project.outline("production", own.LABEL)[1] == []  # a production log without labels


def test_the_start_pages_panel_offers_a_teams_columns_and_says_when_the_file_cannot_be_read(loan):
    from aipm_widgets.widgets.project_panel import ProjectPanel

    panel = ProjectPanel(loan / "decision_record.yaml")
    val = load_project(loan / "decision_record.yaml").validation()
    assert list(panel.fields["columns.score"].options) == [str(c) for c in val.columns]
    assert set(panel.fields["columns.positive"].options) == {str(own.POSITIVE), str(own.NEGATIVE)}
    assert "Columns of the validation data" in panel.columns_hint.value and own.SCORE in panel.columns_hint.value
    (loan / "data" / "validation.csv").write_text("")  # emptied by a mistake
    broken = ProjectPanel(loan / "decision_record.yaml")
    assert list(broken.fields["columns.score"].options) == []
    assert "8a1c1c" in broken.columns_hint.value and "empty" in broken.columns_hint.value.lower()


def test_project_set_round_trip_and_history(loan, capsys):
    rec = loan / "decision_record.yaml"
    assert main(["project", "set", "currency=usd", "columns.groups=region,income_k", "volume-per-day=2_500",
                 "--record", str(rec)]) == 0
    values = show(capsys, loan)
    assert values["currency"] == "USD" and values["columns"]["groups"] == ["region", "income_k"]
    assert values["volume_per_day"] == 2500
    assert load_record(rec).history[-1].section == "project"


@pytest.mark.parametrize("assignment, words", [
    ("currency=EURO", "currency: 'EURO' is not an ISO 4217 currency code"),
    ("currency=XYZ", "currency: 'XYZ' is not an ISO 4217"),
    ("sources.production=/etc/passwd", "sources.production: /etc/passwd: for safety the workbook only reads files inside"),
    ("sources.validation=../outside.csv", "only reads files inside"),
    ("sources.validation=data/nope.csv", "no such file"),
    ("colour=red", "colour: not a project setting"),
    ("volume_per_day=-5", "volume_per_day: '-5' must be a whole number"),
    ("volume-per-day=lots", "volume-per-day: 'lots' is not a number"),
    ("task=ranking", "task: 'ranking' is not one of binary, multiclass, regression"),
    ("example=pets", "example: 'pets' is not a bundled demo"),
    ("name=", "name: "),
    ("currency", "write KEY=VALUE"),
])
def test_project_set_refuses_in_one_line_and_keeps_the_record(loan, capsys, monkeypatch, assignment, words):
    (loan.parent / "outside.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(loan)  # typed paths are relative to where the command runs
    rec = loan / "decision_record.yaml"
    before = rec.read_bytes()
    capsys.readouterr()
    assert main(["project", "set", assignment, "--record", str(rec)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aipm project: "), err
    assert words in err[0]
    assert "Traceback" not in err[0]
    assert rec.read_bytes() == before


def test_one_bad_setting_saves_none_of_the_others(loan):
    rec = loan / "decision_record.yaml"
    with pytest.raises(ProjectError) as info:
        set_project(rec, {"currency": "JPY", "volume_per_day": "0"})
    assert "volume_per_day" in str(info.value)
    assert load_record(rec).project.currency == "CHF"


@pytest.mark.parametrize("flags, shown, hidden", [
    (["--volume-per-day", "-5"], "--volume-per-day", "volume_per_day"),
    (["--currency", "EURO"], "--currency", "init: currency"),
    (["--task", "ranking"], "--task", "init: task"),
    (["--validation", "/etc/hostname"], "--validation", "sources.validation"),
])
def test_init_errors_name_the_flag_as_typed_and_write_nothing(machine, capsys, flags, shown, hidden):
    target = machine / "new"
    assert main(["init", str(target), *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and shown in err[0] and hidden not in err[0], err
    assert not target.exists()


def test_paths_in_aipm_data_dir_are_allowed_and_stored_absolute(machine, monkeypatch):
    shared = machine / "shared"
    own.write_loan_project(shared)
    monkeypatch.setenv("AIPM_DATA_DIR", str(shared))
    wb = machine / "wb"
    assert main(["init", str(wb), "--validation", str(shared / "data" / "validation.csv"), "--label", own.LABEL,
                 "--positive", own.POSITIVE, "--score", own.SCORE]) == 0
    project = load_project(wb / "decision_record.yaml")
    assert project.project.sources.validation == str((shared / "data" / "validation.csv").resolve())
    assert len(project.validation()) == 3000
    # Without AIPM_DATA_DIR the same record is refused in words when read (a hand-edited record cannot leak files).
    monkeypatch.delenv("AIPM_DATA_DIR")
    with pytest.raises(AipmError, match="only reads files inside"):
        load_project(wb / "decision_record.yaml").validation()


def test_legacy_record_is_the_fraud_demo(machine):
    path = machine / "decision_record.yaml"
    path.write_text("schema_version: 1\nproject:\n  name: Old team\n  owners: [Ana]\n  iteration: 1\n"
                    "metrics:\n  status: decided\n  threshold: 0.08\n", encoding="utf-8")
    project = load_project(path)
    assert project.is_demo and project.example == "fraud" and project.name == "Old team"
    assert project.currency == "EUR" and project.volume_per_day == FRAUD_VOLUME_PER_DAY and project.task == "binary"
    assert project.columns.label == "is_fraud" and project.columns.score == "score" and project.columns.groups == ["age_band"]
    assert load_record(path).metrics.threshold == 0.08
    # A missing record is the demo too (a bare `make run`), and `init --demo` writes it explicitly.
    assert load_project(machine / "none.yaml").example == "fraud"
    assert main(["init", str(machine / "demo"), "--demo"]) == 0
    demo = load_project(machine / "demo" / "decision_record.yaml")
    assert demo.is_demo and demo.currency == "EUR" and len(demo.validation()) > 10_000


def test_init_without_demo_and_without_data_is_the_teams_own_empty_project(machine):
    assert main(["init", str(machine / "mine"), "--name", "Churn", "--owner", "Li"]) == 0
    project = load_project(machine / "mine" / "decision_record.yaml")
    assert not project.is_demo and project.example is None
    assert project.validation() is None and project.production() is None and project.task is None
    with pytest.raises(ProjectError) as info:
        project.require("production", "score")
    text = str(info.value)
    assert "production log (sources.production)" in text and "`aipm project set sources.production=FILE`" in text
    assert "model score column (columns.score)" in text and "`aipm project set columns.score=COL`" in text
    assert "Your product panel" in text


def test_task_inference_is_visible_and_overridable(machine):
    rng = np.random.default_rng(0)
    n = 200
    frames = {
        "binary": pd.DataFrame({"y": rng.choice(["yes", "no"], n), "s": rng.uniform(size=n)}),
        "multiclass": pd.DataFrame({"y": rng.choice(["billing", "tech", "sales"], n), "s": rng.uniform(size=n)}),
        "regression": pd.DataFrame({"y": rng.gamma(2, 10, n).round(2), "s": rng.uniform(size=n)}),
    }
    for task, frame in frames.items():
        got, reason = infer_task(frame, ColumnRoles(label="y", score="s"))
        assert got == task and reason.startswith("inferred") and "'y'" in reason
    assert infer_task(None, ColumnRoles(proba_prefix="p_"))[0] == "multiclass"
    assert infer_task(frames["binary"].assign(y="yes"), ColumnRoles(label="y"))[0] is None
    frames["regression"].to_csv(machine / "reg.csv", index=False)
    path = machine / "decision_record.yaml"
    set_project(path, {"example": "none", "sources.validation": "reg.csv", "columns.label": "y"})
    assert load_project(path).task == "regression"
    set_project(path, {"task": "multiclass"})
    assert (load_project(path).task, load_project(path).task_reason) == ("multiclass", "set in the project")


def test_current_user_is_never_the_os_login(machine, monkeypatch):
    assert current_user() is None  # getpass says "root", but that says nothing about who decided
    path = machine / "decision_record.yaml"
    update_section(path, "metrics", {"threshold": 0.3}, what="chose")
    assert load_record(path).history[-1].who is None
    monkeypatch.setattr(record_mod, "_git_user_name", lambda: "Git Person")
    assert current_user() == "Git Person"
    save_user("  Ana   Silva ")
    assert current_user() == "Ana Silva"
    assert (machine / "config" / "aipm-workbook" / "user").read_text().strip() == "Ana Silva"
    monkeypatch.setenv("AIPM_USER", "Env Name")
    assert current_user() == "Env Name" and current_user("Typed") == "Typed"
    monkeypatch.delenv("AIPM_USER")
    update_section(path, "metrics", {"status": "decided"}, what="decided")
    rec = load_record(path)
    assert rec.history[-1].who == "Ana Silva" and rec.metrics.decided_by == "Ana Silva"
    with pytest.raises(AipmError):
        save_user("   ")


def test_project_set_user_is_kept_per_machine(loan, capsys):
    rec = loan / "decision_record.yaml"
    assert main(["project", "set", "user=Mara Keller", "--record", str(rec)]) == 0
    assert current_user() == "Mara Keller"
    assert "user" not in load_record(rec).project.model_dump()
    assert show(capsys, loan)["user"] == "Mara Keller"
    assert main(["project", "set", "columns.score=income_k", "--record", str(rec)]) == 0
    assert load_record(rec).history[-1].who == "Mara Keller"


def test_validate_project_changes_names_what_the_user_typed(machine):
    with pytest.raises(ProjectError) as info:
        validate_project_changes({"volume_per_day": "-1", "currency": "nope"}, folder=machine,
                                 names={"volume_per_day": "Volume per day", "currency": "Currency"})
    text = str(info.value)
    assert "Volume per day:" in text and "Currency:" in text and "volume_per_day" not in text


def test_an_upload_becomes_a_project_source(loan):
    from aipm_widgets.core.project import save_upload_as_source

    rec = loan / "decision_record.yaml"
    raw = (loan / "data" / "validation.csv").read_bytes()
    save_upload_as_source(rec, "production", raw, "../../etc/June log.csv", who="Mara Keller")
    project = load_project(rec)
    assert project.project.sources.production == "data/June_log.csv"
    assert len(project.production()) == 3000
    # Another upload under the same name never overwrites the first; garbage is refused before writing.
    save_upload_as_source(rec, "production", raw.replace(b"Zurich", b"Basel"), "June log.csv")
    assert load_project(rec).project.sources.production == "data/June_log-1.csv"
    with pytest.raises(AipmError):
        save_upload_as_source(rec, "validation", b"\x00\x01\x02binary", "x.csv")
    assert sorted(p.name for p in (loan / "data").iterdir()) == ["June_log-1.csv", "June_log.csv", "production.parquet",
                                                                 "validation.csv"]


def test_init_force_refreshes_notebooks_and_keeps_the_project(loan, capsys):
    assert main(["init", str(loan), "--force", "--currency", "GBP"]) == 0
    project = load_project(loan / "decision_record.yaml")
    assert not project.is_demo and project.name == own.NAME and project.currency == "GBP"
    assert project.columns.score == own.SCORE


def test_the_record_names_every_bundled_demo_and_only_those():
    """A project checks ``project.example`` against names kept next to the record's schema (opening a project does not
    load the demo module and pandas): they must be the demo module's scenarios."""
    from aipm_widgets.core.demo import EXAMPLES
    from aipm_widgets.core.record.sections.project import EXAMPLE_NAMES

    assert sorted(EXAMPLE_NAMES) == sorted(EXAMPLES)

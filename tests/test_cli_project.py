"""Tier 1: the `aipm` command's project subcommands and its error convention (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aipm_widgets.cli import main
from aipm_widgets.core.record import load_record


def aipm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aipm_widgets.cli", *args], capture_output=True, text=True, timeout=300)


def test_init_copies_notebooks_and_a_fresh_record(tmp_path):
    target = tmp_path / "fraud-project"
    assert main(["init", str(target), "--name", "Card fraud", "--owner", "Ana"]) == 0
    assert (target / "00_start_here.ipynb").exists()
    rec = load_record(target / "decision_record.yaml")
    assert rec.project.name == "Card fraud" and rec.project.owners == ["Ana"]


def test_init_refuses_an_existing_workbook(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds a workbook" in err[0]


def test_demo_data_writes_csv_and_parquet(tmp_path):
    out = aipm("demo-data", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "fraud_transactions.csv").exists() and (tmp_path / "fraud_transactions.parquet").exists()


def test_schema_prints_json():
    out = aipm("schema")
    assert out.returncode == 0
    assert json.loads(out.stdout)["title"] == "DecisionRecord"


@pytest.mark.parametrize("args", [["lab", "/no/such/folder"], ["dashboard", "/no/such/folder"]])
def test_errors_are_one_line_and_exit_2(args):
    out = aipm(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"aipm {args[0]}:")
    assert "Traceback" not in out.stderr


def test_unknown_command_exits_2():
    assert aipm("frobnicate").returncode == 2


@pytest.mark.parametrize("task,wanted,not_wanted", [("regression", "columns.prediction", "columns.score"),
                                                    ("multiclass", "columns.proba_prefix", "columns.score"),
                                                    (None, "columns.score", "columns.prediction")])
def test_init_asks_for_the_models_output_of_its_task(tmp_path, capsys, task, wanted, not_wanted):
    from aipm_widgets.cli import main
    from aipm_widgets.core.project import load_project

    args = ["init", str(tmp_path / "p")] + (["--task", task] if task else [])
    if task == "regression":
        args += ["--target-unit", "MWh"]
    assert main(args) == 0
    out = capsys.readouterr().out
    still = next(line for line in out.splitlines() if line.startswith("Still to set"))
    assert wanted in still and not_wanted not in still
    if task == "regression":
        assert load_project(tmp_path / "p" / "decision_record.yaml").target_unit == "MWh"

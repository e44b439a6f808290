"""``aipm assess``: JSON shape, exit codes (0 ok, 1 blocker, 2 error), --reference, --spec, --html."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from aipm_widgets.cli import main
from aipm_widgets.core.assessment.spec import infer_spec


@pytest.fixture
def small_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({
        "id": [f"R{i:04d}" for i in range(n)],
        "when": pd.date_range("2025-01-01", periods=n, freq="h").astype(str),
        "hour": rng.integers(0, 24, n),
        "country": rng.choice(["home", "eu", "?"], n, p=[0.8, 0.15, 0.05]),
        "y": (rng.uniform(size=n) < 0.3).astype(int),
    })
    df.loc[3, "hour"] = 27
    path = tmp_path / "small.csv"
    df.to_csv(path, index=False)
    return path, df


def test_json_shape_and_exit_code_zero(small_csv, capsys):
    path, df = small_csv
    rc = main(["assess", "--data", str(path), "--label", "y", "--id", "id", "--time", "when", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["rows"] == len(df) and out["columns"] == df.shape[1]
    checks = {(i["check"], i["column"]) for i in out["issues"]}
    assert ("spec_out_of_range", "hour") in checks and ("disguised_nulls", "country") in checks
    for i in out["issues"]:
        assert {"check", "column", "severity", "count", "share", "message"} <= set(i)
        assert i["severity"] in ("blocker", "warning", "info")


def test_blocker_exits_one(small_csv, tmp_path, capsys):
    _, df = small_csv
    df = df.assign(leak=df["y"] * 3)
    path = tmp_path / "leaky.csv"
    df.to_csv(path, index=False)
    rc = main(["assess", "--data", str(path), "--label", "y", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and any(i["check"] == "leakage" and i["severity"] == "blocker" for i in out["issues"])


@pytest.mark.parametrize("content, needle", [(b"", "empty"), (b"\x00\x01\x02\x03garbage", "binary"), (b"1,2,3\n4,5,6\n", "header")])
def test_broken_files_exit_two(tmp_path, capsys, content, needle):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    assert main(["assess", "--data", str(path), "--label", "y"]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_label_column_exits_two(small_csv, capsys):
    path, _ = small_csv
    assert main(["assess", "--data", str(path), "--label", "nope"]) == 2
    assert "'nope' not found" in capsys.readouterr().err


def test_reference_validates_new_data(small_csv, tmp_path, capsys):
    path, df = small_csv
    new = df.drop(columns=["country"]).assign(extra=1)
    new.loc[0, "hour"] = 40
    new_path = tmp_path / "new.csv"
    new.to_csv(new_path, index=False)
    rc = main(["assess", "--data", str(new_path), "--reference", str(path), "--label", "y", "--json"])
    checks = {(i["check"], i["column"]) for i in json.loads(capsys.readouterr().out)["issues"]}
    assert rc == 1  # a missing column is a blocker
    assert {("spec_missing_column", "country"), ("spec_new_column", "extra"), ("spec_out_of_range", "hour")} <= checks


def test_spec_file_and_record_spec(small_csv, tmp_path, capsys):
    path, df = small_csv
    spec = infer_spec(df).to_dict()
    spec["columns"]["country"]["allowed"] = ["home"]
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    main(["assess", "--data", str(path), "--spec", str(spec_path), "--label", "y", "--json"])
    checks = {(i["check"], i["column"]) for i in json.loads(capsys.readouterr().out)["issues"]}
    assert ("spec_unseen_category", "country") in checks
    rec = tmp_path / "rec.yaml"
    rec.write_text(yaml.safe_dump({"data": {"spec": spec}}))
    assert main(["assess", "--data", str(path), "--spec", str(rec), "--label", "y", "--json"]) in (0, 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns: [1, 2]")
    assert main(["assess", "--data", str(path), "--spec", str(bad), "--label", "y"]) == 2


def test_html_report_written(small_csv, tmp_path, capsys):
    path, _ = small_csv
    out = tmp_path / "report.html"
    rc = main(["assess", "--data", str(path), "--label", "y", "--html", str(out)])
    assert rc == 0 and out.exists() and out.stat().st_size > 10_000
    assert "Full report" in capsys.readouterr().out

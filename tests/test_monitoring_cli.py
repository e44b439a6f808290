"""``aipm monitor``: exit codes 0/1/2, the --json shape, the record and the evidently HTML report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.cli import main
from aipm_widgets.core.record import load_record


def _frames(tmp_path, shift=0.0):
    rng = np.random.default_rng(0)
    n = 3000
    ref = pd.DataFrame({"timestamp": pd.date_range("2025-01-01", periods=n, freq="20min"), "x": rng.normal(size=n),
                        "c": rng.choice(list("abc"), n), "score": rng.random(n)})
    ref["y"] = (rng.random(n) < ref["score"]).astype(int)
    cur = ref.copy()
    cur["timestamp"] = cur["timestamp"] + pd.Timedelta(days=60)
    cur["x"] = rng.normal(shift, 1, n)
    cur.loc[cur.index[n // 2:], "y"] = np.nan  # labels not arrived yet
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.csv")


def test_no_alert_exits_0_with_json(tmp_path, capsys):
    ref, cur = _frames(tmp_path)
    code = main(["monitor", "--reference", ref, "--current", cur, "--window", "week", "--label", "y", "--score", "score",
                 "--threshold", "0.5", "--features", "x,c", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["alerts"] == []
    w = out["windows"][0]
    assert {"start", "end", "n", "features", "drift_share", "estimated_performance", "performance"} <= set(w)
    assert set(w["estimated_performance"]) >= {"recall", "precision", "f1", "roc_auc"}
    assert "performance" not in out["windows"][-1]  # no labels there yet


def test_alert_exits_1_and_saves_record(tmp_path, capsys):
    ref, cur = _frames(tmp_path, shift=1.0)
    rec = tmp_path / "rec.yaml"
    code = main(["monitor", "--reference", ref, "--current", cur, "--window-rows", "1000", "--features", "x,c",
                 "--record", str(rec), "--trigger", ">= 40 % of features drifted"])
    text = capsys.readouterr().out
    assert code == 1 and "drift" in text
    mon = load_record(rec).monitoring
    assert mon.triggers[0].measure == "drift_share" and mon.last_run.drifted_features == {"x": "rows 1-1,000"}
    assert mon.alerts


@pytest.mark.parametrize("extra,message", [
    (["--features", "nope"], "not found"),
    (["--trigger", "import os"], "Could not read the trigger"),
    (["--timestamp", "c"], "no readable dates"),
])
def test_errors_exit_2_in_words(tmp_path, capsys, extra, message):
    ref, cur = _frames(tmp_path)
    code = main(["monitor", "--reference", ref, "--current", cur, *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["monitor", "--reference", str(tmp_path / "no.csv"), "--current", str(tmp_path / "no.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_html_report_written(tmp_path, capsys):
    ref, cur = _frames(tmp_path)
    out = tmp_path / "report.html"
    code = main(["monitor", "--reference", ref, "--current", cur, "--window", "month", "--features", "x,c",
                 "--html", str(out)])
    assert code in (0, 1) and out.exists() and out.stat().st_size > 100_000
    assert "<html" in out.read_text(encoding="utf-8", errors="ignore")[:5000].lower()

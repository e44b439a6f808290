"""``aipm ... --task multiclass``: JSON keys and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.cli import main


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(4)
    n = 1200
    classes = ["cat", "dog", "eel"]
    y = rng.choice(3, n, p=[0.5, 0.4, 0.1])
    logits = rng.normal(size=(n, 3))
    logits[np.arange(n), y] += 2.2
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    df = pd.DataFrame({"w": rng.normal(size=n), "site": rng.choice(["s1", "s2"], n), "animal": np.array(classes)[y]})
    for i, c in enumerate(classes):
        df[f"pr_{c}"] = p[:, i]
    df["ts"] = pd.date_range("2024-01-01", periods=n, freq="h")
    ref, cur = df.iloc[:600], df.iloc[600:]
    (tmp_path / "ref.csv").write_text(ref.to_csv(index=False))
    (tmp_path / "cur.csv").write_text(cur.to_csv(index=False))
    return tmp_path


def test_tradeoff_json(files, capsys):
    rc = main(["tradeoff", "--data", str(files / "ref.csv"), "--label", "animal", "--task", "multiclass",
               "--proba-columns", "cat=pr_cat,dog=pr_dog,eel=pr_eel", "--constraint", "accuracy_automated>=0.9",
               "--cost-misroute", "5", "--cost-manual", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["task"] == "multiclass" and out["classes"] == ["cat", "dog", "eel"]
    assert np.array(out["confusion_matrix"]).sum() == out["n_automated"]
    assert out["constraints_satisfied"] is True
    for key in ("automation_rate", "accuracy_automated", "macro_f1", "weighted_f1"):
        assert set(out["metrics"][key]) == {"value", "ci", "method"}
    assert out["per_class"]["eel"]["recall"]["ci"][0] is not None
    assert out["cost_per_1000"]["value"] > 0 and "baseline" in out and "feasibility" in out


def test_monitor_and_fairness_and_assess_json(files, capsys):
    rc = main(["monitor", "--reference", str(files / "ref.csv"), "--current", str(files / "cur.csv"), "--timestamp", "ts",
               "--window", "week", "--label", "animal", "--task", "multiclass", "--proba-prefix", "pr_", "--features", "w,site",
               "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc in (0, 1)
    assert out["windows"][0]["estimated_performance"]["accuracy"]["value"] > 0.5
    assert "performance" in out["windows"][0] and out["task"] == "multiclass"
    rc = main(["fairness", "--data", str(files / "ref.csv"), "--group", "site", "--task", "multiclass", "--proba-prefix", "pr_", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and {r["class"] for r in out["selection_rate"]} == {"cat", "dog", "eel"}
    shares = pd.DataFrame(out["selection_rate"]).groupby("group")["share"].sum()
    assert np.allclose(shares, 1.0)
    rc = main(["assess", "--data", str(files / "ref.csv"), "--label", "animal", "--task", "multiclass", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["classes"]["classes"]["cat"]["rows"] == int((pd.read_csv(files / "ref.csv")["animal"] == "cat").sum())


def test_errors_are_one_line(files, capsys):
    rc = main(["tradeoff", "--data", str(files / "ref.csv"), "--label", "animal", "--task", "multiclass"])
    err = capsys.readouterr().err
    assert rc == 2 and "--proba-columns" in err and "Traceback" not in err
    rc = main(["tradeoff", "--data", str(files / "ref.csv"), "--label", "animal", "--task", "multiclass",
               "--proba-columns", "cat=pr_cat,dog=pr_dog"])
    err = capsys.readouterr().err
    assert rc == 2 and "'eel' but there is no probability column" in err

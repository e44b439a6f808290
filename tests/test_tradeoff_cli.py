"""``aipm tradeoff``: the --json shape, the chosen threshold, and bad input (exit 2, one line, no traceback)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from aipm_widgets.cli import main


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    from aipm_widgets.core import demo

    path = tmp_path_factory.mktemp("tradeoff") / "val.csv"
    demo.load_fraud("validation").to_csv(path, index=False)
    return path


def _run(capsys, *argv):
    code = main(["tradeoff", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_shape_with_costs_constraints_groups(capsys, data_csv):
    code, out, err = _run(capsys, "--data", data_csv, "--label", "is_fraud", "--score", "score", "--group", "age_band",
                          "--cost-fp", 5, "--cost-fn", 250, "--constraint", "precision>=0.05", "recall>=0.5",
                          "--threshold", 0.08, "--json")
    assert code == 0, err
    obj = json.loads(out)
    df = pd.read_csv(data_csv)
    tn, fp, fn, tp = confusion_matrix(df["is_fraud"], df["score"] >= 0.08).ravel()
    assert obj["threshold"] == 0.08
    assert obj["confusion"] == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    for m in ("precision", "recall", "fpr", "fnr", "f1"):
        assert set(obj["metrics"][m]) >= {"value", "ci"} and len(obj["metrics"][m]["ci"]) == 2
        lo, hi = obj["metrics"][m]["ci"]
        assert lo <= obj["metrics"][m]["value"] <= hi
    assert obj["cost_per_1000"]["value"] == pytest.approx((5 * fp + 250 * fn) / len(df) * 1000)
    assert [c["satisfied"] for c in obj["constraints"]] == [True, False]
    assert len(obj["groups"]) == 5
    for g in obj["groups"]:
        assert {"group", "n", "tpr", "fpr", "precision", "selection_rate"} <= set(g)
    assert sum(g["n"] for g in obj["groups"]) == len(df)
    assert obj["threshold_choice"] == "given with --threshold"


def test_without_threshold_it_picks_and_says_which(capsys, data_csv):
    code, out, _ = _run(capsys, "--data", data_csv, "--label", "is_fraud", "--score", "score", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["threshold_choice"].startswith("F1-optimal")
    assert "cost_per_1000" not in obj and "groups" not in obj
    code, out, _ = _run(capsys, "--data", data_csv, "--label", "is_fraud", "--score", "score", "--cost-fp", 5,
                        "--cost-fn", 250, "--constraint", "fnr<=0.05", "--json")
    obj = json.loads(out)
    assert obj["threshold_choice"].startswith("cost-optimal") and obj["constraints"][0]["satisfied"]


def test_text_output_with_rule(capsys, data_csv):
    code, out, _ = _run(capsys, "--data", data_csv, "--label", "is_fraud", "--score", "score", "--rule", "amount > 900",
                        "--cost-fp", 5, "--value", "amount")
    assert code == 0
    assert "Out of every 1,000 cases" in out and "The rule 'amount > 900'" in out
    assert "negative 'amount'" in out  # the -999 sentinel rows are clipped to 0, and said so


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--constraint", "recall > lots"], "Could not read the constraint"),
        (["--label", "merchant_category"], "different values"),
        (["--score", "nope"], "not found"),
        (["--threshold", "nan"], "finite"),
        (["--rule", "amount > 'x'"], "needs a number"),
        (["--constraint", "alerts_per_day<=10"], "volume"),
    ],
)
def test_bad_input_exit_2_one_line(capsys, data_csv, extra, words):
    argv = ["--data", data_csv, "--label", "is_fraud", "--score", "score"]
    for flag, value in zip(extra[::2], extra[1::2]):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_files(capsys, tmp_path):
    few = tmp_path / "few.csv"
    pd.DataFrame({"y": [0, 1] * 5, "s": np.linspace(0, 1, 10)}).to_csv(few, index=False)
    code, _, err = _run(capsys, "--data", few, "--label", "y", "--score", "s")
    assert code == 2 and "at least 30" in err
    strings = tmp_path / "strings.csv"
    pd.DataFrame({"y": ["fraud", "ok"] * 20, "s": np.linspace(0, 1, 40)}).to_csv(strings, index=False)
    code, _, err = _run(capsys, "--data", strings, "--label", "y", "--score", "s")
    assert code == 2 and "positive" in err
    code, out, err = _run(capsys, "--data", strings, "--label", "y", "--score", "s", "--positive", "fraud", "--json")
    assert code == 0 and json.loads(out)["confusion"]["tp"] + json.loads(out)["confusion"]["fn"] == 20

"""`aipm fairness`: JSON shape, the demo's flag, one-line errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aipm_widgets.cli import main
from aipm_widgets.core import demo


@pytest.fixture(scope="module")
def resume_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "resume.csv"
    demo.load_resume().to_csv(path, index=False)
    return path


def run(args, capsys):
    code = main(["fairness", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_shape(resume_csv, capsys):
    code, out, _ = run(["--data", resume_csv, "--label", "qualified", "--score", "score", "--threshold", 0.5,
                        "--group", "gender", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert {"groups", "demographic_parity_difference", "equalized_odds_difference", "four_fifths"} <= set(d)
    assert {"ratio", "passed"} <= set(d["four_fifths"]) and d["four_fifths"]["passed"] is False
    for g in d["groups"]:
        assert {"group", "n", "selection_rate", "tpr", "fpr", "precision", "ci"} <= set(g)
        for m in ("selection_rate", "tpr", "fpr", "precision"):
            low, high = g["ci"][m]
            assert low <= g[m] <= high
    assert sum(g["n"] for g in d["groups"]) == 4000


def test_two_groups_give_intersections_and_text_output(resume_csv, capsys):
    code, out, _ = run(["--data", resume_csv, "--label", "qualified", "--score", "score", "--threshold", 0.5,
                        "--group", "gender", "--group", "age_band", "--json"], capsys)
    assert code == 0 and len(json.loads(out)["groups"]) == 9
    code, out, _ = run(["--data", resume_csv, "--label", "qualified", "--score", "score", "--threshold", 0.5,
                        "--group", "gender", "--reference", "man"], capsys)
    assert code == 0 and "FLAG: the four-fifths rule fails for woman" in out


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--group", "nope"], "not found"),
        (["--group", "gender", "--reference", "alien"], "reference group"),
        (["--group", "gender", "--group", "age_band", "--group", "education"], "one or two"),
    ],
)
def test_errors_are_one_line_exit_2(resume_csv, capsys, extra, words):
    code, out, err = run(["--data", resume_csv, "--label", "qualified", "--score", "score", "--threshold", 0.5, *extra], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("aipm fairness: ") and words in err


def test_single_group_and_nan_scores(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("y,s,g\n0,0.1,a\n1,0.9,a\n0,,a\n", encoding="utf-8")
    code, _, err = run(["--data", path, "--label", "y", "--score", "s", "--threshold", 0.5, "--group", "g"], capsys)
    assert code == 2 and "missing or infinite" in err
    path.write_text("y,s,g\n0,0.1,a\n1,0.9,a\n0,0.3,a\n", encoding="utf-8")
    code, _, err = run(["--data", path, "--label", "y", "--score", "s", "--threshold", 0.5, "--group", "g"], capsys)
    assert code == 2 and "only one group" in err


def test_console_entry_point(resume_csv):
    out = subprocess.run([sys.executable, "-m", "aipm_widgets.cli", "fairness", "--data", str(resume_csv), "--label",
                          "qualified", "--score", "score", "--threshold", "nan", "--group", "gender"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.strip() == "aipm fairness: --threshold must be a finite number, not nan."

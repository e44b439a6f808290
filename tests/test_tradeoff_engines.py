"""``aipm tradeoff --engine duckdb|spark``: the stage 4 curve counted from Parquet, against scikit-learn.

Generated data sharing nothing with the demo: a subscription service's churn model (``churn_risk``), a text label
("churned"/"stayed", some not yet arrived), a contract value in SEK, spread over a folder of Parquet files.
Exact: every count equals ``sklearn.metrics.confusion_matrix_at_thresholds`` and the whole ``--json`` equals the
pandas path's. Binned (few bins forced): counts are exact at the thresholds the curve proposes, and within the
printed bound at any other threshold.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix_at_thresholds

from aipm_widgets.cli import main
from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.metrics.tradeoff import Tradeoff
from aipm_widgets.core.monitoring.engines import threshold_curve as tc
from aipm_widgets.core.text import format as fmt

pytest.importorskip("duckdb")
from test_monitoring_engines import spark  # noqa: E402,F401  (one SparkSession per test run)

LABEL, POSITIVE, SCORE, VALUE = "outcome", "churned", "churn_risk", "contract_value"


@pytest.fixture(params=["duckdb", "spark"])
def engine(request):
    if request.param == "spark":
        request.getfixturevalue("spark")  # skips with its reason without Java (fails under CI=true)
    return request.param


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    rng = np.random.default_rng(2024)
    n = 24_000
    risk = rng.beta(2, 6, n)
    risk[::7] = risk[::7].round(3)  # ties, as logged scores have
    y = np.where(rng.random(n) < risk, POSITIVE, "stayed").astype(object)
    y[::19] = None  # labels not arrived yet
    risk[5::211] = np.nan  # a scoring failure
    frame = pd.DataFrame({"account": np.arange(n), SCORE: risk, LABEL: y, VALUE: rng.lognormal(6, 1, n).round(2)})
    folder = tmp_path_factory.mktemp("churn") / "scored"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(n), 3)):
        frame.iloc[rows].to_parquet(folder / f"part-{i}.parquet")
    labeled = frame.dropna(subset=[LABEL, SCORE])
    path = folder.parent / "labeled.parquet"
    labeled.to_parquet(path)
    return {"folder": folder, "labeled": labeled, "labeled_path": path, "left_out": n - len(labeled)}


def _sklearn(labeled: pd.DataFrame) -> dict[str, np.ndarray]:
    tns, fps, fns, tps, thresholds = confusion_matrix_at_thresholds(labeled[LABEL], labeled[SCORE], pos_label=POSITIVE)
    return {"tn": tns, "fp": fps, "fn": fns, "tp": tps, "threshold": thresholds}


def _run(capsys, *argv):
    code = main(["tradeoff", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


ARGS = ("--label", LABEL, "--positive", POSITIVE, "--score", SCORE, "--value", VALUE, "--cost-fp", 15,
        "--currency", "SEK", "--constraint", "precision>=0.3")


def test_exact_curve_equals_sklearn_and_the_pandas_path(capsys, churn, engine):
    curve = tc.curve_from_source(str(churn["folder"]), label=LABEL, positive=POSITIVE, score=SCORE, value=VALUE,
                                 engine=engine)
    assert curve.exact and curve.rows_left_out == churn["left_out"]
    want = _sklearn(churn["labeled"])
    got = curve.counts_many(want["threshold"])
    for k in ("tp", "fp", "tn", "fn"):
        np.testing.assert_array_equal(got[k], want[k])

    code, out, err = _run(capsys, "--data", churn["folder"], *ARGS, "--engine", engine, "--json")
    assert code == 0, err
    ours = json.loads(out)
    code, out, err = _run(capsys, "--data", churn["labeled_path"], *ARGS, "--json")
    assert code == 0, err
    pandas = json.loads(out)
    info = ours.pop("curve")
    assert info == {"engine": engine, "exact": True, "n": len(churn["labeled"]), "rows_left_out": churn["left_out"],
                    "values_counted_as_0": {"negative": 0, "missing": 0}}
    left_out_note = ours["notes"].pop(0)
    assert fmt.count(churn["left_out"]) in left_out_note and LABEL in left_out_note
    assert ours == pandas  # the same threshold, counts, intervals, money, constraints and words


def test_binned_curve_exact_where_it_chooses_and_within_its_printed_bound(capsys, churn, monkeypatch, engine):
    monkeypatch.setattr(tc, "BINS", 256)
    want = _sklearn(churn["labeled"])
    positives, negatives = int(want["tp"][-1]), int(want["fp"][-1])

    code, out, err = _run(capsys, "--data", churn["folder"], *ARGS, "--engine", engine, "--max-exact-rows", 1000,
                          "--json")
    assert code == 0, err
    doc = json.loads(out)
    b = doc["curve"]["binning"]
    assert doc["curve"]["exact"] is False and 100 < b["bins"] <= 256
    assert 0 < b["recall"] < 0.05 and 0 < b["false_positive_rate"] < 0.05
    assert b["text"].endswith(f"recall is within ±{fmt.bound(b['recall'])} and the false-positive rate within "
                              f"±{fmt.bound(b['false_positive_rate'])} of the exact curve.")
    # The chosen threshold lies between two bins: its counts are exactly scikit-learn's.
    t = doc["threshold"]
    y = (churn["labeled"][LABEL] == POSITIVE).to_numpy()
    alert = churn["labeled"][SCORE].to_numpy() >= t
    assert b["exact_at_threshold"] is True
    assert doc["confusion"] == {"tp": int((alert & y).sum()), "fp": int((alert & ~y).sum()),
                                "tn": int((~alert & ~y).sum()), "fn": int((~alert & y).sum())}

    # Any threshold: within the bound (and exact at every bin's lowest score).
    curve = tc.curve_from_source(str(churn["folder"]), label=LABEL, positive=POSITIVE, score=SCORE, value=VALUE,
                                 engine=engine, max_rows=1000)
    got = curve.counts_many(want["threshold"])
    recall_gap = np.abs(got["tp"] - want["tp"]) / positives
    fpr_gap = np.abs(got["fp"] - want["fp"]) / negatives
    assert recall_gap.max() > 0  # binned for real: some threshold is off ...
    assert recall_gap.max() <= b["recall"] + 1e-12 and fpr_gap.max() <= b["false_positive_rate"] + 1e-12  # ... by no more

    # A threshold typed inside a bin says so, and names the exact one giving the same counts.
    inside = float(want["threshold"][np.argmax(recall_gap)])
    assert not curve.exact_at(inside)
    code, out, err = _run(capsys, "--data", churn["folder"], *ARGS, "--engine", engine, "--max-exact-rows", 1000,
                          "--threshold", inside)
    assert code == 0, err
    assert f"Threshold {fmt.threshold(inside)} falls inside a score bin" in out
    assert f"{fmt.threshold(curve.short_cut(inside))} gives the same counts exactly" in out
    assert curve.exact_at(curve.short_cut(inside))


def test_rows_the_engine_cannot_have_are_refused_in_words(capsys, churn, tmp_path):
    code, _, err = _run(capsys, "--data", churn["folder"], *ARGS, "--engine", "duckdb", "--group", "account")
    assert code == 2 and "--group need(s) the rows in memory" in err and "Traceback" not in err
    csv = tmp_path / "scored.csv"
    churn["labeled"].to_csv(csv, index=False)
    code, _, err = _run(capsys, "--data", csv, *ARGS, "--engine", "duckdb")
    assert code == 2 and "is not a Parquet file" in err
    code, _, err = _run(capsys, "--data", churn["folder"], *ARGS[:4], "--score", "risk", "--engine", "duckdb")
    assert code == 2 and "'risk' not in" in err and SCORE in err
    code, _, err = _run(capsys, "--data", churn["folder"], "--label", LABEL, "--score", SCORE, "--engine", "duckdb")
    assert code == 2 and "give its positive value" in err


def test_a_trade_off_from_counts_says_what_needs_rows(churn):
    curve = tc.curve_from_source(str(churn["folder"]), label=LABEL, positive=POSITIVE, score=SCORE, engine="duckdb",
                                 max_rows=1000, bins=128)
    t = Tradeoff.from_curve(curve, label_name=LABEL, score_name=SCORE)
    with pytest.raises(InputDataError, match="rule baseline needs the rows in memory"):
        t.baseline("contract_value > 900", churn["labeled"])
    with pytest.raises(InputDataError, match="a miss costs the row's value"):
        t.set_costs({"cost_fp": 1, "fn_cost_from_value": True})
    point = t.at(t.recommended_threshold()[0])
    assert point.confusion["tp"] + point.confusion["fn"] == curve.positives


@pytest.mark.parametrize("x, text", [(0.0003, "0.00030"), (0.000301, "0.00031"), (0.00031, "0.00031"),
                                     (0.0499, "0.050"), (0.12, "0.12"), (0, "0"), (None, "n/a")])
def test_a_bound_is_rounded_up_never_down(x, text):
    assert fmt.bound(x) == text


# A parts supplier's defect model (nothing of the churn data above): a 0/1 label, the repair cost of a defect in JPY,
# where credit notes from the supplier make some costs negative and a few costs were never entered.
DEFECT = ("--label", "defective", "--score", "defect_prob", "--value", "repair_cost", "--cost-fp", 800,
          "--currency", "JPY")


@pytest.fixture(scope="module")
def defects(tmp_path_factory):
    rng = np.random.default_rng(77)
    n = 6_000
    p = rng.beta(1.5, 9, n).round(4)
    cost = rng.gamma(2.0, 9_000, n).round(0)
    cost[rng.random(n) < 0.04] *= -0.2  # credit notes: negative repair costs
    frame = pd.DataFrame({"lot": rng.integers(0, 400, n), "defect_prob": p,
                          "defective": (rng.random(n) < p).astype(int), "repair_cost": cost})
    folder = tmp_path_factory.mktemp("defects")
    frame.to_parquet(folder / "scored.parquet")
    gaps = frame.copy()
    gaps.loc[gaps.index[3::250], "repair_cost"] = np.nan  # never entered
    gaps.to_parquet(folder / "gaps.parquet")
    gaps.fillna({"repair_cost": 0.0}).to_parquet(folder / "gaps_as_0.parquet")
    return {"folder": folder, "frame": frame, "gaps": gaps}


def test_negative_values_count_as_0_and_are_said_as_in_memory(capsys, defects, engine):
    """The engine path clipped negative values without a word where the in-memory path says so: same note now."""
    f, frame = defects["folder"], defects["frame"]
    negative = int((frame["repair_cost"] < 0).sum())
    assert negative > 100
    code, out, err = _run(capsys, "--data", f / "scored.parquet", *DEFECT, "--engine", engine, "--json")
    assert code == 0, err
    ours = json.loads(out)
    code, out, err = _run(capsys, "--data", f / "scored.parquet", *DEFECT, "--json")
    assert code == 0, err
    pandas = json.loads(out)
    assert ours.pop("curve")["values_counted_as_0"] == {"negative": negative, "missing": 0}
    note = f"{fmt.count(negative)} rows have a negative 'repair_cost' (lowest {frame['repair_cost'].min():g})"
    assert any(n.startswith(note) for n in pandas["notes"])
    assert ours == pandas  # the same note, and the same money: negatives count as 0 on both paths

    code, out, err = _run(capsys, "--data", f / "scored.parquet", *DEFECT, "--engine", engine)
    assert code == 0 and f"Note: {note}" in out


def test_missing_values_count_as_0_and_say_the_in_memory_path_refuses_them(capsys, defects, engine):
    f, gaps = defects["folder"], defects["gaps"]
    missing = int(gaps["repair_cost"].isna().sum())
    code, _, err = _run(capsys, "--data", f / "gaps.parquet", *DEFECT, "--json")
    assert code == 2 and "repair_cost" in err  # in memory: refused
    code, out, err = _run(capsys, "--data", f / "gaps.parquet", *DEFECT, "--engine", engine, "--json")
    assert code == 0, err
    ours = json.loads(out)
    assert ours.pop("curve")["values_counted_as_0"]["missing"] == missing
    said = [n for n in ours["notes"] if "'repair_cost' (empty or not a finite number)" in n]
    assert len(said) == 1 and said[0].startswith(f"{fmt.count(missing)} rows have no 'repair_cost'")
    ours["notes"].remove(said[0])
    code, out, err = _run(capsys, "--data", f / "gaps_as_0.parquet", *DEFECT, "--json")
    assert code == 0, err
    assert ours == json.loads(out)  # otherwise what the in-memory path gives with those costs filled as 0


def test_a_numeric_label_that_is_not_yes_no_is_refused_as_in_memory(capsys, defects, tmp_path):
    frame = defects["frame"].assign(defective=lambda d: d["lot"] % 3)  # 0, 1, 2: not a yes/no outcome
    frame.to_parquet(tmp_path / "three.parquet")
    for extra in ((), ("--engine", "duckdb")):
        code, _, err = _run(capsys, "--data", tmp_path / "three.parquet", *DEFECT, *extra)
        assert code == 2 and "'defective' has 3 different values (0, 1, 2)" in err, err
    code, out, err = _run(capsys, "--data", tmp_path / "three.parquet", *DEFECT, "--positive", 2, "--engine", "duckdb")
    assert code == 0, err  # one class against the rest, as in memory with a positive value


def _defect_project(folder, *, engine, source="scored.parquet", task=None):
    from aipm_widgets.core.record import update_section

    rec = folder / f"record_{engine}_{source.split('.')[0]}.yaml"
    project = {"name": "Press line 4 defects", "example": None, "engine": engine, "currency": "JPY",
               "sources": {"validation": source},
               "columns": {"label": "defective", "score": "defect_prob", "value": "repair_cost"}}
    if task:
        project["task"] = task
    update_section(rec, "project", project, what="test project")
    return rec


def test_tradeoff_takes_its_engine_from_the_project(capsys, defects, engine):
    f = defects["folder"]
    rec = _defect_project(f, engine=engine)
    code, out, err = _run(capsys, "--record", rec, "--cost-fp", 800, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["curve"]["engine"] == engine and doc["currency"] == "JPY"
    code, out, err = _run(capsys, "--record", rec, "--cost-fp", 800, "--engine", "pandas", "--json")
    assert code == 0 and "curve" not in json.loads(out)  # the flag wins
    doc.pop("curve")
    assert doc == json.loads(out)
    code, out, err = _run(capsys, "--record", rec, "--cost-fp", 800)
    assert code == 0 and f"Engine {engine} (the project's engine setting" in err


def test_the_projects_engine_is_left_where_it_cannot_count(capsys, defects):
    f = defects["folder"]
    defects["frame"].to_csv(f / "scored.csv", index=False)
    rec = _defect_project(f, engine="duckdb", source="scored.csv")
    code, out, err = _run(capsys, "--record", rec, "--cost-fp", 800, "--json")
    assert code == 0, err
    assert "curve" not in json.loads(out)  # a CSV validation file: in memory, as before


def test_progress_bar_on_a_terminal(capsys, defects, monkeypatch):
    """tqdm on stderr (a terminal only) while DuckDB counts, as aipm monitor shows."""
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, out, err = _run(capsys, "--data", defects["folder"] / "scored.parquet", *DEFECT, "--engine", "duckdb")
    assert code == 0 and "threshold curve (duckdb)" in err and "curve ready" in err
    steps = []
    tc.curve_from_source(str(defects["folder"] / "scored.parquet"), label="defective", score="defect_prob",
                         engine="duckdb", max_rows=1000, bins=64, progress=lambda s, x: steps.append((s, x)))
    assert [x for _, x in steps] == sorted(x for _, x in steps) and steps[-1] == ("curve ready", 1.0)
    assert any("score bins" in s for s, _ in steps)

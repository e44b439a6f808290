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
    assert info == {"engine": engine, "exact": True, "n": len(churn["labeled"]), "rows_left_out": churn["left_out"]}
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

"""Stage 3 core: data spec, checks, assessment, representativeness, learning curve (no widgets)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from scipy import stats as st

from aipm_widgets.core.assessment import checks as C
from aipm_widgets.core.assessment.report import assess, guess_roles, save_to_record
from aipm_widgets.core.assessment.spec import DataSpec, infer_spec, validate
from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.assessment.learning_curve import fit_power_law
from aipm_widgets.core.record import load_record
from aipm_widgets.core.assessment.representativeness import compare_shares, rows_needed, sample_size_table
from aipm_widgets.core.stats.intervals import wilson_interval


@pytest.fixture(scope="module")
def fraud():
    from aipm_widgets.core import demo

    return demo.load_fraud()


@pytest.fixture(scope="module")
def fraud_assessment(fraud):
    return assess(fraud, label="is_fraud", id_column="transaction_id", time_column="timestamp", ignore=("score",))


def _find(a, check, column):
    return [i for i in a.issues if i.check == check and i.column == column]


# ---- every injected problem of the demo card is found ------------------------------------------------


def test_demo_card_missing_values_found(fraud_assessment):
    from aipm_widgets.core import demo

    item = demo.demo_card()["fraud"]["injected_quality_problems"]["missing_values"]
    (issue,) = _find(fraud_assessment, "missing_values", item["column"])
    assert item["rows"] <= issue.count <= item["rows"] + 150  # + copies among the 150 duplicated rows
    assert issue.severity == "warning"


def test_demo_card_mixed_null_markers_found(fraud_assessment):
    from aipm_widgets.core import demo

    item = demo.demo_card()["fraud"]["injected_quality_problems"]["mixed_null_markers"]
    (issue,) = _find(fraud_assessment, "disguised_nulls", item["column"])
    assert item["rows"] <= issue.count <= item["rows"] + 150
    markers = issue.details["markers"]
    for marker, rows in item["markers"].items():
        shown = "(empty)" if marker == "" else marker
        assert markers[shown] >= rows


@pytest.mark.parametrize("k", [0, 1])
def test_demo_card_out_of_range_found(fraud_assessment, k):
    from aipm_widgets.core import demo

    item = demo.demo_card()["fraud"]["injected_quality_problems"]["out_of_range"][k]
    found = _find(fraud_assessment, "spec_out_of_range", item["column"]) + _find(
        fraud_assessment, "disguised_nulls", item["column"]
    )
    assert found, f"{item['column']} = {item['value']} not found"
    assert any(item["rows"] <= i.count <= item["rows"] + 2 and item["value"] in i.examples or
               str(item["value"]) in map(str, i.examples) for i in found)


def test_demo_card_duplicates_found(fraud_assessment):
    from aipm_widgets.core import demo

    item = demo.demo_card()["fraud"]["injected_quality_problems"]["duplicates"]
    (rows,) = _find(fraud_assessment, "duplicate_rows", None)
    (ids,) = _find(fraud_assessment, "duplicate_ids", item["key"])
    assert rows.count == ids.count == item["rows"]


def test_demo_card_unlabeled_rows_found(fraud_assessment):
    from aipm_widgets.core import demo

    card = demo.demo_card()["fraud"]
    (issue,) = _find(fraud_assessment, "missing_labels", "is_fraud")
    assert issue.count == card["unlabeled_rows"]
    assert issue.details["late_labels"] is True and "not arrived" in issue.message


def test_demo_other_findings(fraud_assessment):
    assert _find(fraud_assessment, "class_imbalance", "is_fraud")
    # transaction_id is the declared id column: it is not reported as "looks like an identifier" (issue 12).
    assert not _find(fraud_assessment, "id_like_column", "transaction_id")
    assert fraud_assessment.readiness in ("ready with warnings", "not ready")
    assert not _find(fraud_assessment, "leakage", "amount")  # a real signal is not called leakage


def test_json_shape(fraud_assessment):
    d = json.loads(json.dumps(fraud_assessment.to_json_dict()))
    assert d["rows"] == 120_150 and d["columns"] == 14
    for issue in d["issues"]:
        assert {"check", "column", "severity", "count", "share", "message"} <= set(issue)
        assert issue["severity"] in C.SEVERITIES
    ranks = [C.SEVERITIES.index(i["severity"]) for i in d["issues"]]
    assert ranks == sorted(ranks)


# ---- data spec ------------------------------------------------------------------------------------


def test_validate_lists_every_violation_kind():
    ref = pd.DataFrame({
        "id": ["a", "b", "c", "d"], "hour": [0, 5, 12, 23], "amount": [1.5, 2.5, 10.0, 3.0],
        "channel": ["pos", "online", "pos", "online"], "gone": [1, 2, 3, 4],
    })
    spec = infer_spec(ref, roles={"id": "id"})
    new = pd.DataFrame({
        "id": ["a", "a", "x", "y"], "hour": [1, 27, 3, 4], "amount": ["cheap", "x", "y", "z"],
        "channel": ["atm", "pos", None, None], "extra": [1, 2, 3, 4],
    })
    kinds = {(v.column, v.kind): v for v in validate(new, spec).violations}
    assert kinds[("hour", "out_of_range")].count == 1 and kinds[("hour", "out_of_range")].examples == [27]
    assert kinds[("channel", "unseen_category")].examples == ["atm"]
    assert kinds[("channel", "null_rate")].count == 2
    assert ("gone", "missing_column") in kinds and ("extra", "new_column") in kinds
    assert ("amount", "type_change") in kinds
    assert kinds[("id", "not_unique")].count == 1


def test_disguised_nulls_are_missing_not_out_of_range():
    spec = infer_spec(pd.DataFrame({"amount": [10.0, 20.0, 30.0] * 40}), null_margin=0.0)
    v = validate(pd.DataFrame({"amount": [10.0, -999.0, 20.0] * 40}), spec)
    assert [x.kind for x in v.violations] == ["null_rate"]


def test_spec_round_trips_through_dict_and_yaml():
    import yaml

    spec = infer_spec(pd.DataFrame({"x": [1.0, 2.5], "c": ["a", "b"], "t": pd.to_datetime(["2025-01-01", "2025-02-01"])}))
    again = DataSpec.from_dict(yaml.safe_load(yaml.safe_dump(spec.to_dict())))
    assert again.to_dict() == spec.to_dict()
    with pytest.raises(InputDataError, match="kind"):
        DataSpec.from_dict({"columns": {"x": {"kind": "weird"}}})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hst.lists(hst.tuples(hst.one_of(hst.floats(-1e6, 1e6), hst.just(float("nan"))), hst.sampled_from(["a", "b", "", "N/A", "c"]),
                         hst.integers(-5, 40)), min_size=1, max_size=60)
)
def test_data_validates_against_its_own_spec(rows):
    frame = pd.DataFrame(rows, columns=["x", "cat", "hour"])
    assert validate(frame, infer_spec(frame)).ok


# ---- checks ---------------------------------------------------------------------------------------


def test_checks_on_a_small_table():
    rng = np.random.default_rng(1)
    n = 400
    y = (rng.uniform(size=n) < 0.3).astype(int)
    df = pd.DataFrame({
        "const": 1, "nearly": np.where(np.arange(n) < 2, 5, 0), "leak": y * 10 + rng.integers(0, 2, n),
        "noise": rng.normal(size=n), "y": y,
    })
    df.loc[[1, 2], ["noise", "leak", "const", "nearly"]] = df.loc[0, ["noise", "leak", "const", "nearly"]].to_numpy()
    df.loc[[1, 2], "y"] = [0, 1]  # same features, different labels
    a = assess(df, label="y")
    found = {(i.check, i.column): i for i in a.issues}
    assert ("constant_column", "const") in found
    assert ("near_constant_column", "nearly") in found
    assert found[("leakage", "leak")].severity == "blocker"
    assert ("conflicting_duplicates", "y") in found
    assert a.readiness == "not ready"
    assert ("leakage", "noise") not in found


def test_class_imbalance_blocker_when_too_few_positives():
    (issue,) = C.class_balance(pd.Series([0] * 500 + [1] * 5), "y")
    assert issue.severity == "blocker" and issue.count == 5


def test_time_gaps_found():
    ts = pd.Series(pd.date_range("2025-01-01", "2025-03-31", freq="h"))
    ts = ts[(ts < "2025-02-10") | (ts >= "2025-02-15")]
    (issue,) = C.time_gaps(pd.DataFrame({"ts": ts}), "ts")
    assert issue.count == 5 and "2025-02-10" in issue.message


def test_guess_roles_and_errors():
    df = pd.DataFrame({"customer_id": ["a", "b"], "created_at": ["2025-01-01", "2025-01-02"], "churned": [0, 1]})
    assert guess_roles(df) == {"label": "churned", "id": "customer_id", "timestamp": "created_at"}
    with pytest.raises(InputDataError, match="not found"):
        assess(df, label="nope")


def test_waiver_and_record_round_trip(tmp_path):
    df = pd.DataFrame({"hour": list(range(24)) * 10 + [27], "y": [0, 1] * 120 + [1]})
    a = assess(df, label="y")
    key = next(i.key for i in a.issues if i.check == "spec_out_of_range")
    a.waivers[key] = "<b>known</b> test rows"
    path = tmp_path / "rec.yaml"
    save_to_record(path, a)
    rec = load_record(path)
    assert rec.data.waivers[0].key == key and rec.data.waivers[0].note == "<b>known</b> test rows"
    assert rec.data.spec["columns"]["hour"]["max"] == 23.0
    assert rec.data.issues and rec.data.status == "decided"
    assert validate(df, rec.data.spec).violations[0].kind == "out_of_range"


# ---- representativeness and sample size ----------------------------------------------------------------


def test_goodness_of_fit_matches_scipy():
    groups = ["a"] * 500 + ["b"] * 300 + ["c"] * 200
    pop = {"a": 0.4, "b": 0.35, "c": 0.25}
    rep = compare_shares(groups, pop)
    ref = st.chisquare([500, 300, 200], [400, 350, 250])
    assert rep.chi2 == pytest.approx(ref.statistic) and rep.p_value == pytest.approx(ref.pvalue)
    assert rep.most_under_represented(below=0.9) == ["c", "b"][:1] or rep.most_under_represented(below=0.9)[0] == "c"


def test_rows_needed_gives_the_target_width():
    n = rows_needed(width=0.1, metric=0.3)
    lo, hi = wilson_interval(0.3 * n, n)
    assert hi - lo == pytest.approx(0.1, abs=0.003)
    t = sample_size_table({"x": 10_000, "y": 100}, width=0.1, metric=0.3, rate=0.5)
    assert t["enough"].tolist() == [True, False] and t["rows needed"].iloc[0] == 2 * n - 1 or t["rows needed"].iloc[0] in (2 * n - 1, 2 * n)


def test_power_law_fit_recovers_the_curve():
    sizes = np.geomspace(100, 5000, 6)
    fit = fit_power_law(sizes, 0.95 - 0.8 * sizes**-0.4)
    assert fit.top == pytest.approx(0.95, abs=0.01) and fit.b == pytest.approx(0.4, abs=0.05)
    assert np.isinf(fit.labels_for(0.99))


def test_core_imports_without_widget_libraries():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('ipywidgets', 'plotly'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import aipm_widgets.core.assessment.report, aipm_widgets.core.assessment.label_noise, aipm_widgets.core.assessment.learning_curve\n"
        "import aipm_widgets.core.assessment.representativeness\n"
        "assert 'evidently' not in sys.modules and 'cleanlab' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_population_shares_from_a_reference_column():
    from aipm_widgets.core.assessment.representativeness import shares_from_reference

    shares = shares_from_reference(["a"] * 30 + ["b"] * 10)
    assert shares == {"a": 0.75, "b": 0.25}
    rep = compare_shares(["a"] * 50 + ["b"] * 50, shares)
    assert rep.most_under_represented() == ["a"] and rep.table.loc[rep.table.group == "b", "ratio"].item() == pytest.approx(2.0)
    rep = compare_shares(["a"] * 10, {"a": 0.5, "c": 0.5})
    assert rep.most_under_represented() == ["c"]  # a group absent from the data is the worst case


def test_leakage_auc_counts_ties_as_scikit_learn_does_and_text_nulls_match_the_plain_loop():
    """Stage 3 computes its single-feature AUC and its null-marker test without scikit-learn's import (issue 13):
    both must give what the plain definitions give, ties and odd values included."""
    from sklearn.metrics import roc_auc_score

    from aipm_widgets.core.assessment.checks import _tied_auc
    from aipm_widgets.core.assessment.spec import TEXT_NULL_MARKERS, _is_text_null

    rng = np.random.default_rng(7)
    for n, levels in ((50, 2), (1_000, 7), (20_000, 40)):
        y = rng.integers(0, 2, n)
        score = rng.integers(0, levels, n) / levels + 0.2 * y * rng.integers(0, 2, n)
        assert _tied_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    values = np.array(["a", " N/A ", "null", 1, 2.5, None, np.nan, "?", "x", "NaN", b"na", True, "MISSING "] * 20,
                      dtype=object)
    plain = np.fromiter((isinstance(v, str) and v.strip().lower() in TEXT_NULL_MARKERS for v in values), dtype=bool)
    assert (_is_text_null(values) == plain).all() and plain.sum() == 5 * 20
    assert not _is_text_null(np.arange(100).astype(object)).any()


def test_date_columns_are_found_from_their_first_values_even_behind_many_missing_ones():
    from aipm_widgets.core.assessment.report import parse_date_columns

    # A shipment log (not the demo): the pickup time is missing for the first 3,000 rows, then ISO text.
    n = 5000
    picked = [None] * 3000 + [f"2026-03-{1 + i % 28:02d} 0{i % 10}:15" for i in range(n - 3000)]
    codes = [f"PKG-{i:05d}" for i in range(n)]
    frame = pd.DataFrame({"picked_at": picked, "parcel": codes, "grams": np.arange(n, dtype=float)})
    out, parsed = parse_date_columns(frame)
    assert parsed == ["picked_at"]
    assert str(out["picked_at"].dtype).startswith("datetime64") and out["picked_at"].notna().sum() == 2000
    assert out["parcel"].dtype == object and frame["picked_at"].dtype == object  # the caller's frame is untouched
    mostly_text = frame.assign(picked_at=[None] * 3000 + ["soon"] * (n - 3000))
    assert parse_date_columns(mostly_text)[1] == []

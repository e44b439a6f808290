"""Tables read as numpy columns without pandas (core.io.columns), and the checks that take them without pandas
(labels, scores, groups, the rule baseline, the trade-off): the same answers and the same messages as through
pandas. On a team's own table (bike-share returns, in NOK, labels "late"/"on time"), and on the demo."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.io.columns import Columns, read_columns
from aipm_widgets.core.io.inputs import binary_labels, group_labels, scores
from aipm_widgets.core.metrics.baseline import Rule


@pytest.fixture
def returns(tmp_path):
    rng = np.random.default_rng(5)
    n = 2_500
    frame = pd.DataFrame({
        "rental_ref": [f"OSL-{i % 2_300:05d}" for i in range(n)],  # 200 refs twice: exports repeat rows
        "minutes_out": rng.gamma(2.0, 30.0, n).round(1),
        "dock_count": rng.integers(0, 40, n),
        "station_area": rng.choice(["Grünerløkka", "Majorstuen", "Bjørvika", "Tøyen"], n),
        "member": rng.random(n) < 0.6,
        "fee_nok": rng.choice([29.0, 49.0, 99.0], n),
        "was_late": (rng.random(n) < 0.18).astype(float),
        "p_late": rng.random(n).round(4),
        "returned_at": pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s"),
    })
    frame.loc[rng.choice(n, 30, replace=False), "minutes_out"] = np.nan
    path = tmp_path / "returns.parquet"
    frame.to_parquet(path, index=False, row_group_size=700)  # several row groups
    with_gaps = frame.astype({"station_area": object, "member": object})
    with_gaps.loc[[3, 9], "station_area"] = None
    with_gaps.loc[[4], "member"] = None
    with_gaps.loc[[5, 701], "returned_at"] = pd.NaT
    gaps = tmp_path / "returns_with_gaps.parquet"
    with_gaps.to_parquet(gaps, index=False)
    return frame, path, gaps


def test_read_columns_equals_pandas_on_a_teams_file(returns):
    frame, path, gaps = returns
    cols = list(frame.columns)
    table = read_columns(path, cols)
    assert len(table) == len(frame) and table.columns == cols
    for c in cols:
        np.testing.assert_array_equal(table[c], frame[c].to_numpy(), err_msg=c)
    assert table.station_area.dtype.kind == "U" and table.member.dtype == bool and table.dock_count.dtype == np.int64
    only = read_columns(path, ["fee_nok"], row_groups=[1, 2])
    np.testing.assert_array_equal(only.fee_nok, frame.fee_nok.to_numpy()[700:2_100])
    # missing text is None, a missing yes/no is NaN (as pandas would hold them)
    holed = read_columns(gaps, ["station_area", "member", "minutes_out"])
    read = pd.read_parquet(gaps)
    assert holed.station_area.dtype == object and holed.station_area[3] is None
    assert list(holed.station_area) == list(read.station_area)
    # times without a zone are datetime64 as pandas reads them, a missing one NaT (the array keeps its type)
    times = read_columns(gaps, ["returned_at"]).returned_at
    assert times.dtype == read.returned_at.to_numpy().dtype == np.dtype("datetime64[ns]")
    np.testing.assert_array_equal(times, read.returned_at.to_numpy())
    assert np.isnat(times).sum() == 2 and np.isnat(times[[5, 701]]).all()
    assert np.isnan(holed.member[4]) and holed.member[5] in (0.0, 1.0)
    np.testing.assert_array_equal(holed.minutes_out, read.minutes_out.to_numpy())
    with pytest.raises(InputDataError, match="no column 'fee_chf'"):
        read_columns(path, ["fee_chf"])


def test_read_columns_loads_no_pandas(returns):
    _, path, gaps = returns
    code = ("import sys\nfrom aipm_widgets.core.io.columns import read_columns\n"
            "t = read_columns(sys.argv[1], ['minutes_out', 'station_area', 'member', 'dock_count'])\n"
            "u = read_columns(sys.argv[2], ['station_area', 'member'])\n"
            "print(len(t), len(u), 'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path), str(gaps)], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ))
    assert out.returncode == 0, out.stderr[-800:]
    assert out.stdout.split() == ["2500", "2500", "False"]


def test_columns_behave_like_the_frame_they_replace(returns):
    frame, path, _ = returns
    table = read_columns(path, ["rental_ref", "p_late", "station_area"])
    unique = table.first_of_each("rental_ref")
    expected = frame.drop_duplicates("rental_ref")
    assert len(unique) == len(expected) == 2_300
    np.testing.assert_array_equal(unique.p_late, expected.p_late.to_numpy())
    assert list(table) == ["rental_ref", "p_late", "station_area"] and "p_late" in table and "fee_nok" not in table
    with pytest.raises(ValueError):
        table.p_late[0] = 1.0  # shared by the callers of a cached read: read-only
    with pytest.raises(AttributeError):
        table.fee_nok
    with pytest.raises(KeyError):
        table["fee_nok"]
    with pytest.raises(InputDataError, match="different lengths"):
        Columns({"a": np.zeros(3), "b": np.zeros(4)})


def _outcome(fn, *args, **kwargs):
    try:
        return ("ok", fn(*args, **kwargs).tolist())
    except InputDataError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("values, kwargs", [
    ([0.0, 1.0, 1.0, 0.0], {}),
    ([1, 0, 0, 0, 1], {}),
    ([True, False, True], {}),
    ([-1, 1, 1, -1], {}),
    ([0.0, np.nan, 1.0], {"allow_missing": True}),
    ([0.0, np.nan, 1.0], {}),  # a missing label: refused, with its row
    ([3, 5, 3, 7], {}),  # three classes
    (list(np.linspace(0, 9, 30)), {}),  # a quantity, not classes
    ([2, 5, 5, 2], {}),  # two numbers: which is the positive one?
    ([2, 5, 5, 2], {"positive": 5}),
    ([2, 5, 5, 2], {"positive": 9}),  # not there
    ([1, 1, 1], {}),  # one class
    ([0, 1], {"min_rows": 5}),
    ([], {}),
])
def test_labels_from_numbers_answer_as_through_pandas(values, kwargs):
    numbers = np.asarray(values)
    through_pandas = np.asarray(values, dtype=object)  # object columns still take the pandas path
    assert _outcome(binary_labels, numbers, name="was_late", **kwargs) == \
        _outcome(binary_labels, through_pandas, name="was_late", **kwargs)


def test_groups_and_scores_from_numpy_answer_as_through_pandas(returns):
    frame, _, _ = returns
    for col in ("station_area", "dock_count", "member"):
        fast = group_labels(frame[col].to_numpy(), name=col)
        assert fast.dtype == object and list(fast) == list(group_labels(frame[col].astype(object), name=col))
    assert list(group_labels(np.array(["a", None], dtype=object))) == ["a", "(missing)"]
    with pytest.raises(InputDataError, match="station_area"):
        group_labels(frame.station_area.to_numpy(), name="station_area", n=10)
    np.testing.assert_array_equal(scores(frame.p_late.to_numpy()), scores(frame.p_late))
    with pytest.raises(InputDataError, match="p_late"):
        scores(np.array(["0.2", "high"], dtype=object), name="p_late")


@pytest.mark.parametrize("rule", ["minutes_out > 75", "minutes_out <= 20", "dock_count >= 30", "fee_nok == 99",
                                  "member == 1", "station_area == 'Tøyen'", "station_area != Majorstuen"])
def test_a_rule_on_columns_alerts_as_on_the_frame(returns, rule):
    frame, path, _ = returns
    table = read_columns(path, list(frame.columns))
    parsed = Rule.parse(rule)
    np.testing.assert_array_equal(parsed.alerts(table), parsed.alerts(frame))
    a, b = parsed.as_score(table), parsed.as_score(frame)
    assert (a is None) == (b is None)
    if a is not None:
        np.testing.assert_array_equal(a, b)
    with pytest.raises(InputDataError, match="It has: rental_ref, minutes_out"):
        Rule.parse("fee_chf > 10").alerts(table)


def test_the_trade_off_from_columns_equals_the_one_from_the_frame(returns):
    from aipm_widgets.core.metrics.tradeoff import Tradeoff

    frame, path, _ = returns
    table = read_columns(path, list(frame.columns))

    def build(t):
        return Tradeoff(t["was_late"], t["p_late"], value=t["fee_nok"], groups=t["station_area"],
                        costs={"cost_fp": 15.0, "fn_cost_from_value": True, "currency": "NOK"},
                        constraints=["recall >= 0.5"], volume_per_day=900)

    ours, theirs = build(table), build(frame)
    t = ours.recommended_threshold()[0]
    assert t == theirs.recommended_threshold()[0]
    a, b = ours.at(t), theirs.at(t)
    assert a.confusion == b.confusion
    assert {k: m.value for k, m in a.metrics.items()} == {k: m.value for k, m in b.metrics.items()}
    assert ours.groups.names == theirs.groups.names == sorted(frame.station_area.unique())
    base_a, base_b = ours.baseline("minutes_out > 75", table), theirs.baseline("minutes_out > 75", frame)
    assert base_a.confusion == base_b.confusion and base_a.verdict() == base_b.verdict()
    assert a.to_json() == b.to_json()  # rates, intervals, costs in NOK, the constraint, the groups' table


def test_the_demos_validation_columns_are_its_deduplicated_rows():
    from aipm_widgets.core import demo

    names = ("is_fraud", "score", "amount", "age_band", "hour")
    table = demo.fraud_columns("validation", names)
    frame = demo.load_fraud("validation").drop_duplicates("transaction_id").reset_index(drop=True)
    assert len(table) == len(frame) and table.columns == list(names)
    for c in names:
        np.testing.assert_array_equal(table[c], frame[c].to_numpy(), err_msg=c)
    trained_on = demo.load_fraud("train").drop_duplicates("transaction_id")
    assert len(demo.fraud_columns("train", ("transaction_id",))) == len(trained_on)
    with pytest.raises(ValueError, match="split must be"):
        demo.fraud_columns("holdout", names)

"""Drift core against evidently 0.7.23 (the oracle): same methods chosen, same values, same decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.monitoring import drift as D
from aipm_widgets.core.errors import InputDataError

NUM = ["x", "y", "few"]
CAT = ["c", "b"]


def _frame(rng, n, shift=0.0, cats="abcd", p_b=0.3):
    return pd.DataFrame({
        "x": rng.normal(shift, 1, n),
        "y": rng.lognormal(shift, 1, n),
        "few": rng.integers(0, 4, n).astype(float),
        "c": rng.choice(list(cats), n),
        "b": np.where(rng.random(n) < p_b, "yes", "no"),
    })


def evidently_scores(ref, cur, **preset):
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    dd = DataDefinition(numerical_columns=NUM, categorical_columns=CAT)
    snap = Report([DataDriftPreset(**preset)]).run(
        Dataset.from_pandas(cur, data_definition=dd), Dataset.from_pandas(ref, data_definition=dd)
    )
    out = {}
    for m in snap.dict()["metrics"]:
        cfg = m["config"]
        if cfg.get("type", "").endswith("ValueDrift"):
            out[cfg["column"]] = (float(m["value"]), cfg["method"], cfg["threshold"])
    return out


METHOD_NAMES = {
    "ks": "K-S p_value", "chisquare": "chi-square p_value", "z": "Z-test p_value",
    "wasserstein": "Wasserstein distance (normed)", "jensenshannon": "Jensen-Shannon distance", "psi": "PSI",
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    small_ref = _frame(rng, 400)
    small_cur = _frame(rng, 300, shift=0.15, cats="abcde", p_b=0.4)
    big_ref = _frame(rng, 3000)
    big_cur = _frame(rng, 900, shift=0.1, cats="abcde", p_b=0.35)
    for f in (small_ref, small_cur, big_ref, big_cur):
        f.loc[f.index[:7], "x"] = np.nan  # missing values are dropped on both sides, as evidently does
    return small_ref, small_cur, big_ref, big_cur


def _ours(ref, cur, **kw):
    table = D.compute_drift(ref, cur, np.zeros(len(cur), int), 1, features=NUM + CAT, **kw)
    return {f: (float(table.score.loc[f].iloc[0]), table.method[f], float(table.threshold.loc[f].iloc[0]),
                bool(table.drift.loc[f].iloc[0])) for f in table.features}


@pytest.mark.parametrize("size", ["small", "big"])
def test_default_methods_and_values_match_evidently(data, size):
    ref, cur = (data[0], data[1]) if size == "small" else (data[2], data[3])
    theirs = evidently_scores(ref, cur)
    ours = _ours(ref, cur)
    for f in NUM + CAT:
        value, method, thr = theirs[f]
        assert METHOD_NAMES[ours[f][1]] == method, f
        # KS, chi-square, Z, Wasserstein and categorical JS are exact computations: equal to float precision.
        assert ours[f][0] == pytest.approx(value, rel=1e-9, abs=1e-12), (f, method)
        assert ours[f][2] == pytest.approx(thr)
    assert ours["x"][1] == ("ks" if size == "small" else "wasserstein")
    assert ours["b"][1] == ("z" if size == "small" else "jensenshannon")


@pytest.mark.parametrize("method", ["psi", "jensenshannon"])
def test_binned_methods_match_evidently(data, method):
    ref, cur = data[2], data[3]
    theirs = evidently_scores(ref, cur, method=method)
    ours = _ours(ref, cur, method=method)
    for f in NUM + CAT:
        assert theirs[f][1] in (method, METHOD_NAMES[method])  # evidently names a forced method by its key
        assert ours[f][1] == method
        # Same bins (Sturges over both samples for numbers, one per value otherwise): equal too.
        assert ours[f][0] == pytest.approx(theirs[f][0], rel=1e-9, abs=1e-12), f


def test_windows_equal_one_comparison_each(data):
    ref, cur = data[2], data[3]
    codes = np.arange(len(cur)) % 3
    table = D.compute_drift(ref, cur, codes, 3, features=NUM + CAT)
    for w in range(3):
        part = cur[codes == w]
        for f in NUM + CAT:
            assert table.score.loc[f].iloc[w] == pytest.approx(D.drift_score(table.method[f], ref[f], part[f]), rel=1e-9)


def test_wasserstein_equals_scipy():
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(1)
    a, b = np.round(rng.normal(size=500), 1), np.round(rng.normal(0.3, size=300), 1)  # with ties
    expected = wasserstein_distance(a, b) / np.std(a)
    assert D.wasserstein_normed(np.sort(a), np.sort(b)) == pytest.approx(expected, rel=1e-12)


def test_empty_window_unseen_category_all_nan_column():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("ab"), 2000), "empty": np.nan})
    cur = pd.DataFrame({"x": rng.normal(size=600), "c": rng.choice(list("abz"), 600), "empty": np.nan})
    codes = np.repeat([0, 2], 300)  # window 1 is empty
    table = D.compute_drift(ref, cur, codes, 3, features=["x", "c", "empty"])
    assert "empty" not in table.features and "empty" in table.skipped
    assert table.n.loc["x"].tolist() == [300, 0, 300]
    assert not table.drift.iloc[:, 1].any() and np.isnan(table.score.iloc[0, 1])
    assert np.isnan(table.drift_share.iloc[1])
    assert any("never seen in the reference" in n and "'z'" in n for n in table.notes)


def test_wrong_method_is_explained():
    ref = pd.DataFrame({"c": list("abab") * 10})
    with pytest.raises(InputDataError, match="works on numeric columns"):
        D.compute_drift(ref, ref, np.zeros(40, int), 1, features=["c"], method="ks")
    with pytest.raises(InputDataError, match="Unknown drift method"):
        D.compute_drift(ref, ref, np.zeros(40, int), 1, features=["c"], method="magic")


def test_band_threshold_learned_from_reference():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=20000)})
    cur = pd.DataFrame({"x": np.concatenate([rng.normal(size=1000), rng.normal(0.3, size=1000)])})
    table = D.compute_drift(ref, cur, np.repeat([0, 1], 1000), 2, features=["x"], threshold_mode="band")
    band = float(table.threshold.loc["x"].iloc[0])
    assert 0.01 < band < 0.1  # tighter than the fixed 0.1 for 1,000-row windows of a stable feature
    assert table.drift.loc["x"].tolist() == [False, True]
    assert table.expected_chance_alerts() == pytest.approx(2 * 0.0027)


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=60),
       st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=60))
def test_wasserstein_equals_scipy_property(a, b):
    from scipy.stats import wasserstein_distance

    a, b = np.asarray(a), np.asarray(b)
    expected = wasserstein_distance(a, b) / max(float(np.std(a)), 0.001)
    assert D.wasserstein_normed(np.sort(a), np.sort(b)) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=80))
def test_trigger_parser_never_crashes(text):
    from aipm_widgets.core.errors import AipmError
    from aipm_widgets.core.monitoring.triggers import parse_trigger

    try:
        t = parse_trigger(text)
    except AipmError:
        return
    assert t.op in {"<", "<=", ">", ">="} and t.consecutive >= 1


def test_jensen_shannon_is_scipys_without_importing_scipy_spatial():
    from scipy.spatial.distance import jensenshannon

    from aipm_widgets.core.monitoring.drift import jensenshannon_counts

    rng = np.random.default_rng(3)
    for k in (2, 5, 40):
        ref, cur = rng.integers(0, 500, k), rng.integers(0, 500, k)
        ref[0] = 0  # an empty cell on one side
        assert jensenshannon_counts(ref, cur) == pytest.approx(float(jensenshannon(ref / ref.sum(), cur / cur.sum())), abs=1e-12)

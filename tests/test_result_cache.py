"""Slow stage-3 results are cached by data and settings, and shown behind a button until they exist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.io import result_cache
from aipm_widgets.core.assessment.label_noise import cached_label_noise, find_label_noise


def _loans(seed: int, n: int = 150) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A made-up loan book (nothing from the demo): income, debt ratio, region; label = defaulted."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "income_k": rng.gamma(4, 12, n).round(1),
        "debt_ratio": rng.uniform(0, 1.2, n).round(3),
        "region": pd.Categorical(rng.choice(["north", "south", "coast"], n)),
    })
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(3 * X["debt_ratio"] - X["income_k"] / 30)))).astype(int).to_numpy()
    ids = np.array([f"L{seed}-{i:04d}" for i in range(n)])
    return X, y, ids


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AIPM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AIPM_CACHE", raising=False)
    return tmp_path / "cache"


def test_cached_computes_once_per_key_and_survives_a_bad_file(cache_dir):
    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    key = result_cache.data_key("demo_kind", pd.DataFrame({"a": [1, 2, 3]}), 0.5, "x")
    assert result_cache.cached("demo_kind", key, compute) == {"value": 1}
    assert result_cache.cached("demo_kind", key, compute) == {"value": 1}
    assert len(calls) == 1
    # Any change to the data (one value, a column's type) or to a setting is a new key.
    assert key != result_cache.data_key("demo_kind", pd.DataFrame({"a": [1, 2, 4]}), 0.5, "x")
    assert key != result_cache.data_key("demo_kind", pd.DataFrame({"a": [1.0, 2.0, 3.0]}), 0.5, "x")
    assert key != result_cache.data_key("demo_kind", pd.DataFrame({"a": [1, 2, 3]}), 0.6, "x")
    # A truncated file is recomputed and rewritten, never an error.
    (path,) = cache_dir.glob("results/demo_kind-*.pickle")
    path.write_bytes(b"\x80\x05trunc")
    assert result_cache.cached("demo_kind", key, compute) == {"value": 2}
    assert not list(cache_dir.glob("results/*.tmp"))


def test_cache_can_be_switched_off(cache_dir, monkeypatch):
    monkeypatch.setenv("AIPM_CACHE", "0")
    assert result_cache.cache_dir() is None
    calls = []
    result_cache.cached("k", "abc", lambda: calls.append(1) or 1)
    result_cache.cached("k", "abc", lambda: calls.append(1) or 1)
    assert len(calls) == 2 and not cache_dir.exists()


def test_label_noise_is_stored_and_equals_a_fresh_computation(cache_dir):
    X, y, ids = _loans(7)
    assert cached_label_noise(X, y, ids=ids, cv=3) is None
    first = find_label_noise(X, y, ids=ids, cv=3)
    stored = cached_label_noise(X, y, ids=ids, cv=3)
    assert stored is not None and list(stored.indices) == list(first.indices)
    fresh = find_label_noise(X, y, ids=ids, cv=3, cache=False)  # deterministic: the cache holds what a run gives
    assert list(fresh.indices) == list(first.indices)
    assert stored.suspicious.equals(fresh.suspicious)
    # Other data is not served the stored result.
    X2, y2, ids2 = _loans(8)
    assert cached_label_noise(X2, y2, ids=ids2, cv=3) is None


def test_label_noise_panel_waits_for_the_button_then_shows_stored_result(cache_dir):
    from aipm_widgets.widgets.assessment.on_demand import label_noise_panel

    X, y, ids = _loans(11)
    seen = []
    panel = label_noise_panel(X, y, ids=ids, cv=3, on_result=seen.append)
    assert panel.result is None and panel.button.layout.display != "none"
    assert panel.output.children == ()
    panel.button.click()
    assert panel.result is not None and seen == [panel.result]
    assert panel.progress.value == panel.progress.max
    html = panel.output.children[0].value
    assert f"L11-{panel.result.indices[0]:04d}" in html  # the flagged row's own id is listed
    # The next page load: shown at once, no button.
    again = label_noise_panel(X, y, ids=ids, cv=3)
    assert again.result is not None and again.button.layout.display == "none"
    assert list(again.result.indices) == list(panel.result.indices)


def test_panel_shows_bad_input_in_words(cache_dir):
    from aipm_widgets.widgets.assessment.on_demand import label_noise_panel

    X, y, ids = _loans(3, n=30)  # too few rows
    panel = label_noise_panel(X, y, ids=ids, cv=3)
    panel.button.click()
    assert panel.result is None
    assert panel.messages.errors and "Too few rows" in panel.messages.errors[0]
    assert not panel.button.disabled

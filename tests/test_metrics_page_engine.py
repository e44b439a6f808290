"""Stage 4's page for a team whose validation data an engine counts (Parquet, project engine duckdb or spark, or too
big for the page): the explorer over the engine's curve, the binning bound said on the page, a progress bar.

Generated data sharing nothing with the demo: a wind farm's turbine-failure model (``failure_risk``), a text label
("failed"/"ok", some not known yet), the downtime cost of a failure in NOK, sites as groups, in a folder of Parquet files.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix_at_thresholds

from aipm_widgets.core.project import load_project
from aipm_widgets.core.record import update_section
from aipm_widgets.core.monitoring.engines import threshold_curve as tc
from aipm_widgets.core.text import format as fmt
from aipm_widgets.widgets import pages
from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer

pytest.importorskip("duckdb")

LABEL, POSITIVE, SCORE, VALUE, GROUP = "outcome_30d", "failed", "failure_risk", "downtime_cost", "site"


def _turbines(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    risk = rng.beta(1.2, 12, n).round(5)
    outcome = np.where(rng.random(n) < risk, POSITIVE, "ok").astype(object)
    outcome[::23] = None  # not known yet
    cost = rng.gamma(3.0, 40_000, n).round(0)
    cost[::97] = -1_500.0  # an insurer's refund booked as a negative cost
    return pd.DataFrame({"turbine": rng.integers(0, 900, n), SCORE: risk, LABEL: outcome, VALUE: cost,
                         GROUP: rng.choice(["Smola", "Hitra", "Fosen"], n),
                         "read_at": pd.date_range("2025-02-01", periods=n, freq="7min")})


@pytest.fixture(scope="module")
def turbines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("windfarm")
    frame = _turbines(9_000, 11)
    (folder / "validation").mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_parquet(folder / "validation" / f"part-{i}.parquet")
    frame.to_parquet(folder / "validation.parquet")
    return folder, frame


def _project(folder, *, engine, source="validation", name="rec", **extra):
    rec = folder / f"{name}_{engine}.yaml"
    rec.unlink(missing_ok=True)
    update_section(rec, "project", {
        "name": "Turbine failures, Trondelag", "example": None, "engine": engine, "currency": "NOK", "task": "binary",
        "volume_per_day": 2_400, "sources": {"validation": source},
        "columns": {"label": LABEL, "positive": POSITIVE, "score": SCORE, "value": VALUE, "groups": [GROUP]},
        **extra}, what="test project")
    return load_project(rec)


def _text(widget) -> str:
    out = []

    def walk(w):
        if hasattr(w, "value") and isinstance(w.value, str):
            out.append(w.value)
        for child in getattr(w, "children", ()):
            walk(child)
    walk(widget)
    return html.unescape("\n".join(out))


def _sklearn_at(frame: pd.DataFrame, t: float) -> dict:
    lab = frame.dropna(subset=[LABEL])
    y = (lab[LABEL] == POSITIVE).to_numpy()
    alert = lab[SCORE].to_numpy() >= t
    return {"tp": int((alert & y).sum()), "fp": int((alert & ~y).sum()), "tn": int((~alert & ~y).sum()),
            "fn": int((~alert & y).sum())}


def test_project_engine_duckdb_builds_the_explorer_from_the_engines_exact_curve(turbines):
    folder, frame = turbines
    box = pages.metrics_page(_project(folder, engine="duckdb"))
    assert isinstance(box.explorer, ThresholdExplorer) and box.engine == "duckdb"
    assert box.curve.exact and box.curve.n == frame[LABEL].notna().sum()
    t = box.result.threshold
    assert box.result.confusion == _sklearn_at(frame, t)
    # The starting threshold alerts as many rows as there are failures, as the in-memory page does.
    lab = frame.dropna(subset=[LABEL])
    assert t == pages.default_threshold((lab[LABEL] == POSITIVE).astype(int), lab[SCORE])
    text = _text(box)
    assert "The project's engine is duckdb" in text and "validation, 3 files" in text
    assert f"the table by {GROUP!r}" in text and "rule baseline" in text and "need the rows in memory" in text
    assert f"Exact curve: DuckDB counted {fmt.count(box.curve.n)} labeled, scored rows" in text
    refunds = int(((frame[VALUE] < 0) & frame[LABEL].notna()).sum())
    assert any(n.startswith(f"{fmt.count(refunds)} rows have a negative {VALUE!r}") for n in box.explorer.tradeoff.notes)
    assert "NOK" in box.explorer.cards.value + box.explorer.headline.value
    box.explorer.save("Ingrid")  # the decision goes to the record as from the in-memory page
    from aipm_widgets.core.record import load_record

    saved = load_record(folder / "rec_duckdb.yaml").metrics
    assert saved.threshold == t and saved.confusion.tp == box.result.confusion["tp"]
    assert saved.data_source.endswith("(counted exactly by DuckDB)")  # the record says how it was counted


def test_too_big_for_the_page_counts_with_duckdb_and_states_the_bound(turbines, monkeypatch):
    folder, frame = turbines
    monkeypatch.setenv("AIPM_PAGE_MAX_MB", "0.05")
    monkeypatch.setattr(tc, "MAX_ROWS", 2_000)
    monkeypatch.setattr(tc, "BINS", 512)
    box = pages.metrics_page(_project(folder, engine=None, source="validation.parquet"))
    assert box.engine == "duckdb" and not box.curve.exact
    text = _text(box)
    size = pages._parquet_memory_bytes([str(folder / "validation.parquet")])
    assert f"about {fmt.data_size(size)} in memory" in text and "over this page's limit of 51 kB" in text
    assert box.curve.describe() in text and "recall is within" in text
    assert "The slider offers only thresholds between two bins" in text
    # Every threshold the slider offers gives exactly the counts of the rows.
    ex = box.explorer
    for t in ex.grid[:-1][:: max(1, len(ex.grid) // 25)]:
        assert box.curve.exact_at(t)
        ex.set_threshold(float(t))
        assert ex.result.confusion == _sklearn_at(frame, float(t))


def test_small_parquet_without_an_engine_is_read_in_memory_as_before(turbines):
    folder, _ = turbines
    project = _project(folder, engine=None, source="validation.parquet")
    assert pages._curve_engine_route(project) is None
    box = pages.metrics_page(project)
    assert getattr(box, "curve", None) is None and isinstance(box.explorer, ThresholdExplorer)
    assert box.explorer.tradeoff.groups is not None  # the rows are there: the group table too


def test_in_a_kernel_the_curve_is_counted_in_a_thread_behind_a_progress_bar(turbines):
    folder, frame = turbines
    project = _project(folder, engine="duckdb")
    files = pages._curve_engine_route(project)[2]
    box = pages._engine_metrics_page(project, "duckdb", "why", files, background=True)
    bar = box.children[1].children[0]
    box.wait(120)
    assert bar.value == 1.0 and box.explorer is not None and box.children[-1] is box.explorer
    assert box.result.confusion == _sklearn_at(frame, box.result.threshold)


def test_a_label_the_engine_cannot_read_is_said_on_the_page(turbines):
    folder, _ = turbines
    project = _project(folder, engine="duckdb", columns={"label": LABEL, "score": SCORE})  # no positive value
    box = pages.metrics_page(project)
    assert box.explorer is None and "give its positive value" in _text(box)


def test_a_forecast_project_keeps_its_own_explorer(turbines):
    folder, frame = turbines
    project = _project(folder, engine="duckdb", name="forecast", task="regression")
    assert pages._curve_engine_route(project) is None


def test_spark_project_engine(turbines, request):
    request.getfixturevalue("spark")
    folder, frame = turbines
    box = pages.metrics_page(_project(folder, engine="spark"))
    assert box.engine == "spark" and box.curve.exact
    assert box.result.confusion == _sklearn_at(frame, box.result.threshold)
    assert "The project's engine is spark" in _text(box)


from test_monitoring_engines import spark  # noqa: E402,F401  (one SparkSession per test run)

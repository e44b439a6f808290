"""Stage 5 for a router: the RoutingMonitor widget on generated data (not the demo) and from a project."""

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.monitoring.routing_monitor import RoutingMonitor


def _frames(seed=7, n=2400):
    rng = np.random.default_rng(seed)
    classes = np.array(["oak", "pine", "birch"])
    y = rng.choice(3, n, p=[0.5, 0.35, 0.15])
    logits = rng.normal(size=(n, 3))
    logits[np.arange(n), y] += 2.0
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    df = pd.DataFrame({"girth": rng.normal(size=n), "soil": rng.choice(["clay", "sand"], n), "species": classes[y],
                       "logged": pd.date_range("2023-03-01", periods=n, freq="3h")})
    for i, c in enumerate(classes):
        df[f"prob_{c}"] = p[:, i]
    return df.iloc[: n // 2].reset_index(drop=True), df.iloc[n // 2 :].reset_index(drop=True)


def test_monitor_shows_the_runs_words_and_saves_a_multiclass_decision(tmp_path):
    ref, cur = _frames()
    cur = cur.drop(columns="species")  # production without labels: estimated accuracy only
    rec = tmp_path / "rec.yaml"
    w = RoutingMonitor(ref, cur, label="species", proba_prefix="prob_", features=["girth", "soil"], timestamp="logged",
                       record_path=rec)
    assert w.result is not None
    assert w.result.summary() in w.summary.value.replace("&#x27;", "'")
    est = w.result.performance["estimated_accuracy"].dropna()
    assert len(est) >= 2 and ((est > 0.5) & (est < 1)).all()
    # the chart plots the same estimates the summary speaks of
    plotted = [v for v in w.figure.data[2].y if v is not None]
    assert np.allclose(plotted, est.values)
    w.save_decision()
    assert load_record(rec).monitoring.task == "multiclass"


def test_missing_probabilities_are_named_not_a_traceback(tmp_path):
    class Cols:
        label, prediction, proba_columns, proba_prefix, timestamp, id, features = "species", None, {}, None, "logged", None, []

    class Project:
        columns = Cols()
        record_path = tmp_path / "rec.yaml"

        def require(self, *roles):
            return None

    box = RoutingMonitor.from_project(Project())
    area = box.children[0]
    assert box.result is None
    assert "columns.proba_prefix" in area.value and "Traceback" not in area.value


@pytest.mark.parametrize("bad", ["estimated accuracy <", "nonsense trigger"])
def test_a_bad_trigger_is_refused_in_words(tmp_path, bad):
    ref, cur = _frames(n=1200)
    rec = tmp_path / "rec.yaml"
    w = RoutingMonitor(ref, cur, label="species", proba_prefix="prob_", timestamp="logged", record_path=rec)
    w.triggers_box.value = bad
    w.save_decision()
    assert not rec.exists()

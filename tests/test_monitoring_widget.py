"""DriftMonitor without a browser: set controls as the browser would, check .result, figures, alerts and the record."""

from __future__ import annotations

import pytest

from aipm_widgets.core import demo
from aipm_widgets.core.record import load_record, update_section


@pytest.fixture(scope="module")
def frames():
    df = demo.load_fraud()
    return df[df.split == "validation"], df[df.split == "production"]


def test_monitor_reads_stage4_and_draws(frames, tmp_path):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    rec = tmp_path / "rec.yaml"
    update_section(rec, "metrics", {"threshold": 0.08, "volume_per_day": 330, "costs": {
        "cost_fp": 5, "fn_cost_from_value": True, "value_column": "amount"}}, what="stage 4")
    m = DriftMonitor(*frames, features=demo.FRAUD_FEATURES, window="month", label="is_fraud", score="score",
                     id_column="transaction_id", record_path=rec, reference_description="validation 2025-04..05")
    assert m.result.threshold == 0.08 and m.result.reference_cost_per_1000 is not None
    assert "2025-09" in m.summary.value and "concept drift" in m.summary.value and "a month at 330" in m.summary.value
    heat = m.heatmap.data[0]
    assert list(heat.y) == m.result.drift.features and list(heat.x)[0] == "2025-06"
    assert m.feature.value in {"amount", "channel", "merchant_category"} and m.window_pick.value == "2025-09"
    assert len(m.distribution.data) == 2 and len(m.timeline.data) == 2
    assert any(t.name == "realized" for t in m.performance.data) and any(t.name == "estimated" for t in m.performance.data)
    assert "aipm-alerts" in m.alerts.value and "concept drift" in m.alerts.value
    m.feature.value = "country"
    assert m.timeline.layout.title.text.startswith("country")
    m.mode.value = "band"
    assert m.result.drift.threshold_mode == "band" and "Band thresholds" in " ".join(m.result.notes)
    assert m.result.first_drift()["amount"] == "2025-09"
    m.mode.value = "fixed"
    m.window_size.value = "week"
    assert len(m.result.windows) > 25 and m.window_pick.value.startswith("2025-0")
    m.triggers_box.value = "realized roc_auc < 0.85 for 2 consecutive windows\n>= 30 % of features drifted"
    m.save_decision()
    mon = load_record(rec).monitoring
    assert mon.status == "decided" and [t.measure for t in mon.triggers] == ["realized.roc_auc", "drift_share"]
    assert mon.last_run.concept_drift_from is not None and mon.alerts


def test_bad_trigger_shows_message_not_traceback(frames, tmp_path):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    ref, cur = frames
    m = DriftMonitor(ref.head(3000), cur.head(3000), features=["amount", "channel"], window="week",
                     record_path=tmp_path / "r.yaml")
    m.triggers_box.value = "<script>alert(1)</script>"
    assert m.save_decision() is None
    assert m.messages.errors and "Could not read the trigger" in m.messages.errors[0]
    assert "<script>" not in m.messages.value
    assert not (tmp_path / "r.yaml").exists()


def test_core_imports_without_widget_libraries():
    import subprocess
    import sys

    code = ("import sys; sys.modules['ipywidgets'] = None; sys.modules['plotly'] = None\n"
            "import aipm_widgets.core.monitoring.run, aipm_widgets.core.monitoring.drift, aipm_widgets.core.monitoring.triggers")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_save_evidently_report_to_file(frames, tmp_path):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    ref, cur = frames
    m = DriftMonitor(ref.head(2000), cur.head(4000), features=["amount", "channel"], window="week",
                     record_path=tmp_path / "r.yaml")
    m.window_pick.value = m.window_pick.options[1]
    path = m.save_report()
    assert path.exists() and path.stat().st_size > 100_000 and path.parent == tmp_path / "monitoring_reports"
    assert m.messages.messages[-1][0] == "success" and "Saved evidently's drift report" in m.messages.messages[-1][1]


def _grid_frames():
    # A power-grid outage model (not the demo): hourly load in kWh, region, outage label, risk score.
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)

    def frame(n, start, shift):
        kwh = rng.gamma(4, 50, n) + shift
        risk = 1 / (1 + np.exp(-(kwh - 260) / 40))
        return pd.DataFrame({"ts": pd.date_range(start, periods=n, freq="h"), "kwh": kwh,
                             "region": rng.choice(["north", "south", "coast"], n),
                             "risk": risk, "outage": (rng.random(n) < risk).astype(int)})

    return frame(2000, "2026-01-01", 0.0), frame(3000, "2026-04-01", 30.0)


def test_the_monitor_shows_first_the_metric_asked_for_and_refuses_an_unknown_one(tmp_path):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    ref, cur = _grid_frames()
    kw = dict(features=["kwh", "region"], timestamp="ts", window="week", label="outage", score="risk", threshold=0.5,
              record_path=tmp_path / "grid.yaml")
    m = DriftMonitor(ref, cur, metric="precision", **kw)
    assert m.metric.value == "precision" and "asked for" in m.metric_note.value
    assert m.result.settings["metric"] == "precision"  # the result (its words and charts) follows the metric asked for
    assert DriftMonitor(ref, cur, **kw).metric.value == "roc_auc"  # nothing decided in stage 4: threshold-free
    with pytest.raises(ValueError, match="metric must be one of roc_auc, recall, precision, f1, not 'precison'"):
        DriftMonitor(ref, cur, metric="precison", **kw)

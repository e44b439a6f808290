"""Stage 5: every number in the words equals the result's value after display rounding (issue 12).

Built on the demo (fraud, EUR, stage 4 decided on cost) and on a generated data set sharing nothing with it
(pump failures, JPY, stage 4 decided on precision). Plus the regression tests for the stage 5 defects:
heatmap cells that showed raw scores under a "1 or more = drift" colour bar, and a performance chart that
opened on ROC AUC instead of the metric decided in stage 4.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.demo import FRAUD_VOLUME_PER_DAY
from aipm_widgets.core.text import format as fmt
from aipm_widgets.core.monitoring.run import METRIC_NAMES, decided_metric, metric_text
from aipm_widgets.core.record import load_record, update_section

NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?")


def pumps(seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A generated pump-failure log: reference weeks, then production weeks whose last half drifts."""
    rng = np.random.default_rng(seed)

    def block(start, n, shift):
        temp = rng.normal(60 + shift * 8, 5, n)
        zone = rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2] if not shift else [0.2, 0.3, 0.5])
        p = 1 / (1 + np.exp(-(temp - 70) / 4))
        failed = (rng.random(n) < p).astype(int)
        ts = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 28 * 24 * 3600, n), unit="s")
        return pd.DataFrame({"logged_at": ts, "temp": temp.round(2), "zone": zone, "failed": failed,
                             "p_fail": np.clip(p + rng.normal(0, 0.03, n), 0, 1).round(4),
                             "repair_cost": rng.gamma(2, 20_000, n).round(0)})

    reference = block("2024-01-01", 2500, 0)
    production = pd.concat([block("2024-03-01", 1500, 0), block("2024-03-29", 1500, 1)], ignore_index=True)
    return reference, production


CASES = {
    "demo": dict(currency="EUR", chosen="cost", volume=FRAUD_VOLUME_PER_DAY, threshold=0.0694),
    "pumps": dict(currency="JPY", chosen="precision", volume=800, threshold=0.55),
}


@pytest.fixture(scope="module", params=list(CASES))
def monitor(request, tmp_path_factory):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    c = CASES[request.param]
    rec = tmp_path_factory.mktemp(request.param) / "rec.yaml"
    if request.param == "demo":
        from aipm_widgets.core import demo

        df = demo.load_fraud()
        ref, cur = df[df.split == "validation"], df[df.split == "production"]
        kw = dict(features=["amount", "channel"], timestamp="timestamp", label="is_fraud", score="score",
                  id_column="transaction_id")
        costs = {"cost_fp": 5, "fn_cost_from_value": True, "value_column": "amount", "currency": "EUR"}
    else:
        ref, cur = pumps()
        kw = dict(features=["temp", "zone"], timestamp="logged_at", label="failed", score="p_fail")
        costs = {"cost_fp": 3_000, "cost_fn": 250_000, "currency": "JPY"}
    update_section(rec, "metrics", {"threshold": c["threshold"], "chosen_metric": c["chosen"], "volume_per_day": c["volume"],
                                    "costs": costs}, what="stage 4")
    m = DriftMonitor(ref, cur, window="month" if request.param == "demo" else "week", record_path=rec, **kw)
    assert m.result is not None and not m.messages.errors, m.messages.messages
    return request.param, m, rec


def test_heatmap_cells_show_the_score_relative_to_its_threshold(monitor):
    """Regression: cells showed raw scores (0.271, 0.107) under a '1 or more = drift' colour bar."""
    from aipm_widgets.widgets.monitoring.drift_monitor import P_VALUE_METHODS

    _, m, _ = monitor
    t = m.result.drift
    heat = m.heatmap.data[0]
    titles = [re.sub(r"<[^>]+>", "", c.value) for c in m.children if isinstance(getattr(c, "value", None), str)]
    assert any("divided by its threshold" in v for v in titles)  # the title says what a cell is
    checked = 0
    for i, f in enumerate(t.features):
        for j, w in enumerate(t.windows):
            score, thr = float(t.score.loc[f, w]), float(t.threshold.loc[f, w])
            if not (np.isfinite(score) and np.isfinite(thr)):
                continue
            ratio = np.log(score) / np.log(thr) if t.method[f] in P_VALUE_METHODS else score / thr
            shown = heat.text[i][j]
            assert shown == ("3+" if ratio >= 3 else fmt.number(ratio, 2))
            if abs(ratio - 1) > 1e-9:
                assert (ratio >= 1) == bool(t.drift.loc[f, w]), (f, w, ratio)
            checked += 1
    assert checked >= 4
    # the colour bar reads the same numbers as the cells (its top is the cells' "3+")
    assert heat.zmax == 3 and list(heat.colorbar.ticktext)[-1] == "3+"
    assert any(bool(v) for v in t.drift.values.ravel())  # both data sets really drift somewhere


def test_performance_opens_on_the_metric_decided_in_stage_4(monitor):
    """Regression: the performance chart defaulted to ROC AUC instead of stage 4's decided metric."""
    name, m, _ = monitor
    expected = decided_metric(CASES[name]["chosen"])[0]
    assert m.metric.value == expected != "roc_auc"
    assert m.performance.layout.yaxis.title.text == METRIC_NAMES[expected]
    assert METRIC_NAMES[expected] in m.metric_note.value
    assert m.result.settings["metric"] == expected


def allowed_numbers(m) -> set[str]:
    res = m.result
    metric = res.settings["metric"]
    out = {fmt.threshold(res.threshold), "1,000", "0"}
    out |= {str(len(res.drift.features)), str(len(res.labels)), str(int(res.drift.drift.values.sum())),
            str(int((res.drift.n > 0).values.sum()))}
    perf = res.performance
    for col in perf.columns:
        for v in perf[col]:
            if fmt.as_number(v) is not None:
                out |= {metric_text(metric, v), fmt.percent(v, 0), fmt.count(v)}
    out.add(metric_text(metric, res.reference_metrics.get(metric)))
    cur = (res.settings.get("costs") or {}).get("currency")
    vol = res.settings.get("volume_per_day")
    if res.reference_cost_per_1000 is not None and "cost_estimated" in res.cost:
        ref = res.reference_cost_per_1000
        last = float(res.cost["cost_estimated"].dropna().iloc[-1])
        out |= {fmt.money(ref, cur).split()[-1], fmt.money(last, cur).split()[-1], fmt.percent((last - ref) / abs(ref), 0)}
        out.add("+" + fmt.percent((last - ref) / abs(ref), 0))
        if "cost_realized" in res.cost and pd.notna(res.cost["cost_realized"].get(res.cost["cost_estimated"].dropna().index[-1])):
            out.add(fmt.money(float(res.cost["cost_realized"][res.cost["cost_estimated"].dropna().index[-1]]), cur).split()[-1])
        if vol:
            out |= {fmt.money((last - ref) * vol * 365.25 / 12 / 1000, cur).split()[-1], fmt.count(vol)}
    out.add(fmt.percent(res.expected_chance_alerts() / max(1, int((res.drift.n > 0).values.sum())), 1))
    return out


def test_every_number_in_the_summary_comes_from_the_result(monitor):
    name, m, _ = monitor
    res = m.result
    text = res.summary()
    for lab in sorted(res.labels, key=len, reverse=True):
        text = text.replace(lab, " ")
    text = re.sub(r"'[^']*'", " ", text)  # trigger texts are the team's words
    text = re.sub(r"fewer than \d+|about [\d.]+", " ", text)  # the chance wording is a rounded count (chance_words)
    allowed = allowed_numbers(m)
    stray = [n for n in NUMBER.findall(text) if n not in allowed and n.lstrip("+") not in allowed]
    assert not stray, (name, stray, text)
    metric = res.settings["metric"]
    assert METRIC_NAMES[metric].lower() in text.lower()
    cur = CASES[name]["currency"]
    assert cur in res.summary() and ("EUR" in res.summary()) == (cur == "EUR")


def test_saved_monitoring_record_matches_the_result(monitor):
    name, m, rec = monitor
    m.save_decision()
    saved = load_record(rec).monitoring
    assert saved.summary == m.result.summary()[:1000]
    assert saved.last_run.expected_chance_alerts == round(m.result.expected_chance_alerts(), 2)
    assert fmt.threshold(CASES[name]["threshold"]) in " ".join(m.record_notes + m.result.notes)


def test_how_to_read_comes_before_the_evidence(monitor):
    """Read-aloud order: the answer in words, how to read it, then the charts."""
    _, m, _ = monitor
    kids = list(m.children)
    assert kids.index(m.summary) < kids.index(m.how_to_read) < kids.index(m.heatmap)

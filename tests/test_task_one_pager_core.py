"""The one-pager of a routing (multiclass) and a forecast (regression) model: numbers against scikit-learn and
scipy, the record round trip, provisional versus stage 4's decision, words, escaping and bad inputs.

On the tickets and delivery demos and on the generated claims-triage and energy-demand products (tests/own_tasks.py).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from own_tasks import CLAIM_LINES, DEMO_WORDS, generate_claims, generate_demand
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, mean_absolute_error, recall_score

from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.expectations.forecast_one_pager import ForecastOnePager
from aipm_widgets.core.expectations.routing_one_pager import STARTING_ACCURACY, RoutingOnePager, starting_threshold
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.core.tasks.forecast import TEXT_TARGET, Forecast
from aipm_widgets.core.tasks.routing import Routing
from aipm_widgets.core.text import format as fmt


def _claims_routing(frame=None):
    frame = generate_claims() if frame is None else frame
    return frame, Routing.from_frame(frame, label="line", prediction="routed_to", proba_prefix="score_", unit="claims")


def _tickets_routing():
    from aipm_widgets.core.demo.tickets import load_tickets

    frame = load_tickets("validation")
    return frame, Routing.from_frame(frame, label="queue", prediction="predicted_queue", proba_prefix="proba_")


def _wilson_scipy(k, n):
    ci = binomtest(int(k), int(n)).proportion_ci(method="wilson")
    return ci.low, ci.high


# ----------------------------------------------------------------------------------------------- multiclass
@pytest.mark.parametrize("which", ["claims", "tickets"])
@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.93])
def test_routing_numbers_equal_sklearn_and_scipy(which, threshold):
    frame, routing = _claims_routing() if which == "claims" else _tickets_routing()
    label, pred = ("line", "routed_to") if which == "claims" else ("queue", "predicted_queue")
    pager = RoutingOnePager.from_routing(routing, threshold, noun="team")
    auto = routing.confidence >= threshold
    m = pager.measures
    assert m["automation_rate"].value == pytest.approx(auto.mean())
    assert m["accuracy_automated"].value == pytest.approx(accuracy_score(frame[label][auto], frame[pred][auto]))
    lo, hi = _wilson_scipy(auto.sum(), len(frame))
    assert (m["automation_rate"].low, m["automation_rate"].high) == pytest.approx((lo, hi))
    recalls = recall_score(frame[label][auto], frame[pred][auto], labels=routing.classes, average=None, zero_division=np.nan)
    for row, expected in zip(pager.per_class(), recalls):
        if np.isnan(expected):
            assert row["automated"] == 0
        else:
            assert row["recall"] == pytest.approx(expected)
    assert sum(pager.per_100[k] for k in ("right", "misrouted", "to_person")) == 100
    assert not pager.provisional


def test_routing_headline_numbers_come_from_the_result():
    _, routing = _claims_routing()
    pager = RoutingOnePager.from_routing(routing, 0.6, row_noun="claims", noun="claims team")
    f, acc = pager.per_100, pager.measures["accuracy_automated"]
    head = pager.headline()
    got = re.match(r"Out of every 100 claims, (\d+) are routed automatically \(between (\d+) and (\d+) in 100\); of "
                   r"those, about (\d+) go to the right claims team and (\d+) to a wrong one \(([\d.]+)% right, 95% "
                   r"interval ([\d.]+)% to ([\d.]+)%\)\. The other (\d+) go to a person\.", head)
    assert got, head
    a = pager.measures["automation_rate"]
    half_up = lambda x: int(np.floor(x * 100 + 0.5))  # noqa: E731
    assert [int(x) for x in got.group(1, 2, 3, 4, 5, 9)] == [f["routed"], half_up(a.low), half_up(a.high),
                                                                f["right"], f["misrouted"], f["to_person"]]
    assert [float(x) for x in got.group(6, 7, 8)] == [round(acc.value * 100, 1), round(acc.low * 100, 1),
                                                      round(acc.high * 100, 1)]
    text = pager.to_html_fragment() + pager.to_markdown() + str(pager)
    assert not [w for w in DEMO_WORDS if w in text]


def test_provisional_before_stage_4_then_from_the_record(tmp_path):
    frame, routing = _claims_routing()
    path = tmp_path / "rec.yaml"
    pager = RoutingOnePager.from_record(path, routing, data_source="the claims validation file", row_noun="claims")
    t, why = starting_threshold(routing)
    assert pager.provisional and pager.threshold == t and "starting point" in why
    assert "Provisional" in pager.to_html_fragment() and "claims validation file" in pager.source
    # the starting point: the lowest cut whose automated claims are at least 95% right
    cur = routing.curve()
    assert cur.loc[cur["threshold"] == t, "accuracy_automated"].iloc[0] >= STARTING_ACCURACY
    assert (cur.loc[cur["threshold"] < t, "accuracy_automated"] < STARTING_ACCURACY).all()

    # stage 4 saves a decision with a constraint on a class: the one-pager quotes it, not provisional
    r4 = Routing(None, None, constraints=["recall[travel]>=0.8"], unit="claims", _inputs=routing.inputs)
    point = r4.at(0.7)
    update_section(path, "metrics", r4.record_values(point, data_source="claims validation"), what="stage 4")
    saved = RoutingOnePager.from_record(path, row_noun="claims")
    assert not saved.provisional and saved.threshold == 0.7
    assert "from stage 4" in saved.source and "claims validation" in saved.source
    np.testing.assert_array_equal(saved.matrix, point.matrix)
    assert saved.measures["accuracy_automated"].value == pytest.approx(point.metrics["accuracy_automated"].value)
    assert saved.measures["accuracy_automated"].high == pytest.approx(point.metrics["accuracy_automated"].high)
    assert "recall[travel]" in saved.measures  # the class the team named in a constraint
    assert "Provisional" not in saved.to_html_fragment()


def test_record_round_trip_keeps_the_task_and_the_team_text(tmp_path):
    _, routing = _claims_routing()
    path = tmp_path / "rec.yaml"
    pager = RoutingOnePager.from_routing(routing, 0.6, row_noun="claims").with_text(
        title="Claims triage <b>v2</b>", does="Routes claims\nFlags fraud-looking claims")
    update_section(path, "expectations", {"one_pager": pager.to_record(), "status": "decided"}, what="test")
    op = load_record(path).expectations.one_pager
    assert op.task == "multiclass" and op.threshold == 0.6 and op.provisional is False
    assert op.error_rates["accuracy_automated"]["k"] == pager.n_right
    assert op.per_class["motor"]["rows"] == int((routing.inputs.y == CLAIM_LINES.index("motor")).sum())
    again = RoutingOnePager.from_record(path, routing)
    assert again.title == "Claims triage <b>v2</b>" and again.does == ["Routes claims", "Flags fraud-looking claims"]
    assert "&lt;b&gt;" in again.to_html_fragment() and "<b>v2" not in again.to_html_fragment()
    assert "\\<" not in again.to_markdown() and "&lt;b&gt;" in again.to_markdown()


def test_routing_bad_inputs_say_what_to_fix():
    with pytest.raises(InputDataError, match="whole numbers"):
        RoutingOnePager.from_counts(threshold=0.5, classes=["a", "b"], matrix=[[1.5, 0], [0, 1]], support=[3, 3])
    with pytest.raises(InputDataError, match="different data"):
        RoutingOnePager.from_counts(threshold=0.5, classes=["a", "b"], matrix=[[5, 0], [0, 1]], support=[3, 3])
    with pytest.raises(InputDataError, match="2 x 2"):
        RoutingOnePager.from_counts(threshold=0.5, classes=["a", "b"], matrix=[[1, 0, 0]], support=[3, 3])
    with pytest.raises(InputDataError, match="no data to measure on"):
        RoutingOnePager.from_record(None)


def test_nothing_automated_is_said_in_words():
    pager = RoutingOnePager.from_counts(threshold=0.99, classes=["motor", "home"], matrix=[[0, 0], [0, 0]],
                                        support=[40, 10], row_noun="claims")
    assert pager.headline() == "At this confidence threshold nothing is routed automatically: all 50 claims go to a person."
    assert "Not measurable" in pager.measures["accuracy_automated"].sentence
    assert "none of its 40 claims is routed automatically" in pager.measures["recall[motor]"].sentence


# ----------------------------------------------------------------------------------------------- regression
def _delivery():
    from aipm_widgets.core.demo.delivery import load_delivery

    v = load_delivery().validation
    return v["delivery_minutes"], v["predicted_minutes"]


@pytest.mark.parametrize("which", ["energy", "delivery"])
@pytest.mark.parametrize("tolerance,offset", [("10%", 0.0), ("8", 1.5), ("5%", -2.0)])
def test_forecast_numbers_equal_sklearn_and_numpy(which, tolerance, offset):
    if which == "energy":
        d = generate_demand()
        y, p, unit = d["demand_mwh"], d["forecast_mwh"], "MWh"
    else:
        (y, p), unit = _delivery(), "minutes"
    pager = ForecastOnePager.from_predictions(y, p, tolerance=tolerance, offset=offset, unit=unit)
    e = p.to_numpy() + offset - y.to_numpy()
    bound = 8.0 if tolerance == "8" else float(tolerance.rstrip("%")) / 100 * np.abs(y.to_numpy())
    m = pager.measures
    assert m["mae"].value == pytest.approx(mean_absolute_error(y, p + offset))
    assert m["mae"].low < m["mae"].value < m["mae"].high
    assert pager.counts == {"within": int((np.abs(e) <= bound).sum()), "too_low": int((e < -bound).sum()),
                            "too_high": int((e > bound).sum()), "rows": len(y)}
    f = Forecast(y, p, tolerance=tolerance, baseline=None)
    assert m["within_tolerance"].value == pytest.approx(f.within(offset))
    lo, hi = _wilson_scipy(pager.too_low, len(y))
    assert (m["too_low"].low, m["too_low"].high) == pytest.approx((lo, hi))
    assert pager.provisional is False


def test_forecast_words_use_the_unit_and_every_number_comes_from_the_result():
    d = generate_demand()
    pager = ForecastOnePager.from_predictions(d["demand_mwh"], d["forecast_mwh"], tolerance="30", unit="MWh",
                                              row_noun="forecasts")
    w, mae = pager.measures["within_tolerance"], pager.measures["mae"]
    head = pager.headline()
    got = re.fullmatch(r"(\d+) in (10|100) forecasts land within ±30 MWh of the actual value \(([\d.]+)%, 95% interval "
                       r"([\d.]+)% to ([\d.]+)%\)\.", head)
    assert got, head
    assert [float(x) for x in got.group(3, 4, 5)] == [round(w.value * 100, 1), round(w.low * 100, 1), round(w.high * 100, 1)]
    per = int(got.group(2))
    assert int(got.group(1)) == round(w.value * per)
    assert mae.sentence == (f"A typical estimate is off by {fmt.number(mae.value, 2)} MWh (mean absolute error, 95% "
                            f"interval {fmt.number(mae.low, 2)} MWh to {fmt.number(mae.high, 2)} MWh).")
    assert "too low by more than ±30 MWh" in pager.measures["too_low"].sentence
    # the island area is forecast 12% too low: its misses are on the low side, and it leans low
    island = d[d["grid_area"] == "island"]
    low = ForecastOnePager.from_predictions(island["demand_mwh"], island["forecast_mwh"], tolerance="10%", unit="MWh")
    assert low.too_low > 5 * low.too_high
    me, me_lo, me_hi = low.mean_error
    assert me == pytest.approx((island["forecast_mwh"] - island["demand_mwh"]).mean())
    assert low.notes()[0] == (f"On average the estimates lean low by {fmt.number(-me, 2)} MWh (mean error "
                              f"{fmt.number(me, 2)} MWh, 95% interval {fmt.number(me_lo, 2)} MWh to "
                              f"{fmt.number(me_hi, 2)} MWh).")
    text = pager.to_html_fragment() + pager.to_markdown()
    assert not [x for x in DEMO_WORDS if x in text]


def test_forecast_provisional_then_stage_4s_tolerance_and_offset(tmp_path):
    d = generate_demand()
    y, p = d["demand_mwh"], d["forecast_mwh"]
    path = tmp_path / "rec.yaml"
    pager = ForecastOnePager.from_record(path, y, p, tolerance="5%", unit="MWh", data_source="the metering export")
    assert pager.provisional and pager.offset == 0 and pager.tolerance.text("MWh") == "±5%"
    assert "has not decided the tolerance" in pager.to_html_fragment() and "metering export" in pager.source

    f = Forecast(y, p, tolerance="40", unit="MWh", cost_under=3.0, cost_over=1.0, baseline=None,
                 label_name="demand_mwh", prediction_name="forecast_mwh")
    offset = f.optimal_offset()
    update_section(path, "metrics", f.at(offset).record_values(data_source="metering export"), what="stage 4")
    saved = ForecastOnePager.from_record(path, y, p, tolerance="5%", unit="kWh")
    assert not saved.provisional and saved.offset == pytest.approx(offset) and saved.unit == "MWh"
    assert saved.tolerance.text("MWh") == "±40 MWh"
    assert saved.measures["mae"].value == pytest.approx(mean_absolute_error(y, p + offset))
    rec_m = load_record(path).metrics.metrics
    assert saved.measures["within_tolerance"].low == pytest.approx(rec_m["within_tolerance"].low)
    assert saved.measures["mae"].high == pytest.approx(rec_m["mae"].high)
    assert "raised by" in saved.decision_sentence() or "lowered by" in saved.decision_sentence()
    op = saved.to_record()
    assert op["task"] == "regression" and op["offset"] == pytest.approx(offset) and op["tolerance"]["text"] == "±40 MWh"
    update_section(path, "expectations", {"one_pager": op}, what="test")
    assert load_record(path).expectations.one_pager.tolerance["kind"] == "absolute"


def test_relative_tolerance_leaves_out_zero_actuals_and_says_so():
    y = pd.Series(np.r_[np.zeros(5), np.linspace(10, 50, 95)], name="demand_mwh")
    pager = ForecastOnePager.from_predictions(y, y * 1.05 + 0.2, tolerance="10%", unit="MWh")
    assert pager.rows == 95 and pager.n == 100
    assert any("actual value of 0" in n for n in pager.notes())


def test_forecast_bad_inputs_say_what_to_fix():
    d = generate_demand(200)
    with pytest.raises(InputDataError) as err:
        ForecastOnePager.from_predictions(d["grid_area"], d["forecast_mwh"])
    assert "holds text" in str(err.value) and TEXT_TARGET.split("{")[0] in str(err.value)
    bad = d["forecast_mwh"].copy()
    bad.iloc[3] = np.nan
    with pytest.raises(InputDataError, match="missing or infinite"):
        ForecastOnePager.from_predictions(d["demand_mwh"], bad)
    with pytest.raises(InputDataError, match="tolerance"):
        ForecastOnePager.from_predictions(d["demand_mwh"], d["forecast_mwh"], tolerance="about ten")


def test_old_one_pager_without_task_still_loads_as_binary(tmp_path):
    from aipm_widgets.core.expectations.one_pager import OnePager

    path = tmp_path / "rec.yaml"
    update_section(path, "expectations", {"one_pager": {"title": "Old", "threshold": 0.3,
                                                        "error_rates": {"recall": {"value": 0.5}}}}, what="old")
    op = load_record(path).expectations.one_pager
    assert op.task is None and op.provisional is None
    assert OnePager.from_record(path).title == "Old"
    # a binary one-pager's text is not taken over by a routing one-pager
    _, routing = _claims_routing(generate_claims(600))
    assert RoutingOnePager.from_record(path, routing).title != "Old"


def test_brief_shows_task_one_pagers_in_their_words(tmp_path):
    from aipm_widgets.core.brief.document import render_markdown

    d = generate_demand()
    path = tmp_path / "rec.yaml"
    pager = ForecastOnePager.from_predictions(d["demand_mwh"], d["forecast_mwh"], tolerance="30", unit="MWh",
                                              provisional=True)
    update_section(path, "expectations", {"one_pager": pager.to_record(), "status": "decided",
                                          "summary": pager.summary()}, what="test")
    md = render_markdown(load_record(path))
    mae = pager.measures["mae"]
    assert f"{fmt.number(mae.value, 2)} MWh" in md.replace("\\", "")
    assert "Off by more than the tolerance" in md and "Tolerance:** ±30 MWh" in md.replace("\\", "")
    assert "provisional" in md and "Numbers measured measured" not in md


MODULES = ["aipm_widgets.core.expectations.task_one_pager", "aipm_widgets.core.expectations.routing_one_pager",
           "aipm_widgets.core.expectations.forecast_one_pager", "aipm_widgets.core.expectations.fairness_routing",
           "aipm_widgets.widgets.expectations.task_fairness"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    import doctest
    import importlib

    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_core_imports_without_ipywidgets_or_plotly():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'ipywidgets', 'plotly'}: raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from aipm_widgets.core.expectations.routing_one_pager import RoutingOnePager\n"
        "from aipm_widgets.core.expectations.forecast_one_pager import ForecastOnePager\n"
        "import aipm_widgets.core.expectations.fairness_routing\n"
        "RoutingOnePager.from_counts(threshold=0.5, classes=['a', 'b'], matrix=[[3, 1], [0, 2]], support=[5, 5]).to_html()\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr

"""Fairness of a routing (multiclass) and a forecast (regression) model: the core against fairlearn, the widgets
without a browser (set values as the browser would, read ``.result`` and the HTML), saving to the record, the
stage 2 pages on the demos and on a team's own products, and bad group columns.
"""

from __future__ import annotations

import re

import ipywidgets as W
import numpy as np
import pandas as pd
import pytest
from own_tasks import DEMO_WORDS, generate_claims, generate_demand

from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.expectations.fairness_routing import GROUPS_ALL_MISSING, RoutingFairness
from aipm_widgets.core.record import load_record
from aipm_widgets.core.tasks.routing import Routing
from aipm_widgets.core.text import format as fmt
from aipm_widgets.widgets.expectations.task_fairness import ForecastFairnessAudit, RoutingFairnessAudit


def _texts(widget, out=None) -> str:
    out = [] if out is None else out
    if isinstance(widget, (W.HTML, W.Label)):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        _texts(child, out)
    return " ".join(out)


def _cells(html: str, css: str) -> list[list[str]]:
    table = re.search(rf"<table class='{css}'.*?</table>", html, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    return [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]


# ----------------------------------------------------------------------------------------------- core
@pytest.mark.parametrize("threshold", [None, 0.5, 0.75])
def test_routing_fairness_equals_fairlearn(threshold):
    from fairlearn.metrics import MetricFrame
    from sklearn.metrics import accuracy_score

    frame = generate_claims()
    routing = Routing.from_frame(frame, label="line", prediction="routed_to", proba_prefix="score_", unit="claims")
    audit = RoutingFairness(routing, frame["channel"], threshold=threshold, group_name="channel")
    auto = np.ones(len(frame), bool) if threshold is None else routing.confidence >= threshold
    share = MetricFrame(metrics=lambda yt, yp: float(np.mean(yp)), y_true=auto, y_pred=auto,
                        sensitive_features=frame["channel"]).by_group
    acc = MetricFrame(metrics=accuracy_score, y_true=frame["line"][auto], y_pred=frame["routed_to"][auto],
                      sensitive_features=frame["channel"][auto]).by_group
    for row in audit.rows:
        assert row["automation_rate"] == pytest.approx(share[row["group"]])
        assert row["accuracy_automated"] == pytest.approx(acc[row["group"]])
    assert audit.reference == "online"  # the largest group
    # phone claims are written less clearly: fewer are automated, and fewer of those are right
    assert audit.flagged_groups == ["phone"]
    phone = next(r for r in audit.rows if r["group"] == "phone")
    assert phone["automation_gap_ci"][1] < 0 or phone["accuracy_gap_ci"][1] < 0
    # the share of each channel's claims sent to each line equals a crosstab
    expected = pd.crosstab(frame["channel"], frame["routed_to"], normalize="index")
    got = audit.selection.table["share"]
    for (g, c), v in got.items():
        assert v == pytest.approx(expected.loc[g, c] if c in expected.columns else 0.0)
    d = audit.to_dict()
    assert d["task"] == "multiclass" and d["flagged_groups"] == ["phone"]
    assert any(s.startswith("channel = phone:") for s in audit.findings())


def test_routing_fairness_bad_groups_are_said_in_words():
    frame = generate_claims(500)
    routing = Routing.from_frame(frame, label="line", prediction="routed_to", proba_prefix="score_")
    with pytest.raises(InputDataError) as err:
        RoutingFairness(routing, pd.Series([np.nan] * len(frame)), group_name="channel")
    assert str(err.value) == GROUPS_ALL_MISSING.format(name="channel")
    with pytest.raises(InputDataError, match="only one group"):
        RoutingFairness(routing, pd.Series(["online"] * len(frame)), group_name="channel")
    with pytest.raises(InputDataError, match="reference group 'fax'"):
        RoutingFairness(routing, frame["channel"], reference="fax", group_name="channel")


# ----------------------------------------------------------------------------------------------- widgets
def test_routing_fairness_widget_shows_and_saves_the_result(tmp_path):
    frame = generate_claims()
    frame["channel_copy"] = frame["channel"].str.upper()
    path = tmp_path / "rec.yaml"
    audit = RoutingFairnessAudit(frame, label="line", prediction="routed_to", proba_prefix="score_", threshold=0.7,
                                 group_columns=["channel", "channel_copy"], record_path=path, unit="claims")
    assert audit.result.flagged_groups == ["phone"]
    audit.reference_picker.value = "broker"  # as the browser would
    assert audit.result.reference == "broker"
    rows = _cells(audit.table.value, "aipm-fairness-groups")
    for cells, r in zip(rows, audit.result.rows):
        assert cells[0] == r["group"] and cells[1] == fmt.count(r["n"])
        assert cells[2] == fmt.estimate(r["automation_rate"], *r["automation_rate_ci"])
        assert cells[4] == fmt.estimate(r["accuracy_automated"], *r["accuracy_automated_ci"])
        m = re.match(r"([\d.]+)% \(([\d.]+)% to ([\d.]+)%\)", cells[2])
        assert [float(x) for x in m.groups()] == [round(100 * x, 1) for x in (r["automation_rate"], *r["automation_rate_ci"])]
    assert "broker" in audit.table.value and "0.7" in audit.table.value
    audit.group_picker.value = "channel_copy"
    assert audit.result.group_name == "channel_copy" and audit.result.reference == "ONLINE"
    audit.response.value = "Phone claims get a plain-language form by May; owner: claims ops."
    audit.save()
    eth = load_record(path).ethics
    assert eth.status == "decided" and eth.fairness.task == "multiclass"
    assert eth.fairness.group_columns == ["channel_copy"] and eth.fairness.flagged_groups == ["PHONE"]
    assert eth.fairness.four_fifths is None and eth.fairness.classes == ["motor", "home", "travel", "liability"]
    assert {s["group"] for s in eth.fairness.selection} == {"ONLINE", "BROKER", "PHONE"}
    text = _texts(audit)
    assert not [w for w in DEMO_WORDS if w in text]


def test_forecast_fairness_widget_tolerance_and_bad_input(tmp_path):
    d = generate_demand()
    d["empty_area"] = np.nan
    path = tmp_path / "rec.yaml"
    audit = ForecastFairnessAudit(d, label="demand_mwh", prediction="forecast_mwh", group_columns=["grid_area", "empty_area"],
                                  tolerance="10%", unit="MWh", record_path=path)
    r = audit.result
    assert r.reference == "metro" and r.flagged_groups == ["island"]
    island = d[d["grid_area"] == "island"]
    row = next(x for x in r.rows if x["group"] == "island")
    assert row["mean_error"] == pytest.approx((island["forecast_mwh"] - island["demand_mwh"]).mean())
    cells = {c[0]: c for c in _cells(audit.table.value, "aipm-fairness-groups")}
    assert cells["island"][4] == fmt.estimate(row["within_tolerance"], *row["within_tolerance_ci"])
    assert cells["island"][2].startswith(fmt.number(row["mean_error"], 2))
    assert "island" in _texts(audit.findings_box)
    audit.tolerance_text.value = "50"  # MWh, absolute
    assert audit.result.tolerance.kind == "absolute" and "±50 MWh" in audit.table.value
    audit.tolerance_text.value = "roughly"
    assert audit.messages.errors and "Could not read the tolerance" in audit.messages.errors[0]
    audit.tolerance_text.value = "10%"
    assert not audit.messages.errors
    audit.group_picker.value = "empty_area"  # a column of NaN only
    assert audit.result is None
    assert audit.messages.errors == [GROUPS_ALL_MISSING.format(name="empty_area")]
    audit.save()
    assert "Nothing to save yet" in audit.messages.errors[0]
    audit.group_picker.value = "grid_area"
    audit.save()
    f = load_record(path).ethics.fairness
    assert f.task == "regression" and f.unit == "MWh" and f.tolerance["text"] == "±10%" and f.flagged_groups == ["island"]
    assert load_record(path).ethics.status == "in_progress"  # no response yet


# ----------------------------------------------------------------------------------------------- pages
@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    (tmp_path / "data").mkdir()
    generate_claims().to_csv(tmp_path / "data" / "claims.csv", index=False)
    generate_demand().to_csv(tmp_path / "data" / "demand.csv", index=False)
    return tmp_path


def _own(folder, task, **extra):
    from aipm_widgets.core.project import load_project, set_project

    if task == "multiclass":
        changes = {"sources.validation": "data/claims.csv", "columns.label": "line", "columns.prediction": "routed_to",
                   "columns.proba_prefix": "score_"}
    else:
        changes = {"sources.validation": "data/demand.csv", "columns.label": "demand_mwh",
                   "columns.prediction": "forecast_mwh"}
    set_project(folder / "decision_record.yaml", {"example": "none", "name": "Claims triage" if task == "multiclass"
                                                  else "Grid demand", "currency": "USD", "task": task, **changes, **extra})
    return load_project(folder / "decision_record.yaml")


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_pages_for_own_products(folder, task):
    from aipm_widgets.widgets import pages

    project = _own(folder, task)
    page = pages.fairness_page(project)
    assert "columns.groups" in _texts(page)  # no group column yet: said how to add one
    project = _own(folder, task, **{"columns.groups": "channel" if task == "multiclass" else "grid_area"})
    page = pages.fairness_page(project)
    assert isinstance(page, RoutingFairnessAudit if task == "multiclass" else ForecastFairnessAudit)
    assert page.result.flagged_groups == (["phone"] if task == "multiclass" else ["island"])
    if task == "multiclass":
        assert "provisional" in page.table.value  # stage 4 has not decided the confidence threshold
    one = pages.expectations_page(project)
    assert one.result.task == task and one.result.provisional
    assert one.result.title == ("What Claims triage will and will not do" if task == "multiclass"
                                else "What Grid demand will and will not do")
    text = _texts(one)
    assert not [w for w in DEMO_WORDS if w in text]


@pytest.mark.parametrize("demo,cls", [("tickets", RoutingFairnessAudit), ("delivery", ForecastFairnessAudit)])
def test_pages_for_the_task_demos(tmp_path, monkeypatch, demo, cls):
    from aipm_widgets.core.project import set_project
    from aipm_widgets.widgets import pages

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "decision_record.yaml"
    set_project(path, {"example": demo})
    project = pages.open_project(path)
    audit = pages.fairness_page(project)
    assert isinstance(audit, cls) and audit.result is not None and not audit.messages.errors
    one = pages.expectations_page(project)
    assert one.result.task == ("multiclass" if demo == "tickets" else "regression")
    if demo == "tickets":
        assert one.result.threshold == audit.result.threshold  # the one-pager and the audit at the same threshold
        assert "Out of every 100 tickets" in one.preview.value
    else:
        assert one.result.unit == "minutes" and "within ±10% of the actual value" in one.preview.value


def test_hostile_group_and_class_names_are_escaped(tmp_path):
    frame = generate_claims(1200)
    frame["channel"] = frame["channel"].replace({"phone": "<img src=x onerror=alert(1)>"})
    audit = RoutingFairnessAudit(frame, label="line", prediction="routed_to", proba_prefix="score_", threshold=0.6,
                                 group_columns=["channel"], record_path=tmp_path / "rec.yaml")
    html = _texts(audit)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_bad_probabilities_on_the_pages_are_said_in_words(folder):
    from aipm_widgets.widgets import pages

    bad = generate_claims(800)
    bad["score_motor"] *= 3
    bad.to_csv(folder / "data" / "claims.csv", index=False)
    project = _own(folder, "multiclass", **{"columns.groups": "channel"})
    for page in (pages.expectations_page(project), pages.fairness_page(project)):
        assert isinstance(page, W.HTML) and "do not add up to 1" in page.value and "Traceback" not in page.value


def test_saved_task_audits_appear_in_the_brief(tmp_path):
    from aipm_widgets.core.brief.document import render_markdown

    path = tmp_path / "rec.yaml"
    d = generate_demand()
    audit = ForecastFairnessAudit(d, label="demand_mwh", prediction="forecast_mwh", group_columns=["grid_area"],
                                  tolerance="10%", unit="MWh", record_path=path)
    audit.response.value = "Retrain with island weather data."
    audit.save()
    md = render_markdown(load_record(path)).replace("\\", "")
    island = next(r for r in audit.result.rows if r["group"] == "island")
    assert f"| island | {fmt.count(island['n'])} | {fmt.number(island['mean_error'], 2)} MWh |" in md
    assert "Tolerance:** ±10%" in md and "Retrain with island weather data." in md


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_saved_provisional_one_pager_is_flagged_once_stage_4_decides(folder, task):
    from aipm_widgets.core.record import update_section
    from aipm_widgets.core.tasks.forecast import Forecast
    from aipm_widgets.widgets import pages

    project = _own(folder, task)
    one = pages.expectations_page(project)
    one.save()
    assert not [t for k, t in one.messages.messages if k == "warning"]
    if task == "multiclass":
        frame = generate_claims()
        r = Routing.from_frame(frame, label="line", prediction="routed_to", proba_prefix="score_")
        update_section(folder / "decision_record.yaml", "metrics", r.record_values(r.at(0.7)), what="stage 4")
        words = "confidence threshold 0.7"
    else:
        d = generate_demand()
        f = Forecast(d["demand_mwh"], d["forecast_mwh"], tolerance="25", unit="MWh", baseline=None)
        update_section(folder / "decision_record.yaml", "metrics", f.at(3.0).record_values(), what="stage 4")
        words = "tolerance ±25 MWh, offset 3.00 MWh"
    again = pages.expectations_page(project)
    assert not again.result.provisional
    warning = " ".join(t for k, t in again.messages.messages if k == "warning")
    assert "while provisional" in warning and words in warning
    again.save()
    third = pages.expectations_page(project)
    assert not [t for k, t in third.messages.messages if k == "warning"]

"""The one-pager editor with a routing or forecast one-pager, without a browser: set values as the browser would,
read ``.result`` and the preview's HTML, export and save."""

from __future__ import annotations

import re
from html import unescape

import pytest
from own_tasks import DEMO_WORDS, generate_claims, generate_demand

from aipm_widgets.core.expectations.forecast_one_pager import ForecastOnePager
from aipm_widgets.core.expectations.routing_one_pager import RoutingOnePager
from aipm_widgets.core.record import load_record
from aipm_widgets.core.tasks.routing import Routing
from aipm_widgets.core.text import format as fmt
from aipm_widgets.widgets.expectations.one_pager import ExpectationsOnePager


def _routing_pager():
    frame = generate_claims()
    routing = Routing.from_frame(frame, label="line", prediction="routed_to", proba_prefix="score_", unit="claims")
    return RoutingOnePager.from_record(None, routing, data_source="the claims file", noun="claims team")


def test_routing_one_pager_in_the_editor(tmp_path):
    path = tmp_path / "rec.yaml"
    w = ExpectationsOnePager(_routing_pager(), record_path=path, export_dir=tmp_path / "out")
    assert w.per.layout.display == "none"  # no icon array for routing
    labels = unescape(" ".join(c.value for c in w.children[0].children[0].children if hasattr(c, "value") and
                               isinstance(c.value, str)))
    assert f"At or above confidence {fmt.threshold(w.result.threshold)} (routed automatically)" in labels
    w.does.value = "Routes motor, home, travel and liability claims\n<img src=x onerror=alert(1)>"
    assert w.result.does == ["Routes motor, home, travel and liability claims", "<img src=x onerror=alert(1)>"]
    assert "<img" not in w.preview.value and "&lt;img" in w.preview.value
    w.below_threshold.value = ""
    assert any("below confidence" in t.lower() for _, t in w.messages.messages)
    w.below_threshold.value = "A claims handler reads it."
    # every number in the preview's headline is the result's, after display rounding
    head = re.search(r"<p class=\"aipm-headline\"[^>]*><b>(.*?)</b>", w.preview.value, re.S).group(1)
    assert unescape(head) == w.result.headline()
    f = w.result.per_100
    nums = [int(x) for x in re.findall(r"\b(\d+) (?:are routed|go to the right|to a wrong|go to a person)", head)]
    assert nums == [f["routed"], f["right"], f["misrouted"], f["to_person"]]
    assert re.search(rf"The other {f['to_person']} go to a person", head)
    acc = w.result.measures["accuracy_automated"]
    assert f"{fmt.percent(acc.value)} right, 95% interval {fmt.percent(acc.low)} to {fmt.percent(acc.high)}" in head
    assert "Provisional" in w.preview.value
    w.save()
    rec = load_record(path)
    op = rec.expectations.one_pager
    assert op.task == "multiclass" and op.provisional is True and op.below_threshold == "A claims handler reads it."
    assert op.natural_frequencies["routed"] == f["routed"] and rec.expectations.summary == w.result.summary()
    assert "provisional" in rec.expectations.summary
    md = w.export("md").read_text()
    assert "Out of every 100 claims" in md and not [x for x in DEMO_WORDS if x in md]
    # reopening the page starts from the saved text
    routing = Routing.from_frame(generate_claims(), label="line", prediction="routed_to", proba_prefix="score_",
                                 unit="claims")
    w2 = ExpectationsOnePager(RoutingOnePager.from_record(path, routing), record_path=path)
    assert w2.below_threshold.value == "A claims handler reads it." and w2.result.does[0].startswith("Routes motor")


def test_forecast_one_pager_in_the_editor(tmp_path):
    d = generate_demand()
    path = tmp_path / "rec.yaml"
    pager = ForecastOnePager.from_record(None, d["demand_mwh"], d["forecast_mwh"], tolerance="5%", unit="MWh",
                                         title="Grid demand forecast")
    w = ExpectationsOnePager(pager, record_path=path, export_dir=tmp_path / "out")
    assert w.title.value == "Grid demand forecast"
    w.title.value = "Day-ahead demand"
    assert w.result.title == "Day-ahead demand" and "Day-ahead demand" in w.preview.value
    m = w.result.measures
    text = unescape(w.preview.value)
    for key in ("mae", "too_low", "too_high"):
        assert m[key].sentence in text
    got = re.search(r"\(([\d.]+)%, 95% interval ([\d.]+)% to ([\d.]+)%\)", w.result.headline())
    wt = m["within_tolerance"]
    assert [float(x) for x in got.groups()] == [round(100 * x, 1) for x in (wt.value, wt.low, wt.high)]
    assert "Within ±5%" in text and "Off by more than ±5%" in text
    w.save()
    op = load_record(path).expectations.one_pager
    assert op.task == "regression" and op.unit == "MWh" and op.error_rates["mae"]["kind"] == "amount"
    assert op.error_rates["mae"]["value"] == pytest.approx(m["mae"].value, abs=1e-6)
    html = w.export("html").read_text()
    assert "Content-Security-Policy" in html and "Day-ahead demand" in html

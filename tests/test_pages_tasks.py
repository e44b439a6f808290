"""Pages for routing (multiclass) and forecast (regression) projects: nothing asks a router or a forecaster for a
yes/no score. Generated projects (tests/own_tasks.py), none of the demos' words."""

import pytest

from aipm_widgets.core.text import format as fmt

from aipm_widgets.widgets import pages
from aipm_widgets.widgets._base import MessageArea
from own_tasks import ROUTING_NAME, forecast_project, routing_project


@pytest.fixture(params=["routing", "forecast"])
def task_project(request, tmp_path):
    return (routing_project if request.param == "routing" else forecast_project)(tmp_path)


@pytest.mark.parametrize("panel", ["own_predictions_panel", "own_fairness_panel", "own_monitoring_panel"])
def test_upload_panels_say_they_are_for_yes_no_models(task_project, panel):
    w = getattr(pages, panel)(task_project)
    assert isinstance(w, MessageArea)
    text = w.value
    assert "yes/no" in text and "aipm project set" in text
    assert ("routing (multiclass)" in text) or ("forecast (regression)" in text)
    assert "positive" not in text and "score" not in text
    if task_project.name == ROUTING_NAME:  # a name with markup is shown as typed
        assert "&lt;photo&gt;" in text and "<photo>" not in text


def test_ticket_demo_opens_on_its_own_costs_and_minutes(tmp_path):
    """Before any decision the ticket demo's page uses the demo's costs and minutes (the cost-optimal threshold,
    person-hours and cost cards), not 'route everything' with no money."""
    from aipm_widgets.cli import main
    from aipm_widgets.core.demo.tickets import TICKET_COSTS
    from aipm_widgets.core.project import load_project
    from aipm_widgets.widgets.metrics.routing_explorer import RoutingExplorer

    main(["init", str(tmp_path / "p"), "--demo", "tickets"])
    project = load_project(tmp_path / "p" / "decision_record.yaml")
    ex = RoutingExplorer.from_project(project)
    assert ex.routing.costs["misroute"] == TICKET_COSTS["misroute"]
    point = ex.result
    assert point.cost_per_1000 is not None and point.person_hours_per_day is not None
    assert ex.routing.n_automated(point.threshold) < ex.routing.n  # a person takes the least sure tickets
    assert fmt.money(point.cost_per_1000.value, "EUR") in ex.headline.value


def test_rule_comparison_quotes_a_short_threshold_that_routes_the_same_rows(tmp_path):
    project = routing_project(tmp_path)
    from aipm_widgets.widgets.metrics.routing_explorer import RoutingExplorer

    ex = RoutingExplorer.from_project(project)
    r = ex.routing
    for m in (1, 17, r.n // 3, r.n // 2, r.n - 1):
        t = r._threshold_for_rows(m)
        assert r.n_automated(t) == int((r.confidence >= r._conf_sorted[m - 1]).sum())
        assert len(repr(t)) <= len(repr(float(r._conf_sorted[m - 1])))


def test_a_forecasts_unit_is_its_own_setting_not_the_row_word(tmp_path):
    """An own forecast project says its predicted number's unit (target_unit), never 'decisions' or 'units' once set."""
    from aipm_widgets.core.project import load_project, set_project
    from aipm_widgets.widgets.metrics.forecast_explorer import ForecastExplorer

    project = forecast_project(tmp_path)
    assert project.target_unit is None
    set_project(project.record_path, {"target_unit": "CHF thousands"}, who="Test Person")
    project = load_project(project.record_path)
    ex = ForecastExplorer.from_project(project)
    assert ex.forecast.unit == "CHF thousands"
    assert "CHF thousands" in ex.how_to_read.value and "decisions" not in ex.how_to_read.value
    assert "CHF thousands" in ex.cost_under.description or "CHF thousand" in ex.cost_under.description


def test_label_profile_counts_classes_or_profiles_the_target(task_project):
    import re

    box = pages.label_profile_section(task_project)
    res = box.result
    text = re.sub(r"<[^>]+>", " ", box.value)
    if task_project.task == "multiclass":
        counts = task_project.validation()["species"].value_counts()
        for cls, n in counts.items():
            assert res.table.loc[cls, "rows"] == n
            assert f"{cls}  {fmt.count(n)}" in " ".join(text.split("  ")) or fmt.count(n) in text
        assert "willow" in text  # the rarest class is named
    else:
        assert res.n == task_project.validation()["price_k"].notna().sum()
        assert "units" in text  # no target unit set yet: the neutral word, never 'decisions'
        assert "decisions" not in text
    for finding in res.findings():
        assert finding.replace("'", "&#x27;") in box.value or finding in box.value


def test_learning_curve_targets_the_current_models_own_score(task_project):
    from sklearn.metrics import accuracy_score, mean_absolute_error

    panel = pages.labels_needed_section(task_project)
    val = task_project.validation()
    if task_project.task == "multiclass":
        assert panel.metric == "accuracy"
        assert panel.target == pytest.approx(round(accuracy_score(val["species"], val["guess"]), 3))
        assert "accuracy " + fmt.percent(panel.target, 1) in pages.labels_needed_target_text(task_project, panel).value
    else:
        assert panel.metric == "neg_mean_absolute_error"
        assert panel.target == pytest.approx(mean_absolute_error(val["price_k"], val["estimate_k"]))
    guide = pages.guide("data", task_project, "labels_needed", curve=panel).value
    assert "power law" in guide and "could not be measured" not in guide
    panel.run()
    assert panel.result is not None and panel.result.metric == panel.metric


def test_the_demos_on_demand_panels_are_described_as_measured(tmp_path, monkeypatch):
    """The guide around an on-demand panel explains the measurement (it used to say 'could not be measured')."""
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    project = pages.open_project()
    curve = pages.labels_needed_section(project)
    text = pages.guide("data", project, "labels_needed", curve=curve).value
    assert "power law" in text and "could not be measured" not in text
    assert "ROC AUC" in text


def test_a_yes_no_project_has_no_label_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    assert pages.label_profile_section(pages.open_project()).value == ""


def test_ticket_demo_stage5_watches_the_cost_and_threshold_stage4_opens_at(tmp_path):
    from aipm_widgets.cli import main
    from aipm_widgets.core.project import load_project
    from aipm_widgets.widgets.metrics.routing_explorer import RoutingExplorer
    from aipm_widgets.widgets.monitoring.routing_monitor import RoutingMonitor

    main(["init", str(tmp_path / "p"), "--demo", "tickets"])
    project = load_project(tmp_path / "p" / "decision_record.yaml")
    explorer, monitor = RoutingExplorer.from_project(project), RoutingMonitor.from_project(project)
    assert monitor.result.threshold == explorer.result.threshold
    assert monitor.result.reference_cost_per_1000 == pytest.approx(explorer.result.cost_per_1000.value, rel=1e-9)
    assert fmt.money(monitor.result.reference_cost_per_1000, "EUR") in monitor.summary.value
    assert monitor.cost_figure is not None

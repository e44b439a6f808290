"""Pages for routing (multiclass) and forecast (regression) projects: nothing asks a router or a forecaster for a
yes/no score. Generated projects (tests/own_tasks.py), none of the demos' words."""

import pytest

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

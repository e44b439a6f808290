"""The task's words on stages 3-5: one guide per stage and task, chosen by the project, agreeing with its widgets.

Every demo (fraud, tickets, delivery) and a generated project of each task (tests/own_product.py, tests/own_tasks.py)
gets the words of its own task: a routing page never speaks of a precision-recall curve or of raising an alert, a
forecast page names the offset and the tolerance, and "How to read it" appears exactly once on pages 04 and 05.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets as W
import pytest

from aipm_widgets.widgets import guides, pages
from aipm_widgets.widgets.guides import STAGES, TASKS, guide_html, plain_text, sections

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GUIDE_DIR = Path(guides.__file__).parent

# Words only one task's widgets have (their controls and charts); another task's page must never say them.
OWN = {
    "metrics": {"binary": ["Threshold slider", "precision-recall curve", "false alarm"],
                "multiclass": ["Confidence slider", "automation rate", "accuracy of the automated share"],
                "regression": ["Offset slider", "tolerance", "cost-optimal offset"]},
    "data": {"binary": ["confident learning", "recall", "ROC AUC"],
             "multiclass": ["confident learning", "class", "routing model"],
             "regression": ["a number", "share of estimates within tolerance"]},
    "monitoring": {"binary": ["Heatmap", "calibrated scores", "cost chart"],
                   "multiclass": ["class probabilities", "routed to the right class", "class the model does not know"],
                   "regression": ["typical miss (MAE", "actual values", "standard errors"]},
}
NEVER = {
    "binary": ["Confidence slider", "Offset slider", "automation rate", "misroute", "tolerance"],
    "multiclass": ["precision-recall curve", "raises an alert", "raise an alert", "orange diamond", "red line on the cost",
                   "Threshold slider", "Offset slider", "tolerance", "heatmap", "ROC AUC", "fnr<=", "false alarm"],
    "regression": ["precision-recall curve", "raises an alert", "raise an alert", "orange diamond", "Confidence slider",
                   "Threshold slider", "automation rate", "misroute", "heatmap", "ROC AUC", "fnr<=", "false alarm",
                   "confusion matrix", "recall"],
}


def _texts(widget, out=None) -> str:
    out = [] if out is None else out
    if hasattr(widget, "value") and isinstance(widget.value, str):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        _texts(child, out)
    return " ".join(out)


def _words(html_text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_text))


# ---------------------------------------------------------------------------------------------- templates
def test_every_task_has_the_same_sections_and_a_how_to_read():
    for stage in STAGES:
        names = {task: sections(stage, task) for task in TASKS}
        assert len({tuple(v) for v in names.values()}) == 1, names
    for stage in ("metrics", "monitoring"):
        assert "read" in sections(stage, "binary")


@pytest.mark.parametrize("path", sorted(GUIDE_DIR.glob("*.md")), ids=lambda p: p.name)
def test_templates_type_no_number(path):
    """Numbers, currencies and names come from variables: outside {{ }} / {% %} a template holds no digit."""
    text = re.sub(r"{{.*?}}|{%.*?%}", "", path.read_text(), flags=re.DOTALL)
    text = re.sub(r"\b(stage|section|Section) \d\b|\bF1\b", "", text)  # names of stages, sections and a measure, not figures
    found = re.findall(r".{0,20}\d.{0,20}", text)
    assert not found, f"{path.name} types a number: {found[:3]}"
    assert not re.search(r"\b(EUR|USD|GBP|CHF)\b|€|\$", text), f"{path.name} types a currency"
    assert not re.search(r"\b(fraud|transaction|ticket|deliver)", text, re.I), f"{path.name} names a demo's domain"


def test_templates_ship_in_the_wheel():
    """hatch ships every file under aipm_widgets/ that git does not ignore; nothing may exclude the templates."""
    cfg = (ROOT / "pyproject.toml").read_text()
    wheel = cfg.split("[tool.hatch.build.targets.wheel]")[1].split("\n[")[0]
    assert 'packages = ["aipm_widgets"]' in wheel and "exclude" not in wheel and "only-include" not in wheel
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert not [p for p in ignored if p.endswith(".md") or "guides" in p]
    assert len(list(GUIDE_DIR.glob("*.md"))) == len(STAGES) * len(TASKS)


def test_variables_are_escaped():
    text = guide_html("metrics", "binary", "intro", positive="<img src=x onerror=alert(1)>", unit="<b>rows</b>")
    assert "<img" not in text and "&lt;img src=x" in text and "&lt;b&gt;rows&lt;/b&gt;" in text


def test_a_projects_typed_words_are_escaped_on_the_page():
    class Cols:
        label, positive = "outcome", "<img src=x onerror=alert(1)>"

    class Project:
        task, name, currency, volume_per_day, is_demo, example, unit = "binary", "<b>P</b>", "GBP", None, False, None, "<i>rows</i>"
        columns = Cols()

    text = pages.guide("metrics", Project(), "intro").value + pages.guide("metrics", Project(), "read").value
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<i>rows</i>" not in text and "&lt;i&gt;rows&lt;/i&gt;" in text


def test_unknown_stage_task_or_section_is_said_in_words():
    from aipm_widgets.core.errors import AipmError

    for args in (("scoping", "binary", "read"), ("metrics", "ranking", "read"), ("metrics", "binary", "nope")):
        with pytest.raises(AipmError, match="guide|task"):
            guide_html(*args)


def test_constraint_examples_and_triggers_come_from_one_value():
    words = plain_text("metrics", "binary", "constraints")
    assert "fnr<=0.05 (miss at most 5%)" in words and "alerts_per_day<=2000 (at most 2,000 alerts a day" in words
    from aipm_widgets.core.monitoring.multiclass import DEFAULT_MC_TRIGGERS
    from aipm_widgets.core.monitoring.run import DEFAULT_TRIGGERS

    assert all(t in plain_text("monitoring", "binary", "save") for t in DEFAULT_TRIGGERS)
    assert all(t in plain_text("monitoring", "multiclass", "save") for t in DEFAULT_MC_TRIGGERS)


def test_the_binary_words_keep_what_the_fraud_page_said():
    """The main path keeps its explanations (the slider, the red point, the intervals, the rule's diamond)."""
    read = plain_text("metrics", "binary", "read")
    for phrase in ("Move the Threshold slider (or use the arrow keys)", "red point on the precision-recall curve",
                   "95% intervals", "Green marks the thresholds that meet the constraints", "orange diamond"):
        assert phrase in read
    mon = plain_text("monitoring", "binary", "read")
    for phrase in ("Heatmap", "Window", "Thresholds", "estimated", "realized", "likely concept drift", "Data notes",
                   "Save evidently report", "'N/A'", "-999"):
        assert phrase in mon


# ---------------------------------------------------------------------------------------------- projects
def _demo(tmp_path, example):
    from aipm_widgets.core.project import load_project, set_project

    record = tmp_path / "decision_record.yaml"
    set_project(record, {"example": example}, who="Test Person")
    return load_project(record)


def _own(tmp_path, task):
    if task == "binary":
        from own_product import init_args, write_loan_project  # noqa: F401
        from own_product import CURRENCY, NAME, POSITIVE, SCORE, generate_loans
        from aipm_widgets.core.project import load_project, set_project

        val, prod = generate_loans(n_validation=800, n_production=900)
        (tmp_path / "data").mkdir()
        val.to_csv(tmp_path / "data" / "validation.csv", index=False)
        prod.to_csv(tmp_path / "data" / "production.csv", index=False)
        set_project(tmp_path / "decision_record.yaml",
                    {"example": "none", "name": NAME, "currency": CURRENCY, "sources.validation": "data/validation.csv",
                     "columns.label": "approved", "columns.positive": POSITIVE, "columns.score": SCORE},
                    who="Test Person")
        return load_project(tmp_path / "decision_record.yaml")
    from own_tasks import forecast_project, routing_project

    return routing_project(tmp_path) if task == "multiclass" else forecast_project(tmp_path)


PROJECTS = [("demo", "fraud", "binary"), ("demo", "tickets", "multiclass"), ("demo", "delivery", "regression"),
            ("own", "binary", "binary"), ("own", "multiclass", "multiclass"), ("own", "regression", "regression")]


@pytest.fixture(params=PROJECTS, ids=lambda p: f"{p[0]}-{p[1]}")
def project(request, tmp_path, monkeypatch):
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    kind, which, task = request.param
    proj = _demo(tmp_path, which) if kind == "demo" else _own(tmp_path, which)
    assert proj.task == task
    return proj


def _page_guides(project, stage) -> str:
    return " ".join(pages.guide(stage, project, s).value for s in sections(stage, project.task))


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_speaks_the_projects_task(project, stage):
    task = project.task
    text = _words(_page_guides(project, stage))  # every section, "read" included
    for word in NEVER[task]:
        assert word.lower() not in text.lower(), f"{task} {stage} page says {word!r}"
    for word in OWN[stage][task]:
        assert word.lower() in text.lower(), f"{task} {stage} page lacks {word!r}"
    if stage == "metrics":
        assert project.currency in text


def test_the_pages_widgets_show_their_tasks_how_to_read_once(project):
    """The widget the page builds carries exactly one "How to read it", the guide's one for the project's task."""
    task = project.task
    explorer = pages.metrics_page(project)
    text = _texts(explorer)
    assert text.count(guides.HOW_TO_READ_TITLE) == 1, type(explorer).__name__
    assert f"data-task='{task}'" in text
    for word in NEVER[task]:
        assert word.lower() not in _words(re.search(r"<details class='aipm-how-to-read'.*?</details>", text, re.S)
                                          .group(0)).lower()


@pytest.mark.slow
@pytest.mark.parametrize("which", ["tickets", "delivery"])
def test_monitoring_widget_of_other_tasks_reads_once(tmp_path, monkeypatch, which):
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    project = _demo(tmp_path, which)
    monitor = pages.monitoring_page(project)
    text = _texts(monitor)
    assert text.count(guides.HOW_TO_READ_TITLE) == 1
    kids = list(monitor.children)
    assert kids.index(monitor.summary) < kids.index(monitor.how_to_read) < kids.index(monitor.figure)


# ---------------------------------------------------------------------------------------------- notebooks
def _cells(name):
    return json.loads((NOTEBOOKS / name).read_text())["cells"]


def _guide_calls(name):
    calls = []
    for cell in _cells(name):
        if cell["cell_type"] == "code":
            calls += re.findall(r'pages\.guide\("(\w+)", project, "(\w+)"', "".join(cell["source"]))
    return calls


@pytest.mark.parametrize("name,stage", [("03_data_assessment.ipynb", "data"), ("04_metric_selection.ipynb", "metrics"),
                                        ("05_post_launch_monitoring.ipynb", "monitoring")])
@pytest.mark.parametrize("task", TASKS)
def test_notebook_prose_is_task_neutral_and_how_to_read_is_said_once(name, stage, task):
    """Markdown plus the guides a notebook shows: no other task's words, and "How to read it" only from the widget."""
    markdown = " ".join("".join(c["source"]) for c in _cells(name) if c["cell_type"] == "markdown")
    calls = _guide_calls(name)
    assert calls and all(s == stage for s, _ in calls)
    assert {sec for _, sec in calls} == set(sections(stage, task)) - {"read"}, "every section but 'read' is shown once"
    shown = markdown + " ".join(_words(guide_html(stage, task, sec)) for _, sec in calls)
    for word in NEVER[task]:
        assert word.lower() not in shown.lower(), f"{name} ({task}) says {word!r}"
    # The page's one "How to read it" is the widget's (test_the_pages_widgets_show_their_tasks_how_to_read_once).
    assert shown.count(guides.HOW_TO_READ_TITLE) == 0


def test_notebooks_are_committed_without_outputs():
    names = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert len(names) == 7, names
    for name in names:
        for cell in _cells(name):
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, name


def test_a_broken_record_shows_no_guide():
    assert pages.guide("metrics", W.HTML("The record could not be read"), "intro").value == ""

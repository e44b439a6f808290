"""Stage pages and the Your product panel, without a browser, on a small generated loan project (no demo data)."""

from __future__ import annotations

import re

import ipywidgets as W
import pytest
from own_product import CURRENCY, NAME, OWNERS, POSITIVE, SCORE, generate_loans

from aipm_widgets.core.project import load_project, set_project
from aipm_widgets.core.record import load_record
from aipm_widgets.widgets import pages
from aipm_widgets.widgets.project_panel import ProjectPanel, UseAsSource


def _texts(widget, out=None) -> str:
    out = [] if out is None else out
    if isinstance(widget, (W.HTML, W.Label)):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        _texts(child, out)
    return " ".join(out)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("AIPM_USER", raising=False)
    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    val, prod = generate_loans(n_validation=800, n_production=900)
    (tmp_path / "data").mkdir()
    val.to_csv(tmp_path / "data" / "validation.csv", index=False)
    prod.to_csv(tmp_path / "data" / "production.csv", index=False)
    return tmp_path


def _project(folder, **extra):
    changes = {"example": "none", "name": NAME, "owners": ",".join(OWNERS), "currency": CURRENCY,
               "sources.validation": "data/validation.csv", "columns.label": "approved", "columns.positive": POSITIVE,
               "columns.score": SCORE, **extra}
    set_project(folder / "decision_record.yaml", changes, who="Test Person")
    return load_project(folder / "decision_record.yaml")


def test_missing_production_log_is_said_with_how_to_add_it(folder):
    project = _project(folder, **{"columns.timestamp": "decided_at"})
    page = pages.monitoring_page(project)
    text = _texts(page)
    assert isinstance(page, W.HTML) and "production" in text
    assert "aipm project set sources.production" in text and "Your product panel" in text


def test_missing_group_column_is_said_for_the_fairness_audit(folder):
    page = pages.fairness_page(_project(folder))
    assert "columns.groups" in _texts(page)


def test_metrics_page_uses_the_projects_columns_currency_and_a_rule_from_the_data(folder):
    project = _project(folder, **{"columns.value": "loan_amount", "columns.groups": "region", "volume_per_day": "1200"})
    page = pages.metrics_page(project)
    explorer = page.explorer
    assert explorer.result is not None
    assert explorer.tradeoff.costs.currency == CURRENCY and explorer.tradeoff.positive_name == POSITIVE
    assert explorer.baseline is not None and re.match(r"^\w+ [<>] [-0-9.e+]+$", explorer.baseline.rule)
    # Starts at the threshold that alerts as many rows as there are positives (no decision saved yet).
    val = project.validation()
    y = (val["approved"] == POSITIVE).astype(int)
    assert explorer.threshold == pytest.approx(pages.default_threshold(y, val[SCORE]))
    assert "Placeholder costs" in _texts(page) and CURRENCY in _texts(page)


def test_monitoring_page_estimates_without_production_labels(folder):
    project = _project(folder, **{"columns.timestamp": "decided_at", "sources.production": "data/production.csv",
                                  "columns.features": "income_k,debt_ratio,employment_years"})
    page = pages.monitoring_page(project)
    monitor = getattr(page, "monitor", page)
    assert monitor.result is not None, _texts(page)
    assert "approved" not in project.production().columns
    estimated = [c for c in monitor.result.performance.columns if c.startswith("estimated_") and "_" not in c[10:]]
    assert estimated and monitor.result.performance[estimated].notna().any().any()
    assert "estimated from the scores" in _texts(page)


def test_a_broken_record_gives_one_sentence_per_page(tmp_path):
    record = tmp_path / "decision_record.yaml"
    record.write_text("project: [this is not a project\n", encoding="utf-8")
    project = pages.open_project(record)
    assert isinstance(project, W.HTML)
    for fn in (pages.use_case_page, pages.expectations_page, pages.metrics_page, pages.monitoring_page, pages.brief_page):
        assert fn(project) is project
    assert "could not be read" in project.value


def test_next_links_are_relative_and_end_at_the_start_page():
    start = pages.next_links("start").value
    assert "href='01_use_case_scoping.ipynb'" in start and "00_start_here" not in start
    data = pages.next_links("data").value
    assert "href='04_metric_selection.ipynb'" in data and "href='00_start_here.ipynb'" in data
    brief = pages.next_links("brief").value
    assert "aipm-next-link" not in brief and "href='00_start_here.ipynb'" in brief
    with pytest.raises(Exception, match="Unknown stage"):
        pages.next_links("nowhere")


def test_demo_facts_only_in_the_demo(folder, tmp_path):
    own = _project(folder)
    assert "fraud" not in pages.about("metrics", own).value.lower()
    assert pages.demo_notes("scoping", own).value == ""
    demo = load_project(tmp_path / "no_record_yet.yaml")  # a missing record is the demo project
    assert demo.is_demo
    assert "The example (demo project)" in pages.about("metrics", demo).value
    assert "Fraud flagging" in pages.demo_notes("scoping", demo).value


def test_panel_refuses_a_bad_currency_and_saves_nothing(folder):
    _project(folder)
    before = (folder / "decision_record.yaml").read_bytes()
    panel = ProjectPanel(folder / "decision_record.yaml")
    panel.user.value = "Ana Silva"
    panel.fields["currency"].value = "euros"
    panel.save()
    assert panel.messages.errors and "currency" in panel.messages.errors[0]
    assert (folder / "decision_record.yaml").read_bytes() == before


def test_panel_saves_settings_and_the_name_used_by_later_saves(folder):
    _project(folder)
    panel = ProjectPanel(folder / "decision_record.yaml")
    assert panel.fields["columns.score"].value == SCORE and SCORE in panel.fields["columns.label"].options
    panel.user.value = "Ana <b>Silva</b>"
    panel.fields["volume_per_day"].value = "2,500"
    panel.fields["columns.groups"].value = "region"
    panel.save()
    assert not panel.messages.errors, panel.messages.messages
    project = load_project(folder / "decision_record.yaml")
    assert project.volume_per_day == 2500 and project.columns.groups == ["region"]
    rec = load_record(folder / "decision_record.yaml")
    assert rec.history[-1].who == "Ana <b>Silva</b>"
    assert "<b>Silva</b>" not in panel.title.value  # user text is escaped where rendered
    # A later save on another stage records the same person.
    page = pages.metrics_page(project)
    page.explorer.save()
    assert load_record(folder / "decision_record.yaml").history[-1].who == "Ana <b>Silva</b>"


def test_an_upload_becomes_the_projects_validation_data(folder):
    from aipm_widgets.widgets.metrics.own_predictions import OwnPredictions

    panel = OwnPredictions(record_path=folder / "decision_record.yaml")
    content = (folder / "data" / "validation.csv").read_bytes()
    panel.loader.load_bytes(content, "my loans.csv")
    panel.loader.label.value = "approved"
    panel.score.value = SCORE
    panel.positive.value = POSITIVE
    panel.use_as_source.save()
    assert not panel.use_as_source.messages.errors, panel.use_as_source.messages.messages
    project = load_project(folder / "decision_record.yaml")
    assert not project.is_demo
    assert project.columns.label == "approved" and project.columns.score == SCORE and project.columns.positive == POSITIVE
    assert (folder / "data" / "my_loans.csv").read_bytes() == content
    assert len(project.validation()) == 800


def test_use_as_source_needs_a_table(folder):
    from aipm_widgets.widgets.data_loader import DataLoader

    button = UseAsSource(DataLoader(), "production", record_path=folder / "decision_record.yaml")
    button.save()
    assert button.messages.errors and "Load a table first" in button.messages.errors[0]


def test_other_tasks_dispatch_or_say_not_available(folder):
    import importlib.util

    project = _project(folder, task="regression", **{"columns.prediction": SCORE})
    for fn, module in ((pages.metrics_page, "metrics.forecast_explorer"), (pages.monitoring_page, "monitoring.forecast_monitor")):
        widget = fn(project)
        assert isinstance(widget, W.Widget)
        if importlib.util.find_spec(f"aipm_widgets.widgets.{module}") is None:
            assert "does not support regression products yet" in _texts(widget)
        else:
            assert type(widget).__name__ != "ThresholdExplorer"


def test_explorer_says_how_the_page_chose_its_starting_threshold(folder):
    """Nobody set the starting threshold by hand: the headline says it is the starting point (or stage 4's saved
    one), and "set by hand" only after a move away from it."""
    from aipm_widgets.core.record import update_section
    from aipm_widgets.widgets.metrics.threshold_explorer import SET_BY_HAND

    explorer = pages.metrics_page(_project(folder)).explorer
    assert explorer.threshold_choice == f"the starting point: as many alerts as there are {POSITIVE} cases"
    assert explorer.threshold_choice in explorer.headline.value
    explorer.slider.index = max(explorer.slider.index - 40, 0)
    assert explorer.threshold_choice in (SET_BY_HAND,) or "lowest" in explorer.threshold_choice or "highest" in explorer.threshold_choice
    update_section(folder / "decision_record.yaml", "metrics", {"status": "decided", "threshold": 0.3, "task": "binary"},
                   what="test: a decision")
    again = pages.metrics_page(_project(folder)).explorer
    assert again.threshold == 0.3 and again.threshold_choice in ("the threshold saved in the decision record",) + tuple(
        r for _, r in again._best.values())


def _shown_by(source: str) -> int:
    """How many outputs a cell's code makes: its top-level ``display(...)`` calls and a last bare expression."""
    import ast

    body = ast.parse(source).body
    calls = sum(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and getattr(s.value.func, "id", "") == "display"
                for s in body)
    last = body[-1] if body else None
    shown_last = isinstance(last, ast.Expr) and not (isinstance(last.value, ast.Call)
                                                     and getattr(last.value.func, "id", "") == "display")
    return calls + shown_last


def test_every_page_cell_shows_one_thing():
    """Voila's progressive rendering (0.5.13) stops showing a cell's outputs at the first widget the browser has not
    built yet: a cell with ``display(a)`` then ``b`` lost ``b`` (page 4's candidates and upload panels). Each page cell
    therefore shows one output; several parts go through ``pages.together``."""
    import json

    from conftest import NOTEBOOKS

    assert _shown_by("display(a)\nb") == 2 and _shown_by("x = 1\npages.together(a, b)") == 1
    many = []
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            if cell["cell_type"] == "code" and _shown_by("".join(cell["source"])) > 1:
                many.append(f"{nb.name} cell {i}")
    assert many == []


def test_together_is_one_output_in_order_without_the_missing_parts():
    a, b = W.HTML("a"), W.Button(description="b")
    assert pages.together(a) is a and pages.together(None, a, None) is a
    box = pages.together(a, None, b)
    assert isinstance(box, W.VBox) and box.children == (a, b) and "aipm-together" in box._dom_classes

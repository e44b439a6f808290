"""StartPage without a browser: states, open items, links, history, new iteration with a confirm step."""

from __future__ import annotations

from brief_records import HOSTILE, full_record

from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.start_page import StartPage, stage_links


def test_start_page_states_and_links(tmp_path, monkeypatch):
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "00_start_here.ipynb")
    page = StartPage(record_path=full_record(tmp_path / "r.yaml"))
    assert [s.state for s in page.stages] == ["decided"] * 6
    html = page.table.value
    assert "href='01_use_case_scoping.ipynb'" in html
    assert "href='../../voila/render/04_metric_selection.ipynb'" in html
    assert "06_product_brief.ipynb" in html
    assert "7 open" in html  # the datasheet: 1 of its 8 required items done
    assert "History" in page.history.value and "Monitoring decision" in page.history.value


def test_links_in_voila_and_in_a_subfolder():
    assert stage_links("04_metric_selection.ipynb", env={"VOILA_REQUEST_URL": "http://x"}) == ("04_metric_selection.ipynb",) * 2
    assert stage_links("04_metric_selection.ipynb", env={"JPY_SESSION_NAME": "a/b/00_start_here.ipynb"})[1] == (
        "../../../../voila/render/a/b/04_metric_selection.ipynb"
    )
    assert stage_links("x.ipynb", env={})[1] == "../../voila/render/x.ipynb"


def test_new_iteration_needs_reason_and_confirmation(tmp_path):
    path = full_record(tmp_path / "r.yaml")
    page = StartPage(record_path=path)
    page.iterate_button.click()
    assert page.messages.errors and page.confirm_box.layout.display == "none"
    page.reason.value = "Model v2 <b>retrained</b>"
    page.iterate_button.click()
    assert page.confirm_box.layout.display == "flex"
    assert "Start iteration 2?" in page.confirm_text.value and "&lt;b&gt;retrained" in page.confirm_text.value
    assert load_record(path).project.iteration == 1  # nothing happens before the confirm
    page.cancel_button.click()
    assert load_record(path).project.iteration == 1
    page.iterate_button.click()
    page.confirm_button.click()
    rec = load_record(path)
    assert rec.project.iteration == 2
    states = {s.key: s.state for s in page.stages}
    assert states["metrics"] == states["monitoring"] == "needs_review"
    assert "iteration 2" in page.table.value and "Iteration 2 started" in page.messages.messages[-1][1]


def test_hostile_record_text_is_escaped(tmp_path):
    page = StartPage(record_path=full_record(tmp_path / "r.yaml", HOSTILE))
    for html in (page.table.value, page.history.value):
        assert "<script>" not in html and "<img" not in html


def test_broken_record_is_a_message(tmp_path):
    bad = tmp_path / "r.yaml"
    bad.write_text("project: [unclosed\n")
    page = StartPage(record_path=bad)
    assert page.messages.errors and "Traceback" not in page.messages.errors[0]


def test_links_with_an_absolute_session_path(tmp_path):
    env = {"JPY_SESSION_NAME": str(tmp_path / "notebooks" / "00_start_here.ipynb"), "AIPM_SERVER_ROOT": str(tmp_path)}
    assert stage_links("x.ipynb", env=env)[1] == "../../../voila/render/notebooks/x.ipynb"
    env["AIPM_SERVER_ROOT"] = str(tmp_path / "notebooks")
    assert stage_links("x.ipynb", env=env)[1] == "../../voila/render/x.ipynb"

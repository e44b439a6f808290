"""Charts after controls (issue 13): on a Voila page a widget's plotly charts reach the browser after its controls.

plotly.js (4.5 MB, about a second of the browser's main thread) held back a page's first slider. On a Voila page
(progressive rendering: each cell's output is shown as the cell ends) a widget's FigureWidgets are held in Python,
each in a place kept for it at its size, and drawn when the next cell starts, or shortly after the page's last cell.
Everything else stays as it was: in JupyterLab a chart is an ordinary FigureWidget drawn at once; a chart made by a
button's or an upload's callback is drawn at once; a held chart is a complete figure in Python.

Tested on a team's own product (loan approvals, CHF), not the demo, and on the demo's served command lines.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from own_product import CURRENCY, generate_loans

from aipm_widgets.widgets import _base

ROOT = Path(__file__).resolve().parent.parent


class FakeShell:
    """An IPython shell as a kernel has one: cell events, and the header of the message being handled."""

    def __init__(self, msg_type: str = "execute_request"):
        from IPython.core.events import EventManager, available_events

        self.events = EventManager(self, available_events)
        self.parent_header = {"header": {"msg_type": msg_type}}

    def start_cell(self) -> None:
        self.events.trigger("pre_run_cell", None)

    def end_cell(self) -> None:
        self.events.trigger("post_run_cell", None)


@pytest.fixture
def voila(monkeypatch):
    """A kernel serving a Voila page, in the middle of running a cell."""
    import IPython

    shell = FakeShell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setenv("VOILA_REQUEST_URL", "/voila/render/04_metric_selection.ipynb")
    monkeypatch.delenv("AIPM_CHARTS_AT_ONCE", raising=False)
    monkeypatch.setattr(_base, "_PENDING", [])
    monkeypatch.setattr(_base, "_WORK", [])
    monkeypatch.setattr(_base, "_HOOKED", [])
    return shell


@pytest.fixture
def loans():
    val, _ = generate_loans(n_validation=1_500, n_production=500)
    val["y"] = (val["approved"] == "declined").astype(int)
    return val


def _explorer(val, tmp_path):
    from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer

    return ThresholdExplorer.from_predictions(
        val["y"], val["p_default"], value=val["loan_amount"],
        costs={"cost_fp": 40, "fn_cost_from_value": True, "value_column": "loan_amount", "currency": CURRENCY},
        volume_per_day=300, record_path=tmp_path / "rec.yaml", value_name="loan_amount", positive_name="default")


def _in_a_kernel_loop(coro):
    """Run ``coro`` on an event loop of its own thread, as a kernel's cell runs on the kernel's loop (the thread of a
    test that ran after Playwright's sync API already has a running loop, and asyncio.run refuses to nest)."""
    import threading

    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", asyncio.run(coro)))
    thread.start()
    thread.join(30)
    return out["value"]


def _slots(widget) -> list:
    found, todo = [], [widget]
    while todo:
        w = todo.pop()
        if "aipm-chart-slot" in getattr(w, "_dom_classes", ()):
            found.append(w)
        todo.extend(c for c in getattr(w, "children", ()) if c is not None)
    return found


def test_only_a_voila_kernel_holds_charts_back():
    assert _base.charts_after_controls({"VOILA_REQUEST_URL": "/voila/render/x.ipynb"})
    assert _base.charts_after_controls({"VOILA_BASE_URL": "/"})
    assert not _base.charts_after_controls({})  # JupyterLab, a script, a test
    assert not _base.charts_after_controls({"VOILA_REQUEST_URL": "/x", "AIPM_CHARTS_AT_ONCE": "1"})


def test_outside_voila_a_chart_is_an_ordinary_figure_drawn_at_once(tmp_path, loans, monkeypatch):
    import plotly.graph_objects as go

    for name in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    ex = _explorer(loans, tmp_path)
    assert type(ex.pr_fig) is go.FigureWidget and ex.pr_fig.comm is not None
    assert _slots(ex) == []
    assert _base.chart(ex.pr_fig) is ex.pr_fig


def test_on_a_voila_page_the_charts_follow_the_controls(tmp_path, loans, voila):
    ex = _explorer(loans, tmp_path)
    figs = [ex.pr_fig, ex.cost_fig]
    assert ex.slider.comm is not None  # the controls are on their way to the browser
    assert all(not f.drawn and f.comm is None for f in figs)  # the charts are not
    slots = _slots(ex)
    assert len(slots) == 2 and all(s.children == () for s in slots)
    # each place is kept at its chart's size: nothing jumps when the chart comes
    assert sorted(s.layout.min_height for s in slots) == sorted(f"{int(f.layout.height or 450)}px" for f in figs)

    # a held chart is a whole figure in Python: a slider move updates it, and what is drawn is the new state
    marker = ex._pr_marker  # the trace of the current threshold
    before = list(ex.pr_fig.data[marker].x)
    ex.set_threshold(ex.tradeoff.best_threshold("f1")[0])
    after = list(ex.pr_fig.data[marker].x)
    assert after != before and ex.pr_fig.comm is None
    assert CURRENCY in ex.cost_fig.layout.title.text

    voila.end_cell()
    voila.start_cell()  # the next cell: the charts are drawn into their places
    assert all(f.drawn for f in figs)
    assert sorted(id(s.children[0]) for s in slots) == sorted(id(f) for f in figs)
    assert list(ex.pr_fig.get_state()["_data"][marker]["x"]) == after
    assert _base.draw_charts() == 0  # nothing left waiting


def test_the_last_cells_charts_are_drawn_shortly_after_it_ends(tmp_path, loans, voila, monkeypatch):
    monkeypatch.setattr(_base, "CHART_FALLBACK_S", 0.05)

    async def page_ends() -> bool:
        ex = _explorer(loans, tmp_path)
        voila.end_cell()  # no cell follows
        assert not ex.pr_fig.drawn
        await asyncio.sleep(0.3)
        return ex.pr_fig.drawn and ex.cost_fig.drawn

    assert _in_a_kernel_loop(page_ends())


def test_a_fallback_timer_of_an_earlier_cell_draws_nothing_twice(tmp_path, loans, voila, monkeypatch):
    monkeypatch.setattr(_base, "CHART_FALLBACK_S", 0.05)

    async def two_cells() -> int:
        _explorer(loans, tmp_path)
        voila.end_cell()
        voila.start_cell()  # drawn here
        ex2 = _explorer(loans, tmp_path)  # the second cell's charts wait for its own end
        await asyncio.sleep(0.2)  # the first cell's timer fires: it must not draw the second cell's charts early
        return ex2.pr_fig.drawn

    assert _in_a_kernel_loop(two_cells()) is False


def test_a_chart_made_by_a_button_is_drawn_at_once(tmp_path, loans, voila):
    voila.parent_header = {"header": {"msg_type": "comm_msg"}}  # a click reaches the kernel as a comm message
    ex = _explorer(loans, tmp_path)
    assert ex.pr_fig.drawn and ex.cost_fig.drawn
    assert [s.children[0] for s in _slots(ex)] and _base._PENDING == []


def test_a_held_chart_shown_on_its_own_is_drawn(voila):
    fig = _base.figure_widget(data=[{"type": "bar", "x": ["Ticino", "Bern"], "y": [3, 4]}])
    assert not fig.drawn
    bundle = fig._repr_mimebundle_()
    assert fig.drawn and json.dumps(bundle["application/vnd.jupyter.widget-view+json"]).count(fig.comm.comm_id) == 1
    other = _base.figure_widget(data=[{"type": "bar", "x": ["a"], "y": [1]}])
    import ipywidgets as W

    W.VBox([other])  # put in a box directly (not through chart): serialising the box names it, which draws it
    assert other.model_id and other.drawn


def test_every_way_of_serving_the_pages_renders_progressively():
    """`aipm dashboard`, `voila notebooks/` (notebooks/voila.json) and Binder (postBuild) show each cell as it ends."""
    from aipm_widgets.cli.cmd_project import PROGRESSIVE_RENDERING, voila_command

    assert PROGRESSIVE_RENDERING is True
    assert "--VoilaConfiguration.progressive_rendering=True" in voila_command("x.ipynb")
    # a page whose kernel died binding a taken TCP port never finished loading: kernels use Unix sockets
    assert "--KernelManager.transport=ipc" in voila_command("x.ipynb")
    config = json.loads((ROOT / "notebooks" / "voila.json").read_text())
    assert config["VoilaConfiguration"]["progressive_rendering"] is True
    assert '"progressive_rendering": true' in (ROOT / "binder" / "postBuild").read_text()


def test_the_page_template_lets_a_closed_page_shut_its_kernel_down():
    """Voila's beforeunload shutdown needs an _xsrf cookie that a page opened from a link lacks (voila#1458)."""
    text = (ROOT / "aipm_widgets" / "share" / "jupyter" / "voila" / "templates" / "aipm" / "index.html.j2").read_text()
    assert "document.cookie = \"_xsrf=\"" in text and "getRandomValues" in text and "{{ super() }}" in text


def _sent(monkeypatch) -> list:
    """Every widget message the kernel sends from now on, as (widget, method, state keys)."""
    import ipywidgets as W

    log: list = []
    real = W.Widget._send

    def send(self, msg, buffers=None):
        log.append((self, msg.get("method"), sorted(msg.get("state", {}))))
        return real(self, msg, buffers)

    monkeypatch.setattr(W.Widget, "_send", send)
    return log


def test_a_move_changes_the_words_before_the_charts(tmp_path, loans, monkeypatch):
    """The browser applies messages in order and a chart's redraw holds it for tens of milliseconds (60 to 75 ms per
    chart measured in Chromium on the 2-core machine): the numbers a person reads are sent first."""
    for name in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    ex = _explorer(loans, tmp_path)
    log = _sent(monkeypatch)
    ex.set_threshold(ex.tradeoff.best_threshold("f1")[0])
    words = {id(w) for w in (ex.headline, ex.confusion_fig, ex.cards, ex.constraint_status, ex.product_table,
                             ex.group_table)}
    charts = {id(ex.pr_fig), id(ex.cost_fig)}
    order = [("words" if id(w) in words else "chart") for w, _, _ in log if id(w) in words | charts]
    assert order[0] == "words" and "chart" in order
    assert order.index("chart") > max(i for i, k in enumerate(order) if k == "words")
    assert "aipm-confusion-counts" in ex.headline.value and CURRENCY in ex.headline.value


def test_a_move_redraws_only_the_markers(tmp_path, loans, monkeypatch):
    """A slider move sends each chart one plotly.js animate of its marker trace with the redraw off (the browser draws
    that trace again, not the axes, legend and curves: 22 to 24 ms a move instead of 66 to 70 ms, issue 13)."""
    from aipm_widgets.widgets._base import MOVE_IN_PLACE

    for name in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    ex = _explorer(loans, tmp_path)
    sent: list = []
    for fig in (ex.pr_fig, ex.cost_fig):
        fig.observe(lambda change, fig=fig: change["new"] is not None and sent.append((fig, change["new"])),
                    names=["_py2js_animate", "_py2js_restyle", "_py2js_relayout", "_py2js_update"])
    ex.set_threshold(ex.tradeoff.best_threshold("f1")[0])
    p = ex.result
    assert [fig for fig, _ in sent] == [ex.pr_fig, ex.cost_fig]  # one message a chart, nothing else
    pr_msg, cost_msg = (msg for _, msg in sent)
    assert pr_msg["animation_opts"] == MOVE_IN_PLACE and MOVE_IN_PLACE["frame"]["redraw"] is False
    assert pr_msg["style_traces"] == [ex._pr_marker] and cost_msg["style_traces"] == [ex._cost_marker]
    recall = p.metrics["recall"]
    assert pr_msg["style_data"][0]["x"] == [recall.value]
    assert pr_msg["style_data"][0]["error_x.arrayminus"] == [pytest.approx(recall.value - recall.low)]
    assert cost_msg["style_data"][0]["x"] == [p.threshold, p.threshold]
    # Python's figure holds the new state (what a later drawing, an export or a test reads)
    assert list(ex.pr_fig.data[ex._pr_marker].x) == [recall.value]
    assert list(ex.cost_fig.data[ex._cost_marker].y) == list(ex.cost_fig.layout.yaxis.range)
    # inside a batch_update the move joins that update (one update message, as plotly sends for all set in a batch)
    del sent[:]
    with ex.pr_fig.batch_update():
        ex.pr_fig.layout.title.text = "Precision and recall, loans"
        ex.set_threshold(ex.tradeoff.best_threshold("recall")[0])
    (update,) = [msg for fig, msg in sent if fig is ex.pr_fig]
    assert "animation_opts" not in update and update["layout_data"]["title.text"] == "Precision and recall, loans"
    assert list(ex.pr_fig.data[ex._pr_marker].x) == [ex.result.metrics["recall"].value]


def test_a_chart_on_a_voila_page_sends_no_message_the_browser_does_not_read(tmp_path, loans, voila, monkeypatch):
    """After each restyle the browser reports plotly.js's deltas; a plain FigureWidget echoed each report and then sent
    it cleared, and followed each restyle with a cleared one. On a Voila page none of these is sent."""
    ex = _explorer(loans, tmp_path)
    voila.end_cell()
    voila.start_cell()
    fig = ex.pr_fig
    assert fig.drawn
    log = _sent(monkeypatch)
    ex.set_threshold(ex.tradeoff.best_threshold("f1")[0])
    moves = [keys for w, _, keys in log if w is fig and keys == ["_py2js_animate"]]
    assert len(moves) == 1  # the move itself, not its clearing
    assert fig._py2js_animate is None  # cleared in Python all the same
    del log[:]
    report = {"trace_deltas": [], "trace_edit_id": fig._last_trace_edit_id}
    fig._handle_msg({"content": {"data": {"method": "update", "state": {"_js2py_traceDeltas": report},
                                          "buffer_paths": []}}, "buffers": []})
    assert fig._js2py_traceDeltas is None  # read and cleared
    assert [m for m in log if m[0] is fig] == []  # no echo, no clearing sent back
    # every other property still goes to the browser as usual
    fig.layout.title.text = "Precision and recall, loans"
    assert any(w is fig for w, _, _ in log)


def test_on_a_voila_page_the_explorer_builds_its_charts_after_its_controls(tmp_path, loans, voila, monkeypatch):
    """The cost curve and plotly's figures are not part of the cell that shows the slider; what is built later shows
    the state of that moment (a move made before the charts came)."""
    from aipm_widgets.core.metrics.tradeoff import Tradeoff

    curves = []
    real = Tradeoff.cost_curve
    monkeypatch.setattr(Tradeoff, "cost_curve", lambda self, *a, **k: curves.append(1) or real(self, *a, **k))
    ex = _explorer(loans, tmp_path)
    assert ex._pr_fig is None and ex._cost_fig is None and curves == []  # the cell showed the controls only
    assert ex.slider.comm is not None and "CHF" in ex.headline.value
    slots = _slots(ex)
    assert sorted(s.layout.min_height for s in slots) == ["320px", "330px"]  # kept at the charts' sizes
    ex.set_threshold(ex.tradeoff.best_threshold("recall")[0])  # a move before the charts exist: words only
    assert ex._pr_fig is None
    p = ex.result

    voila.end_cell()
    voila.start_cell()
    assert curves and all(s.children and s.children[0].drawn for s in slots)
    marker = ex.pr_fig.data[ex._pr_marker]
    assert list(marker.x) == [p.metrics["recall"].value]  # the marker is where the words are
    assert list(ex.cost_fig.data[ex._cost_marker].x) == [p.threshold, p.threshold]
    ex.set_threshold(ex.tradeoff.best_threshold("f1")[0])  # and a move after them moves them
    assert list(ex.pr_fig.data[ex._pr_marker].x) == [ex.result.metrics["recall"].value]


def test_on_a_voila_page_the_monitor_measures_after_its_controls(tmp_path, voila):
    """A team's monitor (loans, weekly windows, CHF) shows its controls first and says it is measuring; the drift is
    measured when the next cell starts, and anything reading the result before that gets it measured."""
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    val, prod = generate_loans(n_validation=1_500, n_production=3_000)
    kw = dict(features=["income_k", "debt_ratio", "region"], window="week", timestamp="decided_at", score="p_default",
              record_path=tmp_path / "rec.yaml")
    m = DriftMonitor(val, prod, **kw)
    assert m._result is None and m._figures == {}  # nothing measured, no figure built
    assert m.window_size.comm is not None and "Measuring drift" in m.summary.value and "3,000 production rows" in m.summary.value
    assert "aipm-pending" in m.summary.value  # what the browser tests wait on before reading the page
    voila.end_cell()
    voila.start_cell()
    assert m._result is not None and "Measuring" not in m.summary.value
    assert m.result.first_drift().get("debt_ratio") is not None  # the generated drift (debt ratios rise) is found
    assert all(s.children and s.children[0].drawn for s in _slots(m))
    assert list(m.heatmap.data[0].y) == m.result.drift.features

    other = DriftMonitor(val, prod, **kw)  # read before the next cell: measured on the spot, once
    assert other.result is not None and other._computed
    assert other.result.first_drift() == m.result.first_drift()


def test_work_after_the_controls_that_fails_still_lets_the_charts_come(voila, caplog):
    def broken() -> None:
        raise ValueError("a widget's bug")

    assert _base.after_controls(broken) is True
    slot = _base.chart_later(lambda: _base.figure_widget(data=[{"type": "bar", "x": ["Ticino"], "y": [3]}]), height=200)
    assert slot.children == ()
    assert _base.draw_charts() == 1
    assert slot.children[0].drawn and "work after the controls failed" in caplog.text


def test_outside_voila_work_after_the_controls_runs_now(monkeypatch):
    for name in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    done = []
    assert _base.after_controls(lambda: done.append(1)) is False and done == [1]


def test_a_monitor_that_cannot_measure_says_why_after_its_controls(tmp_path, voila):
    """Wrong column names (a team's typo) on a Voila page: the controls come, then the reason in words, not a
    summary that says "measuring" for ever."""
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    val, prod = generate_loans(n_validation=500, n_production=800)
    m = DriftMonitor(val, prod, features=["income_k"], window="week", timestamp="decided_on", score="p_default",
                     record_path=tmp_path / "rec.yaml")
    assert "Measuring drift" in m.summary.value
    voila.end_cell()
    voila.start_cell()
    assert m.result is None and m.summary.value == ""
    assert "decided_on" in m.messages.value


def test_on_a_voila_page_the_monitor_reads_its_data_after_its_controls(tmp_path, voila):
    """Page 05: a monitor given its reference and production data as functions shows its controls before reading
    them (no engine choice: in-memory data), reads each once when the next cell starts, and then says and draws what
    the monitor given the tables at once does."""
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    val, prod = generate_loans(n_validation=1_500, n_production=3_000)
    kw = dict(features=["income_k", "debt_ratio", "region"], window="week", timestamp="decided_at", score="p_default",
              record_path=tmp_path / "rec.yaml")
    reads: list[str] = []
    m = DriftMonitor(lambda: reads.append("reference") or val.copy(), lambda: reads.append("production") or prod.copy(), **kw)
    assert reads == [] and m._result is None and m.engine is None
    assert "Measuring drift, performance and cost on the production data" in m.summary.value
    voila.end_cell()
    voila.start_cell()
    assert reads == ["reference", "production"] and m.result is not None
    at_once = DriftMonitor(val, prod, **kw)
    assert at_once.result is not None  # measured on the spot (the next cell has not started)
    assert m.summary.value == at_once.summary.value and m.alerts.value == at_once.alerts.value
    assert m.result.first_drift() == at_once.result.first_drift() and "debt_ratio" in m.result.first_drift()
    assert list(m.heatmap.data[0].z) == list(at_once.heatmap.data[0].z)
    m.window_size.value = "month"  # a new window size measures again on the tables read, not on new reads
    assert reads == ["reference", "production"] and m.result.settings["window"] == "month"


def test_a_monitor_whose_window_moves_before_it_measured_reads_its_data_then(tmp_path, voila):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    val, prod = generate_loans(n_validation=800, n_production=1_500)
    m = DriftMonitor(lambda: val, lambda: prod, features=["debt_ratio"], window="week", timestamp="decided_at",
                     record_path=tmp_path / "rec.yaml")
    m.window_size.value = "month"  # pressed before the next cell started
    assert m._result is not None and m.result.settings["window"] == "month" and len(m.result.labels) >= 3


def test_a_monitor_whose_data_cannot_be_read_says_why_in_the_widget(tmp_path, voila):
    from aipm_widgets.core.errors import InputDataError
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    val, _ = generate_loans(n_validation=500, n_production=800)

    def unreadable():
        raise InputDataError("production.parquet: the file is empty (0 bytes). Export the log again.")

    m = DriftMonitor(lambda: val, unreadable, features=["income_k"], window="week", timestamp="decided_at",
                     record_path=tmp_path / "rec.yaml")
    voila.start_cell()
    assert m.result is None and m.summary.value == ""
    assert "the file is empty (0 bytes)" in m.messages.value
    assert m.save_decision() is None and not (tmp_path / "rec.yaml").exists()  # nothing saved on data never read


def _assessment(frame, tmp_path, **kwargs):
    from own_product import ID, LABEL, SCORE, TIMESTAMP

    from aipm_widgets.widgets.assessment.data_assessment import DataAssessment

    return DataAssessment(frame, label=LABEL, id_column=ID, time_column=TIMESTAMP, ignore=(SCORE,),
                          name="loan applications (team)", record_path=tmp_path / "rec.yaml", **kwargs)


def test_on_a_voila_page_the_assessment_reads_its_table_after_its_controls(tmp_path, loans, voila, monkeypatch):
    """Page 03: the data assessment given its table as a function shows its upload, path and role controls first
    and reads the table (and pandas with it) when the next cell starts; its checks then answer as with the table given
    at once."""
    from own_product import LABEL

    monkeypatch.setenv("AIPM_CACHE", "0")
    reads = []
    page = _assessment(lambda: reads.append(1) or loans.copy(), tmp_path, run=False)
    assert reads == [] and page.loader.frame is None and page.result is None
    assert "Reading <b>loan applications (team)</b>" in page.loader.info.value
    voila.end_cell()
    voila.start_cell()  # the next cell: assessment.run()
    assert reads == [1] and page.loader.frame is not None and page.loader.label.value == LABEL
    assert "Loaded <b>loan applications (team)</b>: 1,500 rows" in page.loader.info.value
    page.run()
    at_once = _assessment(loans.copy(), tmp_path, run=True)
    assert page.result is not None and reads == [1]
    assert [i.to_dict() for i in page.result.issues] == [i.to_dict() for i in at_once.result.issues]
    assert page.summary.value == at_once.summary.value


def test_run_in_the_cell_that_made_the_assessment_reads_its_table_first(tmp_path, loans, voila, monkeypatch):
    monkeypatch.setenv("AIPM_CACHE", "0")
    page = _assessment(lambda: loans.copy(), tmp_path, run=False)
    page.run()
    assert page.result is not None and page.result.rows == 1_500 and not page.messages.value
    voila.end_cell()
    voila.start_cell()  # nothing left to read: the table is not read twice, the result stays
    assert page.result.rows == 1_500


def test_an_assessment_whose_table_cannot_be_read_says_why_in_the_widget(tmp_path, loans, voila):
    from aipm_widgets.core.errors import InputDataError

    def unreadable():
        raise InputDataError("loans.parquet: the file is not Parquet (it starts with '<html>').")

    page = _assessment(unreadable, tmp_path, run=True)
    voila.start_cell()
    assert "the file is not Parquet" in page.messages.value and page.result is None
    no_label = _assessment(lambda: loans.drop(columns=["approved"]), tmp_path, run=True)
    voila.start_cell()
    assert "Column &#x27;approved&#x27; not found" in no_label.messages.value and no_label.result is None
    assert no_label.loader.frame is not None  # the table stays: the team picks the label and presses Assess


def test_outside_voila_an_assessment_reads_and_runs_at_once(tmp_path, loans, monkeypatch):
    for name in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIPM_CACHE", "0")
    page = _assessment(lambda: loans.copy(), tmp_path, run=True)
    assert page.result is not None and page.result.rows == 1_500

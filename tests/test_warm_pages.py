"""Pages that open without waiting (issue 13): page 03's checks read back from the result cache, ``aipm warm`` that
fills it, and the light plotly template every figure starts from. On a team's own table (parcel lockers, in CHF),
not only the demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.assessment.report import assess

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("AIPM_CACHE_DIR", str(folder))
    monkeypatch.delenv("AIPM_CACHE", raising=False)
    return folder


@pytest.fixture
def lockers() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 3_000
    frame = pd.DataFrame({
        "parcel_ref": [f"PL-{i:06d}" for i in range(n)],
        "dropped_at": pd.date_range("2026-03-01", periods=n, freq="17min"),
        "weight_kg": rng.gamma(2.0, 1.5, n).round(2),
        "locker_zone": rng.choice(["Bern Nord", "Zürich HB", "Genève Cornavin"], n),
        "fee_chf": rng.choice([4.5, 7.0, 9.5], n),
        "uncollected": np.where(rng.random(n) < 0.12, "ja", "nein"),
    })
    frame.loc[rng.choice(n, 40, replace=False), "weight_kg"] = np.nan
    return frame


def fresh_page(tmp_path, code: str, *args, record=None, voila: bool = False) -> list[str]:
    """The lines ``code`` prints in a new Python process, as a page's kernel starts it: the record at ``record``
    (default ``tmp_path/decision_record.yaml``), a result cache of its own, and with ``voila`` the variables a Voila
    kernel has (charts after controls). Fails with the process's error if it fails."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, AIPM_RECORD=str(record or tmp_path / "decision_record.yaml"),
               AIPM_CACHE_DIR=str(tmp_path / "cache"))
    if voila:
        env["VOILA_BASE_URL"] = "/"
        env.pop("AIPM_CHARTS_AT_ONCE", None)
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-800:]
    return out.stdout.strip().splitlines()


def test_assessment_is_read_back_equal_with_the_callers_waivers(cache_dir, lockers):
    roles = dict(label="uncollected", id_column="parcel_ref", time_column="dropped_at")
    steps = []
    first = assess(lockers, cache=True, progress=lambda *a: steps.append(a), **roles)
    assert not first.from_cache and len(steps) > 1
    assert len(list(cache_dir.rglob("assessment-*.pickle"))) == 1
    key = first.issues[0].key
    steps.clear()
    again = assess(lockers, cache=True, waivers={key: "known: scale rounds to 10 g"},
                   progress=lambda *a: steps.append(a), **roles)
    assert again.from_cache and steps == [("read back from the cache", 1, 1)]
    assert [i.to_dict() for i in again.issues] == [i.to_dict() for i in first.issues]
    assert again.waivers == {key: "known: scale rounds to 10 g"} and first.waivers == {}
    assert again.summary() != first.summary() and "accepted" in again.summary()
    assert again.seconds == first.seconds  # the first computation's time, said as such by the page
    # another table, other roles or no cache: computed afresh
    changed = lockers.copy()
    changed.loc[0, "weight_kg"] = 99.0
    assert not assess(changed, cache=True, **roles).from_cache
    assert not assess(lockers, cache=True, label="uncollected").from_cache
    assert not assess(lockers, **roles).from_cache


def test_cache_off_and_unreadable_cache_compute_afresh(cache_dir, lockers, monkeypatch):
    roles = dict(label="uncollected", id_column="parcel_ref")
    assess(lockers, cache=True, **roles)
    for path in cache_dir.rglob("assessment-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert not assess(lockers, cache=True, **roles).from_cache
    monkeypatch.setenv("AIPM_CACHE", "0")
    assert not assess(lockers, cache=True, **roles).from_cache
    assert not assess(lockers, cache=True, **roles).from_cache


def test_page03_reads_back_what_aipm_warm_computed(cache_dir, tmp_path, monkeypatch, capsys):
    from aipm_widgets.cli import main
    from aipm_widgets.widgets import pages

    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "none.yaml"))  # no record: the demo
    assert main(["warm"]) == 0
    out = capsys.readouterr().out
    assert "warmed: data checks of fraud_transactions (demo)" in out and "computed in" in out
    page = pages.data_page(pages.open_project(), run=True)
    assert page.result.from_cache
    assert "checked before" in page.progress_label.value and "read back" in page.progress_label.value
    assert main(["warm"]) == 0 and "already cached" in capsys.readouterr().out


def test_warm_says_nothing_to_warm_for_a_broken_record(cache_dir, tmp_path, monkeypatch, capsys):
    from aipm_widgets.cli import main

    broken = tmp_path / "decision_record.yaml"
    broken.write_text("project: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("AIPM_RECORD", str(broken))
    assert main(["warm"]) == 0
    assert "nothing to warm" in capsys.readouterr().out
    assert not list(cache_dir.rglob("*.pickle"))


def test_figures_start_from_the_light_template_and_keep_a_teams_theme(monkeypatch):
    import plotly.io as pio

    from aipm_widgets.widgets._base import _TRACES_DRAWN, figure_widget

    fig = figure_widget(data=[{"type": "bar", "x": ["a"], "y": [1]}], layout={"title": {"text": "Gebühren CHF"}})
    template = fig.layout.template
    assert template.layout.paper_bgcolor == pio.templates["plotly"].layout.paper_bgcolor
    assert sorted(k for k, v in template.data.to_plotly_json().items() if v) == sorted(_TRACES_DRAWN)
    assert fig.layout.title.text == "Gebühren CHF"
    own = figure_widget(layout={"template": "simple_white"})
    assert own.layout.template.layout.plot_bgcolor == pio.templates["simple_white"].layout.plot_bgcolor
    monkeypatch.setattr(pio.templates, "default", "ggplot2")
    themed = figure_widget()
    assert themed.layout.template.layout.plot_bgcolor == pio.templates["ggplot2"].layout.plot_bgcolor


def test_pages_03_and_05_open_without_the_slow_imports(tmp_path):
    """Building page 03 (checks read back) and page 05 (drift, estimated performance) loads none of the libraries
    that cost 0.3 to 1 s to import: scikit-learn, scipy.stats, scipy.optimize (isotonic fit), scipy.spatial,
    scipy.special (drift's Jensen-Shannon distance)."""
    code = (
        "import sys\n"
        "from aipm_widgets.widgets import pages\n"
        "p = pages.open_project()\n"
        "pages.about('data', p); pages.data_page(p, run=True)\n"
        "pages.about('monitoring', p); pages.monitoring_page(p)\n"
        "print(sorted(m for m in ('sklearn', 'scipy.stats', 'scipy.optimize', 'scipy.spatial', 'scipy.special') if m in sys.modules))\n"
    )
    assert fresh_page(tmp_path, code, record=tmp_path / "none.yaml")[-1] == "[]"


def test_every_way_of_serving_the_pages_waits_for_a_cells_output():
    """nbclient's 4 s wait for a cell's output left page 04's explorer out of 5 to 7 of 20 pages opened at once on
    2 cores, without a word (voila.log: "Timeout waiting for IOPub output"). `aipm dashboard`, `voila notebooks/`
    (notebooks/voila.json) and Binder (postBuild's server config, checked in test_binder.py) wait longer."""
    import json
    from pathlib import Path

    from aipm_widgets.cli.cmd_project import IOPUB_TIMEOUT_S, voila_command

    assert IOPUB_TIMEOUT_S >= 60
    assert f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}" in voila_command("x.ipynb")
    root = Path(__file__).resolve().parent.parent
    assert json.loads((root / "notebooks" / "voila.json").read_text())["VoilaExecutor"]["iopub_timeout"] == IOPUB_TIMEOUT_S
    assert f'"VoilaExecutor": {{"iopub_timeout": {IOPUB_TIMEOUT_S}}}' in (root / "binder" / "postBuild").read_text()


def test_aipm_dashboard_warms_page03_in_the_background(cache_dir, tmp_path, monkeypatch):
    """`aipm dashboard` starts `aipm warm` beside the server (low priority, output discarded): it fills the cache."""
    from aipm_widgets.cli.cmd_project import warm_in_background

    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "none.yaml"))  # no record: the demo
    proc = warm_in_background(tmp_path)
    assert proc is not None and proc.wait(timeout=300) == 0
    assert len(list(cache_dir.rglob("assessment-*.pickle"))) == 1


@pytest.mark.parametrize("decided", [True, False], ids=["stage-1-decided", "new-workshop"])
def test_demo_scoping_page_opens_without_pandas(tmp_path, decided):
    """Page 01 of the demo (the use-case canvas, its checklist) reads no table once stage 1 is decided: opening it
    loads neither pandas nor pyarrow (0.4 s of the page's 0.85 s in the kernel before its first button). Before
    that (a workshop's first visit, no record yet) the fraud candidate's value range is computed from the logged
    history, read as numpy columns: pyarrow but no pandas (the canvas's cell 0.52 s -> 0.12 s in-process). A team's
    own project reads its tables on every page, page 01 too: its "about" box says how many rows, from when, and the
    positive share."""
    from aipm_widgets.widgets.scoping.canvas import ScopingCanvas

    record = tmp_path / "decision_record.yaml"
    if decided:
        canvas = ScopingCanvas(record_path=record, who="Ana")  # as a workshop has it: stage 1 decided
        canvas.candidate.value = "fraud_flagging"
        canvas.save()
    code = (
        "import sys\n"
        "from aipm_widgets.widgets import pages\n"
        "from aipm_widgets import Checklist\n"
        "p = pages.open_project()\n"
        "assert not isinstance(p, pages.W.Widget), p.value\n"
        "pages.about('scoping', p); pages.use_case_page(p); pages.demo_notes('scoping', p)\n"
        "Checklist('use_case_scoping', section='scoping'); pages.next_links('scoping')\n"
        "print(p.currency, sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))\n"
    )
    assert fresh_page(tmp_path, code, record=record)[-1] == ("EUR []" if decided else "EUR ['pyarrow']")


def test_demo_start_page_opens_without_pandas(tmp_path):
    """The start page's "Your product" panel offers the validation table's columns and its label's values: for the demo
    read from the file's schema and the label column (pyarrow, no pandas: 0.4 s of the page's kernel time before its
    first control, StartPage() 0.42 s -> 0.09 s in-process)."""
    code = (
        "import sys\n"
        "from aipm_widgets.widgets import pages\n"
        "from aipm_widgets.widgets.start_page import StartPage\n"
        "p = pages.open_project()\n"
        "pages.about('start', p); s = StartPage(); pages.next_links('start')\n"
        "f = s.project_panel.fields\n"
        "print(list(f['columns.score'].options)); print(list(f['columns.positive'].options))\n"
        "print('Columns of the validation data' in s.project_panel.columns_hint.value)\n"
        "print(sorted(m for m in ('pandas',) if m in sys.modules))\n"
    )
    columns, positive, hint, loaded = fresh_page(tmp_path, code)[-4:]
    from aipm_widgets.core.demo import load_fraud

    frame = load_fraud("validation")  # what the panel offered before, from the whole table
    assert columns == str(list(frame.columns)) and "is_fraud" in columns
    assert positive == str([str(v) for v in frame["is_fraud"].dropna().unique()[:20]])
    assert hint == "True" and loaded == "[]"


def test_brief_page_opens_without_pandas(tmp_path):
    """The brief says a saved fairness audit in the audit's own words (core.expectations.verdicts) without loading the
    audit's module, which needs pandas: brief_page 0.47 s -> 0.15 s in-process, before the page's first control."""
    from brief_records import full_record

    record = full_record(tmp_path / "decision_record.yaml", text="Parcel lockers")
    code = (
        "import sys\n"
        "from aipm_widgets.widgets import pages\n"
        "p = pages.open_project()\n"
        "page = pages.brief_page(p)\n"
        "from aipm_widgets.core.brief.document import brief_sections\n"
        "from aipm_widgets.core.record import load_record\n"
        "facts = dict(next(s for s in brief_sections(load_record(sys.argv[1])) if s.id == 'fairness').facts)\n"
        "print(facts['Four-fifths rule'])\n"
        "print(sorted(m for m in ('pandas',) if m in sys.modules))\n"
    )
    phrase, loaded = fresh_page(tmp_path, code, record, record=record)[-2:]
    assert phrase.startswith("lowest ratio 0.50 (woman Parcel lockers vs man") and phrase.endswith(": fails"), phrase
    assert loaded == "[]"


def test_demo_expectations_page_opens_without_pandas_before_stage_4(tmp_path):
    """Page 02 on a workshop's first visit (no record; stage 4 not decided) measures its provisional one-pager at the
    threshold stage 4 will open at, on the validation rows read as numpy columns: no pandas before its first control
    (the one-pager's cell 0.47 to 0.52 s -> 0.14 s in-process), and the same counts as the rows through pandas."""
    from aipm_widgets.core import demo

    code = (
        "import sys\n"
        "from aipm_widgets import Checklist\n"
        "from aipm_widgets.widgets import pages\n"
        "p = pages.open_project()\n"
        "pages.about('expectations', p); one = pages.expectations_page(p).result\n"
        "print(repr(one.threshold), one.tp, one.fp, one.tn, one.fn)\n"
        "print(one.source)\n"
        "print(sorted(m for m in ('pandas',) if m in sys.modules))\n"
    )
    counts, source, loaded = fresh_page(tmp_path, code)[-3:]
    assert loaded == "[]"
    threshold, tp, fp, tn, fn = counts.split()
    rows = demo.load_fraud("validation").drop_duplicates("transaction_id").dropna(subset=["is_fraud"])
    alert, fraud = rows["score"] >= float(threshold), rows["is_fraud"] == 1
    assert [int(tp), int(fp), int(tn), int(fn)] == [int((alert & fraud).sum()), int((alert & ~fraud).sum()),
                                                    int((~alert & ~fraud).sum()), int((~alert & fraud).sum())]
    assert float(threshold) != demo.CARD_THRESHOLD  # the threshold stage 4 opens at, not the card's
    assert f"{len(rows):,} payments, duplicates removed" in source


def _texts(widget, out=None) -> list[str]:
    import ipywidgets as W

    out = [] if out is None else out
    if isinstance(widget, (W.HTML, W.HTMLMath, W.Label)):
        out.append(widget.value)
    for child in getattr(widget, "children", ()) or ():
        _texts(child, out)
    return out


def test_demo_metrics_page_shows_its_explorer_without_pandas(tmp_path, monkeypatch):
    """Page 04 of the demo, up to its explorer's slider, reads the validation columns it needs without pandas
    (core.io.columns: Arrow buffers and to_pylist; pyarrow imports pandas for to_numpy): the accuracy cell went from
    0.5 s to 0.15 s of the page's kernel time before its first control. The page says the same words as when it read
    the same rows as a DataFrame (the way it did before), at the opening threshold and after a move."""
    import inspect
    import json

    from aipm_widgets.widgets import pages

    code = (
        "import sys, json\n"
        + inspect.getsource(_texts) +
        "from aipm_widgets.widgets import pages\n"
        "p = pages.open_project()\n"
        "a = pages.accuracy_section(p); e = pages.metrics_page(p)\n"
        "loaded = sorted(m for m in ('pandas',) if m in sys.modules)\n"
        "first = _texts(a) + _texts(e)\n"
        "e.slider.value = e.slider.options[len(e.slider.options) // 3][1]\n"
        "print(json.dumps([first, _texts(e), loaded]))\n"
    )
    first, moved, loaded = json.loads(fresh_page(tmp_path, code)[-1])
    assert loaded == []

    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    monkeypatch.setattr(pages, "_demo_validation_columns", pages._demo_validation)  # the rows as a DataFrame
    p = pages.open_project()
    a, e = pages.accuracy_section(p), pages.metrics_page(p)
    assert first == _texts(a) + _texts(e)
    assert any("validation transactions" in t and "earlier transactions" in t for t in first)
    e.slider.value = e.slider.options[len(e.slider.options) // 3][1]
    assert moved == _texts(e) and moved != first[len(_texts(a)):]  # the move changed the explorer's words


def test_demo_data_page_shows_its_controls_before_reading_the_year(tmp_path):
    """Page 03 of the demo on a Voila page: the first cell shows the data assessment's controls without reading the
    year of transactions or importing pandas (0.5 s and more before the page's first control); the next cell's
    ``assessment.run()`` reads it and checks it. Run as notebook 03's own cells in an IPython shell of a Voila kernel."""
    import json

    cells = [c for c in json.loads((ROOT / "notebooks" / "03_data_assessment.ipynb").read_text())["cells"]
             if c["cell_type"] == "code"]
    first, second = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    assert "data_page(project, run=False)" in first and second.strip() == "assessment.run()"
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.parent_header = {'header': {'msg_type': 'execute_request'}}\n"
        "assert shell.run_cell(sys.argv[1]).success\n"
        "a = shell.user_ns['assessment']\n"
        "print(json.dumps(['pandas' in sys.modules, a.loader.info.value, a.loader.frame is None]))\n"
        "assert shell.run_cell(sys.argv[2]).success\n"
        "print(json.dumps([a.loader.info.value, a.result.rows, a.result.readiness]))\n"
    )
    shown, checked = (json.loads(line) for line in fresh_page(tmp_path, code, first, second, voila=True)[-2:])
    assert shown == [False, "<span style='font-size:13px'>Reading <b>fraud_transactions (demo)</b> ...</span>", True]
    from aipm_widgets.core.demo import load_fraud

    assert checked[0].startswith(f"<span style='font-size:13px'>Loaded <b>fraud_transactions (demo)</b>: "
                                 f"{len(load_fraud()):,} rows")
    assert checked[1] == len(load_fraud()) and checked[2] in ("not ready", "ready with warnings", "ready")


def test_demo_monitoring_page_shows_its_controls_before_reading_the_data(tmp_path, monkeypatch):
    """Page 05 of the demo on a Voila page: the first cell shows the drift monitor's controls without reading the
    validation and production transactions or importing pandas (0.6 s of the page's kernel time before its first
    control); the drift is measured when the next cell starts, and the page then says what it says measured at once."""
    import json

    cells = [c for c in json.loads((ROOT / "notebooks" / "05_post_launch_monitoring.ipynb").read_text())["cells"]
             if c["cell_type"] == "code"]
    first, second = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    assert "monitor = pages.monitoring_page(project)" in first
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.parent_header = {'header': {'msg_type': 'execute_request'}}\n"
        "assert shell.run_cell(sys.argv[1]).success\n"
        "m = shell.user_ns['monitor']\n"
        "print('SEEN', json.dumps(['pandas' in sys.modules, m._result is None, m.summary.value, m.engine is None]))\n"
        "assert shell.run_cell(sys.argv[2]).success\n"
        "print('SEEN', json.dumps([m._result is not None, m.summary.value, m.result.first_drift()]))\n"
    )
    lines = fresh_page(tmp_path, code, first, second, voila=True)
    shown, measured = (json.loads(line[5:]) for line in lines if line.startswith("SEEN "))
    assert shown[:2] == [False, True] and shown[3] is True
    assert "Measuring drift, performance and cost on the production data" in shown[2]
    assert measured[0] is True and "What happened since launch" in measured[1]
    assert {"amount", "channel", "merchant_category"} <= set(measured[2])  # the demo card's injected drifts

    from aipm_widgets.widgets import pages  # measured at once (outside Voila), from the same record: the same words

    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    m = pages.monitoring_page(pages.open_project())
    assert m.summary.value == measured[1] and m.result.first_drift() == measured[2]

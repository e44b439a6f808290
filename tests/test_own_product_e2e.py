"""Issue 10, end to end: a team's own product (loan approvals, CHF, text labels, unlabeled production log).

``aipm init`` with the project flags builds a workbook in a temporary folder; the person's name is saved on
"this machine" (an isolated ``XDG_CONFIG_HOME``) as the start page's panel does, and one stage decision is saved.
Then notebooks 00-06 run headless in that folder (nbclient, widget state kept) and every rendered output (text,
HTML, widget values, figure titles) must name the team's columns and currency, show no error and contain none of
the demo's words. The brief written from the record carries the product's name, owners and the saver's name.
Finally the same folder is served by Voila and pages 03, 04 and 05 are opened in Chromium; screenshots go to
``$AIPM_SHOTS_DIR`` (default: the test's temporary folder).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from conftest import assert_no_error_output, free_port, open_dashboard, stop_process, wait_http
from own_product import (
    CURRENCY,
    DEMO_WORDS,
    GROUP,
    ID,
    NAME,
    OWNERS,
    POSITIVE,
    SCORE,
    TIMESTAMP,
    VALUE,
    init_args,
    write_loan_project,
)

SAVER = "Noor Haddad"
NOTEBOOKS = ["00_start_here.ipynb", "01_use_case_scoping.ipynb", "02_expectations_and_ethics.ipynb",
             "03_data_assessment.ipynb", "04_metric_selection.ipynb", "05_post_launch_monitoring.ipynb",
             "06_product_brief.ipynb"]
# "Model card" is the name of a documentation format (the brief's JSON export), not a word of the demo's domain.
ALLOWED = re.compile(r"model[- ]cards?", re.I)
DEMO_RE = re.compile(r"(?i)\b(fraud\w*|transactions?|eur|cards?)\b")
SKIP_KEYS = {"_dom_classes", "_model_module", "_model_module_version", "_model_name", "_view_module",
             "_view_module_version", "_view_name", "layout", "style", "_view_count", "tabbable", "tooltip", "icon",
             "button_style", "bar_style", "_js2py_traceDeltas", "_js2py_layoutDelta", "_js2py_update", "_js2py_restyle",
             "_js2py_relayout", "_js2py_pointsCallback", "_py2js_addTraces", "_py2js_animate", "_py2js_deleteTraces",
             "_py2js_moveTraces", "_py2js_removeLayoutProps", "_py2js_removeTraceProps", "_py2js_restyle",
             "_py2js_relayout", "_py2js_update", "_config"}


def visible_text(value: str) -> str:
    """What a person reads: tags, styles and scripts removed, entities decoded."""
    value = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", value)
    value = re.sub(r"(?s)<[^>]+>", " ", value)
    return html.unescape(value)


def _strings(obj, out: list[str]) -> list[str]:
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in SKIP_KEYS:
                _strings(v, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _strings(v, out)
    return out


def rendered_text(nb) -> tuple[str, list[str]]:
    """(all text a reader sees in the executed notebook's outputs and widgets, the error outputs)."""
    parts, errors = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                errors.append(f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream":
                if out.name == "stderr" and re.search(r"Traceback|Error|serialization failed", out.text):
                    errors.append(out.text[:500])
                parts.append(out.text)
            else:
                data = out.get("data", {})
                if "application/vnd.jupyter.widget-view+json" in data:
                    continue  # the widget's own state is read below; its text/plain is only a repr
                for mime in ("text/html", "text/markdown", "text/plain"):
                    if mime in data:
                        parts.append(visible_text(data[mime]) if mime == "text/html" else data[mime])
                        break
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        for s in _strings(model.get("state", {}), []):
            if "aipm-msg-error" in s:
                errors.append("error message in a widget: " + visible_text(s)[:500])
            parts.append(visible_text(s))
    return "\n".join(parts), errors


@pytest.fixture(scope="module")
def loan_workbook(tmp_path_factory):
    """A workbook folder made by `aipm init` on the loan project, the person's name saved, one stage decided.

    The environment (record, isolated config folder) stays set for the module: the notebook kernels and the
    Voila server inherit it.
    """
    from aipm_widgets.cli import main

    folder = tmp_path_factory.mktemp("loan_workbook")
    config = tmp_path_factory.mktemp("config")
    # Half the generator's default size: weekly windows still hold ~250 rows, and the CI budget is 4 minutes.
    write_loan_project(folder, n_validation=1_500, n_production=3_000)
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(config))  # "this machine": where the start page keeps the name
    mp.delenv("AIPM_USER", raising=False)
    mp.setenv("GIT_CONFIG_GLOBAL", str(config / "gitconfig"))  # no git user name: the name comes from the panel
    mp.setenv("AIPM_RECORD", str(folder / "decision_record.yaml"))
    mp.setenv("DO_NOT_TRACK", "1")
    mp.setenv("OMP_NUM_THREADS", "1")  # shared cores: OpenMP spin-waiting made tree fits ~10x slower here
    try:
        assert main(["init", str(folder), *init_args(folder)]) == 0
        # The start page's Your product panel: type your name once (saved on this machine) and a description.
        from aipm_widgets.widgets.project_panel import ProjectPanel

        panel = ProjectPanel(folder / "decision_record.yaml")
        assert panel.result.name == NAME and not panel.result.is_demo
        panel.user.value = SAVER
        panel.fields["description"].value = "Flags loan applications likely to default for a second look."
        panel.save()
        assert panel.messages.errors == [], panel.messages.messages
        # A stage decision saved as a person would: stage 4's explorer; who is taken from the saved name.
        from aipm_widgets.widgets import pages

        page = pages.metrics_page(pages.open_project(folder / "decision_record.yaml"))
        page.explorer.save()
        assert page.explorer.messages.errors == [], page.explorer.messages.messages
        yield folder
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def executed(loan_workbook):
    """Notebooks 00-06 executed headless in the workbook folder: {name: (notebook, seconds)}."""
    from nbclient import NotebookClient

    out = {}
    for name in NOTEBOOKS:
        nb = nbformat.read(loan_workbook / name, as_version=4)
        start = time.monotonic()
        NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True,
                       resources={"metadata": {"path": str(loan_workbook)}}).execute()
        out[name] = (nb, time.monotonic() - start)
        (loan_workbook / "executed").mkdir(exist_ok=True)
        nbformat.write(nb, loan_workbook / "executed" / name)  # kept for a person to open when a check fails
    return out


def test_notebooks_run_on_the_teams_own_product(executed):
    texts, problems = {}, []
    for name, (nb, _seconds) in executed.items():
        text, errors = rendered_text(nb)
        problems += [f"{name}: {e}" for e in errors]
        readable = ALLOWED.sub(" ", text)
        for m in list(DEMO_RE.finditer(readable))[:5]:
            problems.append(f"{name} shows the demo word {m.group(0)!r}: ..."
                            + readable[max(0, m.start() - 100):m.end() + 60].replace("\n", " ") + "...")
        texts[name] = text
    assert not problems, "\n".join(problems)
    assert set(DEMO_WORDS) >= {"fraud", "EUR"}
    # The pages name the team's product, columns, label value and currency.
    assert NAME in texts["00_start_here.ipynb"] and OWNERS[1] in texts["00_start_here.ipynb"]
    for name in ("03_data_assessment.ipynb", "04_metric_selection.ipynb", "05_post_launch_monitoring.ipynb"):
        assert SCORE in texts[name] and TIMESTAMP in texts[name], name
    assert CURRENCY in texts["04_metric_selection.ipynb"] and CURRENCY in texts["05_post_launch_monitoring.ipynb"]
    assert POSITIVE in texts["04_metric_selection.ipynb"] and VALUE in texts["04_metric_selection.ipynb"]
    assert GROUP in texts["02_expectations_and_ethics.ipynb"] and ID in texts["03_data_assessment.ipynb"]
    # The rule baseline is computed from the team's data, not the demo's "amount > 900".
    assert re.search(r"(income_k|debt_ratio|employment_years|loan_amount) [<>] ", texts["04_metric_selection.ipynb"])
    # The production log has no label column: monitoring estimates performance instead of failing.
    assert "estimated" in texts["05_post_launch_monitoring.ipynb"]
    # Every page ends with a link to the next stage and back to the start page.
    for name, (nb, _) in executed.items():
        last = nb.cells[-1]
        assert "pages.next_links" in last.source, name


def test_brief_carries_product_owners_and_saver(executed, loan_workbook, tmp_path):
    from aipm_widgets.cli import main

    out = tmp_path / "brief.md"
    assert main(["brief", "--record", str(loan_workbook / "decision_record.yaml"), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert NAME in text and OWNERS[0] in text and OWNERS[1] in text
    assert SAVER in text, "the brief's history must say who saved"
    assert "by root" not in text
    assert CURRENCY in text


@pytest.mark.browser
def test_voila_pages_render_on_the_teams_data(loan_workbook, page, chromium_path):
    from aipm_widgets.cli.cmd_project import voila_command

    # Voila sends the page as its cells run: page 03 fits models, so allow more than the default minute.
    page.set_default_navigation_timeout(240_000)
    shots = Path(os.environ.get("AIPM_SHOTS_DIR") or loan_workbook / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1")  # record, config folder: set by the loan_workbook fixture
    port = free_port()
    log = open(loan_workbook / "voila.log", "w")
    proc = subprocess.Popen(voila_command(loan_workbook, port=port), cwd=loan_workbook, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/", proc)
        for name, ready, expect in (
            ("03_data_assessment.ipynb", ".aipm-readiness", [SCORE, ID, "validation.csv"]),
            ("04_metric_selection.ipynb", ".aipm-metric-cards", [CURRENCY, POSITIVE, SCORE]),
            ("05_post_launch_monitoring.ipynb", ".aipm-monitor-summary", [CURRENCY, TIMESTAMP, "estimated"]),
        ):
            open_dashboard(page, base, name, ready_selector=ready, timeout=240_000)
            page.wait_for_timeout(1500)  # plotly figures finish drawing
            # Voila scrolls inside its own panel: make the window as tall as the page to see it all.
            height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
            page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 8000)})
            page.wait_for_timeout(500)
            page.screenshot(path=str(shots / f"own_{name.split('_')[0]}.png"), full_page=True)
            page.set_viewport_size({"width": 1400, "height": 1000})
            assert_no_error_output(page)
            body = page.inner_text("body")
            for word in expect:
                assert word in body, f"{name}: {word!r} not on the page"
            found = sorted({m.group(0) for m in DEMO_RE.finditer(ALLOWED.sub(" ", body))})
            assert not found, f"{name} shows demo words {found}"
            assert not page.query_selector_all(".aipm-msg-error"), f"{name}: an error message is shown"
            # The navigation links resolve to the next dashboard and the start dashboard.
            hrefs = page.eval_on_selector_all(".aipm-nav a", "els => els.map(e => e.href)")
            assert f"{base}/voila/render/00_start_here.ipynb" in hrefs, hrefs
            nxt = NOTEBOOKS[NOTEBOOKS.index(name) + 1]
            assert f"{base}/voila/render/{nxt}" in hrefs, hrefs
        # The start page: the Your product panel shows the project as saved, and who decides.
        open_dashboard(page, base, "00_start_here.ipynb", ready_selector=".aipm-lifecycle", timeout=240_000)
        page.get_by_text("Your product: name, owners").click()
        page.wait_for_selector(".aipm-project-name input", state="visible")
        assert page.input_value(".aipm-project-name input") == NAME
        assert page.input_value(".aipm-project-user input") == SAVER
        assert page.input_value(".aipm-project-currency input") == CURRENCY
        assert page.input_value(".aipm-project-columns-score input") == SCORE
        page.set_viewport_size({"width": 1400, "height": 1600})
        page.screenshot(path=str(shots / "own_00_your_product.png"))
        assert_no_error_output(page)
    finally:
        stop_process(proc)
        log.close()

"""Time to the first interactive widget of every workbook page in Voila, against a one-slider notebook.

One Voila server (``cli.cmd_project.voila_command``, 127.0.0.1) serves a temporary folder holding copies of
``notebooks/*.ipynb`` and ``benchmarks/one_slider.ipynb``; every kernel shares one decision record filled
from the demo data (``scripts/demo_record.py --quick``), so pages show what a workshop team sees (with
``AIPM_BENCH_RECORD=new``, no record: a workshop's first visit). Chromium
(Playwright) opens a page in a fresh context and the time is ``performance.now()`` (milliseconds since
navigation start) of the first animation frame at which a control (slider, button, dropdown, text box, upload) is
visible, timed by the page itself (:data:`FIRST_CONTROL_TIMER`). For each
page the baseline and the page are measured alternately, ``REPEAT`` times each; the median and the 95th percentile
of each are reported, ``slowdown`` = median ours / median baseline (goal: at most 1.5).

``python -m benchmarks dashboard_04_metric_selection`` runs one page; ``python -m benchmarks`` runs all.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from . import scaled

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BASELINE = Path(__file__).resolve().parent / "one_slider.ipynb"
REPEAT = scaled(5, 1)
RECORD = os.environ.get("AIPM_BENCH_RECORD", "demo")
"""``demo``: every kernel shares the demo's decided record (what a workshop team sees once the stages are decided);
``new``: no record yet (a workshop's first visit: stage 1's candidates computed from the demo data, and so on)."""
SETTLE_S = float(os.environ.get("SETTLE_S", "1.0"))
"""Seconds of pause before each page is opened: the page left before it is still finishing (its kernel shutting down)."""
CONTROLS = (".widget-slider, .widget-button, .widget-dropdown, .widget-text, .widget-textarea, .widget-upload, "
            ".widget-toggle-buttons, .widget-checkbox")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]

_STATE: dict = {}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_record(path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("demo_record", ROOT / "scripts" / "demo_record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(path, quick=True)


def start_voila(*, record: bool = True, args: tuple[str, ...] = (),
                env: dict[str, str] | None = None) -> tuple[str, subprocess.Popen, Path]:
    """A Voila server on 127.0.0.1 over a temporary copy of the notebooks and the baseline: (url, process, folder).

    ``args`` are added to (or replace the same options of) the workbook's Voila command line and ``env`` to its
    environment (to measure a setting side by side with the workbook's own)."""
    sys.path.insert(0, str(ROOT))
    from aipm_widgets.cli.cmd_project import voila_command

    folder = Path(tempfile.mkdtemp(prefix="aipm-bench-voila-"))
    for nb in [*NOTEBOOKS.glob("*.ipynb"), BASELINE]:
        shutil.copy(nb, folder / nb.name)
    server_env = dict(os.environ, DO_NOT_TRACK="1", JUPYTER_PLATFORM_DIRS="1",
                      AIPM_RECORD=str(folder / "decision_record.yaml"), **(env or {}))
    if record:
        demo_record(folder / "decision_record.yaml")
    # As `aipm dashboard` does at start (and Binder's postBuild at image build): page 03's checks computed once.
    subprocess.run([sys.executable, "-m", "aipm_widgets.cli", "warm"], cwd=folder, env=server_env, check=True,
                   stdout=subprocess.DEVNULL)
    port = _free_port()
    log = open(folder / "voila.log", "w")  # noqa: SIM115 - stays open for the server's lifetime
    names = {a.split("=")[0] for a in args}
    command = [a for a in voila_command(folder, port=port) if a.split("=")[0] not in names]
    proc = subprocess.Popen([*command, *args], cwd=folder, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Voila exited early; see {folder / 'voila.log'}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    return url, proc, folder


def stop(proc: subprocess.Popen, folder: Path | None = None) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def launch_browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=os.environ.get("AIPM_CHROMIUM", "/usr/bin/chromium"),
                                 args=CHROMIUM_ARGS, headless=True)
    return pw, browser


def _session():
    if "url" not in _STATE:
        if RECORD not in {"demo", "new"}:
            raise SystemExit(f"AIPM_BENCH_RECORD is 'demo' or 'new', not {RECORD!r}")
        url, proc, folder = start_voila(record=RECORD == "demo")
        pw, browser = launch_browser()
        _STATE.update(url=url, proc=proc, folder=folder, pw=pw, browser=browser)

        def _close() -> None:
            try:
                browser.close()
                pw.stop()
            finally:
                stop(proc, folder)

        atexit.register(_close)
    return _STATE


# The page times its own first control: on every animation frame (before each paint) it looks for a control with a
# size (Playwright's "visible": a control in a collapsed panel has none) and keeps the time of the first frame that has
# one. Playwright's own wait checks at growing intervals (20, 50, 100, 100, then every 500 ms), so the time it returns
# is up to half a second late, by chance: the frame's time is what a person sees.
FIRST_CONTROL_TIMER = """
(() => {
  const selector = %s;
  const look = () => {
    for (const el of document.querySelectorAll(selector)) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden') {
        window.__aipmFirstControl = performance.now();
        return;
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""


def first_widget_s(browser, url: str, notebook: str, *, timeout_ms: int = 240_000) -> float:
    """Seconds from navigation start to the first visible control of ``notebook`` (a fresh browser context), as the
    page timed it (:data:`FIRST_CONTROL_TIMER`)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(FIRST_CONTROL_TIMER % json.dumps(CONTROLS))
    page = context.new_page()
    try:
        page.goto(f"{url}/voila/render/{notebook}", wait_until="commit", timeout=timeout_ms)
        # the first *visible* control: some sit in collapsed panels (the start page's "Your product")
        try:
            page.wait_for_selector(", ".join(f"{c.strip()}:visible" for c in CONTROLS.split(",")), timeout=timeout_ms)
        except Exception:
            shot = Path(tempfile.gettempdir()) / f"aipm-no-control-{Path(notebook).stem}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"{notebook}: no control after {timeout_ms / 1000:.0f} s; the page as it was: {shot}", file=sys.stderr)
            raise
        at = page.evaluate("() => window.__aipmFirstControl ?? performance.now()")
        return float(at) / 1000.0
    finally:
        leave(page)
        context.close()


def leave(page, *, timeout_s: float = 5.0) -> None:
    """Close ``page`` the way a person leaving it does: its ``beforeunload`` tells Voila to shut the page's kernel down.

    Voila runs a page's cells one by one (progressive rendering): a page closed without it (Playwright's
    ``context.close()``) leaves its kernel running the rest of the page, and the next measurement shares the CPU with it.
    The tests' ``page`` fixture leaves its pages the same way.
    """
    if page.is_closed():
        return
    try:
        with page.expect_event("close", timeout=timeout_s * 1000):
            page.close(run_before_unload=True)  # returns at once; the page runs its handlers, then closes
        time.sleep(0.2)  # the handler's beacon (POST voila/api/shutdown/<kernel>) on its way before the context goes
    except Exception:  # noqa: BLE001 - a page that stays (a dialog kept it) or is gone: the context closes it
        pass


def _case(notebook: str) -> dict:
    s = _session()
    ours, base = [], []
    for i in range(REPEAT):
        # alternating order and a pause before each: neither side always follows the other's page finishing
        pair = ((base, BASELINE.name), (ours, notebook))
        for runs, name in (pair if i % 2 == 0 else pair[::-1]):
            time.sleep(SETTLE_S)
            runs.append(first_widget_s(s["browser"], s["url"], name))
    med_o, med_b = statistics.median(ours), statistics.median(base)
    return {
        "n": REPEAT, "ours_s": med_o, "baseline": "one-slider notebook in the same Voila server (first visible control)",
        "baseline_s": med_b, "slowdown": med_o / med_b,
        "ours_p95_s": _p95(ours), "baseline_p95_s": _p95(base), "slowdown_p95": _p95(ours) / _p95(base),
        "ours_all_s": [round(x, 2) for x in ours], "baseline_all_s": [round(x, 2) for x in base],
        "loadavg_1min": round(os.getloadavg()[0], 2), "record": RECORD,
    }


def _p95(xs: list[float]) -> float:
    """The 95th percentile (linear interpolation; with 5 runs, near the slowest)."""
    import numpy as np

    return float(np.percentile(xs, 95))


PAGES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CASES = {f"dashboard_{nb.split('.')[0]}": (lambda nb=nb: _case(nb)) for nb in PAGES}
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = ["dashboard_00_start_here"]

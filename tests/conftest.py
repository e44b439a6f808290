"""Shared fixtures: demo data, temporary records, and the real-browser tier (Voila/JupyterLab + Chromium).

Browser tests use the fixtures ``voila_url`` (a Voila server on a free loopback port serving
``notebooks/``) and ``page`` (a Playwright page in Debian's headless Chromium). Under ``CI=true`` a missing
Chromium is a failure; elsewhere those tests skip with a one-line reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the benchmarks' browser helpers (one way of leaving a page for both)
    sys.path.insert(0, str(ROOT))
from benchmarks.bench_dashboards import leave as leave_page  # noqa: E402
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

os.environ.setdefault("DO_NOT_TRACK", "1")
# Slow stage-3 results are cached on disk (core/result_cache.py): tests keep theirs out of the user's cache folder.
os.environ.setdefault("AIPM_CACHE_DIR", tempfile.mkdtemp(prefix="aipm-test-cache-"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a server the tests started: terminate, then kill if it has not gone after 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def keep_shot(path: Path, folder: Path) -> None:
    """Copy a screenshot to ``folder`` for people to look at; the tests never depend on the copy."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / Path(path).name)
    except OSError:
        pass


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not answer within {timeout:.0f} s")


def find_chromium() -> str | None:
    for candidate in (os.environ.get("AIPM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        if IN_CI:
            pytest.fail("CI=true but no Chromium found: .ci/run must install Debian's 'chromium' package")
        pytest.skip("no Chromium found (apt-get install -y chromium); browser tests skipped")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class PageErrors(list):
    """Console errors and dialogs seen on a page (dialogs are dismissed and recorded)."""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.errors = PageErrors()
    pg.dialogs = []

    def on_dialog(dialog):
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    leave_page(pg)  # as a person leaves a page: on a Voila page its kernel is shut down
    context.close()


def _server_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DO_NOT_TRACK"] = "1"
    env["AIPM_RECORD"] = str(tmp / "decision_record.yaml")
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


@contextlib.contextmanager
def serve_voila(folder: Path, **env_overrides: str):
    """Voila on 127.0.0.1 over ``folder`` (its record ``folder/decision_record.yaml``); yields the base URL and stops
    the server afterwards. For a test's own notebooks; ``voila_server`` serves the workbook's."""
    from aipm_widgets.cli.cmd_project import voila_command

    port = free_port()
    env = {**_server_env(folder), **env_overrides}
    with open(folder / "voila.log", "w") as log:
        proc = subprocess.Popen(voila_command(folder, port=port), cwd=folder, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/", proc)
            yield base
        finally:
            stop_process(proc)


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory, chromium_path):
    """Voila serving ``notebooks/`` on 127.0.0.1; yields ``(base_url, record_path)``.

    The record path is a fresh temporary file shared by every page of the session (``AIPM_RECORD``).
    """
    from aipm_widgets.cli.cmd_project import voila_command

    tmp = tmp_path_factory.mktemp("voila")
    port = free_port()
    log = open(tmp / "voila.log", "w")
    env = _server_env(tmp)
    proc = subprocess.Popen(voila_command(NOTEBOOKS, port=port), cwd=NOTEBOOKS, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/", proc)
        yield base, Path(env["AIPM_RECORD"])
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="session")
def voila_url(voila_server):
    return voila_server[0]


def open_dashboard(page, base_url: str, notebook: str, *, ready_selector: str = ".widget-box, .widget-html, .jupyter-widgets", timeout: float = 120_000):
    """Open a notebook's Voila page and wait until its widgets are on screen (kernel ran every cell)."""
    page.goto(f"{base_url}/voila/render/{notebook}", wait_until="domcontentloaded")
    page.wait_for_selector(ready_selector, state="visible", timeout=timeout)
    # Voila shows a spinner until all cells have executed; wait for it to go away.
    page.wait_for_function(
        "() => !document.querySelector('#loading') || getComputedStyle(document.querySelector('#loading')).display === 'none'",
        timeout=timeout,
    )
    # A widget that measures after its controls (the drift monitor on a Voila page) says so in an .aipm-pending line
    # until its result is in: the page is ready when none is left.
    page.wait_for_function("() => !document.querySelector('.aipm-pending')", timeout=timeout)
    return page


def assert_no_error_output(page) -> None:
    """No traceback, no stderr output and no JavaScript error on the page."""
    text = page.inner_text("body")
    for marker in ("Traceback (most recent call last)", "Error in callback", "There was an error when executing cell"):
        assert marker not in text, f"page shows an error: {marker!r}\n{text[:2000]}"
    stderr = page.query_selector_all("[data-mime-type='application/vnd.jupyter.stderr']")
    assert not stderr, "stderr output on page: " + " | ".join(e.inner_text()[:300] for e in stderr)
    assert not getattr(page, "errors", []), f"JavaScript errors: {page.errors}"


@pytest.fixture(scope="session")
def jupyterlab_server(tmp_path_factory, chromium_path):
    """JupyterLab serving ``notebooks/`` on 127.0.0.1 without a token; yields the base URL."""
    from aipm_widgets.cli.cmd_project import lab_command

    tmp = tmp_path_factory.mktemp("lab")
    port = free_port()
    env = _server_env(tmp)
    cmd = lab_command(NOTEBOOKS, port=port) + [
        "--no-browser",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.expose_app_in_browser=True",
    ]
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=NOTEBOOKS, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api", proc)
        yield base
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture
def tmp_record(tmp_path):
    return tmp_path / "decision_record.yaml"


@pytest.fixture(scope="session")
def fraud_validation():
    from aipm_widgets.core import demo

    return demo.load_fraud("validation")


@pytest.fixture
def python_exe() -> str:
    return sys.executable

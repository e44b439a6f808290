"""Load: 20 concurrent sessions of the metric-selection page in one Voila server, each moving its slider.

A Voila server (``cli.cmd_project.voila_command``, 127.0.0.1) serves copies of the notebooks and the
one-slider baseline (see :mod:`benchmarks.bench_dashboards`). One Chromium opens ``SESSIONS`` contexts on
``04_metric_selection.ipynb`` (each its own kernel) plus one on ``one_slider.ipynb``. In each of ``ROUNDS``
rounds every page gets a keyboard ``ArrowRight`` on the ThresholdExplorer's slider handle, one page right
after the other, so the kernels update concurrently. The latency of a page is measured in the browser:
from the keydown on the handle (a capture listener) to the moment the confusion-matrix numbers on that
page change (a MutationObserver), both with ``performance.now()``. The baseline is the one-slider page's
latency measured in the same rounds, under the same load (a 21st session).

Memory: the resident set (psutil RSS) of every kernel process of the server after the rounds; a kernel
"died" when its process is gone or a page shows a dead-kernel message. Targets: p95 <= 500 ms, <= 300 MB
per kernel, no kernel dies. Not run in tests: ``python -m benchmarks load_metric_selection_20``.
"""

from __future__ import annotations

import os
import statistics
import time

from .bench_dashboards import launch_browser, start_voila, stop

SESSIONS = int(os.environ.get("AIPM_LOAD_SESSIONS", "20"))
ROUNDS = int(os.environ.get("AIPM_LOAD_ROUNDS", "5"))
PAGE = "04_metric_selection.ipynb"
BASELINE = "one_slider.ipynb"
TARGET_P95_MS = 500
TARGET_RSS_MB = 300

_ARM = """(args) => {
  const [handleSel, valueSel] = args;
  const handle = document.querySelector(handleSel);
  window.__t0 = null; window.__t1 = null;
  window.__before = document.querySelector(valueSel).innerText;
  if (!window.__armed) {
    window.__armed = true;
    handle.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
    new MutationObserver(() => {
      const el = document.querySelector(valueSel);
      if (window.__t0 !== null && window.__t1 === null && el && el.innerText !== window.__before) {
        window.__t1 = performance.now();
      }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
  }
  handle.focus();
  return window.__before;
}"""
_DONE = "() => window.__t1 !== null && window.__t0 !== null ? window.__t1 - window.__t0 : null"


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _kernels(server_pid: int) -> list:
    import psutil

    procs = []
    for child in psutil.Process(server_pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                procs.append(child)
        except psutil.Error:
            continue
    return procs


def _load_case() -> dict:
    load_before = os.getloadavg()
    url, proc, folder = start_voila()
    pw, browser = launch_browser()
    explorer_handle = ".aipm-threshold-explorer .widget-slider .noUi-handle"
    counts = ".aipm-confusion-counts"
    pages: list[tuple[str, object, str, str]] = []
    try:
        t_open = time.perf_counter()
        # The baseline page first, so its kernel is known and left out of the memory figures.
        order = [BASELINE] + [PAGE] * SESSIONS
        baseline_pids: set[int] = set()
        for notebook in order:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.set_default_timeout(600_000)
            page.goto(f"{url}/voila/render/{notebook}", wait_until="commit")
            if notebook == PAGE:
                pages.append((notebook, page, explorer_handle, counts))
            else:
                pages.append((notebook, page, ".baseline-slider .noUi-handle", ".baseline-value"))
                page.wait_for_selector(".baseline-value", state="visible")
                baseline_pids = {k.pid for k in _kernels(proc.pid)}
        for _, page, handle, value in pages:
            page.wait_for_selector(value, state="visible")
            page.wait_for_selector(handle, state="visible")
        # Every page has drawn its controls; wait for the kernels to finish the remaining cells.
        for _, page, _, _ in pages:
            page.wait_for_function(
                "() => !document.querySelector('#loading') || getComputedStyle(document.querySelector('#loading')).display === 'none'")
        open_s = time.perf_counter() - t_open
        kernels = _kernels(proc.pid)
        n_kernels_start = len(kernels)
        ours: list[float] = []
        base: list[float] = []
        missed = 0
        for _ in range(ROUNDS):
            for _, page, handle, value in pages:
                page.evaluate(_ARM, [handle, value])
                page.keyboard.press("ArrowRight")
            deadline = time.monotonic() + 60
            pending = list(pages)
            while pending and time.monotonic() < deadline:
                still = []
                for item in pending:
                    ms = item[1].evaluate(_DONE)
                    if ms is None:
                        still.append(item)
                    else:
                        (ours if item[0] == PAGE else base).append(float(ms))
                pending = still
                if pending:
                    time.sleep(0.02)
            missed += len(pending)
            time.sleep(0.5)
        kernels_after = _kernels(proc.pid)
        rss_mb, uss_mb = [], []
        for k in kernels_after:
            if k.pid in baseline_pids:
                continue
            try:
                info = k.memory_full_info()
                rss_mb.append(info.rss / 2**20)
                uss_mb.append(info.uss / 2**20)
            except Exception:  # noqa: BLE001 - a kernel that vanished counts as died below
                pass
        dead_text = sum(1 for _, page, _, _ in pages if "Kernel" in page.inner_text("body") and "died" in page.inner_text("body"))
        died = max(0, n_kernels_start - len(kernels_after)) + dead_text
        p50, p95 = statistics.median(ours), _percentile(ours, 0.95)
        base_p50 = statistics.median(base) if base else float("nan")
        return {
            "n": len(ours),
            "ours_s": p95 / 1000,
            "baseline": "one-slider notebook in one extra session under the same load, median update latency",
            "baseline_s": base_p50 / 1000,
            "metric": f"p95 update latency of {PAGE} (keydown to confusion numbers changed) over {SESSIONS} sessions x {ROUNDS} rounds",
            "sessions": SESSIONS, "rounds": ROUNDS, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
            "max_ms": round(max(ours), 1), "baseline_p50_ms": round(base_p50, 1),
            "baseline_max_ms": round(max(base), 1) if base else None, "updates_missed": missed,
            "kernels": len(kernels_after) - len(baseline_pids), "kernels_died": died,
            "kernel_rss_mb_median": round(statistics.median(rss_mb), 1) if rss_mb else None,
            "kernel_rss_mb_max": round(max(rss_mb), 1) if rss_mb else None,
            "kernel_rss_mb_total": round(sum(rss_mb), 1),
            "kernel_uss_mb_median": round(statistics.median(uss_mb), 1) if uss_mb else None,
            "kernel_uss_mb_max": round(max(uss_mb), 1) if uss_mb else None,
            "memory_note": "per metric-selection kernel (the baseline kernel excluded); USS = memory unique to the process",
            "open_all_s": round(open_s, 1),
            "target_p95_ms": TARGET_P95_MS, "target_rss_mb": TARGET_RSS_MB,
            "meets_targets": bool(p95 <= TARGET_P95_MS and rss_mb and max(rss_mb) <= TARGET_RSS_MB and died == 0 and missed == 0),
            "loadavg_before": [round(x, 2) for x in load_before], "cpus": os.cpu_count(),
        }
    finally:
        try:
            browser.close()
            pw.stop()
        finally:
            stop(proc, folder)


CASES = {"load_metric_selection_20": _load_case}

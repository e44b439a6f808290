"""How Voila serves the pages, side by side: the whole page at once vs progressive rendering with charts after controls.

``python -m benchmarks.compare_rendering [NOTEBOOK ...]`` starts two Voila servers over the same notebooks and demo
record: *at once* (``progressive_rendering=False``, ``AIPM_CHARTS_AT_ONCE=1``: how the workbook served its pages
before issue 13's change) and *progressive* (the workbook's command line as it is). For each page, REPEAT times
(env ``REPEAT``, default 5), in this order: the one-slider page on each server, then the page on each server (the
servers' order alternating from one repetition to the next, a pause of ``SETTLE_S`` seconds, default 1, before each);
each a fresh browser context, closed the way a person leaves a page (its kernel shut down). One JSON line per page: medians
of the first visible control (seconds from navigation start; :func:`benchmarks.bench_dashboards.first_widget_s`),
each server's slowdown against its own one-slider page, and every run.

With ``AIPM_COMPARE_WITH=<another checkout of the workbook>`` the two servers are instead *before* (that checkout's
package, e.g. ``git worktree add /tmp/before HEAD~1``) and *now* (this one), both served as the workbook serves them:
a change measured side by side on the same machine in the same minutes. ``AIPM_BENCH_RECORD=new`` serves both without
a decision record (see :data:`benchmarks.bench_dashboards.RECORD`).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

from .bench_dashboards import BASELINE, PAGES, RECORD, first_widget_s, launch_browser, start_voila, stop

AT_ONCE = {"args": ("--VoilaConfiguration.progressive_rendering=False",), "env": {"AIPM_CHARTS_AT_ONCE": "1"}}


def main(pages: list[str]) -> None:
    repeat = int(os.environ.get("REPEAT", "5"))
    settle = float(os.environ.get("SETTLE_S", "1.0"))
    other = os.environ.get("AIPM_COMPARE_WITH")
    record = RECORD == "demo"  # AIPM_BENCH_RECORD=new: no record on either server (a workshop's first visit)
    if other:
        servers = {"before": start_voila(env={"PYTHONPATH": os.path.abspath(other)}, record=record),
                   "now": start_voila(record=record)}
    else:
        servers = {"at_once": start_voila(**AT_ONCE, record=record), "progressive": start_voila(record=record)}
    first, second = servers
    pw, browser = launch_browser()
    try:
        for nb in pages:
            runs: dict[str, list[float]] = {f"{k}_{w}": [] for k in servers for w in ("baseline", "page")}
            for i in range(repeat):
                # A page left is still finishing on its server for a moment (its kernel shutting down): whichever
                # server goes second in a pair shares the machine with that. The order alternates (ABBA) and each
                # measurement starts after a pause, so neither server always pays it.
                order = list(servers.items()) if i % 2 == 0 else list(servers.items())[::-1]
                for what, notebook in (("baseline", BASELINE.name), ("page", nb)):
                    for name, (url, _, folder) in order:
                        time.sleep(settle)
                        try:
                            runs[f"{name}_{what}"].append(first_widget_s(browser, url, notebook))
                        except Exception:
                            # A page that never showed a control: say which, with its server's log, before the folder goes.
                            log = (folder / "voila.log").read_text(errors="replace")[-6000:]
                            print(f"{notebook} on the {name} server showed no control; its server's log ends:\n{log}",
                                  file=sys.stderr, flush=True)
                            raise
            med = {k: statistics.median(v) for k, v in runs.items()}
            print(json.dumps({
                "page": nb, "n": repeat, **{f"{k}_s": round(v, 2) for k, v in med.items()},
                **{f"slowdown_{k}": round(med[f"{k}_page"] / med[f"{k}_baseline"], 2) for k in servers},
                f"{second}_vs_{first}": round(med[f"{second}_page"] / med[f"{first}_page"], 2),
                "all_s": {k: [round(x, 2) for x in v] for k, v in runs.items()},
                "loadavg_1min": round(os.getloadavg()[0], 2), "record": RECORD,
            }), flush=True)
    finally:
        browser.close()
        pw.stop()
        for _, proc, folder in servers.values():
            stop(proc, folder)


if __name__ == "__main__":
    # a page may be named with or without ".ipynb" (without it, Voila serves the name as a file: 403, no page)
    main([p if p.endswith(".ipynb") else f"{p}.ipynb" for p in sys.argv[1:]] or PAGES)

"""Benchmarks: ours against a named baseline, measured side by side in the same process.

Each module ``benchmarks/bench_*.py`` defines ``CASES``, a dict mapping a case name to a function that
takes no argument and returns ``{"n": int, "ours_s": float, "baseline": str, "baseline_s": float, ...}``
(extra keys such as a target or a memory figure are printed too). ``python -m benchmarks [CASE...]``
runs them and prints one JSON object per line with ``ratio = baseline_s / ours_s``. Each case runs in its own
fresh interpreter (no state, memory or event loop left over from the one before); a case that fails prints
``{"case": ..., "error": ...}`` and the run goes on, exiting 1 at the end. A module may list a ``QUICK`` subset
and size its data with :func:`scaled` for ``python -m benchmarks --quick`` (the CI smoke run).
"""

from __future__ import annotations

import gc
import importlib
import os
import pkgutil
import statistics
import time
from typing import Callable

#: ``python -m benchmarks --quick`` sets this: the CI smoke run, each case on a reduced size. It checks that
#: every case still runs and prints its JSON; its figures are not the ones to report.
QUICK = os.environ.get("AIPM_BENCH_QUICK") == "1"


def scaled(full: int, quick: int) -> int:
    """A case's size: ``full`` normally, ``quick`` in the CI smoke run."""
    return quick if QUICK else full


def all_cases(*, quick: bool = False) -> dict[str, Callable[[], dict]]:
    """Every case by name; with ``quick``, only those a module lists in its ``QUICK`` (all when it has none)."""
    cases: dict[str, Callable[[], dict]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            names = getattr(module, "QUICK", list(module.CASES)) if quick else list(module.CASES)
            cases.update({name: module.CASES[name] for name in names})
    return cases


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """The fastest of ``repeat`` timings of ``number`` calls, per call (seconds)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)

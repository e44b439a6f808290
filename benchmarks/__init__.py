"""Benchmarks: ours against a named baseline, measured side by side in the same process.

Each module ``benchmarks/bench_*.py`` defines ``CASES``, a dict mapping a case name to a function that
takes no argument and returns ``{"n": int, "ours_s": float, "baseline": str, "baseline_s": float, ...}``
(extra keys such as a target or a memory figure are printed too). ``python -m benchmarks [CASE...]``
runs them and prints one JSON object per line with ``ratio = baseline_s / ours_s``.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import statistics
import time
from typing import Callable


def all_cases() -> dict[str, Callable[[], dict]]:
    cases: dict[str, Callable[[], dict]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            cases.update(module.CASES)
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

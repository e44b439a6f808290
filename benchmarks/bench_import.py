"""Import time of ``aipm_widgets`` (and its core) against ``import evidently``, each in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

from . import best_of


def _import_time(module: str) -> float:
    code = f"import time, os; os.environ['DO_NOT_TRACK']='1'; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _case(module: str) -> dict:
    ours = min(_import_time(module) for _ in range(5))
    baseline = min(_import_time("evidently") for _ in range(3))
    return {"n": 1, "ours_s": ours, "baseline": "import evidently", "baseline_s": baseline}


CASES = {
    "import_aipm_widgets": lambda: _case("aipm_widgets"),
    "import_aipm_widgets_core_record": lambda: _case("aipm_widgets.core.record"),
}

__all__ = ["CASES", "best_of"]
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = ["import_aipm_widgets"]

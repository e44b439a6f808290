"""Import time of ``aipm_widgets`` and of each stage's main widget, each in a fresh interpreter.

``import_*`` compare with ``import evidently``. ``widget_import_<name>`` time ``from aipm_widgets import <Widget>``
against ``import pandas, ipywidgets, plotly.graph_objects`` (what any notebook with a chart and a slider pays),
run interleaved (ours, baseline, ours, ...) so machine load hits both alike; ``slowdown`` = ours / baseline on the
medians (goal: at most 1.3).
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from . import best_of, scaled


def _import_time(statement: str) -> float:
    code = (f"import time, os; os.environ['DO_NOT_TRACK']='1'; t=time.perf_counter(); {statement}; "
            "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _case(module: str) -> dict:
    ours = min(_import_time(f"import {module}") for _ in range(5))
    baseline = min(_import_time("import evidently") for _ in range(3))
    return {"n": 1, "ours_s": ours, "baseline": "import evidently", "baseline_s": baseline}


WIDGET_BASELINE = "import pandas, ipywidgets, plotly.graph_objects"

#: case suffix -> the public name imported (``from aipm_widgets import <name>``) or a module path.
WIDGETS = {
    "threshold_explorer": "ThresholdExplorer",
    "data_assessment": "DataAssessment",
    "drift_monitor": "DriftMonitor",
    "fairness_audit": "FairnessAudit",
    "scoping_canvas": "ScopingCanvas",
    "expectations": "ExpectationsOnePager",
    "start_page": "StartPage",
    "forecast_explorer": "aipm_widgets.widgets.metrics.forecast_explorer.ForecastExplorer",
}


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def widget_case(name: str) -> dict:
    target = WIDGETS[name]
    if "." in target:
        module, attr = target.rsplit(".", 1)
        statement = f"from {module} import {attr}"
    else:
        statement = f"from aipm_widgets import {target}"
    runs = scaled(5, 3)
    ours, base = [], []
    _import_time(WIDGET_BASELINE)  # warm the file cache for both (the first read from disk is not an import cost)
    _import_time(statement)
    for _ in range(runs):
        ours.append(_import_time(statement))
        base.append(_import_time(WIDGET_BASELINE))
    ours_s, base_s = statistics.median(ours), statistics.median(base)
    return {"n": runs, "ours_s": ours_s, "baseline": WIDGET_BASELINE, "baseline_s": base_s,
            "slowdown": round(ours_s / base_s, 3), "target_slowdown": 1.3,
            "ours_p95_s": round(_p95(ours), 4), "baseline_p95_s": round(_p95(base), 4), "statement": statement}


CASES = {
    "import_aipm_widgets": lambda: _case("aipm_widgets"),
    "import_aipm_widgets_core_record": lambda: _case("aipm_widgets.core.record"),
    **{f"widget_import_{name}": (lambda name=name: widget_case(name)) for name in WIDGETS},
}

__all__ = ["CASES", "best_of"]
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = ["import_aipm_widgets", "widget_import_threshold_explorer"]

"""aipm-workbook: guided notebooks and widgets for the whole life of a machine-learning product.

Domain terms used throughout:

decision record
    One versioned YAML file (``decision_record.yaml``) holding every stage's decision, with a history
    of who changed what and when. See :mod:`aipm_widgets.core.record`.
stage
    One of the five steps of the workbook: (1) use-case scoping, (2) expectations and ethics,
    (3) data assessment, (4) metric selection, (5) post-launch monitoring. Each has a notebook and
    saves its decision to its section of the record.
threshold
    The score above which the model raises an alert (flags a transaction, shortlists an applicant).
    Every error rate in the workbook is "at a threshold".
drift window
    A slice of production data (a day, a week, a month or N rows) compared with the reference data
    to see whether inputs, outputs or performance moved.

The package is split in two: :mod:`aipm_widgets.core` computes (no ipywidgets, no plotly) and
:mod:`aipm_widgets.widgets` displays. Heavy libraries (evidently, plotly, ipywidgets, scikit-learn's
estimators) are imported where they are used, so ``import aipm_widgets`` stays fast.
"""

from __future__ import annotations

import importlib
import os

# The project never phones home: evidently reads this switch when it is imported.
os.environ.setdefault("DO_NOT_TRACK", "1")
# Arrow's default (mimalloc) pool keeps memory it freed: reading the demo data left 45 MB more per kernel
# than the system allocator. A workshop runs many kernels in about 2 GB, so use the system allocator
# (read by pyarrow when it is first imported; a user's own setting wins).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"

# Public names, resolved lazily from the module that defines them (PEP 562).
_LAZY = {
    "DecisionRecord": "aipm_widgets.core.record",
    "load_record": "aipm_widgets.core.record",
    "update_section": "aipm_widgets.core.record",
    "AipmError": "aipm_widgets.core.errors",
    "demo": "aipm_widgets.core.demo",
    "ThresholdExplorer": "aipm_widgets.widgets.metrics.threshold_explorer",
    "DataAssessment": "aipm_widgets.widgets.assessment.data_assessment",
    "DriftMonitor": "aipm_widgets.widgets.monitoring.drift_monitor",
    "Checklist": "aipm_widgets.widgets.checklist",
    "FairnessAudit": "aipm_widgets.widgets.expectations.fairness_audit",
    "ScopingCanvas": "aipm_widgets.widgets.scoping.canvas",
    "StartPage": "aipm_widgets.widgets.start_page",
    "ExpectationsOnePager": "aipm_widgets.widgets.expectations.one_pager",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aipm_widgets' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.endswith("." + name) else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)

"""The demo's slow stage-3 results (label noise, learning curve), computed once and shipped with the package.

Why shipped rather than computed at first run: a workshop on Binder starts every participant in a fresh container,
so a cache filled "at first run" is empty exactly when it matters, and the two computations take 5 to 15 s on a
shared laptop core. Both are deterministic (fixed seeds) and their results are small: the flagged row positions and
the most suspicious rows, the learning curve's points and fit (a few kB of JSON in ``aipm_widgets/data``).

The file records the key of what it was computed from (:func:`aipm_widgets.core.io.result_cache.data_key`: the data's
content hash, the settings, and the versions of this package, scikit-learn, cleanlab, numpy and pandas). A stored
result is returned only when the key computed from the data at hand is the same; otherwise the page offers its
button and computes. ``tests/test_page03_on_demand.py`` recomputes both and compares them with the file;
``python -m aipm_widgets.core.assessment.demo_results`` rewrites it.

The label-noise result is shipped without the cross-validated probabilities of every row (800 kB for the demo's
49,569 labeled rows, shown nowhere): a shipped :class:`LabelNoise` has an empty ``pred_probs``.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .label_noise import LabelNoise
from .learning_curve import LabelsNeeded, PowerLaw

__all__ = ["NOISE", "CURVE", "RESULTS_FILE", "labeled", "noise_inputs", "curve_inputs", "stored_label_noise",
           "stored_labels_needed", "compute", "write"]

NOISE: dict[str, Any] = {"cv": 3, "top": 25, "random_state": 0}
"""The demo's label-noise settings (:func:`~.label_noise.find_label_noise` keywords)."""
CURVE: dict[str, Any] = {"target": 0.92, "metric": "roc_auc", "cv": 3, "n_boot": 100, "random_state": 0,
                         "task": "binary"}
"""The demo's learning-curve settings (:func:`~.learning_curve.labels_needed` keywords)."""
CURVE_SAMPLE = 8_000
"""The learning curve is measured on this many labeled rows (drawn with seed 0): enough for the curve's shape."""
RESULTS_FILE = Path(__file__).resolve().parents[2] / "data" / "demo_stage3_results.json"


@functools.lru_cache(maxsize=1)
def _labeled() -> pd.DataFrame:
    from .. import demo

    fraud = demo.load_fraud()
    launch = demo.demo_card()["fraud"]["launch_date"]
    return fraud[(fraud["timestamp"] < launch) & fraud["is_fraud"].notna()].drop_duplicates("transaction_id")


def labeled() -> pd.DataFrame:
    """The demo's labeled rows before launch (the data the model was built from), each transaction once (a copy)."""
    return _labeled().copy()


def noise_inputs(frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Features, 0/1 labels and ids the demo's label-noise check runs on."""
    from .. import demo

    lab = labeled() if frame is None else frame
    return lab[demo.FRAUD_FEATURES], lab["is_fraud"].astype(int), lab["transaction_id"]


def curve_inputs(frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Features and 0/1 labels of the sample the demo's learning curve is measured on."""
    from .. import demo

    lab = (labeled() if frame is None else frame).sample(CURVE_SAMPLE, random_state=0)
    return lab[demo.FRAUD_FEATURES], lab["is_fraud"].astype(int)


def _noise_key(X, y, ids) -> str:
    from .label_noise import _cache_key

    return _cache_key(X, y, ids, NOISE["cv"], NOISE["top"], NOISE["random_state"])


def _curve_key(X, y) -> str:
    from .learning_curve import _cache_key

    c = CURVE
    return _cache_key(X, y, c["target"], c["metric"], None, c["cv"], c["n_boot"], c["random_state"], c["task"])


# ---------------------------------------------------------------------------------------------- to and from JSON
def _num(v: float) -> float | str:
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")



def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _frame_json(df: pd.DataFrame) -> dict[str, Any]:
    return {"columns": [str(c) for c in df.columns], "dtypes": [str(t) for t in df.dtypes],
            "rows": [[_plain(v) for v in row] for row in df.itertuples(index=False, name=None)]}


def _frame_from(d: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(d["rows"], columns=d["columns"])
    return df.astype(dict(zip(d["columns"], d["dtypes"]))) if len(df) else df


def noise_json(r: LabelNoise) -> dict[str, Any]:
    """A label-noise result as plain JSON (without the per-row probabilities)."""
    return {"indices": [int(i) for i in r.indices], "n": int(r.n), "rate": r.rate, "low": r.low, "high": r.high,
            "suspicious": _frame_json(r.suspicious), "classes": int(r.pred_probs.shape[1]) if r.pred_probs.ndim == 2 else 2,
            "cv_auc": r.cv_auc, "method": r.method, "cv_accuracy": r.cv_accuracy}


def noise_from_json(d: dict[str, Any]) -> LabelNoise:
    return LabelNoise(np.asarray(d["indices"], dtype=int), d["n"], d["rate"], d["low"], d["high"],
                      _frame_from(d["suspicious"]), np.empty((0, d["classes"])), d["cv_auc"], d["method"],
                      cv_accuracy=d.get("cv_accuracy"))


def curve_json(r: LabelsNeeded) -> dict[str, Any]:
    """A learning-curve result as plain JSON (infinite answers as "inf")."""
    return {"sizes": [float(s) for s in r.sizes], "scores": [[float(v) for v in row] for row in r.scores],
            "fit": {"top": r.fit.top, "a": r.fit.a, "b": r.fit.b}, "target": r.target, "needed": _num(r.needed),
            "low": _num(r.low), "high": _num(r.high), "trustworthy": bool(r.trustworthy),
            "warnings": list(r.warnings), "metric": r.metric, "available": int(r.available)}


def curve_from_json(d: dict[str, Any]) -> LabelsNeeded:
    return LabelsNeeded(np.asarray(d["sizes"], dtype=float), np.asarray(d["scores"], dtype=float),
                        PowerLaw(**d["fit"]), d["target"], float(d["needed"]), float(d["low"]), float(d["high"]),
                        d["trustworthy"], list(d["warnings"]), d["metric"], available=d["available"])


# ---------------------------------------------------------------------------------------------- reading and writing
@functools.lru_cache(maxsize=2)
def _shipped(path: str) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or damaged: the page computes instead
        return {}


def stored_label_noise(X: pd.DataFrame | None = None, y: Any = None, ids: Any = None, *,
                       path: Path | None = None) -> LabelNoise | None:
    """The shipped label-noise result when ``X, y, ids`` (default: the demo's) are what it was computed from."""
    if X is None:
        X, y, ids = noise_inputs()
    entry = _shipped(str(path or RESULTS_FILE)).get("label_noise")
    if not entry or entry.get("key") != _noise_key(X, y, ids):
        return None
    return noise_from_json(entry["result"])


def stored_labels_needed(X: pd.DataFrame | None = None, y: Any = None, *,
                         path: Path | None = None) -> LabelsNeeded | None:
    """The shipped learning-curve result when ``X, y`` (default: the demo's sample) are what it was computed from."""
    if X is None:
        X, y = curve_inputs()
    entry = _shipped(str(path or RESULTS_FILE)).get("labels_needed")
    if not entry or entry.get("key") != _curve_key(X, y):
        return None
    return curve_from_json(entry["result"])


def compute() -> tuple[LabelNoise, LabelsNeeded]:
    """Both demo results, computed afresh (no cache)."""
    from .label_noise import find_label_noise
    from .learning_curve import labels_needed

    lab = labeled()
    X, y, ids = noise_inputs(lab)
    noise = find_label_noise(X, y, ids=ids, cache=False, **NOISE)
    Xc, yc = curve_inputs(lab)
    curve = labels_needed(Xc, yc, cache=False, **CURVE)
    return noise, curve


def write(path: Path | None = None) -> Path:
    """Compute both demo results and write them, with their keys, to ``path`` (default: the shipped file)."""
    from ..io.result_cache import _versions

    path = Path(path or RESULTS_FILE)
    lab = labeled()
    X, y, ids = noise_inputs(lab)
    Xc, yc = curve_inputs(lab)
    noise, curve = compute()
    doc = {
        "about": "The demo's stage-3 results; regenerate with: python -m aipm_widgets.core.assessment.demo_results",
        "versions": _versions(),
        "label_noise": {"key": _noise_key(X, y, ids), "settings": NOISE, "result": noise_json(noise)},
        "labels_needed": {"key": _curve_key(Xc, yc), "settings": {**CURVE, "sample": CURVE_SAMPLE},
                          "result": curve_json(curve)},
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    os.chmod(tmp, 0o644)  # package data: readable by everyone (mkstemp makes it private)
    os.replace(tmp, path)
    _shipped.cache_clear()
    return path


if __name__ == "__main__":
    print(f"wrote {write()}")

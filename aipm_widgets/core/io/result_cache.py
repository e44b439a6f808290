"""A disk cache for slow, deterministic results (label noise, learning curve), keyed by the data and the settings.

The demo's stage-3 results take tens of seconds to compute on a laptop and are the same every time (fixed random
seeds), so the first run stores them and every later page load reads them back in milliseconds. The key is a hash of
the input data (values, columns and dtypes), the settings, and the versions of this package, scikit-learn and
cleanlab: a change to any of them computes afresh. Files live in ``$AIPM_CACHE_DIR`` or the user's cache folder
(``platformdirs.user_cache_dir("aipm-workbook")``); ``AIPM_CACHE=0`` turns the cache off. A file that cannot be
read back (truncated, another Python) is ignored and recomputed; writes are atomic (temporary file, then rename).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["cache_dir", "data_key", "cached", "lookup", "store"]


def cache_dir() -> Path | None:
    """Where results are cached, or None when ``AIPM_CACHE=0``."""
    if os.environ.get("AIPM_CACHE", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    root = os.environ.get("AIPM_CACHE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("aipm-workbook")
    return Path(root) / "results"


RESULT_FORMAT = 2
"""Bumped when a stored result's class gains or changes a field (2: label noise's cross-validated accuracy), so a
result stored by an earlier build is computed again rather than shown without it."""


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from ... import __version__

    parts = [f"aipm_widgets={__version__}", f"results={RESULT_FORMAT}"]
    for dist in ("scikit-learn", "cleanlab", "numpy", "pandas"):
        try:
            parts.append(f"{dist}={version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist}=none")
    return ";".join(parts)


def _feed(h: Any, part: Any) -> None:
    if isinstance(part, pd.DataFrame):
        h.update(repr([(str(c), str(t)) for c, t in part.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    elif isinstance(part, pd.Series):
        h.update(str(part.dtype).encode())
        h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    elif isinstance(part, np.ndarray):
        _feed(h, pd.Series(part.ravel()) if part.dtype != object else pd.Series(part.ravel().astype(str)))
        h.update(repr(part.shape).encode())
    elif part is None or isinstance(part, (str, int, float, bool, tuple)):
        h.update(repr(part).encode())
    else:
        _feed(h, np.asarray(part))
    h.update(b"\x00")


def data_key(kind: str, *parts: Any) -> str:
    """A hex key for ``kind`` computed on ``parts`` (frames, series, arrays, plain settings) with these versions."""
    h = hashlib.sha256()
    h.update(kind.encode())
    h.update(_versions().encode())
    for part in parts:
        _feed(h, part)
    return h.hexdigest()[:32]


def _path(kind: str, key: str) -> Path | None:
    root = cache_dir()
    return None if root is None else root / f"{kind}-{key}.pickle"


def lookup(kind: str, key: str) -> Any | None:
    """The cached result, or None when there is none (or it cannot be read)."""
    path = _path(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception:  # a truncated or incompatible file: recompute
        return None


def cached(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, or its earlier result for the same ``key``; stores a new result atomically."""
    hit = lookup(kind, key)
    if hit is not None:
        return hit
    result = compute()
    store(kind, key, result)
    return result


def store(kind: str, key: str, result: Any) -> None:
    """Keep ``result`` under ``key`` (atomically); a read-only or full disk keeps nothing, silently."""
    path = _path(kind, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # a read-only home or a full disk: the result is still good, just not kept
        pass

"""Where a monitoring run aggregates production data: in memory, out of core, or on a cluster.

* ``pandas`` (default): production rows in memory; every statistic computed from raw values.
* ``duckdb``: production as Parquet file(s), a folder or a glob, aggregated by an in-process DuckDB that
  streams the files (memory stays flat however large they are).
* ``spark``: the same aggregation as a Spark job (``--spark-master URL``, default ``local[*]``, or the
  notebook's active SparkSession; a Spark DataFrame can be passed directly).

All three share the reference (held in memory) and the driver-side code: the engines only count rows per
(window, column, key or bin) and sum the score's calibrated probabilities, labels and values per window;
:mod:`aipm_widgets.core.monitoring.engines.finish` turns those counts into the same statistics, decisions, estimated and
realized metrics as the pandas path (exact, except the Wasserstein distance of a continuous column, which is
computed from fine bins and carries a stated bound).

Examples
--------
>>> import numpy as np, pandas as pd, tempfile, os
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(list("ab"), 3000)})
>>> cur = pd.DataFrame({"x": rng.normal(0.5, size=2000), "c": rng.choice(list("ab"), 2000),
...                     "timestamp": pd.date_range("2025-01-06", periods=2000, freq="h")})
>>> path = os.path.join(tempfile.mkdtemp(), "prod.parquet"); cur.to_parquet(path)
>>> from aipm_widgets.core.monitoring.run import run_monitoring
>>> res = run_monitoring(ref, path, features=["x", "c"], window="month", engine="duckdb")
>>> res.first_drift()
{'x': '2025-01'}
"""

from __future__ import annotations

import glob
import os
from typing import Any, Callable, Sequence

import pandas as pd

from ...errors import AipmError, InputDataError

__all__ = ["ENGINES", "check_engine", "parquet_files", "read_parquet_source", "monitor_source", "open_engine"]

ENGINES = ("pandas", "duckdb", "spark")
UNKNOWN_ENGINE = "Unknown engine {engine!r}; choose one of: pandas, duckdb, spark."
NO_PARQUET = "{source}: no Parquet files found (give a .parquet file, a folder of them or a glob such as 'logs/*.parquet')."
NOT_PARQUET = "The {engine} engine reads Parquet; {source} is not a Parquet file (convert it, or use --engine pandas)."
NO_ROW_WINDOWS = ("Row-count windows (--window-rows) need the rows in one order, which the {engine} engine does not "
                  "keep; use period windows (--window day|week|month) over a timestamp, or --engine pandas.")


def check_engine(engine: str | None) -> str:
    """The engine's name (None means pandas), or a clear error."""
    name = "pandas" if engine is None else str(engine).strip().lower()
    if name not in ENGINES:
        raise InputDataError(UNKNOWN_ENGINE.format(engine=engine))
    return name


def parquet_files(source: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """The Parquet files behind a file, a folder (searched recursively) or a glob; a list is taken as given."""
    if not isinstance(source, (str, os.PathLike)):
        out = [str(p) for p in source]
        missing = [p for p in out if not os.path.exists(p)]
        if missing:
            raise InputDataError(f"{missing[0]}: no such file.")
        return out
    s = str(source)
    if os.path.isdir(s):
        files = sorted(glob.glob(os.path.join(s, "**", "*.parquet"), recursive=True))
    elif any(ch in s for ch in "*?["):
        files = sorted(f for f in glob.glob(s, recursive=True) if os.path.isfile(f))
    elif os.path.exists(s):
        files = [s]
    else:
        raise InputDataError(f"{s}: no such file or folder.")
    if not files:
        raise InputDataError(NO_PARQUET.format(source=s))
    return files


def read_parquet_source(source) -> pd.DataFrame:
    """A Parquet file, folder or glob read into memory (the pandas engine)."""
    files = parquet_files(source)
    if len(files) == 1:
        from ...io.inputs import read_table

        return read_table(files[0]).frame
    try:
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    except (OSError, ValueError) as exc:  # pyarrow's errors subclass these
        raise InputDataError(f"Could not read the Parquet files of {str(source)[:200]!r} (a file, folder or glob of "
                             f"Parquet files with the same columns): {str(exc).splitlines()[0][:200]}") from exc


def open_engine(engine: str, source, *, spark_master: str | None = None):
    """An engine object over ``source`` (Parquet paths; for Spark also a Spark DataFrame)."""
    if engine == "spark":
        from .spark_engine import SPARK_MISSING, SparkEngine

        try:
            import pyspark  # noqa: F401
        except ImportError as exc:
            raise AipmError(SPARK_MISSING) from exc
        if type(source).__name__ == "DataFrame" and type(source).__module__.startswith("pyspark"):
            return SparkEngine(source)
        return SparkEngine(_checked_parquet(source, engine), master=spark_master)
    from .duckdb_engine import DuckDBEngine

    return DuckDBEngine(_checked_parquet(source, engine))


def _checked_parquet(source, engine: str) -> list[str]:
    files = parquet_files(source)
    for f in files:
        with open(f, "rb") as fh:
            if fh.read(4) != b"PAR1":
                raise InputDataError(NOT_PARQUET.format(engine=engine, source=f))
    return files


def monitor_source(reference: pd.DataFrame, current, *, engine: str | None = None, spark_master: str | None = None,
                   progress: Callable[[str, float], None] | None = None, **kwargs: Any):
    """:func:`aipm_widgets.core.monitoring.run.run_monitoring` for ``current`` given as Parquet or Spark data."""
    from ..run import run_monitoring

    name = check_engine(engine)
    if name == "pandas":
        if isinstance(current, pd.DataFrame):
            return run_monitoring(reference, current, engine="pandas", progress=progress, **kwargs)
        if progress:
            progress("reading production data into memory", 0.1)
        frame = read_parquet_source(current)
        return run_monitoring(reference, frame, engine="pandas", progress=progress, **kwargs)
    if isinstance(current, pd.DataFrame):
        raise InputDataError(f"The {name} engine reads production data from Parquet (a file, folder or glob)"
                             + (" or a Spark DataFrame" if name == "spark" else "")
                             + ", not a table in memory; use engine='pandas' for that.")
    from .monitor import monitor_with_engine

    eng = open_engine(name, current, spark_master=spark_master)
    try:
        return monitor_with_engine(reference, eng, progress=progress, **kwargs)
    finally:
        eng.close()

"""Peak resident memory of the Python driver and of Spark's JVM, separately, for one Spark monitoring run.

The same job and data as ``bench_monitoring_scale`` (20 features, 52 weekly windows, score and label; the data
are written first if missing, outside the measurement), Spark in ``local[2]``; memory sampled every 0.2 s from
the session's start to the result. One JSON line: rows, wall seconds, peak GB of Python, of the JVM (children)
and of both together, drift decisions that fired, load average at the end and the AIPM_SPARK_* settings::

    python -m benchmarks.spark_driver_memory 5000000
    AIPM_BENCH_DISTINCT=1 AIPM_BENCH_DATA=/tmp/bench50m python -m benchmarks.spark_driver_memory 50000000

The figures before the lean driver defaults (1g heap, Java's default options) were taken with the same code on
the session's defaults of that time (commit e2a26c9).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import numpy as np


def main(n: int) -> dict:
    import psutil

    from aipm_widgets.core.monitoring.engines.spark_engine import spark_session
    from aipm_widgets.core.monitoring.run import run_monitoring

    from .bench_monitoring_scale import FEATURES, production, reference

    ref = reference()
    folder = production(n)
    me = psutil.Process()
    peak = {"py": 0, "jvm": 0, "total": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            py = me.memory_info().rss
            jvm = 0
            for child in me.children(recursive=True):
                try:
                    jvm += child.memory_info().rss
                except psutil.Error:
                    pass
            peak["py"], peak["jvm"] = max(peak["py"], py), max(peak["jvm"], jvm)
            peak["total"] = max(peak["total"], py + jvm)
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    spark_session("local[2]")
    res = run_monitoring(ref, folder, engine="spark", features=FEATURES, timestamp="timestamp", window="week",
                         label="label", score="score", threshold=0.3)
    seconds = time.perf_counter() - t0
    stop.set()
    thread.join()
    return {"n": n, "s": round(seconds, 1), **{k: round(v / 2**30, 3) for k, v in peak.items()},
            "drift": int(np.asarray(res.drift.drift, dtype=int).sum()), "load": os.getloadavg()[0],
            "env": {k: v for k, v in os.environ.items() if k.startswith("AIPM_SPARK")}}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000)))

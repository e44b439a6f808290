"""The DuckDB engine: production Parquet files read in streaming GROUP BYs, one query per column.

DuckDB reads only the columns a query names, so each of these passes reads the timestamp and one column.
Continuous columns are binned with an ``ASOF JOIN`` on the reference's quantile edges; the score is
calibrated the same way (an ``ASOF JOIN`` on the isotonic calibration's thresholds).
"""

from __future__ import annotations

import os

import pandas as pd

from . import sql
from .plan import FeaturePlan

__all__ = ["DuckDBEngine"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBEngine:
    """Aggregates over Parquet files with an in-process DuckDB (memory capped by ``memory_limit``)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, paths: list[str], *, memory_limit: str | None = None, threads: int | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")  # progress is ours (tqdm, the page's bar)
        import tempfile

        # Spills beyond memory_limit go to the system's temporary folder, not a .tmp folder in the working directory.
        self.con.execute("SET temp_directory = ?", [os.path.join(tempfile.gettempdir(), "aipm_duckdb_spill")])
        if memory_limit or os.environ.get("AIPM_DUCKDB_MEMORY"):
            self.con.execute("SET memory_limit = ?", [memory_limit or os.environ["AIPM_DUCKDB_MEMORY"]])
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.read_parquet(paths).create_view("cur")  # file names are values, never spliced into SQL
        self._types = {r[0]: str(r[1]) for r in self.con.execute("DESCRIBE cur").fetchall()}

    def close(self) -> None:
        self.con.close()

    def columns(self) -> dict[str, str]:
        """Column name -> ``numeric`` | ``bool`` | ``other``."""
        out = {}
        for c, t in self._types.items():
            t = t.upper()
            if t == "BOOLEAN":
                out[c] = "bool"
            elif any(k in t for k in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL")):
                out[c] = "numeric"
            else:
                out[c] = "other"
        return out

    def drift_counts(self, plans: list[FeaturePlan], label_expr: dict[int, str], timestamp: str, window: str,
                     progress=None) -> pd.DataFrame:
        w = sql.window_start(_q, timestamp, window)
        parts = [self.con.execute(f"SELECT {w} AS w, -1 AS f, count(*) AS c FROM cur GROUP BY 1").df()]
        for i, p in enumerate(plans):
            if i in label_expr:
                v = label_expr[i]
                parts.append(self._values(w, f"CAST({v} AS DOUBLE)", i))
            elif p.mode == "keys":
                v = sql.category(_q, p.column, markers=p.clean_markers)
                parts.append(self.con.execute(
                    f"SELECT w, {i} AS f, k AS key, count(*) AS c FROM (SELECT {w} AS w, {v} AS k FROM cur) "
                    "WHERE k IS NOT NULL GROUP BY 1, 3").df())
            elif p.mode == "values":
                parts.append(self._values(w, sql.number(_q, p.column, sentinels=p.clean_sentinels), i))
            else:
                v = sql.number(_q, p.column, sentinels=p.clean_sentinels)
                edges = pd.DataFrame({"edge": p.edges, "b": range(1, len(p.edges) + 1)})
                self.con.register("edges_tbl", edges)
                parts.append(self.con.execute(
                    f"WITH x AS (SELECT {w} AS w, {v} AS v FROM cur) "
                    f"SELECT x.w, {i} AS f, CAST(coalesce(e.b, 0) AS DOUBLE) AS x, count(*) AS c, sum(x.v) AS s, "
                    f"sum(greatest({p.rmin!r} - x.v, 0)) AS below, sum(greatest(x.v - {p.rmax!r}, 0)) AS above "
                    "FROM x ASOF LEFT JOIN edges_tbl e ON x.v >= e.edge WHERE x.v IS NOT NULL GROUP BY 1, 3").df())
                self.con.unregister("edges_tbl")
            if progress:
                progress(f"counted {p.name}", (i + 1) / len(plans))
        return pd.concat(parts, ignore_index=True)

    def _values(self, w: str, v: str, i: int) -> pd.DataFrame:
        return self.con.execute(
            f"SELECT w, {i} AS f, v AS x, count(*) AS c FROM (SELECT {w} AS w, {v} AS v FROM cur) "
            "WHERE v IS NOT NULL GROUP BY 1, 3").df()

    def performance(self, *, timestamp: str, window: str, score: str, pred: str, y: str, val: str, delay: str | None,
                    calibration: list[tuple]) -> pd.DataFrame:
        w = sql.window_start(_q, timestamp, window)
        s = sql.number(_q, score, sentinels=False)
        self.con.register("calib", pd.DataFrame(calibration, columns=["b", "x0", "p0", "slope"]))
        self.con.execute(
            "CREATE OR REPLACE TEMP VIEW prow AS SELECT r.w, r.s, "
            "least(greatest(c.p0 + c.slope * (r.s - c.x0), 0), 1) AS p, r.pred, r.y, r.val, r.delay FROM ("
            f"SELECT {w} AS w, {s} AS s, {pred} AS pred, {y} AS y, {val} AS val, {delay or 'NULL'} AS delay FROM cur"
            ") r ASOF JOIN calib c ON r.s >= c.x0 WHERE r.w IS NOT NULL AND r.s IS NOT NULL")
        out = self.con.execute(sql.PERFORMANCE_SQL).df()
        if delay:
            med = self.con.execute(sql.DELAY_SQL.format(median="median(delay)")).df()
            out = out.merge(med, on="w", how="left")
        self.con.unregister("calib")
        return out

    def quote(self, name: str) -> str:
        return _q(name)

    def seconds(self, timestamp_sql: str) -> str:
        return f"(epoch_us({timestamp_sql}) / 1e6)"

    def query(self, text: str) -> pd.DataFrame:
        """Run SQL over the production rows (``{src}``; ``{rand}`` is a uniform random number)."""
        return self.con.execute(text.replace("{src}", "cur").replace("{rand}", "random()")).df()

    def histogram(self, rows_sql: str, edges) -> pd.DataFrame:
        """Per score bin (cut at ``edges``): lowest and highest score, positives, negatives, value sums over positives."""
        self.con.register("edges_tbl", pd.DataFrame({"edge": edges, "b": range(1, len(edges) + 1)}))
        out = self.query(
            f"SELECT coalesce(e.b, 0) AS b, min(r.s) AS lo, max(r.s) AS hi, sum(r.y) AS pos, sum(1 - r.y) AS neg, "
            f"sum(r.v * r.y) AS vpos, sum(r.v * r.v * r.y) AS vsq FROM ({rows_sql}) r "
            "ASOF LEFT JOIN edges_tbl e ON r.s >= e.edge GROUP BY 1")
        self.con.unregister("edges_tbl")
        return out


"""The Spark engine: one ``groupBy(window, column, bin).count()`` pass for drift, one for performance.

Every watched column becomes one element of an array per row (its index, its text key or its number or bin,
the overshoot beyond the reference's range); the array is exploded and grouped once, so the shuffle carries
only partial counts. Continuous columns are binned with ``Bucketizer`` at the reference's quantile edges; the
score is calibrated with ``Bucketizer`` at the isotonic calibration's thresholds and a broadcast lookup.
Windows are ``date_trunc`` of the timestamp. Only the counts (a few million rows at most) reach the driver.
"""

from __future__ import annotations

import os

import pandas as pd

from . import sql
from .plan import FeaturePlan

__all__ = ["SparkEngine", "spark_session", "SPARK_MISSING", "JAVA_MISSING"]

SPARK_MISSING = "The Spark engine needs pyspark: pip install 'aipm-workbook[spark]' (and Java 17)."
JAVA_MISSING = ("The Spark engine needs Java 17 (`java` was not found): install it, e.g. "
                "apt-get install openjdk-17-jre-headless, or use --engine duckdb.")


# The driver's JVM beside its heap: a serial collector (no per-region bookkeeping of G1), a smaller code cache,
# thread stacks and direct-buffer cap. Override with AIPM_SPARK_JAVA_OPTIONS (an empty value keeps Java's defaults).
DRIVER_MEMORY = "768m"
JAVA_OPTIONS = ("-XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=256m -Xss512k "
                "-XX:MaxDirectMemorySize=256m")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def spark_session(master: str | None = None, *, app: str = "aipm-monitor", conf: dict | None = None):
    """The active SparkSession (a notebook's), else a new one on ``master`` (default ``local[*]``).

    A new session gets small defaults for one machine: no web UI, 8 shuffle partitions, UTC, the driver's heap from
    ``AIPM_SPARK_DRIVER_MEMORY`` (default 768m: in ``local`` mode the driver is also the executor and Spark spills
    its sorts and aggregations beyond it) and lean JVM options (:data:`JAVA_OPTIONS`, ``AIPM_SPARK_JAVA_OPTIONS``).
    """
    import shutil

    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        from ...errors import AipmError

        raise AipmError(SPARK_MISSING) from exc
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        active.conf.set("spark.sql.session.timeZone", "UTC")
        return active
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        from ...errors import AipmError

        raise AipmError(JAVA_MISSING)
    b = (SparkSession.builder.master(master or "local[*]").appName(app)
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", os.environ.get("AIPM_SPARK_SHUFFLE_PARTITIONS", "8"))
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.driver.memory", os.environ.get("AIPM_SPARK_DRIVER_MEMORY", DRIVER_MEMORY))
         .config("spark.driver.extraJavaOptions", os.environ.get("AIPM_SPARK_JAVA_OPTIONS", JAVA_OPTIONS))
         .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if (master or "local[*]").startswith("local"):  # one machine: stay on loopback
        b = b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    for k, v in (conf or {}).items():
        b = b.config(k, v)
    # glibc gives each JVM thread its own malloc arena (up to 8 per core); two keep the JVM's native memory small.
    # Only the JVM launched here inherits it: the variable is put back once the session exists.
    before = os.environ.get("MALLOC_ARENA_MAX")
    os.environ["MALLOC_ARENA_MAX"] = before or os.environ.get("AIPM_SPARK_MALLOC_ARENAS", "2")
    try:
        spark = b.getOrCreate()
    finally:
        if before is None:
            os.environ.pop("MALLOC_ARENA_MAX", None)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Aggregates a Spark DataFrame (or Parquet files read by Spark)."""

    name = "spark"
    dialect = "spark"

    def __init__(self, source, *, master: str | None = None) -> None:
        from pyspark.sql import DataFrame

        if isinstance(source, DataFrame):
            self.spark, self.df = source.sparkSession, source
            self.spark.conf.set("spark.sql.session.timeZone", "UTC")
        else:
            self.spark = spark_session(master)
            self.df = self._read(list(source))

    def _read(self, paths: list[str]):
        """Parquet via Spark; nanosecond timestamps (pandas' default) are read as numbers and turned to microseconds."""
        import pyarrow as pa
        import pyarrow.parquet as pq
        from pyspark.sql import functions as F

        schema = pq.read_schema(paths[0])
        nanos = [f.name for f in schema if pa.types.is_timestamp(f.type) and f.type.unit == "ns"]
        if nanos:
            self.spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
        df = self.spark.read.parquet(*paths)
        for c in nanos:
            df = df.withColumn(c, F.expr(f"timestamp_micros(div({_q(c)}, 1000))"))
        return df

    def close(self) -> None:
        """The session stays (a notebook's, or reused by the next run in this process)."""

    def columns(self) -> dict[str, str]:
        from pyspark.sql import types as T

        out = {}
        for fld in self.df.schema.fields:
            if isinstance(fld.dataType, T.BooleanType):
                out[fld.name] = "bool"
            elif isinstance(fld.dataType, T.NumericType):
                out[fld.name] = "numeric"
            else:
                out[fld.name] = "other"
        return out

    def _collect(self, frame) -> pd.DataFrame:
        try:
            return frame.toPandas()
        except Exception:  # an Arrow version Spark does not know: plain rows (slower, same values)
            rows = frame.collect()
            return pd.DataFrame([r.asDict() for r in rows], columns=frame.columns)

    def drift_counts(self, plans: list[FeaturePlan], label_expr: dict[int, str], timestamp: str, window: str,
                     progress=None) -> pd.DataFrame:
        from pyspark.ml.feature import Bucketizer
        from pyspark.sql import functions as F

        df = self.df.select(F.expr(sql.window_start(_q, timestamp, window)).alias("__w"),
                            *[F.col(_q(c)) for c in {p.column for p in plans}])
        binned = [i for i, p in enumerate(plans) if p.mode == "bins" and i not in label_expr]
        cols = []
        for i, p in enumerate(plans):
            if i in label_expr:
                cols.append(F.expr(f"CAST({label_expr[i]} AS DOUBLE)").alias(f"__v{i}"))
            elif p.mode == "keys":
                cols.append(F.expr(sql.category(_q, p.column, markers=p.clean_markers)).alias(f"__k{i}"))
            else:
                cols.append(F.expr(sql.number(_q, p.column, sentinels=p.clean_sentinels)).alias(f"__v{i}"))
        df = df.select("__w", *cols)
        if binned:
            inf = float("inf")
            nan_filled = df.select("*", *[F.coalesce(F.col(f"__v{i}"), F.lit(float("nan"))).alias(f"__n{i}")
                                          for i in binned])
            df = Bucketizer(splitsArray=[[-inf, *map(float, plans[i].edges), inf] for i in binned],
                            inputCols=[f"__n{i}" for i in binned], outputCols=[f"__b{i}" for i in binned],
                            handleInvalid="keep").transform(nan_filled)
        null_s, null_d = F.lit(None).cast("string"), F.lit(None).cast("double")
        zero = F.lit(0.0)
        elems = [F.struct(F.lit(-1).alias("f"), null_s.alias("key"), null_d.alias("x"), null_d.alias("v"),
                          zero.alias("below"), zero.alias("above"))]
        for i, p in enumerate(plans):
            if i not in label_expr and p.mode == "keys":
                k = F.col(f"__k{i}")
                e = F.struct(F.lit(i).alias("f"), k.alias("key"), null_d.alias("x"), null_d.alias("v"),
                             zero.alias("below"), zero.alias("above"))
                elems.append(F.when(k.isNotNull(), e))
            elif i in binned:
                v = F.col(f"__v{i}")
                e = F.struct(F.lit(i).alias("f"), null_s.alias("key"), F.col(f"__b{i}").alias("x"), v.alias("v"),
                             F.greatest(F.lit(p.rmin) - v, zero).alias("below"),
                             F.greatest(v - F.lit(p.rmax), zero).alias("above"))
                elems.append(F.when(v.isNotNull(), e))
            else:
                v = F.col(f"__v{i}")
                e = F.struct(F.lit(i).alias("f"), null_s.alias("key"), v.alias("x"), null_d.alias("v"),
                             zero.alias("below"), zero.alias("above"))
                elems.append(F.when(v.isNotNull(), e))
        # Window starts travel as epoch microseconds: Arrow refuses Spark's null timestamps in some versions.
        long = df.select(F.expr("unix_micros(__w)").alias("w"), F.explode(F.array(*elems)).alias("e")).where(
            F.col("e").isNotNull())
        agg = (long.groupBy("w", "e.f", "e.key", "e.x")
               .agg(F.count(F.lit(1)).alias("c"), F.sum("e.v").alias("s"), F.sum("e.below").alias("below"),
                    F.sum("e.above").alias("above")))
        out = self._collect(agg)
        out["w"] = pd.to_datetime(out["w"], unit="us")
        if progress:
            progress("counted every column", 1.0)
        return out

    def performance(self, *, timestamp: str, window: str, score: str, pred: str, y: str, val: str, delay: str | None,
                    calibration: list[tuple]) -> pd.DataFrame:
        from pyspark.ml.feature import Bucketizer
        from pyspark.sql import functions as F

        rows = self.df.select(F.expr(sql.window_start(_q, timestamp, window)).alias("w"),
                              F.expr(sql.number(_q, score, sentinels=False)).alias("s"),
                              F.expr(pred).alias("pred"), F.expr(y).alias("y"), F.expr(val).alias("val"),
                              F.expr(delay or "CAST(NULL AS DOUBLE)").alias("delay"))
        rows = rows.where(F.col("w").isNotNull() & F.col("s").isNotNull())
        splits = [float("-inf"), *[r[1] for r in calibration[1:]], float("inf")]
        rows = Bucketizer(splits=splits, inputCol="s", outputCol="b").transform(rows)
        calib = self.spark.createDataFrame([(float(b), x0, p0, slope) for b, x0, p0, slope in calibration],
                                           ["b", "x0", "p0", "slope"])
        prow = rows.join(F.broadcast(calib), "b").select(
            "w", "s", F.least(F.greatest(F.col("p0") + F.col("slope") * (F.col("s") - F.col("x0")), F.lit(0.0)),
                              F.lit(1.0)).alias("p"), "pred", "y", "val", "delay")
        prow.createOrReplaceTempView("prow")
        out = self._collect(self.spark.sql(sql.PERFORMANCE_SQL).withColumn("w", F.expr("unix_micros(w)")))
        if delay:
            med = self._collect(self.spark.sql(sql.DELAY_SQL.format(median="percentile(delay, 0.5)")).selectExpr(
                "unix_micros(w) AS w", "CAST(delay_median AS DOUBLE) AS delay_median"))
            out = out.merge(med, on="w", how="left")
        out["w"] = pd.to_datetime(out["w"], unit="us")
        self.spark.catalog.dropTempView("prow")
        return out

    def quote(self, name: str) -> str:
        return _q(name)

    def seconds(self, timestamp_sql: str) -> str:
        return f"(unix_micros({timestamp_sql}) / 1e6)"

    def query(self, text: str) -> pd.DataFrame:
        """Run SQL over the production rows (``{src}``; ``{rand}`` is a uniform random number)."""
        self.df.createOrReplaceTempView("aipm_src")
        return self._collect(self.spark.sql(text.replace("{src}", "aipm_src").replace("{rand}", "rand()")))

    def histogram(self, rows_sql: str, edges) -> pd.DataFrame:
        """Per score bin (cut at ``edges``): lowest and highest score, positives, negatives, value sums over positives."""
        from pyspark.ml.feature import Bucketizer
        from pyspark.sql import functions as F

        self.df.createOrReplaceTempView("aipm_src")
        rows = self.spark.sql(rows_sql.replace("{src}", "aipm_src"))
        rows = Bucketizer(splits=[float("-inf"), *map(float, edges), float("inf")], inputCol="s",
                          outputCol="b").transform(rows)
        agg = rows.groupBy("b").agg(F.min("s").alias("lo"), F.max("s").alias("hi"), F.sum("y").alias("pos"),
                                    F.sum(1 - F.col("y")).alias("neg"), F.sum(F.col("v") * F.col("y")).alias("vpos"),
                                    F.sum(F.col("v") * F.col("v") * F.col("y")).alias("vsq"))
        return self._collect(agg)


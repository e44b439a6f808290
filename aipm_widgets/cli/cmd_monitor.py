"""``aipm monitor``: one monitoring run for a scheduler (cron, Airflow, CI).

Exit codes: 0 no alert, 1 an alert or retraining trigger fired, 2 an error (one line on stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "monitor",
        help="compare production data with the reference window by window (drift, performance, triggers)",
        description="Drift per feature and window, realized and estimated performance, cost per 1,000 decisions and "
        "retraining triggers. Exit 0: no alert; 1: an alert or trigger fired; 2: error.",
    )
    p.add_argument("--reference", default=None, metavar="FILE",
                   help="reference data with labels (CSV or Parquet; default: the --record project's validation source)")
    p.add_argument("--current", default=None, metavar="FILE",
                   help="production data: CSV or Parquet, with --engine duckdb|spark a Parquet file, folder or glob "
                   "(default: the --record project's production source)")
    p.add_argument("--timestamp", default=None, metavar="COL", help="timestamp column (default: 'timestamp' if present)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--window", choices=["day", "week", "month"], default=None, help="period window (default: week)")
    g.add_argument("--window-rows", type=int, default=None, metavar="N", help="windows of N consecutive rows")
    p.add_argument("--label", default=None, metavar="COL",
                   help="label column (may be partly empty, or missing from the production data)")
    p.add_argument("--positive", default=None, metavar="VALUE", help="the label's positive value if not 0/1")
    p.add_argument("--label-date", default=None, metavar="COL", help="when each label arrived (shows the label delay)")
    p.add_argument("--score", default=None, metavar="COL", help="model score column")
    p.add_argument("--prediction", default=None, metavar="COL",
                   help="0/1 decision column (optional); with --task regression the model's predicted number")
    p.add_argument("--threshold", type=float, default=None, metavar="T", help="alert threshold (default: from the record)")
    p.add_argument("--features", default=None, metavar="A,B,...", help="feature columns (default: all others)")
    p.add_argument("--id", dest="id_column", default=None, metavar="COL", help="row id, to drop duplicate rows")
    p.add_argument("--method", default=None, help="force one drift method: ks, chisquare, z, wasserstein, jensenshannon, psi")
    p.add_argument("--band", action="store_true", help="learn drift thresholds from the reference (NannyML-style)")
    p.add_argument("--trigger", action="append", default=None, metavar="TEXT",
                   help="retraining trigger, e.g. 'estimated recall < 0.9 for 2 consecutive windows' (repeatable)")
    p.add_argument("--volume-per-day", default=None, type=float, metavar="N", help="decisions per day (default: from the record)")
    p.add_argument("--record", default=None, metavar="FILE",
                   help="decision record: missing flags come from its project (data, columns, volume, engine); "
                   "threshold/costs/triggers from its stages; the run is saved into it")
    p.add_argument("--engine", choices=["pandas", "duckdb", "spark"], default=None,
                   help="where production data is aggregated: pandas (in memory, the default), duckdb (Parquet larger "
                   "than memory, on this machine) or spark (a cluster, or local[*]); default: the project's engine")
    p.add_argument("--spark-master", default=None, metavar="URL",
                   help="Spark master for --engine spark (default: local[*]), e.g. spark://host:7077 or yarn")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--html", default=None, metavar="OUT", help="write an evidently DataDriftPreset report of the last window")
    from ._multiclass import add_task_args

    add_task_args(p)
    from ._regression import add_regression_args

    add_regression_args(p, prediction=False)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..core.errors import AipmError
    from ..core.monitoring.run import decided_metric, run_monitoring, settings_from_record

    from ..core.monitoring.engines import check_engine, read_parquet_source
    from ._project_args import fill_from_project, project_frame, read_arg_table, require_args

    fill_from_project(args, {"reference": "sources.validation", "current": "sources.production",
                             "timestamp": "columns.timestamp", "label": "columns.label", "positive": "columns.positive",
                             "score": "columns.score", "prediction": "columns.prediction", "features": "columns.features",
                             "id_column": "columns.id", "volume_per_day": "volume_per_day", "task": "task",
                             "proba_columns": "columns.proba_columns", "proba_prefix": "columns.proba_prefix",
                             "engine": "engine"})
    require_args(args, {"reference": "--reference", "current": "--current"},
                 project_hint={"reference": "sources.validation", "current": "sources.production"})
    engine = check_engine(args.engine)
    ref = read_arg_table(args, "reference")
    if engine != "pandas":
        if project_frame(args, "current") is not None:
            raise AipmError(f"The {engine} engine reads production data from Parquet; the demo's table is in memory: "
                            "give --current FILE|FOLDER|GLOB or use --engine pandas.")
        cur = args.current  # stays where it is; the engine reads it
        columns = _source_columns(args.current, engine)
    else:
        cur = (read_parquet_source(args.current) if project_frame(args, "current") is None
               and _is_parquet_source(str(args.current)) else read_arg_table(args, "current"))
        columns = list(cur.columns)
    timestamp = args.timestamp
    if timestamp is None and args.window_rows is None:
        if "timestamp" in columns:
            timestamp = "timestamp"
        else:
            raise AipmError("No --timestamp column given (and none called 'timestamp'); name one or use --window-rows N.")
    settings, notes = {}, []
    record = None
    if args.record:
        from ..core.record import load_record

        record = load_record(args.record, create=True)
        settings, notes = settings_from_record(record)
    if getattr(args, "task", None) == "regression":
        from ._regression import monitor as regression_monitor

        return regression_monitor(args, ref, cur, timestamp, settings, notes, record)
    threshold = args.threshold if args.threshold is not None else settings.get("threshold")
    from ._multiclass import is_multiclass, monitor_kwargs

    if args.prediction and threshold is None and not args.score and not is_multiclass(args):
        raise AipmError("--prediction needs --score too (estimated performance works from scores).")
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    from ._progress import terminal_progress

    progress, bar = terminal_progress(f"monitoring ({engine})", quiet=args.json)
    if args.html and engine != "pandas":
        raise AipmError("--html needs the rows of the last window in memory: use it with --engine pandas.")
    try:
        res = run_monitoring(
            ref, cur, engine=engine, spark_master=args.spark_master, progress=progress, features=features,
            timestamp=timestamp, window=args.window or "week", window_rows=args.window_rows, label=args.label,
            positive=args.positive, label_date=args.label_date, score=args.score, prediction=args.prediction,
            threshold=threshold,
            costs=settings.get("costs"), triggers=args.trigger or settings.get("triggers"), method=args.method,
            threshold_mode="band" if args.band else "fixed", id_column=args.id_column,
            volume_per_day=args.volume_per_day if args.volume_per_day is not None else settings.get("volume_per_day"),
            metric=decided_metric(settings.get("chosen_metric"))[0], **monitor_kwargs(args),
        )
    finally:
        if bar is not None:
            bar.close()
    res.notes[:0] = notes
    if args.html:
        from ..core.io.evidently_report import save_drift_report

        save_drift_report(ref, cur, res, res.labels[-1], args.html)
    return finish_run(args, res, record)


def finish_run(args, res, record, *, kind: str = "") -> int:
    """Save the run into the record (when given), print it (JSON or words), and return the exit code (1 = alert)."""
    if record is not None:
        from ..core.record import update_section

        update_section(args.record, "monitoring", {**res.record_values(reference_description=str(args.reference)),
                                                   "status": record.monitoring.status if record.monitoring.status != "not_started" else "in_progress"},
                       what=f"Monitoring run{kind} on {Path(args.current).name}: {len(res.alerts)} alert(s)")
    if args.json:
        print(json.dumps(res.to_dict(), indent=1, default=str))
    else:
        print(res.summary())
        for a in res.alerts:
            print(f"  [{a.window}] {a.kind}: {a.message}")
        for n in res.notes:
            print(f"  note: {n}", file=sys.stderr)
    return 1 if res.alerts else 0


def _is_parquet_source(source: str) -> bool:
    import os

    return os.path.isdir(source) or any(ch in source for ch in "*?[") or source.lower().endswith((".parquet", ".pq"))


def _source_columns(source: str, engine: str) -> list[str]:
    """The column names of a Parquet source, read from its first file's footer (no rows read)."""
    import pyarrow.parquet as pq

    from ..core.monitoring.engines import _checked_parquet

    return list(pq.read_schema(_checked_parquet(source, engine)[0]).names)

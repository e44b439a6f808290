"""``aipm tradeoff``: the threshold trade-off of a scored table, as text or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.errors import AipmError


def register(sub) -> None:
    p = sub.add_parser(
        "tradeoff",
        help="What a threshold catches, misses and costs, with intervals (stage 4, metric selection).",
        description=(
            "Confusion counts, rates with 95% intervals, cost and constraint status at a threshold. Without "
            "--threshold it picks the lowest-cost threshold that meets the constraints (or the best-F1 one without costs)."
        ),
    )
    p.add_argument("--data", default=None,
                   help="CSV or Parquet file with one row per decision; with --engine duckdb|spark a Parquet file, "
                   "folder or glob of any size.")
    p.add_argument("--label", default=None, help="Column with the true outcome.")
    p.add_argument("--score", default=None, help="Column with the model's score (alert when score >= threshold).")
    p.add_argument("--positive", help="The label value to detect, when labels are not 0/1 (e.g. fraud).")
    p.add_argument("--value", help="Column with a value per row (e.g. amount); without --cost-fn a miss costs this value.")
    p.add_argument("--group", help="Column with groups for the per-group table.")
    p.add_argument("--cost-fp", type=float, help="Cost of one false alarm.")
    p.add_argument("--cost-fn", type=float, help="Cost of one missed positive.")
    p.add_argument("--volume-per-day", type=float, help="Decisions a day (for alerts per day and cost per month).")
    p.add_argument("--currency", default=None, metavar="CODE", help="ISO 4217 code of the costs and values (e.g. GBP); none is assumed.")
    p.add_argument("--record", default=None, metavar="FILE",
                   help="Decision record: missing flags come from its project (data, columns, currency, volume, engine).")
    p.add_argument("--constraint", action="extend", nargs="+", default=[], metavar="EXPR",
                   help="e.g. 'fnr<=0.05' 'precision>=0.2' 'alerts_per_day<=300'.")
    p.add_argument("--threshold", type=float, help="Evaluate at this threshold instead of choosing one.")
    p.add_argument("--rule", help="A one-column rule to compare with, e.g. 'amount > 900'.")
    p.add_argument("--json", action="store_true", help="Print one JSON object.")
    p.add_argument("--engine", choices=["pandas", "duckdb", "spark"], default=None,
                   help="Where the curve is counted: pandas (rows in memory, the default), duckdb or spark (Parquet of "
                   "any size; exact up to 20,000,000 labeled rows, beyond that 65,536 score bins with a stated error bound).")
    p.add_argument("--max-exact-rows", type=int, default=None, metavar="N",
                   help="With --engine duckdb|spark: the exact curve up to N labeled rows (default 20,000,000, about "
                   "300 MB); above it, score bins with the error bound printed.")
    p.add_argument("--spark-master", default=None, metavar="URL",
                   help="Spark master for --engine spark (default: local[*], or the active SparkSession).")
    from ._multiclass import add_task_args

    add_task_args(p, tradeoff=True)
    from ._regression import add_regression_args

    add_regression_args(p, tradeoff=True)
    p.set_defaults(func=run)


def _costs(args: argparse.Namespace) -> dict | None:
    if args.cost_fp is None and args.cost_fn is None:
        return None
    costs = {"cost_fp": args.cost_fp or 0.0, "cost_fn": args.cost_fn or 0.0, "currency": getattr(args, "currency", None)}
    if args.cost_fn is None and args.value:
        costs.update(fn_cost_from_value=True, value_column=args.value)
    return costs


def run(args: argparse.Namespace) -> int:
    from ..core.text import format as fmt
    from ..core.io.inputs import require_columns
    from ..core.metrics.tradeoff import NO_FEASIBLE, Tradeoff
    from ._project_args import fill_from_project, read_arg_table, require_args

    fill_from_project(args, {"data": "sources.validation", "label": "columns.label", "score": "columns.score",
                             "prediction": "columns.prediction", "positive": "columns.positive", "value": "columns.value",
                             "group": "columns.groups[0]", "volume_per_day": "volume_per_day", "currency": "currency",
                             "proba_columns": "columns.proba_columns", "proba_prefix": "columns.proba_prefix",
                             "engine": "engine"})
    _engine_from_project(args)
    require_args(args, {"data": "--data", "label": "--label"},
                 project_hint={"data": "sources.validation", "label": "columns.label"})
    if args.currency:
        from ..core.record.sections.project import CURRENCY_INVALID, known_currency

        args.currency = args.currency.strip().upper()
        if not known_currency(args.currency):
            raise AipmError("--currency: " + CURRENCY_INVALID.format(value=args.currency) + ".")

    from ..core.monitoring.engines import check_engine
    from ._multiclass import is_multiclass, run_tradeoff

    engine = check_engine(getattr(args, "engine", None))
    if engine != "pandas" and (is_multiclass(args) or getattr(args, "task", None) == "regression"):
        raise AipmError(f"--engine {engine} counts the curve of a yes/no model (one score); for this task use "
                        "--engine pandas.")
    if is_multiclass(args):
        return run_tradeoff(args)
    if getattr(args, "task", None) == "regression":
        from ._regression import tradeoff as regression_tradeoff

        return regression_tradeoff(args)
    if not args.score:
        raise AipmError("--score is required (the model's score per row; with --record FILE the project's columns.score); "
                        "for a model choosing among classes use --task multiclass --proba-prefix PREFIX, for one that predicts a number --task regression --prediction COL.")
    if engine != "pandas":
        t, frame = _from_source(args, engine), None
    else:
        frame = read_arg_table(args, "data")
        require_columns(frame, [args.label, args.score, args.value, args.group])
        t = Tradeoff(
            frame[args.label], frame[args.score],
            value=frame[args.value] if args.value else None,
            groups=frame[args.group] if args.group else None,
            costs=_costs(args), constraints=args.constraint, volume_per_day=args.volume_per_day, positive=args.positive,
            label_name=args.label, score_name=args.score, value_name=args.value or "value", group_name=args.group or "group",
        )
    if args.threshold is not None:
        threshold, choice = args.threshold, "given with --threshold"
    else:
        # The chosen threshold is the shortest decimal making its decisions, so the printed value, typed back
        # with --threshold, gives the same counts. Only a threshold that meets the constraints is "optimal".
        threshold, reason = t.recommended_threshold()
        if reason == NO_FEASIBLE:
            choice = reason
        else:
            choice = ("cost-optimal" if t.has_costs else "F1-optimal") + f" ({reason})"
    point = t.at(threshold)
    baseline = t.baseline(args.rule, frame) if args.rule else None
    feas = t.feasibility()
    binned = not t.curve.exact
    if args.json:
        out = point.to_json()
        out["threshold_choice"] = choice
        out["feasibility"] = feas.to_json()
        out["notes"] = t.notes
        if engine != "pandas":
            out["curve"] = {"engine": engine, "exact": not binned, "n": t.n,
                            "rows_left_out": int(t.curve.rows_left_out)}
            if args.value:  # what the in-memory path would clip (negative) or refuse (missing), counted as 0
                out["curve"]["values_counted_as_0"] = {"negative": int(t.curve.negative_values),
                                                       "missing": int(t.curve.missing_values)}
            if binned:
                out["curve"]["binning"] = {**t.curve.error_bound(), "text": t.curve.describe(),
                                           "exact_at_threshold": t.curve.exact_at(threshold)}
        if baseline is not None:
            out["baseline"] = baseline.to_json()
        print(json.dumps(out, indent=2, allow_nan=False))
        return 0
    print(f"Threshold {fmt.threshold(threshold)}: {choice}.")
    for note in t.notes:
        print(f"Note: {note}")
    if binned:
        print(f"Note: {t.curve.describe()} {t.curve.describe_at(threshold)}")
    print(point)
    if t.constraints:
        print(feas.describe())
    if point.groups is not None:
        print("By group:")
        for r in point.groups.rows:
            print(f"  {r['group']}: n={fmt.count(r['n'])} recall={fmt.percent(r['tpr'])} fpr={fmt.percent(r['fpr'])} "
                  f"precision={fmt.percent(r['precision'])} alert rate={fmt.percent(r['selection_rate'])}")
        for f in point.groups.flags:
            print(f"  ! {f}")
    if baseline is not None:
        print(baseline.verdict())
    return 0


ENGINE_FROM_PROJECT = "Engine {engine} (the project's engine setting; --engine pandas to count in memory)."


def _engine_from_project(args: argparse.Namespace) -> None:
    """Take the project's engine only where it applies, and the project's task without reading every row.

    The project's engine counts a yes/no model's curve from Parquet; for the demo's table, a CSV file or a routing
    or forecast project the in-memory path runs as before. On the engine path the task is not inferred from the
    rows (that would read them all into memory): the engine checks that the label holds two values instead.
    """
    from ._project_args import FILLED_ATTR, fill_from_project, project_frame

    filled = list(getattr(args, FILLED_ATTR, []))
    from_project = "engine" in filled
    if from_project and args.engine != "pandas":
        from .cmd_monitor import _is_parquet_source

        routing = bool(getattr(args, "proba_columns", None) or getattr(args, "proba_prefix", None)
                       or getattr(args, "task", None) in ("multiclass", "regression"))
        if project_frame(args, "data") is not None or not args.data or not _is_parquet_source(str(args.data)) or routing:
            args.engine = None
            filled.remove("engine")
            from_project = False
    if getattr(args, "task", None) is None and args.record:
        if args.engine in (None, "pandas"):
            fill_from_project(args, {"task": "task"})
        else:
            from pathlib import Path

            from ..core.project import load_project

            if Path(args.record).exists():
                args.task = load_project(args.record).project.task  # as set; None: a yes/no curve, checked by the engine
        filled += [a for a in getattr(args, FILLED_ATTR, []) if a not in filled]
    setattr(args, FILLED_ATTR, filled)
    if from_project and args.engine not in (None, "pandas") and not args.json:
        print(ENGINE_FROM_PROJECT.format(engine=args.engine), file=sys.stderr)


NEEDS_ROWS_FLAGS = ("{flags} need(s) the rows in memory; --engine {engine} counts the curve without them. Drop {flags}, "
                    "or use --engine pandas on the table (or a sample of it).")


def _from_source(args: argparse.Namespace, engine: str):
    """The trade-off over a curve counted by DuckDB or Spark from Parquet (exact when it fits, else binned)."""
    from ..core.metrics.tradeoff import Tradeoff
    from ..core.monitoring.engines.threshold_curve import curve_from_source
    from ._project_args import project_frame

    if project_frame(args, "data") is not None:
        raise AipmError(f"The {engine} engine reads Parquet; the demo's table is in memory: give --data "
                        "FILE|FOLDER|GLOB or use --engine pandas.")
    flags = [f for f, v in (("--group", args.group), ("--rule", args.rule)) if v]
    if flags:
        raise AipmError(NEEDS_ROWS_FLAGS.format(flags=" and ".join(flags), engine=engine))
    _require_source_columns(args, engine)
    limit = {} if args.max_exact_rows is None else {"max_rows": args.max_exact_rows}
    from ._progress import terminal_progress

    progress, bar = terminal_progress(f"threshold curve ({engine})", quiet=args.json)
    try:
        curve = curve_from_source(args.data, label=args.label, score=args.score, positive=args.positive,
                                  value=args.value, engine=engine, spark_master=args.spark_master, progress=progress,
                                  **limit)
    finally:
        if bar is not None:
            bar.close()
    return Tradeoff.from_curve(curve, costs=_costs(args), constraints=args.constraint,
                               volume_per_day=args.volume_per_day, label_name=args.label, score_name=args.score,
                               value_name=args.value or "value")


def _require_source_columns(args: argparse.Namespace, engine: str) -> None:
    """Name a missing column in words before an engine's SQL error would (read from the first file's footer)."""
    from .cmd_monitor import _source_columns

    columns = set(_source_columns(args.data, engine))
    missing = [c for c in (args.label, args.score, args.value) if c and c not in columns]
    if missing:
        shown = ", ".join(sorted(columns)[:12]) + (" ..." if len(columns) > 12 else "")
        raise AipmError(f"Column(s) {', '.join(repr(m) for m in missing)} not in {args.data} (columns: {shown}).")

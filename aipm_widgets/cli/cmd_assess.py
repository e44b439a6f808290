"""``aipm assess``: the data assessment of a table (stage 3) on the command line.

Exit codes: 0 no blocker, 1 at least one blocker found, 2 an error (the message says what to fix).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core.errors import AipmError, InputDataError


def _load_spec(path: str):
    from ..core.assessment.spec import DataSpec
    from ..core.io.safe_yaml import load_yaml_file

    data = load_yaml_file(path, what="spec file")
    if isinstance(data, dict) and "columns" not in data and ("schema_version" in data or "project" in data
                                                            or isinstance(data.get("data"), dict)):
        from ..core.record import check_schema_version

        check_schema_version(data.get("schema_version", 1), path=path)
        data = (data.get("data") or {}).get("spec") if isinstance(data.get("data"), dict) else None
        if not data:  # a decision record: use its data section's spec
            raise InputDataError(f"{Path(path)}: the decision record has no data spec yet; save stage 3 first.")
    return DataSpec.from_dict(data)


def _assess(args) -> int:
    from ..core.assessment.report import assess, full_report, parse_date_columns
    from ..core.assessment.spec import infer_spec
    from ..core.io.inputs import read_table, require_columns
    from ._project_args import fill_from_project, project_frame, require_args

    if args.spec and args.reference:
        raise AipmError("Give either --spec or --reference, not both.")
    fill_from_project(args, {"data": "sources.validation", "label": "columns.label", "id": "columns.id",
                             "time": "columns.timestamp", "task": "task",
                             "proba_columns": "columns.proba_columns", "proba_prefix": "columns.proba_prefix"})
    require_args(args, {"data": "--data", "label": "--label"},
                 project_hint={"data": "sources.validation", "label": "columns.label"})
    frame = project_frame(args, "data")  # a demo project's own table
    if frame is not None:
        source = str(args.data)
    else:
        loaded = read_table(args.data, keep_null_markers=True)
        frame, source = loaded.frame, loaded.source
    frame, _ = parse_date_columns(frame)
    require_columns(frame, [args.label, args.id, args.time])
    roles = {c: r for c, r in ((args.label, "label"), (args.id, "id"), (args.time, "timestamp")) if c}
    spec = None
    if args.spec:
        spec = _load_spec(args.spec)
    elif args.reference:
        ref, _ = parse_date_columns(read_table(args.reference).frame)
        spec = infer_spec(ref, roles=roles, source=str(args.reference), range_margin=args.range_margin)
    progress = None
    if not args.json and sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=8, desc="assessing", file=sys.stderr, leave=False)

        def progress(step, done, total):
            bar.set_postfix_str(step)
            bar.update(1)
    regression = getattr(args, "task", None) == "regression"
    target = None
    if regression:
        from ._regression import assess_target

        target = assess_target(args, frame)
    result = assess(
        frame, label=None if regression else args.label, id_column=args.id, time_column=args.time, spec=spec,
        ignore=tuple(args.ignore or ()) + ((args.label,) if regression else ()), source=source, progress=progress,
        range_margin=args.range_margin,
    )
    if progress is not None:
        bar.close()
    html_path = None
    if args.html:
        html_path = full_report(frame, args.html)
    if args.json:
        out = result.to_json_dict()
        if getattr(args, "task", None) == "multiclass":
            from ._multiclass import run_assess_extra

            run_assess_extra(args, out)
        if html_path:
            out["html"] = str(html_path)
        if target is not None:
            out["task"], out["label"], out["target"] = "regression", args.label, target
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    else:
        print(result.summary())
        for line in (target or {}).get("findings", []):
            print(f"[target] {line}")
        for i in result.issues:
            print(f"[{i.severity}] {i.message}")
            if i.action:
                print(f"    -> {i.action}")
        if html_path:
            print(f"Full report: {html_path}")
        if getattr(args, "task", None) == "multiclass":
            from ._multiclass import run_assess_extra

            run_assess_extra(args, None)
    return 1 if result.counts()["blocker"] else 0


def register(sub) -> None:
    p = sub.add_parser(
        "assess",
        help="check a table for data problems (missing values, duplicates, out-of-spec values, leakage, ...)",
        description="Stage 3 data assessment: a data spec, quality checks with severity (blocker, warning, info), "
        "a plain explanation and a suggested action for each. Exit 1 when a blocker is found, 2 on an error.",
    )
    p.add_argument("--data", default=None, help="CSV or Parquet file to assess")
    p.add_argument("--label", default=None, help="the label (outcome) column")
    p.add_argument("--id", help="the identifier column (must be unique; not reported as 'looks like an identifier')")
    p.add_argument("--time", help="the timestamp column (for time-coverage gaps and late labels)")
    p.add_argument("--ignore", action="append", help="a column to leave out of the feature checks (repeatable)")
    p.add_argument("--spec", help="a data spec (YAML/JSON, or a decision record with a saved spec) to validate against")
    p.add_argument("--reference", help="infer the spec from this file and validate --data against it")
    p.add_argument("--range-margin", type=float, default=None, metavar="SHARE",
                   help="how far beyond the observed range numbers may go, as a share of the range's width "
                   "(default 0.01 = 1%%), when the spec is inferred")
    p.add_argument("--record", default=None, metavar="FILE",
                   help="decision record: missing flags come from its project (validation data, label, id, timestamp)")
    p.add_argument("--json", action="store_true", help="print the issues as JSON")
    p.add_argument("--html", metavar="OUT", help="also write evidently's full data report to this HTML file")
    from ._multiclass import add_task_args

    add_task_args(p)
    from ._regression import add_regression_args

    add_regression_args(p, prediction=False)
    p.set_defaults(func=_assess)

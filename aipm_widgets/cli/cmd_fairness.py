"""``aipm fairness``: the fairness audit of a scored table, by one group column or the intersection of two."""

from __future__ import annotations

import json
import math

from ..core.errors import AipmError


def _fairness(args) -> int:
    from ..core.expectations.fairness import FOUR_FIFTHS, FairnessResult
    from ..core.io.inputs import require_columns
    from ._project_args import fill_from_project, read_arg_table, require_args

    fill_from_project(args, {"data": "sources.validation", "label": "columns.label", "score": "columns.score",
                             "prediction": "columns.prediction", "positive": "columns.positive",
                             "group": "columns.groups[:1]", "threshold": "metrics.threshold", "task": "task",
                             "proba_columns": "columns.proba_columns", "proba_prefix": "columns.proba_prefix"})
    from ._multiclass import is_multiclass, run_fairness

    if is_multiclass(args):  # selection rate of each class per group: no label needed
        require_args(args, {"data": "--data", "group": "--group"},
                     project_hint={"data": "sources.validation", "group": "columns.groups"})
        return run_fairness(args)
    require_args(args, {"data": "--data", "label": "--label", "group": "--group"},
                 project_hint={"data": "sources.validation", "label": "columns.label", "group": "columns.groups"})
    if getattr(args, "task", None) == "regression":
        from ._regression import fairness as regression_fairness

        return regression_fairness(args)
    if args.score is None or args.threshold is None:
        raise AipmError("--score and --threshold are required (the model's score and the selection threshold); for a "
                        "model choosing among classes use --task multiclass --proba-prefix PREFIX, for one that predicts a number "
                        "--task regression --prediction COL. With --record FILE they "
                        "come from the project's columns.score and the threshold chosen in stage 4 (metrics.threshold).")
    if not 1 <= len(args.group) <= 2:
        raise AipmError(f"Give one or two --group columns (two audit their intersections), not {len(args.group)}.")
    if not math.isfinite(args.threshold):
        raise AipmError(f"--threshold must be a finite number, not {args.threshold}.")
    table = read_arg_table(args, "data")
    require_columns(table, [args.label, args.score, *args.group])
    result = FairnessResult.from_frame(
        table, label=args.label, score=args.score, groups=args.group, threshold=args.threshold,
        reference=args.reference, positive=args.positive,
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
        return 0
    print(result)
    ff = result.four_fifths
    if ff.get("passed") is False:
        print(f"FLAG: the four-fifths rule fails for {', '.join(result.flagged_groups)} "
              f"(the whole 95% interval of the ratio is below {FOUR_FIFTHS:.2f}).")
    for line in result.findings():
        print(f"- {line}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "fairness",
        help="audit a scored table by group: selection rate, TPR, FPR, FNR, precision with intervals, four-fifths rule",
        description="Per group at the threshold: selection rate, TPR, FPR, FNR and precision with 95% Wilson intervals, "
        "ratios against a reference group with the four-fifths rule, and fairlearn's demographic-parity and "
        "equalized-odds differences. A gap is called real, and the four-fifths rule fails, only when the 95% interval "
        "excludes the line; otherwise the finding says inconclusive and about how many more rows would settle it. "
        "Two --group columns audit their intersections.",
    )
    p.add_argument("--data", default=None, help="CSV or Parquet file, one row per person/case")
    p.add_argument("--label", default=None, help="column with the true outcome (0/1, or two values with --positive)")
    p.add_argument("--score", default=None, help="column with the model's score")
    p.add_argument("--threshold", default=None, type=float, help="selected when score >= threshold")
    p.add_argument("--group", default=None, action="append",
                   help="group column (repeat once for intersections; default: the --record project's first group column)")
    p.add_argument("--reference", help="group to compare with (default: the largest group)")
    p.add_argument("--positive", help="the label value that is the positive class, if the label is not 0/1")
    p.add_argument("--record", default=None, metavar="FILE",
                   help="decision record: missing flags come from its project (data, columns) and metrics (threshold)")
    p.add_argument("--json", action="store_true", help="print the audit as JSON")
    from ._multiclass import add_task_args

    add_task_args(p)
    from ._regression import add_regression_args

    add_regression_args(p)
    p.set_defaults(func=_fairness)

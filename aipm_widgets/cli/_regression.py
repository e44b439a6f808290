"""The batch commands for a forecast (``--task regression``): tradeoff, monitor, fairness and assess.

Each ``cmd_*.py`` hands over to the function here when ``--task regression`` is given, so the binary paths stay
as they are. ``--json`` keys are documented in the README ("A model that predicts a number").
"""

from __future__ import annotations

import json

from ..core.errors import AipmError

_DEFAULT_TOLERANCE = "10%"


def add_regression_args(p, *, tradeoff: bool = False, prediction: bool = True) -> None:
    """``--task`` and the regression flags (all default None, so a project in ``--record`` can fill them)."""
    from ._task import add_option, add_task_argument

    add_task_argument(p)
    if prediction:
        add_option(p, "--prediction", default=None, metavar="COL", help="--task regression: the model's predicted number")
    add_option(p, "--tolerance", default=None, metavar="T",
               help="--task regression: how far off still counts as right, '10%%' of the actual value or '5' units")
    add_option(p, "--unit", default=None, metavar="WORD", help="--task regression: the target's unit (minutes, EUR...)")
    if tradeoff:
        add_option(p, "--cost-under", type=float, default=None, metavar="C",
                   help="--task regression: cost per unit the prediction is below the actual value (e.g. a minute late)")
        add_option(p, "--cost-over", type=float, default=None, metavar="C",
                   help="--task regression: cost per unit the prediction is above the actual value")
        add_option(p, "--offset", type=float, default=None, metavar="X",
                   help="--task regression: evaluate with X added to every prediction (default: the cost-optimal one)")
        add_option(p, "--baseline-column", default=None, metavar="COL",
                   help="--task regression: a baseline's predictions (e.g. last period's value); default the median")
        add_option(p, "--currency", default=None, metavar="CODE", help="currency of the costs (ISO 4217, default EUR)")


def _need(args, *names: str) -> None:
    missing = [f"--{n.replace('_', '-')}" for n in names if not getattr(args, n, None)]
    if missing:
        raise AipmError(f"--task regression needs {' and '.join(missing)} (the actual value and the model's predicted "
                        "number), e.g. --label delivery_minutes --prediction predicted_minutes.")


def _costs(args) -> tuple[float | None, float | None]:
    cu, co = getattr(args, "cost_under", None), getattr(args, "cost_over", None)
    if (cu is None) != (co is None):
        raise AipmError("Give both --cost-under and --cost-over (cost per unit the prediction is too low / too high), "
                        "or neither.")
    return cu, co


def tradeoff(args) -> int:
    from ..core.tasks.forecast import Forecast
    from ..core.io.inputs import read_table

    _need(args, "label", "prediction")
    frame = read_table(args.data).frame
    cu, co = _costs(args)
    f = Forecast.from_frame(
        frame, label=args.label, prediction=args.prediction, group=args.group, baseline_column=args.baseline_column,
        tolerance=args.tolerance or _DEFAULT_TOLERANCE, cost_under=cu, cost_over=co, unit=args.unit or "units",
        currency=getattr(args, "currency", None) or "EUR", volume_per_day=args.volume_per_day,
    )
    if args.offset is not None:
        offset, choice = args.offset, "given with --offset"
    elif f.has_costs:
        offset, choice = f.optimal_offset(), "cost-optimal"
    else:
        offset, choice = 0.0, "no offset (no costs given)"
    point = f.at(offset)
    if args.json:
        out = point.to_dict()
        out["offset_choice"] = choice
        print(json.dumps(out, indent=2, allow_nan=False, default=float))
        return 0
    print(f"Offset {point.units(offset, 2)}: {choice}.")
    for line in point.findings():
        print(line)
    from ..core.text import format as fmt

    for name, m in point.metrics.items():
        f = fmt.percent if name in {"mape", "within_tolerance"} else (lambda x: fmt.number(x, 2))
        print(f"  {name}: {m.text(f)}")
    return 0


def fairness(args) -> int:
    from ..core.expectations.fairness_regression import RegressionFairness
    from ..core.io.inputs import read_table, require_columns

    _need(args, "label", "prediction")
    if len(args.group) != 1:
        raise AipmError("--task regression audits one --group column at a time.")
    table = read_table(args.data).frame
    require_columns(table, [args.label, args.prediction, *args.group])
    result = RegressionFairness.from_frame(table, label=args.label, prediction=args.prediction, group=args.group[0],
                                           tolerance=args.tolerance or _DEFAULT_TOLERANCE, reference=args.reference,
                                           unit=getattr(args, "unit", None) or "units")
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
        return 0
    print(result)
    return 0


def monitor(args, ref, cur, timestamp, settings, notes, record) -> int:
    from ..core.monitoring.regression import run_regression_monitoring

    _need(args, "label", "prediction")
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    res = run_regression_monitoring(
        ref, cur, label=args.label, prediction=args.prediction, features=features, timestamp=timestamp,
        window=args.window or "week", window_rows=args.window_rows, triggers=args.trigger or settings.get("triggers"),
        method=args.method, threshold_mode="band" if args.band else "fixed", id_column=args.id_column,
        unit=getattr(args, "unit", None) or "units",
    )
    res.notes[:0] = notes
    from .cmd_monitor import finish_run

    return finish_run(args, res, record, kind=" (forecast)")


def assess_target(args, frame) -> dict:
    """The target's profile for ``aipm assess --task regression``."""
    from ..core.assessment.target_profile import profile_target

    if not args.label:
        raise AipmError("--task regression needs --label (the column with the actual value).")
    return profile_target(frame[args.label], name=args.label, unit=getattr(args, "unit", None) or "units").to_dict()

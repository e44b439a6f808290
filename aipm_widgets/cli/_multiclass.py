"""``--task multiclass`` for the batch commands (tradeoff, monitor, assess, fairness): flags and runners.

Each ``cmd_*.py`` calls :func:`add_task_args` in ``register`` and hands over to the runner here when
``args.task == "multiclass"``. Every flag defaults to None so a project in ``--record`` can fill it.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.errors import AipmError

__all__ = ["add_task_args", "is_multiclass", "monitor_kwargs", "run_tradeoff", "run_assess_extra", "run_fairness"]


def add_task_args(p, *, tradeoff: bool = False) -> None:
    """``--task`` and the multiclass flags (all default None, so a project in ``--record`` can fill them)."""
    from ._task import add_option, add_task_argument

    add_task_argument(p)
    add_option(p, "--prediction", default=None, metavar="COL",
               help="the model's prediction: the class it chose (--task multiclass; default the highest probability) "
                    "or its number (--task regression)")
    add_option(p, "--proba-columns", default=None, metavar="CLASS=COL,...",
               help="--task multiclass: one probability column per class, e.g. billing=p_billing,bug=p_bug")
    add_option(p, "--proba-prefix", default=None, metavar="PREFIX",
               help="--task multiclass: the probability columns are PREFIX + class (e.g. proba_ for proba_billing)")
    if tradeoff:
        add_option(p, "--cost-misroute", type=float, default=None, metavar="X",
                   help="--task multiclass: cost of one row routed to a wrong class")
        add_option(p, "--cost-manual", type=float, default=None, metavar="X",
                   help="--task multiclass: cost of a person handling one row")
        add_option(p, "--minutes-per-manual", type=float, default=None, metavar="M",
                   help="--task multiclass: minutes a person spends on one row (for person-hours a day)")
        add_option(p, "--currency", default=None, metavar="CODE", help="currency of the costs (ISO 4217, default EUR)")


def _read_data(args):
    from ._project_args import read_arg_table

    return read_arg_table(args, "data")


def is_multiclass(args) -> bool:
    return getattr(args, "task", None) == "multiclass"


def _proba(args) -> dict[str, Any]:
    from ..core.tasks.routing import NO_PROBA_COLUMNS, parse_proba_columns

    cols = parse_proba_columns(getattr(args, "proba_columns", None))
    prefix = getattr(args, "proba_prefix", None)
    if not cols and not prefix:
        raise AipmError("--task multiclass: " + NO_PROBA_COLUMNS)
    return {"proba_columns": cols, "proba_prefix": prefix}


def run_tradeoff(args) -> int:
    from ..core.tasks.routing import Routing

    frame = _read_data(args)
    costs = None
    if args.cost_misroute is not None or args.cost_manual is not None:
        costs = {"misroute": args.cost_misroute or 0.0, "manual": args.cost_manual or 0.0}
    r = Routing.from_frame(frame, label=args.label, prediction=args.prediction, **_proba(args), costs=costs,
                           constraints=args.constraint or None, volume_per_day=args.volume_per_day,
                           minutes_per_manual=args.minutes_per_manual, currency=args.currency or "EUR")
    if args.threshold is not None:
        threshold, choice = args.threshold, "given with --threshold"
    else:
        threshold, choice = r.recommended_threshold()
    point = r.at(threshold)
    baseline = None
    if args.rule:
        if args.rule not in frame.columns:
            raise AipmError(f"--task multiclass: --rule names a column holding the rule's class per row (empty: a person "
                            f"decides); {args.rule!r} is not a column.")
        baseline = r.baseline(frame[args.rule], rule=f"the column {args.rule}")
    else:
        baseline = r.baseline()
    feas = r.feasibility()
    if args.json:
        out = point.to_json()
        out["threshold_choice"] = choice
        out["feasibility"] = {k: v for k, v in feas.items()}
        out["notes"] = r.notes
        out["baseline"] = baseline.to_json()
        print(json.dumps(out, indent=2, allow_nan=False, ensure_ascii=False))
        return 0
    print(f"Confidence threshold {threshold:.6g}: {choice}.")
    for note in r.notes:
        print(f"Note: {note}")
    print(point)
    if r.constraints:
        print(feas["describe"])
    print(baseline.verdict())
    return 0


def monitor_kwargs(args) -> dict[str, Any]:
    """Extra keyword arguments of ``run_monitoring`` for ``--task multiclass``."""
    if not is_multiclass(args):
        return {}
    if not args.label:
        raise AipmError("--task multiclass needs --label (the true class; the reference must have it).")
    return {"task": "multiclass", **_proba(args)}


def run_assess_extra(args, out: dict | None) -> None:
    """Per-class label counts and too-rare classes, printed or added to the JSON document."""
    from ..core.tasks.class_balance import class_balance

    frame = _read_data(args)
    cb = class_balance(frame[args.label])
    if out is not None:
        out["task"] = "multiclass"
        out["classes"] = cb.to_json()
        return
    print("Classes:")
    for c, r in cb.table.iterrows():
        print(f"  {c}: {int(r['rows']):,} rows ({r['share']:.1%})")
    for line in cb.findings():
        print(f"- {line}")


def run_fairness(args) -> int:
    from ..core.tasks.class_balance import selection_by_group
    from ..core.io.inputs import require_columns
    from ..core.tasks.routing import routing_inputs

    frame = _read_data(args)
    if len(args.group) != 1:
        raise AipmError("--task multiclass: give one --group column.")
    require_columns(frame, [args.group[0]])
    inp = routing_inputs(frame, label=None, prediction=args.prediction, **_proba(args))
    import numpy as np

    names = np.array(inp.classes, dtype=object)[inp.pred]
    res = selection_by_group(names, frame[args.group[0]], classes=inp.classes, group_name=args.group[0])
    if args.json:
        out = {"task": "multiclass", **res.to_json(), "findings": res.findings()}
        print(json.dumps(out, indent=2, allow_nan=False, ensure_ascii=False))
        return 0
    for (g, c), r in res.table.iterrows():
        print(f"  {g} -> {c}: {r['share']:.1%} ({r['low']:.1%} to {r['high']:.1%}) of {int(r['rows']):,}")
    for line in res.findings():
        print(f"- {line}")
    return 0

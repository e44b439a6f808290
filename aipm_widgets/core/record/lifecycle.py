"""The lifecycle at a glance: where each stage stands, read from the decision record.

ML work is a cycle, not a waterfall. A stage's *state* is one of

``not_started``
    nothing was saved for it;
``in_progress``
    something was saved (a checklist, a draft) but no decision yet;
``decided``
    its decision is saved and nothing it builds on changed since;
``needs_review``
    the saved status says so (a new iteration started, data not ready), **or** a stage it builds on
    changed its decision after it was decided (:data:`DEPENDS_ON`: the one-pager quotes stage 4's
    rates, monitoring prices drift with stage 4's costs and enforces stage 3's data spec), **or** it
    was decided in an earlier iteration than the project's current one (metric selection and
    monitoring must be re-done for a new model version).

Changes are ordered by their position in the record's ``history`` (timestamps have one-second
resolution; the list order is exact). Checklist saves are not decision changes: ticking an item in
scoping does not send the data assessment back for review.

:func:`start_new_iteration` bumps ``project.iteration`` (a new model version), snapshots the current
metric and monitoring decisions into ``project.previous_iterations`` (so the brief can compare
iterations) and marks both sections *needs review*; the history is kept.

Examples
--------
>>> from aipm_widgets.core.record import DecisionRecord
>>> rec = DecisionRecord.new("Demo")
>>> [s.state for s in lifecycle(rec)][:2]
['not_started', 'not_started']
>>> lifecycle(rec)[0].open_required[0][0]
'Use-case scoping'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import AipmError

__all__ = [
    "DEPENDS_ON",
    "ITERATION_SECTIONS",
    "STAGES",
    "STAGE_CHECKLISTS",
    "STATE_LABELS",
    "StageState",
    "iteration_snapshot",
    "lifecycle",
    "open_required_items",
    "stage_state",
    "start_new_iteration",
]

STAGES: tuple[tuple[str, str, str], ...] = (
    ("scoping", "1. Use-case scoping", "Is this even an AI problem?"),
    ("expectations", "2a. Expectations", "What will it do, for whom, with what errors?"),
    ("ethics", "2b. Ethics", "Bias, fairness, transparency, privacy, consent."),
    ("data", "3. Data assessment", "Can the data carry the product?"),
    ("metrics", "4. Metric selection", "Which errors cost what; which threshold?"),
    ("monitoring", "5. Post-launch monitoring", "Did it drift; do we retrain?"),
)
"""Section key, title and the question it answers, in lifecycle order."""

STATE_LABELS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "decided": "decided",
    "needs_review": "needs review",
}

DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "scoping": (),
    "expectations": ("scoping", "metrics"),
    "ethics": ("scoping",),
    "data": ("scoping",),
    "metrics": ("scoping", "data"),
    "monitoring": ("data", "metrics"),
}
"""Which stages' decisions each stage builds on (a later change there sends it back for review)."""

STAGE_CHECKLISTS: dict[str, tuple[str, ...]] = {
    "scoping": ("use_case_scoping",),
    "expectations": ("stakeholder_expectations",),
    "ethics": ("ethics",),
    "data": ("datasheet",),
    "metrics": (),
    "monitoring": (),
}
"""The shipped checklists each stage's notebook shows (their required items count even before a save)."""

ITERATION_SECTIONS = ("metrics", "monitoring")
"""The stages a new model version re-enters."""

_CHECKLIST_PREFIX = "Checklist '"  # how save_checklist_state words its history entries


@dataclass(frozen=True)
class StageState:
    """One stage at a glance."""

    key: str
    title: str
    question: str
    state: str
    reasons: list[str] = field(default_factory=list)
    open_required: list[tuple[str, str]] = field(default_factory=list)  # (checklist title, item text)
    last_change: Any = None  # the record's last history entry (Change) for this section
    iteration: int | None = None  # the iteration of that last change
    summary: str | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def _section_dict(record: Any, key: str) -> dict[str, Any]:
    sec = record.section(key)
    return sec.model_dump(mode="python")


def open_required_items(record: Any, key: str) -> list[tuple[str, str]]:
    """Required checklist items of stage ``key`` that are neither done nor not applicable.

    Every stored checklist of the section counts (a custom definition it cannot load is skipped), and so
    does each shipped checklist of :data:`STAGE_CHECKLISTS` not saved yet (all its required items are open).
    """
    from ..checklists.checklist import ChecklistResult, load_checklist

    stored = dict(getattr(record.section(key), "checklists", None) or {})
    keys = list(dict.fromkeys([*STAGE_CHECKLISTS.get(key, ()), *stored]))
    out: list[tuple[str, str]] = []
    for ck in keys:
        state = stored.get(ck)
        try:
            definition_key = ck
            if state is not None:
                definition_key = getattr(state, "checklist", None) or (state.get("checklist") if isinstance(state, dict) else None) or ck
            result = ChecklistResult(load_checklist(definition_key), state)
        except Exception:  # noqa: BLE001, S112 - an unknown or broken checklist must not hide the stage
            continue
        for item in result.required_open():
            out.append((result.definition.title, item.text))
    return out


def _decision_positions(history: list[Any]) -> dict[str, int]:
    """Section -> index of its last decision change in the history (checklist saves excluded)."""
    last: dict[str, int] = {}
    for i, change in enumerate(history):
        if str(change.what).startswith(_CHECKLIST_PREFIX):
            continue
        last[change.section] = i
    return last


def _one_pager_threshold_reasons(record: Any) -> list[str]:
    """The one-pager quotes another threshold than stage 4 decided (or one stage 4 had not decided yet): say both."""
    from ..text.format import threshold as fmt_threshold

    op, m = record.expectations.one_pager, record.metrics
    if op is None or m.threshold is None or op.threshold is None:
        return []
    if (op.task or "binary") != (m.task or "binary") or (m.task or "binary") == "regression":
        return []
    if fmt_threshold(op.threshold) != fmt_threshold(m.threshold):
        return [f"The one-pager quotes threshold {fmt_threshold(op.threshold)}; stage 4 (metric selection) decided "
                f"{fmt_threshold(m.threshold)}: save the one-pager again."]
    if op.provisional:
        return ["The one-pager was saved while its numbers were provisional: save it again now that stage 4 has decided."]
    return []


def stage_state(record: Any, key: str, *, _positions: dict[str, int] | None = None) -> StageState:
    """The state of one stage (see the module docstring for the rules)."""
    titles = {k: (t, q) for k, t, q in STAGES}
    if key not in titles:
        raise AipmError(f"Unknown stage {key!r}; the stages are {', '.join(titles)}.")
    title, question = titles[key]
    sec = record.section(key)
    history = list(record.history)
    positions = _positions if _positions is not None else _decision_positions(history)
    changes = [c for c in history if c.section == key]
    last = changes[-1] if changes else None
    reasons: list[str] = []
    status = sec.status
    if status == "decided":
        state = "decided"
        mine = positions.get(key)
        for dep in DEPENDS_ON.get(key, ()):
            theirs = positions.get(dep)
            if theirs is not None and (mine is None or theirs > mine):
                reasons.append(f"{titles[dep][0]} changed after this was decided.")
        if key == "expectations":
            reasons += _one_pager_threshold_reasons(record)
        if key in ITERATION_SECTIONS and last is not None and last.iteration < record.project.iteration:
            reasons.append(f"Decided for iteration {last.iteration}; the project is on iteration {record.project.iteration}.")
        if reasons:
            state = "needs_review"
    elif status == "needs_review":
        state = "needs_review"
        reasons.append("Marked for review in the record.")
    elif status == "in_progress" or changes:
        state = "in_progress"
    else:
        state = "not_started"
    return StageState(
        key=key, title=title, question=question, state=state, reasons=reasons,
        open_required=open_required_items(record, key), last_change=last,
        iteration=last.iteration if last is not None else None, summary=sec.summary,
    )


def lifecycle(record: Any) -> list[StageState]:
    """Every stage's :class:`StageState`, in lifecycle order."""
    positions = _decision_positions(list(record.history))
    return [stage_state(record, key, _positions=positions) for key, _, _ in STAGES]


def iteration_snapshot(record: Any) -> dict[str, Any]:
    """What the current iteration decided in metric selection and monitoring (kept when a new one starts)."""
    m = record.metrics
    mon = record.monitoring
    metrics = {}
    for name, mv in (m.metrics or {}).items():
        metrics[name] = {"value": mv.value, "low": mv.low, "high": mv.high}
    cost = m.cost_per_1000
    return {
        "iteration": record.project.iteration,
        "closed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "metrics": {
            "status": m.status,
            "threshold": m.threshold,
            "chosen_metric": m.chosen_metric,
            "data_source": m.data_source,
            "decided_at": m.decided_at.isoformat() if m.decided_at else None,
            "metrics": metrics,
            "cost_per_1000": None if cost is None else {"value": cost.value, "low": cost.low, "high": cost.high},
            "constraints": list(m.constraints),
            "constraints_satisfied": m.constraints_satisfied,
        },
        "monitoring": {
            "status": mon.status,
            "triggers": [t.text or f"{t.measure} {t.op} {t.value}" for t in mon.triggers],
            "summary": mon.summary,
        },
    }


def start_new_iteration(path: str | os.PathLike, what: str, *, who: str | None = None) -> Any:
    """Start a new model version: bump the iteration and send metrics and monitoring back for review.

    The current metric and monitoring decisions are copied into ``project.previous_iterations`` (the
    brief compares them with the new ones); their sections keep their values, now marked
    ``needs_review``; the history keeps every earlier entry. Returns the record as saved.

    Parameters
    ----------
    path : path
        The decision record.
    what : str
        Why, in words (e.g. ``"Model v2: retrained on data from 2025-10 on"``); must not be empty.
    """
    from . import load_record, update_section

    what = " ".join(str(what or "").split())
    if not what:
        raise AipmError("Say why a new iteration starts (for example 'Model v2: retrained on data from October on').")
    if len(what) > 500:
        raise AipmError("Keep the reason under 500 characters; link a document for more.")

    def bump(project: dict[str, Any]) -> dict[str, Any]:
        # Runs under the record's lock, so the snapshot is of the record as saved right now.
        record = load_record(path, create=True)
        previous = list(project.get("previous_iterations") or [])
        previous.append(iteration_snapshot(record))
        return {"iteration": int(project.get("iteration") or 1) + 1, "previous_iterations": previous}

    rec = update_section(path, "project", bump, what=f"Started iteration: {what}", who=who)
    for key in ITERATION_SECTIONS:
        rec = update_section(
            path, key, {"status": "needs_review"},
            what=f"Needs review for iteration {rec.project.iteration}", who=who,
        )
    return rec

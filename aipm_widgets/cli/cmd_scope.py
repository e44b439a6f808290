"""``aipm scope --record FILE [--json]``: the scoping verdicts stored in a decision record."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.errors import AipmError

NO_SCOPING = (
    "{path}: the record has no scoping decision yet. Open notebooks/01_use_case_scoping.ipynb, "
    "compare the candidates and press 'Save this use case as our decision'."
)


def scope_summary(record_path: str | Path) -> dict:
    """The scoping section as plain data: the chosen use case and every candidate's verdict."""
    from ..core.record import load_record

    path = Path(record_path)
    sec = load_record(path).scoping
    if not sec.verdict and not sec.candidates:
        raise AipmError(NO_SCOPING.format(path=path))
    return {
        "status": sec.status,
        "chosen": sec.chosen,
        "use_case": sec.use_case,
        "verdict": sec.verdict,
        "verdict_label": sec.verdict_label,
        "reasons": list(sec.reasons),
        "warnings": list(sec.warnings),
        "value": sec.value.model_dump(mode="json") if sec.value else None,
        "scores": dict(sec.scores),
        "robustness": sec.robustness,
        "decided_at": sec.decided_at.isoformat() if sec.decided_at else None,
        "decided_by": sec.decided_by,
        "candidates": [
            {k: v for k, v in c.model_dump(mode="json").items() if k not in {"evidence", "description"}}
            for c in sec.candidates
        ],
    }


def _one_line(text) -> str:
    """User text for a terminal: one line, control characters (escape sequences) dropped."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    return " ".join(text.split())


def _run(args) -> int:
    summary = scope_summary(args.record)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    print(f"Chosen use case: {_one_line(summary['use_case'] or summary['chosen'] or '(none)')}")
    if summary["verdict_label"]:
        print(f"Verdict: {summary['verdict_label']}")
    for r in summary["reasons"]:
        print(f"  - {_one_line(r)}")
    for w in summary["warnings"]:
        print(f"  ! {_one_line(w)}")
    rob = summary["robustness"] or {}
    if rob.get("sentence"):
        print(f"How sure: {_one_line(rob['sentence'])}")
    if summary["candidates"]:
        print("\nrank  verdict                                     score (10-90%)   kept  use case")
        for c in summary["candidates"]:
            score = "" if c["composite"] is None else f"{c['composite']:.0f} ({c['composite_low']:.0f}-{c['composite_high']:.0f})"
            kept = "" if c["verdict_stability"] is None else f"{c['verdict_stability']:.0%}"
            mark = "*" if c["id"] == summary["chosen"] else " "
            print(f"{mark}{c['rank'] or '':<4} {_one_line(c['verdict_label'] or c['verdict']):<43} {score:<16} {kept:>4}  "
                  f"{_one_line(c['name'] or c['id'])}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("scope", help="print the use-case scoping verdicts stored in a decision record")
    p.add_argument("--record", required=True, help="the decision record (decision_record.yaml)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_run)

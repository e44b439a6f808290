"""Fill a decision record from the demo data by driving each stage's widget as the notebooks do.

Every stage is run headless (no browser) with the same arguments as notebooks 01-05, and saved with
the widget's own save action, so the record has exactly the shape a workshop team produces. Stages are
saved in dependency order (scoping, data, metrics, expectations, ethics, monitoring) so every stage is
*decided* and none *needs review*. Some required checklist items are deliberately left open, so the
brief and the start page have something to show.

Usage::

    .venv/bin/python scripts/demo_record.py OUT.yaml [--hostile]

``--hostile`` writes script tags and Markdown into every free-text field (for escaping tests).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)> **bold** [link](javascript:alert(1)) # heading"


def _checklist(path: Path, key: str, section: str, *, done: int, who: str, note: str | None = None) -> None:
    """Tick the first ``done`` items of a checklist (owner and note on the first) and save it."""
    from aipm_widgets.widgets.checklist import Checklist

    w = Checklist(key, section=section, record_path=path, who=who)
    for i, item in enumerate(w.definition.items[:done]):
        w.result.set_item(item.id, state="done", owner=who if i == 0 else None, note=note if i == 0 else None)
    w.save()
    _ok(w, key)


def _ok(widget, what: str) -> None:
    errors = getattr(widget.messages, "errors", [])
    if errors:
        raise RuntimeError(f"{what}: {errors[0]}")


def build(path: str | os.PathLike, *, hostile: bool = False, quick: bool = False) -> Path:
    """Write the demo decision record to ``path`` (replacing it) and return the path.

    ``quick`` skips the slow evidence (label noise, learning curve); the record is otherwise the same.
    """
    from aipm_widgets.core import demo
    from aipm_widgets.core.record import DecisionRecord, save_record

    path = Path(path)
    for p in (path, path.with_name(path.name + ".bak")):
        if p.exists():
            p.unlink()
    name = "Card-fraud flagging (demo)" + (f" {HOSTILE}" if hostile else "")
    save_record(DecisionRecord.new(name, owners=["Risk product team", *( [HOSTILE] if hostile else [])],
                                   description="Flag card payments for analyst review before they are charged."), path)
    text = HOSTILE if hostile else None

    # Stage 1: scoping.
    from aipm_widgets.widgets.scoping.canvas import ScopingCanvas

    canvas = ScopingCanvas(record_path=path, who="Ana")
    canvas.candidate.value = "fraud_flagging"
    canvas.save()
    _ok(canvas, "scoping")
    _checklist(path, "use_case_scoping", "scoping", done=12, who="Ana", note=text or "Agreed in the kick-off")

    # Stage 3: data assessment (the widget as notebook 03 builds it).
    from aipm_widgets.widgets.assessment.data_assessment import DataAssessment

    fraud = demo.load_fraud()
    assessment = DataAssessment(fraud, label="is_fraud", id_column="transaction_id", time_column="timestamp",
                                ignore=("score",), name="fraud_transactions (demo)", record_path=path)
    _ok(assessment, "data assessment")
    waivable = [i for i in assessment.result.issues if i.severity != "blocker"][:2]
    for issue in waivable:
        assessment.waive(issue.key, text or f"Known and accepted for the pilot: {issue.message[:80]}")
    evidence = {}
    if not quick:
        from aipm_widgets.core.assessment.label_noise import find_label_noise

        labeled = fraud[(fraud["timestamp"] < "2025-06-01") & fraud["is_fraud"].notna()].drop_duplicates("transaction_id")
        noise = find_label_noise(labeled[demo.FRAUD_FEATURES], labeled["is_fraud"].astype(int),
                                 ids=labeled["transaction_id"], cv=3)
        evidence["label_noise"] = noise.to_record()
    assessment.save(extra=evidence)
    _ok(assessment, "data save")
    _checklist(path, "datasheet", "data", done=9, who="Ben")

    # Stage 4: metric selection (notebook 04's explorer at its recommended threshold).
    from aipm_widgets.core.metrics.product_metrics import ProductMapping
    from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer

    validation = demo.load_fraud("validation").drop_duplicates("transaction_id").reset_index(drop=True)
    explorer = ThresholdExplorer.from_predictions(
        validation.is_fraud, validation.score, value=validation.amount, groups=validation.age_band,
        costs={"cost_fp": demo.FRAUD_COST_FP, "fn_cost_from_value": True, "value_column": "amount",
               "review_capacity_per_day": demo.FRAUD_REVIEW_CAPACITY_PER_DAY, "currency": demo.FRAUD_CURRENCY},
        constraints=["fnr<=0.05"], volume_per_day=demo.FRAUD_VOLUME_PER_DAY, baseline_rule="amount > 900",
        frame=validation, product=ProductMapping(volume_per_day=demo.FRAUD_VOLUME_PER_DAY, minutes_per_alert=4),
        data_source="fraud validation 2025-04..05, de-duplicated",
        label_name="is_fraud", score_name="score", value_name="amount", group_name="age_band",
        unit="transactions", positive_name="fraud", record_path=path,
    )
    explorer.save(who="Chen")
    _ok(explorer, "metric selection")

    # Stage 2a: the one-pager reads stage 4's numbers.
    from aipm_widgets.widgets.expectations.one_pager import ExpectationsOnePager

    pager = ExpectationsOnePager(record_path=path, export_dir=path.parent / "exports")
    if hostile:
        pager.result = pager.result.with_text(does=[HOSTILE], failure_modes=[HOSTILE])
        pager._base = pager.result
    pager.save()
    _ok(pager, "one-pager")
    _checklist(path, "stakeholder_expectations", "expectations", done=11, who="Dana")

    # Stage 2b: fairness audit on the resume screener with the team's response.
    from aipm_widgets.widgets.expectations.fairness_audit import FairnessAudit

    audit = FairnessAudit(threshold=0.5, record_path=path, load_saved=False)
    audit.response.value = text or (
        "Women are shortlisted less often at 0.5: we review the label source (past hiring decisions) "
        "before any launch; owner: Dana, by the next iteration."
    )
    audit.save()
    _ok(audit, "fairness")
    _checklist(path, "ethics", "ethics", done=10, who="Dana", note=text)

    # Stage 5: monitoring on the production months.
    from aipm_widgets import DriftMonitor
    from aipm_widgets.core.monitoring.run import demo_costs

    reference = fraud[fraud["split"] == "validation"]
    production = fraud[fraud["split"] == "production"]
    monitor = DriftMonitor(
        reference, production, features=demo.FRAUD_FEATURES, window="month", label="is_fraud", score="score",
        id_column="transaction_id", fallback_costs=demo_costs(), record_path=path,
        reference_description="validation split, 2025-04-01 to 2025-05-31",
    )
    monitor.save_decision()
    _ok(monitor, "monitoring")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--hostile", action="store_true")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    print(build(args.out, hostile=args.hostile, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())

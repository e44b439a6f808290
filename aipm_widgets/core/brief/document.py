"""The AI product brief: the decision record as one document for stakeholders.

:func:`brief_sections` turns a :class:`~aipm_widgets.core.record.DecisionRecord` into a list of
:class:`BriefSection` (one per topic: the use case and its verdict, stakeholders and expectations, the
ethics checklist, the data assessment, the chosen metric and threshold, the fairness audit, the monitoring
plan, open risks, iterations compared, the change history). Each section holds plain data (paragraphs,
label/value facts, tables, bullet lists) and the *same* data renders as

* HTML (:func:`render_html`): one self-contained file, charts inline with plotly.js embedded once,
  nothing fetched from the network, a print stylesheet (one section per printed page, no controls);
* Markdown (:func:`render_markdown`);
* JSON (:func:`model_card`) with the Model Card Toolkit's field names where they fit.

A section with no decision yet says so ("No decision yet: run stage N") instead of vanishing. Every
piece of text from the record is user text: the HTML templates autoescape it, Markdown escapes it with
:func:`~aipm_widgets.core.checklists.checklist.md_escape`. Fields a section gains later (or a hand-edited record
carries) are shown generically under "Other recorded fields" rather than dropped.

Examples
--------
>>> from aipm_widgets.core.record import DecisionRecord
>>> rec = DecisionRecord.new("Fraud <alerts>")
>>> [s.title for s in brief_sections(rec)][:2]
['At a glance', 'Use case and verdict']
>>> brief_sections(rec)[1].empty
'No decision yet: run stage 1 (notebook 01_use_case_scoping.ipynb).'
>>> "<alerts>" in render_html(rec, charts=False)
False
>>> model_card(rec)["model_details"]["name"]
'Fraud <alerts>'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import AipmError
from ..text.format import as_number, interval, money, number, percent, points, threshold
from ..record.lifecycle import STATE_LABELS, lifecycle
from ..io.paths import STAGE_NOTEBOOKS

__all__ = [
    "FORMATS",
    "SECTION_TITLES",
    "BriefSection",
    "Table",
    "brief_sections",
    "iteration_rows",
    "model_card",
    "open_risks",
    "render_html",
    "render_markdown",
    "write_brief",
]

FORMATS = ("html", "md", "json")
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
MAX_HISTORY_ROWS = 300

SECTION_TITLES = {
    "glance": "At a glance",
    "scoping": "Use case and verdict",
    "expectations": "Stakeholders and expectations",
    "ethics": "Ethics checklist",
    "data": "Data assessment",
    "metrics": "Metric and threshold",
    "fairness": "Fairness audit",
    "monitoring": "Monitoring plan and triggers",
    "risks": "Open risks",
    "iterations": "Iterations compared",
    "history": "Change history",
    "glossary": "Words used in this brief",
}
"""Section id -> heading, in the brief's order (the browser test finds each heading in the PDF)."""

_STAGE_OF = {"scoping": "1", "expectations": "2", "ethics": "2", "fairness": "2", "data": "3", "metrics": "4", "monitoring": "5"}
_NOTEBOOK_OF = {
    "scoping": STAGE_NOTEBOOKS["scoping"], "expectations": STAGE_NOTEBOOKS["expectations"],
    "ethics": STAGE_NOTEBOOKS["expectations"], "fairness": STAGE_NOTEBOOKS["expectations"],
    "data": STAGE_NOTEBOOKS["data"], "metrics": STAGE_NOTEBOOKS["metrics"], "monitoring": STAGE_NOTEBOOKS["monitoring"],
}
_BASE_FIELDS = {"status", "decided_at", "decided_by", "summary"}


# --------------------------------------------------------------------------- data model


@dataclass
class Table:
    """A table of plain text cells (escaped when rendered)."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class BriefSection:
    """One section of the brief: plain data, rendered the same way as HTML and Markdown."""

    id: str
    title: str
    status: str | None = None  # the stage's state label, if it is a stage
    empty: str | None = None  # "No decision yet: ..." when there is nothing to show
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    lists: list[tuple[str, list[str]]] = field(default_factory=list)
    chart: str | None = None  # key of a chart (see aipm_widgets.core.brief.charts)
    extra: list[tuple[str, str]] = field(default_factory=list)  # unknown fields, shown generically


# --------------------------------------------------------------------------- formatting


_num = as_number


def pct(x: Any, digits: int = 1) -> str:
    return percent(x, digits)


num = number
thr = threshold


def when(x: Any) -> str:
    if isinstance(x, datetime):
        return f"{x:%Y-%m-%d %H:%M} UTC"
    return "" if x is None else str(x)


def plain(value: Any, limit: int = 400) -> str:
    """Any recorded value as one line of text (for fields shown generically)."""
    if value is None:
        text = ""
    elif isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, (list, tuple)):
        text = "; ".join(plain(v, limit) for v in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {plain(v, limit)}" for k, v in value.items())
    elif hasattr(value, "model_dump"):
        text = plain(value.model_dump(mode="json"), limit)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _extras(section: Any, known: Iterable[str]) -> list[tuple[str, str]]:
    """Fields of a section this renderer does not know, as (name, text), empty ones skipped."""
    data = section.model_dump(mode="json")
    skip = set(known) | _BASE_FIELDS
    out = []
    for key, value in data.items():
        if key in skip or value in (None, "", [], {}):
            continue
        out.append((key.replace("_", " "), plain(value)))
    return out


def _no_decision(key: str) -> str:
    return f"No decision yet: run stage {_STAGE_OF[key]} (notebook {_NOTEBOOK_OF[key]})."


def _checklist_tables(section: Any) -> tuple[list[tuple[str, str]], list[Table], list[tuple[str, list[str]]]]:
    """Progress facts, an item table and the open required items of every checklist in ``section``."""
    from ..checklists.checklist import STATE_LABELS as ITEM_LABELS
    from ..checklists.checklist import ChecklistResult, load_checklist

    facts: list[tuple[str, str]] = []
    tables: list[Table] = []
    lists: list[tuple[str, list[str]]] = []
    for key, state in (getattr(section, "checklists", None) or {}).items():
        try:
            result = ChecklistResult(load_checklist(_get(state, "checklist") or key), state)
        except Exception:  # noqa: BLE001 - a custom checklist we cannot load: show what was stored
            facts.append((f"Checklist {key}", plain(state, 300)))
            continue
        overall = result.overall()
        open_items = result.required_open()
        facts.append((
            result.definition.title,
            (f"{overall.complete} of {overall.total} complete ({overall.done} done, {overall.not_applicable} not applicable, "
             f"{overall.blocked} blocked); {len(open_items)} required item(s) open"),
        ))
        rows = []
        for item in result.definition.items:
            entry = result.state.items[item.id]
            rows.append([
                item.text + (" (required)" if item.required else ""), ITEM_LABELS.get(entry.state, entry.state),
                entry.owner or "", entry.note or "", entry.evidence or "",
            ])
        for item_id in result.retired():
            entry = result.state.items[item_id]
            rows.append([(entry.text or item_id) + " (retired item)", ITEM_LABELS.get(entry.state, entry.state),
                         entry.owner or "", entry.note or "", entry.evidence or ""])
        tables.append(Table(["Item", "State", "Owner", "Note", "Evidence"], rows, caption=result.definition.title))
        if open_items:
            lists.append((f"{result.definition.title}: required items still open", [it.text for it in open_items]))
    return facts, tables, lists


# --------------------------------------------------------------------------- sections


def _glance(record: Any) -> BriefSection:
    p = record.project
    s = BriefSection("glance", SECTION_TITLES["glance"])
    if p.description:
        s.paragraphs.append(p.description)
    s.facts += [
        ("Product", p.name),
        ("Owners", ", ".join(p.owners) if p.owners else "not recorded"),
        ("Iteration (model version)", str(p.iteration)),
        ("Record created", when(p.created)),
    ]
    rows = []
    for st in lifecycle(record):
        rows.append([
            st.title, st.label, plain(st.summary or "", 240),
            str(len(st.open_required)), when(getattr(st.last_change, "when", None)),
            "; ".join(st.reasons),
        ])
    s.tables.append(Table(["Stage", "State", "Decision", "Required items open", "Last change", "Why review"], rows))
    return s


def _scoping(record: Any) -> BriefSection:
    sec = record.scoping
    s = BriefSection("scoping", SECTION_TITLES["scoping"], status=STATE_LABELS[sec.status])
    if not (sec.verdict or sec.use_case or sec.candidates):
        s.empty = _no_decision("scoping")
    else:
        if sec.summary:
            s.paragraphs.append(sec.summary)
        if sec.description:
            s.paragraphs.append(sec.description)
        s.facts += [("Use case", sec.use_case or sec.chosen or "not named"), ("Verdict", sec.verdict_label or sec.verdict or "none")]
        if sec.value is not None and (sec.value.low is not None or sec.value.high is not None):
            saved = (sec.value.model_extra or {}).get("text")  # the sentence stage 1 showed, from its result object
            s.facts.append(("Estimated value", saved or f"{num(sec.value.low)} to {num(sec.value.high)} {sec.value.unit or ''}".strip()))
        rob = sec.robustness or {}
        if rob.get("sentence"):
            s.facts.append(("How robust the verdict is", str(rob["sentence"])))
        if sec.reasons:
            s.lists.append(("Why this verdict", list(sec.reasons)))
        if sec.warnings:
            s.lists.append(("Warnings", list(sec.warnings)))
        if sec.scores:
            s.tables.append(Table(["Criterion", "Score (1-5)", "Evidence"],
                                  [[k.replace("_", " "), str(v), sec.evidence.get(k, "")] for k, v in sec.scores.items()],
                                  caption="Scores and the evidence behind them (ethical risk: 5 = high)"))
        if sec.candidates:
            rows = []
            for c in sorted(sec.candidates, key=lambda c: c.rank or 99):
                rows.append([str(c.rank or ""), c.name or c.id, c.verdict_label or c.verdict or "",
                             f"{num(c.composite)} ({num(c.composite_low)}-{num(c.composite_high)})",
                             pct(c.verdict_stability, 0), pct(c.ranked_first_share, 0)])
            s.tables.append(Table(["Rank", "Candidate", "Verdict", "Score (10-90%)", "Verdict kept", "Ranked first"], rows,
                                  caption="Every candidate compared"))
            s.chart = "scoping"
    f, t, l = _checklist_tables(sec)
    s.facts += f
    s.tables += t
    s.lists += l
    s.extra = _extras(sec, ["chosen", "use_case", "description", "value", "scores", "evidence", "verdict", "verdict_label",
                            "reasons", "warnings", "robustness", "candidates", "checklists"])
    return s


def _expectations(record: Any) -> BriefSection:
    sec = record.expectations
    s = BriefSection("expectations", SECTION_TITLES["expectations"], status=STATE_LABELS[sec.status])
    owners = list(record.project.owners)
    signers = set()
    for state in (sec.checklists or {}).values():
        for entry in (_get(state, "items") or {}).values():
            if _get(entry, "owner"):
                signers.add(str(_get(entry, "owner")))
    s.facts.append(("Accountable owners", ", ".join(owners) if owners else "not recorded"))
    if signers:
        s.facts.append(("People who signed off checklist items", ", ".join(sorted(signers))))
    op = sec.one_pager
    if op is None:
        s.empty = _no_decision("expectations")
    else:
        if sec.summary:
            s.paragraphs.append(sec.summary)
        task = op.task or "binary"  # a one-pager saved before tasks existed is the binary one
        sides = {"multiclass": ("Confidence threshold", "At or above the confidence threshold (routed automatically)",
                                "Below the confidence threshold (a person decides)"),
                 "regression": ("Threshold", "Within the tolerance", "Off by more than the tolerance")}
        t_name, above, below = sides.get(task, ("Threshold", "At or above the threshold", "Below the threshold"))
        if op.title:
            s.facts.append(("One-pager", op.title))
        if op.threshold is not None:
            s.facts.append((t_name, thr(op.threshold)))
        if task == "regression" and op.tolerance:
            s.facts.append(("Tolerance", str(op.tolerance.get("text") or plain(op.tolerance))))
            if op.offset:
                s.facts.append(("Offset added to every estimate", f"{num(op.offset, 2)} {op.unit or ''}".strip()))
        if op.provisional:
            s.facts.append(("Numbers", "provisional: stage 4 (metric selection) had not decided yet when they were saved"))
        if op.above_threshold:
            s.facts.append((above, op.above_threshold))
        if op.below_threshold:
            s.facts.append((below, op.below_threshold))
        nf = op.natural_frequencies or {}
        if nf.get("sentence"):
            s.paragraphs.append(str(nf["sentence"]))
        for title, items in (("What it does", op.does), ("What it does not do", op.does_not), ("Known failure modes", op.failure_modes)):
            if items:
                s.lists.append((title, list(items)))
        rows = []
        for key, er in (op.error_rates or {}).items():
            if _get(er, "kind") == "amount":  # a typical miss in the estimate's unit, not a share
                unit = str(_get(er, "unit") or "")

                def shown(x: Any, unit: str = unit) -> str:
                    return f"{num(x, 2)} {unit}".strip()
            else:
                shown = pct
            rows.append([str(_get(er, "label") or key), shown(_get(er, "value")),
                         interval(_get(er, "low"), _get(er, "high"), shown), str(_get(er, "sentence") or "")])
        if rows:
            s.tables.append(Table(["Error rate" if task == "binary" else "Measure", "Value", "95% interval", "In words"],
                                  rows, caption="What stakeholders were told"))
        if op.source:  # sources read "measured on ..." or "from stage 4 ..."
            src = str(op.source)
            s.paragraphs.append(f"Numbers {src}." if src.startswith("measured") else f"Numbers measured {src}.")
    f, t, l = _checklist_tables(sec)
    s.facts += f
    s.tables += t
    s.lists += l
    s.extra = _extras(sec, ["one_pager", "checklists"])
    return s


def _ethics(record: Any) -> BriefSection:
    sec = record.ethics
    s = BriefSection("ethics", SECTION_TITLES["ethics"], status=STATE_LABELS[sec.status])
    f, t, l = _checklist_tables(sec)
    if not f:
        s.empty = "No ethics checklist saved yet: run stage 2 (notebook " + _NOTEBOOK_OF["ethics"] + ")."
    s.facts += f
    s.tables += t
    s.lists += l
    s.extra = _extras(sec, ["fairness", "team_response", "checklists"])
    return s


def _data(record: Any) -> BriefSection:
    sec = record.data
    s = BriefSection("data", SECTION_TITLES["data"], status=STATE_LABELS[sec.status])
    if not (sec.readiness or sec.issues or sec.spec):
        s.empty = _no_decision("data")
    else:
        if sec.summary:
            s.paragraphs.append(sec.summary)
        s.facts += [
            ("Data", sec.source or "not named"),
            ("Size", f"{num(sec.rows)} rows x {num(sec.columns)} columns"),
            ("Readiness", sec.readiness or "not assessed"),
            ("Label column", sec.label_column or "none"),
        ]
        waived = {w.key: w for w in sec.waivers}
        rows = []
        for i in sec.issues:
            w = waived.get(i.key)
            rows.append([i.severity, i.column or "", i.message, num(i.count), pct(i.share) if i.share is not None else "",
                         (w.decision if w else "open"), (w.note if w else "")])
        if rows:
            s.tables.append(Table(["Severity", "Column", "Issue", "Rows", "Share", "Decision", "Team's note"], rows,
                                  caption="Issues found (blockers first) and what the team decided"))
        issue_keys = {i.key for i in sec.issues}
        orphan = [w for w in sec.waivers if w.key not in issue_keys]
        if sec.waivers:
            s.tables.append(Table(["Issue", "Decision", "Note", "Who", "When"],
                                  [[w.key, w.decision, w.note, w.who or "", when(w.when)] for w in sec.waivers],
                                  caption="Waived or accepted issues with their notes"
                                  + (" (some no longer found in the data)" if orphan else "")))
        ln = sec.label_noise or {}
        if ln:
            s.facts.append(("Estimated wrong labels",
                            (f"{pct(ln.get('rate'), 2)} (95% interval {interval(ln.get('low'), ln.get('high'), lambda x: pct(x, 2))}) "
                             f"of {num(ln.get('rows_checked'))} rows checked")))
        for name, value in (("Representativeness", sec.representativeness), ("Labels needed", sec.labels_needed)):
            if value:
                text = value.get("summary") or value.get("sentence") if isinstance(value, dict) else None
                s.facts.append((name, str(text) if text else plain(value, 300)))
        if sec.report_path:
            s.facts.append(("Full data report", sec.report_path))
    f, t, l = _checklist_tables(sec)
    s.facts += f
    s.tables += t
    s.lists += l
    s.extra = _extras(sec, ["source", "rows", "columns", "label_column", "id_column", "time_column", "readiness", "spec",
                            "issues", "waivers", "label_noise", "representativeness", "labels_needed", "report_path", "checklists"])
    return s


_METRIC_NAMES = {
    "precision": "Precision (alerts that are real)", "recall": "Recall (positives caught)", "fpr": "False-alarm rate",
    "fnr": "Miss rate", "specificity": "Specificity", "accuracy": "Accuracy", "f1": "F1", "f_beta": "F-beta",
    "alert_rate": "Alert rate", "alerts_per_day": "Alerts per day", "alerts_per_month": "Alerts per month",
}
_RATE_METRICS = {"precision", "recall", "fpr", "fnr", "specificity", "accuracy", "alert_rate", "f1", "f_beta"}
"""Shown as percentages, as stage 4's page shows them (F1 28.8%, not 0.288)."""


def method_words(method: Any) -> str:
    """How an interval was computed, in words ("wilson" -> "Wilson score interval")."""
    if not method:
        return ""
    text = str(method)
    low = text.lower()
    if low == "wilson":
        return "Wilson score interval"
    if low.startswith("bootstrap"):
        rest = text[len("bootstrap"):].strip()
        return f"percentile bootstrap{' ' + rest if rest else ''}"
    if low in {"katz", "katz log"}:
        return "Katz log interval (ratio)"
    if low == "newcombe":
        return "Newcombe interval (difference of two rates)"
    return text


def _same_value(a: Any, b: Any) -> bool:
    va, vb = as_number(_get(a, "value")), as_number(_get(b, "value"))
    return va is not None and vb is not None and abs(va - vb) < 1e-12


def _metric_text(name: str, mv: Any) -> tuple[str, str]:
    fmt = pct if name in _RATE_METRICS else (lambda x: num(x, 0)) if name.startswith("alerts") else (lambda x: num(x, 3))
    return fmt(_get(mv, "value")), interval(_get(mv, "low"), _get(mv, "high"), fmt)


def _currency(record: Any) -> str | None:
    """The currency of stage 4's money: its cost model's, else its money model's, else the project's."""
    sec = record.metrics
    for code in (_get(sec.costs, "currency"), _get(sec.money, "currency") if isinstance(sec.money, dict) else None,
                 _get(getattr(record, "project", None), "currency")):
        if code:
            return str(code)
    return None


def _metrics(record: Any) -> BriefSection:
    sec = record.metrics
    s = BriefSection("metrics", SECTION_TITLES["metrics"], status=STATE_LABELS[sec.status])
    if sec.threshold is None:
        s.empty = _no_decision("metrics")
        s.extra = _extras(sec, [])
        return s
    if sec.summary:
        s.paragraphs.append(sec.summary)
    s.facts += [
        ("Threshold", f"alert when {sec.score_column or 'score'} >= {thr(sec.threshold)}"),
        ("Chosen to optimise", sec.chosen_metric or "not recorded"),
        ("Measured on", f"{sec.data_source or 'data not named'} ({num(sec.n_evaluated)} rows)"),
    ]
    if sec.volume_per_day:
        s.facts.append(("Decisions per day", num(sec.volume_per_day)))
    c = sec.costs
    cur = _currency(record)
    cash = lambda x, digits=0: money(x, cur, digits)  # noqa: E731
    if c is not None:
        unit = lambda x: cash(x, 0 if float(x).is_integer() else 2)  # noqa: E731
        miss = f"the row's {c.value_column or 'value'}" if c.fn_cost_from_value else unit(c.cost_fn)
        cost_text = f"false alarm {unit(c.cost_fp)}; miss {miss}"
        if c.review_capacity_per_day:
            cost_text += f"; review capacity {num(c.review_capacity_per_day)} per day"
        s.facts.append(("Costs", cost_text))
    for label, mv in (("Cost per 1,000 decisions", sec.cost_per_1000), ("Cost per month", sec.cost_per_month)):
        if mv is not None and mv.value is not None:
            s.facts.append((label, f"{cash(mv.value)} (95% interval {interval(mv.low, mv.high, cash)})"))
    per_month = (sec.money or {}).get("per_month") if isinstance(sec.money, dict) else None
    if per_month:
        def part(key: str) -> str:
            e = per_month.get(key) or {}
            return f"{cash(e.get('value'))} ({interval(e.get('low'), e.get('high'), cash)})"

        s.facts.append(("Money a month", f"{part('prevented')} of losses prevented, {part('missed')} still missed, "
                                         f"false alarms {part('false_alarms')}"))
    from ..metrics.value_check import value_check

    vc = value_check(record)
    if vc is not None:
        s.facts.append(("Stage 1's value against stage 4", vc.sentence()))
    if sec.constraints:
        sat = {True: "all met", False: "NOT all met", None: "not checked"}[sec.constraints_satisfied]
        s.facts.append(("Constraints", f"{', '.join(sec.constraints)} ({sat})"))
    nf = sec.natural_frequencies or {}
    if nf.get("sentence"):
        s.paragraphs.append(str(nf["sentence"]))
    rows = []
    beta = as_number((sec.model_extra or {}).get("beta"))
    for name, mv in sec.metrics.items():
        if name == "f_beta" and "f1" in sec.metrics and (beta == 1 or (beta is None and _same_value(mv, sec.metrics["f1"]))):
            continue  # F-beta with beta = 1 is F1: one row, not two equal ones
        value, iv = _metric_text(name, mv)
        label = _METRIC_NAMES.get(name, name)
        if name == "f_beta" and beta is not None:
            label = f"F-beta (beta = {num(beta, 1)}: recall counts {num(beta, 1)} times as much as precision)"
        rows.append([label, value, iv, method_words(mv.method)])
    if rows:
        s.tables.append(Table(["Metric", "Value", "95% interval", "Interval method"], rows, caption="At the chosen threshold"))
        s.chart = "metrics"
    if sec.confusion is not None:
        cf = sec.confusion
        s.tables.append(Table(["", "Alert", "No alert"], [["Positive (real)", num(cf.tp), num(cf.fn)],
                                                          ["Negative", num(cf.fp), num(cf.tn)]], caption="Confusion matrix"))
    b = sec.baseline or {}
    if b:
        s.facts.append(("Rule baseline", f"{b.get('rule', 'rule')}: " + str(b.get("verdict") or plain(b.get("metrics"), 300))))
    if sec.groups:
        rows = []
        for g in sec.groups:
            rows.append([str(g.get("group", "")), num(g.get("n")), pct(g.get("tpr")),
                         interval(*(g.get("tpr_ci") or [None, None])), pct(g.get("fpr")), pct(g.get("precision"))])
        s.tables.append(Table(["Group", "Rows", "Recall", "Recall 95% interval", "False-alarm rate", "Precision"], rows,
                              caption="By group at the same threshold"))
    s.extra = _extras(sec, ["threshold", "chosen_metric", "score_column", "label_column", "positive_label", "data_source",
                            "n_evaluated", "volume_per_day", "costs", "constraints", "constraints_satisfied", "confusion",
                            "metrics", "cost_per_1000", "cost_per_month", "natural_frequencies", "baseline", "groups",
                            "money", "value_check"])
    return s


def _task_fairness(s: BriefSection, sec: Any, f: Any) -> BriefSection:
    """The fairness audit of a routing (multiclass) or forecast (regression) model, in its words."""
    s.facts += [("Audited", f.dataset or "data not named"), ("Groups by", " x ".join(f.group_columns) or "not recorded"),
                ("Reference group", f.reference or "not recorded")]
    rows = []
    if f.task == "multiclass":
        s.facts.insert(1, ("Confidence threshold", thr(f.threshold) if f.threshold is not None else "none (every row)"))
        for g in f.groups:
            rows.append([str(g.get("group", "")), num(g.get("n")), pct(g.get("automation_rate")),
                         interval(*(g.get("automation_rate_ci") or [None, None])), pct(g.get("accuracy_automated")),
                         interval(*(g.get("accuracy_automated_ci") or [None, None]))])
        head = ["Group", "Rows", "Routed automatically", "95% interval", "Right class (of those)", "95% interval"]
    else:
        unit = f.unit or ""
        tol = (f.tolerance or {}).get("text") or "the tolerance"
        s.facts.insert(1, ("Tolerance", str(tol)))

        def amount(x: Any) -> str:
            return f"{num(x, 2)} {unit}".strip()

        for g in f.groups:
            rows.append([str(g.get("group", "")), num(g.get("n")), amount(g.get("mean_error")),
                         interval(*(g.get("mean_error_ci") or [None, None]), amount), pct(g.get("within_tolerance")),
                         interval(*(g.get("within_tolerance_ci") or [None, None]))])
        head = ["Group", "Rows", "Mean error (estimate minus actual)", "95% interval", f"Within {tol}", "95% interval"]
    s.facts.append(("Team's response", sec.team_response or "none recorded yet"))
    if rows:
        s.tables.append(Table(head, rows))
    _findings_lists(s, f, "Flagged groups")
    return s


def _findings_lists(s: BriefSection, f: Any, flagged_title: str) -> None:
    """A fairness section's findings, flagged groups and warnings as lists (the warnings only once)."""
    warned = set(f.warnings)
    findings = [x for x in f.findings if x not in warned]
    if findings:
        s.lists.append(("Findings", findings))
    if f.flagged_groups:
        s.lists.append((flagged_title, list(f.flagged_groups)))
    if f.warnings:
        s.lists.append(("Warnings", list(f.warnings)))


def _fairness(record: Any) -> BriefSection:
    sec = record.ethics
    f = sec.fairness
    s = BriefSection("fairness", SECTION_TITLES["fairness"], status=STATE_LABELS[sec.status])
    if f is None:
        s.empty = "No fairness audit yet: run stage 2 (notebook " + _NOTEBOOK_OF["fairness"] + ")."
        return s
    if sec.summary:
        s.paragraphs.append(sec.summary)
    if f.task in ("multiclass", "regression"):
        return _task_fairness(s, sec, f)
    s.facts += [
        ("Audited", f.dataset or "data not named"),
        ("Threshold", thr(f.threshold)),
        ("Groups by", " x ".join(f.group_columns) or "not recorded"),
        ("Reference group", f.reference or "not recorded"),
    ]
    extra_f = f.model_extra or {}
    if extra_f.get("reference_reason"):
        s.facts[-1] = ("Reference group", f"{f.reference}: {extra_f['reference_reason']}")
    ff = f.four_fifths or {}
    if ff:
        from ..expectations.verdicts import four_fifths_phrase

        s.facts.append(("Four-fifths rule", four_fifths_phrase(ff)))

    def source(key: str) -> str:
        src = extra_f.get(key) or {}
        if not src.get("high"):
            return ""
        metric = {"selection_rate": "selection rate", "tpr": "true-positive rate", "fpr": "false-positive rate"}.get(
            src.get("metric"), str(src.get("metric")))
        return f" ({metric}: {src['high']} {pct(src.get('high_rate'))} vs {src['low']} {pct(src.get('low_rate'))})"

    if f.demographic_parity_difference is not None:
        s.facts.append(("Demographic parity difference",
                        points(f.demographic_parity_difference) + source("demographic_parity_source")))
    if f.equalized_odds_difference is not None:
        s.facts.append(("Equalized odds difference", points(f.equalized_odds_difference) + source("equalized_odds_source")))
    s.facts.append(("Team's response", sec.team_response or "none recorded yet"))
    rows = []
    for g in f.groups:
        ci = g.get("ci") or {}
        rows.append([str(g.get("group", "")), num(g.get("n")), num(g.get("positives")),
                     pct(g.get("selection_rate")), interval(*(ci.get("selection_rate") or [None, None])),
                     pct(g.get("tpr")), interval(*(ci.get("tpr") or [None, None])), pct(g.get("fpr")),
                     interval(*(ci.get("fpr") or [None, None])), pct(g.get("fnr")) if g.get("fnr") is not None else "n/a"])
    if rows:
        s.tables.append(Table(["Group", "Rows", "Positives", "Selected", "Selected 95% interval", "True-positive rate",
                               "TPR 95% interval", "False-positive rate", "FPR 95% interval", "False-negative rate"], rows))
        s.chart = "fairness"
    _findings_lists(s, f, "Groups failing the four-fifths rule")
    known = set(type(f).model_fields) | {"reference_reason", "equalized_odds_source", "demographic_parity_source"}
    extra = {k: v for k, v in f.model_dump(mode="json").items() if k not in known and v not in (None, "", [], {})}
    s.extra = [(k.replace("_", " "), plain(v)) for k, v in extra.items()]
    return s


def _monitoring(record: Any) -> BriefSection:
    sec = record.monitoring
    s = BriefSection("monitoring", SECTION_TITLES["monitoring"], status=STATE_LABELS[sec.status])
    if not (sec.triggers or sec.last_run or sec.features):
        s.empty = _no_decision("monitoring")
        s.extra = _extras(sec, [])
        return s
    if sec.summary:
        s.paragraphs.append(sec.summary)
    s.facts += [
        ("Reference data", sec.reference_description or "not described"),
        ("Window", sec.window or "not set"),
        ("Drift thresholds", "learned band from the reference" if sec.threshold_mode == "band" else "fixed"),
    ]
    thresholds = getattr(sec, "drift_thresholds", None) or {}
    if sec.features:
        s.tables.append(Table(["Feature", "Drift method", "Threshold"],
                              [[f, str(sec.drift_methods.get(f, "")), plain(thresholds.get(f, ""))] for f in sec.features],
                              caption="What is watched"))
    last = sec.last_run
    fired = dict(last.triggers_fired) if last is not None else {}
    rows = []
    for t in sec.triggers:
        text = t.text or f"{t.measure} {t.op} {t.value:g}"
        rows.append([text, f"{t.measure} {t.op} {t.value:g}", str(t.consecutive), fired.get(text, "not fired")])
    if rows:
        s.tables.append(Table(["Retraining trigger", "Rule", "Windows in a row", "Fired first in"], rows))
    if last is not None:
        s.facts.append(("Last run", (f"{last.first_window or '?'} to {last.last_window or '?'}: {num(last.n_current)} rows in "
                                     f"{num(last.windows)} windows against {num(last.n_reference)} reference rows")))
        if last.drifted_features:
            s.lists.append(("Features that drifted (first window)", [f"{k}: {v}" for k, v in last.drifted_features.items()]))
        if last.concept_drift_from:
            s.facts.append(("Concept drift from", last.concept_drift_from))
        extra_fired = [f"{k}: {v}" for k, v in fired.items() if k not in {r[0] for r in rows}]
        if extra_fired:
            s.lists.append(("Other triggers that fired", extra_fired))
    if sec.suggested_action:
        s.facts.append(("Suggested action", sec.suggested_action))
    if sec.alerts:
        s.tables.append(Table(["Window", "Kind", "Alert"], [[a.window, a.kind, a.message] for a in sec.alerts[:60]],
                              caption=f"Alerts of the last run ({len(sec.alerts)})"))
        s.chart = "monitoring"
    s.extra = _extras(sec, ["reference_description", "window", "features", "threshold_mode", "drift_methods",
                            "drift_thresholds", "triggers", "suggested_action", "last_run", "alerts"])
    return s


def open_risks(record: Any) -> list[tuple[str, str]]:
    """Everything still open, as (where, what): review states, open required items, open data issues, ..."""
    risks: list[tuple[str, str]] = []
    for st in lifecycle(record):
        if st.state == "needs_review":
            risks.append((st.title, "Needs review: " + (" ".join(st.reasons) or "marked in the record.")))
        for checklist, item in st.open_required:
            risks.append((st.title, f"Required checklist item open ({checklist}): {item}"))
    sc = record.scoping
    for w in sc.warnings:
        risks.append(("1. Use-case scoping", w))
    waived = {w.key for w in record.data.waivers}
    for i in record.data.issues:
        if i.key not in waived and i.severity in ("blocker", "warning"):
            risks.append(("3. Data assessment", f"Open {i.severity}: {i.message}"))
    m = record.metrics
    if m.constraints and m.constraints_satisfied is False:
        risks.append(("4. Metric selection", f"The chosen threshold does not meet every constraint ({', '.join(m.constraints)})."))
    f = record.ethics.fairness
    if f is not None:
        for g in f.flagged_groups:
            risks.append(("2b. Fairness", f"Four-fifths rule failed for {g}."))
        for w in f.warnings:
            risks.append(("2b. Fairness", w))
        if not record.ethics.team_response:
            risks.append(("2b. Fairness", "No team response to the fairness findings yet."))
    last = record.monitoring.last_run
    if last is not None:
        for trig, window in last.triggers_fired.items():
            risks.append(("5. Monitoring", f"Retraining trigger fired in {window}: {trig}"))
    return risks


def _risks(record: Any) -> BriefSection:
    s = BriefSection("risks", SECTION_TITLES["risks"])
    risks = open_risks(record)
    if risks:
        s.tables.append(Table(["Where", "Open risk"], [[a, b] for a, b in risks]))
    else:
        s.paragraphs.append("No open risks recorded: every stage is decided, no required item is open.")
    return s


def iteration_rows(record: Any) -> list[list[str]]:
    """One row per iteration: threshold, chosen metric, precision, recall and cost per 1,000 (with intervals)."""
    def row(it: Any, m: dict[str, Any], current: bool) -> list[str]:
        mm = m.get("metrics") or {}
        cost = m.get("cost_per_1000") or {}
        code = _get(m.get("costs"), "currency") or _get(m.get("money"), "currency") or _currency(record)
        cash = lambda x: money(x, code)  # noqa: E731

        def rate(name: str) -> str:
            v = mm.get(name) or {}
            return f"{pct(v.get('value'))} ({interval(v.get('low'), v.get('high'))})" if v else "n/a"
        return [f"{it}{' (current)' if current else ''}", m.get("status") or "", thr(m.get("threshold")),
                str(m.get("chosen_metric") or ""), rate("precision"), rate("recall"),
                f"{cash(cost.get('value'))} ({interval(cost.get('low'), cost.get('high'), cash)})" if cost else "n/a"]
    rows = []
    for snap in getattr(record.project, "previous_iterations", None) or []:
        if isinstance(snap, dict):
            rows.append(row(snap.get("iteration", "?"), snap.get("metrics") or {}, False))
    from ..record.lifecycle import iteration_snapshot

    rows.append(row(record.project.iteration, iteration_snapshot(record)["metrics"], True))
    return rows


def _iterations(record: Any) -> BriefSection:
    s = BriefSection("iterations", SECTION_TITLES["iterations"])
    seen = sorted({c.iteration for c in record.history} | {record.project.iteration})
    if len(seen) <= 1:
        s.paragraphs.append(f"One iteration so far (iteration {record.project.iteration}): nothing to compare yet.")
        return s
    s.paragraphs.append(
        "A new model version re-enters metric selection and monitoring. Earlier iterations' decisions as they were when "
        "the next one started; the current one as saved now (it may still be under review)."
    )
    s.tables.append(Table(["Iteration", "Metric stage", "Threshold", "Optimised", "Precision (95% interval)",
                           "Recall (95% interval)", "Cost per 1,000 (95% interval)"], iteration_rows(record)))
    for it in seen:
        changes = [c for c in record.history if c.iteration == it and c.section in ("project", "metrics", "monitoring")]
        if changes:
            s.lists.append((f"Iteration {it}: metric and monitoring changes", [f"{when(c.when)} {c.section}: {c.what}" for c in changes]))
    return s


def _history(record: Any) -> BriefSection:
    s = BriefSection("history", SECTION_TITLES["history"])
    hist = list(record.history)
    shown = hist[-MAX_HISTORY_ROWS:]
    if len(hist) > len(shown):
        s.paragraphs.append(f"The last {len(shown)} of {len(hist)} changes; the record file holds them all.")
    s.tables.append(Table(["When", "Who", "Section", "Iteration", "What"],
                          [[when(c.when), c.who or "unknown", c.section, str(c.iteration), c.what] for c in shown]))
    return s


def brief_sections(record: Any) -> list[BriefSection]:
    """Every section of the brief, in order (see :data:`SECTION_TITLES`)."""
    sections = [_glance(record), _scoping(record), _expectations(record), _ethics(record), _data(record), _metrics(record),
                _fairness(record), _monitoring(record), _risks(record), _iterations(record), _history(record)]
    return [*sections, _glossary(sections)]


def _section_text(s: BriefSection) -> list[str]:
    out = [s.title, s.empty or "", *s.paragraphs]
    out += [f"{k} {v}" for k, v in s.facts]
    out += [" ".join(t.columns) + " " + (t.caption or "") + " " + " ".join(" ".join(r) for r in t.rows) for t in s.tables]
    out += [f"{title} {' '.join(items)}" for title, items in s.lists]
    return out


def _glossary(sections: list[BriefSection]) -> BriefSection:
    """Every technical term the brief uses, defined in plain words (from :mod:`aipm_widgets.core.text.glossary`)."""
    from ..text.glossary import entries, terms_in

    s = BriefSection("glossary", SECTION_TITLES["glossary"])
    keys = terms_in(*[t for sec in sections for t in _section_text(sec)])
    s.facts = [(e.name, e.definition) for e in entries(keys)]
    if not s.facts:
        s.empty = "The brief uses no technical terms yet."
    return s


# --------------------------------------------------------------------------- rendering


def _environment(*, autoescape: bool):
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _load(record: Any):
    from ..record import DecisionRecord, load_record

    if isinstance(record, DecisionRecord):
        return record
    return load_record(record)


def render_html(record: Any, *, charts: bool | dict[str, str] = True, generated: str | None = None) -> str:
    """The brief as one self-contained HTML page.

    ``charts``: ``True`` draws them with plotly (plotly.js embedded once; skipped with a note if plotly is
    missing), ``False`` leaves them out, or a dict of ready HTML fragments by chart key.
    """
    record = _load(record)
    sections = brief_sections(record)
    chart_html: dict[str, str] = {}
    chart_note = ""
    if charts is True:
        try:
            from .charts import brief_charts
        except ImportError:  # plotly not installed: the brief still renders, without charts
            chart_note = "Charts are left out: plotly is not installed."
        else:
            chart_html = brief_charts(record, [s.chart for s in sections if s.chart and not s.empty])
    elif isinstance(charts, dict):
        chart_html = dict(charts)
    from markupsafe import Markup

    env = _environment(autoescape=True)
    env.filters["help"] = _with_help
    from ..text.glossary import HELP_CSS

    return env.get_template("brief.html.j2").render(
        help_css=Markup(HELP_CSS),
        project=record.project,
        sections=sections,
        charts={k: Markup(v) for k, v in chart_html.items()},  # our own plotly output, not user text
        chart_note=chart_note,
        generated=generated or when(datetime.now().astimezone()),
    )


def _with_help(fragment: Any, on: bool = True) -> Any:
    """A section's HTML with the glossary's hover help on the first mention of each technical term (not in the
    glossary section itself, which is the definitions)."""
    from markupsafe import Markup

    from ..text.glossary import annotate_html

    return Markup(annotate_html(str(fragment), style=False)) if on else fragment


def render_markdown(record: Any, *, generated: str | None = None) -> str:
    """The brief as Markdown; every text from the record is escaped (:func:`md_escape`)."""
    from ..checklists.checklist import md_escape

    record = _load(record)
    env = _environment(autoescape=False)
    env.filters["md"] = md_escape
    return env.get_template("brief.md.j2").render(
        project=record.project, sections=brief_sections(record),
        generated=generated or when(datetime.now().astimezone()),
    )


def model_card(record: Any) -> dict[str, Any]:
    """The record in the Model Card Toolkit's shape (``model_details``, ``model_parameters``,
    ``quantitative_analysis``, ``considerations``), plus ``aipm`` with what has no field there."""
    record = _load(record)
    p, sc, m, eth, data, mon = record.project, record.scoping, record.metrics, record.ethics, record.data, record.monitoring
    perf = []
    for name, mv in m.metrics.items():
        item: dict[str, Any] = {"type": name, "value": mv.value, "slice": "overall"}
        if mv.low is not None and mv.high is not None:
            item["confidence_interval"] = {"lower_bound": mv.low, "upper_bound": mv.high}
        perf.append(item)
    if m.cost_per_1000 is not None and m.cost_per_1000.value is not None:
        c = m.cost_per_1000
        perf.append({"type": "cost_per_1000", "value": c.value, "slice": "overall",
                     **({"confidence_interval": {"lower_bound": c.low, "upper_bound": c.high}} if c.low is not None else {})})
    f = eth.fairness
    if f is not None:
        col = " x ".join(f.group_columns)
        for g in f.groups:
            ci = g.get("ci") or {}
            for metric in ("selection_rate", "tpr", "fpr"):
                if g.get(metric) is None:
                    continue
                item = {"type": metric, "value": g.get(metric), "slice": f"{col}={g.get('group')} (fairness audit)"}
                if ci.get(metric):
                    item["confidence_interval"] = {"lower_bound": ci[metric][0], "upper_bound": ci[metric][1]}
                perf.append(item)
    for g in m.groups:
        if g.get("tpr") is not None:
            item = {"type": "recall", "value": g.get("tpr"), "slice": f"group={g.get('group')}"}
            if g.get("tpr_ci"):
                item["confidence_interval"] = {"lower_bound": g["tpr_ci"][0], "upper_bound": g["tpr_ci"][1]}
            perf.append(item)
    op = record.expectations.one_pager
    limitations = [{"description": t} for t in ((op.does_not if op else []) + (op.failure_modes if op else []))]
    limitations += [{"description": f"Open data issue: {i.message}"} for i in data.issues
                    if i.key not in {w.key for w in data.waivers} and i.severity in ("blocker", "warning")]
    tradeoffs = []
    if m.threshold is not None:
        tradeoffs.append({"description": m.summary or f"Threshold {m.threshold}"})
    if m.costs is not None:
        tradeoffs.append({"description": f"Costs: {plain(m.costs.model_dump(mode='json'))}"})
    ethical = [{"name": w, "mitigation_strategy": eth.team_response or ""} for w in sc.warnings]
    if f is not None:
        for finding in f.findings:
            ethical.append({"name": finding, "mitigation_strategy": eth.team_response or ""})
    for where, what in open_risks(record):
        if "checklist item open (Ethics" in what:
            ethical.append({"name": what, "mitigation_strategy": ""})
    return {
        "schema": "Model Card Toolkit field names where they fit; 'aipm' holds the rest",
        "model_details": {
            "name": p.name,
            "overview": p.description or sc.description or "",
            "owners": [{"name": o} for o in p.owners],
            "version": {"name": f"iteration {p.iteration}", "date": when(m.decided_at) or None},
        },
        "model_parameters": {
            "data": [{"name": data.source or "", "rows": data.rows, "readiness": data.readiness}] if data.source else [],
            "threshold": m.threshold,
            "score_column": m.score_column,
            "label_column": m.label_column,
        },
        "quantitative_analysis": {"performance_metrics": perf},
        "considerations": {
            "users": [{"description": o} for o in p.owners],
            "use_cases": [{"description": t} for t in ([sc.use_case] if sc.use_case else []) + (op.does if op else [])],
            "limitations": limitations,
            "tradeoffs": tradeoffs,
            "ethical_considerations": ethical,
        },
        "aipm": {
            "iteration": p.iteration,
            "stages": {st.key: {"state": st.state, "open_required_items": len(st.open_required), "reasons": st.reasons}
                       for st in lifecycle(record)},
            "verdict": sc.verdict,
            "value": sc.value.model_dump(mode="json") if sc.value else None,
            "monitoring": {"triggers": [t.model_dump(mode="json") for t in mon.triggers],
                           "triggers_fired": dict(mon.last_run.triggers_fired) if mon.last_run else {}},
            "open_risks": [{"where": a, "what": b} for a, b in open_risks(record)],
            "history": [c.model_dump(mode="json") for c in record.history],
        },
    }


def write_brief(record: Any, out: str | os.PathLike, *, fmt: str | None = None, charts: bool = True) -> Path:
    """Write the brief to ``out`` atomically; ``fmt`` (html, md, json) defaults to the file's extension."""
    from ..record.storage import atomic_write_text

    out = Path(out)
    fmt = (fmt or {".md": "md", ".markdown": "md", ".json": "json"}.get(out.suffix.lower(), "html")).lower()
    if fmt not in FORMATS:
        raise AipmError(f"Unknown brief format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    if out.exists() and out.is_dir():
        raise AipmError(f"{out} is a folder; give a file name such as {out / ('product_brief.' + fmt)}.")
    record = _load(record)
    if fmt == "html":
        text = render_html(record, charts=charts)
    elif fmt == "md":
        text = render_markdown(record)
    else:
        text = json.dumps(model_card(record), indent=2, ensure_ascii=False, default=str) + "\n"
    return atomic_write_text(out, text)

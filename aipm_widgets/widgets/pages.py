"""Stage pages: each stage notebook's widgets, built from the project in the decision record.

A notebook cell stays one line (``pages.metrics_page(project)``); this module reads the project's data
sources, column roles, currency and volume (:func:`aipm_widgets.core.project.load_project`) and builds the
stage's widgets on them. The bundled demo is used only when the project says so (``project.is_demo``), and
then exactly as the demo pages always were. A stage that needs a role or a source the project lacks shows
which one and how to add it (``aipm project set ...`` or the start page's *Your product* panel) instead of
failing; a project that cannot be read at all is said in words.

Facts about the data (rows, periods, positives, the rule baseline, the default threshold) are computed here
from the data at run time; facts about the demo are shown only in the demo project, marked as the example.

Functions
---------
open_project, about, use_case_page, expectations_page, fairness_page, data_page, label_noise_section,
card_check_section, representativeness_section, labels_needed_section, data_decision, accuracy_section,
metrics_page, candidates_section, monitoring_page, monitoring_card_check, brief_page, next_links, guide
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import numpy as np

from ..core.text import format as fmt
from ..core.errors import AipmError, InputDataError
from ..core.io.paths import STAGE_NOTEBOOKS
from ._base import HelpHTML, MessageArea, default_record_path, esc
from .guides import guide  # the task's words for a page (metrics, monitoring, data), from aipm_widgets/widgets/guides

if TYPE_CHECKING:  # pandas loads when a page reads data: pages without data (scoping, the brief) never load it
    import pandas as pd

__all__ = [
    "open_project", "about", "use_case_page", "expectations_page", "fairness_page", "data_page",
    "label_noise_section", "card_check_section", "representativeness_section", "labels_needed_section",
    "data_decision", "accuracy_section", "metrics_page", "candidates_section", "monitoring_page",
    "monitoring_card_check", "brief_page", "next_links", "default_threshold", "NO_PROJECT", "demo_notes",
    "learning_curve_chart", "own_predictions_panel", "own_fairness_panel", "own_monitoring_panel", "guide",
    "together",
]

NO_PROJECT = "The project in the decision record could not be read: {error}"
HOW_TO_ADD = ("add it with `aipm project set {key}=...` on the command line, or in the start page's "
              "Your product panel (00_start_here)")
NOT_AVAILABLE = ("This page does not support {task} products yet in this version of the workbook "
                 "({what} is not installed). The other stages work; the record keeps your decisions.")
# The demo's fixed facts live here, shown only when the project is the demo (marked as the example).
_DEMO_MONITOR_REFERENCE = "validation split, 2025-04-01 to 2025-05-31"
_DEMO_CUSTOMER_BASE = {"18-24": 11, "25-34": 18, "35-49": 27, "50-64": 24, "65+": 20}  # percent


# ---------------------------------------------------------------------------------------------- helpers
def together(*parts: W.Widget | None) -> W.Widget:
    """A cell's widgets as one output, in order (``None`` parts left out).

    A page cell shows one thing: Voila's progressive rendering (0.5.13) shows a cell's outputs one by one and stops
    at the first widget the browser has not built yet, so a cell with ``display(a)`` then ``b`` lost ``b`` whenever
    the browser was busy (page 4's candidates and upload panels, drawn after the explorer's charts).
    tests/test_pages.py checks that every page cell shows at most one output.
    """
    shown = [p for p in parts if p is not None]
    if len(shown) == 1:
        return shown[0]
    box = W.VBox(shown)
    box.add_class("aipm-together")
    return box


def _message(text: str, kind: str = "warning") -> MessageArea:
    area = MessageArea()
    area.show(text, kind)
    return area


def _record_path(project: Any) -> Path:
    return Path(getattr(project, "record_path", None) or default_record_path())


def _is_fraud_demo(project: Any) -> bool:
    return bool(getattr(project, "is_demo", False)) and getattr(project, "example", None) in (None, "fraud")


def open_project(record_path: str | Path | None = None) -> Any:
    """The project of the decision record, or a message widget saying why it could not be read.

    Every page function accepts either; a message widget is passed through, so a broken record gives one
    clear sentence per page instead of a traceback.
    """
    try:
        from ..core.project import load_project
    except ImportError as exc:  # pragma: no cover - the core module ships with the package
        return _message(NO_PROJECT.format(error=exc), "error")
    try:
        return load_project(record_path)
    except AipmError as exc:
        return _message(NO_PROJECT.format(error=exc), "error")


def _needs(project: Any, *roles: str, sources: tuple[str, ...] = ()) -> MessageArea | None:
    """A message naming what the project lacks for this stage (roles and sources), or None when all is there."""
    if isinstance(project, W.Widget):
        return project
    missing_sources = []
    for src in sources:
        try:
            frame = getattr(project, src)()
        except AipmError as exc:
            return _message(str(exc), "error")
        if frame is None:
            missing_sources.append(src)
    if missing_sources:
        what = " and ".join(f"the {s} data" for s in missing_sources)
        keys = ", ".join(f"sources.{s}" for s in missing_sources)
        return _message(
            f"This section needs {what}, which the project does not have yet: "
            + HOW_TO_ADD.format(key=keys.split(", ")[0]) + (f" (also {keys})" if len(missing_sources) > 1 else "")
            + ". You can also upload a file in the panel further down.",
            "warning",
        )
    if roles:
        try:
            project.require(*roles)
        except AipmError as exc:
            return _message(str(exc), "warning")
    return None


def _cols(project: Any):
    return project.columns


def _positive(project: Any) -> Any:
    pos = _cols(project).positive
    return pos


def _positive_name(project: Any) -> str:
    """The positive label value in words ('defaulted'); 'positive' for a 0/1 label."""
    pos = _positive(project)
    if pos is None or isinstance(pos, (bool, int, float)):
        return "positive"
    return str(pos)


def _negative_name(project: Any, frame: pd.DataFrame | None) -> str:
    import pandas as pd

    label, pos = _cols(project).label, _positive(project)
    if frame is not None and label in frame.columns:
        others = [str(v) for v in pd.unique(frame[label].dropna()) if str(v) != str(pos)]
        if len(others) == 1 and not isinstance(pos, (bool, int, float)) and pos is not None:
            return others[0]
    return f"not {_positive_name(project)}"


def _binary(project: Any, series: pd.Series):
    """0/1 labels (NaN where missing) for the project's label and positive value, said in words when impossible."""
    import pandas as pd
    from ..core.io.inputs import binary_labels

    y = binary_labels(series, positive=_positive(project), name=str(series.name), allow_missing=True, min_rows=0)
    return pd.Series(y, index=series.index).where(lambda s: s >= 0)


def _labeled(project: Any, frame: pd.DataFrame) -> pd.DataFrame:
    label = _cols(project).label
    return frame[frame[label].notna()].reset_index(drop=True)


def _features(project: Any, frame: pd.DataFrame) -> list[str]:
    """The model's input columns: the project's list, else every column that plays no other role."""
    c = _cols(project)
    if c.features:
        return [f for f in c.features if f in frame.columns]
    special = {c.label, c.score, c.prediction, c.timestamp, c.id, c.value, *(c.proba_columns or {}).values()}
    prefix = c.proba_prefix
    return [str(col) for col in frame.columns
            if col not in special and not (prefix and str(col).startswith(prefix))]


def _source_name(project: Any, which: str) -> str:
    settings = getattr(project, "project", None)  # the record's project section
    path = getattr(getattr(settings, "sources", None), which, None)
    return f"{which} data ({Path(path).name})" if path else f"{which} data"


def _period(frame: pd.DataFrame, column: str | None) -> str:
    import pandas as pd

    if not column or column not in frame.columns:
        return ""
    ts = pd.to_datetime(frame[column], errors="coerce").dropna()
    if ts.empty:
        return ""
    return f"{ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}"


def default_threshold(y: Any, score: Any) -> float:
    """A starting threshold that alerts as many rows as there are positives (the team then moves it).

    >>> default_threshold([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9])
    0.3
    """
    import numpy as np

    y = np.asarray(y, dtype=float)
    s = np.asarray(score, dtype=float)
    ok = ~np.isnan(y) & ~np.isnan(s)
    k = max(int(y[ok].sum()), 1)
    ordered = np.sort(s[ok])[::-1]
    return float(ordered[min(k, len(ordered)) - 1])


def _saved_metrics(project: Any):
    from ..core.record import load_record

    path = _record_path(project)
    if not path.exists():
        return None
    try:
        return load_record(path).metrics
    except AipmError:
        return None


def _threshold(project: Any, frame: pd.DataFrame) -> tuple[float, str]:
    """Stage 4's saved threshold, else the default one; with where it comes from, in words."""
    m = _saved_metrics(project)
    if m is not None and m.threshold is not None:
        return float(m.threshold), "the threshold saved by stage 4 (metric selection)"
    c = _cols(project)
    lab = _labeled(project, frame)
    t = default_threshold(_binary(project, lab[c.label]), lab[c.score])
    return t, (f"a starting threshold of {fmt.threshold(t)}, which alerts as many rows as there are "
               f"{_positive_name(project)} cases (stage 4 has not saved one yet)")


def _costs(project: Any) -> dict[str, Any]:
    """Stage 4's saved cost model, else a placeholder the team replaces in the explorer (said on the page)."""
    m = _saved_metrics(project)
    if m is not None and getattr(m, "costs", None) is not None:
        saved = m.costs.model_dump() if hasattr(m.costs, "model_dump") else dict(m.costs)
        saved = {k: v for k, v in saved.items() if v is not None}
        saved["currency"] = project.currency
        return saved
    value = _cols(project).value
    costs: dict[str, Any] = {"currency": project.currency, "cost_fp": 1.0, "cost_fn": 10.0}
    if value:
        costs.update(fn_cost_from_value=True, value_column=value)
    return costs


def _costs_note(project: Any, costs: dict[str, Any]) -> str:
    m = _saved_metrics(project)
    if m is not None and getattr(m, "costs", None) is not None:
        return ""
    miss = (f"the row's {costs['value_column']!r}" if costs.get("fn_cost_from_value")
            else fmt.money(costs["cost_fn"], project.currency))
    return (f"Placeholder costs until the team sets its own: a false alarm costs {fmt.money(costs['cost_fp'], project.currency)}, "
            f"a miss costs {miss}. Change them below the explorer (False alarm costs, Miss costs) and press Apply.")


def _task(project: Any) -> str:
    return getattr(project, "task", None) or "binary"


def _dispatch(project: Any, module: str, cls: str, what: str) -> W.Widget:
    import importlib

    try:
        mod = importlib.import_module(f"aipm_widgets.widgets.{module}")
        widget_cls = getattr(mod, cls)
    except (ImportError, AttributeError):
        return _message(NOT_AVAILABLE.format(task=_task(project), what=what), "info")
    try:
        return widget_cls.from_project(project)
    except AipmError as exc:
        return _message(str(exc), "warning")


# ---------------------------------------------------------------------------------------------- about
def about(stage: str, project: Any) -> W.HTML:
    """What this page runs on, in words computed from the project's data (the demo's facts only in the demo).

    ``stage`` is one of ``start``, ``scoping``, ``expectations``, ``data``, ``metrics``, ``monitoring``, ``brief``.
    """
    if isinstance(project, W.Widget):
        return W.HTML("")
    if _is_fraud_demo(project):
        from ..core import demo

        facts = _DEMO_FACTS.get(stage, "")
        from ..core.tasks.constraints import parse_constraint

        limit = parse_constraint(demo.FRAUD_CONSTRAINT)
        body = facts.format(volume=fmt.count(getattr(demo, "FRAUD_VOLUME_PER_DAY", project.volume_per_day or 0)),
                            threshold=fmt.threshold(demo.CARD_THRESHOLD), capacity=fmt.count(demo.FRAUD_REVIEW_CAPACITY_PER_DAY),
                            cost_fp=fmt.money(demo.FRAUD_COST_FP, project.currency), minutes=fmt.count(_DEMO_MINUTES_PER_ALERT),
                            constraint=esc(demo.FRAUD_CONSTRAINT), miss_rate=fmt.percent(limit.bound, 0), rule=esc(_DEMO_RULE))
        if not body:
            return W.HTML("")
        return HelpHTML(
            "<div class='aipm-about aipm-about-demo' style='border-left:4px solid #b36b00;background:#fff8ec;"
            "padding:6px 12px;margin:6px 0'><b>The example (demo project).</b> " + body +
            " <span style='color:#555'>Your own product: start a workbook with <code>aipm init DIR --name ... "
            "--validation FILE ...</code>, or set its data in the start page's Your product panel.</span></div>"
        )
    return HelpHTML(
        "<div class='aipm-about' style='border-left:4px solid #3b6fb6;background:#f4f8fd;padding:6px 12px;margin:6px 0'>"
        + _own_facts(stage, project) + "</div>"
    )


_DEMO_FACTS = {
    "start": ("The workbook opens on a synthetic card-fraud product: a model scores every card transaction "
              "(about {volume} a day) and the fraud team reviews those at or above the threshold. The data card "
              "documents the problems injected on purpose (<code>aipm demo-data DIR</code> writes it with the data)."),
    "scoping": ("The candidates below are the demo's five use cases (fraud flagging, ticket routing, churn outreach, "
                "invoice totals, credit limits); replace the scores and evidence with your own."),
    "expectations": ("The one-pager describes the fraud alert model, measured on its validation data (April to May 2025) "
                     "until stage 4 saves its own numbers. The fairness audit runs on a second demo model, a "
                     "resume screener."),
    "data": ("The data is the demo's card transactions (January 2025 to January 2026), with problems injected on "
             "purpose: duplicates, a -999 placeholder in amount, null markers, wrong labels."),
    "metrics": ("The validation period is April and May 2025; the data stage found exact duplicate rows, so they are "
                "removed, and the -999 placeholder in amount counts as a loss of 0. The product team's numbers: "
                "{volume} transactions a day, a missed fraud costs its amount, a false alarm costs {cost_fp} "
                "({minutes} minutes of an analyst), at most {capacity} alerts a day, and the constraint "
                "<code>{constraint}</code> (a miss rate of at most {miss_rate}). The rule baseline is "
                "<code>{rule}</code> (alert on those, nothing else)."),
    "monitoring": ("The reference is the validation period (2025-04-01 to 2025-05-31); production starts at launch on "
                   "2025-06-01. Until stage 4 decides, the cost model is {cost_fp} per false alarm and the transaction "
                   "amount per missed fraud. The demo data has a covariate drift from 2025-09-01 and a concept drift "
                   "from 2025-10-01, checked against its data card at the end."),
    "brief": "",
}


_DEMO_NOTES = {
    "scoping": (
        "<h3>Reading the demo's verdicts</h3><p style='color:#7a4d00'><i>The example (demo project).</i></p><ul>"
        "<li><b>Fraud flagging</b> is a strong AI candidate: large, measured value, hundreds of thousands of repetitive decisions a year and "
        "labels from chargebacks. Its verdict is <i>sensitive</i>, though: if mistakes were one point costlier, or the "
        "ethical risk one point higher, the rules would say start with rules. That is why stage 2 audits fairness and "
        "stage 4 compares the model with a rule baseline.</li>"
        "<li><b>Ticket routing</b> could be argued either way. The task is easy for people and well labeled, but the value "
        "is moderate (150 to 300 thousand EUR a year), so a keyword rule is the sensible first step: it is cheap, and its "
        "mis-routing rate becomes the number a model must beat. One point more business value flips it to a strong "
        "candidate, and the canvas shows exactly that.</li>"
        "<li><b>Churn outreach</b> needs data first: closures are logged but past outreach was not, so nobody can learn or "
        "measure whether a call changes anything. Its value range is also wide (12 times from low to high).</li>"
        "<li><b>Invoice totals</b> is not an AI problem: it is arithmetic, and no mistake is acceptable. A one-line rule "
        "is exact.</li>"
        "<li><b>Credit limits</b> needs data first (only 300 defaults, unknown outcomes for declined applicants) and "
        "carries a <b>high ethical risk</b> warning: a regulated decision about people's livelihoods needs an ethics "
        "review, explanations and human oversight before any model.</li></ul>"
    ),
    "fairness": (
        "<p style='border-left:4px solid #b36b00;background:#fff8ec;padding:6px 12px'><b>The example (demo project).</b> "
        "The second demo model screens job applications: it scores each applicant, and those scoring at or above the "
        "threshold are invited to interview. The label <code>qualified</code> comes from a structured, blind work-sample "
        "interview. Add a second column (e.g. <code>age_band</code>) to audit the intersections.</p>"
    ),
    "card_check": (
        "<h3>Did we find every problem that was planted?</h3><p><i>The example (demo project).</i> The demo data's card "
        "lists every problem injected on purpose. This table lines it up with what the checks above found (counts can "
        "be slightly higher than injected: some affected rows were also duplicated).</p>"
    ),
    "monitoring_card": (
        "<h3>Checked against the demo's data card</h3><p><i>The example (demo project).</i> The demo data has known, "
        "injected changes: a <b>covariate drift from 2025-09-01</b> (amount, channel, merchant category) and a "
        "<b>concept drift from 2025-10-01</b> (a new card-testing pattern the model scores as safe). The monitor should "
        "find both, and nothing before them:</p>"
    ),
}


def demo_notes(key: str, project: Any) -> W.HTML:
    """Prose about the demo's own facts, shown only in the demo project and marked as the example."""
    if isinstance(project, W.Widget) or not _is_fraud_demo(project):
        return W.HTML("")
    return HelpHTML(_DEMO_NOTES.get(key, ""))


def _own_facts(stage: str, project: Any) -> str:
    c = _cols(project)
    parts = [f"<b>{esc(project.name)}</b>"]
    owners = getattr(project, "owners", None) or []
    if owners:
        parts[0] += f" ({esc(', '.join(owners))})"
    try:
        val, prod = project.validation(), project.production()
    except AipmError as exc:
        return parts[0] + f": {esc(exc)}"
    bits = []
    if val is not None:
        line = f"validation data: {fmt.count(len(val))} rows"
        period = _period(val, c.timestamp)
        if period:
            line += f" from {period}"
        if c.label and c.label in val.columns:
            try:
                y = _binary(project, val[c.label]) if _task(project) == "binary" else None
            except AipmError:
                y = None
            if y is not None and y.notna().any():
                line += (f", {fmt.count(y.sum())} of {fmt.count(y.notna().sum())} labeled rows have "
                         f"<code>{esc(c.label)}</code> = <code>{esc(_positive(project))}</code> ({fmt.percent(y.mean())})")
        bits.append(line)
    else:
        bits.append("no validation data yet (" + esc(HOW_TO_ADD.format(key="sources.validation")) + ")")
    if prod is not None:
        line = f"production log: {fmt.count(len(prod))} rows"
        period = _period(prod, c.timestamp)
        if period:
            line += f" from {period}"
        if c.label:
            arrived = int(prod[c.label].notna().sum()) if c.label in prod.columns else 0
            line += (f", labels arrived for {fmt.count(arrived)}" if arrived
                     else f", no labels yet (<code>{esc(c.label)}</code> " +
                     ("is empty)" if c.label in prod.columns else "is not a column)"))
        bits.append(line)
    elif stage in ("monitoring", "start", "data"):
        bits.append("no production log yet (" + esc(HOW_TO_ADD.format(key="sources.production")) + ")")
    money = f"money in {esc(project.currency)}"
    if project.volume_per_day:
        money += f", {fmt.count(project.volume_per_day)} decisions a day"
    bits.append(money)
    roles = [f"{k} <code>{esc(v)}</code>" for k, v in (("label", c.label), ("score", c.score), ("timestamp", c.timestamp),
                                                         ("id", c.id), ("value", c.value)) if v]
    if c.groups:
        roles.append("groups " + ", ".join(f"<code>{esc(g)}</code>" for g in c.groups))
    if roles:
        bits.append("columns: " + ", ".join(roles))
    return parts[0] + ": " + "; ".join(bits) + "."


# ---------------------------------------------------------------------------------------------- stage 1
def _own_candidate(project: Any) -> dict[str, Any]:
    """The project's own use case as a scoping candidate: every score starts at 3 until the team scores it."""
    import re

    evidence: dict[str, str] = {}
    try:
        val = project.validation()
    except AipmError:
        val = None
    c = _cols(project)
    if val is not None and c.label and c.label in val.columns:
        n = int(val[c.label].notna().sum())
        evidence["labeled_data"] = f"{fmt.count(n)} labeled rows in the validation data (column {c.label!r})."
    if project.volume_per_day:
        evidence["pattern_repetitive"] = f"{fmt.count(project.volume_per_day)} decisions a day."
    ident = re.sub(r"[^a-z0-9]+", "_", str(project.name).lower()).strip("_") or "our_use_case"
    return {
        "id": ident[:60], "name": str(project.name), "description": str(getattr(project, "description", "") or ""),
        "scores": {k: 3 for k in ("business_value", "pattern_repetitive", "labeled_data", "human_could_do",
                                  "error_tolerance", "feasibility", "ethical_risk")},
        "evidence": evidence, "value": {"low": None, "high": None, "unit": f"{project.currency} per year"},
    }


def use_case_page(project: Any) -> W.Widget:
    """Stage 1: the scoping canvas; the team's own use case as its first candidate unless the record has some."""
    from .scoping.canvas import ScopingCanvas, _candidates_from_record

    if isinstance(project, W.Widget):
        return project
    path = _record_path(project)
    if project.is_demo:
        return ScopingCanvas(record_path=path)
    try:
        saved, _ = _candidates_from_record(path)
    except AipmError:
        saved = []
    if saved:
        return ScopingCanvas(record_path=path)
    cand = _own_candidate(project)
    value = cand.pop("value")
    return ScopingCanvas([{**cand, "value_unit": value["unit"]}], record_path=path)


# ---------------------------------------------------------------------------------------------- stage 2
def expectations_page(project: Any) -> W.Widget:
    """Stage 2: the stakeholder one-pager, measured on the project's validation data (or stage 4's numbers)."""
    from ..core.expectations.one_pager import OnePager
    from ..core.record import load_record
    from .expectations.one_pager import ExpectationsOnePager

    if isinstance(project, W.Widget):
        return project
    path = _record_path(project)
    if _task(project) in ("multiclass", "regression"):
        return _task_one_pager(project, path)
    if project.is_demo:
        rec = load_record(path, create=True)
        # Before stage 4 decides, the one-pager is measured (provisionally) at the threshold stage 4 opens at.
        opening = _demo_opening_threshold(project) if _decided_threshold(project) is None else None
        pager = OnePager.from_record(rec, provisional_threshold=opening)
        return ExpectationsOnePager(pager, record_path=path, notice=pager.review_note(rec.expectations.one_pager) or "")
    lacking = _needs(project, "label", "score", sources=("validation",))
    if lacking is not None:
        return lacking
    val = project.validation()
    c = _cols(project)
    rec = load_record(path, create=True)
    saved_keys = set()
    if rec.expectations.one_pager is not None:
        saved_keys = set(rec.expectations.one_pager.model_fields_set)
    pos, neg = _positive_name(project), _negative_name(project, val)
    text = {
        "title": f"What {project.name} will and will not do",
        "does": [f"Scores every case for how likely it is to be {pos} (column {c.score!r}).",
                 "Acts on the cases scoring at or above the threshold."],
        "does_not": [f"It does not prove that a case is {pos}: some cases above the threshold are {neg}.",
                     f"It does not find every {pos} case: some score below the threshold."],
        "failure_modes": ["Cases unlike the validation data (new groups, new behaviour) may be scored wrongly "
                          "until the model is retrained."],
        "above_threshold": "A person reviews the case before anything happens.",
        "below_threshold": "The case goes ahead without review.",
    }
    text = {k: v for k, v in text.items() if k not in saved_keys}
    words = {"positive_name": pos, "negative_name": neg, "unit": "cases"}
    try:
        if rec.metrics.threshold is not None and rec.metrics.confusion is not None:
            pager = OnePager.from_record(rec, **text).with_text(**words)
        else:
            lab = _labeled(project, val)
            t, where = _threshold(project, val)
            saved = {}
            op = rec.expectations.one_pager
            if op is not None:
                saved = {k: getattr(op, k) for k in saved_keys
                         if k in ("title", "does", "does_not", "failure_modes", "above_threshold", "below_threshold")
                         and getattr(op, k, None) is not None}
            pager = OnePager.from_predictions(
                lab[c.label], lab[c.score], threshold=t, positive=_positive(project),
                source=f"measured on the {_source_name(project, 'validation')} ({fmt.count(len(lab))} labeled rows) at {where}",
                provisional=rec.metrics.threshold is None, **{**text, **saved}, **words)
    except AipmError as exc:
        return _message(str(exc), "warning")
    return ExpectationsOnePager(pager, record_path=path, notice=pager.review_note(rec.expectations.one_pager) or "")


def _forecast_settings(project: Any, rec: Any) -> dict[str, Any]:
    """Tolerance and unit of a forecast: stage 4's saved ones, else the project's target unit (or the delivery demo's),
    else ±10% and 'units'."""
    out: dict[str, Any] = {"tolerance": "10%", "unit": "units"}
    if getattr(project, "example", None) == "delivery":
        from ..core.demo.delivery import demo_settings

        s = demo_settings()
        out.update(tolerance=s["tolerance"], unit=s["unit"])
    if getattr(project, "target_unit", None):
        out["unit"] = project.target_unit
    r = getattr(rec.metrics, "regression", None) if rec is not None else None
    if rec is not None and rec.metrics.task == "regression" and r is not None:
        out.update({k: v for k, v in (("tolerance", r.tolerance), ("unit", r.unit)) if v})
    return out


def _routing(project: Any, lab: pd.DataFrame):
    from ..core.tasks.routing import Routing

    c = _cols(project)
    return Routing.from_frame(lab, label=c.label, prediction=c.prediction, proba_columns=c.proba_columns or None,
                              proba_prefix=c.proba_prefix, unit=project.unit, currency=project.currency)


def _routing_threshold(rec: Any, routing: Any) -> tuple[float, bool, str]:
    """Stage 4's saved confidence threshold, else the one-pager's starting point: (threshold, provisional, in words)."""
    from ..core.expectations.routing_one_pager import starting_threshold

    m = rec.metrics
    if m.task == "multiclass" and m.threshold is not None:
        return float(m.threshold), False, "the confidence threshold saved by stage 4 (metric selection)"
    t, why = starting_threshold(routing)
    return t, True, f"{why}; provisional until stage 4 (metric selection) decides the confidence threshold"


def _task_one_pager(project: Any, path: Path) -> W.Widget:
    """The one-pager of a routing (multiclass) or forecast (regression) project, in the task's words."""
    from ..core.expectations.task_one_pager import saved_text
    from ..core.record import load_record
    from .expectations.one_pager import ExpectationsOnePager

    task = _task(project)
    lacking = _needs(project, "label", *(("prediction",) if task == "regression" else ()), sources=("validation",))
    if lacking is not None:
        return lacking
    try:
        rec = load_record(path, create=True)
        lab = _labeled(project, project.validation())
        c = _cols(project)
        text = {} if "title" in saved_text(rec, task) else {"title": f"What {project.name} will and will not do"}
        where = f"the {_source_name(project, 'validation')} ({fmt.count(len(lab))} labeled rows)"
        if task == "multiclass":
            from ..core.expectations.routing_one_pager import RoutingOnePager

            pager = RoutingOnePager.from_record(rec, _routing(project, lab), data_source=where, **text)
        else:
            from ..core.expectations.forecast_one_pager import ForecastOnePager

            pager = ForecastOnePager.from_record(rec, lab[c.label], lab[c.prediction], data_source=where,
                                                 **_forecast_settings(project, rec), **text)
    except AipmError as exc:
        return _message(str(exc), "warning")
    return ExpectationsOnePager(pager, record_path=path, notice=pager.review_note(rec.expectations.one_pager) or "")


def _task_fairness(project: Any, path: Path) -> W.Widget:
    """The fairness audit of a routing (multiclass) or forecast (regression) project."""
    from ..core.record import load_record
    from .expectations.task_fairness import ForecastFairnessAudit, RoutingFairnessAudit

    task = _task(project)
    lacking = _needs(project, "label", *(("prediction",) if task == "regression" else ()), "groups",
                     sources=("validation",))
    if lacking is not None:
        return lacking
    try:
        rec = load_record(path, create=True)
        lab = _labeled(project, project.validation())
        c = _cols(project)
        common = dict(group_columns=list(c.groups), record_path=path,
                      dataset_name=f"{_source_name(project, 'validation')}, {fmt.count(len(lab))} labeled rows")
        if task == "multiclass":
            routing = _routing(project, lab)
            t, _, why = _routing_threshold(rec, routing)
            return RoutingFairnessAudit(lab, label=c.label, prediction=c.prediction, proba_columns=c.proba_columns or None,
                                        proba_prefix=c.proba_prefix, threshold=t, threshold_note=f" ({why})",
                                        unit=project.unit, routing=routing, **common)
        return ForecastFairnessAudit(lab, label=c.label, prediction=c.prediction, **_forecast_settings(project, rec),
                                     **common)
    except AipmError as exc:
        return _message(str(exc), "warning")


def fairness_page(project: Any) -> W.Widget:
    """Stage 2's fairness audit: the demo's resume screener in the demo, else the project's first group column."""
    from .expectations.fairness_audit import FairnessAudit

    if isinstance(project, W.Widget):
        return project
    path = _record_path(project)
    if _task(project) in ("multiclass", "regression"):
        return _task_fairness(project, path)
    if project.is_demo:
        return FairnessAudit(threshold=0.5, record_path=path)
    lacking = _needs(project, "label", "score", "groups", sources=("validation",))
    if lacking is not None:
        return lacking
    val = project.validation()
    c = _cols(project)
    missing = [g for g in c.groups if g not in val.columns]
    if missing:
        return _message(f"The group column(s) {', '.join(map(repr, missing))} are not in the validation data; its columns "
                        f"are {', '.join(map(str, val.columns[:20]))}. " + HOW_TO_ADD.format(key="columns.groups") + ".")
    lab = _labeled(project, val)
    t, _ = _threshold(project, val)
    return FairnessAudit(lab, label=c.label, score=c.score, group=c.groups[0],
                         second_group=c.groups[1] if len(c.groups) > 1 else None, threshold=t,
                         positive=_positive(project), record_path=path,
                         dataset_name=f"{_source_name(project, 'validation')}, {fmt.count(len(lab))} labeled rows")


# ---------------------------------------------------------------------------------------------- stage 3
def _demo_fraud():
    from ..core import demo

    return demo.load_fraud()


def _demo_labeled():
    from ..core.assessment import demo_results

    return demo_results.labeled()


def data_page(project: Any, *, run: bool = True) -> W.Widget:
    """Stage 3: the data assessment of the project's validation data (the demo's whole year in the demo).

    ``run=False`` loads the data and leaves the checks to ``.run()``: notebook 03 shows the widget (its upload and
    role controls usable at once) and runs the checks in the next cell, with the widget's progress bar. The demo's
    year of transactions is read once the controls are on screen (on a Voila page when that next cell starts): the
    read and pandas are 0.5 s or more the page's first control does not wait for.
    """
    from .assessment.data_assessment import DataAssessment

    if isinstance(project, W.Widget):
        return project
    path = _record_path(project)
    if _is_fraud_demo(project):
        return DataAssessment(_demo_fraud, label="is_fraud", id_column="transaction_id", time_column="timestamp",
                              ignore=("score",), name="fraud_transactions (demo)", record_path=path, run=run)
    lacking = _needs(project, sources=("validation",))
    if lacking is not None:
        return W.VBox([lacking, DataAssessment(record_path=path)])
    c = _cols(project)
    val = project.validation()
    ignore = tuple(x for x in (c.score, c.prediction, *(c.proba_columns or {}).values()) if x and x in val.columns)
    return DataAssessment(val, label=c.label if c.label in val.columns else None,
                          id_column=c.id if c.id in val.columns else None,
                          time_column=c.timestamp if c.timestamp in val.columns else None,
                          ignore=ignore, name=_source_name(project, "validation"), record_path=path, run=run)


def warm_caches(record_path: str | Path | None = None) -> list[str]:
    """Compute the pages' slow, deterministic results once so that the first visitor does not wait for them.

    Today that is page 03's data checks (3 to 5 s on the demo; the label noise and learning curve of the demo are
    shipped with the package). They go to :mod:`~aipm_widgets.core.io.result_cache` through the very call the page
    makes, so the page reads them back. ``aipm warm`` runs this; Binder's ``postBuild`` runs it at image build (every
    participant's container then starts warm) and ``aipm dashboard`` in the background at start. Returns what was
    warmed, in words.
    """
    project = open_project(record_path)
    if isinstance(project, W.Widget):  # a record that cannot be read: its pages say why; nothing to warm
        return []
    result = getattr(data_page(project, run=True), "result", None)  # None: the data is missing or unreadable
    if result is None:
        return []
    return [f"data checks of {result.source or 'the validation data'} ({result.rows:,} rows, "
            f"{'already cached' if result.from_cache else f'computed in {result.seconds:.1f} s'})"]


def _xy(project: Any, max_rows: int | None = None):
    """Features and 0/1 (or class) labels of the labeled validation rows, for the models of stage 3."""
    c = _cols(project)
    lab = _labeled(project, project.validation())
    if max_rows and len(lab) > max_rows:
        lab = lab.sample(max_rows, random_state=0).reset_index(drop=True)
    X = lab[_features(project, lab)]
    y = _binary(project, lab[c.label]).astype(int) if _task(project) == "binary" else lab[c.label]
    return lab, X, y


def label_profile_section(project: Any) -> W.Widget:
    """Stage 3, the labels themselves: a router's rows per class (too-rare classes named), a forecast's target
    distribution and outliers. Nothing for a yes/no model (section 1 counts its positives)."""
    task = _task(project)
    if isinstance(project, W.Widget) or task == "binary":
        return W.HTML("")
    lacking = _needs(project, "label", sources=("validation",))
    if lacking is not None:
        return lacking
    c = _cols(project)
    val = project.validation()
    if c.label not in val.columns:
        return _message(f"The label column {c.label!r} is not in the validation data. " + HOW_TO_ADD.format(key="columns.label") + ".")
    try:
        if task == "multiclass":
            from ..core.tasks.class_balance import class_balance

            result = class_balance(val[c.label])
        else:
            from ..core.assessment.target_profile import profile_target

            result = profile_target(val[c.label], name=c.label, unit=getattr(project, "target_unit", None) or "units")
    except AipmError as exc:
        return _message(str(exc), "warning")
    findings = "<ul style='font-size:13px'>" + "".join(f"<li>{esc(f)}</li>" for f in result.findings()) + "</ul>"
    table = ""
    if task == "multiclass":
        t = result.table
        pad = "padding:2px 12px"
        rows = "".join(f"<tr><td style='{pad}'>{esc(k)}</td><td style='{pad};text-align:right'>{fmt.count(r['rows'])}</td>"
                       f"<td style='{pad};text-align:right'>{fmt.estimate(r['share'], r['low'], r['high'])}</td></tr>"
                       for k, r in t.iterrows())
        table = ("<table class='aipm-class-balance' style='border-collapse:collapse;font-size:13px'><tr>"
                 f"<th style='{pad}'>class</th><th style='{pad}'>labeled rows</th>"
                 f"<th style='{pad}'>share of rows (95% interval)</th></tr>{rows}</table>")
    box = HelpHTML(f"<div class='aipm-label-profile'>{findings}{table}</div>")
    box.result = result
    return box


def label_noise_section(project: Any) -> Any:
    """Stage 3: rows whose label a cross-validated model finds unlikely (confident learning), on demand.

    A panel (:class:`~.assessment.on_demand.OnDemand`): the demo's result is shipped with the package and shown at
    once; a team's own data gets a button that computes it with a progress bar (then stored for the next load).
    """
    from .assessment.on_demand import label_noise_panel

    if _is_fraud_demo(project):
        from ..core.assessment import demo_results as dr

        X, y, ids = dr.noise_inputs(_demo_labeled())
        return label_noise_panel(X, y, ids=ids, cv=dr.NOISE["cv"], top=dr.NOISE["top"],
                                 stored=dr.stored_label_noise(X, y, ids))
    lacking = _needs(project, "label", sources=("validation",))
    if lacking is not None:
        return lacking
    if _task(project) == "regression":
        return _message("Wrong labels are looked for in classes; this project's label is a number (regression).", "info")
    try:
        lab, X, y = _xy(project)
        c = _cols(project)
        if _task(project) == "binary" and isinstance(_positive(project), str):
            y = y.map({1: _positive_name(project), 0: _negative_name(project, lab)})  # the list shows the team's words
        return label_noise_panel(X, y, ids=lab[c.id] if c.id in lab.columns else None, cv=3)
    except AipmError as exc:
        return _message(str(exc), "warning")


def _follow(section: Any, show: Any) -> None:
    """Call ``show()`` now and again whenever the on-demand ``section`` gets its result."""
    from .assessment.on_demand import OnDemand

    if isinstance(section, OnDemand):
        section.observe(lambda _change: show(), names="result")
    show()


def card_check_section(project: Any, assessment: Any, noise: Any) -> W.Widget:
    """Demo only: what the checks found against the problems the demo's data card says were planted.

    The wrong labels of the card are scored once the label-noise panel has its result (said in words until then).
    The comparison stays with the demo's own assessment even if another table is uploaded above.
    """
    if not _is_fraud_demo(project) or getattr(assessment, "result", None) is None:
        return W.HTML("")
    from ..core import demo
    from ..core.assessment.card_check import compare_with_card

    checked = assessment.result  # the demo's assessment, not a table uploaded later
    ids = _demo_labeled()["transaction_id"].to_numpy()
    flipped = demo.demo_card()["fraud"]["injected_quality_problems"]["label_errors"]["rows"]
    box = W.VBox()
    box.add_class("aipm-card-check")

    def show() -> None:
        result = getattr(noise, "result", noise)
        flagged = ids[result.indices] if hasattr(result, "indices") else None
        table = compare_with_card(checked, flagged_ids=flagged)
        parts = [W.HTML(_DEMO_NOTES["card_check"]), W.HTML(table._repr_html_())]
        if flagged is None:
            parts.append(W.HTML(
                f"<p>The card's {fmt.count(flipped)} flipped labels are not checked yet: the label-noise check above has "
                "not been computed. The table gains their row when it has.</p>"))
        box.children = parts

    _follow(noise, show)
    return box


def representativeness_section(project: Any) -> W.Widget:
    """Stage 3: the project's first group column against the population it serves (shares typed by the team)."""
    from .assessment.representativeness import RepresentativenessPanel

    if _is_fraud_demo(project):
        fraud, labeled = _demo_fraud(), _demo_labeled()
        return RepresentativenessPanel(fraud["age_band"], dict(_DEMO_CUSTOMER_BASE), column="age_band",
                                       rate=float(labeled["is_fraud"].mean()), width=0.2, metric=0.6)
    lacking = _needs(project, "groups", sources=("validation",))
    if lacking is not None:
        return lacking
    c = _cols(project)
    val = project.validation()
    group = c.groups[0]
    if group not in val.columns:
        return _message(f"The group column {group!r} is not in the validation data. " + HOW_TO_ADD.format(key="columns.groups") + ".")
    rate = 1.0
    if c.label and c.label in val.columns and _task(project) == "binary":
        try:
            rate = float(_binary(project, val[c.label]).mean())
        except AipmError:
            rate = 1.0
    panel = RepresentativenessPanel(val[group], None, column=group, rate=round(max(rate, 0.0001), 4), width=0.2,
                                    metric=0.6)
    note = W.HTML("<div style='font-size:12px;color:#555'>The population shares start at the data's own shares: type "
                  "the shares of the people the product will serve (census, customer base) to compare.</div>")
    box = W.VBox([note, panel])
    box.panel = panel
    return box


def labels_needed_section(project: Any) -> Any:
    """Stage 3: a learning curve, on demand; the target is the current model's ROC AUC on the validation data.

    A panel (:class:`~.assessment.on_demand.OnDemand`, its chart drawn by :func:`learning_curve_chart`): the demo's
    result is shipped with the package and shown at once; a team's own data gets a button and a progress bar.
    """
    import pandas as pd
    from .assessment.on_demand import labels_needed_panel

    if _is_fraud_demo(project):
        from ..core.assessment import demo_results as dr

        X, y = dr.curve_inputs(_demo_labeled())
        c = dr.CURVE
        return labels_needed_panel(X, y, target=c["target"], metric=c["metric"], cv=c["cv"], n_boot=c["n_boot"],
                                   task=c["task"], chart=False, stored=dr.stored_labels_needed(X, y))
    task = _task(project)
    if task != "binary":
        return _task_labels_needed(project, task)
    lacking = _needs(project, "label", "score", sources=("validation",))
    if lacking is not None:
        return lacking
    from sklearn.metrics import roc_auc_score

    try:
        lab, X, y = _xy(project, max_rows=8_000)
        target = round(min(float(roc_auc_score(y, pd.to_numeric(lab[_cols(project).score], errors="coerce").fillna(0))),
                           0.99), 3)
    except AipmError as exc:
        return _message(str(exc), "warning")
    except ValueError as exc:
        return _message(f"The learning curve could not be measured on these labels: {exc}", "warning")
    panel = labels_needed_panel(X, y, target=target, cv=3, n_boot=100, chart=False)
    panel.target = target
    return panel


def _task_model_output(project: Any, lab: pd.DataFrame) -> pd.Series:
    """The model's own output on labeled rows: the predicted class (or the most probable one), or the predicted number."""
    import pandas as pd

    c = _cols(project)
    if c.prediction and c.prediction in lab.columns:
        return lab[c.prediction]
    if _task(project) == "multiclass":
        from ..core.tasks.routing import routing_inputs

        inp = routing_inputs(lab, label=c.label, proba_columns=c.proba_columns or None, proba_prefix=c.proba_prefix)
        return pd.Series(np.asarray(inp.classes, dtype=object)[inp.pred], index=lab.index)
    raise InputDataError("The learning curve's target is the current model's own error: name its prediction column "
                         "with `aipm project set columns.prediction=COL`.")


def _task_labels_needed(project: Any, task: str) -> Any:
    """The learning curve of a router (accuracy) or a forecast (MAE), its target the current model's own score."""
    import pandas as pd
    from .assessment.on_demand import labels_needed_panel

    lacking = _needs(project, "label", sources=("validation",))
    if lacking is not None:
        return lacking
    try:
        lab, X, y = _xy(project, max_rows=8_000)
        output = _task_model_output(project, lab)
        if task == "regression":
            from ..core.tasks.forecast import regression_values

            y = pd.Series(regression_values(y, name="label"), index=lab.index)
            pred = regression_values(output, name="prediction", role="prediction")
            target, metric = float(np.mean(np.abs(y.to_numpy() - pred))), "neg_mean_absolute_error"
            if target <= 0:
                return _message("The current model's predictions equal every label: there is no error to match.", "info")
        else:
            target, metric = float(np.mean(output.astype(str).to_numpy() == y.astype(str).to_numpy())), "accuracy"
            target = round(min(target, 0.99), 3)
    except AipmError as exc:
        return _message(str(exc), "warning")
    panel = labels_needed_panel(X, y, target=target, metric=metric, task=task, cv=3, n_boot=100, chart=False)
    panel.target = target
    return panel


def labels_needed_target_text(project: Any, curve: Any) -> W.HTML:
    """Where the learning curve's target comes from, in words (``curve``: the result, or its panel)."""
    if _is_fraud_demo(project) or getattr(curve, "target", None) is None:
        return W.HTML("")
    task = _task(project)
    if task in ("multiclass", "regression"):
        c = _cols(project)
        column = c.prediction or (c.proba_prefix and f"{c.proba_prefix}*") or "the probabilities"
        if task == "regression":
            unit = getattr(project, "target_unit", None) or "units"
            what = f"the typical miss (MAE) {fmt.number(abs(curve.target), 3)} {esc(unit)}"
        else:
            what = f"accuracy {fmt.percent(curve.target, 1)}"
        return HelpHTML(f"<div style='font-size:13px'>Target: {what}, the current model's own (<code>{esc(column)}</code>) "
                      "on the validation data: how many labels a model trained on these features needs to match it.</div>")
    return HelpHTML(f"<div style='font-size:13px'>Target: ROC AUC {fmt.number(curve.target, 3)}, the current "
                  f"model's own score (<code>{esc(_cols(project).score)}</code>) on the validation data: how many labels "
                  "a model trained on these features needs to match it.</div>")


def learning_curve_chart(project: Any, curve: Any) -> W.Widget:
    """The learning curve's chart and where its target comes from (nothing when the curve could not be measured).

    Given the on-demand panel of :func:`labels_needed_section`, the chart appears when the panel has its result.
    """
    from .assessment.on_demand import OnDemand

    if curve is None or (isinstance(curve, W.Widget) and not isinstance(curve, OnDemand)):
        return W.HTML("")
    from .assessment.learning_curve_chart import learning_curve_figure

    box = W.VBox()
    box.add_class("aipm-learning-curve")

    def show() -> None:
        result = getattr(curve, "result", curve)
        target = labels_needed_target_text(project, curve)
        box.children = [target] if result is None else [target, learning_curve_figure(result)]

    _follow(curve, show)
    return box


_EVIDENCE = (("label_noise", "Wrong labels"), ("labels_needed", "Labels needed"))


def data_decision(assessment: Any, noise: Any = None, curve: Any = None, representativeness: Any = None) -> W.Widget:
    """The data stage's save panel with the evidence the sections above measured (those that could be measured).

    The label-noise and learning-curve results join the evidence when they arrive (shown at once for the demo, on a
    button press for a team's own data); until then the panel says which are not computed yet.
    """
    if not hasattr(assessment, "decision_panel"):
        return W.HTML("")
    from .assessment.on_demand import OnDemand

    panel = getattr(representativeness, "panel", representativeness)
    if hasattr(panel, "to_record"):
        assessment.evidence["representativeness"] = panel.to_record
    status = W.HTML()
    status.add_class("aipm-evidence-status")
    sources = tuple(zip(_EVIDENCE, (noise, curve)))

    def show() -> None:
        lines = []
        for (key, what), section in sources:
            result = getattr(section, "result", section)
            if hasattr(result, "to_record"):
                assessment.evidence[key] = result.to_record
                lines.append(f"<li><b>{what}</b>: {esc(result.sentence())}</li>")
            else:
                assessment.evidence[key] = None  # saved as such: no earlier result stays in the record unseen
                if isinstance(section, OnDemand):
                    lines.append(f"<li><b>{what}</b>: not computed yet (press <i>{esc(section.button.description)}</i> "
                                 "above); saving now records the decision without it.</li>")
        status.value = ("<div style='font-size:13px'>Saved with the decision as evidence:<ul style='margin:2px 0'>"
                        + "".join(lines) + "</ul></div>") if lines else ""

    for section in (noise, curve):
        if isinstance(section, OnDemand):
            section.observe(lambda _change: show(), names="result")
    show()
    return W.VBox([status, assessment.decision_panel()])


# ---------------------------------------------------------------------------------------------- stage 4
def _demo_validation():
    from ..core import demo

    return demo.load_fraud("validation").drop_duplicates("transaction_id").reset_index(drop=True)


# What the fraud demo's trade-off reads (labels, scores, the amount a miss costs and its rule, the groups), read
# without pandas: page 04 shows its accuracy table and explorer before pandas is imported (0.3 to 0.4 s).
_DEMO_TRADEOFF_COLUMNS = ("is_fraud", "score", "amount", "age_band")


def _demo_validation_columns():
    from ..core import demo

    return demo.fraud_columns("validation", _DEMO_TRADEOFF_COLUMNS)


def _baseline_rule(project: Any, frame: pd.DataFrame, y: pd.Series) -> str | None:
    """A rule anyone could write, from the data: the single numeric feature that best separates the label,
    cut where it alerts as many rows as there are positives (e.g. ``"debt_ratio > 0.42"``)."""
    import pandas as pd
    import numpy as np
    from sklearn.metrics import roc_auc_score

    best, best_auc = None, 0.55
    for col in _features(project, frame):
        x = frame[col]
        if not pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x) or not str(col).isidentifier():
            continue
        ok = x.notna().to_numpy()
        if ok.sum() < 20 or len(np.unique(y[ok])) < 2:
            continue
        auc = roc_auc_score(y[ok], x[ok])
        for direction, a in ((">", auc), ("<", 1 - auc)):
            if a > best_auc:
                best, best_auc = (col, direction), a
    if best is None:
        return None
    col, direction = best
    share = float(y.mean())
    q = frame[col].quantile(1 - share if direction == ">" else share)
    return f"{col} {direction} {float(f'{q:.3g}'):g}"


def _own_binary_data(project: Any):
    c = _cols(project)
    val = project.validation()
    lab = _labeled(project, val)
    if c.id and c.id in lab.columns:
        lab = lab.drop_duplicates(c.id).reset_index(drop=True)
    y = _binary(project, lab[c.label]).astype(int)
    return lab, y


_DEMO_RULE = "amount > 900"
_DEMO_MINUTES_PER_ALERT = 4


def _demo_tradeoff_kwargs(project: Any, validation: pd.DataFrame) -> dict[str, Any]:
    """The fraud demo's money model and constraint, one copy for the explorer and the accuracy table above it."""
    from ..core import demo

    return dict(value=validation.amount, groups=validation.age_band,
                costs={"cost_fp": demo.FRAUD_COST_FP, "fn_cost_from_value": True, "value_column": "amount",
                       "review_capacity_per_day": demo.FRAUD_REVIEW_CAPACITY_PER_DAY, "currency": project.currency},
                constraints=[demo.FRAUD_CONSTRAINT], volume_per_day=demo.FRAUD_VOLUME_PER_DAY)


_SAVED_BY_STAGE_4 = "the threshold saved in the decision record"


def _threshold_note(project: Any) -> str:
    """How :func:`_threshold` chose, in a few words for the explorer's headline."""
    m = _saved_metrics(project)
    if m is not None and m.threshold is not None:
        return _SAVED_BY_STAGE_4
    return f"the starting point: as many alerts as there are {_positive_name(project)} cases"


def _demo_opening_threshold(project: Any) -> float:
    """The threshold the fraud demo's stage 4 opens at before it is decided (the explorer's recommended one), so
    stage 2's provisional one-pager and stage 4's explorer quote one number."""
    from ..core.metrics.tradeoff import Tradeoff

    validation = _demo_validation_columns()
    return Tradeoff(validation.is_fraud, validation.score,
                    **_demo_tradeoff_kwargs(project, validation)).recommended_threshold()[0]


def _decided_threshold(project: Any) -> float | None:
    """Stage 4's saved threshold of a yes/no decision, or None."""
    m = _saved_metrics(project)
    if m is not None and m.threshold is not None and (m.task or "binary") == "binary":
        return float(m.threshold)
    return None


def accuracy_section(project: Any) -> W.Widget:
    """Stage 4: why accuracy misleads, measured: never alerting against the model at its threshold."""
    from ..core.metrics.tradeoff import Tradeoff

    if isinstance(project, W.Widget):
        return project
    if _task(project) != "binary":
        return W.HTML("")
    if _is_fraud_demo(project):
        from ..core import demo

        validation = _demo_validation_columns()
        y, score, pos, unit = validation.is_fraud, validation.score, "fraud", "transactions"
        t = _decided_threshold(project)
        trained_on = len(demo.fraud_columns("train", ("transaction_id",)))
        head = (f"<p><b>{fmt.count(len(validation))} validation transactions</b>, of which "
                f"<b>{fmt.count(validation.is_fraud.sum())} fraud</b> ({fmt.percent(validation.is_fraud.mean(), 2)}). "
                f"The model was trained on {fmt.count(trained_on)} earlier transactions.</p>")
    else:
        lacking = _needs(project, "label", "score", sources=("validation",))
        if lacking is not None:
            return lacking
        try:
            lab, y = _own_binary_data(project)
        except AipmError as exc:
            return _message(str(exc), "warning")
        score, pos, unit = lab[_cols(project).score], _positive_name(project), "rows"
        t, _ = _threshold(project, lab)
        head = (f"<p><b>{fmt.count(len(lab))} labeled validation rows</b>, of which <b>{fmt.count(y.sum())} {esc(pos)}</b> "
                f"({fmt.percent(y.mean(), 2)}).</p>")
    try:
        if _is_fraud_demo(project):
            # the same trade-off as the explorer below, so the table quotes the threshold the explorer opens at
            basic = Tradeoff(y, score, **_demo_tradeoff_kwargs(project, validation))
            if t is None:
                t = basic.recommended_threshold()[0]
        else:
            basic = Tradeoff(y, score, positive=1)
    except AipmError as exc:
        return _message(str(exc), "warning")
    never, model = basic.at(basic.curve.above_all), basic.at(t)
    share = float(np.mean(y))
    rows = (
        f"<p>Only {fmt.percent(share)} of the {esc(unit)} are {esc(pos)}: a \"model\" that never raises an alert is right "
        f"{fmt.percent(1 - share)} of the time, and catches none of them. Here it is, measured:</p>"
        "<table style='border-collapse:collapse'><tr><th></th><th>accuracy</th><th>"
        f"{esc(pos)} caught (recall)</th><th>false alarms</th></tr>"
        f"<tr><td>never alert</td><td><b>{fmt.percent(never.metrics['accuracy'].value)}</b></td>"
        f"<td>{fmt.percent(never.metrics['recall'].value, 0)}</td><td>{fmt.count(never.confusion['fp'])}</td></tr>"
        f"<tr><td>the model at threshold {fmt.threshold(t)}</td><td><b>{fmt.percent(model.metrics['accuracy'].value)}</b></td>"
        f"<td>{esc(model.metrics['recall'].text('{:.0%}'))}</td><td>{fmt.count(model.confusion['fp'])}</td></tr></table>"
    )
    return HelpHTML(head + rows)


def metrics_page(project: Any) -> W.Widget:
    """Stage 4: the threshold explorer on the project's validation data (routing / forecast explorers by task)."""
    from .metrics.threshold_explorer import ThresholdExplorer

    if isinstance(project, W.Widget):
        return project
    path = _record_path(project)
    route = _curve_engine_route(project)
    if route is not None:
        return _engine_metrics_page(project, *route)
    task = _task(project)
    if task == "multiclass":
        return _dispatch(project, "metrics.routing_explorer", "RoutingExplorer", "the multiclass routing explorer")
    if task == "regression":
        return _dispatch(project, "metrics.forecast_explorer", "ForecastExplorer", "the regression forecast explorer")
    from ..core.metrics.product_metrics import ProductMapping

    if _is_fraud_demo(project):
        from ..core import demo

        validation = _demo_validation_columns()
        return ThresholdExplorer.from_predictions(
            validation.is_fraud, validation.score, **_demo_tradeoff_kwargs(project, validation),
            threshold=_decided_threshold(project), threshold_note=_SAVED_BY_STAGE_4, baseline_rule=_DEMO_RULE, frame=validation,
            product=ProductMapping(volume_per_day=demo.FRAUD_VOLUME_PER_DAY, minutes_per_alert=_DEMO_MINUTES_PER_ALERT),
            data_source="fraud validation 2025-04..05, de-duplicated", label_name="is_fraud", score_name="score",
            value_name="amount", group_name="age_band", unit="transactions", positive_name="fraud", record_path=path,
        )
    lacking = _needs(project, "label", "score", sources=("validation",))
    if lacking is not None:
        return lacking
    c = _cols(project)
    try:
        lab, y = _own_binary_data(project)
    except AipmError as exc:
        return _message(str(exc), "warning")
    costs = _costs(project)
    value = lab[c.value] if c.value and c.value in lab.columns else None
    group = next((g for g in c.groups if g in lab.columns), None)
    rule = _baseline_rule(project, lab, y)
    saved = _saved_metrics(project)
    volume = project.volume_per_day
    product = (ProductMapping(volume_per_day=volume, currency=project.currency, positive_name=_positive_name(project))
               if volume else None)
    explorer = ThresholdExplorer.from_predictions(
        y, lab[c.score], value=value, groups=lab[group] if group else None, costs=costs,
        constraints=list(getattr(saved, "constraints_text", None) or []) or None, volume_per_day=volume,
        baseline_rule=rule, frame=lab if rule else None, product=product,
        threshold=_threshold(project, lab)[0], threshold_note=_threshold_note(project),
        data_source=_source_name(project, "validation"), label_name=c.label, score_name=c.score,
        value_name=c.value or "value", group_name=group or "group", unit="cases",
        positive_name=_positive_name(project), record_path=path,
    )
    notes = [_costs_note(project, costs)]
    if rule:
        notes.append(f"The rule baseline, \"{rule}\", is computed from the data: the one numeric column that best "
                     "separates the label on its own, cut where it alerts as many rows as there are "
                     f"{_positive_name(project)} cases. A model should beat it.")
    if not volume:
        notes.append("No volume per day in the project, so rates are not turned into counts a day: "
                     + HOW_TO_ADD.format(key="volume_per_day") + ".")
    info = W.HTML("".join(f"<div class='aipm-page-note' style='font-size:13px;color:#333;margin:2px 0'>{esc(n)}</div>"
                          for n in notes if n))
    box = W.VBox([info, explorer])
    box.explorer = explorer  # tests and notebooks reach the explorer and its result through the page
    box.result = explorer.result
    return box


ENGINE_NAMES = {"duckdb": "DuckDB", "spark": "Spark"}
ROUTE_ENGINE = ("The project's engine is {engine}: {name} counts the threshold curve where the validation data is "
                "({files}), without reading its rows into this page.")
ROUTE_SIZE = ("The validation data would take about {size} in memory (read from its Parquet footers), over this page's "
              "limit of {limit} (AIPM_PAGE_MAX_MB): DuckDB counts the threshold curve where the data is ({files}) "
              "instead of reading its rows into the page.")
ROUTE_NEEDS_ROWS = ("Counted without the rows, the page shows the confusion matrix, rates, costs and constraints at "
                    "every threshold; {what} {need} the rows in memory and {are} not shown here (upload a sample in the "
                    "panel below, or run `aipm tradeoff --engine pandas` on a sample).")
ROUTE_EXACT = ("Exact curve: {engine} counted {n} labeled, scored rows (exact up to {limit} rows; beyond that, "
               "{bins} score bins with a stated error bound).")
ROUTE_BINNED = ("{describe} The slider offers only thresholds between two bins, where the counts are exact.")


def _page_max_bytes() -> int:
    import os

    return int(float(os.environ.get("AIPM_PAGE_MAX_MB", "1024")) * 2**20)


def _parquet_memory_bytes(files: list[str]) -> int:
    """The uncompressed size of the Parquet files' rows, summed from their footers (no rows read)."""
    import pyarrow.parquet as pq

    total = 0
    for f in files:
        meta = pq.ParquetFile(f).metadata
        total += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return total


def _curve_engine_route(project: Any) -> tuple[str, str, list[str]] | None:
    """``(engine, why in words, files)`` when stage 4's curve of a team's yes/no model is counted by an engine.

    The rule: the validation source is Parquet (a file or a folder of them) and either the project's engine is
    duckdb or spark, or its rows would take more than ``AIPM_PAGE_MAX_MB`` (default 1,024 MB) in memory, read
    from the Parquet footers (then DuckDB). Otherwise None: the page reads the rows as before. The task is taken
    as set in the project, else inferred from the label of the first row group only (never every row).
    """
    if getattr(project, "is_demo", True) or getattr(project, "project", None) is None:
        return None
    try:
        path = project.source_path("validation")
        if path is None or not (path.is_dir() or path.suffix.lower() in (".parquet", ".pq")):
            return None
        from ..core.monitoring.engines import _checked_parquet

        files = _checked_parquet(str(path), "duckdb")
    except (AipmError, OSError):
        return None  # the usual path reads the file and says what is wrong
    if (project.project.task or _sampled_task(project, files[0])) != "binary":
        return None
    shown = Path(path).name + (f", {fmt.count(len(files))} files" if len(files) > 1 else "")
    engine = project.project.engine
    if engine in ("duckdb", "spark"):
        return engine, ROUTE_ENGINE.format(engine=engine, name=ENGINE_NAMES[engine], files=shown), files
    size, limit = _parquet_memory_bytes(files), _page_max_bytes()
    if size > limit:
        import importlib.util

        if importlib.util.find_spec("duckdb") is not None:
            return "duckdb", ROUTE_SIZE.format(size=fmt.data_size(size), limit=fmt.data_size(limit), files=shown), files
    return None


def _sampled_task(project: Any, first_file: str) -> str | None:
    """The task inferred from the label column of the file's first row group (None: binary is assumed)."""
    import pyarrow.parquet as pq

    from ..core.project import infer_task

    c = _cols(project)
    pf = pq.ParquetFile(first_file)
    label = c.label if c.label in pf.schema_arrow.names else None
    sample = pf.read_row_group(0, columns=[label]).to_pandas() if label and pf.num_row_groups else None
    return infer_task(sample, c)[0] or "binary"


def _curve_default_threshold(curve: Any) -> float:
    """As :func:`default_threshold`, from counts: the highest threshold alerting at least as many rows as positives."""
    d = curve.distinct
    alerts = np.asarray(d.tp) + np.asarray(d.fp)
    k = max(int(curve.positives), 1)
    i = int(np.flatnonzero(alerts >= k).max(initial=0))
    return float(d.thresholds[i])


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _engine_metrics_page(project: Any, engine: str, why: str, files: list[str], *,
                         background: bool | None = None) -> W.Widget:
    """Stage 4 for a yes/no model whose validation data an engine counts: the explorer over the engine's curve.

    In a kernel (a notebook, Voila) the curve is counted in a thread and a progress bar moves meanwhile; the
    explorer replaces the bar when it is ready (``box.wait()`` waits for it). Elsewhere it is built at once.
    """
    from ..core.metrics.product_metrics import ProductMapping

    try:
        project.require("label", "score")
    except AipmError as exc:
        return _message(str(exc), "warning")
    import pyarrow.parquet as pq

    c = _cols(project)
    columns = set(pq.read_schema(files[0]).names)
    missing = [col for col in (c.label, c.score) if col not in columns]
    if missing:
        return _message(f"Column(s) {', '.join(map(repr, missing))} not in the validation data (its columns: "
                        f"{', '.join(sorted(columns)[:20])}).", "warning")
    value = c.value if c.value and c.value in columns else None
    costs = _costs(project)
    if value is None:
        costs = {k: v for k, v in costs.items() if k not in ("fn_cost_from_value", "value_column")}
        costs.setdefault("cost_fn", 10.0)
    saved = _saved_metrics(project)
    volume = project.volume_per_day
    product = (ProductMapping(volume_per_day=volume, currency=project.currency, positive_name=_positive_name(project))
               if volume else None)
    rows_needed = [f"the table by {c.groups[0]!r}"] if c.groups else []
    rows_needed.append("the rule baseline (\"do we need ML at all?\")")
    plural = len(rows_needed) > 1
    notes = [why, ROUTE_NEEDS_ROWS.format(what=" and ".join(rows_needed), need="need" if plural else "needs",
                                          are="are" if plural else "is"), _costs_note(project, costs)]
    if not volume:
        notes.append("No volume per day in the project, so rates are not turned into counts a day: "
                     + HOW_TO_ADD.format(key="volume_per_day") + ".")
    info = W.HTML("".join(f"<div class='aipm-page-note' style='font-size:13px;color:#333;margin:2px 0'>{esc(n)}</div>"
                          for n in notes if n))
    bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, description="Counting", bar_style="info",
                          layout=W.Layout(width="420px"))
    step = W.HTML(f"<span style='font-size:13px'>starting the {esc(engine)} engine</span>")
    box = W.VBox([info, W.HBox([bar, step])])
    box.add_class("aipm-engine-metrics")
    box.explorer = box.result = box.curve = None
    box.engine, box.route = engine, why

    def show(what: str, share: float) -> None:
        bar.value = float(min(max(share, 0.0), 1.0))
        step.value = f"<span style='font-size:13px'>{esc(what)}</span>"

    def build() -> None:
        from ..core.metrics.tradeoff import Tradeoff
        from ..core.monitoring.engines.threshold_curve import BINS, MAX_ROWS, curve_from_source
        from .metrics.threshold_explorer import ThresholdExplorer

        try:
            curve = curve_from_source(files, label=c.label, score=c.score, positive=_positive(project), value=value,
                                      engine=engine, progress=show)
            t = Tradeoff.from_curve(curve, costs=costs, volume_per_day=volume, product=product,
                                    constraints=list(getattr(saved, "constraints_text", None) or []) or None,
                                    label_name=c.label, score_name=c.score, value_name=value or "value", unit="cases",
                                    positive_name=_positive_name(project))
            threshold = _decided_threshold(project)
            threshold = _curve_default_threshold(curve) if threshold is None else threshold
            if curve.exact:
                said = ROUTE_EXACT.format(engine=ENGINE_NAMES[engine], n=fmt.count(curve.n), limit=fmt.count(MAX_ROWS),
                                          bins=fmt.count(BINS))
            else:
                said = ROUTE_BINNED.format(describe=curve.describe()) + " " + curve.describe_at(threshold)
            # The record says how the numbers were counted: the engine, and the binning bound when binned.
            counted = (f"counted exactly by {ENGINE_NAMES[engine]}" if curve.exact
                       else f"counted by {ENGINE_NAMES[engine]} in score bins: {curve.describe()}")
            explorer = ThresholdExplorer(t, threshold=threshold, threshold_note=_threshold_note(project),
                                         record_path=_record_path(project),
                                         data_source=f"{_source_name(project, 'validation')} ({counted})")
        except AipmError as exc:
            box.children = [info, _message(str(exc), "warning")]
            return
        except Exception as exc:  # in a thread nothing else would show it
            box.children = [info, _message(f"The {engine} engine could not count the curve: "
                                            f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}", "error")]
            return
        box.curve, box.explorer, box.result = curve, explorer, explorer.result
        bound = W.HTML(f"<div class='aipm-curve-bound' style='font-size:13px;margin:4px 0'><b>How exact:</b> "
                       f"{esc(said)}</div>")
        box.children = [info, bound, explorer]

    if background is None:
        background = _in_kernel()
    if background:
        import threading

        box._thread = threading.Thread(target=build, name="aipm-curve", daemon=True)
        box._thread.start()
    else:
        box._thread = None
        build()
    box.wait = lambda timeout=None: box._thread.join(timeout) if box._thread is not None else None
    return box


def candidates_section(project: Any) -> W.Widget:
    """Stage 4: simpler candidate models at the same alert rate (fitted when the button is pressed)."""
    import pandas as pd
    from .metrics.candidates_panel import CandidatesPanel

    if isinstance(project, W.Widget) or _task(project) != "binary":
        return W.HTML("")
    from ..core.metrics.candidates import fraud_candidate_models

    if _is_fraud_demo(project):
        from ..core import demo

        train = demo.load_fraud("train").drop_duplicates("transaction_id").reset_index(drop=True)
        validation = _demo_validation()
        return CandidatesPanel(
            lambda: fraud_candidate_models(train), validation[demo.FRAUD_FEATURES], validation.is_fraud,
            alert_rate=demo.FRAUD_REVIEW_CAPACITY_PER_DAY / demo.FRAUD_VOLUME_PER_DAY,
            costs={"cost_fp": demo.FRAUD_COST_FP, "fn_cost_from_value": True, "currency": project.currency},
            value=validation.amount.clip(lower=0), volume_per_day=demo.FRAUD_VOLUME_PER_DAY)
    lacking = _needs(project, "label", "score", sources=("validation",))
    if lacking is not None:
        return lacking
    try:
        lab, y = _own_binary_data(project)
    except AipmError as exc:
        return _message(str(exc), "warning")
    c = _cols(project)
    if c.timestamp and c.timestamp in lab.columns:
        order = pd.to_datetime(lab[c.timestamp], errors="coerce").argsort(kind="stable")
        lab, y = lab.iloc[order].reset_index(drop=True), y.iloc[order].reset_index(drop=True)
    half = len(lab) // 2
    if half < 100 or y.iloc[:half].nunique() < 2 or y.iloc[half:].nunique() < 2:
        return _message("Too few labeled rows to fit candidate models on one half and compare them on the other.", "info")
    feats = _features(project, lab)
    train = lab.iloc[:half].assign(_y=y.iloc[:half].to_numpy())
    test = lab.iloc[half:].reset_index(drop=True)
    t, _ = _threshold(project, lab)
    alert_rate = min(max(float((lab[c.score] >= t).mean()), 0.001), 0.999)
    costs = _costs(project)
    value = test[c.value].clip(lower=0) if c.value and c.value in test.columns else None
    if value is None:
        costs = {k: v for k, v in costs.items() if k not in ("fn_cost_from_value", "value_column")}
    note = W.HTML(f"<div style='font-size:13px'>The candidates are fitted on the earlier half of the validation data "
                  f"({fmt.count(half)} rows) and compared on the later half ({fmt.count(len(test))} rows) at the current "
                  f"alert rate ({fmt.percent(alert_rate)}), on the columns {esc(', '.join(feats[:12]))}"
                  f"{'...' if len(feats) > 12 else ''}.</div>")
    panel = CandidatesPanel(lambda: fraud_candidate_models(train, features=feats, label="_y"), test[feats],
                            y.iloc[half:].reset_index(drop=True), alert_rate=alert_rate, costs=costs, value=value,
                            volume_per_day=project.volume_per_day)
    return W.VBox([note, panel])


def _placeholder_costs(project: Any) -> dict[str, Any]:
    if _is_fraud_demo(project):
        return {"cost_fp": 5, "cost_fn": 100}
    return {k: v for k, v in _costs(project).items() if k not in ("fn_cost_from_value", "value_column")}


UPLOAD_IS_BINARY = ("This upload panel explores another table of a yes/no model's decisions. {name} is a {task} model: "
                    "its own data is set once for every page (the start page's Your product panel, or "
                    "'aipm project set sources.validation=FILE ...'), and the {what} above already uses it.")


def _upload_for_binary_only(project: Any, what: str) -> MessageArea | None:
    """For a routing or forecast project, a note in place of a yes/no upload panel (it would ask for a score)."""
    task = _task(project)
    if task == "binary":
        return None
    words = {"multiclass": "routing (multiclass)", "regression": "forecast (regression)"}.get(task, task)
    area = MessageArea()  # it escapes the text: a project name is the team's words
    area.show(UPLOAD_IS_BINARY.format(name=getattr(project, "name", None) or "This project", task=words, what=what), "info")
    return area


def own_predictions_panel(project: Any) -> W.Widget:
    """Stage 4's upload panel, in the project's currency and volume; an upload can become the project's data."""
    from .metrics.own_predictions import OwnPredictions

    if isinstance(project, W.Widget):
        return OwnPredictions()
    note = _upload_for_binary_only(project, "explorer")
    if note is not None:
        return note
    constraints = ["fnr<=0.05"] if _is_fraud_demo(project) else None
    return OwnPredictions(costs=_placeholder_costs(project), constraints=constraints,
                          volume_per_day=project.volume_per_day, record_path=_record_path(project))


def own_fairness_panel(project: Any) -> W.Widget:
    """Stage 2's upload panel for a fairness audit of another table."""
    from .expectations.own_fairness import OwnFairness

    if isinstance(project, W.Widget):
        return OwnFairness()
    note = _upload_for_binary_only(project, "audit")
    if note is not None:
        return note
    threshold = 0.5
    if not project.is_demo and _needs(project, "label", "score", sources=("validation",)) is None:
        try:
            threshold = _threshold(project, project.validation())[0]  # the same threshold as the audit above
        except AipmError:
            pass
    return OwnFairness(threshold=threshold, record_path=_record_path(project))


def own_monitoring_panel(project: Any) -> W.Widget:
    """Stage 5's upload panel: a reference and a production log; either can become the project's data."""
    from .monitoring.own_monitoring import OwnMonitoring

    if isinstance(project, W.Widget):
        return OwnMonitoring(window="week")
    note = _upload_for_binary_only(project, "monitor")
    if note is not None:
        return note
    return OwnMonitoring(window="week", record_path=_record_path(project))


# ---------------------------------------------------------------------------------------------- stage 5
def _window_for(frame: pd.DataFrame, column: str) -> str:
    import pandas as pd

    ts = pd.to_datetime(frame[column], errors="coerce").dropna()
    days = (ts.max() - ts.min()).days if not ts.empty else 0
    return "month" if days > 180 else ("week" if days > 21 else "day")


def monitoring_page(project: Any) -> W.Widget:
    """Stage 5: the drift monitor, the project's validation data as reference and its production log as current."""
    from .monitoring.drift_monitor import DriftMonitor

    if isinstance(project, W.Widget):
        return project
    path = _record_path(project)
    if _is_fraud_demo(project):
        from ..core import demo
        from ..core.monitoring.settings import demo_costs

        # The demo's two splits as the project holds them (read once per process), read when the drift is measured:
        # on a Voila page once the monitor's controls are on screen.
        example = project.demo() if callable(getattr(project, "demo", None)) else None
        if example is not None:
            reference, current = (lambda: example.validation.copy()), (lambda: example.production.copy())
        else:
            reference, current = (lambda: demo.load_fraud("validation")), (lambda: demo.load_fraud("production"))
        return DriftMonitor(
            reference, current, features=demo.FRAUD_FEATURES,
            window="month", label="is_fraud", label_date="label_available_date", score="score",
            id_column="transaction_id", fallback_costs=demo_costs(), reference_description=_DEMO_MONITOR_REFERENCE,
            record_path=path,
        )
    if _task(project) == "regression":
        return _dispatch(project, "monitoring.forecast_monitor", "ForecastMonitor", "the regression forecast monitor")
    if _task(project) == "multiclass":
        return _dispatch(project, "monitoring.routing_monitor", "RoutingMonitor", "the multiclass routing monitor")
    lacking = _needs(project, "timestamp", sources=("validation", "production"))
    if lacking is not None:
        return lacking
    c = _cols(project)
    reference, production = project.validation(), project.production()
    if c.timestamp not in production.columns:
        return _message(f"The production log has no column {c.timestamp!r} (the timestamp); its columns are "
                        f"{', '.join(map(str, production.columns[:20]))}. " + HOW_TO_ADD.format(key="columns.timestamp") + ".")
    notes: list[str] = []
    label = c.label if c.label and c.label in reference.columns else None
    if label and label not in production.columns:
        # The most common layout: labels in the reference, none yet in production (run_monitoring accepts it).
        notes.append(f"The production log has no {label!r} column yet: performance is estimated from the scores, "
                     "calibrated on the reference's labels.")
    score = c.score if c.score and c.score in reference.columns and c.score in production.columns else None
    features = [f for f in _features(project, reference) if f in production.columns and f != c.timestamp] or None
    costs = _costs(project)
    try:
        monitor = DriftMonitor(
            reference, production, features=features, timestamp=c.timestamp, window=_window_for(production, c.timestamp),
            label=label, score=score, id_column=c.id if c.id in production.columns else None,
            fallback_costs=costs, reference_description=_source_name(project, "validation"), record_path=path,
            positive=_positive(project),
        )
    except AipmError as exc:
        return _message(str(exc), "warning")
    if not notes:
        return monitor
    box = W.VBox([W.HTML("".join(f"<div class='aipm-page-note' style='font-size:13px'>{esc(n)}</div>" for n in notes)), monitor])
    box.monitor = monitor
    box.result = monitor.result
    return box


def monitoring_card_check(project: Any, monitor: Any) -> None:
    """Demo only: print the monitor's findings against the demo data card's injected drifts (nothing otherwise)."""
    if not _is_fraud_demo(project) or getattr(monitor, "result", None) is None:
        return
    from ..core import demo

    print(monitor.result.check_against_card(demo.demo_card()))


# ---------------------------------------------------------------------------------------------- stage 6
def brief_page(project: Any) -> W.Widget:
    """The brief panel on the project's record."""
    from .brief.panel import BriefPanel

    if isinstance(project, W.Widget):
        return project
    return BriefPanel(_record_path(project))


# ---------------------------------------------------------------------------------------------- navigation
_ORDER = ["start", "scoping", "expectations", "data", "metrics", "monitoring", "brief"]
_TITLES = {"start": "the start page", "scoping": "stage 1, use-case scoping", "expectations": "stage 2, expectations and ethics",
           "data": "stage 3, data assessment", "metrics": "stage 4, metric selection",
           "monitoring": "stage 5, post-launch monitoring", "brief": "the product brief"}


_LINK = "color:#1a5fb4;text-decoration:underline"  # Voila's theme shows plain anchors as body text


def _notebook(stage: str) -> str:
    return "00_start_here.ipynb" if stage == "start" else STAGE_NOTEBOOKS[stage]


def next_links(stage: str) -> W.HTML:
    """Links to the next stage and back to the start page, relative to this notebook.

    A relative link resolves the same way in JupyterLab (``lab/tree/<dir>/NN.ipynb``, opening the notebook)
    and in Voila (``voila/render/<dir>/NN.ipynb``, opening the dashboard): both serve the notebooks of one
    folder side by side. The links are plain HTML in a widget, so Lab's Markdown resolver never rewrites them.
    """
    if stage not in _ORDER:
        raise InputDataError(f"Unknown stage {stage!r}; stages are {', '.join(_ORDER)}.")
    i = _ORDER.index(stage)
    parts = []
    if i + 1 < len(_ORDER):
        nxt = _ORDER[i + 1]
        parts.append(f"<a class='aipm-next-link' style='{_LINK}' href='{esc(_notebook(nxt))}'>"
                     f"Next: {esc(_TITLES[nxt])} &rarr;</a>")
    if stage != "start":
        parts.append(f"<a class='aipm-start-link' style='{_LINK}' href='{esc(_notebook('start'))}'>"
                     f"Back to {esc(_TITLES['start'])}</a>")
    return W.HTML(words_on_this_page(stage)
                  + "<div class='aipm-nav' style='margin:12px 0;font-size:15px'>" + " &nbsp;|&nbsp; ".join(parts) + "</div>")


def _notebook_prose(stage: str) -> str:
    """The Markdown of the stage's notebook: the copy beside the running kernel (JupyterLab and Voila run a
    notebook in its own folder), else the package's own. Empty when neither can be read."""
    import json

    name = _notebook(stage)
    for folder in (Path.cwd(), Path(__file__).resolve().parents[2] / "notebooks"):
        try:
            cells = json.loads((folder / name).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        return "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown")
    return ""


def words_on_this_page(stage: str) -> str:
    """HTML: a collapsed list, at the end of a page, of every glossary term its prose uses, defined in plain words
    (the glossary's own sentences, the same as the hover help on the widgets and the brief's glossary)."""
    from ..core.text.glossary import glossary_html, terms_in

    prose = _notebook_prose(stage)
    # Code spans are literal (a column name, a command), not words to explain.
    prose = re.sub(r"`[^`]*`", " ", prose)
    return glossary_html(terms_in(prose), title="Words on this page")

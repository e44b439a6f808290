"""The words that explain a stage page, chosen by the project's task (binary, multiclass, regression).

A stage notebook keeps what every task shares in its markdown (the question, the decision); what depends on
the task (how the widget works, how to read it, what is saved) lives here, one small template per stage and
task: ``guides/{stage}_{task}.md``. A template is markdown with `jinja2 <https://jinja.palletsprojects.com>`_
variables and holds no figure of its own: every number, currency and name comes from a variable filled from
the project or the package's own constants (:func:`template_values`), so a page never quotes a number typed twice.
Variables are HTML-escaped (autoescape), so a project named ``<b>x</b>`` shows as typed.

A template is cut into sections by lines ``<!-- section: NAME -->``. The section ``read`` is the
"How to read it" of the stage's widget: the widget shows it (:func:`how_to_read_html`), once, between its
answer in words and its evidence; a notebook shows the other sections with :func:`guide`.

Functions
---------
guide, guide_html, how_to_read_html, plain_text, sections, template_values, TASKS, STAGES
"""

from __future__ import annotations

import html
import inspect
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

__all__ = ["guide", "guide_html", "how_to_read_html", "plain_text", "sections", "template_values", "TASKS", "STAGES", "HOW_TO_READ_TITLE"]

TASKS = ("binary", "multiclass", "regression")
STAGES = ("data", "metrics", "monitoring")
HOW_TO_READ_TITLE = "How to read it"
_DIR = Path(__file__).resolve().parent
_SECTION = re.compile(r"^<!-- section: ([a-z_]+) -->\s*$", re.MULTILINE)
_JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)

# Example constraints shown in stage 4's words: (metric, operator, value, words with {} for the value).
# The syntax and the words are built from the same value, so they cannot disagree.
CONSTRAINT_EXAMPLES: dict[str, list[tuple[str, str, float, str]]] = {
    "binary": [("fnr", "<=", 0.05, "miss at most {}"),
               ("alerts_per_day", "<=", 2000, "at most {} alerts a day, the team's review capacity")],
    "multiclass": [("accuracy_automated", ">=", 0.95, "at least {} of those routed automatically right"),
                   ("automation_rate", ">=", 0.6, "route at least {} automatically")],
    "regression": [],
}


# ---------------------------------------------------------------------------------------------- templates
def _path(stage: str, task: str) -> Path:
    from ...core.errors import InputDataError

    if stage not in STAGES:
        raise InputDataError(f"Unknown stage {stage!r} for a guide; guides exist for {', '.join(STAGES)}.")
    if task not in TASKS:
        raise InputDataError(f"Unknown task {task!r}; tasks are {', '.join(TASKS)}.")
    return _DIR / f"{stage}_{task}.md"


@lru_cache(maxsize=None)
def _sections(stage: str, task: str) -> dict[str, str]:
    text = _path(stage, task).read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2])}


def sections(stage: str, task: str) -> list[str]:
    """The section names of a stage's guide for a task, in page order."""
    return list(_sections(stage, task))


def _inline(text: str) -> str:
    """`code`, **bold** and *italic* to HTML; jinja tags are left untouched (they are filled afterwards)."""
    tags: list[str] = []

    def keep(m: re.Match) -> str:
        tags.append(m.group(0))
        return f"\x00{len(tags) - 1}\x00"

    text = _JINJA.sub(keep, text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: tags[int(m.group(1))], text)


def _markdown(text: str) -> str:
    """The small markdown the guides use: paragraphs, ``- `` lists, ``#### `` headings, inline code/bold/italic."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if not _JINJA.sub("", block).strip():  # a block of jinja statements only ({% if %} ... on its own)
            out.append(block)
        elif block.startswith("#### "):
            out.append(f"<h4 style='margin:10px 0 4px'>{_inline(block[5:].strip())}</h4>")
        elif all(line.startswith(("- ", "  ")) for line in lines):
            items = re.split(r"\n(?=- )", block)
            out.append("<ul style='margin:4px 0'>" + "".join(
                f"<li>{_inline(' '.join(x.strip() for x in item[2:].splitlines()))}</li>" for item in items) + "</ul>")
        else:
            out.append(f"<p style='margin:4px 0'>{_inline(' '.join(x.strip() for x in lines))}</p>")
    return "\n".join(out)


@lru_cache(maxsize=None)
def _template(stage: str, task: str, section: str):
    import jinja2

    from ...core.errors import InputDataError

    found = _sections(stage, task)
    if section not in found:
        raise InputDataError(f"The {stage} guide for {task} has no section {section!r}; it has {', '.join(found)}.")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_markdown(found[section]))


# ---------------------------------------------------------------------------------------------- values
def _confidence_level() -> float:
    from ...core.stats.intervals import wilson_interval

    return float(inspect.signature(wilson_interval).parameters["confidence"].default)


def _term(key: str, label: str | None = None):
    from markupsafe import Markup

    from ...core.text.glossary import term

    return Markup(term(key, label))


def _constraints(task: str, examples: list[tuple[str, str, float, str]] | None = None) -> list[dict[str, str]]:
    from ...core.text import format as fmt

    def shown(v: float) -> str:
        return fmt.percent(v, 0) if 0 < v < 1 else fmt.count(v)

    return [{"text": f"{m}{op}{v:g}", "words": words.format(shown(v))}
            for m, op, v, words in (CONSTRAINT_EXAMPLES[task] if examples is None else examples)]


def _fraud_demo_constraints() -> list[dict[str, str]]:
    """The fraud demo's own constraint and review capacity as the examples (the page's facts quote the same)."""
    from ...core import demo
    from ...core.tasks.constraints import parse_constraint

    c = parse_constraint(demo.FRAUD_CONSTRAINT)
    words = dict((m, w) for m, _, _, w in CONSTRAINT_EXAMPLES["binary"])
    return _constraints("binary", [(c.metric, c.op, c.bound, words.get(c.metric, "{}")),
                                   ("alerts_per_day", "<=", demo.FRAUD_REVIEW_CAPACITY_PER_DAY, words["alerts_per_day"])])


def _one(unit: str) -> str:
    """'minutes' -> 'minute' for 'cost per minute too low'; other units as given."""
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") and len(unit) > 3 else unit


def _metric_words(metric: str | None) -> Any:
    """A learning curve's scorer in words (with hover help where the glossary has it)."""
    if metric in (None, "roc_auc"):
        return _term("roc_auc", "ROC AUC")
    if metric == "neg_mean_absolute_error":
        return "the typical miss, MAE"
    return metric.replace("neg_", "").replace("_", " ")


def _context_values(stage: str, task: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Words that depend on what a section measured: ``curve`` (the learning curve) and ``noise`` (label noise)."""
    out: dict[str, Any] = {}
    if stage == "data":
        out["measured"] = task == "binary"
        out["metric_words"] = _metric_words(None)
        # a result, or an on-demand panel that measures it (it has steps to run): not a message saying why it cannot
        if "curve" in context:
            curve = context["curve"]
            out["measured"] = hasattr(curve, "to_record") or hasattr(curve, "steps")
            out["metric_words"] = _metric_words(getattr(curve, "metric", None))
        if "noise" in context:
            out["measured"] = hasattr(context["noise"], "to_record") or hasattr(context["noise"], "steps")
    return out


def _stage_values(stage: str, task: str) -> dict[str, Any]:
    """Facts a stage's words quote, read from the package's own constants (imported only for that stage)."""
    from ...core.text import format as fmt

    if stage != "monitoring":
        return {}
    from ...core.monitoring.settings import DEFAULT_TRIGGERS, NULL_MARKERS, SENTINELS

    triggers = DEFAULT_TRIGGERS
    values: dict[str, Any] = {}
    if task == "multiclass":
        from ...core.monitoring.multiclass import DEFAULT_MC_TRIGGERS as triggers
    elif task == "regression":
        from ...core.monitoring.regression import BAND_Z, DEFAULT_REGRESSION_TRIGGERS as triggers

        values["band_z"] = fmt.number(BAND_Z, 0)
    markers = sorted(m for m in NULL_MARKERS if m in ("", "n/a", "?"))
    values.update(triggers=list(triggers), null_markers=[repr(m.upper() if m == "n/a" else m) for m in markers],
                  sentinels=[fmt.number(s, 0).replace(",", "") for s in SENTINELS[:1]])
    return values


def template_values(stage: str, task: str, project: Any = None, **extra: Any) -> dict[str, Any]:
    """Everything a guide template may quote: formatting helpers, the confidence level, the project's words.

    ``project`` (a :class:`~aipm_widgets.core.project.ProjectData`, or None) gives ``name``, ``currency``,
    ``unit`` (what one row is), ``positive`` (the positive label in words), ``label``; ``extra`` overrides any.
    """
    from ...core.text import format as fmt

    values: dict[str, Any] = {
        "percent": fmt.percent, "count": fmt.count, "money": fmt.money, "number": fmt.number,
        "threshold": fmt.threshold, "term": _term,
        "level": fmt.percent(_confidence_level(), 0),
        "name": "the product", "currency": "EUR", "unit": {"binary": "cases", "multiclass": "tickets",
                                                           "regression": "units"}[task],
        "rows": {"binary": "cases", "multiclass": "tickets", "regression": "estimates"}[task],
        "positive": "positive", "label": "the label", "volume": None, "is_demo": False,
        "constraints": _constraints(task),
    }
    values.update(_stage_values(stage, task))
    if project is not None:
        values.update(_project_values(project, task))
    context = {k: extra.pop(k) for k in ("curve", "noise") if k in extra}
    values.update(_context_values(stage, task, context))
    values.update(extra)
    values.setdefault("unit_one", _one(str(values["unit"])))
    return values


def _project_values(project: Any, task: str) -> dict[str, Any]:
    cols = getattr(project, "columns", None)
    out: dict[str, Any] = {"name": getattr(project, "name", None) or "the product",
                           "currency": getattr(project, "currency", None) or "EUR",
                           "volume": getattr(project, "volume_per_day", None),
                           "is_demo": bool(getattr(project, "is_demo", False))}
    if task == "binary" and out["is_demo"] and getattr(project, "example", None) in (None, "fraud"):
        out["constraints"] = _fraud_demo_constraints()
    unit = getattr(project, "target_unit", None) if task == "regression" else getattr(project, "unit", None)
    if not unit and out["is_demo"] and hasattr(project, "demo"):
        try:
            unit = project.demo().unit
        except Exception:  # noqa: BLE001 - a demo without a unit keeps the task's default word
            unit = None
    if unit:
        out["unit"] = str(unit)
        if task == "multiclass":
            out["rows"] = str(unit)
    label = getattr(cols, "label", None)
    if label:
        out["label"] = str(label)
    pos = getattr(cols, "positive", None)
    if task == "binary":
        if getattr(project, "example", None) in (None, "fraud") and out["is_demo"]:
            out["positive"] = "fraud"
        elif pos is not None and not isinstance(pos, (bool, int, float)):
            out["positive"] = str(pos)
    return out


def _task_of(project: Any) -> str:
    task = getattr(project, "task", None) or "binary"
    return task if task in TASKS else "binary"


# ---------------------------------------------------------------------------------------------- rendering
def guide_html(stage: str, task: str, section: str, *, project: Any = None, **values: Any) -> str:
    """One section of a stage's guide for a task, as HTML (variables escaped)."""
    body = _template(stage, task, section).render(**template_values(stage, task, project, **values))
    return (f"<div class='aipm-guide aipm-guide-{html.escape(stage)}-{html.escape(section)}' "
            f"data-task='{html.escape(task)}' style='font-size:14px;line-height:1.45;max-width:980px'>{body}</div>")


def how_to_read_html(stage: str, task: str, *, project: Any = None, open: bool = False, **values: Any) -> str:
    """The stage's "How to read it" for a task, as a collapsible block a widget shows next to its charts."""
    body = _template(stage, task, "read").render(**template_values(stage, task, project, **values))
    return (f"<details class='aipm-how-to-read' data-task='{html.escape(task)}'{' open' if open else ''}>"
            f"<summary><b>{HOW_TO_READ_TITLE}</b></summary><div style='font-size:13px;line-height:1.45;max-width:980px'>{body}</div>"
            "</details>")


def plain_text(stage: str, task: str, section: str, **values: Any) -> str:
    """A section's words without markup (for a constant, a command-line line or a test)."""
    body = _template(stage, task, section).render(**template_values(stage, task, None, **values))
    body = re.sub(r"<sup[^>]*>\?</sup>", "", body)
    body = re.sub(r"</?(p|li|ul|h4|div|br)\b[^>]*>", " ", body)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))).strip()


def guide(stage: str, project: Any, section: str, **context: Any):
    """A notebook's task-dependent words: one section of the stage's guide for the project's task, as a widget.

    ``project`` is the page's project (:func:`aipm_widgets.widgets.pages.open_project`); when it is a message
    widget (the record could not be read) nothing is shown, the message already says why. ``context`` passes what
    a section measured when its words depend on it (stage 3: ``curve=``, ``noise=``).

    Examples
    --------
    >>> from aipm_widgets.widgets.guides import guide_html
    >>> "confidence" in guide_html("metrics", "multiclass", "how").lower()
    True
    """
    import ipywidgets as W

    if project is None or isinstance(project, W.Widget):
        return W.HTML("")
    from ...core.errors import AipmError

    task = _task_of(project)
    try:
        text = guide_html(stage, task, section, project=project, **context)
    except AipmError as exc:
        return W.HTML(f"<div class='aipm-guide-error'>{html.escape(str(exc))}</div>")
    widget = W.HTML(text)
    widget.add_class("aipm-guide")
    return widget

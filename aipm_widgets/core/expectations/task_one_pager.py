"""What the one-pagers of a routing (multiclass) and a forecast (regression) model share: text, layout, export.

The binary one-pager (:mod:`.one_pager`) speaks of alerts, catches and false alarms. A model that routes
tickets to teams, or estimates a delivery time, needs other words and other numbers, but the same page: what
it does and does not do, the decision (a confidence threshold, a tolerance) and what happens on each side of
it, how often it is right with 95% intervals, and its known failure modes. :class:`TaskOnePager` holds the
team's text and renders the page; :class:`~.routing_one_pager.RoutingOnePager` and
:class:`~.forecast_one_pager.ForecastOnePager` supply the numbers and their sentences.

A number written here comes from a :class:`Measure`; its display goes through :mod:`..text.format` (shares)
or :func:`frequency_phrase` (natural frequencies), so the page and the record never disagree.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AipmError
from ..text import format as fmt
from .one_pager import frequency_phrase, markdown_escape, text_changes

__all__ = ["Measure", "TaskOnePager", "TEXT_FIELDS", "share_sentence"]

TEXT_FIELDS = ("title", "does", "does_not", "failure_modes", "above_threshold", "below_threshold")
"""The fields the team writes; saved in ``expectations.one_pager`` and reused when the page is opened again."""


@dataclass(frozen=True)
class Measure:
    """One number on the one-pager: its value, 95% interval, how it was measured and its sentence.

    ``kind`` is ``share`` (a proportion, ``k`` of ``n``, shown as a percentage) or ``amount`` (in ``unit``).
    """

    key: str
    label: str
    value: float
    low: float | None
    high: float | None
    sentence: str
    kind: str = "share"
    unit: str | None = None
    k: int | None = None
    n: int | None = None
    method: str = "wilson"

    def display(self, x: float | None = None) -> str:
        """``x`` (default: the value) as the page writes it: '95.8%' or '6.12 minutes'."""
        x = self.value if x is None else x
        if self.kind == "share":
            return fmt.percent(x)
        return f"{fmt.number(x, 2)} {self.unit}" if self.unit else fmt.number(x, 2)

    def interval_text(self) -> str:
        return fmt.interval(self.low, self.high, self.display)

    def to_dict(self) -> dict[str, Any]:
        def clean(x: Any) -> float | None:
            return None if x is None or not math.isfinite(float(x)) else round(float(x), 6)

        out = {"label": self.label, "value": clean(self.value), "low": clean(self.low), "high": clean(self.high),
               "sentence": self.sentence, "method": self.method, "kind": self.kind}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.k is not None:
            out.update(k=int(self.k), n=int(self.n or 0))
        return out


def share_sentence(value: float, low: float | None, high: float | None, template: str, *, none: str,
                   zero: str | None = None) -> str:
    """``template`` filled with the share as a natural frequency (``{main}``) and its interval (``{span}``).

    ``none`` is said when the share cannot be measured (no rows); ``zero`` (with ``{span}``) when it is 0.

    >>> share_sentence(0.06, 0.05, 0.07, "About {main} estimates are too low ({span}).", none="-")
    'About 1 in 17 estimates are too low (between 1 in 20 and 1 in 14).'
    """
    if value is None or not math.isfinite(value):
        return none
    main, span = frequency_phrase(value, math.nan if low is None else low, math.nan if high is None else high)
    if value == 0 and zero is not None:
        return zero.format(span=span)
    return template.format(main=main, span=span)


_BODY_TEMPLATE = """<div class="aipm-one-pager aipm-one-pager-{{ p.task }}">
<h1>{{ p.title }}</h1>
<p class="muted">Numbers {{ p.source }}. Every number carries its 95% interval: the true value is very likely inside it.</p>
{% if provisional %}<p class="aipm-provisional" style="background:#fff4d6;border-left:4px solid #e6a100;padding:4px 8px"><b>Provisional:</b> {{ provisional }}</p>{% endif %}
<h2>What it does</h2><ul>{% for item in p.does %}<li>{{ item }}</li>{% endfor %}</ul>
<h2>What it does not do</h2><ul>{% for item in p.does_not %}<li>{{ item }}</li>{% endfor %}</ul>
<h2>{{ decision_heading }}</h2>
<p class="aipm-decision">{{ decision }}</p>
<ul><li><b>{{ labels[0] }}:</b> {{ p.above_threshold }}</li>
<li><b>{{ labels[1] }}:</b> {{ p.below_threshold }}</li></ul>
<h2>How often it is right and wrong</h2>
<p class="aipm-headline" style="font-size:15px"><b>{{ headline }}</b></p>
{% for m in measures %}<p class="rate">{{ m.sentence }}{% if m.k is not none %} <span class="muted">Measured: {{ "{:,}".format(m.k) }} of {{ "{:,}".format(m.n) }}.</span>{% endif %}</p>{% endfor %}
{% if table %}<table class="aipm-one-pager-table" style="border-collapse:collapse;margin:6px 0">
<tr>{% for h in table[0] %}<th style="text-align:left;padding:2px 10px;border-bottom:1px solid #ccc">{{ h }}</th>{% endfor %}</tr>
{% for row in table[1] %}<tr>{% for cell in row %}<td style="padding:2px 10px">{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}
{% for n in notes %}<p class="muted">{{ n }}</p>{% endfor %}
<h2>Known failure modes</h2><ul>{% for item in p.failure_modes %}<li>{{ item }}</li>{% endfor %}</ul>
</div>"""


@dataclass(kw_only=True)
class TaskOnePager:
    """The team's text of a one-pager and its rendering; subclasses add the numbers (see the module docstring)."""

    title: str = "What the model will and will not do"
    does: list[str] = field(default_factory=list)
    does_not: list[str] = field(default_factory=list)
    failure_modes: list[str] = field(default_factory=list)
    above_threshold: str = ""
    below_threshold: str = ""
    source: str = "measured on the data given"
    provisional: bool = False
    row_noun: str = "cases"

    task = "task"
    has_icon_array = False

    def _clean_text(self) -> None:
        for name in ("does", "does_not", "failure_modes"):
            setattr(self, name, [str(x) for x in getattr(self, name) if str(x).strip()])

    def with_text(self, **changes: Any) -> "TaskOnePager":
        """A copy with the team's text changed (lists given as lists or as one item per line)."""
        return dataclasses.replace(self, **text_changes(changes, {*TEXT_FIELDS, "source"}))

    # ----- what a subclass supplies ---------------------------------------------------------------
    decision_heading = "The decision, and what happens on each side of it"

    def decision_sentence(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def editor_labels(self) -> tuple[str, str]:
        """The two sides of the decision as the page and the editor name them."""
        raise NotImplementedError  # pragma: no cover - abstract

    def provisional_sentence(self) -> str | None:
        return None

    @property
    def measures(self) -> dict[str, Measure]:  # pragma: no cover - abstract
        raise NotImplementedError

    def headline(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def shown_measures(self) -> list[Measure]:
        return list(self.measures.values())

    def table(self) -> tuple[list[str], list[list[str]]] | None:
        return None

    def notes(self) -> list[str]:
        return []

    def summary(self) -> str:
        """One sentence for the record's section summary."""
        return self.headline()

    def _record_extra(self) -> dict[str, Any]:
        return {}

    def _decision_key(self) -> tuple:
        """What stage 4 decides for this task (compared with a saved one-pager's)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _saved_decision_key(self, saved: Any) -> tuple:
        raise NotImplementedError  # pragma: no cover - abstract

    def decision_words(self) -> str:
        """The decision in a few words ('confidence threshold 0.7', 'tolerance ±10%, no offset')."""
        raise NotImplementedError  # pragma: no cover - abstract

    def review_note(self, saved: Any) -> str | None:
        """A sentence when the one-pager saved in the record (``expectations.one_pager``) no longer quotes these
        numbers: saved while provisional, or at another decision than stage 4's. None when it is current."""
        if saved is None or (getattr(saved, "task", None) or "binary") != self.task or self.provisional:
            return None
        if getattr(saved, "provisional", None) or self._saved_decision_key(saved) != self._decision_key():
            return (f"The one-pager saved in the record was written {'while provisional' if saved.provisional else 'at another decision'}; "
                    f"stage 4 (metric selection) has decided {self.decision_words()}. Save it again so stakeholders see "
                    "the decided numbers.")
        return None

    # ----- export -------------------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """The content for the record's ``expectations.one_pager`` (full precision)."""
        return {
            "task": self.task,
            "title": self.title,
            "does": list(self.does),
            "does_not": list(self.does_not),
            "failure_modes": list(self.failure_modes),
            "above_threshold": self.above_threshold,
            "below_threshold": self.below_threshold,
            "error_rates": {k: m.to_dict() for k, m in self.measures.items()},
            "natural_frequencies": {"sentence": self.headline()},
            "source": self.source,
            "provisional": bool(self.provisional),
            **self._record_extra(),
        }

    def to_html_fragment(self, *, per: int | None = None) -> str:
        """The one-pager as an HTML fragment; every text autoescaped by jinja2 (``per`` is ignored: no icon array)."""
        import jinja2

        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        return env.from_string(_BODY_TEMPLATE).render(
            p=self, provisional=self.provisional_sentence() if self.provisional else None,
            decision_heading=self.decision_heading, decision=self.decision_sentence(), labels=self.editor_labels(),
            headline=self.headline(), measures=self.shown_measures(), table=self.table(), notes=self.notes())

    def to_html(self, *, per: int | None = None) -> str:
        """A standalone HTML page (its Content-Security-Policy allows no scripts)."""
        import jinja2
        from markupsafe import Markup

        from .one_pager import _HTML_TEMPLATE

        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        return env.from_string(_HTML_TEMPLATE).render(title=self.title, body=Markup(self.to_html_fragment()))

    def _repr_html_(self) -> str:
        return self.to_html_fragment()

    def to_markdown(self, *, per: int | None = None) -> str:
        """The one-pager as Markdown; every user-typed text is escaped."""
        m = markdown_escape
        above, below = self.editor_labels()
        lines = [
            f"# {m(self.title)}", "",
            f"_Numbers {m(self.source)}. Every number carries its 95% interval: the true value is very likely inside it._", "",
        ]
        if self.provisional and self.provisional_sentence():
            lines += [f"**Provisional:** {m(self.provisional_sentence())}", ""]
        lines += ["## What it does", *[f"- {m(x)}" for x in self.does], "",
                  "## What it does not do", *[f"- {m(x)}" for x in self.does_not], "",
                  f"## {m(self.decision_heading)}", m(self.decision_sentence()), "",
                  f"- **{m(above)}:** {m(self.above_threshold)}", f"- **{m(below)}:** {m(self.below_threshold)}", "",
                  "## How often it is right and wrong", f"**{m(self.headline())}**", ""]
        for x in self.shown_measures():
            measured = f" Measured: {x.k:,} of {x.n:,}." if x.k is not None else ""
            lines.append(f"- {m(x.sentence)}{measured}")
        table = self.table()
        if table:
            head, rows = table
            lines += ["", "| " + " | ".join(m(h) for h in head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(m(c) for c in row) + " |" for row in rows]
        lines += ["", *[f"_{m(n)}_" for n in self.notes()], "", "## Known failure modes",
                  *[f"- {m(x)}" for x in self.failure_modes], ""]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def export(self, path: str | os.PathLike, *, per: int | None = None) -> Path:
        """Write the one-pager to ``path`` (``.html``/``.htm`` or ``.md``), atomically."""
        from ..record.storage import atomic_write_text

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            text = self.to_html()
        elif suffix in (".md", ".markdown"):
            text = self.to_markdown()
        else:
            raise AipmError(f"{path.name}: export the one-pager as .html or .md, not {suffix or 'a file without extension'}.")
        return atomic_write_text(path, text)

    def __str__(self) -> str:
        lines = [f"{self.title} ({self.source})", self.decision_sentence(), self.headline()]
        if self.provisional and self.provisional_sentence():
            lines.insert(1, "Provisional: " + self.provisional_sentence())
        return "\n".join(lines + [x.sentence for x in self.shown_measures()])


def saved_text(record: Any, task: str) -> dict[str, Any]:
    """The team's text of a one-pager saved for ``task`` in ``record`` (only fields it really holds)."""
    op = getattr(getattr(record, "expectations", None), "one_pager", None)
    if op is None or (getattr(op, "task", None) or "binary") != task:
        return {}
    return {k: getattr(op, k) for k in TEXT_FIELDS if k in op.model_fields_set and getattr(op, k, None) is not None}

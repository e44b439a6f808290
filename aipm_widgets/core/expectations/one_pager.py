"""The stakeholder one-pager: what the model does and does not do, and its errors, from measured numbers.

"AI is not magic": before launch the team writes down, for the people who will live with the model,
what it does, what it does not do, how it is known to fail, the threshold at which it acts and what
happens on either side of it, and how often it is wrong, each rate with its 95% interval, in words
("about 1 in 9 alerts is real fraud (between 1 in 11 and 1 in 7)") and as a natural-frequency icon array.

The numbers come from stage 4's decision when the decision record has one (threshold and confusion
counts), otherwise they are measured on the demo's fraud validation data. Exports (HTML through jinja2
with autoescaping, Markdown with every user-typed character escaped) are written atomically.

Examples
--------
>>> pager = OnePager.from_counts(tp=16, fp=125, tn=855, fn=4, threshold=0.3)
>>> pager.rates["precision"].sentence
'About 1 in 9 alerts is real fraud (between 1 in 14 and 1 in 6).'
>>> "&lt;b&gt;" in pager.with_text(does=["<b>x</b>"]).to_html()
True
"""

from __future__ import annotations

import dataclasses
import html
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AipmError, InputDataError
from ..text.format import threshold as fmt_threshold
from ..stats.intervals import NaturalFrequencies, natural_frequencies, wilson_interval

__all__ = [
    "ErrorRate",
    "OnePager",
    "frequency_phrase",
    "markdown_escape",
    "icon_cells",
    "icon_array_svg",
    "DEMO_DOES",
    "DEMO_DOES_NOT",
    "DEMO_FAILURE_MODES",
]

DEMO_DOES = [
    "Scores every card payment for how likely it is to be fraud, while the payment is being authorised.",
    "Sends payments scoring at or above the threshold to the fraud team's review queue.",
    "Ranks the queue so analysts see the riskiest payments first.",
]
DEMO_DOES_NOT = [
    "It does not block or decline a payment by itself: an analyst decides.",
    "It does not prove fraud: most alerts are legitimate payments.",
    "It does not catch every fraud: many frauds score below the threshold and are found later through chargebacks.",
    "It does not know fraud patterns that appeared after its training data (January to March 2025).",
]
DEMO_FAILURE_MODES = [
    "New fraud patterns (for example card testing with small contactless payments) score as safe until the model is retrained.",
    "A shift in the shopping mix (holiday season, more online payments) moves scores, and alert volume can jump.",
    "Fraud labels arrive 10 to 90 days late, so a fall in the catch rate is seen weeks after it starts.",
    "Older customers (65+) and new customers are flagged more often: check false alarms by age band.",
]
DEMO_ABOVE = "An analyst reviews the payment (target: within the hour) and calls the customer before declining anything."
DEMO_BELOW = (
    "The payment goes through without review. A random 1% sample of payments below the threshold is reviewed by a "
    "person each week to measure what the model misses."
)

ICON_COLOURS = {"caught": "#1e7a3c", "missed": "#c0392b", "false_alarm": "#e6a100", "passed": "#d9dde3"}
ICON_LEGEND = {
    "caught": "caught (real {positive}, alerted)",
    "missed": "missed (real {positive}, no alert)",
    "false_alarm": "false alarms (not {positive}, alerted)",
    "passed": "correctly passed (not {positive}, no alert)",
}


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))


def frequency_phrase(value: float, low: float, high: float) -> tuple[str, str]:
    """A proportion and its interval in natural frequencies: ``("1 in 9", "between 1 in 13 and 1 in 6")``.

    Rare events read as "1 in N"; common ones as "K in 100".

    Examples
    --------
    >>> frequency_phrase(0.113, 0.078, 0.16)
    ('1 in 9', 'between 1 in 13 and 1 in 6')
    >>> frequency_phrase(0.62, 0.55, 0.69)
    ('62 in 100', 'between 55 and 69 in 100')
    """
    if not math.isfinite(value):
        return ("unknown", "not measurable on this data")
    # Wilson's lower bound for 0 events is 0 up to rounding: say "almost none", not "1 in 10^17".
    low = 0.0 if math.isfinite(low) and low < 1e-9 else low
    if value < 0.3 and not (math.isfinite(high) and high >= 0.3):

        def one_in(p: float) -> str:
            if p <= 0:
                return "almost none"
            return f"1 in {_round(1 / p):,}"

        main = one_in(value) if value > 0 else "none"
        if math.isfinite(low) and math.isfinite(high):
            lo_txt = "almost none" if low <= 0 else one_in(low)
            if len({main, lo_txt, one_in(high)}) == 3 or value == 0:
                return (main, f"between {lo_txt} and {one_in(high)}")
            # "1 in N" too coarse to show the interval (e.g. 1 in 5 to 1 in 4): fall back to "K in 100".
        else:
            return (main, "interval unknown")
    main = f"{_round(value * 100)} in 100"
    if math.isfinite(low) and math.isfinite(high):
        return (main, f"between {_round(low * 100)} and {_round(high * 100)} in 100")
    return (main, "interval unknown")


@dataclass(frozen=True)
class ErrorRate:
    """One error rate: ``k`` of ``n``, its 95% interval and a sentence for stakeholders."""

    key: str
    label: str
    value: float
    low: float
    high: float
    k: int
    n: int
    sentence: str
    method: str = "wilson"

    def to_dict(self) -> dict[str, Any]:
        def clean(x: float) -> float | None:
            return None if not math.isfinite(x) else round(float(x), 6)

        return {
            "label": self.label, "value": clean(self.value), "low": clean(self.low), "high": clean(self.high),
            "k": self.k, "n": self.n, "sentence": self.sentence, "method": self.method,
        }


_NOUNS = {
    "precision": "alerts", "recall": "{positive} cases", "miss_rate": "{positive} cases", "fpr": "{negative}",
    "alert_rate": "{unit}",
}


def _sentence(key: str, value: float, low: float, high: float, *, positive: str, unit: str, negative: str,
              k: int = -1, n: int = -1) -> str:
    noun = _NOUNS.get(key, "cases").format(positive=positive, negative=negative, unit=unit)
    if n == 0 or not math.isfinite(value):
        return f"Not measurable: there were no {noun} in the data."
    main, span = frequency_phrase(value, low, high)
    if k == 0 or (n > 0 and k == n):
        event = {"precision": "real " + positive, "recall": "caught", "miss_rate": "missed",
                 "fpr": "flagged by mistake", "alert_rate": "alerted"}.get(key, "counted")
        bound = high if k == 0 else low
        bound_txt = f"1 in {_round(1 / bound):,}" if 0 < bound < 0.3 else f"{_round(bound * 100)} in 100"
        limit = "up to" if k == 0 else "as low as"
        return f"{k:,} of {n:,} measured {noun} were {event}; the true rate could still be {limit} {bound_txt} ({span})."
    if key == "precision":
        verb = "is" if main.startswith("1 in") or main == "none" else "are"
        return f"About {main} alerts {verb} real {positive} ({span})."
    if key == "recall":
        return f"It catches about {main} {positive} cases ({span}); the rest are missed."
    if key == "miss_rate":
        return f"About {main} {positive} cases are missed: no alert is raised ({span})."
    if key == "fpr":
        verb = "is" if main.startswith("1 in") else "are"
        return f"About {main} {negative} {verb} flagged by mistake ({span})."
    if key == "alert_rate":
        verb = "raises" if main.startswith("1 in") else "raise"
        return f"About {main} {unit} {verb} an alert ({span})."
    return f"{key}: {main} ({span})."


def markdown_escape(text: Any) -> str:
    """Escape user text for Markdown: HTML is neutralised and Markdown syntax shown literally, on one line.

    Examples
    --------
    >>> markdown_escape("<img src=x onerror=alert(1)> *bold* [link](javascript:x)")
    '&lt;img src=x onerror=alert\\\\(1\\\\)&gt; \\\\*bold\\\\* \\\\[link\\\\]\\\\(javascript:x\\\\)'
    """
    s = " ".join(("" if text is None else str(text)).split())
    s = html.escape(s, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-!|~])", r"\\\1", s)


def icon_cells(nf: NaturalFrequencies) -> list[str]:
    """The icon array's cells in reading order: caught, missed, false alarms, then correctly passed."""
    return (
        ["caught"] * nf.caught
        + ["missed"] * nf.missed
        + ["false_alarm"] * nf.false_alarms
        + ["passed"] * (nf.per - nf.caught - nf.missed - nf.false_alarms)
    )


def icon_array_svg(nf: NaturalFrequencies, *, columns: int | None = None, size: int = 14, title: str = "") -> str:
    """An SVG icon array (one square per case) with a legend; every word is escaped."""
    columns = columns or (10 if nf.per <= 100 else 40)
    gap = 2
    cells = icon_cells(nf)
    rows = math.ceil(len(cells) / columns)
    width, height = columns * (size + gap), rows * (size + gap)
    rects = []
    for i, kind in enumerate(cells):
        x, y = (i % columns) * (size + gap), (i // columns) * (size + gap)
        rects.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="2" fill="{ICON_COLOURS[kind]}" class="icon-{kind}"/>')
    counts = {"caught": nf.caught, "missed": nf.missed, "false_alarm": nf.false_alarms, "passed": cells.count("passed")}
    legend = "".join(
        f'<span style="display:inline-block;margin-right:14px"><span style="display:inline-block;width:12px;height:12px;'
        f'background:{colour};border-radius:2px;vertical-align:middle"></span> {counts[k]:,} '
        f'{html.escape(ICON_LEGEND[k].format(positive=nf.positive_name))}</span>'
        for k, colour in ICON_COLOURS.items()
    )
    label = html.escape(title or f"Icon array: out of {nf.per:,} cases")
    return (
        f'<div class="aipm-icon-array"><svg role="img" aria-label="{label}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(rects)}</svg>'
        f'<div style="font-size:12px;margin-top:4px">{legend}</div></div>'
    )


_BODY_TEMPLATE = """<div class="aipm-one-pager">
<h1>{{ p.title }}</h1>
<p class="muted">Numbers {{ p.source }}. Every rate carries its 95% interval: the true rate is very likely inside it.</p>
{% if provisional %}<p class="aipm-provisional" style="background:#fff4d6;border-left:4px solid #e6a100;padding:4px 8px"><b>Provisional:</b> {{ provisional }}</p>{% endif %}
<h2>What it does</h2><ul>{% for item in p.does %}<li>{{ item }}</li>{% endfor %}</ul>
<h2>What it does not do</h2><ul>{% for item in p.does_not %}<li>{{ item }}</li>{% endfor %}</ul>
<h2>The threshold, and what happens on each side of it</h2>
<p>The model acts when its score is at least <b>{{ threshold }}</b>.</p>
<ul><li><b>At or above the threshold:</b> {{ p.above_threshold }}</li>
<li><b>Below the threshold:</b> {{ p.below_threshold }}</li></ul>
<h2>How often it is right and wrong</h2>
{% for r in rates %}<p class="rate">{{ r.sentence }} <span class="muted">Measured: {{ "{:,}".format(r.k) }} of {{ "{:,}".format(r.n) }}.</span></p>{% endfor %}
<h2>Out of every {{ nf.per }} {{ p.unit }}</h2>
<p>{{ nf_sentence }}</p>
{% if note %}<p class="muted">{{ note }}</p>{% endif %}
{{ icons }}
<h2>Known failure modes</h2><ul>{% for item in p.failure_modes %}<li>{{ item }}</li>{% endfor %}</ul>
</div>"""

_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:24px auto;color:#222;line-height:1.45}
h1{font-size:22px}h2{font-size:16px;margin-top:20px;border-bottom:1px solid #ddd}
.rate{margin:4px 0}.muted{color:#666;font-size:12px}</style></head>
<body>{{ body }}</body></html>
"""


def text_changes(changes: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """The team's text changes checked against ``allowed``; list fields typed as one item per line become lists."""
    unknown = set(changes) - allowed
    if unknown:
        raise AipmError(f"Cannot change {', '.join(sorted(unknown))}; text fields are {', '.join(sorted(allowed))}.")
    for key in ("does", "does_not", "failure_modes"):
        if isinstance(changes.get(key), str):
            changes[key] = [line.strip() for line in changes[key].splitlines() if line.strip()]
    return changes


@dataclass
class OnePager:
    """The one-pager's content and the measured numbers behind it.

    Build it with :meth:`from_counts`, :meth:`from_predictions`, :meth:`from_record` (stage 4's numbers
    when saved, else the demo's) or :meth:`from_demo`; change the team's text with :meth:`with_text`.
    """

    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    source: str = "measured on the data given"
    title: str = "What the fraud alert model will and will not do"
    does: list[str] = field(default_factory=lambda: list(DEMO_DOES))
    does_not: list[str] = field(default_factory=lambda: list(DEMO_DOES_NOT))
    failure_modes: list[str] = field(default_factory=lambda: list(DEMO_FAILURE_MODES))
    above_threshold: str = DEMO_ABOVE
    below_threshold: str = DEMO_BELOW
    positive_name: str = "fraud"
    negative_name: str = "legitimate payments"
    unit: str = "payments"
    interval_overrides: dict[str, tuple[float, float, str]] = field(default_factory=dict)
    provisional: bool = False  # measured at a threshold stage 4 (metric selection) has not decided yet

    def __post_init__(self) -> None:
        counts = [self.tp, self.fp, self.tn, self.fn]
        if any((not isinstance(c, (int, np.integer))) or c < 0 for c in counts):
            raise InputDataError(f"Confusion counts must be whole numbers >= 0, got tp={self.tp}, fp={self.fp}, tn={self.tn}, fn={self.fn}.")
        self.tp, self.fp, self.tn, self.fn = (int(c) for c in counts)
        if sum(counts) == 0:
            raise InputDataError("The one-pager needs at least one measured case; the confusion counts are all zero.")
        if self.tp + self.fn == 0:
            raise InputDataError("No real positives in the measured data: the catch rate cannot be measured. Use data with positives.")
        for name in ("does", "does_not", "failure_modes"):
            setattr(self, name, [str(x) for x in getattr(self, name) if str(x).strip()])

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def from_counts(cls, *, tp: int, fp: int, tn: int, fn: int, threshold: float, **text: Any) -> "OnePager":
        """From confusion counts at ``threshold``."""
        return cls(threshold=float(threshold), tp=tp, fp=fp, tn=tn, fn=fn, **text)

    @classmethod
    def from_predictions(cls, y_true: Any, y_score: Any, *, threshold: float, positive: Any = None, **text: Any) -> "OnePager":
        """Measure on labels and scores: a case raises an alert when its score is >= ``threshold``."""
        from ..io.inputs import binary_labels, same_length, scores

        y = binary_labels(y_true, positive=positive, name=getattr(y_true, "name", None) or "label")
        s = scores(y_score, name=getattr(y_score, "name", None) or "score")
        same_length(labels=y, scores=s)
        pred = s >= float(threshold)
        tp = int(np.sum(pred & (y == 1)))
        fp = int(np.sum(pred & (y == 0)))
        fn = int(np.sum(~pred & (y == 1)))
        tn = int(len(y) - tp - fp - fn)
        return cls.from_counts(tp=tp, fp=fp, tn=tn, fn=fn, threshold=threshold, **text)

    @classmethod
    def from_estimator(cls, estimator: Any, X: Any, y: Any, *, threshold: float, **kwargs: Any) -> "OnePager":
        """Score ``X`` with ``estimator.predict_proba`` and hand off to :meth:`from_predictions`."""
        return cls.from_predictions(y, np.asarray(estimator.predict_proba(X))[:, -1], threshold=threshold, **kwargs)

    @classmethod
    def from_demo(cls, threshold: float | None = None, **text: Any) -> "OnePager":
        """Measured on the demo's fraud validation data (April-May 2025, duplicates removed)."""
        from .. import demo

        # Read as numpy columns (one row per transaction, as drop_duplicates("transaction_id") keeps): page 02 of a
        # workshop that has not decided stage 4 shows this provisional one-pager before pandas is imported (0.3 s).
        table = demo.fraud_columns("validation", ("is_fraud", "score"))
        labeled = table.take(~np.isnan(table.is_fraud))
        t = demo.CARD_THRESHOLD if threshold is None else float(threshold)
        text.setdefault(
            "source",
            f"measured on the demo's fraud validation data (April-May 2025, {len(labeled):,} payments, duplicates "
            f"removed) at threshold {fmt_threshold(t)}",
        )
        return cls.from_predictions(labeled.is_fraud.astype(int), labeled.score, threshold=t, **text)

    @classmethod
    def from_record(cls, record: Any = None, *, provisional_threshold: float | None = None, **text: Any) -> "OnePager":
        """Stage 4's numbers from the decision record when saved, else the demo's; the team's saved text is reused.

        ``record`` is a :class:`~aipm_widgets.core.record.DecisionRecord`, a path, or None (no record).
        Saved text in ``expectations.one_pager`` fills any field not given in ``text``. Before stage 4 decides,
        the demo's numbers are measured at ``provisional_threshold`` (the page passes the threshold stage 4 will
        open at, so both pages quote one number; default the demo's ``CARD_THRESHOLD``) and marked provisional.
        """
        from ..record import DecisionRecord, load_record

        rec = record
        if rec is not None and not isinstance(rec, DecisionRecord):
            rec = load_record(rec, create=True)
        saved: dict[str, Any] = {}
        if rec is not None and rec.expectations.one_pager is not None:
            op = rec.expectations.one_pager
            # Only what the record really holds: a field an older one-pager never saved keeps its default,
            # while a list the team emptied on purpose stays empty.
            for key in ("title", "does", "does_not", "failure_modes", "above_threshold", "below_threshold"):
                value = getattr(op, key, None)
                if key in op.model_fields_set and value is not None:
                    saved[key] = value
        merged = {**saved, **text}
        metrics = rec.metrics if rec is not None else None
        if metrics is not None and metrics.threshold is not None and metrics.confusion is not None:
            c = metrics.confusion
            when = f" on {metrics.decided_at:%Y-%m-%d}" if metrics.decided_at else ""
            data = f", measured on {metrics.data_source}" if metrics.data_source else ""
            merged.setdefault("source", f"from stage 4 (metric selection) as saved in the decision record{when}{data}")
            overrides = {}
            aliases = {
                "precision": ("precision", "ppv"),
                "recall": ("recall", "tpr", "sensitivity"),
                "fpr": ("fpr", "false_positive_rate"),
                "alert_rate": ("alert_rate", "selection_rate"),
            }
            for key, names in aliases.items():
                mv = next((metrics.metrics[a] for a in names if a in metrics.metrics), None)
                if mv is not None and mv.low is not None and mv.high is not None and mv.value is not None:
                    overrides[key] = (float(mv.low), float(mv.high), mv.method or "stage 4")
            return cls.from_counts(tp=c.tp, fp=c.fp, tn=c.tn, fn=c.fn, threshold=metrics.threshold,
                                   interval_overrides=overrides, **merged)
        threshold = metrics.threshold if metrics is not None else None
        if threshold is not None:
            pager = cls.from_demo(threshold, **merged)
            pager.source += " (the threshold saved by stage 4; its confusion counts were not saved)"
            return pager
        # Before stage 4 decides, the threshold (and so every rate here) is provisional.
        return cls.from_demo(provisional_threshold, provisional=True, **merged)

    task = "binary"
    has_icon_array = True

    def editor_labels(self) -> tuple[str, str]:
        """The two sides of the threshold as the editor names them."""
        return (f"At or above the threshold ({fmt_threshold(self.threshold)}), what happens?",
                "Below the threshold, what happens? (who reviews, what passes)")

    def summary(self) -> str:
        """One sentence for the record's section summary."""
        state = " (provisional: stage 4 has not decided the threshold yet)" if self.provisional else ""
        return f"One-pager agreed{state}: threshold {fmt_threshold(self.threshold)}; " + self.rates["precision"].sentence

    def with_text(self, **changes: Any) -> "OnePager":
        """A copy with the team's text changed (lists given as lists or as one item per line)."""
        allowed = {"title", "does", "does_not", "failure_modes", "above_threshold", "below_threshold", "source",
                   "positive_name", "negative_name", "unit"}
        return dataclasses.replace(self, **text_changes(changes, allowed))

    # ----- numbers ------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def rates(self) -> dict[str, ErrorRate]:
        """precision, recall (catch rate), miss rate, false-positive rate and alert rate with intervals."""
        parts = {
            "precision": ("share of alerts that are real " + self.positive_name, self.tp, self.tp + self.fp),
            "recall": ("catch rate (recall)", self.tp, self.tp + self.fn),
            "miss_rate": ("miss rate", self.fn, self.tp + self.fn),
            "fpr": ("false-alarm rate among " + self.negative_name, self.fp, self.fp + self.tn),
            "alert_rate": ("alert rate", self.tp + self.fp, self.n),
        }
        out = {}
        for key, (label, k, n) in parts.items():
            value = k / n if n else math.nan
            low, high = wilson_interval(k, n)
            method = "wilson"
            if key in self.interval_overrides:
                low, high, method = self.interval_overrides[key]
            sentence = _sentence(key, value, low, high, positive=self.positive_name, unit=self.unit,
                                 negative=self.negative_name, k=int(k), n=int(n))
            out[key] = ErrorRate(key, label, value, float(low), float(high), int(k), int(n), sentence, method)
        return out

    def natural_frequencies(self, per: int = 1000) -> NaturalFrequencies:
        """The counts rescaled to ``per`` cases (100 or 1,000)."""
        if per not in (100, 1000):
            raise AipmError(f"The icon array shows 100 or 1,000 cases, not {per}.")
        return natural_frequencies(self.tp, self.fp, self.tn, self.fn, per=per, unit=self.unit, positive_name=self.positive_name)

    def rounding_note(self, per: int) -> str | None:
        """Say so when rounding to ``per`` cases hides a kind of outcome that does happen."""
        nf = self.natural_frequencies(per)
        hidden = [name for name, real, shown in (("caught", self.tp, nf.caught), ("missed", self.fn, nf.missed),
                                                 ("false alarms", self.fp, nf.false_alarms)) if real > 0 and shown == 0]
        if hidden:
            return (f"Out of only {per:,} {self.unit}, {' and '.join(hidden)} round to zero although they happen; "
                    "show 1,000 to see them.")
        return None

    # ----- export -------------------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """The content for the record's ``expectations.one_pager``."""
        nf = self.natural_frequencies(1000)
        return {
            "title": self.title,
            "does": list(self.does),
            "does_not": list(self.does_not),
            "failure_modes": list(self.failure_modes),
            "threshold": float(self.threshold),
            "above_threshold": self.above_threshold,
            "below_threshold": self.below_threshold,
            "error_rates": {k: r.to_dict() for k, r in self.rates.items()},
            "natural_frequencies": {
                "per": nf.per, "positives": nf.positives, "caught": nf.caught, "missed": nf.missed,
                "false_alarms": nf.false_alarms, "sentence": nf.sentence(),
            },
            "source": self.source,
            "task": "binary",
            "provisional": bool(self.provisional),
        }

    def provisional_sentence(self) -> str | None:
        """Why these numbers may change, in words (None once stage 4 has decided the threshold)."""
        if not self.provisional:
            return None
        return (f"stage 4 (metric selection) has not decided the threshold yet; these numbers are at "
                f"{fmt_threshold(self.threshold)} and will change when it does.")

    def review_note(self, saved: Any) -> str | None:
        """A sentence when the one-pager saved in the record (``expectations.one_pager``) no longer quotes these
        numbers: saved while provisional, or at another threshold than this one (stage 4's decided one), with the
        difference in the rates stakeholders were told. None when it is current, or when this one is provisional."""
        if saved is None or (getattr(saved, "task", None) or "binary") != "binary" or self.provisional:
            return None
        was = getattr(saved, "threshold", None)
        same = was is not None and fmt_threshold(float(was)) == fmt_threshold(self.threshold)
        if same and not getattr(saved, "provisional", None):
            return None
        told = []
        for key in ("precision", "recall"):
            er = (getattr(saved, "error_rates", None) or {}).get(key) or {}
            if er.get("value") is not None:
                told.append(f"{self.rates[key].label} {er['value']:.0%} (now {self.rates[key].value:.0%})")
        at = f"at threshold {fmt_threshold(float(was))}" if was is not None else "with no threshold"
        return (f"The one-pager saved in the record was written {at}{' while it was provisional' if getattr(saved, 'provisional', None) else ''}"
                f"; stage 4 (metric selection) has decided threshold {fmt_threshold(self.threshold)}"
                + (f". Stakeholders were told {', '.join(told)}" if told else "")
                + ". Save it again so they see the decided numbers.")

    def to_html_fragment(self, *, per: int = 1000) -> str:
        """The one-pager as an HTML fragment (for a widget or a notebook); every text autoescaped by jinja2."""
        import jinja2
        from markupsafe import Markup

        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        nf = self.natural_frequencies(per)
        rates = self.rates
        return env.from_string(_BODY_TEMPLATE).render(
            p=self,
            provisional=self.provisional_sentence(),
            threshold=fmt_threshold(self.threshold),
            rates=[rates[k] for k in ("precision", "recall", "fpr", "alert_rate")],
            nf={"per": f"{nf.per:,}"},
            nf_sentence=nf.sentence(),
            note=self.rounding_note(per),
            # icon_array_svg escapes every word it writes, so its output is marked safe.
            icons=Markup(icon_array_svg(nf)),
        )

    def to_html(self, *, per: int = 1000) -> str:
        """A standalone HTML page (jinja2, autoescaped; its Content-Security-Policy allows no scripts)."""
        import jinja2
        from markupsafe import Markup

        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        return env.from_string(_HTML_TEMPLATE).render(title=self.title, body=Markup(self.to_html_fragment(per=per)))

    def _repr_html_(self) -> str:
        return self.to_html_fragment()

    def to_markdown(self, *, per: int = 1000) -> str:
        """The one-pager as Markdown; every user-typed text is escaped."""
        m = markdown_escape
        rates = self.rates
        nf = self.natural_frequencies(per)
        lines = [
            f"# {m(self.title)}",
            "",
            f"_Numbers {m(self.source)}. Every rate carries its 95% interval: the true rate is very likely inside it._",
            "",
            *([f"**Provisional:** {m(self.provisional_sentence())}", ""] if self.provisional else []),
            "## What it does",
            *[f"- {m(x)}" for x in self.does],
            "",
            "## What it does not do",
            *[f"- {m(x)}" for x in self.does_not],
            "",
            "## The threshold, and what happens on each side of it",
            f"The model acts when its score is at least **{fmt_threshold(self.threshold)}**.",
            "",
            f"- **At or above the threshold:** {m(self.above_threshold)}",
            f"- **Below the threshold:** {m(self.below_threshold)}",
            "",
            "## How often it is right and wrong",
            *[f"- {m(rates[k].sentence)} Measured: {rates[k].k:,} of {rates[k].n:,}." for k in ("precision", "recall", "fpr", "alert_rate")],
            "",
            f"## Out of every {nf.per:,} {m(self.unit)}",
            m(nf.sentence()),
            "",
            "## Known failure modes",
            *[f"- {m(x)}" for x in self.failure_modes],
            "",
        ]
        return "\n".join(lines)

    def export(self, path: str | os.PathLike, *, per: int = 1000) -> Path:
        """Write the one-pager to ``path`` (``.html``/``.htm`` or ``.md``), atomically."""
        from ..record.storage import atomic_write_text

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            text = self.to_html(per=per)
        elif suffix in (".md", ".markdown"):
            text = self.to_markdown(per=per)
        else:
            raise AipmError(f"{path.name}: export the one-pager as .html or .md, not {suffix or 'a file without extension'}.")
        return atomic_write_text(path, text)

    def __str__(self) -> str:
        r = self.rates
        return "\n".join([f"{self.title} (threshold {fmt_threshold(self.threshold)}; {self.source})", *(r[k].sentence for k in ("precision", "recall", "fpr"))])

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

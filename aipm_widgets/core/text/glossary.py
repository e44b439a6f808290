"""The workbook's glossary: every technical term it shows, defined once in plain words.

Pages show a term with hover help (:func:`term`), list the terms they use at the end (:func:`glossary_html`,
built by :func:`terms_in` from the page's own text), and the brief ends with the same definitions
(:func:`entries`). A definition lives here and nowhere else, so a page, the command line and the brief
explain a word the same way.

Examples
--------
>>> define("fnr")
'False-negative rate (miss rate): of the real positives, the share the model does not flag.'
>>> [e.key for e in entries(terms_in("recall 80% and FPR 2% (Wilson interval)"))]
['recall', 'fpr', 'wilson', 'interval']
>>> "title=" in term("psi")
True
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Iterable

__all__ = ["GLOSSARY", "HELP_CSS", "HELP_STYLE", "Entry", "annotate_html", "define", "entries", "glossary_html", "glossary_markdown", "helped_terms",
           "term", "terms_in"]


@dataclass(frozen=True)
class Entry:
    key: str
    name: str
    definition: str
    pattern: str  # regular expression that finds the term in a page's text

    def sentence(self) -> str:
        return f"{self.name}: {self.definition}"


def _e(key: str, name: str, definition: str, pattern: str) -> Entry:
    return Entry(key, name, definition, pattern)


_ENTRIES = [
    _e("hax", "HAX guidelines",
       "Microsoft's 18 Human-AI Experience guidelines for how an AI feature should behave towards the people using it "
       "(make clear what it can do, how well, and how to correct it).", r"\bHAX\b"),
    _e("chi_square", "Chi-square test",
       "a test of whether counts per category differ from the counts expected; a small p-value means the difference "
       "is unlikely to be chance alone.", r"chi-?square|chi²|\bchi2\b"),
    _e("p_value", "p-value",
       "the chance of seeing a difference at least this large if there were really none; below 0.05 is usually "
       "called significant. Very small values are written \"p < 0.001\", never \"p = 0\".", r"\bp-value|\bp [<=] ?\d[\d.]*"),
    _e("confident_learning", "Confident learning",
       "a method that flags rows whose label disagrees with what a model trained on the other rows predicts "
       "confidently: candidates for a wrong label, to be checked by a person.", r"confident learning"),
    _e("roc_auc", "ROC AUC",
       "the chance that the model scores a random real positive above a random negative (0.5 is a coin toss, "
       "1.0 is perfect); it does not depend on the threshold.", r"\bROC[ _-]AUC\b|\bAUC\b"),
    _e("wasserstein", "Wasserstein distance",
       "how far a number column's values moved between two periods, in units of the reference's spread "
       "(0.1 or more is usually called drift).", r"Wasserstein"),
    _e("jensen_shannon", "Jensen-Shannon distance",
       "how different the shares of a category column are between two periods, from 0 (same) to 1 "
       "(no overlap); 0.1 or more is usually called drift.", r"Jensen[- ]?Shannon"),
    _e("psi", "PSI (population stability index)",
       "a drift score comparing a column's distribution across bins between two periods; under 0.1 stable, "
       "0.1 to 0.25 some change, over 0.25 a large shift.", r"\bPSI\b|population stability"),
    _e("threshold", "Threshold",
       "the score at or above which the model flags a case; a lower threshold catches more positives and raises "
       "more false alarms.", r"\bthresholds?\b"),
    _e("confusion_matrix", "Confusion matrix",
       "the four counts at one threshold: positives caught (true positives), false alarms (false positives), "
       "misses (false negatives) and cases rightly left alone (true negatives).", r"confusion matrix"),
    _e("precision", "Precision",
       "of the cases the model flags, the share that are real positives (how often an alert is right).",
       r"\bprecision\b"),
    _e("recall", "Recall (true-positive rate, TPR)",
       "of the real positives, the share the model flags (how many it catches).", r"\brecall\b"),
    _e("f1", "F1 score",
       "one number balancing precision and recall (their harmonic mean); high only when both are high.",
       r"\bF1\b"),
    _e("f_beta", "F-beta score",
       "like F1, but counting recall beta times as much as precision (beta = 2: misses matter more than false alarms).",
       r"\bF-?beta\b|\bFβ"),
    _e("fpr", "False-positive rate (FPR, false-alarm rate)",
       "of the real negatives, the share the model flags by mistake.", r"\bFPR\b|false[- ]positive rate|false-alarm rate"),
    _e("fnr", "False-negative rate (miss rate)",
       "of the real positives, the share the model does not flag.", r"\bFNR\b|false[- ]negative rate|miss rate"),
    _e("tpr", "True-positive rate (TPR)",
       "of the real positives, the share the model flags; the same number as recall.", r"\bTPR\b|true[- ]positive rate"),
    _e("selection_rate", "Selection rate",
       "the share of a group the model selects (flags, shortlists, approves), whatever their real outcome.",
       r"selection rate"),
    _e("four_fifths", "Four-fifths rule",
       "a screening rule from US hiring guidance: a group selected at under 80% of the reference group's rate "
       "may be treated unfairly and needs a closer look.", r"four-fifths|4/5 rule"),
    _e("equalized_odds", "Equalized-odds difference",
       "the largest gap between any two groups in true-positive rate or false-positive rate, in percentage points "
       "(0 means the model errs at the same rates for every group).", r"equali[sz]ed[- ]odds"),
    _e("demographic_parity", "Demographic-parity difference",
       "the gap between the highest and lowest selection rate of any two groups, in percentage points.",
       r"demographic[- ]parity"),
    _e("points", "Percentage points",
       "the difference between two percentages (30% vs 20% is 10 points apart; it is not a 10% difference).",
       r"(?<=\d )points?\b|percentage points?"),  # "22.2 points", not "one point higher"
    _e("wilson", "Wilson interval",
       "a 95% range for a rate measured on a limited number of rows (the Wilson score interval); the true rate "
       "lies inside it in 95 of 100 samples like this one. Narrower with more rows.", r"\bWilson\b"),
    _e("interval", "95% interval",
       "the range the true value most likely lies in, given how many rows it was measured on.",
       r"(?:\b95% )?\binterval\b"),
    _e("cbpe", "CBPE (confidence-based performance estimation)",
       "estimates recall and precision before labels arrive, from the model's own scores, assuming they are "
       "well calibrated.", r"\bCBPE\b|confidence-based performance"),
    _e("constraint", "Constraint syntax",
       "a rule a threshold must meet, written metric, comparison, number: \"fnr<=0.05\" means at most 5% of "
       "real positives may be missed; \"recall>=0.9\", \"alerts_per_day<=300\".", r"[a-z_]+\s*(<=|>=)\s*\d"),
    _e("reference_group", "Reference group",
       "the group every other group is compared with (by default the largest one).", r"reference group"),
]

GLOSSARY: dict[str, Entry] = {e.key: e for e in _ENTRIES}
"""Term key -> :class:`Entry`, in the order the brief lists them."""

_CASED = {"hax", "psi", "f1"}
_COMPILED = [(e, re.compile(e.pattern, re.IGNORECASE if e.key not in _CASED else 0)) for e in _ENTRIES]
_ANY_TERM = re.compile("|".join(f"(?:{e.pattern})" if e.key in _CASED else f"(?i:{e.pattern})" for e in _ENTRIES))
"""Any glossary term: most text between tags has none, and one search tells (a slider move annotates ~300 texts)."""


def define(key: str) -> str:
    """The one-sentence definition of ``key`` ("fnr"), starting with the term's name."""
    return GLOSSARY[key].sentence()


def terms_in(*texts: str) -> list[str]:
    """The glossary keys whose term appears in any of ``texts`` (HTML tags are ignored), in glossary order."""
    plain = re.sub(r"<[^>]+>", " ", " ".join(t for t in texts if t))
    return [e.key for e, rx in _COMPILED if rx.search(plain)]


def entries(keys: Iterable[str] | None = None) -> list[Entry]:
    """Entries for ``keys`` (all when None), in glossary order, unknown keys skipped."""
    wanted = None if keys is None else set(keys)
    return [e for e in _ENTRIES if wanted is None or e.key in wanted]


HELP_CSS = ".aipm-help:empty::after{content:'?'}"
"""Draws the "?" of an empty help mark (:func:`term` with ``drawn_mark``): seen on the page, yet not part of the text
a reader copies or a test reads ("threshold 0.07", not "threshold? 0.07")."""
HELP_STYLE = f"<style>{HELP_CSS}</style>"


def term(key: str, label: str | None = None, *, drawn_mark: bool = False) -> str:
    """HTML: the term with its definition on hover and a small "?" (both carry the definition as a tooltip).

    ``drawn_mark``: the "?" is drawn by :data:`HELP_CSS` (which the page must carry) instead of being a character.
    """
    e = GLOSSARY[key]
    tip = html.escape(e.sentence(), quote=True)
    text = html.escape(label if label is not None else e.name)
    return (f"<span class='aipm-term' data-term='{e.key}' title=\"{tip}\" style='border-bottom:1px dotted #777;"
            f"cursor:help'>{text}</span>"
            f"<sup class='aipm-help' title=\"{tip}\" style='cursor:help;color:#1d4b7a;font-size:10px;margin-left:1px'>"
            f"{'' if drawn_mark else '?'}</sup>")


_RAW = re.compile(r"<(script|style|textarea|title)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z][\w-]*)([^>]*)>")
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "source", "area", "base", "embed", "param", "track"}
_NO_HELP = {"a", "button", "code", "pre", "option", "select", "summary", "sup", "kbd", "samp", "svg"}
"""Inside these elements a term is left as it is (links and buttons have their own action; code is literal)."""
_CONSTRAINT = re.compile(r"\b[a-z_]+(?:\s*(?:<=|>=)\s*|[<>])-?[\d.]+", re.IGNORECASE)
_HELPED = re.compile(r"data-term=['\"]([a-z_0-9]+)['\"]")


def helped_terms(fragment: str) -> list[str]:
    """The glossary keys that carry hover help in an HTML fragment (made by :func:`term`)."""
    return list(dict.fromkeys(_HELPED.findall(fragment or "")))


def annotate_html(fragment: str, *, skip: Iterable[str] = (), style: bool = True) -> str:
    """``fragment`` (HTML) with the first mention of each glossary term given its hover help (:func:`term`).

    Only text between tags is touched (never attributes, scripts, styles, links, buttons or code), and the text is
    re-escaped, so annotating is safe on any HTML the workbook built from escaped user text. A term that already has
    its help in the fragment is not helped twice, so annotating twice changes nothing. ``skip``: keys to leave alone.
    The "?" is drawn by :data:`HELP_STYLE`, put in front of the fragment when it helped a term (``style=False``: the
    page carries :data:`HELP_CSS` itself).
    """
    if not fragment:
        return fragment
    done = set(helped_terms(fragment)) | set(skip)
    out: list[str] = []
    stack: list[str] = []  # open elements that switch help off, by name
    pos = 0
    for m in _RAW.finditer(fragment):
        out.append(_annotate_text(fragment[pos:m.start()], done) if not stack else fragment[pos:m.start()])
        token = m.group(0)
        out.append(token)
        pos = m.end()
        t = _TAG.match(token)
        if not t:
            continue
        closing, name, rest = t.group(1), t.group(2).lower(), t.group(3)
        if closing:
            if stack and stack[-1] == name:
                stack.pop()
        elif name not in _VOID and not rest.rstrip().endswith("/"):
            if stack or name in _NO_HELP or "aipm-term" in rest or "aipm-help" in rest:
                stack.append(name)
    out.append(_annotate_text(fragment[pos:], done) if not stack else fragment[pos:])
    result = "".join(out)
    if style and result != fragment and not result.startswith(HELP_STYLE):
        result = HELP_STYLE + result
    return result


_CACHED_TEXT_CHARS = 400
"""Texts up to this length (a widget's labels and numbers) are cached: at most 4,096 of them, under 2 MB."""


def _annotate_text(text: str, done: set[str]) -> str:
    if not text.strip():
        return text
    if len(text) > _CACHED_TEXT_CHARS:  # a long note or brief paragraph: annotated afresh, never held in memory
        return _annotate_uncached(text, done)
    out, added = _annotated(text, frozenset(done))
    done.update(added)
    return out


@functools.lru_cache(maxsize=4096)
def _annotated(text: str, done: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """``text`` with its terms helped, given the terms already helped before it, and the keys it helped.

    Cached: a widget re-renders the same labels on every slider move (about 300 texts a move)."""
    helped = set(done)
    out = _annotate_uncached(text, helped)
    return out, tuple(sorted(helped - done))


def _annotate_uncached(text: str, done: set[str]) -> str:
    raw = html.unescape(text)
    if not _ANY_TERM.search(raw):
        return text
    # A typed constraint ("fnr<=0.05") is code: its metric name gets no help of its own.
    hits = [(m.start(), m.end(), None) for m in _CONSTRAINT.finditer(raw)]
    for e, rx in _COMPILED:
        if e.key in done or e.key == "constraint":  # a constraint is code the user typed; its help is on the page
            continue
        m = next((m for m in rx.finditer(raw) if not any(m.start() < b and a < m.end() for a, b, _ in hits)), None)
        if m:
            hits.append((m.start(), m.end(), e.key))
    if not hits:
        return text
    hits = [h for h in hits if h[2] is not None]
    if not hits:
        return text
    parts, at = [], 0
    for a, b, key in sorted(hits):
        parts.append(html.escape(raw[at:a], quote=False))
        parts.append(term(key, raw[a:b], drawn_mark=True))
        done.add(key)
        at = b
    parts.append(html.escape(raw[at:], quote=False))
    return "".join(parts)


def glossary_html(keys: Iterable[str], *, title: str = "Words used here") -> str:
    """A collapsed list of the given terms with their definitions (empty string when there are none)."""
    items = entries(keys)
    if not items:
        return ""
    lis = "".join(f"<li><b>{html.escape(e.name)}</b>: {html.escape(e.definition)}</li>" for e in items)
    return (f"<details class='aipm-glossary' style='font-size:12px;color:#333;margin-top:6px'>"
            f"<summary style='cursor:pointer'>{html.escape(title)} ({len(items)})</summary><ul>{lis}</ul></details>")


def glossary_markdown(keys: Iterable[str] | None = None) -> list[str]:
    """Markdown bullet lines ``- **Term**: definition``."""
    return [f"- **{e.name}**: {e.definition}" for e in entries(keys)]

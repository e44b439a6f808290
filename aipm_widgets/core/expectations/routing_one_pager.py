"""The stakeholder one-pager of a routing model (multiclass): how many tickets it routes itself, and how well.

"Out of every 100 tickets, 72 are routed automatically; of those about 69 go to the right team; the other 28
go to a person." The numbers are counts at a **confidence threshold**: the automated rows' confusion matrix
(true class x routed class) and each class's rows. Stage 4 (metric selection) decides the threshold and saves
those counts in the record's ``metrics`` section; :meth:`RoutingOnePager.from_record` takes them from there.
Before stage 4 has decided, the page is measured at the threshold the data recommends and marked
**provisional**.

Proportions carry Wilson intervals (stage 4's saved intervals when the numbers come from the record).

Examples
--------
>>> import numpy as np
>>> pager = RoutingOnePager.from_counts(threshold=0.6, classes=["billing", "bug"],
...                                     matrix=[[60, 2], [3, 5]], support=[80, 20])
>>> pager.per_100
{'routed': 70, 'right': 65, 'misrouted': 5, 'to_person': 30}
>>> pager.headline()
'Out of every 100 tickets, 70 are routed automatically (between 60 and 78 in 100); of those, about 65 go to the right team and 5 to a wrong one (92.9% right, 95% interval 84.3% to 96.9%). The other 30 go to a person.'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import InputDataError
from ..stats.intervals import wilson_interval
from ..text import format as fmt
from .one_pager import _round
from .task_one_pager import Measure, TaskOnePager, saved_text, share_sentence

__all__ = ["RoutingOnePager", "ROUTING_DOES", "ROUTING_DOES_NOT", "ROUTING_FAILURE_MODES", "MAX_FOCUS", "STARTING_ACCURACY", "starting_threshold"]

MAX_FOCUS = 5
"""At most this many classes get a sentence of their own (every class is in the table)."""

STARTING_ACCURACY = 0.95
"""Before stage 4 decides, the one-pager starts at the lowest confidence where this share of routed rows is right."""

ROUTING_DOES = [
    "Reads every incoming {unit_one} and picks the {noun} it belongs to, with how sure it is (its confidence).",
    "Routes a {unit_one} straight to that {noun} when its confidence is at or above the threshold.",
]
ROUTING_DOES_NOT = [
    "It does not route every {unit_one}: below the threshold a person decides.",
    "It is not always right: some {unit} it routes go to the wrong {noun} and have to be passed on.",
    "It does not know {noun}s or topics that did not exist in its training data.",
]
ROUTING_FAILURE_MODES = [
    "A new kind of {unit_one} (a new product, an outage) is routed to the closest {noun} it knows, with high confidence.",
    "Rare {noun}s are learned from few examples: their {unit} are misrouted or sent to a person more often.",
]
ROUTING_ABOVE = "The {unit_one} goes straight to the chosen {noun}; a misrouted one is passed on by that {noun}."
ROUTING_BELOW = "A person reads the {unit_one} and routes it."


def _one(unit: str) -> str:
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") and len(unit) > 3 else unit


def default_text(unit: str = "tickets", noun: str = "team") -> dict[str, Any]:
    """The starting text of a routing one-pager, in the project's words (the team edits it)."""
    words = {"unit": unit, "unit_one": _one(unit), "noun": noun}
    return {
        "title": "What the routing model will and will not do",
        "does": [s.format(**words) for s in ROUTING_DOES],
        "does_not": [s.format(**words) for s in ROUTING_DOES_NOT],
        "failure_modes": [s.format(**words) for s in ROUTING_FAILURE_MODES],
        "above_threshold": ROUTING_ABOVE.format(**words),
        "below_threshold": ROUTING_BELOW.format(**words),
    }


def _wilson(k: int, n: int) -> tuple[float, float | None, float | None]:
    if n <= 0:
        return math.nan, None, None
    lo, hi = wilson_interval(k, n)
    return k / n, float(lo), float(hi)


@dataclass(kw_only=True)
class RoutingOnePager(TaskOnePager):
    """A routing model's one-pager: counts at a confidence threshold, sentences, per-class table.

    Build it with :meth:`from_counts`, :meth:`from_point` (a stage 4 :class:`~..tasks.routing.RoutingPoint`),
    :meth:`from_predictions` (labels and per-class probabilities) or :meth:`from_record`.
    """

    threshold: float
    classes: list[str]
    matrix: Any
    """Counts of the automated rows: true class (rows) x routed class (columns), scikit-learn's layout."""
    support: Any
    """Rows of each true class, automated or not."""
    focus: list[str] = field(default_factory=list)
    noun: str = "team"
    row_noun: str = "tickets"
    interval_overrides: dict[str, tuple[float, float, str]] = field(default_factory=dict)

    task = "multiclass"

    def __post_init__(self) -> None:
        self.classes = [str(c) for c in self.classes]
        k = len(self.classes)
        m = np.asarray(self.matrix)
        s = np.asarray(self.support)
        if k < 2 or m.shape != (k, k) or s.shape != (k,):
            raise InputDataError(f"A routing one-pager needs a {k} x {k} confusion matrix and {k} class counts for the "
                                 f"classes {', '.join(self.classes) or '(none)'}; got a matrix of shape {m.shape} and "
                                 f"{s.size} counts.")
        if not (np.all(np.isfinite(m)) and np.all(np.isfinite(s))) or (m < 0).any() or (s < 0).any() \
                or np.any(m != np.round(m)) or np.any(s != np.round(s)):
            raise InputDataError("The confusion matrix and class counts must be whole numbers of at least 0.")
        self.matrix, self.support = m.astype(int), s.astype(int)
        if (self.matrix.sum(1) > self.support).any():
            bad = self.classes[int(np.argmax(self.matrix.sum(1) - self.support))]
            raise InputDataError(f"More {bad} rows were routed automatically than there are {bad} rows: the confusion "
                                 "matrix and the class counts come from different data.")
        if self.n == 0:
            raise InputDataError("The one-pager needs at least one measured row; the class counts are all zero.")
        if not math.isfinite(float(self.threshold)):
            raise InputDataError(f"The confidence threshold must be a number, not {self.threshold!r}.")
        self.threshold = float(self.threshold)
        self.focus = [str(c) for c in self.focus if str(c) in self.classes][:MAX_FOCUS] or self._default_focus()
        self._clean_text()

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def from_counts(cls, *, threshold: float, classes: Sequence[str], matrix: Any, support: Any, **kwargs: Any) -> "RoutingOnePager":
        """From the automated rows' confusion matrix and each class's rows at ``threshold``."""
        unit, noun = kwargs.get("row_noun", "tickets"), kwargs.get("noun", "team")
        text = {**default_text(unit, noun), **kwargs}
        return cls(threshold=threshold, classes=list(classes), matrix=matrix, support=support, **text)

    @classmethod
    def from_point(cls, point: Any, *, provisional: bool = False, **kwargs: Any) -> "RoutingOnePager":
        """From stage 4's :class:`~aipm_widgets.core.tasks.routing.RoutingPoint` at its threshold."""
        pc = point.per_class
        kwargs.setdefault("row_noun", point.unit)
        return cls.from_counts(threshold=point.threshold, classes=point.classes, matrix=point.matrix,
                               support=pc["support"].to_numpy(), provisional=provisional, **kwargs)

    @classmethod
    def from_routing(cls, routing: Any, threshold: float | None = None, **kwargs: Any) -> "RoutingOnePager":
        """From a :class:`~aipm_widgets.core.tasks.routing.Routing`; without ``threshold``, at its recommended one,
        marked provisional (stage 4 decides the threshold)."""
        provisional = threshold is None
        why = None
        if threshold is None:
            threshold, why = starting_threshold(routing)
        pager = cls.from_point(routing.at(threshold, reps=0), provisional=provisional, **kwargs)
        if why:
            pager.source += f" at confidence {fmt.threshold(threshold)} ({why})"
        return pager

    @classmethod
    def from_predictions(cls, y_true: Any, proba: Any, *, threshold: float | None = None, prediction: Any = None,
                         **kwargs: Any) -> "RoutingOnePager":
        """Measure on labels and per-class probabilities (a DataFrame with one column per class)."""
        from ..tasks.routing import Routing

        return cls.from_routing(Routing(y_true, proba, prediction, unit=kwargs.get("row_noun", "tickets")), threshold,
                                **kwargs)

    @classmethod
    def from_record(cls, record: Any, routing: Any = None, *, data_source: str | None = None,
                    **text: Any) -> "RoutingOnePager":
        """Stage 4's confidence threshold and counts from the record when saved; else measured on ``routing`` at
        :func:`starting_threshold`, provisional. The team's saved text fills any field not given in ``text``.

        ``record`` is a :class:`~aipm_widgets.core.record.DecisionRecord`, a path, or None; ``data_source`` names
        ``routing``'s data in the provisional page's source line.
        """
        from ..record import DecisionRecord, load_record

        rec = record
        if rec is not None and not isinstance(rec, DecisionRecord):
            rec = load_record(rec, create=True)
        merged = {**(saved_text(rec, cls.task) if rec is not None else {}), **text}
        m = rec.metrics if rec is not None else None
        cm = getattr(m, "confusion_matrix", None) or {}
        per_class = getattr(m, "per_class", None) or {}
        if (m is not None and m.task == "multiclass" and m.threshold is not None and cm.get("classes")
                and cm.get("counts") is not None and all(c in per_class for c in cm["classes"])):
            classes = [str(c) for c in cm["classes"]]
            when = f" on {m.decided_at:%Y-%m-%d}" if m.decided_at else ""
            data = f", measured on {m.data_source}" if m.data_source else ""
            merged.setdefault("source", f"from stage 4 (metric selection) as saved in the decision record{when}{data}")
            overrides = {}
            for key in ("automation_rate", "accuracy_automated"):
                mv = m.metrics.get(key)
                if mv is not None and None not in (mv.value, mv.low, mv.high):
                    overrides[key] = (float(mv.low), float(mv.high), mv.method or "stage 4")
            focus = [c for c in _constraint_classes(m.constraints) if c in classes]
            return cls.from_counts(threshold=m.threshold, classes=classes, matrix=cm["counts"],
                                   support=[int(per_class[c].get("support") or 0) for c in classes],
                                   interval_overrides=overrides, focus=merged.pop("focus", focus), **merged)
        if routing is None:
            raise InputDataError("No routing decision in the record yet and no data to measure on: give the validation "
                                 "data (labels and per-class probabilities), or save the confidence threshold in stage 4.")
        if data_source:
            merged.setdefault("source", f"measured on {data_source}")
        return cls.from_routing(routing, **merged)

    # ----- numbers ------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self.support.sum())

    @property
    def n_automated(self) -> int:
        return int(self.matrix.sum())

    @property
    def n_right(self) -> int:
        return int(np.trace(self.matrix))

    @property
    def per_100(self) -> dict[str, int]:
        """Out of every 100 rows: routed automatically (right, misrouted) and to a person; largest remainders, sum 100."""
        parts = [x * 100 / self.n for x in (self.n_right, self.n_automated - self.n_right, self.n - self.n_automated)]
        floors = [int(math.floor(v)) for v in parts]
        order = np.argsort([-(v - f) for v, f in zip(parts, floors)], kind="stable")
        for i in order[: 100 - sum(floors)]:
            floors[i] += 1
        right, wrong, person = floors
        return {"routed": right + wrong, "right": right, "misrouted": wrong, "to_person": person}

    def _share(self, key: str, k: int, n: int) -> tuple[float, float | None, float | None, str]:
        value, low, high = _wilson(k, n)
        method = "wilson"
        if key in self.interval_overrides:
            low, high, method = self.interval_overrides[key]
        return value, low, high, method

    def per_class(self) -> list[dict[str, Any]]:
        """Per class: rows, routed automatically (share, interval), and recall of those (share reaching it, interval)."""
        out = []
        for i, c in enumerate(self.classes):
            rows, auto, right = int(self.support[i]), int(self.matrix[i].sum()), int(self.matrix[i, i])
            a, a_lo, a_hi = _wilson(auto, rows)
            r, r_lo, r_hi = _wilson(right, auto)
            out.append({"class": c, "rows": rows, "automated": auto, "right": right,
                        "automated_share": a, "automated_share_ci": [a_lo, a_hi], "recall": r, "recall_ci": [r_lo, r_hi]})
        return out

    def _default_focus(self) -> list[str]:
        """The classes worth a sentence: never routed automatically, then the lowest recall of the automated."""
        rows = self.per_class()
        never = [r["class"] for r in rows if r["rows"] > 0 and r["automated"] == 0]
        ranked = sorted((r for r in rows if r["automated"] > 0), key=lambda r: r["recall"])
        return (never + [r["class"] for r in ranked[:2]])[:MAX_FOCUS]

    @property
    def measures(self) -> dict[str, Measure]:
        u, noun = self.row_noun, self.noun
        out: dict[str, Measure] = {}
        v, lo, hi, method = self._share("automation_rate", self.n_automated, self.n)
        out["automation_rate"] = Measure(
            "automation_rate", "share routed automatically", v, lo, hi,
            share_sentence(v, lo, hi, f"About {{main}} {u} are routed automatically ({{span}}).", none="Not measurable."),
            k=self.n_automated, n=self.n, method=method)
        v, lo, hi, method = self._share("accuracy_automated", self.n_right, self.n_automated)
        out["accuracy_automated"] = Measure(
            "accuracy_automated", f"right {noun} among those routed automatically", v, lo, hi,
            share_sentence(v, lo, hi, f"About {{main}} of the {u} routed automatically go to the right {noun} ({{span}}).",
                           none=f"Not measurable: no {_one(u)} is routed automatically at this threshold."),
            k=self.n_right, n=self.n_automated, method=method)
        for r in self.per_class():
            if r["class"] not in self.focus:
                continue
            c = r["class"]
            lo, hi = r["recall_ci"]
            out[f"recall[{c}]"] = Measure(
                f"recall[{c}]", f"{c}: right among those routed automatically", r["recall"], lo, hi,
                share_sentence(r["recall"], lo, hi, f"{c}: of its {u} routed automatically, about {{main}} reach {c} ({{span}}).",
                               zero=f"{c}: none of its {fmt.count(r['automated'])} {u} routed automatically reach {c} "
                                    "(the true share is {span}).",
                               none=f"{c}: none of its {fmt.count(r['rows'])} {u} is routed automatically at this threshold; "
                                    "a person routes every one."),
                k=r["right"], n=r["automated"])
        return out

    def headline(self) -> str:
        f = self.per_100
        u, noun = self.row_noun, self.noun
        if self.n_automated == 0:
            return f"At this confidence threshold nothing is routed automatically: all {fmt.count(self.n)} {u} go to a person."
        a = self.measures["automation_rate"]
        acc = self.measures["accuracy_automated"]
        lo, hi = (fmt.as_number(a.low), fmt.as_number(a.high))
        # rounded as the natural-frequency sentences round (half up), so the headline and the sentence below agree
        span = (f"between {_round(lo * 100)} and {_round(hi * 100)} in 100" if lo is not None and hi is not None
                else "no interval")
        return (f"Out of every 100 {u}, {f['routed']} are routed automatically ({span}); of those, about {f['right']} go to "
                f"the right {noun} and {f['misrouted']} to a wrong one ({acc.display()} right, 95% interval "
                f"{acc.interval_text()}). The other {f['to_person']} go to a person.")

    def summary(self) -> str:
        state = " (provisional: stage 4 has not decided it yet)" if self.provisional else ""
        return f"One-pager agreed at confidence threshold {fmt.threshold(self.threshold)}{state}."

    # ----- words --------------------------------------------------------------------------------
    decision_heading = "The confidence threshold, and what happens on each side of it"

    def decision_sentence(self) -> str:
        return (f"The model routes a {_one(self.row_noun)} itself when its confidence in the chosen {self.noun} is at "
                f"least {fmt.threshold(self.threshold)}.")

    def editor_labels(self) -> tuple[str, str]:
        t = fmt.threshold(self.threshold)
        return (f"At or above confidence {t} (routed automatically)", f"Below confidence {t} (a person decides)")

    def provisional_sentence(self) -> str | None:
        return (f"stage 4 (metric selection) has not decided the confidence threshold yet; these numbers are at "
                f"{fmt.threshold(self.threshold)} and will change when it does.")

    def table(self) -> tuple[list[str], list[list[str]]]:
        head = ["Class", f"{self.row_noun.capitalize()}", "Routed automatically", "Reach the right class (of those)"]
        rows = [[r["class"], fmt.count(r["rows"]), fmt.estimate(r["automated_share"], *r["automated_share_ci"]),
                 fmt.estimate(r["recall"], *r["recall_ci"])] for r in self.per_class()]
        return head, rows

    def _decision_key(self) -> tuple:
        return (float(self.threshold),)

    def _saved_decision_key(self, saved: Any) -> tuple:
        t = getattr(saved, "threshold", None)
        return (None if t is None else float(t),)

    def decision_words(self) -> str:
        return f"confidence threshold {fmt.threshold(self.threshold)}"

    def _record_extra(self) -> dict[str, Any]:
        def clean(x):
            return None if x is None or not math.isfinite(float(x)) else float(x)

        return {"threshold": self.threshold,
                "per_class": {r["class"]: {"rows": r["rows"], "automated": r["automated"], "right": r["right"],
                                           "automated_share": {"value": clean(r["automated_share"]),
                                                               "low": clean(r["automated_share_ci"][0]),
                                                               "high": clean(r["automated_share_ci"][1])},
                                           "recall": {"value": clean(r["recall"]), "low": clean(r["recall_ci"][0]),
                                                      "high": clean(r["recall_ci"][1])}}
                              for r in self.per_class()},
                "natural_frequencies": {"per": 100, **self.per_100, "sentence": self.headline()}}


def starting_threshold(routing: Any) -> tuple[float, str]:
    """The confidence threshold a provisional one-pager is measured at, and why, in words.

    With stage 4's constraints or costs set on ``routing``, its recommended threshold. Without them that would
    route everything, so: the lowest threshold at which :data:`STARTING_ACCURACY` of the automated rows go to the
    right class (the most automation at that accuracy), else the recommended one.
    """
    if routing.constraints or routing.has_costs:
        return routing.recommended_threshold()
    cur = routing.curve()
    ok = cur[(cur["accuracy_automated"] >= STARTING_ACCURACY) & (cur["n_automated"] > 0)]
    if ok.empty:
        return routing.recommended_threshold()
    t = float(ok["threshold"].min())
    return t, (f"a starting point: the lowest confidence at which {fmt.percent(STARTING_ACCURACY, 0)} of the "
               "automatically routed rows go to the right class")


def _constraint_classes(constraints: Sequence[str] | None) -> list[str]:
    """Classes named in stage 4's constraints (``recall[billing]>=0.9``): the classes the team said matter."""
    import re

    out = []
    for text in constraints or []:
        for c in re.findall(r"\[\s*([^\]]+?)\s*\]", str(text)):
            if c not in out:
                out.append(c)
    return out

"""The stakeholder one-pager of a forecast (regression): "9 in 10 estimates within ±10 %".

For a model that estimates a number (a delivery time, demand in MWh, a price) the page says how often an
estimate lands within the **tolerance** (how far off still counts as right), how far off a typical estimate
is (the mean absolute error, in the estimate's unit), and which way the misses go: how often an estimate is
too low, and how often too high, by more than the tolerance. Stage 4 (metric selection) decides the
tolerance and the offset added to every estimate, and saves them in the record's ``metrics`` section;
:meth:`ForecastOnePager.from_record` measures at those. Before that, the page uses the tolerance it is given
and no offset, marked **provisional**.

Shares carry Wilson intervals (stage 4's saved interval for the share within tolerance when the numbers come
from the same data); the mean absolute error carries the seeded bootstrap interval of
:class:`~aipm_widgets.core.tasks.forecast.Forecast`.

Examples
--------
>>> import numpy as np
>>> y = np.linspace(20, 60, 400)
>>> pager = ForecastOnePager.from_predictions(y, y * np.where(np.arange(400) % 10 == 0, 1.3, 1.02),
...                                           tolerance="10%", unit="minutes")
>>> pager.counts
{'within': 360, 'too_low': 0, 'too_high': 40, 'rows': 400}
>>> pager.headline()
'9 in 10 estimates land within ±10% of the actual value (90.0%, 95% interval 86.7% to 92.6%).'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputDataError
from ..stats.intervals import wilson_interval
from ..tasks.forecast import Tolerance, in_ten, parse_tolerance
from ..text import format as fmt
from .task_one_pager import Measure, TaskOnePager, saved_text, share_sentence

__all__ = ["ForecastOnePager", "DEFAULT_TOLERANCE", "default_text"]

DEFAULT_TOLERANCE = "10%"
"""The tolerance a provisional one-pager uses when the project has none."""

LEAN_SHARE = 0.05
"""A mean error under this share of the mean absolute error is 'no systematic lean'."""


def default_text(unit: str = "units") -> dict[str, Any]:
    """The starting text of a forecast one-pager (the team edits it in its own words)."""
    return {
        "title": "What the forecast will and will not do",
        "does": [f"Estimates a number, in {unit}, for every case from what is known when the estimate is made.",
                 "Gives the same estimate for the same inputs; the team decides how the estimate is used."],
        "does_not": ["It is not exact: every estimate misses by some amount, and some miss by more than the tolerance.",
                     "It does not know about events its training data never saw (a strike, a storm, a new product)."],
        "failure_modes": ["Cases unlike the training data (new places, unusual sizes) get estimates that miss by more.",
                          "When the world shifts (season, prices, demand), estimates lean one way until the model is retrained."],
        "above_threshold": "The estimate is shown and used as it is.",
        "below_threshold": "A wrong number is acted on: say who notices, and what is done about it.",
    }


@dataclass(kw_only=True)
class ForecastOnePager(TaskOnePager):
    """A forecast's one-pager: counts within, below and above the tolerance, the mean absolute error, sentences.

    Build it with :meth:`from_forecast`, :meth:`from_predictions` or :meth:`from_record`.
    """

    tolerance: Any
    unit: str = "units"
    offset: float = 0.0
    rows: int
    """Rows the tolerance is counted on (a relative tolerance leaves out rows whose actual value is 0)."""
    within: int
    too_low: int
    too_high: int
    n: int
    """Rows the mean absolute error is measured on (all rows)."""
    mae: tuple[float, float | None, float | None, str]
    """The mean absolute error: value, 95% interval ends and how the interval was computed."""
    mean_error: float | tuple[float, float | None, float | None]
    """The mean error (estimate minus actual: positive leans high), alone or with its 95% interval ends."""
    row_noun: str = "estimates"
    extra_notes: list[str] = field(default_factory=list)
    interval_overrides: dict[str, tuple[float, float, str]] = field(default_factory=dict)

    task = "regression"

    def __post_init__(self) -> None:
        self.tolerance = parse_tolerance(self.tolerance)
        counts = (self.within, self.too_low, self.too_high, self.rows, self.n)
        if any(not isinstance(c, (int, np.integer)) or c < 0 for c in counts):
            raise InputDataError(f"The counts must be whole numbers of at least 0, got {counts}.")
        self.within, self.too_low, self.too_high, self.rows, self.n = (int(c) for c in counts)
        if self.within + self.too_low + self.too_high != self.rows or self.rows == 0:
            raise InputDataError(f"Within ({self.within:,}), too low ({self.too_low:,}) and too high ({self.too_high:,}) "
                                 f"must add up to the rows counted ({self.rows:,}), which must be at least 1.")
        if not math.isfinite(float(self.offset)):
            raise InputDataError(f"The offset must be a number, not {self.offset!r}.")
        self.offset = float(self.offset)
        self._clean_text()

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def from_forecast(cls, forecast: Any, offset: float = 0.0, **kwargs: Any) -> "ForecastOnePager":
        """From a :class:`~aipm_widgets.core.tasks.forecast.Forecast` at ``offset`` (its tolerance and unit)."""
        point = forecast.at(offset, with_groups=False)
        tol: Tolerance = forecast.tolerance
        e = forecast.errors + float(offset)
        y = forecast.y
        if tol.kind == "absolute":
            bound, keep = np.full(len(e), tol.value), np.ones(len(e), bool)
        else:  # rows whose actual value is 0 have no relative error (Forecast leaves them out too)
            keep = np.abs(y) > 0
            bound = tol.value * np.abs(y)
        low = int(np.sum(keep & (e < -bound)))
        high = int(np.sum(keep & (e > bound)))
        rows = int(keep.sum())
        mae = point.metrics["mae"]
        text = {**default_text(forecast.unit), **kwargs}
        return cls(tolerance=tol, unit=forecast.unit, offset=float(offset), rows=rows, within=rows - low - high,
                   too_low=low, too_high=high, n=forecast.n, mae=(mae.value, mae.low, mae.high, mae.method or "bootstrap"),
                   mean_error=(point.metrics["mean_error"].value, point.metrics["mean_error"].low,
                               point.metrics["mean_error"].high), extra_notes=list(forecast.notes), **text)

    @classmethod
    def from_predictions(cls, y_true: Any, y_pred: Any, *, tolerance: Any = DEFAULT_TOLERANCE, offset: float = 0.0,
                         unit: str = "units", **kwargs: Any) -> "ForecastOnePager":
        """Measure on actual values and the model's estimates (numbers, no missing values)."""
        from ..tasks.forecast import Forecast

        f = Forecast(y_true, y_pred, tolerance=tolerance, unit=unit, baseline=None,
                     label_name=str(getattr(y_true, "name", None) or "label"),
                     prediction_name=str(getattr(y_pred, "name", None) or "prediction"))
        return cls.from_forecast(f, offset, **kwargs)

    @classmethod
    def from_record(cls, record: Any, y_true: Any, y_pred: Any, *, tolerance: Any = None, unit: str | None = None,
                    data_source: str | None = None, **text: Any) -> "ForecastOnePager":
        """Stage 4's tolerance, offset and unit from the record when saved; else ``tolerance`` (default ±10%) and no
        offset, provisional. Measured on ``y_true`` and ``y_pred`` (``data_source`` names them in the provisional
        page's source line); the team's saved text fills any field not given.
        """
        from ..record import DecisionRecord, load_record

        rec = record
        if rec is not None and not isinstance(rec, DecisionRecord):
            rec = load_record(rec, create=True)
        merged = {**(saved_text(rec, cls.task) if rec is not None else {}), **text}
        m = rec.metrics if rec is not None else None
        r = getattr(m, "regression", None)
        if m is not None and m.task == "regression" and r is not None and r.tolerance:
            when = f" on {m.decided_at:%Y-%m-%d}" if m.decided_at else ""
            data = f", measured on {m.data_source}" if m.data_source else ""
            merged.setdefault("source", f"at the tolerance and offset stage 4 (metric selection) saved in the decision "
                                        f"record{when}{data}")
            pager = cls.from_predictions(y_true, y_pred, tolerance=r.tolerance, offset=r.offset or 0.0,
                                         unit=r.unit or unit or "units", **merged)
            overrides = {}
            if m.n_evaluated == pager.n:  # the same data: quote stage 4's own intervals
                for key in ("within_tolerance", "mae"):
                    mv = m.metrics.get(key)
                    if mv is not None and mv.low is not None and mv.high is not None:
                        overrides[key] = (float(mv.low), float(mv.high), mv.method or "stage 4")
            pager.interval_overrides = overrides
            return pager
        if data_source:
            merged.setdefault("source", f"measured on {data_source}")
        return cls.from_predictions(y_true, y_pred, tolerance=tolerance or DEFAULT_TOLERANCE, offset=0.0,
                                    unit=unit or "units", provisional=True, **merged)

    # ----- numbers ------------------------------------------------------------------------------
    @property
    def counts(self) -> dict[str, int]:
        return {"within": self.within, "too_low": self.too_low, "too_high": self.too_high, "rows": self.rows}

    def _share(self, key: str, k: int) -> tuple[float, float, float, str]:
        lo, hi = wilson_interval(k, self.rows)
        low, high, method = float(lo), float(hi), "wilson"
        if key in self.interval_overrides:
            low, high, method = self.interval_overrides[key]
        return k / self.rows, low, high, method

    @property
    def measures(self) -> dict[str, Measure]:
        tol, u = self.tolerance.text(self.unit), self.row_noun
        out: dict[str, Measure] = {}
        v, lo, hi, method = self._share("within_tolerance", self.within)
        out["within_tolerance"] = Measure(
            "within_tolerance", f"share within {tol}", v, lo, hi,
            share_sentence(v, lo, hi, f"About {{main}} {u} land within {tol} of the actual value ({{span}}).",
                           zero=f"No estimate lands within {tol} of the actual value (the true share is {{span}}).",
                           none="Not measurable."),
            k=self.within, n=self.rows, method=method)
        value, low, high, method = self.mae
        if "mae" in self.interval_overrides:
            low, high, method = self.interval_overrides["mae"]
        mae = Measure("mae", "mean absolute error", float(value), low, high, "", kind="amount", unit=self.unit, method=method)
        out["mae"] = Measure("mae", "mean absolute error", float(value), low, high,
                             f"A typical estimate is off by {mae.display()} (mean absolute error, 95% interval "
                             f"{mae.interval_text()}).", kind="amount", unit=self.unit, method=method)
        for key, k, side, truth in (("too_low", self.too_low, "too low", "higher"),
                                    ("too_high", self.too_high, "too high", "lower")):
            v, lo, hi, method = self._share(key, k)
            out[key] = Measure(
                key, f"share {side} by more than {tol}", v, lo, hi,
                share_sentence(v, lo, hi, f"About {{main}} {u} ({{span}}) are {side} by more than {tol}: the actual value is "
                                          f"{truth}.",
                               zero=f"No estimate is {side} by more than {tol} here (the true share is {{span}}).",
                               none="Not measurable."),
                k=k, n=self.rows, method=method)
        return out

    def shown_measures(self) -> list[Measure]:
        m = self.measures
        return [m["mae"], m["too_low"], m["too_high"]]  # the share within is the headline

    def headline(self) -> str:
        w = self.measures["within_tolerance"]
        return (f"{in_ten(w.value)} {self.row_noun} land within {self.tolerance.text(self.unit)} of the actual value "
                f"({w.display()}, 95% interval {w.interval_text()}).")

    def summary(self) -> str:
        offset = (f", offset {fmt.number(self.offset, 2)} {self.unit}" if self.offset else ", no offset")
        state = " (provisional: stage 4 has not decided them yet)" if self.provisional else ""
        return f"One-pager agreed at tolerance {self.tolerance.text(self.unit)}{offset}{state}."

    def notes(self) -> list[str]:
        me, lo, hi = self.mean_error if isinstance(self.mean_error, tuple) else (self.mean_error, None, None)
        amount = lambda x: f"{fmt.number(x, 2)} {self.unit}"  # noqa: E731
        ci = (f" (mean error {amount(me)}, 95% interval {fmt.interval(lo, hi, amount)})"
              if lo is not None and hi is not None else "")
        if abs(me) >= LEAN_SHARE * max(self.mae[0], 1e-12):
            lean = f"On average the {self.row_noun} lean {'high' if me > 0 else 'low'} by {amount(abs(me))}{ci}."
        else:
            lean = f"The {self.row_noun} lean neither way on average{ci or f' (mean error {amount(me)})'}."
        return [lean, *self.extra_notes]

    # ----- words --------------------------------------------------------------------------------
    decision_heading = "The tolerance, and what happens on each side of it"

    def decision_sentence(self) -> str:
        text = f"An estimate counts as right when it is within {self.tolerance.text(self.unit)} of the actual value."
        if self.offset:
            text += (f" Every estimate is {'raised' if self.offset > 0 else 'lowered'} by "
                     f"{fmt.number(abs(self.offset), 2)} {self.unit} (the offset chosen in stage 4).")
        return text

    def editor_labels(self) -> tuple[str, str]:
        tol = self.tolerance.text(self.unit)
        return (f"Within {tol}", f"Off by more than {tol}")

    def provisional_sentence(self) -> str | None:
        return (f"stage 4 (metric selection) has not decided the tolerance and the offset yet; these numbers use "
                f"{self.tolerance.text(self.unit)} and no offset, and will change when it does.")

    def _decision_key(self) -> tuple:
        return (self.tolerance.kind, round(float(self.tolerance.value), 9), round(self.offset, 9))

    def _saved_decision_key(self, saved: Any) -> tuple:
        try:
            tol = parse_tolerance(getattr(saved, "tolerance", None) or {})
        except InputDataError:
            return (None,)
        return (tol.kind, round(float(tol.value), 9), round(float(getattr(saved, "offset", None) or 0.0), 9))

    def decision_words(self) -> str:
        offset = f"offset {fmt.number(self.offset, 2)} {self.unit}" if self.offset else "no offset"
        return f"tolerance {self.tolerance.text(self.unit)}, {offset}"

    def _record_extra(self) -> dict[str, Any]:
        return {"threshold": None, "unit": self.unit, "offset": self.offset,
                "tolerance": {**self.tolerance.to_dict(), "text": self.tolerance.text(self.unit)},
                "natural_frequencies": {"in_ten": in_ten(self.measures["within_tolerance"].value), **self.counts,
                                        "sentence": self.headline()}}

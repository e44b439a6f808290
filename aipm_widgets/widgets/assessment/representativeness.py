"""``RepresentativenessPanel``: group shares in the data against population shares the team enters.

A thin view over :mod:`aipm_widgets.core.assessment.representativeness`: one box per group for its population
share (percent), the target interval width and the expected metric value; the table, the goodness-of-fit
test, the most under-represented groups and the sample-size arithmetic update on every change.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from ...core.errors import InputDataError
from ...core.io.inputs import group_labels
from ...core.assessment.representativeness import (
    Representativeness,
    compare_shares,
    sample_size_arithmetic,
    sample_size_table,
)
from ...core.text.tables import frame_html
from ...core.text.format import percent, points
from ...core.text.glossary import glossary_html, terms_in
from .._base import HelpHTML, MessageArea, esc, guarded

__all__ = ["RepresentativenessPanel"]


class RepresentativenessPanel(W.VBox):
    """Compare a group column's shares with the population the product will serve.

    Parameters
    ----------
    groups : array-like
        The group of each row (e.g. age band).
    population : dict, optional
        ``{group: share}`` to start from (shares or percentages; they are normalised). Default: the data's own shares.
    column : str
        The group column's name (for messages and the record).
    rate : float
        Share of rows the key metric is measured on (the positive rate for recall; 1 for accuracy).

    Attributes
    ----------
    result : Representativeness or None
    sample_sizes : DataFrame or None
    """

    def __init__(self, groups: Any, population: dict[str, float] | None = None, *, column: str = "group",
                 rate: float = 1.0, width: float = 0.1, metric: float = 0.5, **kwargs: Any) -> None:
        self.groups = pd.Series(group_labels(groups, name=column))
        self.column = column
        counts = self.groups.value_counts()
        start = population or (counts / counts.sum()).to_dict()
        total = sum(start.values()) or 1.0
        self.messages = MessageArea()
        self.result: Representativeness | None = None
        self.sample_sizes: pd.DataFrame | None = None
        self.shares = {
            g: W.BoundedFloatText(value=round(100 * start.get(g, 0.0) / total, 2), min=0, max=100, step=0.5,
                                  description=str(g), layout=W.Layout(width="170px"), style={"description_width": "70px"})
            for g in sorted(set(counts.index) | set(start))
        }
        self.width = W.FloatSlider(value=width, min=0.02, max=0.3, step=0.01, description="Interval width",
                                   readout_format=".2f", style={"description_width": "110px"}, layout=W.Layout(width="360px"))
        self.metric = W.FloatSlider(value=metric, min=0.05, max=0.95, step=0.05, description="Expected metric",
                                    readout_format=".2f", style={"description_width": "110px"}, layout=W.Layout(width="360px"))
        # Shown in percent with two decimals (a raw share such as 0.015130424 is unreadable).
        self.rate_percent = W.BoundedFloatText(value=round(100 * rate, 2), min=0.01, max=100, step=0.1,
                                               description="Share measured on (%)",
                                               style={"description_width": "150px"}, layout=W.Layout(width="260px"))
        self.output = HelpHTML()
        self.output.add_class("aipm-representativeness")
        for w in [*self.shares.values(), self.width, self.metric, self.rate_percent]:
            w.observe(lambda _: self.update(), names="value")
        super().__init__(
            [
                HelpHTML(f"<b>Population shares of <code>{esc(column)}</code> (%)</b> "
                       "<span style='font-size:12px;color:#555'>(who the product will serve: census, customer base, ...)</span>"),
                W.HBox(list(self.shares.values()), layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.width, self.metric, self.rate_percent], layout=W.Layout(flex_flow="row wrap")),
                self.messages, self.output,
            ],
            **kwargs,
        )
        self.update()

    @property
    def rate(self) -> float:
        """The share of rows the metric is measured on (the percent box, as a share)."""
        return self.rate_percent.value / 100

    @guarded()
    def update(self) -> None:
        population = {g: w.value for g, w in self.shares.items()}
        if sum(population.values()) <= 0:
            raise InputDataError("Enter at least one population share above zero.")
        self.messages.clear()
        self.result = compare_shares(self.groups, population, column=self.column)
        counts = self.groups.value_counts().to_dict()
        kw = dict(width=self.width.value, metric=self.metric.value, rate=self.rate)
        self.sample_sizes = sample_size_table(counts, **kw)
        short = self.sample_sizes[~self.sample_sizes["enough"]]["group"].tolist()
        self.output.value = (
            f"<p>{esc(self.result.sentence())}</p>" + self.result.table_html()
            + f"<p style='margin-top:8px'><b>Rows needed per group</b> for a 95% interval {points(kw['width'])} wide on a "
            f"metric near {percent(kw['metric'])}: <code>{esc(sample_size_arithmetic(**kw))}</code></p>"
            + frame_html(self.sample_sizes, formats={"interval width with these rows": lambda x: points(x)})
            + glossary_html(terms_in("chi-square p-value 95% interval points"))
            + (f"<p style='color:#7a4d00'>Too few rows for that precision: {esc(', '.join(map(str, short)))}.</p>" if short else "")
        )

    def to_record(self) -> dict[str, Any]:
        out = self.result.to_record() if self.result else {}
        if self.sample_sizes is not None:
            out["sample_size"] = {
                "width": self.width.value, "metric": self.metric.value, "rate": self.rate,
                "arithmetic": sample_size_arithmetic(width=self.width.value, metric=self.metric.value, rate=self.rate),
                "groups": self.sample_sizes.to_dict("records"),
            }
        return out

"""Product metrics: the model's rates translated into what the business counts, with the same uncertainty.

The model layer says "recall 0.82, alert rate 2.1 %"; the product layer says "about 41,000 (in the project's currency) of fraud
stopped a month, 35 analyst hours a week". :class:`ProductMapping` holds the translation (volume, average
loss per positive, minutes per alert review) and :meth:`ProductMapping.rows` gives both layers side by side,
each product number with the interval carried over from its model metric.

Examples
--------
>>> from aipm_widgets.core.stats.rates import point_estimates
>>> m = ProductMapping(volume_per_day=10_000, loss_per_positive=150, minutes_per_alert=4)
>>> rows = m.rows(point_estimates(16, 25, 957, 2), prevalence=0.018)
>>> rows[0]["product_metric"]
'Fraud losses prevented per month'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..text import format as fmt
from .costs import DAYS_PER_MONTH
from ..stats.rates import Estimate

__all__ = ["ProductMapping"]


def _scaled(est: Estimate, factor: float) -> Estimate:
    f = lambda x: None if x is None else x * factor  # noqa: E731
    return Estimate(f(est.value), f(est.low), f(est.high), est.method)


@dataclass(frozen=True)
class ProductMapping:
    """How model metrics become product metrics.

    Parameters
    ----------
    volume_per_day : float
        Decisions (transactions) a day in production.
    loss_per_positive : float, optional
        Average loss of one missed positive; when None the average value of the positives is used.
    minutes_per_alert : float
        Analyst time to review one alert.
    currency, positive_name : str
        Words for the output.
    """

    volume_per_day: float
    loss_per_positive: float | None = None
    minutes_per_alert: float = 5.0
    currency: str | None = None
    positive_name: str = "fraud"

    def rows(self, metrics: dict[str, Estimate], *, prevalence: float, mean_positive_value: float | None = None,
             money=None, confusion: dict | None = None, unit: str = "decisions") -> list[dict]:
        """One row per product metric: its estimate, the model metric it comes from, and the formula in words.

        With ``money`` (the :class:`~aipm_widgets.core.metrics.tradeoff.Money` of the same operating point) the losses
        prevented and still missed are that money model's parts, over the same rows and values as the cost, so
        prevented, missed and total cost always agree. Without costs they fall back to rate x cases x average loss.
        """
        positives_per_month = prevalence * self.volume_per_day * DAYS_PER_MONTH
        alerts_per_week = self.volume_per_day * 7
        rows = []
        name = self.positive_name.capitalize()
        if money is not None and money.per_month is not None:
            cur = money.currency
            scale = (f"on the {fmt.count(money.n)} {unit} measured, scaled to "
                     f"{fmt.count(money.volume_per_day)} a day")
            caught = "" if confusion is None else f"{fmt.count(confusion['tp'])} "
            missed = "" if confusion is None else f"{fmt.count(confusion['fn'])} "
            rows.append({
                "product_metric": f"{name} losses prevented per month",
                "estimate": money.per_month["prevented"],
                "unit": cur or "",
                "model_metric": "recall",
                "how": f"what the {caught}caught {self.positive_name} cases would have cost, {scale}",
            })
            rows.append({
                "product_metric": f"{name} losses still missed per month",
                "estimate": money.per_month["missed"],
                "unit": cur or "",
                "model_metric": "fnr",
                "how": f"what the {missed}missed {self.positive_name} cases cost, {scale}",
            })
        else:
            loss = self.loss_per_positive if self.loss_per_positive is not None else mean_positive_value
            cur = self.currency
            if loss is not None:
                rows.append({
                    "product_metric": f"{name} losses prevented per month",
                    "estimate": _scaled(metrics["recall"], positives_per_month * loss),
                    "unit": cur or "",
                    "model_metric": "recall",
                    "how": f"recall x {fmt.count(positives_per_month)} {self.positive_name} cases a month x "
                           f"{fmt.money(loss, cur)} each",
                })
                rows.append({
                    "product_metric": f"{name} losses still missed per month",
                    "estimate": _scaled(metrics["fnr"], positives_per_month * loss),
                    "unit": cur or "",
                    "model_metric": "fnr",
                    "how": f"miss rate x {fmt.count(positives_per_month)} cases a month x {fmt.money(loss, cur)}",
                })
        rows.append({
            "product_metric": "Analyst hours per week",
            "estimate": _scaled(metrics["alert_rate"], alerts_per_week * self.minutes_per_alert / 60),
            "unit": "hours",
            "model_metric": "alert_rate",
            "how": f"alert rate x {fmt.count(alerts_per_week)} decisions a week x {fmt.number(self.minutes_per_alert, 0 if float(self.minutes_per_alert).is_integer() else 1)} min per alert",
        })
        rows.append({
            "product_metric": "Customers bothered by a false alarm per day",
            "estimate": _scaled(metrics["fpr"], (1 - prevalence) * self.volume_per_day),
            "unit": "customers",
            "model_metric": "fpr",
            "how": f"false-positive rate x {fmt.count((1 - prevalence) * self.volume_per_day)} legitimate decisions a day",
        })
        return rows

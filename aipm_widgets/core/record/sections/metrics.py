"""The ``metrics`` section of the decision record (stage 4, metric selection).

Monitoring (stage 5) reads ``threshold``, ``costs`` and ``volume_per_day`` from here; the expectations
one-pager (stage 2) reads ``metrics``, ``confusion`` and ``natural_frequencies``.
"""

from __future__ import annotations

from pydantic import Field

from ._base import RecordModel, Section


class MetricValue(RecordModel):
    """A measured number with its interval (``low``/``high`` are None when no interval was computed)."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    method: str | None = Field(None, description="How the interval was computed: wilson, bootstrap, ...")


class CostModel(RecordModel):
    """What each kind of decision costs, in business units."""

    currency: str | None = Field(None, description="ISO 4217 code of every amount here; none assumed (the project's).")
    cost_fp: float = Field(0.0, description="Cost of one false alarm (review time, customer friction).")
    cost_fn: float = Field(0.0, description="Cost of one missed positive when not taken from the row's value.")
    fn_cost_from_value: bool = Field(False, description="A miss costs the row's value (e.g. the transaction amount).")
    value_column: str | None = None
    value_tp: float = Field(0.0, description="Value gained per caught positive (beyond avoiding the miss).")
    review_capacity_per_day: float | None = Field(None, description="Most alerts the team can review per day.")


class Confusion(RecordModel):
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0


class RegressionDecision(RecordModel):
    """A forecast's decision (task ``regression``): the tolerance, the offset and the cost of errors."""

    prediction_column: str | None = None
    unit: str | None = Field(None, description="The target's unit (minutes, EUR, items).")
    offset: float | None = Field(None, description="Added to every prediction (e.g. a safety margin on a promise).")
    tolerance: dict | None = Field(None, description="kind (relative|absolute), value, text (e.g. '±10%').")
    cost_under: float | None = Field(None, description="Cost per unit the prediction is below the actual value.")
    cost_over: float | None = Field(None, description="Cost per unit the prediction is above the actual value.")
    currency: str | None = None
    cost_per_1000: MetricValue | None = None
    optimal_offset: float | None = Field(None, description="The offset with the lowest cost when it was saved.")
    sentence: str | None = Field(None, description="The headline in words, e.g. '9 in 10 estimates within ±10%'.")
    in_ten: str | None = None


class MetricsSection(Section):
    """The chosen operating point: threshold, costs, constraints and the measured metrics with intervals."""

    task: str | None = Field(None, description="binary, multiclass or regression (None: binary, as records before it).")
    threshold: float | None = Field(None, description="Alert when score >= threshold.")
    chosen_metric: str | None = Field(None, description="What the threshold optimises: cost, f1, recall, ...")
    score_column: str | None = None
    label_column: str | None = None
    positive_label: str | None = None
    data_source: str | None = Field(None, description="Which data the numbers were measured on.")
    n_evaluated: int | None = None
    volume_per_day: float | None = Field(None, description="Decisions per day in production (for alerts/day, cost/month).")
    costs: CostModel | None = None
    constraints: list[str] = Field(default_factory=list, description="e.g. 'recall>=0.95', 'alerts_per_day<=300'.")
    constraints_satisfied: bool | None = None
    confusion: Confusion | None = None
    metrics: dict[str, MetricValue] = Field(
        default_factory=dict, description="precision, recall, fpr, fnr, f1, accuracy, alert_rate, ... with intervals."
    )
    cost_per_1000: MetricValue | None = None
    cost_per_month: MetricValue | None = None
    money: dict | None = Field(
        None, description="The one money model at the threshold: prevented, missed, false_alarms, caught_credit, total, "
        "net_value per 1,000 and per month, with intervals, currency and volume.")
    value_check: dict | None = Field(
        None, description="Stage 1's value range against the money measured here (per year), and whether they agree.")
    threshold_choice: str | None = Field(
        None, description="How the threshold was chosen, in words: 'lowest cost within the constraints', 'set by hand', ...")
    natural_frequencies: dict | None = Field(None, description="per, positives, caught, missed, false_alarms, sentence.")
    baseline: dict | None = Field(None, description="The rule-based minimum viable model on the same axes.")
    groups: list[dict] = Field(default_factory=list, description="Per-group metrics at the threshold.")
    # Multiclass (ticket routing): ``threshold`` is then the confidence threshold on the predicted class's
    # probability below which a person decides (core/routing.py). Records without these fields load as binary.
    prediction_column: str | None = Field(None, description="Multiclass: the column with the class the model chose.")
    proba_columns: dict[str, str] | None = Field(None, description="Multiclass: class -> probability column.")
    classes: list[str] | None = Field(None, description="Multiclass: the classes, in the confusion matrix's order.")
    minutes_per_manual: float | None = Field(None, description="Multiclass: minutes a person spends on one row below the threshold.")
    routing_costs: dict | None = Field(
        None, description="Multiclass: currency, misroute (cost of a wrong class), manual (cost of a person), matrix overrides.")
    confusion_matrix: dict | None = Field(None, description="Multiclass: classes and counts (true x routed) on the automated rows.")
    per_class: dict[str, dict] | None = Field(None, description="Multiclass: per class support, automated, precision, recall.")
    person_hours_per_day: MetricValue | None = None
    regression: RegressionDecision | None = Field(None, description="Task regression: tolerance, offset and costs.")

"""The ``project`` section of the decision record: which product, whose, and where its data is.

Every stage reads it (through :func:`aipm_widgets.core.project.load_project`): the team's data sources
(paths relative to the record's folder), the role of each column, the currency and the daily volume. A
record written before these fields existed loads as the bundled ``fraud`` demo (``example`` defaults to
``"fraud"`` when the key is absent); ``aipm init`` without ``--demo`` writes ``example: null``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import Field, field_validator

from ...model import RecordModel

__all__ = ["Project", "ProjectColumns", "ProjectSources", "TASKS", "ENGINES", "known_currency"]

TASKS = ("binary", "multiclass", "regression")
ENGINES = ("pandas", "duckdb", "spark")
EXAMPLE_NAMES = ("fraud", "tickets", "delivery")
"""The bundled demo scenarios (``project.example``), built by :data:`aipm_widgets.core.demo.EXAMPLES`; named here so that
opening a demo project does not load the demo module (and pandas with it) before a page reads data."""

CURRENCY_INVALID = "{value!r} is not an ISO 4217 currency code (three letters such as EUR, USD, CHF, GBP, JPY)"
PATH_INVALID = (
    "{value!r} must be a file path relative to the record's folder (or inside AIPM_DATA_DIR), "
    "without a URL scheme"
)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def known_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code (from babel's CLDR data, installed with JupyterLab)."""
    if not re.fullmatch(r"[A-Z]{3}", code):
        return False
    try:
        from babel.numbers import list_currencies
    except ImportError:  # babel missing: accept any three capital letters
        return True
    return code in list_currencies()


class ProjectSources(RecordModel):
    """Where the product's data is: paths relative to the record's folder (or inside ``$AIPM_DATA_DIR``)."""

    validation: str | None = Field(
        None, description="Validation/reference predictions WITH labels (CSV or Parquet): the model's test set or a labeled period."
    )
    production: str | None = Field(
        None, description="The production log (CSV or Parquet); its label column may be missing or partly empty."
    )

    @field_validator("validation", "production")
    @classmethod
    def _plain_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+://", value) or "\x00" in value:
            raise ValueError(PATH_INVALID.format(value=value))
        return value


class ProjectColumns(RecordModel):
    """Which column plays which role in the team's tables (None: the table has no such column)."""

    label: str | None = Field(None, description="The true outcome (may be empty in production where it has not arrived).")
    positive: str | int | float | bool | None = Field(
        None, description="The label's value that counts as positive (e.g. 'approved', 1); None: 1/True."
    )
    score: str | None = Field(None, description="The model's score or probability of the positive class.")
    prediction: str | None = Field(None, description="The model's decision or predicted class.")
    proba_columns: dict[str, str] = Field(
        default_factory=dict, description="Multiclass: class -> column holding the model's probability of it."
    )
    proba_prefix: str | None = Field(None, description="Multiclass: probability columns named PREFIX + class.")
    timestamp: str | None = Field(None, description="When each row was scored (monitoring windows, time splits).")
    id: str | None = Field(None, description="A row id (finds duplicates, joins late labels).")
    groups: list[str] = Field(default_factory=list, description="Columns to audit fairness across (region, age band...).")
    value: str | None = Field(None, description="The money at stake in each row, in the project's currency.")
    features: list[str] = Field(default_factory=list, description="The model's input columns (empty: every other column).")

    @field_validator("label", "score", "prediction", "proba_prefix", "timestamp", "id", "value", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("groups", "features", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value


class Project(RecordModel):
    """Who the record belongs to, and the product's data, columns, currency and volume."""

    name: str = Field("Untitled AI product", description="The product or use case's name.")
    owners: list[str] = Field(default_factory=list, description="Accountable people or teams.")
    description: str | None = Field(None, description="One paragraph: what the product is for.")
    created: datetime = Field(default_factory=_now)
    iteration: int = Field(
        1, ge=1, description="Model version being worked on; a new model re-enters metric selection and monitoring."
    )
    previous_iterations: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Metric and monitoring decisions of earlier iterations, kept for comparison in the brief.",
    )
    example: str | None = Field(
        "fraud",
        description="A bundled demo scenario (fraud, ...) or null for the team's own data. "
        "Records written before this field existed are the fraud demo.",
    )
    task: Literal["binary", "multiclass", "regression"] | None = Field(
        None, description="What the model predicts; null: inferred from the label and prediction columns."
    )
    currency: str = Field("EUR", description="ISO 4217 code of the money amounts (costs, values).")
    volume_per_day: int | None = Field(None, ge=1, description="Decisions the model makes per day in production.")
    target_unit: str | None = Field(
        None, max_length=40,
        description="A forecast's unit: what the label and the prediction are measured in (minutes, MWh, CHF thousands).")
    engine: Literal["pandas", "duckdb", "spark"] | None = Field(
        None, description="What computes over large production data; null: pandas."
    )
    sources: ProjectSources = Field(default_factory=ProjectSources)
    columns: ProjectColumns = Field(default_factory=ProjectColumns)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the product needs a name")
        return value

    @field_validator("owners", mode="before")
    @classmethod
    def _owners_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("currency", mode="before")
    @classmethod
    def _currency_code(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().upper()
            if not known_currency(code):
                raise ValueError(CURRENCY_INVALID.format(value=value))
            return code
        return value

    @field_validator("example")
    @classmethod
    def _example_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if value in ("", "none", "null", "own"):
            return None
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"{value!r} is not a demo example's name (fraud, ...) nor null for the team's own data")
        return value

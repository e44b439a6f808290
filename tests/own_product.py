"""A team's own product for tests: loan approvals, sharing nothing with the bundled card-fraud demo.

Another domain (consumer loans), other column names (``applicant_ref``, ``decided_at``, ``p_default``,
``region``, ``loan_amount``), a text label (``approved`` holding "approved"/"declined"), another currency
(CHF), and the most common monitoring layout: labels in the validation file, none in the production log.

Use::

    from own_product import write_loan_project, init_args   # tests/ is on sys.path (rootdir conftest)
    files = write_loan_project(tmp_path)           # tmp_path/data/validation.csv, production.parquet
    main(["init", str(tmp_path), *init_args()])     # run from any folder: paths are absolute

Everything is generated from a seed; nothing is read from the package's demo data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

NAME = "Loan approvals"
OWNERS = ["Credit risk team", "Mara Keller"]
CURRENCY = "CHF"
VOLUME_PER_DAY = 1_200
LABEL = "approved"
POSITIVE = "declined"
NEGATIVE = "approved"
SCORE = "p_default"
TIMESTAMP = "decided_at"
ID = "applicant_ref"
GROUP = "region"
VALUE = "loan_amount"
FEATURES = ["income_k", "debt_ratio", "employment_years", "loan_amount", "region"]
REGIONS = ["Zurich", "Geneva", "Ticino", "Bern"]
DEMO_WORDS = ("fraud", "transaction", "EUR", "card")
"""Words of the demo that must not appear in outputs built on this project."""


def _applicants(rng: np.random.Generator, n: int, start: str, days: int, *, shift: float = 0.0) -> pd.DataFrame:
    seconds = np.sort(rng.uniform(0, days * 86_400, n))
    decided_at = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    region = rng.choice(REGIONS, size=n, p=[0.4, 0.25, 0.1, 0.25])
    income = np.round(np.exp(rng.normal(4.4, 0.35, n)), 1)  # thousands of CHF a year
    debt_ratio = np.clip(rng.beta(2.0, 5.0, n) + shift, 0, 1).round(3)
    employment = np.round(rng.gamma(2.0, 4.0, n), 1)
    amount = np.round(np.exp(rng.normal(9.6, 0.6, n)), -2)
    return pd.DataFrame({
        ID: [f"A-{i:06d}" for i in rng.choice(10**6, size=n, replace=False)],
        TIMESTAMP: decided_at,
        "income_k": income,
        "debt_ratio": debt_ratio,
        "employment_years": employment,
        VALUE: amount,
        GROUP: region,
    })


def _true_default_logit(df: pd.DataFrame) -> np.ndarray:
    return (-2.2 + 4.5 * (df["debt_ratio"].to_numpy() - 0.3) - 0.06 * df["employment_years"].to_numpy()
            - 0.8 * np.log(df["income_k"].to_numpy() / 80) + 0.3 * np.log(df[VALUE].to_numpy() / 15_000)
            + np.where(df[GROUP].to_numpy() == "Ticino", 0.35, 0.0))


def generate_loans(seed: int = 7, n_validation: int = 3_000, n_production: int = 6_000,
                   production_labeled_share: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The validation table (with labels) and the production log (labels dropped, or kept for a share).

    The production log drifts: debt ratios rise from its seventh week on.
    """
    rng = np.random.default_rng(seed)
    val = _applicants(rng, n_validation, "2024-01-08", 56)
    prod = _applicants(rng, n_production, "2024-04-01", 84)
    late = (prod[TIMESTAMP] >= pd.Timestamp("2024-05-13")).to_numpy()
    prod.loc[late, "debt_ratio"] = np.clip(prod.loc[late, "debt_ratio"] + 0.12, 0, 1).round(3)
    for frame in (val, prod):
        logit = _true_default_logit(frame)
        p_true = 1 / (1 + np.exp(-logit))
        y = rng.uniform(size=len(frame)) < p_true
        # The model: a slightly miscalibrated, noisy view of the true risk.
        noisy = logit + rng.normal(0, 0.6, len(frame))
        frame[SCORE] = np.round(1 / (1 + np.exp(-(0.9 * noisy - 0.1))), 4)
        frame[LABEL] = np.where(y, POSITIVE, NEGATIVE)
    if production_labeled_share <= 0:
        prod = prod.drop(columns=[LABEL])
    else:
        unlabeled = rng.uniform(size=len(prod)) >= production_labeled_share
        prod[LABEL] = prod[LABEL].where(~unlabeled, None)
    return val, prod


def write_loan_project(folder: str | Path, **kwargs) -> dict[str, Path]:
    """Write ``data/validation.csv`` and ``data/production.parquet`` under ``folder``; return their paths."""
    folder = Path(folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    val, prod = generate_loans(**kwargs)
    paths = {"validation": folder / "data" / "validation.csv", "production": folder / "data" / "production.parquet"}
    val.to_csv(paths["validation"], index=False)
    prod.to_parquet(paths["production"], index=False)
    return paths


def init_args(folder: str | Path | None = None) -> list[str]:
    """The ``aipm init`` flags for this project (data paths absolute when ``folder`` is given, else relative
    to the workbook folder, i.e. for running from inside it)."""
    base = Path(folder).resolve() if folder is not None else Path(".")
    return [
        "--name", NAME, "--owner", OWNERS[0], "--owner", OWNERS[1], "--currency", CURRENCY,
        "--volume-per-day", str(VOLUME_PER_DAY),
        "--validation", str(base / "data" / "validation.csv"), "--production", str(base / "data" / "production.parquet"),
        "--label", LABEL, "--positive", POSITIVE, "--score", SCORE, "--timestamp", TIMESTAMP, "--id", ID,
        "--group", GROUP, "--value", VALUE, "--features", ",".join(FEATURES),
    ]


def monitor_flags(folder: str | Path) -> list[str]:
    """The explicit ``aipm monitor`` flags equivalent to ``--record`` on this project."""
    folder = Path(folder).resolve()
    return [
        "--reference", str(folder / "data" / "validation.csv"), "--current", str(folder / "data" / "production.parquet"),
        "--timestamp", TIMESTAMP, "--label", LABEL, "--positive", POSITIVE, "--score", SCORE, "--id", ID,
        "--features", ",".join(FEATURES), "--volume-per-day", str(VOLUME_PER_DAY),
    ]

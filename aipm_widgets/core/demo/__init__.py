"""Bundled demo data: a card-fraud product, a resume-screening model and candidate use cases.

Everything here is synthetic, deterministic (seeded) and small. The bundled Parquet files are
produced by :func:`generate_fraud` and :func:`generate_resume`; ``python -m aipm_widgets.core.demo``
regenerates them together with the machine-readable card (``demo_card.yaml``) and the data card
(``DATA_CARD.md``), which state exactly what was injected where. Later stages are tested against that card.

Examples
--------
>>> from aipm_widgets.core import demo
>>> fraud = demo.load_fraud()
>>> sorted(fraud["split"].unique())
['production', 'train', 'validation']
>>> demo.demo_card()["fraud"]["launch_date"]
'2025-06-01'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:  # pandas loads when data is read or generated: naming a demo's examples costs no pandas import
    import pandas as pd

    from ..io.columns import Columns

__all__ = [
    "FRAUD_FEATURES",
    "RESUME_FEATURES",
    "load_fraud",
    "fraud_columns",
    "load_resume",
    "load_candidates",
    "read_demo_table",
    "demo_table_outline",
    "demo_card",
    "data_card_markdown",
    "write_demo_data",
    "generate_fraud",
    "generate_resume",
]

SEED = 20250601
CARD_THRESHOLD = 0.08
"""The fraud threshold the data card's month-by-month recall is measured at (about 2% of validation rows alerted)."""
DATA_DIR = Path(__file__).resolve().parents[2] / "data"

FRAUD_FEATURES = [
    "amount",
    "merchant_category",
    "channel",
    "country",
    "hour",
    "customer_tenure_months",
    "age_band",
]
RESUME_FEATURES = ["years_experience", "education", "skills_test_score", "employment_gap_months", "referral"]

_START = "2025-01-01"
_END = "2026-01-01"
_TRAIN_END = "2025-04-01"
_LAUNCH = "2025-06-01"
_COVARIATE_DRIFT = "2025-09-01"
_CONCEPT_DRIFT = "2025-10-01"
_EXTRACT = "2026-01-10"

_CATEGORIES = ["grocery", "restaurants", "fuel", "fashion", "electronics", "travel", "gift_cards", "online_gaming"]
_CAT_P = [0.30, 0.18, 0.12, 0.12, 0.09, 0.07, 0.05, 0.07]
_CAT_P_DRIFT = [0.22, 0.15, 0.09, 0.13, 0.16, 0.08, 0.07, 0.10]  # holiday-season shopping mix
_CAT_LOGIT = {
    "grocery": -0.9, "restaurants": -0.6, "fuel": -0.4, "fashion": 0.1,
    "electronics": 1.0, "travel": 0.6, "gift_cards": 1.7, "online_gaming": 1.1,
}
_CAT_AMOUNT = {
    "grocery": 3.3, "restaurants": 3.2, "fuel": 3.8, "fashion": 4.2,
    "electronics": 5.2, "travel": 5.6, "gift_cards": 4.3, "online_gaming": 3.4,
}
_CHANNELS = ["card_present", "contactless", "online"]
_CHANNEL_P = [0.35, 0.30, 0.35]
_CHANNEL_P_DRIFT = [0.25, 0.25, 0.50]
_CHANNEL_LOGIT = {"card_present": -0.7, "contactless": -0.3, "online": 0.9}
_COUNTRIES = ["home", "eu", "non_eu"]
_COUNTRY_P = [0.86, 0.10, 0.04]
_COUNTRY_LOGIT = {"home": 0.0, "eu": 0.7, "non_eu": 1.6}
_AGE_BANDS = ["18-24", "25-34", "35-49", "50-64", "65+"]
_AGE_P = [0.12, 0.24, 0.30, 0.22, 0.12]
_AGE_LOGIT = {"18-24": 0.2, "25-34": 0.0, "35-49": -0.1, "50-64": 0.0, "65+": 0.45}


def _fraud_logit(df: pd.DataFrame, *, concept_drift: np.ndarray) -> np.ndarray:
    amount = df["amount"].to_numpy()
    logit = (
        -7.0
        + 1.0 * np.log(amount / 60.0).clip(-2, 3)
        + 1.6 * df["merchant_category"].map(_CAT_LOGIT).to_numpy()
        + 1.6 * df["channel"].map(_CHANNEL_LOGIT).to_numpy()
        + 1.6 * df["country"].map(_COUNTRY_LOGIT).to_numpy()
        + np.where(df["hour"].to_numpy() < 6, 1.6, 0.0)
        + np.where(df["customer_tenure_months"].to_numpy() < 6, 1.4, 0.0)
        + df["age_band"].map(_AGE_LOGIT).to_numpy()
    )
    # The new fraud pattern from the concept-drift date: card testing with small contactless payments at
    # grocery and restaurant terminals, which the model (trained before it existed) scores as safe.
    testing = (
        concept_drift
        & (df["channel"].to_numpy() == "contactless")
        & np.isin(df["merchant_category"].to_numpy(), ["grocery", "restaurants"])
        & (amount < 40)
    )
    return np.where(testing, np.maximum(logit, np.log(0.12 / 0.88)), logit)


def _transactions(rng: np.random.Generator, n: int) -> pd.DataFrame:
    import pandas as pd

    span = (pd.Timestamp(_END) - pd.Timestamp(_START)).total_seconds()
    seconds = np.sort(rng.uniform(0, span, n))
    ts = pd.Timestamp(_START) + pd.to_timedelta(seconds, unit="s")
    # Realistic hour-of-day profile: quiet at night, busy around lunch and early evening.
    hour_p = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4, 4.5, 5, 5.5, 6.5, 6, 5, 5, 5.5, 6.5, 6.5, 5.5, 4.5, 3.5, 2.5, 1.6])
    hours = rng.choice(24, size=n, p=hour_p / hour_p.sum())
    ts = ts.normalize() + pd.to_timedelta(hours, unit="h") + pd.to_timedelta(rng.integers(0, 3600, n), unit="s")
    order = np.argsort(ts.values, kind="stable")
    ts = ts[order]
    hours = hours[order]
    drifted = ts >= pd.Timestamp(_COVARIATE_DRIFT)
    cat = np.where(
        drifted,
        rng.choice(_CATEGORIES, size=n, p=_CAT_P_DRIFT),
        rng.choice(_CATEGORIES, size=n, p=_CAT_P),
    )
    channel = np.where(
        drifted, rng.choice(_CHANNELS, size=n, p=_CHANNEL_P_DRIFT), rng.choice(_CHANNELS, size=n, p=_CHANNEL_P)
    )
    mu = pd.Series(cat).map(_CAT_AMOUNT).to_numpy() + np.where(drifted, 0.25, 0.0)
    amount = np.round(np.exp(rng.normal(mu, 0.85)), 2).clip(0.5, 25_000)
    n_customers = 18_000
    customer = rng.integers(0, n_customers, n)
    tenure_by_customer = np.round(rng.gamma(1.6, 22, n_customers)).astype(int)
    age_by_customer = rng.choice(_AGE_BANDS, size=n_customers, p=_AGE_P)
    return pd.DataFrame(
        {
            "timestamp": ts.values,
            "customer_id": pd.Series(customer).map(lambda i: f"C{i:05d}").values,
            "amount": amount,
            "merchant_category": cat,
            "channel": channel,
            "country": rng.choice(_COUNTRIES, size=n, p=_COUNTRY_P),
            "hour": hours,
            "customer_tenure_months": tenure_by_customer[customer].astype(float),
            "age_band": age_by_customer[customer],
        }
    )


def _model_matrix(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    X = df[FRAUD_FEATURES].copy()
    for col in ["merchant_category", "channel", "country", "age_band"]:
        X[col] = pd.Categorical(X[col], categories=sorted(set(X[col].dropna())))
    return X


def generate_fraud(seed: int = SEED, n: int = 120_000) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Generate the card-fraud scenario and the facts of what was injected where.

    Returns the transactions table (one row per logged transaction, with the model's ``score``) and a
    dict of ground truth for the data card.
    """
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(seed)
    df = _transactions(rng, n)
    concept = (df["timestamp"] >= pd.Timestamp(_CONCEPT_DRIFT)).to_numpy()
    p = 1.0 / (1.0 + np.exp(-_fraud_logit(df, concept_drift=concept)))
    df["is_fraud"] = (rng.uniform(size=n) < p).astype(int)
    # Label errors: chargebacks keyed against the wrong transaction mark safe, everyday payments as fraud.
    before_launch = (df["timestamp"] < pd.Timestamp(_LAUNCH)).to_numpy()
    safe = np.flatnonzero(before_launch & (p < 0.003) & (df["is_fraud"].to_numpy() == 0))
    flipped = np.sort(rng.choice(safe, size=80, replace=False))
    df.loc[flipped, "is_fraud"] = 1
    ts = df["timestamp"]
    df["split"] = np.select([ts < pd.Timestamp(_TRAIN_END), ts < pd.Timestamp(_LAUNCH)], ["train", "validation"], "production")

    # The model: trained on January-March, validated April-May, launched 2025-06-01.
    train = df["split"] == "train"
    cats = sorted(_CATEGORIES), sorted(_CHANNELS), sorted(_COUNTRIES), sorted(_AGE_BANDS)
    X = df[FRAUD_FEATURES].copy()
    for col, levels in zip(["merchant_category", "channel", "country", "age_band"], cats):
        X[col] = pd.Categorical(X[col], categories=levels)
    model = HistGradientBoostingClassifier(
        max_iter=120, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=80, l2_regularization=1.0,
        categorical_features="from_dtype", early_stopping=False, random_state=seed,
    )
    model.fit(X[train], df.loc[train, "is_fraud"])
    df["score"] = np.round(model.predict_proba(X)[:, 1], 5)

    # Chargeback labels arrive 10-90 days after the transaction; the extract is dated 2026-01-10.
    delay_days = np.round(10 + rng.gamma(2.0, 12.0, n)).clip(10, 90)
    df["label_available_date"] = (df["timestamp"] + pd.to_timedelta(delay_days, unit="D")).dt.normalize()
    unlabeled = (df["label_available_date"] > pd.Timestamp(_EXTRACT)).to_numpy()
    df["is_fraud"] = df["is_fraud"].astype("float64")
    df.loc[unlabeled, "is_fraud"] = np.nan

    df.insert(0, "transaction_id", [f"T{i:07d}" for i in range(1, n + 1)])
    df["hour"] = df["hour"].astype("int64")
    injected: dict[str, Any] = {
        "label_errors": {
            "column": "is_fraud",
            "rows": int(len(flipped)),
            "transaction_ids": [f"T{i + 1:07d}" for i in flipped],
            "note": "safe transactions (true fraud probability < 0.3%) before launch labeled as fraud",
        }
    }
    # Injected data-quality problems (logging faults), with the exact rows recorded.
    idx = np.arange(n)
    miss_tenure = rng.choice(idx, size=int(0.02 * n), replace=False)
    df.loc[miss_tenure, "customer_tenure_months"] = np.nan
    injected["missing_values"] = {"column": "customer_tenure_months", "rows": int(len(miss_tenure)), "marker": "NaN"}
    rest = np.setdiff1d(idx, miss_tenure)
    markers = {"": 420, "N/A": 300, "?": 180}
    marker_rows = rng.choice(rest, size=sum(markers.values()), replace=False)
    start = 0
    for marker, count in markers.items():
        df.loc[marker_rows[start : start + count], "country"] = marker
        start += count
    injected["mixed_null_markers"] = {"column": "country", "markers": markers, "rows": int(sum(markers.values()))}
    sentinel_rows = rng.choice(np.setdiff1d(rest, marker_rows), size=12, replace=False)
    df.loc[sentinel_rows, "amount"] = -999.0
    injected["out_of_range"] = [
        {"column": "amount", "value": -999.0, "rows": 12, "note": "a -999 sentinel written for failed currency conversions"}
    ]
    bad_hour = rng.choice(np.setdiff1d(rest, np.concatenate([marker_rows, sentinel_rows])), size=8, replace=False)
    df.loc[bad_hour, "hour"] = 27
    injected["out_of_range"].append({"column": "hour", "value": 27, "rows": 8, "note": "hour must be 0-23"})
    dup_rows = rng.choice(idx, size=150, replace=False)
    df = pd.concat([df, df.iloc[dup_rows]], ignore_index=True)
    df = df.sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True)
    injected["duplicates"] = {"rows": 150, "key": "transaction_id", "note": "exact copies of logged rows (a retried log write)"}

    facts = _fraud_facts(df, injected)
    return df, facts


def _fraud_facts(df: pd.DataFrame, injected: dict[str, Any]) -> dict[str, Any]:
    """Measured facts about the generated fraud data, written into the card."""
    from sklearn.metrics import roc_auc_score

    clean = df.drop_duplicates("transaction_id")
    labeled = clean.dropna(subset=["is_fraud"])
    by_month = []
    for month, g in labeled.groupby(labeled["timestamp"].dt.to_period("M")):
        y, s = g["is_fraud"].to_numpy(), g["score"].to_numpy()
        pred = s >= CARD_THRESHOLD
        tp = int(((y == 1) & pred).sum())
        by_month.append(
            {
                "month": str(month),
                "rows": int(len(g)),
                "fraud_rate": round(float(y.mean()), 4),
                "roc_auc": round(float(roc_auc_score(y, s)), 3),
                "recall_at_threshold": round(tp / max(int(y.sum()), 1), 3),
                "online_share": round(float((g["channel"] == "online").mean()), 3),
            }
        )
    return {
        "rows": int(len(df)),
        "unique_transactions": int(clean["transaction_id"].nunique()),
        "period": ["2025-01-01", "2025-12-31"],
        "fraud_rate_labeled": round(float(labeled["is_fraud"].mean()), 4),
        "splits": {
            "train": ["2025-01-01", "2025-03-31"],
            "validation": ["2025-04-01", "2025-05-31"],
            "production": ["2025-06-01", "2025-12-31"],
        },
        "launch_date": _LAUNCH,
        "extract_date": _EXTRACT,
        "label_delay_days": [10, 90],
        "unlabeled_rows": int(df["is_fraud"].isna().sum()),
        "covariate_drift": {
            "start": _COVARIATE_DRIFT,
            "columns": ["amount", "channel", "merchant_category"],
            "what": "amounts about 28% higher (log-mean +0.25), online share from 35% to 50%, more electronics and gift cards",
        },
        "concept_drift": {
            "start": _CONCEPT_DRIFT,
            "what": (
                "a new card-testing pattern: small (< 40 EUR) contactless payments at grocery and restaurant "
                "terminals become fraud about 12% of the time (near 0.1% before); the model, trained before, scores them as safe, "
                "so recall falls"
            ),
        },
        "injected_quality_problems": injected,
        "monthly": by_month,
        "card_threshold": CARD_THRESHOLD,
        "model": "HistGradientBoostingClassifier trained on 2025-01..03, features " + ", ".join(FRAUD_FEATURES),
    }


def generate_resume(seed: int = SEED + 1, n: int = 4_000) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Generate the resume-screening scenario with an injected bias against women.

    The true qualification rate is the same for women and men, but the screening model was trained on
    historical hiring decisions in which qualified women were passed over, and it learned a proxy
    (``employment_gap_months``, longer on average for women because of care leave) plus the gender signal.
    """
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    gender = rng.choice(["woman", "man", "nonbinary"], size=n, p=[0.47, 0.50, 0.03])
    age_band = rng.choice(["under_30", "30-44", "45+"], size=n, p=[0.35, 0.42, 0.23])
    years = np.round(rng.gamma(2.2, 3.0, n), 1)
    education = rng.choice(["none", "bachelor", "master", "phd"], size=n, p=[0.15, 0.5, 0.3, 0.05])
    skills = np.round(np.clip(rng.normal(62, 14, n), 0, 100))
    gap = np.round(np.where(gender == "woman", rng.gamma(1.2, 6.0, n), rng.gamma(0.8, 3.0, n)))
    referral = rng.uniform(size=n) < 0.18
    edu_score = pd.Series(education).map({"none": 0.0, "bachelor": 0.4, "master": 0.7, "phd": 0.8}).to_numpy()
    # True qualification depends only on job-relevant merit.
    merit = -6.2 + 0.07 * skills + 0.12 * np.minimum(years, 12) + edu_score + 0.3 * referral
    qualified = (rng.uniform(size=n) < 1 / (1 + np.exp(-merit))).astype(int)
    # Historical decisions: qualified women (and long gaps) were passed over.
    passed_over = ((gender == "woman") & (rng.uniform(size=n) < 0.12)) | ((gap > 12) & (rng.uniform(size=n) < 0.3))
    hired = np.where(passed_over, 0, qualified)
    X = pd.DataFrame(
        {
            "years_experience": years,
            "edu": edu_score,
            "skills_test_score": skills,
            "employment_gap_months": gap,
            "referral": referral.astype(int),
            "is_woman": (gender == "woman").astype(int),
        }
    )
    model = LogisticRegression(max_iter=2000).fit(X, hired)
    score = np.round(model.predict_proba(X)[:, 1], 5)
    df = pd.DataFrame(
        {
            "applicant_id": [f"A{i:05d}" for i in range(1, n + 1)],
            "years_experience": years,
            "education": education,
            "skills_test_score": skills,
            "employment_gap_months": gap,
            "referral": referral,
            "gender": gender,
            "age_band": age_band,
            "qualified": qualified,
            "historically_hired": hired,
            "score": score,
        }
    )
    threshold = 0.5
    sel = df["score"] >= threshold
    rates = {g: round(float(sel[df["gender"] == g].mean()), 3) for g in ["woman", "man", "nonbinary"]}
    tpr = {
        g: round(float(sel[(df["gender"] == g) & (df["qualified"] == 1)].mean()), 3) for g in ["woman", "man", "nonbinary"]
    }
    qual = {g: round(float(df.loc[df["gender"] == g, "qualified"].mean()), 3) for g in ["woman", "man", "nonbinary"]}
    facts = {
        "rows": n,
        "label": "qualified (1 = rated qualified by a structured, blind work-sample interview)",
        "score": "screening model's probability of 'hire', trained on historically_hired",
        "threshold": threshold,
        "injected_bias": {
            "group_column": "gender",
            "disadvantaged": "woman",
            "reference": "man",
            "mechanism": "12% of qualified women passed over in historical decisions used as training labels; "
            "employment_gap_months is a proxy",
            "qualified_rate": qual,
            "selection_rate_at_threshold": rates,
            "tpr_at_threshold": tpr,
            "four_fifths_ratio": round(rates["woman"] / rates["man"], 3),
        },
        "small_group": {"column": "gender", "group": "nonbinary", "rows": int((gender == "nonbinary").sum())},
    }
    return df, facts


CANDIDATES: list[dict[str, Any]] = [
    {
        "id": "fraud_flagging",
        "name": "Flag likely card fraud for analyst review",
        "description": "Score every card transaction and send the riskiest to the fraud team before settlement.",
        # The value range and the first two evidence notes are written by load_candidates() from the logged
        # history and the demo's volume (fraud_history), so stage 1 and stage 4 tell one story.
        "value": {"unit": "EUR per year in prevented losses"},
        "scores": {
            "business_value": 5, "pattern_repetitive": 5, "labeled_data": 4, "human_could_do": 4,
            "error_tolerance": 3, "feasibility": 4, "ethical_risk": 3,
        },
        "evidence": {
            "labeled_data": "Chargebacks give labels 10-90 days late; 12 months of history.",
            "human_could_do": "Analysts catch fraud given the history, but only for a fraction of volume.",
            "error_tolerance": "Misses cost money; false alarms annoy customers. Costs are known.",
            "feasibility": "Scoring must take < 50 ms inside the authorisation flow.",
            "ethical_risk": "Declines can hit some customer groups harder; needs a fairness check by age band.",
        },
    },
    {
        "id": "ticket_routing",
        "name": "Route support tickets to the right team",
        "description": "Read each incoming support ticket and pick the queue that should answer it.",
        "value": {"low": 150_000, "high": 300_000, "unit": "EUR per year in agent time"},
        "scores": {
            "business_value": 3, "pattern_repetitive": 5, "labeled_data": 4, "human_could_do": 5,
            "error_tolerance": 4, "feasibility": 4, "ethical_risk": 1,
        },
        "evidence": {
            "business_value": "40 k tickets a year; 15% are mis-routed and bounce once.",
            "pattern_repetitive": "Same handful of request types over and over.",
            "labeled_data": "Final queue of every closed ticket is logged.",
            "human_could_do": "Any trained agent does it in seconds.",
            "error_tolerance": "A wrong queue costs a re-route, not harm.",
            "feasibility": "Batch, minutes of latency are fine.",
            "ethical_risk": "Low; watch language groups.",
        },
    },
    {
        "id": "churn_outreach",
        "name": "Choose which customers get a retention call",
        "description": "Predict who is about to close their account and call them with an offer.",
        "value": {"low": 50_000, "high": 600_000, "unit": "EUR per year in retained margin"},
        "scores": {
            "business_value": 3, "pattern_repetitive": 4, "labeled_data": 2, "human_could_do": 3,
            "error_tolerance": 4, "feasibility": 4, "ethical_risk": 2,
        },
        "evidence": {
            "business_value": "Wide value range: nobody has measured whether calls change anything.",
            "pattern_repetitive": "Monthly batch over all customers.",
            "labeled_data": "Closures are logged, but past outreach was not, so uplift cannot be learned yet.",
            "human_could_do": "Account managers guess from activity; no consistent record of it.",
            "error_tolerance": "A wasted call is cheap.",
            "feasibility": "Monthly batch is easy.",
            "ethical_risk": "Offers must not discriminate.",
        },
    },
    {
        "id": "invoice_totals",
        "name": "Check that invoice totals add up",
        "description": "Detect invoices whose line items do not sum to the stated total.",
        "value": {"low": 10_000, "high": 30_000, "unit": "EUR per year"},
        "scores": {
            "business_value": 2, "pattern_repetitive": 5, "labeled_data": 1, "human_could_do": 5,
            "error_tolerance": 1, "feasibility": 5, "ethical_risk": 1,
        },
        "evidence": {
            "business_value": "A few hundred errors a year.",
            "pattern_repetitive": "Yes, but it is arithmetic, not a pattern to learn.",
            "labeled_data": "No labels; none are needed: the rule is exact.",
            "human_could_do": "Anyone with a calculator.",
            "error_tolerance": "Errors must be zero; a deterministic check gives that.",
            "feasibility": "A one-line rule.",
            "ethical_risk": "None.",
        },
    },
    {
        "id": "credit_limit",
        "name": "Set credit limits for new small-business customers",
        "description": "Recommend a starting credit limit from application data.",
        "value": {"low": 200_000, "high": 900_000, "unit": "EUR per year in avoided write-offs"},
        "scores": {
            "business_value": 4, "pattern_repetitive": 4, "labeled_data": 1, "human_could_do": 4,
            "error_tolerance": 2, "feasibility": 3, "ethical_risk": 5,
        },
        "evidence": {
            "business_value": "Write-offs are the largest loss line in the SME book.",
            "pattern_repetitive": "Hundreds of applications a month.",
            "labeled_data": "Only 300 defaults in five years; outcomes of declined applicants unknown.",
            "human_could_do": "Underwriters do it with the file in front of them.",
            "error_tolerance": "Errors affect people's livelihoods.",
            "feasibility": "Needs integration with the underwriting system.",
            "ethical_risk": "Regulated decision; explanations required by law.",
        },
    },
]


def read_demo_table(name: str, split: str | None = None) -> pd.DataFrame:
    """A bundled demo table (a Parquet file in :data:`DATA_DIR`), or the rows of one ``split``, as
    ``pd.read_parquet`` gives them.

    Read with pyarrow's ``ParquetFile``: ``pd.read_parquet`` imports pyarrow's dataset layer first (0.1 to 0.2 s of a
    page's opening, before its first control). The fraud file keeps one row group per split
    (:func:`write_by_split`), so a split's read decodes only its own rows; the rows are filtered by value as well,
    so a file written any other way gives the same answer.
    """
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(DATA_DIR / name)
    if split is None:
        return pf.read().to_pandas()
    import pyarrow.compute as pc

    groups = _split_row_groups(pf, split)
    table = pf.read_row_groups(groups) if groups else pf.schema_arrow.empty_table()
    return table.filter(pc.equal(table["split"], split)).to_pandas()


def demo_table_outline(name: str, split: str | None, column: str | None, *,
                       limit: int = 20) -> tuple[list[str], list[Any]]:
    """The column names of a bundled demo table (a Parquet file in :data:`DATA_DIR`) and the first ``limit`` distinct
    non-missing values of ``column`` in the rows of ``split``, in order of appearance: what :func:`read_demo_table`'s
    frame would give (``list(frame.columns)``, ``frame[column].dropna().unique()[:limit]``), read from the file's schema
    and that one column. The start page offers these in its column choices before its first control: no pandas (0.4 s
    to import), and none of pyarrow's compute functions or arrays built from Python objects either (pyarrow imports
    pandas for those; reading a file and ``to_pylist`` do not).
    """
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(DATA_DIR / name)
    names = list(pf.schema_arrow.names)
    if column is None or column not in names:
        return names, []
    groups = _split_row_groups(pf, split)
    if not groups:
        return names, []
    table = pf.read_row_groups(groups, columns=[column] if split is None else [column, "split"])
    values = table.column(column).to_pylist()
    if split is not None:
        values = [v for v, s in zip(values, table.column("split").to_pylist()) if s == split]
    distinct = dict.fromkeys(v for v in values if v is not None and v == v)  # in order; no missing value, no NaN
    return names, list(distinct)[:limit]


def _split_row_groups(pf: Any, split: str | None) -> list[int]:
    """The row groups of ``pf`` that may hold rows of ``split`` (by their statistics; all of them for None)."""
    return [i for i in range(pf.num_row_groups) if split is None or _row_group_may_hold(pf, i, "split", split)]


def _row_group_may_hold(pf: Any, group: int, column: str, value: str) -> bool:
    meta = pf.metadata.row_group(group)
    for i in range(meta.num_columns):
        chunk = meta.column(i)
        if chunk.path_in_schema == column:
            stats = chunk.statistics
            if stats is None or not stats.has_min_max:
                return True
            return stats.min <= value <= stats.max
    return True


def write_by_split(frame: pd.DataFrame, path: Path, column: str = "split") -> None:
    """Write ``frame`` as Parquet (zstd, no index) with one row group per run of equal ``column`` values, in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    values = frame[column].to_numpy()
    starts = [0] + [i for i in range(1, len(values)) if values[i] != values[i - 1]] + [len(values)]
    with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
        for a, b in zip(starts, starts[1:]):
            writer.write_table(table.slice(a, b - a), row_group_size=b - a)


@functools.lru_cache(maxsize=1)
def _load_fraud_all() -> pd.DataFrame:
    return read_demo_table("fraud_transactions.parquet")


def load_fraud(split: str | None = None) -> pd.DataFrame:
    """The card-fraud transactions (a copy), optionally one split: ``train``, ``validation``, ``production``."""
    if split is None:
        return _load_fraud_all().copy()
    if split not in {"train", "validation", "production"}:
        raise ValueError(f"split must be 'train', 'validation' or 'production', not {split!r}")
    return _read_fraud_split(split) if split == "train" else _fraud_split(split).copy()


def _read_fraud_split(split: str) -> pd.DataFrame:
    """Only the split's rows (a page that needs one split never holds the whole year in memory)."""
    return read_demo_table("fraud_transactions.parquet", split)


@functools.lru_cache(maxsize=2)
def _fraud_split(split: str) -> pd.DataFrame:
    """The validation or production split, read once per process: a page asked for the validation rows three to
    five times (0.1 to 0.3 s a read). Callers get copies. (The training rows, read once by page 04, are not kept.)"""
    return _read_fraud_split(split)


def fraud_columns(split: str, columns: Sequence[str]) -> Columns:
    """``columns`` of the fraud transactions in ``split``, one row per transaction (the first of a duplicated one), as
    :class:`~aipm_widgets.core.io.columns.Columns`: the rows ``load_fraud(split).drop_duplicates("transaction_id")``
    gives, read without pandas (page 04 shows its first control before pandas is imported)."""
    if split not in {"train", "validation", "production"}:
        raise ValueError(f"split must be 'train', 'validation' or 'production', not {split!r}")
    return _fraud_columns(split, tuple(columns))


@functools.lru_cache(maxsize=4)
def _fraud_columns(split: str, columns: tuple[str, ...]) -> Columns:
    import pyarrow.parquet as pq

    from ..io.columns import Columns, read_columns

    path = DATA_DIR / "fraud_transactions.parquet"
    wanted = tuple(dict.fromkeys(columns + ("transaction_id", "split")))
    table = read_columns(path, wanted, row_groups=_split_row_groups(pq.ParquetFile(path), split))
    table = table.take(table.split == split).first_of_each("transaction_id")
    return Columns({c: table[c] for c in columns})


@functools.lru_cache(maxsize=1)
def _load_resume() -> pd.DataFrame:
    return read_demo_table("resume_screening.parquet")


def load_resume() -> pd.DataFrame:
    """The resume-screening applicants with the screening model's score (a copy)."""
    return _load_resume().copy()


def load_candidates() -> list[dict[str, Any]]:
    """The demo's candidate use cases for the scoping stage (deep copies).

    The fraud candidate's value range is computed, not typed: the fraud losses the logged history shows at the
    demo's volume (:func:`fraud_history`) times the share a model is expected to catch (:data:`FRAUD_CATCH_SHARE`).
    """
    import copy

    from ..text import format as fmt

    out = copy.deepcopy(CANDIDATES)
    h = fraud_history()
    fraud = next(c for c in out if c["id"] == "fraud_flagging")
    lo, hi = (_round_sig(h["losses_per_year"] * s) for s in FRAUD_CATCH_SHARE)
    fraud["value"].update(low=lo, high=hi)
    fraud["evidence"] = {
        "business_value": (
            f"Fraud in the logged history ({h['period']}) is {fmt.percent(h['fraud_rate'], 2)} of payments, "
            f"{fmt.money(h['fraud_value_per_payment'], FRAUD_CURRENCY, 2)} of fraud per payment on average: about "
            f"{fmt.money(h['losses_per_year'], FRAUD_CURRENCY)} a year at {fmt.count(h['volume_per_day'])} payments a day. "
            f"A model that flags the riskiest payments for review is expected to catch "
            f"{fmt.percent(FRAUD_CATCH_SHARE[0], 0)} to {fmt.percent(FRAUD_CATCH_SHARE[1], 0)} of that value; the "
            f"team can review {fmt.count(FRAUD_REVIEW_CAPACITY_PER_DAY)} payments a day."
        ),
        "pattern_repetitive": (f"About {fmt.count(h['volume_per_day'] * 365)} payments a year; fraud follows "
                               "recurring patterns."),
        **fraud["evidence"],
    }
    return out


def _round_sig(x: float, digits: int = 2) -> float:
    """``x`` to ``digits`` significant figures (a stage 1 estimate is a rough range, not a measurement)."""
    import math

    if not x:
        return 0.0
    return float(round(x, digits - 1 - int(math.floor(math.log10(abs(x))))))


@functools.lru_cache(maxsize=1)
def _fraud_history() -> dict[str, Any]:
    # Read as numpy columns, not pandas: page 01 of a workshop that has not decided stage 1 yet shows this value range
    # in its first controls (pandas' import alone is 0.3 s of the page's kernel time). The same rows and figures as
    # concat(load_fraud("train"), load_fraud("validation")).drop_duplicates("transaction_id").dropna(subset=["is_fraud"]).
    from ..io.columns import Columns

    wanted = ("transaction_id", "timestamp", "amount", "is_fraud")
    parts = [fraud_columns(split, wanted) for split in ("train", "validation")]  # each one row per transaction
    history = Columns({c: np.concatenate([p[c] for p in parts]) for c in wanted}).first_of_each("transaction_id")
    labeled = history.take(~np.isnan(history.is_fraud))
    amount = np.clip(labeled.amount, 0, None)  # the -999 placeholder counts as a loss of 0, as in stage 4
    fraud = labeled.is_fraud == 1
    per_payment = float(np.nansum(amount[fraud])) / len(labeled)
    times = labeled.timestamp[~np.isnat(labeled.timestamp)].astype("datetime64[us]")
    return {
        "period": f"{times.min().item():%B %Y} to {times.max().item():%B %Y}",
        "rows": int(len(labeled)),
        "fraud_rate": float(fraud.mean()),
        "mean_fraud_amount": float(np.nanmean(amount[fraud])),
        "fraud_value_per_payment": per_payment,
        "volume_per_day": FRAUD_VOLUME_PER_DAY,
        "losses_per_year": per_payment * FRAUD_VOLUME_PER_DAY * 365,
    }


def fraud_history() -> dict[str, Any]:
    """What the fraud demo's logged history before launch (labeled, de-duplicated rows) says about its losses.

    ``losses_per_year`` is the fraud value per payment times :data:`FRAUD_VOLUME_PER_DAY` times 365: the losses
    with no model, the base of stage 1's value estimate. Stage 4 measures what the model prevents of it.
    """
    return dict(_fraud_history())


@functools.lru_cache(maxsize=1)
def _card() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((DATA_DIR / "demo_card.yaml").read_text(encoding="utf-8"))


def demo_card() -> dict[str, Any]:
    """The machine-readable data card: what was generated and injected where (a copy)."""
    import copy

    return copy.deepcopy(_card())


def data_card_markdown() -> str:
    """The human-readable data card."""
    return (DATA_DIR / "DATA_CARD.md").read_text(encoding="utf-8")


def write_demo_data(directory: str | Path) -> list[Path]:
    """Write the demo data sets as CSV and Parquet (plus the data card) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in [("fraud_transactions", load_fraud()), ("resume_screening", load_resume())]:
        for ext in ("csv", "parquet"):
            path = directory / f"{name}.{ext}"
            if ext == "csv":
                df.to_csv(path, index=False)
            else:
                df.to_parquet(path, index=False)
            written.append(path)
    import yaml

    cand = directory / "candidate_use_cases.yaml"
    cand.write_text(yaml.safe_dump(load_candidates(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    card = directory / "DATA_CARD.md"
    card.write_text(data_card_markdown(), encoding="utf-8")
    return [*written, cand, card]


def _render_card(fraud: dict[str, Any], resume: dict[str, Any]) -> str:
    inj = fraud["injected_quality_problems"]
    months = "\n".join(
        f"| {m['month']} | {m['rows']:,} | {m['fraud_rate']:.2%} | {m['roc_auc']:.3f} | {m['recall_at_threshold']:.2f} | {m['online_share']:.0%} |"
        for m in fraud["monthly"]
    )
    b = resume["injected_bias"]
    return f"""# Demo data card

All data here is synthetic, generated deterministically by `aipm_widgets/core/demo/` (seeded; run
`python -m aipm_widgets.core.demo` to regenerate). No real person or transaction is described.
The machine-readable version of this card is `demo_card.yaml`; the workbook's tests check every stage against it.

## Card fraud (`fraud_transactions`): used by every stage

{fraud['rows']:,} logged card transactions ({fraud['unique_transactions']:,} unique) from {fraud['period'][0]} to
{fraud['period'][1]}. Columns: `transaction_id`, `timestamp`, `customer_id`, `amount` (EUR), `merchant_category`,
`channel`, `country` (home / eu / non_eu), `hour`, `customer_tenure_months`, `age_band` (a group attribute for
fairness checks), `is_fraud` (label; empty until the chargeback arrives), `split`, `score` (the model's fraud
probability), `label_available_date`.

- **Model**: {fraud['model']}. Train {fraud['splits']['train'][0]}..{fraud['splits']['train'][1]}, validation
  {fraud['splits']['validation'][0]}..{fraud['splits']['validation'][1]}, **launch {fraud['launch_date']}**,
  production until {fraud['splits']['production'][1]}.
- **Fraud rate** among labeled rows: {fraud['fraud_rate_labeled']:.2%}.
- **Labels arrive late**: chargebacks come {fraud['label_delay_days'][0]}-{fraud['label_delay_days'][1]} days after the
  transaction; the extract is dated {fraud['extract_date']}, so {fraud['unlabeled_rows']:,} recent rows have no label yet.
- **Covariate drift from {fraud['covariate_drift']['start']}** in `{'`, `'.join(fraud['covariate_drift']['columns'])}`:
  {fraud['covariate_drift']['what']}.
- **Concept drift from {fraud['concept_drift']['start']}**: {fraud['concept_drift']['what']}.

Injected data-quality problems:

| problem | column | what | rows |
| --- | --- | --- | --- |
| missing values | `{inj['missing_values']['column']}` | NaN | {inj['missing_values']['rows']:,} |
| mixed null markers | `{inj['mixed_null_markers']['column']}` | {', '.join(repr(k) for k in inj['mixed_null_markers']['markers'])} ({', '.join(str(v) for v in inj['mixed_null_markers']['markers'].values())} rows) | {inj['mixed_null_markers']['rows']:,} |
| out-of-range value | `amount` | -999 sentinel | {inj['out_of_range'][0]['rows']} |
| out-of-range value | `hour` | 27 | {inj['out_of_range'][1]['rows']} |
| duplicate rows | all columns | exact copies (same `transaction_id`) | {inj['duplicates']['rows']} |
| wrong labels | `is_fraud` | safe payments labeled fraud (ids in `demo_card.yaml`) | {inj['label_errors']['rows']} |

Month by month (labeled rows; recall at threshold {fraud['card_threshold']}):

| month | rows | fraud rate | ROC AUC | recall | online share |
| --- | --- | --- | --- | --- | --- |
{months}

## Resume screening (`resume_screening`): the ethics stage

{resume['rows']:,} applicants with `years_experience`, `education`, `skills_test_score`, `employment_gap_months`,
`referral`, `gender`, `age_band`, the label `{resume['label'].split(' ')[0]}` ({resume['label'].split('(', 1)[1].rstrip(')')}),
`historically_hired` and `score` ({resume['score']}).

**Injected bias**: {b['mechanism']}. Qualified rates are close (women {b['qualified_rate']['woman']:.1%}, men
{b['qualified_rate']['man']:.1%}), but at threshold {resume['threshold']} the model selects
{b['selection_rate_at_threshold']['woman']:.1%} of women and {b['selection_rate_at_threshold']['man']:.1%} of men
(four-fifths ratio {b['four_fifths_ratio']:.2f}, below 0.8) and finds {b['tpr_at_threshold']['woman']:.1%} of qualified
women against {b['tpr_at_threshold']['man']:.1%} of qualified men. The `nonbinary` group has only
{resume['small_group']['rows']} applicants: too few for tight intervals.

## Candidate use cases (`candidate_use_cases.yaml`): the scoping stage

Five candidates scored 1-5 on the scoping criteria with evidence: fraud flagging (a strong candidate), support-ticket
routing, churn outreach (labels for uplift are missing: data first), invoice-total checking (arithmetic: not an AI
problem) and SME credit limits (high ethical risk, too few labels).
"""


def _regenerate() -> None:
    import yaml

    fraud, fraud_facts = generate_fraud()
    resume, resume_facts = generate_resume()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    write_by_split(fraud, DATA_DIR / "fraud_transactions.parquet")  # one row group per split: a page reads only its own
    resume.to_parquet(DATA_DIR / "resume_screening.parquet", index=False, compression="zstd")
    card = {"seed": SEED, "fraud": fraud_facts, "resume": resume_facts}
    (DATA_DIR / "demo_card.yaml").write_text(yaml.safe_dump(card, sort_keys=False, allow_unicode=True), encoding="utf-8")
    from .tickets import tickets_card_markdown  # generated from a seed at load time, only its card is written

    (DATA_DIR / "DATA_CARD.md").write_text(_render_card(fraud_facts, resume_facts).rstrip("\n") + "\n" + tickets_card_markdown(),
                                           encoding="utf-8")


    print(f"wrote demo data to {DATA_DIR}")


# The demo scenarios a project can be (``project.example`` in the record) ------------------------------------


@dataclass(frozen=True)
class DemoExample:
    """A bundled demo scenario as a project sees it: its two tables and what their columns mean.

    ``columns`` uses the roles of :class:`aipm_widgets.core.project.ColumnRoles` (label, positive, score,
    prediction, proba_columns, proba_prefix, timestamp, id, groups, value, features).

    ``validation`` and ``production`` may be given as functions of no argument that read the table: it is then read
    on first use, so what a page asks of the example (its task, unit, volume) costs no read of the data.
    """

    validation: pd.DataFrame
    production: pd.DataFrame
    columns: dict[str, Any]
    task: str
    currency: str
    volume_per_day: int
    unit: str
    description: str
    outline: Callable[..., tuple[list[str], list[Any]]] | None = None
    """``outline(which, column, limit=...)``: a table's column names and ``column``'s first distinct values without
    reading the table (see :meth:`aipm_widgets.core.project.ProjectData.outline`); None: read from the table."""

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name in ("validation", "production") and callable(value):
            value = value()
            object.__setattr__(self, name, value)  # read once (the dataclass is frozen to its users, not to itself)
        return value


FRAUD_VOLUME_PER_DAY = 1_500
"""Card payments a day the demo's product scores. The demo data's fraud (about 1.5 % of payments, averaging about
300 EUR) is about 4.6 EUR of fraud per payment, so this volume means about 2.5 M EUR of fraud a year: the size of
loss the stage 1 estimate is about. (At 50,000 a day, stage 4 measured 64 M EUR a year prevented, 27 times the
losses stage 1 was told about; see :func:`fraud_history`.)"""
FRAUD_REVIEW_CAPACITY_PER_DAY = 60
"""Alerts the demo's fraud team can review a day: 4 % of :data:`FRAUD_VOLUME_PER_DAY`."""
FRAUD_COST_FP = 5
FRAUD_CONSTRAINT = "fnr<=0.05"
"""The demo's product constraint: miss at most 5 % of fraud (stage 4's explorer, its facts and its guide)."""
FRAUD_CURRENCY = "EUR"
"""What a false alarm costs the demo (EUR): about 4 minutes of an analyst."""
FRAUD_CATCH_SHARE = (0.5, 0.9)
"""Stage 1's assumption: a model flagging the riskiest payments catches this share of the fraud value."""


def fraud_example() -> DemoExample:
    """The card-fraud demo: validated April-May 2025, launched 2025-06-01, production log to December."""
    # The process-wide frames themselves, not copies: a project hands out copies of its tables (Project._table).
    return DemoExample(
        validation=functools.partial(_fraud_split, "validation"),
        production=functools.partial(_fraud_split, "production"),
        columns={
            "label": "is_fraud", "positive": 1, "score": "score", "timestamp": "timestamp", "id": "transaction_id",
            "groups": ["age_band"], "value": "amount", "features": list(FRAUD_FEATURES),
        },
        task="binary",
        currency=FRAUD_CURRENCY,
        volume_per_day=FRAUD_VOLUME_PER_DAY,
        unit="transactions",
        description="Card-fraud alerts on card transactions (synthetic demo data): flag a transaction for review "
        "when its fraud score reaches the threshold.",
        outline=functools.partial(demo_table_outline, "fraud_transactions.parquet"),
    )


def tickets_example() -> DemoExample:
    """The support-ticket routing scenario (multiclass), generated from a seed on first use."""
    from .tickets import load_tickets_example

    return load_tickets_example()


def delivery_example() -> DemoExample:
    """The delivery-time forecast scenario (regression), generated from a seed on first use."""
    from .delivery import load_delivery

    return load_delivery()


EXAMPLES: dict[str, Callable[[], DemoExample]] = {
    "fraud": fraud_example,
    "tickets": tickets_example,
    "delivery": delivery_example,
}
"""The demo scenarios by name (``project.example``); each value builds its :class:`DemoExample` when called."""

__all__ += ["DemoExample", "EXAMPLES", "fraud_example", "tickets_example", "delivery_example", "FRAUD_VOLUME_PER_DAY",
            "FRAUD_REVIEW_CAPACITY_PER_DAY", "FRAUD_COST_FP", "FRAUD_CURRENCY", "FRAUD_CATCH_SHARE", "fraud_history"]


if __name__ == "__main__":  # pragma: no cover
    _regenerate()

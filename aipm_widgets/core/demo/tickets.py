"""The support-ticket routing demo: a multiclass model that routes tickets to queues (generated from a seed).

Every ticket has a keyword from its subject line, a channel, a customer tier, a length, an attachment flag and
a region (a group attribute for fairness checks). Its queue (the label) is drawn from a fixed multinomial
logistic model of those inputs, so while only the inputs' mix moves (covariate shift) the relation between
inputs and queue stays the same. The router is a model of the same form with every weight off by up to 25% (standing in for an imperfect
fit); it writes one
probability column per queue (``proba_<queue>``) and the queue it picks (``predicted_queue``).

Injected after launch (the facts the tests check, also in :func:`tickets_facts`):

* covariate drift from ``COVARIATE_DRIFT``: holiday season, more delivery/refund keywords and more chat;
* concept drift from ``CONCEPT_DRIFT``: a subscription change makes "login" tickets billing questions
  about half of the time (they were account tickets), so the router misroutes them;
* a new ticket type from ``NEW_TYPE``: ``outage`` tickets (keyword "down"), a queue the router does not know.

Examples
--------
>>> ex = load_tickets_example()
>>> ex.task, sorted(ex.columns["proba_columns"])[:2]
('multiclass', ['account', 'billing'])
>>> bool(abs(ex.validation.filter(like="proba_").sum(axis=1) - 1).max() < 1e-9)
True
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["QUEUES", "load_tickets", "load_tickets_example", "tickets_facts", "tickets_card_markdown", "TICKET_COSTS",
           "MINUTES_PER_MANUAL", "VOLUME_PER_DAY"]

SEED = 20250602
QUEUES = ["billing", "technical", "account", "shipping", "returns", "legal", "security"]
NEW_QUEUE = "outage"
KEYWORDS = {  # keyword -> (queue it points to, weight)
    "invoice": ("billing", 4.4), "charge": ("billing", 3.8), "error": ("technical", 4.0), "crash": ("technical", 4.6),
    "password": ("account", 4.2), "login": ("account", 3.6), "delivery": ("shipping", 4.4), "tracking": ("shipping", 3.8),
    "refund": ("returns", 4.2), "contract": ("legal", 6.0), "hacked": ("security", 6.5), "help": (None, 0.0),
}
_KW = list(KEYWORDS)
_KW_P = np.array([0.12, 0.10, 0.11, 0.08, 0.10, 0.09, 0.09, 0.06, 0.07, 0.012, 0.008, 0.16])
_KW_P_DRIFT = np.array([0.10, 0.08, 0.09, 0.06, 0.08, 0.08, 0.15, 0.10, 0.11, 0.012, 0.008, 0.135])
CHANNELS = ["email", "chat", "phone", "web_form"]
_CH_P = np.array([0.40, 0.25, 0.15, 0.20])
_CH_P_DRIFT = np.array([0.30, 0.40, 0.12, 0.18])
TIERS = ["free", "pro", "enterprise"]
REGIONS = ["eu", "americas", "apac"]  # not "na": a null marker in monitoring
START, LAUNCH, END = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-01"), pd.Timestamp("2026-01-01")
TRAIN_END = pd.Timestamp("2025-04-01")
COVARIATE_DRIFT = pd.Timestamp("2025-09-01")
CONCEPT_DRIFT = pd.Timestamp("2025-10-01")
NEW_TYPE = pd.Timestamp("2025-11-15")
LABELS_UNTIL = pd.Timestamp("2025-12-22")
"""Tickets created after this have no confirmed queue yet in the extract."""
VOLUME_PER_DAY = 1200
MINUTES_PER_MANUAL = 4.0
TICKET_COSTS = {"misroute": 6.0, "manual": 2.5, "matrix": {"security": {q: 60.0 for q in QUEUES if q != "security"},
                                                           "legal": {q: 40.0 for q in QUEUES if q != "legal"}}}
"""Demo costs in EUR: a misrouted ticket costs 6 (a hand-over), a misrouted security or legal ticket 60 / 40; a person
reading and routing one ticket costs 2.5."""
ROUTER_ERROR = 0.25
_BIAS = {"billing": 0.6, "technical": 0.5, "account": 0.2, "shipping": 0.1, "returns": -0.4, "legal": -2.6, "security": -3.0}


def _inputs(rng: np.random.Generator, when: pd.DatetimeIndex) -> pd.DataFrame:
    n = len(when)
    drift = np.asarray(when >= COVARIATE_DRIFT)
    kw = np.where(drift, rng.choice(len(_KW), n, p=_KW_P_DRIFT / _KW_P_DRIFT.sum()), rng.choice(len(_KW), n, p=_KW_P / _KW_P.sum()))
    ch = np.where(drift, rng.choice(4, n, p=_CH_P_DRIFT), rng.choice(4, n, p=_CH_P))
    return pd.DataFrame({
        "created_at": when,
        "keyword": np.array(_KW, dtype=object)[kw],
        "channel": np.array(CHANNELS, dtype=object)[ch],
        "customer_tier": rng.choice(TIERS, n, p=[0.55, 0.35, 0.10]),
        "text_length": np.round(np.exp(rng.normal(4.0, 0.6, n))).astype(int),
        "has_attachment": rng.random(n) < 0.25,
        "region": rng.choice(REGIONS, n, p=[0.45, 0.40, 0.15]),
    })


def _logits(df: pd.DataFrame, scale: np.ndarray | None = None) -> np.ndarray:
    """Multinomial logits of the queues from a ticket's inputs; ``scale`` perturbs each term's weight (the router)."""
    terms = iter(np.ones(64) if scale is None else scale)
    logits = np.tile(np.array([_BIAS[q] for q in QUEUES]), (len(df), 1)) * next(terms)
    qi = {q: i for i, q in enumerate(QUEUES)}
    kw = df["keyword"].to_numpy()
    for word, (q, w) in KEYWORDS.items():
        if q is not None:
            logits[kw == word, qi[q]] += w * next(terms)
    att = df["has_attachment"].to_numpy().astype(bool)
    logits[att, qi["technical"]] += 0.8 * next(terms)
    logits[att, qi["returns"]] += 0.6 * next(terms)
    ent = df["customer_tier"].to_numpy() == "enterprise"
    logits[ent, qi["legal"]] += 1.2 * next(terms)
    logits[ent, qi["account"]] += 0.4 * next(terms)
    chat = df["channel"].to_numpy() == "chat"
    logits[chat, qi["shipping"]] += 0.5 * next(terms)
    logits[chat, qi["legal"]] -= 1.0 * next(terms)
    long = np.log(df["text_length"].to_numpy()) - 4.0
    logits[:, qi["technical"]] += 0.9 * long * next(terms)
    logits[:, qi["legal"]] += 0.8 * long * next(terms)
    return logits


def _softmax(logits: np.ndarray) -> np.ndarray:
    p = np.exp(logits - logits.max(1, keepdims=True))
    return p / p.sum(1, keepdims=True)


@functools.lru_cache(maxsize=2)
def _generate(seed: int = SEED, n: int = 60_000) -> tuple[pd.DataFrame, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    seconds = rng.uniform(0, (END - START).total_seconds(), n)
    when = pd.DatetimeIndex(np.sort(START + pd.to_timedelta(seconds, unit="s"))).floor("s")
    df = _inputs(rng, when)
    logits = _logits(df)
    concept = np.asarray(when >= CONCEPT_DRIFT) & (df["keyword"].to_numpy() == "login")
    qi = {q: i for i, q in enumerate(QUEUES)}
    logits[concept, qi["billing"]] += 4.6  # a subscription change: "login" tickets are now about payment
    p = _softmax(logits)
    u = rng.random(n)[:, None]
    label = np.array(QUEUES, dtype=object)[(p.cumsum(1) < u).sum(1).clip(max=len(QUEUES) - 1)]
    new_type = np.asarray(when >= NEW_TYPE) & (rng.random(n) < 0.05)
    df.loc[new_type, "keyword"] = np.where(rng.random(int(new_type.sum())) < 0.7, "down", "error")
    label[new_type] = NEW_QUEUE
    df["queue"] = label
    split = np.where(when < TRAIN_END, "train", np.where(when < LAUNCH, "validation", "production"))
    df["split"] = split
    # The router: the same form of model with every weight off by up to ROUTER_ERROR (an imperfect fit), and
    # blind to the concept drift and the new queue.
    proba = _softmax(_logits(df, 1 + rng.uniform(-ROUTER_ERROR, ROUTER_ERROR, 64)))
    for i, q in enumerate(QUEUES):
        df[f"proba_{q}"] = proba[:, i]
    df["predicted_queue"] = np.array(QUEUES, dtype=object)[proba.argmax(1)]
    df.insert(0, "ticket_id", [f"T{i:06d}" for i in range(n)])
    df.loc[(split == "production") & np.asarray(when > LABELS_UNTIL), "queue"] = None
    facts = _facts(df)
    return df, facts


def _facts(df: pd.DataFrame) -> dict[str, Any]:
    from ..tasks.class_balance import class_balance

    val = df[df.split == "validation"]
    prod = df[df.split == "production"]
    counts = val["queue"].value_counts()
    acc = float((val["queue"] == val["predicted_queue"]).mean())
    return {
        "rows": int(len(df)),
        "period": [str(START.date()), str((END - pd.Timedelta(days=1)).date())],
        "splits": {"train": int((df.split == "train").sum()), "validation": int(len(val)), "production": int(len(prod))},
        "launch_date": str(LAUNCH.date()),
        "queues": list(QUEUES),
        "validation_counts": {q: int(counts.get(q, 0)) for q in QUEUES},
        "rare_queues": class_balance(val["queue"]).rare,
        "validation_accuracy": round(acc, 4),
        "covariate_drift": {"start": str(COVARIATE_DRIFT.date()), "columns": ["keyword", "channel"],
                            "what": "holiday season: more delivery, tracking and refund tickets, chat from 25% to 40%"},
        "concept_drift": {"start": str(CONCEPT_DRIFT.date()),
                          "what": "a subscription change: tickets about 'login' are billing questions about half of the "
                                  "time (account before); the router, fitted before, sends them to account"},
        "new_ticket_type": {"start": str(NEW_TYPE.date()), "queue": NEW_QUEUE,
                            "share": round(float((prod["queue"] == NEW_QUEUE).sum() / max((prod["created_at"] >= NEW_TYPE).sum(), 1)), 4),
                            "what": "outage tickets (keyword 'down'), a queue the router has no class for"},
        "unlabeled_rows": int(prod["queue"].isna().sum()),
        "labels_until": str(LABELS_UNTIL.date()),
    }


def load_tickets(split: str | None = None) -> pd.DataFrame:
    """The ticket log (a copy), optionally one split: ``train``, ``validation``, ``production``."""
    df, _ = _generate()
    if split is None:
        return df.copy()
    if split not in {"train", "validation", "production"}:
        raise ValueError(f"split must be 'train', 'validation' or 'production', not {split!r}")
    return df[df.split == split].reset_index(drop=True)


def tickets_facts() -> dict[str, Any]:
    """What was generated and injected where (the data card's source)."""
    import copy

    return copy.deepcopy(_generate()[1])


COLUMNS = {
    "label": "queue", "prediction": "predicted_queue", "proba_prefix": "proba_",
    "proba_columns": {q: f"proba_{q}" for q in QUEUES}, "timestamp": "created_at", "id": "ticket_id",
    "groups": ["region"], "features": ["keyword", "channel", "customer_tier", "text_length", "has_attachment"],
    "positive": None, "score": None, "value": None,
}


def load_tickets_example():
    """The tickets scenario as a ``DemoExample`` (validation, production, column roles, task, currency, volume)."""
    import copy

    from . import DemoExample

    return DemoExample(
        validation=load_tickets("validation"), production=load_tickets("production"), columns=copy.deepcopy(COLUMNS),
        task="multiclass", currency="EUR", volume_per_day=VOLUME_PER_DAY, unit="tickets",
        description="Support-ticket routing: a model sends each ticket to one of seven queues; a person routes the "
                    "tickets it is unsure of.",
    )


def tickets_card_markdown() -> str:
    """The data card's section for this scenario, written from :func:`tickets_facts`."""
    f = tickets_facts()
    counts = ", ".join(f"{q} {n:,}" for q, n in f["validation_counts"].items())
    return f"""
## Support-ticket routing (`tickets`): the multiclass example (generated from a seed, not stored)

{f['rows']:,} support tickets from {f['period'][0]} to {f['period'][1]} with `ticket_id`, `created_at`, `keyword`,
`channel`, `customer_tier`, `text_length`, `has_attachment`, `region` (a group attribute), the label `queue`, the
router's `proba_<queue>` columns and `predicted_queue`, and `split`. The router is the true relation's model form with every weight off by up to 25%
(an imperfect fit, blind to what changes after launch); validation {f['splits']['validation']:,} tickets (2025-04..05; router accuracy
{f['validation_accuracy']:.1%}), **launch {f['launch_date']}**. Validation queues: {counts}; rare:
{', '.join(f['rare_queues'])}.

- **Covariate drift from {f['covariate_drift']['start']}** in `{'`, `'.join(f['covariate_drift']['columns'])}`: {f['covariate_drift']['what']}.
- **Concept drift from {f['concept_drift']['start']}**: {f['concept_drift']['what']}.
- **New ticket type from {f['new_ticket_type']['start']}**: {f['new_ticket_type']['what']} ({f['new_ticket_type']['share']:.1%} of tickets since).
- Tickets after {f['labels_until']} have no confirmed queue yet ({f['unlabeled_rows']:,} rows).
"""

"""Stage 3 and fairness for multiclass: class counts, rare classes, label noise, per-group share of each class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.tasks.class_balance import class_balance, selection_by_group


def test_class_balance_counts_and_rare_classes():
    labels = pd.Series(["ok"] * 500 + ["warn"] * 60 + ["fail"] * 9 + [None] * 4)
    cb = class_balance(labels)
    assert cb.table["rows"].to_dict() == {"ok": 500, "warn": 60, "fail": 9}
    assert cb.n == 569 and cb.n_missing == 4
    assert cb.too_few == ["fail"] and cb.rare == ["fail"]
    assert any("fail (9)" in f for f in cb.findings())
    cb2 = class_balance(["a"] * 990 + ["b"] * 15 + ["c"] * 40, min_rows=10)
    assert cb2.rare == ["b"] and cb2.too_few == []  # 15 of 1,045 is under 2 %, but enough rows to evaluate


def test_selection_by_group_matches_fairlearn():
    from fairlearn.metrics import MetricFrame, selection_rate

    rng = np.random.default_rng(8)
    n = 3000
    group = rng.choice(["g1", "g2", "g3"], n, p=[0.5, 0.3, 0.2])
    pred = np.where(group == "g3", rng.choice(["fast", "slow", "manual"], n, p=[0.2, 0.5, 0.3]),
                    rng.choice(["fast", "slow", "manual"], n, p=[0.5, 0.3, 0.2]))
    res = selection_by_group(pred, group, classes=["fast", "slow", "manual"], group_name="segment")
    for c in ("fast", "slow", "manual"):
        hit = (pred == c).astype(int)
        mf = MetricFrame(metrics=selection_rate, y_true=hit, y_pred=hit, sensitive_features=group)
        for g, v in mf.by_group.items():
            assert res.table.loc[(g, c), "share"] == pytest.approx(v)
    assert res.ratios.loc["fast", "lowest"] == "g3" and res.ratios.loc["fast", "separated"]
    assert any(f.startswith("fast:") for f in res.flags)


def test_label_noise_finds_flipped_multiclass_labels():
    from aipm_widgets.core.assessment.label_noise import find_label_noise

    rng = np.random.default_rng(0)
    n = 900
    X = pd.DataFrame({"u": rng.normal(size=n), "v": rng.normal(size=n)})
    y = np.select([X.u > 0.5, X.v > 0], ["top", "right"], "left").astype(object)
    flipped = rng.choice(n, 30, replace=False)
    y[flipped] = np.where(y[flipped] == "top", "left", "top")
    from sklearn.linear_model import LogisticRegression

    noise = find_label_noise(X, y, cv=3, model=LogisticRegression(C=10.0))  # a light model keeps the test fast
    assert len(set(noise.indices) & set(flipped)) >= 20
    assert noise.low <= 30 / n <= noise.high * 1.5


def test_data_card_carries_the_tickets_section_written_from_its_facts():
    from aipm_widgets.core.demo import data_card_markdown
    from aipm_widgets.core.demo.tickets import load_tickets_example, tickets_card_markdown

    assert data_card_markdown().rstrip().endswith(tickets_card_markdown().rstrip())
    ex = load_tickets_example()
    assert ex.task == "multiclass" and ex.unit == "tickets" and ex.columns["label"] == "queue"
    assert set(ex.production["queue"].dropna()) - set(ex.columns["proba_columns"]) == {"outage"}

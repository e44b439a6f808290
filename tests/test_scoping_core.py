"""Tier 1: scoping verdicts, their reasons, robustness to +/-1 and the ranking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aipm_widgets.core import demo
from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.core.scoping.use_cases import (
    CRITERIA,
    CRITERION_KEYS,
    VERDICT_ORDER,
    Candidate,
    assess,
    compare,
    composite_score,
    verdict_for,
)

EXPECTED = {
    "fraud_flagging": "strong_ai_candidate",
    "ticket_routing": "start_with_rules",  # moderate value: the rule baseline first (one point more value flips it)
    "churn_outreach": "data_first",
    "invoice_totals": "not_an_ai_problem",
    "credit_limit": "data_first",
}
GOOD = dict(business_value=5, pattern_repetitive=5, labeled_data=4, human_could_do=4, error_tolerance=4,
            feasibility=4, ethical_risk=1)


@pytest.fixture(scope="module")
def comparison():
    return compare(demo.load_candidates())


def test_demo_verdicts_match_the_data_card(comparison):
    assert {a.candidate.id: a.verdict.key for a in comparison.ranked} == EXPECTED
    assert comparison.ids[0] == "fraud_flagging" and comparison.ids[-1] == "invoice_totals"
    assert [a.rank for a in comparison.ranked] == [1, 2, 3, 4, 5]


def test_credit_limit_carries_the_ethical_risk_warning(comparison):
    credit = comparison.get("credit_limit")
    assert any("High ethical risk" in w for w in credit.verdict.warnings)
    assert not any("High ethical risk" in w for w in comparison.get("ticket_routing").verdict.warnings)


def test_invoice_totals_reason_says_compute_it_exactly(comparison):
    reasons = " ".join(comparison.get("invoice_totals").verdict.reasons)
    assert "rule" in reasons and "exactly" in reasons


def test_ticket_routing_verdict_is_shown_to_hinge_on_business_value(comparison):
    t = comparison.get("ticket_routing")
    assert {"criterion": "business_value", "delta": 1, "verdict": "strong_ai_candidate"} in t.flips
    assert "business value one point higher" in t.robustness_sentence()
    assert 0 < t.stability < 1 and abs(sum(t.verdict_shares.values()) - 1) < 1e-9


def test_churn_wide_value_range_is_flagged(comparison):
    assert any("value range is wide" in w for w in comparison.get("churn_outreach").verdict.warnings)


@pytest.mark.parametrize(
    "change, verdict, phrase",
    [
        ({}, "strong_ai_candidate", "Every criterion supports"),
        ({"pattern_repetitive": 2}, "not_an_ai_problem", "pattern"),
        ({"human_could_do": 1}, "not_an_ai_problem", "Even a person"),
        ({"error_tolerance": 1}, "not_an_ai_problem", "No mistake"),
        ({"business_value": 1}, "not_an_ai_problem", "cannot pay"),
        ({"labeled_data": 2}, "data_first", "Labels of known quality"),
        ({"business_value": 3}, "start_with_rules", "moderate"),
        ({"error_tolerance": 2}, "start_with_rules", "costly"),
        ({"feasibility": 2}, "start_with_rules", "Integration"),
        ({"ethical_risk": 4}, "start_with_rules", "Ethical risk is high"),
    ],
)
def test_each_rule_fires_with_its_reason(change, verdict, phrase):
    v = verdict_for({**GOOD, **change})
    assert v.key == verdict
    assert any(phrase in r for r in v.reasons), v.reasons


def test_all_not_ai_reasons_are_reported():
    v = verdict_for({**GOOD, "pattern_repetitive": 1, "human_could_do": 1})
    assert len(v.reasons) == 2


def test_robust_candidate_has_no_flips():
    a = assess(Candidate("x", "X", {**GOOD, "error_tolerance": 5, "labeled_data": 5, "feasibility": 5}))
    assert a.flips == [] and a.robustness_sentence().startswith("Robust") and a.stability == 1.0


def test_composite_is_0_to_100_and_risk_counts_inversely():
    assert composite_score({k: 5 if c.higher_is_better else 1 for k, c in zip(CRITERION_KEYS, CRITERIA)}) == 100
    assert composite_score({k: 1 if c.higher_is_better else 5 for k, c in zip(CRITERION_KEYS, CRITERIA)}) == 0
    assert composite_score({**GOOD, "ethical_risk": 5}) < composite_score(GOOD)


@settings(max_examples=200, deadline=None)
@given(scores=st.fixed_dictionaries({k: st.integers(1, 5) for k in CRITERION_KEYS}), key=st.sampled_from(CRITERION_KEYS))
def test_improving_one_criterion_never_worsens_the_verdict(scores, key):
    better = 1 if next(c for c in CRITERIA if c.key == key).higher_is_better else -1
    new = scores[key] + better
    if not 1 <= new <= 5:
        return
    before = VERDICT_ORDER.index(verdict_for(scores).key)
    after = VERDICT_ORDER.index(verdict_for({**scores, key: new}).key)
    assert after <= before


def test_ranking_first_share_sums_to_one(comparison):
    shares = [a.top_share for a in comparison.ranked]
    assert abs(sum(shares) - 1) < 1e-9 and shares[0] == max(shares)


def test_results_are_deterministic():
    a, b = compare(demo.load_candidates()), compare(demo.load_candidates())
    assert a.to_rows() == b.to_rows()


@pytest.mark.parametrize(
    "scores, match",
    [
        ({k: 3 for k in CRITERION_KEYS[:-1]}, "no score for ethical_risk"),
        ({**GOOD, "feasibility": 6}, "whole number 1-5"),
        ({**GOOD, "feasibility": 2.5}, "whole number 1-5"),
        ({**GOOD, "feasibility": "high"}, "whole number 1-5"),
        ({**GOOD, "feasibility": True}, "whole number 1-5"),
    ],
)
def test_bad_scores_are_refused_in_words(scores, match):
    with pytest.raises(InputDataError, match=match):
        Candidate("x", "X", scores)


def test_bad_candidates_are_refused_in_words():
    with pytest.raises(InputDataError, match="swap"):
        Candidate("x", "X", GOOD, value_low=10, value_high=1)
    with pytest.raises(InputDataError, match="unique"):
        compare([Candidate("x", "X", GOOD), Candidate("x", "Y", GOOD)])
    with pytest.raises(InputDataError, match="No candidate"):
        compare([])
    with pytest.raises(InputDataError, match="the candidates are"):
        compare([Candidate("x", "X", GOOD)]).get("y")


def test_decision_saves_to_the_record(comparison, tmp_record):
    values = comparison.decision("credit_limit")
    update_section(tmp_record, "scoping", values, what="test", who="t")
    sec = load_record(tmp_record).scoping
    assert sec.status == "decided" and sec.chosen == "credit_limit" and sec.verdict == "data_first"
    assert sec.scores["ethical_risk"] == 5 and "Only 300 defaults" in sec.evidence["labeled_data"]
    assert sec.value.low == 200_000 and sec.value.unit.startswith("EUR")
    assert sec.robustness["flips"] and 0 < sec.robustness["stability"] < 1
    assert [c.id for c in sec.candidates] == comparison.ids
    assert any("High ethical risk" in w for w in sec.warnings)


def test_vectorised_rules_agree_with_verdict_for_on_every_score_vector():
    import itertools

    import numpy as np

    from aipm_widgets.core.scoping.use_cases import verdict_tiers

    grid = np.array(list(itertools.product(range(1, 6), repeat=len(CRITERION_KEYS))))
    tiers = verdict_tiers(grid)
    expected = [VERDICT_ORDER.index(verdict_for(dict(zip(CRITERION_KEYS, map(int, row)))).key) for row in grid]
    assert tiers.tolist() == expected

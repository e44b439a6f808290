"""Stage 4: every number in the words equals the result's value after display rounding (issue 12).

Built twice: on the demo (fraud, EUR) and on a generated data set that shares nothing with it (loan defaults,
labels "yes"/"no", GBP, another volume). Plus one regression test per defect listed in issue 12 for stage 4
and the command line.
"""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.demo import FRAUD_VOLUME_PER_DAY
from aipm_widgets.core.text import format as fmt
from aipm_widgets.core.metrics.costs import Costs
from aipm_widgets.core.metrics.product_metrics import ProductMapping
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.core.metrics.tradeoff import NO_FEASIBLE, Tradeoff, money_sentence
from aipm_widgets.core.metrics.value_check import compare_value
from aipm_widgets.widgets.metrics.threshold_explorer import SET_BY_HAND, ThresholdExplorer

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?%?")


def words(html: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities decoded)."""
    import html as h

    return h.unescape(re.sub(r"<[^>]+>", " ", html))


def numbers_in(text: str) -> list[str]:
    return NUMBER.findall(text)


def loans(seed: int = 7, n: int = 3000) -> pd.DataFrame:
    """A generated loan-default table: nothing shared with the demo (domain, columns, labels, currency)."""
    rng = np.random.default_rng(seed)
    risk = rng.beta(1.2, 6, n)
    defaulted = np.where(rng.random(n) < risk * 0.6, "yes", "no")
    return pd.DataFrame({
        "defaulted": defaulted,
        "risk": np.round(risk, 5),  # ties, like a real model's rounded scores
        "loan_amount": rng.gamma(2.0, 4_000, n).round(2),
        "region": rng.choice(["north", "south", "east", "west"], n),
    })


CASES = {
    "demo": dict(currency="EUR", volume=FRAUD_VOLUME_PER_DAY, unit="transactions", positive_name="fraud", constraints=["fnr<=0.05"]),
    "loans": dict(currency="GBP", volume=1_200, unit="applications", positive_name="default", constraints=["precision>=0.3"]),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request, fraud_validation):
    c = CASES[request.param]
    if request.param == "demo":
        df = fraud_validation
        cols = dict(label="is_fraud", score="score", value="amount", group="age_band", positive=None)
    else:
        df = loans()
        cols = dict(label="defaulted", score="risk", value="loan_amount", group="region", positive="yes")
    return request.param, df, cols, c


def build(case, tmp_record, **over):
    name, df, cols, c = case
    kw = dict(
        value=df[cols["value"]], groups=df[cols["group"]], positive=cols["positive"],
        costs={"cost_fp": 5, "fn_cost_from_value": True, "value_column": cols["value"], "currency": c["currency"],
               "review_capacity_per_day": c["volume"] * 0.04},
        constraints=c["constraints"], volume_per_day=c["volume"],
        product=ProductMapping(c["volume"], minutes_per_alert=4, positive_name=c["positive_name"]),
        label_name=cols["label"], score_name=cols["score"], value_name=cols["value"], group_name=cols["group"],
        unit=c["unit"], positive_name=c["positive_name"], record_path=tmp_record,
    )
    kw.update(over)
    ex = ThresholdExplorer.from_predictions(df[cols["label"]], df[cols["score"]], **kw)
    assert ex.result is not None, ex.messages.messages
    return ex


def allowed_numbers(ex: ThresholdExplorer) -> set[str]:
    """Every display string the explorer's result can justify: each field through core/format."""
    p, t = ex.result, ex.tradeoff
    out: set[str] = {"1,000", "95%", "0", "1"}
    out.add(fmt.threshold(p.threshold))
    out |= {fmt.count(v) for v in p.confusion.values()} | {fmt.count(p.n)}
    nf = p.natural_frequencies
    out |= {fmt.count(v) for v in (nf.per, nf.positives, nf.caught, nf.missed, nf.false_alarms, nf.negatives)}
    for e in p.metrics.values():
        for v in (e.value, e.low, e.high):
            out |= {fmt.percent(v), fmt.count(v)}
    out.add(fmt.percent(1 - t.prevalence))
    money = []
    if p.money is not None:
        for per in (p.money.per_1000, p.money.per_month or {}):
            money += [x for e in per.values() for x in (e.value, e.low, e.high)]
    for e in (p.cost_per_1000, p.cost_per_month):
        if e is not None:
            money += [e.value, e.low, e.high]
    out |= {fmt.money(v).lstrip("-") for v in money} | {fmt.money(-v).lstrip("-") for v in money}
    for r in p.product:
        e = r["estimate"]
        out |= {fmt.count(v) for v in (e.value, e.low, e.high)}
    out |= {fmt.count(t.volume_per_day), fmt.count(t.volume_per_day * 7), fmt.count((1 - t.prevalence) * t.volume_per_day)}
    out |= {fmt.count(t.costs.review_capacity_per_day), "4", "5"}  # unit costs and minutes given by the caller
    for s in p.constraints:
        out |= {fmt.percent(s["value"]), fmt.count(s["value"]), fmt.points(s["shortfall"]).split()[0],
                fmt.percent(s["bound"]), fmt.number(s["bound"], 2).rstrip("0").rstrip("."), fmt.count(s["bound"])}
    feas = t.feasibility()
    for v in [feas.best_threshold, feas.closest_threshold] + [x for iv in feas.intervals for x in iv]:
        if v is not None:
            out.add(fmt.threshold(v))
    return out


def test_every_number_in_the_words_comes_from_the_result(case, tmp_record):
    ex = build(case, tmp_record)
    allowed = allowed_numbers(ex)
    for part in (ex.headline, ex.cards, ex.constraint_status, ex.product_table):
        text = words(part.value)
        # constraint texts such as "fnr<=0.05" and the 95% label are the team's words, not measured numbers
        text = re.sub(r"\b\w+(<=|>=)[\d.]+", "", text)
        stray = [n for n in numbers_in(text) if n not in allowed]
        assert not stray, (case[0], part, stray, text)


def test_money_sentence_numbers_equal_the_money_parts(case, tmp_record):
    ex = build(case, tmp_record)
    m = ex.result.money
    per = m.per_month
    expected = []
    for k in ("prevented", "missed", "false_alarms"):
        expected += [per[k].value, per[k].low, per[k].high]
    expected += [per["total"].value, per["total"].low, per["total"].high]
    got = numbers_in(money_sentence(m))
    assert got == [fmt.money(v).lstrip("-") for v in expected]
    cur = CASES[case[0]]["currency"]
    assert money_sentence(m).count(cur) == len(expected)
    assert ("EUR" in money_sentence(m)) == (cur == "EUR")


def test_one_money_model_prevented_missed_and_cost_agree(case, tmp_record):
    """Regression: prevented/missed were recall x cases x average amount while cost used the actual amounts."""
    ex = build(case, tmp_record)
    p, t = ex.result, ex.tradeoff
    m = p.money
    # the same function: total = missed + false alarms - credit, per 1,000 and per month
    for per in (m.per_1000, m.per_month):
        assert per["total"].value == pytest.approx(per["missed"].value + per["false_alarms"].value - per["caught_credit"].value)
    assert p.cost_per_month.value == pytest.approx(m.per_month["total"].value)
    assert p.cost_per_month.value >= m.per_month["missed"].value  # the monthly cost is never below the missed losses
    # over the same rows and values: caught + missed value is all the positives' value
    pos_value = t.curve.total_positive_value
    k = t.volume_per_day * 365.25 / 12 / t.n
    assert m.per_month["prevented"].value + m.per_month["missed"].value == pytest.approx(pos_value * k)
    rows = {r["model_metric"]: r for r in p.product}
    assert rows["recall"]["estimate"] == m.per_month["prevented"]
    assert rows["fnr"]["estimate"] == m.per_month["missed"]


def test_costs_parts_by_count():
    c = Costs(cost_fp=2, cost_fn=10, value_tp=1)
    parts = c.parts(tp=3, fp=4, tn=5, fn=6)
    assert parts == {"prevented": 30.0, "missed": 60.0, "false_alarms": 8.0, "caught_credit": 3.0, "total": 65.0,
                     "net_value": 25.0}
    assert c.total(3, 4, 5, 6) == 65.0


def test_one_threshold_on_the_page(case, tmp_record):
    """Regression: 0.06931 on the slider, 0.0695 in a sentence: the slider, prose and record show one value."""
    ex = build(case, tmp_record)
    for move in ("start", "best", "hand"):
        if move == "best":
            ex.go_to_best()
        elif move == "hand":
            ex.slider.value = ex.slider.options[len(ex.slider.options) // 3][1]
        t = ex.result.threshold
        shown = fmt.threshold(t)
        assert ex.slider.value == t
        assert ex.slider.label == shown
        thresholds = re.findall(r"threshold (?:is at least )?(-?\d[\d.e-]*)", words(ex.headline.value))
        thresholds += re.findall(r"at least (-?\d[\d.e-]*)", words(ex.headline.value))
        assert thresholds and set(thresholds) == {shown}
        # the short printed form makes the same decisions
        assert ex.tradeoff.curve.counts(float(shown)) == ex.result.confusion


def test_saved_record_numbers_match_the_result(case, tmp_record):
    ex = build(case, tmp_record)
    ex.save("tester")
    rec = load_record(tmp_record)
    m = rec.metrics
    p = ex.result
    assert m.threshold == p.threshold  # full precision, and the decided short value
    assert m.confusion.tp == p.confusion["tp"] and m.confusion.fn == p.confusion["fn"]
    assert m.money["per_month"]["total"]["value"] == pytest.approx(p.cost_per_month.value)
    assert m.money["currency"] == CASES[case[0]]["currency"] and m.costs.currency == CASES[case[0]]["currency"]
    assert m.threshold_choice == ex.threshold_choice
    summary_numbers = numbers_in(re.sub(r"\b\w+(<=|>=)[\d.]+", "", m.summary))
    allowed = allowed_numbers(ex)
    assert [n for n in summary_numbers if n not in allowed] == []
    assert fmt.threshold(m.threshold) in m.summary


def test_manual_move_is_not_called_deciding_on_cost(fraud_validation, tmp_record):
    """Regression: saving after a manual slider move said 'deciding on cost'."""
    ex = build(("demo", fraud_validation, dict(label="is_fraud", score="score", value="amount", group="age_band",
                                                 positive=None), CASES["demo"]), tmp_record)
    ex.slider.value = ex.slider.options[100][1]
    assert ex.threshold_choice == SET_BY_HAND
    ex.save("pm")
    rec = load_record(tmp_record)
    assert "set by hand" in rec.history[-1].what and "lowest cost" not in rec.history[-1].what
    ex.go_to_best()
    assert ex.threshold_choice != SET_BY_HAND


def test_unmet_constraint_save_warns(fraud_validation, tmp_record):
    """Regression: a save with an unmet constraint showed a green box."""
    ex = build(("demo", fraud_validation, dict(label="is_fraud", score="score", value="amount", group="age_band",
                                                 positive=None), CASES["demo"]), tmp_record)
    assert ex.result.constraints_satisfied is False  # fnr<=0.05 cannot be met on the demo
    ex.save("pm")
    kinds = [k for k, _ in ex.messages.messages]
    assert kinds == ["warning"], ex.messages.messages
    assert "NOT every constraint is met" in ex.messages.messages[0][1]
    assert "Not every constraint is met" in words(ex.headline.value)


def test_miss_costs_its_amount_is_said_not_zero(fraud_validation, tmp_record):
    """Regression: 'A miss costs its amount' showed a greyed-out 0."""
    ex = build(("demo", fraud_validation, dict(label="is_fraud", score="score", value="amount", group="age_band",
                                                 positive=None), CASES["demo"]), tmp_record)
    assert ex.cost_fn.layout.display == "none"
    assert "A miss costs its own amount" in ex.miss_cost_text.value and "0" not in words(ex.miss_cost_text.value)


def test_no_currency_assumed():
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 200), rng.random(200)
    t = Tradeoff(y, s, costs={"cost_fp": 1, "cost_fn": 10}, volume_per_day=100)
    text = str(t.at(0.5))
    assert "EUR" not in text and t.costs.currency is None


def test_stage1_value_checked_against_stage4(case, tmp_record):
    """Regression: stage 1 valued the product at 1.2-2.5 M a year while stage 4 measured another story, unremarked."""
    update_section(tmp_record, "scoping", {"value": {"low": 1, "high": 2, "unit": "per year in prevented losses"}}, what="t")
    ex = build(case, tmp_record)
    vc = ex.value_check
    assert vc is not None and vc.agrees is False
    assert "disagree" in words(ex.headline.value)
    per_year = ex.result.money.per_month["prevented"].value * 12
    assert fmt.money(per_year, vc.currency) in vc.sentence()
    ex.save("pm")
    assert load_record(tmp_record).metrics.value_check["agrees"] is False
    ok = compare_value(per_year * 0.9, per_year * 1.1, "a year", prevented_per_month=ex.result.money.per_month["prevented"])
    assert ok.agrees is True and "agree within" in ok.sentence()


def test_candidates_dominated_says_why():
    """Regression: a candidate was 'dominated' with no word on why (or at which capacity)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    from aipm_widgets.core.metrics.candidates import compare_candidates

    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=1500) > 1.2).astype(int)
    models = {"linear": LogisticRegression().fit(X, y), "stump": DecisionTreeClassifier(max_depth=1).fit(X, y)}
    cmp = compare_candidates(models, X, y, alert_rate=0.1, costs={"cost_fp": 1, "cost_fn": 20, "currency": "CHF"},
                             volume_per_day=1000, repeats=1)
    html = cmp.to_html()
    for r in cmp.rows:
        if not r["pareto"]:
            why = cmp.why_dominated(r["name"])
            assert why and r["dominated_by"][0] in why and "alert capacity" in why
    assert "alert capacity" in html and "CHF" in html and "EUR" not in html


# -- the command line -------------------------------------------------------------------------------------
def aipm(*args: str) -> subprocess.CompletedProcess:
    """Run the command line in this process (a subprocess per call costs seconds of imports)."""
    import contextlib
    import io

    from aipm_widgets.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def loans_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("loans") / "loans.csv"
    loans().to_csv(path, index=False)
    return path


def test_cli_threshold_round_trips_and_no_currency_assumed(loans_csv):
    """Regression: the printed threshold was rounded (0.1458) and re-entering it changed the counts; EUR assumed."""
    base = ["tradeoff", "--data", str(loans_csv), "--label", "defaulted", "--positive", "yes", "--score", "risk",
            "--cost-fp", "3", "--cost-fn", "40"]
    out = aipm(*base)
    assert out.returncode == 0, out.stderr
    shown = re.match(r"Threshold (\S+):", out.stdout).group(1)
    assert "EUR" not in out.stdout
    again = aipm(*base, "--threshold", shown, "--json")
    first = aipm(*base, "--json")
    j1, j2 = json.loads(first.stdout), json.loads(again.stdout)
    assert j1["confusion"] == j2["confusion"]
    assert fmt.threshold(j1["threshold"]) == shown  # JSON keeps the full value, which prints as the same text
    gbp = aipm(*base, "--currency", "GBP")
    assert "GBP" in gbp.stdout and "EUR" not in gbp.stdout


def test_cli_errors_name_the_flag_and_infeasible_is_not_optimal(loans_csv):
    """Regression: the error named volume_per_day, not --volume-per-day; no feasible threshold was 'cost-optimal'."""
    base = ["tradeoff", "--data", str(loans_csv), "--label", "defaulted", "--positive", "yes", "--score", "risk",
            "--cost-fp", "3", "--cost-fn", "40"]
    err = aipm(*base, "--constraint", "alerts_per_day<=10")
    assert err.returncode == 2 and "--volume-per-day" in err.stderr and "Traceback" not in err.stderr
    out = aipm(*base, "--constraint", "recall>=0.999", "precision>=0.99")
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert "cost-optimal" not in first and NO_FEASIBLE in first

"""Issue 12, last items: the fraud demo tells one money story (stage 1's estimate and stage 4's measured figure agree),
every money amount carries the project's currency, and every technical term on pages 03-05 and in the brief carries
its glossary help ("?" with the definition on hover), escaped."""

from __future__ import annotations

import html
import re

import ipywidgets as W
import numpy as np
import pytest
from own_product import CURRENCY, generate_loans

from aipm_widgets.core import demo
from aipm_widgets.core.metrics.tradeoff import Tradeoff
from aipm_widgets.core.metrics.value_check import compare_value, value_check
from aipm_widgets.core.record import load_record, update_section
from aipm_widgets.core.scoping.use_cases import Candidate
from aipm_widgets.core.text.glossary import GLOSSARY, HELP_CSS, HELP_STYLE, annotate_html, helped_terms, term, terms_in
from aipm_widgets.widgets._base import HelpHTML, MessageArea


# --------------------------------------------------------------------------- one money story on the demo


def _demo_tradeoff() -> Tradeoff:
    v = demo.load_fraud("validation").drop_duplicates("transaction_id").dropna(subset=["is_fraud"])
    return Tradeoff(v.is_fraud.astype(int), v.score, value=v.amount,
                    costs={"cost_fp": demo.FRAUD_COST_FP, "fn_cost_from_value": True, "value_column": "amount",
                           "review_capacity_per_day": demo.FRAUD_REVIEW_CAPACITY_PER_DAY, "currency": demo.FRAUD_CURRENCY},
                    constraints=["fnr<=0.05"], volume_per_day=demo.FRAUD_VOLUME_PER_DAY)


def test_demo_stage1_estimate_and_stage4_measure_agree():
    """Regression: stage 1 said 1.2-2.5 M EUR a year while stage 4 measured about 64 M (50,000 payments a day)."""
    fraud = Candidate.from_dict(next(c for c in demo.load_candidates() if c["id"] == "fraud_flagging"))
    t = _demo_tradeoff()
    point = t.at(t.recommended_threshold()[0], groups=False)
    check = compare_value(fraud.value_low, fraud.value_high, fraud.value_unit,
                          prevented_per_month=point.money.per_month["prevented"], currency=point.money.currency)
    assert check.agrees is True, check.sentence()
    prevented = point.money.per_month["prevented"].value * 12
    assert fraud.value_low <= prevented <= fraud.value_high  # the point itself, not only the intervals
    # The measured figure cannot exceed the losses there are: prevented is a share of the history's losses.
    history = demo.fraud_history()
    assert 0.3 < prevented / history["losses_per_year"] < 1.0


def test_demo_stage1_text_is_computed_from_the_history():
    fraud = next(c for c in demo.load_candidates() if c["id"] == "fraud_flagging")
    h = demo.fraud_history()
    lo, hi = (h["losses_per_year"] * s for s in demo.FRAUD_CATCH_SHARE)
    assert fraud["value"]["low"] == pytest.approx(lo, rel=0.05) and fraud["value"]["high"] == pytest.approx(hi, rel=0.05)
    ev = fraud["evidence"]["business_value"]
    assert f"{h['volume_per_day']:,}" in ev and f"EUR {h['losses_per_year']:,.0f}" in ev
    assert h["volume_per_day"] == demo.fraud_example().volume_per_day  # one volume for stage 1, 4 and the project
    # Alert capacity stays the same share of the volume as before (4 %), so every rate on the pages is unchanged.
    assert demo.FRAUD_REVIEW_CAPACITY_PER_DAY / demo.FRAUD_VOLUME_PER_DAY == pytest.approx(0.04)


def test_value_check_says_disagree_on_generated_data_in_its_currency(tmp_path):
    """A generated project (CHF) whose stage 1 guess is far from what stage 4 measures: the note says so, in CHF."""
    val, _ = generate_loans(n_validation=1200, n_production=10)
    y = (val["approved"] == "declined").astype(int)
    t = Tradeoff(y, val["p_default"], value=val["loan_amount"], costs={"cost_fp": 40, "fn_cost_from_value": True},
                 volume_per_day=300)
    point = t.at(0.3, groups=False)
    rec = tmp_path / "rec.yaml"
    update_section(rec, "scoping", {"value": {"low": 1_000, "high": 2_000, "unit": "CHF a year in avoided write-offs"}},
                   what="t")
    update_section(rec, "project", {"currency": CURRENCY}, what="t")
    update_section(rec, "metrics", {"threshold": 0.3, "money": point.money.to_json()}, what="t")
    check = value_check(load_record(rec))
    assert point.money.currency is None  # nothing said at stage 4: the project's currency is used
    assert check is not None and check.agrees is False and "disagree" in check.sentence()
    assert f"{CURRENCY} 1,000 to {CURRENCY} 2,000" in check.sentence()
    assert not _money_without_currency(check.sentence(), CURRENCY), check.sentence()
    assert "EUR" not in check.sentence()


# --------------------------------------------------------------------------- money carries its currency


def _money_without_currency(text: str, currency: str) -> list[str]:
    """Amounts (with a thousands separator or after a money word) that have no currency code in front."""
    found = []
    for m in re.finditer(r"(?<![\w.,])(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?)", text):
        before = text[max(0, m.start() - 5):m.start()]
        if f"{currency} " not in before and f"{currency} -" not in before:
            found.append(text[max(0, m.start() - 40):m.end() + 10])
    return found


def test_brief_money_in_the_projects_currency(tmp_path):
    """The brief's cost facts, money model and value check carry the project's currency (no 'None', no EUR)."""
    from aipm_widgets.core.brief.document import brief_sections

    val, _ = generate_loans(n_validation=1500, n_production=10)
    y = (val["approved"] == "declined").astype(int)
    t = Tradeoff(y, val["p_default"], value=val["loan_amount"],
                 costs={"cost_fp": 40, "fn_cost_from_value": True, "value_column": "loan_amount"}, volume_per_day=300)
    rec = tmp_path / "rec.yaml"
    update_section(rec, "project", {"currency": CURRENCY}, what="t")
    update_section(rec, "scoping", {"value": {"low": 50_000, "high": 90_000, "unit": "CHF a year in avoided write-offs"}},
                   what="t")
    update_section(rec, "metrics", t.record_values(t.at(0.3), chosen_metric="cost"), what="t")
    metrics = next(s for s in brief_sections(load_record(rec)) if s.id == "metrics")
    facts = dict(metrics.facts)
    assert "None" not in facts["Costs"] and facts["Costs"].startswith(f"false alarm {CURRENCY} 40;")
    for label in ("Cost per 1,000 decisions", "Money a month", "Stage 1's value against stage 4"):
        assert label in facts, sorted(facts)
        assert CURRENCY in facts[label] and "EUR" not in facts[label]
        assert not _money_without_currency(facts[label], CURRENCY), facts[label]
    from aipm_widgets.core.brief.document import iteration_rows
    from aipm_widgets.core.text import format as fmt

    record = load_record(rec)
    cost_cell = iteration_rows(record)[-1][-1]
    assert cost_cell.startswith(f"{CURRENCY} ") and not _money_without_currency(cost_cell, CURRENCY), cost_cell
    # F1 reads as on stage 4's page (a percentage), not 0.288 beside 28.8%
    f1_row = next(r for t in metrics.tables for r in t.rows if r[0] == "F1")
    assert f1_row[1] == fmt.percent(record.metrics.metrics["f1"].value)


# --------------------------------------------------------------------------- glossary help


def test_annotate_helps_each_term_once_and_only_in_text():
    page = ("<div title='recall'>Recall 80% <b>precision</b> 20%, recall again; <a href='#'>ROC AUC</a> "
            "<code>fnr&lt;=0.05</code> &lt;script&gt;alert(1)&lt;/script&gt; AUC</div><script>var recall = 1 < 2;</script>")
    out = annotate_html(page)
    assert helped_terms(out) == ["recall", "precision", "roc_auc"]
    assert out.count("data-term='recall'") == 1 and "<div title='recall'>" in out  # attributes untouched
    assert "<a href='#'>ROC AUC</a>" in out and "<code>fnr&lt;=0.05</code>" in out  # links and code untouched
    assert "var recall = 1 < 2;" in out and "<script>alert" not in out  # scripts untouched, escaped text stays escaped
    assert "fnr<=0.05" in annotate_html("Not met: fnr<=0.05 reaches 48.7%")  # a typed constraint stays whole
    assert "p &lt; 0.001</span>" in annotate_html("chi-square 7,626.8, p < 0.001")  # the mark after the number
    assert helped_terms(annotate_html("the roc_auc is 0.85")) == ["roc_auc"]
    assert annotate_html(out) == out  # idempotent (a widget's validator may see its own output)
    # The "?" is drawn by a style rule carried once by the fragment, so copied (and tested) text reads "Recall 80%".
    assert out.startswith(HELP_STYLE) and out.count("<style>") == 1 and "content:'?'" in HELP_CSS
    assert "></sup>" in out and annotate_html("no terms here") == "no terms here"


def test_help_text_is_escaped():
    tip = term("four_fifths", "<img src=x onerror=alert(1)>")
    assert "<img" not in tip and "&lt;img" in tip
    for key, entry in GLOSSARY.items():
        t = term(key)
        title = re.search(r'title="([^"]*)"', t).group(1)
        assert html.unescape(title) == entry.sentence()
    # A term inside text that holds escaped markup: the markup stays text.
    out = annotate_html("&lt;b onmouseover=x&gt; threshold &amp; &quot;precision&quot;")
    assert "<b " not in out and "&lt;b onmouseover=x&gt;" in out and "&amp;" in out


_SKIPPED = re.compile(r"(?is)<(a|button|code|pre|summary|sup|option|select|svg|script|style)\b.*?</\1\s*>")
_TYPED_CONSTRAINT = re.compile(r"\b[a-z_]+(?:\s*(?:<=|>=)\s*|[<>])-?[\d.]+", re.IGNORECASE)


def _readable(fragment: str) -> str:
    """Text a term's help belongs to: outside links, buttons, code and typed constraints ("fnr<=0.05")."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", _SKIPPED.sub(" ", fragment)))
    return _TYPED_CONSTRAINT.sub(" ", text)


def _unhelped(widget) -> list[tuple[str, str]]:
    """(term, where) for every glossary term in an HTML widget's readable text that lacks its help."""
    missing = []
    stack = [widget]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        if isinstance(w, W.HTML) and w.value:
            readable = _readable(w.value)
            helped = set(helped_terms(w.value))
            for key in terms_in(readable):
                if key != "constraint" and key not in helped:
                    missing.append((key, re.sub(r"<[^>]+>", " ", w.value)[:160]))
    return missing


def _html_widgets(widget) -> list[W.HTML]:
    out, stack = [], [widget]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        if isinstance(w, W.HTML):
            out.append(w)
    return out


@pytest.fixture(scope="module")
def loans():
    val, prod = generate_loans(n_validation=1500, n_production=2000)
    val["y"] = (val["approved"] == "declined").astype(int)
    return val, prod


def test_threshold_explorer_terms_have_help(tmp_path, loans):
    from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer

    val, _ = loans
    ex = ThresholdExplorer.from_predictions(
        val["y"], val["p_default"], value=val["loan_amount"], groups=val["region"],
        costs={"cost_fp": 40, "fn_cost_from_value": True, "value_column": "loan_amount", "currency": CURRENCY},
        constraints=["recall>=0.5"], volume_per_day=300, baseline_rule="debt_ratio > 0.5", frame=val,
        record_path=tmp_path / "rec.yaml", value_name="loan_amount", group_name="region", positive_name="default")
    assert _unhelped(ex) == []
    shown = " ".join(w.value for w in _html_widgets(ex))
    assert {"threshold", "precision", "recall", "interval"} <= set(helped_terms(shown))
    ex.set_threshold(ex.tradeoff.best_threshold("f1")[0])  # re-rendered values get their help too
    assert _unhelped(ex) == []
    assert "EUR" not in shown
    # the cost chart's titles and hover speak the project's currency, and the rule's cost sentence too
    lay = ex.cost_fig.layout
    assert CURRENCY in lay.title.text and lay.yaxis.title.text == f"{CURRENCY} per 1,000"
    assert any(CURRENCY in (tr.hovertemplate or "") for tr in ex.cost_fig.data)
    assert f"The rule costs {CURRENCY} " in html.unescape(ex.baseline_box.value)


def test_demo_threshold_explorer_terms_have_help(tmp_path):
    from aipm_widgets.widgets.metrics.threshold_explorer import ThresholdExplorer

    v = demo.load_fraud("validation").drop_duplicates("transaction_id").reset_index(drop=True)
    ex = ThresholdExplorer.from_predictions(
        v.is_fraud, v.score, value=v.amount, groups=v.age_band,
        costs={"cost_fp": demo.FRAUD_COST_FP, "fn_cost_from_value": True, "value_column": "amount",
               "review_capacity_per_day": demo.FRAUD_REVIEW_CAPACITY_PER_DAY, "currency": demo.FRAUD_CURRENCY},
        constraints=["fnr<=0.05"], volume_per_day=demo.FRAUD_VOLUME_PER_DAY, baseline_rule="amount > 900", frame=v,
        record_path=tmp_path / "rec.yaml", value_name="amount", group_name="age_band", positive_name="fraud")
    assert _unhelped(ex) == []


def test_drift_monitor_terms_have_help(tmp_path, loans):
    from aipm_widgets.widgets.monitoring.drift_monitor import DriftMonitor

    val, prod = loans
    m = DriftMonitor(val, prod, features=["income_k", "debt_ratio", "region"], window="week", timestamp="decided_at",
                     label="approved", positive="declined", score="p_default", record_path=tmp_path / "rec.yaml")
    assert m.result is not None
    assert _unhelped(m) == []
    shown = " ".join(w.value for w in _html_widgets(m))
    assert "threshold" in helped_terms(shown)


def test_data_assessment_terms_have_help(tmp_path, loans):
    from aipm_widgets.widgets.assessment.data_assessment import DataAssessment

    val, _ = loans
    a = DataAssessment(val.drop(columns=["y"]), label="approved", id_column="applicant_ref", time_column="decided_at",
                       name="loans", record_path=tmp_path / "rec.yaml")
    assert _unhelped(a) == []


def test_messages_carry_help_and_stay_escaped():
    area = MessageArea()
    area.show("Recall fell <script>alert(1)</script>", "warning")
    assert "data-term='recall'" in area.value and "<script>" not in area.value
    assert area.messages == [("warning", "Recall fell <script>alert(1)</script>")]  # the words, for tests, unchanged
    box = HelpHTML("ROC AUC 0.91")
    assert helped_terms(box.value) == ["roc_auc"]


def test_brief_terms_have_help_outside_the_glossary(tmp_path):
    from aipm_widgets.core.brief.document import render_html

    val, _ = generate_loans(n_validation=1500, n_production=10)
    y = (val["approved"] == "declined").astype(int)
    t = Tradeoff(y, val["p_default"], costs={"cost_fp": 40, "cost_fn": 900, "currency": CURRENCY}, volume_per_day=300)
    rec = tmp_path / "rec.yaml"
    update_section(rec, "project", {"currency": CURRENCY}, what="t")
    update_section(rec, "metrics", t.record_values(t.at(0.3), chosen_metric="cost"), what="t")
    page = render_html(rec, charts=False)
    sections = re.findall(r'(?s)<section class="brief-section" id="(\w+)">(.*?)</section>', page)
    assert sections
    for sid, body in sections:
        helped = set(helped_terms(body))
        if sid == "glossary":
            assert not helped  # the definitions themselves
            continue
        missing = [k for k in terms_in(_readable(body)) if k != "constraint" and k not in helped]
        assert not missing, (sid, missing)
    assert "data-term='threshold'" in page and "data-term='recall'" in page
    assert np.isfinite(t.at(0.3).metrics["recall"].value)


def test_stage3_results_shown_as_html_carry_help(loans):
    """Page 03 shows the label-noise result as its own HTML (not a widget): its terms get their help too."""
    from aipm_widgets.core.assessment.label_noise import find_label_noise

    val, _ = loans
    noise = find_label_noise(val[["income_k", "debt_ratio", "employment_years"]], val["y"], ids=val["applicant_ref"], cv=3)
    page = noise._repr_html_()
    assert "interval" in helped_terms(page) and page.startswith(HELP_STYLE)
    missing = [k for k in terms_in(_readable(page)) if k not in set(helped_terms(page))]
    assert not missing, missing


def _main_outputs_unhelped(widget, attrs):
    """Glossary terms without help in the named HTML outputs of a widget (its words, not its labels or inputs)."""
    missing = []
    for name in attrs:
        w = getattr(widget, name)
        missing += _unhelped(w)
    return missing


def test_routing_and_forecast_widgets_terms_have_help(tmp_path):
    """Stage 4 and 5 for a router and a forecast (generated projects, not the demos) carry the glossary help too."""
    from own_tasks import forecast_project, routing_project

    from aipm_widgets.widgets.metrics.forecast_explorer import ForecastExplorer
    from aipm_widgets.widgets.metrics.routing_explorer import RoutingExplorer
    from aipm_widgets.widgets.monitoring.forecast_monitor import ForecastMonitor
    from aipm_widgets.widgets.monitoring.routing_monitor import RoutingMonitor

    routing = routing_project(tmp_path / "r")
    forecast = forecast_project(tmp_path / "f")
    rex = RoutingExplorer.from_project(routing)
    fex = ForecastExplorer.from_project(forecast)
    assert not _main_outputs_unhelped(rex, ["headline", "cards", "class_table", "baseline_box"])
    assert not _main_outputs_unhelped(fex, ["headline", "cards", "baseline_box", "group_table"])
    assert helped_terms(rex.cards.value) and helped_terms(fex.cards.value)
    for mon in (RoutingMonitor.from_project(routing), ForecastMonitor.from_project(forecast)):
        assert mon.result is not None
        assert not _main_outputs_unhelped(mon, ["summary", "alerts"])


def test_stage1_and_stage2_widgets_terms_have_help(tmp_path, monkeypatch):
    from aipm_widgets.widgets.expectations.one_pager import ExpectationsOnePager
    from aipm_widgets.widgets.scoping.canvas import ScopingCanvas

    monkeypatch.setenv("AIPM_RECORD", str(tmp_path / "decision_record.yaml"))
    pager = ExpectationsOnePager(record_path=tmp_path / "decision_record.yaml")
    assert not _main_outputs_unhelped(pager, ["preview"]) and helped_terms(pager.preview.value)
    canvas = ScopingCanvas(record_path=tmp_path / "decision_record.yaml")
    assert not _main_outputs_unhelped(canvas, ["table", "verdict_view"])


def test_cached_glossary_help_is_the_same_help_and_long_texts_are_not_held():
    """A slider move re-renders the same labels, so short texts' help is cached; a long note is annotated afresh."""
    from aipm_widgets.core.text import glossary as g

    short = "<div>Recall and precision at the threshold; 95% interval 12.1% to 14.0%</div>"
    first, again = g.annotate_html(short), g.annotate_html(short)
    assert first == again and first.count("data-term=") >= 3
    g._annotated.cache_clear()
    note = "<p>" + "Bern parcel lockers: recall &lt;script&gt; " * 200 + "</p>"
    helped = g.annotate_html(note)
    assert g._annotated.cache_info().currsize == 0  # held nowhere
    assert helped.count("data-term='recall'") == 1 and "<script>" not in helped

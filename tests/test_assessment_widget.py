"""DataAssessment without a browser: set values as the browser would, check .result, messages and HTML."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.record import load_record
from aipm_widgets.widgets.assessment.data_assessment import DataAssessment


def _csv_bytes() -> bytes:
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({
        "order_id": [f"O{i:04d}" for i in range(n)],
        "hour": rng.integers(0, 24, n),
        "amount": np.round(rng.gamma(2, 20, n), 2),
        "country": rng.choice(["home", "eu", "?"], n, p=[0.8, 0.15, 0.05]),
        "is_fraud": (rng.uniform(size=n) < 0.2).astype(int),
    })
    df.loc[5, "hour"] = 27
    return df.to_csv(index=False).encode()


def _upload(w, content: bytes, name: str = "orders.csv"):
    w.loader.upload.value = ({"name": name, "type": "text/csv", "size": len(content),
                              "content": memoryview(content),
                              "last_modified": datetime.now(timezone.utc)},)


@pytest.fixture
def widget(tmp_path):
    return DataAssessment(record_path=tmp_path / "rec.yaml")


def test_upload_assesses_and_guesses_roles(widget):
    _upload(widget, _csv_bytes())
    assert widget.loader.roles() == {"label": "is_fraud", "id": "order_id", "timestamp": None}
    keys = {i.key for i in widget.result.issues}
    assert {"spec_out_of_range:hour", "disguised_nulls:country"} <= keys
    assert "spec_out_of_range" in widget.issue_table.value or "outside the allowed range" in widget.issue_table.value
    assert "ready with warnings" in widget.summary.value
    assert widget.details.layout.display == "flex"
    assert widget.progress.value == widget.progress.max == 8 and "done in" in widget.progress_label.value


@pytest.mark.parametrize("content, needle", [
    (b"", "empty"), (b"\x00\x01\x02\x89PNG garbage", "binary"), (b"1,2,3\n4,5,6\n", "header"),
])
def test_broken_upload_shows_a_clear_message(widget, content, needle):
    _upload(widget, content, "broken.csv")
    assert widget.result is None
    assert len(widget.messages.errors) == 1 and needle in widget.messages.errors[0]
    assert "Traceback" not in widget.messages.value


def test_upload_over_the_cap_names_the_limit(tmp_path):
    w = DataAssessment(record_path=tmp_path / "rec.yaml", max_upload_mb=0.001)
    _upload(w, _csv_bytes())
    assert w.result is None and "upload limit" in w.messages.errors[0] and "AIPM_MAX_UPLOAD_MB" in w.messages.errors[0]


def test_waive_with_note_is_escaped_and_saved(widget, tmp_path):
    _upload(widget, _csv_bytes())
    widget.waive_issue.value = "spec_out_of_range:hour"
    widget.waive_note.value = "<script>alert(1)</script> QA rows"
    widget.waive_button.click()
    assert "<script>" not in widget.issue_table.value and "&lt;script&gt;" in widget.issue_table.value
    assert widget.result.waivers["spec_out_of_range:hour"].startswith("<script>")
    widget.save_button.click()
    rec = load_record(tmp_path / "rec.yaml")
    assert rec.data.waivers[0].note == "<script>alert(1)</script> QA rows"
    assert rec.data.spec["columns"]["hour"]["max"] == 23.0 and rec.data.status == "decided"
    assert rec.data.label_column == "is_fraud"


def test_waive_needs_a_note(widget):
    _upload(widget, _csv_bytes())
    widget.waive_issue.value = "spec_out_of_range:hour"
    widget.waive_note.value = "  "
    widget.waive_button.click()
    assert "Write why" in widget.messages.errors[0] and not widget.result.waivers


def test_sort_filter_and_drilldown(widget):
    _upload(widget, _csv_bytes())
    widget.show.value = "info"
    assert "aipm-issue-warning" not in widget.issue_table.value
    widget.show.value = "all"
    widget.sort_by.value = "column"
    html = widget.issue_table.value
    assert html.index("<code>country</code>") < html.index("<code>hour</code>")
    widget.column.value = "hour"
    assert len(widget.figure.data) == 1 and "27" in [str(x) for x in widget.figure.data[0].x]
    assert "allowed range 0 to 23" in widget.column_info.value
    widget.column.value = "amount"
    assert widget.figure.data[0].type == "histogram"


def test_frame_with_roles_and_bad_roles(tmp_path, fraud_validation):
    w = DataAssessment(fraud_validation.head(3000), label="is_fraud", id_column="transaction_id",
                       time_column="timestamp", ignore=("score",), record_path=tmp_path / "r.yaml")
    assert w.result.label == "is_fraud" and w.result.rows == 3000
    w.loader.id_column.value = "is_fraud"
    w.assess_button.click()
    assert "different columns" in w.messages.errors[0]


def test_edit_spec_rechecks_and_is_saved(widget, tmp_path):
    _upload(widget, _csv_bytes())
    widget.column.value = "amount"
    assert widget.spec_min.value != "" and not widget.spec_min.disabled
    widget.spec_max.value = "50"
    widget.spec_button.click()
    found = {i.key: i for i in widget.result.issues}
    assert "spec_out_of_range:amount" in found and "changed" in widget.messages.value
    assert widget.column.value == "amount"  # the drill-down stays on the edited column
    widget.column.value = "country"
    widget.spec_allowed.value = "home"
    widget.spec_button.click()
    assert "spec_unseen_category:country" in {i.key for i in widget.result.issues}
    widget.save_button.click()
    spec = load_record(tmp_path / "rec.yaml").data.spec["columns"]
    assert spec["amount"]["max"] == 50.0 and spec["country"]["allowed"] == ["home"]


@pytest.mark.parametrize("field, value, needle", [
    ("spec_max", "abc", "must be a number"), ("spec_min", "1e9", "above its maximum"), ("spec_nulls", "5", "between 0 and 1"),
])
def test_edit_spec_rejects_bad_values(widget, field, value, needle):
    _upload(widget, _csv_bytes())
    widget.column.value = "amount"
    getattr(widget, field).value = value
    widget.spec_button.click()
    assert needle in widget.messages.errors[0]


def test_full_report_download(widget, tmp_path):
    _upload(widget, _csv_bytes())
    path = widget.make_report()
    assert path.exists() and path.parent == tmp_path / "reports"
    assert "data:text/html;base64," in widget.report_link.value and "Download it" in widget.report_link.value
    assert load_record(tmp_path / "rec.yaml").data.report_path == str(path)


def test_accepted_issues_come_back_from_the_record_and_are_not_dropped_by_the_next_save(tmp_path):
    """Reopening page 03 on the same data shows the issues the team accepted as accepted (with their notes), so the
    page's counts agree with the record and the start page, and saving again keeps them (a team's loan data)."""
    from own_product import generate_loans

    val, _ = generate_loans(n_validation=600, n_production=10)
    val.loc[val.index[:60], "income_k"] = np.nan  # 10% missing: a warning the team accepts
    rec = tmp_path / "rec.yaml"
    first = DataAssessment(val, label="approved", id_column="applicant_ref", time_column="decided_at", record_path=rec)
    key = next(i.key for i in first.result.issues if i.column == "income_k")
    first.waive(key, "Income is optional for <b>existing</b> customers; imputed with a flag.")
    first.save()
    warnings_open = first.result.counts()["warning"]

    again = DataAssessment(val, label="approved", id_column="applicant_ref", time_column="decided_at", record_path=rec)
    assert again.result.waivers == {key: "Income is optional for <b>existing</b> customers; imputed with a flag."}
    assert again.result.counts()["warning"] == warnings_open
    assert "marked accepted again" in again.messages.messages[0][1]
    again.save()
    assert [w.key for w in load_record(rec).data.waivers] == [key]

    # The issue is gone from the data (income filled in): nothing to accept, nothing carried over.
    third = DataAssessment(val.assign(income_k=val["income_k"].fillna(50.0)), label="approved",
                           id_column="applicant_ref", time_column="decided_at", record_path=rec)
    assert third.result.waivers == {}

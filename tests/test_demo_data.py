"""Tier 1: the bundled demo data is deterministic, small and matches its data card."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core import demo

DATA = demo.DATA_DIR


def test_bundled_data_is_small():
    total = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert total <= 5 * 1024 * 1024, f"bundled data is {total / 2**20:.1f} MB (limit 5 MB)"


def test_regeneration_reproduces_the_bundled_files_exactly():
    fraud, facts = demo.generate_fraud()
    bundled = demo.load_fraud()
    pd.testing.assert_frame_equal(fraud.reset_index(drop=True), bundled, check_dtype=False)
    assert facts == demo.demo_card()["fraud"]
    resume, rfacts = demo.generate_resume()
    pd.testing.assert_frame_equal(resume, demo.load_resume(), check_dtype=False)
    assert rfacts == demo.demo_card()["resume"]


def test_card_matches_the_injected_problems():
    df = demo.load_fraud()
    card = demo.demo_card()["fraud"]
    inj = card["injected_quality_problems"]
    unique = df.drop_duplicates("transaction_id")
    assert len(df) - len(unique) == inj["duplicates"]["rows"] == 150
    assert unique["customer_tenure_months"].isna().sum() == inj["missing_values"]["rows"]
    for marker, count in inj["mixed_null_markers"]["markers"].items():
        assert (unique["country"].fillna("<NaN>") == marker).sum() == count
    assert (unique["amount"] == -999).sum() == 12
    assert (unique["hour"] == 27).sum() == 8
    flipped = unique.set_index("transaction_id").loc[inj["label_errors"]["transaction_ids"]]
    assert (flipped["is_fraud"] == 1).all()
    assert (flipped["timestamp"] < pd.Timestamp(card["launch_date"])).all()


def test_timeline_drift_and_label_delay():
    df = demo.load_fraud().drop_duplicates("transaction_id")
    card = demo.demo_card()["fraud"]
    month = df["timestamp"].dt.to_period("M").astype(str)
    online = df.groupby(month)["channel"].apply(lambda s: (s == "online").mean())
    assert online["2025-08"] < 0.40 < online["2025-09"], "covariate drift starts in September"
    monthly = {m["month"]: m for m in card["monthly"]}
    assert monthly["2025-10"]["roc_auc"] < monthly["2025-09"]["roc_auc"] - 0.1, "concept drift in October"
    labeled = df["is_fraud"].notna()
    assert labeled[df["timestamp"] < "2025-10-01"].all(), "old transactions all have their label"
    assert labeled[df["timestamp"] >= "2025-12-01"].mean() < 0.5, "most December labels have not arrived"
    assert not labeled[df["timestamp"] >= "2025-12-31"].any(), "the newest labels have not arrived"
    assert set(df["split"]) == {"train", "validation", "production"}
    rate = df.loc[labeled & (df["timestamp"] < card["launch_date"]), "is_fraud"].mean()
    assert 0.01 <= rate <= 0.02, "about 1-2 % fraud before launch"


def test_resume_bias_is_as_documented():
    df = demo.load_resume()
    bias = demo.demo_card()["resume"]["injected_bias"]
    sel = df["score"] >= 0.5
    women, men = sel[df["gender"] == "woman"].mean(), sel[df["gender"] == "man"].mean()
    assert women / men == pytest.approx(bias["four_fifths_ratio"], abs=0.002)
    assert women / men < 0.8
    q = df.groupby("gender")["qualified"].mean()
    assert abs(q["woman"] - q["man"]) < 0.03, "the true qualified rates are about equal"


def test_fraud_history_is_what_pandas_computes_from_the_logged_history():
    """Stage 1's value estimate rests on the history read as numpy columns (no pandas on page 01): the same figures as
    the labeled, de-duplicated train and validation rows give through pandas."""
    frame = pd.concat([demo.load_fraud("train"), demo.load_fraud("validation")], ignore_index=True)
    labeled = frame.drop_duplicates("transaction_id").dropna(subset=["is_fraud"])
    amount = labeled["amount"].clip(lower=0)
    fraud = labeled["is_fraud"] == 1
    h = demo.fraud_history()
    assert h["rows"] == len(labeled) and len(labeled) < len(frame)  # duplicates and unlabeled rows are left out
    assert h["period"] == f"{labeled['timestamp'].min():%B %Y} to {labeled['timestamp'].max():%B %Y}"
    assert h["fraud_rate"] == pytest.approx(fraud.mean(), rel=1e-12)
    assert h["mean_fraud_amount"] == pytest.approx(amount[fraud].mean(), rel=1e-12)
    assert h["fraud_value_per_payment"] == pytest.approx(amount[fraud].sum() / len(labeled), rel=1e-12)
    assert h["losses_per_year"] == pytest.approx(h["fraud_value_per_payment"] * h["volume_per_day"] * 365, rel=1e-12)


def test_candidates_have_every_criterion():
    criteria = {"business_value", "pattern_repetitive", "labeled_data", "human_could_do", "error_tolerance", "feasibility", "ethical_risk"}
    cands = demo.load_candidates()
    assert len(cands) >= 4
    for c in cands:
        assert set(c["scores"]) == criteria and set(c["evidence"]) == criteria
        assert all(1 <= v <= 5 for v in c["scores"].values())
    cands[0]["name"] = "changed"
    assert demo.load_candidates()[0]["name"] != "changed", "callers get copies"


def test_write_demo_data_csv_and_parquet(tmp_path):
    written = demo.write_demo_data(tmp_path)
    names = {p.name for p in written}
    assert {"fraud_transactions.csv", "fraud_transactions.parquet", "resume_screening.csv", "resume_screening.parquet", "DATA_CARD.md"} <= names
    back = pd.read_parquet(tmp_path / "fraud_transactions.parquet")
    assert len(back) == len(demo.load_fraud())
    csv = pd.read_csv(tmp_path / "resume_screening.csv")
    assert np.allclose(csv["score"], demo.load_resume()["score"])


def test_a_split_is_read_alone_and_equals_its_rows_of_the_whole_year():
    import pyarrow.parquet as pq

    whole = demo.load_fraud()
    meta = pq.ParquetFile(DATA / "fraud_transactions.parquet").metadata
    assert meta.num_row_groups == 3, "one row group per split: a page reading one split decodes only its rows"
    for split in ("train", "validation", "production"):
        alone = demo.load_fraud(split)
        expected = whole[whole["split"] == split].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, expected)  # same dtypes too: pages see the same frame as before
        assert len(alone) > 1000


def test_a_split_read_from_a_file_with_one_row_group_still_gives_only_that_split(tmp_path, monkeypatch):
    whole = demo.load_fraud()
    whole.sample(frac=1.0, random_state=3).to_parquet(tmp_path / "fraud_transactions.parquet", index=False)
    monkeypatch.setattr(demo, "DATA_DIR", tmp_path)
    got = demo.read_demo_table("fraud_transactions.parquet", "validation")
    assert set(got["split"]) == {"validation"}
    assert len(got) == int((whole["split"] == "validation").sum())
    assert demo.read_demo_table("fraud_transactions.parquet", "no such split").empty


@pytest.mark.parametrize("split", ["train", "validation", "production", None])
@pytest.mark.parametrize("column", ["is_fraud", "channel", "age_band", "no such column"])
def test_outline_equals_what_the_frame_gives(split, column):
    """The start page's column choices, read from the file without pandas: the frame's columns and the column's first
    20 distinct non-missing values in order (the production split's labels are partly missing)."""
    frame = demo.load_fraud(split)
    columns, values = demo.demo_table_outline("fraud_transactions.parquet", split, column)
    assert columns == list(frame.columns)
    expected = list(frame[column].dropna().unique()[:20]) if column in frame.columns else []
    assert [str(v) for v in values] == [str(v) for v in expected]


def test_outline_from_a_file_with_one_shuffled_row_group(tmp_path, monkeypatch):
    whole = demo.load_fraud()
    shuffled = whole.sample(frac=1.0, random_state=4)
    shuffled.to_parquet(tmp_path / "fraud_transactions.parquet", index=False)
    monkeypatch.setattr(demo, "DATA_DIR", tmp_path)
    _, values = demo.demo_table_outline("fraud_transactions.parquet", "validation", "merchant_category", limit=3)
    rows = shuffled[shuffled["split"] == "validation"]
    assert values == list(rows["merchant_category"].dropna().unique()[:3])
    assert demo.demo_table_outline("fraud_transactions.parquet", "no such split", "amount")[1] == []


def test_reading_the_demo_does_not_load_pyarrows_dataset_layer():
    # pd.read_parquet imports pyarrow.dataset (0.1 to 0.2 s of a page's opening); the demo's reads do not need it.
    import subprocess
    import sys

    code = ("import sys; from aipm_widgets.core import demo; demo.load_fraud('validation'); demo.load_fraud(); "
            "demo.load_resume(); print(sorted(m for m in sys.modules if m.startswith('pyarrow.dataset')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"

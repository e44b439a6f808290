"""Tier 1: reading a user's table and checking labels, scores and groups (shared by every stage)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.io.inputs import binary_labels, group_labels, read_table, require_columns, same_length, scores


def test_csv_delimiter_and_encoding_are_detected(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes("name;amount\nCafé;3,5\nMüller;4\n".encode("cp1252"))
    loaded = read_table(path)
    assert list(loaded.frame.columns) == ["name", "amount"]
    assert loaded.delimiter == ";" and loaded.encoding == "cp1252"
    assert loaded.frame["name"].tolist() == ["Café", "Müller"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffa,b\n1,2\n".encode("utf-8"))
    assert list(read_table(bom).frame.columns) == ["a", "b"]


def test_parquet_by_magic_bytes_from_upload(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    loaded = read_table(memoryview(path.read_bytes()), name="upload.bin")
    assert loaded.format == "parquet"
    pd.testing.assert_frame_equal(loaded.frame, df)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"1,2,3\n4,5,6\n", "header row"),
        (b"PAR1garbage", "not a readable Parquet"),
    ],
)
def test_bad_files_get_clear_messages(content, fragment):
    with pytest.raises(InputDataError, match=fragment):
        read_table(content, name="upload.csv")


def test_size_cap_names_the_limit():
    with pytest.raises(InputDataError, match=r"over the 1 MB upload limit"):
        read_table(b"a,b\n" + b"1,2\n" * 300_000, name="big.csv", max_bytes=1024 * 1024)


def test_null_markers_survive_when_asked(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("country,amount\nN/A,1\n?,2\n,3\nNA,4\nhome,5\n")
    kept = read_table(path, keep_null_markers=True).frame["country"].tolist()
    assert kept[:2] == ["N/A", "?"] and pd.isna(kept[2]) and kept[3] == "NA"
    default = read_table(path).frame["country"]
    assert default.isna().sum() == 3  # pandas' defaults read '', 'N/A' and 'NA' as missing


def test_assessment_reports_csv_null_markers(tmp_path):
    from aipm_widgets.core.assessment.report import assess

    rows = ["country,amount,label"] + [f"home,{i},{i % 2}" for i in range(200)] + ["N/A,5,0", "?,6,1", "NA,7,0"] * 5
    path = tmp_path / "m.csv"
    path.write_text("\n".join(rows) + "\n")
    frame = read_table(path, keep_null_markers=True).frame
    result = assess(frame, label="label")
    text = " ".join(i.message for i in result.issues if i.column == "country")
    assert "N/A" in text and "?" in text


def test_missing_columns_are_named():
    with pytest.raises(InputDataError, match=r"'score'.*The table has: a, b"):
        require_columns(pd.DataFrame({"a": [1], "b": [2]}), ["a", "score"])


@pytest.mark.parametrize(
    "y, kwargs, expected",
    [
        ([0, 1, 1], {}, [0, 1, 1]),
        ([True, False, True], {}, [1, 0, 1]),
        ([-1, 1, 1], {}, [0, 1, 1]),
        (["fraud", "ok", "ok"], {"positive": "fraud"}, [1, 0, 0]),
        ([0, 1, 2, 1], {"positive": "2"}, [0, 0, 1, 0]),
    ],
)
def test_binary_labels(y, kwargs, expected):
    assert binary_labels(y, **kwargs).tolist() == expected


@pytest.mark.parametrize(
    "y, kwargs, fragment",
    [
        (["a", "b", "c"], {}, "3 different values"),
        (["fraud", "ok"], {}, "Say which value is the positive class"),
        ([1, 1, 1], {}, "only one class"),
        ([0, 1, np.nan], {}, "empty in 1 rows"),
        ([0, 1], {"positive": "fraud"}, "does not occur"),
        ([0, 1], {"min_rows": 30}, "at least 30"),
    ],
)
def test_binary_label_errors(y, kwargs, fragment):
    with pytest.raises(InputDataError, match=fragment):
        binary_labels(y, **kwargs)


def test_missing_labels_allowed_for_monitoring():
    assert binary_labels([0, 1, np.nan], allow_missing=True).tolist() == [0, 1, -1]


@pytest.mark.parametrize("s, fragment", [([0.1, np.nan], "missing or infinite"), ([0.2, np.inf], "infinite"), (["0.1", "high"], "must hold numbers")])
def test_score_errors(s, fragment):
    with pytest.raises(InputDataError, match=fragment):
        scores(s)


def test_raw_scores_outside_unit_interval_are_allowed():
    assert scores([-3.0, 12.5]).tolist() == [-3.0, 12.5]


def test_groups_keep_missing_as_a_group_and_lengths_are_checked():
    assert group_labels(["a", None, "b"]).tolist() == ["a", "(missing)", "b"]
    with pytest.raises(InputDataError, match="must describe the same rows"):
        same_length(y_true=[1, 2], y_score=[1])


@given(st.lists(st.sampled_from(["x", "y"]), min_size=2, max_size=50).filter(lambda v: len(set(v)) == 2))
def test_any_two_valued_text_label_with_positive(values):
    out = binary_labels(values, positive="x")
    assert out.tolist() == [int(v == "x") for v in values]

"""Tier 2: the data loader reads typed paths only inside the workbook's folder (dashboard visitors type them)."""

from __future__ import annotations

import pandas as pd
import pytest

from aipm_widgets.widgets.data_loader import DataLoader


def test_path_inside_working_folder_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    pd.DataFrame({"a": [1, 2], "label": [0, 1]}).to_csv(tmp_path / "data" / "t.csv", index=False)
    loader = DataLoader()
    loader.load_path("data/t.csv")
    assert loader.frame is not None and len(loader.frame) == 2
    assert not loader.messages.errors


@pytest.mark.parametrize("typed", ["/etc/passwd", "../outside.csv", "data/../../outside.csv"])
def test_paths_outside_are_refused_in_words(tmp_path, monkeypatch, typed):
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (tmp_path / "outside.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(work)
    monkeypatch.delenv("AIPM_DATA_DIR", raising=False)
    loader = DataLoader()
    loader.load_path(typed)
    assert loader.frame is None
    assert "only reads files inside" in loader.messages.errors[0]


def test_data_dir_allows_another_folder(tmp_path, monkeypatch):
    other = tmp_path / "shared"
    other.mkdir()
    pd.DataFrame({"a": [1, 2]}).to_parquet(other / "t.parquet")
    monkeypatch.chdir(tmp_path / "shared")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIPM_DATA_DIR", str(other))
    loader = DataLoader()
    loader.load_path(str(other / "t.parquet"))
    assert loader.frame is not None

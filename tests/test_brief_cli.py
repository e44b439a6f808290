"""``aipm brief``: writes HTML, Markdown and JSON; bad input is one line and exit 2."""

from __future__ import annotations

import json

from brief_records import full_record

from aipm_widgets.cli import main


def test_brief_cli_formats(tmp_path, capsys):
    rec = full_record(tmp_path / "rec.yaml")
    assert main(["brief", "--record", str(rec), "--out", str(tmp_path / "b.html"), "--no-charts"]) == 0
    assert "Wrote the product brief" in capsys.readouterr().out
    assert "<!DOCTYPE html>" in (tmp_path / "b.html").read_text()
    assert main(["brief", "--record", str(rec), "--out", str(tmp_path / "b.txt"), "--format", "md"]) == 0
    assert (tmp_path / "b.txt").read_text().startswith("# AI product brief")
    assert main(["brief", "--record", str(rec), "--out", str(tmp_path / "b.json")]) == 0
    assert json.loads((tmp_path / "b.json").read_text())["model_details"]["name"] == "Product Fraud alerts"


def test_brief_cli_bad_input(tmp_path, capsys):
    assert main(["brief", "--record", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "b.html")]) == 2
    err = capsys.readouterr().err
    assert "no decision record here" in err and "Traceback" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("metrics: [unclosed\n")
    assert main(["brief", "--record", str(bad), "--out", str(tmp_path / "b.html")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "b.html").exists()

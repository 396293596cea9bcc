"""The devfin command line: parse prints one JSON record per sheet and says what failed where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devfin.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "include" / "sample_data"


def test_parse_prints_one_json_record_per_sheet(capsys: pytest.CaptureFixture[str]) -> None:
    # The two real seed sheets, in their text rendering.
    seeds = ("adb_pds/54037-001.txt", "cdia/chongqing-innovation-and-human-capital-development.txt")
    paths = [str(SAMPLES / seed) for seed in seeds]
    assert main(["parse", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["source"] for r in records] == ["adb_pds", "cdia"]
    assert records[0]["record"]["project_number"] == "54037-001"
    assert records[1]["record"]["cdia_support_usd"] == "450000.00"


def test_parse_reports_a_page_that_is_not_a_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "adb_pds" / "nothing.txt"
    page.parent.mkdir()
    page.write_text("Page not found\n")
    assert main(["parse", str(page)]) == 1
    error = capsys.readouterr().err
    assert "nothing.txt" in error and "not" in error


def test_parse_asks_for_the_source_when_it_cannot_tell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "mystery.txt"
    page.write_text("hello\n")
    assert main(["parse", str(page)]) == 1
    assert "--source" in capsys.readouterr().err

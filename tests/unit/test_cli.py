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


def test_parse_prints_one_line_per_failure_never_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from devfin.parse import text
    from devfin.sources.adb_pds import parser as adb_pds

    folder = tmp_path / "adb_pds"
    folder.mkdir()
    seed = (SAMPLES / "adb_pds" / "54037-001.txt").read_bytes()
    (folder / "54037-001.txt").write_bytes(seed)
    (folder / "crashes.txt").write_bytes(seed)  # the parser has a bug on this one
    (folder / "huge.txt").write_bytes(seed + b"x" * 20_000)  # over the (lowered) page budget
    (folder / "latin1.txt").write_bytes("Project Number | 54037-001 | caf\xe9\n".encode("latin-1"))
    real_parse = adb_pds.parse

    def buggy(content: bytes, *, sheet_id: str, url: str):
        if sheet_id == "crashes":
            raise IndexError("list index out of range\nwith a second line")
        return real_parse(content, sheet_id=sheet_id, url=url)

    monkeypatch.setattr(adb_pds, "parse", buggy)
    monkeypatch.setattr(text, "MAX_PAGE_BYTES", len(seed) + 10_000)
    names = ("54037-001", "crashes", "huge", "latin1", "missing")
    assert main(["parse", *(str(folder / f"{name}.txt") for name in names)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["record"]["project_number"] for line in out.splitlines()] == [
        "54037-001"
    ]
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 5 and lines[-1] == "devfin parse: 4 of 5 failed"
    reasons = {"crashes": "parser_error", "huge": "page_too_large", "latin1": "not_a_data_sheet"}
    reasons["missing"] = "unreadable"
    for line, (name, reason) in zip(lines, reasons.items(), strict=False):
        assert line.startswith(f"devfin parse: {folder / name}.txt: {reason}: "), line
    assert "IndexError: list index out of range with a second line" in lines[0]
    assert "page budget" in lines[1]


def test_parse_exits_zero_when_every_page_parsed(capsys: pytest.CaptureFixture[str]) -> None:
    page = SAMPLES / "cdia" / "chongqing-innovation-and-human-capital-development.txt"
    assert main(["parse", str(page)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and err == ""

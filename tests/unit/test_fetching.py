"""Saved pages read from a folder: every file a sheet, whatever its name holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devfin.extract.archive import Archive
from devfin.extract.fetching import LocalDirectorySource


@pytest.mark.parametrize(
    "name", ["plain-name", "with space", "đà-nẵng", "percent%20sign", "hash#and?query"]
)
def test_a_saved_page_is_fetched_whatever_its_file_name_holds(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "cdia"
    folder.mkdir()
    (folder / f"{name}.txt").write_text("City Interventions\n\nA Title\n", encoding="utf-8")
    source = LocalDirectorySource("cdia", folder, clock=lambda: datetime(2026, 12, 4, tzinfo=UTC))
    refs = source.discover()
    assert [ref.sheet_id for ref in refs] == [name]
    [result] = list(source.fetch(refs, {}, Archive(tmp_path / "archive")))
    assert result.outcome == "fetched", result.error
    assert result.url == refs[0].url  # the URL as discovered, encoded

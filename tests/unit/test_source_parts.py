"""What every source must provide, checked for each registered one (CONTRIBUTING.md, "Adding a
source"): a parser, record types whose tables carry the source's prefix, a GX suite per table,
a dbt staging folder with a model per table, a sample generator whose pages parse, bundled
sample sheets, an entry in the sheets list, and parser tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devfin.samples import generator, sample
from devfin.sources import RECORD_TYPES, SOURCE_KEYS, get_source

REPO = Path(__file__).resolve().parents[2]


def _tables(source: str) -> list[str]:
    return [record_type.table for record_type in RECORD_TYPES[source]]


def test_every_source_is_registered_alike() -> None:
    assert SOURCE_KEYS, "no source registered"
    assert set(RECORD_TYPES) == set(SOURCE_KEYS)


@pytest.mark.parametrize("source", SOURCE_KEYS)
def test_a_source_has_its_parser_and_records(source: str) -> None:
    parser = get_source(source)
    assert parser.SOURCE_KEY == source
    assert callable(parser.parse)
    tables = _tables(source)
    prefix = tables[0].split("_")[0] + "_"  # the parent table comes first
    assert all(table.startswith(prefix) for table in tables), tables
    assert len(set(tables)) == len(tables)


@pytest.mark.parametrize("source", SOURCE_KEYS)
def test_a_source_has_a_suite_per_table(source: str) -> None:
    missing = [t for t in _tables(source) if not (REPO / "expectations" / f"{t}.json").is_file()]
    assert not missing, f"expectations/ has no suite for {missing}"


@pytest.mark.parametrize("source", SOURCE_KEYS)
def test_a_source_has_a_dbt_staging_folder_with_a_model_per_table(source: str) -> None:
    folder = REPO / "dbt" / "models" / "staging" / source
    declared = yaml.safe_load((folder / f"_{source}__sources.yml").read_text(encoding="utf-8"))
    [dbt_source] = [s for s in declared["sources"] if s["name"] == source]
    assert {t["name"] for t in dbt_source["tables"]} == set(_tables(source))
    assert (folder / f"_{source}__models.yml").is_file()
    prefix = _tables(source)[0].split("_")[0] + "_"
    models = {f"stg_{source}__{table.removeprefix(prefix)}.sql" for table in _tables(source)}
    present = {path.name for path in folder.glob("stg_*.sql")}
    assert not models - present, f"{folder} lacks {sorted(models - present)}"


@pytest.mark.parametrize("source", SOURCE_KEYS)
def test_a_source_has_a_generator_whose_pages_parse(source: str) -> None:
    assert generator(source) is not None
    page = sample(source, seed=1, index=0, defect_rate=0.0)
    sheet = get_source(source).parse(page.html, sheet_id=page.sheet_id, url=page.url)
    assert sheet.source == source
    assert type(sheet.record) is RECORD_TYPES[source][0]


@pytest.mark.parametrize("source", SOURCE_KEYS)
def test_a_source_has_sample_sheets_a_sheets_entry_and_parser_tests(source: str) -> None:
    pages = [
        p
        for p in (REPO / "include" / "sample_data" / source).iterdir()
        if p.suffix in (".html", ".txt", ".xml")
    ]
    assert pages, f"include/sample_data/{source}/ holds no sample sheet"
    plans = yaml.safe_load((REPO / "include" / "sheets.yml").read_text(encoding="utf-8"))
    assert source in plans["sources"], f"include/sheets.yml has no entry for {source}"
    assert (REPO / "tests" / "unit" / "sources" / f"test_{source}.py").is_file()

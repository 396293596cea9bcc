"""The IATI codelist seeds (`dbt/seeds/iati/`): static files, checked here once rather than by dbt
at every build: each code once and filled, each named, withdrawn codes marked as such, and the
release each list came from recorded."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from devfin.quality.codelists import IATI_PREFIX, NOT_A_CODELIST, value_sets

SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"
LISTS = sorted(
    path for path in (SEEDS / "iati").glob(f"{IATI_PREFIX}*.csv") if path.stem != NOT_A_CODELIST
)
STATUSES = {"active", "withdrawn"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


@pytest.mark.parametrize("path", LISTS, ids=lambda path: path.stem)
def test_each_code_once_filled_and_named(path: Path) -> None:
    rows = _rows(path)
    assert rows, f"{path.name} is empty"
    assert list(rows[0])[:2] == ["code", "name"]
    codes = [row["code"] for row in rows]
    assert all(code and code == code.strip() for code in codes), path.name
    assert len(set(codes)) == len(codes), f"{path.name} repeats a code"
    assert all(row["name"].strip() for row in rows), f"{path.name} has a code without name"
    if "status" in rows[0]:
        assert {row["status"] for row in rows} <= STATUSES, path.name


def test_every_list_says_where_it_came_from() -> None:
    origins = _rows(SEEDS / "iati" / f"{NOT_A_CODELIST}.csv")
    named = {row["codelist"] for row in origins}
    assert named == {path.stem.removeprefix(IATI_PREFIX) for path in LISTS}
    assert all(row["version"] and row["source"] for row in origins)


def test_the_suites_read_the_codes_as_written() -> None:
    sets = value_sets(SEEDS)
    sectors = sets["iati_codelist_sector"]
    assert all(len(code) == 5 and code.isdigit() for code in sectors)  # DAC 5-digit, as text
    assert sets["iati_codelist_sector_category"] == sorted({code[:3] for code in sectors})
    assert {"USD", "PHP", "JPY"} <= set(sets["iati_codelist_currency"])
    assert {"1", "2", "3", "4"} <= set(sets["iati_codelist_activity_date_type"])

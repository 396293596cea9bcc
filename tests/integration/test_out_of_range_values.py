"""A value its column cannot hold empties its field where it is parsed, raw text kept and a
check failed, and the sheet loads: one case per column type (numeric(18,2) too long, numeric
with more decimals than it keeps, bigint too large), the same rows on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.settings import load_settings
from tests.conftest import SEEDS

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
ADB_PLAN = "400,000.00 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 400,000.00 | 12 Oct 2022 | 55,239.58 |"
# field -> (page text as the seed has it, as the hostile page has it)
EDITS = {
    "adb_pds": {
        "financing_adb": ("400,000.00 | 0.00", "123,456,789,012,345,678.00 | 0.00"),  # precision
        "adb_disbursements.amount[1]": ("55,239.58 |", "55,239.585 |"),  # scale
    },
    "cdia": {
        "land_area_sq_km": ("Land Area: 82,400 sq. km.", "Land Area: 24,706.123 sq. km."),
        "population": ("30 million (2018)", "12345678901234567890 (2018)"),  # bigint
    },
}
QUERIES = {
    "adb_pds": "select p.financing_adb, p.financing_total, d.amount, d.as_of_date, p.unparsed"
    " from staging.adb_projects p join staging.adb_disbursements d using (sheet_id)",
    "cdia": "select land_area_sq_km, population, population_year, unparsed"
    " from staging.cdia_interventions",
}


def _pages(root: Path) -> Path:
    for source, seed in SEEDS.items():
        page = seed.read_text(encoding="utf-8")
        for before, after in EDITS[source].values():
            assert before in page, f"{seed.name} no longer says {before!r}"
            page = page.replace(before, after, 1)
        (root / source).mkdir(parents=True)
        (root / source / seed.name).write_text(page, encoding="utf-8")
    return root


def _run(url: str, root: Path) -> dict[str, list[tuple]]:
    settings = load_settings(
        {
            "DEVFIN_REPO_DIR": str(REPO_DIR),
            "DEVFIN_WAREHOUSE_URL": url,
            "DEVFIN_DATA_DIR": str(root / "data"),
            "DEVFIN_ARCHIVE_URL": str(root / "archive"),
            "DEVFIN_REPORT_DIR": str(root / "reports"),
            "DEVFIN_SAMPLE_DIR": str(_pages(root / "sheets")),
        }
    )
    for source in EDITS:
        counts = pipeline.ingest(source, "range-1", settings)
        assert (counts["sheets_loaded"], counts["sheets_quarantined"]) == (1, 0), counts
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {
                source: list(map(tuple, conn.execute(sa.text(sql))))
                for source, sql in QUERIES.items()
            }
            checks = conn.execute(
                sa.text(
                    "select source, success, sample_values from audit.dq_results"
                    " where check_name = 'every value read'"
                )
            ).all()
    finally:
        engine.dispose()
    for source, success, samples in checks:
        assert not success, f"{source}: every value read passed"
        for field in EDITS[source]:
            assert field in samples, (source, field, samples)
    assert {source for source, *_ in checks} == set(EDITS)
    # JSON text compares alike whatever the warehouse's spacing
    return {
        source: [(*row[:-1], json.loads(row[-1])) for row in source_rows]
        for source, source_rows in rows.items()
    }


def test_values_that_do_not_fit_are_unparsed_alike_on_both_warehouses(tmp_path, postgres_url):
    duckdb = _run(f"duckdb:///{tmp_path / 'duck' / 'devfin.duckdb'}", tmp_path / "duck")
    postgres = _run(postgres_url, tmp_path / "pg")
    assert duckdb == postgres

    [(financing_adb, financing_total, amount, as_of, unparsed)] = duckdb["adb_pds"]
    assert (financing_adb, amount) == (None, None)  # neither rounded nor refused
    assert financing_total is not None and as_of is not None  # the rest of the sheet is there
    assert unparsed["financing_adb"]["text"] == "123,456,789,012,345,678.00"
    assert unparsed["adb_disbursements.amount[1]"]["text"] == "55,239.585"
    assert "2 decimals" in unparsed["adb_disbursements.amount[1]"]["reason"]

    [(land_area, population, population_year, unparsed)] = duckdb["cdia"]
    assert (land_area, population, population_year) == (None, None, 2018)
    assert unparsed["population"]["text"] == "12345678901234567890 (2018)"
    assert "bigint" in unparsed["population"]["reason"]
    assert "2 decimals" in unparsed["land_area_sq_km"]["reason"]

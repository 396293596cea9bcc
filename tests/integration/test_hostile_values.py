"""Scraped text is data, never SQL: quotes, semicolons, an injection attempt, backslashes, CSV and
COPY escapes and emoji are stored verbatim on both warehouses; NUL characters, which PostgreSQL
text cannot hold, are stripped with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.load.schema import STAGING_TABLES
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SEED = REPO_DIR / "include" / "sample_data" / "adb_pds" / "54037-001.txt"
TITLE = (
    "Innovation-Driven Green Economic Diversification for Resource-Exhausted Cities in Heilongjiang"
)

HOSTILE = (
    "Robert'); DROP TABLE staging.adb_projects; -- \"Bobby\" ; x' OR '1'='1"
    ' C:\\temp\\new \\N \\. , "" 🚀 Tables 🌏\x00 end'
)
STORED = HOSTILE.replace("\x00", "")
OUTCOME = "Planning strengthened; SELECT pg_sleep(10); 数据 ✅"


@pytest.fixture(params=["duckdb", "postgres"])
def settings(request, tmp_path: Path):
    url = (
        f"duckdb:///{tmp_path / 'devfin.duckdb'}"
        if request.param == "duckdb"
        else request.getfixturevalue("postgres_url")
    )
    sheets = tmp_path / "sheets" / "adb_pds"
    sheets.mkdir(parents=True)
    page = SEED.read_text(encoding="utf-8").replace(TITLE, HOSTILE)
    page = page.replace(
        "Innovation-driven green economic diversification development planning for"
        " resource-exhausted cities in Heilongjiang strengthened",
        OUTCOME,
    )
    (sheets / SEED.name).write_text(page, encoding="utf-8")
    return load_settings(
        {
            "DEVFIN_REPO_DIR": str(REPO_DIR),
            "DEVFIN_WAREHOUSE_URL": url,
            "DEVFIN_DATA_DIR": str(tmp_path / "data"),
            "DEVFIN_ARCHIVE_URL": str(tmp_path / "archive"),
            "DEVFIN_REPORT_DIR": str(tmp_path / "reports"),
            "DEVFIN_SAMPLE_DIR": str(tmp_path / "sheets"),
        }
    )


def test_hostile_values_are_stored_verbatim_and_harm_nothing(settings, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="devfin.load.warehouse"):
        counts = pipeline.ingest("adb_pds", "hostile-1", settings)
    assert counts["sheets_loaded"] == 1, counts

    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        project = conn.execute(
            sa.text("select project_name, outcome from staging.adb_projects")
        ).one()
        tables = set(
            conn.execute(
                sa.text(
                    "select table_name from information_schema.tables"
                    " where table_schema = 'staging'"
                )
            ).scalars()
        )
        tenders = conn.execute(sa.text("select count(*) from staging.adb_tenders")).scalar_one()
    engine.dispose()

    assert project.project_name == STORED
    assert project.outcome == OUTCOME
    assert tables >= set(STAGING_TABLES)  # no table dropped
    assert tenders > 0

    warnings = [r.getMessage() for r in caplog.records if "NUL" in r.getMessage()]
    assert warnings, "stripping a NUL character must warn"
    assert any("staging.adb_projects.project_name" in w and "54037-001" in w for w in warnings)

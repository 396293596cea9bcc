"""A load never fails for one sheet: a sheet whose rows the bulk insert refuses is quarantined
(`load_error`, the database's message) and the others load, on both warehouses."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.load import staging
from devfin.load.schema import SCHEMAS, STAGING_TABLES
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SHEETS = REPO_DIR / "include" / "sample_data" / "adb_pds"
KEPT, REFUSED = "54037-001", "40000-001"
# Values no parser gives (each is range-checked where it is read) but a bug or a new field might:
# one beyond numeric(18,2), one beyond bigint, one with more decimals than the column keeps.
POISONS = {
    "numeric_overflow": ("adb_projects", "financing_adb", Decimal("1e20")),
    "bigint_overflow": ("adb_project_countries", "position", 2**70),
    "scale": ("adb_projects", "financing_adb", Decimal("1.125")),
}


@pytest.fixture(params=["duckdb", "postgres"])
def settings(request, tmp_path: Path):
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'devfin.duckdb'}"
    else:  # the module's database, emptied: each case starts with nothing fetched
        url = request.getfixturevalue("postgres_url")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for schema in SCHEMAS:
                conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        engine.dispose()
    sheets = tmp_path / "sheets" / "adb_pds"
    sheets.mkdir(parents=True)
    for sheet_id in (KEPT, REFUSED):
        source = next(SHEETS.glob(f"{sheet_id}.*[tl]"))  # its .txt or .html, not the truth
        shutil.copy(source, sheets / source.name)
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


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_a_refused_sheet_is_quarantined_and_the_others_load(settings, poison, monkeypatch):
    table, column, value = POISONS[poison]
    spool_sheets = staging.spool_sheets

    def poisoned(spool, sheets):  # the rows as the load writes them, after the checks
        for item, tables in sheets:
            if item["sheet_id"] == REFUSED:
                assert tables[table], f"{REFUSED} has no {table} row to poison"
                tables[table][0][column] = value
        return spool_sheets(spool, sheets)

    monkeypatch.setattr(staging, "spool_sheets", poisoned)
    counts = pipeline.ingest("adb_pds", f"refused-{poison}", settings)

    assert (counts["sheets_loaded"], counts["sheets_quarantined"]) == (1, 1), counts
    engine = sa.create_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            entries = conn.execute(
                sa.text("select sheet_id, stage, reason_code, message from audit.quarantine")
            ).all()
            loaded = {
                name: set(conn.execute(sa.text(f"select distinct sheet_id from staging.{name}")))
                for name in STAGING_TABLES
                if name.startswith("adb_")
            }
            runs = conn.execute(sa.text("select sheets_loaded from audit.load_runs")).all()
    finally:
        engine.dispose()
    [(sheet_id, stage, reason, message)] = entries
    assert (sheet_id, stage, reason) == (REFUSED, "load", "load_error")
    assert message.startswith(f"staging.{table}: "), message  # the table, the database's words
    assert loaded["adb_projects"] == {(KEPT,)}
    # Nothing of the refused sheet in any table: its rows went all or none.
    assert all((REFUSED,) not in ids for ids in loaded.values()), loaded
    assert runs == [(1,)]

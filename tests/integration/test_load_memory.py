"""A DuckDB load keeps to DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT: it spools its staging rows to Parquet
files and inserts them under the limit; a load that needs more fails clearly and writes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.errors import LoadError
from devfin.load.schema import STAGING_TABLES, load_runs
from devfin.samples import write_corpus
from devfin.settings import Settings, load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SHEETS = 60
LOAD_ID = "memory-1"


@pytest.fixture
def prepared(tmp_path: Path) -> Settings:
    """A run of generated ADB sheets fetched and parsed, ready to load into DuckDB."""
    write_corpus(tmp_path / "sheets", SHEETS, seed=8, defect_rate=0.0, sources=("adb_pds",))
    settings = load_settings(
        {
            "DEVFIN_REPO_DIR": str(REPO_DIR),
            "DEVFIN_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'devfin.duckdb'}",
            "DEVFIN_DATA_DIR": str(tmp_path / "data"),
            "DEVFIN_ARCHIVE_URL": str(tmp_path / "archive"),
            "DEVFIN_REPORT_DIR": str(tmp_path / "reports"),
            "DEVFIN_SAMPLE_DIR": str(tmp_path / "sheets"),
            "DEVFIN_STREAM_BATCH_SIZE": "25",  # three batches spooled
        }
    )
    for stage in ("discover", "fetch", "parse"):
        getattr(pipeline, f"{stage}_sheets")("adb_pds", LOAD_ID, settings)
    # no GX here (seconds to start): a run whose checks all passed, as validate would record it
    (settings.run_dir("adb_pds", LOAD_ID) / "checks.jsonl").write_text("")
    return settings


def _rows(settings: Settings) -> dict[str, int]:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in STAGING_TABLES.items()
            if name.startswith("adb_")
        }
        counts["load_runs"] = conn.execute(
            sa.select(sa.func.count()).select_from(load_runs)
        ).scalar_one()
    engine.dispose()
    return counts


def test_a_load_over_the_limit_fails_naming_it_and_writes_nothing(prepared: Settings) -> None:
    starved = dataclasses.replace(prepared, duckdb_load_memory_limit="1MB")
    with pytest.raises(LoadError, match="DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT=1MB"):
        pipeline.load_sheets("adb_pds", LOAD_ID, starved)
    assert set(_rows(prepared).values()) == {0}

    counts = pipeline.load_sheets("adb_pds", LOAD_ID, prepared)  # the default limit: enough
    assert counts["sheets_loaded"] == SHEETS
    loaded = _rows(prepared)
    assert loaded["adb_projects"] == SHEETS and loaded["load_runs"] == 1
    assert counts["rows_loaded"] == sum(v for k, v in loaded.items() if k != "load_runs")
    # the spooled batches are gone once inserted
    assert not (prepared.run_dir("adb_pds", LOAD_ID) / "load-spool").exists()

"""A load is all-or-nothing: SIGKILL the loading process mid-load, and the warehouse holds none of
it; the re-run completes it, without duplicates. On both warehouses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.load.schema import STAGING_TABLES, load_runs
from devfin.samples import write_corpus
from devfin.settings import Settings, load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SHEETS = 400
LOAD_ID = "atomic-1"
TABLES = [name for name in STAGING_TABLES if name.startswith("adb_")]

# The loading process: load_sheets as the DAG's load task calls it, with the warehouse's bulk
# inserts wrapped to stop, mid-transaction, after half the staging tables are written, and say
# so. Staging rows reach PostgreSQL through insert_rows, DuckDB through insert_parquet (after
# the batches were spooled to Parquet files).
CHILD = """
import sys, time
from devfin import pipeline
from devfin.load import warehouse
from devfin.settings import load_settings

written = []

def then_stall(insert):
    def insert_then_stall(conn, table, rows):
        count = insert(conn, table, rows)
        if table.schema == "staging":
            written.append(table.name)
            if len(written) == int(sys.argv[1]):
                print("MID-LOAD", *written, flush=True)
                time.sleep(600)
        return count
    return insert_then_stall

warehouse.insert_rows = then_stall(warehouse.insert_rows)
warehouse.insert_parquet = then_stall(warehouse.insert_parquet)
pipeline.load_sheets("adb_pds", sys.argv[2], load_settings())
print("LOADED", flush=True)
"""


def _environment(root: Path, url: str) -> dict[str, str]:
    return {
        "DEVFIN_REPO_DIR": str(REPO_DIR),
        "DEVFIN_WAREHOUSE_URL": url,
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_ARCHIVE_URL": str(root / "archive"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
        "DEVFIN_SAMPLE_DIR": str(root / "sheets"),
    }


def _counts(settings: Settings) -> dict[str, tuple[int, int]]:
    """Rows and distinct (sheet_id, sheet_version, position) keys of each ADB staging table,
    and the load_runs rows of the load."""
    engine = sa.create_engine(settings.warehouse_url)
    counts = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = STAGING_TABLES[name]
            keys = [c for c in table.primary_key.columns]
            distinct = sa.select(*keys).distinct().subquery()
            counts[name] = (
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(distinct)).scalar_one(),
            )
        runs = sa.select(sa.func.count()).where(load_runs.c.load_id == LOAD_ID)
        counts["load_runs"] = (conn.execute(runs).scalar_one(), 0)
    engine.dispose()
    return counts


@pytest.fixture(params=["duckdb", "postgres"])
def prepared(request, tmp_path: Path) -> Iterator[tuple[Settings, dict[str, str]]]:
    """A run of 400 generated sheets fetched, parsed and validated, ready to load."""
    url = (
        f"duckdb:///{tmp_path / 'devfin.duckdb'}"
        if request.param == "duckdb"
        else request.getfixturevalue("postgres_url")
    )
    write_corpus(tmp_path / "sheets", SHEETS, seed=6, defect_rate=0.0, sources=("adb_pds",))
    environment = _environment(tmp_path, url)
    settings = load_settings(environment)
    pipeline.discover_sheets("adb_pds", LOAD_ID, settings)
    pipeline.fetch_sheets("adb_pds", LOAD_ID, settings)
    pipeline.parse_sheets("adb_pds", LOAD_ID, settings)
    pipeline.validate_sheets("adb_pds", LOAD_ID, settings)
    yield settings, environment


def test_a_killed_load_leaves_nothing_and_the_rerun_completes_it(prepared) -> None:
    settings, environment = prepared
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(len(TABLES) // 2), LOAD_ID],
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("MID-LOAD"), child.stderr.read()[-3000:]
        written = line.split()[1:]
        assert len(written) == len(TABLES) // 2
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    # The tables written before the kill were inside the uncommitted transaction: gone.
    after_kill = _counts(settings)
    assert all(rows == 0 for rows, _ in after_kill.values()), after_kill

    counts = pipeline.load_sheets("adb_pds", LOAD_ID, settings)
    assert counts["sheets_loaded"] == SHEETS
    completed = _counts(settings)
    assert completed["adb_projects"] == (SHEETS, SHEETS)
    assert completed["load_runs"][0] == 1
    for name in TABLES:
        rows, distinct = completed[name]
        assert rows == distinct, f"{name}: duplicate rows"
    assert sum(completed[name][0] for name in written) > SHEETS
    assert counts["rows_loaded"] == sum(completed[name][0] for name in TABLES)

    # Loading the same run once more changes nothing.
    again = pipeline.load_sheets("adb_pds", LOAD_ID, settings)
    assert again["sheets_loaded"] == 0
    assert _counts(settings) == completed

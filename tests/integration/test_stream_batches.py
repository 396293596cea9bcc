"""A run read in small batches (`DEVFIN_STREAM_BATCH_SIZE`) validates and loads exactly what one
batch of the whole run does: the same staging rows, quarantine, checks and counts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.load import schema
from devfin.samples import write_corpus
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SHEETS = 40
SOURCE = "adb_pds"
# Columns that differ between two runs by nature: when, and under which run id.
RUN_COLUMNS = {
    "load_id", "quarantine_id", "checked_at", "quarantined_at", "started_at", "finished_at",
    "fetched_at",
}  # fmt: skip


def _load(tmp_path: Path, name: str, batch_size: int) -> tuple[dict, dict[str, list]]:
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / name / 'devfin.duckdb'}",
        sample_dir=tmp_path / "sheets",
        data_dir=tmp_path / name / "data",
        archive_url=str(tmp_path / name / "archive"),
        report_dir=tmp_path / name / "reports",
        stream_batch_size=batch_size,
        parse_workers=1,
    )
    pipeline.discover_sheets(SOURCE, "L", settings)
    pipeline.fetch_sheets(SOURCE, "L", settings)
    pipeline.parse_sheets(SOURCE, "L", settings)
    checks = pipeline.validate_sheets(SOURCE, "L", settings)
    counts = pipeline.load_sheets(SOURCE, "L", settings)
    tables = [t for t in schema.STAGING_TABLES.values() if t.name.startswith("adb_")]
    tables += [schema.quarantine, schema.dq_results]
    contents = {}
    with pipeline.open_warehouse(settings) as engine, engine.connect() as conn:
        for table in tables:
            columns = [c for c in table.c if c.name not in RUN_COLUMNS]
            rows = conn.execute(sa.select(*columns)).all()
            contents[table.fullname] = sorted(map(repr, rows))
    return {**checks, **counts}, contents


def test_small_batches_load_what_one_batch_loads(tmp_path: Path) -> None:
    write_corpus(tmp_path / "sheets", SHEETS, seed=5, defect_rate=0.3, sources=(SOURCE,))
    one_counts, one = _load(tmp_path, "one", 1000)
    small_counts, small = _load(tmp_path, "small", 15)

    assert one_counts["sheets_loaded"] > 0 and one_counts["sheets_quarantined"] > 0
    assert one_counts["checks_failed"] > 0  # defects for the merged checks to agree on
    assert small_counts == one_counts
    assert small == one

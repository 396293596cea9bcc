"""`devfin reparse`: with the warehouse deleted, the archive alone restores the same staging."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.load.schema import STAGING_TABLES
from devfin.pipeline import ingest, reparse
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]


def _staging(url: str) -> dict[str, list[tuple]]:
    """Every staging row but its load_id (a rebuild is a new load), sorted."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {
            name: sorted(
                tuple(str(v) for v in row)
                for row in conn.execute(
                    sa.select(*[c for c in table.columns if c.name != "load_id"])
                )
            )
            for name, table in STAGING_TABLES.items()
        }
    engine.dispose()
    return rows


def test_reparse_restores_staging_from_the_archive_alone(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
    )
    for source in ("adb_pds", "cdia"):
        ingest(source, "first", settings)
    before = _staging(settings.warehouse_url)
    assert sum(map(len, before.values())) > 40

    (tmp_path / "devfin.duckdb").unlink()
    for source in ("adb_pds", "cdia"):
        counts = reparse(source, "rebuild", settings)
        assert counts["sheets_loaded"] + counts["sheets_quarantined"] == counts["sheets_fetched"]
    assert _staging(settings.warehouse_url) == before

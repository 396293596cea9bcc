"""The same pipeline on both warehouses: DuckDB (embedded) and PostgreSQL (the real server)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import run_all
from devfin.settings import load_settings
from devfin.warehouse import STAGING_TABLES

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Every staging row and every mart row, as sorted text tuples; load_id and fetched_at are
    left out of staging, as the two runs happen at different times."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        snapshot = {
            f"staging.{name}": sorted(
                tuple(str(v) for v in row)
                for row in conn.execute(
                    sa.select(
                        *[c for c in table.columns if c.name not in ("load_id", "fetched_at")]
                    )
                )
            )
            for name, table in STAGING_TABLES.items()
        }
        marts = conn.execute(
            sa.text("select table_name from information_schema.tables where table_schema = 'marts'")
        ).scalars()
        for name in sorted(marts):
            snapshot[f"marts.{name}"] = sorted(
                tuple(str(v) for v in row)
                for row in conn.execute(sa.text(f'select * from marts."{name}"'))
            )
    engine.dispose()
    return snapshot


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> dict[str, dict]:
    taken = {}
    for kind, url in (
        ("duckdb", f"duckdb:///{tmp_path_factory.mktemp('duck') / 'devfin.duckdb'}"),
        ("postgres", postgres_url),
    ):
        root = tmp_path_factory.mktemp(kind)
        settings = dataclasses.replace(
            load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
            warehouse_url=url,
            data_dir=root / "data",
            archive_url=str(root / "archive"),
            report_dir=root / "reports",
        )
        run_all(f"both-{kind}", settings, ("adb_pds", "cdia"))
        taken[kind] = _snapshot(url)
    return taken


def test_both_warehouses_load_the_demo_corpus(snapshots) -> None:
    for kind, snapshot in snapshots.items():
        assert len(snapshot["staging.adb_projects"]) > 10, kind
        assert any(name.startswith("marts.") for name in snapshot), kind


def test_staging_and_marts_hold_the_same_rows_on_both(snapshots) -> None:
    duck, postgres = snapshots["duckdb"], snapshots["postgres"]
    assert duck.keys() == postgres.keys()
    for name in duck:
        assert duck[name] == postgres[name], name

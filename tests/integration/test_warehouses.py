"""The same pipeline on both warehouses: DuckDB (embedded) and PostgreSQL (the real server)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.load.schema import STAGING_TABLES
from devfin.pipeline import run_all
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
# Mart columns that name the run or its clock: they differ between two runs of the same data.
RUN_COLUMNS = {
    "load_id",
    "scorecard_id",
    "valid_from",
    "valid_to",
    "previous_valid_from",
    "changed_at",
    "started_at",
    "finished_at",
    "fetched_at",
    # marts.quarantined_sheets: the entry's id is a hash of its run's id
    "quarantine_id",
    "quarantined_at",
    # marts.reconciliation_pds_iati: when each side's version compared was fetched
    "pds_fetched_at",
    "iati_fetched_at",
}


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
            result = conn.execute(sa.text(f'select * from marts."{name}"'))
            kept = [i for i, c in enumerate(result.keys()) if c not in RUN_COLUMNS]
            snapshot[f"marts.{name}"] = sorted(tuple(str(row[i]) for i in kept) for row in result)
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
        run_all(f"both-{kind}", settings, ("adb_pds", "cdia", "adb_iati"))
        taken[kind] = _snapshot(url)
        taken[kind]["seed metrics"] = _seed_metrics(url)
    return taken


def _seed_metrics(url: str) -> list[tuple]:
    """The metrics of the seed sheet 54037-001 that issue 7 names, from the marts."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "select s.startup_delay_days, s.closing_extension_months, d.disbursed_amount,"
                " d.financing_adb, d.disbursement_ratio, p.operational_priority_count"
                " from marts.project_schedule s"
                " join marts.disbursement_performance d on d.sheet_id = s.sheet_id"
                " join marts.projects p on p.sheet_id = s.sheet_id"
                " where s.sheet_id = '54037-001'"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in row]


def test_both_warehouses_load_the_demo_corpus(snapshots) -> None:
    for kind, snapshot in snapshots.items():
        assert len(snapshot["staging.adb_projects"]) > 10, kind
        assert len(snapshot["marts.iati_activities"]) > 10, kind
        assert any(name.startswith("marts.") for name in snapshot), kind


def test_the_seed_sheet_metrics_on_both(snapshots) -> None:
    """Issue 7: start-up delay 22 days, closing extension 12 months, disbursement ratio 0.1381
    (55,239.58 / 400,000), seven operational priorities; the same on both warehouses."""
    expected = [(22, 12, Decimal("55239.58"), Decimal("400000.00"), Decimal("0.1381"), 7)]
    for kind, snapshot in snapshots.items():
        assert snapshot["seed metrics"] == expected, kind


def test_staging_and_marts_hold_the_same_rows_on_both(snapshots) -> None:
    duck, postgres = snapshots["duckdb"], snapshots["postgres"]
    assert duck.keys() == postgres.keys()
    for name in duck:
        assert duck[name] == postgres[name], name

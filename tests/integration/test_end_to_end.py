"""End to end: the sample sheets through every stage into a temporary DuckDB warehouse."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import run_all
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, seed_samples: Path):
    root = tmp_path_factory.mktemp("e2e")
    return dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
        sample_dir=seed_samples,
    )


@pytest.fixture(scope="module")
def first_run(settings):
    return run_all("e2e-1", settings, ("adb_pds", "cdia"))


def _query(settings, sql: str) -> list[sa.Row]:
    engine = sa.create_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


def test_adb_project_reaches_staging(settings, first_run) -> None:
    rows = _query(
        settings,
        "select project_name, project_status, approval_date, financing_adb"
        " from staging.adb_projects where project_number = '54037-001'",
    )
    assert rows == [
        (
            "Innovation-Driven Green Economic Diversification for Resource-Exhausted Cities in"
            " Heilongjiang",
            "Active",
            date(2020, 11, 16),
            Decimal("400000.00"),
        )
    ]


def test_cdia_intervention_reaches_staging(settings, first_run) -> None:
    rows = _query(
        settings,
        "select cdia_support_usd, expected_downstream_financing_usd from staging.cdia_interventions"
        " where title = 'Chongqing Innovation and Human Capital Development'",
    )
    assert rows == [(Decimal("450000.00"), Decimal("427300000.00"))]


def test_children_keep_duplicates_in_order(settings, first_run) -> None:
    rows = _query(settings, "select position, title from staging.adb_tenders order by position")
    assert len(rows) == 8
    assert (
        rows[2].title == rows[3].title == "National Economic Diversification Specialist/Team Leader"
    )


# Marts that the two seed sheets leave empty by design: one version per sheet changes no field,
# every tender of the seed is closed, and both seeds are good sheets (nothing quarantined).
EMPTY_ON_SEEDS = {"project_field_changes", "open_tenders", "quarantined_sheets"}
# The marts of adb_iati, whose files this run does not ingest (the seeds are two data sheets).
NOT_INGESTED = {"iati_activities", "iati_transactions", "iati_projects"}


def test_marts_built(first_run) -> None:
    marts = first_run["marts"]
    assert {"projects", "project_history", "portfolio_summary", "data_quality_scorecard"} <= set(
        marts
    )
    empty = {name for name, count in marts.items() if count == 0}
    assert empty <= EMPTY_ON_SEEDS | NOT_INGESTED, f"marts without rows: {sorted(empty)}"


def test_counts_reconcile(settings, first_run) -> None:
    for counts in first_run["sources"].values():
        assert counts["sheets_fetched"] == (
            counts["sheets_loaded"]
            + counts["sheets_quarantined"]
            + counts["sheets_unchanged"]
            + counts["sheets_failed"]
            + counts["sheets_gone"]
        )


def test_dq_results_recorded(settings, first_run) -> None:
    assert _query(settings, "select count(*) from audit.dq_results")[0][0] > 0
    # A check that raised (rather than ran and failed) has no unexpected count and a message.
    assert (
        _query(
            settings,
            "select check_name, message from audit.dq_results"
            " where unexpected_count is null and expectation_type like 'expect_%'",
        )
        == []
    )
    # The seed sheet's fact finding (15 Jul 2020) precedes its concept clearance (14 Sep 2020).
    flagged = _query(
        settings,
        "select severity, success from audit.dq_results"
        " where check_name = 'fact finding on or after concept clearance'",
    )
    assert flagged == [("warning", False)]


def test_report_written_and_escaped(first_run) -> None:
    text = Path(first_run["report"]).read_text()
    assert "fact finding on or after concept clearance" in text
    assert "<script" not in text


def test_dbt_tests_and_freshness_reach_the_ledger(settings, first_run) -> None:
    suites = dict(
        _query(
            settings,
            "select suite, count(*) from audit.dq_results where source = 'dbt'"
            " and success group by suite",
        )
    )
    assert suites["dbt_tests"] > 0 and suites["dbt_source_freshness"] == 2


def test_second_run_changes_no_row(settings, first_run) -> None:
    def staging_counts() -> dict[str, int]:
        tables = _query(
            settings,
            "select table_name from information_schema.tables where table_schema = 'staging'",
        )
        return {
            t.table_name: _query(settings, f"select count(*) from staging.{t.table_name}")[0][0]
            for t in tables
        }

    before = staging_counts()
    second = run_all("e2e-2", settings, ("adb_pds", "cdia"))
    assert staging_counts() == before
    # The scorecard has one row per run and source (dbt's ledger counts as a source, written
    # after the build): the second run adds its own rows and the first run's dbt row.
    scorecard = "data_quality_scorecard"
    assert second["marts"][scorecard] == first_run["marts"][scorecard] + len(second["sources"]) + 1
    del second["marts"][scorecard]
    assert second["marts"] == {k: v for k, v in first_run["marts"].items() if k != scorecard}
    for counts in second["sources"].values():
        assert counts["sheets_loaded"] == 0
        assert counts["sheets_unchanged"] == counts["sheets_fetched"]
    # Nothing new in staging, the same project: dbt built nothing, it only checked freshness.
    assert not (settings.dbt_run_dir("e2e-2") / "build").exists()
    assert (settings.dbt_run_dir("e2e-2") / "freshness" / "sources.json").is_file()


def test_gx_data_docs_published_next_to_the_report(settings, first_run) -> None:
    docs = settings.report_dir / "dq" / "gx" / "adb_pds"
    assert (docs / "index.html").is_file()
    validations = list((docs / "validations").rglob("*.html"))
    assert validations, "no validation page in the Data Docs"
    report = Path(first_run["report"]).read_text()
    assert "gx/adb_pds/index.html" in report

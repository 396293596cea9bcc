"""End to end: dbt builds and tests its models on staging rows (hand-made on DuckDB; the seed sheet
loaded twice by the pipeline on DuckDB and PostgreSQL) and the marts hold the stated metrics."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from dbt.cli.main import dbtRunner

from devfin.load.schema import ensure_schema
from devfin.load.warehouse import create_engine
from devfin.pipeline import ingest
from devfin.settings import Settings, load_settings

pytestmark = pytest.mark.integration

REPO_DIR = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_DIR / "dbt"
# The seed sheet (the text rendering of https://www.adb.org/projects/54037-001/main).
SEED_SHEET = REPO_DIR / "include" / "sample_data" / "adb_pds" / "54037-001.txt"

# Two ADB projects, the first in two versions (Proposed, then Active, new amounts); one CDIA page.
STAGING_ROWS = """
insert into staging.adb_projects by name
select
    '54037-001' as sheet_id, 'v1-sha' as sheet_version,
    'https://www.adb.org/projects/54037-001/main' as source_url,
    timestamptz '2024-01-10 08:00:00+00' as fetched_at, 'load-1' as load_id,
    '1.0.0' as parser_version, '{}' as provenance, '[]' as missing_labels, '{}' as repairs,
    '{}' as unparsed,
    '54037-001' as project_number, 'Green Economic Diversification' as project_name,
    'China, People''s Republic of' as country, 'Proposed' as project_status,
    'Water and other urban infrastructure and services' as sector,
    300000.00 as financing_adb, 300000.00 as financing_total
union all
select
    '54037-001', 'v2-sha', 'https://www.adb.org/projects/54037-001/main',
    timestamptz '2024-06-10 08:00:00+00', 'load-2', '1.0.0', '{}', '[]', '{}', '{}',
    '54037-001', 'Green Economic Diversification', 'China, People''s Republic of', 'Active',
    'Water and other urban infrastructure and services', 400000.00, 400000.00;

update staging.adb_projects
set financing_cofinancing = 0.00,
    financing_counterpart_government = 0.00,
    financing_counterpart_beneficiaries = 0.00,
    financing_counterpart_project_sponsor = 0.00,
    financing_counterpart_others = 0.00,
    currency_code = 'USD'
where sheet_version = 'v2-sha';

insert into staging.adb_projects by name
select
    '49999-002' as sheet_id, 'w1-sha' as sheet_version,
    'https://www.adb.org/projects/49999-002/main' as source_url,
    timestamptz '2024-03-01 08:00:00+00' as fetched_at, 'load-1' as load_id,
    '1.0.0' as parser_version, '{}' as provenance, '[]' as missing_labels, '{}' as repairs,
    '{}' as unparsed,
    '49999-002' as project_number, 'Rural Electrification' as project_name,
    'Viet Nam' as country, 'Active' as project_status, 'Energy' as sector,
    1000000.00 as financing_adb, 250000.00 as financing_cofinancing,
    100000.00 as financing_counterpart_government, 50000.00 as financing_counterpart_others,
    1400000.00 as financing_total;

insert into staging.adb_operational_priorities by name
select
    *,
    'https://example.test/sheet' as source_url,
    timestamptz '2024-01-01 00:00:00+00' as fetched_at,
    'load-1' as load_id,
from (values
    ('54037-001', 'v1-sha', 1, 'OP4', 'Making cities more livable'),
    ('54037-001', 'v2-sha', 1, 'OP4', 'Making cities more livable'),
    ('54037-001', 'v2-sha', 2, 'OP6', 'Strengthening governance and institutional capacity'),
    ('49999-002', 'w1-sha', 1, 'OP5', 'Promoting rural development and food security')
) as rows (sheet_id, sheet_version, position, code, name);

insert into staging.adb_project_sectors by name
select
    *,
    'https://example.test/sheet' as source_url,
    timestamptz '2024-01-01 00:00:00+00' as fetched_at,
    'load-1' as load_id,
from (values
    ('54037-001', 'v1-sha', 1, 'Water and other urban infrastructure and services', null),
    ('54037-001', 'v2-sha', 1, 'Water and other urban infrastructure and services',
        'Urban policy, institutional and capacity development'),
    ('49999-002', 'w1-sha', 1, 'Energy', 'Electricity transmission and distribution')
) as rows (sheet_id, sheet_version, position, sector, subsector);

insert into staging.cdia_interventions by name
select
    'ulaanbaatar-green-transport' as sheet_id, 'c1-sha' as sheet_version,
    'https://cdia.asia/project/ulaanbaatar-green-transport/' as source_url,
    timestamptz '2024-02-01 08:00:00+00' as fetched_at, 'load-1' as load_id,
    '1.0.0' as parser_version, '{}' as provenance, '[]' as missing_labels, '{}' as repairs,
    '{}' as unparsed,
    'Green Transport Corridor' as title, 'Mongolia' as country, 'Ulaanbaatar' as city,
    date '2019-03-01' as study_period_start, 750000.00 as cdia_support_usd, 1600000 as population;
"""


# 54037-001 in IATI: a loan in two versions (the first's transaction must not count) and a grant;
# one transaction in yen, which no US-dollar total counts.
IATI_STAGING_ROWS = """
insert into staging.iati_activities by name
select
    *,
    'https://www.adb.org/iati/iati-activities-cn.xml' as source_url, 'load-1' as load_id,
    '1.0.0' as parser_version, '{}' as provenance, '[]' as missing_labels, '{}' as repairs,
    '{}' as unparsed, sheet_id as iati_identifier, '54037-001' as project_number,
from (values
    ('XM-DAC-46004-54037-001-LOAN4012', 'l1-sha', timestamptz '2026-01-05 00:00:00+00', 1,
        'Green Economic Diversification (proposed)'),
    ('XM-DAC-46004-54037-001-LOAN4012', 'l2-sha', timestamptz '2026-01-12 00:00:00+00', 2,
        'Green Economic Diversification Project'),
    ('XM-DAC-46004-54037-001-GRNT0822', 'g1-sha', timestamptz '2026-01-12 00:00:00+00', 3,
        'Green Economic Diversification (grant)')
) as rows (sheet_id, sheet_version, fetched_at, activity_status_code, title);

insert into staging.iati_transactions by name
select
    *,
    'https://www.adb.org/iati/iati-activities-cn.xml' as source_url,
    timestamptz '2026-01-12 00:00:00+00' as fetched_at, 'load-1' as load_id,
from (values
    ('XM-DAC-46004-54037-001-LOAN4012', 'l1-sha', 1, 2, 300000.00, 'USD'),
    ('XM-DAC-46004-54037-001-LOAN4012', 'l2-sha', 1, 2, 250000.00, 'USD'),
    ('XM-DAC-46004-54037-001-LOAN4012', 'l2-sha', 2, 3, 40000.00, 'USD'),
    ('XM-DAC-46004-54037-001-LOAN4012', 'l2-sha', 3, 3, 1000000.00, 'JPY'),
    ('XM-DAC-46004-54037-001-GRNT0822', 'g1-sha', 1, 2, 150000.00, 'USD'),
    ('XM-DAC-46004-54037-001-GRNT0822', 'g1-sha', 2, 11, 20000.00, 'USD')
) as rows (sheet_id, sheet_version, position, transaction_type_code, amount, currency);

insert into staging.iati_activity_dates by name
select
    *,
    'https://www.adb.org/iati/iati-activities-cn.xml' as source_url,
    timestamptz '2026-01-12 00:00:00+00' as fetched_at, 'load-1' as load_id,
from (values
    ('XM-DAC-46004-54037-001-LOAN4012', 'l2-sha', 1, 1, date '2020-11-16'),
    ('XM-DAC-46004-54037-001-LOAN4012', 'l2-sha', 2, 3, date '2025-11-30'),
    ('XM-DAC-46004-54037-001-GRNT0822', 'g1-sha', 1, 2, date '2020-12-08'),
    ('XM-DAC-46004-54037-001-GRNT0822', 'g1-sha', 2, 4, date '2023-11-30')
) as rows (sheet_id, sheet_version, position, date_type_code, activity_date);

insert into staging.iati_recipient_countries by name
select
    'XM-DAC-46004-54037-001-LOAN4012' as sheet_id, 'l2-sha' as sheet_version, 1 as position,
    'CN' as country_code, 100.00 as percentage,
    'https://www.adb.org/iati/iati-activities-cn.xml' as source_url,
    timestamptz '2026-01-12 00:00:00+00' as fetched_at, 'load-1' as load_id;
"""


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A DuckDB file with the staging tables and rows above, selected for dbt through the env."""
    path = tmp_path / "devfin.duckdb"
    engine = create_engine(f"duckdb:///{path}")
    ensure_schema(engine)  # the one schema definition the loader uses
    engine.dispose()
    with duckdb.connect(str(path)) as connection:
        connection.execute(STAGING_ROWS)
        connection.execute(IATI_STAGING_ROWS)
    monkeypatch.setenv("DEVFIN_DUCKDB_PATH", str(path))
    monkeypatch.setenv("DEVFIN_DBT_TARGET", "duckdb")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    yield path


def test_dbt_build_counts_the_latest_version_of_each_project(
    warehouse: Path, tmp_path: Path
) -> None:
    # target/ and logs/ go to tmp_path: the test writes nothing into the repo.
    paths = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    outputs = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    result = dbtRunner().invoke(["build", *paths, *outputs])

    assert result.exception is None, result.exception
    assert result.success, [(r.node.name, str(r.status), r.message) for r in result.result]

    # dbt-duckdb keeps the file open in this process: a read_only connection would be refused.
    with duckdb.connect(str(warehouse)) as connection:
        portfolio = connection.execute(
            "select country, sector, project_status, project_count, non_usd_project_count,"
            " financing_adb_usd, financing_cofinancing_usd, financing_counterpart_usd,"
            " financing_total_usd"
            " from marts.portfolio_by_country_sector_status order by country"
        ).fetchall()
        interventions = connection.execute(
            "select sheet_id, title from main.stg_cdia__interventions"
        ).fetchall()
        history = connection.execute(
            "select sheet_version, version_number, valid_from, valid_to, is_current,"
            " project_status from marts.project_history where sheet_id = '54037-001'"
            " order by version_number"
        ).fetchall()
        changes = connection.execute(
            "select field_name, previous_sheet_version, sheet_version, previous_value, new_value"
            " from marts.project_field_changes where sheet_id = '54037-001'"
        ).fetchall()
        grains = {
            mart: connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in (
                "projects",
                "portfolio_summary",
                "project_operational_priorities",
                "iati_activities",
                "iati_transactions",
                "iati_projects",
            )
        }
        iati_project = connection.execute(
            "select activity_count, iati_identifiers, title, activity_status_code,"
            " activity_status_name, recipient_country_name, planned_start_date,"
            " actual_start_date, planned_end_date, actual_end_date, committed_usd, disbursed_usd,"
            " incoming_commitment_usd, transaction_count, non_usd_transaction_count, sheet_versions"
            " from marts.iati_projects where project_number = '54037-001'"
        ).fetchall()

    assert portfolio == [
        (
            "China, People's Republic of",
            "Water and other urban infrastructure and services",
            "Active",
            1,
            0,
            Decimal("400000.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("400000.00"),
        ),
        (
            "Viet Nam",
            "Energy",
            "Active",
            1,
            0,
            Decimal("1000000.00"),
            Decimal("250000.00"),
            Decimal("150000.00"),
            Decimal("1400000.00"),
        ),
    ]
    assert interventions == [("ulaanbaatar-green-transport", "Green Transport Corridor")]

    # Two versions of 54037-001: two history rows, the first closed when the second was fetched.
    assert [(version, number, is_current) for version, number, _, _, is_current, _ in history] == [
        ("v1-sha", 1, False),
        ("v2-sha", 2, True),
    ]
    (_, _, _, first_valid_to, _, _), (_, _, second_valid_from, second_valid_to, _, _) = history
    assert first_valid_to == second_valid_from and second_valid_to is None
    # The change log names every field that changed, with both versions and both values.
    by_field = {change[0]: change for change in changes}
    assert by_field.keys() == {
        "project_status",
        "financing_adb",
        "financing_total",
        "financing_cofinancing",
        "financing_counterpart_government",
        "financing_counterpart_beneficiaries",
        "financing_counterpart_project_sponsor",
        "financing_counterpart_others",
        "currency_code",
    }
    assert by_field["project_status"] == (
        "project_status",
        "v1-sha",
        "v2-sha",
        "Proposed",
        "Active",
    )
    assert by_field["financing_adb"][3:] == ("300000.00", "400000.00")
    # One row per project, the latest version only: v1's priority is not counted twice.
    assert grains == {
        "projects": 2,
        "portfolio_summary": 2,
        "project_operational_priorities": 3,
        "iati_activities": 2,
        "iati_transactions": 5,
        "iati_projects": 1,
    }
    # The project's two activities at their latest versions: the loan's first version's
    # commitment left out, the yen disbursement counted apart, the least advanced status.
    assert iati_project == [
        (
            2,
            "XM-DAC-46004-54037-001-GRNT0822, XM-DAC-46004-54037-001-LOAN4012",
            "Green Economic Diversification (grant)",
            2,
            "Implementation",
            "China",
            date(2020, 11, 16),
            date(2020, 12, 8),
            date(2025, 11, 30),
            date(2023, 11, 30),
            Decimal("400000.00"),
            Decimal("40000.00"),
            Decimal("20000.00"),
            5,
            1,
            "g1-sha, l2-sha",
        )
    ]


def test_not_null_columns_fails_for_each_row_with_a_null_and_names_its_columns(
    warehouse: Path, tmp_path: Path
) -> None:
    """A model's required columns are checked by one test (tests/generic/not_null_columns.sql):
    it must fail for each row with a null in any of them, and say which."""
    paths = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    outputs = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    built = dbtRunner().invoke(
        ["build", "--select", "+projects", "--resource-type", "model", "--resource-type", "seed",
         *paths, *outputs]
    )  # fmt: skip
    assert built.success, built.exception
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update marts.projects set project_number = null, project_name = null"
            " where sheet_id = '49999-002'"
        )

    tested = dbtRunner().invoke(
        ["test", "--select", "projects,test_name:not_null_columns", *paths, *outputs]
    )

    (result,) = tested.result
    assert (str(result.status), result.failures) == ("fail", 1)
    with duckdb.connect(str(warehouse)) as connection:
        failing = connection.execute(
            f"select sheet_id, null_columns from ({result.node.compiled_code})"
        ).fetchall()
    assert failing == [("49999-002", "project_number, project_name")]


# --- the seed sheet through the pipeline, then a changed version of it, on both warehouses ---

# What the second version of the seed sheet changes: two fields, neither used by the metrics.
CHANGES = {
    "Gender | No gender elements |": "Gender | Some gender elements |",
    "Last PDS Update | 30 Sep 2022 |": "Last PDS Update | 31 Mar 2023 |",
}


def _dbt_build(settings: Settings, root: Path) -> None:
    """`dbt build` in a child process, as the pipeline runs it: in-process, dbt-duckdb would keep
    the DuckDB file open and lock this process out of it."""
    arguments = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--project-dir", str(DBT_DIR),
        "--profiles-dir", str(DBT_DIR),
        "--target-path", str(root / "target"),
        "--log-path", str(root / "logs"),
    ]  # fmt: skip
    completed = subprocess.run(
        arguments,
        env={**os.environ, **settings.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


@pytest.fixture(scope="module")
def seed_sheet_warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A DuckDB warehouse holding two versions of the seed sheet, loaded by the pipeline (the
    second with the CHANGES made), and the marts built on it; returns its URL. (The same SQL on
    PostgreSQL: tests/integration/test_warehouses.py builds both and compares every mart row.)"""
    root = tmp_path_factory.mktemp("seed_sheet")
    url = f"duckdb:///{root / 'devfin.duckdb'}"
    sheet = root / "samples" / "adb_pds" / SEED_SHEET.name
    sheet.parent.mkdir(parents=True)
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=url,
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
        sample_dir=root / "samples",
    )
    original = SEED_SHEET.read_text()
    sheet.write_text(original)
    assert ingest("adb_pds", "seed-v1", settings)["sheets_loaded"] == 1

    changed = original
    for before, after in CHANGES.items():
        assert before in changed
        changed = changed.replace(before, after)
    sheet.write_text(changed)
    assert ingest("adb_pds", "seed-v2", settings)["sheets_loaded"] == 1

    _dbt_build(settings, root)
    return url


def _rows(url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


def test_seed_sheet_metrics(seed_sheet_warehouse: str) -> None:
    """Acceptance: start-up delay 22 days, closing extension 12 months, disbursement ratio
    0.1381 (55,239.58 / 400,000), seven operational priorities."""
    url = seed_sheet_warehouse
    schedule = _rows(
        url,
        "select startup_delay_days, closing_extension_months from marts.project_schedule"
        " where sheet_id = '54037-001'",
    )
    disbursement = _rows(
        url,
        "select disbursed_amount, financing_adb, disbursement_ratio, is_disbursement_lagging"
        " from marts.disbursement_performance where sheet_id = '54037-001'",
    )
    project = _rows(
        url,
        "select iso3_code, adb_region, adb_department_code, operational_priority_count,"
        " version_count from marts.projects where sheet_id = '54037-001'",
    )
    priorities = _rows(
        url,
        "select operational_priority_code from marts.project_operational_priorities"
        " where sheet_id = '54037-001' order by operational_priority_code",
    )

    assert [tuple(r) for r in schedule] == [(22, 12)]
    assert [tuple(r) for r in disbursement] == [
        (Decimal("55239.58"), Decimal("400000.00"), Decimal("0.1381"), True)
    ]
    assert [tuple(r) for r in project] == [("CHN", "East Asia", "EARD", 7, 2)]
    assert [r.operational_priority_code for r in priorities] == [f"OP{n}" for n in range(1, 8)]


def test_a_changed_sheet_version_makes_history(seed_sheet_warehouse: str) -> None:
    """Acceptance: loading a changed version gives a second history row and change-log rows
    naming the changed fields, with both sheet versions."""
    url = seed_sheet_warehouse
    history = _rows(
        url,
        "select sheet_version, version_number, valid_from, valid_to, is_current, gender,"
        " last_pds_update_date from marts.project_history where sheet_id = '54037-001'"
        " order by version_number",
    )
    changes = _rows(
        url,
        "select field_name, previous_sheet_version, sheet_version, previous_value, new_value,"
        " change_type from marts.project_field_changes where sheet_id = '54037-001'"
        " order by field_name",
    )

    first, second = history
    assert (first.version_number, first.is_current, second.version_number, second.is_current) == (
        1,
        False,
        2,
        True,
    )
    assert first.valid_to == second.valid_from and first.valid_from < second.valid_from
    assert second.valid_to is None
    assert (first.gender, first.last_pds_update_date) == ("No gender elements", date(2022, 9, 30))
    assert (second.gender, second.last_pds_update_date) == (
        "Some gender elements",
        date(2023, 3, 31),
    )
    versions = (first.sheet_version, second.sheet_version)
    assert [tuple(c) for c in changes] == [
        ("gender", *versions, "No gender elements", "Some gender elements", "changed"),
        ("last_pds_update_date", *versions, "2022-09-30", "2023-03-31", "changed"),
    ]

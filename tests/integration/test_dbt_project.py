"""End to end: dbt builds and tests its models on a DuckDB file holding the staging tables."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from devfin.warehouse import create_engine, ensure_schema

pytestmark = pytest.mark.integration

REPO_DIR = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_DIR / "dbt"

# Two ADB projects, the first in two versions (Proposed, then Active, new amounts); one CDIA page.
STAGING_ROWS = """
insert into staging.adb_projects by name
select
    '54037-001' as sheet_id, 'v1-sha' as sheet_version,
    'https://www.adb.org/projects/54037-001/main' as source_url,
    timestamptz '2024-01-10 08:00:00+00' as fetched_at, 'load-1' as load_id,
    '1.0.0' as parser_version, '{}' as provenance, '[]' as missing_labels, '{}' as repairs,
    '54037-001' as project_number, 'Green Economic Diversification' as project_name,
    'China, People''s Republic of' as country, 'Proposed' as project_status,
    'Water and other urban infrastructure and services' as sector,
    300000.00 as financing_adb, 300000.00 as financing_total
union all
select
    '54037-001', 'v2-sha', 'https://www.adb.org/projects/54037-001/main',
    timestamptz '2024-06-10 08:00:00+00', 'load-2', '1.0.0', '{}', '[]', '{}',
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
    'https://cdia.asia/city-interventions/ulaanbaatar' as source_url,
    timestamptz '2024-02-01 08:00:00+00' as fetched_at, 'load-1' as load_id,
    '1.0.0' as parser_version, '{}' as provenance, '[]' as missing_labels, '{}' as repairs,
    'Green Transport Corridor' as title, 'Mongolia' as country, 'Ulaanbaatar' as city,
    date '2019-03-01' as study_period_start, 750000.00 as cdia_support_usd, 1600000 as population;
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

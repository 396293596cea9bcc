"""`devfin warehouse grant`: BI reads the marts only; auditors also audit and raw; no writes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from devfin.cli import main
from devfin.load.schema import ensure_schema
from devfin.load.warehouse import create_engine

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(postgres_url: str):
    engine = create_engine(postgres_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("create table if not exists marts.portfolio (n int)"))
    assert main(["warehouse", "grant", "--warehouse", postgres_url]) == 0
    yield engine
    engine.dispose()


def _as(engine, role: str, sql: str) -> str:
    """Run one statement as `role`; "ok" or the error class PostgreSQL answered with."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(sa.text(f"set local role {role}"))
            conn.execute(sa.text(sql))
            return "ok"
        except sa.exc.ProgrammingError as error:
            return type(error.orig).__name__
        finally:
            transaction.rollback()


@pytest.mark.parametrize(
    "sql",
    [
        "select * from staging.adb_projects",
        "select * from raw.fetches",
        "select * from audit.load_runs",
        "insert into marts.portfolio values (1)",
        "create table marts.sneaky (n int)",
        "delete from marts.portfolio",
    ],
)
def test_bi_cannot_read_beyond_the_marts_nor_write(engine, sql: str) -> None:
    assert _as(engine, "devfin_bi", sql) == "InsufficientPrivilege"


def test_bi_reads_the_marts(engine) -> None:
    assert _as(engine, "devfin_bi", "select * from marts.portfolio") == "ok"


def test_a_mart_built_later_is_readable_too(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("create table marts.built_later (n int)"))
    assert _as(engine, "devfin_bi", "select * from marts.built_later") == "ok"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from marts.portfolio", "ok"),
        ("select * from audit.load_runs", "ok"),
        ("select * from raw.fetches", "ok"),
        ("select * from staging.adb_projects", "InsufficientPrivilege"),
        ("insert into audit.load_runs (load_id) values ('x')", "InsufficientPrivilege"),
    ],
)
def test_auditor_reads_marts_audit_and_raw_only(engine, sql: str, expected: str) -> None:
    assert _as(engine, "devfin_auditor", sql) == expected


def test_grant_refuses_duckdb(tmp_path, capsys) -> None:
    assert main(["warehouse", "grant", "--warehouse", f"duckdb:///{tmp_path}/w.duckdb"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err

"""Every stage opens the warehouse through `ensure_schema`: it creates what is missing, brings an
older warehouse up to date, and runs no DDL at all on a warehouse that holds the whole contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from devfin.load.schema import SCHEMAS, ensure_schema
from devfin.load.warehouse import create_engine

pytestmark = pytest.mark.integration


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'devfin.duckdb'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    try:
        yield engine
    finally:
        if request.param == "postgres":  # the module's database is shared: leave it empty
            with engine.begin() as conn:
                for schema in SCHEMAS:
                    conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        engine.dispose()


def _statements(engine: sa.Engine) -> list[str]:
    """The statements `ensure_schema` sends, first words lowercased."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        sent.append(" ".join(statement.split()[:2]).lower())

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        ensure_schema(engine)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return sent


def test_a_warehouse_holding_the_contract_gets_no_ddl(engine: sa.Engine) -> None:
    created = _statements(engine)
    assert any(s.startswith("create") for s in created)  # an empty warehouse: everything made

    again = _statements(engine)
    assert again and not [s for s in again if s.split()[0] in ("create", "alter", "drop")]


def test_an_older_warehouse_gets_the_columns_added_since(engine: sa.Engine) -> None:
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("alter table audit.quarantine drop column release_reason"))

    assert any(s.startswith("alter") for s in _statements(engine))
    with engine.connect() as conn:
        columns = conn.execute(
            sa.text(
                "select column_name from information_schema.columns"
                " where table_schema = 'audit' and table_name = 'quarantine'"
            )
        ).scalars()
        assert "release_reason" in set(columns)

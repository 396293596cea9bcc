"""The warehouse contract: its schemas and tables, defined once from the records, made to exist
(`ensure_schema`), the rows of its audit ledger and the roles that read it."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from devfin.records import column_types
from devfin.sources import RECORD_TYPES

SCHEMAS = ("raw", "staging", "audit", "marts")

_SQL_TYPES: dict[type, Any] = {
    str: sa.Text,
    int: sa.BigInteger,
    Decimal: lambda: sa.Numeric(18, 2),
    date: sa.Date,
    datetime: lambda: sa.DateTime(timezone=True),
    bool: sa.Boolean,
}

metadata = sa.MetaData()


def _meta_columns() -> list[sa.Column]:
    """The provenance columns every staging row carries, first."""
    return [
        sa.Column("sheet_id", sa.Text, primary_key=True),
        sa.Column("sheet_version", sa.Text, primary_key=True),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("load_id", sa.Text, nullable=False),
    ]


def _staging_table(record_type: type, is_parent: bool) -> sa.Table:
    columns = _meta_columns()
    if is_parent:
        columns += [
            sa.Column("parser_version", sa.Text, nullable=False),
            sa.Column("provenance", sa.Text, nullable=False),  # JSON: field → label read
            sa.Column("missing_labels", sa.Text, nullable=False),  # JSON list
            sa.Column("repairs", sa.Text, nullable=False),  # JSON: repair kind → fields
            sa.Column("unparsed", sa.Text, nullable=False),  # JSON: field → raw text, reason
        ]
    required = {f.name for f in dataclasses.fields(record_type) if f.default is dataclasses.MISSING}
    for name, kind in column_types(record_type).items():
        columns.append(
            sa.Column(
                name,
                _SQL_TYPES[kind](),
                primary_key=name == "position",
                nullable=name not in required,
            )
        )
    return sa.Table(record_type.table, metadata, *columns, schema="staging")


STAGING_TABLES: dict[str, sa.Table] = {
    t.table: _staging_table(t, is_parent=i == 0)
    for types in RECORD_TYPES.values()
    for i, t in enumerate(types)
}
PARENT_TABLES: dict[str, str] = {source: types[0].table for source, types in RECORD_TYPES.items()}

fetches = sa.Table(
    "fetches",
    metadata,
    sa.Column("load_id", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sheet_id", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),  # fetched, unchanged, not_modified, gone, …
    sa.Column("http_status", sa.Integer),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("content_sha256", sa.Text),
    sa.Column("bytes", sa.BigInteger),
    sa.Column("archive_uri", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("elapsed_ms", sa.BigInteger),
    sa.Column("retry_history", sa.Text),  # JSON list: what each failed try answered
    schema="raw",
)

load_runs = sa.Table(
    "load_runs",
    metadata,
    sa.Column("load_id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sheets_fetched", sa.Integer, nullable=False),
    sa.Column("sheets_failed", sa.Integer, nullable=False),
    sa.Column("sheets_gone", sa.Integer, nullable=False),
    sa.Column("sheets_parsed", sa.Integer, nullable=False),
    sa.Column("sheets_quarantined", sa.Integer, nullable=False),
    sa.Column("sheets_unchanged", sa.Integer, nullable=False),
    sa.Column("sheets_loaded", sa.Integer, nullable=False),
    sa.Column("rows_loaded", sa.BigInteger, nullable=False),
    sa.Column("checks_passed", sa.Integer, nullable=False),
    sa.Column("checks_failed", sa.Integer, nullable=False),
    schema="audit",
)

dq_results = sa.Table(
    "dq_results",
    metadata,
    sa.Column("load_id", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("suite", sa.Text, nullable=False),
    sa.Column("check_name", sa.Text, nullable=False),
    sa.Column("expectation_type", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("column_name", sa.Text),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Column("element_count", sa.BigInteger),
    sa.Column("unexpected_count", sa.BigInteger),
    sa.Column("sample_values", sa.Text),  # JSON list, at most 20
    sa.Column("sheet_ids", sa.Text),  # JSON list of the failing sheets
    sa.Column("message", sa.Text),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    schema="audit",
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("quarantine_id", sa.Text, primary_key=True),
    sa.Column("load_id", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sheet_id", sa.Text, nullable=False),
    sa.Column("sheet_version", sa.Text),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("stage", sa.Text, nullable=False),  # parse | validate | load
    sa.Column("reason_code", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("record_json", sa.Text),
    sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=False),
    # A manual override (`devfin quarantine release`): who let this version through, when, why.
    sa.Column("released_at", sa.DateTime(timezone=True)),
    sa.Column("released_by", sa.Text),
    sa.Column("release_reason", sa.Text),
    schema="audit",
)

AUDIT_TABLES = (load_runs, dq_results, quarantine)


def ensure_schema(engine: Engine) -> None:
    """Create the schemas and tables of the contract where they are missing.

    Every stage opens the warehouse this way: when the whole contract is in place (the usual
    case) two `information_schema` queries say so and no DDL runs, which would cost a statement
    per table and, on PostgreSQL, an ALTER TABLE takes its table's exclusive lock even when it
    changes nothing."""
    with engine.begin() as conn:
        if _schema_in_place(conn):
            return
        for schema in SCHEMAS:
            conn.execute(sa.text(f"create schema if not exists {schema}"))
        metadata.create_all(conn)
        # create_all adds no column to a table that exists: bring older warehouses up to date.
        # An added column takes no NOT NULL: the rows already there have no value for it.
        for table, column in _missing_columns(conn):
            sql_type = column.type.compile(dialect=conn.dialect)
            conn.execute(
                sa.text(
                    f"alter table {table.schema}.{table.name}"
                    f" add column if not exists {column.name} {sql_type}"
                )
            )


def _missing_columns(conn: Connection) -> list[tuple[sa.Table, sa.Column]]:
    """The columns of the contract that the warehouse's existing tables lack."""
    present = _present_columns(conn)
    tables = {(schema, name) for schema, name, _ in present}
    return [
        (table, column)
        for table in metadata.tables.values()
        if (table.schema, table.name) in tables
        for column in table.columns
        if (table.schema, table.name, column.name) not in present
    ]


def _present_columns(conn: Connection) -> set[tuple[str, str, str]]:
    columns = sa.text(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in :schemas"
    ).bindparams(sa.bindparam("schemas", expanding=True))
    return {tuple(row) for row in conn.execute(columns, {"schemas": list(SCHEMAS)})}


def _schema_in_place(conn: Connection) -> bool:
    """Whether every schema, table and column of the contract exists."""
    # information_schema rather than the inspector: duckdb-engine names schemas "<db>.<schema>".
    schemas = conn.execute(sa.text("select schema_name from information_schema.schemata"))
    if not set(schemas.scalars()) >= set(SCHEMAS):
        return False
    wanted = {
        (table.schema, table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
    }
    return wanted <= _present_columns(conn)


def dumps(value: Any) -> str:
    """Compact JSON for the text columns that hold JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def dq_row(
    *,
    load_id: str,
    source: str,
    suite: str,
    check_name: str,
    expectation_type: str,
    severity: str,
    success: bool,
    checked_at: datetime,
    column_name: str | None = None,
    element_count: int | None = None,
    unexpected_count: int | None = None,
    sample_values: Sequence[str] = (),
    sheet_ids: Sequence[str] = (),
    message: str | None = None,
) -> dict[str, Any]:
    """One `audit.dq_results` row, whoever checked (GX, fill rates, drift, dbt tests, dbt
    source freshness): every column named once, the lists as JSON."""
    return {
        "load_id": load_id,
        "source": source,
        "suite": suite,
        "check_name": check_name,
        "expectation_type": expectation_type,
        "severity": severity,
        "column_name": column_name,
        "success": success,
        "element_count": element_count,
        "unexpected_count": unexpected_count,
        "sample_values": dumps(list(sample_values)),
        "sheet_ids": dumps(list(sheet_ids)),
        "message": message,
        "checked_at": checked_at,
    }


# Read-only roles of a PostgreSQL warehouse: BI tools see the marts; auditors also see what was
# fetched (raw) and what the checks said (audit). Neither can write; the loader owns the rest.
READ_ROLES = {
    "devfin_bi": ("marts",),
    "devfin_auditor": ("marts", "audit", "raw"),
}


def grant_read_roles(engine: Engine) -> dict[str, tuple[str, ...]]:
    """Create the read roles (NOLOGIN group roles: grant them to people and tools) and give
    each SELECT on its schemas, now and for the tables the loader creates there later."""
    if engine.dialect.name != "postgresql":
        raise ValueError(f"roles need a PostgreSQL warehouse, not {engine.dialect.name}")
    ensure_schema(engine)
    with engine.begin() as conn:
        for role, schemas in READ_ROLES.items():
            exists = conn.execute(
                sa.text("select 1 from pg_roles where rolname = :role"), {"role": role}
            ).first()
            if exists is None:
                conn.execute(sa.text(f"create role {role} nologin"))
            for schema in SCHEMAS:
                conn.execute(sa.text(f"revoke all on schema {schema} from {role}"))
                conn.execute(sa.text(f"revoke all on all tables in schema {schema} from {role}"))
            for schema in schemas:
                conn.execute(sa.text(f"grant usage on schema {schema} to {role}"))
                conn.execute(sa.text(f"grant select on all tables in schema {schema} to {role}"))
                conn.execute(
                    sa.text(
                        f"alter default privileges in schema {schema} grant select on tables"
                        f" to {role}"
                    )
                )
    return READ_ROLES


# A PostgreSQL role name as devfin writes it in DDL, unquoted.
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def create_bi_login(engine: Engine, login: str, password: str | None) -> None:
    """Create the login BI tools connect as (or set its password), a member of devfin_bi
    only: it reads the marts and nothing else. Run after `grant_read_roles`."""
    if engine.dialect.name != "postgresql":
        raise ValueError(f"logins need a PostgreSQL warehouse, not {engine.dialect.name}")
    if not _ROLE_NAME.fullmatch(login) or login in READ_ROLES:
        raise ValueError(f"not a login name devfin creates: {login!r}")
    # DDL takes no bind parameters: the password goes in as a quoted literal (standard strings).
    secret = "null" if password is None else "'" + password.replace("'", "''") + "'"
    with engine.begin() as conn:
        exists = conn.execute(
            sa.text("select 1 from pg_roles where rolname = :login"), {"login": login}
        ).first()
        verb = "alter" if exists else "create"
        conn.execute(sa.text(f"{verb} role {login} login password {secret}"))
        conn.execute(sa.text(f"grant devfin_bi to {login}"))

"""The warehouse's loads (DuckDB, PostgreSQL): opening it, bulk inserts through Arrow or COPY,
the staging spool of a load; the contract they load into is `devfin.load.schema`."""

from __future__ import annotations

import logging
import operator
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from devfin.errors import LoadError
from devfin.load.locking import warehouse_lock

# Beside what the loads use, the contract's tables and row helpers, where the loads' callers find
# them (`warehouse.fetches`, `warehouse.dq_row`); their home is devfin.load.schema.
from devfin.load.schema import (  # noqa: F401
    AUDIT_TABLES,
    PARENT_TABLES,
    STAGING_TABLES,
    dq_results,
    dq_row,
    dumps,
    ensure_schema,
    fetches,
    load_runs,
    quarantine,
)
from devfin.settings import Settings

log = logging.getLogger(__name__)


def create_engine(url: str) -> Engine:
    return sa.create_engine(url)


@contextmanager
def open_warehouse(settings: Settings, purpose: str = "") -> Iterator[Engine]:
    """An engine on the warehouse with the contract's schema in place, disposed afterwards.

    On DuckDB one process at a time may open the file: the block holds the warehouse lock
    (`devfin.load.locking.warehouse_lock`, waiting its turn; `purpose` tells those waiting what this
    process does), and the engine is disposed before the lock is let go.
    """
    if settings.warehouse_kind == "duckdb":
        Path(sa.engine.make_url(settings.warehouse_url).database or "").parent.mkdir(
            parents=True, exist_ok=True
        )
    with warehouse_lock(settings, purpose):
        engine = create_engine(settings.warehouse_url)
        try:
            ensure_schema(engine)
            yield engine
        finally:
            engine.dispose()


def ensure_warehouse(settings: Settings, purpose: str = "") -> None:
    """Create the contract's schema in the warehouse where it is missing."""
    with open_warehouse(settings, purpose):
        pass


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> int:
    """Bulk-load rows (dicts keyed by column name; a missing key is NULL) in the connection's
    transaction: PostgreSQL through binary COPY, DuckDB from an Arrow table, never row by row.

    PostgreSQL text cannot hold NUL characters: they are stripped, on every warehouse alike so
    both hold the same values, with a warning naming the table, column and sheets."""
    if not rows:
        return 0
    names = [column.name for column in table.columns]
    unknown = {key for row in rows[:1] for key in row} - set(names)
    if unknown:
        raise ValueError(f"{table.fullname} has no column {', '.join(sorted(unknown))}")
    if conn.dialect.name == "postgresql":
        _refuse_rounding(table, rows)
        _copy_into_postgres(conn, table, rows)
        return len(rows)
    columns = _columns(table, rows)
    if conn.dialect.name == "duckdb":
        _insert_into_duckdb(conn, table, columns)
    else:  # any other SQLAlchemy database: correct, if slower
        records = zip(*columns.values(), strict=True)
        conn.execute(table.insert(), [dict(zip(names, r, strict=True)) for r in records])
    return len(rows)


def _refuse_rounding(table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Raise ValueError for a number with more decimals than its column keeps: PostgreSQL would
    round it without a word, where DuckDB (through Arrow) refuses it; both warehouses must hold
    the same values. (A number too long for its column PostgreSQL refuses itself.)"""
    for column in table.columns:
        kind = column.type
        if not isinstance(kind, sa.Numeric) or isinstance(kind, sa.Float) or kind.scale is None:
            continue
        for row in rows:
            value = row.get(column.name)
            if (
                isinstance(value, Decimal)
                and value.is_finite()
                and int(value.as_tuple().exponent) < -kind.scale
                and value != round(value, kind.scale)
            ):
                raise ValueError(
                    f"{table.fullname}.{column.name}: {value} has more than {kind.scale}"
                    " decimals, which the column would round"
                )


def _columns(table: sa.Table, rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The rows as one list per column (a missing key is NULL), NUL characters stripped."""
    columns = {column.name: [row.get(column.name) for row in rows] for column in table.columns}
    _strip_nul(table, columns)
    return columns


def _arrow_table(table: sa.Table, columns: dict[str, list[Any]]) -> pa.Table:
    arrays = {}
    for column in table.columns:
        try:
            arrays[column.name] = pa.array(columns[column.name], type=_arrow_type(column))
        except (pa.ArrowException, OverflowError) as error:  # say which column could not
            raise type(error)(f"column {column.name} ({column.type}): {error}") from error
    return pa.table(arrays)


def _records(names: list[str], rows: Sequence[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """Each row as a tuple in column order; a missing key is NULL."""
    row_values = operator.itemgetter(*names)
    for row in rows:
        try:
            yield row_values(row)
        except KeyError:
            yield tuple(row.get(name) for name in names)


def _strip_nul(table: sa.Table, columns: dict[str, list[Any]]) -> None:
    """Strip NUL characters from the text columns in place, warning once per column."""
    for column in table.columns:
        if not isinstance(column.type, sa.String):
            continue
        values = columns[column.name]
        # One scan of the column joined: much cheaper than a test per value when, as nearly
        # always, there is no NUL at all.
        if "\x00" not in "\x01".join([v for v in values if v is not None]):
            continue
        dirty = [i for i, v in enumerate(values) if v is not None and "\x00" in v]
        for i in dirty:
            values[i] = values[i].replace("\x00", "")
        sheets = (
            sorted({str(columns["sheet_id"][i]) for i in dirty}) if "sheet_id" in columns else []
        )
        log.warning(
            "%s.%s: stripped NUL characters from %d value(s) (sheets: %s)",
            table.fullname,
            column.name,
            len(dirty),
            ", ".join(sheets[:10]) or "-",
        )


def _postgres_type(column: sa.Column) -> str:
    """The PostgreSQL type a binary COPY sends a column as (the table's own type)."""
    kind = column.type
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return "numeric"
    if isinstance(kind, sa.Boolean):
        return "bool"
    if isinstance(kind, sa.BigInteger):
        return "int8"
    if isinstance(kind, sa.Integer):
        return "int4"
    if isinstance(kind, sa.DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, sa.Date):
        return "date"
    return "text"


def _copy_into_postgres(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """COPY … FROM STDIN (binary) on the connection's own psycopg connection, so the rows join
    the open transaction; psycopg's C dumpers encode each row.

    The rows go as they are, inside a savepoint: should the server refuse a NUL character,
    the savepoint is rolled back and the rows copied again without them (checking every value
    first would cost the common case a pass over all the text)."""
    from psycopg.errors import CharacterNotInRepertoire

    names = [column.name for column in table.columns]
    savepoint = conn.begin_nested()
    try:
        _copy(conn, table, _records(names, rows))
    except CharacterNotInRepertoire:
        savepoint.rollback()
        columns = {name: [row.get(name) for row in rows] for name in names}
        _strip_nul(table, columns)
        with conn.begin_nested():
            _copy(conn, table, zip(*columns.values(), strict=True))
    except BaseException:
        savepoint.rollback()
        raise
    else:
        savepoint.commit()


def _copy(conn: Connection, table: sa.Table, records: Iterable[tuple[Any, ...]]) -> None:
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    statement = f"copy {table.schema}.{table.name} ({names}) from stdin with (format binary)"
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([_postgres_type(column) for column in table.columns])
        write_row = copy.write_row
        for record in records:
            write_row(record)


def _arrow_type(column: sa.Column) -> pa.DataType:
    kind = column.type
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return pa.decimal128(kind.precision or 18, kind.scale or 0)
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):
        return pa.int64()
    if isinstance(kind, sa.DateTime):
        return pa.timestamp("us", tz="UTC") if kind.timezone else pa.timestamp("us")
    if isinstance(kind, sa.Date):
        return pa.date32()
    return pa.string()


def _insert_into_duckdb(conn: Connection, table: sa.Table, columns: dict[str, list[Any]]) -> None:
    """One INSERT … SELECT from an Arrow table, registered on the connection's own DuckDB
    connection (so it runs in the open transaction) and unregistered after."""
    data = _arrow_table(table, columns)
    view = f"devfin_bulk_{table.name}"
    driver = conn.connection.driver_connection
    driver.register(view, data)
    try:
        _insert_select(conn, table, view)
    finally:
        driver.unregister(view)


def _insert_select(conn: Connection, table: sa.Table, relation: str) -> None:
    """INSERT into `table` every column of it, by name, from a relation DuckDB can read."""
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    conn.execute(
        sa.text(f"insert into {table.schema}.{table.name} ({names}) select {names} from {relation}")
    )


class RowsRefused(Exception):
    """The warehouse refused rows: a value its column cannot hold (the message says which)."""


def _refusals() -> tuple[type[BaseException], ...]:
    """What a bulk insert raises for a value its column cannot hold: Arrow's conversion
    (DuckDB: precision, scale, integer size, a type mismatch) or the server (PostgreSQL)."""
    import psycopg

    return (
        pa.ArrowException, OverflowError, ArithmeticError, ValueError, TypeError,
        sa.exc.DBAPIError, psycopg.DataError, psycopg.IntegrityError,
    )  # fmt: skip


_REFUSALS = _refusals()


@contextmanager
def _refusal_of(table: str) -> Iterator[None]:
    """Turn what a bulk insert of `table` raises for a value it cannot hold into RowsRefused:
    the table, then the database's (or Arrow's) words on one line."""
    try:
        yield
    except _REFUSALS as error:
        cause = getattr(error, "orig", None) or error
        words = " ".join(str(cause).split())
        raise RowsRefused(f"staging.{table}: {type(cause).__name__}: {words}") from error


class StagingSpool:
    """The staging rows of one load, written batch by batch into its one transaction without
    the transaction holding them in this process's memory.

    PostgreSQL takes each batch as it comes (`insert_rows`: COPY streams it to the server).
    DuckDB keeps what a transaction inserts in this process until the commit, and with it the
    Arrow buffers the rows were read from: loading 19,000 ADB sheets peaked 400 MiB above loading
    4,800. So on DuckDB each batch is appended to a Parquet file per table under `spool_dir`,
    and `finish` inserts each file in one statement (`insert_parquet`), which DuckDB streams;
    under `duckdb_memory_limit` it moves what the transaction inserted to its temporary
    directory rather than hold it all. The files are removed once inserted.
    """

    def __init__(self, conn: Connection, spool_dir: Path) -> None:
        self._conn = conn
        self._dir = spool_dir
        self._writers: dict[str, Any] = {}  # table name -> its open Parquet writer
        self._spools = conn.dialect.name == "duckdb"
        if self._spools:
            shutil.rmtree(spool_dir, ignore_errors=True)  # what an interrupted load left

    def add_sheet_rows(self, tables: dict[str, Sequence[dict[str, Any]]]) -> int:
        """Write the staging rows of some sheets, by table name, all or none; returns how many.
        A value the warehouse's column cannot hold (a number too long for its type, say) raises
        RowsRefused naming the table, in the database's words, and none of these rows is
        written."""
        if not self._spools:
            savepoint = self._conn.begin_nested()
            try:
                for name, rows in tables.items():
                    with _refusal_of(name):
                        insert_rows(self._conn, STAGING_TABLES[name], rows)
            except RowsRefused:
                savepoint.rollback()
                raise
            savepoint.commit()
        else:
            data = {}  # every table converted before any is written: a refusal leaves nothing
            for name, rows in tables.items():
                if rows:
                    with _refusal_of(name):
                        data[name] = _arrow_table(
                            STAGING_TABLES[name], _columns(STAGING_TABLES[name], rows)
                        )
            for name, table in data.items():
                self._write(name, table)
        return sum(len(rows) for rows in tables.values())

    def _write(self, name: str, data: pa.Table) -> None:
        import pyarrow.parquet as pq

        writer = self._writers.get(name)
        if writer is None:
            self._dir.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(self._dir / f"{name}.parquet", data.schema)
            self._writers[name] = writer
        writer.write_table(data)

    def finish(self) -> None:
        """Insert what was spooled (DuckDB), in the connection's transaction."""
        if not self._writers:
            return
        for name, writer in self._writers.items():
            writer.close()
            insert_parquet(self._conn, STAGING_TABLES[name], self._dir / f"{name}.parquet")
        self._writers.clear()
        shutil.rmtree(self._dir, ignore_errors=True)


@contextmanager
def duckdb_memory_limit(engine: Engine, limit: str) -> Iterator[None]:
    """DuckDB keeps to `limit` while the block runs, its commit included, then to the limit it
    had (a setting of the whole database, so of every connection of the engine); nothing on
    another warehouse. DuckDB moves table data it holds to its temporary directory to keep to
    the limit, but not the keys of the tables' indexes: should a load need more than the limit
    for those, LoadError says so (the load's transaction is rolled back: nothing is lost)."""
    if engine.dialect.name != "duckdb":
        yield
        return
    import duckdb

    with engine.connect() as conn:
        before = conn.execute(sa.text("select current_setting('memory_limit')")).scalar_one()
        conn.execute(sa.text(f"set memory_limit = '{limit}'"))
        conn.commit()
    try:
        yield
    except sa.exc.OperationalError as error:
        if not isinstance(error.orig, duckdb.OutOfMemoryException):
            raise
        raise LoadError(
            f"DuckDB needs more memory than DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT={limit} for this"
            f" load (the keys of the staging rows it inserts stay in memory until the commit):"
            f" raise the limit, or load fewer sheets per run; nothing was loaded. {error.orig}"
        ) from error
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f"set memory_limit = '{before}'"))
            conn.commit()


def insert_parquet(conn: Connection, table: sa.Table, path: Path) -> None:
    """Insert a Parquet file holding rows of `table` (DuckDB), in the connection's transaction."""
    source = str(path).replace("'", "''")
    _insert_select(conn, table, f"read_parquet('{source}')")


def loaded_versions(
    conn: Connection, source: str, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which (sheet_id, sheet_version) pairs of a source are already in staging."""
    wanted = set(keys)
    if not wanted:
        return set()
    table = STAGING_TABLES[PARENT_TABLES[source]]
    versions = sorted({version for _, version in wanted})
    query = sa.select(table.c.sheet_id, table.c.sheet_version).where(
        table.c.sheet_version.in_(versions)
    )
    return {(row.sheet_id, row.sheet_version) for row in conn.execute(query)} & wanted


def table_counts(engine: Engine, schema: str) -> dict[str, int]:
    """Row counts of every table and view in one schema (empty when the schema is absent)."""
    # information_schema rather than the inspector: duckdb-engine names schemas "<db>.<schema>".
    listing = sa.text(
        "select table_name from information_schema.tables where table_schema = :schema"
        " order by table_name"
    )
    with engine.connect() as conn:
        names = list(conn.execute(listing, {"schema": schema}).scalars())
        return {
            name: conn.execute(sa.text(f'select count(*) from {schema}."{name}"')).scalar_one()
            for name in names
        }

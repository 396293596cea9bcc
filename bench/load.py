"""Load speed: child rows per second into each warehouse, devfin's bulk load vs pandas.to_sql.

    .venv/bin/python bench/load.py [--rows 1000000] [--naive-rows N] [--chunk 100000]
                                   [--warehouse duckdb --warehouse postgres]
                                   [--postgres-admin postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Generates `staging.adb_tenders` rows (not timed: ten columns of text, dates and keys, like the
tenders of real sheets), then loads them into an empty warehouse twice, each way in one
transaction and in chunks of `--chunk` rows: with `devfin.load.warehouse.insert_rows` (PostgreSQL
COPY, DuckDB INSERT … SELECT from Arrow), and the naive way, `pandas.DataFrame.to_sql` with its
defaults. DuckDB goes into a file in a temporary folder; PostgreSQL into a throwaway database
created for the run and dropped after. Prints rows/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from devfin.load import schema, warehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse import machine

TABLE = schema.STAGING_TABLES["adb_tenders"]
STATUSES = ("Active", "Closed", "Awarded", "Cancelled")
TYPES = ("Invitation for Bids", "Request for Expression of Interest", "Contract Award")


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` tender rows spread over sheets of 1 to 40 tenders, as loads would see them."""
    rng = random.Random(seed)
    fetched_at = datetime(2026, 11, 23, 8, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    sheet = 0
    while len(rows) < count:
        sheet += 1
        sheet_id = f"{40000 + sheet // 10:05d}-{sheet % 10:03d}"
        version = f"{rng.getrandbits(256):064x}"
        url = f"https://www.adb.org/projects/{sheet_id}/main"
        for position in range(min(rng.randint(1, 40), count - len(rows))):
            posted = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
            rows.append(
                {
                    "sheet_id": sheet_id,
                    "sheet_version": version,
                    "source_url": url,
                    "fetched_at": fetched_at,
                    "load_id": "bench",
                    "position": position,
                    "title": f"Package {position + 1}: consulting services for {sheet_id},"
                    f' lot {rng.randrange(100)} — O\'Brien & Partners "phase" {rng.random():.6f}',
                    "tender_type": rng.choice(TYPES),
                    "status": rng.choice(STATUSES),
                    "posting_date": posted,
                    "deadline_date": posted + timedelta(days=rng.randrange(14, 90)),
                }
            )
    return rows


def chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def devfin_load(engine: sa.Engine, rows: list[dict[str, Any]], chunk: int) -> None:
    with engine.begin() as conn:
        for part in chunks(rows, chunk):
            warehouse.insert_rows(conn, TABLE, part)


def naive_load(engine: sa.Engine, rows: list[dict[str, Any]], chunk: int) -> None:
    with engine.begin() as conn:
        for part in chunks(rows, chunk):
            pd.DataFrame(part).to_sql(
                TABLE.name, conn, schema=TABLE.schema, if_exists="append", index=False
            )


def timed(
    name: str, load: Callable[..., None], engine: sa.Engine, rows: list[dict[str, Any]], chunk: int
) -> float:
    """Rows/s of one load into the empty table; checks that every row arrived."""
    with engine.begin() as conn:
        conn.execute(TABLE.delete())
    started = time.perf_counter()
    load(engine, rows, chunk)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        loaded = conn.execute(sa.select(sa.func.count()).select_from(TABLE)).scalar_one()
    if loaded != len(rows):
        raise SystemExit(f"{name}: {loaded} rows in the table, expected {len(rows)}")
    rate = len(rows) / seconds
    print(f"  {name:<34} {len(rows):>9,} rows  {seconds:8.2f} s  {rate:>11,.0f} rows/s")
    return rate


@contextmanager
def duckdb_warehouse() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="devfin-bench-") as folder:
        yield f"duckdb:///{Path(folder) / 'bench.duckdb'}"


@contextmanager
def postgres_warehouse(admin_url: str) -> Iterator[str]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"devfin_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    admin.dispose()  # no connection held open meanwhile (nor inherited by a forked process)
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rows", type=int, default=1_000_000)
    options.add_argument(
        "--naive-rows", type=int, help="rows for pandas.to_sql (default: --rows)", default=None
    )
    options.add_argument("--chunk", type=int, default=100_000)
    options.add_argument("--seed", type=int, default=2026)
    options.add_argument(
        "--warehouse", action="append", choices=("duckdb", "postgres"), help="default: both"
    )
    options.add_argument(
        "--postgres-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = options.parse_args()
    kinds = args.warehouse or ["duckdb", "postgres"]
    naive_rows = args.naive_rows or args.rows

    print(f"machine: {machine()}")
    started = time.perf_counter()
    rows = generate(max(args.rows, naive_rows), args.seed)
    print(
        f"generated {len(rows):,} staging.adb_tenders rows in {time.perf_counter() - started:.1f} s"
        f" (not timed); chunks of {args.chunk:,} rows, one transaction per load"
    )
    ratios = {}
    for kind in kinds:
        print(kind)
        context = (
            duckdb_warehouse() if kind == "duckdb" else postgres_warehouse(args.postgres_admin)
        )
        with context as url:
            engine = sa.create_engine(url)
            schema.ensure_schema(engine)
            fast = timed(
                "devfin insert_rows (bulk)", devfin_load, engine, rows[: args.rows], args.chunk
            )
            naive = timed(
                "pandas.DataFrame.to_sql (naive)", naive_load, engine, rows[:naive_rows], args.chunk
            )
            engine.dispose()
        ratios[kind] = fast / naive
        print(f"  ratio: {ratios[kind]:.1f} times the naive way")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()

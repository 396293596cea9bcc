"""Change detection as the fetch history grows: `raw.fetches` gains a row per sheet per run.

    .venv/bin/python bench/history.py [--sheets 2500] [--runs 0 --runs 50 --runs 200]
                                      [--warehouse duckdb --warehouse postgres]

For each number of runs, writes into an empty warehouse (not timed) the sheets' fetch history
(one fetch per sheet per run, every 20th run a new version; every version held in
`audit.quarantine`, so it counts as reached the warehouse), then times what a fetch batch asks
first: each sheet's current version and its validators (`extract.known.known_versions`, one batch
of `--sheets` sheets, best of three).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devfin.extract.known import known_versions
from devfin.load import schema, warehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import postgres_warehouse
from parse import machine

START = datetime(2026, 1, 1, tzinfo=UTC)
NEW_VERSION_EVERY = 20  # runs


def fill(url: str, sheets: list[str], runs: int) -> None:
    """The history of `runs` runs of every sheet (the first run included)."""
    engine = warehouse.create_engine(url)
    try:
        schema.ensure_schema(engine)
        with engine.begin() as conn:
            for run in range(runs + 1):
                version = run // NEW_VERSION_EVERY
                fetched = [
                    {
                        "load_id": f"run-{run}", "source": "adb_pds", "sheet_id": sheet_id,
                        "url": f"https://example.test/{sheet_id}",
                        "fetched_at": START + timedelta(days=run), "outcome": "unchanged",
                        "attempts": 1, "content_sha256": f"{sheet_id}-v{version}",
                        "etag": f'"{version}"' if run % NEW_VERSION_EVERY == 0 else None,
                    }
                    for sheet_id in sheets
                ]  # fmt: skip
                warehouse.insert_rows(conn, schema.fetches, fetched)
                if run % NEW_VERSION_EVERY == 0:
                    held = [
                        {
                            "quarantine_id": f"{sheet_id}-v{version}", "load_id": f"run-{run}",
                            "source": "adb_pds", "sheet_id": sheet_id,
                            "sheet_version": f"{sheet_id}-v{version}",
                            "source_url": "https://example.test", "stage": "validate",
                            "reason_code": "critical_check_failed", "message": "bench",
                            "quarantined_at": START,
                        }
                        for sheet_id in sheets
                    ]  # fmt: skip
                    warehouse.insert_rows(conn, schema.quarantine, held)
    finally:
        engine.dispose()


def timed(url: str, sheets: list[str]) -> float:
    engine = warehouse.create_engine(url)
    try:
        best = float("inf")
        with engine.connect() as conn:
            for _ in range(3):
                started = time.perf_counter()
                known = known_versions(conn, "adb_pds", sheets)
                best = min(best, time.perf_counter() - started)
        assert len(known) == len(sheets)
        return best
    finally:
        engine.dispose()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sheets", type=int, default=2500)
    options.add_argument("--runs", type=int, action="append")
    options.add_argument("--warehouse", action="append", choices=("duckdb", "postgres"))
    options.add_argument(
        "--postgres-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = options.parse_args()
    sheets = [f"{number:05d}-001" for number in range(args.sheets)]
    print(f"machine: {machine()}")
    for kind in args.warehouse or ["duckdb", "postgres"]:
        for runs in args.runs or [0, 50, 200]:
            with tempfile.TemporaryDirectory(prefix="devfin-bench-") as tmp:
                if kind == "duckdb":
                    url = f"duckdb:///{Path(tmp) / 'devfin.duckdb'}"
                    fill(url, sheets, runs)
                    seconds = timed(url, sheets)
                else:
                    with postgres_warehouse(args.postgres_admin) as url:
                        fill(url, sheets, runs)
                        seconds = timed(url, sheets)
            rows = len(sheets) * (runs + 1)
            print(
                f"{kind:>8}: {len(sheets):,} sheets, {runs + 1:>3} runs ({rows:,} fetch rows):"
                f" current versions in {seconds:.3f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()

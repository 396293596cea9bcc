"""The stages of a run, as plain functions: each ingest DAG task calls one, as does the CLI.

The marts DAG calls `publish_report` here; its dbt tasks call `devfin.transform.marts` directly.

Stages hand over through files in the run directory (`Settings.run_dir`), so each Airflow task
passes only the source and run id, and a re-run of a task gives the same result:

    discover_sheets → refs.jsonl    (the sheets to fetch, cut into batches for mapped tasks)
    fetch_sheets → fetched-<batch>.jsonl (bodies in the archive, outcomes in raw.fetches)
    parse_sheets → parsed.jsonl, parse_failures.jsonl
    validate_sheets → checks.jsonl
    load_sheets  → staging.*, audit.* in one transaction
    build_marts  → dbt build
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import multiprocessing
import shutil
import sys
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from devfin.errors import DevfinError
from devfin.extract.archive import Archive
from devfin.extract.discovery import load_plans, unique
from devfin.extract.fetching import (
    FetchResult,
    Known,
    LocalDirectorySource,
    SheetRef,
    SheetSource,
    batches,
    utc_now,
)
from devfin.load import warehouse
from devfin.load.locking import claim, remove_abandoned
from devfin.load.warehouse import open_warehouse
from devfin.parse.sheets import json_line, parse_one
from devfin.quality import drift
from devfin.quality.checks import derive
from devfin.quality.validation import CheckResult, Validator, critical_failures, load_suites
from devfin.records import RECORD_TYPES, column_types, row_from_json
from devfin.settings import Settings
from devfin.sources import SOURCE_KEYS

log = logging.getLogger(__name__)
T = TypeVar("T")
PROGRESS_EVERY = 500


def _write_jsonl(path: Path, items: Iterable[dict[str, Any]]) -> int:
    """Write items as JSON lines, atomically; returns how many were written."""
    with _jsonl_writer(path) as out:
        for item in items:
            out.write(json_line(item))
        return out.count


def _fields(record: Any) -> dict[str, Any]:
    """A flat dataclass (a SheetRef, a FetchResult) as a dict: `dataclasses.asdict` deep-copies
    every value, which costs more than the fetch itself of a sheet read from disk."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


class _Lines:
    """An open JSON-lines file and how many lines went into it."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self.count = 0

    def write(self, line: str) -> None:
        self._out.write(line)
        self.count += 1


@contextmanager
def _jsonl_writer(path: Path) -> Iterator[_Lines]:
    """Lines (from `json_line`) written to `path`, which appears whole when the block ends
    well: the file is written under a temporary name and renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    with temporary.open("w", encoding="utf-8") as out:
        yield _Lines(out)
    temporary.replace(path)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return list(_iter_jsonl(path))


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The items of a JSON-lines file one at a time, so a big run is never all in memory."""
    if not path.exists():
        raise DevfinError(f"{path} is missing: run the stage before this one first")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Items in lists of `size` (the last one shorter); itertools.batched is Python 3.12+."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _fetched(run_dir: Path) -> Iterator[dict[str, Any]]:
    """The fetch results of every batch of a run, one at a time."""
    paths = sorted(run_dir.glob("fetched-*.jsonl"))
    if not paths:
        raise DevfinError(f"no fetch results in {run_dir}: run the fetch stage first")
    for path in paths:
        yield from _iter_jsonl(path)


def _fetch_from_json(item: dict[str, Any]) -> FetchResult:
    return FetchResult(**{**item, "fetched_at": datetime.fromisoformat(item["fetched_at"])})


# --- discover and fetch ------------------------------------------------------------------------


def sheet_source(source: str, settings: Settings) -> SheetSource:
    """The source's sheets over HTTP when the sheets file names it, else its saved pages."""
    if settings.sheets_file is not None:
        plans = load_plans(settings.sheets_file)
        if source in plans:
            from devfin.extract.http_source import HttpSheetSource, http_config

            return HttpSheetSource(plans[source], http_config(settings))
    return LocalDirectorySource(source, settings.sample_dir / source)


def discover_sheets(
    source: str,
    load_id: str,
    settings: Settings,
    ids: frozenset[str] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> list[int]:
    """Find the sheets to fetch; returns the batch numbers the fetch tasks are mapped over."""
    started_at = clock()
    refs = unique(sheet_source(source, settings).discover(ids), ids)
    run_dir = settings.run_dir(source, load_id)
    _write_jsonl(run_dir / "run.json", [{"started_at": started_at.isoformat()}])
    _write_jsonl(run_dir / "refs.jsonl", map(_fields, refs))
    for stale in run_dir.glob("fetched-*.jsonl"):  # a re-run of discovery starts the run afresh
        stale.unlink()
    count = len(batches(refs, settings.fetch_batch_size))
    log.info("%s: %d sheets discovered, in %d batches", source, len(refs), count)
    return list(range(count))


def fetch_sheets(
    source: str, load_id: str, settings: Settings, batch: int | None = None
) -> dict[str, int]:
    """Fetch one batch of the discovered sheets (all of them when `batch` is None), archive
    each body, and record each sheet's outcome in `raw.fetches`, `settings.stream_batch_size`
    sheets at a time."""
    run_dir = settings.run_dir(source, load_id)
    refs = [SheetRef(**item) for item in _read_jsonl(run_dir / "refs.jsonl")]
    if batch is not None:
        refs = batches(refs, settings.fetch_batch_size)[batch]
    fetcher = sheet_source(source, settings)
    archive = Archive(settings.archive_url)
    outcomes = Counter[str]()
    name = f"fetched-{'all' if batch is None else batch}.jsonl"
    with (
        open_warehouse(settings, f"fetch {source} run {load_id}") as engine,
        _jsonl_writer(run_dir / name) as out,
    ):
        for chunk in _batched(refs, settings.stream_batch_size):
            ids = [ref.sheet_id for ref in chunk]
            with engine.connect() as conn:
                known = _known_versions(conn, source, ids)
            results = list(fetcher.fetch(chunk, known, archive))
            for result in results:
                out.write(json_line(_fields(result)))
            with engine.begin() as conn:
                fetches = warehouse.fetches
                conn.execute(
                    fetches.delete().where(
                        (fetches.c.load_id == load_id)
                        & (fetches.c.source == source)
                        & fetches.c.sheet_id.in_(ids)
                    )
                )
                rows = [
                    {
                        "load_id": load_id,
                        **_fields(r),
                        "retry_history": warehouse.dumps(r.retry_history),
                    }
                    for r in results
                ]
                warehouse.insert_rows(conn, fetches, rows)
            outcomes.update(r.outcome for r in results)
            if len(refs) > len(chunk):
                log.info("%s: fetched %d of %d sheets", source, outcomes.total(), len(refs))
    log.info("%s: %s", source, ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    return dict(outcomes)


def _released_versions(conn: sa.Connection, source: str) -> set[tuple[str, str]]:
    """The (sheet_id, sheet_version) pairs an auditor released from quarantine
    (`devfin quarantine release`): they load despite their critical failures, which stay
    recorded as failed in `audit.dq_results`."""
    table = warehouse.quarantine
    query = sa.select(table.c.sheet_id, table.c.sheet_version).where(
        (table.c.source == source) & table.c.released_at.is_not(None)
    )
    return {(row[0], row[1]) for row in conn.execute(query)}


def _known_versions(conn: sa.Connection, source: str, ids: list[str]) -> dict[str, Known]:
    """Each sheet's latest version that reached the warehouse (loaded or quarantined), with the
    validators it was fetched with. Only those count: a version fetched by a run that never
    finished loading must be fetched and loaded again, not skipped as unchanged.

    `raw.fetches` gains a row per sheet per run: the warehouse picks each sheet's current version
    and the fetches of it that brought validators since it became current, so what comes back
    is a row or a few per sheet however many runs there were (the scan itself stays in SQL).
    """
    if not ids:
        return {}
    parent = warehouse.STAGING_TABLES[warehouse.PARENT_TABLES[source]]
    quarantine = warehouse.quarantine
    held = sa.union(
        sa.select(parent.c.sheet_id, parent.c.sheet_version).where(parent.c.sheet_id.in_(ids)),
        sa.select(quarantine.c.sheet_id, quarantine.c.sheet_version).where(
            (quarantine.c.source == source)
            & quarantine.c.sheet_id.in_(ids)
            # a released version is fetched and loaded again, not skipped as unchanged
            & quarantine.c.released_at.is_(None)
        ),
    ).cte("held")
    fetches = warehouse.fetches
    held_fetches = (
        sa.select(
            fetches.c.sheet_id,
            fetches.c.content_sha256,
            fetches.c.etag,
            fetches.c.last_modified,
            fetches.c.fetched_at,
        )
        .join(
            held,
            (held.c.sheet_id == fetches.c.sheet_id)
            & (held.c.sheet_version == fetches.c.content_sha256),
        )
        .where((fetches.c.source == source) & fetches.c.sheet_id.in_(ids))
        .cte("held_fetches")
    )
    latest_first = {
        "partition_by": held_fetches.c.sheet_id,
        "order_by": held_fetches.c.fetched_at.desc(),
    }
    ranked = sa.select(
        held_fetches,
        sa.func.first_value(held_fetches.c.content_sha256).over(**latest_first).label("current"),
        sa.func.row_number().over(**latest_first).label("recency"),
    ).subquery("ranked")
    # since when each sheet's current version has been current: the last fetch of another one
    bounded = sa.select(
        ranked,
        sa.func.max(sa.case((ranked.c.content_sha256 != ranked.c.current, ranked.c.fetched_at)))
        .over(partition_by=ranked.c.sheet_id)
        .label("since"),
    ).subquery("bounded")
    rows = conn.execute(
        sa.select(
            bounded.c.sheet_id, bounded.c.content_sha256, bounded.c.etag, bounded.c.last_modified
        )
        .where(
            (bounded.c.content_sha256 == bounded.c.current)
            & (bounded.c.since.is_(None) | (bounded.c.fetched_at > bounded.c.since))
            # the current version, and the fetches of it that brought validators
            & (
                (bounded.c.recency == 1)
                | bounded.c.etag.is_not(None)
                | bounded.c.last_modified.is_not(None)
            )
        )
        .order_by(bounded.c.fetched_at)
    )
    known: dict[str, Known] = {}
    for sheet_id, sha256, etag, last_modified in rows:
        # A 304 row carries no validators of its own: the latest ones since the version became
        # current stand.
        before = known.get(sheet_id, Known(sha256))
        known[sheet_id] = Known(sha256, etag or before.etag, last_modified or before.last_modified)
    return known


# --- parse -------------------------------------------------------------------------------------


# Below this many sheets, starting worker processes costs more than it saves.
PARALLEL_PARSE_MIN_SHEETS = 200
PARSE_CHUNK = 25  # sheets a worker takes at a time


def parse_sheets(source: str, load_id: str, settings: Settings) -> dict[str, int]:
    """Parse every fetched body, in `settings.parse_workers` processes side by side; a page
    that does not parse becomes a quarantine entry."""
    run_dir = settings.run_dir(source, load_id)
    jobs = [
        (
            source,
            settings.archive_url,
            r.sheet_id,
            r.content_sha256,
            r.url,
            r.fetched_at.isoformat(),
        )
        for r in (_fetch_from_json(item) for item in _fetched(run_dir))
        if r.ok
    ]
    with (
        _parse_pool(settings.parse_workers, len(jobs)) as pool,
        _jsonl_writer(run_dir / "parsed.jsonl") as parsed,
        _jsonl_writer(run_dir / "parse_failures.jsonl") as failed,
    ):
        if pool:
            with _main_module_hidden():  # the pool starts its workers as the jobs go in
                outcomes = pool.map(parse_one, jobs, chunksize=PARSE_CHUNK)
        else:
            outcomes = map(parse_one, jobs)
        for number, (ok, line) in enumerate(outcomes, start=1):
            (parsed if ok else failed).write(line)
            if number % PROGRESS_EVERY == 0:
                log.info("%s: parsed %d of %d sheets", source, number, len(jobs))
    log.info("%s: %d parsed, %d failed to parse", source, parsed.count, failed.count)
    return {"parsed": parsed.count, "parse_failed": failed.count}


@contextmanager
def _parse_pool(workers: int, sheets: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for a parse big enough to gain from them, else None (this process)."""
    if workers <= 1 or sheets < PARALLEL_PARSE_MIN_SHEETS:
        yield None
        return
    pool = _worker_pool(workers)
    try:
        yield pool
    except BrokenProcessPool:  # a worker died: the next parse starts a new pool
        _POOLS.pop(workers, None)
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def release_parse_workers() -> None:
    """Stop the parse workers this process kept (the next parse starts new ones)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


_POOLS: dict[int, ProcessPoolExecutor] = {}  # parse workers kept, by their number


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Worker processes started in this block do not import this process's main module.

    multiprocessing has each new process import its parent's `__main__` (the `airflow` command
    of a task, a script), so that functions defined there can be sent to it; a parse worker
    runs only `devfin.parse.sheets`, and importing Airflow again in each worker costs seconds. With
    a main module that names no file nor module, there is nothing to import (as for the
    interactive interpreter).
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    """Parse workers kept for the life of this process: a run parses one source after another,
    and starting workers costs more than parsing a small source takes.

    They fork from a forkserver, a fresh single-threaded process that imported only the parsers,
    never from this process, which may run threads (an Airflow task and its heartbeat).
    `release_parse_workers` stops them (`build_marts` does: dbt needs their memory more).
    """
    if workers not in _POOLS:
        context = multiprocessing.get_context("forkserver")
        # the parsers too, imported once there rather than in each worker at its first sheet
        context.set_forkserver_preload(
            ["devfin.parse.sheets", *(f"devfin.sources.{key}" for key in SOURCE_KEYS)]
        )
        _POOLS[workers] = ProcessPoolExecutor(workers, mp_context=context)
    return _POOLS[workers]


# --- validate ----------------------------------------------------------------------------------


def _staging_rows(item: dict[str, Any], load_id: str) -> dict[str, list[dict]]:
    """The staging rows of one parsed sheet (a `parsed.jsonl` item), by table, with the
    provenance columns filled."""
    sheet = item["sheet"]
    parent_type, *child_types = RECORD_TYPES[sheet["source"]]
    meta = {
        "sheet_id": item["sheet_id"],
        "sheet_version": item["sheet_version"],
        "source_url": item["source_url"],
        "fetched_at": datetime.fromisoformat(item["fetched_at"]),
        "load_id": load_id,
    }
    parent = {
        **meta,
        "parser_version": sheet["parser_version"],
        "provenance": warehouse.dumps(sheet["provenance"]),
        "missing_labels": warehouse.dumps(sheet["missing_labels"]),
        "repairs": warehouse.dumps(sheet.get("repairs", {})),
        "unparsed": warehouse.dumps(sheet.get("unparsed", {})),
        **row_from_json(parent_type, sheet["record"]),
    }
    rows = {parent_type.table: [parent]}
    children = sheet["children"]
    for record_type in child_types:
        rows[record_type.table] = [
            {**meta, **row_from_json(record_type, r)} for r in children.get(record_type.table, [])
        ]
    return rows


def _frames(source: str, items: list[dict[str, Any]], load_id: str) -> dict[str, Any]:
    """One pandas DataFrame per staging table, typed for GX: amounts as floats and dates as
    datetime64[ns] (GX compares those with the ISO date strings a JSON suite holds)."""
    import pandas as pd

    by_table: dict[str, list[dict[str, Any]]] = {t.table: [] for t in RECORD_TYPES[source]}
    for item in items:
        for table, rows in _staging_rows(item, load_id).items():
            by_table[table] += rows
    frames = {}
    for record_type in RECORD_TYPES[source]:
        frame = pd.DataFrame(by_table[record_type.table])
        for name, kind in column_types(record_type).items():
            if name not in frame:
                continue
            if kind is date:
                frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
            elif kind is Decimal:
                frame[name] = frame[name].astype("float64")
        frames[record_type.table] = frame
    return frames


def validate_sheets(source: str, load_id: str, settings: Settings) -> dict[str, int]:
    """Run the GX suites of the source's staging tables on the parsed sheets, in batches of
    `settings.stream_batch_size` sheets (results merged per expectation)."""
    run_dir = settings.run_dir(source, load_id)
    suites = load_suites(settings.expectations_dir)
    run_date = datetime.fromisoformat(_read_jsonl(run_dir / "run.json")[0]["started_at"]).date()
    validator: Validator | None = None  # GX set up only when there is something to check
    checked = 0
    for batch in _batched(_iter_jsonl(run_dir / "parsed.jsonl"), settings.stream_batch_size):
        if validator is None:
            validator = Validator(suites, settings.report_dir / "dq" / "gx" / source, load_id)
        validator.check(derive(_frames(source, batch, load_id), run_date))
        checked += len(batch)
        log.info("%s: validated %d sheets", source, checked)
    results = validator.results() if validator else []
    _write_jsonl(run_dir / "checks.jsonl", (dataclasses.asdict(r) for r in results))
    failed = sum(not r.success for r in results)
    held = len(critical_failures(results))
    log.info(
        "%s: %d checks passed, %d failed; %d sheets fail a critical check",
        source,
        len(results) - failed,
        failed,
        held,
    )
    return {"checks_passed": len(results) - failed, "checks_failed": failed, "critical": held}


# --- load --------------------------------------------------------------------------------------


def _quarantine_id(load_id: str, sheet_id: str, version: str | None, stage: str) -> str:
    key = f"{load_id}\0{sheet_id}\0{version}\0{stage}".encode()
    return hashlib.sha256(key).hexdigest()[:16]


def load_sheets(
    source: str, load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """Load the run into the warehouse in one transaction: staging rows of every sheet version
    that passed and is new, its quarantine and DQ results, and its `audit.load_runs` row.
    The parsed sheets are read and written `settings.stream_batch_size` at a time."""
    run_dir = settings.run_dir(source, load_id)
    started_at = datetime.fromisoformat(_read_jsonl(run_dir / "run.json")[0]["started_at"])
    outcomes = Counter(item["outcome"] for item in _fetched(run_dir))
    checks = [
        CheckResult(**{**c, "failing_sheets": [tuple(k) for k in c["failing_sheets"]]})
        for c in _read_jsonl(run_dir / "checks.jsonl")
    ]
    now = clock()
    tally = Counter[str]()
    fill = drift.FillCounter(source)

    spool_dir = run_dir / "load-spool"
    # The spools of loads killed before they finished (their transactions rolled back).
    remove_abandoned(p for p in settings.data_dir.glob("runs/*/*/load-spool") if p != spool_dir)
    with (
        open_warehouse(settings, f"load {source} run {load_id}") as engine,
        warehouse.duckdb_memory_limit(engine, settings.duckdb_load_memory_limit),
        engine.begin() as conn,
        _spool_folder(spool_dir, settings),
    ):
        # One connection: the releases are read in the transaction that writes the load.
        released = _released_versions(conn, source)
        held = {k: r for k, r in critical_failures(checks).items() if k not in released}
        for table in warehouse.AUDIT_TABLES:
            this_run = (table.c.load_id == load_id) & (table.c.source == source)
            if table is warehouse.quarantine:  # a release recorded on this run's entry stays
                this_run &= table.c.released_at.is_(None)
            conn.execute(table.delete().where(this_run))
        parse_failures = [
            _quarantine_row(
                load_id, source, failure, "parse", failure["reason_code"], failure["message"],
                None, now,
            )
            for failure in _iter_jsonl(run_dir / "parse_failures.jsonl")
        ]  # fmt: skip
        tally["sheets_quarantined"] += warehouse.insert_rows(
            conn, warehouse.quarantine, parse_failures
        )
        seen: set[tuple[str, str]] = set()  # the same version twice in one run loads once
        spool = warehouse.StagingSpool(conn, spool_dir)
        if settings.warehouse_kind == "duckdb":  # where it spools: the owner file says whose
            claim(spool_dir)
        for batch in _batched(_iter_jsonl(run_dir / "parsed.jsonl"), settings.stream_batch_size):
            for item in batch:
                fill.add(item["sheet"]["record"])
            quarantined, candidates = _sort_out(load_id, source, batch, held, now)
            tally["sheets_parsed"] += len(batch)
            tally["sheets_quarantined"] += warehouse.insert_rows(
                conn, warehouse.quarantine, quarantined
            )
            present = warehouse.loaded_versions(
                conn, source, ((i["sheet_id"], i["sheet_version"]) for i in candidates)
            )
            new: list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]] = []
            for item in candidates:
                key = (item["sheet_id"], item["sheet_version"])
                if key in present or key in seen:
                    tally["versions_present"] += 1
                    continue
                seen.add(key)
                new.append((item, _staging_rows(item, load_id)))
            rows, refused = _spool_sheets(spool, new)
            tally["rows_loaded"] += rows
            tally["sheets_loaded"] += len(new) - len(refused)
            tally["sheets_quarantined"] += warehouse.insert_rows(
                conn,
                warehouse.quarantine,
                [
                    _quarantine_row(
                        load_id, source, item, "load", "load_error", message,
                        warehouse.dumps(item["sheet"]), now,
                    )
                    for item, message in refused
                ],
            )  # fmt: skip
            log.info(
                "%s: %d sheets read, %d loaded so far",
                source,
                tally["sheets_parsed"],
                tally["sheets_loaded"],
            )
        spool.finish()
        warehouse.insert_rows(
            conn, warehouse.dq_results, [_dq_row(load_id, source, c, now) for c in checks]
        )
        if tally["sheets_parsed"]:
            warehouse.insert_rows(
                conn, warehouse.dq_results, _fill_rows(conn, load_id, source, fill.rates(), now)
            )
        counts = {
            "sheets_fetched": outcomes.total(),
            "sheets_failed": outcomes["failed"] + outcomes["disallowed"],
            "sheets_gone": outcomes["gone"],
            "sheets_parsed": tally["sheets_parsed"],
            "sheets_quarantined": tally["sheets_quarantined"],
            # unchanged: by 304, by the same content hash, or a version already loaded
            "sheets_unchanged": outcomes["unchanged"]
            + outcomes["not_modified"]
            + tally["versions_present"],
            "sheets_loaded": tally["sheets_loaded"],
            "rows_loaded": tally["rows_loaded"],
            "checks_passed": sum(c.success for c in checks),
            "checks_failed": sum(not c.success for c in checks),
        }
        warehouse.insert_rows(
            conn,
            warehouse.load_runs,
            [
                {
                    "load_id": load_id,
                    "source": source,
                    "started_at": started_at,
                    "finished_at": now,
                    **counts,
                }
            ],
        )
    log.info(
        "%s: %d loaded (%d rows), %d unchanged, %d quarantined, %d failed to fetch",
        source,
        counts["sheets_loaded"],
        counts["rows_loaded"],
        counts["sheets_unchanged"],
        counts["sheets_quarantined"],
        counts["sheets_failed"],
    )
    return counts


def _spool_sheets(
    spool: warehouse.StagingSpool,
    sheets: list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]],
) -> tuple[int, list[tuple[dict[str, Any], str]]]:
    """Spool a batch of sheets' staging rows; returns the rows written and the sheets refused,
    each with the database's message. A batch is written whole; one the warehouse refuses is
    written again sheet by sheet, so only the sheets whose rows it refuses stay out."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for _, tables in sheets:
        for table, rows in tables.items():
            merged.setdefault(table, []).extend(rows)
    try:
        return spool.add_sheet_rows(merged), []
    except warehouse.RowsRefused:
        pass
    written, refused = 0, []
    for item, tables in sheets:
        try:
            written += spool.add_sheet_rows(tables)
        except warehouse.RowsRefused as error:
            log.warning(
                "%s: sheet %s refused by the warehouse, quarantined (load_error): %s",
                item["source_url"], item["sheet_id"], error,
            )  # fmt: skip
            refused.append((item, str(error)))
    return written, refused


@contextmanager
def _spool_folder(spool_dir: Path, settings: Settings) -> Iterator[None]:
    """The load's Parquet spool (`warehouse.StagingSpool`) is gone when the load ends, also when
    it failed (the transaction rolled back: the rows spooled are of no use)."""
    try:
        yield
    finally:
        if settings.warehouse_kind == "duckdb":
            shutil.rmtree(spool_dir, ignore_errors=True)


def _sort_out(
    load_id: str,
    source: str,
    items: Iterable[dict[str, Any]],
    held: dict[tuple[str, str], list[CheckResult]],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The quarantine rows of the parsed sheets failing a critical check, and those that may
    load."""
    quarantined: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    for item in items:
        reasons = held.get((item["sheet_id"], item["sheet_version"]))
        if reasons is None:
            candidates.append(item)
            continue
        message = "; ".join(f"{r.suite}: {r.check_name} failed" for r in reasons)
        quarantined.append(
            _quarantine_row(
                load_id, source, item, "validate", reasons[0].check_name, message,
                warehouse.dumps(item["sheet"]), now,
            )
        )  # fmt: skip
    return quarantined, candidates


def _quarantine_row(
    load_id: str,
    source: str,
    item: dict[str, Any],
    stage: str,
    reason: str,
    message: str,
    record_json: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "quarantine_id": _quarantine_id(load_id, item["sheet_id"], item["sheet_version"], stage),
        "load_id": load_id,
        "source": source,
        "sheet_id": item["sheet_id"],
        "sheet_version": item["sheet_version"],
        "source_url": item["source_url"],
        "stage": stage,
        "reason_code": reason,
        "message": message,
        "record_json": record_json,
        "quarantined_at": now,
    }


def _fill_rows(
    conn: sa.Connection,
    load_id: str,
    source: str,
    current: list[drift.FillRate],
    now: datetime,
) -> list[dict[str, Any]]:
    """This run's fill rate of each optional field, over all layouts and per layout (suite
    `fill_rates`), and a `template_drift` warning for each field that, in one layout, fills far
    less often than in that layout's previous runs."""
    results = warehouse.dq_results
    # Of each per-layout check, its rows of the newest HISTORY_RUNS runs that measured it.
    recency = sa.func.row_number().over(
        partition_by=results.c.check_name,
        order_by=(results.c.checked_at.desc(), results.c.load_id.desc()),
    )
    measured = (
        sa.select(
            results.c.load_id, results.c.check_name, results.c.column_name,
            results.c.element_count, results.c.unexpected_count, results.c.checked_at,
            recency.label("recency"),
        )
        .where(
            (results.c.source == source)
            & (results.c.suite == "fill_rates")
            & results.c.check_name.like("fill rate of % (layout %)")
            & (results.c.load_id != load_id)
        )
        .subquery()
    )  # fmt: skip
    history: dict[str, list[drift.FillRate]] = {}
    newest: dict[str, datetime] = {}
    for row in conn.execute(sa.select(measured).where(measured.c.recency <= drift.HISTORY_RUNS)):
        layout = drift.layout_of(row.check_name, row.column_name)
        if layout is None:
            continue
        rows, empty = row.element_count, row.unexpected_count
        history.setdefault(row.load_id, []).append(
            drift.FillRate(row.column_name, rows, rows - empty, layout)
        )
        newest[row.load_id] = max(newest.get(row.load_id, row.checked_at), row.checked_at)
    runs = [history[run_id] for run_id in sorted(history, key=newest.__getitem__, reverse=True)]
    rows = [
        warehouse.dq_row(
            load_id=load_id,
            source=source,
            suite="fill_rates",
            check_name=rate.check_name,
            expectation_type="fill_rate",
            severity="warning",
            column_name=rate.field,
            success=True,  # a measurement; the drift rows below judge it
            element_count=rate.rows,
            unexpected_count=rate.rows - rate.filled,
            message=f"filled in {rate.rate:.0%} of {rate.rows} new sheet versions"
            + ("" if rate.layout is None else f" of layout {rate.layout}"),
            checked_at=now,
        )
        for rate in current
    ]
    for found in drift.drifts(current, runs):
        message = (
            f"template drift? {found.field} filled in {found.now:.0%} of this run's"
            f" {found.rows} sheets of layout {found.layout}, {found.before:.0%} in the"
            f" previous {found.runs} runs of that layout"
        )
        log.warning("%s: %s", source, message)
        rows.append(
            warehouse.dq_row(
                load_id=load_id,
                source=source,
                suite="template_drift",
                check_name=found.check_name,
                expectation_type="fill_rate_drift",
                severity="warning",
                column_name=found.field,
                success=False,
                element_count=found.rows,
                message=message,
                checked_at=now,
            )
        )
    return rows


def _dq_row(load_id: str, source: str, check: CheckResult, now: datetime) -> dict[str, Any]:
    return warehouse.dq_row(
        load_id=load_id,
        source=source,
        suite=check.suite,
        check_name=check.check_name,
        expectation_type=check.expectation_type,
        severity=check.severity,
        column_name=check.column_name,
        success=check.success,
        element_count=check.element_count,
        unexpected_count=check.unexpected_count,
        sample_values=check.sample_values,
        sheet_ids=sorted({sheet_id for sheet_id, _ in check.failing_sheets}),
        message=check.message,
        checked_at=now,
    )


# --- marts -------------------------------------------------------------------------------------


def build_marts(
    load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """`dbt build` the project in one child process, then record the run: every dbt test and
    source freshness result into `audit.dq_results` (source `dbt`), the dbt docs published.
    The marts DAG does the same task by task; see `devfin.transform.marts`."""
    from devfin.transform.marts import build_marts as build

    release_parse_workers()  # idle until the next run's parse: their memory goes to dbt
    return build(load_id, settings, clock)


def publish_report(settings: Settings) -> str:
    """Write the static data-quality report; returns its path."""
    from devfin.report import write_dq_report

    with open_warehouse(settings, "data-quality report") as engine:
        path = write_dq_report(engine, settings)
    log.info("data-quality report: %s", path)
    return str(path)


def summarize(settings: Settings) -> str:
    """The run summary: sheets seen / loaded / quarantined, checks, marts, where things are."""
    from devfin.report import summary

    with open_warehouse(settings, "summary") as engine:
        return summary(engine, settings)


# --- one process, for scripting ----------------------------------------------------------------


def ingest(
    source: str, load_id: str, settings: Settings, ids: frozenset[str] | None = None
) -> dict[str, int]:
    """discover → fetch → parse → validate → load for one source, in this process."""
    discover_sheets(source, load_id, settings, ids)
    fetch_sheets(source, load_id, settings)
    parse_sheets(source, load_id, settings)
    validate_sheets(source, load_id, settings)
    return load_sheets(source, load_id, settings)


def reparse(
    source: str, load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """Rebuild a source's staging from the archive alone, without the network: every version
    the archive holds is parsed, checked and loaded as if just fetched (versions already in
    staging count as unchanged). A rebuilt row differs from the original in `load_id` only."""
    archive = Archive(settings.archive_url)
    run_dir = settings.run_dir(source, load_id)
    _write_jsonl(run_dir / "run.json", [{"started_at": clock().isoformat()}])
    fetched = [
        FetchResult(
            source,
            entry["sheet_id"],
            entry["url"],
            datetime.fromisoformat(entry["fetched_at"]),
            "fetched",
            content_sha256=entry["content_sha256"],
            archive_uri=archive.uri_of(entry["content_sha256"]),
        )
        for entry in archive.records(source)
    ]
    _write_jsonl(run_dir / "fetched-all.jsonl", map(_fields, fetched))
    log.info("%s: %d sheet versions in the archive %s", source, len(fetched), archive.root_url)
    parse_sheets(source, load_id, settings)
    validate_sheets(source, load_id, settings)
    return load_sheets(source, load_id, settings, clock)


def run_all(
    load_id: str,
    settings: Settings,
    sources: tuple[str, ...],
    ids: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Every source, then the marts: what the DAGs do, in one process."""
    counts = {source: ingest(source, load_id, settings, ids) for source in sources}
    marts = build_marts(load_id, settings)
    return {"sources": counts, "marts": marts, "report": publish_report(settings)}

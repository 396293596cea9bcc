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

What a stage does lives with its stage: the hand-over files in `devfin.handover`, change
detection in `devfin.extract.known`, the parse workers in `devfin.parse.pool`, the GX frames in
`devfin.quality.frames`, the staging and audit rows in `devfin.load.staging` and `.audit`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devfin import handover
from devfin.extract.archive import Archive
from devfin.extract.bundles import FilesArchive, splitter, unbundle
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
from devfin.extract.known import known_files, known_versions, record_fetches
from devfin.load import audit, schema, staging, warehouse
from devfin.load.locking import claim, remove_abandoned
from devfin.load.quarantine import released_versions
from devfin.load.warehouse import open_warehouse
from devfin.parse.pool import parse_all, parse_pool, release_parse_workers
from devfin.parse.sheets import json_line
from devfin.progress import LOG_PROGRESS, Progress
from devfin.quality import drift
from devfin.quality.checks import derive
from devfin.quality.codelists import value_sets
from devfin.quality.frames import staging_frames
from devfin.quality.validation import CheckResult, Validator, critical_failures, load_suites
from devfin.settings import Settings
from devfin.sources import SOURCES

log = logging.getLogger(__name__)


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
    handover.write_started(run_dir, started_at)
    handover.write_jsonl(run_dir / "refs.jsonl", map(handover.fields, refs))
    for stale in run_dir.glob("fetched-*.jsonl"):  # a re-run of discovery starts the run afresh
        stale.unlink()
    count = len(batches(refs, settings.fetch_batch_size))
    log.info("%s: %d sheets discovered, in %d batches", source, len(refs), count)
    return list(range(count))


def fetch_sheets(
    source: str,
    load_id: str,
    settings: Settings,
    batch: int | None = None,
    progress: Progress = LOG_PROGRESS,
) -> dict[str, int]:
    """Fetch one batch of the discovered sheets (all of them when `batch` is None), archive
    each body, and record each sheet's outcome in `raw.fetches`, `settings.stream_batch_size`
    sheets at a time."""
    run_dir = settings.run_dir(source, load_id)
    refs = [SheetRef(**item) for item in handover.read_jsonl(run_dir / "refs.jsonl")]
    if batch is not None:
        refs = batches(refs, settings.fetch_batch_size)[batch]
    fetcher = sheet_source(source, settings)
    archive = Archive(settings.archive_url)
    bundle = SOURCES[source].bundle
    outcomes = Counter[str]()
    name = f"fetched-{'all' if batch is None else batch}.jsonl"
    with (
        open_warehouse(settings, f"fetch {source} run {load_id}") as engine,
        handover.jsonl_writer(run_dir / name) as out,
        progress.stage(source, "fetch", len(refs)) as advance,
    ):

        def known_of(ids: list[str]) -> dict[str, Known]:
            with engine.connect() as conn:
                return known_versions(conn, source, ids)

        for chunk in handover.batched(refs, settings.stream_batch_size):
            chunk_ids = set(_ids(chunk))
            results: list[FetchResult] = []
            if bundle is None:
                fetched = ((r, True) for r in fetcher.fetch(chunk, known_of(_ids(chunk)), archive))
            else:  # files of many sheets: fetched as files, handed on as their sheets
                with engine.connect() as conn:
                    known = known_files(conn, source, _ids(chunk))
                files = fetcher.fetch(chunk, known, FilesArchive(archive))
                fetched = unbundle(files, splitter(bundle), archive, known_of)
            for result, is_sheet in fetched:
                if is_sheet:
                    out.write(json_line(handover.fields(result)))
                    outcomes[result.outcome] += 1
                results.append(result)
                if result.sheet_id in chunk_ids:  # a file's sheets are its one step
                    advance(1)
            with engine.begin() as conn:
                record_fetches(conn, load_id, source, _ids(chunk) + _ids(results), results)
    log.info("%s: %s", source, ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    return dict(outcomes)


def _ids(items: list[SheetRef] | list[FetchResult]) -> list[str]:
    return [item.sheet_id for item in items]


# --- parse and validate ------------------------------------------------------------------------


def parse_sheets(
    source: str, load_id: str, settings: Settings, progress: Progress = LOG_PROGRESS
) -> dict[str, int]:
    """Parse every fetched body, in `settings.parse_workers` processes side by side; a page
    that does not parse becomes a quarantine entry (counted by reason when the run loads)."""
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
        for r in map(handover.fetch_from_json, handover.fetched(run_dir))
        if r.ok
    ]
    with (
        parse_pool(settings.parse_workers, len(jobs)) as pool,
        handover.jsonl_writer(run_dir / "parsed.jsonl") as parsed,
        handover.jsonl_writer(run_dir / "parse_failures.jsonl") as failed,
        progress.stage(source, "parse", len(jobs)) as advance,
    ):
        for ok, line in parse_all(pool, jobs):
            (parsed if ok else failed).write(line)
            advance(1)
    log.info("%s: %d parsed, %d failed to parse", source, parsed.count, failed.count)
    return {"parsed": parsed.count, "parse_failed": failed.count}


def validate_sheets(
    source: str, load_id: str, settings: Settings, progress: Progress = LOG_PROGRESS
) -> dict[str, int]:
    """Run the GX suites of the source's staging tables on the parsed sheets, in batches of
    `settings.stream_batch_size` sheets (results merged per expectation)."""
    run_dir = settings.run_dir(source, load_id)
    # the codelists the suites name, read from the dbt seeds: their one copy
    suites = load_suites(settings.expectations_dir, value_sets(settings.dbt_project_dir / "seeds"))
    run_date = handover.started(run_dir).date()
    validator: Validator | None = None  # GX set up only when there is something to check
    parsed = handover.iter_jsonl(run_dir / "parsed.jsonl")
    total = handover.count_lines(run_dir / "parsed.jsonl")
    with progress.stage(source, "validate", total) as advance:
        for batch in handover.batched(parsed, settings.stream_batch_size):
            if validator is None:
                validator = Validator(suites, settings.report_dir / "dq" / "gx" / source, load_id)
            validator.check(derive(staging_frames(source, batch, load_id), run_date))
            advance(len(batch))
    results = validator.results() if validator else []
    handover.write_jsonl(run_dir / "checks.jsonl", (dataclasses.asdict(r) for r in results))
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


def load_sheets(
    source: str,
    load_id: str,
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress = LOG_PROGRESS,
) -> dict[str, int]:
    """Load the run into the warehouse in one transaction: staging rows of every sheet version
    that passed and is new, its quarantine and DQ results, and its `audit.load_runs` row.
    The parsed sheets are read and written `settings.stream_batch_size` at a time. The sheets
    quarantined are logged as one line per stage and reason (each sheet is in
    `audit.quarantine` and the report)."""
    run_dir = settings.run_dir(source, load_id)
    started_at = handover.started(run_dir)
    outcomes = Counter(item["outcome"] for item in handover.fetched(run_dir))
    checks = [
        CheckResult(**{**c, "failing_sheets": [tuple(k) for k in c["failing_sheets"]]})
        for c in handover.read_jsonl(run_dir / "checks.jsonl")
    ]
    now = clock()
    tally = Counter[str]()
    reasons = Counter[tuple[str, str]]()  # (stage, reason code) of each sheet quarantined
    fill = drift.FillCounter(source)

    spool_dir = run_dir / "load-spool"
    # The spools of loads killed before they finished (their transactions rolled back).
    remove_abandoned(p for p in settings.data_dir.glob("runs/*/*/load-spool") if p != spool_dir)
    with (
        open_warehouse(settings, f"load {source} run {load_id}") as engine,
        warehouse.duckdb_memory_limit(engine, settings.duckdb_load_memory_limit),
        engine.begin() as conn,
        staging.spool_folder(spool_dir, settings),
    ):
        # One connection: the releases are read in the transaction that writes the load.
        released = released_versions(conn, source)
        held = {k: r for k, r in critical_failures(checks).items() if k not in released}
        audit.clear_run(conn, load_id, source)
        failures = handover.iter_jsonl(run_dir / "parse_failures.jsonl")
        tally["sheets_quarantined"] += warehouse.insert_rows(
            conn,
            schema.quarantine,
            _counted(audit.parse_failure_rows(load_id, source, failures, now), reasons),
        )
        seen: set[tuple[str, str]] = set()  # the same version twice in one run loads once
        spool = warehouse.StagingSpool(conn, spool_dir)
        if settings.warehouse_kind == "duckdb":  # where it spools: the owner file says whose
            claim(spool_dir)
        parsed = handover.iter_jsonl(run_dir / "parsed.jsonl")
        total = handover.count_lines(run_dir / "parsed.jsonl")
        with progress.stage(source, "load", total) as advance:
            for batch in handover.batched(parsed, settings.stream_batch_size):
                for item in batch:
                    fill.add(item["sheet"]["record"])
                quarantined, candidates = audit.sort_out(load_id, source, batch, held, now)
                tally["sheets_parsed"] += len(batch)
                tally["sheets_quarantined"] += warehouse.insert_rows(
                    conn, schema.quarantine, _counted(quarantined, reasons)
                )
                new = staging.new_versions(conn, source, load_id, candidates, seen, tally)
                rows, refused = staging.spool_sheets(spool, new)  # looked up here: tests patch it
                tally["rows_loaded"] += rows
                tally["sheets_loaded"] += len(new) - len(refused)
                refused_rows = audit.refused_rows(load_id, source, refused, now)
                tally["sheets_quarantined"] += warehouse.insert_rows(
                    conn, schema.quarantine, _counted(refused_rows, reasons)
                )
                advance(len(batch))
        spool.finish()
        warehouse.insert_rows(
            conn, schema.dq_results, [audit.dq_row(load_id, source, c, now) for c in checks]
        )
        if tally["sheets_parsed"]:
            warehouse.insert_rows(
                conn,
                schema.dq_results,
                audit.fill_rows(conn, load_id, source, fill.rates(), now),
            )
        counts = audit.run_counts(outcomes, tally, checks)
        run = {"load_id": load_id, "source": source, "started_at": started_at, "finished_at": now}
        warehouse.insert_rows(conn, schema.load_runs, [{**run, **counts}])
    log.info(
        "%s: %d loaded (%d rows), %d unchanged, %d quarantined, %d failed to fetch",
        source,
        counts["sheets_loaded"],
        counts["rows_loaded"],
        counts["sheets_unchanged"],
        counts["sheets_quarantined"],
        counts["sheets_failed"],
    )
    for (stage, reason), count in sorted(reasons.items()):
        why = f"check failed: {reason}" if stage == "validate" else reason  # the check's name
        log.warning("%s: %d %s quarantined at %s: %s", source, count,
                    "sheet" if count == 1 else "sheets", stage, why)  # fmt: skip
    return counts


def _counted(rows: list[dict[str, Any]], reasons: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    """The quarantine rows, each counted by its stage and reason."""
    reasons.update((row["stage"], row["reason_code"]) for row in rows)
    return rows


def staging_changed(source: str, counts: dict[str, int]) -> bool:
    """Whether a load (its `load_sheets` counts) added sheet versions to staging: when it added
    none, no mart would change, and the ingest DAG leaves its Asset alone."""
    if counts.get("sheets_loaded", 0) > 0:
        return True
    log.info(
        "%s: no new sheet version loaded (%d unchanged, %d quarantined, %d failed to fetch):"
        " staging unchanged, the marts are not rebuilt",
        source,
        counts.get("sheets_unchanged", 0),
        counts.get("sheets_quarantined", 0),
        counts.get("sheets_failed", 0),
    )
    return False


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


def check_source_freshness(load_id: str, settings: Settings) -> dict[str, int]:
    """`dbt source freshness` alone, in the run's ledger: a run that loaded nothing new builds
    no mart, but a source that stopped bringing sheets must still be flagged."""
    from devfin.transform.marts import check_source_freshness as check

    return check(load_id, settings)


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
    source: str,
    load_id: str,
    settings: Settings,
    ids: frozenset[str] | None = None,
    progress: Progress = LOG_PROGRESS,
) -> dict[str, int]:
    """discover → fetch → parse → validate → load for one source, in this process."""
    discover_sheets(source, load_id, settings, ids)
    fetch_sheets(source, load_id, settings, progress=progress)
    parse_sheets(source, load_id, settings, progress)
    validate_sheets(source, load_id, settings, progress)
    return load_sheets(source, load_id, settings, progress=progress)


def reparse(
    source: str,
    load_id: str,
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress = LOG_PROGRESS,
) -> dict[str, int]:
    """Rebuild a source's staging from the archive alone, without the network: every version
    the archive holds is parsed, checked and loaded as if just fetched (versions already in
    staging count as unchanged). A rebuilt row differs from the original in `load_id` only."""
    archive = Archive(settings.archive_url)
    run_dir = settings.run_dir(source, load_id)
    handover.write_started(run_dir, clock())
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
    handover.write_jsonl(run_dir / "fetched-all.jsonl", map(handover.fields, fetched))
    log.info("%s: %d sheet versions in the archive %s", source, len(fetched), archive.root_url)
    parse_sheets(source, load_id, settings, progress)
    validate_sheets(source, load_id, settings, progress)
    return load_sheets(source, load_id, settings, clock, progress)


def run_all(
    load_id: str,
    settings: Settings,
    sources: tuple[str, ...],
    ids: frozenset[str] | None = None,
    progress: Progress = LOG_PROGRESS,
) -> dict[str, Any]:
    """Every source, then the marts: what the DAGs do, in one process."""
    counts = {source: ingest(source, load_id, settings, ids, progress) for source in sources}
    marts = build_marts(load_id, settings)
    return {"sources": counts, "marts": marts, "report": publish_report(settings)}

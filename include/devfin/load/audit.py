"""The audit rows of a load: quarantine entries, DQ results and fill rates (`audit.*`)."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfin.load import schema
from devfin.quality import drift
from devfin.quality.validation import CheckResult

log = logging.getLogger("devfin.pipeline")  # the load stage's messages, as the other stages'


def quarantine_id(load_id: str, sheet_id: str, version: str | None, stage: str) -> str:
    key = f"{load_id}\0{sheet_id}\0{version}\0{stage}".encode()
    return hashlib.sha256(key).hexdigest()[:16]


def quarantine_row(
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
        "quarantine_id": quarantine_id(load_id, item["sheet_id"], item["sheet_version"], stage),
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


def sort_out(
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
            quarantine_row(
                load_id, source, item, "validate", reasons[0].check_name, message,
                schema.dumps(item["sheet"]), now,
            )
        )  # fmt: skip
    return quarantined, candidates


def parse_failure_rows(
    load_id: str, source: str, failures: Iterable[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """The quarantine rows of the sheets that did not parse (`parse_failures.jsonl` items)."""
    return [
        quarantine_row(
            load_id, source, failure, "parse", failure["reason_code"], failure["message"],
            None, now,
        )
        for failure in failures
    ]  # fmt: skip


def refused_rows(
    load_id: str, source: str, refused: list[tuple[dict[str, Any], str]], now: datetime
) -> list[dict[str, Any]]:
    """The quarantine rows of the sheets whose staging rows the warehouse refused, each with
    the database's message."""
    return [
        quarantine_row(
            load_id, source, item, "load", "load_error", message,
            schema.dumps(item["sheet"]), now,
        )
        for item, message in refused
    ]  # fmt: skip


def dq_row(load_id: str, source: str, check: CheckResult, now: datetime) -> dict[str, Any]:
    return schema.dq_row(
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


def fill_rows(
    conn: sa.Connection,
    load_id: str,
    source: str,
    current: list[drift.FillRate],
    now: datetime,
) -> list[dict[str, Any]]:
    """This run's fill rate of each optional field, over all layouts and per layout (suite
    `fill_rates`), and a `template_drift` warning for each field that, in one layout, fills far
    less often than in that layout's previous runs."""
    results = schema.dq_results
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
        schema.dq_row(
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
            schema.dq_row(
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


def clear_run(conn: sa.Connection, load_id: str, source: str) -> None:
    """Delete what an earlier try of this load wrote to the audit tables, so a re-run gives the
    same rows; a release recorded on this run's quarantine entry stays."""
    for table in schema.AUDIT_TABLES:
        this_run = (table.c.load_id == load_id) & (table.c.source == source)
        if table is schema.quarantine:
            this_run &= table.c.released_at.is_(None)
        conn.execute(table.delete().where(this_run))


def run_counts(
    outcomes: Counter[str], tally: Counter[str], checks: list[CheckResult]
) -> dict[str, int]:
    """The counts of a load's `audit.load_runs` row, from its fetch outcomes, what the load
    tallied and the checks."""
    return {
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

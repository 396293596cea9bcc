"""What the report shows, read from the warehouse: each source's runs, their checks, the layouts
and unread values of the sheets they loaded, what they quarantined, run by run for the trends."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from devfin.load import schema
from devfin.quality import drift

HISTORY_RUNS = 10  # runs per source in the pass-rate table, and run pages rewritten each time
SEVERITY_ORDER = {"critical": 0, "warning": 1}
MEASUREMENTS = "fill_rates"  # a suite of measurements, not checks: shown by layout instead
FINDINGS = ("fill_rate_drift",)  # checks whose message is what they found, not an error


# --- reading the audit tables -------------------------------------------------------------------


def latest_runs(conn: Connection) -> list[dict[str, Any]]:
    """The latest `audit.load_runs` row of each source, by source."""
    runs = schema.load_runs
    query = sa.select(runs).order_by(
        runs.c.source, runs.c.finished_at.desc(), runs.c.load_id.desc()
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        latest.setdefault(row["source"], dict(row))
    return list(latest.values())


def _history(conn: Connection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run and the runs of its source before it, newest first, at most HISTORY_RUNS."""
    runs = schema.load_runs
    query = (
        sa.select(runs)
        .where((runs.c.source == run["source"]) & (runs.c.finished_at <= run["finished_at"]))
        .order_by(runs.c.finished_at.desc(), runs.c.load_id.desc())
        .limit(HISTORY_RUNS)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    others = [r for r in rows if r["load_id"] != run["load_id"]]
    return [run, *others][:HISTORY_RUNS]


def _checks(conn: Connection, source: str, load_ids: list[str]) -> list[dict[str, Any]]:
    """The checks of a source's runs, each with its error, sample values and failing sheets."""
    dq = schema.dq_results
    query = sa.select(dq).where(
        (dq.c.source == source) & dq.c.load_id.in_(load_ids) & (dq.c.suite != MEASUREMENTS)
    )
    return [
        {
            **row,
            "error": _error(row),
            "samples": _json_list(row["sample_values"]),
            "failing_sheets": _json_list(row["sheet_ids"]),
        }
        for row in conn.execute(query).mappings()
    ]


def _loaded_by_layout(conn: Connection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The sheet versions the run loaded, by layout (`unknown` when the parser named none):
    how many, and how many of them fill each optional field. Layouts by name."""
    parent = schema.STAGING_TABLES[schema.PARENT_TABLES[run["source"]]]
    fields = drift.optional_fields(run["source"])
    layout = sa.func.coalesce(parent.c.layout, drift.UNKNOWN_LAYOUT)
    query = (
        sa.select(layout, sa.func.count(), *(sa.func.count(parent.c[name]) for name in fields))
        .where(parent.c.load_id == run["load_id"])
        .group_by(layout)
        .order_by(layout)
    )
    return [
        {"layout": row[0], "sheets": row[1], "filled": dict(zip(fields, row[2:], strict=True))}
        for row in conn.execute(query)
    ]


def _unparsed(conn: Connection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """Each value the run's loaded sheet versions held but the parser could not read: field,
    reason, raw text, sheet and layout; by field, reason and sheet."""
    parent = schema.STAGING_TABLES[schema.PARENT_TABLES[run["source"]]]
    query = sa.select(
        parent.c.sheet_id, parent.c.source_url, parent.c.layout, parent.c.unparsed
    ).where(
        (parent.c.load_id == run["load_id"])
        & parent.c.unparsed.is_not(None)
        & (parent.c.unparsed.not_in(["", "{}"]))
    )
    values = []
    for row in conn.execute(query):
        for name, detail in _json_object(row.unparsed).items():
            detail = detail if isinstance(detail, dict) else {"text": detail}
            values.append(
                {
                    "field": name,
                    "reason": detail.get("reason"),
                    "text": detail.get("text"),
                    "sheet_id": row.sheet_id,
                    "source_url": row.source_url,
                    "layout": row.layout or drift.UNKNOWN_LAYOUT,
                }
            )
    return sorted(values, key=lambda v: (v["field"], str(v["reason"]), v["sheet_id"]))


def _held(conn: Connection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's quarantined sheets, each with the archive URI of the page it was read from."""
    q, f = schema.quarantine, schema.fetches
    entries = [
        dict(row)
        for row in conn.execute(
            sa.select(q)
            .where((q.c.load_id == run["load_id"]) & (q.c.source == run["source"]))
            .order_by(q.c.stage, q.c.sheet_id, q.c.quarantine_id)
        ).mappings()
    ]
    if not entries:
        return entries
    # The fetch of this run, or (a reparse fetches nothing) any fetch of the same version.
    fetched = conn.execute(
        sa.select(f.c.load_id, f.c.sheet_id, f.c.content_sha256, f.c.archive_uri)
        .where(
            (f.c.source == run["source"])
            & f.c.sheet_id.in_(sorted({e["sheet_id"] for e in entries}))
            & f.c.archive_uri.is_not(None)
        )
        .order_by(f.c.fetched_at.desc())
    ).all()
    for entry in entries:
        same_run = [
            r for r in fetched if r.sheet_id == entry["sheet_id"] and r.load_id == entry["load_id"]
        ]
        same_version = [
            r
            for r in fetched
            if r.sheet_id == entry["sheet_id"] and r.content_sha256 == entry["sheet_version"]
        ]
        match = (same_run or same_version or [None])[0]
        entry["archive_uri"] = match.archive_uri if match else None
    return entries


def _quarantined(conn: Connection, source: str, load_ids: list[str]) -> dict[str, dict[str, int]]:
    """The sheets each run quarantined, by reason; by load id."""
    q = schema.quarantine
    query = (
        sa.select(q.c.load_id, q.c.reason_code, sa.func.count())
        .where((q.c.source == source) & q.c.load_id.in_(load_ids))
        .group_by(q.c.load_id, q.c.reason_code)
    )
    counts: dict[str, dict[str, int]] = {}
    for load_id, reason, count in conn.execute(query):
        counts.setdefault(load_id, {})[reason] = count
    return counts


def _fill_rates(
    conn: Connection, source: str, load_ids: list[str]
) -> dict[str, list[drift.FillRate]]:
    """The fill rates each run measured by layout (suite `fill_rates`); by load id."""
    dq = schema.dq_results
    query = sa.select(
        dq.c.load_id, dq.c.check_name, dq.c.column_name, dq.c.element_count, dq.c.unexpected_count
    ).where((dq.c.source == source) & dq.c.load_id.in_(load_ids) & (dq.c.suite == MEASUREMENTS))
    rates: dict[str, list[drift.FillRate]] = {}
    for row in conn.execute(query):
        layout = drift.layout_of(row.check_name, row.column_name)
        if layout is not None and row.element_count:
            filled = row.element_count - (row.unexpected_count or 0)
            rates.setdefault(row.load_id, []).append(
                drift.FillRate(row.column_name, row.element_count, filled, layout)
            )
    return rates


def run_pages(conn: Connection, latest: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The runs each run page shows, by load id: the loads in the history of each source's latest
    run, each with the `audit.load_runs` rows of every source it ran, by source."""
    load_ids: list[str] = []
    for run in latest:
        for past in _history(conn, run):
            if past["load_id"] not in load_ids:
                load_ids.append(past["load_id"])
    runs = schema.load_runs
    return {
        load_id: [
            dict(row)
            for row in conn.execute(
                sa.select(runs).where(runs.c.load_id == load_id).order_by(runs.c.source)
            ).mappings()
        ]
        for load_id in load_ids
    }


# --- what the pages show --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckHistory:
    """One check over a source's recent runs: a row of the pass-rate table."""

    suite: str
    check_name: str
    newest: dict[str, Any]  # the check in the newest run it ran in: its severity and column
    failing_now: bool
    passed: int
    ran: int
    by_run: list[dict[str, Any] | None]  # newest run first; None: it did not run
    latest_failure: dict[str, Any] | None


@dataclass(frozen=True)
class SuiteHistory:
    """One suite over a source's recent runs: how many of its checks passed in each."""

    suite: str
    passed: int
    ran: int
    by_run: list[tuple[int, int] | None]  # (passed, ran), newest run first; None: it did not run


@dataclass(frozen=True)
class Layouts:
    """The sheet versions a run loaded, by layout, and how often each optional field is filled."""

    layouts: list[dict[str, Any]]
    fields: list[str]
    unread: dict[str, int]  # values not read, by layout
    sheets: int
    filled: dict[str, int]  # by field, over all layouts


@dataclass(frozen=True)
class Section:
    """What a source's section of a page shows of one run."""

    run: dict[str, Any]
    checks: list[dict[str, Any]]
    failing: list[dict[str, Any]]  # most severe first
    critical: int
    unparsed: list[dict[str, Any]]
    layouts: Layouts | None  # None: the source has no staging tables
    history: list[dict[str, Any]]
    check_history: list[CheckHistory]  # what fails now first, then what fails most often
    suite_history: list[SuiteHistory]
    held: list[dict[str, Any]]
    quarantined: dict[str, dict[str, int]]  # by load id of the history, sheets by reason
    fill_rates: dict[str, list[drift.FillRate]]  # by load id of the history, by layout


def section(conn: Connection, run: dict[str, Any]) -> Section:
    """Read what a source's section shows of a run."""
    history = _history(conn, run)
    load_ids = [r["load_id"] for r in history]
    results = _checks(conn, run["source"], load_ids)
    current = [c for c in results if c["load_id"] == run["load_id"]]
    parsed = run["source"] in schema.PARENT_TABLES  # a source with staging tables
    unparsed = _unparsed(conn, run) if parsed else []
    failing = sorted(
        (c for c in current if not c["success"]),
        key=lambda c: (SEVERITY_ORDER.get(c["severity"], 9), c["suite"], c["check_name"]),
    )
    return Section(
        run=run,
        checks=current,
        failing=failing,
        critical=sum(c["severity"] == "critical" for c in failing),
        unparsed=unparsed,
        layouts=_layouts(run, _loaded_by_layout(conn, run), unparsed) if parsed else None,
        history=history,
        check_history=_check_history(history, results),
        suite_history=_suite_history(history, results),
        held=_held(conn, run),
        quarantined=_quarantined(conn, run["source"], load_ids),
        fill_rates=_fill_rates(conn, run["source"], load_ids),
    )


def _layouts(
    run: dict[str, Any], layouts: list[dict[str, Any]], unparsed: list[dict[str, Any]]
) -> Layouts:
    """The layout table of a run, from its loaded sheet versions and its unread values."""
    fields = drift.optional_fields(run["source"])
    return Layouts(
        layouts=layouts,
        fields=fields,
        unread=dict(Counter(v["layout"] for v in unparsed)),
        sheets=sum(entry["sheets"] for entry in layouts),
        filled={name: sum(entry["filled"][name] for entry in layouts) for name in fields},
    )


def _check_history(
    history: list[dict[str, Any]], results: list[dict[str, Any]]
) -> list[CheckHistory]:
    """Each check by run, newest first; what fails now comes first."""
    load_ids = [r["load_id"] for r in history]
    by_check: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for c in results:
        by_check.setdefault((c["suite"], c["check_name"]), {})[c["load_id"]] = c
    rows = []
    for (suite, check_name), runs in by_check.items():
        now = runs.get(load_ids[0])
        rows.append(
            CheckHistory(
                suite=suite,
                check_name=check_name,
                newest=next(runs[i] for i in load_ids if i in runs),
                failing_now=now is not None and not now["success"],
                passed=sum(c["success"] for c in runs.values()),
                ran=len(runs),
                by_run=[runs.get(i) for i in load_ids],
                latest_failure=next(
                    (runs[i] for i in load_ids if i in runs and not runs[i]["success"]), None
                ),
            )
        )
    return sorted(
        rows,
        key=lambda row: (
            not row.failing_now,
            SEVERITY_ORDER.get(row.newest["severity"], 9),
            _rate(c for c in row.by_run if c is not None),
            (row.suite, row.check_name),
        ),
    )


def _suite_history(
    history: list[dict[str, Any]], results: list[dict[str, Any]]
) -> list[SuiteHistory]:
    """Each suite by run, newest first; suites by name."""
    rows = []
    for suite in sorted({c["suite"] for c in results}):
        of_suite = [c for c in results if c["suite"] == suite]
        by_run: list[tuple[int, int] | None] = []
        for r in history:
            ran = [c for c in of_suite if c["load_id"] == r["load_id"]]
            by_run.append((sum(c["success"] for c in ran), len(ran)) if ran else None)
        passed = sum(c["success"] for c in of_suite)
        rows.append(SuiteHistory(suite=suite, passed=passed, ran=len(of_suite), by_run=by_run))
    return rows


# --- values ---------------------------------------------------------------------------------------


def _error(check: Any) -> str | None:
    """Why a check could not run (the message of a finding, such as a drift, is not that)."""
    return None if check["expectation_type"] in FINDINGS else check["message"]


def _rate(checks: Iterable[dict[str, Any]]) -> float:
    ran = list(checks)
    return sum(c["success"] for c in ran) / len(ran)


def _json_list(text: str | None) -> list[Any]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    return value if isinstance(value, list) else [value]


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"unparsed": {"text": text, "reason": "not JSON"}}
    return value if isinstance(value, dict) else {}

"""What a run leaves for people: the console summary and the static data-quality report."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup
from sqlalchemy.engine import Connection, Engine

from devfin import csp
from devfin.load import warehouse
from devfin.paths import path_component
from devfin.quality import drift
from devfin.settings import Settings
from devfin.transform.marts import docs_dir

HISTORY_RUNS = 10  # runs per source in the pass-rate table, and run pages rewritten each time
SHEETS_SHOWN = 20  # failing sheet ids listed per check; all of them are in audit.dq_results
COUNTS = ("fetched", "loaded", "unchanged", "quarantined", "failed", "gone")
LINKED_SCHEMES = ("file", "http", "https")  # anything else (javascript:, s3:) is shown as text
SEVERITY_ORDER = {"critical": 0, "warning": 1}
MEASUREMENTS = "fill_rates"  # a suite of measurements, not checks: shown by layout instead
FINDINGS = ("fill_rate_drift",)  # checks whose message is what they found, not an error
UNPARSED_SHOWN = 200  # unparsed values listed per run; all of them are in staging
UNPARSED_TEXT_CHARS = 300  # of an unparsed value's raw text shown; the tooltip has it whole

TEMPLATES = Path(__file__).parent / "templates"


def report_path(settings: Settings) -> Path:
    """The report of the latest run of each source."""
    return settings.report_dir / "dq" / "index.html"


def run_report_path(settings: Settings, load_id: str) -> Path:
    """The report of one run (its sources as that run left them)."""
    return settings.report_dir / "dq" / "runs" / _file_name(load_id)


def _file_name(load_id: str) -> str:
    """The file name of a run's page."""
    return f"{path_component(load_id)}.html"


# --- reading the audit tables -------------------------------------------------------------------


def _latest_runs(conn: Connection) -> list[dict[str, Any]]:
    """The latest `audit.load_runs` row of each source, by source."""
    runs = warehouse.load_runs
    query = sa.select(runs).order_by(
        runs.c.source, runs.c.finished_at.desc(), runs.c.load_id.desc()
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        latest.setdefault(row["source"], dict(row))
    return list(latest.values())


def _history(conn: Connection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run and the runs of its source before it, newest first, at most HISTORY_RUNS."""
    runs = warehouse.load_runs
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
    dq = warehouse.dq_results
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
    parent = warehouse.STAGING_TABLES[warehouse.PARENT_TABLES[run["source"]]]
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
    parent = warehouse.STAGING_TABLES[warehouse.PARENT_TABLES[run["source"]]]
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
    q, f = warehouse.quarantine, warehouse.fetches
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


# --- what the pages show --------------------------------------------------------------------------


@dataclass(frozen=True)
class _CheckHistory:
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
class _SuiteHistory:
    """One suite over a source's recent runs: how many of its checks passed in each."""

    suite: str
    passed: int
    ran: int
    by_run: list[tuple[int, int] | None]  # (passed, ran), newest run first; None: it did not run


@dataclass(frozen=True)
class _Layouts:
    """The sheet versions a run loaded, by layout, and how often each optional field is filled."""

    layouts: list[dict[str, Any]]
    fields: list[str]
    unread: dict[str, int]  # values not read, by layout
    sheets: int
    filled: dict[str, int]  # by field, over all layouts


@dataclass(frozen=True)
class _Section:
    """What a source's section of a page shows of one run."""

    run: dict[str, Any]
    checks: list[dict[str, Any]]
    failing: list[dict[str, Any]]  # most severe first
    critical: int
    unparsed: list[dict[str, Any]]
    layouts: _Layouts | None  # None: the source has no staging tables
    history: list[dict[str, Any]]
    check_history: list[_CheckHistory]  # what fails now first, then what fails most often
    suite_history: list[_SuiteHistory]
    held: list[dict[str, Any]]


def _section(conn: Connection, run: dict[str, Any]) -> _Section:
    """Read what a source's section shows of a run."""
    history = _history(conn, run)
    results = _checks(conn, run["source"], [r["load_id"] for r in history])
    current = [c for c in results if c["load_id"] == run["load_id"]]
    parsed = run["source"] in warehouse.PARENT_TABLES  # a source with staging tables
    unparsed = _unparsed(conn, run) if parsed else []
    failing = sorted(
        (c for c in current if not c["success"]),
        key=lambda c: (SEVERITY_ORDER.get(c["severity"], 9), c["suite"], c["check_name"]),
    )
    return _Section(
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
    )


def _layouts(
    run: dict[str, Any], layouts: list[dict[str, Any]], unparsed: list[dict[str, Any]]
) -> _Layouts:
    """The layout table of a run, from its loaded sheet versions and its unread values."""
    fields = drift.optional_fields(run["source"])
    return _Layouts(
        layouts=layouts,
        fields=fields,
        unread=dict(Counter(v["layout"] for v in unparsed)),
        sheets=sum(entry["sheets"] for entry in layouts),
        filled={name: sum(entry["filled"][name] for entry in layouts) for name in fields},
    )


def _check_history(
    history: list[dict[str, Any]], results: list[dict[str, Any]]
) -> list[_CheckHistory]:
    """Each check by run, newest first; what fails now comes first."""
    load_ids = [r["load_id"] for r in history]
    by_check: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for c in results:
        by_check.setdefault((c["suite"], c["check_name"]), {})[c["load_id"]] = c
    rows = []
    for (suite, check_name), runs in by_check.items():
        now = runs.get(load_ids[0])
        rows.append(
            _CheckHistory(
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
) -> list[_SuiteHistory]:
    """Each suite by run, newest first; suites by name."""
    rows = []
    for suite in sorted({c["suite"] for c in results}):
        of_suite = [c for c in results if c["suite"] == suite]
        by_run: list[tuple[int, int] | None] = []
        for r in history:
            ran = [c for c in of_suite if c["load_id"] == r["load_id"]]
            by_run.append((sum(c["success"] for c in ran), len(ran)) if ran else None)
        passed = sum(c["success"] for c in of_suite)
        rows.append(_SuiteHistory(suite=suite, passed=passed, ran=len(of_suite), by_run=by_run))
    return rows


# --- the pages -----------------------------------------------------------------------------------


def write_dq_report(engine: Engine, settings: Settings) -> Path:
    """Write the data-quality report: `dq/index.html` for the latest run of each source and
    `dq/runs/<run>.html` for each of the last HISTORY_RUNS runs of each source (older run
    pages stay as last written). Every text read from the warehouse is HTML-escaped."""
    dbt_docs = (docs_dir(settings) / "static_index.html").exists()
    with engine.connect() as conn:
        latest = _latest_runs(conn)
        load_ids: list[str] = []
        for run in latest:
            for past in _history(conn, run):
                if past["load_id"] not in load_ids:
                    load_ids.append(past["load_id"])
        runs = warehouse.load_runs
        for load_id in load_ids:
            of_run = [
                dict(row)
                for row in conn.execute(
                    sa.select(runs).where(runs.c.load_id == load_id).order_by(runs.c.source)
                ).mappings()
            ]
            _write(
                run_report_path(settings, load_id),
                _page(conn, of_run, f"run {load_id}", run_page=True, dbt_docs=dbt_docs),
            )
        page = _page(conn, latest, "latest run of each source", run_page=False, dbt_docs=dbt_docs)
    path = report_path(settings)
    _write(path, page)
    return path


def _write(path: Path, text: str) -> None:
    """Replace the file at once, so a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".html")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def _page(
    conn: Connection,
    runs: list[dict[str, Any]],
    subtitle: str,
    run_page: bool,
    dbt_docs: bool = False,
) -> str:
    """One report page: an overview of the runs given (one per source), then a section each."""
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            # Ours, the one markup the page is given: even if something slipped through
            # escaping, the page runs no script and loads nothing.
            csp_meta=Markup(csp.meta(csp.REPORT)),
            subtitle=subtitle,
            runs=runs,
            sections=[_section(conn, run) for run in runs],
            run_page=run_page,
            dbt_docs=dbt_docs,
            up="../" if run_page else "",  # run pages live one folder down, in dq/runs/
            to_runs="" if run_page else "runs/",
        )
    )


class _JoinedLines(Extension):
    """Line breaks in the templates are there to be read: with their indentation, they are
    dropped next to a statement and between two tags, and are one space inside a sentence."""

    _AT_MARKUP = re.compile(r"(?<=[>}])\n\s*(?=[<{])|(?<=[%#]\})\n\s*|\n\s*(?=\{[%#])")
    _IN_TEXT = re.compile(r"\n\s*(?=\S)")

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """The template on one line (the stylesheet keeps its lines)."""
        if not (name or "").endswith(".j2"):
            return source
        return self._IN_TEXT.sub(" ", self._AT_MARKUP.sub("", source))


@functools.cache
def _environment() -> Environment:
    """The templates, escaping every value they are given (scraped text above all)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=[_JoinedLines],
        finalize=lambda value: "" if value is None else value,  # an empty cell, not "None"
    )
    environment.filters.update(when=_when, value=_value, page_name=_file_name)
    environment.tests["followable"] = _followable
    environment.globals.update(
        COUNTS=COUNTS,
        SEVERITY_ORDER=SEVERITY_ORDER,
        SHEETS_SHOWN=SHEETS_SHOWN,
        UNPARSED_SHOWN=UNPARSED_SHOWN,
        UNPARSED_TEXT_CHARS=UNPARSED_TEXT_CHARS,
        UNKNOWN_LAYOUT=drift.UNKNOWN_LAYOUT,
    )
    return environment


# --- values --------------------------------------------------------------------------------------


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


def _value(value: Any) -> str:
    """A value as shown: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False)


def _followable(uri: str | None) -> bool:
    """Whether a reader can follow the URI safely (javascript:, s3: and the like are shown)."""
    return bool(uri) and urlsplit(uri).scheme.lower() in LINKED_SCHEMES


def _when(moment: datetime | None, short: bool = False) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%m-%d %H:%M}" if short else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


# --- the console summary -------------------------------------------------------------------------


def summary(engine: Engine, settings: Settings) -> str:
    """The short text `make run` ends with: sheets, checks, marts, and where things are."""
    lines = ["devfin run summary"]
    with engine.connect() as conn:
        latest = _latest_runs(conn)
    for run in latest:
        lines.append(
            f"  {run['source']:<8} run {run['load_id']}: {run['sheets_fetched']} sheets seen,"
            f" {run['sheets_loaded']} loaded, {run['sheets_unchanged']} unchanged,"
            f" {run['sheets_quarantined']} quarantined, {run['sheets_failed']} failed,"
            f" {run['sheets_gone']} gone;"
            f" checks {run['checks_passed']} passed / {run['checks_failed']} failed"
        )
    marts = warehouse.table_counts(engine, "marts")
    lines.append("  marts: " + (", ".join(f"{k} ({v} rows)" for k, v in marts.items()) or "none"))
    shown = sa.engine.make_url(settings.warehouse_url).render_as_string(hide_password=True)
    lines.append(f"  warehouse: {shown}")
    lines.append(f"  DQ report: {report_path(settings)}")
    return "\n".join(lines)

"""What a run leaves for people: the console summary and the static data-quality report."""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from devfin import csp, drift, warehouse
from devfin.marts import docs_dir
from devfin.paths import path_component
from devfin.settings import Settings

HISTORY_RUNS = 10  # runs per source in the pass-rate table, and run pages rewritten each time
SHEETS_SHOWN = 20  # failing sheet ids listed per check; all of them are in audit.dq_results
COUNTS = ("fetched", "loaded", "unchanged", "quarantined", "failed", "gone")
LINKED_SCHEMES = ("file", "http", "https")  # anything else (javascript:, s3:) is shown as text
SEVERITY_ORDER = {"critical": 0, "warning": 1}
MEASUREMENTS = "fill_rates"  # a suite of measurements, not checks: shown by layout instead
FINDINGS = ("fill_rate_drift",)  # checks whose message is what they found, not an error
UNPARSED_SHOWN = 200  # unparsed values listed per run; all of them are in staging
UNPARSED_TEXT_CHARS = 300  # of an unparsed value's raw text shown; the tooltip has it whole

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5em 2em;color:#1a1a1a;max-width:110em}
h1{font-size:1.6em;margin:0 0 .2em}
h2{margin:1.6em 0 .3em;padding-top:.6em;border-top:2px solid #444}
h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.3em 0 1em}
td,th{border:1px solid #bbb;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.failing td{background:#fde2e2}tr.failing td:first-child{border-left:5px solid #c00}
.bad{color:#b00000;font-weight:bold}.ok{color:#176b2c}
td.pass{background:#e3f5e6;color:#176b2c;text-align:center}
td.fail{background:#f8c9c9;color:#8a0000;font-weight:bold;text-align:center}
td.none{color:#999;text-align:center}
.badge{display:inline-block;padding:0 .45em;border-radius:.3em;font-size:.85em;font-weight:bold}
.critical{background:#c00;color:#fff}.warning{background:#f0b400;color:#000}
.legend{background:#f6f6f6;border:1px solid #ccc;padding:.5em 1em;margin:.8em 0}
.legend dl{margin:0;display:grid;grid-template-columns:max-content auto;gap:.15em 1em}
.legend dd{margin:0}.verdict{font-size:1.1em;margin:.4em 0}
code{font-size:.92em;background:#f2f2f2;padding:0 .2em;overflow-wrap:anywhere}
td.text{max-width:38em;overflow-wrap:anywhere}.muted{color:#666}
""".strip()

# Even if something slipped through escaping, the page runs no script and loads nothing.


def _e(value: Any) -> str:
    """Any value as HTML text, safe inside elements and quoted attributes alike."""
    return html.escape("" if value is None else str(value), quote=True)


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
    dq = warehouse.dq_results
    query = sa.select(dq).where(
        (dq.c.source == source) & dq.c.load_id.in_(load_ids) & (dq.c.suite != MEASUREMENTS)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


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
    to_runs = "" if run_page else "runs/"
    back = "<p><a href='../index.html'>&larr; the latest report</a></p>" if run_page else ""
    if dbt_docs:  # published by the marts build beside this report, in dq/dbt/
        back += (
            f"<p><a href='{'../' if run_page else ''}dbt/static_index.html'>dbt docs</a>"
            " <span class='muted'>(the marts, their lineage, columns and tests, as of the latest"
            " build)</span></p>"
        )
    body = (
        "".join(_source_section(conn, run, to_runs) for run in runs)
        if runs
        else "<p>No run has been loaded yet.</p>"
    )
    return (
        f"<!doctype html><html lang='en'><head>{csp.meta(csp.REPORT)}<meta charset='utf-8'>"
        f"<title>devfin data-quality report: {_e(subtitle)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>devfin data-quality report</h1><p class='muted'>{_e(subtitle)}</p>{back}"
        f"{_overview(runs, to_runs)}{_LEGEND}{body}</body></html>"
    )


_LEGEND = (
    "<div class='legend'><dl>"
    "<dt><span class='badge critical'>critical</span></dt><dd>a sheet version failing the check"
    " is quarantined, not loaded</dd>"
    "<dt><span class='badge warning'>warning</span></dt><dd>the sheet version is loaded and"
    " flagged (here and in <code>audit.dq_results</code>)</dd>"
    "<dt><span class='ok'>&#10003;</span> / <span class='bad'>&#10007; n</span> / "
    "<span class='muted'>&ndash;</span></dt><dd>the check passed / failed on n values / did not run"
    " in that run (no new sheet version to check)</dd>"
    "<dt>stage</dt><dd><code>parse</code>: the page could not be read as a data sheet;"
    " <code>validate</code>: it failed a critical check; <code>load</code>: the warehouse"
    " refused its rows (<code>load_error</code>, in the database's words)</dd>"
    "</dl></div>"
)


def _overview(runs: list[dict[str, Any]], to_runs: str) -> str:
    """Each source's run on one line: its sheet counts and its checks."""
    if not runs:
        return ""
    rows = "".join(
        f"<tr class='{'failing' if run['checks_failed'] else ''}'>"
        f"<td><a href='#source-{_e(run['source'])}'>{_e(run['source'])}</a></td>"
        f"<td><a href='{_e(to_runs + _file_name(run['load_id']))}'>{_e(run['load_id'])}</a></td>"
        f"<td>{_e(_when(run['finished_at']))}</td>"
        + "".join(f"<td class='n'>{run['sheets_' + name]}</td>" for name in COUNTS)
        + f"<td class='n'>{run['checks_passed']}</td>"
        f"<td class='n {'bad' if run['checks_failed'] else ''}'>{run['checks_failed']}</td></tr>"
        for run in runs
    )
    heads = "".join(f"<th>{name}</th>" for name in COUNTS)
    return (
        "<h3>Sheets and checks</h3><table><tr><th>source</th><th>run</th><th>finished</th>"
        f"{heads}<th>checks passed</th><th>checks failed</th></tr>{rows}</table>"
    )


def _source_section(conn: Connection, run: dict[str, Any], to_runs: str) -> str:
    history = _history(conn, run)
    results = _checks(conn, run["source"], [r["load_id"] for r in history])
    current = [c for c in results if c["load_id"] == run["load_id"]]
    held = _held(conn, run)
    parsed = run["source"] in warehouse.PARENT_TABLES  # a source with staging tables
    layouts = _loaded_by_layout(conn, run) if parsed else []
    unparsed = _unparsed(conn, run) if parsed else []
    failing = sorted(
        (c for c in current if not c["success"]),
        key=lambda c: (SEVERITY_ORDER.get(c["severity"], 9), c["suite"], c["check_name"]),
    )
    critical = sum(c["severity"] == "critical" for c in failing)
    if not current:
        verdict = "<p class='verdict muted'>No checks ran in this run: it had no new sheet"
        verdict += " version to check.</p>"
    elif failing:
        verdict = (
            f"<p class='verdict bad'>&#10007; {len(failing)} of {len(current)} checks failed"
            f" ({critical} critical, {len(failing) - critical} warning).</p>"
        )
    else:
        verdict = f"<p class='verdict ok'>&#10003; All {len(current)} checks passed.</p>"
    return (
        f"<h2 id='source-{_e(run['source'])}'>{_e(run['source'])}"
        f" <span class='muted'>· run {_e(run['load_id'])}</span></h2>"
        f"<p class='muted'>started {_e(_when(run['started_at']))}, finished"
        f" {_e(_when(run['finished_at']))}; {run['sheets_fetched']} sheets fetched,"
        f" {run['sheets_loaded']} loaded, {run['sheets_quarantined']} quarantined</p>"
        f"{verdict}{_data_docs_link(run['source'], to_runs)}{_failing_table(failing)}"
        f"{_unparsed_table(unparsed)}"
        f"{_layouts_table(run['source'], layouts, unparsed) if parsed else ''}"
        f"{_pass_rates(history, results, to_runs)}{_held_table(held)}"
    )


def _data_docs_link(source: str, to_runs: str) -> str:
    """A link to the GX Data Docs of a source (written by the validate stage under dq/gx/)."""
    up = "" if to_runs else "../"  # run pages live one folder down, in dq/runs/
    href = _e(f"{up}gx/{quote(source)}/index.html")
    return (
        f"<p><a href='{href}'>Great Expectations Data Docs</a> <span class='muted'>(the suites,"
        " and each validation with its unexpected values)</span></p>"
    )


def _failing_table(failing: list[dict[str, Any]]) -> str:
    if not failing:
        return ""
    rows = "".join(
        "<tr class='failing'>"
        f"<td>{_severity(c['severity'])}</td><td>{_e(c['suite'])}</td>"
        f"<td><b>{_e(c['check_name'])}</b></td><td>{_e(c['column_name'] or '')}</td>"
        f"<td class='n'>{_unexpected(c)}</td><td class='text'>{_sheets(c['sheet_ids'])}</td>"
        f"<td class='text'>{_detail(c)}</td></tr>"
        for c in failing
    )
    return (
        "<h3>Failed checks of this run</h3><table><tr><th>severity</th><th>suite</th>"
        "<th>check</th><th>column</th><th>unexpected</th><th>failing sheets</th>"
        f"<th>sample values</th></tr>{rows}</table>"
    )


def _unparsed_table(unparsed: list[dict[str, Any]]) -> str:
    """The run's unread values, listed like its failed checks."""
    if not unparsed:
        return ""
    rows = "".join(
        "<tr class='failing'>"
        f"<td>{_severity('warning')}</td><td><b>{_e(v['field'])}</b></td>"
        f"<td>{_e(v['reason'])}</td><td class='text'>{_raw_text(v['text'])}</td>"
        f"<td class='text'>{_sheet(v['sheet_id'], v['source_url'])}</td>"
        f"<td><code>{_e(v['layout'])}</code></td></tr>"
        for v in unparsed[:UNPARSED_SHOWN]
    )
    more = len(unparsed) - UNPARSED_SHOWN
    return (
        f"<h3>Values not read in this run ({len(unparsed)})</h3><p class='muted'>On the page but"
        " not readable: the field is empty in the warehouse, its raw text kept in the"
        " <code>unparsed</code> column of the staging table.</p><table><tr><th>severity</th>"
        "<th>field</th><th>reason</th><th>raw text</th><th>sheet</th><th>layout</th></tr>"
        f"{rows}</table>"
        + (f"<p class='muted'>and {more} more (staging, column unparsed)</p>" if more > 0 else "")
    )


def _raw_text(text: Any) -> str:
    shown = _value(text) if text is not None else ""
    if len(shown) <= UNPARSED_TEXT_CHARS:
        return f"<code>{_e(shown)}</code>"
    cut = shown[: UNPARSED_TEXT_CHARS - 1] + "\u2026"
    return f"<code title='{_e(shown)}'>{_e(cut)}</code>"


def _layouts_table(
    source: str, layouts: list[dict[str, Any]], unparsed: list[dict[str, Any]]
) -> str:
    """The run's loaded sheet versions by layout: how many, their unread values, and how
    often each optional field is filled."""
    title = "<h3>Sheet versions loaded in this run, by layout</h3>"
    if not layouts:
        return f"{title}<p>None in this run.</p>"
    unread = Counter(v["layout"] for v in unparsed)
    heads = "".join(f"<th><code>{_e(entry['layout'])}</code></th>" for entry in layouts)
    sheets = "".join(f"<td class='n'>{entry['sheets']}</td>" for entry in layouts)
    counts = "".join(
        f"<td class='n {'bad' if unread[entry['layout']] else ''}'>{unread[entry['layout']]}</td>"
        for entry in layouts
    )
    total = sum(entry["sheets"] for entry in layouts)
    fields = "".join(
        f"<tr><td><code>{_e(name)}</code></td>"
        + "".join(_fill_cell(entry["filled"][name], entry["sheets"]) for entry in layouts)
        + _fill_cell(sum(entry["filled"][name] for entry in layouts), total)
        + "</tr>"
        for name in drift.optional_fields(source)
    )
    return (
        f"{title}<p class='muted'>A sheet counts under the layout generation its parser read"
        f" (<code>{drift.UNKNOWN_LAYOUT}</code>: none named); each field's share of the sheets"
        " that fill it. Template drift is judged within a layout.</p>"
        f"<table><tr><th></th>{heads}<th>all layouts</th></tr>"
        f"<tr><th>sheet versions</th>{sheets}<td class='n'>{total}</td></tr>"
        f"<tr><th>values not read</th>{counts}<td class='n'>{len(unparsed)}</td></tr>"
        f"{fields}</table>"
    )


def _sheet(sheet_id: str, url: str | None) -> str:
    """A sheet's id, and a link to its page when the page can be followed safely."""
    linked = url and urlsplit(url).scheme.lower() in LINKED_SCHEMES
    return f"<code>{_e(sheet_id)}</code>" + (f" {_link(url, 'page')}" if linked else "")


def _fill_cell(filled: int, sheets: int) -> str:
    kind = "" if filled else "muted"
    return (
        f"<td class='n {kind}' title='{filled} of {sheets}'>{100 * filled // sheets}%</td>"
        if sheets
        else "<td class='none'>&ndash;</td>"
    )


def _pass_rates(history: list[dict[str, Any]], results: list[dict[str, Any]], to_runs: str) -> str:
    """Suites and checks by run, newest first; what fails now comes first."""
    if not results:
        return ""
    load_ids = [r["load_id"] for r in history]
    by_check: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for c in results:
        by_check.setdefault((c["suite"], c["check_name"]), {})[c["load_id"]] = c
    run_heads = "".join(
        f"<th><a href='{_e(to_runs + _file_name(r['load_id']))}' title='{_e(r['load_id'])}'>"
        f"{_e(_when(r['finished_at'], short=True))}</a></th>"
        for r in history
    )

    def order(key: tuple[str, str]) -> tuple[Any, ...]:
        runs = by_check[key]
        now = runs.get(load_ids[0])
        failing_now = now is not None and not now["success"]
        newest = next(runs[i] for i in load_ids if i in runs)
        return (
            not failing_now,
            SEVERITY_ORDER.get(newest["severity"], 9),
            _rate(runs.values()),
            key,
        )

    rows = []
    for key in sorted(by_check, key=order):
        runs = by_check[key]
        newest = next(runs[i] for i in load_ids if i in runs)
        now = runs.get(load_ids[0])
        failing_now = now is not None and not now["success"]
        latest_failure = next(
            (runs[i] for i in load_ids if i in runs and not runs[i]["success"]), None
        )
        cells = "".join(_cell(runs.get(i)) for i in load_ids)
        passed = sum(c["success"] for c in runs.values())
        mark = "<span class='bad'>&#10007; failing</span> " if failing_now else ""
        column = f" <code>{_e(newest['column_name'])}</code>" if newest["column_name"] else ""
        rows.append(
            f"<tr class='{'failing' if failing_now else ''}'>"
            f"<td>{_severity(newest['severity'])}</td><td>{_e(key[0])}</td>"
            f"<td>{mark}{_e(key[1])}{column}</td>"
            f"<td class='n'>{passed}/{len(runs)} ({100 * passed // len(runs)}%)</td>{cells}"
            f"<td class='text'>{_detail(latest_failure) if latest_failure else ''}</td></tr>"
        )
    return (
        f"<h3>Pass rates over the last {len(history)} runs</h3>{_suite_rates(history, results)}"
        "<p class='muted'>By check, newest run first: what fails in this run comes first, then"
        " what fails most often.</p>"
        "<table><tr><th>severity</th><th>suite</th><th>check</th><th>passed</th>"
        f"{run_heads}<th>sample values (latest failure)</th></tr>{''.join(rows)}</table>"
    )


def _suite_rates(history: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    suites = sorted({c["suite"] for c in results})
    rows = []
    for suite in suites:
        of_suite = [c for c in results if c["suite"] == suite]
        cells = []
        for r in history:
            ran = [c for c in of_suite if c["load_id"] == r["load_id"]]
            ok = sum(c["success"] for c in ran)
            kind = "none" if not ran else "pass" if ok == len(ran) else "fail"
            cells.append(f"<td class='{kind}'>{f'{ok}/{len(ran)}' if ran else '&ndash;'}</td>")
        passed = sum(c["success"] for c in of_suite)
        rows.append(
            f"<tr><td>{_e(suite)}</td><td class='n'>{passed}/{len(of_suite)}"
            f" ({100 * passed // len(of_suite)}%)</td>{''.join(cells)}</tr>"
        )
    heads = "".join(f"<th>{_e(_when(r['finished_at'], short=True))}</th>" for r in history)
    return (
        "<p class='muted'>By suite: checks passed in each run.</p><table><tr><th>suite</th>"
        f"<th>checks passed</th>{heads}</tr>{''.join(rows)}</table>"
    )


def _held_table(held: list[dict[str, Any]]) -> str:
    if not held:
        return "<h3>Quarantined sheets</h3><p>None in this run.</p>"
    rows = "".join(
        f"<tr class='{'' if q['released_at'] else 'failing'}'>"
        f"<td><code>{_e(q['sheet_id'])}</code></td><td>{_e(q['stage'])}</td>"
        f"<td>{_e(q['reason_code'])}</td><td class='text'>{_e(q['message'])}</td>"
        f"<td>{_link(q['archive_uri'], 'archived page') if q['archive_uri'] else 'not archived'}"
        f"</td><td class='text'>{_link(q['source_url'], q['source_url'])}</td>"
        f"<td class='text'>{_release(q)}</td><td><code>{_e(q['quarantine_id'])}</code></td></tr>"
        for q in held
    )
    return (
        f"<h3>Quarantined sheets ({len(held)})</h3><table><tr><th>sheet</th><th>stage</th>"
        "<th>reason</th><th>message</th><th>archive</th><th>source page</th><th>status</th>"
        f"<th>quarantine id</th></tr>{rows}</table>"
    )


def _release(entry: dict[str, Any]) -> str:
    if not entry["released_at"]:
        return "<span class='bad'>held</span>"
    return (
        f"<span class='ok'>released</span> {_e(_when(entry['released_at']))} by"
        f" {_e(entry['released_by'])}: {_e(entry['release_reason'])}"
    )


# --- cells ---------------------------------------------------------------------------------------


def _error(check: dict[str, Any]) -> str | None:
    """Why a check could not run (the message of a finding, such as a drift, is not that)."""
    return None if check["expectation_type"] in FINDINGS else check["message"]


def _cell(check: dict[str, Any] | None) -> str:
    if check is None:
        return "<td class='none' title='did not run'>&ndash;</td>"
    if check["success"]:
        return "<td class='pass' title='passed'>&#10003;</td>"
    count = check["unexpected_count"]
    shown = "error" if _error(check) else "" if count is None else f"{count}"
    title = _detail_text(check)
    return f"<td class='fail' title='{_e(title)}'>&#10007; {_e(shown)}</td>"


def _unexpected(check: dict[str, Any]) -> str:
    if _error(check) or (check["message"] and check["unexpected_count"] is None):
        return "&ndash;"
    count = check["unexpected_count"] or 0
    of = f" of {check['element_count']}" if check["element_count"] is not None else ""
    return f"{count}{_e(of)}"


def _rate(checks: Iterable[dict[str, Any]]) -> float:
    ran = list(checks)
    return sum(c["success"] for c in ran) / len(ran)


def _severity(severity: str) -> str:
    kind = severity if severity in SEVERITY_ORDER else ""
    return f"<span class='badge {kind}'>{_e(severity)}</span>"


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
    return value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False)


def _sheets(sheet_ids: str | None) -> str:
    ids = _json_list(sheet_ids)
    shown = ", ".join(f"<code>{_e(i)}</code>" for i in ids[:SHEETS_SHOWN])
    more = len(ids) - SHEETS_SHOWN
    return shown + (f" and {more} more (audit.dq_results)" if more > 0 else "")


def _detail(check: dict[str, Any]) -> str:
    """What to show of a check's outcome: why it could not run, or its sample values."""
    if _error(check):
        return f"check could not run: {_e(check['message'])}"
    if check["message"]:
        return _e(check["message"])
    return ", ".join(f"<code>{_e(_value(v))}</code>" for v in _json_list(check["sample_values"]))


def _detail_text(check: dict[str, Any]) -> str:
    if _error(check):
        return f"check could not run: {check['message']}"
    if check["message"]:
        return check["message"]
    samples = ", ".join(_value(v) for v in _json_list(check["sample_values"]))
    return f"{check['unexpected_count'] or 0} unexpected" + (f": {samples}" if samples else "")


def _link(uri: str | None, text: str | None) -> str:
    """A link when the URI's scheme is one a reader can follow safely, else the URI as text."""
    if not uri:
        return ""
    if urlsplit(uri).scheme.lower() not in LINKED_SCHEMES:
        return f"<code>{_e(uri)}</code>"
    return f"<a href='{_e(uri)}' title='{_e(uri)}' rel='noopener noreferrer'>{_e(text)}</a>"


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

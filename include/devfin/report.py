"""What a run leaves for people: the console summary and the static data-quality report."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from devfin import warehouse
from devfin.settings import Settings

LATEST_RUNS = sa.text(
    "select * from audit.load_runs r where finished_at = "
    "(select max(finished_at) from audit.load_runs l where l.source = r.source) order by source"
)


def _rows(engine: Engine, query: sa.TextClause, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query, params)]


def report_path(settings: Settings) -> Path:
    return settings.report_dir / "dq" / "index.html"


def write_dq_report(engine: Engine, settings: Settings) -> Path:
    """Write the data-quality report of the latest run of each source; scraped text is escaped."""
    runs = _rows(engine, LATEST_RUNS)
    sections = [_run_section(engine, run) for run in runs] or ["<p>No run has been loaded yet.</p>"]
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>devfin data-quality report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
        ".fail{background:#fdd}.pass{background:#dfd}</style></head><body>"
        "<h1>devfin data-quality report</h1>" + "".join(sections) + "</body></html>"
    )
    path = report_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _run_section(engine: Engine, run: dict[str, Any]) -> str:
    e = html.escape
    checks = _rows(
        engine,
        sa.text(
            "select suite, check_name, severity, column_name, success, unexpected_count,"
            " sample_values, sheet_ids, message from audit.dq_results where load_id = :load_id and"
            " source = :source order by success, severity, suite, check_name"
        ),
        load_id=run["load_id"],
        source=run["source"],
    )
    held = _rows(
        engine,
        sa.text(
            "select sheet_id, stage, reason_code, message, source_url from audit.quarantine"
            " where load_id = :load_id and source = :source order by sheet_id"
        ),
        load_id=run["load_id"],
        source=run["source"],
    )
    counts = ", ".join(
        f"{name.removeprefix('sheets_')} {run[name]}"
        for name in (
            "sheets_fetched",
            "sheets_loaded",
            "sheets_unchanged",
            "sheets_quarantined",
            "sheets_failed",
            "sheets_gone",
        )
    )
    no_checks = "<tr><td colspan='8'>none ran: no new sheet version to check</td></tr>"
    check_rows = (
        no_checks
        if not checks
        else "".join(
            f"<tr class='{'pass' if c['success'] else 'fail'}'><td>{e(c['suite'])}</td>"
            f"<td>{e(c['check_name'])}</td><td>{e(c['severity'])}</td>"
            f"<td>{e(c['column_name'] or '')}</td>"
            f"<td>{'passed' if c['success'] else 'FAILED'}</td>"
            f"<td>{c['unexpected_count'] or 0}</td>"
            f"<td>{e(c['sheet_ids'] or '')}</td>"
            f"<td>{e(_detail(c))}</td></tr>"
            for c in checks
        )
    )
    held_rows = (
        "".join(
            f"<tr><td>{e(q['sheet_id'])}</td><td>{e(q['stage'])}</td><td>{e(q['reason_code'])}</td>"
            f"<td>{e(q['message'])}</td><td>{e(q['source_url'])}</td></tr>"
            for q in held
        )
        or "<tr><td colspan='5'>none</td></tr>"
    )
    return (
        f"<h2>{e(run['source'])}: run {e(run['load_id'])}</h2><p>{e(counts)}</p>"
        "<h3>Checks</h3><table><tr><th>suite</th><th>check</th><th>severity</th><th>column</th>"
        "<th>result</th><th>unexpected</th><th>sheets</th><th>sample values</th></tr>"
        f"{check_rows}</table><h3>Quarantined sheets</h3><table><tr><th>sheet</th><th>stage</th>"
        f"<th>reason</th><th>message</th><th>source</th></tr>{held_rows}</table>"
    )


def _detail(check: dict[str, Any]) -> str:
    """What to show of a check's outcome: why it could not run, or its sample values."""
    if check["message"]:
        return f"check could not run: {check['message']}"
    return check["sample_values"] or ""


def summary(engine: Engine, settings: Settings) -> str:
    """The short text `make run` ends with: sheets, checks, marts, and where things are."""
    lines = ["devfin run summary"]
    for run in _rows(engine, LATEST_RUNS):
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

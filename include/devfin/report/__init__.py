"""What a run leaves for people: the console summary and the static data-quality report."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
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
from devfin.report import charts
from devfin.report.data import SEVERITY_ORDER, Section, latest_runs, run_pages, section
from devfin.report.reconciliation import Reconciliation, reconciliation, summary_line
from devfin.settings import Settings
from devfin.transform.docs import docs_dir

SHEETS_SHOWN = 20  # failing sheet ids listed per check; all of them are in audit.dq_results
COUNTS = ("fetched", "loaded", "unchanged", "quarantined", "failed", "gone")
LINKED_SCHEMES = ("file", "http", "https")  # anything else (javascript:, s3:) is shown as text
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


# --- the pages -----------------------------------------------------------------------------------


def write_dq_report(engine: Engine, settings: Settings) -> Path:
    """Write the data-quality report: `dq/index.html` for the latest run of each source and
    `dq/runs/<run>.html` for each of the last HISTORY_RUNS runs of each source (older run
    pages stay as last written). Every text read from the warehouse is HTML-escaped."""
    dbt_docs = (docs_dir(settings) / "static_index.html").exists()
    with engine.connect() as conn:
        latest = latest_runs(conn)
        for load_id, of_run in run_pages(conn, latest).items():
            _write(
                run_report_path(settings, load_id),
                _page(conn, of_run, f"run {load_id}", run_page=True, dbt_docs=dbt_docs),
            )
        page = _page(
            conn,
            latest,
            "latest run of each source",
            run_page=False,
            dbt_docs=dbt_docs,
            reconciled=reconciliation(conn),  # the marts' present state: the latest page only
        )
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
    reconciled: Reconciliation | None = None,
) -> str:
    """One report page: an overview of the runs given (one per source), the reconciliation of
    the data sheets with IATI when given, then a section per run."""
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            # Ours, the one markup the page is given: even if something slipped through
            # escaping, the page runs no script and loads nothing.
            csp_meta=Markup(csp.meta(csp.REPORT)),
            subtitle=subtitle,
            runs=runs,
            sections=[section(conn, run) for run in runs],
            run_page=run_page,
            dbt_docs=dbt_docs,
            reconciliation=reconciled,
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
    environment.filters.update(
        when=_when, value=_value, page_name=_file_name, trend_charts=_trend_charts
    )
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


def _trend_charts(section: Section) -> list[charts.Chart]:
    """A section's trend charts, oldest run first: pass rates by suite (when checks ran),
    quarantined sheets by reason, fill rates by layout (a source with staging tables)."""
    history = section.history[::-1]
    runs = [charts.Run(run["load_id"], _when(run["finished_at"], short=True)) for run in history]
    shown = []
    if section.suite_history:
        suites = [(suite.suite, suite.by_run[::-1]) for suite in section.suite_history]
        shown.append(charts.pass_rates(runs, suites))
    shown.append(charts.quarantined(runs, section.quarantined))
    if section.layouts is not None:
        shown.append(charts.fill_rates(runs, section.layouts.fields, section.fill_rates))
    return shown


# --- values --------------------------------------------------------------------------------------


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
        latest = latest_runs(conn)
        reconciled = summary_line(reconciliation(conn))
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
    if reconciled is not None:
        lines.append(reconciled)
    shown = sa.engine.make_url(settings.warehouse_url).render_as_string(hide_password=True)
    lines.append(f"  warehouse: {shown}")
    lines.append(f"  DQ report: {report_path(settings)}")
    return "\n".join(lines)

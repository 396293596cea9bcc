"""The data-quality report: failing checks first, pass rates by run, quarantine, all escaped."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import warehouse
from devfin.report import report_path, run_report_path, summary, write_dq_report
from devfin.settings import Settings, load_settings

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Breaks out of a quoted attribute if the quotes are not escaped.
ATTRIBUTE_PAYLOAD = "x'\"><img src=x onerror=alert(2)>"
LATEST = "manual__2026-11-23T05:41:42+00:00"
EARLIER = "manual__2026-11-22T05:40:00+00:00"
FAILING = "project number is NNNNN-NNN"
PASSING = "approval date is not in the future"
ARCHIVE_URI = "file:///srv/devfin/archive/sha256/ab/abcdef.html"
PARSE_ARCHIVE_URI = "file:///srv/devfin/archive/sha256/01/012345.html"
START = datetime(2026, 11, 22, 5, 40, tzinfo=UTC)


def _run(load_id: str, source: str, finished_at: datetime, **counts: int) -> dict:
    row = {
        "load_id": load_id,
        "source": source,
        "started_at": finished_at - timedelta(minutes=1),
        "finished_at": finished_at,
        "sheets_fetched": 0,
        "sheets_failed": 0,
        "sheets_gone": 0,
        "sheets_parsed": 0,
        "sheets_quarantined": 0,
        "sheets_unchanged": 0,
        "sheets_loaded": 0,
        "rows_loaded": 0,
        "checks_passed": 0,
        "checks_failed": 0,
    }
    return {**row, **counts}


def _check(load_id: str, name: str, severity: str, success: bool, **more: object) -> dict:
    row = {
        "load_id": load_id,
        "source": "adb_pds",
        "suite": "adb_projects",
        "check_name": name,
        "expectation_type": "expect_column_values_to_match_regex",
        "severity": severity,
        "column_name": "project_number",
        "success": success,
        "element_count": 3,
        "unexpected_count": 0 if success else 2,
        "sample_values": "[]",
        "sheet_ids": "[]",
        "message": None,
        "checked_at": START,
    }
    return {**row, **more}


def build_sample_warehouse(root: Path) -> Settings:
    """A DuckDB warehouse with two runs of adb_pds (the latest failing a critical check on a
    sheet titled with a script tag) and one run of cdia that checked nothing."""
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(root)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        report_dir=root / "reports",
    )
    engine = sa.create_engine(settings.warehouse_url)
    warehouse.ensure_schema(engine)
    samples = warehouse.dumps([PAYLOAD, "5403-01"])
    with engine.begin() as conn:
        conn.execute(
            warehouse.load_runs.insert(),
            [
                _run(EARLIER, "adb_pds", START, sheets_fetched=2, sheets_loaded=2, checks_passed=2),
                _run(
                    LATEST,
                    "adb_pds",
                    START + timedelta(days=1),
                    sheets_fetched=5,
                    sheets_loaded=2,
                    sheets_unchanged=1,
                    sheets_quarantined=2,
                    checks_passed=2,
                    checks_failed=1,
                ),
                _run(
                    LATEST, "cdia", START + timedelta(days=1), sheets_fetched=1, sheets_unchanged=1
                ),
            ],
        )
        conn.execute(
            warehouse.dq_results.insert(),
            [
                _check(EARLIER, FAILING, "critical", True),
                _check(EARLIER, PASSING, "warning", True),
                _check(
                    LATEST,
                    FAILING,
                    "critical",
                    False,
                    sample_values=samples,
                    sheet_ids=warehouse.dumps(["bad-number", "bad-title"]),
                ),
                _check(LATEST, PASSING, "warning", True),
                _check(
                    LATEST,
                    "description is not empty",
                    "warning",
                    True,
                    column_name="description",
                    sample_values=warehouse.dumps([ATTRIBUTE_PAYLOAD]),
                ),
            ],
        )
        held = {
            "load_id": LATEST,
            "source": "adb_pds",
            "sheet_version": "abcdef",
            "record_json": None,
            "quarantined_at": START + timedelta(days=1),
        }
        conn.execute(
            warehouse.quarantine.insert(),
            [
                {
                    **held,
                    "quarantine_id": "q-title",
                    "sheet_id": "bad-title",
                    "source_url": f"https://www.adb.org/projects/1/main?{ATTRIBUTE_PAYLOAD}",
                    "stage": "validate",
                    "reason_code": FAILING,
                    "message": f"adb_projects: sheet titled {PAYLOAD} failed {FAILING}",
                },
                {
                    **held,
                    "quarantine_id": "q-parse",
                    "sheet_id": "not-a-sheet",
                    "sheet_version": "012345",
                    "source_url": "javascript:alert(3)",
                    "stage": "parse",
                    "reason_code": "not_a_data_sheet",
                    "message": "no Project Number label",
                },
            ],
        )
        fetch = {
            "load_id": LATEST,
            "source": "adb_pds",
            "url": "https://www.adb.org/projects/1/main",
            "fetched_at": START + timedelta(days=1),
            "outcome": "fetched",
            "attempts": 1,
        }
        conn.execute(
            warehouse.fetches.insert(),
            [
                {
                    **fetch,
                    "sheet_id": "bad-title",
                    "content_sha256": "abcdef",
                    "archive_uri": ARCHIVE_URI,
                },
                {
                    **fetch,
                    "sheet_id": "bad-title",
                    "load_id": EARLIER,
                    "content_sha256": "older",
                    "archive_uri": "file:///srv/devfin/archive/sha256/ol/older.html",
                },
                # Not fetched by the latest run (a reparse fetches nothing): its version was.
                {
                    **fetch,
                    "sheet_id": "not-a-sheet",
                    "load_id": EARLIER,
                    "content_sha256": "012345",
                    "archive_uri": PARSE_ARCHIVE_URI,
                },
            ],
        )
    engine.dispose()
    return settings


class _Tags(HTMLParser):
    """The tags and attributes of a page as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def report(tmp_path: Path) -> tuple[Settings, str]:
    settings = build_sample_warehouse(tmp_path)
    engine = sa.create_engine(settings.warehouse_url)
    try:
        path = write_dq_report(engine, settings)
    finally:
        engine.dispose()
    assert path == report_path(settings)
    return settings, path.read_text(encoding="utf-8")


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_failing_checks_come_first_and_are_marked(report: tuple[Settings, str]) -> None:
    _, page = report
    assert "Failed checks of this run" in page
    assert page.index(FAILING) < page.index(PASSING)
    rates = page[page.index("Pass rates over the last 2 runs") :]
    assert rates.index(FAILING) < rates.index(PASSING)
    assert "1 of 3 checks failed (1 critical, 0 warning)" in page
    assert re.search(r"<tr class='failing'>.*?" + re.escape(FAILING), page)


def test_pass_rates_by_check_and_run(report: tuple[Settings, str]) -> None:
    _, page = report
    rates = page[page.index("Pass rates over the last 2 runs") :]
    row = rates[rates.index(FAILING) : rates.index("</tr>", rates.index(FAILING))]
    assert "1/2 (50%)" in row
    assert "&#10007; 2</td>" in row  # failed in the latest run, 2 unexpected values
    assert "&#10003;</td>" in row  # passed in the one before
    assert "critical" in page and "warning" in page
    assert "quarantined, not loaded" in page  # the legend


def test_quarantined_sheets_link_their_archived_page(report: tuple[Settings, str]) -> None:
    _, page = report
    assert "Quarantined sheets (2)" in page
    links = [attrs["href"] for tag, attrs in _tags(page) if tag == "a"]
    assert ARCHIVE_URI in links and PARSE_ARCHIVE_URI in links
    assert "older.html" not in page
    held = page[page.index("Quarantined sheets (2)") :]
    assert "bad-title" in held and "validate" in held and "not_a_data_sheet" in held
    assert "q-title" in held and "held" in held


def test_scraped_text_is_escaped_everywhere(report: tuple[Settings, str]) -> None:
    _, page = report
    assert PAYLOAD not in page
    assert page.count(ESCAPED) >= 3  # the quarantine message, the sample values, their tooltip
    tags = _tags(page)
    assert {tag for tag, _ in tags}.isdisjoint({"script", "img", "iframe", "object"})
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    titles = [attrs["title"] for tag, attrs in tags if tag == "td" and attrs.get("title")]
    assert any(PAYLOAD in title for title in titles)  # the attribute holds the text, unbroken
    links = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert not any(link and link.startswith("javascript:") for link in links)
    assert "javascript:alert(3)" in page  # shown, not linked


def test_each_run_has_its_own_page(report: tuple[Settings, str]) -> None:
    settings, _ = report
    latest, earlier = run_report_path(settings, LATEST), run_report_path(settings, EARLIER)
    assert latest.parent == settings.report_dir / "dq" / "runs"
    assert latest.exists() and earlier.exists() and latest != earlier
    assert ":" not in latest.name and "+" not in latest.name
    assert run_report_path(settings, "a:b") != run_report_path(settings, "a+b")
    old = earlier.read_text(encoding="utf-8")
    assert f"run {EARLIER}" in old and "All 2 checks passed" in old
    assert "Quarantined sheets</h3><p>None in this run." in old
    assert PAYLOAD not in latest.read_text(encoding="utf-8")


def test_a_run_without_checks_says_so(report: tuple[Settings, str]) -> None:
    _, page = report
    cdia = page[page.index("id='source-cdia'") :]
    assert "No checks ran in this run" in cdia


def test_an_empty_warehouse_has_a_report_and_a_summary(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(tmp_path)}),
        warehouse_url=f"duckdb:///{tmp_path / 'empty.duckdb'}",
        report_dir=tmp_path / "reports",
    )
    engine = sa.create_engine(settings.warehouse_url)
    warehouse.ensure_schema(engine)
    try:
        page = write_dq_report(engine, settings).read_text(encoding="utf-8")
        text = summary(engine, settings)
    finally:
        engine.dispose()
    assert "No run has been loaded yet." in page
    assert "marts: none" in text


def test_the_summary_names_the_latest_run_of_each_source(report: tuple[Settings, str]) -> None:
    settings, _ = report
    engine = sa.create_engine(settings.warehouse_url)
    try:
        text = summary(engine, settings)
    finally:
        engine.dispose()
    assert f"adb_pds  run {LATEST}: 5 sheets seen, 2 loaded" in text
    assert "checks 2 passed / 1 failed" in text
    assert f"cdia     run {LATEST}" in text

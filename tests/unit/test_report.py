"""The data-quality report: failing checks first, pass rates by run, quarantine, all escaped."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.load import schema
from devfin.quality.drift import FillRate
from devfin.report import (
    _environment,
    charts,
    report_path,
    run_report_path,
    summary,
    write_dq_report,
)
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
# A layout name and an unread value's text, as hostile as scraped text can be.
LAYOUT_PAYLOAD = "<script>alert(4)</script>"
UNPARSED_PAYLOAD = "14 Sept 2020<script>alert(5)</script>"
LONG_TEXT = "Loan 3133 " * 40  # more than the report shows of a raw text
DRIFT = "template drift? gender filled in 50% of this run's 20 sheets of layout live-2025"


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


def _project(load_id: str, sheet_id: str, layout: str | None, **more: object) -> dict:
    row = {
        "sheet_id": sheet_id,
        "sheet_version": f"v-{sheet_id}",
        "source_url": f"https://www.adb.org/projects/{sheet_id}/main",
        "fetched_at": START,
        "load_id": load_id,
        "parser_version": "2.0.0",
        "provenance": "{}",
        "missing_labels": "[]",
        "repairs": "{}",
        "unparsed": "{}",
        "project_number": sheet_id,
        "project_name": f"Project {sheet_id}",
        "layout": layout,
        "gender": None,
    }
    return {**row, **more}


def build_sample_warehouse(root: Path) -> Settings:
    """A DuckDB warehouse with two runs of adb_pds (the latest failing a critical check on a
    sheet titled with a script tag, loading sheets of three layouts, one named with a script
    tag, and two values it could not read; the earlier measuring a fill rate in a layout named
    with a script tag) and one run of cdia that checked nothing."""
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(root)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        report_dir=root / "reports",
    )
    engine = sa.create_engine(settings.warehouse_url)
    schema.ensure_schema(engine)
    samples = schema.dumps([PAYLOAD, "5403-01"])
    with engine.begin() as conn:
        conn.execute(
            schema.load_runs.insert(),
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
            schema.dq_results.insert(),
            [
                _check(EARLIER, FAILING, "critical", True),
                _check(EARLIER, PASSING, "warning", True),
                _check(
                    EARLIER,
                    f"fill rate of gender (layout {LAYOUT_PAYLOAD})",
                    "warning",
                    True,
                    suite="fill_rates",
                    expectation_type="fill_rate",
                    column_name="gender",
                    element_count=4,
                    unexpected_count=3,
                ),
                _check(
                    LATEST,
                    FAILING,
                    "critical",
                    False,
                    sample_values=samples,
                    sheet_ids=schema.dumps(["bad-number", "bad-title"]),
                ),
                _check(LATEST, PASSING, "warning", True),
                # Measurements: the layout table shows them, not the pass rates.
                _check(
                    LATEST,
                    "fill rate of gender (layout live-2025)",
                    "warning",
                    True,
                    suite="fill_rates",
                    expectation_type="fill_rate",
                    column_name="gender",
                    message="filled in 50% of 20 new sheet versions of layout live-2025",
                ),
                _check(
                    LATEST,
                    "fill rate of gender steady (layout live-2025)",
                    "warning",
                    False,
                    suite="template_drift",
                    expectation_type="fill_rate_drift",
                    column_name="gender",
                    element_count=20,
                    unexpected_count=None,
                    message=DRIFT,
                ),
                _check(
                    LATEST,
                    "description is not empty",
                    "warning",
                    True,
                    column_name="description",
                    sample_values=schema.dumps([ATTRIBUTE_PAYLOAD]),
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
            schema.quarantine.insert(),
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
        unread = {
            "approval_date": {"text": UNPARSED_PAYLOAD, "reason": "bad_date"},
            "financing_total": {"text": LONG_TEXT, "reason": "bad_amount"},
        }
        conn.execute(
            schema.STAGING_TABLES["adb_projects"].insert(),
            [
                _project(LATEST, "55201-001", "live-2025", gender="GEN"),
                _project(LATEST, "55236-001", "live-2025", unparsed=schema.dumps(unread)),
                _project(LATEST, "44212-013", LAYOUT_PAYLOAD, gender="NGE"),
                _project(LATEST, "45198-001", None),
                # Loaded by the earlier run: not one of the latest run's versions.
                _project(EARLIER, "42414-043", "tabbed-2015", gender="GEN"),
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
            schema.fetches.insert(),
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
    assert "2 of 4 checks failed (1 critical, 1 warning)" in page
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


def test_the_policy_comes_first_in_the_head(report: tuple[Settings, str]) -> None:
    settings, page = report
    for text in (page, run_report_path(settings, EARLIER).read_text(encoding="utf-8")):
        tags = [tag for tag, _ in _tags(text)]
        tag, attrs = _tags(text)[tags.index("head") + 1]
        assert tag == "meta" and attrs["http-equiv"] == "Content-Security-Policy"
        assert text.count("<style>") == 1 and "td.fail{" in text  # the stylesheet, inline


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
    schema.ensure_schema(engine)
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


def _section(page: str, source: str) -> str:
    start = page.index(f"id='source-{source}'")
    end = page.find("<h2 ", start)
    return page[start : end if end > 0 else len(page)]


def _table_after(page: str, heading: str) -> str:
    start = page.index(heading)
    return page[start : page.index("</table>", start)]


def _row(table: str, first_cell: str) -> list[str]:
    """The cells of the row that starts with `first_cell`, as text."""
    start = table.index(first_cell)
    row = table[start : table.index("</tr>", start)]
    return [re.sub("<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_the_loaded_sheet_versions_by_layout(report: tuple[Settings, str]) -> None:
    _, page = report
    adb = _section(page, "adb_pds")
    table = _table_after(adb, "Sheet versions loaded in this run, by layout")
    heads = re.findall(r"<th>(.*?)</th>", table[: table.index("</tr>")])
    # By name (escaped, the script tag sorts first), then all layouts together.
    assert heads[1:] == [
        "<code>&lt;script&gt;alert(4)&lt;/script&gt;</code>",
        "<code>live-2025</code>",
        "<code>unknown</code>",
        "all layouts",
    ]
    assert _row(table, "<th>sheet versions</th>") == ["1", "2", "1", "4"]  # not the earlier run
    assert _row(table, "<th>values not read</th>") == ["0", "2", "0", "2"]
    assert _row(table, "<code>gender</code>") == ["100%", "50%", "0%", "50%"]
    assert _row(table, "<code>approval_date</code>") == ["0%", "0%", "0%", "0%"]
    assert "tabbed-2015" not in adb
    cdia = _section(page, "cdia")
    assert "Sheet versions loaded in this run, by layout</h3><p>None in this run." in cdia


def test_values_not_read_are_listed_like_failed_checks(report: tuple[Settings, str]) -> None:
    _, page = report
    adb = _section(page, "adb_pds")
    assert "Values not read in this run (2)" in adb
    table = _table_after(adb, "Values not read in this run (2)")
    rows = re.findall(r"<tr class='failing'>(.*?)</tr>", table)
    assert len(rows) == 2  # by field: approval_date, then financing_total
    assert "<b>approval_date</b>" in rows[0] and "bad_date" in rows[0]
    assert "14 Sept 2020&lt;script&gt;alert(5)&lt;/script&gt;" in rows[0]
    assert "<code>55236-001</code>" in rows[0] and "live-2025" in rows[0]
    assert "https://www.adb.org/projects/55236-001/main" in rows[0]
    assert "<b>financing_total</b>" in rows[1] and "bad_amount" in rows[1]
    # A long text is cut on the page and whole in its tooltip.
    assert f"title='{LONG_TEXT}'>{LONG_TEXT[:299]}\u2026</code>" in rows[1]
    assert adb.index("Failed checks of this run") < adb.index("Values not read in this run")


def test_layout_names_and_unread_text_stay_escaped(report: tuple[Settings, str]) -> None:
    _, page = report
    for payload in (LAYOUT_PAYLOAD, UNPARSED_PAYLOAD):
        assert payload not in page
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page
    tags = _tags(page)
    assert {tag for tag, _ in tags}.isdisjoint({"script", "img", "iframe", "object"})
    (policy,) = [a for t, a in tags if t == "meta" and a.get("http-equiv")]
    assert policy["content"].startswith("default-src 'none'")


def test_fill_rates_are_not_checks_and_a_drift_says_what_it_found(
    report: tuple[Settings, str],
) -> None:
    _, page = report
    adb = _section(page, "adb_pds")
    assert "fill rate of gender (layout live-2025)" not in adb  # a measurement, not a check
    failed = _table_after(adb, "Failed checks of this run")
    assert "fill rate of gender steady (layout live-2025)" in failed
    row = failed[failed.index("fill rate of gender steady") :].split("</tr>")[0]
    # The message whole, however the escaper spells its apostrophe.
    assert DRIFT in html.unescape(row) and "could not run" not in row


# --- the trend charts -----------------------------------------------------------------------------


@dataclasses.dataclass
class Svg:
    """A chart as the page holds it: its attributes, its marks (attributes and title) and texts."""

    attrs: dict[str, str | None]
    marks: list[tuple[dict[str, str | None], str]] = dataclasses.field(default_factory=list)
    texts: list[str] = dataclasses.field(default_factory=list)
    tags: set[str] = dataclasses.field(default_factory=set)
    styled: bool = False  # an element with a style attribute


class _Charts(HTMLParser):
    """The <svg> charts of a page, in order, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[Svg] = []
        self._svg: Svg | None = None
        self._mark: dict[str, str | None] | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "svg":
            self._svg = Svg(values)
            self.charts.append(self._svg)
        if self._svg is None:
            return
        self._svg.tags.add(tag)
        self._svg.styled |= "style" in values
        if tag == "rect" and values.get("class") == "mark":
            self._mark = values
        elif tag in ("title", "text"):
            self._text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._svg is None:
            return
        if tag == "title" and self._mark is not None and self._text is not None:
            self._svg.marks.append((self._mark, "".join(self._text)))
            self._mark, self._text = None, None
        elif tag in ("title", "text") and self._text is not None:
            self._svg.texts.append("".join(self._text))
            self._text = None
        elif tag == "svg":
            self._svg = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def drawn_charts(page: str) -> list[Svg]:
    """The charts of a page, in order."""
    parser = _Charts()
    parser.feed(page)
    return parser.charts


def svg_charts(page: str) -> dict[str, Svg]:
    """The charts of a page by kind (`data-chart`): of one section, say."""
    return {str(chart.attrs["data-chart"]): chart for chart in drawn_charts(page)}


def _titles(chart: Svg) -> list[str]:
    return [title for _, title in chart.marks]


def test_the_report_draws_three_trend_charts(report: tuple[Settings, str]) -> None:
    _, page = report
    adb = svg_charts(_section(page, "adb_pds"))
    assert list(adb) == ["pass-rates", "quarantine", "fill-rates"]
    # A bar per suite and run it ran in, oldest run first.
    assert _titles(adb["pass-rates"]) == [
        f"adb_projects, run {EARLIER} (11-22 05:40): 2 of 2 checks passed (100%)",
        f"adb_projects, run {LATEST} (11-23 05:40): 2 of 3 checks passed (66%)",
        f"template_drift, run {LATEST} (11-23 05:40): 0 of 1 checks passed (0%)",
    ]
    fills = [attrs["fill"] for attrs, _ in adb["pass-rates"].marks]
    assert fills == [charts.PASSED, charts.FAILED, charts.FAILED]
    # The latest run quarantined two sheets, one per reason; the earlier none.
    assert sorted(_titles(adb["quarantine"])) == [
        f"run {LATEST} (11-23 05:40): 1 sheet quarantined, reason not_a_data_sheet",
        f"run {LATEST} (11-23 05:40): 1 sheet quarantined, reason {FAILING}",
    ]
    assert {"0", "2"} <= set(adb["quarantine"].texts)  # each run's total over its bar
    # Fill rates of the layouts measured, escaped: the script-named layout sorts first.
    assert _titles(adb["fill-rates"]) == [
        f"gender, layout {LAYOUT_PAYLOAD}, run {EARLIER} (11-22 05:40): filled in 1 of 4 sheet"
        " versions (25%)",
        f"gender, layout live-2025, run {LATEST} (11-23 05:40): filled in 3 of 3 sheet versions"
        " (100%)",
    ]
    for chart in adb.values():
        assert chart.attrs["role"] == "img" and chart.attrs["aria-label"]
        assert not chart.styled  # presentation attributes only
        assert chart.tags <= {"svg", "title", "line", "rect", "text"}
    # cdia checked nothing: no pass rates to draw, nothing quarantined, nothing measured.
    cdia = svg_charts(_section(page, "cdia"))
    assert list(cdia) == ["quarantine", "fill-rates"]
    assert not cdia["quarantine"].marks and not cdia["fill-rates"].marks
    assert "No sheet quarantined in these runs." in cdia["quarantine"].texts


def test_the_charts_text_stays_escaped(report: tuple[Settings, str]) -> None:
    _, page = report
    start = page.index("<svg")
    drawn = page[start : page.rindex("</svg>")]
    assert LAYOUT_PAYLOAD not in drawn
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in drawn
    assert " style=" not in drawn


RUNS = [charts.Run("r1", "11-21 05:00"), charts.Run("r2", "11-22 05:00")]


def test_pass_rate_bars_stand_on_their_row_as_tall_as_the_share_passed() -> None:
    chart = charts.pass_rates(RUNS, [("a", [(3, 4), (4, 4)]), ("b", [None, (0, 2)])])
    (a1, a2, b2) = chart.marks
    assert a1.height == charts.SUITE_BAR * 3 / 4 and a2.height == charts.SUITE_BAR
    assert a1.y + a1.height == a2.y + a2.height  # one baseline per suite
    assert b2.height == 2 and b2.y + b2.height > a1.y + a1.height  # none passed: still shown
    assert (a1.fill, a2.fill, b2.fill) == (charts.FAILED, charts.PASSED, charts.FAILED)
    assert a1.x < a2.x and a2.x == b2.x  # a column per run, oldest first
    assert "\u2013" in [t.text for t in chart.texts]  # b did not run in r1


def test_quarantine_bars_stack_by_reason_to_the_runs_total() -> None:
    chart = charts.quarantined(RUNS, {"r1": {"x": 1}, "r2": {"x": 2, "y": 4}})
    r1 = [m for m in chart.marks if "run r1 " in m.title]
    r2 = sorted((m for m in chart.marks if "run r2 " in m.title), key=lambda m: m.y)
    assert len(r1) == 1 and len(r2) == 2
    assert sum(m.height for m in r2) == charts.PLOT_HEIGHT  # the tallest bar fills the plot
    assert r1[0].height == charts.PLOT_HEIGHT / 6
    assert r2[0].y + r2[0].height == r2[1].y  # stacked, not overlapping
    assert r1[0].y + r1[0].height == r2[1].y + r2[1].height  # one baseline
    # A colour per reason, the most frequent (y) first, at the bottom of the stack and the legend.
    assert r2[1].title.endswith("reason y") and r2[1].fill == charts.REASON_COLOURS[0]
    assert {m.fill for m in chart.marks if m.title.endswith("reason x")} == {
        charts.REASON_COLOURS[1]
    }
    assert [k.fill for k in chart.keys] == list(charts.REASON_COLOURS[:2])
    assert "y (4 sheets)" in [t.text for t in chart.texts]


def test_fill_rate_cells_line_up_by_run_within_each_layout() -> None:
    rates = {
        "r1": [FillRate("f", 4, 4, "old"), FillRate("f", 10, 10, None), FillRate("g", 4, 0, "old")],
        "r2": [FillRate("f", 200, 1, "old"), FillRate("f", 200, 199, "new")],
    }
    chart = charts.fill_rates(RUNS, ["g", "f", "h"], rates)
    cells = {m.title.split(" (")[0]: m for m in chart.marks}
    assert len(chart.marks) == 4  # by layout only, none for a run without sheets of a layout
    old_f1, old_f2 = cells["f, layout old, run r1"], cells["f, layout old, run r2"]
    new_f2, old_g1 = cells["f, layout new, run r2"], cells["g, layout old, run r1"]
    assert old_f1.y == old_f2.y == new_f2.y and old_g1.y < old_f1.y  # a row per field, in order
    assert old_f1.x < old_f2.x and new_f2.x < old_f1.x  # layouts by name, runs in order
    shades = [colour for colour, _ in charts.FILL_SHADES]
    assert [old_f1.fill, old_f2.fill, new_f2.fill, old_g1.fill] == [
        shades[-1],  # all
        shades[1],  # 1 of 200: some, shown as 0% but not as none
        shades[4],  # 199 of 200: not all
        shades[0],  # none
    ]
    assert "filled in 1 of 200 sheet versions (0%)" in old_f2.title
    assert "h" not in [t.text for t in chart.texts]  # a field never measured has no row


def test_hostile_names_in_a_chart_are_text() -> None:
    chart_macro = _environment().get_template("charts.html.j2").module.chart
    hostile = [
        charts.pass_rates(RUNS, [(PAYLOAD, [(1, 1), (1, 2)])]),
        charts.quarantined(RUNS, {"r1": {ATTRIBUTE_PAYLOAD: 1}}),
        charts.fill_rates(RUNS, [PAYLOAD], {"r2": [FillRate(PAYLOAD, 2, 1, ATTRIBUTE_PAYLOAD)]}),
    ]
    drawn = "".join(str(chart_macro(chart)) for chart in hostile)
    assert PAYLOAD not in drawn and ATTRIBUTE_PAYLOAD not in drawn
    assert ESCAPED in drawn
    parsed = svg_charts(drawn)
    assert len(parsed) == 3
    for chart in parsed.values():
        assert chart.tags <= {"svg", "title", "line", "rect", "text"}
        assert all(not name.startswith("on") for attrs, _ in chart.marks for name in attrs)
    assert any(ATTRIBUTE_PAYLOAD in title for title in _titles(parsed["quarantine"]))


# --- the reconciliation of the data sheets with IATI --------------------------------------------


def _reconciled(settings: Settings) -> None:
    """The two reconciliation marts as a marts build leaves them, a title hostile."""
    engine = sa.create_engine(settings.warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create schema if not exists marts"))
        conn.execute(
            sa.text(
                "create table marts.reconciliation_summary (country text, field text,"
                " projects_in_both_sources int, agree int, within_tolerance int, differ int,"
                " only_pds int, only_iati int)"
            )
        )
        conn.execute(
            sa.text(
                "insert into marts.reconciliation_summary values"
                " ('Viet Nam', 'title', 3, 1, 1, 1, 0, 2),"
                " ('Philippines', 'title', 1, 0, 0, 1, 1, 0),"
                " ('Philippines', 'adb_amount', 2, 2, 0, 0, 0, 0)"
            )
        )
        conn.execute(
            sa.text(
                "create table marts.reconciliation_pds_iati (project_number text, country text,"
                " field text, pds_value text, iati_value text, difference numeric, verdict text,"
                " iati_identifiers text)"
            )
        )
        conn.execute(
            sa.text(
                "insert into marts.reconciliation_pds_iati values"
                " ('55343-001', 'Viet Nam', 'title', 'Roads', :payload, null, 'differ', 'XM-1'),"
                " ('40000-001', 'Philippines', 'title', 'A', 'B', null, 'differ', 'XM-2'),"
                " ('40000-002', 'Philippines', 'adb_amount', '1.00', '1.00', 0, 'agree', 'XM-3')"
            ),
            {"payload": PAYLOAD},
        )
    engine.dispose()


def test_the_report_and_summary_show_the_reconciliation_escaped(tmp_path: Path) -> None:
    settings = build_sample_warehouse(tmp_path)
    engine = sa.create_engine(settings.warehouse_url)
    try:
        before = write_dq_report(engine, settings).read_text(encoding="utf-8")
        assert "Data sheets against IATI" not in before  # no marts built: no section
        _reconciled(settings)
        page = write_dq_report(engine, settings).read_text(encoding="utf-8")
        text = summary(engine, settings)
    finally:
        engine.dispose()
    section = page.split("id='reconciliation'")[1].split("<h2")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
    # by field over countries: title agrees 1, within 1, differs 2, only data sheet 1, only IATI 2
    assert cells[:7] == ["adb_amount", "2", "0", "0", "0", "0", "100 %"]
    assert cells[7:14] == ["title", "1", "1", "2", "1", "2", "50 %"]
    # the differing values, hostile text inert
    assert ESCAPED in section and PAYLOAD not in page
    assert "40000-001" in section and "40000-002" not in section
    assert (
        "  reconciliation (data sheets against IATI): 9 project fields compared, 3 agree,"
        " 1 within tolerance, 2 differ, 3 in one source only"
    ) in text.splitlines()

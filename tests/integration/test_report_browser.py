"""The data-quality report as a person sees it: rendered by headless Chromium (Debian's), and its
trend charts after several runs of the pipeline, read back against the ledger."""

from __future__ import annotations

import dataclasses
import re
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest, publish_report
from devfin.report import charts, write_dq_report
from devfin.samples import write_corpus
from devfin.settings import Settings, load_settings
from tests.devtools import CHROMIUM, HEADLESS
from tests.unit.test_report import (
    ESCAPED,
    FAILING,
    PASSING,
    PAYLOAD,
    build_sample_warehouse,
    drawn_charts,
    svg_charts,
)

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
# What Chromium logs (with --enable-logging=stderr) when a page's policy blocks something.
POLICY_VIOLATION = "Content Security Policy"
# Three runs of adb_pds on corpora of their own: (seed, defect rate), so quarantines differ.
TREND_RUNS = {"trend-1": (11, 0.5), "trend-2": (12, 0.0), "trend-3": (13, 0.9)}
SHEETS_PER_RUN = 8


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = build_sample_warehouse(tmp_path_factory.mktemp("report"))
    engine = sa.create_engine(settings.warehouse_url)
    try:
        return write_dq_report(engine, settings)
    finally:
        engine.dispose()


def _chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (installs Debian's chromium)")
    command = [
        str(CHROMIUM),
        *HEADLESS,
        # The page's console on stderr: what its Content-Security-Policy blocked, among others.
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done


def policy_violations(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What the page's policy blocked, as Chromium logged it."""
    return [line for line in done.stderr.splitlines() if POLICY_VIOLATION in line]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_the_rendered_page_shows_the_failing_checks_first(report: Path, tmp_path: Path) -> None:
    done = _chromium(tmp_path / "profile", "--dump-dom", report.as_uri())
    dom = done.stdout
    assert "Failed checks of this run" in dom
    assert FAILING in dom
    assert dom.index(FAILING) < dom.index(PASSING)
    assert "Pass rates over the last 2 runs" in dom
    # The scraped script tag is text on the page, not an element the browser made.
    assert ESCAPED in dom and PAYLOAD not in dom
    elements = _Elements()
    elements.feed(dom)
    assert "table" in elements.tags
    assert {"script", "img", "iframe"}.isdisjoint(elements.tags)
    # The charts are drawn, and the policy blocked nothing: they need no script, no image and
    # no style attribute.
    kinds = [chart.attrs["data-chart"] for chart in drawn_charts(dom)]
    assert kinds == ["pass-rates", "quarantine", "fill-rates", "quarantine", "fill-rates"]
    assert policy_violations(done) == []


def test_a_screenshot_of_the_report(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _chromium(
        tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri()
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    assert len(data) > 30_000  # a blank page of that size compresses to a few kilobytes


# --- the trend charts after several runs -------------------------------------------------------


@pytest.fixture(scope="module")
def trend_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """Three runs of adb_pds, each on a corpus of its own with its own share of defects, then
    the report."""
    root = tmp_path_factory.mktemp("trends")
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
    )
    for load_id, (seed, defect_rate) in TREND_RUNS.items():
        corpus = root / "corpora" / load_id
        write_corpus(
            corpus, SHEETS_PER_RUN, seed, page_format="mixed", defect_rate=defect_rate,
            sources=("adb_pds",),
        )  # fmt: skip
        ingest("adb_pds", load_id, dataclasses.replace(settings, sample_dir=corpus))
    return settings, Path(publish_report(settings))


def _ledger(settings: Settings, sql: str) -> list[sa.Row]:
    engine = sa.create_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


def _parsed(titles: list[str], pattern: str) -> list[dict[str, str]]:
    """Each mark's title read by `pattern` (every title must match)."""
    found = [re.fullmatch(pattern, title) for title in titles]
    assert all(found), [t for t, m in zip(titles, found, strict=True) if not m]
    return [m.groupdict() for m in found if m]


def test_the_charts_of_three_runs_draw_the_ledger(trend_runs) -> None:
    settings, path = trend_runs
    drawn = svg_charts(path.read_text(encoding="utf-8"))
    assert list(drawn) == ["pass-rates", "quarantine", "fill-rates"]
    runs = list(TREND_RUNS)

    # Pass rates: a bar per suite and run, its title the passed and run checks of the ledger.
    ledger = {
        (suite, load_id): (int(passed), ran)
        for suite, load_id, passed, ran in _ledger(
            settings,
            "select suite, load_id, sum(case when success then 1 else 0 end), count(*)"
            " from audit.dq_results where suite != 'fill_rates' group by suite, load_id",
        )
    }
    bars = _parsed(
        [title for _, title in drawn["pass-rates"].marks],
        r"(?P<suite>\S+), run (?P<run>\S+) \([^)]*\): (?P<passed>\d+) of (?P<ran>\d+) checks"
        r" passed \((?P<percent>\d+)%\)",
    )
    assert {(b["suite"], b["run"]): (int(b["passed"]), int(b["ran"])) for b in bars} == ledger
    assert len(bars) == len(ledger) and {b["run"] for b in bars} == set(runs)
    for bar in bars:
        assert int(bar["percent"]) == 100 * int(bar["passed"]) // int(bar["ran"])

    # Quarantine: a bar segment per run and reason, as many sheets as the ledger holds.
    held = {
        (load_id, reason): count
        for load_id, reason, count in _ledger(
            settings,
            "select load_id, reason_code, count(*) from audit.quarantine"
            " group by load_id, reason_code",
        )
    }
    segments = _parsed(
        [title for _, title in drawn["quarantine"].marks],
        r"run (?P<run>\S+) \([^)]*\): (?P<count>\d+) sheets? quarantined, reason (?P<reason>.+)",
    )
    assert {(s["run"], s["reason"]): int(s["count"]) for s in segments} == held
    totals = {run: sum(c for (r, _), c in held.items() if r == run) for run in runs}
    assert len(set(totals.values())) > 1, totals  # the runs quarantined differently
    counted = dict(
        _ledger(settings, "select load_id, sheets_quarantined from audit.load_runs")
    )  # fmt: skip
    assert totals == counted
    # Each run's bar is as tall as its share of the tallest; the totals are written over them.
    heights = {run: 0.0 for run in runs}
    for (attrs, _), segment in zip(drawn["quarantine"].marks, segments, strict=True):
        heights[segment["run"]] += float(attrs["height"] or 0)
    tallest = max(totals.values())
    for run in runs:
        assert heights[run] == pytest.approx(charts.PLOT_HEIGHT * totals[run] / tallest, abs=0.5)
    assert [str(totals[run]) for run in runs] == [
        text for text in drawn["quarantine"].texts if text.isdigit()
    ][2:5]  # after the axis' 0 and its top

    # Fill rates: a cell per field, layout and run that measured it, filled as measured.
    measured = {
        (field, check.split("(layout ", 1)[1][:-1], load_id): (rows - empty, rows)
        for field, check, load_id, rows, empty in _ledger(
            settings,
            "select column_name, check_name, load_id, element_count, unexpected_count"
            " from audit.dq_results where suite = 'fill_rates'"
            " and check_name like '% (layout %)' and element_count > 0",
        )
    }
    cells = _parsed(
        [title for _, title in drawn["fill-rates"].marks],
        r"(?P<field>\S+), layout (?P<layout>\S+), run (?P<run>\S+) \([^)]*\): filled in"
        r" (?P<filled>\d+) of (?P<rows>\d+) sheet versions \(\d+%\)",
    )
    assert {
        (c["field"], c["layout"], c["run"]): (int(c["filled"]), int(c["rows"])) for c in cells
    } == measured
    assert len({c["layout"] for c in cells}) >= 2  # the mixed corpora hold several layouts


def test_the_charts_of_three_runs_render_within_the_policy(trend_runs, tmp_path: Path) -> None:
    _, path = trend_runs
    done = _chromium(tmp_path / "profile", "--dump-dom", path.as_uri())
    rendered, saved = svg_charts(done.stdout), svg_charts(path.read_text(encoding="utf-8"))
    assert list(rendered) == ["pass-rates", "quarantine", "fill-rates"]
    for kind, chart in saved.items():
        assert len(rendered[kind].marks) == len(chart.marks) > 0, kind
    assert policy_violations(done) == []
    elements = _Elements()
    elements.feed(done.stdout)
    assert "script" not in elements.tags

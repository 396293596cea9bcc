"""The data-quality report as a person sees it: rendered by headless Chromium (Debian's)."""

from __future__ import annotations

import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.report import write_dq_report
from tests.unit.test_report import ESCAPED, FAILING, PASSING, PAYLOAD, build_sample_warehouse

pytestmark = pytest.mark.integration
CHROMIUM = Path("/usr/bin/chromium")


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
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_the_rendered_page_shows_the_failing_checks_first(report: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path / "profile", "--dump-dom", report.as_uri()).stdout
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

"""Every page devfin publishes under reports/, opened in headless Chromium after a run of sheets
whose fields hold script: no script runs, the scraped text shows as text, each page carries its
Content-Security-Policy, and the policies alone stop script a renderer let through."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from devfin import csp
from devfin.pipeline import run_all
from devfin.quality import validation
from devfin.settings import load_settings
from tests.conftest import SEEDS, validate_tables
from tests.integration.test_report_browser import _chromium, policy_violations

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]

# Each marks the document (an attribute only script can set) before it raises a dialog.
MARK = "document.documentElement.dataset.pwned"
SCRIPT = f"<script>{MARK}='script';alert(1)</script>"
ATTRIBUTE = f'"><img src=x onerror="{MARK}=\'img\';alert(2)">'
SVG = f"<svg onload=\"{MARK}='svg';alert(3)\"></svg>"
ADB_NAME = (
    "Innovation-Driven Green Economic Diversification for Resource-Exhausted Cities in Heilongjiang"
)


class _Page(HTMLParser):
    """What a rendered page holds: the marks script left, its first head element, its text, its
    charts; and what its policy blocked."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[str] = []
        self.charts: list[str] = []
        self.violations: list[str] = []
        self.first_in_head: tuple[str, dict[str, str | None]] | None = None
        self._in_head = False
        self._skip = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "data-pwned" in values:
            self.marks.append(f"<{tag} data-pwned={values['data-pwned']}>")
        if tag == "svg" and values.get("data-chart"):
            self.charts.append(values["data-chart"] or "")
        if self._in_head and self.first_in_head is None:
            self.first_in_head = (tag, values)
        self._in_head = self._in_head or tag == "head"
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _rendered(url: str, profile: Path) -> _Page:
    # dbt's docs page draws itself from manifest.json and catalog.json, fetched after the load
    # event (which ends --dump-dom): virtual time lets that finish first, however big the project
    waits = ("--virtual-time-budget=20000",) if "/dbt/" in url else ()
    done = _chromium(profile, *waits, "--dump-dom", url)
    parsed = _Page()
    parsed.feed(done.stdout)
    parsed.violations = policy_violations(done)
    return parsed


def _policy(page: Path) -> str | None:
    """The Content-Security-Policy the saved file sets first in its head (before any script)."""
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8", errors="replace"))
    tag, attrs = parsed.first_in_head or ("", {})
    if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
        return attrs.get("content")
    return None


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports of one run of both sources on sheets holding script in checked fields."""
    root = tmp_path_factory.mktemp("hostile-pages")
    sheets = root / "sheets"
    for source, seed in SEEDS.items():
        (sheets / source).mkdir(parents=True)
        page = seed.read_text(encoding="utf-8")
        if source == "adb_pds":  # a status outside its set, a name holding markup
            page = page.replace("Project Status | Active |", f"Project Status | {SCRIPT} |")
            page = page.replace(ADB_NAME, f"{ADB_NAME} {ATTRIBUTE}")
        else:  # a country outside its set, a title holding markup
            page = page.replace("Country: China", f"Country: {SVG}")
            title = "\nChongqing Innovation and"
            page = page.replace(title, f"\n{SCRIPT}{title[1:]}")
        assert page != seed.read_text(encoding="utf-8")
        (sheets / source / seed.name).write_text(page, encoding="utf-8")
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
        sample_dir=sheets,
    )
    done = run_all("hostile-1", settings, ("adb_pds", "cdia"))
    assert all(c["sheets_loaded"] == 1 for c in done["sources"].values()), done
    return settings.report_dir


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(reports: Path) -> Iterator[str]:
    """The reports folder served over HTTP on 127.0.0.1, as a web server would publish it (the
    dbt docs' index.html reads its manifest over HTTP)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=reports))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_no_published_page_runs_scraped_script(reports: Path, served: str, tmp_path: Path) -> None:
    pages = sorted(reports.rglob("*.html"))
    kinds = {p.relative_to(reports).parts[1] if p.parent != reports / "dq" else "dq" for p in pages}
    assert {"dq", "runs", "gx", "dbt"} <= kinds, pages  # the report, its run pages, GX, dbt docs
    urls = [served + p.relative_to(reports).as_posix() for p in pages]
    profiles = [tmp_path / f"profile-{i}" for i in range(len(pages))]  # one browser each
    with ThreadPoolExecutor(2) as pool:
        rendered = dict(zip(pages, pool.map(_rendered, urls, profiles), strict=True))
    ran = {str(p.relative_to(reports)): r.marks for p, r in rendered.items() if r.marks}
    assert not ran, f"script ran on {ran}"

    missing = [str(p.relative_to(reports)) for p in pages if _policy(p) is None]
    assert not missing, f"no Content-Security-Policy first in the head of {missing}"
    for page in pages:
        policy = _policy(page) or ""
        if "/dbt/" in page.as_posix():
            assert (
                "script-src 'sha256-" in policy
                and "unsafe-inline" not in policy.split("script-src")[1]
            )
        else:
            assert "script-src" not in policy or "script-src 'none'" in policy, page

    # The report's pages draw their trend charts within their policy: it blocked nothing there.
    report_pages = [p for p in pages if p.parent in (reports / "dq", reports / "dq" / "runs")]
    assert len(report_pages) >= 2
    for page in report_pages:
        assert rendered[page].charts == ["pass-rates", "quarantine", "fill-rates"] * 2, page
        assert rendered[page].violations == [], page

    # The scraped text is on the pages as text: the report and GX's page of the failed checks.
    text = {p: "".join(r.text) for p, r in rendered.items()}
    report = text[reports / "dq" / "index.html"]
    gx_adb = next(t for p, t in text.items() if p.name == "devfin-adb_projects.html")
    gx_cdia = next(t for p, t in text.items() if p.name == "devfin-cdia_interventions.html")
    assert SCRIPT in report
    assert SCRIPT in gx_adb and ATTRIBUTE.strip('"> ') in gx_adb
    assert SVG in gx_cdia
    assert "&lt;" not in gx_adb + gx_cdia  # escaped once, not twice
    for name in ("index.html", "static_index.html"):  # dbt's own script still draws its docs
        assert "stg_adb_pds__projects" in text[reports / "dq" / "dbt" / name]


def test_the_policies_alone_stop_script(tmp_path: Path, monkeypatch) -> None:
    """Were a value let through unescaped, the page's policy would still keep it inert: GX's
    pages built without the escaping, and a script put into the published dbt docs."""
    monkeypatch.setattr(validation, "_escaped", lambda value: value)
    suites = {
        "t": {
            "name": "t",
            "expectations": [
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": "v", "value_set": ["ok"]},
                    "meta": {"check": "v in set", "severity": "warning"},
                }
            ],
        }
    }
    frame = pd.DataFrame({"sheet_id": ["a", "b"], "sheet_version": ["1", "1"], "v": [SCRIPT, SVG]})
    validate_tables({"t": frame}, suites, tmp_path / "gx", "r1")
    page = next((tmp_path / "gx" / "validations").rglob("*.html"))
    assert SCRIPT in page.read_text()  # unescaped: only the policy stands between
    assert _rendered(page.as_uri(), tmp_path / "profile").marks == []

    dbt_page = tmp_path / "dbt.html"
    dbt_page.write_text(
        "<!doctype html><html><head><script>document.title='dbt'</script></head>"
        f"<body><p>docs</p>{SCRIPT}</body></html>"
    )
    own = dbt_page.read_bytes().split(b"<body>")[0] + b"</html>"  # the page as dbt wrote it
    csp.set_policy(dbt_page, csp.dbt_docs_policy(own))
    rendered = _rendered(dbt_page.as_uri(), tmp_path / "profile")
    assert rendered.marks == []  # the script put in after dbt did not run
    assert "dbt" in "".join(rendered.text)  # dbt's own did: it set the title

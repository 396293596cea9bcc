"""Superset (`make bi`) on the warehouse of a pipeline run: every chart's data through its API,
every dashboard in headless Chromium, and the BI login refused beyond the marts."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
import yaml
from sqlalchemy.engine import make_url

from devfin.cli import main as devfin
from devfin.pipeline import run_all
from devfin.settings import load_settings
from tests.devtools import CHROMIUM, chromium

pytestmark = pytest.mark.integration

REPO_DIR = Path(__file__).resolve().parents[2]
BI_PYTHON = REPO_DIR / ".venv-bi" / "bin" / "python"
DASHBOARDS_DIR = REPO_DIR / "bi" / "dashboards"
ADMIN_PASSWORD = secrets.token_urlsafe(16)

# Every chart holder rendered: an ECharts canvas, a big number, or a table with rows.
RENDERED = """(() => {
  const charts = [...document.querySelectorAll('[data-test="chart-container"]')];
  const drawn = charts.filter(chart =>
    chart.querySelector('[_echarts_instance_] canvas, .header-line, table tbody tr')
    && !chart.querySelector('.loading, [data-test="loading-indicator"]'));
  return charts.length > 0 && drawn.length === charts.length ? charts.length : 0;
})()"""
ERRORS = """(() => [
  ...document.querySelectorAll('[role="alert"], .ant-alert-error, [data-test="error-message"]')
].map(element => element.innerText.trim()).concat(
  document.body.innerText.includes('Unexpected error') ? ['Unexpected error'] : []))()"""
# Logs in through Superset's own login form, so the tab holds a session cookie.
LOGIN = """(async () => {
  const body = new URLSearchParams({username: 'admin', password: %s,
    csrf_token: document.getElementById('csrf_token').value});
  const response = await fetch('/login/', {method: 'POST', body, credentials: 'same-origin'});
  return response.url;
})()"""


def _dashboard_files() -> dict[str, dict[str, Any]]:
    """slug -> dashboard YAML, as kept in bi/dashboards/."""
    dashboards = (yaml.safe_load(p.read_text()) for p in DASHBOARDS_DIR.glob("dashboards/*.yaml"))
    return {dashboard["slug"]: dashboard for dashboard in dashboards}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def duckdb_warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bundled sample sheets through the whole pipeline into a DuckDB file (its URL)."""
    root = tmp_path_factory.mktemp("bi_duckdb")
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
    )
    run_all("bi-1", settings, ("adb_pds", "cdia"))
    return settings.warehouse_url


@dataclasses.dataclass(frozen=True)
class Superset:
    url: str
    home: Path


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory, duckdb_warehouse: str) -> Iterator[Superset]:
    """Superset from .venv-bi as `make bi` starts it, on a free port and a throwaway home;
    stopped after the module, leaving nothing running."""
    if not BI_PYTHON.exists():
        pytest.fail(f"{BI_PYTHON} is missing: run `make bi-install` (make test does)")
    home = tmp_path_factory.mktemp("superset_home")
    port = _free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "VIRTUAL_ENV") and not name.startswith("SUPERSET_")
    }
    log = (home / "serve.log").open("w")
    server = subprocess.Popen(
        [
            *(str(BI_PYTHON), str(REPO_DIR / "bi" / "setup.py"), "--home", str(home)),
            *("--warehouse-url", duckdb_warehouse, "--port", str(port)),
        ],
        env={**environment, "BI_ADMIN_PASSWORD": ADMIN_PASSWORD},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: gunicorn's workers stop with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert server.poll() is None, (home / "serve.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "Superset did not answer within 10 minutes"
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        yield Superset(url, home)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    assert not _listening(port), f"Superset still listens on {port} after it was stopped"


@contextmanager
def _api(superset: Superset) -> Iterator[httpx.Client]:
    """A client of Superset's REST API, logged in as the admin (JWT, and the CSRF token that
    writes need)."""
    with httpx.Client(base_url=superset.url, timeout=120) as client:
        login = client.post(
            "/api/v1/security/login",
            json={"username": "admin", "password": ADMIN_PASSWORD, "provider": "db"},
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = client.get("/api/v1/security/csrf_token/")
        client.headers["X-CSRFToken"] = csrf.json()["result"]
        client.headers["Referer"] = superset.url
        yield client


def test_every_chart_of_every_dashboard_returns_rows(superset: Superset) -> None:
    with _api(superset) as api:
        dashboards = api.get("/api/v1/dashboard/").json()["result"]
        assert {dashboard["slug"] for dashboard in dashboards} == set(_dashboard_files())
        seen = 0
        for dashboard in dashboards:
            charts = api.get(f"/api/v1/dashboard/{dashboard['id']}/charts").json()["result"]
            expected = _dashboard_files()[dashboard["slug"]]["position"]
            assert len(charts) == sum(1 for key in expected if key.startswith("CHART-"))
            for chart in charts:
                answer = api.get(f"/api/v1/chart/{chart['id']}/data/")
                name = f"{dashboard['slug']}: {chart['slice_name']}"
                assert answer.status_code == 200, f"{name}: {answer.text[:500]}"
                results = answer.json()["result"]
                assert results and all(result["rowcount"] > 0 for result in results), name
                assert all(result["data"] for result in results), name
                seen += 1
    assert seen == len(list(DASHBOARDS_DIR.glob("charts/*.yaml")))


async def _render(superset: Superset, slug: str, profile: Path, shot: Path) -> dict[str, Any]:
    async with chromium(profile, height=1600) as page:
        await page.goto(f"{superset.url}/login/")
        landed = await page.evaluate(LOGIN % json.dumps(ADMIN_PASSWORD))
        assert "/login" not in urlsplit(landed).path, "the login form refused the admin"
        page.requests.clear()
        await page.goto(f"{superset.url}/superset/dashboard/{slug}/")
        rendered = await page.wait_for(RENDERED, timeout=120)
        await asyncio.sleep(1)  # the last chart's animation, for the screenshot
        await page.screenshot(shot)
        data = [
            (request_id, page.responses.get(request_id))
            for request_id, request in page.requests.items()
            if urlsplit(request["url"]).path.startswith("/api/v1/chart/data")
        ]
        outside = {
            request["url"]: page.failures.get(request_id)
            for request_id, request in page.requests.items()
            if urlsplit(request["url"]).hostname not in (None, "127.0.0.1")
            and not request["url"].startswith(("data:", "blob:"))
        }
        return {
            "rendered": rendered,
            "errors": await page.evaluate(ERRORS),
            "exceptions": page.exceptions,
            "chart_data_statuses": [status for _, status in data],
            "outside": outside,
            "title": await page.evaluate("document.title"),
        }


@pytest.mark.parametrize("slug", sorted(_dashboard_files()))
def test_each_dashboard_renders_in_chromium(superset: Superset, slug: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (installs Debian's chromium)")
    dashboard = _dashboard_files()[slug]
    charts = sum(1 for key in dashboard["position"] if key.startswith("CHART-"))
    shot = tmp_path / f"{slug}.png"
    page = asyncio.run(_render(superset, slug, tmp_path / "profile", shot))

    assert page["title"] == dashboard["dashboard_title"]
    assert page["errors"] == []
    assert page["rendered"] == charts, f"{page['rendered']} of {charts} charts drawn"
    assert page["exceptions"] == []
    assert page["chart_data_statuses"] == [200] * charts
    # Offline: whatever the page asks of another host (Superset's telemetry pixel), the CSP
    # blocks before it leaves the browser.
    assert all(reason == "csp" for reason in page["outside"].values()), page["outside"]
    assert shot.stat().st_size > 50_000  # a blank page of that size is a few kilobytes


@pytest.fixture(scope="module")
def bi_login(postgres_url: str, seed_samples: Path, tmp_path_factory: pytest.TempPathFactory):
    """The seed sheets through the pipeline into a throwaway PostgreSQL database, then
    `devfin warehouse bi-access`: the read roles and a BI login of this test (dropped after)."""
    root = tmp_path_factory.mktemp("bi_postgres")
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=postgres_url,
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
        sample_dir=seed_samples,
    )
    run_all("bi-pg-1", settings, ("adb_pds", "cdia"))
    login, password = f"devfin_bi_test_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DEVFIN_BI_LOGIN", login)
        environment.setenv("DEVFIN_BI_PASSWORD", password)
        assert devfin(["warehouse", "bi-access", "--warehouse", postgres_url]) == 0
    url = make_url(postgres_url)
    try:
        yield {"url": url.set(username=login, password=password), "login": login}
    finally:
        admin = f"host={url.host} port={url.port or 5432} user={url.username} dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s",
                (login,),
            )
            conn.execute(f"drop role if exists {login}")


def _as_bi_login(bi_login: dict[str, Any], sql: str) -> str | int:
    url = bi_login["url"]
    with psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        dbname=url.database,
    ) as conn:  # fmt: skip
        try:
            return len(conn.execute(sql).fetchall())
        except psycopg.errors.InsufficientPrivilege as error:
            return f"refused: {error.sqlstate}"


@pytest.mark.parametrize(
    "sql",
    [
        "select * from staging.adb_projects",
        "select * from raw.fetches",
        "select * from audit.quarantine",
    ],
)
def test_the_bi_login_is_refused_beyond_the_marts(bi_login: dict[str, Any], sql: str) -> None:
    assert _as_bi_login(bi_login, sql) == "refused: 42501"


def test_the_bi_login_reads_the_marts(bi_login: dict[str, Any]) -> None:
    """The seed sheets make one project; the scorecard and the quarantine list are views on
    audit, which the login cannot read: they answer with their owner's rights."""
    assert _as_bi_login(bi_login, "select * from marts.projects") == 1
    assert _as_bi_login(bi_login, "select * from marts.data_quality_scorecard") > 0
    assert _as_bi_login(bi_login, "select * from marts.quarantined_sheets") == 0


def test_superset_on_the_bi_login_reads_marts_only(
    superset: Superset, bi_login: dict[str, Any]
) -> None:
    """The same refusal through Superset: the warehouse registered as the BI login, then SQL
    Lab asked for staging, raw and a mart."""
    url = bi_login["url"].set(drivername="postgresql+psycopg2")
    with _api(superset) as api:
        created = api.post(
            "/api/v1/database/",
            json={
                "database_name": f"devfin warehouse as {bi_login['login']}",
                "sqlalchemy_uri": url.render_as_string(hide_password=False),
                "expose_in_sqllab": True,
            },
        )
        assert created.status_code == 201, created.text
        database = created.json()["id"]

        def run(sql: str) -> httpx.Response:
            return api.post(
                "/api/v1/sqllab/execute/",
                json={"database_id": database, "sql": sql, "runAsync": False, "schema": "marts"},
            )

        marts = run("select project_number from marts.projects")
        assert marts.status_code == 200, marts.text
        assert len(marts.json()["data"]) == 1
        for sql in ("select * from staging.adb_projects", "select * from raw.fetches"):
            refused = run(sql)
            assert refused.status_code >= 400, sql
            assert "permission denied" in refused.text, refused.text[:500]

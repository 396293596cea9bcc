"""`make ui`: after the DAGs ran as `make run` runs them, the supervisor `make ui` starts serves the
Airflow UI on a free port over the same SQLite metadata; a run triggered through the UI's API runs
(LocalExecutor); headless Chromium, logged in with the password the supervisor printed, shows
every DAG and its latest run's state; Ctrl-C (SIGINT) stops every process it started."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psutil
import pytest
import sqlalchemy as sa

from devfin.airflow_run import DAGS
from tests.airflow_cluster import free_port
from tests.devtools import chromium
from tests.made_run import MadeRun

pytestmark = pytest.mark.integration
TRIGGERED = "ingest_cdia"  # nothing new to load then: its run is short
READY_TIMEOUT = 300
RUN_TIMEOUT = 300
FINISHED = {"success", "failed"}


@dataclass
class UI:
    url: str
    user: str
    password: str
    env: dict[str, str]
    supervisor: subprocess.Popen[str]
    output: list[str]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call to Airflow's REST API (what the UI's buttons call), logged in."""
        request = urllib.request.Request(
            f"{self.url}api/v2/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token(self)}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def runs(self, dag_id: str) -> list[tuple[str, str]]:
        """The DAG's runs in the metadata database, newest first: (run id, state)."""
        engine = sa.create_engine(self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        try:
            with engine.connect() as conn:
                return [
                    (run_id, state)
                    for run_id, state in conn.execute(
                        sa.text(
                            "select run_id, state from dag_run where dag_id = :dag_id"
                            " order by run_after desc"
                        ),
                        {"dag_id": dag_id},
                    )
                ]
        finally:
            engine.dispose()


def token(ui: UI) -> str:
    """A JWT for the user, from the login the supervisor printed."""
    request = urllib.request.Request(
        f"{ui.url}auth/token",
        data=json.dumps({"username": ui.user, "password": ui.password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


@pytest.fixture(scope="module")
def home(made_run: MadeRun) -> dict[str, str]:
    """The session's embedded run (tests/made_run.py): the three DAGs run as `make run` runs
    them, on SQLite metadata under an Airflow home of its own (the modules before this one may
    have run the marts DAG again there: the latest runs are whatever the metadata holds)."""
    return {
        **made_run.env,
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "180",
    }


@pytest.fixture(scope="module")
def ui(home: dict[str, str]) -> Iterator[UI]:
    """The supervisor `make ui` runs, on a free port; stopped by SIGINT (as Ctrl-C stops it) in
    the test that checks nothing is left, or here should a test fail before."""
    port = free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "devfin.ui", "--port", str(port), "--airflow-home",
         home["AIRFLOW_HOME"]],
        env=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # not in pytest's group: the test signals it alone
    )  # fmt: skip
    output: list[str] = []
    try:
        login = _wait_for_login(supervisor, output)
        yield UI(f"http://127.0.0.1:{port}/", *login, home, supervisor, output)
    finally:
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGINT)
            try:
                supervisor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(supervisor.pid, signal.SIGKILL)


def _wait_for_login(supervisor: subprocess.Popen[str], output: list[str]) -> tuple[str, str]:
    """The user and password the supervisor prints once the servers are healthy."""
    assert supervisor.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT
    for line in supervisor.stdout:
        output.append(line)
        if found := re.search(r"log in as (\S+), password (\S+)", line):
            return found[1], found[2]
        assert time.monotonic() < deadline, "".join(output)
    pytest.fail(f"the supervisor exited ({supervisor.wait()}):\n{''.join(output)}")


def test_a_run_triggered_through_the_ui_runs(ui: UI) -> None:
    """What the UI's toggle and trigger button do: unpause the DAG, post a run; the scheduler's
    LocalExecutor runs it over the SQLite metadata."""
    ui.api("PATCH", f"dags/{TRIGGERED}", {"is_paused": False})
    run_id = ui.api("POST", f"dags/{TRIGGERED}/dagRuns", {"logical_date": None})["dag_run_id"]
    deadline = time.monotonic() + RUN_TIMEOUT
    while (state := dict(ui.runs(TRIGGERED)).get(run_id)) not in FINISHED:
        assert time.monotonic() < deadline, f"{run_id} still {state} after {RUN_TIMEOUT}s"
        assert ui.supervisor.poll() is None, "".join(ui.output)
        time.sleep(3)
    tasks = ui.api("GET", f"dags/{TRIGGERED}/dagRuns/{run_id}/taskInstances")["task_instances"]
    states = {t["task_id"]: t["state"] for t in tasks}
    assert state == "success", states
    assert states["load"] == "success" and states["announce_staging"] == "skipped"
    # Unpausing made the scheduler start the day's scheduled run too: let it end.
    while any(state not in FINISHED for _, state in ui.runs(TRIGGERED)):
        assert time.monotonic() < deadline, ui.runs(TRIGGERED)
        time.sleep(3)


class _LatestRuns(HTMLParser):
    """Each run a rendered page links to (`/dags/<dag>/runs/<run>`) with the state badge inside
    the link (`data-testid="state-badge"`, its state as `aria-label`): the first of each DAG."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, tuple[str, str]] = {}  # dag id: (run id, state)
        self._link: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = values.get("href") or ""
        if tag == "a" and (found := re.fullmatch(r"/dags/([^/]+)/runs/([^/]+)", href)):
            self._link = (found[1], urllib.parse.unquote(found[2]))
        elif self._link and values.get("data-testid") == "state-badge":
            dag_id, run_id = self._link
            self.runs.setdefault(dag_id, (run_id, values.get("aria-label") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._link = None


async def _dags_page(ui: UI, profile: Path, shot: Path) -> _LatestRuns:
    """The DAGs page as headless Chromium renders it, logged in with the printed password (the
    cookie the login page sets), once it shows every DAG's latest run; its screenshot."""
    async with chromium(profile, width=1400, height=900) as page:
        await page.send("Network.setCookie", name="_token", value=token(ui), url=ui.url)
        await page.goto(f"{ui.url}dags")
        deadline = time.monotonic() + 90
        while True:  # the page fills in each DAG's latest run as its request answers
            runs = _LatestRuns()
            runs.feed(await page.evaluate("document.documentElement.outerHTML"))
            if set(runs.runs) >= set(DAGS) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        await page.screenshot(shot)
        return runs


def test_the_dags_page_shows_the_dags_and_their_latest_runs(ui: UI, tmp_path: Path) -> None:
    shot = tmp_path / "airflow-ui.png"
    page = asyncio.run(_dags_page(ui, tmp_path / "profile", shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1400, 900)
    # Each DAG's latest run as the metadata database has it: its id and its state.
    assert page.runs == {dag_id: ui.runs(dag_id)[0] for dag_id in DAGS}
    assert {state for _, state in page.runs.values()} <= FINISHED


def test_ctrl_c_stops_every_process(ui: UI) -> None:
    started = psutil.Process(ui.supervisor.pid).children(recursive=True)
    assert len(started) >= 3  # the api-server, scheduler and dag-processor, and theirs
    ui.supervisor.send_signal(signal.SIGINT)
    assert ui.supervisor.wait(timeout=60) == 0
    assert ui.supervisor.stdout is not None
    rest = ui.supervisor.stdout.read()
    assert "stopped." in rest, rest
    left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [p.cmdline() for p in left]
    with pytest.raises(OSError):  # nothing listens on the port any more
        urllib.request.urlopen(ui.url, timeout=5)

"""Two runs at once on one DuckDB warehouse take turns instead of failing on DuckDB's file lock,
and the folders a killed run left behind go with the next run."""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import socket
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from devfin.settings import Settings, load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
ROUNDS = 10
# Each process's step in each round, started together: both loading (their fetches and loads
# want the file at the same moments), and once a dbt build while the other source loads (the
# failure of issue 19).
PLANS = {
    "adb_pds": ["ingest"] + ["marts"] + ["ingest"] * (ROUNDS - 2),
    "cdia": ["ingest"] * ROUNDS,
}


def _writer(
    source: str,
    settings: Settings,
    steps: list[str],
    barrier: Any,
    results: Any,
    log_path: str,
) -> None:
    """One process writing the warehouse: each round, wait for the other, then run the step."""
    from devfin.pipeline import build_marts, ingest

    handler = logging.FileHandler(log_path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logging.getLogger("devfin").addHandler(handler)
    logging.getLogger("devfin").setLevel(logging.INFO)
    for number, step in enumerate(steps):
        barrier.wait(timeout=120)
        load_id = f"round-{number}"
        try:
            if step == "marts":
                build_marts(load_id, settings)
            else:
                ingest(source, load_id, settings)
            results.put((source, number, step, None))
        except Exception:  # reported to the test, which fails naming it
            results.put((source, number, step, traceback.format_exc()))


def _dead_pid() -> int:
    """The PID of a process that has ended (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _left_behind(folder: Path, pid: int) -> Path:
    folder.mkdir(parents=True)
    owner = {"pid": pid, "host": socket.gethostname(), "started": None}
    (folder / ".owner").write_text(json.dumps(owner))
    (folder / "adb_projects.parquet").write_bytes(b"partial")
    return folder


@pytest.fixture(scope="module")
def concurrent_runs(tmp_path_factory: pytest.TempPathFactory, seed_samples: Path):
    root = tmp_path_factory.mktemp("concurrent")
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'w.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        report_dir=root / "reports",
        sample_dir=seed_samples,
        parse_workers=1,
        warehouse_lock_timeout_seconds=120.0,
    )
    dead = _dead_pid()
    stale = [
        _left_behind(settings.run_dir("adb_pds", "killed") / "load-spool", dead),
        _left_behind(settings.data_dir / "tmp" / f"dbt-{dead}-killed", dead),
    ]
    live = _left_behind(settings.data_dir / "tmp" / f"dbt-{os.getpid()}-live", os.getpid())
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(PLANS)), context.Queue()
    logs = {source: root / f"{source}.log" for source in PLANS}
    workers = [
        context.Process(
            target=_writer,
            args=(source, settings, steps, barrier, results, str(logs[source])),
        )
        for source, steps in PLANS.items()
    ]
    for worker in workers:
        worker.start()
    try:
        outcomes = [results.get(timeout=180) for _ in range(sum(map(len, PLANS.values())))]
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
    return {
        "settings": settings,
        "outcomes": outcomes,
        "logs": {source: path.read_text() for source, path in logs.items()},
        "stale": stale,
        "live": live,
    }


def test_both_runs_always_succeed(concurrent_runs) -> None:
    failures = [
        f"{source} round {number} ({step}):\n{error}"
        for source, number, step, error in concurrent_runs["outcomes"]
        if error
    ]
    assert not failures, "\n".join(failures)
    assert len(concurrent_runs["outcomes"]) == sum(map(len, PLANS.values()))


def test_every_load_is_recorded(concurrent_runs) -> None:
    engine = sa.create_engine(concurrent_runs["settings"].warehouse_url)
    try:
        with engine.connect() as conn:
            counts = conn.execute(
                sa.text("select source, count(*) from audit.load_runs group by 1")
            )
            runs = {source: count for source, count in counts}
            marts = conn.execute(sa.text("select count(*) from marts.projects")).scalar_one()
    finally:
        engine.dispose()
    assert runs == {source: steps.count("ingest") for source, steps in PLANS.items()}
    assert marts >= 1


def test_the_runs_waited_for_each_other(concurrent_runs) -> None:
    """The runs did meet on the warehouse (so the test tests something), and the one waiting
    said who held it."""
    waits = [
        line
        for text in concurrent_runs["logs"].values()
        for line in text.splitlines()
        if "waiting for the DuckDB warehouse" in line
    ]
    assert waits
    assert all("held by PID" in line or "not yet written" in line for line in waits)


def test_a_killed_runs_folders_go_and_a_live_ones_stay(concurrent_runs) -> None:
    for folder in concurrent_runs["stale"]:
        assert not folder.exists(), folder
    assert concurrent_runs["live"].exists()
    scratch = concurrent_runs["settings"].data_dir / "tmp"
    assert sorted(p.name for p in scratch.iterdir()) == [concurrent_runs["live"].name]

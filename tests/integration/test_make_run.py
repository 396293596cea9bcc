"""`make run`'s runner (`devfin airflow-run`, the command the Makefile's run target calls) on the
bundled samples in a throwaway Airflow home and warehouse: under 60 lines, a line per task and
per DAG, Airflow's output in a file per DAG without the warnings silenced at their source; then
a task that fails: its log tail is printed and the command exits non-zero."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devfin.airflow_run import DAGS, read_run, sqlite_path, throwaway_env
from tests.integration.test_airflow_run import BREAKABLE_TEST, BROKEN_MART, _airflow

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
DEVFIN = str(Path(sys.executable).with_name("devfin"))


def _airflow_run(home: dict, *dags: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`devfin airflow-run` as the Makefile runs it; stdout and stderr are what a person sees."""
    command = [DEVFIN, "airflow-run", "--metadata", home["metadata_url"],
               "--log-dir", str(home["logs"]), *dags]  # fmt: skip
    return subprocess.run(
        command, env={**home["env"], **env}, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A throwaway Airflow home (metadata migrated, the pools made, as `make airflow-init`)."""
    root = tmp_path_factory.mktemp("make_run")
    env = {**os.environ, **throwaway_env(root, REPO_DIR, REPO_DIR / "include" / "sample_data")}
    _airflow(env, "db", "migrate")
    for pool in ("devfin_http", "devfin_duckdb"):
        _airflow(env, "pools", "set", pool, "1", pool)
    url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    return {"env": env, "metadata_url": url, "logs": root / "airflow" / "logs"}


@pytest.fixture(scope="module")
def made(home: dict) -> subprocess.CompletedProcess[str]:
    return _airflow_run(home)


def test_make_run_prints_under_60_lines_a_line_per_task(home, made) -> None:
    printed = made.stdout + made.stderr
    assert made.returncode == 0, printed
    lines = printed.splitlines()
    assert len(lines) < 60, printed
    metadata = sqlite_path(home["metadata_url"])
    for dag_id in DAGS:
        log = home["logs"] / f"make-run-{dag_id}.log"
        start = lines.index(f"{dag_id}: airflow dags test, its log in {log}")
        end = next(n for n, line in enumerate(lines) if line.startswith(f"{dag_id}: success in "))
        run_id, state, _, tasks = read_run(metadata, dag_id)
        assert state == "success"
        for task in tasks:
            if task.state == "skipped":  # named in the DAG's line
                assert task.name in lines[end], task.name
                continue
            shown = re.compile(rf"  success +\d+\.\d s  {re.escape(task.name)}(  .*)?")
            assert sum(bool(shown.fullmatch(line)) for line in lines[start:end]) == 1, task.name
        # Airflow's own output is in the file, without the warnings silenced at their source
        text = log.read_text()
        assert f"[DAG TEST] end task task_id={tasks[-1].task_id}" in text and run_id in text
        assert "Could not import graphviz" not in text
        assert "starlette.testclient" not in text
    # the counts a task returned, the quarantine lines of its log, the summary last
    assert re.search(r"  success +\d+\.\d s  fetch\[0\]  fetched 21", printed)
    assert "      warning: adb_pds: 1 sheet quarantined at parse: not_a_data_sheet" in lines
    assert "devfin run summary" in lines and lines[-1].startswith("  DQ report: ")


@pytest.fixture(scope="module")
def broken(home, made, tmp_path_factory) -> subprocess.CompletedProcess[str]:
    """The marts DAG again on a copy of the dbt project where a test of one mart fails (that
    mart's task fails, with no retry)."""
    project = tmp_path_factory.mktemp("broken") / "dbt"
    shutil.copytree(REPO_DIR / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "tests" / f"assert_{BROKEN_MART}_breakable.sql").write_text(BREAKABLE_TEST)
    return _airflow_run(
        home,
        "build_marts",
        DEVFIN_DBT_PROJECT_DIR=str(project),
        DEVFIN_TEST_BREAK_MART=BROKEN_MART,
    )


def test_a_failing_task_prints_its_log_tail_and_exits_non_zero(home, broken) -> None:
    printed = broken.stdout + broken.stderr
    assert broken.returncode == 1, printed
    lines = printed.splitlines()
    assert any(re.fullmatch(rf"  failed +\d+\.\d s  dbt\.{BROKEN_MART}", line) for line in lines)
    assert any(line.startswith("build_marts: failed in ") for line in lines)
    log = home["logs"] / "make-run-build_marts.log"
    head = f"--- dbt.{BROKEN_MART} failed: the last 40 lines of its log (all of it: {log})"
    tail = printed.split(head + "\n")[1].split("\n--- ")[0].splitlines()
    assert len(tail) == 40 and all(line.startswith("  | ") for line in tail)
    # the tail says which test failed and why
    assert any(f"assert_{BROKEN_MART}_breakable" in line for line in tail)
    assert "devfin run summary" not in printed

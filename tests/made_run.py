"""One embedded run as `make run` makes it (`devfin airflow-run` on the bundled samples, in a
throwaway Airflow home and warehouse), then the marts DAG again with nothing new and with a mart
whose test fails: made once per test session (tests/integration/conftest.py) for every module
that reads such a run, since each costs a minute and a half of Airflow and dbt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from devfin.airflow_run import DAGS, TaskEnd, read_run, sqlite_path, throwaway_env

REPO_DIR = Path(__file__).resolve().parents[1]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DEVFIN = str(Path(sys.executable).with_name("devfin"))
BROKEN_MART = "tenders_by_status_type"  # no mart reads it: its failure fails no other mart
# A test of that mart alone, failing while the variable names the mart.
BREAKABLE_TEST = """
select 'broken on purpose' as reason
from (select count(*) as row_count from {{ ref('__MART__') }}) as counted
where '{{ env_var("DEVFIN_TEST_BREAK_MART", "") }}' = '__MART__'
""".replace("__MART__", BROKEN_MART)


def airflow(env: dict[str, str], *command: str, check: bool = True) -> str:
    """An `airflow` command's output; a failure (when checked) fails with its tail."""
    done = subprocess.run([AIRFLOW, *command], env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    assert done.returncode == 0 or not check, f"airflow {' '.join(command)}:\n{output[-4000:]}"
    return output


@dataclass
class DagRun:
    """One DAG's run as the metadata holds it right after it ended, with its whole log."""

    run_id: str
    state: str
    tasks: list[TaskEnd]
    log: str

    @property
    def states(self) -> dict[str, str]:
        return {task.task_id: task.state for task in self.tasks}


@dataclass
class MadeRun:
    """A `devfin airflow-run` in a throwaway home: what it printed and each DAG's run."""

    root: Path
    env: dict[str, str]
    done: subprocess.CompletedProcess[str]
    runs: dict[str, DagRun]

    @property
    def metadata_url(self) -> str:
        return self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]

    @property
    def logs(self) -> Path:
        return self.root / "airflow" / "logs"

    @property
    def printed(self) -> str:
        return self.done.stdout + self.done.stderr


def airflow_home(root: Path) -> dict[str, str]:
    """A throwaway Airflow home on the bundled samples, migrated and pooled as `make
    airflow-init` leaves it; the variables of the embedded run, nothing of the caller's."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DEVFIN_"))}
    env = {**kept, **throwaway_env(root, REPO_DIR, REPO_DIR / "include" / "sample_data")}
    airflow(env, "db", "migrate")
    for pool in ("devfin_http", "devfin_duckdb"):
        airflow(env, "pools", "set", pool, "1", pool)
    return env


def airflow_run(root: Path, env: dict[str, str], *dags: str) -> MadeRun:
    """`devfin airflow-run` as the Makefile runs it, and each DAG's run read back at once."""
    logs = root / "airflow" / "logs"
    metadata = sqlite_path(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    command = [DEVFIN, "airflow-run", "--metadata", env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
               "--log-dir", str(logs), *dags]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    runs = {}
    for dag_id in dags or DAGS:
        if (run := read_run(metadata, dag_id)) is not None:
            run_id, state, _, tasks = run
            log = (logs / f"make-run-{dag_id}.log").read_text(errors="replace")
            runs[dag_id] = DagRun(run_id, state, tasks, log)
    return MadeRun(root, env, done, runs)


def broken_project(root: Path) -> Path:
    """A copy of the dbt project (so: changed) with a test of one mart that fails on demand."""
    project = root / "dbt"
    shutil.copytree(REPO_DIR / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "tests" / f"assert_{BROKEN_MART}_breakable.sql").write_text(BREAKABLE_TEST)
    return project

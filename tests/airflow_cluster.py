"""An Airflow cluster on this machine for tests: the scheduler, dag-processor, api-server and
Celery workers as child processes, against a throwaway PostgreSQL database and a Redis database
of their own.

Imported by the workers too (as `hostname_callable`), so it imports nothing heavy at the top.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devfin import processes
from devfin.processes import Component, free_port

__all__ = ["AirflowCluster", "Component", "free_port"]

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
PG_HOST = os.environ.get("DEVFIN_TEST_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("DEVFIN_TEST_PG_USER", "postgres")
REDIS_HOST = os.environ.get("DEVFIN_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("DEVFIN_TEST_REDIS_PORT", "6379"))
# A worker's name, read by `worker_hostname`: task instances record which worker ran them.
WORKER_NAME_VARIABLE = "DEVFIN_TEST_WORKER_NAME"
# Redis databases tried in turn; the first empty one is claimed by a key and flushed at the end.
REDIS_DATABASES = (7, 8, 9, 10, 11, 12, 13, 14, 15)
REDIS_CLAIM_KEY = "devfin-test-cluster-claim"
# A valid Fernet key, for tests only.
TEST_FERNET_KEY = "iVy1s_jmTT5n7MWHMk59AwTJpJKScrJfzKNf0GzCod8="


def worker_hostname() -> str:
    """`hostname_callable` of the test's workers: both run on this host, so each is named by the
    variable it was started with."""
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()


# --- throwaway PostgreSQL databases and a Redis database --------------------------------------


def _admin_dsn() -> str:
    return f"host={PG_HOST} port=5432 user={PG_USER} dbname=postgres"


def create_database(prefix: str) -> str:
    """A new empty database on the local PostgreSQL; returns its name."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def claim_redis_database() -> tuple[int, str]:
    """An empty Redis database, claimed for this run by a key (another cluster running at the
    same time claims another one); returns its number and the claim's token."""
    import redis

    token = uuid.uuid4().hex
    for number in REDIS_DATABASES:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        try:
            if client.set(REDIS_CLAIM_KEY, token, nx=True, ex=3600):
                if client.dbsize() == 1:
                    return number, token
                client.delete(REDIS_CLAIM_KEY)  # not ours to use: someone keeps data there
        finally:
            client.close()
    raise RuntimeError(f"no empty Redis database among {REDIS_DATABASES} on {REDIS_HOST}")


def release_redis_database(number: int, token: str) -> None:
    """Flush the claimed database, if the claim is still ours."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
    try:
        if client.get(REDIS_CLAIM_KEY) == token.encode():
            client.flushdb()
    finally:
        client.close()


# --- the cluster --------------------------------------------------------------------------------


@dataclass
class AirflowCluster:
    """Airflow components sharing one environment; `stop` ends every process group started."""

    root: Path
    env: dict[str, str]
    components: dict[str, Component] = field(default_factory=dict)

    @classmethod
    def environment(
        cls,
        root: Path,
        *,
        dags_folder: Path,
        metadata_db: str,
        redis_db: int,
        api_port: int,
        extra: Mapping[str, str] = {},
    ) -> dict[str, str]:
        """The environment of every component: this process's, without its Airflow and devfin
        settings (`make` exports the embedded run's), plus the cluster's."""
        base = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AIRFLOW", "DEVFIN_", "PYTEST_"))
        }
        metadata = f"{PG_USER}@{PG_HOST}:5432/{metadata_db}"
        return {
            **base,
            "AIRFLOW_HOME": str(root / "airflow"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__FERNET_KEY": TEST_FERNET_KEY,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            # Parsing the marts DAG (a `dbt parse` when no manifest is kept) on a busy machine can
            # take longer than the defaults.
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "180",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{metadata}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{metadata}",
            "AIRFLOW__API__SECRET_KEY": "devfin-test-secret-key",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API_AUTH__JWT_SECRET": "devfin-test-jwt-secret",
            # Short intervals: the cluster lives for a few minutes.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "240",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "600",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
            "AIRFLOW__SCHEDULER__POOL_METRICS_INTERVAL": "30",
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
            **extra,
        }

    def run(self, command: list[str], timeout: float = 300) -> str:
        """One command in the cluster's environment; its output, or an AssertionError with it."""
        done = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{output[-4000:]}"
        return output

    def cli(self, *args: str, timeout: float = 300) -> str:
        """One `airflow` command."""
        return self.run([AIRFLOW, *args], timeout=timeout)

    def start(self, name: str, args: Iterable[str], extra_env: Mapping[str, str] = {}) -> None:
        """Start `airflow <args>` in its own process group, output into `<root>/logs/<name>.log`."""
        self.components[name] = processes.start(
            name,
            ["nice", "-n", "5", AIRFLOW, *args],
            {**self.env, **extra_env},
            self.root / "logs" / f"{name}.log",
        )

    def dead(self) -> list[str]:
        """The components that have exited."""
        return [c.name for c in processes.dead(self.components.values())]

    def log_text(self, name: str) -> str:
        return self.components[name].log_path.read_text(errors="replace")

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for name, component in self.components.items():
            text = component.log_path.read_text(errors="replace").splitlines()
            state = component.process.poll()
            status = "running" if state is None else f"exited {state}"
            parts.append(f"--- {name} ({status}), last {lines} lines:\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def stop(self, grace: float = 10) -> None:
        """SIGTERM every process group, then SIGKILL what is left after `grace` seconds."""
        processes.stop(self.components.values(), grace)

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Rows of one query on the metadata database."""
        import psycopg

        database = self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1]
        dsn = f"host={PG_HOST} port=5432 user={PG_USER} dbname={database}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            return conn.execute(sql, params or None).fetchall()

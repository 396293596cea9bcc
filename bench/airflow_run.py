"""The DAGs through Airflow's own runner, as `make run` runs them, timed DAG by DAG and task.

    .venv/bin/python bench/airflow_run.py [--sheets N] [--runs 2] [--warehouse-url URL]

In a throwaway Airflow home (SQLite metadata) and data folder: `devfin dbt-manifest`, `airflow db
migrate` and the pools (timed apart, as `make airflow-init`), then `--runs` times `airflow dags
test` of `ingest_adb_pds`, `ingest_cdia` and `build_marts`, one after the other, on the bundled
sample sheets (or `--sheets N` generated ones). The first run starts from an empty warehouse;
the ones after it find nothing new. Per DAG it prints the wall time of its command (Airflow's
start-up included, as a user waits for it) and of its run (start to end in the metadata), and
each task's state and seconds; a failed DAG prints its log's tail and stops the benchmark.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse import machine

REPO_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DAGS = ("ingest_adb_pds", "ingest_cdia", "build_marts")


def airflow_env(root: Path, samples: Path, warehouse_url: str | None) -> dict[str, str]:
    """The embedded run's environment (the Makefile's), with every folder under `root`."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_DIR / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_DIR / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow' / 'airflow.db'}",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "DEVFIN_REPO_DIR": str(REPO_DIR),
        "DEVFIN_WAREHOUSE_URL": warehouse_url or f"duckdb:///{root / 'devfin.duckdb'}",
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
        "DEVFIN_SAMPLE_DIR": str(samples),
    }


def timed(command: list[str], env: dict[str, str], log: Path) -> float:
    """Run `command`, its output into `log`; its wall seconds. A failure prints the log's tail."""
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n" + "\n".join(tail))
    return seconds


def last_run(metadata: Path, dag_id: str) -> tuple[float, list[tuple[str, str, float]]]:
    """The seconds of the DAG's latest run and, per task of it, its state and seconds."""
    with sqlite3.connect(metadata) as conn:
        run_id, seconds = conn.execute(
            "select run_id, (julianday(end_date) - julianday(start_date)) * 86400 from dag_run"
            " where dag_id = ? order by id desc limit 1",
            (dag_id,),
        ).fetchone()
        tasks = conn.execute(
            "select task_id || case when map_index >= 0 then '[' || map_index || ']' else '' end,"
            " coalesce(state, 'none'), coalesce(duration, 0) from task_instance"
            " where dag_id = ? and run_id = ? order by start_date is null, start_date",
            (dag_id, run_id),
        ).fetchall()
    return seconds or 0.0, tasks


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sheets", type=int, default=0, help="generated sheets (0: the samples)")
    options.add_argument("--seed", type=int, default=2026)
    options.add_argument("--runs", type=int, default=2, help="the first on an empty warehouse")
    options.add_argument("--warehouse-url", help="default: a DuckDB file in the throwaway folder")
    options.add_argument("--tasks", action="store_true", help="every task's state and seconds")
    args = options.parse_args()
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="devfin-airflow-bench-") as tmp:
        root = Path(tmp)
        samples = REPO_DIR / "include" / "sample_data"
        if args.sheets:
            from devfin.samples import SOURCES, write_corpus

            samples = root / "sheets"
            write_corpus(samples, args.sheets // len(SOURCES), args.seed, defect_rate=0.1)
        print(f"sheets: {samples}", flush=True)
        env = airflow_env(root, samples, args.warehouse_url)
        logs = root / "logs"
        logs.mkdir()
        setup = timed([str(BIN / "devfin"), "dbt-manifest"], env, logs / "manifest.log")
        setup += timed([str(BIN / "airflow"), "db", "migrate"], env, logs / "migrate.log")
        for pool in ("devfin_http", "devfin_duckdb"):
            setup += timed([str(BIN / "airflow"), "pools", "set", pool, "1", pool], env,
                           logs / "pools.log")  # fmt: skip
        print(f"set-up (dbt manifest, Airflow metadata, pools): {setup:.1f} s", flush=True)
        metadata = root / "airflow" / "airflow.db"
        for number in range(1, args.runs + 1):
            total = 0.0
            print(f"run {number} ({'empty warehouse' if number == 1 else 'nothing new'})")
            for dag_id in DAGS:
                log = logs / f"{number}-{dag_id}.log"
                seconds = timed([str(BIN / "airflow"), "dags", "test", dag_id], env, log)
                total += seconds
                run_seconds, tasks = last_run(metadata, dag_id)
                states = sorted({state for _, state, _ in tasks})
                print(
                    f"  {dag_id:<16} {seconds:6.1f} s wall, its run {run_seconds:6.1f} s,"
                    f" {len(tasks)} tasks ({', '.join(states)})",
                    flush=True,
                )
                if args.tasks:
                    for task_id, state, task_seconds in tasks:
                        print(f"      {task_seconds:6.2f} s  {state:<8} {task_id}")
            print(f"  the three DAGs: {total:.1f} s", flush=True)


if __name__ == "__main__":
    main()

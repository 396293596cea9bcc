"""The DAGs through Airflow's own runner, as `make run` runs them, timed DAG by DAG and task.

    .venv/bin/python bench/airflow_run.py [--sheets N] [--runs 2] [--warehouse-url URL]

In a throwaway Airflow home (SQLite metadata) and data folder: `devfin dbt-manifest`, `airflow db
migrate` and the pools (timed apart, as `make airflow-init`), then `--runs` times `airflow dags
test` of `ingest_adb_pds`, `ingest_cdia` and `build_marts`, one after the other, on the bundled
sample sheets (or `--sheets N` generated ones). The first run starts from an empty warehouse;
the ones after it find nothing new. Per DAG it prints the wall time of its command (Airflow's
start-up included, as a user waits for it) and of its run (start to end in the metadata), and
each task's state and seconds; a failed DAG prints its failed tasks' log tails and stops the
benchmark. It runs each DAG as `make run` does (`devfin.airflow_run`, with its output in a file),
reading the runs from the metadata.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse import machine

from devfin.airflow_run import DAGS, failure_tail, run_dag, throwaway_env

REPO_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def airflow_env(root: Path, samples: Path, warehouse_url: str | None) -> dict[str, str]:
    """The embedded run's environment (the Makefile's), with every folder under `root`."""
    return {**os.environ, **throwaway_env(root, REPO_DIR, samples, warehouse_url)}


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
                run = run_dag(dag_id, log, metadata, env=env)
                if not run.succeeded:
                    failed = [t for t in run.tasks if t.state == "failed"]
                    tails = [line for task in failed for line in failure_tail(task, log)]
                    sys.exit(f"airflow dags test {dag_id} failed (exit {run.exit_code}), see {log}"
                             + "".join(f"\n{line}" for line in tails))  # fmt: skip
                total += run.wall_seconds
                states = sorted({task.state for task in run.tasks})
                print(
                    f"  {dag_id:<16} {run.wall_seconds:6.1f} s wall, its run"
                    f" {run.run_seconds or 0:6.1f} s, {len(run.tasks)} tasks ({', '.join(states)})",
                    flush=True,
                )
                if args.tasks:
                    for task in run.tasks:
                        print(f"      {task.seconds or 0:6.2f} s  {task.state:<8} {task.name}")
            print(f"  the three DAGs: {total:.1f} s", flush=True)


if __name__ == "__main__":
    main()

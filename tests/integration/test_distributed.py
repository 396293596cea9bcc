"""The DAGs on a distributed Airflow: scheduler, dag-processor, api-server and two Celery workers
(Redis broker, PostgreSQL metadata and warehouse) as separate processes on this machine. The
ingest runs spread over both workers, their Assets schedule the marts DAG, and the warehouse ends
up as the single-process run leaves it.

The marts DAG is one dbt build, then a task per mart reading its results; the two ingest runs
may schedule it twice (the second run ends at its first task when the first built both sources'
staging). By default the test waits for the ingest runs and for the marts run their Assets
scheduled to have run mart tasks on the workers, and compares staging; with
DEVFIN_TEST_DISTRIBUTED_MARTS=1 it waits for every marts run to succeed and compares the marts
too.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.load.schema import STAGING_TABLES
from devfin.samples import write_corpus
from devfin.settings import load_settings
from devfin.sources import staging_asset_uri
from tests.airflow_cluster import (
    PG_HOST,
    PG_USER,
    WORKER_NAME_VARIABLE,
    AirflowCluster,
    claim_redis_database,
    create_database,
    drop_database,
    free_port,
    release_redis_database,
)

pytestmark = [pytest.mark.integration, pytest.mark.distributed]
REPO_DIR = Path(__file__).resolve().parents[2]
DEVFIN = str(Path(sys.executable).with_name("devfin"))
SOURCES = ("adb_pds", "cdia")
INGEST_DAGS = tuple(f"ingest_{source}" for source in SOURCES)
DAGS = (*INGEST_DAGS, "build_marts")
WORKERS = ("worker1", "worker2")
SHEETS_PER_SOURCE = 20
FETCH_BATCH_SIZE = 5  # four mapped fetch tasks per ingest run
FULL_MARTS = os.environ.get("DEVFIN_TEST_DISTRIBUTED_MARTS", "") == "1"
STARTUP_TIMEOUT = 300
RUN_TIMEOUT = 3600 if FULL_MARTS else 600
# Columns that name a run or say when something happened: they differ between two runs.
RUN_COLUMNS = frozenset({"load_id", "run_id", "scorecard_id", "invocation_id"})


def _pg_url(database: str, driver: str = "psycopg") -> str:
    return f"postgresql+{driver}://{PG_USER}@{PG_HOST}:5432/{database}"


def _devfin_env(root: Path, corpus: Path, warehouse: str) -> dict[str, str]:
    return {
        "DEVFIN_REPO_DIR": str(REPO_DIR),
        "DEVFIN_WAREHOUSE_URL": warehouse,
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_ARCHIVE_URL": str(root / "archive"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
        "DEVFIN_SAMPLE_DIR": str(corpus),
        "DEVFIN_FETCH_BATCH_SIZE": str(FETCH_BATCH_SIZE),
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("distributed_corpus")
    write_corpus(out, SHEETS_PER_SOURCE, seed=2031, defect_rate=0.2)
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Iterator[AirflowCluster]:
    """The cluster, up with every DAG parsed and both workers ready; everything it started is
    stopped, and its databases dropped, however the tests end."""
    root = tmp_path_factory.mktemp("distributed")
    metadata_db = create_database("devfin_test_airflow")
    warehouse_db = create_database("devfin_test_wh")
    redis_db, redis_claim = claim_redis_database()
    api_port = free_port()
    env = AirflowCluster.environment(
        root,
        dags_folder=REPO_DIR / "dags",
        metadata_db=metadata_db,
        redis_db=redis_db,
        api_port=api_port,
        extra={
            **_devfin_env(root, corpus, _pg_url(warehouse_db)),
            # the workers' hostname_callable is in this package, and it imports the checkout's
            # devfin (devfin.processes), as this test does
            "PYTHONPATH": os.pathsep.join([str(REPO_DIR), str(REPO_DIR / "include")]),
        },
    )
    cluster = AirflowCluster(root, env)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            # The manifest the marts DAG is drawn from, made once before any parse (as `make
            # run` does), while the metadata database is migrated.
            manifest = pool.submit(cluster.run, [DEVFIN, "dbt-manifest"], timeout=STARTUP_TIMEOUT)
            cluster.cli("db", "migrate", timeout=STARTUP_TIMEOUT)
            manifest.result()
        cluster.start("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(api_port)])
        cluster.start("scheduler", ["scheduler"])
        cluster.start("dag-processor", ["dag-processor"])
        for name in WORKERS:
            cluster.start(
                name,
                ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "2",
                 "--skip-serve-logs", "--without-mingle", "--without-gossip"],
                extra_env={
                    WORKER_NAME_VARIABLE: name,
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.airflow_cluster.worker_hostname",
                },
            )  # fmt: skip
        cluster.cli("pools", "set", "devfin_http", "1", "HTTP fetches of data sheets", timeout=120)
        _wait_until_ready(cluster, started)
        yield cluster
    finally:
        cluster.stop()
        release_redis_database(redis_db, redis_claim)
        for database in (metadata_db, warehouse_db):
            drop_database(database)


def _wait_until_ready(cluster: AirflowCluster, started: float) -> None:
    deadline = started + STARTUP_TIMEOUT
    while True:
        parsed = {row[0] for row in cluster.query("select dag_id from dag where not is_stale")}
        ready = [
            name
            for name in WORKERS
            if f"{name}@" in cluster.log_text(name) and " ready." in cluster.log_text(name)
        ]
        if parsed >= set(DAGS) and len(ready) == len(WORKERS):
            print(f"cluster ready after {time.monotonic() - started:.0f}s", flush=True)
            return
        dead = cluster.dead()
        if dead or time.monotonic() > deadline:
            errors = cluster.query("select filename, stacktrace from import_error")
            pytest.fail(
                f"cluster not ready (dead: {dead}; DAGs parsed: {sorted(parsed)}; workers"
                f" ready: {ready}; import errors: {errors})\n{cluster.log_tails()}"
            )
        time.sleep(2)


@dataclasses.dataclass(frozen=True)
class DistributedRun:
    dag_runs: list[tuple]  # (dag_id, run_id, run_type, state)
    task_instances: list[tuple]  # (dag_id, run_id, task_id, map_index, state, hostname)
    consumed_events: list[tuple]  # (build_marts run_id, asset uri) of the asset events it ran on
    warehouse: str
    seconds: float
    details: str  # when a run failed: the components' logs and the failed tasks' logs


@pytest.fixture(scope="module")
def distributed_run(cluster: AirflowCluster) -> DistributedRun:
    """Unpause the DAGs: each ingest DAG makes its one scheduled run (daily, no catch-up), and
    their Assets schedule the marts DAG. Returns once the runs are done (see `_done`) or one
    failed."""
    started = time.monotonic()
    cluster.cli("dags", "unpause", "--treat-dag-id-as-regex", "-y", f"^({'|'.join(DAGS)})$")
    deadline = started + RUN_TIMEOUT
    last_report = 0.0
    while True:
        runs = cluster.query(
            "select dag_id, run_id, run_type, state from dag_run order by dag_id, id"
        )
        failed = [run for run in runs if run[3] == "failed"]
        if failed or _done(cluster, runs):
            break
        now = time.monotonic()
        if now - last_report > 15:
            last_report = now
            states = cluster.query(
                "select dag_id, coalesce(state, 'none'), count(*) from task_instance"
                " group by 1, 2 order by 1, 2"
            )
            print(f"[{now - started:4.0f}s] runs {[r[::3] for r in runs]}; tasks {states}")
        dead = cluster.dead()
        if dead or now > deadline:
            pytest.fail(
                f"DAG runs not done after {now - started:.0f}s (dead: {dead}): {runs}\n"
                f"{_failure_details(cluster)}"
            )
        time.sleep(3)
    seconds = time.monotonic() - started
    print(f"DAG runs ended after {seconds:.0f}s: {runs}")
    details = f"failed DAG runs {failed}\n{_failure_details(cluster)}" if failed else ""
    return DistributedRun(
        dag_runs=runs,
        task_instances=cluster.query(
            "select dag_id, run_id, task_id, map_index, state, hostname from task_instance"
        ),
        consumed_events=cluster.query(
            "select dag_run.run_id, asset.uri from dagrun_asset_event"
            " join dag_run on dag_run.id = dagrun_asset_event.dag_run_id"
            " join asset_event on asset_event.id = dagrun_asset_event.event_id"
            " join asset on asset.id = asset_event.asset_id"
            " where dag_run.dag_id = 'build_marts'"
        ),
        warehouse=cluster.env["DEVFIN_WAREHOUSE_URL"],
        seconds=seconds,
        details=details,
    )


def _done(cluster: AirflowCluster, runs: list[tuple]) -> bool:
    """Both ingest runs succeeded, and: every marts run their Assets scheduled has ended (full
    marts), or the marts run has run dbt tasks on the workers (default)."""
    by_dag = {dag: [run for run in runs if run[0] == dag] for dag in DAGS}
    if not all(
        by_dag[dag] and {run[3] for run in by_dag[dag]} == {"success"} for dag in INGEST_DAGS
    ):
        return False
    if not by_dag["build_marts"]:
        return False
    if FULL_MARTS:
        # An ingest run's Asset event is queued for the marts DAG before that run ends.
        pending = cluster.query(
            "select count(*) from asset_dag_run_queue where target_dag_id = 'build_marts'"
        )[0][0]
        return not pending and all(run[3] == "success" for run in by_dag["build_marts"])
    dbt_tasks_done = cluster.query(
        "select count(*) from task_instance where dag_id = 'build_marts'"
        " and task_id like 'dbt.%' and state = 'success'"
    )[0][0]
    return dbt_tasks_done >= 2


def _failure_details(cluster: AirflowCluster) -> str:
    """The components' log tails and the logs of the task instances that failed."""
    parts = [cluster.log_tails()]
    failed = cluster.query(
        "select dag_id, run_id, task_id, map_index, try_number from task_instance"
        " where state in ('failed', 'upstream_failed', 'up_for_retry')"
    )
    logs = Path(cluster.env["AIRFLOW_HOME"]) / "logs"
    for dag_id, run_id, task_id, map_index, _try in failed[:5]:
        folder = logs / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        if map_index >= 0:
            folder /= f"map_index={map_index}"
        for log in sorted(folder.glob("attempt=*.log"))[-1:]:
            text = log.read_text(errors="replace").splitlines()
            parts.append(f"--- task log {log.relative_to(logs)}:\n" + "\n".join(text[-60:]))
    return "\n".join(parts)


# --- the single-process run of the same corpus, and the comparison ------------------------------


@pytest.fixture(scope="module")
def reference_warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Iterator[str]:
    """The same corpus in this process (`devfin.pipeline`), into a database of its own: every
    source ingested, then (full marts) the marts built."""
    from devfin.pipeline import ingest, run_all

    root = tmp_path_factory.mktemp("single_process")
    database = create_database("devfin_test_ref")
    try:
        url = _pg_url(database)
        settings = load_settings(_devfin_env(root, corpus, url))
        if FULL_MARTS:
            run_all("single-process", settings, SOURCES)
        else:
            for source in SOURCES:
                ingest(source, "single-process", settings)
        yield url
    finally:
        drop_database(database)


def _compared_columns(conn: sa.Connection, schema: str, table: str) -> list[str]:
    """The columns of a table but those that name a run or hold a time."""
    rows = conn.execute(
        sa.text(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = :schema and table_name = :table order by ordinal_position"
        ),
        {"schema": schema, "table": table},
    ).all()
    return [
        name
        for name, data_type in rows
        if name not in RUN_COLUMNS
        and not name.endswith(("_at", "_load_id", "_run_id"))
        and not data_type.startswith("timestamp")
    ]


def _snapshot(url: str, marts: bool) -> dict[str, list[tuple]]:
    """Every staging row (and mart row) as sorted text tuples, without run ids and timestamps.

    The scorecard's rows of dbt runs are left out: each marts run adds one, and the ingest runs
    schedule one marts run each when they do not end together."""
    engine = sa.create_engine(url)
    snapshot = {}
    with engine.connect() as conn:
        tables = [("staging", name, "") for name in STAGING_TABLES]
        if marts:
            names = conn.execute(
                sa.text(
                    "select table_name from information_schema.tables where table_schema = 'marts'"
                )
            ).scalars()
            tables += [
                ("marts", name, " where source_key <> 'dbt'" if "scorecard" in name else "")
                for name in sorted(names)
            ]
        for schema, table, where in tables:
            columns = ", ".join(f'"{c}"' for c in _compared_columns(conn, schema, table))
            snapshot[f"{schema}.{table}"] = sorted(
                tuple(str(value) for value in row)
                for row in conn.execute(sa.text(f'select {columns} from {schema}."{table}"{where}'))
            )
    engine.dispose()
    return snapshot


# --- the tests ----------------------------------------------------------------------------------


def _runs(distributed_run: DistributedRun, dag: str) -> list[tuple]:
    return [run for run in distributed_run.dag_runs if run[0] == dag]


def test_each_ingest_dag_ran_once_and_succeeded(distributed_run: DistributedRun) -> None:
    for dag in INGEST_DAGS:
        assert [run[2:] for run in _runs(distributed_run, dag)] == [("scheduled", "success")]
        tasks = {ti[2:5:2] for ti in distributed_run.task_instances if ti[0] == dag}
        ingest = ("discover", "fetch", "parse", "validate", "load", "staging_changed")
        # the run loaded new sheets: it announced them, and the marts DAG writes the report
        assert tasks == {
            *((task, "success") for task in (*ingest, "announce_staging")),
            ("source_freshness", "skipped"),
            ("dq_report", "skipped"),
        }, distributed_run.details


def test_the_ingest_assets_scheduled_the_marts(distributed_run: DistributedRun) -> None:
    marts_runs = _runs(distributed_run, "build_marts")
    assert marts_runs
    assert {run[2] for run in marts_runs} == {"asset_triggered"}
    consumed = {uri for _run_id, uri in distributed_run.consumed_events}
    assets = {staging_asset_uri(source) for source in SOURCES}
    assert consumed == assets if FULL_MARTS else consumed and consumed <= assets
    broken = [
        ti
        for ti in distributed_run.task_instances
        if ti[0] == "build_marts" and ti[4] in ("failed", "upstream_failed", "up_for_retry")
    ]
    assert not broken, distributed_run.details
    ran = [ti for ti in distributed_run.task_instances if ti[0] == "build_marts" and ti[4]]
    assert any(ti[2].startswith("dbt.") and ti[4] == "success" for ti in ran)


@pytest.mark.skipif(not FULL_MARTS, reason="set DEVFIN_TEST_DISTRIBUTED_MARTS=1")
def test_every_marts_run_succeeded(distributed_run: DistributedRun) -> None:
    marts_runs = _runs(distributed_run, "build_marts")
    assert {run[3] for run in marts_runs} == {"success"}, distributed_run.details
    by_run: dict[str, dict[str, str]] = {}
    for ti in distributed_run.task_instances:
        if ti[0] == "build_marts":
            by_run.setdefault(ti[1], {})[ti[2]] = ti[4]
    assert any(states["dbt_build"] == "success" for states in by_run.values())
    for states in by_run.values():
        if states["dbt_build"] == "success":
            assert set(states.values()) == {"success"}
            assert {"dbt_results", "dq_report"} <= states.keys()
        else:  # scheduled after a run that built the same staging: nothing to build
            assert states.pop("staging_changed") == "success"
            assert set(states.values()) == {"skipped"}


def test_the_tasks_ran_on_both_workers(distributed_run: DistributedRun) -> None:
    ran = [ti for ti in distributed_run.task_instances if ti[4] == "success"]
    assert {ti[5] for ti in ran} == set(WORKERS)
    fetches = [ti for ti in ran if ti[2] == "fetch"]
    assert len(fetches) == len(INGEST_DAGS) * SHEETS_PER_SOURCE // FETCH_BATCH_SIZE
    assert {ti[5] for ti in fetches} == set(WORKERS)


def test_the_warehouse_matches_the_single_process_run(
    distributed_run: DistributedRun, reference_warehouse: str
) -> None:
    distributed = _snapshot(distributed_run.warehouse, marts=FULL_MARTS)
    reference = _snapshot(reference_warehouse, marts=FULL_MARTS)
    assert len(reference["staging.adb_projects"]) > 10
    assert len(reference["staging.cdia_interventions"]) > 10
    assert not FULL_MARTS or any(name.startswith("marts.") for name in reference)
    assert distributed.keys() == reference.keys()
    differ = [name for name in reference if distributed[name] != reference[name]]
    assert not differ, {
        name: {
            "distributed only": sorted(set(distributed[name]) - set(reference[name]))[:3],
            "single-process only": sorted(set(reference[name]) - set(distributed[name]))[:3],
        }
        for name in differ
    }

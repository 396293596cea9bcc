"""
### `build_marts`: the marts as Airflow tasks, their ledger and docs, the data-quality report

Runs whenever any ingest DAG updates its staging Asset (either source triggers it).
`dbt_foundations` builds the layers under the marts (seeds, staging views, intermediate tables) and
their tests in one dbt invocation. The task group `dbt` then holds one task per mart, drawn by
Cosmos from the project's manifest: each runs `dbt build` of its mart, the model and then its
tests; a test spanning two marts gets its own task once both are built. dbt tasks are not
retried: a failing test fails the same way twice. dbt runs as a child process against
`DEVFIN_WAREHOUSE_URL`.

`dbt_results` then merges the `run_results.json` of every dbt task into `data/dbt/<run id>/`,
runs `dbt source freshness` and `dbt docs generate`, writes every dbt test and freshness result
into `audit.dq_results` (source `dbt`), and publishes the dbt docs to `reports/dq/dbt/`;
`dq_report` rewrites the static data-quality report under `reports/dq/`.

On a DuckDB warehouse, which one process at a time may open, every task here opens it: they
run one at a time, and wait their turn with the ingest DAGs' `fetch` and `load` in the one-slot
pool `devfin_duckdb`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import Asset, AssetAny, TriggerRule, dag, task
from airflow.sdk.exceptions import AirflowFailException
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
    TestBehavior,
)
from cosmos.constants import TestIndirectSelection

from devfin.load.locking import DUCKDB_POOL
from devfin.settings import load_settings
from devfin.sources import SOURCE_KEYS, staging_asset_uri
from devfin.transform.dbt import PROFILE_NAME, dbt_executable, dbt_target
from devfin.transform.manifest import dbt_manifest
from devfin.transform.marts import MARTS_PATH

# Parsing reads paths and the dbt target from the settings; dbt_manifest runs `dbt parse` (files
# only, no connection) when the dbt project changed since the manifest it keeps.
SETTINGS = load_settings()
# Every task of this DAG opens the warehouse: on DuckDB they queue with the ingest DAGs' writers
# (`make airflow-init` creates the pool); PostgreSQL names no pool.
WAREHOUSE_POOL = DUCKDB_POOL if SETTINGS.warehouse_kind == "duckdb" else None


def _dbt_env(context: Mapping[str, Any], operator: Any) -> None:
    """Cosmos interceptor: the warehouse variables dbt reads are derived where dbt runs, when it
    runs, so no password is ever written into the serialized DAG."""
    from devfin.transform.dbt import dbt_env

    operator.env = {**(operator.env or {}), **dbt_env(load_settings())}


def _keep_artifacts(project_dir: str, context: Mapping[str, Any], **_: Any) -> None:
    """Cosmos callback, after each dbt invocation (failed ones too): keep its run_results.json."""
    from devfin.transform.ledger import keep_node_artifacts

    keep_node_artifacts(
        Path(project_dir), context["run_id"], context["ti"].task_id, load_settings()
    )


@dag(
    schedule=AssetAny(*(Asset(staging_asset_uri(source)) for source in SOURCE_KEYS)),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    # One writer at a time on a DuckDB file: its dbt tasks must not run side by side.
    max_active_tasks=1 if SETTINGS.warehouse_kind == "duckdb" else 8,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30), "pool": WAREHOUSE_POOL},
    doc_md=__doc__,
    tags=["devfin", "marts"],
)
def build_marts() -> None:
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=SETTINGS.dbt_project_dir,
            manifest_path=dbt_manifest(SETTINGS),
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name=PROFILE_NAME,
            target_name=dbt_target(SETTINGS),
            profiles_yml_filepath=SETTINGS.dbt_project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            # A child process, never dbt inside the worker: dbt-duckdb would keep the file locked.
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=str(dbt_executable()),
            # A mart's task runs the tests of that mart alone, not those reaching other models.
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # One task per mart (the layers under them are built by dbt_foundations): a process
            # per dbt node costs seconds each, so the layers of views are not split up.
            select=[MARTS_PATH],
            # `dbt build` of the mart: the model, then its tests, in the same task.
            test_behavior=TestBehavior.BUILD,
            # A test spanning several models runs in dbt_mart_tests, once all marts are built.
            should_detach_multiple_parents_tests=False,
            emit_datasets=False,
        ),
        operator_args={
            "interceptors": [_dbt_env],
            "callback": _keep_artifacts,
            "retries": 0,
            "pool": WAREHOUSE_POOL,
        },
    )

    def dag_step(step: str) -> Any:
        """A task of the DAG's own dbt invocations (`marts.DAG_STEPS`), never retried."""

        @task(task_id=step, retries=0)
        def run(run_id: str | None = None) -> None:
            from devfin.transform.dbt import DbtError
            from devfin.transform.marts import run_dag_step

            try:
                run_dag_step(step, run_id, load_settings())
            except DbtError as error:
                raise AirflowFailException(str(error)) from error

        return run()

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def dbt_results(run_id: str | None = None) -> dict[str, int]:
        from devfin.transform.dbt import DbtError
        from devfin.transform.ledger import record_dbt_run

        try:
            return record_dbt_run(run_id, load_settings())
        except DbtError as error:  # a dbt node failed: its task had its retries, not this one
            raise AirflowFailException(str(error)) from error

    @task
    def dq_report() -> str:
        from devfin.pipeline import publish_report

        return publish_report(load_settings())

    # dbt_results runs whatever the dbt tasks did and fails when a node failed; the report also
    # waits on the dbt tasks themselves, so a dbt task that failed without leaving results fails
    # the run too.
    results, report = dbt_results(), dq_report()
    mart_tests = dag_step("dbt_mart_tests")
    dag_step("dbt_foundations") >> dbt >> mart_tests >> results >> report
    [dbt, mart_tests] >> report


build_marts()

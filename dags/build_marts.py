"""
### `build_marts`: one dbt build of the project, a task per mart, their ledger and docs, the report

Runs whenever any ingest DAG updates its staging Asset (either source triggers it).

`staging_changed` first compares the staging tables and the dbt project with those of the last
full build on this warehouse (`data/dbt/full-build.json`): when neither changed, every mart would
come out the same, and the run ends there, saying so in that task's log (the tasks after it are
skipped).

`dbt_build` then runs one `dbt build` of the whole project (seeds, staging views, intermediate
tables, marts, their tests; dbt's unit tests only when the project changed since the last full
build), then `dbt source freshness` and, when the project changed since the docs were published,
`dbt docs generate`, all in one dbt process: dbt starts and parses once. It fails only when dbt
left no results; a node that failed fails the task answering for it:

- `dbt.<mart>`, one per mart, drawn from the project's manifest: that mart's model and its tests
  (state, the lines of dbt's log naming them, the compiled SQL of a failed one);
- `dbt_foundations`: the layers under the marts and their tests;
- `dbt_mart_tests`: the tests spanning several marts.

These tasks read the build's results, in the order of dbt's lineage; each runs when the build
succeeded, whatever the tasks before it did. They are not retried (a failing test fails the
same way twice): cleared in the UI, such a task runs `dbt build` of its own nodes alone and
answers from that run, so a failed mart is rebuilt and retested without rebuilding the rest.

`dbt_results` then merges the build's `run_results.json` with those of the nodes re-run since
into `data/dbt/<run id>/`, writes every dbt test and source freshness result into
`audit.dq_results` (source `dbt`), publishes the dbt docs to `reports/dq/dbt/` and, when every
node passed, records the build as the last full build; `dq_report` rewrites the static
data-quality report under `reports/dq/`. dbt runs as a child process against
`DEVFIN_WAREHOUSE_URL`.

On a DuckDB warehouse, which one process at a time may open, every task here may open it: they
run one at a time, and wait their turn with the ingest DAGs' `fetch` and `load` in the one-slot
pool `devfin_duckdb`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, AssetAny, TaskGroup, TriggerRule, dag, task
from airflow.sdk.exceptions import AirflowFailException

from devfin.load.locking import DUCKDB_POOL
from devfin.settings import load_settings
from devfin.sources import SOURCE_KEYS, staging_asset_uri
from devfin.transform.manifest import dbt_manifest
from devfin.transform.watch import FOUNDATIONS, MART_TESTS, MARTS_GROUP, mart_graph, mart_task_id

# Parsing reads paths and the dbt target from the settings; dbt_manifest runs `dbt parse` (files
# only, no connection) when the dbt project changed since the manifest it keeps.
SETTINGS = load_settings()
MARTS = mart_graph(dbt_manifest(SETTINGS))
# Every task of this DAG may open the warehouse (a mart's task when it rebuilds its mart): on
# DuckDB they queue with the ingest DAGs' writers (`make airflow-init` creates the pool);
# PostgreSQL names no pool.
WAREHOUSE_POOL = DUCKDB_POOL if SETTINGS.warehouse_kind == "duckdb" else None


@dag(
    schedule=AssetAny(*(Asset(staging_asset_uri(source)) for source in SOURCE_KEYS)),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    # One writer at a time on a DuckDB file: its tasks must not run side by side.
    max_active_tasks=1 if SETTINGS.warehouse_kind == "duckdb" else 8,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30), "pool": WAREHOUSE_POOL},
    doc_md=__doc__,
    tags=["devfin", "marts"],
)
def build_marts() -> None:
    @task.short_circuit
    def staging_changed() -> bool:
        from devfin.transform.marts import marts_unchanged

        return not marts_unchanged(load_settings())

    @task
    def dbt_build(run_id: str | None = None) -> dict[str, int]:
        from devfin.transform.dbt import DbtError
        from devfin.transform.marts import build_project

        try:
            return build_project(run_id, load_settings())
        except DbtError as error:  # dbt itself failed: it would fail the same way again
            raise AirflowFailException(str(error)) from error

    def watcher(task_id: str) -> Any:
        """A task answering for its nodes of the build (`devfin.transform.watch`): it runs
        when the build succeeded, whatever the tasks before it in dbt's lineage did."""

        @task(
            task_id=task_id.removeprefix(f"{MARTS_GROUP}."),  # in the group, named by it
            retries=0,
            trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS,
        )
        def answer(run_id: str | None = None) -> dict[str, int]:
            from devfin.transform.dbt import DbtError
            from devfin.transform.watch import watch

            try:
                return watch(task_id, run_id, load_settings())
            except DbtError as error:
                raise AirflowFailException(str(error)) from error

        return answer()

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def dbt_results(run_id: str | None = None) -> dict[str, int]:
        from devfin.transform.dbt import DbtError
        from devfin.transform.marts import record_build

        try:
            return record_build(run_id, load_settings())
        except DbtError as error:  # a dbt node failed: its task failed, not only this one
            raise AirflowFailException(str(error)) from error

    @task
    def dq_report() -> str:
        from devfin.pipeline import publish_report

        return publish_report(load_settings())

    build = dbt_build()
    foundations = watcher(FOUNDATIONS)
    with TaskGroup(group_id=MARTS_GROUP, tooltip="a task per mart") as marts_group:
        marts = {name: watcher(mart_task_id(name)) for name in MARTS}
    mart_tests = watcher(MART_TESTS)
    staging_changed() >> build >> foundations
    for name, reads in MARTS.items():
        # The build (its only success needed), the layers under the mart, the marts it reads:
        # cleared together, they run again in dbt's order.
        [build, foundations, *(marts[upstream] for upstream in reads)] >> marts[name]
    [build, marts_group] >> mart_tests
    results, report = dbt_results(), dq_report()
    mart_tests >> results >> report
    # A task that failed without its failure in the results (dbt stopped) fails the run too.
    [foundations, marts_group, mart_tests] >> report


build_marts()

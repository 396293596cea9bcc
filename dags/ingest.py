"""
### Ingest DAGs: `ingest_adb_pds`, `ingest_cdia`

One DAG per source. Each run discovers the source's data sheets (the saved pages of the embedded
run, or the sheets file `DEVFIN_SHEETS_FILE` over HTTP), fetches them in batches (one mapped
`fetch` task per batch, in the `devfin_http` pool; on a DuckDB warehouse in `devfin_duckdb`),
archives every body, parses them into typed records, checks them with the Great Expectations
suites in `expectations/`, and loads the sheet versions that pass (and are new) into
`staging.*`, with `audit.*` saying what happened to every sheet. A sheet that cannot be parsed
or fails a critical check is quarantined, never dropped.

When the load added sheet versions to staging, `announce_staging` updates the source's Asset,
which schedules `build_marts` (the marts, their tests, source freshness and the data-quality
report). When it added none (every sheet unchanged, quarantined or failed to fetch), no mart
would change: the Asset is left alone and nothing is built; `source_freshness` still runs `dbt
source freshness` into the ledger (a source that stopped bringing sheets is flagged), and
`dq_report` rewrites the data-quality report so that it shows this run.

Each task is one call into `devfin.pipeline`; the stages hand over through files in the run
directory, so any task can be cleared and re-run. On a DuckDB warehouse, which one process at a
time may open, the tasks that open it (`fetch`, `load`) wait their turn with those of the other
DAGs in the one-slot pool `devfin_duckdb`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, task

from devfin.load.locking import DUCKDB_POOL
from devfin.settings import load_settings
from devfin.sources import SOURCE_KEYS, SOURCES, staging_asset_uri

# Retries back off from 30 s, so a transient fault heals and a real one surfaces within minutes.
# Limits the fetch tasks of all DAGs running at once (`make airflow-init` creates it).
HTTP_POOL = "devfin_http"
# The tasks opening a DuckDB warehouse, of every DAG, one at a time (`make airflow-init` creates
# it); a PostgreSQL warehouse takes them side by side and names no pool (docker-compose has none).
# Read from the settings alone at parse time: no connection.
WAREHOUSE_POOL = DUCKDB_POOL if load_settings().warehouse_kind == "duckdb" else None
DEFAULT_ARGS = {
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


def build_ingest_dag(source: str) -> object:
    @dag(
        dag_id=f"ingest_{source}",
        schedule=SOURCES[source].schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        doc_md=__doc__,
        params={"ids": Param([], type="array", description="limit the run to these sheet ids")},
        tags=["devfin", "ingest", source],
    )
    def ingest() -> None:
        @task
        def discover(run_id: str | None = None, params: dict | None = None) -> list[int]:
            from devfin.pipeline import discover_sheets
            from devfin.settings import load_settings

            ids = frozenset(params["ids"]) if params and params.get("ids") else None
            return discover_sheets(source, run_id, load_settings(), ids)

        # it writes raw.fetches: on DuckDB one writer at a time outranks the HTTP pool (whose one
        # slot it keeps to as well)
        @task(pool=WAREHOUSE_POOL or HTTP_POOL)
        def fetch(batch: int, run_id: str | None = None) -> dict[str, int]:
            from devfin.pipeline import fetch_sheets
            from devfin.settings import load_settings

            return fetch_sheets(source, run_id, load_settings(), batch)

        # Runs even when discovery found nothing (no fetch task mapped): the run is still recorded.
        @task(trigger_rule="none_failed")
        def parse(run_id: str | None = None) -> dict[str, int]:
            from devfin.pipeline import parse_sheets
            from devfin.settings import load_settings

            return parse_sheets(source, run_id, load_settings())

        @task
        def validate(run_id: str | None = None) -> dict[str, int]:
            from devfin.pipeline import validate_sheets
            from devfin.settings import load_settings

            return validate_sheets(source, run_id, load_settings())

        @task(pool=WAREHOUSE_POOL)
        def load(run_id: str | None = None) -> dict[str, int]:
            from devfin.pipeline import load_sheets
            from devfin.settings import load_settings

            return load_sheets(source, run_id, load_settings())

        @task.branch
        def staging_changed(counts: dict[str, int]) -> str:
            from devfin.pipeline import staging_changed

            return "announce_staging" if staging_changed(source, counts) else "source_freshness"

        # The Asset event is this task's success: skipped, it schedules nothing.
        @task(outlets=[Asset(staging_asset_uri(source))])
        def announce_staging(run_id: str | None = None) -> str:
            return f"{source} run {run_id} loaded new sheet versions: the marts are rebuilt"

        @task(pool=WAREHOUSE_POOL)
        def source_freshness(run_id: str | None = None) -> dict[str, int]:
            from devfin.pipeline import check_source_freshness
            from devfin.settings import load_settings

            return check_source_freshness(run_id, load_settings())

        @task(pool=WAREHOUSE_POOL)
        def dq_report() -> str:
            from devfin.pipeline import publish_report
            from devfin.settings import load_settings

            return publish_report(load_settings())

        loaded = load()
        fetch.expand(batch=discover()) >> parse() >> validate() >> loaded
        freshness = source_freshness()
        staging_changed(loaded) >> [announce_staging(), freshness]
        freshness >> dq_report()

    return ingest()


for _source in SOURCE_KEYS:
    build_ingest_dag(_source)

"""
### `build_marts`: dbt build of the marts, then the data-quality report

Runs whenever any ingest DAG updates its staging Asset (either source triggers it). Builds the dbt
project in `dbt/` (staging views → intermediate → `marts.*` tables, with their tests) against
`DEVFIN_WAREHOUSE_URL`, keeps dbt's artifacts per run under `data/dbt/<run id>/`, and rewrites the
static data-quality report under `reports/dq/`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, AssetAny, dag, task

from devfin.sources import SOURCE_KEYS, staging_asset_uri


@dag(
    schedule=AssetAny(*(Asset(staging_asset_uri(source)) for source in SOURCE_KEYS)),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30)},
    doc_md=__doc__,
    tags=["devfin", "marts"],
)
def build_marts() -> None:
    @task
    def dbt_build(run_id: str | None = None) -> dict[str, int]:
        from devfin.pipeline import build_marts as build
        from devfin.settings import load_settings

        return build(run_id, load_settings())

    @task
    def dq_report() -> str:
        from devfin.pipeline import publish_report
        from devfin.settings import load_settings

        return publish_report(load_settings())

    dbt_build() >> dq_report()


build_marts()

"""On a DuckDB warehouse the tasks that open it wait in the one-slot pool; on PostgreSQL in none."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("airflow")

REPO_DIR = Path(__file__).resolve().parents[2]
# The tasks that open the warehouse: of the ingest DAGs fetch (raw.fetches), load, and the
# freshness check and report of a run that loaded nothing new; of the marts DAG every one.
INGEST_WRITERS = {"fetch", "load", "source_freshness", "dq_report"}


def _dag_bag(monkeypatch: pytest.MonkeyPatch, warehouse_url: str):
    from airflow.dag_processing.dagbag import DagBag

    import devfin.transform.manifest
    from devfin.settings import load_settings

    # The graph of the dbt project is the same on both targets: the DAG is drawn from the
    # manifest already made, not from a cold `dbt parse` for the other target.
    manifest = devfin.transform.manifest.dbt_manifest(load_settings())
    monkeypatch.setattr(devfin.transform.manifest, "dbt_manifest", lambda settings: manifest)
    monkeypatch.setenv("DEVFIN_WAREHOUSE_URL", warehouse_url)
    bag = DagBag(dag_folder=str(REPO_DIR / "dags"))
    assert bag.import_errors == {}
    return bag


def test_duckdb_writers_wait_in_the_one_slot_pool(monkeypatch, tmp_path: Path) -> None:
    from devfin.load.locking import DUCKDB_POOL

    bag = _dag_bag(monkeypatch, f"duckdb:///{tmp_path / 'w.duckdb'}")
    for source in ("adb_pds", "cdia"):
        dag = bag.dags[f"ingest_{source}"]
        pooled = {task.task_id for task in dag.tasks if task.pool == DUCKDB_POOL}
        assert pooled == INGEST_WRITERS, source
    marts = bag.dags["build_marts"]
    assert any(task.task_id.startswith("dbt.") for task in marts.tasks)
    assert {task.task_id for task in marts.tasks if task.pool != DUCKDB_POOL} == set()
    # `make airflow-init` makes it, with one slot
    assert f"pools set {DUCKDB_POOL} 1 " in (REPO_DIR / "Makefile").read_text()


def test_postgres_tasks_wait_in_no_warehouse_pool(monkeypatch) -> None:
    from devfin.load.locking import DUCKDB_POOL

    bag = _dag_bag(monkeypatch, "postgresql+psycopg://postgres@127.0.0.1:5432/devfin")
    pools = {
        (dag.dag_id, task.task_id): task.pool for dag in bag.dags.values() for task in dag.tasks
    }
    assert DUCKDB_POOL not in pools.values()  # docker-compose creates no such pool
    for source in ("adb_pds", "cdia"):
        assert pools[(f"ingest_{source}", "fetch")] == "devfin_http"
    assert pools[("build_marts", "dbt_foundations")] == "default_pool"

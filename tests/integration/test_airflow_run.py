"""The DAGs run to completion through Airflow (`airflow dags test`), as `make run` runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DEVFIN = str(Path(sys.executable).with_name("devfin"))


@pytest.fixture(scope="module")
def airflow_run(tmp_path_factory: pytest.TempPathFactory, seed_samples: Path) -> dict[str, object]:
    root = tmp_path_factory.mktemp("airflow_run")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow.db'}",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(root / "cosmos"),
        "DEVFIN_REPO_DIR": str(REPO_DIR),
        "DEVFIN_WAREHOUSE_URL": f"duckdb:///{root / 'devfin.duckdb'}",
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
        "DEVFIN_SAMPLE_DIR": str(seed_samples),
    }
    # As `make run` does: the manifest the marts DAG is drawn from, made before any DAG parse
    # (parsing a changed dbt project can take longer than Airflow gives a DAG file to import).
    subprocess.run([DEVFIN, "dbt-manifest"], env=env, capture_output=True, check=True)
    logs = {}
    for command in (
        ["db", "migrate"],
        ["pools", "set", "devfin_http", "1", "HTTP fetches of data sheets"],
        ["dags", "test", "ingest_adb_pds"],
        ["dags", "test", "ingest_cdia"],
        ["dags", "test", "build_marts"],
    ):
        done = subprocess.run(
            [AIRFLOW, *command], env=env, capture_output=True, text=True, check=False
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"airflow {' '.join(command)} failed:\n{output[-4000:]}"
        logs[" ".join(command)] = output
    return {"root": root, "logs": logs, "warehouse": env["DEVFIN_WAREHOUSE_URL"], "env": env}


def _ended_tasks(output: str) -> list[str]:
    return re.findall(r"\[DAG TEST\] end task task_id=(\S+) ", output)


@pytest.fixture(scope="module")
def dbt_manifest(airflow_run) -> dict:
    """The manifest the marts DAG was drawn from (same settings, same project: same file)."""
    from devfin.settings import load_settings
    from devfin.transform.manifest import dbt_manifest

    return json.loads(dbt_manifest(load_settings(airflow_run["env"])).read_text())


@pytest.fixture(scope="module")
def marts_run_dir(airflow_run) -> Path:
    (run_dir,) = (airflow_run["root"] / "data" / "dbt").iterdir()
    return run_dir


def test_every_task_succeeds(airflow_run) -> None:
    logs = airflow_run["logs"]
    for dag_id in ("ingest_adb_pds", "ingest_cdia", "build_marts"):
        output = logs[f"dags test {dag_id}"]
        ended = _ended_tasks(output)
        if dag_id == "build_marts":
            assert {"dbt_results", "dq_report"} <= set(ended)
        else:
            ingest = {"discover", "fetch", "parse", "validate", "load", "staging_changed"}
            assert set(ended) == {*ingest, "announce_staging"}, dag_id
        # The run log is what `make run` shows: every task ended in success, none failed.
        assert output.count("new_state=success") == len(ended), dag_id
        assert "new_state=failed" not in output, dag_id


def test_every_mart_runs_as_an_airflow_task(airflow_run, dbt_manifest) -> None:
    """The run log lists a task per mart (dbt build: the model, then its tests), after the
    layers under the marts and before the tests spanning several marts."""
    ended = _ended_tasks(airflow_run["logs"]["dags test build_marts"])
    nodes = dbt_manifest["nodes"].values()
    marts = [
        n["name"]
        for n in nodes
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    ]
    assert len(marts) >= 10
    mart_tasks = [f"dbt.{name}_model_build" for name in marts]
    assert set(mart_tasks) <= set(ended)
    first, last = min(map(ended.index, mart_tasks)), max(map(ended.index, mart_tasks))
    assert ended.index("dbt_foundations") < first
    assert last < ended.index("dbt_mart_tests") < ended.index("dbt_results")
    assert ended[-2:] == ["dbt_results", "dq_report"]


def test_dbt_artifacts_kept_per_run(airflow_run, marts_run_dir, dbt_manifest) -> None:
    ended = _ended_tasks(airflow_run["logs"]["dags test build_marts"])
    dbt_tasks = {task for task in ended if task.startswith("dbt")} - {"dbt_results"}
    # One run_results.json per dbt task, and all their results merged for the run.
    kept = {path.parent.name for path in (marts_run_dir / "nodes").glob("*/run_results.json")}
    assert kept == dbt_tasks
    results = json.loads((marts_run_dir / "run_results.json").read_text())["results"]
    assert {r["status"] for r in results} <= {"success", "pass", "warn"}
    ran = {r["unique_id"] for r in results}
    models = {u for u, n in dbt_manifest["nodes"].items() if n["resource_type"] == "model"}
    assert models <= ran
    assert (marts_run_dir / "freshness" / "sources.json").is_file()  # dbt source freshness


def test_dbt_results_in_the_ledger(airflow_run, marts_run_dir) -> None:
    results = json.loads((marts_run_dir / "run_results.json").read_text())["results"]
    tests = [r for r in results if r["unique_id"].startswith(("test.", "unit_test."))]
    engine = sa.create_engine(airflow_run["warehouse"])
    with engine.connect() as conn:
        suites = dict(
            conn.execute(
                sa.text(
                    "select suite, count(*) from audit.dq_results"
                    " where source = 'dbt' group by suite"
                )
            ).all()
        )
    engine.dispose()
    assert suites.get("dbt_tests") == len(tests) > 0
    assert suites.get("dbt_source_freshness", 0) >= 1


def test_dbt_docs_published_beside_the_report(airflow_run) -> None:
    dq = airflow_run["root"] / "reports" / "dq"
    for name in ("index.html", "static_index.html", "catalog.json", "manifest.json"):
        assert (dq / "dbt" / name).is_file(), name
    assert "href='dbt/static_index.html'" in (dq / "index.html").read_text()


def test_warehouse_holds_both_sources_and_a_mart(airflow_run) -> None:
    engine = sa.create_engine(airflow_run["warehouse"])
    with engine.connect() as conn:
        projects = conn.execute(sa.text("select project_number from staging.adb_projects")).all()
        cdia = conn.execute(sa.text("select city from staging.cdia_interventions")).all()
        marts = conn.execute(
            sa.text("select count(*) from marts.portfolio_by_country_sector_status")
        ).scalar_one()
    engine.dispose()
    assert projects == [("54037-001",)]
    assert cdia == [("Chongqing",)]
    assert marts >= 1


def test_dq_report_written(airflow_run) -> None:
    assert (airflow_run["root"] / "reports" / "dq" / "index.html").is_file()

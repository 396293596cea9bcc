"""The DAGs run to completion through Airflow (`airflow dags test`), as `make run` runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def airflow_run(tmp_path_factory: pytest.TempPathFactory, seed_samples: Path) -> dict[str, object]:
    root = tmp_path_factory.mktemp("airflow_run")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow.db'}",
        "DEVFIN_REPO_DIR": str(REPO_DIR),
        "DEVFIN_WAREHOUSE_URL": f"duckdb:///{root / 'devfin.duckdb'}",
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
        "DEVFIN_SAMPLE_DIR": str(seed_samples),
    }
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
    return {"root": root, "logs": logs, "warehouse": env["DEVFIN_WAREHOUSE_URL"]}


def test_every_task_succeeds(airflow_run) -> None:
    logs = airflow_run["logs"]
    for dag_id, tasks in (
        ("ingest_adb_pds", ("discover", "fetch", "parse", "validate", "load")),
        ("ingest_cdia", ("discover", "fetch", "parse", "validate", "load")),
        ("build_marts", ("dbt_build", "dq_report")),
    ):
        output = logs[f"dags test {dag_id}"]
        for task_id in tasks:
            assert f"[DAG TEST] end task task_id={task_id} " in output, (dag_id, task_id)
        # The run log is what `make run` shows: every task ended in success, none failed.
        assert output.count("new_state=success") == len(tasks), dag_id
        assert "new_state=failed" not in output, dag_id


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

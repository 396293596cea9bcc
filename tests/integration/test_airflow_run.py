"""The DAGs run to completion through Airflow (`airflow dags test`), as `make run` runs them; then
the marts DAG again with nothing new (it ends at once), and with a mart whose test fails (that
mart's task fails, no other; cleared, the task rebuilds that mart alone). The runs are the
session's (tests/made_run.py), which test_make_run reads too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.airflow_run import read_run, sqlite_path
from tests.made_run import BROKEN_MART, MadeRun, airflow

pytestmark = pytest.mark.integration


def _dag_run(env: dict[str, str], dag_id: str) -> dict[str, object]:
    """One `airflow dags test` of a DAG: its log, run id and the state of each task (read from
    Airflow's metadata database, as `make run`'s runner reads it)."""
    log = airflow(env, "dags", "test", dag_id)
    metadata = sqlite_path(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    run_id, _, _, tasks = read_run(metadata, dag_id)
    return {"log": log, "run_id": run_id, "states": {task.task_id: task.state for task in tasks}}


@pytest.fixture(scope="module")
def airflow_run(made_run: MadeRun) -> dict[str, object]:
    """The session's `make run` (tests/made_run.py): each DAG's log, the marts DAG's run."""
    marts = made_run.runs["build_marts"]
    return {
        "root": made_run.root,
        "logs": {f"dags test {dag_id}": run.log for dag_id, run in made_run.runs.items()},
        "marts": {"log": marts.log, "run_id": marts.run_id, "states": marts.states},
        "warehouse": made_run.env["DEVFIN_WAREHOUSE_URL"],
        "env": made_run.env,
    }


def _ended_tasks(output: str) -> list[str]:
    return re.findall(r"\[DAG TEST\] end task task_id=(\S+) ", output)


@pytest.fixture(scope="module")
def dbt_manifest(airflow_run) -> dict:
    """The manifest the marts DAG was drawn from (same settings, same project: same file)."""
    from devfin.settings import load_settings
    from devfin.transform.manifest import dbt_manifest

    return json.loads(dbt_manifest(load_settings(airflow_run["env"])).read_text())


def _run_dir(airflow_run, run_id: str) -> Path:
    from devfin.settings import load_settings

    return load_settings(airflow_run["env"]).dbt_run_dir(run_id)


@pytest.fixture(scope="module")
def marts_run_dir(airflow_run) -> Path:
    return _run_dir(airflow_run, airflow_run["marts"]["run_id"])


def _marts(manifest: dict) -> list[str]:
    return [
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    ]


def test_every_task_succeeds(airflow_run) -> None:
    logs = airflow_run["logs"]
    for dag_id in ("ingest_adb_pds", "ingest_cdia", "build_marts"):
        output = logs[f"dags test {dag_id}"]
        ended = _ended_tasks(output)
        if dag_id == "build_marts":
            assert {"dbt_build", "dbt_results", "dq_report"} <= set(ended)
            assert set(airflow_run["marts"]["states"].values()) == {"success"}
        else:
            ingest = {"discover", "fetch", "parse", "validate", "load", "staging_changed"}
            assert set(ended) == {*ingest, "announce_staging"}, dag_id
        # The run log is what `make run` shows: every task ended in success, none failed.
        assert output.count("new_state=success") == len(ended), dag_id
        assert "new_state=failed" not in output, dag_id


def test_one_dbt_build_then_every_mart_as_an_airflow_task(airflow_run, dbt_manifest) -> None:
    """The run log lists one dbt build, then a task per mart (after the layers under the marts,
    before the tests spanning several marts), then the ledger and the report."""
    ended = _ended_tasks(airflow_run["logs"]["dags test build_marts"])
    marts = _marts(dbt_manifest)
    assert len(marts) >= 10
    mart_tasks = [f"dbt.{name}" for name in marts]
    assert set(mart_tasks) <= set(ended)
    first, last = min(map(ended.index, mart_tasks)), max(map(ended.index, mart_tasks))
    assert ended[:3] == ["staging_changed", "dbt_build", "dbt_foundations"] and first == 3
    assert last < ended.index("dbt_mart_tests") < ended.index("dbt_results")
    assert ended[-2:] == ["dbt_results", "dq_report"]
    # dbt ran once, in one process (build, freshness, docs): no task but dbt_build started it
    log = airflow_run["logs"]["dags test build_marts"]
    assert log.count("running dbt build") == 1 and "running /" not in log


def test_dbt_artifacts_kept_per_run(marts_run_dir, dbt_manifest) -> None:
    # The build's results, merged with no re-run: every node of the project, passed.
    results = json.loads((marts_run_dir / "run_results.json").read_text())
    assert [i["artifact"] for i in results["invocations"]] == ["build/run_results.json"]
    assert {r["status"] for r in results["results"]} <= {"success", "pass", "warn", "no-op"}
    ran = {r["unique_id"] for r in results["results"]}
    models = {u for u, n in dbt_manifest["nodes"].items() if n["resource_type"] == "model"}
    assert models <= ran
    assert (marts_run_dir / "freshness" / "sources.json").is_file()  # dbt source freshness


def _ledger(airflow_run, run_id: str) -> dict[str, dict[str, bool]]:
    """The dbt rows of a run in audit.dq_results: suite → check → success."""
    engine = sa.create_engine(airflow_run["warehouse"])
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select suite, check_name, success from audit.dq_results"
                " where source = 'dbt' and load_id = :run_id"
            ),
            {"run_id": run_id},
        ).all()
    engine.dispose()
    ledger: dict[str, dict[str, bool]] = {}
    for suite, check, success in rows:
        ledger.setdefault(suite, {})[check] = success
    return ledger


def _failed(airflow_run, run_id: str) -> dict[str, str]:
    """The dbt tests of a run that failed in audit.dq_results: check → severity (`warning`: a
    test of severity warn, a data quality flag that fails no task; `critical`: one that fails)."""
    engine = sa.create_engine(airflow_run["warehouse"])
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select check_name, severity from audit.dq_results where source = 'dbt'"
                " and suite = 'dbt_tests' and load_id = :run_id and not success"
            ),
            {"run_id": run_id},
        ).all()
    engine.dispose()
    return dict(rows)


def test_dbt_results_in_the_ledger(airflow_run, marts_run_dir) -> None:
    results = json.loads((marts_run_dir / "run_results.json").read_text())["results"]
    tests = [r for r in results if r["unique_id"].startswith(("test.", "unit_test."))]
    ledger = _ledger(airflow_run, airflow_run["marts"]["run_id"])
    assert len(ledger["dbt_tests"]) == len(tests) > 0
    assert len(ledger.get("dbt_source_freshness", {})) >= 1


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
    assert ("54037-001",) in projects  # the seed sheets, among the bundled samples
    assert ("Chongqing",) in cdia
    assert marts >= 1


def test_dq_report_written(airflow_run) -> None:
    assert (airflow_run["root"] / "reports" / "dq" / "index.html").is_file()


def test_an_ingest_run_with_nothing_new_schedules_no_marts(airflow_run) -> None:
    """The same sheets again: nothing loaded, so the Asset is left alone (`announce_staging`
    skipped), yet source freshness reaches the ledger under the run and the report shows it."""
    run = _dag_run(airflow_run["env"], "ingest_cdia")
    run_id, states = run["run_id"], run["states"]
    engine = sa.create_engine(airflow_run["env"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    with engine.connect() as conn:
        events = conn.execute(
            sa.text("select count(*) from asset_event where source_run_id = :run_id"),
            {"run_id": run_id},
        ).scalar_one()
    engine.dispose()
    assert states["announce_staging"] == "skipped"
    assert events == 0
    assert {states["source_freshness"], states["dq_report"]} == {"success"}
    assert "cdia: no new sheet version loaded" in run["log"]
    assert _ledger(airflow_run, run_id).get("dbt_source_freshness")


@pytest.fixture(scope="module")
def unchanged_run(unchanged_marts_run: MadeRun) -> dict[str, object]:
    """The marts DAG again, nothing loaded since: the same staging, the same project."""
    run = unchanged_marts_run.runs["build_marts"]
    return {"log": run.log, "run_id": run.run_id, "states": run.states}


def test_nothing_new_ends_the_marts_dag_at_once(airflow_run, unchanged_run) -> None:
    states = unchanged_run["states"]
    assert states.pop("staging_changed") == "success"
    assert set(states.values()) == {"skipped"}
    assert (
        "staging and the dbt project unchanged since the last full build" in (unchanged_run["log"])
    )
    assert not _run_dir(airflow_run, unchanged_run["run_id"]).exists()  # dbt never ran


@pytest.fixture(scope="module")
def broken_run(broken_marts_run: MadeRun) -> dict[str, object]:
    """The marts DAG on a copy of the dbt project where a test of one mart fails; its `env`
    the mart's fixed (the variable that breaks it unset)."""
    run = broken_marts_run.runs["build_marts"]
    env = {k: v for k, v in broken_marts_run.env.items() if k != "DEVFIN_TEST_BREAK_MART"}
    return {"log": run.log, "run_id": run.run_id, "states": run.states, "env": env}


def test_a_failing_mart_test_fails_that_marts_task_alone(
    airflow_run, broken_run, dbt_manifest
) -> None:
    states = broken_run["states"]
    assert states[f"dbt.{BROKEN_MART}"] == "failed"
    others = [f"dbt.{name}" for name in _marts(dbt_manifest) if name != BROKEN_MART]
    for task_id in ("staging_changed", "dbt_build", "dbt_foundations", "dbt_mart_tests", *others):
        assert states[task_id] == "success", task_id
    # The ledger records the failure, and the run fails without its report.
    assert states["dbt_results"] == "failed"
    assert states["dq_report"] == "upstream_failed"
    ledger = _ledger(airflow_run, broken_run["run_id"])
    assert ledger["dbt_tests"][f"assert_{BROKEN_MART}_breakable"] is False
    failed = _failed(airflow_run, broken_run["run_id"])
    assert {name for name, severity in failed.items() if severity == "critical"} == {
        f"assert_{BROKEN_MART}_breakable"
    }  # the demo data may raise warnings (a test of severity warn), which fail no task
    # The failing mart's task says which test failed and how, in the run log.
    assert f"test assert_{BROKEN_MART}_breakable: fail" in broken_run["log"]
    assert "broken on purpose" in broken_run["log"]  # its compiled SQL


def test_a_failed_marts_task_run_again_rebuilds_that_mart_alone(airflow_run, broken_run) -> None:
    """The mart fixed (the variable unset), its task run again (`airflow tasks test`: as when
    cleared in the UI) rebuilds and retests that mart alone; the run's record then passes."""
    from devfin.settings import load_settings
    from devfin.transform.marts import BUILD_RECORD, FULL_BUILD_STAMP, record_build

    run_id, env = broken_run["run_id"], broken_run["env"]
    task_id = f"dbt.{BROKEN_MART}"
    log = airflow(env, "tasks", "test", "build_marts", task_id, run_id)
    assert "building its" in log and "nodes again, alone" in log
    run_dir = _run_dir(airflow_run, run_id)
    rerun = json.loads((run_dir / "nodes" / task_id / "run_results.json").read_text())
    built = {r["unique_id"].split(".")[0] for r in rerun["results"]}
    assert built == {"model", "test"}
    assert [r["unique_id"] for r in rerun["results"] if r["unique_id"].startswith("model.")] == [
        f"model.devfin.{BROKEN_MART}"
    ]
    assert {r["status"] for r in rerun["results"]} <= {"success", "pass"}
    others = [p for p in (run_dir / "nodes").glob("*/run_results.json") if p.parent.name != task_id]
    assert not others

    # What dbt_results does when cleared after it: the run's ledger, now passing.
    settings = load_settings(env)
    record_build(run_id, settings)
    assert "critical" not in _failed(airflow_run, run_id).values()
    # Every node passed: the build is the last full build again (nothing new: nothing to build).
    stamp = json.loads((settings.data_dir / "dbt" / FULL_BUILD_STAMP).read_text())
    assert stamp == json.loads((run_dir / BUILD_RECORD).read_text())["stamp"]

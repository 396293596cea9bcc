"""DAG integrity: the DAG files import cleanly, open no connection while parsing, and are wired."""

from __future__ import annotations

import itertools
import json
import socket
from pathlib import Path

import pytest

pytest.importorskip("airflow")

REPO_DIR = Path(__file__).resolve().parents[2]
EXPECTED_DAGS = {"ingest_adb_iati", "ingest_adb_pds", "ingest_cdia", "build_marts"}


class ConnectionOpened(AssertionError):
    pass


@pytest.fixture(scope="module")
def dag_bag():
    import sqlalchemy
    from airflow.dag_processing.dagbag import DagBag

    from devfin.settings import load_settings
    from devfin.transform.manifest import dbt_manifest

    # As `make run` and `make test` do: `dbt parse` before the DAG parse, which then only reads
    # the manifest (a cold `dbt parse` can take longer than Airflow gives a DAG file to import).
    dbt_manifest(load_settings())

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionOpened("a DAG file opened a connection while being parsed")

    # Parsing must open no socket and create no warehouse engine.
    patch = pytest.MonkeyPatch()
    patch.setattr(socket.socket, "connect", refuse)
    patch.setattr(sqlalchemy, "create_engine", refuse)
    try:
        bag = DagBag(dag_folder=str(REPO_DIR / "dags"))
    finally:
        patch.undo()
    return bag


def test_no_import_errors(dag_bag) -> None:
    assert dag_bag.import_errors == {}


def test_expected_dags_present(dag_bag) -> None:
    assert set(dag_bag.dag_ids) == EXPECTED_DAGS


# The tasks answering for the nodes of the marts DAG's dbt build: never retried (a failing test
# fails the same way twice); cleared, such a task rebuilds its own nodes.
WATCHERS = ("dbt_foundations", "dbt_mart_tests")


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_has_docs_and_retries(dag_bag, dag_id: str) -> None:
    dag = dag_bag.dags.get(dag_id)
    assert dag.doc_md and dag.doc_md.strip(), f"{dag_id} has no doc_md"
    assert dag.default_args.get("retries", 0) >= 1, f"{dag_id} has no retries"
    for task in dag.tasks:
        if task.task_id.startswith("dbt.") or task.task_id in WATCHERS:
            assert task.retries == 0, f"{dag_id}.{task.task_id} retries dbt tests"
        else:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"


def test_ingest_dags_are_fetch_parse_validate_load(dag_bag) -> None:
    for source in ("adb_pds", "cdia"):
        dag = dag_bag.dags.get(f"ingest_{source}")
        order = ["discover", "fetch", "parse", "validate", "load", "staging_changed"]
        assert set(dag.task_ids) == {*order, "announce_staging", "source_freshness", "dq_report"}
        for upstream, downstream in itertools.pairwise(order):
            assert downstream in dag.get_task(upstream).downstream_task_ids
        # A load that added nothing new announces nothing: freshness is checked and the report
        # shows its run instead.
        branch = dag.get_task("staging_changed")
        assert branch.downstream_task_ids == {"announce_staging", "source_freshness"}
        assert dag.get_task("source_freshness").downstream_task_ids == {"dq_report"}
        assert not any(dag.get_task(t).outlets for t in ("load", "source_freshness", "dq_report"))


def test_marts_dag_is_scheduled_on_every_ingest_asset(dag_bag) -> None:
    load_outlets = {
        outlet.uri
        for source in ("adb_iati", "adb_pds", "cdia")
        for outlet in dag_bag.dags.get(f"ingest_{source}").get_task("announce_staging").outlets
    }
    marts = dag_bag.dags.get("build_marts")
    scheduled_on = {asset.uri for asset in marts.timetable.asset_condition.objects}
    assert load_outlets and scheduled_on == load_outlets


@pytest.fixture(scope="module")
def dbt_nodes(dag_bag) -> dict[str, dict]:
    """The nodes of the dbt project as the manifest the marts DAG was drawn from lists them."""
    from devfin.settings import load_settings
    from devfin.transform.manifest import dbt_manifest

    manifest = json.loads(dbt_manifest(load_settings()).read_text())
    return {**manifest["nodes"], **manifest.get("unit_tests", {})}


def _marts(dbt_nodes: dict[str, dict]) -> dict[str, list[str]]:
    """Each mart and the marts it reads."""
    marts = {
        uid: n
        for uid, n in dbt_nodes.items()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    }
    return {
        n["name"]: [marts[p]["name"] for p in n["depends_on"]["nodes"] if p in marts]
        for n in marts.values()
    }


def test_marts_dag_builds_once_then_has_a_task_per_mart(dag_bag, dbt_nodes) -> None:
    """staging_changed, then one dbt build, then a task per mart, in dbt's lineage: after the
    layers under the marts and the marts it reads, before the tests spanning several marts."""
    marts_dag = dag_bag.dags.get("build_marts")
    marts = _marts(dbt_nodes)
    assert len(marts) >= 10 and any(marts.values())
    assert marts_dag.get_task("staging_changed").downstream_task_ids == {"dbt_build"}
    build = marts_dag.get_task("dbt_build")
    assert build.upstream_task_ids == {"staging_changed"}
    assert marts_dag.get_task("dbt_foundations").upstream_task_ids == {"dbt_build"}
    mart_tests = marts_dag.get_task("dbt_mart_tests")
    for name, reads in marts.items():
        task = marts_dag.get_task(f"dbt.{name}")
        assert task.upstream_task_ids == {"dbt_build", "dbt_foundations"} | {
            f"dbt.{upstream}" for upstream in reads
        }, name
        assert "dbt_mart_tests" in task.get_flat_relative_ids(upstream=False), name
    assert "dbt_build" in mart_tests.upstream_task_ids
    assert mart_tests.downstream_task_ids == {"dbt_results", "dq_report"}
    # No task runs dbt but dbt_build (and a cleared task its own nodes).
    assert {t.task_id for t in marts_dag.tasks} == {
        "staging_changed",
        "dbt_build",
        "dbt_foundations",
        *(f"dbt.{name}" for name in marts),
        "dbt_mart_tests",
        "dbt_results",
        "dq_report",
    }


def test_marts_dag_tasks_answer_whenever_the_build_succeeded(dag_bag, dbt_nodes) -> None:
    """A mart's task runs when the build succeeded, whatever the marts it reads did: each shows
    its own mart's state."""
    marts_dag = dag_bag.dags.get("build_marts")
    for task_id in ("dbt_foundations", "dbt_mart_tests", *(f"dbt.{m}" for m in _marts(dbt_nodes))):
        task = marts_dag.get_task(task_id)
        assert task.trigger_rule == "all_done_min_one_success", task_id
        assert "dbt_build" in task.upstream_task_ids, task_id
    # nothing new: the first task ends the run, skipping every task after it
    assert marts_dag.get_task("staging_changed").ignore_downstream_trigger_rules


def test_marts_dag_records_results_after_dbt_then_reports(dag_bag) -> None:
    marts = dag_bag.dags.get("build_marts")
    results, report = marts.get_task("dbt_results"), marts.get_task("dq_report")
    # dbt_results runs whatever the tasks answering for dbt's nodes did: it records failed
    # tests too.
    assert results.trigger_rule == "all_done"
    assert results.upstream_task_ids == {"dbt_mart_tests"}
    # The report waits on those tasks too: one that failed fails the run.
    assert {"dbt_foundations", "dbt_mart_tests", "dbt_results"} < report.upstream_task_ids
    others = report.upstream_task_ids - {"dbt_foundations", "dbt_mart_tests", "dbt_results"}
    assert others and all(task_id.startswith("dbt.") for task_id in others)


def test_marts_dag_imports_on_a_clean_checkout(tmp_path: Path, monkeypatch) -> None:
    """No manifest yet: parsing the DAG file makes it (`dbt parse`, no connection)."""
    import sqlalchemy
    from airflow.dag_processing.dagbag import DagBag

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionOpened("a DAG file opened a connection while being parsed")

    monkeypatch.setenv("DEVFIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT", "300")  # a cold `dbt parse`
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(sqlalchemy, "create_engine", refuse)
    bag = DagBag(dag_folder=str(REPO_DIR / "dags" / "build_marts.py"))
    assert bag.import_errors == {}
    assert any(task_id.startswith("dbt.") for task_id in bag.dags["build_marts"].task_ids)
    assert list((tmp_path / "data" / "dbt-parse").glob("*/manifest.json"))


def test_dag_files_hold_no_business_logic() -> None:
    for path in (REPO_DIR / "dags").glob("*.py"):
        text = path.read_text()
        for forbidden in (
            "import httpx",
            "import sqlalchemy",
            "select ",
            "insert into",
            "selectolax",
        ):
            assert forbidden not in text.lower(), f"{path.name} contains {forbidden!r}"


def test_devfin_never_imports_airflow() -> None:
    for path in (REPO_DIR / "include" / "devfin").rglob("*.py"):
        text = path.read_text()
        assert "import airflow" not in text and "from airflow" not in text, path


def test_each_ingest_dag_runs_as_often_as_its_source_changes(dag_bag) -> None:
    # ADB regenerates its IATI files about weekly; the data sheets are read daily.
    schedules = {
        source: dag_bag.dags.get(f"ingest_{source}").schedule
        for source in ("adb_iati", "adb_pds", "cdia")
    }
    assert schedules == {"adb_iati": "@weekly", "adb_pds": "@daily", "cdia": "@daily"}

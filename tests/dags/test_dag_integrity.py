"""DAG integrity: the DAG files import cleanly, open no connection while parsing, and are wired."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path

import pytest

pytest.importorskip("airflow")

REPO_DIR = Path(__file__).resolve().parents[2]
EXPECTED_DAGS = {"ingest_adb_pds", "ingest_cdia", "build_marts"}


class ConnectionOpened(AssertionError):
    pass


@pytest.fixture(scope="module")
def dag_bag():
    import sqlalchemy
    from airflow.dag_processing.dagbag import DagBag

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


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_has_docs_and_retries(dag_bag, dag_id: str) -> None:
    dag = dag_bag.dags.get(dag_id)
    assert dag.doc_md and dag.doc_md.strip(), f"{dag_id} has no doc_md"
    assert dag.default_args.get("retries", 0) >= 1, f"{dag_id} has no retries"
    for task in dag.tasks:
        assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"


def test_ingest_dags_are_fetch_parse_validate_load(dag_bag) -> None:
    for source in ("adb_pds", "cdia"):
        dag = dag_bag.dags.get(f"ingest_{source}")
        order = ["discover", "fetch", "parse", "validate", "load"]
        assert set(dag.task_ids) == set(order)
        for upstream, downstream in itertools.pairwise(order):
            assert downstream in dag.get_task(upstream).downstream_task_ids


def test_marts_dag_is_scheduled_on_both_ingest_assets(dag_bag) -> None:
    load_outlets = {
        outlet.uri
        for source in ("adb_pds", "cdia")
        for outlet in dag_bag.dags.get(f"ingest_{source}").get_task("load").outlets
    }
    marts = dag_bag.dags.get("build_marts")
    scheduled_on = {asset.uri for asset in marts.timetable.asset_condition.objects}
    assert load_outlets and scheduled_on == load_outlets


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

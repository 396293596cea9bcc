"""The embedded run several modules read (tests/made_run.py), made once per session: the three
DAGs as `make run` runs them, the marts DAG again with nothing new, then with a failing mart."""

from __future__ import annotations

import pytest

from tests.made_run import BROKEN_MART, MadeRun, airflow_home, airflow_run, broken_project


@pytest.fixture(scope="session")
def made_run(tmp_path_factory: pytest.TempPathFactory) -> MadeRun:
    """`make run` on the bundled samples in a throwaway Airflow home and warehouse."""
    root = tmp_path_factory.mktemp("made_run")
    return airflow_run(root, airflow_home(root))


@pytest.fixture(scope="session")
def unchanged_marts_run(made_run: MadeRun) -> MadeRun:
    """The marts DAG again, nothing loaded since: the same staging, the same project."""
    return airflow_run(made_run.root, made_run.env, "build_marts")


@pytest.fixture(scope="session")
def broken_marts_run(
    made_run: MadeRun, unchanged_marts_run: MadeRun, tmp_path_factory: pytest.TempPathFactory
) -> MadeRun:
    """The marts DAG on a copy of the dbt project (so: changed, after the unchanged run) where
    a test of one mart fails: that mart's task fails, with no retry."""
    project = broken_project(tmp_path_factory.mktemp("broken"))
    env = {**made_run.env, "DEVFIN_DBT_PROJECT_DIR": str(project)}
    return airflow_run(made_run.root, {**env, "DEVFIN_TEST_BREAK_MART": BROKEN_MART}, "build_marts")

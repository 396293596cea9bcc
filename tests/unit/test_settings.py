"""Settings: defaults, overrides, and the dbt variables derived from the warehouse URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfin.errors import ConfigError
from devfin.settings import load_settings


def test_embedded_defaults_live_under_the_repo(tmp_path: Path) -> None:
    settings = load_settings({"DEVFIN_REPO_DIR": str(tmp_path)})
    assert settings.warehouse_url == f"duckdb:///{tmp_path}/warehouse/devfin.duckdb"
    assert settings.warehouse_kind == "duckdb"
    assert settings.archive_url == str(tmp_path / "data" / "archive")
    assert settings.dbt_env() == {
        "DEVFIN_DBT_TARGET": "duckdb",
        "DEVFIN_DUCKDB_PATH": f"{tmp_path}/warehouse/devfin.duckdb",
        "DEVFIN_DUCKDB_DBT_MEMORY_LIMIT": "256MB",
    }


def test_postgres_url_gives_the_dbt_postgres_target() -> None:
    settings = load_settings(
        {"DEVFIN_WAREHOUSE_URL": "postgresql+psycopg://loader:s3cret@db.example:6543/dw"}
    )
    assert settings.warehouse_kind == "postgresql"
    assert settings.dbt_env() == {
        "DEVFIN_DBT_TARGET": "postgres",
        "DEVFIN_PG_HOST": "db.example",
        "DEVFIN_PG_PORT": "6543",
        "DEVFIN_PG_USER": "loader",
        "DEVFIN_PG_PASSWORD": "s3cret",
        "DEVFIN_PG_DATABASE": "dw",
    }


@pytest.mark.parametrize(
    ("environ", "level"), [({}, "info"), ({"DBT_LOG_LEVEL_FILE": "debug"}, "debug")]
)
def test_dbt_writes_its_log_file_at_info_unless_told_otherwise(
    environ: dict[str, str], level: str
) -> None:
    from devfin.marts import dbt_env

    assert dbt_env(load_settings(environ))["DBT_LOG_LEVEL_FILE"] == level


@pytest.mark.parametrize(
    ("caller", "options"),
    [
        ({}, "-c jit=off"),
        ({"PGOPTIONS": "-c jit=on -c work_mem=64MB"}, "-c jit=off -c jit=on -c work_mem=64MB"),
    ],
)
def test_dbt_connects_to_postgres_without_jit_unless_the_caller_asks(
    caller: dict[str, str], options: str
) -> None:
    from devfin.marts import dbt_env

    settings = load_settings({"DEVFIN_WAREHOUSE_URL": "postgresql+psycopg://u@h:5432/dw"})
    # libpq applies the options in order: the caller's, after devfin's, win
    assert dbt_env(settings, caller)["PGOPTIONS"] == options


def test_dbt_on_duckdb_gets_no_postgres_options(tmp_path: Path) -> None:
    from devfin.marts import dbt_env

    settings = load_settings({"DEVFIN_REPO_DIR": str(tmp_path)})
    assert "PGOPTIONS" not in dbt_env(settings, {"PGOPTIONS": "-c jit=on"})


@pytest.mark.parametrize(
    ("raw", "limit"),
    [(None, "128MB"), ("1GiB", "1GiB"), (" 512 MB ", "512 MB"), ("1.5GB", "1.5GB")],
)
def test_the_duckdb_load_memory_limit_is_an_amount_of_memory(raw: str | None, limit: str) -> None:
    environ = {} if raw is None else {"DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT": raw}
    assert load_settings(environ).duckdb_load_memory_limit == limit


def test_dbt_gets_its_duckdb_memory_limit_from_the_settings() -> None:
    settings = load_settings({"DEVFIN_DUCKDB_DBT_MEMORY_LIMIT": "2GiB"})
    assert settings.dbt_env()["DEVFIN_DUCKDB_DBT_MEMORY_LIMIT"] == "2GiB"


@pytest.mark.parametrize(
    "name", ["DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT", "DEVFIN_DUCKDB_DBT_MEMORY_LIMIT"]
)
@pytest.mark.parametrize("raw", ["lots", "512", "-1GB", "1GB; drop table x"])
def test_a_malformed_duckdb_memory_limit_is_a_clear_error(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: raw})


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url"])
def test_unsupported_warehouse_is_a_clear_error(url: str) -> None:
    with pytest.raises(ConfigError, match="DEVFIN_WAREHOUSE_URL"):
        load_settings({"DEVFIN_WAREHOUSE_URL": url})


def test_run_dir_is_safe_for_airflow_run_ids(tmp_path: Path) -> None:
    settings = load_settings({"DEVFIN_REPO_DIR": str(tmp_path)})
    run_dir = settings.run_dir("adb_pds", "manual__2026-11-23T05:00:00+00:00")
    assert run_dir.parent == tmp_path / "data" / "runs" / "adb_pds"
    assert ":" not in run_dir.name and "+" not in run_dir.name

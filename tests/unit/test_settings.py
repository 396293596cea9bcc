"""Settings: defaults, overrides, and the dbt variables derived from the warehouse URL."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from devfin.errors import ConfigError
from devfin.settings import Environment, documented_variables, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"
# A row of the configuration table: | `VARIABLE` | default | meaning |
TABLE_ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| (.+?) \| (.+) \|$")


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
    from devfin.transform.dbt import dbt_env

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
    from devfin.transform.dbt import dbt_env

    settings = load_settings({"DEVFIN_WAREHOUSE_URL": "postgresql+psycopg://u@h:5432/dw"})
    # libpq applies the options in order: the caller's, after devfin's, win
    assert dbt_env(settings, caller)["PGOPTIONS"] == options


def test_dbt_on_duckdb_gets_no_postgres_options(tmp_path: Path) -> None:
    from devfin.transform.dbt import dbt_env

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


def _readme_variables() -> dict[str, tuple[str, str]]:
    """The README's configuration table: variable -> (default, meaning) as written there."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = (TABLE_ROW.match(line) for line in section.splitlines())
    return {row[1]: (row[2], row[3]) for row in rows if row}


def test_the_readme_lists_every_variable_with_its_default_and_meaning() -> None:
    readme, model = _readme_variables(), documented_variables()
    assert sorted(readme.keys() - model.keys()) == [], "in the README, not in settings.Environment"
    assert sorted(model.keys() - readme.keys()) == [], "in settings.Environment, not in the README"
    for variable, (default, meaning) in model.items():
        assert readme[variable][0] == default, f"{variable}: the README's default differs"
        assert readme[variable][1] == meaning, f"{variable}: the README's meaning differs"


def test_the_documented_derived_defaults_are_the_ones_resolved(tmp_path: Path) -> None:
    settings = load_settings({"DEVFIN_REPO_DIR": str(tmp_path)})
    anchors = {"<repo>": str(tmp_path), "<data>": str(tmp_path / "data")}
    checked = []
    for name, field in Environment.model_fields.items():
        default = documented_variables()[str(field.validation_alias)][0]
        template = re.fullmatch(r"`([^`]*(<repo>|<data>)[^`]*)`", default)
        if template:
            expected = template[1].replace(template[2], anchors[template[2]])
            assert str(getattr(settings, name)) == expected, name
            checked.append(name)
    assert "data_dir" in checked and "archive_url" in checked and "warehouse_url" in checked


def test_http_config_defaults_are_the_settings_defaults() -> None:
    from devfin.extract.http import HttpConfig
    from devfin.extract.http_source import http_config

    assert http_config(load_settings({})) == HttpConfig()


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("DEVFIN_HTTP_CONCURRENCY", "four", "must be a positive int, got 'four'"),
        ("DEVFIN_HTTP_MAX_ATTEMPTS", "1.5", "must be a positive int, got '1.5'"),
        ("DEVFIN_FETCH_BATCH_SIZE", "0", "must be a positive int, got '0'"),
        ("DEVFIN_HTTP_REQUESTS_PER_SECOND", "-1", "must be a positive float, got '-1'"),
        ("DEVFIN_WAREHOUSE_LOCK_TIMEOUT", "soon", "must be a positive float, got 'soon'"),
        ("DEVFIN_HTTP_RESPECT_ROBOTS", " Maybe ", "must be true or false, got 'maybe'"),
        ("DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT", "lots", "such as 256MB or 1GiB, got 'lots'"),
    ],
)
def test_a_malformed_value_is_an_error_naming_the_variable_and_the_value(
    name: str, raw: str, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({name: raw})
    assert str(error.value).startswith(name)
    assert message in str(error.value)


def test_values_are_read_as_their_types() -> None:
    settings = load_settings(
        {
            "DEVFIN_HTTP_REQUESTS_PER_SECOND": "0.5",
            "DEVFIN_HTTP_CONCURRENCY": "8",
            "DEVFIN_HTTP_ALLOWED_HOSTS": " www.adb.org, ,cdia.asia ",
            "DEVFIN_HTTP_RESPECT_ROBOTS": "off",
            "DEVFIN_SHEETS_FILE": "include/sheets.yml",
            "DEVFIN_WAREHOUSE_LOCK_TIMEOUT": "30",
        }
    )
    assert settings.http_requests_per_second == 0.5
    assert settings.http_concurrency == 8
    assert settings.http_allowed_hosts == frozenset({"www.adb.org", "cdia.asia"})
    assert settings.http_respect_robots is False
    assert settings.sheets_file == Path("include/sheets.yml")
    assert settings.warehouse_lock_timeout_seconds == 30.0


def test_an_empty_variable_is_an_unset_one(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DEVFIN_REPO_DIR": str(tmp_path),
            "DEVFIN_DATA_DIR": "",
            "DEVFIN_HTTP_CONCURRENCY": "",
            "DEVFIN_HTTP_RESPECT_ROBOTS": " ",
            "DEVFIN_SHEETS_FILE": "",
        }
    )
    assert settings.data_dir == tmp_path / "data"
    assert settings.http_concurrency == 4
    assert settings.http_respect_robots is True
    assert settings.sheets_file is None


def test_the_mapping_given_replaces_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVFIN_HTTP_CONCURRENCY", "9")
    assert load_settings().http_concurrency == 9
    assert load_settings({}).http_concurrency == 4
    # Variable names are case-sensitive, as the environment is.
    assert load_settings({"devfin_http_concurrency": "9"}).http_concurrency == 4


def test_settings_are_frozen_and_replaceable(tmp_path: Path) -> None:
    settings = load_settings({"DEVFIN_REPO_DIR": str(tmp_path)})
    changed = dataclasses.replace(settings, data_dir=tmp_path / "elsewhere")
    assert changed.run_dir("cdia", "r1") == tmp_path / "elsewhere" / "runs" / "cdia" / "r1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.data_dir = tmp_path  # type: ignore[misc]

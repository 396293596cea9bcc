"""The one place devfin reads its configuration: `DEVFIN_*` environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from devfin.errors import ConfigError
from devfin.paths import path_component

PACKAGE_REPO_DIR = Path(__file__).resolve().parents[2]

# The parsers of the variables' text. Each raises a ValueError that reads after the variable's
# name ("must be …, got '…'"): `load_settings` turns it into a ConfigError naming both.


def _positive(kind: type[int] | type[float]) -> Callable[[Any], Any]:
    def parse(raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        try:
            value = kind(raw)
        except ValueError:
            value = 0
        if value <= 0:
            raise ValueError(f"must be a positive {kind.__name__}, got {raw!r}")
        return value

    return parse


_SIZE = re.compile(r"\d+(?:\.\d+)?\s*(?:[KMGT]i?B)", re.IGNORECASE)


def _memory_size(raw: Any) -> Any:
    """An amount of memory as DuckDB writes it ("256MB", "1.5GiB")."""
    if not isinstance(raw, str):
        return raw
    raw = raw.strip()
    if not raw:
        raise PydanticUseDefault()  # blank is unset, as an empty variable is
    if not _SIZE.fullmatch(raw):
        raise ValueError(f"must be an amount of memory such as 256MB or 1GiB, got {raw!r}")
    return raw


def _flag(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    raw = raw.strip().lower()
    if not raw:
        raise PydanticUseDefault()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


def _hosts(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    return frozenset(host.strip() for host in raw.split(",") if host.strip())


PositiveInt = Annotated[int, BeforeValidator(_positive(int))]
PositiveFloat = Annotated[float, BeforeValidator(_positive(float))]
MemorySize = Annotated[str, BeforeValidator(_memory_size)]
Flag = Annotated[bool, BeforeValidator(_flag)]
# NoDecode: comma-separated, not the JSON pydantic-settings expects of a collection.
Hosts = Annotated[frozenset[str], NoDecode, BeforeValidator(_hosts)]


def _derived(variable: str, shown: str, description: str) -> Any:
    """A variable whose default `load_settings` derives from others; `shown` is how docs say it."""
    return Field(
        None,
        validation_alias=variable,
        description=description,
        json_schema_extra={"shown_default": shown},
    )


class Environment(BaseSettings):
    """Every variable devfin reads: its name, type, default and meaning (the README's table)."""

    # Case-sensitive, as the environment is on Linux: `devfin_data_dir` is not the variable.
    model_config = SettingsConfigDict(case_sensitive=True, frozen=True, extra="ignore")

    warehouse_url: str | None = _derived(
        "DEVFIN_WAREHOUSE_URL",
        "`duckdb:///<repo>/warehouse/devfin.duckdb`",
        "the warehouse, a SQLAlchemy URL: `duckdb:///PATH` or "
        "`postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB`",
    )
    repo_dir: Path = Field(
        PACKAGE_REPO_DIR,
        validation_alias="DEVFIN_REPO_DIR",
        description="the root the defaults below hang from",
        json_schema_extra={"shown_default": "the checkout holding `include/devfin`"},
    )
    data_dir: Path | None = _derived(
        "DEVFIN_DATA_DIR",
        "`<repo>/data`",
        "run hand-over files, dbt artifacts, and the dbt manifest the marts DAG is drawn from",
    )
    archive_url: str | None = _derived(
        "DEVFIN_ARCHIVE_URL",
        "`<data>/archive`",
        "the raw archive of fetched bodies: a path or any fsspec URL (`s3://bucket/devfin` with "
        "`s3fs` installed)",
    )
    sheets_file: Path | None = _derived(
        "DEVFIN_SHEETS_FILE",
        "unset: read saved pages",
        "a sheets file (YAML, see `include/sheets.yml`): fetch its sources over HTTP",
    )
    http_requests_per_second: PositiveFloat = Field(
        1.0,
        validation_alias="DEVFIN_HTTP_REQUESTS_PER_SECOND",
        description="request starts per host per second, retries and robots.txt included",
    )
    http_concurrency: PositiveInt = Field(
        4,
        validation_alias="DEVFIN_HTTP_CONCURRENCY",
        description="requests in flight at once (per fetch task)",
    )
    http_timeout_seconds: PositiveFloat = Field(
        30.0,
        validation_alias="DEVFIN_HTTP_TIMEOUT_SECONDS",
        description="read timeout of one request",
    )
    http_max_attempts: PositiveInt = Field(
        5,
        validation_alias="DEVFIN_HTTP_MAX_ATTEMPTS",
        description="tries per sheet, the first included",
    )
    http_allowed_hosts: Hosts = Field(
        frozenset(),
        validation_alias="DEVFIN_HTTP_ALLOWED_HOSTS",
        description="comma-separated; redirects elsewhere are refused",
        json_schema_extra={"shown_default": "the hosts of the sheet URLs"},
    )
    http_respect_robots: Flag = Field(
        True,
        validation_alias="DEVFIN_HTTP_RESPECT_ROBOTS",
        description="obey robots.txt",
    )
    http_user_agent: str = Field(
        "devfin/0.1 (+https://github.com/devfin/devfin; data-engineering@devfin.invalid)",
        validation_alias="DEVFIN_HTTP_USER_AGENT",
        description="identifies us to the sites",
    )
    fetch_batch_size: PositiveInt = Field(
        100,
        validation_alias="DEVFIN_FETCH_BATCH_SIZE",
        description="sheets per mapped fetch task",
    )
    parse_workers: PositiveInt = Field(
        default_factory=lambda: os.cpu_count() or 1,
        validation_alias="DEVFIN_PARSE_WORKERS",
        description="processes parsing side by side (a run of fewer than 200 sheets parses in "
        "one); started once per process, from a forkserver",
        json_schema_extra={"shown_default": "the number of CPUs"},
    )
    stream_batch_size: PositiveInt = Field(
        2500,
        validation_alias="DEVFIN_STREAM_BATCH_SIZE",
        description="sheets read, checked and loaded at a time: memory stays flat however big "
        "a run; GX checks the batches' frames together up to 250,000 rows (its cost is mostly "
        "per expectation), the load writes a batch at a time",
    )
    # Used by warehouse.StagingSpool while a load inserts its staging rows.
    duckdb_load_memory_limit: MemorySize = Field(
        "128MB",
        validation_alias="DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT",
        description="DuckDB's `memory_limit` while a load runs (restored after): the load moves "
        "what its transaction inserted to DuckDB's temporary directory (`<warehouse>.tmp`) "
        "beyond it, except the keys of the staging tables' primary keys (about 80 bytes a row), "
        "so at 128MB one load takes about 75,000 ADB sheets (1.4 million staging rows); a load "
        "needing more fails with an error naming this variable and writes nothing",
    )
    duckdb_dbt_memory_limit: MemorySize = Field(
        "256MB",
        validation_alias="DEVFIN_DUCKDB_DBT_MEMORY_LIMIT",
        description="DuckDB's `memory_limit` in dbt's process (`dbt/profiles.yml`; DuckDB's own "
        "default, 80 % of the machine's memory, fills with the tables dbt reads as the "
        "warehouse grows); beyond it DuckDB works in its temporary directory. Should dbt fail "
        "with DuckDB's `Out of Memory Error`, raise it",
    )
    # Long enough for a dbt build of the other run (devfin.load.locking).
    warehouse_lock_timeout_seconds: PositiveFloat = Field(
        900.0,
        validation_alias="DEVFIN_WAREHOUSE_LOCK_TIMEOUT",
        description="seconds a process waits for a DuckDB warehouse another process holds (one "
        "at a time may open the file: see Airflow above) before it fails with an error naming "
        "the holder; nothing waits on PostgreSQL",
    )
    bi_login: str = Field(
        "devfin_bi_reader",
        validation_alias="DEVFIN_BI_LOGIN",
        description="PostgreSQL: the login BI tools connect as (`devfin warehouse bi-access` "
        "creates it, a member of the role `devfin_bi`: the marts only)",
    )
    bi_password: str | None = Field(
        None,
        validation_alias="DEVFIN_BI_PASSWORD",
        description="that login's password (`make bi` passes it to Superset); unset: a login "
        "without one, for a server that trusts local connections",
        json_schema_extra={"shown_default": "unset"},
    )
    sample_dir: Path | None = _derived(
        "DEVFIN_SAMPLE_DIR",
        "`<repo>/include/sample_data`",
        "the local-directory source: `<dir>/<source>/<sheet id>.txt`",
    )
    report_dir: Path | None = _derived(
        "DEVFIN_REPORT_DIR", "`<repo>/reports`", "the data-quality report"
    )
    dbt_project_dir: Path | None = _derived(
        "DEVFIN_DBT_PROJECT_DIR", "`<repo>/dbt`", "the dbt project (and its `profiles.yml`)"
    )
    expectations_dir: Path | None = _derived(
        "DEVFIN_EXPECTATIONS_DIR", "`<repo>/expectations`", "the Great Expectations suites"
    )
    # dbt's own variable, read here for its default: `info`, not dbt's `debug` (a debug line for
    # every event of every node costs a build about 2.5 s of CPU in 20 at 220 nodes).
    dbt_file_log_level: str = Field(
        "info",
        validation_alias="DBT_LOG_LEVEL_FILE",
        description="dbt's variable for the level of each run's `logs/dbt.log` (dbt's own "
        "default: `debug`); `debug` adds every SQL statement and event, and costs a build about "
        "an eighth of its time",
    )


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading the mapping given instead of os.environ."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Environment)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # An empty variable is an unset one: its default applies.
        return {name: value for name, value in self._environ.items() if value}


def default_of(field: str) -> Any:
    """The default of one `Environment` field, for the classes that share it (HttpConfig)."""
    return Environment.model_fields[field].get_default(call_default_factory=True)


def documented_variables() -> dict[str, tuple[str, str]]:
    """Each variable's default and meaning as the README's configuration table writes them."""
    rows = {}
    for name, field in Environment.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        shown = extra.get("shown_default") or f"`{_as_written(default_of(name))}`"
        rows[str(field.validation_alias)] = (str(shown), field.description or "")
    return rows


def _as_written(value: object) -> str:
    """A default as a user would write it in the variable: `true`, `30` rather than `30.0`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one devfin process (each field described in `Environment`)."""

    warehouse_url: str
    repo_dir: Path
    data_dir: Path
    archive_url: str  # a local path or any fsspec URL
    sheets_file: Path | None  # None: read the saved pages in sample_dir
    http_requests_per_second: float
    http_concurrency: int
    http_timeout_seconds: float
    http_max_attempts: int
    http_allowed_hosts: frozenset[str]
    http_respect_robots: bool
    http_user_agent: str
    fetch_batch_size: int
    parse_workers: int
    stream_batch_size: int
    duckdb_load_memory_limit: str
    duckdb_dbt_memory_limit: str
    warehouse_lock_timeout_seconds: float
    bi_login: str
    bi_password: str | None
    sample_dir: Path
    report_dir: Path
    dbt_project_dir: Path
    expectations_dir: Path
    dbt_file_log_level: str

    @property
    def warehouse_kind(self) -> str:
        """`duckdb` or `postgresql`: the backend the warehouse URL names."""
        return make_url(self.warehouse_url).get_backend_name()

    def run_dir(self, source: str, load_id: str) -> Path:
        """Where the stages of one run of one source keep their hand-over files."""
        return self.data_dir / "runs" / source / path_component(load_id)

    def dbt_run_dir(self, load_id: str) -> Path:
        """Where one run keeps its dbt artifacts (`target/run_results.json`, logs)."""
        return self.data_dir / "dbt" / path_component(load_id)

    def dbt_env(self) -> dict[str, str]:
        """The variables `dbt/profiles.yml` reads, derived from the one warehouse URL."""
        url = make_url(self.warehouse_url)
        kind = url.get_backend_name()
        if kind == "duckdb":
            return {
                "DEVFIN_DBT_TARGET": "duckdb",
                "DEVFIN_DUCKDB_PATH": url.database or "",
                "DEVFIN_DUCKDB_DBT_MEMORY_LIMIT": self.duckdb_dbt_memory_limit,
            }
        if kind == "postgresql":
            return {
                "DEVFIN_DBT_TARGET": "postgres",
                "DEVFIN_PG_HOST": url.host or "127.0.0.1",
                "DEVFIN_PG_PORT": str(url.port or 5432),
                "DEVFIN_PG_USER": url.username or "postgres",
                "DEVFIN_PG_PASSWORD": url.password or "",
                "DEVFIN_PG_DATABASE": url.database or "postgres",
            }
        raise ConfigError(f"DEVFIN_WAREHOUSE_URL names an unsupported backend {kind!r}")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (or the mapping given), with the embedded defaults."""
    source = _MappingSource(os.environ if environ is None else environ)
    try:
        # The one source, prebuilt: no .env file, secrets dir or os.environ behind the mapping.
        env = Environment(_build_sources=((source,), {}))
    except ValidationError as error:
        raise _config_error(error) from None
    repo_dir = env.repo_dir
    data_dir = env.data_dir or repo_dir / "data"
    return Settings(
        **{
            **env.model_dump(),
            "warehouse_url": _checked_warehouse_url(
                env.warehouse_url or f"duckdb:///{repo_dir / 'warehouse' / 'devfin.duckdb'}"
            ),
            "data_dir": data_dir,
            "archive_url": env.archive_url or str(data_dir / "archive"),
            "sample_dir": env.sample_dir or repo_dir / "include" / "sample_data",
            "report_dir": env.report_dir or repo_dir / "reports",
            "dbt_project_dir": env.dbt_project_dir or repo_dir / "dbt",
            "expectations_dir": env.expectations_dir or repo_dir / "expectations",
        }
    )


def _config_error(error: ValidationError) -> ConfigError:
    """The first malformed variable as a ConfigError naming it and its value."""
    first = error.errors()[0]
    variable = first["loc"][0] if first["loc"] else "a DEVFIN_ variable"
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, ValueError):  # one of the parsers above: it says what and what it got
        return ConfigError(f"{variable} {cause}")
    return ConfigError(f"{variable}: {first['msg']}, got {first['input']!r}")


def _checked_warehouse_url(url: str) -> str:
    try:
        backend = make_url(url).get_backend_name()
    except Exception as error:  # SQLAlchemy raises ArgumentError and ValueError alike
        raise ConfigError(f"DEVFIN_WAREHOUSE_URL is not a database URL: {url!r}") from error
    if backend not in ("duckdb", "postgresql"):
        raise ConfigError(
            f"DEVFIN_WAREHOUSE_URL must be duckdb:///… or postgresql+psycopg://…, got {backend!r}"
        )
    return url

"""The one place devfin reads its configuration: `DEVFIN_*` environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from devfin.errors import ConfigError
from devfin.http import DEFAULT_USER_AGENT
from devfin.paths import path_component

PACKAGE_REPO_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one devfin process."""

    repo_dir: Path
    warehouse_url: str
    data_dir: Path
    archive_url: str  # a local path or any fsspec URL
    sample_dir: Path
    report_dir: Path
    dbt_project_dir: Path
    expectations_dir: Path
    # HTTP fetching: the sheets file (None: read the saved pages in sample_dir) and politeness.
    sheets_file: Path | None = None
    http_user_agent: str = DEFAULT_USER_AGENT
    http_requests_per_second: float = 1.0
    http_concurrency: int = 4
    http_timeout_seconds: float = 30.0
    http_max_attempts: int = 5
    http_allowed_hosts: frozenset[str] = frozenset()
    http_respect_robots: bool = True
    fetch_batch_size: int = 100
    parse_workers: int = 1  # processes parsing sheets side by side
    stream_batch_size: int = 2500  # sheets validated and loaded at a time (memory stays flat)
    # DuckDB's memory_limit while a load inserts its staging rows (warehouse.StagingSpool), and
    # in dbt's process (dbt/profiles.yml; DuckDB's own default is 80 % of the machine's memory,
    # which it fills with the tables it reads as the warehouse grows).
    duckdb_load_memory_limit: str = "128MB"
    duckdb_dbt_memory_limit: str = "256MB"
    # dbt's own variable, read here for its default: `info`, not dbt's `debug` (a debug line for
    # every event of every node costs a build about 2.5 s of CPU in 20 at 220 nodes).
    dbt_file_log_level: str = "info"
    # How long a process waits for a DuckDB warehouse another one holds (devfin.locking) before
    # it gives up naming the holder: long enough for a dbt build of the other run.
    warehouse_lock_timeout_seconds: float = 900.0

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
    env = os.environ if environ is None else environ
    repo_dir = Path(env.get("DEVFIN_REPO_DIR") or PACKAGE_REPO_DIR)
    data_dir = Path(env.get("DEVFIN_DATA_DIR") or repo_dir / "data")
    warehouse_url = env.get("DEVFIN_WAREHOUSE_URL") or (
        f"duckdb:///{repo_dir / 'warehouse' / 'devfin.duckdb'}"
    )
    try:
        backend = make_url(warehouse_url).get_backend_name()
    except Exception as error:  # SQLAlchemy raises ArgumentError and ValueError alike
        raise ConfigError(
            f"DEVFIN_WAREHOUSE_URL is not a database URL: {warehouse_url!r}"
        ) from error
    if backend not in ("duckdb", "postgresql"):
        raise ConfigError(
            f"DEVFIN_WAREHOUSE_URL must be duckdb:///… or postgresql+psycopg://…, got {backend!r}"
        )
    return Settings(
        repo_dir=repo_dir,
        warehouse_url=warehouse_url,
        data_dir=data_dir,
        archive_url=env.get("DEVFIN_ARCHIVE_URL") or str(data_dir / "archive"),
        sheets_file=Path(env["DEVFIN_SHEETS_FILE"]) if env.get("DEVFIN_SHEETS_FILE") else None,
        http_user_agent=env.get("DEVFIN_HTTP_USER_AGENT") or DEFAULT_USER_AGENT,
        http_requests_per_second=_number(env, "DEVFIN_HTTP_REQUESTS_PER_SECOND", 1.0, float),
        http_concurrency=_number(env, "DEVFIN_HTTP_CONCURRENCY", 4, int),
        http_timeout_seconds=_number(env, "DEVFIN_HTTP_TIMEOUT_SECONDS", 30.0, float),
        http_max_attempts=_number(env, "DEVFIN_HTTP_MAX_ATTEMPTS", 5, int),
        http_allowed_hosts=frozenset(
            host.strip()
            for host in env.get("DEVFIN_HTTP_ALLOWED_HOSTS", "").split(",")
            if host.strip()
        ),
        http_respect_robots=_flag(env, "DEVFIN_HTTP_RESPECT_ROBOTS", True),
        fetch_batch_size=_number(env, "DEVFIN_FETCH_BATCH_SIZE", 100, int),
        parse_workers=_number(env, "DEVFIN_PARSE_WORKERS", os.cpu_count() or 1, int),
        stream_batch_size=_number(env, "DEVFIN_STREAM_BATCH_SIZE", 2500, int),
        duckdb_load_memory_limit=_size(env, "DEVFIN_DUCKDB_LOAD_MEMORY_LIMIT", "128MB"),
        duckdb_dbt_memory_limit=_size(env, "DEVFIN_DUCKDB_DBT_MEMORY_LIMIT", "256MB"),
        dbt_file_log_level=env.get("DBT_LOG_LEVEL_FILE") or "info",
        warehouse_lock_timeout_seconds=_number(env, "DEVFIN_WAREHOUSE_LOCK_TIMEOUT", 900.0, float),
        sample_dir=Path(env.get("DEVFIN_SAMPLE_DIR") or repo_dir / "include" / "sample_data"),
        report_dir=Path(env.get("DEVFIN_REPORT_DIR") or repo_dir / "reports"),
        dbt_project_dir=Path(env.get("DEVFIN_DBT_PROJECT_DIR") or repo_dir / "dbt"),
        expectations_dir=Path(env.get("DEVFIN_EXPECTATIONS_DIR") or repo_dir / "expectations"),
    )


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> Any:
    """A positive number from the environment, or a ConfigError naming the variable."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name} must be a positive {kind.__name__}, got {raw!r}")
    return value


_SIZE = re.compile(r"\d+(?:\.\d+)?\s*(?:[KMGT]i?B)", re.IGNORECASE)


def _size(env: Mapping[str, str], name: str, default: str) -> str:
    """An amount of memory as DuckDB writes it ("256MB", "1.5GiB"), or a ConfigError."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not _SIZE.fullmatch(raw):
        raise ConfigError(f"{name} must be an amount of memory such as 256MB or 1GiB, got {raw!r}")
    return raw


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")

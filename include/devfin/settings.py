"""The one place devfin reads its configuration: `DEVFIN_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from devfin.errors import ConfigError

PACKAGE_REPO_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one devfin process."""

    repo_dir: Path
    warehouse_url: str
    data_dir: Path
    archive_dir: Path
    sample_dir: Path
    report_dir: Path
    dbt_project_dir: Path
    expectations_dir: Path

    @property
    def warehouse_kind(self) -> str:
        """`duckdb` or `postgresql`: the backend the warehouse URL names."""
        return make_url(self.warehouse_url).get_backend_name()

    def run_dir(self, source: str, load_id: str) -> Path:
        """Where the stages of one run of one source keep their hand-over files."""
        return self.data_dir / "runs" / source / _safe_name(load_id)

    def dbt_run_dir(self, load_id: str) -> Path:
        """Where one run keeps its dbt artifacts (`target/run_results.json`, logs)."""
        return self.data_dir / "dbt" / _safe_name(load_id)

    def dbt_env(self) -> dict[str, str]:
        """The variables `dbt/profiles.yml` reads, derived from the one warehouse URL."""
        url = make_url(self.warehouse_url)
        kind = url.get_backend_name()
        if kind == "duckdb":
            return {"DEVFIN_DBT_TARGET": "duckdb", "DEVFIN_DUCKDB_PATH": url.database or ""}
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
        archive_dir=Path(env.get("DEVFIN_ARCHIVE_DIR") or data_dir / "archive"),
        sample_dir=Path(env.get("DEVFIN_SAMPLE_DIR") or repo_dir / "include" / "sample_data"),
        report_dir=Path(env.get("DEVFIN_REPORT_DIR") or repo_dir / "reports"),
        dbt_project_dir=Path(env.get("DEVFIN_DBT_PROJECT_DIR") or repo_dir / "dbt"),
        expectations_dir=Path(env.get("DEVFIN_EXPECTATIONS_DIR") or repo_dir / "expectations"),
    )


def _safe_name(text: str) -> str:
    """A run id made safe as one path component (Airflow run ids hold ':' and '+')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)

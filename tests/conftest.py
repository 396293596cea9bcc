"""Shared fixtures: the repo root, and a sample folder holding just the two seed sheets."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
SEEDS = {
    "adb_pds": REPO_DIR / "include" / "sample_data" / "adb_pds" / "54037-001.txt",
    "cdia": REPO_DIR
    / "include"
    / "sample_data"
    / "cdia"
    / "chongqing-innovation-and-human-capital-development.txt",
}


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO_DIR


@pytest.fixture(scope="session")
def seed_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample folder (`<dir>/<source>/<sheet id>.txt`) with only the two seed sheets."""
    root = tmp_path_factory.mktemp("seed_samples")
    for source, path in SEEDS.items():
        (root / source).mkdir()
        shutil.copy(path, root / source / path.name)
    return root


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway database on the local PostgreSQL for one test module, dropped after it, so
    no module sees another's tables."""
    import uuid

    import psycopg

    host = os.environ.get("DEVFIN_TEST_PG_HOST", "127.0.0.1")
    user = os.environ.get("DEVFIN_TEST_PG_USER", "postgres")
    name = f"devfin_test_{uuid.uuid4().hex[:12]}"
    admin = f"host={host} port=5432 user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield f"postgresql+psycopg://{user}@{host}:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def validate_tables(
    frames: dict[str, Any],
    suites: dict[str, dict[str, Any]],
    docs_dir: Path | None = None,
    run_name: str | None = None,
) -> list[Any]:
    """The suites run on one batch of frames, as the validate stage runs them (`Validator`)."""
    from devfin.quality.validation import Validator

    validator = Validator(suites, docs_dir, run_name)
    validator.check(frames)
    return validator.results()

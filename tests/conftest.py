"""Shared fixtures: the repo root, and an Airflow home under a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO_DIR

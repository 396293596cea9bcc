"""Shared fixtures: the repo root, and a sample folder holding just the two seed sheets."""

from __future__ import annotations

import shutil
from pathlib import Path

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

"""Parsing in worker processes gives what parsing in one process gives, in the same order."""

from __future__ import annotations

import dataclasses
import sys
import types
from pathlib import Path

import pytest

from devfin import pipeline
from devfin.parse import pool
from devfin.samples import write_corpus
from devfin.settings import Settings, load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SHEETS = pool.PARALLEL_PARSE_MIN_SHEETS + 50


def _fetched(tmp_path: Path, source: str, load_id: str, **corpus: float) -> Settings:
    """SHEETS generated pages of one source, discovered and fetched under `load_id`; returns
    the settings of that warehouse, ready to parse."""
    write_corpus(tmp_path / "sheets", SHEETS, sources=(source,), **corpus)
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        sample_dir=tmp_path / "sheets",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
    )
    pipeline.discover_sheets(source, load_id, settings)
    pipeline.fetch_sheets(source, load_id, settings)
    return settings


def test_parallel_parse_equals_serial_parse(tmp_path: Path) -> None:
    base = _fetched(tmp_path, "adb_pds", "parse", seed=11, defect_rate=0.3)
    run_dir = base.run_dir("adb_pds", "parse")
    outputs = {}
    for workers in (1, 2):
        counts = pipeline.parse_sheets(
            "adb_pds", "parse", dataclasses.replace(base, parse_workers=workers)
        )
        outputs[workers] = (
            counts,
            (run_dir / "parsed.jsonl").read_text(),
            (run_dir / "parse_failures.jsonl").read_text(),
        )
    assert outputs[1][0]["parsed"] + outputs[1][0]["parse_failed"] == SHEETS
    assert outputs[1][0]["parse_failed"] > 0  # the injected defects
    assert outputs[2] == outputs[1]


def test_parse_workers_do_not_import_the_callers_main_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """multiprocessing would have each new worker import the caller's `__main__` (for an Airflow
    task, the `airflow` command: seconds per worker); the parse workers need only the parsers."""
    marker = tmp_path / "main-imported"
    script = tmp_path / "caller.py"
    script.write_text(f"from pathlib import Path\nPath({str(marker)!r}).touch()\n")
    caller = types.ModuleType("__main__")
    caller.__file__ = str(script)
    settings = dataclasses.replace(_fetched(tmp_path, "cdia", "main", seed=12), parse_workers=2)
    pool.release_parse_workers()  # workers start anew, with the caller below as main
    monkeypatch.setitem(sys.modules, "__main__", caller)
    try:
        counts = pipeline.parse_sheets("cdia", "main", settings)
    finally:
        pool.release_parse_workers()

    assert counts["parsed"] + counts["parse_failed"] == SHEETS
    assert not marker.exists()

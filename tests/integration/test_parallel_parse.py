"""Parsing in worker processes gives what parsing in one process gives, in the same order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from devfin import pipeline
from devfin.samples import write_corpus
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SHEETS = pipeline.PARALLEL_PARSE_MIN_SHEETS + 50


def test_parallel_parse_equals_serial_parse(tmp_path: Path) -> None:
    write_corpus(tmp_path / "sheets", SHEETS, seed=11, defect_rate=0.3, sources=("adb_pds",))
    base = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        sample_dir=tmp_path / "sheets",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
    )
    pipeline.discover_sheets("adb_pds", "parse", base)
    pipeline.fetch_sheets("adb_pds", "parse", base)
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

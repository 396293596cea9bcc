"""Bad input is quarantined with a reason, never dropped, and never stops the run."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SEED = REPO_DIR / "include" / "sample_data" / "adb_pds" / "54037-001.txt"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("quarantine")
    sheets = root / "samples" / "adb_pds"
    sheets.mkdir(parents=True)
    shutil.copy(SEED, sheets / "54037-001.txt")
    # Not a data sheet at all: fails to parse.
    (sheets / "not-a-sheet.txt").write_text("<p>Page not found</p>\n")
    # A sheet whose project number breaks the NNNNN-NNN rule: fails a critical check.
    text = SEED.read_text(encoding="utf-8")
    (sheets / "bad-number.txt").write_text(
        text.replace("Project Number | 54037-001", "Project Number | 5403-01"), encoding="utf-8"
    )
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
        sample_dir=root / "samples",
    )
    counts = ingest("adb_pds", "quarantine-1", settings)
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        held = conn.execute(
            sa.text(
                "select sheet_id, stage, reason_code, message, record_json"
                " from audit.quarantine order by sheet_id"
            )
        ).all()
        loaded = conn.execute(sa.text("select sheet_id from staging.adb_projects")).scalars().all()
    engine.dispose()
    return counts, held, loaded


def test_the_good_sheet_is_loaded(outcome) -> None:
    _, _, loaded = outcome
    assert loaded == ["54037-001"]


def test_each_bad_sheet_is_quarantined_with_its_reason(outcome) -> None:
    _, held, _ = outcome
    by_sheet = {row.sheet_id: row for row in held}
    assert set(by_sheet) == {"bad-number", "not-a-sheet"}
    assert by_sheet["not-a-sheet"].stage == "parse"
    assert by_sheet["not-a-sheet"].reason_code == "not_a_data_sheet"
    assert "not-a-sheet" in by_sheet["not-a-sheet"].message
    assert by_sheet["bad-number"].stage == "validate"
    assert by_sheet["bad-number"].reason_code == "project number is NNNNN-NNN"
    record = json.loads(by_sheet["bad-number"].record_json)
    assert record["record"]["project_number"] == "5403-01"


def test_counts_reconcile(outcome) -> None:
    counts, _, _ = outcome
    assert counts["sheets_fetched"] == 3
    assert counts["sheets_loaded"] == 1
    assert counts["sheets_quarantined"] == 2
    assert counts["sheets_fetched"] == (
        counts["sheets_loaded"]
        + counts["sheets_quarantined"]
        + counts["sheets_unchanged"]
        + counts["sheets_failed"]
        + counts["sheets_gone"]
    )


def test_a_parser_bug_costs_one_sheet_not_the_run(tmp_path: Path, monkeypatch) -> None:
    from devfin.sources.adb_pds import parser as adb_pds

    sheets = tmp_path / "samples" / "adb_pds"
    sheets.mkdir(parents=True)
    shutil.copy(SEED, sheets / "54037-001.txt")
    shutil.copy(SEED, sheets / "54037-002.txt")
    real_parse = adb_pds.parse

    def flaky(content, *, sheet_id: str, url: str):
        if sheet_id == "54037-002":
            raise IndexError("list index out of range")
        return real_parse(content, sheet_id=sheet_id, url=url)

    monkeypatch.setattr(adb_pds, "parse", flaky)
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "data" / "archive"),
        sample_dir=tmp_path / "samples",
    )
    counts = ingest("adb_pds", "bug-1", settings)
    assert counts["sheets_loaded"] == 1 and counts["sheets_quarantined"] == 1
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        reason, message = conn.execute(
            sa.text("select reason_code, message from audit.quarantine")
        ).one()
    engine.dispose()
    assert reason == "parser_error"
    assert "IndexError" in message and "54037-002" in message


def test_a_released_version_loads_on_the_next_run(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from devfin.load.quarantine import list_quarantined, release

    sheets = tmp_path / "samples" / "adb_pds"
    sheets.mkdir(parents=True)
    text = SEED.read_text(encoding="utf-8")
    (sheets / "bad-number.txt").write_text(
        text.replace("Project Number | 54037-001", "Project Number | 5403-01"), encoding="utf-8"
    )
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
        sample_dir=tmp_path / "samples",
    )
    assert ingest("adb_pds", "held", settings)["sheets_quarantined"] == 1
    engine = sa.create_engine(settings.warehouse_url)
    (entry,) = list_quarantined(engine, "adb_pds")
    release(engine, entry["quarantine_id"], "number confirmed with ADB", "auditor",
            datetime(2026, 11, 23, tzinfo=UTC))  # fmt: skip
    engine.dispose()

    counts = ingest("adb_pds", "released", settings)
    assert counts["sheets_loaded"] == 1 and counts["sheets_quarantined"] == 0
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("select project_number from staging.adb_projects")).all()
        still_failed = conn.execute(
            sa.text(
                "select count(*) from audit.dq_results where load_id = 'released'"
                " and check_name = 'project number is NNNNN-NNN' and not success"
            )
        ).scalar_one()
    engine.dispose()
    assert loaded == [("5403-01",)]
    assert still_failed == 1  # the override is recorded; the failure is not hidden

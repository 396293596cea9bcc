"""The demo corpus of `make run`: every injected defect ends where its sidecar says, none lost."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.extract.bundles import splitter
from devfin.extract.fetching import SHEET_SUFFIXES
from devfin.pipeline import ingest
from devfin.samples import SOURCES
from devfin.settings import load_settings
from devfin.sources import RECORD_TYPES
from devfin.sources import SOURCES as SOURCES_BY_KEY

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SAMPLES = REPO_DIR / "include" / "sample_data"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo")
    return dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{root / 'devfin.duckdb'}",
        data_dir=root / "data",
        archive_url=str(root / "data" / "archive"),
    )


@pytest.mark.parametrize("source", SOURCES)
def test_every_sheet_is_loaded_or_quarantined_as_its_truth_says(settings, source: str) -> None:
    counts = ingest(source, f"demo-{source}", settings)
    sidecars = [json.loads(p.read_text()) for p in (SAMPLES / source).glob("*.truth.json")]
    must_fail = {s["sheet_id"]: s["expected_error"] for s in sidecars if s["truth"] is None}
    assert must_fail, "the demo corpus should show some quarantined sheets"

    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        held = dict(
            conn.execute(
                sa.text(
                    "select sheet_id, reason_code from audit.quarantine"
                    " where source = :source and stage = 'parse'"
                ),
                {"source": source},
            ).all()
        )
    engine.dispose()
    assert held == must_fail

    # At validate: exactly the sheets whose injected defect breaks a critical rule (a financing
    # total that is not the sum of its parts); every other sheet is loaded.
    must_hold = {s["sheet_id"] for s in sidecars if s["defect"] == "amounts_mismatch"}
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        held_at_validate = set(
            conn.execute(
                sa.text(
                    "select sheet_id from audit.quarantine"
                    " where source = :source and stage = 'validate'"
                ),
                {"source": source},
            ).scalars()
        )
        parent = RECORD_TYPES[source][0].table
        loaded = set(conn.execute(sa.text(f"select sheet_id from staging.{parent}")).scalars())
    engine.dispose()
    assert held_at_validate == must_hold
    generated = {s["sheet_id"] for s in sidecars}
    assert loaded & generated == generated - set(must_fail) - must_hold
    files = [p for p in (SAMPLES / source).iterdir() if p.suffix in SHEET_SUFFIXES]
    bundle = SOURCES_BY_KEY[source].bundle
    if bundle is None:  # a file is a sheet
        assert counts["sheets_fetched"] == len(files)
    else:  # a file holds sheets: each is counted, none lost
        split = splitter(bundle)
        pieces = sum(len(list(split(f.read_bytes(), sheet_id=f.stem))) for f in files)
        assert counts["sheets_fetched"] == pieces > len(files)
    assert counts["sheets_fetched"] == (
        counts["sheets_loaded"]
        + counts["sheets_quarantined"]
        + counts["sheets_unchanged"]
        + counts["sheets_failed"]
        + counts["sheets_gone"]
    )

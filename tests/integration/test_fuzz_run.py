"""A run over fuzzed pages accounts for every sheet: each one is loaded, quarantined, unchanged
or failed, the counts of `audit.load_runs` reconcile with what was discovered, and no run
raises."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest
from devfin.settings import load_settings
from tests.unit.test_fuzz import RENDERINGS, fuzzed_page

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
PAGES = 50  # per source, spread over its renderings


def _write_pages(folder: Path, source: str) -> set[str]:
    """`PAGES` fuzzed pages of a source, round the renderings; their sheet ids."""
    folder.mkdir(parents=True)
    renderings = RENDERINGS[source]
    ids: set[str] = set()
    for index in range(PAGES):
        rendering = renderings[index % len(renderings)]
        page = fuzzed_page(source, rendering, index)
        sheet_id = f"fuzz-{rendering}-{index:03d}"
        suffix = ".html" if rendering == "html" else ".txt"
        # a str with lone surrogates goes to disk as the bytes it was decoded from
        content = page if isinstance(page, bytes) else page.encode("utf-8", "surrogateescape")
        (folder / f"{sheet_id}{suffix}").write_bytes(content)
        ids.add(sheet_id)
    return ids


def test_every_fuzzed_sheet_is_accounted_for(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    written = {source: _write_pages(samples / source, source) for source in RENDERINGS}
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "data" / "archive"),
        sample_dir=samples,
    )
    counts = {source: ingest(source, "fuzz-1", settings) for source in RENDERINGS}

    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        runs = {
            row.source: row
            for row in conn.execute(
                sa.text("select * from audit.load_runs where load_id = 'fuzz-1'")
            )
        }
        quarantined = {
            source: set(
                conn.execute(
                    sa.text(
                        "select sheet_id from audit.quarantine"
                        " where load_id = 'fuzz-1' and source = :source"
                    ),
                    {"source": source},
                ).scalars()
            )
            for source in RENDERINGS
        }
        loaded = {
            source: set(conn.execute(sa.text(f"select sheet_id from staging.{table}")).scalars())
            for source, table in (("adb_pds", "adb_projects"), ("cdia", "cdia_interventions"))
        }
    engine.dispose()

    for source, ids in written.items():
        run = runs[source]
        assert run.sheets_fetched == len(ids) == counts[source]["sheets_fetched"]
        accounted = (
            run.sheets_loaded
            + run.sheets_quarantined
            + run.sheets_unchanged
            + run.sheets_failed
            + run.sheets_gone
        )
        assert accounted == run.sheets_fetched, dict(run._mapping)
        assert run.sheets_quarantined == len(quarantined[source])
        assert run.sheets_loaded == len(loaded[source])
        # every sheet written is somewhere: loaded or quarantined (none failed to be read)
        assert run.sheets_failed == run.sheets_gone == 0
        assert loaded[source] | quarantined[source] == ids
        assert not loaded[source] & quarantined[source]
        # the fuzz leaves both kinds: sheets that load, and sheets that are held
        assert loaded[source] and quarantined[source]

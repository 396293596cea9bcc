"""Fetching over HTTP through the pipeline, against a real server on 127.0.0.1 that the test runs:
200 sheets land, an unchanged re-run does no work, and faults end every sheet somewhere known."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest
from devfin.samples import samples
from devfin.settings import load_settings
from tests.httpserver import Fault, serve

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
COUNT = 200


@pytest.fixture(scope="module")
def pages() -> dict[str, bytes]:
    """200 generated ADB pages at their live paths, plus an index page linking them all."""
    served = {
        f"/projects/{page.sheet_id}/main": page.html.encode("utf-8")
        for page in samples("adb_pds", COUNT, seed=44, defect_rate=0.0)
    }
    links = "".join(f'<a href="{path}">{path}</a>\n' for path in served)
    served["/projects/index.html"] = f"<html><body>{links}</body></html>".encode()
    return served


def _settings(tmp_path: Path, base_url: str):
    sheets = tmp_path / "sheets.yml"
    sheets.write_text(
        "sources:\n  adb_pds:\n    id_pattern: '/projects/(\\d{5}-\\d{3})/main'\n"
        f"    index_urls: ['{base_url}/projects/index.html']\n"
    )
    return dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
        sheets_file=sheets,
        http_requests_per_second=400.0,
        http_concurrency=8,
        http_timeout_seconds=1.0,
        http_max_attempts=4,
    )


def _outcomes(settings, load_id: str) -> dict[str, int]:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select outcome, count(*) from raw.fetches where load_id = :load_id group by 1"
            ),
            {"load_id": load_id},
        ).all()
    engine.dispose()
    return dict(rows)


def test_200_sheets_land_and_an_unchanged_rerun_does_no_work(tmp_path: Path, pages) -> None:
    with serve(pages) as server:
        settings = _settings(tmp_path, server.base_url)
        first = ingest("adb_pds", "first", settings)
        second = ingest("adb_pds", "second", settings)
        conditional = [r for r in server.log if r.status == 304]
    assert first["sheets_fetched"] == first["sheets_loaded"] == COUNT
    assert second["sheets_fetched"] == second["sheets_unchanged"] == COUNT
    assert second["sheets_parsed"] == second["sheets_loaded"] == 0
    # raw.fetches says why: the server answered 304 to the ETag we sent back.
    assert _outcomes(settings, "second") == {"not_modified": COUNT}
    assert len(conditional) == COUNT


def test_faults_end_every_sheet_somewhere_known(tmp_path: Path, pages) -> None:
    paths = sorted(p for p in pages if p.endswith("/main"))
    with serve(pages) as server:
        for number, path in enumerate(paths):
            if number % 5 == 0:  # 20 %: a server error on the first try
                server.add_fault(path, Fault.status_code(500), attempts={1})
            elif number % 17 == 1:
                server.add_fault(path, Fault.status_code(429, retry_after="1"), attempts={1})
            elif number % 17 == 2:
                server.add_fault(path, Fault.delay(2.0), attempts={1})  # past the 1 s timeout
            elif number % 17 == 3:
                server.add_fault(path, Fault.cut(), attempts={1})  # connection closed mid-body
        server.add_fault(paths[7], Fault.status_code(503))  # never recovers
        server.add_fault(paths[8], Fault.status_code(404))  # withdrawn
        settings = _settings(tmp_path, server.base_url)
        counts = ingest("adb_pds", "faulty", settings)

    assert counts["sheets_fetched"] == COUNT
    assert counts["sheets_failed"] == 1 and counts["sheets_gone"] == 1
    assert counts["sheets_loaded"] == COUNT - 2
    assert _outcomes(settings, "faulty") == {"fetched": COUNT - 2, "failed": 1, "gone": 1}
    # No partial body was ever archived: every stored body is one the server sent whole.
    served = {hashlib.sha256(body).hexdigest() for body in pages.values()}
    stored = {p.name for p in (tmp_path / "archive" / "sha256").rglob("*") if p.is_file()}
    assert stored <= served and len(stored) == COUNT - 2

"""ADB's IATI country files over HTTP, against a real server on 127.0.0.1 that the test runs: a file
is fetched once, conditionally, and each of its activities becomes a sheet; every activity ends
loaded or quarantined, and a file that could not be had is counted, not lost."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest
from devfin.settings import load_settings
from devfin.sources.adb_iati import samples
from tests.httpserver import serve

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
PH = samples.generate_file(31, "PH", 120, defect_rate=0.1)
VN = samples.generate_file(31, "VN", 60, defect_rate=0.1)
CUT = samples.generate_file(32, "MN", 10, defect_rate=0.0)
CUT_AFTER = 6  # whole activities before the cut


def _cut(content: bytes) -> bytes:
    ends = [i for i in range(len(content)) if content.startswith(b"</iati-activity>", i)]
    return content[: ends[CUT_AFTER - 1] + len(b"</iati-activity>") + 40]


def _settings(tmp_path: Path, base_url: str):
    sheets = tmp_path / "sheets.yml"
    sheets.write_text(
        "sources:\n  adb_iati:\n"
        "    id_pattern: '/iati/(iati-activities-[a-z]{2})\\.xml'\n"
        f"    url_template: '{base_url}/iati/{{sheet_id}}.xml'\n"
        "    ids: [iati-activities-ph, iati-activities-vn, iati-activities-mn,"
        " iati-activities-fj]\n"
    )
    return dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
        sheets_file=sheets,
        http_requests_per_second=400.0,
        http_max_attempts=1,
    )


def _query(settings, sql: str, **params: object) -> list[tuple]:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def _parsed(sample: samples.SampleFile) -> list:
    return [t for t in sample.truth if not isinstance(t, samples.ExpectedError)]


def _unnamed(sample: samples.SampleFile) -> int:
    return len(sample.truth) - len(_parsed(sample))


def _retitled(sample: samples.SampleFile) -> tuple[bytes, str, str]:
    """The file with one activity's English title changed: the file, the activity, its old title."""
    sheet = next(
        t for t in _parsed(sample) if t.record.title and not set(t.record.title) & set("&<>'\"")
    )
    at = sample.content.index(f">{sheet.record.iati_identifier}<".encode())
    where = sample.content.index(sheet.record.title.encode(), at)
    assert where < sample.content.index(b"</iati-activity>", at)  # in that activity's title
    end = where + len(sheet.record.title.encode())
    content = sample.content[:where] + b"A retitled project" + sample.content[end:]
    return content, sheet.record.iati_identifier, sheet.record.title


def test_country_files_become_activities_fetched_once_and_conditionally(tmp_path: Path) -> None:
    pages = {
        "/iati/iati-activities-ph.xml": PH.content,
        "/iati/iati-activities-vn.xml": VN.content,
        "/iati/iati-activities-mn.xml": _cut(CUT.content),
    }  # fj is not served: 404
    activities = len(PH.truth) + len(VN.truth) + CUT_AFTER
    unnamed = _unnamed(PH) + _unnamed(VN)
    assert unnamed > 0  # the seeds give some activity without identifier
    with serve(pages) as server:
        settings = _settings(tmp_path, server.base_url)
        first = ingest("adb_iati", "first", settings)
        second = ingest("adb_iati", "second", settings)
        # ADB regenerates a file: one activity changed, the rest as they were
        content, changed, title = _retitled(PH)
        server.pages["/iati/iati-activities-ph.xml"] = content
        third = ingest("adb_iati", "third", settings)
        conditional = [r for r in server.log if r.status == 304]

    # every activity is a sheet; so are the cut file itself and the file not found
    assert first["sheets_fetched"] == activities + 1 + 1
    assert first["sheets_loaded"] == activities - unnamed
    assert first["sheets_quarantined"] == unnamed + 1 and first["sheets_gone"] == 1
    reasons = _query(
        settings,
        "select reason_code, count(*) from audit.quarantine where load_id = 'first' group by 1",
    )
    assert dict(reasons) == {"missing_identifier": unnamed, "malformed_xml": 1}

    # the second run sends each file's validators back: 304, every activity not modified
    assert second["sheets_loaded"] == second["sheets_parsed"] == 0
    assert second["sheets_unchanged"] == activities + 1
    pieces = (
        "select outcome, count(*) from raw.fetches where load_id = 'second' and url {} group by 1"
    )
    assert dict(_query(settings, pieces.format("like '%#%'"))) == {"not_modified": activities + 1}
    files = dict(_query(settings, pieces.format("not like '%#%'")))
    assert files == {"not_modified": 3, "gone": 1}
    assert len(conditional) == 3 + 2  # the second run's three, the third's two unchanged files

    # the changed file is fetched whole again, and only its changed activity is a new version
    assert third["sheets_loaded"] == 1 and third["sheets_unchanged"] == activities
    versions = _query(
        settings,
        "select title from staging.iati_activities where sheet_id = :id order by fetched_at",
        id=changed,
    )
    assert [v[0] for v in versions] == [title, "A retitled project"]

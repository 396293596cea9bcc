"""The archive stores each body once, under its sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from devfin.extract.archive import Archive


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    sha, uri = archive.put(b"sheet body")
    assert sha == hashlib.sha256(b"sheet body").hexdigest()
    assert archive.put(b"sheet body") == (sha, uri)
    assert archive.get(sha) == b"sheet body"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [sha]
    assert uri.startswith("file://") and uri.endswith(sha)


def test_any_fsspec_url_holds_the_archive() -> None:
    from datetime import UTC, datetime

    archive = Archive("memory://devfin-test-archive")
    sha, uri = archive.put(b"remote body")
    assert uri == f"memory:///devfin-test-archive/sha256/{sha[:2]}/{sha}"
    assert archive.get(sha) == b"remote body"
    archive.record(
        "adb_pds", "54037-001", sha, "https://x.test/a", datetime(2026, 1, 1, tzinfo=UTC)
    )
    (entry,) = archive.records("adb_pds")
    assert entry["sheet_id"] == "54037-001" and entry["content_sha256"] == sha


def test_records_keep_the_first_sighting(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    archive = Archive(tmp_path)
    sha, _ = archive.put(b"x")
    first, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    archive.record("cdia", "a/b", sha, "u", first)
    archive.record("cdia", "a/b", sha, "u", later)
    assert [e["fetched_at"] for e in archive.records("cdia")] == [first.isoformat()]


def test_a_local_archive_is_the_same_by_path_or_file_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    monkeypatch.chdir(tmp_path)
    by_path = Archive("archive")  # relative to the working directory
    sha, uri = by_path.put(b"body")
    by_path.record("cdia", "a", sha, "u", datetime(2026, 1, 1, tzinfo=UTC))
    by_url = Archive(f"file://{tmp_path / 'archive'}")
    assert by_url.get(sha) == b"body"
    assert by_url.uri_of(sha) == uri == (tmp_path / "archive" / "sha256" / sha[:2] / sha).as_uri()
    assert [e["sheet_id"] for e in by_url.records("cdia")] == ["a"]  # listed through fsspec


def test_a_missing_body_names_its_path(tmp_path: Path) -> None:
    missing = "0" * 64
    with pytest.raises(FileNotFoundError, match=missing):
        Archive(tmp_path).get(missing)

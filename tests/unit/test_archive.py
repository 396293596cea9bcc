"""The archive stores each body once, under its sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from devfin.archive import Archive


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    sha, uri = archive.put(b"sheet body")
    assert sha == hashlib.sha256(b"sheet body").hexdigest()
    assert archive.put(b"sheet body") == (sha, uri)
    assert archive.get(sha) == b"sheet body"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [sha]
    assert uri.startswith("file://") and uri.endswith(sha)

"""The raw archive: every fetched body stored once, addressed by its sha256."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any


def content_sha256(content: bytes) -> str:
    """The hex sha256 of a body: the sheet version."""
    return hashlib.sha256(content).hexdigest()


class Archive:
    """A content-addressed directory: bodies at `<root>/sha256/ab/abcdef…`, and for each
    (source, sheet, version) first seen a record `<root>/records/<source>/<sheet>/<sha>.json`
    with its URL and fetch time, so the warehouse can be rebuilt from the archive alone."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def put(self, content: bytes) -> tuple[str, str]:
        """Store a body (once) and return its sha256 and archive URI."""
        sha256 = content_sha256(content)
        path = self.path_of(sha256)
        if not path.exists():
            _write_atomically(path, content)
        return sha256, path.as_uri()

    def record(
        self, source: str, sheet_id: str, sha256: str, url: str, fetched_at: datetime
    ) -> None:
        """Remember where and when a version of a sheet was first fetched (kept once)."""
        path = self.root / "records" / source / _safe(sheet_id) / f"{sha256}.json"
        if not path.exists():
            entry = {
                "source": source,
                "sheet_id": sheet_id,
                "content_sha256": sha256,
                "url": url,
                "fetched_at": fetched_at.isoformat(),
            }
            _write_atomically(path, json.dumps(entry).encode())

    def records(self, source: str) -> Iterator[dict[str, Any]]:
        """Every (sheet, version) of a source the archive holds, oldest fetch first."""
        paths = (self.root / "records" / source).glob("*/*.json")
        entries = [json.loads(path.read_text()) for path in paths]
        yield from sorted(entries, key=lambda e: (e["fetched_at"], e["sheet_id"]))

    def get(self, sha256: str) -> bytes:
        """The body stored under a sha256; FileNotFoundError names it when absent."""
        return self.path_of(sha256).read_bytes()


def _write_atomically(path: Path, content: bytes) -> None:
    """Write then rename, so a crash never leaves a partial file under its final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, path)


def _safe(sheet_id: str) -> str:
    """A sheet id as one path component."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in sheet_id)

"""The raw archive: every fetched body stored once, addressed by its sha256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def content_sha256(content: bytes) -> str:
    """The hex sha256 of a body: the sheet version."""
    return hashlib.sha256(content).hexdigest()


class Archive:
    """A content-addressed directory: `<root>/sha256/ab/abcdef…`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def put(self, content: bytes) -> tuple[str, str]:
        """Store a body (once) and return its sha256 and archive URI."""
        sha256 = content_sha256(content)
        path = self.path_of(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves a partial body under its final name.
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        return sha256, path.as_uri()

    def get(self, sha256: str) -> bytes:
        """The body stored under a sha256; FileNotFoundError names it when absent."""
        return self.path_of(sha256).read_bytes()

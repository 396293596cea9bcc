"""The raw archive: every fetched body stored once, addressed by its sha256, on any fsspec URL."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from devfin.paths import path_component


def content_sha256(content: bytes) -> str:
    """The hex sha256 of a body: the sheet version."""
    return hashlib.sha256(content).hexdigest()


class Archive:
    """Bodies at `<root>/sha256/ab/abcdef…`, and for each (source, sheet, version) first seen a
    record `<root>/records/<source>/<sheet>/<sha>.json` with its URL and fetch time, so the
    warehouse can be rebuilt from the archive alone.

    The root is a local path or any fsspec URL (`s3://bucket/devfin`, `memory://…`). Locally a
    file is written then renamed, so a crash never leaves a partial body under its final name;
    object stores write an object whole.
    """

    def __init__(self, root: str | Path) -> None:
        self.root_url = str(root)
        local = _local_folder(self.root_url)
        if local is None:
            self.fs, self.root = _url_to_fs(self.root_url)
            protocols = (
                (self.fs.protocol,) if isinstance(self.fs.protocol, str) else self.fs.protocol
            )
            self.is_local = "file" in protocols
        else:
            self.root, self.is_local = local, True
        self._folders: set[Path] = set()  # local folders known to exist

    @functools.cached_property
    def fs(self) -> Any:
        """The fsspec filesystem of the root, imported only when needed: a local archive reads
        and writes its bodies without it, and each parse worker starts faster without fsspec."""
        return _url_to_fs(self.root_url)[0]

    def path_of(self, sha256: str) -> str:
        return f"{self.root}/sha256/{sha256[:2]}/{sha256}"

    def uri_of(self, sha256: str) -> str:
        """Where a body lives, as a URI another process can open."""
        path = self.path_of(sha256)
        return Path(path).as_uri() if self.is_local else self.fs.unstrip_protocol(path)

    def put(self, content: bytes) -> tuple[str, str]:
        """Store a body (once) and return its sha256 and archive URI."""
        sha256 = content_sha256(content)
        path = self.path_of(sha256)
        if not self._exists(path):
            self._write(path, content)
        return sha256, self.uri_of(sha256)

    def get(self, sha256: str) -> bytes:
        """The body stored under a sha256; FileNotFoundError names it when absent."""
        if self.is_local:
            with open(self.path_of(sha256), "rb") as body:
                return body.read()
        return self.fs.cat_file(self.path_of(sha256))

    def record(
        self, source: str, sheet_id: str, sha256: str, url: str, fetched_at: datetime
    ) -> None:
        """Remember where and when a version of a sheet was first fetched (kept once)."""
        path = f"{self.root}/records/{source}/{path_component(sheet_id)}/{sha256}.json"
        if not self._exists(path):
            entry = {
                "source": source,
                "sheet_id": sheet_id,
                "content_sha256": sha256,
                "url": url,
                "fetched_at": fetched_at.isoformat(),
            }
            self._write(path, json.dumps(entry).encode())

    def records(self, source: str) -> Iterator[dict[str, Any]]:
        """Every (sheet, version) of a source the archive holds, oldest fetch first."""
        paths = self.fs.glob(f"{self.root}/records/{source}/*/*.json")
        entries = [json.loads(self.fs.cat_file(path)) for path in paths]
        yield from sorted(entries, key=lambda e: (e["fetched_at"], e["sheet_id"]))

    def _exists(self, path: str) -> bool:
        # locally without fsspec's layers: a fetch asks twice per page
        return os.path.exists(path) if self.is_local else self.fs.exists(path)

    def _write(self, path: str, content: bytes) -> None:
        if not self.is_local:
            self.fs.pipe_file(path, content)
            return
        target = Path(path)
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, target)


def _local_folder(url: str) -> str | None:
    """The absolute folder of a local archive root (a path or a file:// URL), else None."""
    if url.startswith("file://"):
        url = url.removeprefix("file://")
    elif "://" in url or "::" in url:  # another protocol, or a chain of them
        return None
    return os.path.abspath(os.path.expanduser(url))


def _url_to_fs(url: str) -> tuple[Any, str]:
    import fsspec

    return fsspec.core.url_to_fs(url)

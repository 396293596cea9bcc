"""Where sheets come from: one interface over saved pages on disk and live pages over HTTP.

A fetch ends in one outcome per sheet, recorded in `raw.fetches`:
`fetched` (a complete body, archived), `unchanged` (a body whose version is already in the
warehouse), `not_modified` (the server answered 304), `gone` (404/410: the sheet was withdrawn,
not a failure of the run), `disallowed` (robots.txt), `failed` (the error says why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from devfin.errors import FetchError
from devfin.extract.archive import Archive

SHEET_SUFFIXES = (".txt", ".html", ".htm", ".xml")


@dataclass(frozen=True)
class SheetRef:
    """A sheet to fetch: its source, id and URL."""

    source: str
    sheet_id: str
    url: str


@dataclass(frozen=True)
class Known:
    """What the warehouse holds of a sheet's latest loaded (or quarantined) version."""

    content_sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """One sheet's fetch: the row of `raw.fetches`. `content_sha256` names the version the
    sheet is at (for `not_modified`, the known one); None when nothing was had."""

    source: str
    sheet_id: str
    url: str
    fetched_at: datetime
    outcome: str
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_sha256: str | None = None
    bytes: int | None = None
    archive_uri: str | None = None
    error: str | None = None
    attempts: int = 1
    elapsed_ms: int | None = None
    retry_history: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether this fetch brought a new body to parse."""
        return self.outcome == "fetched"


def utc_now() -> datetime:
    return datetime.now(UTC)


class SheetSource(Protocol):
    """A kind of source: finds its sheets and fetches them, recording every outcome."""

    def discover(self, ids: frozenset[str] | None = None) -> list[SheetRef]: ...

    def fetch(
        self, refs: list[SheetRef], known: dict[str, Known], archive: Archive
    ) -> Iterator[FetchResult]: ...


class LocalDirectorySource:
    """Saved pages: `<directory>/<sheet_id>.txt|.html|.xml`; the file stem is the sheet id."""

    def __init__(
        self, source: str, directory: Path, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.source = source
        self.directory = directory
        self.clock = clock

    def discover(self, ids: frozenset[str] | None = None) -> list[SheetRef]:
        if not self.directory.is_dir():
            raise FetchError(f"the {self.source} sample directory does not exist: {self.directory}")
        directory = self.directory.resolve()
        return [
            SheetRef(self.source, path.stem, path.as_uri())
            for path in sorted(directory.iterdir())
            if path.suffix in SHEET_SUFFIXES and (ids is None or path.stem in ids)
        ]

    def fetch(
        self, refs: list[SheetRef], known: dict[str, Known], archive: Archive
    ) -> Iterator[FetchResult]:
        for ref in refs:
            fetched_at = self.clock()
            try:
                content = _local_path(ref.url).read_bytes()
            except OSError as error:
                yield failed(ref, fetched_at, f"cannot read {ref.url}: {error}")
                continue
            yield archived(ref, fetched_at, content, archive, known.get(ref.sheet_id))


def _local_path(url: str) -> Path:
    """The file of a file:// URL, its name decoded (`Path.as_uri` writes "a b" as "a%20b")."""
    if not url.startswith("file:"):
        return Path(url)
    return Path(url2pathname(urlsplit(url).path))


def failed(ref: SheetRef, fetched_at: datetime, error: str, **details: object) -> FetchResult:
    return FetchResult(
        ref.source, ref.sheet_id, ref.url, fetched_at, "failed", error=error, **details
    )


def archived(
    ref: SheetRef,
    fetched_at: datetime,
    content: bytes,
    archive: Archive,
    known: Known | None,
    **details: object,
) -> FetchResult:
    """A complete body, stored in the archive; `unchanged` when it is the version already held."""
    sha256, uri = archive.put(content)
    archive.record(ref.source, ref.sheet_id, sha256, ref.url, fetched_at)
    outcome = "unchanged" if known is not None and known.content_sha256 == sha256 else "fetched"
    return FetchResult(
        ref.source,
        ref.sheet_id,
        ref.url,
        fetched_at,
        outcome,
        content_sha256=sha256,
        bytes=len(content),
        archive_uri=uri,
        **details,
    )


def batches(refs: Iterable[SheetRef], size: int) -> list[list[SheetRef]]:
    """Refs cut into batches of at most `size`, in order: the unit of a mapped fetch task."""
    items = list(refs)
    return [items[start : start + size] for start in range(0, len(items), size)]

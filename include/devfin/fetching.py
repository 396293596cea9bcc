"""Where sheets come from: discovery and fetching, behind one interface per kind of source."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devfin.archive import Archive
from devfin.errors import FetchError

SHEET_SUFFIXES = (".txt", ".html", ".htm")


@dataclass(frozen=True)
class SheetRef:
    """A sheet to fetch: its source, id and URL."""

    source: str
    sheet_id: str
    url: str


@dataclass(frozen=True)
class FetchResult:
    """One fetch attempt: the row of `raw.fetches`. `content_sha256` is None when it failed."""

    source: str
    sheet_id: str
    url: str
    fetched_at: datetime
    http_status: int | None
    etag: str | None
    last_modified: str | None
    content_sha256: str | None
    bytes: int | None
    archive_uri: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.content_sha256 is not None


def utc_now() -> datetime:
    return datetime.now(UTC)


class LocalDirectorySource:
    """Sheets saved as files: `<directory>/<sheet_id>.txt|.html`; the file stem is the sheet id."""

    def __init__(self, source: str, directory: Path) -> None:
        self.source = source
        self.directory = directory

    def discover(self, ids: frozenset[str] | None = None) -> list[SheetRef]:
        if not self.directory.is_dir():
            raise FetchError(f"the {self.source} sample directory does not exist: {self.directory}")
        refs = [
            SheetRef(self.source, path.stem, path.resolve().as_uri())
            for path in sorted(self.directory.iterdir())
            if path.suffix in SHEET_SUFFIXES and (ids is None or path.stem in ids)
        ]
        return refs

    def fetch(self, ref: SheetRef) -> bytes:
        path = Path(ref.url.removeprefix("file://"))
        try:
            return path.read_bytes()
        except OSError as error:
            raise FetchError(
                f"cannot read {path}: {error}", sheet_id=ref.sheet_id, url=ref.url
            ) from error


def fetch_all(
    source: LocalDirectorySource,
    refs: list[SheetRef],
    archive: Archive,
    clock: Callable[[], datetime] = utc_now,
) -> Iterator[FetchResult]:
    """Fetch and archive each sheet; a failure becomes a result with its error, never a crash."""
    for ref in refs:
        fetched_at = clock()
        try:
            content = source.fetch(ref)
        except FetchError as error:
            yield FetchResult(
                ref.source,
                ref.sheet_id,
                ref.url,
                fetched_at,
                None,
                None,
                None,
                None,
                None,
                None,
                str(error),
            )
            continue
        sha256, uri = archive.put(content)
        yield FetchResult(
            ref.source,
            ref.sheet_id,
            ref.url,
            fetched_at,
            None,
            None,
            None,
            sha256,
            len(content),
            uri,
            None,
        )

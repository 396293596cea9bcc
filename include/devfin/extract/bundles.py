"""Files that hold many sheets (`Source.bundle`: an IATI country file holds an activity per
sheet): fetched, conditionally and politely, and archived as one file; handed on as its sheets.

The file's own fetch is a row of `raw.fetches` under the file's id (`iati-activities-ph`), with
its validators: the next run's conditional GET sends them. Each sheet cut from it is archived
and recorded as any fetched sheet is (its URL the file's, with the sheet id as fragment): a
sheet whose version the warehouse holds is `unchanged` (`not_modified` when the server answered
304 for the file, whose body the archive then gives back to cut again), a new version is
`fetched`. A file that could not be had (failed, gone, disallowed) stands for its sheets in the
run's counts: one sheet that failed to fetch.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol
from urllib.parse import quote

from devfin.extract.archive import Archive
from devfin.extract.fetching import FetchResult, Known, SheetRef, archived

# The outcomes of a file fetch that leave its body in the archive.
_HAD = ("fetched", "unchanged", "not_modified")
# The sheets of a file cut and looked up in the warehouse at a time: memory stays bounded
# however many activities a file holds.
PIECES_AT_A_TIME = 500


class Piece(Protocol):
    sheet_id: str
    content: bytes


Split = Callable[..., Iterator[Piece]]


def splitter(module: str) -> Split:
    """The `split(content, *, sheet_id)` of a source's bundle module."""
    return importlib.import_module(module).split


class FilesArchive:
    """The archive as a bundle's file is put into it: its body stored, but not recorded as a
    version of a sheet (its pieces are the sheets: `devfin reparse` rebuilds from those)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def put(self, content: bytes) -> tuple[str, str]:
        return self.archive.put(content)

    def record(self, *_: object) -> None:
        """Nothing: a file is no sheet."""


def unbundle(
    files: Iterable[FetchResult],
    split: Split,
    archive: Archive,
    known_of: Callable[[list[str]], dict[str, Known]],
) -> Iterator[tuple[FetchResult, bool]]:
    """Each file's fetch, then each sheet cut from it: (result, whether it is a sheet's).

    Every result is a row of `raw.fetches`; those of sheets are the run's, parsed and counted.
    """
    for file in files:
        if file.outcome not in _HAD or file.content_sha256 is None:
            yield file, True  # no body: the file stands for its sheets, failed
            continue
        yield file, False
        pieces = split(archive.get(file.content_sha256), sheet_id=file.sheet_id)
        while chunk := list(itertools.islice(pieces, PIECES_AT_A_TIME)):
            yield from _sheets(file, chunk, archive, known_of(_ids(chunk)))


def _ids(pieces: list[Piece]) -> list[str]:
    return [piece.sheet_id for piece in pieces]


def _sheets(
    file: FetchResult, pieces: list[Piece], archive: Archive, known: dict[str, Known]
) -> Iterator[tuple[FetchResult, bool]]:
    """The sheets cut from a file, archived, each with its outcome."""
    for piece in pieces:
        ref = SheetRef(file.source, piece.sheet_id, f"{file.url}#{quote(piece.sheet_id)}")
        result = archived(
            ref,
            file.fetched_at,
            piece.content,
            archive,
            known.get(piece.sheet_id),
            http_status=file.http_status,
        )
        if result.outcome == "unchanged" and file.outcome == "not_modified":
            result = dataclasses.replace(result, outcome="not_modified")
        yield result, True

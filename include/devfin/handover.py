"""The files the stages hand over in the run directory (see `devfin.pipeline`): JSON lines,
each file written whole or not at all."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from devfin.errors import DevfinError
from devfin.extract.fetching import FetchResult
from devfin.parse.sheets import json_line

T = TypeVar("T")


def fields(record: Any) -> dict[str, Any]:
    """A flat dataclass (a SheetRef, a FetchResult) as a dict: `dataclasses.asdict` deep-copies
    every value, which costs more than the fetch itself of a sheet read from disk."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def write_jsonl(path: Path, items: Iterable[dict[str, Any]]) -> int:
    """Write items as JSON lines, atomically; returns how many were written."""
    with jsonl_writer(path) as out:
        for item in items:
            out.write(json_line(item))
        return out.count


class Lines:
    """An open JSON-lines file and how many lines went into it."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self.count = 0

    def write(self, line: str) -> None:
        self._out.write(line)
        self.count += 1


@contextmanager
def jsonl_writer(path: Path) -> Iterator[Lines]:
    """Lines (from `json_line`) written to `path`, which appears whole when the block ends
    well: the file is written under a temporary name and renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    with temporary.open("w", encoding="utf-8") as out:
        yield Lines(out)
    temporary.replace(path)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(path))


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The items of a JSON-lines file one at a time, so a big run is never all in memory."""
    if not path.exists():
        raise DevfinError(f"{path} is missing: run the stage before this one first")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def count_lines(path: Path) -> int:
    """How many items a JSON-lines file holds, none of them decoded (a stage's total)."""
    if not path.exists():
        raise DevfinError(f"{path} is missing: run the stage before this one first")
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Items in lists of `size` (the last one shorter); itertools.batched is Python 3.12+."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def write_started(run_dir: Path, started_at: datetime) -> None:
    """Record when the run started (`run.json`)."""
    write_jsonl(run_dir / "run.json", [{"started_at": started_at.isoformat()}])


def started(run_dir: Path) -> datetime:
    """When the run started, as `write_started` recorded it."""
    return datetime.fromisoformat(read_jsonl(run_dir / "run.json")[0]["started_at"])


def fetched(run_dir: Path) -> Iterator[dict[str, Any]]:
    """The fetch results of every batch of a run, one at a time."""
    paths = sorted(run_dir.glob("fetched-*.jsonl"))
    if not paths:
        raise DevfinError(f"no fetch results in {run_dir}: run the fetch stage first")
    for path in paths:
        yield from iter_jsonl(path)


def fetch_from_json(item: dict[str, Any]) -> FetchResult:
    return FetchResult(**{**item, "fetched_at": datetime.fromisoformat(item["fetched_at"])})

"""Template drift: a field that suddenly fills much less often than it used to.

When a source changes its page template, a label is renamed or moved and its field quietly
empties on every new sheet. Each run records the fill rate of every optional field of the
parent record; a field whose fill rate falls by more than `DRIFT_POINTS` against the mean of
the previous runs raises a warning naming it. Runs with fewer than `MIN_ROWS` new sheet
versions are too small to judge and raise none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from devfin.records import RECORD_TYPES

DRIFT_POINTS = 0.30
MIN_ROWS = 10
HISTORY_RUNS = 5


@dataclass(frozen=True)
class FillRate:
    field: str
    rows: int
    filled: int

    @property
    def rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class Drift:
    field: str
    before: float  # mean fill rate of the previous runs
    now: float


def optional_fields(source: str) -> list[str]:
    """The parent record's fields a sheet may leave empty."""
    parent = RECORD_TYPES[source][0]
    return [f.name for f in dataclasses.fields(parent) if f.default is None]


def fill_rates(source: str, records: Iterable[dict[str, Any]]) -> list[FillRate]:
    """How often each optional field is filled in these parent records (JSON dicts)."""
    counter = FillCounter(source)
    for record in records:
        counter.add(record)
    return counter.rates()


class FillCounter:
    """Fill rates counted one record at a time, for a run read in batches."""

    def __init__(self, source: str) -> None:
        self._fields = optional_fields(source)
        self._rows = 0
        self._filled = dict.fromkeys(self._fields, 0)

    def add(self, record: dict[str, Any]) -> None:
        self._rows += 1
        for name in self._fields:
            if record.get(name) is not None:
                self._filled[name] += 1

    def rates(self) -> list[FillRate]:
        return [FillRate(name, self._rows, self._filled[name]) for name in self._fields]


def drifts(current: Sequence[FillRate], history: Sequence[Sequence[FillRate]]) -> list[Drift]:
    """The fields whose fill rate fell by more than DRIFT_POINTS against the previous runs."""
    if not current or current[0].rows < MIN_ROWS:
        return []
    found = []
    for rate in current:
        before = [
            past.rate for run in history for past in run if past.field == rate.field and past.rows
        ]
        if before:
            mean = sum(before) / len(before)
            if mean - rate.rate > DRIFT_POINTS:
                found.append(Drift(rate.field, mean, rate.rate))
    return found

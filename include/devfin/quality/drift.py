"""Template drift: a field that suddenly fills much less often than it used to, in one layout.

When a source changes its page template, a label is renamed or moved and its field quietly
empties on every new sheet. The sources publish several layout generations of a sheet at once
(the parser records which one it read in `layout`; a sheet without one counts as `unknown`),
and an old layout may simply lack a field: a run that brings many old-layout pages fills that
field less often without any template having changed. So each run records the fill rate of
every optional field of the parent record per layout, and over all layouts together; a field
whose fill rate in one layout falls by more than `DRIFT_POINTS` against that layout's previous
`HISTORY_RUNS` runs (their sheets pooled) raises a warning naming the field and the layout.
A layout with fewer than `MIN_ROWS` sheets in the run is too small to judge, and one with no
earlier run has nothing to be judged against; the rate over all layouts is a measurement only
(it moves with the mix of layouts of a run).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devfin.sources import RECORD_TYPES

DRIFT_POINTS = 0.30
MIN_ROWS = 10
HISTORY_RUNS = 5
UNKNOWN_LAYOUT = "unknown"  # the layout of a sheet whose parser named none


@dataclass(frozen=True)
class FillRate:
    field: str
    rows: int
    filled: int
    layout: str | None = None  # None: the sheets of every layout together

    @property
    def rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def check_name(self) -> str:
        """Its name in `audit.dq_results`: `fill rate of gender (layout live-2025)`, or
        `fill rate of gender (all layouts)`."""
        return f"fill rate of {self.field} ({_scope(self.layout)})"


@dataclass(frozen=True)
class Drift:
    field: str
    layout: str
    rows: int  # the run's sheets of that layout
    before: float  # the fill rate of the layout's previous runs, their sheets pooled
    now: float
    runs: int  # how many previous runs `before` is of

    @property
    def check_name(self) -> str:
        return f"fill rate of {self.field} steady ({_scope(self.layout)})"


def _scope(layout: str | None) -> str:
    return "all layouts" if layout is None else f"layout {layout}"


def layout_of(check_name: str, field: str) -> str | None:
    """The layout a fill-rate check name is of (`FillRate.check_name`); None when it is of all
    layouts together, or a name written before fill rates were counted by layout."""
    prefix = f"fill rate of {field} (layout "
    if check_name.startswith(prefix) and check_name.endswith(")"):
        return check_name[len(prefix) : -1]
    return None


def optional_fields(source: str) -> list[str]:
    """The parent record's fields a sheet may leave empty (the layout aside: rates are of it)."""
    parent = RECORD_TYPES[source][0]
    return [f.name for f in dataclasses.fields(parent) if f.default is None and f.name != "layout"]


class FillCounter:
    """Fill rates counted one record at a time, for a run read in batches."""

    def __init__(self, source: str) -> None:
        self._fields = optional_fields(source)
        self._rows = Counter[str]()  # by layout
        self._filled: dict[str, Counter[str]] = {}  # by layout, by field

    def add(self, record: dict[str, Any]) -> None:
        layout = record.get("layout") or UNKNOWN_LAYOUT
        self._rows[layout] += 1
        filled = self._filled.setdefault(layout, Counter())
        for name in self._fields:
            if record.get(name) is not None:
                filled[name] += 1

    def rates(self) -> list[FillRate]:
        """Each field over all layouts, then each field of each layout, layouts by name."""
        rows = self._rows.total()
        rates = [
            FillRate(name, rows, sum(f[name] for f in self._filled.values()))
            for name in self._fields
        ]
        for layout in sorted(self._rows):
            rates += [
                FillRate(name, self._rows[layout], self._filled[layout][name], layout)
                for name in self._fields
            ]
        return rates


def drifts(current: Sequence[FillRate], history: Sequence[Sequence[FillRate]]) -> list[Drift]:
    """The fields whose fill rate in a layout fell by more than DRIFT_POINTS against the same
    layout's previous runs. `history` holds earlier runs' rates, newest run first; of each
    layout the newest HISTORY_RUNS runs that had sheets of it count."""
    found = []
    for rate in current:
        if rate.layout is None or rate.rows < MIN_ROWS:
            continue
        before = [
            past
            for run in history
            for past in run
            if past.layout == rate.layout and past.field == rate.field and past.rows
        ][:HISTORY_RUNS]
        if not before:
            continue
        pooled = sum(p.filled for p in before) / sum(p.rows for p in before)
        if pooled - rate.rate > DRIFT_POINTS:
            found.append(Drift(rate.field, rate.layout, rate.rows, pooled, rate.rate, len(before)))
    return found

"""What a source is: the one object every registry of devfin reads (`devfin.sources.SOURCES`)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A source of data sheets, by its key (`adb_pds`): the name of its folder under
    `devfin/sources/`, its DAG (`ingest_<key>`), Asset, dbt folder and sample folder.

    `records` are its record types, parent first, each with its staging `table`; `parser` and
    `generator` name its modules (imported when asked for: the registry stays light for DAG
    parsing); `identity` is what every layout of its pages prints, to tell a saved page's source.

    `bundle` names the module whose `split` cuts a fetched file into its sheets, for a source
    that publishes many sheets in one file (IATI: an activity per sheet, a file per country):
    the file is fetched and archived whole, its sheets go on to parse. `schedule` is its ingest
    DAG's (how often the source changes).
    """

    key: str
    records: tuple[type, ...]
    parser: str
    generator: str
    identity: re.Pattern[str]
    bundle: str | None = None
    schedule: str = "@daily"

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(record_type.table for record_type in self.records)

"""The data-sheet sources: one folder per source key (`devfin/sources/<key>/`), each with its
pure parser (page in, records out), its record types, its sample generator and its `SOURCE`.

Every registry reads `SOURCES`, made here from the folders: adding a source is adding its
folder (CONTRIBUTING.md). Which sheets to fetch is configuration, read by
`devfin.extract.discovery`.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

from devfin.records import ParsedSheet, record_from_json
from devfin.sources.source import Source


def _folders() -> dict[str, Source | None]:
    """Each source folder's `SOURCE`, by folder name; None for a source being built and not
    yet wired into the pipeline (its `__init__` says which issue builds it)."""
    found: dict[str, Source | None] = {}
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.ispkg:
            found[module.name] = importlib.import_module(f"{__name__}.{module.name}").SOURCE
    return found


def _registered(folders: dict[str, Source | None]) -> dict[str, Source]:
    found = {}
    for name, source in folders.items():
        if source is None:
            continue
        if source.key != name:
            raise ValueError(f"devfin/sources/{name}/ registers {source.key!r}")
        found[source.key] = source
    return found


_FOLDERS = _folders()

SOURCES: dict[str, Source] = _registered(_FOLDERS)
# The source folders being built and not yet wired: no registry reads them.
UNWIRED: tuple[str, ...] = tuple(name for name, source in _FOLDERS.items() if source is None)
SOURCE_KEYS: tuple[str, ...] = tuple(SOURCES)
# Every staging record type, parent first, per source key; and each by its table.
RECORD_TYPES: dict[str, tuple[type, ...]] = {key: s.records for key, s in SOURCES.items()}
TABLE_TYPES: dict[str, type] = {t.table: t for types in RECORD_TYPES.values() for t in types}


def _source(key: str) -> Source:
    if key not in SOURCES:
        raise ValueError(f"unknown source {key!r}; known sources: {', '.join(SOURCE_KEYS)}")
    return SOURCES[key]


def get_source(key: str) -> ModuleType:
    """The parser module of one source key (`adb_pds`, `cdia`): its `parse` and constants."""
    return importlib.import_module(_source(key).parser)


def generator(key: str) -> ModuleType:
    """The sample generator of one source key: its `generate`."""
    return importlib.import_module(_source(key).generator)


def detect_source(path_parts: tuple[str, ...], content: bytes) -> str:
    """The source key of a saved sheet: its folder, if named after a source, else its content."""
    for part in reversed(path_parts[:-1]):
        if part in SOURCES:
            return part
    text = content[:200_000].decode("utf-8", errors="replace")
    for key, source in SOURCES.items():
        if source.identity.search(text):
            return key
    raise ValueError(f"cannot tell the source of {'/'.join(path_parts)}: pass --source")


def staging_asset_uri(source: str) -> str:
    """The URI of the Airflow Asset a source's ingest updates (its `staging.*` tables)."""
    return f"devfin://staging/{source}"


def parsed_sheet_from_json(data: dict[str, Any]) -> ParsedSheet:
    """The inverse of `records.parsed_sheet_to_json` (the hand-over between the stages)."""
    parent_type = RECORD_TYPES[data["source"]][0]
    return ParsedSheet(
        source=data["source"],
        record=record_from_json(parent_type, data["record"]),
        children={
            table: [record_from_json(TABLE_TYPES[table], row) for row in rows]
            for table, rows in data["children"].items()
        },
        provenance=data["provenance"],
        missing_labels=tuple(data["missing_labels"]),
        repairs={kind: tuple(fields) for kind, fields in data.get("repairs", {}).items()},
        unparsed={name: dict(detail) for name, detail in data.get("unparsed", {}).items()},
        parser_version=data["parser_version"],
    )

"""The data-sheet sources: one module per source key, each with a pure `parse` (page in, record
out); which sheets to fetch is configuration, read by `devfin.extract.discovery`."""

from __future__ import annotations

import importlib
import re
from types import ModuleType

SOURCE_KEYS = ("adb_pds", "cdia")
# What every layout of an ADB data sheet writes before its number ("Project Number 54037-001",
# "Project/Program Number", "Sovereign (Public) Project | 49169-002").
_ADB_IDENTITY = re.compile(r"Project(?:/Program)? Number|Project \| \d{5}-\d{3}")


def get_source(key: str) -> ModuleType:
    """The module of one source key (`adb_pds`, `cdia`)."""
    if key not in SOURCE_KEYS:
        raise ValueError(f"unknown source {key!r}; known sources: {', '.join(SOURCE_KEYS)}")
    return importlib.import_module(f"devfin.sources.{key}")


def detect_source(path_parts: tuple[str, ...], content: bytes) -> str:
    """The source key of a saved sheet: its folder, if named after a source, else its content."""
    for part in reversed(path_parts[:-1]):
        if part in SOURCE_KEYS:
            return part
    text = content[:200_000].decode("utf-8", errors="replace")
    if _ADB_IDENTITY.search(text):
        return "adb_pds"
    if "City Interventions" in text or "CDIA Support" in text:
        return "cdia"
    raise ValueError(f"cannot tell the source of {'/'.join(path_parts)}: pass --source")


def staging_asset_uri(source: str) -> str:
    """The URI of the Airflow Asset a source's ingest updates (its `staging.*` tables)."""
    return f"devfin://staging/{source}"

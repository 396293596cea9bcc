"""The staging rows of the parsed sheets, and their spooling into the load's transaction."""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from devfin.load import schema, warehouse
from devfin.records import row_from_json
from devfin.settings import Settings
from devfin.sources import RECORD_TYPES

log = logging.getLogger("devfin.pipeline")  # the load stage's messages, as the other stages'
Sheets = list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]]  # parsed, staging rows


def staging_rows(item: dict[str, Any], load_id: str) -> dict[str, list[dict]]:
    """The staging rows of one parsed sheet (a `parsed.jsonl` item), by table, with the
    provenance columns filled."""
    sheet = item["sheet"]
    parent_type, *child_types = RECORD_TYPES[sheet["source"]]
    meta = {
        "sheet_id": item["sheet_id"],
        "sheet_version": item["sheet_version"],
        "source_url": item["source_url"],
        "fetched_at": datetime.fromisoformat(item["fetched_at"]),
        "load_id": load_id,
    }
    parent = {
        **meta,
        "parser_version": sheet["parser_version"],
        "provenance": schema.dumps(sheet["provenance"]),
        "missing_labels": schema.dumps(sheet["missing_labels"]),
        "repairs": schema.dumps(sheet.get("repairs", {})),
        "unparsed": schema.dumps(sheet.get("unparsed", {})),
        **row_from_json(parent_type, sheet["record"]),
    }
    rows = {parent_type.table: [parent]}
    children = sheet["children"]
    for record_type in child_types:
        rows[record_type.table] = [
            {**meta, **row_from_json(record_type, r)} for r in children.get(record_type.table, [])
        ]
    return rows


def spool_sheets(
    spool: warehouse.StagingSpool, sheets: Sheets
) -> tuple[int, list[tuple[dict[str, Any], str]]]:
    """Spool a batch of sheets' staging rows; returns the rows written and the sheets refused,
    each with the database's message. A batch is written whole; one the warehouse refuses is
    written again sheet by sheet, so only the sheets whose rows it refuses stay out."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for _, tables in sheets:
        for table, rows in tables.items():
            merged.setdefault(table, []).extend(rows)
    try:
        return spool.add_sheet_rows(merged), []
    except warehouse.RowsRefused:
        pass
    written, refused = 0, []
    for item, tables in sheets:
        try:
            written += spool.add_sheet_rows(tables)
        except warehouse.RowsRefused as error:
            # counted by reason when the load ends; the database's words are in audit.quarantine
            log.debug(
                "%s: sheet %s refused by the warehouse, quarantined (load_error): %s",
                item["source_url"], item["sheet_id"], error,
            )  # fmt: skip
            refused.append((item, str(error)))
    return written, refused


def new_versions(
    conn: sa.Connection,
    source: str,
    load_id: str,
    candidates: list[dict[str, Any]],
    seen: set[tuple[str, str]],
    tally: Counter[str],
) -> Sheets:
    """The candidates whose version is neither in staging nor earlier in this run (`seen`, which
    gains them), with their staging rows; the others are counted as `versions_present`."""
    present = warehouse.loaded_versions(
        conn, source, ((i["sheet_id"], i["sheet_version"]) for i in candidates)
    )
    new: Sheets = []
    for item in candidates:
        key = (item["sheet_id"], item["sheet_version"])
        if key in present or key in seen:
            tally["versions_present"] += 1
            continue
        seen.add(key)
        new.append((item, staging_rows(item, load_id)))
    return new


@contextmanager
def spool_folder(spool_dir: Path, settings: Settings) -> Iterator[None]:
    """The load's Parquet spool (`warehouse.StagingSpool`) is gone when the load ends, also when
    it failed (the transaction rolled back: the rows spooled are of no use)."""
    try:
        yield
    finally:
        if settings.warehouse_kind == "duckdb":
            shutil.rmtree(spool_dir, ignore_errors=True)

"""The parsed sheets as GX sees them: one pandas DataFrame per staging table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from devfin.load.staging import staging_rows
from devfin.records import column_types
from devfin.sources import RECORD_TYPES


def staging_frames(source: str, items: list[dict[str, Any]], load_id: str) -> dict[str, Any]:
    """One pandas DataFrame per staging table, typed for GX: amounts as floats and dates as
    datetime64[ns] (GX compares those with the ISO date strings a JSON suite holds)."""
    import pandas as pd

    by_table: dict[str, list[dict[str, Any]]] = {t.table: [] for t in RECORD_TYPES[source]}
    for item in items:
        for table, rows in staging_rows(item, load_id).items():
            by_table[table] += rows
    frames = {}
    for record_type in RECORD_TYPES[source]:
        frame = pd.DataFrame(by_table[record_type.table])
        for name, kind in column_types(record_type).items():
            if name not in frame:
                continue
            if kind is date:
                frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
            elif kind is Decimal:
                frame[name] = frame[name].astype("float64")
        frames[record_type.table] = frame
    return frames

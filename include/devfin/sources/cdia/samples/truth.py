"""The truth of a page: the records a parser must read back from it."""

from __future__ import annotations

import dataclasses
from typing import Any

from devfin.records import ParsedSheet
from devfin.samples.base import DOUBLED_APOSTROPHE_REPAIR
from devfin.sources.cdia.records import CdiaIntervention
from devfin.sources.cdia.samples.draw import Page
from devfin.sources.cdia.samples.layout import CHILD_TABLES, LABELS, LAYOUT, SOURCE

# --- The truth ------------------------------------------------------------------------------


def page_truth(page: Page, repaired: list[str]) -> ParsedSheet:
    values: dict[str, Any] = {"title": page.title.replace("''", "'"), "layout": LAYOUT}
    children: dict[str, list[Any]] = {row_type.table: [] for row_type in CHILD_TABLES.values()}
    unparsed: dict[str, dict[str, str]] = {}
    for entry in page.entries:
        values.update(entry.fields)
        unparsed.update(entry.unparsed)
        if entry.label in CHILD_TABLES:
            row_type = CHILD_TABLES[entry.label]
            children[row_type.table] = [row_type(i, n) for i, n in enumerate(entry.rows, 1)]
    present = {entry.label for entry in page.entries}
    missing = tuple(label for label in LABELS if label not in present)
    record = CdiaIntervention(**{name: v for name, v in values.items() if v is not None})
    order = [f.name for f in dataclasses.fields(CdiaIntervention)] + [
        f"{t.table}.name" for t in CHILD_TABLES.values()
    ]
    repairs = (
        {DOUBLED_APOSTROPHE_REPAIR: tuple(sorted(repaired, key=order.index))} if repaired else {}
    )
    return ParsedSheet(
        source=SOURCE,
        record=record,
        children=children,
        missing_labels=missing,
        repairs=repairs,
        unparsed=unparsed,
    )

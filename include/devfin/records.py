"""What every source's parser returns (ParsedSheet) and how typed records go to and from JSON;
the record types themselves are each source's (`devfin.sources.<key>.records`)."""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

PARSER_VERSION = "2.0.0"


@dataclass(frozen=True)
class ParsedSheet:
    """What a parser returns for one sheet: the parent record, its child rows and provenance.

    `provenance` maps each filled field of the parent record to the label it was read from;
    `missing_labels` lists the labels the parser looked for and did not find; `repairs` names,
    by kind of repair (such as `doubled_apostrophe`), the fields whose source text the parser
    had to mend, so the quality checks can flag the source even though the record is clean.
    `unparsed` maps each field (or `table.column[position]` of a child row) whose value was on
    the page but could not be read to {"text": the raw text, "reason": why}: the field is
    empty, its text is kept, and a warning check names it.
    """

    source: str
    record: Any  # the parent record of its source (`Source.records[0]`)
    children: dict[str, list[Any]] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    missing_labels: tuple[str, ...] = ()
    repairs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unparsed: dict[str, dict[str, str]] = field(default_factory=dict)
    parser_version: str = PARSER_VERSION

    def rows(self, table: str) -> list[Any]:
        """The rows of one staging table in this sheet (the parent table gives one row)."""
        if table == self.record.table:
            return [self.record]
        return self.children.get(table, [])


def record_to_json(record: Any) -> dict[str, Any]:
    """A record's columns as JSON values (each parse worker writes thousands a second)."""
    data = dict(vars(record))  # a dataclass's fields, in order, and nothing else
    _, dates, decimals = _json_columns(type(record))
    for name in dates:  # a datetime too: its ISO form keeps its offset
        if (value := data[name]) is not None:
            data[name] = value.isoformat()
    for name in decimals:
        if (value := data[name]) is not None:
            data[name] = str(value)
    return data


@functools.cache
def column_types(record_type: type) -> dict[str, type]:
    """Each column of a record type and its Python type (`X | None` gives X)."""
    hints = typing.get_type_hints(record_type)
    types: dict[str, type] = {}
    for f in dataclasses.fields(record_type):
        args = [a for a in typing.get_args(hints[f.name]) if a is not type(None)]
        types[f.name] = args[0] if args else hints[f.name]
    return types


@functools.cache
def _json_columns(record_type: type) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """A record type's columns, and which of them JSON holds as ISO dates or datetimes and as
    decimal text."""
    types = column_types(record_type)
    return (
        frozenset(types),
        tuple(name for name, kind in types.items() if kind in (date, datetime)),
        tuple(name for name, kind in types.items() if kind is Decimal),
    )


@functools.cache
def _datetime_columns(record_type: type) -> frozenset[str]:
    return frozenset(name for name, kind in column_types(record_type).items() if kind is datetime)


def row_from_json(record_type: type, data: dict[str, Any]) -> dict[str, Any]:
    """A record's columns from its `record_to_json` form, typed as the record holds them, without
    building the record: the load and the checks read thousands of rows a second this way."""
    names, dates, decimals = _json_columns(record_type)
    row = dict(data) if data.keys() <= names else {k: v for k, v in data.items() if k in names}
    if len(row) < len(names):
        for name in names - row.keys():
            row[name] = None
    datetimes = _datetime_columns(record_type)
    for name in dates:
        if (value := row[name]) is not None:
            row[name] = (datetime if name in datetimes else date).fromisoformat(value)
    for name in decimals:
        if (value := row[name]) is not None:
            row[name] = Decimal(value)
    return row


def record_from_json(record_type: type, data: dict[str, Any]) -> Any:
    """The inverse of `record_to_json`."""
    return record_type(**row_from_json(record_type, data))


def parsed_sheet_to_json(sheet: ParsedSheet) -> dict[str, Any]:
    return {
        "source": sheet.source,
        "record": record_to_json(sheet.record),
        "children": {t: [record_to_json(r) for r in rows] for t, rows in sheet.children.items()},
        "provenance": sheet.provenance,
        "missing_labels": list(sheet.missing_labels),
        "repairs": {kind: list(fields) for kind, fields in sheet.repairs.items()},
        "unparsed": {name: dict(detail) for name, detail in sheet.unparsed.items()},
        "parser_version": sheet.parser_version,
    }

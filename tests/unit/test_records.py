"""Records survive the JSON hand-over between stages exactly."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal

from devfin.records import (
    ParsedSheet,
    column_types,
    parsed_sheet_to_json,
    record_to_json,
    row_from_json,
)
from devfin.sources import parsed_sheet_from_json
from devfin.sources.adb_pds.records import AdbProject, AdbTender


def test_parsed_sheet_round_trips_through_json() -> None:
    sheet = ParsedSheet(
        source="adb_pds",
        record=AdbProject(
            project_number="54037-001",
            project_name="It's a name",
            approval_date=date(2020, 11, 16),
            financing_adb=Decimal("400000.00"),
        ),
        children={"adb_tenders": [AdbTender(position=1, title="A", posting_date=None)]},
        provenance={"project_name": "Project Name"},
        missing_labels=("MRM",),
        repairs={"doubled_apostrophe": ("project_name",)},
    )
    assert parsed_sheet_from_json(parsed_sheet_to_json(sheet)) == sheet


def test_column_types_unwrap_optionals() -> None:
    types = column_types(AdbProject)
    assert types["approval_date"] is date
    assert types["financing_adb"] is Decimal
    assert types["project_number"] is str


def test_a_row_from_json_is_the_records_columns_typed() -> None:
    project = AdbProject(
        project_number="54037-001",
        project_name="A name",
        approval_date=date(2020, 11, 16),
        financing_adb=Decimal("400000.00"),
    )
    row = row_from_json(AdbProject, record_to_json(project))
    assert row == asdict(project)
    assert type(row["approval_date"]) is date and type(row["financing_adb"]) is Decimal


def test_a_row_from_json_drops_unknown_keys_and_fills_missing_ones() -> None:
    # a hand-over written by another version of the records: columns by the record type's names
    written = {"position": 2, "title": "A", "retired_column": "x", "posting_date": "2021-03-04"}
    row = row_from_json(AdbTender, written)
    assert row == asdict(AdbTender(position=2, title="A", posting_date=date(2021, 3, 4)))

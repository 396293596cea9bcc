"""Records survive the JSON hand-over between stages exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from devfin.records import (
    AdbProject,
    AdbTender,
    ParsedSheet,
    column_types,
    parsed_sheet_from_json,
    parsed_sheet_to_json,
)


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

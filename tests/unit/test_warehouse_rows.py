"""The one builder of `audit.dq_results` rows: every column of the table, the lists as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from devfin.load import schema


def test_a_dq_row_fills_every_column_of_the_table_and_no_other() -> None:
    row = schema.dq_row(
        load_id="run-1",
        source="adb_pds",
        suite="adb_projects",
        check_name="title present",
        expectation_type="expect_column_values_to_not_be_null",
        severity="critical",
        success=False,
        checked_at=datetime(2026, 12, 4, tzinfo=UTC),
        sample_values=["null", "<b>x</b>"],
        sheet_ids=["54037-001"],
    )
    assert list(row) == [column.name for column in schema.dq_results.columns]
    assert json.loads(row["sample_values"]) == ["null", "<b>x</b>"]
    assert json.loads(row["sheet_ids"]) == ["54037-001"]
    assert (row["element_count"], row["unexpected_count"], row["message"]) == (None, None, None)


def test_a_dq_row_without_lists_holds_empty_json_lists() -> None:
    row = schema.dq_row(
        load_id="run-1",
        source="dbt",
        suite="dbt_tests",
        check_name="not_null_x",
        expectation_type="not_null",
        severity="warning",
        success=True,
        checked_at=datetime(2026, 12, 4, tzinfo=UTC),
    )
    assert (row["sample_values"], row["sheet_ids"]) == ("[]", "[]")

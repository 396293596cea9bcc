"""The quality gate: suites load strictly, and critical failures name the failing sheet versions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from devfin.errors import QualityError
from devfin.quality.validation import critical_failures, load_suites
from tests.conftest import validate_tables

REPO_DIR = Path(__file__).resolve().parents[2]


def test_every_shipped_suite_loads_with_all_its_expectations() -> None:
    suites = load_suites(REPO_DIR / "expectations")
    assert {"adb_projects", "cdia_interventions"} <= set(suites)
    from devfin.quality.validation import build_suite

    for suite in suites.values():
        assert len(build_suite(suite).expectations) == len(suite["expectations"]) > 0


def _write(tmp_path: Path, suite: dict) -> Path:
    (tmp_path / f"{suite['name']}.json").write_text(json.dumps(suite))
    return tmp_path


def test_expectation_without_severity_is_refused(tmp_path: Path) -> None:
    suite = {
        "name": "adb_projects",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}, "meta": {}}
        ],
    }
    with pytest.raises(QualityError, match="severity"):
        load_suites(_write(tmp_path, suite))


def test_a_check_name_used_twice_in_a_suite_is_refused(tmp_path: Path) -> None:
    """Check names key the ledger and the merging of batches: one per expectation."""
    expectation = {
        "type": "expect_column_values_to_not_be_null",
        "meta": {"check": "x present", "severity": "warning"},
    }
    suite = {
        "name": "adb_projects",
        "expectations": [
            {**expectation, "kwargs": {"column": "x"}},
            {**expectation, "kwargs": {"column": "y"}},
        ],
    }
    with pytest.raises(QualityError, match="repeated: x present"):
        load_suites(_write(tmp_path, suite))


def test_unknown_expectation_is_refused(tmp_path: Path) -> None:
    from devfin.quality.validation import build_suite

    suite = {
        "name": "adb_projects",
        "expectations": [
            {
                "type": "expect_column_values_to_be_bogus",
                "kwargs": {"column": "x"},
                "meta": {"check": "bogus", "severity": "warning"},
            }
        ],
    }
    with pytest.raises(QualityError, match="invalid expectation"):
        build_suite(load_suites(_write(tmp_path, suite))["adb_projects"])


def test_critical_failure_names_the_sheet_version() -> None:
    frame = pd.DataFrame(
        {
            "sheet_id": ["a", "b"],
            "sheet_version": ["v1", "v2"],
            "project_number": ["54037-001", "not-a-number"],
            "project_name": ["x", "y"],
        }
    )
    suites = load_suites(REPO_DIR / "expectations")
    suites = {
        "adb_projects": {
            **suites["adb_projects"],
            "expectations": [
                e
                for e in suites["adb_projects"]["expectations"]
                if e["kwargs"].get("column") in ("project_number", "project_name")
            ],
        }
    }
    results = validate_tables({"adb_projects": frame}, suites)
    failures = critical_failures(results)
    assert list(failures) == [("b", "v2")]
    assert failures[("b", "v2")][0].sample_values == ["not-a-number"]


def test_samples_read_as_an_auditor_reads_them() -> None:
    import numpy as np

    from devfin.quality.validation import _sample

    pair = (np.datetime64("2020-07-15T00:00:00"), np.datetime64("2020-09-14T00:00:00"))
    assert _sample(pair) == "(2020-07-15, 2020-09-14)"
    assert _sample(None) == "null" and _sample(float("nan")) == "null"
    assert _sample("5403-01") == "5403-01"


def test_a_check_that_raises_is_a_failure_with_its_message() -> None:
    from devfin.quality.validation import _exception_message

    nested = {
        "metric-id": {"raised_exception": True, "exception_message": "bad comparison"},
        "other": {"raised_exception": False, "exception_message": None},
    }
    assert _exception_message(nested) == "bad comparison"
    assert _exception_message({"raised_exception": False, "exception_message": None}) is None


def _projects(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """adb_projects rows of (sheet id, project number), each its own sheet version."""
    return pd.DataFrame(
        {
            "sheet_id": [sheet_id for sheet_id, _ in rows],
            "sheet_version": [f"v-{sheet_id}" for sheet_id, _ in rows],
            "project_number": [number for _, number in rows],
            "title": ["a title"] * len(rows),
        }
    )


NUMBER_SUITE = {
    "adb_projects": {
        "name": "adb_projects",
        "expectations": [
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "project_number", "regex": r"^\d{5}-\d{3}$"},
                "meta": {"check": "project number is NNNNN-NNN", "severity": "critical"},
            }
        ],
    }
}


def test_a_failing_critical_check_names_every_failing_sheet_across_gx_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GX checks the stage's batches in batches of its own (GX_BATCH_ROWS): however they fall,
    the merged result names every failing sheet, counts every row, and keeps the first
    MAX_SAMPLES unexpected values in the order of the sheets."""
    from devfin.quality import validation

    batches = [
        _projects([(f"b{b}-{i}", "54037-001" if i % 3 else f"bad-{b}-{i}") for i in range(30)])
        for b in range(3)
    ]
    failing = sorted((f"b{b}-{i}", f"v-b{b}-{i}") for b in range(3) for i in range(0, 30, 3))
    results = {}
    for rows in (1, 45, 10**9):  # GX on every batch, on two at a time, on all at once
        monkeypatch.setattr(validation, "GX_BATCH_ROWS", rows)
        validator = validation.Validator(NUMBER_SUITE)
        for frame in batches:
            validator.check({"adb_projects": frame})
        (results[rows],) = validator.results()
    result = results[1]
    assert results[45] == result == results[10**9]
    assert (result.success, result.element_count, result.unexpected_count) == (False, 90, 30)
    assert result.failing_sheets == failing
    assert result.sample_values == [f"bad-{b}-{i}" for b in range(3) for i in range(0, 30, 3)][:20]
    assert list(critical_failures([result])) == failing


def test_gx_gets_the_columns_the_suite_reads() -> None:
    """A suite's frame is narrowed to the columns its expectations and their row conditions
    read, and the sheet key; a suite with an expectation of the whole table gets every column."""
    from devfin.quality.validation import columns_read

    suite = load_suites(REPO_DIR / "expectations")["adb_disbursements"]
    read = columns_read(suite)
    assert read is not None
    assert {"sheet_id", "sheet_version", "position", "as_of_date", "amount"} <= read
    assert {"check_as_of_date_unread", "check_latest_possible_date"} <= read  # conditions
    assert "source_url" not in read
    table = {
        "type": "expect_table_row_count_to_be_between",
        "kwargs": {"min_value": 1},
        "meta": {"check": "rows", "severity": "warning"},
    }
    assert columns_read({**suite, "expectations": [*suite["expectations"], table]}) is None


def test_a_table_expectation_still_sees_the_whole_table() -> None:
    frame = _projects([("a", "54037-001"), ("b", "54037-002")]).assign(extra=[1, 2])
    suite = {
        "name": "adb_projects",
        "expectations": [
            {
                "type": "expect_table_column_count_to_equal",
                "kwargs": {"value": 5},
                "meta": {"check": "five columns", "severity": "warning"},
            }
        ],
    }
    (result,) = validate_tables({"adb_projects": frame}, {"adb_projects": suite})
    assert result.success and result.message is None


def test_the_data_docs_name_each_unexpected_sheet_and_escape_its_value(tmp_path: Path) -> None:
    """The Data Docs show an unexpected value with the sheets that hold it, HTML-escaped once
    (GX writes values into its pages as HTML), under the Content-Security-Policy."""
    from devfin import csp

    script = "<script>alert(1)</script>"
    frame = _projects([("54037-001", "54037-001"), ("54037-002", script)])
    results = validate_tables({"adb_projects": frame}, NUMBER_SUITE, tmp_path / "gx", "run-1")
    assert results[0].sample_values == [script]  # the ledger keeps the value as it is
    (page,) = (tmp_path / "gx" / "validations").rglob("*.html")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&amp;lt;" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "54037-002" in text and "v-54037-002" in text  # the sheet and its version
    assert csp.meta(csp.DATA_DOCS) in text

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

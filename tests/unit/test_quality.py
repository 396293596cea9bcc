"""The quality gate end to end: parsed sheets → validation frames (`staging_frames`) → derived
check columns (`quality.derive`) → the shipped GX suites (`Validator`, as the validate stage).

The seed sheet's real defects are flagged as warnings and it loads; on a generated corpus the
clean sheets pass every critical check and only sheets whose financing total is not the sum of
its parts are quarantined; planted markup, replacement characters and bad numbers are caught.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from devfin.quality.checks import derive
from devfin.quality.frames import staging_frames
from devfin.quality.validation import (
    CheckResult,
    Validator,
    critical_failures,
    load_suites,
)
from devfin.records import ParsedSheet, parsed_sheet_to_json
from devfin.samples import samples
from devfin.sources import get_source
from tests.conftest import validate_tables

REPO_DIR = Path(__file__).resolve().parents[2]
SEED = REPO_DIR / "include" / "sample_data" / "adb_pds" / "54037-001.txt"
SEED_ID = "54037-001"
SEED_URL = "https://www.adb.org/projects/54037-001/main"
RUN_DATE = date(2026, 11, 23)
FETCHED_AT = "2026-11-23T06:00:00+00:00"
LOAD_ID = "test-load"
CORPUS_SEED = 20261123
CORPUS_SIZES = {"adb_pds": 200, "cdia": 100}
DEFECT_RATE = 0.3

FINANCING_CHECK = ("adb_projects", "financing total is the sum of its parts")
DOUBLED_CHECK = "no doubled apostrophes in the source"
LABELS_CHECK = "every label present"
# The seed's real defects, each a warning: (suite, check) → the sample value an auditor reads.
SEED_DEFECTS = {
    ("adb_projects", DOUBLED_CHECK): "summary, description, rationale",
    ("adb_projects", "fact finding on or after concept clearance"): "(2020-07-15, 2020-09-14)",
    ("adb_projects", "source of funding given with a financing plan"): "null",
    ("adb_tenders", "tender posting date present"): "null",
    ("adb_projects", "last PDS update within 12 months of the run"): "(2022-09-30, 2025-11-23)",
}
# Warnings a clean generated sheet may fail, and why that is not a defect of the check:
CLEAN_SHEET_WARNINGS = {
    # run-relative: generated concept clearances are 2012-2023, so most sheets are stale
    ("adb_projects", "last PDS update within 12 months of the run"),
    # the generator leaves 40 % of posting dates out, as the live pages do (the seed has none)
    ("adb_tenders", "tender posting date present"),
    # generator defect: it has no "today"; last PDS updates reach 2028, disbursements 2027
    ("adb_projects", "last PDS update not after the fetch"),
    ("adb_disbursements", "disbursement date not after the fetch"),
    # the generator writes a quarter of the downstream amounts without a financier
    ("cdia_interventions", "downstream financier given with the financing"),
}

Key = tuple[str, str]


def _item(sheet: ParsedSheet, sheet_id: str, url: str, body: str) -> dict[str, Any]:
    """A parsed sheet as `pipeline.parse_sheets` writes it to parsed.jsonl."""
    return {
        "sheet_id": sheet_id,
        "sheet_version": hashlib.sha256(body.encode()).hexdigest(),
        "source_url": url,
        "fetched_at": FETCHED_AT,
        "sheet": parsed_sheet_to_json(sheet),
    }


def _key(item: dict[str, Any]) -> Key:
    return (item["sheet_id"], item["sheet_version"])


def _validate(
    source: str, items: list[dict[str, Any]], suites: dict[str, Any]
) -> list[CheckResult]:
    """What `pipeline.validate_sheets` does with a run's parsed sheets."""
    return validate_tables(derive(staging_frames(source, items, LOAD_ID), RUN_DATE), suites)


def _failed(results: list[CheckResult]) -> dict[Key, set[tuple[str, str]]]:
    """The (suite, check) pairs each sheet version fails."""
    failed: dict[Key, set[tuple[str, str]]] = defaultdict(set)
    for result in results:
        for key in result.failing_sheets:
            failed[key].add((result.suite, result.check_name))
    return failed


def _result(results: list[CheckResult], suite: str, check: str) -> CheckResult:
    (found,) = [r for r in results if (r.suite, r.check_name) == (suite, check)]
    return found


def _mutant(
    seed: dict[str, Any], children: dict[str, list[dict[str, Any]]] | None = None, **record: Any
) -> dict[str, Any]:
    """The seed with some record fields or child tables changed, as another sheet version."""
    sheet = json.loads(json.dumps(seed["sheet"]))
    sheet["record"].update(record)
    sheet["children"].update(children or {})
    version = hashlib.sha256(json.dumps(sheet, sort_keys=True).encode()).hexdigest()
    return {**seed, "sheet_version": version, "sheet": sheet}


@pytest.fixture(scope="module")
def suites() -> dict[str, dict[str, Any]]:
    return load_suites(REPO_DIR / "expectations")


@pytest.fixture(scope="module")
def seed_item() -> dict[str, Any]:
    body = SEED.read_text(encoding="utf-8")
    sheet = get_source("adb_pds").parse(body, sheet_id=SEED_ID, url=SEED_URL)
    return _item(sheet, SEED_ID, SEED_URL, body)


@pytest.fixture(scope="module")
def mutants(seed_item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    record = seed_item["sheet"]["record"]
    overdrawn = [{"position": 1, "as_of_date": "2022-10-12", "amount": "400000.01"}]
    return {
        "script": _mutant(seed_item, title=f"<script>alert(1)</script>{record['title']}"),
        "fffd": _mutant(seed_item, summary=record["summary"].replace("Heilong", "Hei\ufffdong")),
        "number": _mutant(seed_item, project_number="5403-001"),
        "mismatch": _mutant(seed_item, financing_total="400000.01"),
        "ancient": _mutant(seed_item, approval_date="1901-11-16"),
        "closed": _mutant(seed_item, closing_date_actual="2023-11-30"),
        "overdrawn": _mutant(seed_item, children={"adb_disbursements": overdrawn}),
    }


@pytest.fixture(scope="module")
def seed_results(
    suites: dict[str, Any], seed_item: dict[str, Any], mutants: dict[str, dict[str, Any]]
) -> list[CheckResult]:
    """The seed and its mutants, validated in one run (each check names its failing sheets)."""
    return _validate("adb_pds", [seed_item, *mutants.values()], suites)


@pytest.fixture(scope="module")
def corpus(suites: dict[str, Any]) -> dict[str, tuple[dict[Key, str | None], list[CheckResult]]]:
    """Each source's generated sheets that parse, parsed from their HTML like fetched pages:
    the defect of each sheet version, and the run's check results."""
    validated = {}
    for source, count in CORPUS_SIZES.items():
        parser = get_source(source)
        items, defects = [], {}
        for page in samples(source, count, CORPUS_SEED, DEFECT_RATE):
            if page.truth is None:  # a page that must fail to parse never reaches the checks
                continue
            sheet = parser.parse(page.html, sheet_id=page.sheet_id, url=page.url)
            items.append(_item(sheet, page.sheet_id, page.url, page.html))
            defects[_key(items[-1])] = page.defect
        validated[source] = (defects, _validate(source, items, suites))
    return validated


# --- derive --------------------------------------------------------------------------------


def test_derived_columns_of_the_seed(seed_item: dict[str, Any]) -> None:
    frames = staging_frames("adb_pds", [seed_item], LOAD_ID)
    derived = derive(frames, RUN_DATE)
    project = derived["adb_projects"].iloc[0]
    assert project["check_financing_components_sum"] == 400000.0 == project["financing_total"]
    assert project["check_cumulative_disbursement"] == 55239.58
    assert bool(project["check_funding_source_expected"]) is True
    assert project["check_stale_before"] == pd.Timestamp("2025-11-23")
    assert project["check_latest_possible_date"] == pd.Timestamp("2026-11-24")
    assert project["check_doubled_apostrophe_fields"] == "summary, description, rationale"
    assert derived["adb_disbursements"]["check_latest_possible_date"].dtype == "datetime64[ns]"
    assert "check_financing_components_sum" not in frames["adb_projects"]  # input left alone


def test_financing_parts_are_summed_to_the_cent() -> None:
    frame = pd.DataFrame(
        {
            "financing_adb": [0.1, 1_234_567_890.12, None, None],
            "financing_cofinancing": [0.2, 0.01, None, 5.0],
            "financing_counterpart_government": [None, 0.0, None, None],
            "financing_counterpart_beneficiaries": [None, 0.0, None, None],
            "financing_counterpart_project_sponsor": [None, 0.0, None, None],
            "financing_counterpart_others": [None, 0.0, None, None],
        }
    )
    from devfin.quality.checks import FINANCING_COMPONENTS, _cents_sum

    sums = _cents_sum(frame, FINANCING_COMPONENTS)
    assert sums[0] == 0.3 and sums[1] == 1_234_567_890.13 and pd.isna(sums[2]) and sums[3] == 5.0


def test_a_value_left_unread_fails_no_critical_check(
    suites: dict[str, Any], seed_item: dict[str, Any]
) -> None:
    """An amount the parser could not read (in `unparsed`) is no zero and no missing value: the
    sum of the parts and the disbursement's amount are not checked, "every value read" fails,
    and the sheet loads."""
    unread = _mutant(
        seed_item,
        children={"adb_disbursements": [{"position": 1, "as_of_date": "2022-10-12"}]},
        financing_adb=None,
    )
    unread["sheet"]["unparsed"] = {
        "financing_adb": {"text": "123,456,789,012,345,678.00", "reason": "too large"},
        "adb_disbursements.amount[1]": {"text": "55,239.585", "reason": "more than 2 decimals"},
    }
    blank = _mutant(seed_item, children={"adb_disbursements": [{"position": 1}]})  # not flagged
    results = _validate("adb_pds", [unread, blank], suites)
    failed = critical_failures(results)
    assert _key(unread) not in failed
    assert {r.check_name for r in failed[_key(blank)]} == {
        "disbursement date present",
        "disbursement amount present",
    }
    assert _key(unread) in _result(results, "adb_projects", "every value read").failing_sheets


def test_the_latest_disbursement_is_the_cumulative_one(seed_item: dict[str, Any]) -> None:
    item = json.loads(json.dumps(seed_item))
    item["sheet"]["children"]["adb_disbursements"] = [
        {"position": 1, "as_of_date": "2022-10-12", "amount": "90000.00"},
        {"position": 2, "as_of_date": "2021-01-31", "amount": "10000.00"},
        {"position": 3, "as_of_date": None, "amount": "5.00"},
    ]
    item["sheet"]["children"]["adb_funding_sources"] = [
        {"position": 1, "fund_name": "Technical Assistance Special Fund", "amount": "400000.00"}
    ]
    derived = derive(staging_frames("adb_pds", [item], LOAD_ID), RUN_DATE)["adb_projects"].iloc[0]
    assert derived["check_cumulative_disbursement"] == 90000.0
    assert bool(derived["check_funding_source_expected"]) is False


def test_tables_without_rows_pass_through(seed_item: dict[str, Any]) -> None:
    item = json.loads(json.dumps(seed_item))
    item["sheet"]["children"]["adb_disbursements"] = []
    derived = derive(staging_frames("adb_pds", [item], LOAD_ID), RUN_DATE)
    assert derived["adb_disbursements"].empty
    assert pd.isna(derived["adb_projects"].iloc[0]["check_cumulative_disbursement"])
    assert derive({}, RUN_DATE) == {}


# --- the seed sheet --------------------------------------------------------------------------


def test_no_check_raises(
    seed_results: list[CheckResult], corpus: dict[str, tuple[Any, list[CheckResult]]]
) -> None:
    results = seed_results + [r for _, source_results in corpus.values() for r in source_results]
    assert [(r.suite, r.check_name, r.message) for r in results if r.message] == []


def test_the_seed_flags_each_of_its_defects_as_a_warning(
    seed_results: list[CheckResult], seed_item: dict[str, Any]
) -> None:
    for (suite, check), sample in SEED_DEFECTS.items():
        result = _result(seed_results, suite, check)
        assert result.severity == "warning", check
        assert not result.success and _key(seed_item) in result.failing_sheets, check
        assert sample in result.sample_values, (check, result.sample_values)


def test_the_seed_fails_nothing_else_and_no_critical_check(
    seed_results: list[CheckResult], seed_item: dict[str, Any]
) -> None:
    assert _failed(seed_results)[_key(seed_item)] == set(SEED_DEFECTS)
    assert _key(seed_item) not in critical_failures(seed_results)


# --- planted defects -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutant", "checks", "critical"),
    [
        ("script", {"no HTML tags in title"}, set()),
        ("fffd", {"no replacement characters in summary"}, set()),
        (
            "number",
            {"project number is NNNNN-NNN", "project number is the sheet id"},
            {"project number is NNNNN-NNN"},
        ),
        ("mismatch", {FINANCING_CHECK[1]}, {FINANCING_CHECK[1]}),
        (
            "ancient",
            {"approval date between 1966 and 2100", "approval on or after concept clearance"},
            {"approval date between 1966 and 2100"},
        ),
        ("closed", {"actual closing only for closed projects"}, set()),
        ("overdrawn", {"cumulative disbursement within total financing"}, set()),
    ],
)
def test_a_planted_defect_fails_its_checks(
    seed_results: list[CheckResult],
    mutants: dict[str, dict[str, Any]],
    mutant: str,
    checks: set[str],
    critical: set[str],
) -> None:
    key = _key(mutants[mutant])
    assert _failed(seed_results)[key] - set(SEED_DEFECTS) == {("adb_projects", c) for c in checks}
    held = critical_failures(seed_results)
    assert {r.check_name for r in held.get(key, [])} == critical


# --- the generated corpus --------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(CORPUS_SIZES))
def test_clean_generated_sheets_pass_every_critical_check(
    corpus: dict[str, tuple[dict[Key, str | None], list[CheckResult]]], source: str
) -> None:
    defects, results = corpus[source]
    clean = {key for key, defect in defects.items() if defect is None}
    assert len(clean) > CORPUS_SIZES[source] / 2
    assert clean.isdisjoint(critical_failures(results))


@pytest.mark.parametrize("source", sorted(CORPUS_SIZES))
def test_only_sheets_whose_total_is_not_the_sum_of_its_parts_are_quarantined(
    corpus: dict[str, tuple[dict[Key, str | None], list[CheckResult]]], source: str
) -> None:
    defects, results = corpus[source]
    mismatched = {key for key, defect in defects.items() if defect == "amounts_mismatch"}
    assert set(critical_failures(results)) == mismatched
    if source == "adb_pds":
        assert len(mismatched) >= 5
        financing = _result(results, *FINANCING_CHECK)
        assert financing.severity == "critical" and set(financing.failing_sheets) == mismatched
        held = critical_failures(results)
        assert all([r.check_name for r in held[key]] == [FINANCING_CHECK[1]] for key in held)


@pytest.mark.parametrize("source", sorted(CORPUS_SIZES))
def test_clean_generated_sheets_fail_only_the_known_warnings(
    corpus: dict[str, tuple[dict[Key, str | None], list[CheckResult]]], source: str
) -> None:
    defects, results = corpus[source]
    checks = {(r.suite, r.check_name) for r in results}
    assert {c for c in CLEAN_SHEET_WARNINGS if c[0] in checks and c not in checks} == set()
    failed = _failed(results)
    unexpected = {
        (key, check)
        for key, defect in defects.items()
        if defect is None
        for check in failed[key] - CLEAN_SHEET_WARNINGS
    }
    assert unexpected == set()


@pytest.mark.parametrize(
    ("defect", "check"),
    [("doubled_apostrophes", DOUBLED_CHECK), ("missing_label", LABELS_CHECK)],
)
@pytest.mark.parametrize("source", sorted(CORPUS_SIZES))
def test_each_injected_defect_is_flagged(
    corpus: dict[str, tuple[dict[Key, str | None], list[CheckResult]]],
    source: str,
    defect: str,
    check: str,
) -> None:
    defects, results = corpus[source]
    parent = "adb_projects" if source == "adb_pds" else "cdia_interventions"
    result = _result(results, parent, check)
    injected = {key for key, kind in defects.items() if kind == defect}
    assert injected and result.severity == "warning"
    assert set(result.failing_sheets) == injected


# --- batches -------------------------------------------------------------------------------


@pytest.mark.parametrize("gx_batch_rows", [1, 10**9], ids=["GX per batch", "GX once"])
def test_a_run_validated_in_batches_gives_the_results_of_one_batch(
    suites: dict[str, Any], monkeypatch: pytest.MonkeyPatch, gx_batch_rows: int
) -> None:
    """`validate_sheets` takes a big run in batches of whole sheets, and GX checks them in
    batches of up to GX_BATCH_ROWS rows: merged, the results are those of checking every sheet
    at once (counts added, failing sheets united, the first samples kept), whether GX checked
    each batch on its own or all of them together."""
    from devfin.quality import validation

    parser = get_source("adb_pds")
    items = [
        _item(parser.parse(page.html, sheet_id=page.sheet_id, url=page.url), page.sheet_id,
              page.url, page.html)
        for page in samples("adb_pds", CORPUS_SIZES["adb_pds"], CORPUS_SEED, DEFECT_RATE)
        if page.truth is not None
    ]  # fmt: skip
    whole = _validate("adb_pds", items, suites)
    monkeypatch.setattr(validation, "GX_BATCH_ROWS", gx_batch_rows)
    validator = Validator(suites)
    for start in range(0, len(items), 60):
        frames = staging_frames("adb_pds", items[start : start + 60], LOAD_ID)
        validator.check(derive(frames, RUN_DATE))
    batched = validator.results()

    assert any(not r.success for r in whole)  # the corpus has defects to merge
    assert any(len(r.failing_sheets) > 20 for r in whole)  # more than a batch's samples
    assert batched == whole

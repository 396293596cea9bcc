"""The adb_iati quality gate: generated IATI activities → validation frames (`staging_frames`) →
derived check columns (`quality.derive`) → the shipped iati_* suites, with the codelists read
from the dbt seeds (`quality.codelists`), as the validate stage runs them.

Clean activities pass every check; each defect the generator plants fails the one check it
should; a wrong currency, dates out of order and identifiers of the wrong form fail theirs.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from devfin.errors import ParseError, QualityError
from devfin.quality.checks import derive
from devfin.quality.codelists import value_sets
from devfin.quality.frames import staging_frames
from devfin.quality.validation import CheckResult, critical_failures, load_suites
from devfin.records import ParsedSheet, parsed_sheet_to_json
from devfin.samples import samples
from devfin.sources.adb_iati import parser
from devfin.sources.adb_iati.samples import generate, generate_file
from tests.conftest import validate_tables

REPO_DIR = Path(__file__).resolve().parents[2]
SOURCE = "adb_iati"
LOAD_ID = "test-load"
# The generator has no "today": its transaction dates run to 2031-11 (activities start up to
# 2023-09, transactions up to 3,000 days later), so the fetch is put after them all; a
# transaction after the fetch is tested on its own below.
RUN_DATE = date(2032, 1, 1)
FETCHED_AT = "2032-01-01T06:00:00+00:00"
CORPUS_SEED = 20261207
CORPUS_SIZE = 400
DEFECT_RATE = 0.5
IATI_SUITE = "iati_"
# The one check each planted defect must fail; the activity fails no other.
DEFECT_CHECKS = {
    "bad_date": ("iati_activity_dates", "activity date read"),
    "bad_amount": ("iati_transactions", "transaction amount read when a value is written"),
    "bad_code": ("iati_activities", "activity status in the ActivityStatus codelist"),
    "missing_title": ("iati_activities", "title given"),
}
CHILD_TABLES = (
    "iati_titles",
    "iati_descriptions",
    "iati_participating_orgs",
    "iati_recipient_countries",
    "iati_recipient_regions",
    "iati_sectors",
    "iati_activity_dates",
    "iati_budgets",
    "iati_transactions",
)

Key = tuple[str, str]


def _item(sheet: ParsedSheet | dict[str, Any], url: str = "https://www.adb.org/iati") -> dict:
    """An activity as `pipeline.parse_sheets` writes it to parsed.jsonl, named by its
    identifier (the fetch stage's sheet id) and versioned by its content."""
    body = sheet if isinstance(sheet, dict) else parsed_sheet_to_json(sheet)
    return {
        "sheet_id": body["record"]["iati_identifier"],
        "sheet_version": hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(),
        "source_url": url,
        "fetched_at": FETCHED_AT,
        "sheet": body,
    }


def _mutant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`base` as another activity: record fields changed (`record={...}`), child rows changed
    (`<table>={position: {...}}`) or replaced (`<table>=[...]`), `unparsed` entries added."""
    sheet = json.loads(json.dumps(base["sheet"]))
    sheet["record"].update(changes.pop("record", {}))
    sheet["unparsed"].update(changes.pop("unparsed", {}))
    for table, change in changes.items():
        if isinstance(change, list):
            sheet["children"][table] = change
            continue
        for position, fields in change.items():
            sheet["children"][table][position - 1].update(fields)
    return _item(sheet, base["source_url"])


def _validate(items: list[dict[str, Any]], suites: dict[str, Any]) -> list[CheckResult]:
    """What `pipeline.validate_sheets` does with a run's parsed activities."""
    return validate_tables(derive(staging_frames(SOURCE, items, LOAD_ID), RUN_DATE), suites)


def _failed(results: list[CheckResult]) -> dict[Key, set[tuple[str, str]]]:
    failed: dict[Key, set[tuple[str, str]]] = defaultdict(set)
    for result in results:
        for key in result.failing_sheets:
            failed[key].add((result.suite, result.check_name))
    return failed


def _key(item: dict[str, Any]) -> Key:
    return (item["sheet_id"], item["sheet_version"])


@pytest.fixture(scope="module")
def codes() -> dict[str, list[str]]:
    return value_sets(REPO_DIR / "dbt" / "seeds")


@pytest.fixture(scope="module")
def suites(codes: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    loaded = load_suites(REPO_DIR / "expectations", codes)
    return {name: suite for name, suite in loaded.items() if name.startswith(IATI_SUITE)}


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    """A clean generated activity with rows in every child table, a DAC 5-digit sector and
    every date type."""
    for index in range(2000):
        page = generate(random.Random(index), index, None)
        sheet = page.truth
        assert sheet is not None
        sectors = sheet.children["iati_sectors"]
        kinds = {row.date_type_code for row in sheet.children["iati_activity_dates"]}
        if (
            all(sheet.children[table] for table in CHILD_TABLES)
            and any(row.vocabulary == "1" for row in sectors)
            and kinds == {1, 2, 3, 4}
        ):
            return _item(parser.parse(page.html, sheet_id=page.sheet_id, url=page.url), page.url)
    pytest.fail("no generated activity has rows in every table")


@pytest.fixture(scope="module")
def corpus(suites: dict[str, Any]) -> tuple[dict[Key, str | None], list[CheckResult], int]:
    """Generated activities, each parsed from its own document as the pipeline parses it: the
    defect of each, the run's results, and how many could not be named (never validated)."""
    items, defects, unnamed = [], {}, 0
    for page in samples(SOURCE, CORPUS_SIZE, CORPUS_SEED, DEFECT_RATE):
        if page.truth is None:
            with pytest.raises(ParseError) as raised:
                parser.parse(page.html, sheet_id=page.sheet_id, url=page.url)
            assert raised.value.reason == page.expected_error == "missing_identifier"
            unnamed += 1
            continue
        items.append(_item(parser.parse(page.html, sheet_id=page.sheet_id, url=page.url)))
        defects[_key(items[-1])] = page.defect
    return defects, _validate(items, suites), unnamed


# --- codelists --------------------------------------------------------------------------------


def test_codelists_are_read_from_the_seeds_as_text(codes: dict[str, list[str]]) -> None:
    assert codes["iati_codelist_activity_status"] == ["1", "2", "3", "4", "5", "6"]
    assert "11110" in codes["iati_codelist_sector"]
    assert "PH" in codes["iati_codelist_country"] and "AN" in codes["iati_codelist_country"]
    assert {"USD", "PHP", "BYR"} <= set(codes["iati_codelist_currency"])  # BYR is withdrawn
    assert "iati_codelist_versions" not in codes
    # the DAC 3-digit categories: the first three digits of the 5-digit codes
    categories = codes["iati_codelist_sector_category"]
    assert {"111", "140", "998"} <= set(categories) and "1111" not in categories
    assert len(categories) == len(set(categories))


def test_every_codelist_a_suite_names_is_filled_in(suites: dict[str, Any]) -> None:
    named = 0
    for suite in suites.values():
        for expectation in suite["expectations"]:
            value_set = expectation["kwargs"].get("value_set")
            if value_set is not None:
                assert isinstance(value_set, list) and value_set, expectation["meta"]["check"]
                named += 1
    assert named == 18


def test_a_codelist_no_seed_gives_is_refused(codes: dict[str, list[str]]) -> None:
    lacking = {name: values for name, values in codes.items() if not name.endswith("currency")}
    with pytest.raises(QualityError, match="iati_codelist_currency"):
        load_suites(REPO_DIR / "expectations", lacking)


# --- derive -----------------------------------------------------------------------------------


def test_derived_columns_of_an_activity(base: dict[str, Any]) -> None:
    spoilt = _mutant(
        base,
        record={"activity_status_code": None},
        unparsed={
            "activity_status_code": {"text": "Active", "reason": "not a code"},
            "iati_transactions.amount[1]": {"text": "1,250,000", "reason": "not a decimal"},
            "iati_activity_dates.activity_date[2]": {"text": "2021-02-30", "reason": "no day"},
        },
        iati_transactions={1: {"amount": None}},
        iati_activity_dates={2: {"activity_date": None}},
    )
    frames = derive(staging_frames(SOURCE, [base, spoilt], LOAD_ID), RUN_DATE)
    activities = frames["iati_activities"]
    status = base["sheet"]["record"]["activity_status_code"]
    assert activities["check_activity_status_code_as_written"].tolist() == [str(status), "Active"]
    assert activities["check_identifier_unprefixed"].isna().all()
    titles = len(base["sheet"]["children"]["iati_titles"])
    assert activities["check_title_count"].tolist() == [titles, titles]
    dates = {
        r["date_type_code"]: r["activity_date"]
        for r in base["sheet"]["children"]["iati_activity_dates"]
    }
    assert activities["check_planned_start_date"].iloc[0].date().isoformat() == dates[1]
    assert activities["check_actual_end_date"].iloc[0].date().isoformat() == dates[4]
    transactions = frames["iati_transactions"].set_index(["sheet_version", "position"])
    spoilt_first = transactions.loc[(spoilt["sheet_version"], 1)]
    assert spoilt_first["check_value_written"] and pd.isna(spoilt_first["amount"])
    assert transactions["check_value_written"].all()
    dated = frames["iati_activity_dates"].set_index(["sheet_version", "position"])
    assert dated.loc[(spoilt["sheet_version"], 2), "check_activity_date_unread"] == "2021-02-30"
    assert dated["check_activity_date_unread"].notna().sum() == 1


# --- the generated corpus ---------------------------------------------------------------------


def test_clean_activity_files_pass_every_check(suites: dict[str, Any]) -> None:
    """Whole country files read as `read_all` reads them: every activity clean."""
    items = []
    for country in ("PH", "VN", "FJ"):
        sample = generate_file(CORPUS_SEED, country, 60, defect_rate=0.0)
        sheets, errors = parser.read_all(io.BytesIO(sample.content), sheet_id=sample.sheet_id)
        assert not errors
        items += [_item(sheet, sample.url) for sheet in sheets]
    results = _validate(items, suites)
    assert {r.suite for r in results} == set(suites)  # every table had rows
    assert len(results) == sum(len(s["expectations"]) for s in suites.values())
    failed = [(r.suite, r.check_name, r.sample_values[:3], r.message) for r in results]
    assert not [f for f, r in zip(failed, results, strict=True) if not r.success or r.message]


def test_each_defect_fails_its_check_and_no_other(
    corpus: tuple[dict[Key, str | None], list[CheckResult], int],
) -> None:
    defects, results, unnamed = corpus
    failed = _failed(results)
    seen = defaultdict(int)
    for key, defect in defects.items():
        expected = {DEFECT_CHECKS[defect]} if defect is not None else set()
        assert failed.get(key, set()) == expected, (defect, key)
        seen[defect] += 1
    assert set(seen) == {None, *DEFECT_CHECKS} and min(seen.values()) >= 5, seen
    assert unnamed >= 5  # missing_identifier: a ParseError, quarantined before any check
    assert not critical_failures(results)


def test_an_activity_without_identifier_fails_only_the_identity_check(
    base: dict[str, Any], suites: dict[str, Any]
) -> None:
    """The parser never yields one (a ParseError), so the check is the gate's own guard."""
    unnamed = _mutant(base, record={"iati_identifier": None})
    unnamed["sheet_id"] = "iati-activities-ph"  # named after its file, as the fetch stage would
    results = _validate([base, unnamed], suites)
    assert _failed(results) == {_key(unnamed): {("iati_activities", "identifier present")}}
    assert set(critical_failures(results)) == {_key(unnamed)}


# --- planted values ---------------------------------------------------------------------------

ADB_FORM = "identifier of ADB's form (project number read)"
IATI_FORM = "identifier of the IATI form"
# Planted values, each in its own copy of the clean activity: the changes (see `_mutant`; a
# `dates` entry sets the activity's dates by type), the (suite, check) pairs it must fail and
# no other, and whether one of them is critical (the activity is held back).
PLANTED: dict[str, tuple[dict[str, Any], set[tuple[str, str]], bool]] = {
    "transaction-currency": (
        {"iati_transactions": {1: {"currency": "XYZ"}}},
        {("iati_transactions", "transaction currency in the Currency codelist")},
        False,
    ),
    "budget-currency": (
        {"iati_budgets": {1: {"currency": "usd"}}},
        {("iati_budgets", "budget currency in the Currency codelist")},
        False,
    ),
    "default-currency": (
        {"record": {"default_currency": "EURO"}},
        {("iati_activities", "default currency in the Currency codelist")},
        False,
    ),
    "planned-dates": (
        {"dates": {"planned_start": "2020-06-01", "planned_end": "2020-05-31"}},
        {("iati_activities", "planned start on or before planned end")},
        False,
    ),
    "actual-dates": (
        {"dates": {"actual_start": "2021-01-02", "actual_end": "2021-01-01"}},
        {("iati_activities", "actual start on or before actual end")},
        False,
    ),
    "budget-period": (
        {"iati_budgets": {1: {"period_start_date": "2020-12-31", "period_end_date": "2020-01-01"}}},
        {("iati_budgets", "budget period starts on or before it ends")},
        False,
    ),
    "transaction-after-fetch": (
        {"iati_transactions": {1: {"transaction_date": "2032-01-03"}}},
        {("iati_transactions", "transaction date not after the fetch")},
        False,
    ),
    # a day's slack for time zones, as for the other sources
    "transaction-day-after-fetch": (
        {"iati_transactions": {1: {"transaction_date": "2032-01-02"}}},
        set(),
        False,
    ),
    "identifier-slash": (
        {"record": {"iati_identifier": "XM-DAC-46004-55343-001/GRNT0822"}},
        {("iati_activities", IATI_FORM), ("iati_activities", ADB_FORM)},
        True,
    ),
    "identifier-space": (
        {"record": {"iati_identifier": "XM-DAC-46004-55343-001 GRNT0822"}},
        {("iati_activities", IATI_FORM), ("iati_activities", ADB_FORM)},
        True,
    ),
    "identifier-not-adb": (
        {"record": {"iati_identifier": "GB-GOV-1-300123", "reporting_org_ref": "GB-GOV-1"}},
        {("iati_activities", ADB_FORM)},
        False,
    ),
    "identifier-without-loan": (
        {"record": {"iati_identifier": "XM-DAC-46004-55343"}},
        {("iati_activities", ADB_FORM)},
        False,
    ),
    "identifier-of-another-organisation": (
        {"record": {"reporting_org_ref": "XM-DAC-903"}},
        {("iati_activities", "identifier starts with the reporting organisation's ref")},
        True,
    ),
    "role-unread": (
        {
            "iati_participating_orgs": {1: {"role_code": None}},
            "unparsed": {"iati_participating_orgs.role_code[1]": {"text": "5", "reason": "no"}},
        },
        {("iati_participating_orgs", "organisation role in the OrganisationRole codelist")},
        False,
    ),
    "organisation-type": (
        {"iati_participating_orgs": {1: {"organisation_type": "99"}}},
        {("iati_participating_orgs", "organisation type in the OrganisationType codelist")},
        False,
    ),
    "country": (
        {"iati_recipient_countries": {1: {"country_code": "XX"}}},
        {("iati_recipient_countries", "country in the Country codelist")},
        False,
    ),
    "sector": (
        {"iati_sectors": {1: {"sector_code": "14039", "vocabulary": "1"}}},
        {("iati_sectors", "sector in the DAC 5-digit Sector codelist (vocabulary 1)")},
        False,
    ),
    "sector-category": (
        {"iati_sectors": {1: {"sector_code": "149", "vocabulary": "2"}}},
        {("iati_sectors", "sector a DAC 3-digit category of the Sector codelist (vocabulary 2)")},
        False,
    ),
    # the reporting organisation's own vocabulary has no codelist here
    "sector-of-adb": (
        {"iati_sectors": {1: {"sector_code": "ADB-WUS", "vocabulary": "99"}}},
        set(),
        False,
    ),
    "region": (
        {"iati_recipient_regions": {1: {"region_code": "9999", "vocabulary": "1"}}},
        {("iati_recipient_regions", "region in the Region codelist (vocabulary 1, OECD DAC)")},
        False,
    ),
    "budget-amount-empty": (
        {"iati_budgets": {1: {"amount": None}}},
        {("iati_budgets", "budget amount read when a value is written")},
        False,
    ),
}


def _dates(base: dict[str, Any], **by_type: str) -> list[dict[str, Any]]:
    rows = json.loads(json.dumps(base["sheet"]["children"]["iati_activity_dates"]))
    codes = {"planned_start": 1, "actual_start": 2, "planned_end": 3, "actual_end": 4}
    for name, day in by_type.items():
        for row in rows:
            if row["date_type_code"] == codes[name]:
                row["activity_date"] = day
    return rows


@pytest.fixture(scope="module")
def planted(
    base: dict[str, Any], suites: dict[str, Any]
) -> tuple[dict[str, Key], list[CheckResult]]:
    """The clean activity and each planted copy, validated in one run."""
    items = {}
    for name, (changes, _, _) in PLANTED.items():
        changes = dict(changes)
        if "dates" in changes:
            changes["iati_activity_dates"] = _dates(base, **changes.pop("dates"))
        items[name] = _mutant(base, **changes)
    return {name: _key(item) for name, item in items.items()}, _validate(
        [base, *items.values()], suites
    )


def test_the_clean_activity_fails_nothing(
    base: dict[str, Any], planted: tuple[dict[str, Key], list[CheckResult]]
) -> None:
    keys, results = planted
    assert len(set(keys.values())) == len(PLANTED)  # each copy is its own sheet version
    assert _key(base) not in _failed(results)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_value_fails_its_checks_and_no_other(
    planted: tuple[dict[str, Key], list[CheckResult]], name: str
) -> None:
    keys, results = planted
    _, checks, critical = PLANTED[name]
    assert _failed(results).get(keys[name], set()) == checks
    assert (keys[name] in critical_failures(results)) == critical


def test_a_wrong_currency_is_shown_as_written(
    planted: tuple[dict[str, Key], list[CheckResult]],
) -> None:
    _, results = planted
    (result,) = [r for r in results if r.check_name.startswith("transaction currency")]
    assert result.severity == "warning" and result.sample_values == ["XYZ"]

"""Generated ADB sheets: both renderings parse back to their truth; generation is reproducible."""

from __future__ import annotations

import random
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from devfin.errors import ParseError
from devfin.records import AdbProject, ParsedSheet, parsed_sheet_to_json
from devfin.samples import adb_pds as generator
from devfin.samples.base import DEFECT_KINDS, Sample
from devfin.sources import adb_pds

SEED = 2026
COUNT = 300
KINDS: tuple[str | None, ...] = (None, *generator.DEFECTS)
COMPARED = ("record", "children", "missing_labels", "repairs")  # provenance differs by format
COMPONENTS = (
    "financing_adb",
    "financing_cofinancing",
    "financing_counterpart_government",
    "financing_counterpart_beneficiaries",
    "financing_counterpart_project_sponsor",
    "financing_counterpart_others",
)


def make(index: int, seed: int = SEED) -> Sample:
    """Page `index`, its defect kind taken in turn so that every kind is spread over the pages."""
    return generator.generate(random.Random(f"{seed}:{index}"), index, KINDS[index % len(KINDS)])


@pytest.fixture(scope="module")
def pages() -> list[Sample]:
    return [make(index) for index in range(COUNT)]


def comparable(sheet: ParsedSheet) -> dict[str, Any]:
    data = parsed_sheet_to_json(sheet)
    return {key: data[key] for key in COMPARED}


def outcome(page: Sample, body: str) -> tuple[str, Any]:
    try:
        sheet = adb_pds.parse(body, sheet_id=page.sheet_id, url=page.url)
    except ParseError as error:
        assert (error.sheet_id, error.url) == (page.sheet_id, page.url)
        return "error", error.reason
    return "parsed", comparable(sheet)


def expected(page: Sample) -> tuple[str, Any]:
    if page.truth is None:
        return "error", page.expected_error
    return "parsed", comparable(page.truth)


def test_the_generator_declares_its_source_and_defects() -> None:
    assert generator.SOURCE == adb_pds.SOURCE_KEY
    assert set(generator.DEFECTS) == set(DEFECT_KINDS)


@pytest.mark.parametrize("page_format", ["html", "text"])
def test_every_page_parses_back_to_its_truth(pages: list[Sample], page_format: str) -> None:
    mismatches = [
        (page.sheet_id, page.defect)
        for page in pages
        if outcome(page, getattr(page, page_format)) != expected(page)
    ]
    assert mismatches == []


def test_html_and_text_parse_to_identical_records(pages: list[Sample]) -> None:
    for page in pages:
        if page.truth is None:
            continue
        from_html = adb_pds.parse(page.html, sheet_id=page.sheet_id, url=page.url)
        from_text = adb_pds.parse(page.text, sheet_id=page.sheet_id, url=page.url)
        assert from_html.record == from_text.record, page.sheet_id
        assert from_html.children == from_text.children, page.sheet_id
        assert from_html.missing_labels == from_text.missing_labels, page.sheet_id
        assert from_html.repairs == from_text.repairs, page.sheet_id


def test_failing_pages_fail_for_their_reason(pages: list[Sample]) -> None:
    for page in pages:
        assert (page.truth is None) == (page.defect in ("bad_date", "truncated"))
        if page.truth is None:
            assert page.expected_error == generator.EXPECTED_ERRORS[page.defect or ""]


def test_every_defect_kind_is_spread_over_the_pages(pages: list[Sample]) -> None:
    counts = Counter(page.defect for page in pages)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) == COUNT // len(KINDS)


def test_the_same_seed_gives_the_same_pages() -> None:
    for index in range(0, 60, 7):
        first, again = make(index), make(index)
        assert (first.html, first.text, first.truth) == (again.html, again.text, again.truth)
    assert make(3).html != make(3, seed=SEED + 1).html


def test_project_numbers_are_well_formed_and_unique() -> None:
    numbers = [generator.project_number(index) for index in range(0, 200_000, 7)]
    assert all(re.fullmatch(r"\d{5}-\d{3}", number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    page = make(12)
    assert page.url == f"https://www.adb.org/projects/{page.sheet_id}/main"


def test_clean_pages_are_clean(pages: list[Sample]) -> None:
    for page in pages:
        if page.defect is not None:
            continue
        assert page.truth is not None
        assert "''" not in page.html and "''" not in page.text
        assert page.truth.missing_labels == () and page.truth.repairs == {}
        assert total_adds_up(page.truth.record)


def test_each_defect_shows_as_it_should(pages: list[Sample]) -> None:
    for page in pages:
        truth = page.truth
        if page.defect == "missing_label":
            assert truth is not None and len(truth.missing_labels) == 1
            assert f">{truth.missing_labels[0]}<" not in page.html
            assert f"\n{truth.missing_labels[0]} |" not in page.text
        elif page.defect == "amounts_mismatch":
            assert truth is not None and not total_adds_up(truth.record)
        elif page.defect == "doubled_apostrophes":
            assert truth is not None and truth.repairs["doubled_apostrophe"]
            assert "''" in page.text
        elif page.defect == "bad_date":
            assert re.search(r"\b(29|30|31) (Feb|Apr|Jun|Sep|Nov) \d{4}\b", page.text)
        elif page.defect == "truncated":
            assert "Project Number" not in page.text and "Project Number" not in page.html
            assert "Project Name" in page.text


def test_the_pages_vary_like_real_sheets(pages: list[Sample]) -> None:
    truths = [page.truth for page in pages if page.truth is not None]
    records = [truth.record for truth in truths]
    assert {record.project_status for record in records} - {None} == {
        "Proposed",
        "Active",
        "Closed",
        "Dropped / Terminated",
    }
    assert {record.project_type for record in records} - {None} == {
        "Technical Assistance",
        "Loan",
        "Grant",
    }
    assert any("'" in (record.country or "") for record in records)
    assert any("," in (record.country or "") for record in records)

    def sizes(table: str) -> set[int]:
        return {len(truth.children[table]) for truth in truths}

    assert {1, 2, 3} <= sizes("adb_project_countries")
    assert {1, 2, 3} <= sizes("adb_project_sectors")
    assert {0, 1, 2} == sizes("adb_disbursements")
    assert {0, 4} <= sizes("adb_documents") and max(sizes("adb_tenders")) >= 10
    agencies = [a for truth in truths for a in truth.children["adb_executing_agencies"]]
    assert any(a.address and "\n" in a.address for a in agencies)
    assert any(a.address is None for a in agencies)
    assert any(
        len({t.title for t in tenders}) < len(tenders)
        for tenders in (truth.children["adb_tenders"] for truth in truths)
    )
    assert any("\n\n" in (record.rationale or "") for record in records)
    assert all(
        record.closing_date_actual is None
        for record in records
        if record.project_status not in ("Closed", None)  # None: its label left out
    )


def test_dates_follow_each_other(pages: list[Sample]) -> None:
    order = (
        "concept_clearance_date",
        "fact_finding_start_date",
        "fact_finding_end_date",
        "approval_date",
        "signing_date",
        "effectivity_date",
        "closing_date_original",
        "closing_date_revised",
    )
    for page in pages:
        if page.truth is None:
            continue
        dates = [getattr(page.truth.record, name) for name in order]
        given = [value for value in dates if value is not None]
        assert given == sorted(given), page.sheet_id


def total_adds_up(record: AdbProject) -> bool:
    parts = [getattr(record, name) or Decimal(0) for name in COMPONENTS]
    return record.financing_total == sum(parts, Decimal("0.00"))

"""Generated ADB sheets: both renderings parse back to their truth; generation is reproducible."""

from __future__ import annotations

import dataclasses
import random
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from devfin.errors import ParseError
from devfin.records import ParsedSheet, parsed_sheet_to_json
from devfin.samples.base import DEFECT_KINDS, Rendering, Sample
from devfin.sources.adb_pds import parser as adb_pds
from devfin.sources.adb_pds import samples as generator
from devfin.sources.adb_pds.records import AdbProject

SEED = 2026
COUNT = 300
KINDS: tuple[str | None, ...] = (None, *generator.DEFECTS)
COMPARED = ("record", "children", "missing_labels", "repairs", "unparsed")  # not provenance
# Every rendering of a page, with the layout generation its records carry.
RENDERINGS = {
    "html": "live-2025",
    "text": "live-2025",
    "bullets": "live-2025",
    "print": "print",
    "tabbed-2015": "tabbed-2015",
    "pds-2014": "pds-2014",
}
# What only the bullets rendering states: the line above the facts, each fund's approval.
BULLETS_ONLY = ("operation_type", "source_of_funding")
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


@pytest.mark.parametrize("rendering", list(RENDERINGS))
def test_every_page_parses_back_to_its_truth(pages: list[Sample], rendering: str) -> None:
    mismatches = [
        (page.sheet_id, page.defect)
        for page in pages
        if (written := rendered(page, rendering)) is not None
        and outcome(page, written.body) != expected_of(page, written)
    ]
    assert mismatches == []


@pytest.mark.parametrize("rendering", list(RENDERINGS))
def test_each_generation_carries_its_layout_name(pages: list[Sample], rendering: str) -> None:
    written = [rendered(page, rendering) for page in pages]
    truths = [each.truth for each in written if each is not None and each.truth is not None]
    assert truths and {truth.record.layout for truth in truths} == {RENDERINGS[rendering]}


def test_the_older_generations_are_drawn_for_many_sheets(pages: list[Sample]) -> None:
    counts = Counter(name for page in pages for name in page.renderings)
    assert counts["bullets"] == counts["print"] == COUNT
    assert counts["pds-2014"] >= COUNT // 10
    assert set(Counter(page.mixed for page in pages)) == set(RENDERINGS)


def test_html_pipe_and_bullets_parse_to_identical_records(pages: list[Sample]) -> None:
    for page in pages:
        if page.truth is None:
            continue
        from_html = adb_pds.parse(page.html, sheet_id=page.sheet_id, url=page.url)
        from_text = adb_pds.parse(page.text, sheet_id=page.sheet_id, url=page.url)
        bullets = page.rendered("bullets").body
        from_bullets = adb_pds.parse(bullets, sheet_id=page.sheet_id, url=page.url)
        for other in (from_text, from_bullets):
            assert live_record(from_html) == live_record(other), page.sheet_id
            assert live_children(from_html) == live_children(other), page.sheet_id
            assert from_html.missing_labels == other.missing_labels, page.sheet_id
            assert from_html.repairs == other.repairs, page.sheet_id


def live_record(sheet: ParsedSheet) -> AdbProject:
    return dataclasses.replace(sheet.record, **dict.fromkeys(BULLETS_ONLY))


def live_children(sheet: ParsedSheet) -> dict[str, list[Any]]:
    funds = [
        dataclasses.replace(fund, assistance_type=None, approval_number=None, approval_title=None)
        for fund in sheet.children["adb_funding_sources"]
    ]
    return {**sheet.children, "adb_funding_sources": funds}


def rendered(page: Sample, name: str) -> Rendering | None:
    if name in ("html", "text") or name in page.renderings:
        return page.rendered(name)
    return None


def expected_of(page: Sample, written: Rendering) -> tuple[str, Any]:
    if written.truth is None:
        return "error", page.expected_error
    return "parsed", comparable(written.truth)


def test_failing_pages_fail_for_their_reason(pages: list[Sample]) -> None:
    for page in pages:
        assert (page.truth is None) == (page.defect == "truncated")
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
        assert (first.renderings, first.mixed) == (again.renderings, again.mixed)
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
            assert truth is not None and len(truth.unparsed) == 1
            ((name, entry),) = truth.unparsed.items()
            assert getattr(truth.record, name) is None
            assert entry["text"] in page.text and "not a date" in entry["reason"]
        elif page.defect == "truncated":
            assert "Project Number" not in page.text and "Project Number" not in page.html
            assert all(page.sheet_id not in each.body for each in page.renderings.values())
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

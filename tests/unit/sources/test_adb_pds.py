"""The ADB Project Data Sheet parser: the sample sheet (text and HTML) against its golden file."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devfin.errors import ParseError
from devfin.records import (
    ParsedSheet,
    parsed_sheet_to_json,
    record_from_json,
    record_to_json,
)
from devfin.sources import TABLE_TYPES
from devfin.sources.adb_pds import parser as adb_pds
from devfin.sources.adb_pds.records import (
    AdbContract,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbLoanUtilization,
    AdbProject,
    AdbProjectCountry,
    AdbProjectSector,
    AdbTender,
)

REPO_DIR = Path(__file__).resolve().parents[3]
SAMPLE = REPO_DIR / "include" / "sample_data" / "adb_pds" / "54037-001.txt"
EXPECTED = Path(__file__).parent / "expected" / "adb_pds_54037-001.json"
FIXTURES = Path(__file__).parent / "fixtures"
HTML_PAGE = FIXTURES / "adb_pds_54037-001.html"  # the live template: <dt>/<dd> pairs
HTML_PAGES = (HTML_PAGE, FIXTURES / "adb_pds_54037-001_th_td.html")  # and an older template
# Provenance of the parts of a page that have no label: named after where each format has them.
UNLABELLED = ("title", "summary", "ta_or_loan_numbers")
LAYOUTS = {"adb_pds_54037-001.html": "live-2025", "adb_pds_54037-001_th_td.html": "page-2017"}
SHEET_ID = "54037-001"
URL = "https://www.adb.org/projects/54037-001/main"


@pytest.fixture(scope="module")
def page() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sheet(page: str) -> ParsedSheet:
    return parse(page)


@pytest.fixture(scope="module")
def html_page() -> str:
    return HTML_PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def parse(text: str | bytes) -> ParsedSheet:
    return adb_pds.parse(text, sheet_id=SHEET_ID, url=URL)


def edit(page: str, old: str, new: str) -> str:
    """The sample page with one passage replaced (it must be there, once)."""
    assert page.count(old) == 1, f"the sample page has {page.count(old)} times {old!r}"
    return page.replace(old, new)


def parse_error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.sheet_id == SHEET_ID
    assert caught.value.url == URL
    return caught.value


# --- The sample sheet against the golden file written from it by hand ------------------------


def test_record_matches_golden_file(sheet: ParsedSheet, expected: dict[str, Any]) -> None:
    assert sheet.source == expected["source"] == adb_pds.SOURCE_KEY
    assert record_to_json(sheet.record) == expected["record"]
    # Compared as typed values too, so a date given as a string could not pass.
    assert sheet.record == record_from_json(AdbProject, expected["record"])


def test_child_rows_match_golden_file(sheet: ParsedSheet, expected: dict[str, Any]) -> None:
    assert sorted(sheet.children) == sorted(expected["children"])
    for table, rows in expected["children"].items():
        assert [record_to_json(row) for row in sheet.children[table]] == rows, table
        assert sheet.children[table] == [record_from_json(TABLE_TYPES[table], r) for r in rows]


def test_provenance_missing_labels_and_repairs_match_golden_file(
    sheet: ParsedSheet, expected: dict[str, Any]
) -> None:
    assert sheet.provenance == expected["provenance"]
    assert list(sheet.missing_labels) == expected["missing_labels"]
    assert parsed_sheet_to_json(sheet)["repairs"] == expected["repairs"]


def test_provenance_names_every_filled_field(sheet: ParsedSheet) -> None:
    filled = {name for name, value in asdict(sheet.record).items() if value is not None}
    # The layout is what the parser made of the whole page, read from no one place.
    assert set(sheet.provenance) == filled - {"layout"}


def test_bytes_parse_like_text(page: str, sheet: ParsedSheet) -> None:
    assert parse(page.encode("utf-8")) == sheet


def test_doubled_apostrophes_are_normalised(page: str, sheet: ParsedSheet) -> None:
    assert "People''s" in page
    assert sheet.record.description is not None
    assert "People's Republic of China" in sheet.record.description
    texts = [
        value
        for row in [sheet.record, *(r for rows in sheet.children.values() for r in rows)]
        for value in asdict(row).values()
        if isinstance(value, str)
    ]
    assert not [text for text in texts if "''" in text]


def test_no_break_spaces_are_normalised(page: str) -> None:
    text = edit(
        page,
        "Responsible ADB Officer | Bai, Jie |",
        "Responsible ADB Officer | Bai,\u00a0Jie\u00a0 |",
    )
    assert parse(text).record.project_officer == "Bai, Jie"


def test_doubled_apostrophes_are_repairs_of_their_fields_in_record_then_child_order(
    page: str,
) -> None:
    text = edit(page, "\nTA Coordinator |", "\nWomen''s Empowerment Coordinator |")
    text = edit(text, "Gender | No gender elements |", "Gender | The project''s gender elements |")
    sheet = parse(text)
    assert sheet.repairs == {
        "doubled_apostrophe": ("summary", "gender", "description", "rationale", "adb_tenders.title")
    }
    assert sheet.children["adb_tenders"][1].title == "Women's Empowerment Coordinator"


def test_a_page_without_doubled_apostrophes_has_no_repairs(page: str) -> None:
    assert parse(page.replace("''", "'")).repairs == {}


def test_an_executing_agency_cell_may_hold_its_address(page: str) -> None:
    text = edit(
        page,
        "Heilongjiang Provincial Finance Department |",
        "Heilongjiang Provincial Finance Department\nNo. 68 Zhongshan Road\nHarbin |\n"
        "Ministry of Finance |",
    )
    sheet = parse(text)
    assert sheet.children["adb_executing_agencies"] == [
        AdbExecutingAgency(
            1, "Heilongjiang Provincial Finance Department", "No. 68 Zhongshan Road\nHarbin"
        ),
        AdbExecutingAgency(2, "Ministry of Finance"),
    ]
    assert sheet.record.concept_clearance_date == date(2020, 9, 14)


def test_a_page_holding_the_repair_mark_shows_a_replacement_character(page: str) -> None:
    sheet = parse(edit(page, "Bai, Jie |", "Bai, Jie\ufdd0 |"))
    assert sheet.record.project_officer == "Bai, Jie\ufffd"
    assert (
        not sheet.repairs.get("doubled_apostrophe", ())
        or "project_officer" not in (sheet.repairs["doubled_apostrophe"])
    )


def unread(sheet: ParsedSheet, name: str) -> dict[str, str]:
    """The unparsed entry of one field: the sheet is loaded, the field empty, its text kept."""
    assert name in sheet.unparsed, f"{name} not in {sorted(sheet.unparsed)}"
    return sheet.unparsed[name]


# --- Pages that are not data sheets, or lack what a sheet must have --------------------------


def test_a_page_that_is_not_a_data_sheet_is_refused() -> None:
    error = parse_error("Search results\nTitle | Document Type |\n---|---|\nA | B |\n")
    assert error.reason == "not_a_data_sheet"
    assert "Project Number" in str(error)


def test_a_sheet_without_the_project_number_label_is_refused(page: str) -> None:
    error = parse_error(edit(page, "Project Number | 54037-001 | ||||\n", ""))
    assert error.reason == "not_a_data_sheet"


def test_an_empty_project_number_is_a_missing_field(page: str) -> None:
    error = parse_error(edit(page, "Project Number | 54037-001 |", "Project Number | - |"))
    assert error.reason == "missing_field"
    assert "Project Number" in str(error)
    assert SHEET_ID in str(error)


def test_a_sheet_without_project_name_takes_it_from_its_title(page: str) -> None:
    name_line = page.splitlines(keepends=True)[
        [line.startswith("Project Name |") for line in page.splitlines()].index(True)
    ]
    sheet = parse(edit(page, name_line, ""))
    assert sheet.record.project_name == (
        "Innovation-Driven Green Economic Diversification for Resource-Exhausted Cities in "
        "Heilongjiang"
    )
    assert sheet.provenance["project_name"] == "(first line)"
    assert "Project Name" in sheet.missing_labels


def test_a_sheet_without_project_name_or_title_is_still_loaded(page: str) -> None:
    lines = page.splitlines(keepends=True)
    name_line = lines[[line.startswith("Project Name |") for line in lines].index(True)]
    sheet = parse(edit(edit(page, name_line, ""), lines[0], ""))
    assert sheet.record.project_number == SHEET_ID
    assert sheet.record.project_name is None


def test_a_bad_date_empties_its_field_and_keeps_its_text(page: str, sheet: ParsedSheet) -> None:
    degraded = parse(
        edit(page, "Concept Clearance | 14 Sep 2020 |", "Concept Clearance | 31 Sep 2020 |")
    )
    assert degraded.record.concept_clearance_date is None
    entry = unread(degraded, "concept_clearance_date")
    assert entry["text"] == "31 Sep 2020"
    assert entry["reason"].startswith("Concept Clearance: ")
    # Nothing else of the sheet is lost.
    assert degraded.record == dataclasses.replace(sheet.record, concept_clearance_date=None)
    assert degraded.children == sheet.children
    assert sheet.unparsed == {}


def test_a_bad_milestone_date_names_its_column(page: str) -> None:
    degraded = parse(edit(page, "| 30 Nov 2023 | - |", "| 30 Nov 2023 | soon |"))
    assert degraded.record.closing_date_actual is None
    entry = unread(degraded, "closing_date_actual")
    assert entry["text"] == "soon"
    assert "Milestones/Closing/Actual" in entry["reason"]
    assert degraded.record.closing_date_revised == date(2023, 11, 30)


# --- Other sheets of the same layout ---------------------------------------------------------


def test_several_countries_sectors_and_agencies(page: str) -> None:
    text = edit(
        page,
        "Country / Economy | China, People's Republic of |",
        "Country / Economy | Mongolia |\nChina, People's Republic of |",
    )
    text = edit(
        text,
        "Urban policy, institutional and capacity development |",
        "Urban policy, institutional and capacity development |\n"
        "Education / Technical and vocational education and training |",
    )
    text = edit(
        text,
        "Heilongjiang Provincial Finance Department |",
        "Heilongjiang Provincial Finance Department |\nMinistry of Finance |",
    )
    sheet = parse(text)
    assert sheet.children["adb_project_countries"] == [
        AdbProjectCountry(1, "Mongolia"),
        AdbProjectCountry(2, "China, People's Republic of"),
    ]
    assert sheet.record.country == "Mongolia"
    assert sheet.children["adb_project_sectors"] == [
        AdbProjectSector(
            1,
            "Water and other urban infrastructure and services",
            "Urban policy, institutional and capacity development",
        ),
        AdbProjectSector(2, "Education", "Technical and vocational education and training"),
    ]
    assert sheet.record.sector == "Water and other urban infrastructure and services"
    assert sheet.children["adb_executing_agencies"] == [
        AdbExecutingAgency(1, "Heilongjiang Provincial Finance Department"),
        AdbExecutingAgency(2, "Ministry of Finance"),
    ]
    # The continuation lines stay in their rows: the fields below are untouched.
    assert sheet.record.project_status == "Active"
    assert sheet.record.concept_clearance_date == date(2020, 9, 14)


def test_a_missing_row_degrades_only_its_field(page: str, sheet: ParsedSheet) -> None:
    degraded = parse(edit(page, "Gender | No gender elements | ||||\n", ""))
    assert degraded.record.gender is None
    assert degraded.missing_labels == ("Gender",)
    assert asdict(degraded.record) == {**asdict(sheet.record), "gender": None}


def test_a_row_of_an_unknown_label_does_not_leak_into_the_previous_one(
    page: str, sheet: ParsedSheet
) -> None:
    text = edit(
        page,
        "Gender | No gender elements | ||||\n",
        "Gender | No gender elements | ||||\nClimate Risk | Medium |\nRising |\n",
    )
    assert parse(text) == sheet


def test_an_unknown_row_after_the_funding_table_does_not_leak_into_it(
    page: str, sheet: ParsedSheet
) -> None:
    text = edit(
        page,
        "Source of Funding / Amount |\n|\n",
        "Source of Funding / Amount |\n|\nClimate Risk | Medium |\n",
    )
    assert parse(text) == sheet


def test_a_value_may_continue_on_the_lines_below(page: str) -> None:
    text = edit(
        page,
        "Impact | Sustainable development of resource-dependent cities enabled |",
        "Impact | Sustainable development enabled\n\nA second paragraph |",
    )
    assert parse(text).record.impact == "Sustainable development enabled\n\nA second paragraph"


def test_funding_sources_are_read_from_their_nested_table(page: str) -> None:
    text = edit(
        page,
        "Source of Funding / Amount |\n|\n",
        "Source of Funding / Amount |\nTechnical Assistance Special Fund | US$ 400,000.00 |\n",
    )
    sheet = parse(text)
    assert sheet.children["adb_funding_sources"] == [
        AdbFundingSource(1, "Technical Assistance Special Fund", Decimal("400000.00"), "USD")
    ]
    assert sheet.record.source_of_funding == "Technical Assistance Special Fund US$ 400,000.00"


def test_milestone_columns_are_mapped_by_their_labels(page: str) -> None:
    text = edit(
        page,
        "Approval | Signing Date | Effectivity Date | Closing | ||",
        "Approval | Effectivity Date | Signing Date | Closing | ||",
    )
    text = edit(
        text,
        "16 Nov 2020 | 08 Dec 2020 | 08 Dec 2020 |",
        "16 Nov 2020 | 09 Dec 2020 | 08 Dec 2020 |",
    )
    record = parse(text).record
    assert record.effectivity_date == date(2020, 12, 9)
    assert record.signing_date == date(2020, 12, 8)


def test_a_milestone_row_wider_than_its_header_is_kept_as_text(page: str) -> None:
    degraded = parse(edit(page, "| 30 Nov 2023 | - |", "| 30 Nov 2023 | - | 01 Jan 2024 |"))
    entry = unread(degraded, "Milestones (a row)")
    assert "01 Jan 2024" in entry["text"]
    assert degraded.record.signing_date is None
    assert degraded.record.approval_date == date(2020, 11, 16)  # the Timetable still says it


def test_approval_date_falls_back_to_the_milestones(page: str) -> None:
    sheet = parse(edit(page, "Approval | 16 Nov 2020 |", "Approval | - |"))
    assert sheet.record.approval_date == date(2020, 11, 16)
    assert sheet.provenance["approval_date"] == "Milestones/Approval"


def test_approval_dates_that_disagree_leave_the_field_empty(page: str) -> None:
    degraded = parse(edit(page, "Approval | 16 Nov 2020 |", "Approval | 17 Nov 2020 |"))
    assert degraded.record.approval_date is None
    assert "approval_date" not in degraded.provenance
    entry = unread(degraded, "approval_date")
    assert entry["text"] == "2020-11-17 / 2020-11-16"
    assert "Milestones/Approval" in entry["reason"]


def test_a_fact_finding_of_one_date_has_a_start_only(page: str) -> None:
    text = edit(page, "15 Jul 2020 to 15 Jul 2020", "15 Jul 2020")
    record = parse(text).record
    assert (record.fact_finding_start_date, record.fact_finding_end_date) == (
        date(2020, 7, 15),
        None,
    )


def test_a_sheet_without_milestones_or_tenders(page: str) -> None:
    milestones = page[page.index("TA 6593-PRC\n") : page.index("Financing Plan/TA Utilization")]
    tenders = page[
        page.index("National Simulation Specialist/Team Leader |") : page.index("Contracts Awarded")
    ]
    sheet = parse(edit(edit(page, milestones, ""), tenders, ""))
    assert sheet.children["adb_tenders"] == []
    assert sheet.record.signing_date is None
    assert sheet.record.ta_or_loan_numbers is None
    assert sheet.record.approval_date == date(2020, 11, 16)  # from the Timetable
    assert sheet.missing_labels == ("Milestones",)


def test_an_empty_financing_plan_gives_no_amounts_and_no_currency(page: str) -> None:
    values = (
        "400,000.00 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 400,000.00 | 12 Oct 2022 | 55,239.58 |"
    )
    sheet = parse(edit(page, values, "- | - | - | - | - | - | - | - | - |"))
    assert sheet.record.financing_total is None
    assert sheet.record.currency_code is None
    assert sheet.children["adb_disbursements"] == []


# --- The HTML page -------------------------------------------------------------------------


def parse_html_page(html: str) -> ParsedSheet:
    assert html.lstrip().startswith("<!DOCTYPE html>")
    return parse(html)


def comparable(sheet: ParsedSheet) -> dict[str, Any]:
    """What both formats of a sheet must agree on: all but the provenance."""
    data = parsed_sheet_to_json(sheet)
    return {key: data[key] for key in ("record", "children", "missing_labels", "repairs")}


@pytest.mark.parametrize("path", HTML_PAGES, ids=lambda path: path.name)
def test_html_page_matches_golden_file(path: Path, expected: dict[str, Any]) -> None:
    sheet = parse(path.read_bytes())
    # The older <th>/<td> template is its own layout generation; all else is the same.
    layout = LAYOUTS[path.name]
    assert sheet.record.layout == layout
    sheet = dataclasses.replace(
        sheet, record=dataclasses.replace(sheet.record, layout=expected["record"]["layout"])
    )
    assert comparable(sheet) == {
        key: expected[key] for key in ("record", "children", "missing_labels", "repairs")
    }
    labelled = {k: v for k, v in expected["provenance"].items() if k not in UNLABELLED}
    assert {k: v for k, v in sheet.provenance.items() if k not in UNLABELLED} == labelled
    assert set(sheet.provenance) == set(expected["provenance"])
    # Typed values, not only their JSON.
    assert sheet.record == record_from_json(AdbProject, expected["record"])


@pytest.mark.parametrize("path", HTML_PAGES, ids=lambda path: path.name)
def test_html_and_text_give_the_same_records(path: Path, sheet: ParsedSheet) -> None:
    html_sheet = parse(path.read_text(encoding="utf-8"))
    assert html_sheet.record == dataclasses.replace(sheet.record, layout=LAYOUTS[path.name])
    assert html_sheet.children == sheet.children
    assert html_sheet.missing_labels == sheet.missing_labels
    assert html_sheet.repairs == sheet.repairs


def test_html_provenance_names_where_the_unlabelled_parts_are(html_page: str) -> None:
    provenance = parse(html_page).provenance
    assert [provenance[name] for name in UNLABELLED] == [
        "(h1)",
        "(paragraphs above Project Details)",
        "(heading above Milestones)",
    ]


def test_a_missing_dt_label_leaves_only_its_field_empty(html_page: str) -> None:
    gender = "          <dt>Gender</dt>\n          <dd>No gender elements</dd>\n"
    degraded = parse_html_page(edit(html_page, gender, ""))
    whole = parse(html_page)
    assert degraded.record.gender is None
    assert degraded.missing_labels == ("Gender",)
    assert asdict(degraded.record) == {**asdict(whole.record), "gender": None}
    assert degraded.children == whole.children


def test_an_html_page_without_a_project_number_is_refused(html_page: str) -> None:
    number = "          <dt>Project Number</dt>\n          <dd>54037-001</dd>\n"
    error = parse_error(edit(html_page, number, ""))
    assert error.reason == "not_a_data_sheet"
    assert "Project Number" in str(error)
    assert SHEET_ID in str(error)


def test_an_empty_project_number_in_html_is_a_missing_field(html_page: str) -> None:
    error = parse_error(edit(html_page, "<dd>54037-001</dd>", "<dd>&nbsp;-&nbsp;</dd>"))
    assert error.reason == "missing_field"
    assert "Project Number" in str(error)


def test_an_html_page_that_is_not_a_data_sheet_is_refused() -> None:
    error = parse_error(
        "<!DOCTYPE html>\n<html><body><article><p>Search</p></article></body></html>"
    )
    assert error.reason == "not_a_data_sheet"


def test_fund_table_rows_are_funding_sources_and_subheads_name_their_approval(
    html_page: str,
) -> None:
    funds = (
        '<tr class="subhead"><td colspan="2">TA 6593-PRC: Innovation-Driven</td></tr>'
        "<tr><td>Technical Assistance Special Fund</td><td>US$&nbsp;400,000.00</td></tr>"
        '<tr class="subhead"><td colspan="2">Cofinancing</td></tr>'
        "<tr><td>Urban Climate Change Resilience Trust Fund</td><td>US$ 1.25 million</td></tr>"
    )
    start = html_page.index('<tr class="subhead">')
    end = html_page.index("</tbody>", start)
    sheet = parse_html_page(html_page[:start] + funds + html_page[end:])
    # "Cofinancing" heads the cofinanciers of the same approval: it names no other one.
    approval = {
        "assistance_type": "TA",
        "approval_number": "6593-PRC",
        "approval_title": "Innovation-Driven",
    }
    assert sheet.children["adb_funding_sources"] == [
        AdbFundingSource(
            1, "Technical Assistance Special Fund", Decimal("400000.00"), "USD", **approval
        ),
        AdbFundingSource(
            2,
            "Urban Climate Change Resilience Trust Fund",
            Decimal("1250000.00"),
            "USD",
            **approval,
        ),
    ]
    assert sheet.record.source_of_funding == (
        "Technical Assistance Special Fund US$ 400,000.00\n"
        "Urban Climate Change Resilience Trust Fund US$ 1.25 million"
    )


def test_milestones_are_mapped_by_header_label_when_columns_are_reordered(html_page: str) -> None:
    text = edit(
        html_page,
        '<th rowspan="2">Signing Date</th>\n                <th rowspan="2">Effectivity Date</th>',
        '<th rowspan="2">Effectivity Date</th>\n                <th rowspan="2">Signing Date</th>',
    )
    text = edit(
        text,
        "<td>08 Dec 2020</td>\n                <td>08 Dec 2020</td>",
        "<td>09 Dec 2020</td>\n                <td>08 Dec 2020</td>",
    )
    record = parse_html_page(text).record
    assert record.effectivity_date == date(2020, 12, 9)
    assert record.signing_date == date(2020, 12, 8)
    assert record.closing_date_revised == date(2023, 11, 30)


def test_closing_columns_moved_before_approval_keep_their_meaning(html_page: str) -> None:
    start = html_page.index("<thead>", html_page.index("<caption>Milestones</caption>"))
    end = html_page.index("</tbody>", start)
    milestones = (
        '<thead><tr><th colspan="3">Closing</th><th rowspan="2">Approval</th></tr>'
        "<tr><th>Actual</th><th>Revised</th><th>Original</th></tr></thead>"
        "<tbody><tr><td>-</td><td>30 Nov 2023</td><td>30 Nov 2022</td><td>16 Nov 2020</td></tr>"
    )
    sheet = parse_html_page(html_page[:start] + milestones + html_page[end:])
    assert sheet.record.closing_date_original == date(2022, 11, 30)
    assert sheet.record.closing_date_revised == date(2023, 11, 30)
    assert sheet.record.signing_date is None
    assert sheet.missing_labels == ("Milestones/Signing Date", "Milestones/Effectivity Date")


def test_html_lists_of_countries_sectors_and_agencies_with_addresses(html_page: str) -> None:
    text = edit(
        html_page,
        "<li>China, People&#39;s Republic of</li>\n",
        "<li>Mongolia</li>\n<li>China, People&#39;s Republic of</li>\n",
    )
    text = edit(
        text,
        " / Urban policy, institutional and capacity development</p>",
        " / Urban policy, institutional and capacity development</p>\n"
        '<p><strong class="sector">Education</strong>&nbsp;/ Technical and vocational education'
        " and training</p>",
    )
    text = edit(
        text,
        '<span class="address-company">Heilongjiang Provincial Finance Department</span>',
        '<span class="address-company">Heilongjiang Provincial Finance Department</span><br>\n'
        "No. 68 Zhongshan Road<br>Harbin\n"
        '</div><div class="address"><span class="address-company">Ministry of Finance</span>',
    )
    sheet = parse_html_page(text)
    assert sheet.children["adb_project_countries"] == [
        AdbProjectCountry(1, "Mongolia"),
        AdbProjectCountry(2, "China, People's Republic of"),
    ]
    assert sheet.record.country == "Mongolia"
    assert sheet.children["adb_project_sectors"][1] == AdbProjectSector(
        2, "Education", "Technical and vocational education and training"
    )
    assert sheet.children["adb_executing_agencies"] == [
        AdbExecutingAgency(
            1, "Heilongjiang Provincial Finance Department", "No. 68 Zhongshan Road\nHarbin"
        ),
        AdbExecutingAgency(2, "Ministry of Finance"),
    ]


def test_a_multi_paragraph_html_value_keeps_its_paragraphs(html_page: str) -> None:
    text = edit(
        html_page,
        "<dd>Sustainable development of resource-dependent cities enabled</dd>",
        "<dd><p>Sustainable development enabled</p>\n<p>A second<br>paragraph</p></dd>",
    )
    impact = parse_html_page(text).record.impact
    assert impact == "Sustainable development enabled\n\nA second\nparagraph"


def test_a_bad_date_in_html_names_its_label_and_value(html_page: str) -> None:
    degraded = parse(edit(html_page, "<dd>30 Sep 2022</dd>", "<dd>31 Feb 2022</dd>"))
    assert degraded.record.last_pds_update_date is None
    entry = unread(degraded, "last_pds_update_date")
    assert entry["text"] == "31 Feb 2022"
    assert entry["reason"].startswith("Last PDS Update: ")


def test_a_doubled_apostrophe_in_html_is_a_repair_whether_or_not_escaped(html_page: str) -> None:
    text = edit(html_page, ">TA Coordinator</a>", ">Women&#39;&#39;s Empowerment Coordinator</a>")
    text = edit(text, "<dd>Heilongjiang</dd>", "<dd>Heilongjiang''s cities</dd>")
    sheet = parse_html_page(text)
    assert sheet.children["adb_tenders"][1] == AdbTender(
        2, "Women's Empowerment Coordinator", "Individual - Consulting", "Closed"
    )
    assert sheet.record.geographical_location == "Heilongjiang's cities"
    assert sheet.repairs["doubled_apostrophe"] == (
        "summary",
        "description",
        "rationale",
        "geographical_location",
        "adb_tenders.title",
    )


# --- Layout generations and renderings beyond the live page ------------------------------------

LINE_PAGE = """\
Project Name Rural Roads Improvement Project
Project Number 41111-002
Country Nepal
Project Status Closed
Project Type / Modality of Assistance Loan
Source of Funding / Amount
Loan 2222-NEP: Rural Roads Improvement Project
Asian Development Fund US$ 30.00 million
Japan Fund for Poverty Reduction US$ 2.50 million
Strategic Agendas Inclusive economic growth
Sector / Subsector Transport - Rural road transport
Description The project improves rural roads in three districts, over five years, with \
maintenance contracts for the communities along them.
"""


def parse_page(text: str) -> ParsedSheet:
    return adb_pds.parse(text, sheet_id="41111-002", url="https://www.adb.org/print/x")


def test_a_print_view_reads_label_value_lines() -> None:
    sheet = parse_page(LINE_PAGE)
    record = sheet.record
    assert record.layout == "print"
    assert (record.project_number, record.country, record.project_status) == (
        "41111-002",
        "Nepal",
        "Closed",
    )
    assert sheet.children["adb_project_sectors"] == [
        AdbProjectSector(1, "Transport", "Rural road transport")
    ]
    approval = {
        "assistance_type": "Loan",
        "approval_number": "2222-NEP",
        "approval_title": "Rural Roads Improvement Project",
    }
    assert sheet.children["adb_funding_sources"] == [
        AdbFundingSource(1, "Asian Development Fund", Decimal("30000000.00"), "USD", **approval),
        AdbFundingSource(
            2, "Japan Fund for Poverty Reduction", Decimal("2500000.00"), "USD", **approval
        ),
    ]
    # No financing plan on the page: ADB's and the cofinanciers' amounts from the funds.
    assert (record.financing_adb, record.financing_cofinancing) == (
        Decimal("30000000.00"),
        Decimal("2500000.00"),
    )
    assert record.description is not None and record.description.startswith("The project")


def test_an_amount_in_another_currency_keeps_it() -> None:
    page = LINE_PAGE.replace("US$ 2.50 million", "INR 2,000.00 million")
    sheet = parse_page(page)
    fund = sheet.children["adb_funding_sources"][1]
    assert (fund.amount, fund.currency_code) == (Decimal("2000000000.00"), "INR")
    # never converted, never summed with dollars
    assert sheet.record.financing_cofinancing is None
    assert sheet.record.financing_adb == Decimal("30000000.00")


def test_an_amount_too_large_for_the_warehouse_is_kept_as_text() -> None:
    page = LINE_PAGE.replace("US$ 2.50 million", "US$ 99,999,999 billion")
    sheet = parse_page(page)
    assert sheet.children["adb_funding_sources"][1].amount is None
    entry = unread(sheet, "adb_funding_sources.amount[2]")
    assert "99,999,999 billion" in entry["text"]
    assert "numeric(18,2)" in entry["reason"]


def test_a_nonsovereign_page_reads_its_borrower_and_approval() -> None:
    page = (
        LINE_PAGE.replace(
            "Country Nepal\n", "Borrower/Company Himal Power Limited\nCountry Nepal\n"
        )
        .replace(
            "Project Type / Modality of Assistance Loan\n",
            "Type or Modality of Assistance\n7620 Loan Ordinary capital resources "
            "INR 2,000.00 million Approved\n",
        )
        .replace(LINE_PAGE[LINE_PAGE.index("Source of Funding") : LINE_PAGE.index("Strategic")], "")
    )
    sheet = parse_page(page)
    record = sheet.record
    assert (record.layout, record.operation_type, record.borrower) == (
        "nonsovereign",
        "nonsovereign",
        "Himal Power Limited",
    )
    assert record.project_type == "Loan"
    assert sheet.children["adb_funding_sources"] == [
        AdbFundingSource(
            1,
            "Ordinary capital resources",
            Decimal("2000000000.00"),
            "INR",
            assistance_type="Loan",
            approval_number="7620",
        )
    ]


BULLETS_PAGE = """\
Nepal : Rural Roads Improvement Project

Sovereign Project | 41111-002

The project improves rural roads.

Project Details

  \u2022 Project Officer
    Shrestha, Maya South Asia Department
    Request for information
  \u2022 Country/Economy
    Nepal
  \u2022 Sector
    \u2022 Transport
Project Name
Rural Roads Improvement Project
Project Number
41111-002
Project Type / Modality of Assistance
  \u2022 Grant
  \u2022 Loan
Executing Agencies
  \u2022 Department of Roads
    Babar Mahal
    Kathmandu
  \u2022 Ministry of Finance
Approval
13 Sep 2019
"""


def test_the_bullets_rendering_reads_the_side_panel_and_lists() -> None:
    sheet = parse_page(BULLETS_PAGE)
    record = sheet.record
    assert record.layout == "live-2025"
    assert record.operation_type == "sovereign"
    assert (record.project_officer, record.responsible_department) == (
        "Shrestha, Maya",
        "South Asia Department",
    )
    assert record.country == "Nepal"
    assert sheet.provenance["country"] == "Country/Economy"
    assert [row.sector for row in sheet.children["adb_project_sectors"]] == ["Transport"]
    assert record.project_type == "Grant, Loan"
    assert record.approval_date == date(2019, 9, 13)
    assert sheet.children["adb_executing_agencies"] == [
        AdbExecutingAgency(1, "Department of Roads", "Babar Mahal\nKathmandu"),
        AdbExecutingAgency(2, "Ministry of Finance"),
    ]


def test_a_page_cut_before_its_facts_is_read_from_its_header() -> None:
    cut = BULLETS_PAGE[: BULLETS_PAGE.index("Project Details")]
    sheet = parse_page(cut)
    assert sheet.record.project_number == "41111-002"
    assert sheet.record.project_name == "Rural Roads Improvement Project"
    assert sheet.provenance["project_name"] == "(first line)"
    assert "Project Number" in sheet.missing_labels


UTILIZATION = (
    "Financing Plan | Loan Utilization |\n"
    "---|---|\n"
    "Total (Amount in US$ million) | Date | ADB | Others | Net Percentage |\n"
    "Project Cost | 65.00 | Cumulative Contract Awards |\n"
    "ADB | 50.00 | 31 Dec 2009 | 49.20 | 0.00 | 98% |\n"
    "Counterpart | 15.00 | Cumulative Disbursements |\n"
    "Cofinancing | 0.00 | 30 Jun 2010 | 48.75 | 0.00 | 97.5% |\n"
)
UTILIZATION_HTML = (
    "<table><tr><th>Financing Plan</th><th colspan='5'>Loan Utilization</th></tr>"
    "<tr><th>Total (Amount in US$ million)</th><th></th><th>Date</th><th>ADB</th>"
    "<th>Others</th><th>Net Percentage</th></tr>"
    "<tr><td>Project Cost</td><td>65.00</td><td colspan='4'>Cumulative Contract Awards</td></tr>"
    "<tr><td>ADB</td><td>50.00</td><td>31 Dec 2009</td><td>49.20</td><td>0.00</td><td>98%</td></tr>"
    "<tr><td>Counterpart</td><td>15.00</td><td colspan='4'>Cumulative Disbursements</td></tr>"
    "<tr><td>Cofinancing</td><td>0.00</td><td>30 Jun 2010</td><td>48.75</td><td>0.00</td>"
    "<td>97.5%</td></tr></table>"
)


def _utilization_expected() -> list[AdbLoanUtilization]:
    return [
        AdbLoanUtilization(
            1, "contract_awards", date(2009, 12, 31), Decimal("49200000.00"), Decimal("0.00"),
            Decimal("98"),
        ),
        AdbLoanUtilization(
            2, "disbursements", date(2010, 6, 30), Decimal("48750000.00"), Decimal("0.00"),
            Decimal("97.5"),
        ),
    ]  # fmt: skip


def test_a_closed_loan_reads_its_loan_utilization(page: str) -> None:
    plan = page[page.index("Financing Plan/TA Utilization") : page.index("Project Data Sheets")]
    sheet = parse(edit(page, plan, UTILIZATION))
    assert sheet.children["adb_loan_utilization"] == _utilization_expected()
    record = sheet.record
    assert (record.financing_total, record.financing_adb, record.financing_cofinancing) == (
        Decimal("65000000.00"),
        Decimal("50000000.00"),
        Decimal("0.00"),
    )
    assert record.financing_counterpart_government == Decimal("15000000.00")
    assert sheet.provenance["financing_total"] == "Financing Plan/Loan Utilization"
    assert "Financing Plan" not in sheet.missing_labels
    assert sheet.unparsed == {}


def test_the_loan_utilization_reads_alike_in_html(html_page: str) -> None:
    start = html_page.index("<table", html_page.index("Financing Plan/TA Utilization") - 400)
    end = html_page.index("</table>", start) + len("</table>")
    sheet = parse(html_page[:start] + UTILIZATION_HTML + html_page[end:])
    assert sheet.children["adb_loan_utilization"] == _utilization_expected()
    assert sheet.record.financing_total == Decimal("65000000.00")


CONTRACTS = (
    "Contracts Awarded\n"
    "Contract Title | Contract Date | Contractor | Contractor Address | Executing Agency |"
    " Total Contract Amount (US$) | Contract Amount Financed by ADB (US$) |\n"
    "---|---|---|---|---|---|---|\n"
    "Civil Works Package 1 | 12 Mar 2021 | ABC Construction Ltd. | Dhaka, Bangladesh |"
    " Local Government Engineering Department | 12,500,000.00 | 10,000,000.00 |\n"
    "Consulting Services | 01 Apr 2021 | XYZ Engineers | Manila | LGED | 1,200,000.00 | - |\n"
)


def test_contracts_awarded_are_read_by_their_column_labels(page: str) -> None:
    sheet = parse(edit(page, "Contracts Awarded\n", CONTRACTS))
    assert sheet.children["adb_contracts"] == [
        AdbContract(
            1,
            "Civil Works Package 1",
            date(2021, 3, 12),
            "ABC Construction Ltd.",
            "Dhaka, Bangladesh",
            "Local Government Engineering Department",
            Decimal("12500000.00"),
            Decimal("10000000.00"),
        ),
        AdbContract(
            2, "Consulting Services", date(2021, 4, 1), "XYZ Engineers", "Manila", "LGED",
            Decimal("1200000.00"), None,
        ),
    ]  # fmt: skip
    # a contracts table is no documents table
    assert len(sheet.children["adb_documents"]) == 1

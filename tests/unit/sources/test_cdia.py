"""The CDIA city-intervention parser: the sample page against its golden file, and variations."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devfin.errors import ParseError
from devfin.records import (
    PARSER_VERSION,
    ParsedSheet,
    parsed_sheet_to_json,
    record_from_json,
    record_to_json,
)
from devfin.sources import TABLE_TYPES
from devfin.sources.cdia import parser as cdia
from devfin.sources.cdia.records import CdiaIntervention

REPO_DIR = Path(__file__).resolve().parents[3]
SAMPLE = (
    REPO_DIR
    / "include"
    / "sample_data"
    / "cdia"
    / "chongqing-innovation-and-human-capital-development.txt"
)
EXPECTED = Path(__file__).parent / "expected" / "cdia_chongqing.json"
HTML_FIXTURE = Path(__file__).parent / "fixtures" / "cdia_chongqing.html"
# A page of the same layout with several cities, downstream "TBC" and sectors one a line.
SLUM_FIXTURE = Path(__file__).parent / "fixtures" / "cdia_slum_improvement.html"
# The "CDIA Support" label and value in the HTML fixture.
SUPPORT_FACT = (
    '<h4 class="fact-label">CDIA Support</h4>\n      <p class="fact-value">US$&nbsp;450,000</p>'
)
# Passages of the sample page that the tests below rewrite.
STAKEHOLDERS_LINE = (
    "Key Stakeholders and PartnersChongqing Municipal Development and Reform Commission; "
    "Chongqing Municipal Government; Asian Development Bank\n"
)
STUDY_PERIOD_LINE = "Project Preparation Study PeriodMarch 2018 \u2013 June 2019\n"
DOWNSTREAM = "US$ 427.3 million (ADB loan)"
SHEET_ID = "chongqing-innovation-and-human-capital-development"
URL = "https://cdia.asia/city-interventions/chongqing-innovation-and-human-capital-development"


@pytest.fixture(scope="module")
def page() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sheet(page: str) -> ParsedSheet:
    return parse(page)


@pytest.fixture(scope="module")
def html_page() -> str:
    return HTML_FIXTURE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def html_sheet(html_page: str) -> ParsedSheet:
    return parse(html_page)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def parse(text: str | bytes) -> ParsedSheet:
    return cdia.parse(text, sheet_id=SHEET_ID, url=URL)


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


# --- The sample page against the golden file written from it by hand -------------------------


def test_record_matches_golden_file(sheet: ParsedSheet, expected: dict[str, Any]) -> None:
    assert sheet.source == expected["source"] == cdia.SOURCE_KEY
    assert record_to_json(sheet.record) == expected["record"]
    assert sheet.record == record_from_json(CdiaIntervention, expected["record"])


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
    assert sheet.repairs == expected["repairs"] == {}


def test_provenance_names_every_filled_field(sheet: ParsedSheet) -> None:
    filled = {name for name, value in asdict(sheet.record).items() if value is not None}
    # The layout is read from the whole page, not from a label.
    assert set(sheet.provenance) == filled - {"layout"}


def test_the_layout_is_recorded_whatever_the_rendering(
    sheet: ParsedSheet, html_sheet: ParsedSheet
) -> None:
    assert sheet.record.layout == html_sheet.record.layout == cdia.LAYOUT == "intervention-2019"


def test_bytes_parse_like_text(page: str, sheet: ParsedSheet) -> None:
    assert parse(page.encode("utf-8")) == sheet


# --- Pages that are not intervention pages, or lack what one must have ----------------------


def test_a_page_that_is_not_a_data_sheet_is_refused() -> None:
    error = parse_error("About us\n\nCDIA helps cities in Asia.\n")
    assert error.reason == "not_a_data_sheet"


def test_a_page_with_only_generic_labels_is_refused() -> None:
    error = parse_error("City Interventions\n\nContact\n\nCountry: Philippines\nCity: Manila\n")
    assert error.reason == "not_a_data_sheet"


def test_a_page_without_title_is_a_missing_field(page: str) -> None:
    error = parse_error(edit(page, "Chongqing Innovation and Human Capital Development\n", ""))
    assert error.reason == "missing_field"
    assert "title" in str(error)


def test_a_page_without_title_is_refused_even_when_every_value_reads(page: str) -> None:
    text = edit(page, "Chongqing Innovation and Human Capital Development\n", "")
    assert parse_error(edit(text, "CDIA SupportUS$ 450,000", "CDIA SupportEUR 1")).reason == (
        "missing_field"
    )


# --- Values that are on the page but cannot be read: the field empties, its text is kept ----


def test_a_bad_amount_empties_its_field_and_keeps_its_text(page: str, sheet: ParsedSheet) -> None:
    degraded = parse(edit(page, "CDIA SupportUS$ 450,000", "CDIA SupportEUR 450,000"))
    assert degraded.unparsed == {
        "cdia_support_usd": {"text": "EUR 450,000", "reason": "not a number: 'EUR 450,000'"}
    }
    assert asdict(degraded.record) == {**asdict(sheet.record), "cdia_support_usd": None}
    assert degraded.children == sheet.children
    assert degraded.missing_labels == ()  # the label is there: its value is what failed
    assert "cdia_support_usd" not in degraded.provenance


def test_a_bad_study_period_end_keeps_its_start(page: str) -> None:
    degraded = parse(edit(page, "March 2018 \u2013 June 2019", "March 2018 \u2013 ongoing"))
    assert degraded.record.study_period_start == date(2018, 3, 1)
    assert degraded.record.study_period_end is None
    assert degraded.unparsed == {
        "study_period_end": {
            "text": "March 2018 \u2013 ongoing",
            "reason": "not a month (expected like 'Nov 2020'): 'ongoing'",
        }
    }


def test_a_month_that_does_not_exist_is_unparsed(page: str) -> None:
    degraded = parse(edit(page, "March 2018 \u2013", "Marhc 2018 \u2013"))
    assert (degraded.record.study_period_start, degraded.record.study_period_end) == (
        None,
        date(2019, 6, 1),
    )
    assert degraded.unparsed["study_period_start"] == {
        "text": "Marhc 2018 \u2013 June 2019",
        "reason": "unknown month 'Marhc' in 'Marhc 2018'",
    }


def test_a_study_period_of_three_months_empties_both_ends(page: str) -> None:
    text = "March 2018 \u2013 June 2019 \u2013 May 2020"
    degraded = parse(edit(page, "March 2018 \u2013 June 2019", text))
    assert (degraded.record.study_period_start, degraded.record.study_period_end) == (None, None)
    assert sorted(degraded.unparsed) == ["study_period_end", "study_period_start"]
    assert degraded.unparsed["study_period_start"]["text"] == text


def test_bad_city_facts_are_unparsed_one_field_each(page: str, sheet: ParsedSheet) -> None:
    text = edit(page, "Land Area: 82,400 sq. km.", "Land Area: 8,240 hectares")
    text = edit(text, "30 million (2018)", "30 million (est. 2018)")
    degraded = parse(text)
    assert degraded.record.land_area_sq_km is None
    assert degraded.record.population == sheet.record.population == 30_000_000
    assert degraded.record.population_year is None
    assert degraded.unparsed == {
        "land_area_sq_km": {
            "text": "8,240 hectares",
            "reason": "not a number: '8,240 hectares'",
        },
        "population_year": {"text": "30 million (est. 2018)", "reason": "not a year: 'est. 2018'"},
    }


def test_every_value_read_leaves_nothing_unparsed(sheet: ParsedSheet, expected: dict) -> None:
    assert sheet.unparsed == expected["unparsed"] == {}


# --- Other pages of the same layout ---------------------------------------------------------


def test_a_study_period_with_a_hyphen(page: str) -> None:
    record = parse(edit(page, "March 2018 \u2013 June 2019", "March 2018 - June 2019")).record
    assert (record.study_period_start, record.study_period_end) == (
        date(2018, 3, 1),
        date(2019, 6, 1),
    )


def test_downstream_financing_without_a_financier(page: str) -> None:
    record = parse(edit(page, DOWNSTREAM, "US$ 1.2 billion")).record
    assert record.expected_downstream_financing_usd == Decimal("1200000000.00")
    assert record.downstream_financier is None


@pytest.mark.parametrize(
    ("written", "amount", "status", "financier"),
    [
        pytest.param(
            "US$ 427.3 million (ADB loan)", "427300000.00", "stated", "ADB loan", id="stated"
        ),
        pytest.param("US$587 million", "587000000.00", "stated", None, id="no-space-after-US$"),
        pytest.param("$40 million", "40000000.00", "stated", None, id="dollar-sign-only"),
        pytest.param("TBC", None, "to_be_confirmed", None, id="TBC"),
        pytest.param("tbc", None, "to_be_confirmed", None, id="tbc-glued-lowercase"),
        pytest.param("To be confirmed", None, "to_be_confirmed", None, id="words"),
        pytest.param("$40 million (tbc)", "40000000.00", "to_be_confirmed", None, id="amount-tbc"),
        pytest.param("US$ 40 million TBC", "40000000.00", "to_be_confirmed", None, id="tbc-after"),
        pytest.param(
            "US$ 40 million (AFD loan, tbc)",
            "40000000.00",
            "to_be_confirmed",
            "AFD loan",
            id="financier-and-tbc",
        ),
        pytest.param("TBC (ADB)", None, "to_be_confirmed", "ADB", id="tbc-with-financier"),
        pytest.param("n/a", None, None, None, id="placeholder"),
    ],
)
def test_downstream_financing_states(
    page: str, written: str, amount: str | None, status: str | None, financier: str | None
) -> None:
    degraded = parse(edit(page, DOWNSTREAM, written))
    record = degraded.record
    assert record.expected_downstream_financing_usd == (Decimal(amount) if amount else None)
    assert record.expected_downstream_financing_status == status
    assert record.downstream_financier == financier
    assert degraded.unparsed == {}  # "TBC" is a state, not a failure to read
    assert degraded.missing_labels == ()


def test_unreadable_downstream_financing_has_no_status(page: str) -> None:
    degraded = parse(edit(page, DOWNSTREAM, "EUR 40 million (AFD loan)"))
    assert degraded.record.expected_downstream_financing_usd is None
    assert degraded.record.expected_downstream_financing_status is None
    assert degraded.record.downstream_financier == "AFD loan"
    assert degraded.unparsed == {
        "expected_downstream_financing_usd": {
            "text": "EUR 40 million (AFD loan)",
            "reason": "not a number: 'EUR 40 million'",
        }
    }


def test_no_downstream_financing_label_has_no_status(page: str) -> None:
    degraded = parse(edit(page, f"Expected Downstream Financing{DOWNSTREAM}\n", ""))
    assert degraded.missing_labels == ("Expected Downstream Financing",)
    assert degraded.record.expected_downstream_financing_status is None


# --- Cities, and list values written one entry a line -------------------------------------


@pytest.mark.parametrize(
    ("written", "cities"),
    [
        pytest.param(
            "Banjarmasin, Cirebon, Makassar, Palembang, Sorong",
            ["Banjarmasin", "Cirebon", "Makassar", "Palembang", "Sorong"],
            id="commas",
        ),
        pytest.param("Hue and Da Nang", ["Hue", "Da Nang"], id="and"),
        pytest.param("Hue; Da Nang", ["Hue", "Da Nang"], id="semicolon"),
        pytest.param("Hue, Da Nang, and Can Tho", ["Hue", "Da Nang", "Can Tho"], id="serial-comma"),
        pytest.param(
            "Surakarta (Solo, Central Java)", ["Surakarta (Solo, Central Java)"], id="parens"
        ),
        pytest.param("Chongqing", ["Chongqing"], id="one-city"),
    ],
)
def test_the_city_value_is_kept_and_split_into_cities(
    page: str, written: str, cities: list[str]
) -> None:
    parsed = parse(edit(page, "City: Chongqing", f"City: {written}"))
    assert parsed.record.city == written
    assert [row.name for row in parsed.children["cdia_cities"]] == cities
    assert [row.position for row in parsed.children["cdia_cities"]] == list(
        range(1, len(cities) + 1)
    )


def test_cities_written_one_a_line(page: str) -> None:
    parsed = parse(edit(page, "City: Chongqing\n", "City: Hue\nDa Nang\n"))
    assert parsed.record.city == "Hue\nDa Nang"
    assert [row.name for row in parsed.children["cdia_cities"]] == ["Hue", "Da Nang"]
    assert parsed.record.country == "China"


def test_stakeholders_written_one_a_line(page: str, sheet: ParsedSheet) -> None:
    one_a_line = (
        "Key Stakeholders and PartnersChongqing Municipal Development and Reform Commission\n"
        "Chongqing Municipal Government\nAsian Development Bank\n"
    )
    parsed = parse(edit(page, STAKEHOLDERS_LINE, one_a_line))
    assert parsed.children == sheet.children
    assert parsed.record == sheet.record


def test_a_stakeholder_with_a_comma_or_a_semicolon_in_parentheses_is_one(page: str) -> None:
    text = "Key Stakeholders and PartnersPeople's Committee of Dong Ha, AFD; GIZ (for BMZ; EU)\n"
    names = [
        row.name for row in parse(edit(page, STAKEHOLDERS_LINE, text)).children["cdia_stakeholders"]
    ]
    assert names == ["People's Committee of Dong Ha, AFD", "GIZ (for BMZ; EU)"]


def test_sectors_over_lines_end_at_the_next_label(page: str) -> None:
    text = edit(
        page,
        "Infrastructure sectorsSocial Infrastructure\n\n",
        "Infrastructure sectorsWastewater Management\nFlood/Drainage Management; Water Supply\n",
    )
    parsed = parse(text)
    assert [row.name for row in parsed.children["cdia_infrastructure_sectors"]] == [
        "Wastewater Management",
        "Flood/Drainage Management",
        "Water Supply",
    ]
    assert [row.name for row in parsed.children["cdia_impact_areas"]] == [
        "Good Governance",
        "Poverty Reduction",
    ]


def test_a_list_value_ends_at_a_blank_line(page: str, sheet: ParsedSheet) -> None:
    # A stray line after a blank line belongs to no value: it is not read into the sectors.
    text = edit(
        page,
        "Infrastructure sectorsSocial Infrastructure\n\n",
        "Infrastructure sectorsSocial Infrastructure\n\nShare this page\n\n",
    )
    assert parse(text).children == sheet.children


def test_a_label_on_its_own_line_takes_the_lines_below(page: str, sheet: ParsedSheet) -> None:
    text = edit(
        page,
        "Infrastructure sectorsSocial Infrastructure\n",
        "Infrastructure sectors\nSocial Infrastructure\n",
    )
    text = edit(text, "CDIA SupportUS$ 450,000\n", "CDIA Support\nUS$ 450,000\n")
    parsed = parse(text)
    assert parsed.record == sheet.record
    assert parsed.children == sheet.children


# --- The real pages' variations of the layout ---------------------------------------------


def test_labels_glued_to_values_as_on_the_real_pages(page: str) -> None:
    text = edit(
        page,
        STAKEHOLDERS_LINE,
        "Key Stakeholders and PartnersPeople's Committee of Dong Ha, AFD, EU\n",
    )
    text = edit(
        text, STUDY_PERIOD_LINE, "Project Preparation Study PeriodAugust 2018 \u2013 October 2019\n"
    )
    text = edit(
        text, f"Expected Downstream Financing{DOWNSTREAM}", "Expected Downstream FinancingTBC"
    )
    parsed = parse(text)
    record = parsed.record
    assert [row.name for row in parsed.children["cdia_stakeholders"]] == [
        "People's Committee of Dong Ha, AFD, EU"
    ]
    assert (record.study_period_start, record.study_period_end) == (
        date(2018, 8, 1),
        date(2019, 10, 1),
    )
    assert record.cdia_support_usd == Decimal("450000.00")
    assert record.expected_downstream_financing_status == "to_be_confirmed"
    assert parsed.missing_labels == ()
    assert parsed.unparsed == {}


def test_no_study_period_line_is_a_missing_label(page: str, sheet: ParsedSheet) -> None:
    degraded = parse(edit(page, STUDY_PERIOD_LINE + "\n", ""))
    assert degraded.missing_labels == ("Project Preparation Study Period",)
    assert degraded.unparsed == {}
    assert asdict(degraded.record) == {
        **asdict(sheet.record),
        "study_period_start": None,
        "study_period_end": None,
    }


def test_expected_development_impacts_are_the_expected_outcomes(
    page: str, sheet: ParsedSheet
) -> None:
    parsed = parse(edit(page, "Expected Development Outcomes\n", "Expected Development Impacts\n"))
    assert parsed.record.expected_outcomes == sheet.record.expected_outcomes
    assert parsed.record.cooperation_details == sheet.record.cooperation_details
    assert parsed.provenance["expected_outcomes"] == "Expected Development Impacts"
    assert parsed.missing_labels == ()


def test_a_heading_alone_on_its_line_ends_the_value_above(page: str, sheet: ParsedSheet) -> None:
    text = edit(page, "Key City informationLand Area:", "Key City information\nLand Area:")
    text = edit(
        text, "Download: Final Report \u00a0\u00a0 \u00a0\u00a0\n\n", "Download: Final Report\n"
    )
    parsed = parse(text)
    assert parsed.record == sheet.record


def test_a_missing_label_degrades_only_its_field(page: str, sheet: ParsedSheet) -> None:
    degraded = parse(edit(page, "CDIA SupportUS$ 450,000\n", ""))
    assert degraded.missing_labels == ("CDIA Support",)
    assert asdict(degraded.record) == {**asdict(sheet.record), "cdia_support_usd": None}


def test_a_city_website_and_several_downloads(page: str) -> None:
    text = edit(page, "City website: n/a", "City website: www.cq.gov.cn")
    text = edit(
        text, "Download: Final Report", "Download: Final Report\u00a0 \u00a0Executive Summary"
    )
    record = parse(text).record
    assert record.city_website == "www.cq.gov.cn"
    assert record.downloads == "Final Report; Executive Summary"


def test_labels_match_whatever_their_case(page: str, sheet: ParsedSheet) -> None:
    text = edit(page, "Infrastructure sectorsSocial", "Infrastructure SectorsSocial")
    assert parse(text).children == sheet.children


def test_downstream_financing_glued_to_its_placeholder(page: str, sheet: ParsedSheet) -> None:
    text = edit(page, "FinancingUS$ 427.3 million (ADB loan)", "Financingn/a")
    degraded = parse(text)
    assert degraded.missing_labels == ()
    assert asdict(degraded.record) == {
        **asdict(sheet.record),
        "expected_downstream_financing_usd": None,
        "expected_downstream_financing_status": None,
        "downstream_financier": None,
    }


def test_doubled_apostrophes_are_mended_and_recorded(page: str) -> None:
    text = edit(page, "Chongqing\u2019s economy", "Chongqing''s economy")
    text = edit(text, "; Chongqing Municipal Government;", "; Chongqing People''s Government;")
    repaired = parse(text)
    assert repaired.repairs == {"doubled_apostrophe": ("key_issues", "cdia_stakeholders.name")}
    assert repaired.record.key_issues is not None
    assert "Chongqing's economy" in repaired.record.key_issues
    assert repaired.children["cdia_stakeholders"][1].name == "Chongqing People's Government"


def test_a_narrative_may_run_over_several_paragraphs(page: str) -> None:
    text = edit(
        page,
        "Expected Development Outcomes\n\n",
        "Expected Development Outcomes\n\nA first paragraph.\n\n",
    )
    outcomes = parse(text).record.expected_outcomes
    assert outcomes is not None
    assert outcomes.startswith("A first paragraph.\n\nIn partnership with the government")


# --- The HTML page: the hand-written fixture of the sample page, and variations -------------


def test_html_fixture_matches_golden_file(
    html_sheet: ParsedSheet, expected: dict[str, Any]
) -> None:
    assert parsed_sheet_to_json(html_sheet) == {**expected, "parser_version": PARSER_VERSION}


def test_html_and_text_renderings_parse_to_the_same_sheet(
    html_sheet: ParsedSheet, sheet: ParsedSheet
) -> None:
    assert html_sheet == sheet


def test_html_missing_label_degrades_only_its_field(
    html_page: str, html_sheet: ParsedSheet
) -> None:
    degraded = parse(edit(html_page, f'<div class="fact">\n      {SUPPORT_FACT}\n    </div>', ""))
    assert degraded.missing_labels == ("CDIA Support",)
    assert asdict(degraded.record) == {**asdict(html_sheet.record), "cdia_support_usd": None}
    assert degraded.children == html_sheet.children


def test_html_page_without_title_is_a_missing_field(html_page: str) -> None:
    title = '<h1 class="entry-title">Chongqing Innovation and Human Capital&nbsp;Development</h1>'
    error = parse_error(edit(html_page, title, ""))
    assert error.reason == "missing_field"
    assert "title" in str(error)
    assert SHEET_ID in str(error)


def test_html_page_that_is_not_an_intervention_is_refused() -> None:
    about = (
        "<!DOCTYPE html><html><head><title>About Us &#8211; CDIA</title></head><body>"
        '<nav><a href="/city-interventions/">City Interventions</a></nav>'
        "<main><h1>About Us</h1><p>CDIA helps medium-sized cities in Asia.</p>"
        "<p><strong>Contact:</strong> info@cdia.asia</p></main></body></html>"
    )
    assert parse_error(about).reason == "not_a_data_sheet"


def test_html_listing_page_with_only_generic_labels_is_refused() -> None:
    listing = (
        "<!DOCTYPE html><html><body><h1>City Interventions</h1>"
        "<div><h2><a href='/city-interventions/x'>Xi&#39;an Urban Transport</a></h2>"
        "<p><strong>Country:</strong> China</p><p><strong>City:</strong> Xi&#39;an</p></div>"
        "</body></html>"
    )
    assert parse_error(listing).reason == "not_a_data_sheet"


def test_html_bad_amount_is_unparsed_as_in_text(html_page: str, page: str) -> None:
    from_html = parse(edit(html_page, "US$&nbsp;450,000", "EUR&nbsp;450,000"))
    from_text = parse(edit(page, "CDIA SupportUS$ 450,000", "CDIA SupportEUR 450,000"))
    assert from_html.record.cdia_support_usd is None
    assert from_html.unparsed == from_text.unparsed
    assert from_html.unparsed["cdia_support_usd"]["text"] == "EUR 450,000"


def test_html_values_one_a_line(html_page: str, html_sheet: ParsedSheet) -> None:
    text = edit(
        html_page,
        "Chongqing Municipal Development and Reform Commission; Chongqing Municipal Government;"
        " Asian Development Bank",
        "Chongqing Municipal Development and Reform Commission<br>\n"
        "        Chongqing Municipal Government<br>Asian Development Bank",
    )
    text = edit(
        text, "<strong>City:</strong>&nbsp;Chongqing", "<strong>City:</strong> Hue<br>Hoi An"
    )
    parsed = parse(text)
    assert parsed.children["cdia_stakeholders"] == html_sheet.children["cdia_stakeholders"]
    assert parsed.record.city == "Hue\nHoi An"
    assert [row.name for row in parsed.children["cdia_cities"]] == ["Hue", "Hoi An"]


def test_html_page_of_the_real_variations() -> None:
    parsed = cdia.parse(
        SLUM_FIXTURE.read_text(encoding="utf-8"),
        sheet_id="slum-improvement-in-strategic-human-settlements-area",
        url="https://cdia.asia/project/slum-improvement-in-strategic-human-settlements-area/",
    )
    record = parsed.record
    assert record.title == "Slum Improvement in Strategic Human Settlements Area"
    assert record.layout == cdia.LAYOUT
    assert (record.country, record.city) == (
        "Indonesia",
        "Banjarmasin, Cirebon, Makassar, Palembang, Sorong",
    )
    assert [row.name for row in parsed.children["cdia_cities"]] == [
        "Banjarmasin",
        "Cirebon",
        "Makassar",
        "Palembang",
        "Sorong",
    ]
    assert (record.study_period_start, record.study_period_end) == (
        date(2018, 8, 1),
        date(2019, 10, 1),
    )
    assert record.cdia_support_usd == Decimal("600000.00")
    assert record.expected_downstream_financing_usd is None
    assert record.expected_downstream_financing_status == "to_be_confirmed"
    assert [row.name for row in parsed.children["cdia_infrastructure_sectors"]] == [
        "Water Supply",
        "Wastewater Management",
        "Solid Waste Management",
    ]
    assert [row.name for row in parsed.children["cdia_stakeholders"]] == [
        "Ministry of Public Works and Housing of Indonesia",
        "Asian Development Bank",
    ]
    assert record.expected_outcomes is not None
    assert record.expected_outcomes.startswith("The project will contribute")
    # The page has no Download links and no Key City information.
    assert parsed.missing_labels == (
        "Download",
        "Land Area",
        "Estimated Population",
        "City website",
    )
    assert parsed.unparsed == {}


def test_html_doubled_apostrophes_are_mended_and_recorded(html_page: str) -> None:
    text = edit(html_page, "Chongqing\u2019s economy", "Chongqing&#39;&#39;s economy")
    text = edit(text, "; Chongqing Municipal Government;", "; Chongqing People''s Government;")
    repaired = parse(text)
    assert repaired.repairs == {"doubled_apostrophe": ("key_issues", "cdia_stakeholders.name")}
    assert repaired.children["cdia_stakeholders"][1].name == "Chongqing People's Government"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            SUPPORT_FACT,
            "<dl><dt>CDIA Support:</dt><dd>US$ 450,000</dd></dl>",
            id="definition-list",
        ),
        pytest.param(
            SUPPORT_FACT,
            '<div class="label"><h5>CDIA SUPPORT</h5></div><div class="value">US$ 450,000</div>',
            id="label-alone-in-its-element",
        ),
        pytest.param(
            "<li><strong>Country:</strong> China</li>",
            "<li><b>Country</b>: <span>China</span></li>",
            id="colon-outside-the-label",
        ),
        pytest.param(
            '<div class="entry-content">',
            '<div class="entry-content">\n    <p><strong>CDIA Support</strong> was decisive.</p>',
            id="emphasis-in-prose-is-not-a-label",
        ),
    ],
)
def test_html_template_changes_keep_the_record(
    html_page: str, html_sheet: ParsedSheet, old: str, new: str
) -> None:
    changed = parse(edit(html_page, old, new))
    assert changed.record == html_sheet.record
    assert changed.children == html_sheet.children
    assert changed.missing_labels == ()


def test_html_several_downloads_are_its_links(html_page: str) -> None:
    text = edit(
        html_page,
        "Final Report</a>",
        'Final Report</a> <a href="/summary.pdf">Executive Summary</a>',
    )
    assert parse(text).record.downloads == "Final Report; Executive Summary"


def test_a_value_nested_deeper_than_the_recursion_limit_is_read(html_page: str) -> None:
    depth = 5_000  # Python's recursion limit is 1,000
    heading = "<h3>Key City Development Issues</h3>"
    assert html_page.count(heading) == 1
    page = html_page.replace(heading, f"{heading}{'<div>' * depth}Deep{'</div>' * depth}")
    sheet = parse(page)
    assert sheet.record.key_issues is not None and sheet.record.key_issues.startswith("Deep")


def test_quantities_the_warehouse_cannot_keep_are_unparsed(page: str, sheet: ParsedSheet) -> None:
    text = edit(page, "Land Area: 82,400 sq. km.", "Land Area: 24,706.123 sq. km.")
    text = edit(text, "30 million (2018)", "12345678901234567890 (2018)")
    degraded = parse(text)
    assert (degraded.record.land_area_sq_km, degraded.record.population) == (None, None)
    assert "numeric(18,2)" in degraded.unparsed["land_area_sq_km"]["reason"]
    assert "bigint" in degraded.unparsed["population"]["reason"]
    assert degraded.unparsed["population"]["text"] == "12345678901234567890 (2018)"
    assert degraded.record.population_year == sheet.record.population_year == 2018

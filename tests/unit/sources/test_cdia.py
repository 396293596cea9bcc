"""The CDIA city-intervention parser: the sample page against its golden file, and variations."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devfin.errors import ParseError
from devfin.records import (
    PARSER_VERSION,
    TABLE_TYPES,
    CdiaIntervention,
    ParsedSheet,
    as_dict,
    parsed_sheet_to_json,
    record_from_json,
    record_to_json,
)
from devfin.sources import cdia

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
# The "CDIA Support" label and value in the HTML fixture.
SUPPORT_FACT = (
    '<h4 class="fact-label">CDIA Support</h4>\n      <p class="fact-value">US$&nbsp;450,000</p>'
)
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
    filled = {name for name, value in as_dict(sheet.record).items() if value is not None}
    assert set(sheet.provenance) == filled


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


def test_a_bad_amount_names_its_label_and_value(page: str) -> None:
    error = parse_error(edit(page, "CDIA SupportUS$ 450,000", "CDIA SupportEUR 450,000"))
    assert error.reason == "bad_value"
    assert "CDIA Support" in str(error)
    assert "EUR 450,000" in str(error)


def test_a_bad_study_period_names_its_label_and_value(page: str) -> None:
    error = parse_error(edit(page, "March 2018 \u2013 June 2019", "March 2018 \u2013 ongoing"))
    assert error.reason == "bad_value"
    assert "Project Preparation Study Period" in str(error)
    assert "ongoing" in str(error)


# --- Other pages of the same layout ---------------------------------------------------------


def test_a_study_period_with_a_hyphen(page: str) -> None:
    record = parse(edit(page, "March 2018 \u2013 June 2019", "March 2018 - June 2019")).record
    assert (record.study_period_start, record.study_period_end) == (
        date(2018, 3, 1),
        date(2019, 6, 1),
    )


def test_downstream_financing_without_a_financier(page: str) -> None:
    record = parse(edit(page, "US$ 427.3 million (ADB loan)", "US$ 1.2 billion")).record
    assert record.expected_downstream_financing_usd == Decimal("1200000000.00")
    assert record.downstream_financier is None


def test_a_missing_label_degrades_only_its_field(page: str, sheet: ParsedSheet) -> None:
    degraded = parse(edit(page, "CDIA SupportUS$ 450,000\n", ""))
    assert degraded.missing_labels == ("CDIA Support",)
    assert as_dict(degraded.record) == {**as_dict(sheet.record), "cdia_support_usd": None}


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
    assert as_dict(degraded.record) == {
        **as_dict(sheet.record),
        "expected_downstream_financing_usd": None,
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
    assert as_dict(degraded.record) == {**as_dict(html_sheet.record), "cdia_support_usd": None}
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


def test_html_bad_amount_names_its_label_and_value(html_page: str) -> None:
    error = parse_error(edit(html_page, "US$&nbsp;450,000", "EUR 450,000"))
    assert error.reason == "bad_value"
    assert "CDIA Support" in str(error)
    assert "EUR 450,000" in str(error)


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

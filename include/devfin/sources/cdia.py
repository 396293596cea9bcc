"""CDIA city-intervention pages (source `cdia`): one page in, its typed records out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from devfin.errors import ParseError
from devfin.records import (
    CdiaImpactArea,
    CdiaInfrastructureSector,
    CdiaIntervention,
    CdiaStakeholder,
    ParsedSheet,
)
from devfin.text import (
    clean_text,
    looks_like_html,
    page_text,
    parse_amount,
    parse_decimal,
    parse_int_quantity,
    parse_month,
)

SOURCE_KEY = "cdia"

# The label vocabulary. The text rendering glues most labels to their values
# ("CDIA SupportUS$ 450,000"), so a line is split where a known label ends. Labels match
# ignoring case. A label that is absent degrades its field (None, listed in `missing_labels`);
# a value that is present but cannot be read raises ParseError(reason="bad_value").
COUNTRY = "Country"
CITY = "City"
STAKEHOLDERS = "Key Stakeholders and Partners"
STUDY_PERIOD = "Project Preparation Study Period"
CDIA_SUPPORT = "CDIA Support"
DOWNSTREAM_FINANCING = "Expected Downstream Financing"
INFRASTRUCTURE_SECTORS = "Infrastructure sectors"
IMPACT_AREAS = "CDIA priority impact areas"
KEY_ISSUES = "Key City Development Issues"
COOPERATION_DETAILS = "Details of Cooperation"
EXPECTED_OUTCOMES = "Expected Development Outcomes"
DOWNLOAD = "Download"
CITY_INFORMATION = "Key City information"  # heads the Land Area / Population / website lines
LAND_AREA = "Land Area"
POPULATION = "Estimated Population"
CITY_WEBSITE = "City website"


@dataclass(frozen=True)
class Label:
    """A label of the page and how its value is written."""

    text: str
    colon: bool = False  # written "Label: value"; otherwise the value may be glued on
    narrative: bool = False  # the value is the paragraphs below, up to the next label
    heading: bool = False  # heads other labelled lines and has no value of its own


LABELS = (
    Label(COUNTRY, colon=True),
    Label(CITY, colon=True),
    Label(STAKEHOLDERS),
    Label(STUDY_PERIOD),
    Label(CDIA_SUPPORT),
    Label(DOWNSTREAM_FINANCING),
    Label(INFRASTRUCTURE_SECTORS),
    Label(IMPACT_AREAS),
    Label(KEY_ISSUES, narrative=True),
    Label(COOPERATION_DETAILS, narrative=True),
    Label(EXPECTED_OUTCOMES, narrative=True),
    Label(DOWNLOAD, colon=True),
    Label(CITY_INFORMATION, heading=True),
    Label(LAND_AREA, colon=True),
    Label(POPULATION, colon=True),
    Label(CITY_WEBSITE, colon=True),
)
# The breadcrumb above the title and the footer link: page furniture, not data.
BOILERPLATE = ("City Interventions", "Back to Top")
# Generic labels that pages other than a CDIA intervention also carry.
GENERIC_LABELS = (COUNTRY, CITY, DOWNLOAD)
# Values the site writes for "none".
PLACEHOLDERS = ("n/a",)

_LIST_SEPARATOR = re.compile(r"\s*;\s*")
_PERIOD_SEPARATOR = re.compile(r"\s*[\u2013\u2014-]\s*|\s+to\s+", re.IGNORECASE)
_TRAILING_PARENTHESES = re.compile(r"(?P<head>.*?)\s*(?:\((?P<inside>[^()]*)\))?", re.DOTALL)
_AREA_UNIT = re.compile(r"\s*(?:sq\.?\s*km\.?|km2|km\u00b2|square kilomet(?:er|re)s?)", re.I)
# Download links are separated by runs of (no-break) spaces, link texts by single spaces.
_LINK_GAP = re.compile(r"[ \t\u00a0]{2,}")

T = TypeVar("T")

# Longest first, so that a label is never cut short by another that begins it.
_LABELS_LONGEST_FIRST = tuple(sorted(LABELS, key=lambda label: -len(label.text)))
_BOILERPLATE_KEYS = frozenset(text.casefold() for text in BOILERPLATE)
_PLACEHOLDER_KEYS = frozenset(text.casefold() for text in PLACEHOLDERS)
_GENERIC_KEYS = frozenset(text.casefold() for text in GENERIC_LABELS)


@dataclass(frozen=True)
class _Sheet:
    """The sheet being parsed, for errors that name it."""

    sheet_id: str
    url: str

    def error(self, message: str, reason: str) -> ParseError:
        return ParseError(message, reason=reason, sheet_id=self.sheet_id, url=self.url)

    def read(self, convert: Callable[[str | None], T], label: str, value: str | None) -> T:
        """A value converted, or ParseError(bad_value) naming the label and the value."""
        try:
            return convert(value)
        except ValueError as error:
            raise self.error(f"{label}: {error}", "bad_value") from error


@dataclass(frozen=True)
class _Match:
    """A line that starts with a label: the label, as written, and the rest of the line."""

    label: Label
    written: str
    rest: str


@dataclass
class _Value:
    """The raw value of one label, as the lines it was written on."""

    label: str  # as written on the page
    lines: list[str] = field(default_factory=list)

    def raw(self) -> str:
        return "\n".join(self.lines)

    def text(self) -> str | None:
        text = clean_text(self.raw())
        return None if text is None or text.casefold() in _PLACEHOLDER_KEYS else text

    def items(self) -> list[str]:
        """The entries of a ";"-separated list."""
        text = self.text()
        entries = _LIST_SEPARATOR.split(text) if text else []
        return [entry for entry in entries if entry]


@dataclass
class _Layout:
    """A text page cut into the free text above the first label and the labels' values."""

    preamble: list[str] = field(default_factory=list)
    values: dict[str, _Value] = field(default_factory=dict)  # keyed by label key

    def value(self, label: str) -> _Value | None:
        return self.values.get(label.casefold())


@dataclass
class _Fields:
    """The parent record's fields as they are read, with where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)

    def put(self, name: str, value: Any, source: str) -> None:
        if value is not None:
            self.values[name] = value
            self.provenance[name] = source


def parse(content: str | bytes, *, sheet_id: str, url: str) -> ParsedSheet:
    """One page's records, from the saved page (HTML) or the page's text rendering."""
    sheet = _Sheet(sheet_id, url)
    try:
        text = page_text(content)
    except UnicodeDecodeError as error:
        raise sheet.error(f"page is not UTF-8 text: {error}", "not_a_data_sheet") from error
    if looks_like_html(text):
        return _parse_html(text, sheet)
    return _parse_text(text, sheet)


def _parse_html(text: str, sheet: _Sheet) -> ParsedSheet:
    # Until the HTML layout is parsed, such a page is quarantined with this reason, not crashed on.
    raise sheet.error(f"{SOURCE_KEY}: HTML pages are not parsed yet", "unsupported_format")


def _parse_text(text: str, sheet: _Sheet) -> ParsedSheet:
    layout = _scan(text.split("\n"))
    if not set(layout.values) - _GENERIC_KEYS:
        raise sheet.error(
            "no CDIA label (such as 'CDIA Support'): not a CDIA city-intervention page",
            "not_a_data_sheet",
        )
    fields = _Fields()
    title = clean_text(layout.preamble[0]) if layout.preamble else None
    if title is None:
        raise sheet.error(
            f"the title (the heading below {BOILERPLATE[0]!r}) is missing", "missing_field"
        )
    fields.put("title", title, f"(heading below {BOILERPLATE[0]})")
    _read_text_fields(layout, fields)
    _read_study_period(layout, fields, sheet)
    _read_financing(layout, fields, sheet)
    _read_city_information(layout, fields, sheet)
    _read_downloads(layout, fields)
    children: dict[str, list[Any]] = {
        CdiaStakeholder.table: [
            CdiaStakeholder(position, name) for position, name in _entries(layout, STAKEHOLDERS)
        ],
        CdiaInfrastructureSector.table: [
            CdiaInfrastructureSector(position, name)
            for position, name in _entries(layout, INFRASTRUCTURE_SECTORS)
        ],
        CdiaImpactArea.table: [
            CdiaImpactArea(position, name) for position, name in _entries(layout, IMPACT_AREAS)
        ],
    }
    missing = tuple(
        label.text for label in LABELS if not label.heading and layout.value(label.text) is None
    )
    return ParsedSheet(
        source=SOURCE_KEY,
        record=CdiaIntervention(**fields.values),
        children=children,
        provenance=fields.provenance,
        missing_labels=missing,
    )


# --- Cutting the page into labelled values -------------------------------------------------


def _scan(lines: Iterable[str]) -> _Layout:
    layout = _Layout()
    narrative: _Value | None = None  # the narrative whose paragraphs are being read
    for raw_line in lines:
        line = raw_line.strip()
        if line.casefold() in _BOILERPLATE_KEYS:
            narrative = None
            continue
        found = _match_label(line)
        while found is not None and found.label.heading:
            found = _match_label(found.rest)  # "Key City informationLand Area: 82,400 sq. km."
        if found is not None:
            value = layout.values.setdefault(found.label.text.casefold(), _Value(found.written))
            value.lines.append(found.rest)
            narrative = value if found.label.narrative else None
        elif narrative is not None:
            narrative.lines.append(line)
        elif line and not layout.values:
            layout.preamble.append(line)
    return layout


def _match_label(line: str) -> _Match | None:
    """The label a line starts with and the value after it, if it starts with one."""
    for label in _LABELS_LONGEST_FIRST:
        written, rest = line[: len(label.text)], line[len(label.text) :].lstrip()
        if written.replace("\u00a0", " ").casefold() != label.text.casefold():
            continue
        if label.colon:
            if rest.startswith(":"):
                return _Match(label, written, rest[1:].strip())
            continue
        # A glued value starts a new word: "CDIA supported ..." is prose, not "CDIA Support".
        if rest[:1].islower():
            continue
        return _Match(label, written, rest.removeprefix(":").strip())
    return None


# --- Reading the fields ---------------------------------------------------------------------


def _read_text_fields(layout: _Layout, fields: _Fields) -> None:
    for name, label in (
        ("country", COUNTRY),
        ("city", CITY),
        ("key_issues", KEY_ISSUES),
        ("cooperation_details", COOPERATION_DETAILS),
        ("expected_outcomes", EXPECTED_OUTCOMES),
        ("city_website", CITY_WEBSITE),
    ):
        value = layout.value(label)
        if value is not None:
            fields.put(name, value.text(), value.label)


def _read_study_period(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    value = layout.value(STUDY_PERIOD)
    text = value.text() if value is not None else None
    if value is None or text is None:
        return
    # "March 2018 - June 2019" (an en dash on the page); a single month is a start only.
    parts = _PERIOD_SEPARATOR.split(text)
    if len(parts) > 2:
        raise sheet.error(f"{value.label}: not a period: {text!r}", "bad_value")
    fields.put("study_period_start", sheet.read(parse_month, value.label, parts[0]), value.label)
    if len(parts) == 2:
        fields.put("study_period_end", sheet.read(parse_month, value.label, parts[1]), value.label)


def _read_financing(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    support = layout.value(CDIA_SUPPORT)
    if support is not None:
        amount = sheet.read(parse_amount, support.label, support.text())
        fields.put("cdia_support_usd", amount, support.label)
    downstream = layout.value(DOWNSTREAM_FINANCING)
    if downstream is not None:
        # "US$ 427.3 million (ADB loan)": the financier is in the parentheses.
        amount_text, financier = _split_parentheses(downstream.text())
        amount = sheet.read(parse_amount, downstream.label, amount_text)
        fields.put("expected_downstream_financing_usd", amount, downstream.label)
        fields.put("downstream_financier", financier, downstream.label)


def _read_city_information(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    area = layout.value(LAND_AREA)
    if area is not None:
        # "82,400 sq. km."; any other unit is left in and fails to read, never mislabelled.
        text = area.text()
        number = _AREA_UNIT.sub("", text, count=1) if text else None
        fields.put("land_area_sq_km", sheet.read(parse_decimal, area.label, number), area.label)
    population = layout.value(POPULATION)
    if population is not None:
        # "30 million (2018)": the year of the estimate is in the parentheses.
        count, year = _split_parentheses(population.text())
        fields.put(
            "population",
            sheet.read(parse_int_quantity, population.label, count),
            population.label,
        )
        fields.put("population_year", sheet.read(_year, population.label, year), population.label)


def _read_downloads(layout: _Layout, fields: _Fields) -> None:
    value = layout.value(DOWNLOAD)
    if value is None:
        return
    links = [
        link
        for line in value.lines
        for piece in _LINK_GAP.split(line)
        if (link := clean_text(piece))
    ]
    fields.put("downloads", "; ".join(links) or None, value.label)


def _entries(layout: _Layout, label: str) -> list[tuple[int, str]]:
    value = layout.value(label)
    return list(enumerate(value.items(), 1)) if value is not None else []


def _split_parentheses(text: str | None) -> tuple[str | None, str | None]:
    """ "Head (inside)" as ("Head", "inside"); text without trailing parentheses as (text, None)."""
    if text is None:
        return None, None
    match = _TRAILING_PARENTHESES.fullmatch(text)
    if match is None:
        return text, None
    return clean_text(match["head"]), clean_text(match["inside"])


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"not a year: {text!r}")
    return int(text)

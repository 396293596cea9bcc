"""ADB Project Data Sheets (source `adb_pds`): one sheet's page in, its typed records out.

A sheet comes as the live HTML page or as its plain-text rendering. Each format is cut into the
same layout (heading, labelled rows, grids), from which one set of readers builds the records:
so both formats of a sheet give the same records, `missing_labels` and `repairs`. Everything is
found by its label, never by position alone: a template change degrades one field, not the sheet.
Only a page whose project number cannot be read raises ParseError; a value that cannot be read
empties its field and is kept, with the reason, in `ParsedSheet.unparsed`.

Layout generations (`AdbProject.layout`, decided in `_generation`): `live-2025` (the live page:
`<dt>`/`<dd>`; its text has the "Project Details" side panel and the title "Country : Name"),
`page-2017` (older `<th>`/`<td>` pages; the 2017-18 page whose header is "Sovereign Project |
N"; a page without title or panel), `page-2019` (header "Sovereign (Public) Project | N Status:
X"), `tabbed-2015` (header "Sovereign Project | N Status: X" above tabs and boilerplate),
`print` (the print view: "Label value" lines from "Project Name" on), `pds-2014` (the 2014-15
"Project Data Sheet": "Project/Program Number", "Status", "PDS Updated as of", sectors and
subsectors as separate lists, the funding table run together as "Loan3133Asian Development
Fund52,000" in thousands, a "TOTAL US$ 117,100" line) and `nonsovereign` (a "Borrower/Company"
row; its type row holds the approval: number, type, fund, amount in its own currency, status).

The text renderings. `Label | value |` rows (the pipe rendering, as the seeds); or a label
starting its line: alone, with its value on the lines below (the live page's `<dt>`/`<dd>`
flattened, lists as "  • item" bullets, an agency's address lines under its bullet), or
followed by its value ("Label value": print views, the 2015-19 pages, only on a page without
`|` rows, where prose rarely starts with a label's words). A list value goes on over the
following short lines, prose over its paragraphs, up to the next label, boilerplate (the
disclaimers every page carries) or, for a one-line value, the next line. In the pipe rendering,
the first line is the title, the lines below it up to "Project Details" the summary.
`Label | value |` lines are rows; a value may go on over the lines below (a blank line
between paragraphs), and a list value puts each entry in a cell of its own ("Mongolia |"); an
executing agency's cell holds its name, then its address lines. A header line with a `---|---|`
line under it opens a grid; nested headers put the sub-headings of a column on the line below.

The HTML page, inside the first `<article>` holding labels (else the `<body>`):
- heading: the title is the `<h1>`; the summary is the `<p>`s (and `<h2>`…`<h6>`) after it, up
  to the "Project Details" heading or the first label.
- rows: `<dt>label</dt><dd>value</dd>` (the live template) or `<tr><th>label</th><td>value</td>`
  (older ones); section headings such as "Timetable" are headings, or rows of `<th>`s only.
  Values read as a browser lays them out: `<p>` paragraphs, `<li>` and `<br>` lines. Countries
  and operational priorities are the lines (`<li>`) of their value; each sector is a
  `<strong class="sector">` followed by " / subsector"; each executing agency a
  `<span class="address-company">` followed by its address lines; "Source of Funding / Amount"
  holds a `<table class="fund-table">` of `fund | amount` rows, whose `<tr class="subhead">`
  rows (the loan they are for) are skipped.
- grids: a `<table>` with a header (`<thead>`, or leading rows of `<th>`s) whose `colspan` and
  `rowspan` nest the columns ("Closing" over "Original", "Revised", "Actual"). Its title is its
  `<caption>` ("Milestones"), or else its first header cell; without a caption, a first header
  row that only groups the columns below it is the title row ("Financing Plan/TA Utilization"
  over ADB…Total, "Cumulative Disbursements" over Date and Amount); its first row holds the
  plan, and each row one disbursement (the plan's cells empty below the first row). The
  documents and tenders grids are the tables whose first column is "Title" and "Tender Title".
- TA or loan numbers: the headings and paragraphs just above each Milestones table
  (`<h3>TA 6593-PRC</h3>`), across the edges of wrappers such as `<div class="table-responsive">`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from devfin.errors import ParseError
from devfin.parse.html import (
    Node,
    Table,
    has_class,
    inner_text,
    labelled_values,
    own_rows,
    parse_html,
    read_grid,
    row_cells,
    split_at_markers,
)
from devfin.parse.text import (
    DOUBLED_APOSTROPHE,
    DOUBLED_APOSTROPHE_REPAIR,
    MAX_AMOUNT,
    clean_text,
    closes_html_document,
    html_source,
    looks_like_html,
    parse_amount,
    parse_date,
    parse_month,
    read_page,
)
from devfin.records import ParsedSheet
from devfin.sources.adb_pds.records import (
    AdbContract,
    AdbDisbursement,
    AdbDocument,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbLoanUtilization,
    AdbOperationalPriority,
    AdbProject,
    AdbProjectCountry,
    AdbProjectSector,
    AdbTender,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SOURCE_KEY = "adb_pds"

# The label vocabulary. Labels match ignoring case and the spacing around "/"; where a tuple
# holds several spellings, the first is the current template's and the others older ones'.
# A label that is absent degrades its field (None, listed in `missing_labels`); a value that is
# present but cannot be read empties its field and is kept in `unparsed`, never lost silently.
PROJECT_NUMBER = ("Project Number", "Project/Program Number")
PROJECT_NAME = ("Project Name",)
PROJECT_TYPE = (
    "Project Type / Modality of Assistance",
    "Type/Modality of Assistance",
    "Type or Modality of Assistance",
)
COUNTRY = ("Country / Economy", "Country")
SECTOR = ("Sector / Subsector",)
# The 2014-15 layout lists sectors and subsectors apart; the live page's side panel ("Project
# Details") lists the sectors alone, and names the officer above their department.
SECTOR_ONLY = ("Sector",)
SUBSECTOR = ("Subsector",)
PANEL_OFFICER = ("Project Officer",)
PANEL_APPROVAL = ("Approval Date",)
BORROWER = ("Borrower/Company", "Borrower")
OPERATIONAL_PRIORITIES = ("Operational Priorities",)
SOURCE_OF_FUNDING = ("Source of Funding / Amount",)
EXECUTING_AGENCIES = ("Executing Agencies",)
FACT_FINDING = ("Fact Finding",)
# Labels no field reads, known so that the row above them ends where they start.
OTHER_LABELS = (
    "Strategic Agendas",
    "Drivers of Change",
    "PDS Creation Date",
    "Safeguard Categories",
    "Environment",
)

# Rows whose value is copied as text into the field of the same name.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "project_name": PROJECT_NAME,
    "project_number": PROJECT_NUMBER,
    "project_status": ("Project Status", "Status"),
    "source_of_funding": SOURCE_OF_FUNDING,
    "gender": (
        "Gender",
        "Gender Equity and Mainstreaming",
        "Gender Equity and Mainstreaming Categories",
    ),
    "description": ("Description",),
    "rationale": ("Project Rationale and Linkage to Country/Regional Strategy",),
    "impact": ("Impact",),
    "outcome": ("Description of Outcome",),
    "progress_toward_outcome": ("Progress Toward Outcome",),
    "outputs": ("Description of Project Outputs",),
    "implementation_progress": (
        "Status of Implementation Progress (Outputs, Activities, and Issues)",
    ),
    "geographical_location": ("Geographical Location",),
    "environmental_aspects": ("Environmental Aspects",),
    "involuntary_resettlement": ("Involuntary Resettlement",),
    "indigenous_peoples": ("Indigenous Peoples",),
    "stakeholder_participation_design": ("During Project Design",),
    "stakeholder_participation_implementation": ("During Project Implementation",),
    "consulting_services": ("Consulting Services",),
    "procurement": ("Procurement",),
    "project_officer": ("Responsible ADB Officer",),
    "responsible_department": ("Responsible ADB Department",),
    "responsible_division": ("Responsible ADB Division",),
}
# The Timetable rows holding one date each.
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "concept_clearance_date": ("Concept Clearance",),
    "mrm_date": ("MRM",),
    "approval_date": ("Approval",),
    "last_review_mission_date": ("Last Review Mission",),
    "last_pds_update_date": ("Last PDS Update", "PDS Updated as of"),
}
# Rows that only head the rows below them.
SECTION_LABELS = (
    "Project Outcome",
    "Implementation Progress",
    "Summary of Environmental and Social Aspects",
    "Stakeholder Communication, Participation, and Consultation",
    "Business Opportunities",
    "Timetable",
)
# The free text above this line is the heading and the lead paragraphs; below it, a side
# panel repeats facts the rows give.
SUMMARY_END = "Project Details"

# Grids: a title or header line, a "---|---|" line, then rows. Milestones and the financing
# plan have nested headers: the sub-headings of a column are on the line below its heading.
MILESTONES = "Milestones"
FINANCING_PLAN = "Financing Plan"  # a prefix: "Financing Plan/TA Utilization", ...
SUBCOLUMNS: dict[str, tuple[str, ...]] = {
    "Closing": ("Original", "Revised", "Actual"),
    "Counterpart": ("Gov", "Beneficiaries", "Project Sponsor", "Others"),
}
MILESTONE_COLUMNS: dict[str, str] = {
    "approval_date": "Approval",
    "signing_date": "Signing Date",
    "effectivity_date": "Effectivity Date",
    "closing_date_original": "Closing/Original",
    "closing_date_revised": "Closing/Revised",
    "closing_date_actual": "Closing/Actual",
}
FINANCING_COLUMNS: dict[str, str] = {
    "financing_adb": "ADB",
    "financing_cofinancing": "Cofinancing",
    "financing_counterpart_government": "Counterpart/Gov",
    "financing_counterpart_beneficiaries": "Counterpart/Beneficiaries",
    "financing_counterpart_project_sponsor": "Counterpart/Project Sponsor",
    "financing_counterpart_others": "Counterpart/Others",
    "financing_total": "Total",
}
DISBURSEMENT_COLUMNS: dict[str, str] = {"as_of_date": "Date", "amount": "Amount"}
DOCUMENT_COLUMNS: dict[str, str] = {
    "title": "Title",
    "document_type": "Document Type",
    "document_date": "Document Date",
}
TENDER_COLUMNS: dict[str, str] = {
    "title": "Tender Title",
    "tender_type": "Type",
    "status": "Status",
    "posting_date": "Posting Date",
    "deadline_date": "Deadline",
}
# ADB publishes its amounts in US dollars.
CURRENCY_CODE = "USD"

# The markers of list entries and of the funding table in the HTML page (see the docstring).
SECTOR_CLASS = "sector"  # <strong class="sector">
AGENCY_CLASS = "address-company"  # <span class="address-company">
FUND_TABLE_CLASS = "fund-table"  # <table class="fund-table">
FUND_SUBHEAD_CLASS = "subhead"  # <tr class="subhead">


_OPERATIONAL_PRIORITY_CODE = re.compile(r"\b(OP\d+)\s*:\s*")
_SECTOR_SUBSECTOR = re.compile(r"\s+/\s+")
_SUBSECTOR_LEAD = re.compile(r"^\s*/\s*")
_DATE_RANGE = re.compile(r"\s+to\s+", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NONE_MARKS = frozenset({"", "-"})  # what a cell holds for "no value"
_SEPARATOR = re.compile(r"[\s|:]*-{3,}[\s|:-]*")
# The elements above a Milestones table that may hold its TA or loan number.
_CAPTION_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "p"})
# A doubled apostrophe is swapped for this mark as the page is read, and back when the records
# are built, where each field still holding it is named in the repairs: so every field, child
# row and split value (a sector, an OP name) knows whether its source text was mended. U+FDD0 is
# a Unicode noncharacter, reserved for a program's internal use: never text of a page.
_REPAIR_MARK = "\ufdd0"
# An executing agency's entry in the text rendering: its name, then its address lines, the
# last one closing the cell with "|"; this many lines at most.
_MAX_ENTRY_LINES = 6

T = TypeVar("T")
_Record = TypeVar("_Record", bound="DataclassInstance")


@functools.lru_cache(maxsize=4096)
def _label(text: str) -> str:
    """A label or column heading, cleaned; the same few come on every page, so it is cached."""
    return clean_text(text) or ""


@functools.lru_cache(maxsize=4096)
def _key(label: str) -> str:
    """A label's matching key: case and the spacing around "/" are template noise."""
    return re.sub(r"\s*/\s*", "/", _label(label)).casefold()


def _keys(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(_key(label) for label in labels)


@functools.lru_cache(maxsize=256)
def _spellings(labels: tuple[str, ...]) -> frozenset[str]:
    """The keys of a label's spellings (a vocabulary constant: cached)."""
    return _keys(labels)


# Every spelling of every row label, in vocabulary order.
ROW_LABELS: tuple[str, ...] = tuple(
    dict.fromkeys(
        label
        for labels in (
            *TEXT_FIELDS.values(),
            *DATE_FIELDS.values(),
            COUNTRY,
            SECTOR,
            SECTOR_ONLY,
            SUBSECTOR,
            PANEL_OFFICER,
            PANEL_APPROVAL,
            BORROWER,
            PROJECT_TYPE,
            OPERATIONAL_PRIORITIES,
            EXECUTING_AGENCIES,
            FACT_FINDING,
            SECTION_LABELS,
            OTHER_LABELS,
        )
        for label in labels
    )
)
_ROW_LABEL_KEYS = _keys(ROW_LABELS)
# Longer text is no label (so the free text of a page is never cleaned to be matched as one).
_LONGEST_LABEL = max(len(label) for label in (*_ROW_LABEL_KEYS, SUMMARY_END)) + 20
# Rows whose value is a nested table of "Fund | Amount" lines rather than one cell.
_NESTED_TABLE_ROW_KEYS = _keys(SOURCE_OF_FUNDING)
_SECTOR_KEYS = _keys(SECTOR)
_AGENCY_KEYS = _keys(EXECUTING_AGENCIES)
_SUBCOLUMN_KEYS = {_key(column): _keys(subs) for column, subs in SUBCOLUMNS.items()}


def _is_row_label(text: str) -> bool:
    return len(text) <= _LONGEST_LABEL and _key(text) in _ROW_LABEL_KEYS


@dataclass(frozen=True)
class _Sheet:
    """The sheet being parsed, for errors that name it."""

    sheet_id: str
    url: str
    # What could not be read: field (or table.column[position]) -> its raw text and why.
    unparsed: dict[str, dict[str, str]] = field(default_factory=dict)

    def error(self, message: str, reason: str) -> ParseError:
        # Values in messages are quoted as the page wrote them.
        message = message.replace(_REPAIR_MARK, DOUBLED_APOSTROPHE)
        return ParseError(message, reason=reason, sheet_id=self.sheet_id, url=self.url)

    def unreadable(self, name: str, text: str | None, reason: str) -> None:
        """A value on the page that cannot be read: its field stays empty, its text is kept."""
        # As the page shows it (no-break spaces are layout, not text), apostrophes as written.
        raw = (text or "").replace(_REPAIR_MARK, DOUBLED_APOSTROPHE).translate(_LAYOUT_SPACES)
        reason = reason.replace(_REPAIR_MARK, DOUBLED_APOSTROPHE).translate(_LAYOUT_SPACES)
        self.unparsed.setdefault(name, {"text": raw, "reason": reason})

    def read(
        self,
        convert: Callable[[str | None], T],
        label: str,
        value: str | None,
        name: str | None = None,
    ) -> T | None:
        """A value converted; one that cannot be read is None, and noted under `name`."""
        if value is not None and not value.isascii():  # no-break spaces: layout, not text
            value = value.translate(_LAYOUT_SPACES)
        try:
            return convert(value)
        except ValueError as error:
            self.unreadable(name or label, value, f"{label}: {error}")
            return None


_LAYOUT_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


class _Entry(NamedTuple):
    """One entry of a list value: a country, a sector and its subsector, an agency and its
    address, a fund name or amount."""

    name: str
    detail: str | None = None


@dataclass(frozen=True)
class _Row:
    """A labelled value, as written (not yet cleaned): its text, and its entries if a list."""

    label: str
    text: str
    listed: tuple[_Entry, ...] | None = None  # the entries, where the page tells them apart
    panel: bool = False  # in the "Project Details" side panel: read where no other row says

    @functools.cached_property
    def entries(self) -> tuple[_Entry, ...]:
        """A list value's entries: as the page tells them apart, or else its lines."""
        if self.listed is not None:
            return self.listed
        return tuple(_Entry(line) for line in self.text.split("\n") if clean_text(line))

    def cleaned_entries(self) -> list[tuple[str, str | None]]:
        return [
            (name, clean_text(entry.detail))
            for entry in self.entries
            if (name := clean_text(entry.name)) is not None
        ]


@dataclass(frozen=True)
class _Grid:
    """A table: its column labels (nested ones as "Closing/Original") and its value rows."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]  # column key -> cell; cells absent from a line are absent

    @functools.cached_property
    def _column_keys(self) -> frozenset[str]:
        return _keys(self.columns)

    def has(self, column: str) -> bool:
        return _key(column) in self._column_keys

    def cell(self, row: dict[str, str], column: str) -> str | None:
        return clean_text(row.get(_key(column)))

    def source(self, column: str) -> str:
        return f"{self.title}/{column}"


@dataclass(frozen=True)
class _Sources:
    """What the provenance names for the parts of a page that have no label."""

    title: str
    summary: str
    ta_or_loan_numbers: str


_TEXT_SOURCES = _Sources(
    title="(first line)",
    summary=f"(lines above {SUMMARY_END})",
    ta_or_loan_numbers=f"(line above {MILESTONES})",
)
_HTML_SOURCES = _Sources(
    title="(h1)",
    summary=f"(paragraphs above {SUMMARY_END})",
    ta_or_loan_numbers=f"(heading above {MILESTONES})",
)


@dataclass(frozen=True)
class _Header:
    """What the line above the facts says of a sheet, in the layouts that have one."""

    text: str
    project_number: str | None = None
    project_status: str | None = None
    project_name: str | None = None  # from the page's <title> line
    financing: str | None = None  # "Sovereign", "Sovereign (Public)", "Nonsovereign", ...


# "Sovereign Project | 42414-043 Status: Approved", "Sovereign (Public) Project | 49169-002",
# "Nonsovereign Project | 53116-001 Status: Active"
_FINANCING_HEADER = re.compile(
    r"(?P<financing>(?:Non-?s|S)overeign(?:\s*\((?:Public|Private)\))?|Private Sector)"
    r"\s+Project\s*\|\s*(?P<number>\d{5}-\d{3})(?:\s+Status:\s*(?P<status>[^|]+?))?\s*\|?",
    re.IGNORECASE,
)
# The page's <title>, kept by some renderings: "49169-002: Name | Asian Development Bank"
_TITLE_LINE = re.compile(
    r"(?P<number>\d{5}-\d{3})\s*:\s*(?P<name>.+?)\s*\|\s*Asian Development Bank\s*\|?"
)


def _header(line: str) -> _Header | None:
    if "Project" not in line and "Asian Development Bank" not in line:
        return None
    text = clean_text(line) or ""
    if match := _FINANCING_HEADER.fullmatch(text):
        return _Header(
            text,
            project_number=match["number"],
            project_status=clean_text(match["status"]),
            financing=match["financing"],
        )
    if match := _TITLE_LINE.fullmatch(text):
        return _Header(text, project_number=match["number"], project_name=match["name"])
    return None


@dataclass(frozen=True)
class _Layout:
    """A page cut into its parts, whatever its format: heading, labelled rows and grids."""

    sources: _Sources
    heading: list[str]  # the title, then the summary's lines
    rows: list[_Row]
    grids: list[_Grid]
    captions: list[str]  # the lines just above the Milestones grids: TA or loan numbers
    header: _Header | None = None  # "Sovereign Project | 45007-003 Status: Active"
    # A closed loan's "Financing Plan | Loan Utilization" table, as rows of cells.
    utilization: tuple[tuple[str, ...], ...] = ()
    rendering: str = "pipe"  # text: pipe, line (labels start lines) or mixed; html: dl or table

    @functools.cached_property
    def _rows_by_key(self) -> dict[str, tuple[int, _Row]]:
        """Each label key's first row, with its place on the page (side-panel rows last)."""
        first: dict[str, tuple[int, _Row]] = {}
        for index, row in enumerate(self.rows):
            place = index + len(self.rows) if row.panel else index
            key = _key(row.label)
            if key not in first or place < first[key][0]:
                first[key] = (place, row)
        return first

    def row(self, labels: tuple[str, ...]) -> _Row | None:
        """The first row on the page under any of the label's spellings."""
        rows = self._rows_by_key
        found = [rows[key] for key in _spellings(labels) if key in rows]
        return min(found)[1] if found else None  # the lowest place: places are unique

    def grids_titled(self, title: str) -> list[_Grid]:
        prefix = _key(title)
        return [grid for grid in self.grids if _key(grid.title).startswith(prefix)]

    def grids_headed(self, first_column: str) -> list[_Grid]:
        key = _key(first_column)
        return [grid for grid in self.grids if grid.columns and _key(grid.columns[0]) == key]


@dataclass
class _Fields:
    """The parent record's fields as they are read, with where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def put(self, name: str, value: Any, source: str) -> None:
        if value is not None:
            self.values[name] = value
            self.provenance[name] = source

    def miss(self, label: str) -> None:
        if label not in self.missing:
            self.missing.append(label)


def parse(content: str | bytes, *, sheet_id: str, url: str) -> ParsedSheet:
    """One sheet's records, from its saved page (HTML) or the page's text rendering."""
    sheet = _Sheet(sheet_id, url)
    text = read_page(content, sheet_id=sheet_id, url=url)  # ParseError beyond the page budget
    marked = _REPAIR_MARK in text
    if marked:  # a noncharacter, never text: shown as the replacement character
        text = text.replace(_REPAIR_MARK, "\ufffd")
    if looks_like_html(text):
        closed = closes_html_document(text)
        page = text if marked else html_source(content, text)
        del text  # lexbor reads the page's bytes: a 20 MB page is not held twice beside its tree
        layout = _html_layout(page, sheet)
        return _flag_cut_short(_read_sheet(layout, sheet), "" if closed else None, layout)
    text = _mark_repairs(text)
    layout = _text_layout(text, sheet)
    return _flag_cut_short(_read_sheet(layout, sheet), text, layout)


def _read_sheet(layout: _Layout, sheet: _Sheet) -> ParsedSheet:
    header = layout.header
    if layout.row(PROJECT_NUMBER) is None and (header is None or not header.project_number):
        raise sheet.error(
            f"no {PROJECT_NUMBER[0]!r} label: not an ADB project data sheet", "not_a_data_sheet"
        )
    fields = _Fields()
    _read_heading(layout, fields)
    _read_text_fields(layout, fields)
    _read_identity(layout, fields)
    if "project_number" not in fields.values:
        raise sheet.error(f"{PROJECT_NUMBER[0]!r} is missing or empty", "missing_field")
    _read_project_types(layout, fields)
    _read_timetable(layout, fields, sheet)
    _read_milestones(layout, fields, sheet)
    _read_side_panel(layout, fields, sheet)
    children: dict[str, list[Any]] = {
        AdbProjectCountry.table: _read_countries(layout, fields),
        AdbOperationalPriority.table: _read_operational_priorities(layout, fields, sheet),
        AdbProjectSector.table: _read_sectors(layout, fields),
        AdbFundingSource.table: _read_funding_sources(layout, fields, sheet),
        AdbExecutingAgency.table: _read_executing_agencies(layout, fields),
        AdbDisbursement.table: _read_financing(layout, fields, sheet),
        AdbDocument.table: _read_documents(layout, sheet),
        AdbTender.table: _read_tenders(layout, sheet),
        AdbLoanUtilization.table: _read_loan_utilization(layout, fields, sheet),
        AdbContract.table: _read_contracts(layout, sheet),
    }
    _read_amounts_from_funding(children[AdbFundingSource.table], fields)
    record, mended = _mend(AdbProject(**fields.values, layout=_generation(layout, fields)))
    repaired = list(mended)
    for table, rows in children.items():
        children[table], mended = _mend_rows(rows)
        repaired.extend(f"{table}.{name}" for name in mended)
    return ParsedSheet(
        source=SOURCE_KEY,
        record=record,
        children=children,
        provenance=fields.provenance,
        missing_labels=tuple(fields.missing),
        repairs={DOUBLED_APOSTROPHE_REPAIR: tuple(repaired)} if repaired else {},
        unparsed=dict(sheet.unparsed),
    )


# --- Repairs of the source text --------------------------------------------------------------


def _mark_repairs(text: str) -> str:
    return text.replace(DOUBLED_APOSTROPHE, _REPAIR_MARK)


def _mend(row: _Record) -> tuple[_Record, tuple[str, ...]]:
    """A record with its marked apostrophes restored, and the fields that held one, in order."""
    mended: dict[str, str] = {}
    for name in _field_names(type(row)):
        value = getattr(row, name)
        if isinstance(value, str) and _REPAIR_MARK in value:
            mended[name] = value.replace(_REPAIR_MARK, "'")
    return (dataclasses.replace(row, **mended) if mended else row), tuple(mended)


def _mend_rows(rows: list[_Record]) -> tuple[list[_Record], tuple[str, ...]]:
    """Child rows mended, and the fields mended in any of them, in the field order."""
    mended_rows: list[_Record] = []
    touched: set[str] = set()
    for row in rows:
        mended_row, names = _mend(row)
        mended_rows.append(mended_row)
        touched.update(names)
    order = _field_names(type(rows[0])) if rows else ()
    return mended_rows, tuple(name for name in order if name in touched)


@functools.cache
def _field_names(record_type: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(each.name for each in dataclasses.fields(record_type))


# --- The text rendering: cutting it into free text, rows and grids ----------------------------


@dataclass
class _TextRow:
    """A "Label | value |" row as the scanner meets it; its value may continue on lines below."""

    label: str
    panel: bool = False
    lines: list[list[str]] = field(default_factory=list)  # the non-empty cells of each line
    cells: list[list[str]] = field(default_factory=list)  # each cell's lines: a cell may span

    def add(self, cells: list[str], *, continues: bool = False) -> None:
        """One line's cells; with `continues`, its first cell goes on with the last one."""
        self.lines.append([cell for cell in cells if cell])
        if continues and self.cells and cells:
            self.cells[-1].append(cells[0])
            cells = cells[1:]
        self.cells.extend([cell] for cell in cells)

    def has_value(self) -> bool:
        return any(self.lines)  # a line keeps its non-empty cells only

    def items(self) -> list[str]:
        """Every non-empty cell: the entries of a list value (countries, funds)."""
        return [cell for cells in self.lines for cell in cells if clean_text(cell)]

    def row(self) -> _Row:
        text = "\n".join(" ".join(cells) for cells in self.lines)
        key = _key(self.label)
        if key in _SECTOR_KEYS:
            entries = [_split_sector(item) for item in self.items()]
        elif key in _AGENCY_KEYS:
            # An agency's cell holds its name, then its address lines.
            entries = [
                _Entry(lines[0], "\n".join(lines[1:]) or None)
                for cell in self.cells
                if (lines := [line for line in cell if clean_text(line)])
            ]
        else:
            entries = [_Entry(item) for item in self.items()]
        return _Row(self.label, text, tuple(entries), panel=self.panel)


def _split_sector(item: str) -> _Entry:
    # "Sector / Subsector"; subsector names may hold a " - ", never a " / ".
    sector, *subsector = _SECTOR_SUBSECTOR.split(item, maxsplit=1)
    return _Entry(sector, subsector[0] if subsector else None)


def _text_layout(text: str, sheet: _Sheet) -> _Layout:
    lines = text.split("\n")
    preamble: list[str] = []  # free text above the first row
    rows: list[_TextRow] = []
    grids: list[_Grid] = []
    captions: list[str] = []
    headers: list[_Header] = []
    utilization: list[tuple[str, ...]] = []
    row: _TextRow | None = None
    cell_open = False  # the row's last cell has not been closed by a "|" yet
    loose_text: list[str] = []  # free text since the last row or grid
    # Renderings without "|" rows write "Label value" on one line (print views, the 2015-19
    # pages); a page with "|" rows writes only lone labels that way (its side panel).
    inline_values = not any(
        "|" in line and _is_row_label(_cells(line)[0]) for line in lines if "|" in line
    )
    lines_mode = _LineRows(inline_values)
    preamble_open = True  # the heading ends at "Project Details", a row or boilerplate
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        cells = _cells(line) if "|" in line else []
        if cells and not rows and not grids and (header := _header(stripped)) is not None:
            headers.append(header)
        elif cells and _is_row_label(cells[0]):
            row = _TextRow(label=_label(cells[0]))
            row.add(cells[1:])
            rows.append(row)
            lines_mode.end()
            cell_open, loose_text, preamble_open = not stripped.endswith("|"), [], False
        elif _starts_grid(lines, index) and _is_utilization_header(cells):
            table, index = _utilization_rows(lines, index)
            utilization.extend(table)
            row, cell_open, loose_text, preamble_open = None, False, [], False
            lines_mode.end()
            continue
        elif _starts_grid(lines, index):
            grid, index = _read_grid(lines, index, sheet)
            grids.append(grid)
            if _key(grid.title) == _key(MILESTONES):
                captions.extend(loose_text)
            row, cell_open, loose_text, preamble_open = None, False, [], False
            lines_mode.end()
            continue
        elif row is not None and cell_open:
            row.add(cells if cells else [stripped], continues=True)
            cell_open = not stripped.endswith("|")
        elif row is not None and not cells and _opens_spanning_cell(row, lines, index):
            row.add([stripped])
            cell_open = True
        elif not cells and (approved := _approved_amounts(lines, index)) is not None:
            grid, index = approved
            grids.append(grid)
            row, loose_text, preamble_open = None, [], False
            lines_mode.end()
            continue
        elif not cells and _is_boilerplate(stripped):
            row, preamble_open = None, False
            lines_mode.end()
        elif not cells and (started := lines_mode.feed(stripped)) is not None:
            if started:
                rows.append(lines_mode.row)
                loose_text, preamble_open = [], False
            row = None
        elif not cells and row is not None and stripped and not row.has_value():
            row.add([stripped])  # "Sector / Subsector |", its value on the line below
            cell_open = True
        elif not cells:
            row = None
            if stripped == SUMMARY_END:
                preamble_open = False
                lines_mode.panel = True
            elif stripped and not _is_furniture(stripped):
                (preamble if preamble_open and not rows else loose_text).append(stripped)
        elif _SEPARATOR.fullmatch(line) or not any(cells):
            pass  # rules and the empty cells that pad a row to the table's width
        elif row is not None and _continues(row, cells):
            row.add(cells)
        else:
            row = None  # a row of a label not in the vocabulary: it must not leak into the last
        index += 1
    rendering = "line" if inline_values else ("mixed" if lines_mode.count else "pipe")
    return _Layout(
        _TEXT_SOURCES,
        preamble,
        [each.row() for each in rows],
        grids,
        captions,
        header=_merged_header(headers),
        utilization=tuple(utilization),
        rendering=rendering,
    )


LOAN_UTILIZATION = "Loan Utilization"


def _is_utilization_header(cells: list[str]) -> bool:
    return any(_key(cell) == _key(LOAN_UTILIZATION) for cell in cells if len(cell) < 40)


def _utilization_rows(lines: list[str], start: int) -> tuple[list[tuple[str, ...]], int]:
    """The rows of a "Financing Plan | Loan Utilization" grid, and the index after it."""
    index = start + 1
    rows: list[tuple[str, ...]] = []
    while index < len(lines) and "|" in lines[index] and not _starts_grid(lines, index):
        if not _SEPARATOR.fullmatch(lines[index]):
            cells = tuple(_mark_repairs(cell) for cell in _cells(lines[index]))
            if any(cells):
                rows.append(cells)
        index += 1
    return rows, index


def _merged_header(headers: list[_Header]) -> _Header | None:
    if not headers:
        return None
    merged = headers[0]
    for header in headers[1:]:
        given = {
            name: value
            for name, value in dataclasses.asdict(header).items()
            if value is not None and getattr(merged, name) is None
        }
        merged = dataclasses.replace(merged, **given)
    return merged


# Lines of the pages' fixed text (disclaimers, policy notes): never a value, and the end of one.
BOILERPLATE_STARTS = (
    "Project Data Sheets (PDS) contain summary information",
    "In preparing any country program or strategy",
    "The Public Communications Policy (PCP)",
    "The Access to Information Policy (AIP)",
    "The Accountability Mechanism provides a forum",
    "For more information about the safeguard categories",
)


def _is_boilerplate(line: str) -> bool:
    return line.startswith(BOILERPLATE_STARTS)


# The tabs and links of the 2015-19 pages, and a tracking pixel's name some renderings keep.
_FURNITURE = frozenset(
    {
        "latest project documents",
        "consulting notices",
        "procurement notices",
        "procurement documents",
        "request for information",
        "project data sheet",
        "fbpx",
    }
)


def _is_furniture(line: str) -> bool:
    key = line.casefold()
    return key in _FURNITURE or key.startswith("see also:")


# A list entry is short; a longer line, or a sentence, is the prose after the list.
_MAX_ENTRY_CHARS = 200
_BULLET_STARTS = frozenset("\u2022\u25cf\u25aa\u00b7*-")
# A lone "-" is a value ("none"), not a bullet.
_BULLET = re.compile(r"^(?:[\u2022\u25cf\u25aa\u00b7*]|-(?=\s+\S))\s*")
_TRAILING_DASH = re.compile(r"\s+-$")
# Headings of the pages' lower sections that begin with a label's words.
_HEADING_TAILS = frozenset({"plan", "notices", "documents"})


@functools.cache
def _line_label_spellings() -> tuple[str, ...]:
    """The row labels longest first, so that a label is never cut short by another."""
    return tuple(sorted(ROW_LABELS, key=len, reverse=True))


@functools.cache
def _line_label_starts() -> frozenset[str]:
    """The first words of the labels (casefolded): most lines start with none of them."""
    return frozenset(
        re.split(r"[\s/]", label, maxsplit=1)[0].casefold() for label in _line_label_spellings()
    )


_FIRST_WORD = re.compile(r"[^\s/:]+")


@functools.cache
def _line_label_pattern() -> re.Pattern[str]:
    """A line that starts with a label: the label, then its value (or nothing)."""
    alternatives = "|".join(
        r"\s*/\s*".join(r"\s+".join(map(re.escape, part.split())) for part in label.split("/"))
        for label in _line_label_spellings()
    )
    return re.compile(rf"(?P<label>{alternatives})(?:\s*:)?(?:\s+(?P<rest>.*))?", re.IGNORECASE)


def _line_label(line: str) -> tuple[str, str] | None:
    """The label a line starts with and the rest of the line, if it starts with one."""
    first = _FIRST_WORD.match(line)
    if first is None or first[0].casefold() not in _line_label_starts():
        return None
    match = _line_label_pattern().fullmatch(line)
    if match is None:
        return None
    rest = (match["rest"] or "").strip()
    if rest[:1].islower() or rest.casefold() in _HEADING_TAILS:
        return None  # prose that begins with a label's words, or a section heading
    return _label(match["label"]), rest


# How a row written "label, then its value on the lines below" goes on over those lines.
_LIST_KEYS = _keys(
    (
        *COUNTRY,
        *SECTOR,
        *SECTOR_ONLY,
        *SUBSECTOR,
        *PROJECT_TYPE,
        *SOURCE_OF_FUNDING,
        *OPERATIONAL_PRIORITIES,
        *EXECUTING_AGENCIES,
        *PANEL_OFFICER,
        *OTHER_LABELS,
        "Geographical Location",
    )
)
_SCALAR_KEYS = _keys(
    (
        *PROJECT_NAME,
        *PROJECT_NUMBER,
        *TEXT_FIELDS["project_status"],
        *TEXT_FIELDS["gender"],
        *BORROWER,
        *PANEL_APPROVAL,
        *(label for labels in DATE_FIELDS.values() for label in labels),
        *FACT_FINDING,
    )
)
_IDENTITY_KEYS = _keys((*PROJECT_NAME, *PROJECT_NUMBER))
_SAFEGUARD_SECTION_KEY = _key("Safeguard Categories")
_SAFEGUARD_KEYS = _keys(("Environment", "Involuntary Resettlement", "Indigenous Peoples"))


class _LineRows:
    """The rows of a rendering that starts each row's line with its label, in the order met.

    `feed` takes a line without "|": True when it starts a row (`row`), False when it goes on
    the current row, None when it is no part of a row (free text)."""

    def __init__(self, inline_values: bool) -> None:
        self.inline_values = inline_values
        self.row: _TextRow | None = None
        self.panel = False  # below "Project Details", above the first fact: the side panel
        self.count = 0
        self._started = False  # a lone label has been met: "Label value" lines are rows now
        self._section: str | None = None
        self._kind = ""

    def end(self) -> None:
        self.row = None

    def _in_section(self, label: str, key: str) -> str:
        """A label as its section names it: the 2014-15 layout's safeguard categories
        ("Involuntary Resettlement B") are not the narratives of the same labels below."""
        if key == _SAFEGUARD_SECTION_KEY:
            self._section = label
        elif self._section is not None and key in _SAFEGUARD_KEYS:
            return f"{self._section}/{label}"
        else:
            self._section = None
        return label

    def feed(self, line: str) -> bool | None:
        text = _BULLET.sub("", line) if line[:1] in _BULLET_STARTS else line
        bulleted = len(text) < len(line)
        if self.inline_values:
            found = _line_label(text) if text else None
        elif len(text) <= _LONGEST_LABEL and _is_row_label(text):
            found = (_label(text), "")  # a page of "|" rows writes lone labels only
        elif self.row is None:
            return None  # most lines of such a page: free text
        else:
            found = None
        key = _key(found[0]) if found is not None else ""
        # Before the facts, "Label value" is more likely prose or a tab's heading than a row.
        may_start = self._started or key in _IDENTITY_KEYS
        if found is not None and (not found[1] or (self.inline_values and may_start)):
            label, rest = found
            label = self._in_section(label, key)
            if key in _IDENTITY_KEYS:
                self.panel = False
            self.row = _TextRow(label=label, panel=self.panel)
            self._kind = (
                "agencies"
                if key in _AGENCY_KEYS
                else "list"
                if key in _LIST_KEYS
                else "scalar"
                if key in _SCALAR_KEYS
                else "prose"
            )
            self._started = True
            self.count += 1
            if rest:
                self.row.add([self._value(rest)])
            return True
        if self.row is None:
            return None
        return self._goes_on(text, bulleted)

    def _value(self, text: str) -> str:
        return text if self._kind == "prose" else _TRAILING_DASH.sub("", text)

    def _goes_on(self, text: str, bulleted: bool) -> bool | None:
        row = self.row
        assert row is not None
        has_value = row.has_value()
        if self._kind == "agencies" and text and has_value:
            # A bullet starts an agency; the lines under it are its address.
            row.add([text], continues=not bulleted)
            return False
        if not text:
            if self._kind == "prose" and has_value:
                row.add([""])
                return False
            if has_value:
                self.row = None
                return None
            return False
        if not has_value:
            row.add([self._value(text)])
            return False
        if self._kind == "prose":
            row.add([text])
            return False
        if self._kind == "list" and len(text) <= _MAX_ENTRY_CHARS and not _is_sentence(text):
            row.add([self._value(text)])
            return False
        self.row = None
        return None


def _is_sentence(text: str) -> bool:
    return text.endswith(".") and text.count(" ") >= 8


# The 2014-15 layout's funding table, its cells run together in the text rendering:
# "Type/Modality of Assistance Approval Number Source of Funding Approved Amount (thousand)",
# then "Loan3133Asian Development Fund52,000", "Counterpart 23,100", "TOTAL US$ 117,100".
APPROVED_AMOUNTS_COLUMNS = (
    "Type/Modality of Assistance",
    "Approval Number",
    "Source of Funding",
    "Approved Amount",
)
_APPROVED_AMOUNTS_HEADER = re.compile(
    r"Type\s*/\s*Modality of Assistance\s+Approval Number\s+Source of Funding\s+"
    r"(?P<amount>Approved Amount(?:\s*\([^)]*\))?)",
    re.IGNORECASE,
)
_APPROVED_AMOUNT_ROW = re.compile(
    r"(?P<type>Loan|Grant|TA|Technical Assistance|Equity|Guarantee|Debt Security)\s*"
    r"(?P<number>\d{4}(?:-[A-Z]{3})?)\s*(?P<fund>.*?[^\d\s,.])\s*"
    r"(?P<amount>\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)"
)
_APPROVED_AMOUNT_OTHER = re.compile(
    r"(?P<type>Counterpart|Cofinancing|Others?|TOTAL(?:\s*(?:US\$|[A-Z]{3}))?)\s*"
    r"(?P<amount>\d[\d,]*(?:\.\d+)?)",
    re.IGNORECASE,
)


def _approved_amounts(lines: list[str], index: int) -> tuple[_Grid, int] | None:
    """The 2014-15 funding table starting at `index` as a grid, and the index after it."""
    line = lines[index].strip()
    header = _APPROVED_AMOUNTS_HEADER.fullmatch(line) if line[:4] == "Type" else None
    if header is None:
        return None
    amount_column = _label(header["amount"])
    columns = (*APPROVED_AMOUNTS_COLUMNS[:3], amount_column)
    keys = [_key(column) for column in columns]
    rows: list[dict[str, str]] = []
    index += 1
    while index < len(lines) and (line := lines[index].strip()):
        if match := _APPROVED_AMOUNT_ROW.fullmatch(line):
            cells = [match["type"], match["number"], match["fund"], match["amount"]]
        elif match := _APPROVED_AMOUNT_OTHER.fullmatch(line):
            cells = [match["type"], "", "", match["amount"]]
        else:
            cells = [line, "", "", ""]  # kept whole: the reader says it could not read it
        rows.append({key: cell for key, cell in zip(keys, cells, strict=True) if cell})
        index += 1
    return _Grid(title=columns[0], columns=columns, rows=tuple(rows)), index


def _continues(row: _TextRow, cells: list[str]) -> bool:
    """Whether a line without a label of its own carries on the row above.

    It does when it holds one entry of a list (one more country, agency or sector), or one
    "Fund | Amount" line of a nested table. Any other line is a row of a label outside the
    vocabulary, which must not leak into the row above.
    """
    filled = [cell for cell in cells if cell]
    if len(filled) == 1:
        return True
    return _key(row.label) in _NESTED_TABLE_ROW_KEYS and _looks_like_value(filled[-1])


def _opens_spanning_cell(row: _TextRow, lines: list[str], index: int) -> bool:
    """Whether a line without "|" opens an executing agency's cell: its name, then its address
    lines down to the line that closes the cell ("address |")."""
    if _key(row.label) not in _AGENCY_KEYS or not lines[index].strip():
        return False
    for line in lines[index + 1 : index + _MAX_ENTRY_LINES]:
        if not line.strip():
            return False
        if "|" in line:
            cells = _cells(line)
            return len(cells) == 1 and bool(cells[0]) and not _is_row_label(cells[0])
    return False


def _cells(line: str) -> list[str]:
    """A table line's cells, stripped; a closing "|" ends the last cell, it opens no new one."""
    text = line.strip()
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip() for cell in text.split("|")]


def _starts_grid(lines: list[str], index: int) -> bool:
    return (
        "|" in lines[index]
        and not _SEPARATOR.fullmatch(lines[index])
        and index + 1 < len(lines)
        and _SEPARATOR.fullmatch(lines[index + 1]) is not None
    )


def _read_grid(lines: list[str], start: int, sheet: _Sheet) -> tuple[_Grid, int]:
    """The grid starting at `start` and the index of the line after it."""
    head = [_label(cell) for cell in _cells(lines[start])]
    title = head[0]
    index = start + 1
    while index < len(lines) and _SEPARATOR.fullmatch(lines[index]):
        index += 1
    if _is_nested(title):
        columns, index = _read_nested_header(lines, index, title, sheet)
    else:
        columns = tuple(head)
    rows: list[dict[str, str]] = []
    while index < len(lines) and "|" in lines[index] and not _starts_grid(lines, index):
        cells = _cells(lines[index])
        if any(cells) and not _SEPARATOR.fullmatch(lines[index]):
            rows.append(_align(columns, cells, title, sheet))
        index += 1
    return _Grid(title=title, columns=columns, rows=tuple(rows)), index


def _is_nested(title: str) -> bool:
    key = _key(title)
    return key == _key(MILESTONES) or key.startswith(_key(FINANCING_PLAN))


def _read_nested_header(
    lines: list[str], index: int, title: str, sheet: _Sheet
) -> tuple[tuple[str, ...], int]:
    """The leaf columns of a two-level header, and the index of the first value line."""
    if index >= len(lines) or "|" not in lines[index]:
        return (), index
    headings = [cell for cell in _cells(lines[index]) if cell]
    index += 1
    subheadings: list[str] = []
    # Sub-heading lines hold labels only; the first line holding a date or amount is data.
    while index < len(lines) and "|" in lines[index]:
        cells = [cell for cell in _cells(lines[index]) if cell]
        if any(_looks_like_value(cell) for cell in cells):
            break
        subheadings.extend(cells)
        index += 1
    columns: list[str] = []
    for heading in headings:
        known = _SUBCOLUMN_KEYS.get(_key(heading), frozenset())
        mine = [sub for sub in subheadings if _key(sub) in known]
        for sub in mine:
            subheadings.remove(sub)
        columns.extend([f"{heading}/{sub}" for sub in mine] if mine else [heading])
    if subheadings:
        # A table of another shape ("Financing Plan | Loan Utilization"): its rows line up
        # with no known column, so it is read as a grid of unnamed cells and reported.
        sheet.unreadable(
            title,
            " | ".join([*headings, *subheadings]),
            f"{title}: sub-headings {subheadings} belong to no known column",
        )
        columns.extend(subheadings)
    return tuple(_label(column) for column in columns), index


def _looks_like_value(cell: str) -> bool:
    # Every date and amount has a digit, most names none; "-" (none) is a value too.
    if _DIGIT.search(cell) is None and cell.strip() not in _NONE_MARKS:
        return False
    for convert in (parse_date, parse_amount):
        try:
            convert(cell)
        except ValueError:
            continue
        return True
    return False


def _align(
    columns: tuple[str, ...], cells: list[str] | tuple[str, ...], title: str, sheet: _Sheet
) -> dict[str, str]:
    """One value line as column key -> cell; the columns come from the header labels."""
    cells = list(cells)
    while cells and not cells[-1]:
        cells.pop()  # empty trailing cells pad the line to the page table's width
    if len(cells) > len(columns):
        sheet.unreadable(
            f"{title} (a row)",
            " | ".join(cells),
            f"{title}: {len(cells)} cells for {len(columns)} columns {list(columns)}",
        )
        return {}
    return {_key(column): cell for column, cell in zip(columns, cells, strict=False)}


# --- The HTML page: cutting it into heading, rows and grids -----------------------------------


def _html_layout(page: str, sheet: _Sheet) -> _Layout:
    document = parse_html(page)
    root = next(
        (article for article in document.css("article") if article.css_first("dt, th")),
        document.body,
    )
    if root is None:
        raise sheet.error("an HTML page without a body", "not_a_data_sheet")
    grids, captions, utilization = _html_grids(root, sheet)
    rendering = "dl" if root.css_first("dt") is not None else "table"
    return _Layout(
        _HTML_SOURCES,
        _html_heading(root),
        _html_rows(root),
        grids,
        captions,
        utilization=tuple(utilization),
        rendering=rendering,
    )


def _text_of(node: Node) -> str:
    return _mark_repairs(inner_text(node))


def _html_heading(root: Node) -> list[str]:
    """The <h1>, then the paragraphs and headings below it up to "Project Details" or a label."""
    heading: list[str] = []
    for node in root.css("h1, h2, h3, h4, h5, h6, p, dt, th"):
        if not heading:
            if node.tag == "h1":
                heading.extend(line for line in _text_of(node).split("\n") if line.strip())
            continue
        if node.tag in ("dt", "th"):
            break
        text = _text_of(node)
        if len(text) <= _LONGEST_LABEL and _key(text) == _key(SUMMARY_END):
            break
        heading.extend(line for line in text.split("\n") if line.strip())
    return heading


def _html_rows(root: Node) -> list[_Row]:
    rows: list[_Row] = []
    for label_node, values in labelled_values(root):
        label = _label(inner_text(label_node))
        key = _key(label)
        if key not in _ROW_LABEL_KEYS:
            continue
        if key in _LIST_MARKUPS:
            rows.append(_html_list_row(label, values, _LIST_MARKUPS[key]))
        elif key in _NESTED_TABLE_ROW_KEYS:
            rows.append(_html_funding_row(label, values))
        else:
            rows.append(_html_plain_row(label, values))
    return rows


def _html_plain_row(label: str, values: list[Node]) -> _Row:
    """A value as text; its entries, if it is a list, are its lines (<li>, <p>, <br>)."""
    return _Row(label, "\n".join(_text_of(value) for value in values))


@dataclass(frozen=True)
class _ListMarkup:
    """How the HTML page marks the entries of a list value (see the module docstring)."""

    is_marker: Callable[[Node], bool]
    marked: Callable[[str, str], _Entry]  # an entry from its marker's text and the text after
    unmarked: Callable[[str], _Entry]  # an entry from a line outside any marker


def _html_list_row(label: str, values: list[Node], markup: _ListMarkup) -> _Row:
    """A list whose entries each start at a marker element (a sector, an agency).

    Lines before the first marker, as on a page whose template dropped the markers, are read
    like the text rendering's entries.
    """
    entries: list[_Entry] = []
    for value in values:
        lead, segments = split_at_markers(value, markup.is_marker)
        entries.extend(
            markup.unmarked(line) for line in _mark_repairs(lead).split("\n") if clean_text(line)
        )
        entries.extend(
            markup.marked(_mark_repairs(name), _mark_repairs(after)) for name, after in segments
        )
    text = "\n".join(_text_of(value) for value in values)
    return _Row(label, text, tuple(entry for entry in entries if clean_text(entry.name)))


def _sector_entry(sector: str, after: str) -> _Entry:
    return _Entry(sector, _SUBSECTOR_LEAD.sub("", after) or None)  # after: " / Subsector"


def _agency_entry(name: str, address: str) -> _Entry:
    return _Entry(name, address or None)


_LIST_MARKUPS: dict[str, _ListMarkup] = {
    **dict.fromkeys(
        _SECTOR_KEYS,
        _ListMarkup(
            is_marker=lambda node: node.tag == "strong" and has_class(node, SECTOR_CLASS),
            marked=_sector_entry,
            unmarked=_split_sector,
        ),
    ),
    **dict.fromkeys(
        _AGENCY_KEYS,
        _ListMarkup(
            is_marker=lambda node: has_class(node, AGENCY_CLASS),
            marked=_agency_entry,
            unmarked=_Entry,
        ),
    ),
}


def _html_funding_row(label: str, values: list[Node]) -> _Row:
    """The "Fund | Amount" rows of the fund table; its subhead rows name the approval (loan,
    grant, TA) the rows below them fund, and are entries of their own, not the cell's text."""
    tables = [table for value in values for table in value.css("table")]
    if not tables:
        return _html_plain_row(label, values)
    table = next((t for t in tables if has_class(t, FUND_TABLE_CLASS)), tables[0])
    entries: list[_Entry] = []
    lines: list[list[str]] = []
    for row, _ in own_rows(table):
        cells = [cell for cell in (_text_of(node).strip() for node in row_cells(row)) if cell]
        if _is_fund_subhead(row):
            entries.extend(_Entry(cell, _APPROVAL_ENTRY) for cell in cells)
        elif cells:
            entries.extend(_Entry(cell) for cell in cells)
            lines.append(cells)
    text = "\n".join(" ".join(cells) for cells in lines)
    return _Row(label, text, tuple(entries))


_APPROVAL_ENTRY = "approval"  # the detail of a fund table's subhead entry


def _is_fund_subhead(row: Node) -> bool:
    return has_class(row, FUND_SUBHEAD_CLASS)


def _html_grids(root: Node, sheet: _Sheet) -> tuple[list[_Grid], list[str], list[tuple[str, ...]]]:
    """The page's grids, the lines just above its Milestones grids, and the rows of its loan
    utilization tables."""
    grids: list[_Grid] = []
    captions: list[str] = []
    utilization: list[tuple[str, ...]] = []
    for node in root.css("table"):
        if _is_html_utilization(node):
            utilization.extend(_html_utilization_rows(node))
            continue
        table = read_grid(node)
        if table is None:
            continue  # a fund table, a table of labelled rows
        grid = _html_grid(table, sheet)
        grids.append(grid)
        if _key(grid.title) == _key(MILESTONES):
            captions.extend(_lines_above(node, root))
    return grids, captions, utilization


def _is_html_utilization(table: Node) -> bool:
    first = next(own_rows(table), None)
    return first is not None and _is_utilization_header(
        [cell.text() for cell in row_cells(first[0])]
    )


def _html_utilization_rows(table: Node) -> list[tuple[str, ...]]:
    """The rows of a "Financing Plan | Loan Utilization" table below its title, as cells."""
    rows: list[tuple[str, ...]] = []
    for row, _ in list(own_rows(table))[1:]:
        cells = tuple(_text_of(cell).strip() for cell in row_cells(row))
        if any(cells):
            rows.append(cells)
    return rows


def _html_grid(table: Table, sheet: _Sheet) -> _Grid:
    """A grid titled by its caption, or else by its first header cell. Without a caption, a
    first header row that groups every column below it is the title row, not a column name."""
    if table.caption is not None:
        title = _label(table.caption)
    else:
        title = _label(table.columns[0][0]) if table.columns[0] else ""
    title_row = table.caption is None and all(len(path) >= 2 for path in table.columns)
    columns = tuple(
        "/".join(_label(label) for label in (path[1:] if title_row else path))
        for path in table.columns
    )
    rows = tuple(
        _align(columns, [_mark_repairs(cell) for cell in cells], title, sheet)
        for cells in table.rows
        if any(cell.strip() for cell in cells)
    )
    return _Grid(title, columns, rows)


def _lines_above(node: Node, root: Node) -> list[str]:
    """The lines of the headings and paragraphs just above a node (over its wrappers' edges)."""
    found: list[str] = []
    while node is not None and node.mem_id != root.mem_id:  # == would compare their HTML
        sibling = node.prev
        while sibling is not None:
            if sibling.is_element_node:
                if sibling.tag not in _CAPTION_TAGS:
                    return found
                found[:0] = [line for line in _text_of(sibling).split("\n") if line.strip()]
            elif sibling.is_text_node and (text := (sibling.text_content or "").strip()):
                found.insert(0, _mark_repairs(text))
            sibling = sibling.prev
        node = node.parent
    return found


# --- Reading the parent record's fields ---------------------------------------------------


def _read_heading(layout: _Layout, fields: _Fields) -> None:
    """The title (the first line) and the lead paragraphs below it.

    A page whose rendering dropped the title starts with the summary: a first line that is a
    sentence is summary, not title."""
    heading = layout.heading
    if heading and _is_title(heading[0]):
        fields.put("title", clean_text(heading[0]), layout.sources.title)
        heading = heading[1:]
    fields.put("summary", clean_text("\n".join(heading)), layout.sources.summary)


_MAX_TITLE_CHARS = 300


def _is_title(line: str) -> bool:
    text = line.strip()
    return len(text) <= _MAX_TITLE_CHARS and not text.endswith(".")


# "China, People's Republic of : Innovation-Driven ...", "Georgia: Sustainable Urban ..."
_TITLE_PARTS = re.compile(r"(?P<country>[^:]{2,80}?)\s*:\s+(?P<name>\S.*)")


def _read_identity(layout: _Layout, fields: _Fields) -> None:
    """Number and name where no row gives them: the line above the facts, then the title."""
    header = layout.header
    if header is not None:
        source = f"(line {header.text!r})"
        if "project_number" not in fields.values:
            fields.put("project_number", header.project_number, source)
        if "project_status" not in fields.values:
            fields.put("project_status", header.project_status, source)
        if "project_name" not in fields.values:
            fields.put("project_name", header.project_name, source)
        if header.financing:
            kind = "nonsovereign" if "non" in header.financing.casefold() else "sovereign"
            fields.put("operation_type", kind, source)
    title = fields.values.get("title")
    if "project_name" not in fields.values and title and (parts := _TITLE_PARTS.fullmatch(title)):
        fields.put("project_name", parts["name"], layout.sources.title)
    borrower = layout.row(BORROWER)
    if borrower is not None:
        fields.put("borrower", clean_text(borrower.text), borrower.label)
        fields.put("operation_type", "nonsovereign", borrower.label)


# The types (modalities) of ADB assistance, as the pages name them; a row listing several on
# one line ("Grant Loan") is split at these names.
ASSISTANCE_TYPES = (
    "Technical Assistance",
    "Multitranche Financing Facility",
    "Policy-Based Lending",
    "Results-Based Lending",
    "Debt Security",
    "Equity Investment",
    "Equity",
    "Guarantee",
    "B Loan",
    "Loan",
    "Grant",
)
_ASSISTANCE_TYPE = re.compile(
    r"\b(" + "|".join(map(re.escape, ASSISTANCE_TYPES)) + r")\b", re.IGNORECASE
)
_TYPE_NAMES = {name.casefold(): name for name in ASSISTANCE_TYPES}


def _read_project_types(layout: _Layout, fields: _Fields) -> None:
    """The types of assistance, ", "-joined: one per entry, or the known names of one line."""
    row = layout.row(PROJECT_TYPE)
    if row is None:
        fields.miss(PROJECT_TYPE[0])
        return
    entries = [name for name, _ in row.cleaned_entries()]
    # Known names wherever the row has them (a nonsovereign row also holds the approval's
    # number, fund, amount and status); else the entries as written.
    found = [
        _TYPE_NAMES.get(each.casefold(), each)
        for name in entries
        for each in _ASSISTANCE_TYPE.findall(name)
    ]
    types = found or entries
    fields.put("project_type", ", ".join(dict.fromkeys(types)) or None, row.label)


# "Heckmann, Arnaud East Asia Department": the officer's "Surname, Given name" runs into the
# department when the panel's lines are joined.
_OFFICER_AND_DEPARTMENT = re.compile(
    r"(?P<officer>[^,]+,\s*[A-Z][\w.'-]*(?:\s+[A-Z]\.)?)\s+(?P<department>[A-Z].*)"
)
_DEPARTMENT_WORDS = re.compile(r"\b(?:Department|Group|Office|Division|Unit|Sector)\b")
_PANEL_NOISE = re.compile(r"\s*Request for information\s*$", re.IGNORECASE)


def _read_side_panel(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    """The "Project Details" panel of the live page: where the rows below do not say it."""
    officer = layout.row(PANEL_OFFICER)
    if officer is not None:
        lines = [
            text
            for name, _ in officer.cleaned_entries()
            if (text := _PANEL_NOISE.sub("", name).strip())
        ]
        if len(lines) == 1 and (match := _OFFICER_AND_DEPARTMENT.fullmatch(lines[0])):
            if _DEPARTMENT_WORDS.search(match["department"]):
                lines = [match["officer"], match["department"]]
        if "project_officer" not in fields.values and lines:
            fields.put("project_officer", lines[0], officer.label)
        if "responsible_department" not in fields.values and len(lines) > 1:
            fields.put("responsible_department", lines[1], officer.label)
    approval = layout.row(PANEL_APPROVAL)
    if approval is not None and "approval_date" not in fields.values:
        approved = sheet.read(parse_date, approval.label, approval.text, "approval_date")
        fields.put("approval_date", approved, approval.label)


def _read_text_fields(layout: _Layout, fields: _Fields) -> None:
    for name, labels in TEXT_FIELDS.items():
        row = layout.row(labels)
        if row is None:
            fields.miss(labels[0])
        else:
            fields.put(name, clean_text(row.text), row.label)


def _read_timetable(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    for name, labels in DATE_FIELDS.items():
        row = layout.row(labels)
        if row is None:
            fields.miss(labels[0])
        else:
            fields.put(name, sheet.read(parse_date, row.label, row.text, name), row.label)
    row = layout.row(FACT_FINDING)
    if row is None:
        fields.miss(FACT_FINDING[0])
        return
    # "15 Jul 2020 to 15 Jul 2020"; a single date is a start with no end given.
    text = clean_text(row.text)
    parts = _DATE_RANGE.split(text) if text else []
    if len(parts) > 2:
        sheet.unreadable("fact_finding_start_date", text, f"{row.label}: not a date range")
        return
    if parts:
        start = sheet.read(parse_date, row.label, parts[0], "fact_finding_start_date")
        fields.put("fact_finding_start_date", start, row.label)
    if len(parts) == 2:
        end = sheet.read(parse_date, row.label, parts[1], "fact_finding_end_date")
        fields.put("fact_finding_end_date", end, row.label)


def _read_milestones(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    # The TA or loan numbers head their Milestones grids ("TA 6593-PRC").
    fields.put(
        "ta_or_loan_numbers",
        clean_text("; ".join(layout.captions)),
        layout.sources.ta_or_loan_numbers,
    )
    grids = layout.grids_titled(MILESTONES)
    if not grids:
        fields.miss(MILESTONES)
        return
    # A sheet with several loans has a grid per loan; the record holds the first.
    grid = grids[0]
    row = grid.rows[0] if grid.rows else {}
    for name, column in MILESTONE_COLUMNS.items():
        if not grid.has(column):
            fields.miss(grid.source(column))
            continue
        value = sheet.read(parse_date, grid.source(column), grid.cell(row, column), name)
        given = fields.values.get(name)
        # A date also given by the Timetable ("Approval") must agree with it.
        if given is not None and value is not None and given != value:
            # Two dates for one event: neither is taken, both are kept for a reader to settle.
            sheet.unreadable(
                name,
                f"{given.isoformat()} / {value.isoformat()}",
                f"{grid.source(column)} {value.isoformat()} disagrees with "
                f"{fields.provenance[name]} {given.isoformat()}",
            )
            fields.values.pop(name)
            fields.provenance.pop(name)
            continue
        if given is None:
            fields.put(name, value, grid.source(column))


def _read_financing(layout: _Layout, fields: _Fields, sheet: _Sheet) -> list[AdbDisbursement]:
    """The financing plan into the record; the cumulative disbursements as child rows."""
    grids = layout.grids_titled(FINANCING_PLAN)
    if not grids:
        if not layout.utilization:  # a closed loan's plan is beside its loan utilization
            fields.miss(FINANCING_PLAN)
        return []
    grid = grids[0]
    row = grid.rows[0] if grid.rows else {}
    for name, column in FINANCING_COLUMNS.items():
        if grid.has(column):
            fields.put(
                name,
                sheet.read(parse_amount, grid.source(column), grid.cell(row, column), name),
                grid.source(column),
            )
        else:
            fields.miss(grid.source(column))
    if any(name in fields.values for name in FINANCING_COLUMNS):
        fields.put("currency_code", CURRENCY_CODE, grid.title)
    for column in DISBURSEMENT_COLUMNS.values():
        if not grid.has(column):
            fields.miss(grid.source(column))
    date_column, amount_column = DISBURSEMENT_COLUMNS["as_of_date"], DISBURSEMENT_COLUMNS["amount"]
    disbursements: list[AdbDisbursement] = []
    for each in grids:
        for line in each.rows:
            where = f"{AdbDisbursement.table}.{{}}[{len(disbursements) + 1}]"
            as_of = sheet.read(
                parse_date,
                each.source(date_column),
                each.cell(line, date_column),
                where.format("as_of_date"),
            )
            amount = sheet.read(
                parse_amount,
                each.source(amount_column),
                each.cell(line, amount_column),
                where.format("amount"),
            )
            if as_of is not None or amount is not None:
                disbursements.append(
                    AdbDisbursement(len(disbursements) + 1, as_of_date=as_of, amount=amount)
                )
    return disbursements


# --- Reading the child rows ----------------------------------------------------------------


def _read_countries(layout: _Layout, fields: _Fields) -> list[AdbProjectCountry]:
    row = layout.row(COUNTRY)
    if row is None:
        fields.miss(COUNTRY[0])
        return []
    countries = [name for name, _ in row.cleaned_entries()]
    # The record's single-valued column holds the first listed; the child rows hold them all.
    fields.put("country", countries[0] if countries else None, row.label)
    return [AdbProjectCountry(position, name) for position, name in enumerate(countries, 1)]


def _read_sectors(layout: _Layout, fields: _Fields) -> list[AdbProjectSector]:
    """Sector/subsector pairs; else the sectors listed alone (the 2014-15 layout, whose
    subsectors are a list of their own, and the side panel)."""
    row = layout.row(SECTOR)
    entries = _sector_entries(row.cleaned_entries()) if row is not None else []
    source = row.label if row is not None else None
    subsectors: list[str] = []
    if not entries and (alone := layout.row(SECTOR_ONLY)) is not None:
        entries = [(name, None) for name, _ in alone.cleaned_entries()]
        source = alone.label
        if (listed := layout.row(SUBSECTOR)) is not None:
            subsectors = [name for name, _ in listed.cleaned_entries()]
            if len(entries) == 1 and subsectors:
                entries = [(entries[0][0], "; ".join(subsectors))]
    if row is None and source is None:
        fields.miss(SECTOR[0])
    sectors = [
        AdbProjectSector(position, sector, subsector)
        for position, (sector, subsector) in enumerate(entries, 1)
    ]
    if sectors and source is not None:
        fields.put("sector", sectors[0].sector, source)
        fields.put("subsector", sectors[0].subsector or "; ".join(subsectors) or None, source)
    return sectors


# ADB's sector classification, current and earlier names: a line that runs several
# "Sector / Subsector" pairs together is split where a sector's name begins.
SECTOR_NAMES = (
    "Agriculture, natural resources and rural development",
    "Agriculture and natural resources",
    "Education",
    "Energy",
    "Finance",
    "Health",
    "Health and social protection",
    "Industry and trade",
    "Information and communication technology",
    "Multisector",
    "Public sector management",
    "Law, economic management, and public policy",
    "Transport",
    "Transport and ICT",
    "Water and other urban infrastructure and services",
    "Water supply and other municipal infrastructure and services",
)
# As the pages write them (sentence case): "Inclusive finance" holds no sector "Finance".
_SECTOR_NAME = re.compile("|".join(map(re.escape, sorted(SECTOR_NAMES, key=len, reverse=True))))
_SECTOR_TAIL = re.compile(r"\s*(?:/|\s-)\s*")


def _sector_entries(entries: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    for name, detail in entries:
        if detail is not None and "/" not in detail:
            pairs.append((name, detail))  # one sector and its subsector: the common case
            continue
        text = f"{name} / {detail}" if detail else name
        starts = [
            match.start()
            for match in _SECTOR_NAME.finditer(text)
            if (match.start() == 0 or text[match.start() - 1] == " ")
            and (match.end() == len(text) or _SECTOR_TAIL.match(text, match.end()))
        ]
        if not starts or starts[0] != 0:
            if detail is None and " - " in name:  # "Public sector management - Economic ..."
                head, tail = name.split(" - ", 1)
                pairs.append((head.strip(), tail.strip() or None))
            else:
                pairs.append((name, detail))
            continue
        for begin, finish in zip(starts, [*starts[1:], len(text)], strict=True):
            part = text[begin:finish].strip()
            sector = _SECTOR_NAME.match(part)
            assert sector is not None
            rest = _SECTOR_TAIL.sub("", part[sector.end() :], count=1).strip()
            pairs.append((part[: sector.end()], rest or None))
    return pairs


def _read_operational_priorities(
    layout: _Layout, fields: _Fields, sheet: _Sheet
) -> list[AdbOperationalPriority]:
    row = layout.row(OPERATIONAL_PRIORITIES)
    if row is None:
        fields.miss(OPERATIONAL_PRIORITIES[0])
        return []
    text = " ".join(name for name, _ in row.cleaned_entries())
    # "OP1: Addressing ... OP2: Accelerating ..." splits into ["", "OP1", "Addressing ...", ...].
    lead, *coded = _OPERATIONAL_PRIORITY_CODE.split(text)
    if lead.strip():
        sheet.unreadable(
            AdbOperationalPriority.table, lead, f"{row.label}: text before the first OPn code"
        )
    return [
        AdbOperationalPriority(position, code, clean_text(name) or "")
        for position, (code, name) in enumerate(zip(coded[::2], coded[1::2], strict=True), 1)
    ]


def _read_funding_sources(
    layout: _Layout, fields: _Fields, sheet: _Sheet
) -> list[AdbFundingSource]:
    """The funds of each approval, with their amounts in the currency the page states."""
    approved = layout.grids_headed(APPROVED_AMOUNTS_COLUMNS[0])
    if approved:
        return _read_approved_amounts(approved[0], fields, sheet)
    row = layout.row(SOURCE_OF_FUNDING)
    if row is None:
        # A nonsovereign page states its approvals in its type row (the label is listed as
        # missing with the text fields).
        return _read_nonsovereign_approvals(layout, sheet)
    sources: list[AdbFundingSource] = []
    approval: dict[str, str | None] = {}
    # Each approval's heading ("Loan 2060-PAK: <title>"), then its funds: "fund  US$ 45.00
    # million" on one line, or the fund's name and its amount in cells of their own.
    for item, detail in row.cleaned_entries():
        has_digits = _DIGIT.search(item) is not None
        if (has_digits or detail == _APPROVAL_ENTRY) and (
            heading := _APPROVAL_HEADING.fullmatch(item)
        ):
            approval = {
                "assistance_type": heading["type"],
                "approval_number": heading["number"],
                "approval_title": clean_text(heading["title"]),
            }
            continue
        if _FUND_TABLE_HEADER.fullmatch(item) or detail == _APPROVAL_ENTRY:
            continue
        position = len(sources) + 1
        where = f"{AdbFundingSource.table}.amount[{position}]"
        if has_digits and (fund := _FUND_AND_AMOUNT.fullmatch(item)):
            amount, currency = _money(fund["amount"], row.label, where, sheet)
            sources.append(AdbFundingSource(position, fund["fund"], amount, currency, **approval))
        elif not _looks_like_value(item):
            sources.append(AdbFundingSource(position, item, **approval))
        elif sources and sources[-1].amount is None:
            last = sources.pop()
            where = f"{AdbFundingSource.table}.amount[{last.position}]"
            amount, currency = _money(item, row.label, where, sheet)
            sources.append(
                AdbFundingSource(
                    last.position,
                    last.fund_name,
                    amount,
                    currency,
                    last.assistance_type,
                    last.approval_number,
                    last.approval_title,
                )
            )
        else:
            sheet.unreadable(where, item, f"{row.label}: amount {item!r} follows no fund name")
    return sources


# "Loan 2060-PAK: Southern Punjab ...", "TA 8489-REG: ...", "MFF Facility Concept 0078-MON: ..."
_APPROVAL_HEADING = re.compile(
    r"(?P<type>Loan|Grant|TA|Technical Assistance|MFF Facility Concept|MFF|Equity|Guarantee"
    r"|Debt Security)(?:\s+(?P<number>[A-Z0-9]*\d[A-Z0-9-]*))?\s*:\s*(?P<title>.*)",
)
_FUND_TABLE_HEADER = re.compile(r"Source\s*\|?\s*Amount", re.IGNORECASE)
_MONEY = r"(?:US\$|\$|[A-Z]{3})\s*\d[\d,]*(?:\.\d+)?(?:\s*(?:thousand|million|billion))?"
_FUND_AND_AMOUNT = re.compile(rf"(?P<fund>.*?\S)\s+(?P<amount>{_MONEY})")
_CURRENCY = re.compile(r"(?P<code>US\$|\$|[A-Z]{3})\s*(?P<number>.*)")
_DOLLAR_SIGNS = frozenset({"US$", "$", "USD"})


def _money(
    text: str, label: str, where: str, sheet: _Sheet, scale: int = 1
) -> tuple[Decimal | None, str | None]:
    """An amount and its currency ("INR 2,000.00 million" is INR, never converted)."""
    match = _CURRENCY.fullmatch(text)
    code, number = (match["code"], match["number"]) if match else ("US$", text)
    currency = CURRENCY_CODE if code in _DOLLAR_SIGNS else code
    amount = sheet.read(parse_amount, label, number, where)
    if amount is None:
        return None, None
    if abs(amount * scale) >= MAX_AMOUNT:
        sheet.unreadable(where, text, f"{label}: too large for an amount (numeric(18,2))")
        return None, None
    return (amount * scale).quantize(Decimal("0.01")), currency


# "7620 Loan Ordinary capital resources INR 2,000.00 million Approved"
_NONSOVEREIGN_APPROVAL = re.compile(
    rf"(?P<number>\d{{4,5}})\s+(?P<type>{'|'.join(map(re.escape, ASSISTANCE_TYPES))})\s+"
    rf"(?P<fund>.+?)\s+(?P<amount>{_MONEY})(?:\s+(?P<status>[A-Z][\w ]*))?",
    re.IGNORECASE,
)


def _read_nonsovereign_approvals(layout: _Layout, sheet: _Sheet) -> list[AdbFundingSource]:
    row = layout.row(PROJECT_TYPE)
    if row is None:
        return []
    text = " ".join(name for name, _ in row.cleaned_entries())
    sources: list[AdbFundingSource] = []
    for match in _NONSOVEREIGN_APPROVAL.finditer(text):
        where = f"{AdbFundingSource.table}.amount[{len(sources) + 1}]"
        amount, currency = _money(match["amount"], row.label, where, sheet)
        sources.append(
            AdbFundingSource(
                len(sources) + 1,
                match["fund"],
                amount,
                currency,
                assistance_type=_TYPE_NAMES.get(match["type"].casefold(), match["type"]),
                approval_number=match["number"],
            )
        )
    return sources


_AMOUNT_UNITS = {"thousand": 1_000, "million": 1_000_000}
_UNIT_IN_LABEL = re.compile(r"\((?P<unit>thousand|million)\)", re.IGNORECASE)


def _read_approved_amounts(grid: _Grid, fields: _Fields, sheet: _Sheet) -> list[AdbFundingSource]:
    """The 2014-15 table: an approval per row (type, number, fund, amount in thousands), then
    the counterpart and the total."""
    type_column, number_column, fund_column, amount_column = grid.columns
    unit = _UNIT_IN_LABEL.search(amount_column)
    scale = _AMOUNT_UNITS[unit["unit"].casefold()] if unit else 1
    sources: list[AdbFundingSource] = []
    types: list[str] = []
    for line in grid.rows:
        kind = grid.cell(line, type_column) or ""
        position = len(sources) + 1
        where = f"{AdbFundingSource.table}.amount[{position}]"
        text = grid.cell(line, amount_column)
        if kind.upper().startswith("TOTAL"):
            code = kind[len("TOTAL") :].strip() or "US$"
            total, currency = _money(
                f"{code} {text}", grid.source(amount_column), "financing_total", sheet, scale
            )
            fields.put("financing_total", total, f"{grid.title} (TOTAL)")
            fields.put("currency_code", currency, f"{grid.title} (TOTAL)")
            continue
        amount, currency = _money(text or "", grid.source(amount_column), where, sheet, scale)
        fund = grid.cell(line, fund_column)
        if fund is None and kind.casefold() in _COUNTERPART_ROWS:
            sources.append(AdbFundingSource(position, kind, amount, currency))
            continue
        if fund is None:
            sheet.unreadable(where, kind, f"{grid.title}: a row that is not an approval")
            continue
        types.append(_TYPE_NAMES.get(kind.casefold(), kind))
        sources.append(
            AdbFundingSource(
                position,
                fund,
                amount,
                currency,
                assistance_type=kind,
                approval_number=grid.cell(line, number_column),
            )
        )
    if types and "project_type" not in fields.values:
        fields.put("project_type", ", ".join(dict.fromkeys(types)), grid.source(type_column))
        fields.missing[:] = [label for label in fields.missing if label != PROJECT_TYPE[0]]
    return sources


_COUNTERPART_ROWS = frozenset({"counterpart", "cofinancing", "other", "others"})
# ADB's own resources; any other fund of a sheet is cofinancing it administers.
_ADB_FUNDS = re.compile(
    r"asian development fund|ordinary capital resources|technical assistance special fund"
    r"|\b(?:ADF|OCR|TASF|COL)\b",
    re.IGNORECASE,
)


def _read_amounts_from_funding(sources: list[AdbFundingSource], fields: _Fields) -> None:
    """ADB's and the cofinanciers' amounts from the funds, where no financing plan states
    them (print views, the 2014-15 layout): in US dollars only, never converted."""
    if any(name in fields.values for name in FINANCING_COLUMNS if name != "financing_total"):
        return
    dollars = [s for s in sources if s.amount is not None and s.currency_code == CURRENCY_CODE]
    if not dollars:
        return
    source = f"{SOURCE_OF_FUNDING[0]} (summed by fund)"
    adb = [s.amount for s in dollars if _ADB_FUNDS.search(s.fund_name)]
    counterpart = [s.amount for s in dollars if s.fund_name.casefold() == "counterpart"]
    others = [
        s.amount
        for s in dollars
        if not _ADB_FUNDS.search(s.fund_name) and s.fund_name.casefold() not in _COUNTERPART_ROWS
    ]
    if adb:
        fields.put("financing_adb", sum(adb, Decimal(0)), source)
    if others:
        fields.put("financing_cofinancing", sum(others, Decimal(0)), source)
    if counterpart:
        # The 2014-15 layout states one counterpart amount: the government's, unsplit.
        fields.put("financing_counterpart_government", sum(counterpart, Decimal(0)), source)
    if "currency_code" not in fields.values:
        fields.put("currency_code", CURRENCY_CODE, source)


def _generation(layout: _Layout, fields: _Fields) -> str:
    """The layout generation the page was read as (see the module docstring)."""
    header = layout.header
    financing = (header.financing or "").casefold() if header is not None else ""
    if fields.values.get("operation_type") == "nonsovereign":
        return "nonsovereign"
    if layout.grids_headed(APPROVED_AMOUNTS_COLUMNS[0]) or layout.row(("PDS Updated as of",)):
        return "pds-2014"
    if "(" in financing:  # "Sovereign (Public) Project"
        return "page-2019"
    if header is not None and header.project_status:
        return "tabbed-2015"
    if layout.rendering == "dl" or any(row.panel for row in layout.rows):
        return "live-2025"
    if layout.rendering == "line" and not layout.heading:
        return "print"
    title = fields.values.get("title") or ""
    if financing or layout.rendering == "table" or " : " not in title:
        return "page-2017"
    return "live-2025"


def _read_executing_agencies(layout: _Layout, fields: _Fields) -> list[AdbExecutingAgency]:
    row = layout.row(EXECUTING_AGENCIES)
    if row is None:
        fields.miss(EXECUTING_AGENCIES[0])
        return []
    return [
        AdbExecutingAgency(position, name, address)
        for position, (name, address) in enumerate(row.cleaned_entries(), 1)
    ]


def _read_documents(layout: _Layout, sheet: _Sheet) -> list[AdbDocument]:
    documents: list[AdbDocument] = []
    for grid in layout.grids_headed(DOCUMENT_COLUMNS["title"]):
        if _contract_columns(grid):
            continue  # a "Contracts Awarded" table whose first column is "Title"
        for line in grid.rows:
            cells = {name: grid.cell(line, column) for name, column in DOCUMENT_COLUMNS.items()}
            position = len(documents) + 1
            where = f"{AdbDocument.table}[{position}]"
            title = _required(cells, grid, DOCUMENT_COLUMNS, where, sheet)
            if title is None:
                continue
            documents.append(
                AdbDocument(
                    position,
                    title=title,
                    document_type=cells["document_type"],
                    document_date=sheet.read(
                        parse_month,
                        DOCUMENT_COLUMNS["document_date"],
                        cells["document_date"],
                        f"{AdbDocument.table}.document_date[{position}]",
                    ),
                )
            )
    return documents


def _read_tenders(layout: _Layout, sheet: _Sheet) -> list[AdbTender]:
    tenders: list[AdbTender] = []
    for grid in layout.grids_headed(TENDER_COLUMNS["title"]):
        for line in grid.rows:
            cells = {name: grid.cell(line, column) for name, column in TENDER_COLUMNS.items()}
            position = len(tenders) + 1
            title = _required(cells, grid, TENDER_COLUMNS, f"{AdbTender.table}[{position}]", sheet)
            if title is None:
                continue
            where = f"{AdbTender.table}.{{}}[{position}]"
            tenders.append(
                AdbTender(
                    position,
                    title=title,
                    tender_type=cells["tender_type"],
                    status=cells["status"],
                    posting_date=sheet.read(
                        parse_date,
                        TENDER_COLUMNS["posting_date"],
                        cells["posting_date"],
                        where.format("posting_date"),
                    ),
                    deadline_date=sheet.read(
                        parse_date,
                        TENDER_COLUMNS["deadline_date"],
                        cells["deadline_date"],
                        where.format("deadline_date"),
                    ),
                )
            )
    return tenders


def _required(
    cells: dict[str, str | None],
    grid: _Grid,
    columns: dict[str, str],
    where: str,
    sheet: _Sheet,
) -> str | None:
    """A row's title; a row without one is left out, and noted with what it holds."""
    if cells["title"] is not None:
        return cells["title"]
    held = " | ".join(cell for cell in cells.values() if cell)
    sheet.unreadable(where, held, f"{grid.title}: a row has no {columns['title']!r}")
    return None


# --- Closed loans: the loan utilization; the contracts awarded ---------------------------------

# "Financing Plan | Loan Utilization": the plan's rows (Project Cost, ADB, Counterpart,
# Cofinancing) beside the cumulative contract awards and disbursements (Date, ADB, Others, Net
# Percentage), in US$ million ("Total (Amount in US$ million)").
UTILIZATION_PLAN_ROWS: dict[str, str] = {
    "project cost": "financing_total",
    "total": "financing_total",
    "adb": "financing_adb",
    "cofinancing": "financing_cofinancing",
    # one counterpart amount, unsplit: the government's, as in the 2014-15 layout
    "counterpart": "financing_counterpart_government",
}
UTILIZATION_MEASURES = {
    "cumulative contract awards": "contract_awards",
    "cumulative disbursements": "disbursements",
}
_UTILIZATION_UNIT = re.compile(r"(?:US\$|USD)?\s*(?P<unit>thousand|million|billion)", re.IGNORECASE)
_UNIT_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_PERCENTAGE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*%?")


def _read_loan_utilization(
    layout: _Layout, fields: _Fields, sheet: _Sheet
) -> list[AdbLoanUtilization]:
    rows = layout.utilization
    if not rows:
        return []
    unit = next(
        (m for cells in rows for cell in cells if (m := _UTILIZATION_UNIT.search(cell))), None
    )
    scale = _UNIT_SCALES[unit["unit"].casefold()] if unit else 1
    source = f"Financing Plan/{LOAN_UTILIZATION}"
    measure: str | None = None
    found: list[AdbLoanUtilization] = []
    for cells in rows:
        rest = list(cells)
        plan = UTILIZATION_PLAN_ROWS.get((clean_text(rest[0]) or "").casefold()) if rest else None
        if plan is not None and len(rest) >= 2:
            amount = _scaled_amount(rest[1], scale, f"{source}/{rest[0]}", plan, sheet)
            if plan not in fields.values:
                fields.put(plan, amount, source)
            rest = rest[2:]
        cleaned = [clean_text(cell) for cell in rest]
        for cell in cleaned:
            if cell is not None and cell.casefold() in UTILIZATION_MEASURES:
                measure = UTILIZATION_MEASURES[cell.casefold()]
        values = [cell for cell in cleaned if cell is not None]
        if measure is None or not values or _DIGIT.search(values[0]) is None:
            continue
        position = len(found) + 1
        where = f"{AdbLoanUtilization.table}.{{}}[{position}]"
        as_of, adb, others, share = (values + [None] * 4)[:4]
        percentage = None
        if share is not None:
            match = _PERCENTAGE.fullmatch(share)
            if match is None:
                sheet.unreadable(where.format("net_percentage"), share, f"{source}: not a %")
            else:
                percentage = Decimal(match["number"])
        found.append(
            AdbLoanUtilization(
                position,
                measure,
                as_of_date=sheet.read(parse_date, source, as_of, where.format("as_of_date")),
                adb_amount=_scaled_amount(adb, scale, source, where.format("adb_amount"), sheet),
                others_amount=_scaled_amount(
                    others, scale, source, where.format("others_amount"), sheet
                ),
                net_percentage=percentage,
            )
        )
    if any(name in fields.values for name in UTILIZATION_PLAN_ROWS.values()):
        fields.put("currency_code", CURRENCY_CODE, source)
    return found


def _scaled_amount(
    text: str | None, scale: int, label: str, where: str, sheet: _Sheet
) -> Decimal | None:
    if text is None:
        return None
    amount, _ = _money(text, label, where, sheet, scale)
    return amount


# "Contracts Awarded": a grid with a Contractor column, found by its columns' labels.
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("Contract Title", "Contract Description", "Title", "Contract"),
    "contract_date": ("Contract Date", "Date of Contract", "Date"),
    "contractor": ("Contractor", "Contractor Name", "Name of Contractor"),
    "contractor_address": ("Contractor Address", "Address"),
    "executing_agency": ("Executing Agency",),
    "total_amount": (
        "Total Contract Amount (US$)",
        "Total Contract Amount",
        "Contract Amount (US$)",
        "Contract Amount",
    ),
    "adb_amount": (
        "Contract Amount Financed by ADB (US$)",
        "Contract Amount Financed by ADB",
        "Amount Financed by ADB",
        "ADB Financing",
    ),
}


def _contract_columns(grid: _Grid) -> dict[str, str]:
    """The grid's column for each contract field; empty when it is no contracts table."""
    keys = {_key(column): column for column in grid.columns}
    found = {
        name: keys[_key(label)]
        for name, labels in CONTRACT_COLUMNS.items()
        for label in reversed(labels)  # the first spelling listed wins
        if _key(label) in keys
    }
    return found if "contractor" in found and "title" in found else {}


def _read_contracts(layout: _Layout, sheet: _Sheet) -> list[AdbContract]:
    contracts: list[AdbContract] = []
    for grid in layout.grids:
        columns = _contract_columns(grid)
        if not columns:
            continue
        for line in grid.rows:
            cells = {name: grid.cell(line, column) for name, column in columns.items()}
            position = len(contracts) + 1
            where = f"{AdbContract.table}.{{}}[{position}]"
            if cells["title"] is None:
                held = " | ".join(cell for cell in cells.values() if cell)
                sheet.unreadable(
                    f"{AdbContract.table}[{position}]", held, "a contract without a title"
                )
                continue
            amounts = {
                name: sheet.read(
                    parse_amount, grid.source(columns[name]), cells[name], where.format(name)
                )
                for name in ("total_amount", "adb_amount")
                if name in columns
            }
            contracts.append(
                AdbContract(
                    position,
                    cells["title"],
                    contract_date=sheet.read(
                        parse_date,
                        grid.source(columns["contract_date"]),
                        cells.get("contract_date"),
                        where.format("contract_date"),
                    )
                    if "contract_date" in columns
                    else None,
                    contractor=cells.get("contractor"),
                    contractor_address=cells.get("contractor_address"),
                    executing_agency=cells.get("executing_agency"),
                    **amounts,
                )
            )
    return contracts


# --- Completeness: a page cut short -----------------------------------------------------------

# A page cut short (a download, save or export that stopped early) still parses while it holds
# the project number, so each page is checked for what its layout always prints near its end.
# The HTML page of every generation ends with </html>. In the text renderings: the live page's
# last heading is "Procurement Plan" ("None currently available." under it when empty), below
# the PDS disclaimer, the documents and the tenders; every other generation prints the PDS
# disclaimer (below the facts from 2017, above them in the 2014-15 sheet and the 2015 tabbed
# page); the 2014-15 funding table closes with its "TOTAL US$" line. The print view and the
# nonsovereign page are only known from their first part, so for them (as for every text
# page) the check is that the page does not end inside a value: in a "|" cell left open, in
# prose stopped mid-sentence, or in the facts above the Description (which every sheet has).
LIVE_PAGE_LAST_HEADING = "Procurement Plan"
PDS_DISCLAIMER = BOILERPLATE_STARTS[0]
_DISCLAIMED_GENERATIONS = frozenset({"page-2017", "page-2019", "tabbed-2015", "pds-2014"})
_TOTAL_ROW = "total"
# The facts every generation prints above the Description: a whole page never ends among them.
_FACT_KEYS = _keys(
    (
        *PROJECT_NAME,
        *PROJECT_NUMBER,
        *COUNTRY,
        *TEXT_FIELDS["project_status"],
        *PROJECT_TYPE,
        *SOURCE_OF_FUNDING,
        *OPERATIONAL_PRIORITIES,
        *SECTOR,
        *SECTOR_ONLY,
        *SUBSECTOR,
        *BORROWER,
        *TEXT_FIELDS["gender"],
        "Strategic Agendas",
        "Drivers of Change",
    )
)
_VALUE_KEYS = _LIST_KEYS | _SCALAR_KEYS | _AGENCY_KEYS  # the others are prose
# Below a list, every layout goes on (the Timetable follows the executing agencies): a page
# ending in one, or in the facts, was cut; a whole one may end with a date or a paragraph.
_NEVER_LAST_KEYS = _FACT_KEYS | _LIST_KEYS | _AGENCY_KEYS
# How a sentence, and so a whole paragraph, ends (before any closing quotes): a cut
# mid-paragraph rarely falls there.
_SENTENCE_ENDS = frozenset(".!?")
_CLOSING_QUOTES = "\"'\u201d\u2019"


def _flag_cut_short(parsed: ParsedSheet, text: str | None, layout: _Layout) -> ParsedSheet:
    """The sheet with its `cut_short_reason`; `text` is the text page, or for an HTML page
    "" when it reaches its </html> and None when it does not."""
    reason = _cut_short(text, layout, parsed.record)
    if reason is None:
        return parsed
    record = dataclasses.replace(parsed.record, cut_short_reason=reason)
    return dataclasses.replace(parsed, record=record)


def _cut_short(text: str | None, layout: _Layout, record: AdbProject) -> str | None:
    """Why a page is cut short (it lacks what its layout always prints), None if it is whole."""
    generation = record.layout or ""
    if layout.sources is _HTML_SOURCES:
        return None if text is not None else "cut short: no closing </html>"
    assert text is not None  # a text page is given whole
    lines = [stripped for line in text.split("\n") if (stripped := line.strip())]
    if generation == "live-2025":
        heading = _key(LIVE_PAGE_LAST_HEADING)
        if not any(_key(line.strip("| ")) == heading for line in lines):
            return f"cut short: no {LIVE_PAGE_LAST_HEADING!r}, the live page's last heading"
    elif generation in _DISCLAIMED_GENERATIONS and PDS_DISCLAIMER not in text:
        return "cut short: no PDS disclaimer, which every page of its layout prints"
    funding_tables = layout.grids_headed(APPROVED_AMOUNTS_COLUMNS[0])
    if generation == "pds-2014" and not funding_tables and _has_approvals(record):
        return "cut short: no funding table, which an approved project's sheet has"
    for title in (MILESTONES, FINANCING_PLAN):
        if any(not grid.rows for grid in layout.grids_titled(title)):
            return f"cut short: the {title} table has no row"
    for grid in funding_tables:
        first = grid.columns[0]
        if not any(_key(grid.cell(row, first) or "").startswith(_TOTAL_ROW) for row in grid.rows):
            return "cut short: the funding table has no TOTAL line"
    return _ends_inside_a_value(lines[-1] if lines else "", layout)


def _ends_inside_a_value(last_line: str, layout: _Layout) -> str | None:
    """Why a text page ends inside a value or a label (a page cut short), if it does."""
    if not layout.rows:
        return "cut short: no labelled rows below the heading"
    row = layout.rows[-1]
    key = _key(row.label)
    if key in _NEVER_LAST_KEYS:
        return f"cut short: ends in the facts, at {row.label!r}"
    tail = _TRAILING_DASH.sub("", _BULLET.sub("", last_line)).strip()
    if _is_label_cut_short(tail):
        return f"cut short: ends inside a label ({tail!r})"
    value_end = row.text.rstrip().rsplit("\n", 1)[-1].strip()
    if not value_end and _key(tail) == key:
        return f"cut short: ends at {row.label!r}, before its value"
    if last_line.endswith("|") or not value_end or not tail.endswith(value_end):
        return None  # the last cell is closed, or the page goes on below its last row
    if layout.rendering == "pipe":
        return f"cut short: ends inside {row.label!r}, its cell not closed by '|'"
    ends_sentence = tail.rstrip(_CLOSING_QUOTES)[-1:] in _SENTENCE_ENDS
    if key in _ROW_LABEL_KEYS and key not in _VALUE_KEYS and not ends_sentence:
        return f"cut short: ends inside {row.label!r}, mid-sentence"
    return None


# The statuses of a project not (or not yet) approved: the others have approvals to list.
_UNAPPROVED_STATUSES = frozenset({"proposed", "dropped / terminated"})


def _has_approvals(record: AdbProject) -> bool:
    status = _key(record.project_status or "")
    return bool(status) and status not in _UNAPPROVED_STATUSES


def _is_label_cut_short(line: str) -> bool:
    """Whether a line is the start of a row label, not the whole of one."""
    key = line.casefold()
    return bool(key) and any(
        label.casefold().startswith(key) and label.casefold() != key
        for label in _line_label_spellings()
    )

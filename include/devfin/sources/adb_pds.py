"""ADB Project Data Sheets (source `adb_pds`): one sheet's page in, its typed records out.

A sheet comes as the live HTML page or as its plain-text rendering. Each format is cut into the
same layout (heading, labelled rows, grids), from which one set of readers builds the records:
so both formats of a sheet give the same records, `missing_labels` and `repairs`. Everything is
found by its label, never by position alone: a template change degrades one field, not the sheet.

The text rendering: the first line is the title, the lines below it up to "Project Details" the
summary. `Label | value |` lines are rows; a value may go on over the lines below (a blank line
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
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from devfin.errors import ParseError
from devfin.records import (
    AdbDisbursement,
    AdbDocument,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbOperationalPriority,
    AdbProject,
    AdbProjectCountry,
    AdbProjectSector,
    AdbTender,
    ParsedSheet,
)
from devfin.sources._html import (
    Node,
    Table,
    has_class,
    inner_text,
    labelled_values,
    parse_html,
    read_grid,
    read_table,
    split_at_markers,
)
from devfin.text import (
    DOUBLED_APOSTROPHE,
    DOUBLED_APOSTROPHE_REPAIR,
    clean_text,
    looks_like_html,
    page_text,
    parse_amount,
    parse_date,
    parse_month,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SOURCE_KEY = "adb_pds"

# The label vocabulary. Labels match ignoring case and the spacing around "/"; where a tuple
# holds several spellings, the first is the current template's and the others older ones'.
# A label that is absent degrades its field (None, listed in `missing_labels`); a value that is
# present but cannot be read raises ParseError(reason="bad_value"), so it is never lost silently.
PROJECT_NUMBER = ("Project Number",)
PROJECT_NAME = ("Project Name",)
COUNTRY = ("Country / Economy", "Country")
SECTOR = ("Sector / Subsector",)
OPERATIONAL_PRIORITIES = ("Operational Priorities",)
SOURCE_OF_FUNDING = ("Source of Funding / Amount",)
EXECUTING_AGENCIES = ("Executing Agencies",)
FACT_FINDING = ("Fact Finding",)

# Rows whose value is copied as text into the field of the same name.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "project_name": PROJECT_NAME,
    "project_number": PROJECT_NUMBER,
    "project_status": ("Project Status",),
    "project_type": ("Project Type / Modality of Assistance",),
    "source_of_funding": SOURCE_OF_FUNDING,
    "gender": ("Gender", "Gender Equity and Mainstreaming"),
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
    "last_pds_update_date": ("Last PDS Update",),
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


_ROW_LABEL_KEYS = _keys(
    label
    for labels in (
        *TEXT_FIELDS.values(),
        *DATE_FIELDS.values(),
        COUNTRY,
        SECTOR,
        OPERATIONAL_PRIORITIES,
        EXECUTING_AGENCIES,
        FACT_FINDING,
        SECTION_LABELS,
    )
    for label in labels
)
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

    def error(self, message: str, reason: str) -> ParseError:
        # Values in messages are quoted as the page wrote them.
        message = message.replace(_REPAIR_MARK, DOUBLED_APOSTROPHE)
        return ParseError(message, reason=reason, sheet_id=self.sheet_id, url=self.url)

    def read(self, convert: Callable[[str | None], T], label: str, value: str | None) -> T:
        """A value converted, or ParseError(bad_value) naming the label and the value."""
        try:
            return convert(value)
        except ValueError as error:
            raise self.error(f"{label}: {error}", "bad_value") from error


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
class _Layout:
    """A page cut into its parts, whatever its format: heading, labelled rows and grids."""

    sources: _Sources
    heading: list[str]  # the title, then the summary's lines
    rows: list[_Row]
    grids: list[_Grid]
    captions: list[str]  # the lines just above the Milestones grids: TA or loan numbers

    @functools.cached_property
    def _rows_by_key(self) -> dict[str, tuple[int, _Row]]:
        """Each label key's first row, with its place on the page."""
        first: dict[str, tuple[int, _Row]] = {}
        for index, row in enumerate(self.rows):
            first.setdefault(_key(row.label), (index, row))
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
    try:
        text = page_text(content)
    except UnicodeDecodeError as error:
        raise sheet.error(f"page is not UTF-8 text: {error}", "not_a_data_sheet") from error
    if _REPAIR_MARK in text:
        raise sheet.error("page holds U+FDD0, a Unicode noncharacter", "bad_value")
    if looks_like_html(text):
        layout = _html_layout(text, sheet)
    else:
        layout = _text_layout(_mark_repairs(text), sheet)
    return _read_sheet(layout, sheet)


def _read_sheet(layout: _Layout, sheet: _Sheet) -> ParsedSheet:
    if layout.row(PROJECT_NUMBER) is None:
        raise sheet.error(
            f"no {PROJECT_NUMBER[0]!r} label: not an ADB project data sheet", "not_a_data_sheet"
        )
    fields = _Fields()
    _read_heading(layout, fields)
    _read_text_fields(layout, fields)
    for name, labels in (("project_number", PROJECT_NUMBER), ("project_name", PROJECT_NAME)):
        if name not in fields.values:
            raise sheet.error(f"{labels[0]!r} is missing or empty", "missing_field")
    _read_timetable(layout, fields, sheet)
    _read_milestones(layout, fields, sheet)
    children: dict[str, list[Any]] = {
        AdbProjectCountry.table: _read_countries(layout, fields),
        AdbOperationalPriority.table: _read_operational_priorities(layout, fields, sheet),
        AdbProjectSector.table: _read_sectors(layout, fields),
        AdbFundingSource.table: _read_funding_sources(layout, sheet),
        AdbExecutingAgency.table: _read_executing_agencies(layout, fields),
        AdbDisbursement.table: _read_financing(layout, fields, sheet),
        AdbDocument.table: _read_documents(layout, sheet),
        AdbTender.table: _read_tenders(layout, sheet),
    }
    record, mended = _mend(AdbProject(**fields.values))
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
    lines: list[list[str]] = field(default_factory=list)  # the non-empty cells of each line
    cells: list[list[str]] = field(default_factory=list)  # each cell's lines: a cell may span

    def add(self, cells: list[str], *, continues: bool = False) -> None:
        """One line's cells; with `continues`, its first cell goes on with the last one."""
        self.lines.append([cell for cell in cells if cell])
        if continues and self.cells and cells:
            self.cells[-1].append(cells[0])
            cells = cells[1:]
        self.cells.extend([cell] for cell in cells)

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
        return _Row(self.label, text, tuple(entries))


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
    row: _TextRow | None = None
    cell_open = False  # the row's last cell has not been closed by a "|" yet
    loose_text: list[str] = []  # free text since the last row or grid
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        cells = _cells(line) if "|" in line else []
        if cells and _is_row_label(cells[0]):
            row = _TextRow(label=_label(cells[0]))
            row.add(cells[1:])
            rows.append(row)
            cell_open, loose_text = not stripped.endswith("|"), []
        elif _starts_grid(lines, index):
            grid, index = _read_grid(lines, index, sheet)
            grids.append(grid)
            if _key(grid.title) == _key(MILESTONES):
                captions.extend(loose_text)
            row, cell_open, loose_text = None, False, []
            continue
        elif row is not None and cell_open:
            row.add(cells if cells else [stripped], continues=True)
            cell_open = not stripped.endswith("|")
        elif row is not None and not cells and _opens_spanning_cell(row, lines, index):
            row.add([stripped])
            cell_open = True
        elif not cells:
            row = None
            if stripped:
                (loose_text if rows or grids else preamble).append(stripped)
        elif _SEPARATOR.fullmatch(line) or not any(cells):
            pass  # rules and the empty cells that pad a row to the table's width
        elif row is not None and _continues(row, cells):
            row.add(cells)
        else:
            row = None  # a row of a label not in the vocabulary: it must not leak into the last
        index += 1
    heading = preamble[: preamble.index(SUMMARY_END)] if SUMMARY_END in preamble else preamble
    return _Layout(_TEXT_SOURCES, heading, [each.row() for each in rows], grids, captions)


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
        raise sheet.error(
            f"{title}: sub-headings {subheadings} belong to no known column", "bad_value"
        )
    return tuple(_label(column) for column in columns), index


def _looks_like_value(cell: str) -> bool:
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
        raise sheet.error(
            f"{title}: {len(cells)} cells for {len(columns)} columns {list(columns)}: {cells}",
            "bad_value",
        )
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
    grids, captions = _html_grids(root, sheet)
    return _Layout(_HTML_SOURCES, _html_heading(root), _html_rows(root), grids, captions)


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
    """The "Fund | Amount" rows of the fund table (its subhead rows name the loan: skipped)."""
    tables = [table for value in values for table in value.css("table")]
    if not tables:
        return _html_plain_row(label, values)
    table = next((t for t in tables if has_class(t, FUND_TABLE_CLASS)), tables[0])
    lines = [
        [cell for cell in (_mark_repairs(text).strip() for text in row) if cell]
        for row in read_table(table, skip_row=_is_fund_subhead).rows
    ]
    text = "\n".join(" ".join(cells) for cells in lines)
    return _Row(label, text, tuple(_Entry(cell) for cells in lines for cell in cells))


def _is_fund_subhead(row: Node) -> bool:
    return has_class(row, FUND_SUBHEAD_CLASS)


def _html_grids(root: Node, sheet: _Sheet) -> tuple[list[_Grid], list[str]]:
    """The page's grids, and the lines just above its Milestones grids."""
    grids: list[_Grid] = []
    captions: list[str] = []
    for node in root.css("table"):
        table = read_grid(node)
        if table is None:
            continue  # a fund table, a table of labelled rows
        grid = _html_grid(table, sheet)
        grids.append(grid)
        if _key(grid.title) == _key(MILESTONES):
            captions.extend(_lines_above(node, root))
    return grids, captions


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
    """The title (the first line) and the lead paragraphs below it."""
    if layout.heading:
        fields.put("title", clean_text(layout.heading[0]), layout.sources.title)
        fields.put("summary", clean_text("\n".join(layout.heading[1:])), layout.sources.summary)


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
            fields.put(name, sheet.read(parse_date, row.label, row.text), row.label)
    row = layout.row(FACT_FINDING)
    if row is None:
        fields.miss(FACT_FINDING[0])
        return
    # "15 Jul 2020 to 15 Jul 2020"; a single date is a start with no end given.
    text = clean_text(row.text)
    parts = _DATE_RANGE.split(text) if text else []
    if len(parts) > 2:
        raise sheet.error(f"{row.label}: not a date range: {text!r}", "bad_value")
    if parts:
        fields.put(
            "fact_finding_start_date", sheet.read(parse_date, row.label, parts[0]), row.label
        )
    if len(parts) == 2:
        fields.put("fact_finding_end_date", sheet.read(parse_date, row.label, parts[1]), row.label)


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
        value = sheet.read(parse_date, grid.source(column), grid.cell(row, column))
        given = fields.values.get(name)
        # A date also given by the Timetable ("Approval") must agree with it.
        if given is not None and value is not None and given != value:
            raise sheet.error(
                f"{grid.source(column)} {value.isoformat()} disagrees with "
                f"{fields.provenance[name]} {given.isoformat()}",
                "bad_value",
            )
        if given is None:
            fields.put(name, value, grid.source(column))


def _read_financing(layout: _Layout, fields: _Fields, sheet: _Sheet) -> list[AdbDisbursement]:
    """The financing plan into the record; the cumulative disbursements as child rows."""
    grids = layout.grids_titled(FINANCING_PLAN)
    if not grids:
        fields.miss(FINANCING_PLAN)
        return []
    grid = grids[0]
    row = grid.rows[0] if grid.rows else {}
    for name, column in FINANCING_COLUMNS.items():
        if grid.has(column):
            fields.put(
                name,
                sheet.read(parse_amount, grid.source(column), grid.cell(row, column)),
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
            as_of = sheet.read(parse_date, each.source(date_column), each.cell(line, date_column))
            amount = sheet.read(
                parse_amount, each.source(amount_column), each.cell(line, amount_column)
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
    row = layout.row(SECTOR)
    if row is None:
        fields.miss(SECTOR[0])
        return []
    sectors = [
        AdbProjectSector(position, sector, subsector)
        for position, (sector, subsector) in enumerate(row.cleaned_entries(), 1)
    ]
    if sectors:
        fields.put("sector", sectors[0].sector, row.label)
        fields.put("subsector", sectors[0].subsector, row.label)
    return sectors


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
        raise sheet.error(f"{row.label}: text before the first OPn code: {lead!r}", "bad_value")
    return [
        AdbOperationalPriority(position, code, clean_text(name) or "")
        for position, (code, name) in enumerate(zip(coded[::2], coded[1::2], strict=True), 1)
    ]


def _read_funding_sources(layout: _Layout, sheet: _Sheet) -> list[AdbFundingSource]:
    row = layout.row(SOURCE_OF_FUNDING)
    if row is None:
        return []  # the label is listed as missing with the text fields
    sources: list[AdbFundingSource] = []
    # Cells alternate "fund name", "amount"; a fund may be listed without an amount.
    for item, _ in row.cleaned_entries():
        if not _looks_like_value(item):
            sources.append(AdbFundingSource(len(sources) + 1, item))
            continue
        if not sources or sources[-1].amount is not None:
            raise sheet.error(f"{row.label}: amount {item!r} follows no fund name", "bad_value")
        amount = sheet.read(parse_amount, row.label, item)
        last = sources.pop()
        sources.append(AdbFundingSource(last.position, last.fund_name, amount, CURRENCY_CODE))
    return sources


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
        for line in grid.rows:
            cells = {name: grid.cell(line, column) for name, column in DOCUMENT_COLUMNS.items()}
            documents.append(
                AdbDocument(
                    len(documents) + 1,
                    title=_required(cells["title"], grid, DOCUMENT_COLUMNS["title"], sheet),
                    document_type=cells["document_type"],
                    document_date=sheet.read(
                        parse_month, DOCUMENT_COLUMNS["document_date"], cells["document_date"]
                    ),
                )
            )
    return documents


def _read_tenders(layout: _Layout, sheet: _Sheet) -> list[AdbTender]:
    tenders: list[AdbTender] = []
    for grid in layout.grids_headed(TENDER_COLUMNS["title"]):
        for line in grid.rows:
            cells = {name: grid.cell(line, column) for name, column in TENDER_COLUMNS.items()}
            tenders.append(
                AdbTender(
                    len(tenders) + 1,
                    title=_required(cells["title"], grid, TENDER_COLUMNS["title"], sheet),
                    tender_type=cells["tender_type"],
                    status=cells["status"],
                    posting_date=sheet.read(
                        parse_date, TENDER_COLUMNS["posting_date"], cells["posting_date"]
                    ),
                    deadline_date=sheet.read(
                        parse_date, TENDER_COLUMNS["deadline_date"], cells["deadline_date"]
                    ),
                )
            )
    return tenders


def _required(value: str | None, grid: _Grid, column: str, sheet: _Sheet) -> str:
    if value is None:
        raise sheet.error(f"{grid.title}: a row has no {column!r}", "bad_value")
    return value

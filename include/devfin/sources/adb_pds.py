"""ADB Project Data Sheets (source `adb_pds`): one sheet's page in, its typed records out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

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
from devfin.text import (
    clean_text,
    looks_like_html,
    page_text,
    parse_amount,
    parse_date,
    parse_month,
)

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

_OPERATIONAL_PRIORITY_CODE = re.compile(r"\b(OP\d+)\s*:\s*")
_SECTOR_SUBSECTOR = re.compile(r"\s+/\s+")
_DATE_RANGE = re.compile(r"\s+to\s+", re.IGNORECASE)
_SEPARATOR = re.compile(r"[\s|:]*-{3,}[\s|:-]*")

T = TypeVar("T")


def _key(label: str) -> str:
    """A label's matching key: case and the spacing around "/" are template noise."""
    return re.sub(r"\s*/\s*", "/", clean_text(label) or "").casefold()


def _keys(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(_key(label) for label in labels)


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
# Rows whose value is a nested table of "Fund | Amount" lines rather than one cell.
_NESTED_TABLE_ROW_KEYS = _keys(SOURCE_OF_FUNDING)
_SUBCOLUMN_KEYS = {_key(column): _keys(subs) for column, subs in SUBCOLUMNS.items()}


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


@dataclass
class _Row:
    """One "Label | value |" row; its value may continue on the lines below."""

    label: str
    lines: list[list[str]] = field(default_factory=list)  # the non-empty cells of each line

    def add(self, cells: Iterable[str]) -> None:
        self.lines.append([cell for cell in cells if cell])

    def items(self) -> list[str]:
        """Every non-empty cell: the entries of a list value (countries, agencies)."""
        return [item for cells in self.lines for cell in cells if (item := clean_text(cell))]

    def text(self) -> str | None:
        return clean_text("\n".join(" ".join(cells) for cells in self.lines))


@dataclass(frozen=True)
class _Grid:
    """A table: its column labels (nested ones as "Closing/Original") and its value rows."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]  # column key -> cell; cells absent from a line are absent

    def has(self, column: str) -> bool:
        return _key(column) in _keys(self.columns)

    def cell(self, row: dict[str, str], column: str) -> str | None:
        return clean_text(row.get(_key(column)))

    def source(self, column: str) -> str:
        return f"{self.title}/{column}"


@dataclass
class _Layout:
    """A text page cut into its parts: free text, labelled rows and grids."""

    preamble: list[str] = field(default_factory=list)  # free text above the first row
    rows: list[_Row] = field(default_factory=list)
    grids: list[_Grid] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # free text just above Milestones grids

    def row(self, labels: tuple[str, ...]) -> _Row | None:
        keys = _keys(labels)
        return next((row for row in self.rows if _key(row.label) in keys), None)

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
    if looks_like_html(text):
        return _parse_html(text, sheet)
    return _parse_text(text, sheet)


def _parse_html(text: str, sheet: _Sheet) -> ParsedSheet:
    # Until the HTML layout is parsed, such a page is quarantined with this reason, not crashed on.
    raise sheet.error(f"{SOURCE_KEY}: HTML pages are not parsed yet", "unsupported_format")


def _parse_text(text: str, sheet: _Sheet) -> ParsedSheet:
    layout = _scan(text.split("\n"), sheet)
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
    return ParsedSheet(
        source=SOURCE_KEY,
        record=AdbProject(**fields.values),
        children=children,
        provenance=fields.provenance,
        missing_labels=tuple(fields.missing),
    )


# --- Cutting the page into free text, rows and grids -------------------------------------


def _scan(lines: list[str], sheet: _Sheet) -> _Layout:
    layout = _Layout()
    row: _Row | None = None
    cell_open = False  # the row's last cell has not been closed by a "|" yet
    loose_text: list[str] = []  # free text since the last row or grid
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        cells = _cells(line) if "|" in line else []
        if cells and _key(cells[0]) in _ROW_LABEL_KEYS:
            row = _Row(label=clean_text(cells[0]) or "")
            row.add(cells[1:])
            layout.rows.append(row)
            cell_open, loose_text = not stripped.endswith("|"), []
        elif _starts_grid(lines, index):
            grid, index = _read_grid(lines, index, sheet)
            layout.grids.append(grid)
            if _key(grid.title) == _key(MILESTONES):
                layout.captions.extend(loose_text)
            row, cell_open, loose_text = None, False, []
            continue
        elif row is not None and cell_open:
            row.add(cells if cells else [stripped])
            cell_open = not stripped.endswith("|")
        elif not cells:
            row = None
            if stripped:
                (loose_text if layout.rows or layout.grids else layout.preamble).append(stripped)
        elif _SEPARATOR.fullmatch(line) or not any(cells):
            pass  # rules and the empty cells that pad a row to the table's width
        elif row is not None and _continues(row, cells):
            row.add(cells)
        else:
            row = None  # a row of a label not in the vocabulary: it must not leak into the last
        index += 1
    return layout


def _continues(row: _Row, cells: list[str]) -> bool:
    """Whether a line without a label of its own carries on the row above.

    It does when it holds one entry of a list (one more country, agency or sector), or one
    "Fund | Amount" line of a nested table. Any other line is a row of a label outside the
    vocabulary, which must not leak into the row above.
    """
    filled = [cell for cell in cells if cell]
    if len(filled) == 1:
        return True
    return _key(row.label) in _NESTED_TABLE_ROW_KEYS and _looks_like_value(filled[-1])


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
    head = [clean_text(cell) or "" for cell in _cells(lines[start])]
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
    return tuple(clean_text(column) or "" for column in columns), index


def _looks_like_value(cell: str) -> bool:
    for convert in (parse_date, parse_amount):
        try:
            convert(cell)
        except ValueError:
            continue
        return True
    return False


def _align(columns: tuple[str, ...], cells: list[str], title: str, sheet: _Sheet) -> dict[str, str]:
    """One value line as column key -> cell; the columns come from the header labels."""
    while cells and not cells[-1]:
        cells = cells[:-1]  # empty trailing cells pad the line to the page table's width
    if len(cells) > len(columns):
        raise sheet.error(
            f"{title}: {len(cells)} cells for {len(columns)} columns {list(columns)}: {cells}",
            "bad_value",
        )
    return {_key(column): cell for column, cell in zip(columns, cells, strict=False)}


# --- Reading the parent record's fields ---------------------------------------------------


def _read_heading(layout: _Layout, fields: _Fields) -> None:
    """The title (the first line) and the lead paragraphs below it."""
    heading = layout.preamble
    if SUMMARY_END in heading:
        heading = heading[: heading.index(SUMMARY_END)]
    if heading:
        fields.put("title", clean_text(heading[0]), "(first line)")
        fields.put("summary", clean_text("\n".join(heading[1:])), f"(lines above {SUMMARY_END})")


def _read_text_fields(layout: _Layout, fields: _Fields) -> None:
    for name, labels in TEXT_FIELDS.items():
        row = layout.row(labels)
        if row is None:
            fields.miss(labels[0])
        else:
            fields.put(name, row.text(), row.label)


def _read_timetable(layout: _Layout, fields: _Fields, sheet: _Sheet) -> None:
    for name, labels in DATE_FIELDS.items():
        row = layout.row(labels)
        if row is None:
            fields.miss(labels[0])
        else:
            fields.put(name, sheet.read(parse_date, row.label, row.text()), row.label)
    row = layout.row(FACT_FINDING)
    if row is None:
        fields.miss(FACT_FINDING[0])
        return
    # "15 Jul 2020 to 15 Jul 2020"; a single date is a start with no end given.
    text = row.text()
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
        f"(line above {MILESTONES})",
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
    countries = row.items()
    # The record's single-valued column holds the first listed; the child rows hold them all.
    fields.put("country", countries[0] if countries else None, row.label)
    return [AdbProjectCountry(position, name) for position, name in enumerate(countries, 1)]


def _read_sectors(layout: _Layout, fields: _Fields) -> list[AdbProjectSector]:
    row = layout.row(SECTOR)
    if row is None:
        fields.miss(SECTOR[0])
        return []
    sectors: list[AdbProjectSector] = []
    for position, item in enumerate(row.items(), 1):
        # "Sector / Subsector"; subsector names may hold a " - ", never a " / ".
        sector, *subsector = _SECTOR_SUBSECTOR.split(item, maxsplit=1)
        sectors.append(AdbProjectSector(position, sector, subsector[0] if subsector else None))
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
    text = " ".join(row.items())
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
    for item in row.items():
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
    return [AdbExecutingAgency(position, name) for position, name in enumerate(row.items(), 1)]


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

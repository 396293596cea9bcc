"""Typed records of the data sheets; their field names are the staging columns."""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

PARSER_VERSION = "2.0.0"


@dataclass(frozen=True)
class AdbProject:
    """One ADB Project Data Sheet: the row of `staging.adb_projects`."""

    table: ClassVar[str] = "adb_projects"

    project_number: str
    project_name: str | None = None  # None only where the page was cut before it
    layout: str | None = None  # the layout generation the parser read (see `sources.adb_pds`)
    title: str | None = None  # the page heading, "Country : Project name"
    summary: str | None = None  # the lead paragraphs above "Project Details"
    country: str | None = None
    project_status: str | None = None
    project_type: str | None = None  # the types of assistance, ", "-joined ("Grant, Loan")
    operation_type: str | None = None  # "sovereign" or "nonsovereign", where the page says
    borrower: str | None = None  # nonsovereign projects: "Borrower/Company"
    source_of_funding: str | None = None  # the raw "Source of Funding / Amount" cell
    sector: str | None = None
    subsector: str | None = None
    gender: str | None = None
    description: str | None = None
    rationale: str | None = None
    impact: str | None = None
    outcome: str | None = None
    progress_toward_outcome: str | None = None
    outputs: str | None = None
    implementation_progress: str | None = None
    geographical_location: str | None = None
    environmental_aspects: str | None = None
    involuntary_resettlement: str | None = None
    indigenous_peoples: str | None = None
    stakeholder_participation_design: str | None = None
    stakeholder_participation_implementation: str | None = None
    consulting_services: str | None = None
    procurement: str | None = None
    project_officer: str | None = None
    responsible_department: str | None = None
    responsible_division: str | None = None
    ta_or_loan_numbers: str | None = None
    concept_clearance_date: date | None = None
    fact_finding_start_date: date | None = None
    fact_finding_end_date: date | None = None
    mrm_date: date | None = None
    approval_date: date | None = None
    last_review_mission_date: date | None = None
    last_pds_update_date: date | None = None
    signing_date: date | None = None
    effectivity_date: date | None = None
    closing_date_original: date | None = None
    closing_date_revised: date | None = None
    closing_date_actual: date | None = None
    financing_adb: Decimal | None = None
    financing_cofinancing: Decimal | None = None
    financing_counterpart_government: Decimal | None = None
    financing_counterpart_beneficiaries: Decimal | None = None
    financing_counterpart_project_sponsor: Decimal | None = None
    financing_counterpart_others: Decimal | None = None
    financing_total: Decimal | None = None
    currency_code: str | None = None
    # Why the page is cut short (it lacks what its layout always prints), None when whole.
    cut_short_reason: str | None = None


@dataclass(frozen=True)
class AdbProjectCountry:
    table: ClassVar[str] = "adb_project_countries"

    position: int
    country: str


@dataclass(frozen=True)
class AdbOperationalPriority:
    table: ClassVar[str] = "adb_operational_priorities"

    position: int
    code: str  # OP1 … OP7
    name: str


@dataclass(frozen=True)
class AdbProjectSector:
    table: ClassVar[str] = "adb_project_sectors"

    position: int
    sector: str
    subsector: str | None = None


@dataclass(frozen=True)
class AdbFundingSource:
    table: ClassVar[str] = "adb_funding_sources"

    position: int
    fund_name: str
    amount: Decimal | None = None  # in `currency_code`, never converted
    currency_code: str | None = None
    assistance_type: str | None = None  # Loan, Grant, TA, MFF, ... of the approval it funds
    approval_number: str | None = None  # "2060-PAK", "3133"
    approval_title: str | None = None  # "Loan 2060-PAK: <its title>"


@dataclass(frozen=True)
class AdbExecutingAgency:
    table: ClassVar[str] = "adb_executing_agencies"

    position: int
    name: str
    address: str | None = None


@dataclass(frozen=True)
class AdbDisbursement:
    table: ClassVar[str] = "adb_disbursements"

    position: int
    as_of_date: date | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class AdbDocument:
    table: ClassVar[str] = "adb_documents"

    position: int
    title: str
    document_type: str | None = None
    document_date: date | None = None  # month precision: the first day of the month


@dataclass(frozen=True)
class AdbTender:
    table: ClassVar[str] = "adb_tenders"

    position: int
    title: str
    tender_type: str | None = None
    status: str | None = None
    posting_date: date | None = None
    deadline_date: date | None = None


@dataclass(frozen=True)
class AdbLoanUtilization:
    """A row of a closed loan's "Loan Utilization" table: cumulative contract awards or
    disbursements as of a date (amounts in US dollars, converted from the table's millions)."""

    table: ClassVar[str] = "adb_loan_utilization"

    position: int
    measure: str  # "contract_awards" or "disbursements"
    as_of_date: date | None = None
    adb_amount: Decimal | None = None
    others_amount: Decimal | None = None
    net_percentage: Decimal | None = None  # of the loan, as the page states it (99 for 99%)


@dataclass(frozen=True)
class AdbContract:
    """A row of the "Contracts Awarded" table (amounts in US dollars, as the page states)."""

    table: ClassVar[str] = "adb_contracts"

    position: int
    title: str
    contract_date: date | None = None
    contractor: str | None = None
    contractor_address: str | None = None
    executing_agency: str | None = None
    total_amount: Decimal | None = None
    adb_amount: Decimal | None = None


@dataclass(frozen=True)
class CdiaIntervention:
    """One CDIA city-intervention page: the row of `staging.cdia_interventions`."""

    table: ClassVar[str] = "cdia_interventions"

    title: str
    layout: str | None = None  # the layout generation the parser read (see `sources.cdia`)
    country: str | None = None
    city: str | None = None  # as the page writes it; each city is a row of `cdia_cities`
    study_period_start: date | None = None  # month precision: the first day of the month
    study_period_end: date | None = None  # month precision: the first day of the month
    cdia_support_usd: Decimal | None = None
    expected_downstream_financing_usd: Decimal | None = None
    # "stated" (an amount read) or "to_be_confirmed" ("TBC", with or without an amount)
    expected_downstream_financing_status: str | None = None
    downstream_financier: str | None = None
    land_area_sq_km: Decimal | None = None
    population: int | None = None
    population_year: int | None = None
    city_website: str | None = None
    key_issues: str | None = None
    cooperation_details: str | None = None
    expected_outcomes: str | None = None
    downloads: str | None = None  # the "Download:" link texts, "; "-joined
    # Why the page is cut short (it lacks what its layout always prints), None when whole.
    cut_short_reason: str | None = None


@dataclass(frozen=True)
class CdiaCity:
    table: ClassVar[str] = "cdia_cities"

    position: int
    name: str


@dataclass(frozen=True)
class CdiaStakeholder:
    table: ClassVar[str] = "cdia_stakeholders"

    position: int
    name: str


@dataclass(frozen=True)
class CdiaInfrastructureSector:
    table: ClassVar[str] = "cdia_infrastructure_sectors"

    position: int
    name: str


@dataclass(frozen=True)
class CdiaImpactArea:
    table: ClassVar[str] = "cdia_impact_areas"

    position: int
    name: str


ParentRecord = AdbProject | CdiaIntervention

# Every staging record type, parent first, per source key.
RECORD_TYPES: dict[str, tuple[type, ...]] = {
    "adb_pds": (
        AdbProject,
        AdbProjectCountry,
        AdbOperationalPriority,
        AdbProjectSector,
        AdbFundingSource,
        AdbExecutingAgency,
        AdbDisbursement,
        AdbDocument,
        AdbTender,
        AdbLoanUtilization,
        AdbContract,
    ),
    "cdia": (
        CdiaIntervention,
        CdiaCity,
        CdiaStakeholder,
        CdiaInfrastructureSector,
        CdiaImpactArea,
    ),
}


@dataclass(frozen=True)
class ParsedSheet:
    """What a parser returns for one sheet: the parent record, its child rows and provenance.

    `provenance` maps each filled field of the parent record to the label it was read from;
    `missing_labels` lists the labels the parser looked for and did not find; `repairs` names,
    by kind of repair (such as `doubled_apostrophe`), the fields whose source text the parser
    had to mend, so the quality checks can flag the source even though the record is clean.
    `unparsed` maps each field (or `table.column[position]` of a child row) whose value was on
    the page but could not be read to {"text": the raw text, "reason": why}: the field is
    empty, its text is kept, and a warning check names it.
    """

    source: str
    record: ParentRecord
    children: dict[str, list[Any]] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    missing_labels: tuple[str, ...] = ()
    repairs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unparsed: dict[str, dict[str, str]] = field(default_factory=dict)
    parser_version: str = PARSER_VERSION

    def rows(self, table: str) -> list[Any]:
        """The rows of one staging table in this sheet (the parent table gives one row)."""
        if table == self.record.table:
            return [self.record]
        return self.children.get(table, [])


def as_dict(record: Any) -> dict[str, Any]:
    """A record as a plain dict of its columns (dates and Decimals kept as Python values)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def record_to_json(record: Any) -> dict[str, Any]:
    """A record's columns as JSON values (each parse worker writes thousands a second)."""
    data = dict(vars(record))  # a dataclass's fields, in order, and nothing else
    _, dates, decimals = _json_columns(type(record))
    for name in dates:
        if (value := data[name]) is not None:
            data[name] = value.isoformat()
    for name in decimals:
        if (value := data[name]) is not None:
            data[name] = str(value)
    return data


@functools.cache
def column_types(record_type: type) -> dict[str, type]:
    """Each column of a record type and its Python type (`X | None` gives X)."""
    hints = typing.get_type_hints(record_type)
    types: dict[str, type] = {}
    for f in dataclasses.fields(record_type):
        args = [a for a in typing.get_args(hints[f.name]) if a is not type(None)]
        types[f.name] = args[0] if args else hints[f.name]
    return types


@functools.cache
def _json_columns(record_type: type) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """A record type's columns, and which of them JSON holds as ISO dates and as decimal text."""
    types = column_types(record_type)
    return (
        frozenset(types),
        tuple(name for name, kind in types.items() if kind is date),
        tuple(name for name, kind in types.items() if kind is Decimal),
    )


def row_from_json(record_type: type, data: dict[str, Any]) -> dict[str, Any]:
    """A record's columns from its `record_to_json` form, typed as `as_dict` gives them, without
    building the record: the load and the checks read thousands of rows a second this way."""
    names, dates, decimals = _json_columns(record_type)
    row = dict(data) if data.keys() <= names else {k: v for k, v in data.items() if k in names}
    if len(row) < len(names):
        for name in names - row.keys():
            row[name] = None
    for name in dates:
        if (value := row[name]) is not None:
            row[name] = date.fromisoformat(value)
    for name in decimals:
        if (value := row[name]) is not None:
            row[name] = Decimal(value)
    return row


def record_from_json(record_type: type, data: dict[str, Any]) -> Any:
    """The inverse of `record_to_json`."""
    return record_type(**row_from_json(record_type, data))


TABLE_TYPES: dict[str, type] = {t.table: t for types in RECORD_TYPES.values() for t in types}


def parsed_sheet_to_json(sheet: ParsedSheet) -> dict[str, Any]:
    return {
        "source": sheet.source,
        "record": record_to_json(sheet.record),
        "children": {t: [record_to_json(r) for r in rows] for t, rows in sheet.children.items()},
        "provenance": sheet.provenance,
        "missing_labels": list(sheet.missing_labels),
        "repairs": {kind: list(fields) for kind, fields in sheet.repairs.items()},
        "unparsed": {name: dict(detail) for name, detail in sheet.unparsed.items()},
        "parser_version": sheet.parser_version,
    }


def parsed_sheet_from_json(data: dict[str, Any]) -> ParsedSheet:
    parent_type = RECORD_TYPES[data["source"]][0]
    return ParsedSheet(
        source=data["source"],
        record=record_from_json(parent_type, data["record"]),
        children={
            table: [record_from_json(TABLE_TYPES[table], row) for row in rows]
            for table, rows in data["children"].items()
        },
        provenance=data["provenance"],
        missing_labels=tuple(data["missing_labels"]),
        repairs={kind: tuple(fields) for kind, fields in data.get("repairs", {}).items()},
        unparsed={name: dict(detail) for name, detail in data.get("unparsed", {}).items()},
        parser_version=data["parser_version"],
    )

"""The typed records of ADB Project Data Sheets; their field names are the staging columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar


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

"""What the renderings of the live page show: its labelled rows by section, and its grids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from devfin.sources.adb_pds.records import (
    AdbContract,
    AdbDisbursement,
    AdbDocument,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbOperationalPriority,
    AdbProjectCountry,
    AdbProjectSector,
    AdbTender,
)
from devfin.sources.adb_pds.samples.draw import Page, fund_amount
from devfin.sources.adb_pds.samples.layout import (
    COUNTRY,
    DATE_LABELS,
    EXECUTING_AGENCIES,
    FACT_FINDING,
    GRANT,
    LOAN,
    MONTHS,
    NONE,
    PRIORITIES_LABEL,
    SECTOR,
    SOURCE_OF_FUNDING,
    TECHNICAL_ASSISTANCE,
    TEXT_LABELS,
)

# --- What both renderings show ---------------------------------------------------------------


@dataclass(frozen=True)
class Date:
    text: str  # "14 Sep 2020", "-", or the impossible date of a spoiled page


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]
    one_line: bool = False  # the text rendering writes them on one line (the OPs)


@dataclass(frozen=True)
class Sectors:
    items: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Agencies:
    items: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Funds:
    subheads: tuple[str, ...]  # on the HTML page only: the loan each fund row is under
    rows: tuple[tuple[str, str], ...]  # fund name, amount as written


Value = str | Date | Items | Sectors | Agencies | Funds
_Section = tuple[str | None, list[tuple[str, Value]]]  # heading, labelled rows


def _text_label(name: str) -> str:
    return TEXT_LABELS[name]


def _date_text(page: Page, name: str) -> str:
    """A date field of the record as the page writes it (or spoils it)."""
    if page.spoiled is not None and page.spoiled[0] == name:
        return page.spoiled[1]
    return day_text(getattr(page.record, name))


def _money(value: Decimal | None) -> str:
    return NONE if value is None else f"{value:,.2f}"


def page_sections(page: Page) -> list[_Section]:
    """The labelled rows of the page, by section, less the label the page leaves out."""
    record, children = page.record, page.children

    def text(name: str) -> tuple[str, Value]:
        return _text_label(name), getattr(record, name) or ""

    funds = children[AdbFundingSource.table]
    fact_finding = _date_text(page, "fact_finding_start_date")
    if record.fact_finding_end_date is not None:
        fact_finding += f" to {_date_text(page, 'fact_finding_end_date')}"
    sections: list[_Section] = [
        (
            None,
            [
                text("project_name"),
                text("project_number"),
                (COUNTRY, Items(tuple(c.country for c in children[AdbProjectCountry.table]))),
                text("project_status"),
                text("project_type"),
                (
                    SOURCE_OF_FUNDING,
                    Funds(
                        tuple(f"{n}: {record.project_name}" for n in page.loan_numbers),
                        tuple((f.fund_name, fund_amount(f)) for f in funds),
                    ),
                ),
                (
                    PRIORITIES_LABEL,
                    Items(
                        tuple(
                            f"{op.code}: {op.name}" for op in children[AdbOperationalPriority.table]
                        ),
                        one_line=True,
                    ),
                ),
                (
                    SECTOR,
                    Sectors(
                        tuple((s.sector, s.subsector) for s in children[AdbProjectSector.table])
                    ),
                ),
                text("gender"),
                text("description"),
                text("rationale"),
                text("impact"),
            ],
        ),
        ("Project Outcome", [text("outcome"), text("progress_toward_outcome")]),
        (
            "Implementation Progress",
            [text("outputs"), text("implementation_progress"), text("geographical_location")],
        ),
        (
            "Summary of Environmental and Social Aspects",
            [
                text("environmental_aspects"),
                text("involuntary_resettlement"),
                text("indigenous_peoples"),
            ],
        ),
        (
            "Stakeholder Communication, Participation, and Consultation",
            [
                text("stakeholder_participation_design"),
                text("stakeholder_participation_implementation"),
            ],
        ),
        (
            "Business Opportunities",
            [
                text("consulting_services"),
                text("procurement"),
                text("project_officer"),
                text("responsible_department"),
                text("responsible_division"),
                (
                    EXECUTING_AGENCIES,
                    Agencies(
                        tuple((a.name, a.address) for a in children[AdbExecutingAgency.table])
                    ),
                ),
            ],
        ),
        (
            "Timetable",
            [
                (
                    DATE_LABELS["concept_clearance_date"],
                    Date(_date_text(page, "concept_clearance_date")),
                ),
                (FACT_FINDING, Date(fact_finding)),
                *(
                    (DATE_LABELS[name], Date(_date_text(page, name)))
                    for name in (
                        "mrm_date",
                        "approval_date",
                        "last_review_mission_date",
                        "last_pds_update_date",
                    )
                ),
            ],
        ),
    ]
    return [
        (heading, [(label, value) for label, value in rows if label != page.omitted])
        for heading, rows in sections
    ]


_MILESTONE_FIELDS = (
    "approval_date",
    "signing_date",
    "effectivity_date",
    "closing_date_original",
    "closing_date_revised",
    "closing_date_actual",
)
_FINANCING_FIELDS = (
    "financing_adb",
    "financing_cofinancing",
    "financing_counterpart_government",
    "financing_counterpart_beneficiaries",
    "financing_counterpart_project_sponsor",
    "financing_counterpart_others",
    "financing_total",
)


def milestone_cells(page: Page) -> list[str]:
    return [_date_text(page, name) for name in _MILESTONE_FIELDS]


def financing_title(page: Page) -> str:
    kind = {TECHNICAL_ASSISTANCE: "TA", LOAN: "Loan", GRANT: "Grant"}
    return f"Financing Plan/{kind[page.record.project_type or LOAN]} Utilization"


def financing_rows(page: Page) -> list[list[str]]:
    """The financing plan beside the cumulative disbursements: one row per disbursement."""
    amounts = [_money(getattr(page.record, name)) for name in _FINANCING_FIELDS]
    disbursements = [
        [day_text(d.as_of_date), _money(d.amount)] for d in page.children[AdbDisbursement.table]
    ] or [[NONE, NONE]]
    return [
        (amounts if row == 0 else [""] * len(amounts)) + disbursement
        for row, disbursement in enumerate(disbursements)
    ]


def day_text(value: date | None) -> str:
    return NONE if value is None else f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"


def _month_text(value: date | None) -> str:
    return "" if value is None else f"{MONTHS[value.month - 1]} {value.year}"


def document_rows(page: Page) -> list[tuple[str, str, str]]:
    return [
        (d.title, d.document_type or "", _month_text(d.document_date))
        for d in page.children[AdbDocument.table]
    ]


def tender_rows(page: Page) -> list[tuple[str, str, str, str, str]]:
    def day(value: date | None) -> str:
        return "" if value is None else day_text(value)

    return [
        (t.title, t.tender_type or "", t.status or "", day(t.posting_date), day(t.deadline_date))
        for t in page.children[AdbTender.table]
    ]


def contract_rows(page: Page) -> list[tuple[str, ...]]:
    def amount(value: Decimal | None) -> str:
        return NONE if value is None else f"{value:,.2f}"

    return [
        (
            c.title,
            day_text(c.contract_date),
            c.contractor or "",
            c.contractor_address or "",
            c.executing_agency or "",
            amount(c.total_amount),
            amount(c.adb_amount),
        )
        for c in page.children[AdbContract.table]
    ]


def fund_groups(value: Funds) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The fund rows under the approval heading above them, as the HTML fund table has them:
    the first heading above all rows but the last, a second one above the last."""
    rows = list(value.rows)
    if not value.subheads:
        return [(None, rows)]
    if len(value.subheads) == 1:
        return [(value.subheads[0], rows)]
    return [(value.subheads[0], rows[:-1]), (value.subheads[1], rows[-1:])]


def print_funds(page: Page) -> Funds:
    return Funds(
        tuple(f"{n}: {page.record.project_name}" for n in page.loan_numbers),
        tuple((f.fund_name, fund_amount(f)) for f in page.children[AdbFundingSource.table]),
    )

"""The older generations of a sheet: the print view, the 2015 tabbed page, the 2014-15 PDS."""

from __future__ import annotations

from decimal import Decimal

from devfin.sources.adb_pds.records import AdbFundingSource, AdbProjectCountry, AdbProjectSector
from devfin.sources.adb_pds.samples.draw import Page, fund_amount
from devfin.sources.adb_pds.samples.layout import (
    AGENDAS,
    COUNTERPART_ROW,
    DISCLAIMERS,
    GRANT,
    LOAN,
    PDS_DISCLAIMER,
    PDS_FUNDING_HEADER,
    PDS_GENDER,
    PDS_HEAD,
    PRINT_COUNTRY,
    PRINT_GENDER,
    PROJECT_NUMBER,
    SECTOR,
    SOURCE_OF_FUNDING,
    SOVEREIGN_HEADER,
    STRATEGIC_AGENDAS,
    TABS,
    TEXT_LABELS,
    THOUSAND,
)
from devfin.sources.adb_pds.samples.rows import Funds, day_text, fund_groups


def render_print(page: Page) -> str:
    record, children = page.record, page.children
    lines: list[str] = []

    def row(label: str, entries: list[str]) -> None:
        if entries and entries[0]:  # a field left out: its row too
            lines.append(f"{label} {entries[0]}")
            lines.extend(entries[1:])

    row(TEXT_LABELS["project_name"], [record.project_name or ""])
    row(PROJECT_NUMBER, [record.project_number])
    row(PRINT_COUNTRY, [c.country for c in children[AdbProjectCountry.table]])
    row(TEXT_LABELS["project_status"], [record.project_status or ""])
    row(TEXT_LABELS["project_type"], [record.project_type or ""])
    if page.omitted != SOURCE_OF_FUNDING:
        lines.append(SOURCE_OF_FUNDING)
        for heading, funds in fund_groups(print_funds(page)):
            lines += [heading] if heading else []
            lines += [f"{name} {amount}" for name, amount in funds]
    row(STRATEGIC_AGENDAS, list(AGENDAS[: 1 + len(record.project_number) % 2]))
    sectors = [
        f"{s.sector} - {s.subsector}" if s.subsector else s.sector
        for s in children[AdbProjectSector.table]
    ]
    row(SECTOR, sectors)
    row(PRINT_GENDER, [record.gender or ""])
    for name in ("description", "rationale"):
        paragraphs = (getattr(record, name) or "").split("\n\n")
        if paragraphs[0]:
            row(TEXT_LABELS[name], [paragraphs[0], *(p for q in paragraphs[1:] for p in ("", q))])
    return "\n".join(lines) + "\n"


def render_tabbed(page: Page) -> str:
    record = page.record
    header = SOVEREIGN_HEADER.format(number=record.project_number)
    lines = [record.title or "", "", f"{header} Status: {record.project_status}", "", ""]
    for paragraph in (record.summary or "").split("\n"):
        lines += [paragraph, ""]
    for tab in TABS:
        lines += [tab, ""]
    for disclaimer in DISCLAIMERS:
        lines += [disclaimer, ""]
    return "\n".join(lines) + render_print(page)


def print_funds(page: Page) -> Funds:
    return Funds(
        tuple(f"{n}: {page.record.project_name}" for n in page.loan_numbers),
        tuple((f.fund_name, fund_amount(f)) for f in page.children[AdbFundingSource.table]),
    )


def has_approvals(page: Page) -> bool:
    """Whether the 2014-15 layout can show the sheet: a loan or grant, approved (its funding
    table lists each fund under its approval's number)."""
    return bool(page.loan_numbers) and page.record.project_type in (LOAN, GRANT)


def pds_rows(page: Page) -> list[tuple[str, str, AdbFundingSource]]:
    """Each fund with the type and number of the approval it is under."""
    groups = fund_groups(
        Funds(page.loan_numbers, tuple((f.fund_name, "") for f in _pds_funds(page)))
    )
    funds = iter(_pds_funds(page))
    rows: list[tuple[str, str, AdbFundingSource]] = []
    for heading, members in groups:
        kind, number = (heading or "").split(" ")
        for _ in members:
            rows.append((kind, number.split("-")[0], next(funds)))
    return rows


def _pds_funds(page: Page) -> list[AdbFundingSource]:
    return page.children[AdbFundingSource.table]


def pds_counterpart(page: Page) -> Decimal:
    """The counterpart, in whole thousands as the table states it."""
    government = page.record.financing_counterpart_government or Decimal(0)
    return (government / THOUSAND).quantize(Decimal(1))


def _thousands(amount: Decimal) -> str:
    return f"{amount / THOUSAND:,.0f}"


def render_pds_2014(page: Page) -> str:
    record, children = page.record, page.children
    update = record.last_pds_update_date
    lines = [*PDS_HEAD, *([f"PDS Updated as of {day_text(update)}"] if update else []), ""]
    lines += [f"{TEXT_LABELS['project_name']} {record.project_name}"]
    countries = [c.country for c in children[AdbProjectCountry.table]]
    lines += [f"{PRINT_COUNTRY} {countries[0]}", *countries[1:]] if countries else []
    lines += [f"Project/Program Number {record.project_number}"]
    lines += [f"Status {record.project_status}"] if record.project_status else []
    if record.geographical_location:
        lines += [f"{TEXT_LABELS['geographical_location']} {record.geographical_location}"]
    lines += [PDS_DISCLAIMER]
    sectors = children[AdbProjectSector.table]
    if sectors:
        lines += [f"Sector {sectors[0].sector}", *(s.sector for s in sectors[1:])]
        subsectors = [s.subsector for s in sectors if s.subsector]
        lines += [f"Subsector {subsectors[0]}", *subsectors[1:]] if subsectors else []
    lines += [f"{STRATEGIC_AGENDAS} {AGENDAS[0]}"]
    lines += [f"{PDS_GENDER} {record.gender}"] if record.gender else []
    lines += ["", "", PDS_FUNDING_HEADER]
    total = Decimal(0)
    for kind, number, fund in pds_rows(page):
        amount = fund.amount or Decimal(0)
        total += amount
        lines.append(f"{kind}{number}{fund.fund_name}{_thousands(amount)}")
    counterpart = pds_counterpart(page)
    if counterpart:
        lines.append(f"{COUNTERPART_ROW} {counterpart:,}")
    lines += [f"TOTAL US$ {_thousands(total + counterpart * THOUSAND)}", ""]
    lines += ["Safeguard Categories", "", "Environment B", "Involuntary Resettlement C"]
    lines += ["Indigenous Peoples C", ""]
    return "\n".join(lines) + "\n"

"""The truth of each rendering: the records a parser must read back from it, source text
mended."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from devfin.records import ParsedSheet
from devfin.samples.base import DOUBLED_APOSTROPHE_REPAIR
from devfin.sources.adb_pds.records import (
    AdbFundingSource,
    AdbProject,
    AdbProjectCountry,
    AdbProjectSector,
)
from devfin.sources.adb_pds.samples.draw import CENT, Page
from devfin.sources.adb_pds.samples.layout import (
    COUNTERPART_ROW,
    COUNTRY,
    DATE_LABELS,
    FACT_FINDING,
    LIVE_2025,
    MILESTONE_COLUMNS,
    MILESTONES,
    PDS_2014,
    PRINT,
    PROJECT_NUMBER,
    READ_LABELS,
    SECTOR,
    SOURCE,
    SOURCE_OF_FUNDING,
    STRATEGIC_AGENDAS,
    TABBED_2015,
    TEXT_LABELS,
    THOUSAND,
)
from devfin.sources.adb_pds.samples.live import bullets_value
from devfin.sources.adb_pds.samples.older import (
    pds_counterpart,
    pds_rows,
    print_funds,
    render_print,
)
from devfin.sources.adb_pds.samples.reference import reference
from devfin.sources.adb_pds.samples.rows import fund_groups

# --- The truth: the page's records with the source text mended ----------------------------


def _truth(
    page: Page,
    record: AdbProject | None = None,
    children: dict[str, list[Any]] | None = None,
    missing_labels: tuple[str, ...] | None = None,
    *,
    older: bool = False,
) -> ParsedSheet:
    """The truth of the live page (or, given its records in source spelling, of another
    rendering): the source text mended, the spoiled date emptied."""
    record, repaired = _mended(
        dataclasses.replace(page.record, layout=LIVE_2025) if record is None else record
    )
    if page.spoiled is not None and not older:  # an older generation shows no spoiled date
        record = dataclasses.replace(record, **{page.spoiled[0]: None})
    source_children = page.children if children is None else children
    children = {}
    for table, rows in source_children.items():
        mended = [_mended(row) for row in rows]
        children[table] = [row for row, _ in mended]
        names = {name for _, fields in mended for name in fields}
        order = [f.name for f in dataclasses.fields(rows[0])] if rows else []
        repaired += tuple(f"{table}.{name}" for name in order if name in names)
    return ParsedSheet(
        source=SOURCE,
        record=record,
        children=children,
        missing_labels=((page.omitted,) if page.omitted else ())
        if missing_labels is None
        else missing_labels,
        repairs={DOUBLED_APOSTROPHE_REPAIR: repaired} if repaired else {},
        unparsed={} if older else _unparsed(page),
    )


def _spoiled_label(name: str) -> str:
    """The label a spoiled date is read under: its Timetable row or its Milestones column."""
    if name in DATE_LABELS:
        return DATE_LABELS[name]
    if name.startswith("fact_finding"):
        return FACT_FINDING
    return f"{MILESTONES}/{MILESTONE_COLUMNS[name]}"


def _unparsed(page: Page, *, html: bool = False) -> dict[str, dict[str, str]]:
    """The spoiled date, kept as the page shows it (no-break spaces as spaces) with why it
    cannot be read: its field is empty."""
    if page.spoiled is None:
        return {}
    name, text = page.spoiled
    reason = f"{_spoiled_label(name)}: not a date (day is out of range for month): {text!r}"
    return {name: {"text": text, "reason": reason}}


def _mended(row: Any) -> tuple[Any, tuple[str, ...]]:
    mended = {
        f.name: value.replace("''", "'")
        for f in dataclasses.fields(row)
        if isinstance(value := getattr(row, f.name), str) and "''" in value
    }
    return dataclasses.replace(row, **mended), tuple(mended)


# --- The truths of the other renderings ---------------------------------------------------


def _approved_funds(page: Page) -> list[AdbFundingSource]:
    """The funds with the approval whose heading is above them (where the rendering writes
    the headings as text: the bullets rendering, the print view)."""
    funds = iter(page.children[AdbFundingSource.table])
    approved: list[AdbFundingSource] = []
    for heading, rows in fund_groups(print_funds(page)):
        approval: dict[str, str | None] = {}
        if heading:
            kind_number, title = heading.split(": ", 1)
            kind, number = kind_number.split(" ")
            approval = {"assistance_type": kind, "approval_number": number, "approval_title": title}
        approved += [dataclasses.replace(next(funds), **approval) for _ in rows]
    return approved


def _html_truth(page: Page) -> ParsedSheet:
    """The live truth, with the approval each fund is for (the fund table's subhead rows)."""
    children = page.children
    if page.omitted != SOURCE_OF_FUNDING:
        children = {**children, AdbFundingSource.table: _approved_funds(page)}
    return dataclasses.replace(_truth(page, children=children), unparsed=_unparsed(page, html=True))


def _bullets_truth(page: Page) -> ParsedSheet:
    """The live truth, with what only this rendering states: the line above the facts
    (a sovereign project) and the approval heading above each fund."""
    record = dataclasses.replace(page.record, layout=LIVE_2025, operation_type="sovereign")
    children = page.children
    if page.omitted != SOURCE_OF_FUNDING:
        funds = bullets_value(print_funds(page))
        record = dataclasses.replace(record, source_of_funding="\n".join(funds) or None)
        children = {**children, AdbFundingSource.table: _approved_funds(page)}
    return _truth(page, record, children)


def _lacking(written: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(label for label in READ_LABELS if label not in written)


def _sum(amounts: list[Decimal]) -> Decimal | None:
    return sum(amounts, Decimal("0.00")) if amounts else None


def _funds_financing(funds: list[AdbFundingSource]) -> dict[str, Any]:
    """ADB's and the cofinanciers' amounts, where the page states only its funds."""
    given = [f for f in funds if f.amount is not None and f.fund_name != COUNTERPART_ROW]
    adb = [f.amount for f in given if f.fund_name in reference().adb_funds]
    others = [f.amount for f in given if f.fund_name not in reference().adb_funds]
    return {
        "financing_adb": _sum(adb),
        "financing_cofinancing": _sum(others),
        "currency_code": "USD" if adb or others else None,
    }


def _print_truth(page: Page) -> ParsedSheet:
    record, children = page.record, page.children
    funds = _approved_funds(page) if page.omitted != SOURCE_OF_FUNDING else []
    financing = _funds_financing(funds)
    lines = render_print(page).split("\n")
    start = lines.index(SOURCE_OF_FUNDING) + 1 if SOURCE_OF_FUNDING in lines else None
    end = next(i for i, line in enumerate(lines) if line.startswith(STRATEGIC_AGENDAS))
    funding = "\n".join(lines[start:end]) if start is not None else None
    sectors = children[AdbProjectSector.table]
    parent = AdbProject(
        project_number=record.project_number,
        project_name=record.project_name,
        layout=PRINT,
        country=record.country,
        project_status=record.project_status,
        project_type=record.project_type,
        source_of_funding=funding or None,
        sector=sectors[0].sector if sectors else None,
        subsector=sectors[0].subsector if sectors else None,
        gender=record.gender,
        description=record.description,
        rationale=record.rationale,
        **financing,
    )
    kept = (AdbProjectCountry.table, AdbProjectSector.table)
    rows = {table: rows if table in kept else [] for table, rows in children.items()}
    rows[AdbFundingSource.table] = funds
    written = (
        TEXT_LABELS["project_name"],
        PROJECT_NUMBER,
        TEXT_LABELS["project_status"],
        TEXT_LABELS["project_type"],
        SOURCE_OF_FUNDING,
        TEXT_LABELS["gender"],
        TEXT_LABELS["description"],
        TEXT_LABELS["rationale"],
        COUNTRY,
        SECTOR,
    )
    written = tuple(label for label in written if label != page.omitted)
    return _truth(page, parent, rows, _lacking(written), older=True)


def _tabbed_truth(page: Page) -> ParsedSheet:
    """The print view's truth, with the title, the summary and the line above the facts."""
    truth = _print_truth(page)
    record = page.record
    parent = dataclasses.replace(
        truth.record,
        layout=TABBED_2015,
        title=record.title,
        summary=record.summary,
        operation_type="sovereign",
    )
    repaired = [name for name in ("title", "summary") if "''" in (getattr(record, name) or "")]
    mended = dataclasses.replace(
        parent, **{name: getattr(parent, name).replace("''", "'") for name in repaired}
    )
    repairs = dict(truth.repairs)
    if repaired:
        kind = DOUBLED_APOSTROPHE_REPAIR
        repairs[kind] = (*repaired, *repairs.get(kind, ()))
    return dataclasses.replace(truth, record=mended, repairs=repairs)


def _pds_truth(page: Page) -> ParsedSheet:
    record, children = page.record, page.children
    funds = [
        AdbFundingSource(
            position,
            fund.fund_name,
            fund.amount,
            "USD",
            assistance_type=kind,
            approval_number=number,
        )
        for position, (kind, number, fund) in enumerate(pds_rows(page), 1)
    ]
    counterpart = pds_counterpart(page) * THOUSAND
    if counterpart:
        funds.append(
            AdbFundingSource(len(funds) + 1, COUNTERPART_ROW, counterpart.quantize(CENT), "USD")
        )
    amounts = [fund.amount or Decimal(0) for fund in funds]
    sectors = children[AdbProjectSector.table]
    subsectors = [s.subsector for s in sectors if s.subsector]
    joined = "; ".join(subsectors) or None
    sector_rows = [
        AdbProjectSector(s.position, s.sector, joined if len(sectors) == 1 else None)
        for s in sectors
    ]
    parent = AdbProject(
        project_number=record.project_number,
        project_name=record.project_name,
        layout=PDS_2014,
        country=record.country,
        project_status=record.project_status,
        project_type=", ".join(dict.fromkeys(kind for kind, _, _ in pds_rows(page))),
        sector=sectors[0].sector if sectors else None,
        subsector=joined,
        gender=record.gender,
        geographical_location=record.geographical_location,
        last_pds_update_date=record.last_pds_update_date,
        financing_counterpart_government=counterpart.quantize(CENT) if counterpart else None,
        financing_total=sum(amounts, Decimal("0.00")),
        **_funds_financing(funds),
    )
    rows: dict[str, list[Any]] = {table: [] for table in children}
    rows[AdbProjectCountry.table] = children[AdbProjectCountry.table]
    rows[AdbProjectSector.table] = sector_rows
    rows[AdbFundingSource.table] = funds
    written = tuple(
        TEXT_LABELS[name] if name in TEXT_LABELS else name
        for name in (
            "project_name",
            "project_number",
            "project_status",
            "gender",
            "geographical_location",
            "project_type",
            DATE_LABELS["last_pds_update_date"],
            COUNTRY,
            SECTOR,
        )
    )
    written = tuple(label for label in written if label != page.omitted)
    return _truth(page, parent, rows, _lacking(written), older=True)


TRUTHS = {
    "html": _html_truth,
    "text": _truth,
    "bullets": _bullets_truth,
    PRINT: _print_truth,
    TABBED_2015: _tabbed_truth,
    PDS_2014: _pds_truth,
}

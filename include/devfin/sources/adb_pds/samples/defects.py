"""The defects a page may carry: each edits the drawn page, or cuts a rendering short."""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from typing import Any

from devfin.sources.adb_pds.records import (
    AdbDocument,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbOperationalPriority,
    AdbProjectCountry,
    AdbTender,
)
from devfin.sources.adb_pds.samples.draw import Page
from devfin.sources.adb_pds.samples.layout import (
    DATE_LABELS,
    EXECUTING_AGENCIES,
    FACT_FINDING,
    PDS_2014,
    PRINT,
    PRIORITIES_LABEL,
    PROJECT_NUMBER,
    SOURCE_OF_FUNDING,
    SOVEREIGN_HEADER,
    TABBED_2015,
    TEXT_LABELS,
)

# --- Defects ---------------------------------------------------------------------------------

# The labels a page may leave out, with the record fields and child table each one fills;
# not those whose values the side panel restates (the page would still state them).
_PANEL_FIELDS = ("project_officer", "responsible_department")
_OPTIONAL_LABELS: dict[str, tuple[tuple[str, ...], str | None]] = {
    **{
        label: ((name,), None)
        for name, label in TEXT_LABELS.items()
        if name not in ("project_number", "project_name", *_PANEL_FIELDS)
    },
    SOURCE_OF_FUNDING: (("source_of_funding",), AdbFundingSource.table),
    # Without its Timetable row the approval date is still read from the Milestones.
    **{label: ((name,), None) for name, label in DATE_LABELS.items() if name != "approval_date"},
    FACT_FINDING: (("fact_finding_start_date", "fact_finding_end_date"), None),
    PRIORITIES_LABEL: ((), AdbOperationalPriority.table),
    EXECUTING_AGENCIES: ((), AdbExecutingAgency.table),
}
# The date fields a page may spoil, in the order they are written.
_SPOILABLE_DATES = (
    "concept_clearance_date",
    "fact_finding_start_date",
    "fact_finding_end_date",
    "mrm_date",
    "last_review_mission_date",
    "last_pds_update_date",
    "signing_date",
    "effectivity_date",
    "closing_date_original",
    "closing_date_revised",
    "closing_date_actual",
)
# Source strings that may carry doubled apostrophes: a child table's fields, with the record
# fields the parser copies from its first row.
_DOUBLING_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    AdbProjectCountry.table: (("country",), ("country",)),
    AdbFundingSource.table: (("fund_name",), ("source_of_funding",)),
    AdbExecutingAgency.table: (("name", "address"), ()),
    AdbDocument.table: (("title",), ()),
    AdbTender.table: (("title",), ()),
}
_COPIED_FIELDS = frozenset(field for _, copied in _DOUBLING_TABLES.values() for field in copied)


def _leave_out_a_label(rng: random.Random, page: Page) -> Page:
    present = [
        label
        for label, (names, table) in _OPTIONAL_LABELS.items()
        if any(getattr(page.record, name) is not None for name in names)
        or (table is not None and page.children[table])
    ]
    label = rng.choice(present)
    names, table = _OPTIONAL_LABELS[label]
    record = dataclasses.replace(page.record, **dict.fromkeys(names))
    children = {**page.children, **({table: []} if table else {})}
    return dataclasses.replace(page, record=record, children=children, omitted=label)


def _spoil_a_date(rng: random.Random, page: Page) -> Page:
    name = rng.choice([n for n in _SPOILABLE_DATES if getattr(page.record, n) is not None])
    year = getattr(page.record, name).year
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    impossible = [(31, "Feb"), (30, "Feb"), (31, "Apr"), (31, "Jun"), (31, "Sep"), (31, "Nov")]
    if not leap:
        impossible.append((29, "Feb"))
    day, month = rng.choice(impossible)
    return dataclasses.replace(page, spoiled=(name, f"{day} {month} {year}"))


def _mismatch_amounts(rng: random.Random, page: Page) -> Page:
    total = page.record.financing_total or Decimal("0.00")
    delta = Decimal(rng.randint(1, 10_000_000)) / 100
    wrong = total + delta if rng.random() < 0.5 or delta > total else total - delta
    return dataclasses.replace(page, record=dataclasses.replace(page.record, financing_total=wrong))


def _double_apostrophes(rng: random.Random, page: Page) -> Page:
    """Some source strings holding an apostrophe written with two, as some pages do."""
    record_fields = [
        f.name
        for f in dataclasses.fields(page.record)
        if f.name not in _COPIED_FIELDS and _has_apostrophe(getattr(page.record, f.name))
    ]
    tables = [
        table
        for table, (names, _) in _DOUBLING_TABLES.items()
        if any(
            _has_apostrophe(getattr(row, name)) for row in page.children[table] for name in names
        )
    ]
    # Each candidate: a table (None: the record), its fields, and the record fields copied.
    candidates: list[tuple[str | None, tuple[str, ...], tuple[str, ...]]] = [
        (None, (name,), ()) for name in record_fields
    ]
    candidates += [(table, *_DOUBLING_TABLES[table]) for table in tables]
    record, children = page.record, dict(page.children)
    for table, names, copied in rng.sample(candidates, rng.randint(1, min(3, len(candidates)))):
        if table is not None:
            children[table] = [_doubled(row, names) for row in children[table]]
        record = _doubled(record, copied if table is not None else names)
    return dataclasses.replace(page, record=record, children=children)


def _has_apostrophe(value: object) -> bool:
    return isinstance(value, str) and "'" in value


def _doubled(row: Any, names: tuple[str, ...]) -> Any:
    values = {name: getattr(row, name) for name in names}
    return dataclasses.replace(
        row, **{name: v.replace("'", "''") for name, v in values.items() if v is not None}
    )


INJECT = {
    "missing_label": _leave_out_a_label,
    "bad_date": _spoil_a_date,
    "amounts_mismatch": _mismatch_amounts,
    "doubled_apostrophes": _double_apostrophes,
}


def _truncate_html(page: str) -> str:
    """The page cut off where the project number's label begins: the sheet has no identity."""
    return page[: page.rindex("\n", 0, page.index(f"<dt>{PROJECT_NUMBER}</dt>")) + 1]


def truncate(name: str, body: str) -> str:
    """A rendering cut off before the first place it states the project number."""
    if name == "html":
        return _truncate_html(body)
    marker = {
        "text": f"\n{PROJECT_NUMBER} |",
        "bullets": f"\n{SOVEREIGN_HEADER.split(' |')[0]} |",
        PRINT: f"\n{PROJECT_NUMBER} ",
        TABBED_2015: f"\n{SOVEREIGN_HEADER.split(' |')[0]} |",
        PDS_2014: "\nProject/Program Number ",
    }[name]
    return body[: body.index(marker) + 1]

"""The data sheets reconciled with ADB's IATI files, as the report and the summary show it: read
from the marts `reconciliation_summary` and `reconciliation_pds_iati` (dbt builds them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERDICTS = ("agree", "within_tolerance", "differ", "only_pds", "only_iati")
DIFFERING_SHOWN = 200  # rows of differing values listed; all of them are in the mart


@dataclass(frozen=True)
class Reconciliation:
    """Each compared field's verdicts over all countries, and the values that differ."""

    by_field: list[dict[str, Any]]
    differing: list[dict[str, Any]]  # the first DIFFERING_SHOWN, by field and project
    differing_count: int

    def total(self, verdict: str) -> int:
        return sum(row[verdict] for row in self.by_field)

    @property
    def compared(self) -> int:
        return sum(row["rows"] for row in self.by_field)


def reconciliation(conn: Connection) -> Reconciliation | None:
    """The reconciliation as the latest marts build left it; None before any build made it."""
    inspector = sa.inspect(conn)
    for table in ("reconciliation_summary", "reconciliation_pds_iati"):
        if not inspector.has_table(table, schema="marts"):
            return None
    summary = sa.table(
        "reconciliation_summary",
        *(sa.column(name) for name in ("field", "projects_in_both_sources", *VERDICTS)),
        schema="marts",
    )
    sums = [sa.func.sum(summary.c[verdict]).label(verdict) for verdict in VERDICTS]
    by_field = [
        _with_rates(dict(row))
        for row in conn.execute(
            sa.select(
                summary.c.field,
                sa.func.sum(summary.c.projects_in_both_sources).label("in_both"),
                *sums,
            )
            .group_by(summary.c.field)
            .order_by(summary.c.field)
        ).mappings()
    ]
    rows = sa.table(
        "reconciliation_pds_iati",
        *(
            sa.column(name)
            for name in (
                "project_number",
                "country",
                "field",
                "pds_value",
                "iati_value",
                "difference",
                "verdict",
                "iati_identifiers",
            )
        ),
        schema="marts",
    )
    differ = rows.c.verdict == "differ"
    differing = [
        dict(row)
        for row in conn.execute(
            sa.select(rows)
            .where(differ)
            .order_by(rows.c.field, rows.c.project_number)
            .limit(DIFFERING_SHOWN)
        ).mappings()
    ]
    count = conn.execute(sa.select(sa.func.count()).select_from(rows).where(differ)).scalar_one()
    return Reconciliation(by_field, differing, count)


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    """A field's counts as ints, how many rows it has, and its agreement rate: agreeing or within
    tolerance over the projects both sources state it for (None when there are none)."""
    row = {key: (int(value or 0) if key != "field" else value) for key, value in row.items()}
    row["rows"] = sum(row[verdict] for verdict in VERDICTS)
    both = row["agree"] + row["within_tolerance"] + row["differ"]
    row["agreement_rate"] = (row["agree"] + row["within_tolerance"]) / both if both else None
    return row


def summary_line(found: Reconciliation | None) -> str | None:
    """The console summary's line: the verdicts over every compared field."""
    if found is None:
        return None
    one_source = found.total("only_pds") + found.total("only_iati")
    return (
        f"  reconciliation (data sheets against IATI): {found.compared} project fields compared,"
        f" {found.total('agree')} agree, {found.total('within_tolerance')} within tolerance,"
        f" {found.total('differ')} differ, {one_source} in one source only"
    )

"""Check-only columns derived from the parsed records, for the GX suites to test.

Some rules span columns or tables (a total against its parts, disbursements against the
financing plan) or depend on the run (freshness). They are computed here into extra columns
named `check_…`, which exist only in the validation frames, never in the warehouse:

adb_projects
    check_financing_components_sum  ADB + cofinancing + the four counterparts, summed in whole
                                    cents (null when the sheet gives none of them)
    check_cumulative_disbursement   the amount of the sheet's latest disbursement (null if none)
    check_funding_source_expected   the sheet has a financing plan (ADB or total amount) but no
                                    "Source of Funding / Amount" rows: source_of_funding must be set
    check_stale_before              the run date less 12 months: an older last PDS update is stale
    check_latest_possible_date      the day after the sheet was fetched (a day's slack for time
                                    zones): a last update later than that cannot be
    check_doubled_apostrophe_fields the fields whose source text had doubled apostrophes
                                    (from `repairs`), ", "-joined; null when none
    check_unparsed_values           each value on the page that could not be read (from
                                    `unparsed`) as "field: reason: text", "; "-joined; null when
                                    every value was read
adb_disbursements
    check_latest_possible_date      as above
cdia_interventions
    check_doubled_apostrophe_fields as above
    check_unparsed_values           as above

adb_iati (`_iati`): each column is computed on the table named, from its rows and its activity's
`unparsed` (a value the parser could not read is emptied and kept there, as its text and why)
    check_identifier_unprefixed     iati_activities: the identifier when it does not start with
                                    the reporting organisation's ref (IATI's rule); null when it
                                    does or no ref is given
    check_title_count               iati_activities: the activity's title narratives (rows of
                                    iati_titles)
    check_planned_start_date, check_actual_start_date, check_planned_end_date,
    check_actual_end_date           iati_activities: the activity's first date of each type
                                    (iati_activity_dates, ActivityDateType 1-4)
    check_<code>_as_written         every code read as a whole number (activity status, description
                                    type, organisation role, date type, budget type and status,
                                    transaction type): the code as the file wrote it, the number
                                    read or else the text the parser could not read (null when
                                    none was written), for the suites to check against its codelist
    check_<field>_unread            every other value read from text (hierarchy, last update,
                                    percentages, dates): the text the parser could not read; null
                                    when it was read or none was written
    check_value_written             iati_budgets, iati_transactions: the row has a <value> (an
                                    amount, read or not, a currency or a value date): its amount
                                    must then have been read
    check_latest_possible_date      iati_transactions: as above
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from devfin.parse.text import DOUBLED_APOSTROPHE_REPAIR

SHEET_KEY = ["sheet_id", "sheet_version"]
FINANCING_COMPONENTS = (
    "financing_adb",
    "financing_cofinancing",
    "financing_counterpart_government",
    "financing_counterpart_beneficiaries",
    "financing_counterpart_project_sponsor",
    "financing_counterpart_others",
)
STALE_AFTER_MONTHS = 12
IATI_PARENT = "iati_activities"
# The codes the parser reads as whole numbers, by table: a code outside its codelist is
# unread there, so the suites check the code as written (`check_<code>_as_written`).
IATI_CODES = {
    "iati_activities": ("activity_status_code",),
    "iati_descriptions": ("description_type_code",),
    "iati_participating_orgs": ("role_code",),
    "iati_activity_dates": ("date_type_code",),
    "iati_budgets": ("budget_type_code", "budget_status_code"),
    "iati_transactions": ("transaction_type_code",),
}
# The other values read from text, by table (`check_<field>_unread`).
IATI_READ = {
    "iati_activities": ("hierarchy", "last_updated_at"),
    "iati_recipient_countries": ("percentage",),
    "iati_recipient_regions": ("percentage",),
    "iati_sectors": ("percentage",),
    "iati_activity_dates": ("activity_date",),
    "iati_budgets": ("period_start_date", "period_end_date", "value_date"),
    "iati_transactions": ("transaction_date", "value_date"),
}
IATI_VALUED = ("iati_budgets", "iati_transactions")
# ActivityDateType codes and the activity's column holding its first date of that type.
IATI_DATE_TYPES = {
    1: "check_planned_start_date",
    2: "check_actual_start_date",
    3: "check_planned_end_date",
    4: "check_actual_end_date",
}


def derive(frames: dict[str, Any], run_date: date) -> dict[str, Any]:
    """The validation frames of one source with their `check_…` columns added.

    The frames passed in are left as they are; a table with no rows is passed through.
    """
    derived = dict(frames)
    if not _empty(derived.get("adb_projects")):
        derived["adb_projects"] = _adb_projects(derived, run_date)
    if not _empty(derived.get("adb_disbursements")):
        frame = derived["adb_disbursements"].copy()
        frame["check_latest_possible_date"] = _latest_possible_date(frame)
        for field in ("as_of_date", "amount"):  # empty because unreadable: no missing value
            frame[f"check_{field}_unread"] = _child_unread(
                frame, frames.get("adb_projects"), "adb_disbursements", field
            )
        derived["adb_disbursements"] = frame
    if not _empty(derived.get("cdia_interventions")):
        derived["cdia_interventions"] = _cdia_interventions(derived["cdia_interventions"])
    if not _empty(derived.get(IATI_PARENT)):
        derived.update(_iati(derived))
    return derived


def _empty(frame: Any) -> bool:
    return frame is None or frame.empty


def _adb_projects(frames: dict[str, Any], run_date: date) -> Any:
    import pandas as pd

    frame = frames["adb_projects"].copy()
    # A component that could not be read (in `unparsed`, its own check failed) is no zero:
    # the sum is not checked rather than failed, which would quarantine the sheet.
    unread = _unread_fields(frame).map(lambda fields: not fields.isdisjoint(FINANCING_COMPONENTS))
    frame["check_financing_components_sum"] = _cents_sum(frame, FINANCING_COMPONENTS).mask(unread)
    frame["check_cumulative_disbursement"] = _per_sheet(
        frame, _latest_disbursements(frames.get("adb_disbursements"))
    )
    funding_rows = _per_sheet(frame, _row_counts(frames.get("adb_funding_sources"))).fillna(0)
    has_plan = frame["financing_adb"].notna() | frame["financing_total"].notna()
    frame["check_funding_source_expected"] = (has_plan & (funding_rows == 0)).astype(bool)
    cutoff = pd.Timestamp(run_date) - pd.DateOffset(months=STALE_AFTER_MONTHS)
    frame["check_stale_before"] = pd.Series(cutoff, index=frame.index).astype("datetime64[ns]")
    frame["check_latest_possible_date"] = _latest_possible_date(frame)
    frame["check_doubled_apostrophe_fields"] = _doubled_apostrophe_fields(frame)
    frame["check_unparsed_values"] = _unparsed_values(frame)
    return frame


def _cdia_interventions(frame: Any) -> Any:
    frame = frame.copy()
    frame["check_doubled_apostrophe_fields"] = _doubled_apostrophe_fields(frame)
    frame["check_unparsed_values"] = _unparsed_values(frame)
    return frame


def _cents_sum(frame: Any, columns: tuple[str, ...]) -> Any:
    """The row sums of amount columns, to the cent: each amount rounded to whole cents first,
    so the sum is exact (float amounts up to 2**53 cents); null where every amount is null."""
    cents = (frame[list(columns)] * 100).round()
    return cents.sum(axis=1, min_count=1) / 100


def _latest_disbursements(disbursements: Any) -> Any:
    """The amount of each sheet version's latest disbursement (by date, then position)."""
    if _empty(disbursements):
        return None
    ordered = disbursements.sort_values(
        [*SHEET_KEY, "as_of_date", "position"], na_position="first", kind="stable"
    )
    return ordered.groupby(SHEET_KEY, sort=False)["amount"].last()


def _row_counts(children: Any) -> Any:
    if _empty(children):
        return None
    return children.groupby(SHEET_KEY, sort=False).size()


def _per_sheet(frame: Any, by_sheet: Any) -> Any:
    """A per-sheet-version Series (indexed by sheet_id, sheet_version) aligned to `frame`."""
    import pandas as pd

    if by_sheet is None:
        return pd.Series(float("nan"), index=frame.index, dtype="float64")
    keys = pd.MultiIndex.from_frame(frame[SHEET_KEY])
    return pd.Series(by_sheet.reindex(keys).to_numpy(dtype="float64"), index=frame.index)


def _latest_possible_date(frame: Any) -> Any:
    """The day after each row's sheet was fetched, as a naive datetime64[ns] (UTC days)."""
    import pandas as pd

    fetched = pd.to_datetime(frame["fetched_at"], utc=True).dt.tz_localize(None)
    return (fetched.dt.normalize() + pd.Timedelta(days=1)).astype("datetime64[ns]")


def _doubled_apostrophe_fields(frame: Any) -> Any:
    import pandas as pd

    def fields(repairs: Any) -> str | None:
        if not isinstance(repairs, str) or not repairs:
            return None
        named = json.loads(repairs).get(DOUBLED_APOSTROPHE_REPAIR) or []
        return ", ".join(named) or None

    return pd.Series([fields(r) for r in frame["repairs"]], index=frame.index, dtype="object")


# An unread value's text, as the ledger's sample shows it: enough to recognise, never a page.
UNPARSED_SAMPLE_CHARS = 120


def _unread_fields(frame: Any) -> Any:
    """The names of the fields each record could not read (the keys of its `unparsed`)."""
    import pandas as pd

    column = frame["unparsed"] if "unparsed" in frame else [None] * len(frame)
    return pd.Series(
        [frozenset(json.loads(u)) if isinstance(u, str) and u else frozenset() for u in column],
        index=frame.index,
        dtype="object",
    )


def _child_unread(child: Any, parent: Any, table: str, field: str) -> Any:
    """Whether each child row's `field` could not be read: its parent's `unparsed` names it as
    `<table>.<field>[<position>]`."""
    import pandas as pd

    unread = {}
    if not _empty(parent):
        keys = zip(parent["sheet_id"], parent["sheet_version"], strict=True)
        unread = dict(zip(keys, _unread_fields(parent), strict=True))
    keys = zip(child["sheet_id"], child["sheet_version"], child["position"], strict=True)
    return pd.Series(
        [f"{table}.{field}[{position}]" in unread.get((i, v), ()) for i, v, position in keys],
        index=child.index,
        dtype=bool,
    )


def _unparsed_values(frame: Any) -> Any:
    import pandas as pd

    def values(unparsed: Any) -> str | None:
        if not isinstance(unparsed, str) or not unparsed:
            return None
        entries = json.loads(unparsed)
        described = [
            f"{name}: {detail.get('reason')}: {_shortened(detail.get('text') or '')!r}"
            for name, detail in entries.items()
        ]
        return "; ".join(described) or None

    column = frame["unparsed"] if "unparsed" in frame else [None] * len(frame)
    return pd.Series([values(u) for u in column], index=frame.index, dtype="object")


def _shortened(text: str) -> str:
    if len(text) <= UNPARSED_SAMPLE_CHARS:
        return text
    return text[: UNPARSED_SAMPLE_CHARS - 1] + "\u2026"


# --- adb_iati ---------------------------------------------------------------------------------


def _iati(frames: dict[str, Any]) -> dict[str, Any]:
    """The adb_iati tables with rows, their `check_…` columns added."""
    import pandas as pd

    parent = frames[IATI_PARENT]
    unparsed = {
        (i, v): json.loads(u) if isinstance(u, str) and u else {}
        for i, v, u in zip(
            parent["sheet_id"], parent["sheet_version"], parent["unparsed"], strict=True
        )
    }
    derived = {}
    for table in dict.fromkeys((IATI_PARENT, *IATI_CODES, *IATI_READ, *IATI_VALUED)):
        if _empty(frames.get(table)):
            continue
        frame = frames[table].copy()
        for column in IATI_CODES.get(table, ()):
            unread = _iati_unread(frame, unparsed, table, column)
            frame[f"check_{column}_as_written"] = [
                unread_text if pd.isna(code) else str(int(code))
                for code, unread_text in zip(frame[column], unread, strict=True)
            ]
        for column in IATI_READ.get(table, ()):
            frame[f"check_{column}_unread"] = _iati_unread(frame, unparsed, table, column)
        if table in IATI_VALUED:
            amount_unread = _iati_unread(frame, unparsed, table, "amount")
            written = [frame[c].notna() for c in ("amount", "currency", "value_date")]
            frame["check_value_written"] = (
                written[0] | written[1] | written[2] | amount_unread.notna()
            ).astype(bool)
        derived[table] = frame
    derived[IATI_PARENT] = _iati_activities(derived[IATI_PARENT], frames)
    if "iati_transactions" in derived:
        frame = derived["iati_transactions"]
        frame["check_latest_possible_date"] = _latest_possible_date(frame)
    return derived


def _iati_activities(frame: Any, frames: dict[str, Any]) -> Any:
    import pandas as pd

    frame["check_identifier_unprefixed"] = pd.Series(
        [
            identifier
            if isinstance(ref, str)
            and isinstance(identifier, str)
            and not identifier.startswith(ref)
            else None
            for identifier, ref in zip(
                frame["iati_identifier"], frame["reporting_org_ref"], strict=True
            )
        ],
        index=frame.index,
        dtype="object",
    )
    titles = _per_sheet(frame, _row_counts(frames.get("iati_titles")))
    frame["check_title_count"] = titles.fillna(0).astype("int64")
    dates = frames.get("iati_activity_dates")
    for code, column in IATI_DATE_TYPES.items():
        first = None
        if not _empty(dates):
            typed = dates[(dates["date_type_code"] == code) & dates["activity_date"].notna()]
            ordered = typed.sort_values([*SHEET_KEY, "position"], kind="stable")
            first = ordered.groupby(SHEET_KEY, sort=False)["activity_date"].first()
        frame[column] = _per_sheet_date(frame, first)
    return frame


def _iati_unread(
    frame: Any, unparsed: dict[tuple[str, str], dict[str, Any]], table: str, column: str
) -> Any:
    """The text of each row's `column` that the parser could not read (null when read): an
    activity's own field is keyed by its name in `unparsed`, a child row's as
    `<table>.<column>[<position>]`."""
    import pandas as pd

    sheets = zip(frame["sheet_id"], frame["sheet_version"], strict=True)
    if table == IATI_PARENT:
        keys = [(sheet, column) for sheet in sheets]
    else:
        positions = frame["position"]
        keys = [
            (sheet, f"{table}.{column}[{p}]") for sheet, p in zip(sheets, positions, strict=True)
        ]
    texts = [unparsed.get(sheet, {}).get(key, {}).get("text") for sheet, key in keys]
    return pd.Series(texts, index=frame.index, dtype="object")


def _per_sheet_date(frame: Any, by_sheet: Any) -> Any:
    """A per-sheet-version date Series (indexed by sheet_id, sheet_version) aligned to `frame`,
    as naive datetime64[ns] (NaT where the sheet has none)."""
    import pandas as pd

    if by_sheet is None or by_sheet.empty:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    keys = pd.MultiIndex.from_frame(frame[SHEET_KEY])
    values = pd.to_datetime(by_sheet.reindex(keys).to_numpy()).astype("datetime64[ns]")
    return pd.Series(values, index=frame.index)

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

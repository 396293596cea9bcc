"""The defects an activity may carry: each edits the drawn activity, and says what a parser must
make of it (an error, or a field emptied with its text kept and why)."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

from devfin.sources.adb_iati.samples.draw import Activity, Money, Value, code_value, date_value

# The ParseError reason of the defects that make an activity unreadable; the others parse.
EXPECTED_ERRORS = {"missing_identifier": "missing_identifier"}
DEFECTS: tuple[str, ...] = (
    "missing_identifier",
    "bad_date",
    "bad_amount",
    "bad_code",
    "missing_title",
)


def apply(rng: random.Random, activity: Activity, defect: str) -> Activity:
    if defect not in DEFECTS:
        raise ValueError(f"adb_iati activities cannot carry the defect {defect!r}")
    activity = dataclasses.replace(activity, defect=defect)
    if defect == "missing_identifier":
        # Left out, or written empty: either way the activity cannot be named.
        activity.identifier = rng.choice((None, "", "  \n "))
    elif defect == "bad_date":
        _spoil_date(rng, activity)
    elif defect == "bad_amount":
        _spoil_amount(rng, activity)
    elif defect == "bad_code":
        written = rng.choice(("Active", "9", "2.0"))
        reason = f"not a code of the ActivityStatus codelist: {written!r}"
        activity.status = Value(written, None, reason)
    else:
        activity.titles = []
    return activity


def _spoil_date(rng: random.Random, activity: Activity) -> None:
    """A day that does not exist, or one written the local way ("30/02/2021")."""
    if rng.random() < 0.5:
        written = f"{rng.randint(2015, 2024)}-02-{rng.randint(30, 31)}"
        try:
            date.fromisoformat(written)
        except ValueError as error:
            reason = f"not a date ({error}): {written!r}"
    else:
        written = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2024)}"
        reason = f"not an ISO date (expected like '2014-01-31'): {written!r}"
    spoilt = Value(written, None, reason)
    if not activity.dates:
        activity.dates = [(code_value(1), spoilt)]
    else:
        position = rng.randrange(len(activity.dates))
        activity.dates = list(activity.dates)
        activity.dates[position] = (activity.dates[position][0], spoilt)


def _spoil_amount(rng: random.Random, activity: Activity) -> None:
    """An amount with thousands separators or a currency sign, which xsd:decimal has not."""
    written = rng.choice(("1,250,000", "USD 3000", "12.5M", ""))
    spoilt = Value(written, None, f"not a decimal number: {written!r}" if written else None)
    if not activity.transactions:
        day = date(2020, 6, 30)
        activity.transactions = [
            Money((code_value(3),), (date_value(day),), spoilt, None, date_value(day))
        ]
    else:
        position = rng.randrange(len(activity.transactions))
        activity.transactions = list(activity.transactions)
        activity.transactions[position] = dataclasses.replace(
            activity.transactions[position], amount=spoilt
        )

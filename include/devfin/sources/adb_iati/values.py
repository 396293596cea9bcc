"""How the values of an IATI activity file are read: each converter raises ValueError, saying
why, on text it cannot read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CODE = re.compile(r"\d{1,3}")


def code(codelist: range, name: str) -> Callable[[str], int]:
    """The converter of the codes of a codelist of small whole numbers."""

    def convert(text: str) -> int:
        if not _CODE.fullmatch(text) or int(text) not in codelist:
            raise ValueError(f"not a code of the {name} codelist: {text!r}")
        return int(text)

    return convert


def whole(text: str) -> int:
    if not _CODE.fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text)


def iso_date(text: str) -> date:
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not an ISO date (expected like '2014-01-31'): {text!r}")
    try:
        return date.fromisoformat(match[1])
    except ValueError as error:
        raise ValueError(f"not a date ({error}): {text!r}") from error


def utc_datetime(text: str) -> datetime:
    """An xsd:dateTime in UTC; one written without an offset is taken as UTC."""
    if not _ISO_DATETIME.fullmatch(text):
        raise ValueError(f"not an ISO date-time (expected like '2014-09-10T07:15:37Z'): {text!r}")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"not a date-time ({error}): {text!r}") from error
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def decimal(text: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a decimal number: {text!r}")
    return Decimal(text)


def share(text: str) -> Decimal:
    share = decimal(text)
    if not 0 <= share <= 100:
        raise ValueError(f"not a percentage (0-100): {text!r}")
    return share

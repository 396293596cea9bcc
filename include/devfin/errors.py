"""The errors devfin raises; each names the sheet and where it came from."""

from __future__ import annotations


class DevfinError(Exception):
    """Base of devfin's errors: carries the sheet id and URL it concerns, when there is one."""

    def __init__(
        self, message: str, *, sheet_id: str | None = None, url: str | None = None
    ) -> None:
        self.message = message
        self.sheet_id = sheet_id
        self.url = url
        where = ", ".join(part for part in (sheet_id and f"sheet {sheet_id}", url) if part)
        super().__init__(f"{message} ({where})" if where else message)


class FetchError(DevfinError):
    """A sheet could not be fetched."""


class ParseError(DevfinError):
    """A page is not a data sheet of its source, or lacks a required field.

    `reason` is a short machine-readable code such as `not_a_data_sheet` or `missing_field`.
    """

    def __init__(
        self, message: str, *, reason: str, sheet_id: str | None = None, url: str | None = None
    ) -> None:
        self.reason = reason
        super().__init__(message, sheet_id=sheet_id, url=url)


class QualityError(DevfinError):
    """A quality suite could not be loaded or run (not a failing check: those are results)."""


class LoadError(DevfinError):
    """The warehouse could not take a load (its transaction rolled back: nothing was written)."""


class ConfigError(DevfinError):
    """A setting is missing or malformed."""

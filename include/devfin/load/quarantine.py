"""Quarantined sheet versions, and their manual release by a person who has checked them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from devfin.errors import DevfinError
from devfin.load import schema

_table = schema.quarantine
# Everything but the record itself, which can be large: `audit.quarantine.record_json` has it.
_LISTED = [column for column in _table.c if column.name != "record_json"]


class QuarantineError(DevfinError):
    """A quarantine entry cannot be released as asked."""


class UnknownQuarantineEntry(QuarantineError):
    """No quarantine entry has the id given."""


class AlreadyReleased(QuarantineError):
    """The quarantine entry was released before."""


def list_quarantined(
    engine: Engine, source: str | None = None, include_released: bool = False
) -> list[dict[str, Any]]:
    """The quarantine entries, newest first: those still held, or all with `include_released`."""
    query = sa.select(*_LISTED).order_by(
        _table.c.quarantined_at.desc(), _table.c.source, _table.c.sheet_id, _table.c.quarantine_id
    )
    if source is not None:
        query = query.where(_table.c.source == source)
    if not include_released:
        query = query.where(_table.c.released_at.is_(None))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def release(
    engine: Engine, quarantine_id: str, reason: str, released_by: str, now: datetime
) -> dict[str, Any]:
    """Record that `released_by` released one quarantine entry at `now`, and why; returns it.

    This only records the release in `audit.quarantine` (`released_at`, `released_by`,
    `release_reason`); it does not load the sheet. The next `devfin reparse` or ingest run loads
    a released version, and a released version is not quarantined again for the same reason:
    both are the pipeline's side of the contract.

    Raises ValueError when the reason or the name is empty or `now` has no time zone,
    UnknownQuarantineEntry when no entry has the id, AlreadyReleased when it was released before.
    """
    reason, released_by = reason.strip(), released_by.strip()
    if not reason:
        raise ValueError(f"releasing quarantine entry {quarantine_id} needs a reason")
    if not released_by:
        raise ValueError(f"releasing quarantine entry {quarantine_id} needs who releases it")
    if now.tzinfo is None:
        raise ValueError(f"releasing quarantine entry {quarantine_id}: `now` must be in UTC")
    with engine.begin() as conn:
        # One conditional update: of two people releasing the same entry at once, one wins.
        updated = conn.execute(
            _table.update()
            .where((_table.c.quarantine_id == quarantine_id) & _table.c.released_at.is_(None))
            .values(released_at=now, released_by=released_by, release_reason=reason)
        ).rowcount
        entry = (
            conn.execute(sa.select(*_LISTED).where(_table.c.quarantine_id == quarantine_id))
            .mappings()
            .first()
        )
    if entry is None:
        raise UnknownQuarantineEntry(f"no quarantine entry has the id {quarantine_id!r}")
    if updated != 1:
        raise AlreadyReleased(
            f"quarantine entry {quarantine_id} was already released"
            f" {entry['released_at'].astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            f" by {entry['released_by']}: {entry['release_reason']}",
            sheet_id=entry["sheet_id"],
            url=entry["source_url"],
        )
    return dict(entry)


def released_versions(conn: sa.Connection, source: str) -> set[tuple[str, str]]:
    """The (sheet_id, sheet_version) pairs an auditor released from quarantine
    (`devfin quarantine release`): they load despite their critical failures, which stay
    recorded as failed in `audit.dq_results`."""
    query = sa.select(_table.c.sheet_id, _table.c.sheet_version).where(
        (_table.c.source == source) & _table.c.released_at.is_not(None)
    )
    return {(row[0], row[1]) for row in conn.execute(query)}

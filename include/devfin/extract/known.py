"""What the warehouse knows of each sheet's fetches: the version it holds (so an unchanged sheet
is not fetched or loaded again), and each run's fetch outcomes in `raw.fetches`."""

from __future__ import annotations

import sqlalchemy as sa

from devfin.extract.fetching import FetchResult, Known
from devfin.handover import fields
from devfin.load import schema, warehouse


def record_fetches(
    conn: sa.Connection, load_id: str, source: str, ids: list[str], results: list[FetchResult]
) -> None:
    """Write the fetch outcomes of the sheets `ids` to `raw.fetches`, in place of what an
    earlier try of this run wrote for them."""
    fetches = schema.fetches
    conn.execute(
        fetches.delete().where(
            (fetches.c.load_id == load_id)
            & (fetches.c.source == source)
            & fetches.c.sheet_id.in_(ids)
        )
    )
    rows = [
        {"load_id": load_id, **fields(r), "retry_history": schema.dumps(r.retry_history)}
        for r in results
    ]
    warehouse.insert_rows(conn, fetches, rows)


def known_versions(conn: sa.Connection, source: str, ids: list[str]) -> dict[str, Known]:
    """Each sheet's latest version that reached the warehouse (loaded or quarantined), with the
    validators it was fetched with. Only those count: a version fetched by a run that never
    finished loading must be fetched and loaded again, not skipped as unchanged.

    `raw.fetches` gains a row per sheet per run: the warehouse picks each sheet's current version
    and the fetches of it that brought validators since it became current, so what comes back
    is a row or a few per sheet however many runs there were (the scan itself stays in SQL).
    """
    if not ids:
        return {}
    parent = schema.STAGING_TABLES[schema.PARENT_TABLES[source]]
    quarantine = schema.quarantine
    held = sa.union(
        sa.select(parent.c.sheet_id, parent.c.sheet_version).where(parent.c.sheet_id.in_(ids)),
        sa.select(quarantine.c.sheet_id, quarantine.c.sheet_version).where(
            (quarantine.c.source == source)
            & quarantine.c.sheet_id.in_(ids)
            # a released version is fetched and loaded again, not skipped as unchanged
            & quarantine.c.released_at.is_(None)
        ),
    ).cte("held")
    fetches = schema.fetches
    held_fetches = (
        sa.select(
            fetches.c.sheet_id,
            fetches.c.content_sha256,
            fetches.c.etag,
            fetches.c.last_modified,
            fetches.c.fetched_at,
        )
        .join(
            held,
            (held.c.sheet_id == fetches.c.sheet_id)
            & (held.c.sheet_version == fetches.c.content_sha256),
        )
        .where((fetches.c.source == source) & fetches.c.sheet_id.in_(ids))
        .cte("held_fetches")
    )
    latest_first = {
        "partition_by": held_fetches.c.sheet_id,
        "order_by": held_fetches.c.fetched_at.desc(),
    }
    ranked = sa.select(
        held_fetches,
        sa.func.first_value(held_fetches.c.content_sha256).over(**latest_first).label("current"),
        sa.func.row_number().over(**latest_first).label("recency"),
    ).subquery("ranked")
    # since when each sheet's current version has been current: the last fetch of another one
    bounded = sa.select(
        ranked,
        sa.func.max(sa.case((ranked.c.content_sha256 != ranked.c.current, ranked.c.fetched_at)))
        .over(partition_by=ranked.c.sheet_id)
        .label("since"),
    ).subquery("bounded")
    rows = conn.execute(
        sa.select(
            bounded.c.sheet_id, bounded.c.content_sha256, bounded.c.etag, bounded.c.last_modified
        )
        .where(
            (bounded.c.content_sha256 == bounded.c.current)
            & (bounded.c.since.is_(None) | (bounded.c.fetched_at > bounded.c.since))
            # the current version, and the fetches of it that brought validators
            & (
                (bounded.c.recency == 1)
                | bounded.c.etag.is_not(None)
                | bounded.c.last_modified.is_not(None)
            )
        )
        .order_by(bounded.c.fetched_at)
    )
    known: dict[str, Known] = {}
    for sheet_id, sha256, etag, last_modified in rows:
        # A 304 row carries no validators of its own: the latest ones since the version became
        # current stand.
        before = known.get(sheet_id, Known(sha256))
        known[sheet_id] = Known(sha256, etag or before.etag, last_modified or before.last_modified)
    return known


def known_files(conn: sa.Connection, source: str, ids: list[str]) -> dict[str, Known]:
    """Each file's (`Source.bundle`) latest fetch that brought or vouched for a body, in a run
    that finished loading: its version and validators, for the conditional GET. A run that
    never loaded may not have handed the file's sheets on: its fetch of the file does not count.
    """
    if not ids:
        return {}
    fetches, runs = schema.fetches, schema.load_runs
    latest_first = {"partition_by": fetches.c.sheet_id, "order_by": fetches.c.fetched_at.desc()}
    ranked = (
        sa.select(
            fetches.c.sheet_id,
            fetches.c.content_sha256,
            fetches.c.etag,
            fetches.c.last_modified,
            sa.func.row_number().over(**latest_first).label("recency"),
        )
        .join(runs, (runs.c.load_id == fetches.c.load_id) & (runs.c.source == fetches.c.source))
        .where(
            (fetches.c.source == source)
            & fetches.c.sheet_id.in_(ids)
            & fetches.c.content_sha256.is_not(None)
        )
        .subquery("ranked")
    )
    rows = conn.execute(
        sa.select(
            ranked.c.sheet_id, ranked.c.content_sha256, ranked.c.etag, ranked.c.last_modified
        ).where(ranked.c.recency == 1)
    )
    return {sheet_id: Known(sha256, etag, modified) for sheet_id, sha256, etag, modified in rows}

"""Change detection reads, of the whole fetch history, only each sheet's current version and the
validators fetched since it became current: the same answer as walking every fetch in order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devfin.extract.fetching import Known
from devfin.extract.known import known_versions
from devfin.load import schema, warehouse

pytestmark = pytest.mark.integration
START = datetime(2026, 1, 1, tzinfo=UTC)


def _walked(history: list[dict], held: set[tuple[str, str]]) -> dict[str, Known]:
    """Every fetch in order: the latest held version wins; a fetch without validators keeps
    those of the fetch before it when that one was of the same version."""
    known: dict[str, Known] = {}
    for row in sorted(history, key=lambda r: r["fetched_at"]):
        sheet_id, sha256 = row["sheet_id"], row["content_sha256"]
        if sha256 is None or (sheet_id, sha256) not in held:
            continue
        previous = known.get(sheet_id)
        same = previous is not None and previous.content_sha256 == sha256
        known[sheet_id] = Known(
            sha256,
            row["etag"] or (previous.etag if same else None),
            row["last_modified"] or (previous.last_modified if same else None),
        )
    return known


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
@pytest.mark.parametrize("seed", range(4))
def test_known_versions_equal_a_walk_through_every_fetch(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str, seed: int
) -> None:
    draw = random.Random(seed)
    sheets = [f"sheet-{n}" for n in range(40)]
    history, held_rows, held = [], [], set()
    moment = START
    for run in range(15):
        for sheet_id in draw.sample(sheets, 25):
            moment += timedelta(seconds=1)
            history.append(
                {
                    "load_id": f"run-{run}", "source": "cdia", "sheet_id": sheet_id,
                    "url": f"https://example.test/{sheet_id}", "fetched_at": moment,
                    "outcome": "fetched", "attempts": 1,
                    "content_sha256": draw.choice([None, "v1", "v2", "v3"]),
                    "etag": draw.choice([None, None, "e1", "e2"]),
                    "last_modified": draw.choice([None, None, "m1", "m2"]),
                }
            )  # fmt: skip
    for number, sheet_id in enumerate(sheets):
        for version in draw.sample(["v1", "v2", "v3"], draw.randint(0, 3)):
            released = draw.random() < 0.2  # a released version counts as not held
            held_rows.append(
                {
                    "quarantine_id": f"q-{number}-{version}", "load_id": "run-0",
                    "source": "cdia", "sheet_id": sheet_id, "sheet_version": version,
                    "source_url": "https://example.test", "stage": "validate",
                    "reason_code": "critical_check_failed", "message": "m",
                    "quarantined_at": START,
                    "released_at": START if released else None,
                }
            )  # fmt: skip
            if not released:
                held.add((sheet_id, version))
    url = (
        f"duckdb:///{tmp_path / 'devfin.duckdb'}"
        if kind == "duckdb"
        else request.getfixturevalue("postgres_url")  # one database for the module
    )
    engine = warehouse.create_engine(url)
    try:
        schema.ensure_schema(engine)
        with engine.begin() as conn:
            conn.execute(schema.fetches.delete())
            conn.execute(schema.quarantine.delete())
            warehouse.insert_rows(conn, schema.fetches, history)
            warehouse.insert_rows(conn, schema.quarantine, held_rows)
        with engine.connect() as conn:
            found = known_versions(conn, "cdia", sheets)
    finally:
        engine.dispose()

    expected = _walked(history, held)
    assert len(expected) > 10  # the draw exercises the answer, not only its absence
    assert found == expected

"""`devfin quarantine list|release`: a person lets a checked sheet version through, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.cli import main
from devfin.load import schema
from devfin.load.quarantine import release

pytestmark = pytest.mark.integration
QUARANTINED_AT = datetime(2026, 11, 23, 5, 41, tzinfo=UTC)


def _entry(quarantine_id: str, source: str, sheet_id: str, reason: str) -> dict[str, object]:
    return {
        "quarantine_id": quarantine_id,
        "load_id": "manual__2026-11-23T05:41:42+00:00",
        "source": source,
        "sheet_id": sheet_id,
        "sheet_version": "ab" * 32,
        "source_url": f"https://example.org/{sheet_id}",
        "stage": "validate",
        "reason_code": reason,
        "message": f"{reason} failed",
        "record_json": "{}",
        "quarantined_at": QUARANTINED_AT,
    }


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"duckdb:///{tmp_path / 'devfin.duckdb'}"
    monkeypatch.setenv("DEVFIN_WAREHOUSE_URL", url)
    engine = sa.create_engine(url)
    schema.ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.quarantine.insert(),
            [
                _entry("q-adb", "adb_pds", "5403-01", "project number is NNNNN-NNN"),
                # Scraped: a control character must not reach the terminal.
                _entry("q-cdia", "cdia", "chongqing\x1b[2J", "title is not empty"),
            ],
        )
    engine.dispose()
    return url


def _released(url: str, quarantine_id: str) -> tuple[object, ...]:
    engine = sa.create_engine(url)
    q = schema.quarantine
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(q.c.released_at, q.c.released_by, q.c.release_reason).where(
                q.c.quarantine_id == quarantine_id
            )
        ).one()
    engine.dispose()
    return tuple(row)


def test_list_shows_a_table_of_what_is_held(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id", "source", "sheet", "stage", "reason", "quarantined", "at", "released"
    ]  # fmt: skip
    assert any(
        line.startswith("q-adb ") and "project number is NNNNN-NNN" in line for line in lines
    )
    assert any("2026-11-23 05:41 UTC" in line and line.rstrip().endswith("no") for line in lines)
    assert not any("\x1b" in line for line in lines)

    assert main(["quarantine", "list", "--source", "cdia"]) == 0
    out = capsys.readouterr().out
    assert "q-cdia" in out and "q-adb" not in out


def test_release_records_who_when_and_why(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "carol")  # what getpass.getuser() reads first
    reason = "checked against the ADB page: the number is right"
    assert main(["quarantine", "release", "q-adb", "--reason", reason]) == 0
    out = capsys.readouterr().out
    assert out.startswith("released q-adb: adb_pds sheet 5403-01")
    assert "by carol" in out and reason in out and "devfin reparse" in out
    released_at, released_by, release_reason = _released(url, "q-adb")
    assert released_at is not None and (released_by, release_reason) == ("carol", reason)

    assert main(["quarantine", "list"]) == 0
    out = capsys.readouterr().out
    assert "q-adb" not in out and "q-cdia" in out
    assert main(["quarantine", "list", "--all"]) == 0
    listed = capsys.readouterr().out
    assert any(line.startswith("q-adb ") and "by carol" in line for line in listed.splitlines())


def test_release_twice_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "release", "q-cdia", "--reason", "fine", "--by", "alice"]) == 0
    capsys.readouterr()
    assert main(["quarantine", "release", "q-cdia", "--reason", "again", "--by", "bob"]) == 1
    error = capsys.readouterr().err
    assert "q-cdia" in error and "already released" in error and "alice" in error
    assert _released(url, "q-cdia")[1:] == ("alice", "fine")


def test_release_of_an_unknown_id_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "release", "q-nope", "--reason", "fine", "--by", "alice"]) == 1
    assert "no quarantine entry has the id 'q-nope'" in capsys.readouterr().err


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_release_needs_a_reason(
    url: str, reason: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["quarantine", "release", "q-adb", "--by", "alice"]
    with pytest.raises(SystemExit) as usage:
        main(argv if reason is None else [*argv, "--reason", reason])
    assert usage.value.code == 2
    assert "--reason" in capsys.readouterr().err
    assert _released(url, "q-adb") == (None, None, None)


def test_release_itself_refuses_an_empty_reason_or_a_naive_time(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with pytest.raises(ValueError, match="q-adb"):
            release(engine, "q-adb", " ", "alice", datetime.now(UTC))
        with pytest.raises(ValueError, match="q-adb"):
            release(engine, "q-adb", "fine", "alice", datetime(2026, 11, 23))
    finally:
        engine.dispose()


def test_an_older_warehouse_gains_the_release_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    monkeypatch.setenv("DEVFIN_WAREHOUSE_URL", url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create schema audit"))
        conn.execute(
            sa.text(
                "create table audit.quarantine (quarantine_id text primary key, load_id text,"
                " source text, sheet_id text, sheet_version text, source_url text, stage text,"
                " reason_code text, message text, record_json text,"
                " quarantined_at timestamp with time zone)"
            )
        )
        conn.execute(schema.quarantine.insert(), [_entry("q-old", "adb_pds", "1", "r")])
    engine.dispose()
    assert main(["quarantine", "release", "q-old", "--reason", "fine", "--by", "alice"]) == 0
    assert _released(url, "q-old")[1:] == ("alice", "fine")

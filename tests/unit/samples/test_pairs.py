"""Pairs of data sheets and IATI activities: seeded, every verdict of every field in the truth,
and the files saying what the truth says (read back by the two parsers, no warehouse)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devfin.records import ParsedSheet
from devfin.samples import pairs
from devfin.sources.adb_iati.parser import read_all
from devfin.sources.adb_pds.parser import parse as parse_pds

SEED = 5
COUNT = 60
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def made() -> pairs.Pairs:
    return pairs.generate(SEED, COUNT)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    pairs.write(tmp_path / "first", SEED, 25)
    pairs.write(tmp_path / "again", SEED, 25)
    pairs.write(tmp_path / "other", SEED + 1, 25)
    first = _files(tmp_path / "first")
    assert "reconciliation_truth.json" in first
    assert any(name.startswith("adb_iati/iati-activities-") for name in first)
    assert first == _files(tmp_path / "again")
    assert first != _files(tmp_path / "other")
    assert pairs.read_truth(tmp_path / "first") == pairs.generate(SEED, 25).truth


def test_the_truth_holds_every_verdict_of_every_field(made: pairs.Pairs) -> None:
    found = {(field, expected.verdict) for (_, field), expected in made.truth.items()}
    assert found == {
        (field, verdict)
        for field, kind in pairs.FIELDS.items()
        for verdict in pairs.KIND_VERDICTS[kind]
    }
    assert "within_tolerance" not in pairs.KIND_VERDICTS["status"]


def test_some_projects_are_in_one_source_only(made: pairs.Pairs) -> None:
    in_pds = set(made.pds_pages)
    in_iati = {
        number.decode()
        for content in made.iati_files.values()
        for number in re.findall(rb"<iati-identifier>XM-DAC-46004-(\d{5}-\d{3})-", content)
    }
    assert in_pds - in_iati and in_iati - in_pds
    assert len(in_pds | in_iati) == COUNT
    assert {number for number, _ in made.truth} == in_pds | in_iati


def test_the_tolerance_edges_are_in_the_truth(made: pairs.Pairs) -> None:
    """A value within tolerance a cent or a day short of differing, and one differing by a cent
    or a day more than the tolerance, for every field of a tolerance."""
    for field, kind in pairs.FIELDS.items():
        if kind not in ("amount", "date"):
            continue
        step: Any = CENT if kind == "amount" else timedelta(days=1)
        rows = [e for (_, f), e in made.truth.items() if f == field]
        edges = {"within_tolerance": 0, "differ": 0}
        for expected in rows:
            if expected.verdict not in edges:
                continue
            pds, iati = (_value(kind, text) for text in (expected.pds_value, expected.iati_value))
            closer = iati - step if iati > pds else iati + step
            further = iati + step if iati > pds else iati - step
            if expected.verdict == "within_tolerance":
                edges["within_tolerance"] += pairs.verdict(kind, pds, further) == "differ"
            else:
                edges["differ"] += pairs.verdict(kind, pds, closer) == "within_tolerance"
        assert all(edges.values()), (field, edges)


def _value(kind: str, text: str | None) -> Any:
    assert text is not None
    return Decimal(text) if kind == "amount" else date.fromisoformat(text)


def _iati_values(activities: list[ParsedSheet]) -> dict[str, Any]:
    """A project's values as reconciliation_pds_iati aggregates its activities."""
    activities = sorted(activities, key=lambda sheet: sheet.record.iati_identifier)
    transactions = [row for sheet in activities for row in sheet.children["iati_transactions"]]
    dates = [row for sheet in activities for row in sheet.children["iati_activity_dates"]]

    def usd(kind: int) -> Decimal | None:
        amounts = [
            row.amount
            for row in transactions
            if row.transaction_type_code == kind and (row.currency or "").upper() == "USD"
        ]
        return sum(amounts, Decimal("0.00")) if amounts else None

    def days(kind: int) -> list[Any]:
        return [row.activity_date for row in dates if row.date_type_code == kind]

    statuses = [s.record.activity_status_code for s in activities if s.record.activity_status_code]
    return {
        "adb_amount": usd(2),
        "cofinancing": usd(11),
        "approval_date": min(days(1), default=None),
        "signing_date": min(days(2), default=None),
        "closing_date": max(days(4), default=None) or max(days(3), default=None),
        "status": min(statuses, default=None),
        "title": activities[0].record.title,
        "disbursed_to_date": usd(3),
    }


def test_the_files_state_what_the_truth_says(made: pairs.Pairs) -> None:
    """Read back by the parsers and aggregated as the mart aggregates, each page and each
    project's activities give the values of the truth, and nothing where it has no row."""
    stated: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for number, page in made.pds_pages.items():
        sheet = parse_pds(page, sheet_id=number, url=f"https://www.adb.org/projects/{number}/main")
        for field, value in pairs.sheet_values(sheet).items():
            stated[(number, field)] = (pairs.as_text(value), None)
    by_project: dict[str, list[ParsedSheet]] = defaultdict(list)
    for stem, content in made.iati_files.items():
        sheets, errors = read_all(io.BytesIO(content), sheet_id=stem)
        assert errors == []
        for sheet in sheets:
            by_project[sheet.record.project_number].append(sheet)
    for number, activities in by_project.items():
        for field, value in _iati_values(activities).items():
            pds_value, _ = stated.get((number, field), (None, None))
            stated[(number, field)] = (pds_value, pairs.as_text(value))
    read_back = {key: values for key, values in stated.items() if values != (None, None)}
    assert read_back == {
        key: (expected.pds_value, expected.iati_value) for key, expected in made.truth.items()
    }


def test_the_status_codes_are_the_seeds(repo_dir: Path) -> None:
    seed = repo_dir / "dbt" / "seeds" / "pds_status_to_iati_activity_status.csv"
    with seed.open(newline="") as rows:
        codes = {
            row["project_status"].lower(): int(row["activity_status_code"])
            for row in csv.DictReader(rows)
        }
    assert codes == pairs.STATUS_CODES


@pytest.mark.parametrize(
    ("kind", "pds", "iati", "expected"),
    [
        ("amount", Decimal("50000.00"), Decimal("51000.00"), "within_tolerance"),
        ("amount", Decimal("50000.00"), Decimal("51000.01"), "differ"),
        ("amount", Decimal("100000000.00"), Decimal("99000000.00"), "within_tolerance"),
        ("amount", Decimal("99000000.00"), Decimal("100000000.01"), "differ"),
        ("amount", Decimal("0.00"), Decimal("0.00"), "agree"),
        ("amount", Decimal("0.00"), None, "only_pds"),
        ("title", "Water & Sanitation Project", "WATER AND SANITATION", "within_tolerance"),
        ("title", "Rural Roads", " Rural Roads  ", "agree"),
        ("title", "Rural Roads", "Rural Roads - Phase 2", "differ"),
        ("status", 2, 3, "differ"),
        ("status", None, 3, "only_iati"),
        ("date", None, None, None),
    ],
)
def test_the_rules(kind: str, pds: Any, iati: Any, expected: str | None) -> None:
    """The rules the truth is computed by, the mart's unit test's cases among them."""
    assert pairs.verdict(kind, pds, iati) == expected

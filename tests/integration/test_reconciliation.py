"""Acceptance of the reconciliation (issue 23): generated data sheets and IATI activities of the
same projects, disagreeing on purpose, ingested and built on each warehouse, give
marts.reconciliation_pds_iati exactly the truth: every disagreement injected found, no other."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from devfin.pipeline import build_marts, ingest
from devfin.samples import pairs
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
SEED = 23
COUNT = 60
LOAD_ID = "reconciliation"


@dataclasses.dataclass(frozen=True)
class Reconciled:
    made: pairs.Pairs
    counts: dict[str, dict[str, int]]
    marts: dict[str, int]
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]]


def _read(url: str, table: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [
            dict(row) for row in conn.execute(sa.text(f"select * from marts.{table}")).mappings()
        ]
    engine.dispose()
    return rows


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def reconciled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Reconciled:
    root = tmp_path_factory.mktemp(f"reconciliation-{request.param}")
    made = pairs.write(root / "samples", SEED, COUNT)
    if request.param == "duckdb":
        url = f"duckdb:///{root / 'devfin.duckdb'}"
    else:
        url = request.getfixturevalue("postgres_url")
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=url,
        data_dir=root / "data",
        archive_url=str(root / "archive"),
        report_dir=root / "reports",
        sample_dir=root / "samples",
    )
    counts = {source: ingest(source, LOAD_ID, settings) for source in ("adb_pds", "adb_iati")}
    marts = build_marts(LOAD_ID, settings)
    return Reconciled(
        made,
        counts,
        marts,
        _read(url, "reconciliation_pds_iati"),
        _read(url, "reconciliation_summary"),
    )


def test_every_sheet_and_activity_is_loaded(reconciled: Reconciled) -> None:
    """Nothing quarantined: a sheet or activity lost would be a verdict the truth does not hold."""
    activities = sum(
        len(re.findall(rb"<iati-activity[\s>]", content))
        for content in reconciled.made.iati_files.values()
    )
    loaded = {source: counts["sheets_loaded"] for source, counts in reconciled.counts.items()}
    assert loaded == {"adb_pds": len(reconciled.made.pds_pages), "adb_iati": activities}
    assert activities > COUNT  # some projects have several loans and grants


def test_the_mart_finds_every_disagreement_and_no_other(reconciled: Reconciled) -> None:
    got = {(row["project_number"], row["field"], row["verdict"]) for row in reconciled.rows}
    want = {(number, field, e.verdict) for (number, field), e in reconciled.made.truth.items()}
    assert len(reconciled.rows) == len(got)
    assert sorted(got - want) == [] and sorted(want - got) == []
    assert reconciled.marts["reconciliation_pds_iati"] == len(want)


def test_the_mart_states_both_values_as_the_truth_does(reconciled: Reconciled) -> None:
    got = {
        (row["project_number"], row["field"]): (row["pds_value"], row["iati_value"])
        for row in reconciled.rows
    }
    want = {key: (e.pds_value, e.iati_value) for key, e in reconciled.made.truth.items()}
    assert {k: v for k, v in got.items() if want.get(k) != v} == {}


def test_each_row_names_the_versions_compared(reconciled: Reconciled) -> None:
    for row in reconciled.rows:
        in_pds = row["project_number"] in reconciled.made.pds_pages
        assert (row["pds_sheet_id"] == row["project_number"]) is in_pds
        assert (row["pds_sheet_version"] is not None) is in_pds
        identifiers = row["iati_identifiers"]
        if identifiers is None:
            assert row["iati_sheet_versions"] is None and row["verdict"] == "only_pds"
            continue
        listed = identifiers.split(", ")
        assert listed == sorted(listed)
        assert all(f"-{row['project_number']}-" in identifier for identifier in listed)
        versions = row["iati_sheet_versions"].split(", ")
        assert len(versions) == len(listed) and all(
            re.fullmatch("[0-9a-f]{64}", v) for v in versions
        )
        assert row["iati_fetched_at"] is not None


def test_the_summary_counts_the_mart(reconciled: Reconciled) -> None:
    verdicts = Counter((row["country"], row["field"], row["verdict"]) for row in reconciled.rows)
    for summary in reconciled.summary:
        key = (summary["country"], summary["field"])
        counted = {v: summary[v] for v in pairs.VERDICTS}
        assert counted == {v: verdicts[(*key, v)] for v in pairs.VERDICTS}, key
        assert summary["projects"] == sum(counted.values())
    assert sum(s["projects"] for s in reconciled.summary) == len(reconciled.rows)
    agreeing = sum(s["agree"] + s["within_tolerance"] for s in reconciled.summary)
    assert 0 < agreeing < len(reconciled.rows)

"""Generated IATI activity files: every activity parses back to its truth, or fails as it must."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from pathlib import Path

import pytest

from devfin.errors import ParseError
from devfin.records import ParsedSheet
from devfin.sources.adb_iati import parser as iati
from devfin.sources.adb_iati import samples
from devfin.sources.adb_iati.records import RECORD_TYPES

SEEDS = (1, 7, 2026, 99991)
COUNTRIES = ("PH", "VN", "MN", "FJ")
COUNT = 150
DEFECT_RATE = 0.3


def parse(sample: samples.SampleFile) -> list[ParsedSheet | ParseError]:
    return list(
        iati.read_activities(io.BytesIO(sample.content), sheet_id=sample.sheet_id, url=sample.url)
    )


@pytest.mark.parametrize(("seed", "country"), list(zip(SEEDS, COUNTRIES, strict=True)))
def test_every_activity_reads_back_its_truth(seed: int, country: str) -> None:
    sample = samples.generate_file(seed, country, COUNT, DEFECT_RATE)
    parsed = parse(sample)
    assert len(parsed) == len(sample.truth) == COUNT
    for position, (got, want) in enumerate(zip(parsed, sample.truth, strict=True), 1):
        if isinstance(want, samples.ExpectedError):
            assert isinstance(got, ParseError), position
            assert got.reason == want.reason
            assert f"activity {want.position} (line " in str(got)
            assert (got.sheet_id, got.url) == (sample.sheet_id, sample.url)
        else:
            assert isinstance(got, ParsedSheet), (position, got)
            # Provenance is the parser's constant map of where each field comes from.
            assert dataclasses.replace(got, provenance={}) == want, position


def test_the_files_vary_as_real_files_do() -> None:
    """What the truth test covers: errors, unread values, languages, currencies, codes."""
    truths = [
        truth
        for seed, country in zip(SEEDS, COUNTRIES, strict=True)
        for truth in samples.generate_file(seed, country, COUNT, DEFECT_RATE).truth
    ]
    sheets = [t for t in truths if isinstance(t, ParsedSheet)]
    assert sum(isinstance(t, samples.ExpectedError) for t in truths) >= 5
    unread = Counter(key.split("[")[0] for s in sheets for key in s.unparsed)
    assert {
        "activity_status_code",
        "iati_activity_dates.activity_date",
        "iati_transactions.amount",
    } <= set(unread)
    rows = {t.table: [row for s in sheets for row in s.children[t.table]] for t in RECORD_TYPES[1:]}
    assert all(rows.values()), "every child table gets rows"
    assert {row.language for row in rows["iati_titles"]} >= {"en", "fr", None}
    assert len({row.language for row in rows["iati_titles"]}) >= 6
    assert {row.transaction_type_code for row in rows["iati_transactions"]} >= {2, 3, 4, 11}
    assert len({row.currency for row in rows["iati_transactions"]}) >= 3
    assert {row.vocabulary for row in rows["iati_sectors"]} >= {"1", "2", "99"}
    assert any(s.record.title is None for s in sheets) and any(s.missing_labels for s in sheets)
    assert any(s.record.last_updated_at is None for s in sheets)
    assert any("<script>" in (s.record.title or "") for s in sheets)
    assert {s.record.loan_or_grant_number[:4] for s in sheets} == {"LOAN", "GRNT"}


def test_generation_is_deterministic_and_seeded() -> None:
    first = samples.generate_file(5, "KH", 40)
    assert samples.generate_file(5, "KH", 40) == first
    assert samples.generate_file(6, "KH", 40).content != first.content
    assert samples.generate_file(5, "UZ", 40).content != first.content


def test_a_written_file_is_the_generated_one(tmp_path: Path) -> None:
    path = tmp_path / "iati-activities-bd.xml"
    size = samples.write(path, 3, "BD", 60, DEFECT_RATE)
    assert path.read_bytes() == samples.generate_file(3, "BD", 60, DEFECT_RATE).content
    assert size == path.stat().st_size


def test_a_country_without_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="XX"):
        samples.generate_file(1, "XX", 1)

"""Generated CDIA pages: both renderings parse back to their truth, or fail as they must."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from devfin.errors import ParseError
from devfin.records import ParsedSheet, record_to_json
from devfin.samples import cdia as generator
from devfin.samples.base import DEFECT_KINDS, Sample
from devfin.sources import cdia

SEED = 20240917
COUNT = 300
# Every defect the source supports, spread evenly among the pages between clean ones.
KINDS: tuple[str | None, ...] = (None, *generator.DEFECTS)
RENDERINGS = ("html", "text")


def corpus(seed: int = SEED, count: int = COUNT) -> list[Sample]:
    rng = random.Random(seed)
    return [generator.generate(rng, index, KINDS[index % len(KINDS)]) for index in range(count)]


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return corpus()


def parse(sample: Sample, rendering: str) -> ParsedSheet:
    page = sample.html if rendering == "html" else sample.text
    return cdia.parse(page, sheet_id=sample.sheet_id, url=sample.url)


def test_the_generator_declares_its_source_and_defects() -> None:
    assert generator.SOURCE == cdia.SOURCE_KEY
    assert set(generator.DEFECTS) <= set(DEFECT_KINDS)
    assert "amounts_mismatch" not in generator.DEFECTS


def test_the_corpus_holds_every_defect(samples: list[Sample]) -> None:
    counts = Counter(sample.defect for sample in samples)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) == COUNT // len(KINDS)


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_each_page_parses_to_its_truth_or_fails_as_expected(
    samples: list[Sample], rendering: str
) -> None:
    for sample in samples:
        if sample.truth is None:
            with pytest.raises(ParseError) as raised:
                parse(sample, rendering)
            assert raised.value.reason == sample.expected_error, sample.sheet_id
            assert (raised.value.sheet_id, raised.value.url) == (sample.sheet_id, sample.url)
            continue
        sheet = parse(sample, rendering)
        # As JSON too: a Decimal must be written as the truth writes it ("450000.00").
        assert record_to_json(sheet.record) == record_to_json(sample.truth.record)
        assert sheet.record == sample.truth.record, sample.sheet_id
        assert sheet.children == sample.truth.children, sample.sheet_id
        assert sheet.missing_labels == sample.truth.missing_labels, sample.sheet_id
        assert sheet.repairs == sample.truth.repairs, sample.sheet_id


def test_html_and_text_parse_to_the_same_sheet(samples: list[Sample]) -> None:
    for sample in samples:
        if sample.truth is not None:
            assert parse(sample, "html") == parse(sample, "text"), sample.sheet_id


def test_defects_show_as_they_should(samples: list[Sample]) -> None:
    for sample in samples:
        truth = sample.truth
        if sample.defect in ("bad_date", "truncated"):
            assert truth is None
            assert sample.expected_error == (
                "bad_value" if sample.defect == "bad_date" else "not_a_data_sheet"
            )
            continue
        assert truth is not None and sample.expected_error is None
        assert len(truth.missing_labels) == (sample.defect == "missing_label")
        assert bool(truth.repairs) == (sample.defect == "doubled_apostrophes")
        assert ("''" in sample.text) == (sample.defect == "doubled_apostrophes")


def test_sheet_ids_are_unique_slugs_in_their_urls(samples: list[Sample]) -> None:
    assert len({sample.sheet_id for sample in samples}) == len(samples)
    for sample in samples:
        assert sample.source == cdia.SOURCE_KEY
        assert sample.url == f"https://cdia.asia/city-interventions/{sample.sheet_id}"
        assert sample.sheet_id.replace("-", "").isalnum() and sample.sheet_id.islower()


def test_the_same_seed_gives_the_same_bytes(samples: list[Sample]) -> None:
    again = corpus(count=50)
    assert again == samples[:50]
    assert corpus(seed=SEED + 1, count=50) != again

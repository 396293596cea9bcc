"""Generated CDIA pages: both renderings parse back to their truth, or fail as they must."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from devfin.errors import ParseError
from devfin.records import ParsedSheet, record_to_json
from devfin.samples.base import DEFECT_KINDS, Sample
from devfin.sources.cdia import parser as cdia
from devfin.sources.cdia import samples as generator
from devfin.sources.cdia.samples import layout

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
        assert sheet.unparsed == sample.truth.unparsed, sample.sheet_id


def test_html_and_text_parse_to_the_same_sheet(samples: list[Sample]) -> None:
    for sample in samples:
        if sample.truth is not None:
            assert parse(sample, "html") == parse(sample, "text"), sample.sheet_id


def test_defects_show_as_they_should(samples: list[Sample]) -> None:
    for sample in samples:
        truth = sample.truth
        if sample.defect == "truncated":
            assert truth is None
            assert sample.expected_error == "not_a_data_sheet"
            continue
        assert truth is not None and sample.expected_error is None
        # The missing label is often the study period, as on real pages.
        assert len(truth.missing_labels) == (sample.defect == "missing_label")
        assert bool(truth.repairs) == (sample.defect == "doubled_apostrophes")
        assert ("''" in sample.text) == (sample.defect == "doubled_apostrophes")
        # A month that does not exist empties one end of the period and keeps the text.
        assert bool(truth.unparsed) == (sample.defect == "bad_date")
        if sample.defect == "bad_date":
            ((name, detail),) = truth.unparsed.items()
            assert name in ("study_period_start", "study_period_end")
            assert getattr(truth.record, name) is None
            assert detail["text"] in sample.text


def _variations(sample: Sample) -> set[str]:
    """The real pages' variations of the layout a clean generated page shows."""
    assert sample.truth is not None
    record, children = sample.truth.record, sample.truth.children
    found = set()
    if layout.STUDY_PERIOD not in sample.text:
        found.add("no study period")
    status = record.expected_downstream_financing_status
    if status == "to_be_confirmed":
        amount = record.expected_downstream_financing_usd
        found.add("downstream to be confirmed" + (" with an amount" if amount else ""))
    if len(children["cdia_cities"]) > 1:
        found.add("several cities")
    for table, label in (
        ("cdia_stakeholders", layout.STAKEHOLDERS),
        ("cdia_infrastructure_sectors", layout.INFRASTRUCTURE_SECTORS),
    ):
        first = children[table][0].name if children[table] else None
        if first is not None and f"{label}{first}\n" in sample.text:
            if len(children[table]) > 1:
                found.add(f"{table} over lines")
    if layout.EXPECTED_IMPACTS in sample.text:
        found.add("expected development impacts")
    return found


def test_the_corpus_shows_the_real_pages_variations(samples: list[Sample]) -> None:
    shown = set().union(*(_variations(s) for s in samples if s.truth is not None))
    assert shown == {
        "no study period",
        "downstream to be confirmed",
        "downstream to be confirmed with an amount",
        "several cities",
        "cdia_stakeholders over lines",
        "cdia_infrastructure_sectors over lines",
        "expected development impacts",
    }


def test_the_generator_and_the_parser_agree_on_the_layout() -> None:
    # The generator describes the layout itself (it imports no label from the parser); the
    # two descriptions must name the same layout and labels.
    assert layout.LAYOUT == cdia.LAYOUT
    assert set(layout.LABELS) == {label.text for label in cdia.LABELS if not label.heading}
    aliases = {alias for label in cdia.LABELS for alias in label.aliases}
    assert layout.EXPECTED_IMPACTS in aliases

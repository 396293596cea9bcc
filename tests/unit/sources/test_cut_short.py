"""A page cut short is flagged (`cut_short_reason`), a whole one never: real pages, seeds, samples.

Each layout is checked for what it always prints near its end (see the parsers' "Completeness"
sections); these tests cut every page at many points and hold each cut to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from devfin import samples
from devfin.errors import ParseError
from devfin.quality.validation import critical_failures, load_suites
from devfin.records import ParsedSheet
from devfin.sources import get_source
from tests.conftest import validate_tables

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
SAMPLE_DATA = REPO / "include" / "sample_data"
# The real pages are stored cut to their first 2,000 bytes (their README): those are cut short.
REAL_PREFIX_BYTES = 2_000
CUTS = range(10, 100, 5)  # per cent of the page kept
# Generations whose closing section is not known (only their first part is): a cut that ends a
# paragraph at a sentence's end, right below the last row, cannot be told from a whole page.
NO_KNOWN_END = frozenset({"print", "tabbed-2015", "nonsovereign"})


def _source(name: str) -> str:
    return "cdia" if name.startswith(("cdia", "000_")) or "/cdia/" in name else "adb_pds"


def _whole_pages() -> Iterator[tuple[str, str, str]]:
    """(source, name, page) of every whole page at hand: seeds, shipped and generated samples."""
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        yield _source(path.name), path.name, path.read_text(encoding="utf-8")
    for source in samples.SOURCES:
        for path in sorted((SAMPLE_DATA / source).glob("*")):
            if path.suffix in samples.PAGE_SUFFIXES:
                yield source, f"{source}/{path.name}", path.read_text(encoding="utf-8")
        for index in range(6):
            page = samples.sample(source, 19, index, defect_rate=0.5)
            if page.defect == "truncated":
                continue
            for name in ("html", "text", *page.renderings):
                yield source, f"{source}#{index}:{name}", page.rendered(name).body


def _parse(source: str, page: str, name: str) -> ParsedSheet | None:
    try:
        return get_source(source).parse(page, sheet_id="x", url=name)
    except ParseError:
        return None


def _values(sheet: ParsedSheet) -> tuple[object, ...]:
    record = dataclasses.replace(sheet.record, cut_short_reason=None)
    return record, sheet.children, sheet.unparsed


def test_no_whole_page_is_flagged_cut_short() -> None:
    flagged = [
        f"{name}: {sheet.record.cut_short_reason}"
        for source, name, page in _whole_pages()
        if (sheet := _parse(source, page, name)) is not None and sheet.record.cut_short_reason
    ]
    assert not flagged


def test_every_cut_of_a_whole_page_fails_is_flagged_or_reads_the_same() -> None:
    missed: list[str] = []
    allowed = cuts = 0
    for source, name, page in _whole_pages():
        whole = _parse(source, page, name)
        if whole is None:
            continue  # a sample meant not to parse
        for percent in CUTS:
            cut = page[: len(page) * percent // 100]
            cuts += 1
            sheet = _parse(source, cut, name)
            if sheet is None or sheet.record.cut_short_reason or _values(sheet) == _values(whole):
                continue
            if whole.record.layout in NO_KNOWN_END and cut.rstrip().endswith((".", ".\u201d")):
                allowed += 1
                continue
            missed.append(f"{name} ({whole.record.layout}) at {percent} %")
    assert not missed, f"{len(missed)} of {cuts} cuts read as whole: {missed[:10]}"
    assert allowed <= cuts // 100, f"{allowed} of {cuts} cuts ended at a sentence's end"


def _real_pages() -> list[Path]:
    folder = SHARED / "real_pages"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


@pytest.mark.parametrize("path", _real_pages(), ids=lambda path: path.name)
def test_a_real_page_is_flagged_exactly_when_stored_cut_short(path: Path) -> None:
    """The stored copies are their pages' first 2,000 bytes: each, and any cut of it, is cut
    short; a whole real page (longer) is not."""
    source = _source(path.name)
    page = path.read_text(encoding="utf-8")
    sheet = _parse(source, page, path.name)
    assert sheet is not None
    if len(path.read_bytes()) > REAL_PREFIX_BYTES:
        assert sheet.record.cut_short_reason is None
        return
    assert sheet.record.cut_short_reason, f"{path.name} ({sheet.record.layout})"
    for percent in CUTS:
        cut = _parse(source, page[: len(page) * percent // 100], path.name)
        assert cut is None or cut.record.cut_short_reason, f"{path.name} at {percent} %"


def test_a_cut_short_sheet_fails_a_warning_check_with_its_reason() -> None:
    """The suites flag it (a warning: it loads, flagged), the reason among the sample values."""
    import pandas as pd

    seed = (REPO / "include" / "sample_data" / "adb_pds" / "54037-001.txt").read_text("utf-8")
    records = [
        get_source("adb_pds").parse(page, sheet_id="54037-001", url="seed").record
        for page in (seed, seed[: len(seed) * 7 // 10])
    ]
    frame = pd.DataFrame([dataclasses.asdict(record) for record in records])
    frame["sheet_id"], frame["sheet_version"] = ["54037-001"] * 2, ["whole", "cut"]
    suite = load_suites(REPO / "expectations")["adb_projects"]
    checks = [e for e in suite["expectations"] if e["kwargs"].get("column") == "cut_short_reason"]
    results = validate_tables(
        {"adb_projects": frame}, {"adb_projects": {**suite, "expectations": checks}}
    )
    [result] = results
    assert (result.severity, result.success) == ("warning", False)
    assert result.failing_sheets == [("54037-001", "cut")]
    assert result.sample_values == [records[1].cut_short_reason]
    assert critical_failures(results) == {}

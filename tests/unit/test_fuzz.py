"""Fuzzed pages: no input makes a parser raise anything but ParseError, and what parses is
records of its source's types.

Each source and rendering gets a few hundred pages mutated from generated ones (and from the
shipped real seeds), seeded: page `i` of a rendering is always the same page, so a failure
names the (source, rendering, index) that reproduces it, and a crash once found is kept in
REGRESSIONS."""

from __future__ import annotations

import random
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from devfin.errors import ParseError
from devfin.parse.text import MAX_HTML_DEPTH, MAX_PAGE_BYTES
from devfin.records import ParsedSheet, column_types, parsed_sheet_to_json
from devfin.samples import sample
from devfin.sources import RECORD_TYPES, get_source

SAMPLES = Path(__file__).resolve().parents[2] / "include" / "sample_data"
REAL_SEEDS = {
    "adb_pds": SAMPLES / "adb_pds" / "54037-001.txt",
    "cdia": SAMPLES / "cdia" / "chongqing-innovation-and-human-capital-development.txt",
}
RENDERINGS = {
    "adb_pds": ("html", "text", "bullets", "print", "tabbed-2015", "pds-2014"),
    "cdia": ("html", "text"),
}
PAGES = 400  # mutated pages per source and rendering
BASE_PAGES = 4  # generated pages per rendering the mutations start from

# (source, rendering, index) of fuzzed pages that once crashed a parser: kept as regressions.
# Lone surrogates in a str page (bytes decoded with surrogateescape) were read into records
# that no UTF-8 file or warehouse can hold: such a page is now refused as not Unicode text.
REGRESSIONS: tuple[tuple[str, str, int], ...] = (
    ("adb_pds", "text", 2),
    ("adb_pds", "bullets", 9),
    ("cdia", "text", 11),
)

HOSTILE = (
    "<script>alert(1)</script>",
    "'; drop table staging.adb_projects; --",
    "</dd></dl></td></tr></table></article>",
    "<dt>Project Number</dt><dd>",
    "Project Number | ",
    "| | | |",
    "<![CDATA[",
    "<!--",
    "&#0; &#x110000; &amp &nbsp;",
    "${jndi:ldap://x}",
    "{{7*7}}",
)
ODD = (
    "\x00",
    "\u200f",
    "\u202e",
    "\u0301\u0301\u0301",
    "\ufeff",
    "\ufdd0",
    "\ufffd",
    "\u2028",
    "\x0b\x0c\x1c",
    "\U0001f4b0",
    "''",
    "\u00a0\u00a0",
)
NESTINGS = ("<div>", "<b>", "<span>", "<table><tr><td>", "<ul><li>", "<dl><dd>", "<p><i>")


@cache
def _bases(source: str, rendering: str) -> tuple[str, ...]:
    pages: list[str] = []
    index = 0
    while len(pages) < BASE_PAGES:  # not every generated sheet has every layout generation
        generated = sample(source, 19, index)
        if rendering in ("html", "text") or rendering in generated.renderings:
            pages.append(generated.rendered(rendering).body)
        index += 1
    if rendering == "text":
        pages.append(REAL_SEEDS[source].read_text(encoding="utf-8"))
    return tuple(pages)


def _lines(page: str) -> list[str]:
    return page.split("\n")


def _tags(page: str) -> list[str]:
    """The page cut before each "<": its tags and the text after them."""
    pieces = page.split("<")
    return [pieces[0], *("<" + piece for piece in pieces[1:])]


def _truncate(rng: random.Random, page: str) -> str:
    return page[: rng.randrange(len(page) + 1)]


def _delete(rng: random.Random, parts: list[str]) -> list[str]:
    for _ in range(rng.randint(1, 5)):
        if parts:
            del parts[rng.randrange(len(parts))]
    return parts


def _duplicate(rng: random.Random, parts: list[str]) -> list[str]:
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(parts))
        times = rng.choice((1, 2, 50)) if len(parts[at]) < 1_000 else 1  # pages stay small
        parts[at:at] = [parts[at]] * times
    return parts


def _swap(rng: random.Random, parts: list[str]) -> list[str]:
    for _ in range(rng.randint(1, 5)):
        i, j = rng.randrange(len(parts)), rng.randrange(len(parts))
        parts[i], parts[j] = parts[j], parts[i]
    return parts


def _in_parts(edit: Callable[[random.Random, list[str]], list[str]], cut: str):
    def mutate(rng: random.Random, page: str) -> str:
        parts = _lines(page) if cut == "lines" else _tags(page)
        return ("\n" if cut == "lines" else "").join(edit(rng, parts) or [""])

    return mutate


def _insert(rng: random.Random, page: str, text: str) -> str:
    at = rng.randrange(len(page) + 1)
    return page[:at] + text + page[at:]


def _deep_nesting(rng: random.Random, page: str) -> str:
    tag = rng.choice(NESTINGS)
    depth = rng.choice((600, 1_500, 3_000))
    inner = rng.choice(("Project Number 40000-001", "CDIA Support US$ 1", "x", ""))
    closing = "".join(f"</{name}" for name in reversed(tag.split("<")[1:]))
    return _insert(rng, page, tag * depth + inner + closing * rng.choice((0, depth)))


def _huge_number(rng: random.Random, page: str) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((19, 27, 40, 400))))
    number = rng.choice((digits, f"{digits}.{digits}", f"1e{digits}", f"{digits} billion"))
    spots = [i for i, char in enumerate(page) if char.isdigit()] or [0]
    at = rng.choice(spots)
    return page[:at] + number + page[at + 1 :]


def _odd_unicode(rng: random.Random, page: str) -> str:
    for _ in range(rng.randint(1, 8)):
        page = _insert(rng, page, rng.choice(ODD))
    return page


def _hostile(rng: random.Random, page: str) -> str:
    for _ in range(rng.randint(1, 3)):
        page = _insert(rng, page, rng.choice(HOSTILE))
    return page


def _random_bytes(rng: random.Random, page: str) -> bytes:
    """Some bytes of the page overwritten at random: often no longer UTF-8."""
    data = bytearray(page.encode("utf-8"))
    for _ in range(rng.randint(1, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _surrogates(rng: random.Random, page: str) -> str:
    """Random bytes decoded as surrogateescape does: lone surrogates in a str."""
    return _random_bytes(rng, page).decode("utf-8", errors="surrogateescape")


TEXT_MUTATIONS = (
    _truncate,
    _in_parts(_delete, "lines"),
    _in_parts(_duplicate, "lines"),
    _in_parts(_swap, "lines"),
    _in_parts(_delete, "tags"),
    _in_parts(_duplicate, "tags"),
    _in_parts(_swap, "tags"),
    _deep_nesting,
    _huge_number,
    _odd_unicode,
    _hostile,
)
LAST_MUTATIONS = (_random_bytes, _surrogates)  # they leave no str to mutate further


def fuzzed_page(source: str, rendering: str, index: int) -> str | bytes:
    """Page `index` of a rendering's fuzz: a base page with one to three mutations."""
    rng = random.Random(f"fuzz:{source}:{rendering}:{index}")
    page: str | bytes = rng.choice(_bases(source, rendering))
    for _ in range(rng.randint(1, 3)):
        assert isinstance(page, str)
        if rng.random() < 0.1:
            return rng.choice(LAST_MUTATIONS)(rng, page)
        page = rng.choice(TEXT_MUTATIONS)(rng, page) or " "
        if len(page) > 1_000_000:  # duplications compound: keep the fuzz fast
            break
    return page


def _check_types(sheet: ParsedSheet, source: str) -> None:
    """Records of the source's types, each column of its declared type, and JSON-able."""
    parent, *children = RECORD_TYPES[source]
    assert sheet.source == source and type(sheet.record) is parent
    allowed = {child.table: child for child in children}
    for table, rows in sheet.children.items():
        assert all(type(row) is allowed[table] for row in rows), table
    for record in (sheet.record, *(row for rows in sheet.children.values() for row in rows)):
        for name, kind in column_types(type(record)).items():
            value = getattr(record, name)
            if value is None:
                continue
            if typing.get_origin(kind) is tuple or kind is tuple:
                assert isinstance(value, tuple), (name, value)
            elif kind in (str, int, bool, Decimal, date):
                assert isinstance(value, kind), (name, value)
            if isinstance(value, str):
                value.encode("utf-8")  # the hand-over files and the warehouse hold UTF-8
    parsed_sheet_to_json(sheet)  # the parse stage writes each sheet so


def _parse(source: str, page: str | bytes) -> ParsedSheet | ParseError:
    try:
        sheet = get_source(source).parse(page, sheet_id="fuzz", url="https://example.org/fuzz")
    except ParseError as error:
        assert error.sheet_id == "fuzz" and error.reason, error
        return error
    _check_types(sheet, source)
    return sheet


CASES = [
    (source, rendering) for source, renderings in RENDERINGS.items() for rendering in renderings
]


@pytest.mark.parametrize(("source", "rendering"), CASES)
def test_fuzzed_pages_parse_or_raise_parse_error(source: str, rendering: str) -> None:
    parsed = 0
    for index in range(PAGES):
        page = fuzzed_page(source, rendering, index)
        try:
            outcome = _parse(source, page)
        except Exception as error:  # any other exception fails, naming the page that raised it
            raise AssertionError(
                f"fuzzed page ({source!r}, {rendering!r}, {index}) raised"
                f" {type(error).__name__}: {error}"
            ) from error
        parsed += isinstance(outcome, ParsedSheet)
    # The mutations leave most pages readable: the fuzz reaches the field readers.
    assert parsed > PAGES // 3


@pytest.mark.parametrize(("source", "rendering", "index"), REGRESSIONS)
def test_fuzzed_pages_that_once_crashed(source: str, rendering: str, index: int) -> None:
    _parse(source, fuzzed_page(source, rendering, index))


@pytest.mark.parametrize("source", sorted(RENDERINGS))
def test_a_page_over_the_budget_is_refused_naming_sheet_url_and_budget(source: str) -> None:
    page = _bases(source, "text")[0]
    huge = page + " " * (MAX_PAGE_BYTES + 1 - len(page))
    with pytest.raises(ParseError) as raised:
        get_source(source).parse(huge.encode(), sheet_id="big", url="https://example.org/big")
    error = raised.value
    assert error.reason == "page_too_large" and (error.sheet_id, error.url) == (
        "big",
        "https://example.org/big",
    )
    assert "MAX_PAGE_BYTES" in str(error) and f"{MAX_PAGE_BYTES:,}" in str(error)
    assert "big" in str(error) and "https://example.org/big" in str(error)


@pytest.mark.parametrize("source", sorted(RENDERINGS))
def test_html_nested_over_the_budget_is_refused(source: str) -> None:
    page = _bases(source, "html")[0]
    deep = page.replace("<body", "<div>" * (MAX_HTML_DEPTH + 1) + "<body", 1)
    # unclosed <p>s and <li>s, void elements and SVG's <path/> nest nothing
    flat = page.replace(
        "<body", "<p>x<li>y<br><img src=a><path d='M0'/>" * MAX_HTML_DEPTH + "<body", 1
    )
    with pytest.raises(ParseError, match="MAX_HTML_DEPTH") as raised:
        get_source(source).parse(deep, sheet_id="deep", url="https://example.org/deep")
    assert raised.value.reason == "nested_too_deep" and raised.value.sheet_id == "deep"
    outcome = _parse(source, flat)
    assert not (isinstance(outcome, ParseError) and outcome.reason == "nested_too_deep")


def test_html_nested_within_the_budget_is_read() -> None:
    page = _bases("cdia", "html")[0]
    heading = "<h3>Key City Development Issues</h3>"
    depth = MAX_HTML_DEPTH - 50  # the page's own elements nest some 10 deep
    deep = page.replace(heading, f"{heading}{'<div>' * depth}Deep{'</div>' * depth}", 1)
    sheet = _parse("cdia", deep)
    assert isinstance(sheet, ParsedSheet) and sheet.record.key_issues.startswith("Deep")


def test_a_fuzzed_page_is_a_function_of_its_index() -> None:
    assert fuzzed_page("cdia", "html", 7) == fuzzed_page("cdia", "html", 7)

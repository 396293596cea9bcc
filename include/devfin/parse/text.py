"""Normalisation of the text, dates, amounts and quantities written on data sheets."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from devfin.errors import ParseError

# No-break spaces are layout artefacts of the HTML pages, never content.
_NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})
# A lone space does not match: re.sub would hold every word of a long text as a piece.
_HORIZONTAL_SPACE = re.compile(r"[ \t]{2,}|\t")
_BLANK_LINE_RUN = re.compile(r"\n{3,}")
# Sheets write "-" for "no value".
_EMPTY_MARKERS = frozenset({"", "-"})

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAY_MONTH_YEAR = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})")
_MONTH_YEAR = re.compile(r"(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})")

_CURRENCY_PREFIX = re.compile(r"(?:US\$|USD|\$)\s*", re.IGNORECASE)
_SCALED_NUMBER = re.compile(
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>thousand|million|billion))?",
    re.IGNORECASE,
)
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 16  # numeric(18, 2): 16 digits before the point
MAX_BIGINT = 2**63 - 1

_HTML_SNIFF_CHARS = 1024

# The page budget: a page beyond it is refused before it is parsed (ParseError), not parsed at
# any cost. Real data sheets are 3 to 30 kB and nest elements some 20 deep (lexbor's tree of a
# page costs about 13 times its size, and nesting its <div>s costs time by the square of their
# depth: 40,000 of them took 7 s, 200,000 minutes); the limits are far above any real page, and
# a page under them parses within DEVFIN's memory (bench/parse_memory.py: 20 MB pages).
MAX_PAGE_BYTES = 32 * 2**20  # of a str page: its characters
MAX_HTML_DEPTH = 10_000
# A start or end tag, and whether it closes itself ("<path/>", as SVG writes it).
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)([^>]*)>")
# Elements that hold no content, or that the parser closes itself when the next one starts:
# a page of unclosed <p>s, <li>s or <td>s is not a deep one.
_FLAT_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr"
    " p li dd dt tr td th thead tbody tfoot caption colgroup option optgroup rb rp rt".split()
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# The pages escape apostrophes SQL-style ("People''s"); the data has one. `clean_text` mends it,
# and the parsers name each mended field in `ParsedSheet.repairs` under this kind.
DOUBLED_APOSTROPHE = "''"
DOUBLED_APOSTROPHE_REPAIR = "doubled_apostrophe"


def has_doubled_apostrophe(value: str | None) -> bool:
    """Whether `clean_text` would mend doubled apostrophes in this source text."""
    return value is not None and DOUBLED_APOSTROPHE in value


def clean_text(value: str | None) -> str | None:
    """Normalised text (NBSP, doubled apostrophes, runs of spaces), or None when empty or "-"."""
    if value is None:
        return None
    # Each step only where it can change something: parsing a page cleans ~150 values, most of
    # them ASCII on one line with single spaces.
    text = value if value.isascii() else value.translate(_NO_BREAK_SPACES)
    if DOUBLED_APOSTROPHE in text:
        text = text.replace(DOUBLED_APOSTROPHE, "'")
    if "\n" in text or "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
        # Paragraph breaks are content: keep them, but at most one blank line between them.
        text = _BLANK_LINE_RUN.sub("\n\n", "\n".join(lines)).strip()
    elif "  " in text or "\t" in text:  # one line: only its runs of spaces to collapse
        text = _HORIZONTAL_SPACE.sub(" ", text).strip()
    else:
        text = text.strip()
    return None if text in _EMPTY_MARKERS else text


def parse_date(value: str | None) -> date | None:
    """A day date written "14 Sep 2020" or "14 September 2020"; None when empty or "-"."""
    text = clean_text(value)
    if text is None:
        return None
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        raise ValueError(f"not a date (expected like '14 Sep 2020'): {value!r}")
    month = _month_number(match["month"], value)
    try:
        return date(int(match["year"]), month, int(match["day"]))
    except ValueError as error:
        raise ValueError(f"not a date ({error}): {value!r}") from error


def parse_month(value: str | None) -> date | None:
    """A month written "Nov 2020" or "March 2018", as its first day; None when empty or "-"."""
    text = clean_text(value)
    if text is None:
        return None
    match = _MONTH_YEAR.fullmatch(text)
    if match is None:
        raise ValueError(f"not a month (expected like 'Nov 2020'): {value!r}")
    return date(int(match["year"]), _month_number(match["month"], value), 1)


def parse_amount(value: str | None) -> Decimal | None:
    """A money amount ("400,000.00", "US$ 427.3 million") to the cent; None when empty or "-"."""
    text = clean_text(value)
    if text is None:
        return None
    prefix = _CURRENCY_PREFIX.match(text)
    number = _scaled_number(text[prefix.end() :] if prefix else text, value)
    _fit_numeric(
        number,
        value,
        too_large="too large for an amount (numeric(18,2))",
        too_fine="more than 2 decimals (numeric(18,2) keeps cents)",
    )
    return number.quantize(_CENT)


def parse_decimal(value: str | None) -> Decimal | None:
    """A plain quantity ("82,400", "1.5 million") with the precision it was written with."""
    text = clean_text(value)
    if text is None:
        return None
    return _scaled_number(text, value)


def parse_quantity(value: str | None) -> Decimal | None:
    """A quantity the warehouse keeps as numeric(18,2) (an area): one with more decimals or
    digits than that holds is no value it can keep, rather than one rounded or refused at the
    load (PostgreSQL would round it, DuckDB refuse it)."""
    quantity = parse_decimal(value)
    if quantity is None:
        return None
    _fit_numeric(
        quantity,
        value,
        too_large="too large for numeric(18,2)",
        too_fine="more than 2 decimals (the warehouse keeps numeric(18,2))",
    )
    return quantity


def _fit_numeric(number: Decimal, value: str | None, *, too_large: str, too_fine: str) -> None:
    """ValueError unless numeric(18,2) holds `number` exactly: a larger one, or a fraction of a
    cent, is no value the warehouse can keep, rather than one rounded here without a word (or,
    at the load, rounded by PostgreSQL and refused by DuckDB)."""
    if abs(number) >= MAX_AMOUNT:
        raise ValueError(f"{too_large}: {value!r}")
    if number != number.quantize(_CENT):
        raise ValueError(f"{too_fine}: {value!r}")


def parse_int_quantity(value: str | None) -> int | None:
    """A whole quantity such as a population ("30 million", "30,000,000"); None when empty."""
    quantity = parse_decimal(value)
    if quantity is None:
        return None
    if quantity != quantity.to_integral_value():
        raise ValueError(f"not a whole number: {value!r}")
    if abs(quantity) > MAX_BIGINT:
        raise ValueError(f"too large for a whole number the warehouse keeps (bigint): {value!r}")
    return int(quantity)


def page_text(content: str | bytes) -> str:
    """The text of a saved page: UTF-8 decoded, byte-order mark dropped, newlines unified."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_page(content: str | bytes, *, sheet_id: str, url: str) -> str:
    """The text of a saved page (`page_text`), if it is text within the page budget; else
    ParseError: not UTF-8 (`not_a_data_sheet`), over MAX_PAGE_BYTES (`page_too_large`), HTML
    nested deeper than MAX_HTML_DEPTH (`nested_too_deep`)."""

    def refuse(message: str, reason: str) -> ParseError:
        return ParseError(message, reason=reason, sheet_id=sheet_id, url=url)

    if len(content) > MAX_PAGE_BYTES:
        unit = "bytes" if isinstance(content, bytes) else "characters"
        raise refuse(
            f"page of {len(content):,} {unit} is over the page budget of {MAX_PAGE_BYTES:,}"
            " (text.MAX_PAGE_BYTES): not parsed",
            "page_too_large",
        )
    try:
        text = page_text(content)
    except UnicodeDecodeError as error:
        raise refuse(f"page is not UTF-8 text: {error}", "not_a_data_sheet") from error
    # A str may hold lone surrogates (bytes decoded with surrogateescape): no text to parse,
    # nor one lexbor or the warehouse can take.
    if not text.isascii() and (surrogate := _LONE_SURROGATE.search(text)) is not None:
        raise refuse(
            f"page is not Unicode text: a lone surrogate at character {surrogate.start():,}",
            "not_a_data_sheet",
        )
    if looks_like_html(text) and (depth := html_depth(text, MAX_HTML_DEPTH)) > MAX_HTML_DEPTH:
        raise refuse(
            f"page nests elements more than {MAX_HTML_DEPTH:,} deep (text.MAX_HTML_DEPTH),"
            f" {depth:,} by its tags at least: not parsed",
            "nested_too_deep",
        )
    return text


def html_source(content: str | bytes, text: str) -> str | bytes:
    """What an HTML parser should read of a page whose text (`read_page`) is `text`: its own
    bytes when it came as bytes (lexbor reads them as UTF-8, as `text` was decoded, BOM and
    line ends alike), so that the text need not be kept beside the tree; else the text."""
    return content if isinstance(content, bytes) else text


def html_depth(text: str, limit: int) -> int:
    """How deep an HTML page nests its elements, as its tags say, counted up to one past
    `limit` (unclosed elements the parser closes itself, and void ones, do not count)."""
    if text.count("<") <= limit:  # too few tags to nest that deep: most pages
        return 0
    depth = deepest = 0
    for match in _TAG.finditer(text):
        name = match[2]
        if name in _FLAT_TAGS or name.lower() in _FLAT_TAGS or match[3].endswith("/"):
            continue
        if match[1]:
            depth = depth - 1 if depth else 0  # a stray end tag closes nothing
        elif (depth := depth + 1) > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def looks_like_html(text: str) -> bool:
    """Whether a page is HTML (a live page) rather than the plain-text rendering of one."""
    head = text[:_HTML_SNIFF_CHARS].lstrip().lower()
    return head.startswith("<!doctype") or "<html" in head


_HTML_END_TAG = re.compile(r"</html\s*>", re.IGNORECASE)


def closes_html_document(text: str) -> bool:
    """Whether an HTML page reaches its closing `</html>` tag, as every whole page does.

    What follows the tag (whitespace, comments, a script a server or proxy appends) is allowed:
    it is not the document being cut short."""
    return _HTML_END_TAG.search(text) is not None


def _month_number(name: str, value: str | None) -> int:
    # A table instead of strptime's %b/%B, which depend on the process locale.
    key = name.casefold()
    if len(key) >= 3:
        for number, month_name in enumerate(_MONTH_NAMES, start=1):
            if month_name.startswith(key):
                return number
    raise ValueError(f"unknown month {name!r} in {value!r}")


def _scaled_number(text: str, value: str | None) -> Decimal:
    match = _SCALED_NUMBER.fullmatch(text)
    if match is None:
        raise ValueError(f"not a number: {value!r}")
    number = Decimal(match["number"].replace(",", ""))
    scale = match["scale"]
    return number * _SCALES[scale.lower()] if scale else number

"""CDIA city-intervention pages (source `cdia`): one page in, its typed records out.

A page arrives as HTML (the live page) or as its plain-text rendering. Either is first cut into
the same labelled values, which are then read into records by the same code, so both renderings
of a page give identical records, children, `missing_labels`, `repairs`, `unparsed` and
provenance.

Layouts. One generation of the page is known, named `intervention-2019` (`LAYOUT`) after the
latest study periods its dated pages state (March 2018 - June 2019, August 2018 - October 2019):
the seed and every stored real page are of it. It writes, in this order, the breadcrumb
"City Interventions", the title, "Country:" and "City:" lines, the facts (Key Stakeholders and
Partners, Project Preparation Study Period, CDIA Support, Expected Downstream Financing,
Infrastructure sectors, CDIA priority impact areas), three narratives (Key City Development
Issues, Details of Cooperation, Expected Development Outcomes), the Download links and the Key
City information (Land Area, Estimated Population, City website). Its pages vary within it, and
every variation reads as this layout: the study period may be left out (a missing label); the
last narrative may be headed "Expected Development Impacts"; the City may name several cities
("Banjarmasin, Cirebon, Makassar, Palembang, Sorong"), and the list facts may put one entry a
line instead of "; " between them; the downstream financing may be "TBC", alone or after an
amount ("$40 million (tbc)"). The HTML page and its text rendering are two renderings of one
layout, not two layouts: both give the same `layout`.

Values. A label that is absent degrades its field (None, listed in `missing_labels`). A value
that is present but cannot be read empties its field and is kept in `unparsed` (field → its text
and why), for a warning check. Only a page that is not an intervention page, or whose title
cannot be read, raises ParseError.

No live CDIA layout is documented; the HTML read here is the natural page of which the text
rendering is a rendering (the text glues a label to its value where the page has them in
separate elements):

    <div class="breadcrumb"><a href="…">City Interventions</a></div>
    <h1>Chongqing Innovation and Human Capital Development</h1>
    <ul><li><strong>Country:</strong> China</li><li><strong>City:</strong> Chongqing</li></ul>
    <div class="fact"><h4>CDIA Support</h4><p>US$ 450,000</p></div>   one per fact label
    <h3>Key City Development Issues</h3><p>…</p><p>…</p>               one per narrative
    <p><strong>Download:</strong> <a href="….pdf">Final Report</a>&nbsp; &nbsp; …</p>
    <aside><h4>Key City information</h4><p><strong>Land Area:</strong> 82,400 sq. km.<br>
      <strong>Estimated Population:</strong> 30 million (2018)<br>
      <strong>City website:</strong> n/a</p></aside>
    <a href="#top">Back to Top</a>

The HTML is read by label, never by position or CSS path, so that a template change degrades
one field, not the sheet. A label is an `h2` to `h6`, `dt` or `th` whose text is a known label
(any case, a trailing colon allowed), or a `strong`/`b` that starts its line and is followed by
a colon. Its value is what follows it among its siblings, up to the next label or heading; a
label alone in its element (`<div><h4>label</h4></div><div>value</div>`) takes what follows
that element. The title is the last `<h1>` before the first label; downloads are the texts of
the links in the Download value. Site navigation, footers and scripts hold no label and are
never read.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from selectolax.lexbor import LexborHTMLParser, LexborNode

from devfin.errors import ParseError
from devfin.parse.text import (
    DOUBLED_APOSTROPHE_REPAIR,
    clean_text,
    closes_html_document,
    has_doubled_apostrophe,
    html_source,
    looks_like_html,
    parse_amount,
    parse_int_quantity,
    parse_month,
    parse_quantity,
    read_page,
)
from devfin.records import ParsedSheet
from devfin.sources.cdia.records import (
    CdiaCity,
    CdiaImpactArea,
    CdiaInfrastructureSector,
    CdiaIntervention,
    CdiaStakeholder,
)

SOURCE_KEY = "cdia"

# The one layout generation known (see the module docstring).
LAYOUT = "intervention-2019"

# The label vocabulary. The text rendering glues most labels to their values
# ("CDIA SupportUS$ 450,000"), so a line is split where a known label ends. Labels match
# ignoring case.
COUNTRY = "Country"
CITY = "City"
STAKEHOLDERS = "Key Stakeholders and Partners"
STUDY_PERIOD = "Project Preparation Study Period"
CDIA_SUPPORT = "CDIA Support"
DOWNSTREAM_FINANCING = "Expected Downstream Financing"
INFRASTRUCTURE_SECTORS = "Infrastructure sectors"
IMPACT_AREAS = "CDIA priority impact areas"
KEY_ISSUES = "Key City Development Issues"
COOPERATION_DETAILS = "Details of Cooperation"
EXPECTED_OUTCOMES = "Expected Development Outcomes"
EXPECTED_IMPACTS = "Expected Development Impacts"  # what some pages head the same narrative
DOWNLOAD = "Download"
CITY_INFORMATION = "Key City information"  # heads the Land Area / Population / website lines
LAND_AREA = "Land Area"
POPULATION = "Estimated Population"
CITY_WEBSITE = "City website"


@dataclass(frozen=True)
class Label:
    """A label of the page and how its value is written."""

    text: str
    colon: bool = False  # written "Label: value"; otherwise the value may be glued on
    narrative: bool = False  # the value is the paragraphs below, up to the next label
    heading: bool = False  # heads other labelled lines and has no value of its own
    links: bool = False  # the value is a row of links, set apart by runs of spaces in text
    aliases: tuple[str, ...] = ()  # other wordings of the same label

    def wordings(self) -> tuple[str, ...]:
        return (self.text, *self.aliases)


LABELS = (
    Label(COUNTRY, colon=True),
    Label(CITY, colon=True),
    Label(STAKEHOLDERS),
    Label(STUDY_PERIOD),
    Label(CDIA_SUPPORT),
    Label(DOWNSTREAM_FINANCING),
    Label(INFRASTRUCTURE_SECTORS),
    Label(IMPACT_AREAS),
    Label(KEY_ISSUES, narrative=True),
    Label(COOPERATION_DETAILS, narrative=True),
    Label(EXPECTED_OUTCOMES, narrative=True, aliases=(EXPECTED_IMPACTS,)),
    Label(DOWNLOAD, colon=True, links=True),
    Label(CITY_INFORMATION, heading=True),
    Label(LAND_AREA, colon=True),
    Label(POPULATION, colon=True),
    Label(CITY_WEBSITE, colon=True),
)
# The breadcrumb above the title and the footer link: page furniture, not data.
BOILERPLATE = ("City Interventions", "Back to Top")
TITLE_PROVENANCE = f"(heading below {BOILERPLATE[0]})"
# Generic labels that pages other than a CDIA intervention also carry.
GENERIC_LABELS = (COUNTRY, CITY, DOWNLOAD)
# Values the site writes for "none".
PLACEHOLDERS = ("n/a",)
# Joins the Download link texts into one value.
LIST_SEPARATOR = "; "
DOWNSTREAM_STATED = "stated"
DOWNSTREAM_TO_BE_CONFIRMED = "to_be_confirmed"

# The entries of a list value are set apart by "; " or written one a line.
_LIST_SEPARATOR = re.compile(r"\s*[;\n]\s*")
# The cities of the City value also by commas and "and": "Palembang and Sorong".
_CITY_SEPARATOR = re.compile(r"\s*[;,\n]\s*(?:and\s+)?|\s+and\s+")
# What the site writes for an amount not yet known, alone or as a note ("$40 million (tbc)").
_TO_BE_CONFIRMED = re.compile(r"tbc|tbd|to be (?:confirmed|determined)", re.IGNORECASE)
_TO_BE_CONFIRMED_AT_END = re.compile(
    r"(?:^|[\s,;]+)(?:tbc|tbd|to be (?:confirmed|determined))\.?$", re.IGNORECASE
)
_NOTE_SEPARATOR = re.compile(r"\s*[,;]\s*")
_PERIOD_SEPARATOR = re.compile(r"\s*[\u2013\u2014-]\s*|\s+to\s+", re.IGNORECASE)
_TRAILING_PARENTHESES = re.compile(r"(?P<head>.*?)\s*(?:\((?P<inside>[^()]*)\))?", re.DOTALL)
_AREA_UNIT = re.compile(r"\s*(?:sq\.?\s*km\.?|km2|km\u00b2|square kilomet(?:er|re)s?)", re.I)
# Download links are separated by runs of (no-break) spaces, link texts by single spaces.
_LINK_GAP = re.compile(r"[ \t\u00a0]{2,}")
_YEAR = re.compile(r"\d{4}")

T = TypeVar("T")

# Every wording of every label, longest first, so that a label is never cut short by another
# that begins it.
_WORDINGS_LONGEST_FIRST = tuple(
    sorted(
        ((wording, label) for label in LABELS for wording in label.wordings()),
        key=lambda pair: -len(pair[0]),
    )
)
_LABELS_BY_KEY = {wording.casefold(): label for wording, label in _WORDINGS_LONGEST_FIRST}
_BOILERPLATE_KEYS = frozenset(text.casefold() for text in BOILERPLATE)
_PLACEHOLDER_KEYS = frozenset(text.casefold() for text in PLACEHOLDERS)
_GENERIC_KEYS = frozenset(text.casefold() for text in GENERIC_LABELS)
_BOILERPLATE_LENGTH = 2 * max(len(text) for text in BOILERPLATE)  # room for spaces around


@dataclass(frozen=True)
class _ChildTable:
    """A list value of the page and the child table its entries are rows of."""

    label: str
    row_type: type
    separator: re.Pattern[str]


_CHILD_TABLES = (
    _ChildTable(CITY, CdiaCity, _CITY_SEPARATOR),
    _ChildTable(STAKEHOLDERS, CdiaStakeholder, _LIST_SEPARATOR),
    _ChildTable(INFRASTRUCTURE_SECTORS, CdiaInfrastructureSector, _LIST_SEPARATOR),
    _ChildTable(IMPACT_AREAS, CdiaImpactArea, _LIST_SEPARATOR),
)
# Where a repaired field is listed: record fields first, then the child tables, in order.
_REPAIR_ORDER = {
    name: position
    for position, name in enumerate(
        [f.name for f in dataclasses.fields(CdiaIntervention)]
        + [f"{child.row_type.table}.name" for child in _CHILD_TABLES]
    )
}


@dataclass(frozen=True)
class _Sheet:
    """The sheet being parsed, for errors that name it."""

    sheet_id: str
    url: str

    def error(self, message: str, reason: str) -> ParseError:
        return ParseError(message, reason=reason, sheet_id=self.sheet_id, url=self.url)


@dataclass
class _Value:
    """The raw value of one label, as the lines it was written on."""

    label: str  # as written on the page
    lines: list[str] = field(default_factory=list)

    def raw(self) -> str:
        return "\n".join(self.lines)

    def text(self) -> str | None:
        text = clean_text(self.raw())
        return None if text is None or text.casefold() in _PLACEHOLDER_KEYS else text

    def items(self, separator: re.Pattern[str]) -> list[str]:
        """The entries of a list, split where `separator` matches outside parentheses."""
        text = self.text()
        return [entry for entry in _split_outside_parentheses(text, separator) if entry]

    def is_repaired(self) -> bool:
        """Whether reading the value mends doubled apostrophes (see `clean_text`)."""
        return has_doubled_apostrophe(self.raw())


@dataclass
class _Layout:
    """A page cut into its title (as written) and its labels' values, whatever its format."""

    title: str | None = None
    values: dict[str, _Value] = field(default_factory=dict)  # keyed by label key

    def value(self, label: str) -> _Value | None:
        return self.values.get(label.casefold())

    def add(self, label: Label, written: str, lines: Iterable[str]) -> _Value:
        """A label's value; a label met twice gets the lines of both."""
        value = self.values.setdefault(label.text.casefold(), _Value(written))
        value.lines.extend(lines)
        return value


@dataclass
class _Fields:
    """The parent record's fields as they are read, with where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    unparsed: dict[str, dict[str, str]] = field(default_factory=dict)

    def put(self, name: str, value: Any, source: str, *, repaired: bool = False) -> None:
        if value is not None:
            self.values[name] = value
            self.provenance[name] = source
            if repaired:
                self.repaired.append(name)

    def read(
        self, name: str, convert: Callable[[str | None], T], text: str | None, value: _Value
    ) -> T | None:
        """`text` (part of `value`) converted into field `name`; if it cannot be, the field
        stays empty and the whole value is kept in `unparsed`, with why."""
        try:
            converted = convert(text)
        except ValueError as error:
            self.fail(name, value, str(error))
            return None
        self.put(name, converted, value.label)
        return converted

    def fail(self, name: str, value: _Value, reason: str) -> None:
        self.unparsed[name] = {"text": value.text() or value.raw(), "reason": reason}


def parse(content: str | bytes, *, sheet_id: str, url: str) -> ParsedSheet:
    """One page's records, from the saved page (HTML) or the page's text rendering."""
    sheet = _Sheet(sheet_id, url)
    text = read_page(content, sheet_id=sheet_id, url=url)  # ParseError beyond the page budget
    if looks_like_html(text):
        reason = None if closes_html_document(text) else "cut short: no closing </html>"
        page = html_source(content, text)
        del text  # lexbor reads the page's bytes: a 20 MB page is not held twice beside its tree
        parsed = _read_sheet(_scan_html(page), sheet)
    else:
        parsed = _read_sheet(_scan_text(text.split("\n")), sheet)
        reason = _cut_short(text)
    if reason is None:
        return parsed
    return dataclasses.replace(
        parsed, record=dataclasses.replace(parsed.record, cut_short_reason=reason)
    )


# The layout's last line, below the Key City information: a text page without it was cut
# short (a download, save or export that stopped early), however many labels it still has.
# The HTML page ends with its </html> tag.
LAST_LINE = BOILERPLATE[1]  # "Back to Top"
_LAST_LINE = re.compile(rf"^[^\S\n]*{re.escape(LAST_LINE)}[^\S\n]*$", re.IGNORECASE | re.MULTILINE)


def _cut_short(text: str) -> str | None:
    """Why a text page is cut short (it lacks what its layout always prints), None if whole."""
    if _LAST_LINE.search(text):  # a search, not a list of the lines: a page may be 20 MB
        return None
    return f"cut short: no {LAST_LINE!r}, the page's last line"


def _read_sheet(layout: _Layout, sheet: _Sheet) -> ParsedSheet:
    if not set(layout.values) - _GENERIC_KEYS:
        raise sheet.error(
            "no CDIA label (such as 'CDIA Support'): not a CDIA city-intervention page",
            "not_a_data_sheet",
        )
    fields = _Fields()
    title = clean_text(layout.title)
    if title is None:
        raise sheet.error(
            f"the title (the heading below {BOILERPLATE[0]!r}) is missing", "missing_field"
        )
    fields.put("title", title, TITLE_PROVENANCE, repaired=has_doubled_apostrophe(layout.title))
    _read_text_fields(layout, fields)
    _read_study_period(layout, fields)
    _read_support(layout, fields)
    _read_downstream_financing(layout, fields)
    _read_city_information(layout, fields)
    _read_downloads(layout, fields)
    children = {child.row_type.table: _child_rows(layout, child) for child in _CHILD_TABLES}
    repaired = fields.repaired + [
        f"{child.row_type.table}.name"
        for child in _CHILD_TABLES
        if (value := layout.value(child.label)) is not None and value.is_repaired()
    ]
    missing = tuple(
        label.text for label in LABELS if not label.heading and layout.value(label.text) is None
    )
    return ParsedSheet(
        source=SOURCE_KEY,
        # The layout is the parser's reading of the whole page, not a labelled value: it has
        # no provenance.
        record=CdiaIntervention(**fields.values, layout=LAYOUT),
        children=children,
        provenance=fields.provenance,
        missing_labels=missing,
        repairs=_repairs(repaired),
        unparsed=fields.unparsed,
    )


def _repairs(repaired: list[str]) -> dict[str, tuple[str, ...]]:
    if not repaired:
        return {}
    return {DOUBLED_APOSTROPHE_REPAIR: tuple(sorted(repaired, key=_REPAIR_ORDER.__getitem__))}


# --- Cutting a text rendering into labelled values ------------------------------------------


@dataclass(frozen=True)
class _Match:
    """A line that starts with a label: the label, as written, and the rest of the line."""

    label: Label
    written: str
    rest: str


def _scan_text(lines: Iterable[str]) -> _Layout:
    """A value runs from its label to the next label; a narrative's paragraphs over blank
    lines, any other value over the lines below its label up to a blank line, so that a list
    written one entry a line ("Infrastructure sectorsWater Supply" / "Solid Waste Management")
    is read whole."""
    layout = _Layout()
    reading: _Value | None = None  # the value whose lines are being read
    narrative = False  # whether it is a narrative
    for raw_line in lines:
        line = raw_line.strip()
        if line.casefold() in _BOILERPLATE_KEYS:
            reading = None
            continue
        found, heading = _match_label(line), False
        while found is not None and found.label.heading:
            heading = True
            found = _match_label(found.rest)  # "Key City informationLand Area: 82,400 sq. km."
        if found is not None:
            reading = layout.add(found.label, found.written, [found.rest])
            narrative = found.label.narrative
        elif heading:
            reading = None
        elif reading is not None and (line or narrative):
            reading.lines.append(line)
        elif reading is not None and any(reading.lines):
            reading = None  # a blank line ends a value, once it has begun
        elif line and not layout.values and layout.title is None:
            layout.title = line
    return layout


def _match_label(line: str) -> _Match | None:
    """The label a line starts with and the value after it, if it starts with one."""
    for wording, label in _WORDINGS_LONGEST_FIRST:
        written = line[: len(wording)].replace("\u00a0", " ")
        if written.casefold() != wording.casefold():
            continue
        rest = line[len(wording) :].lstrip()
        if label.colon:
            if rest.startswith(":"):
                return _Match(label, written, rest[1:].strip())
            continue
        # A glued value starts a new word: "CDIA supported ..." is prose, not "CDIA Support";
        # but "Expected Downstream Financingn/a" and "…Financingtbc" are a label and its value.
        if rest[:1].islower() and not _is_glued_lowercase_value(rest):
            continue
        return _Match(label, written, rest.removeprefix(":").strip())
    return None


def _is_glued_lowercase_value(rest: str) -> bool:
    """Whether the lowercase text after a label is one of the values the site writes so."""
    value = rest.strip()
    return value.casefold() in _PLACEHOLDER_KEYS or _TO_BE_CONFIRMED.fullmatch(value) is not None


# --- Cutting an HTML page into labelled values ----------------------------------------------

_TITLE_TAG = "h1"
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_INLINE_LABEL_TAGS = frozenset({"strong", "b"})
_HEADINGS = "h1, h2, h3, h4, h5, h6"
_LABEL_CANDIDATES = f"{_HEADINGS}, dt, th, strong, b"
# Elements that start a line of their own when a browser renders the page.
_BLOCK_TAGS = _HEADING_TAGS | frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer header li main nav"
    " ol p section table td th tr ul".split()
)
_LINE_STARTS = _BLOCK_TAGS | {"br"}
_UNRENDERED_TAGS = frozenset({"script", "style", "noscript", "template", "-comment"})
# A label alone in its element takes what follows the element, but never beyond these.
_CONTAINERS = frozenset({"html", "body", "main", "article"})
# Not NBSP: that is content until clean_text. A lone space does not match: as a match it would
# be one more piece that re.sub holds (300 MiB more on a value of 3 million words).
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")


@dataclass(frozen=True)
class _HtmlLabel:
    """An element that holds a label, with the label as written (colon dropped)."""

    node: LexborNode
    label: Label
    written: str


def _scan_html(page: str | bytes) -> _Layout:
    body = LexborHTMLParser(page).body
    layout = _Layout()
    if body is None:
        return layout
    labels, title = _find_labels(body)
    layout.title = title
    # Every label and heading ends the value before it, and so does any element holding one;
    # `stops` counts, for each such element, the labels and headings it holds.
    ends = {node.mem_id: node for node in (*(found.node for found in labels), *body.css(_HEADINGS))}
    stops = Counter(ancestor for node in ends.values() for ancestor in _self_and_ancestors(node))
    for found in labels:
        if not found.label.heading:
            nodes = _value_nodes(found.node, stops)
            layout.add(found.label, found.written, _value_lines(nodes, found.label))
    return layout


def _find_labels(body: LexborNode) -> tuple[list[_HtmlLabel], str | None]:
    """The label elements in page order, and the title: the last `h1` before the first label."""
    labels: list[_HtmlLabel] = []
    label_ids: set[int] = set()
    title: str | None = None
    for node in body.css(_LABEL_CANDIDATES):
        text = _inline_text(node)
        if node.tag == _TITLE_TAG:
            if not labels and (clean_text(text) or "").casefold() not in _BOILERPLATE_KEYS:
                title = text
            continue
        written = (clean_text(text) or "").removesuffix(":").rstrip()
        label = _LABELS_BY_KEY.get(written.casefold())
        if label is None or not _is_label_element(node):
            continue
        if any(ancestor in label_ids for ancestor in _self_and_ancestors(node)):
            continue  # "<h4><strong>CDIA Support</strong></h4>": the outer element is the label
        labels.append(_HtmlLabel(node, label, written))
        label_ids.add(node.mem_id)
    return labels, title


def _is_label_element(node: LexborNode) -> bool:
    """Headings always are; `strong`/`b` only as "Label: value" at the start of a line."""
    if node.tag not in _INLINE_LABEL_TAGS:
        return True
    if not (node.text().rstrip().endswith(":") or _text_after(node).startswith(":")):
        return False
    previous = node.prev
    while previous is not None and previous.tag not in _LINE_STARTS:
        if previous.is_element_node or (previous.is_text_node and previous.text().strip()):
            return False  # emphasis inside a sentence, not a label
        previous = previous.prev
    return True


def _text_after(node: LexborNode) -> str:
    following = node.next
    return following.text().lstrip() if following is not None else ""


def _value_nodes(node: LexborNode, stops: Counter[int]) -> list[LexborNode]:
    """The nodes after a label up to the next label or heading (see the module docstring)."""
    block = node
    while True:
        nodes = list(_siblings_until_stop(block, stops))
        parent = block.parent
        if (
            any(n.tag not in _UNRENDERED_TAGS and _inline_text(n).strip() for n in nodes)
            or parent is None
            or parent.tag in _CONTAINERS
            or stops[parent.mem_id] > 1  # the parent holds other labels: theirs is what follows
        ):
            return nodes
        block = parent


def _siblings_until_stop(node: LexborNode, stops: Counter[int]) -> Iterator[LexborNode]:
    sibling = node.next
    while sibling is not None and sibling.mem_id not in stops and not _is_boilerplate(sibling):
        yield sibling
        sibling = sibling.next


def _is_boilerplate(node: LexborNode) -> bool:
    text = node.text().strip()
    if not text or len(text) > _BOILERPLATE_LENGTH:  # most siblings: no need to normalise
        return False
    return (clean_text(text) or "").casefold() in _BOILERPLATE_KEYS


def _value_lines(nodes: list[LexborNode], label: Label) -> list[str]:
    if label.links:
        links = [_inline_text(link) for node in nodes for link in _links(node)]
        if links:
            return links
    parts: list[str] = []
    for node in nodes:
        _render(node, parts)
    # "<strong>Country</strong>: China": the colon is the label's.
    return "".join(parts).lstrip().removeprefix(":").split("\n")


def _links(node: LexborNode) -> list[LexborNode]:
    if not node.is_element_node:
        return []
    return [node] if node.tag == "a" else node.css("a")


def _render(node: LexborNode, parts: list[str]) -> None:
    """The text of a node as a browser lays it out: blocks apart, `<br>` a line break.

    Depth first along the tree's own links (first child, next sibling, parent): not by
    recursion, as a page may nest elements deeper than Python's recursion limit, nor with a
    stack of every child met, as a value may have a hundred thousand lines."""
    root = node.mem_id
    current = node
    while True:
        tag = _render_start(current, parts)
        if tag is not None and (child := current.first_child) is not None:
            current = child
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n\n")
        while current.mem_id != root and (following := current.next) is None:
            current = current.parent
            if current.tag in _BLOCK_TAGS:
                parts.append("\n\n")  # the end of a block
        if current.mem_id == root:
            return
        current = following


def _render_start(node: LexborNode, parts: list[str]) -> str | None:
    """Writes what a node starts; the tag of an element whose children are to be rendered."""
    if node.is_text_node:
        parts.append(_HTML_WHITESPACE.sub(" ", node.text()))
        return None
    tag = node.tag
    if tag in _UNRENDERED_TAGS or not node.is_element_node:
        return None
    if tag == "br":
        parts.append("\n")
        return None
    if tag in _BLOCK_TAGS:
        parts.append("\n\n")  # a blank line between paragraphs, as in the text rendering
    return tag


def _inline_text(node: LexborNode) -> str:
    return _HTML_WHITESPACE.sub(" ", node.text())


def _self_and_ancestors(node: LexborNode) -> Iterator[int]:
    current: LexborNode | None = node
    while current is not None and current.is_element_node:
        yield current.mem_id
        current = current.parent


# --- Reading the fields ---------------------------------------------------------------------


def _read_text_fields(layout: _Layout, fields: _Fields) -> None:
    for name, label in (
        ("country", COUNTRY),
        ("city", CITY),
        ("key_issues", KEY_ISSUES),
        ("cooperation_details", COOPERATION_DETAILS),
        ("expected_outcomes", EXPECTED_OUTCOMES),
        ("city_website", CITY_WEBSITE),
    ):
        value = layout.value(label)
        if value is not None:
            fields.put(name, value.text(), value.label, repaired=value.is_repaired())


def _read_study_period(layout: _Layout, fields: _Fields) -> None:
    value = layout.value(STUDY_PERIOD)
    text = value.text() if value is not None else None
    if value is None or text is None:
        return
    # "March 2018 - June 2019" (an en dash on the page); a single month is a start only.
    parts = _PERIOD_SEPARATOR.split(text)
    if len(parts) > 2:
        reason = f"not a period (expected like 'March 2018 \u2013 June 2019'): {text!r}"
        fields.fail("study_period_start", value, reason)
        fields.fail("study_period_end", value, reason)
        return
    fields.read("study_period_start", parse_month, parts[0], value)
    if len(parts) == 2:
        fields.read("study_period_end", parse_month, parts[1], value)


def _read_support(layout: _Layout, fields: _Fields) -> None:
    value = layout.value(CDIA_SUPPORT)
    if value is not None:
        fields.read("cdia_support_usd", parse_amount, value.text(), value)


def _read_downstream_financing(layout: _Layout, fields: _Fields) -> None:
    value = layout.value(DOWNSTREAM_FINANCING)
    text = value.text() if value is not None else None
    if value is None or text is None:
        return
    # "US$ 427.3 million (ADB loan)": the financier is in the parentheses. "TBC", alone or as
    # a note ("$40 million (tbc)", "US$ 40 million TBC"), says the amount is not final; it is
    # a state of the financing, not a financier and not a failure to read.
    head, inside = _split_parentheses(text)
    notes = _NOTE_SEPARATOR.split(inside) if inside else []
    financiers = [note for note in notes if not _TO_BE_CONFIRMED.fullmatch(note)]
    to_be_confirmed = len(financiers) < len(notes)
    if head is not None and (marker := _TO_BE_CONFIRMED_AT_END.search(head)) is not None:
        to_be_confirmed = True
        head = clean_text(head[: marker.start()])
    amount = fields.read("expected_downstream_financing_usd", parse_amount, head, value)
    if to_be_confirmed:
        status: str | None = DOWNSTREAM_TO_BE_CONFIRMED
    else:
        status = DOWNSTREAM_STATED if amount is not None else None
    fields.put("expected_downstream_financing_status", status, value.label)
    financier = (", ".join(financiers) or None) if to_be_confirmed else inside
    fields.put("downstream_financier", financier, value.label, repaired=value.is_repaired())


def _read_city_information(layout: _Layout, fields: _Fields) -> None:
    area = layout.value(LAND_AREA)
    if area is not None:
        # "82,400 sq. km."; any other unit is left in and fails to read, never mislabelled.
        text = area.text()
        number = _AREA_UNIT.sub("", text, count=1) if text else None
        fields.read("land_area_sq_km", parse_quantity, number, area)
    population = layout.value(POPULATION)
    if population is not None:
        # "30 million (2018)": the year of the estimate is in the parentheses.
        count, year = _split_parentheses(population.text())
        fields.read("population", parse_int_quantity, count, population)
        fields.read("population_year", _year, year, population)


def _read_downloads(layout: _Layout, fields: _Fields) -> None:
    value = layout.value(DOWNLOAD)
    if value is None:
        return
    links = [
        link
        for line in value.lines
        for piece in _LINK_GAP.split(line)
        if (link := clean_text(piece))
    ]
    downloads = LIST_SEPARATOR.join(links) or None
    fields.put("downloads", downloads, value.label, repaired=value.is_repaired())


def _child_rows(layout: _Layout, child: _ChildTable) -> list[Any]:
    value = layout.value(child.label)
    names = value.items(child.separator) if value is not None else []
    return [child.row_type(position, name) for position, name in enumerate(names, 1)]


def _split_outside_parentheses(text: str | None, separator: re.Pattern[str]) -> list[str]:
    """`text` split where `separator` matches, except inside parentheses: "Deutsche
    Gesellschaft (GIZ; for BMZ)" is one entry."""
    if text is None:
        return []
    pieces: list[str] = []
    start = 0
    # The parentheses open before each match, counted on from the last match, not from the
    # start: counting the whole prefix at each match took minutes on a list of 80,000 entries.
    depth = 0
    counted = 0
    for match in separator.finditer(text):
        between = text[counted : match.start()]
        depth += between.count("(") - between.count(")")
        counted = match.start()
        if depth > 0:
            continue
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces]


def _split_parentheses(text: str | None) -> tuple[str | None, str | None]:
    """ "Head (inside)" as ("Head", "inside"); text without trailing parentheses as (text, None)."""
    if text is None:
        return None, None
    match = _TRAILING_PARENTHESES.fullmatch(text)
    if match is None:
        return text, None
    return clean_text(match["head"]), clean_text(match["inside"])


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    if not _YEAR.fullmatch(text):
        raise ValueError(f"not a year: {text!r}")
    return int(text)

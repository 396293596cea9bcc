"""HTML helpers the source parsers share: text as a browser lays it out, labelled values, tables."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

Node = LexborNode

# Elements that stand on lines of their own, and those that are also set apart by a blank line.
_LINE_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "section",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
_PARAGRAPH_TAGS = frozenset({"blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "p", "pre"})
_CELL_TAGS = frozenset({"td", "th"})
_SKIPPED_TAGS = frozenset({"head", "noscript", "script", "style", "template"})
_ROW_GROUP_TAGS = frozenset({"thead", "tbody", "tfoot"})
# HTML's white space; a no-break space is not one of them (text.clean_text takes care of it).
# Only runs and other white space than a space match: a lone space is left as it is, or a long
# text's every space would be a match (re.sub holds every piece until it joins them).
_HTML_SPACE = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")
# Spans beyond these are template bugs; capping them keeps a bad page from blowing up the grid.
_MAX_COLSPAN = 100
_MAX_ROWSPAN = 1000


def _collapse_space(text: str) -> str:
    """Runs of HTML white space as one space (the test first: most text has no such run)."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
        return _HTML_SPACE.sub(" ", text)
    return text


def parse_html(text: str) -> LexborHTMLParser:
    return LexborHTMLParser(text)


def has_class(node: Node, name: str) -> bool:
    classes = node.attributes.get("class")
    return classes is not None and name in classes.split()


# --- Text ------------------------------------------------------------------------------------


class _TextBuilder:
    """Text written run by run, with the line breaks and spaces the elements around it ask for.

    Breaks are owed, not written, until more text comes: so the breaks of nested blocks merge
    into one, and none lead or trail the text.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._newlines = 0
        self._space = False

    def write(self, raw: str) -> None:
        collapsed = _collapse_space(raw)
        text = collapsed.strip(" ")
        if collapsed.startswith(" "):
            self._space = True
        if not text:
            return
        if self._parts:
            self._parts.append("\n" * self._newlines if self._newlines else " " * self._space)
        self._parts.append(text)
        self._newlines, self._space = 0, collapsed.endswith(" ")

    def line_break(self) -> None:
        """A <br>: each one is a line break (two make a blank line)."""
        self._newlines = min(self._newlines + 1, 2)

    def block(self, newlines: int) -> None:
        """The edge of a block: at least this many line breaks between its text and the next."""
        self._newlines = max(self._newlines, newlines)

    def space(self) -> None:
        self._space = True

    def text(self) -> str:
        return "".join(self._parts)


class _Walker:
    """Writes the text under a node into a builder; a subclass may start new builders at markers."""

    def __init__(self) -> None:
        self.out = _TextBuilder()

    def starts_segment(self, node: Node) -> bool:
        """Whether an element is a marker; if so, it has begun the segment it starts."""
        return False

    def walk(self, node: Node) -> None:
        # Depth first along the tree's own links (first child, next sibling, parent): not by
        # recursion, as a page may nest elements deeper than Python's recursion limit, nor with a
        # stack of every child met, as a table may have a hundred thousand rows.
        root = node.mem_id
        current = node.first_child
        while current is not None:
            tag = self._enter(current)
            if tag is not None and (child := current.first_child) is not None:
                current = child
                continue
            if tag is not None:
                self._edge(tag)
            while (following := current.next) is None:
                current = current.parent
                if current is None or current.mem_id == root:
                    return
                self._edge(current.tag)
            current = following

    def _enter(self, item: Node) -> str | None:
        """Writes what a node starts; the tag of an element whose children are to be walked."""
        if item.is_text_node:
            self.out.write(item.text_content or "")
            return None
        if not item.is_element_node:
            return None
        tag = item.tag
        if tag in _SKIPPED_TAGS or self.starts_segment(item):
            return None
        if tag == "br":
            self.out.line_break()
            return None
        self._edge(tag)
        return tag

    def _edge(self, tag: str | None) -> None:
        if tag in _PARAGRAPH_TAGS:
            self.out.block(2)
        elif tag in _LINE_TAGS:
            self.out.block(1)
        elif tag in _CELL_TAGS:
            self.out.space()


def inner_text(node: Node) -> str:
    """The text of a node as a browser lays it out: blocks on lines of their own, paragraphs
    set apart by a blank line, <br> a line break, table cells side by side, white space collapsed.
    """
    child = node.child
    if child is not None and child.next is None and child.is_text_node:
        # Most cells and labels are one run of text: no layout to do.
        return _collapse_space(child.text_content or "").strip(" ")
    walker = _Walker()
    walker.walk(node)
    return walker.out.text()


class _SegmentWalker(_Walker):
    """Splits the text of a node at marker elements: each marker starts a segment."""

    def __init__(self, is_marker: Callable[[Node], bool]) -> None:
        super().__init__()
        self.is_marker = is_marker
        self.lead = self.out
        self.segments: list[tuple[str, _TextBuilder]] = []

    def starts_segment(self, node: Node) -> bool:
        if not self.is_marker(node):
            return False
        self.out = _TextBuilder()
        self.segments.append((inner_text(node), self.out))
        return True


def split_at_markers(
    node: Node, is_marker: Callable[[Node], bool]
) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first marker element, and each marker's text with the text after it
    up to the next marker (such as a company's name and its address)."""
    walker = _SegmentWalker(is_marker)
    walker.walk(node)
    return walker.lead.text(), [(marker, after.text()) for marker, after in walker.segments]


# --- Labelled values -------------------------------------------------------------------------


def labelled_values(root: Node) -> Iterator[tuple[Node, list[Node]]]:
    """Each label node with its value nodes, in document order.

    A label is a <dt> (its value: the <dd>s that follow it) or the <th> that opens a table row
    whose next cell is a <td> (its value: that cell). A row of <th>s only is a header, not a label.
    """
    for node in root.css("dt, tr"):
        if node.tag == "dt":
            yield node, _definitions(node)
        elif _is_label_row(cells := row_cells(node)):
            yield cells[0], [cells[1]]


def _is_label_row(cells: list[Node]) -> bool:
    return len(cells) >= 2 and cells[0].tag == "th" and cells[1].tag == "td"


def _definitions(term: Node) -> list[Node]:
    definitions: list[Node] = []
    sibling = term.next
    while sibling is not None:
        if sibling.is_element_node:
            if sibling.tag != "dd":
                break
            definitions.append(sibling)
        sibling = sibling.next
    return definitions


# --- Tables ----------------------------------------------------------------------------------


def row_cells(row: Node) -> list[Node]:
    return [cell for cell in row.iter() if cell.tag in _CELL_TAGS]


def own_rows(table: Node) -> Iterator[tuple[Node, str | None]]:
    """The rows of a table (not those of tables nested in its cells), each with its row group."""
    for child in table.iter():
        if child.tag in _ROW_GROUP_TAGS:
            for row in child.iter():
                if row.tag == "tr":
                    yield row, child.tag
        elif child.tag == "tr":
            yield child, None


@dataclass(frozen=True)
class Table:
    """A table read into a grid: its columns named by their header labels, top down, and its
    body rows' cells, one per column (a cell spanning several columns or rows fills the first
    only, the others are empty)."""

    caption: str | None
    columns: tuple[tuple[str, ...], ...]
    rows: tuple[tuple[str, ...], ...]


def read_grid(table: Node) -> Table | None:
    """A table read as a grid, or None if it is none: it has no header, or its rows are
    labelled (a <th> then a <td>: label/value pairs, read by `labelled_values`)."""
    header, body = _header_and_body(table)
    if not header or any(_is_label_row(row_cells(row)) for row in body):
        return None
    return _read(table, header, body)


def _header_and_body(table: Node) -> tuple[list[list[Node]], list[Node]]:
    """The header rows' cells, and the body's rows. The body keeps its rows, not their cells:
    a table of 100,000 rows would hold half a million cell nodes at once (100 MiB)."""
    rows = [(row, group) for row, group in own_rows(table) if next(_cells(row), None) is not None]
    has_head = any(group == "thead" for _, group in rows)
    header: list[list[Node]] = []
    body: list[Node] = []
    for row, group in rows:
        if has_head:
            in_head = group == "thead"
        else:
            in_head = not body and all(cell.tag == "th" for cell in _cells(row))
        if in_head:
            header.append(row_cells(row))
        else:
            body.append(row)
    return header, body


def _cells(row: Node) -> Iterator[Node]:
    return (cell for cell in row.iter() if cell.tag in _CELL_TAGS)


def _read(table: Node, header: list[list[Node]], body: list[Node]) -> Table:
    caption = next((child for child in table.iter() if child.tag == "caption"), None)
    return Table(
        caption=inner_text(caption) if caption is not None else None,
        columns=_column_paths(_place(header)),
        rows=_texts(body),
    )


def _texts(rows: list[Node]) -> tuple[tuple[str, ...], ...]:
    """The rows' texts on the grid. Most tables span no cell: then each row's cells are read in
    their turn, never all at once, nor with a slot for each."""
    if not any(_may_span(cell) for row in rows for cell in _cells(row)):
        return tuple(tuple(inner_text(cell) for cell in _cells(row)) for row in rows)
    placed = _place([row_cells(row) for row in rows])
    return tuple(tuple(slot.text if slot.origin else "" for slot in line) for line in placed)


class _Slot(NamedTuple):
    cell: int  # which cell of the table fills the slot
    text: str
    origin: bool  # the slot is the cell's top-left one


def _place(rows: list[list[Node]]) -> list[list[_Slot]]:
    """Cells placed on the grid of slots the way HTML lays out rowspan and colspan."""
    if not any(_may_span(cell) for cells in rows for cell in cells):
        # Most tables: each cell fills the next slot of its row (the loop below does the same).
        numbers = itertools.count()
        return [[_Slot(next(numbers), inner_text(cell), True) for cell in cells] for cells in rows]
    grid: list[list[_Slot | None]] = [[] for _ in rows]
    number = 0
    for r, cells in enumerate(rows):
        column = 0
        for cell in cells:
            while column < len(grid[r]) and grid[r][column] is not None:
                column += 1
            text = inner_text(cell)
            rowspan, colspan = _spans(cell, len(rows) - r)
            if rowspan == colspan == 1 and column == len(grid[r]):
                grid[r].append(_Slot(number, text, True))  # the common cell: no span, no gap
                column, number = column + 1, number + 1
                continue
            for below in range(r, min(r + rowspan, len(rows))):
                line = grid[below]
                line.extend([None] * (column + colspan - len(line)))
                for right in range(column, column + colspan):
                    line[right] = _Slot(number, text, below == r and right == column)
            column += colspan
            number += 1
    return [[slot or _Slot(-1, "", False) for slot in line] for line in grid]


def _may_span(cell: Node) -> bool:
    attributes = cell.attributes
    return bool(attributes) and ("colspan" in attributes or "rowspan" in attributes)


def _spans(cell: Node, rows_left: int) -> tuple[int, int]:
    """A cell's rowspan (rowspan="0": to the end) and colspan; 1 when absent or unreadable."""
    attributes = cell.attributes
    if not attributes:
        return 1, 1
    rowspan = _span(attributes.get("rowspan"), _MAX_ROWSPAN)
    colspan = _span(attributes.get("colspan"), _MAX_COLSPAN)
    return rowspan or rows_left, colspan or 1


def _span(value: str | None, cap: int) -> int:
    value = (value or "").strip()
    return min(int(value), cap) if value.isdigit() else 1


def _column_paths(header: list[list[_Slot]]) -> tuple[tuple[str, ...], ...]:
    """Each column's header labels, top down: a label spanning rows counts once, blanks not."""
    width = max((len(line) for line in header), default=0)
    paths: list[tuple[str, ...]] = []
    for column in range(width):
        seen: set[int] = set()
        path: list[str] = []
        for line in header:
            slot = line[column] if column < len(line) else None
            if slot is not None and slot.cell not in seen and slot.text.strip():
                seen.add(slot.cell)
                path.append(slot.text)
        paths.append(tuple(path))
    return tuple(paths)

"""An IATI activity file cut into its activities: the sheets the fetch stage archives from it.

A country file holds hundreds of activities, each a sheet of its own (its identifier the sheet
id, the sha256 of its own XML the sheet version), so that an activity that changed is a new
version and the others stay unchanged. Each piece is a standalone activity document: the file's
root element, with its attributes, around the one activity. The file is read streaming, as the
parser reads it: a piece is cut when its activity ends, then dropped.

Nothing is lost: an activity without identifier is a piece named after its file and position
(`iati-activities-ph#activity-12`), which the parser quarantines; a second activity with an
identifier already seen in the file is named `<identifier>#duplicate-2`; and when the file is
not well-formed XML or not an IATI file at all, the whole file is one more piece
(`iati-activities-ph#file`), which the parser quarantines with the reason.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from devfin.sources.adb_iati.parser import ACTIVITY, ROOT


@dataclass(frozen=True)
class Piece:
    """One activity of a file, as a document of its own, and the sheet id it is archived under."""

    sheet_id: str
    content: bytes


def unnamed_sheet_id(file_id: str, position: int) -> str:
    """The sheet id of a file's activity without identifier: named after its file and place."""
    return f"{file_id}#activity-{position}"


def split(content: bytes, *, sheet_id: str) -> Iterator[Piece]:
    """The activities of the file `sheet_id` (`iati-activities-ph`), in file order."""
    context = etree.iterparse(
        io.BytesIO(content),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    opening: bytes | None = None
    seen = Counter[str]()
    position = 0
    try:
        for event, element in context:
            if event == "start":
                if opening is None:
                    opening = _opening(element)
                continue
            parent = element.getparent()
            if element.tag != ACTIVITY or parent is None or parent.tag != ROOT:
                continue
            position += 1
            yield _piece(element, opening, position, sheet_id, seen)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError:
        yield Piece(f"{sheet_id}#file", content)
        return
    if opening is None or (position == 0 and context.root.tag != ROOT):
        yield Piece(f"{sheet_id}#file", content)


def _opening(root: etree._Element) -> bytes:
    """The root's start tag, its attributes and namespace declarations kept, as a piece opens."""
    empty = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    return etree.tostring(empty).removesuffix(b"/>") + b">"


def _piece(
    element: etree._Element, opening: bytes | None, position: int, file_id: str, seen: Counter[str]
) -> Piece:
    identifier = (element.findtext("iati-identifier") or "").strip()
    if not identifier:
        sheet_id = unnamed_sheet_id(file_id, position)
    else:
        seen[identifier] += 1
        count = seen[identifier]
        sheet_id = identifier if count == 1 else f"{identifier}#duplicate-{count}"
    _entities_as_text(element)
    body = etree.tostring(element, encoding="utf-8", with_tail=False)
    root_tag = ROOT.encode()
    document = (opening or b"<" + root_tag + b">") + b"\n" + body + b"\n</" + root_tag + b">\n"
    return Piece(sheet_id, b'<?xml version="1.0" encoding="UTF-8"?>\n' + document)


def _entities_as_text(element: etree._Element) -> None:
    """Each entity reference (never expanded) made the text it is written as: the piece has no
    DTD to declare it, and the parser reads it as written (`&name;`) either way."""
    for entity in list(element.iter(etree.Entity)):
        parent = entity.getparent()
        written = entity.text + (entity.tail or "")
        previous = entity.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + written
        else:
            parent.text = (parent.text or "") + written
        parent.remove(entity)

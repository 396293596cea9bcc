"""ADB's IATI activity files (source `adb_iati`): a file in, one parsed activity at a time out.

The pipeline's sheet is one activity: the fetch stage cuts each file into its activities
(`devfin.sources.adb_iati.files.split`), and `parse` reads one of them. `read_activities`
reads a whole file, an activity at a time.

ADB (publisher `XM-DAC-46004`) publishes its portfolio as IATI 2.03 activity files, one per
country: an `<iati-activities>` root holding one `<iati-activity>` per loan or grant, whose
identifier is `XM-DAC-46004-<project number>-<loan or grant number>`
("XM-DAC-46004-55343-001-GRNT0822"). A file runs to tens of MB, so it is read streaming
(`lxml.etree.iterparse`): each activity is read into its records when its end tag is met, then
it and everything before it is dropped from the tree, and memory stays flat whatever the
file's length.

Values. An activity whose identifier cannot be read is yielded as a ParseError naming its
position and line, and the activities after it are still read. Any other value that is present
but cannot be read (a date that does not exist, an amount that is not a number, a code outside
its codelist) empties its field and is kept in `unparsed` (field, or `table.column[position]`
of a child row, → its text and why). Only a file that is not an IATI activity file, or not
well-formed XML, raises ParseError (after the activities read before the fault).

Hostile text stays data: entities are never expanded nor fetched (`resolve_entities=False`,
`no_network=True`, no DTD loaded), so `&xxe;` reads as the four characters it is written with;
libxml2's limits stay on (`huge_tree=False`: a text node over 10 MB or a tree nested deeper
than 256 levels is a malformed file, not an unbounded allocation).
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any, TypeVar

from lxml import etree

from devfin.errors import ParseError
from devfin.records import ParsedSheet
from devfin.sources.adb_iati import values
from devfin.sources.adb_iati.records import (
    RECORD_TYPES,
    IatiActivity,
    IatiActivityDate,
    IatiBudget,
    IatiDescription,
    IatiParticipatingOrg,
    IatiRecipientCountry,
    IatiRecipientRegion,
    IatiSector,
    IatiTitle,
    IatiTransaction,
)

SOURCE_KEY = "adb_iati"
PUBLISHER = "XM-DAC-46004"
ROOT = "iati-activities"
ACTIVITY = "iati-activity"
ENGLISH = "en"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The vocabulary IATI says applies where a region or sector does not name one.
DEFAULT_VOCABULARY = "1"
# The codelists of small whole numbers the parser checks codes against.
ACTIVITY_STATUSES = range(1, 7)
DESCRIPTION_TYPES = range(1, 5)
ORGANISATION_ROLES = range(1, 5)
ACTIVITY_DATE_TYPES = range(1, 5)
TRANSACTION_TYPES = range(1, 14)
BUDGET_TYPES = range(1, 3)
BUDGET_STATUSES = range(1, 3)
# The elements of an activity the parser reads; those absent are its `missing_labels`.
LOOKED_FOR = (
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "recipient-country",
    "recipient-region",
    "sector",
    "budget",
    "transaction",
)
# Where each field of the activity record is read from (its provenance).
FIELD_SOURCES = {
    "iati_identifier": "iati-identifier",
    "layout": "iati-activities/@version",
    "project_number": "iati-identifier",
    "loan_or_grant_number": "iati-identifier",
    "hierarchy": "@hierarchy",
    "default_language": "@xml:lang",
    "default_currency": "@default-currency",
    "last_updated_at": "@last-updated-datetime",
    "reporting_org_ref": "reporting-org/@ref",
    "reporting_org_type": "reporting-org/@type",
    "reporting_org_name": "reporting-org/narrative",
    "activity_status_code": "activity-status/@code",
    "title": "title/narrative",
    "description": "description[@type=1]/narrative",
}

_ADB_IDENTIFIER = re.compile(
    rf"{re.escape(PUBLISHER)}-(?P<project>\d{{5}}-\d{{3}})(?:-(?P<number>[A-Z]+\d+))?"
)

T = TypeVar("T")


@dataclass
class _Activity:
    """One activity as it is read: its fields, child rows and unread values."""

    language: str | None
    currency: str | None
    values: dict[str, Any] = field(default_factory=dict)
    children: dict[str, list[Any]] = field(
        default_factory=lambda: {t.table: [] for t in RECORD_TYPES[1:]}
    )
    unparsed: dict[str, dict[str, str]] = field(default_factory=dict)

    def read(self, key: str, convert: Callable[[str], T], text: str | None) -> T | None:
        """`text` converted; if it cannot be, None, and the text is kept in `unparsed` with why."""
        if text is None:
            return None
        try:
            return convert(text)
        except ValueError as error:
            self.unparsed[key] = {"text": text, "reason": str(error)}
            return None

    def position(self, table: str) -> int:
        """The position the next row of `table` takes."""
        return len(self.children[table]) + 1


def parse(content: str | bytes, *, sheet_id: str, url: str | None = None) -> ParsedSheet:
    """The records of the one activity of an activity document (a piece `files.split` cut
    from a file, the activity's identifier its sheet id). ParseError when the document holds no
    activity or more than one, or one that cannot be named, or one named otherwise than
    `sheet_id` (a second activity of its file with the same identifier)."""
    body = content.encode("utf-8") if isinstance(content, str) else content
    activities = read_activities(io.BytesIO(body), sheet_id=sheet_id, url=url)
    found = list(itertools.islice(activities, 2))
    if not found:
        raise ParseError(
            f"no <{ACTIVITY}> in the document",
            reason="not_a_data_sheet",
            sheet_id=sheet_id,
            url=url,
        )
    if len(found) > 1:
        for _ in activities:  # a whole file: its own fault, if it has one, says more
            pass
        raise ParseError(
            f"more than one <{ACTIVITY}>: a whole file, not one activity",
            reason="not_one_activity",
            sheet_id=sheet_id,
            url=url,
        )
    sheet = found[0]
    if isinstance(sheet, ParseError):
        raise sheet
    if sheet.record.iati_identifier != sheet_id:
        raise ParseError(
            f"the activity is {sheet.record.iati_identifier!r}, not {sheet_id!r}: an identifier"
            " its file gives to more than one activity",
            reason="duplicate_identifier",
            sheet_id=sheet_id,
            url=url,
        )
    return sheet


def read_activities(
    source: str | os.PathLike[str] | IO[bytes], *, sheet_id: str, url: str | None = None
) -> Iterator[ParsedSheet | ParseError]:
    """Each activity of an IATI activity file (a path or a binary file object), in file order:
    its records, or the ParseError of an activity whose identifier cannot be read."""
    context = etree.iterparse(
        source,
        events=("end",),
        tag=ACTIVITY,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    position = 0
    try:
        for _, element in context:
            position += 1
            parent = element.getparent()
            if parent is None or parent.tag != ROOT:
                raise ParseError(
                    f"not an IATI activity file: activity {position} is not in <{ROOT}>",
                    reason="not_a_data_sheet",
                    sheet_id=sheet_id,
                    url=url,
                )
            yield _read_activity(element, position, sheet_id, url, _layout(parent))
            # What is read is dropped: the activity, then all that came before it.
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        raise ParseError(
            f"not well-formed XML after {position} activities: {error}",
            reason="malformed_xml",
            sheet_id=sheet_id,
            url=url,
        ) from error
    root = context.root
    if position == 0 and (root is None or root.tag != ROOT):
        raise ParseError(
            f"not an IATI activity file: its root is not <{ROOT}>",
            reason="not_a_data_sheet",
            sheet_id=sheet_id,
            url=url,
        )


def read_all(
    source: str | os.PathLike[str] | IO[bytes], *, sheet_id: str, url: str | None = None
) -> tuple[list[ParsedSheet], list[ParseError]]:
    """Every activity of a file, read, and the errors of those that could not be."""
    sheets: list[ParsedSheet] = []
    errors: list[ParseError] = []
    for parsed in read_activities(source, sheet_id=sheet_id, url=url):
        (errors if isinstance(parsed, ParseError) else sheets).append(parsed)
    return sheets, errors


def _layout(root: etree._Element) -> str | None:
    """The layout of a file's activities: the IATI standard version its root declares."""
    version = _attribute(root, "version")
    return f"iati-{version}" if version else None


def _read_activity(
    element: etree._Element, position: int, sheet_id: str, url: str | None, layout: str | None
) -> ParsedSheet | ParseError:
    identifier = _text(element.find("iati-identifier"))
    if identifier is None:
        return ParseError(
            f"activity {position} (line {element.sourceline}) has no iati-identifier",
            reason="missing_identifier",
            sheet_id=sheet_id,
            url=url,
        )
    activity = _Activity(
        language=_attribute(element, XML_LANG), currency=_attribute(element, "default-currency")
    )
    fields = activity.values
    fields["iati_identifier"] = identifier
    fields["layout"] = layout
    match = _ADB_IDENTIFIER.fullmatch(identifier)
    if match is None:
        reason = f"not an ADB identifier ({PUBLISHER}-NNNNN-NNN-<loan or grant number>)"
        activity.unparsed["project_number"] = {"text": identifier, "reason": reason}
    else:
        fields["project_number"] = match["project"]
        fields["loan_or_grant_number"] = match["number"]
    fields["hierarchy"] = activity.read("hierarchy", values.whole, _attribute(element, "hierarchy"))
    fields["default_language"] = activity.language
    fields["default_currency"] = activity.currency
    updated = _attribute(element, "last-updated-datetime")
    fields["last_updated_at"] = activity.read("last_updated_at", values.utc_datetime, updated)
    present: set[str] = set()
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and (reader := _READERS.get(tag)) is not None:
            present.add(tag)
            reader(activity, child)
    record = IatiActivity(**fields)
    return ParsedSheet(
        source=SOURCE_KEY,
        record=record,
        children=activity.children,
        provenance={name: FIELD_SOURCES[name] for name, v in fields.items() if v is not None},
        missing_labels=tuple(tag for tag in LOOKED_FOR if tag not in present),
        unparsed=activity.unparsed,
    )


# --- The elements of an activity ------------------------------------------------------------


def _read_reporting_org(activity: _Activity, element: etree._Element) -> None:
    if "reporting_org_ref" in activity.values or "reporting_org_name" in activity.values:
        return  # the standard allows one; a second is not read over the first
    activity.values["reporting_org_ref"] = _attribute(element, "ref")
    activity.values["reporting_org_type"] = _attribute(element, "type")
    activity.values["reporting_org_name"] = _name(element, activity.language)


def _read_title(activity: _Activity, element: etree._Element) -> None:
    table = IatiTitle.table
    for language, text in _narratives(element, activity.language):
        activity.children[table].append(IatiTitle(activity.position(table), language, text))
        if language == ENGLISH and "title" not in activity.values:
            activity.values["title"] = text


def _read_description(activity: _Activity, element: etree._Element) -> None:
    table = IatiDescription.table
    written = _attribute(element, "type")
    for language, text in _narratives(element, activity.language):
        position = activity.position(table)
        key = f"{table}.description_type_code[{position}]"
        code = activity.read(key, values.code(DESCRIPTION_TYPES, "DescriptionType"), written)
        activity.children[table].append(IatiDescription(position, code, language, text))
        # The general description; IATI 1.0x left the type out for it.
        general = code == 1 or written is None
        if general and language == ENGLISH and "description" not in activity.values:
            activity.values["description"] = text


def _read_participating_org(activity: _Activity, element: etree._Element) -> None:
    table = IatiParticipatingOrg.table
    position = activity.position(table)
    role = activity.read(
        f"{table}.role_code[{position}]",
        values.code(ORGANISATION_ROLES, "OrganisationRole"),
        _attribute(element, "role"),
    )
    row = IatiParticipatingOrg(
        position,
        ref=_attribute(element, "ref"),
        organisation_type=_attribute(element, "type"),
        role_code=role,
        name=_name(element, activity.language),
    )
    activity.children[table].append(row)


def _read_activity_status(activity: _Activity, element: etree._Element) -> None:
    code = values.code(ACTIVITY_STATUSES, "ActivityStatus")
    status = activity.read("activity_status_code", code, _attribute(element, "code"))
    activity.values["activity_status_code"] = status


def _read_activity_date(activity: _Activity, element: etree._Element) -> None:
    table = IatiActivityDate.table
    position = activity.position(table)
    kind = activity.read(
        f"{table}.date_type_code[{position}]",
        values.code(ACTIVITY_DATE_TYPES, "ActivityDateType"),
        _attribute(element, "type"),
    )
    day = activity.read(
        f"{table}.activity_date[{position}]", values.iso_date, _attribute(element, "iso-date")
    )
    activity.children[table].append(IatiActivityDate(position, kind, day))


def _read_recipient_country(activity: _Activity, element: etree._Element) -> None:
    table = IatiRecipientCountry.table
    position = activity.position(table)
    share = _percentage(activity, f"{table}.percentage[{position}]", element)
    row = IatiRecipientCountry(position, _attribute(element, "code"), share)
    activity.children[table].append(row)


def _coded_share_reader(
    record_type: type[IatiRecipientRegion] | type[IatiSector],
) -> Callable[[_Activity, etree._Element], None]:
    """The reader of an element coded in a vocabulary with a percentage share (a recipient
    region, a sector): the same attributes, each into its own table."""

    def read(activity: _Activity, element: etree._Element) -> None:
        table = record_type.table
        position = activity.position(table)
        share = _percentage(activity, f"{table}.percentage[{position}]", element)
        vocabulary = _attribute(element, "vocabulary") or DEFAULT_VOCABULARY
        row = record_type(position, _attribute(element, "code"), vocabulary, share)
        activity.children[table].append(row)

    return read


def _read_budget(activity: _Activity, element: etree._Element) -> None:
    table = IatiBudget.table
    position = activity.position(table)
    kind = activity.read(
        f"{table}.budget_type_code[{position}]",
        values.code(BUDGET_TYPES, "BudgetType"),
        _attribute(element, "type"),
    )
    status = activity.read(
        f"{table}.budget_status_code[{position}]",
        values.code(BUDGET_STATUSES, "BudgetStatus"),
        _attribute(element, "status"),
    )
    start = activity.read(
        f"{table}.period_start_date[{position}]",
        values.iso_date,
        _attribute(element.find("period-start"), "iso-date"),
    )
    end = activity.read(
        f"{table}.period_end_date[{position}]",
        values.iso_date,
        _attribute(element.find("period-end"), "iso-date"),
    )
    amount, currency, value_date = _value(activity, table, position, element.find("value"))
    row = IatiBudget(position, kind, status, start, end, amount, currency, value_date)
    activity.children[table].append(row)


def _read_transaction(activity: _Activity, element: etree._Element) -> None:
    table = IatiTransaction.table
    position = activity.position(table)
    kind = activity.read(
        f"{table}.transaction_type_code[{position}]",
        values.code(TRANSACTION_TYPES, "TransactionType"),
        _attribute(element.find("transaction-type"), "code"),
    )
    day = activity.read(
        f"{table}.transaction_date[{position}]",
        values.iso_date,
        _attribute(element.find("transaction-date"), "iso-date"),
    )
    amount, currency, value_date = _value(activity, table, position, element.find("value"))
    description = element.find("description")
    provider = element.find("provider-org")
    receiver = element.find("receiver-org")
    row = IatiTransaction(
        position,
        transaction_ref=_attribute(element, "ref"),
        transaction_type_code=kind,
        transaction_date=day,
        amount=amount,
        currency=currency,
        value_date=value_date,
        description=_name(description, activity.language),
        provider_org_ref=_attribute(provider, "ref"),
        provider_org_name=_name(provider, activity.language),
        receiver_org_ref=_attribute(receiver, "ref"),
        receiver_org_name=_name(receiver, activity.language),
    )
    activity.children[table].append(row)


_READERS: dict[str, Callable[[_Activity, etree._Element], None]] = {
    "reporting-org": _read_reporting_org,
    "title": _read_title,
    "description": _read_description,
    "participating-org": _read_participating_org,
    "activity-status": _read_activity_status,
    "activity-date": _read_activity_date,
    "recipient-country": _read_recipient_country,
    "recipient-region": _coded_share_reader(IatiRecipientRegion),
    "sector": _coded_share_reader(IatiSector),
    "budget": _read_budget,
    "transaction": _read_transaction,
}


# --- Values ---------------------------------------------------------------------------------


def _value(
    activity: _Activity, table: str, position: int, element: etree._Element | None
) -> tuple[Decimal | None, str | None, date | None]:
    """A `<value>`: its amount, its currency (else the activity's default) and value date."""
    if element is None:
        return None, None, None
    amount = activity.read(f"{table}.amount[{position}]", values.decimal, _text(element))
    value_date = activity.read(
        f"{table}.value_date[{position}]", values.iso_date, _attribute(element, "value-date")
    )
    return amount, _attribute(element, "currency") or activity.currency, value_date


def _percentage(activity: _Activity, key: str, element: etree._Element) -> Decimal | None:
    return activity.read(key, values.share, _attribute(element, "percentage"))


def _text(element: etree._Element | None) -> str | None:
    """An element's text, its descendants' included, stripped; None when empty. An entity
    reference reads as written (`&name;`): it is never expanded."""
    if element is None:
        return None
    return "".join(element.itertext()).strip() or None


def _attribute(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    if value is None:
        return None
    return value.strip() or None


def _narratives(element: etree._Element, language: str | None) -> list[tuple[str | None, str]]:
    """The (language, text) of each narrative of an element; IATI 1.0x wrote the text itself."""
    found = [
        (_attribute(narrative, XML_LANG) or language, text)
        for narrative in element.iterchildren("narrative")
        if (text := _text(narrative)) is not None
    ]
    if not found and element.text is not None and (text := element.text.strip()):
        found.append((language, text))
    return found


def _name(element: etree._Element | None, language: str | None) -> str | None:
    """The English narrative of an element, else its first."""
    if element is None:
        return None
    narratives = _narratives(element, language)
    for written_in, text in narratives:
        if written_in == ENGLISH:
            return text
    return narratives[0][1] if narratives else None

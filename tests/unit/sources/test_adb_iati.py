"""The IATI activity-file parser (source adb_iati, not yet wired): the IATI Standard's own example
file, an activity without identifier, unreadable values, hostile text and entities."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from devfin.errors import ParseError
from devfin.records import ParsedSheet
from devfin.sources import RECORD_TYPES, SOURCE_KEYS, SOURCES, UNWIRED
from devfin.sources.adb_iati import SOURCE
from devfin.sources.adb_iati import parser as iati
from devfin.sources.adb_iati.records import (
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

# The IATI Standard's 2.03 example activity file (see fixtures/NOTICE.md).
EXAMPLE = Path(__file__).parent / "fixtures" / "adb_iati_standard_example.xml"
ADB_ACTIVITY = """
  <iati-activity xml:lang="en" default-currency="USD" hierarchy="2"
                 last-updated-datetime="2024-03-01T09:30:00+08:00">
    <iati-identifier>{identifier}</iati-identifier>
    <reporting-org ref="XM-DAC-46004" type="40"><narrative>Asian Development Bank</narrative>
    </reporting-org>
    <title><narrative>{title}</narrative></title>
    <activity-status code="{status}"/>
    <activity-date type="2" iso-date="{start}"/>
    <transaction>
      <transaction-type code="3"/>
      <transaction-date iso-date="2024-01-15"/>
      <value value-date="2024-01-15">{amount}</value>
    </transaction>
  </iati-activity>"""


def activity(
    identifier: str = "XM-DAC-46004-55343-001-GRNT0822",
    title: str = "Rural Water Supply",
    status: str = "2",
    start: str = "2022-05-01",
    amount: str = "1250000.50",
) -> str:
    return ADB_ACTIVITY.format(
        identifier=identifier, title=title, status=status, start=start, amount=amount
    )


def document(*activities: str, prolog: str = "") -> io.BytesIO:
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<iati-activities version="2.03">'
    return io.BytesIO((text + "".join(activities) + "\n</iati-activities>\n").encode())


def parse_one(source: io.BytesIO) -> ParsedSheet:
    sheets, errors = iati.read_all(source, sheet_id="test")
    assert errors == [] and len(sheets) == 1
    return sheets[0]


# --- Registration ------------------------------------------------------------------------------


def test_adb_iati_is_registered_as_a_source_of_files_of_many_sheets() -> None:
    assert SOURCE is not None and SOURCE.key == "adb_iati"
    assert UNWIRED == ()
    assert SOURCE_KEYS == ("adb_iati", "adb_pds", "cdia")
    assert SOURCES["adb_iati"] is SOURCE and RECORD_TYPES["adb_iati"][0] is IatiActivity
    assert SOURCE.bundle == "devfin.sources.adb_iati.files" and SOURCE.schedule == "@weekly"


# --- The IATI Standard's example file -------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> ParsedSheet:
    sheets, errors = iati.read_all(EXAMPLE, sheet_id="example")
    assert errors == [] and len(sheets) == 1
    return sheets[0]


def test_the_example_activity_reads_its_fields(example: ParsedSheet) -> None:
    record = example.record
    assert record.iati_identifier == "AA-AAA-123456789-ABC123"
    assert record.hierarchy == 1
    assert record.default_language == "en"
    assert record.default_currency == "USD"
    assert record.last_updated_at == datetime(2014, 9, 10, 7, 15, 37, tzinfo=UTC)
    assert (record.reporting_org_ref, record.reporting_org_type) == ("AA-AAA-123456789", "40")
    assert record.reporting_org_name == "Organisation name"
    assert record.activity_status_code == 2
    assert record.title == "Activity title"
    assert record.description == (
        "General activity description text.  Long description of the activity with no"
        " particular structure."
    )
    # Not an ADB identifier: no project number, and the identifier is kept as why.
    assert (record.project_number, record.loan_or_grant_number) == (None, None)
    assert example.unparsed["project_number"]["text"] == "AA-AAA-123456789-ABC123"
    assert set(example.unparsed) == {"project_number"}
    assert example.missing_labels == ()
    assert example.provenance["title"] == "title/narrative"


def test_the_example_activity_reads_its_children(example: ParsedSheet) -> None:
    rows = example.children
    assert rows["iati_titles"] == [
        IatiTitle(1, "en", "Activity title"),
        IatiTitle(2, "fr", "Titre de l'activité"),
        IatiTitle(3, "es", "Título de la actividad"),
    ]
    assert [(d.description_type_code, d.language) for d in rows["iati_descriptions"]] == [
        (1, "en"),
        (1, "fr"),
        (2, "en"),
        (2, "fr"),
        (3, "en"),
        (3, "fr"),
    ]
    assert rows["iati_descriptions"][5] == IatiDescription(
        6, 3, "fr", "Déclaration de groupes ciblés pour bénéficier de l'activité."
    )
    assert rows["iati_participating_orgs"] == [
        IatiParticipatingOrg(1, "BB-BBB-123456789", "40", 1, "Name of Agency B"),
        IatiParticipatingOrg(2, "CC-CCC-123456789", "10", 2, "Name of Agency C"),
        IatiParticipatingOrg(3, "AA-AAA-123456789", "21", 3, "Name of Agency A"),
    ]
    assert rows["iati_recipient_countries"] == [
        IatiRecipientCountry(1, "AF", Decimal(25)),
        IatiRecipientCountry(2, "AG", Decimal(25)),
    ]
    assert rows["iati_recipient_regions"] == [
        IatiRecipientRegion(1, "489", "1", Decimal(25)),
        IatiRecipientRegion(2, "A1", "99", Decimal(25)),
    ]
    assert rows["iati_sectors"] == [
        IatiSector(1, "111", "2", Decimal(50)),
        IatiSector(2, "112", "2", Decimal(50)),
        IatiSector(3, "A1", "99", Decimal(100)),
    ]
    assert rows["iati_activity_dates"] == [
        IatiActivityDate(1, 1, date(2012, 4, 15)),
        IatiActivityDate(2, 2, date(2012, 4, 28)),
        IatiActivityDate(3, 3, date(2015, 12, 31)),
    ]
    # Only the <budget>: the planned disbursements are not budgets.
    assert rows["iati_budgets"] == [
        IatiBudget(
            1, 1, 1, date(2014, 1, 1), date(2014, 12, 31), Decimal(3000), "EUR", date(2014, 1, 1)
        )
    ]
    assert rows["iati_transactions"] == [
        IatiTransaction(
            position=1,
            transaction_ref="1234",
            transaction_type_code=1,
            transaction_date=date(2012, 1, 1),
            amount=Decimal(1000),
            currency="EUR",
            value_date=date(2012, 1, 1),
            description="Transaction description text",
            provider_org_ref="BB-BBB-123456789",
            provider_org_name="Agency B",
            receiver_org_ref="AA-AAA-123456789",
            receiver_org_name="Agency A",
        )
    ]


# --- ADB's activities ------------------------------------------------------------------------


def test_an_adb_identifier_gives_the_project_and_the_loan_or_grant_number() -> None:
    sheet = parse_one(document(activity("XM-DAC-46004-49450-006-LOAN3726")))
    assert sheet.record.project_number == "49450-006"
    assert sheet.record.loan_or_grant_number == "LOAN3726"
    # +08:00 read as UTC; the value's own currency absent: the activity's default.
    assert sheet.record.last_updated_at == datetime(2024, 3, 1, 1, 30, tzinfo=UTC)
    transaction = sheet.children["iati_transactions"][0]
    assert (transaction.amount, transaction.currency) == (Decimal("1250000.50"), "USD")
    assert sheet.unparsed == {}
    assert "budget" in sheet.missing_labels and "title" not in sheet.missing_labels


def test_an_activity_without_identifier_is_reported_by_position_and_the_rest_still_parse() -> None:
    source = document(
        activity("XM-DAC-46004-55343-001-GRNT0822"),
        activity(""),
        activity("XM-DAC-46004-55343-001-GRNT0823").replace(
            "<iati-identifier>XM-DAC-46004-55343-001-GRNT0823</iati-identifier>", ""
        ),
        activity("XM-DAC-46004-55343-002-LOAN4000"),
    )
    results = list(
        iati.read_activities(source, sheet_id="iati-activities-ph", url="https://x.test/ph.xml")
    )
    assert [type(r).__name__ for r in results] == [
        "ParsedSheet",
        "ParseError",
        "ParseError",
        "ParsedSheet",
    ]
    for position, error in ((2, results[1]), (3, results[2])):
        assert isinstance(error, ParseError)
        assert error.reason == "missing_identifier"
        assert f"activity {position} (line " in str(error)
        assert (error.sheet_id, error.url) == ("iati-activities-ph", "https://x.test/ph.xml")
    assert results[3].record.loan_or_grant_number == "LOAN4000"


@pytest.mark.parametrize(
    ("changes", "key", "reason"),
    [
        ({"start": "2022-02-30"}, "iati_activity_dates.activity_date[1]", "not a date"),
        ({"start": "01/05/2022"}, "iati_activity_dates.activity_date[1]", "not an ISO date"),
        ({"status": "Active"}, "activity_status_code", "ActivityStatus"),
        ({"status": "9"}, "activity_status_code", "ActivityStatus"),
        ({"amount": "1,250,000"}, "iati_transactions.amount[1]", "not a decimal"),
    ],
)
def test_an_unreadable_value_empties_its_field_and_keeps_its_text(
    changes: dict[str, str], key: str, reason: str
) -> None:
    sheet = parse_one(document(activity(**changes)))
    (written,) = changes.values()
    assert sheet.unparsed[key]["text"] == written
    assert reason in sheet.unparsed[key]["reason"]
    assert set(sheet.unparsed) == {key}
    if key == "activity_status_code":
        assert sheet.record.activity_status_code is None
    else:
        table, column = key.split("[")[0].split(".")
        assert getattr(sheet.children[table][0], column) is None


# --- Hostile files ----------------------------------------------------------------------------


def test_hostile_text_stays_data() -> None:
    script = "&lt;script&gt;alert('x')&lt;/script&gt;"
    sql = "'); DROP TABLE staging.iati_activities; --"
    huge = "A" * 2_000_000
    sheet = parse_one(document(activity(title=f"{script} {sql} {huge}")))
    assert sheet.record.title == f"<script>alert('x')</script> {sql} {huge}"


def test_entities_are_neither_expanded_nor_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("THE SECRET")
    prolog = (
        f'<!DOCTYPE iati-activities [<!ENTITY inner "EXPANDED">'
        f'<!ENTITY outer SYSTEM "file://{secret}">'
        f'<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    )
    title = "a &inner; b &outer; c &lol2;"
    sheet = parse_one(document(activity(title=title), prolog=prolog))
    assert sheet.record.title == title
    assert "EXPANDED" not in sheet.record.title and "SECRET" not in sheet.record.title


def test_a_file_that_is_not_iati_raises() -> None:
    with pytest.raises(ParseError) as raised:
        list(iati.read_activities(io.BytesIO(b"<html><body>Not found</body></html>"), sheet_id="x"))
    assert raised.value.reason == "not_a_data_sheet"


def test_a_file_cut_short_yields_what_came_before_then_raises() -> None:
    whole = document(activity(), activity("XM-DAC-46004-55343-002-LOAN4000")).getvalue()
    cut = io.BytesIO(whole[: whole.index(b"LOAN4000")])
    results = iati.read_activities(cut, sheet_id="x")
    assert next(results).record.loan_or_grant_number == "GRNT0822"
    with pytest.raises(ParseError) as raised:
        next(results)
    assert raised.value.reason == "malformed_xml"


def test_a_text_over_libxml2s_limit_is_a_malformed_file_not_an_unbounded_read() -> None:
    """huge_tree stays off: a text node over 10 MB stops the file (after what came before)."""
    source = document(activity(), activity("XM-DAC-46004-55343-002-LOAN4000", title="A" * 11**7))
    results = iati.read_activities(source, sheet_id="x")
    assert next(results).record.loan_or_grant_number == "GRNT0822"
    with pytest.raises(ParseError, match="Text node too long") as raised:
        next(results)
    assert raised.value.reason == "malformed_xml"

"""An IATI file cut into its activities (`adb_iati.files.split`): each piece parses alone to what
the whole file reads, and nothing of the file is lost, whatever is wrong with it."""

from __future__ import annotations

import pytest

from devfin.errors import ParseError
from devfin.sources.adb_iati import files, parser, samples


def _file(*activities: str, root: str = '<iati-activities version="2.03">') -> bytes:
    body = "".join(activities)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{root}{body}</iati-activities>\n'.encode()


def _activity(identifier: str | None, title: str = "A title") -> str:
    named = "" if identifier is None else f"<iati-identifier>{identifier}</iati-identifier>"
    return (
        f'<iati-activity default-currency="USD">{named}'
        f'<title><narrative xml:lang="en">{title}</narrative></title></iati-activity>'
    )


def test_every_piece_parses_alone_to_what_the_whole_file_reads() -> None:
    sample = samples.generate_file(4, "PH", 80, defect_rate=0.3)
    pieces = list(files.split(sample.content, sheet_id=sample.sheet_id))
    assert len(pieces) == 80
    for piece, truth in zip(pieces, sample.truth, strict=True):
        if isinstance(truth, samples.ExpectedError):
            assert piece.sheet_id == f"iati-activities-ph#activity-{truth.position}"
            with pytest.raises(ParseError) as raised:
                parser.parse(piece.content, sheet_id=piece.sheet_id)
            assert raised.value.reason == truth.reason
            continue
        parsed = parser.parse(piece.content, sheet_id=piece.sheet_id, url="u")
        assert piece.sheet_id == truth.record.iati_identifier
        assert (parsed.record, parsed.children, parsed.unparsed) == (
            truth.record,
            truth.children,
            truth.unparsed,
        )


def test_a_piece_keeps_the_roots_attributes_and_namespaces() -> None:
    root = (
        '<iati-activities version="2.01" xmlns:adb="https://www.adb.org/iati"'
        ' generated-datetime="2026-01-05T00:00:00Z">'
    )
    activity = (
        "<iati-activity><iati-identifier>XM-DAC-46004-12345-001-LOAN0001</iati-identifier>"
        "<adb:note>kept</adb:note></iati-activity>"
    )
    (piece,) = files.split(_file(activity, root=root), sheet_id="f")
    parsed = parser.parse(piece.content, sheet_id=piece.sheet_id)
    assert parsed.record.layout == "iati-2.01"
    assert b'xmlns:adb="https://www.adb.org/iati"' in piece.content
    assert b"generated-datetime" in piece.content


def test_the_same_piece_comes_out_of_the_same_activity_whatever_its_neighbours() -> None:
    one = _activity("XM-DAC-46004-12345-001-LOAN0001")
    first = files.split(_file(one, _activity("XM-DAC-46004-99999-001-LOAN0002")), sheet_id="f")
    second = files.split(_file(_activity("XM-DAC-46004-88888-001-GRNT0003"), one), sheet_id="f")
    by_id = {p.sheet_id: p.content for p in [*first, *second]}
    assert len(by_id) == 3  # the shared activity is one version, whichever file order


def test_a_second_activity_with_the_same_identifier_is_quarantined_not_merged() -> None:
    identifier = "XM-DAC-46004-12345-001-LOAN0001"
    content = _file(_activity(identifier, "First"), _activity(identifier, "Second"))
    first, second = files.split(content, sheet_id="f")
    assert (first.sheet_id, second.sheet_id) == (identifier, f"{identifier}#duplicate-2")
    assert parser.parse(first.content, sheet_id=first.sheet_id).record.title == "First"
    with pytest.raises(ParseError) as raised:
        parser.parse(second.content, sheet_id=second.sheet_id)
    assert raised.value.reason == "duplicate_identifier"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html><body>Service unavailable</body></html>", "not_a_data_sheet"),
        (b"not xml at all", "malformed_xml"),
        (b"", "malformed_xml"),
    ],
)
def test_a_file_that_is_no_iati_file_is_one_piece_the_parser_quarantines(
    content: bytes, reason: str
) -> None:
    (piece,) = files.split(content, sheet_id="iati-activities-ph")
    assert piece.sheet_id == "iati-activities-ph#file" and piece.content == content
    with pytest.raises(ParseError) as raised:
        parser.parse(piece.content, sheet_id=piece.sheet_id)
    assert raised.value.reason == reason


def test_a_file_cut_short_gives_its_whole_activities_then_itself_to_quarantine() -> None:
    whole = _file(*(_activity(f"XM-DAC-46004-1234{n}-001-LOAN000{n}") for n in range(4)))
    cut = whole[: whole.index(b"XM-DAC-46004-12343")]
    pieces = list(files.split(cut, sheet_id="f"))
    assert [p.sheet_id for p in pieces] == [
        "XM-DAC-46004-12340-001-LOAN0000",
        "XM-DAC-46004-12341-001-LOAN0001",
        "XM-DAC-46004-12342-001-LOAN0002",
        "f#file",
    ]
    with pytest.raises(ParseError) as raised:
        parser.parse(pieces[-1].content, sheet_id="f#file")
    assert raised.value.reason == "malformed_xml"


def test_a_whole_file_given_as_one_sheet_is_refused() -> None:
    content = _file(_activity("XM-DAC-46004-12345-001-LOAN0001"), _activity("XM-DAC-46004-2"))
    with pytest.raises(ParseError) as raised:
        parser.parse(content, sheet_id="XM-DAC-46004-12345-001-LOAN0001")
    assert raised.value.reason == "not_one_activity"


def test_an_entity_reference_stays_the_text_it_is_written_as() -> None:
    prolog = '<!DOCTYPE iati-activities [<!ENTITY secret "EXPANDED">]>'
    activity = _activity("XM-DAC-46004-12345-001-LOAN0001", "Roads &secret; and bridges")
    root = prolog + '<iati-activities version="2.03">'
    (piece,) = files.split(_file(activity, root=root), sheet_id="f")
    parsed = parser.parse(piece.content, sheet_id=piece.sheet_id)
    assert parsed.record.title == "Roads &secret; and bridges"
    assert b"EXPANDED" not in piece.content

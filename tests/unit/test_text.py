"""The normalisation helpers shared by the parsers."""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

import pytest

from devfin.parse.text import (
    clean_text,
    looks_like_html,
    page_text,
    parse_amount,
    parse_date,
    parse_decimal,
    parse_int_quantity,
    parse_month,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("People''s Republic", "People's Republic"),
        ("Bai,\u00a0Jie", "Bai, Jie"),
        ("Final Report\u00a0 \u00a0 \u00a0\u00a0 ", "Final Report"),
        ("  a \t  b  ", "a b"),
        ("first paragraph\nsecond  paragraph", "first paragraph\nsecond paragraph"),
        ("one\n\n\n\ntwo", "one\n\ntwo"),
        ("the cities' product", "the cities' product"),
        ("-", None),
        (" - ", None),
        ("", None),
        ("\u00a0", None),
        (None, None),
    ],
)
def test_clean_text(raw: str | None, expected: str | None) -> None:
    assert clean_text(raw) == expected


def _clean_text_every_step(value: str) -> str | None:
    """clean_text as its rules read, every step on every value (it skips the steps that cannot
    change a value)."""
    text = value.translate(str.maketrans(dict.fromkeys("\u00a0\u202f\u2007", " ")))
    text = text.replace("''", "'").replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text:
        lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        text = re.sub(r"[ \t]+", " ", text).strip()
    return None if text in ("", "-") else text


def test_clean_text_gives_what_every_step_gives() -> None:
    draw = random.Random(20261124)
    alphabet = ["a", "b", " ", "  ", "\t", "\n", "\r", "\r\n", "'", "''", "-", "é",
                "\u00a0", "\u202f", "\u2007", "\x0b", "\u3000"]  # fmt: skip
    values = ["".join(draw.choices(alphabet, k=draw.randint(0, 12))) for _ in range(5000)]
    assert any(v.isascii() for v in values) and not all(v.isascii() for v in values)
    assert [clean_text(v) for v in values] == [_clean_text_every_step(v) for v in values]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14 Sep 2020", date(2020, 9, 14)),
        ("08 Dec 2020", date(2020, 12, 8)),
        ("16 Nov 2020", date(2020, 11, 16)),
        ("8 December 2020", date(2020, 12, 8)),
        ("30 September 2022", date(2022, 9, 30)),
        ("14 Sept 2020", date(2020, 9, 14)),
        (" 14\u00a0Sep 2020 ", date(2020, 9, 14)),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(raw: str | None, expected: date | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31 Sep 2020", "14 Foo 2020", "Sep 2020", "2020-09-14", "soon"])
def test_parse_date_rejects_what_is_not_a_date_and_names_it(raw: str) -> None:
    with pytest.raises(ValueError, match=repr(raw)):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nov 2020", date(2020, 11, 1)),
        ("March 2018", date(2018, 3, 1)),
        ("June 2019", date(2019, 6, 1)),
        ("-", None),
        (None, None),
    ],
)
def test_parse_month(raw: str | None, expected: date | None) -> None:
    assert parse_month(raw) == expected


def test_parse_month_rejects_a_day_date() -> None:
    with pytest.raises(ValueError, match="'14 Nov 2020'"):
        parse_month("14 Nov 2020")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("400,000.00", "400000.00"),
        ("0.00", "0.00"),
        ("55,239.58", "55239.58"),
        ("US$ 450,000", "450000.00"),
        ("US$ 427.3 million", "427300000.00"),
        ("US$ 150.00 million", "150000000.00"),
        ("USD 1.25 billion", "1250000000.00"),
        ("$2 thousand", "2000.00"),
        ("1,000,000", "1000000.00"),
        ("12.340", "12.34"),
        ("US$ 1.23456789 million", "1234567.89"),
    ],
)
def test_parse_amount(raw: str, expected: str) -> None:
    amount = parse_amount(raw)
    assert isinstance(amount, Decimal)
    assert str(amount) == expected


@pytest.mark.parametrize("raw", ["12.345", "55,239.585", "US$ 1.234567891 million"])
def test_parse_amount_refuses_a_fraction_of_a_cent(raw: str) -> None:
    """Rounded, the value would differ from the page without a word: it is no value at all."""
    with pytest.raises(ValueError, match="more than 2 decimals"):
        parse_amount(raw)


@pytest.mark.parametrize("raw", ["-", "", None])
def test_parse_amount_of_nothing_is_none(raw: str | None) -> None:
    assert parse_amount(raw) is None


@pytest.mark.parametrize("raw", ["EUR 5 million", "400 USD", "1,00,000", "about 3 million", "n/a"])
def test_parse_amount_rejects_what_is_not_an_amount(raw: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_amount(raw)


def test_parse_decimal_keeps_the_written_precision() -> None:
    assert str(parse_decimal("82,400")) == "82400"
    assert parse_decimal("1.5 million") == Decimal("1500000")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("30 million", 30_000_000), ("30,000,000", 30_000_000), ("1.2 million", 1_200_000)],
)
def test_parse_int_quantity(raw: str, expected: int) -> None:
    quantity = parse_int_quantity(raw)
    assert quantity == expected
    assert isinstance(quantity, int)


def test_parse_int_quantity_rejects_a_fraction() -> None:
    with pytest.raises(ValueError, match="whole"):
        parse_int_quantity("2.5")


def test_page_text_decodes_bytes_and_unifies_newlines() -> None:
    assert page_text("\ufeffa\r\nb".encode()) == "a\nb"
    assert page_text("a\rb") == "a\nb"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html>\n<html><body>x</body></html>", True),
        ("  <html lang='en'>", True),
        ("China, People's Republic of : A project\nProject Name | A |", False),
    ],
)
def test_looks_like_html(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


@pytest.mark.parametrize(
    "raw", ["US$ 99,999,999 billion", "1" * 27, "10,000,000,000,000,000.00", "$ 10,000,000 billion"]
)
def test_an_amount_too_large_for_numeric_18_2_is_not_an_amount(raw: str) -> None:
    with pytest.raises(ValueError, match="numeric"):
        parse_amount(raw)


def test_the_largest_amount_numeric_18_2_holds_is_read() -> None:
    assert parse_amount("9,999,999,999,999,999.99") == Decimal("9999999999999999.99")


@pytest.mark.parametrize("raw", ["24,706.123", "1" * 17, "0.001"])
def test_a_quantity_numeric_18_2_cannot_hold_is_not_one(raw: str) -> None:
    with pytest.raises(ValueError, match="numeric"):
        parse_quantity(raw)


@pytest.mark.parametrize(("raw", "expected"), [("82,400", "82400"), ("24,706.120", "24706.12")])
def test_a_quantity_numeric_18_2_holds_is_read(raw: str, expected: str) -> None:
    assert parse_quantity(raw) == Decimal(expected)


def test_a_whole_number_beyond_bigint_is_not_one() -> None:
    with pytest.raises(ValueError, match="bigint"):
        parse_int_quantity("12345678901234567890")
    assert parse_int_quantity("9,223,372,036,854,775,807") == 2**63 - 1

"""Drawing a random ADB activity: each value as the file writes it, with what a parser must read."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from devfin.sources.adb_iati.samples.reference import (
    AGENCIES,
    COUNTRIES,
    HOSTILE,
    LOAN_OR_GRANT_PREFIXES,
    PROGRAMMES,
    PUBLISHER,
    PUBLISHER_NAME,
    REGIONS,
    SECTORS,
    SUBJECTS,
    TRANSLATIONS,
)

ENGLISH = "en"
TRANSACTION_TYPES = (1, 2, 3, 4, 11, 12)
# The last day a transaction may be dated: the generated files are made on 2026-01-05.
LAST_TRANSACTION_DAY = date(2026, 1, 4)


@dataclass(frozen=True)
class Value:
    """A value as written (None: left out), what a parser reads from it, and, when it cannot be
    read, why (the parser's reason)."""

    written: str | None
    expected: Any = None
    reason: str | None = None


@dataclass(frozen=True)
class Narrative:
    language: str | None  # its xml:lang, None when it takes the activity's
    text: str  # as written: it may carry spaces around it, which a parser strips


@dataclass(frozen=True)
class Org:
    ref: str | None
    organisation_type: str | None
    narratives: tuple[Narrative, ...]
    role: Value = Value(None)


@dataclass(frozen=True)
class Share:
    """A recipient country, region or sector."""

    code: str
    vocabulary: str | None  # as written; None when left out
    percentage: Value


@dataclass(frozen=True)
class Money:
    """A budget or a transaction: its own codes, dates and value."""

    codes: tuple[Value, ...]  # budget: (type, status); transaction: (type,)
    dates: tuple[Value, ...]  # budget: (period start, period end); transaction: (date,)
    amount: Value
    currency: str | None  # the value's own; None: the activity's default applies
    value_date: Value
    ref: str | None = None
    description: tuple[Narrative, ...] = ()
    provider: Org | None = None
    receiver: Org | None = None


@dataclass
class Activity:
    """One drawn activity. `identifier` None: the file leaves it out (the activity is an error)."""

    identifier: str | None
    project_number: str | None
    loan_or_grant_number: str | None
    language: str | None
    currency: str | None
    hierarchy: Value
    last_updated: Value
    reporting_org: Org | None
    titles: list[Narrative]
    descriptions: list[tuple[Value, list[Narrative]]]
    participating_orgs: list[Org]
    status: Value | None
    dates: list[tuple[Value, Value]]
    countries: list[Share]
    regions: list[Share]
    sectors: list[Share]
    budgets: list[Money]
    transactions: list[Money]
    defect: str | None = None


def code_value(code: int) -> Value:
    return Value(str(code), code)


def date_value(day: date) -> Value:
    return Value(day.isoformat(), day)


def random_activity(rng: random.Random, country: str, index: int) -> Activity:
    """Activity `index` of a country's file, with every optional element drawn in or out."""
    local = next(language for code, _, language in COUNTRIES if code == country)
    project = f"{rng.randrange(30000, 58000):05d}-{rng.randrange(1, 13):03d}"
    number = f"{rng.choice(LOAN_OR_GRANT_PREFIXES)}{1000 + index % 9000:04d}"
    language = ENGLISH if rng.random() < 0.9 else None
    subject = f"{rng.choice(SUBJECTS)} {rng.choice(PROGRAMMES)}"
    if rng.random() < 0.15:
        subject = f"{subject} {rng.choice(HOSTILE)}"
    start = date(2010, 1, 1) + timedelta(days=rng.randrange(5000))
    return Activity(
        identifier=f"{PUBLISHER}-{project}-{number}",
        project_number=project,
        loan_or_grant_number=number,
        language=language,
        currency="USD" if rng.random() < 0.95 else None,
        hierarchy=code_value(rng.choice((1, 2))) if rng.random() < 0.8 else Value(None),
        last_updated=_last_updated(rng),
        reporting_org=Org(
            PUBLISHER,
            "40",
            _narratives(rng, PUBLISHER_NAME, language, local, translate=False),
        ),
        titles=list(_narratives(rng, subject, language, local)),
        descriptions=_descriptions(rng, subject, language, local),
        participating_orgs=_participating_orgs(rng, language, local),
        status=code_value(rng.randint(1, 6)) if rng.random() < 0.95 else None,
        dates=[
            (code_value(kind), date_value(start + timedelta(days=400 * (kind - 1))))
            for kind in sorted(rng.sample((1, 2, 3, 4), rng.randint(0, 4)))
        ],
        countries=_countries(rng, country),
        regions=[
            Share(rng.choice(REGIONS), rng.choice((None, "1")), _percentage(rng))
            for _ in range(rng.choice((0, 0, 0, 1)))
        ],
        sectors=_sectors(rng),
        budgets=[_budget(rng, start, year) for year in range(rng.randint(0, 3))],
        transactions=[_transaction(rng, start) for _ in range(rng.randint(0, 6))],
    )


def _last_updated(rng: random.Random) -> Value:
    moment = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8))
    form = rng.randrange(4)
    if form == 0:
        return Value(None)
    if form == 1:
        return Value(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), moment)
    if form == 2:  # Manila time: the same moment, 8 hours ahead
        written = (moment + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
        return Value(written, moment)
    return Value(moment.strftime("%Y-%m-%dT%H:%M:%S"), moment)  # no offset: taken as UTC


def _narratives(
    rng: random.Random, text: str, language: str | None, local: str, *, translate: bool = True
) -> tuple[Narrative, ...]:
    """English (written with its xml:lang or taking the activity's, if any), perhaps the country's
    language and French; now and then English is missing and only the others are there."""
    # In an activity without xml:lang, an untagged narrative has no language at all.
    english_tag = ENGLISH if rng.random() < (0.5 if language is None else 0.3) else None
    padded = rng.choice((text, f"  {text}\n  ", f"\n{text}"))
    found = [Narrative(english_tag, padded)]
    if translate:
        for other in (local, "fr"):
            if rng.random() < 0.35:
                found.append(Narrative(other, TRANSLATIONS[other]))
        if len(found) > 1 and rng.random() < 0.15:
            found.pop(0)
    return tuple(found)


def _descriptions(
    rng: random.Random, subject: str, language: str | None, local: str
) -> list[tuple[Value, list[Narrative]]]:
    kinds = sorted(rng.sample((1, 2, 3), rng.randint(0, 3)))
    texts = {
        1: f"The {subject.lower()} will improve services for about {rng.randint(2, 900)}000"
        " people.\nIt finances works, equipment and capacity building.",
        2: "To increase access to safe and reliable services.",
        3: "Households in the project area, women-headed households in particular.",
    }
    return [
        (code_value(kind), list(_narratives(rng, texts[kind], language, local))) for kind in kinds
    ]


def _participating_orgs(rng: random.Random, language: str | None, local: str) -> list[Org]:
    orgs = []
    for role in sorted(rng.sample((1, 2, 3, 4), rng.randint(1, 4))):
        ref, kind, name = rng.choice(AGENCIES)
        narratives = _narratives(rng, name, language, local, translate=False)
        orgs.append(Org(ref, kind if rng.random() < 0.9 else None, narratives, code_value(role)))
    return orgs


def _percentage(rng: random.Random) -> Value:
    share = Decimal(rng.choice(("100", "50", "33.3", "12.5", "0")))
    return Value(str(share), share) if rng.random() < 0.8 else Value(None)


def _countries(rng: random.Random, country: str) -> list[Share]:
    if rng.random() < 0.8:
        return [Share(country, None, Value("100", Decimal(100)))]
    other = rng.choice([code for code, _, _ in COUNTRIES if code != country])
    return [Share(code, None, Value("50", Decimal(50))) for code in (country, other)]


def _sectors(rng: random.Random) -> list[Share]:
    drawn = rng.sample(SECTORS, rng.randint(0, 3))
    shares = [Decimal(100)] if len(drawn) == 1 else [Decimal(60), Decimal(40), Decimal(0)]
    return [
        Share(code, vocabulary, Value(str(share), share))
        for (vocabulary, code), share in zip(drawn, shares, strict=False)
    ]


def _amount(rng: random.Random) -> Value:
    cents = rng.randrange(-(10**6), 10**11)
    amount = Decimal(cents).scaleb(-2) if rng.random() < 0.3 else Decimal(cents // 100)
    return Value(str(amount), amount)


def _budget(rng: random.Random, start: date, year: int) -> Money:
    period_start = date(start.year + year, 1, 1)
    return Money(
        codes=(code_value(rng.choice((1, 2))), code_value(rng.choice((1, 2)))),
        dates=(date_value(period_start), date_value(date(period_start.year, 12, 31))),
        amount=_amount(rng),
        currency=rng.choice((None, None, "USD", "PHP")),
        value_date=date_value(period_start),
    )


def _transaction(rng: random.Random, start: date) -> Money:
    # a transaction has happened: none after the day the files say they were made
    day = min(start + timedelta(days=rng.randrange(3000)), LAST_TRANSACTION_DAY)
    has_description = rng.random() < 0.4
    description = (Narrative(None, f"Tranche {rng.randint(1, 9)}"),) if has_description else ()
    provider = receiver = None
    if rng.random() < 0.5:
        provider = Org(PUBLISHER, "40", (Narrative(None, PUBLISHER_NAME),))
    if rng.random() < 0.5:
        ref, kind, name = rng.choice(AGENCIES)
        receiver = Org(ref, kind, (Narrative(rng.choice((None, ENGLISH)), name),))
    return Money(
        codes=(code_value(rng.choice(TRANSACTION_TYPES)),),
        dates=(date_value(day),),
        amount=_amount(rng),
        currency=rng.choice((None, None, None, "USD", "JPY")),
        value_date=date_value(day),
        ref=f"T{rng.randrange(10**6):06d}" if rng.random() < 0.5 else None,
        description=description,
        provider=provider,
        receiver=receiver,
    )

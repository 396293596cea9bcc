"""Drawing a random intervention: its entries, each a label with its value as written and what
a parser must read from it."""

from __future__ import annotations

import dataclasses
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from devfin.sources.cdia.samples.layout import (
    AREA_UNITS,
    CDIA_SUPPORT,
    CHILD_TABLES,
    CITY,
    CITY_SEPARATORS,
    CITY_WEBSITE,
    COOPERATION_DETAILS,
    COUNTRY,
    DOWNLOAD,
    DOWNSTREAM_FINANCING,
    EXPECTED_IMPACTS,
    EXPECTED_OUTCOMES,
    IMPACT_AREAS,
    INFRASTRUCTURE_SECTORS,
    KEY_ISSUES,
    LAND_AREA,
    LIST_SEPARATOR,
    MONTHS,
    NBSP,
    PERIOD_SEPARATOR,
    PLACEHOLDER,
    POPULATION,
    SITE,
    STAKEHOLDERS,
    STUDY_PERIOD,
    TO_BE_CONFIRMED,
)
from devfin.sources.cdia.samples.reference import reference

_CENT = Decimal("0.01")
_MILLION = 10**6


@dataclass(frozen=True)
class Entry:
    """One label of the page: its value as written and what a parser must read from it."""

    label: str
    written: tuple[str, ...]  # the value's lines; a narrative's paragraphs; the link texts
    fields: dict[str, Any] = field(default_factory=dict)  # record fields the value fills
    rows: tuple[str, ...] = ()  # the child rows of a list label
    hrefs: tuple[str, ...] = ()  # the Download links' targets
    wording: str | None = None  # the label as this page writes it, when not `label`
    unparsed: dict[str, dict[str, str]] = field(default_factory=dict)  # what cannot be read

    def heading(self) -> str:
        return self.wording or self.label

    def text_fields(self) -> list[str]:
        """The fields and child tables of this value whose text holds an apostrophe."""
        names = [n for n, v in self.fields.items() if isinstance(v, str) and "'" in v]
        if any("'" in row for row in self.rows):
            names.append(f"{CHILD_TABLES[self.label].table}.name")
        return names


@dataclass(frozen=True)
class Style:
    """How one page's HTML is written: the template variant and its character references."""

    facts_as_list: bool  # <dl><dt>label</dt><dd>value</dd></dl> instead of <h4> + <p>
    colon_outside: bool  # <strong>Country</strong>: China
    references: bool  # en dash, curly quotes, NBSP and apostrophes as character references


@dataclass(frozen=True)
class Page:
    title: str
    entries: tuple[Entry, ...]
    style: Style

    def entry(self, label: str) -> Entry | None:
        return next((e for e in self.entries if e.label == label), None)

    def required(self, label: str) -> Entry:
        entry = self.entry(label)
        if entry is None:
            raise KeyError(f"the page has no {label!r}")
        return entry


# --- The random intervention ----------------------------------------------------------------


def random_page(rng: random.Random) -> Page:
    city, short, country, domain = rng.choice(reference().cities)
    title = f"{short} {rng.choice(reference().topics)}"
    stakeholders = _stakeholders(rng, short, country)
    style = Style(
        facts_as_list=rng.random() < 0.3,
        colon_outside=rng.random() < 0.3,
        references=rng.random() < 0.5,
    )
    curly = rng.random() < 0.5
    outcomes = _narrative(EXPECTED_OUTCOMES, "expected_outcomes", _outcomes(rng, curly))
    if rng.random() < 0.2:
        outcomes = dataclasses.replace(outcomes, wording=EXPECTED_IMPACTS)
    entries = (
        Entry(COUNTRY, (country,), {"country": country}),
        _cities(rng, city, country),
        _list_entry(rng, STAKEHOLDERS, stakeholders),
        _study_period(rng),
        _support(rng),
        _downstream(rng),
        _list_entry(rng, INFRASTRUCTURE_SECTORS, _some(rng, reference().sectors, 3)),
        _list_entry(rng, IMPACT_AREAS, _some(rng, reference().impacts, 4), one_a_line=0.0),
        _narrative(KEY_ISSUES, "key_issues", _key_issues(rng, short, country, curly)),
        _narrative(
            COOPERATION_DETAILS, "cooperation_details", _cooperation(rng, stakeholders[0], title)
        ),
        outcomes,
        _downloads(rng, title),
        _land_area(rng),
        _population(rng),
        _website(rng, short, domain),
    )
    return Page(title, entries, style)


def _cities(rng: random.Random, first: str, country: str) -> Entry:
    """The City value: mostly one city; else several of the country, set apart as pages do."""
    others = [
        written
        for written, _, where, _ in reference().cities
        if where == country and written != first
    ]
    count = 1 if rng.random() < 0.7 or not others else rng.randint(2, len(others) + 1)
    cities = (first, *rng.sample(others, count - 1))
    if len(cities) == 1:
        return Entry(CITY, cities, {"city": first}, rows=cities)
    how = rng.choice(("separator", "and", "lines"))
    if how == "lines":
        lines = cities
    elif how == "and":  # "Banjarmasin, Cirebon and Sorong"
        lines = (f"{', '.join(cities[:-1])} and {cities[-1]}",)
    else:
        lines = (rng.choice(CITY_SEPARATORS).join(cities),)
    return Entry(CITY, lines, {"city": "\n".join(lines)}, rows=cities)


def _stakeholders(rng: random.Random, short: str, country: str) -> tuple[str, ...]:
    local = [f"{short} City Government", f"{short} Water Supply Company"]
    if country == "China":
        local = [
            f"{short} Municipal People's Government",
            f"{short} Municipal Development and Reform Commission",
        ]
    national = [f"Ministry of Finance, {country}", *reference().partners]
    count = rng.randint(1, 5)
    return (rng.choice(local), *rng.sample(national, count - 1))


def _some(rng: random.Random, vocabulary: tuple[str, ...], most: int) -> tuple[str, ...]:
    return tuple(rng.sample(vocabulary, rng.randint(1, most)))


def _list_entry(
    rng: random.Random, label: str, names: tuple[str, ...], *, one_a_line: float = 0.3
) -> Entry:
    """A list value: "; "-separated on one line, or (some pages) one entry a line."""
    lines = names if len(names) > 1 and rng.random() < one_a_line else (LIST_SEPARATOR.join(names),)
    return Entry(label, lines, rows=names)


def _narrative(label: str, name: str, paragraphs: tuple[str, ...]) -> Entry:
    return Entry(label, paragraphs, {name: "\n\n".join(paragraphs)})


def _study_period(rng: random.Random) -> Entry:
    start = date(rng.randint(2010, 2022), rng.randint(1, 12), 1)
    months = start.month - 1 + rng.randint(3, 24)
    end = date(start.year + months // 12, months % 12 + 1, 1)
    abbreviated = rng.random() < 0.2
    written = PERIOD_SEPARATOR.join(_month(d, abbreviated) for d in (start, end))
    return Entry(STUDY_PERIOD, (written,), {"study_period_start": start, "study_period_end": end})


def _month(day: date, abbreviated: bool) -> str:
    name = MONTHS[day.month - 1]
    return f"{name[:3] if abbreviated else name} {day.year}"


def _support(rng: random.Random) -> Entry:
    space = rng.choice((" ", NBSP))
    if rng.random() < 0.2:
        millions = rng.choice(("1", "1.05", "1.1", "1.15", "1.2"))
        written, amount = f"US${space}{millions} million", Decimal(millions) * _MILLION
    else:
        dollars = rng.randrange(150, 1201) * 1000
        written, amount = f"US${space}{dollars:,}", Decimal(dollars)
    return Entry(CDIA_SUPPORT, (written,), {"cdia_support_usd": amount.quantize(_CENT)})


def _downstream(rng: random.Random) -> Entry:
    kind = rng.random()
    if kind < 0.1:
        fields = {"expected_downstream_financing_usd": None, "downstream_financier": None}
        return Entry(DOWNSTREAM_FINANCING, (PLACEHOLDER,), fields)
    if kind < 0.2:  # "TBC": no amount yet, and no failure to read one
        fields = {"expected_downstream_financing_status": "to_be_confirmed"}
        return Entry(DOWNSTREAM_FINANCING, (rng.choice(TO_BE_CONFIRMED),), fields)
    written, amount = _downstream_amount(rng)
    if kind < 0.3:  # "$40 million (tbc)": an amount, not final; "tbc" is not a financier
        fields = {
            "expected_downstream_financing_usd": amount.quantize(_CENT),
            "expected_downstream_financing_status": "to_be_confirmed",
        }
        return Entry(DOWNSTREAM_FINANCING, (f"{written} (tbc)",), fields)
    financier = rng.choice(reference().financiers) if rng.random() < 0.75 else None
    if financier is not None:
        written = f"{written} ({financier})"
    fields = {
        "expected_downstream_financing_usd": amount.quantize(_CENT),
        "expected_downstream_financing_status": "stated",
        "downstream_financier": financier,
    }
    return Entry(DOWNSTREAM_FINANCING, (written,), fields)


def _downstream_amount(rng: random.Random) -> tuple[str, Decimal]:
    """An amount as the pages write it: "US$ 427.3 million", "US$587 million", "$40 million"."""
    prefix = rng.choice(("US$ ", "US$ ", "US$", "$"))
    kind = rng.random()
    if kind < 0.1:
        billions = Decimal(rng.randint(10, 30)) / 10
        return f"{prefix}{billions} billion", billions * 10**9
    if kind < 0.25:
        dollars = rng.randrange(5, 100) * _MILLION
        return f"{prefix}{dollars:,}", Decimal(dollars)
    if kind < 0.4:
        millions = rng.randrange(5, 900)
        return f"{prefix}{millions} million", Decimal(millions * _MILLION)
    millions_tenths = Decimal(rng.randrange(200, 9000)) / 10
    return f"{prefix}{millions_tenths} million", millions_tenths * _MILLION


def _land_area(rng: random.Random) -> Entry:
    whole = rng.randrange(20, 90_000)
    decimals = rng.choice(("", "", str(rng.randrange(10)), f"{rng.randrange(100):02d}"))
    number = f"{whole}.{decimals}" if decimals else str(whole)
    written = f"{whole:,}{'.' + decimals if decimals else ''} {rng.choice(AREA_UNITS)}"
    return Entry(LAND_AREA, (written,), {"land_area_sq_km": Decimal(number)})


def _population(rng: random.Random) -> Entry:
    if rng.random() < 0.5:
        millions = Decimal(rng.randrange(10, 350)) / 10
        written, count = f"{millions} million", int(millions * _MILLION)
    else:
        count = rng.randrange(150_000, 9_000_000)
        written = f"{count:,}"
    year = rng.randint(2005, 2022) if rng.random() < 0.8 else None
    if year is not None:
        written = f"{written} ({year})"
    return Entry(POPULATION, (written,), {"population": count, "population_year": year})


def _website(rng: random.Random, short: str, domain: str) -> Entry:
    host = slug(short).replace("-", "")
    choices = (PLACEHOLDER, f"www.{host}.{domain}", f"https://www.{host}city.{domain}")
    written = rng.choice(choices)
    website = None if written == PLACEHOLDER else written
    return Entry(CITY_WEBSITE, (written,), {"city_website": website})


def _downloads(rng: random.Random, title: str) -> Entry:
    chosen = sorted(rng.sample(range(len(reference().documents)), rng.randint(1, 3)))
    links = tuple(reference().documents[i] for i in chosen)
    folder = f"{SITE}/wp-content/uploads/{rng.randint(2012, 2024)}/{rng.randint(1, 12):02d}"
    hrefs = tuple(f"{folder}/{slug(title)}-{slug(link)}.pdf" for link in links)
    return Entry(DOWNLOAD, links, {"downloads": LIST_SEPARATOR.join(links)}, hrefs=hrefs)


# Narratives: every sentence starts with a capital and no paragraph starts with a label.
def _key_issues(rng: random.Random, short: str, country: str, curly: bool) -> tuple[str, ...]:
    apostrophe = "\u2019" if curly else "'"
    first, second = rng.sample(reference().issues, 2)
    paragraphs = [
        f"{short} is one of the fastest growing cities of {country}. Growth has outpaced the "
        f"city's infrastructure: {first}, and {second}."
    ]
    if rng.random() < 0.6:
        paragraphs.append(
            f"The municipal government{apostrophe}s capacity to plan, finance and maintain "
            "infrastructure is limited, and its own revenues cover a small share of the "
            f"capital needs of a {rng.randint(5, 20)}-year \u201cinvestment programme\u201d."
        )
    return tuple(paragraphs)


def _cooperation(rng: random.Random, lead: str, title: str) -> tuple[str, ...]:
    studies = rng.sample(reference().studies, 3)
    paragraphs = [
        f"CDIA supported {lead} in preparing a pre-feasibility study for the {title} project. "
        f"The study covered {studies[0]}, {studies[1]} and {studies[2]}, and identified "
        f"priority investments of about US$ {rng.randint(20, 400)} million."
    ]
    if rng.random() < 0.5:
        paragraphs.append(
            f"Key CDIA technical assistance inputs included: (i) a {rng.randint(2, 5)}-day "
            "capacity development workshop; (ii) a review of the city's capital investment "
            "plan; and (iii) support in linking the project to financiers."
        )
    return tuple(paragraphs)


def _outcomes(rng: random.Random, curly: bool) -> tuple[str, ...]:
    apostrophe = "\u2019" if curly else "'"
    return (
        f"The project is expected to benefit about {rng.randint(50, 900) * 1000:,} residents "
        f"and to strengthen the city{apostrophe}s capacity to deliver and maintain services, "
        f"in line with the national government{apostrophe}s urban development strategy.",
    )


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")

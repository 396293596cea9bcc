"""Sample CDIA city-intervention pages: a random intervention as HTML and as its text rendering."""

from __future__ import annotations

import dataclasses
import html
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from devfin.parse.text import DOUBLED_APOSTROPHE_REPAIR
from devfin.records import (
    CdiaCity,
    CdiaImpactArea,
    CdiaInfrastructureSector,
    CdiaIntervention,
    CdiaStakeholder,
    ParsedSheet,
)
from devfin.samples.base import Sample
from devfin.sources.cdia import SOURCE_KEY

SOURCE = SOURCE_KEY
DEFECTS: tuple[str, ...] = ("missing_label", "bad_date", "doubled_apostrophes", "truncated")
# The ParseError reason of the defects that make a page unreadable. A bad date does not: the
# page parses with the date's field empty and its text in `unparsed`.
EXPECTED_ERRORS = {"truncated": "not_a_data_sheet"}
URL_PREFIX = "https://cdia.asia/project/"  # a page is URL_PREFIX + slug + "/"
SITE = "https://cdia.asia"

# The layout the pages are written in, described here as the site writes it (independently of
# the parser, which must read it): its name, its labels and furniture, its separators.
LAYOUT = "intervention-2019"
BREADCRUMB = "City Interventions"
BACK_TO_TOP = "Back to Top"
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
EXPECTED_IMPACTS = "Expected Development Impacts"  # some pages head the outcomes so
DOWNLOAD = "Download"
CITY_INFORMATION = "Key City information"
LAND_AREA = "Land Area"
POPULATION = "Estimated Population"
CITY_WEBSITE = "City website"
PLACEHOLDER = "n/a"
LIST_SEPARATOR = "; "
PERIOD_SEPARATOR = " \u2013 "
# How the site writes a downstream amount not yet known.
TO_BE_CONFIRMED = ("TBC", "tbc", "To be confirmed")
# How several cities are written in the City value, besides one a line.
CITY_SEPARATORS = (", ", "; ")

# The page's sections, each a group of labels in page order.
LOCATION = (COUNTRY, CITY)
FACTS = (
    STAKEHOLDERS,
    STUDY_PERIOD,
    CDIA_SUPPORT,
    DOWNSTREAM_FINANCING,
    INFRASTRUCTURE_SECTORS,
    IMPACT_AREAS,
)
NARRATIVES = (KEY_ISSUES, COOPERATION_DETAILS, EXPECTED_OUTCOMES)
CITY_FACTS = (LAND_AREA, POPULATION, CITY_WEBSITE)
# Every label of the layout, in page order: the order of `missing_labels`.
LABELS = (*LOCATION, *FACTS, *NARRATIVES, DOWNLOAD, *CITY_FACTS)
CHILD_TABLES = {
    CITY: CdiaCity,
    STAKEHOLDERS: CdiaStakeholder,
    INFRASTRUCTURE_SECTORS: CdiaInfrastructureSector,
    IMPACT_AREAS: CdiaImpactArea,
}

# (city as written, its short name, country, web domain suffix)
CITIES = (
    ("Chongqing", "Chongqing", "China", "gov.cn"),
    ("Xi'an", "Xi'an", "China", "gov.cn"),
    ("Guiyang", "Guiyang", "China", "gov.cn"),
    ("Nanning", "Nanning", "China", "gov.cn"),
    ("Vientiane Capital", "Vientiane", "Lao People's Democratic Republic", "gov.la"),
    ("Luang Prabang", "Luang Prabang", "Lao People's Democratic Republic", "gov.la"),
    ("Da Nang", "Da Nang", "Viet Nam", "gov.vn"),
    ("Can Tho", "Can Tho", "Viet Nam", "gov.vn"),
    ("Naga City", "Naga", "Philippines", "gov.ph"),
    ("Baguio City", "Baguio", "Philippines", "gov.ph"),
    ("Iloilo City", "Iloilo", "Philippines", "gov.ph"),
    ("Semarang", "Semarang", "Indonesia", "go.id"),
    ("Surakarta (Solo)", "Surakarta", "Indonesia", "go.id"),
    ("Balikpapan", "Balikpapan", "Indonesia", "go.id"),
    ("Khulna", "Khulna", "Bangladesh", "gov.bd"),
    ("Rajshahi", "Rajshahi", "Bangladesh", "gov.bd"),
    ("Kandy", "Kandy", "Sri Lanka", "gov.lk"),
    ("Ulaanbaatar", "Ulaanbaatar", "Mongolia", "mn"),
    ("Pokhara", "Pokhara", "Nepal", "gov.np"),
    ("Melaka", "Melaka", "Malaysia", "gov.my"),
    ("Battambang", "Battambang", "Cambodia", "gov.kh"),
    ("Siem Reap", "Siem Reap", "Cambodia", "gov.kh"),
    ("Mandalay", "Mandalay", "Myanmar", "gov.mm"),
    ("Peshawar", "Peshawar", "Pakistan", "gov.pk"),
    ("Coimbatore", "Coimbatore", "India", "gov.in"),
    ("Thimphu", "Thimphu", "Bhutan", "bt"),
    ("Male'", "Male'", "Maldives", "gov.mv"),
)
TOPICS = (
    "Innovation and Human Capital Development",
    "Sustainable Urban Transport",
    "Integrated Solid Waste Management",
    "Wastewater Management and Sanitation",
    "Water Supply Expansion",
    "Flood Risk Management",
    "Urban Renewal and Heritage Conservation",
    "Energy Efficient Street Lighting",
    "Green Bus Rapid Transit",
    "Riverfront Rehabilitation",
)
SECTORS = (
    "Urban Transport",
    "Water Supply",
    "Wastewater",
    "Solid Waste Management",
    "Social Infrastructure",
    "Energy Efficiency",
    "Urban Renewal",
    "Drainage and Flood Control",
)
IMPACTS = (
    "Environmental Improvement",
    "Poverty Reduction",
    "Climate Change Mitigation",
    "Climate Change Adaptation",
    "Good Governance",
)
PARTNERS = (
    "Asian Development Bank",
    "KfW Development Bank",
    "Agence Française de Développement",
    "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)",
    "Swedish International Development Cooperation Agency (Sida)",
    "Ministry of Public Works and Transport",
)
FINANCIERS = (
    "ADB loan",
    "AIIB",
    "World Bank",
    "ADB and AIIB",
    "KfW loan",
    "AFD loan",
    "ADB loan and city budget",
)
DOCUMENTS = (
    "Final Report",
    "Executive Summary",
    "Pre-Feasibility Study",
    "Project Brief",
    "Inception Report",
)
ISSUES = (
    "piped water reaches fewer than half of the households",
    "untreated wastewater flows into the river",
    "solid waste collection covers only the city centre",
    "traffic congestion worsens as car ownership rises",
    "low-lying districts flood in every monsoon season",
    "informal settlements lack basic services",
    "street lighting takes a large share of the municipal energy budget",
)
STUDIES = (
    "demand forecasts",
    "technical options",
    "environmental and social safeguards",
    "financial and economic analysis",
    "institutional arrangements",
    "a gender action plan",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
AREA_UNITS = ("sq. km.", "sq km", "km\u00b2", "square kilometres")
NBSP = "\u00a0"
# Download links are set apart by a run of spaces and no-break spaces, as on the live page.
LINK_GAP = f" {NBSP}{NBSP} {NBSP}{NBSP}"
_CENT = Decimal("0.01")
_MILLION = 10**6
# The characters the live HTML writes as references when a page uses them.
_ENTITIES = str.maketrans(
    {
        "\u00a0": "&nbsp;",
        "\u2013": "&#8211;",
        "\u2019": "&#8217;",
        "\u201c": "&ldquo;",
        "\u201d": "&rdquo;",
        "'": "&#39;",
    }
)


@dataclass(frozen=True)
class _Entry:
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
class _Style:
    """How one page's HTML is written: the template variant and its character references."""

    facts_as_list: bool  # <dl><dt>label</dt><dd>value</dd></dl> instead of <h4> + <p>
    colon_outside: bool  # <strong>Country</strong>: China
    references: bool  # en dash, curly quotes, NBSP and apostrophes as character references


@dataclass(frozen=True)
class _Page:
    title: str
    entries: tuple[_Entry, ...]
    style: _Style

    def entry(self, label: str) -> _Entry | None:
        return next((e for e in self.entries if e.label == label), None)

    def required(self, label: str) -> _Entry:
        entry = self.entry(label)
        if entry is None:
            raise KeyError(f"the page has no {label!r}")
        return entry


def generate(rng: random.Random, index: int, defect: str | None) -> Sample:
    """Page `index`: a random intervention with at most one defect, in both renderings."""
    if defect is not None and defect not in DEFECTS:
        raise ValueError(f"{SOURCE} pages cannot carry the defect {defect!r}")
    page = _random_page(rng)
    sheet_id = f"{_slug(page.title)}-{index}"
    url = f"{URL_PREFIX}{sheet_id}/"
    repaired: list[str] = []
    if defect == "missing_label":
        page = _drop_label(rng, page)
    elif defect == "bad_date":
        page = _spoil_study_period(rng, page)
    elif defect == "doubled_apostrophes":
        page, repaired = _double_apostrophes(rng, page)
    truncated = defect == "truncated"
    text, page_html = _render_text(page, truncated), _render_html(page, url, truncated)
    error = EXPECTED_ERRORS.get(defect) if defect else None
    truth = None if error else _truth(page, repaired)
    return Sample(SOURCE, sheet_id, url, page_html, text, truth, error, defect)


# --- The random intervention ----------------------------------------------------------------


def _random_page(rng: random.Random) -> _Page:
    city, short, country, domain = rng.choice(CITIES)
    title = f"{short} {rng.choice(TOPICS)}"
    stakeholders = _stakeholders(rng, short, country)
    style = _Style(
        facts_as_list=rng.random() < 0.3,
        colon_outside=rng.random() < 0.3,
        references=rng.random() < 0.5,
    )
    curly = rng.random() < 0.5
    outcomes = _narrative(EXPECTED_OUTCOMES, "expected_outcomes", _outcomes(rng, curly))
    if rng.random() < 0.2:
        outcomes = dataclasses.replace(outcomes, wording=EXPECTED_IMPACTS)
    entries = (
        _Entry(COUNTRY, (country,), {"country": country}),
        _cities(rng, city, country),
        _list_entry(rng, STAKEHOLDERS, stakeholders),
        _study_period(rng),
        _support(rng),
        _downstream(rng),
        _list_entry(rng, INFRASTRUCTURE_SECTORS, _some(rng, SECTORS, 3)),
        _list_entry(rng, IMPACT_AREAS, _some(rng, IMPACTS, 4), one_a_line=0.0),
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
    return _Page(title, entries, style)


def _cities(rng: random.Random, first: str, country: str) -> _Entry:
    """The City value: mostly one city; else several of the country, set apart as pages do."""
    others = [written for written, _, where, _ in CITIES if where == country and written != first]
    count = 1 if rng.random() < 0.7 or not others else rng.randint(2, len(others) + 1)
    cities = (first, *rng.sample(others, count - 1))
    if len(cities) == 1:
        return _Entry(CITY, cities, {"city": first}, rows=cities)
    how = rng.choice(("separator", "and", "lines"))
    if how == "lines":
        lines = cities
    elif how == "and":  # "Banjarmasin, Cirebon and Sorong"
        lines = (f"{', '.join(cities[:-1])} and {cities[-1]}",)
    else:
        lines = (rng.choice(CITY_SEPARATORS).join(cities),)
    return _Entry(CITY, lines, {"city": "\n".join(lines)}, rows=cities)


def _stakeholders(rng: random.Random, short: str, country: str) -> tuple[str, ...]:
    local = [f"{short} City Government", f"{short} Water Supply Company"]
    if country == "China":
        local = [
            f"{short} Municipal People's Government",
            f"{short} Municipal Development and Reform Commission",
        ]
    national = [f"Ministry of Finance, {country}", *PARTNERS]
    count = rng.randint(1, 5)
    return (rng.choice(local), *rng.sample(national, count - 1))


def _some(rng: random.Random, vocabulary: tuple[str, ...], most: int) -> tuple[str, ...]:
    return tuple(rng.sample(vocabulary, rng.randint(1, most)))


def _list_entry(
    rng: random.Random, label: str, names: tuple[str, ...], *, one_a_line: float = 0.3
) -> _Entry:
    """A list value: "; "-separated on one line, or (some pages) one entry a line."""
    lines = names if len(names) > 1 and rng.random() < one_a_line else (LIST_SEPARATOR.join(names),)
    return _Entry(label, lines, rows=names)


def _narrative(label: str, name: str, paragraphs: tuple[str, ...]) -> _Entry:
    return _Entry(label, paragraphs, {name: "\n\n".join(paragraphs)})


def _study_period(rng: random.Random) -> _Entry:
    start = date(rng.randint(2010, 2022), rng.randint(1, 12), 1)
    months = start.month - 1 + rng.randint(3, 24)
    end = date(start.year + months // 12, months % 12 + 1, 1)
    abbreviated = rng.random() < 0.2
    written = PERIOD_SEPARATOR.join(_month(d, abbreviated) for d in (start, end))
    return _Entry(STUDY_PERIOD, (written,), {"study_period_start": start, "study_period_end": end})


def _month(day: date, abbreviated: bool) -> str:
    name = MONTHS[day.month - 1]
    return f"{name[:3] if abbreviated else name} {day.year}"


def _support(rng: random.Random) -> _Entry:
    space = rng.choice((" ", NBSP))
    if rng.random() < 0.2:
        millions = rng.choice(("1", "1.05", "1.1", "1.15", "1.2"))
        written, amount = f"US${space}{millions} million", Decimal(millions) * _MILLION
    else:
        dollars = rng.randrange(150, 1201) * 1000
        written, amount = f"US${space}{dollars:,}", Decimal(dollars)
    return _Entry(CDIA_SUPPORT, (written,), {"cdia_support_usd": amount.quantize(_CENT)})


def _downstream(rng: random.Random) -> _Entry:
    kind = rng.random()
    if kind < 0.1:
        fields = {"expected_downstream_financing_usd": None, "downstream_financier": None}
        return _Entry(DOWNSTREAM_FINANCING, (PLACEHOLDER,), fields)
    if kind < 0.2:  # "TBC": no amount yet, and no failure to read one
        fields = {"expected_downstream_financing_status": "to_be_confirmed"}
        return _Entry(DOWNSTREAM_FINANCING, (rng.choice(TO_BE_CONFIRMED),), fields)
    written, amount = _downstream_amount(rng)
    if kind < 0.3:  # "$40 million (tbc)": an amount, not final; "tbc" is not a financier
        fields = {
            "expected_downstream_financing_usd": amount.quantize(_CENT),
            "expected_downstream_financing_status": "to_be_confirmed",
        }
        return _Entry(DOWNSTREAM_FINANCING, (f"{written} (tbc)",), fields)
    financier = rng.choice(FINANCIERS) if rng.random() < 0.75 else None
    if financier is not None:
        written = f"{written} ({financier})"
    fields = {
        "expected_downstream_financing_usd": amount.quantize(_CENT),
        "expected_downstream_financing_status": "stated",
        "downstream_financier": financier,
    }
    return _Entry(DOWNSTREAM_FINANCING, (written,), fields)


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


def _land_area(rng: random.Random) -> _Entry:
    whole = rng.randrange(20, 90_000)
    decimals = rng.choice(("", "", str(rng.randrange(10)), f"{rng.randrange(100):02d}"))
    number = f"{whole}.{decimals}" if decimals else str(whole)
    written = f"{whole:,}{'.' + decimals if decimals else ''} {rng.choice(AREA_UNITS)}"
    return _Entry(LAND_AREA, (written,), {"land_area_sq_km": Decimal(number)})


def _population(rng: random.Random) -> _Entry:
    if rng.random() < 0.5:
        millions = Decimal(rng.randrange(10, 350)) / 10
        written, count = f"{millions} million", int(millions * _MILLION)
    else:
        count = rng.randrange(150_000, 9_000_000)
        written = f"{count:,}"
    year = rng.randint(2005, 2022) if rng.random() < 0.8 else None
    if year is not None:
        written = f"{written} ({year})"
    return _Entry(POPULATION, (written,), {"population": count, "population_year": year})


def _website(rng: random.Random, short: str, domain: str) -> _Entry:
    host = _slug(short).replace("-", "")
    choices = (PLACEHOLDER, f"www.{host}.{domain}", f"https://www.{host}city.{domain}")
    written = rng.choice(choices)
    website = None if written == PLACEHOLDER else written
    return _Entry(CITY_WEBSITE, (written,), {"city_website": website})


def _downloads(rng: random.Random, title: str) -> _Entry:
    chosen = sorted(rng.sample(range(len(DOCUMENTS)), rng.randint(1, 3)))
    links = tuple(DOCUMENTS[i] for i in chosen)
    folder = f"{SITE}/wp-content/uploads/{rng.randint(2012, 2024)}/{rng.randint(1, 12):02d}"
    hrefs = tuple(f"{folder}/{_slug(title)}-{_slug(link)}.pdf" for link in links)
    return _Entry(DOWNLOAD, links, {"downloads": LIST_SEPARATOR.join(links)}, hrefs=hrefs)


# Narratives: every sentence starts with a capital and no paragraph starts with a label.
def _key_issues(rng: random.Random, short: str, country: str, curly: bool) -> tuple[str, ...]:
    apostrophe = "\u2019" if curly else "'"
    first, second = rng.sample(ISSUES, 2)
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
    studies = rng.sample(STUDIES, 3)
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


# --- Defects --------------------------------------------------------------------------------


def _drop_label(rng: random.Random, page: _Page) -> _Page:
    """A label left out; as often as not the study period, which real pages leave out."""
    if rng.random() < 0.5:
        dropped = page.required(STUDY_PERIOD)
    else:
        dropped = rng.choice(page.entries)
    entries = tuple(e for e in page.entries if e is not dropped)
    return dataclasses.replace(page, entries=entries)


def _spoil_study_period(rng: random.Random, page: _Page) -> _Page:
    """A month that does not exist ("Marhc 2018"): its last two letters swapped. The page still
    parses: that end of the period is empty, the period's text kept in `unparsed`."""
    period = page.required(STUDY_PERIOD)
    months = period.written[0].split(PERIOD_SEPARATOR)
    spoilt = rng.randrange(len(months))
    name, year = months[spoilt].split(" ")
    bad_name = f"{name[:-2]}{name[-1]}{name[-2]}"
    months[spoilt] = f"{bad_name} {year}"
    written = PERIOD_SEPARATOR.join(months)
    field_name = ("study_period_start", "study_period_end")[spoilt]
    # The reason is devfin.parse.text.parse_month's, for the month that does not exist.
    reason = f"unknown month {bad_name!r} in {months[spoilt]!r}"
    spoilt_entry = dataclasses.replace(
        period,
        written=(written,),
        fields={**period.fields, field_name: None},
        unparsed={field_name: {"text": written, "reason": reason}},
    )
    return _replace_entry(page, spoilt_entry)


def _double_apostrophes(rng: random.Random, page: _Page) -> tuple[_Page, list[str]]:
    """Some values with their apostrophes escaped SQL-style, and the fields a parser mends."""
    # The key issues always hold one, so there is always a value to spoil.
    candidates = [e for e in page.entries if "'" in "".join(e.written)]
    chosen = rng.sample(candidates, rng.randint(1, len(candidates)))
    repaired = [name for entry in chosen for name in entry.text_fields()]
    for entry in chosen:
        doubled = tuple(text.replace("'", "''") for text in entry.written)
        page = _replace_entry(page, dataclasses.replace(entry, written=doubled))
    if "'" in page.title and rng.random() < 0.5:
        page = dataclasses.replace(page, title=page.title.replace("'", "''"))
        repaired.append("title")
    return page, repaired


def _replace_entry(page: _Page, new: _Entry) -> _Page:
    entries = tuple(new if e.label == new.label else e for e in page.entries)
    return dataclasses.replace(page, entries=entries)


# --- The truth ------------------------------------------------------------------------------


def _truth(page: _Page, repaired: list[str]) -> ParsedSheet:
    values: dict[str, Any] = {"title": page.title.replace("''", "'"), "layout": LAYOUT}
    children: dict[str, list[Any]] = {row_type.table: [] for row_type in CHILD_TABLES.values()}
    unparsed: dict[str, dict[str, str]] = {}
    for entry in page.entries:
        values.update(entry.fields)
        unparsed.update(entry.unparsed)
        if entry.label in CHILD_TABLES:
            row_type = CHILD_TABLES[entry.label]
            children[row_type.table] = [row_type(i, n) for i, n in enumerate(entry.rows, 1)]
    present = {entry.label for entry in page.entries}
    missing = tuple(label for label in LABELS if label not in present)
    record = CdiaIntervention(**{name: v for name, v in values.items() if v is not None})
    order = [f.name for f in dataclasses.fields(CdiaIntervention)] + [
        f"{t.table}.name" for t in CHILD_TABLES.values()
    ]
    repairs = (
        {DOUBLED_APOSTROPHE_REPAIR: tuple(sorted(repaired, key=order.index))} if repaired else {}
    )
    return ParsedSheet(
        source=SOURCE,
        record=record,
        children=children,
        missing_labels=missing,
        repairs=repairs,
        unparsed=unparsed,
    )


# --- The text rendering (the layout of the seed pages) --------------------------------------


def _render_text(page: _Page, truncated: bool) -> str:
    lines = [BREADCRUMB, ""]
    if truncated:
        return "\n".join(lines)
    lines += [page.title, ""]
    for entry in _section(page, LOCATION):
        lines += [f"{entry.heading()}: {entry.written[0]}", *entry.written[1:]]
    lines.append("")
    for entry in _section(page, FACTS):
        # The page glues label and value; a list one entry a line goes on below.
        lines += [f"{entry.heading()}{entry.written[0]}", *entry.written[1:], ""]
    for entry in _section(page, NARRATIVES):
        lines += [entry.heading(), ""]
        for paragraph in entry.written:
            lines += [paragraph, ""]
    download = page.entry(DOWNLOAD)
    if download is not None:
        lines += [f"{DOWNLOAD}: {''.join(link + LINK_GAP for link in download.written)}", ""]
    city_lines = [f"{e.heading()}: {e.written[0]}" for e in _section(page, CITY_FACTS)] or [""]
    lines += [CITY_INFORMATION + city_lines[0], *city_lines[1:], "", BACK_TO_TOP]
    return "\n".join(lines)


def _section(page: _Page, labels: tuple[str, ...]) -> list[_Entry]:
    return [e for e in page.entries if e.label in labels]


# --- The HTML page (the layout described in devfin.sources.cdia) ----------------------------


def _render_html(page: _Page, url: str, truncated: bool) -> str:
    text = _escaper(page.style)
    head = _HTML_HEAD.format(title=text(page.title), url=html.escape(url), breadcrumb=BREADCRUMB)
    if truncated:
        return head
    body = [
        f'    <h1 class="entry-title">{text(page.title)}</h1>\n  </header>\n',
        _html_location(page, text),
        _html_facts(page, text),
        _html_narratives(page, text),
        _html_downloads(page, text),
        "</article>\n",
        _html_city_information(page, text),
    ]
    return head + "".join(body) + _HTML_FOOT.format(back_to_top=BACK_TO_TOP)


def _escaper(style: _Style) -> Callable[[str], str]:
    def escape(value: str) -> str:
        escaped = html.escape(value, quote=False)
        return escaped.translate(_ENTITIES) if style.references else escaped

    return escape


def _inline_label(label: str, style: _Style) -> str:
    return f"<strong>{label}</strong>:" if style.colon_outside else f"<strong>{label}:</strong>"


def _lines(entry: _Entry, text: Callable[[str], str]) -> str:
    """A value's lines as HTML: one a line, set apart by `<br>`."""
    return "<br>\n        ".join(text(line) for line in entry.written)


def _html_location(page: _Page, text: Callable[[str], str]) -> str:
    items = "".join(
        f"    <li>{_inline_label(e.heading(), page.style)} {_lines(e, text)}</li>\n"
        for e in _section(page, LOCATION)
    )
    return f'  <ul class="intervention-location">\n{items}  </ul>\n'


def _html_facts(page: _Page, text: Callable[[str], str]) -> str:
    entries = _section(page, FACTS)
    if page.style.facts_as_list:
        rows = "".join(
            f"    <dt>{e.heading()}</dt>\n    <dd>{_lines(e, text)}</dd>\n" for e in entries
        )
        return f'  <dl class="intervention-facts">\n{rows}  </dl>\n'
    facts = "".join(
        f'    <div class="fact">\n      <h4 class="fact-label">{e.heading()}</h4>\n'
        f'      <p class="fact-value">{_lines(e, text)}</p>\n    </div>\n'
        for e in entries
    )
    return f'  <div class="intervention-facts">\n{facts}  </div>\n'


def _html_narratives(page: _Page, text: Callable[[str], str]) -> str:
    sections = "".join(
        f"    <h3>{e.heading()}</h3>\n" + "".join(f"    <p>{text(p)}</p>\n" for p in e.written)
        for e in _section(page, NARRATIVES)
    )
    return f'  <div class="entry-content">\n{sections}  </div>\n'


def _html_downloads(page: _Page, text: Callable[[str], str]) -> str:
    download = page.entry(DOWNLOAD)
    if download is None:
        return ""
    links = "".join(
        f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{text(link)}</a>'
        f"{text(LINK_GAP)}"
        for link, href in zip(download.written, download.hrefs, strict=True)
    )
    return f'  <p class="downloads">{_inline_label(DOWNLOAD, page.style)} {links}</p>\n'


def _html_city_information(page: _Page, text: Callable[[str], str]) -> str:
    lines = "<br>\n  ".join(
        f"{_inline_label(e.heading(), page.style)} {text(e.written[0])}"
        for e in _section(page, CITY_FACTS)
    )
    return (
        '<aside id="city-information" class="widget city-information">\n'
        f'  <h4 class="widget-title">{CITY_INFORMATION}</h4>\n  <p>{lines}</p>\n</aside>\n'
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")


_HTML_HEAD = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} &#8211; CDIA</title>
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="https://cdia.asia/wp-content/themes/cdia/style.css" media="all">
</head>
<body class="intervention-template-default single single-intervention">
<header id="masthead" class="site-header">
  <a href="https://cdia.asia/" class="custom-logo-link" rel="home"><img
    src="https://cdia.asia/wp-content/uploads/2019/05/cdia-logo.png" alt="CDIA"></a>
  <nav id="site-navigation" class="main-navigation" aria-label="Primary">
    <ul class="menu">
      <li><a href="https://cdia.asia/about-us/">About Us</a></li>
      <li><a href="https://cdia.asia/city-interventions/">City Interventions</a></li>
      <li><a href="https://cdia.asia/knowledge/">Knowledge &amp; Publications</a></li>
      <li><a href="https://cdia.asia/contact-us/">Contact Us</a></li>
    </ul>
  </nav>
</header>
<main id="content" class="site-main">
<article class="intervention type-intervention status-publish">
  <div class="breadcrumb"><a href="/city-interventions/">{breadcrumb}</a></div>
  <header class="entry-header">
"""
_HTML_FOOT = """<p class="back-to-top"><a href="#masthead">{back_to_top}</a></p>
</main>
<footer id="colophon" class="site-footer">
  <p>Cities Development Initiative for Asia &#8211; 6 ADB Avenue, Mandaluyong City, Philippines</p>
  <p class="copyright">&copy; 2024 CDIA. All rights reserved.</p>
</footer>
<script src="https://cdia.asia/wp-includes/js/jquery/jquery.min.js"></script>
</body>
</html>
"""

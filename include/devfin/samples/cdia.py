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

from devfin.records import (
    CdiaImpactArea,
    CdiaInfrastructureSector,
    CdiaIntervention,
    CdiaStakeholder,
    ParsedSheet,
)
from devfin.samples.base import Sample
from devfin.sources.cdia import (
    BOILERPLATE,
    CDIA_SUPPORT,
    CITY,
    CITY_INFORMATION,
    CITY_WEBSITE,
    COOPERATION_DETAILS,
    COUNTRY,
    DOWNLOAD,
    DOWNSTREAM_FINANCING,
    EXPECTED_OUTCOMES,
    IMPACT_AREAS,
    INFRASTRUCTURE_SECTORS,
    KEY_ISSUES,
    LAND_AREA,
    LIST_SEPARATOR,
    PERIOD_SEPARATOR,
    PLACEHOLDERS,
    POPULATION,
    SOURCE_KEY,
    STAKEHOLDERS,
    STUDY_PERIOD,
)
from devfin.text import DOUBLED_APOSTROPHE_REPAIR

SOURCE = SOURCE_KEY
DEFECTS: tuple[str, ...] = ("missing_label", "bad_date", "doubled_apostrophes", "truncated")
# The ParseError reason of the defects that make a page unreadable.
EXPECTED_ERRORS = {"bad_date": "bad_value", "truncated": "not_a_data_sheet"}
URL_PREFIX = "https://cdia.asia/city-interventions/"
SITE = "https://cdia.asia"

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
CHILD_TABLES = {
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
    ("Naga City, Camarines Sur", "Naga", "Philippines", "gov.ph"),
    ("Baguio City, Benguet", "Baguio", "Philippines", "gov.ph"),
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
    written: tuple[str, ...]  # one line; a narrative's paragraphs; the Download link texts
    fields: dict[str, Any] = field(default_factory=dict)  # record fields the value fills
    rows: tuple[str, ...] = ()  # the child rows of a list label
    hrefs: tuple[str, ...] = ()  # the Download links' targets

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
    url = URL_PREFIX + sheet_id
    missing: tuple[str, ...] = ()
    repaired: list[str] = []
    if defect == "missing_label":
        page, missing = _drop_label(rng, page)
    elif defect == "bad_date":
        page = _spoil_study_period(rng, page)
    elif defect == "doubled_apostrophes":
        page, repaired = _double_apostrophes(rng, page)
    truncated = defect == "truncated"
    text, page_html = _render_text(page, truncated), _render_html(page, url, truncated)
    error = EXPECTED_ERRORS.get(defect) if defect else None
    truth = None if error else _truth(page, missing, repaired)
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
    entries = (
        _Entry(COUNTRY, (country,), {"country": country}),
        _Entry(CITY, (city,), {"city": city}),
        _list_entry(STAKEHOLDERS, stakeholders),
        _study_period(rng),
        _support(rng),
        _downstream(rng),
        _list_entry(INFRASTRUCTURE_SECTORS, _some(rng, SECTORS, 3)),
        _list_entry(IMPACT_AREAS, _some(rng, IMPACTS, 4)),
        _narrative(KEY_ISSUES, "key_issues", _key_issues(rng, short, country, curly)),
        _narrative(
            COOPERATION_DETAILS, "cooperation_details", _cooperation(rng, stakeholders[0], title)
        ),
        _narrative(EXPECTED_OUTCOMES, "expected_outcomes", _outcomes(rng, curly)),
        _downloads(rng, title),
        _land_area(rng),
        _population(rng),
        _website(rng, short, domain),
    )
    return _Page(title, entries, style)


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


def _list_entry(label: str, names: tuple[str, ...]) -> _Entry:
    return _Entry(label, (LIST_SEPARATOR.join(names),), rows=names)


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
    if rng.random() < 0.15:
        fields = {"expected_downstream_financing_usd": None, "downstream_financier": None}
        return _Entry(DOWNSTREAM_FINANCING, (PLACEHOLDERS[0],), fields)
    kind = rng.random()
    if kind < 0.1:
        billions = Decimal(rng.randint(10, 30)) / 10
        written, amount = f"US$ {billions} billion", billions * 10**9
    elif kind < 0.25:
        dollars = rng.randrange(5, 100) * _MILLION
        written, amount = f"US$ {dollars:,}", Decimal(dollars)
    else:
        millions = Decimal(rng.randrange(200, 9000)) / 10
        written, amount = f"US$ {millions} million", millions * _MILLION
    financier = rng.choice(FINANCIERS) if rng.random() < 0.75 else None
    if financier is not None:
        written = f"{written} ({financier})"
    fields = {
        "expected_downstream_financing_usd": amount.quantize(_CENT),
        "downstream_financier": financier,
    }
    return _Entry(DOWNSTREAM_FINANCING, (written,), fields)


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
    choices = (PLACEHOLDERS[0], f"www.{host}.{domain}", f"https://www.{host}city.{domain}")
    written = rng.choice(choices)
    website = None if written == PLACEHOLDERS[0] else written
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


def _drop_label(rng: random.Random, page: _Page) -> tuple[_Page, tuple[str, ...]]:
    dropped = rng.choice(page.entries)
    entries = tuple(e for e in page.entries if e is not dropped)
    return dataclasses.replace(page, entries=entries), (dropped.label,)


def _spoil_study_period(rng: random.Random, page: _Page) -> _Page:
    """A month that does not exist ("Marhc 2018"): its last two letters swapped."""
    period = page.required(STUDY_PERIOD)
    months = period.written[0].split(PERIOD_SEPARATOR)
    spoilt = rng.randrange(len(months))
    name, year = months[spoilt].split(" ")
    months[spoilt] = f"{name[:-2]}{name[-1]}{name[-2]} {year}"
    written = (PERIOD_SEPARATOR.join(months),)
    return _replace_entry(page, dataclasses.replace(period, written=written))


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


def _truth(page: _Page, missing: tuple[str, ...], repaired: list[str]) -> ParsedSheet:
    values: dict[str, Any] = {"title": page.title.replace("''", "'")}
    children: dict[str, list[Any]] = {row_type.table: [] for row_type in CHILD_TABLES.values()}
    for entry in page.entries:
        values.update(entry.fields)
        if entry.label in CHILD_TABLES:
            row_type = CHILD_TABLES[entry.label]
            children[row_type.table] = [row_type(i, n) for i, n in enumerate(entry.rows, 1)]
    record = CdiaIntervention(**{name: v for name, v in values.items() if v is not None})
    order = [f.name for f in dataclasses.fields(CdiaIntervention)] + [
        f"{t.table}.name" for t in CHILD_TABLES.values()
    ]
    repairs = (
        {DOUBLED_APOSTROPHE_REPAIR: tuple(sorted(repaired, key=order.index))} if repaired else {}
    )
    return ParsedSheet(
        source=SOURCE, record=record, children=children, missing_labels=missing, repairs=repairs
    )


# --- The text rendering (the layout of the seed pages) --------------------------------------


def _render_text(page: _Page, truncated: bool) -> str:
    lines = [BOILERPLATE[0], ""]
    if truncated:
        return "\n".join(lines)
    lines += [page.title, ""]
    lines += [f"{e.label}: {e.written[0]}" for e in _section(page, LOCATION)] + [""]
    for entry in _section(page, FACTS):
        lines += [f"{entry.label}{entry.written[0]}", ""]  # the page glues label and value
    for entry in _section(page, NARRATIVES):
        lines += [entry.label, ""]
        for paragraph in entry.written:
            lines += [paragraph, ""]
    download = page.entry(DOWNLOAD)
    if download is not None:
        lines += [f"{DOWNLOAD}: {''.join(link + LINK_GAP for link in download.written)}", ""]
    city_lines = [f"{e.label}: {e.written[0]}" for e in _section(page, CITY_FACTS)] or [""]
    lines += [CITY_INFORMATION + city_lines[0], *city_lines[1:], "", BOILERPLATE[1]]
    return "\n".join(lines)


def _section(page: _Page, labels: tuple[str, ...]) -> list[_Entry]:
    return [e for e in page.entries if e.label in labels]


# --- The HTML page (the layout described in devfin.sources.cdia) ----------------------------


def _render_html(page: _Page, url: str, truncated: bool) -> str:
    text = _escaper(page.style)
    head = _HTML_HEAD.format(title=text(page.title), url=html.escape(url))
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
    return head + "".join(body) + _HTML_FOOT


def _escaper(style: _Style) -> Callable[[str], str]:
    def escape(value: str) -> str:
        escaped = html.escape(value, quote=False)
        return escaped.translate(_ENTITIES) if style.references else escaped

    return escape


def _inline_label(label: str, style: _Style) -> str:
    return f"<strong>{label}</strong>:" if style.colon_outside else f"<strong>{label}:</strong>"


def _html_location(page: _Page, text: Callable[[str], str]) -> str:
    items = "".join(
        f"    <li>{_inline_label(e.label, page.style)} {text(e.written[0])}</li>\n"
        for e in _section(page, LOCATION)
    )
    return f'  <ul class="intervention-location">\n{items}  </ul>\n'


def _html_facts(page: _Page, text: Callable[[str], str]) -> str:
    entries = _section(page, FACTS)
    if page.style.facts_as_list:
        rows = "".join(
            f"    <dt>{e.label}</dt>\n    <dd>{text(e.written[0])}</dd>\n" for e in entries
        )
        return f'  <dl class="intervention-facts">\n{rows}  </dl>\n'
    facts = "".join(
        f'    <div class="fact">\n      <h4 class="fact-label">{e.label}</h4>\n'
        f'      <p class="fact-value">{text(e.written[0])}</p>\n    </div>\n'
        for e in entries
    )
    return f'  <div class="intervention-facts">\n{facts}  </div>\n'


def _html_narratives(page: _Page, text: Callable[[str], str]) -> str:
    sections = "".join(
        f"    <h3>{e.label}</h3>\n" + "".join(f"    <p>{text(p)}</p>\n" for p in e.written)
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
        f"{_inline_label(e.label, page.style)} {text(e.written[0])}"
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
  <div class="breadcrumb"><a href="/city-interventions/">City Interventions</a></div>
  <header class="entry-header">
"""
_HTML_FOOT = """<p class="back-to-top"><a href="#masthead">Back to Top</a></p>
</main>
<footer id="colophon" class="site-footer">
  <p>Cities Development Initiative for Asia &#8211; 6 ADB Avenue, Mandaluyong City, Philippines</p>
  <p class="copyright">&copy; 2024 CDIA. All rights reserved.</p>
</footer>
<script src="https://cdia.asia/wp-includes/js/jquery/jquery.min.js"></script>
</body>
</html>
"""

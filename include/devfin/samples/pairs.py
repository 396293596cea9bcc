"""Data sheets and IATI activities of the same projects, made to disagree, with the truth of
their reconciliation (`marts.reconciliation_pds_iati`).

For each of N projects a clean ADB data sheet is drawn (the adb_pds generator, its live HTML
page), then the IATI activities of the same project (one or more loans and grants, in US
dollars) are built from the sheet's values. Each compared field of each project held by both
sources gets a verdict drawn at random (seeded) among those its kind and the sheet allow, and
IATI's value is set to produce it: equal, moved within the tolerances or beyond them (at the
very edge now and then), or left out; a field the sheet does not state is stated by IATI alone
or by neither. Some projects are in one source only. The truth is the verdict, and both values
as the mart writes them, of every row the mart must hold, computed by the rules below (the
mart's, with the dbt vars' defaults) and checked against the verdict drawn.

`write(out, seed, count)` writes `out/adb_pds/<project number>.html`,
`out/adb_iati/iati-activities-<cc>.xml` (one file per country) and
`out/reconciliation_truth.json`. The same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from devfin.records import ParsedSheet
from devfin.sources import generator
from devfin.sources.adb_iati.samples import GENERATED
from devfin.sources.adb_iati.samples.draw import (
    Activity,
    Money,
    Narrative,
    Org,
    Share,
    Value,
    code_value,
    date_value,
)
from devfin.sources.adb_iati.samples.reference import PUBLISHER, PUBLISHER_NAME, TRANSLATIONS
from devfin.sources.adb_iati.samples.render import render_file

# The compared fields and their kinds: reconciliation_pds_iati's `field` and `field_kind`.
FIELDS: dict[str, str] = {
    "adb_amount": "amount",
    "cofinancing": "amount",
    "approval_date": "date",
    "signing_date": "date",
    "closing_date": "date",
    "status": "status",
    "title": "title",
    "disbursed_to_date": "amount",
}
VERDICTS = ("agree", "within_tolerance", "differ", "only_pds", "only_iati")
# Status codes are equal or not: they have no tolerance.
KIND_VERDICTS = {
    kind: tuple(v for v in VERDICTS if not (kind == "status" and v == "within_tolerance"))
    for kind in ("amount", "date", "status", "title")
}
# The defaults of the dbt vars reconciliation_amount_tolerance_usd, _ratio and
# reconciliation_date_tolerance_days.
AMOUNT_TOLERANCE_CENTS = 100_000
AMOUNT_TOLERANCE_RATIO = Decimal("0.01")
DATE_TOLERANCE_DAYS = 31
# dbt/seeds/pds_status_to_iati_activity_status.csv, keyed by the status in lower case (a test
# holds the two together).
STATUS_CODES = {"proposed": 1, "approved": 2, "active": 2, "closed": 4, "dropped / terminated": 5}
# The transaction type of each amount field (TransactionType codelist).
TRANSACTION_TYPES = {"adb_amount": 2, "cofinancing": 11, "disbursed_to_date": 3}
# The ISO 3166-1 alpha-2 code of each country the data sheet generator draws: its IATI file.
ISO2 = {
    "China, People's Republic of": "CN",
    "Mongolia": "MN",
    "Lao People's Democratic Republic": "LA",
    "Viet Nam": "VN",
    "Cambodia": "KH",
    "Philippines": "PH",
    "Indonesia": "ID",
    "Bangladesh": "BD",
    "India": "IN",
    "Nepal": "NP",
    "Sri Lanka": "LK",
    "Pakistan": "PK",
    "Uzbekistan": "UZ",
    "Kyrgyz Republic": "KG",
    "Georgia": "GE",
    "Micronesia, Federated States of": "FM",
    "Papua New Guinea": "PG",
    "Timor-Leste": "TL",
}
# How many of the projects are in one source only.
ONE_SOURCE_SHARE = 0.08
TRUTH_FILE = "reconciliation_truth.json"
# normalized_title (dbt/macros/normalized_title.sql), replacement by replacement.
_TITLE_REPLACEMENTS = (
    ("&", " and "),
    (" project", ""),
    (" program", ""),
    *((mark, "") for mark in ("-", ",", ".", ":", ";", "'", "(", ")", "/", " ")),
)


# --- the rules of reconciliation_pds_iati ---------------------------------------------------


def normalized_title(title: str) -> str:
    reduced = title.lower()
    for old, new in _TITLE_REPLACEMENTS:
        reduced = reduced.replace(old, new)
    return reduced


def verdict(kind: str, pds: Any, iati: Any) -> str | None:
    """The verdict on a field's two values (None: not stated); None when neither states it."""
    if pds is None and iati is None:
        return None
    if iati is None:
        return "only_pds"
    if pds is None:
        return "only_iati"
    if kind == "title":
        if pds.strip() == iati.strip():
            return "agree"
        same = normalized_title(pds.strip()) == normalized_title(iati.strip())
        return "within_tolerance" if same else "differ"
    if pds == iati:
        return "agree"
    if kind == "amount":
        larger = max(abs(pds), abs(iati))
        tolerance = max(Decimal(AMOUNT_TOLERANCE_CENTS) / 100, AMOUNT_TOLERANCE_RATIO * larger)
        return "within_tolerance" if abs(iati - pds) <= tolerance else "differ"
    if kind == "date":
        return "within_tolerance" if abs((iati - pds).days) <= DATE_TOLERANCE_DAYS else "differ"
    return "differ"


def as_text(value: Any) -> str | None:
    """A value as the mart's pds_value and iati_value write it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value.isoformat() if isinstance(value, date) else str(value)


def sheet_values(sheet: ParsedSheet) -> dict[str, Any]:
    """The values of a data sheet the reconciliation compares (None: not stated)."""
    record = sheet.record
    is_usd = (record.currency_code or "USD").upper() == "USD"
    figures = [row for row in sheet.children["adb_disbursements"] if row.amount is not None]
    latest = max(figures, key=lambda row: (row.as_of_date or date.min, row.position), default=None)
    status = (record.project_status or "").strip().lower()
    return {
        "adb_amount": record.financing_adb if is_usd else None,
        "cofinancing": record.financing_cofinancing if is_usd else None,
        "approval_date": record.approval_date,
        "signing_date": record.signing_date,
        "closing_date": record.closing_date_actual
        or record.closing_date_revised
        or record.closing_date_original,
        "status": STATUS_CODES.get(status),
        "title": (record.project_name or "").strip() or None,
        "disbursed_to_date": latest.amount if latest is not None and is_usd else None,
    }


# --- the pairs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A row reconciliation_pds_iati must hold."""

    verdict: str
    pds_value: str | None
    iati_value: str | None


@dataclass(frozen=True)
class Pairs:
    pds_pages: dict[str, str]  # project number -> the data sheet's live HTML page
    iati_files: dict[str, bytes]  # "iati-activities-ph" -> the file
    truth: dict[tuple[str, str], Expected]  # (project number, field) -> its row


def generate(seed: int, count: int) -> Pairs:
    """`count` projects (data sheets 40000-001 on), in memory."""
    rng = random.Random(f"pairs-{seed}")
    one_source = max(1, round(count * ONE_SOURCE_SHARE))
    presences = ["pds"] * one_source + ["iati"] * one_source
    presences += ["both"] * max(count - len(presences), 0)
    rng.shuffle(presences)
    drawn: Counter[tuple[str, str | None]] = Counter()
    pages: dict[str, str] = {}
    countries: dict[str, list[Activity]] = {}
    truth: dict[tuple[str, str], Expected] = {}
    for index, presence in enumerate(presences[:count]):
        sample = generator("adb_pds").generate(random.Random(f"pairs-{seed}-{index}"), index, None)
        sheet = sample.rendered("html").truth
        assert sheet is not None, "a page without defect parses"
        pds = sheet_values(sheet)
        number = sheet.record.project_number
        if presence == "both":
            iati = {name: _disagree(rng, name, pds[name], drawn) for name in FIELDS}
        else:
            iati = dict(pds)
        if presence != "iati":
            pages[number] = sample.html
        else:
            pds = dict.fromkeys(FIELDS)
        if presence != "pds":
            country = ISO2[sheet.record.country or ""]
            countries.setdefault(country, []).extend(_activities(rng, number, country, iati))
        else:
            iati = dict.fromkeys(FIELDS)
        for name, kind in FIELDS.items():
            found = verdict(kind, pds[name], iati[name])
            if found is not None:
                truth[(number, name)] = Expected(found, as_text(pds[name]), as_text(iati[name]))
    return Pairs(pages, _files(countries), truth)


def iati_files_for(sheets: Iterable[ParsedSheet], seed: int) -> dict[str, bytes]:
    """The IATI files of the projects of data sheets written already (the demo corpus's), each
    field drawn to agree or not as `generate` draws them (a country unknown here: left out)."""
    rng = random.Random(f"pairs-for-{seed}")
    drawn: Counter[tuple[str, str | None]] = Counter()
    countries: dict[str, list[Activity]] = {}
    for sheet in sheets:
        country = ISO2.get(sheet.record.country or "")
        if country is None or sheet.record.project_number is None:
            continue
        pds = sheet_values(sheet)
        iati = {name: _disagree(rng, name, pds[name], drawn) for name in FIELDS}
        activities = _activities(rng, sheet.record.project_number, country, iati)
        countries.setdefault(country, []).extend(activities)
    return _files(countries)


def _files(countries: dict[str, list[Activity]]) -> dict[str, bytes]:
    return {  # a file per country, named as ADB names them
        f"iati-activities-{country.lower()}": "".join(render_file(activities, GENERATED)).encode()
        for country, activities in sorted(countries.items())
    }


def write(out: Path, seed: int, count: int) -> Pairs:
    """The pairs written under `out` (see the module's docstring)."""
    pairs = generate(seed, count)
    for folder in ("adb_pds", "adb_iati"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for number, page in pairs.pds_pages.items():
        (out / "adb_pds" / f"{number}.html").write_text(page, encoding="utf-8")
    for stem, content in pairs.iati_files.items():
        (out / "adb_iati" / f"{stem}.xml").write_bytes(content)
    rows = [
        {"project_number": number, "field": name, **vars(expected)}
        for (number, name), expected in sorted(pairs.truth.items())
    ]
    document = {"seed": seed, "count": count, "rows": rows}
    (out / TRUTH_FILE).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return pairs


def read_truth(out: Path) -> dict[tuple[str, str], Expected]:
    rows = json.loads((out / TRUTH_FILE).read_text())["rows"]
    return {
        (row["project_number"], row["field"]): Expected(
            row["verdict"], row["pds_value"], row["iati_value"]
        )
        for row in rows
    }


# --- disagreeing on purpose -----------------------------------------------------------------


def _disagree(
    rng: random.Random, name: str, pds: Any, drawn: Counter[tuple[str, str | None]]
) -> Any:
    """IATI's value of a field of a project both sources hold, for a verdict drawn among those
    the field allows, the least drawn so far for this field first (so a corpus of a few dozen
    projects holds every verdict of every field), ties broken at random."""
    kind = FIELDS[name]
    if pds is None:
        allowed: tuple[str | None, ...] = ("only_iati", None)
    else:
        allowed = tuple(v for v in KIND_VERDICTS[kind] if v != "only_iati")
    fewest = min(drawn[(name, v)] for v in allowed)
    wanted = rng.choice([v for v in allowed if drawn[(name, v)] == fewest])
    # Every other time a verdict is drawn for a field, its value sits at the tolerance's edge.
    at_edge = drawn[(name, wanted)] % 2 == 0
    drawn[(name, wanted)] += 1
    if wanted is None or wanted == "only_pds":
        iati = None
    elif wanted == "only_iati":
        iati = _any_value(rng, kind)
    elif wanted == "agree":
        iati = pds
    else:
        iati = _moved(rng, kind, pds, wanted, at_edge)
    found = verdict(kind, pds, iati)
    assert found == wanted, (name, pds, iati, wanted, found)
    return iati


def _any_value(rng: random.Random, kind: str) -> Any:
    if kind == "amount":
        return _dollars(rng.randrange(10**6, 10**10))
    if kind == "date":
        return date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
    if kind == "status":
        return rng.randint(1, 6)
    return "Regional Capacity Development Facility"


def _moved(rng: random.Random, kind: str, pds: Any, wanted: str, at_edge: bool) -> Any:
    """A value apart from `pds` within the tolerance (`within_tolerance`) or beyond it."""
    if kind == "amount":
        return _dollars(_moved_cents(rng, int(pds * 100), wanted, at_edge))
    if kind == "date":
        edge = DATE_TOLERANCE_DAYS if wanted == "within_tolerance" else DATE_TOLERANCE_DAYS + 1
        if at_edge:
            days = edge
        elif wanted == "within_tolerance":
            days = rng.randint(1, edge - 1)
        else:
            days = rng.randint(edge + 1, 1500)
        return pds + timedelta(days=days * rng.choice((-1, 1)))
    if kind == "status":
        return rng.choice([code for code in range(1, 7) if code != pds])
    if wanted == "differ":
        return f"{pds} - Phase {rng.randint(2, 4)}"
    variants = [
        pds.upper(),
        pds.lower(),
        pds.replace(" and ", " & "),
        f"{pds} Project",
        pds.replace(" - ", " "),
    ]
    return rng.choice(
        [v for v in variants if v != pds and normalized_title(v) == normalized_title(pds)]
    )


def _moved_cents(rng: random.Random, cents: int, wanted: str, at_edge: bool) -> int:
    """An amount (in cents) above `cents`: a larger amount has the larger tolerance, so the
    widest gap still within it is the greater of the fixed tolerance and cents / 99."""
    widest = max(AMOUNT_TOLERANCE_CENTS, cents // 99)
    if wanted == "within_tolerance":
        gap = widest if at_edge else rng.randint(1, widest - 1)
    else:
        gap = widest + 1 if at_edge else rng.randint(widest + 2, 10 * widest)
    return cents + gap


def _dollars(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# --- IATI's activities of a project ---------------------------------------------------------


def _activities(
    rng: random.Random, number: str, country: str, values: dict[str, Any]
) -> list[Activity]:
    """The project's activities (a loan or grant each) stating `values` once aggregated as the
    mart aggregates them; None: no activity states the field."""
    prefixes = ("LOAN", "GRNT")
    loans = sorted({f"{rng.choice(prefixes)}{rng.randrange(1000, 10000)}" for _ in range(3)})
    activities = [_activity(number, loan, country) for loan in loans[: rng.choice((1, 1, 2, 3))]]
    for name, kind in TRANSACTION_TYPES.items():
        _transactions(rng, activities, kind, values[name])
    _earliest(rng, activities, 1, values["approval_date"])
    _earliest(rng, activities, 2, values["signing_date"])
    _closing(rng, activities, values["closing_date"])
    for activity in activities:
        activity.dates.sort(key=lambda pair: int(pair[0].written or 0))
    _status(rng, activities, values["status"])
    _titles(rng, activities, values["title"])
    return activities


def _activity(number: str, loan: str, country: str) -> Activity:
    adb = Org(PUBLISHER, "40", (Narrative(None, PUBLISHER_NAME),), code_value(1))
    return Activity(
        identifier=f"{PUBLISHER}-{number}-{loan}",
        project_number=number,
        loan_or_grant_number=loan,
        language="en",
        currency="USD",
        hierarchy=code_value(1),
        last_updated=Value("2025-12-01T00:00:00Z"),
        reporting_org=Org(PUBLISHER, "40", (Narrative(None, PUBLISHER_NAME),)),
        titles=[],
        descriptions=[],
        participating_orgs=[adb],
        status=None,
        dates=[],
        countries=[Share(country, None, Value("100"))],
        regions=[],
        sectors=[],
        budgets=[],
        transactions=[],
    )


def _transaction(kind: int, amount: Decimal, currency: str | None, day: date) -> Money:
    return Money(
        codes=(code_value(kind),),
        dates=(date_value(day),),
        amount=Value(f"{amount:.2f}"),
        currency=currency,
        value_date=date_value(day),
    )


def _transactions(
    rng: random.Random, activities: list[Activity], kind: int, total: Decimal | None
) -> None:
    """Transactions of type `kind` in US dollars summing to `total` over the activities, and
    now and then one in yen or of another type, which must not count."""
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
    if total is not None:
        cents = int(total * 100)
        cuts = sorted(rng.randint(0, cents) for _ in range(rng.randint(0, 2)))
        for low, high in zip([0, *cuts], [*cuts, cents], strict=True):
            activity = rng.choice(activities)
            currency = rng.choice((None, "USD"))  # None: the activity's default, US dollars
            activity.transactions.append(_transaction(kind, _dollars(high - low), currency, day))
    if rng.random() < 0.3:
        rng.choice(activities).transactions.append(
            _transaction(kind, _dollars(rng.randrange(10**9)), "JPY", day)
        )
    if rng.random() < 0.3:
        other = rng.choice((1, 4, 12))
        rng.choice(activities).transactions.append(
            _transaction(other, _dollars(rng.randrange(10**9)), None, day)
        )


def _earliest(rng: random.Random, activities: list[Activity], kind: int, day: date | None) -> None:
    """`day` on one activity as a date of type `kind`, and later ones on others."""
    if day is None:
        return
    first = rng.choice(activities)
    for activity in activities:
        if activity is first:
            activity.dates.append((code_value(kind), date_value(day)))
        elif rng.random() < 0.5:
            later = day + timedelta(days=rng.randint(0, 400))
            activity.dates.append((code_value(kind), date_value(later)))


def _closing(rng: random.Random, activities: list[Activity], day: date | None) -> None:
    """`day` as the latest actual end (planned ends around it do not count), or, no activity
    having an actual end, as the latest planned end."""
    if day is None:
        return
    last = rng.choice(activities)
    is_actual = rng.random() < 0.5
    for activity in activities:
        kind = 4 if is_actual else 3
        if activity is last:
            activity.dates.append((code_value(kind), date_value(day)))
        elif rng.random() < 0.5:
            earlier = day - timedelta(days=rng.randint(0, 400))
            activity.dates.append((code_value(kind), date_value(earlier)))
        if is_actual and rng.random() < 0.5:
            planned = day + timedelta(days=rng.randint(-400, 400))
            activity.dates.append((code_value(3), date_value(planned)))


def _status(rng: random.Random, activities: list[Activity], code: int | None) -> None:
    """`code` on one activity, codes as high or higher (or none) on the others."""
    if code is None:
        return
    lowest = rng.choice(activities)
    for activity in activities:
        if activity is lowest:
            activity.status = code_value(code)
        elif rng.random() < 0.7:
            activity.status = code_value(rng.randint(code, 6))


def _titles(rng: random.Random, activities: list[Activity], title: str | None) -> None:
    """`title` on the first activity by identifier; with None, it has a title in French only
    (no English title to compare). The others' titles do not count."""
    first, *others = activities
    if title is None:
        first.titles = [Narrative("fr", TRANSLATIONS["fr"])]
    else:
        first.titles = [Narrative(None, rng.choice((title, f"  {title}\n  ")))]
    for other in others:
        name = title or "Additional financing"
        other.titles = [Narrative(None, f"{name} ({other.loan_or_grant_number})")]

"""The things ADB sheets are made of (countries, sectors, funds, people), read from
`reference.yml` beside it once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).resolve().parent / "reference.yml"


@dataclass(frozen=True)
class Department:
    name: str
    code: str


@dataclass(frozen=True)
class Country:
    name: str  # as the sheet lists it
    in_text: str  # as a sentence names it
    code: str  # the suffix of its TA and loan numbers
    department: Department
    places: tuple[str, ...]
    agencies: tuple[str, ...]  # executing agencies beyond the ministries every country has
    city: str  # where the agencies are


@dataclass(frozen=True)
class Sector:
    name: str
    subsectors: tuple[str, ...]
    division: str  # the responsible division, less its department
    topics: tuple[str, ...]  # what a project of the sector is about, as a noun phrase
    names: tuple[str, ...]  # project name stems


@dataclass(frozen=True)
class Reference:
    """The vocabularies a sheet is drawn from, each in the order the draws pick from."""

    countries: tuple[Country, ...]
    sectors: tuple[Sector, ...]
    operational_priorities: tuple[tuple[str, str], ...]  # (code, name)
    gender: tuple[str, ...]
    funds: dict[str, tuple[str, ...]]  # by project type
    adb_funds: frozenset[str]  # ADB's own resources; other funds are cofinancing it administers
    officers: tuple[str, ...]
    ministries: tuple[str, ...]  # executing agencies every country has
    streets: tuple[str, ...]
    document_types: tuple[tuple[str, str], ...]  # (document type, one document's title)
    tender_roles: tuple[str, ...]
    tender_works: tuple[str, ...]  # "{n}": a package number
    tender_statuses: tuple[str, ...]
    contractors: tuple[tuple[str, str], ...]  # (contractor, address)


@functools.cache
def reference() -> Reference:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    departments = {code: Department(name, code) for code, name in data["departments"].items()}
    return Reference(
        countries=tuple(
            Country(
                name=c["name"],
                in_text=c["in_text"],
                code=c["code"],
                department=departments[c["department"]],
                places=tuple(c["places"]),
                agencies=tuple(c["agencies"]),
                city=c["city"],
            )
            for c in data["countries"]
        ),
        sectors=tuple(
            Sector(
                name=s["name"],
                subsectors=tuple(s["subsectors"]),
                division=s["division"],
                topics=tuple(s["topics"]),
                names=tuple(s["names"]),
            )
            for s in data["sectors"]
        ),
        operational_priorities=tuple(data["operational_priorities"].items()),
        gender=tuple(data["gender"]),
        funds={kind: tuple(names) for kind, names in data["funds"].items()},
        adb_funds=frozenset(data["adb_funds"]),
        officers=tuple(data["officers"]),
        ministries=tuple(data["ministries"]),
        streets=tuple(data["streets"]),
        document_types=tuple(data["document_types"].items()),
        tender_roles=tuple(data["tender_roles"]),
        tender_works=tuple(data["tender_works"]),
        tender_statuses=tuple(data["tender_statuses"]),
        contractors=tuple(data["contractors"].items()),
    )

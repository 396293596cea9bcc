"""What CDIA interventions are made of (cities, topics, sectors, partners, narrative phrases),
read from `reference.yml` beside it once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).resolve().parent / "reference.yml"


@dataclass(frozen=True)
class Reference:
    """The vocabularies an intervention is drawn from, each in the order the draws pick from."""

    cities: tuple[tuple[str, str, str, str], ...]  # (as written, short name, country, domain)
    topics: tuple[str, ...]
    sectors: tuple[str, ...]
    impacts: tuple[str, ...]
    partners: tuple[str, ...]
    financiers: tuple[str, ...]
    documents: tuple[str, ...]
    issues: tuple[str, ...]
    studies: tuple[str, ...]


@functools.cache
def reference() -> Reference:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    cities = tuple((c["name"], c["short"], c["country"], c["domain"]) for c in data["cities"])
    lists = {name: tuple(data[name]) for name in Reference.__dataclass_fields__ if name != "cities"}
    return Reference(cities=cities, **lists)

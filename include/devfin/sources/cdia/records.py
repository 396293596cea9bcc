"""The typed records of CDIA city-intervention pages; their field names are the staging columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar


@dataclass(frozen=True)
class CdiaIntervention:
    """One CDIA city-intervention page: the row of `staging.cdia_interventions`."""

    table: ClassVar[str] = "cdia_interventions"

    title: str
    layout: str | None = None  # the layout generation the parser read (see `sources.cdia`)
    country: str | None = None
    city: str | None = None  # as the page writes it; each city is a row of `cdia_cities`
    study_period_start: date | None = None  # month precision: the first day of the month
    study_period_end: date | None = None  # month precision: the first day of the month
    cdia_support_usd: Decimal | None = None
    expected_downstream_financing_usd: Decimal | None = None
    # "stated" (an amount read) or "to_be_confirmed" ("TBC", with or without an amount)
    expected_downstream_financing_status: str | None = None
    downstream_financier: str | None = None
    land_area_sq_km: Decimal | None = None
    population: int | None = None
    population_year: int | None = None
    city_website: str | None = None
    key_issues: str | None = None
    cooperation_details: str | None = None
    expected_outcomes: str | None = None
    downloads: str | None = None  # the "Download:" link texts, "; "-joined
    # Why the page is cut short (it lacks what its layout always prints), None when whole.
    cut_short_reason: str | None = None


@dataclass(frozen=True)
class CdiaCity:
    table: ClassVar[str] = "cdia_cities"

    position: int
    name: str


@dataclass(frozen=True)
class CdiaStakeholder:
    table: ClassVar[str] = "cdia_stakeholders"

    position: int
    name: str


@dataclass(frozen=True)
class CdiaInfrastructureSector:
    table: ClassVar[str] = "cdia_infrastructure_sectors"

    position: int
    name: str


@dataclass(frozen=True)
class CdiaImpactArea:
    table: ClassVar[str] = "cdia_impact_areas"

    position: int
    name: str

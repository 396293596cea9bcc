"""Drawing a clean sheet: what it is about, its dates, funds and children, its narrative, and
the page's style."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from devfin.sources.adb_pds.records import (
    AdbContract,
    AdbDisbursement,
    AdbDocument,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbLoanUtilization,
    AdbOperationalPriority,
    AdbProject,
    AdbProjectCountry,
    AdbProjectSector,
    AdbTender,
)
from devfin.sources.adb_pds.samples.layout import GRANT, LOAN, REGIONAL, TECHNICAL_ASSISTANCE
from devfin.sources.adb_pds.samples.reference import Country, Sector, reference

_STATUSES = ("Proposed", "Active", "Closed", "Dropped / Terminated")
_STATUS_WEIGHTS = (15, 45, 30, 10)

_TYPES = (TECHNICAL_ASSISTANCE, LOAN, GRANT)
_TYPE_WEIGHTS = (45, 40, 15)

CENT = Decimal("0.01")

# --- The page: the sheet as its source writes it ----------------------------------------------


@dataclass(frozen=True)
class Style:
    """How one page writes what it writes: choices that must not change what it says."""

    no_break_spaces: bool  # dates and amounts written with &nbsp;
    apostrophe_entities: bool  # ' written &#39;


@dataclass(frozen=True)
class Page:
    """One sheet as its page writes it: its records in their source spelling (which may hold
    doubled apostrophes), and what the page holds besides."""

    record: AdbProject
    children: dict[str, list[Any]]
    loan_numbers: tuple[str, ...]  # each heads a Milestones table
    style: Style
    omitted: str | None = None  # a label the page leaves out (its fields are None)
    spoiled: tuple[str, str] | None = None  # a date field, and the impossible date written for it


# --- Drawing a clean page -------------------------------------------------------------------


@dataclass(frozen=True)
class _About:
    """What a sheet is about: drawn first, the rest of the sheet is written from it."""

    number: str
    countries: list[Country]
    sectors: list[Sector]
    project_type: str
    status: str
    places: list[str]
    name: str
    officer: str

    @property
    def country_code(self) -> str:
        return "REG" if len(self.countries) > 1 else self.countries[0].code


def draw_page(rng: random.Random, number: str) -> Page:
    about = _draw_about(rng, number)
    dates = _draw_dates(rng, about.status)
    funds = _draw_funds(rng, about.project_type)
    financing = _draw_financing(rng, funds)
    children: dict[str, list[Any]] = {
        AdbProjectCountry.table: [
            AdbProjectCountry(position, country.name)
            for position, country in enumerate(about.countries, 1)
        ],
        AdbOperationalPriority.table: [
            AdbOperationalPriority(position, code, name)
            for position, (code, name) in enumerate(
                sorted(rng.sample(reference().operational_priorities, rng.randint(1, 7))), 1
            )
        ],
        AdbProjectSector.table: [
            AdbProjectSector(position, sector.name, rng.choice(sector.subsectors))
            for position, sector in enumerate(about.sectors, 1)
        ],
        AdbFundingSource.table: funds,
        AdbExecutingAgency.table: _draw_agencies(rng, about.countries[0]),
        AdbDisbursement.table: _draw_disbursements(rng, about.status, dates, financing),
        AdbDocument.table: _draw_documents(rng, about.name, dates),
        AdbTender.table: _draw_tenders(rng, dates, about.status),
        # Closed loans' utilization: not drawn (no real page of it yet).
        AdbLoanUtilization.table: [],
        # From a stream of their own, so every other draw of the page stays as it was.
        AdbContract.table: _draw_contracts(random.Random(f"{number}:contracts"), about, dates),
    }
    loan_numbers = _loan_numbers(rng, about)
    record = _project(rng, about, dates, financing, children, loan_numbers)
    style = Style(no_break_spaces=rng.random() < 0.5, apostrophe_entities=rng.random() < 0.3)
    return Page(record, children, loan_numbers, style)


def _draw_about(rng: random.Random, number: str) -> _About:
    countries = rng.sample(reference().countries, 1 if rng.random() < 0.8 else rng.randint(2, 3))
    sectors = rng.sample(reference().sectors, rng.choice((1, 1, 1, 2, 2, 3)))
    project_type = rng.choices(_TYPES, _TYPE_WEIGHTS)[0]
    places = rng.sample(countries[0].places, rng.randint(1, 2))
    return _About(
        number=number,
        countries=countries,
        sectors=sectors,
        project_type=project_type,
        status=rng.choices(_STATUSES, _STATUS_WEIGHTS)[0],
        places=places,
        name=_project_name(rng, project_type, sectors[0], places[0]),
        officer=rng.choice(reference().officers),
    )


def _project(
    rng: random.Random,
    about: _About,
    dates: dict[str, date | None],
    financing: dict[str, Decimal],
    children: dict[str, list[Any]],
    loan_numbers: tuple[str, ...],
) -> AdbProject:
    """The parent record, its fields copied from the child rows where the page copies them."""
    country, first_sector = about.countries[0], children[AdbProjectSector.table][0]
    funds = children[AdbFundingSource.table]
    texts = _Texts(rng, about, dates)
    return AdbProject(
        project_number=about.number,
        project_name=about.name,
        title=f"{country.name if len(about.countries) == 1 else REGIONAL} : {about.name}",
        summary="\n".join(texts.summary),
        country=country.name,
        project_status=about.status,
        project_type=about.project_type,
        source_of_funding="\n".join(f"{f.fund_name} {fund_amount(f)}" for f in funds) or None,
        sector=first_sector.sector,
        subsector=first_sector.subsector,
        gender=rng.choice(reference().gender),
        ta_or_loan_numbers="; ".join(loan_numbers) or None,
        project_officer=about.officer,
        responsible_department=country.department.name,
        responsible_division=f"{about.sectors[0].division}, {country.department.code}",
        **texts.fields(),
        **dates,
        **financing,
        currency_code="USD",
    )


def fund_amount(fund: AdbFundingSource) -> str:
    amount = fund.amount or Decimal(0)
    if amount >= 1_000_000 and amount % 10_000 == 0:  # "million" with two decimals is exact
        return f"US$ {amount / 1_000_000:.2f} million"
    return f"US$ {amount:,.2f}"


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _draw_dates(rng: random.Random, status: str) -> dict[str, date | None]:
    """The timetable and milestones, in order: each date on or after the one before it."""
    concept = date(rng.randint(2012, 2023), rng.randint(1, 12), rng.randint(1, 28))
    fact_start = concept + _days(rng, 14, 120)
    fact_end = fact_start + _days(rng, 0, 21) if rng.random() < 0.85 else None
    mrm = (fact_end or fact_start) + _days(rng, 10, 45) if rng.random() < 0.4 else None
    dates: dict[str, date | None] = dict.fromkeys(
        (
            "approval_date",
            "last_review_mission_date",
            "signing_date",
            "effectivity_date",
            "closing_date_original",
            "closing_date_revised",
            "closing_date_actual",
        )
    )
    dates.update(
        concept_clearance_date=concept,
        fact_finding_start_date=fact_start,
        fact_finding_end_date=fact_end,
        mrm_date=mrm,
    )
    approved = status in ("Active", "Closed") or (status != "Proposed" and rng.random() < 0.5)
    if not approved:
        dates["last_pds_update_date"] = (mrm or fact_end or fact_start) + _days(rng, 5, 200)
        return dates
    approval = (mrm or fact_end or fact_start) + _days(rng, 20, 120)
    signing = approval + _days(rng, 5, 60)
    effectivity = signing + _days(rng, 0, 90)
    original = effectivity + _days(rng, 365, 6 * 365)
    revised = original + _days(rng, 90, 3 * 365) if rng.random() < 0.4 else None
    actual = None
    if status == "Closed":
        actual = max(effectivity, (revised or original) - _days(rng, 0, 120))
    dates.update(
        approval_date=approval,
        signing_date=signing,
        effectivity_date=effectivity,
        closing_date_original=original,
        closing_date_revised=revised,
        closing_date_actual=actual,
    )
    if status in ("Active", "Closed") and rng.random() < 0.6:
        dates["last_review_mission_date"] = effectivity + _days(rng, 60, 500)
    dates["last_pds_update_date"] = approval + _days(rng, 30, 1500)
    return dates


def _project_name(rng: random.Random, project_type: str, sector: Sector, place: str) -> str:
    stem = rng.choice(sector.names)
    if project_type == TECHNICAL_ASSISTANCE:
        verb = rng.choice(("Supporting", "Strengthening", "Preparing"))
        return f"{verb} {stem} in {place}"
    return rng.choice(
        (
            f"{place} {stem} Project",
            f"{stem} Sector Development Program",
            f"{place} {stem} Investment Program - Tranche {rng.randint(1, 3)}",
        )
    )


def _loan_numbers(rng: random.Random, about: _About) -> tuple[str, ...]:
    """The TA, loan or grant numbers heading the Milestones: none before approval."""
    project_type, code = about.project_type, about.country_code
    if about.status == "Proposed":
        return ()
    if project_type == TECHNICAL_ASSISTANCE:
        return (f"TA {rng.randint(6000, 9999)}-{code}",)
    if project_type == GRANT:
        return (f"Grant {rng.randint(100, 999):04d}-{code}",)
    loan = f"Loan {rng.randint(3000, 4999)}-{code}"
    return (loan, f"Grant {rng.randint(100, 999):04d}-{code}") if rng.random() < 0.3 else (loan,)


def _draw_funds(rng: random.Random, project_type: str) -> list[AdbFundingSource]:
    names = rng.sample(reference().funds[project_type], rng.randint(1, 2))
    funds: list[AdbFundingSource] = []
    for position, name in enumerate(names, 1):
        if project_type == TECHNICAL_ASSISTANCE:
            amount = Decimal(rng.randint(100, 2000) * 1000)  # written "US$ 400,000.00"
        else:
            amount = Decimal(rng.randint(100, 50000)) * 10_000  # written "US$ 150.25 million"
        funds.append(AdbFundingSource(position, name, amount.quantize(CENT), "USD"))
    return funds


def _draw_financing(rng: random.Random, funds: list[AdbFundingSource]) -> dict[str, Decimal]:
    adb = sum((fund.amount or Decimal(0) for fund in funds), Decimal("0.00"))

    def some(share: float, chance: float) -> Decimal:
        if rng.random() >= chance:
            return Decimal("0.00")
        amount = adb * Decimal(str(share)) * rng.randint(50, 150) / 100
        return (amount + Decimal(rng.randint(0, 99)) / 100).quantize(CENT)  # with cents

    parts = {
        "financing_adb": adb,
        "financing_cofinancing": some(0.4, 0.3),
        "financing_counterpart_government": some(0.2, 0.5),
        "financing_counterpart_beneficiaries": some(0.05, 0.15),
        "financing_counterpart_project_sponsor": some(0.05, 0.1),
        "financing_counterpart_others": some(0.03, 0.1),
    }
    return {**parts, "financing_total": sum(parts.values(), Decimal("0.00"))}


def _draw_disbursements(
    rng: random.Random,
    status: str,
    dates: dict[str, date | None],
    financing: dict[str, Decimal],
) -> list[AdbDisbursement]:
    effectivity, update = dates["effectivity_date"], dates["last_pds_update_date"]
    if status not in ("Active", "Closed") or effectivity is None or update is None:
        return []
    count = rng.choice((0, 1, 1, 2))
    cents = int(financing["financing_adb"] * 100)
    amounts = sorted(rng.randint(1, max(cents, 1)) for _ in range(count))
    as_of = sorted(effectivity + _days(rng, 1, 900) for _ in range(count))
    return [
        AdbDisbursement(position, day, (Decimal(amount) / 100).quantize(CENT))
        for position, (day, amount) in enumerate(zip(as_of, amounts, strict=True), 1)
    ]


def _draw_contracts(
    rng: random.Random, about: _About, dates: dict[str, date | None]
) -> list[AdbContract]:
    """Contracts awarded, for a loan or grant once it is effective."""
    effective = dates.get("effectivity_date")
    if about.project_type == TECHNICAL_ASSISTANCE or effective is None or rng.random() < 0.4:
        return []
    contracts = []
    for position in range(1, rng.randint(1, 3) + 1):
        contractor, address = rng.choice(reference().contractors)
        total = Decimal(rng.randint(200, 90_000)) * 1000
        adb = (total * Decimal(rng.choice((60, 80, 100))) / 100).quantize(CENT)
        contracts.append(
            AdbContract(
                position,
                rng.choice(reference().tender_works).format(n=position),
                contract_date=effective + _days(rng, 30, 700),
                contractor=contractor,
                contractor_address=address,
                executing_agency=rng.choice(reference().ministries),
                total_amount=total.quantize(CENT),
                adb_amount=adb if rng.random() < 0.9 else None,
            )
        )
    return contracts


def _draw_agencies(rng: random.Random, country: Country) -> list[AdbExecutingAgency]:
    names = rng.sample((*reference().ministries, *country.agencies), rng.randint(1, 3))
    agencies: list[AdbExecutingAgency] = []
    for position, name in enumerate(names, 1):
        address = None
        if rng.random() < 0.7:
            street = f"{rng.randint(1, 250)} {rng.choice(reference().streets)}"
            address = street if rng.random() < 0.4 else f"{street}\n{country.city}"
        agencies.append(AdbExecutingAgency(position, name, address))
    return agencies


def _draw_documents(
    rng: random.Random, name: str, dates: dict[str, date | None]
) -> list[AdbDocument]:
    concept, update = dates["concept_clearance_date"], dates["last_pds_update_date"]
    assert concept is not None and update is not None
    documents: list[AdbDocument] = []
    for position, (kind, singular) in enumerate(
        rng.sample(reference().document_types, rng.randint(0, 4)), 1
    ):
        day = concept + timedelta(days=rng.randint(0, max((update - concept).days, 0)))
        documents.append(AdbDocument(position, f"{name}: {singular}", kind, day.replace(day=1)))
    return documents


def _draw_tenders(
    rng: random.Random, dates: dict[str, date | None], status: str
) -> list[AdbTender]:
    if status == "Proposed" or rng.random() < 0.2:
        return []
    start = dates["approval_date"] or dates["concept_clearance_date"]
    assert start is not None
    tenders: list[AdbTender] = []
    for position in range(1, rng.randint(1, 12) + 1):
        if tenders and rng.random() < 0.15:
            tenders.append(dataclasses.replace(rng.choice(tenders), position=position))
            continue
        if rng.random() < 0.7:
            title, kind = rng.choice(reference().tender_roles), rng.choice(("Individual", "Firm"))
            tender_type = f"{kind} - Consulting"
        else:
            title = rng.choice(reference().tender_works).format(n=rng.randint(1, 9))
            tender_type = rng.choice(("Goods", "Works", "Firm - Consulting"))
        posting = start + _days(rng, 0, 700) if rng.random() < 0.6 else None
        deadline = posting + _days(rng, 14, 45) if posting and rng.random() < 0.8 else None
        status_text = rng.choice(reference().tender_statuses)
        tenders.append(AdbTender(position, title, tender_type, status_text, posting, deadline))
    return tenders


class _Texts:
    """The narrative fields of one sheet, written from what the sheet is about."""

    def __init__(self, rng: random.Random, about: _About, dates: dict[str, date | None]) -> None:
        self.rng = rng
        self.about = about
        names = [country.in_text for country in about.countries]
        self.where = names[0] if len(names) == 1 else f"{', '.join(names[:-1])}, and {names[-1]}"
        self.place = ", ".join(about.places)
        self.topic = rng.choice(about.sectors[0].topics)
        self.type = about.project_type
        self.short = "TA" if about.project_type == TECHNICAL_ASSISTANCE else "project"
        self.started = about.status in ("Active", "Closed")
        concept = dates["concept_clearance_date"]
        assert concept is not None
        self.year = concept.year
        self.summary = self._summary()

    def _summary(self) -> list[str]:
        assistance = {
            TECHNICAL_ASSISTANCE: "knowledge and support technical assistance (TA)",
            LOAN: "a loan",
            GRANT: "a grant",
        }[self.type]
        first = (
            f"The government of {self.where} has requested {assistance} from the Asian "
            f"Development Bank (ADB) to improve {self.topic} in {self.place}. The {self.short} "
            f"will {self.rng.choice(('build on previous ADB support', 'pilot new approaches'))} "
            f"and provide support in planning, policy advice, and capacity building."
        )
        second = (
            f"The {self.short} is included in ADB's country operations business plan for "
            f"{self.where}, {self.year}-{self.year + 2}, and is in line with ADB's Strategy 2030."
        )
        return [first, second]

    def fields(self) -> dict[str, str | None]:
        rng, short = self.rng, self.short
        place_owner = f"{self.about.places[0]}'s"
        return {
            "description": " ".join(self.summary),
            "rationale": self._paragraphs(
                f"{place_owner} {self.topic} lags behind national targets: about "
                f"{rng.randint(12, 68)}% of households are underserved, and demand grows by "
                f"{rng.randint(2, 9)}.{rng.randint(0, 9)}% a year.",
                f"Past investments & reforms have been uneven; the {short} addresses the gaps "
                "in institutions, finance, and skills.",
            ),
            "impact": f"{self.topic.capitalize()} in {self.place} improved",
            "outcome": f"Capacity for {self.topic} in {self.place} strengthened",
            "progress_toward_outcome": self._if_started(
                f"The {short} became effective in {self.year + 1}. Activities are on track."
            ),
            "outputs": (
                f"Assessment of {self.topic} completed Plans and policies for {self.topic} "
                f"prepared Knowledge on {self.topic} disseminated"
            ),
            "implementation_progress": self._if_started(
                self._paragraphs(
                    f"Consultants were mobilized in {self.year + 1}.",
                    f"The draft final report is due by December {self.year + 3}.",
                )
            ),
            "geographical_location": self.place,
            "environmental_aspects": self._if_investment(
                "Category B. An initial environmental examination was prepared."
            ),
            "involuntary_resettlement": self._if_investment("Category C."),
            "indigenous_peoples": self._if_investment("Category C."),
            "stakeholder_participation_design": self._maybe(
                "Consultations were held with the executing agency, civil society organizations,"
                " and women's groups."
            ),
            "stakeholder_participation_implementation": self._maybe(
                "Stakeholders will be consulted at each milestone of the works."
            ),
            "consulting_services": (
                f"ADB will engage the consultants following the ADB Procurement Policy "
                f"({rng.choice((2017, 2022))}, as amended from time to time) and its associated "
                "staff instructions."
            ),
            "procurement": self._maybe(
                "Procurement will follow the ADB Procurement Policy and the Procurement "
                f"Regulations for ADB Borrowers; contact {self.about.officer} for the plan."
            ),
        }

    def _paragraphs(self, first: str, second: str) -> str:
        return f"{first}\n\n{second}" if self.rng.random() < 0.3 else f"{first} {second}"

    def _if_started(self, text: str) -> str | None:
        return text if self.started else None

    def _if_investment(self, text: str) -> str | None:
        return None if self.type == TECHNICAL_ASSISTANCE else text

    def _maybe(self, text: str) -> str | None:
        return text if self.rng.random() < 0.6 else None

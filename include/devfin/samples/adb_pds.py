"""Sample ADB Project Data Sheets: a random sheet as the live HTML page and as its text rendering.

A page is drawn as its source writes it (`_Page`: the records in their source spelling, and the
page's furniture); a defect edits that page; both renderings write it; and the truth is its
records with the source text mended, as the parser must read them back. An executing agency's
address is on both renderings: after its name in the HTML, on the lines below it in the text.
"""

from __future__ import annotations

import dataclasses
import html
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from devfin.parse.text import DOUBLED_APOSTROPHE_REPAIR
from devfin.records import (
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
    ParsedSheet,
)
from devfin.samples.base import Rendering, Sample
from devfin.sources.adb_pds import SOURCE_KEY

SOURCE = SOURCE_KEY
DEFECTS: tuple[str, ...] = (
    "missing_label",
    "bad_date",
    "amounts_mismatch",
    "doubled_apostrophes",
    "truncated",
)
# The ParseError reason of the defects that make a page unreadable.
EXPECTED_ERRORS = {"truncated": "not_a_data_sheet"}
# The layout generations the generator writes (`AdbProject.layout`).
_LIVE_2025, _PRINT, _PDS_2014 = "live-2025", "print", "pds-2014"
_TABBED_2015 = "tabbed-2015"
URL_TEMPLATE = "https://www.adb.org/projects/{number}/main"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CENT = Decimal("0.01")
_NONE = "-"  # how the page writes "no value" in a date or amount cell

# --- The live page's vocabulary, as the template writes it ----------------------------------
# The generator's own description of the pages it writes, never the parser's: a label misspelt
# on either side then shows as a page that does not read back to its truth.

# Rows whose value is a field's text, in the order of the facts table.
_TEXT_LABELS: dict[str, str] = {
    "project_name": "Project Name",
    "project_number": "Project Number",
    "project_status": "Project Status",
    "project_type": "Project Type / Modality of Assistance",
    "gender": "Gender",
    "description": "Description",
    "rationale": "Project Rationale and Linkage to Country/Regional Strategy",
    "impact": "Impact",
    "outcome": "Description of Outcome",
    "progress_toward_outcome": "Progress Toward Outcome",
    "outputs": "Description of Project Outputs",
    "implementation_progress": (
        "Status of Implementation Progress (Outputs, Activities, and Issues)"
    ),
    "geographical_location": "Geographical Location",
    "environmental_aspects": "Environmental Aspects",
    "involuntary_resettlement": "Involuntary Resettlement",
    "indigenous_peoples": "Indigenous Peoples",
    "stakeholder_participation_design": "During Project Design",
    "stakeholder_participation_implementation": "During Project Implementation",
    "consulting_services": "Consulting Services",
    "procurement": "Procurement",
    "project_officer": "Responsible ADB Officer",
    "responsible_department": "Responsible ADB Department",
    "responsible_division": "Responsible ADB Division",
}
# The Timetable rows of one date each.
_DATE_LABELS: dict[str, str] = {
    "concept_clearance_date": "Concept Clearance",
    "mrm_date": "MRM",
    "approval_date": "Approval",
    "last_review_mission_date": "Last Review Mission",
    "last_pds_update_date": "Last PDS Update",
}
_PROJECT_NUMBER = _TEXT_LABELS["project_number"]
_COUNTRY = "Country / Economy"
_SECTOR = "Sector / Subsector"
_SOURCE_OF_FUNDING = "Source of Funding / Amount"
_PRIORITIES_LABEL = "Operational Priorities"
_EXECUTING_AGENCIES = "Executing Agencies"
_FACT_FINDING = "Fact Finding"
_PROJECT_DETAILS = "Project Details"  # the side panel's heading, below the summary
_MILESTONES = "Milestones"
_MILESTONE_COLUMNS: dict[str, str] = {
    "approval_date": "Approval",
    "signing_date": "Signing Date",
    "effectivity_date": "Effectivity Date",
    "closing_date_original": "Closing/Original",
    "closing_date_revised": "Closing/Revised",
    "closing_date_actual": "Closing/Actual",
}
_DOCUMENT_COLUMNS = ("Title", "Document Type", "Document Date")
_TENDER_COLUMNS = ("Tender Title", "Type", "Status", "Posting Date", "Deadline")
_CONTRACT_COLUMNS = (
    "Contract Title",
    "Contract Date",
    "Contractor",
    "Contractor Address",
    "Executing Agency",
    "Total Contract Amount (US$)",
    "Contract Amount Financed by ADB (US$)",
)
_CONTRACTORS = (
    ("China Railway Eryuan Engineering Group", "Chengdu, China"),
    ("Larsen & Toubro Limited", "Mumbai, India"),
    ("Hyundai Engineering & Construction Co., Ltd.", "Seoul, Republic of Korea"),
    ("Egis International", "Guyancourt, France"),
    ("SMEC International Pty Ltd", "Melbourne, Australia"),
)
# The HTML markers of list entries and of the fund table.
_SECTOR_CLASS = "sector"  # <strong class="sector">
_AGENCY_CLASS = "address-company"  # <span class="address-company">
_FUND_TABLE_CLASS = "fund-table"  # <table class="fund-table">
_FUND_SUBHEAD_CLASS = "subhead"  # <tr class="subhead">: the approval the rows below are for


# --- What sheets are made of ---------------------------------------------------------------


@dataclass(frozen=True)
class _Department:
    name: str
    code: str


_EARD = _Department("East Asia Department", "EARD")
_SERD = _Department("Southeast Asia Department", "SERD")
_SARD = _Department("South Asia Department", "SARD")
_CWRD = _Department("Central and West Asia Department", "CWRD")
_PARD = _Department("Pacific Department", "PARD")


@dataclass(frozen=True)
class _Country:
    name: str  # as the sheet lists it
    in_text: str  # as a sentence names it
    code: str  # the suffix of its TA and loan numbers
    department: _Department
    places: tuple[str, ...]
    agencies: tuple[str, ...]  # executing agencies beyond the ministries every country has
    city: str  # where the agencies are


_COUNTRIES = (
    _Country(
        "China, People's Republic of",
        "the People's Republic of China",
        "PRC",
        _EARD,
        ("Heilongjiang", "Hunan", "Yunnan", "Gansu", "Shanxi", "Guangxi Zhuang Autonomous Region"),
        ("Heilongjiang Provincial Finance Department", "Hunan Provincial Government"),
        "Beijing",
    ),
    _Country(
        "Mongolia",
        "Mongolia",
        "MON",
        _EARD,
        ("Ulaanbaatar", "Darkhan-Uul", "Khovd"),
        ("Ministry of Construction and Urban Development",),
        "Ulaanbaatar",
    ),
    _Country(
        "Lao People's Democratic Republic",
        "the Lao People's Democratic Republic",
        "LAO",
        _SERD,
        ("Vientiane Capital", "Luang Prabang", "Savannakhet"),
        ("Ministry of Public Works and Transport", "Lao Women's Union"),
        "Vientiane",
    ),
    _Country(
        "Viet Nam",
        "Viet Nam",
        "VIE",
        _SERD,
        ("Da Nang", "Can Tho", "Quang Nam", "Ha Giang"),
        ("People's Committee of Da Nang City", "Ministry of Agriculture and Rural Development"),
        "Ha Noi",
    ),
    _Country(
        "Cambodia",
        "Cambodia",
        "CAM",
        _SERD,
        ("Siem Reap", "Battambang", "Kampong Cham"),
        ("Ministry of Rural Development",),
        "Phnom Penh",
    ),
    _Country(
        "Philippines",
        "the Philippines",
        "PHI",
        _SERD,
        ("Mindanao", "Cebu", "Metro Manila", "Bohol"),
        ("Department of Public Works and Highways", "Department of Agrarian Reform"),
        "Manila",
    ),
    _Country(
        "Indonesia",
        "Indonesia",
        "INO",
        _SERD,
        ("East Java", "North Sumatra", "South Sulawesi"),
        ("Ministry of Public Works and Housing",),
        "Jakarta",
    ),
    _Country(
        "Bangladesh",
        "Bangladesh",
        "BAN",
        _SARD,
        ("Dhaka", "Chattogram", "Khulna", "Rajshahi"),
        ("Local Government Engineering Department", "Bangladesh Power Development Board"),
        "Dhaka",
    ),
    _Country(
        "India",
        "India",
        "IND",
        _SARD,
        ("Assam", "Tamil Nadu", "Maharashtra", "Odisha"),
        ("Department of Economic Affairs", "Assam Urban Infrastructure Investment Program"),
        "New Delhi",
    ),
    _Country(
        "Nepal",
        "Nepal",
        "NEP",
        _SARD,
        ("Kathmandu Valley", "Lumbini Province", "Koshi Province"),
        ("Department of Roads",),
        "Kathmandu",
    ),
    _Country(
        "Sri Lanka",
        "Sri Lanka",
        "SRI",
        _SARD,
        ("Colombo", "Jaffna", "Kandy"),
        ("National Water Supply and Drainage Board",),
        "Colombo",
    ),
    _Country(
        "Pakistan",
        "Pakistan",
        "PAK",
        _CWRD,
        ("Punjab", "Sindh", "Khyber Pakhtunkhwa"),
        ("Punjab Irrigation Department",),
        "Islamabad",
    ),
    _Country(
        "Uzbekistan",
        "Uzbekistan",
        "UZB",
        _CWRD,
        ("Tashkent", "Samarkand", "Fergana Valley"),
        ("Ministry of Water Resources",),
        "Tashkent",
    ),
    _Country(
        "Kyrgyz Republic",
        "the Kyrgyz Republic",
        "KGZ",
        _CWRD,
        ("Bishkek", "Osh", "Issyk-Kul"),
        ("Ministry of Transport and Communications",),
        "Bishkek",
    ),
    _Country(
        "Georgia",
        "Georgia",
        "GEO",
        _CWRD,
        ("Tbilisi", "Batumi", "Kutaisi"),
        ("Municipal Development Fund of Georgia",),
        "Tbilisi",
    ),
    _Country(
        "Micronesia, Federated States of",
        "the Federated States of Micronesia",
        "FSM",
        _PARD,
        ("Pohnpei", "Chuuk", "Yap", "Kosrae"),
        ("Department of Transportation, Communications and Infrastructure",),
        "Palikir",
    ),
    _Country(
        "Papua New Guinea",
        "Papua New Guinea",
        "PNG",
        _PARD,
        ("Port Moresby", "Lae", "Madang"),
        ("Department of Works and Highways",),
        "Port Moresby",
    ),
    _Country(
        "Timor-Leste",
        "Timor-Leste",
        "TIM",
        _SERD,
        ("Dili", "Baucau"),
        ("Ministry of Public Works",),
        "Dili",
    ),
)
_REGIONAL = "Regional"  # the title's country when a sheet has several


@dataclass(frozen=True)
class _Sector:
    name: str
    subsectors: tuple[str, ...]
    division: str  # the responsible division, less its department
    topics: tuple[str, ...]  # what a project of the sector is about, as a noun phrase
    names: tuple[str, ...]  # project name stems


_SECTORS = (
    _Sector(
        "Water and other urban infrastructure and services",
        (
            "Urban policy, institutional and capacity development",
            "Urban water supply",
            "Urban sanitation",
            "Urban solid waste management",
            "Urban flood protection",
            "Other urban services",
        ),
        "Urban and Social Sectors Division",
        ("urban services", "green economic diversification", "urban water security"),
        ("Green Urban Development", "Integrated Urban Water Management", "Urban Flood Resilience"),
    ),
    _Sector(
        "Energy",
        (
            "Electricity transmission and distribution",
            "Renewable energy generation - solar",
            "Renewable energy generation - wind",
            "Energy efficiency and conservation",
            "Energy sector development and institutional reform",
        ),
        "Energy Division",
        ("clean energy supply", "power sector reform", "energy efficiency"),
        ("Solar Power Development", "Power Transmission Enhancement", "Energy Efficiency"),
    ),
    _Sector(
        "Transport",
        (
            "Road transport (non-urban)",
            "Urban public transport",
            "Rail transport (non-urban)",
            "Transport policies and institutional development",
            "Urban roads and traffic management",
        ),
        "Transport and Communications Division",
        ("rural connectivity", "road safety", "sustainable urban mobility"),
        ("Rural Roads Improvement", "Urban Public Transport", "Railway Modernization"),
    ),
    _Sector(
        "Agriculture, natural resources and rural development",
        (
            "Irrigation",
            "Agricultural drainage",
            "Agro-industry, marketing, and trade",
            "Land-based natural resources management",
            "Water-based natural resources management",
            "Rural flood protection",
        ),
        "Environment, Natural Resources and Agriculture Division",
        ("climate-resilient agriculture", "water resources management", "food security"),
        ("Climate-Resilient Irrigation", "Agricultural Value Chains", "Integrated Watershed"),
    ),
    _Sector(
        "Education",
        (
            "Technical and vocational education and training",
            "Secondary",
            "Tertiary",
            "Pre-primary and primary",
            "Education sector development",
        ),
        "Human and Social Development Division",
        ("skills for employment", "learning outcomes", "higher education quality"),
        ("Skills for Employment", "Secondary Education Improvement", "Higher Education Quality"),
    ),
    _Sector(
        "Health",
        (
            "Health system development",
            "Health sector development and reform",
            "Disease control of communicable disease",
            "Non-communicable diseases",
        ),
        "Human and Social Development Division",
        ("primary health care", "health security", "hospital services"),
        ("Primary Health Care Strengthening", "Health System Enhancement", "Health Security"),
    ),
    _Sector(
        "Finance",
        (
            "Inclusive finance",
            "Small and medium enterprise finance and leasing",
            "Finance sector development",
            "Money and capital markets",
        ),
        "Public Management, Financial Sector and Trade Division",
        ("access to finance", "financial inclusion", "capital market depth"),
        ("Inclusive Finance Development", "SME Finance", "Capital Market Development"),
    ),
    _Sector(
        "Public sector management",
        (
            "Public expenditure and fiscal management",
            "Decentralization",
            "Economic affairs management",
            "Public administration",
        ),
        "Public Management, Financial Sector and Trade Division",
        ("fiscal management", "domestic resource mobilization", "public service delivery"),
        ("Public Financial Management Reform", "Fiscal Sustainability", "Governance Reform"),
    ),
    _Sector(
        "Information and communication technology",
        ("ICT infrastructure", "ICT industries and ICT-enabled services"),
        "Transport and Communications Division",
        ("digital connectivity", "e-government services"),
        ("Digital Connectivity", "E-Government Services"),
    ),
)

_OPERATIONAL_PRIORITIES = (
    ("OP1", "Addressing remaining poverty and reducing inequalities"),
    ("OP2", "Accelerating progress in gender equality"),
    (
        "OP3",
        "Tackling climate change, building climate and disaster resilience, and enhancing "
        "environmental sustainability",
    ),
    ("OP4", "Making cities more livable"),
    ("OP5", "Promoting rural development and food security"),
    ("OP6", "Strengthening governance and institutional capacity"),
    ("OP7", "Fostering regional cooperation and integration"),
)
_STATUSES = ("Proposed", "Active", "Closed", "Dropped / Terminated")
_STATUS_WEIGHTS = (15, 45, 30, 10)
_TECHNICAL_ASSISTANCE, _LOAN, _GRANT = "Technical Assistance", "Loan", "Grant"
_TYPES = (_TECHNICAL_ASSISTANCE, _LOAN, _GRANT)
_TYPE_WEIGHTS = (45, 40, 15)
_GENDER = (
    "No gender elements",
    "Some gender elements",
    "Effective gender mainstreaming",
    "Gender equity theme",
)
_FUNDS = {
    _TECHNICAL_ASSISTANCE: (
        "Technical Assistance Special Fund",
        "Japan Fund for Prosperous and Resilient Asia and the Pacific",
        "Climate Change Fund",
        "People's Republic of China Poverty Reduction and Regional Cooperation Fund",
        "Republic of Korea e-Asia and Knowledge Partnership Fund",
        "Urban Climate Change Resilience Trust Fund",
    ),
    _LOAN: (
        "Ordinary capital resources",
        "Concessional ordinary capital resources lending",
        "Asian Development Fund",
    ),
    _GRANT: (
        "Asian Development Fund",
        "Japan Fund for Prosperous and Resilient Asia and the Pacific",
    ),
}
_OFFICERS = (
    "Bai, Jie",
    "Sharma, Rajesh",
    "Nguyen, Thi Lan",
    "O'Brien, Siobhan",
    "D'Souza, Anil",
    "Khan, Farida",
    "Suzuki, Hiroshi",
    "Santos, Maria Cristina",
    "Dorji, Karma",
    "Fernando, Dilani",
    "Ismailov, Rustam",
    "Müller, Stefan",
)
_MINISTRIES = ("Ministry of Finance", "Ministry of Economy and Finance", "Ministry of Planning")
_STREETS = ("Government Complex", "Independence Avenue", "Ring Road", "Civic Center Drive")
_DOCUMENT_TYPES = (
    ("Technical Assistance Reports", "Technical Assistance Report"),
    ("Project Data Sheets", "Project Data Sheet"),
    ("Initial Poverty and Social Analysis", "Initial Poverty and Social Analysis"),
    ("Concept Papers", "Concept Paper"),
    ("Reports and Recommendations of the President", "Report and Recommendation of the President"),
    ("Resettlement Plans", "Resettlement Plan"),
    ("Design and Monitoring Frameworks", "Design and Monitoring Framework"),
    ("Gender Action Plans", "Gender Action Plan"),
)
_TENDER_ROLES = (
    "National Economic Diversification Specialist",
    "International Team Leader",
    "TA Coordinator",
    "Procurement Specialist",
    "Financial Management Specialist",
    "Women's Economic Empowerment Specialist",
    "Environmental Safeguards Specialist",
    "Social Safeguards and Resettlement Specialist",
    "Climate Change Adaptation Expert",
    "Urban Planner/Deputy Team Leader",
)
_TENDER_WORKS = (
    "Construction of Rural Roads (Package {n})",
    "Supply and Installation of Solar Home Systems, Lot {n}",
    "Rehabilitation of Irrigation Canals - Contract {n}",
    "Project Management and Supervision Consultants",
)
_TENDER_STATUSES = ("Active", "Closed", "Archived", "Awarded")


# --- The page: the sheet as its source writes it ----------------------------------------------


@dataclass(frozen=True)
class _Style:
    """How one page writes what it writes: choices that must not change what it says."""

    no_break_spaces: bool  # dates and amounts written with &nbsp;
    apostrophe_entities: bool  # ' written &#39;


@dataclass(frozen=True)
class _Page:
    """One sheet as its page writes it: its records in their source spelling (which may hold
    doubled apostrophes), and what the page holds besides."""

    record: AdbProject
    children: dict[str, list[Any]]
    loan_numbers: tuple[str, ...]  # each heads a Milestones table
    style: _Style
    omitted: str | None = None  # a label the page leaves out (its fields are None)
    spoiled: tuple[str, str] | None = None  # a date field, and the impossible date written for it


def generate(rng: random.Random, index: int, defect: str | None) -> Sample:
    """Page `index`: drawn from `rng` alone, with `defect` (one of DEFECTS) injected if given.

    `html` and `text` are the live page and its pipe rendering; `renderings` holds the bullets
    rendering and the older generations (print, pds-2014) of the same sheet, and `mixed` the one
    a corpus of mixed formats writes, drawn after the page so the two above never change."""
    if defect is not None and defect not in DEFECTS:
        raise ValueError(f"{SOURCE} supports the defects {DEFECTS}, not {defect!r}")
    number = project_number(index)
    page = _draw_page(rng, number)
    if defect is not None and defect != "truncated":
        page = _INJECT[defect](rng, page)
    pages = {
        "html": _render_html(page),
        "text": _render_text(page),
        "bullets": _render_bullets(page),
        _PRINT: _render_print(page),
    }
    if page.record.project_status:  # the tabbed page states it in its header line
        pages[_TABBED_2015] = _render_tabbed(page)
    if _has_approvals(page):
        pages[_PDS_2014] = _render_pds_2014(page)
    if defect == "truncated":
        pages = {name: _truncate(name, body) for name, body in pages.items()}
    failing = defect in EXPECTED_ERRORS
    truths = {name: None if failing else _TRUTHS[name](page) for name in pages}
    renderings = {
        name: Rendering(name, ".html" if name == "html" else ".txt", body, truths[name])
        for name, body in pages.items()
        if name not in ("html", "text") or truths[name] != truths["text"]
    }
    return Sample(
        source=SOURCE,
        sheet_id=number,
        url=URL_TEMPLATE.format(number=number),
        html=pages["html"],
        text=pages["text"],
        truth=truths["text"],
        expected_error=EXPECTED_ERRORS.get(defect or ""),
        defect=defect,
        renderings=renderings,
        mixed=_pick_rendering(rng, defect, pages),
    )


# How often a corpus of mixed formats writes each rendering: the live HTML page most often.
_MIXED_WEIGHTS = {
    "html": 50,
    "text": 10,
    "bullets": 15,
    _PRINT: 12,
    _PDS_2014: 13,
    _TABBED_2015: 10,
}
# The defects the older generations show: they have no timetable, no financing plan, and
# fewer labels, so the other defects are drawn on the live page's renderings only.
_OLD_GENERATION_DEFECTS = (None, "doubled_apostrophes", "truncated")


def _pick_rendering(rng: random.Random, defect: str | None, pages: dict[str, str]) -> str:
    names = [
        name
        for name in _MIXED_WEIGHTS
        if name in pages
        and (name not in (_PRINT, _PDS_2014, _TABBED_2015) or defect in _OLD_GENERATION_DEFECTS)
    ]
    return rng.choices(names, [_MIXED_WEIGHTS[name] for name in names])[0]


def project_number(index: int) -> str:
    """The project number of page `index`: "NNNNN-NNN", a different one for each index."""
    return f"{40000 + index % 60000:05d}-{1 + index // 60000:03d}"


# --- Drawing a clean page -------------------------------------------------------------------


@dataclass(frozen=True)
class _About:
    """What a sheet is about: drawn first, the rest of the sheet is written from it."""

    number: str
    countries: list[_Country]
    sectors: list[_Sector]
    project_type: str
    status: str
    places: list[str]
    name: str
    officer: str

    @property
    def country_code(self) -> str:
        return "REG" if len(self.countries) > 1 else self.countries[0].code


def _draw_page(rng: random.Random, number: str) -> _Page:
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
                sorted(rng.sample(_OPERATIONAL_PRIORITIES, rng.randint(1, 7))), 1
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
    style = _Style(no_break_spaces=rng.random() < 0.5, apostrophe_entities=rng.random() < 0.3)
    return _Page(record, children, loan_numbers, style)


def _draw_about(rng: random.Random, number: str) -> _About:
    countries = rng.sample(_COUNTRIES, 1 if rng.random() < 0.8 else rng.randint(2, 3))
    sectors = rng.sample(_SECTORS, rng.choice((1, 1, 1, 2, 2, 3)))
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
        officer=rng.choice(_OFFICERS),
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
        title=f"{country.name if len(about.countries) == 1 else _REGIONAL} : {about.name}",
        summary="\n".join(texts.summary),
        country=country.name,
        project_status=about.status,
        project_type=about.project_type,
        source_of_funding="\n".join(f"{f.fund_name} {_fund_amount(f)}" for f in funds) or None,
        sector=first_sector.sector,
        subsector=first_sector.subsector,
        gender=rng.choice(_GENDER),
        ta_or_loan_numbers="; ".join(loan_numbers) or None,
        project_officer=about.officer,
        responsible_department=country.department.name,
        responsible_division=f"{about.sectors[0].division}, {country.department.code}",
        **texts.fields(),
        **dates,
        **financing,
        currency_code="USD",
    )


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


def _project_name(rng: random.Random, project_type: str, sector: _Sector, place: str) -> str:
    stem = rng.choice(sector.names)
    if project_type == _TECHNICAL_ASSISTANCE:
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
    if project_type == _TECHNICAL_ASSISTANCE:
        return (f"TA {rng.randint(6000, 9999)}-{code}",)
    if project_type == _GRANT:
        return (f"Grant {rng.randint(100, 999):04d}-{code}",)
    loan = f"Loan {rng.randint(3000, 4999)}-{code}"
    return (loan, f"Grant {rng.randint(100, 999):04d}-{code}") if rng.random() < 0.3 else (loan,)


def _draw_funds(rng: random.Random, project_type: str) -> list[AdbFundingSource]:
    names = rng.sample(_FUNDS[project_type], rng.randint(1, 2))
    funds: list[AdbFundingSource] = []
    for position, name in enumerate(names, 1):
        if project_type == _TECHNICAL_ASSISTANCE:
            amount = Decimal(rng.randint(100, 2000) * 1000)  # written "US$ 400,000.00"
        else:
            amount = Decimal(rng.randint(100, 50000)) * 10_000  # written "US$ 150.25 million"
        funds.append(AdbFundingSource(position, name, amount.quantize(_CENT), "USD"))
    return funds


def _draw_financing(rng: random.Random, funds: list[AdbFundingSource]) -> dict[str, Decimal]:
    adb = sum((fund.amount or Decimal(0) for fund in funds), Decimal("0.00"))

    def some(share: float, chance: float) -> Decimal:
        if rng.random() >= chance:
            return Decimal("0.00")
        amount = adb * Decimal(str(share)) * rng.randint(50, 150) / 100
        return (amount + Decimal(rng.randint(0, 99)) / 100).quantize(_CENT)  # with cents

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
        AdbDisbursement(position, day, (Decimal(amount) / 100).quantize(_CENT))
        for position, (day, amount) in enumerate(zip(as_of, amounts, strict=True), 1)
    ]


def _draw_contracts(
    rng: random.Random, about: _About, dates: dict[str, date | None]
) -> list[AdbContract]:
    """Contracts awarded, for a loan or grant once it is effective."""
    effective = dates.get("effectivity_date")
    if about.project_type == _TECHNICAL_ASSISTANCE or effective is None or rng.random() < 0.4:
        return []
    contracts = []
    for position in range(1, rng.randint(1, 3) + 1):
        contractor, address = rng.choice(_CONTRACTORS)
        total = Decimal(rng.randint(200, 90_000)) * 1000
        adb = (total * Decimal(rng.choice((60, 80, 100))) / 100).quantize(_CENT)
        contracts.append(
            AdbContract(
                position,
                rng.choice(_TENDER_WORKS).format(n=position),
                contract_date=effective + _days(rng, 30, 700),
                contractor=contractor,
                contractor_address=address,
                executing_agency=rng.choice(_MINISTRIES),
                total_amount=total.quantize(_CENT),
                adb_amount=adb if rng.random() < 0.9 else None,
            )
        )
    return contracts


def _contract_rows(page: _Page) -> list[tuple[str, ...]]:
    def amount(value: Decimal | None) -> str:
        return _NONE if value is None else f"{value:,.2f}"

    return [
        (
            c.title,
            _day_text(c.contract_date),
            c.contractor or "",
            c.contractor_address or "",
            c.executing_agency or "",
            amount(c.total_amount),
            amount(c.adb_amount),
        )
        for c in page.children[AdbContract.table]
    ]


def _draw_agencies(rng: random.Random, country: _Country) -> list[AdbExecutingAgency]:
    names = rng.sample((*_MINISTRIES, *country.agencies), rng.randint(1, 3))
    agencies: list[AdbExecutingAgency] = []
    for position, name in enumerate(names, 1):
        address = None
        if rng.random() < 0.7:
            street = f"{rng.randint(1, 250)} {rng.choice(_STREETS)}"
            address = street if rng.random() < 0.4 else f"{street}\n{country.city}"
        agencies.append(AdbExecutingAgency(position, name, address))
    return agencies


def _draw_documents(
    rng: random.Random, name: str, dates: dict[str, date | None]
) -> list[AdbDocument]:
    concept, update = dates["concept_clearance_date"], dates["last_pds_update_date"]
    assert concept is not None and update is not None
    documents: list[AdbDocument] = []
    for position, (kind, singular) in enumerate(rng.sample(_DOCUMENT_TYPES, rng.randint(0, 4)), 1):
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
            title, kind = rng.choice(_TENDER_ROLES), rng.choice(("Individual", "Firm"))
            tender_type = f"{kind} - Consulting"
        else:
            title = rng.choice(_TENDER_WORKS).format(n=rng.randint(1, 9))
            tender_type = rng.choice(("Goods", "Works", "Firm - Consulting"))
        posting = start + _days(rng, 0, 700) if rng.random() < 0.6 else None
        deadline = posting + _days(rng, 14, 45) if posting and rng.random() < 0.8 else None
        status_text = rng.choice(_TENDER_STATUSES)
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
        self.short = "TA" if about.project_type == _TECHNICAL_ASSISTANCE else "project"
        self.started = about.status in ("Active", "Closed")
        concept = dates["concept_clearance_date"]
        assert concept is not None
        self.year = concept.year
        self.summary = self._summary()

    def _summary(self) -> list[str]:
        assistance = {
            _TECHNICAL_ASSISTANCE: "knowledge and support technical assistance (TA)",
            _LOAN: "a loan",
            _GRANT: "a grant",
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
        return None if self.type == _TECHNICAL_ASSISTANCE else text

    def _maybe(self, text: str) -> str | None:
        return text if self.rng.random() < 0.6 else None


# --- Defects ---------------------------------------------------------------------------------

# The labels a page may leave out, with the record fields and child table each one fills;
# not those whose values the side panel restates (the page would still state them).
_PANEL_FIELDS = ("project_officer", "responsible_department")
_OPTIONAL_LABELS: dict[str, tuple[tuple[str, ...], str | None]] = {
    **{
        label: ((name,), None)
        for name, label in _TEXT_LABELS.items()
        if name not in ("project_number", "project_name", *_PANEL_FIELDS)
    },
    _SOURCE_OF_FUNDING: (("source_of_funding",), AdbFundingSource.table),
    # Without its Timetable row the approval date is still read from the Milestones.
    **{label: ((name,), None) for name, label in _DATE_LABELS.items() if name != "approval_date"},
    _FACT_FINDING: (("fact_finding_start_date", "fact_finding_end_date"), None),
    _PRIORITIES_LABEL: ((), AdbOperationalPriority.table),
    _EXECUTING_AGENCIES: ((), AdbExecutingAgency.table),
}
# The date fields a page may spoil, in the order they are written.
_SPOILABLE_DATES = (
    "concept_clearance_date",
    "fact_finding_start_date",
    "fact_finding_end_date",
    "mrm_date",
    "last_review_mission_date",
    "last_pds_update_date",
    "signing_date",
    "effectivity_date",
    "closing_date_original",
    "closing_date_revised",
    "closing_date_actual",
)
# Source strings that may carry doubled apostrophes: a child table's fields, with the record
# fields the parser copies from its first row.
_DOUBLING_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    AdbProjectCountry.table: (("country",), ("country",)),
    AdbFundingSource.table: (("fund_name",), ("source_of_funding",)),
    AdbExecutingAgency.table: (("name", "address"), ()),
    AdbDocument.table: (("title",), ()),
    AdbTender.table: (("title",), ()),
}
_COPIED_FIELDS = frozenset(field for _, copied in _DOUBLING_TABLES.values() for field in copied)


def _leave_out_a_label(rng: random.Random, page: _Page) -> _Page:
    present = [
        label
        for label, (names, table) in _OPTIONAL_LABELS.items()
        if any(getattr(page.record, name) is not None for name in names)
        or (table is not None and page.children[table])
    ]
    label = rng.choice(present)
    names, table = _OPTIONAL_LABELS[label]
    record = dataclasses.replace(page.record, **dict.fromkeys(names))
    children = {**page.children, **({table: []} if table else {})}
    return dataclasses.replace(page, record=record, children=children, omitted=label)


def _spoil_a_date(rng: random.Random, page: _Page) -> _Page:
    name = rng.choice([n for n in _SPOILABLE_DATES if getattr(page.record, n) is not None])
    year = getattr(page.record, name).year
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    impossible = [(31, "Feb"), (30, "Feb"), (31, "Apr"), (31, "Jun"), (31, "Sep"), (31, "Nov")]
    if not leap:
        impossible.append((29, "Feb"))
    day, month = rng.choice(impossible)
    return dataclasses.replace(page, spoiled=(name, f"{day} {month} {year}"))


def _mismatch_amounts(rng: random.Random, page: _Page) -> _Page:
    total = page.record.financing_total or Decimal("0.00")
    delta = Decimal(rng.randint(1, 10_000_000)) / 100
    wrong = total + delta if rng.random() < 0.5 or delta > total else total - delta
    return dataclasses.replace(page, record=dataclasses.replace(page.record, financing_total=wrong))


def _double_apostrophes(rng: random.Random, page: _Page) -> _Page:
    """Some source strings holding an apostrophe written with two, as some pages do."""
    record_fields = [
        f.name
        for f in dataclasses.fields(page.record)
        if f.name not in _COPIED_FIELDS and _has_apostrophe(getattr(page.record, f.name))
    ]
    tables = [
        table
        for table, (names, _) in _DOUBLING_TABLES.items()
        if any(
            _has_apostrophe(getattr(row, name)) for row in page.children[table] for name in names
        )
    ]
    # Each candidate: a table (None: the record), its fields, and the record fields copied.
    candidates: list[tuple[str | None, tuple[str, ...], tuple[str, ...]]] = [
        (None, (name,), ()) for name in record_fields
    ]
    candidates += [(table, *_DOUBLING_TABLES[table]) for table in tables]
    record, children = page.record, dict(page.children)
    for table, names, copied in rng.sample(candidates, rng.randint(1, min(3, len(candidates)))):
        if table is not None:
            children[table] = [_doubled(row, names) for row in children[table]]
        record = _doubled(record, copied if table is not None else names)
    return dataclasses.replace(page, record=record, children=children)


def _has_apostrophe(value: object) -> bool:
    return isinstance(value, str) and "'" in value


def _doubled(row: Any, names: tuple[str, ...]) -> Any:
    values = {name: getattr(row, name) for name in names}
    return dataclasses.replace(
        row, **{name: v.replace("'", "''") for name, v in values.items() if v is not None}
    )


_INJECT = {
    "missing_label": _leave_out_a_label,
    "bad_date": _spoil_a_date,
    "amounts_mismatch": _mismatch_amounts,
    "doubled_apostrophes": _double_apostrophes,
}


def _truncate_html(page: str) -> str:
    """The page cut off where the project number's label begins: the sheet has no identity."""
    return page[: page.rindex("\n", 0, page.index(f"<dt>{_PROJECT_NUMBER}</dt>")) + 1]


def _truncate_text(page: str) -> str:
    return page[: page.index(f"\n{_PROJECT_NUMBER} |") + 1]


# --- The truth: the page's records with the source text mended ----------------------------


def _truth(
    page: _Page,
    record: AdbProject | None = None,
    children: dict[str, list[Any]] | None = None,
    missing_labels: tuple[str, ...] | None = None,
    *,
    older: bool = False,
) -> ParsedSheet:
    """The truth of the live page (or, given its records in source spelling, of another
    rendering): the source text mended, the spoiled date emptied."""
    record, repaired = _mended(
        dataclasses.replace(page.record, layout=_LIVE_2025) if record is None else record
    )
    if page.spoiled is not None and not older:  # an older generation shows no spoiled date
        record = dataclasses.replace(record, **{page.spoiled[0]: None})
    source_children = page.children if children is None else children
    children = {}
    for table, rows in source_children.items():
        mended = [_mended(row) for row in rows]
        children[table] = [row for row, _ in mended]
        names = {name for _, fields in mended for name in fields}
        order = [f.name for f in dataclasses.fields(rows[0])] if rows else []
        repaired += tuple(f"{table}.{name}" for name in order if name in names)
    return ParsedSheet(
        source=SOURCE,
        record=record,
        children=children,
        missing_labels=((page.omitted,) if page.omitted else ())
        if missing_labels is None
        else missing_labels,
        repairs={DOUBLED_APOSTROPHE_REPAIR: repaired} if repaired else {},
        unparsed={} if older else _unparsed(page),
    )


def _spoiled_label(name: str) -> str:
    """The label a spoiled date is read under: its Timetable row or its Milestones column."""
    if name in _DATE_LABELS:
        return _DATE_LABELS[name]
    if name.startswith("fact_finding"):
        return _FACT_FINDING
    return f"{_MILESTONES}/{_MILESTONE_COLUMNS[name]}"


def _unparsed(page: _Page, *, html: bool = False) -> dict[str, dict[str, str]]:
    """The spoiled date, kept as the page shows it (no-break spaces as spaces) with why it
    cannot be read: its field is empty."""
    if page.spoiled is None:
        return {}
    name, text = page.spoiled
    reason = f"{_spoiled_label(name)}: not a date (day is out of range for month): {text!r}"
    return {name: {"text": text, "reason": reason}}


def _mended(row: Any) -> tuple[Any, tuple[str, ...]]:
    mended = {
        f.name: value.replace("''", "'")
        for f in dataclasses.fields(row)
        if isinstance(value := getattr(row, f.name), str) and "''" in value
    }
    return dataclasses.replace(row, **mended), tuple(mended)


# --- What both renderings show ---------------------------------------------------------------


@dataclass(frozen=True)
class _Date:
    text: str  # "14 Sep 2020", "-", or the impossible date of a spoiled page


@dataclass(frozen=True)
class _Items:
    items: tuple[str, ...]
    one_line: bool = False  # the text rendering writes them on one line (the OPs)


@dataclass(frozen=True)
class _Sectors:
    items: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class _Agencies:
    items: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class _Funds:
    subheads: tuple[str, ...]  # on the HTML page only: the loan each fund row is under
    rows: tuple[tuple[str, str], ...]  # fund name, amount as written


_Value = str | _Date | _Items | _Sectors | _Agencies | _Funds
_Section = tuple[str | None, list[tuple[str, _Value]]]  # heading, labelled rows


def _text_label(name: str) -> str:
    return _TEXT_LABELS[name]


def _date_text(page: _Page, name: str) -> str:
    """A date field of the record as the page writes it (or spoils it)."""
    if page.spoiled is not None and page.spoiled[0] == name:
        return page.spoiled[1]
    return _day_text(getattr(page.record, name))


def _fund_amount(fund: AdbFundingSource) -> str:
    amount = fund.amount or Decimal(0)
    if amount >= 1_000_000 and amount % 10_000 == 0:  # "million" with two decimals is exact
        return f"US$ {amount / 1_000_000:.2f} million"
    return f"US$ {amount:,.2f}"


def _money(value: Decimal | None) -> str:
    return _NONE if value is None else f"{value:,.2f}"


def _sections(page: _Page) -> list[_Section]:
    """The labelled rows of the page, by section, less the label the page leaves out."""
    record, children = page.record, page.children

    def text(name: str) -> tuple[str, _Value]:
        return _text_label(name), getattr(record, name) or ""

    funds = children[AdbFundingSource.table]
    fact_finding = _date_text(page, "fact_finding_start_date")
    if record.fact_finding_end_date is not None:
        fact_finding += f" to {_date_text(page, 'fact_finding_end_date')}"
    sections: list[_Section] = [
        (
            None,
            [
                text("project_name"),
                text("project_number"),
                (_COUNTRY, _Items(tuple(c.country for c in children[AdbProjectCountry.table]))),
                text("project_status"),
                text("project_type"),
                (
                    _SOURCE_OF_FUNDING,
                    _Funds(
                        tuple(f"{n}: {record.project_name}" for n in page.loan_numbers),
                        tuple((f.fund_name, _fund_amount(f)) for f in funds),
                    ),
                ),
                (
                    _PRIORITIES_LABEL,
                    _Items(
                        tuple(
                            f"{op.code}: {op.name}" for op in children[AdbOperationalPriority.table]
                        ),
                        one_line=True,
                    ),
                ),
                (
                    _SECTOR,
                    _Sectors(
                        tuple((s.sector, s.subsector) for s in children[AdbProjectSector.table])
                    ),
                ),
                text("gender"),
                text("description"),
                text("rationale"),
                text("impact"),
            ],
        ),
        ("Project Outcome", [text("outcome"), text("progress_toward_outcome")]),
        (
            "Implementation Progress",
            [text("outputs"), text("implementation_progress"), text("geographical_location")],
        ),
        (
            "Summary of Environmental and Social Aspects",
            [
                text("environmental_aspects"),
                text("involuntary_resettlement"),
                text("indigenous_peoples"),
            ],
        ),
        (
            "Stakeholder Communication, Participation, and Consultation",
            [
                text("stakeholder_participation_design"),
                text("stakeholder_participation_implementation"),
            ],
        ),
        (
            "Business Opportunities",
            [
                text("consulting_services"),
                text("procurement"),
                text("project_officer"),
                text("responsible_department"),
                text("responsible_division"),
                (
                    _EXECUTING_AGENCIES,
                    _Agencies(
                        tuple((a.name, a.address) for a in children[AdbExecutingAgency.table])
                    ),
                ),
            ],
        ),
        (
            "Timetable",
            [
                (
                    _DATE_LABELS["concept_clearance_date"],
                    _Date(_date_text(page, "concept_clearance_date")),
                ),
                (_FACT_FINDING, _Date(fact_finding)),
                *(
                    (_DATE_LABELS[name], _Date(_date_text(page, name)))
                    for name in (
                        "mrm_date",
                        "approval_date",
                        "last_review_mission_date",
                        "last_pds_update_date",
                    )
                ),
            ],
        ),
    ]
    return [
        (heading, [(label, value) for label, value in rows if label != page.omitted])
        for heading, rows in sections
    ]


_MILESTONE_FIELDS = (
    "approval_date",
    "signing_date",
    "effectivity_date",
    "closing_date_original",
    "closing_date_revised",
    "closing_date_actual",
)
_FINANCING_FIELDS = (
    "financing_adb",
    "financing_cofinancing",
    "financing_counterpart_government",
    "financing_counterpart_beneficiaries",
    "financing_counterpart_project_sponsor",
    "financing_counterpart_others",
    "financing_total",
)
_COUNTERPART = ("Gov", "Beneficiaries", "Project Sponsor", "Others")


def _milestone_cells(page: _Page) -> list[str]:
    return [_date_text(page, name) for name in _MILESTONE_FIELDS]


def _financing_title(page: _Page) -> str:
    kind = {_TECHNICAL_ASSISTANCE: "TA", _LOAN: "Loan", _GRANT: "Grant"}
    return f"Financing Plan/{kind[page.record.project_type or _LOAN]} Utilization"


def _financing_rows(page: _Page) -> list[list[str]]:
    """The financing plan beside the cumulative disbursements: one row per disbursement."""
    amounts = [_money(getattr(page.record, name)) for name in _FINANCING_FIELDS]
    disbursements = [
        [_day_text(d.as_of_date), _money(d.amount)] for d in page.children[AdbDisbursement.table]
    ] or [[_NONE, _NONE]]
    return [
        (amounts if row == 0 else [""] * len(amounts)) + disbursement
        for row, disbursement in enumerate(disbursements)
    ]


def _day_text(value: date | None) -> str:
    return _NONE if value is None else f"{value.day:02d} {_MONTHS[value.month - 1]} {value.year}"


def _month_text(value: date | None) -> str:
    return "" if value is None else f"{_MONTHS[value.month - 1]} {value.year}"


def _document_rows(page: _Page) -> list[tuple[str, str, str]]:
    return [
        (d.title, d.document_type or "", _month_text(d.document_date))
        for d in page.children[AdbDocument.table]
    ]


def _tender_rows(page: _Page) -> list[tuple[str, str, str, str, str]]:
    def day(value: date | None) -> str:
        return "" if value is None else _day_text(value)

    return [
        (t.title, t.tender_type or "", t.status or "", day(t.posting_date), day(t.deadline_date))
        for t in page.children[AdbTender.table]
    ]


_DISCLAIMERS = (
    "Project Data Sheets (PDS) contain summary information on the project or program. Because "
    "the PDS is a work in progress, some information may not be included in its initial version "
    "but will be added as it becomes available.",
    "The Accountability Mechanism provides a forum where people adversely affected by "
    "ADB-assisted projects can voice and seek solutions to their problems.",
)
_NONE_AVAILABLE = "None currently available."


# --- The text rendering ------------------------------------------------------------------


def _render_text(page: _Page) -> str:
    record = page.record
    lines = [record.title or "", *(record.summary or "").split("\n"), _PROJECT_DETAILS, "-"]
    lines += ["Project Officer", record.project_officer or "", record.responsible_department or ""]
    lines += ["Request for information -", "Country/Economy"]
    lines += [f"{c.country} -" for c in page.children[AdbProjectCountry.table]]
    lines += ["Sector", *(f"- {s.sector}" for s in page.children[AdbProjectSector.table])]
    for heading, rows in _sections(page):
        if heading is not None:
            lines += [f"{heading} | |", "---|---|"]
        for label, value in rows:
            lines += _text_row(label, value)
            if heading is None:
                lines.append("||||")  # the cells that pad the row to the page table's width
    lines += _text_grids(page)
    return "\n".join(lines) + "\n"


def _text_grids(page: _Page) -> list[str]:
    """The grids below the rows, and the page's text around them."""
    lines: list[str] = []
    for number in page.loan_numbers or ("",):
        lines += [number] if number else []
        lines += [f"{_MILESTONES} | |||||", "---|---|---|---|---|---|"]
        lines += ["Approval | Signing Date | Effectivity Date | Closing | ||"]
        lines += ["Original | Revised | Actual | |||", _text_cells(_milestone_cells(page))]
    lines += [f"{_financing_title(page)} | Cumulative Disbursements | |||||||", "---|" * 9]
    lines += ["ADB | Cofinancing | Counterpart | Total | Date | Amount | |||"]
    lines += [" | ".join(_COUNTERPART) + " | |||||"]
    lines += [_text_cells(row) for row in _financing_rows(page)]
    lines += _DISCLAIMERS
    lines += _text_grid(_DOCUMENT_COLUMNS, _document_rows(page))
    lines += ["Safeguard Documents See also: Safeguards", _NONE_AVAILABLE, "Tenders"]
    lines += _text_grid(_TENDER_COLUMNS, _tender_rows(page))
    lines += ["Contracts Awarded", *_text_grid(_CONTRACT_COLUMNS, _contract_rows(page))]
    lines += ["Procurement Plan", _NONE_AVAILABLE]
    return lines


def _text_cells(cells: list[str] | tuple[str, ...]) -> str:
    return " | ".join(cells) + " |"


def _text_grid(columns: Any, rows: list[Any]) -> list[str]:
    if not rows:
        return [_NONE_AVAILABLE]
    header = list(columns)
    return [_text_cells(header), "---|" * len(header), *(_text_cells(row) for row in rows)]


def _text_row(label: str, value: _Value) -> list[str]:
    """One labelled row: "Label | value |", a list value's entries on the lines below."""
    if isinstance(value, str):
        paragraphs = value.split("\n\n")
        lines = [f"{label} | {paragraphs[0]}"]
        for paragraph in paragraphs[1:]:
            lines += ["", paragraph]  # the value's cell goes on, a blank line between paragraphs
        lines[-1] += " |"
        return lines
    if isinstance(value, _Date):
        return [f"{label} | {value.text} |"]
    if isinstance(value, _Items):
        if value.one_line or not value.items:
            return [f"{label} | {' '.join(value.items)} |"]
        return [f"{label} | {value.items[0]} |", *(f"{item} |" for item in value.items[1:])]
    if isinstance(value, _Sectors):
        entries = [f"{sector} / {sub}" if sub else sector for sector, sub in value.items]
        return _text_row(label, _Items(tuple(entries)))
    if isinstance(value, _Agencies):
        # An agency's cell: its name, then its address lines; "|" closes it.
        cells = ["\n".join(filter(None, (name, address))) for name, address in value.items]
        return [f"{label} |", *(f"{cell} |" for cell in cells)]
    rows = [_text_cells(row) for row in value.rows] or ["|"]  # "|": the empty nested table
    return [f"{label} |", *rows]


# --- The HTML page (the live template) -----------------------------------------------------


def _render_html(page: _Page) -> str:
    record = page.record
    out = _Html(page.style)
    out.raw(
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{out.text(record.project_name)} | Asian Development Bank</title>\n"
        '<link rel="stylesheet" href="/themes/adb/css/main.css">\n'
        "<script>window.dataLayer = window.dataLayer || [];</script>\n</head>\n"
        '<body class="page-node-type-project">\n<header class="site-header"><nav class="main-menu">'
        '<ul><li><a href="/who-we-are">Who We Are</a></li>'
        '<li><a href="/projects">Projects &amp; Tenders</a></li>'
        '<li><a href="/publications">Publications &amp; Data</a></li></ul></nav></header>\n'
        '<nav class="breadcrumb"><ol><li><a href="/">Home</a></li>'
        f'<li><a href="/projects">Projects</a></li><li>{record.project_number}</li></ol></nav>\n'
        '<main id="main-content">\n<article class="node node--type-project">\n'
    )
    out.raw(
        f'<h1 class="page-title">{out.text(record.title)}</h1>\n<div class="project-summary">\n'
    )
    for paragraph in (record.summary or "").split("\n"):
        out.raw(f"<p>{out.text(paragraph)}</p>\n")
    out.raw("</div>\n")
    _html_sidebar(page, out)
    for heading, rows in _sections(page):
        out.raw('<section class="pds-section">\n')
        if heading is not None:
            out.raw(f"<h2>{out.text(heading)}</h2>\n")
        out.raw('<dl class="pds">\n')
        for label, value in rows:
            out.raw(f"<dt>{out.text(label)}</dt>\n<dd>{_html_value(value, out)}</dd>\n")
        out.raw("</dl>\n</section>\n")
    _html_grids(page, out)
    out.raw("</article>\n</main>\n")
    out.raw(
        '<footer class="site-footer"><ul><li><a href="/terms-use">Terms of Use</a></li>'
        '<li><a href="/privacy-policy">Privacy &amp; Cookies</a></li></ul>'
        "<p>&copy; Asian Development Bank</p></footer>\n</body>\n</html>\n"
    )
    return out.html()


class _Html:
    """An HTML page being written, in the page's style."""

    def __init__(self, style: _Style) -> None:
        self.style = style
        self._parts: list[str] = []

    def raw(self, markup: str) -> None:
        self._parts.append(markup)

    def text(self, value: str | None) -> str:
        escaped = html.escape(value or "", quote=False)
        return escaped.replace("'", "&#39;") if self.style.apostrophe_entities else escaped

    def value(self, value: str) -> str:
        """A date or an amount: its spaces no-break ones if the page writes them so."""
        escaped = self.text(value)
        return escaped.replace(" ", "&nbsp;") if self.style.no_break_spaces else escaped

    def html(self) -> str:
        return "".join(self._parts)


def _html_sidebar(page: _Page, out: _Html) -> None:
    record = page.record
    countries = "".join(
        f"<li>{out.text(c.country)}</li>" for c in page.children[AdbProjectCountry.table]
    )
    sectors = "".join(
        f"<li>{out.text(s.sector)}</li>" for s in page.children[AdbProjectSector.table]
    )
    out.raw(
        f'<aside class="project-sidebar">\n<h2>{_PROJECT_DETAILS}</h2>\n'
        f"<div><h3>Project Officer</h3><p>{out.text(record.project_officer)}</p>"
        f"<p>{out.text(record.responsible_department)}</p>"
        '<p><a href="/contact-us">Request for information</a></p></div>\n'
        f"<div><h3>Country/Economy</h3><ul>{countries}</ul></div>\n"
        f"<div><h3>Sector</h3><ul>{sectors}</ul></div>\n</aside>\n"
    )


def _html_value(value: _Value, out: _Html) -> str:
    if isinstance(value, str):
        paragraphs = value.split("\n\n")
        if len(paragraphs) == 1:
            return out.text(value)
        return "".join(f"<p>{out.text(paragraph)}</p>" for paragraph in paragraphs)
    if isinstance(value, _Date):
        return out.value(value.text)
    if isinstance(value, _Items):
        return "<ul>" + "".join(f"<li>{out.text(item)}</li>" for item in value.items) + "</ul>"
    if isinstance(value, _Sectors):
        return "".join(
            f'<p><strong class="{_SECTOR_CLASS}">{out.text(sector)}</strong>'
            + (f" / {out.text(sub)}" if sub else "")
            + "</p>"
            for sector, sub in value.items
        )
    if isinstance(value, _Agencies):
        return "".join(
            f'<div class="address"><span class="{_AGENCY_CLASS}">{out.text(name)}</span>'
            + "".join(f"<br>{out.text(line)}" for line in (address or "").split("\n") if line)
            + "</div>"
            for name, address in value.items
        )
    # A subhead names the loan the rows below it are for: the first above them all, a second
    # one above the last row.
    subheads = [
        f'<tr class="{_FUND_SUBHEAD_CLASS}"><td colspan="2">{out.text(subhead)}</td></tr>'
        for subhead in value.subheads
    ]
    funds = [
        f"<tr><td>{out.text(name)}</td><td>{out.value(amount)}</td></tr>"
        for name, amount in value.rows
    ]
    rows = subheads[:1] + funds[:-1] + subheads[1:] + funds[-1:]
    return f'<table class="{_FUND_TABLE_CLASS}"><tbody>{"".join(rows)}</tbody></table>'


def _html_grids(page: _Page, out: _Html) -> None:
    out.raw('<section class="pds-section">\n')
    for number in page.loan_numbers or ("",):
        if number:
            out.raw(f'<h3 class="loan-number">{out.text(number)}</h3>\n')
        out.raw(
            f'<div class="table-responsive"><table class="milestones"><caption>{_MILESTONES}'
            '</caption><thead><tr><th rowspan="2">Approval</th>'
            '<th rowspan="2">Signing Date</th><th rowspan="2">Effectivity Date</th>'
            '<th colspan="3">Closing</th></tr><tr><th>Original</th><th>Revised</th>'
            "<th>Actual</th></tr></thead><tbody>"
            + _html_row(_milestone_cells(page), out)
            + "</tbody></table></div>\n"
        )
    counterpart = "".join(f"<th>{label}</th>" for label in _COUNTERPART)
    out.raw(
        '<div class="table-responsive"><table class="financing-plan"><thead><tr>'
        f'<th colspan="7">{_financing_title(page)}</th>'
        '<th colspan="2">Cumulative Disbursements</th></tr><tr><th rowspan="2">ADB</th>'
        '<th rowspan="2">Cofinancing</th><th colspan="4">Counterpart</th>'
        '<th rowspan="2">Total</th><th rowspan="2">Date</th><th rowspan="2">Amount</th></tr>'
        f"<tr>{counterpart}</tr></thead><tbody>"
        + "".join(_html_row(row, out) for row in _financing_rows(page))
        + "</tbody></table></div>\n</section>\n"
    )
    out.raw('<section class="pds-disclaimers">')
    out.raw("".join(f"<p>{out.text(text)}</p>" for text in _DISCLAIMERS) + "</section>\n")
    out.raw('<section class="pds-section" id="documents">\n')
    out.raw(_html_grid(_DOCUMENT_COLUMNS, _document_rows(page), out, texts=2))
    out.raw(f"<h3>Safeguard Documents</h3><p>{_NONE_AVAILABLE}</p>\n</section>\n")
    out.raw('<section class="pds-section" id="tenders">\n<h2>Tenders</h2>\n')
    out.raw(_html_grid(_TENDER_COLUMNS, _tender_rows(page), out, texts=3))
    out.raw("<h3>Contracts Awarded</h3>\n")
    out.raw(_html_grid(_CONTRACT_COLUMNS, _contract_rows(page), out, texts=5))
    out.raw(f"<h3>Procurement Plan</h3><p>{_NONE_AVAILABLE}</p>\n")
    out.raw("</section>\n")


def _html_row(cells: list[str] | tuple[str, ...], out: _Html, texts: int = 0) -> str:
    """A row of cells: the first `texts` ones text, the others dates or amounts."""
    return (
        "<tr>"
        + "".join(
            f"<td>{out.text(cell) if column < texts else out.value(cell)}</td>"
            for column, cell in enumerate(cells)
        )
        + "</tr>"
    )


def _html_grid(columns: Any, rows: list[Any], out: _Html, texts: int) -> str:
    if not rows:
        return f"<p>{_NONE_AVAILABLE}</p>\n"
    header = "".join(f"<th>{out.text(column)}</th>" for column in columns)
    body = "".join(_html_row(row, out, texts) for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>\n"


# --- The bullets rendering of the live page ------------------------------------------------
# Another archive's text of the live page (like adb_55236-001): the line above the facts
# ("Sovereign Project | N"), the side panel as bullets, then each label on a line of its own
# with its value on the lines below, a list's entries as "  • entry" lines; the fund table
# flattened into each approval's heading, "Source Amount", then "fund US$ x" lines. Its grids
# are the pipe rendering's.

_BULLET = "  \u2022 "
_SOVEREIGN_HEADER = "Sovereign Project | {number}"
_FUND_HEADER = "Source Amount"


def _render_bullets(page: _Page) -> str:
    record = page.record
    lines = [record.title or "", "", _SOVEREIGN_HEADER.format(number=record.project_number), ""]
    for paragraph in (record.summary or "").split("\n"):
        lines += [paragraph, ""]
    lines += [_PROJECT_DETAILS, ""]
    lines += [f"{_BULLET}Project Officer", f"    {record.project_officer or ''}"]
    lines += [f"    {record.responsible_department or ''}", "    Request for information"]
    lines += [f"{_BULLET}Country/Economy"]
    lines += [f"    {c.country}" for c in page.children[AdbProjectCountry.table]]
    lines += [f"{_BULLET}Sector"]
    lines += [f"    \u2022 {s.sector}" for s in page.children[AdbProjectSector.table]]
    for heading, rows in _sections(page):
        if heading is not None:
            lines.append(heading)
        for label, value in rows:
            if label == _TEXT_LABELS["project_type"] and isinstance(value, str):
                value = _Items(tuple(filter(None, value.split(", "))))  # a list, as bullets
            lines += [label, *_bullets_value(value)]
    lines += _text_grids(page)
    return "\n".join(lines) + "\n"


def _bullets_value(value: _Value) -> list[str]:
    if isinstance(value, str):
        return value.split("\n") if value else []
    if isinstance(value, _Date):
        return [value.text]
    if isinstance(value, _Items):
        return [f"{_BULLET}{item}" for item in value.items]
    if isinstance(value, _Sectors):
        return [f"{sector} / {sub}" if sub else sector for sector, sub in value.items]
    if isinstance(value, _Agencies):
        # Each agency a bullet, its address lines under it (the <div class="address"> of the
        # live page: its company name, then a line per <br>).
        return [
            line
            for name, address in value.items
            for line in (
                f"{_BULLET}{name}",
                *(f"    {a}" for a in (address or "").split("\n") if a),
            )
        ]
    lines: list[str] = []
    for heading, funds in _fund_groups(value):
        lines += [heading] if heading else []
        lines += [_FUND_HEADER, *(f"{name} {amount}" for name, amount in funds)]
    return lines


def _fund_groups(value: _Funds) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The fund rows under the approval heading above them, as the HTML fund table has them:
    the first heading above all rows but the last, a second one above the last."""
    rows = list(value.rows)
    if not value.subheads:
        return [(None, rows)]
    if len(value.subheads) == 1:
        return [(value.subheads[0], rows)]
    return [(value.subheads[0], rows[:-1]), (value.subheads[1], rows[-1:])]


# --- The print view (print generation) -----------------------------------------------------
# adb.org/print/projects/N/main (adb_47299-001_print, adb_23213-013_print): no heading; each
# row "Label value" on one line, a list going on over the lines below; the funds under their
# approval's heading; "Sector / Subsector" pairs joined by " - "; no timetable or grids.

_PRINT_COUNTRY = "Country"
_PRINT_GENDER = "Gender Equity and Mainstreaming"
_STRATEGIC_AGENDAS = "Strategic Agendas"
_AGENDAS = ("Inclusive economic growth", "Environmentally sustainable growth")


def _render_print(page: _Page) -> str:
    record, children = page.record, page.children
    lines: list[str] = []

    def row(label: str, entries: list[str]) -> None:
        if entries and entries[0]:  # a field left out: its row too
            lines.append(f"{label} {entries[0]}")
            lines.extend(entries[1:])

    row(_TEXT_LABELS["project_name"], [record.project_name or ""])
    row(_PROJECT_NUMBER, [record.project_number])
    row(_PRINT_COUNTRY, [c.country for c in children[AdbProjectCountry.table]])
    row(_TEXT_LABELS["project_status"], [record.project_status or ""])
    row(_TEXT_LABELS["project_type"], [record.project_type or ""])
    if page.omitted != _SOURCE_OF_FUNDING:
        lines.append(_SOURCE_OF_FUNDING)
        for heading, funds in _fund_groups(_print_funds(page)):
            lines += [heading] if heading else []
            lines += [f"{name} {amount}" for name, amount in funds]
    row(_STRATEGIC_AGENDAS, list(_AGENDAS[: 1 + len(record.project_number) % 2]))
    sectors = [
        f"{s.sector} - {s.subsector}" if s.subsector else s.sector
        for s in children[AdbProjectSector.table]
    ]
    row(_SECTOR, sectors)
    row(_PRINT_GENDER, [record.gender or ""])
    for name in ("description", "rationale"):
        paragraphs = (getattr(record, name) or "").split("\n\n")
        if paragraphs[0]:
            row(_TEXT_LABELS[name], [paragraphs[0], *(p for q in paragraphs[1:] for p in ("", q))])
    return "\n".join(lines) + "\n"


# The 2015 tabbed page (like adb_42414-043_c2015): its title, the line above the facts with
# the status, the summary, the tabs' headings and the disclaimers, then the print view's rows.
_TABS = (
    "Latest Project Documents",
    "Consulting Notices",
    "See also: CMS",
    "Procurement Notices",
    "See also: Operational Procurement",
    "Procurement Documents",
)


def _render_tabbed(page: _Page) -> str:
    record = page.record
    header = _SOVEREIGN_HEADER.format(number=record.project_number)
    lines = [record.title or "", "", f"{header} Status: {record.project_status}", "", ""]
    for paragraph in (record.summary or "").split("\n"):
        lines += [paragraph, ""]
    for tab in _TABS:
        lines += [tab, ""]
    for disclaimer in _DISCLAIMERS:
        lines += [disclaimer, ""]
    return "\n".join(lines) + _render_print(page)


def _print_funds(page: _Page) -> _Funds:
    return _Funds(
        tuple(f"{n}: {page.record.project_name}" for n in page.loan_numbers),
        tuple((f.fund_name, _fund_amount(f)) for f in page.children[AdbFundingSource.table]),
    )


# --- The 2014-15 Project Data Sheet (pds-2014 generation) -----------------------------------
# Like adb_44212-013_pds2015: "PDS Updated as of", "Project/Program Number", "Status", the
# sectors and subsectors in lists of their own, and the funding table with its cells run
# together ("Loan3133Asian Development Fund52,000"), amounts in thousands, then the
# counterpart and "TOTAL US$ 117,100".

_PDS_HEAD = (
    "Project Data Sheet",
    "",
    "Project Data Sheets (PDS) contain summary information on the project or program: Because "
    "the PDS is a work in progress, some information may not be included in its initial version "
    "but will be added as it becomes available. Information about proposed projects is "
    "tentative and indicative.",
    "",
    "PDS Creation Date",
)
_PDS_DISCLAIMER = (
    "In preparing any country program or strategy, financing any project, or by making any "
    "designation of, or reference to, a particular territory or geographic area in this "
    "document, the Asian Development Bank does not intend to make any judgments as to the legal "
    "or other status of any territory or area."
)
_PDS_FUNDING_HEADER = (
    "Type/Modality of Assistance Approval Number Source of Funding Approved Amount (thousand)"
)
_PDS_GENDER = "Gender Equity and Mainstreaming Categories"
_THOUSAND = Decimal(1000)
_COUNTERPART_ROW = "Counterpart"


def _has_approvals(page: _Page) -> bool:
    """Whether the 2014-15 layout can show the sheet: a loan or grant, approved (its funding
    table lists each fund under its approval's number)."""
    return bool(page.loan_numbers) and page.record.project_type in (_LOAN, _GRANT)


def _pds_rows(page: _Page) -> list[tuple[str, str, AdbFundingSource]]:
    """Each fund with the type and number of the approval it is under."""
    groups = _fund_groups(
        _Funds(page.loan_numbers, tuple((f.fund_name, "") for f in _pds_funds(page)))
    )
    funds = iter(_pds_funds(page))
    rows: list[tuple[str, str, AdbFundingSource]] = []
    for heading, members in groups:
        kind, number = (heading or "").split(" ")
        for _ in members:
            rows.append((kind, number.split("-")[0], next(funds)))
    return rows


def _pds_funds(page: _Page) -> list[AdbFundingSource]:
    return page.children[AdbFundingSource.table]


def _pds_counterpart(page: _Page) -> Decimal:
    """The counterpart, in whole thousands as the table states it."""
    government = page.record.financing_counterpart_government or Decimal(0)
    return (government / _THOUSAND).quantize(Decimal(1))


def _thousands(amount: Decimal) -> str:
    return f"{amount / _THOUSAND:,.0f}"


def _render_pds_2014(page: _Page) -> str:
    record, children = page.record, page.children
    update = record.last_pds_update_date
    lines = [*_PDS_HEAD, *([f"PDS Updated as of {_day_text(update)}"] if update else []), ""]
    lines += [f"{_TEXT_LABELS['project_name']} {record.project_name}"]
    countries = [c.country for c in children[AdbProjectCountry.table]]
    lines += [f"{_PRINT_COUNTRY} {countries[0]}", *countries[1:]] if countries else []
    lines += [f"Project/Program Number {record.project_number}"]
    lines += [f"Status {record.project_status}"] if record.project_status else []
    if record.geographical_location:
        lines += [f"{_TEXT_LABELS['geographical_location']} {record.geographical_location}"]
    lines += [_PDS_DISCLAIMER]
    sectors = children[AdbProjectSector.table]
    if sectors:
        lines += [f"Sector {sectors[0].sector}", *(s.sector for s in sectors[1:])]
        subsectors = [s.subsector for s in sectors if s.subsector]
        lines += [f"Subsector {subsectors[0]}", *subsectors[1:]] if subsectors else []
    lines += [f"{_STRATEGIC_AGENDAS} {_AGENDAS[0]}"]
    lines += [f"{_PDS_GENDER} {record.gender}"] if record.gender else []
    lines += ["", "", _PDS_FUNDING_HEADER]
    total = Decimal(0)
    for kind, number, fund in _pds_rows(page):
        amount = fund.amount or Decimal(0)
        total += amount
        lines.append(f"{kind}{number}{fund.fund_name}{_thousands(amount)}")
    counterpart = _pds_counterpart(page)
    if counterpart:
        lines.append(f"{_COUNTERPART_ROW} {counterpart:,}")
    lines += [f"TOTAL US$ {_thousands(total + counterpart * _THOUSAND)}", ""]
    lines += ["Safeguard Categories", "", "Environment B", "Involuntary Resettlement C"]
    lines += ["Indigenous Peoples C", ""]
    return "\n".join(lines) + "\n"


def _truncate(name: str, body: str) -> str:
    """A rendering cut off before the first place it states the project number."""
    if name == "html":
        return _truncate_html(body)
    marker = {
        "text": f"\n{_PROJECT_NUMBER} |",
        "bullets": f"\n{_SOVEREIGN_HEADER.split(' |')[0]} |",
        _PRINT: f"\n{_PROJECT_NUMBER} ",
        _TABBED_2015: f"\n{_SOVEREIGN_HEADER.split(' |')[0]} |",
        _PDS_2014: "\nProject/Program Number ",
    }[name]
    return body[: body.index(marker) + 1]


# --- The truths of the other renderings ---------------------------------------------------


def _approved_funds(page: _Page) -> list[AdbFundingSource]:
    """The funds with the approval whose heading is above them (where the rendering writes
    the headings as text: the bullets rendering, the print view)."""
    funds = iter(page.children[AdbFundingSource.table])
    approved: list[AdbFundingSource] = []
    for heading, rows in _fund_groups(_print_funds(page)):
        approval: dict[str, str | None] = {}
        if heading:
            kind_number, title = heading.split(": ", 1)
            kind, number = kind_number.split(" ")
            approval = {"assistance_type": kind, "approval_number": number, "approval_title": title}
        approved += [dataclasses.replace(next(funds), **approval) for _ in rows]
    return approved


def _html_truth(page: _Page) -> ParsedSheet:
    """The live truth, with the approval each fund is for (the fund table's subhead rows)."""
    children = page.children
    if page.omitted != _SOURCE_OF_FUNDING:
        children = {**children, AdbFundingSource.table: _approved_funds(page)}
    return dataclasses.replace(_truth(page, children=children), unparsed=_unparsed(page, html=True))


def _bullets_truth(page: _Page) -> ParsedSheet:
    """The live truth, with what only this rendering states: the line above the facts
    (a sovereign project) and the approval heading above each fund."""
    record = dataclasses.replace(page.record, layout=_LIVE_2025, operation_type="sovereign")
    children = page.children
    if page.omitted != _SOURCE_OF_FUNDING:
        funds = _bullets_value(_print_funds(page))
        record = dataclasses.replace(record, source_of_funding="\n".join(funds) or None)
        children = {**children, AdbFundingSource.table: _approved_funds(page)}
    return _truth(page, record, children)


# The live sheet's labels (and grid titles) in the order a reader looks for them: a page of an
# older generation lacks those it does not write.
_READ_LABELS = (
    *(
        label
        for name, text in _TEXT_LABELS.items()
        for label in ((text, _SOURCE_OF_FUNDING) if name == "project_status" else (text,))
        if name != "project_type"
    ),
    _TEXT_LABELS["project_type"],
    *_DATE_LABELS.values(),
    _FACT_FINDING,
    _MILESTONES,
    _COUNTRY,
    _PRIORITIES_LABEL,
    _SECTOR,
    _EXECUTING_AGENCIES,
    "Financing Plan",
)
# ADB's own resources; the sheet's other funds are cofinancing it administers.
_ADB_FUNDS = frozenset(
    {
        "Asian Development Fund",
        "Ordinary capital resources",
        "Concessional ordinary capital resources lending",
        "Technical Assistance Special Fund",
    }
)


def _lacking(written: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(label for label in _READ_LABELS if label not in written)


def _sum(amounts: list[Decimal]) -> Decimal | None:
    return sum(amounts, Decimal("0.00")) if amounts else None


def _funds_financing(funds: list[AdbFundingSource]) -> dict[str, Any]:
    """ADB's and the cofinanciers' amounts, where the page states only its funds."""
    given = [f for f in funds if f.amount is not None and f.fund_name != _COUNTERPART_ROW]
    adb = [f.amount for f in given if f.fund_name in _ADB_FUNDS]
    others = [f.amount for f in given if f.fund_name not in _ADB_FUNDS]
    return {
        "financing_adb": _sum(adb),
        "financing_cofinancing": _sum(others),
        "currency_code": "USD" if adb or others else None,
    }


def _print_truth(page: _Page) -> ParsedSheet:
    record, children = page.record, page.children
    funds = _approved_funds(page) if page.omitted != _SOURCE_OF_FUNDING else []
    financing = _funds_financing(funds)
    lines = _render_print(page).split("\n")
    start = lines.index(_SOURCE_OF_FUNDING) + 1 if _SOURCE_OF_FUNDING in lines else None
    end = next(i for i, line in enumerate(lines) if line.startswith(_STRATEGIC_AGENDAS))
    funding = "\n".join(lines[start:end]) if start is not None else None
    sectors = children[AdbProjectSector.table]
    parent = AdbProject(
        project_number=record.project_number,
        project_name=record.project_name,
        layout=_PRINT,
        country=record.country,
        project_status=record.project_status,
        project_type=record.project_type,
        source_of_funding=funding or None,
        sector=sectors[0].sector if sectors else None,
        subsector=sectors[0].subsector if sectors else None,
        gender=record.gender,
        description=record.description,
        rationale=record.rationale,
        **financing,
    )
    kept = (AdbProjectCountry.table, AdbProjectSector.table)
    rows = {table: rows if table in kept else [] for table, rows in children.items()}
    rows[AdbFundingSource.table] = funds
    written = (
        _TEXT_LABELS["project_name"],
        _PROJECT_NUMBER,
        _TEXT_LABELS["project_status"],
        _TEXT_LABELS["project_type"],
        _SOURCE_OF_FUNDING,
        _TEXT_LABELS["gender"],
        _TEXT_LABELS["description"],
        _TEXT_LABELS["rationale"],
        _COUNTRY,
        _SECTOR,
    )
    written = tuple(label for label in written if label != page.omitted)
    return _truth(page, parent, rows, _lacking(written), older=True)


def _tabbed_truth(page: _Page) -> ParsedSheet:
    """The print view's truth, with the title, the summary and the line above the facts."""
    truth = _print_truth(page)
    record = page.record
    parent = dataclasses.replace(
        truth.record,
        layout=_TABBED_2015,
        title=record.title,
        summary=record.summary,
        operation_type="sovereign",
    )
    repaired = [name for name in ("title", "summary") if "''" in (getattr(record, name) or "")]
    mended = dataclasses.replace(
        parent, **{name: getattr(parent, name).replace("''", "'") for name in repaired}
    )
    repairs = dict(truth.repairs)
    if repaired:
        kind = "doubled_apostrophe"
        repairs[kind] = (*repaired, *repairs.get(kind, ()))
    return dataclasses.replace(truth, record=mended, repairs=repairs)


def _pds_truth(page: _Page) -> ParsedSheet:
    record, children = page.record, page.children
    funds = [
        AdbFundingSource(
            position,
            fund.fund_name,
            fund.amount,
            "USD",
            assistance_type=kind,
            approval_number=number,
        )
        for position, (kind, number, fund) in enumerate(_pds_rows(page), 1)
    ]
    counterpart = _pds_counterpart(page) * _THOUSAND
    if counterpart:
        funds.append(
            AdbFundingSource(len(funds) + 1, _COUNTERPART_ROW, counterpart.quantize(_CENT), "USD")
        )
    amounts = [fund.amount or Decimal(0) for fund in funds]
    sectors = children[AdbProjectSector.table]
    subsectors = [s.subsector for s in sectors if s.subsector]
    joined = "; ".join(subsectors) or None
    sector_rows = [
        AdbProjectSector(s.position, s.sector, joined if len(sectors) == 1 else None)
        for s in sectors
    ]
    parent = AdbProject(
        project_number=record.project_number,
        project_name=record.project_name,
        layout=_PDS_2014,
        country=record.country,
        project_status=record.project_status,
        project_type=", ".join(dict.fromkeys(kind for kind, _, _ in _pds_rows(page))),
        sector=sectors[0].sector if sectors else None,
        subsector=joined,
        gender=record.gender,
        geographical_location=record.geographical_location,
        last_pds_update_date=record.last_pds_update_date,
        financing_counterpart_government=counterpart.quantize(_CENT) if counterpart else None,
        financing_total=sum(amounts, Decimal("0.00")),
        **_funds_financing(funds),
    )
    rows: dict[str, list[Any]] = {table: [] for table in children}
    rows[AdbProjectCountry.table] = children[AdbProjectCountry.table]
    rows[AdbProjectSector.table] = sector_rows
    rows[AdbFundingSource.table] = funds
    written = tuple(
        _TEXT_LABELS[name] if name in _TEXT_LABELS else name
        for name in (
            "project_name",
            "project_number",
            "project_status",
            "gender",
            "geographical_location",
            "project_type",
            _DATE_LABELS["last_pds_update_date"],
            _COUNTRY,
            _SECTOR,
        )
    )
    written = tuple(label for label in written if label != page.omitted)
    return _truth(page, parent, rows, _lacking(written), older=True)


_TRUTHS = {
    "html": _html_truth,
    "text": _truth,
    "bullets": _bullets_truth,
    _PRINT: _print_truth,
    _TABBED_2015: _tabbed_truth,
    _PDS_2014: _pds_truth,
}
